"""What the backend needs to know about a request, parsed once and kept in its WSGI environ.

Every layer (faults, persistence, the SageMaker front door, the stats) asks :func:`facts` instead of
reading headers itself: the signing key, region and service from the SigV4 credential scope (header or
presigned query), the JSON protocol's operation (``X-Amz-Target``) or the query protocol's ``Action``,
whether the request may change state, and its body (read once, and put back for the next layer).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet", "Head", "Query", "Scan", "Receive",
                 "Invoke")  # InvokeEndpoint scores rows and changes nothing
_INVOCATION = re.compile(r"^/endpoints/[^/]+/invocations$")
KEY = "workshop.request"


@dataclass(frozen=True)
class Facts:
    access_key: str
    region: str
    service: str  # "*" when the request is not signed
    target: str  # the JSON protocol's X-Amz-Target ("SageMaker.CreateModelPackage"), else ""
    action: str  # the operation: from the target, the query protocol's Action, else ""
    body: bytes

    @property
    def is_write(self) -> bool:
        """Whether the request may change state (reads: GET/HEAD and Describe..., List..., Get... operations).

        SQS ``ReceiveMessage`` counts as a read: it only hides messages for their visibility timeout, and after
        a restart they are visible again, as when that timeout ends.
        """
        return bool(self._write)

    @property
    def is_long_poll(self) -> bool:
        """An SQS ReceiveMessage, which may wait up to 20 s for a message (JSON or query protocol)."""
        return self.action == "ReceiveMessage" and (self.target.startswith("AmazonSQS") or not self.target)

    @property
    def label(self) -> str:
        """How the stats name the request: its target, else method and path."""
        return self.target or self._label

    _write: bool = True
    _label: str = ""


def _body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = environ["wsgi.input"].read(int(length))
    elif environ.get("wsgi.input_terminated"):  # a chunked upload: read to the end
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _scope(environ: dict[str, Any]) -> tuple[str, str, str]:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.groups()
    credential = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0].split("/")
    if len(credential) > 3:
        return credential[0], credential[2], credential[3]
    return "", "us-east-1", ""


def facts(environ: dict[str, Any]) -> Facts:
    """The request's facts, parsed on first use and kept in ``environ``."""
    found = environ.get(KEY)
    if found is not None:
        return found
    body = _body(environ)
    key, region, service = _scope(environ)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    action = target.partition(".")[2]
    method = environ.get("REQUEST_METHOD", "GET")
    if not target and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    elif not target and method == "POST" and _INVOCATION.match(environ.get("PATH_INFO", "")):
        action = "InvokeEndpoint"  # sagemaker-runtime's REST-JSON path
    if method in ("GET", "HEAD", "OPTIONS"):
        write = False
    elif action:
        write = not action.startswith(READ_PREFIXES)
    else:
        write = True  # S3 PUT/POST/DELETE and anything unknown
    found = Facts(key, region, service or "*", target, action, body, write,
                  f"{method} {environ.get('PATH_INFO', '')[:40]}")
    environ[KEY] = found
    return found
