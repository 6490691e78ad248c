"""The Kubernetes versions EKS offers for new clusters, in one place.

Source: Amazon EKS user guide, "Understand the Kubernetes version lifecycle on
EKS" (release calendar, standard plus extended support), read 2026-12-01. 1.31
left extended support on 2026-11-26; 1.32 is in extended support until
2027-03-23; 1.36 is the newest. Update this list (and its date) when EKS adds or
retires a version: a version EKS does not offer fails only at ``CreateCluster``.
"""

EKS_VERSIONS_CHECKED = "2026-12-01"
EKS_KUBERNETES_VERSIONS = ("1.32", "1.33", "1.34", "1.35", "1.36")
