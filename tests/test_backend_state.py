"""The local backend's state on disk: a request commits and answers success, or answers an error and
changes nothing; after a restart everything the workshop set up works as before; events never fail a call.

Each test runs a backend of its own (own state dir, free port) and restarts it as a learner would.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from botocore.exceptions import ClientError

from helpers import aws
from helpers.kit import backend

pytestmark = pytest.mark.slow  # each test restarts a backend of its own
SPEC = {"Containers": [{"Image": "example/image:1", "ModelDataUrl": "s3://ml-pipeline-bucket/model/model.tar.gz"}]}


@pytest.fixture
def own_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path / "state"))
    backend.start(port=0)
    yield tmp_path / "state"
    backend.stop()


def _restart(kill: bool = False) -> None:
    if kill:
        pid = backend.status().pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while backend.status().running and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        backend.stop()
    assert backend.start(port=0).running


def _queue_with_rule(name: str) -> str:
    sqs, events = aws.client("sqs"), aws.client("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{name}-rule", EventPattern=json.dumps({
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["g"]}}))
    events.put_targets(Rule=f"{name}-rule", Targets=[{"Id": "queue", "Arn": arn}])
    return url


def _drain(url: str) -> list[dict]:
    sqs = aws.client("sqs")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in got]


def test_refused_writes_change_nothing_even_after_a_restart(own_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    refused = [
        dict(ModelPackageGroupName="g", InferenceSpecification=SPEC, Tags=[{"Key": "a", "Value": "b"}]),  # rule
        dict(ModelPackageGroupName="g", InferenceSpecification=SPEC, ModelApprovalStatus="Aproved"),  # shape
        dict(ModelPackageGroupName="nope", InferenceSpecification=SPEC),  # missing group
    ]
    for request in refused:
        with pytest.raises(ClientError) as err:
            sm.create_model_package(**request)
        assert err.value.response["Error"]["Code"] == "ValidationException"
    _restart(kill=True)
    sm = aws.client("sagemaker")
    assert sm.list_model_packages(ModelPackageGroupName="g")["ModelPackageSummaryList"] == []
    assert sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"].endswith(
        "/g/1"), "refused registrations used no version number"


def test_rules_targets_and_queues_work_after_a_restart(own_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = _queue_with_rule("approvals")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    waiting = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    aws.client("sqs").change_message_visibility(QueueUrl=url, ReceiptHandle=waiting["ReceiptHandle"],
                                                VisibilityTimeout=0)
    _restart(kill=True)
    kept = _drain(url)
    assert [e["detail"]["ModelApprovalStatus"] for e in kept] == ["PendingManualApproval", "Approved"], \
        "the queue and its unread messages survived"
    sm = aws.client("sagemaker")
    second = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert [e["resources"] for e in _drain(url)] == [[second]], "the rule still delivers after the restart"


def test_a_missing_event_target_never_fails_the_call(own_backend):
    # EventBridge user guide: delivery to a target is separate from the call that put the event; on AWS a
    # missing target never fails SageMaker's API call. Here: the queue is deleted, the rule remains.
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = _queue_with_rule("gone")
    aws.client("sqs").delete_queue(QueueUrl=url)
    _restart()
    sm = aws.client("sagemaker")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    assert [s["ModelPackageVersion"] for s in sm.list_model_packages(ModelPackageGroupName="g")[
        "ModelPackageSummaryList"]] == [1], "registered exactly once, approved, no error"
    assert "dropped" in (own_backend / "backend.log").read_text()


def test_lifecycle_changes_send_events_with_the_full_envelope(own_backend):
    # Dev guide (model-registry-staging-construct-event-bridge): stage changes send "SageMaker Model Package
    # State Change"; EventBridge user guide (eb-events-structure): the fields every event has.
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = _queue_with_rule("stages")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                  ModelLifeCycle={"Stage": "Development", "StageStatus": "InProgress"})["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={"Stage": "Staging", "StageStatus": "Approved"})
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={"Stage": "Staging", "StageStatus": "Approved"})
    created, staged = _drain(url)  # the repeated, unchanged update sends nothing
    for event in (created, staged):
        assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
        assert event["version"] == "0" and event["account"] == "123456789012" and event["region"] == "us-east-1"
        assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert created["id"] != staged["id"]
    assert staged["detail"]["ModelLifeCycle"] == {"Stage": "Staging", "StageStatus": "Approved"}
    assert staged["detail"]["UpdatedModelPackageFields"] == ["ModelLifeCycle"]


def test_a_torn_last_journal_line_is_dropped_and_the_rest_kept(own_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    backend.stop()
    with open(own_backend / "registry.journal", "ab") as fh:
        fh.write(b'{"r":"us-east-1","w":[["package","arn:aws:sagem')  # a crash in the middle of an append
    assert backend.start(port=0).running
    sm = aws.client("sagemaker")
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageVersion"] == 1
    assert sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"].endswith("/2")


def test_s3_objects_are_kept_one_by_one_and_bucket_operations_too(own_backend):
    from helpers.setup import s3_bucket

    s3 = aws.client("s3")
    s3_bucket.ensure_bucket(s3, "kept-bucket", "us-east-1")
    for name in ("a", "b", "c/d"):
        s3.put_object(Bucket="kept-bucket", Key=f"metrics/{name}.json", Body=name.encode())
    s3.put_object(Bucket="kept-bucket", Key="metrics/a.json", Body=b"a, rewritten")
    s3.delete_objects(Bucket="kept-bucket", Delete={"Objects": [{"Key": "metrics/b.json"}]})
    s3.put_bucket_tagging(Bucket="kept-bucket", Tagging={"TagSet": [{"Key": "workshop", "Value": "yes"}]})
    files = list((own_backend / "s3-objects" / "kept-bucket").glob("*.pickle"))
    assert len(files) == 2, "one file per object, the deleted one gone"
    _restart(kill=True)
    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="kept-bucket")["Contents"]]
    assert keys == ["metrics/a.json", "metrics/c/d.json"]
    assert s3.get_object(Bucket="kept-bucket", Key="metrics/a.json")["Body"].read() == b"a, rewritten"
    assert s3.get_bucket_tagging(Bucket="kept-bucket")["TagSet"] == [{"Key": "workshop", "Value": "yes"}]


def test_a_long_poll_receives_an_event_sent_while_it_waits(own_backend):
    # SQS ReceiveMessage with WaitTimeSeconds returns as soon as a message arrives; the registry's event
    # delivery must not wait for the poll to end (a deployer long-polls its queue).
    from concurrent.futures import ThreadPoolExecutor

    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = _queue_with_rule("polled")
    with ThreadPoolExecutor(1) as pool:
        poll = pool.submit(lambda: aws.client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=10).get("Messages", []))
        time.sleep(1)
        arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
        got = poll.result(timeout=30)
    assert [json.loads(m["Body"])["resources"] for m in got] == [[arn]], "the waiting poll got the event"
