"""Load the controller's IAM policy for one pinned release and one AWS partition.

The stack never builds the policy from a list in code: each supported release
has its own JSON document under ``policies/iam/`` so a version bump is a
reviewable file diff, and the chart version that ships that release is kept
beside it so the two can never be paired wrongly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

POLICY_DIR = files("albingress.policies") / "iam"  # package data (importlib.resources)


@dataclass(frozen=True)
class ControllerRelease:
    """A controller release this project has a reviewed IAM policy for."""

    version: str
    chart_version: str
    policy_file: str

    @property
    def crd_urls(self) -> tuple[str, ...]:
        """The chart's CRD manifests at this exact release tag.

        Helm installs ``crds/`` once and never upgrades it, so the stack applies
        these itself; pinning to the tag keeps CRDs and controller in step.
        """
        base = (
            "https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/"
            f"{self.version}/helm/aws-load-balancer-controller/crds"
        )
        return (f"{base}/crds.yaml", f"{base}/gateway-crds.yaml")


RELEASES: dict[str, ControllerRelease] = {
    "v3.5.0": ControllerRelease("v3.5.0", "3.5.0", "controller-v3.5.0.json"),
}
DEFAULT_VERSION = "v3.5.0"

# The published aws-cn and aws-us-gov documents grant the same statements as the
# commercial one with only the ARN partition changed, so one document serves all
# three. The ISO partitions' documents (iam_policy_iso*.json) drop five Elastic
# Load Balancing actions (capacity reservations, listener attributes, trust
# stores) for APIs those partitions lack; they are not offered here.
PARTITIONS: tuple[str, ...] = ("aws", "aws-cn", "aws-us-gov")


@cache
def _document_text(policy_file: str) -> str:
    return (POLICY_DIR / policy_file).read_text(encoding="utf-8")


def controller_policy(version: str, partition: str = "aws") -> dict[str, Any]:
    """Return the policy document for ``version`` with ARNs in ``partition``.

    Raises ``KeyError``/``ValueError`` for input the settings layer should have
    rejected already; callers outside the stack get a plain message too.
    """
    release = RELEASES.get(version)
    if release is None:
        raise KeyError(f"no IAM policy for controller {version}; supported: {', '.join(RELEASES)}")
    if partition not in PARTITIONS:
        raise ValueError(f"partition {partition!r} is not supported; supported: {', '.join(PARTITIONS)}")
    text = _document_text(release.policy_file)
    if partition != "aws":
        text = text.replace('"arn:aws:', f'"arn:{partition}:')
    document: dict[str, Any] = json.loads(text)
    return document
