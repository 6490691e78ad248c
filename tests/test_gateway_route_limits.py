"""HTTPRoutes within Gateway API v1.6.0's limits, split without changing which rule answers a request.

Two kinds of expectation: the controller's order written out by hand from its source
(kubernetes-sigs/aws-load-balancer-controller v3.5.0, pkg/gateway/routeutils/route_rule_precedence.go, lines
cited at each case), and generated routes, where the model (``gateway_model``) must route every request the
same before and after the split, whatever order the split routes are created in.
"""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from albingress.facts.names import DNS_SUBDOMAIN
from albops.__main__ import main
from albops.migrate import Options, migrate
from albops.migrate.gateway_model import gateway_route, sorted_rules
from albops.migrate.reading import objects
from albops.migrate.route_split import precedence_key, scale_weights, split_name, split_route
from albops.migrate.routes import AlbRequest, nginx_blocks, nginx_route
from tests.crd_validation import validate
from tests.routing_cases import HOST, Case, locations, nginx_ingress

PARENT = [{"name": "gw", "namespace": "infra"}]


def _route(name: str, rules: list[dict[str, Any]], hostnames: list[str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": copy.deepcopy(PARENT), "rules": rules}
    if hostnames is not None:
        spec["hostnames"] = hostnames
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": spec,
    }


def _rule(service: str, *matches: dict[str, Any]) -> dict[str, Any]:
    return {"matches": list(matches), "backendRefs": [{"name": service, "port": 80}]}


def _path(kind: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"path": {"type": kind, "value": value}, **extra}


def _service(documents: list[Any], host: str, path: str, created: dict[str, int] | None = None) -> str | None:
    outcome = gateway_route(documents, AlbRequest(host, path), created)
    return outcome.targets[0][0] if outcome and outcome.targets else None


# -- the controller's order, by hand ------------------------------------------------------------------------


def test_an_exact_hostname_wins_over_a_wildcard_whatever_the_paths() -> None:
    # getHostnamePrecedenceOrder: a non-wildcard hostname before a wildcard one (lines 191-197), compared
    # before the path (compareRulePrecedenceUnified, lines 246-249): the wildcard's Exact path still loses.
    wild = _route("wild", [_rule("wild", _path("Exact", "/a/b/c"))], ["*.example.com"])
    exact = _route("exact", [_rule("exact", _path("PathPrefix", "/"))], ["a.example.com"])
    assert _service([wild, exact], "a.example.com", "/a/b/c") == "exact"
    assert _service([exact, wild], "a.example.com", "/a/b/c") == "exact"
    # And the wildcard crosses labels (Gateway API v1.6.0 httproute_types.go lines 89-91).
    assert _service([wild, exact], "x.y.example.com", "/a/b/c") == "wild"


def test_a_route_without_hostnames_comes_after_a_wildcard() -> None:
    # An empty hostname is the least specific (lines 180-189).
    anyhost = _route("any", [_rule("any", _path("Exact", "/x"))])
    wild = _route("wild", [_rule("wild", _path("PathPrefix", "/"))], ["*.example.com"])
    assert _service([anyhost, wild], "a.example.com", "/x") == "wild"
    assert _service([anyhost, wild], "other.test", "/x") == "any"


def test_path_type_then_length_then_headers_decide_before_the_route() -> None:
    # Path type Exact 3 > PathPrefix 2 > RegularExpression 1 (lines 349-363, 255-257), then length (259-261),
    # then header count (271-273).
    rules = [
        _rule("regex", _path("RegularExpression", "^/a/b/c/d/e.*")),
        _rule("short", _path("PathPrefix", "/a")),
        _rule("long", _path("PathPrefix", "/a/b")),
        _rule("header", _path("PathPrefix", "/a", headers=[{"name": "x-v", "value": "1"}])),
    ]
    route = [_route("r", rules, [HOST])]
    assert _service(route, HOST, "/a/b/c/d/e") == "long"
    assert _service(route, HOST, "/a/x") == "short"
    outcome = gateway_route(route, AlbRequest(HOST, "/a/x", {"x-v": "1"}))
    assert outcome is not None and outcome.targets[0][0] == "header"
    assert precedence_key(_path("Exact", "/")) > precedence_key(_path("PathPrefix", "/very/long"))


def test_equal_rules_of_two_routes_go_by_creation_time_then_name() -> None:
    # compareCommonTieBreakers: creation timestamp first (lines 283-285), then namespace/name (287-289).
    first = _route("a", [_rule("a", _path("PathPrefix", "/x"))], [HOST])
    second = _route("b", [_rule("b", _path("PathPrefix", "/x"))], [HOST])
    assert _service([second, first], HOST, "/x") == "a"
    assert _service([first, second], HOST, "/x", {"shop/b": 0, "shop/a": 1}) == "b"


def test_path_length_is_counted_in_bytes_and_a_null_method_is_no_method() -> None:
    # getHttpMatchPrecedenceInfo (lines 336-344): the length is Go's len of the value as written, its UTF-8
    # bytes (line 339), and a match has a method when Method != nil (line 340). "^/(é|ab)$" is 10 bytes, as
    # "^/(ab|cd)$" is: the two tie, and namespace/name decides (lines 287-289), "a" before "b". Counted in
    # characters, "b"'s (10) would be longer than "a"'s (9) and come first.
    a = _route("a", [_rule("a", _path("RegularExpression", "^/(é|ab)$"))], [HOST])
    b = _route("b", [_rule("b", _path("RegularExpression", "^/(ab|cd)$"))], [HOST])
    assert [e.route for e in sorted_rules([b, a])] == ["shop/a", "shop/b"]
    assert _service([b, a], HOST, "/ab") == "a"
    # "method: null" is dropped by the API server: it ties with no method at all, and "a" comes first again.
    a = _route("a", [_rule("a", _path("PathPrefix", "/x"))], [HOST])
    b = _route("b", [_rule("b", _path("PathPrefix", "/x", method=None))], [HOST])
    assert precedence_key(_path("PathPrefix", "/x", method=None)) == precedence_key(_path("PathPrefix", "/x"))
    assert _service([b, a], HOST, "/x") == "a"


# -- splitting, by hand -------------------------------------------------------------------------------------


def test_seventeen_rules_become_two_routes_named_after_the_first() -> None:
    rules = [_rule(f"s{i}", _path("Exact", f"/p{i:02d}")) for i in range(17)]
    split = split_route(_route("app.example.com", rules, [HOST]))
    assert [r["metadata"]["name"] for r in split.routes] == ["app.example.com", "app.example.com-2"]
    assert [len(r["spec"]["rules"]) for r in split.routes] == [16, 1]
    assert split.spread == []
    for part in split.routes:
        assert validate(part).errors == []


def test_a_rule_of_100_matches_is_cut_into_64_and_36_with_the_same_backend() -> None:
    rule = _rule("one", *[_path("Exact", f"/m{i}") for i in range(100)])
    split = split_route(_route("r", [rule], [HOST]))
    assert len(split.routes) == 1
    rules = split.routes[0]["spec"]["rules"]
    assert [len(r["matches"]) for r in rules] == [64, 36]
    assert all(r["backendRefs"] == [{"name": "one", "port": 80}] for r in rules)
    assert validate(split.routes[0]).errors == []


def test_matches_over_128_in_all_go_to_a_second_route() -> None:
    rules = [_rule(f"s{n}", *[_path("Exact", f"/r{n}/{i}") for i in range(50)]) for n in range(3)]
    split = split_route(_route("r", rules, [HOST]))
    assert [sum(len(r["matches"]) for r in p["spec"]["rules"]) for p in split.routes] == [100, 50]
    assert all(validate(p).errors == [] for p in split.routes)


def test_rules_that_tie_stay_in_one_route_in_their_order() -> None:
    # 15 distinct Exact paths, then two regexes of equal length that both match /a1 (a tie, decided by rule
    # index): they must stay together, the earlier first.
    rules = [_rule(f"e{i}", _path("Exact", f"/e{i:02d}")) for i in range(15)]
    rules += [_rule("first", _path("RegularExpression", "^/a.")), _rule("second", _path("RegularExpression", "^/.1"))]
    split = split_route(_route("r", rules, [HOST]))
    holding = [p for p in split.routes if any(r["backendRefs"][0]["name"] == "first" for r in p["spec"]["rules"])]
    names = [r["backendRefs"][0]["name"] for r in holding[0]["spec"]["rules"]]
    assert names.index("first") < names.index("second")
    for created in ({}, {"shop/r": 1, "shop/r-2": 0}):
        assert _service(split.routes, HOST, "/a1", created) == "first"


def test_more_tied_rules_than_a_route_holds_are_reported() -> None:
    rules = [_rule(f"s{i}", _path("RegularExpression", f"^/x{i:02d}|^/y")) for i in range(20)]
    split = split_route(_route("r", rules, [HOST]))
    assert len(split.routes) == 2 and split.spread and "creation time" in split.spread[0]


def test_twenty_hostnames_become_routes_of_at_most_sixteen() -> None:
    hosts = [f"h{i}.example.com" for i in range(20)]
    split = split_route(_route("r", [_rule("s", _path("PathPrefix", "/"))], hosts))
    assert [len(p["spec"]["hostnames"]) for p in split.routes] == [16, 4]
    assert all(validate(p).errors == [] for p in split.routes)


@pytest.mark.parametrize("base", ["a" * 253, "wildcard." + "b" * 60 + "." + "c" * 183, "x" * 249 + ".y-z"])
def test_split_names_are_dns_subdomains_within_253(base: str) -> None:
    """Bases are host names (or spelt wildcards): cut anywhere, a part name stays a DNS-1123 subdomain."""
    assert DNS_SUBDOMAIN.fullmatch(base)
    for index in range(12):
        name = split_name(base, index)
        assert len(name) <= 253 and DNS_SUBDOMAIN.fullmatch(name), name
    assert len({split_name(base, i) for i in range(12)}) == 12


# -- splitting, against the model ---------------------------------------------------------------------------

_VALUES = {
    "Exact": ["/a", "/b", "/a/x", "/ab", "/"],
    "PathPrefix": ["/", "/a", "/b", "/a/x", "/ab"],
    # Of six lengths: equal-length regexes always count as tied, and the test wants few ties it cannot check.
    "RegularExpression": ["/a$", "^/.b", "^/a.*", "^/b.*x", "^/a/x.*", ".*x(/|$)"],
}
_REQUESTS = ["/", "/a", "/a/", "/a/x", "/a/x/y", "/ab", "/abx", "/b", "/bb", "/zx", "/c"]


def _generated_route(rng: random.Random) -> dict[str, Any]:
    rules = []
    for n in range(rng.randint(17, 40)):
        matches = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            kind = rng.choice(list(_VALUES))
            match = _path(kind, rng.choice(_VALUES[kind]))
            if rng.random() < 0.3:
                match["headers"] = [{"name": "x-v", "value": rng.choice(["1", "2"])}]
            matches.append(match)
        rules.append(_rule(f"svc{n}", *matches))
    return _route("gen", rules, [HOST])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_a_split_route_answers_every_request_with_the_same_rule(rng: random.Random) -> None:
    whole = _generated_route(rng)
    split = split_route(whole)
    assert len(split.routes) >= 2
    for part in split.routes:
        assert len(part["spec"]["rules"]) <= 16
        assert sum(len(r["matches"]) for r in part["spec"]["rules"]) <= 128
    names = [f"shop/{p['metadata']['name']}" for p in split.routes]
    orders = [
        dict(zip(names, ranks, strict=True)) for ranks in itertools.islice(itertools.permutations(range(len(names))), 6)
    ]
    for path, headers in itertools.product(_REQUESTS, ({}, {"x-v": "1"}, {"x-v": "2"})):
        before = gateway_route([whole], AlbRequest(HOST, path, headers))
        for created in orders:
            after = gateway_route(split.routes, AlbRequest(HOST, path, headers), created)
            if not split.spread:
                assert after == before, (path, headers, created)


# -- migrate --to gateway -----------------------------------------------------------------------------------


def test_an_ingress_of_40_paths_converts_to_valid_routes_that_route_like_ingress_nginx() -> None:
    paths = [(f"/p{i}", "Prefix", f"svc{i}") for i in range(30)]
    paths += [(f"/p{i}/deep", "Exact", f"deep{i}") for i in range(10)]
    case = Case([nginx_ingress("big", paths, {})], [])
    output, report = migrate(copy.deepcopy(case.ingresses), Options(group="g", to="gateway"))
    routes = [o for o in objects(output) if o.get("kind") == "HTTPRoute"]
    assert [r["metadata"]["name"] for r in routes] == [HOST, f"{HOST}-2", f"{HOST}-3"]
    for obj in objects(output):
        assert validate(obj).errors == [], obj
    assert any(f.annotation == "HTTPRoute" and "3 routes" in f.detail for f in report.findings)
    blocks = nginx_blocks(locations(case))
    for uri in ["/p1", "/p1/x", "/p3/deep", "/p3/deep/x", "/p29/a", "/p10", "/nothing"]:
        expected = nginx_route(blocks, uri)
        outcome = gateway_route(output, AlbRequest(HOST, uri))
        got = outcome.targets[0][0] if outcome and outcome.targets else None
        assert got == (expected[0].service if expected else None), uri


def test_weights_over_999_are_scaled_keeping_the_ratio() -> None:
    # By hand: 9995/5 has the common divisor 5 -> 1999/1, still over 999 -> 999 and round(999/1999) = 0,
    # kept at 1 (a positive weight never drops to 0); shares 99.95/0.05 % become 99.9/0.1 %.
    scaled = scale_weights([9995, 5])
    assert scaled.values == (999, 1) and scaled.drift == pytest.approx(0.05)
    assert scale_weights([5000, 5000]).values == (1, 1) and not scale_weights([5000, 5000]).changed
    assert scale_weights([1000, 3000]).values == (1, 3)
    assert scale_weights([100, 0, 999]).values == (100, 0, 999)


def test_a_canary_with_weight_total_10000_gives_backend_weights_within_999() -> None:
    main_ing = nginx_ingress("app", [("/", "Prefix", "stable")], {})
    canary = nginx_ingress(
        "app-canary",
        [("/", "Prefix", "canary")],
        {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-weight": "5",
            "nginx.ingress.kubernetes.io/canary-weight-total": "10000",
        },
    )
    output, report = migrate([main_ing, canary], Options(group="g", to="gateway"))
    refs = [
        ref
        for o in objects(output)
        if o.get("kind") == "HTTPRoute"
        for rule in o["spec"]["rules"]
        for ref in rule.get("backendRefs") or []
    ]
    weights = {ref["name"]: ref.get("weight") for ref in refs}
    assert set(weights) == {"stable", "canary"}, refs
    assert all(w is not None and 0 <= w <= 999 for w in weights.values()), weights
    assert weights["canary"] >= 1
    assert abs(weights["canary"] / (weights["canary"] + weights["stable"]) - 5 / 10000) < 0.001
    # The Ingress target wrote 9995/5 (ingress-nginx's weights as given); the Gateway side scales them. Should
    # the Ingress target scale them first, the rounding is reported there and nothing is left to scale here.
    scaled = [f for f in report.findings if f.annotation == "weights"]
    assert [(f.status, "9995/5 as 999/1" in f.detail) for f in scaled] in ([("approximated", True)], [])
    assert any("999" in f.detail for f in report.findings if "weight" in f.annotation)
    for obj in objects(output):
        assert validate(obj).errors == [], obj


def _allow_listed() -> list[dict[str, Any]]:
    ingress = nginx_ingress(
        "admin", [("/", "Prefix", "admin")], {"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"}
    )
    return [ingress]


def test_an_allow_list_becomes_the_gateways_source_ranges_when_the_gateway_is_written() -> None:
    output, report = migrate(_allow_listed(), Options(group="g", to="gateway"))
    configs = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    assert [c["spec"].get("sourceRanges") for c in configs] == [["10.0.0.0/8"]]
    assert not report.held_back


def test_an_allow_list_is_held_back_when_attaching_to_an_existing_gateway() -> None:
    output, report = migrate(_allow_listed(), Options(group="g", to="gateway", gateway=("infra", "shared")))
    assert report.held_back == ["shop/admin"] and "shop/admin" not in report.converted
    lost = [f for f in report.findings if f.status == "lost-protection"]
    assert lost and all("infra/shared" in f.detail for f in lost)
    # Nothing still claims the ranges were carried as inbound-cidrs.
    assert not [f for f in report.findings if f.status in ("converted", "approximated") and "inbound-cidrs" in f.detail]
    assert not [o for o in objects(output) if o.get("kind") in ("HTTPRoute", "Ingress")]


def test_the_cli_writes_nothing_and_exits_3_for_an_allow_list_on_an_existing_gateway(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump_all(_allow_listed()))
    assert main(["migrate", "--to", "gateway", "--gateway", "infra/shared", str(source)]) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and "lost-protection" in captured.err


@pytest.mark.parametrize("ssl_redirect", [None, "false"])
def test_grpc_backends_get_a_target_group_of_protocol_version_grpc(ssl_redirect: str | None) -> None:
    # The controller reads protocolVersion only for HTTPS listeners; on an HTTP listener it writes HTTP1
    # (pkg/gateway/model/model_build_target_group.go lines 428-440, v3.5.0). gRPC is written with HTTPS listeners
    # only (ingress-nginx's port 80 spoke no HTTP/2 either), so with or without the redirect it is converted.
    for value, protocol in (("GRPC", "HTTP"), ("grpcs", "HTTPS")):
        annotations = {"nginx.ingress.kubernetes.io/backend-protocol": value}
        if ssl_redirect is not None:
            annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = ssl_redirect
        ingress = nginx_ingress("rpc", [("/", "Prefix", "rpc")], annotations)
        ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "rpc-tls"}]
        output, report = migrate([ingress], Options(group="g", to="gateway"))
        configs = [o for o in objects(output) if o.get("kind") == "TargetGroupConfiguration"]
        assert len(configs) == 1
        settings_ = configs[0]["spec"]["defaultConfiguration"]
        assert settings_["protocolVersion"] == "GRPC" and settings_["protocol"] == protocol
        assert validate(configs[0]).errors == []
        lines = [f for f in report.findings if f.annotation.endswith("backend-protocol")]
        assert [f.status for f in lines] == ["converted"] and "GRPC" in lines[0].detail


