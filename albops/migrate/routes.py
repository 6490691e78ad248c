"""How a request is routed: by ingress-nginx (its locations) and by an ALB (the controller's rules).

``migrate`` promises the same backend and the same upstream path for every request path the original
Ingresses routed. This module states both sides precisely enough to check that promise:

- ``nginx_blocks``/``nginx_route`` follow ingress-nginx v1.15's controller: locations sorted by path
  length then path (descending), a Prefix path (ImplementationSpecific is one: ``nginx_path_type``)
  expanded to ``path/`` plus an exact ``= path``, nginx's 301 to ``path/`` (``auto_redirects``), and on a
  host where any Ingress uses ``rewrite-target`` or ``use-regex`` every location becomes
  ``~* "^path"`` (case-insensitive, anchored at the start only, first match in order wins) with
  ``rewrite "(?i)path" target break;`` replacing the whole URI;
- ``alb_route`` reads converted ALB Ingresses the way the controller turns them into listener rules
  (group order, then namespace/name; rules and paths in order; Exact, Prefix, wildcard and regex path
  conditions; ``actions``, ``conditions`` and ``transforms`` annotations).

Tests drive both with generated requests, and a real nginx checks the first.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from albingress.facts import alb_limits
from albingress.facts.go_values import GO_TRUE, go_bool
from albingress.policies.app_checks import parse_group_order
from albingress.policies.review import read_listen_ports
from albingress.policies.validation.controller import condition_value_count, read_conditions, rule_condition_values
from albingress.policies.validation.controller import rule_wildcards as rule_wildcards

NGINX = "nginx.ingress.kubernetes.io/"
ALB = "alb.ingress.kubernetes.io/"
# `$1`..`$9` in an ingress-nginx rewrite target: nginx reads one digit after `$`.
CAPTURE_REF = re.compile(r"\$([0-9])")
# What a rewrite target may hold to be carried over: a path with capture references and nothing nginx
# would read as a variable, a query or a redirect.
SAFE_TARGET = re.compile(r"/(?:[A-Za-z0-9._~/-]|\$[1-9](?![0-9]))*")


@dataclass(frozen=True, slots=True)
class Location:
    """One path of one ingress-nginx Ingress, with what its Ingress says about rewriting."""

    ingress: str  # namespace/name
    host: str  # "" for a rule without a host
    path: str
    path_type: str  # Exact | Prefix | ImplementationSpecific
    service: str
    port: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    rewrite: str | None = None  # the Ingress's rewrite-target
    use_regex: bool = False  # the Ingress's use-regex

    @property
    def needs_rewrite(self) -> bool:
        return bool(self.rewrite) and self.rewrite != self.path


@dataclass(frozen=True, slots=True)
class Block:
    """One nginx ``location`` block: ``modifier`` is ``=`` (exact), ``""`` (prefix) or ``~*`` (regex)."""

    modifier: str
    path: str
    location: Location


def nginx_path_type(path_type: str) -> str:
    """The path type ingress-nginx routes by: it stores ImplementationSpecific (and a missing pathType) as
    Prefix (SetDefaultNGINXPathType, internal/k8s/main.go l. 164-183 at controller-v1.15.1, called as each
    Ingress is stored, store.go l. 947), so such a path is a Prefix path there, with its exact twin."""
    return "Exact" if path_type == "Exact" else "Prefix"


def regex_host(locations: Iterable[Location]) -> bool:
    """ingress-nginx's enforceRegexModifier: one rewrite or use-regex makes the whole host regex."""
    return any(loc.needs_rewrite or loc.use_regex for loc in locations)


def nginx_blocks(locations: list[Location]) -> list[Block]:
    """The location blocks ingress-nginx writes for one host, in the order it writes them."""
    ordered = sorted(locations, key=lambda loc: loc.path, reverse=True)
    ordered.sort(key=lambda loc: len(loc.path), reverse=True)
    exact_paths = {loc.path for loc in ordered if loc.path_type == "Exact"}
    expanded: list[tuple[str, str, Location]] = []  # (pathType, path, location)
    for loc in ordered:
        if loc.path == "/" or nginx_path_type(loc.path_type) != "Prefix" or loc.needs_rewrite or loc.use_regex:
            expanded.append((loc.path_type, loc.path, loc))
            continue
        normalized = loc.path if loc.path.endswith("/") else loc.path + "/"
        expanded.append(("Prefix", normalized, loc))
        if loc.path not in exact_paths:
            expanded.append(("Exact", loc.path, loc))
    if regex_host(locations):
        return [Block("~*", path, loc) for _, path, loc in expanded]
    return [Block("=" if kind == "Exact" else "", path, loc) for kind, path, loc in expanded]


