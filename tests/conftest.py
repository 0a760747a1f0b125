"""Test setup: offline AWS settings and a local backend of the tests' own.

The tests never use the learner's backend (``.workshop/``): before anything runs, the session gets
its own state dir and a backend on a free port, which notebook kernels started by the tests inherit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_STATE: dict[str, str] = {}


def _offline_environment(state_dir: str) -> None:
    for var in list(os.environ):
        if var.startswith("AWS_") or var.startswith("WORKSHOP_"):
            del os.environ[var]
    os.environ.update(
        {
            "WORKSHOP_STATE_DIR": state_dir,
            "WORKSHOP_BACKEND": "local",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or _STATE:
        return
    state_dir = tempfile.mkdtemp(prefix="workshop-test-backend-")
    _STATE["dir"] = state_dir
    _offline_environment(state_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _STATE:
        return
    from helpers import backend

    backend.stop()
    shutil.rmtree(_STATE.pop("dir"), ignore_errors=True)


@pytest.fixture(scope="session")
def local_backend():
    """The tests' own running local backend (started once, on a free port)."""
    from helpers import backend

    status = backend.start(port=0)
    assert status.state_dir == _STATE["dir"], "tests must never use the learner's backend"
    return status


@pytest.fixture
def clean_backend(local_backend):
    """The tests' backend, emptied before the test."""
    from helpers import backend

    backend.reset()
    return local_backend


@pytest.fixture
def aws_env(monkeypatch):
    """For in-process moto tests: clients without an endpoint (moto intercepts them)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return monkeypatch