def test_grpc_without_tls_is_not_written() -> None:
    # No HTTPS listener to carry HTTP/2: the Ingress is left out, the line says why and how.
    ingress = nginx_ingress("rpc", [("/", "Prefix", "rpc")], {"nginx.ingress.kubernetes.io/backend-protocol": "GRPC"})
    output, report = migrate([ingress], Options(group="g", to="gateway"))
    assert not [o for o in objects(output) if o.get("kind") in ("HTTPRoute", "TargetGroupConfiguration")]
    (line,) = [f for f in report.findings if f.annotation.endswith("backend-protocol")]
    assert line.status == "not-converted" and "not written" in line.detail and "spec.tls" in line.detail


def test_a_wildcard_host_is_reported_as_crossing_labels() -> None:
    ingress = nginx_ingress("wild", [("/", "Prefix", "wild")], {})
    ingress["spec"]["rules"][0]["host"] = "*.example.com"
    output, report = migrate([ingress], Options(group="g", to="gateway"))
    lines = [f for f in report.findings if f.annotation == "host *.example.com"]
    assert [f.status for f in lines] == ["approximated"] and "a.b.example.com" in lines[0].detail
    routes = [o for o in objects(output) if o.get("kind") == "HTTPRoute"]
    assert routes[0]["metadata"]["name"] == "wildcard.example.com"
    assert _service(output, "a.b.example.com", "/") == "wild"


