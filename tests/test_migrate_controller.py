"""``migrate`` emits what the controller (v3.5.0) accepts and orders as ingress-nginx did.

The controller sorts each Ingress rule's paths (Exact, then Prefix longest first, then
ImplementationSpecific as written), puts at most 5 condition values in a rule without counting,
refuses Exact paths with wildcards, and ALB regexes lack some features; each case below is one
of those rules, checked on the converted YAML through the routing model.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from albops.migrate import Options, migrate
from albops.migrate.routes import (
    RULE_CONDITION_VALUES,
    AlbRequest,
    alb_route,
    condition_values,
    controller_order,
)
from tests.routing_cases import HOST, generate, nginx_ingress

NGINX = "nginx.ingress.kubernetes.io/"


def test_the_controller_sorts_exact_then_longest_prefix_then_the_rest_as_written() -> None:
    paths = [
        {"path": "/static", "pathType": "ImplementationSpecific"},
        {"path": "/", "pathType": "Prefix"},
        {"path": "/health", "pathType": "Exact"},
        {"path": "/api/", "pathType": "Prefix"},
        {"path": "/b*", "pathType": "ImplementationSpecific"},
    ]
    assert [p["path"] for p in controller_order(paths)] == ["/health", "/api/", "/", "/static", "/b*"]


def test_prefix_and_implementation_specific_paths_keep_nginxs_order() -> None:
    """The issue's case: Prefix /, Prefix /api/ and ImplementationSpecific /static in one rule."""
    ingress = nginx_ingress(
        "web",
        [("/", "Prefix", "root"), ("/api/", "Prefix", "api"), ("/static", "ImplementationSpecific", "static")],
        {},
    )
    converted, report = migrate([ingress], Options(group="g"))
    routed = {
        uri: (outcome.targets[0][0] if outcome else None)
        for uri in ("/api/x", "/static/app.js", "/staticfile", "/other", "/")
        for outcome in [alb_route(converted, AlbRequest(HOST, uri))]
    }
    assert routed == {
        "/api/x": "api",
        "/static/app.js": "static",
        # ingress-nginx stores ImplementationSpecific as Prefix (SetDefaultNGINXPathType, internal/k8s/main.go
        # l. 164-183 at controller-v1.15.1): /static is the location "/static/" and "= /static", not /staticfile's.
        "/staticfile": "root",
        "/other": "root",
        "/": "root",
    }
    assert report.exact
    written = converted[0]["spec"]["rules"][0]["http"]["paths"]
    assert {p["pathType"] for p in written if p["pathType"] != "Exact"} == {"ImplementationSpecific"}
    # Exact /api is nginx's auto_redirect of the location "/api/" (routes.auto_redirects): a 301 to /api/.
    assert [p["path"] for p in written if p["pathType"] == "Exact"] == ["/api"]
    moved = alb_route(converted, AlbRequest(HOST, "/api"))
    assert moved is not None and moved.kind == "redirect" and moved.redirect["path"] == "/api/"
    assert any("written as ImplementationSpecific" in f.detail for f in report.findings)


