"""helpers.compare against the tests' backend: the versions frame (one Search page per 100 versions, the same
rows as describing each), the comparison table and its styling, the chart, and ``python -m helpers versions``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import aws, compare, registry
from helpers.kit import backend
from support import REPO, make_group


def naive_rows(group: str) -> list[tuple]:
    """The slow way peers do it: list, then describe each version and get each metrics file in turn."""
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    rows = []
    for summary in registry.list_versions(sm, group):
        desc = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        stats = registry.read_s3_json(s3, desc["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
        rows.append((desc["ModelPackageVersion"], desc["ModelApprovalStatus"],
                     *(registry.metric_value(stats, m) for m in compare.METRIC_COLUMNS)))
    return rows


@pytest.mark.slow
def test_versions_frame_of_200_versions_uses_search_not_one_describe_each(clean_backend):
    make_group(200)
    before = backend.stats()["stats"]["by_operation"]
    frame = compare.versions_frame(aws.session(), "g", progress=False)
    after = backend.stats()["stats"]["by_operation"]
    calls = {op: after.get(op, 0) - before.get(op, 0) for op in after}
    assert calls.get("SageMaker.Search") == 2, calls  # 100 per page
    assert calls.get("SageMaker.DescribeModelPackage", 0) == 0
    assert list(frame.index) == list(range(1, 201))
    ours = [(v, r["approval"], *(r[m] for m in compare.METRIC_COLUMNS)) for v, r in frame.iterrows()]
    assert ours == naive_rows("g"), "the same rows as the naive loop"
    assert frame.loc[200, "model_name"] == "m200" and frame.loc[7, "max_depth"] == "4"


def test_comparison_styling_and_differences_only(clean_backend):
    make_group(3)
    frame = compare.versions_frame(aws.session(), "g")
    assert "dataset_version" not in compare.comparison_table(frame, [1, 3], differences_only=True).columns
    assert "accuracy" in compare.differing_columns(frame, [1, 3])
    html = compare.style_comparison(frame, [1, 2, 3]).to_html()
    assert "font-weight: bold" in html and "#fff9c4" in html  # best metric bold, pending coloured
    assert compare.metrics_side_by_side(frame, [1, 3]).loc["accuracy", "change"] == pytest.approx(0.002)


def test_chart_marks_the_approved_version(clean_backend):
    import matplotlib

    matplotlib.use("Agg")
    make_group(3)
    sm = aws.client("sagemaker")
    sm.update_model_package(ModelPackageArn=registry.describe_version(sm, "g/2")["ModelPackageArn"],
                            ModelApprovalStatus="Approved")
    frame = compare.versions_frame(aws.session(), "g")
    ax = compare.plot_metrics(frame)
    assert [t.get_text() for t in ax.texts] == ["approved: v2"]
    assert len(ax.lines) == len(compare.METRIC_COLUMNS) + 1  # five metrics and the approved marker


def test_versions_command_prints_the_table(clean_backend):
    make_group(2)
    out = subprocess.run([sys.executable, "-m", "helpers", "versions", "g", "--json"], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["version"], r["approval"], r["model_name"]) for r in rows] == [(1, "PendingManualApproval", "m1"), (2, "PendingManualApproval", "m2")]
    text = subprocess.run([sys.executable, "-m", "helpers", "versions", "g"], capture_output=True, text=True, cwd=REPO)
    assert "m2" in text.stdout and "accuracy" in text.stdout
