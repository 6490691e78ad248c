"""Alias records for the echoserver host, so ``echoserverUrl`` answers after one ``pulumi up``.

The ALB belongs to the controller, not to this stack, so it is looked up rather
than referenced: by the tags the self-managed controller puts on every load
balancer it makes (cluster, and for an explicit IngressGroup the group name as
``ingress.k8s.aws/stack``). The lookup waits for the Ingress, whose creation
pulumi-kubernetes only reports once the load balancer is in its status.

A Gateway's ALB carries the Gateway controller's keys instead (``gateway.k8s.aws.alb/stack`` holding
``namespace/name`` of the Gateway; pkg/deploy/tracking and pkg/gateway/constants in the controller's sources).

EKS Auto Mode's managed controller is not documented to use those tag keys, so
in ``auto`` mode the record takes the DNS name from the Ingress status and the
zone from the region's Elastic Load Balancing hosted zone (shared by ALBs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from albingress.components.sections import DnsSettings


@dataclass(frozen=True)
class AliasRecordsArgs:
    """The zone and host, the ALB's identifying tags, and what the lookup must wait for."""

    dns: DnsSettings
    host: str
    cluster_name: str
    group_name: str
    provider: aws.Provider
    ingress: pulumi.Resource
    mode: str = "lbc"
    alb_hostname: pulumi.Input[str] | None = None
    # Set when the ALB is a Gateway's (alb.api gateway): the Gateway's namespace; its name is the group's.
    gateway_namespace: str | None = None


def load_balancer_tags(cluster_name: str, group_name: str, gateway_namespace: str | None = None) -> dict[str, str]:
    """Tags that identify the ALB of one explicit IngressGroup, or of one Gateway, of one cluster."""
    if gateway_namespace is not None:
        return {
            "elbv2.k8s.aws/cluster": cluster_name,
            "gateway.k8s.aws.alb/stack": f"{gateway_namespace}/{group_name}",
            "gateway.k8s.aws.alb/resource": "LoadBalancer",
        }
    return {
        "elbv2.k8s.aws/cluster": cluster_name,
        "ingress.k8s.aws/stack": group_name,
        "ingress.k8s.aws/resource": "LoadBalancer",
    }


class AliasRecords(pulumi.ComponentResource):
    """An A alias record pointing the host at the group's ALB (IPv4: the stack's ALBs are not dual-stack)."""

    record: aws.route53.Record

    def __init__(self, name: str, args: AliasRecordsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:AliasRecords", name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=args.provider, depends_on=[args.ingress])
        if args.mode == "auto" and args.alb_hostname is not None:
            zone = aws.elb.get_hosted_zone_id_output(opts=invoke)
            alias = aws.route53.RecordAliasArgs(name=args.alb_hostname, zone_id=zone.id, evaluate_target_health=True)
        else:
            balancer = aws.lb.get_load_balancer_output(
                tags=load_balancer_tags(args.cluster_name, args.group_name, args.gateway_namespace), opts=invoke
            )
            alias = aws.route53.RecordAliasArgs(
                name=balancer.dns_name, zone_id=balancer.zone_id, evaluate_target_health=True
            )
        self.record = aws.route53.Record(
            f"{name}-a",
            zone_id=args.dns.zone_id,
            name=args.host,
            type="A",
            aliases=[alias],
            # Never take over a record someone else made: destroying this stack
            # would then delete it from under them.
            allow_overwrite=False,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        self.register_outputs({"fqdn": self.record.fqdn})
