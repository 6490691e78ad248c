"""A real nginx serving configuration typed out by hand from ingress-nginx's template, against migrate.

tests/test_real_nginx.py writes its nginx configuration from ``albops.migrate.routes``' own model, so a
model that is wrong in the same way as the converter passes there. Here the nginx side of every case
(tests/nginx_handwritten.py) was written from ingress-nginx controller-v1.15.1's sources, and each request's
outcome from the real nginx (backend and upstream URI, redirect, or status) must equal

- what the ALB does with ``migrate``'s output (listener rules in the controller's order, via
  ``routes.alb_route``, plus the group's ssl-redirect on the HTTP listener), and
- what ``routes.nginx_route`` (the model) says, where the model covers the case.

A disagreement fails naming the case and the request. Two differences are accepted, each only when the report
calls it approximated: a redirect status the ALB cannot give (ALB redirects are 301 or 302), and the one
trailing '/' ingress-nginx's HTTPS redirect drops (lua_ingress.lua) where the ALB's ssl-redirect keeps it.

Needs Debian's ``nginx`` (or ``nginx-light``); skipped with a note when it is not installed.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from albingress.facts.go_values import nginx_bool
from albops.migrate import Options, Report, migrate
from albops.migrate.https_redirect import TRAILING_SLASH
from albops.migrate.routes import (
    ALB,
    NGINX,
    AlbRequest,
    Location,
    alb_route,
    nginx_auto_redirect,
    nginx_blocks,
    nginx_route,
    wildcard_regex,
)
from tests.nginx_handwritten import CASES, Hand

NGINX_BIN = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(
    NGINX_BIN is None, reason="nginx is not installed (apt-get install nginx-light); the hand-written cases need it"
)

# (kind, a, b): ("forward", service, upstream URI) | ("redirect", code, absolute URL) | ("status", code, "")
Outcome = tuple[str, str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(root: Path, port: int, backend: int) -> str:
    """The http block: the cases' servers as written, ingress-nginx's catch-all, and an echo backend."""
    servers = "\n".join(case.nginx for case in CASES).replace("server {", f"server {{ listen 127.0.0.1:{port};")
    temp = " ".join(f"{kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off; {temp}
  # nginx.tmpl l. 449-451 (escapeLiteralDollar), l. 453-454; upstream_balancer stands for the Lua balancer.
  geo $literal_dollar {{ default "$"; }}
  server_name_in_redirect off;
  port_in_redirect off;
  upstream upstream_balancer {{ server 127.0.0.1:{backend}; }}
  # What each location set (nginx.tmpl l. 1152-1156), reported back to the test.
  add_header X-Svc $service_name always;
  add_header X-Ing $ingress_name always;
  add_header X-Path $location_path always;
  server {{ listen 127.0.0.1:{backend}; location / {{ return 200 "$request_uri"; }} }}
  # nginx.tmpl l. 669-680: the catch-all for hosts no server names.
  server {{ listen 127.0.0.1:{port} default_server; location / {{ return 404; }} }}
{servers}
}}
"""


