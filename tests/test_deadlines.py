"""Every wait has a deadline, every interruption tells the truth (docs/deadlines.md).

Hostile endpoints on 127.0.0.1 (tests/hostile_servers.py) stand in for AWS and the API server: silent after
accept, a reply trickled a byte at a time, name resolution that never returns, a 401, a 403, an HTML page,
and a proxy that carries a delete out and never answers it. Each test is bounded in seconds: the commands
run with ``--call-timeout`` of a second or less, and each asserts the wall-clock bound it documents.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from albops.__main__ import main
from albops.cluster import teardown as teardown_code
from albops.cluster.aws import AwsSession
from albops.cluster.kube import ApiRefusedError, KubeObject, KubernetesApi, verb_and_resource
from albops.cluster.sweep import Sweeper, Timing
from albops.cluster.teardown import Target, Teardown
from albops.deadline import Deadline, DeadlineExceeded, attempts_within
from tests.aws_fakes import build_fleet
from tests.hostile_servers import answering, holding_proxy, silent, trickling
from tests.kube_fake import FakeApiServer, obj, serve
from tests.test_teardown import OURS, FakeBackend, _eks_cluster, chart_tags

ROOT = Path(__file__).resolve().parent.parent
STATUS_403 = json.dumps(
    {
        "kind": "Status",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": 'ingressclasses.networking.k8s.io is forbidden: User "arn:aws:sts::1:assumed-role/ci/x" cannot '
        'list resource "ingressclasses" in API group "networking.k8s.io" at the cluster scope',
    }
).encode()
HTML_PAGE = HTML = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Corporate proxy login</body></html>"


# No waiting, half a second per call: the quickest a command can give up.
QUICK = ["--wait-seconds", "0", "--call-timeout", "0.5"]
# What a command may take beyond --wait-seconds + --call-timeout: reporting, and a loaded machine.
SLACK = 2.5


def _stalling_endpoint(kind: str) -> AbstractContextManager[str]:
    return silent() if kind == "silent" else trickling(0.05)


@pytest.fixture
def hostile_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Credentials and a region, and nothing else of AWS: each test points AWS_ENDPOINT_URL somewhere."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }.items():
        monkeypatch.setenv(key, value)
    yield monkeypatch


def _no_call_thread_keeps_the_process() -> None:
    """Every thread a deadline left behind is a daemon: none keeps the process from exiting."""
    left = [t for t in threading.enumerate() if t.name.startswith("albops-call") and not t.daemon]
    assert not left, left


# -- sweep against AWS endpoints that never finish answering ---------------------------------------------------


@pytest.mark.parametrize("kind", ["silent", "trickling"])
def test_sweep_against_an_endpoint_that_never_finishes_ends_at_its_deadline(
    kind: str, hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported hang: `sweep --wait-seconds 5` ran past 200 s. Now: one line naming the endpoint and the
    step, exit 1, within --wait-seconds + --call-timeout."""
    with _stalling_endpoint(kind) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        started = time.monotonic()
        code = main(
            ["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--wait-seconds", "1", "--call-timeout", "0.5"]
        )
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1, err
    assert elapsed < 1 + 0.5 + SLACK, elapsed
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: deadline passed:"), err
    assert url in lines[0] and "DescribeCluster pr-1" in lines[0] and "Traceback" not in err
    _no_call_thread_keeps_the_process()


