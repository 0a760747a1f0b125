"""No credentials, private keys or foreign AWS account ids in the repository.

``test_no_secrets_in_tracked_files`` scans every git-tracked file (and, for notebooks, the decoded
text of every cell output, in case someone commits outputs). ``test_scanner_*`` proves the scanner
catches each kind and spares what is allowed, using samples built at runtime so that this file
itself holds nothing credential-shaped.

Allowed AWS account ids: the local backend's ``123456789012``, AWS's documentation example account
``111122223333`` (in docs/instructor-guide.md's sample output of AWS mode), and the AWS-owned
ECR registry accounts of SageMaker's built-in images, read from the installed ``sagemaker-core``.
"""

from __future__ import annotations

import base64
import functools
import importlib.metadata
import json
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
MAX_BYTES = 5 * 1024 * 1024
LOCAL_ACCOUNT = "123456789012"  # the local backend's (moto's) account
DOC_EXAMPLE_ACCOUNT = "111122223333"  # AWS documentation's placeholder account, never a real one

PATTERNS = {  # kind -> regex; group 1, if present, is the offending value
    "aws-access-key-id": re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"),
    "aws-session-token": re.compile(r"(?i)(?:aws_session_token|sessiontoken)[\"'\s:=]{0,6}([A-Za-z0-9/+=]{100,})"),
    "private-key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "github-token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    "slack-token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]*"),
}
# "secret" (any case) also covers aws_secret_access_key, SecretAccessKey and AWS_SECRET_ACCESS_KEY.
SECRET_LINE = re.compile(r"(?i)secret")
# Exactly 40 characters: not part of a longer run (a leading "=" as in key=VALUE is fine).
SECRET_VALUE = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
ACCOUNT_PATTERNS = (
    re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):"),
    re.compile(r"(?<!\d)(\d{12})\.dkr\.ecr\."),
    re.compile(r"(?i)(?:accountid|\"account\"|account_id|account-id).{0,20}?(?<!\d)(\d{12})(?!\d)"),
)


class Finding(NamedTuple):
    path: str
    line: int
    kind: str
    snippet: str  # the offending value masked, with up to 25 characters of context either side


@functools.lru_cache(maxsize=None)
def ecr_accounts() -> frozenset[str]:
    """Every 12-digit account in any ``registries`` mapping of sagemaker-core's image URI configs
    (``sagemaker/core/image_uri_config/*.json``, found via the distribution's file list: importing
    ``sagemaker.core`` would take seconds)."""
    found: set[str] = set()

    def collect(mapping: dict) -> dict:  # json object_hook: sees every object, however deeply nested
        registries = mapping.get("registries")
        if isinstance(registries, dict):
            found.update(v for v in registries.values() if isinstance(v, str) and re.fullmatch(r"\d{12}", v))
        return mapping

    for file in importlib.metadata.files("sagemaker-core") or []:
        if file.suffix == ".json" and str(file).startswith("sagemaker/core/"):
            text = file.read_text()
            if '"registries"' in text:
                json.loads(text, object_hook=collect)
    assert found, "no ECR registry accounts found in the installed sagemaker-core's image URI configs"
    return frozenset(found)


def _placeholder(token: str) -> bool:
    """An obvious stand-in rather than a key: says EXAMPLE, or too few distinct characters (xxxx…)."""
    return "EXAMPLE" in token.upper() or len(set(token)) < 12


def _mask(line: str, start: int, end: int) -> str:
    value = line[start:end]
    masked = value[:4] + "*" * min(max(len(value) - 4, 0), 12) + ("…" if len(value) > 16 else "")
    return (line[max(start - 25, 0):start] + masked + line[end:end + 25]).strip()


def scan(text: str, path: str) -> list[Finding]:
    """All findings in ``text``, reported against ``path`` with 1-based line numbers."""
    allowed, findings = ecr_accounts() | {LOCAL_ACCOUNT, DOC_EXAMPLE_ACCOUNT}, []
    for lineno, line in enumerate(text.split("\n"), 1):
        hits = [(kind, m.span(1 if m.re.groups else 0)) for kind, rx in PATTERNS.items() for m in rx.finditer(line)]
        if SECRET_LINE.search(line):
            hits += [("aws-secret-access-key", m.span()) for m in SECRET_VALUE.finditer(line)
                     if not _placeholder(m.group())]
        hits += [("aws-account-id", m.span(1)) for rx in ACCOUNT_PATTERNS for m in rx.finditer(line)
                 if m.group(1) not in allowed]
        findings += [Finding(path, lineno, kind, _mask(line, *span)) for kind, span in dict.fromkeys(hits)]
    return findings


