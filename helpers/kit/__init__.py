"""The kit's own machinery: what the lessons lean on, and what runs the notebooks around them.

For the lessons: progress (which notebooks have run, read from the account; the one sentence a notebook
run too early stops with), registry_checks (the checks before a registry write), endpoint_reconciler (the
deployer's engine, standard library and boto3 only: the Lambda function's code), eventbridge (deleting a
rule with its targets, for the deployer and the history), tables (tables that show every word).

Around the notebooks: backend (start, stop, status, reset of the local endpoint in
``helpers/local_backend/``: the only module that talks to it), notebook_runner (the notebooks in order with
papermill), notebook_outputs (the outputs committed with the notebooks), aws_cli (the ``aws`` program and the
kit's own CLI from a notebook), aws_cli_worker (the ``aws`` CLI kept running for those commands),
translations (``notebooks/vi/`` from the English notebooks and ``i18n/vi/``), translation_rules (what a
translation must keep of the English: code, links, headings, a diagram's graph).

Nothing is imported here: ``python -m helpers.kit.aws_cli_worker`` must import awscli's botocore first.
"""
