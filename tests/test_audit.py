"""helpers.audit, the kit's own record of approvals: every change with its reason and caller, rollback,
the version approved at a given time, and no record lost to concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers import audit, aws, registry
from helpers.errors import WorkshopError
from support import BUCKET, make_group


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
