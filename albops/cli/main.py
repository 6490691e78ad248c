"""Operations for the AWS Load Balancer Controller on EKS: plan, check, migrate, cutover, probe, verify, sweep,
teardown. Every command shares the exit codes below."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import json
import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from albingress.facts.names import EPHEMERAL, PLANNED_ENVIRONMENTS, PROJECT
from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED, EXIT_TOOL_MISSING
from albops.cli import args as argtypes
from albops.deadline import DeadlineExceeded
from albops.preview.runner import PROJECT_DIR

if TYPE_CHECKING:
    from albingress.policies.review import ClusterClass, Violation
    from albops.preview.runner import PlanResult


class _Parser(argparse.ArgumentParser):
    """argparse's parser, keeping its last usage error so that ``--json`` can carry it in its document."""

    last_error = ""

    def error(self, message: str) -> NoReturn:
        # argparse takes a value that starts with "-" (--name-suffix -alb) for an option of its own; say the form
        # it takes instead of only "expected one argument".
        match = re.match(r"argument (--[a-z-]+)(?:/[^:]*)?: expected one argument$", message)
        if match:
            message += f" (a value that starts with '-' goes after an equals sign: {match[1]}=-VALUE)"
        _Parser.last_error = f"{self.prog}: {message}"
        super().error(message)


def _cloud_facts(command: argparse.ArgumentParser, help_text: str) -> None:
    """One --cloud-facts for every command that reads the facts file (docs/plan.md, Cloud facts)."""
    command.add_argument("--cloud-facts", type=argtypes.readable_file, metavar="FILE", help=help_text)


