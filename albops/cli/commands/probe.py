"""`albops probe`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from albops.cli import args as argtypes
from albops.cli.common import interruption, say


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    probe = commands.add_parser(
        "probe",
        allow_abbrev=False,
        help="measure HTTP latency and hold WebSocket connections open; compare two endpoints side by side",
        description="Bounded in duration, rate and connections (a request under way when --duration ends may take"
        " up to --timeout more); exit 1 on any failed request, or any WebSocket not opened, dropped or not echoing"
        " its messages in time.",
    )
    probe.add_argument(
        "--url", required=True, type=argtypes.web_url(("http", "https")), help="http(s)://host[:port]/path"
    )
    probe.add_argument(
        "--compare",
        type=argtypes.web_url(("http", "https")),
        help="a second URL probed at the same time (e.g. the old NLB)",
    )
    probe.add_argument(
        "--via",
        type=argtypes.via,
        metavar="LB[:PORT]",
        help="connect --url's requests to this load balancer's DNS name (looked up for each connection) or address "
        "instead of the URL's host, which stays the SNI name, Host header and certificate name (curl --connect-to)",
    )
    probe.add_argument(
        "--compare-via",
        type=argtypes.via,
        metavar="LB[:PORT]",
        help="the same for --compare: e.g. the old NLB and the new ALB under one host, before DNS moves",
    )
    probe.add_argument("--ws", action="store_true", help="also hold WebSocket connections on the same path")
    probe.add_argument("--duration", type=argtypes.seconds(0.1, 3600), default=30.0, help="seconds (30; at most 3600)")
    probe.add_argument(
        "--connections",
        type=argtypes.count(1, 500),  # albops.probe.MAX_CONNECTIONS
        default=10,
        help="WebSocket connections with --ws (10; 1-500)",
    )
    probe.add_argument(
        "--rate",
        type=argtypes.per_second(0.01, 200),  # albops.probe.MAX_RATE
        default=10.0,
        help="HTTP requests a second, not seconds between them (10; 0.01 to 200)",
    )
    probe.add_argument(
        "--timeout", type=argtypes.seconds(0.1, 600), default=10.0, help="seconds per request or message"
    )
    probe.add_argument("--ca-file", type=argtypes.pem_file, help="PEM bundle to trust instead of the system's")
    probe.add_argument("--json", action="store_true", help="one JSON object (a list of two with --compare)")


def run(args: argparse.Namespace) -> int:
    import ipaddress
    from urllib.parse import urlsplit

    from albops.probe import ConnectTo, ProbeInterruptedError, probe_all, render

    if args.compare_via and not args.compare:
        return say("error: --compare-via needs --compare (the URL whose connections it redirects)", EXIT_BAD_INPUT)
    urls = [args.url] + ([args.compare] if args.compare else [])
    vias: list[ConnectTo | None] = []
    for url, via in zip(urls, [args.via, args.compare_via], strict=False):
        if via is None:
            vias.append(None)
            continue
        name, port = via
        parts = urlsplit(url)
        port = port or parts.port or (443 if parts.scheme == "https" else 80)
        try:
            ipaddress.ip_address(name)
            vias.append(ConnectTo(name, port, address=name))
        except ValueError:
            vias.append(ConnectTo(name.rstrip("."), port))
    options = {
        "duration_s": args.duration,
        "rate": args.rate,
        "connections": args.connections if args.ws else 0,
        "timeout": args.timeout,
        "ca_file": args.ca_file,
    }
    stopped: str | None = None
    try:
        results = probe_all(urls, vias, **options)
    except ValueError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    except ProbeInterruptedError as interrupted:
        # What was measured until the signal is printed, as ping prints its statistics on Ctrl-C.
        results = interrupted.results
        code, stopped = interruption(interrupted.interruption)
    if args.json:
        documents = [r.as_dict() for r in results]
        if stopped is not None:
            for document in documents:
                document.update({"interrupted": stopped, "exitCode": code})
        print(json.dumps(documents if args.compare else documents[0], indent=2))
    else:
        print(render(results))
    if stopped is not None:
        measured = min((r.duration_s for r in results), default=0.0)
        # The document above is the one JSON document: the line goes to stderr only.
        print(
            f"interrupted: {stopped}; the figures cover the {measured:g} s measured; run it again to measure it all",
            file=sys.stderr,
        )
        return code
    return EXIT_FINDINGS if any(r.failed for r in results) else EXIT_OK
