"""AWS mode (``WORKSHOP_BACKEND=aws``), exercised against the local backend posing as AWS.

The local backend stands in for the account through ``AWS_ENDPOINT_URL`` (which boto3 and the CLI
honour), so the kit's AWS-mode code takes the same path as on AWS: the standard credential chain,
the session's region (eu-west-1 here, not the local default), the account's own default bucket and,
for the Studio case, a role assumed through STS whose trust allows SageMaker.
"""

from __future__ import annotations

import json

import boto3
import pytest

import helpers
from helpers import aws
from helpers.kit import backend, notebook_runner
from helpers.errors import NotConfirmed, WorkshopError
from support import ACCOUNT, RECORDED, STUDIO_REGION, STUDIO_ROLE, oplog_path

pytestmark = pytest.mark.notebooks

REGION = STUDIO_REGION
BUCKET = f"sagemaker-{REGION}-{ACCOUNT}"
GROUP, CLI_GROUP = "ml-pipeline-model-group", "ml-pipeline-model-group-cli"


_ENDPOINT: list[str] = []


def local(service: str):
    """A client for looking at the backend directly, as an observer outside the kit."""
    return boto3.client(service, endpoint_url=_ENDPOINT[0], region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def aws_mode(local_backend, monkeypatch, tmp_path):
    """AWS mode with the local backend as the account; confirmations kept in a folder of this test."""
    backend.reset()
    endpoint = backend.endpoint()
    _ENDPOINT[:] = [endpoint]
    monkeypatch.setenv("WORKSHOP_BACKEND", "aws")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path / "state"))  # aws-confirmed.json of this test only
    aws._IDENTITIES.clear()
    yield monkeypatch
    aws._IDENTITIES.clear()


def test_nothing_is_created_until_the_account_is_confirmed(aws_mode, tmp_path):
    with pytest.raises(NotConfirmed) as err:
        helpers.session()
    message = str(err.value)
    assert f"account {ACCOUNT}" in message and f"region {REGION}" in message and "confirm_aws=True" in message

    target = helpers.target()
    assert (target.backend, target.account, target.region, target.bucket) == ("aws", ACCOUNT, REGION, BUCKET)
    assert not target.confirmed and "not there yet" in target.role_source

    with pytest.raises(WorkshopError, match="NotConfirmed"):
        notebook_runner.run_notebook(notebook_runner.notebooks()[0], tmp_path / "out")
    printed = (tmp_path / "out" / "00_setup.ipynb").read_text()
    assert f"s3://{BUCKET}" in printed and "confirmed: no" in printed
    assert local("s3").list_buckets()["Buckets"] == []
    assert [r["RoleName"] for r in local("iam").list_roles()["Roles"]] == []
    with pytest.raises(NotConfirmed):  # every other notebook refuses too
        helpers.client("sagemaker")


def test_a_confirmation_holds_for_its_account_and_region_only(aws_mode):
    helpers.session(confirm_aws=True)
    assert aws.confirmed_targets() == [{"account": ACCOUNT, "region": REGION}]
    assert helpers.session().region_name == REGION
    with pytest.raises(NotConfirmed, match="region us-west-2"):
        helpers.session("us-west-2")


def test_no_region_or_no_credentials_is_one_sentence(aws_mode):
    aws_mode.delenv("AWS_REGION")
    with pytest.raises(WorkshopError, match="needs a region and none is set"):
        helpers.session()
    aws_mode.setenv("AWS_REGION", REGION)
    aws_mode.delenv("AWS_ACCESS_KEY_ID")
    aws_mode.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(WorkshopError, match="found no AWS credentials"):
        helpers.session()


def _studio_credentials() -> tuple[str, dict[str, str]]:
    """A Studio-like execution role (trusting SageMaker), assumed through STS; its ARN and credentials."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                      "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
    role = local("iam").create_role(RoleName=STUDIO_ROLE, Path="/service-role/",
                                    AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    creds = local("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="SageMaker")["Credentials"]
    return role["Arn"], {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                         "AWS_SESSION_TOKEN": creds["SessionToken"]}


@RECORDED
def test_the_whole_workshop_in_studio_mode(aws_mode, tmp_path):
    """00 (confirmed) to 09 as a Studio user: own region and bucket, the Studio role discovered, kept after 09."""
    role_arn, creds = _studio_credentials()
    s3 = local("s3")  # SageMaker's default bucket already exists, with someone's data in it
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="other-project/keep.txt", Body=b"not the workshop's")
    for key, value in creds.items():
        aws_mode.setenv(key, value)
    aws_mode.setenv("WORKSHOP_OPLOG", str(oplog_path("aws-studio")))
    oplog_path("aws-studio").unlink(missing_ok=True)

    runs = notebook_runner.run_workshop(output_dir=tmp_path / "nb", confirm_aws=True)
    assert [r.name[:2] for r in runs] == ["00", "01", "02", "03", "04", "05", "06", "07", "08"]
    setup = (tmp_path / "nb" / "00_setup.ipynb").read_text()
    assert "discovered: the SageMaker execution role this notebook runs as" in setup

    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    encryption = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statement = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert [s["Sid"] for s in statement] == ["DenyInsecureTransport"]
    assert statement[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    sm = local("sagemaker")
    packages = sm.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert sorted((p["ModelPackageVersion"], p["ModelApprovalStatus"]) for p in packages) == [(1, "Approved"), (2, "Rejected")]
    assert all(p["ModelPackageArn"].startswith(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/") for p in packages)
    v1 = sm.describe_model_package(ModelPackageName=f"{GROUP}/1")
    container = v1["InferenceSpecification"]["Containers"][0]
    assert container["ModelDataUrl"] == f"s3://{BUCKET}/model/model.tar.gz"
    assert f".dkr.ecr.{REGION}.amazonaws.com/sagemaker-xgboost:1.7-1" in container["Image"]
    assert sm.describe_model(ModelName="ml-pipeline-model-v1")["ExecutionRoleArn"] == role_arn
    assert [r["RoleName"] for r in local("iam").list_roles()["Roles"]] == [STUDIO_ROLE], "no role was created"
    audit = s3.get_object(Bucket=BUCKET, Key=f"audit/{GROUP}.jsonl")["Body"].read().decode().splitlines()
    assert json.loads(audit[0])["who"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/{STUDIO_ROLE}/")
    cli = sm.list_model_packages(ModelPackageGroupName=CLI_GROUP)["ModelPackageSummaryList"]
    assert [p["ModelApprovalStatus"] for p in cli] == ["Approved"]

    # A later approval, then 07 again: its deployer moves the endpoint to the newly approved version.
    sm.update_model_package(ModelPackageArn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/2",
                            ModelApprovalStatus="Approved", ApprovalDescription="second review")
    notebook_runner.run_workshop(output_dir=tmp_path / "nb", only=["07_deploy_approved_version"])
    assert sm.describe_endpoint(EndpointName="ml-pipeline-endpoint")["EndpointConfigName"] == "ml-pipeline-model-v2-config"

    notebook_runner.run_workshop(output_dir=tmp_path / "nb", only=["09_cleanup"])
    cleanup = (tmp_path / "nb" / "09_cleanup.ipynb").read_text()
    assert "kept bucket" in cleanup and f"kept role {role_arn}" in cleanup
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])] == ["other-project/keep.txt"]
    assert local("iam").get_role(RoleName=STUDIO_ROLE)["Role"]["Arn"] == role_arn
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert sm.list_endpoints()["Endpoints"] == []