def _call_timeout(command: argparse.ArgumentParser) -> None:
    """One --call-timeout for the commands that call AWS and the Kubernetes API (docs/deadlines.md)."""
    from albops.deadline import DEFAULT_CALL_SECONDS

    command.add_argument(
        "--call-timeout",
        type=argtypes.seconds(0.1, 600),
        default=DEFAULT_CALL_SECONDS,
        metavar="SECONDS",
        help=f"wall-clock limit of one AWS or Kubernetes call, retries and name resolution included "
        f"({DEFAULT_CALL_SECONDS:g}; 0.1-600)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="albops",
        description=__doc__,
        epilog="exit codes: 0 ok, 1 findings (violations, drops, resources left), 2 bad input or usage, "
        "3 refused for safety, 4 a tool it needs is missing, 130 interrupted. --json prints one JSON document.",
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        allow_abbrev=False,
        help="show what `pulumi up` would create, with no cloud, credentials or Pulumi CLI",
        description="Runs the real program under Pulumi's mock runtime with plausible cloud answers.",
    )
    plan.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument(
        "--out",
        type=argtypes.output_dir,
        default=None,
        help="folder for manifests and documents (default plan-out/<stack>)",
    )
    plan.add_argument(
        "--project-dir",
        type=argtypes.program_dir,
        default=PROJECT_DIR,
        help="folder with Pulumi.yaml, __main__.py and the stack files (default: the current folder when it has a "
        "Pulumi.yaml, else this checkout)",
    )
    shape = plan.add_mutually_exclusive_group()
    shape.add_argument("--markdown", action="store_true", help="print a Markdown summary for a pull-request comment")
    shape.add_argument("--json", action="store_true", help="print the plan as one JSON document on stdout")
    plan.add_argument(
        "--compare-to",
        metavar="GITREF",
        help="plan the stack at GITREF too (a temporary worktree) and show what the change does",
    )
    plan.add_argument(
        "--apply",
        action="store_true",
        help="resolve every value as after `pulumi up` (default: preview, unknowns shown as such)",
    )
    _cloud_facts(
        plan, "what to assume about the cloud (clusters, tags, Auto Mode, add-ons); default cloud-facts/<stack>.yaml"
    )
    plan.add_argument(
        "--require-environment",
        choices=PLANNED_ENVIRONMENTS,
        help="refuse (exit 3) unless the stack's alb-ingress:environment is this one (for deploy jobs)",
    )
    sweep = commands.add_parser(
        "sweep",
        allow_abbrev=False,
        help="find (and with --yes delete) what the controller left in AWS for a cluster",
        description="Finds load balancers, listeners, rules, target groups and security groups by the controller's "
        "tags for exactly one cluster, and with --yes deletes them in dependency order.",
    )
    target = sweep.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--cluster", type=argtypes.cluster_name, help="EKS cluster name, exactly as in the elbv2.k8s.aws/cluster tag"
    )
    target.add_argument("--expired", action="store_true", help="every cluster whose ephemeral tags say it expired")
    sweep.add_argument("--region", required=True, type=argtypes.aws_region, help="AWS region, e.g. us-west-2")
    sweep.add_argument("--yes", action="store_true", help="delete; without it nothing is deleted")
    sweep.add_argument("--json", action="store_true", help="one JSON document on stdout")
    sweep.add_argument("--force", action="store_true", help="sweep even while the EKS cluster still exists")
    sweep.add_argument(
        "--stack",
        type=argtypes.owner_value,
        metavar="ORG/PROJECT/STACK",
        help="also delete what carries exactly this owner in alb-ingress/stack (without it, anything carrying a key "
        "that reads as this project's alb-ingress/... is only listed); with --cluster only",
    )
    sweep.add_argument(
        "--wait-seconds",
        type=argtypes.seconds(0, 7200),
        default=600.0,
        help="how long to wait for AWS to let go of resources (600; 0-7200); the command ends within this plus "
        "--call-timeout, whatever the endpoint does",
    )
    _call_timeout(sweep)
    teardown = commands.add_parser(
        "teardown",
        allow_abbrev=False,
        help="tear down an ephemeral stack and its cluster, leaving nothing behind in AWS",
        description="Deletes the cluster's load-balancer objects and waits for the controller, then pulumi destroy, "
        "a sweep, and removes the stack. Refuses stacks not marked ephemeral.",
    )
    teardown.add_argument("--stack", "-s", required=True, help="stack name (Pulumi.<stack>.yaml)")
    teardown.add_argument("--yes", action="store_true", help="do it; without it the steps are only listed")
    teardown.add_argument(
        "--project-dir", type=argtypes.project_dir, default=PROJECT_DIR, help="folder with Pulumi.yaml"
    )
    teardown.add_argument(
        "--wait-seconds",
        type=argtypes.seconds(0, 7200),
        default=900.0,
        help="how long to wait for the controller and AWS (900; 0-7200); teardown's own calls end within this plus "
        "--call-timeout, pulumi destroy aside",
    )
    _call_timeout(teardown)
    verify = commands.add_parser(
        "verify",
        allow_abbrev=False,
        help="check a deployed stack as a person would: DNS, redirect, certificate, echo, WebSocket, ALB",
        description="A pass/fail line per check, bounded in time; exit 1 on any failure.",
    )
    what = verify.add_mutually_exclusive_group(required=True)
    what.add_argument("--stack", "-s", help="stack name: expectations from Pulumi.<stack>.yaml and its outputs")
    what.add_argument(
        "--url", type=argtypes.web_url(("https",)), help="https://host[:port]/path to check without a stack"
    )
    verify.add_argument("--host", help="host name for SNI, certificate and Host header (default: the URL's)")
    verify.add_argument("--ca-file", type=argtypes.pem_file, help="PEM bundle to trust instead of the system's")
    verify.add_argument(
        "--http-port", type=argtypes.port, default=None, help="HTTP port expected to redirect (--url mode)"
    )
    verify.add_argument(
        "--outputs", type=argtypes.readable_file, help="stack outputs as JSON (`pulumi stack output --json`)"
    )
    verify.add_argument("--project-dir", type=argtypes.project_dir, default=PROJECT_DIR, help="folder with Pulumi.yaml")
    verify.add_argument(
        "--resolve",
        action="append",
        default=[],
        type=argtypes.host_address,
        metavar="HOST=ADDRESS",
        help="answer DNS for HOST",
    )
    verify.add_argument("--no-aws", action="store_true", help="skip the ALB check (needs AWS credentials)")
    verify.add_argument("--timeout", type=argtypes.seconds(0.1, 600), default=10.0, help="seconds per check (10)")
    verify.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check = commands.add_parser(
        "check",
        allow_abbrev=False,
        help="run the guardrail rules over Kubernetes YAML and IAM policy JSON",
        description="Prints each violation with its rule, object and fix. Exit 0 clean, 1 violations, 2 unreadable.",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, help="files or directories (*.yaml, *.yml, *.json), or - for stdin"
    )
    check.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check.add_argument("--list", action="store_true", help="print the rules and exit")
    check.add_argument(
        "--ingress-class", action="append", default=[], help="IngressClass name(s) of ALB Ingresses (default: alb)"
    )
    check.add_argument(
        "--environment",
        choices=PLANNED_ENVIRONMENTS,
        help="treat the input as this environment (production adds rules)",
    )
    _cloud_facts(check, "the cluster's IngressClasses and their params, as plan's facts file describes them")
    check.add_argument(
        "--cluster",
        type=argtypes.cluster_name,
        help="the cluster of --cloud-facts to check against",
    )
    probe = commands.add_parser(
        "probe",
        allow_abbrev=False,
        help="measure HTTP latency and hold WebSocket connections open; compare two endpoints side by side",
        description="Bounded in duration, rate and connections; exit 1 on any failed request, or any WebSocket not"
        " opened, dropped or not echoing its messages in time.",
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
    migrate = commands.add_parser(
        "migrate",
        allow_abbrev=False,
        help="convert ingress-nginx Ingresses to ALB Ingresses or Gateway API objects; the rest passes through",
        description="Writes converted YAML to stdout and a report to stderr. Exit 0 when no finding reaches "
        "--fail-on (default: nothing was left out), 1 when one does, 2 when input or an option cannot be read, 3 "
        "when an Ingress would lose its protection (then nothing is written; see --allow-unprotected). "
        "docs/migrate.md has the whole page.",
    )
    migrate.add_argument(
        "inputs", nargs="*", help="files, directories, or - for stdin (none with --from-cluster: it reads the cluster)"
    )
    migrate.add_argument(
        "--group", type=argtypes.group_name, default="migrated", help="ALB group of every converted Ingress (migrated)"
    )
    migrate.add_argument(
        "--shards",
        type=argtypes.count(1, 64),
        default=1,
        metavar="N",
        help="split each converted ALB group over <group>-1..N by host (all Ingresses of a host in one); without "
        "it a group over an ALB quota is refused (1-64)",
    )
    migrate.add_argument(
        "--side-by-side",
        action="store_true",
        help="write the converted Ingresses under new names (NAME + --name-suffix), so applying them creates ALB "
        "Ingresses beside the ingress-nginx ones; the report lists per host the next command (albops cutover)",
    )
    migrate.add_argument(
        "--name-suffix",
        type=argtypes.name_suffix,
        default=None,
        metavar="SUFFIX",
        help="with --side-by-side: appended to each converted Ingress's name (-alb)",
    )
    migrate.add_argument(
        "--from-cluster",
        action="store_true",
        help="read the Ingresses, IngressClasses, Services, ingress-nginx controllers and their ConfigMaps from "
        "the cluster (get and list only) instead of files; docs/migrate.md#from-a-cluster",
    )
    migrate.add_argument("--kubeconfig", metavar="FILE", help="with --from-cluster: the kubeconfig (as kubectl's)")
    migrate.add_argument("--context", metavar="NAME", help="with --from-cluster: the kubeconfig context")
    migrate.add_argument(
        "--namespace",
        action="append",
        default=[],
        type=argtypes.object_name,
        metavar="NS",
        help="with --from-cluster: read namespaced objects in NS only (repeatable; default all namespaces); "
        "include the ingress-nginx controllers' namespaces",
    )
    _call_timeout(migrate)
    migrate.add_argument(
        "--certificate-arn",
        type=argtypes.certificate_arn_list,
        help="ACM (or IAM server) certificate ARN(s), comma-separated, for the HTTPS listener (default: discovery)",
    )
    migrate.add_argument(
        "--scheme",
        choices=["internet-facing", "internal"],
        default=None,
        help="ALB scheme of every class the input does not decide (default: internal, never internet-facing by guess)",
    )
    migrate.add_argument(
        "--class-scheme",
        action="append",
        default=[],
        type=argtypes.class_scheme,
        metavar="CLASS=SCHEME",
        help="ALB scheme (internal or internet-facing) of one ingress-nginx class's Ingresses (repeatable); wins over "
        "--scheme and the controller Service in the input",
    )
    migrate.add_argument(
        "--ingress-class",
        type=argtypes.object_name,
        default="alb",
        help="IngressClass of the converted Ingresses (alb; a DNS-1123 subdomain, as the API server takes it)",
    )
    migrate.add_argument("--include-classless", action="store_true", help="also convert Ingresses without a class")
    migrate.add_argument(
        "--annotations-prefix",
        type=argtypes.annotation_prefix,
        metavar="PREFIX",
        help="the --annotations-prefix ingress-nginx runs with (nginx.ingress.kubernetes.io, or what every "
        "ingress-nginx Deployment of the input runs with): its annotations are "
        "read under it, and ingress-nginx names under any other prefix are reported",
    )
    migrate.add_argument("--report", type=argtypes.output_file, help="also write the report as JSON to this file")
    migrate.add_argument(
        "--report-format",
        choices=["text", "markdown", "json"],
        default="text",
        help="the report on stderr: text (default), markdown (a table per Ingress, group findings once per "
        "group) or json (the --report shape)",
    )
    migrate.add_argument(
        "--nginx-class",
        action="append",
        default=[],
        metavar="NAME",
        help="an IngressClass name ingress-nginx serves besides nginx (repeatable; IngressClasses in the input "
        "whose controller is k8s.io/ingress-nginx count too)",
    )
    migrate.add_argument(
        "--allow-unprotected",
        action="store_true",
        help="also write Ingresses that lose their authentication or access rules (exit 3 without it)",
    )
    migrate.add_argument(
        "--fail-on",
        choices=["lost-protection", "not-converted", "approximated"],
        default="not-converted",
        help="exit 1 when a finding of this severity or a more serious one exists (severities: lost-protection > "
        "not-converted > approximated > note; default not-converted); a held-back Ingress is exit 3 whatever this says",
    )
    migrate.add_argument(
        "--allow-unprotected-ingress",
        action="append",
        default=[],
        type=argtypes.namespaced_name,
        metavar="NAMESPACE/NAME",
        help="also write this Ingress although it loses its protection (repeatable; --allow-unprotected: all); "
        "one that names no ingress-nginx Ingress of the input is an error",
    )
    migrate.add_argument(
        "--controller-config",
        help="the ingress-nginx controller ConfigMap (YAML) whose global defaults the Ingresses inherit",
    )
    migrate.add_argument(
        "--to",
        choices=["ingress", "gateway"],
        default="ingress",
        help="write ALB Ingresses (default) or Gateway API objects for the controller's ALB Gateways",
    )
    migrate.add_argument(
        "--gateway",
        type=argtypes.namespaced_name,
        metavar="NAMESPACE/NAME",
        help="with --to gateway: attach the routes to this existing Gateway instead of writing one per group",
    )
    migrate.add_argument(
        "--gateway-class", type=argtypes.object_name, default="alb", help="with --to gateway: the GatewayClass (alb)"
    )
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
    _call_timeout(cutover)
    return parser


def _migrate(args: argparse.Namespace) -> int:
    from albops.manifests import UnreadableError, read_sources
    from albops.migrate import Options, dump, migrate
    from albops.migrate.report_formats import as_json, render_lines
    from albops.migrate.shapes import check_shape

    if args.to == "gateway" and args.shards != 1:
        return _say("error: --shards only applies with --to ingress; drop --shards", EXIT_BAD_INPUT)
    if args.name_suffix is not None and not args.side_by_side:
        return _say(
            "error: --name-suffix only applies with --side-by-side; add it, or drop --name-suffix", EXIT_BAD_INPUT
        )
    if args.side_by_side and args.to == "gateway":
        return _say(
            "error: --side-by-side applies to --to ingress only: Gateway API routes are new objects anyway and "
            "leave the ingress-nginx Ingresses in place; drop --side-by-side",
            EXIT_BAD_INPUT,
        )
    if args.to != "gateway" and (args.gateway is not None or args.gateway_class != "alb"):
        flag = "--gateway" if args.gateway is not None else "--gateway-class"
        return _say(f"error: {flag} only applies with --to gateway; add it, or drop {flag}", EXIT_BAD_INPUT)

    schemes_given: dict[str, str] = {}
    for cls, scheme in args.class_scheme:
        if schemes_given.setdefault(cls, scheme) != scheme:
            return _say(
                f"error: --class-scheme {cls}={schemes_given[cls]} and --class-scheme {cls}={scheme}: one scheme "
                f"per class; keep the one its clients used",
                EXIT_BAD_INPUT,
            )
    cluster_flags = [f for f, v in (("--kubeconfig", args.kubeconfig), ("--context", args.context)) if v] + (
        ["--namespace"] if args.namespace else []
    )
    if args.from_cluster and args.inputs:
        return _say(
            f"error: {' '.join(args.inputs)} and --from-cluster: give files or read the cluster, not both; drop one",
            EXIT_BAD_INPUT,
        )
    if not args.from_cluster and not args.inputs:
        return _say("error: no input: give files, directories or - for stdin, or --from-cluster", EXIT_BAD_INPUT)
    if cluster_flags and not args.from_cluster:
        return _say(f"error: {cluster_flags[0]} only applies with --from-cluster; add it, or drop it", EXIT_BAD_INPUT)
    cluster_read = None
    if args.from_cluster:
        from albops.migrate.from_cluster import ClusterError, Target, read_cluster, read_deadline, redact_url_userinfo

        target = Target(args.kubeconfig, args.context, tuple(dict.fromkeys(args.namespace)))
        try:
            cluster_read = read_cluster(target, read_deadline(args.call_timeout))
        except ClusterError as error:
            return _say(f"error: --from-cluster: {redact_url_userinfo(str(error))}", EXIT_BAD_INPUT)
        documents: list[Any] = list(cluster_read.documents)
    else:
        try:
            documents = read_sources(args.inputs, check=check_shape)
        except UnreadableError as error:
            return _say(f"error: {error}", EXIT_BAD_INPUT)
    if cluster_read is None and not any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in documents):
        # As check does: a file of no manifest at all is the wrong file, not a cluster without ingress-nginx.
        return _say(
            f"error: {' '.join(args.inputs)}: no Kubernetes object (apiVersion and kind) to migrate; give "
            "manifests (kubectl get ingress,ingressclass -A -o yaml)",
            EXIT_BAD_INPUT,
        )
    controller_config: dict[str, str] = {}
    if args.controller_config is not None:
        try:
            maps = [d for d in read_sources([args.controller_config]) if isinstance(d, dict)]
        except UnreadableError as error:
            return _say(f"error: --controller-config: {error}", EXIT_BAD_INPUT)
        if len(maps) != 1 or maps[0].get("kind") != "ConfigMap" or not isinstance(maps[0].get("data") or {}, dict):
            return _say(
                f"error: --controller-config {args.controller_config}: expected one ConfigMap with a data map "
                "(kubectl get configmap -n ingress-nginx ingress-nginx-controller -o yaml)",
                EXIT_BAD_INPUT,
            )
        controller_config = {str(k): str(v) for k, v in (maps[0].get("data") or {}).items()}
    released = list(dict.fromkeys(f"{namespace}/{name}" for namespace, name in args.allow_unprotected_ingress))
    if released and args.allow_unprotected:
        return _say(
            "error: --allow-unprotected already writes every Ingress; drop it to release only "
            f"{', '.join(released)}, or drop --allow-unprotected-ingress",
            EXIT_BAD_INPUT,
        )
    options = Options(
        controller_config=controller_config,
        group=args.group,
        certificate_arn=args.certificate_arn,
        scheme=args.scheme or "internal",
        ingress_class=args.ingress_class,
        include_classless=args.include_classless,
        nginx_classes=tuple(args.nginx_class),
        allow_unprotected=args.allow_unprotected,
        to=args.to,
        gateway=args.gateway,
        gateway_class=args.gateway_class,
        allow_unprotected_ingresses=frozenset(released),
        shards=args.shards,
        annotations_prefix=args.annotations_prefix or "nginx.ingress.kubernetes.io",
        class_schemes=tuple(args.class_scheme),
        scheme_given=args.scheme is not None,
        annotations_prefix_given=args.annotations_prefix is not None,
        side_by_side=args.side_by_side,
        name_suffix=args.name_suffix or "-alb",
        from_cluster=cluster_read is not None,
        ingress_classes_unread=bool(cluster_read and cluster_read.ingress_classes_unread),
        cutover_flags=_cutover_flags(cluster_read.external_dns if cluster_read else []),
    )
    from albops.migrate.side_by_side import NameCollisionError

    read_objects = list(documents)  # held, so that no id below is reused by a new object
    try:
        converted, report = migrate(documents, options, copy=False)
    except NameCollisionError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    if cluster_read is not None:
        from albops.migrate.from_cluster import cluster_output

        converted = cluster_output(converted, read_objects, cluster_read, report)
    nginx_names = set(report.ingresses()) - set(report.passed_through)
    unknown = [name for name in released if name not in nginx_names]
    if unknown:
        return _say(_unknown_release(unknown, report), EXIT_BAD_INPUT)
    unprotected = set(report.unprotected)
    for name in released:
        if name not in unprotected:
            report.add(name, "--allow-unprotected-ingress", "note", "it loses no protection: nothing to release")
    # Anything held back: nothing at all on stdout, so `migrate | kubectl apply -f -` cannot apply the rest
    # of a half-protected set. Otherwise the documents are written one at a time, never as one string.
    if not report.held_back:
        for chunk in dump(converted):
            sys.stdout.write(chunk)
    for line in render_lines(report, args.report_format, args.fail_on):
        print(line, file=sys.stderr)
    if args.report is not None:
        with args.report.open("w", encoding="utf-8") as handle:
            json.dump(as_json(report, args.fail_on), handle, indent=2)
            handle.write("\n")
    if report.held_back:
        return EXIT_REFUSED
    return EXIT_FINDINGS if report.fails(args.fail_on) else EXIT_OK


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


