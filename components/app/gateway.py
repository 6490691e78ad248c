"""Gateway API objects for the controller's ALB Gateway support (``gateway.k8s.aws/alb``, GA since v3.0.0).

What an Ingress says in annotations, Gateway API says in objects, and the controller (v3.5.0, built for
Gateway API v1.6.0; docs/guide/gateway in its sources) reads them so:

- a ``Gateway`` is one ALB. Its listeners come from the ports; HTTPS needs no ``tls`` block, and must not
  name ``certificateRefs`` (not supported): certificates, TLS policy, scheme, attributes, subnets and tags
  live in the ``LoadBalancerConfiguration`` the Gateway names in ``infrastructure.parametersRef``;
- ``allowedRoutes`` on each listener decides which namespaces may attach routes: the ALB is shared only
  with the namespaces named (the Gateway's own otherwise, ``from: Same``);
- an ``HTTPRoute`` per app and host set: path matches, ``URLRewrite`` with ``ReplacePrefixMatch`` for the
  prefix strip, a rule without backends plus an ``ExtensionRef`` to a ``ListenerRuleConfiguration`` for a
  fixed response, and the HTTP listener's own route with ``RequestRedirect`` to HTTPS;
- a ``TargetGroupConfiguration`` keyed off the backend Service: target type ``ip`` (pods, not nodes), the
  health check and the deregistration delay, as the Ingress's annotations give them.

pulumi-kubernetes has no await logic for these kinds, so each one the rollout depends on carries a
``pulumi.com/waitFor`` annotation on the condition the controller sets (Gateway ``Programmed``, route
``Accepted`` and ``ResolvedRefs`` on its parent): the Deployment after them is created only once the
target group binding exists, so its first pods get readiness gates, as with the Ingress.
"""

# No `from __future__ import annotations`: Pulumi's component provider reads annotations at run time.

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from albingress.facts.gateway_api import (
    ALB_GATEWAY_CONTROLLER,
    AWS_GATEWAY_GROUP,
    AWS_GATEWAY_VERSION,
    GATEWAY_API_BUNDLE,
    GATEWAY_API_GROUP,
    GATEWAY_API_VERSION,
)
from albingress.facts.gateway_api_limits import ROUTE_HOSTNAMES, ROUTE_RULES, RULE_MATCHES

WAIT_FOR = "pulumi.com/waitFor"
GATEWAY_WAIT = "condition=Programmed"
ROUTE_WAIT = json.dumps(
    [
        'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
        'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
    ]
)


def bundle_older(found: str, wanted: str = GATEWAY_API_BUNDLE) -> bool:
    """True when the bundle version ``found`` (``v1.4.0``) is older than ``wanted``; unreadable counts as older."""

    def parts(version: str) -> tuple[int, ...] | None:
        digits = version.removeprefix("v").split("-", 1)[0].split(".")
        return tuple(int(d) for d in digits) if all(d.isdigit() for d in digits) and len(digits) == 3 else None

    have, want = parts(found), parts(wanted)
    return have is None or want is None or have < want


def listener_name(protocol: str, port: int) -> str:
    return f"{protocol.lower()}-{port}"


@dataclass(frozen=True)
class GatewayPlan:
    """One shared ALB as a Gateway: where it lives and what its LoadBalancerConfiguration carries."""

    name: str
    namespace: str
    gateway_class: str
    # ({"HTTP": 80}, {"HTTPS": 443}) as the stack's alb.listenPorts.
    listen_ports: tuple[Mapping[str, int], ...]
    scheme: str
    ssl_policy: str
    ssl_redirect: int | None
    load_balancer_attributes: Mapping[str, str]
    tags: Mapping[str, str] = field(default_factory=dict)
    subnets: tuple[str, ...] = ()
    # None: only routes of the Gateway's own namespace may attach.
    allowed_namespaces: tuple[str, ...] | None = None
    # Other certificates of the HTTPS listeners (the apps' hosts), beside the default one.
    certificates: tuple[str, ...] = ()

    @property
    def config_name(self) -> str:
        return self.name

    def listeners(self, protocol: str | None = None) -> list[tuple[str, int]]:
        return [(p, port) for entry in self.listen_ports for p, port in entry.items() if protocol in (None, p)]

    def route_sections(self) -> tuple[str, ...]:
        """The listeners an app's route attaches to: the HTTPS ones when HTTP only redirects, else all."""
        protocols = ("HTTPS",) if self.ssl_redirect is not None else ("HTTP", "HTTPS")
        return tuple(listener_name(p, port) for p, port in self.listeners() if p in protocols)

    def ref(self) -> "GatewayRef":
        return GatewayRef(self.name, self.namespace, self.route_sections())


