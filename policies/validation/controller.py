"""The AWS Load Balancer Controller v3.5.0's own rules: what it refuses when it builds an ALB from Ingresses and
routes, which stops the reconcile of the whole group (every member, not only the one at fault).

Sources (kubernetes-sigs/aws-load-balancer-controller, tag v3.5.0):
- pkg/annotations/parser.go: ints are ``strconv.ParseInt(raw, 10, 32)``, booleans ``strconv.ParseBool``, JSON
  ``json.Unmarshal``, string maps comma-separated ``key=value`` pairs (``splitKeyValuePairs``), each with '='
  and a non-empty key;
- pkg/ingress/config_types.go: the ``actions.*`` (Action.validate), ``conditions.*`` (RuleCondition.Validate)
  and ``transforms.*`` (Transform.Validate) JSON shapes;
- pkg/ingress/enhanced_backend_builder.go: a ``use-annotation`` backend needs its ``actions.<name>``;
- pkg/ingress/model_build_listener.go: ``listen-ports`` (a non-empty JSON list of {HTTP|HTTPS: 1..65535}),
  ``inbound-cidrs`` (each through Go ``net.ParseCIDR``);
- pkg/ingress/model_build_listener_rules.go: no '*' or '?' in an Exact or Prefix path; a Prefix path gives two
  path values (``/x`` and ``/x/*``), ``/`` one;
- pkg/ingress/group_loader.go: ``group.name`` ``^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$`` of at most 63,
  ``group.order`` within [-1000, 1000];
- pkg/ingress/model_builder.go, model_build_load_balancer*.go: what the members of a group must agree on
  (scheme, ip-address-type, load-balancer-name, WAF, load-balancer-attributes per key, tags per key; per listen
  port the protocol, inbound-cidrs, ssl-policy and listener-attributes per key; one ssl-redirect port, which
  must be an HTTPS listen port; at most one defaultBackend per listener);
- pkg/gateway/routeutils/backend.go: a route's backendRef weight at most 999 (``maxWeight``).
And the ELB API (Elastic Load Balancing API Reference, TargetGroupTuple and the listener-rule quotas): a
target group's weight is 0..999, a forward action holds at most 5 target groups, a rule at most 5 condition
values.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from albingress.facts import alb_limits
from albingress.facts.go_values import (  # the one Go ParseCIDR
    GO_BOOL,
    GO_FALSE,
    GO_INT32,
    GO_INT_OR_STRING,
    GO_STRING,
    GO_TRUE,
    GoShape,
    go_bool,
    go_cidr,
    go_json_field,
    go_json_loads,
    go_type_problem,
    too_deep,
)
from albingress.facts.names import CERTIFICATE_ARN, certificate_arns
from albingress.policies.app_checks import go_int32, host_problem, path_problems
from albingress.policies.review import AUTO_MODE_CONTROLLER, CLASS_ANNOTATION, LBC_CONTROLLER, read_listen_ports
from albingress.policies.validation.problem import Problem, annotation_field, describe

ALB = "alb.ingress.kubernetes.io/"
# How the offline plan writes an output not known before apply (albops.preview.runner.UNKNOWN).
UNKNOWN = "(known after apply)"
ALB_CLASS = "alb"
GROUP_NAME = re.compile(r"([a-z0-9][-a-z0-9.]*)?[a-z0-9]")
GROUP_NAME_LENGTH = 63
GROUP_ORDER = (-1000, 1000)
TARGET_GROUP_WEIGHT = (0, 999)
ROUTE_WEIGHT_MAX = 999
FORWARD_TARGET_GROUPS = 5
RULE_CONDITION_VALUES = 5
# ELB API PathPatternConditionConfig / HostHeaderConditionConfig: each value or regex at most 128 characters.
CONDITION_VALUE_LENGTH = 128
ACTION_TYPES = ("fixed-response", "forward", "redirect")
CONDITION_CONFIGS = {
    "host-header": "hostHeaderConfig",
    "http-header": "httpHeaderConfig",
    "http-request-method": "httpRequestMethodConfig",
    "path-pattern": "pathPatternConfig",
    "query-string": "queryStringConfig",
    "source-ip": "sourceIPConfig",
}
# The fields with a RegexValues beside Values (v3.5.0 pkg/ingress/config_types.go): Go drops a regexValues key of
# the other three, which have no such field.
REGEX_CONDITIONS = ("host-header", "http-header", "path-pattern")
# ELB API RuleCondition: a rule takes at most one condition of each of these; the controller makes one condition
# per entry of the annotation for the last two (host-header and path-pattern entries it merges into one).
ONE_PER_RULE = ("http-request-method", "source-ip")
# RuleCondition as json.Unmarshal fills it (config_types.go): a value of another JSON type anywhere in it fails
# the annotation.
_VALUES: GoShape = ("slice", GO_STRING)
_PATTERNS: dict[str, GoShape] = {"regexValues": _VALUES, "values": _VALUES}
# Action and Transform as json.Unmarshal fills them (config_types.go).
_TARGET_GROUP: GoShape = {
    "targetGroupARN": GO_STRING,
    "targetGroupName": GO_STRING,
    "serviceName": GO_STRING,
    "servicePort": GO_INT_OR_STRING,
    "weight": GO_INT32,
}
ACTION_SHAPE: GoShape = {
    "type": GO_STRING,
    "targetGroupARN": GO_STRING,
    "targetGroupName": GO_STRING,
    "fixedResponseConfig": {"contentType": GO_STRING, "messageBody": GO_STRING, "statusCode": GO_STRING},
    "redirectConfig": {k: GO_STRING for k in ("host", "path", "port", "protocol", "query", "statusCode")},
    "forwardConfig": {
        "targetGroups": ("slice", _TARGET_GROUP),
        "targetGroupStickinessConfig": {"enabled": GO_BOOL, "durationSeconds": GO_INT32},
    },
}
_REWRITES: GoShape = {"rewrites": ("slice", {"regex": GO_STRING, "replace": GO_STRING})}
TRANSFORMS_SHAPE: GoShape = (
    "slice",
    {"type": GO_STRING, "hostHeaderRewriteConfig": _REWRITES, "urlRewriteConfig": _REWRITES},
)
RULE_CONDITION_SHAPE: GoShape = {
    "field": GO_STRING,
    "hostHeaderConfig": _PATTERNS,
    "httpHeaderConfig": {"httpHeaderName": GO_STRING, **_PATTERNS},
    "httpRequestMethodConfig": {"values": _VALUES},
    "pathPatternConfig": _PATTERNS,
    "queryStringConfig": {"values": ("slice", {"key": GO_STRING, "value": GO_STRING})},
    "sourceIPConfig": {"values": _VALUES},
}
TRANSFORM_CONFIGS = {"url-rewrite": "urlRewriteConfig", "host-header-rewrite": "hostHeaderRewriteConfig"}
STRING_MAPS = ("load-balancer-attributes", "target-group-attributes", "tags")
# Annotations the controller reads with ParseInt32Annotation / ParseInt64Annotation (v3.5.0
# pkg/ingress/model_build_target_group.go, model_build_frontend_nlb.go, auth_config_builder.go): a value that is
# not a base-10 integer of that size stops the reconcile. ``target-control-port.<svc>.<port>`` is matched by prefix.
INT32_ANNOTATIONS = frozenset(
    {"healthcheck-interval-seconds", "healthcheck-timeout-seconds", "healthy-threshold-count"}
    | {"unhealthy-threshold-count", "frontend-nlb-healthcheck-interval-seconds"}
    | {"frontend-nlb-healthcheck-timeout-seconds", "frontend-nlb-healthcheck-healthy-threshold-count"}
    | {"frontend-nlb-healthcheck-unhealthy-threshold-count"}
)
INT64_ANNOTATIONS = frozenset({"auth-session-timeout"})
# The ELB API's range of each health-check setting, for an ALB's target groups and the frontend NLB's alike
# (botocore's elbv2 model: HealthCheckIntervalSeconds 5-300, HealthCheckTimeoutSeconds 2-120,
# HealthCheckThresholdCount 2-10): a value outside fails the controller's call, and the whole group with it.
HEALTH_CHECK_RANGES = {
    "healthcheck-interval-seconds": (5, 300),
    "frontend-nlb-healthcheck-interval-seconds": (5, 300),
    "healthcheck-timeout-seconds": (2, 120),
    "frontend-nlb-healthcheck-timeout-seconds": (2, 120),
    "healthy-threshold-count": (2, 10),
    "unhealthy-threshold-count": (2, 10),
    "frontend-nlb-healthcheck-healthy-threshold-count": (2, 10),
    "frontend-nlb-healthcheck-unhealthy-threshold-count": (2, 10),
}
SUCCESS_CODES = re.compile(r"[0-9]{1,3}(-[0-9]{1,3})?(,[0-9]{1,3}(-[0-9]{1,3})?)*", re.ASCII)
# ELB API Matcher.HttpCode: on a Network Load Balancer (the frontend NLB's health check of the ALB) 200 to 599.
# An ALB's own target groups take 200-499, or gRPC codes 0-99: which applies depends on the backend protocol
# version the Service may set, so that range is judged per target group (guardrail alb-health-check).
NLB_SUCCESS_CODES = (200, 599)
HEALTH_CHECK_VALUES = frozenset(HEALTH_CHECK_RANGES) | {"success-codes", "frontend-nlb-healthcheck-success-codes"}
# Attribute values the ELB API takes only as whole numbers (ModifyTargetGroupAttributes /
# ModifyLoadBalancerAttributes, Elastic Load Balancing API Reference, TargetGroupAttribute and
# LoadBalancerAttribute): text there fails the controller's call for the whole group.
NUMERIC_ATTRIBUTES = frozenset(
    {"deregistration_delay.timeout_seconds", "slow_start.duration_seconds", "stickiness.lb_cookie.duration_seconds"}
    | {"stickiness.app_cookie.duration_seconds", "idle_timeout.timeout_seconds", "client_keep_alive.seconds"}
)
# The ELB API's range of each (botocore's elbv2 model, TargetGroupAttribute and LoadBalancerAttribute Key docs);
# slow start's 0 is its default, "disabled", so it is allowed beside 30-900.
ATTRIBUTE_RANGES = {
    "deregistration_delay.timeout_seconds": (0, 3600),
    "slow_start.duration_seconds": (30, 900),
    "stickiness.lb_cookie.duration_seconds": (1, 604800),
    "stickiness.app_cookie.duration_seconds": (1, 604800),
    "idle_timeout.timeout_seconds": (1, 4000),
    "client_keep_alive.seconds": (60, 604800),
}
GO_BOOLS = GO_TRUE | GO_FALSE  # what Go's strconv.ParseBool takes
# The Ingress annotations the controller reads with ParseBoolAnnotation and whose parse error stops the group
# (v3.5.0 pkg/ingress: model_build_listener_rules.go, model_build_frontend_nlb.go,
# model_build_load_balancer_addons.go, model_builder.go, model_build_target_group.go). create-acm-cert's error
# is ignored there (model_builder.go: `_, _ =`), so it is not among them.
PARSED_BOOLS = frozenset(
    {
        "use-regex-path-match",
        "enable-frontend-nlb",
        "shield-advanced-protection",
        "manage-backend-security-group-rules",
        "multi-cluster-target-group",
    }
)
# Settings of the load balancer itself: two members of one group that give different values stop it.
ONE_PER_GROUP = ("scheme", "ip-address-type", "load-balancer-name", "wafv2-acl-arn", "wafv2-acl-name", "waf-acl-id")


def success_codes_problem(raw: str, low: int, high: int, takes: str, example: str) -> tuple[str, str] | None:
    """What is wrong with codes of SUCCESS_CODES's form for a target group taking ``low``-``high``, in one
    finding and one fix: codes outside the range, and ranges written backwards. The ELB API writes a range low
    to high ("200-299"); what it answers to one written backwards is not documented, so it is refused here
    rather than left for the controller's call to find out. The fix is the value turned round only when that
    alone makes it right."""
    parts = [part.split("-") for part in raw.split(",")]
    backwards = [f"{p[0]}-{p[1]}" for p in parts if len(p) == 2 and int(p[0]) > int(p[1])]
    outside = list(dict.fromkeys(code for p in parts for code in p if not low <= int(code) <= high))
    if not backwards and not outside:
        return None
    said: list[str] = []
    if outside:
        shown = ", ".join(outside[:5]) + (f" and {len(outside) - 5} more" if len(outside) > 5 else "")
        said.append(f"{shown} outside {low}-{high}, the {takes} (ELB API Matcher)")
    if backwards:
        shown = ", ".join(backwards[:3]) + (f" and {len(backwards) - 3} more" if len(backwards) > 3 else "")
        said.append(f"a range written backwards ({shown}): a range runs from the lower code to the higher")
    # The fix, to follow "write ... as": the value turned round, or what the codes must be.
    if outside:
        fix = f"codes from {low} to {high}" + (", each range low to high" if backwards else "") + f", e.g. {example!r}"
    else:
        turned = ",".join(f"{p[1]}-{p[0]}" if len(p) == 2 and int(p[0]) > int(p[1]) else "-".join(p) for p in parts)
        fix = f"{turned!r}, the lower code of each range first"
    return f"success-codes {shown_value(raw)}: " + "; ".join(said), fix


def shown_value(raw: str) -> str:
    """A value as a finding quotes it: whole up to 60 characters (an annotation may hold 256 KiB)."""
    return repr(raw if len(raw) <= 60 else raw[:57] + "...")


def health_check_problem(suffix: str, raw: str) -> tuple[str, str, bool] | None:
    """What is wrong with one health-check annotation's value on its own, as (finding, fix, not a number), or
    None: the per-object rules ask it of an Ingress's values, the guardrail alb-health-check of a Service's."""
    if suffix in HEALTH_CHECK_RANGES:
        number = go_int(raw, 32)  # ParseInt32Annotation
        if number is None:
            return (
                f"{raw!r} is not a whole number (ParseInt32: base-10 digits, an optional sign, within int32)",
                "write the number alone, e.g. '15'",
                True,
            )
        low, high = HEALTH_CHECK_RANGES[suffix]
        if not low <= number <= high:
            return (
                f"{number} is outside {low}-{high}, the ELB API's range (the group stops at the controller's call)",
                f"write a number from {low} to {high}",
                False,
            )
        return None
    example = "200-399" if suffix == "frontend-nlb-healthcheck-success-codes" else "200-299"
    if not SUCCESS_CODES.fullmatch(raw):
        # ELB API Matcher.HttpCode / GrpcCode: codes, comma-separated or as a range ("200,202" or "200-299").
        fix = "write e.g. '200-399'" if example == "200-399" else "write e.g. '200' or '200-299'"
        return (
            f"{shown_value(raw)} is not status codes (digits, comma-separated, or a range like {example}; ELB API "
            "Matcher)",
            fix,
            True,
        )
    if suffix == "frontend-nlb-healthcheck-success-codes":
        low, high = NLB_SUCCESS_CODES
        takes = "codes a Network Load Balancer's health check takes"
        if (problem := success_codes_problem(raw, low, high, takes, "200-399")) is not None:
            return problem[0], f"write it as {problem[1]}", False
    return None  # an ALB's own codes depend on the target group's protocol: the guardrail judges their range


def string_map(raw: str) -> dict[str, str] | None:
    """The controller's ``ParseStringMapAnnotation`` (with its ``splitKeyValuePairs``), or None where it fails."""
    pairs: list[str] = []
    current = ""
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            current += raw[i + 1]
            i += 2
            continue
        if char == ",":
            remaining = raw[i + 1 :].strip()
            if "=" in remaining:
                pairs.append(current.strip())
                current = ""
            elif remaining:
                pairs += [current.strip(), remaining]
                current = ""
                break
            else:
                current += char
        else:
            current += char
        i += 1
    if current:
        pairs.append(current.strip())
    found: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            return None
        found[key.strip()] = value.strip()
    return found


