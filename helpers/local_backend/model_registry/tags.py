"""Tags on registry resources: groups and unversioned packages hold them; a version shows its group's.

AddTags, ListTags and DeleteTags on a registry ARN come here (``urls.py``); other ARNs go to moto.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import ServiceError, validation
from . import documented
from .context import Call, arn_parts, find_group, find_package, tags_of

TAG_LIMIT = 50  # TagList max 50


def merge_tags(current: list[dict[str, str]], added: list[dict[str, str]]) -> list[dict[str, str]]:
    documented.check_unique_tag_keys(added)
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
