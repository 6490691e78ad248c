"""Hostile inputs around the install's own objects, ``--gateway`` and ALB groups: each expectation by hand.

Sources: the ingress-nginx chart (controller-v1.15.1) names the controller's ConfigMap and Service both
``ingress-nginx-controller`` in the release namespace; the controller v3.5.0 merges ``ssl-redirect`` over every
member of an IngressGroup (pkg/ingress/model_build_listener.go / model_builder.go).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.__main__ import main

CHART_LABELS = (
    "{app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/instance: ingress-nginx, "
    "app.kubernetes.io/component: controller}"
)


def _migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *argv: str) -> tuple[int, str, list[Any]]:
    path = tmp_path / "in.yaml"
    path.write_text(text)
    code = main(["migrate", str(path), "--group", "g", *argv])
    captured = capsys.readouterr()
    return code, captured.err, [d for d in yaml.safe_load_all(captured.out) if d]


INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: web}
spec:
  ingressClassName: nginx
  rules:
  - host: app.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}]}
"""


def test_the_chart_configmap_beside_its_same_named_service_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The official AWS deploy.yaml shape: the Service does not hide the ConfigMap of the same name."""
    text = f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: nginx, labels: {CHART_LABELS}}}
spec: {{controller: k8s.io/ingress-nginx}}
---
apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
  labels: {CHART_LABELS}
  annotations: {{service.beta.kubernetes.io/aws-load-balancer-type: nlb}}
spec: {{type: LoadBalancer, ports: [{{name: http, port: 80}}]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: ingress-nginx-controller, namespace: ingress-nginx}}
data: {{global-auth-url: "http://auth.example.com/check"}}
---
{INGRESS}"""
    code, err, out = _migrate(tmp_path, capsys, text)
    assert code == 3
    assert out == []
    assert "global-auth-url" in err


def test_an_ingressclass_labelled_as_the_charts_is_ingress_nginx_whatever_its_controller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: public, labels: {{app.kubernetes.io/name: ingress-nginx}}}}
spec: {{controller: example.com/ingress-nginx-public}}
---
{INGRESS.replace("ingressClassName: nginx", "ingressClassName: public")}"""
    code, err, out = _migrate(tmp_path, capsys, text)
    assert code == 0
    assert "not ingress-nginx" not in err
    ingresses = [d for d in out if d["kind"] == "Ingress"]
    assert [d["spec"]["ingressClassName"] for d in ingresses] == ["alb"]


def test_a_class_of_a_chart_labelled_service_instance_is_converted_with_that_services_scheme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No Deployment: the class's instance label names the chart-labelled Service, type external (the LBC,
    internal by default), so its Ingress is converted, internal."""
    text = f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: private, labels: {{app.kubernetes.io/instance: priv}}}}
spec: {{controller: k8s.io/ingress-nginx-internal}}
---
apiVersion: v1
kind: Service
metadata:
  name: priv-controller
  namespace: ingress-nginx
  annotations: {{service.beta.kubernetes.io/aws-load-balancer-type: external}}
  labels:
    {{app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller, app.kubernetes.io/instance: priv}}
spec: {{type: LoadBalancer, ports: [{{name: http, port: 80}}]}}
---
{INGRESS.replace("ingressClassName: nginx", "ingressClassName: private")}"""
    code, _, out = _migrate(tmp_path, capsys, text)
    assert code == 0
    ingresses = [d for d in out if d["kind"] == "Ingress"]
    assert [d["metadata"]["annotations"]["alb.ingress.kubernetes.io/scheme"] for d in ingresses] == ["internal"]


def _controller(name: str, namespace: str, configmap: str) -> str:
    """A controller Deployment with the default --controller-class (k8s.io/ingress-nginx)."""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: [/nginx-ingress-controller, --ingress-class={name}, --configmap={namespace}/{configmap}]
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
  annotations: {{service.beta.kubernetes.io/aws-load-balancer-type: {"nlb" if name == "pub" else "external"}}}
spec: {{type: LoadBalancer, selector: {{app: {name}}}, ports: [{{name: http, port: 80}}]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: {configmap}, namespace: {namespace}}}
data: {{}}
"""


