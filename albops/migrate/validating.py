"""The last step of ``migrate``: what it would write goes through the project's one validator
(``components.validation``) first, the way the API server and the controller will check it.

An object the validator refuses is never written: it is left out and reported as not converted, naming the
field and the rule. A rule the members of an ALB group must agree on fails the whole group (the controller
stops reconciling every member), so then nothing at all is written: the group is held back (exit 3), and
``migrate | kubectl apply -f -`` applies nothing rather than a set that breaks the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from albingress.policies.validation import validate
from albops.migrate.reading import Source, display, places
from albops.migrate.report import Report


def _route_sources(route: dict[str, Any], sources: Sequence[Source]) -> list[str]:
    """The converted Ingresses an HTTPRoute or GRPCRoute serves (same namespace, a host in its hostnames): a
    route left out means they are not converted, whatever the summary said before."""
    meta: dict[str, Any] = route["metadata"] if isinstance(route.get("metadata"), dict) else {}
    namespace = meta.get("namespace") or "default"
    spec: dict[str, Any] = route["spec"] if isinstance(route.get("spec"), dict) else {}
    hostnames = set(spec.get("hostnames") or []) if isinstance(spec.get("hostnames"), list) else set()
    found = []
    for source in sources:
        smeta = source.converted.get("metadata") or {}
        rules = (source.converted.get("spec") or {}).get("rules") or []
        hosts = {r.get("host") for r in rules if isinstance(r, dict)}
        if (smeta.get("namespace") or "default") == namespace and hosts & hostnames:
            found.append(source.name)
    return found


def validate_output(output: list[Any], report: Report, sources: Sequence[Source] = ()) -> None:
    """Leave out of ``output`` every object the validator refuses, and hold everything back on a group rule."""
    found = list(places(output))
    problems = validate(container[i] for container, i in found)
    refused: set[int] = set()
    for problem in problems:
        obj = found[problem.index][0][found[problem.index][1]]
        name = display(obj) if isinstance(obj, dict) else problem.document
        if problem.group is not None:
            why = f"ALB group {problem.group!r} would not reconcile: a rule its members must agree on fails"
            members = [n for n, g in report.ingress_group.items() if g == problem.group and n in report.converted]
            for member in members or [f"ALB group {problem.group!r}"]:
                report.hold(member, why)
            report.add(
                name,
                problem.field,
                "not-converted",
                f"{problem.rule}; {problem.fix}. Nothing was written: the group would not reconcile",
            )
            continue
        refused.add(problem.index)
        report.add(
            name,
            problem.field,
            "not-converted",
            f"{problem.rule}; {problem.fix}. Not written: the API server or the controller would refuse it, or "
            "not serve it as written",
        )
    for index in sorted(refused, reverse=True):
        container, i = found[index]
        obj = container[i]
        if isinstance(obj, dict) and display(obj) in report.converted:
            report.converted.remove(display(obj))
            if obj.get("kind") == "Ingress":
                # Not in the output at all: counted as not converted, and no longer a member of its ALB group.
                report.left_out.append(display(obj))
                report.ingress_group.pop(display(obj), None)
        if isinstance(obj, dict) and obj.get("kind") in ("HTTPRoute", "GRPCRoute"):
            for name in _route_sources(obj, sources):
                if name in report.converted:
                    report.converted.remove(name)
                    report.add(name, "--to gateway", "not-converted", f"its {display(obj)} was not written (above)")
        del container[i]
