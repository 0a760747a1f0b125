"""The whole registry as one table: the closing table of ``make workshop`` and ``python -m helpers registry``."""

from __future__ import annotations

from typing import Any

from .compare import search_with_metrics
from .lifecycle import stage_of
from .registry import list_groups, metric_value


def summary_rows(session) -> list[dict[str, Any]]:
    """One row per version in every group: group, version, description, accuracy, status, approval, stage."""
    sm, s3 = session.client("sagemaker"), session.client("s3")
    rows = []
    for group in list_groups(sm):
        name = group["ModelPackageGroupName"]
        descs, metrics = search_with_metrics(sm, s3, name, progress=False)
        if not descs:
            rows.append({"group": name, "version": None, "description": "(no versions)", "accuracy": None,
                         "status": None, "approval": None, "stage": None})
        for desc, (stats, _error) in zip(descs, metrics):
            stage = stage_of(desc)
            rows.append(
                {
                    "group": name,
                    "version": desc.get("ModelPackageVersion"),
                    "description": desc.get("ModelPackageDescription", ""),
                    "accuracy": metric_value(stats, "accuracy"),
                    "status": desc.get("ModelPackageStatus"),
                    "approval": desc.get("ModelApprovalStatus"),
                    "stage": None if stage == "-" else stage,
                }
            )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table for terminals."""
    headers = ["group", "version", "description", "accuracy", "status", "approval", "stage"]
    cells = [
        [
            str(r["group"]),
            "" if r["version"] is None else str(r["version"]),
            str(r["description"] or ""),
            "" if r["accuracy"] is None else f"{r['accuracy']:.4f}",
            str(r["status"] or ""),
            str(r["approval"] or ""),
            str(r.get("stage") or ""),
        ]
        for r in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(c) for c in cells] or ["(the registry holds no model package groups)"]
    return "\n".join(out)
