"""Comparing versions, the approval gate, the audit history and the dashboard, against the tests' backend."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import audit, aws, compare, gate, registry
from helpers.kit import backend
from helpers.model import artifacts
from helpers.setup import s3_bucket
from helpers.errors import WorkshopError

REPO = Path(__file__).resolve().parent.parent
BUCKET = "ml-pipeline-bucket"
SPEC = {"Containers": [{"Image": "example/image:1", "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def make_group(n: int, group: str = "g") -> None:
    """``n`` versions, each with its own model-quality JSON in S3 (accuracy rising with the version)."""
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    s3_bucket.ensure_bucket(s3, BUCKET, "us-east-1")
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=artifacts.tarball_bytes(b"{}"))
    sm.create_model_package_group(ModelPackageGroupName=group)
    for i in range(1, n + 1):
        key = f"metrics/{group}/{i}.json"
        doc = {"binary_classification_metrics": {m: {"value": round(0.8 + i / 1000 + k / 100, 4), "standard_deviation": 0.01}
                                                  for k, m in enumerate(compare.METRIC_COLUMNS)}}
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(doc).encode(), ContentType="application/json")
        sm.create_model_package(
            ModelPackageGroupName=group, InferenceSpecification=SPEC, ModelApprovalStatus="PendingManualApproval",
            ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": f"s3://{BUCKET}/{key}"}}},
            CustomerMetadataProperties={"model_name": f"m{i}", "dataset_version": "v1.0", "max_depth": str(3 + i % 2)},
        )


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


def test_gate_explains_each_rule():
    import pandas as pd

    approved = pd.Series({"accuracy": 0.96, "recall": 0.97, "auc": 0.99})
    candidate = pd.Series({"accuracy": 0.96, "recall": 0.93, "auc": 0.998})
    decision = gate.evaluate(candidate, approved)
    assert not decision.approve
    assert decision.summary() == "do not approve: recall must not drop failed (dropped by 0.0400)"
    assert decision.table["passed"].tolist() == [True, False, True]
    assert gate.evaluate(candidate, approved, [gate.Rule("auc", max_drop=0.0)]).approve
    assert gate.evaluate(candidate, None, [gate.Rule("auc", minimum=0.999)]).approve is False
    with pytest.raises(WorkshopError, match="names no metric"):
        gate.evaluate(candidate, approved, [gate.Rule("speed", max_drop=0)])


def test_the_gate_never_passes_metrics_it_could_not_read(clean_backend):
    """Missing, unreadable (AccessDenied through a bucket policy), malformed and absent metrics: each is a
    visible per-version error in the versions frame and a failed rule with its reason in the gate."""
    make_group(5)
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    s3.delete_object(Bucket=BUCKET, Key="metrics/g/2.json")
    s3.put_object(Bucket=BUCKET, Key="metrics/g/3.json", Body=b'{"binary_classification_metrics": {"accuracy": ')
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/metrics/g/4.json"}]}))
    arn5 = sm.list_model_packages(ModelPackageGroupName="g", SortOrder="Descending")["ModelPackageSummaryList"][0]["ModelPackageArn"]
    sm.delete_model_package(ModelPackageName=arn5)  # version 6 gets no metrics at all
    sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)
    frame = compare.versions_frame(aws.session(), "g", progress=False)
    errors = frame["metrics_error"].to_dict()
    assert list(frame.index[frame["metrics_error"].isna()]) == [1, 6], "read, or no metrics attached: no error"
    assert errors[2] == f"metrics file missing: s3://{BUCKET}/metrics/g/2.json"
    assert errors[3] == f"metrics file is not valid JSON: s3://{BUCKET}/metrics/g/3.json"
    assert errors[4] == f"metrics file unreadable (AccessDenied): s3://{BUCKET}/metrics/g/4.json"
    assert "metrics_error" in compare.comparison_table(frame).columns, "the errors are shown"
    assert "metrics_error" not in compare.comparison_table(frame, [1]).columns, "and hidden when there are none"

    for version, reason in ((2, "metrics file missing"), (3, "not valid JSON"), (4, "AccessDenied"),
                            (6, "no metrics attached")):
        decision = gate.evaluate(frame.loc[version], frame.loc[1])
        assert not decision.approve, version
        assert not decision.table["passed"].any()
        assert all(reason in r for r in decision.table["reason"]), decision.table
    reverse = gate.evaluate(frame.loc[1], frame.loc[2], [gate.Rule("accuracy", max_drop=0.0)])
    assert not reverse.approve and "approved version: metrics file missing" in reverse.summary()
    print(gate.evaluate(frame.loc[2], frame.loc[1]).table.to_string())


def test_audit_history_rollback_and_approved_at(clean_backend):
    make_group(3)
    session = aws.session()
    with pytest.raises(WorkshopError, match="needs a reason"):
        audit.change_status(session, BUCKET, "g", 1, "Approved", "  ")
    first = audit.change_status(session, BUCKET, "g", 1, "Approved", "baseline")
    second = audit.change_status(session, BUCKET, "g", 3, "Approved", "better")
    assert second["from"] == "PendingManualApproval" and second["who"].startswith("arn:aws:sts::123456789012:")
    rejected, restored = audit.rollback(session, BUCKET, "g", "v3 misbehaves")
    assert (rejected, restored) == (3, 1)
    recs = audit.records(aws.client("s3"), BUCKET, "g")
    assert [(r["version"], r["to"]) for r in recs] == [(1, "Approved"), (3, "Approved"), (1, "Approved"), (3, "Rejected")]
    assert audit.approved_at(recs, first["when"]) == 1
    assert audit.approved_at(recs, second["when"]) == 3
    assert audit.approved_at(recs, recs[-1]["when"]) == 1
    assert audit.approved_at(recs, "2000-01-01T00:00:00+00:00") is None
    desc = registry.describe_version(aws.client("sagemaker"), "g/3")
    assert desc["ModelApprovalStatus"] == "Rejected" and desc["ApprovalDescription"] == "Rolled back to v1: v3 misbehaves"


def test_concurrent_changes_keep_a_complete_history(clean_backend):
    make_group(8)
    session = aws.session()

    def approve(version: int):
        return audit.change_status(session, BUCKET, "g", version, "Approved", f"ok {version}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(approve, range(1, 9)))
    recs = audit.records(aws.client("s3"), BUCKET, "g")
    assert sorted(r["version"] for r in recs) == list(range(1, 9)), "no record lost to a concurrent write"
    assert all(d["ModelApprovalStatus"] == "Approved" for d in registry.describe_versions(aws.client("sagemaker"), "g"))


def test_dashboard_buttons_change_the_registry_and_the_history(clean_backend):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    from helpers.dashboard import dashboard

    make_group(2)
    board = dashboard(aws.session(), BUCKET, "g")
    assert board.versions.value == (1, 2) and board.target.value == 1  # first pending version
    board.approve.click()
    assert "Nothing changed: write a comment" in board.status.value
    assert registry.describe_version(aws.client("sagemaker"), "g/1")["ModelApprovalStatus"] == "PendingManualApproval"
    board.comment.value = "reviewed"
    board.approve.click()
    assert "v1: PendingManualApproval → Approved" in board.status.value
    board.target.value, board.comment.value = 2, "better auc"
    board.approve.click()
    board.comment.value = "recall dropped"
    board.rollback.click()
    assert "v2 rejected, v1 approved again" in board.status.value
    statuses = [d["ModelApprovalStatus"] for d in registry.describe_versions(aws.client("sagemaker"), "g")]
    assert statuses == ["Approved", "Rejected"]
    assert [r["to"] for r in audit.records(aws.client("s3"), BUCKET, "g")] == ["Approved", "Approved", "Approved", "Rejected"]
    assert board.versions.options == (("v1 (Approved)", 1), ("v2 (Rejected)", 2))
    board.versions.value = (2,)
    board.diff_only.value = True  # redraws without error


def test_versions_command_prints_the_table(clean_backend):
    make_group(2)
    out = subprocess.run([sys.executable, "-m", "helpers", "versions", "g", "--json"], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["version"], r["approval"], r["model_name"]) for r in rows] == [(1, "PendingManualApproval", "m1"), (2, "PendingManualApproval", "m2")]
    text = subprocess.run([sys.executable, "-m", "helpers", "versions", "g"], capture_output=True, text=True, cwd=REPO)
    assert "m2" in text.stdout and "accuracy" in text.stdout
