"""``albops teardown``: it touches only a cluster it can prove is the stack's, in the right order, re-runnable.

Pulumi sits behind a small interface; the fake here is built from a checked-in
``pulumi stack export`` document (``tests/data/pr-40.stack-export.json``). The
cluster's API server is a fake on 127.0.0.1 holding other teams' objects, and the
AWS side (the EKS cluster and its tags, the controller's resources, the sweep)
is moto in server mode.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from albops.__main__ import main
from albops.cluster import teardown as teardown_code
from albops.cluster.aws import AwsSession
from albops.cluster.kube import KubeObject, KubernetesApi, UnreachableError
from albops.cluster.sweep import Timing
from albops.cluster.teardown import RefusedError, Target, Teardown, backend_target, target_from_config
from tests.aws_fakes import build_fleet
from tests.kube_fake import FakeApiServer, obj, serve

ROOT = Path(__file__).resolve().parent.parent
EXPORT: dict[str, Any] = json.loads((ROOT / "tests" / "data" / "pr-40.stack-export.json").read_text())
FAST = Timing(deadline_seconds=3, poll_seconds=0.01)
EPHEMERAL = {
    "aws:region": "us-west-2",
    "alb-ingress:cluster": {"create": True},
    "alb-ingress:ephemeral": {"owner": "team-a", "expires": "2026-12-01"},
}
OURS = {"alb-ingress/ephemeral": "true", "alb-ingress/stack": "organization/alb-ingress/pr-40"}


def chart_tags(stack: str, organization: str = "organization", project: str = "alb-ingress") -> dict[str, str]:
    """The chart's defaultTags of a short-lived stack: the controller puts them on everything it creates,
    the shared backend security group included (pkg/networking/backend_sg_provider.go at v3.5.0)."""
    return {
        "alb-ingress/ephemeral": "true",
        "alb-ingress/owner": "team-a",
        "alb-ingress/expires": "2026-12-01",
        "alb-ingress/stack": f"{organization}/{project}/{stack}",
    }


def _export_for(cluster: str, arn: str | None) -> dict[str, Any]:
    """The checked-in export with its cluster renamed (or removed, for a stack that never created one)."""
    document: dict[str, Any] = copy.deepcopy(EXPORT)
    resources = document["deployment"]["resources"]
    if arn is None:
        document["deployment"]["resources"] = [r for r in resources if r["type"] != "aws:eks/cluster:Cluster"]
        return document
    for resource in resources:
        if resource["type"] == "aws:eks/cluster:Cluster":
            resource["outputs"].update({"name": cluster, "arn": arn})
    return document


class FakeBackend:
    """The backend's copy of a stack: its config and its ``pulumi stack export`` state."""

    def __init__(
        self,
        log: list[str],
        config: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
        fail_destroy: bool = False,
        present: bool = True,
        organization: str = "organization",
        stack: str = "pr-40",
    ) -> None:
        self.log = log
        self._config = config if config is not None else dict(EPHEMERAL)
        self.state = state if state is not None else EXPORT
        self.fail_destroy = fail_destroy
        self.present = present
        self.organization = organization
        self.stack = stack

    def exists(self) -> bool:
        return self.present

    def qualified_name(self) -> str:
        # What `pulumi stack --show-name --fully-qualify-stack-names` prints (a self-managed backend: "organization").
        return f"{self.organization}/alb-ingress/{self.stack}"

    def config(self) -> dict[str, Any]:
        self.log.append("config")
        return dict(self._config)

    def export(self) -> dict[str, Any]:
        return self.state

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


def _eks_cluster(aws: AwsSession, name: str, tags: dict[str, str] | None = None) -> str:
    subnets = [s["SubnetId"] for s in aws.client("ec2").describe_subnets()["Subnets"]][:2]
    created = aws.client("eks").create_cluster(
        name=name,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": subnets},
        tags=tags or {},
    )
    return str(created["cluster"]["arn"])


def _target(stack: str = "pr-40", cluster: str = "pr-40", arn: str | None = None) -> Target:
    return Target(stack, cluster, "us-west-2", "team-a", "2026-12-01", cluster_arn=arn, organization="organization")


