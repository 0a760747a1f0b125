"""S3's part of the state on disk, kept object by object so that a write costs the same in a full bucket.

``moto-s3.pickle`` holds S3 without any object (buckets, their policies, encryption, tags, multipart
uploads in progress); each object's versions live in ``s3-objects/<bucket>/<sha256 of key>.pickle``.
A write to one object (a path-style request ``/bucket/key``, as boto3 and the aws CLI send to the local
endpoint) rewrites the bucket metadata and that object's file only. Any other S3 write (a bucket
operation, ``DeleteObjects``) rewrites every object file, which is correct and rare.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
from pathlib import Path
from typing import Any, Iterator

from .disk import atomic_write

OBJECTS = "s3-objects"


def _backends() -> Iterator[Any]:
    from moto.s3.models import s3_backends

    for account in list(dict.keys(s3_backends)):
        regional = dict.__getitem__(s3_backends, account)
        for partition in list(dict.keys(regional)):
            yield dict.__getitem__(regional, partition)


def object_target(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(bucket, key) of a request to one object, or None for a bucket-level request."""
    bucket, _, key = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    if not bucket or not key or "delete" in environ.get("QUERY_STRING", "").split("&"):
        return None
    return bucket, key


def _object_path(state_dir: Path, bucket: str, key: str) -> Path:
    return state_dir / OBJECTS / bucket / (hashlib.sha256(key.encode()).hexdigest() + ".pickle")


def save_object(state_dir: Path, bucket: str, key: str) -> None:
    for backend in _backends():
        found = backend.buckets.get(bucket)
        if found is not None and key in found.keys:
            versions = dict.__getitem__(found.keys, key)
            tags = {v.arn: backend.tagger.tags[v.arn] for v in versions if v.arn in backend.tagger.tags}
            atomic_write(_object_path(state_dir, bucket, key), pickle.dumps(
                {"bucket": bucket, "key": key, "versions": versions, "tags": tags}, pickle.HIGHEST_PROTOCOL))
            return
    _object_path(state_dir, bucket, key).unlink(missing_ok=True)


def save_all_objects(state_dir: Path) -> None:
    root = state_dir / OBJECTS
    shutil.rmtree(root, ignore_errors=True)
    for backend in _backends():
        for name, bucket in backend.buckets.items():
            for key in list(dict.keys(bucket.keys)):
                save_object(state_dir, name, key)


def _is_object_arn(arn: str) -> bool:
    return "/" in arn.partition(":::")[2]  # arn:aws:s3:::bucket/key/version (moto's tag key); a bucket's has none


class WithoutObjects:
    """While in effect, every bucket's objects and their tags are set aside, so the S3 snapshot holds metadata
    only (moto keeps a tag entry per object version, even an empty one: kept in the object's file instead)."""

    def __enter__(self):
        from moto.s3.utils import _VersionedKeyStore

        self.kept, self.tags = [], []
        for backend in _backends():
            for bucket in backend.buckets.values():
                self.kept.append((bucket, bucket.keys))
                bucket.keys = _VersionedKeyStore()
            objects = {arn: tags for arn, tags in backend.tagger.tags.items() if _is_object_arn(arn)}
            for arn in objects:
                del backend.tagger.tags[arn]
            self.tags.append((backend.tagger, objects))
        return self

    def __exit__(self, *exc):
        for bucket, keys in self.kept:
            bucket.keys = keys
        for tagger, objects in self.tags:
            tagger.tags.update(objects)


def restore_objects(state_dir: Path) -> int:
    count = 0
    root = state_dir / OBJECTS
    if not root.exists():
        return 0
    buckets = {name: (backend, bucket) for backend in _backends() for name, bucket in backend.buckets.items()}
    for path in root.glob("*/*.pickle"):
        saved = pickle.loads(path.read_bytes())
        backend, bucket = buckets.get(saved["bucket"], (None, None))
        if bucket is not None:
            bucket.keys.setlist(saved["key"], saved["versions"])
            backend.tagger.tags.update(saved.get("tags", {}))
            count += 1
    return count


def forget(state_dir: Path) -> None:
    shutil.rmtree(state_dir / OBJECTS, ignore_errors=True)
