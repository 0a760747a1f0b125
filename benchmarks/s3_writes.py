"""S3 PutObject of small JSON files into one bucket, per block of 100 (early against late blocks), and
what one object write puts on disk: the files it rewrites in the state dir, with an empty bucket and a full one.

The backend keeps each S3 object in a file of its own beside a snapshot of the buckets' metadata
(``moto-s3.pickle``, no object in it), so a write should rewrite those two files and cost the same in a
full bucket. The files are found by looking, not by name: every file in the state dir that a write
replaced or created (the backend's log and status file aside).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .fixtures import make_bucket, put_metrics
from .harness import own_backend, timed_blocks

METADATA = "moto-s3.pickle"
NOT_STATE = {"backend.log", "backend.json"}
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _files(state_dir: Path) -> dict[str, tuple]:
    found = {}
    for path in state_dir.rglob("*"):
        if path.is_file() and path.name not in NOT_STATE:
            st = path.stat()
            found[path.relative_to(state_dir).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def _label(relative: str) -> str:
    """The file's path in the state dir, a hashed name (an object's file is named by its key's digest) shown as such."""
    return _DIGEST.sub("<sha256 of key>", relative)


def written_by(state_dir: Path, action: Callable[[], object]) -> dict:
    """The files ``action`` wrote in ``state_dir`` (each one's size after it) and their total bytes.

    The backend saves before it answers, so the files are complete when ``action`` returns.
    """
    before = _files(state_dir)
    action()
    after = _files(state_dir)
    files = {_label(name): facts[2] for name, facts in sorted(after.items()) if before.get(name) != facts}
    return {"files": files, "bytes": sum(files.values())}


def bench_s3_writes(tmp: Path, sizes: list[int]) -> dict:
    """``max(sizes)`` objects put one after another (as make_versions' metrics files), timed per block of 100;
    the files rewritten by putting ``metrics/0.json`` into the empty bucket, and again once the others are in."""
    from helpers import aws, config

    with own_backend(tmp / "s3-writes"):
        sdir, s3 = config.state_dir(), aws.client("s3")
        make_bucket(s3)
        empty = written_by(sdir, lambda: put_metrics(s3, 0))
        result = {"objects": max(sizes), **timed_blocks(lambda i: put_metrics(s3, i), sizes)}
        full = written_by(sdir, lambda: put_metrics(s3, 0))
        metadata = sdir / METADATA
        result["snapshot_bytes"] = metadata.stat().st_size if metadata.exists() else None
    result["written_per_put"] = {"empty_bucket": empty, "full_bucket": {"objects": max(sizes) + 1, **full}}
    return result
