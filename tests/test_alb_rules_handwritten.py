"""Listener rules written out by hand from the controller's source, against the model migrate relies on.

``albops.migrate.routes`` models how the AWS Load Balancer Controller turns ALB Ingresses into listener rules;
migrate's ordering, its condition-value counts and every routing comparison rest on that model. Here the
expected rules of each ALB Ingress set are typed out from kubernetes-sigs/aws-load-balancer-controller v3.5.0:

- pkg/ingress/group_loader.go ``sortGroupMembers``: members by ``group.order`` (default 0, -1000..1000), then
  by ``namespace/name``;
- pkg/ingress/model_build_listener_rules.go ``buildListenerRules``: each member's rules in spec order, each
  rule's paths sorted by ``sortIngressPaths`` (Exact, then Prefix longest first, then ImplementationSpecific
  as written; stable), priorities from 1; nothing on an HTTP listener when the group has ssl-redirect;
  ``buildRuleConditions``: annotation conditions, then host values, host regexValues, path values, path
  regexValues, ``/*`` when nothing else; ``buildPathPatterns*``: Prefix ``/x`` -> ``/x``, ``/x/*`` (one
  trailing ``/`` trimmed), ``/`` -> ``/*``, Exact as written, ImplementationSpecific as written or, with
  use-regex-path-match, without its leading ``/`` as a regex; an empty path gives no path condition;
- pkg/ingress/model_build_listener.go ``computeIngressListenPorts``: HTTPS 443 with a certificate, else HTTP 80.

Each case also routes requests through the hand-written rules with the ALB's matching (host case-insensitive,
``*`` and ``?`` wildcards crossing dots; paths case-sensitive) and through ``routes.alb_route``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from albops.migrate.routes import AlbRequest, alb_route, condition_values, listener_rules

A = "alb.ingress.kubernetes.io/"


def fwd(service: str, port: int | str = 80) -> dict[str, Any]:
    """A plain backend's action: one target group for service:port (model_build_actions.go)."""
    return {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": service, "servicePort": port}]}}


def host(*values: str) -> dict[str, Any]:
    return {"field": "host-header", "values": list(values)}


def paths(*values: str) -> dict[str, Any]:
    return {"field": "path-pattern", "values": list(values)}


def path_regex(*values: str) -> dict[str, Any]:
    return {"field": "path-pattern", "regexValues": list(values)}


@dataclass(frozen=True)
class RulesCase:
    name: str
    ingresses: str
    port: int
    # (priority, namespace/name, conditions, action), typed out from the controller's source.
    rules: list[tuple[int, str, list[dict[str, Any]], dict[str, Any]]]
    # (host, path, priority of the rule that answers or None for the listener default)
    requests: tuple[tuple[str, str, int | None], ...] = ()


CASES = [
    RulesCase(
        "path-types-in-one-rule",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop, annotations: {alb.ingress.kubernetes.io/group.name: g}}
spec:
  ingressClassName: alb
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /img*, pathType: ImplementationSpecific, backend: {service: {name: img, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: home, port: {number: 80}}}}
      - {path: /b, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}
      - {path: /x/, pathType: Prefix, backend: {service: {name: x, port: {number: 80}}}}
      - {path: /longer/path, pathType: Prefix, backend: {service: {name: longer, port: {number: 80}}}}
      - {path: /a, pathType: Exact, backend: {service: {name: a, port: {number: 80}}}}
      - {path: /status, pathType: ImplementationSpecific, backend: {service: {name: status, port: {name: http}}}}
""",
        80,
        [
            (1, "shop/web", [host("shop.example.com"), paths("/a")], fwd("a")),  # Exact first
            (2, "shop/web", [host("shop.example.com"), paths("/longer/path", "/longer/path/*")], fwd("longer")),
            (3, "shop/web", [host("shop.example.com"), paths("/x", "/x/*")], fwd("x")),  # '/x/' trimmed
            (4, "shop/web", [host("shop.example.com"), paths("/b", "/b/*")], fwd("b")),
            (5, "shop/web", [host("shop.example.com"), paths("/*")], fwd("home")),
            (6, "shop/web", [host("shop.example.com"), paths("/img*")], fwd("img")),  # as written, in order
            (7, "shop/web", [host("shop.example.com"), paths("/status")], fwd("status", "http")),
        ],
        (
            ("shop.example.com", "/a", 1),
            ("shop.example.com", "/a/", 5),
            ("SHOP.example.com", "/x", 3),
            ("shop.example.com", "/bc", 5),
            ("shop.example.com", "/img/1.png", 5),  # Prefix '/' is tried before the ImplementationSpecific /img*
            ("shop.example.com", "/B", 5),
            ("other.example.com", "/a", None),
        ),
    ),
    RulesCase(
        "group-order-then-namespace-and-name",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b-api, namespace: shop, annotations: {alb.ingress.kubernetes.io/group.name: g}}
spec:
  ingressClassName: alb
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a-web, namespace: shop, annotations: {alb.ingress.kubernetes.io/group.name: g}}
spec:
  ingressClassName: alb
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: z-first
  namespace: ops
  annotations: {alb.ingress.kubernetes.io/group.name: g, alb.ingress.kubernetes.io/group.order: "-5"}
spec:
  ingressClassName: alb
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /api/admin, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: c-late
  namespace: aaa
  annotations: {alb.ingress.kubernetes.io/group.name: g, alb.ingress.kubernetes.io/group.order: "10"}
spec:
  ingressClassName: alb
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /late, pathType: Exact, backend: {service: {name: late, port: {number: 80}}}}
""",
        80,
        [
            (1, "ops/z-first", [host("app.example.com"), paths("/api/admin", "/api/admin/*")], fwd("admin")),
            (2, "shop/a-web", [host("app.example.com"), paths("/*")], fwd("web")),  # order 0: shop/a-web < shop/b-api
            (3, "shop/b-api", [host("app.example.com"), paths("/api", "/api/*")], fwd("api")),
            (4, "aaa/c-late", [host("app.example.com"), paths("/late")], fwd("late")),
        ],
        (
            ("app.example.com", "/api/admin/x", 1),
            ("app.example.com", "/api/x", 2),  # a-web's '/*' shadows b-api: the ALB takes the first match
            ("app.example.com", "/late", 2),
        ),
    ),
    RulesCase(
        "paths-sorted-within-each-rule-only",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two, namespace: shop, annotations: {alb.ingress.kubernetes.io/group.name: g}}
