"""The registry's documented rules: sentences of the API reference that no shape constraint carries.

``tests/doc_constraints.py`` extracts every sentence of the registry's input shapes (and operations)
that states a constraint or a consequence, and gives each a verdict. The tests below prove the ones the
backend enforces: each quotes its sentence verbatim (docstring or parametrisation), asserts the error
code and that nothing changed, then that a correct request still works. The last tests check the
catalogue itself: every sentence has one verdict, every enforced one is quoted by its test, and
docs/local-backend.md carries the current catalogue.

Like ``tests/test_registry_rules.py``, the tests marked ``parity`` also run against a real account with
``--against-aws``; the newest members' tests that need real resources there (a KMS key, managed
storage) are local only.
"""

from __future__ import annotations

import ast
import datetime
import json
import time
from pathlib import Path

import pytest

import doc_constraints
from support import IMAGE, SPEC, UNVERSIONED_SPEC, Target, error_of

TESTS = Path(__file__).resolve().parent
INSTANCE_TYPES = {k: v for k, v in UNVERSIONED_SPEC.items() if k not in SPEC}
TARGET_PREFIX = "doc"  # the ``target`` fixture (conftest.py) names this module's groups doc-...


def search_groups(target: Target, **kwargs) -> list[str]:
    expression = {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Contains", "Value": target.prefix}]}
    results = target.sm.search(Resource="ModelPackageGroup", SearchExpression=expression, **kwargs)["Results"]
    return sorted(r["ModelPackageGroup"]["ModelPackageGroupName"] for r in results)


def search_versions(target: Target, group: str, *filters: dict, **kwargs) -> list[dict]:
    expression = {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": group}, *filters]}
    return [r["ModelPackage"] for r in target.sm.search(Resource="ModelPackage", SearchExpression=expression,
                                                         **kwargs)["Results"]]


# --- which packages need what ------------------------------------------------------------------------------


@pytest.mark.parity
def test_a_package_needs_a_group_or_a_name(target):
    """CreateModelPackageInput.ModelPackageName: "This parameter is required for unversioned models."

    And ModelPackageGroupName is required for versioned ones: a request with neither is refused.
    """
    group = target.group()
    code, _ = error_of(target.sm.create_model_package, InferenceSpecification=UNVERSIONED_SPEC)
    assert code == "ValidationException"
    assert target.all_packages() == [] and target.versions(group) == [], "nothing registered"
    assert target.register(group).endswith(f"/{group}/1")


@pytest.mark.parity
def test_an_unversioned_package_needs_an_inference_or_algorithm_specification(target):
    """CreateModelPackage: "To create a model package by specifying a Docker container that contains your
    inference code and the Amazon S3 location of your model artifacts, provide values for
    InferenceSpecification." and "To create a model from an algorithm resource that you created or
    subscribed to in Amazon Web Services Marketplace, provide a value for SourceAlgorithmSpecification."

    An unversioned package with neither has nothing to create a model from. (A version may have neither:
    SageMaker registers versions without one, e.g. to hold a model card.)
    """
    code, _ = error_of(target.loose, ModelPackageDescription="nothing to run")
    assert code == "ValidationException"
    assert target.all_packages() == [], "nothing registered"
    target.loose(InferenceSpecification=UNVERSIONED_SPEC)
    assert target.all_packages() == [f"{target.prefix}-loose"]


@pytest.mark.parity
@pytest.mark.parametrize("missing", sorted(INSTANCE_TYPES))
def test_unversioned_packages_need_instance_types(target, missing):
    """InferenceSpecification.SupportedTransformInstanceTypes and .SupportedRealtimeInferenceInstanceTypes:
    "This parameter is required for unversioned models, and optional for versioned models."
    """
    spec = {k: v for k, v in UNVERSIONED_SPEC.items() if k != missing}
    code, message = error_of(target.loose, InferenceSpecification=spec)
    assert code == "ValidationException"
    assert target.all_packages() == [], "nothing registered"
    arn = target.loose(InferenceSpecification=UNVERSIONED_SPEC)
    # the same holds when an update replaces the specification; the package keeps the one it had
    code, _ = error_of(target.sm.update_model_package, ModelPackageArn=arn, InferenceSpecification=spec)
    assert code == "ValidationException"
    assert target.sm.describe_model_package(ModelPackageName=arn)["InferenceSpecification"][missing] == ["ml.m5.large"]
    # optional for versioned models
    group = target.group()
    assert target.register(group, InferenceSpecification=spec).endswith("/1")


@pytest.mark.parity
def test_certify_for_marketplace_does_not_apply_to_versions(target):
    """CreateModelPackageInput.CertifyForMarketplace: "This parameter is optional for unversioned models,
    and does not apply to versioned models."
    """
    group = target.group()
    code, _ = error_of(target.register, group, CertifyForMarketplace=False)
    assert code == "ValidationException"
    assert target.versions(group) == [], "nothing registered"
    assert target.register(group).endswith("/1"), "and no version number used"
    arn = target.loose(InferenceSpecification=UNVERSIONED_SPEC, CertifyForMarketplace=False)
    assert target.sm.describe_model_package(ModelPackageName=arn)["CertifyForMarketplace"] is False


@pytest.mark.parity
def test_batch_describe_reports_an_unversioned_package_as_an_error(target):
    """BatchDescribeModelPackage: "This action batch describes a list of versioned model packages"."""
    group = target.group()
    version = target.register(group)
    loose = target.loose(InferenceSpecification=UNVERSIONED_SPEC)
    out = target.sm.batch_describe_model_package(ModelPackageArnList=[version, loose])
    assert list(out["ModelPackageSummaries"]) == [version]
    assert list(out["BatchDescribeModelPackageErrorMap"]) == [loose]


# --- tags ----------------------------------------------------------------------------------------------------


@pytest.mark.parity
def test_tag_keys_must_be_unique_in_a_request(target):
    """Tag.Key and AddTags: "Tag keys must be unique per resource."

    A request naming one key twice is refused, whether it creates the resource or tags it; AddTags with a
    key the resource already has overwrites it ("Adds or overwrites one or more tags").
    """
    twice = [{"Key": "team", "Value": "risk"}, {"Key": "team", "Value": "pricing"}]
    code, _ = error_of(target.group, Tags=twice)
    assert code == "ValidationException"
    code, _ = error_of(target.sm.describe_model_package_group, ModelPackageGroupName=f"{target.prefix}-g")
    assert code == "ValidationException", "the group was not created"
    target.groups.clear()
    name = target.group(Tags=[{"Key": "team", "Value": "risk"}])
    arn = target.sm.describe_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    code, _ = error_of(target.sm.add_tags, ResourceArn=arn, Tags=[*twice, {"Key": "stage", "Value": "dev"}])
    assert code == "ValidationException"
    assert target.sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "risk"}], "tags unchanged"
    target.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "pricing"}, {"Key": "stage", "Value": "dev"}])
    tags = {t["Key"]: t["Value"] for t in target.sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "pricing", "stage": "dev"}


