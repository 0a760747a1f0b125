"""What the List operations share: the creation-time window, sorting and one page of summaries."""

from __future__ import annotations

from typing import Any

from ..paging import page
from .context import public

LIST_PAGE = 10  # ListModelPackages/ListModelPackageGroups without MaxResults (unverified default)


def created_between(doc: dict[str, Any], p: dict[str, Any]) -> bool:
    after, before = p.get("CreationTimeAfter"), p.get("CreationTimeBefore")
    return (after is None or doc["CreationTime"] > float(after)) and (before is None or doc["CreationTime"] < float(before))


def list_response(items: list[dict[str, Any]], p: dict[str, Any], name_key: str, list_key: str,
                   summary: str) -> dict[str, Any]:
    """One page of a List operation: sorted by ``SortBy`` (Name or CreationTime) and ``SortOrder``."""
    sort_key = (lambda d: d[name_key].lower()) if p.get("SortBy") == "Name" else (lambda d: d["CreationTime"])
    ordered = sorted(items, key=sort_key, reverse=p.get("SortOrder") == "Descending")
    chosen, token = page(ordered, p.get("NextToken"), int(p.get("MaxResults") or LIST_PAGE))
    out: dict[str, Any] = {list_key: [public(d, summary) for d in chosen]}
    if token:
        out["NextToken"] = token
    return out
