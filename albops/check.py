"""``albops check``: the guardrail rules over Kubernetes YAML and IAM JSON written by anyone.

Reads files and directories (``*.yaml``, ``*.yml``, ``*.json``), multi-document YAML, ``List`` objects
as ``kubectl get -o yaml`` prints them, and IAM policy documents (a document whose statements name a
``Principal`` is a trust policy). Every file that cannot be read is named, without a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from albops.manifests import YAML_SUFFIXES, UnreadableError, documents, files_under, parse
from policies.guardrails import IAM_POLICY, IAM_ROLE, Resource

SUFFIXES = (*YAML_SUFFIXES, ".json")


def kubernetes_type(api_version: str, kind: str) -> str:
    """The Pulumi type token of a Kubernetes object (``v1`` is the core group)."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


def _objects(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, list):
        for item in document:
            yield from _objects(item)
    elif isinstance(document, dict):
        kind = str(document.get("kind", ""))
        items = document.get("items")
        if kind.endswith("List") and isinstance(items, list):
            for item in items:
                yield from _objects(item)
        else:
            yield document


def resources_from(path: Path) -> list[Resource]:
    return _resources(path.name, documents(path))


def _unwrapped(obj: dict[str, Any]) -> dict[str, Any]:
    """An IAM document out of what the AWS CLI prints around it: ``aws iam get-policy-version`` (PolicyVersion.
    Document) and ``aws iam get-role`` (Role.AssumeRolePolicyDocument), so its output can be checked as it is."""
    version = obj.get("PolicyVersion")
    if isinstance(version, dict) and isinstance(version.get("Document"), dict):
        return dict(version["Document"])
    role = obj.get("Role")
    if isinstance(role, dict) and isinstance(role.get("AssumeRolePolicyDocument"), dict):
        return dict(role["AssumeRolePolicyDocument"])
    return obj


def _resources(source: str, docs: list[Any]) -> list[Resource]:
    found: list[Resource] = []
    for index, document in enumerate(docs):
        for obj in map(_unwrapped, _objects(document)):
            if "Statement" in obj:
                statements = obj["Statement"] if isinstance(obj["Statement"], list) else [obj["Statement"]]
                trust = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements)
                props = {"assumeRolePolicy": obj} if trust else {"policy": obj}
                found.append(Resource(IAM_ROLE if trust else IAM_POLICY, f"{source}#{index}", props))
            elif isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str):
                _check_shape(obj, f"{source}: document {index + 1}")
                metadata = obj.get("metadata")
                named = metadata.get("name") if isinstance(metadata, dict) else None
                name = str(named or f"{source}#{index}")
                found.append(Resource(kubernetes_type(obj["apiVersion"], obj["kind"]), name, obj))
    return found


def _check_shape(obj: dict[str, Any], where: str) -> None:
    """The fields every Kubernetes object has, in the shape the API server requires; anything else is bad input."""
    kind = str(obj.get("kind"))
    for key in ("metadata", "spec"):
        if key in obj and not isinstance(obj[key], dict):
            raise UnreadableError(f"{where}: {kind}'s {key} is a {type(obj[key]).__name__}, not a mapping")
    if kind.endswith("List") and not isinstance(obj.get("items"), list):
        raise UnreadableError(f"{where}: a {kind} without a list of items")


def load(paths: Iterable[Path]) -> list[Resource]:
    """Every object of every path; ``-`` is standard input (``albops migrate in.yaml | albops check -``)."""
    resources: list[Resource] = []
    for given in paths:
        if str(given) == "-":
            resources.extend(_resources("stdin", parse(sys.stdin.read(), "stdin")))
            continue
        for path in files_under([given], SUFFIXES):
            resources.extend(resources_from(path))
    return resources