def gateway_class_spec() -> dict[str, Any]:
    return {"controllerName": ALB_GATEWAY_CONTROLLER}


def load_balancer_configuration_spec(plan: GatewayPlan, certificate_arn: pulumi.Input[str] | None) -> dict[str, Any]:
    """What the Ingress group's annotations carry, in the LoadBalancerConfiguration's fields (its v1 CRD)."""
    listeners: list[dict[str, Any]] = []
    for _, port in plan.listeners("HTTPS"):
        listener: dict[str, Any] = {"protocolPort": f"HTTPS:{port}", "sslPolicy": plan.ssl_policy}
        if certificate_arn is not None:
            listener["defaultCertificate"] = certificate_arn
        if plan.certificates:
            listener["certificates"] = list(plan.certificates)
        listeners.append(listener)
    spec: dict[str, Any] = {
        "scheme": plan.scheme,
        "listenerConfigurations": listeners,
        "loadBalancerAttributes": [{"key": k, "value": v} for k, v in plan.load_balancer_attributes.items()],
    }
    if plan.tags:
        spec["tags"] = dict(plan.tags)
    if plan.subnets:
        spec["loadBalancerSubnets"] = [{"identifier": subnet} for subnet in plan.subnets]
    return spec


def allowed_routes(plan: GatewayPlan, protocol: str) -> dict[str, Any]:
    """Who may attach routes to a listener. When HTTP only redirects, its listeners take the Gateway's own
    namespace alone (its redirect route): a team's plain-HTTP route there would bypass the redirect."""
    if plan.allowed_namespaces is None or (protocol == "HTTP" and plan.ssl_redirect is not None):
        namespaces: dict[str, Any] = {"from": "Same"}
    else:
        # The Gateway's own namespace always: its owner's routes (the echoserver's) live there.
        admitted = list(dict.fromkeys((plan.namespace, *plan.allowed_namespaces)))
        namespaces = {
            "from": "Selector",
            "selector": {
                "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": admitted}]
            },
        }
    return {"namespaces": namespaces, "kinds": [{"group": GATEWAY_API_GROUP, "kind": "HTTPRoute"}]}


def gateway_spec(plan: GatewayPlan) -> dict[str, Any]:
    return {
        "gatewayClassName": plan.gateway_class,
        "infrastructure": {
            "parametersRef": {"group": AWS_GATEWAY_GROUP, "kind": "LoadBalancerConfiguration", "name": plan.config_name}
        },
        "listeners": [
            {
                "name": listener_name(protocol, port),
                "protocol": protocol,
                "port": port,
                "allowedRoutes": allowed_routes(plan, protocol),
            }
            for protocol, port in plan.listeners()
        ],
    }


def redirect_route_spec(plan: GatewayPlan) -> dict[str, Any] | None:
    """The HTTP listeners' route: every request redirected to HTTPS (the Ingress's ssl-redirect)."""
    if plan.ssl_redirect is None:
        return None
    parents = [{"name": plan.name, "sectionName": listener_name(p, port)} for p, port in plan.listeners("HTTP")]
    if not parents:
        return None
    redirect = {"scheme": "https", "port": plan.ssl_redirect, "statusCode": 301}
    return {"parentRefs": parents, "rules": [{"filters": [{"type": "RequestRedirect", "requestRedirect": redirect}]}]}


@dataclass(frozen=True)
class RoutePath:
    """One path of an app's route: its match, and either the Service or a fixed response answers it."""

    path: str
    path_type: str  # Exact or Prefix, as the app's paths
    fixed_response: str | None = None  # the ListenerRuleConfiguration's name, when the ALB answers itself


@dataclass(frozen=True)
class GatewayRef:
    """The Gateway a route attaches to, and the listeners (section names) it attaches to."""

    name: str
    namespace: str
    sections: tuple[str, ...]


