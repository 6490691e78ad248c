"""Many apps on shared ALB groups: the budget, the shards, the conflicts, and a 40-app stack planned offline."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from albingress.components.model import ConfigError
from albingress.policies.alb_budget import (
    Footprint,
    PathRoute,
    Quotas,
    assign_shards,
    budget_problems,
    count_groups,
    host_sets,
    moved_hosts,
    rule_problems,
    shard_of,
)
from albops.preview.plan import kubernetes_manifests
from albops.preview.runner import PlanResult, read_stack_file, run_program

ANN = "alb.ingress.kubernetes.io/"


def _app(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "team-a",
        "serviceName": name,
        "servicePort": 8080,
        "hosts": [f"{name}.example.com"],
        **extra,
    }


def _stack(apps: list[dict[str, Any]], **alb: Any) -> dict[str, Any]:
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = apps
    if alb:
        config["alb-ingress:alb"] = {**dict(config["alb-ingress:alb"]), **alb}
    return config


def _ingresses(result: PlanResult) -> list[dict[str, Any]]:
    return [m for m in kubernetes_manifests(result) if m["kind"] == "Ingress"]


# -- the budget, as the controller builds rules -----------------------------------------------------


def test_rules_are_hosts_times_paths_on_the_listeners_that_carry_them() -> None:
    paths = (PathRoute("/"), PathRoute("/api"))
    redirecting = Footprint("a", "g", ("a.example.com", "b.example.com"), paths)
    assert redirecting.rules == 4  # HTTPS only: the HTTP listener only redirects
    plain_http = Footprint("a", "g", ("a.example.com",), paths, ssl_redirect=False)
    assert plain_http.rules == 4  # 2 paths on HTTPS and again on HTTP
    assert PathRoute("/api").condition_values == 2 and PathRoute("/").condition_values == 1
    assert PathRoute("/exact", "Exact").condition_values == 1


def test_certificates_target_groups_and_targets_are_counted_once_each() -> None:
    shared = ("team-a", "web", "8080")
    footprints = [
        Footprint("a", "g", ("a.example.com",), (PathRoute("/"),), backends=(shared,), replicas=3),
        Footprint("b", "g", ("b.example.com",), (PathRoute("/b"),), backends=(shared,), replicas=3),
        Footprint("c", "g", ("*.example.com",), (PathRoute("/"),), backends=(("team-c", "c", "80"),), replicas=5),
        Footprint("d", "g", ("d.example.com",), (PathRoute("/"),), certificate_arn="arn:x", replicas=1),
    ]
    (count,) = count_groups(footprints).values()
    # a and b are covered by c's wildcard host; d names its own certificate.
    # A target group per Ingress, Service and port (buildTargetGroupResourceID, controller v3.5.0): a and b
    # share a Service but are two Ingresses, so two target groups, and its 3 pods are targets of both.
    assert (count.certificates, count.target_groups, count.targets) == (2, 3, 11)
    assert count.by_app["b"]["target_groups"] == 1 and count.by_app["b"]["targets"] == 3


def test_a_group_over_a_quota_is_refused_with_every_apps_share() -> None:
    footprints = [
        Footprint(f"app-{i}", "g", (f"app-{i}.example.com",), tuple(PathRoute(f"/p{j}") for j in range(6)))
        for i in range(20)
    ]
    (problem,) = budget_problems(footprints, Quotas())
    assert problem.startswith("group g would need 120 rules (quota 100)")
    assert "app-0: 6 rules" in problem and "app-19: 6 rules" in problem
    assert budget_problems(footprints, Quotas(rules=150)) == []  # a raised quota is honoured


def test_rules_the_alb_cannot_hold_are_named() -> None:
    too_many = Footprint(
        "a", "g", ("a.example.com",), (PathRoute("/"),), backends=tuple(("n", f"s{i}", "80") for i in range(6))
    )
    assert rule_problems(too_many) == ["6 backends in one forward action (at most 5)"]


# -- shards --------------------------------------------------------------------------------------


def test_rendezvous_hashing_moves_only_the_hosts_a_new_shard_takes() -> None:
    apps = {f"app-{i}": [f"app-{i}.example.com"] for i in range(400)}
    moved = moved_hosts(apps, "shared", 4, 5)
    assert {new for _, new in moved.values()} == {"shared-5"}  # nobody moves between old shards
    assert 40 <= len(moved) <= 120  # about a fifth of 400
    assert assign_shards(apps, "shared", 4) == assign_shards(dict(reversed(list(apps.items()))), "shared", 4)


def test_hosts_two_apps_share_land_in_one_shard() -> None:
    apps = {"a": ["w.example.com", "x.example.com"], "b": ["x.example.com", "z.example.com"], "c": ["q.example.com"]}
    assert host_sets(apps) == [("q.example.com",), ("w.example.com", "x.example.com", "z.example.com")]
    for shards in range(2, 9):
        placed = assign_shards(apps, "shared", shards)
        assert placed["a"] == placed["b"] == shard_of("w.example.com", "shared", shards)


# -- the stack with apps ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forty() -> PlanResult:
    """40 apps of 5 teams on two groups, the second sharded three ways, beside the echoserver."""
    apps = [
        _app(
            f"app-{i:02d}",
            namespace=f"team-{i % 5}",
            paths=[{"path": "/"}, {"path": "/api"}],
            group="platform" if i < 20 else "shared",
            replicas=3,
            **({"shards": 3} if i >= 20 else {}),
        )
        for i in range(40)
    ]
    return run_program(_stack(apps), "stage", preview=False)


def test_a_forty_app_stack_plans_with_valid_ingresses_in_their_groups(forty: PlanResult) -> None:
    ingresses = [i for i in _ingresses(forty) if i["metadata"]["name"].startswith("app-")]
    assert len(ingresses) == 40
    for ingress in ingresses:
        kubernetes_validate.validate(ingress, "1.33", strict=True)
        annotations = ingress["metadata"]["annotations"]
        assert annotations[ANN + "target-type"] == "ip" and annotations[ANN + "ssl-redirect"] == "443"
    groups = Counter(i["metadata"]["annotations"][ANN + "group.name"] for i in ingresses)
    assert groups["platform"] == 20
    assert set(groups) - {"platform"} <= {"shared-1", "shared-2", "shared-3"} and sum(groups.values()) == 40
    # Each shard is where rendezvous hashing puts the app's host.
    for ingress in ingresses:
        group = ingress["metadata"]["annotations"][ANN + "group.name"]
        if group != "platform":
            assert group == shard_of(ingress["spec"]["rules"][0]["host"], "shared", 3)


def test_every_app_ingress_waits_for_the_controller_release(forty: PlanResult) -> None:
    """The controller's webhooks must answer before anything they intercept exists."""
    apps = [r for r in forty.resources if r.type.endswith(":Ingress") and r.name.startswith("app-")]
    assert len(apps) == 40
    assert all(any(d.endswith("::stage-lbc-release") for d in r.dependencies) for r in apps)