def test_prefix_paths_alone_stay_prefix_paths() -> None:
    ingress = nginx_ingress("web", [("/", "Prefix", "root"), ("/api", "Prefix", "api")], {})
    converted, _ = migrate([ingress], Options(group="g"))
    assert {p["pathType"] for p in converted[0]["spec"]["rules"][0]["http"]["paths"]} == {"Prefix"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_no_generated_rule_holds_more_condition_values_than_an_alb_rule_takes(rng: random.Random) -> None:
    case = generate(rng)
    ranges = ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"][: rng.randint(0, 3)]
    for index, ingress in enumerate(case.ingresses):
        if ranges and index == 0:  # one Ingress with an allow-list the others lack: per-rule conditions
            ingress["metadata"]["annotations"][NGINX + "whitelist-source-range"] = ",".join(ranges)
    converted, _ = migrate(case.ingresses, Options(group="g", allow_unprotected=True))
    for ingress in converted:
        annotations = ingress["metadata"]["annotations"]
        for rule in ingress["spec"].get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                assert condition_values(annotations, str(rule.get("host") or ""), path) <= RULE_CONDITION_VALUES


def _two_with_ranges(ranges: str) -> list[dict[str, object]]:
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": ranges})
    public = nginx_ingress("public", [("/", "Prefix", "web")], {})
    return [guarded, public]


def test_source_ranges_that_would_overfill_a_rule_hold_the_ingress_back() -> None:
    # host (1) + Prefix /admin (2 values) + 3 ranges = 6 > 5: not emitted, and the Ingress is held back.
    _, report = migrate(_two_with_ranges("10.0.0.0/8,192.168.0.0/16,172.16.0.0/12"), Options(group="g"))
    assert report.held_back == ["shop/admin"]
    (lost,) = [f for f in report.findings if f.status == "lost-protection"]
    assert "6 condition values" in lost.detail


def test_source_ranges_that_fit_become_conditions_within_the_limit() -> None:
    converted, report = migrate(_two_with_ranges("10.0.0.0/8,192.168.0.0/16"), Options(group="g"))
    assert not report.held_back
    admin = next(i for i in converted if i["metadata"]["name"] == "admin")
    path, deny = admin["spec"]["rules"][0]["http"]["paths"]
    assert condition_values(admin["metadata"]["annotations"], HOST, path) == 5
    assert (deny["path"], deny["pathType"]) == (path["path"], path["pathType"])  # its 403 for everyone else
    inside = alb_route(converted, AlbRequest(HOST, "/admin/x", source_ip="10.1.2.3"))
    outside = alb_route(converted, AlbRequest(HOST, "/admin/x", source_ip="203.0.113.9"))
    assert inside is not None and inside.targets[0][0].startswith("admin")
    # nginx answered 403 there; the public '/' rule of the other Ingress must not serve it.
    assert outside is not None and outside.kind == "fixed-response" and outside.redirect["statusCode"] == "403"


@pytest.mark.parametrize("path", ["/files*", "/a?b"])
def test_exact_paths_with_wildcards_are_not_emitted(path: str) -> None:
    ingress = nginx_ingress("web", [(path, "Exact", "files"), ("/", "Prefix", "web")], {})
    converted, report = migrate([ingress], Options(group="g"))
    emitted = [p["path"] for p in converted[0]["spec"]["rules"][0]["http"]["paths"]]
    assert path not in emitted
    (finding,) = [f for f in report.findings if f.annotation == f"path {path!r}"]
    assert finding.status == "not-converted" and "exact path shouldn't contain wildcards" in finding.detail


@pytest.mark.parametrize(
    "regex", ["/api/v[0-9]++", "/api/(?>v1|v2)", "/a(?=b)", "/(a)\\1", "/\\p{L}+", "/x{2}+"], ids=str
)
def test_regex_features_alb_lacks_are_not_converted(regex: str) -> None:
    ingress = nginx_ingress("web", [(regex, "ImplementationSpecific", "api")], {NGINX + "use-regex": "true"})
    converted, report = migrate([ingress], Options(group="g"))
    assert converted == []  # its one path left out, it routes nothing: not written as an Ingress the API refuses
    (finding,) = [f for f in report.findings if f.annotation == f"path {regex!r}"]
    assert finding.status == "not-converted" and "ALB regexes do not support" in finding.detail
    (empty,) = [f for f in report.findings if f.annotation == "spec.rules"]
    assert empty.status == "not-converted" and "nothing of it is left to route" in empty.detail
    assert report.converted == []


def _tls(ingress: dict[str, object]) -> dict[str, object]:
    ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "tls"}]  # type: ignore[index]
    return ingress


def test_plain_http_ingresses_get_a_group_of_their_own_beside_redirecting_ones() -> None:
    secure = _tls(nginx_ingress("shop", [("/", "Prefix", "shop")], {}))
    plain = nginx_ingress("status", [("/status", "Prefix", "status")], {})
    plain["spec"]["rules"][0]["host"] = "status.example.com"
    converted, report = migrate([secure, plain], Options(group="web"))
    groups = {
        i["metadata"]["name"]: i["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] for i in converted
    }
    assert groups == {"shop": "web", "status": "web-http"}
    assert any(
        f.ingress == "shop/status" and "ssl-redirect applies to a whole group" in f.detail for f in report.findings
    )


def test_agreed_source_ranges_are_inbound_cidrs_on_every_ingress_of_the_group() -> None:
    ranges = {NGINX + "whitelist-source-range": "10.0.0.0/8, 192.168.0.0/16"}
    first = _tls(nginx_ingress("a", [("/a", "Prefix", "a")], dict(ranges)))
    second = _tls(nginx_ingress("b", [("/b", "Prefix", "b")], dict(ranges)))
    converted, report = migrate([first, second], Options(group="g"))
    for ingress in converted:
        assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/inbound-cidrs"] == (
            "10.0.0.0/8,192.168.0.0/16"
        )
    details = [f.detail for f in report.findings if f.annotation == NGINX + "whitelist-source-range"]
    assert len(details) == 2 and all("80, 443" in d and "dedicated" in d for d in details)


