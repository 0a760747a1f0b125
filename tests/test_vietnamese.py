"""The Vietnamese edition: notebooks/vi/ is the English notebooks' code with i18n/vi/'s prose, and nothing else.

The English notebooks are the one source of code; ``python -m helpers.kit.translations build`` writes
notebooks/vi/ from them. These tests keep it so: every markdown cell has a current translation that keeps
what must stay (code blocks, code spans, links, headings, tables, diagrams' graphs); every code cell is the
English one, byte for byte; the committed copies are what the generator writes now; and the Vietnamese
notebooks run clean, in order, against the tests' backend, leaving the registry the English run leaves.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from helpers import aws, config, registry
from helpers.kit import notebook_runner, translation_rules, translations

REPO = Path(__file__).resolve().parent.parent
ENGLISH = translations.english_notebooks()
AWS_NAMES = ("Amazon SageMaker", "SageMaker Model Registry", "Model Registry", "SageMaker Studio", "SageMaker SDK",
             "EventBridge", "CloudWatch Logs", "AWS CLI", "Lambda", "IAM", "S3", "SQS", "STS", "ECR", "Model registry",
             "Model package groups", "Model quality", "SageMaker Model Package State Change")
FIX = "translate them (python -m helpers.kit.translations stale shows what), then run build"


def _statuses() -> list[translations.Status]:
    return translations.build("vi", write=False)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_markdown_cell_has_a_current_translation():
    problems = [p for s in _statuses() for p in s.problems()
                if "no translation" in p or "changed in English" in p or "no longer in" in p]
    assert problems == [], f"{len(problems)} cell(s) to translate: {FIX}\n" + "\n".join(problems)


def test_translations_keep_code_links_headings_and_tables():
    broken = {f"{s.notebook} {cell}": ps for s in _statuses() for cell, ps in s.broken.items()}
    assert broken == {}


def test_the_generated_notebooks_are_current():
    outdated = [s.notebook for s in _statuses() if s.outdated_copy]
    assert outdated == [], ("notebooks/vi/ is not what the generator writes from the English notebooks now: "
                            f"run python -m helpers.kit.translations build ({outdated})")


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_code_cells_are_the_english_ones_byte_for_byte(english: Path):
    en, vi = _read(english), _read(REPO / "notebooks" / "vi" / english.name)
    assert [(c["id"], c["cell_type"]) for c in vi["cells"]] == [(c["id"], c["cell_type"]) for c in en["cells"]]
    for en_cell, vi_cell in zip(en["cells"], vi["cells"]):
        if en_cell["cell_type"] == "code":  # source, metadata (the parameters tag), empty outputs: all of it
            assert json.dumps(vi_cell, sort_keys=True) == json.dumps(en_cell, sort_keys=True), en_cell["id"]
        else:
            assert vi_cell["metadata"] == en_cell["metadata"]
    assert vi["metadata"] == en["metadata"] and vi["nbformat_minor"] == en["nbformat_minor"]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda p: p.stem)
def test_the_prose_is_vietnamese_with_the_house_structure(english: Path):
    en, vi = _read(english), _read(REPO / "notebooks" / "vi" / english.name)
    pairs = [("".join(e["source"]), "".join(v["source"])) for e, v in zip(en["cells"], vi["cells"])
             if e["cell_type"] == "markdown"]
    assert all(v != e for e, v in pairs), "a cell was left in English"
    text = "\n".join(v for _, v in pairs)
    for heading in ("## Tổng quan", "## Điều kiện tiên quyết", "## Tóm tắt", "### Bước tiếp theo",
                    "**Thời gian ước tính:**", "**Bạn đang ở đâu?**"):
        assert heading in text, f"missing {heading!r}"
    # AWS names stay in English, as AWS's Vietnamese documentation keeps them
    english_text = "\n".join(e for e, _ in pairs)
    kept = [name for name in AWS_NAMES if name in english_text]
    assert [name for name in kept if name not in text] == []


# ---- the generator's guarantees, on a copy of the tree ----------------------------------------------------

DEMO = [("markdown", "m1", "# 01 · Demo\nRun `make lab` first."), ("code", "c1", "x = 1"),
        ("markdown", "m2", "## Summary\nDone.")]
DEMO_VI = {"m1": "# 01 · Ví dụ\nHãy chạy `make lab` trước.", "m2": "## Tóm tắt\nXong."}


def _write_notebook(path: Path, cells: list[tuple[str, str, str]]) -> None:
    nb = {"cells": [{"cell_type": kind, "id": cid, "metadata": {}, "source": text.splitlines(keepends=True),
                     **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                    for kind, cid, text in cells],
          "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A small kit of its own for the generator: one English notebook, its catalog, its built copy."""
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(config, "repo_root", lambda: tmp_path)
    _write_notebook(tmp_path / "notebooks" / "01_demo.ipynb", DEMO)
    for cell_id, text in DEMO_VI.items():
        translations.set_translation("vi", "01_demo", cell_id, text)
    translations.build("vi")
    assert translations.main(["check"]) == 0
    return tmp_path