spec:
  ingressClassName: alb
  rules:
  - host: "*.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tenants, port: {number: 80}}}}
  - host: api.example.com
    http:
      paths:
      - {path: /v1, pathType: Prefix, backend: {service: {name: v1, port: {number: 80}}}}
      - {path: /health, pathType: Exact, backend: {service: {name: health, port: {number: 80}}}}
""",
        80,
        [
            (1, "shop/two", [host("*.example.com"), paths("/*")], fwd("tenants")),
            (2, "shop/two", [host("api.example.com"), paths("/health")], fwd("health")),
            (3, "shop/two", [host("api.example.com"), paths("/v1", "/v1/*")], fwd("v1")),
        ],
        (
            ("api.example.com", "/v1", 1),  # the wildcard rule comes first and '*' matches 'api'
            ("a.b.example.com", "/", 1),  # the ALB's '*' crosses dots
            ("example.com", "/", None),
        ),
    ),
    RulesCase(
        "regex-path-match",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rx
  namespace: shop
  annotations: {alb.ingress.kubernetes.io/group.name: g, alb.ingress.kubernetes.io/use-regex-path-match: "True"}
spec:
  ingressClassName: alb
  rules:
  - http:
      paths:
      - path: "/^/api/v[0-9]+/.*$"
        pathType: ImplementationSpecific
        backend: {service: {name: api, port: {number: 80}}}
      - {path: /docs, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}
      - {path: "", pathType: ImplementationSpecific, backend: {service: {name: rest, port: {number: 80}}}}
""",
        80,
        [
            (1, "shop/rx", [paths("/docs", "/docs/*")], fwd("docs")),  # Prefix before ImplementationSpecific
            (2, "shop/rx", [path_regex("^/api/v[0-9]+/.*$")], fwd("api")),  # "True" is true to ParseBool
            (3, "shop/rx", [paths("/*")], fwd("rest")),  # no host, empty path: '/*'
        ],
        (("any.example", "/api/v2/x", 2), ("any.example", "/api/vx/x", 3), ("any.example", "/docs/a", 1)),
    ),
    RulesCase(
        "annotation-conditions-and-actions",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cond
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/group.name: g
    alb.ingress.kubernetes.io/conditions.beta: >-
      [{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Beta","values":["yes","1"]}},
       {"field":"source-ip","sourceIpConfig":{"values":["10.0.0.0/8"]}}]
    alb.ingress.kubernetes.io/actions.beta: >-
      {"type":"forward","forwardConfig":{"targetGroups":[
       {"serviceName":"app-beta","servicePort":"80","weight":20},{"serviceName":"app","servicePort":"80","weight":80}]}}
    alb.ingress.kubernetes.io/actions.gone: >-
      {"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"410"}}
spec:
  ingressClassName: alb
  rules:
  - host: app.example.com
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: gone, port: {name: use-annotation}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: beta, port: {name: use-annotation}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
""",
        80,
        [
            (
                1,
                "shop/cond",
                [host("app.example.com"), paths("/old", "/old/*")],
                {"type": "fixed-response", "fixedResponseConfig": {"contentType": "text/plain", "statusCode": "410"}},
            ),
            (
                2,
                "shop/cond",
                [
                    {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Beta", "values": ["yes", "1"]}},
                    {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}},
                    host("app.example.com"),
                    paths("/*"),
                ],
                {
                    "type": "forward",
                    "forwardConfig": {
                        "targetGroups": [
                            {"serviceName": "app-beta", "servicePort": "80", "weight": 20},
                            {"serviceName": "app", "servicePort": "80", "weight": 80},
                        ]
                    },
                },
            ),
            (3, "shop/cond", [host("app.example.com"), paths("/*")], fwd("app")),
        ],
        (("app.example.com", "/old/x", 1), ("app.example.com", "/new", 3)),
    ),
    RulesCase(
        "host-header-condition-joins-the-rule-host",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: alias
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/group.name: g
    alb.ingress.kubernetes.io/conditions.web: >-
      [{"field":"host-header","hostHeaderConfig":{"values":["www.example.com"]}}]
spec:
  ingressClassName: alb
  rules:
  - host: example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        80,
        [(1, "shop/alias", [host("example.com", "www.example.com"), paths("/*")], fwd("web"))],
    ),
    RulesCase(
        "ssl-redirect-leaves-the-http-listener-without-rules",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tls
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/group.name: g
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP":80},{"HTTPS":443}]'
    alb.ingress.kubernetes.io/ssl-redirect: "443"
spec:
  ingressClassName: alb
  tls: [{hosts: [secure.example.com]}]
  rules:
  - host: secure.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        80,
        [],
    ),
    RulesCase(
        "https-listener-of-the-same-group",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: tls
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/group.name: g
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP":80},{"HTTPS":443}]'
    alb.ingress.kubernetes.io/ssl-redirect: "443"
spec:
  ingressClassName: alb
  tls: [{hosts: [secure.example.com]}]
  rules:
  - host: secure.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: shop, annotations: {alb.ingress.kubernetes.io/group.name: g}}
spec:
  ingressClassName: alb
  rules:
  - host: plain.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: plain, port: {number: 80}}}}
""",
        443,
        # shop/plain listens on HTTP 80 only (no certificate, no listen-ports): not on 443.
        [(1, "shop/tls", [host("secure.example.com"), paths("/*")], fwd("web"))],
    ),
]


def _ingresses(case: RulesCase) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(case.ingresses) if doc]


