"""`albops cutover`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from albops import EXIT_BAD_INPUT
from albops.cli import args as argtypes
from albops.cli.common import UNUSABLE_AWS, aws_failure, call_timeout_option, say


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cutover = commands.add_parser(
        "cutover",
        allow_abbrev=False,
        help="move a host's Route 53 alias records from one load balancer to another by weights, with gates",
        description="Exit 0 done (or --dry-run), 1 a gate failed or the records changed meanwhile (previous weights "
        "restored when they were still ours), 2 bad input or records this tool must not change, 3 not applied "
        "(no --yes, or the name is external-dns's). docs/cutover.md has the whole page.",
    )
    cutover.add_argument("--zone-id", required=True, type=argtypes.zone_id, help="the hosted zone of HOST")
    cutover.add_argument("--host", required=True, type=argtypes.host_name, help="the host name clients resolve")
    cutover_action = cutover.add_mutually_exclusive_group(required=True)
    cutover_action.add_argument(
        "--weight", type=argtypes.percent, metavar="PCT", help="percent of the traffic to --to (1-100)"
    )
    cutover_action.add_argument("--status", action="store_true", help="records, weights and targets' health")
    cutover_action.add_argument("--rollback", action="store_true", help="everything back to the old one (100/0)")
    cutover_action.add_argument("--finish", action="store_true", help="at 100%%: simple alias records to the new one")
    cutover_action.add_argument("--abort", action="store_true", help="at 0%%: the original simple records back")
    cutover.add_argument("--to", type=argtypes.load_balancer, metavar="LB", help="the new load balancer (DNS name/ARN)")
    cutover.add_argument(
        "--from",
        dest="from_lb",
        type=argtypes.load_balancer,
        metavar="LB",
        help="the old load balancer (default: the host's current alias target; must be it)",
    )
    cutover.add_argument(
        "--record", type=argtypes.dns_host, metavar="NAME", help="the wildcard or CNAME-target record to move"
    )
    cutover.add_argument(
        "--gate",
        action="append",
        type=argtypes.web_url(("http", "https")),
        metavar="URL",
        help="URL probed on each load balancer (repeatable; default https://HOST/); its host is HOST or a host "
        "behind --record",
    )
    cutover.add_argument(
        "--resolve",
        action="append",
        type=argtypes.resolve_entry,
        metavar="NAME=ADDRESS[:PORT]",
        help="probe NAME at this address instead of resolving it (as curl's --resolve)",
    )
    cutover.add_argument("--ca-file", type=argtypes.pem_file, help="PEM bundle the probes trust")
    cutover.add_argument(
        "--gate-seconds", type=argtypes.seconds(1, 3600), metavar="N", help="length of each gate (60; 1-3600)"
    )
    cutover.add_argument(
        "--settle-seconds",
        type=argtypes.seconds(0, 3600),
        metavar="N",
        help="wait after INSYNC before measuring (default: the record's TTL, 60 s for an alias; 0-3600)",
    )
    cutover.add_argument(
        "--min-samples", type=argtypes.count(1, 10_000_000), metavar="N", help="fewer fail the gate (1000)"
    )
    cutover.add_argument(
        "--max-error-rate", type=argtypes.fraction, metavar="R", help="highest error rate, 0-1 (0.001 = 0.1%%)"
    )
    cutover.add_argument(
        "--max-p99-ms",
        type=argtypes.milliseconds(1, 600_000),
        metavar="MS",
        help="highest p99 latency (default: twice the old load balancer's, measured the same way)",
    )
    cutover.add_argument("--ws", action="store_true", help="also hold WebSocket echoes for the whole window")
    cutover.add_argument("--dry-run", action="store_true", help="print the change, make none (exit 0)")
    cutover.add_argument("--yes", action="store_true", help="make the change (without it: printed, exit 3)")
    cutover.add_argument("--json", action="store_true", help="one JSON document on stdout")
    cutover.add_argument(
        "--txt-prefix", type=argtypes.txt_affix, default="", help="external-dns's --txt-prefix (ownership TXT)"
    )
    cutover.add_argument(
        "--txt-suffix", type=argtypes.txt_affix, default="", help="external-dns's --txt-suffix (ownership TXT)"
    )
    cutover.add_argument(
        "--txt-wildcard-replacement",
        type=argtypes.txt_affix,
        default="",
        help="external-dns's --txt-wildcard-replacement",
    )
    cutover.add_argument(
        "--external-dns-annotation-prefix",
        type=argtypes.external_dns_prefix,
        default=None,
        metavar="PREFIX",
        help="external-dns's --annotation-prefix (external-dns.kubernetes.io/ from v0.22.0, "
        "external-dns.alpha.kubernetes.io/ before)",
    )
    cutover.add_argument(
        "--not-external-dns",
        action="store_true",
        help="no external-dns manages the host: skip the search for its ownership record under a TXT prefix or "
        "suffix this run was not given (the record at the names given is still checked)",
    )
    cutover.add_argument(
        "--allow-scheme-change",
        action="store_true",
        help="allow --to to be internal where the old load balancer is internet-facing, or the reverse",
    )
    call_timeout_option(cutover)


_CUTOVER_GATE_OPTIONS = (
    "gate",
    "resolve",
    "ca_file",
    "gate_seconds",
    "settle_seconds",
    "min_samples",
    "max_error_rate",
    "max_p99_ms",
)


def run(args: argparse.Namespace) -> int:
    from albops.cutover.engine import EXTERNAL_DNS_PREFIX, Cutover, Request
    from albops.cutover.model import GateSettings

    action = (
        next(a for a in ("status", "rollback", "finish", "abort") if getattr(args, a))
        if args.weight is None
        else "weight"
    )
    # Every option checked before any call: the forms of section 3 and what each one takes.
    if action == "weight" and args.to is None:
        return say("error: --weight needs --to LB (the new load balancer's DNS name or ARN)", EXIT_BAD_INPUT)
    if action != "weight":
        given = [o for o in ("to", "from_lb", *_CUTOVER_GATE_OPTIONS) if getattr(args, o) not in (None, [])]
        given += ["ws"] if args.ws else []
        if given:
            names = ", ".join("--" + ("from" if o == "from_lb" else o.replace("_", "-")) for o in given)
            return say(f"error: --{action} takes no {names}; they belong to --weight", EXIT_BAD_INPUT)
    if args.status and (args.dry_run or args.yes):
        return say("error: --status changes nothing; drop --dry-run/--yes", EXIT_BAD_INPUT)
    from urllib.parse import urlsplit

    if args.record is None:
        for url in args.gate or []:
            url_host = (urlsplit(url).hostname or "").lower().rstrip(".")
            if url_host != args.host:
                return say(
                    f"error: --gate {url}: its host {url_host} is not --host {args.host}; gate the host being moved",
                    EXIT_BAD_INPUT,
                )
    gate = GateSettings(
        host=args.host,
        urls=tuple(args.gate or ()),
        resolve=dict(args.resolve or ()),
        ca_file=str(args.ca_file) if args.ca_file else None,
        gate_seconds=args.gate_seconds if args.gate_seconds is not None else 60.0,
        min_samples=args.min_samples if args.min_samples is not None else 1000,
        max_error_rate=args.max_error_rate if args.max_error_rate is not None else 0.001,
        max_p99_ms=args.max_p99_ms,
        ws=args.ws,
    )
    request = Request(
        zone_id=args.zone_id,
        host=args.host,
        action=action,
        to=args.to,
        from_lb=args.from_lb,
        weight=args.weight,
        record=args.record,
        gate=gate,
        settle_seconds=args.settle_seconds,
        dry_run=args.dry_run,
        yes=args.yes,
        txt_prefix=args.txt_prefix,
        txt_suffix=args.txt_suffix,
        not_external_dns=args.not_external_dns,
        txt_wildcard_replacement=args.txt_wildcard_replacement,
        annotation_prefix=args.external_dns_annotation_prefix or EXTERNAL_DNS_PREFIX,
        allow_scheme_change=args.allow_scheme_change,
        annotation_prefix_given=args.external_dns_annotation_prefix is not None,
    )
    if action == "weight":
        from albops.cutover.gates import normalized_name, settings_problem

        # Impossible gate settings (--min-samples out of reach of --gate-seconds, ...) end here, before any call.
        problem = settings_problem(gate)
        if problem is not None:
            return say(f"error: {problem}", EXIT_BAD_INPUT)
        gate_hosts = {args.host} | {(urlsplit(u).hostname or "").lower().rstrip(".") for u in args.gate or ()}
        for name, value in args.resolve or ():
            if normalized_name(name) in gate_hosts:
                print(
                    f"note: --resolve {name}={value} is not used: a gate probes each load balancer at its own "
                    "addresses, never where the host answers today; give a load balancer's DNS name instead "
                    f"(--resolve LB-DNS-NAME={value})",
                    file=sys.stderr,
                )
    from albops.cluster.aws import AwsSession, AwsSettingError
    from albops.deadline import Deadline

    deadline = Deadline(call_seconds=args.call_timeout)
    sessions: dict[str, AwsSession] = {}

    def client(service: str, region: str) -> Any:
        if region not in sessions:
            sessions[region] = AwsSession(region, deadline=deadline)
        return sessions[region].client(service)

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    def gates() -> Any:
        from albops.cutover.gates import ProbeGates  # type: ignore[import-not-found,unused-ignore]

        client("route53", region)
        return ProbeGates(sessions[region])

    def echo(line: str) -> None:
        print(line, flush=True)  # each line as it happens: a long gate shows progress, an interruption its past

    try:
        outcome = Cutover(client, region, gates, echo=None if args.json else echo).run(request)
    except AwsSettingError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    except Exception as error:
        if type(error).__module__.startswith("botocore") or type(error).__name__ in UNUSABLE_AWS:
            line, code = aws_failure(error)
            return say(f"error: {line}; nothing more was sent", code)
        raise
    if args.json:
        print(json.dumps(outcome.document, indent=2, sort_keys=True, default=str))
    if outcome.error:
        print(f"error: {outcome.error}", file=sys.stderr)
    return outcome.code
