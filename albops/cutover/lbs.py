"""Finding a load balancer from what a user or an alias record gives: a DNS name or an ARN.

ELBv2 (application, network, gateway) answers DescribeLoadBalancers by name or ARN; Classic load balancers by
name through the ELB API. The name is read off the DNS name (``[internal-]NAME-HASH.…``) and the answer is kept
only when its DNSName is the one given, compared without case, trailing dot or ``dualstack.`` prefix; when the
name cannot be read off, every load balancer of the region is listed (bounded) and compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from albops.cutover.model import LoadBalancer
from albops.cutover.records import lb_dns

# Target groups of one ALB or NLB read for its health: its quota is 100 (AWS, "Quotas for your Application Load
# Balancers": target groups per Application Load Balancer).
MAX_TARGET_GROUPS = 100
MAX_PAGES = 50  # DescribeLoadBalancers pages of 400 (ELBv2) / 400 (Classic): 20,000 load balancers

# elasticloadbalancing DNS names: NAME-ID.REGION.elb.amazonaws.com (ALB, Classic), NAME-ID.elb.REGION.amazonaws.com
# (NLB), and the .com.cn partition.
_REGION = re.compile(r"\.(?:elb\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.(?:elb\.)?amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class Resolved:
    """A load balancer, and the facts the record side needs besides the model's."""

    lb: LoadBalancer
    region: str
    ip_address_type: str  # "ipv4", "dualstack", "dualstack-without-public-ipv4"; Classic: "ipv4"
    api_dns_name: str  # DNSName as the API gave it: the alias target this tool writes

    def alias_target(self) -> dict[str, Any]:
        return {"HostedZoneId": self.lb.zone_id, "DNSName": self.api_dns_name, "EvaluateTargetHealth": True}


class LoadBalancerNotFoundError(Exception):
    """No load balancer has that name or ARN (exit 2)."""


def region_of(dns: str, default: str) -> str:
    match = _REGION.search(lb_dns(dns))
    return match.group(1) if match else default


def _name_from_dns(dns: str) -> str | None:
    first = lb_dns(dns).split(".", 1)[0]
    first = first.removeprefix("internal-")
    name, dash, _ = first.rpartition("-")
    return name if dash and name else None


