"""What every benchmark runs in: a backend of its own (state on disk, as learners run it), block timing.

:func:`own_backend` is a context manager: it points ``$WORKSHOP_STATE_DIR`` at a folder, starts a backend
there on a free port, and on the way out stops it and puts ``os.environ`` back exactly as it was (also
what the block set, such as the ``AWS_ENDPOINT_URL`` that ``helpers.aws.session()`` exports), also when
the block raises. So one benchmark's backend never leaks into the next one, or into a caller.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
BLOCK = 100


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


@contextmanager
def own_backend(state_dir: Path, **start_kwargs) -> Iterator:
    """A backend with its state in ``state_dir``, for the block; yields its status (``.pid``, ``.endpoint``).

    ``start_kwargs`` go to ``helpers.kit.backend.start`` (``latency_ms=``, ...). The block may stop and start
    the backend again (a restart benchmark): whatever runs in that state dir is stopped at the end.
    """
    from helpers.kit import backend

    with mock.patch.dict(os.environ, {"WORKSHOP_STATE_DIR": str(state_dir)}):
        status = backend.start(port=0, **start_kwargs)
        try:
            yield status
        finally:
            backend.stop()


def timed_blocks(one: Callable[[int], object], reported: list[int]) -> dict:
    """Call ``one(i)`` for i = 1 .. max(reported); seconds of each block of BLOCK calls that ends at a reported count,
    and each block's ratio to the first reported one."""
    blocks = {}
    for end in range(BLOCK, max(reported) + 1, BLOCK):
        start = time.perf_counter()
        for i in range(end - BLOCK + 1, end + 1):
            one(i)
        if end in reported:
            blocks[f"{end - BLOCK + 1}-{end}"] = time.perf_counter() - start
    first = next(iter(blocks.values()))
    return {"blocks": {k: round(v, 3) for k, v in blocks.items()},
            "ratios": {k: round(v / first, 2) for k, v in blocks.items()}}
