"""Unit tests of the response conformance checker itself: each rule fires, and passes when it should.

No backend is involved: the bodies are written here by hand.
"""

from __future__ import annotations

import copy

import pytest

from helpers.local_backend import conformance

GROUP_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/churn"
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1"

GROUP = {
    "ModelPackageGroupName": "churn",
    "ModelPackageGroupArn": GROUP_ARN,
    "ModelPackageGroupDescription": "Churn models",
    "CreationTime": 1714564800.123,
    "CreatedBy": {"UserProfileName": "learner"},
    "ModelPackageGroupStatus": "Completed",
}

SEARCH = {
    "Results": [
        {
            "ModelPackage": {
                "ModelPackageName": "churn",
                "ModelPackageGroupName": "churn",
                "ModelPackageVersion": 1,
                "ModelPackageArn": PACKAGE_ARN,
                "CreationTime": "2024-05-01T12:00:00Z",
                "ModelPackageStatus": "Completed",
                "ModelApprovalStatus": "PendingManualApproval",
                "CustomerMetadataProperties": {"team": "data"},
                "Tags": [{"Key": "stage", "Value": "dev"}],
            }
        }
    ]
}


def group(**changes):
    body = dict(GROUP, **changes)
    return {k: v for k, v in body.items() if v is not ...}  # ``...`` drops a member


def search_package(**changes):
    body = copy.deepcopy(SEARCH)
    body["Results"][0]["ModelPackage"].update(changes)
    return body


def test_valid_group_passes():
    assert conformance.check("DescribeModelPackageGroup", GROUP) == []


def test_valid_search_passes():
    assert conformance.check("Search", SEARCH) == []


def test_missing_required_member_is_reported():
    problems = conformance.check("DescribeModelPackageGroup", group(CreatedBy=...))
    assert problems == ["DescribeModelPackageGroup: CreatedBy: required member missing"]


def test_null_required_member_is_reported():
    problems = conformance.check("DescribeModelPackageGroup", group(CreatedBy=None))
    assert problems == ["DescribeModelPackageGroup: CreatedBy: required member null"]


def test_null_optional_member_is_a_wrong_type():
    problems = conformance.check("DescribeModelPackageGroup", group(ModelPackageGroupDescription=None))
    assert problems == ["DescribeModelPackageGroup: ModelPackageGroupDescription: expected string, got null"]


def test_nested_required_member_is_reported():
    body = {
        "ModelPackageName": "churn",
        "ModelPackageArn": PACKAGE_ARN,
        "CreationTime": 1714564800,
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {},
    }
    problems = conformance.check("DescribeModelPackage", body)
    assert problems == [
        "DescribeModelPackage: ModelPackageStatusDetails.ValidationStatuses: required member missing"
    ]


def test_wrong_enum_value_is_reported():
    problems = conformance.check("DescribeModelPackageGroup", group(ModelPackageGroupStatus="Done"))
    assert len(problems) == 1
    assert problems[0].startswith("DescribeModelPackageGroup: ModelPackageGroupStatus: 'Done' not in enum [")
    assert "'Completed'" in problems[0]


def test_wrong_enum_inside_search_results_is_reported():
    problems = conformance.check("Search", search_package(ModelApprovalStatus="approved"))
    assert len(problems) == 1
    assert problems[0].startswith("Search: Results[0].ModelPackage.ModelApprovalStatus: 'approved' not in enum [")


def test_wrong_type_inside_search_results_is_reported():
    problems = conformance.check("Search", search_package(ModelPackageVersion="1"))
    assert problems == ["Search: Results[0].ModelPackage.ModelPackageVersion: expected integer, got str"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Tags": {"stage": "dev"}}, "Results[0].ModelPackage.Tags: expected list, got dict"),
        ({"Tags": [{"Key": "stage", "Value": 3}]}, "Results[0].ModelPackage.Tags[0].Value: expected string, got int"),
        ({"CustomerMetadataProperties": {"team": 7}},
         "Results[0].ModelPackage.CustomerMetadataProperties['team']: expected string, got int"),
        ({"CustomerMetadataProperties": ["team"]},
         "Results[0].ModelPackage.CustomerMetadataProperties: expected object (map), got list"),
        ({"CertifyForMarketplace": "false"}, "Results[0].ModelPackage.CertifyForMarketplace: expected boolean, got str"),
    ],
)
def test_wrong_container_and_scalar_types_are_reported(changes, expected):
    assert conformance.check("Search", search_package(**changes)) == [f"Search: {expected}"]


