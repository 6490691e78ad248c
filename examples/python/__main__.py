"""A platform team's program: its EKS cluster from pulumi-eks, then the AWS Load Balancer Controller on it.

Everything the controller needs of the cluster is passed straight from pulumi-eks's outputs; the providers
go through ``opts.providers``. Python 3.11 or newer is needed where ``pulumi up`` runs.
"""

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from albingress import AwsLoadBalancerController

region = aws.config.region or "us-west-2"
aws_provider = aws.Provider("aws", region=region)

cluster = eks.Cluster(
    "platform",
    name="platform",
    create_oidc_provider=True,
    authentication_mode=eks.AuthenticationMode.API,
    opts=pulumi.ResourceOptions(providers={"aws": aws_provider}),
)
kubernetes = k8s.Provider("platform", kubeconfig=cluster.kubeconfig_json)

controller = AwsLoadBalancerController(
    "lbc",
    {
        "cluster_name": cluster.eks_cluster.name,
        "region": region,
        "vpc_id": cluster.core.vpc_id,
        "oidc_provider_arn": cluster.oidc_provider_arn,
        "oidc_issuer": cluster.oidc_issuer,
    },
    opts=pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": kubernetes}),
)

pulumi.export("controllerRoleArn", controller.role_arn)
pulumi.export("ingressClassName", controller.ingress_class_name)
