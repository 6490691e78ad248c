"""``albops probe``: measure an endpoint instead of guessing, side by side with another if asked.

HTTP: requests at a fixed rate for the duration, latency percentiles by the nearest-rank method.
WebSocket: N connections held open for the duration, each sending a message every second that must come
back as its echo within --timeout. No echo, an answer that is not the echo, or a flood of pings the client
did not ask for is an echo failure with its reason; a connection that closes before the end is a drop.
Either way the connection is reopened (a reconnect) so the run goes on. Everything is bounded (duration,
rate, connections) and stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.client
import math
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from albops.deadline import wait_awake

MAX_DURATION_S = 3600.0
MAX_RATE = 200.0
MAX_CONNECTIONS = 500
# Pings (and pongs to no ping of ours) a server may send per message before the connection counts as flooded:
# a proxy keeping the connection alive sends one every few seconds, not dozens a second.
MAX_UNSOLICITED = 20


def nearest_rank(values: list[float], percentile: float) -> float:
    """The smallest value with at least ``percentile`` % of the values at or below it (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class HttpStats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    # Why requests failed (an HTTP status, a timeout, a reply that is not HTTP), with how often.
    reasons: Counter[str] = field(default_factory=Counter)
    # (status, Location) of each answer counted in latencies_ms, in the same order: the cutover gates compare a
    # new load balancer's answers with the old one's (a redirect elsewhere is not a healthy answer there).
    answers: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.errors += 1
        self.reasons[reason] += 1

    def as_dict(self) -> dict[str, Any]:
        values = self.latencies_ms
        # No completed request is no data, never percentiles of 0.
        percentile: dict[str, Any] = {
            f"p{p}_ms": round(nearest_rank(values, p), 2) if values else None for p in (50, 90, 99)
        }
        return {
            "requests": len(values) + self.errors,
            "errors": self.errors,
            "error_reasons": dict(self.reasons.most_common()),
            **percentile,
            "max_ms": round(max(values), 2) if values else None,
        }


@dataclass
class WebSocketStats:
    connections: int = 0
    drops: int = 0
    reconnects: int = 0
    # Connections that never opened (no name, refused, no handshake in time): not drops, nothing was held.
    connect_errors: int = 0
    # Every try to open a connection, the first ones and the reopenings, so a refused one shows its count.
    attempts: int = 0
    # Connections that opened and did not echo (nothing in time, something else, a ping flood): one each.
    echo_failures: int = 0
    # Why connections failed to open, dropped or did not echo, with how often.
    reasons: Counter[str] = field(default_factory=Counter)
    rtts_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failed(self) -> bool:
        """Anything but echoes on every connection: a drop, a connection not opened, a wrong echo, or none."""
        return bool(self.drops or self.connect_errors or self.echo_failures or not self.rtts_ms)

    def as_dict(self) -> dict[str, Any]:
        measured = bool(self.rtts_ms)  # no echo at all: no round-trip time, not 0 ms
        return {
            "connections": self.connections,
            "attempts": self.attempts,
            "connect_errors": self.connect_errors,
            "drops": self.drops,
            "echo_failures": self.echo_failures,
            "error_reasons": dict(self.reasons.most_common()),
            "reconnects": self.reconnects,
            "messages": len(self.rtts_ms),
            "rtt_p50_ms": round(nearest_rank(self.rtts_ms, 50), 2) if measured else None,
            "rtt_p99_ms": round(nearest_rank(self.rtts_ms, 99), 2) if measured else None,
        }


@dataclass
class ProbeResult:
    url: str
    duration_s: float
    http: HttpStats
    websocket: WebSocketStats | None
    via: str | None = None  # where the connections went when not to the URL's host (--via): NAME:PORT

    @property
    def failed(self) -> bool:
        """Any failed request or WebSocket (not opened, dropped, not echoed), or nothing measured at all."""
        no_data = not self.http.latencies_ms
        return self.http.errors > 0 or no_data or (self.websocket is not None and self.websocket.failed)

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"url": self.url, "duration_s": self.duration_s, "http": self.http.as_dict()}
        document["websocket"] = self.websocket.as_dict() if self.websocket is not None else None
        if self.via is not None:
            document["via"] = self.via
        return document

    @property
    def label(self) -> str:
        """The URL, and the load balancer it was reached through: two columns of one host stay apart."""
        return self.url if self.via is None else f"{self.url} via {self.via}"


