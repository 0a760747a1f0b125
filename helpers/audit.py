"""Approval changes made through the kit, with the kit's own record of them, and the rollback.

Each change through :func:`change_status` appends one record (when, who, reviewer, group, version,
from, to, reason) to ``s3://<bucket>/audit/<group>.jsonl`` with a conditional write, so concurrent
changes never lose a record, and moves the lifecycle stages along (``lifecycle.follow_approvals``).
The registry's own history (``helpers.history``, from its events) is the record of every change,
whoever made it; these records add the kit's reviewer and reason to it.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from . import lifecycle, registry
from .deployer import newest_approved, newest_approved_of
from .errors import WorkshopError, error_code
from .kit import registry_checks

MAX_WRITE_ATTEMPTS = 20


def audit_key(group: str) -> str:
    return f"audit/{registry_checks.check_group_name(group)}.jsonl"


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
            if error_code(exc) not in ("NoSuchKey", "404"):
                raise
            body, condition = line, {"IfNoneMatch": "*"}
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson", **condition)
            return
        except ClientError as exc:
            if error_code(exc) not in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
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
        if error_code(exc) in ("NoSuchKey", "404", "NoSuchBucket"):
            return []
        raise
    return sorted((json.loads(line) for line in raw.splitlines() if line.strip()), key=lambda r: r["when"])


def change_status(session, bucket: str, group: str, version: int, status: str, reason: str,
                  reviewer: str | None = None) -> dict[str, Any]:
    """Set ``group``'s ``version`` to ``status`` with ``reason``, append the audit record, move the stages.

    The reason is required (it becomes ``ApprovalDescription``); approving checks the artifact's sha256
    (see :func:`helpers.registry.set_approval`). Afterwards the newest approved version is the one in
    Production (:func:`helpers.lifecycle.follow_approvals`). Returns the audit record, with the stage
    changes under ``"stages"``. Raises WorkshopError.
    """
    registry_checks.check_approval_status(status)
    if not reason or not reason.strip():
        raise WorkshopError("A status change needs a reason, because it is the audit trail: write one, then try again.")
    sm, s3 = session.client("sagemaker"), session.client("s3")
    current = registry.describe_version(sm, f"{group}/{version}")
    updated = registry.set_approval(sm, current["ModelPackageArn"], status, reason.strip(), s3=s3)
    record = note(session, bucket, current, updated["ModelApprovalStatus"], reason.strip(), reviewer)
    record["stages"] = lifecycle.follow_approvals(sm, group, f"v{version} {updated['ModelApprovalStatus']}: {reason.strip()}"[:1024])
    return record


def note(session, bucket: str, before: dict[str, Any], to: str, reason: str, reviewer: str | None = None) -> dict[str, Any]:
    """Append the kit's record of an approval change just made: ``before`` is the version's description before it.

    For a change made with a plain ``update_model_package`` call (:func:`change_status` makes its own); the
    record (when, who, reviewer, group, version, arn, from, to, reason) is returned.
    """
    group = before.get("ModelPackageGroupName") or before["ModelPackageArn"].split("/")[-2]
    record = {
        "when": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "who": session.client("sts").get_caller_identity()["Arn"],
        "group": group,
        "version": int(before["ModelPackageVersion"]),
        "arn": before["ModelPackageArn"],
        "from": before.get("ModelApprovalStatus"),
        "to": to,
        "reason": reason,
        "reviewer": reviewer,
    }
    append(session.client("s3"), bucket, group, record)
    return record


def _instant(when: str | datetime) -> datetime:
    if isinstance(when, datetime):
        return when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


def approved_at(recs: list[dict[str, Any]], when: str | datetime) -> int | None:
    """The version deployments took at time ``when``: the newest version Approved then.

    ``recs`` is the registry's history (``history.entries``: approval and registration entries count,
    stage entries are skipped) or the kit's own records (:func:`records`).
    """
    moment = _instant(when)
    then: dict[int, dict[str, Any]] = {}  # each version's last status before ``when``
    for rec in sorted(recs, key=lambda r: _instant(r["when"])):
        if rec.get("change", "approval") in ("approval", "registered") and _instant(rec["when"]) <= moment:
            then[rec["version"]] = {"ModelPackageVersion": rec["version"], "ModelApprovalStatus": rec["to"]}
    newest = newest_approved_of(then.values())
    return newest["ModelPackageVersion"] if newest else None


def _approvals(session, bucket: str, group: str) -> list[dict[str, Any]]:
    """Approval changes, oldest first: from the registry's history when it is kept, else the kit's records."""
    from . import history
    from .errors import NotReadyError

    kit = records(session.client("s3"), bucket, group)
    try:
        found = history.wait_until_recorded(session, group, kit, timeout=60)
    except NotReadyError:
        return kit
    return [e for e in found if e["change"] in ("approval", "registered")]


def rollback(session, bucket: str, group: str, reason: str, reviewer: str | None = None) -> tuple[int, int]:
    """Reject the currently approved version and re-approve the one approved before it.

    "Before it" comes from the history (the registry's own, else the kit's records): the most recent
    other version that was approved. The stages follow: the restored version is in Production again and
    the rejected one is ``Archived/Rejected``. Returns ``(rejected, restored)``; WorkshopError if there
    is nothing to roll back to.
    """
    latest = newest_approved(session.client("sagemaker"), group)
    if latest is None:
        raise WorkshopError(f"No version of {group} is approved, so there is nothing to roll back: approve one first.")
    current = latest["ModelPackageVersion"]
    earlier = [r["version"] for r in _approvals(session, bucket, group) if r["to"] == "Approved" and r["version"] != current]
    if not earlier:
        raise WorkshopError(
            f"Version {current} is the only version of {group} ever approved, so there is no earlier one to "
            "roll back to: reject it instead, or approve another version."
        )
    previous = earlier[-1]
    change_status(session, bucket, group, previous, "Approved", f"Rollback from v{current}: {reason}", reviewer)
    change_status(session, bucket, group, current, "Rejected", f"Rolled back to v{previous}: {reason}", reviewer)
    return current, previous
