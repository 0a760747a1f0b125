"""Build the workshop as a static website in build/site/: ``make site`` (README, "The workshop as a website").

One page per notebook, in the order and with the times of README.md's workshop outline; a home page from
README.md (its introduction, quick start, diagram and outline); a download link on each notebook page;
Material's offline search; a Vietnamese edition beside the English one when ``notebooks/vi/`` exists.
The notebooks are rendered as they are, with whatever outputs they hold: nothing is run.

The steps:

1. ``--vendor`` (once per environment, by ``make site``'s install step): mermaid, from the npm registry,
   into ``<venv>/share/workshop-site/``. Material would load it from a CDN; the site loads nothing from
   the internet.
2. The build, offline: ``build/site-src/`` gets the pages (``docs/en/``, ``docs/vi/``), the vendored
   mermaid, the hooks and template overrides, and a ``mkdocs.yml`` that INHERITs ``website/mkdocs.yml``
   with the navigation and languages derived here; then ``mkdocs build --strict`` writes ``build/site/``.

Deterministic: the same sources give the same files (no dates, no random ids: the sitemap, which has dates
and needs the site's address, is not kept; widgets, whose outputs have random ids, become a note).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEBSITE = REPO / "website"
README = REPO / "README.md"
NOTEBOOKS = {"en": REPO / "notebooks", "vi": REPO / "notebooks" / "vi"}
SOURCE = REPO / "build" / "site-src"
SITE = REPO / "build" / "site"

# Material 9.x draws diagrams with mermaid 11 (it would fetch mermaid@11 from a CDN): the newest 11.x,
# by exact version and the registry's integrity hash, so every build ships the same file.
MERMAID_VERSION = "11.17.2"
MERMAID_INTEGRITY = "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
VENDOR = Path(sys.prefix) / "share" / "workshop-site"
MERMAID = VENDOR / f"mermaid-{MERMAID_VERSION}.min.js"

LANGUAGES = {
    "en": {"name": "English", "home": "Home", "minutes": "min"},
    # site_name: the Vietnamese edition's title (README, "Tiếng Việt").
    "vi": {"name": "Tiếng Việt", "home": "Trang chủ", "minutes": "phút",
           "site_name": "Đăng ký và Quản lý Mô hình trong SageMaker Model Registry"},
}
# The sections of README.md the home page shows, in this order.
HOME_SECTIONS = ("Quick start", "What the workshop builds", "Workshop outline")


@dataclass(frozen=True)
class Step:
    stem: str      # 00_setup
    minutes: int   # the learner's time, from the outline


# -- README.md ------------------------------------------------------------------------------------------

def sections(readme: str) -> tuple[str, dict[str, str]]:
    """README.md as its introduction (title and text before the first ``## ``) and its ``## `` sections."""
    parts = re.split(r"^## (.+)\n", readme, flags=re.M)
    intro, found = parts[0], {}
    for title, body in zip(parts[1::2], parts[2::2]):
        found[title.strip()] = body
    return intro, found


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def outline(readme: str) -> list[Step]:
    """The notebooks of README's "Workshop outline" table, in its order, with their learner times."""
    table = [line for line in sections(readme)[1]["Workshop outline"].splitlines() if line.startswith("|")]
    header = _cells(table[0])
    notebook, minutes = header.index("notebook"), next(i for i, h in enumerate(header) if h.startswith("time"))
    steps = []
    for row in table[2:]:
        cells = _cells(row)
        time_match = re.fullmatch(r"(\d+) min", cells[minutes])
        if not time_match:
            raise SystemExit(f"README.md's workshop outline: no 'N min' time in {row!r}")
        steps.append(Step(cells[notebook].strip("`"), int(time_match.group(1))))
    return steps


def _slug(title: str) -> str:
    """The anchor Python-Markdown's toc gives a heading (and GitHub, for the README's plain titles)."""
    return re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", title).strip().lower())


def home_page(readme: str, steps: list[Step]) -> str:
    """README's introduction, quick start, diagram and outline, with the outline's notebooks linked to pages.

    A link to something the site does not have (another README section, a file of the repository)
    keeps its text and loses the link.
    """
    intro, found = sections(readme)
    title, _, intro = intro.partition("\n")
    title = title.lstrip("# ").removesuffix(" kit")
    body = intro + "".join(f"## {name}\n{found[name]}" for name in HOME_SECTIONS)
    anchors = {_slug(name) for name in HOME_SECTIONS}
    stems = {step.stem for step in steps}

    def link(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+://", target) or (target.startswith("#") and target[1:] in anchors):
            return match.group(0)
        path = target.split("#")[0]
        stem = Path(path).stem
        if path.startswith("notebooks/") and stem in stems:
            return f"[{text}](notebooks/{stem}.ipynb)"
        return text

    body = re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, body)
    # The outline's notebook names become links to their pages.
    for stem in stems:
        body = body.replace(f"| `{stem}` |", f"| [`{stem}`](notebooks/{stem}.ipynb) |")
    return f"# {title}\n{body}"


# -- notebooks ------------------------------------------------------------------------------------------

def notebook_title(path: Path) -> str:
    """The notebook's first ``# `` heading: ``00 · Set up and check your environment``."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^# (.+)$", "".join(cell["source"]), flags=re.M)
            if match:
                return match.group(1).strip()
    return path.stem


def notebook_of(language: str, stem: str) -> Path:
    """The notebook this language's edition shows: its own, or the English one until it is translated."""
    own = NOTEBOOKS[language] / f"{stem}.ipynb"
    return own if own.exists() else NOTEBOOKS["en"] / f"{stem}.ipynb"


def languages() -> list[str]:
    """English, and Vietnamese when notebooks/vi/ holds notebooks."""
    return ["en"] + (["vi"] if any(NOTEBOOKS["vi"].glob("[0-9][0-9]_*.ipynb")) else [])


def nav(language: str, steps: list[Step]) -> list:
    """The navigation of one edition: home, then each notebook's title and time (docs/<language>/...)."""
    labels = LANGUAGES[language]
    entries: list = [{labels["home"]: f"{language}/index.md"}]
    for step in steps:
        title = notebook_title(notebook_of(language, step.stem))
        entries.append({f"{title} · {step.minutes} {labels['minutes']}": f"{language}/notebooks/{step.stem}.ipynb"})
    return entries


# -- mermaid ------------------------------------------------------------------------------------------

def vendor_mermaid() -> Path:
    """mermaid's browser bundle from the npm registry (``npm pack``), checked against its integrity hash."""
    if MERMAID.exists():
        return MERMAID
    if not shutil.which("npm"):
        raise SystemExit("website/build.py --vendor needs npm (Debian: apt-get install npm) to fetch mermaid once")
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"mermaid@{MERMAID_VERSION}", "--silent", "--pack-destination", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        tarball = Path(tmp) / f"mermaid-{MERMAID_VERSION}.tgz"
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if digest != MERMAID_INTEGRITY:
            raise SystemExit(f"mermaid {MERMAID_VERSION} from npm has integrity {digest}, expected {MERMAID_INTEGRITY}")
        with tarfile.open(tarball) as tar:
            data = tar.extractfile("package/dist/mermaid.min.js").read()
    partial = MERMAID.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(MERMAID)
    return MERMAID


# -- the build ------------------------------------------------------------------------------------------

def _yaml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON is YAML: no quoting rules of our own


def write_sources(source: Path, site: Path, steps: list[Step], langs: list[str]) -> None:
    """``source`` (build/site-src/): the pages, the site's own files and the derived mkdocs.yml."""
    if source.exists():
        shutil.rmtree(source)
    docs = source / "docs"
    shutil.copytree(WEBSITE / "overrides", source / "overrides")
    shutil.copy2(WEBSITE / "hooks.py", source / "hooks.py")
    (docs / "assets").mkdir(parents=True)
    shutil.copy2(WEBSITE / "assets" / "site.css", docs / "assets" / "site.css")
    shutil.copy2(MERMAID, docs / "assets" / "mermaid.min.js")

    home = home_page(README.read_text(encoding="utf-8"), steps)
    for language in langs:
        pages = docs / language / "notebooks"
        pages.mkdir(parents=True)
        # Every edition has its home page, so that its links lead to that edition's notebooks; README.md
        # is in English only, so that is the home page's language in every edition for now.
        (docs / language / "index.md").write_text(home, encoding="utf-8")
        for step in steps:
            if not (NOTEBOOKS["en"] / f"{step.stem}.ipynb").exists():
                raise SystemExit(f"README.md's workshop outline names {step.stem}, which notebooks/ does not have")
            # A notebook not translated yet: the English one stands in, in this edition's place.
            shutil.copy2(notebook_of(language, step.stem), pages / f"{step.stem}.ipynb")

    config = [
        "# Written by website/build.py: the settings derived from README.md and notebooks/ (see website/mkdocs.yml).",
        f"INHERIT: {_yaml(os.path.relpath(WEBSITE / 'mkdocs.yml', source))}",
        "docs_dir: docs",
        f"site_dir: {_yaml(os.path.relpath(site, source))}",
        f"extra: {{workshop_minutes: {_yaml({step.stem: step.minutes for step in steps})}}}",
        f"nav: {_yaml(nav('en', steps))}",
        "plugins:",
        "  i18n:",
        "    languages:",
    ]
    for language in langs:
        entry = {"locale": language, "name": LANGUAGES[language]["name"], "default": language == "en", "build": True}
        if "site_name" in LANGUAGES[language]:
            entry["site_name"] = LANGUAGES[language]["site_name"]
        if language != "en":
            entry["nav"] = nav(language, steps)
        config.append(f"      - {_yaml(entry)}")
    (source / "mkdocs.yml").write_text("\n".join(config) + "\n", encoding="utf-8")


def build(site: Path = SITE, source: Path = SOURCE) -> float:
    """The site into ``site``, through ``source``; the seconds it took."""
    started = time.monotonic()
    if not MERMAID.exists():
        raise SystemExit(f"no vendored mermaid at {MERMAID}: run `make site` (or website/build.py --vendor) once")
    steps = outline(README.read_text(encoding="utf-8"))
    write_sources(source, site, steps, languages())
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # Material's notice about its successor, on every build
    # --strict: a warning (a broken link, a page missing from the navigation) fails the build. Not
    # --quiet, which hides the warnings from --strict too: the log is shown when the build fails.
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean"],
                            cwd=source, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mkdocs build failed ({result.returncode})")
    # A sitemap needs the site's address (site_url), which depends on where it is published.
    for sitemap in ("sitemap.xml", "sitemap.xml.gz"):
        site.joinpath(sitemap).unlink(missing_ok=True)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--vendor", action="store_true", help="fetch mermaid from the npm registry (once), then stop")
    parser.add_argument("--out", type=Path, default=SITE, help="where the site goes (default: build/site)")
    parser.add_argument("--work", type=Path, default=SOURCE, help="its sources, rewritten each build (default: build/site-src)")
    args = parser.parse_args(argv)
    if args.vendor:  # quiet when it is there already
        if not MERMAID.exists():
            print(f"mermaid {MERMAID_VERSION} from the npm registry: {vendor_mermaid()}")
        return
    site, source = args.out.resolve(), args.work.resolve()
    seconds = build(site, source)
    shown = os.path.relpath(site)
    print(f"The site ({', '.join(languages())}) is in {shown}/ ({seconds:.1f} s): open {shown}/index.html, or serve "
          f"it with `python -m http.server -d {shown}`; to publish it, copy that folder to any static host.")


if __name__ == "__main__":
    main()
