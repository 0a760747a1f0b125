"""The backend's own CPU per request, no injected latency: DescribeModelPackage, a Search page, S3 GetObject."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .fixtures import BUCKET, GROUP, make_versions, metrics_key
from .harness import own_backend


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the backend process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_service_time(tmp: Path, n: int) -> dict:
    """``n`` sequential requests of each kind; the backend process's CPU time (``/proc/<pid>/stat``) before
    and after, divided by ``n``. The client's wall time per request is beside it (client CPU + server + loopback).
    """
    from helpers import aws, registry

    with own_backend(tmp / "service-time") as status:
        make_versions(min(n, 200))
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        arns = [v["ModelPackageArn"] for v in registry.list_versions(sm, GROUP)]
        expression = {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": GROUP}]}
        calls = {
            "DescribeModelPackage": lambda i: sm.describe_model_package(ModelPackageName=arns[i % len(arns)]),
            "Search (page of 100)": lambda i: sm.search(Resource="ModelPackage", SearchExpression=expression, MaxResults=100),
            "S3 GetObject (metrics file)": lambda i: s3.get_object(Bucket=BUCKET, Key=metrics_key(i % len(arns) + 1))["Body"].read(),
        }
        rows = {}
        for name, call in calls.items():
            call(0)  # warm: first-use imports and caches on both sides
            cpu, start = server_cpu_s(status.pid), time.perf_counter()
            for i in range(n):
                call(i)
            wall, cpu = time.perf_counter() - start, server_cpu_s(status.pid) - cpu
            rows[name] = {"server_cpu_ms": round(cpu / n * 1000, 2), "client_wall_ms": round(wall / n * 1000, 2)}
    return {"requests_each": n, "rows": rows}
