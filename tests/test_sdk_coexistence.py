"""Installing the kit next to the SageMaker Python SDK v2 leaves that SDK working, and the kit uses it.

SageMaker Studio images of the v2 era hold ``sagemaker`` 2.x, which needs ``sagemaker-core`` 1.x, while
the kit's tested SDK is v3's ``sagemaker-core`` 2.x. So the kit's base dependencies name no SDK (the
extra ``sdk`` does) and ``helpers/setup/sdk.py`` uses the line it finds. This test builds a venv holding
``sagemaker<3`` from the package registry (not ``--system-site-packages``: the kit's own venv holds v3),
runs ``pip install -e <repo>`` in it as a Studio user would, then checks that

- the v2 SDK still imports (model, estimator, image_uris, workflow) and ``pip check`` is clean;
- the kit's environment check (notebook 00) passes there, ``helpers.setup.sdk`` reports the v2 line and finds
  the XGBoost image v3 finds, and the v2 resource classes work against the tests' backend.

The venv is kept in ``build/sdk-v2/<key>`` (key: pyproject.toml, the SDK range, this interpreter, the
repository's path): a rerun repeats only the checks, and any change to pyproject.toml builds a new one
(``rm -rf build/sdk-v2`` forces it). Building needs the package registry (pip's cache makes it quick);
without one the test is skipped with that message, and under CI=true it fails instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, missing

pytestmark = pytest.mark.slow

CACHE = REPO / "build" / "sdk-v2"
SDK_V2 = "sagemaker<3"
V2_MODULES = ("sagemaker.model", "sagemaker.estimator", "sagemaker.image_uris", "sagemaker.workflow.pipeline")
XGBOOST_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
# pip's words when no index answers (a real conflict says ResolutionImpossible instead)
OFFLINE_SIGNS = ("Failed to establish a new connection", "Temporary failure in name resolution",
                 "Name or service not known", "ProxyError", "Network is unreachable", "(from versions: none)")

# Runs inside the v2 venv, in the tests' environment (network guard and backend included).
CHECKS = r"""
import importlib, importlib.metadata as md, json, sys
out = {"imports": {}}
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
        out["imports"][name] = "ok"
    except Exception as exc:
        out["imports"][name] = f"{type(exc).__name__}: {exc}"
import helpers
from helpers import aws
from helpers.setup import environment, sdk
out["helpers"] = helpers.__file__
out["versions"] = {d: md.version(d) for d in ("sagemaker", "sagemaker-core")}
out["line"], out["image"] = sdk.line(), sdk.xgboost_image("us-east-1", "1.7-1")
out["checks"] = [c.line() for c in environment.dependency_checks()]
r, session = sdk.resources(), aws.session()
out["group"] = r.ModelPackageGroup.create(model_package_group_name="sdk-v2", session=session,
                                          region="us-east-1").model_package_group_status
spec = sdk.shapes().InferenceSpecification(containers=[{"image": out["image"], "model_data_url": "s3://b/model.tar.gz"}])
try:  # registers, then fails reading a member the response does not have, as v3 does (docs/local-backend.md)
    r.ModelPackage.create(model_package_group_name="sdk-v2", inference_specification=spec,
                          model_approval_status="PendingManualApproval", session=session, region="us-east-1")
    out["create"] = "returned"
except Exception as exc:
    out["create"] = f"{type(exc).__name__}: {exc}"
try:  # v2 names this member SupportedResponseMimeTypes, and botocore refuses it before sending anything
    r.ModelPackage.create(model_package_group_name="sdk-v2", session=session, region="us-east-1",
                          inference_specification=sdk.shapes().InferenceSpecification(
                              containers=spec.containers, supported_response_mime_types=["text/csv"]))
    out["mime"] = "returned"
except Exception as exc:
    out["mime"] = f"{type(exc).__name__}: {exc}"
