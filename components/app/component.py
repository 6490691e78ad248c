"""``AlbApp``: one app behind a shared ALB group, for a platform that onboards tens of them.

It takes the app's hosts, paths, Service and port, the group (or the group to shard over), and optional
order, certificate, health check and URL rewrite, and writes the Ingress the controller turns into the
app's listener rules and target group: pods as targets (``target-type: ip``), HTTPS with the HTTP->HTTPS
redirect, and a deregistration delay the app's pods must outlast (see the echoserver for the drain).

Every app a program creates is counted against its group's budget (``budget.py``) as it is constructed, so
the app that would take a group past an ALB quota is refused, with every app's share in the message, and
nothing of it is created; the stack's ``apps:`` list is counted whole before anything is created at all.
Apps of one group must agree on what the controller makes group-wide (scheme, TLS policy, redirect), and
two apps may not claim the same host and path; both are refused with the two apps named.

With ``api: gateway`` the app is an ``HTTPRoute`` on the Gateway its group names (and a
``TargetGroupConfiguration`` for its Service: pods as targets, the health check, the drain) instead of an
Ingress, so a platform can move apps one at a time; the Gateway, its certificates and its group-wide
settings belong to whoever owns the Gateway (the stack, for its own group).

The hosts, paths, group, shards and order decide the rules and the group, so they are plain values.
"""

# No `from __future__ import annotations`: Pulumi's component provider reads these annotations at run time.

import inspect
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s

from albingress.components.app.gateway import (
    GatewayObject,
    GatewayRef,
    RoutePath,
    gateway_hostname,
    host_sets,
    http_route_spec,
    routed_service,
    unescaped_regex_problem,
)
from albingress.components.model import DNS_LABEL, ComponentInputError, args_shape_problems, dependencies
from albingress.facts.gateway_api import GATEWAY_API_VERSION
from albingress.facts.names import DNS_SUBDOMAIN, GROUP_NAME, INGRESS_HOST, PROJECT
from albingress.facts.regions import ALB_SSL_POLICIES, RECOMMENDED_SSL_POLICY
from albingress.policies.alb_budget import (
    Footprint,
    PathRoute,
    Quotas,
    assign_shards,
    budget_problems,
    certificate_notes,
    rule_problems,
)
from albingress.policies.app_checks import (
    GroupMember,
    alb_of,
    derived_annotation_problem,
    gateway_route_problems,
    host_group_problems,
    host_problem,
    ingress_class_problem,
    namespace_problem,
    path_problems,
    precedence_problems,
    route_key,
    service_name_problem,
    tls_policy_problem,
)

# aws-load-balancer-controller v3.5.0 pkg/ingress/group_loader.go maxGroupNameLength.
GROUP_NAME_LENGTH = 63

TYPE = "albingress:index:AlbApp"
ANNOTATION = "alb.ingress.kubernetes.io"
_PATH = re.compile(r"/[A-Za-z0-9._~/*-]*")
# What an app's path must be before the API server's, the controller's and the ALB's rules
# (checks.path_problems) are asked: absolute, one line of printable characters.
_APP_PATH = re.compile(r"/[^\x00-\x20\x7f]*")
CERTIFICATE_ARN = re.compile(r"arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f-]{36}")
PATH_TYPES = ("Prefix", "Exact")
APIS = ("ingress", "gateway")
DEFAULT_GATEWAY_LISTENERS = ("https-443",)
SCHEMES = ("internet-facing", "internal")


class AlbAppPathArgs(TypedDict):
    """One path of the app on each of its hosts."""

    path: str
    """The path, e.g. /api (a Prefix path also matches /api/...)."""
    path_type: NotRequired[str]
    """Prefix (default) or Exact."""


class AlbQuotasArgs(TypedDict):
    """The ALB quotas a group is counted against (the adjustable ones: raise them with AWS first)."""

    rules: NotRequired[int]
    """Listener rules per load balancer, besides the default rules (AWS default 100)."""
    certificates: NotRequired[int]
    """Certificates per load balancer, besides the default one (AWS default 25)."""
    targets: NotRequired[int]
    """Targets per load balancer (AWS default 1000); target groups per load balancer (100) is fixed."""
    listeners: NotRequired[int]
    """Listeners per load balancer (AWS default 50)."""


