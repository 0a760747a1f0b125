"""The Model Registry's rules, each taken from a source and proved with plain boto3 calls.

Sources: "API ref" is botocore's SageMaker service model (the API reference: its shapes and their
documentation text), cited as Shape.Member; "dev guide" is the SageMaker Developer Guide page named.
Where no source says what SageMaker does, the test says "unverified" and docs/local-backend.md lists
the choice.

By default the tests run against the tests' local backend. With ``--against-aws`` (and
``WORKSHOP_BACKEND=aws``, after the workshop's confirmation) the same tests run against a real account:
every group gets a unique ``parity-...`` name, and everything made is deleted at the end. Nothing
billable is created (groups, versions and policies cost nothing; no endpoint, no training job).
"""

from __future__ import annotations

import json
import uuid

import pytest

from support import SPEC, UNVERSIONED_SPEC, Target, error_of

pytestmark = pytest.mark.parity  # the ``target`` fixture (conftest.py): the tests' backend, or a real account


# --- groups -----------------------------------------------------------------------------------------------


def test_group_describe_has_every_required_member(target):
    # API ref: DescribeModelPackageGroupOutput requires ModelPackageGroupName, ModelPackageGroupArn,
    # CreationTime, CreatedBy, ModelPackageGroupStatus.
    name = target.group(ModelPackageGroupDescription="rules")
    desc = target.sm.describe_model_package_group(ModelPackageGroupName=name)
    assert {"ModelPackageGroupName", "ModelPackageGroupArn", "CreationTime", "CreatedBy",
            "ModelPackageGroupStatus"} <= set(desc)
    assert desc["ModelPackageGroupStatus"] == "Completed" and desc["ModelPackageGroupDescription"] == "rules"
    assert desc["ModelPackageGroupArn"].endswith(f":model-package-group/{name}")


def test_group_name_or_arn_is_accepted_wherever_the_member_is_arn_or_name(target):
    # API ref: DescribeModelPackageGroupInput.ModelPackageGroupName, CreateModelPackageInput.ModelPackageGroupName,
    # ListModelPackagesInput.ModelPackageGroupName and DeleteModelPackageGroupInput.ModelPackageGroupName are
    # ArnOrName ("The name or Amazon Resource Name (ARN) of the model package group").
    name = target.group()
    arn = target.sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    assert target.sm.describe_model_package_group(ModelPackageGroupName=arn)["ModelPackageGroupName"] == name
    first = target.register(arn)
    assert first.endswith(f"/{name}/1")
    assert [s["ModelPackageArn"] for s in target.sm.list_model_packages(ModelPackageGroupName=arn)[
        "ModelPackageSummaryList"]] == [first]


def test_duplicate_group_is_refused_and_the_first_keeps_its_versions(target):
    # API ref: a group is created once (CreateModelPackageGroup); SageMaker never overwrites a version.
    # Unverified: names that differ only in case name the same group (SageMaker writes these ARNs in
    # lower case, so they would share an ARN).
    name = target.group("Mixed", ModelPackageGroupDescription="first")
    first = target.register(name, ModelPackageDescription="the first group's version 1")
    code, message = error_of(target.sm.create_model_package_group, ModelPackageGroupName=name)
    assert code == "ValidationException" and "already exists" in message
    code, _ = error_of(target.sm.create_model_package_group, ModelPackageGroupName=name.lower())
    assert code == "ValidationException"
    target.register(name.lower())
    assert target.sm.describe_model_package(ModelPackageName=first)["ModelPackageDescription"] == \
        "the first group's version 1"
    assert target.versions(name) == [1, 2]


