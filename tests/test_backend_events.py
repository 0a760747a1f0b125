"""Events of the registry: a "SageMaker Model Package State Change" for each change of a version, with
EventBridge's envelope, delivered to an SQS rule target (also to a long poll waiting on it), and never
failing the call that caused it.

The tests marked ``slow`` run a backend of their own (``own_backend``) and restart it as a learner would.
"""

from __future__ import annotations

import json
import time

import pytest

from helpers import aws
from support import SPEC, drain, queue_with_rule, restart_backend


def test_approval_change_reaches_an_sqs_rule_target(clean_backend):
    sqs, events = aws.client("sqs"), aws.client("events")
    queue_url = sqs.create_queue(QueueName="model-approvals")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="model-approved", EventPattern=json.dumps({
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelApprovalStatus": ["Approved"]}}))
    events.put_targets(Rule="model-approved", Targets=[{"Id": "queue", "Arn": queue_arn}])
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                  ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"]  # no match yet
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="ok")
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"x": "1"})
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    # Developer guide, "Model package state change" (automating-sagemaker-with-eventbridge): an event on
    # each update, naming what changed in UpdatedModelPackageFields; both match the rule, since the
    # version is Approved in each.
    events_seen = [json.loads(m["Body"]) for m in messages]
    assert [e["detail"]["UpdatedModelPackageFields"] for e in events_seen] == [
        ["ModelApprovalStatus", "ApprovalDescription"], ["CustomerMetadataProperties"]]
    event = events_seen[0]
    assert {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"} <= set(event)
    assert event["source"] == "aws.sagemaker"
    assert event["detail-type"] == "SageMaker Model Package State Change"
    assert event["resources"] == [arn]
    assert event["detail"]["ModelApprovalStatus"] == "Approved"
    assert event["detail"]["ModelPackageGroupName"] == "g" and event["detail"]["ModelPackageVersion"] == 1


@pytest.mark.slow  # a backend of its own
def test_a_missing_event_target_never_fails_the_call(own_backend):
    # EventBridge user guide: delivery to a target is separate from the call that put the event; on AWS a
    # missing target never fails SageMaker's API call. Here: the queue is deleted, the rule remains.
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = queue_with_rule("gone")
    aws.client("sqs").delete_queue(QueueUrl=url)
    restart_backend()
    sm = aws.client("sagemaker")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    assert [s["ModelPackageVersion"] for s in sm.list_model_packages(ModelPackageGroupName="g")[
        "ModelPackageSummaryList"]] == [1], "registered exactly once, approved, no error"
    assert "dropped" in (own_backend / "backend.log").read_text()


@pytest.mark.slow  # a backend of its own
def test_lifecycle_changes_send_events_with_the_full_envelope(own_backend):
    # Dev guide (model-registry-staging-construct-event-bridge): stage changes send "SageMaker Model Package
    # State Change"; EventBridge user guide (eb-events-structure): the fields every event has.
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = queue_with_rule("stages")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC,
                                  ModelLifeCycle={"Stage": "Development", "StageStatus": "InProgress"})["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={"Stage": "Staging", "StageStatus": "Approved"})
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={"Stage": "Staging", "StageStatus": "Approved"})
    created, staged = drain(url)  # the repeated, unchanged update sends nothing
    for event in (created, staged):
        assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
        assert event["version"] == "0" and event["account"] == "123456789012" and event["region"] == "us-east-1"
        assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert created["id"] != staged["id"]
    assert staged["detail"]["ModelLifeCycle"] == {"Stage": "Staging", "StageStatus": "Approved"}
    assert staged["detail"]["UpdatedModelPackageFields"] == ["ModelLifeCycle"]


@pytest.mark.slow  # a backend of its own
def test_a_long_poll_receives_an_event_sent_while_it_waits(own_backend):
    # SQS ReceiveMessage with WaitTimeSeconds returns as soon as a message arrives; the registry's event
    # delivery must not wait for the poll to end (a deployer long-polls its queue).
    from concurrent.futures import ThreadPoolExecutor

    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = queue_with_rule("polled")
    with ThreadPoolExecutor(1) as pool:
        poll = pool.submit(lambda: aws.client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=10).get("Messages", []))
        time.sleep(1)
        arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
        got = poll.result(timeout=30)
    assert [json.loads(m["Body"])["resources"] for m in got] == [[arn]], "the waiting poll got the event"