class AlbAppArgs(TypedDict):
    """One app: where its Service is, the hosts and paths it answers, and the ALB group it joins."""

    namespace: str
    """The app's namespace, where its Service is (the Ingress is created there)."""
    service_name: str
    """The app's Service (ClusterIP is enough: the ALB targets its pods directly)."""
    service_port: int
    """The Service port the ALB forwards to."""
    hosts: list[str]
    """The host names the app answers on; a host is never split across groups."""
    group: str
    """The ALB group (controller group.name) the app joins, or the name its shards are named after."""
    paths: NotRequired[list[AlbAppPathArgs]]
    """The paths on each host (default: / as Prefix)."""
    shards: NotRequired[int]
    """Spread the group over <group>-1 .. <group>-N by rendezvous hashing of hosts (default 1: no shards)."""
    order: NotRequired[int]
    """The controller's group.order, -1000 to 1000 (default 0): lower is evaluated first across Ingresses."""
    ingress_class: NotRequired[pulumi.Input[str]]
    """The controller's IngressClass (AwsLoadBalancerController.ingress_class_name; default alb)."""
    certificate_arn: NotRequired[pulumi.Input[str]]
    """ACM certificate for the hosts (default: the controller discovers one by the hosts)."""
    health_check_path: NotRequired[str]
    """The target group's health check path (default /)."""
    strip_prefix: NotRequired[bool]
    """Rewrite /prefix/x to /x before requests reach the pods (needs exactly one Prefix path)."""
    replicas: NotRequired[int]
    """Pods behind the Service, counted against the ALB's targets (default 2)."""
    scheme: NotRequired[str]
    """internet-facing (default) or internal; group-wide."""
    ssl_policy: NotRequired[str]
    """The HTTPS listener's TLS policy (default the recommended TLS 1.2+ policy); group-wide."""
    deregistration_delay_seconds: NotRequired[int]
    """Seconds the ALB keeps a leaving pod's connections (default 60); its pods must outlast it."""
    quotas: NotRequired[AlbQuotasArgs]
    """The quotas the group is counted against."""
    api: NotRequired[str]
    """ingress (default): an Ingress in the controller's group; gateway: an HTTPRoute on the Gateway named by
    group (Gateway API), so apps can move one by one."""
    gateway_namespace: NotRequired[str]
    """With api gateway: the namespace of the Gateway named by group (default: the app's namespace)."""
    gateway_listeners: NotRequired[list[str]]
    """With api gateway: the Gateway listeners the route attaches to (default [https-443]: HTTPS only, as the
    Gateway's HTTP listener redirects)."""


class AppInputError(ComponentInputError):
    """An app the component refuses; Pulumi reports a RunError without a traceback. A ComponentInputError, so
    the plan names the program file (``__main__.py``), not the stack file, as for AwsLoadBalancerController."""

    def __init__(self, app: str, problems: Sequence[str]) -> None:
        # One line per problem: two checks that find the same thing (a conflict seen from each app) say it once.
        problems = list(dict.fromkeys(problems))
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{self.PROGRAM_FILE}: AlbApp {app}: {len(problems)} {noun}; nothing of it was created:\n{lines}"
        )


@dataclass
class _Program:
    """The apps one program has created so far, per group: what the next one is counted and checked with."""

    root: object
    footprints: list[Footprint] = field(default_factory=list)
    plans: list["AppPlan"] = field(default_factory=list)
    # Groups already warned about (the certificates an upper bound counts), so a warning is said once.
    warned: set[str] = field(default_factory=set)


_PROGRAM: list[_Program] = []


def _program() -> _Program:
    """This program's registry (a new one for each program run in this process, as tests run several)."""
    root = pulumi.runtime.get_root_resource()
    if not _PROGRAM or _PROGRAM[0].root is not root:
        _PROGRAM[:] = [_Program(root=root)]
    return _PROGRAM[0]


