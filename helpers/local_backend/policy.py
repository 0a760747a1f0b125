"""A small evaluator of the IAM policy grammar the kit's documents use.

Allow/Deny, Action and Resource with ``*`` and ``?`` wildcards, and the condition operators
StringEquals, StringNotEquals, StringLike, ArnLike, Bool and Null, each also as ...IfExists. Condition
key names match whatever their case (IAM User Guide, "IAM JSON policy elements: Condition": "Condition
key names are not case-sensitive"); values are compared as written. An operator it does not know
raises ``ValueError`` instead of guessing. The local backend reads bucket
policies with it (``s3_policy.py``); ``helpers.iam`` uses it to answer "may this duty do that" offline.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    """One authorisation question: may the caller do ``action`` on ``resource`` with this context?"""

    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    expected = [str(e) for e in as_list(expected)]
    names = {name.lower(): name for name in context}
    present = key.lower() in names
    value = context[names[key.lower()]] if present else None
    if operator == "Null":
        return (not present) == (expected[0].lower() == "true")
    if operator.endswith("IfExists"):
        if not present:
            return True
        operator = operator[: -len("IfExists")]
    if not present:
        return operator.startswith("StringNot")  # a negated match holds when the key is absent
    if operator == "StringEquals":
        return value in expected
    if operator == "StringNotEquals":
        return value not in expected
    if operator in ("StringLike", "ArnLike"):
        return any(_like(e, value) for e in expected)
    if operator == "Bool":
        return value.lower() in [e.lower() for e in expected]
    raise ValueError(f"The policy uses the condition operator {operator}, which the kit's checker does not know.")


def _statement_matches(statement: dict, request: Request) -> bool:
    actions = as_list(statement.get("Action", []))
    if not any(_like(a.lower(), request.action.lower()) for a in actions):
        return False
    if not any(_like(r, request.resource) for r in as_list(statement.get("Resource", []))):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, expected, request.context):
                return False
    return True


def decide(policies: list[dict], request: Request) -> str:
    """``Allow``, ``ExplicitDeny`` or ``ImplicitDeny`` for ``request`` under identity ``policies``."""
    verdict = "ImplicitDeny"
    for policy in policies:
        for statement in as_list(policy.get("Statement", [])):
            if _statement_matches(statement, request):
                if statement["Effect"] == "Deny":
                    return "ExplicitDeny"
                verdict = "Allow"
    return verdict
