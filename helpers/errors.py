"""Errors a learner can cause, as one clear sentence each.

Every expected problem (backend not running, bad name, missing artifact ...) is raised as a
:class:`WorkshopError` whose message says what went wrong, why, and what to do.
"""

from __future__ import annotations


class WorkshopError(Exception):
    """An expected problem with a one-sentence explanation meant for the learner."""


class BackendNotRunning(WorkshopError):
    """The local AWS backend is not reachable."""


class NotReadyError(WorkshopError):
    """A notebook's prerequisite (made by an earlier notebook) is missing."""


class NotConfirmed(WorkshopError):
    """AWS mode has not been confirmed for this account and region (see notebook 00's ``confirm_aws``)."""


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for anything else)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
