"""SageMaker's JSON wire format (awsJson1_1): answers and errors as WSGI responses."""

from __future__ import annotations

import json
from typing import Any


class ServiceError(Exception):
    """An error answered in SageMaker's JSON wire format (``__type`` and ``message``)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


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
