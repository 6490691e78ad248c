"""Route 53 record sets of one host: what state a cutover is in, the one batch of each step, and Route 53's rules.

The state of a cutover is the records themselves, never a file: a host is either served by simple alias records
(A, and AAAA when it has one) or by this tool's two weighted alias records per type, ``albops-old`` and
``albops-new``. Everything here is pure (no AWS call), so the rules that moto does not enforce are checked here,
before anything is sent, and the tests can hold each batch against one written by hand.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

OLD_ID = "albops-old"
NEW_ID = "albops-new"
OUR_IDS = (OLD_ID, NEW_ID)
MOVED_TYPES = ("A", "AAAA")  # alias types moved together
TOTAL_WEIGHT = 100  # old + new: the weight of each record is its percentage, inside Route 53's 0..255
MAX_WEIGHT = 255  # botocore's route53 model, shape ResourceRecordSetWeight: min 0, max 255
ALIAS_TTL_SECONDS = 60  # an alias to an ELB answers with the load balancer's own TTL, 60 s

Record = dict[str, Any]  # a ResourceRecordSet as ListResourceRecordSets returns it and ChangeResourceRecordSets takes


class RecordError(Exception):
    """The records are in a shape this tool must not change (exit 2); the message names what was found."""


class ConcurrentEditError(Exception):
    """The records changed between our read and our write (exit 1: read again and decide again)."""


_ESCAPE = re.compile(r"\\(\d{3})")


def dns_name(text: str) -> str:
    """A DNS name as Route 53 compares it: octal escapes (``\\052`` for ``*``) decoded, lower case, no final dot."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), text)
    return decoded.lower().rstrip(".")


def lb_dns(text: str) -> str:
    """A load balancer's DNS name as an alias target names it: also without the ``dualstack.`` prefix."""
    name = dns_name(text)
    return name.removeprefix("dualstack.")


def is_alias(record: Record) -> bool:
    return "AliasTarget" in record


def routing_policy(record: Record) -> str:
    """Which routing policy a record set has: simple, weighted, latency, failover, geolocation, ..."""
    if "Weight" in record:
        return "weighted"
    for key, policy in (
        ("Region", "latency"),
        ("Failover", "failover"),
        ("GeoLocation", "geolocation"),
        ("GeoProximityLocation", "geoproximity"),
        ("MultiValueAnswer", "multivalue answer"),
        ("CidrRoutingConfig", "IP-based (CIDR)"),
        ("TrafficPolicyInstanceId", "traffic policy"),
    ):
        if key in record:
            return policy
    return "simple"


def describe(record: Record) -> str:
    """One record set in a few words, for the lines that name what was found."""
    name = dns_name(record["Name"])
    ident = f" set {record['SetIdentifier']!r}" if "SetIdentifier" in record else ""
    if is_alias(record):
        target = f"alias to {lb_dns(record['AliasTarget']['DNSName'])}"
    else:
        values = [v["Value"] for v in record.get("ResourceRecords", [])]
        target = ", ".join(values[:3]) + (" ..." if len(values) > 3 else "")
    weight = f" weight {record['Weight']}" if "Weight" in record else ""
    return f"{name} {record['Type']} {routing_policy(record)}{ident}{weight} ({target})"


@dataclass(frozen=True)
class HostRecords:
    """The A and AAAA record sets at one name, and what state they say the cutover is in."""

    name: str
    state: str  # "simple", "weighted" or "none"
    by_type: Mapping[str, tuple[Record, ...]] = field(default_factory=dict)  # only the moved types present

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t in MOVED_TYPES if t in self.by_type)

    def target(self, ident: str | None) -> dict[str, Any]:
        """The AliasTarget of the simple record (``ident`` None) or of our weighted record ``ident``."""
        first = self.by_type[self.types[0]]
        return dict(next(r for r in first if r.get("SetIdentifier") == ident)["AliasTarget"])

    def weight(self, ident: str) -> int:
        first = self.by_type[self.types[0]]
        return int(next(r for r in first if r.get("SetIdentifier") == ident)["Weight"])

    @property
    def new_percent(self) -> int:
        """The new load balancer's share in percent (weighted state only). Both weights 0 is half each, not 0%:
        Route 53 then answers with every record of the name and type with equal probability (botocore's route53
        model, 2013-04-01, ResourceRecordSet.Weight), so a rollback or abort must not take that state for 0%."""
        old, new = self.weight(OLD_ID), self.weight(NEW_ID)
        return 50 if old + new == 0 else round(100 * new / (old + new))

    @property
    def all_weights_zero(self) -> bool:
        return self.state == "weighted" and self.weight(OLD_ID) == 0 and self.weight(NEW_ID) == 0

    def all_records(self) -> list[Record]:
        return [r for t in self.types for r in self.by_type[t]]