def test_the_forty_app_budget(forty: PlanResult) -> None:
    ingresses = [i for i in _ingresses(forty) if i["metadata"]["name"].startswith("app-")]
    footprints = [
        Footprint(
            i["metadata"]["name"],
            i["metadata"]["annotations"][ANN + "group.name"],
            tuple(r["host"] for r in i["spec"]["rules"]),
            tuple(PathRoute(p["path"], p["pathType"]) for p in i["spec"]["rules"][0]["http"]["paths"]),
            backends=((i["metadata"]["namespace"], i["metadata"]["name"], "8080"),),
            replicas=3,
        )
        for i in ingresses
    ]
    platform = count_groups(footprints)["platform"]
    assert (platform.rules, platform.certificates, platform.target_groups, platform.targets) == (40, 20, 20, 60)
    assert budget_problems(footprints, Quotas()) == []


def test_an_over_quota_group_stops_the_plan_before_anything_is_created() -> None:
    apps = [_app(f"app-{i:02d}", paths=[{"path": f"/p{j}"} for j in range(5)]) for i in range(21)]
    with pytest.raises(ConfigError) as raised:
        run_program(_stack(apps), "stage", preview=False)
    (problem,) = raised.value.problems
    assert problem.key == "alb-ingress:apps"
    # 21 apps x 5 paths, and the echoserver's 2 rules, in the stack's group.
    assert "group my-alb-group would need 107 rules (quota 100)" in problem.message
    assert "app-00: 5 rules" in problem.message and "echoserver: 2 rules" in problem.message
    # Raised with AWS first, then here: it plans.
    result = run_program(_stack(apps, quotas={"rules": 200}), "stage", preview=False)
    assert len(_ingresses(result)) == 22