def test_list_groups_filters_sorts_and_pages(target):
    # API ref: ListModelPackageGroupsInput: NameContains; SortBy "The default is CreationTime"; SortOrder
    # "The default is Ascending"; MaxResults with NextToken.
    names = [target.group(s) for s in ("b", "a", "c")]
    listed = target.sm.list_model_package_groups(NameContains=target.prefix)["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in listed] == names
    by_name = target.sm.list_model_package_groups(NameContains=target.prefix, SortBy="Name", SortOrder="Descending")
    assert [g["ModelPackageGroupName"] for g in by_name["ModelPackageGroupSummaryList"]] == sorted(names, reverse=True)
    page = target.sm.list_model_package_groups(NameContains=target.prefix, MaxResults=2)
    rest = target.sm.list_model_package_groups(NameContains=target.prefix, MaxResults=2, NextToken=page["NextToken"])
    assert [g["ModelPackageGroupName"] for g in page["ModelPackageGroupSummaryList"] + rest[
        "ModelPackageGroupSummaryList"]] == names and "NextToken" not in rest
    summary = listed[0]
    assert {"ModelPackageGroupName", "ModelPackageGroupArn", "CreationTime", "ModelPackageGroupStatus"} <= set(summary)


def test_cross_account_listing_shows_only_what_others_shared(target):
    # API ref: ListModelPackageGroupsInput.CrossAccountFilterOption "When the value is CrossAccount, the results
    # show the resources made discoverable to you from other accounts"; SearchRequest.CrossAccountFilterOption.
    target.group()
    shared = target.sm.list_model_package_groups(CrossAccountFilterOption="CrossAccount", NameContains=target.prefix)
    assert shared["ModelPackageGroupSummaryList"] == []
    own = target.sm.list_model_package_groups(CrossAccountFilterOption="SameAccount", NameContains=target.prefix)
    assert len(own["ModelPackageGroupSummaryList"]) == 1


def test_group_with_versions_cannot_be_deleted_and_keeps_them(target):
    # API ref: DeleteModelPackageGroup lists ConflictException. Unverified: that a group holding versions
    # is refused with it (the local backend's message says to delete the versions first).
    name = target.group()
    arn = target.register(name)
    code, _ = error_of(target.sm.delete_model_package_group, ModelPackageGroupName=name)
    assert code == "ConflictException"
    assert target.sm.describe_model_package(ModelPackageName=arn)["ModelPackageVersion"] == 1
    target.sm.delete_model_package(ModelPackageName=arn)
    group_arn = target.sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    target.sm.delete_model_package_group(ModelPackageGroupName=group_arn)  # ArnOrName
    code, _ = error_of(target.sm.describe_model_package_group, ModelPackageGroupName=name)
    assert code == "ValidationException"


def test_group_policy_put_get_delete(target):
    # API ref: PutModelPackageGroupPolicy returns ModelPackageGroupArn; GetModelPackageGroupPolicy returns the
    # ResourcePolicy; dev guide (model-registry-version, cross-account) shows the policy a group owner puts.
    name = target.group()
    account = target.sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"].split(":")[4]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AddPermModelPackageVersion", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": ["sagemaker:CreateModelPackage"],
        "Resource": f"arn:aws:sagemaker:{target.sm.meta.region_name}:{account}:model-package/{name}/*"}]}
    out = target.sm.put_model_package_group_policy(ModelPackageGroupName=name, ResourcePolicy=json.dumps(policy))
    assert out["ModelPackageGroupArn"].endswith(f"/{name}")
    got = target.sm.get_model_package_group_policy(ModelPackageGroupName=name)["ResourcePolicy"]
    assert json.loads(got)["Statement"][0]["Action"] in (["sagemaker:CreateModelPackage"], "sagemaker:CreateModelPackage")
    target.sm.delete_model_package_group_policy(ModelPackageGroupName=name)
    code, _ = error_of(target.sm.get_model_package_group_policy, ModelPackageGroupName=name)
    assert code == "ValidationException"  # unverified: the code for "no policy"


def test_group_tags_add_list_delete(target):
    # API ref: CreateModelPackageGroupInput.Tags, AddTags/ListTags/DeleteTags on the group's ARN.
    name = target.group(Tags=[{"Key": "team", "Value": "risk"}])
    arn = target.sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    target.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    tags = {t["Key"]: t["Value"] for t in target.sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "risk", "stage": "dev"}
    target.sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert target.sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    # TagList: at most 50, also counting the tags already there
    target.sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    code, _ = error_of(target.sm.add_tags, ResourceArn=arn, Tags=[{"Key": "one-too-many", "Value": "v"}])
    assert code == "ValidationException" and len(target.sm.list_tags(ResourceArn=arn)["Tags"]) == 50


