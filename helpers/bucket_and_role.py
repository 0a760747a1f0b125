"""The workshop's supporting resources: its S3 bucket and the SageMaker execution role.

Every function is idempotent: it finds what exists and creates or changes only what is missing.
What the kit creates carries the tag ``workshop=model-registry``; notebook 08 deletes a bucket or a
role only when it carries that tag, so a learner's own default bucket or Studio role is never removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .errors import WorkshopError, error_code

TAG = {"Key": "workshop", "Value": "model-registry"}
TLS_SID = "DenyInsecureTransport"
STUDIO_METADATA = Path("/opt/ml/metadata/resource-metadata.json")  # present in Studio and notebook instances

def ensure_bucket(s3, bucket: str, region: str) -> bool:
    """Create ``bucket`` in ``region`` unless it is already ours; True if it was created.

    Raises :class:`WorkshopError` if the name belongs to someone else (real AWS) or is invalid.
    """
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        code = error_code(exc)
        if code in ("403", "Forbidden"):
            raise WorkshopError(
                f"The bucket {bucket!r} exists but belongs to another account (S3 names are global): "
                "choose a bucket name of your own in the notebook's parameters cell."
            ) from None
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**kwargs)
    except ClientError as exc:
        code = error_code(exc)
        if code == "BucketAlreadyOwnedByYou":
            return False
        if code == "InvalidBucketName":
            raise WorkshopError(
                f"{bucket!r} is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and "
                "hyphens): choose another in the notebook's parameters cell."
            ) from None
        raise
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [TAG]})
    return True


def tls_only_statement(bucket: str) -> dict[str, Any]:
    """Bucket-policy statement refusing every request that does not use TLS (HTTPS)."""
    return {
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def secure_bucket(s3, bucket: str, kms_key_id: str | None = None) -> dict[str, str]:
    """Block public access, encrypt by default and refuse plain HTTP on ``bucket``; what it now has.

    Default encryption is SSE-S3, or SSE-KMS with ``kms_key_id``. An existing bucket keeps its own
    KMS encryption when SSE-S3 is asked for, and keeps the other statements of its policy: the kit
    adds or replaces only its ``DenyInsecureTransport`` statement.
    """
    from botocore.exceptions import ClientError

    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })

    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        current = rules[0]["ApplyServerSideEncryptionByDefault"]
    except ClientError as exc:
        if error_code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
            raise
        current = {}
    if kms_key_id:
        wanted = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key_id}
        if current != wanted:
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": wanted, "BucketKeyEnabled": True}]})
        current = wanted
    elif current.get("SSEAlgorithm") not in ("AES256", "aws:kms", "aws:kms:dsse"):
        current = {"SSEAlgorithm": "AES256"}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": current}]})

    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if error_code(exc) != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    others = [st for st in policy.get("Statement", []) if st.get("Sid") != TLS_SID]
    wanted_policy = {**policy, "Statement": others + [tls_only_statement(bucket)]}
    if wanted_policy != policy:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted_policy))

    algorithm = current["SSEAlgorithm"]
    return {
        "public access": "blocked (all four settings)",
        "default encryption": "SSE-S3 (AES256)" if algorithm == "AES256" else f"SSE-KMS ({current.get('KMSMasterKeyID', 'AWS managed key')})",
        "bucket policy": "denies requests without TLS" + (f", keeps {len(others)} statement(s) of its own" if others else ""),
    }


def _is_ours(tags: list[dict]) -> bool:
    return any(t.get("Key") == TAG["Key"] and t.get("Value") == TAG["Value"] for t in tags)


def bucket_is_ours(s3, bucket: str) -> bool:
    """Whether the kit created ``bucket`` (it carries the workshop tag)."""
    from botocore.exceptions import ClientError

    try:
        return _is_ours(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except ClientError:
        return False


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

    from .aws import identity

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
    return role["Arn"], "created by this workshop" if _is_ours(role.get("Tags", [])) else "exists already (not created by this workshop)"


def execution_role(sess, role_name: str, bucket: str) -> tuple[str, str]:
    """The execution role's ARN and where it came from: discovered in Studio, else created if missing."""
    arn, source = find_execution_role(sess, role_name)
    if source.startswith("discovered"):
        return arn, source  # type: ignore[return-value]
    from .aws import identity

    arn = ensure_execution_role(sess.client("iam"), role_name, bucket, identity(sess)["Account"], sess.region_name)
    return arn, "created by this workshop" if source.startswith("not there") else source


def ensure_execution_role(iam, role_name: str, bucket: str, account: str = "123456789012", region: str | None = None) -> str:
    """The ARN of ``role_name``, created with the shipped trust policy (``data/iam/``) if missing.

    Its inline policy ``workshop-execution`` (the shipped ``execution-role-policy.json`` for this
    bucket) is (re)written each time, so it always names ``bucket``.
    """
    from . import iam as policies

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
    iam = sess.client("iam")
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return f"no role {role_name}"
    if not _is_ours(role.get("Tags", [])):
        return f"kept role {role_name}: the workshop did not create it (no workshop=model-registry tag)"
    for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role_name, PolicyName=policy)
    iam.delete_role(RoleName=role_name)
    return f"deleted role {role_name}"