def test_source_ranges_that_overfill_the_security_group_hold_the_group_back() -> None:
    cidrs = ",".join(f"10.{i}.0.0/16" for i in range(31))  # 31 ranges x 2 ports = 62 rules > 60
    ingress = _tls(nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "whitelist-source-range": cidrs}))
    _, report = migrate([ingress], Options(group="g"))
    assert report.held_back == ["shop/a"]
    assert any("62 security group rules" in f.detail for f in report.findings)


@given(st.lists(st.sampled_from(["/", "/a", "/ab", "/A/b", "/b", "/a/b", "/abc/d"]), min_size=1, max_size=12))
def test_overlap_candidates_hold_every_overlapping_pair(prefixes: list[str]) -> None:
    from albops.migrate.planning import AlbPath, overlap, overlap_candidates
    from albops.migrate.routes import Block, Location

    sequence = [
        AlbPath(Block("", p, Location(f"ns/i{n}", HOST, p, "Prefix", "svc")), "wildcard", p + "*")
        for n, p in enumerate(prefixes)
    ]
    brute = {
        (i, j) for i in range(len(sequence)) for j in range(i + 1, len(sequence)) if overlap(sequence[i], sequence[j])
    }
    assert brute <= set(overlap_candidates(sequence))


def test_wildcards_are_counted_as_the_controller_writes_them() -> None:
    """A Prefix path gives one (/x/*), a wildcard host one more; regex paths have none; nginx prefixes with
    '*' are refused before they could count, so converted rules stay far below the 5 an ALB rule takes."""
    from albops.migrate.routes import RULE_WILDCARDS, rule_wildcards

    assert rule_wildcards("*.example.com", {"path": "/api", "pathType": "Prefix"}, False) == 2
    assert rule_wildcards("", {"path": "/a*", "pathType": "ImplementationSpecific"}, False) == 1
    assert rule_wildcards("", {"path": "/^/a.*", "pathType": "ImplementationSpecific"}, True) == 0
    assert rule_wildcards("", {"path": "/x", "pathType": "Exact"}, False) == 0
    ingress = nginx_ingress("web", [("/api", "Prefix", "api"), ("/static", "ImplementationSpecific", "s")], {})
    ingress["spec"]["rules"][0]["host"] = "*.example.com"
    converted, _ = migrate([ingress], Options(group="g"))
    for path in converted[0]["spec"]["rules"][0]["http"]["paths"]:
        assert rule_wildcards("*.example.com", path, False) <= RULE_WILDCARDS


@pytest.mark.parametrize(
    ("path", "inside", "outside"),
    [
        ("/[[:digit:]]+/x", "/123/x", "/abc/x"),
        ("/[[:alpha:]]+/x", "/AbC/x", "/123/x"),
        ("/v[[:digit:][:upper:]]/", "/v7/", "/v-/"),
        ("/[^[:space:]]+$", "/a", "/a b"),
    ],
)
def test_posix_classes_are_written_as_their_ranges(path: str, inside: str, outside: str) -> None:
    """PCRE's POSIX classes (pcre2pattern, POSIX CHARACTER CLASSES) in an nginx regex location: ALB regexes are
    given the ranges they stand for, and routing agrees with nginx's case-insensitive match on both sides."""
    ingress = nginx_ingress("p", [(path, "ImplementationSpecific", "svc")], {NGINX + "use-regex": "true"})
    output, report = migrate([ingress], Options(group="g"))
    (written,) = [p["path"] for p in output[0]["spec"]["rules"][0]["http"]["paths"] if p["path"] != "/"]
    assert "[:" not in written
    assert alb_route(output, AlbRequest(HOST, inside)) is not None
    assert alb_route(output, AlbRequest(HOST, outside)) is None
    assert not [f for f in report.findings if f.status == "not-converted"]


def test_a_posix_class_with_no_range_form_is_not_converted() -> None:
    ingress = nginx_ingress("p", [("/[[:punct:]]x", "ImplementationSpecific", "svc")], {NGINX + "use-regex": "true"})
    _, report = migrate([ingress], Options(group="g"))
    (line,) = [f for f in report.findings if f.annotation.startswith("path")]
    assert line.status == "not-converted" and "POSIX class" in line.detail
