"""Region, partition and service-availability facts, read from botocore's bundled endpoint data.

Keeping our own list of regions goes stale the week AWS opens a new one, and a
stale list either rejects a real region or suggests one that does not exist.
botocore ships the partition table (region names and patterns per partition)
and, per service, the regions that have an endpoint; that is what the AWS SDKs
themselves resolve against, so it is the reference used here.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from albingress.facts.botocore_data import bundled


def _endpoints() -> dict[str, Any]:
    # Read without botocore's loader, whose import costs the offline plan about 0.1 s (botocore_data.py).
    return bundled("endpoints")


def _partitions() -> list[dict[str, Any]]:
    partitions: list[dict[str, Any]] = _endpoints()["partitions"]
    return partitions


@cache
def known_regions() -> dict[str, str]:
    """Every region botocore knows, mapped to its partition."""
    return {region: p["partition"] for p in _partitions() for region in p["regions"]}


def partition_for_region(region: str) -> str:
    """The ARN partition of ``region``: its listed partition, else the one whose pattern it matches.

    Falls back to ``aws`` for strings no partition claims, as botocore does;
    callers that need the region to exist check ``region_exists`` first.
    """
    listed = known_regions().get(region)
    if listed is not None:
        return listed
    for partition in _partitions():
        if re.fullmatch(partition["regionRegex"], region):
            return str(partition["partition"])
    return "aws"


def region_exists(region: str) -> bool:
    return region in known_regions()


def similar_regions(region: str, count: int = 3) -> list[str]:
    """Existing regions spelled like ``region``; never invents one."""
    return difflib.get_close_matches(region, sorted(known_regions()), n=count, cutoff=0.6)


def region_advice(region: str) -> str:
    """What to tell someone who wrote a region that does not exist: the nearest names, or where to look."""
    close = similar_regions(region)
    return f"did you mean {' or '.join(close)}?" if close else "see `aws ec2 describe-regions` for the region names"


def dns_suffix(partition: str) -> str:
    for entry in _partitions():
        if entry["partition"] == partition:
            return str(entry["dnsSuffix"])
    raise KeyError(f"unknown partition {partition!r}")


def service_available(service: str, region: str) -> bool:
    """True when botocore has an endpoint of ``service`` for ``region``.

    Global services (Shield) have one partition-wide endpoint: they count as
    available in every region of a partition that has them.
    """
    partition = partition_for_region(region)
    for entry in _partitions():
        if entry["partition"] != partition:
            continue
        spec = entry["services"].get(service)
        if spec is None:
            return False
        if spec.get("isRegionalized", True) is False:
            return True
        return region in spec.get("endpoints", {})
    return False


# Controller add-ons and the botocore service that backs each.
ADDON_SERVICES = {"shield": "shield", "waf": "waf-regional", "wafv2": "wafv2"}


def addon_available(addon: str, region: str) -> bool:
    return service_available(ADDON_SERVICES[addon], region)


# The controller image outside public ECR. Public ECR is not reachable from the
# China regions; the EKS user guide lists the regional Amazon EKS registries
# ("View Amazon container image registries for Amazon EKS add-ons"), which carry
# the controller under amazon/aws-load-balancer-controller.
_CHINA_REGISTRIES = {
    "cn-north-1": "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn",
    "cn-northwest-1": "961992271922.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
}
PUBLIC_CONTROLLER_IMAGE = "public.ecr.aws/eks/aws-load-balancer-controller"


def default_controller_image(region: str) -> str:
    registry = _CHINA_REGISTRIES.get(region)
    if registry is not None:
        return f"{registry}/amazon/aws-load-balancer-controller"
    return PUBLIC_CONTROLLER_IMAGE


def needs_regional_registry(region: str) -> bool:
    """China regions cannot pull from public ECR."""
    return partition_for_region(region) == "aws-cn"


# Security policies an ALB HTTPS listener accepts, with the lowest TLS version
# each one negotiates (Elastic Load Balancing user guide, "Security policies for
# your Application Load Balancer", including the 2025-09 post-quantum set).
ALB_SSL_POLICIES: dict[str, str] = {
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09": "1.3",
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09": "1.0",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09": "1.2",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09": "1.3",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09": "1.0",
    "ELBSecurityPolicy-TLS13-1-2-2021-06": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06": "1.2",
    "ELBSecurityPolicy-TLS13-1-3-2021-06": "1.3",
    "ELBSecurityPolicy-TLS13-1-1-2021-06": "1.1",
    "ELBSecurityPolicy-TLS13-1-0-2021-06": "1.0",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04": "1.2",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04": "1.3",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04": "1.1",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04": "1.0",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07": "1.2",
    "ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07": "1.3",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": "1.2",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08": "1.2",
    "ELBSecurityPolicy-FS-1-2-2019-08": "1.2",
    "ELBSecurityPolicy-FS-1-1-2019-08": "1.1",
    "ELBSecurityPolicy-FS-2018-06": "1.0",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": "1.2",
    "ELBSecurityPolicy-TLS-1-2-2017-01": "1.2",
    "ELBSecurityPolicy-TLS-1-1-2017-01": "1.1",
    "ELBSecurityPolicy-2016-08": "1.0",
    "ELBSecurityPolicy-2015-05": "1.0",
}
RECOMMENDED_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
# What the controller uses when an Ingress or a Gateway listener names no policy (it allows TLS 1.0).
CONTROLLER_DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"
