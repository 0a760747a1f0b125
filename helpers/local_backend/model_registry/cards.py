"""A version's model card (``ModelCard``): its content must be JSON; ``IncludedData=MetadataOnly`` shows part of it."""

from __future__ import annotations

import json
from typing import Any

from ..exceptions import validation

CARD_METADATA_PATHS = ("model_overview.model_id", "model_overview.model_name", "intended_uses.risk_rating",
                       "model_package_details.model_package_group_name", "model_package_details.model_package_arn")


def check(card: dict[str, Any] | None) -> None:
    if card and "ModelCardContent" in card:
        try:
            json.loads(card["ModelCardContent"])
        except ValueError:
            raise validation("ModelCard.ModelCardContent must be a JSON document (the model package model card "
                             "schema); check its quotes and brackets.") from None


def metadata_only(card: dict[str, Any]) -> dict[str, Any]:
    """ModelCard with IncludedData=MetadataOnly: the status, and only the listed paths of the content."""
    out = {k: v for k, v in card.items() if k != "ModelCardContent"}
    if "ModelCardContent" in card:
        content, kept = json.loads(card["ModelCardContent"]), {}
        for path in CARD_METADATA_PATHS:
            head, _, leaf = path.partition(".")
            if isinstance(content.get(head), dict) and leaf in content[head]:
                kept.setdefault(head, {})[leaf] = content[head][leaf]
        out["ModelCardContent"] = json.dumps(kept)
    return out
