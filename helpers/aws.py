"""boto3 sessions and clients for the chosen backend (local by default).

In local mode every client goes to the local backend's endpoint with throw-away credentials, so
nothing can reach a real AWS account by accident. ``WORKSHOP_BACKEND=aws`` is the explicit opt-in:
then the standard credential chain (profile, environment, SageMaker Studio's execution role) and the
session's region are used, and nothing is created until the account and region have been confirmed
once, by running notebook 00 with ``confirm_aws=True``.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlparse

from . import config
from .errors import NotConfirmed, WorkshopError, error_code
from .kit import backend
from .local_backend.disk import atomic_write

LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
RETRY = {"mode": "standard", "max_attempts": 10}  # rides out throttling bursts; see helpers.local_backend.faults


def _check_loopback(endpoint: str) -> str:
    host = urlparse(endpoint).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise WorkshopError(
            f"The endpoint {endpoint} is not on this machine, and local mode only talks to 127.0.0.1: "
            "leave endpoint_url and WORKSHOP_ENDPOINT_URL unset, or set WORKSHOP_BACKEND=aws for a real account."
        )
    return endpoint


_CLASSES: dict[str, type] = {}


def _session_classes() -> dict[str, type]:
    """The kit's two boto3 Session classes, built on first use (boto3 is heavy to import).

    Both reuse one client per service and settings (clients are thread-safe and cost ~0.1 s each) and
    add botocore's ``standard`` retry mode; the local one also pins every client to the backend.
    """
    if _CLASSES:
        return _CLASSES
    import boto3
    from botocore.config import Config

    import botocore.loaders

    shared_loader = botocore.loaders.create_loader()
    shared_loader.search_paths.append(os.path.join(os.path.dirname(boto3.__file__), "data"))  # as boto3 adds

    class AwsSession(boto3.Session):
        """boto3 Session with the kit's retries and client reuse; endpoints as boto3 resolves them.

        Every session of the process shares one botocore data loader, which keeps each parsed service
        model: SageMaker's is large, and parsing it again for each new session cost ~0.1 s per client.
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._session.register_component("data_loader", shared_loader)

        def client(self, service_name, *args, **kwargs):  # noqa: D102 - same as boto3's
            key = (service_name, args, repr(sorted((k, repr(getattr(v, "_user_provided_options", v))) for k, v in kwargs.items())))
            cache = self.__dict__.setdefault("_workshop_clients", {})
            if key not in cache:
                cache[key] = super().client(service_name, *args, **self._settings(kwargs))
            return cache[key]

        def resource(self, service_name, *args, **kwargs):  # noqa: D102 - same as boto3's
            return super().resource(service_name, *args, **self._settings(kwargs))

        def _settings(self, kwargs):
            retry = Config(retries=dict(RETRY))
            kwargs["config"] = retry.merge(kwargs["config"]) if kwargs.get("config") else retry
            return kwargs

    class LocalSession(AwsSession):
        """The same, pinned to one loopback endpoint; an explicit other endpoint is refused."""

        workshop_endpoint: str = ""

        def _settings(self, kwargs):
            kwargs["endpoint_url"] = _check_loopback(kwargs.get("endpoint_url") or self.workshop_endpoint)
            return super()._settings(kwargs)

    _CLASSES.update(aws=AwsSession, local=LocalSession)
    return _CLASSES


_IDENTITIES: dict[tuple, dict] = {}


def identity(sess) -> dict:
    """``sts get-caller-identity`` for the session's credentials (asked once per process and key)."""
    creds = sess.get_credentials()
    key = (creds.access_key if creds else None, sess.region_name, os.environ.get("AWS_ENDPOINT_URL"))
    if key not in _IDENTITIES:
        _IDENTITIES[key] = sess.client("sts").get_caller_identity()
    return _IDENTITIES[key]


def _confirm_file():
    return config.state_dir() / "aws-confirmed.json"


def confirmed_targets() -> list[dict]:
    """The (account, region) pairs confirmed for AWS mode on this machine."""
    try:
        return json.loads(_confirm_file().read_text())
    except (FileNotFoundError, ValueError):
        return []


def _confirm(account: str, region: str) -> None:
    targets = confirmed_targets()
    if {"account": account, "region": region} not in targets:
        targets.append({"account": account, "region": region})
        atomic_write(_confirm_file(), json.dumps(targets, indent=1).encode())


def unconfirmed_session(region: str | None = None, backend_name: str | None = None):
    """A session for looking before confirming: AWS mode without the confirmation check.

    Only :func:`target` and the environment check use it, to show which account a confirmation
    would apply to; the notebooks always go through :func:`session`.
    """
    if config.backend_mode(backend_name) == "aws":
        return _raw_aws_session(region)
    return session(region, backend_name)