TWO_INSTALLS = f"""
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {{name: nginx}}
spec: {{controller: k8s.io/ingress-nginx}}
---
{_controller("pub", "public", "cm")}
---
{_controller("priv", "private", "cm")}
---
{INGRESS}"""


def test_two_installs_of_one_class_with_different_schemes_make_it_internal_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pub's Service is the in-tree provider's NLB (internet-facing), priv's the LBC's (internal by default);
    both Deployments run the default --controller-class, so both serve IngressClass nginx."""
    code, err, out = _migrate(tmp_path, capsys, TWO_INSTALLS)
    ingress = next(d for d in out if d["kind"] == "Ingress")
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert code == 1
    line = next(x for x in err.splitlines() if "[not-converted]" in x and "different schemes" in x)
    assert "Deployment public/pub" in line and "Deployment private/priv" in line
    assert "--class-scheme nginx=" in line
    code, err, out = _migrate(tmp_path, capsys, TWO_INSTALLS, "--class-scheme", "nginx=internet-facing")
    ingress = next(d for d in out if d["kind"] == "Ingress")
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert "different schemes" not in err


def test_two_installs_of_one_class_with_different_configmaps_hold_it_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        TWO_INSTALLS.replace("--configmap=private/cm", "--configmap=private/other")
        + """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: public}
data: {}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: private}
data: {whitelist-source-range: 10.0.0.0/8}
"""
    )
    code, err, out = _migrate(tmp_path, capsys, text, "--class-scheme", "nginx=internal")
    assert (code, out) == (3, [])
    assert "private/other" in err and "public/cm" in err and "--controller-config" in err


def test_one_class_given_two_schemes_is_refused_naming_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("--class-scheme", "nginx=internal", "--class-scheme", "nginx=internet-facing")
    code, err, out = _migrate(tmp_path, capsys, INGRESS, *argv)
    assert (code, out) == (2, [])
    assert "nginx=internal" in err and "nginx=internet-facing" in err
    code, _, out = _migrate(
        tmp_path, capsys, INGRESS, "--class-scheme", "nginx=internal", "--class-scheme", "nginx=internal"
    )
    assert code == 0


ALLOW_LISTED = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a
  namespace: web
  annotations: {nginx.ingress.kubernetes.io/whitelist-source-range: 1.2.3.4}
spec:
  ingressClassName: nginx
  rules:
  - host: h.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}
"""


def test_with_an_existing_gateway_the_group_line_never_claims_inbound_cidrs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--gateway writes no LoadBalancerConfiguration: the allow-list is lost, and the group's own line says so."""
    argv = ("--to", "gateway", "--gateway", "infra/gw", "--report-format", "json")
    code, err, out = _migrate(tmp_path, capsys, ALLOW_LISTED, *argv)
    assert (code, out) == (3, [])
    report = json.loads(err)
    lines = [f for g in report["groups"] for f in g["findings"]]
    assert [f["status"] for f in lines] == ["lost-protection"]
    assert "inbound-cidrs on every" not in json.dumps(report)
    assert "infra/gw" in lines[0]["detail"] and "1.2.3.4/32" in lines[0]["detail"]


def test_a_redirecting_ingress_attaches_only_to_the_https_port_of_an_existing_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """spec.tls without ssl-redirect: false redirects in ingress-nginx; the controller skips listeners whose
    port differs from the parentRef's (v3.5.0 route_listener_mapper.go), so port 443 keeps it off plain HTTP."""
    text = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: web}
spec:
  ingressClassName: nginx
  tls: [{hosts: [h.example.com], secretName: h-tls}]
  rules:
  - host: h.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: svc, port: {number: 80}}}}]}
