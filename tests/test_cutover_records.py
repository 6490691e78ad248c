"""The pure side of cutover: Route 53's rules the tool checks itself (moto does not), names, external-dns's TXT names.

Expected values are written by hand: Route 53's rules from the API reference (ChangeResourceRecordSets,
ResourceRecordSet: Weight 0..255, SetIdentifier with every weighted record, no simple record beside weighted ones
of the same name and type, a DELETE must match the record set exactly) and external-dns's TXT names from
kubernetes-sigs/external-dns v0.22.0 registry/mapper/mapper.go (AffixNameMapper.ToTXTName).
"""

from __future__ import annotations

from typing import Any

import pytest

from albops.cutover import records
from albops.cutover.records import ConcurrentEditError, RecordError, check_batch


def alias(
    name: str = "www.example.com.", rtype: str = "A", dns: str = "old-1.us-west-2.elb.amazonaws.com", **extra: Any
) -> dict[str, Any]:
    return {
        "Name": name,
        "Type": rtype,
        "AliasTarget": {"HostedZoneId": "Z1H1FL5HABSF5", "DNSName": dns, "EvaluateTargetHealth": False},
        **extra,
    }


def test_dns_names_compare_without_case_dot_escape_or_dualstack() -> None:
    assert records.dns_name("\\052.Example.COM.") == "*.example.com"
    assert records.lb_dns("dualstack.K8S-Web-1.eu-west-1.elb.amazonaws.com.") == "k8s-web-1.eu-west-1.elb.amazonaws.com"


def test_weights_are_the_percent_split() -> None:
    assert records.weights(1) == (99, 1)
    assert records.weights(100) == (0, 100)
    assert records.weights(0) == (100, 0)
    with pytest.raises(ValueError):
        records.weights(101)


