"""A smoke run of the benchmark suite at tiny sizes, so `make bench` keeps working (no timing asserted),
and the harness every benchmark runs in: its backend leaves ``os.environ`` as it found it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.harness import own_backend
from helpers import aws
from helpers.kit import backend

REPO = Path(__file__).resolve().parent.parent


class Boom(Exception):
    pass


@pytest.fixture
def fake_backend(monkeypatch):
    """backend.start/stop recorded instead of run: which state dir each one saw."""
    calls = []
    monkeypatch.setattr(backend, "start", lambda **kw: calls.append(("start", os.environ["WORKSHOP_STATE_DIR"])))
    monkeypatch.setattr(backend, "stop", lambda **kw: calls.append(("stop", os.environ["WORKSHOP_STATE_DIR"])))
    return calls


@pytest.mark.parametrize("raises", [False, True])
def test_the_harness_puts_the_environment_back_exactly(tmp_path, fake_backend, monkeypatch, raises):
    monkeypatch.setenv("BENCH_TEST_KEPT", "before")
    before = dict(os.environ)
    try:
        with own_backend(tmp_path / "state"):
            os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"  # as helpers.aws.session() exports
            os.environ["BENCH_TEST_KEPT"] = "changed"
            del os.environ["WORKSHOP_BACKEND"]
            if raises:
                raise Boom
    except Boom:
        assert raises
    assert dict(os.environ) == before
    assert fake_backend == [("start", str(tmp_path / "state")), ("stop", str(tmp_path / "state"))]


@pytest.mark.slow
def test_a_real_backend_is_stopped_and_its_environment_gone_when_the_block_raises(tmp_path):
    before = dict(os.environ)
    with pytest.raises(Boom), own_backend(tmp_path / "state") as status:
        assert aws.client("sts").get_caller_identity()["Account"]
        assert os.environ["AWS_ENDPOINT_URL"] == status.endpoint != before.get("AWS_ENDPOINT_URL")
        raise Boom
    assert dict(os.environ) == before
    os.environ["WORKSHOP_STATE_DIR"] = str(tmp_path / "state")
    try:
        assert not backend.status().running
    finally:
        os.environ.clear()
        os.environ.update(before)


@pytest.mark.slow
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
    invoke = result["invoke"]
    assert list(invoke["rows"]) == ["1 row", "100 rows"]
    assert all(row[kind]["p50_ms"] > 0 for row in invoke["rows"].values() for kind in ("floor", "endpoint (HTTP)"))
    assert invoke["memory"]["models_loaded"] == 2 and invoke["memory"]["model_bytes"] > 10_000
    markdown = (tmp_path / "quick.md").read_text()
    assert "| 20 | 5 ms |" in markdown and "## InvokeEndpoint against its floor" in markdown
    assert "| versions registered | 201-300 |" in markdown and "| S3 writes per 100 objects | 1-100 |" in markdown
