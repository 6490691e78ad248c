"""One validator for every Kubernetes object this project writes or reads: as the API server and the controller
would check it.

``migrate`` runs it before it writes, ``albops check`` over the manifests it reads, and the plan's tests over
every stack's planned objects, so all three refuse the same things with the same words. It checks:

- the Kubernetes schema of built-in kinds (kubernetes-validate, strict, per Kubernetes version): ``schema``;
- the API server's metadata rules (names, qualified annotation and label keys, label values, 256 KiB of
  annotations): ``metadata``;
- the API server's rules on port numbers and the IngressClass name, and route backendRef ports: ``fields``;
- the limits the Gateway API CRDs state (rules, hostnames, matches, filters, backendRefs, listeners): ``limits``;
- the controller's own rules (annotation syntax and ranges, ALB weights and condition values, CIDRs, and the
  settings every member of an Ingress group must agree on): ``controller``.

Each finding is a ``Problem`` naming the object, the field, the rule with its source, and the fix. A problem
with ``group`` set fails the whole ALB group (the controller stops reconciling every member), not one object.
Nothing here imports ``albops``: the stack's components use it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from albingress.policies.validation.problem import Problem, describe

__all__ = ["Problem", "describe", "validate"]


def validate(objects: Iterable[Any], versions: Sequence[str] | None = None) -> list[Problem]:
    """Every problem of ``objects`` (Kubernetes objects as mappings, in input order), object rules then group rules.

    ``versions`` are the Kubernetes versions whose schemas apply (default: the oldest and the newest EKS version
    this project supports, so what is written applies on both). Anything that is not a mapping with a string
    ``kind`` is a problem of its own, never an exception.
    """
    from albingress.policies.validation import controller, fields, limits, metadata, schema

    listed = list(objects)
    problems: list[Problem] = []
    kubernetes: list[tuple[int, Mapping[str, Any]]] = []
    for index, obj in enumerate(listed):
        if not isinstance(obj, Mapping) or not isinstance(obj.get("kind"), str) or not obj.get("apiVersion"):
            problems.append(
                Problem(
                    f"document {index + 1}",
                    index,
                    "kind",
                    "not a Kubernetes object: a mapping with apiVersion and kind is what the API server takes",
                    "give apiVersion and kind, or remove the document",
                )
            )
            continue
        kubernetes.append((index, obj))
        specific = fields.problems(obj, index)
        # One finding per field: where a field rule names the API server's own check (ValidatePortNum), the
        # schema's general one for the same field ("is not a 'int32'", "is not of type") is left out.
        covered = {p.field for p in specific}
        named = metadata.problems(obj, index)
        covered |= {p.field for p in named}  # an unquoted annotation is one finding (quote it), not two
        problems += named
        problems += [p for p in schema.problems(obj, index, versions) if p.field not in covered]
        problems += limits.problems(obj, index)
        problems += specific
        problems += controller.object_problems(obj, index)
    problems += controller.group_problems(kubernetes)
    return problems
