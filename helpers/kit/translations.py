"""Translated editions of the notebooks: the English notebooks hold all the code, ``i18n/<lang>/`` the prose.

``i18n/vi/<stem>.json`` keeps, per markdown cell id, the English text it translates and the translation;
``build`` writes ``notebooks/vi/<stem>.ipynb`` (code cells copied from the English notebook unchanged,
markdown cells translated); ``check`` fails on a missing, stale or mistranslated cell, or an old copy;
``stale`` shows a translator what to update; ``accept`` records a cell's translation as current.
Run ``python -m helpers.kit.translations --help``.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import config
from ..errors import WorkshopError
from .translation_rules import structure_problems

LANGUAGES = ("vi",)
# Shown above an English cell that has no translation yet (the generated notebook still runs and reads).
UNTRANSLATED = {"vi": "> *(Chưa dịch: đoạn này vẫn là bản tiếng Anh.)*\n\n"}


def english_notebooks() -> list[Path]:
    """The English notebooks, the one source of code (``notebooks/NN_*.ipynb``)."""
    return sorted((config.repo_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def catalog_path(lang: str, stem: str) -> Path:
    return config.repo_root() / "i18n" / lang / f"{stem}.json"


def output_path(lang: str, stem: str) -> Path:
    return config.repo_root() / "notebooks" / lang / f"{stem}.ipynb"


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def _lines(text: str) -> list[str]:
    """A cell's text as the catalog stores it: one string per line, no line ends (readable diffs)."""
    return text.split("\n")


def load_catalog(lang: str, stem: str) -> dict[str, dict]:
    """``{cell id: {"en": [lines], "vi": [lines]}}`` for one notebook (empty if there is no file yet)."""
    path = catalog_path(lang, stem)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError) as exc:
        raise WorkshopError(f"{path} is not a translation catalog ({exc}): fix the JSON, then run again.") from None


