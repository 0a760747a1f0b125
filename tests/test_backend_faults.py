"""Faults the local backend injects on request (``backend.start(faults=...)``): throttling and dropped
connections, which the kit's clients ride out with their retries; bad settings are one sentence.

Each test runs a backend of its own (own state dir, free port).
"""

from __future__ import annotations

import pytest

from helpers import aws
from helpers.kit import backend
from helpers.errors import WorkshopError
from support import SPEC


def test_bad_fault_settings_are_explained(own_state_dir):
    with pytest.raises(WorkshopError, match=r"unknown fault 'slow': use throttle and reset"):
        backend.start(port=0, faults="slow=0.1")
    with pytest.raises(WorkshopError, match="outside 0..1"):
        backend.start(port=0, faults="throttle=2")
    assert not backend.status().running


@pytest.mark.slow
def test_faults_are_injected_and_ridden_out(own_state_dir):
    backend.start(port=0, faults="throttle=0.3,reset=0.1", latency_ms=1, seed=3)
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="g")
    arns = [sm.create_model_package(ModelPackageGroupName="g", InferenceSpecification=SPEC)["ModelPackageArn"]
            for _ in range(15)]
    assert [a.rsplit("/", 1)[1] for a in arns] == [str(i) for i in range(1, 16)], "no version lost or doubled"
    stats = backend.stats()["stats"]
    assert stats["throttled"] > 0 and stats["reset"] > 0
    assert stats["retried"] == stats["throttled"] + stats["reset"], stats
