"""The controller itself: ServiceAccount, CRDs and the Helm release.

Helm installs a chart's ``crds/`` on first install and never touches them
again, so a chart upgrade would run a new controller against old CRDs. The
release therefore skips the chart's CRDs and this component applies the CRD
manifests of the exact controller tag itself; bumping ``controller.version``
upgrades both in one ``pulumi up``.

``helm.v3.Release`` (not ``helm.v3.Chart``) is used because the chart
generates its webhook certificate at render time: ``Chart`` would render a new
one on every run and churn the webhooks, ``Release`` keeps Helm's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.regions import default_controller_image
from components.settings import ControllerSettings
from policies.controller_iam import RELEASES

CHART_NAME = "aws-load-balancer-controller"
CHART_REPOSITORY = "https://aws.github.io/eks-charts"
RELEASE_NAME = "aws-load-balancer-controller"


@dataclass(frozen=True)
class ControllerReleaseArgs:
    """Inputs; ``role_arn`` is set for IRSA (the SA annotation) and None for Pod Identity."""

    cluster_name: str
    region: str
    vpc_id: str
    controller: ControllerSettings
    provider: k8s.Provider
    role_arn: pulumi.Input[str] | None
    depends_on: list[pulumi.Resource]
    # Cluster-level tags beyond cluster and managed-by: an ephemeral cluster's owner and expiry.
    extra_default_tags: dict[str, str] = field(default_factory=dict)


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


def chart_values(args: ControllerReleaseArgs) -> dict[str, Any]:
    """Values for the chart, using its own keys (chart 3.5.0's values.yaml).

    ``region`` and ``vpcId`` are always passed: with the IMDS hop limit of 1
    that EKS nodes default to, the controller cannot discover them itself.
    """
    controller = args.controller
    selector = {"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/instance": RELEASE_NAME}
    image = controller.image_repository or default_controller_image(args.region)
    values: dict[str, Any] = {
        "clusterName": args.cluster_name,
        "region": args.region,
        "vpcId": args.vpc_id,
        "image": {"repository": image, "tag": controller.version},
        "replicaCount": controller.replicas,
        "serviceAccount": {"create": False, "name": controller.service_account},
        "ingressClass": controller.class_name("lbc"),
        "podDisruptionBudget": {"maxUnavailable": 1},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ],
        "resources": controller.resources.as_kubernetes(),
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
        "defaultTags": {**args.extra_default_tags, **cluster_default_tags(args.cluster_name)},
        "enableShield": controller.addon_enabled("shield", args.region),
        "enableWaf": controller.addon_enabled("waf", args.region),
        "enableWafv2": controller.addon_enabled("wafv2", args.region),
        # Off unless asked for: with it on, every new `type: LoadBalancer`
        # Service (ingress-nginx's NLB included) is taken over by this controller.
        "enableServiceMutatorWebhook": controller.service_mutator_webhook,
    }
    return merge_values(values, controller.extra_values)


class ControllerRelease(pulumi.ComponentResource):
    """Installs the controller and is ready only once its pods (and webhooks) are."""

    service_account: k8s.core.v1.ServiceAccount
    crds: list[k8s.yaml.v2.ConfigFile]
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: ControllerReleaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ControllerRelease", name, None, opts)
        controller = args.controller
        release_info = RELEASES[controller.version]
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args.provider)

        annotations: dict[str, pulumi.Input[str]] = {}
        if args.role_arn is not None:
            annotations["eks.amazonaws.com/role-arn"] = args.role_arn
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=controller.service_account,
                namespace=controller.namespace,
                labels={"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/managed-by": "pulumi"},
                annotations=annotations,
            ),
            opts=k8s_opts,
        )

        # Retained on delete: the CRDs are cluster-wide, and deleting them deletes
        # every team's TargetGroupBindings (and so their targets) with them.
        crd_opts = pulumi.ResourceOptions(parent=self, provider=args.provider, retain_on_delete=True)
        self.crds = [
            k8s.yaml.v2.ConfigFile(f"{name}-crds-{index}", file=url, opts=crd_opts)
            for index, url in enumerate(release_info.crd_urls)
        ]

        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name=RELEASE_NAME,
            chart=CHART_NAME,
            version=release_info.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPOSITORY),
            namespace=controller.namespace,
            values=chart_values(args),
            skip_crds=True,
            # Helm's own wait: the release succeeds only when the controller
            # Deployment is ready, so its webhooks answer before anything they
            # intercept (Ingresses, pods in labelled namespaces) is created.
            skip_await=False,
            timeout=600,
            atomic=False,
            cleanup_on_fail=True,
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.provider,
                depends_on=[self.service_account, *self.crds, *args.depends_on],
            ),
        )
        self.register_outputs({"status": self.release.status})
