"""The results as Markdown (``latest.md``): one section per benchmark, from the JSON the run wrote.

Reads results written before S3 objects were kept one file each too (no ``written_per_put`` in them).
"""

from __future__ import annotations

from .compare_versions import WORKERS


def _header(result: dict) -> list[str]:
    m = result["machine"]
    return ["# Benchmark results", "",
            f"Machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}, {m['platform']}.",
            f"Run: {result['when']} ({'quick' if result['quick'] else 'full'}). Every ratio compares figures from this run.", ""]


def _workshop(w: dict) -> list[str]:
    return ["## Workshop against its floor", "",
            "| notebooks | workshop | floor (import helpers + 1 call each) | ratio (goal <= 2.0) |", "|--:|--:|--:|--:|",
            f"| {len(w['notebooks'])} | {w['workshop_s']} s | {w['floor_s']} s | {w['ratio']} |", "",
            "| notebook | seconds |", "|---|--:|", *[f"| {k} | {v} |" for k, v in w["notebooks"].items()], "",
            "Both sides through the same runner (papermill, a new kernel per notebook, stopped at once after "
            "its last cell), against one backend with state on disk, after one untimed floor notebook (the "
            "runner's own imports and the kernel spec lookup are paid by neither side).", ""]


def _compare(rows: list[dict]) -> list[str]:
    lines = ["## Comparing N versions behind per-request latency", "",
             "| versions | latency | kit | naive loop | floor | kit vs naive (goal >= 20x) | kit / floor (goal: 1,000 <= 1.5, 10,000 <= 2.0) | same rows |",
             "|--:|--:|--:|--:|--:|--:|--:|:-:|"]
    for c in rows:
        lines.append(f"| {c['versions']} | {c['latency_ms']:g} ms | {c['kit_s']} s | {c['naive_s']} s | {c['floor_s']} s | "
                     f"{c['speedup_vs_naive']}x | {c['kit_vs_floor']} | {'yes' if c['same_rows'] else 'NO'} |")
    extrapolated = [c for c in rows if c.get("naive_extrapolated_from")]
    if extrapolated:
        lines += ["", *[f"Naive loop at {c['versions']:,} versions: extrapolated from the {c['naive_extrapolated_from']:,}-version "
                        "row by request count (its rows were checked without latency)." for c in extrapolated]]
    return lines + ["", f"Floor: the fewest requests the API allows (one Search per 100 versions plus one get per metrics "
                    f"file), {WORKERS} at a time, each taking the injected latency. Clients (and pandas) are loaded before timing.", ""]


def _service_time(service: dict) -> list[str]:
    return ["## Service time per request (no injected latency)", "",
            "| request | backend CPU per request | client wall per request |", "|---|--:|--:|",
            *[f"| {k} | {v['server_cpu_ms']} ms | {v['client_wall_ms']} ms |" for k, v in service["rows"].items()], "",
            f"{service['requests_each']} sequential requests of each kind against a backend with state on disk; "
            "backend CPU from `/proc/<pid>/stat` (user + system) before and after.", ""]


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def _s3_written(s3w: dict) -> str:
    per_put = s3w.get("written_per_put")
    if not per_put:  # results from before the files one write rewrites were measured
        return (f"`moto-s3.pickle` (buckets' metadata only, each object is in a file of its own) with "
                f"{s3w['objects']:,} objects in the bucket: {s3w['snapshot_bytes'] / 2**20:.1f} MB.")
    empty, full = per_put["empty_bucket"], per_put["full_bucket"]
    files = ", ".join(f"`{name}` {_kb(size)}" for name, size in full["files"].items())
    growth = (full["bytes"] - empty["bytes"]) / (full["objects"] - 1)
    return (f"One S3 object write rewrites {len(empty['files'])} files, {_kb(empty['bytes'])}, into an empty bucket "
            f"and {len(full['files'])} files, {_kb(full['bytes'])}, with {full['objects']:,} objects in it ({files}): "
            + (f"{growth:.0f} bytes more per object already in the bucket." if growth >= 1 else "the same."))


