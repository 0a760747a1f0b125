"""Compare the versions of a group: one row per version with its metrics, training facts and status.

Everything comes from the live registry and the metrics JSONs in S3. One ``Search`` request per 100
versions (not one describe per version), and the metrics files fetched concurrently.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import registry
from .deployer import newest_approved_of
from .errors import error_code
from .kit import registry_checks
from .lifecycle import stage_of

METRIC_COLUMNS = ("accuracy", "precision", "recall", "f1", "auc")
INFO_COLUMNS = ("model_name", "created", "status", "approval", "approval_description", "stage", "metrics_error")
TRAINING_COLUMNS = ("dataset_version", "learning_rate", "max_depth", "n_estimators")
ARTIFACT_COLUMNS = ("artifact_sha256", "image", "artifact")
STATUS_COLOURS = {"Approved": "#c8e6c9", "Rejected": "#ffcdd2", "PendingManualApproval": "#fff9c4"}
PROGRESS_THRESHOLD = 50  # show a progress bar from this many versions on


def _read_metrics(s3, uri: str | None) -> tuple[dict, str | None]:
    """A version's statistics and, if they could not be read, why (None when read, or none attached).

    "No metrics attached" is not an error: the cells stay empty and the gate says so. Anything else
    (the file missing, access denied, throttling after the retries, not JSON) is reported, never blank.
    """
    if not uri:
        return {}, None
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return registry.read_s3_json(s3, uri), None
    except ClientError as err:
        code = error_code(err) or "error"
        if code in ("NoSuchKey", "404", "NoSuchBucket"):
            return {}, f"metrics file missing: {uri}"
        return {}, f"metrics file unreadable ({code}): {uri}"
    except ValueError:
        return {}, f"metrics file is not valid JSON: {uri}"
    except BotoCoreError as err:
        return {}, f"metrics file unreadable ({type(err).__name__}): {uri}"


def _collect(futures: list, progress: bool | None) -> list[dict]:
    show = len(futures) >= PROGRESS_THRESHOLD if progress is None else progress
    if show:
        from concurrent.futures import as_completed

        from tqdm.auto import tqdm

        for _ in tqdm(as_completed(futures), total=len(futures), desc="metrics files", unit="file"):
            pass
    return [f.result() for f in futures]


def search_with_metrics(sm, s3, group: str, max_workers: int = 32, progress: bool | None = None):
    """Every version's description with its (metrics, error) pair, by version.

    The metrics files of a page of ``Search`` results are fetched while the next page is asked for,
    so the gets overlap the paging instead of waiting for the last page.
    """
    descs, futures = [], []
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for page in registry.search_pages(sm, group):
            for desc in page:
                descs.append(desc)
                futures.append(pool.submit(_read_metrics, s3, registry.metrics_uri(desc)))
        stats = _collect(futures, progress)
    pairs = sorted(zip(descs, stats), key=lambda pair: pair[0].get("ModelPackageVersion", 0))
    return [d for d, _ in pairs], [m for _, m in pairs]


def versions_frame(session, group: str, max_workers: int = 32, progress: bool | None = None):
    """A pandas DataFrame indexed by version number, from the live registry.

    Columns: model_name, created, status, approval, approval_description, stage (``Stage/StageStatus``),
    metrics_error (why the metrics could not be read, or None), each metric, dataset_version, learning_rate, max_depth,
    n_estimators, artifact_sha256, image, artifact. Empty if the group has no versions; WorkshopError
    if the group name is invalid.
    """
    import pandas as pd

    from botocore.config import Config

    registry_checks.check_group_name(group)
    sm = session.client("sagemaker")
    s3 = session.client("s3", config=Config(max_pool_connections=max(max_workers, 10)))
    descs, results = search_with_metrics(sm, s3, group, max_workers, progress)
    rows: list[dict[str, Any]] = []
    for desc, (stat, error) in zip(descs, results):
        meta = desc.get("CustomerMetadataProperties", {})
        container = desc.get("InferenceSpecification", {}).get("Containers", [{}])[0]
        row: dict[str, Any] = {
            "version": desc["ModelPackageVersion"],
            "model_name": meta.get("model_name", ""),
            "created": desc.get("CreationTime"),
            "status": desc.get("ModelPackageStatus"),
            "approval": desc.get("ModelApprovalStatus"),
            "approval_description": desc.get("ApprovalDescription", ""),
            "stage": stage_of(desc),
            "metrics_error": error,
        }
        for name in METRIC_COLUMNS:
            row[name] = registry.metric_value(stat, name)
        for key in TRAINING_COLUMNS + ("artifact_sha256",):
            row[key] = meta.get(key)
        row["image"] = container.get("Image")
        row["artifact"] = container.get("ModelDataUrl")
        rows.append(row)
    columns = ["version", *INFO_COLUMNS, *METRIC_COLUMNS, *TRAINING_COLUMNS, *ARTIFACT_COLUMNS]
    return pd.DataFrame(rows, columns=columns).set_index("version")


def metrics_side_by_side(frame, versions: list[int] | None = None):
    """Metrics as rows and versions as columns, plus the change from the first to the last version."""
    table = frame.loc[versions or list(frame.index), list(METRIC_COLUMNS)].T
    table.columns = [f"v{v}" for v in table.columns]
    if table.shape[1] >= 2:
        table["change"] = table.iloc[:, -1] - table.iloc[:, 0]
    return table


def differing_columns(frame, versions: list[int] | None = None) -> list[str]:
    """The columns whose values are not all equal across ``versions`` (all versions if None)."""
    sub = frame.loc[versions] if versions else frame
    return [c for c in sub.columns if sub[c].astype(str).nunique(dropna=False) > 1]


def comparison_table(frame, versions: list[int] | None = None, differences_only: bool = False):
    """The chosen versions as a table for review (without sha/image/artifact unless they differ)."""
    sub = frame.loc[versions] if versions else frame
    columns = [c for c in sub.columns if c not in ARTIFACT_COLUMNS and c not in ("created", "status")]
    if "metrics_error" in columns and sub["metrics_error"].isna().all():
        columns.remove("metrics_error")  # shown only when some version's metrics could not be read
    if differences_only:
        keep = set(differing_columns(sub))
        columns = [c for c in columns if c in keep]
    return sub[columns]


def _colour(status) -> str:
    return f"background-color: {STATUS_COLOURS.get(status, 'white')}"


def style_comparison(frame, versions: list[int] | None = None, differences_only: bool = False):
    """A pandas Styler, one row per version: best value of each metric in bold green, approval statuses coloured,
    approval reasons wrapped in full."""
    from .kit.tables import table as styled_table

    table = comparison_table(frame, versions, differences_only)
    metrics = [c for c in METRIC_COLUMNS if c in table.columns]
    styler = styled_table(table, wrap=["approval_description"])
    if metrics and len(table) > 1:
        styler = styler.highlight_max(subset=metrics, props="font-weight: bold; color: #1b5e20")
    if metrics:
        styler = styler.format({m: "{:.4f}" for m in metrics}, na_rep="")
    if "approval" in table.columns:
        styler = styler.map(_colour, subset=["approval"])
    return styler


def style_side_by_side(frame, versions: list[int] | None = None, differences_only: bool = False):
    """The comparison turned on its side for a narrow box (the dashboard): one column per version, one row per field.

    A handful of versions fits 1280 px with JupyterLab's file browser open, however many fields there are; the
    best value of each metric is bold green, approval statuses are coloured, reasons wrap in full.
    """
    import pandas as pd

    from .kit.tables import WRAP, table as styled_table

    sideways = comparison_table(frame, versions, differences_only).T
    sideways.columns = [f"v{v}" for v in sideways.columns]
    sideways = sideways.astype(object).where(sideways.notna(), "")
    metrics = [m for m in METRIC_COLUMNS if m in sideways.index]
    styler = styled_table(sideways)
    if metrics:
        styler = styler.format("{:.4f}", subset=pd.IndexSlice[metrics, :], na_rep="")
        if sideways.shape[1] > 1:
            def best(row):
                values = pd.to_numeric(row, errors="coerce")
                return ["font-weight: bold; color: #1b5e20" if v == values.max() else "" for v in values]

            styler = styler.apply(best, axis=1, subset=pd.IndexSlice[metrics, :])
    if "approval" in sideways.index:
        styler = styler.map(_colour, subset=pd.IndexSlice[["approval"], :])
    if "approval_description" in sideways.index:
        styler = styler.set_properties(subset=pd.IndexSlice[["approval_description"], :],
                                       **{**WRAP, "min-width": "8em", "max-width": "20em"})
    return styler


def status_table(frame):
    """Each version's approval status (coloured), the reason on record in full, and its stage: what 05 and 06 show."""
    from .kit.tables import table as styled_table

    columns = [c for c in ("model_name", "approval", "approval_description", "stage") if c in frame.columns]
    return styled_table(frame[columns], wrap=["approval_description"]).map(_colour, subset=["approval"])


