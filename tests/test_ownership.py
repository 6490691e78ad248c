"""Nothing deleted that is not the caller's: the owner value, sweep's ``--stack``, the reaper, teardown's sweep.

AWS is moto in server mode, the cluster's API server the fake on 127.0.0.1; the
controller's resources carry what the controller writes (its tracking tags and the
chart's defaultTags, tests/aws_fakes.py). Each look-alike class here must survive:
another project, organization or stack with the same cluster name, the old two-part
value, malformed values, look-alike keys, another cluster, another region.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from typing import Any

import pytest

from albops.__main__ import main
from albops.cluster.aws import AwsSession, TaggedResource
from albops.cluster.sweep import Reaper, Scope, Timing, exit_code, refusal, removal_command, sweep_command
from albops.cluster.teardown import Target, Teardown
from albops.preview.runner import PlanResult, read_stack_file, run_program
from components.tags import parse_owner, stack_tag_value
from tests.aws_fakes import Fleet, build_fleet
from tests.kube_fake import FakeApiServer, obj, serve
from tests.test_teardown import FakeBackend, _eks_cluster

FAST = Timing(deadline_seconds=3, poll_seconds=0.01)
REGION = "us-west-2"
MINE = "organization/alb-ingress/pr-40"


def _tags(owner: str | None, expires: str = "2026-12-01", ephemeral: bool = True) -> dict[str, str]:
    """The chart's defaultTags of a short-lived stack (owner None: a stack that sets none)."""
    tags = {"alb-ingress/expires": expires, "alb-ingress/owner": "team-a"}
    if ephemeral:
        tags["alb-ingress/ephemeral"] = "true"
    if owner is not None:
        tags["alb-ingress/stack"] = owner
    return tags


def _everything(aws: AwsSession) -> set[str]:
    elb, ec2 = aws.client("elbv2"), aws.client("ec2")
    return (
        {lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]}
        | {tg["TargetGroupArn"] for tg in elb.describe_target_groups()["TargetGroups"]}
        | {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    )


_SALTS = iter(range(10**6))


def _fleet(aws: AwsSession, cluster: str, tags: dict[str, str] | None = None) -> Fleet:
    """One controller's resources for ``cluster``; several may share the name, as in other VPCs or projects."""
    return build_fleet(aws, cluster, extra=tags, salt=f"-{next(_SALTS)}")


# -- the owner value ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("organization/alb-ingress/pr-12", ("organization", "alb-ingress", "pr-12")),
        ("acme-corp/alb_ingress.v2/Pr.12_x", ("acme-corp", "alb_ingress.v2", "Pr.12_x")),
        ("alb-ingress/pr-12", None),  # the old two-part value
        ("acme/alb-ingress/pr-12/x", None),
        ("acme//pr-12", None),
        ("/alb-ingress/pr-12", None),
        (" acme/alb-ingress/pr-12", None),
        ("acme/alb-ingress/pr-12 ", None),
        ("acme/alb ingress/pr-12", None),
        ("acme/../pr-12", None),
        ("acme/alb-ingress/pr-12\n", None),
        ("", None),
    ],
)
def test_only_three_well_formed_names_are_an_owner(value: str, parsed: tuple[str, str, str] | None) -> None:
    assert parse_owner(value) == parsed


def test_the_owner_value_is_pulumis_fully_qualified_stack_name() -> None:
    assert stack_tag_value("acme", "alb-ingress", "pr-12") == "acme/alb-ingress/pr-12"