"""
    cert = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    argv = ("--to", "gateway", "--gateway", "infra/gw", "--certificate-arn", cert)
    _, _, out = _migrate(tmp_path, capsys, text, *argv)
    routes = [d for d in out if d["kind"] == "HTTPRoute"]
    assert [r["spec"]["parentRefs"] for r in routes] == [[{"name": "gw", "namespace": "infra", "port": 443}]]
    plain = text.replace("  tls: [{hosts: [h.example.com], secretName: h-tls}]\n", "")
    _, _, out = _migrate(tmp_path, capsys, plain, "--to", "gateway", "--gateway", "infra/gw")
    routes = [d for d in out if d["kind"] == "HTTPRoute"]
    assert [r["spec"]["parentRefs"] for r in routes] == [[{"name": "gw", "namespace": "infra"}]]


def test_an_existing_gateway_takes_one_scheme_so_two_hold_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private = (
        INGRESS.replace("name: app,", "name: priv,")
        .replace("ingressClassName: nginx", "ingressClassName: inner")
        .replace("app.example", "i.example")
    )
    text = f"{INGRESS}\n---\n{private}"
    argv = ("--nginx-class", "inner", "--class-scheme", "nginx=internet-facing", "--class-scheme", "inner=internal")
    code, err, out = _migrate(tmp_path, capsys, text, *argv, "--to", "gateway", "--gateway", "infra/gw")
    assert (code, out) == (3, [])
    lines = [x for x in err.splitlines() if "[lost-protection]" in x]
    assert len(lines) == 2
    assert all("internal (web/priv)" in x and "internet-facing (web/app)" in x for x in lines)
    assert all("once per class" in x and "--gateway" in x for x in lines)
    code, err, out = _migrate(
        tmp_path, capsys, INGRESS, "--to", "gateway", "--gateway", "infra/gw", "--scheme", "internal"
    )
    assert code in (0, 1) and out
    assert "Gateway infra/gw, which must be internal" in err


def _existing_alb(redirect: bool) -> str:
    extra = (
        "\n    alb.ingress.kubernetes.io/ssl-redirect: '443'"
        '\n    alb.ingress.kubernetes.io/listen-ports: \'[{"HTTP":80},{"HTTPS":443}]\''
        "\n    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:eu-west-1:111122223333:certificate/"
        "0a1b2c3d-1111-2222-3333-444455556667"
        if redirect
        else ""
    )
    return f"""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: existing
  namespace: web
  annotations:
    alb.ingress.kubernetes.io/group.name: g{extra}
spec:
  ingressClassName: alb
  rules:
  - host: old.example.com
    http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: old, port: {{number: 80}}}}}}}}]}}
