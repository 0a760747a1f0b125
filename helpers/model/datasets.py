"""The workshop's data-set versions (v1.0, v1.1) of the Wisconsin breast-cancer data, read from data/.

``data/prepare.py`` makes them and records each file's sha256 in ``data/manifest.json``;
:func:`verify` checks the files against it. pandas is imported only when a table is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import repo_root
from ..errors import WorkshopError
from .artifacts import sha256_file

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import pandas as pd

VERSIONS = ("v1.0", "v1.1")
LABEL = "malignant"
SPLITS = ("train", "test")


def data_dir() -> Path:
    """The kit's ``data/`` folder (raw file, versions and manifest)."""
    return repo_root() / "data"


def _check_version(version: str) -> str:
    if version not in VERSIONS:
        raise WorkshopError(
            f"{version!r} is not a data-set version of this workshop: use one of "
            f"{', '.join(VERSIONS)}."
        )
    return version


def manifest() -> dict[str, Any]:
    """The parsed ``data/manifest.json``.

    Raises WorkshopError if the manifest is missing (the data was never prepared).
    """
    path = data_dir() / "manifest.json"
    if not path.is_file():
        raise WorkshopError(
            f"{path} is missing, so the data-set versions were never prepared: run "
            "python data/prepare.py from the kit's folder."
        )
    return json.loads(path.read_text())


def feature_names(version: str) -> list[str]:
    """The feature columns of ``version``, in file order (the label is not included).

    Raises WorkshopError for an unknown version.
    """
    return list(manifest()["versions"][_check_version(version)]["features"])


def paths(version: str) -> dict[str, Path]:
    """``{"train": Path, "test": Path}`` for ``version``; raises WorkshopError for an unknown one."""
    _check_version(version)
    return {split: data_dir() / version / f"{split}.csv" for split in SPLITS}


def load(version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (train, test) tables of ``version``: column ``malignant`` (0/1) first, then the features.

    Raises WorkshopError for an unknown version or a missing file.
    """
    import pandas as pd

    tables = []
    for split, path in paths(version).items():
        if not path.is_file():
            raise WorkshopError(
                f"{path} is missing, so data-set version {version} cannot be loaded: run "
                "python data/prepare.py from the kit's folder."
            )
        tables.append(pd.read_csv(path, dtype={LABEL: "int64"}))
    return tables[0], tables[1]


def verify(version: str) -> dict[str, str]:
    """Check the train and test files of ``version`` against ``data/manifest.json``.

    Returns ``{"train": sha256, "test": sha256}`` (handy as registry metadata). Raises WorkshopError
    for an unknown version, a missing file, or a file whose sha256 differs from the manifest.
    """
    recorded = manifest()["files"]
    digests: dict[str, str] = {}
    for split, path in paths(version).items():
        rel = f"{version}/{split}.csv"
        if not path.is_file():
            raise WorkshopError(
                f"data/{rel} is missing, so version {version} cannot be verified: run "
                "python data/prepare.py to rebuild it."
            )
        actual = sha256_file(path)
        expected = recorded[rel]["sha256"]
        if actual != expected:
            raise WorkshopError(
                f"data/{rel} has sha256 {actual[:12]}... but data/manifest.json records "
                f"{expected[:12]}..., so the file was changed: run python data/prepare.py "
                "(or git checkout data/) to restore it."
            )
        digests[split] = actual
    return digests
