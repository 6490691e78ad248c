"""The Kubernetes versions EKS offers for new clusters, in one place.

Source: Amazon EKS user guide, "Understand the Kubernetes version lifecycle on
EKS" (release calendar, standard plus extended support), read 2026-12-01. 1.31
left extended support on 2026-11-26; 1.32 is in extended support until
2027-03-23; 1.36 is the newest. Update this list (and its date) when EKS adds or
retires a version: a version EKS does not offer fails only at ``CreateCluster``.

Standard support lasts 14 months from a version's EKS release, then extended support 12 more at an extra
cost per cluster hour (same page). Ends of standard support (endoflife.date/amazon-eks, from that calendar):
1.33 2026-07-29, 1.34 2026-12-02, 1.35 2027-03-27; so the pull-request template creates 1.35 clusters. The
settings' default stays 1.33: a stack that relies on it would otherwise ask EKS to move its cluster two minor
versions at once, which EKS refuses (one at a time).
"""

from __future__ import annotations

import datetime as dt

EKS_VERSIONS_CHECKED = "2026-12-01"
EKS_KUBERNETES_VERSIONS = ("1.32", "1.33", "1.34", "1.35", "1.36")

# (end of standard support, end of extended support) per version, from the same calendar (endoflife.date/amazon-eks
# gives the same dates). 1.36 is left out until its dates are published: no note is better than a guessed one.
EKS_SUPPORT_ENDS: dict[str, tuple[dt.date, dt.date]] = {
    "1.32": (dt.date(2026, 3, 23), dt.date(2027, 3, 23)),
    "1.33": (dt.date(2026, 7, 29), dt.date(2027, 7, 29)),
    "1.34": (dt.date(2026, 12, 2), dt.date(2027, 12, 2)),
    "1.35": (dt.date(2027, 3, 27), dt.date(2028, 3, 27)),
}


def _minor(version: str) -> int:
    return int(version.partition(".")[2])


def extended_support_note(version: str, today: dt.date) -> str | None:
    """Why a created cluster at ``version`` costs more than it need (past standard support on ``today``), and the
    way out: EKS upgrades a control plane one minor version at a time, so the advice names the next one."""
    ends = EKS_SUPPORT_ENDS.get(version)
    if ends is None or today <= ends[0]:
        return None
    standard, extended = ends
    supported = [v for v in EKS_KUBERNETES_VERSIONS if v not in EKS_SUPPORT_ENDS or today <= EKS_SUPPORT_ENDS[v][0]]
    later = [v for v in EKS_KUBERNETES_VERSIONS if _minor(v) > _minor(version)]
    step = f"set '{later[0]}', pulumi up, and go on one minor version at a time" if later else "upgrade it"
    return (
        f"Kubernetes {version} left EKS standard support on {standard.isoformat()}: the cluster is billed the "
        f"extended-support rate per hour until {extended.isoformat()}, when EKS upgrades it itself; {step} "
        f"to one in standard support ({', '.join(supported)}) (EKS calendar as of {EKS_VERSIONS_CHECKED})"
    )
