"""Train the workshop's XGBoost model on a data-set version and evaluate it on the hold-out split.

Hyperparameters use the workshop's names (learning_rate, max_depth, n_estimators); training is
single-threaded with a fixed seed, so the same inputs give the same model, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import WorkshopError

# The workshop's hyperparameter names and the xgboost parameter each one becomes.
HYPERPARAMETERS = {"learning_rate": "eta", "max_depth": "max_depth", "n_estimators": "num_boost_round"}

# The two models the workshop registers: (data-set version, hyperparameters). Chosen as common,
# untuned settings; the second uses more features, a smaller step and more trees.
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "v1": ("v1.0", {"learning_rate": 0.1, "max_depth": 3, "n_estimators": 100}),
    "v2": ("v1.1", {"learning_rate": 0.05, "max_depth": 4, "n_estimators": 200}),
}


@dataclass
class TrainedModel:
    """A trained booster with what produced it and how it scored on the hold-out split."""

    booster: Any  # xgboost.Booster
    dataset_version: str
    hyperparameters: dict[str, Any]
    feature_names: list[str]
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    n_train: int = 0
    n_test: int = 0


def _check_hyperparameters(hyperparameters: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(hyperparameters) - set(HYPERPARAMETERS))
    missing = sorted(set(HYPERPARAMETERS) - set(hyperparameters))
    if unknown or missing:
        problem = f"unknown {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}"
        raise WorkshopError(
            f"The hyperparameters are {problem}, so the model cannot be trained: pass exactly "
            f"{', '.join(HYPERPARAMETERS)}."
        )
    lr, depth, rounds = (hyperparameters[k] for k in HYPERPARAMETERS)
    if not (isinstance(lr, (int, float)) and 0 < lr <= 1):
        raise WorkshopError(f"learning_rate is {lr!r}, outside (0, 1]: use a value such as 0.1.")
    for name, value in (("max_depth", depth), ("n_estimators", rounds)):
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise WorkshopError(f"{name} is {value!r}, not a whole number of at least 1: use e.g. 3 or 100.")
    return {"learning_rate": float(lr), "max_depth": int(depth), "n_estimators": int(rounds)}


def xgboost_params(hyperparameters: dict[str, Any], seed: int = 42) -> tuple[dict[str, Any], int]:
    """The xgboost ``params`` dict and ``num_boost_round`` for the workshop's hyperparameters.

    Raises WorkshopError for unknown, missing or out-of-range hyperparameters.
    """
    hp = _check_hyperparameters(hyperparameters)
    params = {
        "objective": "binary:logistic",
        "eta": hp["learning_rate"],
        "max_depth": hp["max_depth"],
        "tree_method": "hist",
        "nthread": 1,
        "seed": seed,
        "verbosity": 0,
    }
    return params, hp["n_estimators"]


def train(dataset_version: str, hyperparameters: dict[str, Any], seed: int = 42) -> TrainedModel:
    """Train on ``dataset_version``'s train split and evaluate on its test split.

    The booster is trained without feature names, as the built-in XGBoost container scores
    ``text/csv`` rows that carry none (xgboost 1.7 refuses unnamed rows for a named model); the
    names are kept in ``TrainedModel.feature_names``. Returns a :class:`TrainedModel` whose
    ``metrics`` come from :func:`helpers.model.metrics.binary_classification_metrics`. Raises
    WorkshopError for an unknown version, missing data or bad hyperparameters.
    """
    import xgboost as xgb

    from . import datasets
    from .metrics import binary_classification_metrics

    params, rounds = xgboost_params(hyperparameters, seed)
    train_df, test_df = datasets.load(dataset_version)
    features = datasets.feature_names(dataset_version)
    dtrain = xgb.DMatrix(train_df[features].to_numpy(dtype="float64"),
                         label=train_df[datasets.LABEL].to_numpy())
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    scores = booster.predict(xgb.DMatrix(test_df[features].to_numpy(dtype="float64")))
    metrics = binary_classification_metrics(test_df[datasets.LABEL].to_numpy(), scores)
    return TrainedModel(
        booster=booster,
        dataset_version=dataset_version,
        hyperparameters=_check_hyperparameters(hyperparameters),
        feature_names=features,
        metrics=metrics,
        n_train=len(train_df),
        n_test=len(test_df),
    )


def train_preset(name: str, seed: int = 42) -> TrainedModel:
    """Train one of :data:`PRESETS` (``"v1"`` or ``"v2"``); raises WorkshopError for another name."""
    if name not in PRESETS:
        raise WorkshopError(f"{name!r} is not a preset of this workshop: use one of {', '.join(PRESETS)}.")
    version, hyperparameters = PRESETS[name]
    return train(version, dict(hyperparameters), seed)
