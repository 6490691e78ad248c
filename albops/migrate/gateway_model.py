"""How the controller routes a request through Gateway API objects on one ALB Gateway (v3.5.0), as a model.

It is the Gateway side of the semantic tests (``routes.alb_route`` is the Ingress side): every rule of every
HTTPRoute, split per hostname, sorted as the controller sorts them (``route_rule_precedence.go``: hostname
specificity, path type, path length, method, header count, query param count, then namespace/name, rule
index and match index; creation times are taken as equal), the first match answering. Rewrites follow the
controller's transforms (``route_rule_transform.go``): ``ReplacePrefixMatch`` is the regex ``(^<prefix>(/)?)``
replaced by the new prefix (plus ``$2`` unless it ends in ``/``), ``ReplaceFullPath`` replaces the path and
keeps the query.

Not modelled, as the routes migrate writes never need it: a listener's own hostname (the controller ranks a
route by the hostnames it shares with the listener), rules sorted per listener port and GRPCRoutes ranked among
them, an explicit ``matches: []`` (Go ranks it below every path type), and a route without ``rules`` (the CRD
defaults one rule without backends, which answers 503).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from albops.migrate.reading import objects
from albops.migrate.route_split import precedence_key
from albops.migrate.routes import AlbOutcome, AlbRequest, wildcard_regex


@dataclass(frozen=True)
class _Entry:
    hostname: str
    match: Mapping[str, Any]
    rule: Mapping[str, Any]
    route: str  # namespace/name
    namespace: str
    rule_index: int
    match_index: int


def _precedence(entry: _Entry, created: Mapping[str, int]) -> tuple[Any, ...]:
    """compareRulePrecedenceUnified and compareCommonTieBreakers (route_rule_precedence.go lines 245-306 at
    v3.5.0) as one sort key, smaller first: hostname (getHostnamePrecedenceOrder: a named host before none, an
    exact one before a wildcard, more labels first, then the longer), path type, path length, method, headers,
    query params (each larger first); then the route's creation time (``created``: namespace/name to a rank,
    older first; absent is 0), namespace/name, rule index, match index and the hostname string.

    The controller compares pairs; each of its steps compares one value of each side, so one key per entry
    orders them alike, computed once per entry rather than once per comparison (a route of 40 rules in 7
    creation orders is sorted thousands of times in the tests)."""
    host = entry.hostname
    named = (not host, host.startswith("*."), -host.count("."), -len(host)) if host else (True, False, 0, 0)
    return (
        *named,
        *(-int(factor) for factor in precedence_key(entry.match)),
        created.get(entry.route, 0),
        entry.route,
        entry.rule_index,
        entry.match_index,
        host,
    )


def sorted_rules(documents: Iterable[Any], created: Mapping[str, int] | None = None) -> list[_Entry]:
    """Every (hostname, match) of every HTTPRoute, in the controller's order; ``created`` ranks the routes'
    creation times (namespace/name to a number, older smaller), taken as equal when not given."""
    ranks = dict(created or {})
    entries: list[_Entry] = []
    for obj in objects(list(documents)):
        if obj.get("kind") != "HTTPRoute":
            continue
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        spec = obj.get("spec") or {}
        for hostname in spec.get("hostnames") or [""]:
            for rule_index, rule in enumerate(spec.get("rules") or []):
                matches = rule.get("matches") or [{"path": {"type": "PathPrefix", "value": "/"}}]
                for match_index, match in enumerate(matches):
                    if not isinstance(match, Mapping):
                        continue  # the API server refuses the route; nothing of it reaches an ALB
                    route = f"{namespace}/{meta.get('name')}"
                    entries.append(_Entry(str(hostname), match, rule, route, namespace, rule_index, match_index))
    return sorted(entries, key=lambda entry: _precedence(entry, ranks))


def _path_matches(match: Mapping[str, Any], path: str) -> bool:
    spec = match.get("path") or {"type": "PathPrefix", "value": "/"}
    kind, value = str(spec.get("type", "PathPrefix")), str(spec.get("value", "/"))
    if kind == "Exact":
        return path == value
    if kind == "PathPrefix":
        base = value.rstrip("/")
        return not base or path == base or path.startswith(base + "/")
    return re.search(value, path) is not None


def _headers_match(match: Mapping[str, Any], request: AlbRequest) -> bool:
    for header in match.get("headers") or []:
        value = request.headers.get(str(header["name"]).lower())
        if value is None:
            return False
        if header.get("type", "Exact") == "Exact":
            if value.lower() != str(header["value"]).lower():  # ALB compares header values in any case
                return False
        elif re.fullmatch(str(header["value"]), value, re.IGNORECASE) is None:
            return False
    return True


def _rule_configs(documents: Iterable[Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {
        (str((o.get("metadata") or {}).get("namespace") or "default"), str((o.get("metadata") or {}).get("name"))): (
            o.get("spec") or {}
        )
        for o in objects(list(documents))
        if o.get("kind") == "ListenerRuleConfiguration"
    }


def _rewrite(modifier: Mapping[str, Any], match: Mapping[str, Any], uri: str) -> str:
    if modifier.get("type") == "ReplaceFullPath":
        _, sep, query = uri.partition("?")
        return str(modifier["replaceFullPath"]) + (sep + query if sep else "")
    prefix = str((match.get("path") or {}).get("value", "/"))
    replacement = str(modifier.get("replacePrefixMatch") or "")
    if not replacement:
        replacement = "/"
    found = re.search(f"(^{prefix}(/)?)", uri)
    if found is None:
        return uri
    new = replacement if replacement.endswith("/") else replacement + (found.group(2) or "")
    return uri[: found.start()] + new + uri[found.end() :]


def gateway_route(
    documents: list[Any], request: AlbRequest, created: Mapping[str, int] | None = None
) -> AlbOutcome | None:
    """What the Gateway's ALB does with ``request``; None is the listener's default (404). ``created``: as for
    ``sorted_rules``."""
    configs = _rule_configs(documents)
    path = request.path.partition("?")[0]
    for entry in sorted_rules(documents, created):
        if entry.hostname and re.fullmatch(wildcard_regex(entry.hostname), request.host, re.IGNORECASE) is None:
            continue
        if not _path_matches(entry.match, path) or not _headers_match(entry.match, request):
            continue
        filters = [f for f in entry.rule.get("filters") or [] if isinstance(f, Mapping)]
        extension: Mapping[str, Any] = {}
        for item in filters:
            if item.get("type") == "ExtensionRef":
                extension = configs.get((entry.namespace, str(item["extensionRef"]["name"])), {})
        if not _source_ip_matches(extension, request):
            continue
        upstream = request.path
        for item in filters:
            if item.get("type") == "URLRewrite" and (item.get("urlRewrite") or {}).get("path"):
                upstream = _rewrite(item["urlRewrite"]["path"], entry.match, upstream)
            if item.get("type") == "RequestRedirect":
                return AlbOutcome("redirect", redirect=dict(item.get("requestRedirect") or {}))
        for action in extension.get("actions") or []:
            if action.get("type") == "fixed-response":
                return AlbOutcome("fixed-response", redirect=dict(action.get("fixedResponseConfig") or {}))
        refs = entry.rule.get("backendRefs") or []
        targets = tuple((str(r["name"]), int(r.get("weight", 1))) for r in refs)
        return AlbOutcome("forward", targets, upstream)
    return None


def _source_ip_matches(extension: Mapping[str, Any], request: AlbRequest) -> bool:
    for condition in extension.get("conditions") or []:
        if condition.get("field") == "source-ip":
            address = ipaddress.ip_address(request.source_ip)
            values = condition.get("sourceIPConfig", {}).get("values") or []
            if not any(address in ipaddress.ip_network(v) for v in values):
                return False
    return True
