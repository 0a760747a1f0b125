"""helpers.model_card: the version's model card, written from the data card, the version and its metrics.

Source: botocore's ``ModelPackageModelCard`` shape and its documentation (statuses Draft, PendingReview,
Approved, Archived). That an update with a card replaces the whole card is unverified (docs/local-backend.md,
"Unverified"): ``model_card.attach`` always sends the content with the status.
"""

from __future__ import annotations

import pytest

from helpers import model_card
from helpers.errors import WorkshopError
from support import BUCKET, REPO


def test_the_model_card_comes_from_the_data_card_the_version_and_its_metrics(recorded_group):
    session, sm, (a1, _, _) = recorded_group
    package = sm.describe_model_package(ModelPackageName=a1)
    statistics = {"binary_classification_metrics": {"recall": {"value": 0.97, "standard_deviation": 0.01},
                                                    "confusion_matrix": {"0": {"0": 70}}}}
    card = model_card.content(package, statistics)
    readme = (REPO / "data" / "README.md").read_text()
    assert "W. H. Wolberg" in readme and "W. H. Wolberg" in card["training_details"]["training_observations"]
    assert card["model_overview"]["model_artifact"] == [f"s3://{BUCKET}/model/model.tar.gz"]
    assert card["evaluation_details"][0]["metric_groups"][0]["metric_data"] == [{"name": "recall", "type": "number", "value": 0.97}]
    assert model_card.attach(sm, a1, card)["status"] == "Draft"
    assert model_card.attach(sm, a1, status="Approved") == {"status": "Approved", "content": card}, "status alone keeps the content"
    with pytest.raises(WorkshopError, match="'Done' is not a model card status"):
        model_card.attach(sm, a1, status="Done")
