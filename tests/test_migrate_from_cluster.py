"""migrate --from-cluster against a fake API server on 127.0.0.1 over TLS (tests/kube_api_fake.py).

The cluster holds two ingress-nginx installs (a Deployment recognised by its args, a DaemonSet by its command
only, both without chart labels), other teams' objects, and Ingresses no install serves. Expectations are
written by hand from ingress-nginx controller-v1.15.1 (store.go GetIngressClass, flags.go) and the AWS Load
Balancer Controller's Service annotations: which install serves which Ingress, the scheme and NLB certificate
each Ingress inherits, the ConfigMap's timeouts.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.__main__ import main
from albops.deadline import Deadline
from albops.migrate import Options, from_cluster, migrate
from albops.migrate.from_cluster import ExternalDns
from albops.migrate.serving import SelectorError, selector_matches
from tests.kube_api_fake import FakeCluster, Served, client_certificate, kubeconfig, serve

SVC = "service.beta.kubernetes.io/"
ALB = "alb.ingress.kubernetes.io/"
PUBLIC_CERT = "arn:aws:acm:eu-west-1:111122223333:certificate/0f0e0d0c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
TOKEN = "s3cr3t-token-never-printed"


_CREATED = itertools.count()


def meta(namespace: str, name: str, **extra: Any) -> dict[str, Any]:
    """Metadata as the API server returns it: objects are created in the order a test builds them."""
    created = (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=next(_CREATED))).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "namespace": namespace,
        "name": name,
        "uid": f"uid-{namespace}-{name}",
        "resourceVersion": "7",
        "creationTimestamp": created,
        **extra,
    }


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
    }


def ingress_class(name: str, controller: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": name},
        "spec": {"controller": controller},
    }


def workload(kind: str, namespace: str, name: str, container: dict[str, Any], app: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": meta(namespace, name),
        "spec": {
            "selector": {"matchLabels": {"app": app}},
            "template": {"metadata": {"labels": {"app": app}}, "spec": {"containers": [container]}},
        },
    }


POD_NAMESPACE = {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}


def public_install(extra_args: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """ingress-nginx in ingress-nginx: class nginx, an internet-facing NLB with TLS at the NLB on 443."""
    container = {
        "name": "controller",
        "image": "registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:0000",
        "args": [
            "/nginx-ingress-controller",
            "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
            "--controller-class=k8s.io/ingress-nginx",
            "--ingress-class=nginx",
            "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller",
            *extra_args,
        ],
        "env": [POD_NAMESPACE],
    }
    annotations = {
        SVC + "aws-load-balancer-type": "external",
        SVC + "aws-load-balancer-scheme": "internet-facing",
        SVC + "aws-load-balancer-ssl-cert": PUBLIC_CERT,
        SVC + "aws-load-balancer-ssl-ports": "https",
    }
    return [
        workload("Deployment", "ingress-nginx", "ingress-nginx-controller", container, "public-ic"),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("ingress-nginx", "ingress-nginx-controller", annotations=annotations),
            "spec": {
                "type": "LoadBalancer",
                "selector": {"app": "public-ic"},
                "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
            },
            "status": {"loadBalancer": {"ingress": [{"hostname": "public-0123.elb.eu-west-1.amazonaws.com"}]}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("ingress-nginx", "ingress-nginx-controller"),
            "data": {"proxy-read-timeout": "120"},
        },
    ]


def internal_install(args: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A second install as a DaemonSet of a mirrored image, known by its command only: an internal in-tree NLB."""
    container = {
        "name": "ic",
        "image": "mirror.example.com/edge/nginx-ic:1.15",
        "command": ["/nginx-ingress-controller"],
        "args": [
            "--controller-class=k8s.io/ingress-nginx-internal",
            "--ingress-class=nginx-internal",
            "--configmap=ingress-internal/internal-config",
            *args,
        ],
    }
    return [
        workload("DaemonSet", "ingress-internal", "edge", container, "internal-ic"),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("ingress-internal", "edge-lb", annotations={SVC + "aws-load-balancer-internal": "true"}),
            "spec": {"type": "LoadBalancer", "selector": {"app": "internal-ic"}, "ports": [{"port": 80}]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("ingress-internal", "internal-config"),
            "data": {"proxy-read-timeout": "300", "hsts-max-age": "600", "hsts-include-subdomains": "false"},
        },
    ]


def app_ingress(namespace: str, name: str, host: str, cls: str | None, port: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": port}}}
                    ]
                },
            }
        ]
    }
    if cls:
        spec["ingressClassName"] = cls
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(namespace, name),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


def tls(ingress: dict[str, Any]) -> dict[str, Any]:
    """The Ingress with TLS for its hosts from a Secret (ingress-nginx holds the certificate)."""
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    ingress["spec"]["tls"] = [{"hosts": hosts, "secretName": "tls"}]
    return ingress


def backend(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(namespace, "web"),
        "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]},
    }


def other_teams() -> list[dict[str, Any]]:
    """Objects that are not ingress-nginx's: an ALB Ingress, a Traefik one, a plain nginx web server Deployment,
    a Secret (never read), and external-dns."""
    return [
        ingress_class("alb", "ingress.k8s.aws/alb"),
        app_ingress("other", "alb-app", "alb.example.com", "alb", {"number": 8080}),
        app_ingress("other", "traefik-app", "t.example.com", "traefik", {"number": 8080}),
        backend("other"),
        workload("Deployment", "other", "webserver", {"name": "nginx", "image": "nginx:1.27"}, "webserver"),
        {"apiVersion": "v1", "kind": "Secret", "metadata": meta("other", "creds"), "data": {"k": "c2VjcmV0"}},
        workload(
            "Deployment",
            "kube-system",
            "external-dns",
            {
                "name": "external-dns",
                "image": "registry.k8s.io/external-dns/external-dns:v0.15.0",
                "args": ["--source=ingress", "--registry=txt", "--txt-prefix=edns-", "--txt-owner-id=prod"],
            },
            "external-dns",
        ),
    ]


