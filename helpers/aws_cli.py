"""Run the ``aws`` command line (and the kit's own, ``python -m helpers``) from a notebook, against the same backend.

Each call prints the command as you would type it in a terminal, then returns the parsed JSON answer.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .errors import WorkshopError


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


def run(*args: str, region: str | None = None, check: bool = True, show: bool = True) -> Any:
    """Run ``aws ARGS --output json``; return the parsed answer (None if empty).

    With ``check`` a failing command raises :class:`WorkshopError` carrying the CLI's own error line;
    without it the :class:`subprocess.CompletedProcess` is returned for you to inspect.
    """
    from .aws import cli_env

    if show:
        print("$ aws " + " ".join(shlex.quote(a) for a in args))
    proc = subprocess.run(
        [aws_executable(), *args, "--output", "json"],
        capture_output=True, text=True, env=cli_env(region), timeout=120,
    )
    if not check:
        return proc
    if proc.returncode != 0:
        raise WorkshopError(f"The aws command failed: {_last_error_line(proc)}")
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def kit(*args: str, region: str | None = None) -> str:
    """Run ``python -m helpers ARGS`` (the kit's own command line) against the same backend; returns its output.

    Prints the command first, as :func:`run` does. A failing command raises WorkshopError with its error line.
    """
    from .aws import cli_env

    print("$ python -m helpers " + " ".join(shlex.quote(a) for a in args))
    proc = subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          env=cli_env(region), timeout=300)
    if proc.returncode != 0:
        raise WorkshopError(f"The command failed: {_last_error_line(proc)}")
    return proc.stdout
