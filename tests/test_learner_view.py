"""What a learner sees in JupyterLab (issue 22, items 1-5): expected problems as one sentence, quiet re-runs,
tables that show every word of a reason and fit, a chart whose label sits on no data point, CLI answers as a
terminal shows them, and the rollback's two calls in 06.

The notebook runs (marked ``notebooks``) run the real notebooks with the kit's runner against the tests' backend,
as ``python -m helpers workshop`` does; the browser checks are in ``test_learner_view_browser.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import aws, compare, history
from helpers.__main__ import history_text, versions_text
from helpers.errors import BackendNotRunning, NotConfirmed, NotReadyError, WorkshopError
from helpers.kit import notebook_runner, progress
from support import BUCKET, make_group

REPO = Path(__file__).resolve().parent.parent
GROUP = "ml-pipeline-model-group"
ALL_BEFORE_07 = ["00_setup", "01_create_model_package_group", "02_register_v1_from_s3", "03_attach_metadata_and_metrics",
                 "04_compare_versions", "05_review_and_approve", "06_roll_back_and_history"]


# --- 1. an expected problem is one sentence ------------------------------------------------------------------

@pytest.mark.parametrize("error", [NotReadyError, BackendNotRunning, NotConfirmed, WorkshopError])
def test_ipython_shows_a_workshop_error_as_its_sentence_and_the_cell_still_fails(error, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell()
    shell.user_ns["error"] = error
    result = shell.run_cell("def deep():\n    raise error('what went wrong, why, and what to do.')\ndeep()")
    shown = capsys.readouterr().out.strip()
    assert not result.success and isinstance(result.error_in_exec, error), "the cell fails"
    assert shown.splitlines() == [f"\x1b[1;31m{error.__name__}\x1b[0m: what went wrong, why, and what to do."]
    assert "Traceback" not in shown and "deep()" not in shown


def test_papermill_still_sees_the_error_and_stops_with_it(tmp_path):
    """Through a real kernel, as JupyterLab, papermill and nbclient see it: an error output of one line, the
    notebook stopped at that cell, and the runner's message carries the sentence."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import helpers\ndef deep():\n    raise helpers.NotReadyError('run 00_setup first.')\ndeep()"),
                nbformat.v4.new_code_cell("print('not reached')")]
    nbformat.write(nb, tmp_path / "too_early.ipynb")
    with pytest.raises(WorkshopError, match=r"too_early.ipynb failed in cell 0 .* with NotReadyError: run 00_setup first;"):
        notebook_runner.run_notebook(tmp_path / "too_early.ipynb", tmp_path / "out")
    executed = json.loads((tmp_path / "out" / "too_early.ipynb").read_text())
    first, second = [c for c in executed["cells"] if c["cell_type"] == "code"]
    (error,) = first["outputs"]
    assert (error["output_type"], error["ename"], error["evalue"]) == ("error", "NotReadyError", "run 00_setup first.")
    assert error["traceback"] == ["\x1b[1;31mNotReadyError\x1b[0m: run 00_setup first."]
    assert first["metadata"]["papermill"]["status"] == "failed" and second["outputs"] == []


def test_a_kernel_that_stops_answering_stops_the_run_with_a_sentence(tmp_path, monkeypatch):
    """A cell still running after the local limit (a kernel that left its request unread looks the same as one
    that sleeps): the run stops with one sentence naming the notebook and the file to look at, not for ever."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(30)")]
    nbformat.write(nb, tmp_path / "silent.ipynb")
    monkeypatch.setattr(notebook_runner, "LOCAL_CELL_SECONDS", 1)
    with pytest.raises(WorkshopError, match=r"^silent.ipynb got no answer from its kernel for 1 s in one cell.*run it "
                                            r"again; .*silent.ipynb shows the cell it stopped at.$"):
        notebook_runner.run_notebook(tmp_path / "silent.ipynb", tmp_path / "out")


def test_the_sentence_names_every_notebook_still_to_run_and_the_command(clean_backend):
    session = aws.session()
    with pytest.raises(NotReadyError) as err:
        progress.require(session, "07")
    message = str(err.value)
    assert message.startswith("07_deploy_approved_version needs what 7 earlier notebooks make, and they have not run "
                              "yet (for a start, the bucket ml-pipeline-bucket does not exist): run 00_setup first, then ")
    assert [m for m in ALL_BEFORE_07 if m in message] == ALL_BEFORE_07
    assert message.endswith("or catch up in one go in a terminal with `python -m helpers workshop --until 06`; then "
                            "run this notebook again.")
    assert "\n" not in message
    assert progress.missing(session, "08") == [
        ("00_setup", "the bucket ml-pipeline-bucket does not exist"),
        ("01_create_model_package_group", f"the model package group {GROUP} does not exist"),
        ("02_register_v1_from_s3", f"version 1 of {GROUP} is not registered")], "08 needs 00 to 02 only"


def test_what_is_there_is_not_named(clean_backend):
    """With the bucket, the role, the group and its history in place, 03 names 02 alone."""
    from helpers import history as hist
    from helpers import registry
    from helpers.setup import execution_role, s3_bucket

    session = aws.session()
    s3_bucket.ensure_bucket(session.client("s3"), BUCKET, "us-east-1")
    execution_role.execution_role(session, "SageMakerExecutionRole", BUCKET)
    registry.ensure_group(session.client("sagemaker"), GROUP, "d")
    hist.subscribe(session, GROUP)
    with pytest.raises(NotReadyError, match=r"^03_attach_metadata_and_metrics needs what 02_register_v1_from_s3 makes, "
                                            r"and it has not run yet \(version 1 of ml-pipeline-model-group is not "
                                            r"registered\): run 02_register_v1_from_s3 first, or catch up in one go "
                                            r"in a terminal with `python -m helpers workshop --until 02`"):
        progress.require(session, "03_attach_metadata_and_metrics")
    progress.require(session, "02_register_v1_from_s3")  # everything 02 needs is there: no error


def test_a_missing_group_in_a_workshop_notebook_names_everything_before_it(clean_backend, monkeypatch):
    """``registry.require_group``, which 07 calls first, knows the notebook from JupyterLab's ``JPY_SESSION_NAME``."""
    from helpers import registry

    sm = aws.client("sagemaker")
    monkeypatch.setenv("JPY_SESSION_NAME", str(REPO / "notebooks" / "07_deploy_approved_version.ipynb"))
    with pytest.raises(NotReadyError, match=r"--until 06`") as err:
        registry.require_group(sm, GROUP)
    assert all(name in str(err.value) for name in ALL_BEFORE_07)
    monkeypatch.delenv("JPY_SESSION_NAME")
    with pytest.raises(NotReadyError, match=r"^The model package group 'ml-pipeline-model-group' does not exist yet, so "
                                            r"01_create_model_package_group has not run"):
        registry.require_group(sm, GROUP)


