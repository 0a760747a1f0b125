"""SageMaker's built-in XGBoost container, as the local backend runs it: which images, loading, scoring.

Loading follows the container (aws/sagemaker-xgboost-container, ``algorithm_mode/serve_utils.py``):
SageMaker unpacks ``ModelDataUrl``'s ``model.tar.gz`` into ``/opt/ml/model`` and the container loads
every regular file at its root (the training job writes one, ``xgboost-model``; several are averaged as
an ensemble). Scoring follows ``algorithm_mode/serve.py``: ``text/csv`` with no header and no label
column, or LIBSVM text (also when no type is given); one score per row, newline-separated for
``text/csv`` or ``{"predictions": [{"score": ...}]}`` for ``application/json``. What the container would
refuse is a :class:`ContainerError` with the status and message the container answers; the runtime
turns it into ``ModelError`` (docs/local-backend.md, "Hosting and runtime", has the sources).
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import io
import json
import re
import tarfile
import threading
import zlib
from pathlib import Path
from typing import Any

MODEL_FILE = "xgboost-model"
REPOSITORY = "sagemaker-xgboost"
SERVED_VERSIONS = ("1.7-1", "3.0-5")  # the lines that load the kit's xgboost 3.0 JSON model as it was trained
_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9-]+):([\w.-]+)$")
CSV_TYPES = ("text/csv", "csv")
LIBSVM_TYPES = ("text/libsvm", "text/x-libsvm", "libsvm")
RECORDIO_TYPES = ("application/x-recordio-protobuf", "recordio-protobuf", "application/x-parquet", "parquet")
ACCEPTS = ("application/json", "application/jsonlines", "application/x-recordio-protobuf", "text/csv")
ENCODED = {"text/csv": "text/csv; charset=utf-8", "application/json": "application/json"}


class ContainerError(Exception):
    """The container refused the request: its HTTP status and its message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class LoadError(Exception):
    """The model could not be loaded the way the container loads it (the endpoint fails)."""


@functools.lru_cache(maxsize=1)
def _sdk_registries() -> dict[str, dict[str, str]]:
    """The SageMaker SDK's table of XGBoost images (version -> region -> account), if the SDK is installed."""
    spec = importlib.util.find_spec("sagemaker.core")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / "image_uri_config" / "xgboost.json"
    try:
        versions = json.loads(path.read_text())["inference"]["versions"]
    except (OSError, ValueError, KeyError):
        return {}
    return {v: entry.get("registries", {}) for v, entry in versions.items()}


def check_image(image: str, region: str) -> None:
    """Refuse (LoadError) an image that is not the built-in XGBoost container in a served version."""
    match = _IMAGE.match(image or "")
    served = ", ".join(SERVED_VERSIONS)
    if not match or match.group(3) != REPOSITORY:
        raise LoadError(f"The local backend serves SageMaker's built-in XGBoost container only ({REPOSITORY}, "
                        f"versions {served}); the image {image or '(none)'} cannot run here. Deploy it on AWS "
                        "(WORKSHOP_BACKEND=aws), or register the model with the built-in XGBoost image.")
    account, image_region, _, version = match.groups()
    if version not in SERVED_VERSIONS:
        raise LoadError(f"The local backend serves the built-in XGBoost container in versions {served}, not "
                        f"{version}: register the model with one of those image versions.")
    expected = _sdk_registries().get(version, {}).get(image_region)
    if image_region != region or (expected and expected != account):
        raise LoadError(f"The image {image} is not the built-in XGBoost image of {region} "
                        f"(the SageMaker SDK's image_uris gives that region's URI).")


