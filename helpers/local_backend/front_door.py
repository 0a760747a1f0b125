"""The front door: every AWS request is routed to whoever answers it. Nothing else happens here.

- SageMaker (``X-Amz-Target: SageMaker.*``): the request is validated against botocore's input shape
  (``validation.py``; a refused request reaches nothing), then answered by the kit's Model Registry
  (``model_registry/urls.py``), by the kit's hosting (``hosting/urls.py``), or by moto
  (``moto_sagemaker.py``). An operation none of them serves answers an error that names it.
- sagemaker-runtime's InvokeEndpoint is answered by the kit's hosting (``hosting/runtime.py``).
- An SQS long poll goes to moto without the moto lock (event delivery needs that lock meanwhile).
- Everything else goes to moto, one request at a time (``locks.MOTO_LOCK``).
"""

from __future__ import annotations

import json
from typing import Any

from . import moto_sagemaker, persistence, request, validation
from .exceptions import ServiceError
from .hosting import urls as hosting_urls
from .locks import MOTO_LOCK
from .model_registry import responses as registry_responses
from .model_registry import urls as registry_urls
from .wire import error_response, json_response

UNSUPPORTED = ("The local backend does not support SageMaker {operation}: it serves the Model Registry, models, "
               "endpoint configurations and endpoints. Run this step against AWS (WORKSHOP_BACKEND=aws).")


def sagemaker(app, environ, start_response):
    """Answer one SageMaker control-plane request."""
    facts = request.facts(environ)
    operation = facts.action
    try:
        params: dict[str, Any] = json.loads(facts.body or b"{}")
    except ValueError:
        return error_response(start_response, "SerializationException", "The request body is not valid JSON.")
    problem = validation.validate(operation, params)
    if problem:
        return error_response(start_response, "ValidationException", problem)
    try:
        handler = registry_urls.handler_for(operation, params)
        if handler is not None:
            return json_response(start_response, 200, registry_responses.serve(environ, facts, handler, params))
        hosted = hosting_urls.handler_for(operation, params)
        if hosted is not None:  # hosting keeps its own state on disk (hosting/models.py)
            persistence.touch(environ)
            return json_response(start_response, 200, hosted(params, facts.region))
    except ServiceError as err:
        return error_response(start_response, err.code, err.message, err.status)
    if not moto_sagemaker.implements(operation):
        return error_response(start_response, "UnsupportedOperation", UNSUPPORTED.format(operation=operation))
    persistence.touch(environ, "sagemaker")
    status, headers, payload = moto_sagemaker.call(app, environ, operation, params)
    start_response(status, headers)
    return [payload]


def wrap(app, checker=None):
    """Route every request; ``checker`` wraps the SageMaker and runtime answers (the tests' conformance check)."""

    def answer_sagemaker(environ, start_response):
        return sagemaker(app, environ, start_response)

    def answer_runtime(environ, start_response):
        facts = request.facts(environ)
        return hosting_urls.invoke(environ, start_response, facts, hosting_urls.endpoint_name(environ))

    sagemaker_app = checker(answer_sagemaker) if checker else answer_sagemaker
    runtime_app = checker(answer_runtime) if checker else answer_runtime

    def routed(environ, start_response):
        facts = request.facts(environ)
        if facts.target.startswith("SageMaker."):
            return sagemaker_app(environ, start_response)
        if facts.action == "InvokeEndpoint":  # sagemaker-runtime: the kit's hosting answers it
            return runtime_app(environ, start_response)
        if facts.is_long_poll:  # a long poll must not hold the lock that event delivery needs
            return app(environ, start_response)
        with MOTO_LOCK:
            return app(environ, start_response)

    return routed
