"""``Search`` over the registry: which records to look at, what each shows, the cached order of a query.

The expression language itself (operators, property types, sorting, paging) is in ``query.py``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..exceptions import validation
from ..paging import page
from . import query as search
from .query import NUMERIC, property_type, timestamp, values
from . import documented
from .context import Call, public, tags_of

SEARCHED = ("ModelPackage", "ModelPackageGroup")


def _search_view(call: Call, resource: str, doc: dict[str, Any]) -> dict[str, Any]:
    """A record as Search shows it: the resource shape's members, and its tags (a version: its group's)."""
    if resource == "ModelPackage":
        view, tags = public(doc, "ModelPackage"), tags_of(call, doc)
    else:
        view, tags = public(doc, "ModelPackageGroup"), list(doc.get("_Tags", []))
    if tags:
        view["Tags"] = tags
    return view


def _candidates(call: Call, resource: str, expression: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The records a search must look at: one group's versions when the expression requires that group."""
    if resource != "ModelPackage":
        return list(call.registry.groups.values())
    if expression and expression.get("Operator", "And") == "And":
        for flt in expression.get("Filters") or []:
            if flt["Name"] == "ModelPackageGroupName" and flt.get("Operator", "Equals") == "Equals" and "Value" in flt:
                return call.registry.group_versions(flt["Value"])
    return list(call.registry.packages.values())


def search_registry(call: Call) -> dict[str, Any]:
    """Search over ModelPackage or ModelPackageGroup.

    The ordered matches of a query are kept until the registry next changes, so reading page after page
    costs one evaluation, not one per page.
    """
    p = call.params
    resource = p["Resource"]
    query = search.Query(resource, p.get("SearchExpression"))
    key = json.dumps([resource, p.get("SearchExpression"), p.get("SortBy"), p.get("SortOrder"),
                      p.get("CrossAccountFilterOption"), p.get("VisibilityConditions")], sort_keys=True)
    cached = call.registry.search_cache.get(key)
    if cached is not None and cached[0] == call.registry.generation:
        ordered_keys = cached[1]
    else:
        conditions = p.get("VisibilityConditions") or []
        documented.check_visibility_conditions(conditions)
        needs_tags = "Tags" in key
        matched = []
        if p.get("CrossAccountFilterOption") != "CrossAccount":  # nothing is shared with the local backend
            for doc in _candidates(call, resource, p.get("SearchExpression")):
                view = _search_view(call, resource, doc) if needs_tags else doc
                if query.matches(view) and documented.visible(view, conditions):
                    matched.append(doc)
        ordered = sort(resource, matched, p.get("SortBy"), p.get("SortOrder"))
        id_key = "ModelPackageArn" if resource == "ModelPackage" else "ModelPackageGroupName"
        ordered_keys = [d[id_key] if resource == "ModelPackage" else d[id_key].lower() for d in ordered]
        if len(call.registry.search_cache) > 32:
            call.registry.search_cache.clear()
        call.registry.search_cache[key] = (call.registry.generation, ordered_keys)
    chosen, token = page(ordered_keys, p.get("NextToken"), int(p.get("MaxResults") or 10))
    table = call.registry.packages if resource == "ModelPackage" else call.registry.groups
    out: dict[str, Any] = {"Results": [{resource: _search_view(call, resource, table[k])} for k in chosen],
                           "TotalHits": {"Value": len(ordered_keys), "Relation": "EqualTo"}}
    if token:
        out["NextToken"] = token
    return out


def sort(resource: str, docs: Iterable[dict[str, Any]], sort_by: str | None, order: str | None) -> list[dict[str, Any]]:
    """Sorted as the API reference states: by ``LastModifiedTime``, ``Descending`` unless told otherwise.

    A resource without that property (ModelPackageGroup) is sorted by ``CreationTime`` by default;
    records without the sort property come last.
    """
    if sort_by is None:
        sort_by = "LastModifiedTime" if property_type(resource, "LastModifiedTime") else "CreationTime"
    kind = property_type(resource, sort_by)
    if kind is None:
        raise validation(f"'{sort_by}' is not a property of {resource} to sort by.")
    have, missing = [], []
    for doc in docs:
        found = values(doc, sort_by)
        (have if found else missing).append((found[0] if found else None, doc))
    if kind in NUMERIC:
        key = lambda pair: float(pair[0])  # noqa: E731
    elif kind == "timestamp":
        key = lambda pair: timestamp(pair[0])  # noqa: E731
    else:
        key = lambda pair: str(pair[0])  # noqa: E731
    ordered = sorted(have, key=key, reverse=(order or "Descending") == "Descending")
    return [doc for _, doc in ordered] + [doc for _, doc in missing]
