"""A smoke run of the benchmark suite at tiny sizes, so `make bench` keeps working (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_quick_benchmark_runs_and_compares_the_same_rows(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "quick.json").read_text())
    compare, extrapolated = result["compare"]
    assert compare["versions"] == 20 and compare["same_rows"] is True
    assert compare["requests"] == {"kit": 21, "naive": 41}
    # the largest size's naive loop is scaled from the row before by request count, its rows still compared
    assert extrapolated["naive_extrapolated_from"] == 20 and extrapolated["same_rows"] is True
    assert extrapolated["naive_s"] == round(compare["naive_s"] * 81 / 41, 2)
    service = result["service_time"]["rows"]
    assert list(service) == ["DescribeModelPackage", "Search (page of 100)", "S3 GetObject (metrics file)"]
    assert all(r["client_wall_ms"] > 0 and r["server_cpu_ms"] >= 0 for r in service.values())
    assert result["import_helpers_s"] > 0
    registration, s3_writes = result["registration"], result["s3_writes"]
    assert registration["versions"] == 300 and registration["found_last"] is True
    assert list(registration["blocks"]) == list(registration["ratios"]) == ["1-100", "201-300"]
    assert registration["journal_bytes"] > 0 and {"restart_s", "restore_s"} <= set(registration)
    assert s3_writes["objects"] == 300
    assert list(s3_writes["blocks"]) == list(s3_writes["ratios"]) == ["1-100", "201-300"]
    markdown = (tmp_path / "quick.md").read_text()
    assert "| 20 | 5 ms |" in markdown
    assert "| versions registered | 201-300 |" in markdown and "| S3 writes per 100 objects | 1-100 |" in markdown
