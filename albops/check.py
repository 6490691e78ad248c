"""``albops check``: the guardrail rules over Kubernetes YAML and IAM JSON written by anyone.

Reads files and directories (``*.yaml``, ``*.yml``, ``*.json``), multi-document YAML, ``List`` objects
as ``kubectl get -o yaml`` prints them, and IAM policy documents (a document whose statements name a
``Principal`` is a trust policy). Every file that cannot be read is named, without a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from policies.guardrails import IAM_POLICY, IAM_ROLE, Resource

SUFFIXES = (".yaml", ".yml", ".json")


class UnreadableError(Exception):
    """A path that is missing, not UTF-8, or not YAML/JSON; the message names it."""


def kubernetes_type(api_version: str, kind: str) -> str:
    """The Pulumi type token of a Kubernetes object (``v1`` is the core group)."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


def files_under(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        elif path.is_file():
            yield path
        else:
            raise UnreadableError(f"{path}: no such file or directory")


def _documents(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise UnreadableError(f"{path}: {error.strerror}") from None
    try:
        if path.suffix == ".json":
            return [json.loads(text)]
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else f" line {getattr(error, 'lineno', '?')}"
        raise UnreadableError(f"{path}:{where}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}") from None


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
    for index, document in enumerate(_documents(path)):
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
    for path in files_under(paths):
        resources.extend(resources_from(path))
    return resources
