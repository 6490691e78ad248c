"""What the API server, the controller or AWS would refuse in an app, and what would hand one team's traffic to
another: each class through a stack file (the plan CLI, exit 2), an AlbApp program under mocks, and, for the
budget, a ``check`` document. Expected values are written by hand from the upstream sources named in
``policies/app_checks.py`` and ``policies/alb_budget.py``."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from albingress.components.model import ConfigError
from albingress.facts.names import GROUP_NAME as GROUP_NAME_OK
from albingress.policies.alb_budget import Footprint, PathRoute, Quotas, Redirect, Route, count_groups
from albingress.policies.app_checks import host_problem, path_problems, route_key
from albops.__main__ import main
from albops.preview.runner import read_stack_file, run_program
from tests.conftest import run_plan
from tests.test_apps import _app

ROOT = Path(__file__).resolve().parent.parent


def _problems(apps: list[dict[str, Any]], **sections: Any) -> dict[str, list[str]]:
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = apps
    for key, value in sections.items():
        config[f"alb-ingress:{key}"] = {**dict(config.get(f"alb-ingress:{key}") or {}), **value}
    with pytest.raises(ConfigError) as raised:
        run_program(config, "stage", preview=False)
    found: dict[str, list[str]] = {}
    for problem in raised.value.problems:
        found.setdefault(problem.key, []).append(problem.message)
    return found


def _plan_cli(tmp_path: Path, apps: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    stage = yaml.safe_load((ROOT / "Pulumi.stage.yaml").read_text())
    stage["config"]["alb-ingress:apps"] = apps
    (project / "Pulumi.teams.yaml").write_text(yaml.safe_dump(stage))
    return run_plan("--stack", "teams", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)


def _program(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nimport pulumi_kubernetes as k8s\nfrom albingress import AlbApp\n"
        'kube = k8s.Provider("kube", kubeconfig="{}")\n'
        'opts = pulumi.ResourceOptions(providers={"kubernetes": kube})\n'
        "def app(name, **extra):\n"
        '    args = {"namespace": "t", "service_name": name, "service_port": 80, "hosts": [f"{name}.example.com"],\n'
        '            "group": "g", **extra}\n'
        "    return AlbApp(name, args, opts=opts)\n" + body
    )
    return tmp_path


def _component_error(tmp_path: Path, body: str) -> str:
    import albingress

    with pytest.raises(albingress.AppInputError) as raised:
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
    return str(raised.value)


# -- paths ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "path_type", "fragments"),
    [
        # pkg/ingress/model_build_listener_rules.go: wildcards stop the group.
        ("/api/*", "Prefix", ["holds '*'", "stops reconciling the whole group"]),
        ("/a?b", "Exact", ["holds '?'"]),
        ("/a*b?", "Exact", ["holds '*' and '?'"]),
        # kubernetes pkg/apis/networking/validation: invalidPathSequences and invalidPathSuffixes.
        ("/a//b", "Prefix", ["contains '//'"]),
        ("/a/./b", "Prefix", ["contains '/./'"]),
        ("/a/../b", "Exact", ["contains '/../'"]),
        ("/a%2fb", "Prefix", ["contains '%2f'"]),
        ("/a%2Fb", "Exact", ["contains '%2F'"]),
        ("/a/..", "Prefix", ["ends with '/..'"]),
        ("/a/.", "Prefix", ["ends with '/.'"]),
        ("/a//b/..", "Prefix", ["contains '//'", "ends with '/..'"]),  # every reason at once
    ],
)
def test_paths_the_api_server_or_the_controller_refuse(path: str, path_type: str, fragments: list[str]) -> None:
    found = " | ".join(path_problems(path, path_type))
    assert all(f in found for f in fragments), found


@pytest.mark.parametrize("path", ["/v1..2", "/a.b/c", "/.well-known", "/a/b/", "/", "/..a", "/a$b~c'd@e:f+g&h"])
def test_paths_the_api_server_and_the_alb_take(path: str) -> None:
    assert path_problems(path, "Prefix") == [] and path_problems(path, "Exact") == []


@pytest.mark.parametrize("path", ["/a%20b", "/a(b)", "/a;b", "/a=b", "/a!b", "/caf\u00e9", "/a,b"])
def test_paths_the_alb_refuses(path: str) -> None:
    # ELB RuleCondition: a path pattern holds A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ? only.
    (problem,) = path_problems(path, "Prefix")
    assert "which an ALB path pattern cannot hold" in problem


def test_a_prefix_path_s_trailing_slash_is_one_rule() -> None:
    # buildPathPatternsForPrefixPathType: TrimSuffix(path, "/"), so /api/ and /api are /api and /api/*.
    assert route_key(PathRoute("/api/")) == route_key(PathRoute("/api")) == ("/api", "Prefix")
    assert PathRoute("/api/").patterns == ("/api", "/api/*")
    assert route_key(PathRoute("/api/", "Exact")) != route_key(PathRoute("/api", "Exact"))
    assert route_key(PathRoute("/")) == ("/", "Prefix")


def test_bad_paths_in_a_stack_file_stop_the_plan_with_every_key(tmp_path: Path) -> None:
    apps = [
        _app("a", paths=[{"path": "/api/*"}, {"path": "/v1..2"}]),
        _app("b", paths=[{"path": "/x//y", "pathType": "Exact"}, {"path": "/y/.."}]),
        _app("c", paths=[{"path": "/q%2Fr"}]),
    ]
    proc = _plan_cli(tmp_path, apps)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: Pulumi.teams.yaml:")
    for key, fragment in [
        ("alb-ingress:apps[0].paths[0].path", "'/api/*' holds '*'"),
        ("alb-ingress:apps[1].paths[0].path", "'/x//y' contains '//'"),
        ("alb-ingress:apps[1].paths[1].path", "'/y/..' ends with '/..'"),
        ("alb-ingress:apps[2].paths[0].path", "'/q%2Fr' contains '%2F'"),
    ]:
        assert f"{key}: {fragment}" in proc.stderr, proc.stderr
    assert "v1..2" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_the_component_refuses_bad_paths_naming_main_and_the_app(tmp_path: Path) -> None:
    body = 'app("a", paths=[{"path": "/a/*"}, {"path": "/b/./c", "path_type": "Exact"}])\n'
    message = _component_error(tmp_path, body)
    assert message.startswith("__main__.py: AlbApp a: 2 problems; nothing of it was created")
    assert "args.paths[0].path: '/a/*' holds '*'" in message
    assert "args.paths[1].path: '/b/./c' contains '/./'" in message


# -- routes two apps both claim ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"path": "/api"}, {"path": "/api/"}),
        ({"path": "/api/"}, {"path": "/api"}),
        ({"path": "/x", "pathType": "Exact"}, {"path": "/x", "pathType": "Exact"}),
    ],
)
def test_two_apps_claiming_one_rule_are_refused(first: dict[str, str], second: dict[str, str]) -> None:
    apps = [
        _app("a", hosts=["shop.example.com"], paths=[first]),
        _app("b", hosts=["shop.example.com"], paths=[second]),
    ]
    found = _problems(apps)
    assert any("apps a and b both route shop.example.com" in m for m in found["alb-ingress:apps"]), found


def test_one_app_listing_a_prefix_with_and_without_its_slash_is_refused() -> None:
    found = _problems([_app("a", paths=[{"path": "/api"}, {"path": "/api/"}])])
    assert "'/api' and '/api/' are one Prefix rule" in found["alb-ingress:apps[0].paths"][0]


def test_an_exact_and_a_prefix_path_are_two_rules() -> None:
    result = run_program(
        {
            **copy.deepcopy(read_stack_file("stage")),
            "alb-ingress:apps": [
                _app("a", hosts=["shop.example.com"], paths=[{"path": "/api", "pathType": "Exact"}]),
                _app("b", hosts=["shop.example.com"], paths=[{"path": "/api/"}]),
            ],
        },
        "stage",
        preview=False,
    )
    assert {r.name for r in result.resources if r.type.endswith(":Ingress")} >= {"a", "b"}


def test_the_component_refuses_a_route_another_app_claims(tmp_path: Path) -> None:
    body = (
        'app("a", hosts=["shop.example.com"], paths=[{"path": "/api"}])\n'
        'app("b", hosts=["shop.example.com"], paths=[{"path": "/api/"}])\n'
    )
    message = _component_error(tmp_path, body)
    assert message.startswith("__main__.py: AlbApp b:")
    assert "apps a and b both route shop.example.com/api/" in message


# -- one host in two groups ----------------------------------------------------------------------------


def test_a_host_in_two_groups_is_refused_the_echoserver_s_included() -> None:
    found = _problems(
        [
            _app("a", hosts=["shop.example.com"], group="one"),
            _app("b", hosts=["shop.example.com"], group="two", paths=[{"path": "/b"}]),
            _app("c", hosts=["www.example.com"], group="three", paths=[{"path": "/c"}]),
        ]
    )
    messages = " | ".join(found["alb-ingress:apps"])
    assert "host shop.example.com is in group one (app a) and group two (app b)" in messages
    assert "host www.example.com is in group my-alb-group (app echoserver) and group three (app c)" in messages


def test_a_wildcard_host_covering_another_group_s_host_is_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = [_app("w", hosts=["*.example.com"], group="other")]
    result = run_program(config, "stage", preview=False)
    assert any(r.name == "w" for r in result.resources)
    assert capsys.readouterr().err == ""  # said once, by the plan as a note, not also on stderr
    err = " | ".join(result.logged.warnings)  # what pulumi.log carried (pulumi up shows it)
    assert "Pulumi.stage.yaml: alb-ingress:apps: wildcard host *.example.com (app w, group other) covers " in err
    assert "www.example.com (app echoserver, group my-alb-group)" in err
    # Said in the stack file's words only: the AlbApp the program builds from it does not say it again.
    assert sum("wildcard host *.example.com" in w for w in result.logged.warnings) == 1, result.logged.warnings


def test_the_component_refuses_a_host_another_group_has(tmp_path: Path) -> None:
    body = 'app("a", hosts=["shop.example.com"])\napp("b", hosts=["shop.example.com"], group="h")\n'
    assert "host shop.example.com is in group g (app a) and group h (app b)" in _component_error(tmp_path, body)


# -- hosts, namespaces and names ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["10.0.0.1", "010.0.0.1", "255.255.255.255", "0.0.0.0"])
def test_ip_address_hosts_are_refused(host: str) -> None:
    assert "is an IP address" in str(host_problem(host))


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        # ELB HostHeaderConditionConfig: a '.', letters only after the last one, at most 128 characters.
        ("1.2.3.256", "only letters after the last one"),
        ("a1.b2", "only letters after the last one"),
        ("localhost", "needs a '.'"),
        ("a" * 60 + "." + "b" * 60 + ".example.com", "an ALB host condition holds at most 128"),
        ("x" * 64 + ".example.com", "a label over 63 characters"),
    ],
)
def test_hosts_the_alb_refuses(host: str, fragment: str) -> None:
    assert fragment in str(host_problem(host))


@pytest.mark.parametrize("host", ["10.0.0.1.example.com", "*.example.com", "a-1.b2.example.co", "x.io"])
def test_dns_names_that_look_numeric_pass(host: str) -> None:
    assert host_problem(host) is None


def test_hosts_namespaces_and_names_in_a_stack_file(tmp_path: Path) -> None:
    apps = [
        _app("a", hosts=["10.1.2.3"]),
        _app("b", namespace="kube-system"),
        _app("c", namespace="lbc-system"),
        _app("My_App", hosts=["10.9.9.9"]),
        _app("x" * 64),
        _app("d", serviceName="1web"),
    ]
    found = _problems(apps, controller={"namespace": "lbc-system"})
    assert "'10.1.2.3' is an IP address" in found["alb-ingress:apps[0].hosts[0]"][0]
    assert "'kube-system' is a system namespace" in found["alb-ingress:apps[1].namespace"][0]
    assert "'lbc-system' is the controller's namespace" in found["alb-ingress:apps[2].namespace"][0]
    assert "'My_App' is not a Kubernetes name" in found["alb-ingress:apps[3].name"][0]
    assert "is an IP address" in found["alb-ingress:apps[3].hosts[0]"][0]  # its other keys are checked too
    assert "is not a Kubernetes name" in found["alb-ingress:apps[4].name"][0]
    assert "'1web' is not a Service name" in found["alb-ingress:apps[5].serviceName"][0]


def test_the_component_refuses_hosts_namespaces_and_names(tmp_path: Path) -> None:
    body = (
        'AlbApp("My_App", {"namespace": "kube-system", "service_name": "9s", "service_port": 80,\n'
        '    "hosts": ["192.168.0.1"], "group": "g"}, opts=opts)\n'
    )
    message = _component_error(tmp_path, body)
    assert message.startswith("__main__.py: AlbApp My_App: 4 problems")
    assert "name: 'My_App' is not a Kubernetes object name" in message
    assert "args.namespace: 'kube-system' is a system namespace" in message
    assert "args.service_name: '9s' is not a Service name" in message
    assert "args.hosts[0]: '192.168.0.1' is an IP address" in message


# -- TLS -----------------------------------------------------------------------------------------------


def test_the_component_refuses_tls_1_0_on_an_internet_facing_app(tmp_path: Path) -> None:
    message = _component_error(tmp_path, 'app("a", ssl_policy="ELBSecurityPolicy-2016-08")\n')
    assert "args.ssl_policy: ELBSecurityPolicy-2016-08 still accepts TLS 1.0" in message


def test_an_internal_app_may_keep_an_old_policy(tmp_path: Path) -> None:
    body = 'app("a", ssl_policy="ELBSecurityPolicy-TLS-1-1-2017-01", scheme="internal")\n'
    result = run_program({}, "dev", preview=False, project_dir=_program(tmp_path, body))
    assert any(r.type.endswith(":Ingress") for r in result.resources)


def test_the_stack_and_the_component_say_the_same_about_tls(tmp_path: Path) -> None:
    found = _problems([], alb={"sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"})
    message = _component_error(tmp_path, 'app("a", ssl_policy="ELBSecurityPolicy-TLS-1-1-2017-01")\n')
    assert found["alb-ingress:alb.sslPolicy"][0] in message


# -- budgets, counted as the controller builds ---------------------------------------------------------


def test_apps_sharing_a_service_multiply_target_groups_and_targets() -> None:
    # buildTargetGroupResourceID: namespace/ingress-service:port. Four apps on one Service of 300 pods make
    # four target groups, and each pod is a target four times: 1,200 targets, over the 1,000 of an ALB.
    apps = [
        _app(f"app-{i}", serviceName="shared", replicas=300, paths=[{"path": f"/p{i}"}], hosts=["s.example.com"])
        for i in range(4)
    ]
    found = _problems(apps)
    (message,) = found["alb-ingress:apps"]
    assert "1202 targets (quota 1000)" in message  # and the echoserver's 2 pods
    assert "app-3: 1 rules, 0 certificates, 1 target groups, 300 targets" in message


def test_target_groups_per_alb_are_fixed_whatever_the_rule_quota() -> None:
    apps = [_app(f"app-{i:03d}", replicas=1) for i in range(100)]
    found = _problems(apps, alb={"quotas": {"rules": 1000, "certificates": 1000}})
    (message,) = found["alb-ingress:apps"]
    assert "101 target groups (quota 100)" in message and "fixed at 100" in message


def test_a_valid_sixty_app_stack_passes_the_pull_request_check(tmp_path: Path) -> None:
    """Before: the guardrail counted the HTTP listener's rules too (the controller makes none there) and said
    "about 124 rules"; the controller makes 60 + the echoserver's 2."""
    arn = "arn:aws:acm:us-west-2:111122223333:certificate/00000000-0000-0000-0000-000000000000"
    proc = _plan_cli(tmp_path, [_app(f"app-{i:02d}", certificateArn=arn) for i in range(60)])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "group-quota" not in proc.stdout and "Guardrails: 0 violations" in proc.stdout


