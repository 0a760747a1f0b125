"""The model package operations: register, describe, batch describe, list, update, delete.

The rules come from the API reference (botocore's SageMaker model: shapes and documentation text) and
the developer guide; ``tests/test_registry_rules.py`` proves each one and docs/local-backend.md lists
them, with the choices made where the sources are silent.
"""

from __future__ import annotations

import copy
from typing import Any

from ..exceptions import ServiceError, validation
from . import documented
from . import cards
from .context import Call, find_group, find_package, public
from .listing import created_between, list_response
from .models import package_arn
from .tags import merge_tags

METADATA_LIMIT = 50  # CustomerMetadataMap: max 50 entries, checked again after a merge
ADDITIONAL_SPECS_LIMIT = 15  # "Total number of additional Inference Specifications can not exceed 15."
# The members of a version that UpdateModelPackage can change, as the event's UpdatedModelPackageFields names them.
UPDATABLE = ("ModelApprovalStatus", "ApprovalDescription", "ModelPackageRegistrationType", "CustomerMetadataProperties",
             "AdditionalInferenceSpecifications", "InferenceSpecification", "SourceUri", "ModelCard", "ModelLifeCycle")


# --- packages ---------------------------------------------------------------------------------------------

COPIED = ("ModelPackageDescription", "ModelPackageRegistrationType", "InferenceSpecification", "ValidationSpecification",
          "SourceAlgorithmSpecification", "MetadataProperties", "ModelMetrics", "Domain", "Task", "SamplePayloadUrl",
          "CustomerMetadataProperties", "DriftCheckBaselines", "AdditionalInferenceSpecifications",
          "SkipModelValidation", "SourceUri", "SecurityConfig", "ModelCard", "ModelLifeCycle", "ManagedStorageType")


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
    cards.check(p.get("ModelCard"))
    documented.check_registration(p, versioned=bool(group_value))
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
                    "_Tags": merge_tags([], p.get("Tags") or [])})
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


def describe_model_package(call: Call) -> dict[str, Any]:
    package = find_package(call, call.params["ModelPackageName"])
    out = public(package, "DescribeModelPackageOutput")
    if call.params.get("IncludedData") == "MetadataOnly" and "ModelCard" in out:
        out["ModelCard"] = cards.metadata_only(out["ModelCard"])
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
    items = [d for d in items if contains in d["ModelPackageName"].lower() and created_between(d, p)
             and (not p.get("ModelApprovalStatus") or d.get("ModelApprovalStatus") == p["ModelApprovalStatus"])]
    return list_response(items, p, "ModelPackageName", "ModelPackageSummaryList", "ModelPackageSummary")


def update_model_package(call: Call) -> dict[str, Any]:
    p = call.params
    package = find_package(call, p["ModelPackageArn"])
    versioned = package.get("ModelPackageVersion") is not None
    if not versioned and "ModelApprovalStatus" in p:
        raise validation("ModelApprovalStatus applies to versioned model packages only (UpdateModelPackage "
                         "updates a versioned model).")
    cards.check(p.get("ModelCard"))
    documented.check_update(package, p)
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
