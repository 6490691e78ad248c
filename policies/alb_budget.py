"""What every app of a shared ALB group will cost the ALB, counted as the controller builds it.

The controller builds one ALB per IngressGroup and has no way to split a group that grows past the ALB's
quotas (its issue #3525 asks for it); worse, one Ingress over a limit blocks the reconcile of the whole
group, every other team's changes included. So the apps of a program are counted together, per group. This
is the one counting code: the AlbApp component, the stack's ``apps:`` and the ``group-quota`` guardrail (plan,
policy pack and ``albops check``) all describe their Ingresses or routes as ``Footprint``s and count them
here. How the controller builds a group (aws-load-balancer-controller v3.5.0):

- listener rules (pkg/ingress/model_build_listener_rules.go): one rule per Ingress rule host and path, on
  every listener port the Ingress listens on; with ``ssl-redirect`` (group-wide) the HTTP listeners get no
  rules at all (their default action redirects). The rule optimizer (pkg/ingress/rule_optimizer.go) then
  drops, per listener, a redirect rule that redirects to itself (the legacy ``actions.ssl-redirect`` on an
  HTTPS listener) and every rule after a redirect rule whose hosts and paths cover it;
- Gateway API (pkg/gateway/model/model_build_listener.go, routeutils/route_rule_precedence.go): one rule per
  route hostname and match on each listener the route attaches to, with no optimizer; the stack's
  redirect route on the HTTP listeners is one more rule on each of them;
- condition values per rule: the host, and the path's values (a Prefix path is two, ``/p`` and ``/p/*``;
  ``/`` and Exact paths one), at most 5 per rule;
- certificates: the distinct ARNs the apps name, plus one per distinct host that names none and is not
  covered by another app's wildcard host;
- target groups (model_build_target_group.go, buildTargetGroupResourceID): one per Ingress (or route),
  Service and port, so two apps that send to one Service make two target groups, and each pod is a target
  of both; at most 5 per forward action;
- security group rules (model_build_managed_sg.go): each listen port opened to each inbound CIDR.

Quotas (Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers"): 100 rules, 25
certificates and 1,000 targets per load balancer are adjustable, 100 target groups per load balancer and 5 per
action are not; 5 condition values per rule. Security groups take 60 inbound rules
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

from albingress.facts import alb_limits

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
    listeners: int = alb_limits.LISTENERS


@dataclass(frozen=True)
class PathRoute:
    path: str
    path_type: str = "Prefix"
    # An ImplementationSpecific path of an Ingress with use-regex-path-match: a regexValues condition.
    regex: bool = False

    @property
    def patterns(self) -> tuple[str, ...]:
        """The path-pattern values the controller writes (buildPathPatternsForPrefixPathType drops one trailing
        ``/`` of a Prefix path: ``/api`` and ``/api/`` are both ``/api`` and ``/api/*``)."""
        if self.path_type == "Prefix":
            if self.path in ("/", ""):
                return ("/*",)
            base = self.path.removesuffix("/")
            return (base, base + "/*")
        if self.path_type == "Exact":
            return (self.path,)
        return (self.path or "/*",)  # ImplementationSpecific: the path as written (a glob)

    @property
    def condition_values(self) -> int:
        """The path-pattern values the controller writes for this path (Prefix /p is /p and /p/*)."""
        return len(self.patterns)


@dataclass(frozen=True)
class Redirect:
    """A redirect action's configuration (``#{...}`` keeps the request's value), for the rule optimizer."""

    protocol: str = "#{protocol}"
    port: str = "#{port}"
    host: str = "#{host}"
    path: str = "/#{path}"
    query: str = "#{query}"


@dataclass(frozen=True)
class Route:
    """One listener rule as the controller builds it: a host (empty: any), a path, and what answers it: a
    (namespace, Service, port) it forwards to, or nothing (a fixed response or a redirect)."""

    host: str
    path: PathRoute
    backends: tuple[tuple[str, str, str], ...] = ()
    redirect: Redirect | None = None
    # The Ingress's spec.rules index it comes from: the controller builds rule by rule, sorting paths only
    # inside one (model_build_listener_rules.go); apps (hosts x paths) are one spec.rule per host.
    rule: int = 0


@dataclass(frozen=True)
class Footprint:
    """One app (one Ingress or route) as the ALB will see it: its rules, backends, pods, certificate and
    listeners."""

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
    # ingress: the Ingress rules and the optimizer; gateway: an HTTPRoute (a rule per host and match).
    api: str = "ingress"
    # The Ingress (or route) the rules belong to, namespace/name: a target group is per Ingress, Service, port.
    source: str = ""
    # The rules as written, when they are not every host times every path to the backends (an Ingress read
    # from a manifest); empty: hosts x paths.
    routes: tuple[Route, ...] = ()
    # group.order: lower is evaluated first across the group's Ingresses.
    order: int = 0
    # Gateway API: the redirect route of the group's HTTP listeners (one rule on each).
    redirect_route: bool = False
    # Pods per Service (namespace, name) when they differ from ``replicas`` (manifests); unknown ones count 0.
    pods: Mapping[tuple[str, str], int] | None = None
    # Certificate ARNs, when there are several (an Ingress's certificate-arn list); None: certificate_arn.
    certificates: tuple[str, ...] | None = None
    # The Ingress's defaultBackend: a target group for the listeners' default action, not a rule.
    default_backends: tuple[tuple[str, str, str], ...] = ()

    @property
    def key(self) -> str:
        return self.source or f"{self.app}"

    def route_list(self) -> tuple[Route, ...]:
        if self.routes:
            return self.routes
        return tuple(Route(host, path, self.backends) for host in self.hosts for path in self.paths)

    @property
    def rule_listeners(self) -> int:
        """Listeners that carry this app's rules: the HTTPS ones, and the HTTP ones unless they only redirect."""
        return len(self.https_ports) + (0 if self.ssl_redirect and self.api != "gateway" else len(self.http_ports))

    @property
    def rules(self) -> int:
        """This app's rules counted alone (no optimizer): what one Ingress adds to a group."""
        alone = count_groups([self])[self.group]
        return alone.rules

    def pods_of(self, backend: tuple[str, str, str]) -> int:
        if self.pods is None:
            return self.replicas
        return self.pods.get((backend[0], backend[1]), 0)


@dataclass
class GroupCount:
    """What a group's apps add up to, and each app's share, for the message that refuses it."""

    group: str
    rules: int = 0
    certificates: int = 0
    target_groups: int = 0
    targets: int = 0
    security_group_rules: int = 0
    listeners: int = 0
    # Of ``certificates``, those counted one per host that names no ARN (the controller discovers them in ACM
    # by host): an upper bound, since discovery takes the union of the ARNs it finds and one wildcard
    # certificate serves every host under it (acmCertDiscovery.Discover, pkg/ingress/cert_discovery.go at
    # v3.5.0). Only the certificates the apps name are held against the quota.
    discovered_certificates: int = 0
    by_app: dict[str, dict[str, int]] = field(default_factory=dict)
    # Rules the optimizer dropped (shadowed by a redirect, or redirecting to themselves).
    dropped: int = 0

    def exceeded(self, quotas: Quotas) -> list[str]:
        """The names of the limits this group is over (as ``over`` words them, without the numbers)."""
        return [text.split(" (", 1)[0].split(" ", 1)[1] for text in self.over(quotas)]

    def over(self, quotas: Quotas) -> list[str]:
        found = []
        for name, used, limit in (
            ("rules", self.rules, quotas.rules),
            # The quota counts the certificates besides the default one; discovered ones may be one wildcard.
            ("certificates", max(self.certificates - self.discovered_certificates - 1, 0), quotas.certificates),
            ("target groups", self.target_groups, quotas.target_groups),
            ("targets", self.targets, quotas.targets),
            ("security group rules", self.security_group_rules, quotas.security_group_rules),
            ("listeners", self.listeners, quotas.listeners),
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


def controller_path_rank(path_type: object, path: str) -> tuple[int, int]:
    """sortIngressPaths (v3.5.0 pkg/ingress/model_build_listener_rules.go), as a key for a stable sort of the
    paths of ONE spec.rule: Exact first, then Prefix longest first, then ImplementationSpecific (or no type) as
    written. The guardrails and the budget share it."""
    if path_type == "Exact":
        return (0, 0)
    if path_type == "Prefix":
        return (1, -len(path))
    return (2, 0)


def _path_order(path: PathRoute) -> tuple[int, int]:
    return controller_path_rank(path.path_type, path.path)


def _infinite(redirect: Redirect, port: int, protocol: str, route: Route) -> bool:
    """isInfiniteRedirectRule: a redirect that sends a request back to the rule that redirected it. Never for a
    regex path ("We dont check for infinite rules for regex paths"): such a redirect is kept on every listener."""
    if route.path.regex:
        return False
    if redirect.host != "#{host}" and redirect.host != route.host:
        return False
    if redirect.path != "/#{path}" and redirect.path not in route.path.patterns:
        return False
    if redirect.port not in ("#{port}", str(port)):
        return False
    if redirect.protocol not in ("#{protocol}", protocol):
        return False
    return redirect.query == "#{query}"


def _covers(first: Route, later: Route) -> bool:
    """isSupersetConditions, for rules of one host and one path each."""
    hosts = not first.host or (bool(later.host) and first.host == later.host)
    first_paths = set(first.path.patterns)
    paths = "/*" in first_paths or set(later.path.patterns) <= first_paths
    return hosts and paths


def _listener_rules(
    members: Sequence[Footprint], port: int, protocol: str
) -> tuple[list[tuple[Footprint, Route]], int]:
    """The rules of one listener after the optimizer, in the controller's order, and how many it dropped."""
    built: list[tuple[Footprint, Route]] = []
    for member in sorted(members, key=lambda f: (f.order, f.key)):
        ports = member.https_ports if protocol == "HTTPS" else member.http_ports
        if port not in ports:
            continue
        routes = member.route_list()
        if member.api == "ingress":
            if member.routes:
                # An Ingress as written: spec.rules in order, each rule's paths sorted on their own (two rules
                # of one host are not merged; a redirect in rules[0] shadows what rules[1] routes).
                indexes = list(dict.fromkeys(r.rule for r in routes))
                routes = tuple(
                    r
                    for index in indexes
                    for r in sorted((r for r in routes if r.rule == index), key=lambda r: _path_order(r.path))
                )
            else:
                # An app: one spec.rule per host, each with the app's paths.
                hosts = list(dict.fromkeys(r.host for r in routes))
                routes = tuple(
                    r
                    for host in hosts
                    for r in sorted((r for r in routes if r.host == host), key=lambda r: _path_order(r.path))
                )
        built.extend((member, route) for route in routes)
    kept: list[tuple[Footprint, Route]] = []
    redirects: list[Route] = []  # the Ingress redirect rules kept so far: the only ones that shadow later rules
    for member, route in built:
        if member.api == "ingress":
            if route.redirect is not None and _infinite(route.redirect, port, protocol, route):
                continue
            if any(_covers(r, route) for r in redirects):
                continue
            if route.redirect is not None:
                redirects.append(route)
        kept.append((member, route))
    return kept, len(built) - len(kept)


def count_groups(footprints: Sequence[Footprint]) -> dict[str, GroupCount]:
    """The per-group totals as the controller builds them, each app's share included."""
    counts: dict[str, GroupCount] = {}
    seen_certificates: dict[str, set[str]] = defaultdict(set)
    by_group: dict[str, list[Footprint]] = defaultdict(list)
    for footprint in footprints:
        by_group[footprint.group].append(footprint)
    for group, members in by_group.items():
        count = counts.setdefault(group, GroupCount(group))
        shares = {f.app: {"rules": 0, "certificates": 0, "target_groups": 0, "targets": 0} for f in members}
        # ssl-redirect is group-wide: with it, no HTTP listener of the group carries Ingress rules.
        redirects = any(f.ssl_redirect for f in members if f.api == "ingress")
        listeners = sorted(
            {("HTTPS", p) for f in members for p in f.https_ports}
            | {("HTTP", p) for f in members for p in f.http_ports}
        )
        target_groups: set[tuple[str, str, str, str]] = set()
        for protocol, port in listeners:
            if protocol == "HTTP" and any(f.redirect_route for f in members):
                count.rules += 1  # the Gateway's redirect route: one rule on each HTTP listener
            # The Gateway's HTTP listeners carry the redirect route only (the stack's group).
            ingress_members = [
                f
                for f in members
                if not (protocol == "HTTP" and ((redirects and f.api == "ingress") or f.redirect_route))
            ]
            kept, dropped = _listener_rules(ingress_members, port, protocol)
            count.rules += len(kept)
            count.dropped += dropped
            for member, _ in kept:
                shares[member.app]["rules"] += 1
            # Target groups are made as the actions are built, before the optimizer drops anything.
            for member in ingress_members:
                if port not in (member.https_ports if protocol == "HTTPS" else member.http_ports):
                    continue
                backends = [b for route in member.route_list() for b in route.backends]
                for backend in [*backends, *member.default_backends]:
                    tg = (member.key, *backend)
                    if tg not in target_groups:
                        target_groups.add(tg)
                        shares[member.app]["target_groups"] += 1
                        shares[member.app]["targets"] += member.pods_of(backend)
        for member in members:
            rules = member.extra_rules * member.rule_listeners
            shares[member.app]["rules"] += rules
            count.rules += rules
        wildcards = {h for f in members if f.certificate_arn is None for h in f.hosts if h.startswith("*.")}
        for footprint in members:
            share = shares[footprint.app]
            arns = footprint.certificates
            if arns is None and footprint.certificate_arn is not None:
                arns = (footprint.certificate_arn,)
            if arns is not None:
                for arn in arns:
                    if arn not in seen_certificates[group]:
                        seen_certificates[group].add(arn)
                        share["certificates"] += 1
            else:
                for host in footprint.hosts:
                    key = f"host:{host}"
                    if key in seen_certificates[group] or (not host.startswith("*.") and _covered(host, wildcards)):
                        continue
                    seen_certificates[group].add(key)
                    share["certificates"] += 1
                    count.discovered_certificates += 1
        count.by_app.update(shares)
        count.certificates = sum(s["certificates"] for s in shares.values())
        count.target_groups = sum(s["target_groups"] for s in shares.values())
        count.targets = sum(s["targets"] for s in shares.values())
        count.listeners = len(listeners)
        count.security_group_rules = len(
            {(port, cidr) for f in members for port in (*f.https_ports, *f.http_ports) for cidr in f.inbound_cidrs}
        )
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


# The key that raises each adjustable limit once AWS has granted more (alb.quotas in the stack, quotas on AlbApp).
_QUOTA_KEYS = {"rules": "rules", "certificates": "certificates", "targets": "targets", "listeners": "listeners"}


def raise_advice(exceeded: Sequence[str], where: str = "alb.quotas / AlbApp quotas") -> str:
    """How to get under each limit the group is over: only the keys that exist are named, and the limits no key
    raises say what to change instead."""
    parts = []
    keys = [f"{_QUOTA_KEYS[name]}" for name in exceeded if name in _QUOTA_KEYS]
    if keys:
        parts.append(f"raise the adjustable quota with AWS first, then {where}: {', '.join(keys)}")
    if "target groups" in exceeded:
        parts.append(f"target groups per ALB are fixed at {alb_limits.TARGET_GROUPS}: fewer Services or Ingresses")
    if "security group rules" in exceeded:
        parts.append(
            f"the ALB's security group is counted at {alb_limits.SECURITY_GROUP_RULES} inbound rules (listen ports x "
            "inbound CIDRs) and no setting raises it: use fewer listen ports or CIDRs (a prefix list, or fewer, wider "
            "ranges)"
        )
    return "; ".join(parts)


def budget_problems(footprints: Sequence[Footprint], quotas: Quotas) -> list[str]:
    """Why each group over its quotas is refused, with every app's share, so the team knows what to move."""
    problems = []
    for group, count in sorted(count_groups(footprints).items()):
        over = count.over(quotas)
        if over:
            problems.append(
                f"group {group} would need {', '.join(over)}: the controller cannot split a group and one "
                f"Ingress over a limit blocks the whole group; move apps to another group or shard it "
                f"(shards), or {raise_advice(count.exceeded(quotas))}. Per app: {count.shares()}"
            )
    return problems


def certificate_notes(footprints: Sequence[Footprint], quotas: Quotas) -> list[str]:
    """Groups whose hosts could need more certificates than the quota if each had its own: a warning, not a
    refusal, since the controller's discovery serves them all with one wildcard certificate if ACM has one."""
    notes = []
    for group, count in sorted(count_groups(footprints).items()):
        if count.discovered_certificates and count.certificates - 1 > quotas.certificates:
            notes.append(
                f"group {group}: {count.discovered_certificates} hosts name no certificate, and the controller "
                f"finds theirs in ACM by host; if each had a certificate of its own the ALB would need "
                f"{count.certificates - 1} besides the default (quota {quotas.certificates}): issue a wildcard "
                "certificate that covers them (one serves them all), or raise the quota with AWS"
            )
    return notes


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
