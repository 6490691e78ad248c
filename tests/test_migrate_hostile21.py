"""Hostile inputs of the second review of ``albops migrate`` (issue 21), each written here by hand: the install's
own objects in the wrong shape, port numbers out of range, bad class names and certificate ARNs, hosts over the
ALB's condition-value limit on the Gateway side.

Expectations come from the sources: the API server (k8s.io/kubernetes pkg/apis/core/validation: Service ports a
list, container args/command lists of strings, ValidatePortNumOrName 1..65535, IngressClass names DNS
subdomains), the controller v3.5.0 (pkg/annotations/parser.go splitCommaSeparatedString for certificate-arn) and
the ELB API (128 characters per condition value).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from albops.__main__ import main

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: a.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: PORT}}}}]}
"""


def _migrate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    source = tmp_path / "in.yaml"
    source.write_text(text)
    code = main(["migrate", str(source), *args])
    out, err = capsys.readouterr()
    return code, out, err


# 1. The install's objects migrate reads facts from: a wrong shape is exit 2, never "no flags".

INSTALL_SHAPES = {
    "args-string": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, namespace: ingress-nginx}\n"
        "spec: {template: {spec: {containers: [{name: c, args: '/nginx-ingress-controller "
        "--enable-ssl-passthrough'}]}}}\n",
        "(Deployment ingress-nginx/c): spec.template.spec.containers[0].args must be a list of text",
    ),
    "command-item-number": (
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: c, namespace: ingress-nginx}\n"
        "spec: {template: {spec: {containers: [{name: c, command: [/nginx-ingress-controller, 7]}]}}}\n",
        "(DaemonSet ingress-nginx/c): spec.template.spec.containers[0].command[1] must be text",
    ),
    "env-mapping": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, namespace: ingress-nginx}\n"
        "spec: {template: {spec: {containers: [{name: c, env: {POD_NAMESPACE: x}}]}}}\n",
        "spec.template.spec.containers[0].env must be a list of name/value mappings",
    ),
    "service-ports-mapping": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\n"
        "spec: {type: LoadBalancer, ports: {https: {port: 443}}}\n",
        "(Service ingress-nginx/ingress-nginx-controller): spec.ports must be a list, not a mapping",
    ),
    "service-selector-list": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: ingress-nginx}\n"
        "spec: {selector: [a], ports: [{port: 80}]}\n",
        "spec.selector must be a mapping, not a list",
    ),
    "service-annotations-list": (
        "apiVersion: v1\nkind: Service\nmetadata: {name: c, namespace: n, annotations: [a]}\nspec: {ports: []}\n",
        "metadata.annotations must be a mapping",
    ),
    "configmap-value-mapping": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: {hsts: {on: 1}}\n",
        "(ConfigMap n/c): data.hsts must be text",
    ),
    "ingressclass-spec-string": (
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: k8s.io/ingress-nginx\n",
        "(IngressClass default/nginx): spec must be a mapping, not text",
    ),
}


@pytest.mark.parametrize("case", sorted(INSTALL_SHAPES))
def test_install_objects_in_the_wrong_shape_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = INSTALL_SHAPES[case]
    code, out, err = _migrate(tmp_path, text + "---\n" + INGRESS.replace("PORT", "80"), capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {tmp_path / 'in.yaml'}: document 1 ") and expected in err, err
    assert len(err.strip().splitlines()) == 1


def test_install_objects_in_the_right_shape_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, namespace: ingress-nginx}\n"
        "spec: {template: {spec: {containers: [{name: c, args: [/nginx-ingress-controller], "
        "env: [{name: A, value: b}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}]}}}\n"
    )
    code, out, _ = _migrate(tmp_path, text + "---\n" + INGRESS.replace("PORT", "80"), capsys)
    assert code != 2 and "kind: Ingress" in out


