"""The echoserver behind the shared ALB, reached pod-direct (target-type ip).

Connection draining is the point of the migration: when a pod goes away the
controller deregisters it, the ALB keeps its open connections (WebSockets
included) for the deregistration delay, and the pod must outlive that delay,
so its preStop sleep is longer than the delay and the grace period longer still.
The namespace carries the readiness-gate label so a new pod only counts as
ready once the ALB sees it healthy, which keeps rollouts from emptying the
target group.

Order matters for that gate: the controller's pod webhook injects it only into
pods created after the TargetGroupBinding of their Service exists, and that
binding is made while the controller reconciles the Ingress. So the Service
comes first, then the Ingress (pulumi-kubernetes waits until the Ingress has a
load balancer in its status and an Endpoints object exists for each backend
Service, which a Service gets before it has any pod), and only then the
Deployment, whose very first pods are gated too.

The image (jmalloc/echo-server) answers every path with the request line and
headers, upgrades any request that asks for it to a WebSocket that echoes each
message, reads no files and prints no environment; ``PORT`` sets its port.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pulumi
import pulumi_kubernetes as k8s

from albingress.components.app.component import AppPlan, GroupAnnotations, alb_hostname, ingress_of, plan_app
from albingress.components.app.gateway import (
    GATEWAY_WAIT,
    WAIT_FOR,
    GatewayObject,
    GatewayPlan,
    RoutePath,
    fixed_response_spec,
    gateway_hostname,
    gateway_spec,
    http_route_spec,
    load_balancer_configuration_spec,
    redirect_route_spec,
    routed_service,
)
from albingress.components.sections import AlbSettings, EchoserverSettings
from albingress.facts.gateway_api import AWS_GATEWAY_VERSION, GATEWAY_API_VERSION

READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"
ANNOTATION_PREFIX = "alb.ingress.kubernetes.io"
FIXED_RESPONSE_ACTION = "fixed-response"
APP = "echoserver"
LABELS = {"app.kubernetes.io/name": APP}
SERVICE_PORT = 80
# The IngressClass controller name of EKS Auto Mode's managed load balancing.
AUTO_MODE_CONTROLLER = "eks.amazonaws.com/alb"
# Seconds the pod stays up after the ALB stops sending it new requests, beyond
# the deregistration delay, to cover the controller's own reaction time.
DRAIN_MARGIN_SECONDS = 10
# Seconds the app gets after preStop to finish in-flight requests.
SHUTDOWN_SECONDS = 30


@dataclass(frozen=True)
class EchoserverArgs:
    """Validated settings plus the certificate, the class and the controller it waits for."""

    echoserver: EchoserverSettings
    alb: AlbSettings
    certificate_arn: pulumi.Input[str]
    provider: k8s.Provider
    depends_on: list[pulumi.Resource]
    mode: Literal["lbc", "auto"]
    ingress_class: str
    stack_tags: dict[str, str] = field(default_factory=dict)
    # Subnets for the ALB when the controller cannot discover them by tag (a created cluster in the default VPC).
    subnets: list[str] | None = None
    # gateway: a Gateway and an HTTPRoute instead of the Ingress (alb.api), on the controller's GatewayClass,
    # which is named as its IngressClass (ingress_class).
    api: Literal["ingress", "gateway"] = "ingress"
    # The certificates of the apps on the stack's Gateway (a route cannot carry one).
    app_certificates: tuple[str, ...] = ()


def prestop_seconds(alb: AlbSettings) -> int:
    return alb.deregistration_delay_seconds + DRAIN_MARGIN_SECONDS


def fixed_response_action(alb: AlbSettings) -> str:
    fixed = alb.fixed_response
    config = {
        "contentType": fixed.content_type,
        "statusCode": str(fixed.status_code),
        "messageBody": fixed.message_body,
    }
    return json.dumps({"type": "fixed-response", "fixedResponseConfig": config}, separators=(",", ":"))


def string_map(values: dict[str, str]) -> str:
    """The controller's ``stringMap`` annotation format: ``k1=v1,k2=v2``."""
    return ",".join(f"{key}={value}" for key, value in values.items())


