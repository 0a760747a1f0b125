"""The local backend's SageMaker layer: where moto answers differently from SageMaker, answer like SageMaker.

A WSGI middleware in front of moto's app. Every SageMaker request is first validated against
botocore's service model (``helpers.validation``); the Model Registry operations in ``HANDLERS`` then
get SageMaker's semantics. Everything else passes through to moto untouched. The layer reads and edits
moto's in-memory backend through a few attributes that ``tests/test_fidelity.py`` pins, keeps what moto
drops in side tables of its own (``LayerState``), and copies none of moto's code.
"""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from . import validation

# One lock for every registry write: the server is threaded, moto's dicts are not.
_LOCK = threading.RLock()
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
EXTRA_FIELDS = ("ModelLifeCycle", "ModelCard", "SourceUri")
EVENT_SOURCE = "aws.sagemaker"
EVENT_DETAIL_TYPE = "SageMaker Model Package State Change"


class ServiceError(Exception):
    """An error answered in SageMaker's JSON wire format."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Forward:
    """Send ``params`` on to moto, then let ``after`` edit the parsed response (or None to keep it)."""

    params: dict[str, Any]
    after: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None


@dataclass
class LayerState:
    """What SageMaker keeps and moto does not, per region."""

    extras: dict[str, dict[str, Any]] = field(default_factory=dict)  # package ARN -> lifecycle, card, URI
    tokens: dict[str, str] = field(default_factory=dict)  # ClientToken -> package ARN
    high_water: dict[str, int] = field(default_factory=dict)  # group -> highest version ever given
    policies: dict[str, str] = field(default_factory=dict)  # group -> resource policy JSON


STATE: dict[str, LayerState] = {}


@dataclass
class Context:
    region: str
    be: Any  # moto's SageMakerModelBackend
    state: LayerState


def _backend(region: str):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sagemaker.models import sagemaker_backends

    return sagemaker_backends[DEFAULT_ACCOUNT_ID][region]


def reset_state() -> None:
    """Forget the side tables (moto's own reset empties the rest)."""
    with _LOCK:
        STATE.clear()


# --- lookups --------------------------------------------------------------------------------------------


def _find_package(be, name: str):
    """A package by ARN, by ``group/version`` or by name, or None."""
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


def _require_group(be, value: str):
    name = _group_name(value)
    group = be.model_package_groups.get(name)
    if group is None:
        raise ServiceError("ValidationException", f"Model Package Group {name} does not exist.")
    return group


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _description(ctx: Context, package) -> dict[str, Any]:
    desc = _jsonable(package.gen_response_object())
    desc.update(ctx.state.extras.get(package.arn, {}))
    return desc


def _emit_state_change(ctx: Context, package) -> None:
    """Put SageMaker's "Model Package State Change" event on the local default event bus."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.events.models import events_backends

    detail = _description(ctx, package)
    for key in ("CreationTime", "LastModifiedTime"):
        if isinstance(detail.get(key), (int, float)):
            detail[key] = datetime.fromtimestamp(detail[key]).astimezone().isoformat()
    events_backends[DEFAULT_ACCOUNT_ID][ctx.region].put_events(
        [{
            "Source": EVENT_SOURCE,
            "DetailType": EVENT_DETAIL_TYPE,
            "Detail": json.dumps(detail),
            "Resources": [package.arn],
            "EventBusName": "default",
        }]
    )


# --- handlers: (context, request params) -> Forward(...) or a finished response dict ----------------


def create_model_package_group(ctx: Context, params: dict[str, Any]):
    existing = ctx.be.model_package_groups.get(params.get("ModelPackageGroupName", ""))
    if existing is not None:
        raise ServiceError("ValidationException", f"Model Package Group already exists: {existing.arn}")
    return Forward(params)


def create_model_package(ctx: Context, params: dict[str, Any]):
    """ClientToken idempotency, versions never reused after a delete, extra fields kept, event sent."""
    token = params.get("ClientToken")
    if token and ctx.state.tokens.get(token) in ctx.be.model_packages:
        return {"ModelPackageArn": ctx.state.tokens[token]}
    group = params.get("ModelPackageGroupName")
    if group and group not in ctx.be.model_package_groups:
        raise ServiceError("ValidationException", f"Model Package Group {group} does not exist.")
    extras = {k: params.pop(k) for k in EXTRA_FIELDS if k in params}
    expected = None
    if group:
        used = [p.model_package_version or 0 for p in ctx.be.model_packages.values()
                if p.model_package_group_name == group]
        expected = max([ctx.state.high_water.get(group, 0), *used]) + 1

    def after(response: dict[str, Any]) -> dict[str, Any]:
        package = ctx.be.model_packages[response["ModelPackageArn"]]
        if expected is not None and package.model_package_version != expected:
            _renumber(ctx.be, package, expected)
        if group:
            ctx.state.high_water[group] = package.model_package_version
        if extras:
            ctx.state.extras[package.arn] = extras
        if token:
            ctx.state.tokens[token] = package.arn
        if package.model_approval_status:
            _emit_state_change(ctx, package)
        return {"ModelPackageArn": package.arn}

    return Forward(params, after)


def _renumber(be, package, version: int) -> None:
    """Give a just-created package the version SageMaker would (moto counts the versions left)."""
    old = package.arn
    be.model_packages.pop(old)
    for key in [k for k, v in be.model_package_name_mapping.items() if v == old]:
        del be.model_package_name_mapping[key]
    package.model_package_version = version
    package.arn = old.rsplit("/", 1)[0] + f"/{version}"
    be.model_packages[package.arn] = package
    be.model_package_name_mapping[package.arn] = package.arn
    be.model_package_name_mapping[package.model_package_name] = package.arn


def update_model_package(ctx: Context, params: dict[str, Any]):
    """SageMaker changes only what the request names; moto resets the rest, so fill it back in."""
    package = _require_package(ctx.be, params.get("ModelPackageArn", ""))
    before = package.model_approval_status
    params["ModelPackageArn"] = package.arn
    params.setdefault("ModelApprovalStatus", package.model_approval_status)
    if "ApprovalDescription" not in params and package.approval_description is not None:
        params["ApprovalDescription"] = package.approval_description
    merged = dict(package.customer_metadata_properties or {})
    merged.update(params.get("CustomerMetadataProperties") or {})
    params["CustomerMetadataProperties"] = merged
    extras = {k: params.pop(k) for k in EXTRA_FIELDS if k in params}
    params.pop("ClientToken", None)

    def after(response: dict[str, Any]) -> None:
        if extras:
            ctx.state.extras.setdefault(package.arn, {}).update(extras)
        if package.model_approval_status != before:
            _emit_state_change(ctx, package)

    return Forward(params, after)


def describe_model_package(ctx: Context, params: dict[str, Any]):
    package = _require_package(ctx.be, params.get("ModelPackageName", ""))
    params["ModelPackageName"] = package.arn

    def after(response: dict[str, Any]) -> dict[str, Any]:
        response.update(ctx.state.extras.get(package.arn, {}))
        return response

    return Forward(params, after)


def batch_describe_model_package(ctx: Context, params: dict[str, Any]):
    summaries, errors = {}, {}
    keys = ("ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn", "ModelPackageDescription",
            "CreationTime", "InferenceSpecification", "ModelPackageStatus", "ModelApprovalStatus")
    for arn in params.get("ModelPackageArnList", []):
        package = _find_package(ctx.be, arn)
        if package is None:
            errors[arn] = {"ErrorCode": "ValidationException", "ErrorResponse": f"Model package {arn} does not exist."}
            continue
        desc = _description(ctx, package)
        summaries[arn] = {k: desc[k] for k in keys if k in desc}
    return {"ModelPackageSummaries": summaries, "BatchDescribeModelPackageErrorMap": errors}


def delete_model_package(ctx: Context, params: dict[str, Any]):
    package = _require_package(ctx.be, params.get("ModelPackageName", ""))
    ctx.be.model_packages.pop(package.arn, None)
    for key in [k for k, v in ctx.be.model_package_name_mapping.items() if v == package.arn]:
        ctx.be.model_package_name_mapping.pop(key, None)
    ctx.state.extras.pop(package.arn, None)
    return {}


def delete_model_package_group(ctx: Context, params: dict[str, Any]):
    group = _require_group(ctx.be, params.get("ModelPackageGroupName", ""))
    name = group.model_package_group_name
    remaining = [p for p in ctx.be.model_packages.values() if p.model_package_group_name == name]
    if remaining:
        raise ServiceError(
            "ConflictException",
            f"Model Package Group {group.arn} cannot be deleted because it contains {len(remaining)} "
            "model package(s); delete the model packages first.",
        )
    del ctx.be.model_package_groups[name]
    ctx.state.policies.pop(name, None)
    ctx.state.high_water.pop(name, None)
    return {}


def put_model_package_group_policy(ctx: Context, params: dict[str, Any]):
    group = _require_group(ctx.be, params.get("ModelPackageGroupName", ""))
    try:
        json.loads(params.get("ResourcePolicy", ""))
    except ValueError:
        raise ServiceError("ValidationException", "The resource policy is not valid JSON.") from None
    ctx.state.policies[group.model_package_group_name] = params["ResourcePolicy"]
    return {"ModelPackageGroupArn": group.arn}


def get_model_package_group_policy(ctx: Context, params: dict[str, Any]):
    group = _require_group(ctx.be, params.get("ModelPackageGroupName", ""))
    policy = ctx.state.policies.get(group.model_package_group_name)
    if policy is None:
        raise ServiceError("ValidationException", f"Model Package Group {group.arn} has no resource policy.")
    return {"ResourcePolicy": policy}


def delete_model_package_group_policy(ctx: Context, params: dict[str, Any]):
    group = _require_group(ctx.be, params.get("ModelPackageGroupName", ""))
    if ctx.state.policies.pop(group.model_package_group_name, None) is None:
        raise ServiceError("ValidationException", f"Model Package Group {group.arn} has no resource policy.")
    return {}


def _group_filter(params: dict[str, Any]) -> str | None:
    """The group name if the search is exactly "ModelPackage where ModelPackageGroupName equals X"."""
    expression = params.get("SearchExpression") or {}
    filters = expression.get("Filters") or []
    if (params.get("Resource") == "ModelPackage" and set(expression) == {"Filters"} and len(filters) == 1
            and filters[0].get("Name") == "ModelPackageGroupName" and filters[0].get("Operator", "Equals") == "Equals"):
        return filters[0].get("Value")
    return None


def search(ctx: Context, params: dict[str, Any]):
    """moto returns every match at once; SageMaker pages them (MaxResults, default 10, and NextToken).

    The common "versions of one group" search is answered here, one page at a time, newest first as
    SageMaker sorts by default; any other search goes to moto and is paged afterwards.
    """
    import base64

    size = int(params.pop("MaxResults", 10))
    token = params.pop("NextToken", None)
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise ServiceError("ValidationException", "The NextToken is not one this service gave out.") from None

    def page(results: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"Results": results[start:start + size]}
        if start + size < len(results):
            out["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return out

    group = _group_filter(params)
    if group is not None and not params.get("SortBy"):
        matches = sorted((p for p in ctx.be.model_packages.values() if p.model_package_group_name == group),
                         key=lambda p: p.model_package_version or 0, reverse=True)
        chosen = page(matches)
        chosen["Results"] = [{"ModelPackage": _description(ctx, p)} for p in chosen["Results"]]
        return chosen
    return Forward(params, lambda response: page(response.get("Results", [])))


def update_endpoint(ctx: Context, params: dict[str, Any]):
    """moto has no UpdateEndpoint: point the endpoint at the new configuration (in service at once)."""
    from moto.core.utils import utcnow

    endpoint = ctx.be.endpoints.get(params.get("EndpointName", ""))
    if endpoint is None:
        raise ServiceError("ValidationException", f"Could not find endpoint \"{params.get('EndpointName')}\".")
    if params.get("EndpointConfigName", "") not in ctx.be.endpoint_configs:
        raise ServiceError(
            "ValidationException", f"Could not find endpoint configuration \"{params.get('EndpointConfigName')}\"."
        )
    config = ctx.be.describe_endpoint_config(params["EndpointConfigName"])
    endpoint.endpoint_config_name = params["EndpointConfigName"]
    endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
    endpoint.last_modified_time = utcnow()
    return {"EndpointArn": endpoint.arn}


HANDLERS: dict[str, Callable[[Context, dict[str, Any]], Any]] = {
    "CreateModelPackageGroup": create_model_package_group,
    "CreateModelPackage": create_model_package,
    "UpdateModelPackage": update_model_package,
    "DescribeModelPackage": describe_model_package,
    "BatchDescribeModelPackage": batch_describe_model_package,
    "DeleteModelPackage": delete_model_package,
    "DeleteModelPackageGroup": delete_model_package_group,
    "PutModelPackageGroupPolicy": put_model_package_group_policy,
    "GetModelPackageGroupPolicy": get_model_package_group_policy,
    "DeleteModelPackageGroupPolicy": delete_model_package_group_policy,
    "UpdateEndpoint": update_endpoint,
    "Search": search,
}


# --- WSGI plumbing ------------------------------------------------------------------------------------


def _json_response(start_response, status: int, body: dict[str, Any], error_type: str | None = None):
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [payload]


def _error(start_response, code: str, message: str, status: int = 400):
    return _json_response(start_response, status, {"__type": code, "message": message}, code)


def _call_moto(app, environ, params: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps(params).encode()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    captured: dict[str, Any] = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers

    chunks = app(environ, capture)
    try:
        payload = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured["status"], captured["headers"], payload


def _bucket_permission(bucket, action: str, resource: str):
    """A bucket policy's verdict on an object request, for moto's ``FakeBucket.get_permission``.

    moto 5.2 turns every statement whose condition it cannot evaluate into a deny, so the kit's
    ``DenyInsecureTransport`` statement would refuse every local request. Here the policy is read with
    :func:`helpers.iam.decide`, with ``aws:SecureTransport`` true: the local endpoint is plain HTTP,
    but on loopback only, so the traffic never leaves the machine (docs/local-backend.md). A Deny
    without a condition still refuses, as on AWS.
    """
    from moto.iam.access_control import PermissionResult

    from . import iam

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy)
    verdict = iam.decide([policy], iam.Request(action, resource, {"aws:SecureTransport": "true"}))
    return {"Allow": PermissionResult.PERMITTED, "ExplicitDeny": PermissionResult.DENIED}.get(
        verdict, PermissionResult.NEUTRAL)


def _patch_moto() -> None:
    from moto.s3.models import FakeBucket

    FakeBucket.get_permission = _bucket_permission


def wrap(app):
    """Put the SageMaker layer in front of moto's WSGI ``app``."""
    _patch_moto()

    def layered(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("SageMaker."):
            return app(environ, start_response)
        operation = target.partition(".")[2]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            return _error(start_response, "SerializationException", "The request body is not valid JSON.")
        problem = validation.validate(operation, params)
        if problem:
            return _error(start_response, "ValidationException", problem)
        handler = HANDLERS.get(operation)
        match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = match.group(1) if match else "us-east-1"
        with _LOCK:
            if handler is None:
                status, headers, payload = _call_moto(app, environ, params)
                start_response(status, headers)
                return [payload]
            ctx = Context(region, _backend(region), STATE.setdefault(region, LayerState()))
            try:
                result = handler(ctx, params)
                if not isinstance(result, Forward):
                    return _json_response(start_response, 200, result)
                status, headers, payload = _call_moto(app, environ, result.params)
                if not status.startswith("200") or result.after is None:
                    start_response(status, headers)
                    return [payload]
                response = json.loads(payload or b"{}")
                edited = result.after(response)
                return _json_response(start_response, 200, response if edited is None else edited)
            except ServiceError as err:
                return _error(start_response, err.code, err.message, err.status)
            except Exception as err:  # noqa: BLE001 - moto's own client errors, answered in the wire format
                code = getattr(err, "error_type", None)
                if not code:
                    raise
                return _error(start_response, code, getattr(err, "message", str(err)), getattr(err, "code", 400))

    return layered