# 2. Port numbers: 1..65535 (ValidatePortNumOrName), a whole number.


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("99999999999999999999999", "must be a port number from 1 to 65535, not 99999999999999999999999"),
        ("65536", "must be a port number from 1 to 65535, not 65536"),
        ("0", "must be a port number from 1 to 65535, not 0"),
        ("-1", "must be a port number from 1 to 65535, not -1"),
        (".nan", "must be a whole number from 1 to 65535, not NaN"),
        (".inf", "must be a whole number from 1 to 65535, not infinity"),
        ("-.inf", "must be a whole number from 1 to 65535, not infinity"),
        ("80.5", "must be a whole number from 1 to 65535, not the fraction 80.5"),
        ('"80"', 'must be a number (write 80, not "80"), not text'),
    ],
)
def test_ingress_port_numbers_outside_1_65535_exit_2(
    port: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _migrate(tmp_path, INGRESS.replace("PORT", port), capsys)
    assert (code, out) == (2, "")
    assert "spec.rules[0].http.paths[0].backend.service.port.number " + expected in err, err
    assert "not a number" not in err.replace('not "80"', "")


@pytest.mark.parametrize("port", ["1", "65535"])
def test_ingress_port_numbers_at_the_bounds_are_converted(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _migrate(tmp_path, INGRESS.replace("PORT", port), capsys)
    assert code != 2 and f"number: {port}" in out


# 2 (validator, used by check): Ingress backend ports and HTTPRoute backendRef ports 1..65535.

ALB_INGRESS = INGRESS.replace("ingressClassName: nginx", "ingressClassName: CLASS")
ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: g}]
  hostnames: ['HOST']
  rules: [{backendRefs: [{name: s, port: PORT}]}]
