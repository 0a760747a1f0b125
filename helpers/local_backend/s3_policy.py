"""Bucket policies on object requests, read with the kit's evaluator instead of moto's.

moto 5.2 turns every bucket-policy statement whose condition it cannot evaluate into a deny, so the
kit's ``DenyInsecureTransport`` statement would refuse every local request. Here the policy is read by
:func:`.policy.decide` with ``aws:SecureTransport`` true: the local endpoint is plain HTTP, but on
loopback only, so the traffic never leaves the machine (docs/local-backend.md). A Deny without a
condition still refuses, as on AWS.
"""

from __future__ import annotations

import json

from . import policy


def bucket_permission(bucket, action: str, resource: str):
    """A bucket policy's verdict for moto's ``FakeBucket.get_permission``."""
    from moto.iam.access_control import PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy)
    verdict = policy.decide([document], policy.Request(action, resource, {"aws:SecureTransport": "true"}))
    return {"Allow": PermissionResult.PERMITTED, "ExplicitDeny": PermissionResult.DENIED}.get(
        verdict, PermissionResult.NEUTRAL)


def install() -> None:
    from moto.s3.models import FakeBucket

    FakeBucket.get_permission = bucket_permission
