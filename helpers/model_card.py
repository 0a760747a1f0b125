"""The model card a version carries (``ModelCard`` on the model package): intended uses, risk, training data, evaluation.

The content follows SageMaker's *model package model card* schema, a trimmed model card schema
(botocore's ``ModelPackageModelCard`` documentation: no ``model_package_details``, and
``model_overview`` only with ``model_creator`` and ``model_artifact``). Every value here is read
from the data card (``data/README.md`` and ``data/manifest.json``), the registered version and its
metrics file, never typed in.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .model.datasets import data_dir, manifest as data_manifest

CARD_STATUSES = ("Draft", "PendingReview", "Approved", "Archived")
HYPERPARAMETERS = ("learning_rate", "max_depth", "n_estimators")


def _data_card_fields() -> dict[str, str]:
    """The rows of the table at the top of ``data/README.md`` (What, Source, Licence, Task, ...)."""
    rows = {}
    for line in (data_dir() / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 2 and cells[0] and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", cells[1]).replace("`", "")
    return rows


def content(package: dict[str, Any], statistics: dict[str, Any]) -> dict[str, Any]:
    """The card's content for a registered version (its description) and its model-quality statistics."""
    meta = package.get("CustomerMetadataProperties", {})
    data = _data_card_fields()
    manifest = data_manifest()
    version = meta.get("dataset_version", "")
    metrics = statistics.get("binary_classification_metrics", {})
    return {
        "model_overview": {
            "model_creator": (package.get("MetadataProperties") or {}).get("GeneratedBy", "unknown"),
            "model_artifact": [c["ModelDataUrl"] for c in package["InferenceSpecification"]["Containers"]],
        },
        "intended_uses": {
            "purpose_of_model": f"{data['Task']} (workshop model, {data['What']})",
            "intended_uses": "Teaching the SageMaker Model Registry; a second reader for research use only.",
            "factors_affecting_model_efficiency": "Trained on one public data set from one clinic; other labs' "
                                                  "imaging and staining may shift the measurements.",
            "risk_rating": "High",
            "explanations_for_risk_rating": "A missed malignant case (a false negative) can delay treatment: "
                                            "recall on the malignant class matters most. Not for clinical use.",
        },
        "training_details": {
            "training_observations": (f"Data set {version}: {manifest['versions'].get(version, {}).get('description', '')} "
                                      f"Source: {data['Source']}. Licence: {data['Licence']}."),
            "training_job_details": {
                "training_datasets": [f"data/{f}" for f in manifest["versions"].get(version, {}).get("files", [])],
                "hyper_parameters": [{"name": k, "value": meta[k]} for k in HYPERPARAMETERS if k in meta],
            },
        },
        "evaluation_details": [{
            "name": f"hold-out split of {version}",
            "evaluation_observation": "Computed on the 20% hold-out split; standard deviations by bootstrap.",
            "metric_groups": [{
                "name": "binary classification",
                "metric_data": [{"name": name, "type": "number", "value": m["value"]}
                                for name, m in metrics.items() if isinstance(m, dict) and "value" in m],
            }],
        }],
    }


def attach(sm, arn: str, card: dict[str, Any] | None = None, status: str = "Draft") -> dict[str, Any]:
    """Set the version's card (content and/or status); returns the card as the registry now holds it."""
    if status not in CARD_STATUSES:
        from .errors import WorkshopError

        raise WorkshopError(f"{status!r} is not a model card status: use one of {', '.join(CARD_STATUSES)}.")
    if card is None:  # resend the content with the new status: whether an update keeps what it was not sent is undocumented
        card = (read(sm, arn) or {}).get("content")
    model_card: dict[str, Any] = {"ModelCardStatus": status}
    if card is not None:
        model_card["ModelCardContent"] = json.dumps(card)
    sm.update_model_package(ModelPackageArn=arn, ModelCard=model_card)
    return read(sm, arn)


def read(sm, arn: str) -> dict[str, Any] | None:
    """The version's card: ``{"status": ..., "content": {...}}``, or None if it has none."""
    card = sm.describe_model_package(ModelPackageName=arn).get("ModelCard")
    if not card:
        return None
    return {"status": card.get("ModelCardStatus"), "content": json.loads(card.get("ModelCardContent") or "{}")}
