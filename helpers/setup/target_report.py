"""Where the workshop would act, before it acts: notebook 00's report of account, caller, region, bucket, role.

It only reads (STS, IAM): nothing is created, whichever backend is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import config
from ..aws import confirmed_targets, identity, unconfirmed_session, workshop_bucket
from .execution_role import find_execution_role


@dataclass
class Target:
    """Where the workshop will act: printed by notebook 00 before anything is created."""

    backend: str
    account: str
    caller: str
    region: str
    bucket: str
    role: str
    role_source: str
    confirmed: bool

    def __str__(self) -> str:
        lines = [
            f"backend : {self.backend}" + ("" if self.backend == "local" else "  (a real AWS account: it costs money)"),
            f"account : {self.account}",
            f"caller  : {self.caller}",
            f"region  : {self.region}",
            f"bucket  : s3://{self.bucket}",
            f"role    : {self.role}  ({self.role_source})",
        ]
        if self.backend == "aws":
            from ..aws_mode.pricing import endpoint_cost

            lines.append(f"cost    : 07 deploys an endpoint. {endpoint_cost(self.region, backend_name='aws')}")
            lines.append("confirmed: " + ("yes" if self.confirmed else "no - nothing will be created until you run this notebook with confirm_aws=True"))
        return "\n".join(lines)


def target(region: str | None = None, bucket: str | None = None, role_name: str = config.EXECUTION_ROLE_NAME,
           backend_name: str | None = None) -> Target:
    """Account, caller, region, bucket and execution role the workshop would use; reads only, creates nothing."""
    mode = config.backend_mode(backend_name)
    sess = unconfirmed_session(region, backend_name)
    ident = identity(sess)
    role_arn, source = find_execution_role(sess, role_name)
    confirmed = mode == "local" or {"account": ident["Account"], "region": sess.region_name} in confirmed_targets()
    return Target(mode, ident["Account"], ident["Arn"], sess.region_name, workshop_bucket(sess, bucket),
                  role_arn or role_name, source, confirmed)
