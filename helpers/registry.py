"""Reading and writing the Model Registry: groups, versions and the summary table.

The notebooks make the calls they teach as plain boto3; these functions are the same calls
packaged for pipelines and for ``make workshop``'s closing table.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import WorkshopError


def list_groups(sm) -> list[dict[str, Any]]:
    """Every model package group (all pages), oldest first."""
    groups: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_model_package_groups").paginate():
        groups.extend(page["ModelPackageGroupSummaryList"])
    return sorted(groups, key=lambda g: g["CreationTime"])


def list_versions(sm, group: str) -> list[dict[str, Any]]:
    """Summaries of every version in ``group`` (all pages), by version number."""
    versions: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group):
        versions.extend(page["ModelPackageSummaryList"])
    return sorted(versions, key=lambda v: v.get("ModelPackageVersion", 0))


def read_s3_json(s3, uri: str) -> Any:
    """The JSON document at ``s3://bucket/key``."""
    if not uri.startswith("s3://"):
        raise WorkshopError(f"{uri!r} is not an S3 URI: it must start with s3://bucket/.")
    bucket, _, key = uri[5:].partition("/")
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def metric_value(statistics: dict[str, Any], name: str) -> float | None:
    """``name``'s value from a model-quality statistics document, or None."""
    for section in statistics.values():
        if isinstance(section, dict) and isinstance(section.get(name), dict):
            return section[name].get("value")
    return None


def summary_rows(session) -> list[dict[str, Any]]:
    """One row per version in every group: group, version, description, accuracy, approval."""
    sm, s3 = session.client("sagemaker"), session.client("s3")
    rows = []
    for group in list_groups(sm):
        name = group["ModelPackageGroupName"]
        versions = list_versions(sm, name)
        if not versions:
            rows.append({"group": name, "version": None, "description": "(no versions)", "accuracy": None,
                         "status": None, "approval": None})
        for summary in versions:
            desc = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
            stats_uri = (
                desc.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
            )
            accuracy = None
            if stats_uri:
                try:
                    accuracy = metric_value(read_s3_json(s3, stats_uri), "accuracy")
                except Exception:  # noqa: BLE001 - a missing metrics file shows as a blank cell
                    accuracy = None
            rows.append(
                {
                    "group": name,
                    "version": desc.get("ModelPackageVersion"),
                    "description": desc.get("ModelPackageDescription", ""),
                    "accuracy": accuracy,
                    "status": desc.get("ModelPackageStatus"),
                    "approval": desc.get("ModelApprovalStatus"),
                }
            )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table for terminals."""
    headers = ["group", "version", "description", "accuracy", "status", "approval"]
    cells = [
        [
            str(r["group"]),
            "" if r["version"] is None else str(r["version"]),
            str(r["description"] or ""),
            "" if r["accuracy"] is None else f"{r['accuracy']:.4f}",
            str(r["status"] or ""),
            str(r["approval"] or ""),
        ]
        for r in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(c) for c in cells] or ["(the registry holds no model package groups)"]
    return "\n".join(out)
