"""The data-set versions: shape, label, split, manifest checks and the learner-facing errors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from helpers.model import datasets
from helpers.errors import WorkshopError


def test_raw_file_counts():
    import pandas as pd

    raw = pd.read_csv(datasets.data_dir() / "raw" / "wdbc.csv")
    assert raw.shape == (569, 31)
    assert raw[datasets.LABEL].value_counts().to_dict() == {0: 357, 1: 212}
    assert list(raw.columns[:3]) == ["radius_mean", "texture_mean", "perimeter_mean"]
    assert raw.columns[-2] == "fractal_dimension_worst"


@pytest.mark.parametrize("version, n_features", [("v1.0", 10), ("v1.1", 30)])
def test_load_shapes_and_label_first(version, n_features):
    train, test = datasets.load(version)
    assert len(train) + len(test) == 569
    assert (len(train), len(test)) == (455, 114)
    for table in (train, test):
        assert table.columns[0] == datasets.LABEL
        assert list(table.columns[1:]) == datasets.feature_names(version)
        assert set(table[datasets.LABEL].unique()) == {0, 1}
    assert len(datasets.feature_names(version)) == n_features


def test_v1_0_is_mean_features_and_v1_1_adds_se_and_worst():
    v10, v11 = datasets.feature_names("v1.0"), datasets.feature_names("v1.1")
    assert all(name.endswith("_mean") for name in v10)
    assert v11[:10] == v10
    assert sum(n.endswith("_se") for n in v11) == 10 and sum(n.endswith("_worst") for n in v11) == 10


def test_split_is_stratified_and_shared_by_both_versions():
    train0, test0 = datasets.load("v1.0")
    train1, test1 = datasets.load("v1.1")
    # Same rows in both versions: the shared mean columns agree row by row.
    assert train0.equals(train1[train0.columns])
    assert test0.equals(test1[test0.columns])
    assert int(test0[datasets.LABEL].sum()) == 42  # 212 * 114 / 569 = 42.5 -> 42
    assert abs(train0[datasets.LABEL].mean() - test0[datasets.LABEL].mean()) < 0.01


@pytest.mark.parametrize("version", datasets.VERSIONS)
def test_verify_matches_manifest(version):
    digests = datasets.verify(version)
    assert set(digests) == {"train", "test"} and all(len(d) == 64 for d in digests.values())


def test_unknown_version_names_the_valid_ones():
    for call in (datasets.load, datasets.feature_names, datasets.verify):
        with pytest.raises(WorkshopError, match=r"'v2\.0' is not a data-set version.*v1\.0, v1\.1"):
            call("v2.0")


def test_verify_detects_a_changed_file(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(datasets.data_dir(), copy)
    monkeypatch.setattr(datasets, "data_dir", lambda: copy)
    with (copy / "v1.0" / "test.csv").open("a") as f:
        f.write("1,1,1,1,1,1,1,1,1,1,1\n")
    with pytest.raises(WorkshopError, match=r"data/v1\.0/test\.csv has sha256 .* was changed"):
        datasets.verify("v1.0")
    datasets.verify("v1.1")  # the other version is untouched


def test_missing_manifest_says_to_prepare(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    with pytest.raises(WorkshopError, match=r"run python data/prepare\.py"):
        datasets.feature_names("v1.0")


def test_prepare_reproduces_the_committed_bytes(tmp_path):
    """prepare.py run on a copy writes byte-identical files, twice (no drift between runs)."""
    copy = tmp_path / "data"
    shutil.copytree(datasets.data_dir(), copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*.csv")} | {
        "manifest": (copy / "manifest.json").read_bytes()
    }
    for _ in range(2):
        subprocess.run([sys.executable, str(copy / "prepare.py")], check=True, capture_output=True)
        after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*.csv")} | {
            "manifest": (copy / "manifest.json").read_bytes()
        }
        assert after == before
    check = subprocess.run([sys.executable, str(copy / "prepare.py"), "--check"], capture_output=True)
    assert check.returncode == 0
