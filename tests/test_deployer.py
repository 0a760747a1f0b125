"""The approval-driven deployer, against the tests' own backend: what a user checks is what the endpoint serves.

Behaviour that comes from the services: SageMaker sends a "SageMaker Model Package State Change" event
for every change of a version, registration included, with ``ModelApprovalStatus`` in its detail
(Dev guide: automating-sagemaker-with-eventbridge, "Model package state change"). Delivery is at least
once (EB guide: eb-service-event-delivery-level, "durable delivery ... at least once") and a target that
fails is retried later (EB guide: eb-rule-retry-policy), so an event can arrive twice, late, or after a
newer one. The deployer reads the registry when it handles an event, so none of that matters; these
tests prove it.
"""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import aws, deployer, history, iam
from helpers.aws_mode import deployer_lambda
from helpers.kit import aws_cli
from helpers.model import artifacts, datasets, serving, training
from helpers.setup import execution_role, s3_bucket
from helpers.errors import WorkshopError
from iam_model import Account, needs
from support import settled_endpoint

REPO = Path(__file__).resolve().parent.parent
GROUP, ENDPOINT, BUCKET, ROLE = "ml-pipeline-model-group", "ml-pipeline-endpoint", "ml-pipeline-bucket", "SageMakerExecutionRole"
ACCOUNT, REGION = "123456789012", "us-east-1"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"  # the built-in XGBoost image of the region
SPEC = {"Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}],
        "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}
BROKEN = {**SPEC, "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/broken.tar.gz"}]}


def register(sm, group: str = GROUP, n: int = 2, spec: dict = SPEC) -> list[str]:
    """``n`` pending versions of ``group`` (created if missing); their ARNs."""
    if group not in [g["ModelPackageGroupName"] for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]]:
        sm.create_model_package_group(ModelPackageGroupName=group)
    return [sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=spec,
                                    ModelApprovalStatus="PendingManualApproval")["ModelPackageArn"] for _ in range(n)]


@pytest.fixture(scope="module")
def model():
    """A real model the endpoint can serve: the kit's v1 preset (trained in well under a second), as
    ``model.tar.gz`` bytes, with its booster. A fake artifact would leave every endpoint Failed."""
    trained = training.train_preset("v1")
    return {"artifact": artifacts.tarball_bytes(artifacts.model_json(trained.booster)), "booster": trained.booster}


@pytest.fixture
def workshop(clean_backend, model):
    """What 00-05 leave behind: bucket, execution role, the deployer's rule and queue, two pending versions.

    Both versions point at the same real artifact; ``model/broken.tar.gz`` is one no container can load.
    """
    session = aws.session()
    s3 = session.client("s3")
    s3_bucket.ensure_bucket(s3, BUCKET, REGION)
    s3.put_object(Bucket=BUCKET, Key="model/model.tar.gz", Body=model["artifact"])
    s3.put_object(Bucket=BUCKET, Key="model/broken.tar.gz", Body=artifacts.tarball_bytes(b"{}"))
    role_arn = execution_role.ensure_execution_role(session.client("iam"), ROLE, BUCKET)
    deployer.subscribe(session, GROUP)
    if GROUP not in [g["ModelPackageGroupName"] for g in session.client("sagemaker").list_model_package_groups()["ModelPackageGroupSummaryList"]]:
        session.client("sagemaker").create_model_package_group(ModelPackageGroupName=GROUP)
    history.subscribe(session, GROUP)  # notebook 01 keeps the record before anything is registered
    arns = register(session.client("sagemaker"))
    return {"session": session, "sm": session.client("sagemaker"), "sqs": session.client("sqs"), "role": role_arn, "arns": arns}


def set_status(sm, arn: str, status: str) -> None:
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus=status, ApprovalDescription=f"{status} in a test")


def drain(w, wait_seconds: float = 30) -> list[dict]:
    return deployer.drain_once(w["session"], GROUP, ENDPOINT, w["role"], wait_seconds=wait_seconds)


def settled(sm, timeout: float = 30) -> dict:
    return settled_endpoint(sm, ENDPOINT, timeout)


