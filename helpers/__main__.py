"""Command line: ``python -m helpers backend ...``, ``workshop``, ``registry``, ``versions GROUP``, ``iam render NAME``, ``deployer --once``, ``history GROUP``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from .errors import WorkshopError


def _backend(args: argparse.Namespace) -> int:
    from .kit import backend

    if args.action == "start":
        before = backend.status()
        st = backend.start(args.port, args.faults, args.latency_ms, args.seed)
        verb = "already running" if before.running and before.pid == st.pid else "started"
        print(f"local backend {verb} at {st.endpoint} (pid {st.pid}, state in {st.state_dir})")
        print("for the aws CLI in a terminal:  eval \"$(python -m helpers backend env)\"")
    elif args.action == "stop":
        print("local backend stopped" if backend.stop() else "local backend was not running")
    elif args.action == "status":
        st = backend.status()
        if args.json:
            print(st.to_json())
        else:
            print(f"running at {st.endpoint} (pid {st.pid})" if st.running else "not running")
        return 0 if st.running else 3
    elif args.action == "reset":
        backend.reset()
        print("local backend emptied (all groups, versions, buckets and roles removed, on disk too)")
    elif args.action == "stats":
        print(json.dumps(backend.stats(), indent=2))
    elif args.action == "env":
        for key, value in backend.terminal_env().items():
            print(f"export {key}={shlex.quote(value)}")
    return 0


def _workshop(args: argparse.Namespace) -> int:
    from .kit import notebook_runner

    params = dict(kv.split("=", 1) for kv in args.param)
    runs = notebook_runner.run_workshop(parameters=params, only=args.only or None, confirm_aws=args.confirm_aws,
                                        until=args.until)
    print(f"\nran {len(runs)} notebooks in {sum(r.seconds for r in runs):.1f} s")
    return 0


def _iam(args: argparse.Namespace) -> int:
    from . import aws, config, iam

    account, region, bucket = args.account, args.region, args.bucket
    if not (account and region and bucket):
        sess = aws.unconfirmed_session(region)  # reads only: who am I, which region
        account = account or aws.identity(sess)["Account"]
        region = region or sess.region_name
        bucket = bucket or aws.workshop_bucket(sess)
    doc = iam.document(args.policy, account=account, region=region, bucket=bucket,
                       group=args.group or config.GROUP_NAME, role_name=args.role_name or config.EXECUTION_ROLE_NAME,
                       kms_key_arn=args.kms_key_arn)
    print(json.dumps(doc, indent=2))
    return 0


def _registry(args: argparse.Namespace) -> int:
    from . import aws, overview

    rows = overview.summary_rows(aws.session())
    if args.json:
        print(json.dumps(rows, default=str, indent=2))
    else:
        print(overview.format_table(rows))
    return 0


def versions_text(frame) -> str:
    """The comparison as plain text for a terminal: the table, then each version's approval reason in full."""
    from .compare import comparison_table

    if not len(frame):
        return "(no versions)"
    table = comparison_table(frame)
    reasons = table["approval_description"].fillna("") if "approval_description" in table.columns else None
    text = table.drop(columns=["approval_description"], errors="ignore").to_string(float_format=lambda v: f"{v:.4f}")
    if reasons is not None and reasons.str.len().any():
        text += "\n\napproval reasons:\n" + "\n".join(f"  v{v}: {r}" for v, r in reasons.items() if r)
    return text


def _versions(args: argparse.Namespace) -> int:
    from . import aws, compare

    frame = compare.versions_frame(aws.session(), args.group, progress=False)
    if args.json:
        print(frame.reset_index().to_json(orient="records", date_format="iso", indent=2))
    else:
        print(versions_text(frame))
    return 0


def _deployer(args: argparse.Namespace) -> int:
    from . import aws, config, deployer
    from .setup.execution_role import find_execution_role

    if not args.once:
        print("error: locally the deployer runs only as `deployer --once` (drain the queue, then exit); "
              "on AWS it runs as the Lambda function helpers.aws_mode.deployer_lambda installs.", file=sys.stderr)
        return 2
    session = aws.session()
    role_arn, _ = find_execution_role(session, config.EXECUTION_ROLE_NAME)
    if role_arn is None:
        raise WorkshopError(f"The execution role {config.EXECUTION_ROLE_NAME} does not exist yet, and the endpoint's "
                            "models run with it: run 00_setup first, then the deployer.")
    group, endpoint = args.group or config.GROUP_NAME, args.endpoint or deployer.ENDPOINT
    wait = deployer.WAIT_SECONDS if args.wait is None else args.wait
    records = deployer.drain_once(session, group, endpoint, role_arn, wait_seconds=wait)
    sm = session.client("sagemaker")
    if args.json:
        version, endpoint_config = deployer.serving(sm, endpoint)
        print(json.dumps({"events": records, "summary": deployer.summary(records), "serving": version,
                          "endpoint": endpoint, "config": endpoint_config}, indent=2))
        return 0
    for line in deployer.summary(records) + [deployer.status_line(sm, endpoint)]:
        print(line)
    return 0


