"""A registry request's context, and finding groups and packages by name or ARN.

Every operation gets a :class:`Call`: the region's registry, the request's parameters, the caller
and the time. A write lists its changes in ``call.records`` and the versions whose state changed in
``call.changed``; ``responses.py`` commits the records (journal first), then answers and sends
the events, so a refused request changes nothing.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import validation
from ..validation import service_model
from .models import ACCOUNT, Registry, group_arn, package_arn


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


@functools.lru_cache(maxsize=None)
def _members(shape: str) -> frozenset[str]:
    return frozenset(service_model().shape_for(shape).members)  # botocore builds a shape anew on each call


def public(doc: dict[str, Any], shape: str) -> dict[str, Any]:
    """The members of ``doc`` that the output ``shape`` has (private keys and others dropped)."""
    members = _members(shape)
    return {k: copy.deepcopy(v) for k, v in doc.items() if k in members and v is not None}


# --- finding groups and packages by name or ARN --------------------------------------------------------


def arn_parts(value: str) -> tuple[str, str, str, str] | None:
    """(region, account, resource type, resource) of a SageMaker ARN, or None for a plain name."""
    if not value.startswith("arn:"):
        return None
    parts = value.split(":", 5)
    kind, _, resource = parts[5].partition("/")
    return parts[3], parts[4], kind, resource


def find_group(call: Call, value: str) -> dict[str, Any]:
    """A group by name or ARN ("ArnOrName"), or the error SageMaker gives for a missing one."""
    name = value
    arn = arn_parts(value)
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
    arn = arn_parts(value)
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


def tags_of(call: Call, package: dict[str, Any]) -> list[dict[str, str]]:
    """A versioned package "uses the tags associated with the model group" (CreateModelPackage.Tags)."""
    if package.get("ModelPackageGroupName"):
        group = call.registry.group(package["ModelPackageGroupName"])
        return list(group.get("_Tags", [])) if group else []
    return list(package.get("_Tags", []))
