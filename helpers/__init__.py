"""Helpers for the SageMaker Model Registry workshop: the lessons the notebooks import, and the kit around them.

``import helpers`` is cheap: the modules that pull in boto3, pandas, xgboost or the SageMaker SDK
load on first use. The map (no module imports another in a cycle; ``tests/test_layout.py``):

The face:      ``helpers.session()``, ``client()``, ``target()``, ``workshop_bucket()`` and the errors below;
               config (names, state dir, backend choice), aws (sessions and clients), errors, and
               ``python -m helpers`` (__main__: the kit's CLI).
The lessons, one module each, imported by the notebooks:
  registry (groups, versions, approvals as calls), lifecycle (stages: Development, Staging, Production,
  Archived), model_card (the card on a version), compare (versions table and charts), gate (approval
  rules), audit (approval changes with the kit's record, rollback), history (every change, from the
  registry's own events in CloudWatch Logs), dashboard (ipywidgets), overview (the whole registry as one
  table), iam (the shipped policies, rendered and checked), deployer (approval events -> the endpoint
  serves the newest approved version: the rule, its queue, a local run).
The plumbing, in subpackages named for what they hold:
  model/     the ML pipeline's stand-in: datasets, training, metrics, model_quality (the JSON the
             registry shows), artifacts (model.tar.gz in S3), serving (scores CSV rows as the container
             does, for tests and checks), pipeline (prepare and register the two models).
  setup/     notebook 00: environment (the checks), target_report (where the workshop would act),
             s3_bucket, execution_role, sdk (the SageMaker SDK line installed, v3 or v2).
  aws_mode/  a real account only: deployer_lambda (the deployer as a Lambda function), studio_links,
             pricing (the endpoint's hourly cost).
  kit/       the kit's own machinery: progress (which notebooks have run, read from the account; the one
             sentence a notebook run too early stops with), registry_checks (the checks before a registry
             write), endpoint_reconciler (the deployer's engine; stdlib and boto3 only, so it is also the
             Lambda function's code), backend (start, stop, status of the local endpoint), notebook_runner
             (papermill), notebook_outputs (the committed outputs), aws_cli (the aws program and the kit's
             CLI from a notebook), aws_cli_worker (the aws CLI kept running for those commands), eventbridge
             (deleting a rule with its targets), tables (tables that show every word and fit JupyterLab at
             1280 px), translations (notebooks/vi/ from the English notebooks and i18n/vi/),
             translation_rules (what a translation must keep of the English).

``local_backend/`` is the local AWS endpoint, a process of its own; only ``kit.backend`` talks to it.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import BackendNotRunning, NotConfirmed, NotReadyError, WorkshopError

__all__ = ["BackendNotRunning", "NotConfirmed", "NotReadyError", "WorkshopError", "session", "client",
           "target", "workshop_bucket"]
__version__ = "0.1.0"

_SUBMODULES = {  # the lessons, the face (errors is imported above), and the subpackages
    "audit", "aws", "compare", "config", "dashboard", "deployer", "gate", "history", "iam", "lifecycle",
    "model_card", "overview", "registry",
    "aws_mode", "kit", "model", "setup",
}


def session(region: str | None = None, backend_name: str | None = None, confirm_aws: bool = False):
    """A boto3 Session for the chosen backend; see :func:`helpers.aws.session`."""
    from .aws import session as _session

    return _session(region, backend_name, confirm_aws)


def target(region: str | None = None, bucket: str | None = None, role_name: str = "SageMakerExecutionRole"):
    """Where the workshop would act (account, region, bucket, role); see :func:`helpers.setup.target_report.target`."""
    from .setup.target_report import target as _target

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