def test_build_copies_code_and_translates_prose(tree):
    built = _read(tree / "notebooks" / "vi" / "01_demo.ipynb")
    assert ["".join(c["source"]) for c in built["cells"]] == [DEMO_VI["m1"], "x = 1", DEMO_VI["m2"]]
    catalog = _read(tree / "i18n" / "vi" / "01_demo.json")["cells"]
    assert catalog["m1"] == {"en": ["# 01 · Demo", "Run `make lab` first."], "vi": ["# 01 · Ví dụ", "Hãy chạy `make lab` trước."]}


def test_a_changed_english_sentence_is_named_shown_and_accepted(tree, capsys):
    english = tree / "notebooks" / "01_demo.ipynb"
    _write_notebook(english, [DEMO[0], DEMO[1], ("markdown", "m2", "## Summary\nDone, and checked.")])
    assert translations.main(["check"]) == 1
    assert "01_demo.ipynb: cell m2 changed in English since it was translated" in capsys.readouterr().err
    assert translations.main(["stale"]) == 0
    report = capsys.readouterr().out
    assert "== 01_demo m2: stale" in report and "-Done.\n+Done, and checked." in report
    assert report.count("== ") == 1, "only the changed cell is listed"
    translations.set_translation("vi", "01_demo", "m2", "## Tóm tắt\nXong, đã kiểm tra.")
    translations.build("vi")
    assert translations.main(["check"]) == 0


def test_accept_records_the_english_a_translation_now_follows(tree, capsys):
    _write_notebook(tree / "notebooks" / "01_demo.ipynb", [("markdown", "m1", "# 01 · Demo\nRun `make lab` now."), *DEMO[1:]])
    assert translations.main(["accept", "01_demo", "m1"]) == 0
    assert translations.main(["check"]) == 0, "the translation now follows the new English"
    assert translations.main(["accept", "01_demo", "c1"]) == 2
    assert "01_demo has no markdown cell 'c1'" in capsys.readouterr().err


def test_a_changed_english_code_cell_makes_the_copy_outdated_until_build(tree, capsys):
    _write_notebook(tree / "notebooks" / "01_demo.ipynb", [DEMO[0], ("code", "c1", "x = 2"), DEMO[2]])
    assert translations.main(["check"]) == 1
    assert "01_demo.ipynb: the generated notebook is not what build writes now" in capsys.readouterr().err
    translations.build("vi")
    assert "".join(_read(tree / "notebooks" / "vi" / "01_demo.ipynb")["cells"][1]["source"]) == "x = 2"
    assert translations.main(["check"]) == 0


def test_a_new_english_cell_shows_in_english_under_a_note_until_translated(tree, capsys):
    _write_notebook(tree / "notebooks" / "01_demo.ipynb", [*DEMO, ("markdown", "m3", "Brand new.")])
    translations.build("vi")
    built = _read(tree / "notebooks" / "vi" / "01_demo.ipynb")["cells"][3]
    assert "".join(built["source"]) == translations.UNTRANSLATED["vi"] + "Brand new."
    assert translations.main(["check"]) == 1
    assert "01_demo.ipynb: no translation for cell m3" in capsys.readouterr().err