def test_map_key_must_be_a_string():
    problems = conformance.check("Search", search_package(CustomerMetadataProperties={1: "x"}))
    assert problems == ["Search: Results[0].ModelPackage.CustomerMetadataProperties[1]: map key must be a string, got int"]


def test_unknown_member_is_reported():
    problems = conformance.check("DescribeModelPackageGroup", group(GroupStatus="Completed"))
    assert problems == ["DescribeModelPackageGroup: GroupStatus: unknown member"]


def test_unknown_nested_member_is_reported():
    problems = conformance.check("Search", search_package(Approved=True))
    assert problems == ["Search: Results[0].ModelPackage.Approved: unknown member"]


@pytest.mark.parametrize(
    "stamp", [1714564800, 1714564800.5, "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123+00:00"]
)
def test_timestamp_as_number_or_iso_string_passes(stamp):
    assert conformance.check("DescribeModelPackageGroup", group(CreationTime=stamp)) == []


@pytest.mark.parametrize("stamp", ["yesterday", True, [1714564800]])
def test_timestamp_that_is_neither_fails(stamp):
    problems = conformance.check("DescribeModelPackageGroup", group(CreationTime=stamp))
    assert len(problems) == 1
    assert problems[0].startswith("DescribeModelPackageGroup: CreationTime: expected timestamp")


def test_bool_is_not_an_integer():
    problems = conformance.check("Search", search_package(ModelPackageVersion=True))
    assert problems == ["Search: Results[0].ModelPackage.ModelPackageVersion: expected integer, got bool"]


def test_double_accepts_int_and_float_but_not_bool():
    # DescribeTrainingJob.FinalMetricDataList[].Value is a float shape.
    base = conformance.check("DescribeTrainingJob", {"FinalMetricDataList": [{"Value": 0.9}]})
    assert not any("FinalMetricDataList" in p for p in base)
    assert not any("FinalMetricDataList" in p for p in conformance.check(
        "DescribeTrainingJob", {"FinalMetricDataList": [{"Value": 1}]}))
    assert any(p.endswith("FinalMetricDataList[0].Value: expected float, got bool") for p in conformance.check(
        "DescribeTrainingJob", {"FinalMetricDataList": [{"Value": True}]}))


def test_operation_without_output_answers_empty_body():
    assert conformance.check("DeleteModelPackage", {}) == []


def test_operation_without_output_refuses_a_non_empty_body():
    problems = conformance.check("DeleteModelPackage", {"ModelPackageArn": PACKAGE_ARN})
    assert len(problems) == 1
    assert problems[0].startswith("DeleteModelPackage: ")


def test_body_that_is_not_an_object_is_reported():
    assert conformance.check("DescribeModelPackageGroup", []) == [
        "DescribeModelPackageGroup: <body>: expected object, got list"
    ]


def test_unknown_operation_is_reported():
    assert conformance.check("DescribeModelPackageGroups", {}) == [
        "DescribeModelPackageGroups: not an operation of the SageMaker service model"
    ]


def test_error_body_with_type_and_message_passes():
    assert conformance.error_check({"__type": "ValidationException", "message": "bad"}) == []
    assert conformance.error_check({"__type": "ResourceNotFound", "Message": "gone"}) == []


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ({"message": "bad"}, 1),
        ({"__type": "ValidationException"}, 1),
        ({"__type": 400, "message": None}, 2),
        ({}, 2),
    ],
)
def test_error_body_problems_are_reported(body, count):
    assert len(conformance.error_check(body)) == count
