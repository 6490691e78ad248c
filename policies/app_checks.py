"""What the API server, the controller or AWS would refuse in an app, or what would hand one app's traffic to
another: checked once here for the stack's ``apps:`` and the ``AlbApp`` component alike (``plan_app`` and
``conflicts`` call these), so both say the same words. Each names its upstream source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from albingress.facts.gateway_api_limits import ROUTE_MATCHES, ROUTE_PARENT_REFS
from albingress.facts.regions import ALB_SSL_POLICIES, RECOMMENDED_SSL_POLICY
from albingress.policies.alb_budget import PathRoute

# Kubernetes pkg/apis/networking/validation/validation.go (master, as of v1.34), validateHTTPIngressPath: an
# Exact or Prefix path must be absolute and must not contain these sequences, nor end with these suffixes.
# (A '..' inside a segment, as in /v1..2, is fine.)
INVALID_PATH_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
INVALID_PATH_SUFFIXES = ("/..", "/.")
# aws-load-balancer-controller v3.5.0, pkg/ingress/model_build_listener_rules.go
# (buildPathPatternsForExactPathType / ForPrefixPathType): a '*' or '?' in an Exact or Prefix path is an error
# that stops the reconcile of the whole group.
PATH_WILDCARDS = "*?"
# ELB API Reference, RuleCondition Values: a path pattern holds letters, digits, _ - . $ / ~ " ' @ : + & and the
# wildcards * and ? (128 characters at most); anything else (a %-escape, '!', '(', ';', '=', non-ASCII) the ALB
# refuses when the controller writes the rule, which stops the whole group.
ALB_PATH_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.$/~\"'@:+&*?")
# Kubernetes validateIngressRules: a rule's host "must be a DNS name, not an IP address" (netutils.ParseIPSloppy,
# which takes IPv4 octets with leading zeros too).
_IPV4 = re.compile(r"(0*(25[0-5]|2[0-4]\d|1?\d?\d)\.){3}0*(25[0-5]|2[0-4]\d|1?\d?\d)")
HOST_CONDITION_LENGTH = 128
# A Service name (and an Ingress backend's) is a DNS-1035 label: it starts with a letter (Kubernetes
# ValidateServiceName, apimachinery NameIsDNS1035Label).
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
# Namespaces an app may not use: the cluster's own. The controller's namespace is added by the caller that
# knows it (the stack's controller.namespace).
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


def path_problems(path: str, path_type: str) -> list[str]:
    """Why the API server or the controller refuses this Exact or Prefix path; every reason at once."""
    problems: list[str] = []
    if path_type not in ("Exact", "Prefix"):
        return problems
    found = sorted({c for c in path if c in PATH_WILDCARDS})
    if found:
        article = "an" if path_type == "Exact" else "a"
        problems.append(
            f"{path!r} holds {' and '.join(repr(c) for c in found)}: the controller refuses wildcards in {article} "
            f"{path_type} path and stops reconciling the whole group; use a Prefix path of the fixed part "
            "(e.g. /api for /api/*)"
        )
    for sequence in INVALID_PATH_SEQUENCES:
        if sequence in path:
            problems.append(f"{path!r} contains {sequence!r}, which the API server refuses in a path: remove it")
    for suffix in INVALID_PATH_SUFFIXES:
        if path.endswith(suffix):
            problems.append(f"{path!r} ends with {suffix!r}, which the API server refuses: remove it")
    others = sorted(set(path) - ALB_PATH_CHARACTERS)
    if others:
        problems.append(
            f"{path!r} holds {', '.join(repr(c) for c in others)}, which an ALB path pattern cannot hold (letters, "
            "digits and _ - . $ / ~ \" ' @ : + & only): the controller's rule would be refused and the group stop"
        )
    return problems


def host_problem(host: str) -> str | None:
    """A host the API server or the ALB refuses (the ALB's refusal stops the controller's whole group)."""
    if _IPV4.fullmatch(host):
        return (
            f"{host!r} is an IP address; the API server takes only DNS names as Ingress hosts: use a name that "
            "resolves to the ALB (its IPs change)"
        )
    # ELB API Reference, HostHeaderConditionConfig: each name at most 128 characters, with at least one '.',
    # and only letters after the last '.'.
    if len(host) > HOST_CONDITION_LENGTH:
        return f"{host!r} is {len(host)} characters; an ALB host condition holds at most {HOST_CONDITION_LENGTH}"
    head, dot, last = host.rpartition(".")
    if not dot or not head or not last.isalpha():
        return (
            f"{host!r} is not a host an ALB rule takes: it needs a '.' and only letters after the last one "
            "(a top-level domain), e.g. app.example.com"
        )
    if any(len(label) > 63 for label in host.split(".")):
        return f"{host!r} has a label over 63 characters, which no DNS name can hold"
    return None


def namespace_problem(namespace: str, controller_namespaces: Iterable[str] = ()) -> str | None:
    """An app in the cluster's or the controller's own namespace."""
    if namespace in SYSTEM_NAMESPACES:
        return (
            f"{namespace!r} is a system namespace; the cluster's own pods run there and an app's readiness gate "
            "needs its namespace labelled for the controller's pod webhook: give the app a namespace of its own"
        )
    if namespace in controller_namespaces:
        return (
            f"{namespace!r} is the controller's namespace; labelling it for readiness gates makes the controller's "
            "own pods wait for the webhook they serve: give the app a namespace of its own"
        )
    return None


def service_name_problem(name: str) -> str | None:
    if not DNS1035_LABEL.fullmatch(name):
        return (
            f"{name!r} is not a Service name (the API server wants a DNS-1035 label: lower-case letters, digits "
            "and '-', starting with a letter, at most 63)"
        )
    return None


def weak_tls_problem(policy: str) -> str | None:
    """A policy that still accepts TLS 1.0 or 1.1; the stack's alb.sslPolicy and AlbApp's ssl_policy say it
    with these words."""
    floor = ALB_SSL_POLICIES.get(policy)
    if floor is not None and floor < "1.2":
        return (
            f"{policy} still accepts TLS {floor}; use a policy whose lowest version is TLS 1.2, e.g. "
            f"{RECOMMENDED_SSL_POLICY}, ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS-1-2-2017-01"
        )
    return None


def tls_policy_problem(policy: str, scheme: str) -> str | None:
    """A TLS 1.0/1.1 policy on an internet-facing app (an internal one may serve old clients inside the VPC;
    the stack refuses it for its own group whatever the scheme)."""
    return weak_tls_problem(policy) if scheme == "internet-facing" else None


def route_key(path: PathRoute) -> tuple[str, str]:
    """What one ALB rule matches: a Prefix path without its trailing '/' (the controller drops it, so /api and
    /api/ make one rule)."""
    if path.path_type == "Prefix" and path.path not in ("/", ""):
        return (path.path.removesuffix("/"), "Prefix")
    return (path.path, path.path_type)


def wildcard_covers(wildcard: str, host: str) -> bool:
    """An ALB host condition ``*.example.com`` matches ``a.example.com`` and ``a.b.example.com`` alike."""
    return wildcard.startswith("*.") and host.endswith(wildcard[1:]) and host != wildcard


def host_group_problems(
    placed: Sequence[tuple[str, str, Sequence[str]]], named: Callable[[str], str] = lambda group: f"group {group}"
) -> tuple[list[str], list[str]]:
    """(problems, warnings) for hosts across groups: one DNS name points at one ALB, so a host two groups
    claim sends one group's traffic to the other's ALB; a wildcard host of one group covering a host of another
    works only while the specific record exists. ``placed``: (app, group, hosts) in order; ``named`` says a
    group in the message."""
    problems: list[str] = []
    warnings: list[str] = []
    owner: dict[str, tuple[str, str]] = {}
    for app, group, hosts in placed:
        for host in hosts:
            first = owner.setdefault(host, (app, group))
            if first[1] != group:
                problems.append(
                    f"host {host} is in {named(first[1])} (app {first[0]}) and {named(group)} (app {app}); its DNS "
                    "name points at one ALB, so the other ALB's rules never see its traffic: keep a host on one ALB (a "
                    "Gateway is an ALB of its own, apart from an Ingress group of the same name)"
                )
    for wildcard, (app, group) in owner.items():
        if not wildcard.startswith("*."):
            continue
        for host, (other_app, other_group) in owner.items():
            if other_group != group and wildcard_covers(wildcard, host):
                warnings.append(
                    f"wildcard host {wildcard} (app {app}, {named(group)}) covers {host} (app {other_app}, "
                    f"{named(other_group)}): {host} reaches its own ALB only while its own DNS record exists"
                )
    return problems, warnings


# aws-load-balancer-controller v3.5.0, pkg/ingress/group_loader.go: group.order is an int32 from -1000 to 1000
# (minGroupOrder, maxGroupOder).
GROUP_ORDER_RANGE = (-1000, 1000)
# pkg/annotations/parser.go ParseInt32Annotation: strconv.ParseInt(raw, 10, 32) on the raw value, untrimmed.
_GO_BASE10 = re.compile(r"[+-]?[0-9]+", re.ASCII)


def go_int32(text: str) -> int | None:
    """The value Go's strconv.ParseInt(text, 10, 32) reads: an optional sign and ASCII digits, nothing else
    (no spaces, no underscores, no other scripts' digits), within int32; None when it fails. The controller reads
    its integer annotations so (v3.5.0 pkg/annotations/parser.go, ParseInt32Annotation)."""
    if not _GO_BASE10.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def parse_group_order(raw: str) -> tuple[int, str | None]:
    """``group.order`` read exactly as the controller reads it: ``go_int32``, then -1000..1000. A value it refuses
    stops the controller's whole group (sortGroupMembers errors), so it is returned with the reason; the order
    then counts as the default 0."""
    value = go_int32(raw)
    if value is None:
        return 0, f"group.order {raw!r} is not a base-10 integer as Go's strconv.ParseInt reads it"
    low, high = GROUP_ORDER_RANGE
    if not low <= value <= high:
        return 0, f"group.order {raw!r} is outside {low}..{high}"
    return value, None


# The name part of an annotation key is a qualified name of at most 63 characters (apimachinery
# IsQualifiedName): the controller's derived keys (transforms.<Service>, actions.<name>, conditions.<name>)
# leave 63 - len("transforms.") = 52 characters for a Service name whose prefix is stripped.
ANNOTATION_NAME_LENGTH = 63


def derived_annotation_problem(kind: str, name: str) -> str | None:
    """An annotation key the project derives from a name (``transforms.<Service>``, ``actions.<name>``) that the
    API server refuses: its name part must be at most 63 characters."""
    key = f"{kind}.{name}"
    if len(key) > ANNOTATION_NAME_LENGTH:
        return (
            f"the controller's annotation alb.ingress.kubernetes.io/{key} would be {len(key)} characters after "
            f"the '/', and the API server takes at most {ANNOTATION_NAME_LENGTH}: give a Service name of at most "
            f"{ANNOTATION_NAME_LENGTH - len(kind) - 1} characters"
        )
    return None


# IngressClass names other controllers install by default (ingress-nginx, Traefik, HAProxy, Kong, Istio,
# Contour, NGINX Inc., GKE; Cilium's ingress, Apache APISIX, Emissary-ingress, Azure's Application Gateway
# ingress controller, OpenShift's router, Pomerium, ngrok); a second controller on one class fights the first
# over every Ingress.
FOREIGN_CLASSES = frozenset(
    {"nginx", "nginx-internal", "traefik", "haproxy", "kong", "istio", "contour", "gce", "gce-internal"}
    | {"cilium", "apisix", "ambassador", "azure-application-gateway", "openshift-default", "pomerium", "ngrok"}
)


def claimed_class(name: str, mode: str = "lbc") -> str | None:
    """Why an IngressClass name is another controller's (two controllers on one class fight over its
    Ingresses), for the controller of ``mode``; None when the name is free."""
    other = "alb-auto" if mode == "lbc" else "alb"
    if name in FOREIGN_CLASSES:
        reason = f"{name!r} is the class another ingress controller (e.g. ingress-nginx) installs by default"
    elif name == other:
        owner = "EKS Auto Mode's load balancing" if mode == "lbc" else "the self-managed controller's chart"
        reason = f"{other!r} is the class this project gives {owner}"
    else:
        return None
    return f"{reason}; two controllers on one class fight over every Ingress of it: pick a class of its own"


def ingress_class_problem(name: str) -> str | None:
    """An IngressClass another controller owns (the controller component refuses it with the same words)."""
    # Only another controller's: this project's own classes (alb, alb-auto in Auto Mode) are the apps' to use.
    return claimed_class(name) if name in FOREIGN_CLASSES else None


@dataclass(frozen=True)
class GroupMember:
    """One Ingress of an ALB group as the precedence check reads it: its ALB, ``group.order``, namespace/name
    and its rules (host, path) as written (an empty host matches any host)."""

    name: str
    namespace: str
    group: str
    order: int
    rules: tuple[tuple[str, PathRoute], ...]
    # Why its order cannot be changed (the stack's echoserver keeps 0), or None: it can.
    fixed: str | None = None


def path_overlap(first: PathRoute, later: PathRoute) -> bool:
    """Whether a request can match both paths, as the controller writes them: Prefix ``/`` is ``/*``, another
    Prefix ``/p`` is ``/p`` and ``/p/*`` (its trailing '/' dropped), Exact ``/e`` is ``/e``."""
    a, b = route_key(first)[0], route_key(later)[0]
    if first.path_type == "Exact" and later.path_type == "Exact":
        return a == b
    if first.path_type == "Exact":
        a, b = b, a  # a is a Prefix now
    if a == "/":
        return True
    if first.path_type == later.path_type == "Prefix":
        return b == "/" or a == b or a.startswith(b + "/") or b.startswith(a + "/")
    return b == a or b.startswith(a + "/")


def _more_specific(first: PathRoute, later: PathRoute) -> bool:
    """ingress-nginx's (and one Ingress's) order: Exact before Prefix, a longer Prefix before a shorter one."""
    if later.path_type != first.path_type:
        return later.path_type == "Exact"
    return len(route_key(later)[0]) > len(route_key(first)[0])


def precedence_problems(members: Sequence[GroupMember]) -> list[str]:
    """Rules of one Ingress that another Ingress of its group takes, because the controller evaluates a group's
    Ingresses one after another and sorts paths only inside one Ingress.

    aws-load-balancer-controller v3.5.0: pkg/ingress/group_loader.go ``sortGroupMembers`` orders a group's
    Ingresses by group.order (default 0, -1000..1000), then by ``namespace/name``; model_build_listener_rules.go
    gives rule priorities Ingress after Ingress, spec rule after rule, with ``sortIngressPaths`` (Exact first,
    then the longer Prefix) inside one rule only. So team-a/a's ``/`` (Prefix) on shop.example.com comes
    before team-b/b's ``/api`` on the same host, and b never sees a request. A wildcard host
    (``*.example.com``) matches every host under it, and a rule without a host every host, so they take a
    named host's traffic the same way. Refused unless the more specific rule's Ingress comes first (a lower
    order), as one nginx server would route it. Gateway API routes follow the Gateway's own precedence rules
    and are not members here.
    """
    problems: list[str] = []
    ordered = sorted(members, key=lambda m: (m.group, m.order, f"{m.namespace}/{m.name}"))
    for i, first in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if later.group != first.group or (later.name, later.namespace) == (first.name, first.namespace):
                continue
            found = _shadowed(first, later)
            if found is None:
                continue
            fix = _order_fix(first, later)
            problems.append(
                f"{first.name}'s {found[0]} in {first.group} takes {later.name}'s {found[1]}: the controller "
                f"evaluates a group's Ingresses by group.order, then namespace/name ({first.namespace}/{first.name} "
                f"order {first.order} before {later.namespace}/{later.name} order {later.order}), and sorts Exact "
                f"and longer paths first only inside one Ingress; {fix}, or use distinct hosts"
            )
    return problems


def _order_fix(first: GroupMember, later: GroupMember) -> str:
    """An order change that puts ``later`` before ``first`` and that the plan itself accepts: within
    -1000..1000, and never on a member whose order is fixed (the echoserver). Equal orders fall back to
    namespace/name, so an equal order works when ``later``'s name sorts first."""
    low, high = GROUP_ORDER_RANGE
    # A strictly lower order first (it holds whatever the names); an equal one only where that is out of range.
    later_first = f"{later.namespace}/{later.name}" < f"{first.namespace}/{first.name}"
    options: list[str] = []
    if later.fixed is None:
        target = first.order - 1 if first.order - 1 >= low or not later_first else first.order
        if target >= low:
            options.append(f"give {later.name} order: {target}")
    if first.fixed is None:
        target = later.order + 1 if later.order + 1 <= high or not later_first else later.order
        if target <= high:
            options.append(f"give {first.name} order: {target}")
    if not options and first.fixed is None and later.fixed is None:
        # -1000 before 1000 and the names the wrong way: both move.
        options.append(f"give {later.name} order: {low} and {first.name} order: {low + 1}")
    fixed = "; ".join(f"{m.name}'s order is fixed ({m.fixed})" for m in (first, later) if m.fixed)
    text = " or ".join(options) + " (group.order; lower is evaluated first)" if options else ""
    return "; ".join(part for part in (text, fixed) if part)


def _host_covers(first: str, later: str) -> bool | None:
    """None when a request for ``later`` cannot match ``first``; else whether ``first`` is the less specific
    host (a wildcard, or no host at all), which takes ``later``'s traffic whatever the paths' order."""
    if first == later:
        return False
    if not first or wildcard_covers(first, later):
        return True
    return None


def _shadowed(first: GroupMember, later: GroupMember) -> tuple[str, str] | None:
    """(first's rule, later's rule) when a request for the later Ingress's rule reaches the first instead."""
    for later_host, later_path in later.rules:
        if later_path.path_type not in ("Prefix", "Exact"):
            continue  # an ImplementationSpecific glob: not judged here
        for first_host, first_path in first.rules:
            if first_path.path_type not in ("Prefix", "Exact"):
                continue
            wider = _host_covers(first_host, later_host)
            if wider is None or not path_overlap(first_path, later_path):
                continue
            if wider or _more_specific(first_path, later_path):
                return (
                    f"{first_host or '(any host)'}{first_path.path} ({first_path.path_type})",
                    f"{later_host or '(any host)'}{later_path.path} ({later_path.path_type})",
                )
    return None


def alb_of(api: str, group: str, gateway_namespace: str, namespace: str) -> str:
    """The ALB an app's rules are on, as a message names it: a Gateway is an ALB of its own (whatever group name
    an Ingress group shares with it), an Ingress group another."""
    if api == "gateway":
        return f"Gateway {gateway_namespace or namespace}/{group}"
    return f"group {group}"


def gateway_route_problems(paths: Sequence[PathRoute], listeners: Sequence[str]) -> list[tuple[str, str]]:
    """(key, why and the fix) for an app whose HTTPRoute the API server would refuse (Gateway API v1.6.0,
    ``facts.gateway_api_limits``), before anything is made. Over 16 paths the route holds one rule per backend
    action with the paths as its matches (``gateway.merged_rules``), and hosts over 16 go to routes of their
    own (``gateway.host_sets``), both routing every request alike: what is left is the 128 matches a route
    holds in all and the 32 listeners it may attach to."""
    problems = []
    if len(paths) > ROUTE_MATCHES:
        problems.append(
            (
                "paths",
                f"{len(paths)} paths, and an HTTPRoute holds at most {ROUTE_MATCHES} path matches in all (Gateway "
                "API v1.6.0): give fewer paths (a Prefix path covers those under it), or split the app",
            )
        )
    if len(listeners) > ROUTE_PARENT_REFS:
        problems.append(
            (
                "gateway_listeners",
                f"{len(listeners)} listeners, and an HTTPRoute attaches to at most {ROUTE_PARENT_REFS} (parentRefs, "
                "Gateway API v1.6.0): name at most that many",
            )
        )
    return problems
