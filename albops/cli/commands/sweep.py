"""`albops sweep`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from albops.cli import args as argtypes
from albops.cli.common import aws_failure, call_timeout_option, deadline_line, interruption, say
from albops.deadline import DeadlineExceeded


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    call_timeout_option(sweep)


def run(args: argparse.Namespace) -> int:
    from albops.cluster.aws import AwsSession, AwsSettingError
    from albops.cluster.sweep import SweepReport, Timing, exit_code, mark_interrupted, render_table, sweep_command
    from albops.deadline import Deadline

    if args.expired and args.stack:
        return say(
            "error: --stack names the owner whose leftovers of one --cluster may go; --expired (the reaper) decides "
            "by each resource's tags: drop --stack, or use --cluster NAME --stack ORG/PROJECT/STACK",
            EXIT_BAD_INPUT,
        )
    deadline = Deadline(seconds=args.wait_seconds + args.call_timeout, call_seconds=args.call_timeout)
    try:
        aws = AwsSession(args.region, deadline=deadline)
    except AwsSettingError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
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
        line = f"interrupted: {what}; the report above is what was done; run it again to finish the sweep"
    elif stopped is not None:
        code, why = EXIT_FINDINGS, f"the deadline passed at {stopped.step} ({stopped.endpoint})"
        line = f"error: {deadline_line(stopped, 'sweep')}"
    elif failed is not None:
        text, code = aws_failure(failed)
        why, line = "stopped by the error below", f"error: {text}"
    if line:
        mark_interrupted(reports, deadline.unanswered, why)
    if failed is not None and not any(r.listed or r.skipped for r in reports) and not deadline.unanswered:
        return say(line, code)  # nothing was read or done: the one line is the whole answer
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
