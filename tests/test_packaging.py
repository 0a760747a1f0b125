"""pyproject.toml and environment.yml declare the same tested dependency set; notebooks are clean."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _normalise(req: str) -> str:
    return re.sub(r"\s+", "", req).lower()


def _pyproject_requirements() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return {_normalise(r) for r in reqs}


def _environment_requirements() -> tuple[list[str], set[str]]:
    conda, pip, in_pip = [], set(), False
    for raw in (REPO / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if line.strip() == "- pip:":
            in_pip = True
            continue
        item = line.strip()[2:].strip() if line.strip().startswith("- ") else None
        if item is None:
            continue
        indent = len(line) - len(line.lstrip())
        if in_pip and indent > 4:
            pip.add(_normalise(item))
        else:
            in_pip = False
            conda.append(item)
    return conda, pip


def test_environment_yml_matches_pyproject():
    conda, pip = _environment_requirements()
    assert "python=3.11" in conda and "pip" in conda
    project = _pyproject_requirements()
    assert pip == project, (
        f"only in environment.yml: {sorted(pip - project)}; only in pyproject.toml: {sorted(project - pip)}"
    )


def test_every_dependency_has_an_upper_bound():
    for req in _pyproject_requirements():
        assert "<" in req, f"{req} has no tested upper bound"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_hygiene(path: Path):
    nb = json.loads(path.read_text())
    assert all("id" in cell for cell in nb["cells"]), "every cell keeps an id (nbformat 4.5)"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert re.fullmatch(r"\d\d_[a-z0-9]+(_[a-z0-9]+)*", path.stem), "name must be NN_verb_object"
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", "exactly one parameters-tagged code cell"
    from helpers.kit import notebook_outputs

    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            # Outputs are committed as `make notebooks` writes them (README, "Notebook outputs"): from a run of
            # the whole workshop on a local backend, with what varies normalised; never an error.
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", f"cell {cell.get('id')} has an error output"
                texts = [output.get("text", "")] + [output.get("data", {}).get(k, "") for k in notebook_outputs.TEXT_TYPES]
                for text in texts:
                    text = "".join(text) if isinstance(text, list) else text
                    assert notebook_outputs.sanitize(text) == text, f"cell {cell.get('id')}: output not normalised"
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("## Overview", "## Prerequisites", "## Summary", "### What's next?", "Estimated time"):
        assert heading in text, f"missing {heading!r}"


def test_notebooks_exist_in_order():
    assert NOTEBOOKS and NOTEBOOKS[0].stem == "00_setup"
    numbers = [int(p.stem[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), "notebooks are numbered 00, 01, ... without gaps"


# notebook 00's environment check reads versions from metadata against the ranges above (nothing imported)
def test_the_environment_check_reads_pyprojects_ranges_from_the_installed_kit():
    from helpers.setup import environment

    ranges = environment.tested_ranges()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pandas = next(r for r in project if r.startswith("pandas"))
    assert set(ranges["pandas"].split(",")) == set(pandas.removeprefix("pandas").split(","))
    checks = {c.name: c for c in environment.dependency_checks()}
    assert all(c.ok for c in checks.values()), [c.line() for c in checks.values() if not c.ok]


def test_a_dependency_outside_the_tested_range_is_a_fail_line_saying_what_to_do(monkeypatch):
    import importlib.metadata as md

    from helpers.setup import environment

    real = md.version
    monkeypatch.setattr(md, "version", lambda dist: "2.2.3" if dist == "pandas" else real(dist))
    line = environment._package_check("pandas", "pandas", "tables", {"pandas": "<4,>=3.0"}).line()
    assert line == ("[FAIL] pandas           2.2.3 is outside the kit's tested range <4,>=3.0 -> run `make setup` "
                    "(or `pip install -e .` in the kit), then restart the kernel")


def test_a_missing_dependency_is_a_fail_line_and_nothing_is_imported():
    import sys

    from helpers.setup import environment

    line = environment._package_check("no_such_module", "no-such-dist", "nothing", {}).line()
    assert line == "[FAIL] no-such-dist     not installed -> run `make setup` (or `pip install -e .` in the kit)"
    # a fresh interpreter: the check finds the packages without importing them
    import subprocess

    probe = ("import sys; from helpers.setup import environment; environment.dependency_checks(); "
             "print(sorted(m for m in ('pandas', 'xgboost', 'matplotlib', 'moto', 'papermill', 'sagemaker') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "[]"
