"""Validate SageMaker requests against botocore's own service model, answering in SageMaker's words.

Generic: patterns, lengths, enums, list and map sizes and required members are read from the model
shipped with botocore, for every operation; no rule here names a field. Used by the local backend's
front door (``front_door.py``) before a request reaches anything, so a refused request writes nothing.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

# Java regex idioms in the AWS models that Python's ``regex`` module reads differently.
_JAVA_FIXES = (
    (re.compile(r"\$\{\d+,\d+\}"), "$"),  # a quantified end anchor: Java ignores the quantifier
    (re.compile(r"\\uD800\\uDC00-\\uDBFF\\uDFFF"), r"\\U00010000-\\U0010FFFF"),  # UTF-16 pair range
)


@functools.lru_cache(maxsize=1)
def service_model():
    """botocore's SageMaker service model (loaded once per process)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str):
    import regex

    fixed = pattern
    for rx, repl in _JAVA_FIXES:
        fixed = rx.sub(repl, fixed)
    try:
        return regex.compile(fixed)
    except regex.error:  # pragma: no cover - every pattern of the pinned botocore compiles (tested)
        return None


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _show(value: Any) -> str:
    """A value the way SageMaker's messages print it (Java's toString)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _size_constraints(meta: dict[str, Any], size: int) -> list[str]:
    """The length constraints a string, list or map of ``size`` items breaks."""
    broken = []
    if "max" in meta and size > meta["max"]:
        broken.append(f"Member must have length less than or equal to {meta['max']}")
    if "min" in meta and size < meta["min"]:
        broken.append(f"Member must have length greater than or equal to {meta['min']}")
    return broken


def _scalar_constraints(shape, value: Any) -> list[str]:
    """Constraint sentences that ``value`` breaks, for a string or number shape."""
    meta, broken = shape.metadata, []
    if shape.type_name == "string" and isinstance(value, str):
        broken += _size_constraints(meta, len(value))
        if shape.enum and value not in shape.enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = meta.get("pattern")
        if pattern and (rx := _compiled(pattern)) is not None and not rx.fullmatch(value):
            broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            broken.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            broken.append(f"Member must have value greater than or equal to {meta['min']}")
    return broken


def _errors(shape, value: Any, path: str, out: list[str]) -> None:
    def fail(constraint: str, shown: Any = value) -> None:
        out.append(f"Value '{_show(shown)}' at '{path}' failed to satisfy constraint: {constraint}")

    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for member in shape.required_members:
            if member not in value:
                out.append(f"Value null at '{_join(path, member)}' failed to satisfy constraint: Member must not be null")
        for name, sub in value.items():
            if name in shape.members:
                _errors(shape.members[name], sub, _join(path, name), out)
    elif kind == "list" and isinstance(value, list):
        for constraint in _size_constraints(shape.metadata, len(value)):
            fail(constraint)
        for i, item in enumerate(value, start=1):
            if not _element(shape.member, item, f"{path}.{i}.member", out, fail, "Member"):
                return
    elif kind == "map" and isinstance(value, dict):
        for constraint in _size_constraints(shape.metadata, len(value)):
            fail(constraint)
        for key, item in value.items():
            broken = _scalar_constraints(shape.key, key)
            if broken:
                fail(f"Map keys must satisfy constraint: [{', '.join(broken)}]")
                return
            if not _element(shape.value, item, f"{path}.{key}", out, fail, "Map value"):
                return
    else:
        for constraint in _scalar_constraints(shape, value):
            fail(constraint)


def _element(shape, item: Any, path: str, out: list, fail, what: str) -> bool:
    """Check one list member or map value; False when a scalar one broke a constraint (reported once)."""
    if shape.type_name in ("structure", "list", "map"):
        _errors(shape, item, path, out)
        return True
    broken = _scalar_constraints(shape, item)
    if broken:
        fail(f"{what} must satisfy constraint: [{', '.join(broken)}]")
    return not broken


def _join(path: str, member: str) -> str:
    return f"{path}.{_camel(member)}" if path else _camel(member)


def validate(operation: str, params: dict[str, Any]) -> str | None:
    """SageMaker's ValidationException message for ``params`` of ``operation``, or None if valid.

    Unknown operations pass (moto answers them as it does).
    """
    model = service_model()
    if operation not in model.operation_names:
        return None
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return None
    errors: list[str] = []
    _errors(shape, params, "", errors)
    if not errors:
        return None
    count = len(errors)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors)


def patterns_that_do_not_compile() -> list[str]:
    """Every pattern in the model that the translation cannot compile (the tests expect none)."""
    seen: set[str] = set()
    bad: list[str] = []

    def walk(shape, names: set[str]) -> None:
        if shape.name in names:
            return
        names.add(shape.name)
        pattern = shape.metadata.get("pattern")
        if pattern and pattern not in seen:
            seen.add(pattern)
            if _compiled(pattern) is None:
                bad.append(pattern)
        if shape.type_name == "structure":
            for sub in shape.members.values():
                walk(sub, names)
        elif shape.type_name == "list":
            walk(shape.member, names)
        elif shape.type_name == "map":
            walk(shape.key, names)
            walk(shape.value, names)

    names: set[str] = set()
    model = service_model()
    for op in model.operation_names:
        shape = model.operation_model(op).input_shape
        if shape is not None:
            walk(shape, names)
    return bad


if __name__ == "__main__":  # python -m helpers.local_backend.validation OPERATION '{"json": "params"}'
    import sys

    print(validate(sys.argv[1], json.loads(sys.argv[2])) or "valid")
