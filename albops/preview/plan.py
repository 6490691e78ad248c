"""The offline plan: what ``pulumi up`` would create, shown and written out.

Output is meant for two readers: a person at a terminal (the resource tree),
and a reviewer of a pull request (Markdown, plus files a linter or schema
validator can read: Kubernetes objects as YAML, IAM documents as JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from albingress.facts.gateway_api import AWS_GATEWAY_GROUP, GATEWAY_API_GROUP
from albops.preview.runner import UNKNOWN, PlanResult, Registration

# Kubernetes kinds written out as manifests, by Pulumi type token.
_KUBE_KINDS = {
    "kubernetes:core/v1:Namespace": ("v1", "Namespace"),
    "kubernetes:core/v1:ServiceAccount": ("v1", "ServiceAccount"),
    "kubernetes:core/v1:Service": ("v1", "Service"),
    "kubernetes:apps/v1:Deployment": ("apps/v1", "Deployment"),
    "kubernetes:policy/v1:PodDisruptionBudget": ("policy/v1", "PodDisruptionBudget"),
    "kubernetes:networking.k8s.io/v1:Ingress": ("networking.k8s.io/v1", "Ingress"),
    "kubernetes:networking.k8s.io/v1:IngressClass": ("networking.k8s.io/v1", "IngressClass"),
    "kubernetes:eks.amazonaws.com/v1:IngressClassParams": ("eks.amazonaws.com/v1", "IngressClassParams"),
    **{
        f"kubernetes:{group}/v1:{kind}": (f"{group}/v1", kind)
        for group, kinds in (
            (GATEWAY_API_GROUP, ("GatewayClass", "Gateway", "HTTPRoute")),
            (AWS_GATEWAY_GROUP, ("LoadBalancerConfiguration", "TargetGroupConfiguration", "ListenerRuleConfiguration")),
        )
        for kind in kinds
    },
}

# The inputs worth a line in the tree, per type; anything else shows its scalars.
_KEY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:iam/policy:Policy": ("description",),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("clusterName", "namespace", "serviceAccount", "roleArn"),
    "aws:acm/certificate:Certificate": ("domainName", "validationMethod"),
    "aws:route53/record:Record": ("zoneId", "name", "type"),
    "aws:iam/role:Role": ("description", "path", "permissionsBoundary"),
    "pulumi:providers:aws": ("region", "allowedAccountIds"),
    "aws:acm/certificateValidation:CertificateValidation": ("certificateArn",),
    "kubernetes:helm.sh/v3:Release": ("name", "chart", "version", "namespace", "skipCrds"),
    "kubernetes:yaml/v2:ConfigFile": ("file",),
    "pulumi:providers:kubernetes": (),
}


def kubernetes_manifests(result: PlanResult) -> list[dict[str, Any]]:
    """Kubernetes objects exactly as the stack's inputs define them."""
    manifests: list[dict[str, Any]] = []
    for reg in result.resources:
        kind = _KUBE_KINDS.get(reg.type)
        if kind is None:
            continue
        body = {k: _sorted(v) for k, v in sorted(reg.inputs.items()) if k not in ("apiVersion", "kind")}
        manifests.append({"apiVersion": kind[0], "kind": kind[1], **body})
    return manifests


