"""Routing for hosting: the SageMaker operations the kit answers itself (the rest of hosting is moto's)."""

from __future__ import annotations

from typing import Any, Callable

from . import responses

OPERATIONS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "UpdateEndpoint": responses.update_endpoint,
}


def handler_for(operation: str) -> Callable[[dict[str, Any], str], dict[str, Any]] | None:
    return OPERATIONS.get(operation)
