"""The Model Registry operations, answered from the kit's own registry (``registry.py``).

Each operation reads the request (already checked against botocore's input shape by
``validation.py``), raises :class:`~.wire.ServiceError` for anything SageMaker refuses, and otherwise
returns its response; a write lists its changes in ``call.records`` and the packages whose state
changed in ``call.changed``. ``sagemaker_layer.py`` commits the records (journal first) and only then
answers and sends the events, so a refused request changes nothing.

The rules come from the API reference (botocore's SageMaker model: shapes and documentation text) and
the developer guide; ``tests/test_registry_rules.py`` proves each one and docs/local-backend.md lists
them, with the choices made where the sources are silent.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from . import search
from .registry import ACCOUNT, Registry, group_arn, package_arn
from .validation import service_model
from .wire import ServiceError, validation

LIST_PAGE = 10  # ListModelPackages/ListModelPackageGroups without MaxResults (unverified default)
METADATA_LIMIT = 50  # CustomerMetadataMap: max 50 entries, checked again after a merge
ADDITIONAL_SPECS_LIMIT = 15  # "Total number of additional Inference Specifications can not exceed 15."
TAG_LIMIT = 50  # TagList max 50
# DescribeModelPackage.ModelCard: what IncludedData=MetadataOnly keeps of ModelCardContent.
CARD_METADATA_PATHS = ("model_overview.model_id", "model_overview.model_name", "intended_uses.risk_rating",
                       "model_package_details.model_package_group_name", "model_package_details.model_package_arn")
# The members of a version that UpdateModelPackage can change, as the event's UpdatedModelPackageFields names them.
UPDATABLE = ("ModelApprovalStatus", "ApprovalDescription", "ModelPackageRegistrationType", "CustomerMetadataProperties",
             "AdditionalInferenceSpecifications", "InferenceSpecification", "SourceUri", "ModelCard", "ModelLifeCycle")


@dataclass
class Call:
    region: str
    registry: Registry
    params: dict[str, Any]
    caller: dict[str, Any]  # UserContext of whoever signed the request
    now: float
    records: list[list[Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)  # (package, updated fields)

    def put_group(self, doc: dict[str, Any]) -> None:
        self.records.append(["group", doc["ModelPackageGroupName"].lower(), doc])

    def put_package(self, doc: dict[str, Any]) -> None:
        self.records.append(["package", doc["ModelPackageArn"], doc])


def public(doc: dict[str, Any], shape: str) -> dict[str, Any]:
    """The members of ``doc`` that the output ``shape`` has (private keys and others dropped)."""
    members = service_model().shape_for(shape).members
    return {k: copy.deepcopy(v) for k, v in doc.items() if k in members and v is not None}


# --- finding groups and packages by name or ARN --------------------------------------------------------


def _arn_parts(value: str) -> tuple[str, str, str, str] | None:
    """(region, account, resource type, resource) of a SageMaker ARN, or None for a plain name."""
    if not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    kind, _, resource = parts[5].partition("/")
    return parts[3], parts[4], kind, resource


def find_group(call: Call, value: str) -> dict[str, Any]:
    """A group by name or ARN ("ArnOrName"), or the error SageMaker gives for a missing one."""
    name = value
    arn = _arn_parts(value)
    if arn is not None:
        region, account, kind, name = arn
        if kind != "model-package-group":
            raise validation(f"{value} is not a model package group ARN: it must look like "
                             f"{group_arn(call.region, 'NAME')}.")
        if account != ACCOUNT or region != call.region:
            raise validation(f"Model Package Group {value} does not exist (the local backend holds account "
                             f"{ACCOUNT}, region {call.region} only).")
    group = call.registry.group(name)
    if group is None:
        raise validation(f"Model Package Group {name} does not exist.")
    return group


def find_package(call: Call, value: str) -> dict[str, Any]:
    """A package by ARN, ``group/version`` or unversioned name ("VersionedArnOrName")."""
    arn = _arn_parts(value)
    if arn is not None:
        if arn[2] != "model-package" or arn[1] != ACCOUNT or arn[0] != call.region:
            raise validation(f"Model package {value} does not exist.")
        found = call.registry.package(value)
    elif "/" in value:
        group, _, version = value.rpartition("/")
        found = call.registry.package(package_arn(call.region, group, int(version)))
    else:
        found = call.registry.package(package_arn(call.region, value))
    if found is None:
        raise validation(f"Model package {value} does not exist.")
    return found


def _tags_of(call: Call, package: dict[str, Any]) -> list[dict[str, str]]:
    """A versioned package "uses the tags associated with the model group" (CreateModelPackage.Tags)."""
    if package.get("ModelPackageGroupName"):
        group = call.registry.group(package["ModelPackageGroupName"])
        return list(group.get("_Tags", [])) if group else []
    return list(package.get("_Tags", []))


# --- groups ---------------------------------------------------------------------------------------------


def create_model_package_group(call: Call) -> dict[str, Any]:
    p = call.params
    name = p["ModelPackageGroupName"]
    existing = call.registry.group(name)
    if existing is not None:
        raise validation(f"Model Package Group already exists: {existing['ModelPackageGroupArn']}")
    doc = {
        "ModelPackageGroupName": name,
        "ModelPackageGroupArn": group_arn(call.region, name),
        "ModelPackageGroupDescription": p.get("ModelPackageGroupDescription"),
        "CreationTime": call.now,
        "CreatedBy": call.caller,
        "ModelPackageGroupStatus": "Completed",
        "ManagedConfiguration": p.get("ManagedConfiguration"),
        "_Tags": _merge_tags([], p.get("Tags") or []),
        "_LatestVersion": 0,
    }
    call.put_group({k: v for k, v in doc.items() if v is not None})
    return {"ModelPackageGroupArn": doc["ModelPackageGroupArn"]}


def describe_model_package_group(call: Call) -> dict[str, Any]:
    return public(find_group(call, call.params["ModelPackageGroupName"]), "DescribeModelPackageGroupOutput")


def delete_model_package_group(call: Call) -> dict[str, Any]:
    group = find_group(call, call.params["ModelPackageGroupName"])
    remaining = call.registry.group_versions(group["ModelPackageGroupName"])
    if remaining:
        raise ServiceError("ConflictException", (
            f"Model Package Group {group['ModelPackageGroupArn']} cannot be deleted because it contains "
            f"{len(remaining)} model package(s); delete the model packages first."))
    call.records.append(["group", group["ModelPackageGroupName"].lower(), None])
    return {}


def _created_between(doc: dict[str, Any], p: dict[str, Any]) -> bool:
    after, before = p.get("CreationTimeAfter"), p.get("CreationTimeBefore")
    return (after is None or doc["CreationTime"] > float(after)) and (before is None or doc["CreationTime"] < float(before))


def _list_response(items: list[dict[str, Any]], p: dict[str, Any], name_key: str, list_key: str,
                   summary: str) -> dict[str, Any]:
    """One page of a List operation: sorted by ``SortBy`` (Name or CreationTime) and ``SortOrder``."""
    sort_key = (lambda d: d[name_key].lower()) if p.get("SortBy") == "Name" else (lambda d: d["CreationTime"])
    ordered = sorted(items, key=sort_key, reverse=p.get("SortOrder") == "Descending")
    chosen, token = search.page(ordered, p.get("NextToken"), int(p.get("MaxResults") or LIST_PAGE))
    out: dict[str, Any] = {list_key: [public(d, summary) for d in chosen]}
    if token:
        out["NextToken"] = token
    return out


def list_model_package_groups(call: Call) -> dict[str, Any]:
    p = call.params
    if p.get("CrossAccountFilterOption") == "CrossAccount":
        items: list[dict[str, Any]] = []  # no other account shares groups with the local backend
    else:
        contains = (p.get("NameContains") or "").lower()
        items = [g for g in call.registry.groups.values()
                 if contains in g["ModelPackageGroupName"].lower() and _created_between(g, p)]
    return _list_response(items, p, "ModelPackageGroupName", "ModelPackageGroupSummaryList", "ModelPackageGroupSummary")


# --- group policies ----------------------------------------------------------------------------------------


def put_model_package_group_policy(call: Call) -> dict[str, Any]:
    group = find_group(call, call.params["ModelPackageGroupName"])
    try:
        json.loads(call.params["ResourcePolicy"])
    except ValueError:
        raise validation("The resource policy is not valid JSON: check its quotes and brackets.") from None
    call.put_group({**group, "_Policy": call.params["ResourcePolicy"]})
    return {"ModelPackageGroupArn": group["ModelPackageGroupArn"]}


def get_model_package_group_policy(call: Call) -> dict[str, Any]:
    group = find_group(call, call.params["ModelPackageGroupName"])
    if "_Policy" not in group:
        raise validation(f"Model Package Group {group['ModelPackageGroupArn']} has no resource policy.")
    return {"ResourcePolicy": group["_Policy"]}


def delete_model_package_group_policy(call: Call) -> dict[str, Any]:
    group = find_group(call, call.params["ModelPackageGroupName"])
    if "_Policy" not in group:
        raise validation(f"Model Package Group {group['ModelPackageGroupArn']} has no resource policy.")
    call.put_group({k: v for k, v in group.items() if k != "_Policy"})
    return {}


# --- packages ---------------------------------------------------------------------------------------------

COPIED = ("ModelPackageDescription", "ModelPackageRegistrationType", "InferenceSpecification", "ValidationSpecification",
          "SourceAlgorithmSpecification", "MetadataProperties", "ModelMetrics", "Domain", "Task", "SamplePayloadUrl",
          "CustomerMetadataProperties", "DriftCheckBaselines", "AdditionalInferenceSpecifications",
          "SkipModelValidation", "SourceUri", "SecurityConfig", "ModelCard", "ModelLifeCycle", "ManagedStorageType")


def _check_card(card: dict[str, Any] | None) -> None:
    if card and "ModelCardContent" in card:
        try:
            json.loads(card["ModelCardContent"])
        except ValueError:
            raise validation("ModelCard.ModelCardContent must be a JSON document (the model package model card "
                             "schema); check its quotes and brackets.") from None


def create_model_package(call: Call) -> dict[str, Any]:
    p = call.params
    token = p.get("ClientToken")
    if token and call.registry.tokens.get(token) in call.registry.packages:
        return {"ModelPackageArn": call.registry.tokens[token]}  # a retry of a registration that succeeded
    group_value, name = p.get("ModelPackageGroupName"), p.get("ModelPackageName")
    if group_value and name:
        raise validation("Both ModelPackageName and ModelPackageGroupName are provided in the input: give "
                         "ModelPackageGroupName for a versioned model, ModelPackageName for an unversioned one.")
    if not group_value and not name:
        raise validation("Neither ModelPackageGroupName nor ModelPackageName is provided: give "
                         "ModelPackageGroupName to register a model version in a group.")
    _check_card(p.get("ModelCard"))
    doc: dict[str, Any] = {k: copy.deepcopy(p[k]) for k in COPIED if k in p}
    if group_value:
        group = find_group(call, group_value)
        if p.get("Tags"):
            raise validation("Tags are not supported on model package versions: a version uses the tags of its "
                             "model package group, so tag the group instead.")
        if "CertifyForMarketplace" in p:
            raise validation("CertifyForMarketplace does not apply to versioned models: leave it out when you "
                             "give ModelPackageGroupName.")
        version = group.get("_LatestVersion", 0) + 1
        gname = group["ModelPackageGroupName"]
        doc.update({
            "ModelPackageName": f"{gname}/{version}",
            "ModelPackageGroupName": gname,
            "ModelPackageVersion": version,
            "ModelPackageArn": package_arn(call.region, gname, version),
            "ModelApprovalStatus": p.get("ModelApprovalStatus", "PendingManualApproval"),
        })
        call.put_group({**group, "_LatestVersion": version})
    else:
        if call.registry.package(package_arn(call.region, name)) is not None:
            raise validation(f"Model package {name} already exists: choose another ModelPackageName.")
        if "ModelApprovalStatus" in p:
            raise validation("ModelApprovalStatus does not apply to unversioned model packages: register into "
                             "a model package group (ModelPackageGroupName) to use approvals.")
        doc.update({"ModelPackageName": name, "ModelPackageArn": package_arn(call.region, name),
                    "CertifyForMarketplace": bool(p.get("CertifyForMarketplace", False)),
                    "_Tags": _merge_tags([], p.get("Tags") or [])})
    doc.update({
        "CreationTime": call.now, "LastModifiedTime": call.now, "CreatedBy": call.caller, "LastModifiedBy": call.caller,
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
    })
    call.put_package(doc)
    if token:
        call.records.append(["token", token, doc["ModelPackageArn"]])
    if group_value:
        call.changed.append((doc, []))
    return {"ModelPackageArn": doc["ModelPackageArn"]}


def _sanitized_card(card: dict[str, Any]) -> dict[str, Any]:
    """ModelCard with IncludedData=MetadataOnly: the status, and only the listed paths of the content."""
    out = {k: v for k, v in card.items() if k != "ModelCardContent"}
    if "ModelCardContent" in card:
        content, kept = json.loads(card["ModelCardContent"]), {}
        for path in CARD_METADATA_PATHS:
            head, _, leaf = path.partition(".")
            if isinstance(content.get(head), dict) and leaf in content[head]:
                kept.setdefault(head, {})[leaf] = content[head][leaf]
        out["ModelCardContent"] = json.dumps(kept)
    return out


def describe_model_package(call: Call) -> dict[str, Any]:
    package = find_package(call, call.params["ModelPackageName"])
    out = public(package, "DescribeModelPackageOutput")
    if call.params.get("IncludedData") == "MetadataOnly" and "ModelCard" in out:
        out["ModelCard"] = _sanitized_card(out["ModelCard"])
    return out


def batch_describe_model_package(call: Call) -> dict[str, Any]:
    summaries, errors = {}, {}
    for arn in call.params["ModelPackageArnList"]:
        try:
            package = find_package(call, arn)
            if package.get("ModelPackageVersion") is None:
                raise validation(f"Model package {arn} is not a versioned model package.")
        except ServiceError as err:
            errors[arn] = {"ErrorCode": err.code, "ErrorResponse": err.message}
            continue
        summaries[arn] = public(package, "BatchDescribeModelPackageSummary")
    return {"ModelPackageSummaries": summaries, "BatchDescribeModelPackageErrorMap": errors}


def list_model_packages(call: Call) -> dict[str, Any]:
    p = call.params
    group_value = p.get("ModelPackageGroupName")
    # ModelPackageType: "UNVERSIONED ... is the default value if no ModelPackageType is specified"; with a
    # group named, the developer guide lists that group's versions, so a group implies Versioned.
    kind = p.get("ModelPackageType") or ("Versioned" if group_value else "Unversioned")
    if group_value:
        try:
            group = find_group(call, group_value)
            items = call.registry.group_versions(group["ModelPackageGroupName"]) if kind != "Unversioned" else []
        except ServiceError:
            items = []
    else:
        items = [d for d in call.registry.packages.values()
                 if kind == "Both" or (kind == "Versioned") == (d.get("ModelPackageVersion") is not None)]
    contains = (p.get("NameContains") or "").lower()
    items = [d for d in items if contains in d["ModelPackageName"].lower() and _created_between(d, p)
             and (not p.get("ModelApprovalStatus") or d.get("ModelApprovalStatus") == p["ModelApprovalStatus"])]
    return _list_response(items, p, "ModelPackageName", "ModelPackageSummaryList", "ModelPackageSummary")


def update_model_package(call: Call) -> dict[str, Any]:
    p = call.params
    package = find_package(call, p["ModelPackageArn"])
    versioned = package.get("ModelPackageVersion") is not None
    if not versioned and "ModelApprovalStatus" in p:
        raise validation("ModelApprovalStatus applies to versioned model packages only (UpdateModelPackage "
                         "updates a versioned model).")
    _check_card(p.get("ModelCard"))
    new = copy.deepcopy(package)
    for key in ("ModelApprovalStatus", "ApprovalDescription", "ModelPackageRegistrationType", "InferenceSpecification",
                "SourceUri", "ModelCard", "ModelLifeCycle"):
        if key in p:
            new[key] = copy.deepcopy(p[key])
    removing = p.get("CustomerMetadataPropertiesToRemove") or []
    if "CustomerMetadataProperties" in p or removing:
        both = set(removing) & set(p.get("CustomerMetadataProperties") or {})
        if both:
            raise validation(f"The keys {sorted(both)} are both set and removed in one request: do one or the other.")
        merged = {**(package.get("CustomerMetadataProperties") or {}), **(p.get("CustomerMetadataProperties") or {})}
        for key in removing:
            merged.pop(key, None)
        if len(merged) > METADATA_LIMIT:
            raise validation(f"CustomerMetadataProperties would hold {len(merged)} entries after this update; a "
                             f"model package can hold at most {METADATA_LIMIT}: remove some first.")
        new["CustomerMetadataProperties"] = merged
        if not merged:
            new.pop("CustomerMetadataProperties")
    if p.get("AdditionalInferenceSpecificationsToAdd"):
        specs = (package.get("AdditionalInferenceSpecifications") or []) + p["AdditionalInferenceSpecificationsToAdd"]
        if len(specs) > ADDITIONAL_SPECS_LIMIT:
            raise validation(f"A model package can hold at most {ADDITIONAL_SPECS_LIMIT} additional inference "
                             f"specifications; this update would make {len(specs)}.")
        new["AdditionalInferenceSpecifications"] = specs
    updated = [k for k in UPDATABLE if new.get(k) != package.get(k)]
    if updated:
        new["LastModifiedTime"], new["LastModifiedBy"] = call.now, call.caller
        call.put_package(new)
        if versioned:
            call.changed.append((new, updated))
    return {"ModelPackageArn": package["ModelPackageArn"]}


def delete_model_package(call: Call) -> dict[str, Any]:
    package = find_package(call, call.params["ModelPackageName"])
    call.records.append(["package", package["ModelPackageArn"], None])
    return {}


# --- tags on groups (and unversioned packages) -----------------------------------------------------------


def _merge_tags(current: list[dict[str, str]], added: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t.get("Value", "") for t in current}
    merged.update({t["Key"]: t.get("Value", "") for t in added})
    if len(merged) > TAG_LIMIT:
        raise validation(f"A resource can have at most {TAG_LIMIT} tags; this would make {len(merged)}.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def tagged_resource(call: Call, arn: str) -> dict[str, Any] | None:
    """The group or package an ARN names, if it is one of the registry's; None for other resources."""
    parts = _arn_parts(arn)
    if parts is None or parts[2] not in ("model-package-group", "model-package"):
        return None
    try:
        return find_group(call, arn) if parts[2] == "model-package-group" else find_package(call, arn)
    except ServiceError:
        raise validation("Resource does not exist.") from None


