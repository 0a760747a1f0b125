"""What the kit costs before any request: ``import helpers`` and the size of ``.venv``."""

from __future__ import annotations

import statistics
import subprocess
import sys

from .harness import REPO


def import_time(repeats: int = 5) -> float:
    """Median cumulative time of ``import helpers`` in a fresh interpreter, from ``python -X importtime``.

    Python's own import timer, not wall clocks of two processes: the import takes milliseconds, less
    than the noise between two interpreter starts on a busy machine.
    """
    times = []
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import helpers"], check=True, cwd=REPO,
                              capture_output=True, text=True)
        line = next(l for l in proc.stderr.splitlines() if l.rstrip().endswith("| helpers"))
        times.append(int(line.split("|")[1]) / 1e6)  # the cumulative column, in microseconds
    return statistics.median(times)


def venv_size() -> int | None:
    """Megabytes of ``.venv`` (``du -sm``), None without one."""
    venv = REPO / ".venv"
    if not venv.exists():
        return None
    out = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else None