"""


def test_a_plain_http_ingress_keeps_out_of_a_group_an_existing_alb_ingress_redirects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err, out = _migrate(tmp_path, capsys, _existing_alb(True) + "---\n" + INGRESS)
    groups = {d["metadata"]["name"]: d["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] for d in out}
    assert groups == {"existing": "g", "app": "g-http"}
    assert code == 0 and "web/existing" in err
    code, _, out = _migrate(tmp_path, capsys, _existing_alb(False) + "---\n" + INGRESS)
    groups = {d["metadata"]["name"]: d["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] for d in out}
    assert (code, groups) == (0, {"existing": "g", "app": "g"})


def test_a_redirecting_ingress_never_joins_a_group_whose_existing_members_serve_plain_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = INGRESS.replace("  rules:", "  tls: [{hosts: [app.example.com]}]\n  rules:")
    cert = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    code, err, out = _migrate(tmp_path, capsys, _existing_alb(False) + "---\n" + tls, "--certificate-arn", cert)
    assert (code, out) == (3, [])
    line = next(x for x in err.splitlines() if "web/existing" in x and "[not-converted]" in x)
    assert "redirect" in line and "--group" in line
    code, _, out = _migrate(tmp_path, capsys, _existing_alb(True) + "---\n" + tls, "--certificate-arn", cert)
    assert code in (0, 1) and len(out) == 2


SHARED_CLASS = """
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: shared}
spec:
  controller: ingress.k8s.aws/alb
  parameters: {apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: shared}
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: IngressClassParams
metadata: {name: shared}
spec: {group: {name: g}}
---
"""


def test_an_existing_alb_ingress_joins_the_group_its_class_params_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The group of an Ingress's IngressClassParams wins over its group.name (v3.5.0 group_loader.go
    loadGroupID): an existing redirecting Ingress of such a class is in group g with no group.name of its own,
    and the converted plain-HTTP app keeps out of it, as it does of one that names g."""
    existing = _existing_alb(True).replace("  ingressClassName: alb", "  ingressClassName: shared")
    existing = existing.replace("    alb.ingress.kubernetes.io/group.name: g\n", "")
    assert "group.name" not in existing and "ingressClassName: shared" in existing
    code, err, out = _migrate(tmp_path, capsys, SHARED_CLASS + existing + "---\n" + INGRESS)
    ingresses = {d["metadata"]["name"]: d for d in out if d["kind"] == "Ingress"}
    assert code == 0 and "web/existing" in err, err
    assert ingresses["app"]["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "g-http"


@pytest.mark.parametrize("port", ["443", "https"])
def test_an_existing_members_class_params_redirect_counts_for_the_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    """The params' sslRedirectPort is the member's ssl-redirect (v3.5.0 buildSSLRedirectConfig reads it before the
    annotation): a plain-HTTP app keeps out of the group. One Go's ParseInt refuses turns the whole group's
    redirect off, so a converted app whose HTTP ingress-nginx redirected is held back."""
    params = SHARED_CLASS.replace(
        "spec: {group: {name: g}}", f"spec: {{group: {{name: g}}, sslRedirectPort: '{port}'}}"
    )
    existing = _existing_alb(True).replace("  ingressClassName: alb", "  ingressClassName: shared")
    existing = existing.replace("    alb.ingress.kubernetes.io/ssl-redirect: '443'\n", "")
    existing = existing.replace("    alb.ingress.kubernetes.io/group.name: g\n", "")
    assert "ssl-redirect" not in existing and "group.name" not in existing
    app = INGRESS.replace("  rules:", "  tls: [{hosts: [app.example.com]}]\n  rules:") if port == "https" else INGRESS
    cert = ("--certificate-arn", "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666")
    code, err, out = _migrate(tmp_path, capsys, params + existing + "---\n" + app, *cert)
    if port == "443":
        app_out = next(d for d in out if d["kind"] == "Ingress" and d["metadata"]["name"] == "app")
        assert code == 0 and app_out["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "g-http", err
    else:
        assert (code, out) == (3, []), err
        assert (
            "whose ssl-redirect port (its class params' sslRedirectPort, or its annotation) is no whole number" in err
        )


PARAMS_MEMBER = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: existing
  namespace: web
  annotations: {ANNOTATIONS}
spec:
  ingressClassName: {CLASS}
  rules:
  - host: app.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}]}
---
"""
GUARDED = INGRESS.replace(
    "metadata: {name: app, namespace: web}",
    (
        "metadata:\n  name: app\n  namespace: web\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8"
    ),
).replace("path: /,", "path: /admin,")


def test_a_members_class_params_are_read_as_the_controller_reads_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input member of a class with params is weighed with the params' settings over its annotations: it
    listens on HTTPS 80 (its listen-ports) in group g (its params), so a converted HTTP 80 app conflicts; with a
    certificate in its params and no listen-ports it is on HTTPS 443 only (computeIngressListenPorts), where the
    allow-listed app's HTTP rules never meet its '/'; an Ingress of another controller's class with a leftover
    group.name and listen-ports is no member at all."""
    cert = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    https80 = (
        "{alb.ingress.kubernetes.io/listen-ports: '[{\"HTTPS\":80}]', alb.ingress.kubernetes.io/certificate-arn: "
        + cert
        + "}"
    )
    member = PARAMS_MEMBER.replace("{ANNOTATIONS}", https80).replace("{CLASS}", "shared")
    code, err, out = _migrate(tmp_path, capsys, SHARED_CLASS + member + INGRESS)
    assert (code, out) == (3, []), err
    assert "port 80 protocol 'HTTP' here but 'HTTPS' in Ingress web/existing" in err, err
    with_cert = SHARED_CLASS.replace(
        "spec: {group: {name: g}}", f"spec: {{group: {{name: g}}, certificateArn: [{cert}]}}"
    )
    member = (
        PARAMS_MEMBER.replace("{ANNOTATIONS}", "{}").replace("{CLASS}", "shared").replace("name: existing", "name: aaa")
    )
    code, err, out = _migrate(tmp_path, capsys, with_cert + member + GUARDED)
    assert code in (0, 1) and out, err
    traefik = (
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: traefik}\n"
        "spec: {controller: traefik.io/ingress-controller}\n---\n"
    )
    leftover = "{alb.ingress.kubernetes.io/group.name: g, alb.ingress.kubernetes.io/listen-ports: '[{\"HTTPS\":80}]'}"
    member = PARAMS_MEMBER.replace("{ANNOTATIONS}", leftover).replace("{CLASS}", "traefik")
    code, err, out = _migrate(tmp_path, capsys, traefik + member + INGRESS)
    assert code in (0, 1) and out, err