def http_route_spec(
    gateway: GatewayRef,
    route_namespace: str,
    hosts: Sequence[str],
    paths: Sequence[RoutePath],
    service_name: str,
    service_port: int,
    strip_prefix: str | None,
) -> dict[str, Any]:
    """One app's route: a rule per path, in the order given (the controller orders by its precedence anyway).

    ``strip_prefix``: the Prefix path whose prefix is replaced by ``/`` before the request reaches the pods.
    """
    parent: dict[str, Any] = {"name": gateway.name}
    if route_namespace != gateway.namespace:
        parent["namespace"] = gateway.namespace
    parents = [{**parent, "sectionName": section} for section in gateway.sections]
    rules: list[dict[str, Any]] = []
    for item in paths:
        match = {"path": {"type": "Exact" if item.path_type == "Exact" else "PathPrefix", "value": item.path}}
        rule: dict[str, Any] = {"matches": [match]}
        if item.fixed_response is not None:
            extension = {"group": AWS_GATEWAY_GROUP, "kind": "ListenerRuleConfiguration", "name": item.fixed_response}
            rule["filters"] = [{"type": "ExtensionRef", "extensionRef": extension}]
        else:
            if strip_prefix is not None and item.path == strip_prefix and item.path_type == "Prefix":
                rewrite = {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}
                rule["filters"] = [{"type": "URLRewrite", "urlRewrite": rewrite}]
            rule["backendRefs"] = [{"name": service_name, "port": service_port}]
        rules.append(rule)
    return {"parentRefs": parents, "hostnames": list(hosts), "rules": merged_rules(rules)}


def merged_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Over the 16 rules an HTTPRoute holds (Gateway API v1.6.0), the rules that do the same (backends and
    filters) as one rule with their paths as its matches, at most 64 a rule; within 16, unchanged.

    The controller orders every match on its own key (hostname, path type, path length, ...; route_rule_
    precedence.go lines 68-88 and 245-279 at v3.5.0), the rule only breaking ties between equal keys, and an
    app's paths of equal key are distinct paths of one type and length, which never match the same request:
    so merging changes no request's rule."""
    if len(rules) <= ROUTE_RULES:
        return rules
    out: list[dict[str, Any]] = []
    current: dict[str, dict[str, Any]] = {}
    for rule in rules:
        key = json.dumps({k: v for k, v in rule.items() if k != "matches"}, sort_keys=True)
        into = current.get(key)
        if into is None or len(into["matches"]) + len(rule["matches"]) > RULE_MATCHES:
            into = {**rule, "matches": []}
            current[key] = into
            out.append(into)
        into["matches"].extend(rule["matches"])
    return out


# Characters that change what a regular expression matches. The controller writes a ReplacePrefixMatch
# rewrite as the regex (^<prefix>(/)?) without escaping the prefix (pkg/gateway/routeutils/
# route_rule_transform.go at v3.5.0), so a prefix holding one of these is not rewritten as written. '.' is
# not among them: it matches itself too, and the rewrite only sees paths that matched the prefix literally.
REGEX_METACHARACTERS = frozenset("*+?()[]{}|^$\\")


def unescaped_regex_problem(prefix: str) -> str | None:
    """Why the controller would rewrite ``prefix`` wrongly (a regex metacharacter in it), or None."""
    found = sorted(set(prefix) & REGEX_METACHARACTERS)
    if not found:
        return None
    return (
        f"{prefix!r} holds {', '.join(repr(c) for c in found)}, which the controller's prefix rewrite reads as a "
        "regular expression (it does not escape the prefix): rename the path, or strip it in the app"
    )


def fixed_response_spec(status_code: int, content_type: str, message_body: str) -> dict[str, Any]:
    config = {"statusCode": status_code, "contentType": content_type, "messageBody": message_body}
    return {"actions": [{"type": "fixed-response", "fixedResponseConfig": config}]}


def target_group_configuration_spec(
    service_name: str, health_check_path: str, deregistration_delay_seconds: int
) -> dict[str, Any]:
    """Pods as targets, the health check and the drain: what keeps WebSockets alive through a rollout."""
    return {
        "targetReference": {"name": service_name},
        "defaultConfiguration": {
            "targetType": "ip",
            "healthCheckConfig": {"healthCheckPath": health_check_path, "healthCheckProtocol": "HTTP"},
            "targetGroupAttributes": [
                {"key": "deregistration_delay.timeout_seconds", "value": str(deregistration_delay_seconds)}
            ],
        },
    }