def _model_files(artifact: bytes) -> dict[str, bytes]:
    """The regular files at the root of the unpacked ``model.tar.gz`` (the container loads each of them)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(artifact)), mode="r:") as tar:
            return {m.name.removeprefix("./"): tar.extractfile(m).read() for m in tar.getmembers()
                    if m.isfile() and "/" not in m.name.removeprefix("./") and not m.name.removeprefix("./").startswith(".")}
    except (OSError, EOFError, tarfile.TarError, zlib.error):
        raise LoadError("the model artifact is not a gzip-compressed tar archive (model.tar.gz), so SageMaker "
                        "could not unpack it") from None


def load(artifact: bytes) -> list[Any]:
    """The boosters the container would load from a ``model.tar.gz`` (one per file at its root: several files
    are an ensemble), or LoadError saying why the container would not start."""
    files = _model_files(artifact)
    if not files:
        raise LoadError(f"the model artifact has no file at its root (the training job writes {MODEL_FILE} there): "
                        "archive the model file itself, not a folder")
    import xgboost as xgb

    boosters = []
    for name, data in sorted(files.items()):
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(data))
        except xgb.core.XGBoostError as exc:
            first = (str(exc).strip().splitlines() or ["unknown error"])[0][:160]
            raise LoadError(f"{name} in the model artifact is not a model XGBoost can load ({first}); the "
                            "local backend does not unpickle models") from None
        booster.set_param("nthread", 1)  # as the container does (serve_utils.get_loaded_booster)
        boosters.append(booster)
    return boosters


def _media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def _rows_csv(text: str):
    import numpy as np

    lines = [line for line in text.strip().splitlines() if line.strip()]
    try:
        rows = [[float(cell) if cell.strip() else float("nan") for cell in line.split(",")] for line in lines]
        if len({len(r) for r in rows}) > 1:
            raise ValueError("the rows do not all have the same number of values")
    except ValueError as exc:
        raise ContainerError(415, "Loading csv data failed with Exception, please ensure data is in csv format:\n"
                                  f" <class 'ValueError'>\n {exc}") from None
    return np.array(rows, dtype=np.float32)


def _rows_libsvm(text: str, width: int):
    import numpy as np

    lines = [line for line in text.strip().splitlines() if line.strip()]
    rows = np.full((len(lines), width), np.nan, dtype=np.float32)
    try:
        for r, line in enumerate(lines):
            for item in (t for t in line.split() if ":" in t):  # a token without ":" is a label: ignored
                index, value = item.split(":")
                rows[r, int(index)] = float(value)
    except (ValueError, IndexError) as exc:
        raise ContainerError(415, f"Loading libsvm data failed with Exception, please ensure data is in libsvm "
                                  f"format:\n {exc}") from None
    return rows


def score(boosters: list[Any], lock: threading.Lock, body: bytes, content_type: str | None, accept: str | None
          ) -> tuple[bytes, str]:
    """The container's answer to one invocation: (body, content type), or ContainerError.

    In the container's order: an empty body, the content type, parsing, prediction, then the Accept type.
    """
    if not body.strip():
        raise ContainerError(204, "The request body is empty: the container answers 204 with no predictions. "
                                  "Send at least one row.")
    kind = _media_type(content_type) or "text/libsvm"  # the container reads a request without a type as LIBSVM
    if kind in RECORDIO_TYPES:
        raise ContainerError(415, f"{content_type} is not decoded by the local backend's container: send text/csv "
                                  "or text/libsvm here (RecordIO-protobuf works on AWS).")
    if kind not in CSV_TYPES + LIBSVM_TYPES:
        raise ContainerError(415, f"{content_type} is not an accepted ContentType: csv, libsvm, parquet, "
                                  "recordio-protobuf, text/csv, text/libsvm, text/x-libsvm, application/x-parquet, "
                                  "application/x-recordio-protobuf.")
    text = body.decode("utf-8", "replace")
    width = boosters[0].num_features()
    rows = _rows_csv(text) if kind in CSV_TYPES else _rows_libsvm(text, width)
    import numpy as np
    import xgboost as xgb

    try:
        with lock:  # one prediction at a time per loaded model
            matrix = xgb.DMatrix(rows)
            scores = np.mean([b.predict(matrix) for b in boosters], axis=0).tolist()
    except xgb.core.XGBoostError as exc:  # e.g. more columns than the model has features
        first = (str(exc).strip().splitlines() or ["unknown error"])[0][:200]
        raise ContainerError(400, f"Unable to evaluate payload provided: {first}") from None
    wanted = _media_type(accept)
    if wanted in ("", "*/*"):
        wanted = "text/csv"
    if wanted not in ACCEPTS:
        raise ContainerError(406, f"Accept type {accept} is not supported. Please use supported accept types: "
                                  f"{list(ACCEPTS)}.")
    if wanted not in ENCODED:
        raise ContainerError(500, f"The container has no encoder for {wanted} unless the model was deployed with "
                                  "selectable inference output (SAGEMAKER_INFERENCE_OUTPUT): ask for text/csv or "
                                  "application/json.")
    return encode(scores, wanted), ENCODED[wanted]


def encode(scores: list[float], accept: str) -> bytes:
    """Scores in the response type: CSV (one per line) or JSON ``{"predictions": [{"score": s}, ...]}``."""
    if accept == "application/json":
        return json.dumps({"predictions": [{"score": s} for s in scores]}).encode()
    return "".join(f"{s}\n" for s in scores).encode()
