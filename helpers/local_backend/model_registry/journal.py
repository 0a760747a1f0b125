"""The registry's state on disk: an append-only journal, compacted at start.

A registry write appends one JSON line (its records, see ``registry.py``) to
``<state dir>/registry.journal`` and fsyncs it before the change is applied or answered, so an
acknowledged write survives ``kill -9`` and a reboot, and a write costs the same whether the registry
holds ten versions or ten thousand. At start the journal is replayed; then the whole state is written
once as a fresh journal (atomically), so replay time stays proportional to what exists, not to history.
A torn last line (a crash mid-append) was never acknowledged and is dropped.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ..disk import atomic_write
from .models import Store

log = logging.getLogger("helpers.local_backend.journal")
FORMAT = 1


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._fh = None

    def _open(self):
        if self._fh is None:
            self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open for the process's life
        return self._fh

    def append(self, region: str, records: list[list[Any]]) -> None:
        line = json.dumps({"r": region, "w": records}, separators=(",", ":")).encode() + b"\n"
        fh = self._open()
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())

    def load(self, store: Store) -> int:
        """Replay the journal into ``store``, then rewrite it compacted; returns how many records came back."""
        store.clear()
        count = 0
        if self.path.exists():
            with open(self.path, "rb") as fh:
                lines = fh.read().split(b"\n")
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    if number >= len(lines) - 1:  # the last line, torn by a crash: never acknowledged
                        log.warning("dropped a torn last line of %s", self.path)
                        continue
                    raise
                if "format" in entry:
                    if entry["format"] != FORMAT:
                        raise ValueError(f"{self.path} has format {entry['format']}, not {FORMAT}")
                    continue
                store.replay(entry["r"], entry["w"])
                count += len(entry["w"])
        self.compact(store)
        return count

    def compact(self, store: Store) -> None:
        """Write the current state as a new journal and switch to it atomically."""
        self.close()
        lines = [json.dumps({"format": FORMAT}).encode()]
        lines += [json.dumps({"r": region, "w": records}, separators=(",", ":")).encode()
                  for region, records in store.dump().items() if records]
        atomic_write(self.path, b"\n".join(lines) + b"\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
