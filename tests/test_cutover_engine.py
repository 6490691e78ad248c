"""albops cutover's record engine against moto in server mode: every transition, every refusal, the batches sent.

The gates here are the test's own objects (the real probes are tested with HTTPS endpoints after the merge).
Batches are captured from the Route 53 client's parameters before they are sent; the expected ones of the first
step, finish and abort are written by hand from the Route 53 API reference (ChangeResourceRecordSets: a weighted
alias record is Name, Type, SetIdentifier, Weight, AliasTarget{HostedZoneId, DNSName, EvaluateTargetHealth}).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from albops.cluster.aws import AwsSession
from albops.cutover.engine import Cutover, Outcome, Request
from albops.cutover.model import GateResult, GateSettings, LoadBalancer

PASS = GateResult(True, "errors 0/1000 (max 0.1%), p99 12 ms (max 40 ms)")
FAIL = GateResult(False, "errors 50/1000 (max 0.1%)", ("error rate 5% over 0.1%",))
ZONE_HOST = "Z2P70J7EXAMPLE"  # moto's CanonicalHostedZoneId of every ELBv2 load balancer in us-west-2


@dataclass
class FakeGates:
    """Gates chosen by the test; ``on_before``/``on_after`` run inside the gate (to change records meanwhile)."""

    before_result: GateResult = PASS
    after_result: GateResult = PASS
    on_before: Callable[[], None] | None = None
    on_after: Callable[[threading.Event], None] | None = None
    calls: list[tuple[str, str, str, str | None, tuple[str, ...]]] = field(default_factory=list)

    def before(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        self.calls.append(("before", settings.host, new.dns_name, old.dns_name if old else None, settings.urls))
        if self.on_before:
            self.on_before()
        return self.before_result

    def after(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        self.calls.append(("after", settings.host, new.dns_name, old.dns_name if old else None, settings.urls))
        if self.on_after:
            self.on_after(stop)
        return GateResult(False, "interrupted", ("interrupted",)) if stop.is_set() else self.after_result


class World:
    """A moto account with two load balancers, a zone, and the batches the engine sent."""

    def __init__(self) -> None:
        self.aws = AwsSession("us-west-2")
        self.sent: list[list[dict[str, Any]]] = []
        self.r53 = self.aws.client("route53")
        self.r53.meta.events.register("provide-client-params.route-53.ChangeResourceRecordSets", self._capture)
        ec2, v2 = self.aws.client("ec2"), self.aws.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-west-2{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in ((1, "a"), (2, "b"))
        ]
        self.old = v2.create_load_balancer(Name="old-nlb", Subnets=subnets, Type="network", IpAddressType="dualstack")[
            "LoadBalancers"
        ][0]
        self.new = v2.create_load_balancer(Name="k8s-web-alb", Subnets=subnets, IpAddressType="dualstack")[
            "LoadBalancers"
        ][0]
        self.v4only = v2.create_load_balancer(Name="v4-alb", Subnets=subnets)["LoadBalancers"][0]
        self.zone = self.r53.create_hosted_zone(Name="example.com", CallerReference="z1")["HostedZone"]["Id"].rsplit(
            "/", 1
        )[-1]
        self.gates = FakeGates()

    @functools.cached_property
    def raw(self) -> Any:
        """A Route 53 client of its own, which the engine does not use: what it sends is not captured."""
        return AwsSession("us-west-2").client("route53")

    def _capture(self, params: dict[str, Any], **_: Any) -> None:
        self.sent.append(copy.deepcopy(params["ChangeBatch"]["Changes"]))

    def client(self, service: str, region: str) -> Any:
        return self.aws.client(service)

    def put(self, *records: dict[str, Any], action: str = "CREATE", zone: str | None = None) -> None:
        """Write records straight to moto (not through the engine's client: not captured)."""
        self.raw.change_resource_record_sets(
            HostedZoneId=zone or self.zone,
            ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": r} for r in records]},
        )

    def alias(self, name: str, rtype: str = "A", lb: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        lb = lb or self.old
        return {
            "Name": name,
            "Type": rtype,
            "AliasTarget": {
                "HostedZoneId": lb["CanonicalHostedZoneId"],
                "DNSName": lb["DNSName"],
                "EvaluateTargetHealth": False,
            },
            **extra,
        }

    def records(self, name: str = "www.example.com") -> list[dict[str, Any]]:
        found = self.raw.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]
        return [r for r in found if r["Name"].lower().rstrip(".") == name]

    def run(self, action: str = "weight", **kw: Any) -> Outcome:
        defaults: dict[str, Any] = {
            "zone_id": self.zone,
            "host": "www.example.com",
            "action": action,
            "yes": True,
            "settle_seconds": 0.0,
        }
        if action == "weight":
            defaults["to"] = self.new["DNSName"]
        defaults.update(kw)
        return Cutover(self.client, "us-west-2", lambda: self.gates).run(Request(**defaults))


@pytest.fixture
def world(aws_env: str) -> World:
    w = World()
    w.put(w.alias("www.example.com", "A"), w.alias("www.example.com", "AAAA"))
    return w


def _weighted(world: World, name: str, rtype: str, ident: str, weight: int, lb: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": rtype,
        "SetIdentifier": ident,
        "Weight": weight,
        "AliasTarget": {"HostedZoneId": ZONE_HOST, "DNSName": lb["DNSName"], "EvaluateTargetHealth": True},
    }


def test_first_step_sends_the_hand_written_batch(world: World) -> None:
    out = world.run(weight=1)
    assert out.code == 0, out.error
    old_dns, new_dns = "old-nlb-1.us-west-2.elb.amazonaws.com", "k8s-web-alb-1.us-west-2.elb.amazonaws.com"
    simple = {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": old_dns, "EvaluateTargetHealth": False}
    on_old = {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": old_dns, "EvaluateTargetHealth": True}
    on_new = {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": new_dns, "EvaluateTargetHealth": True}
    assert world.sent == [
        [
            {"Action": "DELETE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "A", "AliasTarget": simple}},
            {
                "Action": "DELETE",
                "ResourceRecordSet": {"Name": "www.example.com.", "Type": "AAAA", "AliasTarget": simple},
            },
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "www.example.com.",
                    "Type": "A",
                    "SetIdentifier": "albops-old",
                    "Weight": 99,
                    "AliasTarget": on_old,
                },
            },
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "www.example.com.",
                    "Type": "A",
                    "SetIdentifier": "albops-new",
                    "Weight": 1,
                    "AliasTarget": on_new,
                },
            },
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "www.example.com.",
                    "Type": "AAAA",
                    "SetIdentifier": "albops-old",
                    "Weight": 99,
                    "AliasTarget": on_old,
                },
            },
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "www.example.com.",
                    "Type": "AAAA",
                    "SetIdentifier": "albops-new",
                    "Weight": 1,
                    "AliasTarget": on_new,
                },
            },
        ]
    ]
    assert [c[0] for c in world.gates.calls] == ["before", "after"]
    assert world.gates.calls[0][1:4] == ("www.example.com", new_dns, old_dns)
    assert world.gates.calls[0][4] == ("https://www.example.com/",)
    weights = sorted((r["Type"], r["SetIdentifier"], r["Weight"]) for r in world.records())
    assert weights == [
        ("A", "albops-new", 1),
        ("A", "albops-old", 99),
        ("AAAA", "albops-new", 1),
        ("AAAA", "albops-old", 99),
    ]
    assert any("TTL" in line and "never follow DNS" in line for line in out.lines)


