"""The environment check that notebook 00 runs first: one ``[OK]``/``[FAIL]`` line per requirement."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import sys
from dataclasses import dataclass

from ..errors import WorkshopError

# (import name, distribution name, what it is for)
DEPENDENCIES = [
    ("boto3", "boto3", "AWS SDK for Python"),
    ("awscli", "awscli", "the `aws` command line"),
    ("helpers.setup.sdk", "sagemaker SDK", "SageMaker Python SDK"),  # v3 or v2, whichever is installed
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

    from ..kit.aws_cli import aws_executable

    try:
        proc = subprocess.run([aws_executable(), "--version"], capture_output=True, text=True, timeout=120)
    except WorkshopError as exc:
        return Check("awscli", False, str(exc))
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return Check("awscli", False, f"{last} -> run `make setup`")
    return Check("awscli", True, f"{md.version('awscli')} ({purpose})")


def _sdk_check() -> Check:
    """Either SDK line will do (the kit never replaces one with the other): find its package, do not import it.

    The line reads e.g. ``v2 (sagemaker 2.257.7, sagemaker-core 1.0.78)``."""
    from . import sdk

    try:
        line = sdk.line()
    except WorkshopError as exc:
        return Check("sagemaker SDK", False, str(exc))
    package = sdk.package(line)
    if importlib.util.find_spec(package) is None:
        return Check("sagemaker SDK", False, f"{line} is recorded as installed but its package `{package}` is not "
                                             "on this kernel's path -> run `make setup`, then restart the kernel")
    return Check("sagemaker SDK", True, line)


def tested_ranges() -> dict[str, str]:
    """The kit's own version range of each dependency (from its installed metadata), e.g. ``{"pandas": "<4,>=3.0"}``.

    Empty when the kit is not installed as a package (the checks then report versions without ranges)."""
    from packaging.requirements import Requirement

    try:
        required = md.requires("model-registry-workshop") or []
    except md.PackageNotFoundError:
        return {}
    ranges = {}
    for text in required:
        req = Requirement(text)
        if req.marker is None:  # the base dependencies, not the extras
            ranges[req.name.lower()] = str(req.specifier)
    return ranges


def _package_check(module: str, dist: str, purpose: str, ranges: dict[str, str]) -> Check:
    """Found on the path, at a version inside the kit's tested range: read from metadata, nothing imported."""
    from packaging.specifiers import SpecifierSet

    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        return Check(dist, False, "not installed -> run `make setup` (or `pip install -e .` in the kit)")
    if importlib.util.find_spec(module) is None:
        return Check(dist, False, f"{version} is recorded as installed but `{module}` is not on this kernel's "
                                  "path -> run `make setup`, then restart the kernel")
    tested = ranges.get(dist.lower())
    if tested and version not in SpecifierSet(tested):
        return Check(dist, False, f"{version} is outside the kit's tested range {tested} -> run `make setup` "
                                  "(or `pip install -e .` in the kit), then restart the kernel")
    return Check(dist, True, f"{version} ({purpose})")


def dependency_checks() -> list[Check]:
    """Find each dependency and report its installed version against the kit's tested range (or why it failed).

    Nothing is imported: finding a package and reading its version from metadata takes milliseconds, while
    importing them all took seconds (the SDK alone over one). Each notebook imports what it uses, and an
    import failure there names the package. The ``aws`` program is run (``aws --version``) in the
    background meanwhile: it is a program of its own, and importing ``awscli`` into the kernel would put
    awscli's own botocore on the kernel's import path.
    """
    from concurrent.futures import ThreadPoolExecutor

    ranges = tested_ranges()
    with ThreadPoolExecutor(max_workers=1) as pool:
        cli = {dist: pool.submit(_aws_cli_check, purpose) for _, dist, purpose in DEPENDENCIES if dist == "awscli"}
        found = {dist: _sdk_check() if dist == "sagemaker SDK" else _package_check(module, dist, purpose, ranges)
                 for module, dist, purpose in DEPENDENCIES if dist not in cli}
        return [python_check(), *(cli[dist].result() if dist in cli else found[dist] for _, dist, _ in DEPENDENCIES)]


def backend_check() -> Check:
    """Whether the chosen backend answers (local: the moto server; aws: STS)."""
    from .. import aws, config

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