def test_sharding_the_over_quota_group_makes_it_fit() -> None:
    apps = [
        _app(f"app-{i:02d}", paths=[{"path": f"/p{j}"} for j in range(5)], group="big", shards=3) for i in range(21)
    ]
    result = run_program(_stack(apps), "stage", preview=False)
    groups = Counter(i["metadata"]["annotations"][ANN + "group.name"] for i in _ingresses(result))
    assert set(groups) == {"my-alb-group", "big-1", "big-2", "big-3"}
    assert max(groups[g] for g in ("big-1", "big-2", "big-3")) * 5 <= 100


@pytest.mark.parametrize(
    ("apps", "key", "fragment"),
    [
        (
            [_app("a", hosts=["www.example.com"], paths=[{"path": "/echo"}])],
            "alb-ingress:apps",
            "apps echoserver and a both route www.example.com/echo",
        ),
        ([_app("a", servicePort=0)], "alb-ingress:apps[0].servicePort", "0 is not a port"),
        ([_app("a", hosts=["Bad_Host"])], "alb-ingress:apps[0].hosts[0]", "'Bad_Host' is not a host name"),
        (
            [_app("a", paths=[{"path": "/x", "pathType": "Regex"}])],
            "alb-ingress:apps[0].paths[0].pathType",
            "'Regex' is not Prefix or Exact",
        ),
        ([_app("a", stripPrefix=True)], "alb-ingress:apps[0].stripPrefix", "give exactly one Prefix path other than /"),
        ([_app("a", sevicePort=80)], "alb-ingress:apps[0].sevicePort", "did you mean servicePort?"),
        ([_app("a"), _app("a")], "alb-ingress:apps[1].name", "names another app too"),
        ([_app("a", shards=50)], "alb-ingress:apps[0].shards", "50 is not a whole number from 1 to 20"),
        ([_app("a", certificateArn="arn:nope")], "alb-ingress:apps[0].certificateArn", "is not an ACM certificate ARN"),
        (
            [
                _app(
                    "a",
                    certificateArn="arn:aws:acm:eu-west-1:111122223333:certificate/"
                    + "0" * 8
                    + "-0000-0000-0000-"
                    + "0" * 12,
                )
            ],
            "alb-ingress:apps[0].certificateArn",
            "the certificate is in eu-west-1, but the ALB is in us-west-2",
        ),
        (
            [_app("echo-too", namespace="echoserver")],
            "alb-ingress:apps[0].namespace",
            "is the echoserver's namespace, which the stack creates and deletes on destroy",
        ),
        (
            [
                _app(
                    "a",
                    certificateArn="arn:aws:acm:us-west-2:999988887777:certificate/"
                    + "0" * 8
                    + "-0000-0000-0000-"
                    + "0" * 12,
                )
            ],
            "alb-ingress:apps[0].certificateArn",
            "names account 999988887777, which aws:allowedAccountIds (111122223333) does not allow",
        ),
        ([_app("a", servicePort="80")], "alb-ingress:apps[0].servicePort", "'80' is quoted text, not a number"),
    ],
)
def test_each_app_mistake_is_named_by_its_stack_key(apps: list[dict[str, Any]], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        run_program(_stack(apps), "stage", preview=False)
    found = {p.key: p.message for p in raised.value.problems}
    assert key in found, found
    assert fragment in found[key]


def test_a_strip_prefix_app_rewrites_its_own_service_only() -> None:
    result = run_program(_stack([_app("api", paths=[{"path": "/api"}], stripPrefix=True)]), "stage", preview=False)
    (ingress,) = [i for i in _ingresses(result) if i["metadata"]["name"] == "api"]
    rewrite = json.loads(ingress["metadata"]["annotations"][ANN + "transforms.api"])
    assert rewrite[0]["urlRewriteConfig"]["rewrites"] == [{"regex": "^/api/?(.*)$", "replace": "/$1"}]


# -- the component in another program --------------------------------------------------------------


def _program(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_kubernetes as k8s\nfrom albingress import AlbApp\n"
        'kube = k8s.Provider("kube", kubeconfig="{}")\n'
        'opts = pulumi.ResourceOptions(providers={"kubernetes": kube})\n' + body
    )
    return tmp_path


def test_the_component_refuses_the_app_that_takes_its_group_over_a_quota(tmp_path: Path) -> None:
    import albingress

    body = (
        "for i in range(12):\n"
        '    AlbApp(f"app-{i}", {"namespace": "t", "service_name": f"s{i}", "service_port": 80,\n'
        '        "hosts": [f"app-{i}.example.com"], "group": "g", "paths": [{"path": f"/p{j}"} for j in range(9)]},\n'
        "        opts=opts)\n"
    )
    with pytest.raises(albingress.AppInputError) as raised:
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
    message = str(raised.value)
    # 11 apps x 9 rules fit (99); the 12th would make 108.
    assert message.startswith("__main__.py: AlbApp app-11: 1 problem; nothing of it was created")
    assert "group g would need 108 rules (quota 100)" in message and "app-0: 9 rules" in message


def test_the_component_refuses_apps_that_disagree_on_a_group_wide_setting(tmp_path: Path) -> None:
    import albingress

    body = (
        'AlbApp("a", {"namespace": "t", "service_name": "a", "service_port": 80, "hosts": ["a.example.com"],\n'
        '    "group": "g"}, opts=opts)\n'
        'AlbApp("b", {"namespace": "t", "service_name": "b", "service_port": 80, "hosts": ["b.example.com"],\n'
        '    "group": "g", "scheme": "internal"}, opts=opts)\n'
    )
    with pytest.raises(albingress.AppInputError) as raised:
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
    assert "apps a and b share group g but set scheme internet-facing and internal" in str(raised.value)


def test_an_output_certificate_is_checked_when_it_resolves(tmp_path: Path) -> None:
    import albingress

    body = (
        'AlbApp("a", {"namespace": "t", "service_name": "a", "service_port": 80, "hosts": ["a.example.com"],\n'
        '    "group": "g", "certificate_arn": pulumi.Output.from_input("arn:aws:acm:nope")}, opts=opts)\n'
    )
    with pytest.raises(albingress.AppInputError) as raised:
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
    assert "args.certificate_arn: 'arn:aws:acm:nope' is not an ACM certificate ARN" in str(raised.value)


def test_a_failed_programs_leftover_futures_are_not_logged_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The run raises the failure once; the Outputs that held it, freed later (here by the next run and a
    collection), are not each logged by asyncio with a traceback ("Future exception was never retrieved": ten
    of them for this program, in every green test run's output)."""
    import gc
    import logging

    import albingress

    body = (
        'AlbApp("a", {"namespace": "t", "service_name": "a", "service_port": 80, "hosts": ["a.example.com"],\n'
        '    "group": "g", "certificate_arn": pulumi.Output.from_input("arn:aws:acm:nope")}, opts=opts)\n'
    )
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        with pytest.raises(albingress.AppInputError):
            run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
        run_program(read_stack_file("stage"), "stage", preview=False)
        gc.collect()
    assert [r.getMessage() for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.WARNING] == []


def test_the_security_group_rules_of_a_group_are_its_listen_ports_times_its_cidrs() -> None:
    wide = tuple(f"10.{i}.0.0/16" for i in range(31))
    footprints = [
        Footprint("a", "g", ("a.example.com",), (PathRoute("/"),)),
        Footprint("b", "g", ("b.example.com",), (PathRoute("/"),), inbound_cidrs=wide),
    ]
    (count,) = count_groups(footprints).values()
    assert count.security_group_rules == 2 + 2 * 31  # 80 and 443 to the world, and to each of b's 31 ranges
    (problem,) = budget_problems(footprints, Quotas())
    assert "64 security group rules (quota 60)" in problem
