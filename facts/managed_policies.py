"""AWS managed IAM policies, as a dated snapshot of their statements (``aws_managed_policies.json``).

AWS changes its managed policies without notice, and the offline plan cannot read them; so the controller's
``extraPolicyArns`` naming one are judged against this snapshot, made by ``policies/generate_managed_policies.py``
from a public repository that records every published version (its commit and date are in the file). Only
what the escalation judge reads is kept: each policy's statements with the actions that can match an action
the judge asks about (``policies.iam_judge.judged_actions``, or every action), their effect, resources and
conditions. Regenerate it when the judge's list of actions changes, or to take in AWS's newer versions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

SNAPSHOT = files("albingress.facts") / "aws_managed_policies.json"  # package data (importlib.resources)


@functools.cache
def _snapshot() -> Mapping[str, Any]:
    loaded: Mapping[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return loaded


def source() -> str:
    """Where and when the snapshot was taken, for messages."""
    meta = _snapshot()
    return f"the AWS managed policies as of {meta['date']} ({meta['source']})"


def managed_policy(path_and_name: str) -> dict[str, Any] | None:
    """The snapshot's document of ``arn:<partition>:iam::aws:policy/<path_and_name>``; None when the snapshot
    has no such policy (AWS's newer ones, or a name that does not exist)."""
    found = _snapshot()["policies"].get(path_and_name)
    return None if found is None else {"Version": "2012-10-17", "Statement": found}


def document_for_arn(arn: str) -> dict[str, Any] | None:
    """The snapshot's document of an AWS managed policy ARN (``arn:<partition>:iam::aws:policy/<path><name>``);
    None for a customer-managed ARN or a policy the snapshot lacks."""
    prefix, _, rest = arn.partition(":iam::aws:policy/")
    return managed_policy(rest) if prefix.startswith("arn:") and rest else None


def names() -> list[str]:
    return sorted(_snapshot()["policies"])