def two_installs() -> list[dict[str, Any]]:
    return [
        ns("ingress-nginx"),
        ns("ingress-internal"),
        ns("shop"),
        ns("team-b"),
        ns("other"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        ingress_class("nginx-internal", "k8s.io/ingress-nginx-internal"),
        *public_install(),
        *internal_install(),
        backend("shop"),
        backend("team-b"),
        app_ingress("shop", "web", "shop.example.com", "nginx", {"name": "http"}),
        tls(app_ingress("team-b", "api", "api.internal.example", "nginx-internal", {"name": "http"})),
        *other_teams(),
    ]


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Any:
    """Start a fake API server for objects; yields (cluster, served, kubeconfig path) with a token user."""
    started: list[Any] = []

    def start(objects: list[dict[str, Any]], **settings: Any) -> tuple[FakeCluster, Served, Path]:
        cluster = FakeCluster(objects, tokens={TOKEN: "migrator"}, **settings)
        manager = serve(cluster, tmp_path)
        served = manager.__enter__()
        started.append(manager)
        path = kubeconfig(tmp_path / "kubeconfig", served, {"migrator": {"token": TOKEN}}, current="migrator")
        return cluster, served, path

    yield start
    for manager in started:
        manager.__exit__(None, None, None)


def run(capsys: Any, *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["migrate", *argv])
    out, err = capsys.readouterr()
    return code, [d for d in yaml.safe_load_all(out) if d], err


def by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']} {d['metadata'].get('namespace', '')}/{d['metadata']['name']}": d for d in documents}


def alb_annotations(document: dict[str, Any]) -> dict[str, str]:
    return dict(document["metadata"].get("annotations") or {})


def test_two_installs_each_ingress_converted_with_its_own_installs_facts(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    cluster, _, path = cluster_factory(two_installs())
    report_file = tmp_path / "report.json"
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    objects = by_name(out)
    # Only the two ingress-nginx Ingresses are written; nothing read is written back (Services, classes, ...).
    assert sorted(objects) == ["Ingress shop/web", "Ingress team-b/api"], err
    shop, api = alb_annotations(objects["Ingress shop/web"]), alb_annotations(objects["Ingress team-b/api"])
    # The public install: aws-load-balancer-scheme internet-facing; TLS at the NLB on the port named https.
    assert shop[ALB + "scheme"] == "internet-facing"
    assert shop[ALB + "certificate-arn"] == PUBLIC_CERT
    # The internal install: the in-tree provider's aws-load-balancer-internal: internal; no TLS at its NLB.
    assert api[ALB + "scheme"] == "internal"
    assert ALB + "certificate-arn" not in api
    # Each install's ConfigMap: proxy-read-timeout 120 and 300 become each group's idle timeout.
    assert "idle_timeout.timeout_seconds=120" in shop.get(ALB + "load-balancer-attributes", "")
    assert "idle_timeout.timeout_seconds=300" in api.get(ALB + "load-balancer-attributes", "")
    # HSTS from the internal install's ConfigMap on its TLS host's HTTPS listener; nginx behind the public NLB
    # (TLS ended there) sent none, so none is added there.
    hsts = "routing.http.response.strict_transport_security.header_value=max-age=600"
    assert hsts in api[ALB + "listener-attributes.HTTPS-443"]
    assert "strict_transport_security" not in shop.get(ALB + "listener-attributes.HTTPS-443", "")
    report = json.loads(report_file.read_text())
    details = [f["detail"] for f in report["findings"] if f["annotation"] == "--from-cluster"]
    assert any(
        "4 Ingresses read: 2 served by an ingress-nginx install (0 by two or more), 2 served by none" in d
        for d in details
    ), details
    left = {f["ingress"] for f in report["findings"] if str(f["detail"]).startswith("left out, not converted")}
    assert left == {"other/alb-app", "other/traefik-app"}
    assert any("external-dns" in f["annotation"] and "--txt-prefix=edns-" in f["detail"] for f in report["findings"])
    assert any("external-dns.alpha.kubernetes.io/" in f["detail"] for f in report["findings"])
    # Only reads reached the server, every list was chunked, and no Secret was asked for.
    assert cluster.methods() == {"GET"}
    assert all(limit > 0 for limit in cluster.page_limits)
    assert not any("/secrets" in p for _, p, _ in cluster.requests)
    assert TOKEN not in err
    assert code in (0, 1)


@pytest.mark.parametrize("to", ["ingress", "gateway"])
def test_files_and_cluster_give_the_same_output(cluster_factory: Any, capsys: Any, tmp_path: Path, to: str) -> None:
    """The same objects as a file (a List, as kubectl get -o yaml prints it) and from the API server convert
    alike: what the cluster path writes is exactly what the file path converts (it writes back nothing read)."""
    objects = two_installs()
    _, _, path = cluster_factory(objects)
    _, from_cluster, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--to", to)
    dump = tmp_path / "dump.yaml"
    dump.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects}))
    items = [o for o in yaml.safe_load(dump.read_text())["items"] if o["kind"] != "Secret"]
    read_kinds = {o["kind"] for o in items} - {"Ingress"}
    converted, _ = migrate(items, Options(from_cluster=True, to=to))
    from_file = [o for o in converted if o["kind"] not in read_kinds]
    assert from_file and from_cluster == from_file, err
    if to == "gateway":
        # The named port 'http' resolved to 8080 from the backend Services read from the cluster.
        ports = {
            ref.get("port")
            for route in from_cluster
            if route["kind"] == "HTTPRoute"
            for rule in route["spec"].get("rules", [])
            for ref in rule.get("backendRefs", [])
        }
        assert ports == {8080}


def test_two_installs_sharing_a_class_are_both_named(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    second = internal_install(("--publish-service=ingress-internal/edge-lb",))
    # The second install claims class nginx too (the same --controller-class as the first).
    second[0]["spec"]["template"]["spec"]["containers"][0]["args"][:2] = [
        "--controller-class=k8s.io/ingress-nginx",
        "--ingress-class=nginx",
    ]
    objects = [
        ns("shop"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        *public_install(),
        *second,
        backend("shop"),
        app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080}),
    ]
    _, _, path = cluster_factory(objects)
    report_file = tmp_path / "r.json"
    code, _, _ = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    findings = json.loads(report_file.read_text())["findings"]
    both = [f["detail"] for f in findings if f["ingress"] == "shop/web" and "served by 2 installs" in f["detail"]]
    assert (
        both
        and "Deployment ingress-nginx/ingress-nginx-controller" in both[0]
        and "DaemonSet ingress-internal/edge" in both[0]
    )
    # Their schemes differ: internal, never internet-facing by a silent choice; their ConfigMaps differ: held.
    assert any("different schemes" in f["detail"] for f in findings)
    assert any("different ConfigMaps" in f["detail"] for f in findings)
    assert code in (1, 3)


def test_watch_namespace_and_selector_decide_what_an_install_serves(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    objects = [
        ns("ingress-nginx"),
        ns("shop", team="shop"),
        ns("blog", team="blog"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        *public_install(("--watch-namespace-selector=team in (shop,payments)",)),
        backend("shop"),
        backend("blog"),
        app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080}),
        app_ingress("blog", "web", "blog.example.com", "nginx", {"number": 8080}),
    ]
    cluster, _, path = cluster_factory(objects)
    report_file = tmp_path / "r.json"
    _, out, _ = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    assert sorted(by_name(out)) == ["Ingress shop/web"]
    findings = json.loads(report_file.read_text())["findings"]
    blog = [f["detail"] for f in findings if f["ingress"] == "blog/web"]
    assert any("selected by 'team in (shop,payments)'; blog is not one" in d for d in blog), blog
    assert ("GET", "/api/v1/namespaces", "migrator") in cluster.requests


