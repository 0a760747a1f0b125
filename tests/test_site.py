"""The workshop as a website (``make site``, website/): built, served on loopback, read in Debian's Chromium.

The module builds the site once into a temporary folder (website/build.py, as ``make site`` does, so a
site in build/site/ is left alone), serves it with http.server on a free loopback port, and checks:

- every page loads (200) without a console error, and every link within the site leads somewhere:
  every <a href> of every page is followed, pages and downloads alike, and every #anchor exists;
- each notebook page shows its time from README's outline and downloads that very notebook;
- nothing is loaded from outside the site (every other request is refused and counted);
- the mermaid diagrams are drawn: an <svg> in each diagram's place, holding the diagram's labels;
- searching "ModelApprovalStatus" lists the notebooks that have it (found with a plain text search here);
- with notebooks/vi/, the Vietnamese edition too, and the language switch leads to the same page.

Screenshots in build/screenshots/: site-home.png, site-notebook.png (the top of 05) and
site-notebook-diagram.png, site-search.png; with the Vietnamese edition, site-vi.png and site-vi-diagram.png.
Without mkdocs (``make site`` installs it), the vendored mermaid or Chromium, the browser tests are
skipped with a message; under CI=true that is a failure.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from support import REPO, chromium, missing

# The site is built once for the module: its tests stay on one worker (make test's pytest-xdist).
pytestmark = pytest.mark.xdist_group("site")

SCREENSHOTS = REPO / "build" / "screenshots"
BUILD_SCRIPT = REPO / "website" / "build.py"
SEARCHED = "ModelApprovalStatus"

_spec = importlib.util.spec_from_file_location("workshop_site_build", BUILD_SCRIPT)
site_build = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_build)  # stdlib only: readable without the site's packages

STEPS = site_build.outline((REPO / "README.md").read_text(encoding="utf-8"))
LANGUAGES = site_build.languages()
# Chromium would keep a diagram's drawing in a closed shadow root, out of the test's reach: open it.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: "open" }); };
"""


_notebook = site_build.notebook_of


def _prefix(language: str) -> str:
    return "" if language == "en" else f"{language}/"


# --- without a browser -----------------------------------------------------------------------------------


def test_the_outline_names_every_notebook_with_its_estimated_time():
    """The site's order and times come from README's outline: it lists every notebook, with its own time."""
    on_disk = sorted(p.stem for p in site_build.NOTEBOOKS["en"].glob("[0-9][0-9]_*.ipynb"))
    assert [step.stem for step in STEPS] == on_disk
    for step in STEPS:
        text = _notebook("en", step.stem).read_text(encoding="utf-8")
        assert f"**Estimated time:** {step.minutes} minutes" in text, f"{step.stem}: README says {step.minutes} min"


def test_the_home_page_keeps_links_only_to_what_the_site_has():
    home = site_build.home_page((REPO / "README.md").read_text(encoding="utf-8"), STEPS)
    assert home.startswith("# ") and "## Quick start" in home and "```mermaid" in home
    targets = re.findall(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)", home)
    assert {f"notebooks/{step.stem}.ipynb" for step in STEPS} <= set(targets)
    for target in targets:
        assert re.match(r"https?://|#|notebooks/\d\d_", target), f"a link the site cannot serve: {target}"


