"""The local backend process: ``python -m helpers.local_backend --state-dir DIR [--port N] ...``.

Started by ``python -m helpers backend start`` (``helpers/backend.py``). It restores the state kept in
DIR (the registry journal and moto's snapshots), binds 127.0.0.1, then writes ``DIR/backend.json``
(pid, port, endpoint) for clients. The WSGI stack, from the outside in, is described in
``helpers/local_backend/__init__.py``.
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
from urllib.parse import parse_qs

from . import HEALTH_PATH, KIT_NAME, RESET_PATH


def service_of(environ) -> str:
    """The AWS service a request is for, from its SigV4 credential scope (header or presigned query)."""
    from .sagemaker_layer import credential_scope

    service = credential_scope(environ)[2]
    if not service:
        credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0]
        parts = credential.split("/")
        service = parts[3] if len(parts) > 3 else ""
    return service or "*"


class _BodyAlreadyRead:
    """The connection's reader once the request body has been read whole: ``read`` finds nothing more.

    After each response werkzeug drains whatever the client sent beyond the request (it expects to
    close the connection next); on a kept-alive connection that would swallow the next request. Lines
    (the next request line and its headers) still come from the real reader.
    """

    def __init__(self, real):
        self.real = real

    def read(self, *_args) -> bytes:
        return b""

    def __getattr__(self, name):
        return getattr(self.real, name)


def keep_alive_handler():
    """moto's request handler, with HTTP/1.1 keep-alive as AWS endpoints offer it.

    werkzeug's development server answers every request with ``Connection: close``, because a request
    body the application leaves unread would be taken for the next request on the connection. So every
    request cost a new TCP connection and a new server thread (a third of a client's time per S3 GetObject).
    Here the body is read whole first (its ``Content-Length``), so the connection is always at the next
    request's first byte and can stay open. Chunked request bodies keep werkzeug's behaviour: they close.
    """
    import io

    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class KeepAliveHandler(MotoRequestHandler):
        # The status line, headers and body go out in separate small writes: on a kept-alive connection,
        # Nagle's algorithm would hold each back until the client's delayed ACK (40 ms a request).
        disable_nagle_algorithm = True

        def make_environ(self):
            self.rfile = getattr(self.rfile, "real", self.rfile)  # the previous request's wrapper off
            environ = super().make_environ()
            self.body_read = False
            if environ.get("wsgi.input_terminated"):  # a chunked body: werkzeug's way, and the connection closes
                return environ
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return environ  # werkzeug answers it, and closes
            environ["wsgi.input"] = io.BytesIO(self.rfile.read(length) if length > 0 else b"")
            self.rfile, self.body_read = _BodyAlreadyRead(self.rfile), True
            return environ

        def send_header(self, keyword, value):
            if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "body_read", False):
                return  # werkzeug's blanket close: not needed, the whole body was read
            super().send_header(keyword, value)

    return KeepAliveHandler


def _cache_moto_module_list() -> None:
    """moto's dispatcher lists moto's package folder (a listdir and ~150 isdir calls) on every request to
    find the service; the folder does not change while the backend runs, so list it once. This was a
    third of the backend's CPU for an S3 GetObject."""
    from moto import backends

    if not getattr(backends.list_of_moto_modules, "_kit_cached", False):
        names = tuple(backends.list_of_moto_modules())

        def cached():
            return names

        cached._kit_cached = True
        backends.list_of_moto_modules = cached


def build_app(state_dir: Path, plan, started_at: float, ephemeral: bool = False):
    """moto's WSGI app with the kit's layers around it (``ephemeral``: nothing kept on disk)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import faults, moto_state, s3_policy, sagemaker_layer
    from .journal import Journal
    from .registry import STORE

    _cache_moto_module_list()
    moto_app = s3_policy.wrap(DomainDispatcherApplication(create_backend_app))
    s3_policy.install()
    journal = None if ephemeral else Journal(state_dir / "registry.journal")
    if journal is not None:
        STORE.persist = journal.append
    stats = faults.Stats()
    layered = sagemaker_layer.wrap(moto_app)

    persisted = layered if ephemeral else moto_state.wrap(layered, state_dir, service_of)
    inner = faults.wrap(persisted, plan, stats)

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
        if path == RESET_PATH:
            with moto_state.WRITE_LOCK, STORE.lock, moto_state.MOTO_LOCK:
                chunks = moto_app(environ, start_response)
                STORE.clear()
                if journal is not None:
                    journal.compact(STORE)
                    moto_state.forget(state_dir)
                return chunks
        return inner(environ, start_response)

    return app


def _write_state(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def restore(state_dir: Path) -> tuple[int, int]:
    """Load the registry journal and moto's snapshots: (registry records, moto regional backends)."""
    from . import moto_state
    from .journal import Journal
    from .registry import STORE

    earlier = state_dir / "state.pickle"  # the single snapshot of kits before the registry journal
    if earlier.exists():
        os.replace(earlier, earlier.with_suffix(".pickle.earlier-kit"))
        logging.getLogger("helpers.local_backend").warning(
            "state from an earlier version of the kit was set aside as %s; this version starts empty: "
            "run `make workshop` again to rebuild the registry", earlier.with_suffix(".pickle.earlier-kit"))
    records = Journal(state_dir / "registry.journal").load(STORE)
    return records, moto_state.load(state_dir)


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

    from . import faults

    plan = faults.FaultPlan.parse(args.faults, args.latency_ms, args.seed)
    began = time.perf_counter()
    records, regional = (0, 0) if args.ephemeral else restore(args.state_dir)
    restore_s = time.perf_counter() - began
    started_at = time.time()
    server = make_server(
        "127.0.0.1", args.port, build_app(args.state_dir, plan, started_at, args.ephemeral),
        threaded=True, request_handler=keep_alive_handler(),
    )
    # Do not wait for clients' keep-alive connections when stopping: every write is already on disk.
    server.daemon_threads = True
    server.block_on_close = False
    port = server.server_port
    state_file = args.state_dir / "backend.json"
    _write_state(state_file, {
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