def _cutover(args: argparse.Namespace) -> int:
    from albops.cutover.engine import EXTERNAL_DNS_PREFIX, Cutover, Request
    from albops.cutover.model import GateSettings

    action = (
        next(a for a in ("status", "rollback", "finish", "abort") if getattr(args, a))
        if args.weight is None
        else "weight"
    )
    # Every option checked before any call: the forms of section 3 and what each one takes.
    if action == "weight" and args.to is None:
        return _say("error: --weight needs --to LB (the new load balancer's DNS name or ARN)", EXIT_BAD_INPUT)
    if action != "weight":
        given = [o for o in ("to", "from_lb", *_CUTOVER_GATE_OPTIONS) if getattr(args, o) not in (None, [])]
        given += ["ws"] if args.ws else []
        if given:
            names = ", ".join("--" + ("from" if o == "from_lb" else o.replace("_", "-")) for o in given)
            return _say(f"error: --{action} takes no {names}; they belong to --weight", EXIT_BAD_INPUT)
    if args.status and (args.dry_run or args.yes):
        return _say("error: --status changes nothing; drop --dry-run/--yes", EXIT_BAD_INPUT)
    from urllib.parse import urlsplit

    if args.record is None:
        for url in args.gate or []:
            url_host = (urlsplit(url).hostname or "").lower().rstrip(".")
            if url_host != args.host:
                return _say(
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
            return _say(f"error: {problem}", EXIT_BAD_INPUT)
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
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    except Exception as error:
        if type(error).__module__.startswith("botocore") or type(error).__name__ in _UNUSABLE_AWS:
            line, code = aws_failure(error)
            return _say(f"error: {line}; nothing more was sent", code)
        raise
    if args.json:
        print(json.dumps(outcome.document, indent=2, sort_keys=True, default=str))
    if outcome.error:
        print(f"error: {outcome.error}", file=sys.stderr)
    return outcome.code


def _unknown_release(unknown: list[str], report: Any) -> str:
    """--allow-unprotected-ingress naming no ingress-nginx Ingress: a typo must neither hold one back nor pass."""
    name = unknown[0]
    if name in report.passed_through:
        why = "is not an ingress-nginx Ingress here (its class is not one ingress-nginx serves), so nothing to release"
    else:
        why = "names no Ingress of the input"
    known = [n for n in report.ingresses() if n not in report.passed_through]
    hint = (
        f"; the input's ingress-nginx Ingresses: {', '.join(known[:5])}{', ...' if len(known) > 5 else ''}"
        if known
        else ""
    )
    more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
    return f"error: --allow-unprotected-ingress {name}{more} {why}{hint}; fix the NAMESPACE/NAME or drop it"


def _cutover_flags(found: list[Any]) -> tuple[str, ...]:
    """The external-dns options of the next commands: one external-dns, or several that agree; several that
    disagree give none (the report lists each, and the cutover asks for them when it finds their records)."""
    flags = {dns.cutover_flags() for dns in found}
    return flags.pop() if len(flags) == 1 else ()


def _probe(args: argparse.Namespace) -> int:
    import ipaddress
    from urllib.parse import urlsplit

    from albops.probe import ConnectTo, probe_all, render

    if args.compare_via and not args.compare:
        return _say("error: --compare-via needs --compare (the URL whose connections it redirects)", EXIT_BAD_INPUT)
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
    try:
        results = probe_all(urls, vias, **options)
    except ValueError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    if args.json:
        documents = [r.as_dict() for r in results]
        print(json.dumps(documents if args.compare else documents[0], indent=2))
    else:
        print(render(results))
    return EXIT_FINDINGS if any(r.failed for r in results) else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from albingress.policies.guardrails import RULES, evaluate
    from albingress.policies.review import Context, Stack
    from albops.check import combined, load_with_origins, validation_violations
    from albops.manifests import UnreadableError

    if args.list:
        if args.json:
            listed = [{"id": r.id, "mandatory": r.mandatory, "title": r.title, "protects": r.protects} for r in RULES]
            print(json.dumps({"rules": listed}, indent=2))
            return EXIT_OK
        for rule in RULES:
            kind = "mandatory" if rule.mandatory else "advisory"
            print(f"{rule.id:<22} {kind:<9} {rule.title} (protects against {rule.protects})")
        return EXIT_OK
    if not args.paths:
        return _say("error: give files or directories to check (or --list)", EXIT_BAD_INPUT)
    try:
        resources, origins = load_with_origins(args.paths)
    except UnreadableError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    if not resources:
        named = " ".join(str(p) for p in args.paths)
        return _say(
            f"error: {named}: no Kubernetes object (apiVersion and kind) or IAM policy document (Statement) to "
            "check; give manifests or IAM JSON",
            EXIT_BAD_INPUT,
        )
    try:
        cluster_classes, facts_note = _check_facts(args)
    except ValueError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    # With the cluster's classes known, "alb" is no longer assumed to be an ALB class: the facts say which are.
    assumed = ["alb"] if not cluster_classes else []
    context = Context(
        ingress_classes=frozenset(args.ingress_class or assumed),
        environment=args.environment,
        cluster_classes=cluster_classes,
    )
    violations = evaluate(resources, context)
    violations = combined(violations, validation_violations(resources, origins))
    unclassified = [
        {"ingress": f"{i.namespace}/{i.name}", "class": Stack(resources, context).class_of(i)}
        for i in Stack(resources, context).unclassified_ingresses()
    ]
    if args.json:
        document: dict[str, Any] = {
            "resources": len(resources),
            "violations": [v.__dict__ for v in violations],
            "unclassified": unclassified,
        }
        if facts_note:
            document["cloudFacts"] = facts_note
        print(json.dumps(document, indent=2))
    else:
        if facts_note:
            print(facts_note)
        for violation in violations:
            print(violation)
        if unclassified:
            named = ", ".join(sorted({str(u["class"] or "(none)") for u in unclassified}))
            print(
                f"note: {len(unclassified)} Ingress(es) of class {named} not checked as ALB Ingresses (no IngressClass "
                "says which controller serves it): name an ALB class with --ingress-class, or give --cloud-facts"
            )
        print(f"{len(resources)} objects checked, {len(violations)} violations")
    if any(v.bad_input for v in violations):
        return EXIT_BAD_INPUT  # a value the API server or AWS refuses: the input must be fixed first
    return EXIT_FINDINGS if violations else EXIT_OK


def _check_facts(args: argparse.Namespace) -> tuple[dict[str, ClusterClass], str]:
    """The IngressClasses of the cluster ``--cloud-facts`` describes, and a line saying where they came from."""
    from albingress.policies.review import ClusterClass
    from albops.preview.cloud_facts import FactsError, load_facts

    if args.cloud_facts is None:
        if args.cluster is not None:
            raise ValueError("--cluster names a cluster of --cloud-facts; give the facts file too")
        return {}, ""
    try:
        clusters, _ = load_facts(args.cloud_facts)
    except FactsError as error:
        raise ValueError(str(error)) from None
    if args.cluster is None and len(clusters) != 1:
        names = ", ".join(sorted(clusters)) or "none"
        raise ValueError(f"--cloud-facts {args.cloud_facts} describes clusters {names}: name one with --cluster")
    name = args.cluster if args.cluster is not None else next(iter(clusters))
    if name not in clusters:
        known = ", ".join(sorted(clusters)) or "none"
        raise ValueError(f"--cluster {name}: not in {args.cloud_facts} (it describes {known}); add it or fix the name")
    found = clusters[name].ingress_classes
    classes = {k: ClusterClass(controller=v.controller, params=v.params) for k, v in found.items()}
    listed = ", ".join(f"{k} ({v.controller}{', with params' if v.params else ''})" for k, v in sorted(found.items()))
    return classes, f"IngressClasses of cluster {name} from {args.cloud_facts}: {listed or 'none listed'}"


def _verify(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from albops.cluster.verify import Expectations, Verifier, expectations_from, system_resolver

    pinned: dict[str, str] = dict(args.resolve)

    def resolver(host: str) -> list[str]:
        return [pinned[host]] if host in pinned else system_resolver(host)

    aws = None
    if args.url:
        parts = urlsplit(args.url)  # an https:// URL with a host and a valid port: argtypes.web_url checked it
        https_port = parts.port or 443
        http_port = args.http_port if args.http_port is not None else (80 if https_port == 443 else None)
        expect = Expectations(
            host=args.host or parts.hostname,
            path=parts.path.rstrip("/") or "/echo",
            https_port=https_port,
            http_port=http_port,
        )
    else:
        from albingress.components.model import ConfigError
        from albingress.stack_settings import parse_settings
        from albops.cluster.verify import with_encrypted_from_outputs
        from albops.preview.runner import read_stack_file, stand_in_encrypted

        try:
            # Encrypted values are stood in for (never printed); what verify needs of them comes from the outputs.
            prepared = stand_in_encrypted(read_stack_file(args.stack, args.project_dir))
            settings = parse_settings(prepared.values, frozenset(prepared.encrypted), stack=args.stack)
            outputs = _stack_outputs(args)
            expect = with_encrypted_from_outputs(expectations_from(settings, outputs), prepared.encrypted, outputs)
        except (FileNotFoundError, ValueError, ConfigError) as error:
            return _say(f"error: {error}", EXIT_BAD_INPUT)
        except RuntimeError as error:
            return _say(f"error: {error}", EXIT_TOOL_MISSING)
        if not args.no_aws:
            from albops.cluster.aws import AwsSession, AwsSettingError
            from albops.deadline import Deadline

            # The ALB check's calls end with the check: nothing of it is left retrying behind the next one.
            try:
                aws = AwsSession(settings.region, deadline=Deadline(call_seconds=args.timeout))
            except AwsSettingError as error:
                return _say(f"error: {error}", EXIT_BAD_INPUT)
    verifier = Verifier(expect, resolver=resolver, ca_file=args.ca_file, timeout=args.timeout, aws=aws)
    checks = verifier.run()
    failed = [c for c in checks if not c.ok]
    code = EXIT_FINDINGS if failed else EXIT_OK
    if args.json:
        # The exit code's meaning travels with it, so a script reading only stdout need not know the table.
        meaning = "a check failed" if failed else "every check passed"
        document = {
            "checks": [{"name": c.name, "result": "pass" if c.ok else "fail", "reason": c.detail} for c in checks],
            "passed": len(checks) - len(failed),
            "failed": len(failed),
            "exitCode": code,
            "meaning": meaning,
        }
        print(json.dumps(document, indent=2))
        return code
    for check in checks:
        print(check)
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return code


def _stack_outputs(args: argparse.Namespace) -> dict[str, object]:
    """Outputs from --outputs FILE, else from the backend (which needs the Pulumi CLI)."""
    if args.outputs is not None:
        try:
            data = json.loads(args.outputs.read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(
                f"--outputs {args.outputs}: {error.strerror}; write it with `pulumi stack output --json`"
            ) from None
        except json.JSONDecodeError as error:
            raise ValueError(f"--outputs {args.outputs}: line {error.lineno}: not JSON") from None
        if not isinstance(data, dict) or not {"echoserverUrl", "clusterName", "albGroupName"} & set(data):
            raise ValueError(
                f"--outputs {args.outputs}: not this stack's outputs (a JSON object with echoserverUrl, clusterName "
                "...); write it with `pulumi stack output --json -s <stack>`"
            )
        return data
    from pulumi import automation as auto

    from albops.deadline import Deadline

    def read() -> dict[str, object]:
        stack = auto.select_stack(args.stack, work_dir=str(args.project_dir))
        return {key: value.value for key, value in stack.outputs().items()}

    step = "reading the stack's outputs (pulumi stack output)"
    try:
        # Bounded as teardown's backend reads are: a CLI read starts a process and may ask a remote backend.
        outputs: dict[str, object] = Deadline(call_seconds=max(60.0, args.timeout)).run(
            read, endpoint="the Pulumi CLI", step=step
        )
    except FileNotFoundError:
        raise RuntimeError("the Pulumi CLI is not installed; install it, or pass --outputs FILE") from None
    except auto.CommandError as error:
        raise ValueError(f"{BackendError(step, _cli_said(error))}; or pass --outputs FILE") from None
    return outputs  # a DeadlineExceeded goes to main: one line, exit 1


def _teardown(args: argparse.Namespace) -> int:
    from albops.cluster import teardown as teardown_module
    from albops.cluster.aws import AwsSession, AwsSettingError
    from albops.cluster.kube import ApiRefusedError, KubernetesApi
    from albops.cluster.sweep import Timing
    from albops.cluster.teardown import (
        RefusedError,
        Teardown,
        ToolMissingError,
        backend_target,
        local_precheck,
    )
    from albops.deadline import Deadline
    from albops.preview.runner import StackFileError, project_name

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", args.stack):
        bare = args.stack.rstrip("/").rsplit("/", 1)[-1]
        if "/" in args.stack and re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", bare):
            # sweep takes the owner value ORG/PROJECT/STACK; teardown runs in the project's folder and takes the
            # stack's own name, the last part of it.
            return _say(
                f"error: --stack {args.stack!r} is an owner value; teardown takes the bare stack name: --stack {bare}",
                EXIT_BAD_INPUT,
            )
        return _say(f"error: --stack {args.stack!r} is not a stack name (letters, digits, '_.-')", EXIT_BAD_INPUT)
    try:
        # The checkout's file can only refuse early; the backend's copy decides what is deleted.
        local = local_precheck(args.stack, args.project_dir)
    except RefusedError as error:
        return _say(f"refused: {error}", EXIT_REFUSED)
    except StackFileError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    if local is None and not teardown_module.PULL_REQUEST_STACK.fullmatch(args.stack):
        # Known without the Pulumi CLI: a stack with no file here can only be a pull request's (made from
        # Pulumi.pr.yaml with `pulumi stack init pr-N --copy-config-from pr`); anything else is a mistyped name.
        return _say(
            f"error: --stack {args.stack}: no Pulumi.{args.stack}.yaml in {args.project_dir}, and it is not a "
            "pull-request stack (pr-<number>); teardown removes only ephemeral stacks: check the name "
            "(`pulumi stack ls`) or run from the folder that holds its stack file",
            EXIT_BAD_INPUT,
        )
    backend = _BoundedBackend(teardown_module.backend_for(args.stack, args.project_dir), args.call_timeout)
    if not args.yes and local is not None:
        print(
            f"Would tear down stack {local.stack} (owner {local.owner}, expires {local.expires}): cluster "
            f"{local.cluster} in {local.region}, as Pulumi.{local.stack}.yaml here says.\n"
            "  1. check the backend's config and state name this cluster, and that it is tagged "
            f"alb-ingress/ephemeral=true and alb-ingress/stack={local.stack_tag}, the organization as the backend "
            "names it (else refuse, deleting nothing)\n"
            "  2. delete every Ingress, LoadBalancer Service and Gateway the controller manages, and wait for it\n"
            "  3. pulumi destroy (PULUMI_K8S_DELETE_UNREACHABLE=true), then sweep what the controller left with this "
            "owner value (anything else of the cluster is listed with the command to remove it, not deleted)\n"
            "  4. remove the stack\n"
            "With --yes the backend's copy of the stack's config and state decide, not this file. "
            "Run again with --yes to do it."
        )
        return EXIT_OK
    try:
        if not backend.exists():
            return _say(
                f"refused: stack {args.stack} does not exist in the backend, so nothing proves which cluster is its; "
                "nothing was deleted (for what a cluster that is gone left behind: albops sweep --cluster NAME)",
                EXIT_REFUSED,
            )
        target = backend_target(args.stack, backend, project_name(args.project_dir))
    except RefusedError as error:
        return _say(f"refused: {error}", EXIT_REFUSED)
    except ToolMissingError as error:
        return _say(f"error: {error}", EXIT_TOOL_MISSING)
    except BackendError as error:
        return _say(f"error: {error}; nothing was deleted", error.exit_code)
    except DeadlineExceeded as error:
        return _say(f"error: deadline passed: {error}; nothing was deleted; run teardown again", EXIT_FINDINGS)
    if local is not None and (local.cluster, local.region) != (target.cluster, target.region):
        print(
            f"note: Pulumi.{args.stack}.yaml here names cluster {local.cluster} in {local.region}; the backend's copy "
            f"names {target.cluster} in {target.region}, and that is what is used"
        )
    if not args.yes:
        print(f"Would tear down stack {target.stack}: cluster {target.cluster} in {target.region}. Add --yes.")
        return EXIT_OK
    deadline = Deadline(seconds=args.wait_seconds + args.call_timeout, call_seconds=args.call_timeout)
    try:
        aws = AwsSession(target.region, deadline=deadline)
    except AwsSettingError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    job = Teardown(
        target=target,
        backend=lambda: backend,
        cluster_api=lambda description: KubernetesApi.for_eks(aws, description),
        aws=aws,
        timing=Timing(deadline_seconds=args.wait_seconds),
    )
    try:
        return job.run()
    except RefusedError as error:
        return _say(f"refused: {error}", EXIT_REFUSED)
    except ToolMissingError as error:
        return _say(f"error: {error}", EXIT_TOOL_MISSING)
    except DeadlineExceeded as error:
        _teardown_stopped(job, deadline, f"the deadline passed at {error.step} ({error.endpoint})")
        return _say(f"error: {_deadline_line(error, 'teardown')}", EXIT_FINDINGS)
    except KeyboardInterrupt as error:  # Ctrl-C, SIGTERM, SIGHUP: what was done, then the line of _main
        if job.in_destroy:
            # The signal reached pulumi destroy too: its update was cut short and the backend may keep the stack
            # locked, with pending operations in its state (pulumi.com/docs/iac/cli/commands/pulumi_cancel).
            code, what = interruption(error)
            stack = shlex.quote(args.stack)
            return _say(
                f"interrupted: {what} during pulumi destroy: destroy was cut short, and the stack may be locked or "
                f"have pending operations; from the project folder run `pulumi cancel --stack {stack}`, then "
                f"`pulumi refresh --stack {stack}`, then `albops teardown --stack {stack} --yes` again",
                code,
            )
        _teardown_stopped(job, deadline, interruption(error)[1])
        raise
    except BackendError as error:
        return _say(f"error: {error}; run teardown again once fixed", error.exit_code)
    except ApiRefusedError as error:
        _teardown_stopped(job, deadline, "stopped by the error below")
        return _say(f"error: {error}", EXIT_FINDINGS if error.usable else EXIT_BAD_INPUT)
    except Exception as error:
        _teardown_stopped(job, deadline, "stopped by the error below")
        text, code = aws_failure(error)
        return _say(f"error: {text}; run teardown again once fixed", code)


def _teardown_stopped(job: Any, deadline: Any, why: str) -> None:
    """Before teardown's last line: the sweep after destroy as far as it got (what it deleted, what it found
    and did not reach), and every change whose answer never came."""
    from albops.cluster.sweep import mark_interrupted, render_table

    reports = job.sweep_reports
    mark_interrupted(reports, deadline.unanswered, why)
    for report in reports:
        print(render_table(report))
    for unanswered in deadline.unanswered:
        print(unanswered)


class BackendError(Exception):
    """The Pulumi CLI failed on a backend call: the step and the CLI's own first lines; exit 2 when the backend
    refused the credentials (running again changes nothing), 1 otherwise."""

    def __init__(self, step: str, said: str) -> None:
        refused = re.search(r"\b(401|403)\b|unauthori[sz]ed|forbidden|access token|pulumi login", said, re.I)
        super().__init__(
            f"the Pulumi backend failed at {step}: {said or 'no message'}"
            + ("; log in again (pulumi login, or a fresh PULUMI_ACCESS_TOKEN)" if refused else "")
        )
        self.exit_code = EXIT_BAD_INPUT if refused else EXIT_FINDINGS


def _cli_said(error: Exception) -> str:
    """The first lines of what the Pulumi CLI wrote on stderr (its own words), on one line."""
    text = str(error)
    stderr = text.split(" stderr:", 1)[1] if " stderr:" in text else text
    lines = [line.strip() for line in stderr.splitlines() if line.strip()][:3]
    return " ".join(" / ".join(lines).split())[:400]


class _BoundedBackend:
    """teardown's backend with each Pulumi CLI read (config, state, the stack's name) bounded in time and any
    CLI failure turned into one ``BackendError`` line naming the step. ``pulumi destroy`` is not bounded here:
    its providers have their own timeouts, and cutting it would leave a half-destroyed stack."""

    READS: ClassVar[dict[str, str]] = {
        "exists": "selecting the stack (pulumi stack select)",
        "qualified_name": "reading the stack's name (pulumi stack --show-name)",
        "config": "reading the stack's config (pulumi config)",
        "export": "reading the stack's state (pulumi stack export)",
    }

    def __init__(self, backend: Any, call_seconds: float) -> None:
        from albops.deadline import Deadline

        self._backend = backend
        # A CLI read starts a process and may ask a remote backend: at least a minute, however short the
        # allowance of an AWS call is.
        self._deadline = Deadline(call_seconds=max(60.0, call_seconds))

    def _step(self, step: str, call: Any, bounded: bool) -> Any:
        from pulumi.automation import CommandError

        try:
            if bounded:
                return self._deadline.run(call, endpoint="the Pulumi CLI", step=step)
            return call()
        except CommandError as error:
            if type(error).__name__ == "StackNotFoundError":
                raise
            raise BackendError(step, _cli_said(error)) from None

    def exists(self) -> bool:
        return bool(self._step(self.READS["exists"], self._backend.exists, True))

    def qualified_name(self) -> str:
        return str(self._step(self.READS["qualified_name"], self._backend.qualified_name, True))

    def config(self) -> dict[str, Any]:
        result: dict[str, Any] = self._step(self.READS["config"], self._backend.config, True)
        return result

    def export(self) -> dict[str, Any]:
        result: dict[str, Any] = self._step(self.READS["export"], self._backend.export, True)
        return result

    def destroy(self) -> None:
        self._step("pulumi destroy", self._backend.destroy, False)

    def remove(self) -> None:
        self._step("removing the stack (pulumi stack rm)", self._backend.remove, False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


# AWS's answers to credentials or permissions that cannot work (exit 2: running again changes nothing).
_REFUSED_CREDENTIALS = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "AuthFailure",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
    }
)
# botocore's errors for an endpoint or credentials that cannot work at all (exit 2, as sweep has them).
_UNUSABLE_AWS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "EndpointConnectionError",
        "NoRegionError",
        "NotAnAwsEndpointError",
    }
)


