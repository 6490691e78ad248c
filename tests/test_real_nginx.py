"""The ingress-nginx side, taken from a real nginx: generated cases are written out as ingress-nginx's
template writes them (``location ~* "^path"`` on regex hosts, ``rewrite "(?i)path" target break;``,
exact and prefix locations otherwise, its location order, a default root location answering 404),
served on 127.0.0.1, and every request's backend and upstream URI is compared with both the model in
``albops.migrate.routes`` and the converted ALB rules.

Needs Debian's ``nginx`` (or ``nginx-light``); skipped with a note when it is not installed.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from albops.migrate import Options, migrate
from albops.migrate.gateway_model import gateway_route
from albops.migrate.routes import AlbRequest, alb_route, nginx_blocks, nginx_route, regex_host
from tests.routing_cases import HOST, Case, generate, locations

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light); the model is still tested"
)
CASES = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server(index: int, case: Case, backend_port: int) -> str:
    locs = locations(case)
    blocks = nginx_blocks(locs)
    lines = [f"  server {{ listen 127.0.0.1:{{port}}; server_name case{index}.test;"]
    for block in blocks:
        loc = block.location
        quoted = block.path.replace("\\", "\\\\").replace('"', '\\"')
        where = {"~*": f'~* "^{quoted}"', "=": f'= "{quoted}"', "": f'"{quoted}"'}[block.modifier]
        rewrite = (
            f'rewrite "(?i){quoted}" {loc.rewrite} break; ' if block.modifier == "~*" and loc.needs_rewrite else ""
        )
        lines.append(
            f"    location {where} {{ {rewrite}proxy_set_header X-Svc {loc.service}; "
            f"proxy_pass http://127.0.0.1:{backend_port}; }}"
        )
    if not any(block.path == "/" for block in blocks):  # ingress-nginx's root location: the default backend
        root = '~* "^/"' if regex_host(locs) else "/"
        lines.append(f"    location {root} {{ return 404; }}")
    lines.append("  }")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[Case]]]:
    assert NGINX is not None
    root = tmp_path_factory.mktemp("nginx")
    rng = random.Random(2026)
    cases = [generate(rng) for _ in range(CASES)]
    port, backend = _free_port(), _free_port()
    servers = "\n".join(_server(i, case, backend) for i, case in enumerate(cases)).replace("{port}", str(port))
    temp = " ".join(f"{kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(
        f"""
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off; {temp}
  server {{ listen 127.0.0.1:{backend}; location / {{ return 200 "$http_x_svc $request_uri"; }} }}
{servers}
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"nginx did not start: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.05)
    yield port, cases
    process.terminate()
    process.wait(timeout=10)


def _ask(port: int, host: str, uri: str) -> tuple[str, str] | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{uri}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            service, upstream = response.read().decode().split(" ", 1)
            return service, upstream
    except urllib.error.HTTPError as error:
        assert error.code == 404, error
        return None


def test_the_model_and_the_converted_alb_rules_agree_with_a_real_nginx(served: tuple[int, list[Case]]) -> None:
    port, cases = served
    compared = exact_cases = 0
    for index, case in enumerate(cases):
        converted, report = migrate(case.ingresses, Options(group="g"))
        blocks = nginx_blocks(locations(case))
        for uri in case.requests:
            real = _ask(port, f"case{index}.test", uri)
            modelled = nginx_route(blocks, uri)
            assert real == ((modelled[0].service, modelled[1]) if modelled else None), (index, uri, case.ingresses)
            if report.exact:
                outcome = alb_route(converted, AlbRequest(HOST, uri))
                alb = (outcome.targets[0][0], outcome.upstream) if outcome else None
                assert alb == real, (index, uri, case.ingresses)
            compared += 1
        exact_cases += report.exact
    assert compared > 1000 and exact_cases >= CASES * 0.8


def test_exact_gateway_conversions_agree_with_a_real_nginx(served: tuple[int, list[Case]]) -> None:
    """migrate --to gateway: wherever the report says exact, the Gateway rules (the controller's precedence and
    rewrites, gateway_model) send every request where the real nginx sent it, rewritten the same way."""
    port, cases = served
    compared = exact_cases = 0
    for index, case in enumerate(cases):
        converted, report = migrate(case.ingresses, Options(group="g", to="gateway"))
        if not report.exact:
            continue
        exact_cases += 1
        for uri in case.requests:
            outcome = gateway_route(converted, AlbRequest(HOST, uri))
            assert ((outcome.targets[0][0], outcome.upstream) if outcome else None) == _ask(
                port, f"case{index}.test", uri
            ), (index, uri, case.ingresses)
            compared += 1
    assert exact_cases >= CASES * 0.15 and compared > 100
