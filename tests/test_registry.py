"""helpers.registry, the kit's writes to the Model Registry: each bad input (helpers.kit.registry_checks) is
refused with one sentence before anything is written; a changed artifact cannot be approved; the same
artifact registered twice is one version.
"""

from __future__ import annotations

import gzip
import json

import pytest

from helpers import aws, registry
from helpers.model import pipeline
from helpers.setup import s3_bucket
from helpers.errors import WorkshopError
from support import BUCKET, tar_gz


@pytest.fixture
def registry_ready(clean_backend):
    """A group, the bucket, and a valid v1 artifact and metrics file (real training)."""
    session = aws.session()
    sm, s3 = session.client("sagemaker"), session.client("s3")
    s3_bucket.ensure_bucket(s3, BUCKET, "us-east-1")
    sm.create_model_package_group(ModelPackageGroupName="g")
    model = pipeline.prepare_model(session, BUCKET, "v1")
    return sm, s3, model


def _register(sm, s3, model, **changes):
    kwargs = dict(image="example/image:1", artifact_uri=model.artifact_uri, metrics_uri=model.metrics_uri,
                  description="d", metadata={"dataset_version": "v1.0"})
    kwargs.update(changes)
    group = kwargs.pop("group", "g")
    return registry.register_version(sm, s3, group, **kwargs)


def _nothing_written(sm):
    assert sm.list_model_packages(ModelPackageGroupName="g")["ModelPackageSummaryList"] == []


def _refusal(registry_ready, key: str, body: bytes, argument: str) -> str:
    """Put ``body`` at ``key`` and register with it as ``argument``: the refusal's sentence (nothing written)."""
    sm, s3, model = registry_ready
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    with pytest.raises(WorkshopError) as err:
        _register(sm, s3, model, **{argument: f"s3://{BUCKET}/{key}"})
    _nothing_written(sm)
    return str(err.value)


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"group": "bad name!"}, "'bad name!' is not a valid model package group name: use 1-63 letters"),
        ({"group": "no-such-group"}, "The model package group 'no-such-group' does not exist, so nothing can be registered"),
        ({"artifact_uri": "s3://ml-pipeline-bucket/model/missing.tar.gz"}, "The artifact s3://ml-pipeline-bucket/model/missing.tar.gz does not exist"),
        ({"approval": "Aproved"}, "'Aproved' is not an approval status: use one of PendingManualApproval, Approved, Rejected"),
        ({"metadata": {"hyperparameters": '{"max_depth": 3}'}}, "The metadata value of 'hyperparameters'"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "at most 50"),
    ],
    ids=["invalid-name", "missing-group", "missing-artifact", "unknown-status", "json-metadata", "51-entries"],
)
def test_bad_registration_inputs(registry_ready, changes, sentence):
    sm, s3, model = registry_ready
    with pytest.raises(WorkshopError) as err:
        _register(sm, s3, model, **changes)
    assert sentence in str(err.value)
    assert str(err.value).count(". ") <= 1, "one sentence"
    _nothing_written(sm)


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"just some bytes", "is not gzip-compressed"),
        (gzip.compress(b"not a tar archive at all", mtime=0), "tar"),
        (tar_gz({"model.json": b"{}"}), "xgboost-model"),
    ],
    ids=["not-gzip", "not-tar", "no-xgboost-model"],
)
def test_bad_artifacts_are_refused(registry_ready, body, sentence):
    assert sentence in _refusal(registry_ready, "model/bad.tar.gz", body, "artifact_uri")


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"accuracy=0.9", "is not JSON"),
        (json.dumps({"accuracy": 0.9}).encode(), "binary_classification_metrics"),
    ],
    ids=["not-json", "wrong-shape"],
)
def test_bad_metrics_files_are_refused(registry_ready, body, sentence):
    assert sentence in _refusal(registry_ready, "metrics/bad.json", body, "metrics_uri")


def test_a_tampered_artifact_cannot_be_approved(registry_ready):
    sm, s3, model = registry_ready
    version, created = _register(sm, s3, model)
    assert created
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=tar_gz({"xgboost-model": b"{}"}))
    with pytest.raises(WorkshopError) as err:
        registry.set_approval(sm, version["ModelPackageArn"], "Approved", "looks fine", s3=s3)
    assert "has changed since it was registered" in str(err.value)
    assert "cannot be approved" in str(err.value)
    assert sm.describe_model_package(ModelPackageName=version["ModelPackageArn"])["ModelApprovalStatus"] == "PendingManualApproval"
    registry.set_approval(sm, version["ModelPackageArn"], "Rejected", "artifact overwritten", s3=s3)


def test_deleting_a_group_with_versions_is_refused(registry_ready):
    sm, s3, model = registry_ready
    _register(sm, s3, model)
    with pytest.raises(WorkshopError) as err:
        registry.delete_group(sm, "g")
    assert str(err.value) == (
        "The group 'g' still holds 1 version(s), and SageMaker deletes only empty groups: delete its "
        "versions first (09_cleanup shows the order)."
    )
    assert len(registry.list_versions(sm, "g")) == 1


def test_registering_the_same_artifact_twice_adds_nothing(registry_ready):
    sm, s3, model = registry_ready
    first, created = _register(sm, s3, model)
    again, created_again = _register(sm, s3, model)
    assert created and not created_again
    assert again["ModelPackageArn"] == first["ModelPackageArn"]