def test_every_transition_to_finish(world: World) -> None:
    for percent in (1, 10, 50, 100):
        out = world.run(weight=percent)
        assert out.code == 0, out.error
        by = {(r["Type"], r["SetIdentifier"]): r["Weight"] for r in world.records()}
        assert by == {
            ("A", "albops-old"): 100 - percent,
            ("A", "albops-new"): percent,
            ("AAAA", "albops-old"): 100 - percent,
            ("AAAA", "albops-new"): percent,
        }
    # a later step deletes exactly the weighted records the previous one wrote
    for earlier, later in zip(world.sent, world.sent[1:], strict=False):
        created = [c["ResourceRecordSet"] for c in earlier if c["Action"] == "CREATE"]
        assert [c for c in later if c["Action"] == "DELETE"] == [
            {"Action": "DELETE", "ResourceRecordSet": r} for r in created
        ]
    assert all(c["Action"] in ("DELETE", "CREATE") for batch in world.sent for c in batch)
    out = world.run("finish")
    assert out.code == 0, out.error
    new_dns = "k8s-web-alb-1.us-west-2.elb.amazonaws.com"
    old_dns = "old-nlb-1.us-west-2.elb.amazonaws.com"
    weighted = [
        _weighted(world, "www.example.com.", t, i, w, lb)
        for t in ("A", "AAAA")
        for i, w, lb in (("albops-old", 0, world.old), ("albops-new", 100, world.new))
    ]
    assert old_dns in json.dumps(weighted)
    final = {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": new_dns, "EvaluateTargetHealth": True}
    assert world.sent[-1] == [
        *({"Action": "DELETE", "ResourceRecordSet": r} for r in weighted),
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "A", "AliasTarget": final}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "AAAA", "AliasTarget": final}},
    ]
    assert [(r["Type"], "SetIdentifier" in r, r["AliasTarget"]["DNSName"]) for r in world.records()] == [
        ("A", False, new_dns),
        ("AAAA", False, new_dns),
    ]
    # no gate runs for finish: the 100% step was gated
    assert [c[0] for c in world.gates.calls].count("after") == 4


def test_rollback_then_abort_rebuilds_the_simple_records(world: World) -> None:
    assert world.run(weight=10).code == 0
    out = world.run("rollback")
    assert out.code == 0, out.error
    by = {(r["Type"], r["SetIdentifier"]): r["Weight"] for r in world.records()}
    assert by[("A", "albops-old")] == 100 and by[("A", "albops-new")] == 0
    out = world.run("abort")
    assert out.code == 0, out.error
    old_dns = "old-nlb-1.us-west-2.elb.amazonaws.com"
    rolled = [
        _weighted(world, "www.example.com.", t, i, w, lb)
        for t in ("A", "AAAA")
        for i, w, lb in (("albops-old", 100, world.old), ("albops-new", 0, world.new))
    ]
    back = {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": old_dns, "EvaluateTargetHealth": True}
    assert world.sent[-1] == [
        *({"Action": "DELETE", "ResourceRecordSet": r} for r in rolled),
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "A", "AliasTarget": back}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "AAAA", "AliasTarget": back}},
    ]
    assert [(r["Type"], "SetIdentifier" in r) for r in world.records()] == [("A", False), ("AAAA", False)]


def test_abort_and_finish_refused_at_the_wrong_weight(world: World) -> None:
    assert world.run(weight=50).code == 0
    sent = len(world.sent)
    abort, finish = world.run("abort"), world.run("finish")
    assert (abort.code, finish.code) == (2, 2)
    assert "--rollback first" in abort.error and "--weight 100 first" in finish.error
    assert len(world.sent) == sent
    assert world.run("rollback").code == 0
    assert world.run("finish").code == 2


