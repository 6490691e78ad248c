"""Every command keeps the contract: one clear line naming the input and the fix, the right exit code, no
traceback, and nothing started before a bad argument is refused (exit 2).

Driven through ``main`` in-process, and as a subprocess where the operating system's side matters (a
full disk behind stdout, a reader that closes the pipe early).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from albops.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def not_pem(tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text("this is not a certificate\n")
    return str(path)


CASES = [
    (["verify", "--url", "https://a.example", "--ca-file", "/no/ca.pem"], "--ca-file: /no/ca.pem: no such file"),
    (["verify", "--url", "https://a.example", "--ca-file", "{not_pem}"], "not a PEM bundle"),
    (["probe", "--url", "https://a.example", "--ca-file", "/no/ca.pem"], "--ca-file: /no/ca.pem: no such file"),
    (["verify", "--url", "https://a.example", "--resolve", "a.example=not-an-ip"], "'not-an-ip' is not an IP address"),
    (["verify", "--url", "https://a.example", "--resolve", "just-a-host"], "is not HOST=ADDRESS"),
    (["verify", "--url", "https://a.example", "--timeout", "-1"], "--timeout: '-1' is not a number of seconds"),
    (["verify", "--url", "https://a.example", "--timeout", "nan"], "'nan' is not a number of seconds"),
    (["verify", "--url", "https://a.example", "--http-port", "70000"], "70000 is out of range"),
    (["sweep", "--cluster", "c", "--region", "us-west-2", "--wait-seconds", "nan"], "'nan' is not a number"),
    (["sweep", "--cluster", "c", "--region", "us-west-2", "--wait-seconds", "1e12"], "'1e12' is not a number"),
    (["teardown", "--stack", "pr-1", "--wait-seconds", "inf"], "'inf' is not a number of seconds"),
    (["probe", "--url", "https://a.example", "--duration", "1e12"], "'1e12' is not a number of seconds"),
    (["probe", "--url", "https://a.example", "--connections", "0"], "0 is out of range"),
    (["probe", "--url", "https://a.example", "--rate", "-3"], "'-3' is not a number"),
    (["plan", "--stack", "stage", "--out", "/dev/null/x"], "--out: /dev/null/x: cannot be written"),
    (["plan", "--stack", "stage", "--out", str(ROOT / "README.md")], "is a file, not a folder"),
    (["plan", "--stack", "stage", "--cloud-facts", "/no/facts.yaml"], "--cloud-facts: /no/facts.yaml: no such file"),
    (["migrate", "-", "--report", "/no/such/folder/r.json"], "the folder /no/such/folder does not exist"),
    (["migrate", "-", "--report", "/tmp"], "--report: /tmp: is a directory"),
    (["migrate", "-", "--group", "Bad_Group"], "is not a valid group.name"),
]


@pytest.mark.parametrize(("argv", "fragment"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], fragment: str, not_pem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{not_pem}", not_pem) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def _run(*argv: str, stdout: int | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "albops", *argv],
        cwd=ROOT,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )


def test_output_that_cannot_be_written_is_exit_2_with_its_reason() -> None:
    with open("/dev/full", "wb") as full:
        proc = _run("check", "--list", stdout=full.fileno())
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "the output cannot be written (No space left on device)" in err and "Traceback" not in err
    assert "Exception ignored" not in err


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    proc = subprocess.run(
        [sys.executable, "-m", "albops", "check", "--list"],
        cwd=ROOT,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    reader.stdin.close()
    reader.wait(timeout=10)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err


def test_ctrl_c_is_exit_130_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import albops.cli.main as cli

    def interrupted(_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_check", interrupted)
    assert main(["check", "--list"]) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted:") and "Traceback" not in err
