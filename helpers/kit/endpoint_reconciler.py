"""The deployer's engine: the endpoint serves the newest approved version, as the registry says when it runs.

:func:`reconcile` reads the registry at handling time, so duplicate, stale and out-of-order events (EventBridge
delivers at least once, in no guaranteed order) change nothing, and a version rejected before its event is
handled is never deployed. :func:`handle` takes one event; :func:`lambda_handler` is the Lambda function's
entry. This file imports only the standard library and boto3: :mod:`helpers.aws_mode.deployer_lambda` zips
it alone as the function's code. The lesson's face (the rule and its queue, a local run) is :mod:`helpers.deployer`.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

GROUP = "ml-pipeline-model-group"
ENDPOINT = "ml-pipeline-endpoint"
# The smallest instance type a real-time endpoint takes (botocore's ProductionVariantInstanceType lists none
# smaller), and plenty for a model of a few kB: the cheapest to forget running. Notebook 07 deploys by hand
# with this same constant, so the endpoint it makes and the one the deployer makes are alike.
INSTANCE_TYPE = "ml.t2.medium"
VARIANT = "AllTraffic"
DETAIL_TYPE = "SageMaker Model Package State Change"
BUSY = {"Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting"}  # no update possible meanwhile
CHANGED = ("created", "updated", "recreated")  # the actions that changed the endpoint
CONFIG_RE = re.compile(r"^ml-pipeline-model-v(\d+)-config$")


def names(version: int) -> tuple[str, str]:
    """The SageMaker model and endpoint configuration that serve ``version``: ``ml-pipeline-model-v{N}`` and
    ``ml-pipeline-model-v{N}-config`` (one per version, so deploying a version twice finds them made)."""
    return f"ml-pipeline-model-v{version}", f"ml-pipeline-model-v{version}-config"


def _code(exc: Exception) -> str:  # helpers.errors.error_code, which this file (zipped alone) cannot import
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


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


def version_of(config: str | None) -> int | None:
    """The version an endpoint configuration ``ml-pipeline-model-v{N}-config`` serves, or None."""
    match = CONFIG_RE.match(config or "")
    return int(match.group(1)) if match else None


def heading_to(desc: dict[str, Any] | None) -> str | None:
    """The configuration the endpoint serves, or, while an update loads one, the one it is moving to."""
    if not desc:
        return None
    pending = (desc.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    return pending if desc.get("EndpointStatus") == "Updating" and pending else desc.get("EndpointConfigName")


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
    result = {"serving": version_of(current), "endpoint": endpoint, "config": current, "previous": current}
    if newest is None:
        return {**result, "action": "nothing approved"}
    version = newest["ModelPackageVersion"]
    model, config = names(version)
    status = desc["EndpointStatus"] if desc else None
    if heading_to(desc) == config and status not in ("Failed", "Deleting"):
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
        if heading_to(desc) == config and desc["EndpointStatus"] != "Failed":  # another run got there first
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


def change_line(record: dict[str, Any]) -> str:
    """What a run did to the endpoint, e.g. ``endpoint ml-pipeline-endpoint updated to v2 (was v1)``."""
    action, version, endpoint = record["action"], record.get("serving"), record["endpoint"]
    if action == "created":
        return f"endpoint {endpoint} created with v{version}"
    if action == "recreated":
        return f"endpoint {endpoint} was Failed ({record['failure']}): deleted and created again with v{version}"
    was = version_of(record["previous"])
    return f"endpoint {endpoint} updated to v{version} (was {f'v{was}' if was else record['previous']})"


def skip_reason(record: dict[str, Any]) -> str:
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
    return f"{head} → {change_line(record) if record['action'] in CHANGED else skip_reason(record)}"


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