def _other_teams() -> list[dict[str, Any]]:
    return [
        obj("IngressClass", "", "alb", controller="ingress.k8s.aws/alb"),
        obj("Ingress", "team-a", "shop", ingressClassName="alb"),
        obj("Ingress", "team-b", "api", ingressClassName="alb"),
        obj("Service", "ingress-nginx", "ingress-nginx-controller", type="LoadBalancer"),
        obj("Service", "team-b", "db", type="ClusterIP"),
    ]


def test_the_steps_run_in_order_and_leave_nothing(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    arn = _eks_cluster(aws, "pr-40", OURS)
    fleet = build_fleet(aws, "pr-40", groups=2, extra=chart_tags("pr-40"))
    log: list[str] = []

    def cleanup() -> None:
        _delete_fleet(aws, fleet.load_balancers + fleet.target_groups + fleet.security_groups[1:])
        aws.client("eks").delete_cluster(name="pr-40")  # what pulumi destroy does, early, for the sweep

    cluster = FakeCluster(log, _objects(), on_cleanup=cleanup)
    said: list[str] = []
    target = _target(arn=arn)
    code = Teardown(target, lambda: FakeBackend(log), lambda _: cluster, aws, FAST, said.append).run()
    assert code == 0, said
    assert log == [
        "delete Ingress echoserver/echoserver",
        "delete Service team-b/nlb",
        "delete Gateway team-c/gw",
        "destroy",
        "remove",
    ]
    assert any("is this stack's" in line for line in said)
    assert any("waiting for the controller" in line for line in said)
    # The backend security group the controller kept went with the sweep.
    groups = {g["GroupId"] for g in aws.client("ec2").describe_security_groups()["SecurityGroups"]}
    assert fleet.security_groups[0] not in groups


def test_a_failed_destroy_stops_before_removing_and_a_rerun_finishes(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    build_fleet(aws, "pr-41", extra=chart_tags("pr-41"))
    log: list[str] = []
    target = _target("pr-41", "pr-41")  # the cluster is gone already: nothing in it to prove or delete

    def gone(_: dict[str, Any]) -> FakeCluster:
        raise UnreachableError("no such host")

    first = Teardown(target, lambda: FakeBackend(log, fail_destroy=True), gone, aws, FAST, lambda _: None).run()
    assert first == 1
    assert log == ["destroy"]
    second = Teardown(target, lambda: FakeBackend(log), gone, aws, FAST, lambda _: None).run()
    assert second == 0
    assert log == ["destroy", "destroy", "remove"]


def test_an_unreachable_cluster_skips_to_destroy_and_sweep(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    arn = _eks_cluster(aws, "pr-42", {**OURS, "alb-ingress/stack": "organization/alb-ingress/pr-42"})
    fleet = build_fleet(aws, "pr-42", extra=chart_tags("pr-42"))
    log: list[str] = []
    said: list[str] = []

    def gone(_: dict[str, Any]) -> FakeCluster:
        raise UnreachableError("cluster pr-42 cannot be reached")

    class DestroyingBackend(FakeBackend):
        def destroy(self) -> None:
            super().destroy()
            aws.client("eks").delete_cluster(name="pr-42")

    target = _target("pr-42", "pr-42", arn)
    assert Teardown(target, lambda: DestroyingBackend(log), gone, aws, FAST, said.append).run() == 0
    assert any("not reachable" in line for line in said)
    left = {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert not set(fleet.load_balancers) & left


# -- proving the cluster is the stack's --------------------------------------------


def _teardown_against(aws: AwsSession, target: Target, api: FakeApiServer, log: list[str]) -> str:
    """Run a teardown whose cluster API is the fake server; the refusal text (teardown must refuse)."""
    with serve(api) as url:
        job = Teardown(target, lambda: FakeBackend(log), lambda _: KubernetesApi(url, "token"), aws, FAST, log.append)
        with pytest.raises(RefusedError) as refused:
            job.run()
    return str(refused.value)


def test_a_stack_that_names_another_teams_cluster_deletes_nothing(aws_env: str) -> None:
    """The reported attack: an ephemeral stack whose config names the shared `stage` cluster."""
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "stage", {"team": "platform"})
    fleet = build_fleet(aws, "stage")
    backend = FakeBackend(
        [], config={**EPHEMERAL, "alb-ingress:cluster": {"create": True, "name": "stage"}}, stack="pr-666"
    )
    backend.state = _export_for("stage", None)  # pr-666 never created a cluster
    target = backend_target("pr-666", backend)
    api = FakeApiServer(_other_teams())
    before = api.names()
    log: list[str] = []
    message = _teardown_against(aws, target, api, log)
    assert "records no cluster" in message and "nothing was deleted" in message
    assert api.names() == before and not api.deleted
    assert "destroy" not in log
    left = {lb["LoadBalancerArn"] for lb in aws.client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert set(fleet.load_balancers) <= left


@pytest.mark.parametrize(
    ("tags", "fragment"),
    [
        ({"team": "platform"}, "no alb-ingress/ephemeral=true tag"),
        (
            {"alb-ingress/ephemeral": "true", "alb-ingress/stack": "organization/alb-ingress/pr-7"},
            "alb-ingress/stack=organization/alb-ingress/pr-7",
        ),
        (
            {"alb-ingress/ephemeral": "true", "alb-ingress/stack": "acme/alb-ingress/pr-40"},
            "alb-ingress/stack=acme/alb-ingress/pr-40, not organization/alb-ingress/pr-40",
        ),
        (
            {"alb-ingress/ephemeral": "true"},
            "aws eks tag-resource --region us-west-2 --resource-arn arn:aws:eks:us-west-2:123456789012:cluster/pr-40 "
            "--tags alb-ingress/stack=organization/alb-ingress/pr-40",
        ),
        (
            {"alb-ingress/ephemeral": "true", "alb-ingress/stack": "alb-ingress/pr-40"},
            "old two-part owner value alb-ingress/stack=alb-ingress/pr-40",
        ),
    ],
    ids=["not-ephemeral", "another-stacks", "another-organizations", "created-before-the-tag", "two-part-value"],
)
def test_a_cluster_without_this_stacks_tags_is_refused(aws_env: str, tags: dict[str, str], fragment: str) -> None:
    aws = AwsSession("us-west-2")
    arn = _eks_cluster(aws, "pr-40", tags)
    api = FakeApiServer(_other_teams())
    before = api.names()
    log: list[str] = []
    message = _teardown_against(aws, _target(arn=arn), api, log)
    assert fragment in message and "nothing was deleted" in message
    assert api.names() == before and "destroy" not in log


def test_a_cluster_whose_arn_is_not_the_recorded_one_is_refused(aws_env: str) -> None:
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "pr-40", OURS)
    api = FakeApiServer(_other_teams())
    recorded = "arn:aws:eks:us-west-2:444455556666:cluster/pr-40"
    message = _teardown_against(aws, _target(arn=recorded), api, [])
    assert recorded in message and "arn:aws:eks:us-west-2:123456789012:cluster/pr-40" in message
    assert not api.deleted


def test_config_and_state_that_disagree_are_refused() -> None:
    backend = FakeBackend([], config={**EPHEMERAL, "alb-ingress:cluster": {"create": True, "name": "stage"}})
    with pytest.raises(RefusedError, match="records cluster pr-40, but its config names stage"):
        backend_target("pr-40", backend)


def test_the_backend_target_takes_the_arn_from_the_exported_state() -> None:
    target = backend_target("pr-40", FakeBackend([]))
    assert (target.cluster, target.cluster_arn) == ("pr-40", "arn:aws:eks:us-west-2:123456789012:cluster/pr-40")
    assert target.stack_tag == "organization/alb-ingress/pr-40"


@pytest.mark.parametrize(
    "qualified", ["pr-40", "alb-ingress/pr-40", "acme/other-project/pr-40", "acme/alb-ingress/pr-41", "a/b/c/d", ""]
)
def test_a_backend_name_that_is_not_org_project_stack_is_refused(qualified: str) -> None:
    class Odd(FakeBackend):
        def qualified_name(self) -> str:
            return qualified

    with pytest.raises(RefusedError, match="cannot tell which owner tag is this stack's"):
        backend_target("pr-40", Odd([]))


def test_the_organization_is_the_backends() -> None:
    target = backend_target("pr-40", FakeBackend([], organization="acme"))
    assert target.stack_tag == "acme/alb-ingress/pr-40"


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


# -- the command ----------------------------------------------------------------------


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


@pytest.mark.parametrize("yes", [["--yes"], []])
def test_cli_a_stack_with_no_file_that_is_no_pull_request_stack_is_bad_input(
    yes: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped name is found before the Pulumi CLI is looked for (it is not installed here)."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["teardown", "--stack", "nosuch", "--project-dir", str(tmp_path), *yes]) == 2
    err = capsys.readouterr().err
    assert "--stack nosuch: no Pulumi.nosuch.yaml" in err and "pr-<number>" in err
    assert "Pulumi CLI" not in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_without_yes_lists_the_steps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.pr-5.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  alb-ingress:cluster:\n    create: true\n"
        "  alb-ingress:ephemeral:\n    owner: team-a\n    expires: '2026-12-01'\n"
    )
    assert main(["teardown", "--stack", "pr-5", "--project-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "cluster pr-5 in us-west-2" in out and "--yes" in out and "backend's copy" in out


def test_cli_a_pull_request_stack_file_does_not_decide_what_is_deleted(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The checkout's file names `stage`; the backend's copy names pr-40, whose cluster alone is emptied."""
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "stage")
    _eks_cluster(aws, "pr-40", OURS)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.pr-40.yaml").write_text(
        "config:\n  aws:region: us-west-2\n  alb-ingress:cluster:\n    create: true\n    name: stage\n"
        "  alb-ingress:ephemeral:\n    owner: mallory\n    expires: '2026-12-01'\n"
    )
    log: list[str] = []

    class ClusterGoesWithDestroy(FakeBackend):
        def destroy(self) -> None:
            super().destroy()
            aws.client("eks").delete_cluster(name="pr-40")

    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: ClusterGoesWithDestroy(log))
    api = FakeApiServer([obj("Ingress", "echoserver", "echoserver", ingressClassName="alb")])
    reached: list[str] = []
    with serve(api) as url:

        def for_eks(_: AwsSession, description: dict[str, Any]) -> KubernetesApi:
            reached.append(description["name"])
            return KubernetesApi(url, "token")

        monkeypatch.setattr(KubernetesApi, "for_eks", staticmethod(for_eks))
        code = main(["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes", "--wait-seconds", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert reached == ["pr-40"]
    assert "the backend's copy names pr-40" in out
    assert log == ["config", "destroy", "remove"]
    assert {c for c in aws.client("eks").list_clusters()["clusters"]} == {"stage"}


def test_cli_refuses_a_stack_the_backend_does_not_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: FakeBackend([], present=False))
    assert main(["teardown", "--stack", "pr-77", "--project-dir", str(tmp_path), "--yes"]) == 3
    err = capsys.readouterr().err
    assert "does not exist in the backend" in err and "nothing was deleted" in err


def test_kubernetes_api_finds_only_what_the_controllers_manage() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from albops.cluster.kube import KubernetesApi

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
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
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

    from albops.cluster.kube import eks_token

    token = eks_token(AwsSession("us-west-2"), "pr-43")
    assert token.startswith("k8s-aws-v1.")
    payload = token.removeprefix("k8s-aws-v1.")
    url = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["Action"] == ["GetCallerIdentity"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0]


def test_ctrl_c_during_a_teardown_is_exit_130_after_the_steps_it_said(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = AwsSession("us-west-2")
    _eks_cluster(aws, "pr-40", OURS)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())

    class Interrupted(FakeBackend):
        def destroy(self) -> None:
            raise KeyboardInterrupt  # Ctrl-C while pulumi destroy runs

    monkeypatch.setattr(teardown_code, "backend_for", lambda stack, project_dir: Interrupted([]))
    monkeypatch.setattr(KubernetesApi, "for_eks", staticmethod(lambda _aws, _d: FakeCluster([], [])))
    code = main(["teardown", "--stack", "pr-40", "--project-dir", str(tmp_path), "--yes", "--wait-seconds", "1"])
    captured = capsys.readouterr()
    assert code == 130
    assert "step 1: cluster pr-40 is this stack's" in captured.out  # what was done, said as it went
    assert "step 3: pulumi destroy" in captured.out and captured.err.startswith("interrupted:")