def rewrite_uri(block: Block, uri: str) -> str:
    """The URI nginx sends upstream once ``block`` matched ``uri``."""
    loc = block.location
    if block.modifier != "~*" or not loc.needs_rewrite or loc.rewrite is None:
        return uri
    match = re.search(posix_classes(block.path) or block.path, uri, re.IGNORECASE)
    if match is None:  # nginx leaves the URI alone when its rewrite regex does not match
        return uri
    return _expand(match, loc.rewrite)


def _expand(match: re.Match[str], template: str) -> str:
    return CAPTURE_REF.sub(lambda m: _group(match, int(m.group(1))), template)


# PCRE's POSIX bracket classes (pcre2pattern "POSIX CHARACTER CLASSES"), which nginx's regexes take and neither
# Python's re (the model) nor, as far as AWS documents, ALB regexes do: written as the ranges they stand for
# (ASCII, as PCRE without UCP). Those with no short range form are not converted.
POSIX_CLASSES = {
    "alnum": "A-Za-z0-9",
    "alpha": "A-Za-z",
    "digit": "0-9",
    "xdigit": "0-9A-Fa-f",
    "lower": "a-z",
    "upper": "A-Z",
    "word": "A-Za-z0-9_",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
}
_POSIX = re.compile(r"\[:(\^?)([a-z]+):\]")


def posix_classes(regex: str) -> str | None:
    """``regex`` with each POSIX class inside a bracket expression written as its ranges, or None for one that has
    no range form here (negated, or cntrl, graph, print, punct, ascii)."""
    if "[:" not in regex:
        return regex
    unknown = False

    def one(match: re.Match[str]) -> str:
        nonlocal unknown
        ranges = POSIX_CLASSES.get(match.group(2))
        if ranges is None or match.group(1):
            unknown = True
            return match.group(0)
        return ranges

    out = _POSIX.sub(one, regex)
    return None if unknown else out


def _group(match: re.Match[str], number: int) -> str:
    """A capture as nginx substitutes it: an unset or missing group is empty."""
    if number == 0 or number > (match.re.groups or 0):
        return ""
    return match.group(number) or ""


def nginx_route(blocks: list[Block], uri: str) -> tuple[Location, str] | None:
    """The location ingress-nginx picks for ``uri`` and the upstream URI; None is its default backend.

    Locations and rewrites see the path only (nginx's ``$uri``); a rewrite whose target has no ``?``
    keeps the request's query (nginx appends ``$args``), and without a rewrite the URI goes up as sent.
    """
    path, _, query = uri.partition("?")
    exact = [b for b in blocks if b.modifier == "=" and b.path == path]
    if exact:
        return exact[0].location, uri
    prefixes = [b for b in blocks if b.modifier == "" and path.startswith(b.path)]
    best = max(prefixes, key=lambda b: len(b.path), default=None)
    for block in blocks:
        if block.modifier == "~*" and re.match(posix_classes(block.path) or block.path, path, re.IGNORECASE):
            if not block.location.needs_rewrite:
                return block.location, uri
            return block.location, rewrite_uri(block, path) + (f"?{query}" if query else "")
    return (best.location, uri) if best else None