# --- versions ---------------------------------------------------------------------------------------------


def test_version_describe_has_every_required_member_and_its_name(target):
    # API ref: DescribeModelPackageOutput requires ModelPackageName, ModelPackageArn, CreationTime,
    # ModelPackageStatus, ModelPackageStatusDetails; ModelPackage.ModelPackageName: "For a versioned model,
    # the name ... follows the format 'ModelPackageGroupName/ModelPackageVersion'".
    name = target.group()
    arn = target.register(name, ModelApprovalStatus="PendingManualApproval")
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert {"ModelPackageName", "ModelPackageArn", "CreationTime", "ModelPackageStatus",
            "ModelPackageStatusDetails"} <= set(desc)
    assert desc["ModelPackageName"] == f"{name}/1"
    assert (desc["ModelPackageGroupName"], desc["ModelPackageVersion"]) == (name, 1)
    assert desc["ModelPackageStatus"] == "Completed"
    assert "ValidationStatuses" in desc["ModelPackageStatusDetails"]
    assert target.sm.describe_model_package(ModelPackageName=f"{name}/1")["ModelPackageArn"] == arn


def test_new_versions_count_on_and_a_deleted_number_is_never_reused(target):
    # Dev guide (model-registry-version): each registration in a group is the group's next version; a
    # version is never overwritten.
    name = target.group()
    arns = [target.register(name, ModelPackageDescription=f"v{i}") for i in (1, 2, 3)]
    target.sm.delete_model_package(ModelPackageName=arns[1])
    fourth = target.register(name, ModelPackageDescription="v4")
    assert fourth.endswith(f"/{name}/4")
    assert target.sm.describe_model_package(ModelPackageName=arns[2])["ModelPackageDescription"] == "v3"
    assert target.versions(name) == [1, 3, 4]


def test_versioned_packages_take_no_tags(target):
    # API ref: CreateModelPackageInput.Tags: "If you supply ModelPackageGroupName, your model package ...
    # uses the tags associated with the model group. In this case, you cannot supply a tag argument."
    name = target.group(Tags=[{"Key": "team", "Value": "risk"}])
    code, _ = error_of(target.register, name, Tags=[{"Key": "a", "Value": "b"}])
    assert code == "ValidationException"
    assert target.versions(name) == [], "a refused registration leaves nothing behind"
    arn = target.register(name)
    assert arn.endswith("/1"), "and uses no version number"
    code, _ = error_of(target.sm.add_tags, ResourceArn=arn, Tags=[{"Key": "a", "Value": "b"}])
    assert code == "ValidationException"


def test_name_and_group_together_are_refused(target):
    # API ref: CreateModelPackageInput.ModelPackageName "is required for unversioned models. It is not
    # applicable to versioned models."
    name = target.group()
    code, _ = error_of(target.sm.create_model_package, ModelPackageGroupName=name, ModelPackageName=f"{name}-x",
                       InferenceSpecification=SPEC)
    assert code == "ValidationException"
    assert target.versions(name) == []


def test_unversioned_packages_are_listed_apart_from_versions(target):
    # API ref: ListModelPackagesInput.ModelPackageType: Unversioned "is the default value if no
    # ModelPackageType is specified", Versioned, Both; CreateModelPackageInput.ModelApprovalStatus "does not
    # apply to unversioned models". Dev guide (model-registry-version): a group's versions are listed by
    # naming the group.
    group = target.group()
    target.register(group)
    loose = f"{target.prefix}-loose"
    target.sm.create_model_package(ModelPackageName=loose, InferenceSpecification=UNVERSIONED_SPEC)
    target.unversioned.append(loose)
    names = lambda **kw: [s["ModelPackageName"] for s in target.sm.list_model_packages(  # noqa: E731
        NameContains=target.prefix, **kw)["ModelPackageSummaryList"]]
    assert names() == [loose]
    assert names(ModelPackageType="Versioned") == [f"{group}/1"]
    assert sorted(names(ModelPackageType="Both")) == sorted([loose, f"{group}/1"])
    code, _ = error_of(target.sm.create_model_package, ModelPackageName=f"{loose}-2",
                       InferenceSpecification=UNVERSIONED_SPEC, ModelApprovalStatus="Approved")
    assert code == "ValidationException"


