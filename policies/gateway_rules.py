"""The guardrails' checks for Gateway API objects on the controller's ALB Gateways (``gateway.k8s.aws/alb``).

They protect what the Ingress rules protect, read from where Gateway API keeps it (the controller's
v3.5.0 Gateway docs): pods as targets come from a ``TargetGroupConfiguration`` (the controller's default
target type is ``instance``, node hops and all); scheme, certificates, TLS policy and attributes from the
``LoadBalancerConfiguration`` the Gateway names (the default scheme is ``internal``); the HTTP->HTTPS
redirect from an HTTPRoute's ``RequestRedirect`` on the HTTP listener; the drain delay from the
``TargetGroupConfiguration``'s attributes. Each finding carries the Ingress rule's id, so one rule set
names one protection whichever API an app uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from albingress.facts.gateway_api import ALB_GATEWAY_CONTROLLER, AWS_GATEWAY_GROUP, GATEWAY_API_GROUP
from albingress.facts.regions import ALB_SSL_POLICIES, CONTROLLER_DEFAULT_SSL_POLICY, RECOMMENDED_SSL_POLICY
from albingress.policies.review import Resource, Stack, Violation, display


def _types(group: str, kind: str) -> tuple[str, ...]:
    return tuple(f"kubernetes:{group}/{version}:{kind}" for version in ("v1", "v1beta1"))


GATEWAY_CLASSES = _types(GATEWAY_API_GROUP, "GatewayClass")
GATEWAYS = _types(GATEWAY_API_GROUP, "Gateway")
HTTP_ROUTES = _types(GATEWAY_API_GROUP, "HTTPRoute")
LB_CONFIGS = _types(AWS_GATEWAY_GROUP, "LoadBalancerConfiguration")
TG_CONFIGS = _types(AWS_GATEWAY_GROUP, "TargetGroupConfiguration")


@dataclass(frozen=True)
class AlbGateway:
    """A Gateway the ALB controller serves, with its LoadBalancerConfiguration spec and attached routes."""

    gateway: Resource
    config: Mapping[str, Any]
    routes: tuple[tuple[Resource, tuple[str | None, ...]], ...]  # each route and the sections it names

    @property
    def scheme(self) -> str:
        return str(self.config.get("scheme") or "internal")

    def listeners(self, protocol: str | None = None) -> list[Mapping[str, Any]]:
        """The Gateway's listeners, or those of one protocol."""
        return [
            item
            for item in self.gateway.spec.get("listeners") or []
            if isinstance(item, Mapping) and (protocol is None or item.get("protocol") == protocol)
        ]

    def listener_config(self, port: Any) -> Mapping[str, Any]:
        for item in self.config.get("listenerConfigurations") or []:
            if isinstance(item, Mapping) and item.get("protocolPort") == f"HTTPS:{port}":
                return item
        return {}


def _named(resources: Iterable[Resource], namespace: str, name: Any) -> Resource | None:
    return next((r for r in resources if r.namespace == namespace and r.metadata.get("name") == name), None)


def alb_gateways(stack: Stack) -> list[AlbGateway]:
    """The review's ALB Gateways with their configuration and routes, found once per review for every rule."""
    found = stack.memo.get(__name__)
    if found is None:
        found = stack.memo[__name__] = _find_alb_gateways(stack)
    return list(found)


def _find_alb_gateways(stack: Stack) -> list[AlbGateway]:
    """The Gateways of an ALB GatewayClass, or naming a LoadBalancerConfiguration (only this controller reads
    one), with what the rules need."""
    classes = {
        str(c.metadata.get("name"))
        for c in stack.of_type(*GATEWAY_CLASSES)
        if c.spec.get("controllerName") == ALB_GATEWAY_CONTROLLER
    }
    configs = stack.of_type(*LB_CONFIGS)
    found: list[AlbGateway] = []
    for gateway in stack.of_type(*GATEWAYS):
        ref = (gateway.spec.get("infrastructure") or {}).get("parametersRef") or {}
        names_config = ref.get("group") == AWS_GATEWAY_GROUP and ref.get("kind") == "LoadBalancerConfiguration"
        if gateway.spec.get("gatewayClassName") not in classes and not names_config:
            continue
        config = _named(configs, gateway.namespace, ref.get("name")) if names_config else None
        found.append(AlbGateway(gateway, config.spec if config else {}, tuple(_attached(stack, gateway))))
    return found


