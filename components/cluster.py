"""Facts about the existing EKS cluster, and a Kubernetes provider bound to it.

The stack targets one named cluster. Deploying with whatever kubectl context
happens to be current is how releases land on the wrong cluster, so the
provider is built from the cluster's own endpoint and CA, and authenticates
with ``aws eks get-token`` for that exact cluster and region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.settings import ClusterSettings


@dataclass(frozen=True)
class ClusterAccessArgs:
    """What to look up; ``needs_oidc`` is False for Pod Identity, which has no OIDC trust."""

    cluster: ClusterSettings
    region: str
    needs_oidc: bool


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


class ClusterAccess(pulumi.ComponentResource):
    """Reads the cluster (never changes it) and exposes what the other components need."""

    vpc_id: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str] | None
    oidc_issuer: pulumi.Output[str] | None
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ClusterAccess", name, None, opts)
        invoke = pulumi.InvokeOptions(parent=self)
        settings = args.cluster
        cluster = aws.eks.get_cluster_output(name=settings.name, opts=invoke)

        self.vpc_id = pulumi.Output.from_input(settings.vpc_id) if settings.vpc_id else cluster.vpc_config.vpc_id

        self.oidc_provider_arn = None
        self.oidc_issuer = None
        if args.needs_oidc:
            if settings.oidc_provider_arn and settings.oidc_issuer_host:
                self.oidc_provider_arn = pulumi.Output.from_input(settings.oidc_provider_arn)
                self.oidc_issuer = pulumi.Output.from_input(settings.oidc_issuer_host)
            else:
                issuer_url = cluster.identities[0].oidcs[0].issuer
                provider = aws.iam.get_open_id_connect_provider_output(url=issuer_url, opts=invoke)
                self.oidc_provider_arn = provider.arn
                self.oidc_issuer = issuer_url.apply(lambda url: url.removeprefix("https://"))

        kubeconfig = pulumi.Output.all(cluster.endpoint, cluster.certificate_authorities[0].data).apply(
            lambda parts: kubeconfig_for(settings.name, args.region, parts[0], parts[1])
        )
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        outputs: dict[str, pulumi.Input[str] | None] = {"vpcId": self.vpc_id}
        if self.oidc_provider_arn is not None:
            outputs["oidcProviderArn"] = self.oidc_provider_arn
        self.register_outputs(outputs)