def _annotations(obj: Mapping[str, Any]) -> dict[str, str]:
    """The text annotations: a value of another kind (unquoted ``443``, ``true``) is refused by the API server
    with the whole object, as the metadata rules say; judged here as its text it would be a second line."""
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping):
        return {}
    return {str(k): v for k, v in annotations.items() if isinstance(v, str)}


def is_alb_ingress(obj: Mapping[str, Any]) -> bool:
    """An Ingress the controller serves: class ``alb``, or carrying its annotations. The kubernetes.io/ingress.class
    annotation, when there is one, decides alone: the controller reads it before spec.ingressClassName and
    serves the Ingress only when it names its own class (v3.5.0 group_loader.go classifyIngress), so another
    controller's Ingress that kept ALB annotations is not judged as the controller would build it."""
    if obj.get("kind") != "Ingress":
        return False
    annotations = _annotations(obj)
    if CLASS_ANNOTATION in annotations:
        return annotations[CLASS_ANNOTATION] == ALB_CLASS
    spec: Any = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    return spec.get("ingressClassName") == ALB_CLASS or any(k.startswith(ALB) for k in annotations)


def _paths(obj: Mapping[str, Any]) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    """(field, host, path) of every path of an Ingress, whatever shape it came in."""
    spec = obj.get("spec")
    rules = spec.get("rules") if isinstance(spec, Mapping) else None
    for r, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("http"), Mapping):
            continue
        paths = rule["http"].get("paths")
        for p, path in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(path, Mapping):
                yield f"spec.rules[{r}].http.paths[{p}]", str(rule.get("host") or ""), path