def take_events(w) -> list[dict]:
    """Every event waiting in the deployer's queue, removed from it (to replay them in another order)."""
    url = w["sqs"].get_queue_url(QueueName=deployer.NAME)["QueueUrl"]
    events = []
    while messages := w["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            events.append(json.loads(m["Body"]))
            w["sqs"].delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return events


def served_config(sm) -> str:
    """The configuration the endpoint serves once it has settled."""
    return settled(sm)["EndpointConfigName"]


def scores(session, features) -> list[float]:
    """What the endpoint answers for these rows (CSV, no header, no label)."""
    answer = session.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=ENDPOINT, ContentType="text/csv", Body=features.to_csv(header=False, index=False))
    return [float(line) for line in answer["Body"].read().decode().splitlines()]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", "deployer", *args], capture_output=True, text=True,
                          cwd=REPO, env=aws.cli_env(), timeout=120)


def test_approve_with_the_aws_cli_then_the_deployer_serves_it_and_a_rejection_goes_back(workshop, model):
    """The issue's acceptance test: approve with the bare `aws` CLI, run `deployer --once`, the endpoint serves
    that version and `history` shows the change; approve a newer one, it moves; reject that one (a rollback),
    the deployer goes back, and the endpoint answers with the model's own predictions."""
    sm, (v1, v2) = workshop["sm"], workshop["arns"]

    def deploy_after(*aws_args: str) -> dict:
        aws_cli.run("sagemaker", "update-model-package", *aws_args, show=False)
        proc = run_cli("--once", "--json")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first = deploy_after("--model-package-arn", v1, "--model-approval-status", "Approved", "--approval-description", "ok")
    assert [(e["event"]["version"], e["event"]["status"], e["action"]) for e in first["events"]] == [(1, "Approved", "created")]
    assert first["summary"] == ["endpoint ml-pipeline-endpoint created with v1"]
    assert served_config(sm) == "ml-pipeline-model-v1-config"
    described = sm.describe_model(ModelName="ml-pipeline-model-v1")
    assert described["PrimaryContainer"]["ModelPackageName"].lower() == v1.lower()
    assert described["ExecutionRoleArn"] == workshop["role"]
    config = sm.describe_endpoint_config(EndpointConfigName="ml-pipeline-model-v1-config")["ProductionVariants"]
    assert [(v["VariantName"], v["InstanceType"], v["InitialInstanceCount"]) for v in config] == [
        ("AllTraffic", deployer.INSTANCE_TYPE, 1)]
    shown = subprocess.run([sys.executable, "-m", "helpers", "history", GROUP, "--json"], capture_output=True, text=True,
                           cwd=REPO, env=aws.cli_env(), timeout=120)
    assert shown.returncode == 0, shown.stderr
    (change,) = [e for e in json.loads(shown.stdout) if e["change"] == "approval"]
    assert (change["version"], change["from"], change["to"], change["reason"]) == (1, "PendingManualApproval", "Approved", "ok")
    assert change["via"] == "registry event" and change["by"].startswith("arn:aws:"), "made outside the kit, by a known caller"

    second = deploy_after("--model-package-arn", v2, "--model-approval-status", "Approved", "--approval-description", "ok")
    assert second["events"][0]["action"] == "updated"
    assert (second["events"][0]["serving"], served_config(sm)) == (2, "ml-pipeline-model-v2-config")

    back = deploy_after("--model-package-arn", v2, "--model-approval-status", "Rejected", "--approval-description", "rollback")
    assert [(e["event"]["version"], e["event"]["status"], e["action"]) for e in back["events"]] == [(2, "Rejected", "updated")]
    assert back["summary"] == ["endpoint ml-pipeline-endpoint updated to v1 (was v2)"]
    assert served_config(sm) == "ml-pipeline-model-v1-config"
    assert settled(sm)["EndpointStatus"] == "InService"
    _, test = datasets.load("v1.0")
    features = test.drop(columns=[datasets.LABEL]).head(5)
    expected = serving.predict_csv(model["booster"], features.to_csv(header=False, index=False))
    assert scores(workshop["session"], features) == pytest.approx(expected, abs=1e-6), "the deployed model answers"


