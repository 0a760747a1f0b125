"""Concurrent writers against the local backend: registrations get consecutive versions, approvals leave
a consistent registry and one event each; nothing is lost or doubled."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from helpers import aws, registry
from support import SPEC


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