@dataclass(frozen=True)
class ConnectTo:
    """Where a probe's connections go when that is not the URL's host (the gates' load balancer).

    The URL's host stays the SNI name, the Host header and the name the certificate is checked against; the
    connection goes to ``name`` (looked up again each time a connection opens, under the probe's timeout) on
    ``port``, or to ``address`` when one is pinned (``--resolve``, as curl's overrides only the address).
    """

    name: str
    port: int
    address: str | None = None


class _NoAddressError(OSError):
    """The name to connect to gave no address in time: its message is the reason counted."""


class Prober:
    """Runs the HTTP load and the WebSocket holders for one URL."""

    def __init__(
        self,
        url: str,
        duration_s: float,
        rate: float = 10.0,
        connections: int = 0,
        timeout: float = 10.0,
        ca_file: str | None = None,
        connect_to: ConnectTo | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
        if not 0 < duration_s <= MAX_DURATION_S:
            raise ValueError(
                f"duration {duration_s} s is out of range; use more than 0 and at most {MAX_DURATION_S:.0f}"
            )
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"rate {rate}/s is out of range; use more than 0 and at most {MAX_RATE:.0f}")
        if not 0 <= connections <= MAX_CONNECTIONS:
            raise ValueError(
                f"--connections {connections} is out of range; use 1 to {MAX_CONNECTIONS} (0: no WebSocket)"
            )
        self.url = url
        self.parts = parts
        self.duration_s = duration_s
        self.rate = rate
        self.connections = connections
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None
        self.connect_to = connect_to
        self._turn = 0  # which of the name's addresses the next connection takes (round robin)
        self._stop = threading.Event()
        # Set by run: when it started and the figures its threads fill, for a snapshot taken while they run.
        self._live: tuple[float, HttpStats, WebSocketStats | None] | None = None

    def run(self, stop: threading.Event | None = None) -> ProbeResult:
        """Measure for the duration; ``stop`` set ends the load and the holders early (within a pause)."""
        self._stop = stop or threading.Event()
        started = time.monotonic()
        http_stats = HttpStats()
        ws_stats = WebSocketStats() if self.connections else None
        self._live = (started, http_stats, ws_stats)
        deadline = time.monotonic() + self.duration_s
        threads = [threading.Thread(target=self._http_load, args=(http_stats, deadline), daemon=True)]
        if ws_stats is not None:
            threads += [
                threading.Thread(target=self._hold, args=(ws_stats, deadline, index), daemon=True)
                for index in range(self.connections)
            ]
        for thread in threads:
            thread.start()
        ends = time.monotonic() + self.duration_s + 2 * self.timeout
        for thread in threads:
            thread.join(max(0.0, ends - time.monotonic()))
        if threads[0].is_alive():  # a request held past every deadline: name resolution, which nothing bounds
            http_stats.fail(f"no answer within {self.timeout:g} s (name resolution or connecting)")
        # Stopped early (an interruption), the figures cover the time measured, not the time asked for.
        measured = self._measured(started) if self._stop.is_set() else self.duration_s
        return ProbeResult(self.url, measured, http_stats, ws_stats, self._via)

    @property
    def _via(self) -> str | None:
        """Where the connections went when not to the URL's host (--via): NAME:PORT, or the pinned address."""
        target = self.connect_to
        return None if target is None else f"{target.address or target.name}:{target.port}"

    def _measured(self, started: float) -> float:
        return min(self.duration_s, round(time.monotonic() - started, 3))

    def snapshot(self) -> ProbeResult:
        """What was measured until now, for a probe stopped while its threads still run: a request or handshake
        in flight (which may take up to --timeout to end) is left out, neither an answer nor an error."""
        if self._live is None:  # stopped before it began
            return ProbeResult(self.url, 0.0, HttpStats(), WebSocketStats() if self.connections else None, self._via)
        started, http_stats, ws_stats = self._live
        http = HttpStats(
            list(http_stats.latencies_ms), http_stats.errors, Counter(http_stats.reasons), list(http_stats.answers)
        )
        ws = None
        if ws_stats is not None:
            with ws_stats.lock:
                ws = dataclasses.replace(
                    ws_stats, reasons=Counter(ws_stats.reasons), rtts_ms=list(ws_stats.rtts_ms), lock=threading.Lock()
                )
        return ProbeResult(self.url, self._measured(started), http, ws, self._via)

    # -- HTTP ----------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        host, port = self.parts.hostname or "", self.parts.port
        connection: http.client.HTTPConnection
        if self.context is not None:
            connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self.context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        if self.connect_to is not None:
            # http.client opens its socket through this attribute (HTTPConnection.connect); SNI, the
            # certificate's name check and the Host header keep using the URL's host.
            connection._create_connection = self._create_to_target  # type: ignore[attr-defined]
        return connection

    def _create_to_target(
        self, _url_address: tuple[str, int], timeout: float | None, source: tuple[str, int] | None = None
    ) -> socket.socket:
        address, port = self._target_address()
        return socket.create_connection((address, port), timeout, source)

    def _target_address(self) -> tuple[str, int]:
        """The address and port the next connection to ``connect_to`` opens (its name looked up now, bounded).

        The name's addresses are taken in turn, so every node of a load balancer is measured; only those of the
        family getaddrinfo lists first (RFC 6724 puts first the family this machine can reach).
        """
        target = self.connect_to
        assert target is not None
        if target.address is not None:
            return target.address, target.port
        found = _addresses(target.name, self.timeout)
        if not found:
            raise _NoAddressError(f"{target.name}: no address within {self.timeout:g} s")
        self._turn += 1
        return found[self._turn % len(found)], target.port

    def _http_load(self, stats: HttpStats, deadline: float) -> None:
        path = (self.parts.path or "/") + (f"?{self.parts.query}" if self.parts.query else "")
        interval = 1 / self.rate
        next_at = time.monotonic()
        while next_at < deadline:
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return
            if time.monotonic() >= deadline:  # behind schedule: no request starts after the duration
                return
            start = time.perf_counter()
            connection = self._connection()
            # The socket timeout bounds each read, not a reply trickled a byte at a time: past --timeout the
            # watchdog shuts the socket, and the read fails at once.
            cut = threading.Event()
            watchdog = threading.Timer(self.timeout, _cut, args=(connection, cut))
            watchdog.daemon = True
            watchdog.start()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read(1 << 20)  # a body is drained, never held whole
                if cut.is_set():
                    stats.fail(f"no complete answer within {self.timeout:g} s")
                elif response.status == 101:
                    # A plain GET asked for no upgrade; switching protocols anyway is a broken route, not an answer.
                    stats.fail("HTTP 101 to a plain GET (an upgrade nobody asked for)")
                elif response.status < 200 or response.status >= 400:
                    stats.fail(f"HTTP {response.status}")
                else:
                    stats.latencies_ms.append((time.perf_counter() - start) * 1000)
                    stats.answers.append((response.status, response.getheader("Location") or ""))
            except (OSError, http.client.HTTPException, ValueError) as error:
                # Timeouts, refused connections, and replies that are not HTTP (garbage, a header block over
                # http.client's limits): each a counted error with its reason, never a dead worker thread.
                if cut.is_set():
                    stats.fail(f"no complete answer within {self.timeout:g} s")
                else:
                    stats.fail(_reason(error))
            finally:
                watchdog.cancel()
                connection.close()
            next_at += interval

    # -- WebSocket -----------------------------------------------------------------
    def _ws_uri(self) -> str:
        scheme = "wss" if self.parts.scheme == "https" else "ws"
        return f"{scheme}://{self.parts.netloc}{self.parts.path or '/'}"

    def _hold(self, stats: WebSocketStats, deadline: float, index: int) -> None:
        """One WebSocket held open until the deadline, on an event loop of this thread's own.

        websockets' asyncio client, not its threaded one: that one reads a TLS socket in one thread while it
        writes in another, which OpenSSL does not allow, and over TLS 1.3 now and then loses a handshake
        (python-websockets issue 1648, CPython issue 137583): a drop the probe would blame on the ALB.
        """
        try:
            asyncio.run(self._hold_async(stats, deadline, index))
        except Exception as error:  # a holder that dies unseen would make the run look clean
            with stats.lock:
                stats.connect_errors += 1
                stats.reasons[f"probe error: {type(error).__name__}"] += 1

    async def _hold_async(self, stats: WebSocketStats, deadline: float, index: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        opened_before = False
        sequence = [0]
        # The name is looked up here, bounded: asyncio would look it up in its executor's worker thread, which
        # the interpreter waits for at exit, so a lookup that never returns held the probe past its bound.
        host = self.parts.hostname or ""
        port = self.parts.port or (443 if self.context is not None else 80)
        address: str | None = None
        if self.connect_to is None:
            address = _resolve(host, self.timeout)
            if address is None:
                with stats.lock:
                    stats.attempts += 1
                    stats.connect_errors += 1
                    stats.reasons[f"{host}: no address within {self.timeout:g} s"] += 1
                return
        tls: dict[str, Any] = {"ssl": self.context, "server_hostname": host} if self.context else {}
        while time.monotonic() < deadline and not self._stop.is_set():
            with stats.lock:
                stats.attempts += 1
                if opened_before:
                    stats.reconnects += 1
            opened = False
            if self.connect_to is not None:  # the target's name is looked up for each connection
                try:
                    address, port = self._target_address()
                except _NoAddressError as error:
                    with stats.lock:
                        stats.connect_errors += 1
                        stats.reasons[str(error)] += 1
                    await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
                    continue
            try:
                opening = connect(
                    self._ws_uri(),
                    host=address,
                    port=port,
                    open_timeout=self.timeout,
                    close_timeout=min(self.timeout, 2.0),
                    proxy=None,
                    create_connection=_watched_connection(),
                    **tls,
                )
                async with opening as ws:
                    opened = True
                    if not opened_before:
                        with stats.lock:
                            stats.connections += 1
                    opened_before = True
                    failure = await self._exchange(ws, stats, deadline, index, sequence)
                    if failure is None:
                        return
                    ws.transport.abort()  # a connection that does not echo is not closed politely (no waiting)
                    with stats.lock:
                        stats.echo_failures += 1
                        stats.reasons[failure] += 1
            except _ClosedBetweenMessagesError as closed:
                with stats.lock:
                    stats.drops += 1
                    stats.reasons[f"dropped: {closed}"] += 1
            except (OSError, TimeoutError, WebSocketException) as error:
                if time.monotonic() >= deadline and opened:
                    return  # closed as the run ended: not a drop
                if isinstance(error, InvalidStatus):
                    reason = f"HTTP {error.response.status_code} to the upgrade"
                elif isinstance(error, TimeoutError) and not opened:
                    reason = (
                        f"not opened within {self.timeout:g} s (no connection, or no complete answer to the upgrade)"
                    )
                else:
                    reason = _reason(error)
                with stats.lock:
                    if opened:
                        stats.drops += 1
                        stats.reasons[f"dropped: {reason}"] += 1
                    else:
                        stats.connect_errors += 1
                        stats.reasons[reason] += 1
            await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    async def _exchange(
        self, ws: Any, stats: WebSocketStats, deadline: float, index: int, sequence: list[int]
    ) -> str | None:
        """Send a message a second on an open connection until the deadline, each echoed within --timeout.

        Returns why the connection failed its check (None: every echo came). The first message is sent even
        when the connection opened at the deadline, so no opened connection goes unchecked. One message that
        is not the echo is let through before the first echo: the echoserver greets each connection.
        """
        from websockets.exceptions import ConnectionClosed
        from websockets.protocol import State

        flood = f"more than {MAX_UNSOLICITED} unsolicited pings or pongs per message"
        greeted = False
        echoed = False
        while True:
            sequence[0] += 1
            message = f"probe-{index}-{sequence[0]}"
            ws.unsolicited = 0
            sent = time.perf_counter()
            try:
                await ws.send(message)
                async with asyncio.timeout(self.timeout):
                    while await ws.recv() != message:
                        if echoed or greeted:
                            return "an answer that is not the echo"
                        greeted = True
            except TimeoutError:
                # The message before the first echo was let through as a greeting; when no echo follows it,
                # it was the answer, and not the echo.
                return "an answer that is not the echo" if greeted else f"no echo within {self.timeout:g} s"
            except ConnectionClosed:
                if ws.flooded:
                    return flood
                raise
            if ws.flooded:  # the echo came in the same read as the flood that cut the connection
                return flood
            echoed = True
            with stats.lock:
                stats.rtts_ms.append((time.perf_counter() - sent) * 1000)
            if time.monotonic() >= deadline or self._stop.is_set():
                return None
            # The pause till the next message watches the connection: one the server closes in the last pause
            # of the run is a drop too, not a connection that lasted.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, min(1.0, deadline - time.monotonic()))):
                    await ws.wait_closed()
            if ws.state is State.CLOSED:
                raise _ClosedBetweenMessagesError(type(ws.protocol.close_exc).__name__)
            if ws.state is not State.OPEN:
                raise _ClosedBetweenMessagesError("ConnectionClosed")
            if time.monotonic() >= deadline:
                return None


def _reason(error: BaseException) -> str:
    """A failed attempt's reason as a person reads it: a name that did not resolve says so (``gaierror`` does
    not), the rest by their exception's name, as counted before."""
    if isinstance(error, _NoAddressError):
        return str(error)
    if isinstance(error, socket.gaierror):
        return f"name resolution failed ({error.strerror or error})"
    # Only a WebSocket attempt's error can be a websockets one: an HTTP-only probe never needs the package,
    # which an albops installed without its 'cli' extra lacks.
    websockets_exceptions = sys.modules.get("websockets.exceptions")
    invalid_handshake = getattr(websockets_exceptions, "InvalidHandshake", None)
    if invalid_handshake is not None and isinstance(error, invalid_handshake):
        # Its name alone ("InvalidMessage") does not say that the server answered, but not as a WebSocket
        # server does: another protocol on the port, an HTTP/1.0 server, or a ws:// URL on a TLS port. websockets
        # keeps the answer's own fault in the cause ("unsupported protocol; expected HTTP/1.1: HTTP/1.0 200 OK").
        said = str(error) + (f": {error.__cause__}" if error.__cause__ is not None else "")
        # The text quotes the server's bytes: escaped, so no control sequence reaches the terminal.
        # repr, not albops.text.printable: it doubles a backslash too, so a server's literal "\x1b" and a
        # real ESC stay two different reasons (they are counted by their text).
        return f"no WebSocket handshake: {repr(said[:160])[1:-1]} ({type(error).__name__})"
    return type(error).__name__


class _ClosedBetweenMessagesError(Exception):
    """The server closed a connection while it waited for its next message (the name of how it closed)."""


def _watched_connection() -> Any:
    """websockets' client connection, counting the pings and pongs the server sends unasked.

    websockets answers pings by itself and drops unsolicited pongs (asyncio/connection.py, process_event and
    acknowledge_pings), so a server flooding them would look healthy; past MAX_UNSOLICITED in one message's
    time the connection is cut and reported as flooded.
    """
    from websockets.asyncio.client import ClientConnection
    from websockets.frames import Frame, Opcode

    class Watched(ClientConnection):
        unsolicited = 0
        flooded = False

        def process_event(self, event: Any) -> None:
            if isinstance(event, Frame) and (
                event.opcode is Opcode.PING
                or (event.opcode is Opcode.PONG and bytes(event.data) not in self.pending_pings)
            ):
                self.unsolicited += 1
                if self.unsolicited > MAX_UNSOLICITED and not self.flooded:
                    self.flooded = True
                    self.transport.abort()
            super().process_event(event)

    return Watched


def _resolve(host: str, seconds: float) -> str | None:
    """``host``'s first address, looked up in a daemon thread and given up after ``seconds`` (None)."""
    if not host:
        return None
    found: list[str] = []

    def lookup() -> None:
        with contextlib.suppress(OSError):
            found.append(str(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0]))

    worker = threading.Thread(target=lookup, name="probe-resolve", daemon=True)
    worker.start()
    worker.join(seconds)
    return found[0] if found else None