def _service(path: Mapping[str, Any]) -> Mapping[str, Any]:
    """A path's Service backend as v1 writes it ({name, port: {number | name}}); a v1beta1 one (serviceName,
    servicePort) in that shape too."""
    backend = path.get("backend")
    service = backend.get("service") if isinstance(backend, Mapping) else None
    if isinstance(backend, Mapping) and service is None and "serviceName" in backend:
        port = backend.get("servicePort")
        return {"name": backend["serviceName"], "port": {"name" if isinstance(port, str) else "number": port}}
    return service if isinstance(service, Mapping) else {}


def _go(value: Any, key: str) -> Any:
    """A field of a JSON object as Go's ``json.Unmarshal`` fills it (facts/go_values.py go_json_field)."""
    return go_json_field(value, key)


# What the ELB API takes in the action configs the controller passes on as written (buildRedirectAction and
# buildFixedResponseAction, v3.5.0 pkg/ingress/model_build_actions.go, check no more than a statusCode is there):
# botocore's elbv2 model (RedirectActionConfig, FixedResponseActionConfig) gives the patterns, values and
# lengths; CreateRule refuses anything else, and with it the whole group. A test holds these to the pinned model.
REDIRECT_API: dict[str, tuple[str, object]] = {
    "protocol": ("pattern", r"^(HTTPS?|#\{protocol\})$"),
    "statusCode": ("enum", ("HTTP_301", "HTTP_302")),
    "host": ("length", (1, 128)),
    "path": ("length", (1, 128)),
    "query": ("length", (0, 128)),
}
FIXED_RESPONSE_API: dict[str, tuple[str, object]] = {
    "statusCode": ("pattern", r"^(2|4|5)\d\d$"),
    "messageBody": ("length", (0, 1024)),
    "contentType": ("length", (0, 32)),
}
# The content types the ELB API takes (its reference lists them; botocore's model gives only the length).
FIXED_RESPONSE_CONTENT = ("enum", alb_limits.FIXED_RESPONSE_CONTENT_TYPES)


def _api_problems(
    name: str, config: Mapping[str, Any], rules: Mapping[str, tuple[str, object]]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key, (kind, rule) in rules.items():
        value = _go(config, key)
        if not isinstance(value, str):
            continue  # absent (the ALB keeps the request's value), or a type Go's Unmarshal refuses
        if kind == "pattern" and not re.fullmatch(str(rule), value, re.ASCII):
            found.append((f"{name}.{key} {value!r} does not match {rule} (ELB API)", "write it as the pattern says"))
        elif kind == "enum" and value not in cast(tuple[str, ...], rule):
            found.append((f"{name}.{key} {value!r} is not one of {', '.join(cast(tuple[str, ...], rule))}", "use one"))
        elif kind == "length":
            low, high = cast(tuple[int, int], rule)
            if not low <= len(value) <= high:
                found.append((f"{name}.{key} is {len(value)} characters; the ELB API takes {low} to {high}", "fix it"))
    return found


def _action_problems(action: Any) -> list[tuple[str, str]]:
    """(rule, fix) for an ``actions.*`` value, as Action.validate and the ELB API refuse it, or, where those
    pass, as json.Unmarshal does (a value of another JSON type anywhere fails the annotation)."""
    found = _action_checks(action)
    typed = go_type_problem(action, ACTION_SHAPE) if not found else None
    return found or (
        [(f"{typed} (Go's json.Unmarshal refuses it, and the controller the annotation)", "fix it")] if typed else []
    )


def _action_checks(action: Any) -> list[tuple[str, str]]:
    if not isinstance(action, Mapping):
        return [("an action must be a JSON object", 'write {"type": "forward", ...}')]
    kind = _go(action, "type")
    if kind not in ACTION_TYPES:
        return [(f"unknown action type {kind!r}", f"use one of {', '.join(ACTION_TYPES)}")]
    if kind == "fixed-response":
        config = _go(action, "fixedResponseConfig")
        if not isinstance(config, Mapping) or not _go(config, "statusCode"):
            return [("a fixed-response action needs fixedResponseConfig.statusCode", "add it")]
        return _api_problems(
            "fixedResponseConfig", config, {**FIXED_RESPONSE_API, "contentType": FIXED_RESPONSE_CONTENT}
        )
    if kind == "redirect":
        config = _go(action, "redirectConfig")
        if not isinstance(config, Mapping) or not _go(config, "statusCode"):
            return [("a redirect action needs redirectConfig.statusCode", "add it (HTTP_301 or HTTP_302)")]
        problems = _api_problems("redirectConfig", config, REDIRECT_API)
        port = _go(config, "port")
        if (
            isinstance(port, str)
            and port != "#{port}"
            and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536)
        ):
            problems.append((f"redirectConfig.port {port!r} is not 1..65535 or #{{port}} (ELB API)", "write the port"))
        return problems
    named = _go(action, "targetGroupARN") is not None or _go(action, "targetGroupName") is not None
    forward = _go(action, "forwardConfig")
    if not named and forward is None:
        return [("a forward action needs forwardConfig or targetGroupARN/targetGroupName", "add forwardConfig")]
    if named and forward is not None:
        return [("a forward action takes forwardConfig or targetGroupARN/targetGroupName, not both", "keep one")]
    if forward is None:
        return []
    groups = _go(forward, "targetGroups") if isinstance(forward, Mapping) else None
    if not isinstance(groups, list):
        return [("forwardConfig.targetGroups must be a list", "list the target groups")]
    found: list[tuple[str, str]] = []
    if len(groups) > FORWARD_TARGET_GROUPS:
        found.append(
            (
                f"{len(groups)} target groups; a forward action holds at most {FORWARD_TARGET_GROUPS} (ELB API)",
                "forward to fewer Services",
            )
        )
    for i, group in enumerate(groups):
        if not isinstance(group, Mapping):
            found.append((f"targetGroups[{i}] must be a JSON object", "write {serviceName, servicePort, weight}"))
            continue
        by_arn = _go(group, "targetGroupARN") is not None or _go(group, "targetGroupName") is not None
        if not by_arn and _go(group, "serviceName") is None:
            found.append((f"targetGroups[{i}] names no serviceName or targetGroupARN", "name the Service"))
        elif by_arn and _go(group, "serviceName") is not None:
            found.append((f"targetGroups[{i}] names both serviceName and a target group", "keep one"))
        elif _go(group, "serviceName") is not None and _go(group, "servicePort") is None:
            found.append((f"targetGroups[{i}] has no servicePort", "add the Service's port"))
        weight = _go(group, "weight")
        if weight is None:
            if len(groups) > 1:
                found.append((f"targetGroups[{i}] has no weight; every one needs one when there are several", "add"))
        elif isinstance(weight, bool) or not isinstance(weight, int):
            found.append((f"targetGroups[{i}].weight {weight!r} is not a JSON integer", "write it as a number"))
        elif not TARGET_GROUP_WEIGHT[0] <= weight <= TARGET_GROUP_WEIGHT[1]:
            found.append(
                (
                    f"targetGroups[{i}].weight {weight} is outside {TARGET_GROUP_WEIGHT[0]}..{TARGET_GROUP_WEIGHT[1]}, "
                    "the ALB's target-group weight range (ELB API TargetGroupTuple)",
                    "scale the weights into 0..999, keeping their ratio",
                )
            )
    return found


