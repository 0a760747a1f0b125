"""The approval-driven deployer: the endpoint serves the newest approved version, whatever the events say.

A rule on "SageMaker Model Package State Change" events, filtered on the group **and** on
``ModelApprovalStatus`` (Approved or Rejected; a rejection can mean a rollback), triggers
:func:`handle`. The event only says *that* something changed: :func:`reconcile` reads the registry at
handling time and makes the endpoint serve its newest approved version. So duplicate, stale and
out-of-order events (EventBridge delivers at least once, in no guaranteed order) change nothing, and a
version rejected before its event is handled is never deployed.

Locally the rule delivers to an SQS queue that ``python -m helpers deployer --once`` drains
(:func:`drain_once`); on AWS the same :func:`handle` runs as a Lambda function (:func:`lambda_handler`,
installed by :mod:`helpers.aws_mode.deployer_lambda`). This file imports only the standard library and boto3,
so it is zipped alone as the function's code.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

GROUP = "ml-pipeline-model-group"
ENDPOINT = "ml-pipeline-endpoint"
NAME = "ml-pipeline-deployer"  # the rule, the local queue and the Lambda function
INSTANCE_TYPE = "ml.m5.large"
DETAIL_TYPE = "SageMaker Model Package State Change"
TRIGGERS = ["Approved", "Rejected"]  # never PendingManualApproval: a registration deploys nothing
BUSY = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}
CONFIG_RE = re.compile(r"^ml-pipeline-model-v(\d+)-config$")


def event_pattern(group: str = GROUP) -> dict[str, Any]:
    """The rule's pattern. Without the ``ModelApprovalStatus`` filter every registration would trigger it."""
    return {"source": ["aws.sagemaker"], "detail-type": [DETAIL_TYPE],
            "detail": {"ModelPackageGroupName": [group], "ModelApprovalStatus": TRIGGERS}}


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


def _version_of(config: str | None) -> int | None:
    """The version an endpoint configuration ``ml-pipeline-model-v{N}-config`` serves, or None."""
    match = CONFIG_RE.match(config or "")
    return int(match.group(1)) if match else None


def serving(sm, endpoint: str = ENDPOINT) -> tuple[int | None, str | None]:
    """``(version, config)`` the endpoint serves now, ``(None, None)`` if there is no endpoint."""
    config = (_call(sm.describe_endpoint, "Could not find", EndpointName=endpoint) or {}).get("EndpointConfigName")
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


