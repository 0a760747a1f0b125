"""Reliability: state survives restarts and crashes, faults are ridden out, concurrency loses nothing,
and every bad input is refused with one sentence before anything is written."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import aws, registry
from helpers.kit import backend
from helpers.model import pipeline
from helpers.setup import s3_bucket
from helpers.errors import BackendNotRunning, WorkshopError

SPEC = {
    "Containers": [{"Image": "example/image:1", "ModelDataUrl": "s3://ml-pipeline-bucket/model/model.tar.gz"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}
BUCKET = "ml-pipeline-bucket"


@pytest.fixture
def own_backend(tmp_path, monkeypatch):
    """A backend of this test's own (own state dir, free port), stopped afterwards."""
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    backend.stop()


def _snapshot_view():
    """What a learner would compare before and after: groups, versions, statuses, metadata, times."""
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    view = {}
    for group in registry.list_groups(sm):
        name = group["ModelPackageGroupName"]
        view[name] = {
            "created": group["CreationTime"].isoformat(),
            "versions": [
                (d["ModelPackageVersion"], d["ModelApprovalStatus"], d.get("ApprovalDescription"),
                 d.get("CustomerMetadataProperties"), d["CreationTime"].isoformat())
                for d in registry.describe_versions(sm, name)
            ],
        }
    view["policy"] = sm.get_model_package_group_policy(ModelPackageGroupName="g")["ResourcePolicy"]
    view["object"] = s3.get_object(Bucket=BUCKET, Key="model/model.tar.gz")["Body"].read()
    return view