def test_the_gateway_s_redirect_route_is_a_rule_on_each_http_listener() -> None:
    echo = Footprint("echo", "g", ("www.example.com",), (PathRoute("/healthz", "Exact"), PathRoute("/echo")))
    gateway = Footprint(
        "echo",
        "g",
        ("www.example.com",),
        (PathRoute("/healthz", "Exact"), PathRoute("/echo")),
        api="gateway",
        redirect_route=True,
        http_ports=(80, 8080),
    )
    assert count_groups([echo])["g"].rules == 2  # ingress: HTTPS only, HTTP redirects by default action
    assert count_groups([gateway])["g"].rules == 2 + 2  # and one redirect rule on each HTTP listener


def test_the_rule_optimizer_drops_redirect_shadowed_and_infinite_redirect_rules() -> None:
    # rule_optimizer.go: a redirect on / (all paths) of a host shadows that host's later rules (here another
    # Ingress's, evaluated after it); a redirect to HTTPS:443 on the HTTPS:443 listener redirects to itself.
    backend = (("n", "s", "80"),)
    first = Footprint(
        "i1",
        "g",
        (),
        (),
        source="n/i1",
        ssl_redirect=False,
        routes=(
            Route("old.example.com", PathRoute("/"), redirect=Redirect(host="new.example.com")),
            Route("other.example.com", PathRoute("/a"), backend),
            Route("loop.example.com", PathRoute("/"), redirect=Redirect(protocol="HTTPS", port="443")),
        ),
    )
    shadowed = (Route("old.example.com", PathRoute("/a"), backend),)
    second = Footprint("i2", "g", (), (), source="n/i2", ssl_redirect=False, routes=shadowed)
    count = count_groups([second, first])["g"]
    # HTTPS:443 keeps old's redirect and other's /a; loop's redirect loops, i2's /a is shadowed: 2 kept.
    # HTTP:80 keeps old's redirect, other's /a and loop's (to HTTPS is no loop there); i2's /a is shadowed: 3.
    assert (count.rules, count.dropped) == (5, 3)
    # The actions were built before the optimizer: a target group for each Ingress, the shadowed one's too.
    assert count.target_groups == 2
    assert count.by_app["i2"]["rules"] == 0
    # On a regex path (use-regex-path-match) the optimizer skips the loop test: loop's redirect stays on HTTPS.
    pattern = PathRoute("/.*", "ImplementationSpecific", regex=True)
    regex = Route("loop.example.com", pattern, redirect=Redirect("HTTPS", "443"))
    kept = Footprint("i3", "g", (), (), source="n/i3", ssl_redirect=False, routes=(regex,))
    assert (count_groups([kept])["g"].rules, count_groups([kept])["g"].dropped) == (2, 0)