def test_dry_run_and_missing_yes_change_nothing(world: World) -> None:
    before = world.records()
    dry = world.run(weight=10, dry_run=True, yes=False)
    assert dry.code == 0 and any(line.startswith("batch: ") for line in dry.lines)
    assert dry.document["applied"] is False and dry.document["changeBatch"]["Changes"]
    unconfirmed = world.run(weight=10, yes=False)
    assert unconfirmed.code == 3 and "--yes" in unconfirmed.error
    assert world.sent == [] and world.records() == before and world.gates.calls == []


def test_failed_gate_before_changes_nothing(world: World) -> None:
    world.gates.before_result = FAIL
    before = world.records()
    out = world.run(weight=10)
    assert out.code == 1 and "before the change failed" in out.error
    assert world.sent == [] and world.records() == before


@pytest.fixture(autouse=True)
def route53_deletes_one_record_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5.2.5 deletes a weighted record set by its SetIdentifier alone, every record set with that identifier
    across the zone, whatever its name and type (moto/route53/models.py, FakeZone.delete_rrset_by_id, called from
    Route53Backend.change_resource_record_sets); Route 53 deletes the one record set the DELETE names. With
    several hosts mid-cutover (each with albops-old/albops-new) moto would wipe the other hosts' records, so the
    tests run against Route 53's behaviour: moto runs in this process and the function is replaced here, reading
    the name and type of the change being applied from its caller's frame."""
    import sys

    from moto.route53.models import FakeZone

    from albops.cutover.records import dns_name

    def delete_one(self: Any, set_identifier: str) -> None:
        change = sys._getframe(1).f_locals["record_set"]
        name, rtype = dns_name(change["Name"]), change["Type"]
        self.rrsets = [
            r
            for r in self.rrsets
            if not (r.set_identifier == set_identifier and dns_name(r.name) == name and r.type == rtype)
        ]

    monkeypatch.setattr(FakeZone, "delete_rrset_by_id", delete_one)