def _populate():
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    s3_bucket.ensure_bucket(s3, BUCKET, "us-east-1")
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=b"artifact bytes")
    sm.create_model_package_group(ModelPackageGroupName="g", ModelPackageGroupDescription="kept")
    arns = [sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                    ModelApprovalStatus="PendingManualApproval",
                                    CustomerMetadataProperties={"dataset_version": "v1.0"})["ModelPackageArn"]
            for _ in range(3)]
    sm.delete_model_package(ModelPackageName=arns[2])  # the next version must still be 4
    sm.update_model_package(ModelPackageArn=arns[0], ModelApprovalStatus="Approved", ApprovalDescription="ok")
    sm.put_model_package_group_policy(ModelPackageGroupName="g", ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": []}))


@pytest.mark.slow
def test_state_survives_stop_start_and_kill_9(own_backend):
    backend.start(port=0)
    _populate()
    before = _snapshot_view()
    backend.stop()
    assert backend.start(port=0).running
    assert _snapshot_view() == before, "stop + start must keep everything, creation times included"
    os.kill(backend.status().pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while backend.status().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert backend.start(port=0).running
    assert _snapshot_view() == before, "a killed backend must come back with everything"
    sm = aws.client("sagemaker")
    new = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert new.endswith("/g/4"), "version numbers continue after a restart"
    backend.reset()
    backend.stop()
    backend.start(port=0)
    assert aws.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_bad_fault_settings_are_explained(own_backend):
    with pytest.raises(WorkshopError, match=r"unknown fault 'slow': use throttle and reset"):
        backend.start(port=0, faults="slow=0.1")
    with pytest.raises(WorkshopError, match="outside 0..1"):
        backend.start(port=0, faults="throttle=2")
    assert not backend.status().running


@pytest.mark.slow
def test_faults_are_injected_and_ridden_out(own_backend):
    backend.start(port=0, faults="throttle=0.3,reset=0.1", latency_ms=1, seed=3)
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arns = [sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
            for _ in range(15)]
    assert [a.rsplit("/", 1)[1] for a in arns] == [str(i) for i in range(1, 16)], "no version lost or doubled"
    stats = backend.stats()["stats"]
    assert stats["throttled"] > 0 and stats["reset"] > 0
    assert stats["retried"] == stats["throttled"] + stats["reset"], stats


def test_eight_concurrent_registrations_get_eight_consecutive_versions(clean_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")

    def register(i: int) -> str:
        client = aws.client("sagemaker")  # one client per thread, as botocore recommends
        return client.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                           CustomerMetadataProperties={"worker": str(i)})["ModelPackageArn"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        arns = list(pool.map(register, range(8)))
    versions = sorted(int(a.rsplit("/", 1)[1]) for a in arns)
    assert versions == list(range(1, 9))
    listed = registry.describe_versions(sm, "g")
    assert sorted(v["CustomerMetadataProperties"]["worker"] for v in listed) == [str(i) for i in range(8)]


def test_concurrent_approvals_leave_a_consistent_state_and_every_event(clean_backend):
    sm, sqs, events = aws.client("sagemaker"), aws.client("sqs"), aws.client("events")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arns = [sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                    ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"] for _ in range(8)]
    queue = sqs.create_queue(QueueName="audit")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="audit", EventPattern=json.dumps({"source": ["aws.sagemaker"]}))
    events.put_targets(Rule="audit", Targets=[{"Id": "q", "Arn": queue_arn}])

    def decide(pair):
        i, arn = pair
        status = "Approved" if i % 2 == 0 else "Rejected"
        registry.set_approval(aws.client("sagemaker"), arn, status, f"decision {i}")
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        wanted = list(pool.map(decide, enumerate(arns)))
    got = [(d["ModelApprovalStatus"], d["ApprovalDescription"]) for d in registry.describe_versions(sm, "g")]
    assert got == [(w, f"decision {i}") for i, w in enumerate(wanted)]
    received = []
    for _ in range(5):
        batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        received += [json.loads(m["Body"])["detail"] for m in batch]
        if len(received) >= 8:
            break
    assert sorted((d["ModelPackageVersion"], d["ModelApprovalStatus"]) for d in received) == [
        (i + 1, w) for i, w in enumerate(wanted)
    ], "one state-change event per decision, none lost"


# --- bad input: one sentence, nothing written ---------------------------------------------------------


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


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


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
        (gzip.compress(b"not a tar archive at all"), "tar"),
        (_tar({"model.json": b"{}"}), "xgboost-model"),
    ],
    ids=["not-gzip", "not-tar", "no-xgboost-model"],
)
def test_bad_artifacts_are_refused(registry_ready, body, sentence):
    sm, s3, model = registry_ready
    s3.put_object(Bucket=BUCKET, Key="model/bad.tar.gz", Body=body)
    with pytest.raises(WorkshopError) as err:
        _register(sm, s3, model, artifact_uri=f"s3://{BUCKET}/model/bad.tar.gz")
    assert sentence in str(err.value)
    _nothing_written(sm)


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        (b"accuracy=0.9", "is not JSON"),
        (json.dumps({"accuracy": 0.9}).encode(), "binary_classification_metrics"),
    ],
    ids=["not-json", "wrong-shape"],
)
def test_bad_metrics_files_are_refused(registry_ready, body, sentence):
    sm, s3, model = registry_ready
    s3.put_object(Bucket=BUCKET, Key="metrics/bad.json", Body=body)
    with pytest.raises(WorkshopError) as err:
        _register(sm, s3, model, metrics_uri=f"s3://{BUCKET}/metrics/bad.json")
    assert sentence in str(err.value)
    _nothing_written(sm)


def test_a_tampered_artifact_cannot_be_approved(registry_ready):
    sm, s3, model = registry_ready
    version, created = _register(sm, s3, model)
    assert created
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=_tar({"xgboost-model": b"{}"}))
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
        "versions first (notebook 08 shows the order)."
    )
    assert len(registry.list_versions(sm, "g")) == 1


def test_registering_the_same_artifact_twice_adds_nothing(registry_ready):
    sm, s3, model = registry_ready
    first, created = _register(sm, s3, model)
    again, created_again = _register(sm, s3, model)
    assert created and not created_again
    assert again["ModelPackageArn"] == first["ModelPackageArn"]


def test_backend_not_running_says_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path))
    with pytest.raises(BackendNotRunning) as err:
        registry.list_groups(aws.client("sagemaker"))
    assert "start it with `python -m helpers backend start`" in str(err.value)
