"""Every place that names a notebook, a step or a module of the kit names the right one.

Scanned: the notebooks (``notebooks/*.ipynb``, every cell), ``helpers/**/*.py``, ``docs/*.md`` and ``README.md``.

- every ``NN_name`` token is the stem of an existing notebook, and a "notebook NN" written next to a stem agrees
  with it;
- what the kit says a notebook does, where that is checkable: deleting is ``09_cleanup``'s (no "08 deletes");
- in a notebook, "Step N of 10" is its own number, its numbered headings ``## 1.``, ``## 2.`` ... count up
  without a repeat, and "(that is step N)" points at a heading about the same thing;
- every ``helpers.x.y`` named in prose or ``python -m helpers.x`` is a module (or a name in one) that exists.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STEMS = {p.stem for p in NOTEBOOKS}
BY_NUMBER = {p.stem[:2]: p.stem for p in NOTEBOOKS}

STEM_TOKEN = re.compile(r"(?<![\w/.-])(\d\d)_([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(?![\w-])")
NOTEBOOK_THEN_STEM = re.compile(r"\bnotebook (\d\d)\W{1,4}(\d\d_[a-z0-9_]+)", re.IGNORECASE)
STEM_THEN_NOTEBOOK = re.compile(r"(\d\d_[a-z0-9_]+)\W{1,4}\(?notebook (\d\d)\b", re.IGNORECASE)
# What only one notebook does, as the kit words it: (pattern whose group 1 is a notebook number, the right one).
FACTS = [
    (re.compile(r"\b(\d\d)(?:_[a-z_]+)?`?\s+deletes\s+(?:only\s+)?(?:a|an|the|every|everything|it all)\b"), "09"),
    (re.compile(r"\b(\d\d)(?:_[a-z_]+)?`?\s+cleans up\b"), "09"),
    (re.compile(r"\bnotebook (\d\d)\s+shows the order\b"), "09"),
]
STEP_OF = re.compile(r"\bStep (\d+) of 10\b")
HEADING = re.compile(r"^## (\d+)\. (.+)$", re.MULTILINE)
THAT_IS_STEP = re.compile(r"([^.;:(]*)\((?:that is|see) step (\d+)\)")
MODULE = re.compile(r"(?:python -m |``|`|:mod:`|:func:`|:class:`|:data:`|~)(helpers(?:\.[A-Za-z_]\w*)+)")
STOP = {"the", "a", "an", "of", "and", "its", "is", "in", "it", "to", "for", "from", "that", "this", "step", "then",
        "untouched", "for", "good", "version", "removes", "deleting", "registry"}

# Problems in files this change does not own, reported to their owners: (file, problem) pairs.


def _texts() -> list[tuple[str, str, str | None]]:
    """(file, text, notebook stem or None) for every scanned file; a notebook gives one text per cell."""
    found = []
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text())["cells"]:
            found.append((f"notebooks/{path.name}", "".join(cell["source"]), path.stem))
    for path in sorted((REPO / "helpers").rglob("*.py")):
        found.append((str(path.relative_to(REPO)), path.read_text(), None))
    for path in [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]:
        found.append((str(path.relative_to(REPO)), path.read_text(), None))
    return found


def _defined(module: Path) -> set[str]:
    """The top-level names a module defines or imports."""
    names = set()
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def module_exists(dotted: str) -> bool:
    """``helpers.a.b.c``: a package or module path, then at most a name defined in it (and an attribute of that)."""
    parts = dotted.split(".")
    path = REPO
    for i, part in enumerate(parts):
        if (path / part).is_dir() and (path / part / "__init__.py").exists():
            path = path / part
            continue
        if (path / f"{part}.py").exists():
            path = path / f"{part}.py"
            rest = parts[i + 1:]
            return not rest or rest[0] in _defined(path)
        return part in _defined(path / "__init__.py")  # a name the package defines (or imports)
    return True


def problems() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    headings: dict[str, list[tuple[int, str]]] = {}
    for name, text, stem in _texts():
        for number, rest in STEM_TOKEN.findall(text):
            token = f"{number}_{rest}"
            if token not in STEMS and token.rstrip("_") not in STEMS:
                found.add((name, f"{token} is not a notebook (they are {', '.join(sorted(STEMS))})"))
        for number, token in NOTEBOOK_THEN_STEM.findall(text):
            if token in STEMS and token[:2] != number:
                found.add((name, f"'notebook {number}' next to {token}"))
        for token, number in STEM_THEN_NOTEBOOK.findall(text):
            if token in STEMS and token[:2] != number:
                found.add((name, f"{token} next to 'notebook {number}'"))
        for pattern, right in FACTS:
            for match in pattern.finditer(text):
                if match.group(1) != right:
                    found.add((name, f"'{match.group(0)}': that is {BY_NUMBER[right]}'s work"))
        for dotted in MODULE.findall(text):
            if not module_exists(dotted.rstrip(".")):
                found.add((name, f"{dotted} names no module or name of the kit"))
        if stem:
            for number in STEP_OF.findall(text):
                if int(number) != int(stem[:2]):
                    found.add((name, f"'Step {number} of 10' in notebook {stem[:2]}"))
            headings.setdefault(stem, []).extend((int(n), title) for n, title in HEADING.findall(text))
    for name, text, stem in _texts():
        if not stem:
            continue
        titles = dict(headings[stem])
        for before, number in THAT_IS_STEP.findall(text):
            title = titles.get(int(number), "")
            said = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", before)} - STOP
            if not said & {w.lower() for w in re.findall(r"[A-Za-z0-9]+", title)}:
                found.add((name, f"'(that is step {number})' points at '## {number}. {title}', which is not about: "
                                 f"{before.strip()}"))
    for stem, numbered in headings.items():
        numbers = [n for n, _ in numbered]
        if numbers != list(range(1, len(numbers) + 1)):
            found.add((f"notebooks/{stem}.ipynb", f"numbered headings go {numbers}, not 1, 2, 3 ..."))
    return found


def test_every_notebook_step_and_module_named_exists_and_is_the_right_one():
    new = sorted(problems())
    assert new == [], "\n".join(f"{name}: {what}" for name, what in new)


def test_the_checks_catch_what_they_are_for():
    """The scanner itself, on the mistakes it exists for."""
    assert not module_exists("helpers.fidelity") and module_exists("helpers.kit.progress.require")
    assert module_exists("helpers.local_backend.validation") and module_exists("helpers.errors.NotReadyError")
    text = "so that 08 deletes only a bucket the workshop made; notebook 05 (`06_roll_back_and_history`)"
    assert [m.group(1) for m in FACTS[0][0].finditer(text)] == ["08"]
    assert NOTEBOOK_THEN_STEM.findall(text) == [("05", "06_roll_back_and_history")]
    assert [f"{a}_{b}" for a, b in STEM_TOKEN.findall("run 05_review_and_aprove, then 06_roll_back_and_history")] == [
        "05_review_and_aprove", "06_roll_back_and_history"]
    assert THAT_IS_STEP.findall("its artifact in S3 is untouched (that is step 3).") == [
        ("its artifact in S3 is untouched ", "3")]


def test_the_kits_notebook_list_is_the_folder():
    from helpers.kit import progress

    assert list(progress.NOTEBOOKS) == sorted(STEMS)
    assert set(progress.NEEDS) == STEMS and all(set(needs) <= STEMS for needs in progress.NEEDS.values())
