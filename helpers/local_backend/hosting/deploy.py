"""Bringing a configuration into service: read each variant's model and artifact, load it, then switch.

Creating and updating run in a thread of their own, as on SageMaker the work happens after the API call
has answered: ``Creating`` (or ``Updating``) until every variant's model is loaded, then ``InService``.
An update switches the endpoint to the new variants in one step once they are loaded, so a request is
answered by the old configuration or by the new one, never by neither. A model that cannot be loaded
fails the endpoint (``Failed`` with a ``FailureReason``) or, for an update, leaves the old
configuration serving with the reason recorded. Nothing a model does can stop the backend: every
error is caught and becomes a reason.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from .. import ACCOUNT
from ..exceptions import validation
from ..locks import MOTO_LOCK
from . import container
from .models import HOSTING, Endpoint, Loaded, Variant

log = logging.getLogger("helpers.local_backend.hosting")


def config_variants(region: str, config_name: str) -> list[dict[str, Any]]:
    """The production variants of an endpoint configuration (moto's), or the error SageMaker gives."""
    from moto.sagemaker.models import sagemaker_backends

    with MOTO_LOCK:
        config = sagemaker_backends[ACCOUNT][region].endpoint_configs.get(config_name)
        if config is None:
            raise validation(f"Could not find endpoint configuration \"{config_name}\".")
        return [dict(v) for v in config.production_variants]


def _container_of(region: str, model_name: str) -> tuple[str, str]:
    """(image, ModelDataUrl) of a SageMaker model: its own, or its model package's (the registry's)."""
    from moto.sagemaker.models import sagemaker_backends

    from ..model_registry.models import STORE, package_arn

    with MOTO_LOCK:
        model = sagemaker_backends[ACCOUNT][region]._models.get(model_name)
        if model is None:
            raise container.LoadError(f"The model {model_name} does not exist any more: create it again, then "
                                      "create or update the endpoint.")
        spec = dict(model.primary_container or (model.containers[0] if model.containers else {}))
    package_name = spec.get("ModelPackageName")
    if package_name:
        arn = package_name if package_name.startswith("arn:") else package_arn(region, *package_name.split("/"))
        with STORE.lock:
            package = STORE.region(region).package(arn)
        if package is None:
            raise container.LoadError(f"The model package {package_name} of model {model_name} does not exist.")
        spec = package["InferenceSpecification"]["Containers"][0]
    return spec.get("Image", ""), spec.get("ModelDataUrl", "")


def _read_s3(url: str) -> bytes:
    from moto.s3.models import s3_backends

    bucket, _, key = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not key:
        raise container.LoadError(f"ModelDataUrl {url or '(none)'} is not an s3://bucket/key URI.")
    with MOTO_LOCK:
        found = s3_backends[ACCOUNT]["aws"].get_object(bucket, key)
        if found is None:
            raise container.LoadError(f"Could not download the model artifact {url}: the object does not exist.")
        return bytes(found.value)


def prepare(region: str, config_name: str) -> list[tuple[Variant, Loaded]]:
    """Each variant of the configuration, its artifact read and kept, its model loaded (LoadError if not)."""
    prepared = []
    for spec in config_variants(region, config_name):
        image, url = _container_of(region, spec["ModelName"])
        container.check_image(image, region)
        data = _read_s3(url)
        try:
            boosters = container.load(data)
        except container.LoadError as exc:
            raise container.LoadError(f"The primary container for production variant {spec['VariantName']} did "
                                      f"not pass the ping health check: {exc}.") from None
        variant = Variant(spec["VariantName"], spec["ModelName"], float(spec.get("InitialVariantWeight", 1.0)),
                          spec.get("InstanceType"), int(spec.get("InitialInstanceCount", 1)), image,
                          HOSTING.keep_artifact(data))
        prepared.append((variant, Loaded(boosters, _size(boosters))))
    return prepared


def _size(boosters: list[Any]) -> int:
    return sum(len(b.save_raw("ubj")) for b in boosters)


def _bring_up(endpoint: Endpoint, config_name: str) -> None:
    try:
        prepared = prepare(endpoint.region, config_name)
        reason = None
    except container.LoadError as exc:
        prepared, reason = [], str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever a model does, the backend keeps serving
        log.exception("deploying %s failed", endpoint.name)
        prepared, reason = [], f"The model could not be deployed: {type(exc).__name__}: {exc}"
    with HOSTING.lock:
        if HOSTING.get(endpoint.region, endpoint.name) is not endpoint or endpoint.status == "Deleting":
            return  # deleted meanwhile
        now = time.time()
        if prepared:
            for variant, loaded in prepared:
                HOSTING.loaded[(endpoint.region, config_name, variant.name)] = loaded
            endpoint.variants, endpoint.config_name = [v for v, _ in prepared], config_name
            endpoint.status, endpoint.failure_reason = "InService", None
        elif endpoint.status == "Updating":  # the old configuration keeps serving
            endpoint.status, endpoint.failure_reason = "InService", f"Update failed: {reason}"
        else:
            endpoint.status, endpoint.failure_reason = "Failed", reason
        endpoint.pending_config, endpoint.last_modified_time = None, now
        HOSTING.put(endpoint)
        HOSTING.release_unused()


def start(endpoint: Endpoint, status: str, config_name: str) -> dict[str, Any]:
    """Mark ``endpoint`` ``status`` (Creating or Updating), keep it, and load ``config_name`` in the background;
    returns the API's answer (its ARN)."""
    with HOSTING.lock:
        endpoint.begin(status, config_name)
        HOSTING.put(endpoint)
    threading.Thread(target=_bring_up, args=(endpoint, config_name), daemon=True,
                     name=f"deploy-{endpoint.name}").start()
    return {"EndpointArn": endpoint.arn}


def finish_delete(endpoint: Endpoint) -> None:
    threading.Thread(target=HOSTING.remove, args=(endpoint,), daemon=True, name=f"delete-{endpoint.name}").start()


def model(endpoint: Endpoint, variant: Variant) -> Loaded:
    """The loaded model of a variant; after a restart, loaded again from the artifact copy."""
    key = (endpoint.region, endpoint.config_name, variant.name)
    loaded = HOSTING.loaded.get(key)
    if loaded is None:
        with HOSTING.lock:
            loaded = HOSTING.loaded.get(key)
            if loaded is None:
                boosters = container.load(HOSTING.artifact(variant.artifact))
                loaded = HOSTING.loaded[key] = Loaded(boosters, _size(boosters))
    return loaded


def resume(endpoints: list[Endpoint]) -> None:
    """After a restart: finish what was under way (its models load again on first use)."""
    for endpoint in endpoints:
        if endpoint.status == "Deleting":
            finish_delete(endpoint)
        elif endpoint.status in ("Creating", "Updating"):
            start(endpoint, endpoint.status, endpoint.pending_config or endpoint.config_name)
