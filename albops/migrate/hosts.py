"""Wildcard hosts on an ALB as ingress-nginx served them: one label deep, after every exact host.

ingress-nginx (controller-v1.15.1, internal/ingress/controller/template/template.go buildServerName)
writes ``*.example.com`` as the server name regex ``~^(?<subdomain>[\\w-]+)\\.example\\.com$``: ONE label of
letters, digits, ``_`` and ``-``; and nginx picks an exact ``server_name`` before any regex one (nginx
docs, "Server names": exact name, then wildcards, then regexes in order). An ALB host value ``*`` matches any
run of characters, dots included (``a.b.example.com`` too), and the controller (v3.5.0) builds rules in the
order of the group's Ingresses (group.order, then namespace/name: pkg/ingress/group_loader.go
sortGroupMembers) and, within an Ingress, in the order of its ``spec.rules``
(model_build_listener_rules.go).

So for ``--to ingress``: an Ingress's exact-host rules are written before its wildcard ones, Ingresses with
an exact host a wildcard covers get a lower group.order (``wildcard_edges``, used by planning), and each
wildcard rule becomes a rule without a host whose backend carries a ``host-header`` condition with
``regexValues`` matching one label (pkg/ingress/config_types.go HostHeaderConditionConfig has
``regexValues``; buildRuleConditions refuses a rule that has both a host and host regexValues, hence the
hostless rule). The regex counts as the one host value the rule had (5 condition values per rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from albingress.facts.go_values import go_json_field
from albops.migrate.names import backend_name
from albops.migrate.reading import Source, compact
from albops.migrate.report import Report
from albops.migrate.routes import ALB, alb_conditions, wildcard_regex

# ALB condition values, regexes included, are at most 128 characters.
CONDITION_LIMIT = 128
# nginx's [\w-] without Unicode: ASCII letters, digits, '_' and '-'.
ONE_LABEL = "[a-zA-Z0-9_-]+"
# An ALB host-header regex sees the Host header as sent, with a port when the client names one; nginx
# compares the host without it.
PORT = "(:[0-9]+)?"


def host_regex(host: str) -> str | None:
    """The ALB regex matching what nginx's server name for ``host`` (``*.suffix``) matches, or None if too long.

    Letters become ``[aA]``: nginx compares the lower-cased host, and the ALB is not documented to ignore
    case in a regex.
    """
    suffix = host.removeprefix("*")
    body = "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "\\." if c == "." else c for c in suffix)
    regex = f"^{ONE_LABEL}{body}{PORT}$"
    return regex if len(regex) <= CONDITION_LIMIT else None


def alb_covers(wildcard: str, host: str) -> bool:
    """Whether the ALB host value ``wildcard`` matches ``host`` (``*`` crossing dots)."""
    return re.match(wildcard_regex(wildcard), host, re.IGNORECASE) is not None


def wildcard_edges(hosts_of: Mapping[str, Iterable[str]]) -> set[tuple[str, str]]:
    """(exact-host Ingress, wildcard Ingress) pairs: the first must come before the second in the group.

    ``hosts_of`` maps each Ingress (namespace/name) to the hosts it routes.
    """
    exact = [(name, host) for name, hosts in hosts_of.items() for host in hosts if host and not host.startswith("*")]
    wild = [(name, host) for name, hosts in hosts_of.items() for host in hosts if host.startswith("*")]
    return {(e, w) for e, host in exact for w, pattern in wild if e != w and alb_covers(pattern, host)}


def _rank(rule: Any) -> int:
    host = str(rule.get("host") or "") if isinstance(rule, Mapping) else ""
    return 2 if not host else 1 if host.startswith("*") else 0


def order_rules(source: Source, report: Report) -> None:
    """Exact hosts first, then wildcard hosts, then the host-less rules, as nginx picks its servers."""
    rules = (source.converted.get("spec") or {}).get("rules")
    if not rules:
        return
    ordered = sorted(rules, key=_rank)
    if ordered != rules:
        source.converted["spec"]["rules"] = ordered
        report.add(
            source.name,
            "spec.rules",
            "note",
            "reordered: exact hosts, then wildcard hosts, then rules without a host, the order nginx picks "
            "servers in (the ALB tries an Ingress's rules as written)",
        )


def one_label_hosts(source: Source, report: Report) -> None:
    """Each wildcard rule as a host-less rule whose backends require the host to match one label."""
    spec = source.converted.get("spec") or {}
    tls_hosts = {
        str(h) for entry in spec.get("tls") or [] if isinstance(entry, Mapping) for h in entry.get("hosts") or []
    }
    for rule in spec.get("rules") or []:
        host = str(rule.get("host") or "")
        if not host.startswith("*.") or not (rule.get("http") or {}).get("paths"):
            continue
        regex = host_regex(host)
        if regex is None:
            report.add(
                source.name,
                f"host {host}",
                "approximated",
                f"kept as the ALB host {host}, which also matches a.b{host[1:]} (the ALB's '*' crosses dots; "
                f"ingress-nginx matched one label): its one-label regex exceeds the {CONDITION_LIMIT}-character limit",
            )
            continue
        # The controller merges every host-header condition of a rule into one, its values OR'd, and refuses one
        # holding values and regexValues together (buildRuleConditions): beside a backend's own host-header
        # condition the one-label regex would widen the rule or stop the group, and conditions it cannot read stop
        # the group anyway. Such a rule keeps its host.
        kept = _host_conditions_in_the_way(source, rule["http"]["paths"])
        if kept:
            report.add(
                source.name,
                f"host {host}",
                "approximated",
                f"kept as the ALB host {host}, which also matches a.b{host[1:]} (the ALB's '*' crosses dots; "
                f"ingress-nginx matched one label): {kept}",
            )
            continue
        condition = {"field": "host-header", "hostHeaderConfig": {"regexValues": [regex]}}
        for path in rule["http"]["paths"]:
            service = path["backend"]["service"]
            name = str(service["name"])
            port = service.get("port") or {}
            if port.get("name") == "use-annotation":
                action = source.annotations[ALB + f"actions.{name}"]
            else:
                target = {"serviceName": name, "servicePort": port.get("number", port.get("name"))}
                action = compact({"type": "forward", "forwardConfig": {"targetGroups": [target]}})
            conditions = alb_conditions(source.annotations, name) or []  # readable: checked above
            transforms = source.annotations.get(ALB + f"transforms.{name}")
            written = compact([condition, *conditions])
            new = backend_name(
                source.name, name, port.get("number", port.get("name")), "host", f"{action}|{written}|{transforms}"
            )
            source.annotations[ALB + f"actions.{new}"] = action
            source.annotations[ALB + f"conditions.{new}"] = written
            if transforms is not None:
                source.annotations[ALB + f"transforms.{new}"] = transforms
            path["backend"] = {"service": {"name": new, "port": {"name": "use-annotation"}}}
        del rule["host"]
        if spec.get("tls") and host not in tls_hosts and ALB + "certificate-arn" not in source.annotations:
            # Certificate discovery reads rule and TLS hosts (model_build_listener.go,
            # computeIngressInferredTLSCertARNs): keep the host in it.
            spec["tls"][0].setdefault("hosts", []).append(host)
            tls_hosts.add(host)
        report.add(
            source.name,
            f"host {host}",
            "converted",
            f"as a rule without a host whose backends require the host header to match {regex} (one label, as "
            "ingress-nginx's server name regex; the ALB's '*' would also match a.b" + host[1:] + ")",
        )


def _host_conditions_in_the_way(source: Source, paths: list[Any]) -> str | None:
    """Why a wildcard rule's backends cannot take the one-label host regex as a condition, or None."""
    for path in paths:
        service = (path.get("backend") or {}).get("service") or {}
        name = str(service.get("name"))
        annotated = (service.get("port") or {}).get("name") == "use-annotation"
        if annotated and ALB + f"actions.{name}" not in source.annotations:
            # The controller answers such a path with a 503 (the validator says so): nothing to carry over.
            return f"its backend {name!r} is use-annotation without {ALB}actions.{name}"
        conditions = alb_conditions(source.annotations, name)
        if conditions is None:
            return f"{ALB}conditions.{name} is not a list of conditions the controller reads"
        if any(go_json_field(c, "field") == "host-header" for c in conditions):
            return (
                f"{ALB}conditions.{name} has a host-header condition of its own, which the controller would merge "
                "with the host regex (either matching)"
            )
    return None


def report_fallthrough(catch_all: Mapping[str, tuple[str, bool]], report: Report) -> None:
    """Exact hosts without a ``/`` location that a wildcard host covers: a request on a path the exact host
    does not route reaches the wildcard's rules on the ALB, where nginx answered it from the exact host's
    server (404 from its default backend). ``catch_all`` maps each host to (its first Ingress, whether it
    has a ``/`` location)."""
    wildcards = sorted(h for h in catch_all if h.startswith("*."))
    for host, (first, covered) in sorted(catch_all.items()):
        if covered or not host or host.startswith("*"):
            continue
        for wildcard in wildcards:
            if alb_covers(wildcard, host):
                report.add(
                    first,
                    f"host {host}",
                    "approximated",
                    f"it has no '/' path, so a request for a path it does not route falls through to the rules of "
                    f"{wildcard} (which match {host} on the ALB), where ingress-nginx answered 404 from {host}'s "
                    f"own server; add a '/' path to {host} to keep the 404",
                )
