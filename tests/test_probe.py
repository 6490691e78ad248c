"""``albops probe`` against local HTTP and WebSocket servers on 127.0.0.1, one of which drops connections."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection as AsyncServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from albops.__main__ import main
from albops.probe import MAX_UNSOLICITED, Prober, nearest_rank, probe_all
from tests import gate_servers
from tests.hostile_servers import answering
from tests.tcp_servers import raw_server
from tests.tls_servers import tls_websocket_server


@dataclass
class Echo:
    url: str
    close_after: int | None  # messages before the server closes a connection (None: never)
    greeting: bool


def _server(close_after: int | None, greeting: bool = True) -> Iterator[Echo]:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        body = b"GET " + request.path.encode() + b" HTTP/1.1\n"
        return Response(200, "OK", Headers({"Content-Length": str(len(body))}), body)

    def handler(connection: ServerConnection) -> None:
        if greeting:
            connection.send("Request served by echoserver-1")  # as the echoserver greets
        count = 0
        try:
            for message in connection:
                connection.send(message)
                count += 1
                if close_after is not None and count >= close_after:
                    connection.close()
                    return
        except ConnectionClosed:
            return

    server = serve(handler, "127.0.0.1", 0, process_request=process_request)
    port = server.socket.getsockname()[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Echo(f"http://127.0.0.1:{port}/echo", close_after, greeting)
    server.shutdown()


@pytest.fixture
def steady() -> Iterator[Echo]:
    yield from _server(close_after=None)


@pytest.fixture
def flaky() -> Iterator[Echo]:
    yield from _server(close_after=1)


def test_a_steady_endpoint_has_no_errors_or_drops(steady: Echo) -> None:
    (result,) = probe_all([steady.url], duration_s=1.5, rate=20, connections=3, timeout=5)
    http = result.http.as_dict()
    # The rate caps the requests (1.5 s x 20/s, and the first at once); a machine under load sends fewer.
    assert 10 <= http["requests"] <= 31 and http["errors"] == 0
    assert 0 < http["p50_ms"] <= http["p90_ms"] <= http["p99_ms"] <= http["max_ms"]
    ws = result.websocket.as_dict() if result.websocket else {}
    assert ws["connections"] == 3 and ws["drops"] == 0 and ws["reconnects"] == 0
    assert 3 <= ws["messages"] <= 6  # a message at once, then at most one a second on each connection
    assert not result.failed


def test_https_and_wss_through_tls_1_3_with_a_ca_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As against an ALB with a TLS 1.3 policy: the CA file is trusted for both, and no handshake is lost."""
    negotiated: list[str] = []

    async def process_request(connection: AsyncServerConnection, request: Request) -> Response | None:
        ssl_object = connection.transport.get_extra_info("ssl_object")
        negotiated.append(ssl_object.version() if ssl_object else "")
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        return Response(200, "OK", Headers({"Content-Length": "2"}), b"ok")

    async def handler(connection: AsyncServerConnection) -> None:
        async for message in connection:
            await connection.send(message)

    with tls_websocket_server(tmp_path, handler, process_request, names=("127.0.0.1",)) as site:
        url = f"https://127.0.0.1:{site.port}/echo"
        argv = ["probe", "--url", url, "--ca-file", site.ca_file, "--ws", "--connections", "8"]
        assert main([*argv, "--duration", "1", "--rate", "20", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["http"]["errors"] == 0 and document["http"]["requests"] >= 5
    assert document["websocket"]["connections"] == 8 and document["websocket"]["drops"] == 0
    assert set(negotiated) == {"TLSv1.3"}


def test_connections_closed_mid_run_are_counted_as_drops_and_reopened(flaky: Echo) -> None:
    (result,) = probe_all([flaky.url], duration_s=1.5, rate=5, connections=2, timeout=5)
    ws = result.websocket.as_dict() if result.websocket else {}
    assert ws["drops"] >= 2 and ws["reconnects"] >= 2
    assert ws["messages"] >= 2
    assert result.failed


def test_compare_prints_one_table_and_a_json_list(
    steady: Echo, flaky: Echo, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["probe", "--url", steady.url, "--compare", flaky.url, "--ws", "--duration", "1", "--connections", "1"]
    assert main([*argv, "--rate", "5"]) == 1  # the flaky one dropped
    table = capsys.readouterr().out
    assert steady.url in table and flaky.url in table and "websocket drops" in table
    assert main([*argv, "--rate", "5", "--json"]) == 1
    steady_doc, flaky_doc = json.loads(capsys.readouterr().out)
    assert set(steady_doc) == {"url", "duration_s", "http", "websocket"}
    assert set(steady_doc["http"]) == {"requests", "errors", "error_reasons", "p50_ms", "p90_ms", "p99_ms", "max_ms"}
    assert set(steady_doc["websocket"]) == {
        "connections",
        "attempts",
        "connect_errors",
        "drops",
        "echo_failures",
        "error_reasons",
        "reconnects",
        "messages",
        "rtt_p50_ms",
        "rtt_p99_ms",
    }
    assert steady_doc["websocket"]["drops"] == 0 and flaky_doc["websocket"]["drops"] >= 1


def test_an_unreachable_endpoint_fails_every_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--url", "http://127.0.0.1:9/", "--duration", "1", "--rate", "5", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["http"]["errors"] == document["http"]["requests"] > 0
    assert document["websocket"] is None
    assert document["http"]["p50_ms"] is None and document["http"]["max_ms"] is None  # no data, not 0.0
    assert set(document["http"]["error_reasons"]) == {"ConnectionRefusedError"}


def test_garbage_replies_are_counted_errors_with_their_reason(capsys: pytest.CaptureFixture[str]) -> None:
    def garbage(client: socket.socket, _: threading.Event) -> None:
        client.recv(1024)
        client.sendall(b"this is not HTTP at all\r\n\r\n")

    with raw_server(garbage) as port:
        code = main(["probe", "--url", f"http://127.0.0.1:{port}/", "--duration", "1", "--rate", "5"])
    out = capsys.readouterr().out
    assert code == 1
    assert "no data" in out and "BadStatusLine" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--url", "ftp://x/"], "not an http"),
        (["--url", "http://x/", "--duration", "0"], "duration"),
        (["--url", "http://x/", "--rate", "1000"], "rate"),
        (["--url", "http://x/", "--ws", "--connections", "5000"], "connections"),
    ],
)
def test_bounds_are_enforced(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", *argv]) == 2
    assert fragment in capsys.readouterr().err


def test_nearest_rank_examples() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    assert [nearest_rank(values, p) for p in (5, 30, 40, 50, 100)] == [15.0, 20.0, 20.0, 35.0, 50.0]
    assert nearest_rank([], 50) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200), st.integers(1, 100))
