"""The report: one finding per setting, with its status and severity; nothing is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# How much a finding matters, most first: an Ingress that lost its protection is never written.
SEVERITIES = ("lost-protection", "not-converted", "approximated", "note")


@dataclass
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
        return {**self.__dict__, "severity": self.severity}


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
        self.findings.append(Finding(ingress, annotation, status, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "converted": self.converted,
            "heldBack": self.held_back,
            "exact": self.exact,
            "findings": [f.as_dict() for f in self.findings],
        }

    def render(self) -> str:
        lines = [f"{len(self.converted)} ingress-nginx Ingresses converted into ALB group {self.group!r}"]
        order = {severity: i for i, severity in enumerate(SEVERITIES)}
        lines += [f"  [{f.severity}] {f}" for f in sorted(self.findings, key=lambda f: order[f.severity])]
        if self.held_back:
            lines.append(
                f"held back (would lose their protection): {', '.join(self.held_back)}; nothing was written to "
                "stdout. Carry the protection over as each line says, or pass --allow-unprotected"
            )
        lines.append(
            "everything converted exactly" if self.exact else "some settings were approximated or not converted"
        )
        return "\n".join(lines)
