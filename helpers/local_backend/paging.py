"""Paging, as SageMaker's List and Search operations page: an opaque ``NextToken`` to the next page."""

from __future__ import annotations

import base64
from typing import Any

from .exceptions import validation


def page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
    """One page of ``items`` from ``token``; the next token, or None at the end."""
    try:
        start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    except ValueError:
        raise validation("The NextToken is not one this service gave out: start again without it.") from None
    end = start + size
    following = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], following
