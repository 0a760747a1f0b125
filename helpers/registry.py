"""Reading and writing the Model Registry: groups, versions, approvals and the input checks before a write.

The notebooks make the calls they teach as plain boto3; these functions are the same calls
packaged for pipelines and for ``make workshop``'s closing table.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import WorkshopError, error_code, says_missing
from .kit.registry_checks import (check_approval_status, check_group_name, validate_customer_metadata, verify_artifact,
                              verify_metrics)


def list_groups(sm) -> list[dict[str, Any]]:
    """Every model package group (all pages), oldest first."""
    groups: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_model_package_groups").paginate():
        groups.extend(page["ModelPackageGroupSummaryList"])
    return sorted(groups, key=lambda g: g["CreationTime"])


def list_versions(sm, group: str) -> list[dict[str, Any]]:
    """Summaries of every version in ``group`` (all pages), by version number."""
    versions: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group):
        versions.extend(page["ModelPackageSummaryList"])
    return sorted(versions, key=lambda v: v.get("ModelPackageVersion", 0))


def read_s3_json(s3, uri: str) -> Any:
    """The JSON document at ``s3://bucket/key``."""
    from .model.artifacts import parse_s3_uri

    bucket, key = parse_s3_uri(uri)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def metric_value(statistics: dict[str, Any], name: str) -> float | None:
    """``name``'s value from a model-quality statistics document, or None."""
    for section in statistics.values():
        if isinstance(section, dict) and isinstance(section.get(name), dict):
            return section[name].get("value")
    return None


def search_pages(sm, group: str):
    """The versions of ``group`` as ``Search`` returns them: one list of full descriptions per page of 100.

    One request per 100 versions instead of one describe per version. (On AWS, Search is eventually
    consistent: the idempotency checks use :func:`describe_versions`, which reads each version directly.)
    """
    pages = sm.get_paginator("search").paginate(
        Resource="ModelPackage",
        SearchExpression={"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": group}]},
        PaginationConfig={"PageSize": 100},
    )
    for page in pages:
        yield [r["ModelPackage"] for r in page["Results"] if "ModelPackage" in r]


def metrics_uri(desc: dict[str, Any]) -> str | None:
    """The S3 URI of a version's model-quality statistics, or None."""
    return desc.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {}).get("S3Uri")


# --- the teaching calls, packaged for pipelines ------------------------------------------------------

SHA256_KEY = "artifact_sha256"


def group_exists(sm, group: str) -> bool:
    """True if the model package group exists; WorkshopError if the name itself is invalid."""
    from botocore.exceptions import ClientError

    check_group_name(group)
    try:
        sm.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as exc:
        if says_missing(exc):
            return False
        raise
    return True


def require_group(sm, group: str, notebook: str | None = None) -> None:
    """Stop with one sentence (:class:`~helpers.errors.NotReadyError`) if ``group`` is missing: a notebook run out of order.

    In a workshop notebook (``notebook``, else the one this kernel runs) the sentence names every notebook still
    to run before it and the command that catches up (:func:`helpers.kit.progress.group_missing`).
    """
    from .kit import progress

    if not group_exists(sm, group):
        raise progress.group_missing(group, sm.meta.region_name, notebook)


def ensure_group(sm, group: str, description: str) -> tuple[str, bool]:
    """The group's ARN, creating it if missing; ``(arn, created)``."""
    if group_exists(sm, group):
        return sm.describe_model_package_group(ModelPackageGroupName=group)["ModelPackageGroupArn"], False
    arn = sm.create_model_package_group(
        ModelPackageGroupName=group, ModelPackageGroupDescription=description
    )["ModelPackageGroupArn"]
    return arn, True


def describe_versions(sm, group: str) -> list[dict[str, Any]]:
    """Full descriptions of every version in ``group``, by version number."""
    return [sm.describe_model_package(ModelPackageName=v["ModelPackageArn"]) for v in list_versions(sm, group)]


def find_version_by_sha256(sm, group: str, sha256: str) -> dict[str, Any] | None:
    """The version of ``group`` registered for the artifact with this sha256, or None."""
    for desc in describe_versions(sm, group):
        if desc.get("CustomerMetadataProperties", {}).get(SHA256_KEY) == sha256:
            return desc
    return None


