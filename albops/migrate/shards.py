"""ALB quotas of each converted group, counted by the stack's own budget code, and ``--shards N``.

The controller builds one ALB per group and cannot split one; a group over an ALB quota (rules per
listener, certificates, target groups, security-group rules, ...) fails as a whole, every other Ingress of
it included (see policies/alb_budget.py, which counts as the controller v3.5.0 builds). The converted
Ingresses are counted with that code through ``policies.group_budget`` (the same path as ``albops check``
and the ``group-quota`` guardrail), with the input's other ALB Ingresses of the group (existing members)
and the Services and workloads that give target counts.

``--shards N`` splits each converted group over ``<group>-1`` .. ``<group>-N`` by host with the budget's
rendezvous hashing (``assign_shards``): deterministic, every Ingress of one host (and every host one
Ingress joins) in one shard, and changing N moves only about 1/N of the hosts. Without it, or when a shard
is still over, the group is refused (nothing is written) with its counts and the flag to use.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from albingress.policies.alb_budget import Footprint, GroupCount, Quotas, assign_shards, count_groups
from albingress.policies.group_budget import _pods, ingress_footprint
from albingress.policies.review import CLASS_ANNOTATION, INGRESS, BadValueError, Context, Resource, Stack
from albingress.policies.validation.controller import class_overlays
from albops.check import kubernetes_type
from albops.migrate.install import as_mapping
from albops.migrate.reading import Options, Source, objects, valid_host
from albops.migrate.report import Report
from albops.migrate.routes import ALB

# Kinds that tell the budget how many pods stand behind a Service (target counts), and an Ingress's class.
POD_KINDS = ("Service", "Deployment", "StatefulSet")
CLASS_KINDS = ("IngressClass", "IngressClassParams")
WORKLOAD_KINDS = (*POD_KINDS, *CLASS_KINDS)
GROUP = ALB + "group.name"
# The most shards a refusal looks at when it suggests a count.
MAX_SUGGESTED = 64


def shard_name(group: str, index: int) -> str:
    """``<group>-<index>``, the group cut so the whole stays a valid 63-character group.name."""
    suffix = f"-{index}"
    return group[: 63 - len(suffix)].rstrip("-.") + suffix


def _hosts(source: Source) -> tuple[str, ...]:
    """The hosts an Ingress routes; ``""`` for rules without a host or a lone defaultBackend."""
    spec = source.converted.get("spec") or {}
    hosts = [str(r.get("host") or "") for r in spec.get("rules") or [] if isinstance(r, Mapping)]
    hosts = [h for h in hosts if valid_host(h)]
    if not hosts and spec.get("defaultBackend"):
        hosts = [""]
    return tuple(dict.fromkeys(hosts))


def _resource(obj: dict[str, Any], name: str) -> Resource:
    return Resource(kubernetes_type(str(obj.get("apiVersion")), str(obj.get("kind"))), name, obj)


class AlbGroups:
    """The groups the controller puts Ingresses in, read with the review's own classification (v3.5.0
    group_loader.go): the kubernetes.io/ingress.class annotation before ingressClassName and matched against
    the controller's flag ('alb'); an IngressClass of another controller makes it none of the controller's; its
    IngressClassParams' group wins over group.name; an EKS Auto Mode class's group is another group than the
    controller's of the same name. The input's classes and their params are read once, for every Ingress asked
    about (the converted ones are asked again as their annotations change)."""

    def __init__(self, documents: list[Any], options: Options) -> None:
        found = [o for o in objects(documents) if isinstance(o, dict)]
        self.classes = [_resource(o, "") for o in found if o.get("kind") in CLASS_KINDS]
        self.overlays = class_overlays(found).overlays
        # The class migrate writes is taken as the controller's IngressClass; the annotation is matched against
        # the controller's flag alone ('alb'), never against a class name (class_annotation_matcher.go).
        self.written = Context(ingress_classes=frozenset({"alb", options.ingress_class}))

    def members(self, ingresses: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        """(group, Ingress) for each of ``ingresses`` the controller puts in an explicit group; an Ingress whose
        class has params is given as the controller reads it, the params' settings over its annotations (a
        certificate there makes its listener HTTPS 443, its sslRedirectPort its ssl-redirect). One whose class's
        params the API server would refuse keeps its group.name (the group is judged as written, not dropped)."""
        found: list[tuple[str, dict[str, Any]]] = []
        for obj in ingresses:
            resource = _resource(obj, "")
            annotated = resource.annotations.get(CLASS_ANNOTATION)
            if annotated is not None and annotated != "alb":
                continue
            stack = Stack([resource, *self.classes], Context() if annotated is not None else self.written)
            if not any(member is resource for member in stack.alb_ingresses()):
                continue
            try:
                group = stack.group(resource)
            except BadValueError:
                group = resource.annotations.get(GROUP)
            if not group:
                continue
            cls = as_mapping(obj.get("spec")).get("ingressClassName")
            overlay = self.overlays.get(cls) if annotated is None and isinstance(cls, str) else None
            if overlay:
                metadata = {**as_mapping(obj.get("metadata")), "annotations": {**resource.annotations, **overlay}}
                obj = {**obj, "metadata": metadata}
            found.append((str(group), obj))
        return found

    def of(self, source: Source) -> str | None:
        """The group the controller puts a converted Ingress in, as written so far (its class's params win)."""
        metadata = {**(source.converted.get("metadata") or {}), "annotations": source.annotations}
        groups = self.members([{**source.converted, "metadata": metadata}])
        return groups[0][0] if groups else None


class Budget:
    """Each Ingress's footprint, made once (a stack of the Ingress and the classes alone, so a large input
    is not scanned per Ingress), and the group counts for any placement of the converted ones."""

    def __init__(self, members: Sequence[Source], others: Sequence[dict[str, Any]], options: Options) -> None:
        context = Context(ingress_classes=frozenset({options.ingress_class}))
        classes = [_resource(o, "") for o in others if o.get("kind") in CLASS_KINDS]
        pods = _pods(Stack([_resource(o, "") for o in others if o.get("kind") in POD_KINDS], context))
        self.fixed: list[Footprint] = []  # the input's other ALB Ingresses (existing members of the groups)
        self.mine: dict[str, Footprint] = {}
        for obj in others:
            if obj.get("kind") == "Ingress":
                stack = Stack([_resource(obj, ""), *classes], context)
                self.fixed += [ingress_footprint(stack, i, pods) for i in stack.alb_ingresses()]
        for s in members:
            metadata = {**(s.converted.get("metadata") or {}), "annotations": s.annotations}
            resource = Resource(INGRESS, s.name, {**s.converted, "metadata": metadata})
            self.mine[s.name] = ingress_footprint(Stack([resource, *classes], context), resource, pods)

    def counts(self, placed: Mapping[str, str]) -> dict[str, GroupCount]:
        """Group counts with the converted Ingresses named in ``placed`` moved to those groups."""
        moved = [
            dataclasses.replace(fp, group=f"group {placed[name]}") if name in placed else fp
            for name, fp in self.mine.items()
        ]
        return count_groups([*self.fixed, *moved])


def _over(counts: Mapping[str, GroupCount], groups: Iterable[str], quotas: Quotas) -> dict[str, list[str]]:
    """The groups over a quota, with what they are over."""
    return {g: counts[f"group {g}"].over(quotas) for g in groups if counts[f"group {g}"].over(quotas)}


def _assign(members: Sequence[Source], group: str, shards: int) -> dict[str, str]:
    placed = assign_shards({s.name: _hosts(s) for s in members}, group, shards)
    # assign_shards names shards <group>-i; keep them valid group names for long groups.
    return {
        name: shard_name(group, int(shard.rsplit("-", 1)[1])) if shard != group else group
        for name, shard in placed.items()
    }


def shard_groups(
    sources: Sequence[Source], written: set[str], documents: list[Any], options: Options, report: Report
) -> set[str]:
    """Shard (``options.shards``) or refuse each converted group over a quota; returns the refused Ingresses."""
    quotas = Quotas()
    groups: dict[str, list[Source]] = {}
    for source in sources:
        if not source.canary and source.name in written:
            groups.setdefault(str(source.annotations.get(GROUP)), []).append(source)
    if not groups:
        return set()
    converted = {id(s.converted) for s in sources}
    others = [
        o
        for o in objects(documents)
        if id(o) not in converted
        and (o.get("kind") in WORKLOAD_KINDS or (o.get("kind") == "Ingress" and isinstance(o.get("spec"), dict)))
    ]
    members = [s for group in groups.values() for s in group]
    origin = {s.name: group for group, group_members in groups.items() for s in group_members}
    budget = Budget(members, others, options)
    if options.shards > 1:
        for group, group_members in groups.items():
            placed = _assign(group_members, group, options.shards)
            by_shard: dict[str, list[str]] = {}
            for s in group_members:
                s.annotations[GROUP] = placed[s.name]
                by_shard.setdefault(placed[s.name], []).extend(h or "(no host)" for h in _hosts(s))
            report.add(
                f"group {group}",
                "--shards",
                "note",
                f"split {options.shards} ways by host: "
                + "; ".join(f"{shard}: {', '.join(sorted(set(hosts)))}" for shard, hosts in sorted(by_shard.items()))
                + ". Each shard is its own ALB: point each host's DNS record at its shard's ALB",
            )
    counts = budget.counts({s.name: str(s.annotations[GROUP]) for s in members})
    current: dict[str, list[Source]] = {}
    for s in members:
        current.setdefault(str(s.annotations[GROUP]), []).append(s)
    refused: set[str] = set()
    for group, over in sorted(_over(counts, current, quotas).items()):
        whole = groups[origin[current[group][0].name]]
        suggestion = _suggest(whole, origin[whole[0].name], budget, options, quotas, counts[f"group {group}"])
        report.add(
            f"group {group}",
            "group quotas",
            "not-converted",
            f"as converted it needs {', '.join(over)} as the controller builds it (policies/alb_budget.py), and "
            f"the controller fails a whole group over a quota; nothing was written. {suggestion}. Per Ingress: "
            f"{counts[f'group {group}'].shares()}",
        )
        for s in current[group]:
            refused.add(s.name)
            report.hold(s.name, f"ALB group {group!r} would be over a quota; see its 'group quotas' line")
    return refused


def _suggest(
    members: Sequence[Source], base: str, budget: Budget, options: Options, quotas: Quotas, count: GroupCount
) -> str:
    """A --shards count that brings every shard of group ``base`` under the quotas, or why none does.

    From a lower bound (the shards together hold at least what the group holds), growing by a quarter at a
    time, so a large group is counted a dozen times at most; the count named is one that was counted.
    """
    unsharded = options.shards <= 1
    shards = max(
        2,
        options.shards + 1,
        math.ceil(count.rules / quotas.rules) if unsharded else 2,
        math.ceil(count.target_groups / quotas.target_groups) if unsharded else 2,
    )
    while shards <= MAX_SUGGESTED:
        placed = _assign(members, base, shards)
        if not _over(budget.counts(placed), set(placed.values()), quotas):
            return (
                f"Pass --shards {shards} to split it by host over {shard_name(base, 1)} .. {shard_name(base, shards)}"
            )
        shards = max(shards + 1, math.ceil(shards * 1.25))
    return (
        f"No --shards count up to {MAX_SUGGESTED} fits: the Ingresses of one host (or of hosts one Ingress joins) "
        "are over the quota alone, and a host cannot be split across ALBs; raise the adjustable quota with AWS, "
        "or merge paths"
    )