@pytest.mark.parity
def test_a_version_uses_the_tags_of_its_group(target):
    """CreateModelPackageInput.Tags: "If you supply ModelPackageGroupName, your model package belongs to the
    model group you specify and uses the tags associated with the model group."

    Locally a version shows its group's tags, as they are now, in ListTags and Search (how SageMaker shows
    them is unverified: docs/local-backend.md).
    """
    group = target.group(Tags=[{"Key": "team", "Value": "risk"}])
    arn = target.register(group)
    group_arn = target.sm.describe_model_package_group(ModelPackageGroupName=group)["ModelPackageGroupArn"]
    target.sm.add_tags(ResourceArn=group_arn, Tags=[{"Key": "stage", "Value": "dev"}])
    expected = {"team": "risk", "stage": "dev"}
    assert {t["Key"]: t["Value"] for t in target.sm.list_tags(ResourceArn=arn)["Tags"]} == expected
    found = target.eventually(lambda: [{t["Key"]: t["Value"] for t in p.get("Tags", [])}
                                       for p in search_versions(target, group)], [expected])
    assert found == [expected]


# --- inference specifications --------------------------------------------------------------------------------


def _extra(name: str) -> dict:
    return {"Name": name, "Containers": SPEC["Containers"]}


@pytest.mark.parity
def test_additional_inference_specification_names_are_unique(target):
    """AdditionalInferenceSpecificationDefinition.Name: "A unique name to identify the additional inference
    specification." "The name must be unique within the list of your additional inference specifications
    for a particular model package."
    """
    group = target.group()
    code, _ = error_of(target.register, group, AdditionalInferenceSpecifications=[_extra("neo"), _extra("neo")])
    assert code == "ValidationException"
    assert target.versions(group) == [], "nothing registered"
    arn = target.register(group, AdditionalInferenceSpecifications=[_extra("neo"), _extra("inf2")])
    code, _ = error_of(target.sm.update_model_package, ModelPackageArn=arn,
                       AdditionalInferenceSpecificationsToAdd=[_extra("neo")])
    assert code == "ValidationException"
    names = lambda: [s["Name"] for s in target.sm.describe_model_package(  # noqa: E731
        ModelPackageName=arn)["AdditionalInferenceSpecifications"]]
    assert names() == ["neo", "inf2"], "nothing added"
    target.sm.update_model_package(ModelPackageArn=arn, AdditionalInferenceSpecificationsToAdd=[_extra("gpu")])
    assert names() == ["neo", "inf2", "gpu"]