def add_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    if target.get("ModelPackageVersion") is not None:
        raise validation("Tags are not supported on model package versions: add them to the model package group.")
    new = {**target, "_Tags": _merge_tags(target.get("_Tags", []), call.params["Tags"])}
    (call.put_group if "ModelPackageGroupArn" in target else call.put_package)(new)
    return {"Tags": call.params["Tags"]}


def list_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    tags = _tags_of(call, target) if "ModelPackageArn" in target else list(target.get("_Tags", []))
    return {"Tags": tags}


def delete_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    if target.get("ModelPackageVersion") is not None:
        raise validation("Tags are not supported on model package versions: they belong to the model package group.")
    drop = set(call.params["TagKeys"])
    new = {**target, "_Tags": [t for t in target.get("_Tags", []) if t["Key"] not in drop]}
    (call.put_group if "ModelPackageGroupArn" in target else call.put_package)(new)
    return {}


# --- Search ------------------------------------------------------------------------------------------------


def _search_view(call: Call, resource: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A record as Search shows it: the resource shape's members, and its tags (a version: its group's)."""
    if resource == "ModelPackage":
        view, tags = public(doc, "ModelPackage"), _tags_of(call, doc)
    else:
        view, tags = public(doc, "ModelPackageGroup"), list(doc.get("_Tags", []))
    if tags:
        view["Tags"] = tags
    return view


def _candidates(call: Call, resource: str, expression: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The records a search must look at: one group's versions when the expression requires that group."""
    if resource != "ModelPackage":
        return list(call.registry.groups.values())
    if expression and expression.get("Operator", "And") == "And":
        for flt in expression.get("Filters") or []:
            if flt["Name"] == "ModelPackageGroupName" and flt.get("Operator", "Equals") == "Equals" and "Value" in flt:
                return call.registry.group_versions(flt["Value"])
    return list(call.registry.packages.values())


