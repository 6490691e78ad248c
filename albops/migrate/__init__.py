"""``albops migrate``: turn ingress-nginx Ingresses into ALB Ingresses, and say exactly what did not carry over.

Everything that is not an ingress-nginx Ingress passes through unchanged and in order. Each converted
Ingress joins one ALB group, targets pods (``target-type: ip``), listens on HTTP and, with TLS, HTTPS
with a redirect where ingress-nginx would redirect, and uses a TLS 1.2+ policy.

Routing is converted per host across every input, because that is how ingress-nginx builds it: one
``rewrite-target`` or ``use-regex`` on any Ingress of a host turns every path of that host into a
case-insensitive regex anchored at the start (see ``albops.routes``). Each nginx location becomes an
ALB path in nginx's own order, as a regex path condition (letters widened to ``[aA]`` so case does
not matter) plus a ``transforms`` URL rewrite that yields the same upstream path, or is reported as
not converted with the reason. Ingresses that share a host get ``group.order`` values where the
default order would let the wrong rule match first.

Every ingress-nginx annotation ends up in the report: converted, approximated (with how), or not
converted (with why); none is dropped silently.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from albops.migrate.annotations import (
    CONTROLLER_KEYS,
    GLOBAL_DEFAULTS,
    convert_ingress,
    group_settings,
    report_unreported,
    split_plain_http,
)
from albops.migrate.catalogue import configmap_finding
from albops.migrate.emit import dump, emit_source, paths_by_source
from albops.migrate.hosts import one_label_hosts, order_rules
from albops.migrate.install import controller_classes, leave_out_install, read_install, watches_classless
from albops.migrate.install_prefix import hold_mismatched, install_prefix
from albops.migrate.planning import case_insensitive, route
from albops.migrate.prefixes import read_under_prefix
from albops.migrate.protection import (
    class_options,
    existing_members_first,
    params_override,
    report_install,
    split_schemes,
)
from albops.migrate.reading import (
    LEGACY_CLASS,
    Options,
    Source,
    display,
    ingress_class,
    is_nginx_ingress,
    kubernetes_kind,
    nginx_classes,
    nginx_ingresses,
    objects,
    strip_server_fields,
    upgrade_ingress,
)
from albops.migrate.report import Finding, Report
from albops.migrate.routes import (
    ALB,
    NGINX,
    RULE_CONDITION_VALUES,
    RULE_WILDCARDS,
    condition_values,
    listen_ports,
    rule_wildcards,
)
from albops.migrate.shards import AlbGroups, shard_groups
from albops.migrate.timeouts import group_timeouts

__all__ = ["Finding", "Options", "Report", "case_insensitive", "dump", "migrate"]


def _drop_rules_over_the_condition_limit(source: Any, report: Report) -> None:
    """Never emit a rule the ALB refuses: a path whose rule would hold more than 5 condition values is left out."""
    for rule in (source.converted.get("spec") or {}).get("rules") or []:
        http = rule.get("http")
        if not http:
            continue
        host = str(rule.get("host") or "")
        regex_paths = source.annotations.get(ALB + "use-regex-path-match") == "true"
        kept = []
        for path in http.get("paths") or []:
            count = condition_values(source.annotations, host, path)
            wildcards = rule_wildcards(host, path, regex_paths)
            if count <= RULE_CONDITION_VALUES and wildcards <= RULE_WILDCARDS:
                kept.append(path)
                continue
            if count <= RULE_CONDITION_VALUES:
                report.add(
                    source.name,
                    f"path {path.get('path')!r}",
                    "not-converted",
                    f"its ALB rule would hold {wildcards} wildcards in its host and path values; an ALB rule takes "
                    f"{RULE_WILDCARDS}, and the controller would stop reconciling the whole group; left out",
                )
                continue
            report.add(
                source.name,
                f"path {path.get('path')!r}",
                "not-converted",
                f"its ALB rule would hold {count} condition values (host, path values and conditions together); an "
                f"ALB rule takes {RULE_CONDITION_VALUES}, and the controller would stop reconciling the whole group; "
                "left out",
            )
        http["paths"] = kept


def _routes_nothing(source: Any) -> bool:
    """Drops the rules left with no path and says whether the Ingress has neither a rule nor a default backend.

    The API server refuses both an empty ``paths`` and an Ingress with neither (Kubernetes
    pkg/apis/networking/validation); every path of it may have been left out above, each with its finding.
    """
    spec = source.converted.get("spec") or {}
    if spec.get("rules") is not None:
        spec["rules"] = [r for r in spec["rules"] if "http" not in r or (r["http"] or {}).get("paths")]
    return not spec.get("rules") and not spec.get("defaultBackend")


def _inbound_cidrs_beside_members(
    sources: list[Source],
    members: list[tuple[str, dict[str, Any]]],
    report: Report,
    group_of: Callable[[Source], str | None],
) -> None:
    """A listen port's inbound-cidrs are those of the first member that has them, a member without them passed
    over, another set failing the group (v3.5.0 model_builder.go mergeListenPortConfigs). A converted Ingress
    with inbound-cidrs in a group an input ALB Ingress joins (a shard <group>-N already in use, or the group its
    class's params name) would refuse that Ingress's clients; an input member's inbound-cidrs on a port a
    converted Ingress listens on would refuse the converted one's clients outside them. Either is held back
    rather than cut someone off."""
    joined: dict[str, list[tuple[str, dict[int, str], list[str]]]] = {}
    for group, obj in members:
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        try:
            ports = listen_ports(annotations)
        except ValueError:
            ports = {}
        cidrs = [c.strip() for c in str(annotations.get(ALB + "inbound-cidrs") or "").split(",") if c.strip()]
        joined.setdefault(group, []).append((display(obj), ports, cidrs))
    for source in sources:
        group = group_of(source) or ""
        if source.canary or group not in joined:
            continue
        if ALB + "inbound-cidrs" in source.annotations:
            names = ", ".join(name for name, _, _ in joined[group])
            report.add(
                source.name,
                ALB + "inbound-cidrs",
                "not-converted",
                f"it is in ALB group {group!r} (--shards or its class's params put it there), which {names} of the "
                "input also joins: the inbound-cidrs written for its allow-list would refuse that Ingress's clients "
                "too; pass another --group, or move that Ingress out of the group",
            )
            report.hold(
                source.name, f"ALB group {group!r}: its inbound-cidrs would refuse the existing members' clients"
            )
            continue
        try:
            mine = set(listen_ports(source.annotations))
        except ValueError:
            continue
        for name, ports, cidrs in joined[group]:
            shared = sorted(mine & set(ports))
            if not cidrs or not shared or _within(source.allow, cidrs):
                continue
            report.add(
                source.name,
                ALB + "inbound-cidrs",
                "not-converted",
                f"ALB group {group!r} holds {name} of the input, whose inbound-cidrs ({', '.join(cidrs)}) the "
                f"controller applies to the group's listener on port {', '.join(map(str, shared))}: this Ingress's "
                "clients outside them could not connect; pass another --group, or give that Ingress no inbound-cidrs",
            )
            report.hold(
                source.name, f"ALB group {group!r}: an existing member's inbound-cidrs would refuse its clients"
            )
            break


def _within(allowed: tuple[str, ...], cidrs: list[str]) -> bool:
    """Whether every range of an allow-list lies inside one of ``cidrs`` (an empty allow-list: every client)."""
    import ipaddress

    try:
        nets = [ipaddress.ip_network(c, strict=False) for c in cidrs]
        return bool(allowed) and all(
            any(
                ip.version == net.version and ip.subnet_of(net)  # type: ignore[arg-type]
                for net in nets
            )
            for ip in (ipaddress.ip_network(a, strict=False) for a in allowed)
        )
    except ValueError:
        return False


def _unknown_class_members(
    live: list[dict[str, Any]],
    members: list[tuple[str, dict[str, Any]]],
    sources: list[Source],
    documents: list[Any],
    report: Report,
) -> None:
    """An input Ingress that names a group written here but whose IngressClass the input does not hold (nor is
    it 'alb'): whether the controller serves it, and so whether it joins the group, is not known here; said
    rather than taken as none."""
    counted = {id(obj) for _, obj in members}
    written = {str(s.annotations.get(ALB + "group.name")) for s in sources if not s.canary}
    known = {
        str((o.get("metadata") or {}).get("name"))
        for o in objects(documents)
        if isinstance(o, dict) and o.get("kind") == "IngressClass" and isinstance(o.get("metadata"), dict)
    }
    for obj in live:
        metadata = obj.get("metadata")
        annotations = (metadata.get("annotations") if isinstance(metadata, dict) else None) or {}
        spec = obj.get("spec")
        cls = spec.get("ingressClassName") if isinstance(spec, dict) else None
        if id(obj) in counted or not isinstance(annotations, dict) or LEGACY_CLASS in annotations:
            continue
        group = annotations.get(ALB + "group.name")
        if group not in written or (isinstance(cls, str) and (cls in known or cls == "alb")):
            continue
        report.add(
            display(obj),
            ALB + "group.name",
            "approximated",
            f"names ALB group {group!r}, written here, but its class ({cls or 'none'}) is no IngressClass of the "
            "input: if the controller serves it (its IngressClass, or the cluster's default one), it is a member "
            "of the group, and its rules, order and redirect were not weighed; add its IngressClass to the input",
        )


def _being_deleted(obj: Any) -> bool:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    return isinstance(metadata, dict) and bool(metadata.get("deletionTimestamp"))


def migrate(documents: list[Any], options: Options, copy: bool = True) -> tuple[list[Any], Report]:
    report = Report(group=options.group)
    cluster_only: list[dict[str, Any]] = []  # --from-cluster: Ingresses no ingress-nginx install serves
    # A copy, unless the caller hands its documents over (the command does: a 50 MB input need not be held twice).
    output: list[Any] = json.loads(json.dumps(documents)) if copy else documents
    if options.side_by_side:
        from albops.migrate.side_by_side import input_ingresses

        # Every Ingress the input holds, those left out below included: a new name must not be any of them, or
        # applying the output would replace another team's Ingress.
        existing_names = input_ingresses(output)
    if options.from_cluster:  # every install is in the input: an Ingress none serves is not ingress-nginx's
        from albops.migrate.serving import install_notes, leave_out_unserved

        before = [obj for obj in objects(output) if kubernetes_kind(obj) == "Ingress"]
        leave_out_unserved(output, report, options.ingress_classes_unread)
        left = {id(obj) for obj in objects(output)}
        # Left out of the output but live in the cluster: the controller's own among them join its groups.
        cluster_only = [obj for obj in before if id(obj) not in left]
        install_notes(output, report)
    if not options.include_classless and watches_classless(output):
        options = dataclasses.replace(options, include_classless=True)
        report.add(
            "*",
            "--include-classless",
            "note",
            "an ingress-nginx controller in the input runs with --watch-ingress-without-class: Ingresses with no "
            "class are its too, and are converted",
        )
    classes = nginx_classes(output, options) | controller_classes(output)
    if options.side_by_side:
        from albops.migrate.side_by_side import load_balancers

        statuses = load_balancers(output)  # read before the server fields (status) are dropped
    passed: list[dict[str, Any]] = []  # the input's Ingresses passed through: some are the controller's
    # One being deleted is in no group (v3.5.0 group_loader.go loadGroupIDIfAnyHelper); read before the server
    # fields go.
    deleting = {id(obj) for obj in [*objects(output), *cluster_only] if _being_deleted(obj)}
    for obj in objects(output):
        strip_server_fields(obj, report)
        if obj.get("kind") == "Ingress" and kubernetes_kind(obj) is None:
            report.add(
                display(obj),
                "apiVersion",
                "note",
                f"skipped, passed through unchanged: {obj.get('apiVersion')!r} is not Kubernetes' Ingress "
                "(networking.k8s.io): another controller's object of that name",
            )
            report.passed_through.append(display(obj))
        elif obj.get("kind") == "Ingress":
            upgrade_ingress(obj, report)
            if not is_nginx_ingress(obj, options, classes):
                cls = ingress_class(obj)
                why = (
                    f"class {cls!r} is not one ingress-nginx serves here (add --nginx-class {cls} if it is)"
                    if cls
                    else "it has no class (add --include-classless if ingress-nginx serves it)"
                )
                report.add(display(obj), "ingress class", "note", f"skipped, passed through unchanged: {why}")
                report.passed_through.append(display(obj))
                passed.append(obj)
    places = list(nginx_ingresses(output, options, classes))
    options, other_prefix = install_prefix(output, options, report)
    for container, i in places:
        hold_mismatched(container[i], other_prefix, report)
        read_under_prefix(container[i], options, report)
    facts_of: dict[str, Any] = {}  # --from-cluster: per Ingress, the facts of the installs that serve it
    if options.from_cluster:
        from albops.migrate.serving import facts_per_ingress

        facts, facts_of = facts_per_ingress(output, options, report)
    else:
        facts = read_install(output, options, report)
    if options.side_by_side:
        from albops.migrate.side_by_side import stream_ports

        stream_ports(output, report)
        # Per Ingress, the load balancers of the installs that serve it (--from-cluster: exactly those; from files:
        # every install of its class), as their Services' status names them.
        old_lbs = {}
        for container, i in places:
            shown = display(container[i])
            refs = facts_of.get(shown, facts).lb_services.get(ingress_class(container[i]) or "", [])
            found = [statuses[ref] for ref in refs if ref in statuses]
            if found:
                old_lbs[shown] = ", ".join(dict.fromkeys(found))
    if not options.from_cluster:  # else facts_per_ingress said it per install
        report_install(options, facts, {ingress_class(c[i]) or "" for c, i in places}, report)
    per_class: dict[tuple[str | None, int], Options] = {}
    sources = []
    for container, i in places:
        own = facts_of.get(display(container[i]), facts)
        facts_key = (ingress_class(container[i]), id(own))
        if facts_key not in per_class:
            per_class[facts_key] = class_options(options, own, container[i], report)
        sources.append(convert_ingress(container[i], per_class[facts_key], report, own))
    # Not ALB Ingresses at all (ssl-passthrough, gRPC without HTTPS): out of the output, reported once each.
    excluded = [place for place, s in zip(places, sources, strict=True) if s.excluded]
    report.left_out.extend(s.name for s in sources if s.excluded)
    any_nginx = bool(places)
    kept = [(place, s) for place, s in zip(places, sources, strict=True) if not s.excluded]
    places, sources = [p for p, _ in kept], [s for _, s in kept]

    def written_as(name: str) -> str:
        """The name an Ingress is written under: --side-by-side renames the converted ones, and the controller
        orders a group's members by it (namespace/name) where group.order does not."""
        if not options.side_by_side:
            return name
        from albops.migrate.side_by_side import new_name

        namespace, _, plain = name.partition("/")
        return f"{namespace}/{new_name(plain, options.name_suffix)}"

    paths = paths_by_source(route(sources, report, written_as))
    for source in sources:
        if not source.canary:
            # Popped: each source's planned paths are freed once written, so they and the output never
            # all exist at once.
            emit_source(source, paths.pop(source.name, {}), report)
    # The input's own ALB Ingresses (passed through) and the group each joins, as the controller reads it: its
    # class annotation or IngressClass, its IngressClassParams' group before group.name (another controller's
    # Ingress with a leftover group.name joins none). Read once the converted ones' class settings are known.
    live = [obj for obj in [*passed, *cluster_only] if id(obj) not in deleting]
    alb_groups = AlbGroups(output, options)
    members = alb_groups.members(live) if options.to == "ingress" else []
    if options.to == "ingress":
        _unknown_class_members(live, members, sources, output, report)
    split_plain_http(sources, report, members, alb_groups.of)
    split_schemes(sources, report)
    # The groups (as written here) an input ALB Ingress also joins, matched by the group the controller puts each
    # converted Ingress in (its class's params may name another; EKS Auto Mode's groups are apart).
    joined = {group for group, _ in members}
    shared = frozenset(str(s.annotations.get(ALB + "group.name")) for s in sources if alb_groups.of(s) in joined)
    group_settings(sources, report, shared)
    empty = set()
    for source in sources:
        if not source.canary:
            _drop_rules_over_the_condition_limit(source, report)
            if _routes_nothing(source):
                empty.add(source.name)
    written = {s.name for s in sources if not s.canary and s.name not in empty}
    refused = shard_groups(sources, written, output, options, report) if options.to == "ingress" else set()
    if options.to == "ingress":
        # Once the groups are final (--shards moves Ingresses to <group>-N, where the input's may be already).
        existing_members_first(sources, members, report, alb_groups.of, written_as)
        _inbound_cidrs_beside_members(sources, members, report, alb_groups.of)
    group_timeouts(sources, report)
    if options.to == "ingress":
        for source in sources:
            if source.name in written:
                order_rules(source, report)
                one_label_hosts(source, report)
    if options.to == "ingress":
        params_override(sources, output, options, report)
    gone = []
    unprotected = set(report.unprotected)
    unmatched = {f.ingress for f in report.findings if f.annotation == NGINX + "canary" and f.status == "not-converted"}
    for (container, i), source in zip(places, sources, strict=True):
        report.ingress_group[source.name] = str(source.annotations.get(ALB + "group.name", options.group))
        if source.name in unprotected and not options.allows_unprotected(source.name):
            report.held_back.append(source.name)
            gone.append((container, i))
            continue
        if source.canary:
            gone.append((container, i))
            if source.name in unmatched:  # a canary of no converted host and path: carried nowhere
                report.left_out.append(source.name)
                continue
            report.add(source.name, NGINX + "canary", "note", "folded into the Ingress it shadows; not in the output")
            report.folded.append(source.name)
            continue
        if source.name in empty:
            gone.append((container, i))
            report.left_out.append(source.name)
            report.add(
                source.name,
                "spec.rules",
                "not-converted",
                "nothing of it is left to route (every path was left out, as its findings say, and it has no "
                "defaultBackend); not in the output, since the API server refuses an Ingress with neither",
            )
            continue
        source.converted["metadata"]["annotations"] = source.annotations
        container[i] = source.converted
        report.converted.append(source.name)
    # Index order, last first: deleting from a container never moves an index still to delete.
    for container, i in sorted(gone + excluded, key=lambda place: place[1], reverse=True):
        del container[i]
    # After the Ingresses' places are used: this deletes from the same containers.
    leave_out_install(output, facts, report)
    report.converted = [name for name in report.converted if name not in refused]  # over a quota: not written
    report_unreported(sources, report)
    if not any_nginx:
        seen = sorted({ingress_class(o) or "(none)" for o in objects(output) if kubernetes_kind(o) == "Ingress"})
        report.add(
            "*",
            "input",
            "not-converted",
            "no ingress-nginx Ingress in the input"
            + (f"; Ingress classes seen: {', '.join(seen)}" if seen else "; it holds no Ingress")
            + f" (ingress-nginx classes here: {', '.join(sorted(classes))}; see --nginx-class, --include-classless)",
        )
    if report.converted and options.group == "migrated":
        report.add_group(
            "migrated", "group", "note", "no --group given: every converted Ingress joins ALB group 'migrated'"
        )
    if options.controller_config:
        read = (*GLOBAL_DEFAULTS, *CONTROLLER_KEYS)
        used = sorted(k for k in options.controller_config if k in read)
        ignored = sorted(k for k in options.controller_config if k not in read)
        if used:
            report.add("*", "--controller-config", "note", "defaults taken from it: " + ", ".join(used))
        for key in ignored:
            report.add("*", f"--controller-config {key}", *configmap_finding(key, str(options.controller_config[key])))
    if options.side_by_side:
        from albops.migrate.side_by_side import side_by_side

        side_by_side(output, report, options.name_suffix, existing_names, old_lbs, options.cutover_flags)
    if options.to == "gateway":
        from albops.migrate.gateway import to_gateway

        output = to_gateway(output, sources, report, options)
    # Nothing is written that the API server or the controller would refuse (albops.migrate.validating).
    from albops.migrate.validating import validate_output

    validate_output(output, report, sources)
    report.record_output(str(o.get("kind")) for o in objects(output))
    return output, report
