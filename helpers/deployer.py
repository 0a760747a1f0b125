"""The approval-driven deployer: the endpoint serves the newest approved version, whatever the events say.

A rule on "SageMaker Model Package State Change" events, filtered on the group **and** on
``ModelApprovalStatus`` (Approved or Rejected; a rejection can mean a rollback), triggers
:func:`handle`. The event only says *that* something changed: :func:`reconcile` reads the registry at
handling time and makes the endpoint serve its newest approved version. So duplicate, stale and
out-of-order events (EventBridge delivers at least once, in no guaranteed order) change nothing, and a
version rejected before its event is handled is never deployed.

Real hosting takes time: an endpoint is ``Creating`` or ``Updating`` for minutes on AWS (a second or two
locally) and cannot be updated meanwhile, so the deployer waits for it, within a budget, then reads it
again; one already moving to the right version is left alone. A ``Failed`` endpoint cannot be updated at
all: the deployer deletes it and creates it again, and its record says why.

Locally the rule delivers to an SQS queue that ``python -m helpers deployer --once`` drains
(:func:`drain_once`); on AWS the same :func:`handle` runs as a Lambda function (:func:`lambda_handler`,
installed by :mod:`helpers.aws_mode.deployer_lambda`). This file imports only the standard library and boto3,
so it is zipped alone as the function's code.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from typing import Any
from urllib.parse import urlparse

GROUP = "ml-pipeline-model-group"
ENDPOINT = "ml-pipeline-endpoint"
NAME = "ml-pipeline-deployer"  # the rule, the local queue and the Lambda function
# The smallest instance type a real-time endpoint takes (botocore's ProductionVariantInstanceType lists none
# smaller), and plenty for a model of a few kB: the cheapest to forget running. Notebook 07 deploys by hand
# with this same constant, so the endpoint it makes and the one the deployer makes are alike.
INSTANCE_TYPE = "ml.t2.medium"
VARIANT = "AllTraffic"
DETAIL_TYPE = "SageMaker Model Package State Change"
TRIGGERS = ["Approved", "Rejected"]  # never PendingManualApproval: a registration deploys nothing
BUSY = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}  # no update possible meanwhile
CHANGED = ("created", "updated", "recreated")  # the actions that changed the endpoint
CONFIG_RE = re.compile(r"^ml-pipeline-model-v(\d+)-config$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WAIT_SECONDS = 240  # how long one run waits for a busy endpoint (locally it settles in a second or two)


def event_pattern(group: str = GROUP) -> dict[str, Any]:
    """The rule's pattern. Without the ``ModelApprovalStatus`` filter every registration would trigger it."""
    return {"source": ["aws.sagemaker"], "detail-type": [DETAIL_TYPE],
            "detail": {"ModelPackageGroupName": [group], "ModelApprovalStatus": TRIGGERS}}


def names(version: int) -> tuple[str, str]:
    """The SageMaker model and endpoint configuration that serve ``version``: ``ml-pipeline-model-v{N}`` and
    ``ml-pipeline-model-v{N}-config`` (one per version, so deploying a version twice finds them made)."""
    return f"ml-pipeline-model-v{version}", f"ml-pipeline-model-v{version}-config"


def _code(exc: Exception) -> str:  # helpers.errors.error_code, which this file (zipped alone) cannot import
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _no_queue(exc: Exception) -> bool:
    return "NonExistentQueue" in _code(exc) or _code(exc) == "QueueDoesNotExist"


def _call(call, missing_ok: str, **kwargs) -> dict[str, Any] | None:
    """``call(**kwargs)``; None for a ValidationException whose message contains ``missing_ok``.

    Describing: "Could not find" (no such resource). Creating: "already exist" (another invocation was faster).
    """
    from botocore.exceptions import ClientError

    try:
        return call(**kwargs)
    except ClientError as exc:
        if _code(exc) == "ValidationException" and missing_ok in str(exc):
            return None
        raise