def _attached(stack: Stack, gateway: Resource) -> Iterator[tuple[Resource, tuple[str | None, ...]]]:
    name = gateway.metadata.get("name")
    for route in stack.of_type(*HTTP_ROUTES):
        sections = tuple(
            ref.get("sectionName")
            for ref in route.spec.get("parentRefs") or []
            if isinstance(ref, Mapping)
            and ref.get("name") == name
            and ref.get("kind", "Gateway") == "Gateway"
            and ref.get("group", GATEWAY_API_GROUP) == GATEWAY_API_GROUP
            and ref.get("namespace", route.namespace) == gateway.namespace
        )
        if sections:
            yield route, sections


def _on_listener(sections: tuple[str | None, ...], listener: Mapping[str, Any]) -> bool:
    return None in sections or listener.get("name") in sections


def _rules(route: Resource) -> list[Mapping[str, Any]]:
    return [r for r in route.spec.get("rules") or [] if isinstance(r, Mapping)]


def _redirects_to_https(rule: Mapping[str, Any]) -> bool:
    return any(
        isinstance(f, Mapping)
        and f.get("type") == "RequestRedirect"
        and str((f.get("requestRedirect") or {}).get("scheme", "")).lower() == "https"
        for f in rule.get("filters") or []
    )


def backend_services(route: Resource) -> list[str]:
    return [
        str(ref["name"])
        for rule in _rules(route)
        for ref in rule.get("backendRefs") or []
        if isinstance(ref, Mapping) and ref.get("name") and ref.get("kind", "Service") == "Service"
    ]


def target_settings(stack: Stack, gateway: AlbGateway, route: Resource, service: str) -> Mapping[str, Any]:
    """The target group settings a backend gets: its Service's TargetGroupConfiguration field by field, over the
    Gateway's default one (``defaultTargetGroupConfiguration``), as the controller merges them."""
    configs = stack.of_type(*TG_CONFIGS)
    merged: dict[str, Any] = {}
    default_ref = gateway.config.get("defaultTargetGroupConfiguration") or {}
    default = _named(configs, gateway.gateway.namespace, default_ref.get("name")) if default_ref else None
    if default is not None:
        merged.update(default.spec.get("defaultConfiguration") or {})
    for config in configs:
        target = config.spec.get("targetReference") or {}
        if config.namespace == route.namespace and target.get("name") == service:
            merged.update(config.spec.get("defaultConfiguration") or {})
    return merged


def deregistration_delay(settings: Mapping[str, Any], default: int) -> int:
    for attribute in settings.get("targetGroupAttributes") or []:
        if isinstance(attribute, Mapping) and attribute.get("key") == "deregistration_delay.timeout_seconds":
            return int(attribute.get("value", default))
    return default


def _display(resource: Resource) -> str:

    return display(resource)


def _violation(rule: str, resource: Resource | str, message: str, fix: str) -> Violation:

    return Violation(rule, resource if isinstance(resource, str) else _display(resource), message, fix)


def _internet_facing(stack: Stack) -> Iterator[AlbGateway]:
    """The review's ALB Gateways reachable from the internet: the ones the listener rules are about."""
    return (gateway for gateway in alb_gateways(stack) if gateway.scheme == "internet-facing")


def target_type_ip(stack: Stack) -> Iterator[Violation]:
    for gateway in alb_gateways(stack):
        for route, _ in gateway.routes:
            for service in dict.fromkeys(backend_services(route)):
                target_type = target_settings(stack, gateway, route, service).get("targetType") or "instance"
                if target_type != "ip":
                    yield _violation(
                        "alb-target-type-ip",
                        route,
                        f"sends Service {service} to target type {target_type}: every request takes an extra hop "
                        "through a node, and node restarts drop its connections",
                        f"add a TargetGroupConfiguration for {service} with defaultConfiguration.targetType: ip",
                    )


