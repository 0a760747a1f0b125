"""What a learner sees in JupyterLab 4 at 1280x900 with the file browser open (issue 22, items 2, 4 and 8),
measured in Debian's Chromium driven by Playwright. One JupyterLab and one page serve the whole module; each
notebook is opened as a learner would, run with Run > Run All Cells, and its kernel shut down afterwards.

- Out of order: 07 run first on an emptied backend stops at its first code cell that fails, with one line:
  ``NotReadyError`` and its sentence naming the notebooks to run and ``python -m helpers workshop --until 06``,
  no traceback frames (screenshot: build/screenshots/lab-07-out-of-order.png).
- In order: 00 to 09 on one backend emptied at the start, each after the one before. For each notebook:
  every code cell ran (has an execution count), no output is an error and no stderr holds a traceback;
  every mermaid diagram (00, 05) is drawn as an image with labels at least at body-text size (not scaled down
  to fit); every table fits its output area without scrolling sideways, no table cell is cut with "...", times
  stay on one line; 06's dashboard shows its table, fitting its box. A screenshot of each notebook after its
  run, scrolled to the top, is kept at build/screenshots/lab-NN.png.

Errors are told apart from stderr through the notebook's model (``window.jupyterapp``, exposed by
``--LabApp.expose_app_in_browser``): in the DOM both render as ``.jp-OutputArea-output`` with
``data-mime-type="application/vnd.jupyter.stderr"`` and nothing else to tell them apart.

Without Chromium the tests are skipped with a message; under CI=true a missing browser is a failure.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from support import REPO, chromium, chromium_or_skip, jupyterlab

# One JupyterLab and one page for the module: its tests stay on one worker (make test's pytest-xdist).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab")]

SCREENSHOTS = REPO / "build" / "screenshots"
WIDTH, HEIGHT = 1280, 900
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RUN_TIMEOUT_MS = 120_000
# The one table cell pandas cuts with "..." (its 50-character column width): 03's metadata table shows the
# artifact's SHA-256 (64 hex digits) as its first 47 and "...". Listed so that any other cut cell fails.
CUT_ALLOWED = {"03": "artifact_sha256: "}

# The current notebook's cells from its model: what ran, and each output's type and text (an image's data left out).
CELLS = """() => jupyterapp.shell.currentWidget.content.widgets.map((cell, index) => {
  const model = cell.model;
  const outputs = model.type !== 'code' ? [] : model.outputs.toJSON().map(o => ({
    type: o.output_type, name: o.name || null, ename: o.ename || null, evalue: o.evalue || null,
    traceback: o.traceback || null, text: [].concat(o.text || '').join('')}));
  return {index, type: model.type, count: model.type === 'code' ? model.executionCount : null,
          source: model.sharedModel.getSource(), outputs,
          shown: model.type === 'code' ? [...cell.outputArea.node.querySelectorAll('.jp-OutputArea-output')]
                                          .map(n => n.textContent) : []};
})"""

# Run All has finished: the kernel is idle, no cell waits, and every code cell ran or one of them failed.
FINISHED = """() => {
  const panel = jupyterapp.shell.currentWidget;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  const failed = code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
  return panel.sessionContext.session?.kernel?.status === 'idle'
    && code.every(c => c.model.executionState !== 'running')
    && (failed || code.every(c => c.model.executionCount !== null));
}"""

# Each mermaid block: drawn as an image, and its labels' size on screen (the SVG's font size times its scale).
DIAGRAMS = """async () => {
  const panel = jupyterapp.shell.currentWidget;
  const body = parseFloat(getComputedStyle(panel.node.querySelector('.jp-RenderedMarkdown p')).fontSize);
  const diagrams = [];
  for (const block of panel.node.querySelectorAll('.jp-RenderedMermaid')) {
    block.scrollIntoView({block: 'center'});
    await new Promise(done => setTimeout(done, 150));
    const img = block.querySelector('img');
    if (!img || !img.getBoundingClientRect().width) {
      diagrams.push({drawn: false, warning: block.classList.contains('jp-mod-warning'),
                     text: block.textContent.slice(0, 300)});
      continue;
    }
    const svg = decodeURIComponent(img.src.split(',').slice(1).join(','));
    const box = new DOMParser().parseFromString(svg, 'image/svg+xml').querySelector('svg').getAttribute('viewBox');
    const font = parseFloat((svg.match(/font-size:\\s*([0-9.]+)px/) || [0, 16])[1]);
    diagrams.push({drawn: true, width: img.getBoundingClientRect().width,
                   labelPx: font * img.getBoundingClientRect().width / Number(box.split(/[ ,]+/)[2])});
  }
  return {body, diagrams};
}"""

# Every table in an output, scrolled into view and measured against the output area (or dashboard box) holding it.
TABLES = """async () => {
  const panel = jupyterapp.shell.currentWidget;
  const found = [];
  for (const t of panel.node.querySelectorAll('.jp-OutputArea-output table')) {
    t.scrollIntoView({block: 'nearest'});
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 30)));
    if (!t.getBoundingClientRect().width) continue;
    const area = t.closest('.widget-output') || t.closest('.jp-OutputArea-output');
    const heads = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
    const when = heads.indexOf('when (UTC)');
    const rows = [...t.querySelectorAll('tbody tr')];
    const lines = cell => { const r = document.createRange(); r.selectNodeContents(cell);
                            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; };
    found.push({heads: heads.join('|'), width: t.getBoundingClientRect().width, room: area.clientWidth,
                scrolls: area.scrollWidth > area.clientWidth + 1,
                cut: rows.flatMap(r => [...r.children].filter(c => c.innerText.includes('...'))
                                            .map(c => `${r.children[0].innerText.trim()}: ${c.innerText.trim()}`)),
                dashboard: !!t.closest('.widget-output'),
                wrappedTimes: when < 0 ? 0 : rows.filter(r => lines(r.children[when]) > 1).length});
  }
  return found;
}"""

OPEN = """async path => {
  const panel = await jupyterapp.commands.execute('docmanager:open', {path, kernel: {name: 'python3'}});
  await panel.context.ready;
  await panel.sessionContext.ready;
  await panel.revealed;
}"""

# Kernel > Shut Down Kernel, then close the tab without saving (the copy's outputs are not kept).
CLOSE = """async () => {
  const panel = jupyterapp.shell.currentWidget;
  await panel.sessionContext.shutdown();
  panel.context.model.dirty = false;
  panel.close();
}"""

TO_TOP = """() => { const outer = jupyterapp.shell.currentWidget.node.querySelector('.jp-WindowedPanel-outer');
                  outer.scrollTop = 0; }"""


class Lab:
    """One JupyterLab page; opens, runs and closes one notebook at a time."""

    def __init__(self, page, base: str, token: str):
        self.page, self.base, self.token = page, base, token

    def open(self, name: str) -> None:
        self.page.evaluate(OPEN, f"{name}.ipynb")

    def run_all(self) -> list[dict]:
        """Run > Run All Cells on fresh outputs; the cells once the kernel is idle again."""
        self.page.evaluate("() => jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        self.page.click("#jp-MainMenu >> text=Run")
        self.page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        self.page.wait_for_function(FINISHED, timeout=RUN_TIMEOUT_MS, polling=200)
        # Widgets (06's dashboard) render after their messages arrive: wait until each view is drawn.
        self.page.wait_for_function("""() => [...jupyterapp.shell.currentWidget.node.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')]
            .every(o => o.querySelector('.jupyter-widgets'))""", timeout=30_000, polling=200)
        return self.page.evaluate(CELLS)

    def screenshot(self, path: Path, cell: int | None = None) -> None:
        """The page, the notebook scrolled to the top (or to cell ``cell``, near the top)."""
        if cell is None:
            self.page.evaluate(TO_TOP)
        else:
            self.page.evaluate("i => jupyterapp.shell.currentWidget.content.widgets[i].node.scrollIntoView()", cell)
        self.page.wait_for_timeout(300)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))

    def close(self) -> list[dict]:
        """Shut down the kernel and close the tab; the kernels still running (none, once it has worked)."""
        self.page.evaluate(CLOSE)
        with urllib.request.urlopen(f"{self.base}/api/kernels?token={self.token}", timeout=10) as answer:
            return json.load(answer)

    def file_browser_width(self) -> float:
        return self.page.evaluate("() => document.querySelector('#filebrowser').getBoundingClientRect().width")


@pytest.fixture(scope="module")
def lab(local_backend, tmp_path_factory):
    """JupyterLab on a copy of the notebooks, its kernels on the tests' backend, open in one page at 1280x900."""
    chromium_or_skip()
    with jupyterlab(tmp_path_factory.mktemp("lab"), "--LabApp.expose_app_in_browser=True") as (base, token):
        with chromium() as browser:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(f"{base}/lab?token={token}")
            page.wait_for_function("() => window.jupyterapp", timeout=120_000)
            page.evaluate("() => jupyterapp.restored")
            yield Lab(page, base, token)


def _errors(cells: list[dict]) -> list[tuple[int, dict]]:
    return [(c["index"], o) for c in cells for o in c["outputs"]
            if o["type"] == "error" or (o["name"] == "stderr" and "Traceback" in o["text"])]


def test_07_run_first_stops_with_one_sentence(clean_backend, lab):
    lab.open("07_deploy_approved_version")
    try:
        cells = lab.run_all()
        code = [c for c in cells if c["type"] == "code"]
        failed = [c for c in code if any(o["type"] == "error" for o in c["outputs"])]
        assert failed, "Run All on an emptied backend must stop in 07"
        first = failed[0]
        lab.screenshot(SCREENSHOTS / "lab-07-out-of-order.png", cell=max(first["index"] - 1, 0))
    finally:
        kernels = lab.close()
    assert kernels == [], "07's kernel was shut down"
    assert all(c["count"] is not None for c in code if c["index"] < first["index"])
    assert [o["type"] for o in first["outputs"]] == ["error"], first["outputs"]
    error = first["outputs"][0]
    assert error["ename"] == "NotReadyError", error
    assert error["traceback"] == [error["traceback"][0]] and "\n" not in error["traceback"][0], error["traceback"]
    shown = first["shown"][0]
    assert "\n" not in shown.strip() and shown.strip() == f"NotReadyError: {error['evalue']}", shown
    assert "Traceback" not in shown and "File " not in shown and "Cell In" not in shown, shown
    for earlier in NOTEBOOKS[:7]:
        assert earlier in error["evalue"], (earlier, error["evalue"])
    assert "`python -m helpers workshop --until 06`" in error["evalue"], error["evalue"]
    assert all(c["count"] is None for c in code if c["index"] > first["index"]), "Run All stops at the error"


def test_every_notebook_runs_in_order_with_nothing_cut_or_shrunk(clean_backend, lab):
    for name in NOTEBOOKS:
        lab.open(name)
        try:
            assert lab.file_browser_width() > 200, "the file browser is open"
            cells = lab.run_all()
            lab.screenshot(SCREENSHOTS / f"lab-{name[:2]}.png")
            code = [c for c in cells if c["type"] == "code"]
            assert all(c["count"] is not None for c in code), (name, [c["index"] for c in code if c["count"] is None])
            assert not _errors(cells), (name, _errors(cells))

            expected = sum(c["source"].count("```mermaid") for c in cells if c["type"] == "markdown")
            lab.page.wait_for_function(  # mermaid draws after the markdown is rendered
                "n => jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-RenderedMermaid img, "
                ".jp-RenderedMermaid.jp-mod-warning').length >= n", arg=expected, timeout=30_000, polling=200)
            seen = lab.page.evaluate(DIAGRAMS)
            assert len(seen["diagrams"]) == expected, (name, expected, seen)
            for diagram in seen["diagrams"]:
                assert diagram["drawn"] and diagram["labelPx"] >= seen["body"], (name, seen)

            tables = lab.page.evaluate(TABLES)
            for table in tables:
                assert not table["scrolls"] and table["width"] <= table["room"] + 1, (name, table)
                cut = [c for c in table["cut"] if not c.startswith(CUT_ALLOWED.get(name[:2], "\0"))]
                assert not cut and table["wrappedTimes"] == 0, (name, table)
            if name.startswith("06"):
                assert any("when (UTC)" in t["heads"] for t in tables), tables
                assert any(t["dashboard"] for t in tables), "06's dashboard shows its table"
        finally:
            kernels = lab.close()
        assert kernels == [], f"{name}'s kernel was shut down"
