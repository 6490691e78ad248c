"""``albops check``: the guardrail rules over Kubernetes YAML and IAM JSON written by anyone.

Reads files and directories (``*.yaml``, ``*.yml``, ``*.json``), multi-document YAML, ``List`` objects
as ``kubectl get -o yaml`` prints them, and IAM policy documents (a document whose statements name a
``Principal`` is a trust policy). Every file that cannot be read is named, without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from albops.manifests import YAML_SUFFIXES, documents, files_under
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
        if document.get("kind") == "List" or (document.get("kind", "").endswith("List") and "items" in document):
            for item in document.get("items") or []:
                yield from _objects(item)
        else:
            yield document


def resources_from(path: Path) -> list[Resource]:
    found: list[Resource] = []
    for index, document in enumerate(documents(path)):
        for obj in _objects(document):
            if "Statement" in obj:
                statements = obj["Statement"] if isinstance(obj["Statement"], list) else [obj["Statement"]]
                trust = any(isinstance(s, dict) and "Principal" in s for s in statements)
                props = {"assumeRolePolicy": obj} if trust else {"policy": obj}
                found.append(Resource(IAM_ROLE if trust else IAM_POLICY, f"{path.name}#{index}", props))
            elif isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str):
                name = str((obj.get("metadata") or {}).get("name") or f"{path.name}#{index}")
                found.append(Resource(kubernetes_type(obj["apiVersion"], obj["kind"]), name, obj))
    return found


def load(paths: Iterable[Path]) -> list[Resource]:
    resources: list[Resource] = []
    for path in files_under(paths, SUFFIXES):
        resources.extend(resources_from(path))
    return resources
