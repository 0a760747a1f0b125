"""Hold-out metrics of a binary classifier, and the model-quality JSON the Model Registry shows.

Everything is plain NumPy (no scikit-learn). The document follows the ``binary_classification_metrics``
shape that SageMaker Model Monitor writes and SageMaker Studio displays for a model package.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from .errors import WorkshopError

METRICS = ("accuracy", "precision", "recall", "f1", "auc")
# Entries of a model-quality document that are not {"value": ..., "standard_deviation": ...}.
STRUCTURED_ENTRIES = ("confusion_matrix", "receiver_operating_characteristic_curve", "precision_recall_curve")
DECIMALS = 4


def _arrays(y_true: Sequence[float], y_score: Sequence[float]):
    import numpy as np

    truth = np.asarray(y_true, dtype=float).ravel()
    score = np.asarray(y_score, dtype=float).ravel()
    if truth.size == 0 or truth.size != score.size:
        raise WorkshopError(
            f"Got {truth.size} labels and {score.size} scores, so no metric can be computed: pass one "
            "score per hold-out row, and at least one row."
        )
    if not np.isin(truth, (0.0, 1.0)).all():
        raise WorkshopError(
            "The labels hold values other than 0 and 1, so they are not binary: pass the label column "
            "(1 = malignant, 0 = benign)."
        )
    if not np.isfinite(score).all():
        raise WorkshopError(
            "The scores hold NaN or infinite values, so the model's output is broken: check the "
            "predictions before computing metrics."
        )
    return truth.astype(int), score


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or 0.0 when the denominator is 0 (e.g. precision with no positive)."""
    return float(numerator / denominator) if denominator else 0.0


def confusion_counts(y_true, y_score, threshold: float = 0.5) -> dict[str, int]:
    """``{"tp", "fp", "tn", "fn"}`` counts; a row is predicted positive when its score >= threshold."""
    truth, score = _arrays(y_true, y_score)
    pred = score >= threshold
    pos = truth == 1
    return {
        "tp": int((pred & pos).sum()),
        "fp": int((pred & ~pos).sum()),
        "tn": int((~pred & ~pos).sum()),
        "fn": int((~pred & pos).sum()),
    }


def _auc(truth, score) -> float:
    """ROC AUC by the rank (Mann-Whitney U) formula; tied scores get their average rank.

    Returns NaN when only one class is present (AUC is undefined then).
    """
    import numpy as np

    n_pos = int(truth.sum())
    n_neg = truth.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    # The values tied at one score occupy ranks (end - count + 1) .. end; each gets their mean.
    ends = np.cumsum(counts)
    mid_ranks = ends - (counts - 1) / 2.0
    ranks = mid_ranks[inverse]
    u = ranks[truth == 1].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _point_metrics(truth, score, threshold: float) -> dict[str, float]:
    pred = score >= threshold
    pos = truth == 1
    tp = int((pred & pos).sum())
    fp = int((pred & ~pos).sum())
    fn = int((~pred & pos).sum())
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    return {
        "accuracy": _ratio(int((pred == pos).sum()), truth.size),
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
        "auc": _auc(truth, score),
    }


def binary_classification_metrics(
    y_true: Sequence[float],
    y_score: Sequence[float],
    threshold: float = 0.5,
    n_bootstrap: int = 200,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Accuracy, precision, recall, F1 and ROC AUC of scores against 0/1 labels.

    ``y_score`` is the predicted probability of class 1; a row counts as predicted positive when
    its score is >= ``threshold``. Precision, recall and F1 are 0.0 when their denominator is 0
    (for example no row predicted positive). Each metric's ``standard_deviation`` is the sample
    standard deviation over ``n_bootstrap`` resamples (with replacement, fixed ``seed``) of the
    hold-out rows; resamples holding one class only are skipped for AUC.

    Returns ``{"accuracy": {"value": v, "standard_deviation": s}, ..., "auc": {...},
    "counts": {"tp": .., "fp": .., "tn": .., "fn": .., "n": ..}}`` with plain Python numbers.
    Raises WorkshopError for mismatched or empty inputs, non-binary labels, non-finite scores,
    a hold-out set with one class only (AUC is undefined), or ``n_bootstrap`` below 2.
    """
    import numpy as np

    truth, score = _arrays(y_true, y_score)
    if n_bootstrap < 2:
        raise WorkshopError(
            f"n_bootstrap is {n_bootstrap}, too few resamples for a standard deviation: use 2 or more "
            "(the default is 200)."
        )
    point = _point_metrics(truth, score, threshold)
    if math.isnan(point["auc"]):
        raise WorkshopError(
            "The hold-out labels hold one class only, so AUC is undefined: evaluate on a split with "
            "both malignant and benign rows."
        )
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, truth.size, size=(n_bootstrap, truth.size))
    boot = {name: [] for name in METRICS}
    for index in samples:
        for name, value in _point_metrics(truth[index], score[index], threshold).items():
            boot[name].append(value)
    result: dict[str, dict[str, float]] = {}
    for name in METRICS:
        values = np.asarray(boot[name], dtype=float)
        values = values[~np.isnan(values)]
        std = float(values.std(ddof=1)) if values.size >= 2 else 0.0
        result[name] = {"value": float(point[name]), "standard_deviation": std}
    counts = confusion_counts(truth, score, threshold)
    result["counts"] = {**counts, "n": int(truth.size)}
    return result


def roc_curve(y_true: Sequence[float], y_score: Sequence[float]) -> dict[str, list[float]]:
    """ROC points, from the highest threshold down: ``{"false_positive_rates", "true_positive_rates"}``.

    Starts at (0, 0) and ends at (1, 1); tied scores make one point. Raises WorkshopError like
    :func:`binary_classification_metrics`.
    """
    import numpy as np

    truth, score = _arrays(y_true, y_score)
    order = np.argsort(-score, kind="stable")
    truth, score = truth[order], score[order]
    # The last row of each run of equal scores: a threshold just below that score.
    last = np.r_[np.nonzero(np.diff(score))[0], truth.size - 1]
    tps = np.cumsum(truth)[last]
    fps = (last + 1) - tps
    n_pos, n_neg = int(truth.sum()), int(truth.size - truth.sum())
    fpr = np.r_[0.0, fps / n_neg] if n_neg else np.zeros(last.size + 1)
    tpr = np.r_[0.0, tps / n_pos] if n_pos else np.zeros(last.size + 1)
    return {
        "false_positive_rates": [round(float(x), DECIMALS) for x in fpr],
        "true_positive_rates": [round(float(x), DECIMALS) for x in tpr],
    }


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
    fix = "build it with helpers.metrics.model_quality_document."
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
