"""``albops cutover`` as a user runs it: options refused before any call, exit codes, --json, the gates wired in."""

from __future__ import annotations

import json
import threading
from typing import Any, ClassVar

import pytest

from albops.cli.main import main
from albops.cluster.aws import AwsSession
from albops.cutover.model import GateResult, GateSettings, LoadBalancer


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["cutover", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--weight", "0", "--to", "a-1.us-west-2.elb.amazonaws.com"], "--rollback"),
        (["--weight", "101", "--to", "a-1.us-west-2.elb.amazonaws.com"], "1 to 100"),
        (["--weight", "5.5", "--to", "a-1.us-west-2.elb.amazonaws.com"], "whole percent"),
        (["--weight", "5"], "--to"),
        (["--status", "--rollback"], "not allowed with"),
        (["--finish", "--to", "a-1.us-west-2.elb.amazonaws.com"], "--finish takes no --to"),
        (["--rollback", "--gate-seconds", "5"], "--gate-seconds"),
        (["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--max-error-rate", "2"], "0 to 1"),
        (["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--resolve", "www.example.com"], "NAME=ADDRESS"),
        (
            ["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--resolve", "x.example.com=1.2.3.4:0"],
            "1-65535",
        ),
        (["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--gate", "ftp://www.example.com/"], "http"),
        (
            ["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--gate", "https://other.example.com/"],
            "not --host",
        ),
        (["--weight", "5", "--to", "arn:aws:ec2:us-west-2:1:instance/i-1"], "load balancer ARN"),
        ([], "one of the arguments"),
        (["--status", "--host", "*.example.com"], "--record '*.example.com'"),
        (
            [
                "--weight",
                "5",
                "--to",
                "a-1.us-west-2.elb.amazonaws.com",
                "--min-samples",
                "5000",
                "--gate-seconds",
                "10",
            ],
            "--min-samples 5000 cannot be reached within --gate-seconds 10",
        ),
        (["--weight", "5", "--to", "a-1.us-west-2.elb.amazonaws.com", "--max-error-rate", "1"], "--max-error-rate 1"),
    ],
)
def test_options_refused_before_any_call(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], said: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # any call would fail loudly, not hang
    code, _out, err = run(capsys, "--zone-id", "Z123", "--host", "www.example.com", *argv)
    assert code == 2 and said in err, err
    assert "Traceback" not in err


def test_resolve_takes_ipv6_with_port(capsys: pytest.CaptureFixture[str]) -> None:
    from albops.cli.args import resolve_entry

    assert resolve_entry("lb.example.com=[2001:db8::1]:8443") == ("lb.example.com", "[2001:db8::1]:8443")
    assert resolve_entry("lb.example.com=2001:db8::1") == ("lb.example.com", "2001:db8::1")
    assert resolve_entry("LB.example.com=192.0.2.1:443") == ("lb.example.com", "192.0.2.1:443")


@pytest.fixture
def zone(aws_env: str) -> dict[str, Any]:
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
    zone_id = r53.create_hosted_zone(Name="example.com", CallerReference="c")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "www.example.com",
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": old["CanonicalHostedZoneId"],
                            "DNSName": old["DNSName"],
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
            ]
        },
    )

    def records() -> list[dict[str, Any]]:
        found = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        return [r for r in found if r["Type"] == "A"]

    return {"id": zone_id, "old": old, "new": new, "records": records}


def test_dry_run_exit_0_and_no_yes_exit_3_change_nothing(
    capsys: pytest.CaptureFixture[str], zone: dict[str, Any]
) -> None:
    before = zone["records"]()
    base = ["--zone-id", zone["id"], "--host", "www.example.com", "--to", zone["new"]["DNSName"], "--weight", "10"]
    code, out, err = run(capsys, *base, "--dry-run")
    assert code == 0 and "batch: " in out and "nothing was changed" in out
    code, out, err = run(capsys, *base)
    assert code == 3 and "--yes" in err
    code, out, err = run(capsys, *base, "--json")
    document = json.loads(out)
    assert code == 3 and document["exitCode"] == 3 and document["applied"] is False
    assert [c["Action"] for c in document["changeBatch"]["Changes"]] == ["DELETE", "CREATE", "CREATE"]
    assert zone["records"]() == before