def echoserver_app(echo: EchoserverSettings, alb: AlbSettings, ingress_class: str) -> AppPlan:
    """The echoserver as one app of the stack's group: its host, the fixed-response path and its own path
    (stripped before it reaches the pods), the health check and the WebSocket-safe deregistration delay."""
    plan, problems = plan_app(
        APP,
        {
            "namespace": echo.namespace,
            "service_name": APP,
            "service_port": SERVICE_PORT,
            "hosts": [echo.host],
            "paths": [
                {"path": alb.fixed_response.path, "path_type": "Exact"},
                {"path": echo.path, "path_type": "Prefix"},
            ],
            "group": alb.group_name,
            "scheme": alb.scheme,
            "ssl_policy": alb.ssl_policy,
            "health_check_path": alb.health_check_path,
            "deregistration_delay_seconds": alb.deregistration_delay_seconds,
            "strip_prefix": True,
            "replicas": echo.replicas,
            "ingress_class": ingress_class,
        },
    )
    if plan is None or problems:  # the settings checked all of this already
        raise ValueError(f"the echoserver's settings do not make an app: {problems}")
    return plan


def echoserver_ingress(
    alb: AlbSettings,
    echo: EchoserverSettings,
    certificate_arn: pulumi.Input[str],
    ingress_class: str,
    stack_tags: dict[str, str],
    mode: str = "lbc",
    subnets: list[str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The echoserver's Ingress: its app's rules, plus what the stack's group carries on it.

    Only the certificate ARN may be unknown in a preview (the stack may be creating it); everything else is
    known, so the previewed Ingress is a valid object with one value pending, not one opaque unknown map.
    In Auto Mode the group-wide settings (group, scheme, certificate, TLS policy, redirect, load balancer
    attributes, tags) live in the IngressClassParams instead, since Auto Mode ignores them on an Ingress.
    """
    group = GroupAnnotations(
        listen_ports=alb.listen_ports_annotation,
        ssl_redirect=alb.ssl_redirect,
        load_balancer_attributes=string_map(alb.load_balancer_attributes()),
        tags=string_map(stack_tags) if stack_tags else None,
        subnets=",".join(subnets) if subnets else None,
        group_wide=mode == "lbc",
    )
    actions = {alb.fixed_response.path: (FIXED_RESPONSE_ACTION, fixed_response_action(alb))}
    return ingress_of(echoserver_app(echo, alb, ingress_class), certificate_arn, group, actions)


FIXED_RESPONSE_CONFIG = f"{APP}-fixed-response"


def echoserver_gateway_plan(
    alb: AlbSettings,
    echo: EchoserverSettings,
    gateway_class: str,
    stack_tags: dict[str, str],
    subnets: list[str] | None,
    certificates: tuple[str, ...] = (),
) -> GatewayPlan:
    """The stack's group as a Gateway in the echoserver's namespace: what the group's annotations say today."""
    return GatewayPlan(
        name=alb.group_name,
        namespace=echo.namespace,
        gateway_class=gateway_class,
        listen_ports=alb.listen_ports,
        scheme=alb.scheme,
        ssl_policy=alb.ssl_policy,
        ssl_redirect=alb.ssl_redirect,
        load_balancer_attributes=alb.load_balancer_attributes(),
        tags=stack_tags,
        subnets=tuple(subnets or ()),
        allowed_namespaces=alb.allowed_namespaces,
        certificates=tuple(dict.fromkeys(certificates)),
    )


def echoserver_route(alb: AlbSettings, echo: EchoserverSettings, gateway: GatewayPlan) -> dict[str, Any]:
    """The echoserver's HTTPRoute: the fixed-response path answered by the ALB, the echo path stripped."""
    paths = [
        RoutePath(alb.fixed_response.path, "Exact", fixed_response=FIXED_RESPONSE_CONFIG),
        RoutePath(echo.path, "Prefix"),
    ]
    return http_route_spec(gateway.ref(), echo.namespace, [echo.host], paths, APP, SERVICE_PORT, strip_prefix=echo.path)


def auto_mode_class_params(
    alb: AlbSettings, certificate_arn: pulumi.Input[str], stack_tags: dict[str, str]
) -> dict[str, Any]:
    """Spec of the Auto Mode ``IngressClassParams`` (``eks.amazonaws.com/v1``) for the stack's group."""
    spec: dict[str, Any] = {
        "group": {"name": alb.group_name},
        "scheme": alb.scheme,
        "certificateARNs": [certificate_arn],
        "sslPolicy": alb.ssl_policy,
        "loadBalancerAttributes": [{"key": k, "value": v} for k, v in alb.load_balancer_attributes().items()],
    }
    if alb.ssl_redirect is not None:
        spec["sslRedirectPort"] = str(alb.ssl_redirect)
    if stack_tags:
        spec["tags"] = [{"key": k, "value": v} for k, v in stack_tags.items()]
    if alb.allowed_namespaces is not None:
        spec["namespaceSelector"] = {
            "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(alb.allowed_namespaces)}
            ]
        }
    return spec


def pod_spec(echo: EchoserverSettings, alb: AlbSettings) -> dict[str, Any]:
    """Pod template spec: non-root, read-only, no API token, probed, spread, and draining on stop."""
    prestop = prestop_seconds(alb)
    container = {
        "name": APP,
        "image": echo.image,
        "env": [{"name": "PORT", "value": str(echo.container_port)}],
        "ports": [{"name": "http", "containerPort": echo.container_port, "protocol": "TCP"}],
        "readinessProbe": {
            "httpGet": {"path": alb.health_check_path, "port": "http"},
            "periodSeconds": 5,
            "failureThreshold": 2,
        },
        "livenessProbe": {
            "httpGet": {"path": alb.health_check_path, "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "resources": echo.resources.as_kubernetes(),
        "lifecycle": {"preStop": {"sleep": {"seconds": prestop}}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
        # The echoserver never talks to the Kubernetes API: no token in the pod at all.
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": prestop + SHUTDOWN_SECONDS,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": LABELS},
            }
        ],
        "containers": [container],
    }


def echoserver_url(echo: EchoserverSettings, alb: AlbSettings) -> str:
    port = alb.https_ports[0]
    authority = echo.host if port == 443 else f"{echo.host}:{port}"
    return f"https://{authority}{echo.path}"


class Echoserver(pulumi.ComponentResource):
    """Namespace, Service, Ingress (and in Auto Mode its class) or the Gateway API objects, Deployment and
    PodDisruptionBudget."""

    namespace: k8s.core.v1.Namespace
    class_params: k8s.apiextensions.CustomResource | None
    ingress_class: k8s.networking.v1.IngressClass | None
    deployment: k8s.apps.v1.Deployment
    disruption_budget: k8s.policy.v1.PodDisruptionBudget
    service: k8s.core.v1.Service
    ingress: k8s.networking.v1.Ingress | None
    gateway: GatewayObject | None
    entry: pulumi.Resource
    alb_hostname: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: EchoserverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:Echoserver", name, None, opts)
        echo, alb = args.echoserver, args.alb
        labels = LABELS

        def after(*resources: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(resources))

        # The labelled namespace's pods and the Ingress are intercepted by the
        # controller's webhooks, so everything waits for the controller.
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={"name": echo.namespace, "labels": {READINESS_GATE_LABEL: "enabled"}},
            opts=after(*args.depends_on),
        )
        # Plain dicts in the API's own camelCase keep these objects readable
        # against the Kubernetes docs; the SDK accepts them as its *ArgsDict types.
        metadata: Any = {"name": APP, "namespace": self.namespace.metadata.name, "labels": labels}

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=metadata,
            spec=cast(
                Any,
                {
                    "type": "ClusterIP",
                    "selector": labels,
                    "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": "http", "protocol": "TCP"}],
                },
            ),
            opts=after(self.namespace),
        )

        self.class_params = None
        self.ingress_class = None
        ingress_waits: list[pulumi.Resource] = [self.namespace, self.service]
        if args.mode == "auto":
            self.class_params = k8s.apiextensions.CustomResource(
                f"{name}-class-params",
                api_version="eks.amazonaws.com/v1",
                kind="IngressClassParams",
                metadata={"name": args.ingress_class, "labels": labels},
                spec=auto_mode_class_params(alb, args.certificate_arn, args.stack_tags),
                opts=after(*args.depends_on),
            )
            self.ingress_class = k8s.networking.v1.IngressClass(
                f"{name}-class",
                metadata=cast(Any, {"name": args.ingress_class, "labels": labels}),
                spec=cast(
                    Any,
                    {
                        "controller": AUTO_MODE_CONTROLLER,
                        "parameters": {
                            "apiGroup": "eks.amazonaws.com",
                            "kind": "IngressClassParams",
                            "name": args.ingress_class,
                        },
                    },
                ),
                opts=after(self.class_params),
            )
            ingress_waits.append(self.ingress_class)

        self.ingress = None
        self.gateway = None
        if args.api == "gateway":
            rollout_after: list[pulumi.Resource] = self._gateway_objects(name, args, metadata, after)
        else:
            annotations, spec = echoserver_ingress(
                alb, echo, args.certificate_arn, args.ingress_class, args.stack_tags, args.mode, args.subnets
            )
            self.ingress = k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata=cast(Any, {**metadata, "annotations": annotations}),
                spec=cast(Any, spec),
                opts=after(*ingress_waits),
            )
            rollout_after = [self.ingress]
        # What the ALB is made from: the Ingress, or the Gateway (DNS records wait for it).
        self.entry: pulumi.Resource = self.ingress if self.ingress is not None else cast(pulumi.Resource, self.gateway)
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=metadata,
            spec=cast(
                Any,
                {
                    "replicas": echo.replicas,
                    "selector": {"matchLabels": labels},
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                    "template": {"metadata": {"labels": labels}, "spec": pod_spec(echo, alb)},
                },
            ),
            # After the Ingress (or the routes): the controller has made the TargetGroupBinding,
            # so the webhook gives the very first pods their readiness gate.
            opts=after(*rollout_after),
        )
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=metadata,
            spec=cast(Any, {"maxUnavailable": 1, "selector": {"matchLabels": labels}}),
            opts=after(self.namespace),
        )
        if self.ingress is not None:
            self.alb_hostname = self.ingress.status.apply(alb_hostname)
        else:
            assert self.gateway is not None
            self.alb_hostname = self.gateway.status.apply(gateway_hostname)
        self.url = pulumi.Output.from_input(echoserver_url(echo, alb))
        self.register_outputs({"albHostname": self.alb_hostname, "url": self.url})

    def _gateway_objects(
        self,
        name: str,
        args: EchoserverArgs,
        metadata: dict[str, Any],
        after: Callable[..., pulumi.ResourceOptions],
    ) -> list[pulumi.Resource]:
        """The group's Gateway and its LoadBalancerConfiguration, the HTTP->HTTPS redirect route, and the
        echoserver's route, fixed response and target group settings; returns what the Deployment waits for."""
        echo, alb = args.echoserver, args.alb
        plan = echoserver_gateway_plan(
            alb, echo, args.ingress_class, args.stack_tags, args.subnets, args.app_certificates
        )
        ns = self.namespace.metadata.name
        group_meta: dict[str, Any] = {"name": plan.name, "namespace": ns, "labels": LABELS}
        config = GatewayObject(
            f"{name}-lb-config",
            AWS_GATEWAY_VERSION,
            "LoadBalancerConfiguration",
            group_meta,
            load_balancer_configuration_spec(plan, args.certificate_arn),
            opts=after(self.namespace, *args.depends_on),
        )
        self.gateway = GatewayObject(
            f"{name}-gateway",
            GATEWAY_API_VERSION,
            "Gateway",
            {**group_meta, "annotations": {WAIT_FOR: GATEWAY_WAIT}},
            gateway_spec(plan),
            opts=after(config),
        )
        redirect = redirect_route_spec(plan)
        if redirect is not None:
            GatewayObject(
                f"{name}-https-redirect",
                GATEWAY_API_VERSION,
                "HTTPRoute",
                {"name": f"{plan.name}-https-redirect", "namespace": ns, "labels": LABELS},
                redirect,
                opts=after(self.gateway),
            )
        fixed = alb.fixed_response
        rule_config = GatewayObject(
            f"{name}-fixed-response",
            AWS_GATEWAY_VERSION,
            "ListenerRuleConfiguration",
            {"name": FIXED_RESPONSE_CONFIG, "namespace": ns, "labels": LABELS},
            fixed_response_spec(fixed.status_code, fixed.content_type, fixed.message_body),
            opts=after(self.namespace, *args.depends_on),
        )
        route = routed_service(
            name,
            f"{name}-route",
            metadata,
            APP,
            alb.health_check_path,
            alb.deregistration_delay_seconds,
            echoserver_route(alb, echo, plan),
            after,
            target_waits=(self.service, *args.depends_on),
            route_waits=(self.gateway, self.service, rule_config),
        )
        return [self.gateway, route]
