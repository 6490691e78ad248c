"""``migrate --to gateway``: the converted ALB Ingress groups as Gateway API objects for the same controller.

The Ingress target already holds every decision (nginx's order, regex paths, canaries, redirects, source-IP
conditions, group-wide settings), in the order the controller makes ALB rules of them (``routes.alb_route``).
This module writes that order as Gateway API: one ``Gateway`` per ALB group (or the one named by
``--gateway NAMESPACE/NAME``), with a ``LoadBalancerConfiguration`` for what the group's annotations carried;
one ``HTTPRoute`` per namespace and host, whose rules follow the Ingress group's rule order; a
``TargetGroupConfiguration`` per backend Service; and ``ListenerRuleConfiguration``s for what only they
express (fixed responses, source-IP conditions).

The controller does not keep a route's rule order: it sorts every rule of a Gateway by its precedence
(``pkg/gateway/routeutils/route_rule_precedence.go`` at v3.5.0: hostname specificity, path type Exact >
PathPrefix > RegularExpression, path length, method, header count, query count, then route age,
namespace/name, rule index and match index). Route age is unknown until the routes exist, so each host gets
one route and the rule index decides among equals; where the precedence would try two overlapping rules in
the other order than ingress-nginx, the report says so (approximated), so an exact report still means the
Gateway routes every request as ingress-nginx did.

Limits and protections: a route over Gateway API's limits is split (``route_split``: rules that could tie in
the controller's precedence stay in one route, so the same rule answers every request), backend weights are
scaled within the controller's 999, and an Ingress whose protection the Gateway output cannot keep (its
allow-list with ``--gateway``, an ALB protection no object here writes) is held back (``held_protections``).

Rewrites: Gateway API has ``URLRewrite`` with ``ReplacePrefixMatch`` (on a ``PathPrefix`` match only) or
``ReplaceFullPath``. ingress-nginx's capture-group prefix strip (``/api(/|$)(.*)`` to ``/$2``) becomes
``PathPrefix /api`` with ``ReplacePrefixMatch: /``, and a target without groups replaces the whole path
(``ReplaceFullPath``, the query kept, as nginx keeps it); a PathPrefix match is case-sensitive where nginx's regex
location was not (approximated, reported), and the controller writes the prefix into a regex unescaped, so a
prefix with regex metacharacters is refused. Any other ``$N`` rewrite is not converted, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from albingress.components.app.gateway import unescaped_regex_problem
from albingress.facts import alb_limits
from albingress.facts.gateway_api import (
    ALB_GATEWAY_CONTROLLER,
    AWS_GATEWAY_GROUP,
    AWS_GATEWAY_VERSION,
    GATEWAY_API_GROUP,
    GATEWAY_API_VERSION,
)
from albingress.facts.go_values import go_json_field, go_json_loads, too_deep
from albingress.policies.validation.controller import CONDITION_CONFIGS, condition_problems
from albops.migrate.planning import AlbPath, overlap, overlap_candidates, regex_literal
from albops.migrate.protection import HSTS_ATTRIBUTE
from albops.migrate.reading import Options, Source, objects
from albops.migrate.report import Report
from albops.migrate.route_split import rule_problems, scale_weights, split_name, split_route
from albops.migrate.routes import ALB, controller_order, group_members, listen_ports

__all__ = ["ALB_GATEWAY_CONTROLLER", "to_gateway"]

# The annotations of the Ingress target this module carries over; anything else found on a converted
# Ingress is reported as not converted.
_CARRIED = {
    "group.name",
    "group.order",
    "scheme",
    "target-type",
    "listen-ports",
    "ssl-redirect",
    "ssl-policy",
    "certificate-arn",
    "load-balancer-attributes",
    "target-group-attributes",
    "inbound-cidrs",
    "backend-protocol",
    "backend-protocol-version",
    "use-regex-path-match",
}
_PER_NAME = ("actions.", "conditions.", "transforms.")
# Carried per listen port: listener-attributes.HTTPS-<port> (written on the Gateway's own listeners; with
# --gateway there are none to write, and _unknown_annotations reports it).
_PER_PORT = "listener-attributes.HTTPS-"
# ALB annotations that protect (what the Ingress target may carry a protection as) and what the Gateway
# objects of the controller v3.5.0 have for them (apis/gateway/v1: loadbalancerconfig_types.go wafV2,
# shieldConfiguration, securityGroups, mutualAuthentication; listenerruleconfig_types.go authenticate-* and
# jwt-validation actions). Only the WAF ACL is written here (the group's LoadBalancerConfiguration wafV2);
# any other, or the WAF ACL with --gateway, holds the Ingress back: a protection is never dropped as "not
# converted".
_PROTECTIVE = {
    "wafv2-acl-arn": "the Gateway's LoadBalancerConfiguration wafV2.webACL",
    "waf-acl-id": "a WAFv2 web ACL as the Gateway's LoadBalancerConfiguration wafV2.webACL (WAF Classic is gone)",
    "shield-advanced-protection": "the Gateway's LoadBalancerConfiguration shieldConfiguration",
    "security-groups": "the Gateway's LoadBalancerConfiguration securityGroups",
    "mutual-authentication": "the Gateway's LoadBalancerConfiguration listenerConfigurations mutualAuthentication",
    "auth-type": "a ListenerRuleConfiguration authenticate-cognito or authenticate-oidc action on the rules",
    "jwt-validation": "a ListenerRuleConfiguration jwt-validation action on the rules",
}
# ...and its near form <literal prefix>/(.*) to /$1, which needs the '/' after the prefix.
_SLASH_STRIP = re.compile(r"\^?(?P<prefix>(?:/[^/()\[\]{}|^$*+?\\]+)+)/\(\.\*\)")


def _effective_target(path: str, target: str | None) -> str | None:
    """The rewrite target as nginx applies it: a reference to a group the path does not have is empty."""
    if target is None:
        return None
    try:
        groups = re.compile(path).groups
    except re.error:
        return target
    return re.sub(r"\$([1-9])", lambda m: m.group(0) if int(m.group(1)) <= groups else "", target)


# What an Exact or PathPrefix value may hold (the HTTPRoute CRD's pattern for those types).
_PATH_CHARACTERS = re.compile(r"(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+")
# A rewrite target that is a plain absolute path (what ReplaceFullPath takes).
_FULL_PATH = re.compile(r"/[A-Za-z0-9._~!&'()*+,;=:@%/-]*")
# ingress-nginx's capture-group prefix strip: <literal prefix>(/|$)(.*) rewritten to /$2.
_PREFIX_STRIP = re.compile(r"\^?(?P<prefix>(?:/[^/()\[\]{}|^$*+?\\]+)+)\(/\|\$\)\(\.\*\)")


@dataclass
class _Rule:
    """One HTTPRoute rule being built, with the planned ALB path it came from (for the overlap checks)."""

    rule: dict[str, Any]
    alb: AlbPath | None
    label: str


@dataclass
class _Route:
    namespace: str
    host: str
    rules: list[_Rule] = field(default_factory=list)


@dataclass
class _Group:
    name: str
    sources: list[Source]
    gateway_namespace: str
    gateway_name: str
    sections: tuple[str, ...] | None  # None: every listener (attached by name only)
    # With --gateway, the HTTPS port its routes attach to (parentRef port) where ingress-nginx redirected to
    # HTTPS: never that Gateway's plain-HTTP listeners. None: every listener.
    port: int | None = None


def _object_name(host: str) -> str:
    """A route's name from its host: host names are valid object names; a wildcard and no host are spelt. A
    253-character wildcard host is longer once spelt: cut back, never ending in '-' or '.' (DNS-1123)."""
    if not host:
        return "any-host"
    return split_name(host.replace("*", "wildcard"), 0)


class _UnreadableError(ValueError):
    """An ALB annotation of the input that is not JSON the controller reads (it refuses the Ingress)."""


def _json(annotations: Mapping[str, Any], key: str, default: Any) -> Any:
    raw = annotations.get(ALB + key)
    if raw is None:
        return default
    try:
        return go_json_loads(str(raw))  # refuses past JSON_DEPTH_READ too
    except ValueError:
        deep = too_deep(str(raw))
        raise _UnreadableError(f"{ALB}{key} {deep}" if deep else f"{ALB}{key} is not JSON") from None


_HEADER_NAME = re.compile(alb_limits.HTTP_TOKEN)


def _go_strings(value: object) -> list[str] | None:
    """A Go []string field: null or absent is empty; anything but a list of strings fails Unmarshal (None)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return list(value)