# -- the guardrail over a check document ----------------------------------------------------------------


def _ingress(index: int, service: str | None = None, **annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": f"app-{index}",
            "namespace": "team",
            "annotations": {
                "alb.ingress.kubernetes.io/group.name": "shared",
                "alb.ingress.kubernetes.io/scheme": "internet-facing",
                "alb.ingress.kubernetes.io/target-type": "ip",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
                "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:us-west-2:111122223333:certificate/x",
                **{f"alb.ingress.kubernetes.io/{k}": v for k, v in annotations.items()},
            },
        },
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "host": f"app-{index}.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service or f"app-{index}", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def _check(tmp_path: Path, documents: list[dict[str, Any]]) -> dict[str, Any]:
    path = tmp_path / "group.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    # In this process: these tests are about the group's rules (`check --json FILE` run as a process of its own,
    # with a finding, is test_check_as_a_process_gives_the_same_document).
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", "--json", str(path)])
    document: dict[str, Any] = json.loads(out.getvalue())
    document["exit"] = code
    return document


def _quota(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in document["violations"] if v["rule"] == "group-quota"]


def test_check_counts_no_rules_on_a_redirecting_http_listener(tmp_path: Path) -> None:
    assert _quota(_check(tmp_path, [_ingress(i) for i in range(60)])) == []
    (over,) = _quota(_check(tmp_path, [_ingress(i) for i in range(101)]))
    assert over["resource"] == "group shared" and "101 rules (quota 100)" in over["message"]


