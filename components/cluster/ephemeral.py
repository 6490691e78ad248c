"""A short-lived EKS cluster the stack creates itself (``cluster.create: true``), for pull requests and tests.

``pulumi-eks`` builds the control plane (and the IAM OIDC provider for IRSA only); a small
managed node group spans two zones; the Pod Identity agent add-on is installed
when the controller uses Pod Identity. Everything carries the ephemeral tags
(owner, expiry), so the scheduled ``albops sweep --expired`` can find what
outlived it. The Kubernetes provider is built from this cluster's kubeconfig.

Subnets: the ones given (they must carry ``kubernetes.io/role/elb`` for
internet-facing ALBs, as the controller discovers subnets by that tag), or the
account's default VPC, whose subnets carry no such tag: then the stack names
them on its Ingress (``alb.ingress.kubernetes.io/subnets``) instead of tagging
subnets it does not own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from albingress.components.cluster.access import Mode
from albingress.components.model import ConfigError, Problem
from albingress.components.sections import ClusterSettings, EphemeralSettings
from albingress.components.tags import STACK_TAG, parse_owner
from albingress.facts.instance_types import instance_type_note
from albingress.facts.names import PROJECT

# Managed policies every EKS node role needs (Amazon EKS user guide, "Amazon EKS node IAM role").
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
# The control plane's role: what pulumi-eks attaches to the service role it would otherwise make itself
# (nodejs/eks/cluster/cluster.ts, createCore: ``managedPolicies``, without Auto Mode).
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)


@dataclass(frozen=True)
class EphemeralClusterArgs:
    """Validated settings and the stack's AWS provider and account facts."""

    cluster: ClusterSettings
    ephemeral: EphemeralSettings | None
    region: str
    partition: str
    account_id: str
    provider: aws.Provider
    invoke: pulumi.InvokeOptions
    pod_identity: bool
    # The tags of a short-lived cluster: ephemeral, owner, expires, and alb-ingress/stack naming this stack.
    tags: dict[str, str]
    # The path and permissions boundary of every role the cluster needs (the controller's settings): the
    # pull-request CI role may create roles only under its path and with its boundary (docs/ci.md).
    role_path: str = "/"
    permissions_boundary_arn: str | None = None


def ownership_problem(name: str, region: str, existing: list[str], tags: dict[str, str], want: str) -> Problem | None:
    """Why the stack may not take over cluster ``name``: it exists and is not tagged as this stack's.

    ``pulumi up`` would otherwise fail half-way on the name clash, and a teardown of this
    stack would reach into a cluster some other team runs.
    """
    if name not in existing or tags.get(STACK_TAG) == want:
        return None
    found = tags.get(STACK_TAG)
    what = f"is tagged {STACK_TAG}={found}" if found else f"has no {STACK_TAG} tag"
    if found and parse_owner(found) is None and want.endswith(f"/{found}"):
        # The old <project>/<stack> value: a fork or another organization's stack of the same name wrote the same.
        what = f"carries the old two-part owner value {STACK_TAG}={found}, which another organization's stack shares"
    return Problem(
        f"{PROJECT}:cluster.name",
        f"cluster {name!r} already exists in {region} and {what}, so it is not this stack's ({want}); give "
        f"cluster.name another value. If this stack created it before the tag existed, check it by hand, then tag "
        f"it: aws eks tag-resource --region {region} --resource-arn <its ARN> --tags {STACK_TAG}={want}",
    )


