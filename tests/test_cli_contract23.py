"""The command-line contract's last gaps (issue 23, section 4): suggestions, probe's attempts and rate."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time

import pytest

from albops.cli.main import main
from tests.tcp_servers import raw_server


@pytest.mark.parametrize(
    ("argv", "wrong", "right"),
    [
        (["plan", "--stak", "stage"], "--stak", "--stack"),
        (["teardown", "--stak", "x"], "--stak", "--stack"),
        (["sweep", "--clustr", "c", "--region", "us-west-2"], "--clustr", "--cluster"),
        (["sweep", "--cluster", "c", "--regoin", "us-west-2"], "--regoin", "--region"),
        (["verify", "--urll", "https://x.example.com/"], "--urll", "--url"),
        (["probe", "--ulr", "http://x.example.com/"], "--ulr", "--url"),
        (["plan", "--json", "--stak=stage"], "--stak=stage", "--stack"),
    ],
)
def test_an_unknown_option_is_named_even_when_a_required_one_is_missing(
    argv: list[str], wrong: str, right: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse says a required option is missing before it says another is unknown; the typo is the cause."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {wrong}" in err and f"did you mean {right}?" in err
    assert "required" not in err


def test_a_missing_required_option_alone_is_still_said(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 2
    assert "the following arguments are required: --stack" in capsys.readouterr().err
    assert main(["sweep", "--region", "us-west-2"]) == 2
    assert "one of the arguments --cluster --expired is required" in capsys.readouterr().err


def _nothing_listening() -> str:
    """A loopback port bound and closed again: connecting to it is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = int(held.getsockname()[1])
    return f"http://127.0.0.1:{port}/echo"


def test_probe_against_nothing_listening_reports_its_attempts_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["probe", "--url", _nothing_listening(), "--ws", "--connections", "3", "--duration", "0.6"]
    assert main([*argv, "--rate", "10", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    http, ws = document["http"], document["websocket"]
    # Every request was an attempt that failed, each counted with its reason; no latency invented.
    assert http["requests"] >= 2 and http["errors"] == http["requests"]
    assert sum(http["error_reasons"].values()) == http["requests"] and http["p50_ms"] is None
    # Each of the 3 connections was tried at least once, each try counted, not one line for all.
    assert ws["attempts"] >= 3 and ws["connect_errors"] == ws["attempts"] and ws["connections"] == 0
    assert sum(ws["error_reasons"].values()) == ws["attempts"]


def test_probe_rate_is_requests_per_second_by_the_gaps_between_them() -> None:
    """At --rate 10 the requests come 0.1 s apart (read as seconds between requests: one request in 1 s)."""
    seen: list[float] = []

    def answer(client: socket.socket, _: threading.Event) -> None:
        client.settimeout(1)
        if client.recv(65536):
            seen.append(time.monotonic())
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    with raw_server(answer) as port:
        assert main(["probe", "--url", f"http://127.0.0.1:{port}/", "--duration", "1", "--rate", "10", "--json"]) == 0
    assert 6 <= len(seen) <= 11
    gaps = sorted(b - a for a, b in itertools.pairwise(seen))
    assert 0.05 <= gaps[len(gaps) // 2] <= 0.2