def auto_redirects(blocks: list[Block]) -> list[tuple[str, Block]]:
    """(path, block): the request paths nginx answers with a 301 to ``block``'s name, that path plus '/'.

    nginx sets ``auto_redirect`` on a location whose name ends with '/' and whose requests go to proxy_pass
    (or grpc_pass, fastcgi_pass, ...: ngx_http_proxy_pass in ngx_http_proxy_module.c of nginx release-1.27.1,
    the version ingress-nginx controller-v1.15.1 builds, images/nginx/rootfs/build.sh l. 21); every
    ingress-nginx location has one (nginx.tmpl l. 1421, buildProxyPass), a redirect's ``return`` (l. 1418)
    included. The static location tree then answers a URI equal to that name without its '/' with a 301
    to the name, the query appended (ngx_http_core_find_static_location, ngx_http_core_find_config_phase in
    ngx_http_core_module.c), before any regex location and before the location's own directives, unless an
    exact or prefix location has that URI as its name. The exact ``= /x/`` twin of a Prefix ``/x/`` sets it
    too (ngx_http.c ngx_http_create_locations_tree takes either). A regex host (``~*`` only) has none.
    """
    names = {b.path for b in blocks if b.modifier != "~*"}
    out: list[tuple[str, Block]] = []
    for block in blocks:
        path = block.path[:-1]
        if block.modifier == "~*" or not path or not block.path.endswith("/") or path in names:
            continue
        names.add(path)  # one redirect per path, from the first block that names it
        out.append((path, block))
    return out


def nginx_auto_redirect(blocks: list[Block], uri: str) -> str | None:
    """The Location nginx's auto_redirect answers ``uri`` with (a path and the query), or None."""
    path, _, query = uri.partition("?")
    for redirected, block in auto_redirects(blocks):
        if redirected == path:
            return block.path + (f"?{query}" if query else "")
    return None


# --- the ALB side -------------------------------------------------------------------------------


def wildcard_regex(pattern: str) -> str:
    """An ALB wildcard value (host, path, header) as a regex: ``*`` is any run of characters, ``?`` exactly one.

    Kept per pattern: the models match every rule's values against every request, the same few patterns
    over and over (a value of another type, from an annotation written by anyone, is worked out each time)."""
    return _wildcard_regex(pattern) if isinstance(pattern, str) else _wildcard_text(pattern)


@functools.lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str) -> str:
    return _wildcard_text(pattern)


def _wildcard_text(pattern: Iterable[str]) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z"


def path_matches(path: Mapping[str, Any], regex_paths: bool, uri: str) -> bool:
    """Whether one Ingress path's ALB condition matches ``uri``, as the controller builds it."""
    if not path.get("path"):  # an empty path gives no path condition at all (buildRuleConditions, v3.5.0)
        return True
    value = str(path.get("path") or "/")
    kind = path.get("pathType", "ImplementationSpecific")
    if kind == "Exact":
        return uri == value
    if kind == "Prefix":
        if value == "/":
            return True
        base = value.rstrip("/")
        return uri == base or uri.startswith(base + "/")
    if regex_paths:  # use-regex-path-match: the value minus its leading "/" is the regex
        return re.search(value[1:], uri) is not None
    return re.match(wildcard_regex(value), uri) is not None


def _apply_transform(transforms: list[dict[str, Any]], uri: str) -> str:
    """A url-rewrite transform: its regex is matched against the path and the query together."""
    for transform in transforms:
        if transform.get("type") != "url-rewrite":
            continue
        for rule in transform["urlRewriteConfig"]["rewrites"]:
            found = re.search(rule["regex"], uri)
            if found:
                return uri[: found.start()] + _expand(found, rule["replace"]) + uri[found.end() :]
    return uri


@dataclass(frozen=True)
class AlbRequest:
    host: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    source_ip: str = "203.0.113.10"


@dataclass(frozen=True)
class AlbOutcome:
    """What the ALB does: forward (weighted services), redirect, or fixed response."""

    kind: str  # forward | redirect | fixed-response
    targets: tuple[tuple[str, int], ...] = ()  # (service, weight)
    upstream: str = ""
    redirect: Mapping[str, str] = field(default_factory=dict)


def _conditions_match(conditions: list[dict[str, Any]], request: AlbRequest) -> bool:
    for condition in conditions:
        kind = condition.get("field")
        if kind == "http-header":
            config = condition["httpHeaderConfig"]
            value = request.headers.get(config["httpHeaderName"].lower())
            if value is None:
                return False
            if "regexValues" in config:
                if not any(re.search(v, value) for v in config["regexValues"]):
                    return False
            elif not any(re.fullmatch(wildcard_regex(v), value, re.I) for v in config["values"]):
                return False
        elif kind == "host-header":
            config = condition["hostHeaderConfig"]
            if "regexValues" in config:
                found = any(re.search(v, request.host) for v in config["regexValues"])
            else:
                found = any(re.fullmatch(wildcard_regex(v), request.host, re.I) for v in config["values"])
            if not found:
                return False
        elif kind == "source-ip":
            address = ipaddress.ip_address(request.source_ip)
            if not any(address in ipaddress.ip_network(v) for v in condition["sourceIpConfig"]["values"]):
                return False
        else:
            raise ValueError(f"condition {kind!r} is not modelled")
    return True