def describe_version(sm, name: str) -> dict[str, Any]:
    """A version's description by ARN or ``group/version``; WorkshopError if there is none."""
    from botocore.exceptions import ClientError

    try:
        return sm.describe_model_package(ModelPackageName=name)
    except ClientError as exc:
        if error_code(exc) == "ValidationException":
            raise WorkshopError(
                f"The model version {name!r} does not exist: list the group's versions with "
                "registry.list_versions(sm, group) and use one of their ARNs."
            ) from None
        raise


def inference_specification(image: str, model_data_url: str) -> dict[str, Any]:
    """One container (image + artifact), CSV in and out: what the endpoint will run."""
    return {
        "Containers": [{"Image": image, "ModelDataUrl": model_data_url}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }


def model_metrics(metrics_uri: str) -> dict[str, Any]:
    """``ModelMetrics`` pointing at the model-quality statistics JSON in S3."""
    return {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": metrics_uri}}}


def register_version(
    sm,
    s3,
    group: str,
    *,
    image: str,
    artifact_uri: str,
    metrics_uri: str,
    description: str,
    metadata: dict[str, str],
    approval: str = "PendingManualApproval",
    generated_by: str | None = None,
    life_cycle: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Register an artifact as the next version of ``group``, after checking every input.

    Checks, before anything is written: the group name and that the group exists, the approval status,
    the metadata against SageMaker's limits, that the artifact is a valid ``model.tar.gz`` in S3, and
    that the metrics file is model-quality JSON. If the artifact (by sha256) is already registered in
    the group, that version is returned and nothing is created. Returns ``(description, created)``.
    """
    from .errors import NotReadyError

    if not group_exists(sm, group):
        raise NotReadyError(
            f"The model package group {group!r} does not exist, so nothing can be registered in it: "
            "create it first (notebook 01, or registry.ensure_group)."
        )
    check_approval_status(approval)
    sha = verify_artifact(s3, artifact_uri)
    verify_metrics(s3, metrics_uri)
    meta = validate_customer_metadata({**metadata, SHA256_KEY: sha})
    existing = find_version_by_sha256(sm, group, sha)
    if existing:
        return existing, False
    request: dict[str, Any] = dict(
        ModelPackageGroupName=group,
        ModelPackageDescription=description,
        InferenceSpecification=inference_specification(image, artifact_uri),
        ModelApprovalStatus=approval,
        ModelMetrics=model_metrics(metrics_uri),
        Domain="MACHINE_LEARNING",
        Task="CLASSIFICATION",
        CustomerMetadataProperties=meta,
    )
    if generated_by:
        request["MetadataProperties"] = {"GeneratedBy": generated_by}
    if life_cycle:
        request["ModelLifeCycle"] = life_cycle
    arn = sm.create_model_package(**request)["ModelPackageArn"]
    return sm.describe_model_package(ModelPackageName=arn), True


def set_approval(sm, arn: str, status: str, description: str, s3=None) -> dict[str, Any]:
    """Change a version's approval status with a reason; returns its new description.

    Before approving (with ``s3`` given) the artifact is checked against the sha256 recorded at
    registration: a tampered or overwritten artifact is refused. Raises WorkshopError.
    """
    check_approval_status(status)
    current = describe_version(sm, arn)
    if status == "Approved" and s3 is not None:
        recorded = current.get("CustomerMetadataProperties", {}).get(SHA256_KEY)
        uri = current["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
        verify_artifact(s3, uri, recorded)
    sm.update_model_package(ModelPackageArn=current["ModelPackageArn"], ModelApprovalStatus=status,
                            ApprovalDescription=description)
    return sm.describe_model_package(ModelPackageName=current["ModelPackageArn"])


def delete_group(sm, group: str) -> None:
    """Delete an empty group; WorkshopError (nothing deleted) if it still holds versions or is missing."""
    if not group_exists(sm, group):
        raise WorkshopError(f"The model package group {group!r} does not exist, so there is nothing to delete.")
    versions = list_versions(sm, group)
    if versions:
        raise WorkshopError(
            f"The group {group!r} still holds {len(versions)} version(s), and SageMaker deletes only empty "
            "groups: delete its versions first (09_cleanup shows the order)."
        )
    sm.delete_model_package_group(ModelPackageGroupName=group)
