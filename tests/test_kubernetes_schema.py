"""Every Kubernetes object the stack creates is valid for current Kubernetes versions, in preview and apply.

A preview is what `pulumi preview` shows a reviewer on a pull request, so its
objects must be as valid as the applied ones: only values that are really
unknown may be unknown, and they stay strings in place.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from albingress.policies.validation import validate
from albops.preview.plan import kubernetes_manifests
from albops.preview.runner import PlanResult, read_stack_file, run_program
from tests.crd_validation import GATEWAY_KINDS

# The oldest EKS version still in standard support here, and the newest schema shipped.
VERSIONS = ["1.33", kubernetes_validate.latest_version()]
# Custom resources have no schema in kubernetes-validate; their fields are asserted in test_hardening.
# The Gateway API and controller kinds are validated against their CRDs in test_gateway.
CUSTOM_KINDS = {"IngressClassParams"} | GATEWAY_KINDS
EXPECTED_KINDS = {
    "stage": {"Namespace", "ServiceAccount", "Service", "Deployment", "PodDisruptionBudget", "Ingress"},
    "sandbox": {"Namespace", "ServiceAccount", "Service", "Deployment", "PodDisruptionBudget", "Ingress"},
    "gateway": {"Namespace", "ServiceAccount", "Service", "Deployment", "PodDisruptionBudget"}
    | CUSTOM_KINDS - {"IngressClassParams"},
    "auto": {
        "Namespace",
        "Service",
        "Deployment",
        "PodDisruptionBudget",
        "Ingress",
        "IngressClass",
        "IngressClassParams",
    },
}


@pytest.fixture(scope="module", params=[(s, p) for s in EXPECTED_KINDS for p in (True, False)], ids=str)
def planned(request: pytest.FixtureRequest) -> tuple[str, bool, list[dict[str, Any]]]:
    stack, preview = request.param
    result = run_program(read_stack_file(stack), stack, preview=preview)
    return stack, preview, kubernetes_manifests(result)


@pytest.mark.parametrize("version", VERSIONS)
def test_objects_validate_strictly(planned: tuple[str, bool, list[dict[str, Any]]], version: str) -> None:
    stack, _, manifests = planned
    assert {m["kind"] for m in manifests} == EXPECTED_KINDS[stack]
    for manifest in manifests:
        if manifest["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(manifest, version, strict=True)


def test_a_wrong_field_is_caught_by_the_schema(stage_apply: PlanResult) -> None:
    deployment = next(m for m in kubernetes_manifests(stage_apply) if m["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)


def test_an_unknown_annotation_map_would_be_caught(stage_apply: PlanResult) -> None:
    # What previews produced before: the whole annotation map as one unknown string.
    ingress = next(m for m in kubernetes_manifests(stage_apply) if m["kind"] == "Ingress")
    ingress["metadata"]["annotations"] = "(known after apply)"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(ingress, VERSIONS[0], strict=True)


def test_objects_pass_the_one_validator(planned: tuple[str, bool, list[dict[str, Any]]]) -> None:
    # The validator migrate and check use (components.validation): the schema of both versions, the API
    # server's metadata rules, the CRD limits and the controller's annotation and group rules, custom kinds too.
    _, _, manifests = planned
    assert [str(p) for p in validate(manifests, VERSIONS)] == []
