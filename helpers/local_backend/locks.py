"""The backend's process-wide locks (the server is threaded; one request runs per thread).

- ``WRITE_LOCK``: one write request at a time, so a snapshot on disk never holds half a change.
- ``MOTO_LOCK``: moto's in-memory dicts are not thread-safe; every call into moto holds it.

Order, where both are taken: ``WRITE_LOCK``, then the registry's own lock, then ``MOTO_LOCK``.
"""

from __future__ import annotations

import threading

WRITE_LOCK = threading.RLock()
MOTO_LOCK = threading.RLock()
