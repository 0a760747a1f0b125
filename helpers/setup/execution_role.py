"""The SageMaker execution role: the role the registered model runs with when it is deployed.

In SageMaker Studio (the notebook runs as a role SageMaker may assume) that role is discovered and only
used. Elsewhere the kit creates ``SageMakerExecutionRole`` from the shipped policies (``data/iam/``),
tagged ``workshop=model-registry`` (:data:`helpers.config.TAG`); cleanup deletes a role only when it
carries that tag (:func:`delete_workshop_role`, also for the deployer's role), so a Studio role is never removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..aws import identity
from ..config import TAG, created_by_workshop
from ..errors import error_code

STUDIO_METADATA = Path("/opt/ml/metadata/resource-metadata.json")  # present in Studio and notebook instances


def _trusts_sagemaker(document: Any) -> bool:
    if isinstance(document, str):
        from urllib.parse import unquote

        document = json.loads(unquote(document))
    for statement in document.get("Statement", []):
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and "sagemaker.amazonaws.com" in services:
            return True
    return False


def find_execution_role(sess, role_name: str) -> tuple[str | None, str]:
    """The execution role to use and where it comes from; reads only.

    In SageMaker Studio (the notebook runs as a role that SageMaker may assume) that role is used:
    it is discovered, never created or changed. Elsewhere it is ``role_name``, which 00 creates.
    """
    from botocore.exceptions import ClientError

    iam = sess.client("iam")
    caller = identity(sess)["Arn"]
    assumed = re.match(r"arn:aws[\w-]*:sts::(\d{12}):assumed-role/([^/]+)/", caller)
    if assumed:
        account, name = assumed.groups()
        try:
            role = iam.get_role(RoleName=name)["Role"]
            if _trusts_sagemaker(role["AssumeRolePolicyDocument"]):
                return role["Arn"], "discovered: the SageMaker execution role this notebook runs as"
        except ClientError as exc:
            if error_code(exc) not in ("AccessDenied", "AccessDeniedException"):
                raise
            if STUDIO_METADATA.exists():  # in Studio, the caller is the execution role even if it may not read itself
                path = "/service-role/" if name.startswith("AmazonSageMaker-ExecutionRole") else "/"
                return f"arn:aws:iam::{account}:role{path}{name}", "discovered: the Studio execution role (path assumed)"
            # elsewhere (an SSO or assumed role that may not read itself): not an execution role, go on
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None, "not there yet: 00_setup creates it"
    return role["Arn"], "created by this workshop" if created_by_workshop(role.get("Tags", [])) else "exists already (not created by this workshop)"


def execution_role(sess, role_name: str, bucket: str) -> tuple[str, str]:
    """The execution role's ARN and where it came from: discovered in Studio, else created if missing."""
    arn, source = find_execution_role(sess, role_name)
    if source.startswith("discovered"):
        return arn, source  # type: ignore[return-value]
    arn = ensure_execution_role(sess.client("iam"), role_name, bucket, identity(sess)["Account"], sess.region_name)
    return arn, "created by this workshop" if source.startswith("not there") else source


def ensure_execution_role(iam, role_name: str, bucket: str, account: str = "123456789012", region: str | None = None) -> str:
    """The ARN of ``role_name``, created with the shipped trust policy (``data/iam/``) if missing.

    Its inline policy ``workshop-execution`` (the shipped ``execution-role-policy.json`` for this
    bucket) is (re)written each time, so it always names ``bucket``.
    """
    from .. import iam as policies

    try:
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(policies.document("execution-role-trust", account=account)),
            Description="Lets SageMaker read the workshop's model artifacts and host the model",
            Tags=[TAG],
        )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="workshop-execution",
        PolicyDocument=json.dumps(policies.document("execution-role", account=account, region=region or iam.meta.region_name,
                                                   bucket=bucket, role_name=role_name)),
    )
    return arn


def delete_execution_role(sess, role_name: str) -> str:
    """Delete ``role_name`` with its inline policies if the kit created it; what was done, as a sentence.

    In Studio (the execution role is discovered) nothing is looked up or deleted.
    """
    arn, source = find_execution_role(sess, role_name)
    if source.startswith("discovered"):
        return f"kept role {arn}: it is your SageMaker execution role, which the workshop only used"
    return delete_workshop_role(sess.client("iam"), role_name)


def delete_workshop_role(iam, role_name: str) -> str:
    """Delete ``role_name`` and its inline policies if it carries the workshop tag; what was done, as a sentence."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return f"no role {role_name}"
    if not created_by_workshop(role.get("Tags", [])):
        return f"kept role {role_name}: the workshop did not create it (no workshop=model-registry tag)"
    for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=policy)
    iam.delete_role(RoleName=role_name)
    return f"deleted role {role_name}"
