"""Loaded by every Python process the tests start (``PYTHONPATH`` points here; see ``conftest.py``).

Two jobs, both off unless their environment variable names a file:

* ``WORKSHOP_NETLOG``: the network guard. Every outgoing socket connection and every host name
  looked up is appended to the file; a connection to an address outside loopback is refused with
  ``OSError`` before a byte leaves the machine. ``test_guard.py`` reads the log.
* ``WORKSHOP_OPLOG``: the operation recorder. Every AWS API call made through botocore (boto3, the
  SageMaker SDK and the ``aws`` CLI all use it) is appended with the parameters that IAM
  authorisation depends on. ``test_iam_policies.py`` checks the shipped policies against it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys

_NETLOG = os.environ.get("WORKSHOP_NETLOG")
_OPLOG = os.environ.get("WORKSHOP_OPLOG")


def _append(path: str, record: dict) -> None:
    line = json.dumps(record, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as fh:  # one short write per line: safe across processes
        fh.write(line)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _install_net_guard(path: str) -> None:
    # Installed again in one process (a pytest-xdist worker gets its own log): wrap the real functions, not the guard.
    real = getattr(socket, "workshop_unguarded", None) or (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)
    real_connect, real_connect_ex, real_getaddrinfo = real

    def check(sock, address):
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # unix sockets (kernels, local tools) never leave the machine
        host, port = address[0], address[1]
        ok = _is_loopback(str(host))
        _append(path, {"pid": os.getpid(), "kind": "connect", "host": str(host), "port": port, "ok": ok,
                       "argv": sys.argv[:2]})
        if not ok:
            raise OSError(f"workshop network guard: refused connection to {host}:{port} (not loopback)")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if host is not None and not _is_loopback(name):
            _append(path, {"pid": os.getpid(), "kind": "lookup", "host": name, "ok": False, "argv": sys.argv[:2]})
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = getaddrinfo
    socket.workshop_unguarded = real
    socket.workshop_unguarded_connect = real_connect  # for the one test that must probe another address


# The request parameters that decide which IAM action, resource and condition keys a call needs.
_KEEP = {
    "Bucket", "Key", "ModelPackageGroupName", "ModelPackageName", "ModelPackageArn", "ModelApprovalStatus",
    "ModelPackageArnList", "Resource", "RoleName", "PolicyName", "ExecutionRoleArn", "ModelName",
    "EndpointConfigName", "EndpointName", "Name", "Rule", "QueueName", "QueueUrl", "Targets",
    "Delete", "SearchExpression", "ModelLifeCycle", "FunctionName", "Role", "Principal", "logGroupName",
}


def _install_op_recorder(path: str) -> None:
    """Hook every botocore Session once ``botocore.session`` is imported, without importing it here.

    Importing botocore eagerly would change which botocore the ``aws`` CLI runs with (awscli 1.46
    brings its own copy, found only when nothing imported botocore before it), so the hook waits for
    the process's own import of ``botocore.session``, whichever copy that is.
    """
    import importlib.abc

    def record(params, model, **_):
        import botocore

        service = model.service_model.service_name
        kept = {k: v for k, v in params.items() if k in _KEEP}
        if "Delete" in kept:  # DeleteObjects: keep the keys only
            kept["Delete"] = [o.get("Key") for o in kept["Delete"].get("Objects", [])]
        if "Targets" in kept:
            kept["Targets"] = [t.get("Arn") for t in kept["Targets"]]
        if "ModelPackageArnList" in kept:
            kept["ModelPackageArnList"] = list(kept["ModelPackageArnList"])
        if "SearchExpression" in kept:
            kept["SearchExpression"] = bool(kept["SearchExpression"])
        _append(path, {"service": service, "operation": model.name, "params": kept, "argv": sys.argv[:2],
                       "botocore": botocore.__version__})

    def patch(module) -> None:
        real_init = module.Session.__init__

        def init(self, *args, **kwargs):
            real_init(self, *args, **kwargs)
            self.register("before-parameter-build", record)

        module.Session.__init__ = init

    class PatchOnImport(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, search_path, target=None):
            if fullname != "botocore.session":
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, search_path, target)
                if spec is not None and spec.loader is not None:
                    real_exec = spec.loader.exec_module

                    def exec_module(module, real_exec=real_exec):
                        real_exec(module)
                        patch(module)

                    spec.loader.exec_module = exec_module
                    return spec
            return None

    sys.meta_path.insert(0, PatchOnImport())


if _NETLOG:
    _install_net_guard(_NETLOG)
if _OPLOG:
    _install_op_recorder(_OPLOG)
