"""The local backend process: moto's server app on 127.0.0.1 behind the kit's layers.

Run by ``python -m helpers backend start`` as ``python -m helpers._server --state-dir DIR``. From the
outside in: the kit's own routes (health, stats, reset), injected faults (``helpers.faults``), state
kept on disk (``helpers.persistence``), the SageMaker layer (``helpers.fidelity``), moto. It restores
``DIR/state.pickle``, binds, then writes ``DIR/backend.json`` (pid, port, endpoint) for clients.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

HEALTH_PATH = "/_workshop/health"
KIT_NAME = "model-registry-workshop"


def build_app(state_dir: Path, plan, started_at: float, ephemeral: bool = False):
    """moto's WSGI app with the kit's layers around it (``ephemeral``: nothing kept on disk)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import faults, fidelity, persistence

    snapshot = state_dir / "state.pickle"
    moto_app = DomainDispatcherApplication(create_backend_app)
    stats = faults.Stats()
    layered = fidelity.wrap(moto_app)
    inner = faults.wrap(layered if ephemeral else persistence.wrap(layered, snapshot), plan, stats)

    def reply(start_response, body: bytes):
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == HEALTH_PATH:
            info = {"kit": KIT_NAME, "pid": os.getpid(), "started_at": started_at, "faults": asdict(plan)}
            return reply(start_response, json.dumps(info).encode())
        if path == faults.STATS_PATH:
            if environ.get("REQUEST_METHOD") == "DELETE":
                faults.reset_stats(stats)
            return reply(start_response, faults.stats_json(plan, stats))
        if path == faults.PLAN_PATH and environ.get("REQUEST_METHOD") == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            faults.update_plan(plan, json.loads(environ["wsgi.input"].read(length) or b"{}"))
            return reply(start_response, faults.stats_json(plan, stats))
        if path == "/moto-api/reset":
            with persistence.WRITE_LOCK:
                chunks = moto_app(environ, start_response)
                fidelity.reset_state()
                if not ephemeral:
                    persistence.save(snapshot)
                return chunks
        return inner(environ, start_response)

    return app


def _write_state(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers._server")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--faults", default="", help="e.g. throttle=0.2,reset=0.05")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ephemeral", action="store_true", help="keep nothing on disk (benchmarks)")
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from . import faults, persistence

    plan = faults.FaultPlan.parse(args.faults, args.latency_ms, args.seed)
    restored = 0 if args.ephemeral else persistence.load(args.state_dir / "state.pickle")
    started_at = time.time()
    server = make_server(
        "127.0.0.1", args.port, build_app(args.state_dir, plan, started_at, args.ephemeral),
        threaded=True, request_handler=MotoRequestHandler,
    )
    # Do not wait for clients' keep-alive connections when stopping: every write is already on disk.
    server.daemon_threads = True
    server.block_on_close = False
    port = server.server_port
    state_file = args.state_dir / "backend.json"
    _write_state(
        state_file,
        {
            "kit": KIT_NAME,
            "pid": os.getpid(),
            "port": port,
            "endpoint": f"http://127.0.0.1:{port}",
            "started_at": started_at,
            "faults": asdict(plan),
        },
    )

    def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"local backend serving on http://127.0.0.1:{port} (pid {os.getpid()}, "
          f"{restored} regional backends restored, faults {asdict(plan)})", flush=True)
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


if __name__ == "__main__":
    main()
