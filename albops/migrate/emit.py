"""Emitting ALB Ingress paths, actions, conditions and transforms, and writing the YAML."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import yaml

from albops.migrate.planning import AlbPath, port_of, regex_literal
from albops.migrate.reading import Source, compact
from albops.migrate.report import Report
from albops.migrate.routes import ALB


def emit_source(source: Source, paths: dict[str, list[AlbPath]], report: Report) -> None:
    """Write the ALB paths, actions, conditions and transforms of one source into its Ingress."""
    spec = source.converted.setdefault("spec", {})
    mine = {
        host: [p for p in host_paths if p.block.location.ingress == source.name] for host, host_paths in paths.items()
    }
    regex_paths = any(p.kind == "regex" for host_paths in mine.values() for p in host_paths)
    keys: dict[str, str] = {}  # backend name -> the JSON it stands for, so one name never means two things
    new_rules: list[dict[str, Any]] = []
    hosts_done: set[str] = set()
    for rule in spec.get("rules") or []:
        host = str(rule.get("host") or "")
        if host in hosts_done:
            continue
        hosts_done.add(host)
        if "http" not in rule:
            new_rules.append(rule)
            continue
        out: list[dict[str, Any]] = []
        for alb in mine.get(host, []):
            out.append(_emit_path(source, alb, regex_paths, keys))
        new_rule = {k: v for k, v in rule.items() if k != "http"}
        if out:
            new_rule["http"] = {"paths": out}
            new_rules.append(new_rule)
    if spec.get("rules") is not None:
        spec["rules"] = new_rules
    if regex_paths:
        source.annotations[ALB + "use-regex-path-match"] = "true"


def _emit_path(source: Source, alb: AlbPath, regex_paths: bool, keys: dict[str, str]) -> dict[str, Any]:
    loc = alb.block.location
    if alb.kind == "regex":
        path = {"path": "/" + alb.value, "pathType": "ImplementationSpecific"}
    elif alb.kind == "wildcard" and regex_paths:
        path = {"path": "/^" + regex_literal(alb.value[:-1]), "pathType": "ImplementationSpecific"}
    elif alb.kind == "wildcard":
        path = {"path": alb.value, "pathType": "ImplementationSpecific"}
    else:
        path = {"path": alb.value, "pathType": alb.kind}
    transforms = (
        compact(
            [
                {
                    "type": "url-rewrite",
                    "urlRewriteConfig": {"rewrites": [{"regex": alb.transform[0], "replace": alb.transform[1]}]},
                }
            ]
        )
        if alb.transform
        else None
    )
    conditions = compact(alb.conditions) if alb.conditions else None
    action = compact(alb.action) if alb.action else None
    if action is None and conditions is None and keys.get(loc.service, transforms or "") == (transforms or ""):
        keys[loc.service] = transforms or ""
        if transforms:
            source.annotations[ALB + f"transforms.{loc.service}"] = transforms
        return {**path, "backend": {"service": {"name": loc.service, "port": dict(loc.port)}}}
    if action is None:
        action = compact(
            {
                "type": "forward",
                "forwardConfig": {
                    "targetGroups": [{"serviceName": loc.service, "servicePort": port_of(dict(loc.port))}]
                },
            }
        )
    digest = hashlib.sha256(f"{action}|{conditions}|{transforms}".encode()).hexdigest()[:6]
    kind = alb.action["type"] if alb.action else "rewrite"
    hint = alb.key_hint or {"redirect": "redirect", "forward": "weighted"}.get(kind, kind)
    name = f"{loc.service[:40]}-{hint}-{digest}"
    source.annotations[ALB + f"actions.{name}"] = action
    if conditions:
        source.annotations[ALB + f"conditions.{name}"] = conditions
    if transforms:
        source.annotations[ALB + f"transforms.{name}"] = transforms
    return {**path, "backend": {"service": {"name": name, "port": {"name": "use-annotation"}}}}


def dump(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        yield "---\n" + yaml.safe_dump(document, sort_keys=False)
