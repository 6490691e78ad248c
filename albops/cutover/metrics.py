"""What CloudWatch says of the new load balancer over a gate's window, read through the shared AWS session.

Facts (AWS, "CloudWatch metrics for your Application Load Balancer", docs.aws.amazon.com/elasticloadbalancing/
latest/application/load-balancer-cloudwatch-metrics.html, and the Network Load Balancer page beside it):
- namespace AWS/ApplicationELB; the LoadBalancer dimension is the ARN's suffix ``app/NAME/ID`` (``net/...`` for
  AWS/NetworkELB);
- HTTPCode_ELB_5XX_Count, HTTPCode_Target_5XX_Count, RequestCount, RejectedConnectionCount: statistic Sum, with
  the LoadBalancer dimension alone; TargetResponseTime: seconds, percentiles (pNN) are meaningful, LoadBalancer
  dimension alone; UnHealthyHostCount: Average/Minimum/Maximum, published only per target group (dimensions
  TargetGroup + LoadBalancer, optionally AvailabilityZone). The TargetGroup dimension is the target group ARN's
  resource part ``targetgroup/NAME/ID``, built from DescribeTargetGroups(LoadBalancerArn): ListMetrics lists a new
  metric only after up to 15 minutes and omits those silent for two weeks, so a new ALB would have no group
  listed and its unhealthy hosts would go unmeasured while the line said 0;
- RequestCount counts only requests for which the load balancer could choose a target: an ELB 5xx given before
  that (503, no healthy target) is not in it, so the error rate's denominator is never smaller than its errors;
- a metric with no data is not reported at all, and data points come per 60 s and late: no data is "no
  CloudWatch data", never zero and never a failure by itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.exceptions

from albops.cluster.aws import UNUSABLE, AwsSession, error_code
from albops.cutover.model import LoadBalancer
from albops.deadline import DeadlineExceeded

ALB_NAMESPACE = "AWS/ApplicationELB"
NLB_NAMESPACE = "AWS/NetworkELB"
# Queries of one GetMetricData call: its limit is 500 (CloudWatch API reference, GetMetricData MetricDataQueries).
MAX_QUERIES = 500
# GetMetricData pages followed, and DescribeTargetGroups pages (up to 400 groups each) read for one load balancer:
# an ALB has at most 100 target groups (5 per forward action; AWS, "Quotas for your Application Load Balancers").
MAX_LIST_PAGES = 10

# (query id, metric name, statistic) read with the LoadBalancer dimension alone.
_ALB_QUERIES = (
    ("elb5xx", "HTTPCode_ELB_5XX_Count", "Sum"),
    ("target5xx", "HTTPCode_Target_5XX_Count", "Sum"),
    ("requests", "RequestCount", "Sum"),
    ("rejected", "RejectedConnectionCount", "Sum"),
    ("p99", "TargetResponseTime", "p99"),
)
_NLB_QUERIES = (
    ("resets", "TCP_ELB_Reset_Count", "Sum"),
    ("flows", "NewFlowCount", "Sum"),
)


@dataclass
class CloudWatchFigures:
    """What was read. ``status``: "read", "no data", "not read" (nothing to read: not an ELBv2 load balancer, no
    ARN) or "error" (the read failed: the gate fails, as nothing unmeasured passes)."""

    status: str
    namespace: str = ""
    detail: str = ""  # why not read, or the error
    start: datetime | None = None
    end: datetime | None = None
    sums: dict[str, float] = field(default_factory=dict)  # query id -> value, only those with data points
    p99_ms: float | None = None
    unhealthy: dict[str, float] = field(default_factory=dict)  # target group dimension -> Maximum (with data only)
    target_groups: list[str] = field(default_factory=list)  # the TargetGroup dimensions queried

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "namespace": self.namespace,
            "detail": self.detail,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            **{key: value for key, value in self.sums.items()},
            "target_response_time_p99_ms": self.p99_ms,
            "unhealthy_hosts": dict(self.unhealthy),
            "target_groups": list(self.target_groups),
        }


def arn_suffix(arn: str) -> str:
    """The LoadBalancer dimension: ``app/NAME/ID`` of ``arn:...:loadbalancer/app/NAME/ID``."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    return resource.split("/", 1)[1] if resource.startswith("loadbalancer/") else ""


def window(start: float, end: float) -> tuple[datetime, datetime, int]:
    """The gate's window as CloudWatch serves it: whole minutes covering it, and one period spanning them all, so
    each statistic (p99 included) comes back as one value over the window."""
    first = datetime.fromtimestamp(math.floor(start / 60) * 60, UTC)
    last = datetime.fromtimestamp(math.ceil(end / 60) * 60, UTC)
    if last <= first:
        last = first + timedelta(seconds=60)
    return first, last, int((last - first).total_seconds())