def test_list_versions_filters_on_approval_and_sorts(target):
    # API ref: ListModelPackagesInput.ModelApprovalStatus filter, SortBy (default CreationTime), SortOrder
    # (default Ascending), MaxResults/NextToken.
    name = target.group()
    arns = [target.register(name, ModelApprovalStatus=s) for s in ("Approved", "PendingManualApproval", "Approved")]
    approved = target.sm.list_model_packages(ModelPackageGroupName=name, ModelApprovalStatus="Approved")
    assert [s["ModelPackageArn"] for s in approved["ModelPackageSummaryList"]] == [arns[0], arns[2]]
    newest_first = target.sm.list_model_packages(ModelPackageGroupName=name, SortOrder="Descending")
    assert [s["ModelPackageVersion"] for s in newest_first["ModelPackageSummaryList"]] == [3, 2, 1]
    first = target.sm.list_model_packages(ModelPackageGroupName=name, MaxResults=2)
    assert len(first["ModelPackageSummaryList"]) == 2 and first["NextToken"]
    summary = first["ModelPackageSummaryList"][0]
    assert {"ModelPackageArn", "CreationTime", "ModelPackageStatus"} <= set(summary)


def test_default_approval_status_is_pending(target):
    # Unverified: no source states the default; the dev guide (model-registry-approve) treats a new version
    # as awaiting approval (PendingManualApproval).
    name = target.group()
    arn = target.register(name)
    assert target.sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "PendingManualApproval"


def test_update_changes_only_what_is_sent_and_merges_metadata(target):
    # API ref: UpdateModelPackageInput members; CustomerMetadataPropertiesToRemove removes keys.
    name = target.group()
    arn = target.register(name, CustomerMetadataProperties={"a": "1"}, ModelPackageDescription="kept")
    before = target.sm.describe_model_package(ModelPackageName=arn)
    target.sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="ok")
    target.sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"b": "2"})
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert (desc["ModelApprovalStatus"], desc["ApprovalDescription"]) == ("Approved", "ok")
    assert desc["CustomerMetadataProperties"] == {"a": "1", "b": "2"}
    assert desc["ModelPackageDescription"] == "kept" and desc["CreationTime"] == before["CreationTime"]
    assert desc["LastModifiedTime"] >= before["LastModifiedTime"]
    target.sm.update_model_package(ModelPackageArn=arn, CustomerMetadataPropertiesToRemove=["a"])
    assert target.sm.describe_model_package(ModelPackageName=arn)["CustomerMetadataProperties"] == {"b": "2"}


def test_metadata_limit_holds_after_a_merge(target):
    # API ref: CustomerMetadataMap has at most 50 entries; an update that would merge past it is refused
    # and changes nothing.
    name = target.group()
    arn = target.register(name, CustomerMetadataProperties={f"k{i}": "v" for i in range(30)})
    code, _ = error_of(target.sm.update_model_package, ModelPackageArn=arn,
                       CustomerMetadataProperties={f"n{i}": "v" for i in range(21)}, ModelApprovalStatus="Approved")
    assert code == "ValidationException"
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert len(desc["CustomerMetadataProperties"]) == 30 and desc["ModelApprovalStatus"] == "PendingManualApproval"