def reconcile(sm, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
              instance_type: str = INSTANCE_TYPE) -> dict[str, Any]:
    """Make ``endpoint`` serve the newest approved version of ``group``, as the registry says *now*.

    Creates the model ``ml-pipeline-model-v{N}`` (from the package, run with ``role_arn``), its
    configuration ``ml-pipeline-model-v{N}-config`` and the endpoint, or points the endpoint at that
    configuration. It does not wait for ``InService`` (minutes on AWS, longer than a Lambda should run).
    With nothing approved the endpoint is left as it is: taking it down is a person's decision.
    """
    newest = newest_approved(sm, group)
    desc = _call(sm.describe_endpoint, "Could not find", EndpointName=endpoint) or {}
    current = desc.get("EndpointConfigName")
    result = {"serving": _version_of(current), "endpoint": endpoint, "config": current, "previous": current}
    if newest is None:
        return {**result, "action": "nothing approved"}
    version = newest["ModelPackageVersion"]
    model, config = f"ml-pipeline-model-v{version}", f"ml-pipeline-model-v{version}-config"
    if current == config:
        return {**result, "action": "unchanged"}
    package = sm.describe_model_package(ModelPackageName=newest["ModelPackageArn"])
    if package["ModelApprovalStatus"] != "Approved":  # changed since the listing: that change's event comes next
        return {**result, "action": "unchanged"}
    existing = _call(sm.describe_model, "Could not find", ModelName=model)
    if existing is None:
        _call(sm.create_model, "already exist", ModelName=model, ExecutionRoleArn=role_arn,
              Containers=[{"ModelPackageName": package["ModelPackageArn"]}])
    elif existing["Containers"][0].get("ModelPackageName", "").lower() != package["ModelPackageArn"].lower():
        raise DeployerError(f"The model {model} exists but was built from another package "
                            f"({existing['Containers'][0].get('ModelPackageName')}): delete it, then run the deployer again.")
    if _call(sm.describe_endpoint_config, "Could not find", EndpointConfigName=config) is None:
        _call(sm.create_endpoint_config, "already exist", EndpointConfigName=config, ProductionVariants=[{
            "VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1, "InstanceType": instance_type}])
    if current is None:
        sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        action = "created"
    else:
        if desc["EndpointStatus"] in BUSY:  # raise: Lambda retries the event later; locally the message stays queued
            raise DeployerError(f"The endpoint {endpoint} is {desc['EndpointStatus']}, so it cannot move to {config} "
                                "yet: run the deployer again when it is InService.")
        sm.update_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        action = "updated"
    return {**result, "serving": version, "config": config, "action": action}


def handle(event: dict[str, Any], sm, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
           instance_type: str = INSTANCE_TYPE) -> dict[str, Any]:
    """Handle one event: a state change of ``group`` reconciles the endpoint; anything else is ignored."""
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    record = {"event": {"id": event.get("id"), "version": detail.get("ModelPackageVersion"),
                        "status": detail.get("ModelApprovalStatus"), "time": event.get("time")}}
    if event.get("source") != "aws.sagemaker" or event.get("detail-type") != DETAIL_TYPE:
        return {**record, "action": "ignored", "reason": f"not a {DETAIL_TYPE} event"}
    if detail.get("ModelPackageGroupName") != group:
        return {**record, "action": "ignored", "reason": f"an event of group {detail.get('ModelPackageGroupName')!r}, not {group!r}"}
    return {**record, **reconcile(sm, group, endpoint, role_arn, instance_type)}


def describe(record: dict[str, Any]) -> str:
    """One line saying what was done for one event, e.g. ``v2 Rejected → endpoint updated to v1``."""
    event = record.get("event") or {}
    head = f"v{event.get('version')} {event.get('status')}"
    action, version = record["action"], record.get("serving")
    if action == "ignored":
        return f"{head} → ignored: {record['reason']}"
    if action == "created":
        return f"{head} → endpoint {record['endpoint']} created, serving v{version}"
    if action == "updated":
        return f"{head} → endpoint updated to v{version} (was {record['previous']})"
    if action == "nothing approved":
        return f"{head} → no version is approved: endpoint left as it is ({record['config'] or 'none yet'})"
    return f"{head} → duplicate/stale: already serving v{version}, the newest approved now"


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda function's entry point; settings come from its environment variables."""
    import boto3

    record = handle(event, boto3.client("sagemaker"), os.environ.get("GROUP", GROUP), os.environ.get("ENDPOINT", ENDPOINT),
                    os.environ["ROLE_ARN"], os.environ.get("INSTANCE_TYPE", INSTANCE_TYPE))
    print(json.dumps({**record, "summary": describe(record)}))  # one line in CloudWatch Logs per event
    return record


def drain_once(session, group: str = GROUP, endpoint: str = ENDPOINT, role_arn: str = "",
               instance_type: str = INSTANCE_TYPE, queue: str = NAME) -> list[dict[str, Any]]:
    """Local mode: handle every event waiting in ``queue``, oldest batch first; one record per event.

    Short polls until a receive comes back empty. A message is deleted only after it was handled: after
    an error it is received again once its visibility timeout (10 s) has passed, by the next run.
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
                                       VisibilityTimeout=10).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            try:
                event = json.loads(message["Body"])
            except ValueError:
                event = {}
            try:
                records.append(handle(event if isinstance(event, dict) else {}, sm, group, endpoint, role_arn, instance_type))
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
