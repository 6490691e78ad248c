"""``albops verify`` against local HTTP, HTTPS and WebSocket servers on 127.0.0.1 with a throwaway CA.

The HTTPS server plays the ALB and the echoserver together: it strips the path
prefix (or not), adds the headers an ALB adds (or not), answers the fixed
response path, and echoes WebSocket messages on the echo path.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from albops.__main__ import main
from albops.cluster.aws import AwsSession
from albops.cluster.verify import Check, Expectations, Verifier
from tests.tcp_servers import raw_server
from tests.tls_servers import HOST, TlsSite, tls_websocket_server


@dataclass
class Behaviour:
    """How the fake ALB behaves; each field breaks one thing a check must notice."""

    strip_prefix: bool = True
    alb_headers: bool = True
    redirect: bool = True
    fixed_status: int = 200
    echo_websocket: bool = True
    drop_handshakes: int = 0  # opening handshakes to close without any answer
    handshakes: int = 0  # WebSocket opening handshakes the server has read
    stall_handshakes: int = 0  # opening handshakes to leave unanswered for stall_seconds
    stall_seconds: float = 0.0
    silent_websocket: bool = False  # accept the WebSocket, never echo


@dataclass
class Site:
    https_port: int
    http_port: int
    ca_file: str
    behaviour: Behaviour


def _echo_body(path: str, behaviour: Behaviour) -> str:
    seen = path.removeprefix("/echo") or "/" if behaviour.strip_prefix else path
    lines = ["Request served by echoserver-7d9f", "", f"GET {seen} HTTP/1.1", "", f"Host: {HOST}"]
    if behaviour.alb_headers:
        lines += ["X-Amzn-Trace-Id: Root=1-00000000-000000000000000000000000", "X-Forwarded-For: 203.0.113.7"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    behaviour = Behaviour()

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            behaviour.handshakes += 1
            if behaviour.stall_handshakes > 0:
                behaviour.stall_handshakes -= 1
                await asyncio.sleep(behaviour.stall_seconds)
                return _response(503, "too late")
            if behaviour.drop_handshakes > 0:
                behaviour.drop_handshakes -= 1
                connection.transport.abort()  # closed without any answer
                return _response(500, "dropped")
            return None if behaviour.echo_websocket else _response(404, "no websocket here")
        if request.path == "/":
            return _response(behaviour.fixed_status, "Path is /")
        if request.path.startswith("/echo"):
            return _response(200, _echo_body(request.path, behaviour))
        return _response(404, "not found")

    async def handler(connection: ServerConnection) -> None:
        async for message in connection:
            if not behaviour.silent_websocket:
                await connection.send(message)

    with tls_websocket_server(tmp_path, handler, process_request) as tls:
        yield from _with_redirect(tls, behaviour)


def _with_redirect(tls: TlsSite, behaviour: Behaviour) -> Iterator[Site]:
    """The plain-HTTP listener beside the TLS one: the redirect to it (or not)."""
    https_port = tls.port

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if behaviour.redirect:
                self.send_response(301)
                self.send_header("Location", f"https://{HOST}:{https_port}{self.path}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    plain = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=plain.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield Site(https_port, plain.server_port, tls.ca_file, behaviour)
    finally:
        plain.shutdown()


def _response(status: int, body: str) -> Response:
    data = body.encode()
    headers = Headers({"Content-Type": "text/plain", "Content-Length": str(len(data))})
    return Response(status, "OK" if status < 400 else "Error", headers, data)


def _verify(site: Site, timeout: float = 20, **overrides: Any) -> dict[str, Any]:
    expect = Expectations(
        host=HOST,
        https_port=site.https_port,
        http_port=site.http_port,
        fixed_path="/",
        fixed_status=200,
        fixed_body="Path is /",
        **overrides,
    )
    # Generous per-check timeout: the suite shares two cores, and a check only waits when it fails.
    checks = Verifier(expect, resolver=lambda host: ["127.0.0.1"], ca_file=site.ca_file, timeout=timeout).run()
    return {c.name: c for c in checks}


def test_a_healthy_site_passes_every_check(site: Site) -> None:
    checks = _verify(site)
    assert [str(c) for c in checks.values() if not c.ok] == []
    assert set(checks) == {"dns", "http redirect", "certificate", "echo", "websocket", "fixed response"}
    assert "through the ALB" in checks["echo"].detail


@pytest.mark.parametrize(
    ("broken", "failing"),
    [
        ("strip_prefix", "echo"),
        ("alb_headers", "echo"),
        ("redirect", "http redirect"),
        ("echo_websocket", "websocket"),
    ],
)
def test_each_fault_fails_its_own_check_only(site: Site, broken: str, failing: str) -> None:
    setattr(site.behaviour, broken, False)
    checks = _verify(site)
    assert [name for name, c in checks.items() if not c.ok] == [failing], [str(c) for c in checks.values()]


def test_a_wrong_fixed_response_is_caught(site: Site) -> None:
    site.behaviour.fixed_status = 503
    checks = _verify(site)
    assert not checks["fixed response"].ok and "503" in checks["fixed response"].detail


def test_auto_mode_expects_the_prefix_kept(site: Site) -> None:
    site.behaviour.strip_prefix = False
    assert _verify(site, rewrite=False)["echo"].ok


def test_a_certificate_for_another_host_fails(site: Site, tmp_path: Path) -> None:
    other = trustme.CA()
    bundle = tmp_path / "other.pem"
    other.cert_pem.write_to_path(str(bundle))
    site.ca_file = str(bundle)
    checks = _verify(site)
    assert not checks["certificate"].ok
    assert "CERTIFICATE_VERIFY_FAILED" in checks["certificate"].detail


def test_an_unresolvable_host_fails_dns_and_lists_every_other_check_as_not_run(site: Site) -> None:
    """The other checks connect to the address the name resolves to: each is listed as skipped, saying why,
    not left out of the table and the counts (found by the newcomer: '0 passed, 1 failed, 0 skipped')."""

    def nowhere(host: str) -> list[str]:
        raise OSError("Name or service not known")

    expect = Expectations(host=HOST, https_port=site.https_port, fixed_path="/", group="g", cluster="c")
    checks = Verifier(expect, resolver=nowhere, timeout=2).run()
    assert [(c.name, c.result) for c in checks] == [
        ("dns", "fail"),
        ("http redirect", "skip"),
        ("certificate", "skip"),
        ("echo", "skip"),
        ("websocket", "skip"),
        ("fixed response", "skip"),
        ("load balancer", "skip"),  # no AWS session was given (--no-aws)
    ]
    assert all(f"not run: the dns check failed, so there is no address for {HOST}" == c.detail for c in checks[1:6])
    assert checks[6].detail == "not run: no AWS session (--no-aws)"


def test_cli_url_mode_prints_a_line_per_check(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["verify", "--url", f"https://{HOST}:{site.https_port}/echo", "--ca-file", site.ca_file]
    argv += ["--http-port", str(site.http_port), "--resolve", f"{HOST}=127.0.0.1", "--timeout", "20"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("PASS") == 5 and "5 passed, 0 failed, 0 skipped" in out
    site.behaviour.redirect = False
    assert main(argv) == 1
    assert "FAIL  http redirect" in capsys.readouterr().out


def test_cli_json_is_one_document_with_each_check_and_the_exit_codes_meaning(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--url", f"https://{HOST}:{site.https_port}/echo", "--ca-file", site.ca_file, "--json"]
    argv += ["--http-port", str(site.http_port), "--resolve", f"{HOST}=127.0.0.1", "--timeout", "20"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)  # the whole of stdout: no table before or after it
    assert [c["result"] for c in document["checks"]] == ["pass"] * 5
    assert (document["passed"], document["failed"], document["exitCode"]) == (5, 0, 0)
    assert document["meaning"] == "every check that applies passed" and document["skipped"] == 0
    site.behaviour.redirect = False
    assert main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    failing = [c for c in document["checks"] if c["result"] == "fail"]
    assert [c["name"] for c in failing] == ["http redirect"] and "->" in failing[0]["reason"]
    assert (document["failed"], document["exitCode"], document["meaning"]) == (1, 1, "a check failed")


@pytest.mark.parametrize("api", ["ingress", "gateway"])
def test_cli_stack_mode_reads_outputs_and_checks_the_alb(
    site: Site, aws_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], api: str
) -> None:
    """In gateway mode the ALB is the Gateway's (tracked by its namespace/name), never the Ingress group's."""
    project = tmp_path / "project"
    project.mkdir()
    root = Path(__file__).resolve().parent.parent
    (project / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text())
    stack = (root / "Pulumi.stage.yaml").read_text()
    stack = stack.replace("host: www.example.com", f"host: {HOST}").replace("- HTTP: 80", f"- HTTP: {site.http_port}")
    stack = stack.replace("- HTTPS: 443", f"- HTTPS: {site.https_port}").replace(
        "sslRedirect: 443", f"sslRedirect: {site.https_port}"
    )
    if api == "gateway":
        stack = stack.replace("groupName: my-alb-group", "groupName: my-alb-group\n    api: gateway")
    (project / "Pulumi.stage.yaml").write_text(stack)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"controllerMode": "lbc", "clusterName": "stage"}))
    argv = ["verify", "--stack", "stage", "--project-dir", str(project), "--outputs", str(outputs)]
    argv += ["--ca-file", site.ca_file, "--resolve", f"{HOST}=127.0.0.1", "--timeout", "20"]
    _alb(site)  # the Ingress group's ALB
    if api == "gateway":
        assert main(argv) == 1
        assert "0 ALBs tagged for Gateway echoserver/my-alb-group" in capsys.readouterr().out
        _alb(site, gateway="echoserver/my-alb-group")
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS  load balancer" in out and "7 passed, 0 failed, 0 skipped" in out


def _alb(site: Site, gateway: str | None = None) -> None:
    """The ALB the controller would have made for group my-alb-group (or for the Gateway NAMESPACE/NAME), in moto."""
    aws = AwsSession("us-west-2")
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    prefix, owner = ("gateway.k8s.aws.alb", gateway) if gateway else ("ingress.k8s.aws", "my-alb-group")
    tags = [
        {"Key": "elbv2.k8s.aws/cluster", "Value": "stage"},
        {"Key": f"{prefix}/stack", "Value": owner},
        {"Key": f"{prefix}/resource", "Value": "LoadBalancer"},
    ]
    arn = elb.create_load_balancer(Name="k8s-myalbgroup-0123456789", Subnets=subnets, Tags=tags)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    certificate = aws.client("acm").request_certificate(DomainName=HOST)["CertificateArn"]
    redirect = {
        "Type": "redirect",
        "RedirectConfig": {"Protocol": "HTTPS", "Port": str(site.https_port), "StatusCode": "HTTP_301"},
    }
    elb.create_listener(LoadBalancerArn=arn, Protocol="HTTP", Port=site.http_port, DefaultActions=[redirect])
    elb.create_listener(
        LoadBalancerArn=arn,
        Protocol="HTTPS",
        Port=site.https_port,
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "3600"}]
    )


def test_stack_mode_names_a_missing_or_broken_outputs_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "outputs.json"
    broken.write_text("{")
    shapeless = tmp_path / "empty.json"
    shapeless.write_text("{}")
    cases = (
        (tmp_path / "missing.json", "no such file"),
        (broken, "line 1: not JSON"),
        (shapeless, "not this stack's outputs"),
    )
    for path, fragment in cases:
        assert main(["verify", "--stack", "stage", "--outputs", str(path)]) == 2
        err = capsys.readouterr().err
        assert fragment in err and str(path) in err and "Traceback" not in err


def test_one_dropped_websocket_handshake_is_tried_again_and_two_fail(site: Site) -> None:
    site.behaviour.drop_handshakes = 1
    check = _verify(site)["websocket"]
    assert check.ok, (check.detail, site.behaviour.handshakes)
    assert site.behaviour.handshakes == 2
    site.behaviour.drop_handshakes = 2
    check = _verify(site)["websocket"]
    # The cause in plain words, with what was talked to, not a Python exception's name.
    assert not check.ok and "did not receive a valid HTTP response" in check.detail and "wss://" in check.detail
    assert site.behaviour.handshakes == 4 and site.behaviour.drop_handshakes == 0


def test_an_unanswered_handshake_is_tried_again_within_the_deadline(site: Site) -> None:
    """The first opening handshake gets no answer for longer than half the deadline: a second one, on a new
    connection, is made in the time left (here 2.75 s of the 6), and the whole check stays within its deadline."""
    site.behaviour.stall_handshakes, site.behaviour.stall_seconds = 1, 3.5
    started = time.monotonic()
    check = _verify(site, timeout=6)["websocket"]
    assert check.ok, check.detail
    assert site.behaviour.handshakes == 2 and time.monotonic() - started < 6 * 6  # six checks, each bounded


def test_an_open_websocket_that_never_echoes_fails_without_a_second_try(site: Site) -> None:
    """Only an opening handshake is tried again: a WebSocket that opens and stays silent is a broken path."""
    site.behaviour.silent_websocket = True
    started = time.monotonic()
    check = _verify(site, timeout=1)["websocket"]
    assert not check.ok and "did not echo" in check.detail and "within 1 s" in check.detail
    assert site.behaviour.handshakes == 1 and time.monotonic() - started < 1 * 6


def _drip(client: socket.socket, stop: threading.Event) -> None:
    """A plain-HTTP answer, one byte every half second: it never finishes within a check's deadline."""
    for byte in b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://x/\r\n" * 100:
        if stop.is_set():
            return
        client.sendall(bytes([byte]))
        time.sleep(0.5)