def _wild(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _matches(condition: Mapping[str, Any], request: AlbRequest) -> bool:
    """One condition as the ALB evaluates it (ELB listener rule conditions): values OR-ed."""
    field = condition["field"]
    path = request.path.partition("?")[0]
    if field == "host-header":
        return any(re.fullmatch(_wild(v), request.host, re.I) for v in condition.get("values", [])) or any(
            re.search(v, request.host) for v in condition.get("regexValues", [])
        )
    if field == "path-pattern":
        return any(re.fullmatch(_wild(v), path) for v in condition.get("values", [])) or any(
            re.search(v, path) for v in condition.get("regexValues", [])
        )
    if field == "http-header":
        config = condition["httpHeaderConfig"]
        value = request.headers.get(config["httpHeaderName"].lower())
        return value is not None and any(re.fullmatch(_wild(v), value, re.I) for v in config["values"])
    if field == "source-ip":
        address = ipaddress.ip_address(request.source_ip)
        return any(address in ipaddress.ip_network(v) for v in condition["sourceIpConfig"]["values"])
    raise AssertionError(f"condition {field} is not used in these cases")


def _first(case: RulesCase, request: AlbRequest) -> int | None:
    for priority, _, conditions, _ in case.rules:
        if all(_matches(c, request) for c in conditions):
            return priority
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_model_builds_the_rules_the_controller_builds(case: RulesCase) -> None:
    built = [
        (r.priority, r.ingress, [dict(c) for c in r.conditions], dict(r.action))
        for r in listener_rules(_ingresses(case), case.port)
    ]
    assert built == case.rules, f"case {case.name}: routes.listener_rules differs from the controller's rules"


@pytest.mark.parametrize("case", [c for c in CASES if c.requests], ids=[c.name for c in CASES if c.requests])
def test_alb_route_answers_as_the_hand_written_rules(case: RulesCase) -> None:
    for hostname, path, expected in case.requests:
        request = AlbRequest(hostname, path)
        assert _first(case, request) == expected, f"case {case.name}: the hand-written rules answer {path} otherwise"
        routed = alb_route(_ingresses(case), request)
        rule = next((r for r in case.rules if r[0] == expected), None)
        if rule is None:
            assert routed is None, (case.name, hostname, path)
            continue
        action = rule[3]
        assert routed is not None and routed.kind == action["type"], (case.name, hostname, path, routed)
        if action["type"] == "forward":
            groups = action["forwardConfig"]["targetGroups"]
            assert [name for name, _ in routed.targets] == [g["serviceName"] for g in groups], (case.name, path)


def test_condition_values_read_field_names_as_go_does() -> None:
    """Go's encoding/json matches field names without case, and the controller reads only the config of the
    condition's field (RuleCondition, v3.5.0 pkg/ingress/config_types.go): written "Values" in "HttpHeaderConfig"
    they are three values all the same, so a host rule's Prefix /api (host + /api + /api/*) holds 6, over 5."""
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "x-env", "Values": ["a", "b", "c"]}}
    path = {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
    annotations = {"alb.ingress.kubernetes.io/conditions.web": json.dumps([header])}
    assert condition_values(annotations, "shop.example.com", path) == 6
    # A config that is not the field's own is not read: the source-ip condition's values count, the stray do not.
    stray = {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}, "httpHeaderConfig": {"values": ["z"]}}
    annotations = {"alb.ingress.kubernetes.io/conditions.web": json.dumps([stray])}
    assert condition_values(annotations, "", path) == 3
    # An empty (ImplementationSpecific) path gives no path value; a rule with no condition at all gets '/*'.
    empty = {"path": "", "pathType": "ImplementationSpecific", "backend": path["backend"]}
    assert condition_values({}, "shop.example.com", empty) == 1
    assert condition_values({}, "", empty) == 1
    # regexValues under source-ip is no field of SourceIPConditionConfig: Go drops it, nothing is sent.
    stray = {"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"], "regexValues": ["a", "b"]}}
    assert condition_values({"alb.ingress.kubernetes.io/conditions.web": json.dumps([stray])}, "", empty) == 1
    # JSON the controller refuses (NaN) counts nothing here: the validator names it.
    annotations = {"alb.ingress.kubernetes.io/conditions.web": '[{"field": "source-ip", "x": NaN}]'}
    assert condition_values(annotations, "", path) == 2


