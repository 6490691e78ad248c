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

EKS_VERSIONS_CHECKED = "2026-12-01"
EKS_KUBERNETES_VERSIONS = ("1.32", "1.33", "1.34", "1.35", "1.36")