def _sweep(args: argparse.Namespace) -> int:
    from albops.cluster.aws import AwsSession, AwsSettingError
    from albops.cluster.sweep import SweepReport, Timing, exit_code, mark_interrupted, render_table, sweep_command
    from albops.deadline import Deadline

    if args.expired and args.stack:
        return _say(
            "error: --stack names the owner whose leftovers of one --cluster may go; --expired (the reaper) decides "
            "by each resource's tags: drop --stack, or use --cluster NAME --stack ORG/PROJECT/STACK",
            EXIT_BAD_INPUT,
        )
    deadline = Deadline(seconds=args.wait_seconds + args.call_timeout, call_seconds=args.call_timeout)
    try:
        aws = AwsSession(args.region, deadline=deadline)
    except AwsSettingError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    reports: list[SweepReport] = []
    interrupted: KeyboardInterrupt | None = None
    stopped: DeadlineExceeded | None = None
    failed: Exception | None = None
    try:
        sweep_command(
            aws,
            args.cluster,
            args.yes,
            args.force,
            args.expired,
            Timing(deadline_seconds=args.wait_seconds),
            reports=reports,
            owner=args.stack,
        )
    except KeyboardInterrupt as error:  # Ctrl-C, SIGTERM, SIGHUP
        # Each delete happened, did not, or (in flight) is unknown; what was done is reported, a second run finishes.
        interrupted = error
    except DeadlineExceeded as error:
        stopped = error
    except Exception as error:  # credentials, endpoint or permission problems: said after what was done
        failed = error
    code, line = EXIT_OK, ""
    if interrupted is not None:
        code, what = interruption(interrupted)
        why = what
        line = f"interrupted: {what}; the report above is what was done; run it again"
    elif stopped is not None:
        code, why = EXIT_FINDINGS, f"the deadline passed at {stopped.step} ({stopped.endpoint})"
        line = f"error: {_deadline_line(stopped, 'sweep')}"
    elif failed is not None:
        text, code = aws_failure(failed)
        why, line = "stopped by the error below", f"error: {text}"
    if line:
        mark_interrupted(reports, deadline.unanswered, why)
    if failed is not None and not any(r.listed or r.skipped for r in reports) and not deadline.unanswered:
        return _say(line, code)  # nothing was read or done: the one line is the whole answer
    if args.json:
        document = {
            "reports": [r.as_dict() for r in reports],
            "calls": dict(aws.counter.calls),
            "interrupted": interrupted is not None,
            "deadline": str(stopped) if stopped is not None else None,
            "error": line.partition(": ")[2] if failed is not None else None,
            "stateUnknown": [str(u) for u in deadline.unanswered],
        }
        print(json.dumps(document, indent=2))
    else:
        if args.expired and not reports and not line:
            print(f"No expired cluster in {args.region}.")
        for report in reports:
            print(render_table(report))
        for unanswered in deadline.unanswered:
            print(unanswered)
        print(f"AWS calls: {aws.counter.reads} reads, {aws.counter.writes} writes")
    if line:  # after the one document; the reason on stderr only
        done = "; the report above is what was done before it" if failed is not None else ""
        print(line + done, file=sys.stderr)
        return code
    return exit_code(reports)