def test_route53_rules_moto_does_not_enforce() -> None:
    current = [alias()]
    with pytest.raises(ConcurrentEditError):  # DELETE with values that are not the record's
        check_batch(current, [{"Action": "DELETE", "ResourceRecordSet": alias(dns="other-1.elb.amazonaws.com")}])
    with pytest.raises(RecordError, match="simple"):  # weighted beside simple
        check_batch(current, [{"Action": "CREATE", "ResourceRecordSet": alias(SetIdentifier="x", Weight=1)}])
    with pytest.raises(RecordError, match=r"0\.\.255"):
        check_batch([], [{"Action": "CREATE", "ResourceRecordSet": alias(SetIdentifier="x", Weight=300)}])
    with pytest.raises(RecordError, match="set identifier"):
        check_batch([], [{"Action": "CREATE", "ResourceRecordSet": alias(Weight=3)}])
    with pytest.raises(RecordError, match="never sent"):
        check_batch(current, [{"Action": "UPSERT", "ResourceRecordSet": alias()}])
    with pytest.raises(RecordError, match="exists"):
        check_batch(current, [{"Action": "CREATE", "ResourceRecordSet": alias()}])
    cname = {"Name": "www.example.com.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "x.example.com"}]}
    with pytest.raises(RecordError, match="CNAME"):
        check_batch(current, [{"Action": "CREATE", "ResourceRecordSet": cname}])
    # the same record named with another case and without the final dot is the same record set
    after = check_batch(current, [{"Action": "DELETE", "ResourceRecordSet": alias(name="WWW.example.com")}])
    assert after == []


def test_classify_refuses_by_name() -> None:
    with pytest.raises(RecordError, match="multivalue"):
        records.classify("www.example.com", [alias(SetIdentifier="a", MultiValueAnswer=True)])
    with pytest.raises(RecordError, match="IP-based"):
        records.classify(
            "www.example.com", [alias(SetIdentifier="a", CidrRoutingConfig={"CollectionId": "c", "LocationName": "l"})]
        )
    with pytest.raises(RecordError, match="geoproximity"):
        records.classify("www.example.com", [alias(SetIdentifier="a", GeoProximityLocation={"AWSRegion": "x"})])
    with pytest.raises(RecordError, match="different states"):
        records.classify(
            "www.example.com",
            [
                alias(),
                alias(rtype="AAAA", SetIdentifier="albops-old", Weight=1),
                alias(rtype="AAAA", SetIdentifier="albops-new", Weight=1),
            ],
        )
    with pytest.raises(RecordError, match="different load balancers"):
        records.classify("www.example.com", [alias(), alias(rtype="AAAA", dns="else-1.elb.amazonaws.com")])
    host = records.classify("www.example.com", [alias(), {"Name": "www.example.com.", "Type": "TXT"}])
    assert host.state == "simple" and host.types == ("A",)


@pytest.mark.parametrize(
    ("prefix", "suffix", "replacement", "name", "expected"),
    [
        # no affix: the old form (the TXT beside the record) and one per record type, "a-" before the first label
        (
            "",
            "",
            "",
            "www.example.com",
            ["www.example.com", "a-www.example.com", "aaaa-www.example.com", "cname-www.example.com"],
        ),
        (
            "txt.",
            "",
            "",
            "www.example.com",
            ["txt.www.example.com", "txt.a-www.example.com", "txt.aaaa-www.example.com", "txt.cname-www.example.com"],
        ),
        (
            "",
            "-txt",
            "",
            "www.example.com",
            ["www-txt.example.com", "a-www-txt.example.com", "aaaa-www-txt.example.com", "cname-www-txt.example.com"],
        ),
        (
            "%{record_type}-",
            "",
            "",
            "www.example.com",
            ["-www.example.com", "a-www.example.com", "aaaa-www.example.com", "cname-www.example.com"],
        ),
        (
            "",
            "",
            "any",
            "*.example.com",
            # The old form takes the replacement too (external-dns v0.17.0 registry/txt.go, toTXTName).
            ["any.example.com", "a-any.example.com", "aaaa-any.example.com", "cname-any.example.com"],
        ),
        (
            "own-",
            "",
            "wild",
            "*.apps.example.com",
            [
                "own-wild.apps.example.com",
                "own-a-wild.apps.example.com",
                "own-aaaa-wild.apps.example.com",
                "own-cname-wild.apps.example.com",
            ],
        ),
    ],
)
def test_external_dns_txt_names(prefix: str, suffix: str, replacement: str, name: str, expected: list[str]) -> None:
    assert records.ownership_txt_names(name, prefix, suffix, replacement) == expected


def test_external_dns_owner_reads_the_quoted_heritage() -> None:
    txt = {"Type": "TXT", "ResourceRecords": [{"Value": '"heritage=external-dns,external-dns/owner=a"'}]}
    assert records.external_dns_owner([txt]) == "heritage=external-dns,external-dns/owner=a"
    assert records.external_dns_owner([{"Type": "TXT", "ResourceRecords": [{"Value": '"v=spf1 -all"'}]}]) is None


class _Classic:
    """A Classic ELB client answering DescribeLoadBalancers as the ELB API reference documents it (hand-written)."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def describe_load_balancers(self, **params: Any) -> dict[str, Any]:
        self.asked.append(params)
        return {
            "LoadBalancerDescriptions": [
                {
                    "LoadBalancerName": "my-load-balancer",
                    "DNSName": "my-load-balancer-1234567890.us-west-2.elb.amazonaws.com",
                    "CanonicalHostedZoneName": "my-load-balancer-1234567890.us-west-2.elb.amazonaws.com",
                    "CanonicalHostedZoneNameID": "Z3DZXE0EXAMPLE",
                    "Scheme": "internet-facing",
                }
            ]
        }


class _NoElbv2:
    def describe_load_balancers(self, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "LoadBalancerNotFound", "Message": "none"}}, "DescribeLoadBalancers")


def test_classic_load_balancer_resolves_to_its_canonical_zone() -> None:
    from albops.cutover import lbs

    classic = _Classic()
    clients = {"elb": classic, "elbv2": _NoElbv2()}
    found = lbs.resolve(
        "dualstack.My-Load-Balancer-1234567890.us-west-2.elb.amazonaws.com.",
        lambda service, region: clients[service],
        "eu-west-1",
    )
    assert found.lb.kind == "classic" and found.lb.zone_id == "Z3DZXE0EXAMPLE" and found.lb.arn is None
    assert found.region == "us-west-2"  # read off the DNS name, not the default region
    assert classic.asked == [{"LoadBalancerNames": ["my-load-balancer"]}]
    assert found.alias_target() == {
        "HostedZoneId": "Z3DZXE0EXAMPLE",
        "DNSName": "my-load-balancer-1234567890.us-west-2.elb.amazonaws.com",
        "EvaluateTargetHealth": True,
    }


def _pair(old_weight: int, new_weight: int) -> records.HostRecords:
    target = {"HostedZoneId": "Z1", "DNSName": "lb.example.net", "EvaluateTargetHealth": True}
    pair = tuple(
        {"Name": "www.example.com", "Type": "A", "SetIdentifier": ident, "Weight": weight, "AliasTarget": target}
        for ident, weight in ((records.OLD_ID, old_weight), (records.NEW_ID, new_weight))
    )
    return records.classify("www.example.com", pair)


@pytest.mark.parametrize(("old", "new", "percent"), [(0, 0, 50), (100, 0, 0), (0, 100, 100), (90, 10, 10)])
def test_new_percent_reads_both_weights_zero_as_half_each(old: int, new: int, percent: int) -> None:
    """botocore's route53 model (ResourceRecordSet.Weight): when every record of the name and type has weight 0,
    Route 53 answers with each with equal probability: 0/0 is 50% on the new load balancer, never 0%."""
    host = _pair(old, new)
    assert host.new_percent == percent
    assert host.all_weights_zero == (old == new == 0)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # external-dns v0.22.0 with --txt-encrypt-enabled: base64 of nonce + AES-GCM ciphertext, quoted.
        (
            ['"SOwDnqmN4t0pw9yVyUFlVtbG0Ss2y6ubIAnoI7EmUQfcI+XfPYIWM0Wtu6CPGNwwbjIm"'],
            "SOwDnqmN4t0pw9yVyUFlVtbG0Ss2y6ubIAnoI7",
        ),
        (['"v=spf1 -all"'], "v=spf1 -all"),
        (['"heritage=external-dns,external-dns/owner=a"'], None),
        (['"heritage=someone-else"'], None),
        ([], None),
    ],
)
def test_unreadable_txt_names_a_value_without_labels(values: list[str], expected: str | None) -> None:
    record = {"Name": "a-www.example.com", "Type": "TXT", "ResourceRecords": [{"Value": v} for v in values]}
    found = records.unreadable_txt([record])
    assert (found is None) if expected is None else (found is not None and found.startswith(expected))
