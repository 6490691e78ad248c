"""The runbook whole (docs/runbook-nginx-to-alb.md): a cluster served by two ingress-nginx installs moved to ALBs
with this project's commands only. The cluster is the fake API server over TLS (tests/kube_api_fake.py); Route 53
and the load balancers are moto in server mode; each ALB is an HTTPS site on 127.0.0.1 that the gates reach
through --resolve, as a rehearsal before DNS moves would.

Steps tested: migrate --from-cluster --side-by-side (step 2), the report's next command for each host run as
printed (a dry run: step 6's first look), then 1% -> 10% -> 50% -> 100% with gates and --finish (steps 6-7).
"""

from __future__ import annotations

import json
import re
import shlex
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.__main__ import main
from albops.cluster.aws import AwsSession
from tests import gate_servers
from tests.kube_api_fake import FakeCluster, kubeconfig, serve
from tests.test_migrate_from_cluster import TOKEN, two_installs

PUBLIC_HOST, INTERNAL_HOST = "shop.example.com", "api.internal.example"


def alias(name: str, lb: dict[str, Any]) -> dict[str, Any]:
    target = {"HostedZoneId": lb["CanonicalHostedZoneId"], "DNSName": lb["DNSName"], "EvaluateTargetHealth": False}
    return {"Name": name, "Type": "A", "AliasTarget": target}


def records_of(r53: Any, zone: str, name: str) -> list[tuple[str, int, str]]:
    found = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return sorted(
        (r.get("SetIdentifier", ""), r.get("Weight", -1), r["AliasTarget"]["DNSName"].rstrip(".").lower())
        for r in found
        if r["Name"].rstrip(".") == name and r["Type"] == "A"
    )


