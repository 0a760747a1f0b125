"""Hosting in the local backend: endpoints serve the registered XGBoost model as SageMaker's built-in container does.

Sources (quoted in docs/local-backend.md, "Hosting and runtime"):
- botocore's ``sagemaker`` model (EndpointStatus, the endpoint_in_service / endpoint_deleted waiters) and
  ``sagemaker-runtime`` model (InvokeEndpoint: ValidationError 400, ModelError 424 with OriginalStatusCode
  and OriginalMessage, Body at most 6291456 bytes, the TargetVariant and InvokedProductionVariant headers);
- aws/sagemaker-xgboost-container, ``algorithm_mode/serve.py`` and ``serve_utils.py`` (model loading,
  content types, answers and the container's error statuses);
- the XGBoost algorithm page ("Input/Output Interface"): CSV inference input has no label column.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import threading
import time

import numpy as np
import pytest
import xgboost as xgb
from botocore.exceptions import ClientError, WaiterError

from helpers import aws
from helpers.kit import backend
from helpers.model import artifacts, datasets, training
from support import restart_backend, settled_endpoint, tar_gz

REGION = "us-east-1"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"  # image_uris.retrieve("xgboost", 1.7-1)
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"
BUCKET = "hosting-test-bucket"
GROUP = "hosting-test-group"


@pytest.fixture(scope="module")
def models():
    """The workshop's two presets, trained once: artifact bytes, booster, hold-out features and labels."""
    out = {}
    for name in ("v1", "v2"):
        trained = training.train_preset(name)
        _, test = datasets.load(trained.dataset_version)
        out[name] = {"artifact": artifacts.tarball_bytes(artifacts.model_json(trained.booster)),
                     "booster": trained.booster, "features": test.drop(columns=[datasets.LABEL]),
                     "labels": test[datasets.LABEL].tolist()}
    return out


def csv_rows(features) -> str:
    return features.to_csv(header=False, index=False)


def expected(model: dict, features) -> list[float]:
    """What xgboost itself predicts for the rows, loading the same artifact bytes the endpoint was given."""
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(model["artifact"]))) as tar:
        raw = tar.extractfile("xgboost-model").read()
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    rows = np.array([[float(c) for c in line.split(",")] for line in csv_rows(features).splitlines()], dtype=np.float32)
    return booster.predict(xgb.DMatrix(rows)).tolist()


def scores(answer: dict) -> list[float]:
    return [float(line) for line in answer["Body"].read().decode().splitlines()]


class Hosting:
    """A region with the bucket, a group of registered versions, and helpers to deploy them."""

    def __init__(self, models):
        self.models = models
        session = aws.session()
        self.sm, self.s3 = session.client("sagemaker"), session.client("s3")
        self.runtime = session.client("sagemaker-runtime")
        self.s3.create_bucket(Bucket=BUCKET)
        self.sm.create_model_package_group(ModelPackageGroupName=GROUP)
        self.arns = {}

    def upload(self, key: str, data: bytes) -> str:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        return f"s3://{BUCKET}/{key}"

    def register(self, name: str, data: bytes | None = None, image: str = IMAGE) -> str:
        url = self.upload(f"{name}/model.tar.gz", data if data is not None else self.models[name]["artifact"])
        arn = self.sm.create_model_package(
            ModelPackageGroupName=GROUP, ModelApprovalStatus="Approved",
            InferenceSpecification={"Containers": [{"Image": image, "ModelDataUrl": url}],
                                    "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        )["ModelPackageArn"]
        self.arns[name] = arn
        return arn

    def config(self, config: str, variants: dict[str, float]) -> str:
        """An endpoint configuration with one variant per registered model name, weighted."""
        for name in variants:
            model = f"model-{name}"
            if model not in [m["ModelName"] for m in self.sm.list_models()["Models"]]:
                self.sm.create_model(ModelName=model, ExecutionRoleArn=ROLE,
                                     PrimaryContainer={"ModelPackageName": self.arns[name]})
        self.sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[
            {"VariantName": f"variant-{name}", "ModelName": f"model-{name}", "InitialInstanceCount": 1,
             "InstanceType": "ml.t2.medium", "InitialVariantWeight": weight} for name, weight in variants.items()])
        return config

    def deploy(self, endpoint: str, name: str) -> dict:
        self.config(f"config-{name}", {name: 1.0})
        self.sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=f"config-{name}")
        return settled_endpoint(self.sm, endpoint)

    def invoke(self, endpoint: str, features, **kwargs) -> list[float]:
        return scores(self.runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv",
                                                   Body=csv_rows(features), **kwargs))


