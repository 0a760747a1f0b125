"""boto3 sessions and clients for the chosen backend (local by default).

In local mode every client goes to the local backend's endpoint with throw-away credentials, so
nothing can reach a real AWS account by accident; ``WORKSHOP_BACKEND=aws`` is the explicit opt-in.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from . import backend, config
from .errors import WorkshopError

LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
RETRY = {"mode": "standard", "max_attempts": 5}


def _check_loopback(endpoint: str) -> str:
    host = urlparse(endpoint).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise WorkshopError(
            f"The local backend endpoint {endpoint} is not on this machine, and local mode only talks to "
            "127.0.0.1: unset WORKSHOP_ENDPOINT_URL, or set WORKSHOP_BACKEND=aws to use a real account."
        )
    return endpoint


def session(region: str | None = None, backend_name: str | None = None):
    """A boto3 Session for the chosen backend.

    Local mode: fixed test credentials, the running local backend's endpoint for every service and
    botocore's ``standard`` retry mode; raises :class:`~helpers.errors.BackendNotRunning` if the
    backend is not up. AWS mode is not available yet and raises :class:`WorkshopError`.
    """
    import boto3

    mode = config.backend_mode(backend_name)
    if mode == "aws":
        raise WorkshopError(
            "WORKSHOP_BACKEND=aws (a real AWS account) is not available in this version of the kit: "
            "unset WORKSHOP_BACKEND to run on the local backend."
        )
    endpoint = _check_loopback(backend.endpoint())
    sess = boto3.Session(region_name=config.region(region), **LOCAL_CREDENTIALS)
    core = sess._session  # botocore session: settings here apply to every client made from it
    core.set_config_variable("endpoint_url", endpoint)
    core.set_config_variable("retry_mode", RETRY["mode"])
    core.set_config_variable("max_attempts", RETRY["max_attempts"])
    return sess


def client(service: str, region: str | None = None, backend_name: str | None = None, **kwargs: Any):
    """A boto3 client for ``service`` on the chosen backend (see :func:`session`)."""
    from botocore.config import Config

    cfg = Config(retries=dict(RETRY))
    if "config" in kwargs:
        cfg = cfg.merge(kwargs.pop("config"))
    return session(region, backend_name).client(service, config=cfg, **kwargs)


def cli_env(region: str | None = None) -> dict[str, str]:
    """``os.environ`` plus what the ``aws`` CLI needs to reach the chosen backend (for subprocesses)."""
    env = dict(os.environ)
    if config.backend_mode() == "local":
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(var, None)
        env.update(backend.terminal_env(region))
    return env


def account_id(region: str | None = None) -> str:
    """The account the session acts in (the local backend's is 123456789012)."""
    return client("sts", region).get_caller_identity()["Account"]