def https(stack: Stack) -> Iterator[Violation]:
    for gateway in _internet_facing(stack):
        secure = gateway.listeners("HTTPS")
        if not secure:
            yield _violation(
                "alb-https",
                gateway.gateway,
                "is internet-facing without an HTTPS listener: traffic crosses the internet in clear text",
                "add a listener {name: https-443, protocol: HTTPS, port: 443}",
            )
        for listener in secure:
            certificate = gateway.listener_config(listener.get("port")).get("defaultCertificate")
            hosts = listener.get("hostname") or any(r.spec.get("hostnames") for r, _ in gateway.routes)
            if not certificate and not hosts:
                yield _violation(
                    "alb-https",
                    gateway.gateway,
                    f"listens on HTTPS port {listener.get('port')} with no certificate and no hostname to discover "
                    "one by (certificateRefs are not supported)",
                    f"set listenerConfigurations[HTTPS:{listener.get('port')}].defaultCertificate in its "
                    "LoadBalancerConfiguration",
                )


def redirect(stack: Stack) -> Iterator[Violation]:
    for gateway in _internet_facing(stack):
        for listener in gateway.listeners("HTTP"):
            on_it = [(r, _rules(r)) for r, sections in gateway.routes if _on_listener(sections, listener)]
            redirected = any(_redirects_to_https(rule) for _, rules in on_it for rule in rules)
            served = [r for r, rules in on_it if any(rule.get("backendRefs") for rule in rules)]
            if not redirected:
                yield _violation(
                    "alb-ssl-redirect",
                    gateway.gateway,
                    f"answers plain HTTP on listener {listener.get('name')} instead of redirecting it to HTTPS",
                    "attach an HTTPRoute to it whose rule has a RequestRedirect filter with scheme: https",
                )
            for route in served:
                yield _violation(
                    "alb-ssl-redirect",
                    route,
                    f"serves plain HTTP on listener {listener.get('name')} of Gateway "
                    f"{gateway.gateway.metadata.get('name')}",
                    "attach it to the HTTPS listener only (parentRefs[].sectionName)",
                )


def tls_policy(stack: Stack) -> Iterator[Violation]:
    for gateway in _internet_facing(stack):
        for listener in gateway.listeners("HTTPS"):
            policy = gateway.listener_config(listener.get("port")).get("sslPolicy")
            floor = ALB_SSL_POLICIES.get(str(policy or CONTROLLER_DEFAULT_SSL_POLICY))
            if floor is None or floor < "1.2":
                what = (
                    f"{policy} allows TLS {floor}"
                    if policy and floor
                    else f"{policy or CONTROLLER_DEFAULT_SSL_POLICY} (the default)"
                )
                yield _violation(
                    "alb-tls-policy",
                    gateway.gateway,
                    f"HTTPS port {listener.get('port')} uses {what}, not a TLS 1.2+ policy",
                    f"set sslPolicy: {RECOMMENDED_SSL_POLICY} in the listenerConfigurations of its "
                    "LoadBalancerConfiguration",
                )


def production(stack: Stack) -> Iterator[Violation]:
    if stack.context.environment != "production":
        return
    for gateway in alb_gateways(stack):
        attributes = {
            str(a.get("key")): str(a.get("value"))
            for a in gateway.config.get("loadBalancerAttributes") or []
            if isinstance(a, Mapping)
        }
        where = f"Gateway {gateway.gateway.namespace}/{gateway.gateway.metadata.get('name')}"
        if attributes.get("deletion_protection.enabled") != "true":
            yield _violation(
                "production-protection",
                where,
                "a production ALB without deletion protection can be deleted by one wrong edit",
                "set deletion_protection.enabled=true in its LoadBalancerConfiguration (alb.deletionProtection: true)",
            )
        if attributes.get("access_logs.s3.enabled") != "true":
            yield _violation(
                "production-protection",
                where,
                "a production ALB without access logs leaves no record of who called what",
                "set access_logs.s3.enabled=true with a bucket (alb.accessLogs)",
            )
