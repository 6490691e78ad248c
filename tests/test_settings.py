"""Config validation: shipped stacks pass, every class of bad input fails on its key."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from albingress.components.model import ConfigError
from albingress.components.sections import host_covered_by
from albingress.stack_settings import parse_settings
from tests.conftest import stack_config, with_overrides

STAGE = stack_config("stage")


def _with(**overrides: Any) -> dict[str, Any]:
    return with_overrides(STAGE, **overrides)


def _problems(config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    return {p.key: p.message for p in caught.value.problems}


@pytest.mark.parametrize("stack", ["stage", "sandbox"])
def test_shipped_stacks_are_valid(stack: str) -> None:
    parsed = parse_settings(stack_config(stack))
    assert parsed.controller.version == "v3.5.0"


def test_stage_matches_the_original_setup() -> None:
    parsed = parse_settings(STAGE)
    assert parsed.region == "us-west-2"
    assert parsed.echoserver.host == "www.example.com"
    assert parsed.alb.group_name == "my-alb-group"
    assert parsed.alb.scheme == "internet-facing"
    assert parsed.certificate.arn is not None
    assert not parsed.certificate.creates_certificate


def test_structured_config_arrives_as_json_text_too() -> None:
    import json

    config = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in STAGE.items()}
    assert parse_settings(config) == parse_settings(STAGE)


def test_defaults_fill_what_a_stack_leaves_out() -> None:
    parsed = parse_settings(stack_config("sandbox"))
    assert parsed.controller.replicas == 2
    assert parsed.controller.namespace == "kube-system"
    assert parsed.alb.listen_ports == ({"HTTP": 80}, {"HTTPS": 443})
    assert parsed.alb.ssl_redirect == 443
    assert parsed.alb.ssl_policy.startswith("ELBSecurityPolicy-TLS13-1-2")


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"aws:region": "us-west"}, "aws:region", "not an AWS region"),
        ({"aws:region": "us-iso-east-1"}, "aws:region", "partition aws-iso"),
        ({"cluster": {"name": "-bad"}}, "alb-ingress:cluster.name", "EKS cluster name"),
        ({"cluster": {"vpcId": "vpc-12"}}, "alb-ingress:cluster.vpcId", "not a VPC id"),
        ({"cluster": {"oidcProviderArn": "arn:aws:iam::1:role/x"}}, "alb-ingress:cluster.oidcProviderArn", "OIDC"),
        ({"controller": {"version": "v2.7.0"}}, "alb-ingress:controller.version", "supported: v3.5.0"),
        ({"controller": {"identity": "kiam"}}, "alb-ingress:controller.identity", "not allowed"),
        ({"controller": {"replicas": 0}}, "alb-ingress:controller.replicas", "1 to 10"),
        ({"echoserver": {"replicas": 1}}, "alb-ingress:echoserver.replicas", "2 to 50"),
        ({"echoserver": {"host": "Www.Example.com"}}, "alb-ingress:echoserver.host", "DNS host name"),
        ({"echoserver": {"path": "echo"}}, "alb-ingress:echoserver.path", "not a URL path"),
        ({"echoserver": {"image": "ealen/echo-server:latest"}}, "alb-ingress:echoserver.image", "pin a version"),
        ({"echoserver": {"containerPort": 80}}, "alb-ingress:echoserver.containerPort", "non-root"),
        ({"echoserver": {"namespace": "kube-system"}}, "alb-ingress:echoserver.namespace", "deletes it on destroy"),
        ({"alb": {"groupName": "x" * 64}}, "alb-ingress:alb.groupName", "at most 63"),
        ({"alb": {"scheme": "public"}}, "alb-ingress:alb.scheme", "not allowed"),
        ({"alb": {"listenPorts": [{"HTTP": 80}]}}, "alb-ingress:alb.listenPorts", "no HTTPS port"),
        ({"alb": {"listenPorts": [{"HTTPS": 443}, {"HTTP": 443}]}}, "alb-ingress:alb.listenPorts", "twice"),
        ({"alb": {"listenPorts": [{"TCP": 443}]}}, "alb-ingress:alb.listenPorts", "HTTP or HTTPS"),
        ({"alb": {"listenPorts": [{"HTTPS": 70000}]}}, "alb-ingress:alb.listenPorts", "1 to 65535"),
        ({"alb": {"sslRedirect": 8443}}, "alb-ingress:alb.sslRedirect", "not an HTTPS port"),
        ({"alb": {"sslPolicy": "ELBSecurityPolicy-2016-08"}}, "alb-ingress:alb.sslPolicy", "still accepts TLS 1.0"),
        ({"alb": {"idleTimeoutSeconds": 5000}}, "alb-ingress:alb.idleTimeoutSeconds", "1 to 4000"),
        ({"alb": {"deregistrationDelaySeconds": -1}}, "alb-ingress:alb.deregistrationDelaySeconds", "0 to 3600"),
        (
            {"alb": {"fixedResponse": {"statusCode": 100}}},
            "alb-ingress:alb.fixedResponse.statusCode",
            "2XX, 4XX or 5XX",
        ),
        ({"alb": {"fixedResponse": {"path": "/echo"}}}, "alb-ingress:alb.fixedResponse.path", "path of its own"),
        (
            {
                "certificate": {
                    "arn": "arn:aws:acm:eu-west-1:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
                }
            },
            "alb-ingress:certificate.arn",
            "its own region",
        ),
        (
            {"certificate": {"arn": "arn:aws:acm:us-west-2:1:cert"}},
            "alb-ingress:certificate.arn",
            "ACM certificate ARN",
        ),
        (
            {"alb-ingress:certificate": {"domain": "*.example.org", "zoneId": "Z0EXAMPLE"}},
            "alb-ingress:certificate.domain",
            "does not cover",
        ),
        (
            {"alb-ingress:certificate": {"domain": "www.example.com"}},
            "alb-ingress:certificate",
            "both domain and zoneId",
        ),
        ({"certificate": {"zoneId": "Z0EXAMPLE"}}, "alb-ingress:certificate", "not both"),
        ({"alb": {"idleTimeout": 60}}, "alb-ingress:alb.idleTimeout", "did you mean 'idleTimeoutSeconds'"),
        ({"alb-ingress:controler": {}}, "alb-ingress:controler", "did you mean alb-ingress:controller"),
        ({"alb": {"idleTimeoutSeconds": "3600"}}, "alb-ingress:alb.idleTimeoutSeconds", "not a whole number"),
    ],
)
def test_each_class_of_bad_input_names_its_key_and_fix(overrides: dict[str, Any], key: str, fragment: str) -> None:
    problems = _problems(_with(**overrides))
    assert key in problems, problems
    assert fragment in problems[key]


def test_missing_sections_and_region_are_all_reported_at_once() -> None:
    problems = _problems({})
    assert set(problems) == {
        "aws:region",
        "alb-ingress:cluster",
        "alb-ingress:echoserver",
        "alb-ingress:alb",
        "alb-ingress:certificate",
        "alb-ingress:environment",
    }


def test_several_errors_across_sections_come_together() -> None:
    problems = _problems(
        _with(
            alb={"groupName": "Bad_Group", "sslRedirect": 8443},
            controller={"replicas": 99},
            echoserver={"replicas": 1},
        )
    )
    assert {
        "alb-ingress:alb.groupName",
        "alb-ingress:alb.sslRedirect",
        "alb-ingress:controller.replicas",
        "alb-ingress:echoserver.replicas",
    } <= set(problems)


def test_error_text_says_nothing_was_created() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(_with(alb={"groupName": "UPPER"}))
    assert "nothing was created" in str(caught.value)
    assert "alb-ingress:alb.groupName" in str(caught.value)


_label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)
_group_char = st.sampled_from(string.ascii_lowercase + string.digits + "-.")


@st.composite
def valid_group_names(draw: st.DrawFn) -> str:
    edge = string.ascii_lowercase + string.digits
    first = draw(st.sampled_from(edge))
    middle = draw(st.text(alphabet=string.ascii_lowercase + string.digits + "-.", max_size=61))
    last = draw(st.sampled_from(edge))
    return (first + middle + last)[:63] if middle else first


@settings(max_examples=60, deadline=None)
@given(valid_group_names())
def test_any_group_name_within_the_controllers_rules_is_accepted(name: str) -> None:
    assert parse_settings(_with(alb={"groupName": name})).alb.group_name == name


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_group_names_outside_the_rules_are_rejected(name: str) -> None:
    valid = len(name) <= 63 and re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name) is not None
    config = _with(alb={"groupName": name})
    if valid:
        assert parse_settings(config).alb.group_name == name
    else:
        assert "alb-ingress:alb.groupName" in _problems(config)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-10_000, max_value=10_000))
def test_idle_timeout_accepts_exactly_the_alb_range(seconds: int) -> None:
    config = _with(alb={"idleTimeoutSeconds": seconds})
    if 1 <= seconds <= 4000:
        assert parse_settings(config).alb.idle_timeout_seconds == seconds
    else:
        assert "1 to 4000" in _problems(config)["alb-ingress:alb.idleTimeoutSeconds"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["HTTP", "HTTPS"]), st.integers(min_value=1, max_value=65535)),
        min_size=1,
        max_size=4,
        unique_by=lambda entry: entry[1],
    ),
    st.integers(min_value=1, max_value=65535),
)
def test_ssl_redirect_must_point_at_a_listed_https_port(ports: list[tuple[str, int]], redirect: int) -> None:
    listen = [{proto: port} for proto, port in ports]
    config = _with(alb={"listenPorts": listen, "sslRedirect": redirect})
    https = [port for proto, port in ports if proto == "HTTPS"]
    if https and redirect in https:
        assert parse_settings(config).alb.ssl_redirect == redirect
    else:
        problems = _problems(config)
        key = "alb-ingress:alb.listenPorts" if not https else "alb-ingress:alb.sslRedirect"
        assert key in problems


@settings(max_examples=60, deadline=None)
@given(_label, st.lists(_label, min_size=1, max_size=3))
def test_wildcards_cover_exactly_one_label(head: str, parent_labels: list[str]) -> None:
    parent = ".".join([*parent_labels, "com"])
    assert host_covered_by(f"{head}.{parent}", f"*.{parent}")
    assert not host_covered_by(parent, f"*.{parent}")
    assert not host_covered_by(f"a.{head}.{parent}", f"*.{parent}")
    assert host_covered_by(f"{head}.{parent}", f"{head}.{parent}")
    assert not host_covered_by(f"{head}.{parent}", f"x{head}.{parent}")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["us-east-1", "eu-central-2", "ap-southeast-4", "cn-north-1", "us-gov-west-1"]))
def test_certificate_region_must_equal_stack_region(region: str) -> None:
    cert = f"arn:aws:acm:{region}:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
    problems = _problems(_with(**{"aws:region": "us-west-2", "certificate": {"arn": cert}}))
    assert "alb-ingress:certificate.arn" in problems
    assert region in problems["alb-ingress:certificate.arn"]


_component = st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)?", fullmatch=True).filter(lambda c: len(c) <= 20)
_registry = st.sampled_from(
    ["", "docker.io/", "registry.example.com:5000/", "localhost:5000/", "123456789012.dkr.ecr.us-west-2.amazonaws.com/"]
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True).filter(lambda t: t != "latest")


@settings(max_examples=60, deadline=None)
@given(_registry, st.lists(_component, min_size=1, max_size=3), _tag)
def test_image_references_in_the_runtime_grammar_are_accepted(registry: str, path: list[str], tag: str) -> None:
    image = f"{registry}{'/'.join(path)}:{tag}"
    assert parse_settings(_with(echoserver={"image": image})).echoserver.image == image


@settings(max_examples=60, deadline=None)
@given(st.lists(_component, min_size=1, max_size=3), _tag, st.sampled_from(["A", " ", "//", "..", "@", "::"]))
def test_image_paths_with_characters_the_runtime_rejects_are_refused(path: list[str], tag: str, bad: str) -> None:
    image = f"example.com/{'/'.join(path)}{bad}x:{tag}"
    assert "alb-ingress:echoserver.image" in _problems(_with(echoserver={"image": image}))