# -- AlbApp with api: gateway -------------------------------------------------------------------------------


def _app_route(paths: list[tuple[str, str]], strip: str | None = None) -> dict[str, Any]:
    from albingress.components.app.gateway import GatewayRef, RoutePath, http_route_spec

    spec = http_route_spec(
        GatewayRef("gw", "infra", ("https-443",)),
        "shop",
        ["shop.example.com"],
        [RoutePath(path, kind) for path, kind in paths],
        "shop",
        8080,
        strip,
    )
    return {**_route("shop", []), "spec": spec}


def test_an_app_of_16_paths_keeps_a_rule_per_path() -> None:
    route = _app_route([(f"/p{i}", "Prefix") for i in range(16)])
    assert [r["matches"] for r in route["spec"]["rules"]] == [
        [{"path": {"type": "PathPrefix", "value": f"/p{i}"}}] for i in range(16)
    ]


def test_an_app_of_40_paths_is_one_route_whose_rules_hold_the_paths_as_matches() -> None:
    paths = [(f"/p{i}", "Prefix") for i in range(30)] + [(f"/p{i}/x", "Exact") for i in range(9)] + [("/", "Prefix")]
    route = _app_route(paths, strip="/p3")
    rules = route["spec"]["rules"]
    # By hand: the strip-prefix rule (/p3, its own filter) and the rest, 39 paths, as one rule.
    assert len(rules) == 2 and sorted(len(r["matches"]) for r in rules) == [1, 39]
    assert validate(route).errors == []
    per_path = _app_route(paths[:1], strip=None)  # the shape of one path's rule, for the comparison below
    assert per_path["spec"]["rules"][0]["backendRefs"] == [{"name": "shop", "port": 8080}]
    # The same requests reach the same rule as with a rule per path (the model, over an unlimited route).
    unmerged = copy.deepcopy(route)
    unmerged["spec"]["rules"] = [{**r, "matches": [m]} for r in rules for m in r["matches"]]
    for uri in ["/", "/p3/a", "/p3", "/p1/x", "/p1/x/y", "/p12", "/p29/q", "/other"]:
        before = gateway_route([unmerged], AlbRequest("shop.example.com", uri))
        after = gateway_route([route], AlbRequest("shop.example.com", uri))
        assert after == before and after is not None, uri
    stripped = gateway_route([route], AlbRequest("shop.example.com", "/p3/a"))
    assert stripped is not None and stripped.upstream == "/a"


