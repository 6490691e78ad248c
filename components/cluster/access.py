"""Facts about the existing EKS cluster, and a Kubernetes provider bound to it.

The stack targets one named cluster. Deploying with whatever kubectl context
happens to be current is how releases land on the wrong cluster, so the
provider is built from the cluster's own endpoint and CA, and authenticates
with ``aws eks get-token`` for that exact cluster and region.

The cluster is read once, synchronously, at program start: whether EKS Auto
Mode's load balancing is on decides which resources exist at all, and that has
to be known before the first one is registered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from albingress.components.model import ConfigError, Problem
from albingress.components.sections import ClusterSettings
from albingress.facts.names import PROJECT

Mode = Literal["lbc", "auto"]


@dataclass(frozen=True)
class ClusterAccessArgs:
    """What to look up; ``needs_oidc`` is False for Pod Identity and Auto Mode, which have no OIDC trust."""

    cluster: ClusterSettings
    region: str
    invoke: pulumi.InvokeOptions
    requested_mode: Mode | None
    # The controller uses Pod Identity and relies on the EKS add-on for its agent: check it is installed.
    needs_pod_identity_addon: bool = False


POD_IDENTITY_ADDON = "eks-pod-identity-agent"


def kubeconfig_for(name: str, region: str, endpoint: str, ca_data: str) -> str:
    """A kubeconfig that authenticates through the AWS CLI, like ``aws eks update-kubeconfig``."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"],
            "interactiveMode": "Never",
        }
    }
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
    }
    return json.dumps(config)


def auto_mode_load_balancing(cluster: aws.eks.GetClusterResult) -> bool:
    """True when the cluster's built-in (Auto Mode) load balancing is on."""
    for network in cluster.kubernetes_network_configs or []:
        for balancing in network.elastic_load_balancings or []:
            if balancing.enabled:
                return True
    return False


def resolve_mode(requested: Mode | None, auto_on: bool, cluster_name: str) -> Mode:
    """The controller mode: as configured, or following the cluster when unset."""
    if requested is None:
        return "auto" if auto_on else "lbc"
    if requested == "auto" and not auto_on:
        raise ConfigError(
            [
                Problem(
                    f"{PROJECT}:controller.mode",
                    f"is auto, but cluster {cluster_name} has no Auto Mode load balancing; enable it on the cluster "
                    "(computeConfig and elasticLoadBalancing) or use lbc",
                )
            ]
        )
    return requested


def _require_pod_identity_agent(cluster: str, region: str, invoke: pulumi.InvokeOptions) -> None:
    """Pod Identity credentials come from the agent on each node; without it the controller gets none."""
    try:
        aws.eks.get_addon(cluster_name=cluster, addon_name=POD_IDENTITY_ADDON, opts=invoke)
    except Exception:
        raise ConfigError(
            [
                Problem(
                    f"{PROJECT}:controller.identity",
                    f"is pod-identity, but cluster {cluster} has no {POD_IDENTITY_ADDON} add-on, so the controller "
                    f"would get no credentials: install it (`aws eks create-addon --region {region} --cluster-name "
                    f"{cluster} --addon-name {POD_IDENTITY_ADDON}`), use irsa, or, if you run the agent as a "
                    "DaemonSet of your own, set controller.podIdentityAgent: self-managed",
                )
            ]
        ) from None


class ClusterAccess(pulumi.ComponentResource):
    """Reads the cluster (never changes it) and exposes what the other components need."""

    arn: str
    mode: Mode
    vpc_id: str
    oidc_issuer_url: str
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ClusterAccess", name, None, opts)
        settings = args.cluster
        try:
            cluster = aws.eks.get_cluster(name=settings.name, opts=args.invoke)
        except Exception as error:  # the provider's lookup error, turned into advice on the key
            raise ConfigError(
                [
                    Problem(
                        f"{PROJECT}:cluster.name",
                        f"cluster {settings.name!r} could not be read in {args.region} ({error}); check the name with "
                        f"`aws eks list-clusters --region {args.region}` and that the credentials may call "
                        "eks:DescribeCluster",
                    )
                ]
            ) from None
        self.arn = cluster.arn
        self.mode = resolve_mode(args.requested_mode, auto_mode_load_balancing(cluster), settings.name)
        if self.mode == "lbc" and args.needs_pod_identity_addon:
            _require_pod_identity_agent(settings.name, args.region, args.invoke)
        self.vpc_id = settings.vpc_id or cluster.vpc_config.vpc_id
        self.oidc_issuer_url = cluster.identities[0].oidcs[0].issuer if cluster.identities else ""

        kubeconfig = kubeconfig_for(
            settings.name, args.region, cluster.endpoint, cluster.certificate_authorities[0].data
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(kubeconfig),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"vpcId": self.vpc_id, "mode": self.mode})

    # The controller discovers an existing cluster's subnets by their tags, and needs nothing more to start.
    ingress_subnets: list[str] | None = None
    ready: list[pulumi.Resource] = []  # noqa: RUF012 - read-only, shared empty list

    def oidc_provider(self, settings: ClusterSettings, invoke: pulumi.InvokeOptions) -> tuple[str, str]:
        """ARN and issuer host of the cluster's IAM OIDC provider (IRSA only)."""
        if settings.oidc_provider_arn and settings.oidc_issuer_host:
            issuer = self.oidc_issuer_url.removeprefix("https://")
            if issuer and settings.oidc_issuer_host != issuer:
                # Another cluster's provider: the role would trust that cluster's service accounts, not this one's.
                raise ConfigError(
                    [
                        Problem(
                            f"{PROJECT}:cluster.oidcProviderArn",
                            f"is the provider of {settings.oidc_issuer_host}, but cluster {settings.name} has issuer "
                            f"{issuer} (eks:DescribeCluster): use that issuer's provider, or remove the key to look "
                            "it up",
                        )
                    ]
                )
            return settings.oidc_provider_arn, settings.oidc_issuer_host
        try:
            provider = aws.iam.get_open_id_connect_provider(url=self.oidc_issuer_url, opts=invoke)
        except Exception:
            raise ConfigError(
                [
                    Problem(
                        f"{PROJECT}:controller.identity",
                        f"is irsa, but no IAM OIDC provider is registered for {self.oidc_issuer_url}; create one "
                        f"(`eksctl utils associate-iam-oidc-provider --cluster {settings.name} --approve`), set "
                        "cluster.oidcProviderArn, or use pod-identity",
                    )
                ]
            ) from None
        return provider.arn, self.oidc_issuer_url.removeprefix("https://")
