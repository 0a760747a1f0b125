"""Benchmarks, each figure measured side by side in one run: ratios, not lone absolute times.

1. The workshop (notebooks 00-08 through papermill) against its floor: as many notebooks that only
   import helpers and make one backend call. Plus each notebook's time and ``import helpers``.
2. Comparing a group of N versions behind the backend's per-request latency: the kit's versions
   DataFrame against the naive loop (list, then describe each version and get each metrics file in
   sequence) and against the round-trip floor (fewest requests the API allows / concurrency used).
3. Registering versions one after another into one group (per block of 100, early against late blocks) and
   restarting the backend with all of them; S3 PutObject per block of 100 objects likewise (moto saves S3
   as one snapshot, so this shows whether writes grow with the bucket).
4. The backend's own CPU per request (DescribeModelPackage, a Search page, S3 GetObject), no latency.
5. The install footprint (size of .venv) and, with --with-tests, the test suite's wall time.

Every backend keeps its state on disk, as learners run it.

Writes benchmarks/results/latest.json and latest.md. ``--quick`` uses tiny sizes (the tests run it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
WORKERS = 32
BLOCK = 100
SPEC = {"Containers": [{"Image": "example/image:1", "ModelDataUrl": "s3://bench-bucket/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def own_backend(tmp: Path, **kwargs):
    from helpers import backend

    os.environ["WORKSHOP_STATE_DIR"] = str(tmp / "state")
    return backend.start(port=0, **kwargs)


def import_time(repeats: int = 5) -> float:
    """Median cumulative time of ``import helpers`` in a fresh interpreter, from ``python -X importtime``.

    Python's own import timer, not wall clocks of two processes: the import takes milliseconds, less
    than the noise between two interpreter starts on a busy machine.
    """
    times = []
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import helpers"], check=True, cwd=REPO,
                              capture_output=True, text=True)
        line = next(l for l in proc.stderr.splitlines() if l.rstrip().endswith("| helpers"))
        times.append(int(line.split("|")[1]) / 1e6)  # the cumulative column, in microseconds
    return statistics.median(times)


def floor_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import helpers\nhelpers.client('sts').get_caller_identity()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def bench_workshop(tmp: Path) -> dict:
    from helpers import backend, notebook_runner

    own_backend(tmp / "workshop")
    try:
        floor_dir = tmp / "floor"
        floor_dir.mkdir()
        # One untimed floor notebook first, so that neither side pays the one-off costs of the first run in
        # this process (importing papermill and nbclient, finding the kernel spec, a cold file cache).
        floor_notebook(floor_dir / "warm-up.ipynb")
        notebook_runner.run_notebook(floor_dir / "warm-up.ipynb", tmp / "floor-out")
        runs = notebook_runner.run_workshop(output_dir=tmp / "out")
        floor = []
        for i in range(len(runs)):
            path = floor_dir / f"{i:02d}_floor.ipynb"
            floor_notebook(path)
            floor.append(notebook_runner.run_notebook(path, tmp / "floor-out").seconds)
    finally:
        backend.stop()
    total, floor_total = sum(r.seconds for r in runs), sum(floor)
    return {
        "notebooks": {r.name: round(r.seconds, 2) for r in runs},
        "workshop_s": round(total, 2),
        "floor_s": round(floor_total, 2),
        "ratio": round(total / floor_total, 2),
        "slowest": max(runs, key=lambda r: r.seconds).name,
    }


def put_metrics(s3, i: int) -> None:
    doc = {"binary_classification_metrics": {m: {"value": round(0.9 + (i % 97) / 1000, 4), "standard_deviation": 0.01}
                                              for m in ("accuracy", "precision", "recall", "f1", "auc")}}
    s3.put_object(Bucket="bench-bucket", Key=f"metrics/{i}.json", Body=json.dumps(doc).encode())


def register(sm, group: str, i: int) -> None:
    sm.create_model_package(
        ModelPackageGroupName=group, InferenceSpecification=SPEC, ModelApprovalStatus="PendingManualApproval",
        ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                      "S3Uri": f"s3://bench-bucket/metrics/{i}.json"}}},
        CustomerMetadataProperties={"model_name": f"m{i}"},
    )


def make_versions(n: int) -> None:
    """``n`` versions in group ``bench``, each with a model-quality JSON in S3 (no latency yet)."""
    from helpers import aws, bucket_and_role

    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    bucket_and_role.ensure_bucket(s3, "bench-bucket", "us-east-1")
    sm.create_model_package_group(ModelPackageGroupName="bench")
    for i in range(1, n + 1):
        put_metrics(s3, i)
        register(sm, "bench", i)


def naive_requests(n: int) -> int:
    """The naive loop's requests for ``n`` versions: the listing's pages, then a describe and a get per version."""
    return math.ceil(n / 100) + 2 * n


def naive(session) -> list[tuple]:
    from helpers import registry

    sm, s3 = session.client("sagemaker"), session.client("s3")
    rows = []
    for summary in registry.list_versions(sm, "bench"):
        desc = sm.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        stats = registry.read_s3_json(s3, desc["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
        rows.append((desc["ModelPackageVersion"], desc["ModelApprovalStatus"], registry.metric_value(stats, "accuracy")))
    return rows


def _server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the backend process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_service_time(tmp: Path, n: int) -> dict:
    """The backend's own CPU per request, no injected latency: DescribeModelPackage, a Search page, S3 GetObject.

    ``n`` sequential requests of each kind; the backend process's CPU time (``/proc/<pid>/stat``) before
    and after, divided by ``n``. The client's wall time per request is beside it (client CPU + server + loopback).
    """
    from helpers import aws, backend, registry

    status = own_backend(tmp / "service-time")
    try:
        make_versions(min(n, 200))
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        arns = [v["ModelPackageArn"] for v in registry.list_versions(sm, "bench")]
        expression = {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": "bench"}]}
        calls = {
            "DescribeModelPackage": lambda i: sm.describe_model_package(ModelPackageName=arns[i % len(arns)]),
            "Search (page of 100)": lambda i: sm.search(Resource="ModelPackage", SearchExpression=expression, MaxResults=100),
            "S3 GetObject (metrics file)": lambda i: s3.get_object(Bucket="bench-bucket", Key=f"metrics/{i % len(arns) + 1}.json")["Body"].read(),
        }
        rows = {}
        for name, call in calls.items():
            call(0)  # warm: first-use imports and caches on both sides
            cpu, start = _server_cpu_s(status.pid), time.perf_counter()
            for i in range(n):
                call(i)
            wall, cpu = time.perf_counter() - start, _server_cpu_s(status.pid) - cpu
            rows[name] = {"server_cpu_ms": round(cpu / n * 1000, 2), "client_wall_ms": round(wall / n * 1000, 2)}
    finally:
        backend.stop()
    return {"requests_each": n, "rows": rows}


def bench_compare(tmp: Path, n: int, latency_ms: float, naive_from: dict | None = None) -> dict:
    from helpers import aws, backend, compare

    own_backend(tmp / f"compare-{n}")
    try:
        make_versions(n)
        backend.set_faults(latency_ms=latency_ms)
        session = aws.session()
        # Clients are built once per notebook session (~0.1-0.3 s each): build them before timing, so that
        # both sides are measured on their requests alone.
        from botocore.config import Config

        import pandas  # noqa: F401 - the DataFrame's import, also once per notebook session

        session.client("sagemaker"), session.client("s3")
        session.client("s3", config=Config(max_pool_connections=max(WORKERS, 10)))
        start = time.perf_counter()
        frame = compare.versions_frame(session, "bench", max_workers=WORKERS, progress=False)
        kit = time.perf_counter() - start
        kit_rows = [(v, r["approval"], r["accuracy"]) for v, r in frame.iterrows()]
        if naive_from is None:
            start = time.perf_counter()
            slow_rows = naive(session)
            slow = time.perf_counter() - start
        else:  # too long to wait for at this latency: the rows without latency, the time scaled by requests
            backend.set_faults(latency_ms=0)
            slow_rows = naive(session)
            slow = naive_from["naive_s"] * naive_requests(n) / naive_from["requests"]["naive"]
    finally:
        backend.stop()
    pages = math.ceil(n / 100)
    floor = latency_ms / 1000 * math.ceil((pages + n) / WORKERS)  # every request, WORKERS at a time
    return {
        "versions": n, "latency_ms": latency_ms, "kit_s": round(kit, 2), "naive_s": round(slow, 2),
        "floor_s": round(floor, 2), "speedup_vs_naive": round(slow / kit, 1), "kit_vs_floor": round(kit / floor, 2),
        "same_rows": kit_rows == slow_rows,
        "requests": {"kit": pages + n, "naive": naive_requests(n)},
        "naive_extrapolated_from": naive_from["versions"] if naive_from else None,
    }


def timed_blocks(one, reported: list[int]) -> dict:
    """Call ``one(i)`` for i = 1 .. max(reported); seconds of each block of BLOCK calls that ends at a reported count,
    and each block's ratio to the first reported one."""
    blocks = {}
    for end in range(BLOCK, max(reported) + 1, BLOCK):
        start = time.perf_counter()
        for i in range(end - BLOCK + 1, end + 1):
            one(i)
        if end in reported:
            blocks[f"{end - BLOCK + 1}-{end}"] = time.perf_counter() - start
    first = next(iter(blocks.values()))
    return {"blocks": {k: round(v, 3) for k, v in blocks.items()},
            "ratios": {k: round(v / first, 2) for k, v in blocks.items()}}


