"""Regenerate ``facts/kubernetes_scheduling.json``: the Kubernetes OpenAPI definitions of the pod fields that
``controller.extraValues`` hands to the chart (affinity, tolerations, the Deployment's update strategy), cut out
of kubernetes-validate's strict schemas so the plan can validate them where it runs without that 100 MB package.

Run from the repository root with the test requirements installed: ``.venv/bin/python -m
facts.generate_kubernetes_schema``. The version is the oldest EKS version in standard support that the tests
validate against (tests/test_kubernetes_schema.py); bump both together.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KUBERNETES_VERSION = "1.33.0"
OUT = Path(__file__).resolve().parent / "kubernetes_scheduling.json"
# The chart key, and the definition its value must be (chart 3.5.0 templates/deployment.yaml: affinity and
# tolerations go into the pod spec as given, updateStrategy becomes the Deployment's spec.strategy).
ROOTS = {
    "affinity": "io.k8s.api.core.v1.Affinity",
    "toleration": "io.k8s.api.core.v1.Toleration",
    "updateStrategy": "io.k8s.api.apps.v1.DeploymentStrategy",
}


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].rsplit("/", 1)[-1]} if isinstance(value.get("$ref"), str) else set()
        for item in value.values():
            found |= _refs(item)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value)) if value else set()
    return set()


def _strip(value: Any) -> Any:
    """The definitions without their prose (the file stays small; the messages are ours)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def build() -> dict[str, Any]:
    import kubernetes_validate  # the test requirements only: the generated file is what runs

    folder = (
        Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"
    )
    definitions: dict[str, Any] = json.loads((folder / "_definitions.json").read_text())["$defs"]
    wanted: set[str] = set()
    todo = list(ROOTS.values())
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(_refs(definitions[name]) - wanted)
    return {
        "source": f"kubernetes-validate {kubernetes_validate.__version__}, v{KUBERNETES_VERSION}-local-strict",
        "roots": ROOTS,
        "$defs": {name: _strip(definitions[name]) for name in sorted(wanted)},
    }


def main() -> int:
    OUT.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
