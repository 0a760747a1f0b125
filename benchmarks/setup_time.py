"""`make setup` on fresh clones with empty caches: a revision's Makefile against this checkout's, in one run.

    python3 -m benchmarks.setup_time [--before REV] [--runs N] [--keep]

Clones this repository into a temporary folder once per variant: ``before``, the whole tree at ``REV``
(default HEAD), and ``after``, HEAD with this checkout's working-tree files copied over it (so uncommitted
edits are measured), run twice: with uv (fetched by the Makefile itself when uv is not on PATH) and with
``INSTALLER=pip`` (the fallback). Each runs ``make setup`` with empty caches (``UV_CACHE_DIR``,
``PIP_CACHE_DIR``, ``XDG_CACHE_HOME`` in empty folders, ``PIP_NO_CACHE_DIR=1``) and without any uv on
PATH, then reports the wall time and ``du -sm .venv`` (and of ``.venv-tools``, where uv lives). Needs the
package registry; uses only the standard library, so any Python 3.11 runs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, text=True)


def _megabytes(path: Path) -> int | None:
    if not path.exists():
        return None
    return int(_run("du", "-sm", str(path), cwd=path.parent).stdout.split()[0])


def _clone(dest: Path, before: str | None) -> None:
    """A clone of this repository at ``before``; with None, HEAD plus this checkout's working-tree files."""
    _run("git", "clone", "--quiet", str(REPO), str(dest), cwd=REPO)
    if before is not None:
        _run("git", "checkout", "--quiet", before, cwd=dest)
        return
    files = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).stdout
    for name in filter(None, files.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _environment(caches: Path) -> dict:
    """This process's environment with empty caches and no uv on PATH (so the Makefile fetches its own)."""
    env = dict(os.environ)
    for var in ("UV_CACHE_DIR", "PIP_CACHE_DIR", "XDG_CACHE_HOME"):
        env[var] = str(caches / var.lower())
    env["PIP_NO_CACHE_DIR"] = "1"
    env["PATH"] = os.pathsep.join(d for d in env.get("PATH", "").split(os.pathsep)
                                  if d and not os.access(os.path.join(d, "uv"), os.X_OK))
    env.pop("UV", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def measure(tmp: Path, name: str, before: str | None, make_args: list[str]) -> dict:
    clone = tmp / name
    _clone(clone, before)
    caches = tmp / f"{name}-caches"
    caches.mkdir()
    start = time.perf_counter()
    proc = subprocess.run(["make", "setup", *make_args], cwd=clone, env=_environment(caches),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"make setup failed in {name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    check = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", "import helpers, xgboost, moto, boto3"],
                           cwd=clone, capture_output=True, text=True)
    result = {"name": name, "seconds": seconds, "venv_mb": _megabytes(clone / ".venv"),
              "tools_mb": _megabytes(clone / ".venv-tools"), "imports": check.returncode == 0}
    shutil.rmtree(clone)
    shutil.rmtree(caches)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="HEAD", help="the revision whose Makefile is 'before' (default HEAD)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each variant, interleaved (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (clones are removed anyway)")
    args = parser.parse_args()
    variants = [(f"before ({args.before}, pip)", args.before, []), ("after (uv)", None, []),
                ("after (INSTALLER=pip)", None, ["INSTALLER=pip"])]
    tmp = Path(tempfile.mkdtemp(prefix="setup-time-"))
    results: dict[str, list[dict]] = {}
    try:
        for run in range(args.runs):
            for index, (label, before, make_args) in enumerate(variants):
                print(f"run {run + 1}: {label} ...", flush=True)
                results.setdefault(label, []).append(measure(tmp, f"v{index}-r{run}", before, make_args))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    base = statistics.median(r["seconds"] for r in results[variants[0][0]])
    print("\n| make setup, fresh clone, empty caches | seconds (median) | each run | vs before | .venv MB | "
          ".venv-tools MB | imports |")
    print("|---|--:|--:|--:|--:|--:|:-:|")
    for label, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        each = ", ".join(f"{r['seconds']:.1f}" for r in runs)
        last = runs[-1]
        print(f"| {label} | {seconds:.1f} | {each} | {seconds / base:.2f} | {last['venv_mb']} | {last['tools_mb'] or '-'} | "
              f"{'yes' if all(r['imports'] for r in runs) else 'NO'} |")


if __name__ == "__main__":
    main()