def test_the_nightly_reaper_and_teardown_are_bounded_by_a_stalled_aws_endpoint_too(
    hostile_aws: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sweep --expired` (its first call lists clusters) and teardown's step 1 (DescribeCluster)."""
    import boto3

    # The first credential resolution in a process loads botocore's provider chain: on a loaded runner that alone
    # once took the whole 0.5 s call budget, and the deadline named the credential providers instead of the
    # stalled endpoint this test is about. Load it before the clock starts.
    boto3.session.Session().get_credentials()
    with trickling(0.05) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        started = time.monotonic()
        reaper = main(["sweep", "--expired", "--region", "us-west-2", "--yes", *QUICK])
        reaper_took = time.monotonic() - started
        reaper_err = capsys.readouterr().err
        code, elapsed = _teardown_cli(tmp_path, hostile_aws, "http://127.0.0.1:9", *QUICK)
    captured = capsys.readouterr()
    assert reaper == 1 and reaper_took < 0.5 + SLACK and f"{url} gave no complete answer to ListClusters" in reaper_err
    assert code == 1 and elapsed < 0.5 + SLACK, (code, elapsed, captured)
    assert f"{url} gave no complete answer to DescribeCluster pr-40" in captured.err
    assert "step 1" not in captured.out and "Traceback" not in captured.err


def test_name_resolution_that_never_returns_is_bounded_too(
    hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """getaddrinfo has no timeout at all; the wall clock around the call bounds it as it bounds a read."""
    release = threading.Event()
    real = socket.getaddrinfo

    def never(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "aws.invalid":
            release.wait(30)
        return real(host, *args, **kwargs)

    hostile_aws.setattr(socket, "getaddrinfo", never)
    hostile_aws.setenv("AWS_ENDPOINT_URL", "http://aws.invalid:4566")
    try:
        started = time.monotonic()
        code = main(
            ["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--wait-seconds", "0", "--call-timeout", "0.5"]
        )
        elapsed = time.monotonic() - started
    finally:
        release.set()
    err = capsys.readouterr().err
    assert code == 1 and elapsed < 0.5 + SLACK, (code, elapsed, err)
    assert "http://aws.invalid:4566 gave no complete answer to DescribeCluster" in err


def test_an_endpoint_that_refuses_connections_is_unusable_exit_2(
    hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_aws.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    started = time.monotonic()
    assert main(["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--call-timeout", "5"]) == 2
    assert time.monotonic() - started < 5 + SLACK
    err = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL" in err and "deadline" not in err and "Traceback" not in err


def test_retries_against_an_endpoint_that_always_fails_fit_in_the_call_allowance(
    hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """AWS answering 503 at once, for ever: botocore would retry 10 times with back-off; the tries are cut to
    what fits in the allowance, and the command ends in it with AWS's own answer."""
    body = b'{"__type": "ServiceUnavailableException", "message": "try later"}'
    with answering(503, "application/x-amz-json-1.1", body) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        started = time.monotonic()
        code = main(["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--call-timeout", "2"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code in (1, 2) and elapsed < 2 + SLACK, (code, elapsed, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("status", "content_type", "body", "fragment"),
    [
        (200, "text/html", HTML_PAGE, "answered DescribeCluster with an HTML page (HTTP 200), not an AWS API answer"),
        (403, "text/html; charset=utf-8", HTML_PAGE, "with an HTML page (HTTP 403)"),
        (
            400,
            "application/x-amz-json-1.1",
            b'{"__type": "UnrecognizedClientException", "message": "The security token included is invalid."}',
            "UnrecognizedClientException",
        ),
    ],
    ids=["html-200", "html-403", "bad-credentials"],
)
@pytest.mark.parametrize("command", ["sweep", "teardown"])
def test_an_aws_endpoint_that_cannot_work_is_one_line_exit_2(
    command: str,
    status: int,
    content_type: str,
    body: bytes,
    fragment: str,
    hostile_aws: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A proxy's login page is not parsed into an empty answer (a KeyError), and refused credentials are not
    'run again': exit 2, one line, for sweep and teardown alike."""
    with answering(status, content_type, body) as url:
        hostile_aws.setenv("AWS_ENDPOINT_URL", url)
        if command == "sweep":
            code = main(["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--call-timeout", "3"])
        else:
            code, _ = _teardown_cli(tmp_path, hostile_aws, "http://127.0.0.1:9", "--call-timeout", "3")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and fragment in err[0], err
    assert "KeyError" not in err[0] and "Traceback" not in err[0]


def test_credentials_that_never_arrive_are_bounded_too(
    hostile_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Making a client resolves credentials, which may call a container endpoint (or IMDS, or a
    credential_process) that trickles for ever: that runs under the deadline as well."""
    hostile_aws.delenv("AWS_ACCESS_KEY_ID")
    hostile_aws.delenv("AWS_SECRET_ACCESS_KEY")
    with trickling(0.05) as url:
        hostile_aws.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url + "/creds")
        hostile_aws.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        started = time.monotonic()
        code = main(
            ["sweep", "--cluster", "pr-1", "--region", "us-west-2", "--wait-seconds", "0", "--call-timeout", "0.5"]
        )
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 1 and elapsed < 0.5 + SLACK, (code, elapsed, err)
    assert "the AWS credential providers gave no complete answer to resolving credentials" in err


# Two tries fit in a 3 s allowance; the deadline (0 + 3 s) cuts the delete's time below its 3 s read timeout,
# so the call is given up first, and its thread's read times out after the report.
FIRST_OUT_OF_TIME = ["--wait-seconds", "0", "--call-timeout", "3"]


def test_a_delete_whose_answer_never_came_is_state_unknown_and_nothing_more_is_sent(
    aws_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DeleteLoadBalancer reaches AWS (it happens) and its answer never comes: the report says 'state unknown'
    for it, never 'deleted' nor 'remains'; what was not reached says so; and the call given up sends no retry
    after the command has reported."""
    build_fleet(AwsSession("us-west-2"), "pr-60", groups=2)
    with holding_proxy(aws_env, lambda _m, _p, body: b"Action=DeleteLoadBalancer" in body) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        started = time.monotonic()
        code = main(["sweep", "--cluster", "pr-60", "--region", "us-west-2", "--yes", "--json", *FIRST_OUT_OF_TIME])
        elapsed = time.monotonic() - started
        captured = capsys.readouterr()
        time.sleep(1.0)  # the abandoned call's read timeout passes: botocore would send its second try now
        held = list(proxy.held)
    assert code == 1 and elapsed < 3 + SLACK, (code, elapsed)
    document = json.loads(captured.out)
    resources = document["reports"][0]["resources"]
    unknown = [r for r in resources if r["status"] == "state unknown"]
    assert len(unknown) == 1 and unknown[0]["kind"] == "load-balancer", resources
    assert document["stateUnknown"] and unknown[0]["arn"] in document["stateUnknown"][0]
    assert all(r["status"] == "found" and "not reached" in r["reason"] for r in resources if r not in unknown)
    assert "DeleteLoadBalancer" in document["deadline"] and proxy.url in document["deadline"]
    assert len(held) == 1, held  # one delete sent, no retry after the report
    # It did happen, which is why the report may not say 'remains'.
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_env)
    left = {
        lb["LoadBalancerArn"]
        for lb in AwsSession("us-west-2").client("elbv2").describe_load_balancers()["LoadBalancers"]
    }
    assert unknown[0]["arn"] not in left
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: deadline passed:")


def test_waits_share_one_window_and_never_sleep_past_it(aws_env: str) -> None:
    """Three waits of a sweep (load balancers, target groups, security groups) are one --wait-seconds."""
    from tests.aws_fakes import Injection, inject

    aws = AwsSession("us-west-2", max_attempts=1)
    build_fleet(aws, "pr-61")
    inject(aws, "elbv2", Injection("DeleteTargetGroup", "ResourceInUse", times=10_000))
    inject(aws, "ec2", Injection("DeleteSecurityGroup", "DependencyViolation", times=10_000))
    started = time.monotonic()
    report = Sweeper(aws, "pr-61", Timing(deadline_seconds=1.0, poll_seconds=0.4, progress=lambda _: None)).run(True)
    elapsed = time.monotonic() - started
    assert report.remaining and elapsed < 1.0 + 1.5, elapsed


# -- teardown against an API server that stalls, trickles or refuses ---------------------------------------------


def _teardown_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kube_url: str, *extra: str) -> tuple[int, float]:
    """`teardown --yes` of pr-40 whose cluster's API server is ``kube_url``; its exit code and how long it took."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: FakeBackend([]))

    def for_eks(aws: AwsSession, description: dict[str, Any]) -> KubernetesApi:
        return KubernetesApi(kube_url, "token", deadline=aws.deadline)

    monkeypatch.setattr(KubernetesApi, "for_eks", staticmethod(for_eks))
    started = time.monotonic()
    code = main(["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes", *extra])
    return code, time.monotonic() - started


@pytest.mark.parametrize("kind", ["silent", "trickling"])
def test_teardown_against_a_stalled_api_server_ends_at_its_deadline(
    kind: str, aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported hang: teardown past 90 s with --wait-seconds 2. It stops before pulumi destroy, naming the
    API server and the step."""
    _eks_cluster(AwsSession("us-west-2"), "pr-40", OURS)
    with _stalling_endpoint(kind) as url:
        code, elapsed = _teardown_cli(tmp_path, monkeypatch, url, "--wait-seconds", "1", "--call-timeout", "1.5")
    captured = capsys.readouterr()
    assert code == 1 and elapsed < 1 + 1.5 + SLACK, (code, elapsed, captured)
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and url in err[0] and "list ingressclasses.networking.k8s.io" in err[0], err
    assert "step 3" not in captured.out  # nothing destroyed on a cluster whose objects could not be seen


def test_a_kubernetes_delete_whose_answer_never_came_is_state_unknown(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _eks_cluster(AwsSession("us-west-2"), "pr-40", OURS)
    api = FakeApiServer(
        [
            obj("IngressClass", "", "alb", controller="ingress.k8s.aws/alb"),
            obj("Ingress", "shop", "web", ingressClassName="alb"),
        ]
    )
    with serve(api) as upstream, holding_proxy(upstream, lambda method, _p, _b: method == "DELETE") as proxy:
        code, elapsed = _teardown_cli(tmp_path, monkeypatch, proxy.url, "--wait-seconds", "1", "--call-timeout", "1.5")
    captured = capsys.readouterr()
    assert code == 1 and elapsed < 1 + 1.5 + SLACK, (code, elapsed)
    assert "state unknown: Ingress shop/web: delete ingresses.networking.k8s.io was sent to" in captured.out
    assert api.deleted  # it did reach the API server: 'unknown' is the truth, 'not deleted' would not be
    assert "deadline passed" in captured.err and "step 3" not in captured.out


@pytest.mark.parametrize(
    ("status", "content_type", "body", "code", "fragments"),
    [
        (
            401,
            "application/json",
            b'{"kind":"Status","code":401,"message":"Unauthorized"}',
            2,
            ["401 Unauthorized", "refresh your AWS credentials", "access entry"],
        ),
        (
            403,
            "application/json",
            STATUS_403,
            2,
            [
                "forbade list ingressclasses.networking.k8s.io",
                "cannot list resource",
                "grant verb 'list' on resource 'ingressclasses' in API group 'networking.k8s.io'",
            ],
        ),
        # Only the API server's Status JSON is its RBAC or credentials answer; a proxy's page is not blamed on RBAC.
        (403, "text/html", HTML, 2, ["HTTP 403 and an HTML page", "not the cluster's API server"]),
        (401, "text/html", HTML, 2, ["HTTP 401 and an HTML page", "not the cluster's API server"]),
        (403, "application/json", b'{"error": "forbidden"}', 2, ["HTTP 403", "not the cluster's API server"]),
        # A 404 on a built-in collection, Status or not, is not an empty cluster (finding: destroy without seeing).
        (404, "text/html", HTML, 2, ["HTTP 404 and an HTML page", "not the cluster's API server"]),
        (404, "application/json", b'{"kind":"Status","reason":"NotFound","code":404}', 2, ["not the cluster's"]),
        (
            200,
            "text/html; charset=utf-8",
            HTML,
            2,
            ["with an HTML page", "not the cluster's API server", "HTTPS_PROXY"],
        ),
        (200, "application/json", b"[1, 2]", 2, ["not JSON", "not the Kubernetes API's JSON"]),
        (503, "text/plain", b"upstream connect error", 1, ["HTTP 503", "run again"]),
    ],
    ids=[
        "401",
        "403-status",
        "403-html",
        "401-html",
        "403-json-not-status",
        "404-html",
        "404-status",
        "html-200",
        "json-not-object",
        "503",
    ],
)
def test_an_api_server_that_refuses_is_one_line_with_the_cause_and_fix(
    status: int,
    content_type: str,
    body: bytes,
    code: int,
    fragments: list[str],
    aws_env: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _eks_cluster(AwsSession("us-west-2"), "pr-40", OURS)
    with answering(status, content_type, body) as url:
        got, _ = _teardown_cli(tmp_path, monkeypatch, url, "--call-timeout", "5")
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert got == code and len(err) == 1, captured
    assert all(f in err[0] for f in fragments), err[0]
    assert "HTTPError" not in captured.err and "Traceback" not in captured.err and "step 3" not in captured.out


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/apis/networking.k8s.io/v1/ingressclasses", ("list", "ingressclasses", "networking.k8s.io")),
        ("GET", "/api/v1/services", ("list", "services", "")),
        ("DELETE", "/api/v1/namespaces/team-b/services/nlb", ("delete", "services", "")),
        (
            "DELETE",
            "/apis/gateway.networking.k8s.io/v1/namespaces/a/gateways/gw",
            ("delete", "gateways", "gateway.networking.k8s.io"),
        ),
        ("GET", "/apis/networking.k8s.io/v1/namespaces/a/ingresses", ("list", "ingresses", "networking.k8s.io")),
        ("GET", "/api/v1/namespaces/a/services/s", ("get", "services", "")),
    ],
)
def test_rbac_verb_and_resource_are_read_from_the_request(method: str, path: str, expected: tuple[str, ...]) -> None:
    """Written by hand from the API server's request-info rules (k8s.io/apiserver, RequestInfoFactory): a
    collection GET is list, an object GET is get, DELETE is delete; /api is the core group ""."""
    assert verb_and_resource(method, path) == expected


def test_the_kubernetes_client_is_bounded_on_its_own_too() -> None:
    """Teardown's polling loop calls the API server again and again: each call has the deadline's allowance."""
    with trickling(0.05) as url:
        api = KubernetesApi(url, "t", deadline=Deadline(call_seconds=0.4))
        started = time.monotonic()
        with pytest.raises(DeadlineExceeded) as stopped:
            api.managed_objects()
    assert time.monotonic() - started < 0.4 + 1.0
    assert str(stopped.value).startswith(f"{url} gave no complete answer to list ingressclasses")


def test_kubernetes_objects_are_named_in_refusals_of_a_delete() -> None:
    body = b'{"kind": "Status", "code": 403, "message": "nope"}'
    with answering(403, "application/json", body) as url, pytest.raises(ApiRefusedError) as refused:
        KubernetesApi(url, "t").delete(
            KubeObject("Ingress", "a", "b", "/apis/networking.k8s.io/v1/namespaces/a/ingresses/b")
        )
    assert "forbade delete ingresses.networking.k8s.io" in str(refused.value) and not refused.value.usable


def test_destroy_time_is_not_counted_against_teardowns_deadline(aws_env: str) -> None:
    """pulumi destroy runs for minutes on a real cluster; the call deadline and the wait window move on by its
    time, so the sweep after it still has its --wait-seconds."""
    warm = AwsSession("us-west-2")  # moto loads each service on its first call: not what is measured here
    warm.client("eks").list_clusters()
    warm.client("resourcegroupstaggingapi").get_resources()
    warm.client("elbv2").describe_load_balancers()
    for region in teardown_code.enabled_regions(warm):  # teardown looks in every enabled region
        AwsSession(region, session=warm.session).client("resourcegroupstaggingapi").get_resources()
    aws = AwsSession("us-west-2", deadline=Deadline(seconds=2.0, call_seconds=2.0))
    for service in ("eks", "resourcegroupstaggingapi", "elbv2", "ec2"):
        aws.client(service)
    aws.deadline.extend(aws.deadline.clock() - aws.deadline.started)  # the deadline counts from here

    class SlowDestroy(FakeBackend):
        def destroy(self) -> None:
            time.sleep(2.5)

    target = Target("pr-62", "pr-62", "us-west-2", "team-a", "2026-12-01")

    def gone(_: dict[str, Any]) -> KubernetesApi:
        raise AssertionError("the cluster is gone: step 2 has nothing to reach")

    job = Teardown(target, lambda: SlowDestroy([]), gone, aws, Timing(0.5, 0.05), lambda _: None)
    assert job.run() == 0


# -- the pieces ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "ceiling", "attempts"),
    [(0.5, 10, 1), (2, 10, 1), (30, 10, 3), (60, 10, 4), (120, 10, 6), (600, 10, 10), (600, 3, 3)],
)
def test_retries_are_cut_to_what_fits_in_the_call_allowance(seconds: float, ceiling: int, attempts: int) -> None:
    """By hand from botocore/retries/standard.py: throttled back-off before try k+1 is up to min(2**(k-1), 20) s,
    plus up to 5 s when the answer carries x-amz-retry-after; the tries' back-off together may take half the
    allowance (30 s: 6+7 = 13 <= 15, a third wait of 9 is not -> 3 tries; 120 s: 6+7+9+13+21 = 56 <= 60 -> 6)."""
    assert attempts_within(seconds, ceiling) == attempts


def test_a_call_past_the_commands_deadline_is_not_sent() -> None:
    deadline = Deadline(seconds=0.0, call_seconds=5)
    sent: list[int] = []
    with pytest.raises(DeadlineExceeded) as stopped:
        deadline.run(lambda: sent.append(1), endpoint="e", step="DeleteLoadBalancer", subject="arn", changes=True)
    assert not sent and not deadline.unanswered and "the command's deadline" in str(stopped.value)


# -- verify and probe ---------------------------------------------------------------------------------------------


def test_verify_bounds_name_resolution_and_names_what_did_not_answer() -> None:
    from albops.cluster.verify import Expectations, Verifier

    release = threading.Event()

    def never(_host: str) -> list[str]:
        release.wait(30)
        return []

    started = time.monotonic()
    checks = Verifier(Expectations(host="www.example.test"), resolver=never, timeout=0.5).run()
    release.set()
    assert time.monotonic() - started < 0.5 + 1.0
    assert checks[0].name == "dns" and not checks[0].ok
    assert all(c.skipped for c in checks[1:])  # the rest need the address: listed as not run
    assert "no complete answer within 0.5 s from the resolver, for www.example.test" in checks[0].detail


def test_probe_counts_a_trickled_reply_as_a_failure_at_its_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with trickling(0.05) as url:
        started = time.monotonic()
        code = main(["probe", "--url", url + "/", "--duration", "1", "--rate", "2", "--timeout", "0.5", "--json"])
        elapsed = time.monotonic() - started
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and elapsed < 1 + 2 * 0.5 + SLACK, elapsed
    assert document["http"]["errors"] >= 1
    assert set(document["http"]["error_reasons"]) == {"no complete answer within 0.5 s"}


# -- a reader that goes away -----------------------------------------------------------------------------------------


def _run_with_closed_stdout(
    argv: list[str], env: dict[str, str], program: list[str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run albops (or ``program``, a driver that calls its main) with a stdout whose reader has already gone
    (as `| head -1` after its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, *(program or ["-m", "albops"]), *argv],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
            env=env,
        )
    finally:
        os.close(write_end)


def _subprocess_env(endpoint: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def test_a_closed_stdout_neither_stops_the_deletions_nor_changes_the_exit_code(aws_env: str) -> None:
    """`sweep --yes | head -1` went on to report success after stopping half-way; now it finishes its work
    with the output discarded, and its exit code is its own (1 for a dry run that found resources)."""
    aws = AwsSession("us-west-2")
    fleet = build_fleet(aws, "pr-63", groups=2)
    env = _subprocess_env(aws_env)
    dry = _run_with_closed_stdout(["sweep", "--cluster", "pr-63", "--region", "us-west-2"], env)
    assert dry.returncode == 1, dry.stderr  # resources found and not deleted: 1, not the 0 a broken pipe gave
    done = _run_with_closed_stdout(["sweep", "--cluster", "pr-63", "--region", "us-west-2", "--yes"], env)
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
    assert "stdout's reader went away" in err
    load_balancers = {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert not set(fleet.load_balancers) & load_balancers


def test_a_stalled_endpoint_lets_the_process_exit_at_once() -> None:
    """Nothing the deadline gave up (a daemon thread still reading) keeps the process alive after it reported."""
    with silent() as url:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "albops", "sweep", "--cluster", "pr-1", "--region", "us-west-2", *QUICK],
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=False,
            env=_subprocess_env(url),
        )
        elapsed = time.monotonic() - started
    assert proc.returncode == 1 and b"deadline passed" in proc.stderr, proc.stderr
    assert elapsed < 10, elapsed  # interpreter start and boto3's import included


TEARDOWN_DRIVER = """
import sys

import boto3

from albops.cluster import teardown
from albops.cluster.kube import KubernetesApi
from albops.cli.main import main
from tests.test_teardown import FakeBackend


class Destroying(FakeBackend):
    def destroy(self) -> None:
        boto3.client("eks", region_name="us-west-2").delete_cluster(name="pr-40")

    def remove(self) -> None:
        sys.stderr.write("removed the stack\\n")


teardown.backend_for = lambda stack, project_dir: Destroying([])
KubernetesApi.for_eks = staticmethod(lambda aws, _d: KubernetesApi(sys.argv[1], "t", deadline=aws.deadline))
sys.exit(main(sys.argv[2:]))
"""


def test_teardown_piped_into_head_finishes_every_step(aws_env: str, tmp_path: Path) -> None:
    """The reported case, `teardown --yes | head -1`: it stopped at its second line, mid-deletion, with exit 0.
    Now every step runs (the objects, destroy, the sweep, the stack's removal) and the exit code is its own."""
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "pr-40", OURS)
    fleet = build_fleet(aws, "pr-40", extra=chart_tags("pr-40"))  # the controller's leftovers carry the stack's tags
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    api = FakeApiServer(
        [
            obj("IngressClass", "", "alb", controller="ingress.k8s.aws/alb"),
            obj("Ingress", "a", "web", ingressClassName="alb"),
        ]
    )
    with serve(api) as url:
        # The reader is gone before the first line is flushed, as `| head -1` is after its line.
        argv = ["teardown", "--stack", "pr-40", "--yes", "--project-dir", str(tmp_path), "--wait-seconds", "0.5"]
        proc = _run_with_closed_stdout(argv, _subprocess_env(aws_env), ["-c", TEARDOWN_DRIVER, url])
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "removed the stack" in err and "stdout's reader went away" in err and "Traceback" not in err
    assert api.deleted == ["/apis/networking.k8s.io/v1/namespaces/a/ingresses/web"]
    left = {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert not set(fleet.load_balancers) & left


def test_ctrl_c_during_a_delete_leaves_it_unknown_not_undone() -> None:
    """Ctrl-C while a delete waits for its answer: the delete may still land, so it is unanswered, not 'found'."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT reaches only the main thread; this runner runs tests in another")
    # The signal may be handed to the call's thread, not the waiting one: the wait still ends at once (it wakes
    # to run the handler), not at the end of the 5 s allowance.
    deadline = Deadline(call_seconds=5)
    release = threading.Event()
    threading.Timer(0.2, os.kill, args=(os.getpid(), signal.SIGINT)).start()  # a real Ctrl-C, mid-wait
    with pytest.raises(KeyboardInterrupt):
        deadline.run(lambda: release.wait(5), endpoint="e", step="DeleteTargetGroup", subject="arn:tg", changes=True)
    release.set()
    assert [u.subject for u in deadline.unanswered] == ["arn:tg"]


def test_only_an_unanswered_delete_makes_its_resource_unknown() -> None:
    """A rule revoked in a group that is itself swept does not make that group 'state unknown'; a delete does."""
    from albops.cluster.aws import TaggedResource
    from albops.cluster.sweep import Item, SweepReport, mark_interrupted
    from albops.deadline import Unanswered

    base = "arn:aws:ec2:us-west-2:123456789012:security-group"
    revoked, deleted, untried = (Item(TaggedResource(f"{base}/sg-{n}", {})) for n in ("1", "2", "3"))
    report = SweepReport("c", "us-west-2", dry_run=False, items=[revoked, deleted, untried])
    mark_interrupted(
        [report],
        [Unanswered("e", "RevokeSecurityGroupIngress", "sg-1"), Unanswered("e", "DeleteSecurityGroup", "sg-2")],
        "stopped by Ctrl-C first",
    )
    assert (revoked.status, deleted.status, untried.status) == ("found", "state unknown", "found")
    assert untried.reason == "not reached: stopped by Ctrl-C first" and deleted in report.remaining


@pytest.mark.parametrize("wait", ["deadline", "event"])
def test_a_signal_handed_to_another_thread_still_stops_the_wait_at_once(wait: str) -> None:
    """The system may hand a process's signal to any of its threads; Python runs the handler in the main thread
    only when it next runs Python. The waits wake to do so: Ctrl-C ends them at once, not when they end."""
    import signal

    from albops.deadline import wait_awake

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT reaches only the main thread; this runner runs tests in another")

    def ctrl_c_in_this_thread() -> None:
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # delivered to this thread, not the main one

    release = threading.Event()
    threading.Timer(0.2, ctrl_c_in_this_thread).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        if wait == "deadline":
            Deadline(call_seconds=30).run(lambda: release.wait(30), endpoint="e", step="DescribeTargetGroups")
        else:
            wait_awake(release)
    release.set()
    assert time.monotonic() - started < 5
