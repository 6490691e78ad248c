"""API calls and wall time of ``albops sweep`` for N controller-owned resources, beside a naive sweep.

For each N a fresh moto server (on 127.0.0.1) gets one cluster's fleet (ALBs
with listeners and rules, target groups, security groups) and another
cluster's fleet of the same size that must survive. Then:

- ``albops``: the real sweep (tagging API pages of 100, batched waits);
- ``naive``: what a script does without the tagging API: list every load
  balancer, target group and security group, ask for each one's tags
  (``DescribeTags`` / ``DescribeSecurityGroups`` per resource), delete the
  cluster's.

Reads and writes are counted at the client (one per API call). Usage:
``.venv/bin/python bench/sweep_cost.py [--sizes 50 200 800]``
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from albops.cluster.aws import AwsSession  # noqa: E402
from albops.cluster.sweep import Sweeper, Timing  # noqa: E402
from tests.aws_fakes import Fleet, build_fleet  # noqa: E402

TARGET_GROUPS_PER_GROUP = 4


def _groups_for(n: int) -> int:
    """ALB groups giving about n resources: 1 backend group + per group (ALB, its group, 4 target groups)."""
    return max(1, round((n - 1) / (2 + TARGET_GROUPS_PER_GROUP)))


def naive_sweep(aws: AwsSession, cluster: str) -> int:
    """One describe per resource to read its tags, then delete what is the cluster's; returns deletes."""
    elb, ec2 = aws.client("elbv2"), aws.client("ec2")

    def tags_of(arn: str) -> dict[str, str]:
        description = elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]
        return {t["Key"]: t["Value"] for t in description.get("Tags", [])}

    deleted = 0
    for page in elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 400}):
        for lb in page["LoadBalancers"]:
            if tags_of(lb["LoadBalancerArn"]).get("elbv2.k8s.aws/cluster") == cluster:
                elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
                deleted += 1
    for page in elb.get_paginator("describe_target_groups").paginate(PaginationConfig={"PageSize": 400}):
        for tg in page["TargetGroups"]:
            if tags_of(tg["TargetGroupArn"]).get("elbv2.k8s.aws/cluster") == cluster:
                elb.delete_target_group(TargetGroupArn=tg["TargetGroupArn"])
                deleted += 1
    for page in ec2.get_paginator("describe_security_groups").paginate():
        for group in page["SecurityGroups"]:
            one = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]
            tags = {t["Key"]: t["Value"] for t in one.get("Tags", [])}
            if tags.get("elbv2.k8s.aws/cluster") == cluster:
                ec2.delete_security_group(GroupId=group["GroupId"])
                deleted += 1
    return deleted


def _reset(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=30).close()


def _fleets(groups: int) -> Fleet:
    builder = AwsSession("us-west-2")
    fleet = build_fleet(builder, "bench", groups=groups, target_groups_per_group=TARGET_GROUPS_PER_GROUP)
    build_fleet(builder, "bench-2", groups=groups, target_groups_per_group=TARGET_GROUPS_PER_GROUP)
    return fleet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 800])
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    logging.disable(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-west-2",
    )
    print(f"{'N':>5} {'approach':>8} {'reads':>6} {'writes':>6} {'seconds':>8}  read budget")
    try:
        for size in args.sizes:
            groups = _groups_for(size)
            for approach in ("albops", "naive"):
                _reset(endpoint)
                fleet = _fleets(groups)
                n = len(fleet.arns)
                aws = AwsSession("us-west-2")
                start = time.perf_counter()
                if approach == "albops":
                    report = Sweeper(aws, "bench", Timing(deadline_seconds=60, poll_seconds=0.1)).run(delete=True)
                    assert not report.remaining, report.remaining
                else:
                    assert naive_sweep(aws, "bench") == n
                elapsed = time.perf_counter() - start
                budget = math.ceil(n / 100) + math.ceil(n / 20) + 10
                print(f"{n:>5} {approach:>8} {aws.counter.reads:>6} {aws.counter.writes:>6} {elapsed:>8.1f}  {budget}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