def test_additional_inference_specifications_stop_at_fifteen(target):
    # API ref: UpdateModelPackageInput.AdditionalInferenceSpecificationsToAdd: "Total number of additional
    # Inference Specifications can not exceed 15."
    name = target.group()
    extra = lambda i: {"Name": f"extra-{i}", "Containers": SPEC["Containers"]}  # noqa: E731
    arn = target.register(name, AdditionalInferenceSpecifications=[extra(i) for i in range(10)])
    target.sm.update_model_package(ModelPackageArn=arn, AdditionalInferenceSpecificationsToAdd=[extra(10 + i) for i in range(5)])
    assert len(target.sm.describe_model_package(ModelPackageName=arn)["AdditionalInferenceSpecifications"]) == 15
    code, _ = error_of(target.sm.update_model_package, ModelPackageArn=arn,
                       AdditionalInferenceSpecificationsToAdd=[extra(99)])
    assert code == "ValidationException"


def test_lifecycle_source_uri_and_model_card_are_kept_and_updated(target):
    # API ref: CreateModelPackageInput/UpdateModelPackageInput ModelLifeCycle (Stage and StageStatus required),
    # SourceUri, ModelCard (ModelCardContent, ModelCardStatus).
    name = target.group()
    card = {"ModelCardContent": json.dumps({"intended_uses": {"risk_rating": "Low", "purpose_of_model": "demo"}}),
            "ModelCardStatus": "Draft"}
    arn = target.register(name, ModelLifeCycle={"Stage": "Development", "StageStatus": "InProgress"},
                          SourceUri="s3://parity-bucket/source/train.py", ModelCard=card)
    target.sm.update_model_package(ModelPackageArn=arn, ModelLifeCycle={
        "Stage": "Production", "StageStatus": "Approved", "StageDescription": "promoted"})
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert desc["ModelLifeCycle"] == {"Stage": "Production", "StageStatus": "Approved", "StageDescription": "promoted"}
    assert desc["SourceUri"] == "s3://parity-bucket/source/train.py"
    assert desc["ModelCard"]["ModelCardStatus"] == "Draft"
    assert json.loads(desc["ModelCard"]["ModelCardContent"])["intended_uses"]["purpose_of_model"] == "demo"
    # every other updatable member of UpdateModelPackageInput, in one request
    new_spec = {**SPEC, "SupportedContentTypes": ["application/json"]}
    target.sm.update_model_package(ModelPackageArn=arn, SourceUri="s3://parity-bucket/source/v2.py",
                                   ModelCard={**card, "ModelCardStatus": "Approved"}, InferenceSpecification=new_spec,
                                   ModelPackageRegistrationType="Registered")
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert desc["SourceUri"] == "s3://parity-bucket/source/v2.py"
    assert desc["ModelCard"]["ModelCardStatus"] == "Approved"
    assert desc["InferenceSpecification"]["SupportedContentTypes"] == ["application/json"]
    assert desc["ModelPackageRegistrationType"] == "Registered"
    assert desc["ModelLifeCycle"]["Stage"] == "Production", "members not sent stay as they were"


def test_metadata_only_describe_sanitizes_the_model_card(target):
    # API ref: DescribeModelPackageOutput.ModelCard: with IncludedData MetadataOnly, "ModelCardContent is
    # sanitized to include only the following JSON paths ... intended_uses.risk_rating ...".
    name = target.group()
    content = {"intended_uses": {"risk_rating": "Low", "purpose_of_model": "private"}}
    arn = target.register(name, ModelCard={"ModelCardContent": json.dumps(content), "ModelCardStatus": "Draft"})
    card = target.sm.describe_model_package(ModelPackageName=arn, IncludedData="MetadataOnly")["ModelCard"]
    assert card["ModelCardStatus"] == "Draft"
    assert json.loads(card["ModelCardContent"]) == {"intended_uses": {"risk_rating": "Low"}}


def test_client_token_makes_a_registration_idempotent(target):
    # API ref: CreateModelPackageInput.ClientToken: "A unique token that guarantees that the call to this API
    # is idempotent."
    name = target.group()
    token = uuid.uuid4().hex[:32]
    first, second = target.register(name, ClientToken=token), target.register(name, ClientToken=token)
    assert first == second and target.versions(name) == [1]
    assert target.register(name, ClientToken=uuid.uuid4().hex[:32]).endswith("/2"), "another token: a new version"


