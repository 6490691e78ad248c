"""Every Kubernetes object the stack creates is valid for current Kubernetes versions."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from albops.plan import kubernetes_manifests
from albops.runner import PlanResult

# The oldest EKS version still in standard support here, and the newest schema shipped.
VERSIONS = ["1.33", kubernetes_validate.latest_version()]


def _objects(result: PlanResult) -> list[dict[str, Any]]:
    manifests = kubernetes_manifests(result)
    assert {m["kind"] for m in manifests} == {
        "Namespace",
        "ServiceAccount",
        "Service",
        "Deployment",
        "PodDisruptionBudget",
        "Ingress",
    }
    return manifests


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("stack", ["stage_apply", "sandbox_apply"])
def test_objects_validate_strictly(stack: str, version: str, request: pytest.FixtureRequest) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    for manifest in _objects(result):
        kubernetes_validate.validate(manifest, version, strict=True)


def test_a_wrong_field_is_caught_by_the_schema(stage_apply: PlanResult) -> None:
    deployment = next(m for m in kubernetes_manifests(stage_apply) if m["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)
