"""Metrics against cases small enough to check by hand, and the model-quality document's shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.model import metrics, model_quality
from helpers.errors import WorkshopError


def values(result):
    return {name: result[name]["value"] for name in metrics.METRICS}


def brute_force_auc(y_true, y_score):
    """P(score of a positive > score of a negative), ties counting one half."""
    pos = [s for s, y in zip(y_score, y_true) if y == 1]
    neg = [s for s, y in zip(y_score, y_true) if y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_hand_computed_case():
    # Predicted positive (>= 0.5): rows 2, 3, 4. tp = 2 (rows 3, 4), fp = 1 (row 2), fn = 1 (row 5), tn = 1.
    y_true = [0, 0, 1, 1, 1]
    y_score = [0.1, 0.6, 0.7, 0.9, 0.3]
    got = values(metrics.binary_classification_metrics(y_true, y_score))
    assert got["accuracy"] == pytest.approx(3 / 5)
    assert got["precision"] == pytest.approx(2 / 3)
    assert got["recall"] == pytest.approx(2 / 3)
    assert got["f1"] == pytest.approx(2 / 3)
    # Pairs (pos, neg): 0.7>0.1, 0.7>0.6, 0.9>0.1, 0.9>0.6, 0.3>0.1, 0.3<0.6 -> 5 of 6.
    assert got["auc"] == pytest.approx(5 / 6)


def test_auc_with_tied_scores_counts_half():
    # Pairs: (0.5 vs 0.5) tie = 0.5, (0.5 vs 0.2) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.2) = 1 -> 3.5 / 4.
    got = metrics.binary_classification_metrics([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])
    assert got["auc"]["value"] == pytest.approx(0.875)
    # All scores equal: no information, AUC 0.5.
    assert metrics.binary_classification_metrics([0, 1, 0, 1], [0.3] * 4)["auc"]["value"] == 0.5


def test_auc_matches_pair_counting_on_random_data_with_ties():
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 2, 60)
    y_score = rng.integers(0, 8, 60) / 8  # only 8 distinct scores: many ties
    got = metrics.binary_classification_metrics(y_true, y_score, n_bootstrap=2)
    assert got["auc"]["value"] == pytest.approx(brute_force_auc(y_true, y_score))


def test_perfect_classifier():
    y_true = [0] * 10 + [1] * 10
    y_score = [0.05 * i for i in range(10)] + [0.55 + 0.04 * i for i in range(10)]
    got = metrics.binary_classification_metrics(y_true, y_score)
    assert values(got) == {name: 1.0 for name in metrics.METRICS}
    assert all(got[name]["standard_deviation"] == 0.0 for name in metrics.METRICS)
    assert got["counts"] == {"tp": 10, "fp": 0, "tn": 10, "fn": 0, "n": 20}


def test_no_positive_prediction_gives_zero_precision_recall_f1():
    got = metrics.binary_classification_metrics([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])
    assert got["precision"]["value"] == 0.0
    assert got["recall"]["value"] == 0.0
    assert got["f1"]["value"] == 0.0
    assert got["accuracy"]["value"] == 0.5
    assert got["auc"]["value"] == 1.0  # the ranking is perfect, only the threshold is wrong


def test_threshold_is_inclusive_and_changeable():
    assert metrics.confusion_counts([1, 0], [0.5, 0.49]) == {"tp": 1, "fp": 0, "tn": 1, "fn": 0}
    assert metrics.confusion_counts([1, 0], [0.5, 0.49], threshold=0.4) == {"tp": 1, "fp": 1, "tn": 0, "fn": 0}


def test_bootstrap_is_seeded():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, 100)
    y_score = np.clip(y_true * 0.3 + rng.random(100) * 0.7, 0, 1)
    a = metrics.binary_classification_metrics(y_true, y_score, seed=3)
    b = metrics.binary_classification_metrics(y_true, y_score, seed=3)
    c = metrics.binary_classification_metrics(y_true, y_score, seed=4)
    assert a == b
    assert a["accuracy"]["value"] == c["accuracy"]["value"]
    assert a["accuracy"]["standard_deviation"] != c["accuracy"]["standard_deviation"]
    for name in metrics.METRICS:
        assert 0.0 < a[name]["standard_deviation"] < 0.2
        assert type(a[name]["value"]) is float and type(a[name]["standard_deviation"]) is float


@pytest.mark.parametrize(
    "y_true, y_score, n_bootstrap, message",
    [
        ([0, 1], [0.5], 200, r"Got 2 labels and 1 scores"),
        ([], [], 200, r"Got 0 labels"),
        ([0, 2], [0.1, 0.9], 200, r"other than 0 and 1"),
        ([0, 1], [0.1, float("nan")], 200, r"NaN or infinite"),
        ([1, 1], [0.1, 0.9], 200, r"one class only, so AUC is undefined"),
        ([0, 1], [0.1, 0.9], 1, r"n_bootstrap is 1"),
    ],
)
def test_bad_inputs_get_one_clear_sentence(y_true, y_score, n_bootstrap, message):
    with pytest.raises(WorkshopError, match=message):
        metrics.binary_classification_metrics(y_true, y_score, n_bootstrap=n_bootstrap)


def test_roc_curve_points_and_area():
    roc = metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert roc == {
        "false_positive_rates": [0.0, 0.0, 0.5, 0.5, 1.0],
        "true_positive_rates": [0.0, 0.5, 0.5, 1.0, 1.0],
    }
    rng = np.random.default_rng(2)
    y_true, y_score = rng.integers(0, 2, 50), rng.integers(0, 5, 50) / 5
    roc = metrics.roc_curve(y_true, y_score)
    x, y = np.array(roc["false_positive_rates"]), np.array(roc["true_positive_rates"])
    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))
    assert area == pytest.approx(brute_force_auc(y_true, y_score), abs=1e-3)  # curve points are rounded


def test_document_matches_sagemaker_example():
    """The example in SageMaker's model-quality docs: accuracy 0.5, precision 1/3, recall 1."""
    got = metrics.binary_classification_metrics([0, 0, 0, 1], [0.1, 0.9, 0.9, 0.9], n_bootstrap=20)
    doc = model_quality.model_quality_document(got)
    body = doc["binary_classification_metrics"]
    assert body["confusion_matrix"] == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert body["accuracy"]["value"] == 0.5
    assert body["precision"]["value"] == 0.3333
    assert body["recall"]["value"] == 1.0
    assert set(body) == {*metrics.METRICS, "confusion_matrix"}
    assert json.loads(json.dumps(doc)) == doc  # plain JSON, no NumPy types
    model_quality.validate_model_quality(doc)


