"""``albops migrate``: conversion, pass-through, the report and exit codes, on a corpus written for the tests."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from albops.__main__ import main
from albops.migrate.routes import AlbRequest, alb_route
from tests.routing_cases import nginx_ingress

CORPUS = Path(__file__).resolve().parent / "nginx_corpus"
ALB = "alb.ingress.kubernetes.io/"
NGINX = "nginx.ingress.kubernetes.io/"


def migrate_documents(documents: list[Any]) -> tuple[list[Any], Any]:
    from albops.migrate import Options, migrate

    return migrate(documents, Options(group="corpus"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any], str]:
    code = main(["migrate", *argv])
    captured = capsys.readouterr()
    return code, list(yaml.safe_load_all(captured.out)), captured.err


def _redirect_301(tmp_path: Path) -> str:
    """An ingress-nginx ConfigMap whose HTTPS redirects answer 301, as the controller's ssl-redirect does."""
    path = tmp_path / "controller.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  http-redirect-code: '301'\n")
    return str(path)


def test_the_https_redirect_is_approximated_unless_nginx_answered_301(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run([str(CORPUS / "tls-app.yaml")], capsys)
    assert code == 0  # approximated only: under the default --fail-on not-converted, not a failure
    assert "answers 301 where ingress-nginx answered 308" in err and "[approximated]" in err
    code, _, err = _run([str(CORPUS / "tls-app.yaml"), "--fail-on", "approximated"], capsys)
    assert code == 1  # ingress-nginx's default http-redirect-code is 308; the controller's ssl-redirect is 301
    code, _, err = _run([str(CORPUS / "tls-app.yaml"), "--controller-config", _redirect_301(tmp_path)], capsys)
    assert code == 0, err


def test_a_tls_app_becomes_an_alb_ingress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [str(CORPUS / "tls-app.yaml"), "--group", "shop", "--controller-config", _redirect_301(tmp_path)]
    code, (service, ingress), err = _run(argv, capsys)
    assert code == 0, err  # everything converted exactly
    assert service == yaml.safe_load_all((CORPUS / "tls-app.yaml").read_text()).__next__()
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations == {
        "team": "shop",
        ALB + "scheme": "internal",  # nothing in the input says it was public: never internet-facing by guess
        ALB + "target-type": "ip",
        ALB + "group.name": "shop",
        # ingress-nginx's default hsts (max-age 31536000, includeSubDomains) on its HTTPS responses
        ALB + "listener-attributes.HTTPS-443": "routing.http.response.strict_transport_security.header_value="
        "max-age=31536000; includeSubDomains",
        ALB + "listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
        ALB + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        ALB + "ssl-redirect": "443",
        ALB + "backend-protocol": "HTTP",
    }
    assert ingress["spec"]["tls"] == [{"hosts": ["shop.example.com"]}]
    assert "secretName" in err and "certificate discovery" in err
    kubernetes_validate.validate(ingress, "1.33", strict=True)


def test_a_list_keeps_its_order_and_unconverted_settings_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code, (document,), err = _run([str(CORPUS / "list.yaml"), "--report", str(report)], capsys)
    assert code == 0  # the capture-group rewrite converts exactly (case-insensitive regex + transform)
    names = [item["metadata"]["name"] for item in document["items"]]
    assert names == ["api", "legacy", "already-alb"]
    api, legacy, already = document["items"]
    assert api["spec"]["ingressClassName"] == "alb"
    assert ALB + "ssl-redirect" not in api["metadata"]["annotations"]  # nginx ssl-redirect: "false"
    assert legacy == yaml.safe_load((CORPUS / "list.yaml").read_text())["items"][1]  # class-less: untouched
    assert already == yaml.safe_load((CORPUS / "list.yaml").read_text())["items"][2]
    data = json.loads(report.read_text())
    assert data["exact"] is True and data["group"] == "migrated"
    statuses = {(f["annotation"], f["status"]) for f in data["findings"]}
    assert ("nginx.ingress.kubernetes.io/rewrite-target", "converted") in statuses
    assert api["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/^/[aA][pP][iI](/|$)(.*)"
    routed = alb_route([api], AlbRequest("api.example.com", "/Api/orders/7"))
    assert routed is not None and routed.upstream == "/orders/7"
    assert ("nginx.ingress.kubernetes.io/ssl-redirect", "converted") in statuses
    assert "joins ALB group 'migrated'" in err
    for item in document["items"]:
        kubernetes_validate.validate(item, "1.33", strict=True)


def test_class_less_ingresses_only_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, (document,), _ = _run(
        [str(CORPUS / "list.yaml"), "--include-classless", "--ingress-class", "alb-public"], capsys
    )
    legacy = document["items"][1]
    assert legacy["spec"]["ingressClassName"] == "alb-public"
    assert legacy["metadata"]["annotations"][ALB + "listen-ports"] == '[{"HTTP":80}]'
    assert code == 0


def test_stdin_directories_and_determinism(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The inputs only: expected/ holds converted ALB Ingresses of one group with differing attributes, which
    # the validator rightly refuses to write beside each other.
    inputs = [str(p) for p in sorted(CORPUS.glob("*.yaml"))] + [str(CORPUS / "helm")]
    main(["migrate", *inputs, "--allow-unprotected"])
    first = capsys.readouterr().out
    assert first.count("kind: Ingress") > 10
    main(["migrate", *inputs, "--allow-unprotected"])
    assert capsys.readouterr().out == first
    monkeypatch.setattr("sys.stdin", io.StringIO((CORPUS / "tls-app.yaml").read_text()))
    certificate = "arn:aws:acm:us-west-2:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    code, documents, _ = _run(
        ["-", "--certificate-arn", certificate, "--controller-config", _redirect_301(tmp_path)], capsys
    )
    assert code == 0
    assert documents[1]["metadata"]["annotations"][ALB + "certificate-arn"] == certificate


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["/no/such/file.yaml"], "no/such/file.yaml"),
        (["--group", "Bad_Group", "-"], "not a valid group.name"),
    ],
)
def test_bad_input_exits_2(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_broken_yaml_is_named_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Ingress\nmetadata: [\n")
    assert main(["migrate", str(bad)]) == 2
    assert "bad.yaml: line 3: not valid YAML" in capsys.readouterr().err


def test_affinity_body_size_and_settings_without_an_alb_equivalent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    # The cart's configuration-snippet may hold its access rules: without consent nothing is written.
    code, held, err = _run([str(CORPUS / "sticky.yaml"), "--report", str(report)], capsys)
    assert code == 3 and held == []
    assert "held back" in err and "shop/cart" in err
    assert json.loads(report.read_text())["heldBack"] == ["shop/cart"]
    # vault (ssl-passthrough) is no ALB Ingress at all: not written, and said so.
    code, (cart,), _ = _run([str(CORPUS / "sticky.yaml"), "--report", str(report), "--allow-unprotected"], capsys)
    assert code == 1
    assert cart["metadata"]["annotations"][ALB + "target-group-attributes"] == (
        "stickiness.enabled=true,stickiness.type=lb_cookie,stickiness.lb_cookie.duration_seconds=3600"
    )
    assert not [k for k in cart["metadata"]["annotations"] if k.startswith("nginx.")]
    findings = {
        (f["ingress"], f["annotation"].rsplit("/", 1)[-1]): f for f in json.loads(report.read_text())["findings"]
    }
    assert findings[("shop/cart", "affinity")]["status"] == "approximated"
    cookie_age = findings[("shop/cart", "session-cookie-max-age")]  # carried over, so reported too
    assert cookie_age["status"] == "converted" and "3600" in cookie_age["detail"]
    assert findings[("shop/cart", "proxy-body-size")]["status"] == "approximated"
    snippet = findings[("shop/cart", "configuration-snippet")]
    assert (snippet["status"], snippet["severity"]) == ("lost-protection", "lost-protection")
    assert "wafv2-acl-arn" in snippet["detail"]
    passthrough = findings[("shop/vault", "ssl-passthrough")]
    assert passthrough["status"] == "not-converted" and "NLB TCP listener" in passthrough["detail"]
    kubernetes_validate.validate(cart, "1.33", strict=True)


def test_an_empty_directory_is_bad_input_for_both_readers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    for command in ("migrate", "check"):
        assert main([command, str(tmp_path / "empty")]) == 2
        err = capsys.readouterr().err
        assert "empty: no *.yaml" in err and "Traceback" not in err


EXPECTED = CORPUS / "expected"
GOLDEN = ["canary.yaml", "redirects.yaml", "multi-host.yaml", "allow-lists.yaml", "helm/rendered.yaml", "legacy.yaml"]


@pytest.mark.parametrize("name", GOLDEN)
def test_corpus_outputs_match_the_reviewed_expected_outputs(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each expected file was read line by line against ingress-nginx's behaviour before it was committed."""
    argv = [str(CORPUS / name), "--group", "corpus"]
    if name.startswith("helm/"):
        argv += ["--controller-config", str(CORPUS / "controller-configmap.yaml")]
    main(["migrate", *argv])
    out = capsys.readouterr().out
    expected = EXPECTED / name.replace("/", "-")
    assert out == expected.read_text(encoding="utf-8")
    for document in yaml.safe_load_all(out):
        kubernetes_validate.validate(document, "1.33", strict=True)


def _routes(name: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[Any], str]:
    return _run([str(CORPUS / name), "--group", "corpus", *extra], capsys)


def test_canary_weight_and_header_fold_into_the_main_ingress(capsys: pytest.CaptureFixture[str]) -> None:
    code, documents, err = _routes("canary.yaml", capsys)
    assert code == 0  # canary-by-header is approximated (header values compare case-insensitively): below --fail-on
    assert [d["metadata"]["name"] for d in documents] == ["checkout"]  # the canary Ingress is folded in
    weighted = alb_route(documents, AlbRequest("shop.example.com", "/checkout/pay"))
    assert weighted is not None and weighted.targets == (("checkout", 80), ("checkout-v2", 20))
    header = alb_route(documents, AlbRequest("shop.example.com", "/checkout", {"x-canary": "always"}))
    assert header is not None and header.targets == (("checkout-v2", 1),)
    assert "folded into the Ingress it shadows" in err


def test_redirects_and_app_root_become_redirect_actions(capsys: pytest.CaptureFixture[str]) -> None:
    code, documents, err = _routes("redirects.yaml", capsys)
    assert code == 0  # 307 has no ALB equivalent: it becomes 302, approximated, and the report says so
    root = alb_route(documents, AlbRequest("portal.example.com", "/"))
    assert root is not None and root.kind == "redirect" and root.redirect["path"] == "/portal/home"
    page = alb_route(documents, AlbRequest("portal.example.com", "/portal/a"))
    assert page is not None and page.targets == (("portal", 1),)
    moved = alb_route(documents, AlbRequest("blog.example.com", "/any/post"))
    assert moved is not None and moved.redirect["host"] == "blog.example.org"
    assert moved.redirect["statusCode"] == "HTTP_301"
    maintenance = alb_route(documents, AlbRequest("billing.example.com", "/"))
    assert maintenance is not None and maintenance.redirect["query"] == "from=billing"
    assert "307 became 302" in err


def test_shared_host_keeps_nginx_order_and_the_default_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, documents, err = _routes("multi-host.yaml", capsys)
    assert code == 0  # the rule-less catch-all's default backend is approximated (below --fail-on)
    catalog, status, catch_all = documents
    assert status["metadata"]["annotations"][ALB + "group.order"] == "1"
    assert catalog["metadata"]["annotations"][ALB + "group.order"] == "2"

    def route(host: str, path: str) -> tuple[str, str] | None:
        outcome = alb_route(documents, AlbRequest(host, path))
        return (outcome.targets[0][0], outcome.upstream) if outcome else None

    assert route("api.example.com", "/Catalog/items/42") == ("items", "/v2/42")
    assert route("api.example.com", "/catalog/shoes") == ("catalog", "/v2/shoes")
    assert route("api.example.com", "/STATUS") == ("status", "/STATUS")  # regex host: any case, no rewrite
    assert route("api.example.com", "/elsewhere") == ("api-fallback", "/v2/")  # nginx's root carries the rewrite
    assert route("www.example.com", "/page") == ("web", "/v2/")  # the Ingress's rewrite applies to every path
    assert catch_all["spec"]["defaultBackend"]["service"]["name"] == "not-found-page"
    assert "group.order" in err


def test_group_wide_settings_only_when_every_ingress_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    code, (grafana, kibana), err = _routes("allow-lists.yaml", capsys)
    assert code == 0  # source-ip conditions and the group's timeout are approximated: below --fail-on
    for ingress in (grafana, kibana):
        annotations = ingress["metadata"]["annotations"]
        assert ALB + "inbound-cidrs" not in annotations
        # One idle timeout per ALB: the larger asked for (grafana 300 s, kibana the 60 s default), on both.
        assert annotations[ALB + "load-balancer-attributes"] == "idle_timeout.timeout_seconds=300"
    office = alb_route([grafana], AlbRequest("grafana.example.com", "/d/x", source_ip="10.1.2.3"))
    outside = alb_route([grafana], AlbRequest("grafana.example.com", "/d/x", source_ip="198.51.100.7"))
    assert office is not None and office.targets == (("grafana", 1),)
    # Refused as ingress-nginx refused (403), never falling through to another rule of the group.
    assert outside is not None and outside.kind == "fixed-response" and outside.redirect["statusCode"] == "403"
    assert "largest proxy-read-timeout/proxy-send-timeout asked for" in err


def test_controller_config_supplies_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    config = str(CORPUS / "controller-configmap.yaml")
    code, (_, orders), err = _routes("helm/rendered.yaml", capsys, "--controller-config", config)
    annotations = orders["metadata"]["annotations"]
    assert ALB + "ssl-redirect" not in annotations  # the ConfigMap turned ingress-nginx's redirect off
    assert annotations[ALB + "inbound-cidrs"] == "10.0.0.0/8"
    assert annotations[ALB + "load-balancer-attributes"] == "idle_timeout.timeout_seconds=120"
    # use-forwarded-headers with the default proxy-real-ip-cidr (0.0.0.0/0): nginx trusted any client's
    # X-Forwarded-For; the ALB matches the connecting address, never weaker: said, not held back.
    assert "matched the allow-list on the address in X-Forwarded-For" in err and code == 0
    code, (_, orders), _ = _routes("helm/rendered.yaml", capsys)
    assert orders["metadata"]["annotations"][ALB + "ssl-redirect"] == "443"  # without it: nginx's default


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("kind: Service\nmetadata: {name: x}\n", "expected one ConfigMap"),
        ("data: [\n", "not valid YAML"),
    ],
)
def test_a_bad_controller_config_exits_2(
    tmp_path: Path, content: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(content)
    assert main(["migrate", str(CORPUS / "sticky.yaml"), "--controller-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


@pytest.mark.parametrize(
    "bad", ["shop.example.com\n", "Shop.example.com", "10.0.0.1", "*", "a..example.com", "x" * 254]
)
def test_a_host_the_api_server_refuses_is_left_out_with_its_rule(bad: str) -> None:
    ingress = nginx_ingress("hosts", [("/", "Prefix", "web")], {})
    good = {"host": "*.example.com", "http": ingress["spec"]["rules"][0]["http"]}
    ingress["spec"]["rules"] = [{**good, "host": bad}, good]
    ingress["spec"]["defaultBackend"] = {"service": {"name": "web", "port": {"number": 80}}}
    documents, report = migrate_documents([ingress])
    finding = next(f for f in report.findings if f.annotation == f"host {bad!r}")
    assert finding.status == "not-converted" and "fix the host" in finding.detail
    # The wildcard rule is kept, written host-less with a one-label host regex (see test_migrate_output.py).
    (rule,) = documents[0]["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]["name"]
    conditions = documents[0]["metadata"]["annotations"][ALB + f"conditions.{backend}"]
    assert "host" not in rule and "[eE][xX]" in conditions and "regexValues" in conditions
    kubernetes_validate.validate(documents[0], "1.33", strict=True)


def test_an_ingress_left_with_nothing_to_route_is_not_written(capsys: pytest.CaptureFixture[str]) -> None:
    """Every path refused, an Ingress would be written with no rule and no default backend: the API refuses it."""
    kept = nginx_ingress("kept", [("/", "Prefix", "web")], {})
    refused = nginx_ingress("refused", [("/", "Bogus", "web")], {})  # a pathType the API refuses
    refused["spec"]["rules"].append({**kept["spec"]["rules"][0], "host": "bad.example.com\n"})  # and a host
    documents, report = migrate_documents([refused, kept])
    assert [d["metadata"]["name"] for d in documents] == ["kept"] and report.converted == ["shop/kept"]
    (empty,) = [f for f in report.findings if f.annotation == "spec.rules"]
    assert empty.ingress == "shop/refused" and empty.status == "not-converted"
    for document in documents:
        kubernetes_validate.validate(document, "1.33", strict=True)


@pytest.mark.parametrize("text", ["", "just text\n", "a: [1, 2]\nb: {c: d}\n", "- apiVersion: v1\n  kind: List\n"])
def test_an_input_of_no_kubernetes_object_is_bad_input(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, report = tmp_path / "notes.yaml", tmp_path / "report.md"
    source.write_text(text)
    assert main(["migrate", str(source), "--report", str(report)]) == 2
    captured = capsys.readouterr()
    assert f"{source}: no Kubernetes object" in captured.err and "Traceback" not in captured.err
    assert captured.out == "" and not report.exists()


def test_a_list_with_no_ingress_is_a_finding_not_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "empty-cluster.yaml"
    source.write_text("apiVersion: v1\nkind: List\nitems: []\n")  # kubectl get ingress -A -o yaml, none there
    assert main(["migrate", str(source)]) == 1
    assert "no ingress-nginx Ingress in the input" in capsys.readouterr().err


def test_paths_ingress_nginx_routes_but_an_alb_cannot_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    long_path = "/" + "segment/" * 20 + "(.*)"
    paths = [(p, "ImplementationSpecific", "s") for p in (long_path, "/(?=look)ahead", "/" + "ab" * 20)]
    ingress = nginx_ingress("odd", paths, {NGINX + "use-regex": "true"})
    documents, report = migrate_documents([ingress])
    details = {f.annotation: (f.status, f.detail) for f in report.findings}
    assert details[f"path {long_path!r}"][0] == "not-converted" and "128" in details[f"path {long_path!r}"][1]
    assert "lookarounds" in details["path '/(?=look)ahead'"][1]
    # 41 characters of letters: widened to [aA] it exceeds 128, so it is matched case-sensitively instead.
    assert details["path '/" + "ab" * 20 + "'"][0] == "approximated"
    paths = documents[0]["spec"]["rules"][0]["http"]["paths"]
    assert [p["path"] for p in paths] == ["/^/" + "ab" * 20]


def test_numbers_that_are_not_numbers_are_reported_not_fatal(capsys: pytest.CaptureFixture[str]) -> None:
    documents, report = migrate_documents(
        [
            nginx_ingress("main", [("/x", "Prefix", "main")], {NGINX + "proxy-read-timeout": "soon"}),
            nginx_ingress(
                "canary", [("/x", "Prefix", "v2")], {NGINX + "canary": "true", NGINX + "canary-weight": "lots"}
            ),
        ]
    )
    statuses = {(f.ingress, f.annotation): f.status for f in report.findings}
    assert statuses[("shop/main", NGINX + "proxy-read-timeout")] == "not-converted"
    assert statuses[("shop/canary", NGINX + "canary-weight")] == "not-converted"
    assert [d["metadata"]["name"] for d in documents] == ["main"]


def test_ingresses_that_would_lose_their_protection_are_held_back_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code, documents, err = _run([str(CORPUS / "protections.yaml"), "--report", str(report)], capsys)
    assert code == 3 and documents == []  # not even web/public, which has no protection to lose
    data = json.loads(report.read_text())
    assert data["heldBack"] == ["ops/dashboard", "ops/admin", "api/partners"]
    lost = {
        (f["ingress"], f["annotation"].rsplit("/", 1)[-1])
        for f in data["findings"]
        if f["severity"] == "lost-protection"
    }
    assert lost == {
        ("ops/dashboard", "auth-url"),
        ("ops/dashboard", "auth-signin"),  # every auth-* name is part of a protection (catalogue)
        ("ops/admin", "auth-type"),
        ("ops/admin", "auth-secret"),
        ("ops/admin", "auth-realm"),
        ("api/partners", "auth-tls-verify-client"),
        ("api/partners", "auth-tls-secret"),
        ("api/partners", "enable-modsecurity"),
        ("api/partners", "server-snippet"),
    }
    how = {
        f["annotation"].rsplit("/", 1)[-1]: f["detail"] for f in data["findings"] if f["severity"] == "lost-protection"
    }
    assert "auth-type: oidc" in how["auth-url"] and "mutual-authentication" in how["auth-tls-verify-client"]
    assert "wafv2-acl-arn" in how["enable-modsecurity"]
    assert err.index("[lost-protection]") < err.index("[note]")  # most serious first
    code, documents, _ = _run([str(CORPUS / "protections.yaml"), "--allow-unprotected"], capsys)
    assert code == 1  # written, and still reported
    assert len(documents) == 4 and all(d["spec"]["ingressClassName"] == "alb" for d in documents)


def test_legacy_and_exported_manifests_convert_to_valid_current_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, documents, err = _run([str(CORPUS / "legacy.yaml"), "--group", "corpus"], capsys)
    assert code == 1
    reports = next(d for d in documents if d["metadata"]["name"] == "reports")
    assert reports["apiVersion"] == "networking.k8s.io/v1" and reports["spec"]["ingressClassName"] == "alb"
    docs = next(d for d in documents if d["metadata"]["name"] == "docs")
    assert "status" not in docs and "uid" not in docs["metadata"] and "creationTimestamp" not in docs["metadata"]
    assert not [k for k in docs["metadata"]["annotations"] if k.startswith(("cert-manager.io/", "kubectl."))]
    assert "class 'traefik'" in err and "upgraded from networking.k8s.io/v1beta1" in err