@pytest.fixture
def delete_then_create(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto refuses a CREATE equal to any CREATE in the zone's change journal while a record of that name and type
    exists, even when a DELETE earlier in the same batch removes it (moto 5.2.5, moto/route53/models.py,
    change_resource_record_sets and ChangeList.__contains__); Route 53 applies a batch's changes in order and
    accepts it. A restore recreates exactly what was there before, so under moto it needs Route 53's behaviour:
    the journal check is turned off (moto runs in this process); check_batch still checks what Route 53 would."""
    from moto.route53.models import ChangeList

    monkeypatch.setattr(ChangeList, "__contains__", lambda self, item: False)


def test_failed_gate_after_restores_the_previous_weights(world: World, delete_then_create: None) -> None:
    assert world.run(weight=10).code == 0
    previous = world.records()
    world.gates.after_result = FAIL
    out = world.run(weight=50)
    assert out.code == 1 and "restored" in out.error
    step, undo = world.sent[-2], world.sent[-1]
    # the restore deletes exactly what the step created and creates exactly what it deleted
    assert [c["ResourceRecordSet"] for c in undo if c["Action"] == "DELETE"] == [
        c["ResourceRecordSet"] for c in step if c["Action"] == "CREATE"
    ]
    assert [c["ResourceRecordSet"] for c in undo if c["Action"] == "CREATE"] == [
        c["ResourceRecordSet"] for c in step if c["Action"] == "DELETE"
    ]
    assert sorted(map(json.dumps, world.records())) == sorted(map(json.dumps, previous))
    assert out.document["restored"] is True


def test_record_changed_during_the_window_is_printed_not_restored(world: World) -> None:
    assert world.run(weight=10).code == 0

    def someone_edits(_stop: threading.Event) -> None:
        current = next(r for r in world.records() if r["Type"] == "A" and r["SetIdentifier"] == "albops-new")
        world.put(current, action="DELETE")
        world.put({**current, "Weight": 7})

    world.gates.after_result = FAIL
    world.gates.on_after = someone_edits
    out = world.run(weight=50)
    assert out.code == 1 and "nothing was restored" in out.error and "albops-old" in out.error
    assert out.document["restored"] is False
    assert len(world.sent) == 2  # the step, no restore
    assert {r["Weight"] for r in world.records() if r["Type"] == "A" and r["SetIdentifier"] == "albops-new"} == {7}


def test_interrupt_during_the_window_is_a_failed_gate(world: World, delete_then_create: None) -> None:
    def interrupted(stop: threading.Event) -> None:
        stop.set()  # what the SIGINT/SIGTERM handler of the window does

    world.gates.on_after = interrupted
    out = world.run(weight=10)
    assert out.code == 1 and out.document["restored"] is True
    assert [(r["Type"], "SetIdentifier" in r) for r in world.records()] == [("A", False), ("AAAA", False)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_real_signal_in_the_window_sets_the_gates_stop_and_handlers_come_back(
    world: World, delete_then_create: None, signum: int, request: pytest.FixtureRequest
) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("a signal reaches only the main thread; this runner runs tests in another")
    seen: list[bool] = []
    if signum == signal.SIGHUP:  # as the CLI does: never the default (ending pytest) if the window missed it
        previous = signal.signal(signum, lambda *_: None)
        request.addfinalizer(lambda: signal.signal(signum, previous))

    def signalled(stop: threading.Event) -> None:
        os.kill(os.getpid(), signum)
        seen.append(stop.wait(5))

    before = signal.getsignal(signum)
    world.gates.on_after = signalled
    out = world.run(weight=10)
    assert seen == [True] and out.code == 1 and out.document["restored"] is True
    assert signal.getsignal(signum) is before


def test_concurrent_edit_between_read_and_write_sends_nothing(world: World) -> None:
    # moto would accept a DELETE with stale values; the engine re-reads and compares before sending.
    def someone_edits() -> None:
        world.put(world.alias("www.example.com", "A"), action="DELETE")
        world.put(world.alias("www.example.com", "A", lb=world.v4only))

    world.gates.on_before = someone_edits
    out = world.run(weight=10)
    assert out.code == 1 and "changed since they were read" in out.error
    assert world.sent == []


@pytest.mark.parametrize(
    ("extra", "found"),
    [
        ({"SetIdentifier": "eu", "Region": "eu-west-1"}, "latency"),
        ({"SetIdentifier": "primary", "Failover": "PRIMARY"}, "failover"),
        ({"SetIdentifier": "de", "GeoLocation": {"CountryCode": "DE"}}, "geolocation"),
        ({"SetIdentifier": "blue", "Weight": 50}, "weighted record this tool did not write"),
    ],
)
def test_other_routing_policies_are_refused(aws_env: str, extra: dict[str, Any], found: str) -> None:
    world = World()
    world.put(world.alias("www.example.com", "A", **extra))
    out = world.run(weight=10)
    assert out.code == 2 and found in out.error and "www.example.com" in out.error
    assert world.sent == []


def test_health_check_and_address_records_are_refused(aws_env: str) -> None:
    world = World()
    world.put({"Name": "api.example.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]})
    out = world.run(weight=10, host="api.example.com")
    assert out.code == 2 and "holds addresses" in out.error
    check = world.r53.create_health_check(
        CallerReference="h1", HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "x.example.com"}
    )["HealthCheck"]["Id"]
    world.put(world.alias("www.example.com", "A", SetIdentifier="albops-old", Weight=100, HealthCheckId=check))
    out = world.run(weight=10)
    assert out.code == 2 and check in out.error
    assert world.sent == []


def test_missing_record_zone_and_load_balancer_are_named(world: World) -> None:
    out = world.run(weight=10, host="nothing.example.com")
    assert out.code == 2 and "nothing.example.com has no record" in out.error
    out = world.run(weight=10, host="www.example.org")
    assert out.code == 2 and "does not hold it" in out.error
    out = world.run(weight=10, zone_id="ZNOSUCHZONE1")
    assert out.code == 2 and "ZNOSUCHZONE1" in out.error
    out = world.run(weight=10, to="gone-123456.us-west-2.elb.amazonaws.com")
    assert out.code == 2 and "gone-123456.us-west-2.elb.amazonaws.com" in out.error
    out = world.run(weight=10, from_lb=world.v4only["DNSName"])
    assert out.code == 2 and "--from" in out.error
    assert world.sent == []


def test_lb_by_arn_and_dualstack_name_case_insensitive(world: World) -> None:
    out = world.run(
        weight=10, to=world.new["LoadBalancerArn"], from_lb="DUALSTACK." + world.old["DNSName"].upper() + "."
    )
    assert out.code == 0, out.error
    assert out.document["to"]["arn"] == world.new["LoadBalancerArn"]


def test_aaaa_to_an_ipv4_only_load_balancer_is_refused(world: World) -> None:
    out = world.run(weight=10, to=world.v4only["DNSName"])
    assert out.code == 2 and "AAAA" in out.error and "v4-alb" in out.error


def test_status_lists_records_weights_and_health(world: World) -> None:
    assert world.run(weight=10).code == 0
    out = world.run("status", yes=False)
    assert out.code == 0, out.error
    assert out.document["state"] == "weighted" and out.document["newPercent"] == 10
    assert [t["weight"] for t in out.document["targets"]] == [90, 10]
    assert all("health" in t for t in out.document["targets"])


@pytest.mark.parametrize(
    ("prefix", "suffix", "txt_name"),
    [
        ("", "", "a-www.example.com"),
        ("extdns-", "", "extdns-a-www.example.com"),
        ("", "-own", "aaaa-www-own.example.com"),
        ("%{record_type}.", "", "cname.www.example.com"),
        ("", "", "www.example.com"),  # the format before record-typed names: the TXT beside the record
    ],
)
def test_external_dns_name_is_refused_with_its_annotations(
    world: World, prefix: str, suffix: str, txt_name: str
) -> None:
    value = '"heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/web/site"'
    world.put({"Name": txt_name, "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": value}]})
    before = world.records()
    out = world.run(weight=10, txt_prefix=prefix, txt_suffix=suffix)
    assert out.code == 3 and "external-dns" in out.error
    assert "external-dns.kubernetes.io/set-identifier: albops-new" in out.error
    assert 'external-dns.kubernetes.io/aws-weight: "10"' in out.error and 'aws-weight: "90"' in out.error
    assert world.sent == [] and world.records() == before
    old = world.run(
        weight=10, txt_prefix=prefix, txt_suffix=suffix, annotation_prefix="external-dns.alpha.kubernetes.io/"
    )
    assert "external-dns.alpha.kubernetes.io/aws-weight" in old.error


@pytest.mark.parametrize("txt_name", ["other-a-www.example.com", "www-own.example.com", "_owner.www.example.com"])
def test_an_ownership_txt_under_a_prefix_not_given_stops_the_run(world: World, txt_name: str) -> None:
    """external-dns run with a --txt-prefix/--txt-suffix the cutover was not told of: its ownership record sits
    where the given mapping does not look. Taking its record for a hand-made one would start a fight with
    external-dns, so the run stops (exit 3, nothing sent) and says which flags settle it."""
    value = '"heritage=external-dns,external-dns/owner=prod"'
    world.put({"Name": txt_name, "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": value}]})
    out = world.run(weight=10, dry_run=True, yes=False)
    assert out.code == 3 and f"TXT {txt_name}" in out.error and "--not-external-dns" in out.error
    assert world.sent == []
    assert "looks like external-dns" in " ".join(world.run("status").lines)
    assert world.run(weight=10, dry_run=True, yes=False, not_external_dns=True).code == 0


def test_another_hosts_ownership_txt_does_not_stop_the_run(world: World) -> None:
    value = '"heritage=external-dns,external-dns/owner=prod"'
    for name in ("a-api.example.com", "a-www.other.example.com"):
        world.put({"Name": name, "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": value}]})
    world.put({"Name": "a-wwwx.example.com", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"v=spf1"'}]})
    assert world.run(weight=10, dry_run=True, yes=False).code == 0


def test_other_zones_holding_the_name_are_listed(world: World) -> None:
    private = world.r53.create_hosted_zone(
        Name="example.com",
        CallerReference="z2",
        VPC={"VPCRegion": "us-west-2", "VPCId": "vpc-12345678"},
        HostedZoneConfig={"PrivateZone": True, "Comment": "inside"},
    )["HostedZone"]["Id"].rsplit("/", 1)[-1]
    world.put(world.alias("www.example.com", "A"), zone=private)
    out = world.run(weight=10, dry_run=True, yes=False)
    assert out.code == 0
    assert [z["zoneId"] for z in out.document["otherZones"]] == [private]
    assert out.document["otherZones"][0]["private"] is True
    assert any(private in line and "private" in line for line in out.lines)


def test_wildcard_needs_record_then_moves_only_it(aws_env: str) -> None:
    world = World()
    world.put(world.alias("*.example.com", "A"), world.alias("other.example.com", "A"))
    out = world.run(weight=10, host="shop.example.com")
    assert out.code == 2 and "--record '*.example.com'" in out.error
    out = world.run(weight=10, host="shop.example.com", record="*.example.com")
    assert out.code == 0, out.error
    names = {c["ResourceRecordSet"]["Name"] for batch in world.sent for c in batch}
    assert names == {"\\052.example.com."} or names == {"*.example.com."}
    assert out.document["hostsBehind"] == ["shop.example.com"]
    assert [c[1] for c in world.gates.calls] == ["shop.example.com", "shop.example.com"]
    assert [r for r in world.records("other.example.com") if "SetIdentifier" in r] == []


def test_cname_needs_record_then_lists_and_gates_every_host(aws_env: str) -> None:
    world = World()
    world.put(
        world.alias("lb.example.com", "A"),
        {"Name": "www.example.com", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "lb.example.com"}]},
        {"Name": "api.example.com", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "lb.example.com."}]},
    )
    out = world.run(weight=10)
    assert out.code == 2 and "CNAME to lb.example.com" in out.error and "--record lb.example.com" in out.error
    out = world.run(
        weight=10,
        record="lb.example.com",
        gate=GateSettings(host="www.example.com", urls=("https://api.example.com/health",)),
    )
    assert out.code == 0, out.error
    # the record's own name is a host clients may use too: listed and gated
    assert sorted(out.document["hostsBehind"]) == ["api.example.com", "lb.example.com", "www.example.com"]
    gated = {(c[0], c[1], c[4]) for c in world.gates.calls}
    assert ("before", "api.example.com", ("https://api.example.com/health",)) in gated
    assert ("before", "www.example.com", ("https://www.example.com/",)) in gated
    assert ("before", "lb.example.com", ("https://lb.example.com/",)) in gated
    assert {c["ResourceRecordSet"]["Name"] for c in world.sent[0]} == {"lb.example.com."}
    out = world.run(
        weight=20,
        record="lb.example.com",
        gate=GateSettings(host="www.example.com", urls=("https://elsewhere.example.net/",)),
    )
    assert out.code == 2 and "elsewhere.example.net" in out.error


def test_records_read_across_pages(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two record sets a page: the host's A, AAAA and TXT span pages, and the names after it are not taken."""
    import albops.cutover.engine as engine

    monkeypatch.setattr(engine, "PAGE_ITEMS", "2")
    world.put(
        {"Name": "www.example.com", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": '"v=1"'}]},
        world.alias("a.www.example.com", "A"),
        world.alias("wwx.example.com", "A"),
    )
    cutover = Cutover(world.client, "us-west-2", lambda: world.gates)
    found = cutover.read_name(world.zone, "WWW.example.com.")
    assert sorted(r["Type"] for r in found) == ["A", "AAAA", "TXT"]
    out = world.run(weight=10)
    assert out.code == 0, out.error
    assert {c["ResourceRecordSet"]["Name"] for c in world.sent[0]} == {"www.example.com."}


def test_classic_load_balancer_without_a_canonical_zone_is_named(aws_env: str) -> None:
    """moto's DescribeLoadBalancers (Classic) carries no CanonicalHostedZoneNameID; AWS always does. Without it no
    alias can name the load balancer, so the tool says so instead of writing a record with no zone."""
    world = World()
    world.put(world.alias("www.example.com", "A"))
    elb = AwsSession("us-east-1").client("elb")  # moto names every Classic DNS name us-east-1
    elb.create_load_balancer(
        LoadBalancerName="classic-web",
        Listeners=[{"Protocol": "http", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=["us-east-1a"],
    )
    dns = elb.describe_load_balancers()["LoadBalancerDescriptions"][0]["DNSName"]
    out = Cutover(lambda service, region: AwsSession(region).client(service), "us-west-2", lambda: world.gates).run(
        Request(zone_id=world.zone, host="www.example.com", action="weight", to=dns, weight=10, dry_run=True)
    )
    assert out.code == 2 and "CanonicalHostedZoneNameID" in out.error and "classic-web" in out.error


def test_status_names_a_target_that_no_longer_exists(world: World) -> None:
    world.aws.client("elbv2").delete_load_balancer(LoadBalancerArn=world.old["LoadBalancerArn"])
    out = world.run("status", yes=False)
    assert out.code == 2 and "old-nlb-1.us-west-2.elb.amazonaws.com" in out.error
    assert out.document["state"] == "simple" and out.document["targets"][0]["health"]["healthy"] is None


def test_a_wildcard_host_alone_is_never_passed_unmeasured(aws_env: str) -> None:
    world = World()
    world.put(world.alias("*.example.com", "A"))
    out = world.run(weight=10, host="*.example.com", record="*.example.com")
    assert out.code == 1 and world.sent == [] and world.gates.calls == []


def _weighted_pair(world: World, old_weight: int, new_weight: int) -> None:
    """This tool's weighted pair as someone left it by hand (A and AAAA), replacing the simple records. Written
    with EvaluateTargetHealth off: moto refuses a CREATE equal to one in its change journal while any record of
    that name and type exists, before applying the batch's DELETEs (Route 53 applies the batch as a whole)."""
    world.put(world.alias("www.example.com", "A"), world.alias("www.example.com", "AAAA"), action="DELETE")
    pair = []
    for rtype in ("A", "AAAA"):
        for ident, weight, lb in (("albops-old", old_weight, world.old), ("albops-new", new_weight, world.new)):
            record = _weighted(world, "www.example.com.", rtype, ident, weight, lb)
            record["AliasTarget"]["EvaluateTargetHealth"] = False
            pair.append(record)
    world.put(*pair)


def test_both_weights_zero_is_half_each_not_0_percent(world: World) -> None:
    """botocore's route53 model (ResourceRecordSet.Weight): with weight 0 on every record of the name and type,
    Route 53 answers with each with equal probability. So 0/0 is 50% on the new load balancer: --status says so,
    --abort (which needs 0%) is refused, and --rollback sends old 100 / new 0."""
    _weighted_pair(world, 0, 0)
    status = world.run("status", yes=False)
    assert status.code == 0, status.error
    assert status.document["newPercent"] == 50 and status.document["allWeightsZero"] is True
    assert any("50% to the new load balancer: both weights are 0" in line for line in status.lines)
    abort = world.run("abort")
    assert abort.code == 2 and "sends 50% to the new one; --rollback first" in abort.error and world.sent == []
    rollback = world.run("rollback")
    assert rollback.code == 0, rollback.error
    created = [c["ResourceRecordSet"] for c in world.sent[0] if c["Action"] == "CREATE"]
    assert sorted((r["Type"], r["SetIdentifier"], r["Weight"]) for r in created) == [
        ("A", "albops-new", 0),
        ("A", "albops-old", 100),
        ("AAAA", "albops-new", 0),
        ("AAAA", "albops-old", 100),
    ]


@pytest.mark.parametrize("txt_name", ["a-www.example.com", "aaaa-www.example.com", "cname-www.example.com"])
def test_an_unreadable_txt_at_a_record_typed_ownership_name_is_external_dns(world: World, txt_name: str) -> None:
    """external-dns with --txt-encrypt-enabled (v0.22.0 endpoint/labels.go Serialize): the ownership TXT holds
    base64 ciphertext, so heritage=external-dns never shows. A TXT at a record-typed ownership name whose value
    cannot be read counts as external-dns's: exit 3, nothing sent, unless --not-external-dns."""
    cipher = '"SOwDnqmN4t0pw9yVyUFlVtbG0Ss2y6ubIAnoI7EmUQfcI+XfPYIWM0Wtu6CPGNwwbjImWLZu"'
    world.put({"Name": txt_name, "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": cipher}]})
    before = world.records()
    out = world.run(weight=10)
    assert out.code == 3 and f"TXT {txt_name}" in out.error and "encrypted or unreadable" in out.error
    assert "--not-external-dns" in out.error and "external-dns.kubernetes.io/aws-weight" in out.error
    assert world.sent == [] and world.records() == before
    assert world.run(weight=10, not_external_dns=True).code == 0


def test_an_unreadable_txt_beside_the_record_itself_is_not_taken_for_ownership(world: World) -> None:
    """The old-format name is the host's own name, where TXT records of every kind live (SPF, site checks)."""
    world.put({"Name": "www.example.com", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"v=spf1 -all"'}]})
    assert world.run(weight=10, dry_run=True, yes=False).code == 0


def test_health_is_judged_per_target_group_as_route_53_does(world: World) -> None:
    """botocore's route53 model (AliasTarget.EvaluateTargetHealth): an ALB/NLB is healthy only when every target
    group that contains targets has a healthy one, and a target group with no registered targets is unhealthy.
    The new ALB here forwards to a group with a healthy target and to an empty one: unhealthy."""
    from albops.cutover import lbs

    ec2, v2 = world.aws.client("ec2"), world.aws.client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"][0]["VpcId"]
    arns = [
        v2.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
            "TargetGroupArn"
        ]
        for name in ("web", "api")
    ]
    v2.register_targets(TargetGroupArn=arns[0], Targets=[{"Id": "10.0.1.10", "Port": 80}])
    v2.create_listener(
        LoadBalancerArn=world.new["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": a} for a in arns]}}],
    )
    resolved = lbs.resolve(world.new["DNSName"], world.client, "us-west-2")
    answer = lbs.health(resolved, world.client)
    assert answer["healthy"] is False and answer["targets"] == {"healthy": 1}
    assert answer["why"] == "no healthy target in api (no registered targets)"
    v2.register_targets(TargetGroupArn=arns[1], Targets=[{"Id": "10.0.2.10", "Port": 80}])
    assert lbs.health(resolved, world.client)["healthy"] is True
    bare = lbs.resolve(world.v4only["DNSName"], world.client, "us-west-2")
    assert lbs.health(bare, world.client) == {
        "healthy": False,
        "targets": {},
        "targetGroups": {},
        "why": "no target group",
    }


