"""The report: one finding per setting, with its status and severity; nothing is dropped silently.

Findings are about one Ingress (or another object), about one ALB group as a whole (``add_group``: the
idle timeout, the ssl-redirect split, inbound-cidrs, the group name), or about the whole input (keyed
``*``). Group findings are said once per group, where a per-Ingress line would repeat them for every
member; each member still gets a short line pointing at it, so per-Ingress checks (held back, every
annotation reported) see it. Rendering (text, markdown, JSON) is in ``albops.migrate.report_formats``.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# How much a finding matters, most first: an Ingress that lost its protection is never written.
SEVERITIES = ("lost-protection", "not-converted", "approximated", "note")

# The levels --fail-on takes: exit 1 when a finding at or above the level exists (a note never fails).
FAIL_ON = SEVERITIES[:3]

# What became of each Ingress of the input, most serious first; the summary counts them in this order.
OUTCOMES: dict[str, str] = {
    "held-back": "held back (a protection would be lost)",
    "refused": "held back (its ALB group would not reconcile)",
    "unprotected": "written without its protection (released)",
    "not-converted": "not converted (not in the output)",
    "partial": "converted in part (some settings not converted)",
    "approximated": "converted with approximations",
    "exact": "converted exactly",
    "passed-through": "passed through unchanged (not ingress-nginx's)",
}

# The next step for an Ingress of each outcome.
OUTCOME_NEXT: dict[str, str] = {
    "refused": "fix what its group's line says (--shards for a quota, one value for what members must agree on) "
    "and run migrate again",
    "held-back": "carry each lost protection over as its line says and run migrate again, or release it with "
    "--allow-unprotected-ingress NS/NAME once it may go unprotected",
    "unprotected": "carry each lost protection over before traffic moves: it is written without it",
    "not-converted": "route it another way or fix the input: it is not in the output",
    "partial": "do the not-converted settings by hand (or accept their loss), then apply",
    "approximated": "check each approximation is acceptable for the app, then apply",
    "exact": "apply",
    "passed-through": "nothing, unless ingress-nginx serves its class (then --nginx-class or --include-classless)",
}

# The next step for a finding of each status, where its caller gave none.
STATUS_NEXT: dict[str, str] = {
    "lost-protection": "carry the protection over as said, then run migrate again",
    "not-converted": "do it by hand as said, or accept its loss, before applying",
    "approximated": "check the difference is acceptable for the app",
    "note": "nothing, unless it names something to do first",
    "converted": "nothing",
}


class _Said:
    """What a per-Ingress finding and a group finding both answer from their status."""

    __slots__ = ()
    status: str
    next_step: str

    @property
    def severity(self) -> str:
        """One of SEVERITIES: what a converted setting still needs from a reader is a note."""
        return "note" if self.status == "converted" else self.status

    @property
    def next(self) -> str:
        return self.next_step or STATUS_NEXT.get(self.status, "")

    @property
    def said_status(self) -> str:
        """The status as a report line shows it after the line's ``[severity]``: only where it adds to it
        (``converted`` under ``[note]``), so no line reads "[note] ...: note: ..."."""
        return "" if self.status == self.severity else f"{self.status}: "


@dataclass(slots=True)
class Finding(_Said):
    ingress: str
    annotation: str
    status: str  # converted | approximated | not-converted | note | lost-protection
    detail: str
    # What the reader does about it; empty for the status's default (STATUS_NEXT).
    next_step: str = ""
    # The ALB group whose group-level finding (add_group) this member's line repeats, or "".
    group: str = ""

    @property
    def shown(self) -> str:
        """The detail as a member's line shows it: a group finding is said once, under its group."""
        return f"group-wide: see ALB group {self.group!r}, {self.annotation}" if self.group else self.detail

    def __str__(self) -> str:
        return f"{self.ingress}: {self.annotation}: {self.status}: {self.detail}"

    def line(self) -> str:
        """The text report's line, after its ``[severity]``."""
        return f"[{self.severity}] {self.ingress}: {self.annotation}: {self.said_status}{self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {
            "ingress": self.ingress,
            "annotation": self.annotation,
            "status": self.status,
            "detail": self.detail,
            "severity": self.severity,
            "next": self.next,
            "group": self.group,
        }


