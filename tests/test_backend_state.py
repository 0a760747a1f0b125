"""The local backend's state on disk: a request commits and answers success, or answers an error and
changes nothing; after a stop, a restart or a crash (``kill -9``, a torn journal line) everything the
workshop set up works as before, numbers and times included.

Each test runs a backend of its own (own state dir, free port) and restarts it as a learner would.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from helpers import aws, registry
from helpers.kit import backend
from helpers.setup import s3_bucket
from support import BUCKET, SPEC, drain, queue_with_rule, restart_backend

pytestmark = pytest.mark.slow  # each test restarts a backend of its own


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


def test_state_survives_stop_start_and_kill_9(own_backend):
    _populate()
    before = _snapshot_view()
    restart_backend()
    assert _snapshot_view() == before, "stop + start must keep everything, creation times included"
    restart_backend(kill=True)
    assert _snapshot_view() == before, "a killed backend must come back with everything"
    sm = aws.client("sagemaker")
    new = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert new.endswith("/g/4"), "version numbers continue after a restart"
    backend.reset()
    backend.stop()
    backend.start(port=0)
    assert aws.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"] == []


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
    restart_backend(kill=True)
    sm = aws.client("sagemaker")
    assert sm.list_model_packages(ModelPackageGroupName="g")["ModelPackageSummaryList"] == []
    assert sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"].endswith(
        "/g/1"), "refused registrations used no version number"


def test_rules_targets_and_queues_work_after_a_restart(own_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    url = queue_with_rule("approvals")
    arn = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    waiting = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    aws.client("sqs").change_message_visibility(QueueUrl=url, ReceiptHandle=waiting["ReceiptHandle"],
                                                VisibilityTimeout=0)
    restart_backend(kill=True)
    kept = drain(url)
    assert [e["detail"]["ModelApprovalStatus"] for e in kept] == ["PendingManualApproval", "Approved"], \
        "the queue and its unread messages survived"
    sm = aws.client("sagemaker")
    second = sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
    assert [e["resources"] for e in drain(url)] == [[second]], "the rule still delivers after the restart"


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
    s3 = aws.client("s3")
    s3_bucket.ensure_bucket(s3, "kept-bucket", "us-east-1")
    for name in ("a", "b", "c/d"):
        s3.put_object(Bucket="kept-bucket", Key=f"metrics/{name}.json", Body=name.encode())
    s3.put_object(Bucket="kept-bucket", Key="metrics/a.json", Body=b"a, rewritten")
    s3.delete_objects(Bucket="kept-bucket", Delete={"Objects": [{"Key": "metrics/b.json"}]})
    s3.put_bucket_tagging(Bucket="kept-bucket", Tagging={"TagSet": [{"Key": "workshop", "Value": "yes"}]})
    files = list((own_backend / "s3-objects" / "kept-bucket").glob("*.pickle"))
    assert len(files) == 2, "one file per object, the deleted one gone"
    restart_backend(kill=True)
    s3 = aws.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="kept-bucket")["Contents"]]
    assert keys == ["metrics/a.json", "metrics/c/d.json"]
    assert s3.get_object(Bucket="kept-bucket", Key="metrics/a.json")["Body"].read() == b"a, rewritten"
    assert s3.get_bucket_tagging(Bucket="kept-bucket")["TagSet"] == [{"Key": "workshop", "Value": "yes"}]
