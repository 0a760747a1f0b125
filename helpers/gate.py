"""The approval gate: explicit rules a candidate version must pass against the approved one.

A rule says "metric must not drop by more than X" or "metric must be at least Y"; ``evaluate`` returns
the decision and a table with every rule's outcome, so a review shows why, not only what.
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
    table: Any  # pandas DataFrame: rule, candidate, approved, change, passed

    def summary(self) -> str:
        failed = self.table.loc[~self.table["passed"], "rule"].tolist()
        return "approve: every rule passed" if self.approve else "do not approve: " + "; ".join(failed) + " failed"


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
        value = float(candidate[rule.metric])
        base = float(approved[rule.metric]) if approved is not None else None
        change = value - base if base is not None else None
        passed = True
        if rule.max_drop is not None and change is not None and change < -rule.max_drop - 1e-12:
            passed = False
        if rule.minimum is not None and value < rule.minimum:
            passed = False
        rows.append({"rule": rule.describe(), "candidate": value, "approved": base, "change": change, "passed": passed})
    table = pd.DataFrame(rows)
    return Decision(bool(table["passed"].all()), table)