def test_check_as_a_process_gives_the_same_document(tmp_path: Path) -> None:
    """`python -m albops check --json FILE` with a finding: the one document on stdout and exit 1, the same as in
    the test process."""
    documents = [_ingress(i) for i in range(101)]
    expected = _check(tmp_path, documents)
    proc = subprocess.run(
        [sys.executable, "-m", "albops", "check", "--json", str(tmp_path / "group.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == expected.pop("exit") == 1, proc.stderr
    assert json.loads(proc.stdout) == expected and "Traceback" not in proc.stderr


def test_check_counts_target_groups_per_ingress_and_targets_from_the_workloads(tmp_path: Path) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "team"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "team"},
        "spec": {"replicas": 250, "template": {"metadata": {"labels": {"app": "web", "tier": "x"}}}},
    }
    (over,) = _quota(_check(tmp_path, [service, deployment, *(_ingress(i, "web") for i in range(5))]))
    assert "1250 targets (quota 1000)" in over["message"]
    assert "Ingress team/app-0: 1 rules, 1 certificates, 1 target groups, 250 targets" in over["message"]


def test_check_counts_security_group_rules_per_port_and_cidr(tmp_path: Path) -> None:
    cidrs = ",".join(f"10.{i}.0.0/16" for i in range(31))
    (over,) = _quota(_check(tmp_path, [_ingress(0, **{"inbound-cidrs": cidrs})]))
    assert "62 security group rules (quota 60)" in over["message"]


def test_check_drops_the_legacy_ssl_redirect_rule_on_https(tmp_path: Path) -> None:
    """The legacy form: an actions.ssl-redirect redirect on /* first; on HTTPS:443 it redirects to itself
    (dropped), on HTTP it shadows every later rule of the Ingress."""
    redirect = json.dumps(
        {"type": "redirect", "redirectConfig": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    )
    documents = []
    for i in range(60):
        ingress = _ingress(i, **{"actions.ssl-redirect": redirect})
        del ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/ssl-redirect"]
        paths = ingress["spec"]["rules"][0]["http"]["paths"]
        paths.insert(
            0,
            {
                "path": "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": "ssl-redirect", "port": {"name": "use-annotation"}}},
            },
        )
        paths[1]["path"] = "/app"
        documents.append(ingress)
    # sortIngressPaths puts the longer Prefix /app before /. Per Ingress: HTTPS keeps /app and drops the
    # redirect (it loops); HTTP keeps both (the redirect comes after /app, so shadows nothing): 180, 60 dropped.
    (over,) = _quota(_check(tmp_path, documents))
    assert "180 rules (quota 100)" in over["message"]
    assert "(60 rules the controller's optimizer drops" in over["message"]


def test_the_gateway_stack_counts_its_redirect_rule_in_the_budget_and_the_guardrail_alike() -> None:
    """Pulumi.gateway.yaml by hand: the echoserver's route is 2 rules on HTTPS:443 (the fixed-response / and
    /echo), the redirect route 1 on HTTP:80, payments 1 (/api on pay.example.com): 4."""
    from albingress.policies.guardrails import evaluate, rule
    from albingress.policies.review import Context, Resource

    config = copy.deepcopy(read_stack_file("gateway"))
    config["alb-ingress:alb"] = {**dict(config["alb-ingress:alb"]), "quotas": {"rules": 3}}
    with pytest.raises(ConfigError) as raised:
        run_program(config, "gateway", preview=False)
    (problem,) = raised.value.problems
    assert "group gateway-shared would need 4 rules (quota 3)" in problem.message
    result = run_program(read_stack_file("gateway"), "gateway", preview=False)
    resources = [Resource(r.type, r.name, r.inputs) for r in result.resources]
    (over,) = evaluate(resources, Context(quotas=Quotas(rules=3)), rules=[rule("group-quota")])
    assert "needs 4 rules (quota 3)" in over.message
    assert evaluate(resources, Context(), rules=[rule("group-quota")]) == []


def test_the_plan_s_guardrail_counts_against_alb_quotas() -> None:
    """30 apps of 4 paths: 120 rules and the echoserver's 2, over the default 100; with alb.quotas.rules 200
    (raised with AWS first) the settings and the plan's group-quota guardrail both let it through."""
    from albops.cli.commands.plan import guardrail_violations

    arn = "arn:aws:acm:us-west-2:111122223333:certificate/00000000-0000-0000-0000-000000000000"
    apps = [_app(f"app-{i:02d}", certificateArn=arn, paths=[{"path": f"/p{j}"} for j in range(4)]) for i in range(30)]
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = apps
    config["alb-ingress:alb"] = {**dict(config["alb-ingress:alb"]), "quotas": {"rules": 200}}
    result = run_program(config, "stage", preview=False)
    assert [v for v in guardrail_violations(result, config) if v.rule == "group-quota"] == []
    config["alb-ingress:alb"] = {**dict(config["alb-ingress:alb"]), "quotas": {"rules": 121}}
    with pytest.raises(ConfigError) as raised:
        run_program(config, "stage", preview=False)
    assert "would need 122 rules (quota 121)" in raised.value.problems[0].message
    (over,) = [v for v in guardrail_violations(result, config) if v.rule == "group-quota"]
    assert "needs 122 rules (quota 121)" in over.message


def test_the_echoserver_s_host_is_held_to_the_alb_s_host_rules() -> None:
    host = "a" * 60 + "." + "b" * 60 + ".example.com"
    found = _problems([], echoserver={"host": host})
    assert "an ALB host condition holds at most 128" in found["alb-ingress:echoserver.host"][0]