def test_nearest_rank_is_a_member_with_enough_values_below(values: list[float], percentile: int) -> None:
    result = nearest_rank(values, percentile)
    assert result in values
    at_or_below = sum(1 for v in values if v <= result)
    assert at_or_below / len(values) * 100 >= percentile
    assert sum(1 for v in values if v < result) / len(values) * 100 < percentile


def test_prober_rejects_bad_urls_early() -> None:
    with pytest.raises(ValueError, match="not an http"):
        Prober("ws://x/", duration_s=1)


# -- endpoints that accept the upgrade and then misbehave -----------------------------------------------------


@contextmanager
def _ws_server(handler: Callable[[ServerConnection], None]) -> Iterator[str]:
    """A plain WebSocket server on 127.0.0.1 running ``handler`` on each connection; yields its http:// URL."""

    def guarded(connection: ServerConnection) -> None:
        with suppress(ConnectionClosed):
            handler(connection)

    server = serve(guarded, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}/ws"
    finally:
        server.shutdown()


def _never_echoes(connection: ServerConnection) -> None:
    for _ in connection:  # reads every message, answers none
        pass


def _echoes_something_else(connection: ServerConnection) -> None:
    for message in connection:
        connection.send(f"not {message!s}")


def _floods_text(connection: ServerConnection) -> None:
    for message in connection:
        for number in range(30):
            connection.send(f"news {number}")
        connection.send(message)


def _floods_pings(connection: ServerConnection) -> None:
    for message in connection:
        for _ in range(3 * MAX_UNSOLICITED):
            connection.ping()
        connection.send(message)


