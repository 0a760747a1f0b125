"""The kit's own Model Registry state: groups and model packages, with the indexes the operations use.

Every record is kept in the API's own shape (the members of ``DescribeModelPackageGroup`` and
``DescribeModelPackage``, times as epoch seconds), plus a few private keys starting with ``_``
(tags, resource policy, highest version ever given). Nothing here answers a request: the operations
(``groups.py``, ``packages.py``, ``tags.py``) decide what a request changes and hand the change to
:meth:`Store.commit` as a list of *records*, which are first appended to the journal (``journal.py``)
and only then applied in memory.
A restart replays the same records, so memory and disk cannot disagree.

Record forms (JSON lists): ``["group", key, doc | None]``, ``["package", arn, doc | None]``,
``["token", token, arn]``. ``None`` deletes.

Identity: SageMaker writes model package and group ARNs in lower case, so two names that differ
only in case would share an ARN; here a group is found by its name in any case (see
docs/local-backend.md, "unverified").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import ACCOUNT


def group_arn(region: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:model-package-group/{name.lower()}"


def package_arn(region: str, name: str, version: int | None = None) -> str:
    suffix = f"{name.lower()}/{version}" if version is not None else name.lower()
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:model-package/{suffix}"


@dataclass
class Registry:
    """One region's registry. ``groups`` is keyed by lower-case name, ``packages`` by ARN."""

    region: str
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[int, str]] = field(default_factory=dict)  # group key -> version -> ARN
    tokens: dict[str, str] = field(default_factory=dict)  # ClientToken -> package ARN
    generation: int = 0  # counts committed writes; Search's cache of ordered results is keyed by it
    search_cache: dict[str, tuple[int, list[str]]] = field(default_factory=dict)

    def apply(self, record: list[Any]) -> None:
        kind, key, value = record
        if kind == "group":
            if value is None:
                self.groups.pop(key, None)
                self.versions.pop(key, None)
            else:
                self.groups[key] = value
                self.versions.setdefault(key, {})
        elif kind == "package":
            old = self.packages.pop(key, None)
            if old is not None and old.get("ModelPackageVersion") is not None:
                self.versions.get(old["ModelPackageGroupName"].lower(), {}).pop(old["ModelPackageVersion"], None)
            if value is not None:
                self.packages[key] = value
                if value.get("ModelPackageVersion") is not None:
                    self.versions.setdefault(value["ModelPackageGroupName"].lower(), {})[
                        value["ModelPackageVersion"]] = key
        elif kind == "token":
            self.tokens[key] = value
        else:  # pragma: no cover - a journal written by a newer kit
            raise ValueError(f"unknown registry record {kind!r}")

    # --- lookups ----------------------------------------------------------------------------------

    def group(self, name: str) -> dict[str, Any] | None:
        return self.groups.get(name.lower())

    def group_versions(self, name: str) -> list[dict[str, Any]]:
        """The versions of group ``name``, oldest first."""
        by_version = self.versions.get(name.lower(), {})
        return [self.packages[by_version[v]] for v in sorted(by_version)]

    def package(self, arn: str) -> dict[str, Any] | None:
        return self.packages.get(arn.lower())


class Store:
    """Every region's registry behind one lock, with a ``persist`` hook that runs before a change applies."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.regions: dict[str, Registry] = {}
        self.persist: Callable[[str, list[list[Any]]], None] = lambda region, records: None

    def region(self, region: str) -> Registry:
        if region not in self.regions:
            self.regions[region] = Registry(region)
        return self.regions[region]

    def commit(self, region: str, records: list[list[Any]]) -> None:
        """Make ``records`` durable (the journal), then apply them. If persisting fails, nothing changes."""
        if not records:
            return
        self.persist(region, records)
        registry = self.region(region)
        for record in records:
            registry.apply(record)
        registry.generation += 1

    def replay(self, region: str, records: list[list[Any]]) -> None:
        registry = self.region(region)
        for record in records:
            registry.apply(record)

    def clear(self) -> None:
        self.regions.clear()

    def dump(self) -> dict[str, list[list[Any]]]:
        """Every region's state as records (what a compacted journal holds)."""
        out: dict[str, list[list[Any]]] = {}
        for region, reg in self.regions.items():
            records: list[list[Any]] = [["group", k, g] for k, g in reg.groups.items()]
            records += [["package", a, p] for a, p in reg.packages.items()]
            records += [["token", t, a] for t, a in reg.tokens.items() if a in reg.packages]
            out[region] = records
        return out


STORE = Store()
