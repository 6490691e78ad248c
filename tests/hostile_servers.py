"""Endpoints on 127.0.0.1 that misbehave as real ones do: silent after accept, a reply trickled a byte at a time
for ever, a fixed answer (401, 403, an HTML page), and a proxy to moto that carries out chosen requests and
then never answers them (the delete whose answer never came).

Each stops when its block ends (a ``threading.Event`` the handlers watch), so no test leaves a server behind.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.tcp_servers import raw_server


def _read_request(client: socket.socket) -> None:
    """Read until the end of the request's headers (or a pause), so the client is waiting for an answer."""
    client.settimeout(0.5)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return
            data += chunk
    except OSError:
        return


@contextmanager
def silent() -> Iterator[str]:
    """Accepts, reads the request, and never says a word; yields its URL."""

    def handle(client: socket.socket, stop: threading.Event) -> None:
        _read_request(client)
        stop.wait()

    with raw_server(handle) as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def trickling(interval: float = 0.1) -> Iterator[str]:
    """Answers one byte every ``interval`` seconds, for ever: each read is quick, the reply never ends."""

    def handle(client: socket.socket, stop: threading.Event) -> None:
        _read_request(client)
        reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 100_000
        for byte in reply:
            if stop.wait(interval):
                return
            client.sendall(bytes([byte]))

    with raw_server(handle) as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def answering(status: int, content_type: str, body: bytes) -> Iterator[str]:
    """Answers every request with one fixed reply (a 401, a 403, a proxy's HTML page)."""
    reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}.get(status, "Status")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"

    def handle(client: socket.socket, stop: threading.Event) -> None:
        _read_request(client)
        client.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    with raw_server(handle) as port:
        yield f"http://127.0.0.1:{port}"


@dataclass
class Proxy:
    """A proxy's URL, and the requests it carried out and then left unanswered."""

    url: str
    held: list[bytes] = field(default_factory=list)


@contextmanager
def holding_proxy(upstream: str, hold: Callable[[str, str, bytes], bool]) -> Iterator[Proxy]:
    """Forward every request to ``upstream`` (moto, the fake API server); those ``hold(method, path, body)``
    picks are carried out, and their answer is never sent (the client waits until the block ends)."""
    target = urlsplit(upstream)
    stop = threading.Event()
    proxy = Proxy("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            upstream_connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
            upstream_connection.request(self.command, self.path, body=body, headers=headers)
            answer = upstream_connection.getresponse()
            data = answer.read()
            upstream_connection.close()
            if hold(self.command, self.path, body):
                proxy.held.append(f"{self.command} {self.path}".encode() + b" " + body)
                stop.wait()  # done upstream; the answer never comes
                return
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "content-length", "connection", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _forward  # noqa: N815 - the names http.server dispatches to

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    proxy.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield proxy
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