def test_a_removed_english_cell_leaves_an_orphan_to_delete(tree, capsys):
    _write_notebook(tree / "notebooks" / "01_demo.ipynb", DEMO[:2])
    translations.build("vi")
    assert translations.main(["check"]) == 1
    assert "01_demo.ipynb: cell m2 is translated but no longer in the English notebook" in capsys.readouterr().err


@pytest.mark.parametrize("english, translated, problem", [
    ("Run `make lab`.", "Chạy `make lab-vi`.", "code spans: missing ['make lab'], added ['make lab-vi']"),
    ("See [docs](https://a.example/x).", "Xem [tài liệu](https://a.example/y).", "link targets differ"),
    ("```python\nx = 1\n```", "```python\nx = 2\n```", "a ```python block differs from the English one (code)"),
    ("## A\ntext", "# A\nvăn bản", "headings differ: ['##'] in English, ['#'] here"),
    ("| a | b |\n|---|---|", "| a b |\n|---|---|", "table rows or columns differ"),
    ('```mermaid\nflowchart LR\n  a["x"] -->|y| b\n```', '```mermaid\nflowchart LR\n  a["x"] -->|y| c\n```',
     "a ```mermaid block differs from the English one (graph)"),
    ("<details><summary>Solution</summary>\nx\n</details>", "<summary>Lời giải</summary>\nx", "<details> count differs"),
])
def test_a_translation_that_breaks_a_rule_is_named(english, translated, problem):
    assert problem in translation_rules.structure_problems(english, translated)


def test_translated_diagram_labels_and_transition_words_are_allowed():
    english = ('```mermaid\nflowchart LR\n  a["model package group"] -->|register a version| b\n'
               "stateDiagram-v2\n  A --> B: roll back or withdraw\n```")
    translated = ('```mermaid\nflowchart LR\n  a["nhóm gói mô hình"] -->|đăng ký một phiên bản| b\n'
                  "stateDiagram-v2\n  A --> B: quay lui hoặc rút lại\n```")
    assert translation_rules.structure_problems(english, translated) == []


# ---- the Vietnamese notebooks, run ----------------------------------------------------------------------

@pytest.mark.notebooks
def test_the_vietnamese_notebooks_run_clean_in_order_under_a_second_teams_names(clean_backend, tmp_path):
    """00 to 09 from notebooks/vi/ (their own folder as the working directory), one kernel each, as a learner
    runs them, with a second team's names through papermill: the registry holds what the English run leaves,
    under those names only, and 09 removes it all. The code cells are the English notebooks' byte for byte
    (tested above), so this run is also the test that every notebook honours its parameters."""
    params = {"bucket": "team-b-artifacts", "group_name": "team-b-models", "cli_group_name": "team-b-models-cli"}
    start = time.perf_counter()
    runs = [notebook_runner.run_notebook(path, tmp_path, params) for path in notebook_runner.notebooks(REPO / "notebooks" / "vi")
            if not path.stem.startswith("09_")]
    assert [r.name for r in runs] == [p.stem for p in ENGLISH if not p.stem.startswith("09_")]
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    found = {g["ModelPackageGroupName"]: [(v["ModelPackageVersion"], v["ModelApprovalStatus"])
                                          for v in registry.describe_versions(sm, g["ModelPackageGroupName"])]
             for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]}
    assert found == {"team-b-models": [(1, "Approved"), (2, "Rejected")], "team-b-models-cli": [(1, "Approved")]}
    urls = [d["InferenceSpecification"]["Containers"][0]["ModelDataUrl"] for d in registry.describe_versions(sm, "team-b-models")]
    assert all(u.startswith("s3://team-b-artifacts/") for u in urls)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["team-b-artifacts"]
    assert sm.describe_endpoint(EndpointName="ml-pipeline-endpoint")["EndpointStatus"] == "InService"
    runs.append(notebook_runner.run_notebook(REPO / "notebooks" / "vi" / "09_cleanup.ipynb", tmp_path,
                                             {"bucket": "team-b-artifacts", "group_names": ["team-b-models", "team-b-models-cli"]}))
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    print(f"Vietnamese notebooks 00-09: {time.perf_counter() - start:.1f} s (" +
          ", ".join(f"{r.name[:2]} {r.seconds:.1f}" for r in runs) + ")")
