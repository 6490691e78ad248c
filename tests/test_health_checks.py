"""Health checks ELB refuses, caught before anything is created.

Expected results are written by hand from the ELB API (botocore's elbv2 model: HealthCheckIntervalSeconds 5-300,
HealthCheckTimeoutSeconds 2-120, HealthCheckThresholdCount 2-10; Matcher.HttpCode 200-499 for an ALB and 200-599
for an NLB, GrpcCode 0-99; CreateTargetGroup's ValidationError "Health check interval must be greater than the
timeout") and the controller's defaults (v3.5.0 pkg/ingress/model_builder.go: interval 15, timeout 5, codes 200
or gRPC 12), and the Service's annotations winning over the Ingress's for its target group.
"""

from __future__ import annotations

import copy
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
    ("ingress", "service", "where", "fix"),
    [
        ({"success-codes": "300-200"}, None, "Ingress shop/web:", "as '200-300', the lower code of each range first"),
        ({"success-codes": "200,299-201"}, None, "Ingress shop/web:", "as '200,201-299', the lower code"),
        (
            {"enable-frontend-nlb": "true", "frontend-nlb-healthcheck-success-codes": "399-200"},
            None,
            "Ingress shop/web (",
            "write it as '200-399', the lower code",
        ),
        ({}, {"success-codes": "250-210"}, "Ingress shop/web backend web:", "on Service web as '210-250'"),
        # Turned round, the range would still be refused: the fix says what the codes must be, in the same line.
        ({"success-codes": "600-500"}, None, "Ingress shop/web:", "codes from 200 to 499, each range low to high"),
        ({"backend-protocol-version": "GRPC", "success-codes": "100-0"}, None, "Ingress shop/web:", "from 0 to 99"),
    ],
)
def test_a_range_of_codes_written_backwards_is_refused_in_one_line_with_a_fix_that_is_right(
    ingress: dict[str, str],
    service: dict[str, str] | None,
    where: str,
    fix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each code may be in range, but the ELB API writes a range low to high ('200-299'). One line for the
    value: its ranges written backwards and its codes out of range together, and a fix that alone makes it
    right (the range turned round only where that is enough)."""
    code, text = _check(tmp_path, capsys, ingress, service)
    assert code == 1, text
    (line,) = [line for line in text.splitlines() if line.startswith("[")]
    assert "written backwards" in line and where in line and fix in line, line
    assert ("outside" in line) == ("from 0 to 99" in fix or "from 200 to 499" in fix), line


_FIXED = '{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503"}}'
_REDIRECT = '{"type":"redirect","redirectConfig":{"host":"www.example.com","statusCode":"HTTP_301"}}'
_TO_ARN = (
    '{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupARN":'
    '"arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/tg/0123456789abcdef"}]}}'
)
_TO_SERVICE = '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":"80"}]}}'


@pytest.mark.parametrize(
    ("action", "code"),
    [(_FIXED, 0), (_REDIRECT, 0), (_TO_ARN, 0), (_TO_SERVICE, 1), ('{"type": "fixed-response"', 2)],
)
@pytest.mark.parametrize(
    "values",
    [
        {"success-codes": "300-200"},
        {"success-codes": "500"},
        {"healthcheck-interval-seconds": "1"},
        {"healthy-threshold-count": "abc", "success-codes": "ok"},
    ],
)
def test_an_ingress_that_builds_no_target_group_has_no_health_check_to_judge(
    action: str, code: int, values: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The controller builds a target group only in buildForwardAction, for a Service (v3.5.0
    model_build_actions.go; the health check is parsed in model_build_target_group.go): an Ingress whose every
    path is a fixed response, a redirect or a forward to an existing target group never hands its values to
    ELB, so nothing stops on them. A forward to a Service does build one, and an action that cannot be read
    (exit 2 for itself) is taken as building one, so the values are still judged."""
    documents: list[dict[str, Any]] = _documents()
    ingress = documents[2]
    ingress["metadata"]["annotations"][ALB + "actions.maint"] = action
    ingress["metadata"]["annotations"].update({ALB + k: v for k, v in values.items()})
    for path in ingress["spec"]["rules"][0]["http"]["paths"]:
        path["backend"] = {"service": {"name": "maint", "port": {"name": "use-annotation"}}}
    got, text = _check_file(tmp_path, documents, capsys)
    if code == 0:
        assert got == 0, text
    else:
        assert got == (2 if "abc" in str(values) else 1), text  # a value that is no number: bad input
    if code == 2:  # the action's own finding, and the per-object values still judged
        assert "actions.maint" in text and "not valid JSON" in text, text
        if "healthcheck-interval-seconds" in values:
            assert "1 is outside 5-300" in text, text
    if code == 0:
        assert text == "4 objects checked, 0 violations\n", text


@pytest.mark.parametrize(
    ("service", "fragments", "not_said"),
    [
        # The Service sets another value only: the Ingress's codes are wrong for every backend, said once.
        ({"healthcheck-interval-seconds": "30"}, ["Ingress shop/web:", "500 outside 200-499"], ["backend"]),
        # HTTP2 takes HTTP1's codes: the Ingress's value is the one to change, not the Service's.
        ({"backend-protocol-version": "HTTP2"}, ["Ingress shop/web:", "500 outside 200-499"], ["on Service"]),
    ],
)
def test_a_services_unrelated_values_neither_repeat_nor_redirect_the_ingresss_finding(
    service: dict[str, str],
    fragments: list[str],
    not_said: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    documents: list[dict[str, Any]] = _documents()
    documents[2]["metadata"]["annotations"][ALB + "success-codes"] = "500"
    documents[1]["metadata"]["annotations"] = {ALB + k: v for k, v in service.items()}
    second = copy.deepcopy(documents[1])
    second["metadata"]["name"] = "other"
    second["metadata"]["annotations"] = {}
    documents.append(second)
    paths = documents[2]["spec"]["rules"][0]["http"]["paths"]
    extra = copy.deepcopy(paths[0])
    extra["path"] = "/other"
    extra["backend"]["service"]["name"] = "other"
    paths.append(extra)
    code, text = _check_file(tmp_path, documents, capsys)
    lines = [line for line in text.splitlines() if line.startswith("[")]
    assert code == 1 and len(lines) == 1, text
    assert all(f in lines[0] for f in fragments) and not any(n in lines[0] for n in not_said), lines[0]


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


def _two_members(first: dict[str, str], second: dict[str, str]) -> list[dict[str, Any]]:
    """The base set plus a second Ingress of group shop (another host, the same Service)."""
    documents: list[dict[str, Any]] = _documents()
    other = copy.deepcopy(documents[2])
    other["metadata"]["name"] = "admin"
    other["spec"]["rules"][0]["host"] = "admin.example.com"
    documents[2]["metadata"]["annotations"].update({ALB + k: v for k, v in first.items()})
    other["metadata"]["annotations"].update({ALB + k: v for k, v in second.items()})
    return [*documents, other]


@pytest.mark.parametrize(
    ("first", "second", "code", "fragments"),
    [
        # One member turns the group's frontend NLB on: the other's frontend-nlb-* values are read too.
        (
            {"enable-frontend-nlb": "true"},
            {"frontend-nlb-healthcheck-interval-seconds": "1"},
            1,
            ["Ingress shop/admin:", "1 is outside 5-300", "group's frontend NLB is on"],
        ),
        (
            {"enable-frontend-nlb": "true"},
            {"frontend-nlb-healthcheck-success-codes": "600"},
            1,
            ["Ingress shop/admin:", "600 outside 200-599"],
        ),
        # Members that say it must agree ('conflicting enable frontend NLB values').
        (
            {"enable-frontend-nlb": "true"},
            {"enable-frontend-nlb": "false"},
            1,
            ["IngressGroup shop:", "Ingress shop/web: true", "Ingress shop/admin: false"],
        ),
        # Nobody turns it on: a leftover value stops nothing.
        ({}, {"frontend-nlb-healthcheck-interval-seconds": "1"}, 0, []),
        # Said the same twice ("1" is Go's true): no conflict, and both members' values are fine.
        ({"enable-frontend-nlb": "true"}, {"enable-frontend-nlb": "1"}, 0, []),
    ],
)
def test_the_frontend_nlb_is_the_groups(
    first: dict[str, str],
    second: dict[str, str],
    code: int,
    fragments: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """v3.5.0 model_build_frontend_nlb.go: buildEnableFrontendNlbViaAnnotation reads every member's flag, and
    with the NLB on, buildFrontendNlbListenerConfigByPortForIngress reads every member's health check."""
    got, text = _check_file(tmp_path, _two_members(first, second), capsys)
    assert got == code, text
    lines = [line for line in text.splitlines() if line.startswith("[")]
    assert len(lines) == (1 if code else 0), text
    assert all(f in lines[0] for f in fragments) if lines else True, text


@pytest.mark.parametrize(
    "action",
    [
        # Go's encoding/json applies every key equal to a field but for case, in order: the last one wins, so
        # this is a forward action to Service web (v3.5.0 model_build_actions.go builds its target group).
        '{"type": "fixed-response", "fixedResponseConfig": {"statusCode": "200"}, "Type": "forward", '
        '"forwardConfig": {"targetGroups": [{"serviceName": "web", "servicePort": 80}]}}',
        # Go folds U+017F (long s) to s: the key is serviceName.
        '{"type": "forward", "forwardConfig": {"targetGroups": [{"\\u017fervicename": "web", "servicePort": 80}]}}',
    ],
)
def test_an_action_read_as_go_reads_it_still_has_its_health_check_judged(
    action: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents: list[dict[str, Any]] = _documents()
    ingress = documents[2]
    ingress["metadata"]["annotations"].update(
        {ALB + "actions.x": action, ALB + "healthcheck-interval-seconds": "1", ALB + "success-codes": "600"}
    )
    for path in ingress["spec"]["rules"][0]["http"]["paths"]:
        path["backend"] = {"service": {"name": "x", "port": {"name": "use-annotation"}}}
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 1 and "1 is outside 5-300" in text and "600 outside 200-499" in text, text


@pytest.mark.parametrize("key", ["actions.maint", "conditions.web"])
def test_nan_in_an_annotations_json_is_not_json(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Python's json.loads takes NaN; Go's encoding/json refuses it, so the controller refuses the Ingress."""
    documents: list[dict[str, Any]] = _documents()
    value = (
        '{"type": "fixed-response", "fixedResponseConfig": {"statusCode": "503"}, "weight": NaN}'
        if key.startswith("actions")
        else '[{"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}, "x": Infinity}]'
    )
    documents[2]["metadata"]["annotations"][ALB + key] = value
    if key.startswith("actions"):  # read only for a backend that names it with port use-annotation
        for path in documents[2]["spec"]["rules"][0]["http"]["paths"]:
            path["backend"] = {"service": {"name": "maint", "port": {"name": "use-annotation"}}}
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 1 and f'{key}"]: not valid JSON' in text, text


@pytest.mark.parametrize(
    "annotation",
    [
        "enable-frontend-nlb",
        "shield-advanced-protection",
        "manage-backend-security-group-rules",
        "multi-cluster-target-group",
        "use-regex-path-match",
    ],
)
@pytest.mark.parametrize("value", ["yes", "", " true", "TRUE ", "on"])
def test_a_boolean_the_controller_parses_with_go_is_refused_when_go_refuses_it(
    annotation: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ParseBoolAnnotation's error stops the group (v3.5.0: model_build_frontend_nlb.go,
    model_build_load_balancer_addons.go, model_builder.go, model_build_target_group.go,
    model_build_listener_rules.go)."""
    code, text = _check(tmp_path, capsys, {annotation: value})
    assert code == 1 and f"{value!r} is not a boolean (Go ParseBool)" in text, text


def _with_action(action: str, extra: dict[str, str] | None = None) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = _documents()
    ingress = documents[2]
    ingress["metadata"]["annotations"].update(
        {ALB + "actions.x": action, **{ALB + k: v for k, v in (extra or {}).items()}}
    )
    for path in ingress["spec"]["rules"][0]["http"]["paths"]:
        path["backend"] = {"service": {"name": "x", "port": {"name": "use-annotation"}}}
    return documents


_ARN = "arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/tg/0123456789abcdef"


@pytest.mark.parametrize(
    ("action", "extra", "code", "said"),
    [
        # The same key twice: Go applies both in order, so "type" ends forward (Python's dict kept the first
        # place with the last value, and the case-variant key between them looked last).
        (
            '{"type":"forward","Type":"fixed-response","type":"forward","fixedResponseConfig":{"statusCode":"200"},'
            '"forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80}]}}',
            {"healthcheck-interval-seconds": "1"},
            1,
            "1 is outside 5-300",
        ),
        # A later forwardConfig is decoded onto the first: its targetGroups stay (Go keeps the struct).
        (
            '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80}]},'
            '"ForwardConfig":{"targetGroupStickinessConfig":{"enabled":true}}}',
            {},
            0,
            "",
        ),
        # A null serviceName after a value sets the pointer to nil: the tuple names nothing.
        (
            '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80,'
            '"ServiceName":null}]}}',
            {},
            1,
            "serviceName",
        ),
        # Nested beyond what is read (Go reads it, as no action): refused saying how deep, never a traceback.
        ("[" * 5000 + "]" * 5000, {}, 1, "it nests 5000 levels deep, past the 500 this tool reads"),
    ],
)
def test_action_json_is_applied_pair_by_pair_as_go_applies_it(
    action: str, extra: dict[str, str], code: int, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got, text = _check_file(tmp_path, _with_action(action, extra), capsys)
    assert got == code and said in text and "Traceback" not in text, text


def test_a_null_leaves_a_plain_field_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """RuleCondition.Field is a plain string (v3.5.0 config_types.go): a null after it changes nothing."""
    documents: list[dict[str, Any]] = _documents()
    documents[2]["metadata"]["annotations"][ALB + "conditions.web"] = (
        '[{"field":"host-header","Field":null,"hostHeaderConfig":{"values":["a.example.com"]}}]'
    )
    assert _check_file(tmp_path, documents, capsys) == (0, "4 objects checked, 0 violations\n")
