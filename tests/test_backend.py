"""The local backend process (helpers.kit.backend and ``python -m helpers backend``): start/stop/status/reset,
loopback only, found without exports, and one sentence when it is not running."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import aws
from helpers.kit import backend
from helpers.errors import BackendNotRunning
from support import REPO


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        capture_output=True, text=True, cwd=REPO, env=env or dict(os.environ), timeout=120,
    )


def test_status_json_reports_the_running_endpoint(local_backend):
    out = cli("backend", "status", "--json")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["running"] is True
    assert status["endpoint"] == local_backend.endpoint
    assert status["endpoint"].startswith("http://127.0.0.1:")


def test_start_is_idempotent(local_backend):
    out = cli("backend", "start")
    assert out.returncode == 0, out.stderr
    assert f"already running at {local_backend.endpoint}" in out.stdout
    assert backend.status().pid == local_backend.pid


def test_binds_to_loopback_only(local_backend):
    # The tests' network guard refuses non-loopback connections; this probe needs the real one.
    connect = getattr(socket, "workshop_unguarded_connect", socket.socket.connect)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        connect(probe, ("192.0.2.1", 9))  # no packet is sent; this finds a non-loopback address
        other_ip = probe.getsockname()[0]
    if other_ip.startswith("127."):
        pytest.skip("this machine has no non-loopback address to try")
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.settimeout(2)
        connect(sock, (other_ip, local_backend.port))  # this machine's own address: never leaves it


def test_reset_empties_the_registry(clean_backend):
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="to-be-reset")
    assert len(sm.list_model_package_groups()["ModelPackageGroupSummaryList"]) == 1
    out = cli("backend", "reset")
    assert out.returncode == 0, out.stderr
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []


def test_aws_cli_reaches_the_backend_with_the_printed_env(clean_backend):
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="cli-visible")
    printed = cli("backend", "env")
    assert printed.returncode == 0, printed.stderr
    assert f"export AWS_ENDPOINT_URL={clean_backend.endpoint}" in printed.stdout
    script = printed.stdout + "\naws sagemaker list-model-package-groups --output json\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    names = [g["ModelPackageGroupName"] for g in json.loads(out.stdout)["ModelPackageGroupSummaryList"]]
    assert names == ["cli-visible"]


def test_stop_then_start_in_another_state_dir(tmp_path, local_backend):
    """A second backend with its own state dir and port: what keeps tests off the learner's one."""
    env = dict(os.environ, WORKSHOP_STATE_DIR=str(tmp_path))
    started = cli("backend", "start", "--port", "0", env=env)
    assert started.returncode == 0, started.stderr
    try:
        status = json.loads(cli("backend", "status", "--json", env=env).stdout)
        assert status["running"] and status["endpoint"] != local_backend.endpoint
    finally:
        stopped = cli("backend", "stop", env=env)
    assert "local backend stopped" in stopped.stdout
    after = cli("backend", "status", "--json", env=env)
    assert after.returncode == 3 and json.loads(after.stdout)["running"] is False
    assert backend.status().running, "stopping the other backend must leave ours running"


def test_not_running_gives_one_sentence_saying_how_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path))
    with pytest.raises(BackendNotRunning) as err:
        aws.client("sagemaker")
    assert "not running" in str(err.value)
    assert "python -m helpers backend start" in str(err.value)
    out = cli("registry", env=dict(os.environ))
    assert out.returncode == 2
    assert out.stderr.startswith("error: The local AWS backend is not running")
    assert "Traceback" not in out.stderr