class _Gates:
    """Stands in for albops.cutover.gates.ProbeGates (written by the gates' engineer) to test the wiring."""

    made: ClassVar[list[Any]] = []

    def __init__(self, aws: AwsSession) -> None:
        _Gates.made.append(aws)

    def before(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        return GateResult(True, f"before {settings.host} {settings.max_error_rate}", figures={"samples": 1000})

    def after(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        return GateResult(True, f"after {new.name} {settings.gate_seconds:g}s", figures={"samples": 1000})


def test_weight_with_yes_runs_the_gates_then_status_rollback_abort(
    capsys: pytest.CaptureFixture[str], zone: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("albops.cutover.gates.ProbeGates", _Gates)
    base = ["--zone-id", zone["id"], "--host", "www.example.com"]
    code, out, err = run(
        capsys,
        *base,
        "--to",
        zone["new"]["DNSName"],
        "--weight",
        "25",
        "--yes",
        "--settle-seconds",
        "0",
        "--gate-seconds",
        "7",
        "--max-error-rate",
        "0.01",
    )
    assert code == 0, err
    assert "before www.example.com 0.01" in out and "after new-alb 7s" in out and "never follow DNS" in out
    assert len(_Gates.made) == 1
    assert out.count("change: ") == 1 and out.count("gate after") == 1  # printed as they happen, once
    assert sorted((r["SetIdentifier"], r["Weight"]) for r in zone["records"]()) == [
        ("albops-new", 25),
        ("albops-old", 75),
    ]
    code, out, err = run(capsys, *base, "--status", "--json")
    document = json.loads(out)
    assert code == 0 and document["newPercent"] == 25 and document["state"] == "weighted"
    code, out, err = run(capsys, *base, "--abort", "--yes")
    assert code == 2 and "--rollback first" in err
    assert run(capsys, *base, "--rollback", "--yes")[0] == 0
    assert run(capsys, *base, "--abort", "--yes")[0] == 0
    assert [("SetIdentifier" in r, r["AliasTarget"]["DNSName"]) for r in zone["records"]()] == [
        (False, zone["old"]["DNSName"])
    ]


def test_no_such_zone_and_lb_exit_2_with_json(capsys: pytest.CaptureFixture[str], zone: dict[str, Any]) -> None:
    code, out, err = run(capsys, "--zone-id", "ZNOPE", "--host", "www.example.com", "--status", "--json")
    assert code == 2 and "ZNOPE" in json.loads(out)["error"]
    code, out, err = run(
        capsys,
        "--zone-id",
        zone["id"],
        "--host",
        "www.example.com",
        "--weight",
        "5",
        "--to",
        "missing-99.us-west-2.elb.amazonaws.com",
        "--dry-run",
    )
    assert code == 2 and "missing-99.us-west-2.elb.amazonaws.com" in err


def test_a_resolve_for_the_host_itself_is_said_to_be_unused(
    capsys: pytest.CaptureFixture[str], zone: dict[str, Any]
) -> None:
    code, _out, err = run(
        capsys,
        "--zone-id",
        zone["id"],
        "--host",
        "www.example.com",
        "--to",
        zone["new"]["DNSName"],
        "--weight",
        "10",
        "--resolve",
        "www.example.com=192.0.2.10",
        "--dry-run",
    )
    assert code == 0, err
    assert "note: --resolve www.example.com=192.0.2.10 is not used" in err and "load balancer's DNS name" in err


def test_scheme_change_flag_is_wired() -> None:
    from albops.cli.main import _parse

    assert _parse(["cutover", "--zone-id", "Z1", "--host", "a.example.com", "--status"]).allow_scheme_change is False
    args = _parse(["cutover", "--zone-id", "Z1", "--host", "a.example.com", "--status", "--allow-scheme-change"])
    assert args.allow_scheme_change is True
