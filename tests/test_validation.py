"""The one validator (components.validation), with bad objects written by hand from the upstream rules, and its
use by migrate (nothing refused is written) and check (exit 2).

Expected results are written from the sources the modules cite: apimachinery's IsQualifiedName (63), the
controller v3.5.0 (group.order [-1000, 1000], net.ParseCIDR, maxWeight 999, the group agreement rules), the ELB
API (target-group weights 0..999, 5 condition values per rule), Gateway API v1.6.0's CRDs (maxItems).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from albingress.policies.validation import Problem, validate
from albingress.policies.validation import limits as limit_facts
from albingress.policies.validation.controller import string_map
from albops.__main__ import main
from tests.crd_validation import CRD_DIR, require_crds

ALB = "alb.ingress.kubernetes.io/"
SHAPES = Path(__file__).parent / "data" / "migrate_shapes"
CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"


def ingress(name: str = "web", annotations: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ingressClassName": "alb",
        "rules": [
            {
                "host": "shop.example.com",
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
    body.update(spec)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop", "annotations": dict(annotations or {})},
        "spec": body,
    }


def route(rules: int = 1, matches: int = 1, weight: int = 1, hostnames: int = 1) -> dict[str, Any]:
    rule = {
        "matches": [{"path": {"type": "PathPrefix", "value": f"/p{i}"}} for i in range(matches)],
        "backendRefs": [{"name": "web", "port": 80, "weight": weight}],
    }
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "hostnames": [f"h{i}.example.com" for i in range(hostnames)],
            "rules": [copy.deepcopy(rule) for _ in range(rules)],
        },
    }


def fields(problems: list[Problem]) -> set[str]:
    return {p.field for p in problems}


def test_a_valid_alb_ingress_passes() -> None:
    good = ingress(annotations={ALB + "group.name": "shop", ALB + "inbound-cidrs": "10.0.0.0/8, 2001:db8::/32"})
    assert validate([good]) == []


@pytest.mark.parametrize(("length", "refused"), [(52, False), (53, True)])
def test_annotation_key_name_part_is_at_most_63(length: int, refused: bool) -> None:
    # "conditions." is 11 characters: a 52-character Service name makes 63, the most IsQualifiedName takes.
    key = ALB + "conditions." + "s" * length
    problems = validate([ingress(annotations={key: "[]"})])
    assert (f'metadata.annotations["{key}"]' in fields(problems)) is refused


def test_label_values_names_and_annotation_size() -> None:
    obj = ingress(name="Web_1", annotations={"big": "x" * (256 * 1024)})
    obj["metadata"]["labels"] = {"app": "-bad-", "a" * 64: "ok"}
    found = fields(validate([obj]))
    assert {
        "metadata.name",
        'metadata.labels["app"]',
        f'metadata.labels["{"a" * 64}"]',
        "metadata.annotations",
    } <= found


def test_a_service_name_is_a_dns1035_label() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "1web", "namespace": "shop"},
        "spec": {"ports": [{"port": 80}]},
    }
    assert fields(validate([service])) == {"metadata.name"}


def test_schema_errors_name_the_field() -> None:
    obj = ingress()
    obj["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] = "80"
    obj["spec"]["unknownField"] = 1
    found = fields(validate([obj]))
    assert "spec.rules[0].http.paths[0].backend.service.port.number" in found
    assert "spec" in found  # strict: an unknown field is refused


@pytest.mark.parametrize("cidr", ["203.0.113.7", "10.0.0.0/33", "not-a-cidr", "10.0.0.0/8 10.1.0.0/16"])
def test_inbound_cidrs_go_refuses(cidr: str) -> None:
    problems = validate([ingress(annotations={ALB + "inbound-cidrs": f"192.168.0.0/16,{cidr}"})])
    assert [p.field for p in problems] == [f'metadata.annotations["{ALB}inbound-cidrs"]']
    assert repr(cidr) in problems[0].rule


def using(obj: dict[str, Any], name: str) -> dict[str, Any]:
    """``obj`` with its path's backend the action ``name`` (the controller reads actions.<name> only then)."""
    obj["spec"]["rules"][0]["http"]["paths"][0]["backend"] = {
        "service": {"name": name, "port": {"name": "use-annotation"}}
    }
    return obj


def weighted(weight: Any, groups: int = 2) -> dict[str, Any]:
    targets = [{"serviceName": f"s{i}", "servicePort": 80, "weight": weight} for i in range(groups)]
    action = {"type": "forward", "forwardConfig": {"targetGroups": targets}}
    return using(ingress(annotations={ALB + "actions.split": json.dumps(action)}), "split")


