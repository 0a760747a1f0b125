"""The workshop's S3 bucket: created if missing, then locked down (private, encrypted, HTTPS only).

Every function is idempotent: it finds what exists and creates or changes only what is missing. A bucket
the kit creates carries the tag ``workshop=model-registry`` (:data:`helpers.config.TAG`); notebook 09
deletes a bucket only when it carries that tag, so a learner's own default bucket is never removed.
"""

from __future__ import annotations

import json
from typing import Any

from ..config import TAG, created_by_workshop
from ..errors import WorkshopError, error_code

TLS_SID = "DenyInsecureTransport"


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


def bucket_is_ours(s3, bucket: str) -> bool:
    """Whether the kit created ``bucket`` (it carries the workshop tag); False for a bucket without tags or none at all.

    Any other error (access denied, throttling after the retries) is raised: "could not tell" is not "not ours".
    """
    from botocore.exceptions import ClientError

    try:
        return created_by_workshop(s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except ClientError as exc:
        if error_code(exc) in ("NoSuchTagSet", "NoSuchBucket", "404"):
            return False
        raise
