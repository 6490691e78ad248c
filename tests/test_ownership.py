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
from pathlib import Path
from typing import Any

import pytest

from albingress.components.tags import namespace_claims, parse_owner, stack_tag_value, tag_problem
from albops.__main__ import main
from albops.cluster.aws import AwsSession, TaggedResource
from albops.cluster.sweep import Reaper, Scope, Timing, exit_code, refusal, removal_command, sweep_command, verdict
from albops.cluster.teardown import Target, Teardown
from albops.preview.runner import PlanResult, read_stack_file, run_program
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
        "look-alike-key": _fleet(aws, "pr-40", {**_tags(MINE), "alb-ingress//stack": MINE}),
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
    assert "'alb-ingress//stack'='organization/alb-ingress/pr-40', which reads as one of this project's keys" in text
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
    assert log == ["destroy", "remove"] and said[-1].startswith("done: nothing of the cluster remains: ")


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
    from albingress.components.cluster.ephemeral import ownership_problem

    problem = ownership_problem("pr", REGION, ["pr"], {"alb-ingress/stack": "alb-ingress/pr"}, "acme/alb-ingress/pr")
    assert problem is not None and "old two-part owner value" in problem.message
    assert "--tags alb-ingress/stack=acme/alb-ingress/pr" in problem.message
    assert (
        ownership_problem("pr", REGION, ["pr"], {"alb-ingress/stack": "acme/alb-ingress/pr"}, "acme/alb-ingress/pr")
        is None
    )


# -- review round 2: each class of what was deleted, changed or reported wrongly ---------------------------------

# Keys a person reads as this project's but that are not exactly one of them: separators, doubled or trailing
# '/', other punctuation, a dropped dash, homoglyphs (Cyrillic, Greek, fullwidth), invisible characters,
# Unicode dashes and slashes, ASCII look-alikes ('1' for 'l'), letter case; the reviewer's and our own.
LOOKALIKE_KEYS = [
    "alb-ingress//stack",
    "alb-ingress/stack/",
    "alb-ingress:stack",
    "alb-ingress.stack",
    "albingress/stack",
    "\u0430lb-ingress/stack",  # Cyrillic a
    "alb-ingress/\u200bstack",  # zero-width space
    "alb-ingress/st\u00adack",  # soft hyphen
    "alb\u2212ingress/stack",  # minus sign
    "alb-ingress\u2215stack",  # division slash
    "alb-ingress\\stack",
    "a1b-ingress/stack",
    "ALB-INGRESS/STACK",
    "alb-ingress/stack\u200d",  # zero-width joiner
    "alb-ingress/\u0455tack",  # Cyrillic dze
    "\u0430\u04cf\u0184\u0456\u0578\u0261\u0433\u0435\u0455\u0455/stack",  # every letter a homoglyph
    "alb-ingre\u0301ss/stack",  # a combining mark
    "x-alb-ingress/stack",
    "alb-ingress/stack2",
    "Alb-Ingress/Owner",
    "alb-ingress",
    # Round 2: invisible letters AWS accepts (Default_Ignorable), modifier letters, punctuation read as 'l',
    # percent-encoding, a dropped letter.
    "alb\u3164-ingress/stack",  # Hangul filler
    "a\u115flb-ingress/stack",  # Hangul choseong filler
    "alb\uffa0ingress/stack",  # halfwidth Hangul filler
    "alb-\u0640ingress/stack",  # Arabic tatweel (Lm)
    "a\u00a1b-ingress/stack",  # inverted exclamation mark
    "a\u2223b-ingress/stack",  # divides
    "a\u05c0b-ingress/stack",  # Hebrew paseq
    "alb%2Dingress%2Fstack",
    "alb%252Dingress%252Fstack",  # encoded twice
    "al-ingress/stack",
    "alb-ingres/stack",
    "my-alb-ingress-team",  # a false positive by design: listed, never deleted (docs/ownership.md)
    # Final review: ASCII letters that look like the ones they replace ('8' for b, 'q' for g), two at once.
    "al8-inqress/stack",
    "a1b-inqrcss/stack",
]
# Values that name an owner, whatever the key.
OWNER_VALUES = [
    '{"alb-ingress/stack":"organization/alb-ingress/pr-1"}',
    "organization/alb-ingress/pr-1",
    "x/alb-ingress/y",
    "organization%2Falb-ingress%2Fpr-1",
]


