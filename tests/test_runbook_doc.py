"""Every ``albops`` command line in the runbook's code blocks is one albops's own parser takes.

A runbook is followed on a live cluster, under pressure: an option it invents, or one renamed since, fails there
instead of here. Each line is parsed by the real parser (``albops.cli.main._parse``, which also refuses unknown
options). Lines of sub-commands or options that issue 22 gives to sections not merged on this branch
(``cutover``; ``migrate --from-cluster`` and its options) are skipped with a reason naming what is missing, and
are checked by themselves once the parser has it: the pending lists below only ever excuse a missing name, never
a refused value or an option no section announced.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from albops.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "docs" / "runbook-nginx-to-alb.md"

# The shell variables the runbook's albops lines use, each with a value of the kind the runbook sets it to
# (kubectl jsonpath of an Ingress, Service or Gateway status; dig of the ALB's name). A new variable in the
# runbook needs an entry here: the parser must see a realistic value, not the literal "$NAME".
VARIABLES = {
    "NEW_ALB": "k8s-shop-0123456789-1234567890.us-west-2.elb.amazonaws.com",
    "OLD_NLB": "a0123456789abcdef0123456789abcdef-0123456789abcdef.elb.us-west-2.amazonaws.com",
    "INTERNAL_ALB": "internal-k8s-shopinternal-0123456789-1234567890.us-west-2.elb.amazonaws.com",
    "INTERNAL_NLB": "k8s-ingressn-ingressn-0123456789-0123456789abcdef.elb.us-west-2.amazonaws.com",
    "GATEWAY_ALB": "k8s-web-shop-0123456789-1234567890.us-west-2.elb.amazonaws.com",
    "ALB_IP": "198.51.100.10",
}

# Issue 22's commands and options that other sections build; named so a skip says what it waits for.
PENDING_COMMANDS = {"cutover": "issue 22 section 3 (albops cutover)"}
PENDING_OPTIONS = {
    "migrate": {
        "--from-cluster": "issue 22 section 1",
        "--kubeconfig": "issue 22 section 1",
        "--context": "issue 22 section 1",
        "--namespace": "issue 22 section 1",
    }
}

_OPERATORS = frozenset({"|", "||", "&", "&&", ";", ";;", ">", ">>", "<", "<<", ">&", "<&", "&>", ">|", "(", ")"})
_FD_BEFORE_REDIRECT = re.compile(r"(?<!\S)\d+(?=[<>])")  # the 2 of "2> report.txt", the 2 and 1 of "2>&1"
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_FENCE = re.compile(r"^\s*```")


@dataclass(frozen=True)
class CommandLine:
    line: int  # where the command starts in the page (1-based)
    text: str  # as written, continuations joined
    argv: tuple[str, ...]  # albops's arguments: variables expanded, cut at the first shell operator


def _logical_lines(block: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines of a code block with backslash continuations joined, as the shell reads them."""
    start, parts = 0, list[str]()
    for number, text in block:
        if not parts:
            start = number
        if text.rstrip().endswith("\\"):
            parts.append(text.rstrip()[:-1])
            continue
        parts.append(text)
        yield start, " ".join(p.strip() for p in parts)
        parts = []
    if parts:
        yield start, " ".join(p.strip() for p in parts)


def _code_blocks(markdown: str) -> Iterator[list[tuple[int, str]]]:
    block: list[tuple[int, str]] | None = None
    for number, text in enumerate(markdown.splitlines(), start=1):
        if _FENCE.match(text):
            if block is None:
                block = []
            else:
                yield block
                block = None
        elif block is not None:
            block.append((number, text))


