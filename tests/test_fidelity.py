"""The local backend's SageMaker layer answers like SageMaker where moto alone does not.

Each test goes through boto3 (or the aws CLI) to the running backend; the last test pins the moto
internals the layer relies on, so a moto upgrade that moves them fails here, loudly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import aws, backend

SPEC = {
    "Containers": [{"Image": "example/image:1", "ModelDataUrl": "s3://ml-pipeline-bucket/model/model.tar.gz"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


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
    aws_bin = str(Path(sys.executable).parent / "aws")
    env = aws.cli_env()
    dup = subprocess.run([aws_bin, "sagemaker", "create-model-package-group", "--model-package-group-name", "g"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert dup.returncode != 0 and "Model Package Group already exists" in dup.stderr
    register(sm)
    conflict = subprocess.run([aws_bin, "sagemaker", "delete-model-package-group", "--model-package-group-name", "g"],
                              capture_output=True, text=True, env=env, timeout=120)
    assert conflict.returncode != 0 and "ConflictException" in conflict.stderr
    shown = subprocess.run([aws_bin, "sagemaker", "describe-model-package", "--model-package-name", "g/1",
                            "--output", "json"], capture_output=True, text=True, env=env, timeout=120)
    assert json.loads(shown.stdout)["ModelPackageVersion"] == 1


def test_moto_internals_the_layer_relies_on():
    """Runs in-process: if a moto release renames these, the layer must be revisited."""
    import moto
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sagemaker.models import FakeEndpoint, ModelPackage, SageMakerModelBackend, sagemaker_backends

    assert moto.__version__.startswith("5.2."), "the layer was written against moto 5.2"
    be = sagemaker_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    assert isinstance(be, SageMakerModelBackend)
    for attr in ("model_packages", "model_package_groups", "model_package_name_mapping", "endpoints", "endpoint_configs"):
        assert isinstance(getattr(be, attr), dict), attr
    assert callable(be.describe_endpoint_config)
    assert callable(FakeEndpoint._process_production_variants)
    for attr in ("model_package_group_name", "model_package_version", "arn", "model_approval_status",
                 "approval_description", "customer_metadata_properties"):
        assert attr in ModelPackage.__init__.__code__.co_names, f"ModelPackage no longer sets {attr}"
