"""``alb-ingress:controller``: the public controller component's args from the stack's section, and the
refusals that depend on the controller mode the cluster resolves to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from albingress.components.controller.component import AwsLoadBalancerControllerArgs
from albingress.components.controller.model import ControllerSettings
from albingress.components.model import ConfigError, Problem
from albingress.facts.names import PROJECT
from albingress.policies.app_checks import claimed_class

if TYPE_CHECKING:
    from albingress.stack_settings.stack import StackSettings


# Controller keys that only mean something when this stack installs the controller.
_LBC_ONLY_KEYS = frozenset(ControllerSettings.model_fields) - {"mode", "ingress_class"}


def _class_problem(settings: StackSettings, mode: str) -> Problem | None:
    """An IngressClass name another controller owns: two controllers on one class fight over its Ingresses."""
    reason = claimed_class(settings.controller.class_name(mode), mode)
    if reason is None:
        return None
    return Problem(f"{PROJECT}:controller.ingressClass", f"{reason}, or remove the key")


def check_mode(settings: StackSettings, mode: str) -> None:
    """Refuse settings that the resolved controller mode would silently ignore."""
    problems: list[Problem] = []
    class_problem = _class_problem(settings, mode)
    if class_problem is not None:
        problems.append(class_problem)
    if mode == "auto" and settings.apps:
        problems.append(
            Problem(
                f"{PROJECT}:apps",
                "the apps' Ingresses carry the self-managed controller's group settings, which EKS Auto Mode's load "
                "balancing ignores on an Ingress: use an lbc cluster for them (controller.mode lbc)",
            )
        )
    if mode == "auto" and settings.alb.api == "gateway":
        problems.append(
            Problem(
                f"{PROJECT}:alb.api",
                "is gateway, but the cluster uses EKS Auto Mode load balancing, and this stack does not build Auto "
                "Mode's Gateway API objects: the EKS user guide's Auto Mode Gateway API page could not be confirmed "
                "for its GatewayClass controller name and configuration kinds, and the stack does not guess them. "
                "Use alb.api: ingress on this cluster (Auto Mode's IngressClassParams), or a cluster with "
                "controller.mode lbc for Gateway API",
            )
        )
    if mode == "auto":
        for field_name in sorted(settings.controller.model_fields_set & _LBC_ONLY_KEYS):
            alias = ControllerSettings.model_fields[field_name].alias or field_name
            problems.append(
                Problem(
                    f"{PROJECT}:controller.{alias}",
                    "configures the self-managed controller, but the cluster uses EKS Auto Mode load balancing "
                    "(controller.mode auto), where nothing installs it: remove the key, or set controller.mode lbc",
                )
            )
    elif settings.alb.allowed_namespaces is not None and settings.alb.api != "gateway":
        problems.append(
            Problem(
                f"{PROJECT}:alb.allowedNamespaces",
                "is applied through the Auto Mode IngressClassParams, or a Gateway's allowedRoutes (alb.api: "
                "gateway); with controller.mode lbc the shared IngressClass serves every team, so remove the key, "
                "set alb.api: gateway, or use an Auto Mode cluster",
            )
        )
    if problems:
        raise ConfigError(problems)


def controller_args(
    settings: StackSettings,
    vpc_id: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    oidc: tuple[pulumi.Input[str], pulumi.Input[str]] | None,
) -> AwsLoadBalancerControllerArgs:
    """The public component's args from the stack's checked settings: the stack is one caller of it."""
    controller = settings.controller
    iam = controller.iam
    resources = controller.resources
    args: AwsLoadBalancerControllerArgs = {
        "cluster_name": settings.cluster.name,
        "region": settings.region,
        "vpc_id": vpc_id,
        "identity": controller.identity,
        "version": controller.version,
        "namespace": controller.namespace,
        "service_account": controller.service_account,
        "replicas": controller.replicas,
        "ingress_class": controller.class_name("lbc"),
        "service_mutator_webhook": controller.service_mutator_webhook,
        "resources": {
            "cpu_request": resources.cpu_request,
            "memory_request": resources.memory_request,
            "cpu_limit": resources.cpu_limit,
            "memory_limit": resources.memory_limit,
        },
        "iam": {"role_path": iam.role_path, "extra_policy_arns": list(iam.extra_policy_arns)},
        "extra_values": controller.extra_values,
    }
    if settings.alb.api == "gateway":
        args["gateway_api"] = True
        args["install_gateway_api_crds"] = settings.gateway_api.install_crds
    if iam.permissions_boundary_arn is not None:
        args["iam"]["permissions_boundary_arn"] = iam.permissions_boundary_arn
    if controller.image_repository is not None:
        args["image_repository"] = controller.image_repository
    for key, value in (
        ("enable_shield", controller.enable_shield),
        ("enable_waf", controller.enable_waf),
        ("enable_wafv2", controller.enable_wafv2),
    ):
        if value is not None:
            args[key] = value  # type: ignore[literal-required]
    if oidc is not None:
        args["oidc_provider_arn"], args["oidc_issuer"] = oidc
    else:
        args["cluster_arn"] = cluster_arn
    return args
