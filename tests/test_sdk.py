"""helpers.setup.sdk against the SDK v3 line of the kit's venv, and its answers for the other lines it may meet.

The real v2 line (``sagemaker`` 2.x with ``sagemaker-core`` 1.x, installed) is tested in
``test_sdk_coexistence.py``; here the other lines are only what ``importlib.metadata`` reports.
"""

from __future__ import annotations

import importlib.metadata as md

import pytest

from helpers.setup import environment, sdk
from helpers.errors import WorkshopError

XGBOOST_US_EAST_1 = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"


def _installed(monkeypatch, **versions: str | None) -> None:
    """Pretend these distributions (``sagemaker``, ``sagemaker_core``) are installed at these versions."""
    wanted = {name.replace("_", "-"): version for name, version in versions.items()}
    monkeypatch.setattr(sdk, "_version", lambda dist: wanted.get(dist))


def test_the_kits_venv_is_on_the_v3_line():
    assert sdk.line() == f"v3 (sagemaker-core {md.version('sagemaker-core')})"
    resources, shapes = sdk.resources(), sdk.shapes()
    assert resources.__name__ == "sagemaker.core.resources" and shapes.__name__ == "sagemaker.core.shapes"
    for method in ("create", "get", "get_all", "refresh", "delete"):
        assert callable(getattr(resources.ModelPackageGroup, method)) and callable(getattr(resources.ModelPackage, method))
    assert callable(resources.ModelPackage.update)
    spec = shapes.InferenceSpecification(containers=[{"image": XGBOOST_US_EAST_1, "model_data_url": "s3://b/m.tar.gz"}])
    assert spec.containers[0].model_data_url == "s3://b/m.tar.gz", "nested shapes take plain dicts"


def test_the_xgboost_image_comes_from_the_sdk_offline():
    assert sdk.image_uris().__name__ == "sagemaker.core.image_uris"
    assert sdk.xgboost_image("us-east-1") == XGBOOST_US_EAST_1
    assert sdk.xgboost_image("eu-west-1", "1.5-1") == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.5-1"


def test_the_environment_check_names_the_line():
    check = environment._sdk_check()
    assert check.ok and check.line() == f"[OK] sagemaker SDK    {sdk.line()}"
    assert "sagemaker SDK" in [dist for _, dist, _ in environment.DEPENDENCIES]


def test_v3_under_the_sagemaker_meta_package(monkeypatch):
    _installed(monkeypatch, sagemaker="3.27.0", sagemaker_core="2.27.0")
    assert sdk.line() == "v3 (sagemaker 3.27.0, sagemaker-core 2.27.0)"


def test_v2_line_is_recognised_and_its_modules_are_used(monkeypatch):
    _installed(monkeypatch, sagemaker="2.257.7", sagemaker_core="1.0.78")
    assert sdk.line() == "v2 (sagemaker 2.257.7, sagemaker-core 1.0.78)"
    # this venv has no sagemaker_core (v2's package): the import is tried, and its failure is one sentence
    with pytest.raises(WorkshopError, match=r"sagemaker_core\.resources\) cannot be imported .*: "
                                            r"next to `sagemaker` 2\.x, `pip install 'sagemaker-core<2'` adds it\.$"):
        sdk.resources()


def test_sdk_v2_broken_by_sagemaker_core_2_gets_the_repair(monkeypatch):
    _installed(monkeypatch, sagemaker="2.257.7", sagemaker_core="2.27.0")
    with pytest.raises(WorkshopError, match=r"pip install 'sagemaker-core<2' && pip install --force-reinstall "
                                            r"--no-deps sagemaker==2\.257\.7"):
        sdk.line()


def test_no_sdk_is_one_sentence_and_a_fail_line(monkeypatch):
    _installed(monkeypatch)
    with pytest.raises(WorkshopError, match=r"No SageMaker Python SDK is installed here: .*pip install -e '\.\[sdk\]'"):
        sdk.xgboost_image("us-east-1")
    check = environment._sdk_check()
    assert not check.ok and check.line().startswith("[FAIL] sagemaker SDK    No SageMaker Python SDK")
