"""The Model Registry operations the kit answers itself, by name (``sagemaker_layer.py`` routes to them).

- ``group_ops.py``: groups, their resource policy, tags on groups (and unversioned packages);
- ``package_ops.py``: model packages, versioned and unversioned;
- ``search_ops.py``: ``Search`` over ``ModelPackage`` and ``ModelPackageGroup``;
- ``call.py``: a request's context and the name-or-ARN lookups they share.
"""

from __future__ import annotations

from typing import Any, Callable

from . import group_ops, package_ops
from .call import Call
from .group_ops import tagged_resource
from .search_ops import SEARCHED, search_registry

OPERATIONS: dict[str, Callable[[Call], dict[str, Any]]] = {
    "CreateModelPackageGroup": group_ops.create_model_package_group,
    "DescribeModelPackageGroup": group_ops.describe_model_package_group,
    "ListModelPackageGroups": group_ops.list_model_package_groups,
    "DeleteModelPackageGroup": group_ops.delete_model_package_group,
    "PutModelPackageGroupPolicy": group_ops.put_model_package_group_policy,
    "GetModelPackageGroupPolicy": group_ops.get_model_package_group_policy,
    "DeleteModelPackageGroupPolicy": group_ops.delete_model_package_group_policy,
    "CreateModelPackage": package_ops.create_model_package,
    "DescribeModelPackage": package_ops.describe_model_package,
    "BatchDescribeModelPackage": package_ops.batch_describe_model_package,
    "ListModelPackages": package_ops.list_model_packages,
    "UpdateModelPackage": package_ops.update_model_package,
    "DeleteModelPackage": package_ops.delete_model_package,
}
TAG_OPERATIONS = {"AddTags": group_ops.add_tags, "ListTags": group_ops.list_tags, "DeleteTags": group_ops.delete_tags}
__all__ = ["OPERATIONS", "SEARCHED", "TAG_OPERATIONS", "Call", "search_registry", "tagged_resource"]