def test_the_program_writes_the_organization_pulumi_gives_it() -> None:
    """On the cluster and on the chart's defaultTags (so on every ALB, target group and security group the
    controller makes); the organization is the runtime's (the mocks' here), not a constant. The default
    ("organization", a self-managed backend's) is checked in tests/test_ephemeral.py."""
    result: PlanResult = run_program(read_stack_file("pr"), "pr", preview=False, organization="acme")
    want = "acme/alb-ingress/pr"
    cluster = result.one("eks:index:Cluster").inputs
    assert cluster["tags"]["alb-ingress/stack"] == want == cluster["clusterTags"]["alb-ingress/stack"]
    values = result.one("kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["defaultTags"]["alb-ingress/stack"] == want


# -- sweep: who may go -------------------------------------------------------------------

LOOKALIKE = "reads as one of this project's keys"
# Every class of owner claim that proves nothing, with what must be said of it.
UNPROVABLE = {
    "two-part": ({"alb-ingress/stack": "alb-ingress/pr-12"}, "old two-part owner value"),
    "extra-slash": ({"alb-ingress/stack": "acme/alb-ingress/pr-12/x"}, "not an owner value this project writes"),
    "empty-part": ({"alb-ingress/stack": "acme//pr-12"}, "not an owner value this project writes"),
    "leading-space": ({"alb-ingress/stack": " acme/alb-ingress/pr-12"}, "not an owner value this project writes"),
    "trailing-space": ({"alb-ingress/stack": "acme/alb-ingress/pr-12 "}, "not an owner value this project writes"),
    "empty": ({"alb-ingress/stack": ""}, "not an owner value this project writes"),
    "key-case": ({"Alb-Ingress/Stack": "acme/alb-ingress/pr-12"}, LOOKALIKE),
    "key-space": ({"alb-ingress/stack ": "acme/alb-ingress/pr-12"}, LOOKALIKE),
    # AWS allows Unicode letters in keys: a fullwidth 'a' reads as ours.
    "key-fullwidth": ({"\uff41lb-ingress/stack": "acme/alb-ingress/pr-12"}, LOOKALIKE),
    "key-underscore": ({"alb_ingress/stack": "acme/alb-ingress/pr-12"}, LOOKALIKE),
    "two-keys": (
        {"alb-ingress/stack": "acme/alb-ingress/pr-12", "ALB-INGRESS/STACK": "evil/alb-ingress/pr-1"},
        LOOKALIKE,
    ),
}


def test_without_stack_only_resources_with_no_owner_claim_go(aws_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    aws = AwsSession(REGION)
    unowned = _fleet(aws, "shared")  # a cluster this project never tagged: the sweep's old job
    owned = _fleet(aws, "shared", _tags("acme/alb-ingress/pr-12"))
    # Three of the classes end to end (each class is checked one by one below, without AWS).
    odd = {name: _fleet(aws, "shared", UNPROVABLE[name][0]) for name in ("two-part", "trailing-space", "key-case")}
    code = main(["sweep", "--cluster", "shared", "--region", REGION, "--yes"])
    out = capsys.readouterr().out
    assert code == 1, out
    left = _everything(aws)
    assert not set(unowned.arns) & left
    assert set(owned.arns) <= left
    assert "belongs to stack acme/alb-ingress/pr-12" in out
    assert "albops sweep" not in out  # every command removes the one resource it is printed for
    for name, fleet in odd.items():
        assert set(fleet.arns) <= left, name
        assert UNPROVABLE[name][1] in out, name
        # Only the AWS CLI, resource by resource, after a person checked it: no albops command deletes these.
        for sg in fleet.security_groups[1:]:
            assert f"aws ec2 delete-security-group --region us-west-2 --group-id {sg}" in out, name
        for lb in fleet.load_balancers:
            assert f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {lb}" in out, name


def test_stack_deletes_that_owners_resources_and_lists_everything_else(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession(REGION)
    mine = _fleet(aws, "pr-40", _tags(MINE))
    others = {
        "other-organization": _fleet(aws, "pr-40", _tags("acme/alb-ingress/pr-40")),
        "other-project": _fleet(aws, "pr-40", _tags("organization/shop/pr-40")),
        "other-stack": _fleet(aws, "pr-40", _tags("organization/alb-ingress/pr-41")),
        "letter-case": _fleet(aws, "pr-40", _tags("Organization/alb-ingress/pr-40")),
        "two-part": _fleet(aws, "pr-40", _tags("alb-ingress/pr-40")),
        "no-owner": _fleet(aws, "pr-40"),
    }
    # Claims this stack, but for another cluster (or the same name in another region): not this cluster's.
    other_cluster = _fleet(aws, "pr-40-old", _tags(MINE))
    east = AwsSession("us-east-1")
    other_region = _fleet(east, "pr-40", _tags(MINE))
    code = main(["sweep", "--cluster", "pr-40", "--region", REGION, "--stack", MINE, "--yes", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    left = _everything(aws)
    assert not set(mine.arns) & left
    for name, fleet in others.items():
        assert set(fleet.arns) <= left, name
    assert set(other_cluster.arns) <= left and set(other_region.arns) <= _everything(east)
    (report,) = document["reports"]
    listed = {r["arn"]: r for r in report["resources"] if r["status"] == "not-ours"}
    assert report["notOurs"] == len(listed) == sum(len(f.arns) for f in others.values())
    acme = listed[others["other-organization"].load_balancers[0]]
    acme_lb = others["other-organization"].load_balancers[0]
    acme = listed[acme_lb]
    assert acme["owner"] == "acme/alb-ingress/pr-40" and f"not {MINE}" in acme["reason"]
    assert acme["command"] == f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {acme_lb}"
    bare_lb = others["no-owner"].load_balancers[0]
    bare = listed[bare_lb]
    assert "carries no alb-ingress/stack tag" in bare["reason"]
    assert bare["command"] == f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {bare_lb}"


def aws_cli(aws: AwsSession, command: str) -> None:
    """Carry out a printed ``aws`` command as the AWS CLI would: its service and operation, each ``--kebab-name``
    as the API's parameter (JSON for a structure), against the same endpoint. Commands joined by ``&&`` run in
    order."""
    for part in command.split(" && "):
        argv = shlex.split(part)
        assert argv[0] == "aws" and argv[3] == "--region", argv
        service, operation, region, rest = argv[1], argv[2], argv[4], argv[5:]
        params: dict[str, Any] = {}
        for flag, value in zip(rest[::2], rest[1::2], strict=True):
            name = "".join(word.capitalize() for word in flag.removeprefix("--").split("-"))
            params[name] = json.loads(value) if value.startswith("[") else value
        client = AwsSession(region).client(service)
        getattr(client, operation.replace("-", "_"))(**params)


def test_each_printed_command_removes_exactly_its_one_resource(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession(REGION)
    theirs = _fleet(aws, "pr-40", _tags("acme/alb-ingress/pr-40"))
    unowned = _fleet(aws, "pr-40")
    two_part = _fleet(aws, "pr-40", _tags("alb-ingress/pr-40"))
    assert main(["sweep", "--cluster", "pr-40", "--region", REGION, "--stack", MINE, "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)["reports"]
    listed = [r for r in report["resources"] if r["status"] == "not-ours"]
    assert len(listed) == len(theirs.arns + unowned.arns + two_part.arns)
    # In the order a person would (AWS refuses a target group a listener forwards to, a group a load balancer uses).
    for resource in sorted(listed, key=lambda r: ("load-balancer", "target-group", "security-group").index(r["kind"])):
        before = _everything(aws)
        aws_cli(aws, resource["command"])
        gone = before - _everything(aws)
        assert gone == {resource["arn"] if resource["kind"] != "security-group" else resource["name"]}, resource
    assert not set(theirs.arns + unowned.arns + two_part.arns) & _everything(aws)


@pytest.mark.parametrize(
    "value", ["pr-40", "alb-ingress/pr-40", "a/b/c/d", "a b/c/d", "acme//pr-40", "acme/alb-ingress/pr-40 "]
)
def test_a_stack_that_is_not_org_project_stack_is_bad_input(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--cluster", "pr-40", "--region", REGION, "--stack", value]) == 2
    err = capsys.readouterr().err
    assert "--stack" in err and "ORGANIZATION/PROJECT/STACK" in err and "Traceback" not in err


def test_stack_with_expired_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--expired", "--region", REGION, "--stack", MINE]) == 2
    assert "--stack names the owner" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(UNPROVABLE))
@pytest.mark.parametrize("owner", [None, "acme/alb-ingress/pr-12"])
def test_an_unprovable_owner_claim_is_listed_with_only_the_aws_cli_command(name: str, owner: str | None) -> None:
    """Whether or not --stack names the very owner the claim spells: no albops command deletes it."""
    tags, fragment = UNPROVABLE[name]
    resource = _resource(tags)
    assert fragment in (refusal(resource, Scope(owner=owner)) or "")
    assert removal_command(resource, REGION) == (
        f"aws elbv2 delete-target-group --region us-west-2 --target-group-arn {resource.arn}"
    )


def _resource(tags: dict[str, str]) -> TaggedResource:
    base = {"elbv2.k8s.aws/cluster": "pr-40", "ingress.k8s.aws/stack": "g", "ingress.k8s.aws/resource": "x"}
    return TaggedResource("arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/k8s-x/1", {**base, **tags})


@pytest.mark.parametrize(
    ("tags", "scope", "deletable"),
    [
        ({}, Scope(), True),
        ({}, Scope(owner=MINE), False),
        ({"alb-ingress/stack": MINE}, Scope(), False),
        ({"alb-ingress/stack": MINE}, Scope(owner=MINE), True),
        ({"alb-ingress/stack": MINE.upper()}, Scope(owner=MINE), False),
        ({"alb-ingress/stack": MINE, "Alb-ingress/stack": MINE}, Scope(owner=MINE), False),
        ({"alb-ingress/stack": "alb-ingress/pr-40"}, Scope(), False),
        ({"alb-ingress/stack": "alb-ingress/pr-40"}, Scope(owner="organization/alb-ingress/pr-40"), False),
    ],
)
def test_the_owner_rule_written_out(tags: dict[str, str], scope: Scope, deletable: bool) -> None:
    resource = _resource(tags)
    assert (refusal(resource, scope) is None) is deletable
    if not deletable:
        assert removal_command(resource, REGION)


# -- the reaper --------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("tags", "live", "fragment"),
    [
        (_tags(MINE, "2026-11-01"), (), None),
        (_tags(MINE, "2026-11-25"), (), "not yet past"),
        (_tags(MINE, "2026-11-01", ephemeral=False), (), "not a short-lived resource"),
        ({**_tags(MINE, "2026-11-01"), "alb-ingress/ephemeral": "True"}, (), "not a short-lived resource"),
        (_tags(MINE, "2026-11-01T00:00"), (), "is not a date"),
        (_tags(MINE, "2026-W44-1"), (), "is not a date"),
        (_tags("organization/shop/pr-40", "2026-11-01"), (), "of project shop"),
        (_tags("acme/alb-ingress/pr-40", "2026-11-01"), (), None),  # a fork's stack of this project: same rules
        (_tags("alb-ingress/pr-40", "2026-11-01"), (), "old two-part owner value"),
        (_tags(None, "2026-11-01"), (), "carries no alb-ingress/stack tag"),
        (_tags(MINE, "2026-11-01"), (MINE,), "still has an EKS cluster"),
        ({**_tags(MINE, "2026-11-01"), "alb-ingress//stack": MINE}, (), LOOKALIKE),
    ],
)
def test_the_reaper_rules_written_out(tags: dict[str, str], live: tuple[str, ...], fragment: str | None) -> None:
    scope = Scope(reaper=Reaper("alb-ingress", TODAY, frozenset(live)))
    reason = refusal(_resource(tags), scope)
    assert reason is None if fragment is None else fragment in (reason or "")


def test_the_reaper_deletes_only_this_projects_expired_leftovers_of_gone_stacks(aws_env: str) -> None:
    aws = AwsSession(REGION)
    reaped = _fleet(aws, "pr-30", _tags("organization/alb-ingress/pr-30", "2026-11-01"))
    # Same expired cluster name, but not provably reapable: each is listed, none deleted.
    kept = {
        "other-project": _fleet(aws, "pr-30", _tags("organization/shop/pr-30", "2026-11-01")),
        "two-part": _fleet(aws, "pr-30", _tags("alb-ingress/pr-30", "2026-11-01")),
        "not-ephemeral": _fleet(aws, "pr-30", _tags("organization/alb-ingress/pr-30", "2026-11-01", ephemeral=False)),
        "no-owner": _fleet(aws, "pr-30", _tags(None, "2026-11-01")),
    }
    # The stack's cluster was renamed and still runs: its old cluster's leftovers wait for its teardown.
    renamed = _fleet(aws, "pr-37-old", _tags("organization/alb-ingress/pr-37", "2026-11-01"))
    _eks_cluster(aws, "pr-37", {"alb-ingress/stack": "organization/alb-ingress/pr-37"})
    fresh = _fleet(aws, "pr-31", _tags("organization/alb-ingress/pr-31", "2026-12-31"))
    # Another project's fresh leftovers under the same name, found first, do not hide this project's expired ones.
    shared_fresh = _fleet(aws, "pr-39", _tags("organization/shop/pr-39", "2026-12-31"))
    shared_expired = _fleet(aws, "pr-39", _tags("organization/alb-ingress/pr-39", "2026-11-02"))
    # A long-lived cluster (no expiry tag of its own) whose name an expired stack once used: skipped, not refused.
    _eks_cluster(aws, "stage", {"team": "platform"})
    in_stage = _fleet(aws, "stage", _tags("organization/alb-ingress/stage", "2026-11-01"))
    reports = sweep_command(AwsSession(REGION), None, delete=True, force=False, expired=True, timing=FAST, today=TODAY)
    assert exit_code(reports) == 1
    left = _everything(aws)
    assert not set(reaped.arns) & left
    for name, fleet in kept.items():
        assert set(fleet.arns) <= left, name
    assert set(renamed.arns) <= left and set(fresh.arns) <= left
    assert set(shared_fresh.arns) <= left and not set(shared_expired.arns) & left
    assert set(in_stage.arns) <= left
    (stage,) = [r for r in reports if r.cluster == "stage"]
    assert "still exists" in stage.skipped and not stage.refused
    listed = {i.resource.arn: i.reason for r in reports for i in r.not_ours}
    assert "still has an EKS cluster" in listed[renamed.load_balancers[0]]
    assert "of project shop" in listed[kept["other-project"].load_balancers[0]]


# -- teardown ----------------------------------------------------------------------------


@pytest.mark.parametrize("cluster_exists", [True, False], ids=["cluster-exists", "cluster-gone"])
def test_teardown_leaves_other_owners_resources_of_the_same_cluster_name_and_says_how_to_remove_them(
    aws_env: str, cluster_exists: bool
) -> None:
    aws = AwsSession(REGION)
    arn = _eks_cluster(aws, "pr-40", {"alb-ingress/ephemeral": "true", "alb-ingress/stack": MINE})
    if not cluster_exists:
        aws.client("eks").delete_cluster(name="pr-40")
    mine = _fleet(aws, "pr-40", _tags(MINE))
    others = {
        "other-project": _fleet(aws, "pr-40", _tags("organization/shop/pr-40")),
        "other-organization": _fleet(aws, "pr-40", _tags("acme/alb-ingress/pr-40")),
        "two-part": _fleet(aws, "pr-40", _tags("alb-ingress/pr-40")),
        "no-owner": _fleet(aws, "pr-40"),
    }
    log: list[str] = []

    class DestroyRemovesTheCluster(FakeBackend):
        def destroy(self) -> None:
            super().destroy()
            if cluster_exists:
                aws.client("eks").delete_cluster(name="pr-40")

    api = FakeApiServer([obj("Ingress", "echoserver", "echoserver", ingressClassName="alb")])
    said: list[str] = []
    target = Target("pr-40", "pr-40", REGION, "team-a", "2026-12-01", cluster_arn=arn, organization="organization")
    from albops.cluster.kube import KubernetesApi

    with serve(api) as url:
        job = Teardown(target, lambda: DestroyRemovesTheCluster(log), lambda _: KubernetesApi(url, "t"), aws, FAST)
        job.say = said.append
        code = job.run()
    text = "\n".join(said)
    assert code == 1, text
    left = _everything(aws)
    assert not set(mine.arns) & left
    for name, fleet in others.items():
        assert set(fleet.arns) <= left, name
    assert "remove" in log  # this stack's part is done: it is removed, the others are a person's call
    assert "nothing of the cluster remains" not in text and "not provably this stack's" in text
    shop_lb = others["other-project"].load_balancers[0]
    assert f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {shop_lb}" in text
    assert "albops sweep" not in text
    two_part_lb = others["two-part"].load_balancers[0]
    assert f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {two_part_lb}" in text


def test_teardown_with_only_its_own_leftovers_ends_clean(aws_env: str) -> None:
    aws = AwsSession(REGION)
    mine = _fleet(aws, "pr-40", _tags(MINE))
    log: list[str] = []
    said: list[str] = []
    target = Target("pr-40", "pr-40", REGION, "team-a", "2026-12-01", cluster_arn=None, organization="organization")

    def unreachable(_: dict[str, Any]) -> Any:
        raise AssertionError("the cluster is gone; its API is not called")

    code = Teardown(target, lambda: FakeBackend(log), unreachable, aws, FAST, said.append).run()
    assert code == 0, said
    assert not set(mine.arns) & _everything(aws)
    assert log == ["destroy", "remove"] and said[-1] == "done: nothing of the cluster remains"


def test_the_backend_is_asked_for_the_fully_qualified_name() -> None:
    """The Automation API runs `pulumi stack --show-name --fully-qualify-stack-names` for the stack, in the project
    folder with the workspace's environment; its answer (with the CLI's newline) is the name."""
    from pathlib import Path
    from types import SimpleNamespace

    from albops.cluster.teardown import AutomationBackend

    calls: list[tuple[list[str], str, dict[str, str]]] = []

    def run(args: list[str], cwd: str, env: dict[str, str]) -> Any:
        calls.append((args, cwd, env))
        return SimpleNamespace(stdout="acme/alb-ingress/pr-40\n")

    backend = AutomationBackend("pr-40", Path("/project"))
    workspace = SimpleNamespace(
        pulumi_command=SimpleNamespace(run=run), env_vars={"PULUMI_K8S_DELETE_UNREACHABLE": "true"}
    )
    backend._stack = SimpleNamespace(workspace=workspace)
    assert backend.qualified_name() == "acme/alb-ingress/pr-40"
    assert calls == [
        (
            ["stack", "--show-name", "--fully-qualify-stack-names", "--stack", "pr-40"],
            "/project",
            {"PULUMI_K8S_DELETE_UNREACHABLE": "true"},
        )
    ]


def test_a_cluster_with_the_old_two_part_value_is_not_taken_over_by_the_plan() -> None:
    from components.cluster.ephemeral import ownership_problem

    problem = ownership_problem("pr", REGION, ["pr"], {"alb-ingress/stack": "alb-ingress/pr"}, "acme/alb-ingress/pr")
    assert problem is not None and "old two-part owner value" in problem.message
    assert "--tags alb-ingress/stack=acme/alb-ingress/pr" in problem.message
    assert (
        ownership_problem("pr", REGION, ["pr"], {"alb-ingress/stack": "acme/alb-ingress/pr"}, "acme/alb-ingress/pr")
        is None
    )
