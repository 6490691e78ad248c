"""Guardrails that judge as the controller and IAM do (issue 20, section 4) and the controller's extra policies
(section 3, IAM): each class through ``albops check`` documents, the stack file through the plan CLI, and an
``AwsLoadBalancerController`` program under mocks.

Expected results are written by hand from the sources named beside them: the controller at v3.5.0
(pkg/ingress/model_build_listener.go, model_build_target_group.go, rule_optimizer.go,
model_build_load_balancer.go, pkg/annotations/parser.go), IAM's policy grammar and evaluation logic (IAM User
Guide), and coreutils' sleep.
"""

from __future__ import annotations

import copy
import json
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import albingress
from albingress.facts import managed_policies
from albingress.policies.controller_iam import controller_policy
from albingress.policies.generate_managed_policies import generate
from albingress.policies.guardrails import Wait, exec_wait
from albingress.policies.iam_judge import ANY_ACTION, judged_actions, matches, permission_findings, trust_findings
from albops.__main__ import main
from albops.preview.cloud import CloudAnswers
from albops.preview.cloud_facts import CloudFacts
from albops.preview.runner import run_program
from tests.conftest import run_plan

ROOT = Path(__file__).resolve().parent.parent
ANN = "alb.ingress.kubernetes.io/"
CERT = "arn:aws:acm:us-west-2:111122223333:certificate/0b1c2d3e-0000-4000-8000-000000000000"


def _ingress(annotations: Mapping[str, str | None], tls: bool = False, class_name: str = "alb") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": class_name,
        "rules": [
            {
                "host": "web.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    }
    if tls:
        spec["tls"] = [{"hosts": ["web.example.com"], "secretName": "web-tls"}]
    base = {
        ANN + "scheme": "internet-facing",
        ANN + "group.name": "team",
        ANN + "target-type": "ip",
        ANN + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        ANN + "ssl-redirect": "443",
        ANN + "target-group-attributes": "deregistration_delay.timeout_seconds=60",
    }
    merged = {k: v for k, v in {**base, **annotations}.items() if v is not None}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "team", "annotations": merged},
        "spec": spec,
    }


def _service(annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "team", "annotations": annotations or {}},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def _workload(kind: str, pre_stop: dict[str, Any], grace: int = 90) -> dict[str, Any]:
    api = "argoproj.io/v1alpha1" if kind == "Rollout" else "apps/v1"
    container = {
        "name": "web",
        "image": "web:1",
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
        "lifecycle": {"preStop": pre_stop},
    }
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": "web", "namespace": "team"},
        "spec": {
            # A StatefulSet's serviceName is required up to Kubernetes 1.32 (albops check validates the schema).
            **({"serviceName": "web"} if kind == "StatefulSet" else {}),
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"terminationGracePeriodSeconds": grace, "containers": [container]},
            },
        },
    }


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], *documents: Any, name: str = "in.yaml") -> list[Any]:
    """``albops check --json`` over one file holding ``documents``; the violations it reports."""
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(documents[0]))
    else:
        path.write_text(yaml.safe_dump_all(documents))
    code = main(["check", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    # Exit 2 when something is bad input (a value of the wrong kind, issue 23), else 1 for findings, 0 clean.
    bad_input = any(v["bad_input"] for v in report["violations"])
    assert code == (2 if bad_input else 1 if report["violations"] else 0)
    violations: list[Any] = report["violations"]
    return violations


def _rules(violations: list[Any]) -> set[str]:
    return {v["rule"] for v in violations}


# -- listen ports as the controller decides them ---------------------------------------------------------


def test_spec_tls_alone_serves_clear_text_on_the_internet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No listen-ports, no certificate-arn: the controller opens HTTP 80 only; spec.tls is for discovery."""
    found = _check(tmp_path, capsys, _ingress({}, tls=True))
    https = [v for v in found if v["rule"] == "alb-https"]
    assert len(https) == 1 and "spec.tls alone gives HTTP 80" in https[0]["message"]


@pytest.mark.parametrize(
    "annotations",
    [
        {ANN + "certificate-arn": CERT},
        {ANN + "certificate-arn": f" {CERT} ,"},  # split on commas, blanks trimmed (pkg/annotations/parser.go)
        {ANN + "listen-ports": '[{"HTTPS": 443}]'},  # explicit HTTPS with discovery from the hosts
    ],
)
def test_an_explicit_certificate_opens_https_443(
    annotations: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # HTTPS only: the ssl-redirect of an HTTP listener does not apply, so none is asked for.
    assert _check(tmp_path, capsys, _ingress(annotations, tls=True)) == []


def test_an_empty_certificate_list_or_acm_off_is_no_certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for given in ({ANN + "certificate-arn": " , "}, {ANN + "create-acm-cert": "yes"}):
        assert "alb-https" in _rules(_check(tmp_path, capsys, _ingress(given)))


def test_the_class_params_certificate_opens_https(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress_class = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "team-alb"},
        "spec": {
            "controller": "ingress.k8s.aws/alb",
            "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "team"},
        },
    }
    params = {
        "apiVersion": "elbv2.k8s.aws/v1beta1",
        "kind": "IngressClassParams",
        "metadata": {"name": "team"},
        "spec": {"certificateArn": [CERT]},
    }
    found = _check(tmp_path, capsys, ingress_class, params, _ingress({}, class_name="team-alb"))
    assert found == []
    params["spec"] = {}
    assert "alb-https" in _rules(_check(tmp_path, capsys, ingress_class, params, _ingress({}, class_name="team-alb")))


def test_https_without_ssl_policy_gets_the_tls10_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _check(tmp_path, capsys, _ingress({ANN + "certificate-arn": CERT, ANN + "ssl-policy": None}))
    assert [v["rule"] for v in found] == ["alb-tls-policy"]
    assert "ELBSecurityPolicy-2016-08, which allows TLS 1.0" in found[0]["message"]


# -- what the controller really uses for a target group ---------------------------------------------------


def test_the_services_target_type_wins_over_the_ingress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})
    found = _check(tmp_path, capsys, ingress, _service({ANN + "target-type": "instance"}))
    assert [v["rule"] for v in found] == ["alb-target-type-ip"]
    assert found[0]["resource"] == "Ingress team/web backend web" and "Service web's annotation" in found[0]["message"]
    # And the other way round: an Ingress without ip, a Service with it.
    ingress = _ingress({ANN + "certificate-arn": CERT, ANN + "target-type": "instance"})
    assert _check(tmp_path, capsys, ingress, _service({ANN + "target-type": "ip"})) == []


def test_the_class_params_target_type_wins_over_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress_class = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "team-alb"},
        "spec": {
            "controller": "ingress.k8s.aws/alb",
            "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "p"},
        },
    }
    params = {
        "apiVersion": "elbv2.k8s.aws/v1beta1",
        "kind": "IngressClassParams",
        "metadata": {"name": "p"},
        "spec": {"targetType": "instance", "certificateArn": [CERT]},
    }
    ingress = _ingress({}, class_name="team-alb")
    found = _check(tmp_path, capsys, ingress_class, params, ingress, _service({ANN + "target-type": "ip"}))
    assert [v["rule"] for v in found] == ["alb-target-type-ip"] and "IngressClassParams" in found[0]["message"]


def test_the_services_deregistration_delay_is_the_one_drained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _service({ANN + "target-group-attributes": "deregistration_delay.timeout_seconds=120"})
    deployment = _workload("Deployment", {"sleep": {"seconds": 70}})
    found = _check(tmp_path, capsys, _ingress({ANN + "certificate-arn": CERT}), service, deployment)
    assert [v["rule"] for v in found] == ["pods-drain"] and "deregistration delay (120 s)" in found[0]["message"]
    assert _check(tmp_path, capsys, _ingress({ANN + "certificate-arn": CERT}), _service(), deployment) == []


# -- drains ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "seconds"),
    [
        (["sleep", "60"], 60.0),
        (["sleep", "1m"], 60.0),
        (["sleep", "1m", "30s"], 90.0),  # coreutils adds its arguments up
        (["sleep", "0.5m"], 30.0),
        (["sleep", "2h"], 7200.0),
        (["/bin/sh", "-c", "sleep 15 && nginx -s quit"], 15.0),
        (["/bin/sleep", "1d"], 86400.0),
        (["sh", "-c", "sleep 10; sleep 50"], 60.0),
        (["sh", "-c", "sleep 20\nnginx -s quit"], 20.0),  # a newline joins like ";"; what follows runs after
        (["sleep", "1e2"], 100.0),
        (["sleep", "infinity"], float("inf")),
    ],
)
def test_sleep_durations_read_as_sleep_reads_them(command: list[str], seconds: float) -> None:
    assert exec_wait(command) == Wait(seconds)


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "Rollout"])
def test_every_workload_kind_is_drained(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})
    one_minute = _workload(kind, {"exec": {"command": ["/bin/sh", "-c", "sleep 1m"]}})
    assert _check(tmp_path, capsys, ingress, _service(), one_minute) == []
    short = _workload(kind, {"exec": {"command": ["sleep", "30s"]}})
    found = _check(tmp_path, capsys, ingress, _service(), short)
    assert [v["rule"] for v in found] == ["pods-drain"]
    assert f"{kind} team/web container web" == found[0]["resource"] and "(preStop 30 s)" in found[0]["message"]
    killed = _workload(kind, {"exec": {"command": ["sleep", "1m"]}}, grace=60)
    assert (
        "not longer than the preStop sleep 60 s" in _check(tmp_path, capsys, ingress, _service(), killed)[0]["message"]
    )


# -- no false alarms ----------------------------------------------------------------------------------------


def _legacy(host: str | None, path: str = "/*", path_type: str = "ImplementationSpecific") -> dict[str, Any]:
    ingress = _ingress(
        {
            ANN + "certificate-arn": CERT,
            ANN + "ssl-redirect": None,
            ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            # Go decodes JSON field names without regard to case: "type" and "Type" are one field.
            ANN + "actions.ssl-redirect": json.dumps(
                {"type": "redirect", "RedirectConfig": {"protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
            ),
        }
    )
    redirect = {
        "path": path,
        "pathType": path_type,
        "backend": {"service": {"name": "ssl-redirect", "port": {"name": "use-annotation"}}},
    }
    rule = ingress["spec"]["rules"][0]
    rule["http"]["paths"].insert(0, redirect)
    if host is None:
        ingress["spec"]["rules"].insert(0, {"http": {"paths": [redirect]}})
    return ingress


@pytest.mark.parametrize(("host", "path", "path_type"), [(None, "/*", "ImplementationSpecific"), ("h", "/", "Prefix")])
def test_the_legacy_ssl_redirect_action_redirects(
    host: str | None, path: str, path_type: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(tmp_path, capsys, _legacy(host, path, path_type)) == []


def test_a_legacy_action_that_does_not_cover_every_path_is_no_redirect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, _legacy("h", "/login", "Prefix")))
    ingress = _legacy(None)
    ingress["metadata"]["annotations"][ANN + "actions.ssl-redirect"] = json.dumps(
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTP", "Port": "80", "StatusCode": "HTTP_301"}}
    )
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, ingress))


def test_a_legacy_redirect_counts_where_the_controller_puts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written first is not served first: the controller sorts a rule's paths Exact, then Prefix longest first, then
    ImplementationSpecific (sortIngressPaths, v3.5.0 pkg/ingress/model_build_listener_rules.go), and keeps the
    order of spec.rules. So an ImplementationSpecific '/*' redirect written before the rule's Prefix '/' comes after
    it, and a host-less redirect rule written after a host's rule comes after that host's paths: HTTP serves the
    app in clear text in both cases."""
    # The host's own rule: the redirect '/*' (ImplementationSpecific) written first, its Prefix '/' to the app after.
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, _legacy("h", "/*", "ImplementationSpecific")))
    # A host-less redirect rule after the host's rule, whose paths do not redirect.
    ingress = _legacy(None)
    ingress["spec"]["rules"].append(ingress["spec"]["rules"].pop(0))
    ingress["spec"]["rules"][0]["http"]["paths"].pop(0)
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, ingress))
    # The same host-less rule written first redirects every host.
    ingress["spec"]["rules"].insert(0, ingress["spec"]["rules"].pop())
    assert _check(tmp_path, capsys, ingress) == []


