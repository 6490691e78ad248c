"""Emitting ALB Ingress paths, actions, conditions and transforms, and writing the YAML."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import yaml

from albops.migrate.names import backend_name, keyable
from albops.migrate.planning import AlbPath, overlap, port_of, regex_literal
from albops.migrate.reading import Source, compact, valid_host
from albops.migrate.report import Report
from albops.migrate.routes import ALB


def paths_by_source(paths: dict[str, list[AlbPath]]) -> dict[str, dict[str, list[AlbPath]]]:
    """The ALB paths of each source by host, in order: one pass, instead of one per source."""
    mine: dict[str, dict[str, list[AlbPath]]] = {}
    for host, host_paths in paths.items():
        for alb in host_paths:
            mine.setdefault(alb.block.location.ingress, {}).setdefault(host, []).append(alb)
    return mine


def emit_source(source: Source, mine: dict[str, list[AlbPath]], report: Report) -> None:
    """Write the ALB paths (``mine``: this source's, by host), actions, conditions and transforms of one
    source into its Ingress."""
    spec = source.converted.setdefault("spec", {})
    regex_paths = any(p.kind == "regex" for host_paths in mine.values() for p in host_paths)
    keys: dict[str, str] = {}  # backend name -> the JSON it stands for, so one name never means two things
    new_rules: list[dict[str, Any]] = []
    hosts_done: set[str] = set()
    for rule in spec.get("rules") or []:
        host = str(rule.get("host") or "")
        if host in hosts_done or not valid_host(host):
            continue
        hosts_done.add(host)
        if "http" not in rule:
            new_rules.append(rule)
            continue
        out: list[dict[str, Any]] = []
        host_paths = mine.get(host, [])
        specific = _controller_would_reorder(host_paths)
        if specific:
            report.add(
                source.name,
                f"host {host or '*'}",
                "note",
                "its Prefix paths are written as ImplementationSpecific ones: the controller puts Prefix paths "
                "before ImplementationSpecific ones, which would change the order ingress-nginx tried them in",
            )
        for alb in host_paths:
            written = _emit_path(source, alb, regex_paths, keys, specific)
            for entry in written:
                source.emitted[host, str(entry["path"]), str(entry["pathType"])] = alb
            out.extend(written)
        new_rule = {k: v for k, v in rule.items() if k != "http"}
        if out:
            new_rule["http"] = {"paths": out}
            new_rules.append(new_rule)
    if spec.get("rules") is not None:
        spec["rules"] = new_rules
    if regex_paths:
        source.annotations[ALB + "use-regex-path-match"] = "true"


def _controller_rank(alb: AlbPath) -> tuple[int, int]:
    """Where the controller's sort puts a path of this kind (see routes.controller_order)."""
    if alb.kind == "Exact":
        return (0, 0)
    if alb.kind == "Prefix":
        return (1, -len(alb.value))
    return (2, 0)


def _controller_would_reorder(paths: list[AlbPath]) -> bool:
    """True when the controller's sort would try two overlapping paths of one rule in the other order."""
    placed = sorted(range(len(paths)), key=lambda i: _controller_rank(paths[i]))
    position = {index: rank for rank, index in enumerate(placed)}
    return any(
        position[j] < position[i] and overlap(paths[i], paths[j])
        for i in range(len(paths))
        for j in range(i + 1, len(paths))
    )


def _path_values(alb: AlbPath, regex_paths: bool, specific: bool) -> list[dict[str, str]]:
    """The Ingress path entries for one ALB path; a Prefix path written as ImplementationSpecific when
    ``specific``, so the controller keeps the written order (a Prefix /x matches /x and /x/...)."""
    if alb.kind == "Prefix" and specific:
        base = alb.value.rstrip("/")
        if regex_paths:
            values = ["/^" + regex_literal(base) + "(/|$)"] if base else ["/^/"]
        else:
            values = [base, base + "/*"] if base else ["/*"]
        return [{"path": value, "pathType": "ImplementationSpecific"} for value in values]
    if alb.kind == "regex":
        return [{"path": "/" + alb.value, "pathType": "ImplementationSpecific"}]
    if alb.kind == "wildcard" and regex_paths:
        return [{"path": "/^" + regex_literal(alb.value[:-1]), "pathType": "ImplementationSpecific"}]
    if alb.kind == "wildcard":
        return [{"path": alb.value, "pathType": "ImplementationSpecific"}]
    return [{"path": alb.value, "pathType": alb.kind}]


def _emit_path(
    source: Source, alb: AlbPath, regex_paths: bool, keys: dict[str, str], specific: bool = False
) -> list[dict[str, Any]]:
    loc = alb.block.location
    paths = _path_values(alb, regex_paths, specific)
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
    plain = transforms is None or keyable(loc.service)  # transforms.<service> must be a valid annotation key
    if (
        action is None
        and conditions is None
        and plain
        and keys.get(loc.service, transforms or "") == (transforms or "")
    ):
        keys[loc.service] = transforms or ""
        if transforms:
            source.annotations[ALB + f"transforms.{loc.service}"] = transforms
        return [{**path, "backend": {"service": {"name": loc.service, "port": dict(loc.port)}}} for path in paths]
    if action is None:
        action = compact(
            {
                "type": "forward",
                "forwardConfig": {
                    "targetGroups": [{"serviceName": loc.service, "servicePort": port_of(dict(loc.port))}]
                },
            }
        )
    kind = alb.action["type"] if alb.action else "rewrite"
    hint = {"canary-header": "canary"}.get(alb.key_hint, alb.key_hint) or {
        "redirect": "redirect",
        "forward": "weighted",
    }.get(kind, kind)
    content = f"{action}|{conditions}|{transforms}"
    name = backend_name(source.name, loc.service, port_of(dict(loc.port)), hint, content)
    if keys.get(name, content) != content:  # the short hash clashed with another backend of this Ingress
        name = backend_name(source.name, loc.service, port_of(dict(loc.port)), hint, content, frozenset({name}))
    keys[name] = content
    source.annotations[ALB + f"actions.{name}"] = action
    if conditions:
        source.annotations[ALB + f"conditions.{name}"] = conditions
    if transforms:
        source.annotations[ALB + f"transforms.{name}"] = transforms
    return [{**path, "backend": {"service": {"name": name, "port": {"name": "use-annotation"}}}} for path in paths]


def dump(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        yield "---\n" + yaml.dump(document, Dumper=yaml.CSafeDumper, sort_keys=False)
