"""helpers.dashboard, the review widget of notebook 05: its buttons change the registry and the audit record.

The same dashboard in a real browser is ``test_browser.py``.
"""

from __future__ import annotations

import pytest

from helpers import audit, aws, registry
from support import BUCKET, make_group


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
