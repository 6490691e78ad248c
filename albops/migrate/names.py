"""Names of ``use-annotation`` backends: short enough for every annotation key they make, stable, readable.

The controller (v3.5.0, pkg/ingress/enhanced_backend_builder.go: buildConditions, buildTransforms,
buildActionViaAnnotation) reads ``alb.ingress.kubernetes.io/conditions.<name>``,
``.../transforms.<name>`` and, for a backend whose port name is ``use-annotation``,
``.../actions.<name>``, where ``<name>`` is the path backend's ``service.name``. The API server takes an
annotation key only as a qualified name whose part after ``/`` is at most 63 characters
(k8s.io/apimachinery validation.IsQualifiedName, checked by ValidateAnnotations), so ``<name>`` may be at
most 63 - len("conditions.") = 52 characters; and as a path backend's ``service.name`` it must also be a
DNS-1035 label (Kubernetes pkg/apis/networking/validation: ValidateServiceName). A Service name of 53 to 63
characters is valid but cannot key its own ``conditions.``/``transforms.`` annotation: such a path goes
through a ``use-annotation`` backend whose forward action names the real Service.

A forward action to ``serviceName``/``servicePort`` makes the same target group as the plain backend
(model_build_actions.go buildForwardAction -> buildTargetGroup keyed by Ingress, Service and port), so the
detour changes no target group and no routing.
"""

from __future__ import annotations

import hashlib
import re

# The longest of the prefixes a backend name is keyed under.
KEY_PREFIXES = ("actions.", "conditions.", "transforms.")
QUALIFIED_NAME_MAX = 63
NAME_MAX = QUALIFIED_NAME_MAX - max(len(p) for p in KEY_PREFIXES)  # 52
# IsQualifiedName's name part, and the DNS-1035 label a Service name must be.
QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
DIGEST = 8


def keyable(name: str) -> bool:
    """Whether ``name`` can key ``actions.``, ``conditions.`` and ``transforms.`` annotations and be a backend."""
    return len(name) <= NAME_MAX and DNS_1035.fullmatch(name) is not None


def annotation_key_problem(key: str) -> str | None:
    """Why the API server refuses ``key`` as an annotation key (the name part after the last ``/``), or None."""
    name = key.rsplit("/", 1)[-1]
    if len(name) > QUALIFIED_NAME_MAX:
        return f"its name part is {len(name)} characters, more than {QUALIFIED_NAME_MAX}"
    if not QUALIFIED_NAME.fullmatch(name):
        return "its name part is not a qualified name (alphanumerics, '-', '_', '.', alphanumeric at both ends)"
    return None


def backend_name(
    ingress: str, service: str, port: object, role: str, content: str, taken: frozenset[str] = frozenset()
) -> str:
    """A ``use-annotation`` backend name: ``<service prefix>-<role>-<hash>``, at most NAME_MAX characters.

    The hash covers the Ingress, the Service, its port, the role and what the name stands for (its
    action, conditions and transforms), never an order: the same input gives the same names on every run,
    and two names of one Ingress differ whenever what they stand for differs. ``taken`` holds the names
    already used for something else in the Ingress; a clash of the short hash takes a longer one.
    """
    seed = "\0".join((ingress, service, str(port), role, content))
    digest = hashlib.sha256(seed.encode()).hexdigest()
    for length in (DIGEST, 16, 32):
        tail = f"-{role}-{digest[:length]}" if role else f"-{digest[:length]}"
        prefix = re.sub(r"[^a-z0-9-]", "-", service.lower())[: NAME_MAX - len(tail)].rstrip("-")
        if not prefix or not prefix[0].isalpha():
            prefix = ("b" + prefix)[: NAME_MAX - len(tail)].rstrip("-")
        name = prefix + tail
        if name not in taken:
            return name
    return name
