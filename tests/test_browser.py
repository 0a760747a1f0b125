"""The dashboard in a real browser: JupyterLab headless, Debian's Chromium driven by Playwright.

Runs notebooks 00-05, registers a third version, opens 06 in JupyterLab with Run All, clicks the
dashboard's Approve for the pending version, and checks the registry. Keeps a screenshot at build/test-output/dashboard.png. Without Chromium the test is skipped
with a message on a learner's machine; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import pytest

from helpers import aws, registry
from helpers.kit import notebook_runner
from helpers.model import pipeline
from support import REPO, chromium, chromium_or_skip, jupyterlab

pytestmark = pytest.mark.browser

OUTPUT = REPO / "build" / "test-output"
GROUP = "ml-pipeline-model-group"


@pytest.fixture
def lab(clean_backend, tmp_path):
    """JupyterLab on a copy of the notebooks, its kernels pointed at the tests' backend."""
    with jupyterlab(tmp_path / "lab") as running:
        yield running


def test_dashboard_approve_in_a_real_browser(lab, tmp_path):
    chromium_or_skip()  # before the notebooks run: without a browser there is nothing to check
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

    base, token = lab
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
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

    desc = registry.describe_version(sm, f"{GROUP}/3")
    assert desc["ModelApprovalStatus"] == "Approved"
    assert desc["ApprovalDescription"] == "Reviewed in the browser test"
    from helpers import audit

    last = audit.records(s3, "ml-pipeline-bucket", GROUP)[-1]
    assert (last["version"], last["from"], last["to"]) == (3, "PendingManualApproval", "Approved")
    assert (OUTPUT / "dashboard.png").stat().st_size > 10_000
