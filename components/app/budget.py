"""What every app of a shared ALB group will cost the ALB, counted before anything is created.

The controller builds one ALB per IngressGroup and has no way to split a group that grows past the ALB's
quotas (its issue #3525 asks for it); worse, one Ingress over a limit blocks the reconcile of the whole
group, every other team's changes included. So the apps of a program are counted together, per group, with
the rules the controller will make of them:

- listener rules: one per host and path (the controller makes one rule per Ingress path, conditioned on the
  rule's host), on every listener that carries rules; with ``ssl-redirect`` the HTTP listeners carry only
  the redirect (their default action), so only the HTTPS ones count;
- condition values per rule: the host, and the path's values (a Prefix path is two, ``/p`` and ``/p/*``;
  ``/`` and Exact paths one), at most 5 per rule;
- certificates: the distinct ARNs the apps name, plus one per distinct host that names none and is not
  covered by another app's wildcard host;
- target groups: one per distinct Service and port (per target type), at most 5 per forward action;
- targets: each pod once per target group it is in;
- security group rules: the controller opens each listen port of the group's ALB to the Ingresses' inbound
  CIDRs (0.0.0.0/0 by default) in the ALB's security group, one inbound rule per port and CIDR.

Quotas (Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers"): 100 rules and
25 certificates per load balancer are adjustable, 100 target groups per load balancer and 5 per action are
not, 1,000 targets per load balancer; 5 condition values per rule. Security groups take 60 inbound rules
each (Amazon VPC User Guide, "Amazon VPC quotas"; adjustable). The adjustable ones are configurable.

Shards: one DNS name points at one ALB, so a host is never split across groups. Hosts that share an app
(or a path of another app) are placed together, by rendezvous hashing of the set's first host over
``<name>-1 .. <name>-N``: changing N moves only the hosts whose highest-scoring shard changes, about 1/N
of them for each shard added.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from facts import alb_limits

MAX_CONDITION_VALUES = alb_limits.CONDITION_VALUES_PER_RULE
MAX_TARGET_GROUPS_PER_ACTION = alb_limits.TARGET_GROUPS_PER_ACTION


@dataclass(frozen=True)
class Quotas:
    """Per load balancer. ``rules`` and ``certificates`` are adjustable quotas (raise them with AWS first)."""

    rules: int = alb_limits.RULES
    certificates: int = alb_limits.CERTIFICATES
    target_groups: int = alb_limits.TARGET_GROUPS
    targets: int = alb_limits.TARGETS
    security_group_rules: int = alb_limits.SECURITY_GROUP_RULES


@dataclass(frozen=True)
class PathRoute:
    path: str
    path_type: str = "Prefix"

    @property
    def condition_values(self) -> int:
        """The path-pattern values the controller writes for this path (Prefix /p is /p and /p/*)."""
        if self.path_type == "Prefix" and self.path not in ("/", ""):
            return 2
        return 1


@dataclass(frozen=True)
class Footprint:
    """One app as the ALB will see it: its hosts, paths, backends, pods, certificate and listeners."""

    app: str
    group: str
    hosts: tuple[str, ...]
    paths: tuple[PathRoute, ...]
    # (namespace, service, port) of each backend, and the pods behind it.
    backends: tuple[tuple[str, str, str], ...] = ()
    replicas: int = 2
    certificate_arn: str | None = None
    https_ports: tuple[int, ...] = (443,)
    http_ports: tuple[int, ...] = (80,)
    ssl_redirect: bool = True
    # Rules an app adds beyond its paths (e.g. a fixed-response path), per listener that carries rules.
    extra_rules: int = 0
    # The CIDRs its listen ports are open to (the controller's inbound-cidrs default).
    inbound_cidrs: tuple[str, ...] = ("0.0.0.0/0",)

    @property
    def rule_listeners(self) -> int:
        """Listeners that carry this app's rules: the HTTPS ones, and the HTTP ones unless they only redirect."""
        return len(self.https_ports) + (0 if self.ssl_redirect else len(self.http_ports))

    @property
    def rules(self) -> int:
        return (len(self.hosts) * len(self.paths) + self.extra_rules) * self.rule_listeners


@dataclass
class GroupCount:
    """What a group's apps add up to, and each app's share, for the message that refuses it."""

    group: str
    rules: int = 0
    certificates: int = 0
    target_groups: int = 0
    targets: int = 0
    security_group_rules: int = 0
    by_app: dict[str, dict[str, int]] = field(default_factory=dict)

    def over(self, quotas: Quotas) -> list[str]:
        found = []
        for name, used, limit in (
            ("rules", self.rules, quotas.rules),
            # The quota counts the certificates besides the default one.
            ("certificates", max(self.certificates - 1, 0), quotas.certificates),
            ("target groups", self.target_groups, quotas.target_groups),
            ("targets", self.targets, quotas.targets),
            ("security group rules", self.security_group_rules, quotas.security_group_rules),
        ):
            if used > limit:
                found.append(f"{used} {name} (quota {limit}{' besides the default' if name == 'certificates' else ''})")
        return found

    def shares(self) -> str:
        return "; ".join(
            f"{app}: {c['rules']} rules, {c['certificates']} certificates, {c['target_groups']} target groups, "
            f"{c['targets']} targets"
            for app, c in sorted(self.by_app.items())
        )


def _covered(host: str, wildcards: Iterable[str]) -> bool:
    """A host a wildcard certificate host covers (one label deep, as TLS does)."""
    head, _, rest = host.partition(".")
    return any(w == f"*.{rest}" for w in wildcards) if head and rest else False


def count_groups(footprints: Sequence[Footprint]) -> dict[str, GroupCount]:
    """The per-group totals, each app's share included (an app's share of a shared target group is counted
    for the first app that names it)."""
    counts: dict[str, GroupCount] = {}
    seen_groups: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    seen_certificates: dict[str, set[str]] = defaultdict(set)
    by_group: dict[str, list[Footprint]] = defaultdict(list)
    for footprint in footprints:
        by_group[footprint.group].append(footprint)
    ports: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for group, members in by_group.items():
        count = counts.setdefault(group, GroupCount(group))
        wildcards = {h for f in members if f.certificate_arn is None for h in f.hosts if h.startswith("*.")}
        for footprint in members:
            share = {"rules": footprint.rules, "certificates": 0, "target_groups": 0, "targets": 0}
            if footprint.certificate_arn is not None:
                if footprint.certificate_arn not in seen_certificates[group]:
                    seen_certificates[group].add(footprint.certificate_arn)
                    share["certificates"] += 1
            else:
                for host in footprint.hosts:
                    key = f"host:{host}"
                    if key in seen_certificates[group] or (not host.startswith("*.") and _covered(host, wildcards)):
                        continue
                    seen_certificates[group].add(key)
                    share["certificates"] += 1
            for backend in footprint.backends:
                if backend not in seen_groups[group]:
                    seen_groups[group].add(backend)
                    share["target_groups"] += 1
                    share["targets"] += footprint.replicas
            count.by_app[footprint.app] = share
            openings = {
                (port, cidr)
                for port in (*footprint.https_ports, *footprint.http_ports)
                for cidr in footprint.inbound_cidrs
            }
            ports[group] |= openings
            count.rules += share["rules"]
            count.certificates += share["certificates"]
            count.target_groups += share["target_groups"]
            count.targets += share["targets"]
        count.security_group_rules = len(ports[group])
    return counts


def rule_problems(footprint: Footprint) -> list[str]:
    """Rules the controller could not build: a rule over 5 condition values, an action over 5 target groups."""
    problems = []
    for path in footprint.paths:
        values = 1 + path.condition_values
        if values > MAX_CONDITION_VALUES:
            problems.append(f"path {path.path} makes a rule of {values} condition values (at most 5)")
    if len(footprint.backends) > MAX_TARGET_GROUPS_PER_ACTION:
        problems.append(
            f"{len(footprint.backends)} backends in one forward action (at most {MAX_TARGET_GROUPS_PER_ACTION})"
        )
    return problems


def budget_problems(footprints: Sequence[Footprint], quotas: Quotas) -> list[str]:
    """Why each group over its quotas is refused, with every app's share, so the team knows what to move."""
    problems = []
    for group, count in sorted(count_groups(footprints).items()):
        over = count.over(quotas)
        if over:
            problems.append(
                f"group {group} would need {', '.join(over)}: the controller cannot split a group and one "
                f"Ingress over a limit blocks the whole group; move apps to another group or shard it "
                f"(shards), or raise the adjustable quota with AWS first. Per app: {count.shares()}"
            )
    return problems


def _score(host: str, shard: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{shard}\0{host}".encode()).digest()[:8], "big")


def shard_of(host: str, name: str, shards: int) -> str:
    """The shard (``name-1`` .. ``name-N``) rendezvous hashing gives ``host``: the highest-scoring one."""
    if shards <= 1:
        return name
    return max((f"{name}-{i}" for i in range(1, shards + 1)), key=lambda shard: _score(host, shard))


def host_sets(apps: Mapping[str, Sequence[str]]) -> list[tuple[str, ...]]:
    """Hosts that must share an ALB: those of one app, joined through hosts two apps share (union-find)."""
    parent: dict[str, str] = {}

    def find(host: str) -> str:
        while parent.setdefault(host, host) != host:
            parent[host] = parent[parent[host]]
            host = parent[host]
        return host

    for hosts in apps.values():
        for other in hosts[1:]:
            parent[find(other)] = find(hosts[0])
        if hosts:
            find(hosts[0])
    sets: dict[str, list[str]] = defaultdict(list)
    for host in parent:
        sets[find(host)].append(host)
    return sorted(tuple(sorted(members)) for members in sets.values())


def assign_shards(apps: Mapping[str, Sequence[str]], name: str, shards: int) -> dict[str, str]:
    """Each app's group when ``name`` is sharded ``shards`` ways: the shard of the first host of its host set."""
    placed: dict[str, str] = {}
    for members in host_sets(apps):
        shard = shard_of(members[0], name, shards)
        for host in members:
            placed[host] = shard
    return {app: placed[hosts[0]] if hosts else name for app, hosts in apps.items()}


def moved_hosts(apps: Mapping[str, Sequence[str]], name: str, before: int, after: int) -> dict[str, tuple[str, str]]:
    """Hosts whose ALB changes when the shard count goes from ``before`` to ``after``: (old group, new group).

    Each is a new ALB for that host, and so a DNS change (the host's record must point at the new ALB).
    """
    old, new = assign_shards(apps, name, before), assign_shards(apps, name, after)
    moved: dict[str, tuple[str, str]] = {}
    for app, hosts in apps.items():
        if old[app] != new[app]:
            for host in hosts:
                moved[host] = (old[app], new[app])
    return dict(sorted(moved.items()))
