"""One ``albops cutover`` run: read the host's records, refuse what must be refused, gate, send one batch, wait,
gate again, and put the previous weights back when the gate after the change fails.

Every AWS call goes through ``AwsSession`` clients (each under the session's deadline) and every loop has a
bound: record pages, zone pages, the wait for INSYNC and the settle time (both end early on SIGINT/SIGTERM).
"""

from __future__ import annotations

import copy
import json
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED
from albops.cutover import lbs, records
from albops.cutover.model import GateResult, Gates, GateSettings, LoadBalancer
from albops.cutover.records import NEW_ID, OLD_ID, ConcurrentEditError, HostRecords, Record, RecordError, Step
from albops.deadline import DeadlineExceeded

MAX_PAGES = 100  # ListResourceRecordSets pages of 300 record sets; ListHostedZones pages of 100 zones
PAGE_ITEMS = "300"  # ListResourceRecordSets MaxItems: Route 53's largest page
INSYNC_SECONDS = 600.0  # Route 53 propagates to its name servers "generally within 60 seconds"; 10 min bounds it
EXTERNAL_DNS_PREFIX = "external-dns.kubernetes.io/"  # v0.22.0 on; external-dns.alpha.kubernetes.io/ up to v0.21


@dataclass(frozen=True)
class Request:
    """What the command line asked for, already checked by the parser."""

    zone_id: str
    host: str
    action: str  # "weight", "status", "rollback", "finish" or "abort"
    to: str | None = None
    from_lb: str | None = None
    weight: int | None = None
    record: str | None = None
    gate: GateSettings | None = None  # the gate options; host and urls are set per host behind the record
    settle_seconds: float | None = None  # None: the record's TTL (60 s for an alias)
    dry_run: bool = False
    yes: bool = False
    txt_prefix: str = ""
    txt_suffix: str = ""
    txt_wildcard_replacement: str = ""
    annotation_prefix: str = EXTERNAL_DNS_PREFIX
    insync_seconds: float = INSYNC_SECONDS
    not_external_dns: bool = False  # --not-external-dns: the user says no external-dns manages the host
    allow_scheme_change: bool = False  # --allow-scheme-change: internet-facing <-> internal is meant
    annotation_prefix_given: bool = False  # --external-dns-annotation-prefix was given (else the version decides)


@dataclass
class Outcome:
    """The exit code, the lines for stdout, the one error line for stderr, and the --json document."""

    code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)
    error: str = ""
    document: dict[str, Any] = field(default_factory=dict)


class _RunEndedError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


ClientFor = Callable[[str, str], Any]  # (service, region) -> a client under the command's deadline