"""


def _problems(text: str) -> list[tuple[str, str]]:
    import yaml

    from albingress.policies.validation import validate

    return [(p.field, p.rule) for p in validate(list(yaml.safe_load_all(text)))]


@pytest.mark.parametrize(
    ("port", "bad"), [("0", True), ("65536", True), ("99999999999", True), ("1", False), ("65535", False)]
)
def test_validator_refuses_ingress_ports_outside_1_65535(port: str, bad: bool) -> None:
    found = _problems(ALB_INGRESS.replace("CLASS", "alb").replace("PORT", port))
    ports = [rule for field, rule in found if field == "spec.rules[0].http.paths[0].backend.service.port.number"]
    assert bool(ports) is bad, found
    if bad:
        assert "ValidatePortNum" in ports[0] and port in ports[0]


@pytest.mark.parametrize(
    ("port", "bad"), [("0", True), ("65536", True), ("99999999999", True), ("1", False), ("65535", False)]
)
def test_validator_refuses_route_backend_ports_outside_1_65535(port: str, bad: bool) -> None:
    found = _problems(ROUTE.replace("HOST", "a.example.com").replace("PORT", port))
    ports = [rule for field, rule in found if field == "spec.rules[0].backendRefs[0].port"]
    assert bool(ports) is bad, found
    if bad:
        assert "Gateway API v1.6.0" in ports[0]


def test_check_refuses_an_ingress_port_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(ALB_INGRESS.replace("CLASS", "alb").replace("PORT", "99999999999999999999999"))
    assert main(["check", str(source)]) == 2
    assert "backend.service.port.number" in capsys.readouterr().out


# 3. --ingress-class must be a name the API server takes (ValidateIngressClassName: a DNS-1123 subdomain).


@pytest.mark.parametrize("name", ["Bad Class!", "", "ALB", "-alb", "a" * 254])
def test_ingress_class_option_refuses_what_the_api_server_refuses(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(INGRESS.replace("PORT", "80"))
    code = main(["migrate", str(source), f"--ingress-class={name}"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "--ingress-class" in err and "is not a Kubernetes object name" in err


def test_ingress_class_option_takes_a_subdomain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _migrate(tmp_path, INGRESS.replace("PORT", "80"), capsys, "--ingress-class", "alb.internal-2")
    assert code != 2 and "ingressClassName: alb.internal-2" in out


@pytest.mark.parametrize("name", ["'Bad Class!'", "''", "ALB"])
def test_check_refuses_an_ingress_class_name_the_api_server_refuses(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(ALB_INGRESS.replace("CLASS", name).replace("PORT", "80"))
    assert main(["check", str(source)]) == 2
    out = capsys.readouterr().out
    assert "spec.ingressClassName" in out and "ValidateIngressClassName" in out


# 4. --certificate-arn: ACM or IAM server-certificate ARNs, comma-separated as the controller splits them.

ACM = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-0000-1111-2222-333344445555"
IAM = "arn:aws:iam::111122223333:server-certificate/prod/shop.example.com"
TLS_INGRESS = INGRESS.replace("PORT", "80") + "  tls: [{hosts: [a.example.com], secretName: t}]\n"


@pytest.mark.parametrize(
    "value",
    [
        "notanarn",
        "",
        " , ",
        "arn:aws:acm:eu-west-1:111122223333:certificate/not-a-uuid!",
        "arn:aws:s3:::bucket",
        "arn:aws:acm:eu-west-1:1111:certificate/0a1b2c3d-0000-1111-2222-333344445555",
        f"{ACM},notanarn",
    ],
)
def test_certificate_arn_option_refuses_what_elb_refuses(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(TLS_INGRESS)
    code = main(["migrate", str(source), f"--certificate-arn={value}"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "--certificate-arn" in err and "is not a certificate ARN" in err


@pytest.mark.parametrize(
    ("value", "written"),
    [(ACM, ACM), (IAM, IAM), (f" {ACM} ,, {IAM} ", f"{ACM},{IAM}")],
)
def test_certificate_arn_option_takes_acm_and_iam_lists(
    value: str, written: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _migrate(tmp_path, TLS_INGRESS, capsys, f"--certificate-arn={value}")
    assert code != 2 and f"alb.ingress.kubernetes.io/certificate-arn: {written}" in out, out


def test_validator_refuses_a_certificate_arn_annotation_elb_refuses() -> None:
    text = ALB_INGRESS.replace("CLASS", "alb").replace("PORT", "80")
    text = text.replace(
        "namespace: shop}", "namespace: shop, annotations: {alb.ingress.kubernetes.io/certificate-arn: 'ARNS'}}"
    )
    field = 'metadata.annotations["alb.ingress.kubernetes.io/certificate-arn"]'
    assert [f for f, _ in _problems(text.replace("ARNS", f"{ACM}, {IAM}"))] == []
    found = [rule for f, rule in _problems(text.replace("ARNS", f"{ACM},arn:x")) if f == field]
    assert len(found) == 1 and "'arn:x'" in found[0]


# 5. HTTPRoute hostnames as the controller's host-header conditions: at most 128 characters (ELB API
# HostHeaderConditionConfig), as Ingress hosts are checked.

LONG_HOST = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 49, "example", "com"])  # 253 characters


def test_long_host_is_253_characters() -> None:
    assert len(LONG_HOST) == 253


@pytest.mark.parametrize(
    ("hostname", "bad"),
    [
        (LONG_HOST, True),
        ("a" * 60 + "." + "b" * 59 + ".example.com", True),
        ("*." + "a" * 58 + "." + "b" * 57 + ".example.com", False),
    ],
)
def test_validator_checks_route_hostnames_as_alb_host_conditions(hostname: str, bad: bool) -> None:
    # 129 characters is one over the limit; a wildcard's '*.' is not counted, as for Ingress hosts.
    found = [
        rule for f, rule in _problems(ROUTE.replace("HOST", hostname).replace("PORT", "80")) if f == "spec.hostnames[0]"
    ]
    assert bool(found) is bad, found
    if bad:
        assert "at most 128" in found[0]


def test_gateway_leaves_a_route_with_a_long_host_out_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protected = INGRESS.replace("PORT", "80").replace("a.example.com", LONG_HOST).replace("path: /,", "path: /admin,")
    protected = protected.replace(
        "name: a,", "name: adm, annotations: {nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8},"
    )
    public = INGRESS.replace("PORT", "80").replace("a.example.com", LONG_HOST).replace("name: a,", "name: pub,")
    code, out, err = _migrate(tmp_path, protected + "---\n" + public, capsys, "--to", "gateway")
    assert code == 1
    assert "\nkind: HTTPRoute" not in out and LONG_HOST not in out
    assert "spec.hostnames[0]" in err and "at most 128" in err
    assert "[not-converted] shop/adm: --to gateway: " in err and "[not-converted] shop/pub: --to gateway: " in err
    assert "converted exactly" not in err


# 6. NaN, infinite and fractional ports in the v1beta1 form: named as such, never "not a number".

V1BETA1 = """\
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: a, namespace: shop}
spec:
  ingressClassName: nginx
  rules: [{host: a.example.com, http: {paths: [{path: /, backend: {serviceName: s, servicePort: PORT}}]}}]
"""


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        (".nan", "a port number from 1 to 65535 or a port name, not NaN"),
        (".inf", "a port number from 1 to 65535 or a port name, not infinity"),
        ("8.5", "a port number from 1 to 65535 or a port name, not the fraction 8.5"),
        ("70000", "a port number from 1 to 65535, not 70000"),
    ],
)
def test_v1beta1_service_ports_are_named_for_what_they_are(
    port: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _migrate(tmp_path, V1BETA1.replace("PORT", port), capsys)
    assert (code, out) == (2, "")
    assert "spec.rules[0].http.paths[0].backend.servicePort must be " + expected in err, err
