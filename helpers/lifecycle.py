"""Lifecycle stages of a version (``ModelLifeCycle``): Development, Staging, Production, Archived.

A stage is a pair (``Stage``, ``StageStatus``) plus a ``StageDescription``, set with
``CreateModelPackage`` or ``UpdateModelPackage`` (SageMaker developer guide, "Staging construct for
your model lifecycle"). The stage names and statuses are the team's own choice; the kit uses:

=============  ==================  ======================================================
Stage          StageStatus         meaning here
=============  ==================  ======================================================
Development    InProgress          registered; being evaluated (the registrar may set it)
Staging        PendingApproval     under review (the promoter sets it)
Production     Approved            the one version that serves
Archived       Retired / Rejected  left Production: superseded, or rolled back
=============  ==================  ======================================================

:func:`follow_approvals` keeps the rule "the version in Production is the newest approved version"
after any approval change the kit makes (``audit.change_status``, the rollback, the dashboard).
"""

from __future__ import annotations

from typing import Any

from .deployer import newest_approved
from .errors import WorkshopError

DEVELOPMENT = {"Stage": "Development", "StageStatus": "InProgress"}
STAGING = {"Stage": "Staging", "StageStatus": "PendingApproval"}
PRODUCTION = {"Stage": "Production", "StageStatus": "Approved"}
STAGES = ("Development", "Staging", "Production", "Archived")


def stage_of(desc: dict[str, Any]) -> str:
    """``"Stage/StageStatus"`` of a description or search record, or ``"-"`` without a lifecycle."""
    life = desc.get("ModelLifeCycle") or {}
    return f"{life['Stage']}/{life['StageStatus']}" if life.get("Stage") else "-"


def set_stage(sm, arn: str, stage: str, status: str, description: str) -> dict[str, Any]:
    """Move one version to ``stage``/``status`` with a description; returns its new description."""
    if stage not in STAGES:
        raise WorkshopError(f"{stage!r} is not one of the workshop's stages ({', '.join(STAGES)}): "
                            "use one of them, spelled as shown.")
    sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={
        "Stage": stage, "StageStatus": status, "StageDescription": description})
    return sm.describe_model_package(ModelPackageName=arn)


def in_stage(sm, group: str, stage: str, status: str | None = None) -> list[dict[str, Any]]:
    """The versions of ``group`` in ``stage`` (and ``status``), by version: one ``Search`` with filters."""
    filters = [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": group},
               {"Name": "ModelLifeCycle.Stage", "Operator": "Equals", "Value": stage}]
    if status:
        filters.append({"Name": "ModelLifeCycle.StageStatus", "Operator": "Equals", "Value": status})
    pages = sm.get_paginator("search").paginate(Resource="ModelPackage", SearchExpression={"Filters": filters})
    found = [r["ModelPackage"] for page in pages for r in page["Results"]]
    return sorted(found, key=lambda d: d["ModelPackageVersion"])


def follow_approvals(sm, group: str, reason: str) -> list[tuple[int, str, str]]:
    """Put the newest approved version in Production and move any other Production version to Archived.

    A version leaving Production becomes ``Archived/Retired`` if it is still approved (superseded) and
    ``Archived/Rejected`` if it was rejected (rolled back). Returns ``(version, from, to)`` per change.
    """
    from .registry import list_versions

    newest = newest_approved(sm, group)  # its summary carries its stage too
    changes = []
    # The listing's summaries carry each version's stage (one request per 100 versions). Not Search: on
    # AWS it is eventually consistent and could miss the version that entered Production a moment ago.
    for desc in (d for d in list_versions(sm, group) if (d.get("ModelLifeCycle") or {}).get("Stage") == "Production"):
        if newest and desc["ModelPackageArn"] == newest["ModelPackageArn"]:
            continue
        status = "Rejected" if desc.get("ModelApprovalStatus") == "Rejected" else "Retired"
        set_stage(sm, desc["ModelPackageArn"], "Archived", status, reason)
        changes.append((desc["ModelPackageVersion"], stage_of(desc), f"Archived/{status}"))
    if newest and stage_of(newest) != "Production/Approved":
        set_stage(sm, newest["ModelPackageArn"], PRODUCTION["Stage"], PRODUCTION["StageStatus"], reason)
        changes.append((newest["ModelPackageVersion"], stage_of(newest), "Production/Approved"))
    return changes
