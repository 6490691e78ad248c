"""``migrate --to gateway``: the same semantic tests as the Ingress target, on Gateway API output.

For generated cases the Gateway side (``gateway_model.gateway_route``: the controller's rule precedence and
rewrites over the HTTPRoutes) must send every request where ingress-nginx's model sends it, rewritten the
same way, whenever the report says exact; a real nginx checks it in ``test_real_nginx.py``. Every object
written validates against the real CRDs, and the real-world corpus converts with a complete report.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from albops.__main__ import main
from albops.manifests import documents as read_documents
from albops.migrate import Options, migrate
from albops.migrate.gateway_model import gateway_route, sorted_rules
from albops.migrate.reading import objects
from albops.migrate.routes import NGINX, AlbRequest, nginx_blocks, nginx_route
from tests.crd_validation import validate
from tests.routing_cases import HOST, Case, generate, locations, nginx_ingress
from tests.test_migrate_realworld import INPUTS, _nginx_annotations

CERT = "arn:aws:acm:us-west-2:111122223333:certificate/3c9d2a7e-1f4b-4e8a-b6d0-7a5e2c9f1b84"
GATEWAY_GROUPS = ("gateway.networking.k8s.io/", "gateway.k8s.aws/")


def _convert(ingresses: list[dict[str, Any]], **options: Any) -> tuple[list[Any], Any]:
    return migrate(copy.deepcopy(ingresses), Options(group="g", to="gateway", **options))


def _compare(case: Case) -> tuple[bool, list[str]]:
    exact, differences, _ = _compared(case)
    return exact, differences


def _compared(case: Case) -> tuple[bool, list[str], list[Any]]:
    """Whether the report says exact, where the Gateway and ingress-nginx disagree, and the output."""
    converted, report = _convert(case.ingresses)
    blocks = nginx_blocks(locations(case))
    differences = []
    for uri in case.requests:
        expected = nginx_route(blocks, uri)
        outcome = gateway_route(converted, AlbRequest(HOST, uri))
        nginx = (expected[0].service, expected[1]) if expected else None
        gateway = (outcome.targets[0][0], outcome.upstream) if outcome and outcome.targets else None
        if nginx != gateway:
            differences.append(f"{uri}: nginx {nginx} gateway {gateway}")
    return report.exact, differences, converted


def _assert_valid(output: list[Any]) -> None:
    for obj in objects(output):
        if str(obj.get("apiVersion", "")).startswith(GATEWAY_GROUPS):
            outcome = validate(obj)
            assert outcome.errors == [], (obj, outcome.errors)
        else:
            kubernetes_validate.validate(obj, "1.33", strict=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_exact_gateway_conversions_route_and_rewrite_like_ingress_nginx(rng: random.Random) -> None:
    case = generate(rng)
    exact, differences = _compare(case)
    if exact:
        assert not differences, (case.ingresses, differences)


def test_most_cases_without_a_rewrite_convert_exactly_and_all_outputs_are_valid() -> None:
    """Rewrites are where Gateway API is narrower (a PathPrefix is case-sensitive; only prefix strips and whole
    paths): the cases without one must mostly be exact, and every output validates against the CRDs."""
    rng = random.Random(11)
    plain = exact_plain = exact_all = 0
    for _ in range(60):
        case = generate(rng)
        exact, differences, converted = _compared(case)
        assert not (exact and differences), (case.ingresses, differences)
        _assert_valid(converted)
        rewrites = any(NGINX + "rewrite-target" in (i["metadata"].get("annotations") or {}) for i in case.ingresses)
        exact_all += exact
        if not rewrites:
            plain += 1
            exact_plain += exact
    assert plain >= 10 and exact_plain >= plain * 0.6, (exact_plain, plain)
    assert exact_all >= 10


def _one_route(output: list[Any]) -> dict[str, Any]:
    (route,) = [o for o in objects(output) if o.get("kind") == "HTTPRoute" and o["metadata"]["name"] == HOST]
    return route


def test_the_prefix_strip_becomes_replace_prefix_match_and_says_its_case_is_kept() -> None:
    ingress = nginx_ingress(
        "test", [("/test(/|$)(.*)", "ImplementationSpecific", "test")], {NGINX + "rewrite-target": "/$2"}
    )
    output, report = _convert([ingress], certificate_arn=CERT)
    _assert_valid(output)
    rule = _one_route(output)["spec"]["rules"][0]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/test"}}]
    assert rule["filters"] == [
        {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
    ]
    approximated = [f for f in report.findings if f.status == "approximated"]
    assert any("in this case only" in f.detail for f in approximated)
    for uri, upstream in (("/test", "/"), ("/test/a/b?q=1", "/a/b?q=1"), ("/test/", "/")):
        outcome = gateway_route(output, AlbRequest(HOST, uri))
        assert outcome is not None and outcome.upstream == upstream, uri
    assert gateway_route(output, AlbRequest(HOST, "/testing")) is None


@pytest.mark.parametrize(
    ("path", "target", "fragment"),
    [
        ("/a+b(/|$)(.*)", "/$2", "not a prefix strip"),
        ("/api(/|$)(.*)", "/new/$2", "not a prefix strip"),
        ("/api/(.*)/x", "/$1", "not a prefix strip"),
    ],
)
def test_a_rewrite_gateway_api_cannot_express_is_left_out_with_the_reason(
    path: str, target: str, fragment: str
) -> None:
    ingress = nginx_ingress("test", [(path, "ImplementationSpecific", "test")], {NGINX + "rewrite-target": target})
    output, report = _convert([ingress])
    assert not [o for o in objects(output) if o.get("kind") == "HTTPRoute"]
    refused = [f for f in report.findings if f.status == "not-converted" and "rewrite-target" in f.annotation]
    assert refused and fragment in refused[0].detail and not report.exact


def test_a_dot_in_a_stripped_prefix_is_reported() -> None:
    ingress = nginx_ingress("v", [("/v1.0(/|$)(.*)", "ImplementationSpecific", "v")], {NGINX + "rewrite-target": "/$2"})
    output, report = _convert([ingress])
    _assert_valid(output)
    assert any("matched any character" in f.detail for f in report.findings if f.status == "approximated")


def test_a_rewrite_to_a_fixed_path_replaces_the_whole_path() -> None:
    ingress = nginx_ingress("test", [("/old", "Prefix", "test")], {NGINX + "rewrite-target": "/"})
    output, report = _convert([ingress])
    _assert_valid(output)
    rule = _one_route(output)["spec"]["rules"][0]
    assert rule["filters"][0]["urlRewrite"]["path"] == {"type": "ReplaceFullPath", "replaceFullPath": "/"}
    assert report.exact
    outcome = gateway_route(output, AlbRequest(HOST, "/OLD/x?a=1"))
    assert outcome is not None and outcome.upstream == "/?a=1"


def test_canaries_become_header_matches_and_weighted_backends() -> None:
    main_ingress = nginx_ingress("web", [("/", "Prefix", "web")], {})
    canary = nginx_ingress(
        "web-canary",
        [("/", "Prefix", "web2")],
        {NGINX + "canary": "true", NGINX + "canary-weight": "20", NGINX + "canary-by-header": "X-Canary"},
    )
    output, _ = _convert([main_ingress, canary])
    _assert_valid(output)
    header_rule, weighted = _one_route(output)["spec"]["rules"]
    assert header_rule["matches"][0]["headers"] == [{"type": "Exact", "name": "X-Canary", "value": "always"}]
    assert header_rule["backendRefs"] == [{"name": "web2", "port": 80}]
    assert weighted["backendRefs"] == [
        {"name": "web", "port": 80, "weight": 80},
        {"name": "web2", "port": 80, "weight": 20},
    ]
    outcome = gateway_route(output, AlbRequest(HOST, "/x", headers={"x-canary": "ALWAYS"}))
    assert outcome is not None and outcome.targets == (("web2", 1),)
    # the header rule comes first by the controller's precedence too (one header match more)
    first = sorted_rules(output)[0]
    assert first.match.get("headers")


def test_redirects_and_app_root_become_request_redirects() -> None:
    moved = nginx_ingress("old", [("/", "Prefix", "old")], {NGINX + "permanent-redirect": "https://new.example.com/x"})
    root = nginx_ingress("site", [("/", "Prefix", "site")], {NGINX + "app-root": "/app"})
    root["spec"]["rules"][0]["host"] = "site.example.com"
    output, _ = _convert([moved, root])
    _assert_valid(output)
    redirect = gateway_route(output, AlbRequest(HOST, "/anything"))
    assert redirect is not None and redirect.kind == "redirect"
    assert redirect.redirect == {
        "statusCode": 301,
        "scheme": "https",
        "hostname": "new.example.com",
        "port": 443,
        "path": {"type": "ReplaceFullPath", "replaceFullPath": "/x"},
    }
    app = gateway_route(output, AlbRequest("site.example.com", "/"))
    assert app is not None and app.kind == "redirect" and str(app.redirect.get("statusCode")) == "302"
    served = gateway_route(output, AlbRequest("site.example.com", "/app/page"))
    assert served is not None and served.targets == (("site", 1),)


def test_source_ranges_become_source_ranges_or_rule_conditions() -> None:
    agreed = [
        nginx_ingress(name, [(f"/{name}", "Prefix", name)], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
        for name in ("a", "b")
    ]
    output, _ = _convert(agreed)
    _assert_valid(output)
    (config,) = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    assert config["spec"]["sourceRanges"] == ["10.0.0.0/8"]
    differing = [
        nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "whitelist-source-range": "10.0.0.0/8"}),
        nginx_ingress("b", [("/b", "Prefix", "b")], {NGINX + "whitelist-source-range": "192.168.0.0/16"}),
    ]
    output, _ = _convert(differing, allow_unprotected=True)
    _assert_valid(output)
    configs = [o for o in objects(output) if o.get("kind") == "ListenerRuleConfiguration" and "conditions" in o["spec"]]
    assert {tuple(c["spec"]["conditions"][0]["sourceIPConfig"]["values"]) for c in configs} == {
        ("10.0.0.0/8",),
        ("192.168.0.0/16",),
    }
    inside = gateway_route(output, AlbRequest(HOST, "/a", source_ip="10.1.2.3"))
    outside = gateway_route(output, AlbRequest(HOST, "/a", source_ip="203.0.113.10"))
    assert inside is not None and inside.targets == (("a", 1),)
    assert outside is not None and outside.kind == "fixed-response"  # 403, as ingress-nginx answered


def test_the_gateway_carries_the_group_and_admits_the_ingresses_namespaces() -> None:
    shop = nginx_ingress("shop", [("/", "Prefix", "shop")], {})
    shop["spec"]["tls"] = [{"hosts": [HOST], "secretName": "tls"}]
    other = nginx_ingress("blog", [("/", "Prefix", "blog")], {})
    other["metadata"]["namespace"] = "blog"
    other["spec"]["rules"][0]["host"] = "blog.example.com"
    other["spec"]["tls"] = [{"hosts": ["blog.example.com"], "secretName": "tls"}]
    output, _ = _convert([shop, other], certificate_arn=CERT)
    _assert_valid(output)
    (gateway,) = [o for o in objects(output) if o.get("kind") == "Gateway"]
    listeners = {item["name"]: item for item in gateway["spec"]["listeners"]}
    assert listeners["https-443"]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"][0]["values"] == [
        "blog",
        "shop",
    ]
    assert listeners["http-80"]["allowedRoutes"]["namespaces"] == {"from": "Same"}  # it only redirects
    (config,) = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    assert config["spec"]["listenerConfigurations"][0]["defaultCertificate"] == CERT
    # The Gateway lives with the first Ingress in the controller's order (blog/blog before shop/shop).
    assert gateway["metadata"]["namespace"] == "blog"
    routes = {o["metadata"]["name"]: o for o in objects(output) if o.get("kind") == "HTTPRoute"}
    assert routes["blog.example.com"]["metadata"]["namespace"] == "blog"
    assert routes["blog.example.com"]["spec"]["parentRefs"] == [{"name": "g", "sectionName": "https-443"}]
    assert routes[HOST]["spec"]["parentRefs"] == [{"name": "g", "namespace": "blog", "sectionName": "https-443"}]
    assert "g-https-redirect" in routes
    assert not [o for o in objects(output) if o.get("kind") == "Ingress"]


def test_attaching_to_an_existing_gateway_writes_routes_only() -> None:
    output, report = _convert([nginx_ingress("web", [("/", "Prefix", "web")], {})], gateway=("infra", "shared"))
    _assert_valid(output)
    kinds = {o["kind"] for o in objects(output)}
    assert "Gateway" not in kinds and "LoadBalancerConfiguration" not in kinds
    assert _one_route(output)["spec"]["parentRefs"] == [{"name": "shared", "namespace": "infra"}]
    assert any("attaches to Gateway infra/shared" in f.detail for f in report.findings)


def test_the_command_takes_to_gateway_and_refuses_a_bad_gateway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(nginx_ingress("web", [("/", "Prefix", "web")], {})))
    assert main(["migrate", "--to", "gateway", str(source)]) == 0
    out = capsys.readouterr().out
    assert "kind: HTTPRoute" in out and "kind: Ingress\n" not in out
    for args, fragment in (
        (["--to", "gateway", "--gateway", "no-slash"], "NAMESPACE/NAME"),
        (["--to", "gateway", "--gateway", "Bad/Name"], "NAMESPACE/NAME"),
        (["--gateway", "infra/shared"], "--to gateway"),
        (["--to", "gatway"], "invalid choice"),
        (["--to", "gateway", "--gateway-class", "Bad_Class"], "is not a Kubernetes object name"),
    ):
        code = main(["migrate", *args, str(source)])
        err = capsys.readouterr().err
        assert code == 2 and fragment in err and "Traceback" not in err, (args, err)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_a_real_manifest_converts_to_valid_gateway_objects_and_a_complete_report(path: Path) -> None:
    documents = read_documents(path)
    output, report = migrate(documents, Options(include_classless=True, allow_unprotected=True, to="gateway"))
    _assert_valid(output)
    reported = {(f.ingress, f.annotation) for f in report.findings}
    converted = set(report.converted) | {f.ingress for f in report.findings if f.annotation == NGINX + "canary"}
    missing = {(name, key) for name, key in _nginx_annotations(documents) if name in converted} - reported
    assert not missing, f"annotations the report does not mention: {sorted(missing)}"
    # The converted Ingresses (class alb) are replaced, not written beside their routes.
    assert not [
        o
        for o in objects(output)
        if o.get("kind") == "Ingress" and (o.get("spec") or {}).get("ingressClassName") == "alb"
    ]


def test_the_hsts_header_rides_on_the_gateways_https_listener() -> None:
    """ingress-nginx adds HSTS on HTTPS by default (config.go: hsts true, max-age 31536000, includeSubDomains);
    the Gateway's LoadBalancerConfiguration carries it as the listener attribute; with --gateway it is the
    existing Gateway owner's, and the report names where it goes."""
    ingress = nginx_ingress("app", [("/", "Prefix", "app")], {})
    ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "app-tls"}]
    output, report = migrate([copy.deepcopy(ingress)], Options(group="g", to="gateway"))
    (config,) = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    (listener,) = config["spec"]["listenerConfigurations"]
    assert listener["protocolPort"] == "HTTPS:443"
    assert listener["listenerAttributes"] == [
        {
            "key": "routing.http.response.strict_transport_security.header_value",
            "value": "max-age=31536000; includeSubDomains",
        }
    ]
    assert validate(config).errors == []
    assert not [f for f in report.findings if "listener-attributes" in f.annotation]
    _, report = migrate([ingress], Options(group="g", to="gateway", gateway=("infra", "gw")))
    (line,) = [f for f in report.findings if "listener-attributes" in f.annotation]
    assert line.status == "not-converted" and "infra/gw" in line.detail and "HTTPS:443" in line.detail