@pytest.mark.parametrize("key", LOOKALIKE_KEYS)
@pytest.mark.parametrize(
    "scope",
    [Scope(), Scope(owner=MINE), Scope(reaper=Reaper("alb-ingress", TODAY))],
    ids=["no-stack", "stack", "reaper"],
)
def test_a_key_that_reads_as_this_projects_is_never_no_owner(key: str, scope: Scope) -> None:
    """Even next to the exact key with the exact value, and under the reaper's rules: listed, never deleted."""
    exact = _resource(_tags(MINE, "2026-11-01"))
    assert refusal(exact, scope) is None or (scope.owner is None and scope.reaper is None)
    resource = _resource({**_tags(MINE, "2026-11-01"), key: MINE})
    reason = refusal(resource, scope) or ""
    assert LOOKALIKE in reason and repr(key) in reason
    assert removal_command(resource, REGION).startswith("aws elbv2 delete-target-group ")


@pytest.mark.parametrize("value", OWNER_VALUES)
@pytest.mark.parametrize(
    "scope",
    [Scope(), Scope(owner=MINE), Scope(reaper=Reaper("alb-ingress", TODAY))],
    ids=["no-stack", "stack", "reaper"],
)
def test_a_value_that_names_an_owner_is_a_claim_under_any_key(value: str, scope: Scope) -> None:
    resource = _resource({**_tags(MINE, "2026-11-01"), "owner": value})
    reason = refusal(resource, scope) or ""
    assert "names an owner in its value" in reason and "'owner'" in reason


@pytest.mark.parametrize(
    "key",
    ["Name", "team", "ingress.k8s.aws/stack", "elbv2.k8s.aws/cluster", "billing-ingress", "nginx-ingress", "env"],
)
def test_ordinary_and_controller_keys_are_not_claims(key: str) -> None:
    """The reading is wide, not everything: the controller's own keys and ordinary ones stay no-one's."""
    assert namespace_claims({key: "default/echo"}) == {}


@pytest.mark.parametrize(
    ("tags", "deletable"),
    [
        ({"team": "a", "Name": "k8s-x", "kubernetes.io/cluster/pr-40": "owned", "ingress.k8s.aws/stack": "g"}, True),
        ({"alb-ingress/owner": "alice"}, False),
        ({"alb-ingress/ephemeral": "true", "alb-ingress/expires": "2026-11-01"}, False),
        ({"alb-ingress/stack": MINE}, False),
    ],
)
def test_without_stack_only_what_carries_none_of_this_projects_keys_goes(tags: dict[str, str], deletable: bool) -> None:
    assert (refusal(_resource(tags), Scope()) is None) is deletable


