"""``migrate --to ingress`` output the API server and the controller v3.5.0 accept: backend names, weights,
redirects, idle timeouts, group quotas and wildcard hosts.

Expectations are written by hand from the sources, cited at each test:
- the controller: kubernetes-sigs/aws-load-balancer-controller v3.5.0;
- ingress-nginx: kubernetes/ingress-nginx controller-v1.15.1;
- the API server: k8s.io/apimachinery pkg/util/validation (IsQualifiedName) and Kubernetes
  pkg/apis/networking/validation (ValidateServiceName: a DNS-1035 label).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
import yaml

from albingress.policies.alb_budget import Quotas
from albingress.policies.group_budget import quota_violations
from albingress.policies.review import INGRESS, Context, Resource, Stack
from albops.__main__ import main
from albops.migrate import Options, migrate
from albops.migrate.names import NAME_MAX, backend_name
from albops.migrate.report_formats import text_lines
from albops.migrate.routes import AlbRequest, alb_route
from albops.migrate.weights import scale

ALB = "alb.ingress.kubernetes.io/"
NGINX = "nginx.ingress.kubernetes.io/"
# apimachinery IsQualifiedName's name part (qualifiedNameFmt), at most 63 characters.
QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
# IsDNS1035Label, at most 63 characters.
DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def ingress(
    name: str,
    rules: list[tuple[str, list[tuple[str, str]]]],
    annotations: dict[str, str] | None = None,
    namespace: str = "shop",
    tls: list[str] | None = None,
) -> dict[str, Any]:
    """An ingress-nginx Ingress: rules are (host, [(path, service)]), Prefix paths to port 80."""
    spec: dict[str, Any] = {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": path,
                            "pathType": "Prefix",
                            "backend": {"service": {"name": service, "port": {"number": 80}}},
                        }
                        for path, service in paths
                    ]
                },
            }
            for host, paths in rules
        ],
    }
    if tls:
        spec["tls"] = [{"hosts": tls, "secretName": "cert"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
        "spec": spec,
    }


def run(documents: list[Any], **options: Any) -> tuple[list[Any], Any]:
    return migrate(documents, Options(group="shop", **options))


def statuses(report: Any) -> dict[tuple[str, str], str]:
    return {(f.ingress, f.annotation): f.status for f in report.findings}


def api_server_problems(document: dict[str, Any]) -> list[str]:
    """What the API server refuses in an Ingress's annotation keys and backend service names."""
    problems = []
    for key in document["metadata"].get("annotations") or {}:
        name = key.rsplit("/", 1)[-1]
        if len(name) > 63 or not QUALIFIED.fullmatch(name):
            problems.append(f"annotation key {key}")
    for rule in document["spec"].get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            service = path["backend"]["service"]["name"]
            if len(service) > 63 or not DNS_1035.fullmatch(service):
                problems.append(f"service name {service}")
    return problems


# --- 1. backend names ------------------------------------------------------------------------------------

LONG_52 = "payments-reconciliation-worker-api-internal-v2-abcde"  # 52 characters
LONG_63 = "payments-reconciliation-worker-api-internal-v2-abcdefghijklmnop"  # 63, the most a Service may have


