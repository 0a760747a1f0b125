"""The dashboard in a real browser: JupyterLab headless, Debian's Chromium driven by Playwright.

Runs notebook 05 with Run All, clicks the dashboard's Approve for a pending version, and checks the
registry. Keeps a screenshot at build/test-output/dashboard.png. Without Chromium the test is skipped
with a message on a learner's machine; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import aws, registry
from helpers.kit import notebook_runner
from helpers.model import pipeline

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "build" / "test-output"
GROUP = "ml-pipeline-model-group"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def _chromium() -> str | None:
    found = next((c for c in CHROMIUM_CANDIDATES if os.path.exists(c)), None) or shutil.which("chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        found = None
    return found


def _require_browser() -> str:
    path = _chromium()
    if path:
        return path
    message = ("no Chromium/Playwright here: install Debian's chromium (sudo apt-get install chromium) and "
               "`pip install -e '.[test]'` to run the browser test")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jupyterlab(clean_backend, tmp_path):
    """JupyterLab on 127.0.0.1 with a token, its kernels pointed at the tests' backend."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", notebooks)
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--allow-root"],
        stdout=open(tmp_path / "jupyterlab.log", "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start: " + (tmp_path / "jupyterlab.log").read_text()[-2000:])
    yield base, token
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def test_dashboard_approve_in_a_real_browser(jupyterlab, tmp_path):
    chromium = _require_browser()
    from playwright.sync_api import sync_playwright

    # Two registered and approved versions (notebooks 00-05), plus a third one waiting for approval.
    for name in ("00_setup", "01_create_model_package_group", "02_register_v1_from_s3",
                 "03_attach_metadata_and_metrics", "04_compare_versions", "05_review_and_approve"):
        notebook_runner.run_notebook(REPO / "notebooks" / f"{name}.ipynb", tmp_path / "prep")
    session = aws.session()
    sm, s3 = session.client("sagemaker"), session.client("s3")
    v2 = pipeline.prepare_model(session, "ml-pipeline-bucket", "v2")
    sm.create_model_package(
        ModelPackageGroupName=GROUP, ModelPackageDescription="ML pipeline v3 candidate",
        InferenceSpecification=registry.inference_specification("example/image:1", v2.artifact_uri),
        ModelApprovalStatus="PendingManualApproval", ModelMetrics=registry.model_metrics(v2.metrics_uri),
        CustomerMetadataProperties={"model_name": "ml-pipeline-model-v3", registry.SHA256_KEY: v2.sha256},
    )

    base, token = jupyterlab
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/06_roll_back_and_history.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook", timeout=120_000)
            select_kernel = page.locator(".jp-Dialog .jp-mod-accept:has-text('Select')")
            try:  # JupyterLab asks which kernel to start for a notebook it has not opened before
                select_kernel.wait_for(timeout=15_000)
                select_kernel.click()
            except Exception:  # noqa: BLE001 - no dialog: the kernel started by itself
                pass
            try:  # the "get notified about Jupyter news?" toast: answer No so it does not cover the page
                page.locator(".jp-toast-button:has-text('No')").first.click(timeout=5_000)
            except Exception:  # noqa: BLE001 - no toast shown
                pass
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            page.click("#jp-MainMenu >> text=Run")
            page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            approve = page.locator(".widget-button:has-text('Approve')")
            approve.wait_for(timeout=240_000)
            board = page.locator(".widget-vbox:has(.widget-button:has-text('Approve'))").last
            board.scroll_into_view_if_needed()
            target = board.locator(".widget-dropdown select")
            assert target.locator("option:checked").inner_text().replace("\xa0", " ") == "v3 (PendingManualApproval)"
            board.locator(".widget-textarea textarea").fill("Reviewed in the browser test")
            board.locator(".widget-button:has-text('Approve')").click()
            page.wait_for_selector("text=v3: PendingManualApproval → Approved", timeout=60_000)
            board.locator(".widget-output img").first.wait_for(timeout=30_000)  # the chart
            page.wait_for_timeout(500)
            board.screenshot(path=str(OUTPUT / "dashboard.png"))
        except Exception:
            page.screenshot(path=str(OUTPUT / "dashboard-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    desc = registry.describe_version(sm, f"{GROUP}/3")
    assert desc["ModelApprovalStatus"] == "Approved"
    assert desc["ApprovalDescription"] == "Reviewed in the browser test"
    from helpers import audit

    last = audit.records(s3, "ml-pipeline-bucket", GROUP)[-1]
    assert (last["version"], last["from"], last["to"]) == (3, "PendingManualApproval", "Approved")
    assert (OUTPUT / "dashboard.png").stat().st_size > 10_000
