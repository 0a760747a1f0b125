"""The local backend through the clients learners use: boto3 and the aws CLI, request validation in
SageMaker's words, UpdateEndpoint, events to an SQS rule target, bucket policies.

The registry's rules one by one, with their sources, are in ``test_registry_rules.py``. The test
``test_moto_internals_the_backend_relies_on`` pins what ``helpers/local_backend`` reads of moto, so a
moto upgrade that moves it fails here, loudly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import aws
from helpers.kit import backend

SPEC = {
    "Containers": [{"Image": "example/image:1", "ModelDataUrl": "s3://ml-pipeline-bucket/model/model.tar.gz"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


AWS_BIN = str(Path(sys.executable).parent / "aws")


def aws_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AWS_BIN, *args, "--output", "json"], capture_output=True, text=True,
                          env=aws.cli_env(), timeout=120)


@pytest.fixture
def sm(clean_backend):
    client = aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName="g", ModelPackageGroupDescription="first")
    return client


def register(sm, **extra) -> str:
    return sm.create_model_package(
        ModelPackageGroupName="g", InferenceSpecification=SPEC, ModelApprovalStatus="PendingManualApproval", **extra
    )["ModelPackageArn"]


def test_duplicate_group_is_refused_and_keeps_its_description(sm):
    with pytest.raises(ClientError) as err:
        sm.create_model_package_group(ModelPackageGroupName="g", ModelPackageGroupDescription="second")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "Model Package Group already exists: arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g"
    )
    assert sm.describe_model_package_group(ModelPackageGroupName="g")["ModelPackageGroupDescription"] == "first"


def test_update_changes_only_what_was_sent(sm):
    arn = register(sm, CustomerMetadataProperties={"a": "1"})
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="ok")
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"b": "2"})
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert (desc["ModelApprovalStatus"], desc["ApprovalDescription"]) == ("Approved", "ok")
    assert desc["CustomerMetadataProperties"] == {"a": "1", "b": "2"}
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataPropertiesToRemove=["a"])
    assert sm.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"] == {"b": "2"}


def test_describe_by_group_and_version(sm):
    arn = register(sm)
    assert sm.describe_model_package(ModelPackageName="g/1")["ModelPackageArn"] == arn
    with pytest.raises(ClientError, match="Model package g/7 does not exist"):
        sm.describe_model_package(ModelPackageName="g/7")


def test_group_with_versions_cannot_be_deleted_until_empty(sm):
    arn = register(sm)
    with pytest.raises(ClientError) as err:
        sm.delete_model_package_group(ModelPackageGroupName="g")
    assert err.value.response["Error"]["Code"] == "ConflictException"
    assert "delete the model packages first" in err.value.response["Error"]["Message"]
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageVersion"] == 1, "nothing deleted"
    sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName="g")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    with pytest.raises(ClientError, match="does not exist"):
        sm.delete_model_package_group(ModelPackageGroupName="g")


def test_update_endpoint_switches_configuration(sm):
    iam_role = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
    for name in ("m1", "m2"):
        sm.create_model(ModelName=name, ExecutionRoleArn=iam_role, Containers=[{"Image": "example/image:1"}])
        sm.create_endpoint_config(
            EndpointConfigName=f"{name}-config",
            ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
                                 "InstanceType": "ml.m5.large"}],
        )
    sm.create_endpoint(EndpointName="e", EndpointConfigName="m1-config")
    sm.update_endpoint(EndpointName="e", EndpointConfigName="m2-config")
    desc = sm.describe_endpoint(EndpointName="e")
    assert desc["EndpointConfigName"] == "m2-config" and desc["EndpointStatus"] == "InService"
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.update_endpoint(EndpointName="e", EndpointConfigName="missing")


def test_cli_sees_the_same_rules(sm):
    dup = aws_cli("sagemaker", "create-model-package-group", "--model-package-group-name", "g")
    assert dup.returncode != 0 and "Model Package Group already exists" in dup.stderr
    arn = register(sm)
    conflict = aws_cli("sagemaker", "delete-model-package-group", "--model-package-group-name", "g")
    assert conflict.returncode != 0 and "ConflictException" in conflict.stderr
    shown = aws_cli("sagemaker", "describe-model-package", "--model-package-name", "g/1")
    assert json.loads(shown.stdout)["ModelPackageVersion"] == 1
    deleted = aws_cli("sagemaker", "delete-model-package", "--model-package-name", arn)
    assert deleted.returncode == 0, deleted.stderr
    assert aws_cli("sagemaker", "delete-model-package-group", "--model-package-group-name", "g").returncode == 0


def test_invalid_group_name_is_refused_in_sagemaker_words(clean_backend):
    sm = aws.client("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.create_model_package_group(ModelPackageGroupName="bad name!")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert err.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'bad name!' at 'modelPackageGroupName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    )
    too_long = "a" * 64
    with pytest.raises(ClientError, match="Member must have length less than or equal to 63"):
        sm.create_model_package_group(ModelPackageGroupName=too_long)
    cli = aws_cli("sagemaker", "create-model-package-group", "--model-package-group-name", "bad name!")
    assert cli.returncode != 0
    assert "Value 'bad name!' at 'modelPackageGroupName' failed to satisfy constraint" in cli.stderr
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == [], "nothing was created"


def test_invalid_metadata_and_status_write_nothing(sm):
    arn = register(sm, CustomerMetadataProperties={"a": "1"})
    with pytest.raises(ClientError) as err:
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Aproved",
                                CustomerMetadataProperties={"hp": '{"max_depth": 3}'})
    message = err.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]" in message
    assert "at 'customerMetadataProperties' failed to satisfy constraint: Map value must satisfy constraint" in message
    with pytest.raises(ClientError, match="Member must have length less than or equal to 50"):
        sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={f"k{i}": "v" for i in range(51)})
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert desc["ModelApprovalStatus"] == "PendingManualApproval"
    assert desc["CustomerMetadataProperties"] == {"a": "1"}


def test_client_token_makes_create_idempotent(sm):
    first = register(sm, ClientToken="build-42")
    second = register(sm, ClientToken="build-42")
    third = register(sm, ClientToken="build-43")
    assert first == second != third
    assert [v["ModelPackageVersion"] for v in sm.list_model_packages(ModelPackageGroupName="g")["ModelPackageSummaryList"]] == [1, 2]


def test_lifecycle_model_card_and_source_uri_are_kept(sm):
    arn = register(
        sm,
        ModelLifeCycle={"Stage": "Development", "StageStatus": "Approved"},
        SourceUri="s3://ml-pipeline-bucket/source/train.py",
        ModelCard={"ModelCardContent": '{"model_overview": {}}', "ModelCardStatus": "Draft"},
    )
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={"Stage": "Production", "StageStatus": "Approved",
                                                                 "StageDescription": "promoted"})
    desc = sm.describe_model_package(ModelPackageName=arn)
    assert desc["ModelLifeCycle"] == {"Stage": "Production", "StageStatus": "Approved", "StageDescription": "promoted"}
    assert desc["SourceUri"] == "s3://ml-pipeline-bucket/source/train.py"
    assert desc["ModelCard"]["ModelCardStatus"] == "Draft"


def test_versions_are_never_reused_after_a_delete(sm):
    register(sm)
    second = register(sm)
    sm.delete_model_package(ModelPackageName=second)
    third = register(sm)
    assert third.endswith("/g/3")
    assert sm.describe_model_package(ModelPackageName="g/3")["ModelPackageVersion"] == 3
    assert [v["ModelPackageVersion"] for v in sm.list_model_packages(ModelPackageGroupName="g")["ModelPackageSummaryList"]] == [1, 3]


def test_batch_describe_answers_per_arn(sm):
    arns = [register(sm), register(sm)]
    missing = arns[0].rsplit("/", 1)[0] + "/99"
    out = sm.batch_describe_model_package(ModelPackageArnList=[*arns, missing])
    assert sorted(out["ModelPackageSummaries"]) == sorted(arns)
    summary = out["ModelPackageSummaries"][arns[1]]
    assert summary["ModelPackageVersion"] == 2 and summary["ModelApprovalStatus"] == "PendingManualApproval"
    assert summary["InferenceSpecification"]["Containers"][0]["Image"] == "example/image:1"
    assert out["BatchDescribeModelPackageErrorMap"][missing]["ErrorResponse"].endswith("does not exist.")
    with pytest.raises(ClientError, match="Member must have length less than or equal to 100"):
        sm.batch_describe_model_package(ModelPackageArnList=[arns[0]] * 101)
    cli = aws_cli("sagemaker", "batch-describe-model-package", "--model-package-arn-list", *arns)
    assert cli.returncode == 0, cli.stderr
    assert len(json.loads(cli.stdout)["ModelPackageSummaries"]) == 2


def test_group_policy_put_get_delete(sm):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": ["sagemaker:DescribeModelPackageGroup"],
        "Resource": "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g"}]})
    with pytest.raises(ClientError, match="has no resource policy"):
        sm.get_model_package_group_policy(ModelPackageGroupName="g")
    assert sm.put_model_package_group_policy(ModelPackageGroupName="g", ResourcePolicy=policy)[
        "ModelPackageGroupArn"].endswith(":model-package-group/g")
    assert json.loads(sm.get_model_package_group_policy(ModelPackageGroupName="g")["ResourcePolicy"]) == json.loads(policy)
    sm.delete_model_package_group_policy(ModelPackageGroupName="g")
    with pytest.raises(ClientError, match="has no resource policy"):
        sm.get_model_package_group_policy(ModelPackageGroupName="g")
    with pytest.raises(ClientError, match="Model Package Group nope does not exist"):
        sm.put_model_package_group_policy(ModelPackageGroupName="nope", ResourcePolicy=policy)


def test_approval_change_reaches_an_sqs_rule_target(sm):
    sqs, events = aws.client("sqs"), aws.client("events")
    queue_url = sqs.create_queue(QueueName="model-approvals")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="model-approved", EventPattern=json.dumps({
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelApprovalStatus": ["Approved"]}}))
    events.put_targets(Rule="model-approved", Targets=[{"Id": "queue", "Arn": queue_arn}])
    arn = register(sm)  # pending: does not match the rule
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


def test_the_spec_cli_command_works(clean_backend):
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="ml-pipeline-model-group")
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    spec = json.dumps({"Containers": [{"Image": image, "ModelDataUrl": "s3://ml-pipeline-bucket/model/model.tar.gz"}],
                       "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]})
    out = aws_cli("sagemaker", "create-model-package", "--model-package-group-name", "ml-pipeline-model-group",
                  "--model-package-description", "ML pipeline v1 model", "--model-approval-status", "Approved",
                  "--inference-specification", spec)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ModelPackageArn"].endswith("model-package/ml-pipeline-model-group/1")


def test_every_pattern_of_the_service_model_compiles():
    from helpers.local_backend import validation

    assert validation.patterns_that_do_not_compile() == []


def test_moto_internals_the_backend_relies_on():
    """Runs in-process: if a moto release moves these, helpers/local_backend must be revisited."""
    import moto
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.events.models import EventsBackend, Rule
    from moto.events.utils import EventTemplateParser
    from moto.logs.models import LogsBackend
    from moto.s3.models import FakeBucket
    from moto.sagemaker.models import FakeEndpoint, sagemaker_backends
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sqs.models import SQSBackend
    from moto.sts.models import sts_backends

    from helpers.local_backend import ACCOUNT

    assert moto.__version__.startswith("5.2."), "the backend was written against moto 5.2"
    assert ACCOUNT == DEFAULT_ACCOUNT_ID
    be = sagemaker_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    assert isinstance(be.endpoints, dict) and isinstance(be.endpoint_configs, dict)
    assert callable(be.describe_endpoint_config) and callable(FakeEndpoint._process_production_variants)
    assert all(callable(getattr(SageMakerResponse, name)) for name in ("create_model", "create_endpoint"))
    assert "update_endpoint" not in dir(SageMakerResponse), "moto now has UpdateEndpoint: drop ours"
    assert callable(FakeBucket.get_permission), "s3_policy replaces FakeBucket.get_permission"
    assert callable(EventTemplateParser.parse) and callable(EventsBackend.put_rule)
    assert {"event_pattern", "targets", "state"} <= set(Rule.__init__.__code__.co_names)
    assert "queues" in SQSBackend.__init__.__code__.co_names and callable(SQSBackend.send_message)
    assert "groups" in LogsBackend.__init__.__code__.co_names
    assert callable(sts_backends[DEFAULT_ACCOUNT_ID]["global"].get_caller_identity)


def test_bucket_policy_deny_is_enforced_but_loopback_counts_as_tls(clean_backend):
    from helpers.setup import s3_bucket

    s3 = aws.client("s3")
    s3_bucket.ensure_bucket(s3, "hygiene-bucket", "us-east-1")
    report = s3_bucket.secure_bucket(s3, "hygiene-bucket")
    assert report["default encryption"] == "SSE-S3 (AES256)"
    s3.put_object(Bucket="hygiene-bucket", Key="model/a.txt", Body=b"a")  # TLS-only policy: loopback passes
    assert s3.get_object(Bucket="hygiene-bucket", Key="model/a.txt")["Body"].read() == b"a"

    policy = json.loads(s3.get_bucket_policy(Bucket="hygiene-bucket")["Policy"])
    policy["Statement"].append({"Sid": "NoSecrets", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::hygiene-bucket/secret/*"})
    s3.put_bucket_policy(Bucket="hygiene-bucket", Policy=json.dumps(policy))
    s3.put_object(Bucket="hygiene-bucket", Key="secret/b.txt", Body=b"b")
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="hygiene-bucket", Key="secret/b.txt")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err.value.response["Error"]["Code"] == "AccessDenied", "S3's error body, not moto's empty 403"

    again = s3_bucket.secure_bucket(s3, "hygiene-bucket")  # keeps the learner's own statement, adds no second
    sids = [st["Sid"] for st in json.loads(s3.get_bucket_policy(Bucket="hygiene-bucket")["Policy"])["Statement"]]
    assert sids == ["NoSecrets", "DenyInsecureTransport"]
    assert "keeps 1 statement(s) of its own" in again["bucket policy"]


def test_secure_bucket_with_kms_and_on_an_existing_kms_bucket(clean_backend):
    from helpers.setup import s3_bucket

    s3 = aws.client("s3")
    key = "arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444"
    s3_bucket.ensure_bucket(s3, "kms-bucket", "us-east-1")
    assert s3_bucket.secure_bucket(s3, "kms-bucket", kms_key_id=key)["default encryption"] == f"SSE-KMS ({key})"
    rule = s3.get_bucket_encryption(Bucket="kms-bucket")["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    # Asked for the default (SSE-S3) later, a KMS bucket stays on KMS: never weaken what is there.
    assert s3_bucket.secure_bucket(s3, "kms-bucket")["default encryption"] == f"SSE-KMS ({key})"
    block = s3.get_public_access_block(Bucket="kms-bucket")["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4


def test_an_operation_the_backend_does_not_serve_is_named_in_an_error(clean_backend):
    # The local backend never answers a silent success: SageMaker operations that neither the kit's
    # registry nor moto implement get an error naming the operation, and no retry (a 4xx).
    sm = aws.client("sagemaker")
    with pytest.raises(ClientError) as err:
        sm.list_inference_components()
    assert err.value.response["Error"]["Code"] == "UnsupportedOperation"
    assert "does not support SageMaker ListInferenceComponents" in err.value.response["Error"]["Message"]
    assert err.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_a_connection_stays_open_for_the_next_request(clean_backend):
    """HTTP/1.1 keep-alive, as AWS endpoints and botocore's connection pool expect: one connection, many
    requests, also after a request whose body the application never reads."""
    import http.client
    from urllib.parse import urlsplit

    from helpers.local_backend import HEALTH_PATH

    url = urlsplit(clean_backend.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("GET", HEALTH_PATH)
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        assert first.status == 200 and (first.getheader("Connection") or "").lower() != "close"
        conn.request("POST", HEALTH_PATH, body=b"x" * 70_000)  # a body nobody reads: it must not become a request
        unread = conn.getresponse()
        unread.read()
        conn.request("GET", HEALTH_PATH)
        after = conn.getresponse()
        assert after.status == 200 and json.loads(after.read())["kit"], "the next request was read from its first byte"
        assert conn.sock is sock, "all three requests went over one connection"
    finally:
        conn.close()
    s3 = aws.client("s3")  # and through botocore: a write with a body, then reads, on the pooled connection
    s3.create_bucket(Bucket="keep-alive")
    s3.put_object(Bucket="keep-alive", Key="k", Body=b"y" * 200_000)
    assert [len(s3.get_object(Bucket="keep-alive", Key="k")["Body"].read()) for _ in range(3)] == [200_000] * 3
