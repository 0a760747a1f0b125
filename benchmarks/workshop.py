"""The workshop (notebooks 00-08 through papermill) against its floor: as many notebooks that only
import helpers and make one backend call, through the same runner, against one backend."""

from __future__ import annotations

from pathlib import Path

from .harness import own_backend


def floor_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import helpers\nhelpers.client('sts').get_caller_identity()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def bench_workshop(tmp: Path) -> dict:
    from helpers.kit import notebook_runner

    with own_backend(tmp / "workshop-state"):
        floor_dir = tmp / "floor"
        floor_dir.mkdir()
        # One untimed floor notebook first, so that neither side pays the one-off costs of the first run in
        # this process (importing papermill and nbclient, finding the kernel spec, a cold file cache).
        floor_notebook(floor_dir / "warm-up.ipynb")
        notebook_runner.run_notebook(floor_dir / "warm-up.ipynb", tmp / "floor-out")
        runs = notebook_runner.run_workshop(output_dir=tmp / "out")
        floor = []
        for i in range(len(runs)):
            path = floor_dir / f"{i:02d}_floor.ipynb"
            floor_notebook(path)
            floor.append(notebook_runner.run_notebook(path, tmp / "floor-out").seconds)
    total, floor_total = sum(r.seconds for r in runs), sum(floor)
    return {
        "notebooks": {r.name: round(r.seconds, 2) for r in runs},
        "workshop_s": round(total, 2),
        "floor_s": round(floor_total, 2),
        "ratio": round(total / floor_total, 2),
        "slowest": max(runs, key=lambda r: r.seconds).name,
    }