@pytest.mark.parametrize(
    ("weight", "groups", "refused"), [(999, 2, False), (0, 2, False), (9995, 2, True), (-1, 2, True)]
)
def test_target_group_weights_are_0_to_999(weight: int, groups: int, refused: bool) -> None:
    assert bool(validate([weighted(weight, groups)])) is refused


def test_forward_rules_of_the_controller() -> None:
    assert validate([weighted("10")])  # a JSON string is not an int32
    assert validate([weighted(1, groups=6)])  # at most 5 target groups
    no_weight = ingress(
        annotations={
            ALB + "actions.split": json.dumps(
                {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "a", "servicePort": 80}] * 2}}
            )
        }
    )
    assert validate([using(no_weight, "split")])
    assert validate([using(ingress(annotations={ALB + "actions.x": '{"type": "forwards"}'}), "x")])
    assert validate([using(ingress(annotations={ALB + "actions.x": "{not json"}), "x")])
    # Not used by any backend: the controller never reads it (enhanced_backend_builder.go), so neither is it judged.
    assert validate([ingress(annotations={ALB + "actions.x": "{not json", ALB + "conditions.y": "[1]"})]) == []


def test_use_annotation_backend_needs_its_action() -> None:
    obj = ingress()
    obj["spec"]["rules"][0]["http"]["paths"][0]["backend"] = {
        "service": {"name": "x", "port": {"name": "use-annotation"}}
    }
    assert fields(validate([obj])) == {"spec.rules[0].http.paths[0].backend"}


