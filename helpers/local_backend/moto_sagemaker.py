"""SageMaker operations that moto answers (models, endpoint configurations, endpoints), passed through.

A validated request goes to moto with its body re-encoded; moto's answer is trimmed to what SageMaker
sends: moto writes empty placeholders (``VpcConfig: {}``) where SageMaker leaves an optional member out.
"""

from __future__ import annotations

import functools
import io
import json
from typing import Any

from . import validation, wire
from .locks import MOTO_LOCK


@functools.lru_cache(maxsize=None)
def implements(operation: str) -> bool:
    """Whether moto's SageMaker answers ``operation``."""
    from botocore import xform_name
    from moto.sagemaker.responses import SageMakerResponse

    return callable(getattr(SageMakerResponse, xform_name(operation), None))


def prune(shape, value: Any) -> Any:
    """Drop the empty placeholders moto puts where SageMaker leaves an optional member out."""
    if shape.type_name == "structure" and isinstance(value, dict):
        kept = {}
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                kept[name] = item
                continue
            item = prune(member, item)
            if item in (None, {}, []) and name not in shape.required_members:
                continue
            kept[name] = item
        return kept
    if shape.type_name == "list" and isinstance(value, list):
        return [prune(shape.member, item) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: prune(shape.value, v) for k, v in value.items()}
    return value


def call(app, environ, operation: str, params: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """moto's answer to a SageMaker request: (status, headers, body), trimmed to the output shape."""
    body = json.dumps(params).encode()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    with MOTO_LOCK:
        status, headers, payload = wire.collect(app, environ)
    output = validation.service_model().operation_model(operation).output_shape
    if status.startswith("2") and output is not None and payload:
        payload = json.dumps(prune(output, json.loads(payload))).encode()
        headers = wire.with_body(headers, payload)
    return status, headers, payload