def bench_registration(tmp: Path, sizes: list[int]) -> dict:
    """Versions registered one after another into group ``reg`` (no S3 puts), then a restart with all of them."""
    import boto3

    from helpers import aws, backend, config

    own_backend(tmp / "registration")
    sdir, n = config.state_dir(), max(sizes)
    try:
        sm = aws.client("sagemaker")
        sm.create_model_package_group(ModelPackageGroupName="reg")
        result = {"versions": n, **timed_blocks(lambda i: register(sm, "reg", i), sizes)}
        result["journal_bytes"] = (sdir / "registry.journal").stat().st_size
        backend.stop()
        start = time.perf_counter()
        backend.start(port=0)
        result["restart_s"] = round(time.perf_counter() - start, 3)
        result["restore_s"] = round(json.loads((sdir / "backend.json").read_text())["restore_seconds"], 3)
        fresh = boto3.client("sagemaker", endpoint_url=backend.endpoint(), region_name="us-east-1",
                             aws_access_key_id="testing", aws_secret_access_key="testing")
        desc = fresh.describe_model_package(ModelPackageName=f"reg/{n}")
        result["found_last"] = desc["ModelPackageVersion"] == n
    finally:
        backend.stop()
    return result


def bench_s3_writes(tmp: Path, sizes: list[int]) -> dict:
    """S3 PutObject of small JSON files (as make_versions' metrics files) into one bucket, per block of 100."""
    from helpers import aws, backend, config, bucket_and_role

    own_backend(tmp / "s3-writes")
    try:
        s3 = aws.client("s3")
        bucket_and_role.ensure_bucket(s3, "bench-bucket", "us-east-1")
        result = {"objects": max(sizes), **timed_blocks(lambda i: put_metrics(s3, i), sizes)}
        result["snapshot_bytes"] = (config.state_dir() / "moto-s3.pickle").stat().st_size
    finally:
        backend.stop()
    return result