def test_a_slowloris_server_cannot_hold_a_check_past_its_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    """The plain-HTTP port answers one byte a second and never finishes: the redirect check gives up at
    --timeout, and the whole command ends within a few deadlines."""

    with raw_server(_drip) as port:
        started = time.monotonic()
        code = main(
            [
                "verify",
                "--url",
                f"https://{HOST}:9/echo",
                "--http-port",
                str(port),
                "--resolve",
                f"{HOST}=127.0.0.1",
                "--timeout",
                "2",
            ]
        )
        elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  http redirect: no complete answer within 2 s" in out
    assert elapsed < 15, elapsed


def test_a_check_with_nothing_to_check_is_skipped_not_passed() -> None:
    """No HTTP listener expected: the redirect check has nothing to look at, so it says SKIP and is counted
    apart, never as a pass."""
    from albops.cluster.verify import Expectations, Verifier

    verifier = Verifier(Expectations(host="www.example.com", http_port=None), resolver=lambda host: [], timeout=1)
    check = verifier._redirect()
    assert check.skipped and check.result == "skip" and str(check).startswith("SKIP  http redirect")


@pytest.mark.parametrize(("signal_name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
@pytest.mark.parametrize("as_json", [True, False])
def test_an_interrupted_verify_reports_the_checks_it_finished(
    signal_name: str, code: int, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopped in its second check (a plain-HTTP port that answers a byte at a time), verify still reports the
    first (DNS, passed), lists the ones it never finished as not run, and exits with the signal's code; under
    --json as its one document."""
    import os
    import signal

    with raw_server(_drip) as port:
        timer = threading.Timer(1.0, os.kill, (os.getpid(), getattr(signal, signal_name)))
        timer.start()
        try:
            got = main(
                ["verify", "--url", f"https://{HOST}:9/echo", "--http-port", str(port)]
                + ["--resolve", f"{HOST}=127.0.0.1", "--timeout", "30"]
                + ["--json"] * as_json
            )
        finally:
            timer.cancel()
    captured = capsys.readouterr()
    assert got == code, captured
    # The four checks after DNS (the redirect it cut short among them) are listed as not run, not left out.
    unreached = ["http redirect", "certificate", "echo", "websocket"]
    by = "Ctrl-C" if signal_name == "SIGINT" else signal_name
    reasons = [f"not finished: verify was interrupted by {by} first"] + [
        f"not run: verify was interrupted by {by} first"
    ] * 3
    assert "interrupted: stopped by" in captured.err
    assert "1 passed, 0 failed, 0 skipped; 4 not run; run it again to check everything" in captured.err
    if as_json:
        document = json.loads(captured.out)
        assert [(c["name"], c["result"]) for c in document["checks"]] == [("dns", "pass")] + [
            (name, "skip") for name in unreached
        ]
        assert [c["reason"] for c in document["checks"][1:]] == reasons
        assert (document["passed"], document["failed"], document["skipped"], document["notRun"]) == (1, 0, 0, 4)
        assert document["exitCode"] == code and document["interrupted"].startswith("stopped by")
        assert document["meaning"].startswith("interrupted")
    else:
        lines = captured.out.splitlines()
        assert lines[0].startswith("PASS  dns")
        assert lines[1:-1] == [f"SKIP  {name}: {why}" for name, why in zip(unreached, reasons, strict=True)]
        assert lines[-1].startswith("1 passed, 0 failed, 0 skipped; 4 not run: interrupted by")


def test_a_second_signal_hard_on_the_first_does_not_cost_the_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapper that forwards SIGTERM and then kills the process group sends two signals a moment apart: the
    second lands while verify writes what it did. It is passed over, and the document is whole (here it is sent
    from inside the report, where it would otherwise replace the document with a bare error)."""
    import os
    import signal

    from albops.cluster import verify as verify_module

    unfinished = verify_module.Verifier.unfinished

    def signalled(self: Verifier, reached: Any, stopped: str) -> list[Check]:
        os.kill(os.getpid(), signal.SIGTERM)  # handled at once, in this (the main) thread
        return unfinished(self, reached, stopped)

    monkeypatch.setattr(verify_module.Verifier, "unfinished", signalled)
    with raw_server(_drip) as port:
        timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        try:
            args = ["--url", f"https://{HOST}:9/echo", "--http-port", str(port), "--resolve", f"{HOST}=127.0.0.1"]
            got = main(["verify", *args, "--timeout", "30", "--json"])
        finally:
            timer.cancel()
    captured = capsys.readouterr()
    assert got == 143, captured
    document = json.loads(captured.out)
    assert (document["passed"], document["notRun"], document["exitCode"]) == (1, 4, 143)


def test_an_interruption_keeps_the_no_aws_reason_of_the_load_balancer_check() -> None:
    """Without an AWS session the load balancer check is not run however often verify runs: an interruption
    does not make it 'not run: interrupted', and it counts as skipped, as in a run that ends."""
    expect = Expectations(host=HOST, group="shop", cluster="stage", fixed_path="/healthz")
    rows = Verifier(expect, timeout=5).unfinished(["dns", "http redirect"], "interrupted by SIGTERM")
    assert [(row.name, row.detail, row.interrupted) for row in rows] == [
        ("certificate", "not finished: verify was interrupted by SIGTERM first", True),
        ("echo", "not run: verify was interrupted by SIGTERM first", True),
        ("websocket", "not run: verify was interrupted by SIGTERM first", True),
        ("fixed response", "not run: verify was interrupted by SIGTERM first", True),
        ("load balancer", "not run: no AWS session (--no-aws)", False),
    ]
    assert all(row.skipped and row.result == "skip" for row in rows)


@pytest.mark.parametrize("aws", [False, True])
@pytest.mark.parametrize("fixed_path", [None, "/healthz"])
def test_the_checks_an_interruption_lists_as_not_run_are_the_ones_a_whole_run_reports(
    aws: bool, fixed_path: str | None
) -> None:
    """``planned`` is what the CLI lists after an interruption: it must name the same checks, in the same order,
    as a run that ends (here every check but the AWS one is not run: the name does not resolve)."""

    def nowhere(host: str) -> list[str]:
        raise OSError("Name or service not known")

    class NoAws:
        def client(self, service: str) -> object:
            raise OSError("no AWS here")

    expect = Expectations(host=HOST, group="shop", cluster="stage", fixed_path=fixed_path)
    verifier = Verifier(expect, resolver=nowhere, timeout=5, aws=NoAws() if aws else None)
    names = [check.name for check in verifier.run()]
    assert verifier.planned() == names
    assert names[-1] == "load balancer" and ("fixed response" in names) == (fixed_path is not None)


def test_the_load_balancer_check_still_runs_when_the_name_does_not_resolve(aws_env: str) -> None:
    """It reads AWS's APIs, not the address: the one check that may say why the name has none (no ALB)."""

    def nowhere(host: str) -> list[str]:
        raise OSError("Name or service not known")

    expect = Expectations(host=HOST, group="shop", cluster="stage")
    checks = Verifier(expect, resolver=nowhere, timeout=10, aws=AwsSession("us-west-2")).run()
    assert checks[-1].name == "load balancer" and checks[-1].result == "fail", checks[-1]
    assert "not run" not in checks[-1].detail
