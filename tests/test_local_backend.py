"""The local backend through the clients learners use: boto3 and the aws CLI, request validation in
SageMaker's words, the backend's own sentences where SageMaker's are unknown, UpdateEndpoint, the HTTP
connection, and what it does not serve.

The registry's rules one by one, with their sources, are in ``test_registry_rules.py`` (also run against
AWS); events in ``test_backend_events.py``; bucket policies in ``test_s3_bucket.py``. The test
``test_moto_internals_the_backend_relies_on`` pins what ``helpers/local_backend`` reads of moto, so a
moto upgrade that moves it fails here, loudly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import aws
from support import SPEC, error_of


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


def test_update_endpoint_switches_configuration(sm):
    # Endpoints really serve now: a model the built-in XGBoost container loads (the kit's v1 preset, trained in
    # well under a second), in S3, with that container's image; the endpoint settles in the background.
    from helpers.model import artifacts, training

    s3 = aws.client("s3")
    s3.create_bucket(Bucket="endpoint-test-bucket")
    s3.put_object(Bucket="endpoint-test-bucket", Key="model.tar.gz",
                  Body=artifacts.tarball_bytes(artifacts.model_json(training.train_preset("v1").booster)))
    container = {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                 "ModelDataUrl": "s3://endpoint-test-bucket/model.tar.gz"}
    iam_role = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
    for name in ("m1", "m2"):
        sm.create_model(ModelName=name, ExecutionRoleArn=iam_role, PrimaryContainer=container)
        sm.create_endpoint_config(
            EndpointConfigName=f"{name}-config",
            ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
                                 "InstanceType": "ml.m5.large"}],
        )
    in_service = {"Delay": 1, "MaxAttempts": 30}
    sm.create_endpoint(EndpointName="e", EndpointConfigName="m1-config")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="e", WaiterConfig=in_service)
    sm.update_endpoint(EndpointName="e", EndpointConfigName="m2-config")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="e", WaiterConfig=in_service)
    desc = sm.describe_endpoint(EndpointName="e")
    assert desc["EndpointConfigName"] == "m2-config" and desc["EndpointStatus"] == "InService"
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        sm.update_endpoint(EndpointName="e", EndpointConfigName="missing")


def test_the_backends_own_sentences_where_sagemakers_wording_is_unknown(sm):
    """The errors docs/local-backend.md lists as our choice ("Unverified", 3 to 5): their codes are proved by
    the registry rule tests, which also run against AWS; the wording here is the local backend's own."""
    assert error_of(sm.create_model_package_group, ModelPackageGroupName="g")[1] == (
        "Model Package Group already exists: arn:aws:sagemaker:us-east-1:123456789012:model-package-group/g")
    assert sm.describe_model_package_group(ModelPackageGroupName="g")["ModelPackageGroupDescription"] == "first"
    assert "Model package g/7 does not exist" in error_of(sm.describe_model_package, ModelPackageName="g/7")[1]
    assert "has no resource policy" in error_of(sm.get_model_package_group_policy, ModelPackageGroupName="g")[1]
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    assert "Model Package Group nope does not exist" in error_of(
        sm.put_model_package_group_policy, ModelPackageGroupName="nope", ResourcePolicy=policy)[1]
    arn = register(sm)
    assert "delete the model packages first" in error_of(sm.delete_model_package_group, ModelPackageGroupName="g")[1]
    missing = arn.rsplit("/", 1)[0] + "/99"
    out = sm.batch_describe_model_package(ModelPackageArnList=[arn, missing])
    assert out["BatchDescribeModelPackageErrorMap"][missing]["ErrorResponse"].endswith("does not exist.")
    sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName="g")
    assert "does not exist" in error_of(sm.delete_model_package_group, ModelPackageGroupName="g")[1]


def test_cli_sees_the_same_rules(sm):
    dup = aws_cli("sagemaker", "create-model-package-group", "--model-package-group-name", "g")
    assert dup.returncode != 0 and "Model Package Group already exists" in dup.stderr
    arn = register(sm)
    conflict = aws_cli("sagemaker", "delete-model-package-group", "--model-package-group-name", "g")
    assert conflict.returncode != 0 and "ConflictException" in conflict.stderr
    shown = aws_cli("sagemaker", "describe-model-package", "--model-package-name", "g/1")
    assert json.loads(shown.stdout)["ModelPackageVersion"] == 1
    batch = aws_cli("sagemaker", "batch-describe-model-package", "--model-package-arn-list", arn)
    assert batch.returncode == 0, batch.stderr
    assert list(json.loads(batch.stdout)["ModelPackageSummaries"]) == [arn]
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
