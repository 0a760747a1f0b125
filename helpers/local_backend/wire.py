"""SageMaker's JSON wire format (awsJson1_1): answers and errors as WSGI responses."""

from __future__ import annotations

import json
from typing import Any


def json_response(start_response, status: int, body: dict[str, Any], error_type: str | None = None):
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [payload]


def error_response(start_response, code: str, message: str, status: int = 400):
    return json_response(start_response, status, {"__type": code, "message": message}, code)


def collect(app, environ) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the WSGI ``app`` on ``environ`` and collect its answer: (status, headers, body)."""
    captured: list = []
    chunks = app(environ, lambda status, headers, exc_info=None: captured.extend([status, headers]))
    try:
        payload = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured[0], captured[1], payload


def with_body(headers: list[tuple[str, str]], payload: bytes, content_type: str | None = None) -> list[tuple[str, str]]:
    """``headers`` fitted to a new body: its length, and its type if given."""
    drop = ("content-length", "content-type") if content_type else ("content-length",)
    kept = [(k, v) for k, v in headers if k.lower() not in drop]
    return kept + ([("Content-Type", content_type)] if content_type else []) + [("Content-Length", str(len(payload)))]
