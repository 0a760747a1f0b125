"""Benchmarks, each figure measured side by side in one run: ratios, not lone absolute times.

1. The workshop (notebooks 00-08 through papermill) against its floor: as many notebooks that only
   import helpers and make one backend call (``workshop.py``). Plus ``import helpers`` (``footprint.py``).
2. Comparing a group of N versions behind the backend's per-request latency: the kit's versions
   DataFrame against the naive loop and the round-trip floor (``compare_versions.py``).
3. Registering versions one after another into one group, early against late blocks of 100, and
   restarting the backend with all of them (``registration.py``); S3 PutObject per block of 100 objects
   likewise, with the files one object write rewrites in an empty and in a full bucket (``s3_writes.py``).
4. The backend's own CPU per request (DescribeModelPackage, a Search page, S3 GetObject), no latency
   (``service_time.py``).
5. ``InvokeEndpoint`` latency (p50, p99) for 1 and 100 rows against its floor, and the memory a served model
   holds (``invoke_endpoint.py``).
6. The install footprint (size of .venv) and, with --with-tests, the test suite's wall time (``suite_time.py``).

Every benchmark runs in a backend of its own with its state on disk, as learners run it (``harness.py``);
the data they load is in ``fixtures.py``, the Markdown in ``report.py``.

Writes benchmarks/results/latest.json and latest.md. ``--quick`` uses tiny sizes (the tests run it) and
writes quick.json and quick.md instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from .compare_versions import bench_compare
from .footprint import import_time, venv_size
from .harness import REPO, machine
from .invoke_endpoint import bench_invoke
from .registration import bench_registration
from .report import markdown
from .s3_writes import bench_s3_writes
from .service_time import bench_service_time
from .suite_time import bench_tests
from .workshop import bench_workshop

RESULTS = REPO / "benchmarks" / "results"


def measure(tmp: Path, quick: bool) -> dict:
    """Every benchmark but the test suite's, in its own backend under ``tmp``."""
    result: dict = {"import_helpers_s": round(import_time(3 if quick else 7), 4)}
    if not quick:
        print("workshop vs floor ...", flush=True)
        result["workshop"] = bench_workshop(tmp)
    print("InvokeEndpoint against its floor ...", flush=True)
    result["invoke"] = bench_invoke(tmp, 10 if quick else 500, extra_models=1 if quick else 4)
    print("service time per request ...", flush=True)
    result["service_time"] = bench_service_time(tmp, 20 if quick else 200)
    sizes = [(20, 5.0), (40, 5.0)] if quick else [(100, 50.0), (1000, 50.0), (10000, 50.0)]
    result["compare"] = []
    for n, latency in sizes:
        print(f"compare {n} versions at {latency:g} ms ...", flush=True)
        # the largest size's naive loop (hours at 50 ms) is scaled from the one before, by request count
        base = result["compare"][-1] if n == sizes[-1][0] else None
        result["compare"].append(bench_compare(tmp, n, latency, naive_from=base))
    reg_sizes, s3_sizes = ([100, 300], [100, 300]) if quick else ([100, 1000, 10000], [100, 1000])
    print(f"register {reg_sizes[-1]} versions, then restart ...", flush=True)
    result["registration"] = bench_registration(tmp, reg_sizes)
    print(f"put {s3_sizes[-1]} S3 objects ...", flush=True)
    result["s3_writes"] = bench_s3_writes(tmp, s3_sizes)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no workshop run (a smoke test)")
    parser.add_argument("--with-tests", action="store_true", help="also time the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result: dict = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmp_name:
        result.update(measure(Path(tmp_name), args.quick))
    result["venv_mb"] = venv_size()
    if args.with_tests:
        print("test suite ...", flush=True)
        result["tests"] = bench_tests()
    args.out.mkdir(parents=True, exist_ok=True)
    name = "quick" if args.quick else "latest"
    (args.out / f"{name}.json").write_text(json.dumps(result, indent=2))
    (args.out / f"{name}.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