def _host_matches(rule_host: str, host: str) -> bool:
    if not rule_host:
        return True
    return re.fullmatch(wildcard_regex(rule_host), host, re.I) is not None


def group_members(ingresses: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """ALB Ingresses in the order the controller merges their rules: group.order, then namespace/name."""

    def key(ing: Mapping[str, Any]) -> tuple[int, str]:
        meta = ing.get("metadata") or {}
        return evaluation_key(meta.get("annotations") or {}, f"{meta.get('namespace', 'default')}/{meta.get('name')}")

    return sorted(ingresses, key=key)


def evaluation_key(annotations: Mapping[str, Any], name: str) -> tuple[int, str]:
    """Where the controller puts an Ingress among its group's (sortGroupMembers): group.order as it reads it (Go's
    ParseInt, -1000..1000; a value it refuses counts as 0 here, and the validator says the group stops), then
    ``namespace/name``."""
    order, _ = parse_group_order(str(annotations.get(ALB + "group.order", "0")))
    return order, name


# An ALB rule holds at most 5 condition values in all (host, path, header, query, method and source-ip
# values together); the controller neither counts nor splits, and CreateRule fails for the whole group.
RULE_CONDITION_VALUES = 5


def alb_conditions(annotations: Mapping[str, Any], name: str) -> list[Mapping[str, Any]] | None:
    """The conditions.<name> annotation as the controller reads it (Go's JSON): its conditions, [] when there is
    none, None when the controller refuses it (not JSON, not a list of objects). The objects are shared: read
    them, never change them."""
    raw = annotations.get(ALB + f"conditions.{name}")
    if raw is None:
        return []
    read = read_conditions(str(raw))
    return None if read is None else list(read)


def condition_values(annotations: Mapping[str, Any], host: str, path: Mapping[str, Any]) -> int:
    """How many condition values the rule the controller builds for ``path`` of a ``host`` rule holds: its
    conditions.<backend> annotation read as the controller reads it (Go's JSON, field names without case) and
    counted as the validator counts the rule (rule_condition_values). An annotation the controller refuses
    counts no value here: the validator names it."""
    backend = ((path.get("backend") or {}).get("service")) or {}
    raw = annotations.get(ALB + f"conditions.{backend.get('name')}")
    regex_paths = str(annotations.get(ALB + "use-regex-path-match", "")) in GO_TRUE  # as the validator reads it
    return rule_condition_values(host, path, regex_paths, 0 if raw is None else _conditions_count(str(raw)))


@functools.lru_cache(maxsize=256)
def _conditions_count(raw: str) -> int:
    return sum(condition_value_count(c) for c in read_conditions(raw) or ())


# ...and at most 5 wildcards ('*' or '?') across its host and path values (ELB quotas, "Wildcards per rule"),
# counted as the validator counts them (rule_wildcards, imported above).
RULE_WILDCARDS = alb_limits.WILDCARDS_PER_RULE


def controller_order(paths: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One Ingress rule's paths in the order the controller makes rules of them (v3.5.0, sortIngressPaths
    in pkg/ingress/model_build_listener_rules.go): Exact first, then Prefix by length, longest first,
    then ImplementationSpecific (or no pathType) in the order written; both sorts are stable."""
    listed = list(paths)
    exact = [p for p in listed if p.get("pathType") == "Exact"]
    prefix = sorted((p for p in listed if p.get("pathType") == "Prefix"), key=lambda p: -len(str(p.get("path", ""))))
    rest = [p for p in listed if p.get("pathType") not in ("Exact", "Prefix")]
    return [*exact, *prefix, *rest]


def alb_route(ingresses: Iterable[Mapping[str, Any]], request: AlbRequest) -> AlbOutcome | None:
    """The first listener rule of the group that matches; None is the listener's default action."""
    for ing in group_members(ingresses):
        annotations = (ing.get("metadata") or {}).get("annotations") or {}
        regex_paths = _regex_path_match(annotations)
        for rule in (ing.get("spec") or {}).get("rules") or []:
            if not _host_matches(str(rule.get("host") or ""), request.host):
                continue
            for path in controller_order((rule.get("http") or {}).get("paths") or []):
                # Path conditions compare the path only, never the query string.
                if not path_matches(path, regex_paths, request.path.partition("?")[0]):
                    continue
                backend = path["backend"]["service"]
                name = str(backend["name"])
                conditions = json.loads(annotations.get(ALB + f"conditions.{name}", "[]"))
                if not _conditions_match(conditions, request):
                    continue
                transforms = json.loads(annotations.get(ALB + f"transforms.{name}", "[]"))
                upstream = _apply_transform(transforms, request.path)
                if backend.get("port", {}).get("name") != "use-annotation":
                    return AlbOutcome("forward", ((name, 1),), upstream)
                action = json.loads(annotations[ALB + f"actions.{name}"])
                if action["type"] == "forward":
                    groups = action["forwardConfig"]["targetGroups"]
                    targets = tuple((str(g["serviceName"]), int(g.get("weight", 1))) for g in groups)
                    return AlbOutcome("forward", targets, upstream)
                if action["type"] == "redirect":
                    return AlbOutcome("redirect", redirect=dict(action["redirectConfig"]))
                return AlbOutcome("fixed-response", redirect=dict(action.get("fixedResponseConfig", {})))
    return None


# --- the controller's listener rules, written out -----------------------------------------------


@dataclass(frozen=True)
class ListenerRule:
    """One listener rule as the controller (v3.5.0) creates it: priority, conditions, action, transforms.

    ``conditions`` are in the controller's order (pkg/ingress/model_build_listener_rules.go buildRuleConditions):
    the ``conditions.<name>`` annotation's header, method, query and source-ip conditions as written, then
    ``host-header`` values (the rule's host first), ``host-header`` regexValues, ``path-pattern`` values,
    ``path-pattern`` regexValues, and ``path-pattern /*`` when there is none at all.
    """

    priority: int
    ingress: str  # namespace/name
    conditions: tuple[Mapping[str, Any], ...]
    action: Mapping[str, Any]
    transforms: tuple[Mapping[str, Any], ...] = ()


def path_patterns(path: Mapping[str, Any], regex_paths: bool) -> tuple[list[str], list[str]]:
    """(values, regexValues) the controller makes of one Ingress path (buildPathPatterns, v3.5.0).

    Prefix ``/`` is ``/*``; Prefix ``/x`` or ``/x/`` is ``/x`` and ``/x/*`` (one trailing ``/`` trimmed);
    Exact is the path; ImplementationSpecific is the path as written, or with use-regex-path-match the path
    minus its leading ``/`` as a regex; an empty path gives no path condition. Paths with ``*`` or ``?`` in
    Exact or Prefix are refused by the controller (ValueError here).
    """
    value = str(path.get("path") or "")
    if not value:
        return [], []
    kind = path.get("pathType") or "ImplementationSpecific"
    if kind == "ImplementationSpecific":
        return ([], [value[1:]]) if regex_paths else ([value], [])
    if kind == "Exact":
        if "*" in value or "?" in value:
            raise ValueError(f"exact path shouldn't contain wildcards: {value}")
        return [value], []
    if kind == "Prefix":
        if value == "/":
            return ["/*"], []
        if "*" in value or "?" in value:
            raise ValueError(f"prefix path shouldn't contain wildcards: {value}")
        base = value.removesuffix("/")
        return [base, base + "/*"], []
    raise ValueError(f"unknown pathType for path {value}")


def listen_ports(annotations: Mapping[str, Any]) -> dict[int, str]:
    """An Ingress's listen ports as the controller computes them (computeIngressListenPorts): the annotation,
    read by the guardrails' one reader, else HTTPS 443 with an explicit certificate-arn, else HTTP 80 (spec.tls
    opens no HTTPS listener: its hosts only feed certificate discovery). A value the controller refuses stops
    the group: a ValueError naming it."""
    raw = annotations.get(ALB + "listen-ports")
    if raw is None:
        explicit = any(arn.strip() for arn in str(annotations.get(ALB + "certificate-arn") or "").split(","))
        return {443: "HTTPS"} if explicit else {80: "HTTP"}
    found = read_listen_ports(str(raw))
    if isinstance(found, str):
        raise ValueError(f"{ALB}listen-ports: {found}")
    return dict(found)


def _listen_ports(ing: Mapping[str, Any]) -> dict[int, str]:
    return listen_ports((ing.get("metadata") or {}).get("annotations") or {})


def _regex_path_match(annotations: Mapping[str, Any]) -> bool:
    """use-regex-path-match as the controller reads it (ParseBoolAnnotation: Go strconv.ParseBool); a value
    ParseBool refuses is an error that stops the group, a ValueError here."""
    raw = annotations.get(ALB + "use-regex-path-match")
    if raw is None:
        return False
    parsed = go_bool(str(raw))
    if parsed is None:
        raise ValueError(f"failed to parse bool annotation {ALB}use-regex-path-match: {raw}")
    return parsed


def listener_rules(ingresses: Iterable[Mapping[str, Any]], port: int) -> list[ListenerRule]:
    """The rules the controller creates on one listener of a group: members in group order, each rule of each
    member in spec order, its paths in controller_order, priorities from 1. An HTTP listener of a group with
    ssl-redirect has none (buildListenerRules returns early; the listener's default action redirects)."""
    members = [ing for ing in group_members(ingresses) if port in _listen_ports(ing)]
    if not members:
        return []
    annotated = [((m.get("metadata") or {}).get("annotations") or {}) for m in members]
    if _listen_ports(members[0])[port] == "HTTP" and any(ALB + "ssl-redirect" in a for a in annotated):
        return []
    rules: list[ListenerRule] = []
    for ing, notes in zip(members, annotated, strict=True):
        meta = ing.get("metadata") or {}
        name = f"{meta.get('namespace', 'default')}/{meta.get('name')}"
        regex_paths = _regex_path_match(notes)
        for rule in (ing.get("spec") or {}).get("rules") or []:
            if not rule.get("http"):
                continue
            for path in controller_order(rule["http"].get("paths") or []):
                backend = path["backend"]["service"]
                service = str(backend["name"])
                extra = json.loads(str(notes.get(ALB + f"conditions.{service}", "[]")))
                hosts = [str(rule["host"])] if rule.get("host") else []
                host_regexes: list[str] = []
                values, regexes = path_patterns(path, regex_paths)
                conditions: list[Mapping[str, Any]] = []
                for condition in extra:
                    if condition.get("field") == "host-header":
                        hosts += condition["hostHeaderConfig"].get("values") or []
                        host_regexes += condition["hostHeaderConfig"].get("regexValues") or []
                    elif condition.get("field") == "path-pattern":
                        values += condition["pathPatternConfig"].get("values") or []
                        regexes += condition["pathPatternConfig"].get("regexValues") or []
                    else:
                        conditions.append(condition)
                if hosts and host_regexes:
                    raise ValueError(
                        f"ingress: {name}: host condition must specify exactly one of Values and RegexValues"
                    )
                if values and regexes:
                    raise ValueError(
                        f"ingress: {name}: path condition must specify exactly one of Values and RegexValues"
                    )
                for field_name, key, items in (
                    ("host-header", "values", hosts),
                    ("host-header", "regexValues", host_regexes),
                    ("path-pattern", "values", values),
                    ("path-pattern", "regexValues", regexes),
                ):
                    if items:
                        conditions.append({"field": field_name, key: items})
                if not conditions:
                    conditions.append({"field": "path-pattern", "values": ["/*"]})
                if backend.get("port", {}).get("name") == "use-annotation":
                    action = json.loads(str(notes[ALB + f"actions.{service}"]))
                else:
                    target = {
                        "serviceName": service,
                        "servicePort": backend["port"].get("number", backend["port"].get("name")),
                    }
                    action = {"type": "forward", "forwardConfig": {"targetGroups": [target]}}
                transforms = json.loads(str(notes.get(ALB + f"transforms.{service}", "[]")))
                rules.append(ListenerRule(len(rules) + 1, name, tuple(conditions), action, tuple(transforms)))
    return rules