def aws_failure(error: Exception) -> tuple[str, int]:
    """The one line for an AWS call that failed, and its exit code: 2 when running again cannot help (no or
    refused credentials, an endpoint that is not AWS or cannot be connected to, a setting botocore refuses),
    1 otherwise (a 5xx or throttling after every retry: running again can fix it)."""
    from albops.cluster.aws import UNUSABLE, error_code

    unusable = (
        isinstance(error, UNUSABLE)
        or type(error).__name__ in _UNUSABLE_AWS
        or error_code(error) in _REFUSED_CREDENTIALS
    )
    text = aws_error_text(error)
    if unusable:
        return f"AWS refused or could not be reached: {text}", EXIT_BAD_INPUT
    return f"{text}; running again once the endpoint is well can fix it", EXIT_FINDINGS


def _deadline_line(error: BaseException, command: str) -> str:
    """The one line a command ends with when a call ran out of time: the endpoint, the step, what to do."""
    return (
        f"deadline passed: {error}; {command} stopped there, and the report above is what was done; run it "
        "again once the endpoint answers (docs/deadlines.md)"
    )


def aws_error_text(error: Exception) -> str:
    """A one-line reason and the fix for the usual ways a call cannot even start, naming the endpoint."""
    name = type(error).__name__
    if name in ("NotAnAwsEndpointError", "AwsSettingError"):
        return str(error)
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return "no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"):
        return f"{error}; check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> and the network"
    endpoint = getattr(error, "albops_endpoint", "")
    text = " ".join(str(error).split())
    return f"{endpoint}: {name}: {text}" if endpoint else f"{name}: {text}"


