"""The ``group-quota`` guardrail: the review's Ingresses and routes described as the group budget's
``Footprint``s and counted by the same code as the stack's apps and ``AlbApp`` (``policies/alb_budget.py``),
so the plan, the policy pack and ``albops check`` say what the controller would build.

What an Ingress becomes (aws-load-balancer-controller v3.5.0, pkg/ingress): its listen ports
(``listen-ports``, else the controller's default), whether the group redirects HTTP (``ssl-redirect``), one
rule per rule host and path, a ``use-annotation`` backend read from its ``actions.<name>`` annotation (a
forward's Services, or a redirect the rule optimizer may drop), its ``defaultBackend`` (a target group, no
rule), its certificates, inbound CIDRs and ``group.order``. A Gateway's routes become one rule per hostname
and match on each listener they attach to. Pods are counted from the Deployments and StatefulSets whose
template labels match a Service's selector; a Service the review does not describe counts no targets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from albingress.facts.go_values import go_bool, go_json_field, go_json_loads
from albingress.policies.alb_budget import Footprint, PathRoute, Quotas, Redirect, Route, count_groups, raise_advice
from albingress.policies.app_checks import parse_group_order
from albingress.policies.gateway_rules import alb_gateways
from albingress.policies.review import (
    ANN,
    SERVICE,
    Resource,
    Stack,
    Violation,
    backend_services,
    display,
    listen_ports,
)

WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet")


def _pods(stack: Stack) -> dict[tuple[str, str], int]:
    """Pods behind each Service of the review: the replicas of the workloads its selector matches."""

    workloads = []
    for workload in stack.of_type(*WORKLOADS):
        template = workload.spec.get("template")
        labels = ((template or {}).get("metadata") or {}).get("labels") if isinstance(template, Mapping) else None
        replicas = workload.spec.get("replicas", 1)
        if isinstance(labels, Mapping) and isinstance(replicas, int):
            workloads.append((workload.namespace, labels, replicas))
    found: dict[tuple[str, str], int] = {}
    for service in stack.of_type(SERVICE):
        selector = service.spec.get("selector")
        if not isinstance(selector, Mapping) or not selector:
            continue
        found[(service.namespace, str(service.metadata.get("name")))] = sum(
            replicas
            for namespace, labels, replicas in workloads
            if namespace == service.namespace and all(labels.get(k) == v for k, v in selector.items())
        )
    return found


def _backend(namespace: str, backend: Any) -> tuple[str, str, str] | None:
    service = backend.get("service") if isinstance(backend, Mapping) else None
    if not isinstance(service, Mapping) or not service.get("name"):
        return None
    port = service.get("port") or {}
    value = port.get("number") or port.get("name") if isinstance(port, Mapping) else None
    return (namespace, str(service["name"]), str(value))


def _action(ingress: Resource, name: str) -> tuple[tuple[tuple[str, str, str], ...], Redirect | None]:
    """A ``use-annotation`` backend: the Services its forward action names, or its redirect."""

    raw = ingress.annotations.get(f"{ANN}actions.{name}")
    try:
        action = go_json_loads(raw) if isinstance(raw, str) else None
    except ValueError:
        action = None
    if not isinstance(action, Mapping):
        return (), None
    kind = _go_field(action, "type")
    if kind == "redirect":
        config = _go_field(action, "redirectConfig")
        config = config if isinstance(config, Mapping) else {}
        defaults = Redirect()
        return (), Redirect(
            protocol=str(_go_field(config, "protocol") or defaults.protocol),
            port=str(_go_field(config, "port") or defaults.port),
            host=str(_go_field(config, "host") or defaults.host),
            path=str(_go_field(config, "path") or defaults.path),
            query=str(_go_field(config, "query") or defaults.query),
        )
    if kind == "forward":
        forward = _go_field(action, "forwardConfig")
        groups = _go_field(forward, "targetGroups") if isinstance(forward, Mapping) else None
        return (
            tuple(
                (ingress.namespace, str(_go_field(g, "serviceName")), str(_go_field(g, "servicePort")))
                for g in groups or []
                if isinstance(g, Mapping) and _go_field(g, "serviceName")
            ),
            None,
        )
    return (), None


def forwarded_services(ingress: Resource) -> list[str]:
    """The Services an Ingress's ``use-annotation`` forward actions send to: the controller builds a target
    group for each, as for a plain backend (v3.5.0 pkg/ingress/model_build_actions.go)."""
    names: list[str] = []
    for service in backend_services(ingress):
        port = service.get("port")
        if isinstance(port, Mapping) and port.get("name") == "use-annotation" and service.get("name"):
            targets, _ = _action(ingress, str(service["name"]))
            names += [name for _, name, _ in targets if name not in names]
    return names


def _go_field(document: Any, name: str) -> Any:
    """A JSON field as Go's encoding/json reads it into the controller's Action struct (go_json_field)."""
    return go_json_field(document, name)


def _ports(stack: Stack, ingress: Resource) -> tuple[tuple[int, ...], tuple[int, ...]]:

    ports = listen_ports(stack, ingress)
    return (
        tuple(port for proto, port in ports if proto == "HTTPS"),
        tuple(port for proto, port in ports if proto == "HTTP"),
    )


def ingress_footprint(stack: Stack, ingress: Resource, pods: Mapping[tuple[str, str], int]) -> Footprint:
    """One Ingress as the controller builds it into its group."""

    name = str(ingress.metadata.get("name") or ingress.name)
    regex_paths = go_bool(str(ingress.annotations.get(f"{ANN}use-regex-path-match", ""))) is True
    routes: list[Route] = []
    hosts: list[str] = []
    for index, rule in enumerate(ingress.spec.get("rules") or []):
        if not isinstance(rule, Mapping):
            continue
        host = str(rule.get("host") or "")
        if host:
            hosts.append(host)
        http = rule.get("http")
        if not isinstance(http, Mapping):
            continue  # a rule without http makes no listener rule
        for path in http.get("paths") or []:
            if not isinstance(path, Mapping):
                continue
            kind = str(path.get("pathType") or "ImplementationSpecific")
            regex = regex_paths and kind == "ImplementationSpecific" and bool(path.get("path"))
            route = PathRoute(str(path.get("path") or "/"), kind, regex)
            backend = path.get("backend") or {}
            service = backend.get("service") if isinstance(backend, Mapping) else None
            service = service if isinstance(service, Mapping) else {}
            port = service.get("port")
            if isinstance(port, Mapping) and port.get("name") == "use-annotation":
                forwards, redirect = _action(ingress, str(service.get("name")))
                routes.append(Route(host, route, forwards, redirect, rule=index))
            else:
                found = _backend(ingress.namespace, backend)
                routes.append(Route(host, route, (found,) if found else (), rule=index))
    for tls in ingress.spec.get("tls") or []:
        if isinstance(tls, Mapping):
            hosts.extend(str(h) for h in tls.get("hosts") or [])
    default = _backend(ingress.namespace, ingress.spec.get("defaultBackend"))
    arns = tuple(a.strip() for a in (stack.setting(ingress, "certificate-arn") or "").split(",") if a.strip())
    cidrs = tuple(c.strip() for c in (stack.setting(ingress, "inbound-cidrs") or "").split(",") if c.strip())
    https, http = _ports(stack, ingress)
    order = stack.setting(ingress, "group.order")
    group = stack.group(ingress)
    return Footprint(
        app=display(ingress),
        # An Ingress outside any group gets an ALB of its own.
        group=f"group {group}" if group else display(ingress),
        hosts=tuple(dict.fromkeys(hosts)),
        paths=(),
        certificates=arns or None,
        https_ports=https,
        http_ports=http,
        ssl_redirect=bool(stack.setting(ingress, "ssl-redirect")),
        inbound_cidrs=cidrs or ("0.0.0.0/0",),
        source=f"{ingress.namespace}/{name}",
        routes=tuple(routes),
        # Read as Go reads it; a value the controller refuses is route_violations' finding (it counts as 0 here).
        order=0 if order is None else parse_group_order(order)[0],
        pods=pods,
        default_backends=(default,) if default else (),
    )


def gateway_footprints(stack: Stack, pods: Mapping[tuple[str, str], int]) -> Iterator[Footprint]:
    """Each route attached to an ALB Gateway: a rule per hostname and match on each listener it attaches to."""

    for gateway in alb_gateways(stack):
        group = display(gateway.gateway)
        for route, sections in gateway.routes:
            listeners = [
                item
                for item in gateway.listeners()
                if None in sections or item.get("name") in sections
                if isinstance(item.get("port"), int)
            ]
            hostnames = [str(h) for h in route.spec.get("hostnames") or []] or [""]
            routes: list[Route] = []
            for rule in route.spec.get("rules") or []:
                if not isinstance(rule, Mapping):
                    continue
                backends = tuple(
                    (str(ref.get("namespace") or route.namespace), str(ref["name"]), str(ref.get("port")))
                    for ref in rule.get("backendRefs") or []
                    if isinstance(ref, Mapping) and ref.get("name") and ref.get("kind", "Service") == "Service"
                )
                matches = [m for m in rule.get("matches") or [] if isinstance(m, Mapping)] or [{}]
                for match in matches:
                    path = match.get("path") or {}
                    kind = "Exact" if path.get("type") == "Exact" else "Prefix"
                    for host in hostnames:
                        routes.append(Route(host, PathRoute(str(path.get("value") or "/"), kind), backends))
            yield Footprint(
                app=display(route),
                group=group,
                hosts=(),
                paths=(),
                certificates=(),
                https_ports=tuple(int(item["port"]) for item in listeners if item.get("protocol") == "HTTPS"),
                http_ports=tuple(int(item["port"]) for item in listeners if item.get("protocol") == "HTTP"),
                ssl_redirect=False,
                api="gateway",
                source=f"{route.namespace}/{route.metadata.get('name') or route.name}",
                routes=tuple(routes),
                pods=pods,
            )


def footprints(stack: Stack) -> list[Footprint]:
    pods = _pods(stack)
    return [*(ingress_footprint(stack, i, pods) for i in stack.alb_ingresses()), *gateway_footprints(stack, pods)]


def quota_violations(stack: Stack, quotas: Quotas) -> Iterable[Violation]:
    """A group over any ALB quota, counted as the controller builds it, with what each Ingress adds."""

    for group, count in sorted(count_groups(footprints(stack)).items()):
        over = count.over(quotas)
        if not over:
            continue
        dropped = f" ({count.dropped} rules the controller's optimizer drops are not counted)" if count.dropped else ""
        yield Violation(
            "group-quota",
            group,
            f"needs {', '.join(over)} as the controller builds it{dropped}: one Ingress over a limit blocks the "
            f"whole group. Per Ingress: {count.shares()}",
            f"move Ingresses to another group, merge paths, or {raise_advice(count.exceeded(quotas), 'alb.quotas')}",
        )


def quotas_from_config(alb: Any) -> Quotas:
    """The stack's ``alb.quotas`` (rules, certificates), from config as the plan or the policy pack hands it
    (a mapping, or its JSON text); a value that is not a whole number keeps the AWS default (the settings
    refuse it with its key before any plan)."""
    if isinstance(alb, str):
        try:
            alb = json.loads(alb)
        except ValueError:
            return Quotas()
    given = alb.get("quotas") if isinstance(alb, Mapping) else None
    if not isinstance(given, Mapping):
        return Quotas()

    def whole(key: str, default: int) -> int:
        value = given.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default

    defaults = Quotas()
    return Quotas(
        rules=whole("rules", defaults.rules),
        certificates=whole("certificates", defaults.certificates),
        targets=whole("targets", defaults.targets),
        listeners=whole("listeners", defaults.listeners),
    )


def route_violations(stack: Stack) -> Iterable[Violation]:
    """What hands one team's traffic to another, judged with the apps' own checks (policies/app_checks.py):
    two Ingresses (or routes) of one ALB with one host and one rule (a Prefix path's trailing '/' does not
    count: the controller drops it), and one host in two groups (its DNS name points at one ALB)."""
    from albingress.policies.app_checks import GroupMember, host_group_problems, precedence_problems, route_key

    for ingress in stack.alb_ingresses():
        raw = stack.setting(ingress, "group.order")
        problem = None if raw is None else parse_group_order(raw)[1]
        if problem:
            yield Violation(
                "group-routes",
                display(ingress),
                f"{problem}: the controller fails to sort the group's Ingresses (group_loader.go sortGroupMembers) "
                "and stops reconciling the whole group, every team's Ingress in it",
                "write alb.ingress.kubernetes.io/group.order as a whole number from -1000 to 1000 (ASCII digits, "
                "an optional sign, no spaces), or remove it for the default 0",
            )
    found = footprints(stack)

    def routed(footprint: Footprint) -> list[Route]:
        # Not a legacy redirect to HTTPS: on HTTP it answers before other rules by design (the redirect they
        # are meant to get), and on HTTPS the controller drops it where it would redirect to itself (where it
        # keeps it, alb-ssl-redirect says it loops).
        return [r for r in footprint.route_list() if r.redirect is None or r.redirect.protocol != "HTTPS"]

    claimed: dict[tuple[str, str, str, str], str] = {}
    for footprint in found:
        for route in routed(footprint):
            if route.path.path_type not in ("Prefix", "Exact"):
                continue
            first = claimed.setdefault((footprint.group, route.host, *route_key(route.path)), footprint.app)
            if first != footprint.app:
                yield Violation(
                    "group-routes",
                    footprint.group,
                    f"{first} and {footprint.app} both route {route.host or '(any host)'}{route.path.path} "
                    f"({route.path.path_type}): one rule wins, by group order, and the other never sees a request",
                    "give one of them another path or host",
                )
    # The controller's real cross-Ingress order: group.order, then namespace/name; paths sorted only inside one
    # Ingress (the same check the apps get).
    members = [
        GroupMember(
            f.key.partition("/")[2] or f.app,
            f.key.partition("/")[0],
            f.group,
            f.order,
            tuple((r.host, r.path) for r in routed(f)),
        )
        for f in found
        if f.api == "ingress"
    ]
    for problem in precedence_problems(members):
        yield Violation("group-routes", "order", problem, "order the Ingresses so the more specific rule comes first")
    placed = [(f.app, f.group, tuple(dict.fromkeys(r.host for r in f.route_list() if r.host))) for f in found]
    for problem in host_group_problems(placed, named=lambda group: group)[0]:
        yield Violation("group-routes", "hosts", problem, "keep each host in one group (one ALB)")