class DeployerError(RuntimeError):
    """The endpoint cannot be brought to the newest approved version now; handling the event again may."""


def describe_endpoint(sm, endpoint: str = ENDPOINT) -> dict[str, Any] | None:
    """``DescribeEndpoint``, or None when there is no such endpoint (SageMaker: ValidationException "Could not find")."""
    return _call(sm.describe_endpoint, "Could not find", EndpointName=endpoint)


def waiter_config(sm) -> dict[str, int]:
    """``WaiterConfig`` for the endpoint waiters: ask every second when the backend is on this machine (an endpoint
    is ready in a second or two), every 20 s on AWS (minutes), for up to 30 minutes there."""
    local = urlparse(sm.meta.endpoint_url).hostname in LOOPBACK
    return {"Delay": 1, "MaxAttempts": 120} if local else {"Delay": 20, "MaxAttempts": 90}


def _version_of(config: str | None) -> int | None:
    """The version an endpoint configuration ``ml-pipeline-model-v{N}-config`` serves, or None."""
    match = CONFIG_RE.match(config or "")
    return int(match.group(1)) if match else None


def _heading_to(desc: dict[str, Any] | None) -> str | None:
    """The configuration the endpoint serves, or, while an update loads one, the one it is moving to."""
    if not desc:
        return None
    pending = (desc.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    return pending if desc.get("EndpointStatus") == "Updating" and pending else desc.get("EndpointConfigName")


def serving(sm, endpoint: str = ENDPOINT) -> tuple[int | None, str | None]:
    """``(version, config)`` the endpoint serves now, ``(None, None)`` if there is no endpoint."""
    config = (describe_endpoint(sm, endpoint) or {}).get("EndpointConfigName")
    return _version_of(config), config


def newest_approved(sm, group: str = GROUP) -> dict[str, Any] | None:
    """The newest version of ``group`` whose status is Approved now (its summary), or None: the version deployments
    take. The kit asks this query wherever it needs that version, so nothing can disagree with the deployer."""
    pages = sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group, ModelApprovalStatus="Approved")
    return newest_approved_of(s for page in pages for s in page["ModelPackageSummaryList"])


def newest_approved_of(versions) -> dict[str, Any] | None:
    """Of ``versions`` (dicts with ``ModelPackageVersion`` and ``ModelApprovalStatus``), the newest Approved one, or None."""
    approved = [v for v in versions if v.get("ModelApprovalStatus") == "Approved"]
    return max(approved, key=lambda v: v["ModelPackageVersion"]) if approved else None


def _settle(sm, endpoint: str, wait_seconds: float, goal: str, sleep=time.sleep) -> dict[str, Any] | None:
    """Describe ``endpoint`` until it is no longer busy (its description) or gone (None), within ``wait_seconds``.

    Asks after 1, 2, 4, 8, then every 15 seconds. DeployerError if it is still busy when the time is up.
    """
    deadline, delay = time.monotonic() + wait_seconds, 1.0
    while True:
        desc = describe_endpoint(sm, endpoint)
        if desc is None or desc["EndpointStatus"] not in BUSY:
            return desc
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeployerError(f"The endpoint {endpoint} is {desc['EndpointStatus']}, so it cannot {goal} yet "
                                f"(waited {wait_seconds:.0f} s): run the deployer again when it is InService.")
        sleep(min(delay, left))
        delay = min(delay * 2, 15.0)


def _ensure_model(sm, model: str, package_arn: str, role_arn: str) -> None:
    existing = _call(sm.describe_model, "Could not find", ModelName=model)
    if existing is None:
        _call(sm.create_model, "already exist", ModelName=model, ExecutionRoleArn=role_arn,
              PrimaryContainer={"ModelPackageName": package_arn})
        return
    container = existing.get("PrimaryContainer") or (existing.get("Containers") or [{}])[0]
    if (container.get("ModelPackageName") or "").lower() != package_arn.lower():
        raise DeployerError(f"The model {model} exists but was built from another package "
                            f"({container.get('ModelPackageName')}): delete it, then run the deployer again.")