def test_an_agreed_allow_list_is_said_as_the_gateways_source_ranges() -> None:
    ingress = nginx_ingress("app", [("/", "Prefix", "app")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    output, report = migrate([ingress], Options(group="g", to="gateway"))
    (config,) = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    assert config["spec"]["sourceRanges"] == ["10.0.0.0/8"]
    lines = [f.detail for f in report.group_findings if f.key.endswith("source-range")]
    assert lines and all("sourceRanges" in d and "inbound-cidrs" not in d for d in lines)


def test_conditions_of_a_service_backend_become_its_matches_and_unreadable_alb_json_is_not_converted() -> None:
    # conditions.<name> applies to a Service backend of that name, not only to an action (v3.5.0
    # pkg/ingress/enhanced_backend_builder.go Build: buildConditions(ing.Annotations, backend.Service.Name)):
    # dropped, the route would answer requests the ALB did not.
    header = '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-v","values":["2"]}}]'
    ingress = nginx_ingress("web", [("/", "Prefix", "web")], {"alb.ingress.kubernetes.io/conditions.web": header})
    output, report = _convert([ingress])
    route = next(o for o in objects(output) if o.get("kind") == "HTTPRoute")
    assert route["spec"]["rules"][0]["matches"][0]["headers"] == [{"type": "Exact", "name": "x-v", "value": "2"}]
    assert gateway_route(output, AlbRequest(HOST, "/", {"x-v": "2"})) is not None
    assert gateway_route(output, AlbRequest(HOST, "/")) is None
    # JSON the controller cannot read (it refuses the Ingress): the path is not converted, never a traceback.
    for key, bad in (("conditions.web", '[{"field":'), ("transforms.web", '[{"type":'), ("conditions.web", "[" * 600)):
        broken = nginx_ingress("web", [("/", "Prefix", "web")], {f"alb.ingress.kubernetes.io/{key}": bad})
        output, report = _convert([broken])
        said = [f for f in report.findings if f.severity == "not-converted" and key in f.detail]
        assert said and not [o for o in objects(output) if o.get("kind") == "HTTPRoute"], report.findings


@pytest.mark.parametrize(("path", "kind"), [("/café", "Prefix"), ("/日本", "Exact"), ("/a b", "Prefix")])
def test_a_path_outside_visible_ascii_is_not_converted_as_for_the_ingress_target(path: str, kind: str) -> None:
    # ALB rules apply only to visible ASCII (Elastic Load Balancing, "Condition types for listener rules"): a
    # regex holding 'é' never matches the percent-encoded path a client sends, which nginx decodes and matches.
    output, report = _convert([nginx_ingress("web", [(path, kind, "web")], {})])
    assert not [o for o in objects(output) if o.get("kind") == "HTTPRoute"]
    assert any(f.severity == "not-converted" and "outside visible ASCII" in f.detail for f in report.findings)


def _header_route(conditions: str) -> tuple[list[Any], Any]:
    ingress = nginx_ingress(
        "web", [("/api", "Prefix", "api")], {"alb.ingress.kubernetes.io/conditions.api": conditions}
    )
    return _convert([ingress])


def test_a_header_condition_keeps_the_service_as_the_backend() -> None:
    # The header's name is the match's, never the backend's (it once overwrote the Service name).
    output, _ = _header_route(
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-env","values":["blue"]}}]'
    )
    route = next(o for o in objects(output) if o.get("kind") == "HTTPRoute")
    assert [r["name"] for r in route["spec"]["rules"][0]["backendRefs"]] == ["api"]


@pytest.mark.parametrize(
    "conditions",
    [
        # RuleCondition.Validate (v3.5.0 pkg/ingress/config_types.go): exactly one of values and regexValues.
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":[]}}]',
        # Go's json.Unmarshal into []string refuses a string, a number, NaN.
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":"blue"}}]',
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":[1]}}]',
        '[{"field":"source-ip","sourceIpConfig":{"values":"10.0.0.0/8"}}]',
        '[{"field":"http-header"}]',
        '["http-header"]',
        '{"field":"http-header"}',
        # Not an HTTP token: the ALB and the route's HTTPHeaderName refuse it.
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x env:","values":["a"]}}]',
        # Two conditions on one header: the ALB requires both, a route match reads only the first.
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x","values":["a"]}},'
        '{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","values":["b"]}}]',
    ],
)
def test_conditions_the_controller_refuses_leave_the_path_not_converted(conditions: str) -> None:
    output, report = _header_route(conditions)
    assert not [o for o in objects(output) if o.get("kind") == "HTTPRoute"]
    assert any(f.severity == "not-converted" for f in report.findings), report.findings


def test_conditions_are_read_as_go_reads_them() -> None:
    # Field names matched without case, the last of a repeated one winning (encoding/json); null is none.
    output, _ = _header_route(
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"x-env","values":["blue"],"Values":["green"]}}]'
    )
    route = next(o for o in objects(output) if o.get("kind") == "HTTPRoute")
    assert route["spec"]["rules"][0]["matches"][0]["headers"] == [{"type": "Exact", "name": "x-env", "value": "green"}]
    output, _ = _header_route(
        '[{"field":"http-header","Field":"source-ip","httpHeaderConfig":{"httpHeaderName":"x","values":["a"]},'
        '"sourceIpConfig":{"values":["10.0.0.0/8"]}}]'
    )
    (config,) = [o for o in objects(output) if o.get("kind") == "ListenerRuleConfiguration"]
    assert config["spec"]["conditions"] == [{"field": "source-ip", "sourceIPConfig": {"values": ["10.0.0.0/8"]}}]
    output, _ = _header_route("null")
    route = next(o for o in objects(output) if o.get("kind") == "HTTPRoute")
    assert "headers" not in route["spec"]["rules"][0]["matches"][0]