def test_until_runs_00_up_to_the_notebook_named(monkeypatch, tmp_path):
    ran = []
    monkeypatch.setattr(notebook_runner, "run_notebook",
                        lambda path, out, params=None: ran.append(path.stem) or notebook_runner.NotebookRun(path.stem, 0.0, out))
    notebook_runner.run_workshop(output_dir=tmp_path, until="06")
    assert ran == ALL_BEFORE_07
    ran.clear()
    notebook_runner.run_workshop(output_dir=tmp_path, until="09_cleanup")
    assert ran == [p.stem for p in notebook_runner.notebooks()], "--until 09 includes the cleanup"
    with pytest.raises(WorkshopError, match="either"):
        notebook_runner.run_workshop(output_dir=tmp_path, until="06", only=["00_setup"])
    with pytest.raises(NotReadyError, match="not one of the workshop's notebooks"):
        notebook_runner.run_workshop(output_dir=tmp_path, until="12")


def test_the_command_line_takes_until(monkeypatch, capsys):
    from helpers import __main__ as cli

    seen = {}
    monkeypatch.setattr(notebook_runner, "run_workshop", lambda **kw: seen.update(kw) or [])
    assert cli.main(["workshop", "--until", "06"]) == 0
    assert seen["until"] == "06" and seen["only"] is None


# --- 3. a rollback's re-approval reads as what it is ----------------------------------------------------------

def test_a_decision_taken_again_reads_as_a_re_approval():
    def entry(change, before, after, reason="r"):
        return {"when": "2026-01-01T00:00:01.000+00:00", "version": 1, "change": change, "from": before, "to": after,
                "by": None, "reason": reason, "via": "kit"}

    found = [entry("approval", "PendingManualApproval", "Approved"), entry("approval", "Approved", "Approved", "Rollback from v2"),
             entry("approval", "Rejected", "Rejected"), entry("stage", "Archived/Retired", "Production/Approved")]
    assert [history.change_label(e) for e in found] == ["approval", "re-approval", "re-rejection", "stage"]
    assert "re-approval" in history_text(found).splitlines()[2]
    shown = history.table(found)
    assert list(shown.data.columns) == ["when (UTC)", "version", "change", "from → to", "reason", "via"]
    assert shown.data["when (UTC)"].tolist()[0] == "2026-01-01 00:00:01"
    assert shown.data["from → to"].tolist()[1] == "Approved → Approved"


# --- 4. output a learner can read -----------------------------------------------------------------------------

LONG = ("Reviewed by the clinical lead after the second hold-out run: recall and precision both checked against "
        "the baseline, the model card read in full, and the training data's version confirmed")