@dataclass(frozen=True)
class AppPlan:
    """An app's checked inputs and the group it lands in: what the Ingress and the budget are made from."""

    name: str
    # The group as given; ``group`` is where the app lands (a shard of it when it is sharded).
    base_group: str
    namespace: str
    service_name: str
    service_port: int
    hosts: tuple[str, ...]
    paths: tuple[PathRoute, ...]
    group: str
    order: int
    ingress_class: str
    health_check_path: str
    strip_prefix: bool
    replicas: int
    scheme: str
    ssl_policy: str
    deregistration_delay_seconds: int
    quotas: Quotas
    api: str = "ingress"
    gateway_namespace: str = ""
    gateway_listeners: tuple[str, ...] = ()

    def footprint(self, certificate_arn: str | None) -> Footprint:
        https_ports, http_ports = self._gateway_ports() if self.api == "gateway" else ((443,), (80,))
        return Footprint(
            app=self.name,
            group=self.group,
            hosts=self.hosts,
            paths=self.paths,
            backends=((self.namespace, self.service_name, str(self.service_port)),),
            replicas=self.replicas,
            certificate_arn=certificate_arn,
            api=self.api,
            source=f"{self.namespace}/{self.name}",
            order=self.order,
            https_ports=https_ports,
            http_ports=http_ports,
        )

    def _gateway_ports(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The (HTTPS, HTTP) ports of the listeners a route attaches to, from their names (``https-443``)."""
        ports: dict[str, list[int]] = {"https": [], "http": []}
        for listener in self.gateway_listeners:
            protocol, _, port = listener.rpartition("-")
            if protocol in ports and port.isdigit():
                ports[protocol].append(int(port))
        return tuple(ports["https"]), tuple(ports["http"])


def _whole_number(low: int, high: int, unit: str = "") -> tuple[Callable[[Any], bool], str]:
    """A check for a whole number from ``low`` to ``high`` (``True`` is not one), and how to say what it wants."""

    def ok(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return ok, f"a whole number{unit} from {low} to {high}"


def _table(default: Any, check: tuple[Callable[[Any], bool], str]) -> tuple[Any, Callable[[Any], bool], str]:
    return default, check[0], check[1]


# The optional inputs plan_app checks alike: their default, the check, and what the message says they must be.
_OPTIONAL: dict[str, tuple[Any, Callable[[Any], bool], str]] = {
    "shards": _table(1, _whole_number(1, 20)),
    "order": _table(0, _whole_number(-1000, 1000)),
    # The group's targets quota (alb.quotas.targets, up to 10000) judges the pods, not a fixed cap.
    "replicas": _table(2, _whole_number(0, 10000)),
    "deregistration_delay_seconds": _table(60, _whole_number(0, 3600, " of seconds")),
    "strip_prefix": (False, lambda v: isinstance(v, bool), "true or false"),
    "scheme": ("internet-facing", lambda v: v in SCHEMES, "internet-facing or internal"),
    "ssl_policy": (
        RECOMMENDED_SSL_POLICY,
        lambda v: v in ALB_SSL_POLICIES,
        f"an ALB TLS policy, e.g. {RECOMMENDED_SSL_POLICY}",
    ),
    "health_check_path": (
        "/",
        lambda v: isinstance(v, str) and bool(_PATH.fullmatch(v)) and len(v) <= 1024,
        "a URL path, e.g. /healthz",
    ),
    "api": ("ingress", lambda v: v in APIS, "ingress or gateway"),
    "ingress_class": (
        "alb",
        lambda v: isinstance(v, str) and bool(DNS_LABEL.fullmatch(v)),
        "a Kubernetes name, e.g. alb",
    ),
}


# The inputs that may come as Outputs: they name no rule, group or count (the ARN is checked when it resolves,
# the class is the controller's output).
_MAY_BE_OUTPUT = frozenset({"certificate_arn", "ingress_class"})


def _holds_output(value: Any) -> bool:
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return True
    if isinstance(value, Mapping):
        return any(_holds_output(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_output(v) for v in value)
    return False


def plan_app(
    name: str,
    given: dict[str, Any],
    placed_group: str | None = None,
    placed: Sequence["AppPlan"] = (),
    controller_namespaces: Sequence[str] = (),
) -> tuple["AppPlan | None", list[str]]:
    """Check one app's inputs (plain values) and say where it lands; the problems name ``args.<input>``.

    ``placed_group``: the group the caller computed for it (the stack shards all its apps at once);
    otherwise a sharded app joins the shard of an app ``placed`` before it that shares one of its hosts, or
    the shard rendezvous hashing gives its first host. ``controller_namespaces``: where the controller runs,
    when the caller knows (the stack does).
    """
    problems: list[str] = []

    def refuse(key: str, message: str) -> None:
        problems.append(f"args.{key}: {message}")

    if not isinstance(name, str) or not DNS_SUBDOMAIN.fullmatch(name):
        # The app's name is its Ingress's (or HTTPRoute's) metadata.name: a DNS-1123 subdomain.
        problems.append(
            f"name: {name!r} is not a Kubernetes object name (its Ingress's name); use lower-case letters, digits, "
            "'-' and '.', at most 253, starting and ending with a letter or digit"
        )

    problems += args_shape_problems(
        "AlbApp", AlbAppArgs, given, ("namespace", "service_name", "service_port", "hosts", "group")
    )
    # Every input here decides a rule, a group, a name or a count before anything exists, so it must be known
    # now; an Output (or one inside a list or mapping) is refused by name, never shown as an object's repr.
    for key in sorted(k for k, v in given.items() if k not in _MAY_BE_OUTPUT and _holds_output(v)):
        refuse(key, "must be a plain value (written in the program): it decides the app's rules, group or budget")
        given = {k: v for k, v in given.items() if k != key}
    for key in ("namespace", "service_name"):
        value = given.get(key)
        if key in given and (not isinstance(value, str) or not DNS_LABEL.fullmatch(value)):
            refuse(key, f"{value!r} is not a Kubernetes name; use lower-case letters, digits and '-', at most 63")
        elif key == "namespace" and isinstance(value, str):
            found = namespace_problem(value, controller_namespaces)
            if found:
                refuse(key, found)
        elif key == "service_name" and isinstance(value, str):
            found = service_name_problem(value)
            if found:
                refuse(key, found)
    port = given.get("service_port")
    if "service_port" in given and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        quoted = isinstance(port, str) and port.strip().isdigit()
        refuse(
            "service_port",
            f"{port!r} is quoted text, not a number; write it without quotes"
            if quoted
            else f"{port!r} is not a port (1-65535)",
        )
    hosts = given.get("hosts", [])
    if "hosts" in given and (not isinstance(hosts, list) or not hosts):
        refuse("hosts", "give at least one host name, e.g. [app.example.com]")
    if not isinstance(hosts, list):
        hosts = []
    for index, host in enumerate(hosts):
        if not isinstance(host, str) or not INGRESS_HOST.fullmatch(host):
            refuse(f"hosts[{index}]", f"{host!r} is not a host name the API server takes (lower-case DNS name)")
        elif host_problem(host):
            refuse(f"hosts[{index}]", str(host_problem(host)))
    if len(set(hosts)) != len(hosts):
        refuse("hosts", "a host is listed twice; list each once")
    raw_paths = given.get("paths") or [{"path": "/"}]
    paths: list[PathRoute] = []
    if not isinstance(raw_paths, list):
        refuse("paths", "must be a list of paths, each {path: /x} with Prefix or Exact as its type")
        raw_paths = []
    for index, item in enumerate(raw_paths):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            refuse(f"paths[{index}]", "write {path: /x} (and path_type: Prefix or Exact)")
            continue
        path, path_type = item["path"], item.get("path_type", "Prefix")
        if set(item) - {"path", "path_type"}:
            refuse(f"paths[{index}]", f"unknown key {sorted(set(item) - {'path', 'path_type'})[0]!r}")
        if not _APP_PATH.fullmatch(path) or len(path) > 126:
            refuse(f"paths[{index}].path", f"{path!r} is not a URL path (a leading '/', at most 126 characters)")
        else:
            for found in path_problems(path, str(path_type)):
                refuse(f"paths[{index}].path", found)
        if path_type not in PATH_TYPES:
            refuse(f"paths[{index}].path_type", f"{path_type!r} is not Prefix or Exact")
        paths.append(PathRoute(path, str(path_type)))
    group = given.get("group")
    # aws-load-balancer-controller v3.5.0 pkg/ingress/group_loader.go: maxGroupNameLength = 63.
    if "group" in given and (
        not isinstance(group, str) or len(group) > GROUP_NAME_LENGTH or not GROUP_NAME.fullmatch(group)
    ):
        refuse(
            "group",
            f"{group!r} is not a group name (lower-case letters, digits, '-', '.'; at most {GROUP_NAME_LENGTH})",
        )
        group = None
    values: dict[str, Any] = {}
    for key, (default, ok, hint) in _OPTIONAL.items():
        value = given.get(key, default)
        if not ok(value):
            quoted = isinstance(value, str) and value.strip().lstrip("+-").isdigit()
            refuse(
                key,
                f"{value!r} is quoted text, not a number; write it without quotes"
                if quoted
                else f"{value!r} is not {hint}",
            )
        values[key] = value
    shard_count = values["shards"] if isinstance(values["shards"], int) else 1
    if isinstance(group, str) and shard_count > 1 and len(f"{group}-{shard_count}") > GROUP_NAME_LENGTH:
        # Only a sharded group needs room for its '-N' suffix.
        refuse(
            "group",
            f"{group!r} with {shard_count} shards makes group {group}-{shard_count}, over the controller's "
            f"{GROUP_NAME_LENGTH} characters: give a group of at most {GROUP_NAME_LENGTH - len(str(shard_count)) - 1}",
        )
    if isinstance(group, str) and values["api"] == "gateway" and not DNS_SUBDOMAIN.fullmatch(group):
        # With Gateway API the group names the Gateway (metadata.name): a DNS-1123 subdomain, whose labels
        # cannot be empty ('a..b') or end in '-' ('a.-b').
        refuse(
            "group",
            f"{group!r} names the Gateway, and the API server takes only a DNS-1123 subdomain as its name: "
            "dot-separated labels of lower-case letters, digits and '-', each starting and ending with a letter "
            "or digit",
        )
    if isinstance(values["ingress_class"], str) and DNS_LABEL.fullmatch(values["ingress_class"]):
        claimed = ingress_class_problem(values["ingress_class"])
        if claimed:
            refuse("ingress_class", claimed)
    if values["strip_prefix"] is True and isinstance(given.get("service_name"), str):
        long_key = derived_annotation_problem("transforms", given["service_name"])
        if long_key and values["api"] != "gateway":
            refuse("service_name", f"with strip_prefix, {long_key}")
    tls = tls_policy_problem(str(values["ssl_policy"]), str(values["scheme"]))
    if tls:
        refuse("ssl_policy", tls)
    seen_routes: dict[tuple[str, str], str] = {}
    for path_route in paths:
        rule = route_key(path_route)
        if rule not in seen_routes:
            seen_routes[rule] = path_route.path
        elif seen_routes[rule] == path_route.path:
            refuse("paths", f"{path_route.path!r} ({path_route.path_type}) is listed twice; list it once")
        else:
            refuse(
                "paths",
                f"{seen_routes[rule]!r} and {path_route.path!r} are one Prefix rule (the controller drops a trailing "
                "'/'); list it once",
            )
    prefixes = [p for p in paths if p.path_type == "Prefix"]
    if values["strip_prefix"] is True and (len(prefixes) != 1 or prefixes[0].path == "/"):
        refuse("strip_prefix", "strips one prefix: give exactly one Prefix path other than / (and Exact ones)")
    api = values["api"]
    gateway_namespace = given.get("gateway_namespace", given.get("namespace"))
    listeners = given.get("gateway_listeners", list(DEFAULT_GATEWAY_LISTENERS))
    if api != "gateway":
        for key in ("gateway_namespace", "gateway_listeners"):
            if key in given:
                refuse(key, "only applies with api gateway: set api: gateway, or remove it")
    else:
        if "gateway_namespace" in given and (
            not isinstance(gateway_namespace, str) or not DNS_LABEL.fullmatch(gateway_namespace)
        ):
            refuse("gateway_namespace", f"{gateway_namespace!r} is not a Kubernetes namespace name")
        if (
            not isinstance(listeners, list)
            or not listeners
            or not all(isinstance(n, str) and DNS_LABEL.fullmatch(n) for n in listeners)
        ):
            refuse("gateway_listeners", f"{listeners!r} is not a list of listener names, e.g. [https-443]")
        if values["shards"] != 1:
            refuse(
                "shards",
                "a Gateway is one ALB, and the app attaches to the one named by group: create a Gateway per shard "
                "and give each app its group",
            )
        if values["order"] != 0:
            refuse(
                "order",
                "Gateway API has no group.order: the controller orders a Gateway's rules by its route precedence "
                "(host, path type and length, method, headers, query, then route age and name): remove it",
            )
        if values["strip_prefix"] is True:
            for prefix in (p.path for p in paths if p.path_type == "Prefix"):
                problem = unescaped_regex_problem(prefix)
                if problem:
                    refuse("strip_prefix", problem)
        if isinstance(listeners, list):
            for key, why in gateway_route_problems(paths, listeners):
                refuse(key, why)
    quotas_given = given.get("quotas") or {}
    quotas = Quotas()
    if not isinstance(quotas_given, dict) or set(quotas_given) - {"rules", "certificates", "targets", "listeners"}:
        refuse("quotas", "a mapping of rules, certificates, targets and listeners (the adjustable ALB quotas)")
    else:
        quota_ok, quota_hint = _whole_number(1, 10000)
        for key, value in quotas_given.items():
            if not quota_ok(value):
                refuse(f"quotas.{key}", f"{value!r} is not {quota_hint}")
        if not problems:
            quotas = Quotas(
                rules=quotas_given.get("rules", Quotas.rules),
                certificates=quotas_given.get("certificates", Quotas.certificates),
                targets=quotas_given.get("targets", Quotas.targets),
                listeners=quotas_given.get("listeners", Quotas.listeners),
            )
    if problems:
        return None, problems
    shards = int(values["shards"])
    lands = placed_group or _landing(name, hosts, str(group), shards, placed)
    plan = AppPlan(
        name=name,
        base_group=str(group),
        namespace=str(given["namespace"]),
        service_name=str(given["service_name"]),
        service_port=int(given["service_port"]),
        hosts=tuple(hosts),
        paths=tuple(paths),
        group=lands,
        order=int(values["order"]),
        ingress_class=str(values["ingress_class"]),
        health_check_path=str(values["health_check_path"]),
        strip_prefix=bool(values["strip_prefix"]),
        replicas=int(values["replicas"]),
        scheme=str(values["scheme"]),
        ssl_policy=str(values["ssl_policy"]),
        deregistration_delay_seconds=int(values["deregistration_delay_seconds"]),
        quotas=quotas,
        api=str(api),
        gateway_namespace=str(gateway_namespace) if api == "gateway" else "",
        gateway_listeners=tuple(listeners) if api == "gateway" else (),
    )
    problems.extend(f"args.paths: {p}" for p in rule_problems(plan.footprint(None)))
    return plan, problems


def _landing(name: str, hosts: Sequence[str], group: str, shards: int, placed: Sequence["AppPlan"]) -> str:
    if shards <= 1:
        return group
    for other in placed:
        if other.base_group == group and set(other.hosts) & set(hosts):
            return other.group  # a host is never split across groups
    return assign_shards({name: hosts}, group, shards)[name]


def certificate_problem(arn: str, region: str | None = None) -> str | None:
    """Why an ACM certificate ARN cannot serve the app's ALB (not an ARN; another region than the ALB's)."""
    match = CERTIFICATE_ARN.fullmatch(arn)
    if not match:
        return f"{arn!r} is not an ACM certificate ARN; expected arn:aws:acm:<region>:<account>:certificate/<id>"
    if region is not None and match.group(2) != region:
        return f"the certificate is in {match.group(2)}, but the ALB is in {region}: use one of its region"
    return None


def conflicts(plans: Sequence[AppPlan], fixed: AppPlan | None = None) -> list[str]:
    """Two apps of one group that disagree on a group-wide setting, or claim one host and path (a Prefix path
    with and without its trailing '/' is one rule); one host in two groups; two Gateway API apps on one
    Service. ``fixed``: the plan whose group.order is not a setting (the stack's echoserver)."""
    problems: list[str] = []
    settings: dict[tuple[str, str], tuple[str, str]] = {}
    routes: dict[tuple[str, str, str], str] = {}
    problems += host_group_problems(_placed(plans), named=str)[0]
    problems += precedence_problems(
        [
            GroupMember(
                p.name,
                p.namespace,
                f"group {p.group}",
                p.order,
                tuple((h, r) for h in p.hosts for r in p.paths),
                fixed="the stack's echoserver keeps 0" if p is fixed else None,
            )
            for p in plans
            if p.api != "gateway"
        ]
    )
    services: dict[tuple[str, str], str] = {}
    for plan in plans:
        if plan.api == "gateway":
            # The controller applies the first TargetGroupConfiguration (by name) in the Service's namespace that
            # names the Service and ignores the others (LookUpTargetGroupConfiguration, pkg/gateway/routeutils/
            # backend.go at v3.5.0); each app makes one, named after its Service, so a second would be refused
            # by the API server half-way through an update.
            owner = services.setdefault((plan.namespace, plan.service_name), plan.name)
            if owner != plan.name:
                problems.append(
                    f"apps {owner} and {plan.name} both route to Service {plan.namespace}/{plan.service_name} "
                    "through Gateway API, and a Service has one TargetGroupConfiguration (its health check and "
                    f"drain): list {plan.name}'s hosts and paths in {owner}, or give it a Service of its own"
                )
        for key, value in (("scheme", plan.scheme), ("ssl_policy", plan.ssl_policy)):
            alb = alb_of(plan.api, plan.group, plan.gateway_namespace, plan.namespace)
            first = settings.setdefault((alb, key), (plan.name, value))
            if first[1] != value:
                problems.append(
                    f"apps {first[0]} and {plan.name} share {alb} but set {key} {first[1]} and {value}; "
                    "it is group-wide (one ALB): make them agree or put one in another group"
                )
        for host in plan.hosts:
            for path in plan.paths:
                owner = routes.setdefault((host, *route_key(path)), plan.name)
                if owner != plan.name:
                    problems.append(
                        f"apps {owner} and {plan.name} both route {host}{path.path} ({path.path_type}); "
                        "one rule can forward to one of them only (a Prefix path's trailing '/' does not count): "
                        "give one of them another path or host"
                    )
    return problems


def host_warnings(plans: Sequence[AppPlan]) -> list[str]:
    """What works today but hangs on DNS: a wildcard host of one group covering a host of another."""
    return host_group_problems(_placed(plans), named=str)[1]


def _placed(plans: Sequence[AppPlan]) -> list[tuple[str, str, Sequence[str]]]:
    """(app, its ALB, hosts): a Gateway and an Ingress group of one name are two ALBs."""
    return [(p.name, alb_of(p.api, p.group, p.gateway_namespace, p.namespace), p.hosts) for p in plans]


@dataclass(frozen=True)
class GroupAnnotations:
    """What an Ingress carries for its group beyond the app's own rules: set by whoever owns the group (the
    stack, for the echoserver's), or the defaults every AlbApp uses (HTTP and HTTPS, the redirect to 443)."""

    listen_ports: str = '[{"HTTP":80},{"HTTPS":443}]'
    ssl_redirect: int | None = 443
    load_balancer_attributes: str | None = None
    tags: str | None = None
    subnets: str | None = None
    # False in EKS Auto Mode: its IngressClassParams carry the group's settings, which it ignores on an Ingress.
    group_wide: bool = True


def rewrite_transform(prefix: str) -> str:
    """The controller's ``transforms`` value that strips ``prefix`` before requests reach the pods: ``/echo``
    becomes ``/`` and ``/echo/a`` becomes ``/a`` (ingress-nginx's rewrite-target, done by the ALB itself)."""
    rule = {"regex": f"^{re.escape(prefix.rstrip('/'))}/?(.*)$", "replace": "/$1"}
    return json.dumps([{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [rule]}}], separators=(",", ":"))


