"""The workshop's IAM policies (``data/iam/``): rendered for an account, and checked offline.

The documents hold placeholders (``<ACCOUNT_ID>``, ``<REGION>``, ``<BUCKET>``, ``<GROUP>``,
``<ROLE_NAME>``); :func:`document` fills them in. :func:`allowed` asks the kit's small evaluator of the
IAM policy grammar these documents use (``helpers/local_backend/policy.py``, shared with the local
backend, which reads bucket policies with it). It is for teaching and for the tests, not a replacement
for IAM: an operator it does not know raises instead of guessing.
"""

from __future__ import annotations

import json
from typing import Any

from . import config
from .errors import WorkshopError
from .local_backend.policy import Request, as_list, decide  # the evaluator the local backend enforces bucket policies with

__all__ = ["POLICIES", "Request", "allowed", "decide", "document", "granted_actions", "policy_dir"]

POLICIES = {
    "registrar": "registrar-policy.json",
    "approver": "approver-policy.json",
    "operator": "operator-policy.json",
    "role-admin": "role-admin-policy.json",
    "promoter": "promoter-policy.json",
    "deployer": "deployer-policy.json",
    "deployer-trust": "deployer-trust-policy.json",
    "deployer-admin": "deployer-admin-policy.json",
    "execution-role": "execution-role-policy.json",
    "execution-role-trust": "execution-role-trust-policy.json",
}
PERMISSION_POLICIES = ("registrar", "approver", "operator", "role-admin", "promoter", "deployer", "deployer-admin",
                       "execution-role")


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


def allowed(policies: dict | list[dict], action: str, resource: str, **context: str) -> bool:
    """Whether ``policies`` allow ``action`` on ``resource``; context keys as keyword arguments.

    Context keys contain colons, so pass them as a dict: ``allowed(p, a, r, **{"sagemaker:ModelApprovalStatus": "Approved"})``.
    """
    policies = policies if isinstance(policies, list) else [policies]
    return decide(policies, Request(action, resource, dict(context))) == "Allow"


def granted_actions(policy: dict) -> set[str]:
    """Every action a policy's Allow statements name."""
    return {a for st in as_list(policy["Statement"]) if st["Effect"] == "Allow" for a in as_list(st["Action"])}
