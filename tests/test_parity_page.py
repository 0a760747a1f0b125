"""The parity page (docs/local-backend.md) gives a test as the evidence of each rule: every test it names exists.

The page's conventions ("How to read this page"): a bare `` `test_...` `` is in ``tests/test_registry_rules.py``,
unless its section says "Tests are in `tests/test_x.py`"; ``rules::`` is ``tests/test_registry_rules.py`` and
``documented::`` ``tests/test_documented_rules.py``; ``test_x.py::test_...`` names its file, and a following
``::test_...`` in the same row or paragraph means that file again; ``tests/test_x.py`` alone names a file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from support import REPO

PAGE = REPO / "docs" / "local-backend.md"
TESTS = REPO / "tests"
DEFAULT = "test_registry_rules.py"
ALIASES = {"rules": "test_registry_rules.py", "documented": "test_documented_rules.py"}

REFERENCE = re.compile(
    r"(?P<file>\btest_\w+\.py)(?:::(?P<in_file>test_\w+))?"  # test_x.py, test_x.py::test_y
    r"|\b(?P<alias>rules|documented)::(?P<aliased>test_\w+)"  # rules::test_y
    r"|(?<![\w:])::(?P<again>test_\w+)"  # ::test_y, in the file named before it
    r"|(?<![\w:./-])(?P<bare>test_\w+)\b(?!\.py|::)"  # test_y
)
SECTION_FILE = re.compile(r"Tests are in `tests/(test_\w+\.py)`")


def defined_tests(path: Path) -> set[str]:
    """The test functions of a test module, methods of its test classes included."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(n.name for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_"))
    return names


def references(text: str) -> list[tuple[int, str, str | None]]:
    """Every (line, file, test or None) the page names, files resolved by its conventions."""
    found = []
    lines = text.splitlines()
    section_file, last_file = DEFAULT, None
    for number, line in enumerate(lines, 1):
        if number == 1 or line.startswith("#"):
            section = " ".join(lines[number - 1:next((k for k in range(number, len(lines)) if lines[k].startswith("#")),
                                                     len(lines))])
            match = SECTION_FILE.search(section)
            section_file = match.group(1) if match else DEFAULT
        if not line.strip() or line.startswith("|"):
            last_file = None  # a row or a paragraph of its own
        for ref in REFERENCE.finditer(line):
            if ref.group("file"):
                last_file = ref.group("file")
                found.append((number, last_file, ref.group("in_file")))
            elif ref.group("alias"):
                found.append((number, ALIASES[ref.group("alias")], ref.group("aliased")))
            elif ref.group("again"):
                found.append((number, last_file, ref.group("again")))
            else:
                found.append((number, section_file, ref.group("bare")))
    return found


def test_every_test_the_parity_page_names_exists():
    refs = references(PAGE.read_text())
    assert len({(f, t) for _, f, t in refs if t}) > 50, "the page names its tests"
    missing = []
    for number, file, test in refs:
        if file is None:
            missing.append(f"line {number}: ::{test} follows no file name")
        elif not (TESTS / file).exists():
            missing.append(f"line {number}: tests/{file} does not exist")
        elif test and test not in defined_tests(TESTS / file):
            missing.append(f"line {number}: {test} is not a test of tests/{file}")
    assert missing == [], "docs/local-backend.md names tests that are not there:\n" + "\n".join(missing)


def test_the_check_reads_the_pages_conventions():
    page = "\n".join([
        "## Groups", "| a | `test_x`, `rules::test_y`, `documented::test_z` |",
        "| b | `test_a.py::test_b`, `::test_c` | test: tests/test_d.py |",
        "## Hosting", "Tests are in", "`tests/test_hosting.py`.", "| c | `test_e` |"])
    assert references(page) == [
        (2, DEFAULT, "test_x"), (2, "test_registry_rules.py", "test_y"), (2, "test_documented_rules.py", "test_z"),
        (3, "test_a.py", "test_b"), (3, "test_a.py", "test_c"), (3, "test_d.py", None),
        (6, "test_hosting.py", None), (7, "test_hosting.py", "test_e")]
