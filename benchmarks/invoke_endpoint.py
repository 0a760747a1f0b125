"""InvokeEndpoint against its floor, and the memory a served model holds.

The floor of one invocation is what no implementation can avoid: one HTTP round trip to the backend (a
POST of the same body to the backend's health route, on a kept-alive connection) plus xgboost predicting
the same rows in-process from the same artifact. The endpoint is called the same way (raw HTTP, kept
alive), and through boto3 as learners call it. Requests alternate between the kinds, so machine noise
falls on all of them alike. Memory: the backend's resident set before and after more endpoints, each
with a configuration (so a loaded model) of its own.
"""

from __future__ import annotations

import http.client
import statistics
import time
from pathlib import Path

from .harness import own_backend

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecutionRole"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _deploy(sm, name: str, url: str) -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.t2.medium"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    deadline = time.monotonic() + 60
    while sm.describe_endpoint(EndpointName=name)["EndpointStatus"] != "InService" and time.monotonic() < deadline:
        time.sleep(0.02)


def _percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3)}


def bench_invoke(tmp: Path, requests: int, extra_models: int = 4) -> dict:
    import numpy as np
    import xgboost as xgb

    from helpers import aws
    from helpers.model import artifacts, datasets, training

    trained = training.train_preset("v1")
    _, test = datasets.load(trained.dataset_version)
    features = test.drop(columns=[datasets.LABEL])
    data = artifacts.tarball_bytes(artifacts.model_json(trained.booster))
    with own_backend(tmp / "invoke") as status:
        session = aws.session()
        sm, s3, runtime = session.client("sagemaker"), session.client("s3"), session.client("sagemaker-runtime")
        s3.create_bucket(Bucket="bench-hosting")
        s3.put_object(Bucket="bench-hosting", Key="model.tar.gz", Body=data)
        url = "s3://bench-hosting/model.tar.gz"
        _deploy(sm, "bench-endpoint", url)
        booster = xgb.Booster()
        booster.load_model(bytearray(artifacts.model_json(trained.booster)))
        booster.set_param("nthread", 1)  # as the container (and so the backend) predicts
        host, port = status.endpoint.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port))
        rows_out = {}
        for n in (1, 100):
            body = features.head(n).to_csv(header=False, index=False).encode()
            headers = {"Content-Type": "text/csv", "Authorization":
                       "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sagemaker/aws4_request"}

            def post(path: str) -> bytes:
                connection.request("POST", path, body=body, headers=headers)
                return connection.getresponse().read()

            def floor() -> None:
                post("/_workshop/health")
                rows = np.array([[float(c) for c in line.split(",")] for line in body.decode().splitlines()],
                                dtype=np.float32)
                booster.predict(xgb.DMatrix(rows))

            kinds = {
                "floor": floor,
                "endpoint (HTTP)": lambda: post("/endpoints/bench-endpoint/invocations"),
                "endpoint (boto3)": lambda: runtime.invoke_endpoint(
                    EndpointName="bench-endpoint", ContentType="text/csv", Body=body)["Body"].read(),
            }
            times: dict[str, list[float]] = {k: [] for k in kinds}
            for kind in kinds.values():
                kind()  # warm both sides
            for _ in range(requests):
                for name, kind in kinds.items():
                    start = time.perf_counter()
                    kind()
                    times[name].append(time.perf_counter() - start)
            row = {name: _percentiles(seconds) for name, seconds in times.items()}
            row["ratio_p50_http"] = round(row["endpoint (HTTP)"]["p50_ms"] / row["floor"]["p50_ms"], 2)
            row["ratio_p50_boto3"] = round(row["endpoint (boto3)"]["p50_ms"] / row["floor"]["p50_ms"], 2)
            rows_out[f"{n} row{'s' if n > 1 else ''}"] = row
        connection.close()
        before = _rss_kib(status.pid)
        for i in range(extra_models):
            _deploy(sm, f"bench-extra-{i}", url)
            runtime.invoke_endpoint(EndpointName=f"bench-extra-{i}", ContentType="text/csv",
                                    Body=features.head(1).to_csv(header=False, index=False))
        after = _rss_kib(status.pid)
        from helpers.kit import backend

        held = backend.stats()["hosted_models"]
    return {"requests_each": requests, "rows": rows_out,
            "memory": {"models_loaded": len(held), "model_bytes": max(held.values()),
                       "rss_kib_per_extra_model": round((after - before) / extra_models, 1)}}
