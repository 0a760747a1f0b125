"""Keep the local backend's state on disk, so it survives a stop, a crash or a reboot.

After every request that changes something, the in-memory state of the services the workshop uses
(moto's backends plus the SageMaker layer's side tables) is written to ``<state dir>/state.pickle``
atomically; at start it is read back. Creation times, version numbers and object bytes come back as
they were. Only ``python -m helpers backend reset`` clears it.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("helpers.persistence")

# Services whose state is kept. SQS is left out: moto's queues hold thread locks that do not pickle,
# and the workshop's queue is re-created by the notebook that uses it.
SERVICES = ("s3", "sagemaker", "iam", "sts", "events")
READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet", "Head", "Query", "Scan")
FORMAT = 1
WRITE_LOCK = threading.RLock()  # writes run one at a time, so a snapshot never sees half a change


def _backends(service: str):
    from moto.backends import get_backend

    return get_backend(service)


def snapshot() -> bytes:
    """The current state as bytes."""
    import moto

    from . import fidelity

    state: dict[str, Any] = {}
    for service in SERVICES:
        per_account = {}
        backend_dict = _backends(service)
        for account in list(dict.keys(backend_dict)):
            regional = dict.__getitem__(backend_dict, account)
            per_account[account] = {
                region: dict.__getitem__(regional, region).__dict__ for region in list(dict.keys(regional))
            }
        state[service] = per_account
    return pickle.dumps(
        {"format": FORMAT, "moto": moto.__version__, "services": state, "layer": fidelity.STATE},
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def restore(data: bytes) -> int:
    """Load a snapshot into the (fresh) process; returns how many regional backends came back."""
    import moto

    from . import fidelity

    saved = pickle.loads(data)
    if saved.get("format") != FORMAT or saved.get("moto") != moto.__version__:
        raise ValueError(f"snapshot from moto {saved.get('moto')} (format {saved.get('format')}), not {moto.__version__}")
    count = 0
    for service, per_account in saved["services"].items():
        backend_dict = _backends(service)
        for account, regions in per_account.items():
            for region, attrs in regions.items():
                backend_dict[account][region].__dict__.update(attrs)
                count += 1
    fidelity.STATE.clear()
    fidelity.STATE.update(saved["layer"])
    return count


def save(path: Path) -> None:
    """Write a snapshot atomically (a crash mid-write leaves the previous one intact)."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(snapshot())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load(path: Path) -> int:
    """Restore from ``path`` if it exists; an unreadable snapshot is set aside, not fatal."""
    if not path.exists():
        return 0
    try:
        return restore(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - start empty rather than not at all
        aside = path.with_suffix(".unreadable")
        os.replace(path, aside)
        log.warning("could not restore %s (%s); moved it to %s and started empty", path, exc, aside)
        return 0


def is_write(environ: dict[str, Any], body: bytes) -> bool:
    """Whether a request may change state (reads are GET/HEAD and operations named Describe..., List..., ...)."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return not target.partition(".")[2].startswith(READ_PREFIXES)
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        if action:
            return not action.startswith(READ_PREFIXES)
    return True  # S3 PUT/POST/DELETE and anything unknown


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, read once and put back so the next layer can read it too."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = environ["wsgi.input"].read(int(length))
    elif environ.get("wsgi.input_terminated"):  # chunked upload: read to the end
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def wrap(app, path: Path):
    """Middleware: after every write request, save a snapshot to ``path``."""

    def persisted(environ, start_response):
        body = read_body(environ)
        if not is_write(environ, body):
            return app(environ, start_response)
        with WRITE_LOCK:
            chunks = app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            save(path)
        return [payload]

    return persisted
