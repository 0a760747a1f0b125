"""The model package group operations: create, describe, list, delete, and the resource policy.

The rules come from the API reference (botocore's SageMaker model: shapes and documentation text) and
the developer guide; ``tests/test_registry_rules.py`` proves each one and docs/local-backend.md lists
them, with the choices made where the sources are silent.
"""

from __future__ import annotations

import json
from typing import Any

from ..exceptions import ServiceError, validation
from .context import Call, find_group, public
from .listing import created_between, list_response
from .models import group_arn
from .tags import merge_tags


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
