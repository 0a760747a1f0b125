"""The local backend process: ``python -m helpers.local_backend --state-dir DIR [--port N] ...``.

Started by ``python -m helpers backend start`` (``helpers/kit/backend.py``). It restores the state kept in
DIR (the registry journal and moto's snapshots), binds 127.0.0.1, then writes ``DIR/backend.json``
(pid, port, endpoint) for clients. The WSGI application is ``app.py``; connections, ``connection.py``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import KIT_NAME


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers.local_backend")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--faults", default="", help="e.g. throttle=0.2,reset=0.05")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ephemeral", action="store_true", help="keep nothing on disk")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # werkzeug logs every request at INFO (one formatted line per request in backend.log); warnings and errors stay.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from werkzeug.serving import make_server

    from . import app, connection, faults, persistence

    plan = faults.FaultPlan.parse(args.faults, args.latency_ms, args.seed)
    began = time.perf_counter()
    records, regional = (0, 0) if args.ephemeral else persistence.load_state(args.state_dir)
    restore_s = time.perf_counter() - began
    started_at = time.time()
    server = make_server(
        "127.0.0.1", args.port, app.build_app(args.state_dir, plan, started_at, args.ephemeral),
        threaded=True, request_handler=connection.keep_alive_handler(),
    )
    # Do not wait for clients' keep-alive connections when stopping: every write is already on disk.
    server.daemon_threads = True
    server.block_on_close = False
    port = server.server_port
    state_file = args.state_dir / "backend.json"
    persistence.write_state_file(state_file, {
        "kit": KIT_NAME, "pid": os.getpid(), "port": port, "endpoint": f"http://127.0.0.1:{port}",
        "started_at": started_at, "faults": asdict(plan), "restore_seconds": restore_s,
    })

    def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"local backend serving on http://127.0.0.1:{port} (pid {os.getpid()}; restored {records} registry "
          f"records and {regional} moto backends in {restore_s:.2f} s; faults {asdict(plan)})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        try:
            current = json.loads(state_file.read_text())
            if current.get("pid") == os.getpid():
                state_file.unlink()
        except (OSError, ValueError):
            pass
    sys.exit(0)