@pytest.mark.parametrize("order", ["abc", "1_0", " 3", "99999"])
def test_a_group_order_the_controller_refuses_is_read_as_it_reads_it_not_a_traceback(order: str) -> None:
    """group.order is read with Go's strconv.ParseInt and must be in -1000..1000 (v3.5.0 group_loader.go); a value
    it refuses stops the group, and counts as 0 for the order the routing model merges members in."""
    from albops.migrate.routes import group_members

    first = nginx_ingress("a", [("/a", "Prefix", "a")], {"alb.ingress.kubernetes.io/group.order": order})
    second = nginx_ingress("b", [("/b", "Prefix", "b")], {"alb.ingress.kubernetes.io/group.order": "-1"})
    assert [m["metadata"]["name"] for m in group_members([first, second])] == ["b", "a"]
    output, _ = _convert([first, second])  # was a ValueError traceback
    assert any(isinstance(d, dict) and d.get("kind") == "HTTPRoute" for d in objects(output))


@pytest.mark.parametrize("conditions", ["null", "[null]", "[]"])
def test_conditions_go_reads_as_none_convert_as_none(conditions: str) -> None:
    """json.Unmarshal reads null as a nil list and a null element as a zero RuleCondition, which neither
    Validate nor buildRuleConditions acts on (v3.5.0): the route matches the path alone (was a KeyError)."""
    ingress = nginx_ingress("a", [("/a", "Exact", "a")], {"alb.ingress.kubernetes.io/conditions.a": conditions})
    output, report = _convert([ingress])
    (route,) = [d for d in objects(output) if isinstance(d, dict) and d.get("kind") == "HTTPRoute"]
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "Exact", "value": "/a"}}]
    assert not [f for f in report.findings if f.status in ("not-converted", "lost-protection")]
