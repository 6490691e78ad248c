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
    for value in good:
        assert _check(tmp_path, capsys, {annotation: value}) == (0, "4 objects checked, 0 violations\n"), value
    for value in bad:
        code, text = _check(tmp_path, capsys, {annotation: value})
        assert code == 1, (value, text)
        # (A timeout of 121 s or an interval of 4 s is also not below / above the other's default: a second line.)
        (line,) = [line for line in text.splitlines() if annotation in line and "is outside" in line]
        assert "Ingress shop/web" in line and f"{int(value)} is outside" in line and "ELB API" in line, line


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


@pytest.mark.parametrize(("value", "code"), [("200-599", 0), ("200-399", 0), ("600", 1), ("199,200", 1), ("ok", 2)])
def test_the_frontend_nlbs_success_codes_are_a_network_load_balancers(
    value: str, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got, text = _check(tmp_path, capsys, {"frontend-nlb-healthcheck-success-codes": value})
    assert got == code, text
