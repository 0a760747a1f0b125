"""What several test modules share: one inference specification, a tarball builder, the registry rule tests'
target, the session's recorded logs, small helpers for a backend of a test's own, and Chromium and JupyterLab
as a learner has them.

A plain module, not a test module: test modules import it (``import support``, ``from support import ...``);
the fixtures built on it are in ``conftest.py``, which no test module imports. Helpers are imported inside
the functions, so importing this module (as ``conftest.py`` does before the session is set up) loads no
AWS library.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import tarfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The tests' own folder (state dir of the tests' backend, recorded logs), set by conftest.py's pytest_configure.
SESSION: dict[str, Path] = {}

ACCOUNT = "123456789012"
BUCKET = "ml-pipeline-bucket"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/example:1"
ARTIFACT_URI = f"s3://{BUCKET}/model/model.tar.gz"
# A version's InferenceSpecification wherever the test does not care which (plain boto3 registrations).
SPEC = {"Containers": [{"Image": IMAGE, "ModelDataUrl": ARTIFACT_URI}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}
# InferenceSpecification.Supported*InstanceTypes: "This parameter is required for unversioned models".
UNVERSIONED_SPEC = {**SPEC, "SupportedTransformInstanceTypes": ["ml.m5.large"],
                    "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"]}

# AWS mode as a SageMaker Studio user (test_aws_mode.py); the policy coverage test reads that run's recording.
# make test spreads the tests over the machine's cores (pytest-xdist, --dist loadgroup): the tests of one group
# run on one worker, in order. This one: the workshop runs whose AWS calls are recorded (the local sequence, the
# Studio run) and the tests that read those recordings; on another worker they would be run a second time.
RECORDED = pytest.mark.xdist_group("recorded-workshop")
STUDIO_REGION = "eu-west-1"
STUDIO_ROLE = "AmazonSageMaker-ExecutionRole-20261126T101500"

# The group of the lifecycle, history and model card tests (conftest.py's ``recorded_group``).
STAGE_GROUP = "stage-group"


def tar_gz(members: dict[str, bytes]) -> bytes:
    """A gzip-compressed tar archive holding these regular files (name -> bytes); the same bytes every time
    (no time in the gzip header), so a test parametrized with one has the same id in every process."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def settled_endpoint(sm, name: str, timeout: float = 30.0) -> dict:
    """DescribeEndpoint once the endpoint is no longer Creating or Updating (the waiter's question, polled quickly)."""
    deadline = time.monotonic() + timeout
    while True:
        described = sm.describe_endpoint(EndpointName=name)
        if described["EndpointStatus"] not in ("Creating", "Updating") or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


# --- the session's recorded logs (see conftest.py and tests/guard/sitecustomize.py) ---------------------------


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def netlog_path() -> Path:
    """Every connection a process of the tests opened (the network guard's log)."""
    return Path(os.environ["WORKSHOP_NETLOG"])


def conformance_log() -> Path:
    """Every SageMaker response of the tests' backend, checked against botocore's output shapes."""
    return Path(os.environ["WORKSHOP_CONFORMANCE_LOG"])


def oplog_path(name: str) -> Path:
    """Where a recorded workshop run's AWS operations go (see ``tests/guard/sitecustomize.py``)."""
    # A child pytest run (a test run alone records what it needs that way) writes into its parent's folder.
    folder = os.environ.get("PARENT_TEST_OPLOG_DIR") or SESSION["dir"] / "oplogs"
    return Path(folder) / f"{name}.jsonl"


# --- a backend of a test's own (conftest.py's own_backend), events to a queue ----------------------------------


def restart_backend(kill: bool = False) -> None:
    """Stop the running backend (``kill``: with SIGKILL, as a crash) and start it again on a free port."""
    from helpers.kit import backend

    if kill:
        os.kill(backend.status().pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while backend.status().running and time.monotonic() < deadline:
            time.sleep(0.05)
    else:
        backend.stop()
    assert backend.start(port=0).running


def queue_with_rule(name: str, group: str = "g") -> str:
    """An SQS queue receiving the group's "SageMaker Model Package State Change" events; its URL."""
    from helpers import aws

    sqs, events = aws.client("sqs"), aws.client("events")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"{name}-rule", EventPattern=json.dumps({
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": [group]}}))
    events.put_targets(Rule=f"{name}-rule", Targets=[{"Id": "queue", "Arn": arn}])
    return url


def drain(url: str) -> list[dict]:
    """The events waiting in the queue (up to 10, after at most a second), deleted once read."""
    from helpers import aws

    sqs = aws.client("sqs")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in got]


# --- a group of versions with metrics (compare, gate, audit, dashboard) -----------------------------------------


def make_group(n: int, group: str = "g") -> None:
    """``n`` versions, each with its own model-quality JSON in S3 (accuracy rising with the version)."""
    from helpers import aws, compare
    from helpers.model import artifacts
    from helpers.setup import s3_bucket

    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    s3_bucket.ensure_bucket(s3, BUCKET, "us-east-1")
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=artifacts.tarball_bytes(b"{}"))
    sm.create_model_package_group(ModelPackageGroupName=group)
    for i in range(1, n + 1):
        key = f"metrics/{group}/{i}.json"
        doc = {"binary_classification_metrics": {m: {"value": round(0.8 + i / 1000 + k / 100, 4), "standard_deviation": 0.01}
                                                  for k, m in enumerate(compare.METRIC_COLUMNS)}}
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(doc).encode(), ContentType="application/json")
        sm.create_model_package(
            ModelPackageGroupName=group, InferenceSpecification=SPEC, ModelApprovalStatus="PendingManualApproval",
            ModelMetrics={"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": f"s3://{BUCKET}/{key}"}}},
            CustomerMetadataProperties={"model_name": f"m{i}", "dataset_version": "v1.0", "max_depth": str(3 + i % 2)},
        )