def history_text(found: list[dict]) -> str:
    """The history's entries as aligned text lines, for a terminal."""
    from .history import change_label

    lines = [f"{'when':<29} {'v':>3}  {'change':<12} {'from -> to':<46} {'by':<34} reason"]
    for e in found:
        move = f"{e['from'] or '-'} -> {e['to']}"
        by = (e["by"] or "unknown").split(":")[-1]
        lines.append(f"{e['when']:<29} {e['version']:>3}  {change_label(e):<12} {move:<46} {by:<34} {e['reason'] or ''}")
    return "\n".join(lines)


def _history(args: argparse.Namespace) -> int:
    from . import audit, aws, history

    session = aws.session()
    kit_records = audit.records(session.client("s3"), aws.workshop_bucket(session, args.bucket), args.group)
    found = history.entries(session, args.group, kit_records)
    print(json.dumps(found, indent=2) if args.json else history_text(found))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("backend", help="manage the local AWS backend")
    b.add_argument("action", choices=["start", "stop", "status", "reset", "env", "stats"])
    b.add_argument("--json", action="store_true", help="status as one JSON object")
    b.add_argument("--port", type=int, default=None, help="port for start (default 5757, 0 = any free)")
    b.add_argument("--faults", default="", help="for start: e.g. throttle=0.2,reset=0.05")
    b.add_argument("--latency-ms", type=float, default=0.0, help="for start: delay every request")
    b.add_argument("--seed", type=int, default=None, help="for start: make the faults repeatable")
    b.set_defaults(func=_backend)

    w = sub.add_parser("workshop", help="run the notebooks in order with papermill")
    w.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    w.add_argument("--only", action="append", default=[], metavar="NOTEBOOK")
    w.add_argument("--until", default=None, metavar="NN",
                   help="run 00 up to and including notebook NN (e.g. 06): catch up before opening the next one")
    w.add_argument("--confirm-aws", action="store_true",
                   help="with WORKSHOP_BACKEND=aws: run 00_setup with confirm_aws=True (creates resources in the account)")
    w.set_defaults(func=_workshop)

    i = sub.add_parser("iam", help="print one of the shipped IAM policies (data/iam/) filled in for an account")
    i.add_argument("action", choices=["render"])
    i.add_argument("policy", help="registrar, approver, operator, execution-role or execution-role-trust")
    i.add_argument("--account", help="default: the current session's account")
    i.add_argument("--region", help="default: the current session's region")
    i.add_argument("--bucket", help="default: the workshop bucket for the session")
    i.add_argument("--group", default=None, help="default: ml-pipeline-model-group")
    i.add_argument("--role-name", default=None, help="default: SageMakerExecutionRole (in Studio: your execution role's name)")
    i.add_argument("--kms-key-arn", default=None, help="the bucket's KMS key, if it uses SSE-KMS")
    i.set_defaults(func=_iam)

    r = sub.add_parser("registry", help="print every group's versions and approval statuses")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_registry)

    v = sub.add_parser("versions", help="one group's versions with metrics and approval, as in the dashboard")
    v.add_argument("group")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_versions)

    d = sub.add_parser("deployer", help="deploy the newest approved version for the approval events waiting in the queue")
    d.add_argument("--once", action="store_true", help="drain the queue ml-pipeline-deployer once, then exit")
    d.add_argument("--json", action="store_true", help="one JSON object: events handled, version served")
    d.add_argument("--group", default=None, help="default: ml-pipeline-model-group")
    d.add_argument("--endpoint", default=None, help="default: ml-pipeline-endpoint")
    d.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="how long to wait for an endpoint that is Creating or Updating (default 240)")
    d.set_defaults(func=_deployer)

    h = sub.add_parser("history", help="every approval and stage change of a group, from the registry's own events")
    h.add_argument("group")
    h.add_argument("--json", action="store_true", help="a JSON list of {when, version, change, from, to, by, reason, via}")
    h.add_argument("--bucket", default=None, help="where the kit's own records are (default: the workshop bucket)")
    h.set_defaults(func=_history)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except WorkshopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
