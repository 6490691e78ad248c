"""migrate --side-by-side: ALB Ingresses under new names beside the ingress-nginx ones, and the per-host report.

Expectations are written by hand: the names from the rule (NAME + suffix; over 253 characters cut short with a
hash, still a DNS-1123 subdomain), the old load balancer from the controller Service's status, the stream ports
from the --tcp/udp-services-configmap ConfigMaps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from albingress.facts.names import DNS_SUBDOMAIN
from albingress.policies.validation import validate
from albops.__main__ import main
from albops.migrate.side_by_side import NAME_MAX, new_name, suffix_problem

NLB = "k8s-ingressn-ingressn-0123456789-0123456789abcdef.elb.eu-west-1.amazonaws.com"


def _ingress(name: str, host: str, namespace: str = "web", cls: str = "nginx") -> str:
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  ingressClassName: {cls}
  rules:
  - host: {host}
    http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: app, port: {{number: 80}}}}}}}}]}}
"""


def _install(status: bool = True, tcp: bool = False) -> str:
    flags = "--ingress-class=nginx, --publish-service=$(POD_NAMESPACE)/ingress-nginx-controller"
    if tcp:
        flags += ", --tcp-services-configmap=$(POD_NAMESPACE)/tcp-services"
    text = f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: nginx}}
