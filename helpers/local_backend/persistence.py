"""What is kept on disk, and when: the registry's journal, moto's snapshots, hosting, the state file.

- At start, :func:`load_state` replays the registry journal, restores moto's snapshots and reads the
  endpoints (hosting keeps its own files, ``hosting/models.py``).
- After a write request that succeeded, the middleware from :func:`wrap` saves the snapshot of each moto
  service the request touched (``environ["workshop.touched"]``, else the service in its signature). A
  registry write touches none of them (the journal already holds it), so its cost does not grow with
  moto's state; a request that answers an error writes nothing.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from . import request, snapshots, wire
from .disk import atomic_write
from .locks import WRITE_LOCK
from .hosting import deploy
from .hosting.models import HOSTING
from .model_registry.journal import Journal
from .model_registry.models import STORE

TOUCHED = "workshop.touched"
log = logging.getLogger("helpers.local_backend")


def touch(environ, *services: str) -> None:
    """Note that the request changed these moto services (their snapshots are saved if it succeeds)."""
    environ.setdefault(TOUCHED, set()).update(services)


def wrap(app, state_dir: Path):
    """Middleware: after a successful write, save the snapshots of the moto services it touched."""

    def persisted(environ, start_response):
        facts = request.facts(environ)
        if not facts.is_write:
            return app(environ, start_response)
        with WRITE_LOCK:
            status, headers, payload = wire.collect(app, environ)
            touched = environ.get(TOUCHED)
            if touched is None:  # the request's own service; one the kit does not know: save them all
                touched = {facts.service if facts.service in snapshots.SERVICES else "*"}
            if status.startswith("2") and touched:
                snapshots.save(state_dir, touched, environ)
        start_response(status, headers)
        return [payload]

    return persisted


def load_state(state_dir: Path) -> tuple[int, int]:
    """Replay the registry journal and restore moto's snapshots: (registry records, moto regional backends)."""
    earlier = state_dir / "state.pickle"  # the single snapshot of kits before the registry journal
    if earlier.exists():
        os.replace(earlier, earlier.with_suffix(".pickle.earlier-kit"))
        log.warning("state from an earlier version of the kit was set aside as %s; this version starts empty: "
                    "run `make workshop` again to rebuild the registry", earlier.with_suffix(".pickle.earlier-kit"))
    records = Journal(state_dir / "registry.journal").load(STORE)
    regional = snapshots.load(state_dir)
    deploy.resume(HOSTING.load(state_dir))
    return records, regional


def write_state_file(path: Path, data: dict) -> None:
    """``backend.json``: where clients find the running backend."""
    atomic_write(path, json.dumps(data, indent=2).encode())
