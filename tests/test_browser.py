"""The dashboard in a real browser: JupyterLab headless, Debian's Chromium driven by Playwright.

A group with two approved versions and a pending one; a notebook holding the dashboard (06's) opened in
JupyterLab and run with Run All; the dashboard's Approve clicked for the pending version, then the registry
and the kit's record checked. Keeps a screenshot at build/test-output/dashboard.png. Without Chromium the
test is skipped with a message on a learner's machine; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import nbformat
import pytest

from helpers import audit, aws, registry
from support import BUCKET, REPO, chromium, chromium_or_skip, jupyterlab, make_group

pytestmark = pytest.mark.browser

OUTPUT = REPO / "build" / "test-output"
GROUP = "dashboard-group"


@pytest.fixture
def lab(clean_backend, tmp_path):
    """JupyterLab on a copy of the notebooks, its kernels pointed at the tests' backend."""
    with jupyterlab(tmp_path / "lab") as (base, token):
        yield base, token, tmp_path / "lab" / "notebooks"


def test_dashboard_approve_in_a_real_browser(lab, tmp_path):
    chromium_or_skip()
    # Two approved versions and a third waiting for approval, each with its model-quality JSON in S3; the
    # dashboard in a notebook of its own (06 shows the same dashboard: the learner walk runs 06 in the browser).
    make_group(3, GROUP)
    session = aws.session()
    sm, s3 = session.client("sagemaker"), session.client("s3")
    for version in (1, 2):
        audit.change_status(session, BUCKET, GROUP, version, "Approved", "reviewed before the test", reviewer="test")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import helpers\nfrom helpers.dashboard import dashboard\n\n"
        f"dashboard(helpers.session(), {BUCKET!r}, {GROUP!r})")])
    nbformat.write(notebook, lab[2] / "dashboard.ipynb")

    base, token, _ = lab
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/dashboard.ipynb?token={token}")
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
    last = audit.records(s3, BUCKET, GROUP)[-1]
    assert (last["version"], last["from"], last["to"]) == (3, "PendingManualApproval", "Approved")
    assert (OUTPUT / "dashboard.png").stat().st_size > 10_000
