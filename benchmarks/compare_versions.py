"""Comparing a group of N versions behind the backend's per-request latency: the kit's versions DataFrame
against the naive loop (list, then describe each version and get each metrics file in sequence) and
against the round-trip floor (fewest requests the API allows / concurrency used)."""

from __future__ import annotations

import math
import time
from pathlib import Path

from .fixtures import GROUP, make_versions
from .harness import own_backend

WORKERS = 32


def naive_requests(n: int) -> int:
    """The naive loop's requests for ``n`` versions: the listing's pages, then a describe and a get per version."""
    return math.ceil(n / 100) + 2 * n


def naive(session) -> list[tuple]:
    from helpers import registry

    sm, s3 = session.client("sagemaker"), session.client("s3")
    rows = []
    for summary in registry.list_versions(sm, GROUP):
        desc = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        stats = registry.read_s3_json(s3, desc["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
        rows.append((desc["ModelPackageVersion"], desc["ModelApprovalStatus"], registry.metric_value(stats, "accuracy")))
    return rows


def bench_compare(tmp: Path, n: int, latency_ms: float, naive_from: dict | None = None) -> dict:
    """``naive_from``: a smaller size's row, to scale the naive loop's time from by request count
    (the loop's rows are still checked, without latency)."""
    from botocore.config import Config

    from helpers import aws, compare
    from helpers.kit import backend

    with own_backend(tmp / f"compare-{n}"):
        make_versions(n)
        backend.set_faults(latency_ms=latency_ms)
        session = aws.session()
        # Clients are built once per notebook session (~0.1-0.3 s each): build them before timing, so that
        # both sides are measured on their requests alone.
        import pandas  # noqa: F401 - the DataFrame's import, also once per notebook session

        session.client("sagemaker"), session.client("s3")
        session.client("s3", config=Config(max_pool_connections=max(WORKERS, 10)))
        start = time.perf_counter()
        frame = compare.versions_frame(session, GROUP, max_workers=WORKERS, progress=False)
        kit = time.perf_counter() - start
        kit_rows = [(v, r["approval"], r["accuracy"]) for v, r in frame.iterrows()]
        if naive_from is None:
            start = time.perf_counter()
            slow_rows = naive(session)
            slow = time.perf_counter() - start
        else:  # too long to wait for at this latency: the rows without latency, the time scaled by requests
            backend.set_faults(latency_ms=0)
            slow_rows = naive(session)
            slow = naive_from["naive_s"] * naive_requests(n) / naive_from["requests"]["naive"]
    pages = math.ceil(n / 100)
    floor = latency_ms / 1000 * math.ceil((pages + n) / WORKERS)  # every request, WORKERS at a time
    return {
        "versions": n, "latency_ms": latency_ms, "kit_s": round(kit, 2), "naive_s": round(slow, 2),
        "floor_s": round(floor, 2), "speedup_vs_naive": round(slow / kit, 1), "kit_vs_floor": round(kit / floor, 2),
        "same_rows": kit_rows == slow_rows,
        "requests": {"kit": pages + n, "naive": naive_requests(n)},
        "naive_extrapolated_from": naive_from["versions"] if naive_from else None,
    }