def plot_metrics(frame, versions: list[int] | None = None, ax=None):
    """Each metric across versions (one line per metric), the version deployments take (newest approved) marked."""
    import matplotlib.pyplot as plt

    sub = frame.loc[versions] if versions else frame
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    xs = list(sub.index)
    for metric in METRIC_COLUMNS:
        ax.plot(xs, sub[metric].astype(float), marker="o", label=metric)
    newest = newest_approved_of({"ModelPackageVersion": int(v), "ModelApprovalStatus": a} for v, a in frame["approval"].items())
    approved = newest["ModelPackageVersion"] if newest else None
    if approved is not None and approved in xs:
        ax.axvline(approved, color="#2e7d32", linestyle="--", linewidth=1.5)
        # The label sits in a band added above the highest point, beside the marker: never on a data point.
        low, high = ax.get_ylim()
        ax.set_yticks([t for t in ax.get_yticks() if low <= t <= high])  # no score ticks in the label's band
        ax.set_ylim(low, high + (high - low) * 0.25)
        last = approved == xs[-1]  # then the label goes left of the marker, not over the legend beside the axes
        ax.annotate(f"approved: v{approved}", (approved, 1.0), xycoords=("data", "axes fraction"), xytext=(-4 if last else 4, -4),
                    textcoords="offset points", ha="right" if last else "left", va="top", color="#2e7d32", fontsize="small")
    ax.set_xticks(xs)
    ax.set_xticklabels([f"v{x}" for x in xs])
    ax.set_xlabel("version")
    ax.set_ylabel("hold-out score")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    ax.set_title("Model quality per version")
    return ax


def versions_table(session, group: str):
    """The spec's versions table from the live registry: a pandas DataFrame, one row per version.

    Columns: Version, Model name, Accuracy (from the model-quality JSON in S3), Status, Approval.
    """
    frame = versions_frame(session, group, progress=False)
    table = frame[["model_name", "accuracy", "status", "approval"]].rename(
        columns={"model_name": "Model name", "accuracy": "Accuracy", "status": "Status", "approval": "Approval"})
    table.index.name = "Version"
    return table
