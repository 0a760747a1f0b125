"""The workshop's supporting resources: its S3 bucket and the SageMaker execution role.

Both functions are idempotent: they find what exists and create only what is missing.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import WorkshopError

# Who may assume the role: the SageMaker service, which uses it to pull the artifact for a model.
EXECUTION_ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def execution_role_policy(bucket: str) -> dict[str, Any]:
    """What the role may do: read (and write model output to) the workshop bucket."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadWorkshopBucket",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }


def ensure_bucket(s3, bucket: str, region: str) -> bool:
    """Create ``bucket`` in ``region`` unless it is already ours; True if it was created.

    Raises :class:`WorkshopError` if the name belongs to someone else (real AWS) or is invalid.
    """
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
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
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "BucketAlreadyOwnedByYou":
            return False
        if code == "InvalidBucketName":
            raise WorkshopError(
                f"{bucket!r} is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and "
                "hyphens): choose another in the notebook's parameters cell."
            ) from None
        raise
    return True


def ensure_execution_role(iam, role_name: str, bucket: str) -> str:
    """The ARN of ``role_name``, created with the SageMaker trust policy if missing.

    Its inline policy ``workshop-bucket-access`` is (re)written each time, so it always names ``bucket``.
    """
    try:
        arn = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(EXECUTION_ROLE_TRUST),
            Description="Lets SageMaker read the workshop's model artifacts",
        )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="workshop-bucket-access",
        PolicyDocument=json.dumps(execution_role_policy(bucket)),
    )
    return arn
