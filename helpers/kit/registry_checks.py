"""The checks before a registry write, in the kit's words: names, approval statuses, metadata limits,
the artifact and its metrics file. Each raises :class:`WorkshopError` with what to do, before anything
is sent, so a refused registration leaves nothing behind.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import WorkshopError

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
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


def verify_artifact(s3, uri: str, expected_sha256: str | None = None) -> str:
    """Check the artifact at ``uri``: it exists, is a gzip tar holding ``xgboost-model``, and (if given)
    still has the sha256 recorded at registration. Returns its sha256; raises WorkshopError."""
    from ..model import artifacts

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
    from ..model import artifacts, model_quality

    raw = artifacts.read_object(s3, uri)
    try:
        document = json.loads(raw)
    except ValueError:
        raise WorkshopError(
            f"The metrics file {uri} is not JSON, so SageMaker could not show it: write it with "
            "json.dumps(model_quality.model_quality_document(...))."
        ) from None
    model_quality.validate_model_quality(document)
    return document
