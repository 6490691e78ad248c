"""Operations for the AWS Load Balancer Controller on EKS: plan, check, migrate, cutover, probe, verify, sweep,
teardown. Every command shares the exit codes below."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import errno
import functools
import importlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, ClassVar, NoReturn

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_TOOL_MISSING
from albops.cli import common
from albops.cli.commands import check, cutover, migrate, plan, probe, sweep, teardown, verify
from albops.cli.common import Terminated, deadline_line, interruption, say
from albops.deadline import DeadlineExceeded

# In the order `albops --help` lists them.
COMMANDS = (plan, sweep, teardown, verify, check, probe, migrate, cutover)
HANDLERS = {module.__name__.rpartition(".")[2]: module for module in COMMANDS}


class _Parser(argparse.ArgumentParser):
    """argparse's parser, keeping its last usage error so that ``--json`` can carry it in its document."""

    last_error = ""
    words: ClassVar[list[str]] = []  # the command line being parsed

    def error(self, message: str) -> NoReturn:
        # argparse takes a value that starts with "-" (--name-suffix -alb) for an option of its own; say the form
        # it takes instead of only "expected one argument", when that is what happened (a value given after it).
        match = re.match(r"argument (--[a-z-]+)(?:/[^:]*)?: expected one argument$", message)
        if match:
            option = match[1]
            after = [_Parser.words[i + 1] for i, w in enumerate(_Parser.words[:-1]) if w == option]
            if any(word.startswith("-") and word != "-" for word in after):
                message += f" (a value that starts with '-' goes after an equals sign: {option}=-VALUE)"
            else:
                message += f": give it a value ({option} VALUE)"
        _Parser.last_error = f"{self.prog}: {message}"
        super().error(message)


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """The command line's parser, built once per process (argparse does not change a parser by parsing)."""
    parser = _Parser(
        prog="albops",
        description=__doc__,
        epilog="exit codes: 0 ok, 1 findings (violations, drops, resources left), 2 bad input or usage, "
        "3 refused for safety, 4 a tool it needs is missing, 130 interrupted. --json prints one JSON document.",
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


@functools.cache
def _lenient_parser() -> argparse.ArgumentParser:
    lenient = _parser.__wrapped__()
    _nothing_required(lenient)
    return lenient


def _commands() -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The real parser's commands, each with its own parser (usage, options)."""
    return next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))


# What of each package the commands import: the package alone can be found and still not serve (an old
# websockets without its asyncio client, a kubernetes/ folder of the user's shadowing the client).
_EXTRA_IMPORTS = {  # every module of theirs albops imports (tests/test_cli_contract23.py checks the list)
    "websockets": ("websockets.asyncio.client", "websockets.exceptions", "websockets.frames", "websockets.protocol"),
    "kubernetes": (
        "kubernetes.client",
        "kubernetes.config",
        "kubernetes.client.exceptions",
        "kubernetes.config.config_exception",
        "kubernetes.config.kube_config",
    ),
}
# The packages of the 'cli' extra (pyproject.toml [project.optional-dependencies]), which only some commands use.
CLI_EXTRA_MODULES = frozenset(_EXTRA_IMPORTS)


def _extra_needed(args: argparse.Namespace) -> str | None:
    """The package of the 'cli' extra this command line needs, before it starts: the WebSocket client for
    verify (its WebSocket check) and for --ws, the Kubernetes client for migrate --from-cluster. Only for a
    command line that is otherwise valid (cutover --status --ws, migrate FILE --from-cluster are usage errors
    first, said by the command)."""
    if args.command == "verify" or (args.command == "probe" and args.ws):
        return "websockets"
    if args.command == "cutover" and args.ws and args.weight is not None:
        return "websockets"
    if args.command == "migrate" and args.from_cluster and not args.inputs:
        return "kubernetes"
    return None


def _import_problem(module: str) -> str | None:
    """Why the package's modules albops uses cannot be imported; None when they can."""
    for name in _EXTRA_IMPORTS[module]:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if (error.name or "").split(".")[0] == module:
                return (
                    "is not installed"
                    if error.name == module
                    else f"has no {error.name} (too old, or a folder of that name in the way?)"
                )
            return f"cannot be imported ({error})"
        except (Exception, SystemExit) as error:  # a broken install raises what it raises
            return f"cannot be imported ({type(error).__name__}: {error})"
    return None


def _missing_extra(command: str, module: str, problem: str) -> int:
    return say(
        f"error: `albops {command}` needs the {module} package, part of albops' 'cli' extra, and it {problem}: "
        'install albops with pip install "./[cli]" (the .venv ./dev makes has it)',
        EXIT_TOOL_MISSING,
    )


def _dispatch(args: argparse.Namespace) -> int:
    extra = _extra_needed(args)
    problem = _import_problem(extra) if extra is not None else None
    if extra is not None and problem is not None:
        return _missing_extra(args.command, extra, problem)
    # Looked up at call time, so a test can replace one command's run.
    return int(HANDLERS[args.command].run(args))


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
    words = sys.argv[1:] if argv is None else argv
    _Parser.words = list(words)
    if any(word in ("-h", "--help") for word in words):
        return _parser().parse_args(argv)  # help shows what is required, as the real pass checks it
    lenient = _lenient_parser()
    args, unknown = lenient.parse_known_args(argv)
    if unknown and args.command is not None:
        # The message carries the real parser's usage: what is required shows as required.
        sub = _commands().choices[args.command]
        sub.error(f"unrecognized arguments: {' '.join(unknown)}{_suggestions(unknown, sub)}")
    return _parser().parse_args(argv)


