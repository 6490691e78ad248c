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

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

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
    vpc_id: pulumi.Input[str]
    controller: ControllerSettings
    provider: k8s.Provider
    role_arn: pulumi.Input[str] | None
    depends_on: list[pulumi.Resource]


def chart_values(args: ControllerReleaseArgs) -> dict[str, Any]:
    """Values for the chart, using its own keys.

    ``region`` and ``vpcId`` are always passed: with the IMDS hop limit of 1
    that EKS nodes default to, the controller cannot discover them itself.
    """
    controller = args.controller
    selector = {"app.kubernetes.io/name": CHART_NAME, "app.kubernetes.io/instance": RELEASE_NAME}
    return {
        "clusterName": args.cluster_name,
        "region": args.region,
        "vpcId": args.vpc_id,
        "replicaCount": controller.replicas,
        "serviceAccount": {"create": False, "name": controller.service_account},
        "podDisruptionBudget": {"maxUnavailable": 1},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ],
        # Off unless asked for: with it on, every new `type: LoadBalancer`
        # Service (ingress-nginx's NLB included) is taken over by this controller.
        "enableServiceMutatorWebhook": controller.service_mutator_webhook,
    }


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

        self.crds = [
            k8s.yaml.v2.ConfigFile(f"{name}-crds-{index}", file=url, opts=k8s_opts)
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
