"""helpers.gate, the approval gate: each rule explained, and never a pass on metrics it could not read."""

from __future__ import annotations

import json

import pytest

from helpers import aws, compare, gate
from helpers.errors import WorkshopError
from support import BUCKET, SPEC, make_group


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
