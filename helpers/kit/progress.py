"""How far the workshop has got: what each notebook leaves in the account, read live, and the one sentence that
names every notebook still to run before this one, with the command that catches up.

Nothing is carried from one notebook to the next: each check reads S3, IAM, the registry, CloudWatch Logs or
EventBridge (with calls the shipped IAM policies already allow), so a restarted kernel, a skipped notebook or
09's cleanup is seen as it is. :func:`require` is the first registry call of notebooks 02 to 08.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from .. import config
from ..errors import NotReadyError, says_missing

NOTEBOOKS = ("00_setup", "01_create_model_package_group", "02_register_v1_from_s3", "03_attach_metadata_and_metrics",
             "04_compare_versions", "05_review_and_approve", "06_roll_back_and_history", "07_deploy_approved_version",
             "08_automate_with_aws_cli", "09_cleanup")
# What each notebook uses that an earlier one made: the "Necessary" rows of its Prerequisites table.
NEEDS = {
    "00_setup": (), "01_create_model_package_group": ("00_setup",),
    "02_register_v1_from_s3": ("01_create_model_package_group",),
    "03_attach_metadata_and_metrics": ("02_register_v1_from_s3",),
    "04_compare_versions": ("02_register_v1_from_s3", "03_attach_metadata_and_metrics"),
    "05_review_and_approve": ("04_compare_versions",), "06_roll_back_and_history": ("05_review_and_approve",),
    "07_deploy_approved_version": ("06_roll_back_and_history",), "08_automate_with_aws_cli": ("02_register_v1_from_s3",),
    "09_cleanup": (),
}
PENDING = "PendingManualApproval"


def notebook_name(name: str) -> str:
    """The full name of a notebook from its number or name (``"06"``, ``"6"``, ``"06_roll_back_and_history"``)."""
    for stem in NOTEBOOKS:
        if name == stem or (name.isdigit() and int(name) == int(stem[:2])):
            return stem
    raise NotReadyError(f"{name!r} is not one of the workshop's notebooks: use a number from 00 to 09 or a name "
                        f"such as {NOTEBOOKS[1]}.")


def prerequisites(notebook: str) -> list[str]:
    """Every notebook that must have run before ``notebook`` (its needs, their needs, ...), in workshop order."""
    found: set[str] = set()
    todo = list(NEEDS[notebook_name(notebook)])
    while todo:
        stem = todo.pop()
        if stem not in found:
            found.add(stem)
            todo.extend(NEEDS[stem])
    return [stem for stem in NOTEBOOKS if stem in found]


def catch_up_command(last: str) -> str:
    """The one command that runs the workshop's notebooks from 00 up to ``last``."""
    return f"python -m helpers workshop --until {notebook_name(last)[:2]}"


def current_notebook() -> str | None:
    """The workshop notebook this kernel runs, or None: JupyterLab (and the kit's runner) name it in ``JPY_SESSION_NAME``."""
    stem = Path(os.environ.get("JPY_SESSION_NAME", "")).stem
    return stem if stem in NOTEBOOKS else None


class _Look:
    """The account as the checks read it: clients and the group's versions, each fetched once."""

    def __init__(self, session, group: str, bucket: str | None, role_name: str):
        from ..aws import workshop_bucket

        self.session, self.group, self.role_name = session, group, role_name
        self.bucket = workshop_bucket(session, bucket)
        self._clients: dict[str, Any] = {}
        self._versions: dict[int, dict[str, Any]] | None = None

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self.session.client(service)
        return self._clients[service]

    def missing(self, call: Callable[[], Any]) -> bool:
        """True if ``call`` fails saying the thing is not there (:func:`helpers.errors.says_missing`); other errors propagate."""
        from botocore.exceptions import ClientError

        try:
            call()
        except ClientError as exc:
            if says_missing(exc):
                return True
            raise
        return False

    def versions(self) -> dict[int, dict[str, Any]]:
        """The group's versions by number (their summaries: approval status and stage), {} without the group."""
        if self._versions is None:
            from botocore.exceptions import ClientError

            sm = self.client("sagemaker")
            try:
                pages = list(sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=self.group))
            except ClientError as exc:  # a missing group may answer "does not exist" here
                if not says_missing(exc):
                    raise
                pages = []
            self._versions = {s["ModelPackageVersion"]: s for p in pages for s in p["ModelPackageSummaryList"]}
        return self._versions


def _setup(look: _Look) -> str | None:
    from ..setup.execution_role import find_execution_role

    s3 = look.client("s3")
    if look.missing(lambda: s3.head_bucket(Bucket=look.bucket)):
        return f"the bucket {look.bucket} does not exist"
    if find_execution_role(look.session, look.role_name)[0] is None:
        return f"the execution role {look.role_name} does not exist"
    return None