def test_the_text_output_is_a_summary_then_what_is_served(workshop):
    """What changed, then one line for all the events that changed nothing (and why), then what the endpoint
    serves; an empty queue says so; without --once a one-sentence refusal, exit 2."""
    sm, (v1, v2) = workshop["sm"], workshop["arns"]
    set_status(sm, v1, "Approved")
    proc = run_cli("--once")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "endpoint ml-pipeline-endpoint created with v1"
    assert lines[1] in ("endpoint ml-pipeline-endpoint is Creating with version 1: it answers once InService",
                        "endpoint ml-pipeline-endpoint serves version 1 (InService, config ml-pipeline-model-v1-config)")
    assert len(lines) == 2
    settled(sm)
    set_status(sm, v2, "Approved")
    set_status(sm, v1, "Rejected")
    set_status(sm, v1, "Approved")
    proc = run_cli("--once")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == ["endpoint ml-pipeline-endpoint updated to v2 (was v1)",
                         "the other 2 events changed nothing: the endpoint already serves or is moving to v2, "
                         "the newest approved (duplicate or stale events)"]
    assert lines[2].startswith("endpoint ml-pipeline-endpoint serves version ") and len(lines) == 3
    assert "version 2" in lines[2], "Updating from v1 to v2, or serving v2 already"
    again = run_cli("--once")
    assert again.stdout.splitlines()[0] == "no events waiting in the queue ml-pipeline-deployer"
    refused = run_cli()
    assert refused.returncode == 2 and "only as `deployer --once`" in refused.stderr


def test_a_duplicate_event_changes_nothing(workshop):
    """EventBridge may deliver an event more than once: the second delivery finds the endpoint already right,
    or already being created for that version (on AWS for minutes), and leaves it to finish."""
    set_status(workshop["sm"], workshop["arns"][0], "Approved")
    (event,) = take_events(workshop)
    first = deployer.handle(event, workshop["sm"], GROUP, ENDPOINT, workshop["role"])
    again = deployer.handle(event, workshop["sm"], GROUP, ENDPOINT, workshop["role"])
    assert first["action"] == "created" and again["action"] in ("in progress", "unchanged")
    settled(workshop["sm"])
    late = deployer.handle(event, workshop["sm"], GROUP, ENDPOINT, workshop["role"])
    assert (late["action"], late["serving"]) == ("unchanged", 1)
    expected = ("v1 Approved → the endpoint already serves or is moving to v1, the newest approved "
                "(duplicate or stale events)")
    assert deployer.describe(again) == deployer.describe(late) == expected


def test_an_event_for_a_deployment_in_progress_leaves_it_to_finish(workshop, monkeypatch):
    """An endpoint Updating towards the newest approved version (PendingDeploymentSummary names its configuration)
    is what a second event would ask for: nothing is called, nothing waits."""
    sm, (v1, v2) = workshop["sm"], workshop["arns"]
    set_status(sm, v1, "Approved")
    drain(workshop)
    settled(sm)
    set_status(sm, v2, "Approved")
    real = sm.describe_endpoint
    monkeypatch.setattr(sm, "describe_endpoint", lambda **kw: {
        **real(**kw), "EndpointStatus": "Updating",
        "PendingDeploymentSummary": {"EndpointConfigName": "ml-pipeline-model-v2-config", "StartTime": 0}})
    (record,) = [r for r in drain(workshop, wait_seconds=0) if r["event"]["version"] == 2]
    assert (record["action"], record["status"], record["deploying"]) == ("in progress", "Updating", 2)
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["ml-pipeline-model-v1"], "nothing created"


def test_an_older_event_arriving_after_a_newer_one_keeps_the_newest_approved(workshop):
    """Out of order: v2's approval is handled before v1's; the endpoint serves v2 and stays there."""
    v1, v2 = workshop["arns"]
    set_status(workshop["sm"], v1, "Approved")
    set_status(workshop["sm"], v2, "Approved")
    events = take_events(workshop)
    assert [e["detail"]["ModelPackageVersion"] for e in events] == [1, 2]
    records = [deployer.handle(e, workshop["sm"], GROUP, ENDPOINT, workshop["role"]) for e in reversed(events)]
    assert [r["action"] for r in records][0] == "created" and records[1]["action"] in ("in progress", "unchanged")
    assert served_config(workshop["sm"]) == "ml-pipeline-model-v2-config"


