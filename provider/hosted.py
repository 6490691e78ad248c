"""Which components the provider hosts, and the schema they make: one list for the entry point and the tests."""

import json
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider

from albingress import CONTROLLER_VERSION, PACKAGE, AlbApp, AwsLoadBalancerController, __version__

COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (AwsLoadBalancerController, AlbApp)
DESCRIPTION = (
    "The AWS Load Balancer Controller on EKS (its pinned IAM policy, IRSA or Pod Identity role, CRDs and "
    "hardened Helm release) and the apps behind its shared ALB groups, counted against the ALB's quotas. "
    f"Installs controller {CONTROLLER_VERSION} by default."
)


def provider() -> ComponentProvider:
    """Pulumi's component provider for ``COMPONENTS``, its schema derived from their annotations and docstrings
    and given the package's description (which names the controller version it pins)."""
    hosted = ComponentProvider(list(COMPONENTS), PACKAGE, None, __version__)
    document = _one_line_descriptions(json.loads(hosted.schema or "{}"))
    document["description"] = DESCRIPTION
    hosted.schema = json.dumps(document)
    return hosted


def _one_line_descriptions(value: Any) -> Any:
    """Docstrings wrapped in the source read as one paragraph in the generated SDKs' docs."""
    if isinstance(value, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _one_line_descriptions(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_one_line_descriptions(v) for v in value]
    return value


def schema() -> dict[str, Any]:
    """The package schema the provider answers GetSchema with."""
    document: dict[str, Any] = json.loads(provider().schema or "{}")
    return document


if __name__ == "__main__":
    # python -m provider.hosted > provider/schema.json: the committed schema (a test compares them).
    print(json.dumps(schema(), indent=2, sort_keys=True))
