"""The registry's own history: every approval and stage change, from its EventBridge events, kept in CloudWatch Logs.

SageMaker sends a "SageMaker Model Package State Change" event for every change to a version, whoever
makes it: the kit, a bare ``aws sagemaker update-model-package``, the SDK, Studio. An EventBridge rule
on the group sends each event to a CloudWatch Logs log group, which keeps it (no expiry unless set).
The history is read back from there, so it does not depend on who made the change. Where the kit made
it, the kit's own record (``audit``: reviewer, reason) is merged in.

Why Logs: it is the durable, queryable target EventBridge delivers to without any code of ours (no
Lambda, no queue to drain), it keeps events as long as we ask, and ``FilterLogEvents`` reads them back.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from .aws import identity
from .config import history_log_group
from .deployer import DETAIL_TYPE
from .errors import NotReadyError, error_code
from .kit.eventbridge import delete_rule
from .lifecycle import stage_of


def log_group_name(group: str) -> str:
    """The log group keeping ``group``'s history (:func:`helpers.config.history_log_group`)."""
    return history_log_group(group)


def rule_name(group: str) -> str:
    return f"{group}-history"[:64]


def event_pattern(group: str) -> dict[str, Any]:
    """Every state change of ``group``'s versions (no status filter: the history wants them all)."""
    return {"source": ["aws.sagemaker"], "detail-type": [DETAIL_TYPE], "detail": {"ModelPackageGroupName": [group]}}


def subscribe(session, group: str) -> str:
    """Create (or keep) the log group, its resource policy for EventBridge, and the rule; returns the rule's ARN."""
    from botocore.exceptions import ClientError

    logs, events = session.client("logs"), session.client("events")
    name = log_group_name(group)
    try:
        logs.create_log_group(logGroupName=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceAlreadyExistsException":
            raise
    account = identity(session)["Account"]
    log_arn = f"arn:aws:logs:{session.region_name}:{account}:log-group:{name}"
    # EventBridge writes to a log group only if the group's resource policy lets it (AWS: "Using
    # resource-based policies for Amazon EventBridge", CloudWatch Logs permissions).
    logs.put_resource_policy(policyName=rule_name(group), policyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                       "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{log_arn}:*"}],
    }))
    rule_arn = events.put_rule(Name=rule_name(group), EventPattern=json.dumps(event_pattern(group)),
                               Description=f"Every change to {group}'s versions, kept in {name}")["RuleArn"]
    events.put_targets(Rule=rule_name(group), Targets=[{"Id": "history-log", "Arn": log_arn}])
    return rule_arn


def unsubscribe(session, group: str) -> list[str]:
    """Delete the rule, the resource policy and the log group (cleanup); returns what was deleted."""
    from botocore.exceptions import ClientError

    logs, events = session.client("logs"), session.client("events")
    deleted = [f"rule {rule_name(group)}"] if delete_rule(events, rule_name(group)) else []
    steps = [
        (f"log policy {rule_name(group)}", lambda: logs.delete_resource_policy(policyName=rule_name(group))),
        (f"log group {log_group_name(group)}", lambda: logs.delete_log_group(logGroupName=log_group_name(group))),
    ]
    for what, step in steps:
        try:
            step()
            deleted.append(what)
        except ClientError as exc:
            if error_code(exc) not in ("ResourceNotFoundException", "ResourceNotFound"):
                raise
    return deleted


def _events(session, group: str) -> list[dict[str, Any]]:
    from botocore.exceptions import ClientError

    logs = session.client("logs")
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=log_group_name(group))
        raw = [(e["timestamp"], i, e["message"]) for i, e in enumerate(x for p in pages for x in p["events"])]
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise NotReadyError(
                f"The history of {group} has no record yet, because its log group {log_group_name(group)} does not "
                "exist: run 01_create_model_package_group (it sets up the record) first."
            ) from exc
        raise
    found = []
    for stamp, _, message in sorted(raw):
        event = json.loads(message)
        event["_when"] = datetime.fromtimestamp(stamp / 1000, timezone.utc).isoformat(timespec="milliseconds")
        found.append(event)
    return found


def _who(user: dict[str, Any] | None) -> str | None:
    if not user:
        return None
    return user.get("UserProfileName") or (user.get("IamIdentity") or {}).get("Arn")