def test_batch_describe_answers_per_arn(target):
    # API ref: BatchDescribeModelPackageOutput: ModelPackageSummaries per ARN and BatchDescribeModelPackageErrorMap;
    # ModelPackageArnList holds 1 to 100 ARNs.
    name = target.group()
    arns = [target.register(name), target.register(name)]
    missing = arns[0].rsplit("/", 1)[0] + "/99"
    out = target.sm.batch_describe_model_package(ModelPackageArnList=[*arns, missing])
    assert sorted(out["ModelPackageSummaries"]) == sorted(arns)
    summary = out["ModelPackageSummaries"][arns[1]]
    assert summary["ModelPackageVersion"] == 2 and summary["ModelPackageGroupName"] == name
    assert {"ModelPackageArn", "CreationTime", "InferenceSpecification", "ModelPackageStatus"} <= set(summary)
    assert set(out["BatchDescribeModelPackageErrorMap"]) == {missing}
    code, _ = error_of(target.sm.batch_describe_model_package, ModelPackageArnList=[arns[0]] * 101)
    assert code == "ValidationException"


# --- Search -------------------------------------------------------------------------------------------------


def _search(target: Target, expression: dict | None = None, **kwargs) -> list[int]:
    expression = expression or {}
    expression.setdefault("Filters", []).append(
        {"Name": "ModelPackageGroupName", "Operator": "Contains", "Value": target.prefix})
    results = target.sm.search(Resource="ModelPackage", SearchExpression=expression, **kwargs)["Results"]
    return [r["ModelPackage"]["ModelPackageVersion"] for r in results]


@pytest.fixture
def three(target):
    """A group with three versions; version 1 was modified last."""
    name = target.group()
    arns = [target.register(name, ModelPackageDescription=f"model {i}", CustomerMetadataProperties={"n": str(i)},
                            ModelLifeCycle={"Stage": stage, "StageStatus": "Approved"})
            for i, stage in ((1, "Production"), (2, "Staging"), (3, "Development"))]
    target.sm.update_model_package(ModelPackageArn=arns[0], ApprovalDescription="touched last")
    target.eventually(lambda: sorted(_search(target)), [1, 2, 3])
    return name, arns


def test_search_default_order_is_last_modified_descending(target, three):
    # API ref: SearchRequest.SortBy "The default is LastModifiedTime"; SortOrder "The default is Descending".
    assert _search(target) == [1, 3, 2]


def test_search_sorts_by_any_property(target, three):
    # API ref: Search: "You can sort the search results by any resource property in a ascending or descending order."
    assert _search(target, SortBy="ModelPackageVersion", SortOrder="Ascending") == [1, 2, 3]
    assert _search(target, SortBy="CreationTime") == [3, 2, 1]


def test_search_or_subexpressions(target, three):
    # API ref: SearchExpression.Operator: "If only a single conditional statement needs to be true ... specify
    # Or"; SubExpressions nest.
    either = {"SubExpressions": [{"Operator": "Or", "Filters": [
        {"Name": "ModelPackageVersion", "Operator": "Equals", "Value": "1"},
        {"Name": "ModelPackageVersion", "Operator": "Equals", "Value": "3"}]}]}
    assert sorted(_search(target, either)) == [1, 3]


def test_search_numeric_operators_and_their_refusal_on_text(target, three):
    # API ref: Filter.Operator: GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo are "Not
    # supported for text properties".
    assert sorted(_search(target, {"Filters": [{"Name": "ModelPackageVersion", "Operator": "GreaterThan", "Value": "1"}]})) == [2, 3]
    assert sorted(_search(target, {"Filters": [{"Name": "ModelPackageVersion", "Operator": "LessThanOrEqualTo", "Value": "2"}]})) == [1, 2]
    code, _ = error_of(_search, target, {"Filters": [{"Name": "ModelPackageDescription", "Operator": "GreaterThan", "Value": "a"}]})
    assert code == "ValidationException"


