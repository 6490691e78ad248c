"""The guardrail rules, written once as plain functions over resources (type + properties).

Three front-ends run them: the CrossGuard policy pack (``policies/guardrails_pack``), the offline plan,
and ``albops check`` over Kubernetes YAML and IAM JSON written by anyone. A resource is its Pulumi type
token and its properties in camelCase (how Pulumi and Kubernetes both spell them), so a manifest read
from a file and a resource registered by a program look the same to a rule.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import shlex
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from albingress.facts.go_values import go_bool, go_json_field, go_json_loads, too_deep
from albingress.facts.managed_policies import document_for_arn
from albingress.facts.managed_policies import source as managed_source
from albingress.facts.regions import ALB_SSL_POLICIES, CONTROLLER_DEFAULT_SSL_POLICY, RECOMMENDED_SSL_POLICY
from albingress.policies import gateway_rules, iam_judge
from albingress.policies.app_checks import go_int32, parse_group_order
from albingress.policies.controller_iam import RELEASES
from albingress.policies.group_budget import forwarded_services
from albingress.policies.review import (
    ANN,
    CONTROLLER_CHART,
    DEFAULT_DEREGISTRATION_DELAY,
    DEFAULT_GRACE_PERIOD,
    HELM_RELEASE,
    IAM_ATTACHMENTS,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    INGRESS_CLASS,
    LBC_CONTROLLER,
    WORKLOADS,
    BadValueError,
    Context,
    Resource,
    Rule,
    Stack,
    Violation,
    display,
    group_members,
    ingress_backends,
    listen_ports,
    listen_ports_problem,
    listener_certificate,
    listener_ssl_policy,
    scheme,
    services_by_name,
    string_map,
    target_group_setting,
)
from albingress.policies.validation.controller import (
    CONDITION_CONFIGS,
    HEALTH_CHECK_RANGES,
    HEALTH_CHECK_VALUES,
    SUCCESS_CODES,
    health_check_problem,
    read_conditions,
    success_codes_problem,
)


def _target_type_ip(stack: Stack) -> Iterable[Violation]:
    services = services_by_name(stack)
    for ingress in stack.alb_ingresses():
        # One finding for what the Ingress (or its class) decides, one per Service that decides for itself.
        found: dict[str, tuple[str, str]] = {}
        for name in list(dict.fromkeys(n for n, _ in ingress_backends(ingress))) or [""]:
            service = services.get((ingress.namespace, name)) if name else None
            value = target_group_setting(stack, ingress, service, "target-type")
            if value == "ip":
                continue
            if stack.class_params(ingress).get("targetType"):
                found[display(ingress)] = (str(value), "the IngressClassParams' targetType, which wins over both")
            elif service is not None and ANN + "target-type" in service.annotations:
                where = f"{display(ingress)} backend {name}"
                found[where] = (str(value), f"Service {name}'s annotation, which wins over the Ingress's")
            elif ANN + "target-type" in ingress.annotations:
                found[display(ingress)] = (str(value), "the Ingress's annotation")
            else:
                found[display(ingress)] = ("instance", "the controller's default")
        for where, (value, source) in found.items():
            yield Violation(
                "alb-target-type-ip",
                where,
                f"targets nodes (target-type {value}, from {source}): every request takes an extra hop through a "
                "node, and node restarts drop its connections",
                f"set {ANN}target-type: ip (on the Service too when it carries one)",
            )
    yield from gateway_rules.target_type_ip(stack)


# What the controller builds each target group's health check from when no annotation says (v3.5.0
# pkg/ingress/model_builder.go): interval 15 s, timeout 5 s, success codes 200, or gRPC code 12.
DEFAULT_HEALTH_CHECK = {"healthcheck-interval-seconds": "15", "healthcheck-timeout-seconds": "5"}
# ELB API Matcher (botocore's elbv2 model): an ALB's target group takes HTTP codes 200-499, or gRPC codes 0-99.
ALB_SUCCESS_CODES = {"HTTP": (200, 499), "GRPC": (0, 99)}
# One target group's health-check values, each from the object that holds it or the controller's default.
Settings = dict[str, str | None]
HEALTH_CHECK_SETTINGS = (*DEFAULT_HEALTH_CHECK, "backend-protocol-version", "success-codes")
HEALTH_INTS = (
    "healthcheck-interval-seconds",
    "healthcheck-timeout-seconds",
    "healthy-threshold-count",
    "unhealthy-threshold-count",
)
# What the controller's buildTargetGroupProtocolVersion takes, compared exactly (v3.5.0).
PROTOCOL_VERSIONS = ("HTTP1", "HTTP2", "GRPC")


def _in_range(annotation: str, value: int) -> bool:
    low, high = HEALTH_CHECK_RANGES[annotation]
    return low <= value <= high


def _holder(ingress: Resource, service: Resource | None, annotation: str) -> Resource | None:
    """The object whose annotation the target group takes, or None for the default: the Service's wins, as in
    review.target_group_setting (MergeStringMap(svc.Annotations, ing.Annotations))."""
    for source in (service, ingress):
        if source is not None and ANN + annotation in source.annotations:
            return source
    return None


def _service_values(service: Resource) -> Iterable[tuple[str, str, str, bool]]:
    """A Service's own health-check values that ELB or the controller refuses, as (annotation, finding, fix,
    not a number), by the per-object rule: the validator judges an Ingress's, and a Service's count only
    through an Ingress."""
    for annotation in (*HEALTH_INTS, "success-codes"):
        raw = service.annotations.get(ANN + annotation)
        if raw is not None and (problem := health_check_problem(annotation, raw)) is not None:
            yield (annotation, *problem)


def _health_check(stack: Stack) -> Iterable[Violation]:
    """Health checks ELB or the controller refuses, judged per target group as the controller builds it (the
    Service's annotations win over the Ingress's; a target group for each backend Service and each Service a
    use-annotation forward action names): the Service's own values, a backend-protocol-version other than
    HTTP1, HTTP2 or GRPC, a timeout not below the interval (CreateTargetGroup's ValidationError 'Health check
    interval must be greater than the timeout') and success codes outside the protocol's range. Each of an
    Ingress's values is checked for form and range per object (policies/validation/controller.py)."""
    services = services_by_name(stack)
    found: dict[tuple[str, str], Violation] = {}
    for ingress in stack.alb_ingresses():
        names = dict.fromkeys([n for n, _ in ingress_backends(ingress)] + forwarded_services(ingress))
        for name in names:
            service = services.get((ingress.namespace, name))
            if service is not None:
                for annotation, finding, fix, text in _service_values(service):
                    found[(display(service), annotation)] = Violation(
                        "alb-health-check",
                        display(service),
                        f"{ANN}{annotation}: {finding} (its target group behind {display(ingress)}); the controller "
                        "stops the whole group",
                        f"{fix} in {ANN}{annotation}",
                        bad_input=text,
                    )
            holders = {a: _holder(ingress, service, a) for a in HEALTH_CHECK_SETTINGS}
            # Each value from the object that holds it (the Service's first), else the controller's default.
            setting = {
                a: DEFAULT_HEALTH_CHECK.get(a) if h is None else str(h.annotations[ANN + a]) for a, h in holders.items()
            }
            version = setting["backend-protocol-version"] or "HTTP1"
            if version not in PROTOCOL_VERSIONS:
                holder = holders["backend-protocol-version"]
                at = display(holder) if holder is not None else display(ingress)
                found[(at, "version")] = Violation(
                    "alb-health-check",
                    at,
                    f"backend-protocol-version {version!r} is not HTTP1, HTTP2 or GRPC, compared exactly: the "
                    "controller stops the whole group (model_build_target_group.go buildTargetGroupProtocolVersion)",
                    f"write {ANN}backend-protocol-version as HTTP1, HTTP2 or GRPC",
                )
                continue
            found.update(_interval_finding(ingress, service, name, holders, setting))
            found.update(_codes_finding(ingress, service, name, holders, setting, version))
    yield from found.values()
    yield from _frontend_nlb(stack)


def _frontend_nlb(stack: Stack) -> Iterable[Violation]:
    """The frontend NLB is a setting of the group, not of one Ingress (v3.5.0 model_build_frontend_nlb.go
    buildEnableFrontendNlbViaAnnotation): the members that say enable-frontend-nlb must agree ("conflicting
    enable frontend NLB values" stops the group), and once one says true, every member's frontend-nlb-*
    health check is read (buildFrontendNlbListenerConfigByPortForIngress), its own flag or not. The per-object
    rules judge those values only on an Ingress that says true itself; the others are judged here."""
    seen: set[str] = set()
    for ingress in stack.alb_ingresses():
        key = stack.group(ingress) or display(ingress)
        if key in seen:
            continue
        seen.add(key)
        members = group_members(stack, ingress)
        said = {
            display(m): go_bool(str(m.annotations[ANN + "enable-frontend-nlb"]))
            for m in members
            if isinstance(m.annotations.get(ANN + "enable-frontend-nlb"), str)
        }
        values = {v for v in said.values() if v is not None}  # a value Go cannot parse is named per object
        if len(values) > 1:
            yield Violation(
                "alb-health-check",
                display(ingress) if len(members) == 1 else f"IngressGroup {key}",
                "enable-frontend-nlb differs between members ("
                + ", ".join(f"{name}: {str(v).lower()}" for name, v in said.items() if v is not None)
                + "): the controller stops the whole group ('conflicting enable frontend NLB values')",
                f"write the same {ANN}enable-frontend-nlb on every member that sets it, or set it on one only",
            )
            continue
        if values != {True}:
            continue
        for member in members:
            if said.get(display(member)) is True:
                continue  # judged per object (policies/validation/controller.py)
            for annotation, raw in member.annotations.items():
                suffix = annotation.removeprefix(ANN)
                if (
                    not suffix.startswith("frontend-nlb-")
                    or suffix not in HEALTH_CHECK_VALUES
                    or not isinstance(raw, str)
                ):
                    continue
                if (problem := health_check_problem(suffix, raw)) is not None:
                    finding, fix, text = problem
                    yield Violation(
                        "alb-health-check",
                        display(member),
                        f"{annotation}: {finding} (its group's frontend NLB is on, so the controller reads it); "
                        "the controller stops the whole group",
                        f"{fix} in {annotation}",
                        bad_input=text,
                    )


def _backend_where(ingress: Resource, service: Resource | None, name: str, service_decides: bool) -> str:
    """Where a per-target-group finding is said: the Ingress, or one backend of it when the Service's own
    annotations decide the values judged (then another backend of the same Ingress may well be right)."""
    return f"{display(ingress)} backend {name}" if service is not None and service_decides else display(ingress)


def _interval_finding(
    ingress: Resource, service: Resource | None, name: str, holders: dict[str, Resource | None], setting: Settings
) -> dict[tuple[str, str], Violation]:
    interval = go_int32(setting["healthcheck-interval-seconds"] or "")
    timeout = go_int32(setting["healthcheck-timeout-seconds"] or "")
    # Out of its range (or not a number), a value is named where it is written.
    if (
        interval is None
        or timeout is None
        or not _in_range("healthcheck-interval-seconds", interval)
        or not _in_range("healthcheck-timeout-seconds", timeout)
        or timeout < interval
    ):
        return {}
    pair = ("healthcheck-timeout-seconds", "healthcheck-interval-seconds")
    on_service = service is not None and any(holders[a] is service for a in pair)
    where = _backend_where(ingress, service, name, on_service)
    # Said where the values are written: on the Service, a change on the Ingress would not reach it.
    written = [f"{a.removeprefix('healthcheck-')} on {display(h)}" for a in pair if (h := holders[a]) is not None]
    return {
        (where, "interval"): Violation(
            "alb-health-check",
            where,
            f"health check timeout {timeout} s is not below its interval {interval} s"
            + (f" ({', '.join(written)})" if written else "")
            + ": ELB refuses the target group ('Health check interval must be greater than the timeout'), "
            "and the controller stops the whole group",
            f"set {ANN}healthcheck-timeout-seconds below healthcheck-interval-seconds"
            + (f" on Service {name} (its annotations win over the Ingress's)" if on_service else "")
            + " (the controller's defaults: 5 and 15)",
        )
    }


def _codes_finding(
    ingress: Resource,
    service: Resource | None,
    name: str,
    holders: dict[str, Resource | None],
    setting: Settings,
    version: str,
) -> dict[tuple[str, str], Violation]:
    codes = setting["success-codes"]
    if codes is None or not SUCCESS_CODES.fullmatch(codes):
        return {}  # another form is named where it is written (health_check_problem)
    kind = _codes_kind(version)
    low, high = ALB_SUCCESS_CODES[kind]
    takes = "gRPC codes (backend-protocol-version GRPC)" if kind == "GRPC" else "HTTP codes"
    problem = success_codes_problem(codes, low, high, f"{takes} an ALB's target group takes", _CODES_EXAMPLE[kind])
    if problem is None:
        return {}
    finding, fix = problem
    # The Service decides the codes' range only where its own protocol version puts them in another range than
    # the Ingress's would (HTTP2 takes the same codes as HTTP1).
    own_version = str(ingress.annotations.get(ANN + "backend-protocol-version") or "HTTP1")
    range_from_service = holders["backend-protocol-version"] is service and kind != _codes_kind(own_version)
    codes_on_service = holders["success-codes"] is service
    where = _backend_where(ingress, service, name, range_from_service or codes_on_service)
    if range_from_service and not codes_on_service:
        fix = (
            f"write {ANN}success-codes on Service {name} within {low}-{high} (its target group is {version}; the "
            "Service's annotation wins over the Ingress's)"
        )
    else:
        fix = f"write {ANN}success-codes" + (f" on Service {name}" if codes_on_service else "") + f" as {fix}"
    return {
        (where, "codes"): Violation("alb-health-check", where, f"{finding}; the controller stops the whole group", fix)
    }


_CODES_EXAMPLE = {"HTTP": "200-299", "GRPC": "0-12"}


def _codes_kind(version: str) -> str:
    """The range of codes a backend protocol version takes: gRPC's own, else HTTP's (HTTP1 and HTTP2 alike)."""
    return "GRPC" if version == "GRPC" else "HTTP"


def _in_a_group(stack: Stack) -> Iterable[Violation]:
    for ingress in stack.alb_ingresses():
        if not stack.group(ingress):
            yield Violation(
                "alb-group",
                display(ingress),
                "is not in an IngressGroup, so it gets an ALB of its own",
                f"set {ANN}group.name (or the group of its IngressClassParams)",
            )


def _internet_facing(stack: Stack) -> list[Resource]:
    """Ingresses meant to be internet-facing, their own scheme or their group's: the scheme is group-wide, one
    member's makes the whole ALB internet-facing (v3.5.0 pkg/ingress/model_build_load_balancer.go:
    buildLoadBalancerScheme). A misspelt value (a trailing space) is judged as meant; the scheme rule names it."""

    def meant(ingress: Resource) -> bool:
        return (scheme(stack, ingress) or "").strip().lower() == "internet-facing"

    return [i for i in stack.alb_ingresses() if any(meant(m) for m in group_members(stack, i))]


def _scheme(stack: Stack) -> Iterable[Violation]:
    for ingress in stack.alb_ingresses():
        value = scheme(stack, ingress)
        meant = (value or "").strip().lower()
        if value is not None and value not in ("internal", "internet-facing"):
            yield Violation(
                "alb-scheme",
                display(ingress),
                f"scheme {value!r} is neither 'internal' nor 'internet-facing' exactly: the controller stops the whole "
                "group with 'unknown scheme' (v3.5.0 pkg/ingress/model_build_load_balancer.go compares it as written)",
                f"write {ANN}scheme: {meant if meant in ('internal', 'internet-facing') else 'internal'}",
            )


def _https(stack: Stack) -> Iterable[Violation]:
    for ingress in _internet_facing(stack):
        raw_ports = ingress.annotations.get(ANN + "listen-ports")
        if raw_ports is not None and listen_ports_problem(str(raw_ports)):
            continue  # the controller stops the group; the group-consistent rule names the annotation
        if "HTTPS" not in {proto for proto, _ in listen_ports(stack, ingress)}:
            tls_only = not stack.setting(ingress, "listen-ports") and ingress.spec.get("tls")
            why = (
                ": spec.tls alone gives HTTP 80 (without listen-ports the controller opens HTTPS only with "
                "certificate-arn, the class params' certificateArn or create-acm-cert)"
                if tls_only
                else ""
            )
            yield Violation(
                "alb-https",
                display(ingress),
                f"is internet-facing without an HTTPS listener{why}: traffic crosses the internet in clear text",
                f'set {ANN}certificate-arn, or add {{"HTTPS": 443}} to {ANN}listen-ports',
            )
        elif any(
            not listener_certificate(stack, ingress, p) for proto, p in listen_ports(stack, ingress) if proto == "HTTPS"
        ):
            yield Violation(
                "alb-https",
                display(ingress),
                "listens on HTTPS without a certificate ARN or hosts for certificate discovery (its own or a group "
                "member's on the same port)",
                f"set {ANN}certificate-arn, or name the hosts in rules or spec.tls",
            )
    yield from gateway_rules.https(stack)


def _action(ingress: Resource, name: str) -> Mapping[str, Any]:
    """What the legacy-redirect rule reads of an actions.<name> annotation (its type and redirectConfig's
    protocol), as the controller reads them: Go's json.Unmarshal, field names matched without case, the last
    of a repeated one winning and a repeated object merged into the first (``go_json_field``), so
    ``"redirectConfig": {"protocol": "HTTPS"}, "redirectConfig": {"port": "443"}`` redirects to HTTPS."""
    return _action_of(name, str(ingress.annotations.get(f"{ANN}actions.{name}", "")))


@functools.lru_cache(maxsize=512)
def _action_of(name: str, raw: str) -> Mapping[str, Any]:
    # Kept per value: every rule of a large Ingress asks for the same annotation.
    try:
        value = go_json_loads(raw)
    except ValueError:  # not JSON (the controller refuses it too), or nested past what is read: no action is read
        deep = too_deep(raw)
        # Go reads it; this tool cannot say whether it redirects, and the finding must say so, not "plain HTTP".
        return {"unread": f"{ANN}actions.{name} {deep.removeprefix('it ')}"} if deep is not None else {}
    if not isinstance(value, Mapping):
        return {}
    config = go_json_field(value, "redirectConfig")
    read = {key: go_json_field(config, key) for key in _REDIRECT_FIELDS} if isinstance(config, Mapping) else {}
    return {
        "type": go_json_field(value, "type"),
        "redirectconfig": {key: field for key, field in read.items() if field is not None},
    }


# What the legacy-redirect rule reads of a redirectConfig: where it sends a request (ELB RedirectActionConfig).
_REDIRECT_FIELDS = ("protocol", "host", "port", "path", "query")


def _loops_on_https(
    config: Mapping[str, Any], host: Any, patterns: set[str], https_ports: frozenset[int], regex: bool
) -> bool:
    """Whether a redirect to HTTPS that covers its rule redirects, on an HTTPS listener of the Ingress, a request
    back into the same rule: the controller keeps it on that listener (always for a regex path, "We dont check
    for infinite rules for regex paths"; else unless ``_dropped_on``), and the request it sends lands on a
    listener where the rule is kept too (a literal port, else the same one; the rule is on each of the
    Ingress's listen ports and no other) with a host the rule matches (a host-less rule matches every host; a
    literal host other than what the rule's host matches, ALB '*' and '?' without case, leaves it). A changed
    path or query never leaves it: a covering rule matches every path (for a regex this tool cannot say
    otherwise), and a literal query is the same again on the second request."""
    target = config.get("host")
    if isinstance(target, str) and target != "#{host}" and "#{host}" in target and isinstance(host, str) and host:
        target = target.replace("#{host}", host)  # www.#{host} on example.com: www.example.com
    other_host = (
        isinstance(target, str)
        and "#{" not in target
        and isinstance(host, str)
        and bool(host)
        and not fnmatch.fnmatchcase(target.lower(), host.lower())
    )
    if other_host:
        return False
    port = config.get("port")
    literal = _literal_port(port)
    if port is not None and port != "#{port}" and literal is None:
        return False  # a port the ELB API refuses (the validator names it): the rule is never created
    if regex and config.get("path") not in (None, "/#{path}"):
        return False  # whether the regex matches the new path is not evaluated: "cannot tell", not "loops"

    def kept(listener: int) -> bool:
        return regex or not _dropped_on(config, host, patterns, listener)

    return any(
        kept(listener) and (literal or listener) in https_ports and kept(literal or listener)
        for listener in https_ports
    )


def _literal_port(value: Any) -> int | None:
    """A redirect's port written as ASCII digits (the ELB API's form), as a number; None for #{port}, left out,
    or anything else."""
    return int(value) if isinstance(value, str) and re.fullmatch("[0-9]+", value) else None


def _dropped_on(config: Mapping[str, Any], host: Any, patterns: set[str], port: int) -> bool:
    """Whether the controller drops a redirect to HTTPS from the HTTPS listener ``port``, taking it to send a
    request back to itself (v3.5.0 pkg/ingress/rule_optimizer.go isInfiniteRedirectRule): each of host, path,
    port, protocol and query left out, the request's own (``#{host}``...), or the rule's own value as written
    (its host, one of its path patterns; compared exactly, case and all). A query is the request's own only as
    ``#{query}``."""

    def own(key: str, *same: Any) -> bool:
        value = config.get(key)
        return value is None or value in same

    return (
        own("host", "#{host}", *([host] if host else []))
        and own("path", "/#{path}", *patterns)
        and own("port", "#{port}", str(port))
        and own("protocol", "#{protocol}", "HTTPS")
        and own("query", "#{query}")
    )


def _use_annotation(service: Mapping[str, Any]) -> bool:
    """Whether a Service backend takes its action from actions.<name> (buildActionViaAnnotation)."""
    port = service.get("port")
    return isinstance(port, Mapping) and port.get("name") == "use-annotation"


def _narrowed(ingress: Resource, name: str) -> bool:
    """Whether a conditions.<name> annotation may keep the rule of backend ``name`` from some requests: any value
    but an empty list (one the controller refuses stops the group, which the validator says)."""
    raw = ingress.annotations.get(f"{ANN}conditions.{name}")
    return False if raw is None else _narrowing(str(raw))


@functools.lru_cache(maxsize=512)
def _narrowing(raw: str) -> bool:
    conditions = read_conditions(raw)
    # One the controller refuses stops the group (the validator says so); a condition whose field is none the
    # controller knows (its switch compares the text exactly) is one buildRuleConditions passes over.
    return conditions is None or any(go_json_field(c, "field") in CONDITION_CONFIGS for c in conditions)


def _legacy_redirect(
    ingress: Resource, https_ports: frozenset[int] = frozenset(), group_https: frozenset[int] | None = None
) -> tuple[bool, str | None, str | None, bool]:
    """The legacy form: a first path per host (or one host-less rule) whose backend is an actions.<name>
    redirect to HTTPS ('use-annotation'), matching every path. The controller drops that rule on the HTTPS
    listener when it would send a request back to itself there (v3.5.0 pkg/ingress/rule_optimizer.go
    isInfiniteRedirectRule, ``_dropped_on``), so HTTP is redirected. One it keeps there (a regex path, or a
    literal host, path or query its test does not take as the request's own) redirects HTTPS too: to another
    host or port that is no loop; where its rule matches the request it sent, it is (``_loops_on_https``).

    The second value, when the first is False, names an action this tool could not read (nested past
    JSON_DEPTH_READ) that stood where a redirect would, when no rule it could read answers plain HTTP: the
    answer is then "cannot tell", not "plain HTTP"; so it is for a redirect on a regex path that leaves its rule
    (``_loops_on_https``), as this tool does not evaluate the regex. The third, when the only rules that fail
    are redirects that loop on the HTTPS listener (``https_ports``, the Ingress's), says why: HTTP is redirected,
    but HTTPS requests the rule matches never reach the app; or a redirect to a port no HTTPS listener of the
    group (``group_https``, the Ingress's own when not given) serves: the ELB API keeps the request's port when
    the redirect names none, so HTTP 80 went to https://host:80. The fourth says it has a host-less redirect covering
    every path, which redirects every request its own earlier rules do not answer, other group members' too
    (those rules' plain HTTP, if any, is this Ingress's finding)."""
    verdicts: list[str] = []  # per rule before a host-less redirect: "ok", "unread" (cannot tell), "loop" or "no"
    unread: str | None = None
    loop: str | None = None

    def answer(said: list[str], every_host: bool = False) -> tuple[bool, str | None, str | None, bool]:
        if said and all(v == "ok" for v in said):
            return True, None, None, every_host
        definite = "no" in said
        loops = loop if not definite and "loop" in said else None
        return False, unread if said and not definite and not loops else None, loops, every_host

    regex_paths = go_bool(ingress.annotations.get(f"{ANN}use-regex-path-match", "")) is True
    group_ports = https_ports if group_https is None else group_https
    rules = ingress.spec.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        http = rule.get("http") if isinstance(rule, Mapping) else None
        paths = _controller_path_order(
            [p for p in ((http.get("paths") or []) if isinstance(http, Mapping) else []) if isinstance(p, Mapping)]
        )
        if not paths:  # the controller builds no listener rule of it (rule.HTTP == nil is skipped)
            continue
        first = paths[0]
        backend = first.get("backend")
        found = backend.get("service") if isinstance(backend, Mapping) else None
        service: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        action = _action(ingress, str(service.get("name")))
        config = action.get("redirectconfig") or {}
        path = first.get("path")
        # An empty path gives the rule no path condition (buildRuleConditions): every path, as '/*' does. A
        # conditions.<name> annotation on the redirect narrows it to the requests it matches.
        # With use-regex-path-match an ImplementationSpecific path is a regex, and the rule optimizer keeps a
        # redirect with a regex path on the HTTPS listener too ("We dont check for infinite rules for regex paths",
        # isInfiniteRedirectRule): it loops there, so it is no redirect of HTTP to HTTPS.
        regex = regex_paths and first.get("pathType") in (None, "ImplementationSpecific") and bool(path)
        narrowed = _narrowed(ingress, str(service.get("name")))
        every_path = (
            (path in ("/*", "*", "", None) and not regex) or (path == "/" and first.get("pathType") == "Prefix")
        ) and not narrowed
        annotated = _use_annotation(service)
        # As written: the ELB API takes HTTPS, HTTP or #{protocol}, case and all (the validator names the rest).
        to_https = annotated and action.get("type") == "redirect" and config.get("protocol") == "HTTPS"
        cannot_tell = bool(action.get("unread")) and annotated and every_path
        if cannot_tell and unread is None:
            unread = str(action["unread"])
        regex_redirect = to_https and regex and not narrowed
        host = rule.get("host")
        # The rule's path patterns as the controller writes them: a rule left with no condition at all (no host,
        # an empty path) gets '/*' (buildRuleConditions).
        patterns = {"/*"} if path == "/" or (not path and not host) else {str(path)} if path else set()
        covering = (to_https and every_path) or regex_redirect
        target = config.get("port")
        wrong_port = covering and _literal_port(target) not in group_ports
        if wrong_port and loop is None:
            # ELB RedirectActionConfig: "Any components that you do not modify retain their original values".
            loop = (
                f"its redirect to HTTPS ({service.get('name')}) "
                + (
                    "names no port, so it keeps the request's: an HTTP client of port 80 is sent to https://host:80"
                    if target in (None, "#{port}")
                    else f"sends clients to port {target}"
                )
                + ", where no HTTPS listener of its group answers; write its port as the HTTPS listen port, e.g. '443'"
            )
        loops = wrong_port or (covering and _loops_on_https(config, host, patterns, https_ports, regex_redirect))
        if loops and loop is None:
            loop = (
                "its redirect to HTTPS has a regex path (use-regex-path-match), which the controller keeps on the "
                "HTTPS listener too (rule_optimizer.go does not check regex paths)"
                if regex_redirect
                else f"its redirect to HTTPS ({service.get('name')}) writes its own "
                + "/".join(
                    k
                    for k, same in (("host", "#{host}"), ("path", "/#{path}"), ("query", "#{query}"))
                    if k in config and config[k] != same
                )
                + ", which the controller's loop test does not take as the request's own, so it keeps the rule on the "
                "HTTPS listener"
            ) + (
                ", where the rule matches the request it redirected and redirects it again (a loop the ELB API may "
                "also refuse when the rule is created, which stops the group)"
            )
        if regex_redirect and not loops:
            cannot_tell = True
            unread = unread or (
                f"its redirect to HTTPS ({service.get('name')}) has a regex path ({path}), which this tool does not "
                "evaluate against every path"
            )
        verdict = "loop" if loops else "ok" if to_https and every_path else "unread" if cannot_tell else "no"
        if verdict != "no" and not rule.get("host"):
            # It redirects every host (or may), but only after the rules written before it, which keep their
            # order (the controller builds rules in spec.rules order): each of those must redirect too.
            return answer([*verdicts, verdict], every_host=verdict == "ok")
        verdicts.append(verdict)
    # No host-less redirect: a request no rule matches gets the default action, which spec.defaultBackend makes
    # (buildListenerDefaultActions): a forward to a Service serves it in plain HTTP; a fixed response or a redirect
    # of its actions.<name> does not (and without one, the controller's 404 does not either).
    default = ingress.spec.get("defaultBackend")
    fallback = default.get("service") if isinstance(default, Mapping) else None
    if isinstance(fallback, Mapping):
        action = _action(ingress, str(fallback.get("name"))) if _use_annotation(fallback) else {"type": "forward"}
        config = action.get("redirectconfig") or {}
        if action.get("unread"):
            unread = unread or str(action["unread"])
            verdicts.append("unread")
        elif action.get("type") == "forward" or (
            action.get("type") == "redirect" and config.get("protocol") != "HTTPS"
        ):
            verdicts.append("no")  # a forward, or a redirect that keeps plain HTTP
    return answer(verdicts)


def _controller_path_order(paths: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A rule's paths in the order the controller makes listener rules of them: Exact first, then Prefix, longest
    first, then ImplementationSpecific (or no type) as written (sortIngressPaths, v3.5.0
    pkg/ingress/model_build_listener_rules.go); the sort is stable, so equal ones keep their written order."""

    from albingress.policies.alb_budget import controller_path_rank

    return sorted(paths, key=lambda path: controller_path_rank(path.get("pathType"), str(path.get("path") or "")))


def _group_https(stack: Stack, ingress: Resource) -> frozenset[int]:
    """The HTTPS listen ports of an Ingress's group (its own, alone): where a redirect to HTTPS is answered."""
    members = group_members(stack, ingress)
    return frozenset(port for member in members for proto, port in listen_ports(stack, member) if proto == "HTTPS")


def _legacy_redirect_of(stack: Stack, ingress: Resource) -> tuple[bool, str | None, str | None, bool]:
    """``_legacy_redirect`` of an Ingress of the review, on its own and its group's HTTPS ports: worked out once
    per review, though asked for the Ingress and again for it as a member before each later one of its group."""

    def work() -> tuple[bool, str | None, str | None, bool]:
        https = frozenset(port for proto, port in listen_ports(stack, ingress) if proto == "HTTPS")
        return _legacy_redirect(ingress, https, _group_https(stack, ingress))

    found: tuple[bool, str | None, str | None, bool] = stack.kept(("legacy_redirect", id(ingress)), ingress, work)
    return found


def _redirected_before(stack: Stack, ingress: Resource) -> bool:
    """Whether every HTTP listen port of ``ingress`` is one where a group member evaluated before it redirects
    every request to HTTPS with a host-less legacy redirect: the controller builds a group's rules member by
    member, by group.order and then namespace/name (v3.5.0 pkg/ingress/group_loader.go sortGroupMembers), so
    that redirect answers first and nothing of ``ingress`` answers plain HTTP there (the rule optimizer then
    drops the rules it covers). A member's host-specific redirects are not counted for other members."""
    members = group_members(stack, ingress)
    mine = {port for proto, port in listen_ports(stack, ingress) if proto == "HTTP"}
    if len(members) < 2 or not mine:
        return False

    def order(member: Resource) -> int:
        raw = stack.setting(member, "group.order")
        return 0 if raw is None else parse_group_order(str(raw))[0]

    def name(member: Resource) -> tuple[Any, Any]:
        return member.metadata.get("namespace"), member.metadata.get("name")

    def before(member: Resource) -> bool:
        """Evaluated before ``ingress`` for certain. Between equal orders the names decide, and only written
        names can: a program's resource without metadata.name gets its name's random suffix when it is created,
        and one without a namespace the provider's (so two written without one share it)."""
        if member.metadata.get("deletionTimestamp"):
            return False  # the controller leaves an Ingress being deleted out of its group (loadGroupIDIfAnyHelper)
        (space, member_name), (own_space, own_name) = name(member), name(ingress)
        if (space, member_name) == (own_space, own_name):
            return False  # the same object twice: only the last one applied exists
        if order(member) != order(ingress):
            return order(member) < order(ingress)
        if not member_name or not own_name or (space is None) != (own_space is None):
            return False
        # Go compares the strings "namespace/name" (NamespacedName.String()), '/' and all.
        return f"{space or ''}/{member_name}" < f"{own_space or ''}/{own_name}"

    covered: set[int] = set()
    for member in members:
        if member is ingress or not before(member):
            continue
        if _legacy_redirect_of(stack, member)[3]:  # a host-less redirect covering every path
            covered |= {port for proto, port in listen_ports(stack, member) if proto == "HTTP"}
    return mine <= covered


def group_ssl_redirect(stack: Stack, ingress: Resource) -> tuple[int | None, str | None, bool]:
    """The group's redirect port; when the controller builds none or stops the group, why; and whether it
    stops the group (its listeners then serve nothing new, so "answers plain HTTP" would be beside the point).
    A member's unreadable listen-ports stops the group before this (the group-consistent rule). As v3.5.0
    pkg/ingress/model_builder.go buildSSLRedirectConfig reads it: per member the IngressClassParams'
    sslRedirectPort (ParseInt failing: no redirect for the whole group, silently) else the ssl-redirect
    annotation (ParseInt32Annotation failing: the group stops); one port for the group, an HTTPS listener.
    The answer is the group's: worked out once per review (the rules ask it for every member)."""
    group = stack.group(ingress)
    key = ("group_ssl_redirect", group) if group else ("group_ssl_redirect", None, id(ingress))
    found: tuple[int | None, str | None, bool] = stack.kept(
        key, None if group else ingress, lambda: _ssl_redirect(stack, ingress)
    )
    return found


def _ssl_redirect(stack: Stack, ingress: Resource) -> tuple[int | None, str | None, bool]:
    ports: set[int] = set()
    members = group_members(stack, ingress)
    if any(
        listen_ports_problem(str(m.annotations[ANN + "listen-ports"]))
        for m in members
        if ANN + "listen-ports" in m.annotations
    ):
        return None, None, True
    for member in members:
        params = stack.class_params(member).get("sslRedirectPort")
        if params not in (None, ""):
            port = go_int32(str(params))
            if port is None:
                return (
                    None,
                    (
                        f"its IngressClassParams' sslRedirectPort {params!r} is not digits only (Go's ParseInt "
                        "refuses it): the controller then builds no redirect for the whole group, silently, and HTTP "
                        "answers in clear text"
                    ),
                    False,
                )
            ports.add(port)
            continue
        raw = member.annotations.get(ANN + "ssl-redirect")
        if raw is not None:
            port = go_int32(str(raw))
            if port is None:
                return (
                    None,
                    (
                        f"{display(member)}'s ssl-redirect {str(raw)!r} is not digits only (Go's ParseInt refuses "
                        "spaces and other scripts' digits): the controller stops the whole group"
                    ),
                    True,
                )
            ports.add(port)
    if not ports:
        return None, None, False
    if len(ports) > 1:
        stop = f"its members name different ssl-redirect ports ({sorted(ports)}): the controller stops the whole group"
        return None, stop, True
    port = ports.pop()
    listeners = {p: proto for m in members for proto, p in listen_ports(stack, m)}
    if listeners.get(port) != "HTTPS":
        shown = ", ".join(f"{proto} {p}" for p, proto in sorted(listeners.items())) or "none"
        return (
            None,
            (
                f"ssl-redirect {port} is not an HTTPS listen port of its group (listeners: {shown}): the controller "
                "stops the whole group"
            ),
            True,
        )
    return port, None, False


def _redirect(stack: Stack) -> Iterable[Violation]:
    # ssl-redirect is group-wide: one member's annotation (or class params) redirects the group's every HTTP
    # listener (v3.5.0 pkg/ingress/model_builder.go: buildSSLRedirectConfig).
    reported: set[tuple[int, ...]] = set()
    for ingress in stack.alb_ingresses():
        members = group_members(stack, ingress)
        _, problem, _ = group_ssl_redirect(stack, ingress)
        key = tuple(sorted(id(m) for m in members))
        if problem and key not in reported:
            reported.add(key)
            group = stack.group(ingress)
            yield Violation(
                "alb-ssl-redirect",
                f"group {group}" if group else display(ingress),
                problem,
                f"write {ANN}ssl-redirect (or sslRedirectPort) as the digits of one HTTPS listen port of the group, "
                "e.g. '443', and open HTTPS there (certificate-arn, or listen-ports)",
            )
    for ingress in _internet_facing(stack):
        protocols = {proto for proto, _ in listen_ports(stack, ingress)}
        port, _, stops = group_ssl_redirect(stack, ingress)
        if "HTTP" not in protocols or port is not None or stops:
            continue
        redirects, unread, loops, _ = _legacy_redirect_of(stack, ingress)
        if redirects or _redirected_before(stack, ingress):
            continue
        yield Violation(
            "alb-ssl-redirect",
            display(ingress),
            f"may answer plain HTTP: {unread}, so this tool cannot tell whether it redirects to HTTPS"
            if unread
            else loops
            if loops
            else "answers plain HTTP instead of redirecting it to HTTPS",
            f"set {ANN}ssl-redirect to its HTTPS port, e.g. '443'"
            + (", or write the redirect action without the nesting" if unread and "levels deep" in unread else ""),
        )
    yield from gateway_rules.redirect(stack)


def _tls_policy(stack: Stack) -> Iterable[Violation]:
    for ingress in _internet_facing(stack):
        https = sorted(p for proto, p in listen_ports(stack, ingress) if proto == "HTTPS")
        # Each HTTPS listener takes the ssl-policy of any group member sharing its port (mergeListenPortConfigs).
        policies = [listener_ssl_policy(stack, ingress, p) for p in https]
        weakest = [p for p in policies if ALB_SSL_POLICIES.get(p or CONTROLLER_DEFAULT_SSL_POLICY, "0") < "1.2"]
        if weakest:
            policy = weakest[0]
            floor = ALB_SSL_POLICIES.get(policy or CONTROLLER_DEFAULT_SSL_POLICY)
            what = (
                f"{policy} allows TLS {floor}"
                if policy and floor
                else (
                    f"{policy} is not an ALB security policy"
                    if policy
                    else f"has no ssl-policy, so the controller uses {CONTROLLER_DEFAULT_SSL_POLICY}, which allows "
                    "TLS 1.0"
                )
            )
            yield Violation("alb-tls-policy", display(ingress), what, f"set {ANN}ssl-policy: {RECOMMENDED_SSL_POLICY}")
    yield from gateway_rules.tls_policy(stack)


# -- group rules -----------------------------------------------------------------

GROUP_WIDE = ("scheme", "ssl-redirect", "load-balancer-attributes", "ssl-policy", "ip-address-type", "inbound-cidrs")


def _groups(stack: Stack) -> dict[str, list[Resource]]:
    groups: dict[str, list[Resource]] = defaultdict(list)
    for ingress in stack.alb_ingresses():
        name = stack.group(ingress)
        if name:
            groups[name].append(ingress)
    return groups


def _consistent(stack: Stack) -> Iterable[Violation]:
    for ingress_class in stack.of_type(INGRESS_CLASS):
        params = ingress_class.spec.get("parameters")
        if ingress_class.spec.get("controller") != LBC_CONTROLLER or not isinstance(params, Mapping):
            continue
        if params.get("apiGroup") != "elbv2.k8s.aws" or params.get("kind") != "IngressClassParams":
            # v3.5.0 class_loader.go: "IngressClass ... references unknown parameters" for every Ingress of it.
            yield Violation(
                "group-consistent",
                display(ingress_class),
                f"names parameters {params.get('apiGroup')}/{params.get('kind')}, which the AWS Load Balancer "
                "Controller refuses ('references unknown parameters'): none of its Ingresses is served",
                "point spec.parameters at an IngressClassParams of apiGroup elbv2.k8s.aws (EKS Auto Mode's "
                "eks.amazonaws.com params go with its own controller, eks.amazonaws.com/alb)",
            )
    for ingress in stack.alb_ingresses():
        raw = ingress.annotations.get(ANN + "listen-ports")
        problem = None if raw is None else listen_ports_problem(str(raw))
        if problem:
            yield Violation(
                "group-consistent",
                display(ingress),
                f"listen-ports {str(raw)!r} cannot be read by the controller ({problem}): it stops the whole group",
                f'write {ANN}listen-ports as JSON, e.g. \'[{{"HTTP": 80}}, {{"HTTPS": 443}}]\'',
            )
    for group, members in sorted(_groups(stack).items()):
        # Not the class: members of different classes of one controller share the group (v3.5.0 checks no class
        # agreement); what their classes' params set is compared setting by setting (scheme, ...).
        for setting in GROUP_WIDE:
            values: dict[str, list[str]] = defaultdict(list)
            for ingress in members:
                value = stack.setting(ingress, setting)
                if value is not None:
                    values[value].append(display(ingress))
            if len(values) > 1:
                seen = "; ".join(f"{v!r} on {', '.join(names)}" for v, names in sorted(values.items()))
                yield Violation(
                    "group-consistent",
                    f"group {group}",
                    f"its Ingresses disagree on {setting} ({seen}); the controller refuses the whole group",
                    f"give every Ingress of {group} the same {setting}, or set it on one only",
                )


def _quota(stack: Stack) -> Iterable[Violation]:
    # Counted by the group budget's code, the same as the stack's apps and AlbApp (policies/group_budget.py).
    from albingress.policies.group_budget import quota_violations

    yield from quota_violations(stack, stack.context.quotas)


def _routes(stack: Stack) -> Iterable[Violation]:
    # The apps' own route and host checks, over Ingresses and routes written by anyone.
    from albingress.policies.group_budget import route_violations

    yield from route_violations(stack)


# -- IAM rules -------------------------------------------------------------------


def _well_formed(stack: Stack, *types: str) -> None:
    """Raises for the first IAM document of ``types`` that IAM itself refuses (iam_judge.shape_problem): judged as
    written, it would read as granting nothing and pass every rule; named once, as bad input (exit 2), under the
    first rule that reads that kind of document."""
    for resource in stack.of_type(*types):
        role = resource.type == IAM_ROLE
        # A role's trust policy is known as one; a file's document that names principals may be a resource policy.
        trust = (None if resource.props.get("kindInferred") else True) if role else False
        problem = iam_judge.shape_problem(resource.props.get("assumeRolePolicy" if role else "policy"), trust)
        if problem is not None:
            where, value, need = problem
            raise BadValueError(display(resource), where, value, need)


def _trust_scoped(stack: Stack) -> Iterable[Violation]:
    _well_formed(stack, IAM_ROLE)
    for role in stack.of_type(IAM_ROLE):
        for finding in iam_judge.trust_findings(role.props.get("assumeRolePolicy"), stack.context.account_id):
            yield Violation(
                "role-trust-scoped",
                display(role),
                finding,
                finding.fix if isinstance(finding, iam_judge.Finding) else iam_judge.WORKLOAD_FIX,
            )


def _no_wildcards(stack: Stack) -> Iterable[Violation]:
    _well_formed(stack, IAM_POLICY, IAM_ROLE_POLICY)
    for resource in stack.of_type(IAM_POLICY, IAM_ROLE_POLICY):
        if resource.props.get("parts") or resource.props.get("awsManaged"):
            continue  # documents judged one by one, or AWS's own (judged for what it grants, as the plan does)
        for index, statement in enumerate(iam_judge.statements(iam_judge.document(resource.props.get("policy")))):
            if str(statement.get("Effect", "")).strip().lower() != "allow":
                continue
            # Numbered as the escalation judge numbers them (its Sid, else 1-based), so one statement has one name.
            # A '*' or '?' anywhere in the name (iam:*Role*, s3:Get*) grants actions nobody listed.
            wild = [a for a in iam_judge.as_list(statement.get("Action")) if "*" in str(a) or "?" in str(a)]
            if wild:
                yield Violation(
                    "no-wildcard-actions",
                    display(resource),
                    f"{iam_judge.label(statement, index)} allows {', '.join(map(str, wild))}",
                    "list the actions the workload calls",
                )


def _escalation(stack: Stack) -> Iterable[Violation]:
    fix = "grant only the actions the workload calls, on its own resources; no IAM writes, PassRole or AssumeRole *"
    _well_formed(stack, IAM_POLICY, IAM_ROLE_POLICY, IAM_ROLE)
    for resource in stack.of_type(IAM_POLICY, IAM_ROLE_POLICY):
        # The documents of one holder judged together (check's reading of get-account-authorization-details):
        # each kind of power said only where none of them says it alone.
        parts = resource.props.get("parts")
        said = (
            iam_judge.findings_together(parts) if parts else iam_judge.permission_findings(resource.props.get("policy"))
        )
        for finding in said:
            yield Violation("iam-escalation", display(resource), finding, fix)
    attached: list[tuple[Resource, str]] = [
        (a, str(a.props.get("policyArn") or "")) for a in stack.of_type(*IAM_ATTACHMENTS)
    ]
    for role in stack.of_type(IAM_ROLE):
        # A role's own inline policies and managed policy ARNs (pulumi-aws Role inputs) grant as much.
        for inline in iam_judge.as_list(role.props.get("inlinePolicies")):
            text = inline.get("policy") if isinstance(inline, Mapping) else None
            for finding in iam_judge.permission_findings(text):
                yield Violation("iam-escalation", f"{display(role)} inline policy {inline.get('name')}", finding, fix)
        attached += [(role, str(arn)) for arn in iam_judge.as_list(role.props.get("managedPolicyArns"))]
    control_plane = _control_plane_roles(stack)
    yield from _roles_together(stack, attached, control_plane, fix)
    for holder, arn in attached:
        found = document_for_arn(arn)
        if found is None:
            continue  # the stack's own policies are judged above; a customer-managed one at preview
        if ":iam::aws:policy/" in arn and _attached_role(holder) & control_plane:
            # An AWS managed policy on a role only EKS's control plane may assume (AmazonEKSClusterPolicy, which EKS
            # requires of a cluster role): EKS runs no one's code with it, so its grants open no path to a person.
            continue
        for finding in iam_judge.permission_findings(found):
            yield Violation(
                "iam-escalation",
                display(holder),
                f"attaches {arn.rsplit('/', 1)[-1]}, which {finding} ({managed_source()})",
                fix,
            )


def _roles_together(
    stack: Stack, attached: list[tuple[Resource, str]], control_plane: set[str], fix: str
) -> Iterable[Violation]:
    """Each role's permission documents of the stack judged together: its inlinePolicies, the RolePolicies and the
    policies attached to it (its managedPolicyArns, RolePolicyAttachments and PolicyAttachments' roles), the
    stack's own policies by name and AWS managed ones from the snapshot. IAM grants their union, so PassRole in
    one and RunInstances in another escalate as if written together (check judges a listing's roles so too).
    Each kind of power is said only where none of them says it alone, and not for a role with a permissions
    boundary (the intersection is not modelled), one EKS's control plane alone assumes, or one holding only AWS
    managed policies. A customer policy that is not the stack's is unknown at preview and left out; an AWS managed
    ARN, or one of another account, is never taken for the stack's policy of the same name. A name written on a
    role is that role's, though it has the shape of another's auto-name."""
    named = {str(r.props["name"]) for r in stack.of_type(IAM_ROLE) if r.props.get("name")}

    def names(value: Any) -> set[str]:
        text = str(value or "")
        return {text} if text in named else _role_keys(text)

    def held_by(attachment: Resource, keys: set[str]) -> bool:
        roles = [attachment.props.get("role"), *iam_judge.as_list(attachment.props.get("roles"))]
        return any(names(r) & keys for r in roles if r)

    account = stack.context.account_id
    own = {}
    for policy in stack.of_type(IAM_POLICY):
        if policy.props.get("parts") or policy.props.get("awsManaged"):
            continue
        given = policy.props.get("name")
        own[str(given) if given else f"auto:{policy.name}"] = policy.props.get("policy")
    inline_policies = [(p, p.props.get("policy")) for p in stack.of_type(IAM_ROLE_POLICY)]
    for role in stack.of_type(IAM_ROLE):
        keys = _attached_role(role)
        if role.props.get("permissionsBoundary") or keys & control_plane:
            continue
        documents: list[Any] = [
            inline.get("policy")
            for inline in iam_judge.as_list(role.props.get("inlinePolicies"))
            if isinstance(inline, Mapping)
        ]
        documents += [text for holder, text in inline_policies if names(holder.props.get("role")) & keys]
        customer = bool(documents)
        arns = [
            arn for holder, arn in attached if holder is role or (holder.type != IAM_ROLE and held_by(holder, keys))
        ]
        for arn in dict.fromkeys(arns):
            name = arn.rsplit("/", 1)[-1]
            match = re.fullmatch(r"(.+)-[0-9a-f]{7}", name)
            found_in = re.match(r"arn:[^:]*:iam::([^:]*):policy/", arn)
            ours = found_in is not None and found_in.group(1) != "aws" and account in (None, found_in.group(1))
            text = own.get(name, own.get(f"auto:{match.group(1)}") if match else None) if ours else None
            if text is not None:
                documents.append(text)
                customer = True
            elif (found := document_for_arn(arn)) is not None:
                documents.append(found)
        if len(documents) < 2 or not customer:
            continue
        for finding in iam_judge.findings_together(documents):
            yield Violation("iam-escalation", f"{display(role)} (its {len(documents)} policies together)", finding, fix)


def _control_plane_roles(stack: Stack) -> set[str]:
    """The names (given, or Pulumi's auto-name ``<logical>-<7 hex>``) of the stack's roles whose trust admits only
    a control-plane service principal, with no condition-free principal of any other kind."""
    names: set[str] = set()
    for role in stack.of_type(IAM_ROLE):
        if iam_judge.control_plane_only(role.props.get("assumeRolePolicy")):
            given = role.props.get("name")
            names.add(str(given) if given else f"auto:{role.name}")
    return names


def _attached_role(holder: Resource) -> set[str]:
    """The names the role an attachment (or a role's own managedPolicyArns) may be, as ``_control_plane_roles``
    keys them: the name as written, and the logical name when it has the shape of Pulumi's auto-name."""
    if holder.type == IAM_ROLE:
        return {str(holder.props.get("name") or f"auto:{holder.name}")}
    return _role_keys(str(holder.props.get("role") or ""))


def _role_keys(value: str) -> set[str]:
    """A role name as written, and the logical name when it has the shape of Pulumi's auto-name."""
    match = re.fullmatch(r"(.+)-[0-9a-f]{7}", value)
    return {value, f"auto:{match.group(1)}"} if match else {value}


def _chart_pinned(stack: Stack) -> Iterable[Violation]:
    policy_versions = {
        str((p.props.get("tags") or {}).get("elbv2-controller-version"))
        for p in stack.of_type(IAM_POLICY)
        if isinstance(p.props.get("tags"), Mapping) and (p.props.get("tags") or {}).get("elbv2-controller-version")
    }
    for release in stack.of_type(HELM_RELEASE):
        if release.props.get("chart") != CONTROLLER_CHART:
            continue
        version = str(release.props.get("version") or "")
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart version {version or '(none)'} is not pinned: the next install may get another controller",
                "set an exact chart version, e.g. 3.5.0",
            )
            continue
        controller = next((r.version for r in RELEASES.values() if r.chart_version == version), None)
        if controller is None:
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart {version} has no reviewed IAM policy in policies/iam/",
                "use a chart version with a policy file, or add one",
            )
        elif policy_versions and policy_versions != {controller}:
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart {version} runs controller {controller}, but the IAM policy is for "
                f"{', '.join(sorted(policy_versions))}",
                "move chart and policy to the same controller version",
            )