def routed_service(
    name: str,
    route_name: str,
    metadata: Mapping[str, Any],
    service_name: str,
    health_check_path: str,
    deregistration_delay_seconds: int,
    spec: Mapping[str, Any],
    options: Callable[..., pulumi.ResourceOptions],
    target_waits: Sequence[pulumi.Resource] = (),
    route_waits: Sequence[pulumi.Resource] = (),
    more_routes: Sequence[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = (),
) -> "GatewayObject":
    """A Service's TargetGroupConfiguration and the HTTPRoute to it, for the echoserver and every app alike.

    The route carries the waitFor annotation and waits for the configuration, so the target group is made
    with pods as targets from the start; ``options(*resources)`` gives the options depending on them.
    ``more_routes``: (resource name, metadata, spec) of further routes to the same Service (an app's hosts
    over the 16 one route holds), made alike; the first route is returned.
    """
    target_config = GatewayObject(
        f"{name}-target-group-config",
        AWS_GATEWAY_VERSION,
        "TargetGroupConfiguration",
        {**metadata, "name": service_name},
        target_group_configuration_spec(service_name, health_check_path, deregistration_delay_seconds),
        opts=options(*target_waits),
    )
    for extra_name, extra_metadata, extra_spec in more_routes:
        GatewayObject(
            extra_name,
            GATEWAY_API_VERSION,
            "HTTPRoute",
            {**extra_metadata, "annotations": {WAIT_FOR: ROUTE_WAIT}},
            extra_spec,
            opts=options(*route_waits, target_config),
        )
    return GatewayObject(
        route_name,
        GATEWAY_API_VERSION,
        "HTTPRoute",
        {**metadata, "annotations": {WAIT_FOR: ROUTE_WAIT}},
        spec,
        opts=options(*route_waits, target_config),
    )


def host_sets(hosts: Sequence[str]) -> list[list[str]]:
    """An app's hosts in sets of at most 16, a route each (hostname precedence is per hostname, route_rule_
    precedence.go lines 58-66 at v3.5.0: where a hostname's route is changes nothing)."""
    return [list(hosts[i : i + ROUTE_HOSTNAMES]) for i in range(0, len(hosts), ROUTE_HOSTNAMES)] or [[]]


def gateway_hostname(status: Any) -> str:
    """The ALB's DNS name from a Gateway's status (``addresses``), once the controller has written it."""
    addresses = status.get("addresses") if isinstance(status, Mapping) else None
    for address in addresses or []:
        if isinstance(address, Mapping) and address.get("value"):
            return str(address["value"])
    return ""


def _sdk_version() -> str:
    """The pulumi-kubernetes plugin version of the SDK in use (what its own resources ask for)."""
    return str(k8s._utilities.get_version())  # type: ignore[no-untyped-call]


class GatewayObject(pulumi.CustomResource):
    """A Gateway API or controller object, as ``CustomResource`` makes it, with its ``status`` readable.

    ``k8s.apiextensions.CustomResource`` keeps no ``status`` output; the Gateway's carries the ALB's name.
    """

    status: pulumi.Output[Any]

    def __init__(
        self,
        name: str,
        api_version: str,
        kind: str,
        metadata: Mapping[str, Any],
        spec: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": dict(metadata),
            "spec": dict(spec),
            "status": None,
        }
        version = pulumi.ResourceOptions(version=_sdk_version())
        super().__init__(f"kubernetes:{api_version}:{kind}", name, props, pulumi.ResourceOptions.merge(opts, version))

    @classmethod
    def read(
        cls,
        name: str,
        api_version: str,
        kind: str,
        object_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> "GatewayObject":
        """An existing object (``namespace/name``), read and never changed or deleted by this program.

        The engine reads in a preview too, unless the id is unknown then (pkg/resource/deploy/step.go,
        ``ReadStep.Apply``): an id made from an output of something not yet created defers the read to the
        update, after it.
        """
        reading = cls.__new__(cls)
        props = {"apiVersion": api_version, "kind": kind, "status": None}
        options = pulumi.ResourceOptions(id=object_id, version=_sdk_version())
        pulumi.CustomResource.__init__(
            reading, f"kubernetes:{api_version}:{kind}", name, props, pulumi.ResourceOptions.merge(opts, options)
        )
        return reading
