"""The approval-driven deployer: the endpoint serves the newest approved version, whatever the events say.

A rule on "SageMaker Model Package State Change" events, filtered on the group **and** on
``ModelApprovalStatus`` (Approved or Rejected; a rejection can mean a rollback), triggers the engine,
:mod:`helpers.kit.endpoint_reconciler`: the event only says *that* something changed, and the engine reads the
registry at handling time and makes the endpoint serve its newest approved version.

Real hosting takes time: an endpoint is ``Creating`` or ``Updating`` for minutes on AWS (a second or two
locally) and cannot be updated meanwhile, so the deployer waits for it, within a budget, then reads it
again; one already moving to the right version is left alone. A ``Failed`` endpoint cannot be updated at
all: the deployer deletes it and creates it again, and its record says why.

Locally the rule delivers to an SQS queue (:func:`subscribe`) that ``python -m helpers deployer --once``
drains (:func:`drain_once`); on AWS the engine's ``lambda_handler`` runs as a Lambda function, installed by
:mod:`helpers.aws_mode.deployer_lambda`. The engine's names are this module's too
(``deployer.newest_approved``, ``deployer.reconcile``, ...).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import urlparse

from .errors import WorkshopError, error_code
from .kit.endpoint_reconciler import (BUSY, CHANGED, DETAIL_TYPE, ENDPOINT, GROUP, INSTANCE_TYPE, VARIANT,
                                      DeployerError, change_line, describe, describe_endpoint, handle, heading_to,
                                      names, newest_approved, newest_approved_of, reconcile, skip_reason, version_of)
from .kit.eventbridge import delete_rule

__all__ = ["BUSY", "CHANGED", "DETAIL_TYPE", "ENDPOINT", "GROUP", "INSTANCE_TYPE", "NAME", "TRIGGERS", "VARIANT",
           "WAIT_SECONDS", "DeployerError", "describe", "describe_endpoint", "drain_once", "event_pattern", "handle",
           "names", "newest_approved", "newest_approved_of", "reconcile", "serving", "status_line", "subscribe",
           "summary", "unsubscribe", "waiter_config"]

NAME = "ml-pipeline-deployer"  # the rule, the local queue and the Lambda function
TRIGGERS = ["Approved", "Rejected"]  # never PendingManualApproval: a registration deploys nothing
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WAIT_SECONDS = 240  # how long one run waits for a busy endpoint (locally it settles in a second or two)


def event_pattern(group: str = GROUP) -> dict[str, Any]:
    """The rule's pattern. Without the ``ModelApprovalStatus`` filter every registration would trigger it."""
    return {"source": ["aws.sagemaker"], "detail-type": [DETAIL_TYPE],
            "detail": {"ModelPackageGroupName": [group], "ModelApprovalStatus": TRIGGERS}}


def _no_queue(exc: Exception) -> bool:
    return "NonExistentQueue" in error_code(exc) or error_code(exc) == "QueueDoesNotExist"


def waiter_config(sm) -> dict[str, int]:
    """``WaiterConfig`` for the endpoint waiters: ask every second when the backend is on this machine (an endpoint
    is ready in a second or two), every 20 s on AWS (minutes), for up to 30 minutes there."""
    local = urlparse(sm.meta.endpoint_url).hostname in LOOPBACK
    return {"Delay": 1, "MaxAttempts": 120} if local else {"Delay": 20, "MaxAttempts": 90}


def serving(sm, endpoint: str = ENDPOINT) -> tuple[int | None, str | None]:
    """``(version, config)`` the endpoint serves now, ``(None, None)`` if there is no endpoint."""
    config = (describe_endpoint(sm, endpoint) or {}).get("EndpointConfigName")
    return version_of(config), config


def summary(records: list[dict[str, Any]], queue: str = NAME) -> list[str]:
    """A run in a few lines: each change made to the endpoint, then how many events changed nothing and why.

    The event that woke a change is not named: the deployer acts on what the registry says, not on the event.
    """
    if not records:
        return [f"no events waiting in the queue {queue}"]
    lines = [change_line(r) for r in records if r["action"] in CHANGED]
    skipped = Counter(skip_reason(r) for r in records if r["action"] not in CHANGED)
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
    version = f"version {version_of(config)}" if version_of(config) else f"config {config}"
    if status == "Updating":
        moving = heading_to(desc)
        target = f"version {version_of(moving)}" if version_of(moving) else moving
        return f"endpoint {endpoint} serves {version} until {target} is in service (Updating)"
    if status == "Creating":
        return f"endpoint {endpoint} is Creating with {version}: it answers once InService"
    if status == "Failed":
        return f"endpoint {endpoint} is Failed: {desc.get('FailureReason')}"
    return f"endpoint {endpoint} serves {version} ({status}, config {config})"


def drain_once(session, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
               instance_type: str = INSTANCE_TYPE, queue: str = NAME,
               wait_seconds: float = WAIT_SECONDS) -> list[dict[str, Any]]:
    """Local mode: handle every event waiting in ``queue``, oldest batch first; one record per event.

    Short polls until a receive comes back empty. A busy endpoint is waited for up to ``wait_seconds`` per
    event. A message is deleted only after it was handled: after an error it is received again by a later
    run, once its visibility timeout (``wait_seconds`` + 30 s) has passed.
    """
    from botocore.exceptions import ClientError

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

    sqs = session.client("sqs")
    done = [f"deleted rule {name}"] if delete_rule(session.client("events"), name) else []
    try:
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
        done.append(f"deleted queue {name}")
    except ClientError as exc:
        if not _no_queue(exc):
            raise
    return done