def test_condition_values_are_counted_as_the_rules_hold_them() -> None:
    """routes.condition_values (migrate's 5-value guard) against the hand-written rules' values."""
    case = next(c for c in CASES if c.name == "annotation-conditions-and-actions")
    ingress = _ingresses(case)[0]
    annotations = ingress["metadata"]["annotations"]
    rule = ingress["spec"]["rules"][0]
    counted = [condition_values(annotations, rule["host"], p) for p in rule["http"]["paths"]]
    # /old: host + /old + /old/*; beta: 2 header values + 1 source-ip + host + /*; app: host + /*
    assert counted == [3, 5, 2]


@pytest.mark.parametrize(
    ("annotations", "spec_tls", "ports"),
    [
        # v3.5.0 model_build_listener.go computeIngressListenPorts: without listen-ports, HTTPS 443 only with an
        # explicit certificate (preferTLS = len(explicitTLSCertARNs) != 0); spec.tls alone leaves HTTP 80.
        ({}, True, {80: "HTTP"}),
        ({"certificate-arn": " , "}, True, {80: "HTTP"}),  # ParseStringSliceAnnotation drops blank entries
        ({"certificate-arn": "arn:aws:acm:us-east-1:111122223333:certificate/abc"}, False, {443: "HTTPS"}),
        # json.Unmarshal into []map[string]int32: a null entry is an empty map; a later entry for a port wins.
        ({"listen-ports": '[null, {"HTTP": 80}, {"HTTPS": 80}]'}, False, {80: "HTTPS"}),
    ],
)
def test_listen_ports_are_the_controllers(annotations: dict[str, str], spec_tls: bool, ports: dict[int, str]) -> None:
    from albops.migrate.routes import listen_ports

    written = {"alb.ingress.kubernetes.io/" + key: value for key, value in annotations.items()}
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "a", "port": {"number": 80}}}}
    assert listen_ports(written) == ports
    ingress = {
        "metadata": {"name": "a", "namespace": "shop", "annotations": written},
        "spec": {
            **({"tls": [{"hosts": ["a.example.com"]}]} if spec_tls else {}),
            "rules": [{"host": "a.example.com", "http": {"paths": [path]}}],
        },
    }
    for port in (80, 443):
        assert bool(listener_rules([ingress], port)) is (port in ports), port


def test_a_listen_ports_value_the_controller_refuses_stops_the_group() -> None:
    from albops.migrate.routes import listen_ports

    for raw in ('[{"HTTP": "80"}]', "[]", "null", '[{"HTTPS": 443.0}]', "not json"):
        with pytest.raises(ValueError, match="listen-ports: "):
            listen_ports({"alb.ingress.kubernetes.io/listen-ports": raw})
