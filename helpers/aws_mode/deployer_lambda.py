"""AWS mode: the deployer (:mod:`helpers.deployer`) as a Lambda function behind the EventBridge rule.

:func:`install` creates what the function needs, each with the least privilege of ``data/iam/``:
the role ``ml-pipeline-deployer-role`` (only Lambda may assume it, for this account; its inline policy
is ``deployer-policy.json``), the function ``ml-pipeline-deployer`` (the deployer's engine,
``endpoint_reconciler.py``, zipped alone; the runtime's boto3), the permission for this rule only to
invoke it, and the rule with the function as its target. Whoever runs it needs
``deployer-admin-policy.json``. :func:`uninstall` removes it all; the role only if it carries the
workshop tag, as for the execution role.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

from .. import deployer
from ..aws import identity
from ..config import TAG, created_by_workshop
from ..errors import WorkshopError, error_code
from ..kit import endpoint_reconciler
from ..kit.eventbridge import delete_rule
from ..setup.execution_role import delete_workshop_role

ROLE_NAME = "ml-pipeline-deployer-role"
POLICY_NAME = "workshop-deployer"
FUNCTION = deployer.NAME
RUNTIME = "python3.12"
HANDLER = "endpoint_reconciler.lambda_handler"
PERMISSION_ID = "invoked-by-the-deployer-rule"
TIMEOUT_SECONDS = 900  # Lambda's longest: a busy endpoint (an update takes 5-10 min on AWS) is waited for, not dropped


def package() -> bytes:
    """The function's code: ``helpers/kit/endpoint_reconciler.py`` alone, as a zip archive built in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("endpoint_reconciler.py", date_time=(2020, 1, 1, 0, 0, 0))  # same bytes every time
        info.external_attr = 0o644 << 16
        archive.writestr(info, Path(endpoint_reconciler.__file__).read_bytes())
    return buffer.getvalue()


def _role_name(role_arn: str) -> str:
    """``service-role/Name`` from ``arn:aws:iam::123456789012:role/service-role/Name`` (the path counts)."""
    return role_arn.split(":role/", 1)[1]


def _ensure_role(iam_client, account: str, region: str, group: str, execution_role_arn: str) -> str:
    from .. import iam as policies

    try:
        role = iam_client.get_role(RoleName=ROLE_NAME)["Role"]
        if not created_by_workshop(role.get("Tags", [])):
            raise WorkshopError(f"A role {ROLE_NAME} exists that the workshop did not create (no workshop=model-registry "
                                "tag), so its policy was left alone and nothing was installed: delete or rename it first.")
        arn = role["Arn"]
    except iam_client.exceptions.NoSuchEntityException:
        arn = iam_client.create_role(
            RoleName=ROLE_NAME, Tags=[TAG], Description="Lets the workshop's deployer function update ml-pipeline-endpoint",
            AssumeRolePolicyDocument=json.dumps(policies.document("deployer-trust", account=account)),
        )["Role"]["Arn"]
    iam_client.put_role_policy(RoleName=ROLE_NAME, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policies.document(
        "deployer", account=account, region=region, group=group, role_name=_role_name(execution_role_arn))))
    return arn


def _create_function(lam, retry_seconds: float, **settings) -> None:
    """CreateFunction, retried while IAM has not yet propagated the new role (Lambda says it cannot assume it)."""
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            lam.create_function(**settings)
            return
        except ClientError as exc:
            if error_code(exc) != "InvalidParameterValueException" or "assume" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(3)


def install(session, group: str = deployer.GROUP, endpoint: str = deployer.ENDPOINT, role_arn: str = "",
            instance_type: str = deployer.INSTANCE_TYPE, retry_seconds: float = 60) -> dict[str, str]:
    """Install or update the deployer function; idempotent. Returns the ARNs of role, function and rule.

    ``role_arn`` is the SageMaker execution role the endpoint's models run with. A queue target the rule
    already has (:func:`helpers.deployer.subscribe`) stays: ``python -m helpers deployer --once`` remains a
    manual fallback, e.g. after the function gave up on an endpoint that stayed busy. Both only ever
    bring the endpoint to the newest approved version, so an event handled twice changes nothing.
    Without the permissions of ``deployer-admin-policy.json`` it stops with one sentence saying so.
    """
    return _as_admin("Installing", _install, session, group, endpoint, role_arn, instance_type, retry_seconds)


