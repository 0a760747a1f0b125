"""Test setup: offline AWS settings, a local backend of the tests' own, and the network guard.

The tests never use the learner's backend (``.workshop/``): before anything runs, the session gets
its own state dir and a backend on a free port, which notebook kernels started by the tests inherit.

Every Python process the tests start (notebook kernels, the ``aws`` CLI, nbval, JupyterLab) loads
``tests/guard/sitecustomize.py`` through ``PYTHONPATH``: it logs each outgoing connection to
``$WORKSHOP_NETLOG`` and refuses any that is not to loopback. The test process itself is guarded too.
At the end of the session any refused connection fails the run, whichever test caused it.

The tests' backend checks every SageMaker response it gives against botocore's output shapes
(``$WORKSHOP_CONFORMANCE_LOG``); any response that does not conform fails the run the same way.

``pytest tests/test_registry_rules.py --against-aws`` runs the registry rules against a real account
instead (``WORKSHOP_BACKEND=aws``, after the workshop's usual confirmation); see the README.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GUARD_DIR = REPO / "tests" / "guard"
_STATE: dict[str, str] = {}


def netlog_path() -> Path:
    return Path(os.environ["WORKSHOP_NETLOG"])


def oplog_path(name: str) -> Path:
    """Where a recorded workshop run's AWS operations go (see ``tests/guard/sitecustomize.py``)."""
    # A child pytest run (a test run alone records what it needs that way) writes into its parent's folder.
    folder = os.environ.get("PARENT_TEST_OPLOG_DIR") or Path(_STATE["dir"]) / "oplogs"
    return Path(folder) / f"{name}.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _guard_this_process() -> None:
    spec = importlib.util.spec_from_file_location("workshop_test_guard", GUARD_DIR / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # installs the guard, since WORKSHOP_NETLOG is set


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--against-aws", action="store_true",
                     help="run only the registry rule tests, against the real account of WORKSHOP_BACKEND=aws")


def against_aws(config: pytest.Config) -> bool:
    return bool(config.getoption("--against-aws"))


def conformance_log() -> Path:
    return Path(os.environ["WORKSHOP_CONFORMANCE_LOG"])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if against_aws(config):
        chosen = [item for item in items if item.get_closest_marker("parity")]
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or _STATE or against_aws(config):
        return
    state_dir = tempfile.mkdtemp(prefix="workshop-test-backend-")
    _STATE["dir"] = state_dir
    _offline_environment(state_dir)
    (Path(state_dir) / "oplogs").mkdir()
    os.environ["WORKSHOP_NETLOG"] = str(Path(state_dir) / "netlog.jsonl")
    os.environ["WORKSHOP_CONFORMANCE_LOG"] = str(Path(state_dir) / "conformance.jsonl")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")]))
    _guard_this_process()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _STATE:
        return
    refused = [r for r in read_jsonl(netlog_path()) if not r["ok"]]
    if refused:
        print(f"\nnetwork guard: {len(refused)} attempt(s) to leave loopback during the tests, e.g. {refused[:3]}")
        session.exitstatus = 1
    bad = [r for r in read_jsonl(conformance_log()) if r["problems"]]
    if bad:
        print(f"\noutput conformance: {len(bad)} response(s) of the local backend do not match botocore's "
              f"output shapes, e.g. {bad[:3]}")
        session.exitstatus = 1


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _STATE:
        return
    from helpers.kit import backend

    backend.stop()
    shutil.rmtree(_STATE.pop("dir"), ignore_errors=True)


@pytest.fixture(scope="session")
def local_backend():
    """The tests' own running local backend (started once, on a free port)."""
    from helpers.kit import backend

    status = backend.start(port=0)
    assert status.state_dir == _STATE["dir"], "tests must never use the learner's backend"
    return status


@pytest.fixture
def clean_backend(local_backend):
    """The tests' backend, emptied before the test."""
    from helpers.kit import backend

    backend.reset()
    return local_backend


@pytest.fixture
def aws_env(monkeypatch):
    """For in-process moto tests: clients without an endpoint (moto intercepts them)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return monkeypatch
