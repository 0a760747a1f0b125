"""Helpers for the SageMaker Model Registry workshop: backend, clients, and the plumbing around them.

``import helpers`` is cheap: the modules that pull in boto3, pandas, xgboost or the SageMaker SDK
load on first use. The map (no module imports another in a cycle; ``tests/test_layout.py``):

Setting up:    config (names, state dir, backend choice), aws (sessions and clients), backend (start,
               stop, status of the local endpoint in local_backend/), environment (notebook 00's checks),
               target_report (where the workshop would act), bucket_and_role (bucket, execution role),
               iam (the shipped policies, rendered and checked).
The model:     datasets (the data-set versions), training, metrics (hold-out scores, the model-quality
               JSON), artifacts (model.tar.gz in S3), workshop_models (prepare, register the two models).
The registry:  registry (groups, versions, approvals as calls), registry_inputs (checks first),
               lifecycle (stages: Development, Staging, Production, Archived), model_card (the card on a
               version), compare (versions table and charts), gate (approval rules), audit (approval
               changes with the kit's record, rollback), history (every change, from the registry's own
               events in CloudWatch Logs), dashboard (ipywidgets), overview (the whole registry as one
               table), studio_links (where to look in Studio, AWS mode).
Deploying:     deployer (approval events -> the endpoint serves the newest approved version; stdlib and
               boto3 only, so it is also the Lambda function's code), deployer_lambda (that function on AWS).
Running:       notebook_runner (papermill), aws_cli (the aws program and the kit's own CLI from a notebook),
               aws_cli_worker (the aws CLI kept running for those commands), sdk (the SageMaker SDK line
               installed, v3 or v2: resource classes, shapes, image lookup), errors.

``local_backend/`` is the local AWS endpoint, a process of its own; only ``backend`` talks to it.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import BackendNotRunning, NotConfirmed, NotReadyError, WorkshopError

__all__ = ["BackendNotRunning", "NotConfirmed", "NotReadyError", "WorkshopError", "session", "client",
           "target", "workshop_bucket"]
__version__ = "0.1.0"

_SUBMODULES = {
    "artifacts", "audit", "aws", "aws_cli", "backend", "bucket_and_role", "compare", "config", "dashboard",
    "datasets", "deployer", "deployer_lambda", "environment", "gate", "history", "iam", "lifecycle", "metrics",
    "model_card", "notebook_runner", "overview", "registry", "registry_inputs", "sdk", "studio_links",
    "target_report", "training", "workshop_models",
}


def session(region: str | None = None, backend_name: str | None = None, confirm_aws: bool = False):
    """A boto3 Session for the chosen backend; see :func:`helpers.aws.session`."""
    from .aws import session as _session

    return _session(region, backend_name, confirm_aws)


def target(region: str | None = None, bucket: str | None = None, role_name: str = "SageMakerExecutionRole"):
    """Where the workshop would act (account, region, bucket, role); see :func:`helpers.target_report.target`."""
    from .target_report import target as _target

    return _target(region, bucket, role_name)


def workshop_bucket(session, bucket: str | None = None) -> str:
    """The workshop's bucket for ``session``; see :func:`helpers.aws.workshop_bucket`."""
    from .aws import workshop_bucket as _bucket

    return _bucket(session, bucket)


def client(service: str, region: str | None = None, **kwargs: Any):
    """A boto3 client for ``service`` on the chosen backend; see :func:`helpers.aws.client`."""
    from .aws import client as _client

    return _client(service, region, **kwargs)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