def test_search_contains_in_and_the_one_contains_limit(target, three):
    # API ref: Filter.Operator: Contains and In are "Only supported for text properties"; "A SearchExpression can
    # include only one Contains operator ... 'CONTAINS' operator usage limit of 1 exceeded."
    assert sorted(_search(target, {"Filters": [{"Name": "ModelLifeCycle.Stage", "Operator": "In",
                                                "Value": "Production,Staging"}]})) == [1, 2]
    code, message = error_of(_search, target, {"Filters": [
        {"Name": "ModelPackageDescription", "Operator": "Contains", "Value": "model"}]})
    assert code == "ValidationException" and "'CONTAINS' operator usage limit of 1 exceeded" in message


def test_search_on_lifecycle_stage_and_metadata_properties(target, three):
    # Dev guide (model-registry-staging-construct-cli): search with {"Name": "ModelLifeCycle.Stage", "Value": ...};
    # API ref Filter: "If you specify a Value, but not an Operator, SageMaker uses the equals operator."
    assert _search(target, {"Filters": [{"Name": "ModelLifeCycle.Stage", "Value": "Staging"}]}) == [2]
    assert _search(target, {"Filters": [{"Name": "CustomerMetadataProperties.n", "Value": "3"}]}) == [3]
    assert _search(target, {"Filters": [{"Name": "CustomerMetadataProperties.n", "Operator": "NotEquals", "Value": "3"}]}) == [1, 2]


def test_search_exists_and_nested_filters(target, three):
    # API ref: Filter.Operator Exists/NotExists; NestedFilters: "A nested filter is satisfied if a single object
    # in the list satisfies all Boolean expressions."
    assert sorted(_search(target, {"Filters": [{"Name": "ApprovalDescription", "Operator": "Exists"}]})) == [1]
    assert sorted(_search(target, {"Filters": [{"Name": "ApprovalDescription", "Operator": "NotExists"}]})) == [2, 3]
    nested = {"NestedFilters": [{"NestedPropertyName": "InferenceSpecification.Containers", "Filters": [
        {"Name": "InferenceSpecification.Containers.Image", "Operator": "Equals", "Value": SPEC["Containers"][0]["Image"]}]}]}
    assert sorted(_search(target, nested)) == [1, 2, 3]


def test_search_pages_and_counts(target, three):
    # API ref: SearchRequest.MaxResults/NextToken; SearchResponse.TotalHits.
    name, _ = three
    first = target.sm.search(Resource="ModelPackage", MaxResults=2, SearchExpression={"Filters": [
        {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": name}]})
    rest = target.sm.search(Resource="ModelPackage", MaxResults=2, NextToken=first["NextToken"], SearchExpression={
        "Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": name}]})
    assert len(first["Results"]) == 2 and len(rest["Results"]) == 1 and "NextToken" not in rest
    if "TotalHits" in first:
        assert first["TotalHits"]["Value"] >= 3


def test_search_over_groups_and_their_tags(target):
    # API ref: SearchRequest.Resource ModelPackageGroup; Filter "Tags: To define a tag filter, enter a value with
    # the form Tags.<key>."
    tagged = target.group("tagged", Tags=[{"Key": "team", "Value": "risk"}])
    target.group("plain")
    found = target.eventually(lambda: [r["ModelPackageGroup"]["ModelPackageGroupName"] for r in target.sm.search(
        Resource="ModelPackageGroup", SearchExpression={"Filters": [
            {"Name": "ModelPackageGroupName", "Operator": "Contains", "Value": target.prefix},
            {"Name": "Tags.team", "Operator": "Equals", "Value": "risk"}]})["Results"]], [tagged])
    assert found == [tagged]


def test_search_refuses_an_unknown_property(target):
    # API ref: Filter.Name: "You must specify a valid property for the resource."
    code, _ = error_of(target.sm.search, Resource="ModelPackage",
                       SearchExpression={"Filters": [{"Name": "NoSuchProperty", "Value": "x"}]})
    assert code == "ValidationException"
