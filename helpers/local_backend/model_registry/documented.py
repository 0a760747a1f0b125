"""Rules that a sentence of the API reference states, and that no shape constraint carries.

``validation.py`` already checks what botocore's shapes say (required members, lengths, patterns,
enums). The rules here are the ones written only in the documentation text of the registry's input
shapes, each quoted where it is checked. ``tests/doc_constraints.py`` is the catalogue of every such
sentence and what the backend does with it; ``tests/test_documented_rules.py`` proves these rules.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..exceptions import validation
from ..validation import service_model
from . import query

INSTANCE_TYPES = ("SupportedTransformInstanceTypes", "SupportedRealtimeInferenceInstanceTypes")


def _found(shape, value: Any, wanted: str, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, shape, value) of every structure of shape ``wanted`` inside ``value``."""
    if shape.type_name == "structure" and isinstance(value, dict):
        if shape.name == wanted:
            yield path, shape, value
        for name, item in value.items():
            if name in shape.members:
                yield from _found(shape.members[name], item, wanted, f"{path}.{name}" if path else name)
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value, start=1):
            yield from _found(shape.member, item, wanted, f"{path}.{i}")


def _one_data_source(operation: str, params: dict[str, Any]) -> None:
    # ModelDataSource: "If specified, you must specify one and only one of the available data sources."
    shape = service_model().operation_model(operation).input_shape
    for path, source_shape, value in _found(shape, params, "ModelDataSource"):
        given = [m for m in source_shape.members if m in value]
        if len(given) != 1:
            raise validation(f"{path} must name one and only one data source ({', '.join(source_shape.members)}); "
                             f"it names {len(given)}: give exactly one.")


def _unique_spec_names(specs: list[dict[str, Any]]) -> None:
    # AdditionalInferenceSpecificationDefinition.Name: "The name must be unique within the list of your
    # additional inference specifications for a particular model package."
    seen: set[str] = set()
    for spec in specs:
        if spec["Name"] in seen:
            raise validation(f"The additional inference specification name '{spec['Name']}' is used twice; names must "
                             "be unique within a model package's additional inference specifications: rename one.")
        seen.add(spec["Name"])


def _instance_types_for_unversioned(spec: dict[str, Any] | None) -> None:
    # InferenceSpecification.SupportedTransformInstanceTypes / SupportedRealtimeInferenceInstanceTypes: "This
    # parameter is required for unversioned models, and optional for versioned models."
    missing = [m for m in INSTANCE_TYPES if spec is not None and not spec.get(m)]
    if missing:
        raise validation(f"InferenceSpecification.{missing[0]} is required for unversioned models: list the instance "
                         "types the model runs on, or register it as a version of a model package group.")


def check_registration(params: dict[str, Any], versioned: bool) -> None:
    """CreateModelPackage's documented rules (after the name-or-group check)."""
    if not versioned:
        # CreateModelPackage: "To create a model package by specifying a Docker container ..., provide values for
        # InferenceSpecification. To create a model from an algorithm resource ..., provide a value for
        # SourceAlgorithmSpecification."
        if "InferenceSpecification" not in params and "SourceAlgorithmSpecification" not in params:
            raise validation("An unversioned model package needs an InferenceSpecification or a "
                             "SourceAlgorithmSpecification, since it is what buyers create models from: give one.")
        _instance_types_for_unversioned(params.get("InferenceSpecification"))
    _unique_spec_names(params.get("AdditionalInferenceSpecifications") or [])
    _one_data_source("CreateModelPackage", params)


def check_update(package: dict[str, Any], params: dict[str, Any]) -> None:
    """UpdateModelPackage's documented rules, against the package as it is."""
    if package.get("ModelPackageVersion") is None and "InferenceSpecification" in params:
        _instance_types_for_unversioned(params["InferenceSpecification"])
    _unique_spec_names((package.get("AdditionalInferenceSpecifications") or [])
                       + (params.get("AdditionalInferenceSpecificationsToAdd") or []))
    _one_data_source("UpdateModelPackage", params)
    # ModelCardStatus Archived: "No more updates can be made to the model card content. If you try to update the
    # model card content, you will receive the message Model Card is in Archived state."
    card = package.get("ModelCard") or {}
    if card.get("ModelCardStatus") == "Archived" and "ModelCard" in params \
            and params["ModelCard"].get("ModelCardContent") != card.get("ModelCardContent"):
        raise validation("Model Card is in Archived state: its content can no longer change, so send the content "
                         "it has, or register a new version for a new card.")


def check_unique_tag_keys(tags: list[dict[str, str]]) -> None:
    # Tag.Key: "Tag keys must be unique per resource."
    keys = [t["Key"] for t in tags]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise validation(f"The tag key(s) {twice} appear more than once in this request; tag keys must be unique per "
                         "resource: give each key once.")


def check_visibility_conditions(conditions: list[dict[str, Any]]) -> None:
    # VisibilityConditions.Key: "It must be in the following format: Tags.<key>."
    for condition in conditions:
        key = condition.get("Key", "")
        if not key.startswith("Tags.") or key == "Tags.":
            raise validation(f"The visibility condition key '{key}' is not of the form Tags.<key>: name the tag, "
                             "for example Tags.team.")


def visible(view: dict[str, Any], conditions: list[dict[str, Any]]) -> bool:
    """VisibilityConditions: a result with the key is kept if its value matches; "Any resources that don't have a
    key from the list that you've provided will also be included in the search response." """
    for condition in conditions:
        found = query.values(view, condition["Key"])
        if found and not any(str(v) == condition.get("Value") for v in found):
            return False
    return True