def classify(name: str, records: Iterable[Record]) -> HostRecords:
    """The cutover state of ``name`` from its record sets (all types), or ``RecordError`` naming what forbids one.

    Refused: any other routing policy, someone else's weighted records, a health check, records with addresses
    instead of an alias, A and AAAA pointing at different places, or a CNAME (the caller handles those).
    """
    by_type: dict[str, list[Record]] = {}
    for record in records:
        if record["Type"] in MOVED_TYPES:
            by_type.setdefault(record["Type"], []).append(record)
    if not by_type:
        return HostRecords(name, "none", {})
    states: dict[str, str] = {}
    for rtype, group in by_type.items():
        for record in group:
            if "HealthCheckId" in record:
                raise RecordError(
                    f"{describe(record)} has health check {record['HealthCheckId']}: a cutover would drop it; move "
                    "this host by hand or remove the health check first"
                )
            policy = routing_policy(record)
            if policy not in ("simple", "weighted"):
                raise RecordError(
                    f"{describe(record)} is a {policy} record: cutover moves only simple alias records or its own "
                    f"weighted ones ({OLD_ID}/{NEW_ID}); change this host by hand"
                )
            if not is_alias(record):
                raise RecordError(
                    f"{describe(record)} holds addresses, not an alias to a load balancer; make it an alias record "
                    "first, or move it by hand"
                )
        simple = [r for r in group if routing_policy(r) == "simple"]
        weighted = [r for r in group if routing_policy(r) == "weighted"]
        theirs = [r for r in weighted if r.get("SetIdentifier") not in OUR_IDS]
        if theirs:
            raise RecordError(
                f"{describe(theirs[0])} is a weighted record this tool did not write (set identifiers "
                f"{OLD_ID}/{NEW_ID} are its own); someone else shares this name's traffic: change it by hand"
            )
        if simple and weighted:
            raise RecordError(
                f"{name} {rtype} has a simple record beside weighted ones, which Route 53 does not allow; fix the "
                "records by hand first"
            )
        if simple:
            states[rtype] = "simple"
        else:
            ids = sorted(r["SetIdentifier"] for r in weighted)
            if ids != sorted(OUR_IDS):
                raise RecordError(
                    f"{name} {rtype} has weighted records {ids}, not the pair {OLD_ID}/{NEW_ID} this tool writes; fix "
                    "them by hand"
                )
            states[rtype] = "weighted"
    if len(set(states.values())) > 1:
        raise RecordError(
            f"{name}: A and AAAA are in different states ({', '.join(f'{t} {s}' for t, s in sorted(states.items()))});"
            " they move together: fix them by hand"
        )
    host = HostRecords(name, next(iter(states.values())), {t: tuple(g) for t, g in by_type.items()})
    # A and AAAA must point at the same load balancers with the same weights, or one batch cannot move both.
    shapes = {
        t: sorted(
            (r.get("SetIdentifier") or "", lb_dns(r["AliasTarget"]["DNSName"]), int(r.get("Weight", -1)))
            for r in host.by_type[t]
        )
        for t in host.types
    }
    if len({repr(s) for s in shapes.values()}) > 1:
        raise RecordError(f"{name}: A and AAAA point at different load balancers or weights ({shapes}); fix by hand")
    return host