def _compare(args: argparse.Namespace) -> int:
    from albops.preview.diff import DiffError, GitMissingError, compare_to, render

    try:
        diff = compare_to(args.compare_to, args.stack, args.project_dir, cloud_facts=args.cloud_facts)
    except GitMissingError as error:
        return _say(f"error: {error}", EXIT_TOOL_MISSING)
    except DiffError as error:
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    if args.json:
        print(json.dumps(diff.as_dict(), indent=2, default=str))
    else:
        print(render(diff, markdown=args.markdown))
    return EXIT_OK


def _invoke_hint(message: str) -> str:
    """What to do about a read the (offline plan's) cloud refused, for the reads whose cause is a stack key."""
    if message.startswith("invoke of aws:iam/getPolicy:getPolicy"):
        return (
            "; fix alb-ingress:controller.iam.extraPolicyArns: name a policy of the deploying account that exists "
            "(the offline plan knows the cloud facts' policies: and AWS managed policies as of the snapshot in "
            "facts/aws_managed_policies.json; regenerate it for a newer AWS managed policy)"
        )
    return ""


def _plan(args: argparse.Namespace) -> int:
    if args.compare_to:
        return _compare(args)
    import pulumi

    from albingress.components.model import ComponentInputError, ConfigError
    from albingress.stack_settings.stack import settings_notes
    from albops.preview.cloud import MissingObjectError
    from albops.preview.cloud_facts import resolve_facts
    from albops.preview.plan import (
        OutDirRefusedError,
        check_out_dir,
        plan_document,
        render_outputs,
        render_tree,
        write_plan,
    )
    from albops.preview.runner import project_name, read_stack, run_program

    if args.out is not None:
        try:
            check_out_dir(args.out)  # before any work: nothing is planned into a folder that is not the plan's
        except OutDirRefusedError as error:
            return _say(f"refused: {error}", EXIT_REFUSED)
    try:
        stack_file = read_stack(args.stack, args.project_dir)
        config = stack_file.config
        facts = resolve_facts(
            config, args.stack, args.project_dir, args.cloud_facts, project=project_name(args.project_dir)
        )
    except (FileNotFoundError, ValueError) as error:  # StackFileError and FactsError are ValueErrors
        return _say(f"error: {error}", EXIT_BAD_INPUT)
    try:
        result = run_program(config, args.stack, preview=not args.apply, project_dir=args.project_dir, facts=facts)
    except ConfigError as error:
        return _say(f"error: Pulumi.{args.stack}.yaml: {error}", EXIT_BAD_INPUT)
    except ComponentInputError as error:
        # A component's input, as the program wrote it: the message names the program file first. This project's
        # own program only passes its stack config on (validated settings), so what its components still refuse
        # is a config value: the stack file is named instead, and the message names the config key.
        text = str(error)
        if project_name(args.project_dir) == PROJECT:
            return _say(
                f"error: Pulumi.{args.stack}.yaml: {text.removeprefix(error.PROGRAM_FILE + ': ')}", EXIT_BAD_INPUT
            )
        return _say(f"error: {text}", EXIT_BAD_INPUT)
    except (pulumi.RunError, MissingObjectError) as error:
        # A component refused what the cluster answered (read while the program ran), as `pulumi up` would.
        return _say(f"error: Pulumi.{args.stack}.yaml: {error}", EXIT_BAD_INPUT)
    except Exception as error:
        # A data source the cloud refused (Pulumi raises a plain Exception for a failed invoke): one line.
        if not str(error).startswith("invoke of "):
            raise
        return _say(f"error: Pulumi.{args.stack}.yaml: {error}{_invoke_hint(str(error))}", EXIT_BAD_INPUT)
    environment = _planned_environment(config)
    if args.require_environment and environment != args.require_environment:
        return _say(
            f"refused: stack {args.stack} is environment {environment or '(none)'}, not {args.require_environment}; "
            "this job deploys only that environment",
            EXIT_REFUSED,
        )
    out_dir = args.out or (args.project_dir / "plan-out" / args.stack)
    try:
        written = write_plan(result, out_dir, ours=args.out is None)
    except OutDirRefusedError as error:
        return _say(f"refused: {error}", EXIT_REFUSED)
    except OSError as error:  # a folder that went away or filled up after the argument was checked
        where = error.filename or out_dir
        return _say(
            f"error: --out {out_dir}: {where} cannot be written ({error.strerror}); give another folder", EXIT_BAD_INPUT
        )
    notes = _plan_notes(result, stack_file.environments)
    notes.extend(settings_notes(config))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    violations = guardrail_violations(result, config)
    # A plan that could not see part of the config (ESC imports) checked only part of the stack: not a pass.
    incomplete = bool(stack_file.environments)
    failed = bool(violations) or incomplete
    if args.json:
        document = plan_document(result)
        document["violations"] = [v.__dict__ for v in violations]
        document["notes"] = notes
        document["cloudFacts"] = result.facts.as_dict()
        document["incomplete"] = incomplete
        print(json.dumps(document, indent=2, default=str))
        return EXIT_FINDINGS if failed else EXIT_OK
    if args.markdown:
        from albops.preview.diff import render_plan_markdown

        # The pull-request comment --compare-to gives, everything added; a clean run says so too.
        guardrails = [f"Guardrails: {len(violations)} violations"] + [
            f"- :x: `{violation.rule}` {violation.resource}: {violation.message}; fix: {violation.fix}"
            for violation in violations
        ]
        if incomplete:
            guardrails.append("- incomplete: the stack imports Pulumi ESC environments the offline plan cannot read")
        mode = "preview" if result.preview else "apply"
        print(render_plan_markdown(plan_document(result), guardrails, notes, mode))
        return EXIT_FINDINGS if failed else EXIT_OK
    custom = sum(1 for r in result.resources if r.custom)
    mode = "preview" if result.preview else "apply"
    print(f"Offline plan of stack {args.stack!r} ({mode}): {custom} resources to create\n")
    print(render_tree(result))
    print("\nOutputs:")
    print(render_outputs(result))
    print(f"\nWrote {len(written)} files to {out_dir}")
    print(f"\nGuardrails: {len(violations)} violations")
    for violation in violations:
        print(f"  {violation}")
    if incomplete:
        print("\nIncomplete: the stack imports Pulumi ESC environments the offline plan cannot read (see notes)")
    return EXIT_FINDINGS if failed else EXIT_OK