def test_a_legacy_redirect_counts_only_as_the_elb_api_and_the_controller_take_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The controller passes redirectConfig.protocol on as written, and the ELB API takes only 'HTTPS', 'HTTP' or
    '#{protocol}' (botocore elbv2 RedirectActionConfig pattern): 'https' redirects nothing (the group stops)."""
    ingress = _legacy(None)
    ingress["metadata"]["annotations"][ANN + "actions.ssl-redirect"] = json.dumps(
        {"type": "redirect", "redirectConfig": {"protocol": "https", "port": "443", "statusCode": "HTTP_301"}}
    )
    found = _check(tmp_path, capsys, ingress)
    assert "alb-ssl-redirect" in _rules(found)
    assert any("protocol 'https' does not match" in v["message"] for v in found)
    # A conditions.<name> annotation on the redirect narrows its rule (buildRuleConditions adds its conditions):
    # the requests it does not match reach the next rule in clear text.
    ingress = _legacy(None)
    only_get = [{"field": "http-request-method", "httpRequestMethodConfig": {"values": ["GET"]}}]
    ingress["metadata"]["annotations"][ANN + "conditions.ssl-redirect"] = json.dumps(only_get)
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, ingress))
    for none in ("[]", "null", "[null]"):  # no condition, as Go reads each
        ingress["metadata"]["annotations"][ANN + "conditions.ssl-redirect"] = none
        assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, ingress)), none
    # An empty path gives no path condition: the redirect covers every path, as '/*' does.
    assert _check(tmp_path, capsys, _legacy(None, "", "ImplementationSpecific")) == []


def test_the_legacy_redirect_is_read_as_the_controller_builds_the_http_listener(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """v3.5.0 pkg/ingress: a rule without http makes no listener rule (model_build_listener_rules.go skips
    rule.HTTP == nil); spec.defaultBackend is the HTTP listener's default action (buildListenerDefaultActions),
    a forward in plain HTTP for whatever no rule matches; a redirect on a regex path stays on the HTTPS listener
    too (isInfiniteRedirectRule does not look at regex paths), so it loops there; a condition whose field the
    controller does not know is passed over, so it narrows nothing."""
    no_http = _legacy(None)
    no_http["spec"]["rules"].insert(0, {"host": "other.example.com"})
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, no_http))
    null_rule = _legacy(None)
    null_rule["spec"]["rules"].insert(0, None)  # was an AttributeError that hid every other Ingress's finding
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, null_rule, name="in.json"))
    assert _check(tmp_path, capsys, _legacy("h", "/", "Prefix")) == []  # the host's own redirect covers it
    with_default = _legacy("h", "/", "Prefix")
    with_default["spec"]["defaultBackend"] = {"service": {"name": "app", "port": {"number": 80}}}
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, with_default))
    # A default backend that answers itself (a fixed response of its action) serves no app in plain HTTP.
    fixed = _legacy("h", "/", "Prefix")
    fixed["spec"]["defaultBackend"] = {"service": {"name": "gone", "port": {"name": "use-annotation"}}}
    fixed["metadata"]["annotations"][ANN + "actions.gone"] = json.dumps(
        {"type": "fixed-response", "fixedResponseConfig": {"statusCode": "404"}}
    )
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, fixed))
    # A default backend redirecting but keeping HTTP serves plain HTTP; one past what this tool reads cannot tell.
    keeps_http = _legacy("h", "/", "Prefix")
    keeps_http["spec"]["defaultBackend"] = {"service": {"name": "gone", "port": {"name": "use-annotation"}}}
    keeps_http["metadata"]["annotations"][ANN + "actions.gone"] = json.dumps(
        {"type": "redirect", "redirectConfig": {"host": "other.example.com", "statusCode": "HTTP_301"}}
    )
    assert "alb-ssl-redirect" in _rules(_check(tmp_path, capsys, keeps_http))
    keeps_http["metadata"]["annotations"][ANN + "actions.gone"] = (
        '{"type": "forward", "x": ' + "[" * 600 + "]" * 600 + "}"
    )
    (found,) = [v for v in _check(tmp_path, capsys, keeps_http) if v["rule"] == "alb-ssl-redirect"]
    assert found["message"].startswith("may answer plain HTTP")
    covered = _legacy(None)  # a host-less redirect comes before the default action: nothing reaches it
    covered["spec"]["defaultBackend"] = {"service": {"name": "app", "port": {"number": 80}}}
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, covered))
    regex = _legacy(None)
    regex["metadata"]["annotations"][ANN + "use-regex-path-match"] = "true"
    (found,) = [v for v in _check(tmp_path, capsys, regex) if v["rule"] == "alb-ssl-redirect"]
    assert "has a regex path" in found["message"] and "redirects it again" in found["message"]
    for dropped in ("[{}]", '[{"field": "Source-IP", "sourceIPConfig": {"values": ["10.0.0.0/8"]}}]'):
        ingress = _legacy(None)
        ingress["metadata"]["annotations"][ANN + "conditions.ssl-redirect"] = dropped
        assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, ingress)), dropped


@pytest.mark.parametrize(
    ("host", "config", "verdict"),
    [
        # The same URL: #{host} and #{port} (each left out means the same), or the listener's own port.
        ("web.example.com", {}, "loop"),
        ("web.example.com", {"host": "#{host}", "port": "443"}, "loop"),
        ("web.example.com", {"host": "WEB.example.com", "port": "443"}, "loop"),
        # A literal host the rule's host matches (ALB '*' matches any characters): matched again.
        ("*.example.com", {"host": "www.example.com"}, "loop"),
        # A host-less rule matches every host, the new one too.
        (None, {"host": "www.example.com"}, "loop"),
        # Another path: whether the regex matches it is not evaluated ("cannot tell"); a literal query is the same
        # again on the second request (a loop).
        ("web.example.com", {"path": "/login"}, "may"),
        ("web.example.com", {"query": "from=http"}, "loop"),
        # Another host the rule does not match, or a port that is no HTTPS listener of the Ingress: the redirected
        # request leaves the rule, so it does not loop, but whether the regex covers every path is not evaluated.
        ("web.example.com", {"host": "www.example.com"}, "may"),
        # www.#{host} on a rule of web.example.com sends www.web.example.com, which that rule does not match.
        ("web.example.com", {"host": "www.#{host}"}, "may"),
        ("*.example.com", {"host": "www.#{host}"}, "loop"),
        # A port no HTTPS listener of the group serves: clients are sent where nothing answers TLS.
        ("web.example.com", {"port": "8443"}, "port"),
    ],
)
def test_a_regex_redirect_loops_only_where_its_rule_matches_the_redirected_request(
    host: str | None, config: dict[str, str], verdict: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With use-regex-path-match the controller keeps a redirect on the HTTPS listener whatever it redirects to
    (v3.5.0 rule_optimizer.go isInfiniteRedirectRule returns false for regex paths); there it matches again the
    request it redirected unless that request has a host the rule does not match or goes to a port where the
    rule is not (it is on the Ingress's own listen ports, HTTP 80 and HTTPS 443 here)."""
    ingress = _legacy(None if host is None else "h")
    if host is not None:
        rule = ingress["spec"]["rules"][0]
        rule["host"], rule["http"]["paths"] = host, rule["http"]["paths"][:1]  # the redirect alone, matched first
    annotations = ingress["metadata"]["annotations"]
    annotations[ANN + "use-regex-path-match"] = "true"
    redirect = {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301", **config}
    annotations[ANN + "actions.ssl-redirect"] = json.dumps({"type": "redirect", "redirectConfig": redirect})
    (found,) = [v for v in _check(tmp_path, capsys, ingress) if v["rule"] == "alb-ssl-redirect"]
    if verdict == "port":
        assert "where no HTTPS listener of its group answers" in found["message"], found
    elif verdict == "loop":
        assert "has a regex path" in found["message"] and "redirects it again" in found["message"], found
    else:
        assert found["message"] == (
            "may answer plain HTTP: its redirect to HTTPS (ssl-redirect) has a regex path (/*), which this tool "
            "does not evaluate against every path, so this tool cannot tell whether it redirects to HTTPS"
        ), found
        assert found["fix"] == f"set {ANN}ssl-redirect to its HTTPS port, e.g. '443'", found  # nothing nested


@pytest.mark.parametrize(
    ("host", "config", "listen_ports", "loops"),
    [
        # isInfiniteRedirectRule drops it on HTTPS: every part left out, the request's own, or the rule's own.
        (None, {"port": "443"}, '[{"HTTP": 80}, {"HTTPS": 443}]', False),
        ("web.example.com", {"host": "web.example.com", "path": "/#{path}", "query": "#{query}"}, None, False),
        # Kept, to a host its rule does not match: HTTPS requests go there once; no loop.
        ("web.example.com", {"host": "www.example.com"}, None, False),
        # Kept, and matched again: a host-less rule matches the literal host; a wildcard host matches it; a
        # literal path or query is not the request's own, and a /* rule matches the new request again.
        (None, {"host": "www.example.com"}, None, True),
        ("*.example.com", {"host": "www.example.com"}, None, True),
        ("web.example.com", {"path": "/index.html"}, None, True),
        ("web.example.com", {"query": "#{query}&from=http"}, None, True),
        # The host compared exactly, case and all: kept, and the rule (ALB matches hosts without case) takes it.
        ("web.example.com", {"host": "WEB.example.com"}, None, True),
        # To another HTTPS port of the Ingress, where the same rule is dropped (its port is that listener's own).
        ("web.example.com", {"port": "8443"}, '[{"HTTP": 80}, {"HTTPS": 443}, {"HTTPS": 8443}]', False),
        # A port the ELB API refuses (the validator names it as bad input): no crash; said as no HTTPS port.
        ("web.example.com", {"port": "\u00b2"}, None, "port"),
        # No port: the ELB API keeps the request's, so HTTP 80 goes to https://host:80, where no HTTPS listener is.
        ("web.example.com", {"port": None}, None, "port"),
        ("web.example.com", {"port": "#{port}"}, None, "port"),
    ],
)
def test_a_redirect_the_controller_keeps_on_https_loops_where_its_rule_matches_again(
    host: str | None,
    config: dict[str, str],
    listen_ports: str | None,
    loops: bool | str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """v3.5.0 rule_optimizer.go isInfiniteRedirectRule drops a redirect from an HTTPS listener only when host,
    path, port, protocol and query are each unset, #{...}, or the rule's own (host and path compared as written);
    otherwise it stays and redirects HTTPS as well, which loops where the rule matches the request it sent."""
    ingress = _legacy(None if host is None else "h")
    if host is not None:
        rule = ingress["spec"]["rules"][0]
        rule["host"], rule["http"]["paths"] = host, rule["http"]["paths"][:1]
    annotations = ingress["metadata"]["annotations"]
    if listen_ports is not None:
        annotations[ANN + "listen-ports"] = listen_ports
    redirect = {k: v for k, v in {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301", **config}.items() if v}
    annotations[ANN + "actions.ssl-redirect"] = json.dumps({"type": "redirect", "redirectConfig": redirect})
    found = [v for v in _check(tmp_path, capsys, ingress) if v["rule"] == "alb-ssl-redirect"]
    if loops == "port":
        (finding,) = found
        assert "where no HTTPS listener of its group answers" in finding["message"], finding
    elif loops:
        (finding,) = found
        assert "keeps the rule on the HTTPS listener" in finding["message"], finding
        assert "redirects it again" in finding["message"], finding
    else:
        assert found == [], found


def test_a_condition_less_rule_is_slash_star_to_the_loop_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host-less rule with an empty path has no condition, so the controller writes path /* for it
    (buildRuleConditions) and isInfiniteRedirectRule takes a redirect to path /* as its own: dropped on HTTPS."""
    ingress = _legacy(None, "", "ImplementationSpecific")
    redirect = {"protocol": "HTTPS", "port": "443", "path": "/*", "statusCode": "HTTP_301"}
    annotations = ingress["metadata"]["annotations"]
    annotations[ANN + "actions.ssl-redirect"] = json.dumps({"type": "redirect", "redirectConfig": redirect})
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, ingress))


def _redirect_member(
    name: str | None, order: str | None = None, host: str | None = None, namespace: str = "team"
) -> dict[str, Any]:
    """A group member that only redirects: its one rule sends every path (of every host, unless ``host``) to the
    legacy actions.ssl-redirect. Without ``name``, its metadata has none (a program's, named when created)."""
    member = _legacy(None)
    member["metadata"]["namespace"] = namespace
    if name is None:
        del member["metadata"]["name"]
    else:
        member["metadata"]["name"] = name
    member["spec"]["rules"] = member["spec"]["rules"][:1]
    if host is not None:
        member["spec"]["rules"][0]["host"] = host
    if order is not None:
        member["metadata"]["annotations"][ANN + "group.order"] = order
    return member


def _deleting(member: dict[str, Any]) -> dict[str, Any]:
    member["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return member


def _own_rule_first(member: dict[str, Any]) -> dict[str, Any]:
    forward = {"path": "/x", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
    member["spec"]["rules"].insert(0, {"host": "web.example.com", "http": {"paths": [forward]}})
    return member


def _plain_member(listen_ports: str = '[{"HTTP": 80}, {"HTTPS": 443}]') -> dict[str, Any]:
    """team/web: HTTP and HTTPS listeners and no redirect of its own."""
    return _ingress({ANN + "certificate-arn": CERT, ANN + "ssl-redirect": None, ANN + "listen-ports": listen_ports})


@pytest.mark.parametrize(
    ("redirect", "web", "covered"),
    [
        # Evaluated first (group.order, then namespace/name: team/a-redirect < team/web), host-less: covered.
        (_redirect_member("a-redirect"), _plain_member(), True),
        (_redirect_member("z-redirect", order="-5"), _plain_member(), True),
        # Evaluated after team/web: web's rules answer plain HTTP first.
        (_redirect_member("z-redirect"), _plain_member(), False),
        (_redirect_member("a-redirect", order="5"), _plain_member(), False),
        # A redirect of one host covers only that host, which this rule does not count for other members.
        (_redirect_member("a-redirect", host="web.example.com"), _plain_member(), False),
        # Go compares "namespace/name" strings: team-a/z sorts before team/web ('-' before '/').
        (_redirect_member("z", namespace="team-a"), _plain_member(), True),
        # A name the program did not write (Pulumi adds a random suffix) cannot be ordered by this tool.
        (_redirect_member(None), _plain_member(), False),
        # The same object twice (the last one applied is all there is) or one being deleted (the controller
        # leaves it out of the group) covers nothing.
        (_redirect_member("web"), _plain_member(), False),
        (_deleting(_redirect_member("a-redirect")), _plain_member(), False),
        # A rule of its own before the host-less redirect answers some requests itself (its own finding); the
        # rest, web's included, are redirected before web's rules.
        (_own_rule_first(_redirect_member("a-redirect")), _plain_member(), True),
        # web also listens on HTTP 8080, where the redirect member has no listener and no rule.
        (_redirect_member("a-redirect"), _plain_member('[{"HTTP": 80}, {"HTTP": 8080}, {"HTTPS": 443}]'), False),
    ],
)
def test_a_members_host_less_redirect_evaluated_first_covers_the_group(
    redirect: dict[str, Any], web: dict[str, Any], covered: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The controller builds a group's rules member by member, sorted by group.order and then namespace/name
    (v3.5.0 pkg/ingress/group_loader.go sortGroupMembers): a member's host-less redirect to HTTPS, first on a
    shared HTTP listener, answers every request there before another member's rules."""
    found = {v["resource"] for v in _check(tmp_path, capsys, redirect, web) if v["rule"] == "alb-ssl-redirect"}
    assert ("Ingress team/web" not in found) is covered, found


def test_a_members_legacy_redirect_is_no_route_taken_from_another_member(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """group-routes: a host-less redirect to HTTPS evaluated first answers HTTP before the other members by design,
    and on HTTPS the controller drops it (isInfiniteRedirectRule); saying it takes their routes, with a fix to
    order them first, would have them answer plain HTTP."""
    found = _check(tmp_path, capsys, _redirect_member("a-redirect"), _plain_member())
    assert not [v for v in found if v["rule"] in ("group-routes", "alb-ssl-redirect")], found


def test_an_ingress_being_deleted_is_out_of_its_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The controller leaves an Ingress with a deletionTimestamp out of its group (group_loader.go
    loadGroupIDIfAnyHelper): it covers no member, shadows none, and is judged for nothing."""
    deleting = _deleting(_plain_member())
    deleting["metadata"]["name"] = "old"
    found = _check(tmp_path, capsys, deleting, _redirect_member("z-redirect"))
    assert not [v for v in found if "team/old" in v["resource"]], found


def test_a_use_annotation_backend_without_its_action_is_said_to_answer_503(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tolerate-non-existent-backend-action is true by default (v3.5.0 pkg/config/ingress_config.go): the
    controller serves a 503 fixed response there instead of refusing the Ingress."""
    ingress = _legacy(None)
    del ingress["metadata"]["annotations"][ANN + "actions.ssl-redirect"]
    found = [v for v in _check(tmp_path, capsys, ingress) if "has no actions.ssl-redirect" in v["message"]]
    assert found and "the controller answers this path with 503" in found[0]["message"]


def test_a_legacy_action_nested_past_what_is_read_is_a_cannot_tell_not_a_plain_http_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Go reads JSON to 10,000 levels; this tool to 500. An actions value past that may well redirect (Go ignores
    the fields it does not know, however deep): the finding says it cannot tell, and why, never "plain HTTP"."""
    ingress = _legacy(None)
    redirect = {"type": "redirect", "redirectConfig": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    deep = json.dumps(redirect)[:-1] + ', "x": ' + "[" * 600 + "]" * 600 + "}"
    ingress["metadata"]["annotations"][ANN + "actions.ssl-redirect"] = deep
    found = [v for v in _check(tmp_path, capsys, ingress) if v["rule"] == "alb-ssl-redirect"]
    assert len(found) == 1, found
    message = found[0]["message"]
    assert message == (
        f"may answer plain HTTP: {ANN}actions.ssl-redirect nests 601 levels deep, past the 500 this tool reads, so "
        "this tool cannot tell whether it redirects to HTTPS"
    )
    # A rule it can read that answers plain HTTP is a plain-HTTP finding, whatever the unread one says: here a
    # host's own rule written first forwards to the app.
    plain_first = copy.deepcopy(ingress)
    plain_first["spec"]["rules"].insert(0, plain_first["spec"]["rules"].pop())
    (finding,) = [v for v in _check(tmp_path, capsys, plain_first) if v["rule"] == "alb-ssl-redirect"]
    assert finding["message"] == "answers plain HTTP instead of redirecting it to HTTPS"
    # JSON Go refuses too (brackets that never close, or past its 10,000 levels) is no redirect: plain HTTP.
    for refused in (
        deep.replace("]" * 600, ""),
        json.dumps(redirect)[:-1] + ', "x": ' + "[" * 10_001 + "]" * 10_001 + "}",
    ):
        ingress["metadata"]["annotations"][ANN + "actions.ssl-redirect"] = refused
        found = [v for v in _check(tmp_path, capsys, ingress) if v["rule"] == "alb-ssl-redirect"]
        assert [v["message"] for v in found] == ["answers plain HTTP instead of redirecting it to HTTPS"]
    # A deep action the first path does not use (another name) changes nothing: that one is read, and redirects.
    ingress = _legacy(None)
    ingress["metadata"]["annotations"][ANN + "actions.unused"] = deep
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, ingress))


@pytest.mark.parametrize("value", ["internet-facing ", " internet-facing", "Internet-Facing", "public"])
def test_a_scheme_the_controller_does_not_know_is_a_finding(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _check(tmp_path, capsys, _ingress({ANN + "scheme": value}))
    assert "alb-scheme" in _rules(found)
    if value.strip().lower() == "internet-facing":
        # Judged as meant, so the clear-text finding is not lost to the typo.
        assert "alb-https" in _rules(found)


# -- trust policies judged by meaning -----------------------------------------------------------------------

ISSUER = "oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
OIDC = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
SUB = "system:serviceaccount:kube-system:aws-load-balancer-controller"


def _irsa(condition: Any, action: Any = "sts:AssumeRoleWithWebIdentity", principal: Any = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal or {"Federated": OIDC}, "Action": action}
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": statement}  # Statement as an object, not a list


WEAK_TRUSTS = {
    "no condition": _irsa(None),
    "StringLike *": _irsa({"StringLike": {f"{ISSUER}:sub": "*", f"{ISSUER}:aud": "sts.amazonaws.com"}}),
    "a namespace wildcard": _irsa(
        {"StringLike": {f"{ISSUER}:sub": "system:serviceaccount:kube-system:*", f"{ISSUER}:aud": "sts.amazonaws.com"}}
    ),
    "Null false": _irsa({"Null": {f"{ISSUER}:sub": "false"}, "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}}),
    "IfExists": _irsa({"StringEqualsIfExists": {f"{ISSUER}:sub": SUB, f"{ISSUER}:aud": "sts.amazonaws.com"}}),
    "ForAllValues": _irsa({"ForAllValues:StringEquals": {f"{ISSUER}:sub": SUB, f"{ISSUER}:aud": "sts.amazonaws.com"}}),
    "sts:AssumeRole* without conditions": _irsa(None, action="sts:AssumeRole*"),
    "sts:* in odd case": _irsa(None, action=["STS:*"]),
    "Principal *": _irsa(None, action="sts:AssumeRole", principal="*"),
    "Principal AWS *": _irsa(
        {"StringLike": {"aws:PrincipalArn": "*"}}, action="sts:AssumeRole", principal={"AWS": "*"}
    ),
    "another account's root": _irsa(None, "sts:AssumeRole", {"AWS": "arn:aws:iam::999988887777:root"}),
    "an account id alone": _irsa(None, "sts:AssumeRole", {"AWS": ["999988887777"]}),
    "pod identity with IfExists": _irsa(
        {
            "StringEqualsIfExists": {
                "aws:RequestTag/kubernetes-namespace": "kube-system",
                "aws:RequestTag/kubernetes-service-account": "lbc",
            }
        },
        action=["sts:AssumeRole", "sts:TagSession"],
        principal={"Service": "pods.eks.amazonaws.com"},
    ),
    "NotPrincipal": {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": OIDC}, "Action": "sts:AssumeRole"}]},
}

SCOPED_TRUSTS = {
    "StringEquals": _irsa({"StringEquals": {f"{ISSUER}:sub": SUB, f"{ISSUER}:aud": "sts.amazonaws.com"}}),
    # StringLike without a wildcard means what StringEquals means; condition keys are case-insensitive.
    "StringLike exact, keys in odd case": _irsa(
        {"StringLike": {f"{ISSUER.upper()}:SUB": [SUB], f"{ISSUER}:Aud": "sts.amazonaws.com"}}
    ),
    "a Deny that pins the subject": {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}},
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:*",
                "Condition": {"StringNotEquals": {f"{ISSUER}:sub": SUB}},
            },
        ]
    },
    "this account's root": _irsa(None, "sts:AssumeRole", {"AWS": "arn:aws:iam::111122223333:root"}),
    "a service": _irsa(None, "sts:AssumeRole", {"Service": "ec2.amazonaws.com"}),
    "an org-pinned everyone": _irsa(
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, action="sts:AssumeRole", principal={"AWS": "*"}
    ),
}


@pytest.mark.parametrize("case", sorted(WEAK_TRUSTS))
def test_weak_trust_policies_are_found(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _check(tmp_path, capsys, WEAK_TRUSTS[case], name="trust.json")
    assert _rules(found) == {"role-trust-scoped"}, found


@pytest.mark.parametrize("case", sorted(SCOPED_TRUSTS))
def test_scoped_trust_policies_pass(case: str) -> None:
    assert trust_findings(SCOPED_TRUSTS[case], account_id="111122223333") == []


# -- escalation without wildcards ---------------------------------------------------------------------------


def _allow(**statement: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Resource": "*", **statement}


ESCALATIONS = {
    "PassRole with RunInstances": [_allow(Action=["iam:PassRole", "ec2:RunInstances"])],
    "PassRole with CreateFunction, two statements": [
        _allow(Action="iam:PassRole", Resource="arn:aws:iam::111122223333:role/app"),
        _allow(Action="lambda:CreateFunction"),
    ],
    "CreatePolicyVersion": [_allow(Action="iam:CreatePolicyVersion", Resource="arn:aws:iam::111122223333:policy/x")],
    "AttachRolePolicy in odd case": [_allow(Action="IAM:attachrolepolicy")],
    "Attach*Policy": [_allow(Action=["iam:Attach*Policy"])],
    "PutUserPolicy with ?": [_allow(Action="iam:PutUse?Policy")],
    "UpdateAssumeRolePolicy": [_allow(Action="iam:UpdateAssumeRolePolicy")],
    "AssumeRole on *": [_allow(Action="sts:AssumeRole")],
    "AssumeRole on every role of an account": [
        _allow(Action="sts:AssumeRole", Resource="arn:aws:iam::111122223333:role/*")
    ],
    "NotResource": [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}],
    "NotAction": [{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}],
    "administrator": [_allow(Action="*")],
    "a Deny with a condition does not cancel": [
        _allow(Action="iam:CreateUser"),
        {
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ],
}
HARMLESS = {
    "the controller's own policy": controller_policy("v3.5.0")["Statement"],
    "a Deny that cancels the Allow": [
        _allow(Action=["iam:PassRole", "ec2:RunInstances", "s3:GetObject"]),
        {"Effect": "Deny", "Action": ["iam:PassRole"], "Resource": "*"},
    ],
    "AssumeRole on one role": [_allow(Action="sts:AssumeRole", Resource="arn:aws:iam::111122223333:role/reader")],
    "PassRole alone": [_allow(Action="iam:PassRole", Resource="arn:aws:iam::111122223333:role/app")],
    "service-linked roles": [_allow(Action="iam:CreateServiceLinkedRole")],
    "reads": [_allow(Action=["iam:Get*", "iam:List*", "s3:GetObject"])],
}


@pytest.mark.parametrize("case", sorted(ESCALATIONS))
def test_escalation_is_found_without_wildcards(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    statements = ESCALATIONS[case]
    document = {"Version": "2012-10-17", "Statement": statements[0] if len(statements) == 1 else statements}
    found = _check(tmp_path, capsys, document, name="policy.json")
    assert "iam-escalation" in _rules(found), found


@pytest.mark.parametrize("case", sorted(HARMLESS))
def test_harmless_policies_pass_the_escalation_judge(case: str) -> None:
    assert permission_findings(json.dumps({"Statement": HARMLESS[case]})) == []


def test_iam_wildcards_match_as_iam_does() -> None:
    assert matches("iam:Attach*Policy", "iam:AttachRolePolicy") and matches("IAM:ATTACH*", "iam:AttachUserPolicy")
    assert matches("iam:Put?olePolicy", "iam:PutRolePolicy") and not matches("iam:Put?olePolicy", "iam:PutRRolePolicy")
    assert not matches("iam:Attach", "iam:AttachRolePolicy")
    # ARNs match case-sensitively.
    assert not matches("arn:aws:iam::1:role/App", "arn:aws:iam::1:role/app", fold=False)


# -- the AWS managed policies snapshot ----------------------------------------------------------------------


def test_the_snapshot_names_its_source_and_date_and_judges_the_known_policies() -> None:
    assert "zoph-io/MAMIP" in managed_policies.source() and "2026-" in managed_policies.source()
    for name in ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSLambda_FullAccess"):
        document = managed_policies.managed_policy(name)
        assert document is not None and permission_findings(document), name
    harmless = ("ReadOnlyAccess", "AmazonS3ReadOnlyAccess", "service-role/AWSLambdaRole")
    for name in harmless:
        document = managed_policies.managed_policy(name)
        assert document is not None and permission_findings(document) == [], name


def test_the_snapshot_keeps_only_what_the_judge_reads() -> None:
    raw = json.loads(managed_policies.SNAPSHOT.read_text())
    actions = judged_actions()
    for name, statements in raw["policies"].items():
        for statement in statements:
            assert set(statement) <= {"Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}, name
            if "NotResource" in statement and statement["Effect"] == "Allow":
                continue  # kept whole: the judge flags it whatever its actions
            for pattern in statement.get("Action", []):
                assert any(matches(pattern, a) for a in (*actions, ANY_ACTION)), (name, pattern)


def test_the_generator_reduces_a_checkout_to_the_judged_statements(tmp_path: Path) -> None:
    checkout = tmp_path / "mamip"
    (checkout / "policies").mkdir(parents=True)
    listed = [{"PolicyName": "Mixed", "Path": "/service-role/"}, {"PolicyName": "Reader", "Path": "/"}]
    (checkout / "policies-list.json").write_text(json.dumps({"Policies": listed}))
    mixed = {
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "iam:PassRole"], "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
            {"Effect": "Allow", "Action": "ec2:CreateVpcEndpoint", "NotResource": "arn:aws:ec2:*:*:vpc-endpoint/*"},
        ]
    }
    reader = {"Statement": {"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}}
    for name, document in (("Mixed", mixed), ("Reader", reader)):
        (checkout / "policies" / name).write_text(json.dumps({"PolicyVersion": {"Document": document}}))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    subprocess.run([*git, "-C", str(checkout), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(checkout), "commit", "-qm", "snapshot"], check=True)
    snapshot = generate(checkout)
    assert snapshot["policies"] == {
        "Reader": [],
        "service-role/Mixed": [
            {"Effect": "Allow", "Resource": "*", "Action": ["iam:PassRole"]},
            # An Allow with NotResource grants everything else: kept whole, whatever its actions.
            {"Effect": "Allow", "NotResource": "arn:aws:ec2:*:*:vpc-endpoint/*", "Action": "ec2:CreateVpcEndpoint"},
        ],
    }
    assert snapshot["source"].startswith("github.com/zoph-io/MAMIP at ") and len(snapshot["date"]) == 10


# -- the controller's extra policies: stack file, plan CLI, component program ---------------------------------


def test_the_stack_refuses_every_powerful_managed_policy_in_one_message(tmp_path: Path) -> None:
    from albingress.components.model import ConfigError
    from albingress.stack_settings import parse_settings
    from albops.preview.runner import read_stack_file

    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:controller"]["iam"] = {
        "extraPolicyArns": [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/IAMFullAccess",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
            "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        ]
    }
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, stack="stage")
    (problem,) = raised.value.problems
    assert problem.key == "alb-ingress:controller.iam.extraPolicyArns"
    assert "2 extra policies give" in problem.message
    assert "IAMFullAccess grants privilege escalation" in problem.message
    assert "AWSLambda_FullAccess grants iam:PassRole" in problem.message
    assert "ReadOnlyAccess" not in problem.message and "AWSLambdaRole" not in problem.message
    assert "as of 2026-" in problem.message


def test_a_non_ascii_policy_name_is_refused() -> None:
    from albingress.components.model import ConfigError
    from albingress.stack_settings import parse_settings
    from albops.preview.runner import read_stack_file

    config = copy.deepcopy(read_stack_file("stage"))
    # A Cyrillic capital A (U+0410) in AdministratorAccess: \w takes it, IAM never does.
    config["alb-ingress:controller"]["iam"] = {"extraPolicyArns": ["arn:aws:iam::aws:policy/\u0410dministratorAccess"]}
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, stack="stage")
    assert "outside ASCII" in raised.value.problems[0].message


def _project(tmp_path: Path, arns: list[Any], facts: str | None) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    stage = yaml.safe_load((ROOT / "Pulumi.stage.yaml").read_text())
    stage["config"]["alb-ingress:controller"]["iam"] = {"extraPolicyArns": arns}
    (project / "Pulumi.stage.yaml").write_text(yaml.safe_dump(stage))
    if facts is not None:
        (project / "cloud-facts").mkdir()
        (project / "cloud-facts" / "stage.yaml").write_text(facts)
    return project


TEAM_FACTS = """
policies:
  arn:aws:iam::111122223333:policy/team-launcher:
    Statement:
      Effect: Allow
      Action: [iam:PassRole, EC2:RunInstances]
      Resource: "*"
  arn:aws:iam::111122223333:policy/team-admin:
    Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
  arn:aws:iam::111122223333:policy/team-reader:
    Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::team/*"}]
"""


def test_the_plan_reads_customer_managed_policies_and_refuses_them_together(tmp_path: Path) -> None:
    arns = [f"arn:aws:iam::111122223333:policy/team-{n}" for n in ("launcher", "reader", "admin")]
    project = _project(tmp_path, arns, TEAM_FACTS)
    proc = run_plan("--stack", "stage", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: Pulumi.stage.yaml:")
    assert "alb-ingress:controller.iam.extraPolicyArns" in proc.stderr
    assert "2 extra policies give" in proc.stderr
    assert "team-launcher grants iam:PassRole (on *) with ec2:RunInstances" in proc.stderr
    assert "team-admin grants administrator power" in proc.stderr and "team-reader" not in proc.stderr
    assert "iam:GetPolicyVersion" in proc.stderr


def test_the_plan_attaches_a_harmless_customer_policy_and_says_what_it_assumed(tmp_path: Path) -> None:
    arns: list[Any] = [
        "arn:aws:iam::111122223333:policy/team-reader",
        "arn:aws:iam::111122223333:policy/undescribed",
        {"secure": "v1:AAAABBBB"},
    ]
    project = _project(tmp_path, arns, TEAM_FACTS)
    proc = run_plan("--stack", "stage", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert "assumed policy arn:aws:iam::111122223333:policy/undescribed exists" in said
    assert "(the stand-in for an encrypted value;" in said and "team-reader exists" not in said


def test_a_policy_of_another_account_or_none_fails_the_read_as_aws_would(tmp_path: Path) -> None:
    from albops.preview.cloud import CloudAnswers

    answers = CloudAnswers("us-west-2", preview=True, facts=CloudFacts())
    assert "AccessDenied" in answers._policy("arn:aws:iam::999988887777:policy/x")[1][0][1]
    assert "NoSuchEntity" in answers._policy("arn:aws:iam::aws:policy/NoSuchManagedPolicy")[1][0][1]
    found, errors = answers._policy("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
    assert errors == [] and found["path"] == "/service-role/" and found["name"] == "AWSLambdaRole"


# The mock cloud's cluster "platform" (what eks:DescribeCluster answers): the component compares the issuer a
# program passes with it, so the program passes that cluster's own.
PLATFORM_ISSUER = (
    CloudAnswers("us-west-2", preview=False)._cluster("platform")["identities"][0]["oidcs"][0]["issuer"]
).removeprefix("https://")
PLATFORM_OIDC = f"arn:aws:iam::111122223333:oidc-provider/{PLATFORM_ISSUER}"


def _component(tmp_path: Path, arns: list[str]) -> Path:
    tmp_path.mkdir(parents=True)
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    body = f"""
        import pulumi
        import pulumi_aws as aws
        import pulumi_kubernetes as k8s
        from albingress import AwsLoadBalancerController

        aws_provider = aws.Provider("aws", region="us-west-2")
        kube = k8s.Provider("kube", kubeconfig="{{}}")
        opts = pulumi.ResourceOptions(providers={{"aws": aws_provider, "kubernetes": kube}})
        ISSUER = "{PLATFORM_ISSUER}"
        AwsLoadBalancerController("lbc", {{"cluster_name": "platform", "region": "us-west-2",
            "vpc_id": "vpc-0123456789abcdef0", "oidc_provider_arn": "{PLATFORM_OIDC}", "oidc_issuer": ISSUER,
            "iam": {{"extra_policy_arns": {arns!r}}}}}, opts=opts)
        """
    (tmp_path / "__main__.py").write_text(textwrap.dedent(body))
    return tmp_path


def _facts() -> CloudFacts:
    return CloudFacts(policies=yaml.safe_load(TEAM_FACTS)["policies"])


def test_the_component_refuses_managed_and_customer_policies_as_the_stack_does(tmp_path: Path) -> None:
    managed = ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/AdministratorAccess"]
    with pytest.raises(albingress.ControllerInputError) as raised:
        run_program({"aws:region": "us-west-2"}, "dev", preview=True, project_dir=_component(tmp_path / "a", managed))
    message = str(raised.value)
    assert "args.iam.extra_policy_arns: 2 extra policies give" in message
    assert "PowerUserAccess statement 1 is an Allow with NotAction" in message and "AdministratorAccess" in message

    customer = ["arn:aws:iam::111122223333:policy/team-launcher", "arn:aws:iam::111122223333:policy/team-reader"]
    with pytest.raises(albingress.ControllerInputError) as raised:
        run_program(
            {"aws:region": "us-west-2"},
            "dev",
            preview=True,
            project_dir=_component(tmp_path / "b", customer),
            facts=_facts(),
        )
    assert "1 extra policy gives" in str(raised.value) and "team-launcher" in str(raised.value)
    result = run_program(
        {"aws:region": "us-west-2"},
        "dev",
        preview=False,
        project_dir=_component(tmp_path / "c", customer[1:]),
        facts=_facts(),
    )
    attached = {r.inputs["policyArn"] for r in result.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert customer[1] in attached
    assert any(token == "aws:iam/getPolicy:getPolicy" for token, _ in result.calls)


def test_ssl_redirect_is_group_wide_and_needs_an_https_listener(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One member's ssl-redirect redirects the group's HTTP listeners; a port that is no HTTPS listener of the
    group stops it (pkg/ingress/model_builder.go, buildSSLRedirectConfig)."""
    listen = {ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]', ANN + "certificate-arn": CERT}
    carrier = _ingress(listen)
    other = _ingress({**listen, ANN + "ssl-redirect": None})
    other["metadata"]["name"] = "other"
    # Its own path, so the two members do not claim one route (group-routes).
    other["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/other"
    assert _check(tmp_path, capsys, carrier, other) == []
    # spec.tls alone opens no HTTPS listener, so ssl-redirect 443 points at nothing.
    found = _check(tmp_path, capsys, _ingress({}, tls=True))
    assert _rules(found) == {"alb-https", "alb-ssl-redirect"}
    assert any("not an HTTPS listen port of its group (listeners: HTTP 80)" in v["message"] for v in found)


def test_check_reads_what_the_aws_cli_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``aws iam get-policy-version`` and ``aws iam get-role`` output, checked as it is."""
    version = {"PolicyVersion": {"VersionId": "v2", "Document": {"Statement": [_allow(Action="iam:PutRolePolicy")]}}}
    assert _rules(_check(tmp_path, capsys, version, name="version.json")) == {"iam-escalation"}
    role = {"Role": {"RoleName": "r", "AssumeRolePolicyDocument": WEAK_TRUSTS["Principal *"]}}
    assert _rules(_check(tmp_path, capsys, role, name="role.json")) == {"role-trust-scoped"}


def test_a_roles_inline_and_managed_policies_are_judged() -> None:
    from albingress.policies.guardrails import evaluate
    from albingress.policies.review import Resource

    role = Resource(
        "aws:iam/role:Role",
        "r",
        {
            "assumeRolePolicy": json.dumps(SCOPED_TRUSTS["a service"]),
            "inlinePolicies": [{"name": "x", "policy": json.dumps({"Statement": [_allow(Action="iam:CreateUser")]})}],
            "managedPolicyArns": ["arn:aws:iam::aws:policy/IAMFullAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"],
        },
    )
    found = evaluate([role])
    assert found[0].resource == "Role r inline policy x" and {v.resource for v in found[1:]} == {"Role r"}
    assert all("IAMFullAccess" in v.message and "as of 2026-" in v.message for v in found[1:])
    assert not any("ReadOnlyAccess" in v.message for v in found)


def test_a_roles_documents_of_the_stack_are_judged_together() -> None:
    """IAM grants a role the union of its policies: iam:PassRole in a RolePolicy and ec2:RunInstances in a policy of
    the stack attached to it (auto-named, as Pulumi names them: <logical>-<7 hex>, and the ARN AWS gives) escalate
    together, said once for the role; a role with a permissions boundary, another role, or an attachment of a
    policy AWS manages alone (each judged by itself) are not."""
    from albingress.policies.guardrails import evaluate
    from albingress.policies.review import Resource

    trust = json.dumps(SCOPED_TRUSTS["a service"])
    role = Resource("aws:iam/role:Role", "app", {"assumeRolePolicy": trust})
    other = Resource("aws:iam/role:Role", "web", {"assumeRolePolicy": trust})
    passrole = Resource(
        "aws:iam/rolePolicy:RolePolicy",
        "pass",
        {"role": "app-1a2b3c4", "policy": json.dumps({"Statement": [_allow(Action="iam:PassRole")]})},
    )
    launch = Resource(
        "aws:iam/policy:Policy", "launch", {"policy": json.dumps({"Statement": [_allow(Action="ec2:RunInstances")]})}
    )
    attach = Resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "attach",
        {"role": "app-1a2b3c4", "policyArn": "arn:aws:iam::111122223333:policy/launch-9f8e7d6"},
    )
    found = [v for v in evaluate([role, other, passrole, launch, attach]) if v.rule == "iam-escalation"]
    assert [v.resource for v in found] == ["Role app (its 2 policies together)"], found
    assert "iam:PassRole (on *) with ec2:RunInstances" in found[0].message, found[0].message
    elsewhere = Resource(attach.type, attach.name, {**attach.props, "role": "web-5d6e7f8"})
    assert not [v for v in evaluate([role, other, passrole, launch, elsewhere]) if v.rule == "iam-escalation"]
    bounded = Resource(role.type, role.name, {**role.props, "permissionsBoundary": "arn:aws:iam::1:policy/b"})
    assert not [v for v in evaluate([bounded, passrole, launch, attach]) if v.rule == "iam-escalation"]
    # Through PolicyAttachment's roles, and the role's own inlinePolicies, as well.
    shared = Resource(
        "aws:iam/policyAttachment:PolicyAttachment",
        "shared",
        {"roles": ["app-1a2b3c4"], "policyArn": "arn:aws:iam::111122223333:policy/launch-9f8e7d6"},
    )
    inline = [{"name": "p", "policy": passrole.props["policy"]}]
    own = Resource(role.type, role.name, {**role.props, "inlinePolicies": inline})
    found = [v for v in evaluate([own, launch, shared]) if v.rule == "iam-escalation"]
    assert [v.resource for v in found] == ["Role app (its 2 policies together)"], found


def test_a_roles_documents_together_name_what_is_theirs() -> None:
    """An unrelated finding of one document (AWSCodeCommitPowerUser's IAM writes) does not hide PassRole in one
    RolePolicy with RunInstances in another; the stack's own policy named like an AWS managed one is not taken for
    it (the ARN arn:aws:iam::aws:policy/... is AWS's); a RolePolicy naming a role's written name (app-0000000)
    is that role's, not the auto-named role app's."""
    from albingress.policies.guardrails import evaluate
    from albingress.policies.review import Resource

    trust = json.dumps(SCOPED_TRUSTS["a service"])

    def policy(action: str) -> str:
        return json.dumps({"Statement": [_allow(Action=action)]})

    def escalations(resources: list[Resource]) -> list[str]:
        return sorted(v.resource for v in evaluate(resources) if v.rule == "iam-escalation")

    power = ["arn:aws:iam::aws:policy/AWSCodeCommitPowerUser"]
    role = Resource("aws:iam/role:Role", "app", {"assumeRolePolicy": trust, "managedPolicyArns": power})
    passrole = Resource("aws:iam/rolePolicy:RolePolicy", "p", {"role": "app-1a2b3c4", "policy": policy("iam:PassRole")})
    launch = Resource(
        "aws:iam/rolePolicy:RolePolicy", "l", {"role": "app-1a2b3c4", "policy": policy("ec2:RunInstances")}
    )
    assert escalations([role, passrole, launch]) == ["Role app", "Role app (its 3 policies together)"]
    sfn = ["arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess"]
    holder = Resource("aws:iam/role:Role", "app", {"assumeRolePolicy": trust, "managedPolicyArns": sfn})
    look_alike = Resource(
        "aws:iam/policy:Policy", "x", {"name": "AWSStepFunctionsFullAccess", "policy": policy("s3:GetObject")}
    )
    assert escalations([holder, passrole, look_alike]) == ["Role app (its 2 policies together)"]
    auto = Resource(
        "aws:iam/role:Role",
        "app",
        {"assumeRolePolicy": trust, "inlinePolicies": [{"name": "r", "policy": policy("ec2:RunInstances")}]},
    )
    named = Resource("aws:iam/role:Role", "other", {"assumeRolePolicy": trust, "name": "app-0000000"})
    theirs = Resource("aws:iam/rolePolicy:RolePolicy", "p", {"role": "app-0000000", "policy": policy("iam:PassRole")})
    assert escalations([auto, named, theirs]) == []


def test_a_policy_the_cloud_does_not_have_is_one_line_naming_the_key(tmp_path: Path) -> None:
    """An AWS managed name the snapshot lacks is read at preview; NoSuchEntity is the answer, said in one line."""
    project = _project(tmp_path, ["arn:aws:iam::aws:policy/NoSuchManagedPolicy"], None)
    proc = run_plan("--stack", "stage", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "NoSuchEntity" in proc.stderr and "fix alb-ingress:controller.iam.extraPolicyArns" in proc.stderr


def test_a_prestop_without_a_readable_sleep_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})
    computed = _workload("Deployment", {"exec": {"command": ["/bin/sh", "-c", "sleep $((60))"]}})
    found = _check(tmp_path, capsys, ingress, _service(), computed)
    assert "the rest could not be read" in found[0]["message"]
    bare = _workload("Deployment", {})
    del bare["spec"]["template"]["spec"]["containers"][0]["lifecycle"]
    assert "(no preStop hook)" in _check(tmp_path, capsys, ingress, _service(), bare)[0]["message"]


def test_an_ingress_wide_target_type_is_one_finding_however_many_backends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT, ANN + "target-type": None})
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    api = {"service": {"name": "api", "port": {"number": 80}}}
    paths.append({"path": "/api", "pathType": "Prefix", "backend": api})
    found = _check(tmp_path, capsys, ingress)
    assert [(v["rule"], v["resource"]) for v in found] == [("alb-target-type-ip", "Ingress team/web")]
    assert "target-type instance, from the controller's default" in found[0]["message"]


def test_the_plan_refuses_powerful_managed_policies_before_anything_runs(tmp_path: Path) -> None:
    arns = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/job-function/SystemAdministrator"]
    project = _project(tmp_path, arns, None)
    proc = run_plan("--stack", "stage", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "alb-ingress:controller.iam.extraPolicyArns" in proc.stderr and "2 extra policies give" in proc.stderr
    assert "AdministratorAccess grants administrator power" in proc.stderr
    assert "SystemAdministrator grants IAM write actions" in proc.stderr
