"""The echoserver behind the shared ALB, reached pod-direct (target-type ip).

Connection draining is the point of the migration: when a pod goes away the
controller deregisters it, the ALB keeps its open connections (WebSockets
included) for the deregistration delay, and the pod must outlive that delay,
so its preStop sleep is longer than the delay and the grace period longer still.
The namespace carries the readiness-gate label so a new pod only counts as
ready once the ALB sees it healthy, which keeps rollouts from emptying the
target group.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.settings import AlbSettings, EchoserverSettings

READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"
ANNOTATION_PREFIX = "alb.ingress.kubernetes.io"
FIXED_RESPONSE_ACTION = "fixed-response"
APP = "echoserver"
LABELS = {"app.kubernetes.io/name": APP}
SERVICE_PORT = 80
# Seconds the pod stays up after the ALB stops sending it new requests, beyond
# the deregistration delay, to cover the controller's own reaction time.
DRAIN_MARGIN_SECONDS = 10
# Seconds the app gets after preStop to finish in-flight requests.
SHUTDOWN_SECONDS = 30


@dataclass(frozen=True)
class EchoserverArgs:
    """Validated settings plus the certificate and the controller it waits for."""

    echoserver: EchoserverSettings
    alb: AlbSettings
    certificate_arn: pulumi.Input[str]
    provider: k8s.Provider
    depends_on: list[pulumi.Resource]


def prestop_seconds(alb: AlbSettings) -> int:
    return alb.deregistration_delay_seconds + DRAIN_MARGIN_SECONDS


def rewrite_transform(path: str) -> str:
    """``transforms`` annotation value that strips ``path`` before requests reach the pods.

    This is ingress-nginx's ``rewrite-target`` done by the ALB itself (controller
    v2.14.1 and later): ``/echo`` becomes ``/``, ``/echo/a`` becomes ``/a``.
    """
    rule = {"regex": f"^{re.escape(path)}/?(.*)$", "replace": "/$1"}
    return json.dumps([{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [rule]}}], separators=(",", ":"))


def fixed_response_action(alb: AlbSettings) -> str:
    fixed = alb.fixed_response
    config = {
        "contentType": fixed.content_type,
        "statusCode": str(fixed.status_code),
        "messageBody": fixed.message_body,
    }
    return json.dumps({"type": "fixed-response", "fixedResponseConfig": config}, separators=(",", ":"))


def ingress_annotations(alb: AlbSettings, echo: EchoserverSettings, certificate_arn: str) -> dict[str, str]:
    """Every ALB setting the Ingress carries, in the controller's value formats."""
    values = {
        "scheme": alb.scheme,
        "target-type": "ip",
        "group.name": alb.group_name,
        "listen-ports": alb.listen_ports_annotation,
        "certificate-arn": certificate_arn,
        "ssl-policy": alb.ssl_policy,
        "healthcheck-path": alb.health_check_path,
        "load-balancer-attributes": f"idle_timeout.timeout_seconds={alb.idle_timeout_seconds}",
        "target-group-attributes": f"deregistration_delay.timeout_seconds={alb.deregistration_delay_seconds}",
        f"actions.{FIXED_RESPONSE_ACTION}": fixed_response_action(alb),
        f"transforms.{APP}": rewrite_transform(echo.path),
    }
    if alb.ssl_redirect is not None:
        values["ssl-redirect"] = str(alb.ssl_redirect)
    return {f"{ANNOTATION_PREFIX}/{key}": value for key, value in values.items()}


def pod_spec(echo: EchoserverSettings, alb: AlbSettings) -> dict[str, Any]:
    """Pod template spec: non-root, read-only, probed, spread, and draining on stop."""
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
        "resources": {
            "requests": {"cpu": echo.resources.cpu_request, "memory": echo.resources.memory_request},
            "limits": {"cpu": echo.resources.cpu_limit, "memory": echo.resources.memory_limit},
        },
        "lifecycle": {"preStop": {"sleep": {"seconds": prestop}}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    return {
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


def ingress_spec(echo: EchoserverSettings, alb: AlbSettings) -> dict[str, Any]:
    fixed_path = alb.fixed_response.path
    return {
        "ingressClassName": "alb",
        "rules": [
            {
                "host": echo.host,
                "http": {
                    "paths": [
                        {
                            "path": fixed_path,
                            "pathType": "Exact",
                            "backend": {"service": {"name": FIXED_RESPONSE_ACTION, "port": {"name": "use-annotation"}}},
                        },
                        {
                            "path": echo.path,
                            "pathType": "Prefix",
                            "backend": {"service": {"name": APP, "port": {"number": SERVICE_PORT}}},
                        },
                    ]
                },
            }
        ],
    }


def alb_hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str:
    """The ALB's DNS name from the Ingress status, once the controller has written it."""
    balancer = status.load_balancer if status is not None else None
    for entry in (balancer.ingress if balancer is not None else None) or []:
        if entry.hostname:
            return entry.hostname
    return ""


def echoserver_url(echo: EchoserverSettings, alb: AlbSettings) -> str:
    port = alb.https_ports[0]
    authority = echo.host if port == 443 else f"{echo.host}:{port}"
    return f"https://{authority}{echo.path}"


class Echoserver(pulumi.ComponentResource):
    """Namespace, Deployment, PodDisruptionBudget, Service and Ingress."""

    namespace: k8s.core.v1.Namespace
    deployment: k8s.apps.v1.Deployment
    disruption_budget: k8s.policy.v1.PodDisruptionBudget
    service: k8s.core.v1.Service
    ingress: k8s.networking.v1.Ingress
    alb_hostname: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: EchoserverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:Echoserver", name, None, opts)
        echo, alb = args.echoserver, args.alb
        labels = LABELS
        # Everything here is intercepted by the controller's webhooks (pods in a
        # labelled namespace, the Ingress), so all of it waits for the release.
        waits = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.depends_on)

        self.namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={"name": echo.namespace, "labels": {READINESS_GATE_LABEL: "enabled"}},
            opts=waits,
        )
        in_namespace = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.namespace])
        # Plain dicts in the API's own camelCase keep these objects readable
        # against the Kubernetes docs; the SDK accepts them as its *ArgsDict types.
        metadata: Any = {"name": APP, "namespace": self.namespace.metadata.name, "labels": labels}

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
            opts=in_namespace,
        )
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=metadata,
            spec=cast(Any, {"maxUnavailable": 1, "selector": {"matchLabels": labels}}),
            opts=in_namespace,
        )
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
            opts=in_namespace,
        )
        annotations = pulumi.Output.from_input(args.certificate_arn).apply(
            lambda arn: ingress_annotations(alb, echo, arn)
        )
        self.ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=cast(Any, {**metadata, "annotations": annotations}),
            spec=cast(Any, ingress_spec(echo, alb)),
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider, depends_on=[self.namespace, self.service, self.deployment]
            ),
        )
        self.alb_hostname = self.ingress.status.apply(alb_hostname)
        self.url = pulumi.Output.from_input(echoserver_url(echo, alb))
        self.register_outputs({"albHostname": self.alb_hostname, "url": self.url})
