"""The hosting operations the kit answers itself."""

from __future__ import annotations

from typing import Any

from .. import ACCOUNT
from ..exceptions import ServiceError


def update_endpoint(params: dict[str, Any], region: str) -> dict[str, Any]:
    """moto has no UpdateEndpoint: point the endpoint at the new configuration (in service at once)."""
    from moto.core.utils import utcnow
    from moto.sagemaker.models import sagemaker_backends

    be = sagemaker_backends[ACCOUNT][region]
    endpoint = be.endpoints.get(params["EndpointName"])
    if endpoint is None:
        raise ServiceError("ValidationException", f"Could not find endpoint \"{params['EndpointName']}\".")
    if params["EndpointConfigName"] not in be.endpoint_configs:
        raise ServiceError("ValidationException",
                           f"Could not find endpoint configuration \"{params['EndpointConfigName']}\".")
    config = be.describe_endpoint_config(params["EndpointConfigName"])
    endpoint.endpoint_config_name = params["EndpointConfigName"]
    endpoint.production_variants = endpoint._process_production_variants(config["ProductionVariants"])
    endpoint.last_modified_time = utcnow()
    return {"EndpointArn": endpoint.arn}