@pytest.fixture
def hosting(clean_backend, models):
    return Hosting(models)


def test_the_endpoint_answers_with_the_deployed_versions_predictions(hosting, models):
    hosting.register("v1")
    described = hosting.deploy("ep", "v1")
    assert described["EndpointStatus"] == "InService"
    assert described["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    features = models["v1"]["features"]
    answer = hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=csv_rows(features))
    assert answer["ContentType"].startswith("text/csv")
    assert answer["InvokedProductionVariant"] == "variant-v1"
    got = scores(answer)
    assert len(got) == len(features)
    assert np.allclose(got, expected(models["v1"], features), atol=1e-6)
    accuracy = np.mean([int(p >= 0.5) == y for p, y in zip(got, models["v1"]["labels"])])
    assert accuracy > 0.9  # the hold-out rows of a real model, not noise


def test_json_answers_and_libsvm_requests_follow_the_container(hosting, models):
    hosting.register("v1")
    hosting.deploy("ep", "v1")
    features = models["v1"]["features"].head(3)
    answer = hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Accept="application/json",
                                             Body=csv_rows(features))
    assert answer["ContentType"] == "application/json"
    body = json.loads(answer["Body"].read())
    assert np.allclose([p["score"] for p in body["predictions"]], expected(models["v1"], features), atol=1e-6)
    libsvm = "\n".join("0 " + " ".join(f"{i}:{v}" for i, v in enumerate(row)) for row in features.to_numpy())
    answer = hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/libsvm", Body=libsvm)
    assert np.allclose(scores(answer), expected(models["v1"], features), atol=1e-5)


def test_after_a_rollback_the_endpoint_answers_with_the_other_version(hosting, models):
    hosting.register("v1")
    hosting.register("v2")
    hosting.deploy("ep", "v2")
    features = models["v1"]["features"].head(20)
    before = hosting.invoke("ep", features)
    hosting.config("config-v1", {"v1": 1.0})
    hosting.sm.update_endpoint(EndpointName="ep", EndpointConfigName="config-v1")
    assert settled_endpoint(hosting.sm, "ep")["EndpointConfigName"] == "config-v1"
    after = hosting.invoke("ep", features)
    assert np.allclose(before, expected(models["v2"], features), atol=1e-6)
    assert np.allclose(after, expected(models["v1"], features), atol=1e-6)
    assert not np.allclose(before, after, atol=1e-6)


@pytest.mark.parametrize("artifact, image, reason", [
    (b"not a tarball", IMAGE, "not a gzip-compressed tar archive"),
    ("nested", IMAGE, "no file at its root"),
    (tar_gz({"xgboost-model": b"{\"not\": \"a model\"}"}), IMAGE, "not a model XGBoost can load"),
    ("good", "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own-container:latest", "built-in XGBoost container only"),
])
def test_an_endpoint_that_cannot_load_its_model_fails_with_a_reason(hosting, models, artifact, image, reason):
    data = {"nested": lambda: tar_gz({"model/xgboost-model": b"x"}), "good": lambda: models["v1"]["artifact"]}
    hosting.register("v1", data[artifact]() if isinstance(artifact, str) else artifact, image=image)
    hosting.config("config-v1", {"v1": 1.0})
    hosting.sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-v1")
    with pytest.raises(WaiterError, match="Failed"):  # the waiter's own failure acceptor
        hosting.sm.get_waiter("endpoint_in_service").wait(EndpointName="ep", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    described = hosting.sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointStatus"] == "Failed"
    assert reason in described["FailureReason"]
    with pytest.raises(ClientError) as refused:
        hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body="1,2")
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def _model_error(body: bytes | str, content_type: str = "text/csv", accept: str | None = None):
    return body, content_type, accept


