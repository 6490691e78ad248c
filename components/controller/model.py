"""The controller's inputs as one validated model: what the stack's ``controller`` section and the public
``AwsLoadBalancerController`` component's args both go through, with the same messages.

The field names are the component's (snake_case); the aliases are the stack config's keys (camelCase).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, field_validator

from albingress.components.controller import chart_checks
from albingress.components.controller.chart_checks import ValueProblemsError
from albingress.components.model import (
    IMAGE_REPOSITORY,
    ResourceSettings,
    Section,
    check_dns_label,
    check_policy_arn,
    fail,
)
from albingress.facts.managed_policies import document_for_arn
from albingress.facts.managed_policies import source as managed_source
from albingress.facts.regions import addon_available
from albingress.policies.controller_iam import DEFAULT_VERSION, RELEASES
from albingress.policies.iam_judge import permission_findings

_ROLE_PATH = re.compile(r"/([\x21-\x7e]{0,510}/)?")


class ControllerIamSettings(Section):
    """What organisations require of every role: a path, a boundary, their own extra policies."""

    role_path: str = "/"
    permissions_boundary_arn: str | None = None
    extra_policy_arns: tuple[str, ...] = Field(
        default=(), examples=[["arn:{partition}:iam::{account}:policy/encrypted-stand-in"]]
    )

    @field_validator("role_path")
    @classmethod
    def _path(cls, value: str) -> str:
        # IAM: a path is '/' or '/'-delimited names of printable ASCII, at most 512 characters; '//' is refused.
        if len(value) > 512 or not _ROLE_PATH.fullmatch(value) or "//" in value:
            raise fail(
                f"{value!r} is not an IAM path; use '/' or e.g. '/platform/' (starts and ends with '/', no '//', "
                "at most 512 characters)"
            )
        return value

    @field_validator("permissions_boundary_arn")
    @classmethod
    def _boundary(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            check_policy_arn(value, info, "arn:aws:iam::<account>:policy/<name>")
        return value

    @field_validator("extra_policy_arns")
    @classmethod
    def _extra(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for arn in value:
            if not arn.isascii():
                # IAM names are ASCII ([\w+=,.@-]); a look-alike letter names a policy nobody can attach.
                raise fail(f"{arn!r} has characters outside ASCII, which IAM policy names never have; retype the name")
            check_policy_arn(arn, info, "arn:aws:iam::<account|aws>:policy/<name>")
        if len(set(value)) != len(value):
            raise fail("a policy ARN is listed twice; list each once")
        if len(value) > 9:
            raise fail("more than 9 extra policies: IAM attaches at most 10 managed policies to a role")
        refused = managed_policy_problems(value)
        if refused:
            raise fail(refused)
        return value


def managed_policy_problems(arns: tuple[str, ...] | list[str]) -> str | None:
    """Every AWS managed policy among ``arns`` that grants administrator, IAM-write or escalation power, in one
    message; judged by the guardrails' judge against the dated snapshot in facts/ (customer-managed ones, and
    AWS managed ones newer than the snapshot, are read and judged at preview: ``read_at_preview``)."""
    found = [
        (arn, findings)
        for arn in arns
        if (document := document_for_arn(arn)) is not None and (findings := permission_findings(document))
    ]
    if not found:
        return None
    return policy_refusal(found, f"judged against {managed_source()}")


def policy_refusal(found: list[tuple[str, list[str]]], source: str) -> str:
    """One message naming every refused policy with what it grants."""
    named = "; ".join(f"{arn} {'; '.join(findings)}" for arn, findings in found)
    noun = "policy gives" if len(found) == 1 else "policies give"
    return (
        f"{len(found)} extra {noun} the controller's role power it must not hold: {named} ({source}); attach a "
        "policy with only the extra actions the controller needs"
    )


def read_at_preview(arns: tuple[str, ...] | list[str]) -> list[str]:
    """The extra policies the snapshot cannot judge: customer-managed ones and AWS managed ones it lacks."""
    return [arn for arn in arns if document_for_arn(arn) is None]


# Chart values the stack sets from its own settings; overriding them through
# extraValues would point the controller at another cluster, region, VPC or
# identity than the one the stack's IAM and checks were built for.
OWNED_CHART_KEYS = ("clusterName", "region", "vpcId", "serviceAccount", "ingressClass", "image")


def _whole_in(low: int, high: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"a whole number from {low} to {high}")

    return check


def _word_in(*allowed: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")

    return check


def _name(value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", value):
        raise ValueError("a Kubernetes object name")


def _flag(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError("true or false")


def _by_value(check: Callable[[Any], list[str]]) -> Callable[[Any], None]:
    """A check that names the place inside the value (``.key``, ``[index]``) of each problem it finds."""

    def run(value: Any) -> None:
        problems = check(value)
        if problems:
            raise ValueProblemsError(problems)

    return run


def _pull_secrets(value: Any) -> None:
    """Each bad item named by its index (``imagePullSecrets[1].name: ...``), not the whole list's repr."""
    if not isinstance(value, list):
        raise ValueError("a list of {name: <secret>}")
    problems = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"name"}:
            problems.append(f"[{index}]: {item!r} is not {{name: <secret>}}")
            continue
        try:
            _name(item["name"])
        except ValueError as error:
            problems.append(f"[{index}].name: {item['name']!r} is not {error} (a Secret in the controller's namespace)")
    if problems:
        raise ValueProblemsError(problems)