def from_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History entries from state-change events, oldest first: one per approval or stage change.

    The events carry the version's state after the change; the state before comes from the version's
    previous event. A change of status or of its description (a re-approval with a new reason, a new
    stage note) is an entry; duplicates and metadata-only updates change neither and give none.
    """
    state: dict[int, tuple[tuple[str | None, str | None], tuple[str, str | None]]] = {}
    entries = []
    for event in events:
        d = event["detail"]
        version = d["ModelPackageVersion"]
        approval = (d.get("ModelApprovalStatus"), d.get("ApprovalDescription"))
        stage = (stage_of(d), (d.get("ModelLifeCycle") or {}).get("StageDescription"))
        base = {"when": event["_when"], "version": version, "by": _who(d.get("LastModifiedBy")), "via": "registry event"}
        before = state.get(version)
        if before is None and not d.get("UpdatedModelPackageFields"):
            entries.append({**base, "change": "registered", "from": None, "to": approval[0],
                            "reason": d.get("ModelPackageDescription")})
            if stage[0] != "-":
                entries.append({**base, "change": "stage", "from": None, "to": stage[0], "reason": stage[1]})
        else:
            before = before or (("?", None), ("?", None))
            if approval != before[0]:
                entries.append({**base, "change": "approval", "from": before[0][0], "to": approval[0], "reason": approval[1]})
            if stage != before[1]:
                entries.append({**base, "change": "stage", "from": before[1][0], "to": stage[0], "reason": stage[1]})
        state[version] = (approval, stage)
    return entries


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def merge_kit_records(entries: list[dict[str, Any]], records: list[dict[str, Any]], window: float = 300.0) -> None:
    """Add the kit's reviewer and reason to the approval entries the kit made (same version and status, close in time)."""
    unused = list(records)
    for entry in entries:
        if entry["change"] != "approval":
            continue
        match = next((r for r in unused if r["version"] == entry["version"] and r["to"] == entry["to"]
                      and abs(_seconds(r["when"]) - _seconds(entry["when"])) <= window), None)
        if match:
            unused.remove(match)
            entry.update(by=entry["by"] or match.get("who"), reason=match.get("reason") or entry["reason"],
                         reviewer=match.get("reviewer"), via="kit")


def entries(session, group: str, kit_records: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The group's history (see :func:`from_events`), with the kit's own records (``audit.records``) merged in."""
    found = from_events(_events(session, group))
    merge_kit_records(found, kit_records or [])
    return found


def wait_until_recorded(session, group: str, kit_records: list[dict[str, Any]] | None = None,
                        timeout: float = 120.0) -> list[dict[str, Any]]:
    """The history once it has caught up with the registry (every version's last status and stage seen).

    Locally events are written before the call returns; on AWS they take seconds to reach the log.
    """
    from .config import backend_mode
    from .registry import list_versions

    if backend_mode() == "local":
        timeout = 0  # the local backend writes the event before the call that caused it returns
    deadline = time.monotonic() + timeout
    sm = session.client("sagemaker")
    while True:
        found = entries(session, group, kit_records)
        latest: dict[int, dict[str, Any]] = {}
        for e in found:
            latest.setdefault(e["version"], {})[e["change"] if e["change"] == "stage" else "approval"] = e["to"]
        current = {d["ModelPackageVersion"]: {"approval": d.get("ModelApprovalStatus"), "stage": stage_of(d)}
                   for d in list_versions(sm, group)}  # summaries carry status and stage
        caught_up = all(latest.get(v, {}).get("approval") == c["approval"]
                        and latest.get(v, {}).get("stage", "-") == c["stage"] for v, c in current.items())
        if caught_up or time.monotonic() > deadline:
            return found
        time.sleep(3)


def frame(found: list[dict[str, Any]]):
    """The entries as a pandas DataFrame (when, version, change, from, to, by, reason, via)."""
    import pandas as pd

    columns = ["when", "version", "change", "from", "to", "by", "reason", "via"]
    return pd.DataFrame(found, columns=columns).fillna({"from": "-", "by": "unknown", "reason": ""})


# An approval entry whose status stayed the same is a decision taken again with a new reason (a rollback
# re-approves the version it restores, which was still Approved, only superseded): it reads as what it is.
AGAIN = {"Approved": "re-approval", "Rejected": "re-rejection"}


def change_label(entry: dict[str, Any]) -> str:
    """What the change was, in words: ``approval``, ``stage``, ``registered``, or ``re-approval`` for a decision
    taken again on a version that already had that status."""
    if entry["change"] == "approval" and entry["from"] == entry["to"]:
        return AGAIN.get(entry["to"], "new reason")
    return entry["change"]


def table(found: list[dict[str, Any]], reviewer: bool = False):
    """The entries as a table to read in a notebook: one row per change, times to the second (UTC) on one line,
    ``from → to`` in one column, each reason in full; with ``reviewer``, the kit's reviewer too.

    A pandas Styler (:func:`helpers.kit.tables.table`) that fits 1280 px with JupyterLab's file browser open;
    :func:`frame` has the same entries as data.
    """
    import pandas as pd

    from .kit.tables import table as styled_table

    shown = pd.DataFrame({
        "when (UTC)": [f"{e['when'][:10]} {e['when'][11:19]}" for e in found],
        "version": [e["version"] for e in found],
        "change": [change_label(e) for e in found],
        "from → to": [f"{e['from'] or '-'} → {e['to']}" for e in found],
        "reason": [e["reason"] or "" for e in found],
        **({"reviewer": [e.get("reviewer") or "" for e in found]} if reviewer else {}),
        "via": [e["via"] for e in found],
    })
    return styled_table(shown, wrap=["reason"], fold=["from → to", "via"]).hide(axis="index")
