"""Health checks ELB refuses, caught before anything is created.

Expected results are written by hand from the ELB API (botocore's elbv2 model: HealthCheckIntervalSeconds 5-300,
HealthCheckTimeoutSeconds 2-120, HealthCheckThresholdCount 2-10; Matcher.HttpCode 200-499 for an ALB and 200-599
for an NLB, GrpcCode 0-99; CreateTargetGroup's ValidationError "Health check interval must be greater than the
timeout") and the controller's defaults (v3.5.0 pkg/ingress/model_builder.go: interval 15, timeout 5, codes 200
or gRPC 12), and the Service's annotations winning over the Ingress's for its target group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_contract23 import _check_file, _documents

ALB = "alb.ingress.kubernetes.io/"


def _check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ingress: dict[str, str] | None = None,
    service: dict[str, str] | None = None,
) -> tuple[int, str]:
    documents: list[dict[str, Any]] = _documents()
    documents[2]["metadata"]["annotations"].update({ALB + k: v for k, v in (ingress or {}).items()})
    if service:
        documents[1]["metadata"]["annotations"] = {ALB + k: v for k, v in service.items()}
    return _check_file(tmp_path, documents, capsys)


@pytest.mark.parametrize(
    ("annotation", "bad", "good"),
    [
        ("healthcheck-interval-seconds", ("4", "301", "0", "-15"), ("6", "300")),
        ("healthcheck-timeout-seconds", ("1", "121"), ("2", "14")),
        ("healthy-threshold-count", ("1", "11"), ("2", "10")),
        ("unhealthy-threshold-count", ("0", "11"), ("2", "10")),
        ("frontend-nlb-healthcheck-interval-seconds", ("4", "301"), ("5", "300")),
        ("frontend-nlb-healthcheck-timeout-seconds", ("1", "121"), ("2", "120")),
        ("frontend-nlb-healthcheck-healthy-threshold-count", ("1", "11"), ("2", "10")),
        ("frontend-nlb-healthcheck-unhealthy-threshold-count", ("1", "11"), ("2", "10")),
    ],
)
def test_each_health_check_number_is_held_to_the_elb_apis_range(
    annotation: str, bad: tuple[str, ...], good: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The frontend NLB's settings count only with the NLB on (model_build_frontend_nlb.go returns first).
    enable = {"enable-frontend-nlb": "true"} if annotation.startswith("frontend-nlb-") else {}
    for value in good:
        assert _check(tmp_path, capsys, {**enable, annotation: value}) == (0, "4 objects checked, 0 violations\n")
    for value in bad:
        code, text = _check(tmp_path, capsys, {**enable, annotation: value})
        assert code == 1, (value, text)
        # (A timeout of 121 s or an interval of 4 s is also not below / above the other's default: a second line.)
        (line,) = [line for line in text.splitlines() if annotation in line and "is outside" in line]
        assert f"Ingress shop/web ({tmp_path / 'app.yaml'} document 3)" in line, line  # where, among many files
        assert f"{int(value)} is outside" in line and "ELB API" in line, line


@pytest.mark.parametrize(
    ("ingress", "service", "where"),
    [
        ({"healthcheck-timeout-seconds": "15"}, None, "Ingress shop/web:"),  # the default interval is 15
        ({"healthcheck-interval-seconds": "5"}, None, "Ingress shop/web:"),  # the default timeout is 5
        ({"healthcheck-interval-seconds": "10", "healthcheck-timeout-seconds": "20"}, None, "Ingress shop/web:"),
        # The Service's timeout is the one its target group gets.
        ({"healthcheck-interval-seconds": "30"}, {"healthcheck-timeout-seconds": "30"}, "Ingress shop/web backend web"),
    ],
)
def test_a_timeout_not_below_the_interval_is_refused_per_target_group(
    ingress: dict[str, str],
    service: dict[str, str] | None,
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text = _check(tmp_path, capsys, ingress, service)
    assert code == 1, text
    (line,) = [line for line in text.splitlines() if "alb-health-check" in line]
    assert where in line and "is not below its interval" in line and "healthcheck-timeout-seconds below" in line
    # The fix says where to change it: a value on the Service wins over anything written on the Ingress.
    assert ("below healthcheck-interval-seconds on Service web" in line) == bool(service), line


@pytest.mark.parametrize(
    ("ingress", "service"),
    [
        ({"healthcheck-interval-seconds": "6", "healthcheck-timeout-seconds": "5"}, None),
        ({"healthcheck-timeout-seconds": "14"}, None),
        # The Ingress's pair would be refused, but the Service's interval wins for its only target group.
        (
            {"healthcheck-interval-seconds": "10", "healthcheck-timeout-seconds": "20"},
            {"healthcheck-interval-seconds": "30"},
        ),
    ],
)
def test_a_timeout_below_the_interval_passes(
    ingress: dict[str, str], service: dict[str, str] | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(tmp_path, capsys, ingress, service) == (0, "4 objects checked, 0 violations\n")


@pytest.mark.parametrize(
    ("ingress", "service", "outside"),
    [
        ({"success-codes": "199"}, None, "199 outside 200-499"),
        ({"success-codes": "200,502"}, None, "502 outside 200-499"),
        ({"success-codes": "100-299"}, None, "100 outside 200-499"),
        ({"success-codes": "200-599"}, None, "599 outside 200-499"),
        ({"backend-protocol-version": "GRPC", "success-codes": "200"}, None, "200 outside 0-99"),
        # The Service says gRPC: the Ingress's HTTP codes are out of range for its target group.
        ({"success-codes": "200-299"}, {"backend-protocol-version": "GRPC"}, "outside 0-99"),
    ],
)
def test_success_codes_outside_the_protocols_range_are_refused(
    ingress: dict[str, str],
    service: dict[str, str] | None,
    outside: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text = _check(tmp_path, capsys, ingress, service)
    assert code == 1, text
    (line,) = [line for line in text.splitlines() if "alb-health-check" in line]
    assert outside in line and "ELB API Matcher" in line, line


@pytest.mark.parametrize(
    ("ingress", "service"),
    [
        ({"success-codes": "200-499"}, None),
        ({"success-codes": "200,202,301-302"}, None),
        ({"backend-protocol-version": "GRPC", "success-codes": "0-99"}, None),
        ({"backend-protocol-version": "GRPC"}, None),  # the controller's gRPC default, 12
        ({"success-codes": "0-12"}, {"backend-protocol-version": "GRPC"}),
    ],
)
def test_success_codes_within_the_protocols_range_pass(
    ingress: dict[str, str], service: dict[str, str] | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(tmp_path, capsys, ingress, service) == (0, "4 objects checked, 0 violations\n")


@pytest.mark.parametrize(
    ("ingress", "service", "where"),
    [
        ({"success-codes": "300-200"}, None, "Ingress shop/web"),
        ({"success-codes": "200,299-201"}, None, "Ingress shop/web"),
        (
            {"enable-frontend-nlb": "true", "frontend-nlb-healthcheck-success-codes": "399-200"},
            None,
            "Ingress shop/web",
        ),
        ({}, {"success-codes": "250-210"}, "Service shop/web"),
    ],
)
def test_a_range_of_codes_written_backwards_is_refused_once_where_it_is_written(
    ingress: dict[str, str],
    service: dict[str, str] | None,
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each code is within range, but the ELB API writes a range low to high ('200-299'): one line, with the
    range turned round as the fix, and no second line about the codes' range."""
    code, text = _check(tmp_path, capsys, ingress, service)
    assert code == 1, text
    (line,) = [line for line in text.splitlines() if "backwards" in line]
    assert where in line and "write the lower code first" in line, line
    assert "outside" not in text, text


