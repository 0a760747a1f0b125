"""Lifecycle stages, the registry's own history, the model card and the Studio links, against the tests' backend.

Sources for what the service does:
- ``ModelLifeCycle`` (Stage, StageStatus, StageDescription) on CreateModelPackage / UpdateModelPackage, and
  ``Search`` filtering on ``ModelLifeCycle.Stage``: botocore's SageMaker model (``ModelLifeCycle`` shape) and the
  developer guide, "Invoke ModelLifeCycle using the AWS CLI examples".
- An event for every change of a version, lifecycle included: developer guide, "Get event notifications for
  ModelLifeCycle" and "Model package state change" (``UpdatedModelPackageFields``).
- ``ModelCard`` on the package, statuses Draft/PendingReview/Approved/Archived: botocore's
  ``ModelPackageModelCard`` shape and its documentation.
The stage names, "the newest approved version is the one in Production" and the history's entries are the
kit's own choices; these tests pin them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import audit, aws, history, lifecycle, model_card, registry
from helpers.aws_mode import studio_links
from helpers.kit import aws_cli
from helpers.model import artifacts
from helpers.errors import NotReadyError, WorkshopError

GROUP, BUCKET = "stage-group", "ml-pipeline-bucket"
SPEC = {"Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                        "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}]}


@pytest.fixture
def group(clean_backend):
    """A group whose changes are recorded (as notebook 01 sets up), with three versions in Development."""
    session = aws.session()
    sm = session.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName=GROUP)
    history.subscribe(session, GROUP)
    arns = [sm.create_model_package(ModelPackageGroupName=GROUP, InferenceSpecification=SPEC,
                                    ModelApprovalStatus="PendingManualApproval",
                                    ModelLifeCycle={**lifecycle.DEVELOPMENT, "StageDescription": "new"})["ModelPackageArn"]
            for _ in range(3)]
    return session, sm, arns


def stages(sm) -> dict[int, str]:
    return {d["ModelPackageVersion"]: lifecycle.stage_of(d) for d in registry.describe_versions(sm, GROUP)}


def approve(sm, arn: str, status: str = "Approved", reason: str = "reviewed") -> None:
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status, ApprovalDescription=reason)


def test_search_by_stage_finds_exactly_the_versions_in_that_stage(group):
    """Search filters on ModelLifeCycle.Stage and .StageStatus (developer guide's CLI example)."""
    _, sm, (a1, a2, a3) = group
    lifecycle.set_stage(sm, a2, "Staging", "PendingApproval", "review opened")
    lifecycle.set_stage(sm, a3, "Staging", "OnHold", "waiting for data")
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Staging")] == [2, 3]
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Staging", "OnHold")] == [3]
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Development")] == [1]
    assert lifecycle.in_stage(sm, GROUP, "Production") == []


def test_the_newest_approved_version_is_the_one_in_production_and_the_one_it_replaces_is_archived(group):
    _, sm, (a1, a2, _) = group
    approve(sm, a1)
    assert lifecycle.follow_approvals(sm, GROUP, "v1 approved") == [(1, "Development/InProgress", "Production/Approved")]
    approve(sm, a2)
    assert lifecycle.follow_approvals(sm, GROUP, "v2 approved") == [
        (1, "Production/Approved", "Archived/Retired"), (2, "Development/InProgress", "Production/Approved")]
    assert lifecycle.follow_approvals(sm, GROUP, "again") == [], "nothing moves when the stages already follow"
    approve(sm, a2, "Rejected", "withdrawn")
    lifecycle.follow_approvals(sm, GROUP, "v2 rejected")
    assert stages(sm) == {1: "Production/Approved", 2: "Archived/Rejected", 3: "Development/InProgress"}
    assert sm.describe_model_package(ModelPackageName=a1)["ModelLifeCycle"]["StageDescription"] == "v2 rejected"


def test_an_unknown_stage_is_refused_before_anything_is_sent(group):
    _, sm, (a1, _, _) = group
    with pytest.raises(WorkshopError, match="'Prod' is not one of the workshop's stages"):
        lifecycle.set_stage(sm, a1, "Prod", "Approved", "typo")
    assert stages(sm)[1] == "Development/InProgress"


def test_the_history_holds_every_approval_and_stage_change_with_from_and_to(group):
    """Registration, approval and stage entries, derived from the events kept in CloudWatch Logs."""
    session, sm, (a1, a2, _) = group
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


def test_a_change_made_with_the_bare_aws_cli_is_in_the_history(group):
    """Whoever makes the change: here the `aws` program, not the kit."""
    session, _, (a1, _, _) = group
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


def test_the_kits_changes_carry_its_reviewer_and_the_stages_follow(group):
    session, sm, _ = group
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


def test_unsubscribing_removes_the_rule_the_log_policy_and_the_log_group(group):
    session, _, _ = group
    assert history.unsubscribe(session, GROUP) == [f"rule {GROUP}-history", f"log policy {GROUP}-history",
                                                   f"log group /aws/events/model-registry/{GROUP}"]
    assert history.unsubscribe(session, GROUP) == [], "a second run finds nothing to delete"
    assert session.client("logs").describe_log_groups()["logGroups"] == []


def test_the_model_card_comes_from_the_data_card_the_version_and_its_metrics(group):
    session, sm, (a1, _, _) = group
    package = sm.describe_model_package(ModelPackageName=a1)
    statistics = {"binary_classification_metrics": {"recall": {"value": 0.97, "standard_deviation": 0.01},
                                                    "confusion_matrix": {"0": {"0": 70}}}}
    card = model_card.content(package, statistics)
    readme = (Path(__file__).resolve().parent.parent / "data" / "README.md").read_text()
    assert "W. H. Wolberg" in readme and "W. H. Wolberg" in card["training_details"]["training_observations"]
    assert card["model_overview"]["model_artifact"] == [f"s3://{BUCKET}/model/model.tar.gz"]
    assert card["evaluation_details"][0]["metric_groups"][0]["metric_data"] == [{"name": "recall", "type": "number", "value": 0.97}]
    assert model_card.attach(sm, a1, card)["status"] == "Draft"
    assert model_card.attach(sm, a1, status="Approved") == {"status": "Approved", "content": card}, "status alone keeps the content"
    with pytest.raises(WorkshopError, match="'Done' is not a model card status"):
        model_card.attach(sm, a1, status="Done")


def test_studio_links_only_in_aws_mode_and_with_the_domain_in_studio(monkeypatch, tmp_path):
    assert studio_links.group_link("us-east-1", "g") is None
    monkeypatch.setenv("WORKSHOP_BACKEND", "aws")
    monkeypatch.setattr(studio_links, "STUDIO_METADATA", tmp_path / "missing.json")
    assert studio_links.version_link("eu-west-1", "g", 2) == \
        "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/model-registry"
    (tmp_path / "meta.json").write_text(json.dumps({"DomainId": "d-abc123"}))
    monkeypatch.setattr(studio_links, "STUDIO_METADATA", tmp_path / "meta.json")
    assert studio_links.version_link("eu-west-1", "g", 2) == \
        "https://studio-d-abc123.studio.eu-west-1.sagemaker.aws/models/registered-models/g/versions/2"