def venv_size() -> int | None:
    venv = REPO / ".venv"
    if not venv.exists():
        return None
    out = subprocess.run(["du", "-sm", str(venv)], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else None


def _timed_make(target: str) -> dict:
    """Wall time of ``make TARGET`` (the command a developer runs), with pytest's slowest tests."""
    start = time.perf_counter()
    proc = subprocess.run(["make", "-s", target, "PYTEST_ARGS=-q -p no:cacheprovider --durations=8"],
                          cwd=REPO, capture_output=True, text=True)
    took = time.perf_counter() - start
    slowest = [line.strip() for line in proc.stdout.splitlines() if "s call " in line or "s setup " in line][:8]
    summary = next((line.strip("= ") for line in reversed(proc.stdout.splitlines()) if " passed" in line or " failed" in line), "")
    return {"wall_s": round(took, 1), "passed": proc.returncode == 0, "summary": summary, "slowest": slowest}


def bench_tests() -> dict:
    """``make test`` (every test) and ``make test-fast`` (the quick loop), each with its slowest tests."""
    return {"fast": _timed_make("test-fast"), "all": _timed_make("test")}


def markdown(result: dict) -> str:
    m, w = result["machine"], result.get("workshop")
    lines = ["# Benchmark results", "",
             f"Machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, {m['platform']}.",
             f"Run: {result['when']} ({'quick' if result['quick'] else 'full'}). Every ratio compares figures from this run.", ""]
    if w:
        lines += ["## Workshop against its floor", "",
                  "| notebooks | workshop | floor (import helpers + 1 call each) | ratio (goal <= 2.0) |", "|--:|--:|--:|--:|",
                  f"| {len(w['notebooks'])} | {w['workshop_s']} s | {w['floor_s']} s | {w['ratio']} |", "",
                  "| notebook | seconds |", "|---|--:|", *[f"| {k} | {v} |" for k, v in w["notebooks"].items()], "",
                  "Both sides through the same runner (papermill, a new kernel per notebook, stopped at once after "
                  "its last cell), against one backend with state on disk, after one untimed floor notebook (the "
                  "runner's own imports and the kernel spec lookup are paid by neither side).", ""]
    lines += [f"`import helpers`: {result['import_helpers_s'] * 1000:.0f} ms (goal < 300 ms).", ""]
    lines += ["## Comparing N versions behind per-request latency", "",
              "| versions | latency | kit | naive loop | floor | kit vs naive (goal >= 20x) | kit / floor (goal: 1,000 <= 1.5, 10,000 <= 2.0) | same rows |",
              "|--:|--:|--:|--:|--:|--:|--:|:-:|"]
    for c in result["compare"]:
        lines.append(f"| {c['versions']} | {c['latency_ms']:g} ms | {c['kit_s']} s | {c['naive_s']} s | {c['floor_s']} s | "
                     f"{c['speedup_vs_naive']}x | {c['kit_vs_floor']} | {'yes' if c['same_rows'] else 'NO'} |")
    extrapolated = [c for c in result["compare"] if c.get("naive_extrapolated_from")]
    if extrapolated:
        lines += ["", *[f"Naive loop at {c['versions']:,} versions: extrapolated from the {c['naive_extrapolated_from']:,}-version "
                        "row by request count (its rows were checked without latency)." for c in extrapolated]]
    lines += ["", f"Floor: the fewest requests the API allows (one Search per 100 versions plus one get per metrics "
              f"file), {WORKERS} at a time, each taking the injected latency. Clients (and pandas) are loaded before timing.", ""]
    service = result.get("service_time")
    if service:
        lines += ["## Service time per request (no injected latency)", "",
                  "| request | backend CPU per request | client wall per request |", "|---|--:|--:|",
                  *[f"| {k} | {v['server_cpu_ms']} ms | {v['client_wall_ms']} ms |" for k, v in service["rows"].items()], "",
                  f"{service['requests_each']} sequential requests of each kind against a backend with state on disk; "
                  "backend CPU from `/proc/<pid>/stat` (user + system) before and after.", ""]
    reg, s3w = result.get("registration"), result.get("s3_writes")
    if reg and s3w:
        lines += ["## Writes one after another", "",
                  "| what | block | seconds per 100 | vs first block (goal <= 1.5x) |", "|---|--:|--:|--:|"]
        for what, r in (("versions registered", reg), ("S3 writes per 100 objects", s3w)):
            lines += [f"| {what} | {'-'.join(f'{int(x):,}' for x in k.split('-'))} | {v} s | {r['ratios'][k]}x |"
                      for k, v in r["blocks"].items()]
        lines += ["", f"Restart with {reg['versions']:,} versions: {reg['restart_s']} s wall (stop, then start until it "
                  f"answers), of which restoring state {reg['restore_s']} s; version {reg['versions']:,} "
                  f"{'found' if reg['found_last'] else 'NOT FOUND'} after it. `registry.journal`: "
                  f"{reg['journal_bytes'] / 2**20:.1f} MB; `moto-s3.pickle` with {s3w['objects']:,} objects: "
                  f"{s3w['snapshot_bytes'] / 2**20:.1f} MB.", "",
                  "Method: state on disk, as learners run it; each block timed side by side in this run "
                  "(`time.perf_counter` around 100 sequential boto3 calls).", ""]
    if result.get("venv_mb") is not None:
        lines += [f"`.venv` size: {result['venv_mb']} MB, with the test tools that `make bench` installs "
                  "(the goal, <= 900 MB, is for the workshop's own `.venv` after `make workshop` on a fresh clone).", ""]
    tests = result.get("tests")
    if tests:
        lines += ["## Test time", "", "| run | wall | goal | result |", "|---|--:|--:|---|"]
        for key, name, goal in (("all", "`make test`", "< 360 s"),
                                ("fast", "`make test-fast`", "< 60 s")):
            t = tests[key]
            lines.append(f"| {name} | {t['wall_s']} s | {goal} | {t['summary'] if t['passed'] else 'FAILED: ' + t['summary']} |")
        for key, name in (("all", "make test"), ("fast", "make test-fast")):
            lines += ["", f"Slowest in {name}:", "", *[f"- `{line}`" for line in tests[key]["slowest"]]]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no workshop run (a smoke test)")
    parser.add_argument("--with-tests", action="store_true", help="also time the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result: dict = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmp_name:
        tmp = Path(tmp_name)
        result["import_helpers_s"] = round(import_time(3 if args.quick else 7), 4)
        if not args.quick:
            print("workshop vs floor ...", flush=True)
            result["workshop"] = bench_workshop(tmp)
        print("service time per request ...", flush=True)
        result["service_time"] = bench_service_time(tmp, 20 if args.quick else 200)
        sizes = [(20, 5.0), (40, 5.0)] if args.quick else [(100, 50.0), (1000, 50.0), (10000, 50.0)]
        result["compare"] = []
        for n, latency in sizes:
            print(f"compare {n} versions at {latency:g} ms ...", flush=True)
            # the largest size's naive loop (hours at 50 ms) is scaled from the one before, by request count
            base = result["compare"][-1] if n == sizes[-1][0] else None
            result["compare"].append(bench_compare(tmp, n, latency, naive_from=base))
        reg_sizes, s3_sizes = ([100, 300], [100, 300]) if args.quick else ([100, 1000, 10000], [100, 1000])
        print(f"register {reg_sizes[-1]} versions, then restart ...", flush=True)
        result["registration"] = bench_registration(tmp, reg_sizes)
        print(f"put {s3_sizes[-1]} S3 objects ...", flush=True)
        result["s3_writes"] = bench_s3_writes(tmp, s3_sizes)
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