def test_check_finds_routes_two_ingresses_claim_and_hosts_in_two_groups(tmp_path: Path) -> None:
    first, second, third = _ingress(0), _ingress(1), _ingress(2, **{"group.name": "elsewhere"})
    second["spec"]["rules"][0]["host"] = "app-0.example.com"
    second["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/"  # the same rule as app-0's
    third["spec"]["rules"][0]["host"] = "app-0.example.com"
    third["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/other/"
    found = [v for v in _check(tmp_path, [first, second, third])["violations"] if v["rule"] == "group-routes"]
    messages = " | ".join(v["message"] for v in found)
    assert "Ingress team/app-0 and Ingress team/app-1 both route app-0.example.com/ (Prefix)" in messages
    assert "host app-0.example.com is in group shared (app Ingress team/app-0) and group elsewhere" in messages


# -- precedence across apps (review round 2) ------------------------------------------------------------
# Expected by hand from aws-load-balancer-controller v3.5.0: pkg/ingress/group_loader.go sortGroupMembers
# (group.order, then "namespace/name" as a string) and model_build_listener_rules.go (rule priorities Ingress
# after Ingress; sortIngressPaths orders Exact, then longer Prefix, inside one Ingress only;
# buildPathPatternsForPrefixPathType: "/" is "/*", "/p" is "/p" and "/p/*").


def _member(name: str, namespace: str, rules: list[tuple[str, str, str]], order: int = 0) -> Any:
    from albingress.policies.app_checks import GroupMember

    return GroupMember(name, namespace, "group g", order, tuple((h, PathRoute(p, t)) for h, p, t in rules))


@pytest.mark.parametrize(
    ("first", "later", "fix"),
    [
        # team-a/a sorts before team-b/b: a's /* takes /api.
        ([("shop.example.com", "/", "Prefix")], [("shop.example.com", "/api", "Prefix")], "give b order: -1"),
        # An Exact path in a later Ingress behind a Prefix in an earlier one.
        ([("shop.example.com", "/api", "Prefix")], [("shop.example.com", "/api/x", "Exact")], "give b order: -1"),
        ([("shop.example.com", "/api/", "Prefix")], [("shop.example.com", "/api/v2", "Prefix")], "give b order: -1"),
        # The ALB matches *.example.com for shop.example.com: the wildcard app takes the named host.
        ([("*.example.com", "/", "Prefix")], [("shop.example.com", "/", "Prefix")], "give b order: -1"),
        ([("*.example.com", "/api", "Prefix")], [("shop.example.com", "/", "Prefix")], "give b order: -1"),
        # A rule without a host (an Ingress written by anyone, in check) matches every host.
        ([("", "/", "Prefix")], [("shop.example.com", "/x", "Exact")], "give b order: -1"),
    ],
)
def test_an_earlier_app_taking_a_later_app_s_more_specific_rule_is_refused(
    first: list[tuple[str, str, str]], later: list[tuple[str, str, str]], fix: str
) -> None:
    from albingress.policies.app_checks import precedence_problems

    (problem,) = precedence_problems([_member("b", "team-b", later), _member("a", "team-a", first)])
    assert problem.startswith("a's ") and " takes b's " in problem and fix in problem, problem


@pytest.mark.parametrize(
    ("first", "later"),
    [
        # The more specific rule comes first: what nginx would do too.
        ([("shop.example.com", "/api", "Prefix")], [("shop.example.com", "/", "Prefix")]),
        ([("shop.example.com", "/api/x", "Exact")], [("shop.example.com", "/api", "Prefix")]),
        ([("shop.example.com", "/", "Prefix")], [("*.example.com", "/", "Prefix")]),
        # /api/* does not match /apiv2; other hosts never meet; an Exact path takes only itself.
        ([("shop.example.com", "/api", "Prefix")], [("shop.example.com", "/apiv2", "Prefix")]),
        ([("shop.example.com", "/", "Prefix")], [("pay.example.com", "/api", "Prefix")]),
        ([("*.example.com", "/", "Prefix")], [("example.com", "/api", "Prefix")]),
        ([("shop.example.com", "/api", "Exact")], [("shop.example.com", "/api/x", "Exact")]),
    ],
)
def test_apps_in_nginx_order_or_apart_pass(
    first: list[tuple[str, str, str]], later: list[tuple[str, str, str]]
) -> None:
    from albingress.policies.app_checks import precedence_problems

    assert precedence_problems([_member("a", "team-a", first), _member("b", "team-b", later)]) == []


def test_group_order_decides_before_namespace_and_name() -> None:
    from albingress.policies.app_checks import precedence_problems

    wide, narrow = [("shop.example.com", "/", "Prefix")], [("shop.example.com", "/api", "Prefix")]
    # b's order -1 puts it first although team-b/b sorts after team-a/a.
    assert precedence_problems([_member("a", "team-a", wide), _member("b", "team-b", narrow, order=-1)]) == []
    # "team-a/z" sorts before "team-b/a": the namespace decides, not the name.
    (problem,) = precedence_problems([_member("a", "team-b", narrow), _member("z", "team-a", wide)])
    assert "team-a/z order 0 before team-b/a order 0" in problem and "give a order: -1" in problem
    # At the bottom of the range the earlier app is moved instead.
    (problem,) = precedence_problems([_member("a", "team-a", wide, order=-1000), _member("b", "team-b", narrow, -1000)])
    assert "give a order: -999" in problem


def test_the_stack_refuses_an_app_whose_rule_another_app_takes(tmp_path: Path) -> None:
    apps = [
        _app("a", namespace="team-a", hosts=["shop.example.com"], paths=[{"path": "/"}]),
        _app("b", namespace="team-b", hosts=["shop.example.com"], paths=[{"path": "/api"}]),
    ]
    proc = _plan_cli(tmp_path, apps)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: Pulumi.teams.yaml:") and "Traceback" not in proc.stderr
    assert (
        "alb-ingress:apps: a's shop.example.com/ (Prefix) in group my-alb-group takes b's shop.example.com/api "
        "(Prefix)" in proc.stderr
    )
    assert "give b order: -1" in proc.stderr
    # With the order the message names, the group routes as one nginx server would.
    apps[1]["order"] = -1
    result = run_program({**copy.deepcopy(read_stack_file("stage")), "alb-ingress:apps": apps}, "stage", preview=True)
    ingresses = {r.name: r.inputs for r in result.by_type("kubernetes:networking.k8s.io/v1:Ingress")}
    assert ingresses["b"]["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.order"] == "-1"
    assert "alb.ingress.kubernetes.io/group.order" not in ingresses["a"]["metadata"]["annotations"]


def test_the_component_refuses_an_app_whose_rule_another_app_takes(tmp_path: Path) -> None:
    body = 'app("w1", hosts=["shop.example.com"])\napp("w2", hosts=["shop.example.com"], paths=[{"path": "/api"}])\n'
    message = _component_error(tmp_path, body)
    assert message.startswith("__main__.py: AlbApp w2: ")
    assert "w1's shop.example.com/ (Prefix) in group g takes w2's shop.example.com/api (Prefix)" in message
    assert "give w2 order: -1" in message


def test_check_refuses_ingresses_in_the_wrong_cross_ingress_order(tmp_path: Path) -> None:
    def ingress(name: str, namespace: str, path: str) -> dict[str, Any]:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "annotations": {"alb.ingress.kubernetes.io/group.name": "shared"},
            },
            "spec": {
                "ingressClassName": "alb",
                "rules": [
                    {
                        "host": "shop.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": path,
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": name, "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            },
        }

    document = _check(tmp_path, [ingress("a", "team-a", "/"), ingress("b", "team-b", "/api")])
    found = [v for v in document.get("violations", []) if v.get("rule") == "group-routes"]
    assert any("takes" in json.dumps(v) and "give b order: -1" in json.dumps(v) for v in found), document


# -- one host on two ALBs: a Gateway is an ALB of its own ---------------------------------------------


def test_a_gateway_and_an_ingress_group_of_one_name_are_two_albs(tmp_path: Path) -> None:
    body = 'app("w1", api="gateway")\napp("w2", api="ingress", hosts=["w1.example.com"], paths=[{"path": "/z"}])\n'
    import albingress

    # A preview, as the plan runs it: the Gateway the route attaches to is only read at apply.
    with pytest.raises(albingress.AppInputError) as raised:
        run_program({}, "dev", preview=True, project_dir=_program(tmp_path, body))
    assert "host w1.example.com is in Gateway t/g (app w1) and group g (app w2)" in str(raised.value)


def test_the_stack_refuses_its_gateway_s_host_on_an_ingress_app() -> None:
    from tests.conftest import with_overrides

    app = _app("b", api="ingress", group="gateway-shared", hosts=["gw.example.com"], paths=[{"path": "/z"}])
    config = with_overrides(read_stack_file("gateway"), apps=[app])
    host = config["alb-ingress:echoserver"]["host"]
    config["alb-ingress:apps"][0]["hosts"] = [host]
    with pytest.raises(ConfigError) as raised:
        run_program(config, "gateway", preview=True)
    found = {p.key: p.message for p in raised.value.problems}
    assert f"host {host} is in Gateway" in found["alb-ingress:apps"], found


# -- names the controller derives, classes, certificates, Outputs ------------------------------------------


def test_strip_prefix_with_a_long_service_name_is_refused_in_both_callers(tmp_path: Path) -> None:
    service = "s" + "x" * 52  # 53 characters: transforms.<53> is 64 after the '/'
    found = _problems([_app("a", serviceName=service, paths=[{"path": "/api"}], stripPrefix=True)])
    assert "alb-ingress:apps[0].serviceName" in found, found
    (message,) = found["alb-ingress:apps[0].serviceName"]
    assert message.startswith("with stripPrefix, the controller's annotation alb.ingress.kubernetes.io/transforms.")
    assert "would be 64 characters" in message and "at most 52" in message
    body = f'app("w1", service_name="{service}", paths=[{{"path": "/api"}}], strip_prefix=True)\n'
    assert "args.service_name: with strip_prefix" in _component_error(tmp_path, body)
    # 52 is the longest that fits.
    run_program(
        {
            **copy.deepcopy(read_stack_file("stage")),
            "alb-ingress:apps": [_app("a", serviceName="s" * 52, paths=[{"path": "/api"}], stripPrefix=True)],
        },
        "stage",
        preview=True,
    )


@pytest.mark.parametrize("given", ['"nginx"', 'pulumi.Output.from_input("traefik")'])
def test_the_component_refuses_another_controller_s_class(tmp_path: Path, given: str) -> None:
    message = _component_error(tmp_path, f'app("w1", ingress_class={given})\n')
    assert "args.ingress_class: '" in message and "installs by default" in message


def test_the_component_refuses_a_certificate_of_another_region(tmp_path: Path) -> None:
    import albingress

    arn = "arn:aws:acm:us-east-1:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
    project = _program(tmp_path, f'app("w1", certificate_arn="{arn}")\n')
    with pytest.raises(albingress.AppInputError) as raised:
        run_program({"aws:region": "us-west-2"}, "dev", preview=False, project_dir=project)
    assert "the certificate is in us-east-1, but the ALB is in us-west-2" in str(raised.value)


@pytest.mark.parametrize("key", ["group", "hosts", "paths", "ssl_policy", "replicas"])
def test_plain_only_inputs_given_as_outputs_say_so(tmp_path: Path, key: str) -> None:
    values = {"group": '"g"', "hosts": '["w1.example.com"]', "paths": '[{"path": "/"}]', "replicas": "2"}
    values["ssl_policy"] = '"ELBSecurityPolicy-TLS13-1-2-2021-06"'
    message = _component_error(tmp_path, f'app("w1", {key}=pulumi.Output.from_input({values[key]}))\n')
    assert f"args.{key}: must be a plain value" in message
    assert "Output object" not in message and "give at least one host" not in message


def test_an_alb_app_s_refusal_names_the_program_not_a_stack_file(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    project = _program(tmp_path / "p", 'app("w1", hosts=["10.0.0.1"])\n')
    (project / "Pulumi.dev.yaml").write_text("config: {}\n")
    proc = run_plan("--stack", "dev", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: __main__.py: AlbApp w1: 1 problem"), proc.stderr


def test_a_stack_app_s_messages_use_the_stack_file_s_keys() -> None:
    found = _problems([_app("a", paths="/api"), _app("b", paths=[{"path": "/x*", "pathType": "Exact"}])])
    assert found["alb-ingress:apps[0].paths"] == [
        "must be a list of paths, each {path: /x} with Prefix or Exact as its type"
    ]
    assert "wildcards in an Exact path" in found["alb-ingress:apps[1].paths[0].path"][0]


# -- budget: listeners, a stack without apps, discovered certificates, replicas --------------------------


def test_more_listeners_than_an_alb_takes_are_refused_without_apps() -> None:
    # Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers": 50 listeners per ALB.
    ports = [{"HTTP": 80}, {"HTTPS": 443}, *({"HTTPS": 8000 + i} for i in range(49))]
    found = _problems([], alb={"listenPorts": ports, "quotas": {"rules": 500}})
    assert any("51 listeners (quota 50)" in m for m in found["alb-ingress:alb"]), found
    ports = ports[:50]
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:alb"] = {**config["alb-ingress:alb"], "listenPorts": ports, "quotas": {"rules": 500}}
    run_program(config, "stage", preview=True)


def test_a_wildcard_covering_another_apps_host_is_said_once() -> None:
    """The stack's apps are checked whole from the stack file, and the AlbApps built from them would say the
    same warning again in their own words: one line for one fact."""
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = [
        _app("a1", hosts=["a1.apps.example.com"], group="g1"),
        _app("wild", hosts=["*.apps.example.com"], group="gw"),
    ]
    warnings = run_program(config, "stage", preview=False).logged.warnings
    said = [w for w in warnings if "wildcard host *.apps.example.com" in w]
    assert len(said) == 1 and said[0].startswith("Pulumi.stage.yaml: alb-ingress:apps: "), warnings


def test_sixty_apps_without_a_certificate_pass_with_a_warning() -> None:
    """The controller finds their certificates in ACM by host and takes the union of the ARNs: one wildcard
    certificate serves all 60 (acmCertDiscovery.Discover, v3.5.0), so the per-host count is an upper bound."""
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = [_app(f"a{i:03d}") for i in range(60)]
    err = " | ".join(run_program(config, "stage", preview=True).logged.warnings)  # pulumi.log
    assert "60 hosts name no certificate" in err and "would need 60 besides the default (quota 25)" in err


def test_replicas_are_judged_by_the_targets_quota() -> None:
    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:apps"] = [_app("a", replicas=1500)]
    config["alb-ingress:alb"] = {**config["alb-ingress:alb"], "quotas": {"targets": 2000}}
    run_program(config, "stage", preview=True)
    assert any("1502 targets (quota 1000)" in m for m in _problems([_app("a", replicas=1500)])["alb-ingress:apps"])


def test_an_app_in_the_echoserver_s_namespace_is_refused() -> None:
    found = _problems([_app("a", namespace="echoserver")])
    assert "which the stack creates and deletes on destroy" in found["alb-ingress:apps[0].namespace"][0]


def test_apps_behind_a_broken_alb_section_are_said_to_be_unchecked() -> None:
    """The apps are checked against the alb section's group settings; while that section has problems of its own,
    the message says the apps wait for it, instead of leaving them out silently (a second plan would surprise)."""
    found = _problems(
        [_app("a"), _app("b", hosts=["a.example.com"])], alb={"sslPolicy": "ELBSecurityPolicy-TLS-1-1-2017-01"}
    )
    assert any("TLS 1.1" in m or "TLS-1-1" in m for m in found["alb-ingress:alb.sslPolicy"])
    assert found["alb-ingress:apps"] == [
        "not checked yet: the apps are checked against alb-ingress:alb, which have problems of their own above; fix "
        "those and plan again"
    ]
    # With the section right, the apps' own problem (two apps on one host and path) is reported.
    fixed = _problems([_app("a"), _app("b", hosts=["a.example.com"])])
    assert ["both route a.example.com/ (Prefix)" in m for m in fixed["alb-ingress:apps"]] == [True]


# -- group.order read as Go's strconv.ParseInt(raw, 10, 32), then -1000..1000 (v3.5.0 parser.go, group_loader.go) --


@pytest.mark.parametrize(
    ("raw", "order", "refused"),
    [
        ("+5", 5, False),
        ("-1000", -1000, False),
        ("1000", 1000, False),
        ("007", 7, False),
        ("-0", 0, False),
        ("1001", 0, True),
        ("-1001", 0, True),
        ("abc", 0, True),
        (" 1", 0, True),
        ("1 ", 0, True),
        ("1.0", 0, True),
        ("\uff11", 0, True),  # fullwidth 1: Python's int() takes it, Go's ParseInt does not
        ("1_0", 0, True),
        ("", 0, True),
        ("0x10", 0, True),
        ("99999999999", 0, True),
    ],
)
def test_group_order_is_parsed_as_the_controller_parses_it(raw: str, order: int, refused: bool) -> None:
    from albingress.policies.app_checks import parse_group_order

    value, problem = parse_group_order(raw)
    assert value == order
    assert (problem is not None) == refused


def test_check_reads_group_order_as_go_does_and_flags_what_stops_the_group(tmp_path: Path) -> None:
    def ingress(name: str, namespace: str, path: str, order: str | None) -> dict[str, Any]:
        annotations = {"alb.ingress.kubernetes.io/group.name": "shared"}
        if order is not None:
            annotations["alb.ingress.kubernetes.io/group.order"] = order
        backend = {"service": {"name": name, "port": {"number": 80}}}
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
            "spec": {
                "ingressClassName": "alb",
                "rules": [
                    {
                        "host": "shop.example.com",
                        "http": {"paths": [{"path": path, "pathType": "Prefix", "backend": backend}]},
                    }
                ],
            },
        }

    # "+5" is order 5: tz/a (0) is evaluated first and its "/" takes ta/b's "/api".
    document = _check(tmp_path, [ingress("a", "tz", "/", None), ingress("b", "ta", "/api", "+5")])
    assert any("give b order: -1" in v["message"] for v in document["violations"]), document
    for bad in ("1001", " 1", "\uff11", "1.0"):
        document = _check(tmp_path, [ingress("a", "tz", "/", None), ingress("b", "ta", "/api", bad)])
        stops = [v for v in document["violations"] if "stops reconciling the whole group" in v["message"]]
        # Out of range is a finding (exit 1); not a number at all is bad input (exit 2, issue 23).
        assert document["exit"] == (1 if bad == "1001" else 2), document
        # Bad input names the file and document too.
        assert [v["resource"].split(" (")[0] for v in stops] == ["Ingress ta/b"], document


# -- group names: 63 characters (group_loader.go maxGroupNameLength), '-N' room only when sharded ---------------


def test_a_63_character_group_plans_and_only_shards_need_room_for_their_suffix(tmp_path: Path) -> None:
    long = "g" * 61 + "ab"  # 63
    proc = _plan_cli(tmp_path, [_app("web", group=long)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = _problems([_app("web", group=long, shards=2)])
    key = "alb-ingress:apps[0].group"
    assert any("over the controller's 63 characters: give a group of at most 61" in m for m in found[key])
    assert key not in _problems([_app("web", group=long[:61], shards=2), _app("x", group="a b")])


def test_the_stack_s_own_group_name_may_have_63_characters(tmp_path: Path) -> None:
    """The echoserver is an app of the stack's group: a 61-63 character alb.groupName plans (it crashed)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    stage = yaml.safe_load((ROOT / "Pulumi.stage.yaml").read_text())
    stage["config"]["alb-ingress:alb"]["groupName"] = "a" * 62
    (project / "Pulumi.long.yaml").write_text(yaml.safe_dump(stage))
    proc = run_plan("--stack", "long", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("group", ["a..b", "a.-b", "a-.b", ".a"])
def test_a_gateway_group_must_be_an_object_name(tmp_path: Path, group: str) -> None:
    # The Gateway's metadata.name is the group: a DNS-1123 subdomain (kubernetes apimachinery IsDNS1123Subdomain).
    if GROUP_NAME_OK.fullmatch(group):
        message = _component_error(tmp_path, f'app("w", api="gateway", group="{group}")\n')
        assert "names the Gateway" in message and "DNS-1123 subdomain" in message, message
        found = _problems([], alb={"api": "gateway", "groupName": group})
        assert any("DNS-1123 subdomain" in m for m in found["alb-ingress:alb.groupName"]), found
    else:  # not a group name at all: refused as such
        message = _component_error(tmp_path, f'app("w", api="gateway", group="{group}")\n')
        assert "is not a group name" in message, message


# -- rules counted spec.rule by spec.rule (model_build_listener_rules.go), then the rule optimizer ----------------


ANN = "alb.ingress.kubernetes.io/"


def _redirect_first(paths: int, redirect_path: str, redirect_type: str, redirect_last: bool = False) -> dict[str, Any]:
    """An Ingress with the legacy actions.ssl-redirect (Go's JSON reads "Type" as "type") in one spec.rule and
    ``paths`` Prefix paths in another, on no host."""
    web = {"service": {"name": "web", "port": {"number": 80}}}
    redirect = {
        "http": {
            "paths": [
                {
                    "path": redirect_path,
                    "pathType": redirect_type,
                    "backend": {"service": {"name": "ssl-redirect", "port": {"name": "use-annotation"}}},
                }
            ]
        }
    }
    routed = {"http": {"paths": [{"path": f"/p{i}", "pathType": "Prefix", "backend": web} for i in range(paths)]}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "a",
            "namespace": "team",
            "annotations": {
                ANN + "actions.ssl-redirect": '{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", '
                '"Port": "443", "StatusCode": "HTTP_301"}}',
                ANN + "certificate-arn": "arn:aws:acm:us-west-2:111122223333:certificate/0e4a1b9c",
                ANN + "group.name": "g",
                ANN + "listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
                ANN + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                ANN + "target-type": "ip",
            },
        },
        "spec": {"ingressClassName": "alb", "rules": [routed, redirect] if redirect_last else [redirect, routed]},
    }


@pytest.mark.parametrize(("redirect_path", "redirect_type"), [("/*", "ImplementationSpecific"), ("/", "Prefix")])
def test_a_redirect_in_an_earlier_spec_rule_shadows_the_later_rules(
    tmp_path: Path, redirect_path: str, redirect_type: str
) -> None:
    # HTTP 80: the redirect, then 99 rules it covers (isSupersetConditions): 1 rule. HTTPS 443: the redirect to
    # HTTPS:443 is infinite and dropped, 99 rules stay. 100 in all: within the quota.
    assert _quota(_check(tmp_path, [_redirect_first(99, redirect_path, redirect_type)])) == []
    (over,) = _quota(_check(tmp_path, [_redirect_first(100, redirect_path, redirect_type)]))
    assert "101 rules (quota 100)" in over["message"], over
    # The redirect written after the paths shadows nothing: 100 + 1 on HTTP, 100 on HTTPS.
    (late,) = _quota(_check(tmp_path, [_redirect_first(100, redirect_path, redirect_type, redirect_last=True)]))
    assert "201 rules (quota 100)" in late["message"], late


def test_the_python_example_plans_with_no_guardrail_violation(tmp_path: Path) -> None:
    """What a newcomer copies first: its Deployment drains as pods-drain asks (readiness probe, limits, a preStop
    sleep over the deregistration delay, a grace period over the sleep)."""
    example = ROOT / "examples" / "python"
    proc = run_plan("--stack", "dev", "--project-dir", str(example), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Guardrails: 0 violations" in proc.stdout, proc.stdout


# -- fixes the plan itself accepts --------------------------------------------------------------------------------


def _order_member(name: str, namespace: str, order: int, path: str, fixed: str | None = None) -> Any:
    from albingress.policies.app_checks import GroupMember

    return GroupMember(name, namespace, "group g", order, (("shop.example.com", PathRoute(path, "Prefix")),), fixed)


@pytest.mark.parametrize(
    ("first", "later", "fix"),
    [
        # Both at the ends of -1000..1000, b's name after a's: only moving both puts b first.
        (("a", "team", -1000), ("b", "team", 1000), "give b order: -1000 and a order: -999"),
        # b's namespace/name sorts first: an equal order is enough where one lower is out of range.
        (("a", "tz", -1000), ("b", "ta", 1000), "give b order: -1000 or give a order: 1000"),
        (("a", "team", 0), ("b", "team", 0), "give b order: -1 or give a order: 1"),
    ],
)
def test_precedence_fixes_stay_within_the_controller_s_range(
    first: tuple[str, str, int], later: tuple[str, str, int], fix: str
) -> None:
    from albingress.policies.app_checks import precedence_problems

    (problem,) = precedence_problems([_order_member(*first, "/"), _order_member(*later, "/api")])
    assert fix in problem, problem
    assert "1001" not in problem


def test_a_precedence_fix_never_asks_to_order_the_echoserver() -> None:
    from albingress.policies.app_checks import precedence_problems

    echo = _order_member("echoserver", "echoserver", 0, "/echo", fixed="the stack's echoserver keeps 0")
    (problem,) = precedence_problems([_order_member("a", "aaa", 0, "/"), echo])
    assert "give a order: 1" in problem and "give echoserver" not in problem, problem
    assert "echoserver's order is fixed" in problem
    # Through the stack: an app whose Prefix / takes the echoserver's /echo on its host.
    found = _problems([_app("web", namespace="aaa", hosts=["www.example.com"], paths=[{"path": "/"}])])
    messages = " | ".join(found.get("alb-ingress:apps", []))
    assert "give web order: 1" in messages and "give echoserver" not in messages, found


def test_an_over_budget_message_names_only_keys_that_exist() -> None:
    from albingress.policies.alb_budget import budget_problems

    wide = Footprint(
        "web",
        "g",
        ("web.example.com",),
        (PathRoute("/"),),
        https_ports=tuple(range(8000, 8031)),
        inbound_cidrs=("10.0.0.0/16", "10.1.0.0/16"),
    )
    (problem,) = budget_problems([wide], Quotas())
    assert "security group rules" in problem and "no setting raises it" in problem, problem
    assert "securityGroupRules" not in problem


def test_an_image_pull_secret_problem_names_the_item() -> None:
    from albingress.components.controller.model import extra_values_problems

    found = " | ".join(extra_values_problems({"imagePullSecrets": [{"name": "ok"}, {"name": "Bad_Name"}, "x"]}))
    assert "imagePullSecrets[1].name: 'Bad_Name' is not a Kubernetes object name" in found, found
    assert "imagePullSecrets[2]: 'x' is not {name: <secret>}" in found
    assert "[{'name': 'ok'}" not in found


def test_an_app_s_problem_is_said_once() -> None:
    from albingress.components.app.component import AppInputError

    error = AppInputError("b", ["same", "same", "other"])
    assert error.problems == ["same", "other"] and str(error).count("same") == 1


def test_a_quoted_number_is_said_to_be_quoted() -> None:
    """YAML's "10" is text: the message names that, not a range the value is in."""
    found = _problems([_app("a", order="10", servicePort="8080", replicas="4")])
    messages = [m for key in found for m in found[key]]
    for value in ("'10'", "'8080'", "'4'"):
        assert any(m.startswith(f"{value} is quoted text, not a number; write it without quotes") for m in messages), (
            messages
        )


@pytest.mark.parametrize("depth", [3, 600, 985, 5000])
def test_json_nested_past_what_is_read_gets_one_answer_from_every_rule_and_no_traceback(
    tmp_path: Path, depth: int
) -> None:
    """A listen-ports or actions value of nested lists: the controller (Go, up to 10,000 levels) reads it as
    JSON that is not a list of port objects, and refuses it. Python's limit counted the caller's frames too, so
    near 1,000 levels the rules disagreed on the reason, or the check ended in a RecursionError traceback; past
    500 levels every rule now gives the same reason, whatever asks first."""
    nested = "[" * depth + "]" * depth
    ingress = _ingress(0, **{"listen-ports": nested, "ssl-redirect": "443"})
    ingress["metadata"]["annotations"][ANN + "actions.x"] = (
        '{"type": "forward", "forwardConfig": {"targetGroups": ' + nested + "}}"
    )
    ingress["spec"]["rules"][0]["http"]["paths"].append(
        {"path": "/x", "pathType": "Prefix", "backend": {"service": {"name": "x", "port": {"name": "use-annotation"}}}}
    )
    document = _check(tmp_path, [ingress])
    assert document["exit"] == 1, document
    said = [v["message"] for v in document["violations"] if "listen-ports '" in v["message"]]
    assert len(said) == 1, document["violations"]
    if depth > 500:
        assert f"it nests {depth} levels deep, past the 500 this tool reads" in said[0]
        action = [v["message"] for v in document["violations"] if "actions.x" in v["message"]]
        assert action and f"nests {depth + 2} levels deep" in action[0], document["violations"]
    else:
        assert "it is not a JSON list of objects" in said[0]


@pytest.mark.parametrize(
    ("action", "redirects"),
    [
        # Go's json.Unmarshal decodes a repeated object onto the first, so the fields merge: HTTPS stays.
        (
            '{"type":"redirect","redirectConfig":{"protocol":"HTTPS"},'
            '"redirectConfig":{"port":"443","statusCode":"HTTP_301"}}',
            True,
        ),
        # Field names match without case: RedirectConfig is the same field, merged the same way.
        (
            '{"type":"redirect","redirectConfig":{"protocol":"HTTPS"},'
            '"RedirectConfig":{"port":"443","statusCode":"HTTP_301"}}',
            True,
        ),
        # The later value of one field wins: the protocol becomes HTTP, no redirect to HTTPS.
        (
            '{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"},'
            '"redirectConfig":{"protocol":"HTTP"}}',
            False,
        ),
        (
            '{"Type":"forward","type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443",'
            '"statusCode":"HTTP_301"}}',
            True,
        ),
    ],
)
def test_the_legacy_redirect_action_is_read_as_go_reads_it(tmp_path: Path, action: str, redirects: bool) -> None:
    ingress = _ingress(0, **{"actions.ssl-redirect": action})
    del ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/ssl-redirect"]
    ingress["spec"]["rules"][0]["http"]["paths"] = [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "ssl-redirect", "port": {"name": "use-annotation"}}},
        }
    ]
    document = _check(tmp_path, [ingress])
    assert any(v["rule"] == "alb-ssl-redirect" for v in document["violations"]) is not redirects, document
