"""The local backend's SageMaker layer: where moto answers differently from SageMaker, answer like SageMaker.

A WSGI middleware in front of moto's app. It handles only the Model Registry operations listed in
``HANDLERS`` (everything else passes through untouched), reads and edits moto's in-memory backend
through a handful of attributes that ``tests/test_fidelity.py`` pins, and copies none of moto's code.
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import Any, Callable

# One lock for every registry write: the server is threaded, moto's dicts are not.
_LOCK = threading.RLock()
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")


class ServiceError(Exception):
    """An error answered in SageMaker's JSON wire format."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _backend(region: str):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[DEFAULT_ACCOUNT_ID][region]


def _find_package(be, name: str):
    """A versioned package by ARN, by ``group/version`` or by name, or None."""
    arn = be.model_package_name_mapping.get(name, name)
    package = be.model_packages.get(arn)
    if package is None and "/" in name and not name.startswith("arn:"):
        group, _, version = name.rpartition("/")
        for candidate in be.model_packages.values():
            if candidate.model_package_group_name == group and str(candidate.model_package_version) == version:
                return candidate
    return package


def _require_package(be, name: str):
    package = _find_package(be, name)
    if package is None:
        raise ServiceError("ValidationException", f"Model package {name} does not exist.")
    return package


def _group_name(value: str) -> str:
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


# --- handlers: (backend, request params) -> params to forward to moto, or a finished response dict ----


def create_model_package_group(be, params: dict[str, Any]):
    name = params.get("ModelPackageGroupName", "")
    existing = be.model_package_groups.get(name)
    if existing is not None:
        raise ServiceError("ValidationException", f"Model Package Group already exists: {existing.arn}")
    return params


def update_model_package(be, params: dict[str, Any]):
    """SageMaker changes only what the request names; moto resets the rest, so fill it back in."""
    package = _require_package(be, params.get("ModelPackageArn", ""))
    params["ModelPackageArn"] = package.arn
    params.setdefault("ModelApprovalStatus", package.model_approval_status)
    if "ApprovalDescription" not in params and package.approval_description is not None:
        params["ApprovalDescription"] = package.approval_description
    merged = dict(package.customer_metadata_properties or {})
    merged.update(params.get("CustomerMetadataProperties") or {})
    params["CustomerMetadataProperties"] = merged
    return params


def describe_model_package(be, params: dict[str, Any]):
    package = _require_package(be, params.get("ModelPackageName", ""))
    params["ModelPackageName"] = package.arn
    return params


def delete_model_package(be, params: dict[str, Any]):
    package = _require_package(be, params.get("ModelPackageName", ""))
    be.model_packages.pop(package.arn, None)
    for key in [k for k, v in be.model_package_name_mapping.items() if v == package.arn]:
        be.model_package_name_mapping.pop(key, None)
    return {}


def delete_model_package_group(be, params: dict[str, Any]):
    name = _group_name(params.get("ModelPackageGroupName", ""))
    group = be.model_package_groups.get(name)
    if group is None:
        raise ServiceError("ValidationException", f"Model Package Group {name} does not exist.")
    remaining = [p for p in be.model_packages.values() if p.model_package_group_name == name]
    if remaining:
        raise ServiceError(
            "ConflictException",
            f"Model Package Group {group.arn} cannot be deleted because it contains {len(remaining)} "
            "model package(s); delete the model packages first.",
        )
    del be.model_package_groups[name]
    return {}


def update_endpoint(be, params: dict[str, Any]):
    """moto has no UpdateEndpoint: point the endpoint at the new configuration (in service at once)."""
    from moto.core.utils import utcnow

    endpoint = be.endpoints.get(params.get("EndpointName", ""))
    if endpoint is None:
        raise ServiceError("ValidationException", f"Could not find endpoint \"{params.get('EndpointName')}\".")
    if params.get("EndpointConfigName", "") not in be.endpoint_configs:
        raise ServiceError(
            "ValidationException", f"Could not find endpoint configuration \"{params.get('EndpointConfigName')}\"."
        )
    config = be.describe_endpoint_config(params["EndpointConfigName"])
    endpoint.endpoint_config_name = params["EndpointConfigName"]
    endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
    endpoint.last_modified_time = utcnow()
    return {"EndpointArn": endpoint.arn}


HANDLERS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "CreateModelPackageGroup": create_model_package_group,
    "UpdateModelPackage": update_model_package,
    "DescribeModelPackage": describe_model_package,
    "DeleteModelPackage": delete_model_package,
    "DeleteModelPackageGroup": delete_model_package_group,
    "UpdateEndpoint": update_endpoint,
}


def _json_response(start_response, status: int, body: dict[str, Any], error_type: str | None = None):
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [payload]


def wrap(app):
    """Put the SageMaker layer in front of moto's WSGI ``app``."""

    def layered(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.partition(".")[2] if target.startswith("SageMaker.") else ""
        handler = HANDLERS.get(operation)
        if handler is None:
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        params = json.loads(raw or b"{}")
        match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = match.group(1) if match else "us-east-1"
        try:
            with _LOCK:
                result = handler(_backend(region), params)
        except ServiceError as err:
            return _json_response(
                start_response, err.status, {"__type": err.code, "message": err.message}, err.code
            )
        except Exception as err:  # noqa: BLE001 - moto's own client errors, answered in the wire format
            code = getattr(err, "error_type", None)
            if not code:
                raise
            return _json_response(start_response, getattr(err, "code", 400),
                                  {"__type": code, "message": getattr(err, "message", str(err))}, code)
        if result is params:  # forward the (possibly completed) request to moto
            body = json.dumps(params).encode()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            with _LOCK:
                return app(environ, start_response)
        return _json_response(start_response, 200, result)

    return layered