def resolve(text: str, client: Callable[[str, str], Any], default_region: str) -> Resolved:
    """The load balancer ``text`` names (a DNS name or an ARN); ``client(service, region)`` gives a bounded client."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[2] != "elasticloadbalancing" or not parts[5].startswith("loadbalancer/"):
            raise LoadBalancerNotFoundError(f"{text} is not a load balancer ARN (arn:…:elasticloadbalancing:…)")
        region, resource = parts[3], parts[5]
        pieces = resource.split("/")
        if len(pieces) == 2:  # loadbalancer/NAME: a Classic load balancer
            found = _classic(client("elb", region), [pieces[1]], None)
        else:
            found = _elbv2(client("elbv2", region), {"LoadBalancerArns": [text]}, None)
        if found is None:
            raise LoadBalancerNotFoundError(f"load balancer {text} does not exist in {region}")
        return _with_region(found, region)
    wanted = lb_dns(text)
    region = region_of(wanted, default_region)
    name = _name_from_dns(wanted)
    v2, classic = client("elbv2", region), client("elb", region)
    found = None
    if name:
        found = _elbv2(v2, {"Names": [name]}, wanted) if len(name) <= 32 else None
        found = found or _classic(classic, [name], wanted)
    found = found or _elbv2(v2, {}, wanted) or _classic(classic, [], wanted)
    if found is None:
        raise LoadBalancerNotFoundError(
            f"no load balancer has the DNS name {wanted} in {region} (ELBv2 and Classic looked at); give its DNS "
            "name or ARN as `aws elbv2 describe-load-balancers` prints it"
        )
    return _with_region(found, region)


def _with_region(found: Resolved, region: str) -> Resolved:
    return Resolved(found.lb, region, found.ip_address_type, found.api_dns_name)


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def _not_found(error: Exception) -> bool:
    code = _code(error)
    return code in ("LoadBalancerNotFound", "LoadBalancerNotFoundException", "AccessPointNotFound", "ValidationError")


def _described(describe: Callable[..., Any], params: dict[str, Any], key: str, fix: str) -> Iterator[dict[str, Any]]:
    """Each load balancer a Describe call lists, page by bounded page (both ELB APIs page by Marker/NextMarker);
    nothing when the API says it does not exist."""
    marker: str | None = None
    for _ in range(MAX_PAGES):
        try:
            page = describe(**params, **({"Marker": marker} if marker else {}))
        except Exception as error:
            if _not_found(error):
                return
            raise
        yield from page.get(key, [])
        marker = page.get("NextMarker")
        if not marker:
            return
    raise RuntimeError(f"DescribeLoadBalancers gave more than {MAX_PAGES} pages; {fix}")


def _elbv2(client: Any, params: dict[str, Any], wanted: str | None) -> Resolved | None:
    fix = "give the load balancer's ARN"
    for lb in _described(client.describe_load_balancers, params, "LoadBalancers", fix):
        if wanted is None or lb_dns(lb["DNSName"]) == wanted:
            return Resolved(
                LoadBalancer(
                    dns_name=lb_dns(lb["DNSName"]),
                    zone_id=lb["CanonicalHostedZoneId"],
                    kind=lb.get("Type", "application"),
                    name=lb["LoadBalancerName"],
                    arn=lb["LoadBalancerArn"],
                    scheme=lb.get("Scheme", "internet-facing"),
                ),
                "",
                lb.get("IpAddressType", "ipv4"),
                lb["DNSName"],
            )
    return None


def _classic(client: Any, names: list[str], wanted: str | None) -> Resolved | None:
    params: dict[str, Any] = {"LoadBalancerNames": names} if names else {}
    fix = "give the Classic load balancer's DNS name exactly"
    for lb in _described(client.describe_load_balancers, params, "LoadBalancerDescriptions", fix):
        if wanted is None or lb_dns(lb["DNSName"]) == wanted:
            if not lb.get("CanonicalHostedZoneNameID"):
                raise LoadBalancerNotFoundError(
                    f"the ELB API gave no CanonicalHostedZoneNameID for the Classic load balancer "
                    f"{lb['LoadBalancerName']}, so no alias record can name it"
                )
            return Resolved(
                LoadBalancer(
                    dns_name=lb_dns(lb["DNSName"]),
                    zone_id=lb["CanonicalHostedZoneNameID"],
                    kind="classic",
                    name=lb["LoadBalancerName"],
                    arn=None,
                    scheme=lb.get("Scheme", "internet-facing"),
                ),
                "",
                "ipv4",
                lb["DNSName"],
            )
    return None


def health(resolved: Resolved, client: Callable[[str, str], Any]) -> dict[str, Any]:
    """Targets' health as Route 53's EvaluateTargetHealth sees it, so --status does not call healthy a load balancer
    Route 53 routes away from. botocore's route53 model (2013-04-01, AliasTarget.EvaluateTargetHealth): an ALB or
    NLB is healthy only when every target group that contains targets has at least one healthy target, and a
    target group with no registered targets is unhealthy; so each group is judged and all must pass (no group at
    all: nothing to route to, unhealthy). A Classic one is healthy when an instance is InService."""
    lb = resolved.lb
    try:
        if lb.arn is None:
            states = client("elb", resolved.region).describe_instance_health(LoadBalancerName=lb.name)
            counts: dict[str, int] = {}
            for item in states.get("InstanceStates", []):
                counts[item["State"]] = counts.get(item["State"], 0) + 1
            return {"healthy": counts.get("InService", 0) > 0, "targets": counts}
        v2 = client("elbv2", resolved.region)
        try:
            groups = v2.describe_target_groups(LoadBalancerArn=lb.arn).get("TargetGroups", [])
        except Exception as error:
            # a load balancer with no target group may be answered so (moto names it with "Exception")
            if _code(error) not in ("TargetGroupNotFound", "TargetGroupNotFoundException"):
                raise
            groups = []
        counts = {}
        per_group: dict[str, dict[str, int]] = {}
        unhealthy_groups: list[str] = []
        for group in groups[:MAX_TARGET_GROUPS]:
            group_counts: dict[str, int] = {}
            for item in v2.describe_target_health(TargetGroupArn=group["TargetGroupArn"]).get(
                "TargetHealthDescriptions", []
            ):
                state = item.get("TargetHealth", {}).get("State", "unknown")
                group_counts[state] = group_counts.get(state, 0) + 1
                counts[state] = counts.get(state, 0) + 1
            name = str(group.get("TargetGroupName") or group["TargetGroupArn"])
            per_group[name] = group_counts
            if group_counts.get("healthy", 0) == 0:
                unhealthy_groups.append(name if group_counts else f"{name} (no registered targets)")
        answer: dict[str, Any] = {"healthy": bool(per_group) and not unhealthy_groups, "targets": counts}
        answer["targetGroups"] = per_group
        if not per_group:
            answer["why"] = "no target group"
        elif unhealthy_groups:
            answer["why"] = "no healthy target in " + ", ".join(unhealthy_groups)
        return answer
    except Exception as error:  # health is a report, never a reason to stop --status
        return {"healthy": None, "unreadable": unreadable_clause(error, lb.arn is None)}


def unreadable_clause(error: Exception, classic: bool) -> str:
    """One clause saying what could not be read and why, without botocore's "An error occurred (...) when
    calling ..." wrapping: the operation, the error code and AWS's own message."""
    what = "the instances' health" if classic else "the target groups' health"
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        operation = getattr(error, "operation_name", "") or "the call"
        code = str(response["Error"].get("Code", "")) or "an error"
        message = str(response["Error"].get("Message", "")).strip().rstrip(".")
        return f"could not read {what}: {operation} was refused with {code}" + (f" ({message})" if message else "")
    return f"could not read {what}: {str(error).strip() or type(error).__name__}"
