"""The workshop's IAM policies (``data/iam/``): rendered for an account, and checked offline.

The documents hold placeholders (``<ACCOUNT_ID>``, ``<REGION>``, ``<BUCKET>``, ``<GROUP>``,
``<ROLE_NAME>``); :func:`document` fills them in. :func:`allowed` is a small evaluator of the subset of
IAM policy grammar these documents use (Allow/Deny, Action, Resource with ``*`` and ``?``, and the
condition operators below). It is for teaching and for the tests, not a replacement for IAM: an
operator it does not know raises instead of guessing.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

from . import config
from .errors import WorkshopError

POLICIES = {
    "registrar": "registrar-policy.json",
    "approver": "approver-policy.json",
    "operator": "operator-policy.json",
    "role-admin": "role-admin-policy.json",
    "execution-role": "execution-role-policy.json",
    "execution-role-trust": "execution-role-trust-policy.json",
}
PERMISSION_POLICIES = ("registrar", "approver", "operator", "role-admin", "execution-role")


def policy_dir():
    return config.repo_root() / "data" / "iam"


def document(name: str, *, account: str = "123456789012", region: str | None = None, bucket: str = config.BUCKET,
             group: str = config.GROUP_NAME, role_name: str = config.EXECUTION_ROLE_NAME,
             kms_key_arn: str | None = None) -> dict[str, Any]:
    """The policy ``name`` (a key of :data:`POLICIES`) with its placeholders filled in.

    With ``kms_key_arn`` (a bucket encrypted with SSE-KMS) a statement letting the role use that key
    for the bucket's objects is added to each permission policy.
    """
    if name not in POLICIES:
        raise WorkshopError(f"There is no policy {name!r}: choose one of {', '.join(POLICIES)}.")
    text = (policy_dir() / POLICIES[name]).read_text()
    for placeholder, value in (("<ACCOUNT_ID>", account), ("<REGION>", config.region(region)),
                               ("<BUCKET>", bucket), ("<GROUP>", group), ("<ROLE_NAME>", role_name)):
        text = text.replace(placeholder, value)
    doc = json.loads(text)
    if kms_key_arn and name in PERMISSION_POLICIES:
        doc["Statement"].append({
            "Sid": "UseTheBucketKey", "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{config.region(region)}.amazonaws.com"}},
        })
    return doc


@dataclass
class Request:
    """One authorisation question: may the caller do ``action`` on ``resource`` with this context?"""

    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    expected = [str(e) for e in _as_list(expected)]
    present = key in context
    value = context.get(key)
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
    raise WorkshopError(f"The policy uses the condition operator {operator}, which the kit's checker does not know.")


def _statement_matches(statement: dict, request: Request) -> bool:
    actions = _as_list(statement.get("Action", []))
    if not any(_like(a.lower(), request.action.lower()) for a in actions):
        return False
    if not any(_like(r, request.resource) for r in _as_list(statement.get("Resource", []))):
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
        for statement in _as_list(policy.get("Statement", [])):
            if _statement_matches(statement, request):
                if statement["Effect"] == "Deny":
                    return "ExplicitDeny"
                verdict = "Allow"
    return verdict


def allowed(policies: dict | list[dict], action: str, resource: str, **context: str) -> bool:
    """Whether ``policies`` allow ``action`` on ``resource``; context keys as keyword arguments.

    Context keys contain colons, so pass them as a dict: ``allowed(p, a, r, **{"sagemaker:ModelApprovalStatus": "Approved"})``.
    """
    policies = policies if isinstance(policies, list) else [policies]
    return decide(policies, Request(action, resource, dict(context))) == "Allow"


def granted_actions(policy: dict) -> set[str]:
    """Every action a policy's Allow statements name."""
    return {a for st in _as_list(policy["Statement"]) if st["Effect"] == "Allow" for a in _as_list(st["Action"])}
