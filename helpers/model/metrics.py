"""Hold-out metrics of a binary classifier: accuracy, precision, recall, F1, ROC AUC and the ROC curve.

Everything is plain NumPy (no scikit-learn). :mod:`helpers.model.model_quality` writes them as the
model-quality JSON the Model Registry shows.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..errors import WorkshopError

METRICS = ("accuracy", "precision", "recall", "f1", "auc")
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
    return _counts(*_arrays(y_true, y_score), threshold)


def _counts(truth, score, threshold: float) -> dict[str, int]:
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
    c = _counts(truth, score, threshold)
    precision = _ratio(c["tp"], c["tp"] + c["fp"])
    recall = _ratio(c["tp"], c["tp"] + c["fn"])
    return {
        "accuracy": _ratio(c["tp"] + c["tn"], truth.size),
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
    result["counts"] = {**_counts(truth, score, threshold), "n": int(truth.size)}
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
