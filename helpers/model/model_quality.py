"""The model-quality JSON the Model Registry shows for a version (``ModelMetrics.ModelQuality.Statistics``).

The document follows the ``binary_classification_metrics`` shape that SageMaker Model Monitor writes and
SageMaker Studio displays for a model package; the numbers come from :mod:`helpers.model.metrics`.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import WorkshopError
from .metrics import DECIMALS, METRICS

# Entries of a model-quality document that are not {"value": ..., "standard_deviation": ...}.
STRUCTURED_ENTRIES = ("confusion_matrix", "receiver_operating_characteristic_curve", "precision_recall_curve")


def model_quality_document(
    metrics: dict[str, dict[str, float]],
    roc: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """The model-quality statistics JSON for ``ModelMetrics.ModelQuality.Statistics``.

    ``metrics`` is what :func:`binary_classification_metrics` returns; ``roc`` (optional) is what
    :func:`roc_curve` returns, which Studio draws as a curve. The result is
    ``{"binary_classification_metrics": {"accuracy": {"value": 0.9561, "standard_deviation": 0.0189},
    ..., "confusion_matrix": {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}}}}``: as in
    SageMaker Model Monitor, the outer confusion-matrix key is the actual label and the inner one the
    predicted label. Values are rounded to 4 decimals. Raises WorkshopError if a metric is missing.
    """
    missing = [name for name in METRICS if name not in metrics]
    if missing:
        raise WorkshopError(
            f"The metrics lack {', '.join(missing)}, so they did not come from "
            "binary_classification_metrics: compute them with that function first."
        )
    body: dict[str, Any] = {
        name: {
            "value": round(float(metrics[name]["value"]), DECIMALS),
            "standard_deviation": round(float(metrics[name]["standard_deviation"]), DECIMALS),
        }
        for name in METRICS
    }
    counts = metrics.get("counts")
    if counts:
        body["confusion_matrix"] = {
            "0": {"0": int(counts["tn"]), "1": int(counts["fp"])},
            "1": {"0": int(counts["fn"]), "1": int(counts["tp"])},
        }
    if roc is not None:
        body["receiver_operating_characteristic_curve"] = {
            "false_positive_rates": list(roc["false_positive_rates"]),
            "true_positive_rates": list(roc["true_positive_rates"]),
        }
    return {"binary_classification_metrics": body}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_model_quality(doc: Any) -> None:
    """Check that ``doc`` is a binary-classification model-quality document; return None if it is.

    Raises WorkshopError (one sentence) if it is not a dict, lacks ``binary_classification_metrics``,
    has a metric without a finite numeric ``value``, a ``standard_deviation`` that is neither a number
    nor "NaN", or a malformed ``confusion_matrix``.
    """
    fix = "build it with helpers.model.model_quality.model_quality_document."
    if not isinstance(doc, dict):
        raise WorkshopError(
            f"The model-quality document is a {type(doc).__name__}, not a JSON object, so SageMaker "
            f"cannot show it: {fix}"
        )
    section = doc.get("binary_classification_metrics")
    if not isinstance(section, dict) or not section:
        raise WorkshopError(
            "The model-quality document has no binary_classification_metrics object, so SageMaker "
            f"Studio shows no metrics for the version: {fix}"
        )
    for name, entry in section.items():
        if name in STRUCTURED_ENTRIES:
            continue
        if not isinstance(entry, dict) or not _is_number(entry.get("value")):
            raise WorkshopError(
                f"The metric {name!r} has no numeric value (it is {entry!r}), so SageMaker cannot show "
                f"it: give every metric a {{\"value\": <number>}}, or {fix}"
            )
        std = entry.get("standard_deviation", "NaN")
        if not (_is_number(std) or std == "NaN"):
            raise WorkshopError(
                f"The metric {name!r} has standard_deviation {std!r}, which is neither a number nor "
                f"\"NaN\": fix it, or {fix}"
            )
    matrix = section.get("confusion_matrix")
    if matrix is not None:
        is_count = lambda c: isinstance(c, int) and not isinstance(c, bool)  # noqa: E731
        ok = isinstance(matrix, dict) and all(
            isinstance(row, dict) and all(is_count(c) for c in row.values()) for row in matrix.values()
        )
        if not ok:
            raise WorkshopError(
                "The confusion_matrix is not an object of objects of counts (actual label -> predicted "
                f"label -> count), so SageMaker cannot draw it: {fix}"
            )
