"""The classes an outside review of the deadlines work found (docs/deadlines.md), each against servers on
127.0.0.1: an endpoint that is not the API server (a 404 or an HTML 403 of a proxy), a stream closed from
the start, SIGTERM mid-deletion, the Pulumi backend refusing, AWS settings botocore refuses, a report that
claims counts it never read, a 5xx after every retry, teardown's sweep cut short, answers of the wrong shape.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import CommandError
from pulumi.automation._cmd import CommandResult

from albops.__main__ import main
from albops.cluster import teardown as teardown_code
from albops.cluster.aws import AwsSession
from albops.cluster.kube import ApiRefusedError, KubernetesApi
from albops.probe import Prober
from tests.aws_fakes import build_fleet
from tests.hostile_servers import answering, holding_proxy, silent
from tests.kube_fake import FakeApiServer, obj, serve
from tests.test_deadlines import HTML, ROOT, SLACK, _subprocess_env, _teardown_cli, hostile_aws
from tests.test_teardown import OURS, FakeBackend, _eks_cluster, chart_tags

__all__ = ["hostile_aws"]  # the fixture, shared

NOT_FOUND = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})
LISTS = {
    "/apis/networking.k8s.io/v1/ingressclasses": [obj("IngressClass", "", "alb", controller="ingress.k8s.aws/alb")],
    "/apis/networking.k8s.io/v1/ingresses": [obj("Ingress", "a", "web", ingressClassName="alb")],
    "/api/v1/services": [],
}


@contextmanager
def routed(answer: Callable[[str], tuple[int, str, bytes]]) -> Iterator[str]:
    """An HTTP server whose answer depends on the path: ``answer(path)`` gives status, content type, body."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    import threading

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


# -- 1. a 404 is an empty answer only when the API server itself says NotFound, for an optional group -----------


def _lists_and(gateway: tuple[int, str, bytes]) -> Callable[[str], tuple[int, str, bytes]]:
    def answer(path: str) -> tuple[int, str, bytes]:
        if path in LISTS:
            return 200, "application/json", json.dumps({"items": LISTS[path]}).encode()
        return gateway

    return answer


def test_gateway_api_not_installed_is_known_from_discovery_not_from_any_404() -> None:
    """The API server's Status NotFound for /apis/gateway.networking.k8s.io: no Gateway API, the rest listed."""
    with routed(_lists_and((404, "application/json", NOT_FOUND.encode()))) as url:
        found = KubernetesApi(url, "t").managed_objects()
    assert [str(o) for o in found] == ["Ingress a/web"]


@pytest.mark.parametrize(
    "gateway",
    [(404, "text/html", HTML), (404, "text/plain", b"404 page not found"), (404, "application/json", b"{}")],
    ids=["html", "plain", "json-not-status"],
)
def test_a_404_that_is_not_the_api_servers_status_is_refused_even_for_an_optional_group(
    gateway: tuple[int, str, bytes],
) -> None:
    with routed(_lists_and(gateway)) as url, pytest.raises(ApiRefusedError) as refused:
        KubernetesApi(url, "t").managed_objects()
    assert "not the cluster's API server" in str(refused.value) and not refused.value.usable