def test_look_alike_keys_and_owner_only_tags_survive_a_sweep_end_to_end(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession(REGION)
    unowned = _fleet(aws, "pr-1")
    fleets = {key: _fleet(aws, "pr-1", {key: "organization/alb-ingress/pr-1"}) for key in LOOKALIKE_KEYS[:11]}
    fleets["owner-only"] = _fleet(aws, "pr-1", _tags(None))
    assert main(["sweep", "--cluster", "pr-1", "--region", REGION, "--yes", "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)["reports"]
    left = _everything(aws)
    assert not set(unowned.arns) & left
    by_arn = {r["arn"]: r for r in report["resources"]}
    for key, fleet in fleets.items():
        assert set(fleet.arns) <= left, key
        lb = by_arn[fleet.load_balancers[0]]
        # --json shows the claim as AWS has it: the look-alike key and its value.
        if key != "owner-only":
            assert lb["ownerClaims"] == {key: "organization/alb-ingress/pr-1"}, key
        assert lb["command"] == f"aws elbv2 delete-load-balancer --region us-west-2 --load-balancer-arn {lb['arn']}"
    assert "alb-ingress/owner" in by_arn[fleets["owner-only"].load_balancers[0]]["reason"]


def _forward(elb: Any, listener: str, target_group: str) -> None:
    elb.create_rule(
        ListenerArn=listener,
        Priority=7,
        Conditions=[{"Field": "path-pattern", "Values": ["/borrowed/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )


def test_a_target_group_another_owners_load_balancer_forwards_to_is_listed_at_once(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession(REGION)
    elb = aws.client("elbv2")
    mine = _fleet(aws, "pr-40", _tags(MINE))
    theirs = _fleet(aws, "prod", _tags("organization/alb-ingress/prod"))
    (listener,) = elb.describe_listeners(LoadBalancerArn=theirs.load_balancers[0])["Listeners"]
    _forward(elb, listener["ListenerArn"], mine.target_groups[0])
    slept: list[float] = []
    timing = Timing(deadline_seconds=600, poll_seconds=5, sleep=slept.append, progress=lambda _: None)
    reports = sweep_command(aws, "pr-40", delete=True, force=False, expired=False, timing=timing, owner=MINE)
    assert slept == []  # nothing waited for a release that cannot come
    (held,) = reports[0].remaining
    assert held.resource.arn == mine.target_groups[0] and held.status == "in-use"
    assert theirs.load_balancers[0] in held.reason and "not deleted by this sweep" in held.reason
    assert held.command == f"aws elbv2 delete-target-group --region us-west-2 --target-group-arn {held.resource.arn}"
    left = _everything(aws)
    assert set(theirs.arns) <= left and not (set(mine.arns) - {held.resource.arn}) & left


def test_a_security_group_another_owners_load_balancer_uses_is_listed_and_nothing_is_revoked(
    aws_env: str,
) -> None:
    aws = AwsSession(REGION)
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    mine = _fleet(aws, "pr-40", _tags(MINE))
    backend = mine.security_groups[0]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    foreign = elb.create_load_balancer(Name="their-alb", Subnets=subnets, SecurityGroups=[backend])["LoadBalancers"][0]
    # The other owner's node group admits our backend group: that rule is theirs to change.
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    nodes = ec2.create_security_group(
        GroupName="prod-nodes",
        Description="nodes",
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "alb-ingress/stack", "Value": "o/alb-ingress/prod"}]}
        ],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=nodes,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": backend}]}],
    )
    report = sweep_command(aws, "pr-40", delete=True, force=False, expired=False, timing=FAST, owner=MINE)[0]
    (held,) = report.remaining
    assert held.resource.resource_id == backend and held.status == "in-use"
    assert foreign["LoadBalancerArn"] in held.reason
    (group,) = ec2.describe_security_groups(GroupIds=[nodes])["SecurityGroups"]
    assert [p["GroupId"] for perm in group["IpPermissions"] for p in perm["UserIdGroupPairs"]] == [backend]
    assert foreign["LoadBalancerArn"] in {
        lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]
    }


def _with_listeners(monkeypatch: pytest.MonkeyPatch, aws: AwsSession) -> None:
    """Real AWS's tagging API returns the controller's tagged listeners and rules too; moto's does not, so they are
    added from elbv2's own DescribeListeners and DescribeTags (what the tagging API reports of them)."""
    import albops.cluster.sweep as sweep_module
    from albops.cluster.aws import cluster_resources as original

    def with_listeners(session: AwsSession, cluster: str) -> list[TaggedResource]:
        elb = session.client("elbv2")
        found = list(original(session, cluster))
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
                arn = listener["ListenerArn"]
                (described,) = elb.describe_tags(ResourceArns=[arn])["TagDescriptions"]
                tags = {t["Key"]: t["Value"] for t in described["Tags"]}
                resource = TaggedResource(arn, tags)
                if tags.get("elbv2.k8s.aws/cluster") == cluster and resource.controller_owned:
                    found.append(resource)
        return found

    monkeypatch.setattr(sweep_module, "cluster_resources", with_listeners)


def test_a_listener_is_deleted_only_with_or_on_a_load_balancer_of_the_same_owner(
    aws_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.aws_fakes import tags_for

    aws = AwsSession(REGION)
    elb = aws.client("elbv2")
    _with_listeners(monkeypatch, aws)
    mine = _fleet(aws, "pr-40", _tags(MINE))
    theirs = _fleet(aws, "pr-40", _tags("organization/shop/pr-40"))
    elsewhere = _fleet(aws, "prod", _tags("organization/shop/prod"))
    # Listeners claiming our cluster and owner, on their load balancers (of our cluster name, and of another).
    stray = elb.create_listener(
        LoadBalancerArn=elsewhere.load_balancers[0],
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        Tags=tags_for("pr-40", "pr-40-g0", "8080", _tags(MINE)),
    )["Listeners"][0]["ListenerArn"]
    planted = elb.create_listener(
        LoadBalancerArn=theirs.load_balancers[0],
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        Tags=tags_for("pr-40", "pr-40-g0", "8080", _tags(MINE)),
    )["Listeners"][0]["ListenerArn"]
    # On our second load balancer, a listener of another owner: that load balancer stays, listed.
    second = _fleet(aws, "pr-40", _tags(MINE))
    foreign_child = elb.create_listener(
        LoadBalancerArn=second.load_balancers[0],
        Protocol="HTTP",
        Port=8081,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        Tags=tags_for("pr-40", "pr-40-g0", "8081", _tags("organization/shop/prod")),
    )["Listeners"][0]["ListenerArn"]
    report = sweep_command(aws, "pr-40", delete=True, force=False, expired=False, timing=FAST, owner=MINE)[0]
    items = {i.resource.arn: i for i in report.items}
    listeners = {
        lst["ListenerArn"] for lst in elb.describe_listeners(LoadBalancerArn=theirs.load_balancers[0])["Listeners"]
    }
    assert planted in listeners and len(listeners) == 2
    lb_name = theirs.load_balancers[0].split("/")[2]
    assert items[planted].status == "in-use" and f"its load balancer {lb_name} is not deleted" in items[planted].reason
    assert items[stray].status == "in-use" and "is not tagged for cluster pr-40" in items[stray].reason
    assert stray in {
        lst["ListenerArn"] for lst in elb.describe_listeners(LoadBalancerArn=elsewhere.load_balancers[0])["Listeners"]
    }
    assert items[planted].resource.name == f"{lb_name}/{planted.rsplit('/', 1)[1]}"
    assert items[planted].command == f"aws elbv2 delete-listener --region us-west-2 --listener-arn {planted}"
    assert items[foreign_child].status == "not-ours"
    assert items[second.load_balancers[0]].status == "in-use"
    assert "listener" in items[second.load_balancers[0]].reason
    left = _everything(aws)
    assert second.load_balancers[0] in left and mine.load_balancers[0] not in left


def test_the_reaper_keeps_what_a_stack_with_a_cluster_in_another_region_left(aws_env: str) -> None:
    west, east = AwsSession(REGION), AwsSession("us-east-1")
    owner = "organization/alb-ingress/pr-3"
    _eks_cluster(east, "pr-3", {"alb-ingress/ephemeral": "true", "alb-ingress/stack": owner})
    leftovers = _fleet(west, "pr-3", _tags(owner, "2026-11-01"))
    gone = _fleet(west, "pr-4", _tags("organization/alb-ingress/pr-4", "2026-11-01"))
    reports = sweep_command(west, None, delete=True, force=False, expired=True, timing=FAST, today=TODAY)
    left = _everything(west)
    assert set(leftovers.arns) <= left and not set(gone.arns) & left
    (kept,) = [r for r in reports if r.cluster == "pr-3"]
    assert all("still has an EKS cluster" in i.reason for i in kept.items)
    # The reason says: tear that stack down; so does the command.
    assert {i.command for i in kept.items} == {"albops teardown --stack pr-3 --yes"}


def test_the_reaper_deletes_nothing_when_it_cannot_see_every_region(aws_env: str) -> None:
    from tests.aws_fakes import Injection, inject

    aws = AwsSession(REGION)
    fleet = _fleet(aws, "pr-4", _tags("organization/alb-ingress/pr-4", "2026-11-01"))
    inject(aws, "ec2", Injection("DescribeRegions", "UnauthorizedOperation", times=1))
    reports = sweep_command(aws, None, delete=True, force=False, expired=True, timing=FAST, today=TODAY)
    assert set(fleet.arns) <= _everything(aws)
    assert exit_code(reports) == 1
    assert all("nothing proves stack" in i.reason and "UnauthorizedOperation" in i.reason for i in reports[0].items)


# Cluster tag values no EKS cluster can have, each of which once became part of a printed command.
ODD_CLUSTERS = ["prod --force", "x;touch PWNED", "pr-1 ", "\u043f\u0440\u043e\u0434", "zz/x"]


def test_the_reaper_lists_odd_cluster_values_without_asking_eks_and_goes_on(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession(REGION)
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    odd: dict[str, str] = {}
    for index, cluster in enumerate(ODD_CLUSTERS):
        tags = [
            {"Key": "elbv2.k8s.aws/cluster", "Value": cluster},
            {"Key": "elbv2.k8s.aws/resource", "Value": "backend-sg"},
        ]
        tags += [{"Key": k, "Value": v} for k, v in _tags("organization/alb-ingress/pr-1", "2026-11-01").items()]
        odd[cluster] = ec2.create_security_group(
            GroupName=f"k8s-traffic-odd-{index}",
            Description="[k8s] Shared Backend SecurityGroup for LoadBalancer",
            VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
        )["GroupId"]
    valid = _fleet(aws, "pr-1", _tags("organization/alb-ingress/pr-1", "2026-11-01"))
    assert main(["sweep", "--expired", "--region", REGION, "--yes"]) == 1
    out = capsys.readouterr().out
    left = _everything(aws)
    assert set(odd.values()) <= left and not set(valid.arns) & left
    assert "is not an EKS cluster name" in out
    commands = [line.split("after checking it: ", 1)[1] for line in out.splitlines() if "after checking it: " in line]
    assert sorted(commands) == sorted(
        f"aws ec2 delete-security-group --region us-west-2 --group-id {group}" for group in odd.values()
    )


def test_an_error_in_one_cluster_keeps_the_reports_of_the_others(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.aws_fakes import Injection, inject

    aws = AwsSession(REGION)
    first = _fleet(aws, "pr-1", _tags("organization/alb-ingress/pr-1", "2026-11-01"))
    _fleet(aws, "pr-2", _tags("organization/alb-ingress/pr-2", "2026-11-01"))
    third = _fleet(aws, "pr-3", _tags("organization/alb-ingress/pr-3", "2026-11-01"))
    inject(
        aws,
        "resourcegroupstaggingapi",
        Injection("GetResources", "AccessDeniedException", 1, when=lambda b: b'"pr-2"' in b),
    )
    reports = sweep_command(aws, None, delete=True, force=False, expired=True, timing=FAST, today=TODAY)
    assert [r.cluster for r in reports] == ["pr-1", "pr-2", "pr-3"]
    assert "AccessDeniedException" in reports[1].error and exit_code(reports) == 1
    assert not set(first.arns + third.arns) & _everything(aws)
    # From the command line: an error that ends a one-cluster sweep half-way still prints what was done first.
    mine = _fleet(aws, "pr-5")
    session_errors = Injection("DescribeTargetGroups", "AccessDenied", times=1)
    import albops.cluster.sweep as sweep_module

    original = sweep_module.Sweeper._target_group_users

    def failing(self: Any) -> dict[str, list[str]]:
        inject(self.aws, "elbv2", session_errors)
        return original(self)

    sweep_module.Sweeper._target_group_users = failing  # type: ignore[method-assign]
    try:
        assert main(["sweep", "--cluster", "pr-5", "--region", REGION, "--yes"]) == 2
    finally:
        sweep_module.Sweeper._target_group_users = original  # type: ignore[method-assign]
    captured = capsys.readouterr()
    assert f"Cluster pr-5 in {REGION}: {len(mine.arns)} controller resources" in captured.out
    assert "AccessDenied" in captured.err and "the report above is what was done" in captured.err
    assert set(mine.arns) <= _everything(aws)


def test_teardown_keeps_the_stack_while_anything_with_its_owner_value_remains(aws_env: str) -> None:
    from tests.aws_fakes import tags_for

    aws = AwsSession(REGION)
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    mine = _fleet(aws, "pr-40", _tags(MINE))
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    old = elb.create_target_group(
        Name="k8s-old-tg",
        Protocol="HTTP",
        Port=80,
        VpcId=vpc,
        TargetType="ip",
        Tags=tags_for("pr-40-old", "pr-40-old-g0", "echo:80", _tags(MINE)),
    )["TargetGroups"][0]["TargetGroupArn"]
    untracked = ec2.create_security_group(
        GroupName="pr-40-extra",
        Description="made by hand",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "alb-ingress/stack", "Value": MINE}]}],
    )["GroupId"]
    log: list[str] = []
    said: list[str] = []
    target = Target("pr-40", "pr-40", REGION, "team-a", "2026-12-01", cluster_arn=None, organization="organization")

    def unreachable(_: dict[str, Any]) -> Any:
        raise AssertionError("the cluster is gone; its API is not called")

    code = Teardown(target, lambda: FakeBackend(log), unreachable, aws, FAST, said.append).run()
    text = "\n".join(said)
    assert code == 1 and "remove" not in log, text
    assert not set(mine.arns) & _everything(aws)
    assert old in text and untracked in text and "nothing of the cluster remains" not in text
    assert f"aws elbv2 delete-target-group --region us-west-2 --target-group-arn {old}" in text
    assert f"aws ec2 delete-security-group --region us-west-2 --group-id {untracked}" in text
    # A self-managed backend's organization is the placeholder every such backend shares: said, not hidden.
    assert "every self-managed backend" in text


@pytest.mark.parametrize(
    ("tags", "command"),
    [
        (_tags(MINE, "2026-11-01"), "albops teardown --stack pr-40 --yes"),
        (_tags(MINE, "2026-12-01"), "aws elbv2 delete-target-group"),  # not yet past: the reason is not the cluster
        ({**_tags(MINE, "2026-11-01"), "alb-ingress/stack ": MINE}, "aws elbv2 delete-target-group"),
    ],
)
def test_the_reapers_command_matches_its_reason(tags: dict[str, str], command: str) -> None:
    scope = Scope(reaper=Reaper("alb-ingress", TODAY, frozenset({MINE})))
    judged = verdict(_resource(tags), scope, REGION)
    assert judged is not None and judged[1].startswith(command)
    assert ("tear it down" in judged[0]) is command.startswith("albops teardown")


def test_a_security_group_an_instance_interface_uses_is_listed(aws_env: str) -> None:
    """Something that is no load balancer (an instance's network interface) uses our group: listed, not waited for."""
    aws = AwsSession(REGION)
    ec2 = aws.client("ec2")
    mine = _fleet(aws, "pr-40", _tags(MINE))
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[mine.security_groups[1]], Description="node eth1")
    slept: list[float] = []
    timing = Timing(deadline_seconds=600, poll_seconds=5, sleep=slept.append, progress=lambda _: None)
    report = sweep_command(aws, "pr-40", delete=True, force=False, expired=False, timing=timing, owner=MINE)[0]
    (held,) = report.remaining
    assert held.resource.resource_id == mine.security_groups[1] and held.status == "in-use"
    assert eni["NetworkInterface"]["NetworkInterfaceId"] in held.reason and "node eth1" in held.reason
    assert slept == [] and mine.security_groups[1] in _everything(aws)


ROUND_TWO_KEYS = LOOKALIKE_KEYS[LOOKALIKE_KEYS.index("alb\u3164-ingress/stack") :]


@pytest.mark.parametrize("how", ["stack", "no-stack", "teardown"])
def test_round_two_look_alikes_and_owner_values_survive_sweep_and_teardown(
    aws_env: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Next to the exact key and value: a look-alike key AWS stores as given, or a value naming an owner,
    keeps the resource whichever command runs."""
    aws = AwsSession(REGION)
    mine = _fleet(aws, "pr-40", _tags(MINE))
    kept = {key: _fleet(aws, "pr-40", {**_tags(MINE), key: "organization/alb-ingress/pr-1"}) for key in ROUND_TWO_KEYS}
    kept |= {value: _fleet(aws, "pr-40", {**_tags(MINE), "owner": value}) for value in OWNER_VALUES[:1]}
    if how == "teardown":
        said: list[str] = []
        target = Target("pr-40", "pr-40", REGION, "team-a", "2026-12-01", cluster_arn=None, organization="organization")

        def unreachable(_: dict[str, Any]) -> Any:
            raise AssertionError("the cluster is gone; its API is not called")

        code = Teardown(target, lambda: FakeBackend([]), unreachable, aws, FAST, said.append).run()
    else:
        owner = ["--stack", MINE] if how == "stack" else []
        code = main(["sweep", "--cluster", "pr-40", "--region", REGION, *owner, "--yes", "--json"])
    assert code == 1
    left = _everything(aws)
    if how != "no-stack":
        assert not set(mine.arns) & left
    for key, fleet in kept.items():
        # A security group may be shared by fleets (the node group's); the load balancer and target group are not.
        assert set(fleet.load_balancers) <= left and set(fleet.target_groups) <= left, repr(key)


def _gone_cluster_teardown(aws: AwsSession, log: list[str], said: list[str]) -> int:
    target = Target("pr-40", "pr-40", REGION, "team-a", "2026-12-01", cluster_arn=None, organization="organization")

    def unreachable(_: dict[str, Any]) -> Any:
        raise AssertionError("the cluster is gone; its API is not called")

    return Teardown(target, lambda: FakeBackend(log), unreachable, aws, FAST, said.append).run()


def test_teardown_keeps_the_stack_while_its_owner_value_remains_in_another_region(aws_env: str) -> None:
    west, east = AwsSession(REGION), AwsSession("eu-west-1")
    mine = _fleet(west, "pr-40", _tags(MINE))
    moved = _fleet(east, "pr-40", _tags(MINE))
    log: list[str] = []
    said: list[str] = []
    code = _gone_cluster_teardown(west, log, said)
    text = "\n".join(said)
    assert code == 1 and "remove" not in log, text
    assert not set(mine.arns) & _everything(west) and set(moved.arns) <= _everything(east)
    lb = moved.load_balancers[0]
    assert f"this stack's, in another region: load balancer {lb} (eu-west-1)" in text or lb in text
    assert f"aws elbv2 delete-load-balancer --region eu-west-1 --load-balancer-arn {lb}" in text
    assert "done:" not in text


def test_teardown_keeps_the_stack_when_the_regions_cannot_be_listed(aws_env: str) -> None:
    from tests.aws_fakes import Injection, inject

    aws = AwsSession(REGION)
    _fleet(aws, "pr-40", _tags(MINE))
    inject(aws, "ec2", Injection("DescribeRegions", "UnauthorizedOperation", times=1))
    log: list[str] = []
    said: list[str] = []
    code = _gone_cluster_teardown(aws, log, said)
    text = "\n".join(said)
    assert code == 1 and "remove" not in log, text
    assert "the account's regions could not be listed (UnauthorizedOperation)" in text and "done:" not in text


def test_teardowns_success_line_names_what_was_checked(aws_env: str) -> None:
    aws = AwsSession(REGION)
    _fleet(aws, "pr-40", _tags(MINE))
    said: list[str] = []
    assert _gone_cluster_teardown(aws, [], said) == 0
    from albops.cluster import teardown as teardown_code

    regions = teardown_code.enabled_regions(aws)
    assert len(regions) >= 2
    last = said[-1]
    assert last.startswith("done: nothing of the cluster remains: no load balancer, target group or security group")
    assert f"{MINE} in {REGION}" in last and f"{len(regions)} enabled regions" in last and "eu-west-1" in last


def test_load_balancers_whose_delete_was_answered_are_never_not_reached_after_a_stall(
    aws_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DeleteLoadBalancer answered 200, then the DescribeLoadBalancers of the wait stalls: each load balancer
    reads 'delete accepted, not confirmed gone' (state unknown, counted as remaining), never 'not reached'."""
    from tests.hostile_servers import holding_proxy

    build_fleet(AwsSession(REGION), "pr-61", groups=2)
    deletes: list[bytes] = []

    def hold(_method: str, _path: str, body: bytes) -> bool:
        if b"Action=DeleteLoadBalancer" in body:
            deletes.append(body)
            return False
        return bool(deletes) and b"Action=DescribeLoadBalancers" in body

    with holding_proxy(aws_env, hold) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        code = main(["sweep", "--cluster", "pr-61", "--region", REGION, "--yes", "--json", "--call-timeout", "1"])
        captured = capsys.readouterr()
    assert code == 1, captured
    resources = json.loads(captured.out)["reports"][0]["resources"]
    lbs = [r for r in resources if r["kind"] == "load-balancer"]
    assert len(lbs) == len(deletes) == 2, resources
    for lb in lbs:
        assert lb["status"] == "state unknown" and lb["reason"].startswith("delete accepted, not confirmed gone ("), lb
    assert all("not reached" in r["reason"] for r in resources if r["kind"] in ("target-group", "security-group"))


@pytest.mark.parametrize("expires", ["2026-12-06T23:59:59Z", "2026-12-6", " 2026-12-06", "tomorrow"])
def test_the_reaper_lists_leftovers_of_a_gone_cluster_whose_expiry_it_cannot_read(aws_env: str, expires: str) -> None:
    aws = AwsSession(REGION)
    odd = _fleet(aws, "pr-32", _tags("organization/alb-ingress/pr-32", expires))
    reports = sweep_command(aws, None, delete=True, force=False, expired=True, timing=FAST, today=TODAY)
    assert exit_code(reports) == 1
    assert set(odd.arns) <= _everything(aws)
    (report,) = [r for r in reports if r.cluster == "pr-32"]
    reasons = {i.reason for i in report.items}
    assert reasons == {f"alb-ingress/expires={expires!r} is not a date (YYYY-MM-DD): the reaper leaves it"}, reasons
    assert {i.resource.arn for i in report.not_ours} >= set(odd.load_balancers)


@pytest.mark.parametrize("value", ["org1/alb-ingress/pr-7", "organization/alb-ingress/pr-7/"])
def test_teardown_given_an_owner_value_names_the_bare_stack_name(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["teardown", "--stack", value, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "teardown takes the bare stack name: --stack pr-7" in err and "Traceback" not in err


def test_sigterm_during_pulumi_destroy_says_it_was_cut_short_and_how_to_recover(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import signal

    from albops.cli.common import Terminated
    from albops.cluster import teardown as teardown_code
    from albops.cluster.kube import KubernetesApi
    from tests.test_teardown import OURS, ROOT, FakeCluster

    aws = AwsSession(REGION)
    _eks_cluster(aws, "pr-40", OURS)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())

    class Cancelled(FakeBackend):
        def destroy(self) -> None:
            raise Terminated(signal.SIGTERM)  # the CI job cancelled while pulumi destroy runs

    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: Cancelled([]))
    monkeypatch.setattr(KubernetesApi, "for_eks", staticmethod(lambda _aws, _d: FakeCluster([], [])))
    code = main(["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes", "--wait-seconds", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 143
    assert len(err) == 1 and err[0].startswith("interrupted: stopped by SIGTERM during pulumi destroy"), err
    assert "destroy was cut short" in err[0] and "locked or have pending operations" in err[0]
    assert "`pulumi cancel --stack pr-40`, then `pulumi refresh --stack pr-40`, then `albops teardown" in err[0]


def _tagging_api_lists_listeners_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real AWS's tagging API lists tagged listeners and rules; moto's does not, so for those two types the listing
    is built from elbv2's DescribeListeners, DescribeRules and DescribeTags (what the tagging API reports)."""
    import albops.cluster.sweep as sweep_module

    original = sweep_module._tagged  # type: ignore[attr-defined]

    def tagged(session: AwsSession, filters: list[dict[str, Any]], types: tuple[str, ...] = ()) -> Any:
        if "elasticloadbalancing:listener" not in types:
            yield from original(session, filters, *([types] if types else []))
            return
        elb = session.client("elbv2")
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
                rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
                arns = [listener["ListenerArn"], *(r["RuleArn"] for r in rules if not r["IsDefault"])]
                for described in elb.describe_tags(ResourceArns=arns)["TagDescriptions"]:
                    if described["Tags"]:
                        tags = {t["Key"]: t["Value"] for t in described["Tags"]}
                        yield TaggedResource(described["ResourceArn"], tags)

    monkeypatch.setattr(sweep_module, "_tagged", tagged)


@pytest.mark.parametrize("how", ["stack", "teardown"])
def test_a_load_balancer_with_an_untracked_listener_or_rule_of_another_owner_stays(
    aws_env: str, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A listener or rule with no cluster tag is not among the sweep's items, yet DeleteLoadBalancer takes it
    along: one carrying another owner's claim keeps its load balancer, listed with the reason."""
    _tagging_api_lists_listeners_and_rules(monkeypatch)
    aws = AwsSession(REGION)
    elb = aws.client("elbv2")
    clean = _fleet(aws, "pr-40", _tags(MINE))
    with_listener = _fleet(aws, "pr-40", _tags(MINE))
    listener = elb.create_listener(
        LoadBalancerArn=with_listener.load_balancers[0],
        Protocol="HTTP",
        Port=8081,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        Tags=[{"Key": "alb-ingress/stack", "Value": "organization/shop/prod"}],
    )["Listeners"][0]["ListenerArn"]
    with_rule = _fleet(aws, "pr-40", _tags(MINE))
    (existing,) = elb.describe_listeners(LoadBalancerArn=with_rule.load_balancers[0])["Listeners"]
    rule = elb.create_rule(
        ListenerArn=existing["ListenerArn"],
        Priority=9,
        Conditions=[{"Field": "path-pattern", "Values": ["/theirs/*"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        Tags=[{"Key": "owner", "Value": '{"alb-ingress/stack":"organization/alb-ingress/pr-1"}'}],
    )["Rules"][0]["RuleArn"]
    if how == "teardown":
        said: list[str] = []
        code = _gone_cluster_teardown(aws, [], said)
        text = "\n".join(said)
    else:
        reports = sweep_command(aws, "pr-40", delete=True, force=False, expired=False, timing=FAST, owner=MINE)
        code = exit_code(reports)
        text = "\n".join(f"{i.resource.arn}: {i.reason}" for i in reports[0].items)
    assert code == 1
    left = _everything(aws)
    assert with_listener.load_balancers[0] in left and with_rule.load_balancers[0] in left, text
    assert clean.load_balancers[0] not in left
    assert f"its listener {listener}, not tagged for cluster pr-40" in text
    assert f"its listener-rule {rule}, not tagged for cluster pr-40" in text


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("git-ref", "refs/heads/main"),
        ("source", "github.com/acme/infra"),
        ("owner", "platform/team/alice"),
        ("release-date", "2024/01/02"),
        ("project", "alb-ingress"),
    ],
)
def test_ordinary_tags_with_slashes_are_not_claims_and_the_plan_takes_them(key: str, value: str) -> None:
    """Three '/'-separated parts alone name no owner: only this project's namespace between '/' does. Counting
    them made a stack that tags its resources with a git ref unable to delete its own leftovers."""
    assert namespace_claims({key: value}) == {}
    assert tag_problem(key, value) is None


@pytest.mark.parametrize(
    ("key", "value"),
    [("internal-ingress", "true"), ("al8-inqress/team", "a"), ("source", "x/alb-ingress/y")],
)
def test_the_plan_refuses_a_tag_that_would_make_the_stacks_own_resources_unprovable(key: str, value: str) -> None:
    """Whatever reads as a claim of this project makes sweep and teardown only list what carries it; the stack's
    own tags would then keep its own leftovers for ever, so the stack file and the components refuse them."""
    problem = tag_problem(key, value) or ""
    assert "would stop sweep and teardown from deleting this stack's own leftovers" in problem


def test_the_stacks_own_ordinary_tags_do_not_keep_its_leftovers(
    aws_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end in moto: a load balancer with this stack's owner value and a git-ref tag goes under --stack."""
    aws = AwsSession(REGION)
    fleet = _fleet(aws, "pr-77", {**_tags(MINE), "git-ref": "refs/heads/main", "source": "github.com/acme/infra"})
    code = main(["sweep", "--cluster", "pr-77", "--region", REGION, "--stack", MINE, "--yes", "--call-timeout", "10"])
    capsys.readouterr()
    assert code == 0
    assert not set(fleet.load_balancers) & _everything(aws)
