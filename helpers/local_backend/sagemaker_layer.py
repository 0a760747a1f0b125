"""The SageMaker front door: every SageMaker request is checked, then routed to whoever answers it.

1. The request is validated against botocore's input shape (``validation.py``); a refused request
   reaches nothing.
2. Model Registry operations (``registry_ops.OPERATIONS``, ``Search`` over ``ModelPackage`` and
   ``ModelPackageGroup``, tags on registry ARNs) are answered from the kit's own registry: the
   change is journaled, applied, answered, and only then are its events sent.
3. ``UpdateEndpoint`` is answered here (moto lacks it); anything else moto implements (models,
   endpoint configs, endpoints) goes to moto.
4. An operation neither serves answers an error that names it, never a silent success.

The request environ gets ``workshop.touched``: the moto services whose state the request may have
changed, so that ``moto_state.py`` saves only those.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import time
from typing import Any

from . import events, registry_ops, validation
from .moto_state import MOTO_LOCK
from .registry import ACCOUNT, STORE
from . import wire
from .wire import ServiceError, error_response, json_response

log = logging.getLogger("helpers.local_backend.sagemaker")
_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str]:
    """(access key id, region, service) from the request's SigV4 Authorization header."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.groups() if match else ("", "us-east-1", "")


def _caller(access_key: str, region: str) -> dict[str, Any]:
    """The UserContext of whoever signed the request (as moto's STS knows them)."""
    try:
        from moto.sts.models import sts_backends

        user_id, arn, _ = sts_backends[ACCOUNT]["global"].get_caller_identity(access_key, region)
    except Exception:  # noqa: BLE001 - an unknown key still gets moto's default user
        user_id, arn = "moto", f"arn:aws:sts::{ACCOUNT}:user/moto"
    return {"IamIdentity": {"Arn": arn, "PrincipalId": user_id}}


def _moto_implements(operation: str) -> bool:
    from botocore import xform_name
    from moto.sagemaker.responses import SageMakerResponse

    return callable(getattr(SageMakerResponse, xform_name(operation), None))


def _registry_handler(operation: str, params: dict[str, Any]):
    if operation in registry_ops.OPERATIONS:
        return registry_ops.OPERATIONS[operation], None
    if operation == "Search" and params.get("Resource") in registry_ops.SEARCHED:
        return registry_ops.search_registry, None
    if operation in registry_ops.TAG_OPERATIONS:
        arn = params.get("ResourceArn", "")
        if ":model-package-group/" in arn or ":model-package/" in arn:
            return registry_ops.TAG_OPERATIONS[operation], arn
    return None, None


