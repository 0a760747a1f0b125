"""Links to a group or a version in SageMaker Studio, printed in AWS mode where a notebook registers or approves.

In Studio the domain comes from the metadata file Studio writes into every app
(``/opt/ml/metadata/resource-metadata.json``, key ``DomainId``); elsewhere the link opens the
SageMaker console's Model Registry page for the region, where the group is one click away.
Locally there is nothing to open, and the functions return None.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from ..config import backend_mode
from ..setup.execution_role import STUDIO_METADATA


def _domain() -> str | None:
    try:
        return json.loads(STUDIO_METADATA.read_text()).get("DomainId")
    except (OSError, ValueError):
        return None


def group_link(region: str, group: str) -> str | None:
    """Where to see ``group`` (and its versions) in Studio or the console; None on the local backend."""
    if backend_mode() != "aws":
        return None
    domain = _domain()
    if domain:
        return f"https://studio-{domain}.studio.{region}.sagemaker.aws/models/registered-models/{quote(group)}"
    return f"https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/model-registry"


def version_link(region: str, group: str, version: int) -> str | None:
    """Where to see one version in Studio (its page) or the console; None on the local backend."""
    base = group_link(region, group)
    if base and "studio" in base.split("/")[2]:
        return f"{base}/versions/{int(version)}"
    return base


def show(region: str, group: str, versions: list[int] = ()) -> None:
    """Print the links (AWS mode only; locally one line saying there is no console)."""
    link = group_link(region, group)
    if link is None:
        print("(local backend: no Studio to open; in AWS mode the Studio links are printed here)")
        return
    print(f"group {group}: {link}")
    for version in versions:
        print(f"  version {version}: {version_link(region, group, version)}")
