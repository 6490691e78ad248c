"""A WebSocket and HTTPS server on 127.0.0.1 with a throwaway CA, for the commands that speak TLS to an ALB.

It is websockets' asyncio server on an event loop of its own: its threaded server reads and writes one TLS
socket from two threads, which now and then loses a request over TLS 1.3 (the clients' reason too).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

HOST = "www.example.test"


@dataclass(frozen=True)
class TlsSite:
    port: int
    ca_file: str


@contextmanager
def tls_websocket_server(
    folder: Path,
    handler: Callable[[ServerConnection], Awaitable[None]],
    process_request: Callable[[ServerConnection, Request], Awaitable[Response | None]],
    names: tuple[str, ...] = (HOST,),
) -> Iterator[TlsSite]:
    """Serve ``names`` (host names or IP addresses) over TLS (1.2 and 1.3, as an ALB's policies do) until the
    block ends; the CA that signed its certificate is written to ``folder/ca.pem``."""
    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    with serving(context, handler, process_request) as port:
        yield TlsSite(port, str(ca_file))


@contextmanager
def serving(
    context: ssl.SSLContext,
    handler: Callable[[ServerConnection], Awaitable[None]],
    process_request: Callable[[ServerConnection, Request], Awaitable[Response | None]],
) -> Iterator[int]:
    """websockets' asyncio server on 127.0.0.1 with ``context`` on a loop of its own, until the block ends;
    yields its port."""
    loop = asyncio.new_event_loop()
    started: list[Server] = []
    ready = threading.Event()

    async def run() -> None:
        server = await serve(handler, "127.0.0.1", 0, ssl=context, process_request=process_request)
        started.append(server)
        ready.set()
        await server.wait_closed()

    thread = threading.Thread(target=loop.run_until_complete, args=(run(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the TLS server did not start"
    server = started[0]
    try:
        yield next(iter(server.sockets)).getsockname()[1]
    finally:
        loop.call_soon_threadsafe(server.close)
        thread.join(10)
        loop.close()
