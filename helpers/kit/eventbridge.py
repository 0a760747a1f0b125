"""The EventBridge rules the kit creates (the deployer's, the history's): deleting one with its targets."""

from __future__ import annotations

from ..errors import error_code


def delete_rule(events, name: str) -> bool:
    """Delete the rule ``name``, its targets first (EventBridge refuses a rule that has any); False if there is none."""
    from botocore.exceptions import ClientError

    try:
        targets = [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]]
        if targets:
            events.remove_targets(Rule=name, Ids=targets)
        events.delete_rule(Name=name)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return False
    return True
