"""helpers.setup.s3_bucket against the local backend: the workshop bucket secured (encryption, public access
block, a TLS-only policy that keeps the learner's own statements), KMS kept, and bucket policies enforced
on object requests, loopback counting as TLS."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from helpers import aws
from helpers.setup import s3_bucket


def test_bucket_policy_deny_is_enforced_but_loopback_counts_as_tls(clean_backend):
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