class Cutover:
    """One run against one hosted zone. ``client(service, region)`` gives bounded clients; ``gates`` is built only
    when a weight step needs it (the gates' own AWS calls go through their session)."""

    def __init__(
        self,
        client: ClientFor,
        region: str,
        gates: Callable[[], Gates],
        clock: Callable[[], float] = time.monotonic,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.region = region
        self.gates_factory = gates
        self.clock = clock
        self.stop = threading.Event()
        self.out = Outcome()
        self.r53 = client("route53", region)
        self.private_zone = False
        self.echo = echo  # each line as it happens (the CLI prints and flushes it), so a long gate shows progress

    def say(self, line: str) -> None:
        self.out.lines.append(line)
        if self.echo is not None:
            self.echo(line)

    # ---- reading ---------------------------------------------------------------------------------------------

    def _record_sets(self, zone_id: str, start: str | None, what: str) -> Iterator[Record]:
        """The zone's record sets in Route 53's order from ``start`` (the whole zone when None), page after page,
        within MAX_PAGES pages (a zone that keeps paginating ends the run, named)."""
        params: dict[str, Any] = {"HostedZoneId": zone_id, "MaxItems": PAGE_ITEMS}
        if start is not None:
            params["StartRecordName"] = start
        for _ in range(MAX_PAGES):
            page = self.r53.list_resource_record_sets(**params)
            yield from page.get("ResourceRecordSets", [])
            if not page.get("IsTruncated"):
                return
            params = {"HostedZoneId": zone_id, "StartRecordName": page["NextRecordName"], "MaxItems": PAGE_ITEMS}
            for key in ("NextRecordType", "NextRecordIdentifier"):
                if page.get(key):
                    params[key.replace("Next", "Start")] = page[key]
        raise _RunEndedError(
            EXIT_FINDINGS, f"{what}: more than {MAX_PAGES} pages of record sets; Route 53 kept paginating"
        )

    def read_name(self, zone_id: str, name: str) -> list[Record]:
        """Every record set of ``name`` in the zone (all types), exact name match, paginated within bounds."""
        wanted = records.dns_name(name)
        found: list[Record] = []
        for record in self._record_sets(zone_id, wanted, name):
            if records.dns_name(record["Name"]) != wanted:
                break  # sorted by name: past ours
            found.append(record)
        return found

    def read_zone(self, zone_id: str) -> list[Record]:
        return list(self._record_sets(zone_id, None, f"zone {zone_id}"))

    def zone(self, zone_id: str) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = self.r53.get_hosted_zone(Id=zone_id)["HostedZone"]
            return answer
        except Exception as error:
            if _code(error) in ("NoSuchHostedZone", "InvalidInput"):
                raise _RunEndedError(
                    EXIT_BAD_INPUT, f"--zone-id {zone_id}: no such hosted zone ({_code(error)})"
                ) from None
            raise

    def other_zones(self, zone_id: str, host: str) -> list[dict[str, Any]]:
        """Other hosted zones (public or private) that hold records at ``host``."""
        ours = zone_id.rsplit("/", 1)[-1]
        held = []
        params: dict[str, Any] = {"MaxItems": "100"}
        for _ in range(MAX_PAGES):
            page = self.r53.list_hosted_zones_by_name(**params)
            for zone in page.get("HostedZones", []):
                zid = zone["Id"].rsplit("/", 1)[-1]
                apex = records.dns_name(zone["Name"])
                if zid == ours or not (host == apex or host.endswith("." + apex)):
                    continue
                found = self.read_name(zid, host)
                if found:
                    held.append(
                        {
                            "zoneId": zid,
                            "zone": apex,
                            "private": bool(zone.get("Config", {}).get("PrivateZone")),
                            "types": sorted({r["Type"] for r in found}),
                        }
                    )
            if not page.get("IsTruncated"):
                return held
            params = {"MaxItems": "100", "DNSName": page["NextDNSName"]}
            if page.get("NextHostedZoneId"):
                params["HostedZoneId"] = page["NextHostedZoneId"]
        return held

    # ---- the run ---------------------------------------------------------------------------------------------

    def run(self, request: Request) -> Outcome:
        try:
            self._run(request)
        except _RunEndedError as stop:
            self.out.code, self.out.error = stop.code, stop.message
        except RecordError as error:
            self.out.code, self.out.error = EXIT_BAD_INPUT, f"{error}"
        except ConcurrentEditError as error:
            self.out.code = EXIT_FINDINGS
            self.out.error = f"the records changed since they were read ({error}); nothing was sent; run it again"
        except lbs.LoadBalancerNotFoundError as error:
            self.out.code, self.out.error = EXIT_BAD_INPUT, str(error)
        self.out.document.setdefault("exitCode", self.out.code)
        self.out.document["lines"] = list(self.out.lines)
        self.out.document["aliasTtlSeconds"] = records.ALIAS_TTL_SECONDS
        if self.out.error:
            self.out.document["error"] = self.out.error
        return self.out

    def _run(self, request: Request) -> None:
        host = records.dns_name(request.host)
        zone = self.zone(request.zone_id)
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        apex = records.dns_name(zone["Name"])
        self.private_zone = bool(zone.get("Config", {}).get("PrivateZone"))
        doc = self.out.document
        doc.update({"zoneId": zone_id, "zone": apex, "host": host, "action": request.action})
        if not (host == apex or host.endswith("." + apex)):
            raise _RunEndedError(
                EXIT_BAD_INPUT, f"--host {host}: zone {zone_id} ({apex}) does not hold it; give its zone"
            )
        self.check_delegation(zone_id, apex, host, "--host")
        name, behind = self.record_name(zone_id, apex, host, request.record)
        doc.update({"record": name, "hostsBehind": behind})
        for url in request.gate.urls if request.gate else ():
            url_host = (urlsplit(url).hostname or "").lower().rstrip(".")
            if url_host not in behind:
                raise _RunEndedError(
                    EXIT_BAD_INPUT,
                    f"--gate {url}: its host {url_host} is not {host} nor a host behind {name} "
                    f"({', '.join(behind)}); gate a host this change moves",
                )
        if name != host:
            self.say(f"{host} is served through the record {name}; hosts behind it: {', '.join(behind)}")
        elif len(behind) > 1:
            self.say(f"names that lead to {host} (CNAME or alias), moved and gated with it: {', '.join(behind[1:])}")
        if name.startswith("*."):
            self.say(
                f"names covered by {name} that have no record of their own cannot be listed from Route 53; the ones "
                "given are gated, every other one moves too"
            )
        others = self.other_zones(zone_id, host)
        doc["otherZones"] = others
        for other in others:
            kind = "private" if other["private"] else "public"
            self.say(
                f"note: {kind} zone {other['zoneId']} ({other['zone']}) also holds {host} "
                f"({'/'.join(other['types'])}); it is not changed: resolvers that use it never see this cutover"
            )
        current = self.read_name(zone_id, name)
        host_records = records.classify(name, current)
        if host_records.state == "none":
            types = sorted({r["Type"] for r in current})
            raise _RunEndedError(
                EXIT_BAD_INPUT,
                f"{name} has no A or AAAA record in zone {zone_id}"
                + (f" (only {', '.join(types)})" if types else "")
                + "; create the alias record to the current load balancer first",
            )
        self.check_external_dns(request, zone_id, name, host_records)
        doc["records"] = [_json_record(r) for r in host_records.all_records()]
        if request.action == "status":
            self.status(host_records)
            return
        step, new, old = self.plan(request, host_records)
        if step is None:
            return
        records.check_batch(current, step.changes)
        doc["changeBatch"] = {"Changes": list(step.changes)}
        self.say(f"change: {step.summary}")
        self.say("batch: " + json.dumps({"Changes": list(step.changes)}, sort_keys=True))
        if request.dry_run:
            self.say("dry run: nothing was changed")
            doc["applied"] = False
            return
        if not request.yes:
            doc["applied"] = False
            raise _RunEndedError(
                EXIT_REFUSED, "not applied: run again with --yes to make this change (nothing was changed)"
            )
        gated = request.action == "weight" and new is not None
        gates = self.gates_factory() if gated else None
        if gates is not None and new is not None:
            results = self.gate("before", gates, request, behind, new, old)
            if not all(r.passed for r in results):
                doc["applied"] = False
                raise _RunEndedError(EXIT_FINDINGS, "the gate before the change failed: nothing was changed")
        again = self.read_name(zone_id, name)
        if not records.same_records(again, current):
            raise ConcurrentEditError(f"{name} is not what was read a moment ago")
        records.check_batch(again, step.changes)
        change_id = self.send(zone_id, step, f"albops cutover {request.action} {host}")
        doc["applied"] = True
        try:
            self.after_send(request, zone_id, name, behind, step, change_id, gates, new, old)
        except (_RunEndedError, RecordError, ConcurrentEditError):
            raise
        except (Exception, DeadlineExceeded) as error:  # the change is made; say so, and how to undo it
            raise _RunEndedError(
                EXIT_FINDINGS,
                f"the change {change_id} was sent and then {type(error).__name__}: {error}; the records hold the new "
                f"weights unless Route 53 refused them (`--status` shows them); to undo it send: "
                + json.dumps({"Changes": list(records.restore_step(step).changes)}, sort_keys=True),
            ) from None

    def after_send(
        self,
        request: Request,
        zone_id: str,
        name: str,
        behind: list[str],
        step: Step,
        change_id: str,
        gates: Gates | None,
        new: LoadBalancer | None,
        old: LoadBalancer | None,
    ) -> None:
        """INSYNC, settle, the gate after the change, and the restore when it fails: all inside the signal window."""
        with self.window():
            self.wait_insync(change_id, request.insync_seconds)
            if gates is None or new is None:
                self.say("done: Route 53 reports the change INSYNC")
                self.say(_caching_note())
                return
            settle = request.settle_seconds if request.settle_seconds is not None else records.ALIAS_TTL_SECONDS
            why = "--settle-seconds" if request.settle_seconds is not None else "the record's TTL"
            self.say(f"settling {settle:g} s ({why}) before measuring")
            self.stop.wait(settle)
            if self.stop.is_set():
                results = [GateResult(False, "interrupted before the gate ran", ("interrupted",))]
            else:
                results = self.gate("after", gates, request, behind, new, old)
            if all(r.passed for r in results):
                self.say(_caching_note())
                return
            self.restore(zone_id, name, step)

    def record_name(self, zone_id: str, apex: str, host: str, record: str | None) -> tuple[str, list[str]]:
        """The record this run changes, and the hosts behind it (the host itself, or every name led to it)."""
        wanted = records.dns_name(record) if record else None
        own = self.read_name(zone_id, host)
        cnames = [r for r in own if r["Type"] == "CNAME"]
        if cnames:
            values = cnames[0].get("ResourceRecords") or [{}]
            target = records.dns_name(str(values[0].get("Value", ""))) if "AliasTarget" not in cnames[0] else ""
            if not target:
                raise RecordError(f"{records.describe(cnames[0])} is a CNAME alias; change it by hand")
            if wanted != target:
                raise _RunEndedError(
                    EXIT_BAD_INPUT,
                    f"{host} is a CNAME to {target}: moving it moves every name that leads there; give --record "
                    f"{target} to move that record (its hosts are listed and gated)",
                )
            if not (target == apex or target.endswith("." + apex)):
                raise _RunEndedError(
                    EXIT_BAD_INPUT, f"--record {target} is not in zone {zone_id} ({apex}); give its zone"
                )
            self.check_delegation(zone_id, apex, target, "--record")
            # The record's own name is a host clients may use too: gated with the others.
            return target, list(dict.fromkeys([host, target, *self.names_leading_to(zone_id, target)]))
        if any(r["Type"] in records.MOVED_TYPES for r in own):
            if wanted and wanted != host:
                raise _RunEndedError(EXIT_BAD_INPUT, f"--record {wanted}: {host} has records of its own; drop --record")
            return host, list(dict.fromkeys([host, *self.names_leading_to(zone_id, host)]))
        labels = host.split(".")
        for i in range(1, len(labels)):
            parent = ".".join(labels[i:])
            if not (parent == apex or parent.endswith("." + apex)):
                break
            wildcard = f"*.{parent}"
            found = self.read_name(zone_id, wildcard)
            if found:
                if wanted != wildcard:
                    raise _RunEndedError(
                        EXIT_BAD_INPUT,
                        f"{host} has no record of its own; it is served by the wildcard {wildcard}: moving it moves "
                        f"every name it covers; give --record '{wildcard}' to move it",
                    )
                return wildcard, list(dict.fromkeys([host, *self.names_leading_to(zone_id, wildcard)]))
        raise _RunEndedError(EXIT_BAD_INPUT, f"{host} has no record in zone {zone_id} ({apex}); nothing to move")

    def names_leading_to(self, zone_id: str, name: str) -> list[str]:
        """Every name of the zone whose CNAME, or alias record to a name of this same zone, leads to ``name``,
        however many hops (edge -> www -> app): clients using them move too, so they are listed and gated. For a
        wildcard, a name it covers that has no record of its own counts as the wildcard. The walk is bounded by
        the zone's records (one read, MAX_PAGES pages) and visits each name once."""
        zone = self.read_zone(zone_id)
        owned = {records.dns_name(r["Name"]) for r in zone}
        pointing: dict[str, set[str]] = {}
        for record in zone:
            source = records.dns_name(record["Name"])
            alias = record.get("AliasTarget")
            if alias is not None:
                if str(alias.get("HostedZoneId", "")).rsplit("/", 1)[-1] == zone_id:
                    pointing.setdefault(records.dns_name(str(alias.get("DNSName", ""))), set()).add(source)
            elif record["Type"] == "CNAME":
                for value in record.get("ResourceRecords", []):
                    pointing.setdefault(records.dns_name(str(value.get("Value", ""))), set()).add(source)
        wildcard_parent = name[2:] if name.startswith("*.") else None

        def leads(target: str, to: str) -> bool:
            if target == to:
                return True
            return (
                to == name
                and wildcard_parent is not None
                and target.endswith("." + wildcard_parent)
                and (target not in owned)
            )

        found: list[str] = []
        queue = [name]
        seen = {name}
        while queue:
            current = queue.pop(0)
            for target, sources in pointing.items():
                if not leads(target, current):
                    continue
                for source in sorted(sources):
                    if source not in seen:
                        seen.add(source)
                        found.append(source)
                        queue.append(source)
        return found

    def check_delegation(self, zone_id: str, apex: str, name: str, what: str) -> None:
        """Exit 2 when an NS record between the zone's apex and ``name`` delegates it to another zone: resolvers
        ask that zone, so records here are never served (occluded) and a cutover here moves no traffic while
        every gate, probing the load balancers directly, passes."""
        labels = name.split(".")
        for i in range(len(labels)):
            parent = ".".join(labels[i:])
            if parent == apex or not parent.endswith("." + apex):
                break
            if any(r["Type"] == "NS" for r in self.read_name(zone_id, parent)):
                raise _RunEndedError(
                    EXIT_BAD_INPUT,
                    f"{what} {name}: {parent} is delegated to another zone (an NS record in zone {zone_id}); "
                    f"resolvers never see {name}'s records here; run the cutover in the zone of {parent}",
                )

    def check_external_dns(self, request: Request, zone_id: str, name: str, host: HostRecords) -> None:
        txt_names = records.ownership_txt_names(
            name, request.txt_prefix, request.txt_suffix, request.txt_wildcard_replacement
        )
        unreadable: tuple[str, str] | None = None
        for index, txt_name in enumerate(txt_names):
            found = self.read_name(zone_id, txt_name)
            owner = records.external_dns_owner(found)
            if owner is None:
                # A TXT at a record-typed name (every name after the old form) whose value has no readable labels:
                # external-dns with --txt-encrypt-enabled writes exactly that, so it counts as its record.
                value = records.unreadable_txt(found) if index > 0 else None
                if value is not None and unreadable is None:
                    unreadable = (txt_name, value)
                continue
            self.refuse_external_dns(request, name, txt_name, owner)
            return
        if request.not_external_dns:
            return
        if unreadable is not None:
            txt_name, value = unreadable
            self.refuse_external_dns(
                request,
                name,
                txt_name,
                f"encrypted or unreadable value {value!r}, as external-dns writes with --txt-encrypt-enabled; when "
                "no external-dns manages this name, give --not-external-dns",
            )
            return
        nearby = self.ownership_nearby(zone_id, name)
        if nearby is None:
            return
        txt_name, owner = nearby
        if request.action == "status":
            self.say(
                f"note: TXT {txt_name} ({owner}) looks like external-dns's ownership record of {name} under a "
                "--txt-prefix/--txt-suffix; give them to check"
            )
            return
        raise _RunEndedError(
            EXIT_REFUSED,
            f"TXT {txt_name} ({owner}) looks like external-dns's ownership record of {name}, under a --txt-prefix or "
            "--txt-suffix this run was not given, so nothing was changed: give --txt-prefix/--txt-suffix as its "
            "Deployment's args say (albops migrate --from-cluster --side-by-side prints them), or, when no "
            "external-dns manages this name, --not-external-dns",
        )

    def ownership_nearby(self, zone_id: str, name: str) -> tuple[str, str] | None:
        """A TXT record of external-dns's whose name is the host's with something added before it or to its first
        label: external-dns's ownership record under a --txt-prefix/--txt-suffix the run was not told of. Without
        it the cutover would take external-dns's record for a hand-made one, and external-dns would then fight
        the weighted records. A zone past MAX_PAGES pages is scanned that far, and the run says so."""
        wanted = records.dns_name(name)
        first, _, rest = wanted.partition(".")
        try:
            for record in self._record_sets(zone_id, None, f"zone {zone_id}"):
                if record["Type"] != "TXT":
                    continue
                txt = records.dns_name(record["Name"])
                label, _, parent = txt.partition(".")
                near = txt.endswith("." + wanted) or (parent == rest and first in label and label != first)
                owner = records.external_dns_owner([record]) if near and txt != wanted else None
                if owner is not None:
                    return txt, owner
        except _RunEndedError:
            self.say(f"note: zone {zone_id} has over {MAX_PAGES} pages of record sets; the external-dns scan stopped")
        return None

    def refuse_external_dns(self, request: Request, name: str, txt_name: str, owner: str) -> None:
        """Say (for --status) or refuse (exit 3, nothing changed) a name external-dns owns, with its steps."""
        percent = request.weight if request.weight is not None else 0
        if request.action == "status":
            self.say(f"note: {name} is external-dns's (TXT {txt_name}: {owner}); change it through its annotations")
            self.out.document["externalDns"] = {"txt": txt_name, "owner": owner}
            return
        prefix = request.annotation_prefix
        old_w, new_w = records.weights(percent)
        steps = (
            f'set on the old Ingress {prefix}set-identifier: {OLD_ID} and {prefix}aws-weight: "{old_w}", and on '
            f'the new one {prefix}set-identifier: {NEW_ID} and {prefix}aws-weight: "{new_w}" (both with the '
            f"hostname {name}); external-dns then writes the weighted records; raise the new weight step by "
            "step, and remove the old Ingress's hostname to finish"
        )
        if not request.annotation_prefix_given:
            steps += (
                f" ({prefix} is external-dns v0.22.0 and later; up to v0.21 it is external-dns.alpha.kubernetes.io/; "
                "--external-dns-annotation-prefix sets it)"
            )
        self.out.document["externalDns"] = {"txt": txt_name, "owner": owner, "steps": steps}
        raise _RunEndedError(
            EXIT_REFUSED,
            f"{name} is managed by external-dns (TXT {txt_name}: {owner}); it would undo this change, so nothing "
            f"was changed; instead {steps}",
        )

    def plan(self, request: Request, host: HostRecords) -> tuple[Step | None, LoadBalancer | None, LoadBalancer | None]:
        """The step the request asks for from the records' state, with the load balancers it names."""
        doc = self.out.document
        if request.action == "weight":
            assert request.to is not None and request.weight is not None
            new = self.resolve(request.to, "--to")
            current_old = host.target(None if host.state == "simple" else OLD_ID)
            old = self.resolve(current_old["DNSName"], f"the current target of {host.name}")
            if request.from_lb is not None:
                given = self.resolve(request.from_lb, "--from")
                if given.lb.dns_name != old.lb.dns_name:
                    raise _RunEndedError(
                        EXIT_BAD_INPUT,
                        f"--from {request.from_lb}: {host.name} points at {old.lb.dns_name}, not at it; drop --from "
                        "or fix it",
                    )
            if new.lb.dns_name == old.lb.dns_name:
                raise _RunEndedError(
                    EXIT_BAD_INPUT, f"--to {request.to}: {host.name} already points at it as the old target"
                )
            if host.state == "weighted":
                current_new = records.lb_dns(host.target(NEW_ID)["DNSName"])
                if current_new != new.lb.dns_name:
                    raise _RunEndedError(
                        EXIT_BAD_INPUT,
                        f"--to {request.to}: a cutover of {host.name} to {current_new} is under way; --rollback and "
                        "--abort it first",
                    )
            self.check_scheme(request, host.name, old, new)
            # An AAAA alias to a load balancer without IPv6 is accepted by Route 53 and answers no address (the
            # ELB's own name has no AAAA record: AWS, Route 53 Developer Guide, "Routing traffic to an ELB load
            # balancer": create an AAAA alias only when the load balancer is dualstack). Refused only when the move
            # takes IPv6 answers away; a host already pointing its AAAA at an ipv4-only one loses nothing.
            if "AAAA" in host.types and new.ip_address_type == "ipv4":
                if old.ip_address_type != "ipv4":
                    raise _RunEndedError(
                        EXIT_BAD_INPUT,
                        f"--to {request.to}: {host.name} has an AAAA record to {old.lb.name}, which has IPv6 "
                        f"({old.ip_address_type}), but {new.lb.name} has no IPv6 address (IpAddressType ipv4): "
                        "IPv6 clients would get no address; make it dualstack first",
                    )
                self.say(
                    f"note: {host.name}'s AAAA record points at {old.lb.name}, which has no IPv6 address either: "
                    "it answers no IPv6 address before and after this move"
                )
            doc["from"], doc["to"] = _json_lb(old.lb), _json_lb(new.lb)
            if host.state == "weighted" and host.new_percent == request.weight:
                self.say(f"{host.name} already sends {request.weight}% to {new.lb.dns_name}: nothing to change")
                doc["applied"] = False
                return None, None, None
            target = new.alias_target()
            if host.state == "weighted":
                target = host.target(NEW_ID)  # the values written before, exactly
            return records.weight_step(host, target, request.weight), new.lb, old.lb
        if host.state != "weighted":
            raise _RunEndedError(
                EXIT_BAD_INPUT,
                f"--{request.action}: {host.name} has simple records, not this tool's weighted pair; no cutover is "
                "under way",
            )
        percent = host.new_percent
        if request.action == "rollback":
            if percent == 0 and host.weight(OLD_ID) > 0:
                self.say(f"{host.name} already sends everything to the old load balancer")
                return None, None, None
            return records.weight_step(host, host.target(NEW_ID), 0), None, None
        if request.action == "abort":
            if percent != 0:
                raise _RunEndedError(
                    EXIT_BAD_INPUT, f"--abort: {host.name} sends {percent}% to the new one; --rollback first"
                )
            self.resolve(host.target(OLD_ID)["DNSName"], "the old target")
            return records.collapse_step(host, OLD_ID), None, None
        if percent != 100:
            raise _RunEndedError(
                EXIT_BAD_INPUT, f"--finish: {host.name} sends {percent}% to the new one; --weight 100 first"
            )
        self.resolve(host.target(NEW_ID)["DNSName"], "the new target")
        return records.collapse_step(host, NEW_ID), None, None

    def check_scheme(self, request: Request, name: str, old: lbs.Resolved, new: lbs.Resolved) -> None:
        """Refuse a move between internet-facing and internal load balancers unless --allow-scheme-change: a
        public host moved to an internal ALB answers private addresses to internet clients (an outage gates run
        inside the VPC never see), and a private host moved to an internet-facing one is exposed."""
        zone_kind = "private" if self.private_zone else "public"
        if new.lb.scheme != old.lb.scheme:
            what = (
                f"--to {request.to}: {new.lb.name} is {new.lb.scheme} but {name} now points at {old.lb.name}, which "
                f"is {old.lb.scheme} (zone {zone_kind})"
            )
            if not request.allow_scheme_change:
                raise _RunEndedError(
                    EXIT_BAD_INPUT,
                    f"{what}: clients would reach it differently; give a {old.lb.scheme} load balancer, or "
                    "--allow-scheme-change when this is meant",
                )
            self.say(f"note: {what}; allowed by --allow-scheme-change")
            return
        mismatch = (self.private_zone and new.lb.scheme == "internet-facing") or (
            not self.private_zone and new.lb.scheme == "internal"
        )
        if mismatch:
            self.say(
                f"note: {name} is in a {zone_kind} zone and {new.lb.name} is {new.lb.scheme}, as {old.lb.name} is: "
                "unchanged by this move"
            )

    def resolve(self, text: str, what: str) -> lbs.Resolved:
        try:
            return lbs.resolve(text, self.client, self.region)
        except lbs.LoadBalancerNotFoundError as error:
            raise _RunEndedError(EXIT_BAD_INPUT, f"{what}: {error}") from None

    def status(self, host: HostRecords) -> None:
        doc = self.out.document
        rows = []
        missing = []
        idents: Sequence[str | None] = [None] if host.state == "simple" else [OLD_ID, NEW_ID]
        for ident in idents:
            target = host.target(ident)
            row: dict[str, Any] = {
                "setIdentifier": ident,
                "target": records.lb_dns(target["DNSName"]),
                "evaluateTargetHealth": bool(target.get("EvaluateTargetHealth")),
            }
            if ident is not None:
                row["weight"] = host.weight(ident)
            try:
                resolved = lbs.resolve(target["DNSName"], self.client, self.region)
                row["loadBalancer"] = _json_lb(resolved.lb)
                row["health"] = lbs.health(resolved, self.client)
            except lbs.LoadBalancerNotFoundError as error:
                row["health"] = {"healthy": None, "unreadable": str(error)}
                missing.append(str(error))
            rows.append(row)
            weight = f" weight {row['weight']}" if ident is not None else ""
            health = row["health"]
            said = {True: "healthy", False: "unhealthy", None: "health unknown"}[health.get("healthy")]
            detail = health.get("targets") or (f"({health['unreadable']})" if health.get("unreadable") else "")
            if health.get("why"):
                detail = f"{detail} ({health['why']})"
            self.say(
                f"{host.name} {'/'.join(host.types)} {ident or 'simple'}{weight} -> {row['target']}: {said} {detail}"
            )
        doc["state"] = host.state
        doc["targets"] = rows
        if host.state == "weighted":
            doc["newPercent"] = host.new_percent
            if host.all_weights_zero:
                doc["allWeightsZero"] = True
                self.say(
                    "50% to the new load balancer: both weights are 0, so Route 53 answers with each record with "
                    "equal probability"
                )
            else:
                self.say(f"{host.new_percent}% to the new load balancer")
        if missing:
            raise _RunEndedError(EXIT_BAD_INPUT, "; ".join(missing))

    # ---- changing --------------------------------------------------------------------------------------------

    def send(self, zone_id: str, step: Step, comment: str, restoring: bool = False) -> str:
        """Send one batch. ``restoring``: the batch undoes a step, so a refusal must not say "nothing was changed"
        (the step stays applied); the caller words it."""
        try:
            answer = self.r53.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Comment": comment[:256], "Changes": list(step.changes)}
            )
        except DeadlineExceeded as error:
            if restoring:
                raise _RunEndedError(EXIT_FINDINGS, f"no answer came to the restore batch ({error})") from None
            raise _RunEndedError(
                EXIT_FINDINGS,
                f"state unknown: the batch was sent and no answer came ({error}); run with --status to see whether "
                "it was applied",
            ) from None
        except Exception as error:
            if _code(error) in ("InvalidChangeBatch", "PriorRequestNotComplete", "InvalidInput"):
                if restoring:
                    raise _RunEndedError(EXIT_FINDINGS, f"Route 53 refused it: {_code(error)}: {error}") from None
                raise _RunEndedError(
                    EXIT_FINDINGS,
                    f"Route 53 refused the batch ({_code(error)}: {error}); nothing was changed; run it again to read "
                    "the records anew",
                ) from None
            raise
        return str(answer["ChangeInfo"]["Id"])

    def wait_insync(self, change_id: str, limit: float) -> None:
        """Poll GetChange until INSYNC, with back-off (1, 2, 4 ... 15 s), at most ``limit`` seconds; a stop ends it."""
        started, delay = self.clock(), 1.0
        for _ in range(10_000):
            status = self.r53.get_change(Id=change_id)["ChangeInfo"]["Status"]
            if status == "INSYNC":
                return
            left = limit - (self.clock() - started)
            if left <= 0 or self.stop.is_set():
                break
            self.stop.wait(min(delay, left))
            delay = min(delay * 2, 15.0)
        self.say(f"warning: change {change_id} not INSYNC after {limit:g} s; measuring anyway")

    def gate(
        self,
        when: str,
        gates: Gates,
        request: Request,
        behind: list[str],
        new: LoadBalancer,
        old: LoadBalancer | None,
    ) -> list[GateResult]:
        results = []
        for host in behind:
            if host.startswith("*."):
                continue
            settings = gate_settings(request.gate, host)
            self.say(f"measuring {host} for {settings.gate_seconds:g} s ({when} the change)")
            try:
                result = (gates.before if when == "before" else gates.after)(settings, new, old, self.stop)
            except Exception as error:  # a gate that cannot measure fails: never pass unmeasured
                result = GateResult(False, f"the gate could not run: {type(error).__name__}: {error}", ("no measure",))
            self.say(f"gate {when} ({host}): {'passed' if result.passed else 'FAILED'}: {result.line}")
            if not result.passed:
                for reason in result.reasons:
                    self.say(f"  why: {reason}")
            self.out.document.setdefault("gates", []).append(
                {
                    "when": when,
                    "host": host,
                    "passed": result.passed,
                    "line": result.line,
                    "reasons": list(result.reasons),
                    "figures": dict(result.figures),
                }
            )
            results.append(result)
            if not result.passed:
                break
        if not results:  # never pass unmeasured
            results.append(GateResult(False, "no host to measure (a wildcard alone)", ("nothing measured",)))
            self.say(f"gate {when}: FAILED: no host behind the record to measure; give --host a name clients use")
        return results

    def restore(self, zone_id: str, name: str, step: Step) -> None:
        """After a failed gate: the previous records come back if the records are still what this run wrote."""
        now = [r for r in self.read_name(zone_id, name) if r["Type"] in records.MOVED_TYPES]
        undo = records.restore_step(step)
        doc = self.out.document
        if not records.same_records(now, step.written):
            doc["restored"] = False
            doc["restoreBatch"] = {"Changes": list(undo.changes)}
            raise _RunEndedError(
                EXIT_FINDINGS,
                f"the gate after the change failed, and {name} no longer holds what this run wrote (someone changed "
                "it): nothing was restored; to restore the previous records, delete the current ones and create: "
                + json.dumps([_json_record(r) for r in step.removed], sort_keys=True),
            )
        doc["restoreBatch"] = {"Changes": list(undo.changes)}
        try:
            current = self.read_name(zone_id, name)
            records.check_batch(current, undo.changes)
            change_id = self.send(zone_id, undo, f"albops cutover restore {name}", restoring=True)
        except (_RunEndedError, ConcurrentEditError, RecordError) as error:
            # The forward step's wording ("nothing was changed") would be false here: the step stays applied.
            why = error.message if isinstance(error, _RunEndedError) else str(error)
            doc["restored"] = False
            raise _RunEndedError(
                EXIT_FINDINGS,
                f"the gate after the change failed and the restore was not made ({why}): {name} still holds this "
                "step's weights; to put the previous records back send: "
                + json.dumps({"Changes": list(undo.changes)}, sort_keys=True),
            ) from None
        doc["restored"] = True
        self.wait_insync(change_id, 60.0)
        raise _RunEndedError(
            EXIT_FINDINGS, f"the gate after the change failed: {name}'s previous records were restored"
        )

    @contextmanager
    def window(self) -> Iterator[None]:
        """SIGINT, SIGTERM and SIGHUP (an SSH session dropped) set the stop event while the change is being
        measured (a failed gate, then the restore), instead of ending the run half-way with the change unmeasured;
        the previous handlers come back after."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(_signum: int, _frame: object) -> None:
            self.stop.set()

        wanted = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
        previous = {sig: signal.signal(sig, stop) for sig in wanted}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def gate_settings(template: GateSettings | None, host: str) -> GateSettings:
    """The gate options for one host: its --gate URLs (those whose host is it), else https://HOST/."""
    base = template or GateSettings(host=host, urls=())
    urls = tuple(u for u in base.urls if (urlsplit(u).hostname or "").lower().rstrip(".") == host)
    return replace(base, host=host, urls=urls or (f"https://{host}/",))


def _caching_note() -> str:
    return (
        f"clients may keep the old answer for the alias's TTL ({records.ALIAS_TTL_SECONDS} s) after INSYNC, resolvers "
        "that cache past it longer, and open connections (WebSocket, keep-alive) never follow DNS: watch the old "
        "load balancer's connection count before removing it"
    )


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def _json_record(record: Record) -> Record:
    return copy.deepcopy(record)


def _json_lb(lb: LoadBalancer) -> dict[str, Any]:
    return {
        "dnsName": lb.dns_name,
        "zoneId": lb.zone_id,
        "kind": lb.kind,
        "name": lb.name,
        "arn": lb.arn,
        "scheme": lb.scheme,
    }