def _read_conditions(raw: object, key: str) -> list[dict[str, Any]]:
    """``conditions.<name>`` as the controller reads it (Go's json.Unmarshal into []RuleCondition: field names
    matched without case, the last of a repeated one winning; then RuleCondition.Validate, v3.5.0
    pkg/ingress/config_types.go), as plain {field, header, values, regexValues}; _UnreadableError where the
    controller refuses the Ingress for it."""
    if raw is None:
        return []  # JSON null: no conditions
    problems = condition_problems(raw)
    if problems:
        raise _UnreadableError(f"{ALB}{key}: {problems[0][0]}")
    found: list[dict[str, Any]] = []
    for index, condition in enumerate(raw if isinstance(raw, list) else []):
        if condition is None:  # a zero RuleCondition (no field): the controller passes over it
            continue
        field = str(go_json_field(condition, "field"))
        config = go_json_field(condition, CONDITION_CONFIGS.get(field, ""))
        if field == "query-string":  # key/value pairs, and no route counterpart: _rule leaves it out
            found.append({"field": field, "header": "", "values": [], "regexValues": []})
            continue
        values = _go_strings(go_json_field(config, "values"))
        regex = _go_strings(go_json_field(config, "regexValues"))
        if values is None or regex is None:
            raise _UnreadableError(f"{ALB}{key}: condition {index} ({field}): its values are not a list of strings")
        header = go_json_field(config, "httpHeaderName") if field == "http-header" else ""
        if not isinstance(header, str) or (field == "http-header" and not _HEADER_NAME.fullmatch(header)):
            # An HTTP token (RFC 9110), as the ALB and a route's HTTPHeaderName (Gateway API v1.6.0) take it.
            raise _UnreadableError(f"{ALB}{key}: condition {index} (http-header): {header!r} is not a header name")
        found.append({"field": field, "header": header, "values": values, "regexValues": regex})
    return found


def _string_map(value: str | None) -> list[dict[str, str]]:
    pairs = [part.split("=", 1) for part in (value or "").split(",") if "=" in part]
    return [{"key": k.strip(), "value": v.strip()} for k, v in pairs]


def _wildcard_regex(value: str) -> str:
    """An ALB wildcard value (``*``, ``?``) as an anchored regular expression."""
    return "^" + "".join(".*" if c == "*" else "." if c == "?" else regex_literal(c) for c in value) + "$"


def _port_number(port: Any, namespace: str, service: str, services: Mapping[Any, Any]) -> int | None:
    """A backend's port as a number (Gateway API refers to Service ports by number only): ``port`` is an
    Ingress backend's ``{number}`` or ``{name}``, or an action's ``servicePort`` (a number or a name)."""
    if isinstance(port, Mapping):
        port = port.get("number", port.get("name"))
    if isinstance(port, int) and not isinstance(port, bool):
        return port
    name = port
    for item in (services.get((namespace, service)) or {}).get("ports") or []:
        if isinstance(item, Mapping) and item.get("name") == name and isinstance(item.get("port"), int):
            return int(item["port"])
    return None


