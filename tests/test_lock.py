"""The locks (requirements/lock.txt, lock-test.txt) agree with pyproject.toml's tested ranges.

``make setup`` installs requirements/lock.txt and ``make setup-test`` requirements/lock-test.txt, exact
versions; pyproject.toml keeps the ranges (for pip users and environment.yml). ``make lock`` writes both
from the ranges. These tests fail when someone changes a range and not the lock (or the other way round):
every direct dependency of the locked extras is locked, at a version its range allows; the workshop's
lock is the test lock less the tests' tools, at the same versions; and the .venv the tests run in holds
what the test lock says.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
# lock -> the extras it holds besides the base dependencies (the Makefile's `make lock` compiles these)
LOCKS = {"requirements/lock.txt": ("sdk",), "requirements/lock-test.txt": ("sdk", "test")}
EXTRA_INPUT = REPO / "requirements" / "venv.in"  # what the locks hold besides pyproject.toml (the venv's pip)


def _locked(lock: str) -> dict[str, list[tuple[Version, Marker | None]]]:
    """name -> every (version, marker) line of the lock: one line, or one per marker where it forks."""
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for number, raw in enumerate((REPO / lock).read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{lock}:{number}: not one exact version: {raw}"
        pins.setdefault(canonicalize_name(req.name), []).append((Version(specs[0].version), req.marker))
    return pins


def _direct(extras: tuple[str, ...]) -> list[Requirement]:
    """pyproject.toml's base dependencies plus those of ``extras``, plus requirements/venv.in."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    reqs += [l.split("#", 1)[0].strip() for l in EXTRA_INPUT.read_text().splitlines()]
    return [Requirement(r) for r in reqs if r]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_direct_dependency_is_locked_within_its_range(lock):
    pins = _locked(lock)
    missing, outside = [], []
    for req in _direct(LOCKS[lock]):
        name = canonicalize_name(req.name)
        if name not in pins:
            missing.append(str(req))
            continue
        outside += [f"{req.name}=={version} (range {req.specifier})" for version, _ in pins[name]
                    if not req.specifier.contains(version, prereleases=True)]
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    assert not outside, f"{lock} holds versions outside pyproject.toml's ranges: {outside}; run `make lock`"


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_says_how_it_was_made(lock):
    head = (REPO / lock).read_text().splitlines()[:6]
    assert any("make lock" in line and "uv" in line for line in head), head
    compile_line = next(line for line in head if "uv pip compile pyproject.toml" in line)
    assert all(f"--extra {extra}" in compile_line for extra in LOCKS[lock]), compile_line
    assert "--universal" in compile_line and "--python-version 3.11" in compile_line, compile_line


def test_the_workshop_lock_is_the_test_lock_less_the_tests_tools():
    workshop, tests = _locked("requirements/lock.txt"), _locked("requirements/lock-test.txt")
    differ = {name: (pins, tests.get(name)) for name, pins in workshop.items() if tests.get(name) != pins}
    assert not differ, f"the workshop's and the tests' locks disagree (run `make lock`): {differ}"


def test_each_locked_package_has_one_version_here():
    """Where a lock forks by marker, exactly one line applies on this Python and platform."""
    for lock in LOCKS:
        for name, pins in _locked(lock).items():
            applies = [v for v, marker in pins if marker is None or marker.evaluate()]
            assert len(applies) <= 1, f"{lock}: {name} has {applies} for this Python"


@pytest.mark.skipif(Path(sys.prefix).resolve() != (REPO / ".venv").resolve(),
                    reason="checks the kit's own .venv (make setup-test), not another environment")
def test_the_venv_holds_the_test_lock():
    """What `make setup-test` installed is the test lock, version for version."""
    wrong = []
    for name, pins in _locked("requirements/lock-test.txt").items():
        for version, marker in pins:
            if marker is not None and not marker.evaluate():
                continue
            try:
                installed = metadata.version(name)
            except metadata.PackageNotFoundError:
                installed = None
            if installed is None or Version(installed) != version:
                wrong.append(f"{name}: locked {version}, installed {installed}")
    assert not wrong, f".venv is not the test lock (run `make setup-test`): {wrong}"
