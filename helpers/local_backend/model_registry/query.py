"""``Search`` over the kit's registry: expressions, operators, sorting and paging, as the API reference states.

Property names are dotted paths into the resource's shape in botocore's service model (``ModelPackage``
or ``ModelPackageGroup``), e.g. ``ModelLifeCycle.Stage``, ``CustomerMetadataProperties.team``,
``Tags.owner``; a list on the way (``InferenceSpecification.Containers.Image``) matches if any element
does. The type of the property (text, number, timestamp, boolean) decides which operators apply.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any

from ..exceptions import validation
from ..validation import service_model

NUMERIC = ("integer", "long", "float", "double")
TEXT_ONLY = ("Contains", "In")
ORDERED = ("GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo")
MAX_ELEMENTS = 50  # SearchRequest.SearchExpression: "The maximum number of recursive SubExpressions,
# NestedFilters, and Filters that can be included in a SearchExpression object is 50."


@functools.lru_cache(maxsize=None)
def property_type(resource: str, path: str) -> str | None:
    """``string``, a numeric type, ``timestamp``, ``boolean``, ``structure`` or ``list``; None if not a property."""
    shape = service_model().shape_for(resource)
    parts = path.split(".")
    for i, part in enumerate(parts):
        while shape.type_name == "list":
            shape = shape.member
        if shape.type_name == "structure":
            member = shape.members.get(part)
            if member is None:
                return None
            if part == "Tags" and member.type_name == "list":  # Tags.<key> is the value of tag <key>
                rest = len(parts) - i - 1
                return "list" if rest == 0 else ("string" if rest == 1 else None)
            shape = member
        elif shape.type_name == "map":
            shape = shape.value  # this segment is a key of the map
        else:
            return None
    if shape.type_name == "list" and shape.member.type_name != "structure":
        shape = shape.member
    return shape.type_name


def values(doc: Any, path: str) -> list[Any]:
    """Every value at ``path`` in ``doc`` (lists on the way are fanned out)."""
    current = [doc]
    for part in path.split("."):
        following = []
        for item in current:
            if isinstance(item, list):
                item_list = item
            else:
                item_list = [item]
            for element in item_list:
                if not isinstance(element, dict):
                    continue
                if part == "Tags" and isinstance(element.get("Tags"), list):
                    following.append({t["Key"]: t.get("Value", "") for t in element["Tags"]})
                elif part in element:
                    following.append(element[part])
        current = following
    flat: list[Any] = []
    for item in current:
        flat.extend(item if isinstance(item, list) else [item])
    return flat


def timestamp(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()


def _compare(kind: str, operator: str, have: Any, want: str) -> bool:
    if operator == "Contains":
        return want in str(have)
    if operator == "In":
        return str(have) in [w.strip() for w in want.split(",")]
    if kind in NUMERIC:
        left, right = float(have), float(want)
    elif kind == "timestamp":
        left, right = timestamp(have), timestamp(want)
    elif kind == "boolean":
        left, right = str(have).lower(), want.lower()
    else:
        left, right = str(have), want
    return {
        "Equals": left == right, "NotEquals": left != right,
        "GreaterThan": left > right, "GreaterThanOrEqualTo": left >= right,
        "LessThan": left < right, "LessThanOrEqualTo": left <= right,
    }[operator]


class Query:
    """A checked ``SearchExpression`` for one resource type."""

    def __init__(self, resource: str, expression: dict[str, Any] | None):
        self.resource = resource
        self.expression = expression or {}
        self._elements = 0
        self._contains = 0
        if expression is not None:
            self._check(self.expression)

    def _check_filter(self, flt: dict[str, Any]) -> None:
        self._elements += 1
        name = flt["Name"]
        kind = property_type(self.resource, name)
        if kind is None:
            raise validation(f"'{name}' is not a searchable property of {self.resource}: use a member of the "
                             f"{self.resource} shape, such as ModelApprovalStatus or ModelLifeCycle.Stage.")
        operator = flt.get("Operator", "Equals")
        if operator in ("Exists", "NotExists"):
            return
        if "Value" not in flt:
            raise validation(f"The filter on '{name}' with operator {operator} needs a Value.")
        text = kind == "string"
        if operator in TEXT_ONLY and not text:
            raise validation(f"The operator {operator} is only supported for text properties, and '{name}' is not text.")
        if operator in ORDERED and text:
            raise validation(f"The operator {operator} is not supported for text properties such as '{name}'.")
        if operator == "Contains":
            self._contains += 1
            if self._contains > 1:
                raise validation("'CONTAINS' operator usage limit of 1 exceeded.")
        try:
            if kind in NUMERIC:
                float(flt["Value"])
            elif kind == "timestamp":
                timestamp(flt["Value"])
        except ValueError:
            raise validation(f"The value '{flt['Value']}' of the filter on '{name}' is not a valid {kind}.") from None

    def _check(self, expression: dict[str, Any]) -> None:
        if not (expression.get("Filters") or expression.get("NestedFilters") or expression.get("SubExpressions")):
            raise validation("A SearchExpression must contain at least one subexpression, filter, or nested filter.")
        for flt in expression.get("Filters") or []:
            self._check_filter(flt)
        for nested in expression.get("NestedFilters") or []:
            self._elements += 1
            if property_type(self.resource, nested["NestedPropertyName"]) is None:
                raise validation(f"'{nested['NestedPropertyName']}' is not a property of {self.resource}.")
            for flt in nested["Filters"]:
                if not flt["Name"].startswith(nested["NestedPropertyName"] + "."):
                    raise validation(f"The nested filter '{flt['Name']}' must name a property inside "
                                     f"'{nested['NestedPropertyName']}'.")
                self._check_filter(flt)
        for sub in expression.get("SubExpressions") or []:
            self._elements += 1
            self._check(sub)
        if self._elements > MAX_ELEMENTS:
            raise validation(f"A SearchExpression can hold at most {MAX_ELEMENTS} filters, nested filters and "
                             "subexpressions in all.")

    def _filter_holds(self, doc: Any, flt: dict[str, Any], name: str | None = None) -> bool:
        path = name or flt["Name"]
        found = values(doc, path)
        operator = flt.get("Operator", "Equals")
        if operator == "Exists":
            return bool(found)
        if operator == "NotExists":
            return not found
        kind = property_type(self.resource, flt["Name"])
        if operator == "NotEquals":
            return not any(_compare(kind, "Equals", v, flt["Value"]) for v in found)
        return any(_compare(kind, operator, v, flt["Value"]) for v in found)

    def _holds(self, doc: dict[str, Any], expression: dict[str, Any]) -> bool:
        outcomes: list[bool] = [self._filter_holds(doc, f) for f in expression.get("Filters") or []]
        for nested in expression.get("NestedFilters") or []:
            prefix = nested["NestedPropertyName"] + "."
            elements = values(doc, nested["NestedPropertyName"])
            outcomes.append(any(all(self._filter_holds(el, f, f["Name"][len(prefix):]) for f in nested["Filters"])
                                for el in elements))
        outcomes += [self._holds(doc, sub) for sub in expression.get("SubExpressions") or []]
        return any(outcomes) if expression.get("Operator") == "Or" else all(outcomes)

    def matches(self, doc: dict[str, Any]) -> bool:
        return not self.expression or self._holds(doc, self.expression)
