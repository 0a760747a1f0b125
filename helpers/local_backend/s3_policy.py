"""Bucket policies on object requests, read with the kit's evaluator instead of moto's.

moto 5.2 turns every bucket-policy statement whose condition it cannot evaluate into a deny, so the
kit's ``DenyInsecureTransport`` statement would refuse every local request. Here the policy is read by
:func:`.policy.decide` with ``aws:SecureTransport`` true: the local endpoint is plain HTTP, but on
loopback only, so the traffic never leaves the machine (docs/local-backend.md). A Deny without a
condition still refuses, as on AWS, and the refusal carries S3's ``AccessDenied`` error (:func:`wrap`).
"""

from __future__ import annotations

import json

from . import policy, wire


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


DENIED_BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
               b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")


def wrap(app):
    """moto answers a bucket policy's deny with an empty 403; S3 answers ``AccessDenied`` in its XML error
    body (S3 API reference, "Error responses"), which is what clients show. Fill it in."""

    def answered(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET") or environ.get("REQUEST_METHOD") == "HEAD":
            return app(environ, start_response)
        status, headers, payload = wire.collect(app, environ)
        if status.startswith("403") and not payload:
            payload = DENIED_BODY
            headers = wire.with_body(headers, payload, "application/xml")
        start_response(status, headers)
        return [payload]

    return answered
