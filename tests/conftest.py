"""Test setup: offline AWS settings, a local backend of the tests' own, and the network guard.

The tests never use the learner's backend (``.workshop/``): before anything runs, the session gets
its own state dir and a backend on a free port, which notebook kernels started by the tests inherit.
Under pytest-xdist (``make test``) each worker is such a session, its folder inside the controller's.

Every Python process the tests start (notebook kernels, the ``aws`` CLI, nbval, JupyterLab) loads
``tests/guard/sitecustomize.py`` through ``PYTHONPATH``: it logs each outgoing connection to
``$WORKSHOP_NETLOG`` and refuses any that is not to loopback. The test process itself is guarded too.
At the end of the session any refused connection fails the run, whichever test caused it.

The tests' backend checks every SageMaker response it gives against botocore's output shapes
(``$WORKSHOP_CONFORMANCE_LOG``); any response that does not conform fails the run the same way.

``pytest tests/test_registry_rules.py --against-aws`` runs the registry rules against a real account
instead (``WORKSHOP_BACKEND=aws``, after the workshop's usual confirmation); see the README.

The fixtures several modules use are here; what they share besides (the inference specification, the
tarball builder, the logs' paths, the rule tests' target) is in ``support.py``, which test modules
import: no test module imports this file or another test module.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import support
from support import conformance_log, netlog_path, read_jsonl

REPO = Path(__file__).resolve().parent.parent
GUARD_DIR = REPO / "tests" / "guard"
_STATE: dict[str, str] = {}
ROOT_VAR = "WORKSHOP_TEST_ROOT"  # the controller's state dir, for pytest-xdist workers


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if against_aws(config):
        chosen = [item for item in items if item.get_closest_marker("parity")]
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


def pytest_configure(config: pytest.Config) -> None:
    """The session's state dir, offline settings and guard. Under pytest-xdist each worker gets its own state
    dir (so its own backend) inside the controller's, where the controller reads every worker's logs."""
    if _STATE or against_aws(config):
        return
    if config.getoption("dist", "no") == "loadgroup" and int(pytest.__version__.split(".")[0]) >= 9:
        raise pytest.UsageError("pytest-xdist 3.8 ignores --dist loadgroup's groups under pytest 9 (pytest-xdist issue "
                                "#1386), so tests that share a workshop run would run apart: install the tested pytest "
                                "(make setup-test), or run the tests in one process (make test XDIST=).")
    worker = getattr(config, "workerinput", {}).get("workerid")
    root = os.environ.get(ROOT_VAR) if worker else None
    state_dir = tempfile.mkdtemp(prefix=f"{worker}-", dir=root) if root else tempfile.mkdtemp(prefix="workshop-test-backend-")
    _STATE.update(dir=state_dir, worker=worker or "")
    support.SESSION["dir"] = Path(state_dir)
    _offline_environment(state_dir)
    if not worker:
        os.environ[ROOT_VAR] = state_dir  # the workers xdist starts inherit it
    (Path(state_dir) / "oplogs").mkdir()
    os.environ["WORKSHOP_NETLOG"] = str(Path(state_dir) / "netlog.jsonl")
    os.environ["WORKSHOP_CONFORMANCE_LOG"] = str(Path(state_dir) / "conformance.jsonl")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")]))
    _guard_this_process()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _STATE or _STATE["worker"]:  # the controller (or the only process) reads every worker's logs
        return
    root = Path(_STATE["dir"])
    refused = [r for path in sorted(root.rglob(netlog_path().name)) for r in read_jsonl(path) if not r["ok"]]
    if refused:
        print(f"\nnetwork guard: {len(refused)} attempt(s) to leave loopback during the tests, e.g. {refused[:3]}")
        session.exitstatus = 1
    bad = [r for path in sorted(root.rglob(conformance_log().name)) for r in read_jsonl(path) if r["problems"]]
    if bad:
        print(f"\noutput conformance: {len(bad)} response(s) of the local backend do not match botocore's "
              f"output shapes, e.g. {bad[:3]}")
        session.exitstatus = 1


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _STATE:
        return
    from helpers.kit import backend

    backend.stop()
    if not _STATE["worker"]:  # a worker's folder stays for the controller to read; the controller removes all
        shutil.rmtree(_STATE["dir"], ignore_errors=True)
    _STATE.clear()
    support.SESSION.pop("dir", None)


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


@pytest.fixture
def own_state_dir(tmp_path, monkeypatch):
    """A state dir of this test's own, for a backend the test starts itself (free port); stopped afterwards."""
    from helpers.kit import backend

    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    backend.stop()


@pytest.fixture
def own_backend(own_state_dir):
    """A backend of this test's own (own state dir, free port), started; stopped afterwards."""
    from helpers.kit import backend

    backend.start(port=0)
    return own_state_dir


@pytest.fixture
def target(request):
    """Where the registry rule tests run: the tests' backend, or with ``--against-aws`` a real account.

    Groups are named ``<prefix>-<random>-...``, the prefix being the test module's ``TARGET_PREFIX``
    (``parity`` when it has none); everything the test made is deleted afterwards.
    """
    from helpers import aws, config

    remote = against_aws(request.config)
    if not remote:
        request.getfixturevalue("local_backend")
    elif config.backend_mode() != "aws":
        pytest.fail("--against-aws runs in a real account: set WORKSHOP_BACKEND=aws (and AWS_REGION), and confirm "
                    "the account first by running notebook 00 with confirm_aws=True.")
    t = support.Target(aws.client("sagemaker"), remote, getattr(request.module, "TARGET_PREFIX", "parity"))
    yield t
    t.cleanup()


@pytest.fixture
def recorded_group(clean_backend):
    """A group whose changes are recorded (as notebook 01 sets it up), with three versions in Development.

    Returns the session, its SageMaker client and the three versions' ARNs.
    """
    from helpers import aws, history, lifecycle

    session = aws.session()
    sm = session.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=support.STAGE_GROUP)
    history.subscribe(session, support.STAGE_GROUP)
    arns = [sm.create_model_package(ModelPackageGroupName=support.STAGE_GROUP, InferenceSpecification=support.SPEC,
                                    ModelApprovalStatus="PendingManualApproval",
                                    ModelLifeCycle={**lifecycle.DEVELOPMENT, "StageDescription": "new"})["ModelPackageArn"]
            for _ in range(3)]
    return session, sm, arns
