"""``albops cutover`` whole: the command line, moto's Route 53 and ELBv2 in server mode, and the real gates
measuring two HTTPS sites on 127.0.0.1 that stand in for the old NLB and the new ALB (each reached through
``--resolve`` of its load balancer's DNS name, as a test before DNS moves would).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from albops.cli.main import main
from albops.cluster.aws import AwsSession
from tests import gate_servers
from tests.test_cutover_engine import delete_then_create  # moto's change journal vs Route 53's in-order batches

__all__ = ["delete_then_create"]

HOST = gate_servers.HOST  # www.example.test: the sites' certificates name it


@pytest.fixture
def stage(aws_env: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    aws = AwsSession("us-west-2")
    ec2, v2, r53 = aws.client("ec2"), aws.client("elbv2"), aws.client("route53")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-west-2{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    old = v2.create_load_balancer(Name="old-nlb", Subnets=subnets, Type="network")["LoadBalancers"][0]
    new = v2.create_load_balancer(Name="new-alb", Subnets=subnets)["LoadBalancers"][0]
    zone_id = r53.create_hosted_zone(Name="example.test", CallerReference="e2e")["HostedZone"]["Id"].split("/")[-1]
    simple = {
        "Name": HOST,
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": old["CanonicalHostedZoneId"],
            "DNSName": old["DNSName"],
            "EvaluateTargetHealth": False,
        },
    }
    neighbour = {"Name": "api.example.test", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.7"}]}
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in (simple, neighbour)]},
    )
    old_behaviour, new_behaviour = gate_servers.Behaviour(), gate_servers.Behaviour()
    with (
        gate_servers.site(tmp_path / "old", old_behaviour) as old_site,
        gate_servers.site(tmp_path / "new", new_behaviour) as new_site,
    ):
        bundle = tmp_path / "cas.pem"
        bundle.write_text(Path(old_site.ca_file).read_text() + Path(new_site.ca_file).read_text())

        def records() -> list[dict[str, Any]]:
            return [
                r for r in r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"] if r["Type"] == "A"
            ]

        yield {
            "zone": zone_id,
            "r53": r53,
            "old": old,
            "new": new,
            "records": records,
            "new_site": new_site,
            "old_site": old_site,
            "new_behaviour": new_behaviour,
            "gate": [
                "--resolve",
                f"{old['DNSName']}={old_site.address}",
                "--resolve",
                f"{new['DNSName']}={new_site.address}",
                "--ca-file",
                str(bundle),
                "--gate-seconds",
                "1",
                # Few samples, so a loaded runner still gathers them in the 1 s window (insufficient samples is
                # a failure the tests below would misread); the count rule itself is tested in the gates' tests.
                "--min-samples",
                "5",
                "--settle-seconds",
                "0",
                # A fixed p99 bound: with a dozen samples a p99 is the slowest one, and one cold TLS handshake on
                # a loaded 2-core runner is not what these tests are about (the default, twice the old p99, is
                # tested in test_cutover_gates.py).
                "--max-p99-ms",
                "5000",
            ],
        }


def cutover(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["cutover", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def weights(stage: dict[str, Any]) -> list[tuple[str, int, str]]:
    return sorted(
        (r.get("SetIdentifier", ""), r.get("Weight", -1), r["AliasTarget"]["DNSName"].rstrip(".").lower())
        for r in stage["records"]()
        if r["Name"].rstrip(".") == HOST
    )


def test_one_percent_to_finish_with_real_gates(capsys: pytest.CaptureFixture[str], stage: dict[str, Any]) -> None:
    """The runbook's steps in order; each gated step probes the sites under the host's name and certificate."""
    base = ["--zone-id", stage["zone"], "--host", HOST]
    old_dns, new_dns = stage["old"]["DNSName"].lower(), stage["new"]["DNSName"].lower()
    neighbour = [r for r in stage["records"]() if r["Name"].startswith("api.")]
    for percent in (1, 10, 50, 100):
        step = [*base, "--to", stage["new"]["DNSName"], "--weight", str(percent), *stage["gate"], "--yes", "--ws"]
        code, out, err = cutover(capsys, *step)
        assert code == 0, err + out
        assert "before:" in out and "after:" in out
        assert weights(stage) == [("albops-new", percent, new_dns), ("albops-old", 100 - percent, old_dns)]
    # Both sites were measured under the host's name: SNI and Host are the host, never a load balancer's name.
    for site in (stage["new_site"], stage["old_site"]):
        assert len(site.hosts) >= 40 and set(site.hosts) == {HOST} and set(site.sni) == {HOST}
    code, out, err = cutover(capsys, *base, "--finish", "--yes")
    assert code == 0, err
    assert weights(stage) == [("", -1, new_dns)]
    # The neighbour's record was never touched.
    assert [r for r in stage["records"]() if r["Name"].startswith("api.")] == neighbour


def test_a_failing_new_alb_stops_before_any_change(capsys: pytest.CaptureFixture[str], stage: dict[str, Any]) -> None:
    stage["new_behaviour"].fail_every = 2  # half the answers are 503
    before = stage["records"]()
    step = ["--zone-id", stage["zone"], "--host", HOST, "--to", stage["new"]["DNSName"], "--weight", "1"]
    code, out, _err = cutover(capsys, *step, *stage["gate"], "--yes", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["applied"] is False
    assert stage["records"]() == before


@contextmanager
def failing_at(stage: dict[str, Any], percent: int) -> Iterator[None]:
    """The new site starts answering 503 once the records give it ``percent``: a fault only real traffic shows."""
    done = threading.Event()

    def watch() -> None:
        ends = time.monotonic() + 30
        while not done.is_set() and time.monotonic() < ends:
            if any(r.get("SetIdentifier") == "albops-new" and r["Weight"] == percent for r in stage["records"]()):
                stage["new_behaviour"].fail_every = 2
                return
            done.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(5)


def test_a_gate_failing_after_the_change_puts_the_previous_weights_back(
    capsys: pytest.CaptureFixture[str], stage: dict[str, Any], delete_then_create: None
) -> None:
    base = ["--zone-id", stage["zone"], "--host", HOST, "--to", stage["new"]["DNSName"]]
    assert cutover(capsys, *base, "--weight", "10", *stage["gate"], "--yes")[0] == 0
    at_ten = weights(stage)
    with failing_at(stage, 50):
        code, out, err = cutover(capsys, *base, "--weight", "50", *stage["gate"], "--yes")
    assert code == 1
    assert "before:" in out and "FAILED: after:" in out + err, out + err
    assert weights(stage) == at_ten  # 10%, as before the failed step