@pytest.mark.parity
def test_a_model_data_source_names_one_source(target):
    """ModelDataSource: "If specified, you must specify one and only one of the available data sources."

    Its only data source is S3DataSource, so an empty ModelDataSource is refused.
    """
    group = target.group()
    empty = {"Containers": [{"Image": IMAGE, "ModelDataSource": {}}]}
    code, _ = error_of(target.register, group, InferenceSpecification=empty)
    assert code == "ValidationException"
    assert target.versions(group) == [], "nothing registered"
    source = {"S3DataSource": {"S3Uri": "s3://parity-bucket/model/", "S3DataType": "S3Prefix", "CompressionType": "None"}}
    arn = target.register(group, InferenceSpecification={"Containers": [{"Image": IMAGE, "ModelDataSource": source}]})
    desc = target.sm.describe_model_package(ModelPackageName=arn)
    assert desc["InferenceSpecification"]["Containers"][0]["ModelDataSource"] == source


# --- the model card ------------------------------------------------------------------------------------------


@pytest.mark.parity
def test_an_archived_model_card_keeps_its_content(target):
    """ModelPackageModelCard.ModelCardStatus, Archived: "No more updates can be made to the model card content."
    "If you try to update the model card content, you will receive the message Model Card is in Archived state."

    Sending the content the card already has is no update of it (the kit always sends content and status).
    """
    group = target.group()
    content = json.dumps({"intended_uses": {"purpose_of_model": "churn", "risk_rating": "Low"}})
    arn = target.register(group, ModelCard={"ModelCardContent": content, "ModelCardStatus": "Draft"})
    target.sm.update_model_package(ModelPackageArn=arn, ModelCard={"ModelCardContent": content,
                                                                   "ModelCardStatus": "Archived"})
    changed = json.dumps({"intended_uses": {"purpose_of_model": "something else", "risk_rating": "High"}})
    code, message = error_of(target.sm.update_model_package, ModelPackageArn=arn,
                             ModelCard={"ModelCardContent": changed, "ModelCardStatus": "Archived"})
    assert code == "ValidationException" and "Model Card is in Archived state" in message
    card = target.sm.describe_model_package(ModelPackageName=arn)["ModelCard"]
    assert (json.loads(card["ModelCardContent"]), card["ModelCardStatus"]) == (json.loads(content), "Archived")
    target.sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                                   ModelCard={"ModelCardContent": content, "ModelCardStatus": "Archived"})
    assert target.sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "Approved"


