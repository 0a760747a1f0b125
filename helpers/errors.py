"""Errors a learner can cause, as one clear sentence each.

Every expected problem (backend not running, bad name, missing artifact ...) is raised as a
:class:`WorkshopError` whose message says what went wrong, why, and what to do. In a notebook it shows as
that one sentence, without a traceback (:meth:`WorkshopError._render_traceback_`); the cell still fails.
"""

from __future__ import annotations


class WorkshopError(Exception):
    """An expected problem with a one-sentence explanation meant for the learner."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of the traceback: the error's name and its sentence, one line.

        IPython (and so JupyterLab, papermill and nbclient) calls this when the exception reaches the cell; the
        cell still fails, and the kernel still reports the error by name (``ename``) and message (``evalue``).
        The frames are no help for an expected problem: the sentence says what to do.
        """
        return [f"\x1b[1;31m{type(self).__name__}\x1b[0m: {self}"]


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


def says_missing(exc: BaseException) -> bool:
    """Whether an AWS error says the thing asked for is not there, by code and message.

    SageMaker answers a missing group or version with ``ValidationException`` "... does not exist" (the wording
    the Terraform AWS provider matches too); other services with a ``...NotFound...`` code. A
    ``ValidationException`` saying anything else (a malformed name, a refused value) is not "missing".
    """
    code = error_code(exc)
    if code == "ValidationException":
        return "does not exist" in str(exc)
    return code in ("ResourceNotFound", "ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "404", "NotFound")