def test_class_params_the_api_server_refuses_are_bad_input_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An input ALB Ingress's IngressClassParams with a certificateArn that is no list (the CRD's schema refuses
    it) is read where the group's quotas are counted: exit 2 naming the object and the field, nothing written."""
    bad = SHARED_CLASS.replace("spec: {group: {name: g}}", "spec: {group: {name: g}, certificateArn: 'arn:x'}")
    existing = _existing_alb(False).replace("  ingressClassName: alb", "  ingressClassName: shared")
    code, err, out = _migrate(tmp_path, capsys, bad + existing + "---\n" + INGRESS)
    assert (code, out) == (2, []), err
    assert err.startswith("error: the IngressClassParams of Ingress web/existing: spec.certificateArn 'arn:x' is not")
    assert "Traceback" not in err and "fix it in the input" in err


# --- fact-check fixes (issue 22) ---------------------------------------------------------------------------


def _bare_controller(args: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "controller",
                            "image": "registry.k8s.io/ingress-nginx/controller:v1.15.1",
                            "args": args,
                        }
                    ]
                }
            }
        },
    }


@pytest.mark.parametrize(
    "flag",
    # flags.Bool of controller-v1.15.1 pkg/flags/flags.go, and klog v2.140.0's Go flag booleans (InitFlags).
    ["update-status", "disable-catch-all", "enable-metrics", "report-status-classes", "deep-inspect", "logtostderr"],
)
def test_a_bare_boolean_flag_never_takes_the_next_word(flag: str) -> None:
    """pflag gives a boolean flag NoOptDefVal "true": ``--update-status word`` leaves word a positional argument."""
    from albops.migrate.install import controller_args

    flags = controller_args(
        _bare_controller(["/nginx-ingress-controller", f"--{flag}", "stray", "--ingress-class", "b"])
    )
    assert flags is not None
    assert flags[flag] == "true" and flags["ingress-class"] == "b"


def test_no_configmap_flag_means_built_in_defaults_not_the_chart_configmap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """controller-v1.15.1 pkg/flags/flags.go: --configmap defaults to "" and store.go reads only the ConfigMap it
    names. A controller without the flag does not run with the chart-named ConfigMap beside it: its
    proxy-read-timeout (600) is not what served the Ingress, and the report says so."""
    controller = yaml.safe_dump(_bare_controller(["/nginx-ingress-controller", "--ingress-class=nginx"]))
    text = f"""{controller}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: ingress-nginx-controller, namespace: ingress-nginx}}
data: {{proxy-read-timeout: "600"}}
---
{INGRESS}"""
    _, err, out = _migrate(tmp_path, capsys, text, "--report", str(tmp_path / "r.json"))
    ingress = next(d for d in out if d["kind"] == "Ingress")
    attributes = ingress["metadata"]["annotations"].get("alb.ingress.kubernetes.io/load-balancer-attributes", "")
    assert "idle_timeout.timeout_seconds=600" not in attributes, err
    findings = json.loads((tmp_path / "r.json").read_text())["findings"]
    notes = [f["detail"] for f in findings if f["annotation"] == "class nginx"]
    assert any("Deployment ingress-nginx/ingress-nginx-controller has no --configmap" in d for d in notes), notes
    # With the chart's flag it reads the ConfigMap: 600 s becomes the idle timeout.
    named = controller.replace(
        "--ingress-class=nginx", "--ingress-class=nginx\n          - --configmap=ingress-nginx/ingress-nginx-controller"
    )
    _, err, out = _migrate(tmp_path, capsys, text.replace(controller, named))
    ingress = next(d for d in out if d["kind"] == "Ingress")
    attributes = ingress["metadata"]["annotations"].get("alb.ingress.kubernetes.io/load-balancer-attributes", "")
    assert "idle_timeout.timeout_seconds=600" in attributes, err
