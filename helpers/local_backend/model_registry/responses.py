"""Answering a registry request: the operation runs against the region's registry, its changes are
journaled and applied, and only then are their events sent (a refused request changes nothing)."""

from __future__ import annotations

import time
from typing import Any, Callable

from .. import events, persistence
from ..locks import MOTO_LOCK
from ..request import Facts
from .context import Call
from .models import ACCOUNT, STORE


def caller(facts: Facts) -> dict[str, Any]:
    """The UserContext of whoever signed the request (as moto's STS knows them)."""
    try:
        from moto.sts.models import sts_backends

        user_id, arn, _ = sts_backends[ACCOUNT]["global"].get_caller_identity(facts.access_key, facts.region)
    except Exception:  # noqa: BLE001 - an unknown key still gets moto's default user
        user_id, arn = "moto", f"arn:aws:sts::{ACCOUNT}:user/moto"
    return {"IamIdentity": {"Arn": arn, "PrincipalId": user_id}}


def serve(environ, facts: Facts, handler: Callable[[Call], dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """Run ``handler`` for this request and commit what it changed; returns the answer's body."""
    region = facts.region
    with STORE.lock:
        call = Call(region, STORE.region(region), params, caller(facts), time.time())
        response = handler(call)
        STORE.commit(region, call.records)  # journal first: if it fails, nothing changed and we answer 500
        for package, updated in call.changed:
            doc = dict(package, **({"UpdatedModelPackageFields": updated} if updated else {}))
            with MOTO_LOCK:
                if events.deliver(region, events.model_package_state_change(region, doc, call.now)):
                    persistence.touch(environ, "sqs", "logs")
    return response