def test_watch_namespace_single(cluster_factory: Any, capsys: Any) -> None:
    objects = [
        ns("shop"),
        ns("blog"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        *public_install(("--watch-namespace=shop",)),
        app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080}),
        app_ingress("blog", "web", "blog.example.com", "nginx", {"number": 8080}),
    ]
    _, _, path = cluster_factory(objects)
    _, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert sorted(by_name(out)) == ["Ingress shop/web"]
    assert "watches namespace shop only (--watch-namespace)" in err


def test_class_by_name_annotation_and_classless(cluster_factory: Any, capsys: Any) -> None:
    """--ingress-class-by-name takes an IngressClass by its name whatever its controller; the legacy annotation
    must equal --ingress-class; a classless Ingress needs --watch-ingress-without-class."""
    legacy = app_ingress("shop", "legacy", "legacy.example.com", None, {"number": 8080})
    legacy["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "edge"}
    wrong = app_ingress("shop", "wrong", "wrong.example.com", None, {"number": 8080})
    wrong["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "nginx"}
    objects = [
        ns("shop"),
        ingress_class("edge", "example.com/some-other-controller"),
        *internal_install(("--ingress-class-by-name", "--watch-ingress-without-class=true")),
        app_ingress("shop", "byname", "byname.example.com", "edge", {"number": 8080}),
        legacy,
        wrong,
        app_ingress("shop", "classless", "none.example.com", None, {"number": 8080}),
    ]
    objects[2]["spec"]["template"]["spec"]["containers"][0]["args"][1] = "--ingress-class=edge"
    _, _, path = cluster_factory(objects)
    _, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert sorted(by_name(out)) == ["Ingress shop/byname", "Ingress shop/classless", "Ingress shop/legacy"], err


@pytest.mark.parametrize("joins", ["group.name", "class params", "params unread", "being deleted"])
def test_the_clusters_alb_ingresses_are_members_of_the_group_though_not_in_the_output(
    cluster_factory: Any, capsys: Any, joins: str
) -> None:
    """An ALB Ingress of the cluster is left out of the output (it is live already), but it is still in the group
    the converted Ingresses join, through its group.name or its class's IngressClassParams (listed from the
    cluster): evaluated before the allow-listed one with a rule of its host, it would answer the clients the
    allow-list refuses, so that one is held back. One being deleted is in no group; params the user may not
    list are said, and group.name is taken."""
    alb = app_ingress("shop", "aaa", "shop.example.com", "alb", {"number": 8080})
    alb["metadata"]["annotations"] = {"alb.ingress.kubernetes.io/group.name": "g"}
    classes = [ingress_class("alb", "ingress.k8s.aws/alb")]
    if joins == "class params":
        alb["spec"]["ingressClassName"] = "shared"
        del alb["metadata"]["annotations"]
        shared = ingress_class("shared", "ingress.k8s.aws/alb")
        shared["spec"]["parameters"] = {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "shared"}
        params = {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams", "metadata": {"name": "shared"}}
        classes += [shared, {**params, "spec": {"group": {"name": "g"}}}]
    if joins == "being deleted":
        alb["metadata"]["deletionTimestamp"] = "2026-12-08T00:00:00Z"
        alb["metadata"]["finalizers"] = ["group.ingress.k8s.aws/g"]
    guarded = app_ingress("shop", "admin", "shop.example.com", "nginx", {"number": 8080})
    guarded["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/admin"
    guarded["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"}
    public = app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080})
    public["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/other"
    objects = [ns("shop"), ingress_class("nginx", "k8s.io/ingress-nginx"), *classes, *public_install()]
    objects += [backend("shop"), alb, guarded, public]
    denied = {"migrator": {("ingressclassparams", "")}} if joins == "params unread" else {}
    _, _, path = cluster_factory(objects, denied=denied)
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--group", "g")
    if joins == "being deleted":
        assert code in (0, 1) and "Ingress shop/admin" in by_name(out), err
        return
    assert (code, out) == (3, []), err
    assert "ALB Ingress shop/aaa of the input (not converted here) joins the same group" in err, err
    if joins == "params unread":
        assert "[approximated] *: IngressClassParams: not read (" in err and "may not list ingressclassparams" in err


def test_rbac_denial_names_verb_resource_group_and_rule(cluster_factory: Any, capsys: Any) -> None:
    _, _, path = cluster_factory(two_installs(), denied={"migrator": {("deployments", "")}})
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and out == []
    assert "context migrator (user migrator) may not list deployments (API group apps) across all namespaces" in err
    assert '{apiGroups: ["apps"], resources: [deployments], verbs: [get, list]}' in err
    assert "cannot list resource" in err  # the API server's own words are kept
    assert TOKEN not in err


def test_namespace_scoped_user_reads_per_namespace(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    cluster, _, path = cluster_factory(two_installs(), namespaced_users={"migrator": {"shop", "ingress-nginx"}})
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and "--namespace" in err  # cluster-wide lists refused: the fix names --namespace
    code, out, err = run(
        capsys, "--from-cluster", "--kubeconfig", str(path), "--namespace", "shop", "--namespace", "ingress-nginx"
    )
    assert sorted(by_name(out)) == ["Ingress shop/web"], err
    assert alb_annotations(out[0])[ALB + "scheme"] == "internet-facing"
    assert "IngressClasses" in err and "matched to installs by class name" in err
    assert {p for _, p, _ in cluster.requests if "/namespaces/team-b/" in p} == set()
    # The controller groups Ingresses of every namespace: those not read are said not weighed.
    assert "[approximated] *: --namespace: only shop, ingress-nginx read: ALB Ingresses of other namespaces" in err


def test_pagination_follows_continue(cluster_factory: Any, capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(from_cluster, "PAGE", 3)
    many = [app_ingress("shop", f"web-{i}", f"h{i}.example.com", "nginx", {"number": 8080}) for i in range(7)]
    objects = [ns("shop"), ingress_class("nginx", "k8s.io/ingress-nginx"), *public_install(), backend("shop"), *many]
    cluster, _, path = cluster_factory(objects)
    _, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    pages = [p for _, p, _ in cluster.requests if p == "/apis/networking.k8s.io/v1/ingresses"]
    assert len(pages) == 3 and set(cluster.page_limits) == {3}  # 3 + 3 + 1
    assert sorted(by_name(out)) == sorted(f"Ingress shop/web-{i}" for i in range(7)), err


def test_client_certificate_and_exec_plugin(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    cluster, served, _ = cluster_factory(two_installs())
    plugin = tmp_path / "get_token.py"
    plugin.write_text(
        "import json\n"
        "print(json.dumps({'apiVersion': 'client.authentication.k8s.io/v1beta1', 'kind': 'ExecCredential',"
        " 'status': {'token': 'exec-token'}}))\n"
    )
    cluster.tokens["exec-token"] = "eks-user"
    users: dict[str, dict[str, Any]] = {
        "cert-user": client_certificate(served, tmp_path, "cert-user"),
        "eks": {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": sys.executable,
                "args": [str(plugin)],
            }
        },
    }
    path = kubeconfig(tmp_path / "kc-multi", served, users)
    for context, user in (("cert-user", "cert-user"), ("eks", "eks-user")):
        _, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--context", context)
        assert sorted(by_name(out)) == ["Ingress shop/web", "Ingress team-b/api"], err
        assert {u for _, _, u in cluster.requests} == {user}
        cluster.requests.clear()


def test_kubeconfig_env_with_several_files(cluster_factory: Any, capsys: Any, tmp_path: Path, monkeypatch: Any) -> None:
    _, served, _ = cluster_factory(two_installs())
    first = kubeconfig(tmp_path / "a", served, {"nobody": {"token": "wrong"}})
    second = kubeconfig(tmp_path / "b", served, {"migrator": {"token": TOKEN}}, current="migrator")
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{first}:{second}")
    code, out, err = run(capsys, "--from-cluster", "--context", "migrator")
    assert len(out) == 2, err
    code, out, err = run(capsys, "--from-cluster", "--context", "nobody")
    assert code == 2 and "refused the credentials of context nobody (user nobody)" in err and "wrong" not in err


def test_kubeconfig_problems_exit_2_naming_them(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    _, served, path = cluster_factory([])
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(tmp_path / "nope"))
    assert code == 2 and f"--kubeconfig {tmp_path / 'nope'}: no such file" in err
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--context", "prod")
    assert code == 2 and "--context prod is not one of its contexts (migrator)" in err
    nocurrent = kubeconfig(tmp_path / "kc-nocurrent", served, {"migrator": {"token": TOKEN}})
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(nocurrent))
    assert code == 2 and "has no current-context; pass --context (one of: migrator)" in err
    broken = tmp_path / "broken"
    broken.write_text("clusters: [unclosed\n")
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(broken))
    assert code == 2 and "not a kubeconfig kubectl can read" in err and "Traceback" not in err


def test_inputs_with_from_cluster_and_cluster_flags_without_it(capsys: Any, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--from-cluster", str(tmp_path))
    assert code == 2 and "and --from-cluster: give files or read the cluster, not both" in err
    code, _, err = run(capsys, str(tmp_path), "--namespace", "shop")
    assert code == 2 and "--namespace only applies with --from-cluster" in err
    code, _, err = run(capsys)
    assert code == 2 and "no input" in err


def test_unreachable_and_tls_failures_name_the_server(capsys: Any, tmp_path: Path, cluster_factory: Any) -> None:
    _, served, _ = cluster_factory([])
    untrusted = {**vars(served), "ca_file": tmp_path / "other-ca.pem"}
    import trustme

    trustme.CA().cert_pem.write_to_path(str(untrusted["ca_file"]))
    path = kubeconfig(tmp_path / "kc-tls", Served(**untrusted), {"migrator": {"token": TOKEN}}, current="migrator")
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and f"the API server {served.url}" in err and "cannot be reached" in err, err
    closed = Served("https://127.0.0.1:9", served.ca_file, served.ca)
    path = kubeconfig(tmp_path / "kc-closed", closed, {"migrator": {"token": TOKEN}}, current="migrator")
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and "https://127.0.0.1:9" in err and TOKEN not in err


@pytest.mark.parametrize("how", ["stall", "trickle"])
def test_stalled_or_trickling_server_is_named_never_a_hang(cluster_factory: Any, capsys: Any, how: str) -> None:
    _, served, path = cluster_factory(two_installs(), **{how: {"services"}})
    started = time.monotonic()
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--call-timeout", "0.6")
    assert time.monotonic() - started < 5
    assert code == 2 and out == []
    assert f"{served.url} gave no complete answer to list services" in err


def test_label_selector_as_kubernetes_parses_it() -> None:
    labels = {"team": "shop", "tier": "web"}
    assert selector_matches("team=shop", labels)
    assert selector_matches("team==shop,tier", labels)
    assert not selector_matches("team!=shop", labels)
    assert selector_matches("team in (a, shop),!legacy", labels)
    assert not selector_matches("team notin (shop)", labels)
    assert not selector_matches("tier,missing", labels)
    assert selector_matches("", labels)
    with pytest.raises(SelectorError):
        selector_matches("team=(shop", labels)


def test_a_denied_get_names_the_namespace_and_the_rule(cluster_factory: Any, capsys: Any) -> None:
    _, _, path = cluster_factory(two_installs(), denied={"migrator": {("configmaps", "ingress-internal")}})
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and out == []
    assert 'may not get configmaps (API group core, "") in namespace ingress-internal' in err
    assert '{apiGroups: [""], resources: [configmaps], verbs: [get, list]}' in err


def test_in_cluster_service_account(cluster_factory: Any, capsys: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from kubernetes.config import incluster_config

    _, served, _ = cluster_factory(two_installs())
    token = tmp_path / "token"
    token.write_text(TOKEN)
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(served.ca_file))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", served.url.rsplit(":", 1)[1])
    _, out, err = run(capsys, "--from-cluster")
    assert sorted(by_name(out)) == ["Ingress shop/web", "Ingress team-b/api"], err
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST")
    code, _, err = run(capsys, "--from-cluster")
    assert code == 2 and "no kubeconfig" in err and "--kubeconfig" in err


def test_a_hanging_exec_plugin_is_named(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    _, served, _ = cluster_factory([])
    plugin = tmp_path / "hang.py"
    plugin.write_text("import time\ntime.sleep(5)\n")
    exec_user = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable, "args": [str(plugin)]}
    }
    path = kubeconfig(tmp_path / "kc-hang", served, {"eks": exec_user}, current="eks")
    started = time.monotonic()
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--call-timeout", "0.5")
    assert code == 2 and "context eks (user eks)" in err and "exec plugin" in err
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("image", "flags", "prefix"),
    [
        ("registry.k8s.io/external-dns/external-dns:v0.21.0", {}, "external-dns.alpha.kubernetes.io/"),
        ("registry.k8s.io/external-dns/external-dns:v0.22.0", {}, "external-dns.kubernetes.io/"),
        ("bitnami/external-dns:0.14.2", {"annotation-prefix": "dns.example.com/"}, "dns.example.com/"),
    ],
)
def test_external_dns_annotation_prefix(image: str, flags: dict[str, str], prefix: str) -> None:
    tag = image.rsplit(":", 1)[1]
    assert ExternalDns("Deployment kube-system/external-dns", tag, flags).annotation_prefix == prefix


def test_ingresses_come_in_ingress_nginx_order(cluster_factory: Any) -> None:
    """Oldest first, a tie broken by the last namespace/name first (store.go sortIngressSlice), whatever order
    the API server lists them in (by name)."""
    stamps = {"a": "2024-05-01T10:00:00Z", "b": "2023-01-01T00:00:00Z", "c": "2024-05-01T10:00:00Z"}
    ingresses = []
    for name, stamp in stamps.items():
        ingress = app_ingress("shop", name, "shop.example.com", "nginx", {"number": 8080})
        ingress["metadata"]["creationTimestamp"] = stamp
        ingresses.append(ingress)
    _, _, path = cluster_factory(ingresses)
    read = from_cluster.read_cluster(from_cluster.Target(str(path)), Deadline(call_seconds=5))
    assert [d["metadata"]["name"] for d in read.documents if d["kind"] == "Ingress"] == ["b", "c", "a"]


def test_one_class_two_installs_watching_different_namespaces(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    """The multi-tenant layout: one class, one install per team namespace (--watch-namespace). Each Ingress is
    served by one install and converted with that install's scheme, certificate and ConfigMap; nothing is held
    and no shared-class conflict is reported, since no Ingress is served by both."""
    second = internal_install(("--watch-namespace=team-b",))
    second[0]["spec"]["template"]["spec"]["containers"][0]["args"][:2] = [
        "--controller-class=k8s.io/ingress-nginx",
        "--ingress-class=nginx",
    ]
    objects = [
        ns("shop"),
        ns("team-b"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        *public_install(("--watch-namespace=shop",)),
        *second,
        backend("shop"),
        backend("team-b"),
        app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080}),
        app_ingress("team-b", "api", "api.internal.example", "nginx", {"number": 8080}),
    ]
    second[1]["status"] = {"loadBalancer": {"ingress": [{"hostname": "internal-edge-77.elb.eu-west-1.amazonaws.com"}]}}
    _, _, path = cluster_factory(objects)
    report_file = tmp_path / "r.json"
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    written = by_name(out)
    assert sorted(written) == ["Ingress shop/web", "Ingress team-b/api"], err
    # --side-by-side: each host's old load balancer is its own install's, though both installs serve class nginx.
    run(capsys, "--from-cluster", "--kubeconfig", str(path), "--side-by-side", "--report", str(report_file))
    rows = {r["host"]: r["oldLoadBalancer"] for r in json.loads(report_file.read_text())["sideBySide"]}
    assert rows == {
        "shop.example.com": "public-0123.elb.eu-west-1.amazonaws.com",
        "api.internal.example": "internal-edge-77.elb.eu-west-1.amazonaws.com",
    }
    run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    shop, api = alb_annotations(written["Ingress shop/web"]), alb_annotations(written["Ingress team-b/api"])
    assert (shop[ALB + "scheme"], shop.get(ALB + "certificate-arn")) == ("internet-facing", PUBLIC_CERT)
    assert (api[ALB + "scheme"], api.get(ALB + "certificate-arn")) == ("internal", None)
    assert "idle_timeout.timeout_seconds=120" in shop[ALB + "load-balancer-attributes"]
    assert "idle_timeout.timeout_seconds=300" in api[ALB + "load-balancer-attributes"]
    details = " ".join(f["detail"] for f in json.loads(report_file.read_text())["findings"])
    assert "different schemes" not in details and "different ConfigMaps" not in details
    assert code in (0, 1)


def test_ssl_passthrough_and_default_backend_follow_the_serving_install(cluster_factory: Any, capsys: Any) -> None:
    """ssl-passthrough works only where the serving install runs --enable-ssl-passthrough (controller-v1.15.1
    flags.go; otherwise nginx ignores the annotation): that Ingress is no ALB Ingress and is left out, the same
    annotation under the other install is converted. --default-backend-service is reported per install."""
    passthrough = {"nginx.ingress.kubernetes.io/ssl-passthrough": "true"}
    public = app_ingress("shop", "web", "shop.example.com", "nginx", {"number": 8080})
    internal = app_ingress("team-b", "api", "api.internal.example", "nginx-internal", {"number": 8080})
    public["metadata"]["annotations"] = dict(passthrough)
    internal["metadata"]["annotations"] = dict(passthrough)
    objects = [
        ns("shop"),
        ns("team-b"),
        ingress_class("nginx", "k8s.io/ingress-nginx"),
        ingress_class("nginx-internal", "k8s.io/ingress-nginx-internal"),
        *public_install(("--default-backend-service=ingress-nginx/fallback",)),
        *internal_install(("--enable-ssl-passthrough",)),
        backend("shop"),
        backend("team-b"),
        public,
        internal,
    ]
    _, _, path = cluster_factory(objects)
    _, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert sorted(by_name(out)) == ["Ingress shop/web"], err
    assert "Deployment ingress-nginx/ingress-nginx-controller --default-backend-service" in err
    assert "ingress-nginx/fallback" in err


def test_side_by_side_names_each_installs_load_balancer_and_external_dns_flags(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    """Per host: the old load balancer of the install that serves it (not another class's), and a next command
    that carries external-dns's TXT registry mapping, so the cutover finds its ownership records; the command
    parses as albops cutover takes it."""
    import re
    import shlex

    from albops.cli.main import _parse

    objects = two_installs()
    internal_lb = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "edge-lb")
    edge = "internal-edge-77.elb.eu-west-1.amazonaws.com"
    internal_lb["status"] = {"loadBalancer": {"ingress": [{"hostname": edge}]}}
    _, _, path = cluster_factory(objects)
    report_file = tmp_path / "r.json"
    code, _out, err = run(
        capsys, "--from-cluster", "--kubeconfig", str(path), "--side-by-side", "--report", str(report_file)
    )
    assert code in (0, 1), err
    rows = {r["host"]: r for r in json.loads(report_file.read_text())["sideBySide"]}
    assert rows["shop.example.com"]["oldLoadBalancer"] == "public-0123.elb.eu-west-1.amazonaws.com"
    assert rows["api.internal.example"]["oldLoadBalancer"] == "internal-edge-77.elb.eu-west-1.amazonaws.com"
    for row in rows.values():
        command = re.sub(r"\$\(kubectl [^)]*\)", "new-1.elb.amazonaws.com", row["next"])
        words = shlex.split(command.replace("--zone-id ZONE", "--zone-id Z123"))
        assert words[:2] == ["albops", "cutover"]
        args = _parse(words[1:])
        assert args.txt_prefix == "edns-" and args.external_dns_annotation_prefix == "external-dns.alpha.kubernetes.io/"
        assert args.dry_run


def test_side_by_side_never_takes_the_name_of_an_ingress_left_out(cluster_factory: Any, capsys: Any) -> None:
    """Another team's ALB Ingress `shop/web-alb` (not ingress-nginx's, so left out of the conversion) holds the
    name `shop/web` would get: applying the output would replace it. Exit 2 naming both, nothing written."""
    objects = two_installs()
    objects.append(app_ingress("shop", "web-alb", "other.example.com", "alb", {"number": 8080}))
    _, _, path = cluster_factory(objects)
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--side-by-side")
    assert code == 2 and out == [], err
    assert "shop/web-alb" in err and "--name-suffix" in err


# --- fact-check fixes (issue 22): expectations written from the upstream sources named in each test ---------


def test_kubeconfig_env_current_context_from_the_first_file_that_sets_it(
    cluster_factory: Any, capsys: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """kubectl (client-go tools/clientcmd loader.go): the first file that sets a non-empty current-context wins;
    the python client's merger would take the last file's (here 'other', refused with 401)."""
    _, served, _ = cluster_factory(two_installs())
    unset = kubeconfig(tmp_path / "a", served, {"nobody": {"token": "wrong"}}, current="")
    good = kubeconfig(tmp_path / "b", served, {"migrator": {"token": TOKEN}}, current="migrator")
    last = kubeconfig(tmp_path / "c", served, {"other": {"token": "wrong"}}, current="other")
    monkeypatch.setenv("KUBECONFIG", f"{unset}:{good}:{last}")
    code, out, err = run(capsys, "--from-cluster")
    assert sorted(by_name(out)) == ["Ingress shop/web", "Ingress team-b/api"], err
    monkeypatch.setenv("KUBECONFIG", f"{last}:{good}")
    code, out, err = run(capsys, "--from-cluster")
    assert code == 2 and "refused the credentials of context other (user other)" in err


def test_a_controller_without_configmap_runs_on_built_in_defaults(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    """controller-v1.15.1 pkg/flags/flags.go: --configmap defaults to "" and store.go reads only the ConfigMap it
    names; with none the controller runs on config.NewDefault. The chart-named ConfigMap beside it (with
    proxy-read-timeout 120) is not what it runs with: neither fetched nor applied."""
    objects = two_installs()
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "ingress-nginx-controller":
            container = obj["spec"]["template"]["spec"]["containers"][0]
            container["args"] = [a for a in container["args"] if not a.startswith("--configmap")]
    cluster, _, path = cluster_factory(objects)
    report_file = tmp_path / "report.json"
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    assert code in (0, 1), err
    shop = alb_annotations(by_name(out)["Ingress shop/web"])
    assert "idle_timeout.timeout_seconds=120" not in shop.get(ALB + "load-balancer-attributes", ""), shop
    # The other install still reads its own --configmap (proxy-read-timeout 300).
    api = alb_annotations(by_name(out)["Ingress team-b/api"])
    assert "idle_timeout.timeout_seconds=300" in api.get(ALB + "load-balancer-attributes", "")
    assert not any(
        p.endswith("/namespaces/ingress-nginx/configmaps/ingress-nginx-controller") for _, p, _ in cluster.requests
    )
    report = json.loads(report_file.read_text())
    notes = [f["detail"] for f in report["findings"] if f["annotation"] == "class nginx"]
    assert any("has no --configmap" in d and "built-in defaults" in d for d in notes), notes
    assert not any("read the controller ConfigMap" in d for d in notes), notes


def external_dns(args: list[str], env: list[dict[str, Any]] | None = None, tag: str = "v0.22.0") -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "external-dns",
        "image": f"registry.k8s.io/external-dns/external-dns:{tag}",
        "args": args,
    }
    if env:
        container["env"] = env
    return workload("Deployment", "kube-system", "external-dns", container, "external-dns")


@pytest.mark.parametrize(
    ("args", "env", "registry", "encrypted"),
    [
        (["--source=ingress", "--provider=aws"], [], "txt", False),  # v0.22.0 types.go: Registry default txt
        (["--registry=dynamodb"], [], "dynamodb", False),
        (["--registry", "aws-sd"], [], "aws-sd", False),
        # A kingpin boolean: bare it is true and never takes the next word.
        (["--txt-encrypt-enabled", "--txt-prefix=edns-"], [], "txt", True),
        (["--txt-encrypt-enabled=false"], [], "txt", False),
        (["--no-txt-encrypt-enabled"], [], "txt", False),
        # kingpin DefaultEnvars: EXTERNAL_DNS_<FLAG>; the args win over the environment.
        ([], [{"name": "EXTERNAL_DNS_REGISTRY", "value": "noop"}], "noop", False),
        ([], [{"name": "EXTERNAL_DNS_TXT_ENCRYPT_ENABLED", "value": "1"}], "txt", True),
        (["--registry=txt"], [{"name": "EXTERNAL_DNS_REGISTRY", "value": "crd"}], "txt", False),
    ],
)
def test_external_dns_registry_and_encryption_are_read(
    args: list[str], env: list[dict[str, Any]], registry: str, encrypted: bool
) -> None:
    found = from_cluster._external_dns(external_dns(args, env))
    assert found is not None
    assert (found.registry, found.encrypted) == (registry, encrypted)
    said = found.describe()
    assert f"--registry={registry}" in said
    if registry == "txt":
        assert f"--txt-encrypt-enabled={str(encrypted).lower()}" in said
    assert bool(found.unseen_ownership()) == (registry != "txt" or encrypted)
    if "--txt-prefix=edns-" in args:
        assert found.flags["txt-prefix"] == "edns-"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--registry=dynamodb", "--txt-prefix=edns-"], "--registry=dynamodb keeps its ownership outside Route 53"),
        (["--txt-encrypt-enabled", "--txt-encrypt-aes-key=k"], "--txt-encrypt-enabled encrypts its TXT records"),
    ],
)
def test_external_dns_ownership_cutover_cannot_see_is_reported(
    cluster_factory: Any, capsys: Any, tmp_path: Path, args: list[str], why: str
) -> None:
    """A registry other than txt (v0.22.0: aws-sd, crd, dynamodb, noop write no TXT) or an encrypted TXT value
    (endpoint/labels.go): the report says cutover cannot see the ownership and gives external-dns's path with its
    annotation prefix (external-dns.kubernetes.io/ from v0.22.0)."""
    objects = [o for o in two_installs() if o["metadata"].get("name") != "external-dns"] + [external_dns(args)]
    _, _, path = cluster_factory(objects)
    report_file = tmp_path / "report.json"
    run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    report = json.loads(report_file.read_text())
    found = [f for f in report["findings"] if f["annotation"] == "external-dns Deployment kube-system/external-dns"]
    assert len(found) == 1, report["findings"]
    assert why in found[0]["detail"] and "albops cutover cannot see which names it owns" in found[0]["detail"]
    steps = found[0]["next"]
    assert "external-dns.kubernetes.io/set-identifier" in steps and "external-dns.kubernetes.io/aws-weight" in steps
    described = [f["detail"] for f in report["findings"] if f["annotation"] == "external-dns"]
    assert len(described) == 1 and "--registry=" in described[0]


def test_external_dns_with_a_readable_txt_registry_gets_no_such_finding(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    _, _, path = cluster_factory(two_installs())
    report_file = tmp_path / "report.json"
    run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report", str(report_file))
    report = json.loads(report_file.read_text())
    assert not any(f["annotation"].startswith("external-dns Deployment") for f in report["findings"])
    described = [f["detail"] for f in report["findings"] if f["annotation"] == "external-dns"]
    assert any("--registry=txt," in d and "--txt-encrypt-enabled=false" in d for d in described), described


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        # apimachinery v0.35.3 pkg/labels/selector.go: Gt/Lt need the label, parsed with ParseInt.
        ("replicas>2", {"replicas": "3"}, True),
        ("replicas>2", {"replicas": "2"}, False),
        ("replicas<10", {"replicas": "007"}, True),
        ("replicas<10", {"replicas": "-4"}, True),
        ("replicas>2", {}, False),
        ("replicas>2", {"replicas": "three"}, False),
        ("replicas < 3, team=shop", {"replicas": "1", "team": "shop"}, True),
        # "in ()" is the set holding the empty value; a missing key is in no set and outside every notin.
        ("team in ()", {"team": ""}, True),
        ("team in ()", {}, False),
        ("team notin (a,)", {"team": ""}, False),
        ("team notin (a)", {}, True),
    ],
)
def test_label_selector_operators_as_apimachinery(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert selector_matches(selector, labels) is expected


@pytest.mark.parametrize("selector", ["replicas>-1", "replicas>1.5", "replicas<x", "replicas>", "!team in (a)"])
def test_label_selector_requirements_apimachinery_refuses(selector: str) -> None:
    """NewRequirement: Gt/Lt take one integer that is also a valid label value (no sign); '!' takes a key only."""
    with pytest.raises(SelectorError):
        selector_matches(selector, {"replicas": "3", "team": "b"})


# --- round 2: endless lists, $(VAR) the cluster does not show, secrets in messages, exec plugins, client keys ---


@pytest.mark.parametrize("how", ["same", "empty", "items"])
def test_a_list_that_never_ends_is_refused_naming_the_resource(
    cluster_factory: Any, capsys: Any, monkeypatch: Any, how: str
) -> None:
    # The whole read: max(0.5, 10 calls of 0.3 s) = 3 s. A call allowance of 0.3 s, not less: one page of the
    # fake server took over 0.1 s on a loaded runner (three test workers on two cores).
    monkeypatch.setattr(from_cluster, "READ_SECONDS", 0.5)
    cluster, _, path = cluster_factory(two_installs(), endless={"ingresses": how})
    started = time.monotonic()
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--call-timeout", "0.3")
    assert time.monotonic() - started < 10
    assert code == 2 and out == [], err
    assert "ingresses across all namespaces" in err or "list ingresses" in err, err
    pages = [p for _, p, _ in cluster.requests if p == "/apis/networking.k8s.io/v1/ingresses"]
    if how == "same":  # the token it gave on page 1 comes again on page 2
        assert "repeats a continue token on page 2" in err and len(pages) == 2
    elif how == "empty":
        assert f"{from_cluster.EMPTY_PAGES + 1} empty pages in a row" in err
        assert len(pages) == from_cluster.EMPTY_PAGES + 1
    else:  # new tokens, an object on each page: only the whole read's deadline ends it
        assert "the whole read" in err and "3 s" in err, err


def legacy_install(env: list[dict[str, Any]], env_from: list[dict[str, Any]], *args: str) -> list[dict[str, Any]]:
    """A third install whose --ingress-class comes from a variable, and the Ingress only it serves (by the legacy
    annotation), as the hostile reviewer's cluster had it."""
    container = {
        "name": "controller",
        "image": "registry.k8s.io/ingress-nginx/controller:v1.15.1",
        "args": ["/nginx-ingress-controller", "--ingress-class=$(CLASS)", "--controller-class=k8s.io/legacy", *args],
        "env": env,
        "envFrom": env_from,
    }
    old = app_ingress("legacy", "old", "old.example.com", None, {"number": 8080})
    old["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "legacy-int"}
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta("legacy", "ic-env"),
        "data": {"CLASS": "legacy-int", "IC_CLASS": "legacy-int"},
    }
    return [
        ns("legacy"),
        workload("Deployment", "legacy", "legacy-ic", container, "legacy-ic"),
        settings,
        old,
        backend("legacy"),
    ]


@pytest.mark.parametrize(
    ("env", "env_from"),
    [
        ([], [{"configMapRef": {"name": "ic-env"}}]),
        (
            [],
            [
                {"prefix": "IC_", "configMapRef": {"name": "ic-env"}},
                {"configMapRef": {"name": "absent", "optional": True}},
            ],
        ),
        ([{"name": "CLASS", "valueFrom": {"configMapKeyRef": {"name": "ic-env", "key": "CLASS"}}}], []),
        ([{"name": "BASE", "value": "legacy"}, {"name": "CLASS", "value": "$(BASE)-int"}], []),
    ],
    ids=["envFrom", "envFrom-prefix", "configMapKeyRef", "value-of-value"],
)
def test_a_flag_variable_is_expanded_from_what_the_cluster_shows(
    cluster_factory: Any, capsys: Any, env: list[dict[str, Any]], env_from: list[dict[str, Any]]
) -> None:
    if env_from and env_from[0].get("prefix"):  # IC_CLASS under the prefix IC_ is CLASS
        env_from = [{**env_from[0], "prefix": "IC_"}, *env_from[1:]]
        env = [{"name": "CLASS", "value": "$(IC_CLASS)"}]
    cluster, _, path = cluster_factory([*two_installs(), *legacy_install(env, env_from)])
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert "Ingress legacy/old" in by_name(out), err
    assert code == 0, err
    read = ("GET", "/api/v1/namespaces/legacy/configmaps/ic-env", "migrator") in cluster.requests
    assert read == any("ic-env" in json.dumps(e) for e in [*env, *env_from])


@pytest.mark.parametrize(
    ("env", "env_from", "said"),
    [
        ([], [{"secretRef": {"name": "ic-secret"}}], "CLASS (from envFrom Secret legacy/ic-secret"),
        (
            [{"name": "CLASS", "valueFrom": {"secretKeyRef": {"name": "ic-secret", "key": "c"}}}],
            [],
            "CLASS (from Secret legacy/ic-secret",
        ),
        ([], [], "CLASS (not defined in the container's env or envFrom"),
        ([], [{"configMapRef": {"name": "absent"}}], "CLASS (from envFrom ConfigMap legacy/absent, which was not read"),
        (
            [{"name": "CLASS", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
            [],
            "CLASS (from the Pod's spec.nodeName",
        ),
    ],
    ids=["envFrom-secret", "secretKeyRef", "undefined", "envFrom-missing-configmap", "fieldRef"],
)
def test_a_flag_variable_the_cluster_does_not_show_is_never_served_by_none(
    cluster_factory: Any, capsys: Any, env: list[dict[str, Any]], env_from: list[dict[str, Any]], said: str
) -> None:
    _, _, path = cluster_factory([*two_installs(), *legacy_install(env, env_from, "--watch-namespace=legacy")])
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 1, err  # not converted: exit 1, never 0
    assert "Ingress legacy/old" not in by_name(out)
    assert not [line for line in err.splitlines() if "legacy/old" in line and "served by no" in line]
    assert "Deployment legacy/legacy-ic" in err and f"--ingress-class holds {said}" in err, err
    # its known --watch-namespace keeps it from the other namespaces: their Ingresses convert as before
    assert {"Ingress shop/web", "Ingress team-b/api"} <= set(by_name(out))


def test_kubelet_expansion_rules_written_from_expand_go() -> None:
    """third_party/forked/golang/expansion/expand.go: $$ is a literal $, an unknown $(VAR) stays as written, a $
    before anything else is kept."""
    from albops.migrate.install import read_controller

    container = {
        "name": "c",
        "image": "registry.k8s.io/ingress-nginx/controller:v1.15.1",
        "args": ["/nginx-ingress-controller", "--ingress-class=$$(CLASS)", "--election-id=a$b$(X"],
        "env": [{"name": "CLASS", "value": "x"}],
    }
    read = read_controller(workload("Deployment", "n", "d", container, "d"))
    assert read is not None
    flags, unresolved = read
    assert flags["ingress-class"] == "$(CLASS)" and flags["election-id"] == "a$b$(X"
    assert unresolved == {}


def _kubeconfig_with_server(path: Path, served: Served, server: str, user: dict[str, Any]) -> Path:
    kubeconfig(path, served, {"u": user}, current="u")
    document = yaml.safe_load(path.read_text())
    document["clusters"][0]["cluster"]["server"] = server
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_server_url_with_userinfo_is_never_printed(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    secret = "Pa55w0rdNeverPrinted"
    _, served, _ = cluster_factory(two_installs())
    url = served.url.replace("https://", f"https://admin:{secret}@")
    path = _kubeconfig_with_server(tmp_path / "kc-userinfo", served, url, {"token": TOKEN})
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--report-format", "json")
    assert sorted(by_name(out)) == ["Ingress shop/web", "Ingress team-b/api"], err
    assert secret not in err and secret not in yaml.safe_dump_all(out)
    assert served.url.replace("https://", "https://REDACTED@") in err
    closed = _kubeconfig_with_server(
        tmp_path / "kc-closed", served, f"https://admin:{secret}@127.0.0.1:9", {"token": TOKEN}
    )
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(closed))
    assert code == 2 and "https://REDACTED@127.0.0.1:9" in err and secret not in err, err


def _exec_user(command: str, *args: str) -> dict[str, Any]:
    return {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": command, "args": list(args)}}


def test_a_failing_exec_plugin_is_named_with_its_stderr_redacted(
    cluster_factory: Any, capsys: Any, tmp_path: Path
) -> None:
    _, served, _ = cluster_factory([])
    leaked = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9abcdefABCDEF0123456789"
    plugin = tmp_path / "fail.py"
    plugin.write_text(
        "import sys\n"
        f"sys.stderr.write('An error occurred (ExpiredToken): the security token {leaked} expired\\n"
        f"second line {leaked}\\n')\n"
        "sys.exit(1)\n"
    )
    path = kubeconfig(tmp_path / "kc-fail", served, {"eks": _exec_user(sys.executable, str(plugin))}, current="eks")
    code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
    assert code == 2 and out == []
    assert f"the kubeconfig's exec plugin {sys.executable} failed (exit 1)" in err, err
    assert "An error occurred (ExpiredToken): the security token REDACTED; run it by hand" in err
    assert leaked not in err and "ERROR:root" not in err and "401" not in err and "refresh them" not in err
    assert len(err.strip().splitlines()) == 1


def _gone(pid: int) -> bool:
    """No such process, or a zombie no one reaps (a grandchild handed to PID 1): it runs no more."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_a_hanging_exec_plugin_and_its_children_are_killed(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    _, served, _ = cluster_factory([])
    pids = tmp_path / "pids"
    plugin = tmp_path / "hang.sh"
    plugin.write_text(f"echo $$ > {pids}\nsleep 30 &\necho $! >> {pids}\nwait\n")
    path = kubeconfig(tmp_path / "kc-hang2", served, {"eks": _exec_user("/bin/sh", str(plugin))}, current="eks")
    started = time.monotonic()
    code, _, err = run(capsys, "--from-cluster", "--kubeconfig", str(path), "--call-timeout", "0.5")
    assert time.monotonic() - started < 4
    assert code == 2 and "the kubeconfig's exec plugin /bin/sh did not return within 0.5 s" in err, err
    found = [int(p) for p in pids.read_text().split()]
    assert len(found) == 2
    # SIGKILL reaches the plugin's child asynchronously: give the kernel a moment (bounded), never 30 s
    for _ in range(100):
        if all(_gone(pid) for pid in found):
            break
        time.sleep(0.02)
    assert all(_gone(pid) for pid in found), [Path(f"/proc/{p}/stat").read_text() for p in found if not _gone(p)]


def test_a_client_certificate_without_its_key_names_the_user(cluster_factory: Any, capsys: Any, tmp_path: Path) -> None:
    _, served, _ = cluster_factory(two_installs())
    good = client_certificate(served, tmp_path, "cert-user")
    other = client_certificate(served, tmp_path, "someone-else")
    cases = {
        "no-key": ({"client-certificate": good["client-certificate"]}, "user u has a client certificate"),
        "missing-key": (
            {**good, "client-key": str(tmp_path / "gone.key")},
            f"user u's client-key {tmp_path / 'gone.key'} cannot be read (No such file or directory)",
        ),
        "wrong-key": (
            {**good, "client-key": other["client-key"]},
            "user u's client certificate and client key do not load together",
        ),
    }
    for name, (user, said) in cases.items():
        path = _kubeconfig_with_server(tmp_path / f"kc-{name}", served, served.url, user)
        code, out, err = run(capsys, "--from-cluster", "--kubeconfig", str(path))
        assert code == 2 and out == [] and said in err, (name, err)
        assert "cannot be reached" not in err and "PEM lib" not in err.split("(")[0]
