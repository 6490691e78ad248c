"""The pinned controller policy: the grants of the published v3.5.0 document."""

from __future__ import annotations

from typing import Any

import pytest

from albingress.facts.regions import partition_for_region
from albingress.policies.controller_iam import PARTITIONS, RELEASES, controller_policy


def _actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


def _statements_with(document: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in document["Statement"] if action in s["Action"]]


def test_every_statement_allows_and_has_an_id() -> None:
    document = controller_policy("v3.5.0")
    assert document["Version"] == "2012-10-17"
    assert len(document["Statement"]) == 16
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(set(sids)) == len(sids)


def test_action_set_of_v3_5_0() -> None:
    actions = _actions(controller_policy("v3.5.0"))
    assert len(actions) == 80  # distinct actions in the published v3.5.0 document
    # Actions added in recent releases that older documents lack.
    for newer in (
        "ec2:DescribeRouteTables",
        "ec2:DescribeIpamPools",
        "elasticloadbalancing:DescribeCapacityReservation",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:ModifyListenerAttributes",
    ):
        assert newer in actions
    assert not any(a.endswith("*") for a in actions), "no wildcard actions"


def test_service_linked_role_is_limited_to_elb() -> None:
    (statement,) = _statements_with(controller_policy("v3.5.0"), "iam:CreateServiceLinkedRole")
    assert statement["Condition"] == {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}


def test_destructive_actions_require_the_cluster_tag() -> None:
    document = controller_policy("v3.5.0")
    for action in (
        "ec2:DeleteSecurityGroup",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DeleteTargetGroup",
    ):
        (statement,) = _statements_with(document, action)
        assert statement["Condition"]["Null"]["aws:ResourceTag/elbv2.k8s.aws/cluster"] == "false"


def test_create_requires_the_cluster_request_tag() -> None:
    (statement,) = _statements_with(controller_policy("v3.5.0"), "elasticloadbalancing:CreateLoadBalancer")
    assert statement["Condition"] == {"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}}


def test_tagging_on_create_is_tied_to_the_create_action() -> None:
    document = controller_policy("v3.5.0")
    tag_on_create = [s for s in document["Statement"] if s["Action"] == ["ec2:CreateTags"]]
    (statement,) = tag_on_create
    assert statement["Resource"] == "arn:aws:ec2:*:*:security-group/*"
    assert statement["Condition"]["StringEquals"] == {"ec2:CreateAction": "CreateSecurityGroup"}
    (elb,) = [s for s in document["Statement"] if s["Action"] == ["elasticloadbalancing:AddTags"]]
    assert elb["Condition"]["StringEquals"]["elasticloadbalancing:CreateAction"] == [
        "CreateTargetGroup",
        "CreateLoadBalancer",
    ]


@pytest.mark.parametrize("partition", PARTITIONS)
def test_partition_is_applied_to_every_arn(partition: str) -> None:
    document = controller_policy("v3.5.0", partition)
    resources = [
        r
        for s in document["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
        if r != "*"
    ]
    assert resources
    assert all(r.startswith(f"arn:{partition}:") for r in resources)
    assert _actions(document) == _actions(controller_policy("v3.5.0"))


def test_unsupported_version_and_partition_are_refused_with_the_choices() -> None:
    with pytest.raises(KeyError, match=r"supported: v3\.5\.0"):
        controller_policy("v2.0.0")
    with pytest.raises(ValueError, match="aws-us-gov"):
        controller_policy("v3.5.0", "aws-iso")


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-west-2", "aws"), ("cn-northwest-1", "aws-cn"), ("us-gov-east-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso")],
)
def test_partition_for_region(region: str, partition: str) -> None:
    assert partition_for_region(region) == partition


def test_every_release_has_a_chart_and_a_policy_file() -> None:
    for version, release in RELEASES.items():
        assert release.version == version
        assert release.chart_version == version.removeprefix("v")
        assert controller_policy(version)["Statement"]
