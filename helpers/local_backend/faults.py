"""Injected faults and latency for the local backend: how the kit behaves when AWS throttles or drops.

``python -m helpers backend start --faults throttle=0.2,reset=0.05 --latency-ms 50`` makes the backend
delay every request, answer a share with the service's throttling error and drop the connection of
another share, before the request touches any state (so a retry is always safe). Counts are served at
``/_workshop/stats`` for reports and benchmarks.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from . import request

STATS_PATH = "/_workshop/stats"
PLAN_PATH = "/_workshop/faults"
KINDS = ("throttle", "reset")


@dataclass
class FaultPlan:
    throttle: float = 0.0
    reset: float = 0.0
    latency_ms: float = 0.0
    seed: int | None = None

    @classmethod
    def parse(cls, faults: str | None, latency_ms: float = 0.0, seed: int | None = None) -> "FaultPlan":
        """``"throttle=0.2,reset=0.05"`` -> a plan; a bad spec raises ValueError naming the fix."""
        plan = cls(latency_ms=float(latency_ms), seed=seed)
        for item in filter(None, (faults or "").split(",")):
            name, _, value = item.partition("=")
            name = name.strip()
            if name not in KINDS:
                raise ValueError(f"unknown fault {name!r}: use {' and '.join(KINDS)}, e.g. throttle=0.2,reset=0.05")
            try:
                share = float(value)
            except ValueError:
                raise ValueError(f"fault {name} needs a share between 0 and 1, e.g. {name}=0.1") from None
            if not 0 <= share <= 1:
                raise ValueError(f"fault {name}={share} is outside 0..1: use a share such as 0.1")
            setattr(plan, name, share)
        if plan.throttle + plan.reset > 1:
            raise ValueError("throttle + reset add up to more than 1: lower one of them")
        if plan.latency_ms < 0:
            raise ValueError("latency must be 0 ms or more")
        return plan


@dataclass
class Stats:
    requests: int = 0
    throttled: int = 0
    reset: int = 0
    retried: int = 0  # requests whose amz-sdk-request header says attempt 2 or later
    by_operation: dict[str, int] = field(default_factory=dict)


def _throttle_response(environ, start_response):
    """The throttling error in the protocol the caller speaks (JSON, query/XML or S3's REST)."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "ThrottlingException")]
        status = "400 Bad Request"
    elif environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error><RequestId>0</RequestId></ErrorResponse>")
        headers = [("Content-Type", "text/xml")]
        status = "400 Bad Request"
    else:  # S3
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        headers = [("Content-Type", "application/xml")]
        status = "503 Slow Down"
    start_response(status, headers + [("Content-Length", str(len(body)))])
    return [body]


def wrap(app, plan: FaultPlan, stats: Stats):
    """Middleware applying ``plan`` to every AWS request (not to the kit's own routes)."""
    rng = random.Random(plan.seed)
    lock = threading.Lock()

    def faulty(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_workshop/") or path.startswith("/moto-api/"):
            return app(environ, start_response)
        attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "")
        with lock:
            stats.requests += 1
            op = request.facts(environ).label
            stats.by_operation[op] = stats.by_operation.get(op, 0) + 1
            if "attempt=" in attempt and not attempt.startswith("attempt=1;") and attempt != "attempt=1":
                stats.retried += 1
            draw = rng.random()
        if plan.latency_ms:
            time.sleep(plan.latency_ms / 1000)
        if draw < plan.throttle:
            with lock:
                stats.throttled += 1
            return _throttle_response(environ, start_response)
        if draw < plan.throttle + plan.reset:
            with lock:
                stats.reset += 1
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise ConnectionAbortedError("injected connection reset")
        return app(environ, start_response)

    return faulty


def update_plan(plan: FaultPlan, changes: dict[str, Any]) -> None:
    """Change a running backend's faults or latency in place (benchmarks set latency after loading data)."""
    new = FaultPlan.parse(
        ",".join(f"{k}={changes.get(k, getattr(plan, k))}" for k in KINDS),
        changes.get("latency_ms", plan.latency_ms),
        plan.seed,
    )
    plan.throttle, plan.reset, plan.latency_ms = new.throttle, new.reset, new.latency_ms


def reset_stats(stats: Stats) -> None:
    stats.requests = stats.throttled = stats.reset = stats.retried = 0
    stats.by_operation.clear()


def stats_json(plan: FaultPlan, stats: Stats) -> bytes:
    return json.dumps({"faults": asdict(plan), "stats": asdict(stats)}).encode()