def _as_admin(doing: str, step, *args):
    """``step(*args)``; AWS refusing a call becomes one sentence naming the policy it takes."""
    from botocore.exceptions import ClientError

    try:
        return step(*args)
    except ClientError as exc:
        if error_code(exc) not in ("AccessDenied", "AccessDeniedException"):
            raise
        raise WorkshopError(f"{doing} the deployer function needs the permissions of data/iam/deployer-admin-policy.json "
                            f"(`python -m helpers iam render deployer-admin`), and AWS refused {exc.operation_name}: ask an "
                            "administrator to grant them, or to do this step for you.") from None


def _install(session, group: str, endpoint: str, role_arn: str, instance_type: str, retry_seconds: float) -> dict[str, str]:
    account, region = identity(session)["Account"], session.region_name
    lam, events = session.client("lambda"), session.client("events")
    deployer_role = _ensure_role(session.client("iam"), account, region, group, role_arn)
    settings = dict(Role=deployer_role, Handler=HANDLER, Runtime=RUNTIME, Timeout=TIMEOUT_SECONDS,
                    Description="Deploys the newest approved model version (model registry workshop)",
                    Environment={"Variables": {"GROUP": group, "ENDPOINT": endpoint, "ROLE_ARN": role_arn,
                                               "INSTANCE_TYPE": instance_type}})
    wait = {"WaiterConfig": {"Delay": 2, "MaxAttempts": 60}}
    try:
        function_arn = lam.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"]
        lam.update_function_code(FunctionName=FUNCTION, ZipFile=package())
        lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION, **wait)
        lam.update_function_configuration(FunctionName=FUNCTION, **settings)
        lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION, **wait)
    except lam.exceptions.ResourceNotFoundException:
        _create_function(lam, retry_seconds, FunctionName=FUNCTION, Code={"ZipFile": package()}, **settings)
        lam.get_waiter("function_active_v2").wait(FunctionName=FUNCTION, **wait)
        function_arn = lam.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionArn"]
    rule_arn = events.put_rule(Name=deployer.NAME, EventPattern=json.dumps(deployer.event_pattern(group)),
                               Description="Deploy the newest approved version when an approval changes")["RuleArn"]
    try:
        granted = [s["Sid"] for s in json.loads(lam.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"]]
    except lam.exceptions.ResourceNotFoundException:  # no resource policy yet
        granted = []
    if PERMISSION_ID not in granted:  # the same rule ARN every time: once is enough
        lam.add_permission(FunctionName=FUNCTION, StatementId=PERMISSION_ID, Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com", SourceArn=rule_arn, SourceAccount=account)
    events.put_targets(Rule=deployer.NAME, Targets=[{"Id": "deployer-function", "Arn": function_arn}])
    return {"role": deployer_role, "function": function_arn, "rule": rule_arn}


def uninstall(session) -> list[str]:
    """Delete the function, its log group, the rule and (if the workshop created it) the role; what was done."""
    return _as_admin("Removing", _uninstall, session)


def _uninstall(session) -> list[str]:
    from botocore.exceptions import ClientError

    lam, logs, iam_client, done = session.client("lambda"), session.client("logs"), session.client("iam"), []
    try:
        lam.delete_function(FunctionName=FUNCTION)
        done.append(f"deleted function {FUNCTION}")
    except lam.exceptions.ResourceNotFoundException:
        done.append(f"no function {FUNCTION}")
    try:
        logs.delete_log_group(logGroupName=f"/aws/lambda/{FUNCTION}")
        done.append(f"deleted log group /aws/lambda/{FUNCTION}")
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    deleted = delete_rule(session.client("events"), deployer.NAME)
    done.append(f"deleted rule {deployer.NAME}" if deleted else f"no rule {deployer.NAME}")
    return done + [delete_workshop_role(iam_client, ROLE_NAME)]
