"""`albops teardown`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shlex
import sys
from typing import Any

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED, EXIT_TOOL_MISSING
from albops.cli import args as argtypes
from albops.cli.common import (
    BackendError,
    BoundedBackend,
    aws_failure,
    call_timeout_option,
    deadline_line,
    interruption,
    say,
)
from albops.deadline import DeadlineExceeded
from albops.preview.runner import PROJECT_DIR


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    call_timeout_option(teardown)
    teardown.add_argument(
        "--json",
        action="store_true",
        help="one JSON document on stdout: the stack, each line of what was done or would be done, the exit code",
    )


def run(args: argparse.Namespace) -> int:
    if not args.json:
        return _run(args)
    # The job prints each step as it goes (a long teardown shows progress); under --json those lines are kept and
    # given in the one document instead, and an error stays the document say() prints.
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            code = _run(args)
    except BaseException:
        sys.stderr.write(buffer.getvalue())  # what was done before the interruption, for the person reading
        raise
    lines = buffer.getvalue().splitlines()
    if lines and lines[-1].startswith('{"error"'):
        print(lines[-1])  # say()'s document: the error, its kind and exit code
        return code
    print(json.dumps({"stack": args.stack, "applied": bool(args.yes), "lines": lines, "exitCode": code}, indent=2))
    return code


def _run(args: argparse.Namespace) -> int:
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
            return say(
                f"error: --stack {args.stack!r} is an owner value; teardown takes the bare stack name: --stack {bare}",
                EXIT_BAD_INPUT,
            )
        return say(f"error: --stack {args.stack!r} is not a stack name (letters, digits, '_.-')", EXIT_BAD_INPUT)
    try:
        # The checkout's file can only refuse early; the backend's copy decides what is deleted.
        local = local_precheck(args.stack, args.project_dir)
    except RefusedError as error:
        return say(f"refused: {error}", EXIT_REFUSED)
    except StackFileError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    if local is None and not teardown_module.PULL_REQUEST_STACK.fullmatch(args.stack):
        # Known without the Pulumi CLI: a stack with no file here can only be a pull request's (made from
        # Pulumi.pr.yaml, as the pull-request workflow does); anything else is a mistyped name.
        return say(
            f"error: --stack {args.stack}: no Pulumi.{args.stack}.yaml in {args.project_dir}, and it is not a "
            "pull-request stack (pr-<number>); teardown removes only ephemeral stacks: check the name "
            "(`pulumi stack ls`) or run from the folder that holds its stack file",
            EXIT_BAD_INPUT,
        )
    backend = BoundedBackend(teardown_module.backend_for(args.stack, args.project_dir), args.call_timeout)
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
            return say(
                f"refused: stack {args.stack} does not exist in the backend, so nothing proves which cluster is its; "
                "nothing was deleted (for what a cluster that is gone left behind: albops sweep --cluster NAME)",
                EXIT_REFUSED,
            )
        target = backend_target(args.stack, backend, project_name(args.project_dir))
    except RefusedError as error:
        return say(f"refused: {error}", EXIT_REFUSED)
    except ToolMissingError as error:
        return say(f"error: {error}", EXIT_TOOL_MISSING)
    except BackendError as error:
        return say(f"error: {error}; nothing was deleted", error.exit_code)
    except DeadlineExceeded as error:
        return say(f"error: deadline passed: {error}; nothing was deleted; run teardown again", EXIT_FINDINGS)
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
        return say(f"error: {error}", EXIT_BAD_INPUT)
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
        return say(f"refused: {error}", EXIT_REFUSED)
    except ToolMissingError as error:
        return say(f"error: {error}", EXIT_TOOL_MISSING)
    except DeadlineExceeded as error:
        _teardown_stopped(job, deadline, f"the deadline passed at {error.step} ({error.endpoint})")
        return say(f"error: {deadline_line(error, 'teardown')}", EXIT_FINDINGS)
    except KeyboardInterrupt as error:  # Ctrl-C, SIGTERM, SIGHUP: what was done, then the line of _main
        if job.in_destroy:
            # The signal reached pulumi destroy too: its update was cut short and the backend may keep the stack
            # locked, with pending operations in its state (pulumi.com/docs/iac/cli/commands/pulumi_cancel).
            code, what = interruption(error)
            stack = shlex.quote(args.stack)
            return say(
                f"interrupted: {what} during pulumi destroy: destroy was cut short, and the stack may be locked or "
                f"have pending operations; from the project folder run `pulumi cancel --stack {stack}`, then "
                f"`pulumi refresh --stack {stack}`, then `albops teardown --stack {stack} --yes` again",
                code,
            )
        _teardown_stopped(job, deadline, interruption(error)[1])
        raise
    except BackendError as error:
        return say(f"error: {error}; run teardown again once fixed", error.exit_code)
    except ApiRefusedError as error:
        _teardown_stopped(job, deadline, "stopped by the error below")
        return say(f"error: {error}", EXIT_FINDINGS if error.usable else EXIT_BAD_INPUT)
    except Exception as error:
        _teardown_stopped(job, deadline, "stopped by the error below")
        text, code = aws_failure(error)
        return say(f"error: {text}; run teardown again once fixed", code)


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
