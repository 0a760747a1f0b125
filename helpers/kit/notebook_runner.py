"""Run the workshop notebooks in order with papermill, as ``make workshop`` and the tests do.

A failure names the notebook and the cell; outputs go to ``build/notebooks/``.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..errors import WorkshopError

WORKSHOP_SKIP = ("09_cleanup",)  # make workshop leaves the registry populated for exploring
# Locally no cell takes more than seconds (on AWS an endpoint takes minutes: no limit there). A cell still
# running after this has a kernel that stopped answering: ipykernel 7 can leave a request unread while it is
# idle (ipykernel issue #1554), seen once in 06's dashboard cell under a loaded machine. A run then stops with
# a sentence instead of waiting for ever.
LOCAL_CELL_SECONDS = 300


@dataclass
class NotebookRun:
    name: str
    seconds: float
    output: Path


def notebooks(folder: Path | None = None) -> list[Path]:
    """The workshop notebooks in order (``NN_*.ipynb``)."""
    folder = folder or config.repo_root() / "notebooks"
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


@contextmanager
def _kernel_named(path: Path):
    """Start kernels meanwhile with ``JPY_SESSION_NAME`` set to ``path``, as JupyterLab does for the notebook it opens.

    The kit reads it (:func:`helpers.kit.progress.current_notebook`) to name the notebooks still to run before this one.
    """
    before = os.environ.get("JPY_SESSION_NAME")
    os.environ["JPY_SESSION_NAME"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("JPY_SESSION_NAME", None)
        else:
            os.environ["JPY_SESSION_NAME"] = before


def run_notebook(path: Path, output_dir: Path, parameters: dict[str, Any] | None = None,
                 cwd: Path | None = None) -> NotebookRun:
    """Execute one notebook (in ``cwd``, else its own folder); raise :class:`WorkshopError` naming the failing cell."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir / path.name
    start = time.perf_counter()
    try:
        with _kernel_named(path):
            pm.execute_notebook(
                str(path),
                str(out),
                parameters=parameters or {},
                kernel_name="python3",
                cwd=str(cwd or path.parent),
                progress_bar=False,
                # The kernel's own log is not the learner's business here (a failing cell raises below): at
                # ERROR it still printed "KeyboardInterrupt caught in kernel" when papermill shut it down.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                # Once the last cell's output is in, the kernel has nothing left to say: stop it at once. A
                # graceful stop waited for Python to tear down every module it had imported (0.2-0.9 s per
                # notebook, the SDK's the slowest); nothing the notebooks write waits for the kernel's exit.
                shutdown_kernel="immediate",
                execution_timeout=LOCAL_CELL_SECONDS if config.backend_mode() == "local" else None,
            )
    except CellTimeoutError:
        raise WorkshopError(
            f"{path.name} got no answer from its kernel for {LOCAL_CELL_SECONDS} s in one cell, where locally a cell "
            f"takes seconds, so the kernel stopped answering (a known Jupyter kernel hang): run it again; {out} "
            "shows the cell it stopped at."
        ) from None
    except PapermillExecutionError as exc:
        raise WorkshopError(
            f"{path.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}) with "
            f"{exc.ename}: {exc.evalue.splitlines()[0].rstrip('.') if exc.evalue else ''}; open {out} to see the cell "
            "and its traceback, fix the cause and run again."
        ) from None
    return NotebookRun(path.stem, time.perf_counter() - start, out)


def run_workshop(
    output_dir: Path | None = None,
    parameters: dict[str, Any] | None = None,
    skip: tuple[str, ...] = WORKSHOP_SKIP,
    only: list[str] | None = None,
    confirm_aws: bool = False,
    until: str | None = None,
) -> list[NotebookRun]:
    """Run the notebooks in order (``only`` those named, else all but ``skip``), one line per notebook.

    ``until`` (a number such as ``"06"``, or a name) runs 00 up to and including that notebook: the catch-up
    command a notebook run too early names (:func:`helpers.kit.progress.catch_up_command`). ``confirm_aws`` is passed
    to ``00_setup`` only: with ``WORKSHOP_BACKEND=aws`` it confirms the account.
    """
    from .progress import notebook_name

    if only and until:
        raise WorkshopError("Give either the notebooks to run (--only) or the last one to run (--until), not both.")
    last = notebook_name(until)[:2] if until else None
    output_dir = output_dir or config.repo_root() / "build" / "notebooks"
    runs = []
    for path in notebooks():
        if last is not None:
            if path.stem[:2] > last:
                continue
        elif (only and path.stem not in only) or (not only and path.stem in skip):
            continue
        print(f"running {path.name} ...", flush=True)
        params = dict(parameters or {})
        if confirm_aws and path.stem.startswith("00_"):
            params["confirm_aws"] = True
        run = run_notebook(path, output_dir, params)
        print(f"  done in {run.seconds:.1f} s -> {run.output}", flush=True)
        runs.append(run)
    return runs