# The chart keys (chart 3.5.0's values.yaml) extraValues may set: scheduling, metadata, logging and
# reconcile tuning, each with the type the chart expects. Nothing here can weaken the hardening.
EXTRA_VALUE_KEYS: dict[str, Callable[[Any], None]] = {
    "nodeSelector": _by_value(chart_checks.node_selector_problems),
    "tolerations": _by_value(chart_checks.tolerations_problems),
    "affinity": _by_value(chart_checks.affinity_problems),
    "priorityClassName": _name,
    "updateStrategy": _by_value(chart_checks.update_strategy_problems),
    "podAnnotations": _by_value(lambda v: chart_checks.annotations_problems(v, pod=True)),
    "podLabels": _by_value(lambda v: chart_checks.labels_problems(v, chart_checks.SELECTOR_LABELS)),
    "deploymentAnnotations": _by_value(chart_checks.annotations_problems),
    "serviceAnnotations": _by_value(chart_checks.annotations_problems),
    "additionalLabels": _by_value(lambda v: chart_checks.labels_problems(v, chart_checks.CHART_LABELS)),
    "logLevel": _word_in("info", "debug"),
    "revisionHistoryLimit": _whole_in(0, 100),
    "terminationGracePeriodSeconds": _whole_in(10, 3600),
    "ingressMaxConcurrentReconciles": _whole_in(1, 100),
    "serviceMaxConcurrentReconciles": _whole_in(1, 100),
    "targetgroupbindingMaxConcurrentReconciles": _whole_in(1, 100),
    "awsMaxRetries": _whole_in(1, 100),
    "syncPeriod": _by_value(chart_checks.sync_period_problems),
    "enableEndpointSlices": _flag,
    "serviceMonitor": _by_value(chart_checks.service_monitor_problems),
    "imagePullSecrets": _pull_secrets,
}
# Chart keys another input sets, and so extraValues may not: the stack config key and the component input
# that own each (the message names the one the caller wrote).
EXTRA_VALUE_OWNERS: dict[str, tuple[str, str]] = {
    "clusterName": ("set from alb-ingress:cluster.name", "set from cluster_name"),
    "region": ("set from aws:region", "set from region"),
    "vpcId": ("set from alb-ingress:cluster.vpcId or the cluster itself", "set from vpc_id"),
    "serviceAccount": ("set from alb-ingress:controller.serviceAccount", "set from service_account"),
    "ingressClass": ("set from alb-ingress:controller.ingressClass", "set from ingress_class"),
    "image": (
        "set from alb-ingress:controller.imageRepository and controller.version",
        "set from image_repository and version",
    ),
    "replicaCount": ("set from alb-ingress:controller.replicas (1 to 10)", "set from replicas (1 to 10)"),
    "resources": ("set from alb-ingress:controller.resources", "set from resources"),
    "enableShield": ("set from alb-ingress:controller.enableShield", "set from enable_shield"),
    "enableWaf": ("set from alb-ingress:controller.enableWaf", "set from enable_waf"),
    "enableWafv2": ("set from alb-ingress:controller.enableWafv2", "set from enable_wafv2"),
    "enableServiceMutatorWebhook": (
        "set from alb-ingress:controller.serviceMutatorWebhook",
        "set from service_mutator_webhook",
    ),
    "defaultTags": (
        "set by the stack (cluster and ephemeral tags); put your tags in alb-ingress:tags",
        "set by the component (cluster tags); put yours in default_tags",
    ),
}
# Chart keys no caller may change, and why.
_HARDENING = "part of the controller's hardening, which extraValues may not undo"
EXTRA_VALUE_REFUSALS: dict[str, str] = {
    "podSecurityContext": _HARDENING,
    "securityContext": _HARDENING,
    "keepTLSSecret": _HARDENING,
    "podDisruptionBudget": _HARDENING,
    "topologySpreadConstraints": _HARDENING,
    "hostNetwork": "would put the controller on the node's network, outside pod network policy",
    "clusterSecretsPermissions": "would let the controller read every Secret of the cluster",
    "ingressClassConfig": "would make the controller's class the cluster's default, taking over class-less Ingresses",
    "createIngressClassResource": "the controller's IngressClass comes from the chart, as configured",
    "ingressClassParams": "the controller's IngressClass comes from the chart, as configured",
    "defaultTargetType": "Ingresses here target pods (ip); a default of instance would bring back node hops",
    "env": "could put credentials into the controller's environment; use the controller's IRSA or Pod Identity role",
    "envSecretName": "could put credentials into the controller's environment",
    "extraVolumes": "could mount other credentials into the controller",
    "extraVolumeMounts": "could mount other credentials into the controller",
    "awsApiEndpoints": "would send the controller's AWS calls to other endpoints",
    "webhookTLS": "the chart manages the webhook certificate (keepTLSSecret)",
    "webhookNamespaceSelectors": "would change which pods get readiness gates",
    "objectSelector": "would change which pods get readiness gates",
    "rbac": _HARDENING,
    "livenessProbe": _HARDENING,
    "controllerConfig": "feature gates change what the controller does to every team's load balancers",
}