def test_an_app_over_128_paths_or_32_listeners_is_refused_naming_the_key() -> None:
    from albingress.components.app.component import plan_app

    app = {"namespace": "t", "service_name": "s", "service_port": 80, "hosts": ["a.example.com"], "group": "g"}
    gateway = {"api": "gateway", "gateway_namespace": "infra"}
    paths = [{"path": f"/p{i}"} for i in range(129)]
    _, problems = plan_app("a", {**app, **gateway, "paths": paths})
    assert any(p.startswith("args.paths: 129 paths, and an HTTPRoute holds at most 128") for p in problems), problems
    listeners = [f"https-{8000 + i}" for i in range(33)]
    _, problems = plan_app("a", {**app, **gateway, "gateway_listeners": listeners})
    assert problems == [
        "args.gateway_listeners: 33 listeners, and an HTTPRoute attaches to at most 32 (parentRefs, Gateway API "
        "v1.6.0): name at most that many"
    ]
    _, problems = plan_app("a", {**app, **gateway, "paths": paths[:40]})
    assert problems == []


def test_an_app_of_20_hosts_becomes_two_routes_to_one_target_group_config() -> None:
    from albops.preview.plan import kubernetes_manifests
    from albops.preview.runner import read_stack_file, run_program
    from tests.conftest import with_overrides
    from tests.test_gateway import _gateway_app

    hosts = [f"h{i}.shop.example.com" for i in range(20)]
    result = run_program(
        with_overrides(read_stack_file("gateway"), apps=[_gateway_app(hosts=hosts)]), "gateway", preview=True
    )
    manifests = kubernetes_manifests(result)
    routes = [m for m in manifests if m["kind"] == "HTTPRoute" and m["metadata"]["namespace"] == "payments"]
    assert sorted((r["metadata"]["name"], len(r["spec"]["hostnames"])) for r in routes) == [
        ("shop", 16),
        ("shop-2", 4),
    ]
    assert sorted(h for r in routes for h in r["spec"]["hostnames"]) == sorted(hosts)
    configs = [m for m in manifests if m["kind"] == "TargetGroupConfiguration" and m["metadata"]["name"] == "shop"]
    assert len(configs) == 1
    for obj in [*routes, *configs]:
        assert validate(obj).errors == [], obj