@dataclass(slots=True)
class GroupFinding(_Said):
    """A finding about an ALB group as a whole, said once whatever the number of its Ingresses."""

    group: str
    key: str
    status: str
    detail: str
    ingresses: list[str] = field(default_factory=list)  # the members it concerns, in the order added
    next_step: str = ""

    def __str__(self) -> str:
        members = f" (Ingresses: {', '.join(self.ingresses)})" if self.ingresses else ""
        return f"ALB group {self.group!r}: {self.key}: {self.status}: {self.detail}{members}"

    def line(self) -> str:
        """The text report's line, after its ``[severity]``."""
        members = f" (Ingresses: {', '.join(self.ingresses)})" if self.ingresses else ""
        return f"[{self.severity}] ALB group {self.group!r}: {self.key}: {self.said_status}{self.detail}{members}"


# Why an Ingress is held back unless Report.hold said otherwise.
LOST_PROTECTION_REASON = "a protection would be lost; see the lost-protection lines"


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass
class Report:
    group: str
    converted: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    # Ingresses not written because they would lose a protection (unless --allow-unprotected), or because
    # their ALB group would not reconcile (over a quota, or a rule its members must agree on): then nothing
    # at all is written. Why, per Ingress, in held_reason (absent: a lost protection).
    held_back: list[str] = field(default_factory=list)
    held_reason: dict[str, str] = field(default_factory=dict)

    # Findings about an ALB group as a whole (add_group), each once.
    group_findings: list[GroupFinding] = field(default_factory=list)
    # Ingresses of a class ingress-nginx does not serve here, written unchanged.
    passed_through: list[str] = field(default_factory=list)
    # Canary Ingresses folded into the Ingress they shadow (not written themselves).
    folded: list[str] = field(default_factory=list)
    # ingress-nginx Ingresses not in the output although nothing was held back (nothing left to route).
    left_out: list[str] = field(default_factory=list)
    # The ALB group each ingress-nginx Ingress joins (or would join), in input order.
    ingress_group: dict[str, str] = field(default_factory=dict)
    # Objects written to stdout by kind, in order of first appearance; empty when nothing is written.
    written: dict[str, int] = field(default_factory=dict)
    # add_group's findings by (group, key, status, detail), each with the set of its members.
    _group_index: dict[tuple[str, str, str, str], tuple[GroupFinding, set[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # With --side-by-side, per host: the old load balancer, the ALB group and the next command (None: not asked).
    side_by_side: list[dict[str, str]] | None = None

    @property
    def exact(self) -> bool:
        return all(f.status in ("converted", "note") for f in self.findings) and all(
            f.status in ("converted", "note") for f in self.group_findings
        )

    @property
    def unprotected(self) -> list[str]:
        """Every Ingress that loses a protection in conversion, in the order found."""
        return list(dict.fromkeys(f.ingress for f in self.findings if f.status == "lost-protection"))

    def add(self, ingress: str, annotation: str, status: str, detail: str, next_step: str = "") -> None:
        # Interned: a large input repeats the same lines for thousands of Ingresses; one string serves all.
        self.findings.append(Finding(ingress, sys.intern(annotation), status, sys.intern(detail), next_step))

    def hold(self, ingress: str, reason: str) -> None:
        """Hold ``ingress`` back for ``reason`` (not a lost protection): nothing at all is written, exit 3."""
        if ingress not in self.held_back:
            self.held_back.append(ingress)
        self.held_reason.setdefault(ingress, reason)

    def held_reasons(self) -> dict[str, list[str]]:
        """The held-back Ingresses by reason, a lost protection first, in the order held."""
        out: dict[str, list[str]] = {}
        for name in self.held_back:
            out.setdefault(self.held_reason.get(name, LOST_PROTECTION_REASON), []).append(name)
        return dict(sorted(out.items(), key=lambda item: item[0] != LOST_PROTECTION_REASON))

    def add_group(
        self, group: str, key: str, status: str, detail: str, ingresses: Iterable[str] = (), next_step: str = ""
    ) -> None:
        """Record a finding about ALB group ``group`` as a whole; it is rendered once for the group.

        Calling it again with the same group, key, status and detail adds the Ingresses named to the one
        finding (so a loop over members may call it per member). Each Ingress named also gets a one-line
        finding under ``key`` pointing at the group (same status: a group-level lost-protection holds those
        Ingresses back); name none for what concerns the group only (its name, its quota).
        """
        # Indexed, with a set of members beside the list: a group of thousands of Ingresses calls this
        # once per member, which must not cost a scan of the members each time.
        index = (group, key, status, detail)
        entry = self._group_index.get(index)
        if entry is None:
            finding = GroupFinding(group, sys.intern(key), status, sys.intern(detail), next_step=next_step)
            self.group_findings.append(finding)
            entry = self._group_index[index] = (finding, set())
        finding, members = entry
        for ingress in ingresses:
            if ingress in members:
                continue
            members.add(ingress)
            finding.ingresses.append(ingress)
            # The whole detail, one interned string: code and tests that read a member's findings see it;
            # the renderers say it once, under the group, and point there from the member.
            self.findings.append(Finding(ingress, finding.key, status, finding.detail, next_step, group))

    def record_output(self, kinds: Iterable[str]) -> None:
        """What goes to stdout, by kind: nothing at all while anything is held back."""
        self.written = {} if self.held_back else dict(Counter(kinds))

    def outcome_of(self) -> dict[str, str]:
        """Each Ingress this report knows (see ``ingresses``) with its outcome, one of OUTCOMES.

        One pass over the findings: a large input has thousands of Ingresses and many more findings.
        """
        worst: dict[str, int] = {}
        for f in self.findings:
            rank = _rank(f.severity)
            if rank < worst.get(f.ingress, len(SEVERITIES)):
                worst[f.ingress] = rank
        passed, held, left = set(self.passed_through), set(self.held_back), set(self.left_out)
        result = {}
        for name in self.ingresses():
            if name in passed:
                result[name] = "passed-through"
            elif name in held:
                result[name] = "refused" if name in self.held_reason else "held-back"
            elif name in left:
                result[name] = "not-converted"
            else:
                result[name] = ("unprotected", "partial", "approximated", "exact", "exact")[worst.get(name, 4)]
        return result

    def ingresses(self) -> list[str]:
        """Every Ingress of the input this report knows: the ingress-nginx ones in input order, then the rest."""
        names = [*self.ingress_group, *self.converted, *self.held_back, *self.folded, *self.left_out]
        return list(dict.fromkeys([*names, *self.passed_through]))

    def outcomes(self) -> dict[str, int]:
        """How many Ingresses had each outcome (every outcome, zero included, in OUTCOMES order)."""
        counts = Counter(self.outcome_of().values())
        return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}

    def severities(self) -> dict[str, int]:
        """Findings per severity; a member's pointer to a group finding is not counted again."""
        counts = Counter(f.severity for f in self.findings if not f.group)
        counts.update(f.severity for f in self.group_findings)
        return {severity: counts.get(severity, 0) for severity in SEVERITIES}

    def worst(self) -> str | None:
        """The most serious severity found, or None for no finding at all."""
        found = [s for s, n in self.severities().items() if n]
        return found[0] if found else None

    def fails(self, fail_on: str = "not-converted") -> bool:
        """Whether a finding at or above ``fail_on`` exists: what exit 1 means (exit 3, held back, is apart)."""
        worst = self.worst()
        return worst is not None and _rank(worst) <= _rank(fail_on)

    # Its text, JSON and Markdown forms are albops.migrate.report_formats' (text_lines, as_json, markdown_lines),
    # which reads this module; nothing here reads that one, so the two do not import each other.
