"""The ``aws`` command line kept running: one process that runs many CLI commands, one after another.

``aws_cli.run`` starts it once (``python -m helpers.kit.aws_cli_worker``, with the environment the commands
need) and sends it one command per line. For each command it calls the CLI's own entry point, the
function the ``aws`` program itself calls, with a fresh CLI driver (a new botocore session, as a new
``aws`` process would have, sharing only the loader of the CLI's read-only service descriptions), and
answers with the exit code and what the command printed. Starting the
CLI costs about 0.35 s (Python, awscli's imports, its plugins); a command in the running process costs
a small fraction of that.

Protocol, one JSON document per line: in ``{"args": [...]}``, out ``{"rc": 0, "stdout": "...", "stderr": "..."}``.
It imports nothing from the kit: awscli brings its own botocore, which must be the first one imported here.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


_loader = None  # botocore's loader of the service descriptions (JSON files, parsed once, never changed)


def _driver():
    """A new CLI driver, as ``aws`` creates at start, given the loader the earlier ones already filled."""
    global _loader
    from awscli import clidriver

    driver = clidriver.create_clidriver()
    if _loader is None:
        _loader = driver.session.get_component("data_loader")
    else:
        driver.session.register_component("data_loader", _loader)
    return driver


def run_one(args: list[str]) -> dict:
    """Run one ``aws`` command (``args`` without the leading ``aws``) and capture its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = _driver().main(args)
        except SystemExit as exc:  # what the aws program would exit with
            rc = exc.code if isinstance(exc.code, int) else 255
        except Exception as exc:  # noqa: BLE001 - reported like the CLI reports an unexpected error
            print(f"\n{type(exc).__name__}: {exc}", file=sys.stderr)
            rc = 255
    return {"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    answers = sys.stdout
    _driver()  # the CLI's imports and plugins now, while the notebook is still busy with other cells
    for line in sys.stdin:
        if line.strip():
            answers.write(json.dumps(run_one(json.loads(line)["args"])) + "\n")
            answers.flush()


if __name__ == "__main__":
    main()