def test_a_version_rejected_before_the_deployer_runs_is_never_deployed(workshop):
    """v2 approved then rejected while its events wait: nothing of v2 is ever created; v1 keeps serving."""
    sm, (v1, v2) = workshop["sm"], workshop["arns"]
    set_status(sm, v1, "Approved")
    drain(workshop)
    settled(sm)
    set_status(sm, v2, "Approved")
    set_status(sm, v2, "Rejected")
    records = drain(workshop)
    assert [(r["event"]["version"], r["event"]["status"], r["action"]) for r in records] == [
        (2, "Approved", "unchanged"), (2, "Rejected", "unchanged")]
    assert served_config(sm) == "ml-pipeline-model-v1-config"
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["ml-pipeline-model-v1"]
    assert [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]] == ["ml-pipeline-model-v1-config"]


def test_a_busy_endpoint_is_waited_for_then_moved(workshop, monkeypatch):
    """Approved again while the endpoint is still busy with another configuration (on AWS: minutes): the
    deployer asks again until it is InService, then updates it; no error, the event is handled."""
    sm, (v1, v2) = workshop["sm"], workshop["arns"]
    set_status(sm, v1, "Approved")
    drain(workshop)
    settled(sm)
    set_status(sm, v2, "Approved")
    real, asked = sm.describe_endpoint, []

    def busy_twice(**kw):
        asked.append(1)
        return {**real(**kw), "EndpointStatus": "Updating"} if len(asked) <= 2 else real(**kw)

    monkeypatch.setattr(sm, "describe_endpoint", busy_twice)  # the client drain_once uses
    (record,) = [r for r in drain(workshop, wait_seconds=10) if r["event"]["version"] == 2]
    assert record["action"] == "updated" and len(asked) >= 3
    monkeypatch.undo()
    assert served_config(sm) == "ml-pipeline-model-v2-config"


def test_an_endpoint_still_updating_keeps_the_event_for_the_next_run(workshop, monkeypatch):
    """An endpoint cannot be updated while it is Updating (on AWS for minutes): once the deployer's wait is over it
    says so in one sentence and deletes nothing from the queue, so the event is handled again later (on AWS:
    Lambda retries)."""
    sm, sqs, (v1, v2) = workshop["sm"], workshop["sqs"], workshop["arns"]
    set_status(sm, v1, "Approved")
    drain(workshop)
    settled(sm)
    set_status(sm, v2, "Approved")
    real = sm.describe_endpoint
    monkeypatch.setattr(sm, "describe_endpoint", lambda **kw: {**real(**kw), "EndpointStatus": "Updating"})  # the client drain_once uses
    with pytest.raises(WorkshopError, match="ml-pipeline-endpoint is Updating, so it cannot move to ml-pipeline-model-v2-config"):
        drain(workshop, wait_seconds=0)
    url = sqs.get_queue_url(QueueName=deployer.NAME)["QueueUrl"]
    waiting = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert waiting["ApproximateNumberOfMessagesNotVisible"] == "1", "received, not deleted"
    monkeypatch.undo()
    assert served_config(sm) == "ml-pipeline-model-v1-config"


def test_a_failed_endpoint_is_deleted_and_created_again(workshop, model):
    """A version whose artifact no container loads leaves the endpoint Failed, which SageMaker never updates.
    Once a good version is approved, the deployer deletes the Failed endpoint, creates it again, and says why."""
    sm, session = workshop["sm"], workshop["session"]
    (broken,) = register(sm, n=1, spec=BROKEN)  # version 3
    set_status(sm, broken, "Approved")
    (created,) = drain(workshop)
    assert created["action"] == "created"
    failed = settled(sm)
    assert failed["EndpointStatus"] == "Failed" and "not a model XGBoost can load" in failed["FailureReason"]
    set_status(sm, broken, "Rejected")
    set_status(sm, workshop["arns"][1], "Approved")  # version 2: the real model
    records = drain(workshop)
    (again,) = [r for r in records if r["action"] == "recreated"]
    assert (again["serving"], again["failure"]) == (2, failed["FailureReason"])
    assert deployer.summary(records)[0] == (f"endpoint ml-pipeline-endpoint was Failed ({failed['FailureReason']}): "
                                            "deleted and created again with v2")
    assert settled(sm)["EndpointStatus"] == "InService" and served_config(sm) == "ml-pipeline-model-v2-config"
    _, test = datasets.load("v1.0")
    assert len(scores(session, test.drop(columns=[datasets.LABEL]).head(3))) == 3