def _addresses(host: str, seconds: float) -> list[str]:
    """``host``'s addresses of the family listed first, looked up in a daemon thread, given up after ``seconds``."""
    found: list[list[str]] = []

    def lookup() -> None:
        with contextlib.suppress(OSError, UnicodeError):
            answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            family = answers[0][0]
            found.append(list(dict.fromkeys(str(a[4][0]) for a in answers if a[0] == family)))

    if host:
        worker = threading.Thread(target=lookup, name="probe-resolve", daemon=True)
        worker.start()
        worker.join(seconds)
    return found[0] if found else []


def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    """End a request that outlived its deadline: shut its socket down, so the blocked read returns."""
    cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            # socket.socket's own shutdown, not SSLSocket's, which would drop the TLS state under the reader.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


# After an interruption, how long the probe waits for its threads to end between requests before it reports.
STOP_GRACE_S = 0.5


class ProbeInterruptedError(Exception):
    """A signal stopped the probe: what was measured until then, and the interruption, for the command to report
    both (a probe's partial figures are what a user stopping a long one wants to see)."""

    def __init__(self, results: list[ProbeResult], interruption: KeyboardInterrupt) -> None:
        super().__init__("probe interrupted")
        self.results, self.interruption = results, interruption


def probe_all(urls: list[str], vias: list[ConnectTo | None] | None = None, **options: Any) -> list[ProbeResult]:
    """Probe the URLs side by side (same duration, same load), each in threads of its own; ``vias[i]``, when
    given, is where URL i's connections go (its host still the SNI name, Host header and certificate name).

    An interruption (KeyboardInterrupt, raised in this thread by the CLI's signal handlers) stops every prober
    within a pause and raises ProbeInterruptedError with what they measured."""
    targets = vias or [None] * len(urls)
    probers = [Prober(url, connect_to=via, **options) for url, via in zip(urls, targets, strict=True)]
    results: list[ProbeResult | None] = [None] * len(probers)
    stop = threading.Event()
    # Waited for by events, not Thread.join: a join that a KeyboardInterrupt breaks can leave CPython 3.11 taking
    # the thread for ended, and a second join returns before the prober has stored its result.
    done = [threading.Event() for _ in probers]

    def run(index: int) -> None:
        try:
            results[index] = probers[index].run(stop)
        finally:
            done[index].set()

    for index in range(len(probers)):
        threading.Thread(target=run, args=(index,), daemon=True).start()
    try:
        for event in done:
            wait_awake(event)  # a signal stops the wait at once, whichever thread the system handed it to
    except KeyboardInterrupt as error:
        stop.set()
        # The figures at the moment of the stop: a request in flight may hold its thread up to --timeout.
        snapshots = [prober.snapshot() for prober in probers]
        ends = time.monotonic() + STOP_GRACE_S  # a moment for the threads to close what they hold
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C: report at once
            for event in done:
                event.wait(max(0.0, ends - time.monotonic()))
        raise ProbeInterruptedError(snapshots, error) from None
    return [r for r in results if r is not None]


def render(results: list[ProbeResult]) -> str:
    rows = [("", *[r.label for r in results])]
    http = [r.http.as_dict() for r in results]
    for key in ("requests", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms"):
        rows.append((f"http {key}", *["no data" if h[key] is None else str(h[key]) for h in http]))
    if any(h["error_reasons"] for h in http):
        reasons = [", ".join(f"{k} x{v}" for k, v in h["error_reasons"].items()) or "-" for h in http]
        rows.append(("http error reasons", *reasons))
    if any(r.websocket for r in results):
        ws = [r.websocket.as_dict() if r.websocket else {} for r in results]
        keys = ("connections", "attempts", "connect_errors", "drops", "echo_failures", "reconnects", "messages")
        for key in (*keys, "rtt_p50_ms", "rtt_p99_ms"):
            cells = ["no data" if w.get(key, "-") is None else str(w.get(key, "-")) for w in ws]
            rows.append((f"websocket {key}", *cells))
        if any(w.get("error_reasons") for w in ws):
            reasons = [", ".join(f"{k} x{v}" for k, v in w.get("error_reasons", {}).items()) or "-" for w in ws]
            rows.append(("websocket error reasons", *reasons))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