def save_catalog(lang: str, stem: str, cells: dict[str, dict]) -> None:
    """Write a catalog, its cells in the English notebook's order (unknown ids last)."""
    order = [c["id"] for c in _read(config.repo_root() / "notebooks" / f"{stem}.ipynb")["cells"]]
    ordered = {k: cells[k] for k in sorted(cells, key=lambda k: order.index(k) if k in order else len(order))}
    path = catalog_path(lang, stem)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"notebook": f"{stem}.ipynb", "language": lang, "cells": ordered}
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _dumps(nb: dict) -> str:
    """A notebook as nbformat writes it (indent 1, sorted keys, UTF-8 as is), so the bytes are stable."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


# ---- status, build ------------------------------------------------------------------------------------

@dataclass
class Status:
    """Per notebook: cells with no translation, stale ones (English changed since), orphans, broken rules."""

    notebook: str
    translated: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    broken: dict[str, list[str]] = field(default_factory=dict)
    outdated_copy: bool = False

    def problems(self) -> list[str]:
        out = [f"{self.notebook}: no translation for cell {i}" for i in self.missing]
        out += [f"{self.notebook}: cell {i} changed in English since it was translated" for i in self.stale]
        out += [f"{self.notebook}: cell {i} is translated but no longer in the English notebook" for i in self.orphans]
        out += [f"{self.notebook}: cell {i}: {p}" for i, ps in self.broken.items() for p in ps]
        if self.outdated_copy:
            out.append(f"{self.notebook}: the generated notebook is not what build writes now")
        return out


def build_notebook(lang: str, english: Path) -> tuple[dict, Status]:
    """The translated notebook for ``english`` and the state of its catalog.

    Code cells (and the notebook's metadata) are the English ones, copied as they are. A markdown cell takes
    its translation, even a stale one; a cell with none keeps the English text under a visible note.
    """
    nb, catalog = _read(english), load_catalog(lang, english.stem)
    status = Status(english.name)
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source, entry = _text(cell["source"]), catalog.get(cell["id"])
        if not entry or lang not in entry:
            status.missing.append(cell["id"])
            text = UNTRANSLATED[lang] + source
        else:
            text, translated_from = "\n".join(entry[lang]), "\n".join(entry.get("en", []))
            status.translated += 1
            if translated_from != source:
                status.stale.append(cell["id"])
            # held against the English it translates: a stale cell's own change is reported as stale
            if broken := structure_problems(translated_from if "en" in entry else source, text):
                status.broken[cell["id"]] = broken
        cell["source"] = text.splitlines(keepends=True)
    ids = {c["id"] for c in nb["cells"] if c["cell_type"] == "markdown"}
    status.orphans = [i for i in catalog if i not in ids]
    return out, status


def build(lang: str, write: bool = True) -> list[Status]:
    """Generate every ``notebooks/<lang>/`` notebook (``write=False`` only compares); one status each."""
    statuses = []
    for english in english_notebooks():
        nb, status = build_notebook(lang, english)
        target = output_path(lang, english.stem)
        text = _dumps(nb)
        current = target.exists() and target.read_text(encoding="utf-8") == text
        if write and not current:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        status.outdated_copy = not write and not current
        statuses.append(status)
    stems = {p.stem for p in english_notebooks()}
    for extra in sorted((config.repo_root() / "notebooks" / lang).glob("*.ipynb")):
        if extra.stem not in stems:  # the English notebook was renamed or removed
            if write:
                extra.unlink()
            else:
                statuses.append(Status(extra.name, outdated_copy=True))
    return statuses


def accept(lang: str, stem: str, cell_ids: list[str]) -> list[str]:
    """Record the current English text of cells as what their translation translates (after a translator's update)."""
    english = _read(config.repo_root() / "notebooks" / f"{stem}.ipynb")
    sources = {c["id"]: _text(c["source"]) for c in english["cells"] if c["cell_type"] == "markdown"}
    catalog = load_catalog(lang, stem)
    for cell_id in cell_ids:
        if cell_id not in sources:
            raise WorkshopError(f"{stem} has no markdown cell {cell_id!r}: `stale` lists the cells to update.")
        if lang not in catalog.get(cell_id, {}):
            raise WorkshopError(f"cell {cell_id} of {stem} has no {lang!r} text in {catalog_path(lang, stem)}: add it first.")
        catalog[cell_id]["en"] = _lines(sources[cell_id])
    save_catalog(lang, stem, catalog)
    return cell_ids


def set_translation(lang: str, stem: str, cell_id: str, text: str) -> None:
    """Store ``text`` as the translation of a cell's current English text."""
    catalog = load_catalog(lang, stem)
    catalog[cell_id] = {"en": [], lang: _lines(text)}
    save_catalog(lang, stem, catalog)
    accept(lang, stem, [cell_id])


def stale_report(lang: str) -> str:
    """For a translator: each cell to update, with the English change (a diff) and the current translation."""
    chunks = []
    for english in english_notebooks():
        _, status = build_notebook(lang, english)
        catalog = load_catalog(lang, english.stem)
        sources = {c["id"]: _text(c["source"]) for c in _read(english)["cells"] if c["cell_type"] == "markdown"}
        for cell_id in status.stale:
            diff = difflib.unified_diff(catalog[cell_id].get("en", []), _lines(sources[cell_id]),
                                        "English when translated", "English now", lineterm="", n=1)
            chunks.append(f"== {english.stem} {cell_id}: stale\n" + "\n".join(diff))
        for cell_id in status.missing:
            chunks.append(f"== {english.stem} {cell_id}: not translated\n{sources[cell_id]}")
        for cell_id, problems in status.broken.items():
            chunks.append(f"== {english.stem} {cell_id}: breaks a rule\n" + "\n".join(problems))
        for cell_id in status.orphans:
            chunks.append(f"== {english.stem} {cell_id}: no longer in English (remove it from the catalog)")
    return "\n\n".join(chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.kit.translations", description=__doc__.split("\n")[0])
    parser.add_argument("--lang", default="vi", choices=LANGUAGES)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="write notebooks/<lang>/ from the English notebooks and i18n/<lang>/")
    sub.add_parser("check", help="fail if a cell is untranslated, stale or breaks a rule, or a copy is old")
    sub.add_parser("stale", help="list the cells a translator must update, with what changed in English")
    acc = sub.add_parser("accept", help="mark cells' translations as current (after updating their text)")
    acc.add_argument("notebook", help="notebook stem, e.g. 05_review_and_approve")
    acc.add_argument("cells", nargs="+", help="cell ids")
    args = parser.parse_args(argv)
    try:
        if args.command == "accept":
            print(f"accepted {', '.join(accept(args.lang, args.notebook, args.cells))}; now run build")
            return 0
        if args.command == "stale":
            report = stale_report(args.lang)
            print(report or "nothing stale: every markdown cell has a current translation")
            return 0
        statuses = build(args.lang, write=args.command == "build")
    except WorkshopError as err:
        print(err, file=sys.stderr)
        return 2
    problems = [p for s in statuses for p in s.problems()]
    done = sum(s.translated for s in statuses)
    if args.command == "build":
        print(f"wrote notebooks/{args.lang}/ ({len(statuses)} notebooks, {done} markdown cells translated)")
        problems = [p for p in problems if "generated notebook" not in p]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s): `python -m helpers.kit.translations stale` shows what to translate",
              file=sys.stderr)
    return 1 if problems and args.command == "check" else 0


if __name__ == "__main__":
    sys.exit(main())
