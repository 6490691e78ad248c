"""What the validator finds: one refusal, named so a person can act on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Kinds without a namespace among those this project writes and reads.
CLUSTER_SCOPED = frozenset(
    {"Namespace", "IngressClass", "GatewayClass", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
    | {"IngressClassParams", "PersistentVolume", "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration"}
    | {"MutatingWebhookConfiguration", "Node"}
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing the API server or the controller refuses.

    ``document`` is ``Kind namespace/name``; ``index`` its position in the objects validated; ``field`` where in
    it (``metadata.annotations["alb.ingress.kubernetes.io/group.order"]``); ``rule`` what is refused, by whom;
    ``fix`` what to change. ``group`` names the ALB group when the rule is one its members must agree on: the
    controller then stops reconciling the whole group, so no member can be written alone.
    """

    document: str
    index: int
    field: str
    rule: str
    fix: str
    group: str | None = None
    # Who refuses it: "api-server" (schema, metadata, CRD limits: kubectl apply fails) or "controller" (the
    # object is stored, and the controller stops reconciling its group).
    by: str = "api-server"
    # A value of the wrong kind (text, a fraction, a boolean or a list where a number goes, a number past its
    # integer's range): the input is wrong whoever refuses it, so ``check`` exits 2 for it, as for the API server's.
    not_a_number: bool = False

    def __str__(self) -> str:
        return f"{self.document}: {self.field}: {self.rule}; {self.fix}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "index": self.index,
            "field": self.field,
            "rule": self.rule,
            "fix": self.fix,
            "group": self.group,
            "by": self.by,
        }


def describe(obj: Mapping[str, Any]) -> str:
    """``Kind namespace/name`` (namespace ``default`` when unset, as the API server would place it)."""
    metadata = obj.get("metadata")
    meta: Mapping[str, Any] = metadata if isinstance(metadata, Mapping) else {}
    name = _one_line(meta.get("name"))
    if obj.get("kind") in CLUSTER_SCOPED:
        return f"{_one_line(obj.get('kind'))} {name}"
    namespace = _one_line(meta.get("namespace") or "default")
    return f"{_one_line(obj.get('kind'))} {namespace}/{name}"


def _one_line(value: Any) -> str:
    """A value as it reads in a one-line message: quoted (repr) when it holds a line break or other control
    character, so a name with a trailing newline cannot split the finding over two lines."""
    text = str(value)
    return repr(text) if any(ch < " " or ch == "\x7f" for ch in text) else text


def annotation_field(key: str) -> str:
    return f'metadata.annotations["{key}"]'
