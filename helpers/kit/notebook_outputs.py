"""The notebooks' committed outputs: what a learner sees on GitHub before running anything, and what nbval checks.

``python -m helpers.kit.notebook_outputs refresh`` (``make notebooks``) runs the whole workshop, 00 to 09, on a
fresh local backend of its own and writes each code cell's outputs back into ``notebooks/NN_*.ipynb``. What
varies from run to run is normalised on the way (:data:`SANITIZE`: times, durations, ports, temporary paths,
random ids), so running it again changes no line unless a lesson changed. ``make test`` runs nbval over the
notebooks without ``--nbval-lax``: every output is compared with the committed one, through the same
patterns (:func:`write_nbval_config`), so stale outputs fail the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from unittest import mock

# (pattern, replacement): applied to every text output when writing, and by nbval to both sides when comparing.
# A replacement never matches its own pattern, so normalising twice changes nothing.
SANITIZE: list[tuple[str, str]] = [
    (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:?\d{2}|Z| UTC)?", "2026-01-01 00:00:00"),
    (r"datetime\.datetime\([^)]*\)", "datetime.datetime(2026, 1, 1, 0, 0)"),
    (r"\b\d{2}:\d{2}:\d{2}\b", "00:00:00"),
    (r"\b\d+(?:\.\d+)? ?(?:s|ms|seconds)\b(?! *\()", "0.0 s"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
    (r"localhost:\d+", "localhost:PORT"),
    (r"/tmp/[\w./-]+", "/tmp/PATH"),
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "00000000-0000-0000-0000-000000000000"),
    (r"\bT_[0-9a-f]{5}(?![0-9a-f])", "T_table"),  # pandas Styler's random table ids
    (r"\(pid \d+", "(pid 0"),
    (r"\bpid \d+\b", "pid 0"),
]
TEXT_TYPES = ("text/plain", "text/html", "text/markdown")


def sanitize(text: str) -> str:
    for pattern, replacement in SANITIZE:
        text = re.sub(pattern, replacement, text)
    return text


def _normalise_output(output: dict) -> dict:
    output = dict(output)
    if output.get("output_type") == "stream":
        output["text"] = sanitize("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
    if "data" in output:
        data = dict(output["data"])
        for kind in TEXT_TYPES:
            if kind in data:
                value = "".join(data[kind]) if isinstance(data[kind], list) else data[kind]
                data[kind] = sanitize(value)
        if "application/vnd.jupyter.widget-view+json" in data:  # the model id is random; no state is saved
            data["application/vnd.jupyter.widget-view+json"] = {
                **data["application/vnd.jupyter.widget-view+json"], "model_id": "widget"}
        output["data"] = data
        output["metadata"] = {}
    if output.get("output_type") == "error":
        output["traceback"] = [sanitize(line) for line in output.get("traceback", [])]
    return output


def _joined_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive outputs of one stream as one (the kernel splits a stream where its flushes happen to fall)."""
    joined: list[dict] = []
    for output in outputs:
        if (output.get("output_type") == "stream" and joined and joined[-1].get("output_type") == "stream"
                and joined[-1]["name"] == output["name"]):
            joined[-1] = {**joined[-1], "text": joined[-1]["text"] + output["text"]}
        else:
            joined.append(output)
    return joined


def merge_outputs(source: Path, executed: dict) -> dict:
    """``source`` with the outputs and execution counts of ``executed`` (matched by cell id), normalised."""
    import nbformat

    notebook = nbformat.read(source, as_version=4)
    ran = {cell["id"]: cell for cell in executed["cells"] if cell.get("cell_type") == "code"}
    for count, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1):
        done = ran.get(cell.id)
        outputs = [_normalise_output(o) for o in (done or {}).get("outputs", [])]
        cell.outputs = [nbformat.from_dict(o) for o in _joined_streams(outputs)]
        cell.execution_count = count if done is not None else None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    return notebook


def refresh(folder: Path, only: list[str] | None = None) -> list[str]:
    """Run every notebook of ``folder`` in order on a fresh local backend; write their outputs back. Returns names."""
    import nbformat

    from . import backend, notebook_runner

    written = []
    with tempfile.TemporaryDirectory(prefix="workshop-outputs-") as tmp, \
            mock.patch.dict(os.environ, {"WORKSHOP_STATE_DIR": str(Path(tmp) / "state"), "WORKSHOP_BACKEND": "local"}):
        backend.start(port=0)
        try:
            for path in notebook_runner.notebooks(folder):
                run = notebook_runner.run_notebook(path, Path(tmp) / "out")
                if only and path.stem not in only:
                    continue
                merged = merge_outputs(path, json.loads(run.output.read_text()))
                nbformat.validate(merged)
                path.write_text(nbformat.writes(merged) + "\n")  # the repository's own notebook format
                written.append(path.stem)
        finally:
            backend.stop()
    return written


def write_nbval_config(path: Path) -> Path:
    """The patterns as nbval's ``--nbval-sanitize-with`` file (sections of ``regex:`` and ``replace:``)."""
    sections = [f"[pattern {i}]\nregex: {pattern}\nreplace: {replacement}\n" for i, (pattern, replacement) in enumerate(SANITIZE)]
    path.write_text("\n".join(sections))
    return path


def main(argv: list[str] | None = None) -> int:
    from .. import config

    parser = argparse.ArgumentParser(prog="python -m helpers.kit.notebook_outputs")
    parser.add_argument("command", choices=["refresh"])
    parser.add_argument("--only", nargs="*", help="notebook names to write (all run, in order)")
    args = parser.parse_args(argv)
    written = refresh(config.repo_root() / "notebooks", args.only)
    print(f"outputs written into {len(written)} notebooks: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
