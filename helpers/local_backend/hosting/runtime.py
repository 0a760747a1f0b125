"""``sagemaker-runtime`` InvokeEndpoint: ``POST /endpoints/{EndpointName}/invocations`` (REST-JSON protocol).

The request is routed to a variant (``TargetVariant``, else at random by the variants' weights) and
scored by that variant's loaded model as the built-in XGBoost container scores it (``container.py``).
Errors are the runtime's own shapes: ``ValidationError`` (400) for an endpoint that does not exist or
is not in service, an unknown variant or a body over the 6 MB limit; ``ModelError`` (424) with the
container's ``OriginalStatusCode`` and ``OriginalMessage`` when the container refuses the request.
The endpoint stays in service either way.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

from .. import ACCOUNT
from ..request import Facts
from . import container, deploy
from .models import HOSTING

PATH = re.compile(r"^/endpoints/([^/]+)/invocations$")
MAX_BODY = 6291456  # InvokeEndpointInput.Body: max 6291456 bytes (botocore's sagemaker-runtime model)
_rng = random.Random()


def endpoint_name(environ: dict[str, Any]) -> str | None:
    """The endpoint an InvokeEndpoint request names, or None if the request is not one."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    match = PATH.match(environ.get("PATH_INFO", ""))
    return match.group(1) if match else None


def _answer(start_response, status: int, body: bytes, headers: list[tuple[str, str]]):
    reason = {200: "OK", 400: "Bad Request", 424: "Failed Dependency"}.get(status, "Error")
    start_response(f"{status} {reason}", headers + [("Content-Length", str(len(body)))])
    return [body]


def _error(start_response, code: str, status: int, message: str, **members: Any):
    body = json.dumps({"message": message, **members}).encode()
    return _answer(start_response, status, body, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)])


def invoke(environ, start_response, facts: Facts, name: str):
    endpoint = HOSTING.get(facts.region, name)
    if endpoint is None:
        return _error(start_response, "ValidationError", 400,
                      f"Endpoint {name} of account {ACCOUNT} not found.")
    if len(facts.body) > MAX_BODY:
        return _error(start_response, "ValidationError", 400,
                      f"Request payload is {len(facts.body)} bytes; InvokeEndpoint takes at most {MAX_BODY} "
                      "bytes (6 MB): send fewer rows per request.")
    with HOSTING.lock:
        variants = list(endpoint.variants)
        status = endpoint.status
    if not variants or status not in ("InService", "Updating"):
        return _error(start_response, "ValidationError", 400,
                      f"Endpoint {name} of account {ACCOUNT} is {status}, not InService: wait for it "
                      "(the endpoint_in_service waiter), or read its FailureReason with DescribeEndpoint.")
    wanted = environ.get("HTTP_X_AMZN_SAGEMAKER_TARGET_VARIANT")
    if wanted:
        chosen = [v for v in variants if v.name == wanted]
        if not chosen:
            return _error(start_response, "ValidationError", 400,
                          f"The variant {wanted} does not exist for endpoint {name}: it has "
                          f"{', '.join(v.name for v in variants)}.")
        variant = chosen[0]
    else:
        weighted = [v for v in variants if v.weight > 0] or variants
        variant = _rng.choices(weighted, weights=[v.weight or 1.0 for v in weighted])[0]
    try:
        loaded = deploy.model(endpoint, variant)
        body, content_type = container.score(loaded.boosters, loaded.lock, facts.body,
                                             environ.get("CONTENT_TYPE"), environ.get("HTTP_ACCEPT"))
    except container.ContainerError as exc:
        side = "server" if exc.status >= 500 else "client"
        return _error(start_response, "ModelError", 424,
                      f"Received {side} error ({exc.status}) from primary with message \"{exc.message}\". See "
                      f"the log group /aws/sagemaker/Endpoints/{name} in account {ACCOUNT} for more information.",
                      OriginalStatusCode=exc.status, OriginalMessage=exc.message,
                      LogStreamArn=f"arn:aws:logs:{facts.region}:{ACCOUNT}:log-group:/aws/sagemaker/Endpoints/{name}")
    return _answer(start_response, 200, body, [("Content-Type", content_type),
                                               ("x-Amzn-Invoked-Production-Variant", variant.name)])
