"""Routing for the Model Registry: which SageMaker operations the kit's registry answers, and with what.

- ``groups.py``: groups and their resource policy;
- ``packages.py``: model packages, versioned and unversioned;
- ``tags.py``: tags on registry ARNs (other ARNs' tags are moto's);
- ``search.py``: ``Search`` over ``ModelPackage`` and ``ModelPackageGroup``.
"""

from __future__ import annotations

from typing import Any, Callable

from . import groups, packages, tags
from .context import Call
from .search import SEARCHED, search_registry

OPERATIONS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "CreateModelPackageGroup": groups.create_model_package_group,
    "DescribeModelPackageGroup": groups.describe_model_package_group,
    "ListModelPackageGroups": groups.list_model_package_groups,
    "DeleteModelPackageGroup": groups.delete_model_package_group,
    "PutModelPackageGroupPolicy": groups.put_model_package_group_policy,
    "GetModelPackageGroupPolicy": groups.get_model_package_group_policy,
    "DeleteModelPackageGroupPolicy": groups.delete_model_package_group_policy,
    "CreateModelPackage": packages.create_model_package,
    "DescribeModelPackage": packages.describe_model_package,
    "BatchDescribeModelPackage": packages.batch_describe_model_package,
    "ListModelPackages": packages.list_model_packages,
    "UpdateModelPackage": packages.update_model_package,
    "DeleteModelPackage": packages.delete_model_package,
}
TAG_OPERATIONS = {"AddTags": tags.add_tags, "ListTags": tags.list_tags, "DeleteTags": tags.delete_tags}
REGISTRY_ARN_PARTS = (":model-package-group/", ":model-package/")


def handler_for(operation: str, params: dict[str, Any]) -> Callable[[Call], dict[str, Any]] | None:
    """The registry's handler for this request, or None when the registry does not answer it."""
    if operation in OPERATIONS:
        return OPERATIONS[operation]
    if operation == "Search" and params.get("Resource") in SEARCHED:
        return search_registry
    if operation in TAG_OPERATIONS and any(part in params.get("ResourceArn", "") for part in REGISTRY_ARN_PARTS):
        tag_handler = TAG_OPERATIONS[operation]
        return lambda call: tag_handler(call, tags.tagged_resource(call, call.params["ResourceArn"]))
    return None
