"""``albops sweep`` against moto in server mode: what it finds, what it deletes, what it never touches."""

from __future__ import annotations

import datetime as dt
import json
import math
import shlex

import pytest

from albops.__main__ import main
from albops.cluster.aws import AwsSession
from albops.cluster.sweep import Sweeper, Timing, exit_code, sweep_command
from tests.aws_fakes import Injection, build_fleet, inject, tags_for

FAST = Timing(deadline_seconds=5, poll_seconds=0.01)


def _session() -> AwsSession:
    return AwsSession("us-west-2", max_attempts=5)


def _load_balancers(aws: AwsSession) -> set[str]:
    return {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}


def _groups(aws: AwsSession) -> set[str]:
    return {g["GroupId"] for g in aws.client("ec2").describe_security_groups()["SecurityGroups"]}


def _target_groups(aws: AwsSession) -> set[str]:
    return {t["TargetGroupArn"] for t in aws.client("elbv2").describe_target_groups()["TargetGroups"]}


def _everything(aws: AwsSession) -> set[str]:
    return _load_balancers(aws) | _groups(aws) | _target_groups(aws)


def test_dry_run_lists_and_deletes_nothing(aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-17", groups=2)
    before = _everything(aws)
    code = main(["sweep", "--cluster", "pr-17", "--region", "us-west-2"])
    out = capsys.readouterr().out
    assert code == 1  # something of the cluster remains
    assert "dry run: nothing deleted" in out
    assert out.count("load-balancer") == 2 and out.count("target-group") == 2 and out.count("security-group") == 3
    assert _everything(aws) == before
    assert len(fleet.arns) == 7


def test_json_is_one_document(aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    build_fleet(_session(), "pr-18")
    code = main(["sweep", "--cluster", "pr-18", "--region", "us-west-2", "--json"])
    document = json.loads(capsys.readouterr().out)
    (report,) = document["reports"]
    assert code == 1
    assert report["dryRun"] is True
    assert {r["kind"] for r in report["resources"]} == {"load-balancer", "target-group", "security-group"}
    assert all(r["status"] == "found" for r in report["resources"])


def test_yes_deletes_everything_of_the_cluster_and_nothing_else(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = _session()
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    mine = build_fleet(aws, "pr-20", groups=2, target_groups_per_group=2)
    # Look-alikes that must survive: another cluster, one whose name extends ours,
    # one sharing a prefix, an untagged k8s- group and ALB, and a group someone
    # tagged with our cluster by hand but the controller never made.
    others = [build_fleet(aws, name) for name in ("pr-20-2", "pr-2", "pr-200")]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    untagged_sg = ec2.create_security_group(GroupName="k8s-pr20-lookalike", Description="d", VpcId=vpc)["GroupId"]
    untagged_lb = elb.create_load_balancer(Name="k8s-pr20-lookalike", Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    hand_tagged = ec2.create_security_group(
        GroupName="team-sg",
        Description="d",
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "elbv2.k8s.aws/cluster", "Value": "pr-20"}]}
        ],
    )["GroupId"]
    code = main(["sweep", "--cluster", "pr-20", "--region", "us-west-2", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 remaining" in out
    left = _everything(aws)
    assert not set(mine.arns) & left
    for other in others:
        assert set(other.arns) <= left
    assert {untagged_sg, untagged_lb, hand_tagged} <= left


def test_only_rules_whose_source_is_a_swept_group_are_revoked(aws_env: str) -> None:
    aws = _session()
    ec2 = aws.client("ec2")
    fleet = build_fleet(aws, "pr-21")
    survivor = build_fleet(aws, "pr-99")
    backend = fleet.security_groups[0]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    nodes = ec2.create_security_group(GroupName="eks-nodes", Description="nodes", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=nodes,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": backend}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 9443,
                "ToPort": 9443,
                "UserIdGroupPairs": [{"GroupId": survivor.security_groups[0]}],
            },
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    # A rule of a swept group that names another swept group is revoked (both go).
    ec2.authorize_security_group_ingress(
        GroupId=fleet.security_groups[1],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": backend}]}
        ],
    )
    before = ec2.describe_security_groups(GroupIds=[nodes])["SecurityGroups"][0]["IpPermissions"]
    report = Sweeper(aws, "pr-21", FAST).run(delete=True)
    # The node group is not the sweep's: its rule naming the backend group is listed with its revoke command, not
    # revoked, and the backend group stays (AWS would refuse to delete it while that rule names it).
    (held,) = report.remaining
    assert held.resource.resource_id == backend and held.status == "in-use"
    assert f"security group {nodes}, which this sweep does not delete" in held.reason
    revoke, delete = held.command.split(" && ")
    argv = shlex.split(revoke)
    assert argv[:8] == [
        "aws",
        "ec2",
        "revoke-security-group-ingress",
        "--region",
        "us-west-2",
        "--group-id",
        nodes,
        "--ip-permissions",
    ]
    assert json.loads(argv[8]) == [
        {
            "IpProtocol": "tcp",
            "FromPort": 8080,
            "ToPort": 8080,
            "UserIdGroupPairs": [{"GroupId": backend, "UserId": "123456789012"}],
        }
    ]
    assert shlex.split(delete) == [
        "aws",
        "ec2",
        "delete-security-group",
        "--region",
        "us-west-2",
        "--group-id",
        backend,
    ]
    (group,) = ec2.describe_security_groups(GroupIds=[nodes])["SecurityGroups"]
    assert group["IpPermissions"] == before
    assert not (set(fleet.arns) - {backend}) & _everything(aws)


def _chart_tags(owner: str, expires: str = "2026-12-01") -> dict[str, str]:
    """The defaultTags a short-lived stack's chart gives the controller: on everything it creates."""
    return {
        "alb-ingress/ephemeral": "true",
        "alb-ingress/owner": "team-a",
        "alb-ingress/expires": expires,
        "alb-ingress/stack": owner,
    }


def _cluster(aws: AwsSession, name: str, tags: dict[str, str]) -> None:
    subnets = [s["SubnetId"] for s in aws.client("ec2").describe_subnets()["Subnets"]][:2]
    aws.client("eks").create_cluster(
        name=name, roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": subnets}, tags=tags
    )


def test_a_live_short_lived_cluster_is_refused_unless_forced(aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    aws = _session()
    owner = "organization/alb-ingress/pr-22"
    fleet = build_fleet(aws, "pr-22", extra=_chart_tags(owner))
    _cluster(aws, "pr-22", {"alb-ingress/ephemeral": "true", "alb-ingress/stack": owner})
    code = main(["sweep", "--cluster", "pr-22", "--region", "us-west-2", "--yes"])
    assert code == 3
    out = capsys.readouterr().out
    assert "still exists" in out and "albops teardown --stack pr-22" in out
    assert set(fleet.arns) <= _everything(aws)
    # --force lifts the live-cluster refusal, not the owner rule: owner-tagged resources need --stack.
    assert main(["sweep", "--cluster", "pr-22", "--region", "us-west-2", "--yes", "--force"]) == 1
    assert set(fleet.arns) <= _everything(aws)
    out = capsys.readouterr().out
    assert f"belongs to stack {owner}" in out
    assert f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {fleet.load_balancers[0]}" in out
    argv = ["sweep", "--cluster", "pr-22", "--region", "us-west-2", "--yes", "--force", "--stack", owner]
    assert main(argv) == 0
    assert not set(fleet.arns) & _everything(aws)


def test_a_live_cluster_that_is_not_short_lived_is_refused_even_with_force(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = _session()
    fleet = build_fleet(aws, "stage")
    _cluster(aws, "stage", {"team": "platform"})
    for extra in ([], ["--force"]):
        assert main(["sweep", "--cluster", "stage", "--region", "us-west-2", "--yes", *extra]) == 3
        out = capsys.readouterr().out
        assert "not a short-lived cluster" in out and "--force" not in out
    assert set(fleet.arns) <= _everything(aws)


def test_lingering_enis_are_waited_out(aws_env: str) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-23")
    # Real AWS refuses to delete a group while the deleted ALB's ENIs still use it.
    busy = inject(aws, "ec2", Injection("DeleteSecurityGroup", "DependencyViolation", times=4))
    report = Sweeper(aws, "pr-23", FAST).run(delete=True)
    assert busy.used == 4
    assert not report.remaining
    assert not set(fleet.arns) & _everything(aws)


def test_what_outlives_the_wait_is_listed_and_a_rerun_finishes(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-24")
    inject(aws, "ec2", Injection("DeleteSecurityGroup", "DependencyViolation", times=1000))
    report = Sweeper(aws, "pr-24", Timing(deadline_seconds=0.05, poll_seconds=0.01)).run(delete=True)
    remaining = {i.resource.resource_id for i in report.remaining}
    assert remaining == set(fleet.security_groups)
    assert all("DependencyViolation" in i.reason for i in report.remaining)
    assert exit_code([report]) == 1
    # The load balancers and target groups went; a second run (AWS has let go) finishes the job.
    assert not set(fleet.load_balancers + fleet.target_groups) & _everything(aws)
    assert main(["sweep", "--cluster", "pr-24", "--region", "us-west-2", "--yes"]) == 0
    assert not set(fleet.arns) & _everything(aws)


def test_one_failure_does_not_stop_the_others(aws_env: str) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-25", groups=3)
    blocked = fleet.load_balancers[1]
    inject(
        aws,
        "elbv2",
        Injection(
            "DeleteLoadBalancer",
            "AccessDenied",
            times=1,
            status=403,
            when=lambda body: blocked.split("/")[-1].encode() in body,
        ),
    )
    # The blocked ALB's listener still forwards to its target group: that one waits, then remains.
    report = Sweeper(aws, "pr-25", Timing(deadline_seconds=0.2, poll_seconds=0.01)).run(delete=True)
    failed = [i for i in report.remaining if i.status == "failed"]
    assert [i.resource.arn for i in failed] == [blocked]
    assert "AccessDenied" in failed[0].reason
    left = _everything(aws)
    assert blocked in left
    assert not (set(fleet.load_balancers) - {blocked}) & left
    rerun = Sweeper(aws, "pr-25", FAST).run(delete=True)
    assert not rerun.remaining
    assert not set(fleet.arns) & _everything(aws)


def test_throttling_is_retried_by_botocore(aws_env: str) -> None:
    aws = _session()
    build_fleet(aws, "pr-26")
    throttle = inject(aws, "resourcegroupstaggingapi", Injection("GetResources", "ThrottlingException", times=2))
    report = Sweeper(aws, "pr-26", FAST).run(delete=False)
    assert throttle.used == 2
    assert len(report.items) == 4


@pytest.mark.parametrize("groups", [34])
def test_hundreds_of_resources_stay_within_the_read_budget(aws_env: str, groups: int) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-27", groups=groups, target_groups_per_group=5)
    build_fleet(aws, "pr-27-2", groups=5)
    n = len(fleet.arns)
    assert n >= 200
    counting = _session()
    report = Sweeper(counting, "pr-27", FAST).run(delete=True)
    assert not report.remaining
    budget = math.ceil(n / 100) + math.ceil(n / 20) + 10
    assert counting.counter.reads <= budget, counting.counter.calls
    # Never one describe per resource: the only per-resource calls are the deletes.
    assert counting.counter.writes == len(fleet.load_balancers) + len(fleet.target_groups) + len(fleet.security_groups)


def test_expired_clusters_are_found_by_their_tags(aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    aws = _session()
    old = build_fleet(aws, "pr-30", extra=_chart_tags("organization/alb-ingress/pr-30", "2026-11-01"))
    fresh = build_fleet(aws, "pr-31", extra=_chart_tags("organization/alb-ingress/pr-31", "2026-12-31"))
    untagged = build_fleet(aws, "pr-32")
    subnets = [s["SubnetId"] for s in aws.client("ec2").describe_subnets()["Subnets"]][:2]
    aws.client("eks").create_cluster(
        name="pr-33",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": subnets},
        tags={"alb-ingress/ephemeral": "true", "alb-ingress/expires": "2026-10-01"},
    )
    today = dt.date(2026, 11, 25)
    listed = sweep_command(_session(), None, delete=False, force=False, expired=True, today=today)
    assert [(r.cluster, bool(r.skipped)) for r in listed] == [("pr-30", False), ("pr-33", True)]
    swept = sweep_command(_session(), None, delete=True, force=False, expired=True, timing=FAST, today=today)
    # pr-33 still runs: skipped with the reason (tear its stack down), the others swept; exit 1, not 3.
    assert exit_code(swept) == 1
    (skipped,) = [r for r in swept if r.skipped]
    assert skipped.cluster == "pr-33" and "torn down" in skipped.skipped and "--force" not in skipped.skipped
    left = _everything(aws)
    assert not set(old.arns) & left
    assert set(fresh.arns) <= left and set(untagged.arns) <= left


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--cluster", "pr-1", "--region", "us-west-9"], "not an AWS region"),
        (["sweep", "--cluster=bad.name", "--region", "us-west-2"], "not an EKS cluster name"),
        (["sweep", "--region", "us-west-2"], "one of the arguments --cluster --expired is required"),
    ],
)
def test_bad_input_exits_2_with_the_reason(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unreachable_endpoint_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["sweep", "--cluster", "pr-1", "--region", "us-west-2"]) == 2
    err = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL" in err and "Traceback" not in err


def test_tags_for_is_what_the_controller_writes() -> None:
    tags = {t["Key"]: t["Value"] for t in tags_for("c", "g", "LoadBalancer")}
    assert tags == {
        "elbv2.k8s.aws/cluster": "c",
        "ingress.k8s.aws/stack": "g",
        "ingress.k8s.aws/resource": "LoadBalancer",
    }


def test_listeners_and_rules_go_with_their_load_balancer(aws_env: str) -> None:
    # Real AWS's tagging API also returns the controller's tagged listeners and rules (moto does not).
    from albops.cluster.aws import TaggedResource
    from albops.cluster.sweep import Item

    base = "arn:aws:elasticloadbalancing:us-west-2:123456789012"
    gone_lb = Item(TaggedResource(f"{base}:loadbalancer/app/k8s-a/1111", {}), status="deleted")
    kept_lb = Item(TaggedResource(f"{base}:loadbalancer/app/k8s-b/2222", {}), status="failed")
    listener = Item(TaggedResource(f"{base}:listener/app/k8s-a/1111/aaaa", {}))
    rule = Item(TaggedResource(f"{base}:listener-rule/app/k8s-a/1111/aaaa/bbbb", {}))
    orphan = Item(TaggedResource(f"{base}:listener/app/k8s-b/2222/cccc", {}))
    Sweeper(_session(), "pr-50", FAST)._listeners_and_rules([listener, rule, orphan], [gone_lb, kept_lb])
    assert (listener.status, rule.status) == ("with-load-balancer", "with-load-balancer")
    # A listener of a load balancer that stays is deleted on its own; AWS says it is already gone here.
    assert orphan.status == "with-load-balancer"


def test_waits_say_what_they_wait_for_and_how_long_is_left(aws_env: str) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-29")
    said: list[str] = []
    timing = Timing(deadline_seconds=5, poll_seconds=0.01, progress=said.append)
    # AWS keeps one group busy for a few tries, as load balancer ENIs do.
    inject(aws, "ec2", Injection("DeleteSecurityGroup", "DependencyViolation", times=3))
    report = Sweeper(aws, "pr-29", timing).run(delete=True)
    assert not report.remaining
    assert said and all("waiting for" in line and "s left of 5 s" in line for line in said)
    assert any("security-groups still in use" in line for line in said)
    assert not set(fleet.security_groups) & _groups(aws)


def test_ctrl_c_during_a_sweep_reports_what_was_done_in_one_document(
    aws_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = _session()
    fleet = build_fleet(aws, "pr-28")

    def interrupted(self: Sweeper, item: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Sweeper, "_delete_target_group", interrupted)
    code = main(["sweep", "--cluster", "pr-28", "--region", "us-west-2", "--yes", "--json"])
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # one document, still
    assert code == 130 and document["interrupted"] is True
    statuses = {r["kind"]: r["status"] for r in document["reports"][0]["resources"]}
    assert statuses["load-balancer"] == "deleted"  # done before Ctrl-C, and said so
    assert "interrupted" in captured.err
    assert set(fleet.target_groups) <= _target_groups(aws)  # nothing claimed that did not happen


def test_a_gateway_s_alb_is_swept_by_the_gateway_controller_s_tags(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Gateway's ALB, target group and security group carry gateway.k8s.aws.alb/* instead of ingress.k8s.aws/*
    (alb.api gateway); the sweep takes them for the cluster, and leaves another cluster's Gateway alone."""
    aws = _session()
    mine = build_fleet(aws, "pr-31", gateway="echoserver/gateway-shared")
    theirs = build_fleet(aws, "pr-32", gateway="echoserver/gateway-shared")
    assert main(["sweep", "--cluster", "pr-31", "--region", "us-west-2", "--yes"]) == 0, capsys.readouterr().out
    left = _everything(aws)
    assert not set(mine.arns) & left and set(theirs.arns) <= left


def test_sessions_share_one_parsed_copy_of_botocore_s_data(aws_env: str) -> None:
    """A second session reads no model file again, and boto3's data folder is searched once, however many
    sessions a command makes; each session still has its own region and clients."""
    first, second = AwsSession("us-west-2"), AwsSession("eu-west-1")
    loader = first.session._session.get_component("data_loader")
    assert second.session._session.get_component("data_loader") is loader
    AwsSession("us-east-1")
    assert len(loader.search_paths) == len(set(loader.search_paths))
    assert first.client("elbv2").meta.region_name == "us-west-2"
    assert second.client("elbv2").meta.region_name == "eu-west-1"


def test_a_cluster_with_nothing_in_the_region_is_said_to_be_absent_naming_the_region(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped name or the wrong --region finds nothing: said so (exit 0, nothing to do), never '0 remaining'."""
    aws = _session()
    fleet = build_fleet(aws, "pr-40")
    for cluster, region in (("pr-4O", "us-west-2"), ("pr-40", "eu-west-1")):
        assert main(["sweep", "--cluster", cluster, "--region", region]) == 0
        out = capsys.readouterr().out
        assert (
            f"no EKS cluster {cluster} and nothing tagged elbv2.k8s.aws/cluster={cluster} in {region}: nothing to sweep"
        ) in out
        assert main(["sweep", "--cluster", cluster, "--region", region, "--json", "--yes"]) == 0
        (report,) = json.loads(capsys.readouterr().out)["reports"]
        assert region in report["absent"] and report["resources"] == []
    # The gone cluster's leftovers in their own region are swept as before, with no such line.
    assert main(["sweep", "--cluster", "pr-40", "--region", "us-west-2", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "nothing to sweep" not in out and "deleted in dependency order" in out
    assert not set(fleet.arns) & _everything(aws)
    # Swept clean, the cluster is now absent from the region too: the next run says so.
    assert main(["sweep", "--cluster", "pr-40", "--region", "us-west-2"]) == 0
    assert "nothing to sweep" in capsys.readouterr().out
