"""helpers.aws in local mode: every client of a session is pinned to the local backend on loopback, with
standard retries; a remote endpoint or an unknown backend is one sentence; the SDK reads through it.

AWS mode (``WORKSHOP_BACKEND=aws``) is in ``test_aws_mode.py``.
"""

from __future__ import annotations

import os

import pytest

from helpers import aws
from helpers.errors import WorkshopError


def test_clients_are_pinned_to_loopback(local_backend):
    sess = aws.session()
    for service in ("sagemaker", "s3", "iam", "sts", "events", "sqs"):
        client = sess.client(service)
        assert client.meta.endpoint_url == local_backend.endpoint
        assert client.meta.config.retries["mode"] == "standard"
    with pytest.raises(WorkshopError, match="not on this machine"):
        sess.client("s3", endpoint_url="https://s3.amazonaws.com")
    assert os.environ["AWS_ENDPOINT_URL"] == local_backend.endpoint


def test_remote_endpoint_override_is_refused(monkeypatch):
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", "https://sagemaker.example.com")
    with pytest.raises(WorkshopError, match="local mode only talks to 127.0.0.1"):
        aws.session()


def test_an_unknown_backend_is_one_sentence(monkeypatch):
    monkeypatch.setenv("WORKSHOP_BACKEND", "cloud")
    with pytest.raises(WorkshopError, match="must be one of local, aws"):
        aws.session()


def test_sagemaker_sdk_reads_through_the_session(clean_backend):
    from sagemaker.core.resources import ModelPackageGroup

    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="sdk-visible")
    groups = ModelPackageGroup.get_all(session=aws.session(), region="us-east-1")
    assert [g.model_package_group_name for g in groups] == ["sdk-visible"]