def test_tables_show_every_word_of_a_reason(clean_backend):
    make_group(2)
    sm = aws.client("sagemaker")
    arn = sm.describe_model_package(ModelPackageName="g/1")["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription=LONG)
    frame = compare.versions_frame(aws.session(), "g", progress=False)
    for styled in (compare.status_table(frame), compare.style_side_by_side(frame), compare.style_comparison(frame)):
        html = styled.to_html()
        assert LONG in html and "..." not in html, type(styled)
        assert LONG in repr(styled), "the text form is the whole table too, not '<Styler object at 0x...>'"
    assert "white-space: nowrap" in compare.status_table(frame).to_html(), "short values stay on one line"
    sideways = compare.style_side_by_side(frame)
    assert list(sideways.data.columns) == ["v1", "v2"] and "accuracy" in sideways.data.index
    entries = [{"when": "2026-01-01T00:00:01.000+00:00", "version": 1, "change": "approval", "from": "PendingManualApproval",
                "to": "Approved", "by": None, "reason": LONG, "via": "kit"}]
    assert LONG in history.table(entries).to_html() and LONG in repr(history.table(entries))
    assert LONG in versions_text(frame), "the terminal table (python -m helpers versions) keeps the reason too"


@pytest.mark.parametrize("approved", [2, 3])
def test_the_approved_label_sits_on_no_data_point_and_inside_the_axes(clean_backend, approved):
    """Beside its marker, over no data point, and inside the axes: the legend stands right of them, so a label
    running out of the axes (the newest version approved, the one 06 asks a learner to look at) covers it."""
    import matplotlib

    matplotlib.use("Agg")
    make_group(3)
    sm = aws.client("sagemaker")
    for version in (1, approved):
        arn = sm.describe_model_package(ModelPackageName=f"g/{version}")["ModelPackageArn"]
        sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    frame = compare.versions_frame(aws.session(), "g", progress=False)
    ax = compare.plot_metrics(frame)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (label,) = ax.texts
    box = label.get_window_extent(renderer).expanded(1.05, 1.2)
    points = [ax.transData.transform(xy) for line in ax.lines[: len(compare.METRIC_COLUMNS)] for xy in line.get_xydata()]
    assert label.get_text() == f"approved: v{approved}"
    assert not any(box.contains(x, y) for x, y in points), "the label covers a data point"
    axes = ax.get_window_extent(renderer)
    assert axes.x0 <= label.get_window_extent(renderer).x0 and label.get_window_extent(renderer).x1 <= axes.x1, \
        "the label runs out of the axes, over the legend"


def test_the_dashboard_shows_versions_side_by_side(clean_backend):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    from helpers.dashboard import FITS, dashboard

    make_group(FITS + 1)
    board = dashboard(aws.session(), BUCKET, "g")
    html = board.comparison(list(board.versions.value)).to_html()
    assert all(f">v{v}</th>" in html for v in range(1, FITS + 2)), "one column per version"
    assert "scroll sideways inside this frame" in html, "more versions than fit: the frame says it scrolls"
    assert board.table.layout.overflow == "auto"
    assert "scroll sideways" not in board.comparison([1, 2]).to_html()


def test_the_cli_answer_is_printed_as_a_terminal_shows_it(clean_backend, capsys):
    from helpers.kit import aws_cli

    answer = aws_cli.run("sagemaker", "create-model-package-group", "--model-package-group-name", "echoed", echo=True)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "$ aws sagemaker create-model-package-group --model-package-group-name echoed"
    assert "\n".join(printed[1:]) == json.dumps(answer, indent=4), "the aws program's own JSON, not a Python repr"
    aws_cli.run("sagemaker", "list-model-package-groups")
    assert capsys.readouterr().out.count("\n") == 1, "without echo only the command is printed"


# --- the notebooks themselves ---------------------------------------------------------------------------------

@pytest.mark.notebooks
def test_07_run_first_says_in_one_sentence_everything_to_run(clean_backend, tmp_path):
    with pytest.raises(WorkshopError) as err:
        notebook_runner.run_workshop(output_dir=tmp_path, only=["07_deploy_approved_version"])
    assert "NotReadyError: 07_deploy_approved_version needs what 7 earlier notebooks make" in str(err.value)
    assert "`python -m helpers workshop --until 06`" in str(err.value)
    (failed,) = [o for c in json.loads((tmp_path / "07_deploy_approved_version.ipynb").read_text())["cells"]
                 if c["cell_type"] == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert len(failed["traceback"]) == 1 and all(name in failed["traceback"][0] for name in ALL_BEFORE_07)


def test_06_shows_the_two_calls_of_a_rollback_and_the_helper_after_them():
    cells = json.loads((REPO / "notebooks" / "06_roll_back_and_history.ipynb").read_text())["cells"]
    sources = [("".join(c["source"]), c["cell_type"]) for c in cells]
    at = next(i for i, (s, kind) in enumerate(sources) if kind == "code" and 'ModelApprovalStatus="Rejected"' in s)
    calls = sources[at][0]
    assert calls.count("sm.update_model_package(") == 2 and "audit." not in calls, "the two calls, plain boto3"
    assert re.search(r'ApprovalDescription=f"Rolled back to v1: \{reason\}"', calls)
    helper = [i for i, (s, _) in enumerate(sources) if "audit.rollback(" in s]
    assert helper and min(helper) > at, "the one-call helper comes after the calls it makes"
    assert not any("audit.rollback(" in s for s, kind in sources if kind == "code"), "shown, and used in the exercise only"
