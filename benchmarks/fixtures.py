"""The data the benchmarks put into a backend: metrics files in S3 and model package versions."""

from __future__ import annotations

import json

BUCKET = "bench-bucket"
GROUP = "bench"
SPEC = {"Containers": [{"Image": "example/image:1", "ModelDataUrl": f"s3://{BUCKET}/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def metrics_key(i: int) -> str:
    return f"metrics/{i}.json"


def put_metrics(s3, i: int) -> None:
    """A model-quality JSON (about 400 bytes, as the workshop's) at ``metrics/<i>.json``."""
    doc = {"binary_classification_metrics": {m: {"value": round(0.9 + (i % 97) / 1000, 4), "standard_deviation": 0.01}
                                              for m in ("accuracy", "precision", "recall", "f1", "auc")}}
    s3.put_object(Bucket=BUCKET, Key=metrics_key(i), Body=json.dumps(doc).encode())


def register(sm, group: str, i: int) -> None:
    sm.create_model_package(
        ModelPackageGroupName=group, InferenceSpecification=SPEC, ModelApprovalStatus="PendingManualApproval",
        ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                      "S3Uri": f"s3://{BUCKET}/{metrics_key(i)}"}}},
        CustomerMetadataProperties={"model_name": f"m{i}"},
    )


def make_bucket(s3) -> None:
    from helpers.setup import s3_bucket

    s3_bucket.ensure_bucket(s3, BUCKET, "us-east-1")


def make_versions(n: int) -> None:
    """``n`` versions in group ``bench``, each with a model-quality JSON in S3 (no latency yet)."""
    from helpers import aws

    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    make_bucket(s3)
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    for i in range(1, n + 1):
        put_metrics(s3, i)
        register(sm, GROUP, i)