# ---- round 2 of the hostile review: each test below failed before its fix ----


def test_lines_are_given_as_they_happen_not_only_at_the_end(world: World) -> None:
    """A 600 s gate shows progress: the change and the settle line are out before the gate after it runs."""
    echoed: list[str] = []
    seen_in_gate: list[list[str]] = []
    world.gates.on_after = lambda _stop: seen_in_gate.append(list(echoed))
    request = Request(
        zone_id=world.zone,
        host="www.example.com",
        action="weight",
        to=world.new["DNSName"],
        weight=10,
        yes=True,
        settle_seconds=0.0,
    )
    out = Cutover(world.client, "us-west-2", lambda: world.gates, echo=echoed.append).run(request)
    assert out.code == 0, out.error
    assert any(line.startswith("change:") for line in seen_in_gate[0])
    assert any(line.startswith("measuring www.example.com for 60 s (after the change)") for line in seen_in_gate[0])
    assert any("settling 0 s (--settle-seconds)" in line for line in seen_in_gate[0])
    assert echoed == out.lines


def test_settle_line_names_the_ttl_only_when_it_is_the_default(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import albops.cutover.records as records_module

    # Route 53 answers an alias record with the target's TTL, 60 s for an ELB: the default settle time. The wait
    # itself is shortened here (it is a plain wait on the stop event), the line must still name the TTL.
    assert records_module.ALIAS_TTL_SECONDS == 60
    monkeypatch.setattr(records_module, "ALIAS_TTL_SECONDS", 0.05)
    out = world.run(weight=10, settle_seconds=None, insync_seconds=0.0)
    assert out.code == 0, out.error
    assert "settling 0.05 s (the record's TTL) before measuring" in out.lines


def test_a_failed_gate_prints_its_reasons_in_text(world: World, delete_then_create: None) -> None:
    world.gates.after_result = GateResult(False, "new: 10 samples", ("HTTP 503 x7", "no address within 5 s"))
    out = world.run(weight=10)
    assert out.code == 1
    assert "  why: HTTP 503 x7" in out.lines and "  why: no address within 5 s" in out.lines


def _refuse_second_change(world: World, code: str) -> None:
    calls: list[int] = []

    class _Http:
        status_code = 400

    def refuse(**_: Any) -> Any:
        calls.append(1)
        if len(calls) < 2:
            return None
        return _Http(), {"Error": {"Code": code, "Message": "Tried to delete resource record set but it was not found"}}

    world.r53.meta.events.register("before-call.route-53.ChangeResourceRecordSets", refuse)


@pytest.mark.parametrize("code", ["InvalidChangeBatch", "PriorRequestNotComplete"])
def test_a_refused_restore_says_the_step_stays_and_prints_the_batch_back(world: World, code: str) -> None:
    world.gates.after_result = FAIL
    _refuse_second_change(world, code)
    out = world.run(weight=10)
    assert out.code == 1
    assert "nothing was changed" not in out.error
    assert "still holds this step's weights" in out.error and code in out.error
    assert '"Action": "CREATE"' in out.error and "albops-new" in out.error
    assert out.document["restored"] is False
    # the records still hold the step's weights, as the message says
    assert {r.get("SetIdentifier") for r in world.records()} == {"albops-old", "albops-new"}


def _internal_alb(world: World) -> dict[str, Any]:
    ec2, v2 = world.aws.client("ec2"), world.aws.client("elbv2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["CidrBlock"].startswith("10.0.")]
    lb: dict[str, Any] = v2.create_load_balancer(
        Name="internal-alb", Subnets=subnets[:2], Scheme="internal", IpAddressType="dualstack"
    )["LoadBalancers"][0]
    return lb


def test_a_public_host_moved_to_an_internal_load_balancer_is_refused(world: World) -> None:
    internal = _internal_alb(world)
    out = world.run(weight=10, to=internal["DNSName"])
    assert out.code == 2 and "internal" in out.error and "internet-facing" in out.error
    assert "internal-alb" in out.error and "old-nlb" in out.error and "--allow-scheme-change" in out.error
    assert world.sent == []
    out = world.run(weight=10, to=internal["DNSName"], allow_scheme_change=True)
    assert out.code == 0, out.error
    assert any("--allow-scheme-change" in line for line in out.lines)


def test_a_private_zone_host_on_an_internal_load_balancer_moved_to_an_internet_facing_one_is_refused(
    world: World,
) -> None:
    internal = _internal_alb(world)
    private = world.r53.create_hosted_zone(
        Name="corp.example.com",
        CallerReference="p1",
        VPC={"VPCRegion": "us-west-2", "VPCId": "vpc-12345678"},
        HostedZoneConfig={"PrivateZone": True, "Comment": "inside"},
    )["HostedZone"]["Id"].rsplit("/", 1)[-1]
    world.put(world.alias("app.corp.example.com", "A", lb=internal), zone=private)
    out = world.run(weight=10, zone_id=private, host="app.corp.example.com", to=world.new["DNSName"])
    assert out.code == 2 and "internet-facing" in out.error and "zone private" in out.error
    assert world.sent == []


def test_a_host_under_a_delegated_subdomain_is_refused_naming_the_delegation(world: World) -> None:
    world.put(
        {"Name": "sub.example.com", "Type": "NS", "TTL": 300, "ResourceRecords": [{"Value": "ns-1.example.net."}]},
        world.alias("x.sub.example.com", "A"),
    )
    out = world.run(weight=10, host="x.sub.example.com")
    assert out.code == 2 and "sub.example.com is delegated" in out.error
    assert world.sent == [] and world.gates.calls == []


def test_names_leading_to_the_host_are_listed_and_gated_recursively(world: World) -> None:
    zone_alias = {"HostedZoneId": world.zone, "DNSName": "www.example.com", "EvaluateTargetHealth": False}
    world.put(
        {"Name": "edge.example.com", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "www.example.com"}]},
        {"Name": "cdn.example.com", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "edge.example.com."}]},
        {"Name": "apex-ish.example.com", "Type": "A", "AliasTarget": zone_alias},
        {"Name": "other.example.com", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "x.example.org"}]},
    )
    out = world.run(weight=10)
    assert out.code == 0, out.error
    behind = out.document["hostsBehind"]
    assert behind[0] == "www.example.com"
    assert sorted(behind) == ["apex-ish.example.com", "cdn.example.com", "edge.example.com", "www.example.com"]
    gated = {(c[0], c[1]) for c in world.gates.calls}
    assert {h for w, h in gated if w == "before"} == set(behind)
    assert any("cdn.example.com" in line for line in out.lines)