def test_conditions_shape_and_the_five_values_of_a_rule() -> None:
    # Go's json.Unmarshal matches field names without case: sourceIpConfig fills sourceIPConfig.
    ok = [{"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8", "10.1.0.0/16"]}}]
    assert validate([ingress(annotations={ALB + "conditions.web": json.dumps(ok)})]) == []
    # host (1) + Prefix "/x" (2: /x and /x/*) + 3 source-ip values = 6 > 5.
    many = [{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16"]}}]
    obj = ingress(annotations={ALB + "conditions.web": json.dumps(many)})
    obj["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/x"
    assert fields(validate([obj])) == {"spec.rules[0].http.paths[0]"}
    both = [{"field": "path-pattern", "pathPatternConfig": {"values": ["/a"], "regexValues": ["^/a"]}}]
    assert validate([ingress(annotations={ALB + "conditions.web": json.dumps(both)})])
    bad_ip = [{"field": "source-ip", "sourceIpConfig": {"values": ["203.0.113.7"]}}]
    assert validate([ingress(annotations={ALB + "conditions.web": json.dumps(bad_ip)})])
    assert validate([ingress(annotations={ALB + "transforms.web": '[{"type": "url-rewrite"}]'})])


def _conditions(conditions: Any, path: str = "/", path_type: str = "Prefix", **annotations: str) -> list[Problem]:
    obj = ingress(annotations={ALB + "conditions.web": json.dumps(conditions), **annotations})
    obj["spec"]["rules"][0]["http"]["paths"][0].update(path=path, pathType=path_type)
    return validate([obj])


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        # RuleCondition's fields are Go strings and []string (v3.5.0 pkg/ingress/config_types.go): json.Unmarshal
        # fails on any other JSON type, and ParseJSONAnnotation with it.
        ([{"field": "source-ip", "sourceIPConfig": {"values": [10]}}], "sourceIPConfig.values[0] is a number"),
        ([{"field": "source-ip", "sourceIPConfig": {"values": "10.0.0.0/8"}}], "values is a string, not an array"),
        ([{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": 1, "values": ["a"]}}], "is a number"),
        ([{"field": "query-string", "queryStringConfig": {"values": [{"value": 7}]}}], "value is a number"),
        ([{"field": "query-string", "queryStringConfig": {"values": ["a=b"]}}], "is a string, not an object"),
        ([{"field": True}], "field is a boolean, not a string"),
        # Every field is decoded, the condition's own or not: a stray config of the wrong type fails too.
        (
            [{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"]}, "hostHeaderConfig": []}],
            "hostHeaderConfig is an array, not an object",
        ),
        # Field names match without case, so "Values" is read, and checked.
        ([{"field": "http-request-method", "httpRequestMethodConfig": {"Values": [{}]}}], "Values[0] is an object"),
    ],
)
def test_a_condition_of_a_type_go_cannot_decode_is_refused(conditions: Any, said: str) -> None:
    (problem,) = _conditions(conditions)
    assert said in problem.rule and "json.Unmarshal refuses it" in problem.rule, problem.rule


def test_conditions_as_the_controller_and_the_elb_api_take_them() -> None:
    # A null leaves a Go value as it was: not a type error.
    assert _conditions([{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"]}, "x": None}]) == []
    # ELB API RuleCondition: at most one http-request-method and one source-ip condition per rule; the controller
    # makes one condition of each entry. http-header and query-string may repeat.
    ip = {"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"]}}
    (problem,) = _conditions([ip, ip])
    assert "conditions 0 and 1 are both source-ip" in problem.rule and "CreateRule fails" in problem.rule
    get = {"field": "http-request-method", "httpRequestMethodConfig": {"values": ["GET"]}}
    assert "both http-request-method" in _conditions([get, get])[0].rule
    header = {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-a", "values": ["1"]}}
    assert _conditions([header, {**header, "httpHeaderConfig": {"httpHeaderName": "x-b", "values": ["2"]}}]) == []
    # An unknown field is not refused by the controller (Validate has no default case): the condition is dropped
    # and the rule matches more than meant, so it is a finding that says so.
    (problem,) = _conditions([{"field": "Host-Header", "hostHeaderConfig": {"values": ["a.example.com"]}}])
    assert "unknown field 'Host-Header'; the controller drops the condition" in problem.rule


def test_the_values_a_rule_holds_are_counted_as_the_controller_builds_it() -> None:
    """buildRuleConditions (v3.5.0 pkg/ingress/model_build_listener_rules.go): host + path values + conditions,
    host-header and path-pattern values merged in; an empty path adds no value; regexValues exist only for
    host-header, http-header and path-pattern (Go drops the key of the other three)."""
    four = [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-env", "values": ["a", "b", "c", "d"]}}]
    # host + 4 = 5 with an empty ImplementationSpecific path; with "/x" it is 6.
    assert _conditions(four, path="", path_type="ImplementationSpecific") == []
    (problem,) = _conditions(four, path="/x", path_type="ImplementationSpecific")
    assert "would hold 6 condition values" in problem.rule
    ip = [{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"], "regexValues": ["a", "b", "c", "d"]}}]
    assert _conditions(ip, path="/x") == []  # host + /x + /x/* + 1 = 4: the regexValues are not sent


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        # ELB API Reference: HttpHeaderConditionConfig's name up to 40 characters and each value up to 128;
        # HttpRequestMethodConditionConfig's values up to 40 of A-Z, '-' and '_' (case-sensitive); host values as
        # HostHeaderConditionConfig takes them; path values up to 128. The controller passes them on as written.
        ({"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x" * 41, "values": ["1"]}}, "1 to 40"),
        ({"field": "http-header", "httpHeaderConfig": {"values": ["1"]}}, "httpHeaderName None"),
        ({"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-a", "values": ["v" * 129]}}, "over 128"),
        ({"field": "http-request-method", "httpRequestMethodConfig": {"values": ["get"]}}, "'get' is not a method"),
        ({"field": "host-header", "hostHeaderConfig": {"values": ["exa mple.com"]}}, "is not a host value"),
        ({"field": "host-header", "hostHeaderConfig": {"values": ["*." + "a" * 126 + ".c"]}}, "is not a host value"),
        ({"field": "host-header", "hostHeaderConfig": {"values": ["*.ex\u00e4mple.com"]}}, "is not a host value"),
        ({"field": "path-pattern", "pathPatternConfig": {"values": ["/" + "p" * 128]}}, "over 128"),
    ],
)
def test_condition_values_the_elb_api_refuses_are_refused(condition: dict[str, Any], said: str) -> None:
    (problem,) = _conditions([condition])
    assert said in problem.rule, problem.rule


def test_condition_values_the_elb_api_takes_pass() -> None:
    """The other side: a host value of '*.com' has its '.' and letters after it; a query key and value of 100
    characters each are each within 128."""
    assert _conditions([{"field": "host-header", "hostHeaderConfig": {"values": ["*.com"]}}]) == []
    pair = {"key": "k" * 100, "value": "v" * 100}
    assert _conditions([{"field": "query-string", "queryStringConfig": {"values": [pair]}}]) == []


def test_what_go_drops_or_the_elb_refuses_among_condition_values() -> None:
    # HttpRequestMethodConditionConfig has no RegexValues: Go drops the key, so its length is nobody's business.
    method = {
        "field": "http-request-method",
        "httpRequestMethodConfig": {"values": ["GET"], "regexValues": ["x" * 200]},
    }
    assert _conditions([method]) == []
    # A header name is an HTTP token; a value is never empty (ELB API RuleCondition).
    spaced = {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x a", "values": ["1"]}}
    assert "is not a header name" in _conditions([spaced])[0].rule
    empty = {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-a", "values": [""]}}
    assert "an empty value" in _conditions([empty])[0].rule


def test_an_annotation_that_nearly_names_a_backend_is_said_and_a_v1beta1_backend_counts() -> None:
    """The controller reads conditions.<name> for backends of exactly that name: conditions.Web for the backend
    web protects nothing. A v1beta1 serviceName names a backend as a v1 service.name does."""
    allow = json.dumps([{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"]}}])
    (problem,) = validate([ingress(annotations={ALB + "conditions.Web": allow})])
    assert "names no backend of this Ingress" in problem.rule and "conditions.web" in problem.rule
    # Not when the backend has its own (renaming would replace it), nor for a name alike but not the same
    # (migrate leaves transforms.<svc> behind when it renames the backend <svc>-host-<hash>).
    assert validate([ingress(annotations={ALB + "conditions.Web": allow, ALB + "conditions.web": allow})]) == []
    renamed = ingress(annotations={ALB + "transforms.tenant-dashboard-frontend": "[]"})
    renamed["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "tenant-dashboard-frontend-host-61"
    assert validate([renamed]) == []
    old = ingress(annotations={ALB + "conditions.web": '[{"field": "host-header"}]'})
    old["spec"]["rules"][0]["http"]["paths"][0]["backend"] = {"serviceName": "web", "servicePort": 80}
    assert any("has no hostHeaderConfig" in p.rule for p in validate([old]))
    # v1beta1's default backend is spec.backend.
    default = ingress(annotations={ALB + "conditions.fallback": '[{"field": "host-header"}]'})
    default["spec"]["backend"] = {"serviceName": "fallback", "servicePort": 80}
    assert any("has no hostHeaderConfig" in p.rule for p in validate([default]))


def test_rules_of_the_wrong_type_are_api_server_findings_not_a_traceback() -> None:
    obj = ingress()
    obj["spec"]["rules"] = 5
    assert validate([obj])


def test_a_rule_over_five_wildcards_is_refused() -> None:
    """ELB quota "Wildcards per rule": 5, across host and path values and the conditions' values (not regexes).
    Host *.example.com (1), ImplementationSpecific /x*y (1) and header values a*, b?, c* (3) make 5 (in 5 values);
    a** makes 6."""
    header: dict[str, Any] = {
        "field": "http-header",
        "httpHeaderConfig": {"httpHeaderName": "x-a", "values": ["a*", "b?", "c*"]},
    }
    obj = ingress(annotations={ALB + "conditions.web": json.dumps([header])})
    obj["spec"]["rules"][0]["host"] = "*.example.com"
    obj["spec"]["rules"][0]["http"]["paths"][0].update(path="/x*y", pathType="ImplementationSpecific")
    assert validate([obj]) == []
    header["httpHeaderConfig"]["values"] = ["a**", "b?", "c*"]
    obj["metadata"]["annotations"][ALB + "conditions.web"] = json.dumps([header])
    (problem,) = validate([obj])
    assert "would hold 6 wildcards" in problem.rule
    # A regex path holds none: 5 again.
    obj["metadata"]["annotations"][ALB + "use-regex-path-match"] = "true"
    assert validate([obj]) == []


def test_a_fixed_response_content_type_is_one_the_elb_api_takes() -> None:
    action = {"type": "fixed-response", "fixedResponseConfig": {"statusCode": "200", "contentType": "text/xml"}}
    (problem,) = validate([using(ingress(annotations={ALB + "actions.web": json.dumps(action)}), "web")])
    assert "contentType 'text/xml' is not one of text/plain" in problem.rule


def test_a_rule_whose_merged_host_or_path_would_mix_values_and_regex_values_is_refused() -> None:
    """buildRuleConditions refuses a host or path condition with both values and regexValues once the rule's own
    host and path are merged with the conditions annotation ('host condition must specify exactly one of
    Values and RegexValues')."""
    host_regex = [{"field": "host-header", "hostHeaderConfig": {"regexValues": ["^shop"]}}]
    (problem,) = _conditions(host_regex)
    assert "its host condition would hold both values and regexValues" in problem.rule
    path_regex = [{"field": "path-pattern", "pathPatternConfig": {"regexValues": ["^/a"]}}]
    assert "its path condition would hold both" in _conditions(path_regex)[0].rule
    # An empty path has no path value to mix with; a regex path (use-regex-path-match) takes regexValues.
    assert _conditions(path_regex, path="", path_type="ImplementationSpecific") == []
    regex_mode = {ALB + "use-regex-path-match": "true"}
    assert _conditions(path_regex, path="/a.*", path_type="ImplementationSpecific", **regex_mode) == []
    path_values = [{"field": "path-pattern", "pathPatternConfig": {"values": ["/b"]}}]
    assert (
        "its path condition would hold both"
        in _conditions(path_values, path="/a.*", path_type="ImplementationSpecific", **regex_mode)[0].rule
    )
    # An empty path in regex mode is no regex at all (the controller skips an empty path): not refused.
    assert _conditions([], path="", path_type="ImplementationSpecific", **regex_mode) == []


@pytest.mark.parametrize(
    ("action", "said"),
    [
        # The controller passes these configs on as written; CreateRule checks them against the ELB API model.
        ({"type": "redirect", "redirectConfig": {"protocol": "https", "statusCode": "HTTP_301"}}, "protocol 'https'"),
        ({"type": "redirect", "redirectConfig": {"statusCode": "301"}}, "statusCode '301' is not one of"),
        ({"type": "redirect", "redirectConfig": {"port": "0", "statusCode": "HTTP_301"}}, "port '0' is not 1..65535"),
        (
            {"type": "redirect", "redirectConfig": {"port": "\u0664\u0664\u0663", "statusCode": "HTTP_301"}},
            "is not 1..65535",
        ),
        ({"type": "redirect", "redirectConfig": {"path": "", "statusCode": "HTTP_302"}}, "path is 0 characters"),
        ({"type": "redirect", "redirectConfig": {"host": "h" * 129, "statusCode": "HTTP_302"}}, "host is 129"),
        ({"type": "fixed-response", "fixedResponseConfig": {"statusCode": "302"}}, "statusCode '302' does not match"),
        ({"type": "fixed-response", "fixedResponseConfig": {"statusCode": "\uff12\uff10\uff10"}}, "does not match"),
        ({"type": "fixed-response", "fixedResponseConfig": {"statusCode": "200", "messageBody": "x" * 1025}}, "1025"),
    ],
)
def test_action_configs_the_elb_api_refuses_are_refused(action: dict[str, Any], said: str) -> None:
    (problem,) = validate([using(ingress(annotations={ALB + "actions.web": json.dumps(action)}), "web")])
    assert said in problem.rule, problem.rule


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        # Action and Transform (v3.5.0 pkg/ingress/config_types.go): Port *string, StatusCode string, Enabled
        # *bool, DurationSeconds *int32, ServicePort *intstr.IntOrString, RewriteConfig.Regex string. A value of
        # another JSON type fails json.Unmarshal, so ParseJSONAnnotation, so the Ingress.
        (
            "actions.web",
            {"type": "redirect", "redirectConfig": {"protocol": "HTTPS", "port": 443, "statusCode": "HTTP_301"}},
            "redirectConfig.port is a number, not a string",
        ),
        (
            "actions.web",
            {
                "type": "forward",
                "forwardConfig": {
                    "targetGroups": [{"serviceName": "a", "servicePort": 80}],
                    "targetGroupStickinessConfig": {"enabled": "true"},
                },
            },
            "enabled is a string, not true or false",
        ),
        (
            "actions.web",
            {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "a", "servicePort": 80.5}]}},
            "servicePort is not a JSON integer",
        ),
        (
            "transforms.web",
            [{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": 1, "replace": "/"}]}}],
            "rewrites[0].regex is a number, not a string",
        ),
    ],
)
def test_action_and_transform_values_go_cannot_decode_are_refused(key: str, value: Any, said: str) -> None:
    obj = ingress(annotations={ALB + key: json.dumps(value)})
    (problem,) = validate([using(obj, "web") if key.startswith("actions.") else obj])
    assert said in problem.rule and "json.Unmarshal refuses it" in problem.rule, problem.rule


def test_action_configs_the_elb_api_takes_pass() -> None:
    for action in (
        {"type": "redirect", "redirectConfig": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}},
        {
            "type": "redirect",
            "redirectConfig": {"protocol": "#{protocol}", "port": "#{port}", "statusCode": "HTTP_302"},
        },
        {"type": "redirect", "redirectConfig": {"path": "/new/#{path}", "query": "", "statusCode": "HTTP_301"}},
        {"type": "fixed-response", "fixedResponseConfig": {"statusCode": "503", "contentType": "text/plain"}},
    ):
        assert validate([using(ingress(annotations={ALB + "actions.web": json.dumps(action)}), "web")]) == [], action


def test_the_action_limits_are_the_pinned_botocore_models() -> None:
    from albingress.facts.botocore_data import service_model
    from albingress.policies.validation.controller import FIXED_RESPONSE_API, REDIRECT_API

    shapes = service_model("elbv2")["shapes"]
    for config, rules in (("RedirectActionConfig", REDIRECT_API), ("FixedResponseActionConfig", FIXED_RESPONSE_API)):
        members = shapes[config]["members"]
        for key, (kind, rule) in rules.items():
            shape = shapes[members[key[0].upper() + key[1:]]["shape"]]
            expected = {
                "pattern": shape.get("pattern"),
                "enum": tuple(shape.get("enum") or ()),
                "length": (shape.get("min"), shape.get("max")),
            }[kind]
            assert rule == expected, (config, key)


@pytest.mark.parametrize(
    ("suffix", "value", "refused"),
    [
        ("group.order", "1000", False),
        ("group.order", "-1000", False),
        ("group.order", "1001", True),
        ("group.order", "1.5", True),
        ("group.name", "a" * 63, False),
        ("group.name", "a" * 64, True),
        ("group.name", "Shop", True),
        ("listen-ports", '[{"HTTP": 80}, {"HTTPS": 443}]', False),
        ("listen-ports", '[{"HTTP": "80"}]', True),
        ("listen-ports", '[{"TCP": 80}]', True),
        ("listen-ports", "[]", True),
        ("listen-ports", '[{"HTTPS": 70000}]', True),
        # Go's json.Unmarshal into []map[string]int32: a null entry is an empty map (the other entries count), a
        # null list is no port (the controller refuses an empty list), a fraction or exponent is no int32.
        ("listen-ports", '[null, {"HTTPS": 443}]', False),
        ("listen-ports", "null", True),
        ("listen-ports", '[{"HTTPS": 443.0}]', True),
        ("listen-ports", '[{"HTTPS": 4.43e2}]', True),
        ("ssl-redirect", "https", True),
        ("load-balancer-attributes", "idle_timeout.timeout_seconds=120,deletion_protection.enabled=true", False),
        ("load-balancer-attributes", "idle_timeout.timeout_seconds", True),
        ("load-balancer-attributes", "=1", True),
        ("use-regex-path-match", "yes", True),
    ],
)
def test_annotation_syntax_as_the_controller_parses_it(suffix: str, value: str, refused: bool) -> None:
    problems = validate([ingress(annotations={ALB + suffix: value, ALB + "certificate-arn": CERT_ARN})])
    assert bool([p for p in problems if suffix in p.field]) is refused, problems


def test_string_map_follows_split_key_value_pairs() -> None:
    # The controller's splitKeyValuePairs: a comma followed by no '=' stays in the value; '\,' escapes.
    assert string_map("a=1,2,b=3") is None  # ",2,b=3" holds '=', so "2" is a pair of its own without '='
    assert string_map("a=1\\,2,b=3") == {"a": "1,2", "b": "3"}
    assert string_map("a=1,") == {"a": "1,"}


def test_exact_and_prefix_paths_refuse_wildcards() -> None:
    obj = ingress()
    obj["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/api/*"
    assert fields(validate([obj])) == {"spec.rules[0].http.paths[0].path"}


def test_group_members_must_agree() -> None:
    a = ingress("a", {ALB + "group.name": "shop", ALB + "scheme": "internal"})
    b = ingress("b", {ALB + "group.name": "shop", ALB + "scheme": "internet-facing"})
    c = ingress("c", {ALB + "group.name": "other", ALB + "scheme": "internet-facing"})
    problems = validate([a, b, c])
    assert [(p.document, p.group) for p in problems] == [("Ingress shop/b", "shop")]
    attrs = [
        ingress("a", {ALB + "group.name": "g", ALB + "load-balancer-attributes": "idle_timeout.timeout_seconds=60"}),
        ingress("b", {ALB + "group.name": "g", ALB + "load-balancer-attributes": "idle_timeout.timeout_seconds=120"}),
    ]
    assert [p.group for p in validate(attrs)] == ["g"]
    cidrs = [
        ingress("a", {ALB + "group.name": "g", ALB + "inbound-cidrs": "10.0.0.0/8"}),
        ingress("b", {ALB + "group.name": "g", ALB + "inbound-cidrs": "10.0.0.0/8"}),
        ingress("c", {ALB + "group.name": "g", ALB + "inbound-cidrs": "192.168.0.0/16"}),
        ingress("d", {ALB + "group.name": "g"}),  # none: the merge skips it
    ]
    assert [p.document for p in validate(cidrs)] == ["Ingress shop/c"]


def test_one_default_backend_per_listener_not_per_group() -> None:
    """v3.5.0 buildListenerDefaultActions: each listener takes the defaultBackend of the members on its port; two
    there, even the same one, stop the group; members on different ports may each have one, and an HTTP
    listener of a group with ssl-redirect redirects whatever its members' defaultBackends say."""
    backend = {"service": {"name": "web", "port": {"number": 80}}}
    ports = '[{"HTTP": 80}, {"HTTPS": 443}]'

    def member(name: str, **annotations: str) -> dict[str, Any]:
        found = {ALB + "group.name": "g", **{ALB + k.replace("_", "-"): v for k, v in annotations.items()}}
        return ingress(name, found, defaultBackend=backend)

    same_port = validate([member("a"), member("b")])
    assert [(p.document, p.field) for p in same_port] == [("Ingress shop/b", "spec.defaultBackend")], same_port
    assert "multiple ingress defined default backend" in same_port[0].rule
    assert validate([member("a"), member("b", listen_ports='[{"HTTP": 8080}]')]) == []
    deleting = member("b")
    deleting["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"  # out of the group (loadGroupIDIfAnyHelper)
    assert validate([member("a"), deleting]) == []
    both = {"listen_ports": ports, "certificate_arn": CERT_ARN}
    # ssl-redirect: HTTP 80 redirects, but HTTPS 443 still has two.
    redirected = validate([member("a", **both, ssl_redirect="443"), member("b", **both)])
    assert [(p.document, "port 443" in p.rule) for p in redirected] == [("Ingress shop/b", True)], redirected


def test_ssl_redirect_needs_an_https_listen_port_of_the_group() -> None:
    lone = ingress(annotations={ALB + "ssl-redirect": "443"})
    assert [p.group for p in validate([lone])] == ["(implicit) shop/web"]
    ports = '[{"HTTP": 80}, {"HTTPS": 443}]'
    ok = ingress(
        annotations={ALB + "ssl-redirect": "443", ALB + "listen-ports": ports, ALB + "certificate-arn": CERT_ARN}
    )
    assert validate([ok]) == []


def test_route_limits_and_weights() -> None:
    assert validate([route(rules=16, matches=8)]) == []
    assert fields(validate([route(rules=17)])) == {"spec.rules"}
    assert fields(validate([route(hostnames=17)])) == {"spec.hostnames"}
    assert fields(validate([route(matches=65)])) == {"spec.rules[0].matches"}
    assert fields(validate([route(rules=3, matches=43)])) == {"spec.rules"}  # 129 matches in all
    assert fields(validate([route(weight=1000)])) == {"spec.rules[0].backendRefs[0].weight"}
    assert validate([route(weight=999)]) == []


def test_not_an_object_is_a_problem_not_an_exception() -> None:
    assert [p.field for p in validate(["text", {"kind": 3}])] == ["kind", "kind"]


@functools.cache
def _gateway_crds() -> list[Any]:
    # libyaml, once: the pure-Python loader took 11 s per pass over this 1 MB file.
    return list(yaml.load_all((CRD_DIR / "gateway-api-v1.6.0-standard.yaml").read_text(), Loader=yaml.CSafeLoader))


def _crd_max_items(kind: str, path: str) -> int | None:
    for doc in _gateway_crds():
        if not doc or doc["spec"]["names"]["kind"] != kind:
            continue
        version = next(v for v in doc["spec"]["versions"] if v.get("storage"))
        schema = version["schema"]["openAPIV3Schema"]
        for part in path.split("."):
            schema = schema["properties"][part.removesuffix("[]")]
            if part.endswith("[]"):
                schema = schema["items"]
        return int(schema["maxItems"])
    return None


def test_the_limits_agree_with_the_real_crds() -> None:
    require_crds()
    for kind, paths in limit_facts.MAX_ITEMS.items():
        for path, limit in paths.items():
            assert _crd_max_items(kind, path) == limit, (kind, path)
    text = (CRD_DIR / "gateway-api-v1.6.0-standard.yaml").read_text()
    assert text.count(f"matches.size() : 0) <= {limit_facts.MAX_MATCHES_PER_ROUTE}") == len(limit_facts.ROUTE_KINDS)


# migrate: nothing refused is written.


def _migrate(tmp_path: Path, objects: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump_all(objects))
    code = main(["migrate", str(source), "--group", "shop"])
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_leaves_out_what_the_validator_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = ingress(name="other")
    broken["spec"]["ingressClassName"] = "other"  # passed through, but the API server refuses its label
    broken["metadata"]["labels"] = {"app": "-web-"}
    good = ingress()
    good["spec"]["ingressClassName"] = "nginx"
    code, out, err = _migrate(tmp_path, [good, broken], capsys)
    written = [d for d in yaml.safe_load_all(out) if d]
    assert [d["metadata"]["name"] for d in written] == ["web"]
    assert code == 1
    assert 'metadata.labels["app"]' in err and "Not written" in err


def test_migrate_writes_nothing_when_a_group_rule_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An existing ALB member of the group the conversion joins, with a different scheme: the group would stop.
    existing = ingress("existing", {ALB + "group.name": "shop", ALB + "scheme": "internet-facing"})
    nginx = ingress()
    nginx["spec"]["ingressClassName"] = "nginx"
    code, out, err = _migrate(tmp_path, [existing, nginx], capsys)
    assert code == 3
    assert out == ""
    assert "ALB group 'shop'" in err and "Nothing was written" in err


# check: the same validator, each finding bad input.


def test_check_reports_the_validator_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(weighted(9995)))
    code = main(["check", str(source)])
    out = capsys.readouterr().out
    # What the controller refuses is a violation (exit 1), as the guardrails' controller rules are.
    assert code == 1
    assert "[k8s-validation] Ingress shop/web" in out and "9995" in out
    # What the API server refuses is bad input (exit 2).
    bad = weighted(1)
    bad["metadata"]["labels"] = {"app": "-web-"}
    source.write_text(yaml.safe_dump(bad))
    assert main(["check", str(source)]) == 2
    assert 'metadata.labels["app"]' in capsys.readouterr().out


def test_check_says_a_thing_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The guardrails already report a bad ssl-redirect for the group; the validator's finding is not repeated.
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(ingress(annotations={ALB + "ssl-redirect": "443", ALB + "group.name": "g"})))
    main(["check", str(source), "--json"])
    rules = [v["rule"] for v in json.loads(capsys.readouterr().out)["violations"]]
    assert "alb-ssl-redirect" in rules and "alb-group-agreement" not in rules


# Input shapes: exit 2 naming the file, the document, the object and the field.

SHAPE_FIELDS = {
    "spec-string.yaml": "(Ingress shop/web): spec must be a mapping",
    "metadata-list.yaml": "(Ingress (unnamed)): metadata must be a mapping",
    "rules-mapping.yaml": "spec.rules must be a list",
    "paths-mapping.yaml": "spec.rules[0].http.paths must be a list",
    "annotations-list.yaml": "metadata.annotations must be a mapping",
    "port-text.yaml": "backend.service.port.number must be a number",
    "service-name-number.yaml": "backend.service.name must be text",
    "pathtype-unknown.yaml": "pathType must be one of Exact, Prefix, ImplementationSpecific, not 'Regex'",
    "duplicate-key.yaml": "line 9: key 'nginx.ingress.kubernetes.io/whitelist-source-range' is repeated",
    "list-item-spec-string.yaml": "document 1 item 2 (Ingress shop/web): spec must be a mapping",
}


@pytest.mark.parametrize("name", sorted(SHAPE_FIELDS))
def test_hostile_shapes_exit_2_naming_the_document_and_field(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(SHAPES / name)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {SHAPES / name}") and SHAPE_FIELDS[name] in err
    assert len(err.strip().splitlines()) == 1


def test_every_shape_file_is_tested() -> None:
    assert {p.name for p in SHAPES.glob("*.yaml")} == set(SHAPE_FIELDS)


def test_alb_condition_values_at_most_128_and_hosts_the_alb_takes() -> None:
    long_prefix = ingress()
    long_prefix["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/" + "a" * 126  # "/a..a/*" is 129
    assert fields(validate([long_prefix])) == {"spec.rules[0].http.paths[0].path"}
    fits = ingress()
    fits["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/" + "a" * 125
    assert validate([fits]) == []
    no_dot = ingress()
    no_dot["spec"]["rules"][0]["host"] = "localhost"
    assert fields(validate([no_dot])) == {"spec.rules[0].host"}
    wildcard = ingress()
    wildcard["spec"]["rules"][0]["host"] = "*.example.com"
    assert validate([wildcard]) == []


@pytest.mark.parametrize(
    ("path_type", "refused"), [("exact", True), ("prefix", True), ("Regex", True), ("Exact", False)]
)
def test_a_path_type_the_api_server_does_not_support_is_refused(path_type: str, refused: bool) -> None:
    """The API server takes Exact, Prefix or ImplementationSpecific, case and all (validateHTTPIngressPath,
    supportedPathTypes); the schema says only "string", so the one validator (check, migrate, the plan) says it."""
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "host": "a.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": path_type,
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    found = [p for p in validate([ingress]) if p.field.endswith("pathType")]
    assert bool(found) is refused, found
    if refused:
        assert found[0].field == "spec.rules[0].http.paths[0].pathType"
        assert f"{path_type!r} is not one of Exact, Prefix, ImplementationSpecific" in found[0].rule
