"""The local backend process: moto's server app on 127.0.0.1, our SageMaker layer, a health route.

Run by ``python -m helpers backend start`` as ``python -m helpers._server --state-dir DIR``;
it binds, then writes ``DIR/backend.json`` (pid, port, endpoint) so that every client can find it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

HEALTH_PATH = "/_workshop/health"
KIT_NAME = "model-registry-workshop"


def build_app(started_at: float):
    """moto's domain-dispatching WSGI app wrapped with the kit's health route."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from .fidelity import reset_state, wrap

    moto_app = wrap(DomainDispatcherApplication(create_backend_app))

    def app(environ, start_response):
        path = environ.get("PATH_INFO")
        if path == "/moto-api/reset":
            reset_state()
        if path == HEALTH_PATH:
            body = json.dumps({"kit": KIT_NAME, "pid": os.getpid(), "started_at": started_at}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return moto_app(environ, start_response)

    return app


def _write_state(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m helpers._server")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)

    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    started_at = time.time()
    server = make_server(
        "127.0.0.1", args.port, build_app(started_at), threaded=True, request_handler=MotoRequestHandler
    )
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
        },
    )

    def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"local backend serving on http://127.0.0.1:{port} (pid {os.getpid()})", flush=True)
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