def serve_registry(environ, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Answer a registry request; None if it is not one."""
    handler, tag_arn = _registry_handler(operation, params)
    if handler is None:
        return None
    key, region, _ = credential_scope(environ)
    with STORE.lock:
        call = registry_ops.Call(region, STORE.region(region), params, _caller(key, region), time.time())
        if tag_arn is not None:
            target = registry_ops.tagged_resource(call, tag_arn)
            response = handler(call, target)
        else:
            response = handler(call)
        STORE.commit(region, call.records)  # journal first: if it fails, nothing changed and we answer 500
        touched = environ.setdefault("workshop.touched", set())
        for package, updated in call.changed:
            doc = dict(package, **({"UpdatedModelPackageFields": updated} if updated else {}))
            with MOTO_LOCK:
                if events.deliver(region, events.model_package_state_change(region, doc, call.now)):
                    touched.update({"sqs", "logs"})
    return 200, response


def update_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    """moto has no UpdateEndpoint: point the endpoint at the new configuration (in service at once)."""
    from moto.core.utils import utcnow
    from moto.sagemaker.models import sagemaker_backends

    be = sagemaker_backends[ACCOUNT][region]
    endpoint = be.endpoints.get(params["EndpointName"])
    if endpoint is None:
        raise ServiceError("ValidationException", f"Could not find endpoint \"{params['EndpointName']}\".")
    if params["EndpointConfigName"] not in be.endpoint_configs:
        raise ServiceError("ValidationException",
                           f"Could not find endpoint configuration \"{params['EndpointConfigName']}\".")
    config = be.describe_endpoint_config(params["EndpointConfigName"])
    endpoint.endpoint_config_name = params["EndpointConfigName"]
    endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
    endpoint.last_modified_time = utcnow()
    return {"EndpointArn": endpoint.arn}


def _prune(shape, value: Any) -> Any:
    """Drop the empty placeholders moto puts where SageMaker leaves an optional member out (``VpcConfig: {}``)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        kept = {}
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                kept[name] = item
                continue
            item = _prune(member, item)
            if item in (None, {}, []) and name not in shape.required_members:
                continue
            kept[name] = item
        return kept
    if shape.type_name == "list" and isinstance(value, list):
        return [_prune(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _prune(shape.value, v) for k, v in value.items()}
    return value


def _call_moto(app, environ, start_response, operation: str, params: dict[str, Any]):
    body = json.dumps(params).encode()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    with MOTO_LOCK:
        status, headers, payload = wire.call(app, environ)
    output = validation.service_model().operation_model(operation).output_shape
    if status.startswith("2") and output is not None and payload:
        payload = json.dumps(_prune(output, json.loads(payload))).encode()
        headers = wire.with_body(headers, payload)
    start_response(status, headers)
    return [payload]


def _checked(app):
    """With ``$WORKSHOP_CONFORMANCE_LOG`` set (the tests set it), check every SageMaker response against
    botocore's output shape (``conformance.py``) and append one JSON line per response to that file."""
    path = os.environ.get("WORKSHOP_CONFORMANCE_LOG")
    if not path:
        return app
    from . import conformance

    def checking(environ, start_response):
        status, headers, payload = wire.call(app, environ)
        operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")[2]
        try:
            body = json.loads(payload or b"{}")
            problems = conformance.check(operation, body) if status.startswith("2") else conformance.error_check(body)
        except ValueError:
            problems = [f"{operation}: the response is not JSON"]
        with open(path, "a") as fh:
            fh.write(json.dumps({"operation": operation, "status": [status], "problems": problems}) + "\n")
        start_response(status, headers)
        return [payload]

    return checking


def _is_receive(environ, target: str) -> bool:
    """An SQS ReceiveMessage (JSON or query protocol), which may wait up to 20 s for a message."""
    if target:
        return target == "AmazonSQS.ReceiveMessage"
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = environ["wsgi.input"].getvalue() if hasattr(environ["wsgi.input"], "getvalue") else b""
        return b"Action=ReceiveMessage" in body
    return False


def wrap(app):
    """Put the SageMaker front door in front of moto's WSGI ``app``."""
    checked = _checked(_front_door(app))

    def layered(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("SageMaker."):
            return checked(environ, start_response)
        if _is_receive(environ, target):  # a long poll must not hold the lock that event delivery needs
            return app(environ, start_response)
        with MOTO_LOCK:
            return app(environ, start_response)

    return layered


def _front_door(app):
    def layered(environ, start_response):
        operation = environ["HTTP_X_AMZ_TARGET"].partition(".")[2]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            return error_response(start_response, "SerializationException", "The request body is not valid JSON.")
        problem = validation.validate(operation, params)
        if problem:
            return error_response(start_response, "ValidationException", problem)
        try:
            answered = serve_registry(environ, operation, params)
            if answered is not None:
                return json_response(start_response, *answered)
            if operation == "UpdateEndpoint":
                with MOTO_LOCK:
                    environ.setdefault("workshop.touched", set()).add("sagemaker")
                    return json_response(start_response, 200, update_endpoint(params, credential_scope(environ)[1]))
        except ServiceError as err:
            return error_response(start_response, err.code, err.message, err.status)
        if not _moto_implements(operation):
            return error_response(
                start_response, "UnsupportedOperation",
                f"The local backend does not support SageMaker {operation}: it serves the Model Registry, models, "
                "endpoint configurations and endpoints. Run this step against AWS (WORKSHOP_BACKEND=aws).")
        environ.setdefault("workshop.touched", set()).add("sagemaker")
        return _call_moto(app, environ, start_response, operation, params)

    return layered