def test_source_ip_conditions_are_held_back_on_an_existing_gateway_and_kept_on_a_new_one() -> None:
    # Two Ingresses of one group with different allow-lists: the Ingress target makes source-ip conditions on
    # their own rules. On a Gateway of its own the fall-through reaches only this output's routes; on an
    # existing one, routes nobody here can see.
    differing = [
        nginx_ingress(
            "a", [("/a", "Prefix", "a")], {"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"}
        ),
        nginx_ingress(
            "b", [("/b", "Prefix", "b")], {"nginx.ingress.kubernetes.io/whitelist-source-range": "10.9.0.0/16"}
        ),
    ]
    _, own = migrate(copy.deepcopy(differing), Options(group="g", to="gateway", allow_unprotected=True))
    assert not [f for f in own.findings if "not kept with --to gateway" in f.detail]
    output, shared = migrate(copy.deepcopy(differing), Options(group="g", to="gateway", gateway=("infra", "gw")))
    assert sorted(shared.held_back) == ["shop/a", "shop/b"] and shared.converted == []
    assert not [f for f in shared.findings if f.status == "approximated" and "source-ip" in f.detail]
    assert all("infra/gw" in f.detail for f in shared.findings if f.status == "lost-protection")
    assert not [o for o in objects(output) if o.get("kind") in ("HTTPRoute", "Ingress", "ListenerRuleConfiguration")]


