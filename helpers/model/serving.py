"""What the built-in XGBoost container does with the artifact: load the booster, score ``text/csv`` rows.

Notebook 07 asks the endpoint itself (``sagemaker-runtime`` InvokeEndpoint); these give the same answers
from the artifact alone, for tests and checks: no header, no label column, the features in training order.
"""

from __future__ import annotations

from typing import Any

from ..errors import WorkshopError
from .artifacts import MODEL_FILE, model_bytes_from_tarball


def load_booster_from_tarball(data: bytes) -> Any:
    """An ``xgboost.Booster`` loaded from the bytes of a ``model.tar.gz``.

    Raises WorkshopError if the archive is malformed (see :func:`inspect_tarball`) or its
    ``xgboost-model`` is not a model xgboost can load.
    """
    import xgboost as xgb

    model = model_bytes_from_tarball(data)
    booster = xgb.Booster()
    try:
        booster.load_model(bytearray(model))
    except xgb.core.XGBoostError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        raise WorkshopError(
            f"The archive's {MODEL_FILE} is not a model xgboost can load ({first_line}): save the "
            "booster with helpers.model.artifacts.save_model_tarball."
        ) from None
    return booster


def predict_csv(booster: Any, csv_text: str) -> list[float]:
    """Probabilities for ``text/csv`` rows, as the built-in container scores them.

    Each non-empty line is one row of comma-separated numbers: no header and no label column, the
    features in training order. Returns one probability (of class 1, malignant) per row. Raises
    WorkshopError for a non-numeric cell, rows of unequal length, or a width that is not the model's.
    """
    import numpy as np
    import xgboost as xgb

    lines = [line for line in csv_text.splitlines() if line.strip()]
    if not lines:
        return []
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append([float(cell) for cell in line.split(",")])
        except ValueError:
            raise WorkshopError(
                f"Line {number} of the CSV ({line[:60]!r}) holds a value that is not a number: send "
                "rows with no header and no label, only the feature values."
            ) from None
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise WorkshopError(
            f"The CSV rows have {sorted(widths)} values, not one width: send every row with the "
            "same features in the same order."
        )
    width = widths.pop()
    expected = booster.num_features()
    if width != expected:
        hint = " (did you leave the label column in?)" if width == expected + 1 else ""
        raise WorkshopError(
            f"The CSV rows have {width} values but the model takes {expected} features{hint}: send "
            "only the feature values, no label."
        )
    scores = booster.predict(xgb.DMatrix(np.asarray(rows, dtype=np.float32)))
    return [float(s) for s in scores]