def read_metrics(aws: AwsSession, lb: LoadBalancer, start: float, end: float) -> CloudWatchFigures:
    """The new load balancer's metrics over [start, end] (epoch seconds). Never raises for AWS's answers."""
    if lb.kind not in ("application", "network") or not lb.arn:
        why = "no ARN" if lb.kind in ("application", "network") else f"a {lb.kind} load balancer publishes none used"
        return CloudWatchFigures("not read", detail=why)
    dimension = arn_suffix(lb.arn)
    if not dimension:
        return CloudWatchFigures("error", detail=f"{lb.arn} is not a load balancer ARN")
    namespace = ALB_NAMESPACE if lb.kind == "application" else NLB_NAMESPACE
    first, last, period = window(start, end)
    region = lb.arn.split(":")[3]
    try:
        # The load balancer's own region (its metrics are there), with the command's session and deadline.
        session = aws if region == aws.region else AwsSession(region, session=aws.session, deadline=aws.deadline)
        client = session.client("cloudwatch")
        groups = _target_groups(session.client("elbv2"), lb.arn)
        lb_dimension = [{"Name": "LoadBalancer", "Value": dimension}]
        queries: list[dict[str, Any]] = [
            _query(query_id, namespace, name, lb_dimension, stat, period)
            for query_id, name, stat in (_ALB_QUERIES if lb.kind == "application" else _NLB_QUERIES)
        ]
        groups = groups[: MAX_QUERIES - len(queries)]
        for index, group in enumerate(groups):
            dims = [*lb_dimension, {"Name": "TargetGroup", "Value": group}]
            queries.append(_query(f"unhealthy{index}", namespace, "UnHealthyHostCount", dims, "Maximum", period))
        values = _metric_data(client, queries, first, last)
    except DeadlineExceeded as error:
        return CloudWatchFigures("error", namespace, f"CloudWatch gave no answer in time ({error})", first, last)
    except botocore.exceptions.ClientError as error:
        code = error_code(error)
        grant = " (grant cloudwatch:GetMetricData and elasticloadbalancing:DescribeTargetGroups)"
        fix = grant if "Denied" in code else ""
        return CloudWatchFigures("error", namespace, f"CloudWatch refused the read: {code}{fix}", first, last)
    except (botocore.exceptions.BotoCoreError, *UNUSABLE) as error:
        return CloudWatchFigures("error", namespace, f"CloudWatch could not be read: {error}", first, last)
    figures = CloudWatchFigures("read" if values else "no data", namespace, "", first, last)
    figures.target_groups = list(groups)
    for query_id, found in values.items():
        if query_id.startswith("unhealthy"):
            figures.unhealthy[groups[int(query_id.removeprefix("unhealthy"))]] = max(found)
        elif query_id == "p99":
            figures.p99_ms = round(max(found) * 1000, 2)  # TargetResponseTime is in seconds
        else:
            figures.sums[query_id] = sum(found)
    return figures


def _query(query_id: str, namespace: str, name: str, dims: list[dict[str, str]], stat: str, period: int) -> Any:
    metric = {"Namespace": namespace, "MetricName": name, "Dimensions": dims}
    return {"Id": query_id, "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}, "ReturnData": True}


def _target_groups(elbv2: Any, lb_arn: str) -> list[str]:
    """The TargetGroup dimension values (``targetgroup/NAME/ID``) of this load balancer's target groups, from
    DescribeTargetGroups, so a group is queried from its creation on, whether or not CloudWatch lists it yet."""
    groups: list[str] = []
    marker = ""
    for _ in range(MAX_LIST_PAGES):
        request: dict[str, Any] = {"LoadBalancerArn": lb_arn}
        if marker:
            request["Marker"] = marker
        try:
            page = elbv2.describe_target_groups(**request)
        except botocore.exceptions.ClientError as error:
            if error_code(error) == "TargetGroupNotFound":  # a load balancer with none (moto answers so)
                break
            raise
        for group in page.get("TargetGroups", []):
            arn = str(group.get("TargetGroupArn", ""))
            resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
            if resource.startswith("targetgroup/") and resource not in groups:
                groups.append(resource)
        marker = page.get("NextMarker") or ""
        if not marker:
            break
    return groups


def _metric_data(client: Any, queries: list[dict[str, Any]], first: datetime, last: datetime) -> dict[str, list[float]]:
    """Query id -> its values, for the queries with data points (pages followed, a bounded number)."""
    values: dict[str, list[float]] = {}
    token = ""
    for _ in range(MAX_LIST_PAGES):
        request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": first, "EndTime": last}
        if token:
            request["NextToken"] = token
        page = client.get_metric_data(**request)
        for result in page.get("MetricDataResults", []):
            found = [float(v) for v in result.get("Values", []) if v is not None and math.isfinite(float(v))]
            if found:
                values.setdefault(str(result["Id"]), []).extend(found)
        token = page.get("NextToken") or ""
        if not token:
            break
    return values