def test_document_with_roc_curve_validates():
    y_true, y_score = [0, 1, 0, 1, 1], [0.2, 0.8, 0.6, 0.4, 0.9]
    doc = model_quality.model_quality_document(
        metrics.binary_classification_metrics(y_true, y_score), roc=metrics.roc_curve(y_true, y_score)
    )
    assert "receiver_operating_characteristic_curve" in doc["binary_classification_metrics"]
    model_quality.validate_model_quality(doc)


def test_validate_accepts_sagemaker_nan_standard_deviation():
    model_quality.validate_model_quality(
        {"binary_classification_metrics": {"accuracy": {"value": 0.91, "standard_deviation": "NaN"}}}
    )


@pytest.mark.parametrize(
    "doc, message",
    [
        ([1, 2], r"is a list, not a JSON object"),
        ({"regression_metrics": {}}, r"has no binary_classification_metrics object"),
        ({"binary_classification_metrics": {}}, r"has no binary_classification_metrics object"),
        ({"binary_classification_metrics": {"accuracy": 0.9}}, r"'accuracy' has no numeric value"),
        ({"binary_classification_metrics": {"accuracy": {"value": "0.9"}}}, r"'accuracy' has no numeric value"),
        ({"binary_classification_metrics": {"auc": {"value": True}}}, r"'auc' has no numeric value"),
        (
            {"binary_classification_metrics": {"f1": {"value": 0.9, "standard_deviation": "big"}}},
            r"standard_deviation 'big'",
        ),
        (
            {"binary_classification_metrics": {"accuracy": {"value": 0.9}, "confusion_matrix": [[1, 2]]}},
            r"confusion_matrix is not an object",
        ),
    ],
)
def test_validate_rejects_bad_documents(doc, message):
    with pytest.raises(WorkshopError, match=message):
        model_quality.validate_model_quality(doc)


def test_document_needs_all_metrics():
    with pytest.raises(WorkshopError, match=r"lack precision, recall, f1, auc"):
        model_quality.model_quality_document({"accuracy": {"value": 1.0, "standard_deviation": 0.0}})