def ingress_of(
    plan: AppPlan,
    certificate_arn: pulumi.Input[str] | None,
    group: GroupAnnotations = GroupAnnotations(),
    actions: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Ingress's annotations and spec for one app (the controller's annotation names and formats).

    ``actions``: paths answered by an ALB action instead of the Service, as {path: (action name, its JSON)}
    (the echoserver's fixed response).
    """
    actions = actions or {}
    annotations: dict[str, Any] = {
        "target-type": "ip",
        "listen-ports": group.listen_ports,
        "healthcheck-path": plan.health_check_path,
        "target-group-attributes": f"deregistration_delay.timeout_seconds={plan.deregistration_delay_seconds}",
    }
    for action, value in actions.values():
        annotations[f"actions.{action}"] = value
    if group.group_wide:
        annotations |= {"scheme": plan.scheme, "group.name": plan.group, "ssl-policy": plan.ssl_policy}
        if certificate_arn is not None:
            annotations["certificate-arn"] = certificate_arn
        if group.load_balancer_attributes:
            annotations["load-balancer-attributes"] = group.load_balancer_attributes
        if plan.strip_prefix:
            # transforms.<name> keys off the backend Service (controller v3.5.0): the rewrite applies to its rules.
            prefix = next(p.path for p in plan.paths if p.path_type == "Prefix" and p.path not in actions)
            annotations[f"transforms.{plan.service_name}"] = rewrite_transform(prefix)
        if group.tags:
            annotations["tags"] = group.tags
        if group.subnets:
            annotations["subnets"] = group.subnets
        if group.ssl_redirect is not None:
            annotations["ssl-redirect"] = str(group.ssl_redirect)
        if plan.order:
            annotations["group.order"] = str(plan.order)
    backend = {"service": {"name": plan.service_name, "port": {"number": plan.service_port}}}

    def target(path: str) -> dict[str, Any]:
        if path in actions:
            return {"service": {"name": actions[path][0], "port": {"name": "use-annotation"}}}
        return backend

    spec: dict[str, Any] = {
        "ingressClassName": plan.ingress_class,
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [{"path": p.path, "pathType": p.path_type, "backend": target(p.path)} for p in plan.paths]
                },
            }
            for host in plan.hosts
        ],
    }
    if certificate_arn is None:
        # No ARN: the controller discovers a certificate in ACM by the hosts listed under tls.
        spec["tls"] = [{"hosts": list(plan.hosts)}]
    return {f"{ANNOTATION}/{k}": v for k, v in annotations.items()}, spec


class AlbApp(pulumi.ComponentResource):
    """One app behind a shared ALB group: the Ingress the controller turns into its listener rules and target
    group (pods as targets, HTTPS with the HTTP redirect), counted against the group's ALB quotas."""

    ingress_name: pulumi.Output[str]
    """The app's Ingress (api ingress; empty with api gateway)."""
    route_name: pulumi.Output[str]
    """The app's HTTPRoute (api gateway; empty with api ingress)."""
    group_name: pulumi.Output[str]
    """The ALB group the app landed in (a shard when the group is sharded)."""
    alb_hostname: pulumi.Output[str]
    """The group's ALB DNS name, once the controller has created it: point the app's hosts at it (with api
    gateway, read from the Gateway's status)."""

    def __init__(self, name: str, args: AlbAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, {}, opts)
        if not isinstance(args, Mapping):
            raise AppInputError(name, [f"args: {type(args).__name__} is not a mapping of inputs, e.g. {{...}}"])
        given: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        certificate = given.pop("certificate_arn", None)
        region = _aws_region()
        arn_problem = certificate_problem(certificate, region) if isinstance(certificate, str) else None
        # The class may be the controller's output: it names no rule or group, so it need not be known now.
        class_output = given.pop("ingress_class") if isinstance(given.get("ingress_class"), pulumi.Output) else None
        program = _program()
        plan, problems = plan_app(name, given, placed=program.plans)
        if arn_problem:
            problems.append(f"args.certificate_arn: {arn_problem}")
        if plan is not None and plan.api == "gateway" and certificate is not None:
            problems.append(
                "args.certificate_arn: a route cannot carry a certificate (the controller does not support "
                "certificateRefs): the Gateway's LoadBalancerConfiguration lists certificates, or the controller "
                "discovers one in ACM by the route's hosts; remove it here"
            )
        if plan is not None and not problems:
            known_arn = certificate if isinstance(certificate, str) else None
            if certificate is not None and known_arn is None:
                known_arn = f"(output of {name})"  # counted as one certificate of its own
            footprint = plan.footprint(known_arn)
            problems += conflicts([*program.plans, plan])
            problems += budget_problems([*program.footprints, footprint], plan.quotas)
        if problems:
            raise AppInputError(name, problems)
        assert plan is not None
        # This project's own program counted its apps whole, with the echoserver and the stack's certificate,
        # and warned in the stack file's words (stack_settings/apps.py), its hosts as well: neither a second,
        # partial count nor the same host warning again is said.
        own_stack = pulumi.get_project() == PROJECT
        for note in [] if own_stack else certificate_notes([*program.footprints, footprint], plan.quotas):
            group_of_note = note.partition(":")[0]
            if group_of_note not in program.warned:  # once per group, not for every app after it
                program.warned.add(group_of_note)
                pulumi.log.warn(f"__main__.py: AlbApp {name}: {note}")
        for warning in [] if own_stack else host_warnings([*program.plans, plan]):
            if plan.name in warning:
                pulumi.log.warn(f"__main__.py: AlbApp {name}: {warning}")
        program.footprints.append(footprint)
        program.plans.append(plan)
        if isinstance(certificate, pulumi.Output):
            certificate = certificate.apply(lambda arn: _checked_arn(name, arn, region))
        self.ingress = None
        self.route = None
        self.gateway: GatewayObject | None = None
        if plan.api == "gateway":
            self.route = self._route(name, plan, opts)
            self.ingress_name = pulumi.Output.from_input("")
            self.route_name = pulumi.Output.from_input(name)
            # The ALB's name is in the Gateway's status (addresses), not the route's; the Gateway is its owner's,
            # so it is read, never managed here. The read waits for the route, which waits until the Gateway
            # accepted it: it cannot find the Gateway missing, and a preview of a new route leaves it unknown.
            gateway_id = self.route.id.apply(lambda _: f"{plan.gateway_namespace}/{plan.group}")
            self.gateway = GatewayObject.read(
                f"{name}-gateway", GATEWAY_API_VERSION, "Gateway", gateway_id, pulumi.ResourceOptions(parent=self)
            )
            self.alb_hostname = self.gateway.status.apply(gateway_hostname)
        else:
            annotations, spec = ingress_of(plan, certificate)
            if class_output is not None:
                spec["ingressClassName"] = class_output.apply(lambda value: _checked_class(name, value))
            self.ingress = k8s.networking.v1.Ingress(
                name,
                metadata=cast(Any, {"name": name, "namespace": plan.namespace, "annotations": annotations}),
                spec=cast(Any, spec),
                # What the app waits for (the controller: its webhooks must answer) holds back its Ingress.
                opts=pulumi.ResourceOptions(parent=self, depends_on=dependencies(opts)),
            )
            self.ingress_name = self.ingress.metadata.apply(lambda m: m.name or name)
            self.route_name = pulumi.Output.from_input("")
            self.alb_hostname = self.ingress.status.apply(alb_hostname)
        self.group_name = pulumi.Output.from_input(plan.group)
        self.register_outputs(
            {
                "ingressName": self.ingress_name,
                "routeName": self.route_name,
                "groupName": self.group_name,
                "albHostname": self.alb_hostname,
            }
        )

    def _route(self, name: str, plan: AppPlan, opts: pulumi.ResourceOptions | None) -> GatewayObject:
        """The app's HTTPRoute on its group's Gateway, and the TargetGroupConfiguration of its Service."""
        waits = dependencies(opts)
        prefix = next((p.path for p in plan.paths if p.path_type == "Prefix"), None) if plan.strip_prefix else None
        specs = [
            http_route_spec(
                GatewayRef(plan.group, plan.gateway_namespace, plan.gateway_listeners),
                plan.namespace,
                hosts,
                [RoutePath(p.path, p.path_type) for p in plan.paths],
                plan.service_name,
                plan.service_port,
                prefix,
            )
            for hosts in host_sets(plan.hosts)
        ]
        # Over 16 hosts: routes <name>-2, ... for the rest (the first keeps the app's name, so nothing moves).
        more = [
            (f"{name}-{n}", {"name": f"{name}-{n}", "namespace": plan.namespace}, spec)
            for n, spec in enumerate(specs[1:], start=2)
        ]
        return routed_service(
            name,
            name,
            {"name": name, "namespace": plan.namespace},
            plan.service_name,
            plan.health_check_path,
            plan.deregistration_delay_seconds,
            specs[0],
            lambda *resources: pulumi.ResourceOptions(parent=self, depends_on=list(resources)),
            target_waits=waits,
            route_waits=waits,
            more_routes=more,
        )


def _checked_class(app: str, value: Any) -> Any:
    """An Output ingress class, checked when it resolves: another controller's class fails the update."""
    if not isinstance(value, str) or not DNS_LABEL.fullmatch(value):
        raise AppInputError(app, [f"args.ingress_class: {value!r} is not a Kubernetes name, e.g. alb"])
    problem = ingress_class_problem(value)
    if problem:
        raise AppInputError(app, [f"args.ingress_class: {problem}"])
    return value


def _aws_region() -> str | None:
    """The program's AWS region (aws:region), where the ALB is: an ACM certificate must be in it, as the stack
    checks (certificate_problem); None when the program sets none."""
    try:
        return pulumi.Config("aws").get("region")
    except Exception:  # no config at all (a unit test without a program): nothing to compare with
        return None


def _checked_arn(app: str, arn: Any, region: str | None = None) -> Any:
    """An Output certificate ARN, checked when it resolves: a bad one fails the update naming the input."""
    problem = certificate_problem(arn, region) if isinstance(arn, str) else f"{arn!r} is not text"
    if problem:
        raise AppInputError(app, [f"args.certificate_arn: {problem}"])
    return arn


def alb_hostname(status: k8s.networking.v1.outputs.IngressStatus | None) -> str:
    """The ALB's DNS name from an Ingress's status, once the controller has written it."""
    balancer = status.load_balancer if status is not None else None
    for entry in (balancer.ingress if balancer is not None else None) or []:
        if entry.hostname:
            return entry.hostname
    return ""
