"""helpers.aws_mode.studio_links: links to SageMaker Studio only in AWS mode, to the console without a domain."""

from __future__ import annotations

import json

from helpers.aws_mode import studio_links


def test_studio_links_only_in_aws_mode_and_with_the_domain_in_studio(monkeypatch, tmp_path):
    assert studio_links.group_link("us-east-1", "g") is None
    monkeypatch.setenv("WORKSHOP_BACKEND", "aws")
    monkeypatch.setattr(studio_links, "STUDIO_METADATA", tmp_path / "missing.json")
    assert studio_links.version_link("eu-west-1", "g", 2) == \
        "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/model-registry"
    (tmp_path / "meta.json").write_text(json.dumps({"DomainId": "d-abc123"}))
    monkeypatch.setattr(studio_links, "STUDIO_METADATA", tmp_path / "meta.json")
    assert studio_links.version_link("eu-west-1", "g", 2) == \
        "https://studio-d-abc123.studio.eu-west-1.sagemaker.aws/models/registered-models/g/versions/2"
