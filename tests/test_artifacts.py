"""model.tar.gz: one xgboost-model file, byte-reproducible, loadable; the clear errors; S3 on moto."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import numpy as np
import pytest

from helpers.model import artifacts, datasets, serving, training
from helpers.errors import WorkshopError
from support import tar_gz

BUCKET = "ml-pipeline-bucket"
URI = f"s3://{BUCKET}/model/model.tar.gz"


@pytest.fixture(scope="module")
def model():
    return training.train("v1.0", {"learning_rate": 0.3, "max_depth": 2, "n_estimators": 10})


@pytest.fixture(scope="module")
def tarball(model, tmp_path_factory):
    return artifacts.save_model_tarball(model.booster, tmp_path_factory.mktemp("art") / "model.tar.gz")


def test_tarball_holds_exactly_xgboost_model(tarball):
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["xgboost-model"]
    assert members[0].isfile() and members[0].mtime == 0 and members[0].uname == "root"
    assert artifacts.inspect_tarball(tarball.read_bytes()) == ["xgboost-model"]
    # The model inside is xgboost JSON with a scalar base_score (what xgboost 1.7 reads).
    with tarfile.open(tarball) as tar:
        doc = json.loads(tar.extractfile("xgboost-model").read())
    float(doc["learner"]["learner_model_param"]["base_score"])


def test_tarball_is_byte_reproducible(model, tarball, tmp_path):
    again = artifacts.save_model_tarball(model.booster, tmp_path / "sub" / "again.tar.gz")
    assert artifacts.sha256_file(again) == artifacts.sha256_file(tarball)
    assert artifacts.sha256_bytes(again.read_bytes()) == artifacts.sha256_file(tarball)
    retrained = training.train("v1.0", {"learning_rate": 0.3, "max_depth": 2, "n_estimators": 10})
    third = artifacts.save_model_tarball(retrained.booster, tmp_path / "third.tar.gz")
    assert artifacts.sha256_file(third) == artifacts.sha256_file(tarball)


def test_round_trip_predictions_equal(model, tarball):
    import xgboost as xgb

    _, test = datasets.load("v1.0")
    features = test[model.feature_names]
    expected = model.booster.predict(xgb.DMatrix(features.to_numpy(dtype="float64")))
    loaded = serving.load_booster_from_tarball(tarball.read_bytes())
    # What an endpoint receives: rows with no header and no label.
    csv_text = features.to_csv(header=False, index=False)
    assert not csv_text.startswith("radius_mean")
    got = serving.predict_csv(loaded, csv_text)
    assert len(got) == len(test)
    np.testing.assert_array_equal(np.asarray(got, dtype=np.float32), expected)


def test_predict_csv_catches_header_and_label(model):
    _, test = datasets.load("v1.0")
    with pytest.raises(WorkshopError, match=r"Line 1 .* not a number"):
        serving.predict_csv(model.booster, test[model.feature_names].head(2).to_csv(index=False))
    with pytest.raises(WorkshopError, match=r"11 values but the model takes 10 features \(did you leave the label"):
        serving.predict_csv(model.booster, test.head(2).to_csv(header=False, index=False))
    with pytest.raises(WorkshopError, match=r"not one width"):
        serving.predict_csv(model.booster, "1,2,3\n1,2\n")
    assert serving.predict_csv(model.booster, "\n") == []


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04 a zip file", r"not gzip-compressed"),
        (gzip.compress(b"x" * 2000, mtime=0), r"gzip but holds no tar archive"),
        (gzip.compress(b"x" * 2000, mtime=0)[:30], r"cannot be decompressed"),
        (tar_gz({"model.json": b"{}"}), r"\['model\.json'\] but no xgboost-model"),
        (tar_gz({"model/xgboost-model": b"{}"}), r"no xgboost-model file at its root"),
        (tar_gz({"xgboost-model": b"{}", "notes.txt": b"hi"}), r"holds \['notes\.txt'\] besides xgboost-model"),
    ],
)
def test_bad_tarballs_get_one_clear_sentence(data, message):
    with pytest.raises(WorkshopError, match=message):
        artifacts.inspect_tarball(data)
    with pytest.raises(WorkshopError, match=message):
        serving.load_booster_from_tarball(data)


def test_link_instead_of_file_is_rejected():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(WorkshopError, match=r"not a regular file"):
        artifacts.inspect_tarball(buf.getvalue())


def test_unloadable_model_file():
    with pytest.raises(WorkshopError, match=r"not a model xgboost can load"):
        serving.load_booster_from_tarball(tar_gz({"xgboost-model": b"not a model"}))


class _VectorBaseScoreBooster:
    """Stands in for a booster saved by xgboost >= 3.1, whose base_score is a vector."""

    def __init__(self, real):
        doc = json.loads(bytes(real.save_raw(raw_format="json")))
        doc["learner"]["learner_model_param"]["base_score"] = "[3.7362638E-1]"
        self._raw = json.dumps(doc).encode()

    def save_raw(self, raw_format="json"):
        return bytearray(self._raw)


def test_vector_base_score_is_refused(model, tmp_path):
    target = tmp_path / "model.tar.gz"
    with pytest.raises(WorkshopError, match=r"saved base_score as '\[3\.7362638E-1\]'.*xgboost-cpu 3\.0\.x"):
        artifacts.save_model_tarball(_VectorBaseScoreBooster(model.booster), target)
    assert not target.exists()


# ---------------------------------------------------------------- S3 on moto, in-process

@pytest.fixture
def s3(monkeypatch):
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.mark.parametrize(
    "uri, bucket, key",
    [(URI, BUCKET, "model/model.tar.gz"), ("s3://b/k", "b", "k"), ("s3://b/a/b/c.json", "b", "a/b/c.json")],
)
def test_parse_s3_uri(uri, bucket, key):
    assert artifacts.parse_s3_uri(uri) == (bucket, key)


@pytest.mark.parametrize(
    "uri, message",
    [
        ("ml-pipeline-bucket/model.tar.gz", r"is not an S3 URI"),
        ("https://ml-pipeline-bucket.s3.amazonaws.com/model.tar.gz", r"is not an S3 URI"),
        ("s3://ml-pipeline-bucket", r"lacks a key"),
        ("s3://ml-pipeline-bucket/", r"lacks a key"),
        ("s3:///model.tar.gz", r"lacks a bucket"),
    ],
)
def test_bad_s3_uris(uri, message):
    with pytest.raises(WorkshopError, match=message):
        artifacts.parse_s3_uri(uri)


def test_upload_and_read_back(s3, tarball):
    digest = artifacts.upload_file(s3, tarball, URI, metadata={"dataset-version": "v1.0"})
    assert digest == artifacts.sha256_file(tarball)
    head = s3.head_object(Bucket=BUCKET, Key="model/model.tar.gz")
    assert head["Metadata"] == {"sha256": digest, "dataset-version": "v1.0"}
    data = artifacts.read_object(s3, URI)
    assert data == tarball.read_bytes()
    assert artifacts.inspect_tarball(data) == ["xgboost-model"]


def test_read_missing_object_says_it_does_not_exist(s3):
    with pytest.raises(WorkshopError, match=r"^The artifact s3://ml-pipeline-bucket/model/missing\.tar\.gz does not exist: "):
        artifacts.read_object(s3, f"s3://{BUCKET}/model/missing.tar.gz")
    with pytest.raises(WorkshopError, match=r"^The artifact s3://no-such-bucket/m\.tar\.gz does not exist: the bucket"):
        artifacts.read_object(s3, "s3://no-such-bucket/m.tar.gz")


def test_upload_errors(s3, tmp_path, tarball):
    with pytest.raises(WorkshopError, match=r"does not exist, so there is nothing to upload"):
        artifacts.upload_file(s3, tmp_path / "nope.tar.gz", URI)
    with pytest.raises(WorkshopError, match=r"The bucket no-such-bucket does not exist"):
        artifacts.upload_file(s3, tarball, "s3://no-such-bucket/model.tar.gz")