ACL = "arn:aws:wafv2:us-west-2:111122223333:regional/webacl/shop/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def _alb_protected(name: str, **annotations: str) -> dict[str, Any]:
    """An ingress-nginx Ingress a team already gave ALB annotations (the converter keeps them)."""
    return nginx_ingress(
        name, [(f"/{name}", "Prefix", name)], {f"alb.ingress.kubernetes.io/{k}": v for k, v in annotations.items()}
    )


def test_a_waf_acl_is_the_gateways_web_acl_and_held_back_on_an_existing_gateway() -> None:
    output, report = migrate([_alb_protected("a", **{"wafv2-acl-arn": ACL})], Options(group="g", to="gateway"))
    (config,) = [o for o in objects(output) if o.get("kind") == "LoadBalancerConfiguration"]
    assert config["spec"]["wafV2"] == {"webACL": ACL} and validate(config).errors == []
    assert not report.held_back and not [f for f in report.findings if "wafv2" in f.annotation]
    _, shared = migrate(
        [_alb_protected("a", **{"wafv2-acl-arn": ACL})], Options(group="g", to="gateway", gateway=("infra", "gw"))
    )
    assert shared.held_back == ["shop/a"]
    (line,) = [f for f in shared.findings if f.annotation.endswith("wafv2-acl-arn")]
    assert line.status == "lost-protection" and "wafV2.webACL" in line.detail