@pytest.mark.parity
def test_metadata_only_returns_every_other_member_unchanged(target):
    """DescribeModelPackageInput.IncludedData, MetadataOnly: "All other top-level response fields, including
    InferenceSpecification, ModelMetrics, DriftCheckBaselines, and SecurityConfig, are returned unchanged."
    AllData: "This is the default." "If you don't specify a value, SageMaker returns AllData."

    (SecurityConfig needs a real KMS key in an account, so it is part of this test only locally.)
    """
    group = target.group()
    metrics = {"ContentType": "application/json", "S3Uri": "s3://parity-bucket/metrics.json"}
    content = json.dumps({"intended_uses": {"purpose_of_model": "churn", "risk_rating": "Low"}})
    extra = {} if target.remote else {"SecurityConfig": {"KmsKeyId": "alias/parity-key"}}
    arn = target.register(group, ModelMetrics={"ModelQuality": {"Statistics": metrics}},
                          DriftCheckBaselines={"ModelQuality": {"Constraints": metrics}},
                          ModelCard={"ModelCardContent": content, "ModelCardStatus": "Draft"}, **extra)
    full = target.sm.describe_model_package(ModelPackageName=arn)
    assert target.sm.describe_model_package(ModelPackageName=arn, IncludedData="AllData") == full
    assert json.loads(full["ModelCard"]["ModelCardContent"]) == json.loads(content), "unredacted by default"
    meta = target.sm.describe_model_package(ModelPackageName=arn, IncludedData="MetadataOnly")
    assert {k: v for k, v in meta.items() if k not in ("ModelCard", "ResponseMetadata")} == \
        {k: v for k, v in full.items() if k not in ("ModelCard", "ResponseMetadata")}
    for member in ("InferenceSpecification", "ModelMetrics", "DriftCheckBaselines", *extra):
        assert meta[member] == full[member]


# --- lists ---------------------------------------------------------------------------------------------------


@pytest.mark.parity
def test_lists_filter_on_creation_time(target):
    """ListModelPackagesInput.CreationTimeAfter: "A filter that returns only model packages created after the
    specified time (timestamp)." .CreationTimeBefore: "A filter that returns only model packages created
    before the specified time (timestamp)." ListModelPackageGroupsInput.CreationTimeAfter: "A filter that
    returns only model groups created after the specified time." .CreationTimeBefore: "A filter that returns
    only model groups created before the specified time."
    """
    first = target.group("a")
    v1 = target.register(first)
    time.sleep(2)
    second = target.group("b")
    v2 = target.register(first)
    # a cut between the two, from the service's own clock (a request may carry whole seconds)
    cut = target.sm.describe_model_package(ModelPackageName=v1)["CreationTime"] + datetime.timedelta(seconds=1)
    groups = lambda **kw: [g["ModelPackageGroupName"] for g in target.sm.list_model_package_groups(  # noqa: E731
        NameContains=target.prefix, **kw)["ModelPackageGroupSummaryList"]]
    assert (groups(CreationTimeAfter=cut), groups(CreationTimeBefore=cut)) == ([second], [first])
    arns = lambda **kw: [s["ModelPackageArn"] for s in target.sm.list_model_packages(  # noqa: E731
        ModelPackageGroupName=first, **kw)["ModelPackageSummaryList"]]
    assert (arns(CreationTimeAfter=cut), arns(CreationTimeBefore=cut)) == ([v2], [v1])


# --- Search --------------------------------------------------------------------------------------------------


@pytest.fixture
def versions(target):
    """A group with two versions, for Search."""
    group = target.group()
    for i in (1, 2):
        target.register(group, ModelPackageDescription=f"model {i}")
    target.eventually(lambda: len(search_versions(target, group)), 2)
    return group


@pytest.mark.parity
def test_a_search_expression_must_hold_something(target, versions):
    """SearchRequest.SearchExpression: "You must provide at least one subexpression, filter, or nested
    filter." SearchExpression: "You must specify at least one subexpression, filter, or nested filter."
    """
    code, _ = error_of(target.sm.search, Resource="ModelPackage", SearchExpression={})
    assert code == "ValidationException"
    assert len(search_versions(target, versions)) == 2


