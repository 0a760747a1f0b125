"""Hosting state: endpoints, what each variant serves, and the models loaded in memory.

moto keeps SageMaker models and endpoint configurations; the kit keeps endpoints (moto's are records
that are in service at once and serve nothing). Each variant of an endpoint holds a copy of the
artifact it was deployed with, read from S3 when the endpoint was created or updated, so what serves
is what was deployed even if the S3 object changes later. On disk (unless the backend is ephemeral):
``hosting/endpoints.json`` (written atomically after every change) and ``hosting/artifacts/<sha256>``.
Loaded models are kept one per (region, endpoint configuration, variant), loaded again from the copy
after a restart, and freed when no endpoint uses them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import ACCOUNT
from ..disk import atomic_write

BUSY = ("Creating", "Updating", "Deleting")


@dataclass
class Variant:
    name: str
    model_name: str
    weight: float
    instance_type: str | None
    instance_count: int
    image: str
    artifact: str  # sha256 of the artifact copy
    desired_weight: float | None = None


@dataclass
class Endpoint:
    region: str
    name: str
    config_name: str
    status: str
    creation_time: float
    last_modified_time: float
    variants: list[Variant] = field(default_factory=list)
    failure_reason: str | None = None
    pending_config: str | None = None  # the configuration an update is loading
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{ACCOUNT}:endpoint/{self.name.lower()}"

    def begin(self, status: str, config_name: str) -> None:
        """Start bringing ``config_name`` into service (``Creating`` or ``Updating``)."""
        self.status, self.pending_config = status, config_name
        self.failure_reason, self.last_modified_time = None, time.time()


@dataclass
class Loaded:
    boosters: list[Any]  # one per model file in the artifact (several are an ensemble)
    size: int  # bytes of the models' files
    lock: threading.Lock = field(default_factory=threading.Lock)


class Hosting:
    """Every region's endpoints behind one lock, with the loaded models and the copies on disk."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.endpoints: dict[tuple[str, str], Endpoint] = {}
        self.loaded: dict[tuple[str, str, str], Loaded] = {}
        self.blobs: dict[str, bytes] = {}  # artifact copies of an ephemeral backend
        self.state_dir: Path | None = None

    # --- endpoints ---------------------------------------------------------------------------------

    def get(self, region: str, name: str) -> Endpoint | None:
        return self.endpoints.get((region, name.lower()))

    def put(self, endpoint: Endpoint) -> None:
        with self.lock:
            self.endpoints[(endpoint.region, endpoint.name.lower())] = endpoint
            self.save()

    def remove(self, endpoint: Endpoint) -> None:
        with self.lock:
            self.endpoints.pop((endpoint.region, endpoint.name.lower()), None)
            self.release_unused()
            self.save()

    def in_use(self) -> set[tuple[str, str, str]]:
        """(region, configuration, variant) of every variant an endpoint serves or is loading."""
        return {(e.region, e.config_name, v.name) for e in self.endpoints.values() for v in e.variants}

    def release_unused(self) -> None:
        """Free the loaded models and artifact copies no endpoint uses any more."""
        with self.lock:
            used = self.in_use()
            for key in [k for k in self.loaded if k not in used and not self._loading(k)]:
                del self.loaded[key]
            kept = {v.artifact for e in self.endpoints.values() for v in e.variants}
            for digest in [d for d in self.blobs if d not in kept]:
                del self.blobs[digest]
            if self.state_dir is not None:
                for path in (self.state_dir / "hosting" / "artifacts").glob("*"):
                    if path.name not in kept and not any(e.status in BUSY for e in self.endpoints.values()):
                        path.unlink(missing_ok=True)

    def _loading(self, key: tuple[str, str, str]) -> bool:
        region, config, _ = key
        return any(e.region == region and e.pending_config == config for e in self.endpoints.values())

    # --- artifact copies -----------------------------------------------------------------------------

    def keep_artifact(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if self.state_dir is None:
            self.blobs[digest] = data
        else:
            path = self.state_dir / "hosting" / "artifacts" / digest
            if not path.exists():
                atomic_write(path, data)
        return digest

    def artifact(self, digest: str) -> bytes:
        if self.state_dir is None:
            return self.blobs[digest]
        return (self.state_dir / "hosting" / "artifacts" / digest).read_bytes()

    # --- on disk -------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.state_dir is None:
            return
        records = [asdict(e) for e in self.endpoints.values()]
        atomic_write(self.state_dir / "hosting" / "endpoints.json", json.dumps(records, indent=1).encode())

    def load(self, state_dir: Path | None) -> list[Endpoint]:
        """Take ``state_dir`` (None: keep nothing on disk) and read its endpoints; returns them."""
        self.state_dir = state_dir
        self.endpoints.clear()
        self.loaded.clear()
        if state_dir is None:
            return []
        path = state_dir / "hosting" / "endpoints.json"
        if not path.exists():
            return []
        for record in json.loads(path.read_text()):
            variants = [Variant(**v) for v in record.pop("variants")]
            endpoint = Endpoint(**record, variants=variants)
            self.endpoints[(endpoint.region, endpoint.name.lower())] = endpoint
        return list(self.endpoints.values())

    def clear(self) -> None:
        with self.lock:
            self.endpoints.clear()
            self.loaded.clear()
            self.blobs.clear()
            self.save()
            self.release_unused()

    def memory(self) -> dict[str, int]:
        """Bytes of model held per loaded (configuration/variant), for the stats and benchmarks."""
        return {f"{r}/{c}/{v}": m.size for (r, c, v), m in self.loaded.items()}


HOSTING = Hosting()
