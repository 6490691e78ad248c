"""The controller itself: ServiceAccount, CRDs and the Helm release.

Helm installs a chart's ``crds/`` on first install and never touches them again, so a chart upgrade would
run a new controller against old CRDs. The release therefore skips the chart's CRDs and this component
applies the CRD manifests of the exact controller tag itself; bumping the version upgrades both in one
``pulumi up``.

``helm.v3.Release`` (not ``helm.v3.Chart``) is used because the chart generates its webhook certificate at
render time: ``Chart`` would render a new one on every run and churn the webhooks, ``Release`` keeps Helm's
state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from albingress.components.app.gateway import GatewayObject, gateway_class_spec
from albingress.facts.gateway_api import GATEWAY_API_BUNDLE, GATEWAY_API_CRDS_URL, GATEWAY_API_VERSION
from albingress.policies.controller_iam import RELEASES

CHART_NAME = "aws-load-balancer-controller"
CHART_REPOSITORY = "https://aws.github.io/eks-charts"
RELEASE_NAME = "aws-load-balancer-controller"
GATEWAY_BUNDLE_POD_ANNOTATION = "alb-ingress/gateway-api-bundle-version"


@dataclass(frozen=True)
class ControllerReleaseArgs:
    """Checked inputs; ``role_arn`` is set for IRSA (the SA annotation) and None for Pod Identity."""

    version: str
    namespace: pulumi.Input[str]
    service_account: pulumi.Input[str]
    # The chart's values, built from the checked inputs (``chart_values``).
    values: pulumi.Input[Mapping[str, Any]]
    role_arn: pulumi.Input[str] | None
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)
    # Gateway mode: the GatewayClass's name (None: Ingress only), and whether to install the Gateway API CRDs.
    gateway_class: pulumi.Input[str] | None = None
    install_gateway_api_crds: bool = False


def cluster_default_tags(cluster_name: str) -> dict[str, str]:
    """Tags the controller puts on every AWS resource it creates, for every team's Ingress.

    Only cluster-level facts belong here; a stack's own tags go on its Ingress
    (``alb.ingress.kubernetes.io/tags``), since this list is shared by the cluster.
    """
    return {"cluster": cluster_name, "managed-by": "aws-load-balancer-controller"}


def merge_values(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``; nested mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = merge_values(current, value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class ChartInputs:
    """The resolved, checked values the chart is configured from."""

    cluster_name: str
    region: str
    vpc_id: str
    version: str
    image_repository: str
    replicas: int
    service_account: str
    ingress_class: str
    resources: Mapping[str, Mapping[str, str]]
    default_tags: Mapping[str, str]
    enable_shield: bool
    enable_waf: bool
    enable_wafv2: bool
    service_mutator_webhook: bool
    extra_values: Mapping[str, Any]
    gateway_api: bool = False


def chart_values(given: ChartInputs) -> dict[str, Any]:
    """Values for the chart, using its own keys (chart 3.5.0's values.yaml).

    ``region`` and ``vpcId`` are always passed: with the IMDS hop limit of 1 that EKS nodes default to, the
    controller cannot discover them itself.
    """
    selector = {"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/instance": RELEASE_NAME}
    values: dict[str, Any] = {
        "clusterName": given.cluster_name,
        "region": given.region,
        "vpcId": given.vpc_id,
        "image": {"repository": given.image_repository, "tag": given.version},
        "replicaCount": given.replicas,
        "serviceAccount": {"create": False, "name": given.service_account},
        "ingressClass": given.ingress_class,
        "podDisruptionBudget": {"maxUnavailable": 1},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ],
        "resources": {k: dict(v) for k, v in given.resources.items()},
        # The chart's defaults keep fsGroup and a read-only, non-root container;
        # these add the runtime's default seccomp profile and drop every capability.
        "podSecurityContext": {"fsGroup": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        # Reuse the webhook certificate on upgrades instead of issuing a new one
        # (and briefly failing webhook calls) on every `pulumi up`.
        "keepTLSSecret": True,
        "defaultTags": {**given.default_tags, **cluster_default_tags(given.cluster_name)},
        "enableShield": given.enable_shield,
        "enableWaf": given.enable_waf,
        "enableWafv2": given.enable_wafv2,
        # Off unless asked for: with it on, every new `type: LoadBalancer`
        # Service (ingress-nginx's NLB included) is taken over by this controller.
        "enableServiceMutatorWebhook": given.service_mutator_webhook,
    }
    if given.gateway_api:
        # On by default in v3.5.0 (pkg/config/feature_gates.go), said here so the intent is in the values; the
        # pod annotation names the Gateway API bundle, so turning gateway mode on (or a new bundle) rolls the
        # Deployment: the controller looks for the Gateway CRDs only when it starts.
        values["controllerConfig"] = {"featureGates": {"ALBGatewayAPI": True}}
        values["podAnnotations"] = {GATEWAY_BUNDLE_POD_ANNOTATION: GATEWAY_API_BUNDLE}
    return merge_values(values, given.extra_values)


class ControllerRelease(pulumi.ComponentResource):
    """Installs the controller and is ready only once its pods (and webhooks) are."""

    service_account: k8s.core.v1.ServiceAccount
    crds: list[k8s.yaml.v2.ConfigFile]
    release: k8s.helm.v3.Release
    gateway_class: GatewayObject | None

    def __init__(self, name: str, args: ControllerReleaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ControllerRelease", name, None, opts)
        release_info = RELEASES[args.version]
        child = pulumi.ResourceOptions(parent=self)

        annotations: dict[str, pulumi.Input[str]] = {}
        if args.role_arn is not None:
            annotations["eks.amazonaws.com/role-arn"] = args.role_arn
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.service_account,
                namespace=args.namespace,
                labels={"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/managed-by": "pulumi"},
                annotations=annotations,
            ),
            opts=child,
        )

        # Retained on delete: the CRDs are cluster-wide, and deleting them deletes
        # every team's TargetGroupBindings (and so their targets) with them.
        crd_opts = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        self.crds = [
            k8s.yaml.v2.ConfigFile(f"{name}-crds-{index}", file=url, opts=crd_opts)
            for index, url in enumerate(release_info.crd_urls)
        ]
        if args.install_gateway_api_crds:
            # The Gateway API release the controller is built for, retained on delete as well: every team's
            # Gateways and routes go with these CRDs. Before the release: the controller only looks for them
            # when its pods start.
            self.crds.append(
                k8s.yaml.v2.ConfigFile(f"{name}-gateway-api-crds", file=GATEWAY_API_CRDS_URL, opts=crd_opts)
            )
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=RELEASE_NAME,
            chart=CHART_NAME,
            version=release_info.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=args.namespace,
            values=args.values,
            skip_crds=True,
            # Helm's own wait: the release succeeds only when the controller
            # Deployment is ready, so its webhooks answer before anything they
            # intercept (Ingresses, pods in labelled namespaces) is created.
            skip_await=False,
            timeout=600,
            atomic=False,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account, *self.crds, *args.depends_on]),
        )
        # After the release: the controller accepts the class once it runs (and a refused Gateway API install
        # stops both).
        self.gateway_class = None
        if args.gateway_class is not None:
            self.gateway_class = GatewayObject(
                f"{name}-gateway-class",
                GATEWAY_API_VERSION,
                "GatewayClass",
                {"name": args.gateway_class, "labels": {"app.kubernetes.io/name": CHART_NAME}},
                gateway_class_spec(),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.release]),
            )

        self.register_outputs({"status": self.release.status})