@pytest.mark.parametrize("request_, status, message", [
    (_model_error("1,2,3\n" * 2 + ",".join(["1"] * 40)), 415, "Loading csv data failed"),  # rows of unequal width
    (_model_error(",".join(["1.5"] * 40)), 400, "Number of columns does not match"),  # more features than the model
    (_model_error("radius_mean,texture_mean\n1,2"), 415, "could not convert string to float"),  # a header row
    (_model_error("a,b,c"), 415, "could not convert string to float"),  # unparsable CSV
    (_model_error("1,2", "application/octet-stream"), 415, "is not an accepted ContentType"),
    (_model_error(""), 204, "empty"),
    (_model_error("FEATURES", accept="text/html"), 406, "Accept type text/html is not supported"),
])
def test_a_request_the_container_refuses_is_a_model_error_and_the_endpoint_keeps_serving(
        hosting, models, request_, status, message):
    hosting.register("v1")
    hosting.deploy("ep", "v1")
    body, content_type, accept = request_
    good = models["v1"]["features"].head(2)
    if body == "FEATURES":
        body = csv_rows(good)
    extra = {"Accept": accept} if accept else {}
    with pytest.raises(ClientError) as refused:
        hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType=content_type, Body=body, **extra)
    error = refused.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == status
    assert message in error["OriginalMessage"]
    assert hosting.sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"
    assert np.allclose(hosting.invoke("ep", good), expected(models["v1"], good), atol=1e-6)


def test_unknown_endpoints_unknown_variants_and_oversized_bodies_are_validation_errors(hosting, models):
    hosting.register("v1")
    hosting.deploy("ep", "v1")
    good = models["v1"]["features"].head(2)
    cases = [
        ({"EndpointName": "no-such-endpoint", "Body": csv_rows(good)}, "Endpoint no-such-endpoint of account"),
        ({"EndpointName": "ep", "Body": csv_rows(good), "TargetVariant": "nope"}, "variant nope does not exist"),
        ({"EndpointName": "ep", "Body": b"1" * (6291456 + 1)}, "at most 6291456 bytes"),  # BodyBlob max
    ]
    for kwargs, message in cases:
        with pytest.raises(ClientError) as refused:
            hosting.runtime.invoke_endpoint(ContentType="text/csv", **kwargs)
        assert refused.value.response["Error"]["Code"] == "ValidationError"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert message in refused.value.response["Error"]["Message"]
        assert np.allclose(hosting.invoke("ep", good), expected(models["v1"], good), atol=1e-6)


def test_weights_split_the_traffic_and_target_variant_pins_a_request(hosting, models):
    hosting.register("v1")
    hosting.register("v2")
    hosting.config("canary", {"v1": 3.0, "v2": 1.0})
    hosting.sm.create_endpoint(EndpointName="ep", EndpointConfigName="canary")
    assert settled_endpoint(hosting.sm, "ep")["EndpointStatus"] == "InService"
    row = csv_rows(models["v1"]["features"].head(1))
    seen = [hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=row)["InvokedProductionVariant"]
            for _ in range(400)]
    share = seen.count("variant-v1") / len(seen)
    assert 0.65 < share < 0.85  # 3:1 is 0.75; the bounds are more than 4 standard deviations (0.022) away
    pinned = {hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=row,
                                              TargetVariant="variant-v2")["InvokedProductionVariant"] for _ in range(20)}
    assert pinned == {"variant-v2"}
    hosting.sm.update_endpoint_weights_and_capacities(EndpointName="ep", DesiredWeightsAndCapacities=[
        {"VariantName": "variant-v1", "DesiredWeight": 0.0}, {"VariantName": "variant-v2", "DesiredWeight": 1.0}])
    weights = {v["VariantName"]: v["CurrentWeight"] for v in hosting.sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]}
    assert weights == {"variant-v1": 0.0, "variant-v2": 1.0}
    after = {hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=row)["InvokedProductionVariant"]
             for _ in range(50)}
    assert after == {"variant-v2"}