@pytest.fixture(scope="module")
def nginx_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    assert NGINX_BIN is not None
    root = tmp_path_factory.mktemp("nginx-hand")
    port, backend = _free_port(), _free_port()
    (root / "nginx.conf").write_text(_config(root, port, backend), encoding="utf-8")
    process = subprocess.Popen(
        [NGINX_BIN, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (root / "error.log").read_text() if (root / "error.log").exists() else ""
                pytest.fail(f"nginx did not start: {process.stderr.read().decode() if process.stderr else ''}{log}")
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _url(url: str) -> str:
    """An absolute URL with the scheme's default port and an empty path written out the same way on both sides."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}{parts.path or '/'}{query}"


def ask_nginx(port: int, host: str, uri: str) -> Outcome:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", uri, headers={"Host": host})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    if response.status == 200:
        return ("forward", response.getheader("X-Svc", ""), body)
    if 300 <= response.status < 400:
        return ("redirect", str(response.status), _url(response.getheader("Location", "")))
    return ("status", str(response.status), "")


def documents(case: Hand) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(case.ingresses) if d]


def converted(case: Hand) -> tuple[list[Any], Report]:
    return migrate(documents(case), Options(group="hand"))


def _alb_groups(output: list[Any]) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for doc in output:
        if isinstance(doc, dict) and doc.get("kind") == "Ingress":
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            groups.setdefault(str(annotations.get(ALB + "group.name")), []).append(doc)
    return groups


def _serves(members: list[Mapping[str, Any]], host: str) -> bool:
    """Whether DNS would send ``host`` to this group's ALB: a rule's host, or a host-header regex condition
    (a wildcard host one label deep is written as a rule without a host and such a condition)."""
    hosts = {str(r.get("host") or "") for m in members for r in (m.get("spec") or {}).get("rules") or []}
    if any(re.fullmatch(wildcard_regex(h), host, re.I) for h in hosts if h):
        return True
    for member in members:
        for key, value in ((member.get("metadata") or {}).get("annotations") or {}).items():
            if key.startswith(ALB + "conditions."):
                for condition in json.loads(value):
                    regexes = (condition.get("hostHeaderConfig") or {}).get("regexValues") or []
                    if any(re.search(r, host) for r in regexes):
                        return True
    return False


def _redirect_url(config: Mapping[str, str], host: str, uri: str) -> str:
    """An ALB redirect action's target for a plain-HTTP request, its #{...} placeholders filled in."""
    path, _, query = uri.partition("?")
    values = {"#{protocol}": "HTTP", "#{host}": host, "#{port}": "80", "/#{path}": path, "#{query}": query}

    def fill(key: str, default: str) -> str:
        text = str(config.get(key, default))
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    rest = fill("query", "#{query}")
    return _url(
        f"{fill('protocol', '#{protocol}').lower()}://{fill('host', '#{host}')}:{fill('port', '#{port}')}"
        f"{fill('path', '/#{path}')}" + (f"?{rest}" if rest else "")
    )


def ask_alb(output: list[Any], host: str, uri: str) -> Outcome:
    """The ALB of the group that serves ``host``, asked over plain HTTP (the controller, v3.5.0)."""
    serving = [members for members in _alb_groups(output).values() if _serves(members, host)]
    if not serving:
        return ("status", "404", "")  # no ALB answers for the host: nothing to route it
    members = serving[0]
    # model_build_listener_rules.go buildListenerRules: with ssl-redirect the HTTP listener has no rules, its
    # default action redirects (ssl_redirect_config.go: HTTPS, port 443, 301, host, path and query kept).
    if any(ALB + "ssl-redirect" in ((m.get("metadata") or {}).get("annotations") or {}) for m in members):
        path, _, query = uri.partition("?")
        return ("redirect", "301", _url(f"https://{host}:443{path}" + (f"?{query}" if query else "")))
    outcome = alb_route(members, AlbRequest(host, uri))
    if outcome is None:
        return ("status", "404", "")  # the listener's default action: a 404 fixed response
    if outcome.kind == "forward":
        return ("forward", outcome.targets[0][0], outcome.upstream)
    if outcome.kind == "redirect":
        code = str(outcome.redirect.get("statusCode", "HTTP_301")).removeprefix("HTTP_")
        return ("redirect", code, _redirect_url(outcome.redirect, host, uri))
    return ("status", str(outcome.redirect.get("statusCode", "")), "")


def model_locations(case: Hand, host: str) -> list[Location]:
    """The model's input for one host, read from the Ingress YAML as ingress-nginx reads it."""
    out: list[Location] = []
    for doc in documents(case):
        meta = doc["metadata"]
        annotations = meta.get("annotations") or {}
        name = f"{meta.get('namespace', 'default')}/{meta['name']}"
        rewrite = annotations.get(NGINX + "rewrite-target")
        use_regex = nginx_bool(annotations.get(NGINX + "use-regex"), False)
        opened = False
        for rule in doc["spec"].get("rules") or []:
            if rule.get("host") != host:
                continue
            opened = True
            for path in rule["http"]["paths"]:
                service = path["backend"]["service"]["name"]
                out.append(Location(name, host, path["path"], path["pathType"], service, {}, rewrite, use_regex))
        backend = (doc["spec"].get("defaultBackend") or {}).get("service")
        if opened and backend and not any(loc.path == "/" for loc in out):
            out.append(Location(name, host, "/", "Prefix", backend["name"], {}, rewrite, use_regex))
    return out


def ask_model(case: Hand, host: str, uri: str) -> Outcome:
    blocks = nginx_blocks(model_locations(case, host))
    moved = nginx_auto_redirect(blocks, uri)
    if moved is not None:  # nginx answers before routing: a 301 to the location's name
        return ("redirect", "301", _url(f"http://{host}{moved}"))
    routed = nginx_route(blocks, uri)
    return ("forward", routed[0].service, routed[1]) if routed else ("status", "404", "")


def _admitted(report: Report, real: Outcome, alb: Outcome, ingresses: set[str]) -> bool:
    """Two differences the ALB cannot avoid, each only where the report calls it approximated:

    - a redirect status it cannot give, the finding naming nginx's code;
    - the one trailing '/' ingress-nginx's HTTPS redirect drops and the ALB's ssl-redirect keeps, the finding
      (preserve-trailing-slash, on an Ingress of the request's host) saying so.
    """
    if not real[0] == alb[0] == "redirect":
        return False
    approximated = [f for f in report.findings if f.status == "approximated"]
    same_code = real[1] == alb[1] or any(real[1] in f.detail for f in approximated)
    slash = alb[2].endswith("/") and real[2] == alb[2][:-1] and urlsplit(real[2]).path not in ("", "/")
    same_url = real[2] == alb[2] or (
        slash
        and any(
            f.ingress in ingresses and f.annotation == NGINX + "preserve-trailing-slash" and TRAILING_SLASH in f.detail
            for f in approximated
        )
    )
    return same_code and same_url


def _ingresses_of(case: Hand, host: str) -> set[str]:
    """namespace/name of the case's Ingresses with a rule for ``host``."""
    return {
        f"{doc['metadata'].get('namespace', 'default')}/{doc['metadata']['name']}"
        for doc in documents(case)
        if any(rule.get("host") == host for rule in doc["spec"].get("rules") or [])
    }


def _param(case: Hand, reason: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.name, marks=marks)


def test_cases_are_many_and_distinct() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 20 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", [_param(c, c.alb_xfail) for c in CASES])
def test_converted_alb_rules_route_as_the_hand_written_nginx(nginx_port: int, case: Hand) -> None:
    output, report = converted(case)
    wrong = []
    for request in case.requests:
        host, uri = request.split(" ", 1)
        real, alb = ask_nginx(nginx_port, host, uri), ask_alb(output, host, uri)
        if real != alb and not _admitted(report, real, alb, _ingresses_of(case, host)):
            wrong.append(f"{request}: nginx {real}, ALB {alb}")
    assert not wrong, f"case {case.name}: the converted ALB rules disagree with nginx:\n" + "\n".join(wrong)


@pytest.mark.parametrize("case", [_param(c, c.model_xfail) for c in CASES if c.model])
def test_the_model_routes_as_the_hand_written_nginx(nginx_port: int, case: Hand) -> None:
    wrong = []
    for request in case.requests:
        host, uri = request.split(" ", 1)
        real, modelled = ask_nginx(nginx_port, host, uri), ask_model(case, host, uri)
        if real != modelled:
            wrong.append(f"{request}: nginx {real}, model {modelled}")
    assert not wrong, f"case {case.name}: routes.nginx_route disagrees with nginx:\n" + "\n".join(wrong)
