"""The backend's WSGI application: the kit's own routes (health, stats, fault plan, reset), then the stack.

From the outside in: ``faults.py`` (injected latency and errors), ``persistence.py`` (snapshots after a
write), ``front_door.py`` (routing), moto with ``s3_policy.py``'s bucket-policy reading.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from . import HEALTH_PATH, KIT_NAME, RESET_PATH, conformance, faults, front_door, persistence, s3_policy, snapshots
from .locks import MOTO_LOCK, WRITE_LOCK
from .hosting.models import HOSTING
from .model_registry.journal import Journal
from .model_registry.models import STORE


def cache_moto_module_list() -> None:
    """moto's dispatcher lists moto's package folder (a listdir and ~150 isdir calls) on every request to
    find the service; the folder does not change while the backend runs, so list it once. This was a
    third of the backend's CPU for an S3 GetObject."""
    from moto import backends

    if not getattr(backends.list_of_moto_modules, "_kit_cached", False):
        names = tuple(backends.list_of_moto_modules())

        def cached():
            return names

        cached._kit_cached = True
        backends.list_of_moto_modules = cached


def build_app(state_dir: Path, plan, started_at: float, ephemeral: bool = False):
    """moto's WSGI app with the kit's layers around it (``ephemeral``: nothing kept on disk)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    cache_moto_module_list()
    moto_app = s3_policy.wrap(DomainDispatcherApplication(create_backend_app))
    s3_policy.install()
    if ephemeral:
        HOSTING.load(None)
    journal = None if ephemeral else Journal(state_dir / "registry.journal")
    if journal is not None:
        STORE.persist = journal.append
    stats = faults.Stats()
    conformance_log = os.environ.get("WORKSHOP_CONFORMANCE_LOG")  # the tests check every SageMaker answer
    checker = (lambda inner_app: conformance.checking(inner_app, conformance_log)) if conformance_log else None
    layered = front_door.wrap(moto_app, checker)
    persisted = layered if ephemeral else persistence.wrap(layered, state_dir)
    inner = faults.wrap(persisted, plan, stats)

    def reply(start_response, body: bytes):
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            info = {"kit": KIT_NAME, "pid": os.getpid(), "started_at": started_at, "faults": asdict(plan)}
            return reply(start_response, json.dumps(info).encode())
        if path == faults.STATS_PATH:
            if environ.get("REQUEST_METHOD") == "DELETE":
                faults.reset_stats(stats)
            counts = json.loads(faults.stats_json(plan, stats))
            return reply(start_response, json.dumps({**counts, "hosted_models": HOSTING.memory()}).encode())
        if path == faults.PLAN_PATH and environ.get("REQUEST_METHOD") == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            faults.update_plan(plan, json.loads(environ["wsgi.input"].read(length) or b"{}"))
            return reply(start_response, faults.stats_json(plan, stats))
        if path == RESET_PATH:
            with WRITE_LOCK, STORE.lock, MOTO_LOCK:
                chunks = moto_app(environ, start_response)
                STORE.clear()
                HOSTING.clear()
                if journal is not None:
                    journal.compact(STORE)
                    snapshots.forget(state_dir)
                return chunks
        return inner(environ, start_response)

    return app