def weights(percent: int) -> tuple[int, int]:
    """Route 53 weights (old, new) for ``percent`` of the traffic on the new load balancer: exactly that split."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent {percent} out of 0..100")
    return TOTAL_WEIGHT - percent, percent


def _weighted(name: str, rtype: str, ident: str, weight: int, target: Mapping[str, Any]) -> Record:
    return {
        "Name": name,
        "Type": rtype,
        "SetIdentifier": ident,
        "Weight": weight,
        "AliasTarget": {
            "HostedZoneId": target["HostedZoneId"],
            "DNSName": target["DNSName"],
            "EvaluateTargetHealth": True,
        },
    }


def _simple(name: str, rtype: str, target: Mapping[str, Any]) -> Record:
    return {
        "Name": name,
        "Type": rtype,
        "AliasTarget": {
            "HostedZoneId": target["HostedZoneId"],
            "DNSName": target["DNSName"],
            "EvaluateTargetHealth": True,
        },
    }


@dataclass(frozen=True)
class Step:
    """One change: the batch (DELETE what was read + CREATE), and what it is, in words."""

    changes: tuple[dict[str, Any], ...]
    summary: str
    written: tuple[Record, ...]  # the record sets the batch creates (what "still ours" is compared against)
    removed: tuple[Record, ...]  # the record sets it deletes (what a restore creates again)


def _step(removed: Sequence[Record], created: Sequence[Record], summary: str) -> Step:
    changes = [{"Action": "DELETE", "ResourceRecordSet": copy.deepcopy(r)} for r in removed]
    changes += [{"Action": "CREATE", "ResourceRecordSet": copy.deepcopy(r)} for r in created]
    return Step(tuple(changes), summary, tuple(copy.deepcopy(list(created))), tuple(copy.deepcopy(list(removed))))


def weight_step(host: HostRecords, new_target: Mapping[str, Any], percent: int) -> Step:
    """From simple (old = the simple record's target) or from our weighted pair, to ``percent`` on the new one."""
    old_w, new_w = weights(percent)
    old_target = host.target(None if host.state == "simple" else OLD_ID)
    created = []
    for rtype in host.types:
        name = host.by_type[rtype][0]["Name"]
        created.append(_weighted(name, rtype, OLD_ID, old_w, old_target))
        created.append(_weighted(name, rtype, NEW_ID, new_w, new_target))
    summary = (
        f"{host.name} ({'/'.join(host.types)}): {lb_dns(old_target['DNSName'])} weight {old_w} ({100 - percent}%), "
        f"{lb_dns(new_target['DNSName'])} weight {new_w} ({percent}%)"
    )
    return _step(host.all_records(), created, summary)


def collapse_step(host: HostRecords, keep: str) -> Step:
    """From our weighted pair to one simple alias record per type, to ``keep``'s target (abort: old; finish: new)."""
    target = host.target(keep)
    created = [_simple(host.by_type[t][0]["Name"], t, target) for t in host.types]
    summary = f"{host.name} ({'/'.join(host.types)}): simple alias to {lb_dns(target['DNSName'])} only"
    return _step(host.all_records(), created, summary)


def restore_step(step: Step) -> Step:
    """The batch that undoes ``step``: DELETE what it wrote (exactly) and CREATE what it removed."""
    return _step(step.written, step.removed, "restore the records as they were before this run")


def _key(record: Mapping[str, Any]) -> tuple[str, str, str]:
    return (dns_name(record["Name"]), record["Type"], str(record.get("SetIdentifier", "")))


def _canonical(record: Mapping[str, Any]) -> Record:
    """A record set in the form Route 53 compares a DELETE with: names normalised, alias names without dots."""
    out = copy.deepcopy(dict(record))
    out["Name"] = dns_name(out["Name"])
    if "AliasTarget" in out:
        alias = dict(out["AliasTarget"])
        alias["DNSName"] = dns_name(alias["DNSName"])
        out["AliasTarget"] = alias
    return out


def same_records(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]]) -> bool:
    """Whether two lists of record sets are the same sets with the same values (order aside)."""
    left = sorted((repr(_key(r)), repr(sorted(_canonical(r).items()))) for r in a)
    right = sorted((repr(_key(r)), repr(sorted(_canonical(r).items()))) for r in b)
    return left == right