def test_an_update_under_four_concurrent_callers_fails_no_request(hosting, models):
    hosting.register("v1")
    hosting.register("v2")
    hosting.deploy("ep", "v1")
    hosting.config("config-v2", {"v2": 1.0})
    features = models["v1"]["features"].head(5)
    old, new = expected(models["v1"], features), expected(models["v2"], features)
    answers, failures, stop = [], [], threading.Event()

    def caller():
        runtime = aws.session().client("sagemaker-runtime")
        while not stop.is_set():
            try:
                answers.append(scores(runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv",
                                                              Body=csv_rows(features))))
            except Exception as exc:  # noqa: BLE001 - any failure is what the test counts
                failures.append(exc)

    threads = [threading.Thread(target=caller) for _ in range(4)]
    def answered(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(answers) + len(failures) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    for thread in threads:
        thread.start()
    answered(8)  # the old model is answering
    hosting.sm.update_endpoint(EndpointName="ep", EndpointConfigName="config-v2")
    assert settled_endpoint(hosting.sm, "ep")["EndpointConfigName"] == "config-v2"
    answered(len(answers) + len(failures) + 8)  # and the new one
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(np.allclose(a, old, atol=1e-6) or np.allclose(a, new, atol=1e-6) for a in answers)
    assert np.allclose(answers[0], old, atol=1e-6) and np.allclose(answers[-1], new, atol=1e-6)


def test_deleting_the_endpoint_frees_its_model(hosting, models):
    hosting.register("v1")
    hosting.deploy("ep", "v1")
    hosting.invoke("ep", models["v1"]["features"].head(1))
    assert list(backend.stats()["hosted_models"]) == ["us-east-1/config-v1/variant-v1"]
    hosting.sm.delete_endpoint(EndpointName="ep")
    hosting.sm.get_waiter("endpoint_deleted").wait(EndpointName="ep", WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    assert backend.stats()["hosted_models"] == {}
    assert hosting.sm.list_endpoints()["Endpoints"] == []


@pytest.mark.slow
@pytest.mark.parametrize("kill", [False, True], ids=["stop-start", "kill-9"])
def test_after_a_restart_in_service_endpoints_serve_what_was_deployed(tmp_path, monkeypatch, models, kill):
    monkeypatch.setenv("WORKSHOP_STATE_DIR", str(tmp_path / "state"))
    backend.start(port=0)
    try:
        hosting = Hosting(models)
        hosting.register("v1")
        hosting.deploy("ep", "v1")
        features = models["v1"]["features"].head(10)
        # SageMaker copies the artifact when it deploys; changing the S3 object later changes nothing served.
        hosting.upload("v1/model.tar.gz", models["v2"]["artifact"])
        restart_backend(kill)
        runtime = aws.session().client("sagemaker-runtime")
        assert aws.session().client("sagemaker").describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"
        got = scores(runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=csv_rows(features)))
        assert np.allclose(got, expected(models["v1"], features), atol=1e-6)
    finally:
        backend.stop()


def test_runtime_answers_are_checked_against_the_runtime_model(hosting, models):
    """The tests' conformance log covers InvokeEndpoint too, and its check catches a wrong answer."""
    from helpers.local_backend import conformance

    hosting.register("v1")
    hosting.deploy("ep", "v1")
    hosting.invoke("ep", models["v1"]["features"].head(1))
    with pytest.raises(ClientError):
        hosting.runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body="a")
    logged = [json.loads(line) for line in open(os.environ["WORKSHOP_CONFORMANCE_LOG"])
              if '"InvokeEndpoint"' in line]
    assert {r["status"][0][:3] for r in logged} >= {"200", "424"}
    assert all(r["problems"] == [] for r in logged)
    assert conformance.runtime_check("200 OK", [("Content-Type", "text/csv")], b"0.5\n") == [
        "InvokeEndpoint: header x-Amzn-Invoked-Production-Variant missing"]
    assert conformance.runtime_check("500 Internal Server Error", [("x-amzn-ErrorType", "ModelError")],
                                     b'{"message": "m", "Extra": 1}') == [
        "InvokeEndpoint: ModelError answered with 500 Internal Server Error, the model says 424",
        "InvokeEndpoint: ModelError: member Extra is not in the error shape"]


def test_tags_on_an_endpoint_are_kept_with_it(hosting, models):
    hosting.register("v1")
    hosting.config("config-v1", {"v1": 1.0})
    arn = hosting.sm.create_endpoint(EndpointName="ep", EndpointConfigName="config-v1",
                                     Tags=[{"Key": "team", "Value": "ml"}])["EndpointArn"]
    hosting.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}])
    hosting.sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert hosting.sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "prod"}]