# --- the group of conftest.py's recorded_group (lifecycle, history) ---------------------------------------------


def stages(sm, group: str = STAGE_GROUP) -> dict[int, str]:
    """Each version's stage, as ``Stage/StageStatus``."""
    from helpers import lifecycle, registry

    return {d["ModelPackageVersion"]: lifecycle.stage_of(d) for d in registry.describe_versions(sm, group)}


def approve(sm, arn: str, status: str = "Approved", reason: str = "reviewed") -> None:
    """Change a version's approval with a plain UpdateModelPackage, as a reviewer outside the kit would."""
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status, ApprovalDescription=reason)


# --- the registry rule tests' target (test_registry_rules.py, test_documented_rules.py) ------------------------


class Target:
    """Where the rules run: a SageMaker client, unique names, and cleanup of all that was made.

    Against a real account (``--against-aws``) every group gets a unique ``<prefix>-<random>-...`` name.
    """

    def __init__(self, sm, remote: bool, prefix: str = "parity"):
        self.sm, self.remote = sm, remote
        self.prefix = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.groups: list[str] = []
        self.unversioned: list[str] = []

    def group(self, suffix: str = "g", **kwargs) -> str:
        name = f"{self.prefix}-{suffix}"
        self.sm.create_model_package_group(ModelPackageGroupName=name, **kwargs)
        self.groups.append(name)
        return name

    def register(self, group: str, **kwargs) -> str:
        kwargs.setdefault("InferenceSpecification", SPEC)
        return self.sm.create_model_package(ModelPackageGroupName=group, **kwargs)["ModelPackageArn"]

    def loose(self, suffix: str = "loose", **kwargs) -> str:
        """Register an unversioned model package."""
        name = f"{self.prefix}-{suffix}"
        arn = self.sm.create_model_package(ModelPackageName=name, **kwargs)["ModelPackageArn"]
        self.unversioned.append(name)
        return arn

    def versions(self, group: str) -> list[int]:
        summaries = self.sm.list_model_packages(ModelPackageGroupName=group, MaxResults=100)["ModelPackageSummaryList"]
        return [s["ModelPackageVersion"] for s in summaries]

    def all_packages(self) -> list[str]:
        """Every package (versioned or not) whose name holds this test's prefix."""
        out = self.sm.list_model_packages(ModelPackageType="Both", NameContains=self.prefix, MaxResults=100)
        return [s["ModelPackageName"] for s in out["ModelPackageSummaryList"]]

    def eventually(self, probe, expected, timeout: float = 60.0):
        """``probe()`` once locally; against AWS, until it equals ``expected`` (Search is eventually consistent)."""
        deadline = time.monotonic() + (timeout if self.remote else 0)
        while True:
            got = probe()
            if got == expected or time.monotonic() >= deadline:
                return got
            time.sleep(2)

    def cleanup(self) -> None:
        from botocore.exceptions import ClientError

        for name in self.groups:
            try:
                for page in self.sm.get_paginator("list_model_packages").paginate(ModelPackageGroupName=name):
                    for summary in page["ModelPackageSummaryList"]:
                        self.sm.delete_model_package(ModelPackageName=summary["ModelPackageArn"])
                self.sm.delete_model_package_group(ModelPackageGroupName=name)
            except ClientError:
                pass
        for name in self.unversioned:
            try:
                self.sm.delete_model_package(ModelPackageName=name)
            except ClientError:
                pass


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    """The error code and message of a call that must fail with a ClientError."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


# ---- a browser and JupyterLab, as a learner has them (Debian's Chromium through Playwright) ----------------

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    """Debian's Chromium, with Playwright to drive it; skips the test without them (fails it under CI=true)."""
    import importlib.util
    import shutil


    found = next((c for c in CHROMIUM_PATHS if os.path.exists(c)), None) or shutil.which("chromium")
    if found and importlib.util.find_spec("playwright") is not None:
        return found
    missing("no Chromium/Playwright here: install Debian's chromium (sudo apt-get install chromium) and "
            "`pip install -e '.[test]'`")


def missing(message: str, details: str = "") -> None:
    """A tool the test needs is not here: skipped with ``message`` on a learner's machine, a failure under CI=true."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {message}" + (f":\n{details}" if details else ""))
    pytest.skip(message)


@contextmanager
def chromium():
    """A headless Chromium (Playwright's ``Browser``), closed afterwards."""
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def jupyterlab(tmp: Path, *extra: str):
    """JupyterLab on 127.0.0.1 with a token, on a copy of the English notebooks in ``tmp``; yields (base URL, token).

    Its own config and data folders (no "news?" toast over a notebook), its kernels on the tests' backend.
    """
    import secrets
    import shutil
    import socket
    import subprocess
    import sys
    import urllib.request


    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    settings = tmp / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    shutil.copytree(REPO / "notebooks", tmp / "notebooks", ignore=shutil.ignore_patterns("vi"))
    log = tmp / "jupyterlab.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip", "127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp / 'notebooks'}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--allow-root", *extra],
        stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("JupyterLab did not start: " + log.read_text()[-2000:])
                time.sleep(0.3)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