# --- the built site in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    if importlib.util.find_spec("mkdocs_jupyter") is None or importlib.util.find_spec("material") is None:
        missing("the site's packages are not installed: `make site` (or pip install -e '.[site]')")
    if not site_build.MERMAID.exists():
        missing(f"no vendored mermaid at {site_build.MERMAID}: `make site` (website/build.py --vendor) fetches it")
    folder = tmp_path_factory.mktemp("site")
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(folder / "site"),
                             "--work", str(folder / "site-src")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"site built in {time.monotonic() - started:.1f} s")
    return folder / "site"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def base_url(built_site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=built_site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_context(base_url):
    outside: list[str] = []

    def only_the_site(route):
        url = route.request.url
        if url.startswith(base_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(OPEN_SHADOW_ROOTS)
        context.route("**/*", only_the_site)
        context.outside = outside
        yield context


def _page_with_error_log(context):
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(f"{page.url}: {error}"))
    return page


# What the crawl reads of each page, in one round trip.
PAGE_FACTS = """() => ({
    ids: [...document.querySelectorAll("[id]")].map(e => e.id),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    time: document.querySelector(".workshop-time")?.innerText.trim() ?? null,
    download: document.querySelector("a.workshop-download")?.getAttribute("href") ?? null,
    title: document.title,
    switch: Object.fromEntries([...document.querySelectorAll("a.md-select__link")].map(a => [a.hreflang, a.href])),
})"""


@pytest.mark.browser
def test_every_page_loads_and_every_link_leads_somewhere(browser_context, base_url):
    page = _page_with_error_log(browser_context)
    # The 404 page too: no page links to it, a host shows it for any missing path.
    queue, seen, ids, links, downloads = [base_url, base_url + "404.html"], set(), {}, [], {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if not url.endswith("/") and not url.endswith(".html"):  # a download: the .ipynb
            with urllib.request.urlopen(url, timeout=10) as response:
                downloads[url] = response.read()
            continue
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        facts = page.evaluate(PAGE_FACTS)
        ids[url] = set(facts["ids"])
        for href in facts["links"]:
            if href.startswith(base_url):
                target, fragment = urldefrag(href.split("?", 1)[0])
                links.append((url, target, fragment))
                queue.append(target)
        if "/notebooks/" in url:
            _check_notebook_page(facts, url, base_url)
    page.wait_for_timeout(300)  # a late error (a diagram drawn after load) still counts
    assert page.errors == []
    assert browser_context.outside == [], f"loaded from outside the site: {sorted(set(browser_context.outside))}"
    page.close()

    expected = {base_url + _prefix(language) + path for language in LANGUAGES
                for path in ["", *(f"notebooks/{step.stem}/" for step in STEPS)]}
    assert expected <= seen, f"pages never linked: {sorted(expected - seen)}"
    for source, target, fragment in links:
        if fragment and target in ids:
            assert fragment in ids[target], f"{source} links to {target}#{fragment}, which has no such anchor"
    for language in LANGUAGES:
        for step in STEPS:
            url = f"{base_url}{_prefix(language)}notebooks/{step.stem}/{step.stem}.ipynb"
            assert downloads.get(url) == _notebook(language, step.stem).read_bytes(), f"{url} is not the notebook"
    print(f"{len(ids)} pages, {len(downloads)} notebooks, {len(links)} links")


def _check_notebook_page(facts: dict, url: str, base_url: str) -> None:
    """Its time (README's), its download link (the notebook, beside the page), its language switch."""
    path = url[len(base_url):]
    language = "en" if path.startswith("notebooks/") else path.split("/", 1)[0]
    stem = path.rstrip("/").rsplit("/", 1)[-1]
    minutes = next(step.minutes for step in STEPS if step.stem == stem)
    unit = site_build.LANGUAGES[language]["minutes"]
    assert (facts["time"] or "").split() == [str(minutes), unit], url
    assert facts["download"] == f"{stem}.ipynb", url
    assert f"· {minutes} {unit}" in facts["title"], url
    if len(LANGUAGES) > 1:  # the same notebook in each edition
        assert facts["switch"] == {other: f"{base_url}{_prefix(other)}notebooks/{stem}/" for other in LANGUAGES}, url


def _mermaid_sources(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid[^\n]*\n(.*?)^```", markdown, flags=re.S | re.M)


def _labels(source: str) -> set[str]:
    """What a drawing of this diagram must show: quoted labels (each line), |edge labels|, state names."""
    labels = {part.strip() for quoted in re.findall(r'"([^"]+)"', source) for part in quoted.split("<br/>")}
    labels |= {label.strip().strip('"') for label in re.findall(r"\|([^|\n]+)\|", source)}
    if source.lstrip().startswith("stateDiagram"):  # a state's name is its label; a flowchart node's id is not
        for left, right in re.findall(r"^\s*(\[\*\]|\w+)\s*-->\s*(\[\*\]|\w+)", source, flags=re.M):
            labels |= {left, right} - {"[*]"}
    return {label for label in labels if label}


def _diagram_pages() -> list[tuple[str, list[str]]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    pages = []
    for language in LANGUAGES:
        pages.append((_prefix(language), _mermaid_sources(readme)))
        for step in STEPS:
            cells = json.loads(_notebook(language, step.stem).read_text(encoding="utf-8"))["cells"]
            sources = _mermaid_sources("\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"))
            if sources:
                pages.append((f"{_prefix(language)}notebooks/{step.stem}/", sources))
    return pages


@pytest.mark.browser
def test_the_diagrams_are_drawn(browser_context, base_url):
    pages = _diagram_pages()
    assert {path for path, _ in pages} >= {"", "notebooks/00_setup/", "notebooks/05_review_and_approve/"}
    page = _page_with_error_log(browser_context)
    for path, sources in pages:
        page.goto(base_url + path)
        drawn = page.locator("div.mermaid svg")
        drawn.nth(len(sources) - 1).wait_for(timeout=20_000)
        assert page.locator("pre.mermaid").count() == 0, f"{path}: a diagram left as its source"
        assert drawn.count() == len(sources)
        for index, source in enumerate(sources):
            text = re.sub(r"\s+", "", drawn.nth(index).text_content())
            missing = sorted(label for label in _labels(source) if re.sub(r"\s+", "", label) not in text)
            assert len(_labels(source)) >= 3 and missing == [], f"{path} diagram {index + 1} lacks {missing}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if path == "":
            page.screenshot(path=str(SCREENSHOTS / "site-home.png"))
        elif path.endswith("notebooks/05_review_and_approve/"):
            name = "site-notebook" if path.startswith("notebooks/") else f"site-{path.split('/')[0]}"
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # its top: time, download, title
            page.locator("div.mermaid").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)  # the header's title changes with the scroll
            page.screenshot(path=str(SCREENSHOTS / f"{name}-diagram.png"))
    assert page.errors == []
    assert browser_context.outside == [], f"loaded from outside the site: {sorted(set(browser_context.outside))}"
    page.close()


@pytest.mark.browser
def test_search_finds_the_notebooks_that_have_ModelApprovalStatus(browser_context, base_url):
    having = {step.stem for step in STEPS if SEARCHED in _notebook("en", step.stem).read_text(encoding="utf-8")}
    assert {"02_register_v1_from_s3", "05_review_and_approve"} <= having  # the two that teach it
    page = _page_with_error_log(browser_context)
    page.goto(base_url)
    search = page.locator("input.md-search__input")
    search.click()
    # Material answers once its worker has the index: type, and type again if the first query came too early.
    deadline = time.monotonic() + 20
    while True:
        search.fill("")
        search.type(SEARCHED, delay=10)
        try:
            page.locator(".md-search-result__item").first.wait_for(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 - no result yet
            if time.monotonic() > deadline:
                raise
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-search.png"))
    meta = page.locator(".md-search-result__meta").inner_text()
    total = int(re.match(r"(\d+)", meta).group(1))
    items = page.locator(".md-search-result__item > a.md-search-result__link")
    while items.count() < total:  # Material lists ten at a time, more as the list scrolls
        shown = items.count()
        items.last.scroll_into_view_if_needed()
        page.wait_for_function(f"document.querySelectorAll('.md-search-result__item').length > {shown}", timeout=5_000)
    found = {}
    for href in items.evaluate_all("links => links.map(a => a.href)"):
        path = urlsplit(href).path
        match = re.fullmatch(r"/(?:(\w\w)/)?notebooks/(\w+)/", path)
        if match:
            found.setdefault(match.group(1) or "en", []).append(match.group(2))
    assert set(found["en"]) == having, meta
    assert page.errors == []
    assert browser_context.outside == [], f"loaded from outside the site: {sorted(set(browser_context.outside))}"
    page.close()
