"""Where the kit keeps its state and which backend, region and names it uses.

Everything here is read from the environment (or a parameter) at call time, never cached, so a
notebook or a test can change it without restarting the kernel.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import WorkshopError

DEFAULT_REGION = "us-east-1"
BACKENDS = ("local", "aws")

# The names the workshop spec uses (local mode keeps them as they are).
GROUP_NAME = "ml-pipeline-model-group"
BUCKET = "ml-pipeline-bucket"
EXECUTION_ROLE_NAME = "SageMakerExecutionRole"
# What the kit creates carries this tag; cleanup deletes a bucket or a role only when it carries it.
TAG = {"Key": "workshop", "Value": "model-registry"}


def history_log_group(group: str) -> str:
    """The CloudWatch Logs log group that keeps ``group``'s registry history (notebook 01 makes it).

    Under ``/aws/events/`` because EventBridge's console offers only those log groups as targets (the API takes any).
    """
    return f"/aws/events/model-registry/{group}"


def created_by_workshop(tags: list[dict]) -> bool:
    """Whether a resource's tags (``[{"Key": ..., "Value": ...}]``) include the workshop's :data:`TAG`."""
    return any(t.get("Key") == TAG["Key"] and t.get("Value") == TAG["Value"] for t in tags)


def repo_root() -> Path:
    """The kit's checkout: the folder holding ``helpers/`` (the package is installed editable)."""
    return Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """Folder of the local backend's state file and log (``$WORKSHOP_STATE_DIR`` or ``.workshop/``)."""
    env = os.environ.get("WORKSHOP_STATE_DIR")
    return Path(env).resolve() if env else repo_root() / ".workshop"


def backend_mode(value: str | None = None) -> str:
    """``local`` (default) or ``aws``, from the argument or ``$WORKSHOP_BACKEND``."""
    mode = (value or os.environ.get("WORKSHOP_BACKEND") or "local").strip().lower()
    if mode not in BACKENDS:
        raise WorkshopError(
            f"WORKSHOP_BACKEND is {mode!r}, which the kit does not know: it must be one of "
            f"{', '.join(BACKENDS)}; unset it to use the local backend."
        )
    return mode


def region(value: str | None = None) -> str:
    """The region from the argument, ``$AWS_REGION``/``$AWS_DEFAULT_REGION``, else us-east-1."""
    return value or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