def _service_ports(documents: list[Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for obj in objects(documents):
        if obj.get("kind") == "Service" and isinstance(obj.get("spec"), dict):
            meta = obj.get("metadata") or {}
            found[str(meta.get("namespace") or "default"), str(meta.get("name"))] = obj["spec"]
    return found


class _Builder:
    """Builds the Gateway API objects of the converted groups, reporting what does not carry over."""

    def __init__(self, sources: list[Source], report: Report, options: Options, documents: list[Any]) -> None:
        self.report = report
        self.options = options
        self.services = _service_ports(documents)
        self.routes: dict[tuple[str, str, str], _Route] = {}  # (group, namespace, host)
        # Every rule of a group's host in the order ingress-nginx tries them, whichever route holds it.
        self.sequence: dict[tuple[str, str], list[tuple[str, _Rule]]] = {}
        self.rule_configs: dict[tuple[str, str], dict[str, Any]] = {}  # (namespace, name) -> spec
        self.target_configs: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}  # -> (first Ingress, spec)
        self.names: dict[str, set[str]] = {}  # namespace -> HTTPRoute names written
        self.wildcards: set[tuple[str, str]] = set()  # (Ingress, host or topic) already reported
        self.groups = self._groups(sources)

    # -- groups and Gateways ---------------------------------------------------------------------------
    def _groups(self, sources: list[Source]) -> list[_Group]:
        by_group: dict[str, list[Source]] = {}
        for source in sources:
            by_group.setdefault(str(source.annotations.get(ALB + "group.name", self.options.group)), []).append(source)
        groups = []
        for name, members in by_group.items():
            ordered = [
                s for ing in group_members([m.converted for m in members]) for s in members if s.converted is ing
            ]
            if self.options.gateway is not None:
                namespace, gateway = self.options.gateway
                https = next(
                    (s.annotations[ALB + "ssl-redirect"] for s in ordered if ALB + "ssl-redirect" in s.annotations),
                    None,
                )
                groups.append(_Group(name, ordered, namespace, gateway, None, None if https is None else int(https)))
                continue
            first = ordered[0].converted.get("metadata") or {}
            namespace = str(first.get("namespace") or "default")
            redirect = any(ALB + "ssl-redirect" in s.annotations for s in ordered)
            ports = self._listen_ports(ordered)
            protocols = ("HTTPS",) if redirect else ("HTTP", "HTTPS")
            sections = tuple(f"{p.lower()}-{port}" for p, port in ports if p in protocols)
            groups.append(_Group(name, ordered, namespace, name, sections))
        return groups

    @staticmethod
    def _listen_ports(sources: list[Source]) -> list[tuple[str, int]]:
        found: dict[tuple[str, int], None] = {}
        for source in sources:
            try:
                ports = listen_ports(source.annotations)
            except ValueError as error:
                raise _UnreadableError(str(error)) from None
            for port, protocol in ports.items():
                found[protocol, port] = None
        return list(found)

    def gateway_objects(self, group: _Group) -> list[dict[str, Any]]:
        """The Gateway, its LoadBalancerConfiguration and the HTTPS redirect route of one group."""
        if self.options.gateway is not None:
            self.report.add(
                "*",
                "gateway",
                "note",
                f"group {group.name!r} attaches to Gateway {group.gateway_namespace}/{group.gateway_name}: its "
                "scheme, certificates, TLS policy, attributes and HTTP->HTTPS redirect are that Gateway's (they are "
                "not written), and its listeners must admit the routes' namespaces",
            )
            for source in group.sources:
                if ALB + "ssl-redirect" in source.annotations:
                    # The controller honours a parentRef's port (v3.5.0 pkg/gateway/routeutils/
                    # route_listener_mapper.go attemptListenerRouteAttachment: a listener of another port is
                    # skipped), so the routes never attach to a plain-HTTP listener of that Gateway.
                    self.report.add(
                        source.name,
                        "ssl-redirect",
                        "approximated",
                        f"its routes attach only to the port-{group.port} listeners of Gateway "
                        f"{group.gateway_namespace}/{group.gateway_name} (parentRef port {group.port}), never plain "
                        "HTTP; the redirect of plain HTTP to HTTPS is that Gateway's: make sure its HTTP listeners "
                        f"redirect, and that it listens with HTTPS on {group.port} (else the routes attach nowhere)",
                    )
            return []
        sources = group.sources
        ports = self._listen_ports(sources)
        namespaces = sorted({str((s.converted.get("metadata") or {}).get("namespace") or "default") for s in sources})
        redirect = next(
            (s.annotations[ALB + "ssl-redirect"] for s in sources if ALB + "ssl-redirect" in s.annotations), None
        )
        meta = {"name": group.gateway_name, "namespace": group.gateway_namespace}
        others = sorted(set(namespaces) - {group.gateway_namespace})
        if others:
            self.report.add(
                "*",
                "gateway",
                "note",
                f"Gateway {group.gateway_namespace}/{group.gateway_name} (group {group.name!r}) admits routes from "
                f"{', '.join(namespaces)} (allowedRoutes), where any namespace could join an Ingress group",
            )

        def admitted(protocol: str) -> dict[str, Any]:
            if not others or (protocol == "HTTP" and redirect is not None):
                spec: dict[str, Any] = {"from": "Same"}
            else:
                expression = {"key": "kubernetes.io/metadata.name", "operator": "In", "values": namespaces}
                spec = {"from": "Selector", "selector": {"matchExpressions": [expression]}}
            return {"namespaces": spec, "kinds": [{"group": GATEWAY_API_GROUP, "kind": "HTTPRoute"}]}

        gateway = {
            "apiVersion": GATEWAY_API_VERSION,
            "kind": "Gateway",
            "metadata": meta,
            "spec": {
                "gatewayClassName": self.options.gateway_class,
                "infrastructure": {
                    "parametersRef": {
                        "group": AWS_GATEWAY_GROUP,
                        "kind": "LoadBalancerConfiguration",
                        "name": group.gateway_name,
                    }
                },
                "listeners": [
                    {"name": f"{p.lower()}-{port}", "protocol": p, "port": port, "allowedRoutes": admitted(p)}
                    for p, port in ports
                ],
            },
        }
        out = [gateway, self._load_balancer_configuration(group, ports)]
        http = [f"{p.lower()}-{port}" for p, port in ports if p == "HTTP"]
        if redirect is not None and http:
            out.append(
                {
                    "apiVersion": GATEWAY_API_VERSION,
                    "kind": "HTTPRoute",
                    "metadata": {"name": f"{group.gateway_name}-https-redirect", "namespace": group.gateway_namespace},
                    "spec": {
                        "parentRefs": [{"name": group.gateway_name, "sectionName": s} for s in http],
                        "rules": [
                            {
                                "filters": [
                                    {
                                        "type": "RequestRedirect",
                                        "requestRedirect": {
                                            "scheme": "https",
                                            "port": int(redirect),
                                            "statusCode": 301,
                                        },
                                    }
                                ]
                            }
                        ],
                    },
                }
            )
        return out

    def _load_balancer_configuration(self, group: _Group, ports: list[tuple[str, int]]) -> dict[str, Any]:
        sources = group.sources

        def first(key: str) -> str | None:
            return next((str(s.annotations[ALB + key]) for s in sources if ALB + key in s.annotations), None)

        spec: dict[str, Any] = {"scheme": first("scheme") or self.options.scheme}
        certificates = [c.strip() for c in (first("certificate-arn") or "").split(",") if c.strip()]
        listeners = []
        for protocol, port in ports:
            if protocol != "HTTPS":
                continue
            listener: dict[str, Any] = {"protocolPort": f"HTTPS:{port}"}
            if first("ssl-policy"):
                listener["sslPolicy"] = first("ssl-policy")
            if certificates:
                listener["defaultCertificate"] = certificates[0]
                if certificates[1:]:
                    listener["certificates"] = certificates[1:]
            # The HSTS header ingress-nginx added (protection.py writes it as the Ingress's listener attribute):
            # the controller's LoadBalancerConfiguration carries listener attributes per protocol and port.
            listener_attributes = _string_map(first(f"listener-attributes.HTTPS-{port}"))
            if listener_attributes:
                listener["listenerAttributes"] = listener_attributes
            listeners.append(listener)
        if listeners:
            spec["listenerConfigurations"] = listeners
        attributes = _string_map(first("load-balancer-attributes"))
        if attributes:
            spec["loadBalancerAttributes"] = attributes
        cidrs = [c.strip() for c in (first("inbound-cidrs") or "").split(",") if c.strip()]
        if cidrs:
            spec["sourceRanges"] = cidrs
        acl = first("wafv2-acl-arn")
        if acl:  # held_protections made sure every member that names one names this one
            spec["wafV2"] = {"webACL": acl}
        return {
            "apiVersion": AWS_GATEWAY_VERSION,
            "kind": "LoadBalancerConfiguration",
            "metadata": {"name": group.gateway_name, "namespace": group.gateway_namespace},
            "spec": spec,
        }

    # -- routes ----------------------------------------------------------------------------------------
    def add_group_routes(self, group: _Group) -> None:
        for source in group.sources:
            self._unknown_annotations(source)
            ingress = source.converted
            namespace = str((ingress.get("metadata") or {}).get("namespace") or "default")
            regex_paths = str(source.annotations.get(ALB + "use-regex-path-match", "")).lower() == "true"
            spec = ingress.get("spec") or {}
            for rule in spec.get("rules") or []:
                host = str(rule.get("host") or "")
                if host.startswith("*.") and (source.name, host) not in self.wildcards:
                    self.wildcards.add((source.name, host))
                    self._report_wildcard(source, host)
                route = self.routes.setdefault((group.name, namespace, host), _Route(namespace, host))
                for path in controller_order((rule.get("http") or {}).get("paths") or []):
                    built = self._rule(source, namespace, host, path, regex_paths)
                    if built is not None:
                        route.rules.append(built)
                        self.sequence.setdefault((group.name, host), []).append((namespace, built))
            backend = (spec.get("defaultBackend") or {}).get("service")
            if backend:
                route = self.routes.setdefault((group.name, namespace, ""), _Route(namespace, ""))
                built = self._rule(
                    source, namespace, "", {"path": "/", "pathType": "Prefix", "backend": {"service": backend}}, False
                )
                if built is not None:
                    route.rules.append(built)
                    self.report.add(
                        source.name,
                        "spec.defaultBackend",
                        "note",
                        "as a rule of a route without hostnames: the Gateway's least specific rule, as the listener's "
                        "default action was",
                    )

    def _report_wildcard(self, source: Source, host: str) -> None:
        """A wildcard hostname crosses labels on the Gateway, where ingress-nginx's matched one label only."""
        parent = host[2:]
        self.report.add(
            source.name,
            f"host {host}",
            "approximated",
            f"as the route hostname {host}, which also matches deeper names (a.b.{parent}): Gateway API takes a "
            "wildcard label as a suffix match (httproute_types.go lines 89-91 at v1.6.0) and the controller writes "
            f"it as the ALB host-header {host}, whose '*' crosses dots; ingress-nginx matched one label only and "
            f"answered a.b.{parent} from its default server. Exact hosts still come first (the controller sorts a "
            "non-wildcard hostname before a wildcard one, route_rule_precedence.go lines 191-197 at v3.5.0), and "
            "neither a route match nor a ListenerRuleConfiguration (source-ip conditions only) can hold a host "
            "regex: list the deeper names the app must not answer as hosts of their own, or refuse them in the app",
        )

    def _grpc(self, source: Source, settings: dict[str, Any]) -> None:
        """gRPC to the pods: the target group's protocolVersion GRPC (TargetGroupConfiguration, which the
        controller takes before anything else, model_build_target_group.go lines 437-440 at v3.5.0). The
        Ingress target's backend-protocol-version is used when migrate wrote one; otherwise ingress-nginx's
        backend-protocol GRPC/GRPCS decides (plain HTTP/2 or TLS to the pods)."""
        version = source.annotations.get(ALB + "backend-protocol-version")
        nginx = str(source.nginx.get("backend-protocol", "")).strip().upper()
        if version is None and nginx in ("GRPC", "GRPCS"):
            version = "GRPC"
            settings.setdefault("protocol", "HTTPS" if nginx == "GRPCS" else "HTTP")
        if version is None:
            return
        settings["protocolVersion"] = str(version)
        if str(version) == "GRPC" and (source.name, "grpc") not in self.wildcards:
            self.wildcards.add((source.name, "grpc"))
            key = "nginx.ingress.kubernetes.io/backend-protocol"
            # What the Ingress target said of it is about the Ingress target; this line replaces it.
            self.report.findings[:] = [
                f for f in self.report.findings if not (f.ingress == source.name and f.annotation == key)
            ]
            # The controller reads protocolVersion only for an HTTPS listener; on an HTTP one it writes HTTP1
            # whatever the TargetGroupConfiguration says (model_build_target_group.go lines 428-440, v3.5.0).
            sections = next((g.sections for g in self.groups if any(m is source for m in g.sources)), None)
            status, where = "converted", "served on HTTPS listeners only, where the controller applies it"
            if sections is not None and not any(s.startswith("https-") for s in sections):
                status, where = (
                    "not-converted",
                    (
                        "but the route is reached through HTTP listeners only, where the controller makes the target "
                        "group HTTP1 and drops GRPC: give the Ingress TLS (spec.tls or a certificate-arn)"
                    ),
                )
            elif sections is None or any(not s.startswith("https-") for s in sections):
                status, where = (
                    "approximated",
                    (
                        "but only requests through an HTTPS listener get it: the controller makes the target group "
                        "HTTP1 on an HTTP listener"
                    ),
                )
            self.report.add(
                source.name,
                "nginx.ingress.kubernetes.io/backend-protocol",
                status,
                f"as an HTTPRoute to a TargetGroupConfiguration with protocolVersion GRPC and protocol "
                f"{settings.get('protocol', 'HTTP')} (not a GRPCRoute: the Ingress's path matches carry over "
                f"as they are); {where}",
            )

    def _unknown_annotations(self, source: Source) -> None:
        for key in source.annotations:
            short = key.removeprefix(ALB)
            if short in _CARRIED or short.startswith(_PER_NAME) or short in _PROTECTIVE or short.startswith("auth-"):
                continue  # protections: held_protections decided them before
            if short.startswith(_PER_PORT):
                if self.options.gateway is None:
                    continue  # on the Gateway's LoadBalancerConfiguration, listenerConfigurations
                namespace, name = self.options.gateway
                self.report.add(
                    source.name,
                    key,
                    "not-converted",
                    f"listener attributes ({source.annotations[key]}, the HSTS header ingress-nginx added) belong to "
                    f"the listener of Gateway {namespace}/{name}, which --gateway leaves to its owner: set them in its "
                    "LoadBalancerConfiguration, listenerConfigurations[protocolPort "
                    f"HTTPS:{short.removeprefix(_PER_PORT)}].listenerAttributes",
                )
                continue
            self.report.add(
                source.name,
                key,
                "not-converted",
                "the Gateway objects written here (Gateway, LoadBalancerConfiguration, TargetGroupConfiguration, "
                "ListenerRuleConfiguration of the controller v3.5.0) do not carry it, so it was dropped; set its "
                "counterpart in those objects by hand if the group needs it",
            )

    def _rule(
        self, source: Source, namespace: str, host: str, path: Mapping[str, Any], regex_paths: bool
    ) -> _Rule | None:
        value = str(path.get("path") or "/")
        kind = str(path.get("pathType") or "ImplementationSpecific")
        alb = source.emitted.get((host, value, kind))
        label = f"path {value!r} of host {host or '*'}"
        if any(not "!" <= c <= "~" for c in value):
            # As the Ingress target refuses it (app_checks.ALB_PATH_CHARACTERS), for the route's regex too.
            self.report.add(
                source.name,
                label,
                "not-converted",
                f"{value!r} holds characters outside visible ASCII: ALB rules apply only to visible ASCII "
                "(Elastic Load Balancing, condition types for listener rules), while nginx matches the decoded "
                "path, so no route would answer as nginx does; nothing of this path is written",
            )
            return None
        backend = (path.get("backend") or {}).get("service") or {}
        name = str(backend.get("name"))
        annotations = source.annotations
        by_annotation = (backend.get("port") or {}).get("name") == "use-annotation"
        try:
            action = _json(annotations, f"actions.{name}", None) if by_annotation else None
            # conditions.<name> applies to a Service backend of that name too, not only to an action
            # (enhanced_backend_builder.go Build: buildConditions(ing.Annotations, backend.Service.Name), v3.5.0).
            conditions = _read_conditions(_json(annotations, f"conditions.{name}", []), f"conditions.{name}")
            transforms = _json(annotations, f"transforms.{name}", [])
        except _UnreadableError as error:
            self.report.add(
                source.name,
                label,
                "not-converted",
                f"{error}: the controller refuses the Ingress for it, so nothing of this path is written; fix the "
                "annotation, then convert again",
            )
            return None
        match: dict[str, Any] = {"path": self._path_match(kind, value, regex_paths)}
        filters: list[dict[str, Any]] = []
        if transforms:
            location = alb.block.location if alb is not None else None
            target = _effective_target(location.path, location.rewrite) if location is not None else None
            if target is not None and "$" not in target and _FULL_PATH.fullmatch(target):
                # No capture group: nginx replaces the whole path (and keeps the query), as ReplaceFullPath does.
                rewrite = {"type": "ReplaceFullPath", "replaceFullPath": target}
            else:
                rewritten = self._prefix_strip(source, alb, label)
                if rewritten is None:
                    return None
                match["path"] = {"type": "PathPrefix", "value": rewritten}
                rewrite = {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}
            filters.append({"type": "URLRewrite", "urlRewrite": {"path": rewrite}})
        headers: list[list[dict[str, Any]]] = [[]]
        lrc: dict[str, Any] = {}
        header_names = [c["header"].lower() for c in conditions if c["field"] == "http-header"]
        if len(set(header_names)) < len(header_names):
            # The ALB requires every condition; a route match considers only the first of one header's name
            # (Gateway API v1.6.0 HTTPHeaderMatch).
            self.report.add(
                source.name,
                label,
                "not-converted",
                "two conditions on one header: the ALB requires both, a route match reads only the first; left out",
            )
            return None
        for condition in conditions:
            field_name = condition["field"]
            if field_name == "http-header":
                header_name = condition["header"]
                found = [self._header_match(header_name, v) for v in condition["values"]]
                # A regex (canary-by-header-pattern): the controller writes RegularExpression header matches as
                # regexValues (routeutils/route_rule_condition.go, v3.5.0).
                found += [
                    {"type": "RegularExpression", "name": header_name, "value": v} for v in condition["regexValues"]
                ]
                headers = [[*h, match] for h in headers for match in found]
            elif field_name == "source-ip":
                lrc.setdefault("conditions", []).append(
                    {"field": "source-ip", "sourceIPConfig": {"values": list(condition["values"])}}
                )
            else:
                self.report.add(
                    source.name, label, "not-converted", f"condition {field_name!r} has no counterpart; left out"
                )
                return None
        matches = [{**match, **({"headers": h} if h else {})} for h in headers]
        rule: dict[str, Any] = {"matches": matches}
        if action is None or action.get("type") == "forward":
            targets = (
                [
                    (g["serviceName"], g.get("servicePort"), g.get("weight"))
                    for g in action["forwardConfig"]["targetGroups"]
                ]
                if action
                else [(name, backend.get("port"), None)]
            )
            refs = []
            for service, port, weight in targets:
                number = _port_number(port, namespace, str(service), self.services)
                if number is None:
                    self.report.add(
                        source.name,
                        label,
                        "not-converted",
                        f"Service {service}'s port {port!r} is a name, and a route names Service ports by number; the "
                        "Service is not in the input to look it up: the path was left out, so its requests now "
                        "reach the host's other rules (a shorter path, or a 404) where ingress-nginx sent them to "
                        "this Service; add the Service to the input (kubectl get svc -o yaml), or use port numbers",
                    )
                    return None
                ref: dict[str, Any] = {"name": str(service), "port": number}
                if weight is not None:
                    ref["weight"] = int(weight)
                refs.append(ref)
                self._target_group(source, namespace, str(service))
            self._scale_weights(source, label, refs)
            rule["backendRefs"] = refs
        elif action.get("type") == "redirect":
            redirect = self._redirect(source, label, action["redirectConfig"], lrc)
            if redirect is None:
                return None
            filters.append({"type": "RequestRedirect", "requestRedirect": redirect})
        elif action.get("type") == "fixed-response":
            config = dict(action["fixedResponseConfig"])
            config["statusCode"] = int(config["statusCode"])
            lrc.setdefault("actions", []).append({"type": "fixed-response", "fixedResponseConfig": config})
        else:
            self.report.add(source.name, label, "not-converted", f"action {action.get('type')!r} has no counterpart")
            return None
        if lrc:
            digest = hashlib.sha256(json.dumps(lrc, sort_keys=True).encode()).hexdigest()[:8]
            config_name = f"{_object_name(host)[:200].rstrip('-.')}-{digest}"
            self.rule_configs[namespace, config_name] = lrc
            filters.append(
                {
                    "type": "ExtensionRef",
                    "extensionRef": {
                        "group": AWS_GATEWAY_GROUP,
                        "kind": "ListenerRuleConfiguration",
                        "name": config_name,
                    },
                }
            )
        if filters:
            rule["filters"] = filters
        problems = rule_problems(rule)
        if problems:
            # No split helps a rule over a per-rule limit: the API server would refuse the whole route.
            self.report.add(
                source.name,
                label,
                "not-converted",
                f"its HTTPRoute rule would hold {'; '.join(problems)} (Gateway API v1.6.0 limits); the path was left "
                "out: split it into several paths",
            )
            return None
        return _Rule(rule, alb, f"{source.name} {label}")

    def _scale_weights(self, source: Source, label: str, refs: list[dict[str, Any]]) -> None:
        """Weights within the controller's 0..999 (pkg/gateway/routeutils/backend.go at v3.5.0 refuses more,
        and with it the route): the ratio kept, the rounding reported."""
        given = [int(ref["weight"]) for ref in refs if "weight" in ref]
        if len(given) != len(refs):
            return
        scaled = scale_weights(given)
        if tuple(given) == scaled.values:
            return
        for ref, weight in zip(refs, scaled.values, strict=True):
            ref["weight"] = weight
        shown = f"{'/'.join(map(str, given))} as {'/'.join(map(str, scaled.values))}"
        if scaled.changed:
            self.report.add(
                source.name,
                "weights",
                "approximated",
                f"{label}: backend weights {shown}, since the controller refuses a weight over 999; each backend's "
                f"share moves by at most {scaled.drift:g} percentage points",
            )
        else:
            self.report.add(
                source.name,
                "weights",
                "converted",
                f"{label}: backend weights {shown} (the same ratio), since the controller refuses a weight over 999",
            )

    @staticmethod
    def _path_match(kind: str, value: str, regex_paths: bool) -> dict[str, str]:
        """The route's path match; an Exact or Prefix path holding what those types refuse (the HTTPRoute
        CRD's character set: a literal '[' of an nginx prefix) becomes the same match as a regular expression."""
        literal = _PATH_CHARACTERS.fullmatch(value) is not None
        if kind == "Exact":
            return (
                {"type": "Exact", "value": value}
                if literal
                else {"type": "RegularExpression", "value": f"^{regex_literal(value)}$"}
            )
        if kind == "Prefix":
            base = value.rstrip("/")
            if literal:
                return {"type": "PathPrefix", "value": base or "/"}
            return {"type": "RegularExpression", "value": f"^{regex_literal(base)}(/|$)"}
        if regex_paths:  # the value minus its leading '/' is the regex, as the Ingress target writes it
            return {"type": "RegularExpression", "value": value[1:]}
        return {"type": "RegularExpression", "value": _wildcard_regex(value)}

    @staticmethod
    def _header_match(name: str, value: str) -> dict[str, str]:
        if "*" in value or "?" in value:
            return {"type": "RegularExpression", "name": name, "value": _wildcard_regex(value)}
        return {"type": "Exact", "name": name, "value": value}

    def _prefix_strip(self, source: Source, alb: AlbPath | None, label: str) -> str | None:
        """The prefix a rewrite strips, when it is the capture-group prefix strip; otherwise reported."""
        location = alb.block.location if alb is not None else None
        target = _effective_target(location.path, location.rewrite) if location is not None else None
        found = _PREFIX_STRIP.fullmatch(location.path) if location is not None else None
        slash = _SLASH_STRIP.fullmatch(location.path) if location is not None else None
        if found is None and slash is not None and target == "/$1":
            prefix = slash.group("prefix")
            problem = unescaped_regex_problem(prefix)
            if problem is None:
                self.report.add(
                    source.name,
                    "nginx.ingress.kubernetes.io/rewrite-target",
                    "approximated",
                    f"{label}: as PathPrefix {prefix} with URLRewrite ReplacePrefixMatch '/', which also matches "
                    f"{prefix!r} itself (ingress-nginx's location needed the '/' after it)"
                    + (
                        ", and in this case only, where nginx matched any case"
                        if any(c.isalpha() for c in prefix)
                        else ""
                    ),
                )
                return prefix
        if location is None or found is None or target != "/$2":
            shown = f"{location.path!r} to {target!r}" if location is not None else "its rewrite"
            self.report.add(
                source.name,
                "nginx.ingress.kubernetes.io/rewrite-target",
                "not-converted",
                f"{label}: rewriting {shown} is not a prefix strip (<prefix>(/|$)(.*) to /$2), and Gateway API "
                "rewrites only a PathPrefix match's prefix (ReplacePrefixMatch) or the whole path; the path was left "
                "out",
            )
            return None
        prefix = found.group("prefix")
        problem = unescaped_regex_problem(prefix)
        if problem:
            self.report.add(
                source.name, "nginx.ingress.kubernetes.io/rewrite-target", "not-converted", f"{label}: {problem}"
            )
            return None
        if "." in prefix:
            self.report.add(
                source.name,
                "nginx.ingress.kubernetes.io/rewrite-target",
                "approximated",
                f"{label}: the '.' of {prefix!r} matched any character in ingress-nginx's regex location; the "
                "PathPrefix matches it as itself",
            )
        if any(c.isalpha() for c in prefix):
            self.report.add(
                source.name,
                "nginx.ingress.kubernetes.io/rewrite-target",
                "approximated",
                f"{label}: as PathPrefix {prefix} with URLRewrite ReplacePrefixMatch '/', which matches {prefix!r} in "
                "this case only, where ingress-nginx's regex location matched it in any case",
            )
        return prefix

    def _redirect(
        self, source: Source, label: str, config: Mapping[str, Any], lrc: dict[str, Any]
    ) -> dict[str, Any] | None:
        redirect: dict[str, Any] = {"statusCode": 302 if config.get("statusCode") == "HTTP_302" else 301}
        protocol = str(config.get("protocol", "#{protocol}"))
        if protocol != "#{protocol}":
            redirect["scheme"] = protocol.lower()
        host = str(config.get("host", "#{host}"))
        if host != "#{host}":
            redirect["hostname"] = host
        port = str(config.get("port", "#{port}"))
        if port != "#{port}":
            redirect["port"] = int(port)
        path = str(config.get("path", "/#{path}"))
        if path != "/#{path}":
            if "#{" in path or "*" in path or "?" in path:
                # The controller refuses wildcards in ReplaceFullPath (route_rule_action.go at v3.5.0).
                self.report.add(
                    source.name, label, "not-converted", f"redirect path {path!r} holds ALB placeholders or wildcards"
                )
                return None
            redirect["path"] = {"type": "ReplaceFullPath", "replaceFullPath": path}
        query = str(config.get("query", "#{query}"))
        if query != "#{query}":
            # The query the redirect sets (empty: dropped, as nginx's return did), through the rule's
            # ListenerRuleConfiguration: the controller takes its redirect query as given (a pointer, so "" counts).
            lrc.setdefault("actions", []).append({"type": "redirect", "redirectConfig": {"query": query}})
        return redirect

    def _target_group(self, source: Source, namespace: str, service: str) -> None:
        settings: dict[str, Any] = {"targetType": str(source.annotations.get(ALB + "target-type", "ip"))}
        attributes = _string_map(source.annotations.get(ALB + "target-group-attributes"))
        if attributes:
            settings["targetGroupAttributes"] = attributes
        protocol = source.annotations.get(ALB + "backend-protocol")
        if protocol:
            settings["protocol"] = str(protocol)
        self._grpc(source, settings)
        spec = {"targetReference": {"name": service}, "defaultConfiguration": settings}
        first = self.target_configs.setdefault((namespace, service), (source.name, spec))
        if first[1] != spec:
            self.report.add(
                source.name,
                "target group",
                "approximated",
                f"Service {namespace}/{service} has one TargetGroupConfiguration; it takes {first[0]}'s settings, not "
                "this Ingress's",
            )

    # -- precedence ------------------------------------------------------------------------------------
    def check_precedence(self) -> None:
        """Report overlapping rules the controller's precedence would try in another order than nginx's.

        Within one route the rule index breaks ties, so only a key that sorts a later rule first reorders;
        across routes (one host's Ingresses in several namespaces) equal keys are ordered by the routes'
        creation time, which nothing here decides.
        """
        for rules in self.sequence.values():
            keys = [_precedence(r.rule) for _, r in rules]
            for i, j in _candidate_pairs([r for _, r in rules]):
                (first_ns, first), (later_ns, later) = rules[i], rules[j]
                if keys[j] > keys[i] or (keys[j] == keys[i] and first_ns == later_ns):
                    continue
                if first.alb is not None and later.alb is not None and not overlap(first.alb, later.alb):
                    continue
                why = (
                    "the controller's route precedence (path type, then length, then header and query count) "
                    f"tries {later.label} before {first.label}"
                    if keys[j] < keys[i]
                    else f"{later.label} and {first.label} are in routes of two namespaces, whose order the "
                    "controller takes from their creation time"
                )
                self.report.add(
                    later.label.split(" ", 1)[0],
                    "rule order",
                    "approximated",
                    f"{why}, where ingress-nginx tried {first.label} first; requests both match may go to the "
                    "other. Gateway API has no group.order: give them disjoint paths",
                )

    # -- output ----------------------------------------------------------------------------------------
    def _unique_name(self, namespace: str, name: str, key: str) -> str:
        """``name``, or, when another route of the namespace has it (two groups with one host, or a host
        spelt like another's part), the name with a digest of ``key``: the second would replace the first."""
        used = self.names.setdefault(namespace, set())
        if name in used:
            digest = hashlib.sha256(key.encode()).hexdigest()[:8]
            name = f"{name[: 253 - 9].rstrip('-.')}-{digest}"
        used.add(name)
        return name

    def _within_limits(self, route: _Route, whole: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The route as routes the API server takes (``route_split``), the split and its ties reported."""
        split = split_route(whole)
        if len(split.routes) == 1:
            yield whole
            return
        namespace = route.namespace
        names = [whole["metadata"]["name"]]
        for part in split.routes[1:]:
            part["metadata"]["name"] = self._unique_name(namespace, part["metadata"]["name"], names[0])
            names.append(part["metadata"]["name"])
        ingresses = sorted({r.label.split(" ", 1)[0] for r in route.rules})
        rules = len(whole["spec"]["rules"])
        matches = sum(len(r.get("matches") or [None]) for r in whole["spec"]["rules"])
        for ingress in ingresses:
            self.report.add(
                ingress,
                "HTTPRoute",
                "note",
                f"host {route.host or '*'} in {namespace} has {rules} rules and {matches} matches, over what one "
                f"HTTPRoute holds (16 rules, 64 matches a rule, 128 in all; Gateway API v1.6.0): written as "
                f"{len(names)} routes ({', '.join(names)}); rules that could tie in the controller's precedence are "
                "kept in one route, in their order, so the same rule answers every request",
            )
            for spread in split.spread:
                self.report.add(
                    ingress,
                    "HTTPRoute",
                    "approximated",
                    f"host {route.host or '*'} in {namespace}: {spread}; requests they both match may go to the "
                    "other. Give them disjoint paths, or fewer on this host",
                )
        yield from split.routes

    def documents(self) -> Iterator[dict[str, Any]]:
        for group in self.groups:
            yield from self.gateway_objects(group)
            for (group_name, namespace, host), route in self.routes.items():
                if group_name != group.name or not route.rules:
                    continue
                parent: dict[str, Any] = {"name": group.gateway_name}
                if namespace != group.gateway_namespace:
                    parent["namespace"] = group.gateway_namespace
                if group.port is not None:
                    parent["port"] = group.port
                parents = [{**parent, "sectionName": s} for s in group.sections] if group.sections else [parent]
                spec: dict[str, Any] = {"parentRefs": parents, "rules": [r.rule for r in route.rules]}
                if host:
                    spec["hostnames"] = [host]
                name = self._unique_name(namespace, _object_name(host), f"{group_name}/{host}")
                whole = {
                    "apiVersion": GATEWAY_API_VERSION,
                    "kind": "HTTPRoute",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": spec,
                }
                yield from self._within_limits(route, whole)
        for (namespace, name), spec in self.rule_configs.items():
            yield {
                "apiVersion": AWS_GATEWAY_VERSION,
                "kind": "ListenerRuleConfiguration",
                "metadata": {"name": name, "namespace": namespace},
                "spec": spec,
            }
        for (namespace, service), (_, spec) in self.target_configs.items():
            yield {
                "apiVersion": AWS_GATEWAY_VERSION,
                "kind": "TargetGroupConfiguration",
                "metadata": {"name": service, "namespace": namespace},
                "spec": spec,
            }


def _candidate_pairs(rules: list[_Rule]) -> Iterator[tuple[int, int]]:
    """Pairs (i < j) that may overlap: those the planning's prefix index finds among rules with a planned path
    (linear in what overlaps, for hosts with thousands of paths), and every pair with a rule that has none."""
    planned = [index for index, rule in enumerate(rules) if rule.alb is not None]
    alone = [index for index, rule in enumerate(rules) if rule.alb is None]
    for a, b in overlap_candidates([rules[index].alb for index in planned]):  # type: ignore[misc]
        yield planned[a], planned[b]
    for index in alone:
        for other in range(len(rules)):
            if other != index:
                yield min(index, other), max(index, other)


_PATH_RANK = {"Exact": 3, "PathPrefix": 2, "RegularExpression": 1}


def _precedence(rule: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    """The controller's precedence key of a rule's most specific match; smaller sorts first (as its comparator:
    path type, path length, method, header count, query param count)."""
    keys = []
    for match in rule.get("matches") or [{}]:
        path = match.get("path") or {"type": "PathPrefix", "value": "/"}
        keys.append(
            (
                -_PATH_RANK.get(str(path.get("type")), 0),
                -len(str(path.get("value", "/"))),
                -int("method" in match),
                -len(match.get("headers") or []),
                -len(match.get("queryParams") or []),
            )
        )
    return min(keys)


def to_gateway(output: list[Any], sources: list[Source], report: Report, options: Options) -> list[Any]:
    """Replace the converted ALB Ingresses of ``output`` by Gateway API objects (appended at the end)."""
    converted = [s for s in sources if s.name in set(report.converted)]
    if not converted:
        return output
    held = held_protections(converted, report, options)
    if held:
        drop = {id(s.converted) for s in held}
        output = _without(output, drop)
        converted = [s for s in converted if id(s.converted) not in drop]
        if not converted:
            return output
    builder = _Builder(converted, report, options, output)
    for group in builder.groups:
        builder.add_group_routes(group)
    builder.check_precedence()
    ingresses = {id(s.converted) for s in converted}
    kept = _without(output, ingresses)
    report.add(
        "*",
        "--to gateway",
        "note",
        f"{len(converted)} converted Ingresses written as Gateway API objects for the controller's ALB Gateways "
        f"(GatewayClass {options.gateway_class!r}, controller {ALB_GATEWAY_CONTROLLER}); for the later step from "
        "ALB Ingresses, see the known differences of the controller's lbc-migrate",
    )
    return kept + list(builder.documents())


def _listener_attribute_disagreements(
    group: str, members: list[Source], report: Report, others: list[tuple[str, str, str]]
) -> None:
    """A group's one LoadBalancerConfiguration holds one set of attributes per listener, where its Ingresses
    name different values for one attribute (two installs' HSTS, say): the controller would have refused the
    Ingress group ("conflicting listener attributes", v3.5.0 model_build_listener.go), and taking the first
    member's value would give the others what they did not ask for. HSTS is a protection (held back, like the
    Ingress target's group); any other attribute is reported not converted."""
    values: dict[tuple[str, str], dict[str, list[str]]] = {}  # (annotation, attribute) -> value -> Ingresses
    for source in members:
        for key in sorted(source.annotations):
            if not key.startswith(ALB + "listener-attributes."):
                continue
            for pair in _string_map(str(source.annotations[key])):
                values.setdefault((key, pair["key"]), {}).setdefault(pair["value"], []).append(source.name)
    for (key, attribute), by_value in values.items():
        if len(by_value) < 2:
            continue
        taken = next(iter(by_value))
        listed = "; ".join(f"{v!r} ({', '.join(names)})" for v, names in by_value.items())
        why = (
            f"group {group!r} becomes one Gateway with one LoadBalancerConfiguration, one {attribute} per listener, "
            f"and its Ingresses ask for different values: {listed}"
        )
        for value, names in by_value.items():
            for name in names:
                if attribute == HSTS_ATTRIBUTE:
                    others.append((name, key, f"{why}; carry it over: give them groups of their own, or one value"))
                elif value != taken:
                    report.add(
                        name,
                        key,
                        "not-converted",
                        f"{why}; the LoadBalancerConfiguration carries {taken!r}: give them groups of their own, "
                        "or one value",
                    )


def held_protections(converted: list[Source], report: Report, options: Options) -> list[Source]:
    """The Ingresses whose protection the Gateway output cannot keep, held back (unless --allow-unprotected).

    The Ingress target carries a group's agreed allow-list as ``inbound-cidrs``; on the Gateway side that is
    the ``sourceRanges`` of the LoadBalancerConfiguration this module writes, one per group. With ``--gateway``
    no LoadBalancerConfiguration is written (the Gateway is someone else's), and members of one group that carry
    different ranges cannot share one; either way the ranges would not be enforced, so the decision migrate
    made for the Ingress target ("as inbound-cidrs", "as source-ip conditions") does not hold here, and what
    said so is corrected. Other ALB protections (``_PROTECTIVE``) the same way, each with its own line.
    """
    by_group: dict[str, list[Source]] = {}
    for source in converted:
        by_group.setdefault(str(source.annotations.get(ALB + "group.name", options.group)), []).append(source)
    allow_lists: dict[str, str] = {}  # Ingress -> why its allow-list is not kept
    others: list[tuple[str, str, str]] = []  # (Ingress, annotation, why) for the other protections
    if options.gateway is not None:
        namespace, name = options.gateway
        _one_scheme(converted, report, options, others)
        for source in converted:
            if _source_ip_conditions(source):
                allow_lists[source.name] = (
                    "its allow-list is a source-ip condition on its own rules (ListenerRuleConfiguration), and a "
                    f"client that condition refuses falls through to whatever else the existing Gateway {namespace}/"
                    f"{name} routes for the host, routes this input does not show, where ingress-nginx answered 403; "
                    "carry it over: convert without --gateway (a Gateway of its own), or make sure no other route "
                    "of that Gateway matches the host and pass --allow-unprotected"
                )
    for source in converted:
        for key in sorted(source.annotations):
            short = key.removeprefix(ALB)
            if short not in _PROTECTIVE and not short.startswith("auth-"):
                continue
            if short == "wafv2-acl-arn" and options.gateway is None:
                continue  # written as the group's wafV2; disagreement is checked per group below
            how = _PROTECTIVE.get(short, _PROTECTIVE["auth-type"])
            where = "with --gateway the output writes no LoadBalancerConfiguration, and " if options.gateway else ""
            others.append(
                (
                    source.name,
                    key,
                    f"protects it on the ALB; {where}this conversion does not write it; carry it over: {how}",
                )
            )
    for group, members in by_group.items():
        acls = {str(s.annotations[ALB + "wafv2-acl-arn"]) for s in members if ALB + "wafv2-acl-arn" in s.annotations}
        if len(acls) > 1 and options.gateway is None:
            for source in members:
                others.append(
                    (
                        source.name,
                        ALB + "wafv2-acl-arn",
                        f"group {group!r} becomes one Gateway with one web ACL, and its Ingresses name {len(acls)} "
                        "different ones; carry it over: give them groups of their own, or one ACL",
                    )
                )
        if options.gateway is None:
            _listener_attribute_disagreements(group, members, report, others)
        ranges = {s.name: str(s.annotations.get(ALB + "inbound-cidrs") or "").strip() for s in members}
        carrying = [s for s in members if ranges[s.name]]
        if not carrying:
            continue
        if options.gateway is not None:
            namespace, name = options.gateway
            why = (
                f"with --gateway the routes attach to the existing Gateway {namespace}/{name}, whose "
                "LoadBalancerConfiguration (sourceRanges) this output does not write, so the allow-list "
                f"{ranges[carrying[0].name]} would not be enforced; carry it over: add those ranges to that "
                "Gateway's LoadBalancerConfiguration sourceRanges (only if the whole Gateway may be restricted), or "
                "convert without --gateway"
            )
            for source in carrying:
                allow_lists[source.name] = why
        elif len({ranges[s.name] for s in carrying}) > 1:
            for source in carrying:
                allow_lists[source.name] = (
                    f"group {group!r} becomes one Gateway with one LoadBalancerConfiguration, and its Ingresses "
                    "carry different allow-lists, which one sourceRanges cannot keep; carry it over: give them "
                    "groups of their own, or the same ranges"
                )
    corrected = set()
    for finding in report.findings:
        claims = "inbound-cidrs" in finding.detail or "source-ip" in finding.detail
        if finding.ingress in allow_lists and finding.status in ("converted", "approximated") and claims:
            finding.status = "lost-protection"
            finding.detail = f"not kept with --to gateway: {allow_lists[finding.ingress]}"
            corrected.add(finding.ingress)
    # The group's own line (protection.group_ranges' add_group) too: it is what the report shows once for
    # the group, and must never claim inbound-cidrs this output did not write.
    for group_finding in report.group_findings:
        claims = "inbound-cidrs" in group_finding.detail or "source-ip" in group_finding.detail
        affected = [m for m in group_finding.ingresses if m in allow_lists]
        if affected and group_finding.status in ("converted", "approximated") and claims:
            group_finding.status = "lost-protection"
            group_finding.detail = f"not kept with --to gateway: {allow_lists[affected[0]]}"
    # An agreed allow-list is written as the Gateway's sourceRanges: say that, not the Ingress target's words.
    ingress_words = "as the ALB's inbound-cidrs on every converted Ingress (they all agree)"
    gateway_words = (
        "as the Gateway's LoadBalancerConfiguration sourceRanges (every converted Ingress of the group agrees): "
        "other clients cannot connect, where ingress-nginx answered 403; sourceRanges applies to the whole "
        "Gateway, so it must be dedicated to these Ingresses"
    )
    for finding in report.findings:
        if finding.status == "approximated" and ingress_words in finding.detail:
            finding.detail = gateway_words
    for group_finding in report.group_findings:
        if group_finding.status == "approximated" and ingress_words in group_finding.detail:
            group_finding.detail = gateway_words
    for name, why in allow_lists.items():
        if name not in corrected:
            report.add(name, "source ranges", "lost-protection", why)
    for name, key, why in others:
        report.add(name, key, "lost-protection", why)
    lost = set(allow_lists) | {name for name, _, _ in others}
    held = []
    for source in converted:
        if source.name in lost and not options.allow_unprotected:
            held.append(source)
            report.converted.remove(source.name)
            report.held_back.append(source.name)
    return held


def _one_scheme(converted: list[Source], report: Report, options: Options, others: list[tuple[str, str, str]]) -> None:
    """With --gateway every route attaches to one existing Gateway: one ALB, so one scheme.

    Ingresses of an internal install attached beside internet-facing ones would be published to the internet
    (or the public ones hidden): held back, naming both schemes, when they differ; else a note naming the
    scheme that Gateway must have.
    """
    assert options.gateway is not None
    namespace, name = options.gateway
    schemes: dict[str, list[str]] = {}
    for source in converted:
        schemes.setdefault(str(source.annotations.get(ALB + "scheme", options.scheme)), []).append(source.name)
    if len(schemes) > 1:
        said = " and ".join(f"{scheme} ({', '.join(names)})" for scheme, names in sorted(schemes.items()))
        why = (
            f"the input's Ingresses come in two schemes, {said}, and --gateway attaches every route to the one "
            f"Gateway {namespace}/{name}, one ALB of one scheme; carry it over: run migrate once per class (on that "
            "class's Ingresses only), each with its own --gateway, a Gateway of that class's scheme"
        )
        for names in schemes.values():
            others.extend((n, ALB + "scheme", why) for n in names)
    elif schemes:
        scheme = next(iter(schemes))
        report.add(
            "*",
            "gateway",
            "note",
            f"the routes attach to Gateway {namespace}/{name}, which must be {scheme} (its ALB's scheme is the "
            "Gateway's LoadBalancerConfiguration's, not written here): as ingress-nginx's install was",
        )


def _source_ip_conditions(source: Source) -> bool:
    """Whether the Ingress target carries a source-ip condition on any of its rules."""
    for key, value in source.annotations.items():
        if key.startswith(ALB + "conditions."):
            try:
                conditions = json.loads(str(value))
            except ValueError:
                continue
            if isinstance(conditions, list) and any(
                isinstance(c, Mapping) and c.get("field") == "source-ip" for c in conditions
            ):
                return True
    return False


def _without(documents: list[Any], drop: set[int]) -> list[Any]:
    kept = []
    for document in documents:
        if id(document) in drop:
            continue
        if (
            isinstance(document, dict)
            and str(document.get("kind", "")).endswith("List")
            and isinstance(document.get("items"), list)
        ):
            document["items"] = _without(document["items"], drop)
        kept.append(document)
    return kept
