"""The model package group operations: create, describe, list, delete, the resource policy, tags.

The rules come from the API reference (botocore's SageMaker model: shapes and documentation text) and
the developer guide; ``tests/test_registry_rules.py`` proves each one and docs/local-backend.md lists
them, with the choices made where the sources are silent.
"""

from __future__ import annotations

import json
from typing import Any

from . import search
from .call import Call, arn_parts, find_group, find_package, public, tags_of
from .registry import group_arn
from .wire import ServiceError, validation

LIST_PAGE = 10  # ListModelPackages/ListModelPackageGroups without MaxResults (unverified default)
TAG_LIMIT = 50  # TagList max 50


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
        "_Tags": merge_tags([], p.get("Tags") or []),
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


def created_between(doc: dict[str, Any], p: dict[str, Any]) -> bool:
    after, before = p.get("CreationTimeAfter"), p.get("CreationTimeBefore")
    return (after is None or doc["CreationTime"] > float(after)) and (before is None or doc["CreationTime"] < float(before))


def list_response(items: list[dict[str, Any]], p: dict[str, Any], name_key: str, list_key: str,
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
                 if contains in g["ModelPackageGroupName"].lower() and created_between(g, p)]
    return list_response(items, p, "ModelPackageGroupName", "ModelPackageGroupSummaryList", "ModelPackageGroupSummary")


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


# --- tags on groups (and unversioned packages) -----------------------------------------------------------


def merge_tags(current: list[dict[str, str]], added: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t.get("Value", "") for t in current}
    merged.update({t["Key"]: t.get("Value", "") for t in added})
    if len(merged) > TAG_LIMIT:
        raise validation(f"A resource can have at most {TAG_LIMIT} tags; this would make {len(merged)}.")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def tagged_resource(call: Call, arn: str) -> dict[str, Any] | None:
    """The group or package an ARN names, if it is one of the registry's; None for other resources."""
    parts = arn_parts(arn)
    if parts is None or parts[2] not in ("model-package-group", "model-package"):
        return None
    try:
        return find_group(call, arn) if parts[2] == "model-package-group" else find_package(call, arn)
    except ServiceError:
        raise validation("Resource does not exist.") from None


def add_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    if target.get("ModelPackageVersion") is not None:
        raise validation("Tags are not supported on model package versions: add them to the model package group.")
    new = {**target, "_Tags": merge_tags(target.get("_Tags", []), call.params["Tags"])}
    (call.put_group if "ModelPackageGroupArn" in target else call.put_package)(new)
    return {"Tags": call.params["Tags"]}


def list_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    tags = tags_of(call, target) if "ModelPackageArn" in target else list(target.get("_Tags", []))
    return {"Tags": tags}


def delete_tags(call: Call, target: dict[str, Any]) -> dict[str, Any]:
    if target.get("ModelPackageVersion") is not None:
        raise validation("Tags are not supported on model package versions: they belong to the model package group.")
    drop = set(call.params["TagKeys"])
    new = {**target, "_Tags": [t for t in target.get("_Tags", []) if t["Key"] not in drop]}
    (call.put_group if "ModelPackageGroupArn" in target else call.put_package)(new)
    return {}
