"""Approval history: every status change made through the helpers, in an append-only JSON-lines file in S3.

Each change appends one record (when, who, group, version, from, to, reason) to
``s3://<bucket>/audit/<group>.jsonl`` with a conditional write, so concurrent changes never lose a
record. The history answers "which version was approved at time T" and drives the rollback.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from . import registry, registry_inputs
from .errors import WorkshopError

MAX_WRITE_ATTEMPTS = 20


def audit_key(group: str) -> str:
    return f"audit/{registry_inputs.check_group_name(group)}.jsonl"


def _code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def append(s3, bucket: str, group: str, record: dict[str, Any]) -> None:
    """Append one record; retried when another writer got there first (If-Match on the ETag)."""
    from botocore.exceptions import ClientError

    key = audit_key(group)
    line = (json.dumps(record, sort_keys=True) + "\n").encode()
    for attempt in range(MAX_WRITE_ATTEMPTS):
        try:
            current = s3.get_object(Bucket=bucket, Key=key)
            body, condition = current["Body"].read() + line, {"IfMatch": current["ETag"]}
        except ClientError as exc:
            if _code(exc) not in ("NoSuchKey", "404"):
                raise
            body, condition = line, {"IfNoneMatch": "*"}
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson", **condition)
            return
        except ClientError as exc:
            if _code(exc) not in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                raise
            time.sleep(0.01 * (attempt + 1))
    raise WorkshopError(
        f"The audit record for {group} could not be written after {MAX_WRITE_ATTEMPTS} attempts because "
        "other changes kept landing first: try the change again."
    )


def records(s3, bucket: str, group: str) -> list[dict[str, Any]]:
    """Every audit record of ``group``, oldest first ([] if none yet)."""
    from botocore.exceptions import ClientError

    try:
        raw = s3.get_object(Bucket=bucket, Key=audit_key(group))["Body"].read().decode()
    except ClientError as exc:
        if _code(exc) in ("NoSuchKey", "404", "NoSuchBucket"):
            return []
        raise
    return sorted((json.loads(line) for line in raw.splitlines() if line.strip()), key=lambda r: r["when"])


def history(s3, bucket: str, group: str):
    """The records as a pandas DataFrame (columns when, who, version, from, to, reason)."""
    import pandas as pd

    rows = records(s3, bucket, group)
    columns = ["when", "who", "version", "from", "to", "reason"]
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def change_status(session, bucket: str, group: str, version: int, status: str, reason: str) -> dict[str, Any]:
    """Set ``group``'s ``version`` to ``status`` with ``reason``, and append the audit record.

    The reason is required (it becomes ``ApprovalDescription``); approving checks the artifact's sha256
    (see :func:`helpers.registry.set_approval`). Returns the audit record. Raises WorkshopError.
    """
    registry_inputs.check_approval_status(status)
    if not reason or not reason.strip():
        raise WorkshopError("A status change needs a reason, because it is the audit trail: write one, then try again.")
    sm, s3, sts = session.client("sagemaker"), session.client("s3"), session.client("sts")
    current = registry.describe_version(sm, f"{group}/{version}")
    updated = registry.set_approval(sm, current["ModelPackageArn"], status, reason.strip(), s3=s3)
    record = {
        "when": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "who": sts.get_caller_identity()["Arn"],
        "group": group,
        "version": int(version),
        "arn": current["ModelPackageArn"],
        "from": current.get("ModelApprovalStatus"),
        "to": updated["ModelApprovalStatus"],
        "reason": reason.strip(),
    }
    append(s3, bucket, group, record)
    return record


def approved_at(recs: list[dict[str, Any]], when: str | datetime) -> int | None:
    """The version deployments took at time ``when``: the newest version Approved then, per the records."""
    if isinstance(when, datetime):
        when = when.astimezone(timezone.utc).isoformat(timespec="microseconds")
    status: dict[int, str] = {}
    for rec in recs:
        if rec["when"] <= when:
            status[rec["version"]] = rec["to"]
    approved = [v for v, s in status.items() if s == "Approved"]
    return max(approved) if approved else None


def rollback(session, bucket: str, group: str, reason: str) -> tuple[int, int]:
    """Reject the currently approved version and re-approve the one approved before it.

    "Before it" comes from the audit history: the most recent other version that was approved. Returns
    ``(rejected, restored)``; WorkshopError if there is nothing to roll back to.
    """
    sm = session.client("sagemaker")
    latest = registry.latest_approved(sm, group)
    if latest is None:
        raise WorkshopError(f"No version of {group} is approved, so there is nothing to roll back: approve one first.")
    current = latest["ModelPackageVersion"]
    recs = records(session.client("s3"), bucket, group)
    earlier = [r["version"] for r in recs if r["to"] == "Approved" and r["version"] != current]
    if not earlier:
        raise WorkshopError(
            f"Version {current} is the only version of {group} ever approved, so there is no earlier one to "
            "roll back to: reject it instead, or approve another version."
        )
    previous = earlier[-1]
    change_status(session, bucket, group, previous, "Approved", f"Rollback from v{current}: {reason}")
    change_status(session, bucket, group, current, "Rejected", f"Rolled back to v{previous}: {reason}")
    return current, previous