spec: {{controller: k8s.io/ingress-nginx}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: ingress-nginx-controller, namespace: ingress-nginx}}
spec:
  template:
    metadata: {{labels: {{app: nginx}}}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: [/nginx-ingress-controller, {flags}]
        env: [{{name: POD_NAMESPACE, valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  annotations: {{service.beta.kubernetes.io/aws-load-balancer-type: nlb}}
spec: {{type: LoadBalancer, selector: {{app: nginx}}, ports: [{{name: http, port: 80}}]}}
"""
    if status:
        text += f"status: {{loadBalancer: {{ingress: [{{hostname: {NLB}}}]}}}}\n"
    if tcp:
        text += """---
apiVersion: v1
kind: ConfigMap
metadata: {name: tcp-services, namespace: ingress-nginx}
data: {"5432": "db/postgres:5432", "6379": "cache/redis:6379::PROXY"}
"""
    return text


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *argv: str) -> tuple[int, str, list[Any]]:
    path = tmp_path / "in.yaml"
    path.write_text(text)
    code = main(["migrate", str(path), "--group", "g", *argv])
    captured = capsys.readouterr()
    return code, captured.err, [d for d in yaml.safe_load_all(captured.out) if d]


def _ingresses(out: list[Any]) -> list[dict[str, Any]]:
    return [d for d in out if d.get("kind") == "Ingress"]


def test_converted_ingresses_get_the_suffix_and_no_nginx_ingress_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install() + "---" + _ingress("app", "app.example.com") + "---" + _ingress("api", "api.example.com", "api")
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side")
    assert code in (0, 1), err
    written = _ingresses(out)
    assert sorted((d["metadata"]["namespace"], d["metadata"]["name"]) for d in written) == [
        ("api", "api-alb"),
        ("web", "app-alb"),
    ]
    assert all(d["spec"]["ingressClassName"] == "alb" for d in written)  # no ingress-nginx Ingress in the output
    assert validate(out) == []


def test_custom_suffix_and_without_side_by_side_the_names_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install() + "---" + _ingress("app", "app.example.com")
    _, _, out = _run(tmp_path, capsys, text, "--side-by-side", "--name-suffix=.v2")
    assert [d["metadata"]["name"] for d in _ingresses(out)] == ["app.v2"]
    _, err, out = _run(tmp_path, capsys, text)
    assert [d["metadata"]["name"] for d in _ingresses(out)] == ["app"]
    assert "side by side" not in err


def test_long_names_are_cut_short_with_a_stable_hash_and_stay_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two names of 250 characters that differ only at the end: cut to the same head, told apart by the hash.
    first, second = "a" * 249 + "b", "a" * 249 + "c"
    text = _install() + "---" + _ingress(first, "one.example.com") + "---" + _ingress(second, "two.example.com")
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side")
    assert code in (0, 1), err
    names = [d["metadata"]["name"] for d in _ingresses(out)]
    assert len(names) == 2 and len(set(names)) == 2, err
    for name in names:
        assert len(name) == NAME_MAX and name.endswith("-alb") and DNS_SUBDOMAIN.fullmatch(name)
        assert name.startswith("a" * 200)
    assert validate(out) == []
    assert "cut short" in err
    # The same input gives the same names on every run.
    assert new_name(first, "-alb") == names[0] == new_name(first, "-alb")
    # A name whose cut would end in '-' or '.' drops them: the head must end in a letter or digit.
    dotted = "x" * 239 + "-.-" + "y" * 20
    cut = new_name(dotted, "-alb")
    assert len(cut) <= NAME_MAX and DNS_SUBDOMAIN.fullmatch(cut), cut
    # Names that fit are untouched.
    assert new_name("a" * 249, "-alb") == "a" * 249 + "-alb"


def test_a_new_name_that_is_another_ingress_of_the_input_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _ingress("app-alb", "other.example.com", cls="alb")
    text = _install() + "---" + _ingress("app", "app.example.com") + "---" + other
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side")
    assert code == 2 and out == []
    assert "web/app" in err and "web/app-alb" in err and "--name-suffix" in err
    # In another namespace the same name is no collision.
    text = (
        _install()
        + "---"
        + _ingress("app", "app.example.com")
        + "---"
        + _ingress("app-alb", "o.example.com", "x", "alb")
    )
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side")
    assert code in (0, 1), err
    assert {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in _ingresses(out)} == {
        ("web", "app-alb"),
        ("x", "app-alb"),
    }


@pytest.mark.parametrize("suffix", ["-ALB", "-alb-", "_alb", "", "-a b", "-alb.", "-" + "a" * 260])
def test_a_suffix_a_name_cannot_hold_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    assert suffix_problem(suffix) is not None
    text = _install() + "---" + _ingress("app", "a.example.com")
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side", f"--name-suffix={suffix}")
    assert code == 2 and out == [] and "cannot end an Ingress name" in err


@pytest.mark.parametrize("suffix", ["-alb", "2", ".alb", "-v2.x"])
def test_suffixes_a_name_can_hold(suffix: str) -> None:
    assert suffix_problem(suffix) is None


def test_name_suffix_alone_and_gateway_with_side_by_side_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install() + "---" + _ingress("app", "a.example.com")
    code, err, out = _run(tmp_path, capsys, text, "--name-suffix=-x")
    assert code == 2 and out == [] and "--side-by-side" in err
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side", "--to", "gateway")
    assert code == 2 and out == [] and "Gateway API routes are new objects" in err


def test_the_report_names_the_old_load_balancer_group_and_next_command_per_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install() + "---" + _ingress("app", "app.example.com")
    report = tmp_path / "r.json"
    code, err, _ = _run(tmp_path, capsys, text, "--side-by-side", "--report", str(report))
    assert code == 0, err
    assert f"app.example.com: old load balancer {NLB}; ALB group 'g'" in err
    rows = json.loads(report.read_text())["sideBySide"]
    assert rows == [
        {
            "host": "app.example.com",
            "ingress": "web/app",
            "albIngress": "web/app-alb",
            "oldLoadBalancer": NLB,
            "albGroup": "g",
            "next": "albops cutover --zone-id ZONE --host app.example.com --to $(kubectl get ingress -n web "
            "app-alb -o jsonpath='{.status.loadBalancer.ingress[0].hostname}') --weight 1 --dry-run",
        }
    ]
    _run(tmp_path, capsys, text, "--report", str(report))
    assert "sideBySide" not in json.loads(report.read_text())
    _, err, _ = _run(tmp_path, capsys, text, "--side-by-side", "--report-format", "markdown")
    assert "## Side by side" in err and NLB in err


def test_without_the_service_status_the_old_load_balancer_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install(status=False) + "---" + _ingress("app", "app.example.com")
    _, err, _ = _run(tmp_path, capsys, text, "--side-by-side")
    assert "app.example.com: old load balancer unknown (add the controller Service to the input)" in err


def test_tcp_services_ports_are_reported_not_converted_with_their_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install(tcp=True) + "---" + _ingress("app", "app.example.com")
    report = tmp_path / "r.json"
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side", "--report", str(report))
    assert code == 1, err
    found = {f["setting"]: f for f in json.loads(report.read_text())["input"]}
    assert found["TCP port 5432"]["status"] == "not-converted"
    assert "db/postgres:5432" in found["TCP port 5432"]["detail"]
    assert "cache/redis:6379::PROXY" in found["TCP port 6379"]["detail"]
    assert "db/postgres" in found["TCP port 5432"]["next"] and "NLB" in found["TCP port 5432"]["next"]
    assert [d["metadata"]["name"] for d in _ingresses(out)] == ["app-alb"]
    assert validate(out) == []


def test_udp_services_ports_and_a_missing_stream_configmap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    udp = _install(tcp=True).replace("--tcp-services-configmap", "--udp-services-configmap")
    udp = udp.replace("name: tcp-services", "name: udp-services").replace("/tcp-services", "/udp-services")
    report = tmp_path / "r.json"
    _run(tmp_path, capsys, udp + "---" + _ingress("app", "app.example.com"), "--side-by-side", "--report", str(report))
    found = {f["setting"]: f for f in json.loads(report.read_text())["input"]}
    assert (
        found["UDP port 5432"]["status"] == "not-converted" and "db/postgres:5432" in found["UDP port 5432"]["detail"]
    )
    # The flag names a ConfigMap the dump does not hold: a note asking for it, no port invented.
    missing = _install(tcp=True).split("---\napiVersion: v1\nkind: ConfigMap")[0]
    _run(
        tmp_path,
        capsys,
        missing + "---" + _ingress("app", "app.example.com"),
        "--side-by-side",
        "--report",
        str(report),
    )
    found = {f["setting"]: f for f in json.loads(report.read_text())["input"]}
    assert "ingress-nginx/tcp-services" in found["--tcp-services-configmap"]["detail"]
    assert not [k for k in found if k.startswith("TCP port")]


def test_two_nginx_ingresses_whose_new_name_is_the_other_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _install() + "---" + _ingress("app", "a.example.com") + "---" + _ingress("app-alb", "b.example.com")
    code, err, out = _run(tmp_path, capsys, text, "--side-by-side")
    assert code == 2 and out == [] and "web/app-alb" in err
    assert _run(tmp_path, capsys, text, "--side-by-side", "--name-suffix=-new")[0] in (0, 1)


def test_a_suffix_that_starts_with_a_dash_is_told_the_equals_form(capsys: pytest.CaptureFixture[str]) -> None:
    """`--name-suffix -alb` reads to argparse as a second option; the error says to write `--name-suffix=-alb`."""
    from albops.cli.main import main

    assert main(["migrate", "x.yaml", "--side-by-side", "--name-suffix", "-alb"]) == 2
    assert "--name-suffix=-VALUE" in capsys.readouterr().err