def _raw_aws_session(region: str | None):
    import botocore.exceptions

    # AWS_REGION (the variable most SDKs and Studio set) counts too; boto3 itself reads AWS_DEFAULT_REGION.
    sess = _session_classes()["aws"](region_name=region or os.environ.get("AWS_REGION") or None)
    if not sess.region_name:
        raise WorkshopError(
            "WORKSHOP_BACKEND=aws needs a region and none is set: set AWS_REGION (or a region in your AWS "
            "profile), or give region in the notebook's parameters cell."
        )
    if sess.get_credentials() is None:
        raise WorkshopError(
            "WORKSHOP_BACKEND=aws found no AWS credentials: configure a profile (aws configure, AWS_PROFILE) "
            "or run in SageMaker Studio; unset WORKSHOP_BACKEND to use the local backend instead."
        )
    try:
        identity(sess)
    except botocore.exceptions.ClientError as exc:
        raise WorkshopError(
            f"AWS did not accept the credentials ({error_code(exc)}): refresh them "
            "(aws sso login, a new session token) and run the cell again."
        ) from None
    return sess


def session(region: str | None = None, backend_name: str | None = None, confirm_aws: bool = False):
    """A boto3 Session for the chosen backend.

    Local mode: fixed test credentials, the running local backend's endpoint for every client made
    from it (also for the SageMaker SDK when given this session) and botocore's ``standard`` retry
    mode. It also points this process's environment (``AWS_ENDPOINT_URL``, test credentials) at the
    backend, so a plain ``boto3.client(...)`` or a ``!aws`` cell in a local-mode kernel cannot reach a
    real account either. Raises :class:`~helpers.errors.BackendNotRunning` if the backend is not up.

    AWS mode (``WORKSHOP_BACKEND=aws``): the standard credential chain and the session's region (or
    ``region``), the same retry mode. Raises :class:`~helpers.errors.NotConfirmed` until this account
    and region have been confirmed once; ``confirm_aws=True`` (notebook 00's parameter) confirms them.
    """
    mode = config.backend_mode(backend_name)
    if mode == "aws":
        sess = _raw_aws_session(region)
        ident = identity(sess)
        if confirm_aws:
            _confirm(ident["Account"], sess.region_name)
        elif {"account": ident["Account"], "region": sess.region_name} not in confirmed_targets():
            raise NotConfirmed(
                f"AWS mode would act in account {ident['Account']} as {ident['Arn']} in region "
                f"{sess.region_name}, which has not been confirmed, so nothing was done: run 00_setup with "
                "confirm_aws=True (or, in a terminal, `python -m helpers workshop --until 00 --confirm-aws`) to use "
                "this account, or unset WORKSHOP_BACKEND to stay local."
            )
        return sess
    endpoint = _check_loopback(backend.endpoint())
    for var in backend.REAL_CREDENTIAL_VARS:
        os.environ.pop(var, None)
    os.environ.update(backend.terminal_env(region))
    sess = _session_classes()["local"](region_name=config.region(region), **LOCAL_CREDENTIALS)
    sess.workshop_endpoint = endpoint
    return sess


def workshop_bucket(sess, bucket: str | None = None) -> str:
    """``bucket`` if given; else ``ml-pipeline-bucket`` locally, ``sagemaker-<region>-<account>`` on AWS.

    S3 bucket names are global, so on AWS the spec's name would belong to someone else already.
    """
    if bucket:
        return bucket
    if getattr(sess, "workshop_endpoint", ""):
        return config.BUCKET
    return f"sagemaker-{sess.region_name}-{identity(sess)['Account']}"


def client(service: str, region: str | None = None, backend_name: str | None = None, **kwargs: Any):
    """A boto3 client for ``service`` on the chosen backend (see :func:`session`)."""
    return session(region, backend_name).client(service, **kwargs)


def cli_env(region: str | None = None) -> dict[str, str]:
    """``os.environ`` plus what the ``aws`` CLI needs to reach the chosen backend (for subprocesses)."""
    env = dict(os.environ)
    if config.backend_mode() == "local":
        for var in backend.REAL_CREDENTIAL_VARS:
            env.pop(var, None)
        env.update(backend.terminal_env(region))
    else:  # the standard chain, as for boto3; the same retry settings
        env.update({"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": str(RETRY["max_attempts"]), "AWS_PAGER": ""})
        if region:
            env["AWS_DEFAULT_REGION"] = region
    return env
