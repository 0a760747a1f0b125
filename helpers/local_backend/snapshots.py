"""moto's part of the state on disk: one snapshot file per AWS service, written atomically.

moto keeps S3, IAM, STS, EventBridge, SQS, CloudWatch Logs and SageMaker's models and endpoints in
memory; :func:`save` writes the named services to ``<state dir>/moto-<service>.pickle`` and :func:`load`
restores them. S3 is kept object by object (``s3_state.py``), so an object write does not grow with the
bucket. Queues are kept too: their thread locks are pickled as new locks. When to save is
``persistence.py``'s business.
"""

from __future__ import annotations

import _thread
import copyreg
import logging
import os
import pickle
import threading
from pathlib import Path
from typing import Any

from . import s3_state
from .disk import atomic_write
from .locks import MOTO_LOCK

log = logging.getLogger("helpers.local_backend.snapshots")

SERVICES = ("s3", "iam", "sts", "events", "sqs", "logs", "sagemaker")
FORMAT = 2

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


def restore_service(data: bytes) -> int:
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
            count += restore_service(path.read_bytes())
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
