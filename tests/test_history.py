"""helpers.history, the registry's own history: every registration, approval and stage change with from
and to, read from the events kept in CloudWatch Logs, whoever made the change; the kit's reviewer added.

Sources for what the service does: an event for every change of a version, lifecycle included (developer
guide, "Get event notifications for ModelLifeCycle" and "Model package state change",
``UpdatedModelPackageFields``). The history's entries are the kit's own choices; these tests pin them.
"""

from __future__ import annotations

import pytest

from helpers import audit, aws, history, lifecycle
from helpers.kit import aws_cli
from helpers.model import artifacts
from helpers.errors import NotReadyError
from support import BUCKET
from support import STAGE_GROUP as GROUP
from support import approve, stages


def test_the_history_holds_every_approval_and_stage_change_with_from_and_to(recorded_group):
    """Registration, approval and stage entries, derived from the events kept in CloudWatch Logs."""
    session, sm, (a1, a2, _) = recorded_group
    approve(sm, a1)
    lifecycle.set_stage(sm, a1, "Production", "Approved", "live")
    sm.update_model_package(ModelPackageArn=a2, CustomerMetadataProperties={"note": "metadata only"})
    found = history.entries(session, GROUP)
    moves = [(e["version"], e["change"], e["from"], e["to"], e["reason"]) for e in found]
    assert moves == [
        (1, "registered", None, "PendingManualApproval", None), (1, "stage", None, "Development/InProgress", "new"),
        (2, "registered", None, "PendingManualApproval", None), (2, "stage", None, "Development/InProgress", "new"),
        (3, "registered", None, "PendingManualApproval", None), (3, "stage", None, "Development/InProgress", "new"),
        (1, "approval", "PendingManualApproval", "Approved", "reviewed"),
        (1, "stage", "Development/InProgress", "Production/Approved", "live"),
    ], "a metadata-only update is no entry"
    assert [e["when"] for e in found] == sorted(e["when"] for e in found)
    assert all(e["by"] == found[0]["by"] and e["by"].startswith("arn:aws:") for e in found)


def test_a_change_made_with_the_bare_aws_cli_is_in_the_history(recorded_group):
    """Whoever makes the change: here the `aws` program, not the kit."""
    session, _, (a1, _, _) = recorded_group
    aws_cli.run("sagemaker", "update-model-package", "--model-package-arn", a1, "--model-approval-status", "Rejected",
                "--approval-description", "refused from a terminal", show=False)
    (entry,) = [e for e in history.entries(session, GROUP) if e["change"] == "approval"]
    assert (entry["version"], entry["from"], entry["to"], entry["reason"], entry["via"]) == (
        1, "PendingManualApproval", "Rejected", "refused from a terminal", "registry event")


def test_duplicate_events_give_one_entry_and_a_new_reason_for_the_same_status_gives_another():
    def event(when, status, reason, fields=("ModelApprovalStatus",)):
        return {"_when": when, "detail": {"ModelPackageVersion": 1, "ModelApprovalStatus": status,
                                          "ApprovalDescription": reason, "UpdatedModelPackageFields": list(fields)}}

    registered = {"_when": "2026-01-01T00:00:00.000+00:00",
                  "detail": {"ModelPackageVersion": 1, "ModelApprovalStatus": "PendingManualApproval"}}
    approved = event("2026-01-01T00:00:01.000+00:00", "Approved", "ok")
    found = history.from_events([registered, approved, {**approved, "_when": "2026-01-01T00:00:02.000+00:00"},
                                 event("2026-01-01T00:00:03.000+00:00", "Approved", "re-approved", ["ApprovalDescription"])])
    assert [(e["change"], e["from"], e["to"], e["reason"]) for e in found] == [
        ("registered", None, "PendingManualApproval", None), ("approval", "PendingManualApproval", "Approved", "ok"),
        ("approval", "Approved", "Approved", "re-approved")]


def test_the_kits_changes_carry_its_reviewer_and_the_stages_follow(recorded_group):
    session, sm, _ = recorded_group
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=artifacts.tarball_bytes(b"{}"))  # checked before approving
    audit.change_status(session, BUCKET, GROUP, 1, "Approved", "baseline", reviewer="Ada")
    record = audit.change_status(session, BUCKET, GROUP, 2, "Approved", "better AUC", reviewer="Ada")
    assert record["stages"] == [(1, "Production/Approved", "Archived/Retired"), (2, "Development/InProgress", "Production/Approved")]
    rejected, restored = audit.rollback(session, BUCKET, GROUP, "missed cases", reviewer="Grace")
    assert (rejected, restored) == (2, 1)
    assert stages(sm) == {1: "Production/Approved", 2: "Archived/Rejected", 3: "Development/InProgress"}
    found = history.entries(session, GROUP, audit.records(s3, BUCKET, GROUP))
    approvals = [(e["version"], e["to"], e["reviewer"], e["via"]) for e in found if e["change"] == "approval"]
    assert approvals == [(1, "Approved", "Ada", "kit"), (2, "Approved", "Ada", "kit"),
                         (1, "Approved", "Grace", "kit"), (2, "Rejected", "Grace", "kit")]
    before_rollback = [e["when"] for e in found if e["change"] == "approval"][2]
    earlier = max(e["when"] for e in found if e["when"] < before_rollback)
    assert audit.approved_at(found, earlier) == 2 and audit.approved_at(found, found[-1]["when"]) == 1


def test_without_the_record_the_history_says_which_notebook_sets_it_up(clean_backend):
    session = aws.session()
    session.client("sagemaker").create_model_package_group(ModelPackageGroupName="unrecorded")
    with pytest.raises(NotReadyError, match="run 01_create_model_package_group .* first"):
        history.entries(session, "unrecorded")


def test_unsubscribing_removes_the_rule_the_log_policy_and_the_log_group(recorded_group):
    session, _, _ = recorded_group
    assert history.unsubscribe(session, GROUP) == [f"rule {GROUP}-history", f"log policy {GROUP}-history",
                                                   f"log group /aws/events/model-registry/{GROUP}"]
    assert history.unsubscribe(session, GROUP) == [], "a second run finds nothing to delete"
    assert session.client("logs").describe_log_groups()["logGroups"] == []