def _writes(reg: dict, s3w: dict) -> list[str]:
    lines = ["## Writes one after another", "",
             "| what | block | seconds per 100 | vs first block (goal <= 1.5x) |", "|---|--:|--:|--:|"]
    for what, r in (("versions registered", reg), ("S3 writes per 100 objects", s3w)):
        lines += [f"| {what} | {'-'.join(f'{int(x):,}' for x in k.split('-'))} | {v} s | {r['ratios'][k]}x |"
                  for k, v in r["blocks"].items()]
    return lines + ["", f"Restart with {reg['versions']:,} versions: {reg['restart_s']} s wall (stop, then start until it "
                    f"answers), of which restoring state {reg['restore_s']} s; version {reg['versions']:,} "
                    f"{'found' if reg['found_last'] else 'NOT FOUND'} after it. `registry.journal`: "
                    f"{reg['journal_bytes'] / 2**20:.1f} MB. {_s3_written(s3w)}", "",
                    "Method: state on disk, as learners run it; each block timed side by side in this run "
                    "(`time.perf_counter` around 100 sequential boto3 calls).", ""]


def _tests(tests: dict) -> list[str]:
    lines = ["## Test time", "", "| run | wall | goal | result |", "|---|--:|--:|---|"]
    for key, name, goal in (("all", "`make test`", "< 360 s"), ("fast", "`make test-fast`", "< 60 s")):
        t = tests[key]
        lines.append(f"| {name} | {t['wall_s']} s | {goal} | {t['summary'] if t['passed'] else 'FAILED: ' + t['summary']} |")
    for key, name in (("all", "make test"), ("fast", "make test-fast")):
        lines += ["", f"Slowest in {name}:", "", *[f"- `{line}`" for line in tests[key]["slowest"]]]
    return lines + [""]


def _invoke(inv: dict) -> list[str]:
    lines = ["## InvokeEndpoint against its floor", "",
             "| rows | floor p50 / p99 | endpoint, HTTP p50 / p99 | endpoint, boto3 p50 / p99 | HTTP / floor (goal <= 1.5) | boto3 / floor |",
             "|---|--:|--:|--:|--:|--:|"]
    for name, row in inv["rows"].items():
        cells = [f"{row[k]['p50_ms']} / {row[k]['p99_ms']} ms" for k in ("floor", "endpoint (HTTP)", "endpoint (boto3)")]
        lines.append(f"| {name} | {' | '.join(cells)} | {row['ratio_p50_http']} | {row['ratio_p50_boto3']} |")
    mem = inv["memory"]
    return lines + ["", f"{inv['requests_each']} requests of each kind, alternating. Floor: one HTTP round trip to the "
                    "backend (a POST of the same body, kept-alive connection) plus xgboost predicting the same rows "
                    "in-process (one thread, as the container). boto3 adds the client's signing and parsing.", "",
                    f"Memory: {mem['models_loaded']} models loaded, {_kb(mem['model_bytes'])} of model each; the "
                    f"backend's resident set grows {mem['rss_kib_per_extra_model']} KiB per extra served model.", ""]


def markdown(result: dict) -> str:
    lines = _header(result)
    if result.get("workshop"):
        lines += _workshop(result["workshop"])
    lines += [f"`import helpers`: {result['import_helpers_s'] * 1000:.0f} ms (goal < 300 ms).", ""]
    lines += _compare(result["compare"])
    if result.get("service_time"):
        lines += _service_time(result["service_time"])
    if result.get("invoke"):
        lines += _invoke(result["invoke"])
    if result.get("registration") and result.get("s3_writes"):
        lines += _writes(result["registration"], result["s3_writes"])
    if result.get("venv_mb") is not None:
        lines += [f"`.venv` size: {result['venv_mb']} MB, with the test tools that `make bench` installs "
                  "(the goal, <= 900 MB, is for the workshop's own `.venv` after `make workshop` on a fresh clone).", ""]
    if result.get("tests"):
        lines += _tests(result["tests"])
    return "\n".join(lines)
