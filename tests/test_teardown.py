"""``albops teardown``: refusals, the order of the steps, and re-runs, without a Pulumi CLI.

Pulumi and the cluster's API server sit behind small interfaces; the fakes here
record what teardown asks of them. The AWS side (waiting for the controller,
the sweep) runs against moto in server mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from albops.__main__ import main
from albops.aws import AwsSession
from albops.kube import KubeObject, UnreachableError
from albops.sweep import Timing
from albops.teardown import RefusedError, Target, Teardown, target_from_config
from tests.aws_fakes import build_fleet

ROOT = Path(__file__).resolve().parent.parent
FAST = Timing(deadline_seconds=3, poll_seconds=0.01)
EPHEMERAL = {
    "aws:region": "us-west-2",
    "alb-ingress:cluster": {"create": True},
    "alb-ingress:ephemeral": {"owner": "team-a", "expires": "2026-12-01"},
}


class FakeBackend:
    def __init__(self, log: list[str], fail_destroy: bool = False) -> None:
        self.log = log
        self.fail_destroy = fail_destroy

    def config(self) -> dict[str, Any]:
        self.log.append("config")
        return dict(EPHEMERAL)

    def destroy(self) -> None:
        self.log.append("destroy")
        if self.fail_destroy:
            raise RuntimeError("update failed: the provider timed out")

    def remove(self) -> None:
        self.log.append("remove")


class FakeCluster:
    """An API server whose controller removes the AWS resources a few polls after their objects are deleted."""

    def __init__(self, log: list[str], objects: list[KubeObject], on_cleanup: Any = None, polls: int = 2) -> None:
        self.log = log
        self.objects = list(objects)
        self.deleted: list[KubeObject] = []
        self.on_cleanup = on_cleanup
        self.polls = polls

    def managed_objects(self) -> list[KubeObject]:
        if self.deleted:
            self.polls -= 1
            if self.polls <= 0 and self.objects:
                self.objects = []
                if self.on_cleanup:
                    self.on_cleanup()
        return list(self.objects)

    def delete(self, obj: KubeObject) -> None:
        self.log.append(f"delete {obj}")
        self.deleted.append(obj)


def _objects() -> list[KubeObject]:
    return [
        KubeObject("Ingress", "echoserver", "echoserver", "/i"),
        KubeObject("Service", "team-b", "nlb", "/s"),
        KubeObject("Gateway", "team-c", "gw", "/g"),
    ]


def _delete_fleet(aws: AwsSession, arns: list[str]) -> None:
    """What the controller does once the objects are gone (it keeps the backend security group)."""
    elb, ec2 = aws.client("elbv2"), aws.client("ec2")
    for arn in arns:
        if ":loadbalancer/" in arn:
            elb.delete_load_balancer(LoadBalancerArn=arn)
    for arn in arns:
        if ":targetgroup/" in arn:
            elb.delete_target_group(TargetGroupArn=arn)
        elif arn.startswith("sg-"):
            ec2.delete_security_group(GroupId=arn)


def test_the_steps_run_in_order_and_leave_nothing(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    fleet = build_fleet(aws, "pr-40", groups=2)
    log: list[str] = []
    cluster = FakeCluster(
        log,
        _objects(),
        on_cleanup=lambda: _delete_fleet(aws, fleet.load_balancers + fleet.target_groups + fleet.security_groups[1:]),
    )
    said: list[str] = []
    target = Target("pr-40", "pr-40", "us-west-2", "team-a", "2026-12-01")
    code = Teardown(target, lambda: FakeBackend(log), lambda: cluster, aws, FAST, said.append).run()
    assert code == 0, said
    assert log == [
        "delete Ingress echoserver/echoserver",
        "delete Service team-b/nlb",
        "delete Gateway team-c/gw",
        "destroy",
        "remove",
    ]
    assert any("waiting for the controller" in line for line in said)
    # The backend security group the controller kept went with the sweep.
    groups = {g["GroupId"] for g in aws.client("ec2").describe_security_groups()["SecurityGroups"]}
    assert fleet.security_groups[0] not in groups


def test_a_failed_destroy_stops_before_removing_and_a_rerun_finishes(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    build_fleet(aws, "pr-41")
    log: list[str] = []
    target = Target("pr-41", "pr-41", "us-west-2", "team-a", "2026-12-01")

    def gone() -> FakeCluster:
        raise UnreachableError("no such host")

    first = Teardown(target, lambda: FakeBackend(log, fail_destroy=True), gone, aws, FAST, lambda _: None).run()
    assert first == 1
    assert log == ["destroy"]
    second = Teardown(target, lambda: FakeBackend(log), gone, aws, FAST, lambda _: None).run()
    assert second == 0
    assert log == ["destroy", "destroy", "remove"]


def test_an_unreachable_cluster_skips_to_destroy_and_sweep(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    fleet = build_fleet(aws, "pr-42")
    log: list[str] = []
    said: list[str] = []

    def gone() -> FakeCluster:
        raise UnreachableError("cluster pr-42 cannot be described")

    target = Target("pr-42", "pr-42", "us-west-2", "team-a", "2026-12-01")
    assert Teardown(target, lambda: FakeBackend(log), gone, aws, FAST, said.append).run() == 0
    assert any("not reachable" in line for line in said)
    left = {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert not set(fleet.load_balancers) & left


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"aws:region": "us-west-2", "alb-ingress:cluster": {"name": "stage"}}, "not marked ephemeral"),
        (
            {**EPHEMERAL, "alb-ingress:cluster": {"name": "shared", "create": False}},
            "uses an existing cluster",
        ),
        ({k: v for k, v in EPHEMERAL.items() if k != "aws:region"}, "no aws:region"),
    ],
)
def test_stacks_not_made_for_teardown_are_refused(config: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RefusedError, match=fragment):
        target_from_config("x", config)


def test_ephemeral_config_names_the_cluster_after_the_stack() -> None:
    target = target_from_config("pr-7", {**EPHEMERAL, "alb-ingress:cluster": '{"create": true}'})
    assert (target.cluster, target.region, target.owner) == ("pr-7", "us-west-2", "team-a")


def test_cli_refuses_a_non_ephemeral_stack_file_without_pulumi_or_cloud(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", os.path.dirname(os.__file__))  # no pulumi, no kubectl, no aws
    assert main(["teardown", "--stack", "stage", "--yes"]) == 3
    err = capsys.readouterr().err
    assert "not marked ephemeral" in err and "Traceback" not in err


def test_cli_without_the_stack_file_needs_the_pulumi_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["teardown", "--stack", "pr-9", "--project-dir", str(tmp_path), "--yes"]) == 4
    err = capsys.readouterr().err
    assert "Pulumi CLI is not installed" in err and "Traceback" not in err


def test_cli_without_yes_lists_the_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.pr-5.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  alb-ingress:cluster:\n    create: true\n"
        "  alb-ingress:ephemeral:\n    owner: team-a\n    expires: '2026-12-01'\n"
    )
    assert main(["teardown", "--stack", "pr-5", "--project-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cluster pr-5 in us-west-2" in out and "--yes" in out


def test_kubernetes_api_finds_only_what_the_controllers_manage() -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from albops.kube import KubernetesApi

    def meta(ns: str, name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
        return {"namespace": ns, "name": name, "annotations": annotations or {}}

    lists = {
        "/apis/networking.k8s.io/v1/ingressclasses": [
            {"metadata": {"name": "alb"}, "spec": {"controller": "ingress.k8s.aws/alb"}},
            {"metadata": {"name": "alb-auto"}, "spec": {"controller": "eks.amazonaws.com/alb"}},
            {"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}},
        ],
        "/apis/networking.k8s.io/v1/ingresses": [
            {"metadata": meta("a", "one"), "spec": {"ingressClassName": "alb"}},
            {"metadata": meta("a", "two"), "spec": {"ingressClassName": "alb-auto"}},
            {"metadata": meta("b", "legacy", {"kubernetes.io/ingress.class": "alb"}), "spec": {}},
            {"metadata": meta("c", "nginx"), "spec": {"ingressClassName": "nginx"}},
        ],
        "/api/v1/services": [
            {"metadata": meta("a", "lb"), "spec": {"type": "LoadBalancer"}},
            {"metadata": meta("a", "internal"), "spec": {"type": "ClusterIP"}},
        ],
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses": [
            {"metadata": {"name": "aws-alb"}, "spec": {"controllerName": "gateway.k8s.aws/alb"}},
            {"metadata": {"name": "istio"}, "spec": {"controllerName": "istio.io/gateway-controller"}},
        ],
        "/apis/gateway.networking.k8s.io/v1/gateways": [
            {"metadata": meta("g", "web"), "spec": {"gatewayClassName": "aws-alb"}},
            {"metadata": meta("g", "mesh"), "spec": {"gatewayClassName": "istio"}},
        ],
    }
    seen: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            seen.append(("GET", self.path, self.headers["Authorization"]))
            self._reply({"items": lists.get(self.path, [])})

        def do_DELETE(self) -> None:
            seen.append(("DELETE", self.path, self.headers["Authorization"]))
            self._reply({"status": "Success"})

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        api = KubernetesApi(f"http://127.0.0.1:{server.server_port}", "k8s-aws-v1.token")
        found = {str(o) for o in api.managed_objects()}
        assert found == {"Ingress a/one", "Ingress a/two", "Ingress b/legacy", "Service a/lb", "Gateway g/web"}
        api.delete(next(o for o in api.managed_objects() if o.kind == "Gateway"))
        assert (
            "DELETE",
            "/apis/gateway.networking.k8s.io/v1/namespaces/g/gateways/web",
            "Bearer k8s-aws-v1.token",
        ) in seen
    finally:
        server.shutdown()
    with pytest.raises(UnreachableError):
        KubernetesApi("http://127.0.0.1:9", "t", timeout=2).managed_objects()


def test_eks_token_is_a_presigned_sts_url_naming_the_cluster(aws_env: str) -> None:
    import base64
    import urllib.parse

    from albops.kube import eks_token

    token = eks_token(AwsSession("us-west-2"), "pr-43")
    assert token.startswith("k8s-aws-v1.")
    payload = token.removeprefix("k8s-aws-v1.")
    url = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["Action"] == ["GetCallerIdentity"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0]