def _planned_environment(config: dict[str, object]) -> str | None:
    if "alb-ingress:ephemeral" in config:
        return EPHEMERAL
    value = config.get("alb-ingress:environment")
    return str(value) if value is not None else None


def _plan_notes(result: PlanResult, environments: tuple[str, ...]) -> list[str]:
    """What a reviewer must know about what the offline plan did not see."""
    notes = [
        f"{key} is encrypted (secure:); the offline plan cannot decrypt it, so it did not check it and planned with "
        "a stand-in shown as [secret] (`pulumi preview` checks the real value)"
        for key in result.encrypted
    ]
    if environments:
        notes.append(
            f"the stack imports Pulumi ESC environments ({', '.join(environments)}), which the offline plan cannot "
            "resolve; it planned with the config: it has, so values those environments set were not checked "
            "(`pulumi preview` resolves them)"
        )
    source = result.facts.source
    if source:
        notes.append(f"cloud facts from {source}")
    notes.extend(f"assumed {line}" for line in result.facts.assumed)
    if any(r.type == "kubernetes:eks.amazonaws.com/v1:IngressClassParams" for r in result.resources):
        notes.append(
            "Auto Mode: the stack tags its load balancers (IngressClassParams tags); EKS Auto Mode applies custom "
            "tags only when the cluster's IAM role may tag them (EKS user guide, Auto Mode cluster IAM role: "
            "elasticloadbalancing:AddTags / ec2:CreateTags with the eks:eks-cluster-name condition)"
        )
    return notes