def _ensure_config(sm, config: str, model: str, instance_type: str) -> None:
    if _call(sm.describe_endpoint_config, "Could not find", EndpointConfigName=config) is None:
        _call(sm.create_endpoint_config, "already exist", EndpointConfigName=config, ProductionVariants=[{
            "VariantName": VARIANT, "ModelName": model, "InitialInstanceCount": 1, "InstanceType": instance_type}])


def _delete_failed(sm, endpoint: str, failure: str) -> None:
    from botocore.exceptions import ClientError

    try:
        sm.delete_endpoint(EndpointName=endpoint)
    except ClientError as exc:
        if _code(exc) not in ("AccessDenied", "AccessDeniedException"):
            raise
        raise DeployerError(f"The endpoint {endpoint} is Failed ({failure}), SageMaker updates no Failed endpoint, and "
                            f"this deployer may not delete it: delete it (aws sagemaker delete-endpoint --endpoint-name "
                            f"{endpoint}), then run the deployer again.") from None


def reconcile(sm, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
              instance_type: str = INSTANCE_TYPE, wait_seconds: float = 60) -> dict[str, Any]:
    """Make ``endpoint`` serve the newest approved version of ``group``, as the registry says *now*.

    Creates the model ``ml-pipeline-model-v{N}`` (from the package, run with ``role_arn``), its
    configuration ``ml-pipeline-model-v{N}-config`` (one ``instance_type`` instance) and the endpoint, or
    points the endpoint at that configuration. It does not wait for ``InService`` (minutes on AWS). An
    endpoint already ``Creating`` or ``Updating`` towards that configuration is left to finish
    (``in progress``); one busy with another is waited for, up to ``wait_seconds``, then read again
    (DeployerError if it stays busy). A ``Failed`` endpoint is deleted and created again (``recreated``,
    with the ``failure`` it had). With nothing approved the endpoint is left as it is: taking it down is a
    person's decision.
    """
    newest = newest_approved(sm, group)
    desc = describe_endpoint(sm, endpoint)
    current = desc.get("EndpointConfigName") if desc else None
    result = {"serving": _version_of(current), "endpoint": endpoint, "config": current, "previous": current}
    if newest is None:
        return {**result, "action": "nothing approved"}
    version = newest["ModelPackageVersion"]
    model, config = names(version)
    status = desc["EndpointStatus"] if desc else None
    if _heading_to(desc) == config and status not in ("Failed", "Deleting"):
        if status in BUSY:  # a run before this one started it: let it finish
            return {**result, "action": "in progress", "status": status, "deploying": version}
        return {**result, "serving": version, "action": "unchanged"}
    package = sm.describe_model_package(ModelPackageName=newest["ModelPackageArn"])
    if package["ModelApprovalStatus"] != "Approved":  # changed since the listing: that change's event comes next
        return {**result, "action": "unchanged"}
    _ensure_model(sm, model, package["ModelPackageArn"], role_arn)
    _ensure_config(sm, config, model, instance_type)
    if status in BUSY:  # another deployment (or a deletion) must finish first
        desc = _settle(sm, endpoint, wait_seconds, f"move to {config}")
        if _heading_to(desc) == config and desc["EndpointStatus"] != "Failed":  # another run got there first
            return {**result, "serving": version, "config": config, "action": "unchanged"}
    failure = None
    if desc is not None and desc["EndpointStatus"] == "Failed":  # SageMaker updates no Failed endpoint
        failure = desc.get("FailureReason") or "no reason given"
        _delete_failed(sm, endpoint, failure)
        desc = _settle(sm, endpoint, wait_seconds, f"be created again with {config}")
        if desc is not None:
            raise DeployerError(f"The endpoint {endpoint} was Failed and is still there ({desc['EndpointStatus']}) "
                                "after its deletion: run the deployer again.")
    if desc is None:
        sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        action = "recreated" if failure else "created"
    else:
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        action = "updated"
    return {**result, "serving": version, "config": config, "action": action,
            **({"failure": failure} if failure else {})}


