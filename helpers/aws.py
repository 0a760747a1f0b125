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
RETRY = {"mode": "standard", "max_attempts": 10}  # rides out throttling bursts; see helpers.faults


def _check_loopback(endpoint: str) -> str:
    host = urlparse(endpoint).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise WorkshopError(
            f"The endpoint {endpoint} is not on this machine, and local mode only talks to 127.0.0.1: "
            "leave endpoint_url and WORKSHOP_ENDPOINT_URL unset, or set WORKSHOP_BACKEND=aws for a real account."
        )
    return endpoint


def _local_session_class():
    """A boto3 Session whose clients all go to the local backend (built lazily: boto3 is heavy)."""
    import boto3
    from botocore.config import Config

    class LocalSession(boto3.Session):
        """boto3 Session pinned to one loopback endpoint; an explicit other endpoint is refused."""

        workshop_endpoint: str = ""

        def client(self, service_name, *args, **kwargs):  # noqa: D102 - same as boto3's
            # Clients are thread-safe and costly to build (~0.1 s each): reuse one per service and settings.
            key = (service_name, args, repr(sorted((k, repr(getattr(v, "_user_provided_options", v))) for k, v in kwargs.items())))
            cache = self.__dict__.setdefault("_workshop_clients", {})
            if key not in cache:
                cache[key] = super().client(service_name, *args, **self._pin(kwargs))
            return cache[key]

        def resource(self, service_name, *args, **kwargs):  # noqa: D102 - same as boto3's
            return super().resource(service_name, *args, **self._pin(kwargs))

        def _pin(self, kwargs):
            endpoint = kwargs.get("endpoint_url") or self.workshop_endpoint
            kwargs["endpoint_url"] = _check_loopback(endpoint)
            retry = Config(retries=dict(RETRY))
            kwargs["config"] = retry.merge(kwargs["config"]) if kwargs.get("config") else retry
            return kwargs

    return LocalSession


def session(region: str | None = None, backend_name: str | None = None):
    """A boto3 Session for the chosen backend.

    Local mode: fixed test credentials, the running local backend's endpoint for every client made
    from it (also for the SageMaker SDK when given this session) and botocore's ``standard`` retry
    mode. It also points this process's environment (``AWS_ENDPOINT_URL``, test credentials) at the
    backend, so a plain ``boto3.client(...)`` or a ``!aws`` cell in a local-mode kernel cannot reach a
    real account either. Raises :class:`~helpers.errors.BackendNotRunning` if the backend is not up.
    AWS mode is not available yet and raises :class:`WorkshopError`.
    """
    mode = config.backend_mode(backend_name)
    if mode == "aws":
        raise WorkshopError(
            "WORKSHOP_BACKEND=aws (a real AWS account) is not available in this version of the kit: "
            "unset WORKSHOP_BACKEND to run on the local backend."
        )
    endpoint = _check_loopback(backend.endpoint())
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(var, None)
    os.environ.update(backend.terminal_env(region))
    cls = _local_session_class()
    sess = cls(region_name=config.region(region), **LOCAL_CREDENTIALS)
    sess.workshop_endpoint = endpoint
    return sess


def client(service: str, region: str | None = None, backend_name: str | None = None, **kwargs: Any):
    """A boto3 client for ``service`` on the chosen backend (see :func:`session`)."""
    return session(region, backend_name).client(service, **kwargs)


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
