"""helpers.lifecycle, the kit's stages on ModelLifeCycle, against the tests' backend.

Sources for what the service does: ``ModelLifeCycle`` (Stage, StageStatus, StageDescription) on
CreateModelPackage / UpdateModelPackage, and ``Search`` filtering on ``ModelLifeCycle.Stage``: botocore's
SageMaker model (``ModelLifeCycle`` shape) and the developer guide, "Invoke ModelLifeCycle using the AWS CLI
examples". The stage names and "the newest approved version is the one in Production" are the kit's own
choices; these tests pin them.
"""

from __future__ import annotations

import pytest

from helpers import lifecycle
from helpers.errors import WorkshopError
from support import STAGE_GROUP as GROUP
from support import approve, stages


def test_search_by_stage_finds_exactly_the_versions_in_that_stage(recorded_group):
    """Search filters on ModelLifeCycle.Stage and .StageStatus (developer guide's CLI example)."""
    _, sm, (a1, a2, a3) = recorded_group
    lifecycle.set_stage(sm, a2, "Staging", "PendingApproval", "review opened")
    lifecycle.set_stage(sm, a3, "Staging", "OnHold", "waiting for data")
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Staging")] == [2, 3]
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Staging", "OnHold")] == [3]
    assert [d["ModelPackageVersion"] for d in lifecycle.in_stage(sm, GROUP, "Development")] == [1]
    assert lifecycle.in_stage(sm, GROUP, "Production") == []


def test_the_newest_approved_version_is_the_one_in_production_and_the_one_it_replaces_is_archived(recorded_group):
    _, sm, (a1, a2, _) = recorded_group
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


def test_an_unknown_stage_is_refused_before_anything_is_sent(recorded_group):
    _, sm, (a1, _, _) = recorded_group
    with pytest.raises(WorkshopError, match="'Prod' is not one of the workshop's stages"):
        lifecycle.set_stage(sm, a1, "Prod", "Approved", "typo")
    assert stages(sm)[1] == "Development/InProgress"