def handle(event: dict[str, Any], sm, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
           instance_type: str = INSTANCE_TYPE, wait_seconds: float = 60) -> dict[str, Any]:
    """Handle one event: a state change of ``group`` reconciles the endpoint; anything else is ignored."""
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    record = {"event": {"id": event.get("id"), "version": detail.get("ModelPackageVersion"),
                        "status": detail.get("ModelApprovalStatus"), "time": event.get("time")}}
    if event.get("source") != "aws.sagemaker" or event.get("detail-type") != DETAIL_TYPE:
        return {**record, "action": "ignored", "reason": f"not a {DETAIL_TYPE} event"}
    if detail.get("ModelPackageGroupName") != group:
        return {**record, "action": "ignored", "reason": f"an event of group {detail.get('ModelPackageGroupName')!r}, not {group!r}"}
    return {**record, **reconcile(sm, group, endpoint, role_arn, instance_type, wait_seconds)}


def _change(record: dict[str, Any]) -> str:
    """What a run did to the endpoint, e.g. ``endpoint ml-pipeline-endpoint updated to v2 (was v1)``."""
    action, version, endpoint = record["action"], record.get("serving"), record["endpoint"]
    if action == "created":
        return f"endpoint {endpoint} created with v{version}"
    if action == "recreated":
        return f"endpoint {endpoint} was Failed ({record['failure']}): deleted and created again with v{version}"
    was = _version_of(record["previous"])
    return f"endpoint {endpoint} updated to v{version} (was {f'v{was}' if was else record['previous']})"


def _skipped_because(record: dict[str, Any]) -> str:
    """Why one event changed nothing, in words shared by every event skipped for the same reason."""
    action = record["action"]
    if action == "ignored":
        return f"ignored, {record['reason']}"
    if action == "nothing approved":
        return f"no version is approved, so the endpoint is left as it is ({record['config'] or 'none yet'})"
    version = record["deploying"] if action == "in progress" else record.get("serving")
    return f"the endpoint already serves or is moving to v{version}, the newest approved (duplicate or stale events)"


def describe(record: dict[str, Any]) -> str:
    """One line saying what was done for one event, e.g. ``v2 Rejected → endpoint ml-pipeline-endpoint updated to v1 (was v2)``."""
    event = record.get("event") or {}
    head = f"v{event.get('version')} {event.get('status')}"
    return f"{head} → {_change(record) if record['action'] in CHANGED else _skipped_because(record)}"


def summary(records: list[dict[str, Any]], queue: str = NAME) -> list[str]:
    """A run in a few lines: each change made to the endpoint, then how many events changed nothing and why.

    The event that woke a change is not named: the deployer acts on what the registry says, not on the event.
    """
    if not records:
        return [f"no events waiting in the queue {queue}"]
    lines = [_change(r) for r in records if r["action"] in CHANGED]
    skipped = Counter(_skipped_because(r) for r in records if r["action"] not in CHANGED)
    total = sum(skipped.values())
    if total:
        lead = f"the other {total}" if lines else f"{total}"
        reasons = [why if n == total else f"{why} ({n})" for why, n in skipped.items()]
        lines.append(f"{lead} event{'s' * (total != 1)} changed nothing: " + "; ".join(reasons))
    return lines