@pytest.mark.parametrize(("value", "code"), [("200-599", 0), ("200-399", 0), ("600", 1), ("199,200", 1), ("ok", 2)])
def test_the_frontend_nlbs_success_codes_are_a_network_load_balancers(
    value: str, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got, text = _check(
        tmp_path, capsys, {"enable-frontend-nlb": "true", "frontend-nlb-healthcheck-success-codes": value}
    )
    assert got == code, text


@pytest.mark.parametrize("enable", [None, "false", "0"])
def test_the_frontend_nlbs_settings_are_not_judged_while_it_is_off(
    enable: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The controller never reads them then: a leftover value stops nothing."""
    settings = {"frontend-nlb-healthcheck-interval-seconds": "1", "frontend-nlb-healthcheck-success-codes": "ok"}
    if enable is not None:
        settings["enable-frontend-nlb"] = enable
    assert _check(tmp_path, capsys, settings) == (0, "4 objects checked, 0 violations\n")


def _forwarding(documents: list[dict[str, Any]]) -> None:
    """The Ingress reaches Service web only through a use-annotation forward action."""
    path = documents[2]["spec"]["rules"][0]["http"]["paths"][0]
    path["backend"] = {"service": {"name": "fwd", "port": {"name": "use-annotation"}}}
    action = '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":"80"}]}}'
    documents[2]["metadata"]["annotations"][ALB + "actions.fwd"] = action


@pytest.mark.parametrize(
    ("service", "forward", "code", "fragments"),
    [
        # The Service's own values count for its target group, so they are judged where they are written.
        ({"healthcheck-interval-seconds": "400"}, False, 1, ["Service shop/web:", "400 is outside 5-300"]),
        ({"unhealthy-threshold-count": "1"}, False, 1, ["Service shop/web:", "1 is outside 2-10"]),
        ({"healthy-threshold-count": "abc"}, False, 2, ["Service shop/web:", "'abc' is not a whole number"]),
        ({"success-codes": "200-"}, False, 2, ["Service shop/web:", "'200-' is not status codes"]),
        # A Service reached through a forward action gets a target group too.
        ({"healthcheck-timeout-seconds": "20"}, True, 1, ["backend web", "timeout 20 s is not below its interval 15"]),
        ({"success-codes": "600"}, True, 1, ["backend web", "600 outside 200-499"]),
        ({"backend-protocol-version": "grpc"}, False, 1, ["Service shop/web:", "'grpc' is not HTTP1, HTTP2 or GRPC"]),
    ],
)
def test_a_services_values_and_forwarded_services_are_judged(
    service: dict[str, str],
    forward: bool,
    code: int,
    fragments: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    documents: list[dict[str, Any]] = _documents()
    documents[1]["metadata"]["annotations"] = {ALB + k: v for k, v in service.items()}
    if forward:
        _forwarding(documents)
    got, text = _check_file(tmp_path, documents, capsys)
    assert got == code, text
    (line,) = [line for line in text.splitlines() if "alb-health-check" in line]
    assert all(fragment in line for fragment in fragments), line


def test_codes_wrong_for_one_backends_protocol_name_that_backend_and_its_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """success-codes 200 on the Ingress is right for web (HTTP1) and wrong for grpc (the Service says GRPC): the
    line names backend grpc, and the fix puts the codes on Service grpc, not on the Ingress both share."""
    documents: list[dict[str, Any]] = _documents()
    documents[2]["metadata"]["annotations"][ALB + "success-codes"] = "200"
    grpc = {**documents[1], "metadata": {"name": "grpc", "namespace": "shop"}}
    grpc["metadata"]["annotations"] = {ALB + "backend-protocol-version": "GRPC"}
    backend = {"service": {"name": "grpc", "port": {"number": 80}}}
    documents[2]["spec"]["rules"][0]["http"]["paths"].append({"path": "/g", "pathType": "Prefix", "backend": backend})
    documents.append(grpc)
    got, text = _check_file(tmp_path, documents, capsys)
    assert got == 1, text
    (line,) = [line for line in text.splitlines() if "alb-health-check" in line]
    assert "Ingress shop/web backend grpc:" in line and "200 outside 0-99" in line and "on Service grpc" in line


def test_a_well_formed_service_behind_a_forward_action_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents: list[dict[str, Any]] = _documents()
    documents[1]["metadata"]["annotations"] = {
        ALB + "healthcheck-interval-seconds": "30",
        ALB + "success-codes": "200-399",
    }
    _forwarding(documents)
    assert _check_file(tmp_path, documents, capsys) == (0, "4 objects checked, 0 violations\n")