def _group(look: _Look) -> str | None:
    sm, logs = look.client("sagemaker"), look.client("logs")
    if look.missing(lambda: sm.describe_model_package_group(ModelPackageGroupName=look.group)):
        return f"the model package group {look.group} does not exist"
    name = config.history_log_group(look.group)
    if look.missing(lambda: logs.filter_log_events(logGroupName=name, limit=1)):
        return f"the group's history log group {name} does not exist"
    return None


def _version(number: int) -> Callable[[_Look], str | None]:
    def check(look: _Look) -> str | None:
        return None if number in look.versions() else f"version {number} of {look.group} is not registered"
    return check


def _metadata(look: _Look) -> str | None:
    if 1 not in look.versions():
        return f"version 1 of {look.group} is not registered"
    desc = look.client("sagemaker").describe_model_package(ModelPackageName=look.versions()[1]["ModelPackageArn"])
    if "dataset_version" not in desc.get("CustomerMetadataProperties", {}) or "ModelCard" not in desc:
        return "version 1 has no training metadata or model card yet"
    return None


def _reviewed(look: _Look) -> str | None:
    from ..deployer import NAME

    for number in (1, 2):
        summary = look.versions().get(number)
        if summary is None:
            return f"version {number} of {look.group} is not registered"
        if summary.get("ModelApprovalStatus") == PENDING:
            return f"version {number} is still {PENDING}"
    events = look.client("events")
    if look.missing(lambda: events.list_targets_by_rule(Rule=NAME)):
        return f"the deployer's rule {NAME} does not exist"
    return None


def _rolled_back(look: _Look) -> str | None:
    status = (look.versions().get(2) or {}).get("ModelApprovalStatus")
    return None if status == "Rejected" else f"version 2 has not been rolled back (it is {status or 'not registered'})"


# What a notebook leaves behind that a later one uses: None when it is there, else what is missing.
CHECKS: dict[str, Callable[[_Look], str | None]] = {
    "00_setup": _setup, "01_create_model_package_group": _group, "02_register_v1_from_s3": _version(1),
    "03_attach_metadata_and_metrics": _metadata, "04_compare_versions": _version(2),
    "05_review_and_approve": _reviewed, "06_roll_back_and_history": _rolled_back,
}


def missing(session, notebook: str, group: str = config.GROUP_NAME, bucket: str | None = None,
            role_name: str = config.EXECUTION_ROLE_NAME) -> list[tuple[str, str]]:
    """``(notebook, what is missing)`` for each prerequisite of ``notebook`` that has not run, in workshop order."""
    look = _Look(session, group, bucket, role_name)
    found = []
    for stem in prerequisites(notebook):
        why = CHECKS[stem](look)
        if why:
            found.append((stem, why))
    return found


def sentence(notebook: str | None, still: list[tuple[str, str]]) -> str:
    """The one sentence for a notebook run too early: every notebook still to run, why, and the catch-up command."""
    names = [stem for stem, _ in still]
    who = notebook or "This notebook"
    if len(names) == 1:
        head = f"{who} needs what {names[0]} makes, and it has not run yet ({still[0][1]}): run {names[0]} first"
    else:
        rest = ", ".join(names[1:-1]) + (" and " if len(names) > 2 else "") + names[-1]
        head = (f"{who} needs what {len(names)} earlier notebooks make, and they have not run yet (for a start, "
                f"{still[0][1]}): run {names[0]} first, then {rest}")
    return f"{head}, or catch up in one go in a terminal with `{catch_up_command(names[-1])}`; then run this notebook again."


def require(session, notebook: str, group: str = config.GROUP_NAME, bucket: str | None = None,
            role_name: str = config.EXECUTION_ROLE_NAME) -> None:
    """Stop with one sentence (:class:`NotReadyError`) if a notebook ``notebook`` needs has not run; else nothing.

    The sentence names every notebook still to run, in order, and the command that runs them all
    (:func:`catch_up_command`). Reads only.
    """
    notebook = notebook_name(notebook)
    still = missing(session, notebook, group, bucket, role_name)
    if still:
        raise NotReadyError(sentence(notebook, still))


def group_missing(group: str, region: str | None = None, notebook: str | None = None) -> NotReadyError:
    """The error for a missing model package group: in a workshop notebook, every notebook still to run before it."""
    notebook = notebook or current_notebook()
    if notebook and notebook != NOTEBOOKS[0]:
        from ..aws import session

        still = missing(session(region), notebook, group)
        if still:
            return NotReadyError(sentence(notebook, still))
    return NotReadyError(
        f"The model package group {group!r} does not exist yet, so 01_create_model_package_group has not run (it "
        "creates it): run it first, then the notebooks after it in order up to this one (in a terminal, "
        "`python -m helpers workshop --until NN` runs 00 to NN in one go); then run this again."
    )