def test_a_cname_to_a_name_only_the_wildcard_serves_is_behind_the_wildcard(aws_env: str) -> None:
    world = World()
    world.put(
        world.alias("*.example.com", "A"),
        {"Name": "edge.example.com", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": "shop.example.com"}]},
    )
    out = world.run(weight=10, host="shop.example.com", record="*.example.com")
    assert out.code == 0, out.error
    assert out.document["hostsBehind"] == ["shop.example.com", "edge.example.com"]


def test_external_dns_message_says_the_version_decides_the_default_prefix(world: World) -> None:
    value = '"heritage=external-dns,external-dns/owner=prod"'
    world.put({"Name": "a-www.example.com", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": value}]})
    out = world.run(weight=10)
    assert out.code == 3 and "v0.22.0 and later" in out.error and "external-dns.alpha.kubernetes.io/" in out.error
    given = world.run(weight=10, annotation_prefix="example.org/", annotation_prefix_given=True)
    assert given.code == 3 and "v0.22.0" not in given.error and "example.org/set-identifier" in given.error


def test_an_aaaa_already_on_an_ipv4_only_load_balancer_may_move_to_another(aws_env: str) -> None:
    """The way back after --finish: a host whose AAAA points at an ipv4-only load balancer loses no IPv6 answer
    when moved to another ipv4-only one; a dualstack one moved to an ipv4-only one still does (refused)."""
    world = World()
    ec2, v2 = world.aws.client("ec2"), world.aws.client("elbv2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["CidrBlock"].startswith("10.0.")]
    other = v2.create_load_balancer(Name="v4-nlb", Subnets=subnets[:2], Type="network")["LoadBalancers"][0]
    world.put(
        world.alias("www.example.com", "A", lb=world.v4only), world.alias("www.example.com", "AAAA", lb=world.v4only)
    )
    out = world.run(weight=10, to=other["DNSName"])
    assert out.code == 0, out.error
    assert any("no IPv6 address either" in line for line in out.lines)
    assert world.run(weight=10, host="www.example.com", to=world.new["DNSName"]).code == 2  # a cutover under way


def test_two_hosts_mid_cutover_one_finishes_the_other_is_untouched(world: World) -> None:
    world.put(world.alias("api.example.com", "A"), world.alias("api.example.com", "AAAA"))
    assert world.run(weight=10).code == 0
    assert world.run(weight=100, host="api.example.com").code == 0
    www_before = world.records("www.example.com")
    world.sent.clear()
    out = world.run("finish", host="api.example.com")
    assert out.code == 0, out.error
    assert len(world.sent) == 1
    assert {c["ResourceRecordSet"]["Name"].rstrip(".") for c in world.sent[0]} == {"api.example.com"}
    assert world.records("www.example.com") == www_before
    assert {r.get("SetIdentifier") for r in www_before} == {"albops-old", "albops-new"}
    assert [("SetIdentifier" in r) for r in world.records("api.example.com")] == [False, False]


def test_status_says_in_one_clause_why_health_could_not_be_read(world: World) -> None:
    class _Http:
        status_code = 403

    def refuse(**_: Any) -> Any:
        return _Http(), {"Error": {"Code": "AccessDenied", "Message": "User is not authorized to perform it."}}

    world.aws.client("elbv2").meta.events.register("before-call.elastic-load-balancing-v2.DescribeTargetGroups", refuse)
    out = world.run("status", yes=False)
    assert out.code == 0, out.error
    line = next(line for line in out.lines if "health unknown" in line)
    assert line.endswith(
        "health unknown (could not read the target groups' health: DescribeTargetGroups was refused with "
        "AccessDenied (User is not authorized to perform it))"
    )
    assert "An error occurred" not in line and "ClientError" not in line
