"""Training is deterministic, uses the workshop's hyperparameter names, and learns the task."""

from __future__ import annotations

import pytest

from helpers.model import artifacts, training
from helpers.errors import WorkshopError


@pytest.fixture(scope="module")
def presets():
    return {name: training.train_preset(name) for name in training.PRESETS}


def model_sha(model) -> str:
    return artifacts.sha256_bytes(bytes(model.booster.save_raw(raw_format="json")))


def test_training_is_deterministic(presets):
    for name, model in presets.items():
        again = training.train_preset(name)
        assert model_sha(again) == model_sha(model)
        assert again.metrics == model.metrics


def test_presets_record_what_produced_them(presets):
    v1, v2 = presets["v1"], presets["v2"]
    assert (v1.dataset_version, v2.dataset_version) == ("v1.0", "v1.1")
    assert set(v1.hyperparameters) == {"learning_rate", "max_depth", "n_estimators"}
    assert v1.hyperparameters != v2.hyperparameters
    assert (len(v1.feature_names), len(v2.feature_names)) == (10, 30)
    assert (v1.n_train, v1.n_test) == (455, 114)
    assert v1.booster.num_features() == 10 and v2.booster.num_features() == 30
    assert v1.booster.num_boosted_rounds() == v1.hyperparameters["n_estimators"]
    # Trained without feature names: the container scores unnamed text/csv rows.
    assert v1.booster.feature_names is None


def test_metrics_are_in_range_and_the_task_is_learned(presets):
    for model in presets.values():
        for name in ("accuracy", "precision", "recall", "f1", "auc"):
            assert 0.0 <= model.metrics[name]["value"] <= 1.0
            assert 0.0 <= model.metrics[name]["standard_deviation"] < 0.1
        # A learnability check, not a tuned target: the majority class alone scores 0.63.
        assert model.metrics["accuracy"]["value"] > 0.85


def test_hyperparameters_map_to_xgboost_names():
    params, rounds = training.xgboost_params({"learning_rate": 0.2, "max_depth": 5, "n_estimators": 7}, seed=1)
    assert (params["eta"], params["max_depth"], rounds) == (0.2, 5, 7)
    assert params["objective"] == "binary:logistic" and params["nthread"] == 1 and params["seed"] == 1


@pytest.mark.parametrize(
    "hyperparameters, message",
    [
        ({"eta": 0.1, "max_depth": 3, "n_estimators": 10}, r"unknown eta"),
        ({"learning_rate": 0.1, "max_depth": 3}, r"missing n_estimators"),
        ({"learning_rate": 0, "max_depth": 3, "n_estimators": 10}, r"learning_rate is 0"),
        ({"learning_rate": 0.1, "max_depth": 2.5, "n_estimators": 10}, r"max_depth is 2\.5"),
    ],
)
def test_bad_hyperparameters_get_one_clear_sentence(hyperparameters, message):
    with pytest.raises(WorkshopError, match=message):
        training.train("v1.0", hyperparameters)


def test_unknown_version_and_preset():
    with pytest.raises(WorkshopError, match=r"use one of v1\.0, v1\.1"):
        training.train("v3", {"learning_rate": 0.1, "max_depth": 3, "n_estimators": 10})
    with pytest.raises(WorkshopError, match=r"use one of v1, v2"):
        training.train_preset("v3")
