"""Registering versions one after another into one group, per block of 100 (early against late blocks),
then restarting the backend with all of them."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .fixtures import register
from .harness import own_backend, timed_blocks


def bench_registration(tmp: Path, sizes: list[int]) -> dict:
    """Versions registered one after another into group ``reg`` (no S3 puts), then a restart with all of them."""
    import boto3

    from helpers import aws, config
    from helpers.kit import backend

    n = max(sizes)
    with own_backend(tmp / "registration"):
        sdir = config.state_dir()
        sm = aws.client("sagemaker")
        sm.create_model_package_group(ModelPackageGroupName="reg")
        result = {"versions": n, **timed_blocks(lambda i: register(sm, "reg", i), sizes)}
        result["journal_bytes"] = (sdir / "registry.journal").stat().st_size
        backend.stop()
        start = time.perf_counter()
        backend.start(port=0)
        result["restart_s"] = round(time.perf_counter() - start, 3)
        result["restore_s"] = round(json.loads((sdir / "backend.json").read_text())["restore_seconds"], 3)
        fresh = boto3.client("sagemaker", endpoint_url=backend.endpoint(), region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing")
        desc = fresh.describe_model_package(ModelPackageName=f"reg/{n}")
        result["found_last"] = desc["ModelPackageVersion"] == n
    return result