def node_trust_policy() -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def cluster_trust_policy() -> str:
    """The control plane's trust: EKS only, with the two actions pulumi-eks's own service role grants it
    (pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts, createCore: ``assumeRoleActions``)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def two_zones(subnets: list[aws.ec2.GetSubnetResult]) -> list[str]:
    """One subnet in each of the first two zones, so nodes and the ALB span two zones."""
    chosen: dict[str, str] = {}
    for subnet in sorted(subnets, key=lambda s: (s.availability_zone, s.id)):
        chosen.setdefault(subnet.availability_zone, subnet.id)
    return list(chosen.values())[:2]


class EphemeralCluster(pulumi.ComponentResource):
    """The EKS cluster, its node group and add-on, and a Kubernetes provider for it."""

    arn: str
    vpc_id: str
    subnet_ids: list[str]
    ingress_subnets: list[str] | None
    provider: k8s.Provider
    cluster: eks.Cluster

    def __init__(self, name: str, args: EphemeralClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:EphemeralCluster", name, None, opts)
        settings = args.cluster
        self.mode: Mode = "lbc"
        self.arn = f"arn:{args.partition}:eks:{args.region}:{args.account_id}:cluster/{settings.name}"
        note = instance_type_note(settings.node_instance_type)
        if note is not None:
            pulumi.log.warn(f"{PROJECT}:cluster.nodeInstanceType: {note}", resource=self)
        existing = list(aws.eks.get_clusters(opts=args.invoke).names or [])
        tags = dict(args.tags)
        found_tags: dict[str, str] = {}
        if settings.name in existing:
            found_tags = dict(aws.eks.get_cluster(name=settings.name, opts=args.invoke).tags or {})
        problem = ownership_problem(settings.name, args.region, existing, found_tags, tags.get(STACK_TAG, ""))
        if problem is not None:
            raise ConfigError([problem])
        if settings.subnet_ids:
            given = [aws.ec2.get_subnet(id=s, opts=args.invoke) for s in settings.subnet_ids]
            zones = sorted({subnet.availability_zone for subnet in given})
            if len(zones) < 2:
                raise ConfigError(
                    [
                        Problem(
                            f"{PROJECT}:cluster.subnetIds",
                            f"all subnets are in {zones[0]}; EKS and the ALB need subnets in at least two "
                            "availability zones: add a subnet of another zone",
                        )
                    ]
                )
            self.vpc_id = given[0].vpc_id
            self.subnet_ids = list(settings.subnet_ids)
            self.ingress_subnets = None  # tagged subnets: the controller discovers them
        else:
            vpc = aws.ec2.get_vpc(default=True, opts=args.invoke)
            ids = aws.ec2.get_subnets(
                filters=[
                    aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id]),
                    aws.ec2.GetSubnetsFilterArgs(name="default-for-az", values=["true"]),
                ],
                opts=args.invoke,
            ).ids
            self.vpc_id = vpc.id
            self.subnet_ids = two_zones([aws.ec2.get_subnet(id=s, opts=args.invoke) for s in ids])
            self.ingress_subnets = list(self.subnet_ids)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        def service_role(
            suffix: str, what: str, trust: str, policies: tuple[str, ...]
        ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
            """A role of the cluster's own, with the role path, permissions boundary and tags the pull-request
            CI role requires of every role it creates (docs/ci.md), and its AWS managed policies."""
            role = aws.iam.Role(
                f"{name}-{suffix}",
                assume_role_policy=trust,
                description=f"{what} of the EKS cluster {settings.name}",
                path=args.role_path,
                permissions_boundary=args.permissions_boundary_arn,
                tags=tags,
                opts=child,
            )
            attachments = [
                aws.iam.RolePolicyAttachment(
                    f"{name}-{suffix}-{policy}",
                    role=role.name,
                    policy_arn=f"arn:{args.partition}:iam::aws:policy/{policy}",
                    opts=child,
                )
                for policy in policies
            ]
            return role, attachments

        # The control plane's role is made here, not by pulumi-eks: its own (``<name>-eksRole``) would take
        # neither the role path nor the permissions boundary. Given ``service_role``, pulumi-eks makes none.
        self.cluster_role, self.cluster_policies = service_role(
            "cluster", "Control plane", cluster_trust_policy(), CLUSTER_POLICIES
        )
        self.node_role, self.node_policies = service_role("nodes", "Nodes", node_trust_policy(), NODE_POLICIES)
        self.cluster = eks.Cluster(
            f"{name}-eks",
            name=settings.name,
            version=settings.version,
            vpc_id=self.vpc_id,
            subnet_ids=self.subnet_ids,
            # IRSA needs the account-wide OIDC provider; with Pod Identity none is made, so the pull-request role
            # (policies/ci/pr-ephemeral-role.json) holds no grant on OIDC providers, whose ARNs no tag can scope
            # to this cluster before it exists (docs/ci.md).
            create_oidc_provider=not args.pod_identity,
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            service_role=self.cluster_role,
            tags=tags,
            cluster_tags=tags,
            # The policy is attached before the control plane starts (pulumi-eks waits so for its own role).
            opts=pulumi.ResourceOptions(
                parent=self, providers={"aws": args.provider}, depends_on=self.cluster_policies
            ),
        )
        self.node_group = aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=settings.name,
            node_role_arn=self.node_role.arn,
            subnet_ids=self.subnet_ids,
            instance_types=[settings.node_instance_type],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                desired_size=settings.node_count, min_size=settings.node_count, max_size=settings.node_count + 1
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider, depends_on=[self.cluster, *self.node_policies]
            ),
        )
        self.addons: list[aws.eks.Addon] = []
        if args.pod_identity:
            self.addons.append(
                aws.eks.Addon(
                    f"{name}-pod-identity-agent",
                    cluster_name=settings.name,
                    addon_name="eks-pod-identity-agent",
                    tags=tags,
                    opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[self.node_group]),
                )
            )
        # Credentials-bearing: kept secret in state and masked in every plan file.
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(self.cluster.kubeconfig_json)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.node_group]),
        )
        self.register_outputs(
            {"vpcId": self.vpc_id, "mode": self.mode, "oidcProviderArn": self.cluster.oidc_provider_arn}
        )

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What the controller needs before it starts: nodes, and the Pod Identity agent when used."""
        return [self.node_group, *self.addons]

    def oidc_provider(
        self, settings: ClusterSettings, invoke: pulumi.InvokeOptions
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """ARN and issuer host of the OIDC provider pulumi-eks created for this cluster."""
        return self.cluster.oidc_provider_arn, self.cluster.oidc_issuer