def _expand(text: str, where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in VARIABLES:
            raise KeyError(f"{where}: ${name} has no example value; add it to VARIABLES in {Path(__file__).name}")
        return VARIABLES[name]

    return _VARIABLE.sub(value, text)


def albops_lines(markdown: str) -> list[CommandLine]:
    """Each albops command in the page's fenced code blocks, wherever it stands in a pipeline."""
    found = []
    for block in _code_blocks(markdown):
        for number, text in _logical_lines(block):
            if not re.search(r"(?<![\w/.-])albops\s", text + " "):
                continue
            lexer = shlex.shlex(_FD_BEFORE_REDIRECT.sub("", text), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            tokens = list(lexer)
            for index, token in enumerate(tokens):
                at_start = index == 0 or tokens[index - 1] in _OPERATORS
                if token != "albops" or not at_start:
                    continue
                argv: list[str] = []
                for word in tokens[index + 1 :]:
                    if word in _OPERATORS:
                        break
                    argv.append(_expand(word, f"{RUNBOOK.name}:{number}"))
                found.append(CommandLine(number, text, tuple(argv)))
    return found


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def verdict(argv: tuple[str, ...]) -> tuple[str, str]:
    """("ok", "") when albops's parser takes argv; ("pending", why) when it names a sub-command or option another
    section of issue 22 builds and this branch lacks; ("bad", why) otherwise."""
    if not argv:
        return "bad", "albops without a sub-command"
    commands = _subcommands()
    command = argv[0]
    if command not in commands:
        if command in PENDING_COMMANDS:
            return "pending", f"`albops {command}` does not exist on this branch yet: {PENDING_COMMANDS[command]}"
        return "bad", f"albops has no sub-command {command!r} (it has {', '.join(sorted(commands))})"
    known = {option for action in commands[command]._actions for option in action.option_strings}
    used = [word.split("=", 1)[0] for word in argv[1:] if word.startswith("--") and len(word) > 2]
    missing = sorted({option for option in used if option not in known})
    pending = PENDING_OPTIONS.get(command, {})
    if missing:
        if all(option in pending for option in missing):
            waits = ", ".join(f"{option} ({pending[option]})" for option in missing)
            return "pending", f"`albops {command}` has no {waits} on this branch yet"
        invented = [option for option in missing if option not in pending]
        return "bad", f"`albops {command}` has no option {', '.join(invented)}"
    return "ok", ""


def _parse(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str | None:
    """None when the parser takes argv; else what it said (argparse exits 2 with its message on stderr)."""
    try:
        cli._parse(list(argv))
    except SystemExit as stop:
        said = capsys.readouterr().err.strip().splitlines()
        return f"exit {stop.code}: {said[-1] if said else ''}"
    return None


LINES = albops_lines(RUNBOOK.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", LINES, ids=[f"line{c.line}-{c.argv[0] if c.argv else ''}" for c in LINES])
def test_runbook_command_parses(
    command: CommandLine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Output files (--report) are checked for a writable folder: the runbook writes them in the current one.
    monkeypatch.chdir(tmp_path)
    status, why = verdict(command.argv)
    if status == "pending":
        pytest.skip(f"{RUNBOOK.name}:{command.line}: {why}")
    assert status == "ok", f"{RUNBOOK.name}:{command.line}: {why}\n  {command.text}"
    refused = _parse(command.argv, capsys)
    assert refused is None, f"{RUNBOOK.name}:{command.line}: albops refuses it ({refused})\n  {command.text}"


def test_runbook_walks_every_step_with_real_commands() -> None:
    """The page holds the issue's path, so an edit that drops a step (or a parser change that hides the lines
    from the extractor) fails here rather than passing with nothing checked."""
    by_command: dict[str, list[CommandLine]] = {}
    for command in LINES:
        by_command.setdefault(command.argv[0], []).append(command)
    assert {"migrate", "verify", "probe", "cutover"} <= set(by_command), sorted(by_command)
    assert any("--from-cluster" in c.argv and "--side-by-side" in c.argv for c in by_command["migrate"])
    assert any("--to" in c.argv and "gateway" in c.argv for c in by_command["migrate"])
    assert any("--compare" in c.argv for c in by_command["probe"])

    def option(argv: tuple[str, ...], name: str) -> str | None:
        return argv[argv.index(name) + 1] if name in argv else None

    shop = [c.argv for c in by_command["cutover"] if option(c.argv, "--host") == "shop.example.com"]
    applied = [a for a in shop if "--weight" in a and "--yes" in a and option(a, "--to") == VARIABLES["NEW_ALB"]]
    assert [option(a, "--weight") for a in applied] == ["1", "10", "50", "100"]
    assert all("--gate" in a for a in applied), "every applied step is gated"
    dry_runs = [a for a in shop if "--dry-run" in a]
    assert dry_runs and shop.index(dry_runs[0]) < shop.index(applied[0]), "a dry run comes before the first change"
    finishes = [i for i, a in enumerate(shop) if "--finish" in a and "--yes" in a]
    assert finishes and finishes[0] > shop.index(applied[-1]), "--finish comes after 100%"
    assert any("--rollback" in a for a in shop) and any("--abort" in a for a in shop)


SAMPLE = """
text `albops cutover --not-a-block` is prose, not checked
```bash
NEW=$(kubectl get ingress x)   # not albops
albops migrate dump.yaml --side-by-side \\
  --group shop > out.yaml 2> report.txt
kubectl get ingress -A -o yaml | albops check - 2>&1   # albops in the middle of a pipeline
.venv/bin/albops-like --x   # a different program
```
"""


def test_extractor_joins_continuations_and_cuts_at_shell_operators() -> None:
    lines = albops_lines(SAMPLE)
    assert [(c.line, c.argv) for c in lines] == [
        (5, ("migrate", "dump.yaml", "--side-by-side", "--group", "shop")),
        (7, ("check", "-")),
    ]


def test_extractor_expands_variables_and_refuses_unknown_ones() -> None:
    (line,) = albops_lines("```\nalbops probe --url https://$ALB_IP/ --compare https://${ALB_IP}/x\n```\n")
    assert line.argv == ("probe", "--url", "https://198.51.100.10/", "--compare", "https://198.51.100.10/x")
    with pytest.raises(KeyError, match=r"\$NOT_SET has no example value"):
        albops_lines("```\nalbops probe --url https://$NOT_SET/\n```\n")


def test_verdict_skips_only_what_another_section_builds(capsys: pytest.CaptureFixture[str]) -> None:
    """The pending lists excuse a missing name only: an invented option, an unknown sub-command and a refused
    value all fail."""
    assert verdict(("probe", "--url", "https://a.example/", "--duration", "60")) == ("ok", "")
    status, why = verdict(("probe", "--url", "https://a.example/", "--bogus"))
    assert (status, why) == ("bad", "`albops probe` has no option --bogus")
    assert verdict(("frobnicate",))[0] == "bad"
    status, why = verdict(("migrate", "--from-cluster", "--side-by-side"))
    if "--from-cluster" in _known("migrate"):
        assert status == "ok"
    else:
        assert status == "pending" and "--from-cluster (issue 22 section 1)" in why
    assert verdict(("migrate", "--from-cluster", "--invented-flag"))[0] == "bad"
    status, why = verdict(("cutover", "--zone-id", "Z1", "--host", "a.example", "--status"))
    if "cutover" in _subcommands():
        assert status == "ok"
    else:
        assert status == "pending" and "albops cutover" in why
    # A value the parser refuses is caught by the parse, not excused: --rate is requests a second, 0.01 to 200.
    assert verdict(("probe", "--url", "https://a.example/", "--rate", "0")) == ("ok", "")
    refused = _parse(("probe", "--url", "https://a.example/", "--rate", "0"), capsys)
    assert refused is not None and refused.startswith("exit 2") and "--rate" in refused


def _known(command: str) -> set[str]:
    return {option for action in _subcommands()[command]._actions for option in action.option_strings}


class _IssueSyntaxError(Exception):
    pass


class _IssueParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _IssueSyntaxError(message)


def _issue_cutover_parser() -> argparse.ArgumentParser:
    """``albops cutover`` exactly as issue 22 section 3 writes its usage: the stand-in the runbook's cutover
    lines are held to until the real sub-command exists (then ``test_runbook_command_parses`` takes over)."""
    parser = _IssueParser(prog="albops cutover", allow_abbrev=False)
    parser.add_argument("--zone-id", required=True)
    parser.add_argument("--host", required=True)
    for name in ("--to", "--from", "--record", "--ca-file"):
        parser.add_argument(name)
    parser.add_argument("--weight", type=float)
    parser.add_argument("--gate", action="append")
    parser.add_argument("--resolve", action="append")
    for name in ("--gate-seconds", "--settle-seconds", "--max-error-rate", "--max-p99-ms"):
        parser.add_argument(name, type=float)
    parser.add_argument("--min-samples", type=int)
    for name in ("--ws", "--dry-run", "--yes", "--json"):
        parser.add_argument(name, action="store_true")
    modes = parser.add_mutually_exclusive_group()
    for name in ("--status", "--rollback", "--finish", "--abort"):
        modes.add_argument(name, action="store_true")
    return parser


def test_pending_cutover_lines_follow_the_issue_syntax() -> None:
    if "cutover" in _subcommands():
        pytest.skip("albops cutover exists: test_runbook_command_parses checks its lines against the real parser")
    parser = _issue_cutover_parser()
    lines = [c for c in LINES if c.argv[0] == "cutover"]
    assert lines
    for command in lines:
        where = f"{RUNBOOK.name}:{command.line}"
        try:
            args = parser.parse_args(list(command.argv[1:]))
        except _IssueSyntaxError as error:
            pytest.fail(f"{where}: not the issue's cutover syntax: {error}\n  {command.text}")
        mode = args.status or args.rollback or args.finish or args.abort
        # The first form moves weight (--to and --weight); the second only names a mode and takes no step options.
        assert mode or (args.to and args.weight is not None), f"{where}: a step needs --to and --weight"
        if mode:
            step_options = (args.to, getattr(args, "from"), args.gate, args.resolve, args.dry_run)
            assert not any(step_options) and args.weight is None, f"{where}: a mode takes only --yes and --json"
        else:
            assert 0 <= args.weight <= 100, f"{where}: --weight is a percentage"
        assert not (args.dry_run and args.yes), f"{where}: --dry-run and --yes together"


def test_issue_syntax_stand_in_refuses_what_the_issue_does_not_allow() -> None:
    parser = _issue_cutover_parser()
    with pytest.raises(_IssueSyntaxError, match="not allowed with"):
        parser.parse_args(["--zone-id", "Z", "--host", "h", "--status", "--abort"])
    with pytest.raises(_IssueSyntaxError, match="unrecognized arguments: --percent"):
        parser.parse_args(["--zone-id", "Z", "--host", "h", "--to", "lb", "--percent", "5"])
