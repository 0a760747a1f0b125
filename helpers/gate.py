"""The approval gate: explicit rules a candidate version must pass against the approved one.

A rule says "metric must not drop by more than X" or "metric must be at least Y"; ``evaluate`` returns
the decision and a table with every rule's outcome, so a review shows why, not only what. A metric
that could not be read (no metrics attached, the file missing or unreadable) fails its rule, with the
reason in the table: the gate never passes what it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import WorkshopError


@dataclass(frozen=True)
class Rule:
    """``metric`` may drop at most ``max_drop`` from the approved version and must reach ``minimum``."""

    metric: str
    max_drop: float | None = None
    minimum: float | None = None

    def describe(self) -> str:
        parts = []
        if self.max_drop is not None:
            parts.append("must not drop" if self.max_drop == 0 else f"may drop at most {self.max_drop:g}")
        if self.minimum is not None:
            parts.append(f"at least {self.minimum:g}")
        return f"{self.metric} " + " and ".join(parts)


@dataclass
class Decision:
    approve: bool
    table: Any  # pandas DataFrame: rule, candidate, approved, change, passed, reason

    def summary(self) -> str:
        failed = self.table.loc[~self.table["passed"]]
        reasons = [f"{row.rule} failed" + (f" ({row.reason})" if row.reason else "") for row in failed.itertuples()]
        return "approve: every rule passed" if self.approve else "do not approve: " + "; ".join(reasons)


def _known(row: Any, metric: str, whose: str) -> tuple[float | None, str]:
    """The metric's value in ``row``, or None and why it is unknown."""
    import math

    value = row[metric]
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        return float(value), ""
    error = row.get("metrics_error") if hasattr(row, "get") else None
    return None, f"{whose}: {error}" if isinstance(error, str) and error else f"{whose}: no metrics attached"


DEFAULT_RULES = (Rule("accuracy", max_drop=0.0), Rule("recall", max_drop=0.0), Rule("auc", minimum=0.95))


def evaluate(candidate: Any, approved: Any | None, rules=DEFAULT_RULES) -> Decision:
    """Check ``candidate`` (a versions-frame row) against ``approved`` (a row, or None if none yet)."""
    import pandas as pd

    if not rules:
        raise WorkshopError("The gate has no rules, so it cannot decide: pass at least one Rule.")
    rows = []
    for rule in rules:
        if rule.metric not in candidate.index:
            raise WorkshopError(f"The rule on {rule.metric!r} names no metric of the versions table: use one of "
                                "accuracy, precision, recall, f1, auc.")
        value, unknown = _known(candidate, rule.metric, "candidate")
        base, base_unknown = (None, "") if approved is None else _known(approved, rule.metric, "approved version")
        change = value - base if value is not None and base is not None else None
        passed, reason = True, unknown
        if value is None:
            passed = False
        elif rule.max_drop is not None and approved is not None and base is None:
            passed, reason = False, base_unknown
        elif rule.max_drop is not None and change is not None and change < -rule.max_drop - 1e-12:
            passed, reason = False, f"dropped by {-change:.4f}"
        elif rule.minimum is not None and value < rule.minimum:
            passed, reason = False, f"below {rule.minimum:g}"
        rows.append({"rule": rule.describe(), "candidate": value, "approved": base, "change": change,
                     "passed": passed, "reason": reason})
    table = pd.DataFrame(rows)
    return Decision(bool(table["passed"].all()), table)
