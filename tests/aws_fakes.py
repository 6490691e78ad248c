"""Controller-made resources in moto, and AWS behaviours moto lacks, for the operations tests.

moto deletes security groups that are still referenced, gives load balancers no
ENIs and never throttles; real AWS does all three. ``inject`` makes a client
answer chosen operations with a chosen AWS error, at the HTTP layer
(``before-send``), so botocore parses it and applies its retry rules exactly as
it would to a real answer.
"""

from __future__ import annotations

import json
import weakref
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from albops.cluster.aws import AwsSession


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def _error_response(protocol: str, code: str, message: str, status: int) -> AWSResponse:
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1"}
    else:
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            "<RequestID>injected</RequestID></Response>"
        ).encode()
        if protocol == "query":
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>injected</RequestId></ErrorResponse>"
            ).encode()
        headers = {"Content-Type": "text/xml"}
    return AWSResponse("https://injected", status, headers, _Body(body))


@dataclass
class Injection:
    """Answer ``operation`` with ``code`` the first ``times`` matching calls (``when`` filters by request body)."""

    operation: str
    code: str
    times: int
    status: int = 400
    when: Callable[[bytes], bool] = lambda body: True
    used: int = field(default=0)


def inject(aws: AwsSession, service: str, injection: Injection) -> Injection:
    client = aws.client(service)
    protocol = {"ec2": "ec2", "elbv2": "query", "resourcegroupstaggingapi": "json", "eks": "json"}[service]

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        if injection.operation not in body.decode(errors="replace") and not target.endswith(injection.operation):
            return None
        if injection.used >= injection.times or not injection.when(body):
            return None
        injection.used += 1
        return _error_response(protocol, injection.code, "injected by the test", injection.status)

    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", before_send)
    return injection


@dataclass
class Fleet:
    """What one cluster's controller made: ALBs with listeners and rules, target groups, security groups."""

    load_balancers: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)

    @property
    def arns(self) -> list[str]:
        return self.load_balancers + self.target_groups + self.security_groups


def tags_for(
    cluster: str, stack: str, resource: str, extra: dict[str, str] | None = None, prefix: str = "ingress.k8s.aws"
) -> list[dict[str, str]]:
    """The controller's tags: ``prefix`` is the tracking prefix of the owner kind (an Ingress group's, or
    gateway.k8s.aws.alb for a Gateway's ALB, whose stack is its namespace/name)."""
    tags = {"elbv2.k8s.aws/cluster": cluster, f"{prefix}/stack": stack, f"{prefix}/resource": resource}
    tags.update(extra or {})
    return [{"Key": k, "Value": v} for k, v in tags.items()]


_NETWORKS: weakref.WeakKeyDictionary[AwsSession, tuple[str, list[str]]] = weakref.WeakKeyDictionary()


def _network(aws: AwsSession) -> tuple[str, list[str]]:
    """The default VPC and two of its subnets, looked up once per session (tests build many fleets in one)."""
    if aws not in _NETWORKS:
        ec2 = aws.client("ec2")
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        _NETWORKS[aws] = (vpc, [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2])
    return _NETWORKS[aws]


def build_fleet(
    aws: AwsSession,
    cluster: str,
    groups: int = 1,
    target_groups_per_group: int = 1,
    extra: dict[str, str] | None = None,
    gateway: str | None = None,
    salt: str = "",
) -> Fleet:
    """A backend security group and, per group, an ALB with its security group, listener, rule and target groups;
    ``gateway`` (namespace/name): the one ALB of that Gateway instead, tagged as the Gateway controller tags it.
    ``salt`` tells apart the names of several fleets for one cluster name (as another VPC or account would)."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc, subnets = _network(aws)
    fleet = Fleet()
    backend_tags = [
        {"Key": "elbv2.k8s.aws/cluster", "Value": cluster},
        {"Key": "elbv2.k8s.aws/resource", "Value": "backend-sg"},
    ]
    backend_tags += [{"Key": k, "Value": v} for k, v in (extra or {}).items()]
    backend = ec2.create_security_group(
        GroupName=f"k8s-traffic-{cluster}{salt}",
        Description="[k8s] Shared Backend SecurityGroup for LoadBalancer",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": backend_tags}],
    )["GroupId"]
    fleet.security_groups.append(backend)
    prefix = "gateway.k8s.aws.alb" if gateway else "ingress.k8s.aws"
    for index in range(1 if gateway else groups):
        group = gateway or f"{cluster}-g{index}"
        sg = ec2.create_security_group(
            GroupName=f"k8s-{cluster}-g{index}{salt}",
            Description="[k8s] Managed SecurityGroup for LoadBalancer",
            VpcId=vpc,
            TagSpecifications=[
                {
                    "ResourceType": "security-group",
                    "Tags": tags_for(cluster, group, "ManagedLBSecurityGroup", extra, prefix),
                }
            ],
        )["GroupId"]
        fleet.security_groups.append(sg)
        lb = elb.create_load_balancer(
            Name=f"k8s-{index}-{zlib.crc32(f'{cluster}{index}{salt}'.encode()) % 10**8}"[:32],
            Subnets=subnets,
            SecurityGroups=[sg, backend],
            Tags=tags_for(cluster, group, "LoadBalancer", extra, prefix),
        )["LoadBalancers"][0]["LoadBalancerArn"]
        fleet.load_balancers.append(lb)
        for tg_index in range(target_groups_per_group):
            tg = elb.create_target_group(
                Name=f"k8s-{index}-{tg_index}-{zlib.crc32(f'{cluster}{index}-{tg_index}{salt}'.encode()) % 10**6}"[:32],
                Protocol="HTTP",
                Port=80,
                VpcId=vpc,
                TargetType="ip",
                Tags=tags_for(cluster, group, f"echoserver/echoserver:80-{tg_index}", extra, prefix),
            )["TargetGroups"][0]["TargetGroupArn"]
            fleet.target_groups.append(tg)
        listener = elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": fleet.target_groups[-1]}],
            Tags=tags_for(cluster, group, "80", extra, prefix),
        )["Listeners"][0]["ListenerArn"]
        elb.create_rule(
            ListenerArn=listener,
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/echo/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": fleet.target_groups[-1]}],
            Tags=tags_for(cluster, group, "80:1", extra, prefix),
        )
    return fleet
