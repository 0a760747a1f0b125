"""moto's part of the state on disk: one snapshot file per AWS service, rewritten only when that service changes.

moto keeps S3, IAM, STS, EventBridge, SQS, CloudWatch Logs and SageMaker's models and endpoints in
memory. After a write request has been answered successfully, the snapshot of each service the
request touched (``environ["workshop.touched"]``, else the service in the request's signature) is
written atomically to ``<state dir>/moto-<service>.pickle``; a registry write touches none of them (the
registry has its own journal), so its cost does not grow with moto's state. S3 is kept object by
object (``s3_state.py``), so an object write does not grow with the bucket either. A request that
answers an error writes nothing. Queues are kept too: their thread locks are pickled as new locks.
"""

from __future__ import annotations

import _thread
import copyreg
import io
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from . import s3_state, wire
from .disk import atomic_write

log = logging.getLogger("helpers.local_backend.moto_state")

SERVICES = ("s3", "iam", "sts", "events", "sqs", "logs", "sagemaker")
READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet", "Head", "Query", "Scan", "Receive")
FORMAT = 2
WRITE_LOCK = threading.RLock()  # one write at a time, so a snapshot never sees half a change
MOTO_LOCK = threading.RLock()  # moto's dicts are not thread-safe and the server is threaded

# moto's SQS queues hold locks; a lock is saved as "a lock" and comes back as a fresh one.
copyreg.pickle(_thread.LockType, lambda lock: (threading.Lock, ()))
copyreg.pickle(_thread.RLock, lambda lock: (threading.RLock, ()))


def _backend_dict(service: str):
    from moto.backends import get_backend

    return get_backend(service)


def snapshot(service: str) -> bytes:
    import moto

    per_account = {}
    backend_dict = _backend_dict(service)
    for account in list(dict.keys(backend_dict)):
        regional = dict.__getitem__(backend_dict, account)
        per_account[account] = {region: dict.__getitem__(regional, region).__dict__
                                for region in list(dict.keys(regional))}
    return pickle.dumps({"format": FORMAT, "moto": moto.__version__, "service": service, "state": per_account},
                        protocol=pickle.HIGHEST_PROTOCOL)


def restore(data: bytes) -> int:
    import moto

    saved = pickle.loads(data)
    if saved.get("format") != FORMAT or saved.get("moto") != moto.__version__:
        raise ValueError(f"snapshot from moto {saved.get('moto')} (format {saved.get('format')}), not {moto.__version__}")
    backend_dict, count = _backend_dict(saved["service"]), 0
    for account, regions in saved["state"].items():
        for region, attrs in regions.items():
            backend_dict[account][region].__dict__.update(attrs)
            count += 1
    return count


def path_for(state_dir: Path, service: str) -> Path:
    return state_dir / f"moto-{service}.pickle"


def save(state_dir: Path, services, environ: dict[str, Any] | None = None) -> None:
    """Write the snapshots of ``services`` atomically (a crash mid-write keeps the previous one)."""
    wanted = set(SERVICES) if "*" in services else set(services) & set(SERVICES)
    with MOTO_LOCK:
        for service in sorted(wanted):
            if service != "s3":
                atomic_write(path_for(state_dir, service), snapshot(service))
                continue
            with s3_state.WithoutObjects():
                atomic_write(path_for(state_dir, "s3"), snapshot("s3"))
            target = s3_state.object_target(environ or {})
            if target is not None and "*" not in services:
                s3_state.save_object(state_dir, *target)
            else:
                s3_state.save_all_objects(state_dir)


def load(state_dir: Path) -> int:
    """Restore every saved service; an unreadable snapshot is set aside (logged), not fatal."""
    count = 0
    for service in SERVICES:
        path = path_for(state_dir, service)
        if not path.exists():
            continue
        try:
            count += restore(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - start that service empty rather than not at all
            aside = path.with_suffix(".unreadable")
            os.replace(path, aside)
            log.warning("could not restore %s (%s); moved it to %s and started that service empty", path, exc, aside)
    s3_state.restore_objects(state_dir)
    return count


def forget(state_dir: Path) -> None:
    for service in SERVICES:
        path_for(state_dir, service).unlink(missing_ok=True)
    s3_state.forget(state_dir)


def is_write(environ: dict[str, Any], body: bytes) -> bool:
    """Whether a request may change state (reads are GET/HEAD and operations named Describe..., List..., ...).

    SQS ``ReceiveMessage`` counts as a read: it only hides messages for their visibility timeout, and
    after a restart they are visible again, as when that timeout ends. (Holding the write lock through a
    long poll would stall every other write.)
    """
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        operation = target.partition(".")[2]
        return not operation.startswith(READ_PREFIXES)
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


def wrap(app, state_dir: Path, service_of):
    """Middleware: after a successful write, save the snapshots of the moto services it touched.

    ``service_of(environ)`` names the service a request is for (from its signature).
    """

    def persisted(environ, start_response):
        body = read_body(environ)
        if not is_write(environ, body):
            return app(environ, start_response)
        with WRITE_LOCK:
            status, headers, payload = wire.call(app, environ)
            touched = environ.get("workshop.touched")
            if touched is None:  # the request's own service; one the kit does not know: save them all
                service = service_of(environ)
                touched = {service if service in SERVICES else "*"}
            if status.startswith("2") and touched:
                save(state_dir, touched, environ)
        start_response(status, headers)
        return [payload]

    return persisted
