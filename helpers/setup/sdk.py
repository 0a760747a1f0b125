"""The SageMaker Python SDK the notebooks use: whichever line is installed, v3 or v2.

The kit installs no SDK over another (see the ``sdk`` extra in pyproject.toml):

- v3, ``sagemaker-core`` 2.x (alone, as ``make setup`` installs it, or under ``sagemaker`` 3.x):
  ``sagemaker.core.resources``, ``sagemaker.core.shapes``, ``sagemaker.core.image_uris``;
- v2, ``sagemaker`` 2.x with its ``sagemaker-core`` 1.x (SageMaker Studio images of the v2 era):
  ``sagemaker_core.resources``, ``sagemaker_core.shapes``, ``sagemaker.image_uris``.

``ModelPackageGroup`` and ``ModelPackage`` have the same methods on both lines (create, get, get_all,
refresh, delete; update on versions), and ``image_uris.retrieve`` the same arguments. Nested shapes take
plain dicts on both (the container class is ``ContainersItem`` in v3, ``ModelPackageContainerDefinition``
in v2). Give ``InferenceSpecification`` only ``containers``: v3's has no other member, and v2 sends
``supported_response_mime_types`` under a name botocore refuses (``SupportedResponseMimeTypes``).
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
from types import ModuleType

from ..errors import WorkshopError

_MODULES = {"v3": ("sagemaker.core.resources", "sagemaker.core.shapes", "sagemaker.core.image_uris"),
            "v2": ("sagemaker_core.resources", "sagemaker_core.shapes", "sagemaker.image_uris")}
_HINTS = {"sagemaker.core": "`pip install -e '.[sdk]'` in the kit installs it again",
          "sagemaker_core": "next to `sagemaker` 2.x, `pip install 'sagemaker-core<2'` adds it",
          "sagemaker": "next to `sagemaker-core` 1.x, `pip install 'sagemaker>=2.254,<3'` adds it"}


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _major(version: str | None) -> int:
    major = (version or "").split(".")[0]
    return int(major) if major.isdigit() else 0


def line() -> str:
    """``"v3 (sagemaker-core 2.27.0)"`` or ``"v2 (sagemaker 2.257.7, sagemaker-core 1.0.78)"``."""
    sdk, core = _version("sagemaker"), _version("sagemaker-core")
    if _major(sdk) == 2 and _major(core) >= 2:
        raise WorkshopError(
            f"sagemaker {sdk} needs sagemaker-core 1.x, but sagemaker-core {core} was installed over it and broke "
            f"it: run `pip install 'sagemaker-core<2' && pip install --force-reinstall --no-deps sagemaker=={sdk}`.")
    installed = ", ".join(f"{d} {v}" for d, v in (("sagemaker", sdk), ("sagemaker-core", core)) if v)
    if _major(core) >= 2:
        return f"v3 ({installed})"
    if core or _major(sdk) == 2:
        return f"v2 ({installed})"
    raise WorkshopError("No SageMaker Python SDK is installed here: `pip install -e '.[sdk]'` in the kit adds "
                        "the tested one (SDK v3's sagemaker-core), or `make setup` in a clone.")


def package(installed: str | None = None) -> str:
    """The top-level package of the line's resource classes (``sagemaker`` or ``sagemaker_core``).

    ``installed`` is :func:`line`'s answer when the caller has it already."""
    return _MODULES[(installed or line())[:2]][0].split(".")[0]


def _module(index: int, what: str) -> ModuleType:
    name = _MODULES[line()[:2]][index]
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        hint = _HINTS[name.rsplit(".", 1)[0]]
        raise WorkshopError(f"The SageMaker SDK's {what} ({name}) cannot be imported ({exc}): {hint}.") from exc


def resources() -> ModuleType:
    """The module with ``ModelPackageGroup`` and ``ModelPackage``."""
    return _module(0, "resource classes")


def shapes() -> ModuleType:
    """The module with ``InferenceSpecification``, ``ModelMetrics`` and the other request shapes."""
    return _module(1, "shapes")


def image_uris() -> ModuleType:
    """The module whose ``retrieve(framework, region=..., version=...)`` finds a built-in image (offline)."""
    return _module(2, "image lookup")


def xgboost_image(region: str, version: str = "1.7-1") -> str:
    """The ECR URI of SageMaker's XGBoost serving image, e.g. ``683313688378.dkr.ecr.us-east-1...:1.7-1``."""
    return image_uris().retrieve("xgboost", region=region, version=version)
