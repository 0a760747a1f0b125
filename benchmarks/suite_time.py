"""The test suite's wall time: ``make test`` and ``make test-fast``, each with its slowest tests."""

from __future__ import annotations

import subprocess
import time

from .harness import REPO


def _timed_make(target: str) -> dict:
    """Wall time of ``make TARGET`` (the command a developer runs), with pytest's slowest tests."""
    start = time.perf_counter()
    proc = subprocess.run(["make", "-s", target, "PYTEST_ARGS=-q -p no:cacheprovider --durations=8"],
                          cwd=REPO, capture_output=True, text=True)
    took = time.perf_counter() - start
    slowest = [line.strip() for line in proc.stdout.splitlines() if "s call " in line or "s setup " in line][:8]
    summary = next((line.strip("= ") for line in reversed(proc.stdout.splitlines()) if " passed" in line or " failed" in line), "")
    return {"wall_s": round(took, 1), "passed": proc.returncode == 0, "summary": summary, "slowest": slowest}


def bench_tests() -> dict:
    """``make test`` (every test) and ``make test-fast`` (the quick loop), each with its slowest tests."""
    return {"fast": _timed_make("test-fast"), "all": _timed_make("test")}
