"""The ML pipeline's stand-in: the workshop's two models in S3, and their registration as a pipeline would do it.

``prepare_model`` stands in for the earlier workshop sections (preprocessing and a training job): it
returns the model's artifact and metrics in S3, training and uploading them only when missing.
``register_model`` registers one in a single checked call (:func:`helpers.registry.register_version`).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import lifecycle, registry
from ..errors import NotReadyError, WorkshopError, error_code
from ..kit import registry_checks

ALGORITHM = "XGBoost"
CREATED_BY = "Lambda Preprocessing Pipeline"


@dataclass(frozen=True)
class ModelSpec:
    preset: str
    artifact_key: str
    metrics_key: str
    model_name: str
    description: str


MODELS = {
    "v1": ModelSpec("v1", "model/model.tar.gz", "metrics/v1/model_quality.json",
                    "ml-pipeline-model-v1", "ML pipeline v1 model"),
    "v2": ModelSpec("v2", "model/v2/model.tar.gz", "metrics/v2/model_quality.json",
                    "ml-pipeline-model-v2", "ML pipeline v2 model"),
}
REGISTERED_BY = {"v1": "02_register_v1_from_s3", "v2": "04_compare_versions"}  # the notebook that registers each
# The S3 user metadata of an artifact: what produced it, read back when the model is reused.
S3_METADATA = {"dataset_version": "dataset-version", "learning_rate": "learning-rate", "max_depth": "max-depth",
               "n_estimators": "n-estimators"}


@dataclass
class PreparedModel:
    """A trained model's artifact and metrics in S3, with what produced them."""

    name: str
    artifact_uri: str
    metrics_uri: str
    sha256: str
    dataset_version: str
    hyperparameters: dict[str, Any]
    metrics: dict[str, dict[str, float]]
    trained_now: bool


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise WorkshopError(f"{name!r} is not one of the workshop's models: use one of {', '.join(MODELS)}.")
    return MODELS[name]


def _prepared(spec: ModelSpec, bucket: str, meta: dict[str, str], document: dict[str, Any], trained_now: bool) -> PreparedModel:
    """The model from its artifact's S3 metadata (:data:`S3_METADATA` and ``sha256``) and its model-quality document."""
    return PreparedModel(
        name=spec.preset,
        artifact_uri=f"s3://{bucket}/{spec.artifact_key}",
        metrics_uri=f"s3://{bucket}/{spec.metrics_key}",
        sha256=meta["sha256"],
        dataset_version=meta[S3_METADATA["dataset_version"]],
        hyperparameters={
            "learning_rate": float(meta[S3_METADATA["learning_rate"]]),
            "max_depth": int(meta[S3_METADATA["max_depth"]]),
            "n_estimators": int(meta[S3_METADATA["n_estimators"]]),
        },
        metrics={k: v for k, v in document["binary_classification_metrics"].items() if "value" in v},
        trained_now=trained_now,
    )


def _existing(s3, bucket: str, spec: ModelSpec) -> PreparedModel | None:
    from botocore.exceptions import ClientError

    try:
        head = s3.head_object(Bucket=bucket, Key=spec.artifact_key)
        stats = json.loads(s3.get_object(Bucket=bucket, Key=spec.metrics_key)["Body"].read())
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    meta = head.get("Metadata", {})
    if "sha256" not in meta or not set(S3_METADATA.values()) <= set(meta):
        return None
    return _prepared(spec, bucket, meta, stats, trained_now=False)


def prepare_model(session, bucket: str, name: str = "v1", retrain: bool = False) -> PreparedModel:
    """The artifact and model-quality JSON of model ``name`` (``v1``/``v2``) in ``bucket``.

    If both are already in S3 (and ``retrain`` is False) they are reused as they are; otherwise the
    model is trained (fixed seed, so the same bytes each time), packaged as ``model.tar.gz`` with one
    file ``xgboost-model``, evaluated on the hold-out split, and both files are uploaded.
    """
    from . import artifacts, model_quality, training

    spec = _spec(name)
    s3 = session.client("s3")
    if not retrain:
        found = _existing(s3, bucket, spec)
        if found:
            return found
    trained = training.train_preset(spec.preset)
    facts = {"dataset_version": trained.dataset_version, **trained.hyperparameters}
    meta = {S3_METADATA[key]: str(value) for key, value in facts.items()}
    with tempfile.TemporaryDirectory() as tmp:
        tarball = artifacts.save_model_tarball(trained.booster, Path(tmp) / "model.tar.gz")
        meta["sha256"] = artifacts.upload_file(s3, tarball, f"s3://{bucket}/{spec.artifact_key}", metadata=meta)
    document = model_quality.model_quality_document(trained.metrics)
    model_quality.validate_model_quality(document)
    s3.put_object(
        Bucket=bucket, Key=spec.metrics_key, Body=json.dumps(document, indent=2).encode(),
        ContentType="application/json",
    )
    return _prepared(spec, bucket, meta, document, trained_now=True)


def registered_version(session, bucket: str, group: str, name: str = "v1") -> tuple[PreparedModel, dict[str, Any]]:
    """Model ``name`` and its version in ``group`` (found by the artifact's sha256), as later notebooks start.

    Raises :class:`NotReadyError` with the notebook to run first if that model is not registered yet.
    """
    model = prepare_model(session, bucket, name)
    package = registry.find_version_by_sha256(session.client("sagemaker"), group, model.sha256)
    if package is None:
        raise NotReadyError(f"Model {name} is not registered yet: run {REGISTERED_BY[name]} first, then this notebook.")
    return model, package


def training_metadata(model: PreparedModel, created_by: str = CREATED_BY) -> dict[str, str]:
    """The metadata notebook 03 attaches: data-set version, algorithm, hyperparameters, creator, accuracy.

    One key per hyperparameter, because SageMaker's metadata values may not hold JSON.
    """
    hp = model.hyperparameters
    return registry_checks.validate_customer_metadata(
        {
            "dataset_version": model.dataset_version,
            "algorithm": ALGORITHM,
            "learning_rate": str(hp["learning_rate"]),
            "max_depth": str(hp["max_depth"]),
            "n_estimators": str(hp["n_estimators"]),
            "created_by": created_by,
            "accuracy": f"{model.metrics['accuracy']['value']:.4f}",
        }
    )


def register_model(
    sm,
    s3,
    group: str,
    model: PreparedModel,
    image: str,
    approval: str = "PendingManualApproval",
    created_by: str = CREATED_BY,
) -> tuple[dict[str, Any], bool]:
    """Register ``model`` in ``group`` in one call, as a pipeline would; ``(description, created)``.

    Every input is checked first (see :func:`helpers.registry.register_version`); if a version with the
    same artifact sha256 exists, it is returned unchanged.
    """
    spec = _spec(model.name)
    metadata = {"model_name": spec.model_name, **training_metadata(model, created_by)}
    return registry.register_version(
        sm, s3, group, image=image, artifact_uri=model.artifact_uri, metrics_uri=model.metrics_uri,
        description=spec.description, metadata=metadata, approval=approval, generated_by=created_by,
        life_cycle={**lifecycle.DEVELOPMENT, "StageDescription": f"registered by {created_by}"},
    )