def extra_values_problems(value: Mapping[str, Any], component: bool = False) -> list[str]:
    """Why each key of extraValues is refused; empty when every key is allowed and of its type.

    ``component``: the caller is the component (name its inputs), not a stack file (name its keys).
    """
    problems: list[str] = []
    for key, item in value.items():
        if key in EXTRA_VALUE_OWNERS:
            problems.append(f"{key}: not allowed here, {EXTRA_VALUE_OWNERS[key][1 if component else 0]}")
        elif key in EXTRA_VALUE_REFUSALS:
            problems.append(f"{key}: not allowed here, {EXTRA_VALUE_REFUSALS[key]}")
        elif key not in EXTRA_VALUE_KEYS:
            close = difflib.get_close_matches(key, list(EXTRA_VALUE_KEYS), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(f"{key}: not a key extraValues may set; {hint}allowed: {', '.join(EXTRA_VALUE_KEYS)}")
        else:
            try:
                EXTRA_VALUE_KEYS[key](item)
            except ValueProblemsError as error:
                problems.extend(f"{key}{problem}" for problem in error.problems)
            except ValueError as error:
                problems.append(f"{key}: {item!r} is not {error}")
    return problems


class ControllerSettings(Section):
    """How the AWS Load Balancer Controller is installed (or that EKS Auto Mode's is used)."""

    mode: Literal["lbc", "auto"] | None = None
    version: str = DEFAULT_VERSION
    namespace: str = "kube-system"
    service_account: str = "aws-load-balancer-controller"
    identity: Literal["irsa", "pod-identity"] = "irsa"
    replicas: StrictInt = 2
    service_mutator_webhook: StrictBool = False
    ingress_class: str | None = None
    image_repository: str | None = None
    enable_shield: StrictBool | None = None
    enable_waf: StrictBool | None = None
    enable_wafv2: StrictBool | None = None
    resources: ResourceSettings = ResourceSettings.model_validate(
        {"cpuRequest": "100m", "memoryRequest": "256Mi", "cpuLimit": "1", "memoryLimit": "512Mi"}
    )
    iam: ControllerIamSettings = ControllerIamSettings()
    extra_values: dict[str, Any] = Field(default_factory=dict)
    # Pod Identity needs the agent on every node: the EKS add-on (checked at program start), or a
    # DaemonSet of your own (self-managed: the stack then trusts it is there).
    pod_identity_agent: Literal["addon", "self-managed"] = "addon"

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in RELEASES:
            raise fail(
                f"controller {value!r} has no reviewed IAM policy here; supported: {', '.join(RELEASES)} "
                "(add policies/iam/controller-<version>.json to support another)"
            )
        return value

    @field_validator("namespace", "service_account")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        return check_dns_label(value)

    @field_validator("ingress_class")
    @classmethod
    def _class(cls, value: str | None) -> str | None:
        return None if value is None else check_dns_label(value)

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, value: int) -> int:
        if not 1 <= value <= 10:
            raise fail(f"{value} is out of range; use 1 to 10 (2 keeps the webhooks up during node restarts)")
        return value

    @field_validator("image_repository")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 255 or not IMAGE_REPOSITORY.fullmatch(value)):
            raise fail(
                f"{value!r} is not an image repository; give it without tag, e.g. "
                "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon/aws-load-balancer-controller"
            )
        return value

    @field_validator("enable_shield", "enable_waf", "enable_wafv2")
    @classmethod
    def _addon(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        region = (info.context or {}).get("region")
        addon = {"enable_shield": "shield", "enable_waf": "waf", "enable_wafv2": "wafv2"}[str(info.field_name)]
        if value and region and not addon_available(addon, region):
            raise fail(
                f"{addon} is not offered in {region} (botocore has no endpoint for it there); set it to false "
                "or remove the key"
            )
        return value

    @field_validator("extra_values")
    @classmethod
    def _extra(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        problems = extra_values_problems(value, component=bool((info.context or {}).get("component")))
        if problems:
            raise fail("; ".join(problems))
        return value

    @property
    def chart_version(self) -> str:
        return RELEASES[self.version].chart_version

    @property
    def uses_irsa(self) -> bool:
        """IRSA needs the cluster's OIDC provider and a role annotation on the SA."""
        return self.identity == "irsa"

    def class_name(self, mode: str) -> str:
        """The IngressClass the echoserver uses; different defaults so both kinds can live in one cluster."""
        if self.ingress_class is not None:
            return self.ingress_class
        return "alb" if mode == "lbc" else "alb-auto"

    def addon_enabled(self, addon: str, region: str) -> bool:
        """The add-on switch: the config when given, else on exactly where AWS offers the service."""
        given = {"shield": self.enable_shield, "waf": self.enable_waf, "wafv2": self.enable_wafv2}[addon]
        return addon_available(addon, region) if given is None else given
