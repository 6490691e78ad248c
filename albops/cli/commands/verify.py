"""`albops verify`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_TOOL_MISSING
from albops.cli import args as argtypes
from albops.cli.common import BackendError, cli_said, interruption, say
from albops.preview.runner import PROJECT_DIR


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        allow_abbrev=False,
        help="check a deployed stack as a person would: DNS, redirect, certificate, echo, WebSocket, ALB",
        description="A pass/fail line per check, bounded in time; exit 1 on any failure.",
    )
    what = verify.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--stack",
        "-s",
        type=argtypes.stack_name,
        help="stack name: expectations from Pulumi.<stack>.yaml and its outputs",
    )
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


def run(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from albops.cluster.verify import Check, Expectations, Verifier, expectations_from, system_resolver

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
            return say(f"error: {error}", EXIT_BAD_INPUT)
        except RuntimeError as error:
            return say(f"error: {error}", EXIT_TOOL_MISSING)
        if not args.no_aws:
            from albops.cluster.aws import AwsSession, AwsSettingError
            from albops.deadline import Deadline

            # The ALB check's calls end with the check: nothing of it is left retrying behind the next one.
            try:
                aws = AwsSession(settings.region, deadline=Deadline(call_seconds=args.timeout))
            except AwsSettingError as error:
                return say(f"error: {error}", EXIT_BAD_INPUT)
    verifier = Verifier(expect, resolver=resolver, ca_file=args.ca_file, timeout=args.timeout, aws=aws)
    checks: list[Check] = []

    def on_check(check: Check) -> None:
        checks.append(check)
        if not args.json:
            print(check, flush=True)  # as it ends: a long check shows what came before it

    stopped: str | None = None
    try:
        verifier.run(on_check)
    except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM/SIGHUP (common.Terminated): the checks so far stand
        code, stopped = interruption(error)
    # The checks the interruption kept from ending (the one it cut short among them) are listed too: a table
    # without them reads as a shorter, complete run.
    printed = len(checks)
    if stopped is not None:
        checks += verifier.unfinished((c.name for c in checks), stopped.replace("stopped", "interrupted"))
    unreached = [c for c in checks if c.interrupted]
    failed = [c for c in checks if not c.ok]
    skipped = [c for c in checks if c.skipped and not c.interrupted]
    if stopped is None:
        code = EXIT_FINDINGS if failed else EXIT_OK
    passed = len(checks) - len(failed) - len(skipped) - len(unreached)
    counts = f"{passed} passed, {len(failed)} failed, {len(skipped)} skipped"
    if unreached:
        counts += f"; {len(unreached)} not run"
    if args.json:
        # The exit code's meaning travels with it, so a script reading only stdout need not know the table.
        meaning = "a check failed" if failed else "every check that applies passed"
        if not failed and skipped:
            meaning = f"every check that ran passed; {len(skipped)} did not run or do not apply (see their reasons)"
        if stopped is not None:
            meaning = f"interrupted ({stopped}) before every check ran"
        document: dict[str, object] = {
            "checks": [{"name": c.name, "result": c.result, "reason": c.detail} for c in checks],
            "passed": passed,
            "failed": len(failed),
            "skipped": len(skipped),
            "notRun": len(unreached),
            "exitCode": code,
            "meaning": meaning,
        }
        if stopped is not None:
            document["interrupted"] = stopped
        print(json.dumps(document, indent=2))
    else:
        for check in checks[printed:]:  # the rows the interruption added
            print(check)
        print(counts if stopped is None else f"{counts}: {stopped.replace('stopped', 'interrupted')}")
    if stopped is not None:
        # The document above is the one JSON document: the line goes to stderr only.
        print(f"interrupted: {stopped}; {counts}; run it again to check everything", file=sys.stderr)
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
        raise ValueError(f"{BackendError(step, cli_said(error))}; or pass --outputs FILE") from None
    return outputs  # a DeadlineExceeded goes to main: one line, exit 1