# -- workloads and production ----------------------------------------------------

_SLEEP_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
# ASCII digits only: coreutils sleep reads its operand with xstrtod (C strtod), which takes no other script's
# digits, so 'sleep \uff17\uff10' (fullwidth 70) fails at once although Python's int() and \d would read it (coreutils
# src/sleep.c: apply_suffix, xstrtod).
_SLEEP_ARG = re.compile(
    r"(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?)(?P<unit>[smhd]?)", re.ASCII
)
_SHELLS = {"sh", "bash", "ash", "dash", "ksh", "zsh", "mksh"}
# The names a hook may call sleep or a shell by and still be read: the bare name (found on PATH) or the usual
# absolute paths. Anything else ('/tmp/sleep', './sh') may be any program.
_SLEEP_NAMES = {"sleep", "/bin/sleep", "/usr/bin/sleep"}
_SHELL_NAMES = {name for shell in _SHELLS for name in (shell, f"/bin/{shell}", f"/usr/bin/{shell}")}
# Shell options that still run the -c script as written (POSIX sh: -e exits on a failing command, -x traces):
# any other (-n reads without running, -v, -o ..., a second -c) makes the hook unread.
_SHELL_FLAGS = re.compile(r"-[ex]*c[ex]*|-[ex]+", re.ASCII)
# Shell words that open loops, conditions or groups: a syntax the whitelist does not read.
_SHELL_SYNTAX = {"for", "while", "until", "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "select"}
_SHELL_SYNTAX |= {"function", "{", "}", "!", "[[", "]]"}


@dataclass(frozen=True)
class Wait:
    """How long a preStop hook provably waits, and why more could not be counted (None: all of it was read)."""

    seconds: float
    unread: str | None = None


def _sleep_operands(operands: list[str]) -> Wait:
    """One sleep command's wait as coreutils sleep reads it: each NUMBER[smhd] (a fraction, or 'infinity')
    added up, after an optional '--' that ends its options; no operand makes it fail at once. An operand this
    check does not read (a sign, hex, a variable) counts nothing: never more than provable."""
    if operands[:1] == ["--"]:
        operands = operands[1:]
    if not operands:
        return Wait(0.0, "sleep without a duration fails at once")
    total = 0.0
    for operand in operands:
        match = _SLEEP_ARG.fullmatch(operand)
        if match is None:
            return Wait(0.0, f"sleep {operand!r} cannot be read: write ASCII digits with an optional s, m, h or d")
        number = match.group("number")
        total += (float("inf") if number.startswith("inf") else float(number)) * _SLEEP_UNITS[match.group("unit")]
    return Wait(total)


def _script_wait(script: str, errexit: bool) -> Wait:
    """The sleeps of a ``sh -c`` script that provably run, read by a whitelist: simple commands ``sleep N...``
    (or ``exec sleep N...``, which ends the script), joined by ``;``, ``&&`` or newlines. Any other command
    before a sleep (a variable assignment such as PATH=..., alias, a function, unalias, exit) can change or
    skip what runs after it, so the count stops there, "cannot be read"; commands after the last sleep cannot
    shorten it. Operators other than those joiners (``&``, ``||``, pipes, subshells), reserved words and
    comments make the whole script unread (a syntax error on the line stops it before anything runs)."""
    del errexit  # a sleep of a read duration does not fail, so -e ends nothing the whitelist counts
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|()<>\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:
        return Wait(0.0, "its quoting does not close")
    commands: list[list[str]] = [[]]
    for token in tokens:
        operator = token.replace("\n", ";") if set(token) <= set(";&|()<>\n") else None
        if operator is None:
            if token.startswith("#"):
                return Wait(0.0, "it has a '#' comment; this check does not read around it")
            if token in _SHELL_SYNTAX:
                return Wait(0.0, f"it uses the shell's {token!r} (a loop, condition or group), which cannot be read")
            commands[-1].append(token)
        elif operator.strip(";") in ("", "&&") and operator.count("&&") <= 1 and ";;" not in operator:
            commands.append([])
        else:
            return Wait(0.0, f"it joins commands with {token.strip()!r} (background, alternatives, pipes or subshells)")
    commands = [words for words in commands if words]
    total = 0.0
    for index, words in enumerate(commands):
        replaces = words[0] == "exec"
        sleep = words[1:] if replaces else words
        later_sleep = any(w[0] in _SLEEP_NAMES or w[:2] == ["exec", "sleep"] for w in commands[index + 1 :])
        if sleep and sleep[0] in _SLEEP_NAMES:
            found = _sleep_operands(sleep[1:])
            if found.unread:
                return Wait(total, found.unread)
            total += found.seconds
            if replaces and index + 1 < len(commands):
                return Wait(total, "'exec sleep' replaces the shell: nothing after it runs")
        elif later_sleep:
            return Wait(
                total,
                f"{' '.join(words)[:40]!r} cannot be read: only 'sleep N' (or 'exec sleep N') joined by ;, && or "
                "newlines counts, and a command before a sleep may change or skip it",
            )
    return Wait(total, None if total else "no sleep runs in it")


def exec_wait(command: list[str]) -> Wait:
    """How long an exec hook's command provably waits: ``sleep ...`` itself, or a shell's ``-c`` script run
    with no option but -c (and -e or -x, which still run it)."""
    if not command:
        return Wait(0.0, "its exec command is empty")
    if command[0] in _SLEEP_NAMES:
        return _sleep_operands(command[1:])
    if command[0] in _SHELL_NAMES:
        index = 1
        while index < len(command) and command[index].startswith("-") and command[index] != "-":
            index += 1
        flags = command[1:index]
        if not flags or not all(_SHELL_FLAGS.fullmatch(f) for f in flags) or "".join(flags).count("c") != 1:
            return Wait(0.0, f"{' '.join(command[:index])} cannot be read: run it as {command[0]} -c 'sleep N'")
        if index >= len(command):
            return Wait(0.0, f"{command[0]} runs without a -c script")
        # Words after the script are its $0, $1, ...: ["sh", "-c", "sleep", "120"] runs "sleep" alone.
        return _script_wait(command[index], errexit="e" in "".join(flags))
    return Wait(0.0, f"it runs {command[0]!r}, not sleep")


def sleep_seconds(command: str) -> float | None:
    """The provable wait of ``sh -c COMMAND`` (None when no sleep runs in it)."""
    found = _script_wait(command, errexit=False)
    return found.seconds if found.seconds or found.unread != "no sleep runs in it" else None


def whole_number(value: Any, where: str, key: str) -> int:
    """A Kubernetes integer field's value: a YAML integer (the API server refuses strings, fractions, .inf). A
    whole float (``60.0``) arrives here as the integer it is to the API server: the manifest reader and the plan
    both read numbers as kubectl and Pulumi send them."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValueError(where, key, value, "a whole number (the API server refuses it)")
    return value


def _prestop_wait(container: Mapping[str, Any], where: str) -> Wait | None:
    """The preStop hook's provable wait: the Kubernetes sleep action's seconds, or its exec command's; None
    without a hook."""
    pre_stop = ((container.get("lifecycle") or {}).get("preStop")) or {}
    if not pre_stop:
        return None
    sleep = pre_stop.get("sleep") or {}
    if isinstance(sleep, Mapping) and "seconds" in sleep:
        return Wait(float(whole_number(sleep["seconds"], where, "lifecycle.preStop.sleep.seconds")))
    command = ((pre_stop.get("exec") or {}).get("command")) or []
    if not (pre_stop.get("exec") or {}):
        return Wait(0.0, "its preStop hook is not a sleep or exec command (an HTTP call's length is unknown)")
    return exec_wait([str(c) for c in (command if isinstance(command, list) else [command])])


def _delay(value: str | None, where: str) -> int:
    raw = string_map(value).get("deregistration_delay.timeout_seconds")
    if raw is None:
        return DEFAULT_DEREGISTRATION_DELAY
    if not re.fullmatch(r"[0-9]{1,4}", raw.strip()):
        key = f"{ANN}target-group-attributes deregistration_delay.timeout_seconds"
        raise BadValueError(where, key, raw, "whole seconds, 0 to 3600 (ELB refuses it)")
    return int(raw)


def _drain(stack: Stack) -> Iterable[Violation]:
    services = services_by_name(stack)
    seen: set[tuple[str, str, int]] = set()
    for ingress in stack.alb_ingresses():
        for backend in dict.fromkeys(name for name, _ in ingress_backends(ingress)):
            service = services.get((ingress.namespace, backend))
            # The Service's target-group-attributes annotation replaces the Ingress's for its target group.
            attributes = target_group_setting(stack, ingress, service, "target-group-attributes")
            # Named where the value is written: the Service when it carries its own, else the Ingress.
            holder = service if service and ANN + "target-group-attributes" in service.annotations else ingress
            delay = _delay(attributes, display(holder))
            yield from _workload_drain(stack, ingress.namespace, backend, delay, services, seen)
    # Routes on ALB Gateways: the delay is their backend's TargetGroupConfiguration's.
    for gateway in gateway_rules.alb_gateways(stack):
        for route, _ in gateway.routes:
            for backend in dict.fromkeys(gateway_rules.backend_services(route)):
                settings = gateway_rules.target_settings(stack, gateway, route, backend)
                delay = gateway_rules.deregistration_delay(settings, DEFAULT_DEREGISTRATION_DELAY)
                yield from _workload_drain(stack, route.namespace, backend, delay, services, seen)


def _workload_drain(
    stack: Stack,
    namespace: str,
    backend: str,
    delay: int,
    services: Mapping[tuple[str, Any], Resource],
    seen: set[tuple[str, str, int]],
) -> Iterable[Violation]:
    """The drain problems of the workloads (Deployments, StatefulSets, DaemonSets, Argo Rollouts) behind one
    backend Service, each judged once per delay."""
    service = services.get((namespace, backend))
    selector = (service.spec.get("selector") or {}) if service else {}
    if not selector:
        return
    for workload in stack.of_type(*WORKLOADS):
        template = workload.spec.get("template") or {}  # a Rollout with workloadRef: its Deployment is read
        labels = ((template.get("metadata") or {}).get("labels")) or {}
        key = (workload.type, display(workload), delay)
        selected = workload.namespace == namespace and all(labels.get(k) == v for k, v in selector.items())
        if selected and key not in seen:
            seen.add(key)
            yield from _drain_problems(workload, template.get("spec") or {}, delay)


def _seconds(value: float) -> str:
    return "forever" if value == float("inf") else f"{value:g} s"


def _drain_problems(workload: Resource, pod: Mapping[str, Any], delay: int) -> Iterable[Violation]:
    key = "spec.template.spec.terminationGracePeriodSeconds"
    # The field is a *int64: null, like leaving it out, is the default (30 s).
    given = pod.get("terminationGracePeriodSeconds")
    grace = whole_number(DEFAULT_GRACE_PERIOD if given is None else given, display(workload), key)
    for container in pod.get("containers") or []:
        where = f"{display(workload)} container {container.get('name')}"
        if not container.get("readinessProbe"):
            yield Violation(
                "pods-drain",
                where,
                "has no readiness probe: it gets traffic before it can answer",
                "add a readinessProbe",
            )
        limits = (container.get("resources") or {}).get("limits") or {}
        if not {"cpu", "memory"} <= set(limits):
            yield Violation("pods-drain", where, "has no CPU and memory limits", "set resources.limits.cpu and memory")
        wait = _prestop_wait(container, where)
        # The kubelet kills the container when the grace period ends, preStop or not: the drain lasts at most
        # that long (Kubernetes docs, "Container hooks" / "Termination of Pods").
        if wait is None or min(wait.seconds, grace) < delay:
            if wait is None:
                waits = "no preStop hook"
            elif wait.seconds >= grace:
                waits = f"the kubelet kills it at terminationGracePeriodSeconds {grace}, before the preStop wait ends"
            else:
                waits = f"preStop {_seconds(wait.seconds)}"
                waits += f"; the rest could not be read: {wait.unread}" if wait.unread else ""
            yield Violation(
                "pods-drain",
                where,
                f"stops before the ALB's deregistration delay ({delay} s) ends ({waits}): "
                "open connections (WebSockets) are cut",
                f"add a preStop sleep of at least {delay} s (a plain 'sleep N', or lifecycle.preStop.sleep), with "
                f"terminationGracePeriodSeconds above it, or lower the delay in target-group-attributes",
            )
        elif wait.seconds != float("inf") and grace <= wait.seconds:
            # 'sleep infinity' is bounded by the grace period on purpose, and the grace period covers the delay.
            yield Violation(
                "pods-drain",
                where,
                f"terminationGracePeriodSeconds {grace} is not longer than the preStop sleep {_seconds(wait.seconds)}: "
                "the kubelet kills it mid-drain, before its own shutdown",
                f"set terminationGracePeriodSeconds above {_seconds(wait.seconds)}",
            )


def _production(stack: Stack) -> Iterable[Violation]:
    if stack.context.environment != "production":
        return
    for group, members in sorted(_groups(stack).items()):
        attributes: dict[str, str] = {}
        for ingress in members:
            attributes.update(string_map(stack.setting(ingress, "load-balancer-attributes")))
        if attributes.get("deletion_protection.enabled") != "true":
            yield Violation(
                "production-protection",
                f"group {group}",
                "a production ALB without deletion protection can be deleted by one wrong Ingress edit",
                "set deletion_protection.enabled=true in the group's "
                "alb.ingress.kubernetes.io/load-balancer-attributes (in a stack: alb.deletionProtection: true)",
            )
        if attributes.get("access_logs.s3.enabled") != "true":
            yield Violation(
                "production-protection",
                f"group {group}",
                "a production ALB without access logs leaves no record of who called what",
                "set access_logs.s3.enabled=true and access_logs.s3.bucket in the group's "
                "alb.ingress.kubernetes.io/load-balancer-attributes (in a stack: alb.accessLogs)",
            )
    yield from gateway_rules.production(stack)


RULES: tuple[Rule, ...] = (
    Rule(
        "alb-target-type-ip",
        "ALB Ingresses target pods (target-type ip)",
        "the extra node hop and dropped connections on node restarts",
        _target_type_ip,
    ),
    Rule(
        "alb-health-check",
        "target groups' health checks are ones ELB accepts",
        "a group the controller stops reconciling (the target group is refused)",
        _health_check,
    ),
    Rule("alb-group", "ALB Ingresses belong to a group", "one ALB per Ingress (cost, quotas)", _in_a_group),
    Rule(
        "alb-scheme",
        "the scheme is exactly internal or internet-facing",
        "a group the controller stops reconciling ('unknown scheme')",
        _scheme,
    ),
    Rule(
        "alb-https",
        "internet-facing ALBs listen on HTTPS with a certificate",
        "clear-text traffic on the internet",
        _https,
    ),
    Rule("alb-ssl-redirect", "internet-facing ALBs redirect HTTP to HTTPS", "clients staying on clear text", _redirect),
    Rule(
        "alb-tls-policy",
        "internet-facing ALBs use a TLS 1.2+ policy",
        "TLS 1.0/1.1 (the controller's default policy allows them)",
        _tls_policy,
    ),
    Rule(
        "group-consistent",
        "Ingresses of a group agree on group-wide settings",
        "one Ingress blocking the whole group",
        _consistent,
    ),
    Rule(
        "group-quota",
        "a group stays under the ALB's quotas (rules, certificates, target groups, targets, security group rules)",
        "a group that stops reconciling",
        _quota,
    ),
    Rule(
        "group-routes",
        "no two Ingresses claim one host and path, none takes a later one's more specific rule, no host on two ALBs",
        "one team's traffic taken by another's rule or ALB",
        _routes,
    ),
    Rule(
        "role-trust-scoped",
        "roles trust only their own service account",
        "other pods assuming the controller's role",
        _trust_scoped,
    ),
    Rule("no-wildcard-actions", "no IAM statement allows * actions", "privileges nobody reviewed", _no_wildcards),
    Rule(
        "iam-escalation",
        "no policy grants administrator, IAM-write or escalation power",
        "a workload's role making itself (or anyone) an administrator",
        _escalation,
    ),
    Rule(
        "chart-pinned",
        "the controller chart is pinned and matches the IAM policy's version",
        "a controller without the permissions it needs",
        _chart_pinned,
    ),
    Rule("pods-drain", "pods behind an ALB drain cleanly", "dropped connections on every rollout", _drain),
    Rule(
        "production-protection",
        "production ALBs have deletion protection and access logs",
        "an accidental delete, and no audit trail",
        _production,
    ),
)


def evaluate(
    resources: Iterable[Resource], context: Context | None = None, rules: Iterable[Rule] = RULES
) -> list[Violation]:
    stack = Stack(list(resources), context or Context())
    found: list[Violation] = []
    bad: set[tuple[str, str]] = set()
    for rule in rules:
        try:
            found.extend(rule.check(stack))
        except BadValueError as error:
            if (error.where, error.key) in bad:
                continue  # one bad value stops every rule that reads it: named once
            bad.add((error.where, error.key))
            found.append(
                Violation(
                    rule.id,
                    error.where,
                    f"{error.key} {error.value!r} is not {error.need}",
                    f"write {error.key} as {error.need.split(' (')[0]}",
                    bad_input=True,
                )
            )
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as error:
            # Objects written by anyone may have any shape (rules: ["x"], a grace period of "soon"): that is
            # a finding about the input, never a crash of the check.
            found.append(
                Violation(
                    rule.id,
                    "input",
                    f"could not be checked: an object is not shaped as Kubernetes or IAM expects ({error})",
                    "fix the object's shape (kubectl apply --dry-run=server shows where), then check again",
                    bad_input=True,
                )
            )
    return found


def rule(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)
