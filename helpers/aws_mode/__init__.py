"""Tooling that only acts in a real AWS account (``WORKSHOP_BACKEND=aws``).

deployer_lambda (the deployer, ``helpers.deployer``, installed as a Lambda function behind its
EventBridge rule), studio_links (where to see a group or version in Studio or the console), pricing
(what the endpoint's instance costs per hour, approximately, from the SageMaker pricing page).

Nothing is imported here: each module loads what it needs when it is used.
"""
