"""The shipped IAM policies (``data/iam/``): well-formed, least privilege, and the duties separated.

Action names and condition keys are checked against policy_sentry's offline copy of AWS's Service
Authorization Reference. The separation of duties is checked with the kit's evaluator
(:mod:`helpers.iam`), whose own rules are tested at the end. That every call of a whole workshop run
is allowed, and nothing more, is ``test_notebooks.py::test_the_shipped_policies_allow_every_workshop_call_and_nothing_more``.
"""

from __future__ import annotations

import json
import re

import pytest

from helpers import iam
from helpers.errors import WorkshopError

ACCOUNT, REGION, BUCKET, GROUP = "123456789012", "us-east-1", "ml-pipeline-bucket", "ml-pipeline-model-group"
PACKAGE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/1"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP}"
STATUS = "sagemaker:ModelApprovalStatus"
STAGE, STAGE_STATUS = "sagemaker:ModelLifeCycle:Stage", "sagemaker:ModelLifeCycle:StageStatus"  # as the SAR spells them
# What SageMaker itself does with the execution role while hosting the model: no workshop call uses these.
HOSTING_ACTIONS = {
    "s3:GetObject",  # read model.tar.gz
    "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
    "cloudwatch:PutMetricData",
}


def doc(name: str) -> dict:
    return iam.document(name, account=ACCOUNT, region=REGION, bucket=BUCKET, group=GROUP)


def statements(name: str) -> list[dict]:
    return doc(name)["Statement"]


@pytest.mark.parametrize("name", list(iam.POLICIES))
def test_every_placeholder_is_filled_and_no_action_is_a_wildcard(name):
    text = json.dumps(doc(name))
    assert not re.search(r"<[A-Z_]+>", text), "a placeholder was left unfilled"
    for st in statements(name):
        for action in st["Action"] if isinstance(st["Action"], list) else [st["Action"]]:
            assert "*" not in action and "?" not in action, f"wildcard action {action} in {name}"
        assert st.get("Sid"), "every statement says what it is for"


@pytest.mark.parametrize("name", iam.PERMISSION_POLICIES)
def test_actions_and_condition_keys_exist_and_star_resources_are_unavoidable(name):
    from policy_sentry.querying.actions import get_privilege_info

    for st in statements(name):
        for action in st["Action"]:
            service, op = action.split(":")
            info = get_privilege_info(service, op)  # raises for an action that does not exist
            types = {k: v for k, v in info["resource_types"].items() if k}
            keys = {key for rt in info["resource_types"].values() for key in rt["condition_keys"]}
            for operator, conditions in st.get("Condition", {}).items():
                for key in conditions:
                    assert key in keys or key.startswith("aws:"), f"{key} is not a condition key of {action}"
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            if "*" in resources:  # only where IAM cannot scope the action to a resource
                assert not any(t.endswith("*") for t in info["resource_types"]), f"{action} could be scoped"


def test_resources_are_the_workshops_own():
    for name in ("registrar", "approver", "operator", "role-admin", "promoter", "deployer", "deployer-admin"):
        for st in statements(name):
            for resource in st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]:
                assert resource == "*" or any(own in resource for own in (
                    f":::{BUCKET}", f"/{GROUP}", "ml-pipeline-", ":role/SageMakerExecutionRole")), resource