@functools.lru_cache(maxsize=256)
def read_conditions(raw: str) -> tuple[Mapping[str, Any], ...] | None:
    """A conditions.<name> annotation as the controller reads it (Go's json.Unmarshal into []RuleCondition): its
    conditions, () for none (null; a null element is a zero RuleCondition that neither Validate nor
    buildRuleConditions acts on), None when Go refuses it (not JSON, not a list of objects). Kept per value: one
    annotation is asked for by every path of its backend, and may be large; the objects are shared, never
    changed."""
    try:
        value = go_json_loads(raw)
    except ValueError:
        return None
    if value is None:
        return ()
    if not isinstance(value, list) or any(c is not None and not isinstance(c, Mapping) for c in value):
        return None
    return tuple(c for c in value if c is not None)


def _field_config(condition: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None]:
    """A condition's field and the config of that field, as the controller reads them (the others are unread)."""
    field = str(_go(condition, "field"))
    config = _go(condition, CONDITION_CONFIGS.get(field, ""))
    return field, config if isinstance(config, Mapping) else None


def condition_value_count(condition: Mapping[str, Any]) -> int:
    """The values one condition puts in its ALB rule (its field's config, read as Go reads it); what the
    validator and migrate's 5-values-per-rule guard both count."""
    field, config = _field_config(condition)
    if config is None:
        return 0
    keys = ("values", "regexValues") if field in REGEX_CONDITIONS else ("values",)
    return sum(len(_go(config, k) or []) for k in keys if isinstance(_go(config, k), list))


def path_values(path: Mapping[str, Any], regex_paths: bool) -> tuple[int, bool]:
    """How many path-pattern values the controller makes of an Ingress path, and whether they are regexes
    (buildPathPatterns, v3.5.0 pkg/ingress/model_build_listener_rules.go): a Prefix /x gives /x and /x/*, a
    Prefix / gives /*, an empty path (ImplementationSpecific may be empty) gives none."""
    written = str(path.get("path") or "")
    if not written:
        return 0, False
    if path.get("pathType") == "Prefix":
        return (1 if written == "/" else 2), False
    return 1, path.get("pathType") in (None, "ImplementationSpecific") and regex_paths


def rule_condition_values(host: str, path: Mapping[str, Any], regex_paths: bool, conditions_values: int) -> int:
    """The condition values of the rule the controller builds for one Ingress path: its host, its path values and
    ``conditions_values``, those of its backend's conditions annotation (host-header and path-pattern merged into
    the same condition; count them once per annotation with condition_value_count). A rule left with no
    condition gets the path /* (buildRuleConditions)."""
    return ((1 if host else 0) + path_values(path, regex_paths)[0] + conditions_values) or 1


def _pattern_kinds(conditions: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Which of values and regexValues the host-header and path-pattern conditions give, per target."""
    kinds: dict[str, set[str]] = {"host": set(), "path": set()}
    for condition in conditions:
        field, config = _field_config(condition)
        target = {"host-header": "host", "path-pattern": "path"}.get(field)
        if target is None or config is None:
            continue
        kinds[target] |= {k for k in ("values", "regexValues") if _go(config, k)}
    return kinds


def mixed_patterns_problem(
    host: str, path: Mapping[str, Any], regex_paths: bool, condition_kinds: Mapping[str, set[str]]
) -> str | None:
    """The controller's refusal (buildRuleConditions) of a host or path condition that would hold both values and
    regexValues once the rule's own host and path and its conditions annotation (``_pattern_kinds``) merge."""
    count, regex = path_values(path, regex_paths)
    kinds = {
        "host": set(condition_kinds.get("host", ())) | ({"values"} if host else set()),
        "path": set(condition_kinds.get("path", ())) | ({"regexValues" if regex else "values"} if count else set()),
    }
    for target, found in kinds.items():
        if len(found) == 2:
            return (
                f"its {target} condition would hold both values and regexValues (the rule's own {target} and its "
                "conditions annotation merged); the controller refuses the Ingress and the whole group stops"
            )
    return None


def rule_wildcards(host: str, path: Mapping[str, Any], regex_paths: bool) -> int:
    """The wildcards of a rule's host and path values (ELB quota "Wildcards per rule"): a Prefix /x gives /x/*,
    one; an Exact path and a regex none; an ImplementationSpecific path its own."""
    written = str(path.get("path") or "")
    kind = path.get("pathType")
    if not written:
        in_path = 0
    elif kind == "Prefix":
        in_path = 1
    elif kind == "Exact" or regex_paths:
        in_path = 0
    else:
        in_path = written.count("*") + written.count("?")
    return host.count("*") + host.count("?") + in_path


def _wildcards(condition: Mapping[str, Any]) -> int:
    """The wildcards of one condition's values (regexValues are regexes, not wildcards)."""
    field, config = _field_config(condition)
    values = _go(config, "values") if config is not None else None
    total = 0
    for value in values if isinstance(values, list) else []:
        if field == "query-string" and isinstance(value, Mapping):
            value = f"{_go(value, 'key') or ''}{_go(value, 'value') or ''}"
        if field in ("host-header", "path-pattern", "http-header", "query-string") and isinstance(value, str):
            if field == "query-string":  # '\*' and '\?' are the literal characters there
                value = value.replace("\\*", "").replace("\\?", "")
            total += value.count("*") + value.count("?")
    return total


def _condition_value_problems(
    i: int, field: str, config: Mapping[str, Any], values: list[Any]
) -> list[tuple[str, str]]:
    """What CreateRule refuses in one condition's values (ELB API Reference, the condition configs; the
    controller passes them on as written): lengths, a header's name, a method's letters."""
    found: list[tuple[str, str]] = []
    longest = alb_limits.CONDITION_VALUE_LENGTH
    if field == "http-header":
        name = _go(config, "httpHeaderName")
        token = isinstance(name, str) and re.fullmatch(alb_limits.HTTP_TOKEN, name) is not None
        if not isinstance(name, str) or not token or len(name) > alb_limits.HEADER_NAME_LENGTH:
            found.append(
                (
                    f"condition {i} (http-header): httpHeaderName {name!r} is not a header name of 1 to "
                    f"{alb_limits.HEADER_NAME_LENGTH} characters (ELB API HttpHeaderConditionConfig)",
                    "name the header",
                )
            )
    for value in values:
        if field == "query-string" and isinstance(value, Mapping):
            for part in ("key", "value"):
                text = _go(value, part)
                if isinstance(text, str) and len(text) > longest:
                    found.append((f"condition {i} (query-string): a {part} is over {longest} characters", "fix"))
        elif not isinstance(value, str):
            continue
        elif field == "http-request-method" and not re.fullmatch(alb_limits.METHOD_VALUE, value):
            found.append(
                (
                    f"condition {i} (http-request-method): {value!r} is not a method the ALB takes (up to 40 of A-Z, "
                    "'-' and '_', case-sensitive)",
                    "write it in capitals, e.g. GET",
                )
            )
        elif field == "host-header" and not (
            len(value) <= longest and re.fullmatch(alb_limits.HOST_VALUE, value, re.ASCII)
        ):
            found.append(
                (
                    f"condition {i} (host-header): {value[:40]!r} is not a host value the ALB takes (up to {longest} "
                    "of A-Z, a-z, 0-9, '-', '.', '*', '?', with a '.' and only letters after the last one)",
                    "write a host name, e.g. *.example.com",
                )
            )
        elif field in ("http-header", "path-pattern") and not value:
            found.append(
                (f"condition {i} ({field}): an empty value (ELB API: a condition value cannot be empty)", "fix")
            )
        elif field in ("http-header", "path-pattern") and len(value) > longest:
            found.append((f"condition {i} ({field}): {value[:20]!r}... is over {longest} characters", "shorten it"))
    return found


def condition_problems(conditions: Any) -> list[tuple[str, str]]:
    """(rule, fix) for a ``conditions.*`` value, as RuleCondition.Validate and the ELB API refuse it."""
    if conditions is None:  # JSON null: Go leaves the list nil, so there is no condition
        return []
    if not isinstance(conditions, list):
        return [("conditions must be a JSON list of conditions", 'write [{"field": ..., ...}]')]
    # A value of the wrong JSON type anywhere fails Go's Unmarshal, and with it the whole annotation.
    typed = [
        (f"condition {i}: {problem} (Go's json.Unmarshal refuses it, and the controller the annotation)", "fix it")
        for i, condition in enumerate(conditions)
        if (problem := go_type_problem(condition, RULE_CONDITION_SHAPE)) is not None
    ]
    if typed:
        return typed
    found: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, condition in enumerate(conditions):
        if condition is None:  # a zero RuleCondition: no field, which Validate and buildRuleConditions pass over
            continue
        if not isinstance(condition, Mapping):
            found.append((f"condition {i} is not a JSON object", "write {field, ...Config}"))
            continue
        field = _go(condition, "field")
        config_key = CONDITION_CONFIGS.get(str(field))
        if config_key is None:
            # Not refused: RuleCondition.Validate and buildRuleConditions have no default case, so the condition is
            # dropped and the rule matches without it, more than was meant.
            found.append(
                (
                    f"condition {i}: unknown field {field!r}; the controller drops the condition, so the rule "
                    "matches requests it was meant to refuse",
                    f"use one of {', '.join(CONDITION_CONFIGS)}",
                )
            )
            continue
        if field in ONE_PER_RULE:
            if field in seen:
                found.append(
                    (
                        f"conditions {seen[field]} and {i} are both {field}; an ALB rule takes one {field} condition "
                        "(ELB API RuleCondition) and CreateRule fails for the whole group",
                        "put their values in one condition",
                    )
                )
            seen.setdefault(str(field), i)
        config = _go(condition, config_key)
        if not isinstance(config, Mapping):
            found.append((f"condition {i} ({field}) has no {config_key}", f"add {config_key}"))
            continue
        values, regex = _go(config, "values") or [], _go(config, "regexValues") or []
        if field in ("host-header", "http-header", "path-pattern"):
            if bool(values) == bool(regex):
                found.append((f"condition {i} ({field}): give exactly one of values and regexValues", "keep one"))
        elif not values:
            found.append((f"condition {i} ({field}): values cannot be empty", "add values"))
        found += _condition_value_problems(i, str(field), config, values if isinstance(values, list) else [])
        found += [
            (f"condition {i} ({field}): {value!r} is over {alb_limits.CONDITION_VALUE_LENGTH} characters", "shorten it")
            # Go drops a regexValues key of a field without one (REGEX_CONDITIONS): nothing of it is sent
            for value in (regex if field in REGEX_CONDITIONS and isinstance(regex, list) else [])
            if isinstance(value, str) and len(value) > alb_limits.CONDITION_VALUE_LENGTH
        ]
        if field == "query-string":
            for pair in values if isinstance(values, list) else []:
                if not isinstance(pair, Mapping) or not _go(pair, "value"):
                    found.append((f"condition {i} (query-string): each pair needs a non-empty value", "add it"))
        if field == "source-ip":
            for value in values if isinstance(values, list) else []:
                value = "" if value is None else value  # a null element is Go's empty string
                if go_cidr(str(value)) is None:
                    found.append(
                        (f"condition {i} (source-ip): {value!r} is not a CIDR", "write ADDRESS/BITS, e.g. 10.0.0.0/8")
                    )
    return found


def _transform_problems(transforms: Any) -> list[tuple[str, str]]:
    if transforms is None:  # JSON null: no transforms, as Go reads it
        return []
    typed = go_type_problem(transforms, TRANSFORMS_SHAPE)
    if typed is not None:
        return [(f"{typed} (Go's json.Unmarshal refuses it, and the controller the annotation)", "fix it")]
    if not isinstance(transforms, list):
        return [("transforms must be a JSON list", 'write [{"type": "url-rewrite", ...}]')]
    found: list[tuple[str, str]] = []
    for i, transform in enumerate(transforms):
        kind = _go(transform, "type") if isinstance(transform, Mapping) else None
        config_key = TRANSFORM_CONFIGS.get(str(kind))
        if config_key is None:
            found.append((f"transform {i}: unknown type {kind!r}", f"use one of {', '.join(TRANSFORM_CONFIGS)}"))
            continue
        config = _go(transform, config_key) if isinstance(transform, Mapping) else None
        rewrites = _go(config, "rewrites") if isinstance(config, Mapping) else None
        if not isinstance(rewrites, list) or not rewrites:
            found.append((f"transform {i} ({kind}) needs {config_key}.rewrites, not empty", "add a rewrite"))
    return found


def go_int(text: str, bits: int) -> int | None:
    """Go's ``strconv.ParseInt(text, 10, bits)``: ``go_int32``'s digits, within the signed range of ``bits``."""
    value = go_int32(text) if bits == 32 else (int(text) if re.fullmatch(r"[+-]?[0-9]+", text) else None)
    return value if value is not None and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1) else None