def test_a_deployer_that_may_not_delete_says_what_to_do(workshop, monkeypatch):
    """The Lambda function's role (deployer-policy.json) has no DeleteEndpoint: with a Failed endpoint it stops
    with one sentence naming the command that deletes it."""
    sm = workshop["sm"]
    (broken,) = register(sm, n=1, spec=BROKEN)
    set_status(sm, broken, "Approved")
    drain(workshop)
    assert settled(sm)["EndpointStatus"] == "Failed"
    set_status(sm, workshop["arns"][0], "Approved")
    set_status(sm, broken, "Rejected")

    def denied(**_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "DeleteEndpoint")

    monkeypatch.setattr(sm, "delete_endpoint", denied)
    with pytest.raises(deployer.DeployerError, match="is Failed .* may not delete it: delete it \\(aws sagemaker delete-endpoint "
                                                     "--endpoint-name ml-pipeline-endpoint\\)"):
        deployer.reconcile(sm, GROUP, ENDPOINT, workshop["role"])


def test_withdrawing_the_only_approved_version_leaves_the_endpoint_to_a_person(workshop):
    """Nothing approved any more: the deployer does not delete the endpoint, and says what it still serves."""
    sm, (v1, _) = workshop["sm"], workshop["arns"]
    set_status(sm, v1, "Approved")
    drain(workshop)
    set_status(sm, v1, "Rejected")
    (record,) = drain(workshop)
    assert (record["action"], record["config"]) == ("nothing approved", "ml-pipeline-model-v1-config")
    assert "endpoint is left as it is" in deployer.describe(record)
    assert deployer.summary([record]) == ["1 event changed nothing: no version is approved, so the endpoint is left as "
                                          "it is (ml-pipeline-model-v1-config)"]


def test_events_of_other_groups_are_filtered_out_and_ignored(workshop):
    """The rule matches the configured group only; an event that gets through anyway is ignored by name."""
    sm = workshop["sm"]
    (other,) = register(sm, "another-team-group", 1)
    set_status(sm, other, "Approved")
    assert drain(workshop) == [], "the rule's group filter keeps other groups' events out of the queue"
    event = {"source": "aws.sagemaker", "detail-type": deployer.DETAIL_TYPE,
             "detail": {"ModelPackageGroupName": "another-team-group", "ModelPackageVersion": 1, "ModelApprovalStatus": "Approved"}}
    record = deployer.handle(event, sm, GROUP, ENDPOINT, workshop["role"])
    assert record["action"] == "ignored" and "another-team-group" in record["reason"]
    assert deployer.handle({"source": "aws.s3"}, sm)["action"] == "ignored"
    assert sm.list_endpoints()["Endpoints"] == []


def test_a_pending_registration_does_not_reach_the_deployer_but_would_without_the_status_filter(workshop):
    """The filter pitfall: a rule on the group alone also fires on every registration (SageMaker sends an
    event then too); the deployer's rule, filtered on ModelApprovalStatus, does not."""
    session, sm = workshop["session"], workshop["sm"]
    naive = deployer.event_pattern(GROUP)
    del naive["detail"]["ModelApprovalStatus"]
    sqs, events = session.client("sqs"), session.client("events")
    url = sqs.create_queue(QueueName="naive-deployer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="naive-deployer", EventPattern=json.dumps(naive))
    events.put_targets(Rule="naive-deployer", Targets=[{"Id": "q", "Arn": arn}])
    take_events(workshop)  # the fixture's two registrations never reached it anyway

    register(sm, GROUP, 1)
    naive_got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["detail"]["ModelApprovalStatus"] for m in naive_got] == ["PendingManualApproval"]
    assert drain(workshop) == []
    assert sm.list_endpoints()["Endpoints"] == []


def test_without_the_queue_the_deployer_says_what_to_do(clean_backend):
    with pytest.raises(WorkshopError, match="queue ml-pipeline-deployer does not exist.*deployer.subscribe"):
        deployer.drain_once(aws.session(), GROUP, ENDPOINT, "arn:aws:iam::123456789012:role/x")