def _long_named_inputs() -> list[dict[str, Any]]:
    """A rewrite (transforms), a canary by header and weight (actions, conditions) and disagreeing allow-lists
    (source-ip conditions), each on a Service with a long name."""
    rewrite = ingress(
        "rewrite",
        [("r.example.com", [("/api(/|$)(.*)", LONG_63)])],
        {NGINX + "rewrite-target": "/$2", NGINX + "use-regex": "true"},
    )
    main = ingress("main", [("c.example.com", [("/pay", LONG_52)])], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    canary = ingress(
        "main-canary",
        [("c.example.com", [("/pay", LONG_63)])],
        {
            NGINX + "canary": "true",
            NGINX + "canary-by-header": "X-Canary",
            NGINX + "canary-weight": "10",
        },
    )
    other = ingress("other", [("o.example.com", [("/", LONG_63)])], {NGINX + "whitelist-source-range": "192.0.2.0/24"})
    return [rewrite, main, canary, other]


def test_long_service_names_make_keys_the_api_server_takes() -> None:
    assert len(LONG_52) == 52 and len(LONG_63) == 63
    documents, _report = run(_long_named_inputs(), allow_unprotected=True)
    written = [d for d in documents if d["kind"] == "Ingress"]
    assert {d["metadata"]["name"] for d in written} == {"rewrite", "main", "other"}
    for document in written:
        assert api_server_problems(document) == [], document["metadata"]["name"]
        annotations = document["metadata"]["annotations"]
        for rule in document["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = path["backend"]["service"]
                if service["port"].get("name") != "use-annotation":
                    continue
                # enhanced_backend_builder.go buildActionViaAnnotation: actions.<service.name> must exist.
                action = json.loads(annotations[ALB + f"actions.{service['name']}"])
                assert len(service["name"]) <= NAME_MAX
                if action["type"] == "forward":
                    groups = action["forwardConfig"]["targetGroups"]
                    assert {g["serviceName"] for g in groups} <= {LONG_52, LONG_63}
                    assert all(g["servicePort"] == 80 for g in groups)
    rewrite = next(d for d in written if d["metadata"]["name"] == "rewrite")
    # The rewrite still reaches the real Service through the forward action, with the path rewritten.
    outcome = alb_route([rewrite], AlbRequest("r.example.com", "/api/v1/items"))
    assert outcome is not None and outcome.targets == ((LONG_63, 1),) and outcome.upstream == "/v1/items"


def test_backend_names_are_stable_and_do_not_depend_on_input_order() -> None:
    first, _ = run(_long_named_inputs(), allow_unprotected=True)
    shuffled = _long_named_inputs()
    random.Random(7).shuffle(shuffled)
    second, _ = run(shuffled, allow_unprotected=True)

    def keys(documents: list[Any]) -> dict[str, list[str]]:
        return {d["metadata"]["name"]: sorted(d["metadata"]["annotations"]) for d in documents}

    assert keys(first) == keys(second)


def test_a_backend_name_keeps_a_readable_prefix_and_fits() -> None:
    name = backend_name("shop/main", LONG_63, 80, "canary", "x")
    assert name.startswith("payments-reconciliation-worker-api-") and "-canary-" in name
    assert len(name) <= 52 and DNS_1035.fullmatch(name)
    assert backend_name("shop/main", LONG_63, 80, "canary", "x") == name  # same input, same name
    assert backend_name("shop/main", LONG_63, 80, "canary", "y") != name  # other content, other name
    assert backend_name("shop/main", "9lives", 80, "src", "x").startswith("b9lives-src-")  # DNS-1035: a letter first
    clash = backend_name("shop/main", LONG_63, 80, "canary", "x", frozenset({name}))
    assert clash != name and len(clash) <= 52


# --- 2. weights ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "expected", "exact"),
    [
        ((9995, 5), (999, 1), False),  # 0.05% must not become 0%: the canary keeps 1/1000
        ((0, 10000), (0, 999), True),  # 100% stays exactly 100%
        ((5000, 5000), (999, 999), True),
        ((7500, 2500), (999, 333), True),
        ((80, 20), (80, 20), True),  # in range: kept as written
        ((9000, 1000), (999, 111), True),
        ((6667, 3333), (999, 499), False),  # 3333 * 999 / 6667 = 499.4
    ],
)
def test_weights_are_scaled_into_the_elb_range(
    weights: tuple[int, int], expected: tuple[int, int], exact: bool
) -> None:
    scaled = scale(weights)
    assert scaled.weights == expected and scaled.exact is exact
    assert all(0 <= w <= 999 for w in scaled.weights)


def _canary(weight: str, total: str) -> list[dict[str, Any]]:
    main = ingress("web", [("w.example.com", [("/", "web")])])
    canary = ingress(
        "web-canary",
        [("w.example.com", [("/", "web-v2")])],
        {NGINX + "canary": "true", NGINX + "canary-weight": weight, NGINX + "canary-weight-total": total},
    )
    return [main, canary]


def test_a_canary_weight_total_of_10000_is_written_in_the_elb_range() -> None:
    documents, report = run(_canary("5", "10000"))
    (web,) = documents
    (action,) = [json.loads(v) for k, v in web["metadata"]["annotations"].items() if k.startswith(ALB + "actions.")]
    assert [(g["serviceName"], g["weight"]) for g in action["forwardConfig"]["targetGroups"]] == [
        ("web", 999),
        ("web-v2", 1),
    ]
    finding = next(f for f in report.findings if f.annotation == NGINX + "canary-weight")
    assert finding.status == "approximated" and "99.95% / 0.05%" in finding.detail and "99.9% / 0.1%" in finding.detail


def test_a_whole_canary_stays_whole() -> None:
    documents, report = run(_canary("10000", "10000"))
    (action,) = [
        json.loads(v) for k, v in documents[0]["metadata"]["annotations"].items() if k.startswith(ALB + "actions.")
    ]
    assert [g["weight"] for g in action["forwardConfig"]["targetGroups"]] == [0, 999]
    assert statuses(report)[("shop/web-canary", NGINX + "canary-weight")] == "converted"


# --- 3. redirects ----------------------------------------------------------------------------------------


def _redirect(annotations: dict[str, str]) -> tuple[dict[str, Any], dict[tuple[str, str], str], Any]:
    documents, report = run([ingress("old", [("old.example.com", [("/", "web")])], annotations)])
    (action,) = [
        json.loads(v) for k, v in documents[0]["metadata"]["annotations"].items() if k.startswith(ALB + "actions.")
    ]
    return action["redirectConfig"], statuses(report), report


def test_with_both_redirects_the_temporal_one_applies() -> None:
    # redirect.go Parse (controller-v1.15.1, lines 125-150): temporal-redirect is read first and returned.
    config, found, _ = _redirect(
        {NGINX + "permanent-redirect": "https://p.example.org/", NGINX + "temporal-redirect": "https://t.example.org/x"}
    )
    assert config["host"] == "t.example.org" and config["path"] == "/x" and config["statusCode"] == "HTTP_302"
    assert found[("shop/old", NGINX + "permanent-redirect")] == "note"
    assert found[("shop/old", NGINX + "temporal-redirect")] == "converted"


@pytest.mark.parametrize(
    ("annotations", "status_code", "code_status"),
    [
        # temporal: 300..307 kept (redirect.go:136), else 302; the ALB answers 301 or 302 only.
        ({"temporal-redirect-code": "307"}, "HTTP_302", "approximated"),
        ({"temporal-redirect-code": "308"}, "HTTP_302", "converted"),  # outside 300..307: nginx answers 302
        ({"temporal-redirect-code": "301"}, "HTTP_301", "converted"),
        ({"temporal-redirect-code": "+302"}, "HTTP_302", "converted"),  # strconv.Atoi takes a sign
        ({"temporal-redirect-code": " 302"}, "HTTP_302", "not-converted"),  # ... but no space
        ({"temporal-redirect-code": "303"}, "HTTP_302", "approximated"),
    ],
)
def test_temporal_redirect_codes(annotations: dict[str, str], status_code: str, code_status: str) -> None:
    given = {NGINX + "temporal-redirect": "https://t.example.org/", **{NGINX + k: v for k, v in annotations.items()}}
    config, found, _ = _redirect(given)
    assert config["statusCode"] == status_code
    assert found[("shop/old", NGINX + "temporal-redirect-code")] == code_status


@pytest.mark.parametrize(
    ("code", "status_code", "code_status"),
    [
        ("308", "HTTP_301", "approximated"),  # permanent: 300..308 kept (redirect.go:162)
        ("399", "HTTP_301", "converted"),  # outside: nginx answers 301
        ("302", "HTTP_302", "converted"),
    ],
)
def test_permanent_redirect_codes(code: str, status_code: str, code_status: str) -> None:
    config, found, _report = _redirect(
        {NGINX + "permanent-redirect": "https://p.example.org/", NGINX + "permanent-redirect-code": code}
    )
    assert config["statusCode"] == status_code
    assert found[("shop/old", NGINX + "permanent-redirect-code")] == code_status


# --- 4. idle timeouts -----------------------------------------------------------------------------------


def test_the_group_takes_the_largest_timeout_on_every_member() -> None:
    documents, report = run(
        [
            ingress("ws", [("ws.example.com", [("/", "ws")])], {NGINX + "proxy-read-timeout": "3600"}),
            ingress("api", [("api.example.com", [("/", "api")])], {NGINX + "proxy-send-timeout": "120"}),
            ingress("web", [("web.example.com", [("/", "web")])]),
        ]
    )
    values = {
        d["metadata"]["name"]: d["metadata"]["annotations"].get(ALB + "load-balancer-attributes") for d in documents
    }
    assert values == dict.fromkeys(("ws", "api", "web"), "idle_timeout.timeout_seconds=3600")
    group = [f for f in report.group_findings if f.key == ALB + "load-balancer-attributes"]
    assert len(group) == 1 and group[0].group == "shop" and group[0].status == "approximated"
    assert group[0].ingresses == ["shop/ws", "shop/api", "shop/web"]
    assert "must carry the identical load-balancer-attributes" in group[0].detail
    assert statuses(report)[("shop/ws", NGINX + "proxy-read-timeout")] == "converted"


def test_timeouts_are_capped_and_read_as_go_reads_them() -> None:
    documents, report = run(
        [
            ingress("a", [("a.example.com", [("/", "a")])], {NGINX + "proxy-read-timeout": "86400"}),
            ingress("b", [("b.example.com", [("/", "b")])], {NGINX + "proxy-send-timeout": "30s"}),
        ]
    )
    assert {d["metadata"]["annotations"][ALB + "load-balancer-attributes"] for d in documents} == {
        "idle_timeout.timeout_seconds=4000"
    }
    assert statuses(report)[("shop/b", NGINX + "proxy-send-timeout")] == "not-converted"
    assert "capped at the ALB's 4000 s" in "\n".join(text_lines(report, "not-converted"))


def test_the_configmap_default_counts_and_nothing_is_written_without_any_timeout() -> None:
    documents, _ = run(
        [ingress("a", [("a.example.com", [("/", "a")])])], controller_config={"proxy-read-timeout": "900"}
    )
    assert (
        documents[0]["metadata"]["annotations"][ALB + "load-balancer-attributes"] == "idle_timeout.timeout_seconds=900"
    )
    documents, _report = run([ingress("a", [("a.example.com", [("/", "a")])])])
    assert ALB + "load-balancer-attributes" not in documents[0]["metadata"]["annotations"]


# --- 5. group quotas and --shards -------------------------------------------------------------------------


def _many(count: int) -> list[dict[str, Any]]:
    """``count`` Ingresses, one host each, five Prefix paths each: five rules each on the HTTP listener
    (model_build_listener_rules.go: one rule per host and path on each listen port)."""
    return [
        ingress(f"app{i:02d}", [(f"app{i:02d}.example.com", [(f"/p{j}", f"svc{i:02d}") for j in range(5)])])
        for i in range(count)
    ]


def _check_quota(documents: list[Any]) -> list[Any]:
    resources = [Resource(INGRESS, d["metadata"]["name"], d) for d in documents if d["kind"] == "Ingress"]
    return list(quota_violations(Stack(resources, Context()), Quotas()))


def test_a_group_over_the_rule_quota_is_refused_with_its_counts_and_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    documents, report = run(_many(30))
    assert _check_quota(documents)  # what would have been written: 150 rules, which the ALB refuses
    finding = next(f for f in report.findings if f.annotation == "group quotas")
    assert finding.ingress == "group shop" and "150 rules (quota 100)" in finding.detail
    assert "--shards" in finding.detail
    assert len(report.held_back) == 30 and report.converted == []


def test_shards_split_by_host_under_the_quotas(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, report = run(_many(30))
    detail = next(f.detail for f in report.findings if f.annotation == "group quotas")
    shards = int(re.search(r"--shards (\d+)", detail).group(1))  # type: ignore[union-attr]
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all(_many(30)))
    code = main(["migrate", str(path), "--group", "shop", "--shards", str(shards)])
    out = capsys.readouterr().out
    documents = list(yaml.safe_load_all(out))
    assert code in (0, 1) and len(documents) == 30
    groups = {d["metadata"]["annotations"][ALB + "group.name"] for d in documents}
    assert groups <= {f"shop-{i}" for i in range(1, shards + 1)} and len(groups) > 1
    assert _check_quota(documents) == []
    main(["migrate", str(path), "--group", "shop", "--shards", str(shards)])
    assert capsys.readouterr().out == out  # deterministic


def test_all_ingresses_of_one_host_share_a_shard() -> None:
    documents = [ingress(f"i{i}", [(f"h{i % 7}.example.com", [(f"/x{i}", "svc")])]) for i in range(21)]
    written, _ = run(documents, shards=4)
    by_host: dict[str, set[str]] = {}
    for d in written:
        by_host.setdefault(d["spec"]["rules"][0]["host"], set()).add(d["metadata"]["annotations"][ALB + "group.name"])
    assert all(len(groups) == 1 for groups in by_host.values()) and len(by_host) == 7


def test_shards_only_with_ingress_output(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all(_many(1)))
    assert main(["migrate", str(path), "--to", "gateway", "--shards", "2"]) == 2
    assert "--shards only applies with --to ingress" in capsys.readouterr().err


# --- 6. wildcard hosts -----------------------------------------------------------------------------------

# template.go buildServerName (controller-v1.15.1, lines 1686-1694): *.example.com is
# ~^(?<subdomain>[\w-]+)\.example\.com$ -- one label; written case-insensitively, with the port the ALB sees.
ONE_LABEL_EXAMPLE = r"^[a-zA-Z0-9_-]+\.[eE][xX][aA][mM][pP][lL][eE]\.[cC][oO][mM](:[0-9]+)?$"


def test_a_wildcard_host_matches_one_label_after_the_exact_hosts() -> None:
    wild = ingress("a-wild", [("*.example.com", [("/", "wild")])], tls=["*.example.com"])
    exact = ingress("z-exact", [("api.example.com", [("/v1", "api")])])
    documents, report = run([wild, exact])
    by_name = {d["metadata"]["name"]: d for d in documents}
    annotations = by_name["a-wild"]["metadata"]["annotations"]
    (rule,) = by_name["a-wild"]["spec"]["rules"]
    assert "host" not in rule  # buildRuleConditions refuses a host together with host regexValues
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["port"] == {"name": "use-annotation"}
    assert json.loads(annotations[ALB + f"conditions.{backend['name']}"]) == [
        {"field": "host-header", "hostHeaderConfig": {"regexValues": [ONE_LABEL_EXAMPLE]}}
    ]
    assert json.loads(annotations[ALB + f"actions.{backend['name']}"]) == {
        "type": "forward",
        "forwardConfig": {"targetGroups": [{"serviceName": "wild", "servicePort": 80}]},
    }
    # group_loader.go sortGroupMembers: group.order, then namespace/name; the exact host must come first.
    order = {n: int(d["metadata"]["annotations"].get(ALB + "group.order", "0")) for n, d in by_name.items()}
    assert order["z-exact"] < order["a-wild"]

    def target(host: str, path: str) -> str | None:
        outcome = alb_route(documents, AlbRequest(host, path))
        return outcome.targets[0][0] if outcome else None

    assert target("api.example.com", "/v1/x") == "api"
    assert target("shop.example.com", "/") == "wild"
    assert target("Shop.Example.COM", "/") == "wild"
    assert target("a.b.example.com", "/") is None  # nginx: no server matches, 404 from the default backend
    assert target("example.com", "/") is None
    assert by_name["a-wild"]["spec"]["tls"] == [{"hosts": ["*.example.com"]}]
    # api.example.com has no '/' path: nginx answered /other from its own server (404); the ALB falls through.
    assert target("api.example.com", "/other") == "wild"
    assert statuses(report)[("shop/z-exact", "host api.example.com")] == "approximated"


@pytest.mark.parametrize(
    ("conditions", "converted"),
    [
        # buildRuleConditions merges every host-header condition of a rule into one (values OR'd) and refuses
        # values beside regexValues: the backend's own host-header condition keeps the ALB host.
        ('[{"field": "host-header", "hostHeaderConfig": {"values": ["x.example.com"]}}]', False),
        ('[{"Field": "host-header", "HostHeaderConfig": {"RegexValues": ["^x"]}}]', False),
        ("notjson", False),  # the controller cannot read it: nothing is added to it
        ("null", True),  # Go: no conditions
        ('[{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-a", "values": ["1"]}}]', True),
    ],
)
def test_a_wildcard_host_takes_its_one_label_regex_only_beside_conditions_that_leave_the_host_alone(
    conditions: str, converted: bool
) -> None:
    wild = ingress("a-wild", [("*.example.com", [("/", "wild")])])
    wild["metadata"]["annotations"] = {ALB + "conditions.wild": conditions}
    documents, report = run([wild])
    finding = statuses(report)[("shop/a-wild", "host *.example.com")]
    if converted:
        assert finding == "converted"
        (rule,) = documents[0]["spec"]["rules"]
        assert "host" not in rule
        name = rule["http"]["paths"][0]["backend"]["service"]["name"]
        written = json.loads(documents[0]["metadata"]["annotations"][ALB + f"conditions.{name}"])
        assert written[0] == {"field": "host-header", "hostHeaderConfig": {"regexValues": [ONE_LABEL_EXAMPLE]}}
    else:
        assert finding == "approximated"
        # Written (or, for a value the controller refuses, left out as not converted) with its host as it was.
        for document in documents:
            assert [r.get("host") for r in document["spec"]["rules"]] == ["*.example.com"]


def test_a_wildcard_host_whose_backend_names_a_missing_action_keeps_its_host() -> None:
    """A use-annotation backend without its actions.<name> answers 503 at the controller (the validator says so):
    nothing to carry the one-label regex over to (was a KeyError)."""
    wild = ingress("a-wild", [("*.example.com", [("/", "svc")])])
    wild["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] = {"name": "use-annotation"}
    _, report = run([wild])
    assert statuses(report)[("shop/a-wild", "host *.example.com")] == "approximated"


def test_exact_hosts_come_before_wildcards_inside_one_ingress() -> None:
    both = ingress("both", [("*.example.com", [("/", "wild")]), ("www.example.com", [("/", "www")])])
    documents, _report = run([both])
    rules = documents[0]["spec"]["rules"]
    assert rules[0]["host"] == "www.example.com" and "host" not in rules[1]
    assert alb_route(documents, AlbRequest("www.example.com", "/")).targets[0][0] == "www"  # type: ignore[union-attr]
    assert alb_route(documents, AlbRequest("a.example.com", "/")).targets[0][0] == "wild"  # type: ignore[union-attr]


def test_a_wildcard_too_long_for_a_regex_is_reported() -> None:
    host = "*." + ".".join(["abcdefghij"] * 5) + ".example.com"
    documents, report = run([ingress("long", [(host, [("/", "wild")])])])
    assert documents[0]["spec"]["rules"][0]["host"] == host
    finding = next(f for f in report.findings if f.annotation == f"host {host}")
    assert finding.status == "approximated" and "also matches a.b." in finding.detail
