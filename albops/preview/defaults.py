"""What an input that is left out means, so the diff can say "default X" where it would say "(absent)".

A reviewer who reads ``healthcheck-path: (absent) -> /`` cannot tell a change from writing out what was
already in force. Each rule below names a type, an input path and the value the consumer of that input
(the controller, the chart, the Kubernetes API server) uses when it is not given, where it is fixed; some
depend on another input of the same object (the health check path of a gRPC target group), and those are
computed from the side of the diff that left the input out.

Sources, at the versions the stack pins:
- Ingress annotations: the controller v3.5.0's model builder defaults (``pkg/ingress/model_builder.go``)
  and flag defaults (``pkg/config/controller_config.go``: ``default-ssl-policy``,
  ``default-target-type``, ``default-load-balancer-scheme``), and the health check protocol following the
  backend protocol (``pkg/ingress/model_build_target_group.go``);
- chart values: the chart 3.5.0's ``values.yaml``; where a key is blank there, the controller default its
  comment names;
- Kubernetes objects: the API server's defaulting for apps/v1 Deployments and core/v1 pods and Services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_ANNOTATION = re.compile(r'metadata\.annotations\["alb\.ingress\.kubernetes\.io/([^"]+)"\]')
_INDEX = r"\[\d+\]"


@dataclass(frozen=True)
class Default:
    """The value in force when the input is left out; ``value`` is None when it depends on more than the plan."""

    value: Any
    text: str = ""

    def shown(self) -> str:
        return self.text or f"default {_plain(self.value)}"


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else repr(value) if not isinstance(value, bool) else str(value).lower()


Annotations = Mapping[str, Any]
Rule = Callable[[Annotations], Default]


def _fixed(value: Any) -> Rule:
    return lambda _annotations: Default(value)


def _grpc(annotations: Annotations) -> bool:
    return str(annotations.get("backend-protocol-version", "")).upper() == "GRPC"


def _listen_ports(annotations: Annotations) -> Default:
    if annotations.get("certificate-arn"):
        return Default('[{"HTTPS": 443}]')
    # v3.5.0 model_build_listener.go: preferTLS is an explicit certificate only (the class params'
    # certificateArn or this annotation); certificates discovered for spec.tls hosts open no HTTPS listener.
    return Default(None, 'default [{"HTTP": 80}] (HTTPS 443 only with an explicit certificate; spec.tls opens none)')


# The controller's defaults for annotations it reads on an Ingress (or its backend Service).
ANNOTATION_DEFAULTS: dict[str, Rule] = {
    "scheme": _fixed("internal"),
    "ip-address-type": _fixed("ipv4"),
    "target-type": _fixed("instance"),
    "backend-protocol": _fixed("HTTP"),
    "backend-protocol-version": _fixed("HTTP1"),
    "ssl-policy": _fixed("ELBSecurityPolicy-2016-08"),
    "listen-ports": _listen_ports,
    "group.order": _fixed("0"),
    "healthcheck-port": _fixed("traffic-port"),
    "healthcheck-protocol": lambda a: Default(str(a.get("backend-protocol") or "HTTP").upper()),
    "healthcheck-path": lambda a: Default("/AWS.ALB/healthcheck" if _grpc(a) else "/"),
    "success-codes": lambda a: Default("12" if _grpc(a) else "200"),
    "healthcheck-interval-seconds": _fixed("15"),
    "healthcheck-timeout-seconds": _fixed("5"),
    "healthy-threshold-count": _fixed("2"),
    "unhealthy-threshold-count": _fixed("2"),
    "inbound-cidrs": lambda a: Default(
        "0.0.0.0/0, ::/0" if str(a.get("ip-address-type", "")).startswith("dualstack") else "0.0.0.0/0"
    ),
}

# Chart 3.5.0's values the stack writes or lets extraValues write, as the chart (or, where the chart
# leaves the key blank, the controller) takes them when they are not given.
CHART_DEFAULTS: dict[str, Any] = {
    "replicaCount": 2,
    "revisionHistoryLimit": 10,
    "terminationGracePeriodSeconds": 10,
    "priorityClassName": "system-cluster-critical",
    "keepTLSSecret": False,
    "enableServiceMutatorWebhook": True,
    "enableShield": True,  # blank in values.yaml: the controller's enable-shield flag
    "enableWaf": True,  # blank: enable-waf
    "enableWafv2": True,  # blank: enable-wafv2
    "logLevel": "info",
    "awsMaxRetries": 10,
    "ingressMaxConcurrentReconciles": 3,
    "serviceMaxConcurrentReconciles": 3,
    "targetgroupbindingMaxConcurrentReconciles": 3,
    "syncPeriod": "10h0m0s",
    "enableEndpointSlices": True,
    "serviceMonitor.enabled": False,
    "ingressClass": "alb",
    "defaultTargetType": "instance",
}

# The API server's defaults for the fields of the objects the stack writes (path patterns; [N] any index).
_POD = r"spec\.template\.spec"
_CONTAINER = rf"{_POD}\.(?:init)?[cC]ontainers{_INDEX}"
_PROBE = rf"{_CONTAINER}\.(?:liveness|readiness|startup)Probe"
KUBERNETES_DEFAULTS: tuple[tuple[str, re.Pattern[str], Any], ...] = tuple(
    (kind, re.compile(pattern), value)
    for kind, pattern, value in (
        (":Deployment", r"spec\.replicas", 1),
        (":Deployment", r"spec\.revisionHistoryLimit", 10),
        (":Deployment", r"spec\.progressDeadlineSeconds", 600),
        (":Deployment", r"spec\.strategy\.type", "RollingUpdate"),
        (":Deployment", r"spec\.strategy\.rollingUpdate\.maxSurge", "25%"),
        (":Deployment", r"spec\.strategy\.rollingUpdate\.maxUnavailable", "25%"),
        (":Deployment", rf"{_POD}\.terminationGracePeriodSeconds", 30),
        (":Deployment", rf"{_POD}\.restartPolicy", "Always"),
        (":Deployment", rf"{_POD}\.dnsPolicy", "ClusterFirst"),
        (":Deployment", rf"{_POD}\.schedulerName", "default-scheduler"),
        (":Deployment", rf"{_CONTAINER}\.ports{_INDEX}\.protocol", "TCP"),
        (":Deployment", rf"{_CONTAINER}\.terminationMessagePath", "/dev/termination-log"),
        (":Deployment", rf"{_CONTAINER}\.terminationMessagePolicy", "File"),
        (":Deployment", rf"{_PROBE}\.timeoutSeconds", 1),
        (":Deployment", rf"{_PROBE}\.periodSeconds", 10),
        (":Deployment", rf"{_PROBE}\.successThreshold", 1),
        (":Deployment", rf"{_PROBE}\.failureThreshold", 3),
        (":Deployment", rf"{_PROBE}\.initialDelaySeconds", 0),
        (":Service", r"spec\.type", "ClusterIP"),
        (":Service", r"spec\.sessionAffinity", "None"),
        (":Service", rf"spec\.ports{_INDEX}\.protocol", "TCP"),
        (":PodDisruptionBudget", r"spec\.unhealthyPodEvictionPolicy", "IfHealthyBudget"),
    )
)


def default_for(resource_type: str, path: str, annotations: Annotations) -> Default | None:
    """The default in force for ``path`` of a ``resource_type`` when the input is left out, if known.

    ``annotations`` are the object's controller annotations (short names) on the side that left it out.
    """
    if resource_type.endswith((":Ingress", ":Service")):
        match = _ANNOTATION.fullmatch(path)
        if match:
            rule = ANNOTATION_DEFAULTS.get(match.group(1))
            return rule(annotations) if rule is not None else None
    if resource_type == "kubernetes:helm.sh/v3:Release" and path.startswith("values."):
        key = path.removeprefix("values.")
        return (
            Default(CHART_DEFAULTS[key], f"chart default {_plain(CHART_DEFAULTS[key])}")
            if key in CHART_DEFAULTS
            else None
        )
    for kind, pattern, value in KUBERNETES_DEFAULTS:
        if resource_type.endswith(kind) and pattern.fullmatch(path):
            return Default(value)
    return None


def controller_annotations(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``alb.ingress.kubernetes.io/`` annotations of an object's inputs, by short name."""
    metadata = inputs.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping):
        return {}
    prefix = "alb.ingress.kubernetes.io/"
    return {str(k).removeprefix(prefix): v for k, v in annotations.items() if str(k).startswith(prefix)}
