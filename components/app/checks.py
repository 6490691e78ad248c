"""What the API server, the controller or AWS would refuse in an app, or what would hand one app's traffic to
another: checked once here for the stack's ``apps:`` and the ``AlbApp`` component alike (``plan_app`` and
``conflicts`` call these), so both say the same words. Each names its upstream source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from components.app.budget import PathRoute
from facts.regions import ALB_SSL_POLICIES, RECOMMENDED_SSL_POLICY

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
        problems.append(
            f"{path!r} holds {' and '.join(repr(c) for c in found)}: the controller refuses wildcards in a "
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
                    "name points at one ALB, so one group's rules never see its traffic: keep a host in one group"
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