def status_line(sm, endpoint: str = ENDPOINT) -> str:
    """What the endpoint serves now, in one line (Creating, Updating and Failed included)."""
    desc = describe_endpoint(sm, endpoint)
    if desc is None:
        return f"endpoint {endpoint} does not exist yet: no version has been approved"
    status, config = desc["EndpointStatus"], desc.get("EndpointConfigName")
    version = f"version {_version_of(config)}" if _version_of(config) else f"config {config}"
    if status == "Updating":
        moving = _heading_to(desc)
        target = f"version {_version_of(moving)}" if _version_of(moving) else moving
        return f"endpoint {endpoint} serves {version} until {target} is in service (Updating)"
    if status == "Creating":
        return f"endpoint {endpoint} is Creating with {version}: it answers once InService"
    if status == "Failed":
        return f"endpoint {endpoint} is Failed: {desc.get('FailureReason')}"
    return f"endpoint {endpoint} serves {version} ({status}, config {config})"


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda function's entry point; settings come from its environment variables.

    A busy endpoint is waited for while the function has time left (its timeout is 15 minutes, an endpoint
    update on AWS takes 5 to 10); after that the error makes Lambda retry the event later.
    """
    import boto3

    remaining = context.get_remaining_time_in_millis() / 1000 if hasattr(context, "get_remaining_time_in_millis") else 60
    record = handle(event, boto3.client("sagemaker"), os.environ.get("GROUP", GROUP), os.environ.get("ENDPOINT", ENDPOINT),
                    os.environ["ROLE_ARN"], os.environ.get("INSTANCE_TYPE", INSTANCE_TYPE), max(0.0, remaining - 30))
    print(json.dumps({**record, "summary": describe(record)}))  # one line in CloudWatch Logs per event
    return record


def drain_once(session, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
               instance_type: str = INSTANCE_TYPE, queue: str = NAME,
               wait_seconds: float = WAIT_SECONDS) -> list[dict[str, Any]]:
    """Local mode: handle every event waiting in ``queue``, oldest batch first; one record per event.

    Short polls until a receive comes back empty. A busy endpoint is waited for up to ``wait_seconds`` per
    event. A message is deleted only after it was handled: after an error it is received again by a later
    run, once its visibility timeout (``wait_seconds`` + 30 s) has passed.
    """
    from botocore.exceptions import ClientError

    from helpers.errors import WorkshopError  # local mode only: the Lambda function never drains a queue

    sqs, sm = session.client("sqs"), session.client("sagemaker")
    try:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    except ClientError as exc:
        if not _no_queue(exc):
            raise
        raise WorkshopError(f"The queue {queue} does not exist, so no approval event reached the deployer: run "
                            "deployer.subscribe(session, group) first (notebook 05 does), then approve a version.") from None
    records = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       VisibilityTimeout=int(wait_seconds) + 30).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            try:
                event = json.loads(message["Body"])
            except ValueError:
                event = {}
            try:
                records.append(handle(event if isinstance(event, dict) else {}, sm, group, endpoint, role_arn,
                                      instance_type, wait_seconds))
            except DeployerError as exc:
                raise WorkshopError(str(exc)) from None
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def subscribe(session, group: str = GROUP, name: str = NAME) -> str:
    """The rule ``name`` (:func:`event_pattern`) delivering to the queue ``name``; idempotent. Returns the queue URL.

    The queue's policy lets EventBridge send to it for this rule only (``aws:SourceArn``).
    """
    events, sqs = session.client("events"), session.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(event_pattern(group)),
                               Description="Deploy the newest approved version when an approval changes")["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
                       "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_targets(Rule=name, Targets=[{"Id": "deployer-queue", "Arn": queue_arn}])
    return url


def unsubscribe(session, name: str = NAME) -> list[str]:
    """Delete the rule ``name`` (its targets first) and the queue ``name``; what was deleted, as sentences."""
    from botocore.exceptions import ClientError

    from helpers.kit.eventbridge import delete_rule  # local mode only, as drain_once

    sqs = session.client("sqs")
    done = [f"deleted rule {name}"] if delete_rule(session.client("events"), name) else []
    try:
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
        done.append(f"deleted queue {name}")
    except ClientError as exc:
        if not _no_queue(exc):
            raise
    return done