def _ports_of(annotations: Mapping[str, str]) -> dict[int, str]:
    """The listen ports an Ingress asks for (defaults as the controller gives them)."""
    raw = annotations.get(ALB + "listen-ports")
    if raw is None:
        return {443: "HTTPS"} if annotations.get(ALB + "certificate-arn") else {80: "HTTP"}
    parsed = read_listen_ports(raw)
    return {} if isinstance(parsed, str) else dict(parsed)


def _cidrs(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _builds_target_group(obj: Mapping[str, Any], annotations: Mapping[str, str]) -> bool:
    """Whether the controller builds a target group for this Ingress, and so parses its health-check values
    (v3.5.0: only buildForwardAction builds one, for a Service backend or a forward action's serviceName;
    fixed-response and redirect actions, and forwards to a target group ARN or name, build none). Anything
    it cannot read is taken as a yes, so a value is judged rather than waved through."""
    found = obj.get("spec")
    spec: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    backends: list[Any] = [spec.get("defaultBackend")]
    rules = spec.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        http = rule.get("http") if isinstance(rule, Mapping) else None
        paths = http.get("paths") if isinstance(http, Mapping) else None
        backends += [p.get("backend") for p in (paths if isinstance(paths, list) else []) if isinstance(p, Mapping)]
    for backend in backends:
        service = backend.get("service") if isinstance(backend, Mapping) else None
        if not isinstance(service, Mapping):
            continue  # none, or a resource backend: no target group
        port = service.get("port")
        if not (isinstance(port, Mapping) and port.get("name") == "use-annotation"):
            return True
        raw = annotations.get(f"{ALB}actions.{service.get('name')}")
        if raw is None:
            continue  # no action to take: the controller refuses the Ingress for that, not for a health check
        try:
            action = go_json_loads(raw)
        except ValueError:
            return True
        if not isinstance(action, Mapping) or _go(action, "type") not in ("fixed-response", "redirect", "forward"):
            return True
        config = _go(action, "forwardConfig") if _go(action, "type") == "forward" else None
        groups = _go(config, "targetGroups") if isinstance(config, Mapping) else None
        if _go(action, "type") == "forward" and (
            not isinstance(groups, list)
            or any(not isinstance(g, Mapping) or _go(g, "serviceName") is not None for g in groups)
        ):
            return True
    return False


def _ingress_problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    document = describe(obj)
    annotations = _annotations(obj)
    found: list[Problem] = []

    def add(field: str, rule: str, fix: str, not_a_number: bool = False) -> None:
        rule += " (aws-load-balancer-controller v3.5.0)"
        found.append(Problem(document, index, field, rule, fix, by="controller", not_a_number=not_a_number))

    def json_value(key: str, check: Callable[[Any], list[tuple[str, str]]]) -> Any:
        try:
            value = go_json_loads(annotations[key])
        except ValueError:
            deep = too_deep(annotations[key])
            if deep is not None:  # Go may read it (to 10,000 levels, ignoring unknown fields); this tool does not
                add(
                    annotation_field(key),
                    f"not checked: {deep}, and no field the controller reads nests more than a few",
                    "drop the nesting the controller does not read",
                )
            else:
                add(annotation_field(key), "not valid JSON", "write the value as JSON")
            return None
        for rule, fix in check(value):
            add(annotation_field(key), rule, fix, not_a_number="is not a JSON integer" in rule)
        return value

    extra_conditions: dict[str, list[Mapping[str, Any]]] = {}
    extra_values: dict[str, int] = {}
    condition_wildcards: dict[str, int] = {}
    mixed_kinds: dict[str, dict[str, set[str]]] = {}
    # The controller reads the frontend NLB's settings only when enable-frontend-nlb is true (v3.5.0
    # model_build_frontend_nlb.go, buildFrontendNlbModel returns first): otherwise they are inert text.
    frontend_nlb = go_bool(annotations.get(ALB + "enable-frontend-nlb", "")) is True
    # The target groups' health check is parsed only where a target group is built.
    target_group = _builds_target_group(obj, annotations)
    # The controller reads actions.<name>, conditions.<name> and transforms.<name> only for the backends that name
    # them (enhanced_backend_builder.go Build; the webhook's checkIngressAnnotationConditions likewise): another
    # is inert text, and refusing it would hold back an Ingress the controller takes.
    spec = obj.get("spec")
    # spec.backend is v1beta1's name for it.
    default = (spec.get("defaultBackend") or spec.get("backend")) if isinstance(spec, Mapping) else None
    services = [_service(path) for _, _, path in _paths(obj)] + [_service({"backend": default})]
    used = {str(service.get("name")) for service in services if service}
    # actions.<name> only where the backend's port is use-annotation (buildActionViaAnnotation).
    annotated = {
        str(service.get("name"))
        for service in services
        if isinstance(service.get("port"), Mapping) and service["port"].get("name") == "use-annotation"
    }
    for key, raw in annotations.items():
        if not key.startswith(ALB) or raw == UNKNOWN:
            continue  # a preview's value not known before apply: nothing to judge yet
        suffix = key.removeprefix(ALB)
        if suffix.startswith("frontend-nlb-") and not frontend_nlb:
            continue
        kind, _, named = suffix.partition(".")
        if (kind in ("conditions", "transforms") and named not in used) or (
            kind == "actions" and named not in annotated
        ):
            # Inert, but one that nearly names a backend is most likely meant for it (an allow-list written as
            # conditions.Admin for the backend admin protects nothing): said, with the name it resembles.
            # Case only: a looser likeness also caught migrate's own renamed backends and names of other use.
            near = [u for u in (annotated if kind == "actions" else used) if u.lower() == named.lower()]
            if near and f"{ALB}{kind}.{near[0]}" not in annotations:
                add(
                    annotation_field(key),
                    f"names no backend of this Ingress, so the controller never reads it; {kind}.{near[0]} would "
                    f"apply to backend {near[0]!r}",
                    f"rename it {ALB}{kind}.{near[0]}, or remove it",
                )
            continue
        if suffix.startswith("actions."):
            json_value(key, _action_problems)
        elif suffix.startswith("conditions."):
            value = json_value(key, condition_problems)
            if isinstance(value, list):
                extra_conditions[suffix.removeprefix("conditions.")] = [c for c in value if isinstance(c, Mapping)]
        elif suffix.startswith("transforms."):
            json_value(key, _transform_problems)
        elif suffix in HEALTH_CHECK_VALUES:
            if not suffix.startswith("frontend-nlb-") and not target_group:
                continue
            if (problem := health_check_problem(suffix, raw)) is not None:
                finding, fix, text = problem
                add(annotation_field(key), finding, fix, not_a_number=text)
        elif suffix in INT32_ANNOTATIONS or suffix.startswith("target-control-port.") or suffix in INT64_ANNOTATIONS:
            bits = 64 if suffix in INT64_ANNOTATIONS else 32
            if go_int(raw, bits) is None:
                add(
                    annotation_field(key),
                    f"{raw!r} is not a whole number (ParseInt{bits}: base-10 digits, an optional sign, within "
                    f"int{bits})",
                    "write the number alone, e.g. '15'",
                    not_a_number=True,
                )
        elif suffix == "listen-ports":
            parsed = read_listen_ports(raw)
            if isinstance(parsed, str):
                add(
                    annotation_field(key),
                    f"listen-ports: {parsed}",
                    'write e.g. [{"HTTP": 80}, {"HTTPS": 443}]',
                    not_a_number=parsed.startswith("port ") and "is not a JSON integer" in parsed,
                )
        elif suffix == "inbound-cidrs":
            for cidr in _cidrs(raw):
                if go_cidr(cidr) is None:
                    add(
                        annotation_field(key),
                        f"{cidr!r} is not a CIDR Go's net.ParseCIDR takes; the controller stops the whole group",
                        "write ADDRESS/BITS (a single address as /32 or /128)",
                    )
        elif suffix == "ssl-redirect":
            if go_int32(raw) is None:
                add(
                    annotation_field(key),
                    f"{raw!r} is not a port number (ParseInt32)",
                    "give the HTTPS port, e.g. 443",
                    not_a_number=True,
                )
        elif suffix == "group.name":
            if len(raw) > GROUP_NAME_LENGTH or not GROUP_NAME.fullmatch(raw):
                add(
                    annotation_field(key),
                    f"group name {raw!r} must be lower-case letters, digits, '-' and '.', starting and ending "
                    f"alphanumeric, at most {GROUP_NAME_LENGTH}",
                    "rename the group",
                )
        elif suffix == "group.order":
            order = go_int32(raw)
            if order is None or not GROUP_ORDER[0] <= order <= GROUP_ORDER[1]:
                add(
                    annotation_field(key),
                    f"group order {raw!r} must be an integer within [{GROUP_ORDER[0]}, {GROUP_ORDER[1]}]",
                    "give an order in that range",
                    not_a_number=order is None,
                )
        elif suffix in STRING_MAPS or suffix.startswith("listener-attributes."):
            pairs = string_map(raw)
            if pairs is None:
                add(annotation_field(key), "not comma-separated key=value pairs with non-empty keys", "fix the list")
            for name, value in sorted((pairs or {}).items()):
                number = go_int(value, 64) if name in NUMERIC_ATTRIBUTES else None
                if name in NUMERIC_ATTRIBUTES and number is None:
                    add(
                        annotation_field(key),
                        f"{name}={value!r} is not a whole number of seconds; the ELB API refuses it and the group "
                        "stops reconciling",
                        f"write {name}=SECONDS",
                        not_a_number=True,
                    )
                elif number is not None and name in ATTRIBUTE_RANGES:
                    low, high = ATTRIBUTE_RANGES[name]
                    if not (low <= number <= high or (name == "slow_start.duration_seconds" and number == 0)):
                        add(
                            annotation_field(key),
                            f"{name}={number} is outside the ELB API's {low}-{high}; it refuses the attribute and "
                            "the group stops reconciling",
                            f"write {name}=SECONDS within {low}-{high}",
                            not_a_number=True,
                        )
        elif suffix == "certificate-arn":
            for arn in certificate_arns(raw) or [raw]:
                if not CERTIFICATE_ARN.fullmatch(arn):
                    add(
                        annotation_field(key),
                        f"{arn!r} is not an ACM or IAM server-certificate ARN; ELB refuses the listener and the "
                        "whole group stops reconciling",
                        "give arn:aws:acm:REGION:ACCOUNT:certificate/ID (comma-separated for several)",
                    )
        elif suffix in PARSED_BOOLS and raw not in GO_BOOLS:
            add(
                annotation_field(key),
                f"{raw!r} is not a boolean (Go ParseBool); the controller stops the whole group",
                "write true or false",
            )
    regex_paths = annotations.get(ALB + "use-regex-path-match") in GO_TRUE
    for field, host, path in _paths(obj):
        service = _service(path)
        name = str(service.get("name") or "")
        port: Any = service.get("port") if isinstance(service.get("port"), Mapping) else {}
        if port.get("name") == "use-annotation" and ALB + f"actions.{name}" not in annotations:
            # Not refused by default (tolerate-non-existent-backend-action, true in v3.5.0
            # pkg/config/ingress_config.go): the path then answers every request with a 503, which no one means.
            add(
                f"{field}.backend",
                f"use-annotation backend {name!r} has no actions.{name}, so the controller answers this path with 503",
                f"add {ALB}actions.{name}",
            )
        kind = str(path.get("pathType"))
        written = str(path.get("path") or "")
        value = written or "/"
        if kind in ("Exact", "Prefix"):
            for why in path_problems(value, kind):
                add(f"{field}.path", why, "fix the path")
        regex = kind == "ImplementationSpecific" and regex_paths
        if regex and written and len(written) < 2:
            add(f"{field}.path", "a regex path needs a pattern after the leading '/'", "write the regex")
        # What the controller sends: a regex without its leading '/', a Prefix path also as "/x/*".
        longest = len(value) - 1 if regex else len(value.rstrip("/")) + 2 if kind == "Prefix" else len(value)
        if longest > CONDITION_VALUE_LENGTH:
            add(
                f"{field}.path",
                f"its ALB path condition value would be {longest} characters; the ALB takes at most "
                f"{CONDITION_VALUE_LENGTH} (ELB API PathPatternConditionConfig)",
                "shorten the path",
            )
        host_why = host_problem(host.removeprefix("*.")) if host else None
        if host_why and field.endswith("paths[0]"):
            add(field.rsplit(".http", 1)[0] + ".host", host_why, "use a DNS name the ALB takes")
        conditions = extra_conditions.get(name, [])
        # Per path, but the conditions' part once per annotation: it may be large, and every path of it asks.
        if name not in condition_wildcards:
            condition_wildcards[name] = sum(_wildcards(c) for c in conditions)
            mixed_kinds[name] = _pattern_kinds(conditions)
        mixed = mixed_patterns_problem(host, path, regex_paths, mixed_kinds[name])
        if mixed:
            add(field, mixed, f"write {ALB}conditions.{name} in the form of the rule's own host and path")
        wildcards = rule_wildcards(host, path, regex_paths) + condition_wildcards[name]
        if wildcards > alb_limits.WILDCARDS_PER_RULE:
            add(
                field,
                f"its ALB rule would hold {wildcards} wildcards ('*' or '?') in its host, path and conditions.{name} "
                f"values; an ALB rule takes {alb_limits.WILDCARDS_PER_RULE} (ELB quota; some older accounts keep 6: "
                "aws elbv2 describe-account-limits, condition-wildcards-per-alb-rule), and CreateRule fails for the "
                "whole group",
                "use fewer wildcards, or a regex path (use-regex-path-match)",
            )
        if name not in extra_values:  # once per annotation: it may be large, and every path of it asks
            extra_values[name] = sum(condition_value_count(c) for c in conditions)
        total = rule_condition_values(host, path, regex_paths, extra_values[name])
        if total > RULE_CONDITION_VALUES:
            add(
                field,
                f"its ALB rule would hold {total} condition values (host, path and conditions.{name} together); an "
                f"ALB rule takes {RULE_CONDITION_VALUES} (ELB quota), and CreateRule fails for the whole group",
                "split the conditions over more paths or Ingresses",
            )
    return found


def _route_problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    spec = obj.get("spec")
    rules = spec.get("rules") if isinstance(spec, Mapping) else None
    found: list[Problem] = []
    # The controller turns each hostname into a host-header condition value, with the same ELB limits as an
    # Ingress host (HostHeaderConditionConfig: 128 characters, a '.' and a top-level domain); CreateRule fails
    # for the whole Gateway otherwise.
    hostnames = spec.get("hostnames") if isinstance(spec, Mapping) else None
    for h, hostname in enumerate(hostnames if isinstance(hostnames, list) else []):
        why = host_problem(hostname.removeprefix("*.")) if isinstance(hostname, str) else None
        if why:
            found.append(
                Problem(
                    describe(obj),
                    index,
                    f"spec.hostnames[{h}]",
                    why + " (ELB API HostHeaderConditionConfig; the controller's CreateRule fails)",
                    "use a DNS name the ALB takes",
                    by="controller",
                )
            )
    for r, rule in enumerate(rules if isinstance(rules, list) else []):
        refs = rule.get("backendRefs") if isinstance(rule, Mapping) else None
        for b, ref in enumerate(refs if isinstance(refs, list) else []):
            weight = ref.get("weight") if isinstance(ref, Mapping) else None
            # The Gateway API CRD's schema (v1.6.0 apis/v1/shared_types.go, BackendRef.Weight): an int32, minimum 0,
            # maximum 1000000.
            whole = weight is None or (isinstance(weight, int) and not isinstance(weight, bool))
            if not whole or (weight is not None and not 0 <= weight <= 1_000_000):
                found.append(
                    Problem(
                        describe(obj),
                        index,
                        f"spec.rules[{r}].backendRefs[{b}].weight",
                        f"weight {weight!r} is not a whole number from 0 to 1000000 (the CRD's schema refuses it)",
                        "write the weight as a number from 0 to 1000000, e.g. 50",
                        not_a_number=True,
                    )
                )
            elif isinstance(weight, int) and not isinstance(weight, bool) and weight > ROUTE_WEIGHT_MAX:
                found.append(
                    Problem(
                        describe(obj),
                        index,
                        f"spec.rules[{r}].backendRefs[{b}].weight",
                        f"weight {weight} is over {ROUTE_WEIGHT_MAX}, which the controller refuses (v3.5.0 "
                        "pkg/gateway/routeutils/backend.go maxWeight)",
                        "scale the weights into 0..999, keeping their ratio",
                        by="controller",
                    )
                )
    return found


def object_problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    if is_alb_ingress(obj):
        return _ingress_problems(obj, index)
    if obj.get("kind") in ("HTTPRoute", "GRPCRoute") and str(obj.get("apiVersion", "")).startswith("gateway."):
        return _route_problems(obj, index)
    return []


def group_of(obj: Mapping[str, Any]) -> str:
    """The ALB group: ``group.name``, or the Ingress alone (``namespace/name``)."""
    explicit = _annotations(obj).get(ALB + "group.name")
    return explicit if explicit else "(implicit) " + describe(obj).removeprefix("Ingress ")


def group_problems(objects: Iterable[tuple[int, Mapping[str, Any]]]) -> list[Problem]:
    """What the members of each ALB group disagree on: the controller then reconciles none of them."""
    listed = list(objects)
    overlays, foreign, auto_mode = class_overlays([obj for _, obj in listed])
    groups: dict[str, list[tuple[int, Mapping[str, Any]]]] = defaultdict(list)
    for index, obj in listed:
        spec: Any = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
        metadata = obj.get("metadata")
        deleting = isinstance(metadata, Mapping) and bool(metadata.get("deletionTimestamp"))
        # One being deleted is left out of its group (v3.5.0 group_loader.go loadGroupIDIfAnyHelper).
        if not is_alb_ingress(obj) or deleting:
            continue
        cls = spec.get("ingressClassName")
        if CLASS_ANNOTATION not in _annotations(obj) and isinstance(cls, str):
            if cls in foreign:
                continue  # another controller's class: a leftover ALB annotation makes it none of the group
            if cls in overlays:
                overlay = overlays[cls]
                if overlay is None:
                    continue  # params the input does not hold: what they set is not known here
                # The params' settings win over the annotations (v3.5.0 group_loader.go loadGroupID,
                # model_build_listener.go, model_builder.go buildSSLRedirectConfig): judged as the controller
                # reads the member.
                annotations = {**_annotations(obj), **overlay}
                obj = {
                    **obj,
                    "metadata": {**(metadata if isinstance(metadata, Mapping) else {}), "annotations": annotations},
                }
        auto = CLASS_ANNOTATION not in _annotations(obj) and cls in auto_mode
        groups[group_of(obj) + (" (EKS Auto Mode)" if auto else "")].append((index, obj))
    found: list[Problem] = []
    for group, members in groups.items():
        found += _disagreements(group, members)
    return found


class ClassReading(NamedTuple):
    """``overlays``: per IngressClass of the controller with IngressClassParams (elbv2.k8s.aws), what the params
    set, written as the annotations they win over (None when the params are not in the input; {} for an EKS Auto
    Mode class without params); ``foreign``: the IngressClasses of other controllers; ``auto_mode``: EKS Auto
    Mode's."""

    overlays: dict[str, dict[str, str] | None]
    foreign: set[str]
    auto_mode: set[str]


def class_overlays(objects: Sequence[Mapping[str, Any]]) -> ClassReading:
    """What the input's IngressClasses and IngressClassParams say of their Ingresses' groups (``ClassReading``).
    Two params of one name: the last, as `kubectl apply` leaves it."""
    params: dict[str, Mapping[str, Any]] = {}
    for obj in objects:
        metadata = obj.get("metadata")
        if (
            obj.get("kind") == "IngressClassParams"
            and str(obj.get("apiVersion", "")).startswith("elbv2.k8s.aws/")
            and isinstance(metadata, Mapping)
        ):
            spec = obj.get("spec")
            params[str(metadata.get("name"))] = spec if isinstance(spec, Mapping) else {}
    overlays: dict[str, dict[str, str] | None] = {}
    foreign: set[str] = set()
    auto_mode: set[str] = set()
    for obj in objects:
        metadata, spec = obj.get("metadata"), obj.get("spec")
        if obj.get("kind") != "IngressClass" or not isinstance(metadata, Mapping) or not isinstance(spec, Mapping):
            continue
        name = str(metadata.get("name"))
        if spec.get("controller") == AUTO_MODE_CONTROLLER:
            # EKS Auto Mode's groups are its own (keyed apart); its params (eks.amazonaws.com) are not read here.
            overlays[name] = None if isinstance(spec.get("parameters"), Mapping) else {}
            auto_mode.add(name)
            continue
        if spec.get("controller") != LBC_CONTROLLER:
            foreign.add(name)
            continue
        ref = spec.get("parameters")
        if not isinstance(ref, Mapping) or ref.get("kind") != "IngressClassParams":
            continue
        found = params.get(str(ref.get("name"))) if ref.get("apiGroup") == "elbv2.k8s.aws" else None
        overlays[name] = None if found is None else _as_annotations(found)
    return ClassReading(overlays, foreign, auto_mode)


def _as_annotations(spec: Mapping[str, Any]) -> dict[str, str]:
    """The params' settings the group's members must agree on, under the annotation names they replace."""
    found: dict[str, str] = {}
    group = spec.get("group")
    if isinstance(group, Mapping) and isinstance(group.get("name"), str) and group["name"]:
        found[ALB + "group.name"] = group["name"]
    for key, annotation in (("scheme", "scheme"), ("sslPolicy", "ssl-policy"), ("sslRedirectPort", "ssl-redirect")):
        if isinstance(spec.get(key), str) and spec[key]:
            found[ALB + annotation] = spec[key]
    for key, annotation in (("inboundCIDRs", "inbound-cidrs"), ("certificateArn", "certificate-arn")):
        values = spec.get(key)
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            found[ALB + annotation] = ",".join(values)
    attributes = spec.get("loadBalancerAttributes")
    if isinstance(attributes, list) and attributes:
        pairs = [a for a in attributes if isinstance(a, Mapping)]
        if all(isinstance(a.get("key"), str) and isinstance(a.get("value"), str) for a in pairs):
            found[ALB + "load-balancer-attributes"] = ",".join(f"{a['key']}={a['value']}" for a in pairs)
    return found


def _disagreements(group: str, members: list[tuple[int, Mapping[str, Any]]]) -> list[Problem]:
    found: list[Problem] = []
    first: dict[str, tuple[str, str]] = {}  # what -> (value, document that set it first)

    def agree(what: str, value: str, index: int, obj: Mapping[str, Any], field: str, fix: str) -> None:
        seen = first.setdefault(what, (value, describe(obj)))
        if seen[0] != value:
            found.append(
                Problem(
                    describe(obj),
                    index,
                    field,
                    f"{what} {value!r} here but {seen[0]!r} in {seen[1]}: the members of ALB group {group!r} must "
                    "agree, or the controller stops reconciling the whole group (v3.5.0 model_builder.go)",
                    fix,
                    group,
                    by="controller",
                )
            )

    redirect_ports: dict[int, str] = {}
    ports: dict[int, str] = {}
    defaults: dict[tuple[int, str], list[tuple[int, Mapping[str, Any]]]] = {}
    for index, obj in members:
        annotations = _annotations(obj)
        for suffix in ONE_PER_GROUP:
            if ALB + suffix in annotations:
                agree(
                    suffix,
                    annotations[ALB + suffix],
                    index,
                    obj,
                    annotation_field(ALB + suffix),
                    "give every member the same value",
                )
        for suffix in ("load-balancer-attributes", "tags"):
            parsed = string_map(annotations.get(ALB + suffix, "")) or {}
            for key, value in parsed.items():
                agree(
                    f"{suffix} {key}",
                    value,
                    index,
                    obj,
                    annotation_field(ALB + suffix),
                    "write the identical value on every member",
                )
        own_ports = _ports_of(annotations)
        # One listener per port: the controller merges each member's listener-attributes.<PROTO>-<PORT> over
        # the members listening there and fails the group on one attribute with two values (v3.5.0
        # model_build_listener.go buildIngressGroupListenerAttributes, "conflicting listener attributes").
        for port, protocol in own_ports.items():
            key = f"{ALB}listener-attributes.{protocol}-{port}"
            for attribute, value in (string_map(annotations.get(key, "")) or {}).items():
                agree(
                    f"listener-attributes.{protocol}-{port} {attribute}",
                    value,
                    index,
                    obj,
                    annotation_field(key),
                    "write the identical value on every member listening on that port",
                )
        cidrs = _cidrs(annotations.get(ALB + "inbound-cidrs", ""))
        for port, protocol in own_ports.items():
            agree(
                f"port {port} protocol",
                protocol,
                index,
                obj,
                annotation_field(ALB + "listen-ports"),
                "use one protocol per port",
            )
            ports[port] = protocol
            if cidrs:
                agree(
                    f"port {port} inbound-cidrs",
                    ",".join(sorted(set(cidrs))),
                    index,
                    obj,
                    annotation_field(ALB + "inbound-cidrs"),
                    "give every member on that port the same inbound-cidrs (or none)",
                )
            if protocol == "HTTPS" and ALB + "ssl-policy" in annotations:
                agree(
                    f"port {port} ssl-policy",
                    annotations[ALB + "ssl-policy"],
                    index,
                    obj,
                    annotation_field(ALB + "ssl-policy"),
                    "use one TLS policy",
                )
        redirect = go_int32(annotations.get(ALB + "ssl-redirect", "") or "x")
        if redirect is not None:
            agree(
                "ssl-redirect port",
                str(redirect),
                index,
                obj,
                annotation_field(ALB + "ssl-redirect"),
                "redirect to one port",
            )
            redirect_ports.setdefault(redirect, describe(obj) + f"#{index}")
        spec = obj.get("spec")
        if isinstance(spec, Mapping) and spec.get("defaultBackend") is not None:
            for port, protocol in own_ports.items():
                defaults.setdefault((port, protocol), []).append((index, obj))
    # Each listener's default action takes the defaultBackend of the one member on its port that has one; two
    # there, even the same, stop the group; an HTTP listener of a group with ssl-redirect redirects instead (v3.5.0
    # model_build_listener.go buildListenerDefaultActions).
    for (port, protocol), owners in sorted(defaults.items(), key=lambda item: item[0]):
        if len(owners) < 2 or (protocol == "HTTP" and redirect_ports):
            continue
        first_owner = describe(owners[0][1])
        for index, obj in owners[1:]:
            found.append(
                Problem(
                    describe(obj),
                    index,
                    "spec.defaultBackend",
                    f"a second defaultBackend on port {port} of ALB group {group!r} (also {first_owner}): the "
                    "controller refuses 'multiple ingress defined default backend' and stops reconciling the whole "
                    "group (v3.5.0 buildListenerDefaultActions)",
                    f"keep one defaultBackend among the members listening on port {port}",
                    group,
                    by="controller",
                )
            )
    for port, where in redirect_ports.items():
        if ports.get(port) != "HTTPS":
            document, _, position = where.rpartition("#")
            found.append(
                Problem(
                    document,
                    int(position),
                    annotation_field(ALB + "ssl-redirect"),
                    f"ssl-redirect to port {port}, which no member listens on with HTTPS in ALB group {group!r}; the "
                    "controller stops reconciling the whole group (v3.5.0 buildSSLRedirectConfig)",
                    "listen on that port with HTTPS (listen-ports and a certificate), or drop ssl-redirect",
                    group,
                    by="controller",
                )
            )
    return found
