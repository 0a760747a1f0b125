"""Compare the versions of a group: one row per version with its metrics, training facts and status.

Everything comes from the live registry and the metrics JSONs in S3, never from a notebook's memory.
"""

from __future__ import annotations

from typing import Any

from . import registry

METRIC_COLUMNS = ("accuracy", "precision", "recall", "f1", "auc")


def versions_frame(session, group: str):
    """A pandas DataFrame indexed by version number.

    Columns: model_name, created, approval, approval_description, each metric, dataset_version,
    learning_rate, max_depth, n_estimators, artifact_sha256, image, artifact.
    """
    import pandas as pd

    sm, s3 = session.client("sagemaker"), session.client("s3")
    rows: list[dict[str, Any]] = []
    for desc in registry.describe_versions(sm, group):
        meta = desc.get("CustomerMetadataProperties", {})
        container = desc.get("InferenceSpecification", {}).get("Containers", [{}])[0]
        row: dict[str, Any] = {
            "version": desc["ModelPackageVersion"],
            "model_name": meta.get("model_name", ""),
            "created": desc.get("CreationTime"),
            "approval": desc.get("ModelApprovalStatus"),
            "approval_description": desc.get("ApprovalDescription", ""),
        }
        uri = desc.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")
        stats = registry.read_s3_json(s3, uri) if uri else {}
        for name in METRIC_COLUMNS:
            row[name] = registry.metric_value(stats, name)
        for key in ("dataset_version", "learning_rate", "max_depth", "n_estimators", "artifact_sha256"):
            row[key] = meta.get(key)
        row["image"] = container.get("Image")
        row["artifact"] = container.get("ModelDataUrl")
        rows.append(row)
    return pd.DataFrame(rows).set_index("version") if rows else pd.DataFrame()


def metrics_side_by_side(frame, versions: list[int] | None = None):
    """Metrics as rows and versions as columns, plus the change from the first to the last version."""
    table = frame.loc[versions or list(frame.index), list(METRIC_COLUMNS)].T
    table.columns = [f"v{v}" for v in table.columns]
    if table.shape[1] >= 2:
        table["change"] = table.iloc[:, -1] - table.iloc[:, 0]
    return table


def plot_metrics(frame, ax=None):
    """A grouped bar chart of every metric per version; approved versions are marked in the legend."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / max(len(frame), 1)
    for i, (version, row) in enumerate(frame.iterrows()):
        xs = [m + i * width for m in range(len(METRIC_COLUMNS))]
        label = f"v{version} ({row['approval']})"
        ax.bar(xs, [row[m] for m in METRIC_COLUMNS], width, label=label,
               hatch="//" if row["approval"] == "Approved" else None, edgecolor="black")
    ax.set_xticks([m + width * (len(frame) - 1) / 2 for m in range(len(METRIC_COLUMNS))])
    ax.set_xticklabels(METRIC_COLUMNS)
    low = min(float(frame[list(METRIC_COLUMNS)].min().min()), 0.9)
    ax.set_ylim(low - 0.02, 1.0)
    ax.set_ylabel("hold-out score")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title("Model quality per version")
    return ax