def guardrail_violations(result: PlanResult, config: dict[str, object]) -> list[Violation]:
    """The guardrail rules over what the plan registered (the same rules as the policy pack and check)."""
    from albingress.policies.guardrails import evaluate
    from albingress.policies.review import INGRESS, Context, Resource

    resources = [Resource(r.type, r.name, r.inputs) for r in result.resources]
    classes = {str((r.inputs.get("spec") or {}).get("ingressClassName")) for r in result.by_type(INGRESS)}
    environment = config.get("alb-ingress:environment")
    from albingress.policies.group_budget import quotas_from_config
    from albops.preview.runner import caller_account

    context = Context(
        ingress_classes=frozenset(classes | {"alb"}),
        environment=str(environment) if environment else None,
        # The roles' own account: its root in a trust policy is not another account's.
        account_id=caller_account(config),
        quotas=quotas_from_config(config.get("alb-ingress:alb")),
    )
    return list(evaluate(resources, context))


# Set while a command runs with --json: its errors are then one JSON document on stdout too.
_JSON_OUTPUT = False


def _say(message: str, code: int) -> int:
    """Print a one-line error (never a traceback) and give the exit code to return.

    Under ``--json`` the error is also the command's one JSON document on stdout, with its exit code, so
    a script reading stdout never gets nothing, or half a document.
    """
    print(message, file=sys.stderr)
    if _JSON_OUTPUT:
        kind, _, text = message.partition(": ")
        print(json.dumps({"error": text or message, "kind": kind if text else "error", "exitCode": code}))
    return code


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def _dispatch(args: argparse.Namespace) -> int:
    handlers = {
        "plan": _plan,
        "sweep": _sweep,
        "teardown": _teardown,
        "verify": _verify,
        "check": _check,
        "probe": _probe,
        "migrate": _migrate,
        "cutover": _cutover,
    }
    return handlers[args.command](args)


def _stdout_to_devnull() -> None:
    """After the reader of stdout went away, send what is still buffered nowhere (no 'Exception ignored')."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse, refusing an unknown option with the command's own usage and the option it most resembles.

    argparse reports a missing required option before it reports unknown ones, so ``plan --stak stage``
    would only say that --stack is required. A first pass with nothing required finds the unknown options
    (and the mistyped name is the likelier cause of the missing one); the real pass then checks the rest.
    """
    lenient = _parser()
    _nothing_required(lenient)
    args, unknown = lenient.parse_known_args(argv)
    if unknown and args.command is not None:
        commands = next(a for a in lenient._actions if isinstance(a, argparse._SubParsersAction))
        sub = commands.choices[args.command]
        known = [o for action in sub._actions for o in action.option_strings]
        close = difflib.get_close_matches(unknown[0].split("=", 1)[0], known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        sub.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return _parser().parse_args(argv)


def _nothing_required(parser: argparse.ArgumentParser) -> None:
    """Make every option, positional and exclusive group of ``parser`` and its commands optional."""
    for action in parser._actions:
        action.required = False
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _nothing_required(sub)
    for group in parser._mutually_exclusive_groups:
        group.required = False


class _ReaderGoneSafe:
    """A text stream whose reader may go away (``| head``): from then on its output is discarded, and the
    command goes on to its end and its real exit code.

    Ending at the first ``BrokenPipeError`` would stop ``teardown --yes | head -1`` half-way through its
    deletions and report success; a command's work never depends on someone reading its progress.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            self._discard()
            return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        """Point the file descriptor at /dev/null: what is buffered, and all that follows, goes nowhere."""
        self.reader_gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)
        with contextlib.suppress(OSError):
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a CI job cancelled, a terminal closed): stops a command as Ctrl-C does, so every
    handler that reports what was done and what is unknown on Ctrl-C does so here too; the exit code is
    128 + the signal's number, as a shell reports it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def interruption(error: KeyboardInterrupt) -> tuple[int, str]:
    """The exit code of an interruption and what stopped it, for the lines that say so."""
    if isinstance(error, Terminated):
        import signal

        return 128 + error.signum, f"stopped by {signal.Signals(error.signum).name}"
    return EXIT_INTERRUPTED, "stopped by Ctrl-C"


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise ``Terminated`` in the main thread (their default is to
    end the process at once, mid-deletion, with nothing said); the previous handlers come back after."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _closed_stream(name: str, other: Any) -> Any:
    """A stream for a standard stream that was closed at start (``>&-``: Python leaves it None): its output
    goes to /dev/null, said once on the other stream when that one is open."""
    if other is not None:
        with contextlib.suppress(OSError, ValueError):
            print(f"note: {name} is closed; what would go there is discarded", file=other, flush=True)
    return open(os.devnull, "w", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Parse, run one command, and keep the contract whatever happens on the way out.

    A reader that closes the pipe early (``| head``) or a stream closed from the start (``>&-``) changes
    nothing: the command runs to its end with that output discarded and exits with its real code. Ctrl-C is
    exit 130, SIGTERM 143 and SIGHUP 129, each after the report of what was done; output that cannot be
    written (a full disk, ``> /dev/full``) is exit 2 naming it.
    """
    streams = (sys.stdout, sys.stderr)
    if sys.stdout is None:
        sys.stdout = _closed_stream("stdout", sys.stderr)
    if sys.stderr is None:
        sys.stderr = _closed_stream("stderr", sys.stdout)
    out, err = _ReaderGoneSafe(sys.stdout), _ReaderGoneSafe(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        with _signals_interrupt():
            code = _main(argv)
        out.flush()
        if out.reader_gone:
            print(f"note: stdout's reader went away; the rest was discarded; exit {code} is the command's", file=err)
        return code
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = streams


def _main(argv: list[str] | None) -> int:
    try:
        args = _parse(argv)
    except SystemExit as error:  # argparse: --help exits 0, usage errors exit 2
        code = int(error.code or 0)
        if code and "--json" in (argv if argv is not None else sys.argv[1:]):
            message = _Parser.last_error or "usage error (see the usage on stderr)"
            print(json.dumps({"error": message, "kind": "usage", "exitCode": code}))
        return code
    global _JSON_OUTPUT
    _JSON_OUTPUT = bool(getattr(args, "json", False))
    try:
        code = _dispatch(args)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt as error:
        code, what = interruption(error)
        return _say(f"interrupted: {what}; the lines above say what was done; run it again", code)
    except DeadlineExceeded as error:  # a command's own handler says more; none lets it out as a traceback
        return _say(f"error: {_deadline_line(error, args.command)}", EXIT_FINDINGS)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG):
            _stdout_to_devnull()
            return _say(
                f"error: the output cannot be written ({error.strerror}); free space or redirect it", EXIT_BAD_INPUT
            )
        raise


if __name__ == "__main__":
    sys.exit(main())
