"""Reading and writing the Model Registry: groups, versions, approvals and the input checks before a write.

The notebooks make the calls they teach as plain boto3; these functions are the same calls
packaged for pipelines and for ``make workshop``'s closing table.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import WorkshopError, error_code


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
    from .artifacts import parse_s3_uri

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

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
SHA256_KEY = "artifact_sha256"
METADATA_MAX_ENTRIES = 50
METADATA_KEY_MAX = 128
METADATA_VALUE_MAX = 256
_METADATA_EXTRA_CHARS = set(" _.:/=+-@")


def _allowed_metadata_text(text: str) -> bool:
    return all(ch.isalnum() or ch.isspace() or ch in _METADATA_EXTRA_CHARS for ch in text)


def validate_customer_metadata(props: dict[str, str]) -> dict[str, str]:
    """Check ``CustomerMetadataProperties`` against SageMaker's limits before anything is sent.

    At most 50 entries; keys 1-128 and values up to 256 characters; only letters, digits, spaces
    and ``_ . : / = + - @``. Returns the dict with every value as a string; raises WorkshopError.
    """
    if len(props) > METADATA_MAX_ENTRIES:
        raise WorkshopError(
            f"The metadata has {len(props)} entries but SageMaker allows at most {METADATA_MAX_ENTRIES}: "
            "drop some, or keep the rest in a JSON file in S3 and record its URI."
        )
    clean = {}
    for key, value in props.items():
        value = str(value)
        if not 1 <= len(key) <= METADATA_KEY_MAX or not _allowed_metadata_text(key):
            raise WorkshopError(
                f"The metadata key {key!r} is not allowed: keys are 1-128 letters, digits, spaces or "
                "_ . : / = + - @, so rename it."
            )
        if len(value) > METADATA_VALUE_MAX or not _allowed_metadata_text(value):
            raise WorkshopError(
                f"The metadata value of {key!r} ({value[:40]!r}{'...' if len(value) > 40 else ''}) is not "
                "allowed: values are at most 256 letters, digits, spaces or _ . : / = + - @ (no JSON, "
                "quotes or braces), so use one key per item instead."
            )
        clean[key] = value
    return clean


def check_approval_status(status: str) -> str:
    """``status`` if SageMaker knows it, else WorkshopError naming the three valid ones."""
    if status not in APPROVAL_STATUSES:
        raise WorkshopError(
            f"{status!r} is not an approval status: use one of {', '.join(APPROVAL_STATUSES)} "
            "(spelled exactly so)."
        )
    return status


_GROUP_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


def check_group_name(group: str) -> str:
    """``group`` if SageMaker accepts it as a group name, else WorkshopError saying the rule."""
    if not isinstance(group, str) or not _GROUP_NAME.fullmatch(group):
        raise WorkshopError(
            f"{group!r} is not a valid model package group name: use 1-63 letters, digits and hyphens, "
            "starting and ending with a letter or digit (for example ml-pipeline-model-group)."
        )
    return group


def group_exists(sm, group: str) -> bool:
    """True if the model package group exists; WorkshopError if the name itself is invalid."""
    from botocore.exceptions import ClientError

    check_group_name(group)
    try:
        sm.describe_model_package_group(ModelPackageGroupName=group)
    except ClientError as exc:
        if error_code(exc) in ("ValidationException", "ResourceNotFound"):
            return False
        raise
    return True


def require_group(sm, group: str, notebook: str = "01_create_model_package_group") -> None:
    """Stop with one sentence if ``group`` is missing (a notebook run out of order)."""
    from .errors import NotReadyError

    if not group_exists(sm, group):
        raise NotReadyError(
            f"The model package group {group!r} does not exist yet: run {notebook} first, then this notebook."
        )


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


def latest_approved(sm, group: str) -> dict[str, Any] | None:
    """The newest Approved version of ``group`` (full description), or None."""
    pages = sm.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved"
    )
    approved = [s for page in pages for s in page["ModelPackageSummaryList"]]
    if not approved:
        return None
    newest = max(approved, key=lambda s: s.get("ModelPackageVersion", 0))
    return sm.describe_model_package(ModelPackageName=newest["ModelPackageArn"])


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


def verify_artifact(s3, uri: str, expected_sha256: str | None = None) -> str:
    """Check the artifact at ``uri``: it exists, is a gzip tar holding ``xgboost-model``, and (if given)
    still has the sha256 recorded at registration. Returns its sha256; raises WorkshopError."""
    from . import artifacts

    data = artifacts.read_object(s3, uri)
    artifacts.inspect_tarball(data)
    digest = artifacts.sha256_bytes(data)
    if expected_sha256 and digest != expected_sha256:
        raise WorkshopError(
            f"The artifact {uri} has changed since it was registered (sha256 {expected_sha256[:12]}... then, "
            f"{digest[:12]}... now), so this version cannot be approved: restore the original artifact, or "
            "register the new one as a new version."
        )
    return digest


def verify_metrics(s3, uri: str) -> dict[str, Any]:
    """The model-quality JSON at ``uri``, checked for SageMaker's shape; WorkshopError otherwise."""
    from . import artifacts, metrics

    raw = artifacts.read_object(s3, uri)
    try:
        document = json.loads(raw)
    except ValueError:
        raise WorkshopError(
            f"The metrics file {uri} is not JSON, so SageMaker could not show it: write it with "
            "json.dumps(metrics.model_quality_document(...))."
        ) from None
    metrics.validate_model_quality(document)
    return document


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
            "groups: delete its versions first (notebook 08 shows the order)."
        )
    sm.delete_model_package_group(ModelPackageGroupName=group)
