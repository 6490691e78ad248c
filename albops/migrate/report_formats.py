"""The report as text (stderr, the default), markdown (a table per Ingress, for a review or a ticket) and JSON.

All three say the same things in the same order, and the same input gives the same bytes: everything
here iterates lists in the order findings were made, never a set. Group findings are rendered once per
group; a member's pointer line to one (``Finding.group``) shows only in that member's markdown table
and JSON entry, where it tells the reader which group finding concerns it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from albops.migrate.report import (
    LOST_PROTECTION_REASON,
    OUTCOME_NEXT,
    OUTCOMES,
    SEVERITIES,
    Finding,
    GroupFinding,
    Report,
)

FORMATS = ("text", "markdown", "json")

# The JSON report's shape; raised when a key changes meaning or goes away (docs/migrate.md documents it).
JSON_VERSION = 2


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def stdout_line(report: Report) -> str:
    """What went to stdout: the first thing a person piping the output needs to know."""
    if report.held_back:
        return "nothing written to stdout: " + "; ".join(
            f"{_plural(len(names), 'Ingress', 'Ingresses')} held back ({reason})"
            for reason, names in report.held_reasons().items()
        )
    total = sum(report.written.values())
    if not total:
        return "nothing written to stdout: the output holds no object"
    kinds = ", ".join(f"{count} {kind}" for kind, count in report.written.items())
    return f"wrote {_plural(total, 'object')} to stdout: {kinds}"


def outcomes_line(report: Report) -> str:
    parts = [f"{count} {OUTCOMES[outcome]}" for outcome, count in report.outcomes().items() if count]
    prefix = "Ingresses (none written while any is held back)" if report.held_back else "Ingresses"
    return f"{prefix}: {', '.join(parts) or 'none in the input'}"


def groups_line(report: Report) -> str | None:
    members: dict[str, int] = {}
    for group in report.ingress_group.values():
        members[group] = members.get(group, 0) + 1
    if not members:
        return None
    return "ALB groups: " + ", ".join(
        f"{group!r} ({_plural(n, 'Ingress', 'Ingresses')})" for group, n in members.items()
    )


def verdict(report: Report, fail_on: str) -> str:
    """The last line: what the exit code is and why (held back: 3, whatever --fail-on says)."""
    counts = ", ".join(
        _plural(count, "note") if severity == "note" else f"{count} {severity}"
        for severity, count in report.severities().items()
        if count
    )
    found = f"findings: {counts}; " if counts else ""
    if report.held_back:
        return f"{found}exit 3: held back, nothing written (--fail-on does not change that)"
    if report.exact:
        return f"everything converted exactly; {found}exit 0"
    if report.fails(fail_on):
        return f"{found}exit 1: a finding at or above --fail-on {fail_on}"
    return f"{found}exit 0: nothing at or above --fail-on {fail_on}"


def _by_severity(report: Report) -> list[Finding | GroupFinding]:
    """Per-Ingress findings (not pointers) and group findings, most serious first, otherwise as found."""
    listed: list[Finding | GroupFinding] = [f for f in report.findings if not f.group]
    listed += report.group_findings
    return sorted(listed, key=lambda f: SEVERITIES.index(f.severity))


def text_lines(report: Report, fail_on: str) -> Iterator[str]:
    yield stdout_line(report)
    yield outcomes_line(report)
    groups = groups_line(report)
    if groups:
        yield groups
    if report.side_by_side is not None:
        yield from _side_by_side_text(report.side_by_side)
    for finding in _by_severity(report):
        yield f"  {finding.line()}"
    for reason, names in report.held_reasons().items():
        if reason == LOST_PROTECTION_REASON:
            yield (
                f"held back (would lose their protection): {', '.join(names)}; nothing was written to "
                "stdout. Carry the protection over as each line says, or release one Ingress with "
                "--allow-unprotected-ingress NS/NAME (all of them: --allow-unprotected)"
            )
        else:
            yield f"held back ({reason}): {', '.join(names)}; nothing was written to stdout"
    yield verdict(report, fail_on)


def _side_by_side_text(rows: list[dict[str, str]]) -> Iterator[str]:
    """--side-by-side: per host, where it is served now, where it will be, and the next command."""
    yield f"side by side: {_plural(len(rows), 'host')} served by both until DNS moves"
    for row in rows:
        yield (
            f"  {row['host']}: old load balancer {row['oldLoadBalancer']}; ALB group {row['albGroup']!r} "
            f"(Ingress {row['albIngress']}); next: {row['next']}"
        )


def _finding_json(finding: Finding) -> dict[str, str]:
    return {
        "setting": finding.annotation,
        "status": finding.status,
        "severity": finding.severity,
        "detail": finding.shown,
        "next": finding.next,
        "group": finding.group,
    }


def as_json(report: Report, fail_on: str) -> dict[str, Any]:
    """The JSON report (docs/migrate.md, "JSON report"): stable keys, lists in the order found."""
    outcome_of = report.outcome_of()
    per_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        per_subject.setdefault(finding.ingress, []).append(finding)
    ingresses = [
        {
            "name": name,
            "outcome": outcome,
            "group": report.ingress_group.get(name, ""),
            "next": OUTCOME_NEXT[outcome],
            "findings": [_finding_json(f) for f in per_subject.get(name, [])],
        }
        for name, outcome in outcome_of.items()
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for g in report.group_findings:
        groups.setdefault(g.group, []).append(
            {
                "setting": g.key,
                "status": g.status,
                "severity": g.severity,
                "detail": g.detail,
                "next": g.next,
                "ingresses": list(g.ingresses),
            }
        )
    objects = [
        {"name": name, "findings": [_finding_json(f) for f in found]}
        for name, found in per_subject.items()
        if name != "*" and name not in outcome_of
    ]
    shape: dict[str, Any] = {
        "version": JSON_VERSION,
        "group": report.group,
        "stdout": {"written": bool(report.written), "objects": sum(report.written.values()), "kinds": report.written},
        "outcomes": report.outcomes(),
        "severities": report.severities(),
        "failOn": fail_on,
        "fails": report.fails(fail_on),
        "ingresses": ingresses,
        "groups": [{"group": group, "findings": found} for group, found in groups.items()],
        "input": [_finding_json(f) for f in per_subject.get("*", [])],
        "objects": objects,
        # The version 1 keys, unchanged: converted is the ingress-nginx Ingresses written (or that would be
        # written but for a held-back one), findings every per-Ingress line in the order found.
        "converted": report.converted,
        "heldBack": report.held_back,
        # Why each was held back, by reason (a lost protection, a group that would not reconcile).
        "heldBackReasons": report.held_reasons(),
        "exact": report.exact,
        "findings": [f.as_dict() for f in report.findings],
    }
    if report.side_by_side is not None:
        # Only with --side-by-side: per host, the old load balancer, the ALB group and the next command.
        shape["sideBySide"] = report.side_by_side
    return shape


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~#"})


def _md(text: str) -> str:
    """Prose for a table cell: markdown punctuation escaped, line breaks kept inside the cell."""
    return text.translate(_MARKDOWN_SPECIAL).replace("\r", "").replace("\n", "<br>")


def _md_code(text: str) -> str:
    """A key or name as code: pipes still need escaping inside a table (GFM), a backtick falls back to prose."""
    if "`" in text or "\n" in text:
        return _md(text)
    return "`" + text.replace("|", "\\|") + "`"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_lines(report: Report, fail_on: str) -> Iterator[str]:
    outcome_of = report.outcome_of()
    yield "# albops migrate report"
    yield ""
    yield f"- **stdout:** {_md(stdout_line(report))}"
    groups = groups_line(report)
    if groups:
        yield f"- **ALB groups:** {_md(groups.removeprefix('ALB groups: '))}"
    yield f"- **result:** {_md(verdict(report, fail_on))}"
    yield ""
    yield _row("outcome", "Ingresses", "next step")
    yield _row("---", "---:", "---")
    for outcome, count in report.outcomes().items():
        if count:
            yield _row(_md(OUTCOMES[outcome]), str(count), _md(OUTCOME_NEXT[outcome]))
    if report.side_by_side is not None:
        yield ""
        yield "## Side by side"
        yield ""
        yield _row("host", "old load balancer", "ALB group", "ALB Ingress", "next command")
        yield _row("---", "---", "---", "---", "---")
        for r in report.side_by_side:
            yield _row(
                _md_code(r["host"]),
                _md(r["oldLoadBalancer"]),
                _md_code(r["albGroup"]),
                _md_code(r["albIngress"]),
                _md_code(r["next"]),
            )
    order = {outcome: i for i, outcome in enumerate(OUTCOMES)}
    per_subject: dict[str, list[Finding]] = {}
    for finding in report.findings:
        per_subject.setdefault(finding.ingress, []).append(finding)
    if per_subject.get("*"):
        yield ""
        yield "## The whole input"
        yield from _finding_table(per_subject["*"])
    groups_found: dict[str, list[GroupFinding]] = {}
    for g in report.group_findings:
        groups_found.setdefault(g.group, []).append(g)
    for group, found in groups_found.items():
        yield ""
        yield f"## ALB group {_md_code(group)}"
        yield ""
        yield _row("setting", "status", "what happened", "Ingresses", "next step")
        yield _row("---", "---", "---", "---", "---")
        for g in sorted(found, key=lambda f: SEVERITIES.index(f.severity)):
            members = ", ".join(_md_code(name) for name in g.ingresses) or "the group"
            yield _row(_md_code(g.key), g.status, _md(g.detail), members, _md(g.next))
    for name in sorted(outcome_of, key=lambda n: order[outcome_of[n]]):
        outcome = outcome_of[name]
        yield ""
        yield f"## Ingress {_md_code(name)}: {_md(OUTCOMES[outcome])}"
        yield ""
        joins = report.ingress_group.get(name)
        where = f"ALB group {_md_code(joins)}. " if joins else ""
        yield f"{where}Next step: {_md(OUTCOME_NEXT[outcome])}."
        yield from _finding_table(per_subject.get(name, []))
    others = [name for name in per_subject if name != "*" and name not in outcome_of]
    if others:
        yield ""
        yield "## Other objects"
        yield ""
        yield _row("object", "setting", "status", "what happened")
        yield _row("---", "---", "---", "---")
        for name in others:
            for f in per_subject[name]:
                yield _row(_md_code(name), _md_code(f.annotation), f.status, _md(f.detail))


def _finding_table(found: list[Finding]) -> Iterator[str]:
    if not found:
        return
    yield ""
    yield _row("setting", "status", "what happened", "next step")
    yield _row("---", "---", "---", "---")
    for f in sorted(found, key=lambda f: SEVERITIES.index(f.severity)):
        yield _row(_md_code(f.annotation), f.status, _md(f.shown), _md(f.next))


def render_lines(report: Report, fmt: str, fail_on: str) -> Iterator[str]:
    """The report in ``fmt`` (one of FORMATS), a line at a time."""
    if fmt == "markdown":
        yield from markdown_lines(report, fail_on)
    elif fmt == "json":
        import json

        yield json.dumps(as_json(report, fail_on), indent=2)
    else:
        yield from text_lines(report, fail_on)
