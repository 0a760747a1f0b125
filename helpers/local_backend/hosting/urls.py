"""Routing for hosting: the endpoint operations the kit answers (models and endpoint configurations are
moto's), and the runtime's InvokeEndpoint path."""

from __future__ import annotations

from typing import Any, Callable

from . import responses
from .runtime import endpoint_name, invoke

OPERATIONS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "CreateEndpoint": responses.create_endpoint,
    "DescribeEndpoint": responses.describe_endpoint,
    "ListEndpoints": responses.list_endpoints,
    "UpdateEndpoint": responses.update_endpoint,
    "UpdateEndpointWeightsAndCapacities": responses.update_endpoint_weights_and_capacities,
    "DeleteEndpoint": responses.delete_endpoint,
}
__all__ = ["OPERATIONS", "endpoint_name", "handler_for", "invoke"]


TAG_OPERATIONS = {"AddTags": responses.add_tags, "ListTags": responses.list_tags, "DeleteTags": responses.delete_tags}


def handler_for(operation: str, params: dict[str, Any]) -> Callable[[dict[str, Any], str], dict[str, Any]] | None:
    """The hosting handler for this request (tags: only on endpoint ARNs), or None."""
    if operation in TAG_OPERATIONS and ":endpoint/" in params.get("ResourceArn", ""):
        return TAG_OPERATIONS[operation]
    return OPERATIONS.get(operation)
