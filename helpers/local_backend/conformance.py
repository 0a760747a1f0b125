"""Check SageMaker response bodies against botocore's output shapes.

The local backend's tests pass every response the backend gives through ``check`` (and every error
response through ``error_check``), so a body that a real SageMaker endpoint could not have sent is
caught in the tests instead of surprising a learner's boto3 code later.

A body is taken as it travels on the wire under the awsJson1_1 protocol, already JSON-decoded:
timestamps are numbers (epoch seconds) or ISO 8601 strings, blobs are base64 strings. The checks are
recursive and generic, read from the model shipped with botocore: required members present and not
null, JSON types per shape, enum values of strings, and no member the shape does not declare. A null
where a value should be is reported as a wrong type (SageMaker omits a member rather than send null).
Patterns, lengths, list/map sizes and numeric ranges are deliberately not checked: they constrain
what clients send, and the request side (``validation.py``) already enforces them.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

# JSON type that each scalar shape type must arrive as (bool is excluded separately for numbers).
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "blob": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
}


@functools.lru_cache(maxsize=2)
def _model(service: str = "sagemaker"):
    """botocore's model of ``service``, read once (reading it takes longer than any check)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def check(operation: str, body: dict) -> list[str]:
    """Problems of ``body`` as the response of ``operation``; an empty list means it conforms."""
    model = _model()
    if operation not in model.operation_names:
        return [f"{operation}: not an operation of the SageMaker service model"]
    shape = model.operation_model(operation).output_shape
    if shape is None:
        return [] if body == {} else [f"{operation}: <body>: operation has no output, expected {{}}"]
    return [f"{operation}: {where or '<body>'}: {what}" for where, what in _problems(shape, body, "")]


def error_check(body: dict) -> list[str]:
    """Problems of an error response body: it needs a string ``__type`` and ``message``/``Message``."""
    if not isinstance(body, dict):
        return [f"error body: expected object, got {_json_type(body)}"]
    problems = []
    if not isinstance(body.get("__type"), str):
        problems.append("error body: __type: missing or not a string")
    if not isinstance(body.get("message", body.get("Message")), str):
        problems.append("error body: message: missing or not a string (neither 'message' nor 'Message')")
    return problems


def runtime_check(status: str, headers: list[tuple[str, str]], payload: bytes) -> list[str]:
    """Problems of a ``sagemaker-runtime`` InvokeEndpoint answer (REST-JSON): the output's header members on
    success; on error, an error shape of the operation, its HTTP status, and only its members in the body."""
    operation = _model("sagemaker-runtime").operation_model("InvokeEndpoint")
    named = {k.lower(): v for k, v in headers}
    if status.startswith("2"):
        return [f"InvokeEndpoint: header {member.serialization['name']} missing" for name, member
                in operation.output_shape.members.items()
                if name in ("ContentType", "InvokedProductionVariant") and member.serialization["name"].lower() not in named]
    shapes = {shape.name: shape for shape in operation.error_shapes}
    code = named.get("x-amzn-errortype", "")
    if code not in shapes:
        return [f"InvokeEndpoint: error {code or '(no x-amzn-ErrorType)'} is not one of {sorted(shapes)}"]
    problems = []
    if int(status.split()[0]) != shapes[code].metadata["error"]["httpStatusCode"]:
        problems.append(f"InvokeEndpoint: {code} answered with {status}, the model says "
                        f"{shapes[code].metadata['error']['httpStatusCode']}")
    try:
        body = json.loads(payload)
    except ValueError:
        return problems + ["InvokeEndpoint: the error body is not JSON"]
    allowed = {m.lower() for m in shapes[code].members}
    problems += [f"InvokeEndpoint: {code}: member {key} is not in the error shape" for key in body if key.lower() not in allowed]
    if not isinstance(body.get("message"), str):
        problems.append(f"InvokeEndpoint: {code}: message missing")
    return problems


def _problems(shape, value: Any, path: str) -> list[tuple[str, str]]:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [(path, f"expected object, got {_json_type(value)}")]
        found = []
        for name in shape.required_members:
            if value.get(name, None) is None:
                found.append((_join(path, name), "required member " + ("null" if name in value else "missing")))
        for name, item in value.items():
            if name not in shape.members:
                found.append((_join(path, name), "unknown member"))
            elif item is not None or name not in shape.required_members:  # a required null: see above
                found += _problems(shape.members[name], item, _join(path, name))
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [(path, f"expected list, got {_json_type(value)}")]
        return [p for i, item in enumerate(value) for p in _problems(shape.member, item, f"{path}[{i}]")]
    if kind == "map":
        if not isinstance(value, dict):
            return [(path, f"expected object (map), got {_json_type(value)}")]
        found = []
        for key, item in value.items():
            if not isinstance(key, str):
                found.append((f"{path}[{key!r}]", f"map key must be a string, got {_json_type(key)}"))
            found += _problems(shape.value, item, f"{path}[{key!r}]")
        return found
    if kind == "timestamp":
        if _is_number(value) or (isinstance(value, str) and _is_iso8601(value)):
            return []
        return [(path, f"expected timestamp (epoch seconds or ISO 8601 string), got {value!r}")]
    if kind not in _SCALARS:
        return [(path, f"shape type {kind!r} is not supported by this checker")]
    numeric = kind not in ("string", "blob", "boolean")
    if not isinstance(value, _SCALARS[kind]) or (numeric and isinstance(value, bool)):
        return [(path, f"expected {kind}, got {_json_type(value)}")]
    enum = getattr(shape, "enum", None)
    if kind == "string" and enum and value not in enum:
        return [(path, f"{value!r} not in enum {list(enum)}")]
    return []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_iso8601(text: str) -> bool:
    try:
        datetime.fromisoformat(text)  # Python 3.11+: any ISO 8601 form, "Z" included
    except ValueError:
        return False
    return True


def _json_type(value: Any) -> str:
    names = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}
    return names.get(type(value), type(value).__name__)


def checking(app, path: str):
    """Middleware for the tests: check every SageMaker and sagemaker-runtime response against its output shape
    and append one JSON line per response to ``path`` (``$WORKSHOP_CONFORMANCE_LOG``)."""
    from . import request, wire

    def checked(environ, start_response):
        status, headers, payload = wire.collect(app, environ)
        operation = request.facts(environ).action
        try:
            if operation == "InvokeEndpoint":
                problems = runtime_check(status, headers, payload)
            else:
                body = json.loads(payload or b"{}")
                problems = check(operation, body) if status.startswith("2") else error_check(body)
        except ValueError:
            problems = [f"{operation}: the response is not JSON"]
        with open(path, "a") as fh:
            fh.write(json.dumps({"operation": operation, "status": [status], "problems": problems}) + "\n")
        start_response(status, headers)
        return [payload]

    return checked
