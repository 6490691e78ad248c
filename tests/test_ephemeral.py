"""Ephemeral cluster mode: the stack creates its own EKS cluster with pulumi-eks, under mocks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from albingress.components.model import ConfigError
from albingress.stack_settings import parse_settings
from albops.preview.runner import PlanResult, read_stack_file, run_program
from tests.conftest import StackRunner, stack_config, with_overrides

EPHEMERAL_TAGS = {
    "alb-ingress/ephemeral": "true",
    "alb-ingress/owner": "platform-team",
    "alb-ingress/expires": "2099-12-31",
    "alb-ingress/stack": "organization/alb-ingress/pr",
}


@pytest.fixture(scope="module")
def pr_apply() -> PlanResult:
    return run_program(read_stack_file("pr"), "pr", preview=False)


def test_the_cluster_is_created_with_pulumi_eks(pr_apply: PlanResult) -> None:
    cluster = pr_apply.one("eks:index:Cluster")
    inputs = cluster.inputs
    assert inputs["name"] == "pr"  # named after the stack: pr-<number> stacks get their own
    assert inputs["version"] == "1.35"
    # The pr stack uses Pod Identity: no account-wide OIDC provider, which the pull-request CI role may neither
    # create nor delete (docs/ci.md); a stack with IRSA gets one.
    assert inputs["createOidcProvider"] is False
    assert inputs["skipDefaultNodeGroup"] is True
    assert inputs["authenticationMode"] == "API"
    assert len(inputs["subnetIds"]) == 2
    assert inputs["tags"] == EPHEMERAL_TAGS and inputs["clusterTags"] == EPHEMERAL_TAGS
    aws_provider = pr_apply.one("pulumi:providers:aws")
    assert cluster.providers["aws"].startswith(aws_provider.urn + "::")


def test_a_small_managed_node_group_across_two_zones(pr_apply: PlanResult) -> None:
    group = pr_apply.one("aws:eks/nodeGroup:NodeGroup").inputs
    cluster = pr_apply.one("eks:index:Cluster")
    assert group["clusterName"] == "pr"
    assert group["instanceTypes"] == ["t3.medium"]
    assert group["scalingConfig"] == {"desiredSize": 2, "minSize": 2, "maxSize": 3}
    assert group["subnetIds"] == cluster.inputs["subnetIds"]
    zones = {s[-1] for s in group["subnetIds"]}
    assert len(zones) == 2
    assert cluster.urn in pr_apply.one("aws:eks/nodeGroup:NodeGroup").dependencies
    policies = sorted(
        r.inputs["policyArn"].rsplit("/", 1)[1]
        for r in pr_apply.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.name.startswith("pr-nodes-")
    )
    assert policies == ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy"]


def test_pod_identity_gets_its_agent_add_on_before_the_association(pr_apply: PlanResult) -> None:
    addon = pr_apply.one("aws:eks/addon:Addon")
    assert addon.inputs == {**addon.inputs, "addonName": "eks-pod-identity-agent", "clusterName": "pr"}
    association = pr_apply.one("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert addon.urn in association.dependencies
    trust = json.loads(pr_apply.one("aws:iam/role:Role", name="pr-lbc-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/eks-cluster-arn"] == (
        "arn:aws:eks:us-west-2:111122223333:cluster/pr"
    )


def test_every_kubernetes_resource_uses_the_created_clusters_kubeconfig(pr_apply: PlanResult) -> None:
    provider = pr_apply.one("pulumi:providers:kubernetes")
    cluster = pr_apply.one("eks:index:Cluster")
    assert provider.inputs["kubeconfig"] == "[secret]"  # credentials never reach a plan file
    assert json.loads(provider.revealed["kubeconfig"]) == cluster.outputs["kubeconfig"]
    for reg in pr_apply.resources:
        if reg.type.startswith("kubernetes:"):
            assert reg.provider.startswith(provider.urn + "::"), reg.type
    release = pr_apply.one("kubernetes:helm.sh/v3:Release")
    assert pr_apply.one("aws:eks/nodeGroup:NodeGroup").urn in release.dependencies


def test_ephemeral_tags_reach_aws_resources_and_the_controllers_defaults(pr_apply: PlanResult) -> None:
    provider_tags = json.loads(pr_apply.one("pulumi:providers:aws").inputs["defaultTags"])["tags"]
    assert EPHEMERAL_TAGS.items() <= provider_tags.items()
    values = pr_apply.one("kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["defaultTags"] == {**EPHEMERAL_TAGS, "cluster": "pr", "managed-by": "aws-load-balancer-controller"}
    assert values["vpcId"] == pr_apply.one("eks:index:Cluster").inputs["vpcId"]


def test_default_vpc_subnets_are_named_on_the_ingress(pr_apply: PlanResult) -> None:
    annotations = pr_apply.one("kubernetes:networking.k8s.io/v1:Ingress").inputs["metadata"]["annotations"]
    subnets = annotations["alb.ingress.kubernetes.io/subnets"].split(",")
    assert subnets == pr_apply.one("eks:index:Cluster").inputs["subnetIds"]


def test_given_subnets_are_used_as_they_are(run_stack: StackRunner) -> None:
    subnets = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    result = run_stack("pr", cluster={"subnetIds": subnets})
    assert result.one("eks:index:Cluster").inputs["subnetIds"] == subnets
    annotations = result.one("kubernetes:networking.k8s.io/v1:Ingress").inputs["metadata"]["annotations"]
    assert "alb.ingress.kubernetes.io/subnets" not in annotations


def test_irsa_on_a_created_cluster_trusts_its_new_oidc_provider(run_stack: StackRunner) -> None:
    result = run_stack("pr", controller={"identity": "irsa"})
    assert not result.by_type("aws:eks/addon:Addon")
    assert result.one("eks:index:Cluster").inputs["createOidcProvider"] is True  # IRSA needs the provider
    trust = json.loads(result.one("aws:iam/role:Role", name="pr-lbc-role").inputs["assumeRolePolicy"])
    federated = trust["Statement"][0]["Principal"]["Federated"]
    assert federated == result.one("eks:index:Cluster").outputs["oidcProviderArn"]


def test_preview_of_a_created_cluster_leaves_its_outputs_unknown(run_stack: StackRunner) -> None:
    result = run_stack("pr", preview=True)
    assert result.one("pulumi:providers:kubernetes").inputs["kubeconfig"] == "(known after apply)"


def _problems(config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(config, stack="pr-1")
    return {p.key: p.message for p in caught.value.problems}


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"alb-ingress:cluster": {"name": "shared"}}, "alb-ingress:ephemeral", "existing cluster"),
        ({"cluster": {"vpcId": "vpc-0123456789abcdef0"}}, "alb-ingress:cluster", "describe an existing cluster"),
        ({"controller": {"mode": "auto"}}, "alb-ingress:controller.mode", "no Auto Mode"),
        ({"ephemeral": {"expires": "next week"}}, "alb-ingress:ephemeral.expires", "calendar date"),
        ({"ephemeral": {"owner": "a b"}}, "alb-ingress:ephemeral.owner", "not an owner"),
        ({"cluster": {"subnetIds": ["subnet-0123456789abcdef0"]}}, "alb-ingress:cluster.subnetIds", "two subnets"),
        ({"cluster": {"version": 1.3}}, "alb-ingress:cluster.version", "fix the value"),
        ({"cluster": {"nodeCount": 1}}, "alb-ingress:cluster.nodeCount", "2 to 10"),
    ],
)
def test_bad_ephemeral_settings_name_their_key(overrides: dict[str, Any], key: str, fragment: str) -> None:
    problems = _problems(with_overrides(stack_config("pr"), **overrides))
    assert key in problems, problems
    assert fragment in problems[key]


def test_a_created_clusters_name_defaults_to_the_stack() -> None:
    config = with_overrides(stack_config("pr"), ephemeral={"expires": "2026-12-08"})
    assert parse_settings(config, stack="pr-123", today=dt.date(2026, 12, 1)).cluster.name == "pr-123"
