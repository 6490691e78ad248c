"""What several commands share: the options they have in common, one-line AWS and Pulumi failures, the
result line, and the interruption the signal handlers raise."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, ClassVar

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS
from albops.cli import args as argtypes


def cloud_facts_option(command: argparse.ArgumentParser, help_text: str) -> None:
    """One --cloud-facts for every command that reads the facts file (docs/plan.md, Cloud facts)."""
    command.add_argument("--cloud-facts", type=argtypes.readable_file, metavar="FILE", help=help_text)


def call_timeout_option(command: argparse.ArgumentParser) -> None:
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


def cli_said(error: Exception) -> str:
    """The first lines of what the Pulumi CLI wrote on stderr (its own words), on one line."""
    text = str(error)
    stderr = text.split(" stderr:", 1)[1] if " stderr:" in text else text
    lines = [line.strip() for line in stderr.splitlines() if line.strip()][:3]
    return " ".join(" / ".join(lines).split())[:400]


class BoundedBackend:
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
            raise BackendError(step, cli_said(error)) from None

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


def aws_failure(error: Exception) -> tuple[str, int]:
    """The one line for an AWS call that failed, and its exit code: 2 when running again cannot help (no or
    refused credentials, an endpoint that is not AWS or cannot be connected to, a setting botocore refuses),
    1 otherwise (a 5xx or throttling after every retry: running again can fix it)."""
    from albops.cluster.aws import UNUSABLE, error_code

    unusable = (
        isinstance(error, UNUSABLE) or type(error).__name__ in UNUSABLE_AWS or error_code(error) in REFUSED_CREDENTIALS
    )
    text = aws_error_text(error)
    if unusable:
        return f"AWS refused or could not be reached: {text}", EXIT_BAD_INPUT
    return f"{text}; running again once the endpoint is well can fix it", EXIT_FINDINGS


def deadline_line(error: BaseException, command: str) -> str:
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


# AWS's answers to credentials or permissions that cannot work (exit 2: running again changes nothing).
REFUSED_CREDENTIALS = frozenset(
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
UNUSABLE_AWS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "EndpointConnectionError",
        "NoRegionError",
        "NotAnAwsEndpointError",
    }
)


# Set while a command runs with --json: its errors are then one JSON document on stdout too.
JSON_OUTPUT = False


def say(message: str, code: int) -> int:
    """Print a one-line error (never a traceback) and give the exit code to return.

    Under ``--json`` the error is also the command's one JSON document on stdout, with its exit code, so
    a script reading stdout never gets nothing, or half a document.
    """
    print(message, file=sys.stderr)
    if JSON_OUTPUT:
        kind, _, text = message.partition(": ")
        print(json.dumps({"error": text or message, "kind": kind if text else "error", "exitCode": code}))
    return code


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
# The signal that stopped the running command, set by main's handlers: what the exit says, even when the exception
# it raised was turned into another one by the code it landed in.
INTERRUPTED: KeyboardInterrupt | None = None


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
