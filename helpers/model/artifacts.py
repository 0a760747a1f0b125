"""The model artifact: a byte-reproducible ``model.tar.gz`` for the built-in XGBoost container, in S3.

The archive holds one file, ``xgboost-model``, in xgboost's JSON format (which the 1.7-1 container
reads): built and checked here, uploaded and read back with its sha256. :mod:`helpers.model.serving`
loads it and scores ``text/csv`` rows the way that container does.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from ..errors import WorkshopError, error_code

MODEL_FILE = "xgboost-model"
_FIXED_MTIME = 0  # 1970-01-01: the same model always gives the same archive bytes


# ---------------------------------------------------------------- hashing

def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of the file at ``path`` (read in blocks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- writing the artifact

def model_json(booster: Any) -> bytes:
    """The booster in xgboost's JSON format, checked to be readable by xgboost 1.7.

    Raises WorkshopError if ``base_score`` is saved as a vector (xgboost 3.1 and newer do that,
    and xgboost 1.7 in the 1.7-1 container silently misreads it, shifting every prediction).
    """
    raw = bytes(booster.save_raw(raw_format="json"))
    base_score = json.loads(raw)["learner"]["learner_model_param"].get("base_score", "")
    try:
        float(base_score)
    except (TypeError, ValueError):
        import xgboost

        raise WorkshopError(
            f"xgboost {xgboost.__version__} saved base_score as {base_score!r}, a vector that the "
            "1.7-1 container's xgboost 1.7 misreads (predictions would shift): install xgboost-cpu "
            "3.0.x (pip install 'xgboost-cpu>=3.0.5,<3.1') and train again."
        ) from None
    return raw


def tarball_bytes(model: bytes) -> bytes:
    """A gzip tar holding ``model`` as ``xgboost-model``, with every varying field fixed.

    The tar member has mtime 0, uid/gid 0, owner ``root``, mode 0644; the gzip header has mtime 0
    and no file name, so equal ``model`` bytes give equal archive bytes.
    """
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(MODEL_FILE)
        info.size = len(model)
        info.mtime = _FIXED_MTIME
        info.mode = 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        tar.addfile(info, io.BytesIO(model))
    gz_buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz_buffer, mtime=_FIXED_MTIME, compresslevel=9) as gz:
        gz.write(tar_buffer.getvalue())
    return gz_buffer.getvalue()


def save_model_tarball(booster: Any, path: str | Path) -> Path:
    """Write ``booster`` as a SageMaker built-in XGBoost artifact at ``path`` (e.g. model.tar.gz).

    The archive holds exactly one file, ``xgboost-model`` (xgboost JSON), at its root, and is
    byte-reproducible: the same model gives the same sha256. Creates parent folders. Returns the
    path. Raises WorkshopError if the model would be misread by xgboost 1.7 (see :func:`model_json`).
    """
    path = Path(path)
    data = tarball_bytes(model_json(booster))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- reading the artifact

def inspect_tarball(data: bytes) -> list[str]:
    """The member names of a model artifact, after checking it is what the container expects.

    Returns ``["xgboost-model"]``. Raises WorkshopError if ``data`` is not gzip, not a tar inside,
    or does not hold exactly one regular file named ``xgboost-model`` at the root.
    """
    if data[:2] != b"\x1f\x8b":
        raise WorkshopError(
            "The artifact is not gzip-compressed, so it is not a model.tar.gz: make it with "
            "helpers.model.artifacts.save_model_tarball (or tar -czf)."
        )
    try:
        tar_bytes = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise WorkshopError(
            f"The artifact starts like gzip but cannot be decompressed ({exc}), so it is truncated or "
            "corrupt: upload it again."
        ) from None
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            members = tar.getmembers()
    except tarfile.TarError:
        raise WorkshopError(
            "The artifact is gzip but holds no tar archive, so the container cannot unpack it: "
            "make it with helpers.model.artifacts.save_model_tarball (or tar -czf)."
        ) from None
    names = [m.name for m in members]
    if MODEL_FILE not in names:
        raise WorkshopError(
            f"The archive holds {names or 'nothing'} but no {MODEL_FILE} file at its root, so the "
            f"built-in XGBoost container finds no model: put the model at the root as {MODEL_FILE}."
        )
    if len(members) != 1:
        extra = [n for n in names if n != MODEL_FILE]
        raise WorkshopError(
            f"The archive holds {extra} besides {MODEL_FILE}, and the built-in container loads the first "
            f"plain file it finds, which may not be the model: keep {MODEL_FILE} as the only file."
        )
    if not members[0].isfile():
        raise WorkshopError(
            f"{MODEL_FILE} in the archive is not a regular file (a link or folder), so the container "
            "cannot load it: archive the model file itself."
        )
    return names


def model_bytes_from_tarball(data: bytes) -> bytes:
    """The ``xgboost-model`` file's bytes from a validated artifact (see :func:`inspect_tarball`)."""
    inspect_tarball(data)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as tar:
        handle = tar.extractfile(MODEL_FILE)
        assert handle is not None  # inspect_tarball checked it is a regular file
        return handle.read()


# ---------------------------------------------------------------- S3

def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``("bucket", "key")`` from ``s3://bucket/key``.

    Raises WorkshopError if ``uri`` does not start with ``s3://``, or has no bucket or no key.
    """
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise WorkshopError(f"{uri!r} is not an S3 URI: write it as s3://bucket/key.")
    bucket, _, key = uri[5:].partition("/")
    if not bucket or not key:
        raise WorkshopError(
            f"{uri!r} lacks a {'bucket' if not bucket else 'key'}: write it as s3://bucket/key, "
            "for example s3://ml-pipeline-bucket/model/model.tar.gz."
        )
    return bucket, key


def upload_file(s3_client: Any, path: str | Path, uri: str, metadata: dict[str, str] | None = None) -> str:
    """Upload the file at ``path`` to ``uri``, with optional S3 user ``metadata``.

    Returns the file's sha256 (also stored as metadata ``sha256``). Raises WorkshopError for a
    missing file, a bad URI, or a bucket that does not exist.
    """
    path = Path(path)
    bucket, key = parse_s3_uri(uri)
    if not path.is_file():
        raise WorkshopError(f"{path} does not exist, so there is nothing to upload: create it first.")
    digest = sha256_file(path)
    extra = {"sha256": digest, **(metadata or {})}
    try:
        with path.open("rb") as body:
            s3_client.put_object(Bucket=bucket, Key=key, Body=body, Metadata=extra)
    except Exception as exc:  # noqa: BLE001 - botocore's ClientError, told apart by its code
        if error_code(exc) == "NoSuchBucket":
            raise WorkshopError(
                f"The bucket {bucket} does not exist, so {path.name} cannot be uploaded to {uri}: "
                "create the bucket first (s3.create_bucket) or use one of yours."
            ) from None
        raise
    return digest


def read_object(s3_client: Any, uri: str) -> bytes:
    """The bytes of the object at ``uri``.

    Raises WorkshopError "The artifact s3://... does not exist: ..." if the key or bucket is missing.
    """
    bucket, key = parse_s3_uri(uri)
    try:
        return s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:  # noqa: BLE001 - botocore's ClientError, told apart by its code
        code = error_code(exc)
        if code in ("NoSuchKey", "404", "NotFound"):
            raise WorkshopError(
                f"The artifact {uri} does not exist: upload it first (an earlier notebook writes it), "
                "or check the key."
            ) from None
        if code == "NoSuchBucket":
            raise WorkshopError(
                f"The artifact {uri} does not exist: the bucket {bucket} is missing, so create it "
                "and upload the artifact first."
            ) from None
        raise
