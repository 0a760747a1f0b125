"""helpers.kit.aws_cli: the ``aws`` program as the notebooks run it, one long-lived process for many commands."""

from __future__ import annotations

import pytest

from helpers.errors import WorkshopError


def test_the_running_aws_process_answers_as_the_aws_program_does(clean_backend, capsys):
    """aws_cli.run keeps one CLI process for many commands: the same answers, exit codes and error lines as
    ``aws`` started per command, and every command sees the backend state the one before it left."""
    from helpers.kit import aws_cli

    aws_cli.start()  # in the background, before the first command
    started = aws_cli._worker
    created = aws_cli.run("sagemaker", "create-model-package-group", "--model-package-group-name", "via-worker")
    assert created["ModelPackageGroupArn"].endswith(":model-package-group/via-worker")
    assert capsys.readouterr().out == "$ aws sagemaker create-model-package-group --model-package-group-name via-worker\n"
    listing = ("sagemaker", "list-model-package-groups", "--query", "ModelPackageGroupSummaryList[].ModelPackageGroupName")
    assert aws_cli.run(*listing) == aws_cli.run(*listing, own_process=True) == ["via-worker"]
    worker = aws_cli._worker
    assert worker is started and worker.proc.poll() is None, "the commands went to the one process started"

    missing = ("sagemaker", "describe-model-package-group", "--model-package-group-name", "nope")
    shared, own = aws_cli.run(*missing, check=False), aws_cli.run(*missing, check=False, own_process=True)
    assert shared.returncode == own.returncode != 0
    assert aws_cli._last_error_line(shared) == aws_cli._last_error_line(own)
    assert "(ValidationException) when calling the DescribeModelPackageGroup operation" in own.stderr
    with pytest.raises(WorkshopError, match=r"^The aws command failed: An error occurred \(ValidationException\)"):
        aws_cli.run(*missing)
    bad = [aws_cli.run("sagemaker", "list-model-package-groups", "--no-such-option", check=False, own_process=own)
           for own in (False, True)]
    assert bad[0].returncode == bad[1].returncode != 0
    assert "Unknown options: --no-such-option" in bad[0].stderr and "Unknown options: --no-such-option" in bad[1].stderr
    assert aws_cli._worker is worker, "a failing command leaves the process running"

    aws_cli.run("sagemaker", "list-model-package-groups", region="eu-west-1")  # another environment: a new process
    assert aws_cli._worker is not worker and worker.proc.poll() is not None
    aws_cli._worker.stop()
