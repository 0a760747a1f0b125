"""S3 on disk: each object (with its tags) in a file of its own, so the buckets' snapshot does not grow with them."""

from __future__ import annotations

import pytest

from helpers import aws
from helpers.kit import backend

pytestmark = pytest.mark.slow  # a backend of its own, restarted


def test_object_tags_live_with_the_object_and_the_bucket_snapshot_stays_flat(tmp_path, monkeypatch):
    state = tmp_path / "state"
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(state))
    backend.start(port=0)
    try:
        s3 = aws.client("s3")
        s3.create_bucket(Bucket="flat-bucket")
        s3.put_object(Bucket="flat-bucket", Key="first", Body=b"1", Tagging="owner=ml")
        small = (state / "moto-s3.pickle").stat().st_size
        for i in range(200):
            s3.put_object(Bucket="flat-bucket", Key=f"many/{i}", Body=b"x")
        assert (state / "moto-s3.pickle").stat().st_size == small  # was ~52 bytes more per object (moto's tag entries)
        backend.stop()
        backend.start(port=0)
        s3 = aws.client("s3")
        assert s3.get_object_tagging(Bucket="flat-bucket", Key="first")["TagSet"] == [{"Key": "owner", "Value": "ml"}]
        assert s3.get_object(Bucket="flat-bucket", Key="many/199")["Body"].read() == b"x"
    finally:
        backend.stop()
