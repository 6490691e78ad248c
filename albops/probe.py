"""``albops probe``: measure an endpoint instead of guessing, side by side with another if asked.

HTTP: requests at a fixed rate for the duration, latency percentiles by the nearest-rank method.
WebSocket: N connections held open for the duration, each sending a message every second and timing
its echo; a connection that closes before the end is a drop, and is reopened (a reconnect) so the run
goes on. Everything is bounded (duration, rate, connections) and stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import math
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MAX_DURATION_S = 3600.0
MAX_RATE = 200.0
MAX_CONNECTIONS = 500


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
    rtts_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        measured = bool(self.rtts_ms)  # no echo at all: no round-trip time, not 0 ms
        return {
            "connections": self.connections,
            "connect_errors": self.connect_errors,
            "drops": self.drops,
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

    @property
    def failed(self) -> bool:
        """Any failed request or dropped WebSocket, or no completed request at all (nothing measured)."""
        no_data = not self.http.latencies_ms
        ws = self.websocket
        return self.http.errors > 0 or no_data or (ws is not None and (ws.drops > 0 or ws.connect_errors > 0))

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"url": self.url, "duration_s": self.duration_s, "http": self.http.as_dict()}
        document["websocket"] = self.websocket.as_dict() if self.websocket is not None else None
        return document


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
            raise ValueError(f"{connections} connections is out of range; use 0 to {MAX_CONNECTIONS}")
        self.url = url
        self.parts = parts
        self.duration_s = duration_s
        self.rate = rate
        self.connections = connections
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None

    def run(self) -> ProbeResult:
        http_stats = HttpStats()
        ws_stats = WebSocketStats() if self.connections else None
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
        return ProbeResult(self.url, self.duration_s, http_stats, ws_stats)

    # -- HTTP ----------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        host, port = self.parts.hostname or "", self.parts.port
        if self.context is not None:
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self.context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def _http_load(self, stats: HttpStats, deadline: float) -> None:
        path = (self.parts.path or "/") + (f"?{self.parts.query}" if self.parts.query else "")
        interval = 1 / self.rate
        next_at = time.monotonic()
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.monotonic()))
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
                elif response.status >= 400:
                    stats.fail(f"HTTP {response.status}")
                else:
                    stats.latencies_ms.append((time.perf_counter() - start) * 1000)
            except (OSError, http.client.HTTPException, ValueError) as error:
                # Timeouts, refused connections, and replies that are not HTTP (garbage, a header block over
                # http.client's limits): each a counted error with its reason, never a dead worker thread.
                stats.fail(f"no complete answer within {self.timeout:g} s" if cut.is_set() else type(error).__name__)
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
        asyncio.run(self._hold_async(stats, deadline, index))

    async def _hold_async(self, stats: WebSocketStats, deadline: float, index: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        first = True
        sequence = 0
        # The name is looked up here, bounded: asyncio would look it up in its executor's worker thread, which
        # the interpreter waits for at exit, so a lookup that never returns held the probe past its bound.
        host = self.parts.hostname or ""
        address = _resolve(host, self.timeout)
        if address is None:
            with stats.lock:
                stats.connect_errors += 1
            return
        while time.monotonic() < deadline:
            if not first:
                with stats.lock:
                    stats.reconnects += 1
            try:
                port = self.parts.port or (443 if self.context is not None else 80)
                tls: dict[str, Any] = {"ssl": self.context, "server_hostname": host} if self.context else {}
                opening = connect(self._ws_uri(), host=address, port=port, open_timeout=self.timeout, proxy=None, **tls)
                async with opening as ws:
                    if first:
                        with stats.lock:
                            stats.connections += 1
                    first = False
                    while time.monotonic() < deadline:
                        sequence += 1
                        message = f"probe-{index}-{sequence}"
                        sent = time.perf_counter()
                        await ws.send(message)
                        async with asyncio.timeout(self.timeout):
                            while await ws.recv() != message:  # skip anything else the server says (a greeting)
                                pass
                        with stats.lock:
                            stats.rtts_ms.append((time.perf_counter() - sent) * 1000)
                        await asyncio.sleep(max(0.0, min(1.0, deadline - time.monotonic())))
                    return
            except (OSError, TimeoutError, WebSocketException):
                if time.monotonic() >= deadline:
                    return
                with stats.lock:
                    if first:
                        stats.connect_errors += 1
                    else:
                        stats.drops += 1
                await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


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


def _cut(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    """End a request that outlived its deadline: shut its socket down, so the blocked read returns."""
    cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            # socket.socket's own shutdown, not SSLSocket's, which would drop the TLS state under the reader.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def probe_all(urls: list[str], **options: Any) -> list[ProbeResult]:
    """Probe the URLs side by side (same duration, same load), each in threads of its own."""
    probers = [Prober(url, **options) for url in urls]
    results: list[ProbeResult | None] = [None] * len(probers)

    def run(index: int) -> None:
        results[index] = probers[index].run()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(probers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


def render(results: list[ProbeResult]) -> str:
    rows = [("", *[r.url for r in results])]
    http = [r.http.as_dict() for r in results]
    for key in ("requests", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms"):
        rows.append((f"http {key}", *["no data" if h[key] is None else str(h[key]) for h in http]))
    if any(h["error_reasons"] for h in http):
        reasons = [", ".join(f"{k} x{v}" for k, v in h["error_reasons"].items()) or "-" for h in http]
        rows.append(("http error reasons", *reasons))
    if any(r.websocket for r in results):
        ws = [r.websocket.as_dict() if r.websocket else {} for r in results]
        for key in ("connections", "connect_errors", "drops", "reconnects", "messages", "rtt_p50_ms", "rtt_p99_ms"):
            cells = ["no data" if w.get(key, "-") is None else str(w.get(key, "-")) for w in ws]
            rows.append((f"websocket {key}", *cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
