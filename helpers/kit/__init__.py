"""The kit's own machinery: the local backend's control surface and running things for a notebook.

backend (start, stop, status, reset of the local endpoint in ``helpers/local_backend/``: the only module
that talks to it), notebook_runner (the notebooks in order with papermill), aws_cli (the ``aws`` program
and the kit's own CLI from a notebook), aws_cli_worker (the ``aws`` CLI kept running for those commands),
eventbridge (the rules the kit creates: deleting one with its targets, for the deployer and the history).

Nothing is imported here: ``python -m helpers.kit.aws_cli_worker`` must import awscli's botocore first.
"""
