"""HTTPS and WebSocket sites on 127.0.0.1 that stand in for a load balancer behind a cutover gate.

Each records what the gate's probe sent (the SNI name, the Host header, the path), so a test proves the probe
spoke to HOST at the load balancer's address, and misbehaves on request: a share of 503s, slow answers, a
WebSocket that never echoes or closes after the first echo, a certificate for another name.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.tls_servers import serving

HOST = "www.example.test"


@dataclass
class Behaviour:
    fail_every: int | None = None  # every Nth plain request answers 503
    delay_s: float = 0.0  # each plain answer waits this long
    ws: str = "echo"  # "echo", "silent" (upgrade, never echo) or "close" (echo once, then close)
    redirect: str | None = None  # every plain request answers 302 with this Location


@dataclass
class Site:
    port: int
    ca_file: str
    sni: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def site(folder: Path, behaviour: Behaviour | None = None, names: tuple[str, ...] = (HOST,)) -> Iterator[Site]:
    """Serve HTTPS (certificate for ``names``, CA in ``folder``) until the block ends."""
    how = behaviour or Behaviour()
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    found = Site(0, str(ca_file))

    def on_sni(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        found.sni.append(name)

    context.sni_callback = on_sni
    counter = [0]

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        found.hosts.append(request.headers.get("Host", ""))
        found.paths.append(request.path)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        counter[0] += 1
        if how.delay_s:
            await asyncio.sleep(how.delay_s)
        if how.redirect is not None:
            return Response(302, "Found", Headers({"Content-Length": "0", "Location": how.redirect}), b"")
        if how.fail_every and counter[0] % how.fail_every == 0:
            return Response(503, "Service Unavailable", Headers({"Content-Length": "4"}), b"down")
        return Response(200, "OK", Headers({"Content-Length": "2"}), b"ok")

    async def handler(connection: ServerConnection) -> None:
        try:
            if how.ws == "silent":
                await connection.wait_closed()
                return
            async for message in connection:
                await connection.send(message)
                if how.ws == "close":
                    await connection.close()
                    return
        except ConnectionClosed:
            return

    with serving(context, handler, process_request) as port:
        found.port = port
        yield found


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