@pytest.mark.parity
def test_a_search_expression_holds_at_most_fifty_elements(target, versions):
    """SearchRequest.SearchExpression: "The maximum number of recursive SubExpressions, NestedFilters, and
    Filters that can be included in a SearchExpression object is 50."
    """
    positive = {"Name": "ModelPackageVersion", "Operator": "GreaterThan", "Value": "0"}
    group = {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": versions}
    fifty = {"Filters": [group] + [positive] * 7, "SubExpressions": [{"Filters": [positive] * 20}] * 2}  # 8 + 2 + 40
    assert len(target.sm.search(Resource="ModelPackage", SearchExpression=fifty)["Results"]) == 2
    code, _ = error_of(target.sm.search, Resource="ModelPackage",
                       SearchExpression={**fifty, "Filters": fifty["Filters"] + [positive]})
    assert code == "ValidationException"


@pytest.mark.parity
@pytest.mark.parametrize("operator,version,sentence", [
    (op, version, "Not supported for text properties.")
    for op, version in (("GreaterThan", "1"), ("GreaterThanOrEqualTo", "2"), ("LessThan", "2"), ("LessThanOrEqualTo", "1"))])
def test_ordered_operators_are_refused_on_text(target, versions, operator, version, sentence):
    """Filter.Operator, for each ordered operator: "Not supported for text properties."."""
    code, _ = error_of(search_versions, target, versions,
                       {"Name": "ModelPackageDescription", "Operator": operator, "Value": "model 1"})
    assert code == "ValidationException", sentence
    assert len(search_versions(target, versions, {"Name": "ModelPackageVersion", "Operator": operator,
                                                  "Value": version})) == 1


@pytest.mark.parity
@pytest.mark.parametrize("operator,sentence", [("In", "Only supported for text properties."),
                                               ("Contains", "Only supported for text properties.")])
def test_in_and_contains_are_refused_on_numbers(target, versions, operator, sentence):
    """Filter.Operator, In and Contains: "Only supported for text properties."."""
    code, _ = error_of(search_versions, target, versions,
                       {"Name": "ModelPackageVersion", "Operator": operator, "Value": "1"})
    assert code == "ValidationException", sentence
    assert len(search_versions(target, versions, {"Name": "ModelPackageDescription", "Operator": operator,
                                                  "Value": "model 1"})) == 1


@pytest.mark.parity
def test_filter_values_must_fit_the_property_type(target, versions):
    """Filter.Value: "For numerical properties, Value must be an integer or floating-point decimal."
    "For timestamp properties, Value must be an ISO 8601 date-time string of the following format:
    YYYY-mm-dd'T'HH:MM:SS."
    """
    for bad in ({"Name": "ModelPackageVersion", "Operator": "Equals", "Value": "first"},
                {"Name": "CreationTime", "Operator": "GreaterThan", "Value": "yesterday"}):
        code, _ = error_of(search_versions, target, versions, bad)
        assert code == "ValidationException"
    assert len(search_versions(target, versions, {"Name": "ModelPackageVersion", "Operator": "Equals", "Value": "2"})) == 1
    assert len(search_versions(target, versions, {"Name": "CreationTime", "Operator": "GreaterThan",
                                                  "Value": "2020-01-01T00:00:00"})) == 2


@pytest.mark.parity
def test_a_nested_property_must_be_a_property(target, versions):
    """NestedFilters.NestedPropertyName: "The value must match a listed property name, such as InputDataConfig."
    """
    def nested(prop: str) -> dict:
        return {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": versions}],
                "NestedFilters": [{"NestedPropertyName": prop, "Filters": [
                    {"Name": f"{prop}.Image", "Operator": "Equals", "Value": IMAGE}]}]}

    code, _ = error_of(target.sm.search, Resource="ModelPackage", SearchExpression=nested("InferenceSpecification.Boxes"))
    assert code == "ValidationException"
    found = target.sm.search(Resource="ModelPackage", SearchExpression=nested("InferenceSpecification.Containers"))
    assert len(found["Results"]) == 2


@pytest.mark.parity
def test_search_across_accounts_finds_nothing_shared(target):
    """SearchRequest.CrossAccountFilterOption: "When the value is "CrossAccount" the search results will only
    include resources made discoverable to you from other accounts." "When the value is "SameAccount" or null
    the search results will only include resources from your account." "Default is null."
    """
    name = target.group()
    assert target.eventually(lambda: search_groups(target), [name]) == [name]
    assert search_groups(target, CrossAccountFilterOption="SameAccount") == [name]
    assert search_groups(target, CrossAccountFilterOption="CrossAccount") == []


@pytest.mark.parity
def test_visibility_conditions_keep_resources_without_the_key(target):
    """SearchRequest.VisibilityConditions: "Limits the results of your search request to the resources that you
    can access." VisibilityConditions: "If a search result contains a key from your list, it is included in the
    final search response if the value associated with the key in the result matches the value you specified."
    "If the value doesn't match, the result is excluded from the search response." "Any resources that don't
    have a key from the list that you've provided will also be included in the search response."
    """
    risk = target.group("risk", Tags=[{"Key": "team", "Value": "risk"}])
    target.group("pricing", Tags=[{"Key": "team", "Value": "pricing"}])
    untagged = target.group("untagged")
    target.eventually(lambda: len(search_groups(target)), 3)
    conditions = [{"Key": "Tags.team", "Value": "risk"}]
    assert search_groups(target, VisibilityConditions=conditions) == sorted([risk, untagged])


@pytest.mark.parity
def test_a_visibility_condition_key_names_a_tag(target):
    """VisibilityConditions.Key: "It must be in the following format: Tags.<key>."."""
    name = target.group(Tags=[{"Key": "team", "Value": "risk"}])
    target.eventually(lambda: search_groups(target), [name])
    code, _ = error_of(search_groups, target, VisibilityConditions=[{"Key": "team", "Value": "risk"}])
    assert code == "ValidationException"
    assert search_groups(target, VisibilityConditions=[{"Key": "Tags.team", "Value": "risk"}]) == [name]


# --- the newest members --------------------------------------------------------------------------------------


@pytest.mark.parity
def test_registration_type_is_kept_listed_searched_and_updated(target):
    """ModelPackageRegistrationType (Logged, Registered): "The package registration type of the model package
    input." The reference says nothing of what it changes; locally it is stored and shown as sent, and
    UpdateModelPackage changes it.
    """
    group = target.group()
    arn = target.register(group, ModelPackageRegistrationType="Logged")
    assert target.sm.describe_model_package(ModelPackageName=arn)["ModelPackageRegistrationType"] == "Logged"
    listed = target.sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    assert [s["ModelPackageRegistrationType"] for s in listed] == ["Logged"]
    batch = target.sm.batch_describe_model_package(ModelPackageArnList=[arn])["ModelPackageSummaries"][arn]
    assert batch["ModelPackageRegistrationType"] == "Logged"
    logged = {"Name": "ModelPackageRegistrationType", "Operator": "Equals", "Value": "Logged"}
    found = target.eventually(lambda: [p["ModelPackageArn"] for p in search_versions(target, group, logged)], [arn])
    assert found == [arn]
    target.sm.update_model_package(ModelPackageArn=arn, ModelPackageRegistrationType="Registered")
    assert target.sm.describe_model_package(ModelPackageName=arn)["ModelPackageRegistrationType"] == "Registered"


def test_security_config_is_kept_and_shown(target):
    """SecurityConfig: "The KMS Key ID (KMSKeyId) used for encryption of model package information."

    Local only (AWS needs a real key). Stored and returned by DescribeModelPackage and Search; nothing is
    encrypted locally, and UpdateModelPackage has no SecurityConfig member.
    """
    group = target.group()
    config_ = {"KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
    arn = target.register(group, SecurityConfig=config_)
    assert target.sm.describe_model_package(ModelPackageName=arn)["SecurityConfig"] == config_
    assert [p["SecurityConfig"] for p in search_versions(target, group)] == [config_]
    assert target.versions(group) == [1]


def test_managed_storage_type_and_managed_configuration_are_kept(target):
    """CreateModelPackageInput.ManagedStorageType and CreateModelPackageGroupInput.ManagedConfiguration:
    "The storage type of the model package." (Restricted); "The managed configuration of the model package group."

    Local only (what Restricted storage needs in an account is not stated). Stored and returned by the
    Describe operations; the Search shapes (ModelPackage, ModelPackageGroup) have no such member, so Search
    does not show them; a group's configuration is not copied into its versions.
    """
    group = target.group(ManagedConfiguration={"ManagedStorageType": "Restricted"})
    desc = target.sm.describe_model_package_group(ModelPackageGroupName=group)
    assert desc["ManagedConfiguration"] == {"ManagedStorageType": "Restricted"}
    plain, restricted = target.register(group), target.register(group, ManagedStorageType="Restricted")
    assert "ManagedStorageType" not in target.sm.describe_model_package(ModelPackageName=plain)
    assert target.sm.describe_model_package(ModelPackageName=restricted)["ManagedStorageType"] == "Restricted"
    assert all("ManagedStorageType" not in p for p in search_versions(target, group))
    assert all("ManagedConfiguration" not in r["ModelPackageGroup"] for r in target.sm.search(
        Resource="ModelPackageGroup", SearchExpression={"Filters": [
            {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": group}]})["Results"])


@pytest.mark.parity
def test_source_uri_is_kept_searched_and_updated(target):
    """CreateModelPackageInput.SourceUri: "If you want to clone a model package, set it to the model package
    Amazon Resource Name (ARN)." Locally nothing is cloned or read: the URI is stored, shown by Describe and
    Search, and UpdateModelPackage changes it.
    """
    group = target.group()
    first = target.register(group)
    second = target.register(group, SourceUri=first)
    assert target.sm.describe_model_package(ModelPackageName=second)["SourceUri"] == first
    by_source = {"Name": "SourceUri", "Operator": "Equals", "Value": first}
    found = target.eventually(lambda: [p["ModelPackageArn"] for p in search_versions(target, group, by_source)], [second])
    assert found == [second]
    target.sm.update_model_package(ModelPackageArn=second, SourceUri="s3://parity-bucket/source/train.py")
    assert target.sm.describe_model_package(ModelPackageName=second)["SourceUri"] == "s3://parity-bucket/source/train.py"


# --- the catalogue ---------------------------------------------------------------------------------------------


def _functions(path: Path) -> dict[str, str]:
    """Each test function of ``path``: its source with its decorators (parametrisations quote sentences too)."""
    source = path.read_text()
    lines = source.splitlines()
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            out[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_constraint_sentence_has_one_verdict():
    _, problems = doc_constraints.classify(doc_constraints.extract())
    assert problems == [], ("classify these sentences in tests/doc_constraints.py (RULES), then run "
                            "`.venv/bin/python tests/doc_constraints.py --write`:\n" + "\n".join(problems))


def test_every_enforced_sentence_is_quoted_by_its_test():
    files = {"documented": TESTS / "test_documented_rules.py", "rules": TESTS / "test_registry_rules.py"}
    functions = {}
    for sentence in doc_constraints.catalogue():
        if sentence.verdict != "test":
            continue
        for ref in sentence.detail.split(","):
            where, _, name = ref.strip().partition("::")
            path = files.get(where, TESTS / where)
            if path not in functions:
                functions[path] = _functions(path)
            assert name in functions[path], f"{ref.strip()} (for {sentence.quoted!r}) does not exist"
            if where == "documented":
                assert _flat(sentence.text) in _flat(functions[path][name]), \
                    f"{name} must quote {sentence.text!r} verbatim"


def test_the_parity_page_carries_the_catalogue():
    block = doc_constraints.page_block(doc_constraints.PARITY_PAGE.read_text())
    assert block == doc_constraints.markdown(doc_constraints.catalogue()), \
        "run `.venv/bin/python tests/doc_constraints.py --write` to update docs/local-backend.md"
