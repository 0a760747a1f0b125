"""The environment check that notebook 00 runs first: one ``[OK]``/``[FAIL]`` line per requirement."""

from __future__ import annotations

import importlib
import importlib.metadata as md
import sys
from dataclasses import dataclass

# (import name, distribution name, what it is for)
DEPENDENCIES = [
    ("boto3", "boto3", "AWS SDK for Python"),
    ("awscli", "awscli", "the `aws` command line"),
    ("helpers.sdk", "sagemaker SDK", "SageMaker Python SDK"),  # v3 or v2, whichever is installed
    ("moto", "moto", "local AWS backend"),
    ("xgboost", "xgboost-cpu", "the model"),
    ("numpy", "numpy", "arrays"),
    ("pandas", "pandas", "tables"),
    ("matplotlib", "matplotlib", "charts"),
    ("ipywidgets", "ipywidgets", "interactive widgets"),
    ("papermill", "papermill", "running notebooks with parameters"),
]


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"[{'OK' if self.ok else 'FAIL'}] {self.name:<16} {self.detail}"


def python_check(minimum: tuple[int, int] = (3, 11)) -> Check:
    ver = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= minimum
    return Check("python", ok, ver if ok else f"{ver}: the kit needs {minimum[0]}.{minimum[1]} or newer")


def _aws_cli_check(purpose: str) -> Check:
    """Run ``aws --version``: the command line is a program of its own, so run it, do not import it."""
    import subprocess

    from .aws_cli import aws_executable
    from .errors import WorkshopError

    try:
        proc = subprocess.run([aws_executable(), "--version"], capture_output=True, text=True, timeout=120)
    except WorkshopError as exc:
        return Check("awscli", False, str(exc))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return Check("awscli", False, f"{last} -> run `make setup`")
    return Check("awscli", True, f"{md.version('awscli')} ({purpose})")


def _sdk_check() -> Check:
    """Either SDK line will do (the kit never replaces one with the other): import its resource classes.

    The line reads e.g. ``v2 (sagemaker 2.257.7, sagemaker-core 1.0.78)``."""
    from . import sdk
    from .errors import WorkshopError

    try:
        sdk.resources()
        return Check("sagemaker SDK", True, sdk.line())
    except WorkshopError as exc:
        return Check("sagemaker SDK", False, str(exc))
    except Exception as exc:  # noqa: BLE001 - an SDK that fails on import is a FAIL line, not a crash
        return Check("sagemaker SDK", False, f"{type(exc).__name__}: {exc}")


def _import_check(module: str, dist: str, purpose: str) -> Check:
    try:
        importlib.import_module(module)
        return Check(dist, True, f"{md.version(dist)} ({purpose})")
    except Exception as exc:  # noqa: BLE001 - any import failure is a FAIL line, not a crash
        return Check(dist, False, f"{type(exc).__name__}: {exc} -> run `make setup`")


def dependency_checks() -> list[Check]:
    """Import each dependency and report its installed version (or why it failed).

    The ``aws`` program runs in the background meanwhile: importing ``awscli`` into the kernel would
    put awscli's own botocore on the kernel's import path.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cli = {dist: pool.submit(_aws_cli_check, purpose) for _, dist, purpose in DEPENDENCIES if dist == "awscli"}
        imported = {dist: _sdk_check() if dist == "sagemaker SDK" else _import_check(module, dist, purpose)
                    for module, dist, purpose in DEPENDENCIES if dist not in cli}
        return [python_check(), *(cli[dist].result() if dist in cli else imported[dist] for _, dist, _ in DEPENDENCIES)]


def backend_check() -> Check:
    """Whether the chosen backend answers (local: the moto server; aws: STS)."""
    from . import aws, config
    from .errors import WorkshopError

    try:
        ident = aws.identity(aws.unconfirmed_session())
    except WorkshopError as exc:
        return Check("backend", False, str(exc))
    return Check("backend", True, f"{config.backend_mode()} (account {ident['Account']})")


def report(checks: list[Check]) -> bool:
    """Print every line; True if all passed."""
    for check in checks:
        print(check.line())
    return all(c.ok for c in checks)