def test_teardown_against_an_endpoint_answering_404_to_everything_destroys_nothing(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's case: every request 404 text/html. It was read as an empty cluster, then destroy ran."""
    _eks_cluster(AwsSession("us-west-2"), "pr-40", OURS)
    with answering(404, "text/html", HTML) as url:
        code, _ = _teardown_cli(tmp_path, monkeypatch, url, "--wait-seconds", "1", "--call-timeout", "2")
    captured = capsys.readouterr()
    assert code == 2 and "not the cluster's API server" in captured.err, captured
    assert "step 2: deleting" not in captured.out and "step 3" not in captured.out


# -- 3. a standard stream closed from the start ------------------------------------------------------------------


def _run_closed(redirect: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """albops with one standard stream closed (``>&-`` or ``2>&-``): Python starts with it None."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" -m albops "$@" {redirect}', sys.executable, *argv],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_a_stream_closed_from_the_start_changes_neither_the_work_nor_the_exit_code(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    build_fleet(aws, "pr-64", groups=1)
    env = _subprocess_env(aws_env)
    dry = ["sweep", "--cluster", "pr-64", "--region", "us-west-2"]
    no_stdout = _run_closed(">&-", dry, env)
    assert no_stdout.returncode == 1 and b"Traceback" not in no_stdout.stderr, no_stdout.stderr
    assert b"stdout is closed" in no_stdout.stderr
    no_stderr = _run_closed("2>&-", dry, env)
    assert no_stderr.returncode == 1 and b"remaining" in no_stderr.stdout, no_stderr.stdout
    assert b"stderr is closed" in no_stderr.stdout
    help_closed = _run_closed(">&-", ["plan", "--help"], env)
    assert help_closed.returncode == 0 and b"Traceback" not in help_closed.stderr, help_closed.stderr
    done = _run_closed(">&- 2>&-", [*dry, "--yes"], env)
    assert done.returncode == 0  # the deletions ran to their end with nowhere to write
    assert not AwsSession("us-west-2").client("elbv2").describe_load_balancers()["LoadBalancers"]


# -- 2. SIGTERM mid-deletion ------------------------------------------------------------------------------------


def test_sigterm_mid_deletion_reports_what_was_done_and_exits_143(aws_env: str) -> None:
    """A CI job cancelled while DeleteLoadBalancer waits for its answer: the same honest report as Ctrl-C."""
    build_fleet(AwsSession("us-west-2"), "pr-65", groups=1)
    with holding_proxy(aws_env, lambda _m, _p, body: b"Action=DeleteLoadBalancer" in body) as proxy:
        argv = ["sweep", "--cluster", "pr-65", "--region", "us-west-2", "--yes", "--call-timeout", "20"]
        process = subprocess.Popen(
            [sys.executable, "-m", "albops", *argv],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_subprocess_env(proxy.url),
        )
        ends = time.monotonic() + 30
        while not proxy.held and time.monotonic() < ends:
            time.sleep(0.05)
        assert proxy.held, "the delete never reached the proxy"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 143, (out, err)
    assert b"state unknown" in out and b"stopped by SIGTERM" in out, out
    assert b"interrupted: stopped by SIGTERM" in err and b"Traceback" not in err, err
    assert b"run it again to finish" in err, err


# -- 5. the Pulumi backend refusing ---------------------------------------------------------------------------


class Refusing(FakeBackend):
    """A backend whose CLI fails as ``pulumi`` does when the access token expired."""

    def __init__(self, failing: str) -> None:
        super().__init__([])
        self.failing = failing

    def _fail(self, step: str) -> None:
        if step == self.failing:
            raise CommandError(
                CommandResult("", "error: 401 Unauthorized: PULUMI_ACCESS_TOKEN expired\nmore detail\n", 255)
            )

    def config(self) -> dict[str, Any]:
        self._fail("config")
        return super().config()

    def destroy(self) -> None:
        import boto3

        self._fail("destroy")
        boto3.client("eks", region_name="us-west-2").delete_cluster(name="pr-40")

    def remove(self) -> None:
        self._fail("remove")
        super().remove()


@pytest.mark.parametrize(
    ("failing", "code", "fragment"),
    [
        ("config", 2, "the Pulumi backend failed at reading the stack's config (pulumi config): error: 401"),
        ("destroy", 1, "pulumi destroy failed: the Pulumi backend failed at pulumi destroy: error: 401"),
        ("remove", 2, "the Pulumi backend failed at removing the stack (pulumi stack rm): error: 401"),
    ],
)
def test_a_backend_that_refuses_is_one_line_naming_the_step(
    failing: str,
    code: int,
    fragment: str,
    aws_env: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _eks_cluster(AwsSession("us-west-2"), "pr-40", OURS)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: Refusing(failing))
    with serve(FakeApiServer([])) as url:
        monkeypatch.setattr(
            KubernetesApi, "for_eks", staticmethod(lambda aws, _d: KubernetesApi(url, "t", deadline=aws.deadline))
        )
        got = main(["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes", "--wait-seconds", "0"])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert got == code and fragment in text, text
    assert "Traceback" not in text and "CommandError" not in text and "code: 255" not in text


# -- 6. AWS settings botocore refuses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [("AWS_MAX_ATTEMPTS", "abc"), ("AWS_MAX_ATTEMPTS", "0"), ("AWS_DEFAULTS_MODE", "bogus"), ("AWS_PROFILE", "nope")],
)
@pytest.mark.parametrize("command", ["sweep", "teardown"])
def test_an_aws_setting_botocore_refuses_is_one_line_naming_it(
    command: str,
    variable: str,
    value: str,
    hostile_aws: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile_aws.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    hostile_aws.setenv(variable, value)
    if command == "sweep":
        code = main(["sweep", "--cluster", "pr-1", "--region", "us-west-2"])
    else:
        code, _ = _teardown_cli(tmp_path, hostile_aws, "http://127.0.0.1:9")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and variable in err[0], err
    assert "Traceback" not in err[0] and "testing" not in err[0]  # no credential value is ever printed


# -- 9. a report claims no count it never read ---------------------------------------------------------------


def test_a_cluster_never_listed_reports_no_count(
    hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with silent() as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        argv = ["sweep", "--cluster", "c1", "--region", "us-west-2", "--wait-seconds", "0", "--call-timeout", "0.5"]
        code = main([*argv, "--json"])
        document = json.loads(capsys.readouterr().out)
        text_code = main(argv)
        text = capsys.readouterr().out
    report = document["reports"][0]
    assert code == text_code == 1
    assert report["listed"] is False and report["remaining"] is None and report["resources"] == []
    assert "DescribeCluster" in report["notListed"]
    assert "not listed: the deadline passed at DescribeCluster" in text and "0 remaining" not in text


# -- 10. a 5xx after every retry is exit 1, naming the endpoint ---------------------------------------------------


@pytest.mark.parametrize("command", ["sweep", "teardown"])
def test_a_5xx_after_every_retry_is_exit_1_naming_the_endpoint(
    command: str, hostile_aws: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'{"__type": "ServiceUnavailableException", "message": "try later"}'
    with answering(503, "application/x-amz-json-1.1", body) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        if command == "sweep":
            code = main(["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--call-timeout", "2"])
        else:
            code, _ = _teardown_cli(tmp_path, hostile_aws, "http://127.0.0.1:9", "--call-timeout", "2")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and url in err[0], err


# -- 7 and 12. answers of the wrong shape, an unusable endpoint mid-sweep ---------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"5"),
        ("application/json", b"[1, 2]"),
        ("application/json", b'{"cluster": 5}'),
        ("application/json", b"{}"),
        ("text/plain", b"<garbage/>"),
        ("text/plain", b'{"cluster": {"name": "c1", "tags": {'),  # cut off mid-body
    ],
    ids=["number", "array", "field-of-another-type", "no-field", "garbage-xml", "cut-off"],
)
def test_an_answer_of_another_shape_is_one_line_naming_the_endpoint(
    content_type: str, body: bytes, hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with answering(200, content_type, body) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        code = main(["sweep", "--cluster", "c1", "--region", "us-west-2", "--call-timeout", "3"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert url in err[0] and "DescribeCluster" in err[0] and "not an AWS" in err[0], err
    assert "KeyError" not in err[0] and "AttributeError: 'int'" not in err[0]


@pytest.mark.parametrize("body", [HTML, b"<NotTheResult/>"], ids=["html", "xml-of-another-operation"])
def test_an_elbv2_endpoint_that_cannot_work_mid_sweep_stops_it_after_the_report(
    body: bytes, aws_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """EKS and tagging answer (moto), ELBv2 is a proxy's page: one error line, exit 2, after the report of
    what was found, not one failed row per resource."""
    build_fleet(AwsSession("us-west-2"), "pr-66", groups=2)
    with answering(200, "text/html" if body == HTML else "text/xml", body) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", url)
        code = main(["sweep", "--cluster", "pr-66", "--region", "us-west-2", "--yes", "--call-timeout", "3"])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    # The first ELBv2 call after the listing: the sweep reads which load balancers use the cluster's target groups
    # and security groups (another owner's would keep them) before it deletes anything.
    assert code == 2 and len(err) == 1 and url in err[0] and "DescribeLoadBalancers" in err[0], err
    assert "not reached: stopped by the error below" in captured.out
    assert "NotAnAwsEndpointError" not in captured.out and "KeyError" not in captured.out


# -- 11. teardown's sweep cut short lists what it had not reached ------------------------------------------------


class Destroying(FakeBackend):
    def destroy(self) -> None:
        import boto3

        boto3.client("eks", region_name="us-west-2").delete_cluster(name="pr-40")


def test_teardowns_sweep_cut_short_lists_what_it_did_not_reach(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "pr-40", OURS)
    build_fleet(aws, "pr-40", extra=chart_tags("pr-40"))
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: Destroying([]))
    with (
        serve(FakeApiServer([])) as kube,
        holding_proxy(aws_env, lambda _m, _p, body: b"Action=DeleteLoadBalancer" in body) as proxy,
    ):
        monkeypatch.setattr(
            KubernetesApi, "for_eks", staticmethod(lambda aws, _d: KubernetesApi(kube, "t", deadline=aws.deadline))
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        started = time.monotonic()
        argv = ["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes"]
        code = main([*argv, "--wait-seconds", "0", "--call-timeout", "3"])
        elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert code == 1 and elapsed < 3 + SLACK + 3, (code, elapsed)
    assert "state unknown" in captured.out
    not_reached = [line for line in captured.out.splitlines() if "not reached: the deadline passed at" in line]
    assert len(not_reached) >= 3, captured.out  # the target groups, listeners and security groups it never got to
    assert "deadline passed" in captured.err


# -- 4 and 12. probe's WebSocket: name lookup bounded, connect errors are not drops, no 0.0 ms -------------------


def test_probe_websocket_that_never_connects_is_connect_errors_with_no_round_trip() -> None:
    with answering(200, "text/plain", b"not a websocket") as url:
        result = Prober(url + "/", duration_s=0.6, rate=2, connections=2, timeout=0.5).run()
    stats = result.websocket
    assert stats is not None and stats.connect_errors >= 2 and stats.drops == 0 and result.failed
    document = stats.as_dict()
    assert document["rtt_p50_ms"] is None and document["messages"] == 0


def test_probe_websocket_name_lookup_is_under_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that never resolves: the probe ends at its bound (the process too: nothing waits at exit)."""
    import socket as socket_module

    real = socket_module.getaddrinfo

    def never(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "slow.invalid":
            time.sleep(30)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket_module, "getaddrinfo", never)
    started = time.monotonic()
    result = Prober("http://slow.invalid:9/", duration_s=0.5, rate=2, connections=1, timeout=0.5).run()
    assert time.monotonic() - started < 0.5 + 2 * 0.5 + SLACK
    assert result.websocket is not None and result.websocket.connect_errors == 1 and result.failed


# -- 7. verify names what each failed check talked to, in plain words ---------------------------------------------


def test_verify_failures_name_the_endpoint_and_a_plain_cause(capsys: pytest.CaptureFixture[str]) -> None:
    with silent() as stalled:
        port = stalled.rsplit(":", 1)[1]
        pinned = ["--resolve", "www.example.test=127.0.0.1"]
        code = main(["verify", "--url", f"https://www.example.test:{port}/echo", *pinned, "--timeout", "0.5"])
    refused = main(["verify", "--url", "https://www.example.test:9/echo", *pinned, "--timeout", "1"])
    out = capsys.readouterr().out
    assert code == refused == 1
    failed = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert failed and all("www.example.test" in line and "127.0.0.1" in line for line in failed), out
    assert "connection refused: nothing listens there" in out
    for python_name in ("ConnectionRefusedError", "TimeoutError", "[Errno"):
        assert python_name not in out, out


def test_verify_reading_outputs_from_a_backend_that_refuses_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stand-in Pulumi CLI that answers its version and refuses everything else, as an expired token does."""
    stand_in = tmp_path / "pulumi"
    stand_in.write_text(
        '#!/bin/sh\nif [ "$1" = version ]; then echo v3.200.0; exit 0; fi\n'
        'echo "error: 401 Unauthorized: PULUMI_ACCESS_TOKEN expired" >&2\nexit 255\n'
    )
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ.get('PATH', '')}")
    code = main(["verify", "--stack", "stage", "--no-aws", "--timeout", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "reading the stack's outputs" in err[0] and "401 Unauthorized" in err[0] and "CommandError" not in err[0]