def test_the_registrar_registers_pending_only_and_cannot_approve():
    registrar = doc("registrar")
    assert iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN, **{STATUS: "PendingManualApproval"})
    assert not iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN, **{STATUS: "Approved"})
    assert not iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN), "the status must be stated"
    assert iam.allowed(registrar, "sagemaker:UpdateModelPackage", PACKAGE), "metadata edits are fine"
    for status in ("Approved", "Rejected", "PendingManualApproval"):
        assert not iam.allowed(registrar, "sagemaker:UpdateModelPackage", PACKAGE, **{STATUS: status})
    assert not iam.allowed(registrar, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/audit/{GROUP}.jsonl")


def test_the_approver_approves_but_does_not_register_into_the_main_group():
    approver = doc("approver")
    for status in ("Approved", "Rejected"):
        assert iam.allowed(approver, "sagemaker:UpdateModelPackage", PACKAGE, **{STATUS: status})
    assert not iam.allowed(approver, "sagemaker:UpdateModelPackage", PACKAGE), "metadata is the registrar's"
    assert not iam.allowed(approver, "sagemaker:CreateModelPackage", GROUP_ARN, **{STATUS: "PendingManualApproval"})
    assert not iam.allowed(approver, "sagemaker:CreateModelPackage", GROUP_ARN, **{STATUS: "Approved"})
    assert iam.allowed(approver, "sagemaker:CreateModelPackage", GROUP_ARN + "-cli", **{STATUS: "Approved"})
    other = PACKAGE.replace(f"/{GROUP}/", "/another-team/")
    assert not iam.allowed(approver, "sagemaker:UpdateModelPackage", other, **{STATUS: "Approved"})
    assert not iam.allowed(approver, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/model/model.tar.gz")


def test_the_execution_role_is_for_sagemaker_hosting_only():
    trust = doc("execution-role-trust")["Statement"]
    assert [(s["Principal"], s["Action"]) for s in trust] == [({"Service": "sagemaker.amazonaws.com"}, "sts:AssumeRole")]
    execution = doc("execution-role")
    assert iam.granted_actions(execution) == HOSTING_ACTIONS
    assert iam.allowed(execution, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/model/model.tar.gz")
    assert not iam.allowed(execution, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/audit/{GROUP}.jsonl")
    assert not iam.allowed(execution, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/model/model.tar.gz")


def test_only_the_role_admin_may_write_role_policies():
    """Whoever may write a role's policy can grant themselves anything through it: keep that apart."""
    role = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole"
    for name in ("registrar", "approver", "operator", "promoter", "deployer", "deployer-admin"):
        for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRole"):
            assert not iam.allowed(doc(name), action, role), (name, action)
    assert iam.allowed(doc("role-admin"), "iam:PutRolePolicy", role)
    assert not iam.allowed(doc("role-admin"), "iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/Admin")


# Stages: SageMaker Developer Guide, "Set up Staging Construct Examples" (model-registry-staging-construct-set-up):
# the administrator decides which role may set which ModelLifeCycle stage and stageStatus, with the condition keys
# sagemaker:ModelLifeCycle:stage / :stageStatus on CreateModelPackage and UpdateModelPackage; its data scientist may
# use "Development" only. The Service Authorization Reference spells the keys ...:Stage / ...:StageStatus; IAM matches
# condition key names whatever their case (IAM User Guide, "IAM JSON policy elements: Condition").
def test_the_registrar_may_set_development_only_and_edit_metadata_without_a_stage():
    registrar = doc("registrar")
    pending = {STATUS: "PendingManualApproval"}
    assert iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN, **pending), "no ModelLifeCycle: fine"
    assert iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN, **pending, **{STAGE: "Development", STAGE_STATUS: "InProgress"})
    assert iam.allowed(registrar, "sagemaker:UpdateModelPackage", PACKAGE), "metadata edits carry no stage"
    assert iam.allowed(registrar, "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: "Development", STAGE_STATUS: "Approved"})
    for stage in ("Staging", "Production", "Archived", "development"):
        assert not iam.allowed(registrar, "sagemaker:CreateModelPackage", GROUP_ARN, **pending, **{STAGE: stage}), stage
        assert not iam.allowed(registrar, "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: stage}), stage


def test_only_the_promoter_may_set_production_and_it_cannot_approve():
    promoter = doc("promoter")
    for stage in ("Staging", "Production", "Archived"):
        assert iam.allowed(promoter, "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: stage, STAGE_STATUS: "Approved"})
    assert iam.allowed(promoter, "sagemaker:UpdateModelPackage", PACKAGE, **{"sagemaker:ModelLifeCycle:stage": "Production"}), \
        "the developer guide's spelling of the key is the same key"
    assert not iam.allowed(promoter, "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: "Development"}), "the registrar's stage"
    assert not iam.allowed(promoter, "sagemaker:UpdateModelPackage", PACKAGE), "metadata edits are the registrar's"
    assert not iam.allowed(promoter, "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: "Production", STATUS: "Approved"}), \
        "promoting is not approving"
    assert not iam.allowed(promoter, "sagemaker:CreateModelPackage", GROUP_ARN, **{STAGE: "Production", STATUS: "PendingManualApproval"})
    other = PACKAGE.replace(f"/{GROUP}/", "/another-team/")
    assert not iam.allowed(promoter, "sagemaker:UpdateModelPackage", other, **{STAGE: "Production"})
    for name in ("registrar", "approver", "operator", "deployer"):
        assert not iam.allowed(doc(name), "sagemaker:UpdateModelPackage", PACKAGE, **{STAGE: "Production"}), name
        assert not iam.allowed(doc(name), "sagemaker:UpdateModelPackage", PACKAGE,
                               **{STAGE: "Production", STATUS: "Approved"}), f"{name} may not approve and promote in one call"


def test_the_deployer_deploys_and_may_not_approve_register_or_tear_down():
    deployer = doc("deployer")
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    assert iam.allowed(deployer, "sagemaker:ListModelPackages", "*")
    assert iam.allowed(deployer, "sagemaker:DescribeModelPackage", PACKAGE)
    assert iam.allowed(deployer, "sagemaker:CreateModel", f"{arn}:model/ml-pipeline-model-v3")
    assert iam.allowed(deployer, "sagemaker:UpdateEndpoint", f"{arn}:endpoint/ml-pipeline-endpoint")
    assert not iam.allowed(deployer, "sagemaker:UpdateEndpoint", f"{arn}:endpoint/someone-elses-endpoint")
    for status in ("Approved", "Rejected"):
        assert not iam.allowed(deployer, "sagemaker:UpdateModelPackage", PACKAGE, **{STATUS: status})
    assert not iam.allowed(deployer, "sagemaker:CreateModelPackage", GROUP_ARN, **{STATUS: "Approved"})
    for action in ("sagemaker:DeleteEndpoint", "sagemaker:DeleteModel", "sagemaker:DeleteModelPackage"):
        assert action not in iam.granted_actions(deployer), action
    role = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole"
    assert iam.allowed(deployer, "iam:PassRole", role, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert not iam.allowed(deployer, "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not iam.allowed(deployer, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/model/model.tar.gz"), "SageMaker reads the artifact, as the execution role"
    logs = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/"
    assert iam.allowed(deployer, "logs:PutLogEvents", f"{logs}ml-pipeline-deployer:log-stream:2026/11/26/abc")
    assert not iam.allowed(deployer, "logs:PutLogEvents", f"{logs}another-function:log-stream:x")


def test_the_deployer_role_is_for_lambda_and_only_its_admin_installs_it():
    trust = doc("deployer-trust")["Statement"]
    assert [(s["Principal"], s["Action"], s["Condition"]) for s in trust] == [
        ({"Service": "lambda.amazonaws.com"}, "sts:AssumeRole", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})]
    admin, role = doc("deployer-admin"), f"arn:aws:iam::{ACCOUNT}:role/ml-pipeline-deployer-role"
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:ml-pipeline-deployer"
    assert iam.allowed(admin, "iam:PutRolePolicy", role)
    assert iam.allowed(admin, "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not iam.allowed(admin, "iam:PassRole", role, **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert not iam.allowed(admin, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole",
                           **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert iam.allowed(admin, "lambda:AddPermission", function, **{"lambda:Principal": "events.amazonaws.com"})
    assert not iam.allowed(admin, "lambda:AddPermission", function, **{"lambda:Principal": "*"}), "no public invoke"
    assert not iam.allowed(admin, "lambda:CreateFunction", function.replace("ml-pipeline-deployer", "anything-else"))
    assert not any(a.startswith("sagemaker:") for a in iam.granted_actions(admin)), "installing is not deploying"
    for name in ("registrar", "approver", "operator", "role-admin", "promoter", "deployer"):
        assert not iam.allowed(doc(name), "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"}), name
        assert not iam.allowed(doc(name), "lambda:CreateFunction", function), name


def test_passing_the_role_is_only_to_sagemaker():
    operator, role = doc("operator"), f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecutionRole"
    assert iam.allowed(operator, "iam:PassRole", role, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert not iam.allowed(operator, "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"})
    assert not iam.allowed(operator, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/Admin",
                           **{"iam:PassedToService": "sagemaker.amazonaws.com"})


def test_a_kms_key_adds_one_scoped_statement():
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f0f0f0f-1111-2222-3333-444444444444"
    with_key = iam.document("registrar", account=ACCOUNT, region=REGION, kms_key_arn=key)
    assert len(with_key["Statement"]) == len(doc("registrar")["Statement"]) + 1
    assert iam.allowed(with_key, "kms:GenerateDataKey", key, **{"kms:ViaService": f"s3.{REGION}.amazonaws.com"})
    assert not iam.allowed(with_key, "kms:Decrypt", key)


def test_the_evaluator_follows_iams_rules():
    deny = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    allow = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}
    assert iam.decide([allow], iam.Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"
    assert iam.decide([allow], iam.Request("s3:GetObject", "arn:aws:s3:::other/k")) == "ImplicitDeny"
    assert iam.decide([allow, deny], iam.Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})) == "ExplicitDeny"
    assert iam.decide([allow, deny], iam.Request("s3:GetObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})) == "Allow"
    assert iam.decide([allow], iam.Request("S3:getobject", "arn:aws:s3:::b/k")) == "Allow", "actions ignore case"
    assert iam.decide([allow, deny], iam.Request("s3:GetObject", "arn:aws:s3:::b/k", {"AWS:SecureTransport": "false"})) == "ExplicitDeny", \
        "condition key names ignore case"
    staged = {"Statement": [{"Effect": "Allow", "Action": "sagemaker:UpdateModelPackage", "Resource": "*",
                             "Condition": {"StringEqualsIfExists": {STAGE: "Development"}}}]}
    assert iam.decide([staged], iam.Request("sagemaker:UpdateModelPackage", "p")) == "Allow", "IfExists: absent key holds"
    assert iam.decide([staged], iam.Request("sagemaker:UpdateModelPackage", "p", {STAGE: "Production"})) == "ImplicitDeny"
    assert iam.decide([staged], iam.Request("sagemaker:UpdateModelPackage", "p", {STAGE: "development"})) == "ImplicitDeny", \
        "values are compared as written"
    odd = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                          "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}]}
    with pytest.raises(ValueError, match="does not know"):
        iam.decide([odd], iam.Request("s3:GetObject", "x", {"s3:max-keys": "5"}))
    with pytest.raises(WorkshopError, match="There is no policy"):
        iam.document("administrator")