def _floods_pongs(connection: ServerConnection) -> None:
    for message in connection:
        for number in range(3 * MAX_UNSOLICITED):
            connection.pong(f"unasked {number}".encode())
        connection.send(message)


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_never_echoes, "no echo within 0.4 s"),
        (_echoes_something_else, "an answer that is not the echo"),
        (_floods_text, "an answer that is not the echo"),
        (_floods_pings, f"more than {MAX_UNSOLICITED} unsolicited pings or pongs per message"),
        (_floods_pongs, f"more than {MAX_UNSOLICITED} unsolicited pings or pongs per message"),
    ],
)
def test_a_websocket_that_does_not_echo_fails_each_connection_with_its_reason(
    handler: Callable[[ServerConnection], None], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with _ws_server(handler) as url:
        argv = ["probe", "--url", url, "--ws", "--connections", "3", "--duration", "0.5", "--timeout", "0.4"]
        code = main([*argv, "--rate", "2", "--json"])
    ws = json.loads(capsys.readouterr().out)["websocket"]
    assert code == 1
    assert ws["connections"] == 3 and ws["connect_errors"] == 0 and ws["drops"] == 0
    assert ws["echo_failures"] >= 3  # each connection failed its check, each counted
    assert ws["error_reasons"] == {reason: ws["echo_failures"]}
    assert ws["reconnects"] == ws["attempts"] - 3


def test_a_greeting_before_the_first_echo_is_not_a_failure(steady: Echo) -> None:
    assert steady.greeting
    (result,) = probe_all([steady.url], duration_s=0.5, rate=2, connections=2, timeout=2)
    assert result.websocket is not None and result.websocket.echo_failures == 0 and not result.failed


def test_a_101_to_a_plain_get_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with answering(101, "text/plain", b"") as url:
        code = main(["probe", "--url", url + "/", "--duration", "0.5", "--rate", "4", "--json"])
    http = json.loads(capsys.readouterr().out)["http"]
    assert code == 1
    assert http["errors"] == http["requests"] >= 1 and http["p50_ms"] is None
    assert http["error_reasons"] == {"HTTP 101 to a plain GET (an upgrade nobody asked for)": http["requests"]}


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


def test_a_refused_websocket_reports_its_attempts(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}/ws"
    argv = ["probe", "--url", url, "--ws", "--connections", "2", "--duration", "0.5", "--rate", "4", "--json"]
    assert main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["http"]["errors"] == document["http"]["requests"] >= 1
    assert document["http"]["error_reasons"] == {"ConnectionRefusedError": document["http"]["requests"]}
    ws = document["websocket"]
    assert ws["attempts"] >= 2 and ws["connect_errors"] == ws["attempts"]  # every try, not one per connection
    assert ws["error_reasons"] == {"ConnectionRefusedError": ws["attempts"]}
    assert ws["connections"] == 0 and ws["messages"] == 0 and ws["rtt_p50_ms"] is None


def _read_head(client: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(4096)
        if not chunk:
            return
        data += chunk


def _answers(reply: bytes) -> Callable[[socket.socket, threading.Event], None]:
    def handle(client: socket.socket, stop: threading.Event) -> None:
        _read_head(client)
        client.sendall(reply)

    return handle


def _silent(client: socket.socket, stop: threading.Event) -> None:
    _read_head(client)
    stop.wait(5)


# A 101 whose Sec-WebSocket-Accept holds U+009B, the one-byte start of a terminal control sequence.
_CSI_ACCEPT = (
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: \u009b2J\u009b31mFAKE-OK\r\n\r\n"
).encode()


@pytest.mark.parametrize(
    ("handle", "said"),
    [
        # Another protocol on the port (an SSH daemon's banner): no HTTP at all.
        (_answers(b"SSH-2.0-OpenSSH_9.6\r\n"), ["no WebSocket handshake: ", "(InvalidMessage)"]),
        # An HTTP/1.0 server: websockets' own fault, kept in the exception's cause, is the useful half.
        (_answers(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), ["HTTP/1.0 200 OK", "(InvalidMessage)"]),
        # The server's bytes are quoted escaped: nothing it sends can drive the terminal.
        (_answers(_CSI_ACCEPT), ["no WebSocket handshake: ", "\\x9b2J"]),
        # Nothing answers the upgrade: said with the allowance, not as a bare TimeoutError.
        (_silent, ["not opened within 1 s (no connection, or no complete answer to the upgrade)"]),
    ],
)
def test_a_server_that_does_not_answer_as_a_websocket_one_is_named_so(
    handle: Callable[[socket.socket, threading.Event], None], said: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_server(handle) as port:
        argv = ["probe", "--url", f"http://127.0.0.1:{port}/ws", "--ws", "--connections", "1", "--json"]
        assert main([*argv, "--duration", "1.2", "--rate", "1", "--timeout", "1"]) == 1
    ws = json.loads(capsys.readouterr().out)["websocket"]
    assert ws["connections"] == 0 and ws["connect_errors"] == ws["attempts"] >= 1
    (reason,) = ws["error_reasons"]
    assert all(part in reason for part in said) and reason.isprintable() and "\x9b" not in reason, reason


@contextmanager
def _counting() -> Iterator[tuple[str, list[float]]]:
    """An HTTP server that notes when each request came; yields its URL and the notes."""
    seen: list[float] = []

    def handle(client: socket.socket, _: threading.Event) -> None:
        client.settimeout(1)
        if client.recv(65536):
            seen.append(time.monotonic())
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    with raw_server(handle) as port:
        yield f"http://127.0.0.1:{port}/", seen


@pytest.mark.parametrize(("rate", "duration", "least"), [(20.0, 0.5, 3), (0.5, 1.0, 1)])
def test_rate_is_requests_a_second(rate: float, duration: float, least: int) -> None:
    """At most rate x duration + 1 requests (the first goes at once); read as seconds between requests, 20
    would send one request in 0.5 s and 0.5 would send three in 1 s."""
    with _counting() as (url, seen):
        argv = ["probe", "--url", url, "--duration", str(duration), "--rate", str(rate), "--json"]
        assert main(argv) == 0
    assert least <= len(seen) <= int(rate * duration) + 1


@pytest.mark.parametrize("rate", ["0", "201", "nan", "fast"])
def test_rate_out_of_range_is_refused_naming_it(rate: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--url", "http://127.0.0.1:9/", "--rate", rate]) == 2
    err = capsys.readouterr().err
    assert "argument --rate" in err and "a second" in err


def test_an_upgrade_answered_with_a_plain_200_is_a_connect_error(capsys: pytest.CaptureFixture[str]) -> None:
    with answering(200, "text/html", b"<html>hi</html>") as url:
        argv = ["probe", "--url", url + "/ws", "--ws", "--connections", "1", "--duration", "0.3", "--json"]
        assert main([*argv, "--rate", "4"]) == 1
    ws = json.loads(capsys.readouterr().out)["websocket"]
    assert ws["connections"] == 0 and ws["connect_errors"] == ws["attempts"] >= 1
    assert ws["error_reasons"] == {"HTTP 200 to the upgrade": ws["attempts"]}


def test_via_probes_two_load_balancers_under_one_host(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The runbook's before/after measure: one host name, the old and the new load balancer side by side, each
    reached at its own address (one by address, one by a name looked up per connection) with the host's SNI."""
    with gate_servers.site(tmp_path / "old") as old, gate_servers.site(tmp_path / "new") as new:
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(old.ca_file).read_text() + Path(new.ca_file).read_text())
        url = f"https://{gate_servers.HOST}/echo"
        argv = ["probe", "--url", url, "--via", f"localhost:{new.port}", "--compare", url]
        argv += ["--compare-via", f"127.0.0.1:{old.port}", "--ca-file", str(bundle), "--ws", "--connections", "2"]
        assert main([*argv, "--duration", "1", "--rate", "10", "--json"]) == 0
        new_doc, old_doc = json.loads(capsys.readouterr().out)
        assert main([*argv, "--duration", "0.5", "--rate", "10"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert f"via localhost:{new.port}" in header and f"via 127.0.0.1:{old.port}" in header
    assert (new_doc["via"], old_doc["via"]) == (f"localhost:{new.port}", f"127.0.0.1:{old.port}")
    assert new_doc["http"]["errors"] == 0 and old_doc["http"]["errors"] == 0
    assert new_doc["websocket"]["connections"] == 2 and old_doc["websocket"]["drops"] == 0
    assert len(new.hosts) >= 5 and len(old.hosts) >= 5 and len(new.sni) >= 5
    # Every request and WebSocket upgrade carried the host's name, never the address or name connected to.
    assert set(new.hosts + old.hosts) == {gate_servers.HOST} and set(new.sni + old.sni) == {gate_servers.HOST}


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--via", "bad name"], "holds a space"),
        (["--via", "lb.example.com:0"], "not 1 to 65535"),
        (["--via", "under_score.example.com"], "neither a DNS name nor an IP address"),
        (["--compare-via", "127.0.0.1"], "--compare-via needs --compare"),
    ],
)
def test_via_refuses_what_it_cannot_connect_to(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", "--url", "https://www.example.test/", *argv, "--duration", "1"]) == 2
    assert fragment in capsys.readouterr().err


def test_a_name_that_does_not_resolve_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """`.invalid` never resolves (RFC 2606): the reason names the lookup, not Python's `gaierror`."""
    assert main(["probe", "--url", "http://nothing.invalid/", "--duration", "0.3", "--rate", "5", "--json"]) == 1
    reasons = json.loads(capsys.readouterr().out)["http"]["error_reasons"]
    assert reasons and all(reason.startswith("name resolution failed") for reason in reasons), reasons


def test_connections_help_parser_bound_and_message_agree(capsys: pytest.CaptureFixture[str]) -> None:
    from albops.cli.main import main
    from albops.probe import MAX_CONNECTIONS, Prober

    assert main(["probe", "--url", "http://x/", "--ws", "--connections", str(MAX_CONNECTIONS + 1)]) == 2
    err = capsys.readouterr().err
    assert "--connections" in err and f"use 1 to {MAX_CONNECTIONS}" in err
    assert main(["probe", "--help"]) == 0  # main turns argparse's exit into the code
    assert f"1-{MAX_CONNECTIONS})" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(ValueError, match=f"--connections {MAX_CONNECTIONS + 1} is out of range; use 1 to"):
        Prober("http://x/", 1.0, connections=MAX_CONNECTIONS + 1)


@pytest.mark.parametrize(("signal_name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
@pytest.mark.parametrize("as_json", [True, False])
def test_an_interrupted_probe_reports_what_it_measured_until_then(
    steady: Echo, signal_name: str, code: int, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C (or a cancelled job) in a long probe: the figures so far, as ping prints them, and the signal's
    exit code; under --json still one document, saying it was interrupted."""
    import os
    import signal

    timer = threading.Timer(1.0, os.kill, (os.getpid(), getattr(signal, signal_name)))
    timer.start()
    started = time.monotonic()
    try:
        got = main(
            ["probe", "--url", steady.url, "--ws", "--connections", "2", "--duration", "60"] + ["--json"] * as_json
        )
    finally:
        timer.cancel()
    assert got == code and time.monotonic() - started < 20
    captured = capsys.readouterr()
    line = f"interrupted: stopped by {'Ctrl-C' if signal_name == 'SIGINT' else signal_name}; the figures cover the"
    assert line in captured.err and "run it again to measure it all" in captured.err and "Traceback" not in captured.err
    if as_json:
        document = json.loads(captured.out)  # one document
        assert document["interrupted"].startswith("stopped by") and document["exitCode"] == code
        assert 0.5 < document["duration_s"] < 20 and document["http"]["requests"] >= 1
        assert document["websocket"]["connections"] == 2
    else:
        assert "http requests" in captured.out and "websocket connections" in captured.out


def test_an_interrupted_probe_stops_at_once_though_a_request_is_in_flight(
    steady: Echo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stalled side (accepts, never answers) holds a request for up to --timeout: Ctrl-C still ends the probe
    within a moment, the request in flight counted as neither an answer nor an error, and the healthy side's
    figures kept."""
    import os
    import signal

    def stall(client: socket.socket, stop: threading.Event) -> None:
        stop.wait(60)

    with raw_server(stall) as port:
        timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        started = time.monotonic()
        try:
            got = main(
                [
                    *("probe", "--url", steady.url, "--compare", f"http://127.0.0.1:{port}/"),
                    *("--duration", "60", "--timeout", "30", "--json"),
                ]
            )
        finally:
            timer.cancel()
        elapsed = time.monotonic() - started
    assert got == 130 and elapsed < 10, elapsed
    healthy, stalled = json.loads(capsys.readouterr().out)
    assert healthy["http"]["requests"] >= 1 and healthy["http"]["errors"] == 0
    assert stalled["http"] == {**stalled["http"], "requests": 0, "errors": 0}
    assert 0.5 < healthy["duration_s"] < 10 and 0.5 < stalled["duration_s"] < 10