def test_two_installs_to_albs_by_the_runbook(
    aws_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = AwsSession("us-west-2")
    ec2, v2, r53 = aws.client("ec2"), aws.client("elbv2"), aws.client("route53")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-west-2{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]

    def lb(name: str, **kw: Any) -> dict[str, Any]:
        found: dict[str, Any] = v2.create_load_balancer(Name=name, Subnets=subnets, **kw)["LoadBalancers"][0]
        return found

    old = {
        PUBLIC_HOST: lb("public-nlb", Type="network"),
        INTERNAL_HOST: lb("edge-nlb", Type="network", Scheme="internal"),
    }
    public_zone = r53.create_hosted_zone(Name="example.com", CallerReference="pub")["HostedZone"]["Id"].split("/")[-1]
    private_zone = r53.create_hosted_zone(
        Name="internal.example",
        CallerReference="priv",
        VPC={"VPCRegion": "us-west-2", "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True, "Comment": "corp"},
    )["HostedZone"]["Id"].split("/")[-1]
    zones = {PUBLIC_HOST: public_zone, INTERNAL_HOST: private_zone}
    neighbour = {"Name": "www.example.com", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.7"}]}
    for host, zone in zones.items():
        changes = [{"Action": "CREATE", "ResourceRecordSet": alias(host, old[host])}]
        if zone == public_zone:
            changes.append({"Action": "CREATE", "ResourceRecordSet": neighbour})
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})

    # The cluster: each install's LoadBalancer Service names its NLB in its status, as the cloud provider sets it.
    objects = two_installs()
    services = {"ingress-nginx-controller": PUBLIC_HOST, "edge-lb": INTERNAL_HOST}
    for obj in objects:
        if obj["kind"] == "Service" and obj["metadata"]["name"] in services:
            hostname = old[services[obj["metadata"]["name"]]]["DNSName"]
            obj["status"] = {"loadBalancer": {"ingress": [{"hostname": hostname}]}}
    cluster = FakeCluster(objects, tokens={TOKEN: "migrator"})
    with ExitStack() as stack:
        served = stack.enter_context(serve(cluster, tmp_path))
        config = kubeconfig(tmp_path / "kubeconfig", served, {"migrator": {"token": TOKEN}}, current="migrator")

        # Step 2: read the cluster, write the -alb Ingresses beside the nginx ones.
        report_file = tmp_path / "report.json"
        argv = [
            "migrate",
            "--from-cluster",
            "--kubeconfig",
            str(config),
            "--side-by-side",
            "--report",
            str(report_file),
        ]
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 1), err
        written = [d for d in yaml.safe_load_all(out) if d]
        assert sorted(d["metadata"]["name"] for d in written) == ["api-alb", "web-alb"]
        assert cluster.methods() == {"GET"}
        rows = {r["host"]: r for r in json.loads(report_file.read_text())["sideBySide"]}
        assert set(rows) == {PUBLIC_HOST, INTERNAL_HOST}

        sites = {
            host: stack.enter_context(gate_servers.site(tmp_path / host, names=(host,)))
            for host in (PUBLIC_HOST, INTERNAL_HOST)
        }
        # What the controller creates once the -alb Ingresses are applied: one ALB per group, of the scheme the
        # written Ingresses carry (the public NLB's install: internet-facing; the internal one's: internal).
        schemes = {
            d["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"]: d["metadata"]["annotations"][
                "alb.ingress.kubernetes.io/scheme"
            ]
            for d in written
        }
        assert sorted(schemes.values()) == ["internal", "internet-facing"]
        new_by_group = {group: lb(f"k8s-alb{i}", Scheme=scheme) for i, (group, scheme) in enumerate(schemes.items())}
        for host, row in rows.items():
            # The report names each host's own NLB (read from its install's Service), and the record agrees.
            assert row["oldLoadBalancer"] == old[host]["DNSName"]
            new = new_by_group[row["albGroup"]]
            assert records_of(r53, zones[host], host) == [("", -1, old[host]["DNSName"].lower())]
            # Step 6: the report's next command as printed, with the ALB's name and the zone filled in.
            command = re.sub(r"\$\(kubectl [^)]*\)", new["DNSName"], row["next"]).replace("ZONE", zones[host])
            words = shlex.split(command)
            assert words[:2] == ["albops", "cutover"] and "--dry-run" in words
            assert main(words[1:]) == 0, capsys.readouterr()
            capsys.readouterr()
            assert records_of(r53, zones[host], host) == [("", -1, old[host]["DNSName"].lower())]
            gate = [
                *("--resolve", f"{new['DNSName']}={sites[host].address}"),
                *("--resolve", f"{old[host]['DNSName']}={sites[host].address}"),
                # Few samples, so a loaded runner still gathers them in the 1 s window: the probe sends at least
                # 10 a second (gates.MIN_RATE), twice what 5 need, where 10 samples left 1.25x and a runner with
                # three test workers on two cores once sent fewer; the count rule is tested in
                # test_cutover_gates.py.
                *("--ca-file", sites[host].ca_file, "--gate-seconds", "1", "--min-samples", "5"),
                *("--settle-seconds", "0", "--max-p99-ms", "5000", "--yes"),
            ]
            step = [w for w in words[1:] if w != "--dry-run"]
            percents = (1, 10, 50, 100) if host == PUBLIC_HOST else (100,)
            for percent in percents:
                weighted = [*step[: step.index("--weight") + 1], str(percent), *step[step.index("--weight") + 2 :]]
                code = main([*weighted, *gate])
                said = capsys.readouterr()
                assert code == 0, said
                assert records_of(r53, zones[host], host) == [
                    ("albops-new", percent, new["DNSName"].lower()),
                    ("albops-old", 100 - percent, old[host]["DNSName"].lower()),
                ]
            assert main(["cutover", "--zone-id", zones[host], "--host", host, "--finish", "--yes"]) == 0
            capsys.readouterr()
            assert records_of(r53, zones[host], host) == [("", -1, new["DNSName"].lower())]
            assert set(sites[host].hosts) == {host} and set(sites[host].sni) == {host}
    # Nothing else in the zones moved, and the cluster was only read.
    kept = r53.list_resource_record_sets(HostedZoneId=public_zone)["ResourceRecordSets"]
    www = next(r for r in kept if r["Name"].rstrip(".") == "www.example.com")
    assert www["ResourceRecords"] == neighbour["ResourceRecords"]
    assert cluster.methods() == {"GET"}
