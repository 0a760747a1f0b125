"""The endpoint operations: create, describe, list, update, update weights, delete (SageMaker's shapes).

Messages for missing resources follow SageMaker's ``Could not find endpoint "NAME".`` wording.
"""

from __future__ import annotations

import time
from typing import Any

from ..exceptions import validation
from ..paging import page
from . import deploy
from .models import BUSY, HOSTING, Endpoint


def _find(params: dict[str, Any], region: str) -> Endpoint:
    endpoint = HOSTING.get(region, params["EndpointName"])
    if endpoint is None:
        raise validation(f"Could not find endpoint \"{params['EndpointName']}\".")
    return endpoint


def _variant_summary(variant) -> dict[str, Any]:
    return {
        "VariantName": variant.name,
        "DeployedImages": [{"SpecifiedImage": variant.image, "ResolvedImage": variant.image}],
        "CurrentWeight": variant.weight,
        "DesiredWeight": variant.weight if variant.desired_weight is None else variant.desired_weight,
        "CurrentInstanceCount": variant.instance_count,
        "DesiredInstanceCount": variant.instance_count,
    }


def create_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    name = params["EndpointName"]
    existing = HOSTING.get(region, name)
    if existing is not None:
        raise validation(f"Cannot create already existing endpoint \"{existing.arn}\".")
    deploy.config_variants(region, params["EndpointConfigName"])  # the configuration must exist now
    now = time.time()
    endpoint = Endpoint(region, name, params["EndpointConfigName"], "Creating", now, now,
                        tags=list(params.get("Tags") or []))
    return deploy.start(endpoint, "Creating", params["EndpointConfigName"])


def describe_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    endpoint = _find(params, region)
    with HOSTING.lock:
        out: dict[str, Any] = {
            "EndpointName": endpoint.name, "EndpointArn": endpoint.arn, "EndpointConfigName": endpoint.config_name,
            "EndpointStatus": endpoint.status, "CreationTime": endpoint.creation_time,
            "LastModifiedTime": endpoint.last_modified_time,
        }
        if endpoint.variants:
            out["ProductionVariants"] = [_variant_summary(v) for v in endpoint.variants]
        if endpoint.failure_reason:
            out["FailureReason"] = endpoint.failure_reason
        if endpoint.status == "Updating" and endpoint.pending_config:
            out["PendingDeploymentSummary"] = {"EndpointConfigName": endpoint.pending_config,
                                               "StartTime": endpoint.last_modified_time}
    return out


def list_endpoints(params: dict[str, Any], region: str) -> dict[str, Any]:
    contains = (params.get("NameContains") or "").lower()
    with HOSTING.lock:
        found = [e for e in HOSTING.endpoints.values() if e.region == region and contains in e.name.lower()
                 and (not params.get("StatusEquals") or e.status == params["StatusEquals"])]
    key = (lambda e: e.name.lower()) if params.get("SortBy") == "Name" else (lambda e: e.creation_time)
    found.sort(key=key, reverse=params.get("SortOrder", "Descending") == "Descending")
    chosen, token = page(found, params.get("NextToken"), int(params.get("MaxResults") or 10))
    out: dict[str, Any] = {"Endpoints": [{
        "EndpointName": e.name, "EndpointArn": e.arn, "CreationTime": e.creation_time,
        "LastModifiedTime": e.last_modified_time, "EndpointStatus": e.status} for e in chosen]}
    if token:
        out["NextToken"] = token
    return out


def _not_busy(endpoint: Endpoint, action: str) -> None:
    if endpoint.status in BUSY:
        raise validation(f"Cannot {action} endpoint \"{endpoint.arn}\" while it is {endpoint.status}: wait until it "
                         "is InService (the endpoint_in_service waiter), then try again.")


def update_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    endpoint = _find(params, region)
    deploy.config_variants(region, params["EndpointConfigName"])  # takes the moto lock: never inside the hosting lock
    with HOSTING.lock:
        _not_busy(endpoint, "update")
        if endpoint.status == "Failed":
            raise validation(f"Cannot update endpoint \"{endpoint.arn}\": it failed ({endpoint.failure_reason}); "
                             "delete it and create it again.")
        return deploy.start(endpoint, "Updating", params["EndpointConfigName"])


def update_endpoint_weights_and_capacities(params: dict[str, Any], region: str) -> dict[str, Any]:
    """New weights (and counts) for variants, applied at once: the next request is routed by them."""
    endpoint = _find(params, region)
    with HOSTING.lock:
        _not_busy(endpoint, "update the weights of")
        variants = {v.name: v for v in endpoint.variants}
        for desired in params["DesiredWeightsAndCapacities"]:
            if desired["VariantName"] not in variants:
                raise validation(f"The variant \"{desired['VariantName']}\" is not a variant of endpoint "
                                 f"\"{endpoint.name}\" (it has {', '.join(variants)}).")
        weights = {name: v.weight for name, v in variants.items()}
        weights.update({d["VariantName"]: float(d["DesiredWeight"]) for d in params["DesiredWeightsAndCapacities"]
                        if "DesiredWeight" in d})
        if not any(w > 0 for w in weights.values()):
            raise validation("At least one variant must keep a weight above 0: the endpoint would route no request.")
        for desired in params["DesiredWeightsAndCapacities"]:
            variant = variants[desired["VariantName"]]
            variant.weight = weights[variant.name]
            if "DesiredInstanceCount" in desired:
                variant.instance_count = int(desired["DesiredInstanceCount"])
        endpoint.last_modified_time = time.time()
        HOSTING.put(endpoint)
    return {"EndpointArn": endpoint.arn}


def delete_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    endpoint = _find(params, region)
    with HOSTING.lock:
        endpoint.status, endpoint.last_modified_time = "Deleting", time.time()
        HOSTING.put(endpoint)
    deploy.finish_delete(endpoint)
    return {}


def _tagged(params: dict[str, Any], region: str) -> Endpoint:
    name = params["ResourceArn"].rpartition(":endpoint/")[2]
    endpoint = HOSTING.get(region, name)
    if endpoint is None:
        raise validation("Resource does not exist.")
    return endpoint


def add_tags(params: dict[str, Any], region: str) -> dict[str, Any]:
    endpoint = _tagged(params, region)
    with HOSTING.lock:
        merged = {t["Key"]: t.get("Value", "") for t in endpoint.tags}
        merged.update({t["Key"]: t.get("Value", "") for t in params["Tags"]})
        endpoint.tags = [{"Key": k, "Value": v} for k, v in merged.items()]
        HOSTING.put(endpoint)
    return {"Tags": params["Tags"]}


def list_tags(params: dict[str, Any], region: str) -> dict[str, Any]:
    return {"Tags": list(_tagged(params, region).tags)}


def delete_tags(params: dict[str, Any], region: str) -> dict[str, Any]:
    endpoint = _tagged(params, region)
    with HOSTING.lock:
        endpoint.tags = [t for t in endpoint.tags if t["Key"] not in set(params["TagKeys"])]
        HOSTING.put(endpoint)
    return {}