def _as_text(part: object) -> str:
    if isinstance(part, list):  # nbformat multiline strings; tracebacks are lists of lines without "\n"
        return "".join(s if str(s).endswith("\n") else f"{s}\n" for s in part)
    return part if isinstance(part, str) else json.dumps(part, indent=1)


def notebook_outputs(text: str):
    """Yield (cell index, output index, decoded text) for every output of every cell."""
    for c, cell in enumerate(json.loads(text).get("cells", [])):
        for o, out in enumerate(cell.get("outputs", [])):
            parts = [out.get("text", ""), out.get("evalue", ""), out.get("traceback", []), *out.get("data", {}).values()]
            yield c, o, "\n".join(_as_text(p) for p in parts if p)


def test_no_secrets_in_tracked_files():
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    findings, scanned = [], 0
    for rel in filter(None, listing.decode().split("\0")):
        path = REPO / rel
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        raw = path.read_bytes()
        if b"\0" in raw[:8192]:
            continue  # binary
        text = raw.decode("utf-8", errors="replace")
        findings += scan(text, rel)
        scanned += 1
        if rel.endswith(".ipynb"):
            try:
                outputs = list(notebook_outputs(text))
            except (ValueError, AttributeError, TypeError) as err:
                findings.append(Finding(rel, 0, "unparseable-notebook", str(err)[:80]))
                continue
            for c, o, out_text in outputs:
                findings += scan(out_text, f"{rel} [cell {c} output {o}]")
    assert scanned, "git ls-files listed nothing to scan"
    report = "\n".join(f"{f.path}:{f.line}: {f.kind}: {f.snippet}" for f in findings)
    assert not findings, f"{len(findings)} possible secret(s) in tracked files:\n{report}"


def test_scanner_detects_each_kind_and_spares_the_allowed():
    """Each kind is caught (also in notebook outputs) and masked; allowed values are not flagged."""
    key = base64.b64encode(bytes(range(7, 37))).decode()  # 40 random-looking characters
    foreign = "5" * 12
    assert len(key) == 40 and foreign not in ecr_accounts()
    samples = {
        "aws-access-key-id": ["id = " + "AKIA" + "Z" * 16, '"' + "ASIA" + "Q7" * 8 + '"'],
        "aws-secret-access-key": ["aws_secret_access_key = " + key, '"SecretAccessKey": "' + key + '"',
                                  "export AWS_SECRET_ACCESS_KEY=" + key],
        "aws-session-token": ["AWS_SESSION_TOKEN=" + key * 3, '"SessionToken": "' + key * 3 + '"'],
        "private-key": ["-----BEGIN " + "PRIVATE KEY-----", "-----BEGIN " + "OPENSSH " + "PRIVATE KEY-----"],
        "github-token": ["token: " + "gh" + "p_" + "a1" * 18],
        "slack-token": ["xox" + "b-" + "1234-abcd"],
        "aws-account-id": [f"arn:aws:iam::{foreign}:role/x", f"{foreign}.dkr.ecr.eu-west-1.amazonaws.com/img:1",
                           f'"AccountId": "{foreign}"', f'{{"Account": "{foreign}"}}', f"account_id = {foreign}"],
    }
    for kind, texts in samples.items():
        for text in texts:
            found = scan(text, "sample")
            assert [f.kind for f in found] == [kind], (text, found)
            assert key not in found[0].snippet and foreign not in found[0].snippet, "snippet not masked"
    ecr = sorted(ecr_accounts())[0]
    clean = [
        f"arn:aws:sagemaker:us-east-1:{LOCAL_ACCOUNT}:model-package-group/g",
        f"arn:aws:iam::{DOC_EXAMPLE_ACCOUNT}:root",
        f"{ecr}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
        '{"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}',
        "AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing",
        "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",
        "aws_secret_access_key = " + "x" * 40,
        "port, token = _free_port(), secrets.token_hex(16)",
    ]
    for text in clean:
        assert scan(text, "sample") == [], text
    assert scan(Path(__file__).read_text(), "tests/test_secrets.py") == [], "this file must stay clean"
    nb = {"cells": [{"cell_type": "markdown", "source": []}, {"cell_type": "code", "source": [], "outputs": [
        {"output_type": "stream", "text": ["ok\n", "arn:aws:iam::" + foreign + ":root\n"]},
        {"output_type": "execute_result", "data": {"text/plain": ["'" + "AKIA" + "Z" * 16 + "'"]}}]}]}
    found = [(c, o, f.line, f.kind) for c, o, t in notebook_outputs(json.dumps(nb)) for f in scan(t, "nb")]
    assert found == [(1, 0, 2, "aws-account-id"), (1, 1, 1, "aws-access-key-id")], "notebook outputs"