def _sorted(value: Any) -> Any:
    """Stable key order, so two plans of the same stack diff cleanly."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def iam_documents(result: PlanResult) -> dict[str, Any]:
    """Permission and trust documents, keyed by the resource they belong to."""
    documents: dict[str, Any] = {}
    for reg in result.resources:
        if reg.type == "aws:iam/policy:Policy":
            documents[f"{reg.name}.json"] = _json_or_unknown(reg.inputs.get("policy"))
        elif reg.type == "aws:iam/role:Role":
            documents[f"{reg.name}-trust.json"] = _json_or_unknown(reg.inputs.get("assumeRolePolicy"))
    return documents


def _json_or_unknown(text: Any) -> Any:
    if isinstance(text, str) and text != UNKNOWN:
        return json.loads(text)
    return UNKNOWN


def _scalar(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 100 else text[:97] + "..."


def key_inputs(reg: Registration) -> dict[str, str]:
    if reg.type.startswith("kubernetes:") and reg.type in _KUBE_KINDS:
        meta = reg.inputs.get("metadata") or {}
        shown = {"name": meta.get("name"), "namespace": meta.get("namespace")}
        return {k: _scalar(v) for k, v in shown.items() if v is not None}
    names = _KEY_INPUTS.get(reg.type)
    if names is None:
        names = tuple(k for k, v in reg.inputs.items() if isinstance(v, (str, int, float, bool)))
    return {k: _scalar(reg.inputs[k]) for k in names if k in reg.inputs}


def render_tree(result: PlanResult) -> str:
    """Indented resource tree: type, name, then the inputs a reviewer checks.

    The resources are in tree order already (runner.tree_order: each after its parent), so each one's depth is
    its parent's and one: no recursion on the program's depth, and a resource whose parent was not registered
    (a resource read with ``.get()``) is shown at the top, as tree_order places it.
    """
    depth: dict[str, int] = {}
    lines: list[str] = []
    for reg in result.resources:
        depth[reg.urn] = depth[reg.parent] + 1 if reg.parent in depth else 0
        pad = "  " * depth[reg.urn]
        lines.append(f"{pad}+ {reg.type}  {reg.name}")
        for key, value in key_inputs(reg).items():
            lines.append(f"{pad}    {key}: {value}")
    return "\n".join(lines)


def render_outputs(result: PlanResult) -> str:
    width = max((len(k) for k in result.outputs), default=0)
    return "\n".join(f"  {k.ljust(width)}  {_scalar(v)}" for k, v in result.outputs.items())


def plan_document(result: PlanResult) -> dict[str, Any]:
    """Everything the plan knows, machine-readable (``plan.json`` and ``--json``)."""
    return {
        "stack": result.stack,
        "preview": result.preview,
        "encrypted": result.encrypted,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "dependsOn": r.dependencies,
                "inputs": r.inputs,
            }
            for r in result.resources
        ],
        "outputs": result.outputs,
    }


# The file that marks a folder as the plan's own: only such a folder (or a new or empty one) is written,
# since writing replaces every file in its kubernetes/, iam/ and helm/ folders.
MARKER = ".albops-plan"


class OutDirRefusedError(Exception):
    """The --out folder holds files the plan did not write; the message says which folder and what to do."""


def check_out_dir(out_dir: Path) -> None:
    """Refuse a folder that exists, is not empty and is not marked as a plan's output."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise OutDirRefusedError(
            f"--out {out_dir} holds files the plan did not write (no {MARKER} in it), and writing replaces "
            "files there: give a new or empty folder"
        )


def write_plan(
    result: PlanResult, out_dir: Path, ours: bool = False, outcome: dict[str, Any] | None = None
) -> list[Path]:
    """Write manifests, IAM documents, Helm values and a machine-readable plan.

    ``ours``: the project's own ``plan-out/<stack>``, which only the plan writes (marked from now on).
    ``outcome``: what the command judged (guardrails, the program's logged errors), kept in plan.json.
    """
    if not ours:
        check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by albops plan; its kubernetes/, iam/ and helm/ are replaced\n")
    written: list[Path] = []
    kube_dir, iam_dir, helm_dir = out_dir / "kubernetes", out_dir / "iam", out_dir / "helm"
    for folder in (kube_dir, iam_dir, helm_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            if stale.is_file():
                stale.unlink()

    for manifest in kubernetes_manifests(result):
        meta = manifest.get("metadata") or {}
        namespace = meta.get("namespace") or "cluster"
        path = kube_dir / f"{manifest['kind'].lower()}-{namespace}-{meta.get('name')}.yaml"
        path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
        written.append(path)

    for filename, document in iam_documents(result).items():
        path = iam_dir / filename
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        written.append(path)

    for reg in result.by_type("kubernetes:helm.sh/v3:Release"):
        path = helm_dir / f"{reg.inputs.get('name', reg.name)}-values.yaml"
        path.write_text(yaml.safe_dump(_sorted(reg.inputs.get("values", {})), sort_keys=False), encoding="utf-8")
        written.append(path)

    path = out_dir / "plan.json"
    path.write_text(
        json.dumps({**plan_document(result), **(outcome or {})}, indent=2, default=str) + "\n", encoding="utf-8"
    )
    written.append(path)
    return written