def _suggestions(unknown: list[str], sub: argparse.ArgumentParser) -> str:
    """What each unknown option most resembles among the command's own (case aside), or where it goes."""
    known = [o for action in sub._actions for o in action.option_strings]
    by_lower = {o.lower(): o for o in known}
    said: list[tuple[str, str]] = []
    for token in unknown:
        name = token.split("=", 1)[0]
        if not name.startswith("-"):
            # `albops plan stage`, as `./dev plan stage` takes it: the stack goes after --stack.
            if "--stack" in known and not said:
                stack = re.sub(r"^(?:.*/)?Pulumi\.(.+)\.ya?ml$", r"\1", token)
                said.append((token, f"did you mean --stack {stack}?"))
            continue
        if name in known:  # given before the command's name: `albops --json plan`
            said.append((name, f"{name} goes after the command's name ({sub.prog} {name})"))
            continue
        if name == "--json" and "--report-format" in known:  # migrate writes its objects to stdout
            said.append((name, "its report is JSON with --report-format json (the objects go to stdout)"))
            continue
        close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
        if close:
            said.append((name, f"did you mean {by_lower[close[0]]}?"))
    if len(said) > 1:  # say which unknown option each suggestion is for
        return "; " + "; ".join(f"{text} ({name})" for name, text in said)
    return "; " + said[0][1] if said else ""


def _nothing_required(parser: argparse.ArgumentParser) -> None:
    """Make every option, positional and exclusive group of ``parser`` and its commands optional, and every value
    plain text: the first pass looks only for unknown options, so a bad value or a conflict elsewhere on the line
    (reported by the real pass) does not hide the typo."""
    for action in parser._actions:
        action.required = False
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _nothing_required(sub)
        elif action.option_strings:
            action.type, action.choices = None, None
    parser._mutually_exclusive_groups = []


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


# How long after a first interrupting signal a repeat is passed over (see _signals_interrupt): long enough for a
# command to write what it did, short enough that pressing Ctrl-C again soon after still stops a stuck one.
REPEAT_GRACE = 2.0


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise ``Terminated`` in the main thread (their default is to
    end the process at once, mid-deletion, with nothing said) and SIGINT ``KeyboardInterrupt``, each remembered in
    ``common.INTERRUPTED``; the previous handlers come back after."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    first: list[float] = []

    def stop(signum: int, _frame: object) -> None:
        import time

        # A second signal hard on the first (a wrapper forwarding SIGTERM, then killing the process group) would
        # land in the handler that is reporting what was done, and the report would be lost: within
        # REPEAT_GRACE seconds it is passed over. Later ones stop the command again, so a stuck one still ends.
        now = time.monotonic()
        if first and now - first[0] < REPEAT_GRACE:
            return
        first[:] = [now]
        # Kept as well as raised: library code that catches the exception mid-import and raises another one
        # (Pulumi's type-hint reading turns it into an AttributeError) must still end as an interruption.
        common.INTERRUPTED = KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)
        raise common.INTERRUPTED

    wanted = [getattr(signal, name, None) for name in ("SIGINT", "SIGTERM", "SIGHUP")]
    common.INTERRUPTED = None
    previous = {sig: signal.signal(sig, stop) for sig in wanted if sig is not None}
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
        if code and _wants_json(argv if argv is not None else sys.argv[1:]):
            message = _Parser.last_error or "usage error (see the usage on stderr)"
            print(json.dumps({"error": message, "kind": "usage", "exitCode": code}))
        return code
    common.JSON_OUTPUT = bool(getattr(args, "json", False))
    try:
        code = _dispatch(args)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt as error:
        return _interrupted(error)
    except ModuleNotFoundError as error:
        # What _extra_needed did not foresee: still a missing tool (exit 4), not a crash.
        module = (error.name or "").split(".")[0]
        if module not in CLI_EXTRA_MODULES:
            raise
        return _missing_extra(args.command, module, f"cannot be imported ({error})")
    except DeadlineExceeded as error:  # a command's own handler says more; none lets it out as a traceback
        return say(f"error: {deadline_line(error, args.command)}", EXIT_FINDINGS)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG):
            _stdout_to_devnull()
            return say(
                f"error: the output cannot be written ({error.strerror}); free space or redirect it", EXIT_BAD_INPUT
            )
        if common.INTERRUPTED is not None:
            return _interrupted(common.INTERRUPTED)
        raise
    except Exception:
        # A signal arrived and a library turned its exception into another one on the way up: still the
        # interruption it was, not a traceback.
        if common.INTERRUPTED is not None:
            return _interrupted(common.INTERRUPTED)
        raise


def _interrupted(error: KeyboardInterrupt) -> int:
    code, what = interruption(error)
    # Under --json no lines were printed above this one: do not point at them.
    done = "" if common.JSON_OUTPUT else "; any lines above say what was done"
    return say(f"interrupted: {what}{done}; run it again to finish", code)


def _wants_json(argv: list[str]) -> bool:
    """A usage error is also a JSON document when --json (or --json=...) was asked of a command that has it:
    never for migrate, whose stdout is the manifests a pipe applies."""
    if not any(a == "--json" or a.startswith("--json=") for a in argv):
        return False
    command = next((a for a in argv if a in HANDLERS), None)
    if command is None:
        return True
    return any("--json" in action.option_strings for action in _commands().choices[command]._actions)


if __name__ == "__main__":
    sys.exit(main())