def test_two_web_acls_in_one_group_and_alb_authentication_are_held_back() -> None:
    other = ACL.replace("0f1e", "9f9e")
    _, report = migrate(
        [_alb_protected("a", **{"wafv2-acl-arn": ACL}), _alb_protected("b", **{"wafv2-acl-arn": other})],
        Options(group="g", to="gateway"),
    )
    assert sorted(report.held_back) == ["shop/a", "shop/b"]
    _, report = migrate([_alb_protected("a", **{"auth-type": "cognito"})], Options(group="g", to="gateway"))
    assert report.held_back == ["shop/a"]
    (line,) = [f for f in report.findings if f.annotation.endswith("auth-type")]
    assert line.status == "lost-protection" and "authenticate-cognito" in line.detail


def test_tls_ingresses_on_an_existing_gateway_attach_to_its_https_port_only() -> None:
    """The controller skips a listener whose port is not the parentRef's (v3.5.0 route_listener_mapper.go)."""
    ingress = nginx_ingress("tls", [("/", "Prefix", "tls")], {})
    ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "tls"}]
    output, report = migrate([ingress], Options(group="g", to="gateway", gateway=("infra", "gw")))
    lines = [f for f in report.findings if f.annotation == "ssl-redirect"]
    assert [f.status for f in lines] == ["approximated"] and "never plain HTTP" in lines[0].detail
    routes = [d for d in output if d.get("kind") == "HTTPRoute"]
    assert routes and all(
        r["spec"]["parentRefs"] == [{"name": "gw", "namespace": "infra", "port": 443}] for r in routes
    )