def test_subscribing_twice_keeps_one_rule_one_target_and_a_queue_policy_for_that_rule_only(workshop):
    session = workshop["session"]
    url = deployer.subscribe(session, GROUP)
    events, sqs = session.client("events"), session.client("sqs")
    assert json.loads(events.describe_rule(Name=deployer.NAME)["EventPattern"]) == deployer.event_pattern(GROUP)
    assert len(events.list_targets_by_rule(Rule=deployer.NAME)["Targets"]) == 1
    (statement,) = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": events.describe_rule(Name=deployer.NAME)["Arn"]}}
    assert deployer.unsubscribe(session) == ["deleted rule ml-pipeline-deployer", "deleted queue ml-pipeline-deployer"]
    assert deployer.unsubscribe(session) == []


def _allowed_by(policy: dict, calls: list[dict]) -> tuple[set[str], list]:
    """The IAM actions ``calls`` needed, and each (operation, need) that ``policy`` does not allow."""
    used, denied = set(), []
    for call in calls:
        for need in needs(call, Account(REGION, ACCOUNT, {})):
            used.add(need.action)
            if not iam.allowed(policy, need.action, need.resource, **need.context_dict()):
                denied.append((call["operation"], need))
    return used, denied


def _recorder(session) -> list[dict]:
    """Every API call the session's clients make from now on, as the policy-coverage test records them."""
    calls: list[dict] = []

    def record(params, model, **_):
        calls.append({"service": model.service_model.service_name, "operation": model.name, "params": dict(params)})

    session.events.register("before-parameter-build", record)  # every client made from the session later
    return calls


def test_the_deployer_policy_allows_every_call_it_makes_and_nothing_more(workshop):
    """Every call of a create, an update (after waiting for the new endpoint) and a no-op run is allowed by
    deployer-policy.json (rendered for the run's role); what it grants beyond them is only the Lambda runtime's
    logging."""
    session = aws.session()
    calls = _recorder(session)
    sm = session.client("sagemaker")
    v1, v2 = workshop["arns"]
    for arn in (v1, v2):
        set_status(workshop["sm"], arn, "Approved")
        deployer.reconcile(sm, GROUP, ENDPOINT, workshop["role"])
    deployer.reconcile(sm, GROUP, ENDPOINT, workshop["role"])
    policy = iam.document("deployer", account=ACCOUNT, region=REGION, group=GROUP, role_name=ROLE)
    used, denied = _allowed_by(policy, calls)
    assert denied == []
    assert {"sagemaker:CreateModel", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "iam:PassRole"} <= used
    assert iam.granted_actions(policy) - used == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}


