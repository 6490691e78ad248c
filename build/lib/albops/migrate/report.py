"""The report: one finding per setting, with its status and severity; nothing is dropped silently."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# How much a finding matters, most first: an Ingress that lost its protection is never written.
SEVERITIES = ("lost-protection", "not-converted", "approximated", "note")


@dataclass(slots=True)
class Finding:
    ingress: str
    annotation: str
    status: str  # converted | approximated | not-converted | note | lost-protection
    detail: str

    @property
    def severity(self) -> str:
        """One of SEVERITIES: what a converted setting still needs from a reader is a note."""
        return "note" if self.status == "converted" else self.status

    def __str__(self) -> str:
        return f"{self.ingress}: {self.annotation}: {self.status}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {
            "ingress": self.ingress,
            "annotation": self.annotation,
            "status": self.status,
            "detail": self.detail,
            "severity": self.severity,
        }


@dataclass
class Report:
    group: str
    converted: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    # Ingresses not written because they would lose a protection (unless --allow-unprotected).
    held_back: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(f.status in ("converted", "note") for f in self.findings)

    @property
    def unprotected(self) -> list[str]:
        """Every Ingress that loses a protection in conversion, in the order found."""
        return list(dict.fromkeys(f.ingress for f in self.findings if f.status == "lost-protection"))

    def add(self, ingress: str, annotation: str, status: str, detail: str) -> None:
        # Interned: a large input repeats the same lines for thousands of Ingresses; one string serves all.
        self.findings.append(Finding(ingress, sys.intern(annotation), status, sys.intern(detail)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "converted": self.converted,
            "heldBack": self.held_back,
            "exact": self.exact,
            "findings": [f.as_dict() for f in self.findings],
        }

    def lines(self) -> Iterator[str]:
        """The report a line at a time, most serious first (a large input's report is never one string)."""
        yield f"{len(self.converted)} ingress-nginx Ingresses converted into ALB group {self.group!r}"
        order = {severity: i for i, severity in enumerate(SEVERITIES)}
        for finding in sorted(self.findings, key=lambda f: order[f.severity]):
            yield f"  [{finding.severity}] {finding}"
        if self.held_back:
            yield (
                f"held back (would lose their protection): {', '.join(self.held_back)}; nothing was written to "
                "stdout. Carry the protection over as each line says, or pass --allow-unprotected"
            )
        yield "everything converted exactly" if self.exact else "some settings were approximated or not converted"

    def render(self) -> str:
        return "\n".join(self.lines())