def search_registry(call: Call) -> dict[str, Any]:
    """Search over ModelPackage or ModelPackageGroup.

    The ordered matches of a query are kept until the registry next changes, so reading page after page
    costs one evaluation, not one per page.
    """
    p = call.params
    resource = p["Resource"]
    query = search.Query(resource, p.get("SearchExpression"))
    key = json.dumps([resource, p.get("SearchExpression"), p.get("SortBy"), p.get("SortOrder"),
                      p.get("CrossAccountFilterOption"), p.get("VisibilityConditions")], sort_keys=True)
    cached = call.registry.search_cache.get(key)
    if cached is not None and cached[0] == call.registry.generation:
        ordered_keys = cached[1]
    else:
        conditions = p.get("VisibilityConditions") or []
        needs_tags = "Tags" in key
        matched = []
        if p.get("CrossAccountFilterOption") != "CrossAccount":  # nothing is shared with the local backend
            for doc in _candidates(call, resource, p.get("SearchExpression")):
                view = _search_view(call, resource, doc) if needs_tags else doc
                if query.matches(view) and all(any(str(v) == c.get("Value") for v in search.values(view, c.get("Key", "")))
                                               for c in conditions):
                    matched.append(doc)
        ordered = search.sort(resource, matched, p.get("SortBy"), p.get("SortOrder"))
        id_key = "ModelPackageArn" if resource == "ModelPackage" else "ModelPackageGroupName"
        ordered_keys = [d[id_key] if resource == "ModelPackage" else d[id_key].lower() for d in ordered]
        if len(call.registry.search_cache) > 32:
            call.registry.search_cache.clear()
        call.registry.search_cache[key] = (call.registry.generation, ordered_keys)
    chosen, token = search.page(ordered_keys, p.get("NextToken"), int(p.get("MaxResults") or 10))
    table = call.registry.packages if resource == "ModelPackage" else call.registry.groups
    out: dict[str, Any] = {"Results": [{resource: _search_view(call, resource, table[k])} for k in chosen],
                           "TotalHits": {"Value": len(ordered_keys), "Relation": "EqualTo"}}
    if token:
        out["NextToken"] = token
    return out


OPERATIONS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "CreateModelPackageGroup": create_model_package_group,
    "DescribeModelPackageGroup": describe_model_package_group,
    "ListModelPackageGroups": list_model_package_groups,
    "DeleteModelPackageGroup": delete_model_package_group,
    "PutModelPackageGroupPolicy": put_model_package_group_policy,
    "GetModelPackageGroupPolicy": get_model_package_group_policy,
    "DeleteModelPackageGroupPolicy": delete_model_package_group_policy,
    "CreateModelPackage": create_model_package,
    "DescribeModelPackage": describe_model_package,
    "BatchDescribeModelPackage": batch_describe_model_package,
    "ListModelPackages": list_model_packages,
    "UpdateModelPackage": update_model_package,
    "DeleteModelPackage": delete_model_package,
}
TAG_OPERATIONS = {"AddTags": add_tags, "ListTags": list_tags, "DeleteTags": delete_tags}
SEARCHED = ("ModelPackage", "ModelPackageGroup")