def test_the_engine_runs_alone_as_the_lambda_handler(workshop, tmp_path):
    """The function's zip holds the deployer's engine, endpoint_reconciler.py, only; its handler runs without the kit (``import helpers`` would
    fail) on the event SageMaker sent, with the settings from environment variables, and deploys."""
    with zipfile.ZipFile(io.BytesIO(deployer_lambda.package())) as archive:
        assert archive.namelist() == ["endpoint_reconciler.py"]
        archive.extractall(tmp_path)
    module = ast.parse((tmp_path / "endpoint_reconciler.py").read_text())
    top = {a.name.split(".")[0] for n in module.body if isinstance(n, ast.Import) for a in n.names}
    top |= {n.module.split(".")[0] for n in module.body if isinstance(n, ast.ImportFrom) and n.module}
    assert top <= {"__future__", "collections", "json", "os", "re", "time", "typing", "urllib"}, top
    set_status(workshop["sm"], workshop["arns"][0], "Approved")
    (event,) = take_events(workshop)
    env = {**aws.cli_env(), "GROUP": GROUP, "ENDPOINT": ENDPOINT, "ROLE_ARN": workshop["role"],
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    script = ("import json, sys; sys.modules['helpers'] = None; import endpoint_reconciler; "
              "print(json.dumps(endpoint_reconciler.lambda_handler(json.load(sys.stdin), None)))")
    proc = subprocess.run([sys.executable, "-c", script], input=json.dumps(event), capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["action"] == "created"
    assert served_config(workshop["sm"]) == "ml-pipeline-model-v1-config"


def test_the_lambda_install_and_uninstall(workshop):
    """AWS mode's install, against the local backend (it creates Lambda functions; it never invokes them):
    its own role (Lambda only, this account), the rendered deployer policy, the function, the rule's only
    target, invoke permission for this rule only; idempotent; uninstall removes it all. Every call is
    allowed by deployer-admin-policy.json, which grants nothing else."""
    session = aws.session()
    calls = _recorder(session)
    first = deployer_lambda.install(session, GROUP, ENDPOINT, workshop["role"], retry_seconds=0)
    again = deployer_lambda.install(session, GROUP, ENDPOINT, workshop["role"], retry_seconds=0)
    assert first == again
    observer = aws.session()  # looks without being recorded
    iam_client, lam, events = observer.client("iam"), observer.client("lambda"), observer.client("events")
    role = iam_client.get_role(RoleName=deployer_lambda.ROLE_NAME)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust == iam.document("deployer-trust", account=ACCOUNT)
    inline = iam_client.get_role_policy(RoleName=deployer_lambda.ROLE_NAME, PolicyName=deployer_lambda.POLICY_NAME)["PolicyDocument"]
    inline = json.loads(inline) if isinstance(inline, str) else inline
    assert inline == iam.document("deployer", account=ACCOUNT, region=REGION, group=GROUP, role_name=ROLE)
    function = lam.get_function(FunctionName=deployer.NAME)["Configuration"]
    assert (function["Runtime"], function["Handler"], function["Role"]) == ("python3.12", "endpoint_reconciler.lambda_handler", role["Arn"])
    assert function["Environment"]["Variables"] == {"GROUP": GROUP, "ENDPOINT": ENDPOINT, "ROLE_ARN": workshop["role"],
                                                    "INSTANCE_TYPE": "ml.t2.medium"}
    assert function["Timeout"] == 900, "time to wait for an endpoint that is busy with an update (minutes on AWS)"
    targets = sorted(t["Arn"] for t in events.list_targets_by_rule(Rule=deployer.NAME)["Targets"])
    assert targets == [first["function"], f"arn:aws:sqs:{REGION}:{ACCOUNT}:{deployer.NAME}"], \
        "the function, and the queue kept for `deployer --once` as a manual fallback"
    (grant,) = json.loads(lam.get_policy(FunctionName=deployer.NAME)["Policy"])["Statement"]
    assert grant["Principal"] == {"Service": "events.amazonaws.com"}
    assert first["rule"] in json.dumps(grant["Condition"])

    assert deployer_lambda.uninstall(session) == [
        "deleted function ml-pipeline-deployer", "deleted rule ml-pipeline-deployer", "deleted role ml-pipeline-deployer-role"]
    assert lam.list_functions()["Functions"] == [] and events.list_rules(NamePrefix=deployer.NAME)["Rules"] == []
    assert deployer_lambda.uninstall(session) == [
        "no function ml-pipeline-deployer", "no rule ml-pipeline-deployer", "no role ml-pipeline-deployer-role"]

    admin = iam.document("deployer-admin", account=ACCOUNT, region=REGION)
    used, denied = _allowed_by(admin, calls)
    assert denied == []
    assert iam.granted_actions(admin) - used == set()


def test_uninstall_keeps_a_role_the_workshop_did_not_create(clean_backend):
    session = aws.session()
    session.client("iam").create_role(RoleName=deployer_lambda.ROLE_NAME, AssumeRolePolicyDocument="{}")
    assert deployer_lambda.uninstall(session)[-1].startswith("kept role ml-pipeline-deployer-role")
    with pytest.raises(WorkshopError, match="did not create"):
        deployer_lambda.install(session, GROUP, ENDPOINT, "arn:aws:iam::123456789012:role/SageMakerExecutionRole")


def test_installing_without_the_admin_permissions_is_one_sentence(clean_backend, monkeypatch):
    """In Studio the notebook's role usually may not create roles: the install names the policy it needs."""
    from botocore.exceptions import ClientError

    session = aws.session()
    iam_client = session.client("iam")  # the client install() gets: sessions reuse their clients

    def refuse(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform iam:CreateRole"}}, "CreateRole")

    monkeypatch.setattr(iam_client, "create_role", refuse)
    with pytest.raises(WorkshopError, match="Installing the deployer function needs .*deployer-admin-policy.json.*refused CreateRole"):
        deployer_lambda.install(session, GROUP, ENDPOINT, "arn:aws:iam::123456789012:role/SageMakerExecutionRole")
    assert session.client("lambda").list_functions()["Functions"] == []