def check_batch(current: Iterable[Mapping[str, Any]], changes: Sequence[Mapping[str, Any]]) -> list[Record]:
    """Apply ``changes`` to ``current`` as Route 53 would, raising ``RecordError`` where Route 53 rejects the batch
    (moto accepts all of these): a DELETE whose values differ from the record set, a CREATE of one that exists, an
    UPSERT (never sent by this tool), a weight outside 0..255 or a weighted record without a set identifier, a
    simple record beside weighted ones of the same name and type, or two alias records of a CNAME-holding name.
    Returns the record sets after the batch."""
    state = {_key(r): _canonical(r) for r in current}
    for change in changes:
        action, record = change["Action"], _canonical(change["ResourceRecordSet"])
        key = _key(record)
        if action == "DELETE":
            if state.get(key) != record:
                found = "not there" if key not in state else f"it holds {state[key]}"
                raise ConcurrentEditError(f"DELETE of {key} would fail: {found}")
            del state[key]
        elif action == "CREATE":
            if key in state:
                raise RecordError(f"CREATE of {key} would fail: it exists")
            state[key] = record
        else:
            raise RecordError(f"{action} is never sent by this tool (it would overwrite a concurrent edit)")
    groups: dict[tuple[str, str], list[Record]] = {}
    for (name, rtype, _), record in state.items():
        groups.setdefault((name, rtype), []).append(record)
        weight = record.get("Weight")
        if weight is not None and not (isinstance(weight, int) and 0 <= weight <= MAX_WEIGHT):
            raise RecordError(f"{name} {rtype}: weight {weight} is outside Route 53's 0..{MAX_WEIGHT}")
        if weight is not None and not record.get("SetIdentifier"):
            raise RecordError(f"{name} {rtype}: a weighted record needs a set identifier")
    for (name, rtype), group in groups.items():
        policies = {routing_policy(r) for r in group}
        if len(policies) > 1 or (policies == {"simple"} and len(group) > 1):
            raise RecordError(f"{name} {rtype}: the batch would leave {sorted(policies)} records together")
    names_with_cname = {n for (n, t) in groups if t == "CNAME"}
    for name, rtype in groups:
        if name in names_with_cname and rtype != "CNAME":
            raise RecordError(f"{name}: a CNAME cannot sit beside a {rtype} record")
    return list(state.values())


# external-dns's TXT registry (kubernetes-sigs/external-dns, registry/mapper/mapper.go at v0.22.0, AffixNameMapper):
# the ownership TXT of NAME sits at prefix + [type + "-"] + first label + suffix + "." + the rest, where the type
# is lower case and goes into "%{record_type}" when the prefix or suffix holds it, else before the first label;
# a leading "*" label may be replaced (--txt-wildcard-replacement). Before the typed names (releases before
# v0.12 and the "old format" kept for migration) the TXT sat at prefix + first label + suffix + "." + the rest.
RECORD_TYPE_TEMPLATE = "%{record_type}"
TXT_TYPES = ("a", "aaaa", "cname")


def ownership_txt_names(name: str, prefix: str = "", suffix: str = "", wildcard_replacement: str = "") -> list[str]:
    """Every name where external-dns may keep the ownership TXT of ``name``: the old form first, then the
    record-typed ones (a-, aaaa-, cname-)."""
    prefix, suffix, wildcard_replacement = prefix.lower(), suffix.lower(), wildcard_replacement.lower()
    first, dot, rest = dns_name(name).partition(".")
    templated = RECORD_TYPE_TEMPLATE in prefix or RECORD_TYPE_TEMPLATE in suffix

    def join(label: str, pre: str, suf: str) -> str:
        return f"{pre}{label}{suf}{dot}{rest}"

    # --txt-wildcard-replacement applies to the old format too (registry/txt.go at v0.17.0, toTXTName; the old
    # format was written through v0.17.x and dropped in v0.18.0).
    label = wildcard_replacement if wildcard_replacement and first == "*" else first
    names = [
        join(label, prefix.replace(RECORD_TYPE_TEMPLATE, ""), suffix.replace(RECORD_TYPE_TEMPLATE, "")),
    ]
    for rtype in TXT_TYPES:
        pre = prefix.replace(RECORD_TYPE_TEMPLATE, rtype)
        suf = suffix.replace(RECORD_TYPE_TEMPLATE, rtype)
        names.append(join(label if templated else f"{rtype}-{label}", pre, suf))
    return list(dict.fromkeys(names))


def external_dns_owner(records: Iterable[Record]) -> str | None:
    """The TXT value that says a name is external-dns's (``heritage=external-dns``), or None."""
    for record in records:
        if record["Type"] != "TXT":
            continue
        for value in record.get("ResourceRecords", []):
            text = str(value.get("Value", "")).strip('"')
            if "heritage=external-dns" in text:
                return text
    return None


def unreadable_txt(records: Iterable[Record]) -> str | None:
    """The value of a TXT record that carries no readable labels (no ``heritage=`` key), or None. With
    --txt-encrypt-enabled external-dns writes its labels AES-GCM encrypted and base64-encoded
    (kubernetes-sigs/external-dns v0.22.0, endpoint/labels.go Serialize and endpoint/crypto.go EncryptText), so
    ``heritage=external-dns`` never appears: at a record-typed ownership name such a value is taken for its."""
    for record in records:
        if record["Type"] != "TXT":
            continue
        values = [str(value.get("Value", "")).strip('"') for value in record.get("ResourceRecords", [])]
        if values and not any("heritage=" in value for value in values):
            shown = values[0] if len(values[0]) <= 40 else values[0][:40] + "..."
            return shown
    return None
