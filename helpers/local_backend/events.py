"""The registry's EventBridge events: SageMaker's "Model Package State Change", with the full envelope.

After a registry write has committed, :func:`model_package_state_change` builds the event every
EventBridge event has (``version``, ``id``, ``detail-type``, ``source``, ``account``, ``time``,
``region``, ``resources``, ``detail``) and :func:`deliver` hands it to the rules of the local default event bus
(moto's EventBridge). Delivery is best effort, as on AWS: a target that is gone (a deleted queue) or
a kind the local backend does not deliver to is logged and skipped; it never fails the API call that
caused the event.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone
from typing import Any

from . import ACCOUNT

log = logging.getLogger("helpers.local_backend.events")
SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Model Package State Change"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(region: str, detail_type: str, resources: list[str], detail: dict[str, Any], now: float) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": ACCOUNT,
        "time": _iso(now),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def model_package_state_change(region: str, package: dict[str, Any], now: float) -> dict[str, Any]:
    """The event for ``package`` as it is now (its description, times as ISO 8601 strings)."""
    detail = {k: v for k, v in package.items() if not k.startswith("_")}
    for key in ("CreationTime", "LastModifiedTime"):
        if isinstance(detail.get(key), (int, float)):
            detail[key] = _iso(detail[key])
    return envelope(region, DETAIL_TYPE, [package["ModelPackageArn"]], detail, now)


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputTransformer" in target:
        from moto.events.utils import EventTemplateParser

        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                         input_paths_map=transformer.get("InputPathsMap", {}), event=event)
    return event


def deliver(region: str, event: dict[str, Any]) -> int:
    """Send ``event`` to every matching rule's targets on the default bus; returns how many got it."""
    from moto.events.models import events_backends

    delivered = 0
    try:
        bus = events_backends[ACCOUNT][region].event_buses.get("default")
    except Exception:  # noqa: BLE001 - no bus yet: nobody listens
        return 0
    for rule in list(getattr(bus, "rules", {}).values()):
        if rule.state != "ENABLED" or not rule.event_pattern.matches_event(event):
            continue
        for target in list(rule.targets):
            try:
                delivered += _send(region, target, _target_input(target, event))
            except Exception as exc:  # noqa: BLE001 - as on AWS, a failed delivery never fails the call
                log.warning("event %s not delivered to %s (rule %s): %s", event["id"], target.get("Arn"), rule.name, exc)
    return delivered


def _send(region: str, target: dict[str, Any], payload: Any) -> int:
    arn = target["Arn"]
    service, resource = arn.split(":")[2], arn.split(":")[-1]
    body = payload if isinstance(payload, str) else json.dumps(payload)
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[ACCOUNT][region]
        if resource not in backend.queues:
            log.warning("event target %s does not exist; the event was dropped, as EventBridge would", arn)
            return 0
        group = target.get("SqsParameters", {}).get("MessageGroupId")
        backend.send_message(queue_name=resource, message_body=body, group_id=group,
                             deduplication_id=str(uuid.uuid4()) if group else None)
        return 1
    if service == "logs":
        from moto.logs.models import logs_backends

        backend = logs_backends[ACCOUNT][region]
        name = arn.split(":log-group:")[-1].removesuffix(":*")
        if name not in backend.groups:
            log.warning("event target %s does not exist; the event was dropped", arn)
            return 0
        stream = str(uuid.uuid4())
        backend.create_log_stream(name, stream)
        backend.put_log_events(name, stream, [{"timestamp": int(datetime.now().timestamp() * 1000), "message": body}])
        return 1
    log.warning("the local backend does not deliver events to %s; the event was dropped", arn)
    return 0
