"""Start, find, reset and stop the embedded local AWS backend: the control surface of ``helpers/local_backend/``.

The backend runs as its own process bound to 127.0.0.1 and records itself in
``<state dir>/backend.json``; notebooks, terminals and tests find it through that file. Its state
(the registry journal and moto's snapshots) is kept in the same folder until ``reset``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import config
from ..errors import BackendNotRunning, WorkshopError
from ..local_backend import HEALTH_PATH, KIT_NAME, RESET_PATH

DEFAULT_PORT = 5757
START_TIMEOUT_S = 60.0
# Variables that would make a client use real credentials: dropped wherever the local backend is used.
REAL_CREDENTIAL_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")
START_HINT = "start it with `python -m helpers backend start` (or `make workshop` / `make lab`)"


@dataclass
class BackendStatus:
    """What ``python -m helpers backend status --json`` prints."""

    running: bool
    endpoint: str | None
    pid: int | None
    port: int | None
    state_dir: str
    started_at: float | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def _state_file() -> Path:
    return config.state_dir() / "backend.json"


def _read_state() -> dict | None:
    try:
        data = json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("kit") == KIT_NAME else None


def _healthy(endpoint: str, pid: int | None, timeout: float = 2.0) -> bool:
    """True when the server at ``endpoint`` is our backend (and, if given, the process ``pid``)."""
    try:
        with urllib.request.urlopen(endpoint + HEALTH_PATH, timeout=timeout) as resp:
            info = json.loads(resp.read())
    except (OSError, ValueError, urllib.error.URLError):
        return False
    return info.get("kit") == KIT_NAME and (pid is None or info.get("pid") == pid)


def _pid_alive(pid: int) -> bool:
    try:  # reap it first if it is our own child that has exited (a zombie still answers kill 0)
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status() -> BackendStatus:
    """The backend recorded in the state dir, and whether it answers."""
    state = _read_state()
    sdir = str(config.state_dir())
    if not state:
        return BackendStatus(False, None, None, None, sdir)
    running = _healthy(state["endpoint"], state.get("pid"))
    return BackendStatus(
        running,
        state["endpoint"],
        state.get("pid"),
        state.get("port"),
        sdir,
        state.get("started_at"),
    )


def _port_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(
    port: int | None = None,
    faults: str = "",
    latency_ms: float = 0.0,
    seed: int | None = None,
    ephemeral: bool = False,
) -> BackendStatus:
    """Start the backend unless one is already running for this state dir; return its status.

    ``port`` defaults to ``$WORKSHOP_BACKEND_PORT`` or 5757; if that port is taken by another
    program a free port is used instead (the state file says which). ``port=0`` always picks a free one.
    ``faults``/``latency_ms``/``seed`` inject throttling, dropped connections and delay (see
    :mod:`helpers.local_backend.faults`). The state saved by an earlier run is restored (``ephemeral``: nothing is
    read or written on disk, for benchmarks).
    """
    from ..local_backend.faults import FaultPlan

    try:
        wanted = asdict(FaultPlan.parse(faults, latency_ms, seed))
    except ValueError as exc:
        raise WorkshopError(f"The fault settings are not valid ({exc}).") from None
    current = status()
    if current.running:
        running = (_read_state() or {}).get("faults") or asdict(FaultPlan())
        if running != wanted and (faults or latency_ms):
            raise WorkshopError(
                f"The backend is already running with faults {running}, not {wanted}: stop it with "
                "`python -m helpers backend stop`, then start it again with the new settings."
            )
        return current
    if port is None:
        port = int(os.environ.get("WORKSHOP_BACKEND_PORT", DEFAULT_PORT))
    if port and not _port_free(port):
        port = 0
    sdir = config.state_dir()
    sdir.mkdir(parents=True, exist_ok=True)
    _state_file().unlink(missing_ok=True)
    log = open(sdir / "backend.log", "ab")  # noqa: SIM115 - handed to the child process
    env = dict(os.environ)
    # The server process itself never needs real credentials; make sure it cannot find any.
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    for var in REAL_CREDENTIAL_VARS:
        env.pop(var, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.local_backend", "--state-dir", str(sdir), "--port", str(port),
         "--faults", faults, "--latency-ms", str(latency_ms)]
        + (["--seed", str(seed)] if seed is not None else [])
        + (["--ephemeral"] if ephemeral else []),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(config.repo_root()),
        env=env,
        start_new_session=True,  # survives the shell or kernel that started it
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorkshopError(
                f"The local backend exited at start (code {proc.returncode}): read {sdir / 'backend.log'} "
                "for the reason, fix it and run `python -m helpers backend start` again."
            )
        state = _read_state()
        if state and state.get("pid") == proc.pid and _healthy(state["endpoint"], proc.pid, timeout=1.0):
            return status()
        time.sleep(0.1)
    proc.terminate()
    raise WorkshopError(
        f"The local backend did not answer within {START_TIMEOUT_S:.0f} s: read {sdir / 'backend.log'}, "
        "then run `python -m helpers backend start` again."
    )


def stop(timeout: float = 10.0) -> bool:
    """Stop the backend of this state dir; True if one was running."""
    state = _read_state()
    if not state:
        return False
    pid = state.get("pid")
    was_running = bool(pid) and _pid_alive(pid) and _healthy(state["endpoint"], pid)
    if was_running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pid_alive(pid):
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    _state_file().unlink(missing_ok=True)
    return was_running


def endpoint() -> str:
    """The running backend's URL, or :class:`BackendNotRunning` saying how to start it."""
    env_endpoint = os.environ.get("WORKSHOP_ENDPOINT_URL")
    if env_endpoint:
        return env_endpoint
    current = status()
    if not current.running:
        raise BackendNotRunning(
            f"The local AWS backend is not running (nothing answers for {current.state_dir}): {START_HINT}."
        )
    return current.endpoint  # type: ignore[return-value]


def stats() -> dict:
    """Request counts of the running backend: requests, throttled, reset, retried, by operation."""
    with urllib.request.urlopen(endpoint() + "/_workshop/stats", timeout=10) as resp:
        return json.loads(resp.read())


def set_faults(latency_ms: float | None = None, throttle: float | None = None, reset: float | None = None) -> dict:
    """Change the running backend's latency or faults without restarting it; returns its stats."""
    changes = {k: v for k, v in (("latency_ms", latency_ms), ("throttle", throttle), ("reset", reset)) if v is not None}
    req = urllib.request.Request(endpoint() + "/_workshop/faults", method="PUT", data=json.dumps(changes).encode())
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def reset() -> None:
    """Empty every service of the running backend (all groups, versions, buckets, roles), on disk too."""
    url = endpoint() + RESET_PATH
    req = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()


def terminal_env(region: str | None = None) -> dict[str, str]:
    """Environment variables that point the ``aws`` CLI (and any SDK) at the local backend."""
    return {
        "AWS_ENDPOINT_URL": endpoint(),  # read by boto3 >= 1.28 and the aws CLI
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": config.region(region),
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "10",
        "AWS_PAGER": "",
    }