sm = session.client("sagemaker")
arn = sm.list_model_packages(ModelPackageGroupName="sdk-v2")["ModelPackageSummaryList"][0]["ModelPackageArn"]
package = r.ModelPackage.get(arn, session=session, region="us-east-1")
package.update(model_approval_status="Approved", approval_description="approved with the v2 SDK")
package.refresh()
listed = r.ModelPackage.get_all(model_package_group_name="sdk-v2", session=session, region="us-east-1")
out["package"] = [type(package).__module__, package.model_package_version, package.model_approval_status,
                  [p.model_package_arn for p in listed] == [arn], sm.describe_model_package(ModelPackageName=arn)
                  ["InferenceSpecification"]["Containers"][0]["Image"] == out["image"]]
json.dump(out, open(sys.argv[1], "w"))
"""


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    """The kit venv's pip acting on ``python``'s environment, outside the network guard (it needs the registry)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WORKSHOP_NETLOG", "WORKSHOP_OPLOG")}
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check", *args],
                          capture_output=True, text=True, env=env, timeout=900)


def _install(venv: Path, *args: str) -> None:
    proc = _pip(venv / "bin" / "python", "install", "--no-compile", "--quiet", *args)
    if proc.returncode == 0:
        return
    shutil.rmtree(venv, ignore_errors=True)
    output = proc.stdout + proc.stderr
    if any(sign in output for sign in OFFLINE_SIGNS):
        missing(f"the package registry is not reachable, so no venv with {SDK_V2!r} can be built", output[-2000:])
    pytest.fail(f"pip install {' '.join(args)} failed:\n{output[-4000:]}")


def _v2_venv() -> Path:
    """A venv holding sagemaker 2.x, then the kit installed into it: built once per pyproject.toml."""
    key = hashlib.sha256("\n".join([(REPO / "pyproject.toml").read_text(), SDK_V2, sys.version, str(REPO)])
                         .encode()).hexdigest()[:12]
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = CACHE / key
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once build it once
        if not (venv / ".built").exists():
            for old in CACHE.iterdir():
                if old.is_dir():
                    shutil.rmtree(old)
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
            _install(venv, SDK_V2)  # what the Studio image had
            _install(venv, "-e", str(REPO))  # what the instructor guide tells its user to run
            (venv / ".built").write_text(_pip(venv / "bin" / "python", "list", "--format=freeze").stdout)
    return venv


def test_installing_the_kit_keeps_the_sdk_v2_working(clean_backend, tmp_path):
    venv = _v2_venv()
    python = venv / "bin" / "python"

    pip_check = _pip(python, "check")
    assert pip_check.returncode == 0, f"pip check in the v2 venv:\n{pip_check.stdout}{pip_check.stderr}"

    result = tmp_path / "checks.json"
    env = {**os.environ, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    # cwd elsewhere than the repository: helpers must come from the editable install, not from the cwd
    proc = subprocess.run([str(python), "-c", CHECKS, str(result), *V2_MODULES], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(result.read_text())

    assert out["imports"] == dict.fromkeys(V2_MODULES, "ok"), "the v2 SDK no longer imports"
    assert out["versions"]["sagemaker"].startswith("2.") and out["versions"]["sagemaker-core"].startswith("1.")
    assert Path(out["helpers"]).parent == REPO / "helpers"
    assert out["line"] == f"v2 (sagemaker {out['versions']['sagemaker']}, sagemaker-core {out['versions']['sagemaker-core']})"
    assert out["image"] == XGBOOST_US_EAST_1
    assert [line for line in out["checks"] if not line.startswith("[OK]")] == []
    assert f"[OK] sagemaker SDK    {out['line']}" in out["checks"]
    assert out["group"] == "Completed"
    assert out["create"] == "KeyError: 'ModelPackageName'"
    assert out["mime"].startswith("ParamValidationError") and '"SupportedResponseMimeTypes"' in out["mime"]
    assert out["package"] == ["sagemaker_core.main.resources", 1, "Approved", True, True]
