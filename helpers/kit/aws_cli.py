"""Run the ``aws`` command line (and the kit's own, ``python -m helpers``) from a notebook, against the same backend.

Each call prints the command as you would type it in a terminal, then returns the parsed JSON answer.
Commands go to one ``aws`` process that stays running (:mod:`helpers.kit.aws_cli_worker`): it runs the CLI's
own entry point for each, so the CLI starts once per notebook instead of once per command (about 0.35 s
each time). ``own_process=True`` runs a command as a separate ``aws`` program, exactly as typed in a terminal.
"""

from __future__ import annotations

import json
import select
import shlex
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..aws import cli_env
from ..errors import WorkshopError


def aws_executable() -> str:
    """The ``aws`` installed next to this Python (the kit's venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "aws"
    if beside.exists():
        return str(beside)
    found = shutil.which("aws")
    if not found:
        raise WorkshopError("The aws command line is not installed here: run `make setup` (it installs awscli).")
    return found


def _last_error_line(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit code {proc.returncode}"


class _Worker:
    """The running ``aws`` process (:mod:`helpers.kit.aws_cli_worker`), started with the environment its commands need."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.proc = subprocess.Popen([sys.executable, "-m", "helpers.kit.aws_cli_worker"], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def run(self, args: list[str], timeout: float) -> tuple[int, str, str]:
        self.proc.stdin.write(json.dumps({"args": args}) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        answer = self.proc.stdout.readline() if ready else ""
        if not answer:
            self.stop()
            raise WorkshopError(f"The aws command line stopped answering (no answer within {timeout:.0f} s or its "
                                "process ended): run the cell again; it starts a new one.")
        done = json.loads(answer)
        return done["rc"], done["stdout"], done["stderr"]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


_worker: _Worker | None = None


def _shared_worker_usable() -> bool:
    """The running-process route needs the CLI as a Python package next to this Python (the kit's venv, conda)."""
    return (Path(sys.executable).parent / "aws").exists() and find_spec("awscli") is not None


def _ready_worker(env: dict[str, str]) -> _Worker:
    global _worker
    if _worker is not None and (_worker.env != env or _worker.proc.poll() is not None):
        _worker.stop()  # another region or backend: commands must see the environment they were given
        _worker = None
    if _worker is None:
        _worker = _Worker(env)
    return _worker


def start(region: str | None = None) -> None:
    """Start the CLI in the background now, so that it is ready when the first command comes (optional)."""
    if _shared_worker_usable():
        _ready_worker(cli_env(region))


def run(*args: str, region: str | None = None, check: bool = True, show: bool = True,
        own_process: bool = False, echo: bool = False) -> Any:
    """Run ``aws ARGS --output json``; return the parsed answer (None if empty).

    With ``check`` a failing command raises :class:`WorkshopError` carrying the CLI's own error line;
    without it the :class:`subprocess.CompletedProcess` is returned for you to inspect. ``own_process``
    starts the ``aws`` program for this command alone, as a terminal would, instead of the running one.
    ``echo`` also prints the answer exactly as the ``aws`` program prints it in a terminal (its JSON).
    """
    if show:
        print("$ aws " + " ".join(shlex.quote(a) for a in args))
    command, env, timeout = [*args, "--output", "json"], cli_env(region), 120
    if own_process or "help" in args or not _shared_worker_usable():  # help pages go through a pager: a terminal's
        proc = subprocess.run([aws_executable(), *command], capture_output=True, text=True, env=env, timeout=timeout)
    else:
        rc, stdout, stderr = _ready_worker(env).run(command, timeout)
        proc = subprocess.CompletedProcess(["aws", *command], rc, stdout, stderr)
    if not check:
        return proc
    if proc.returncode != 0:
        raise WorkshopError(f"The aws command failed: {_last_error_line(proc)}")
    if echo and proc.stdout.strip():
        print(proc.stdout.rstrip("\n"))
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def kit(*args: str, region: str | None = None) -> str:
    """Run ``python -m helpers ARGS`` (the kit's own command line) against the same backend; returns its output.

    Prints the command first, as :func:`run` does. A failing command raises WorkshopError with its error line.
    """
    print("$ python -m helpers " + " ".join(shlex.quote(a) for a in args))
    proc = subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          env=cli_env(region), timeout=300)
    if proc.returncode != 0:
        raise WorkshopError(f"The command failed: {_last_error_line(proc)}")
    return proc.stdout
