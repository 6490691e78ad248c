"""The catalogue of every name ingress-nginx reads: the fact files, their generator, the dispositions, the page.

Hand-written expectations come from ingress-nginx controller-v1.15.1: internal/ingress/annotations/
(ipallowlist/main.go, ratelimit/main.go, redirect/redirect.go, auth/main.go, rewrite/main.go, canary/main.go),
internal/ingress/controller/config/config.go ``NewDefault`` and docs/user-guide/nginx-configuration/
annotations-risk.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from albingress.facts import generate_nginx_catalogue as generator
from albops.__main__ import main
from albops.migrate import Options, migrate
from albops.migrate.catalogue import (
    ALIASES,
    ANNOTATIONS,
    CONFIGMAP,
    CONFIGMAP_STATUSES,
    RETIRED,
    STATUSES,
    annotation_finding,
    configmap_finding,
    fact_keys,
    fact_names,
    markdown,
)
from tests.routing_cases import nginx_ingress

ROOT = Path(__file__).resolve().parents[1]
NGINX = "nginx.ingress.kubernetes.io/"
ALB = "alb.ingress.kubernetes.io/"
PAGE = ROOT / "docs" / "migrate-annotations.md"

GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")
REFUSED = ("yes", "on", "TrUe", " true", "")


def _facts() -> dict[str, Any]:
    return dict(json.loads(generator.ANNOTATIONS_OUT.read_text(encoding="utf-8")))


# --- The fact files -----------------------------------------------------------------------------------------


def test_the_annotation_facts_hold_136_annotations_and_2_aliases() -> None:
    data = _facts()
    names = {entry["name"]: entry for entry in data["names"]}
    assert (data["annotations"], data["aliases"], len(names)) == (136, 2, 138)
    own = [e for e in names.values() if "alias_of" not in e]
    assert {e["scope"] for e in own} <= {"location", "ingress"}
    assert {e["risk"] for e in own} <= {"low", "medium", "high", "critical"}
    assert all(e["source"].startswith("internal/ingress/annotations/") for e in names.values())
    # Written by hand from the sources.
    assert names["allowlist-source-range"]["aliases"] == ["whitelist-source-range"]
    assert names["whitelist-source-range"]["alias_of"] == "allowlist-source-range"
    assert names["limit-allowlist"]["aliases"] == ["limit-whitelist"]
    assert names["limit-whitelist"]["alias_of"] == "limit-allowlist"
    redirect = {n for n, e in names.items() if e["source"].endswith("redirect/redirect.go")}
    assert redirect == {
        "from-to-www-redirect",
        "temporal-redirect",
        "temporal-redirect-code",
        "permanent-redirect",
        "permanent-redirect-code",
        "relative-redirects",
    }
    assert names["auth-secret"] | {"doc_group": ""} == {
        "name": "auth-secret",
        "group": "authentication",
        "scope": "location",
        "risk": "medium",
        "aliases": [],
        "source": "internal/ingress/annotations/auth/main.go",
        "doc_group": "",
    }
    assert (names["server-alias"]["risk"], names["server-alias"]["scope"]) == ("high", "ingress")
    assert names["ssl-passthrough"]["group"] == ""  # "TBD" in sslpassthrough/main.go


def test_the_configmap_facts_carry_the_defaults_the_source_states() -> None:
    keys = {k["name"]: k for k in json.loads(generator.CONFIGMAP_OUT.read_text(encoding="utf-8"))["keys"]}
    assert len(keys) == 197
    defaults = {name: keys[name].get("default") for name in keys}
    # config.go NewDefault and defaults.Backend, by hand.
    assert defaults["hsts"] is True and defaults["hsts-include-subdomains"] is True
    assert defaults["hsts-max-age"] == "31536000" and defaults["hsts-preload"] is False
    assert defaults["ssl-redirect"] is True and defaults["force-ssl-redirect"] is False
    assert defaults["http-redirect-code"] == 308 and defaults["proxy-body-size"] == "1m"
    assert defaults["proxy-read-timeout"] == 60 and defaults["proxy-connect-timeout"] == 5
    assert defaults["use-forwarded-headers"] is False and defaults["proxy-real-ip-cidr"] == ["0.0.0.0/0"]
    assert defaults["whitelist-source-range"] == [] and defaults["block-cidrs"] == []
    # Keys configmap.go reads itself, outside the Configuration struct.
    assert keys["global-auth-url"]["source"].endswith("template/configmap.go")
    assert "default" not in keys["worker-processes"]  # runtime.NumCPU(): not stated in the source
    assert not any(name[0].isupper() for name in keys)  # Go-named tags (Resolver) are not ConfigMap keys


MIRROR = generator.DEFAULT_SOURCE


@pytest.mark.skipif(
    not (MIRROR / "HEAD").is_file(), reason=f"{MIRROR} absent: the byte-for-byte regeneration check did not run"
)
def test_the_generator_reproduces_the_fact_files_byte_for_byte() -> None:
    tree = generator.Tree(MIRROR)
    assert generator.render(generator.annotation_catalogue(tree)) == generator.ANNOTATIONS_OUT.read_text("utf-8")
    assert generator.render(generator.configmap_catalogue(tree)) == generator.CONFIGMAP_OUT.read_text("utf-8")


GO_PACKAGE = """package demo

import "k8s.io/ingress-nginx/internal/ingress/annotations/parser"

const (
\tdemoAnnotation = "demo-one" // a comment with a brace {
\tdemoAlias      = "demo-alias"
)

var SharedConfig = parser.AnnotationConfig{
\tScope: parser.AnnotationScopeIngress,
\tRisk:  parser.AnnotationRiskHigh,
\tDocumentation: `braces { in } a raw string`,
}

var demoAnnotations = parser.Annotation{
\tGroup: "demo",
\tAnnotations: parser.AnnotationFields{
\t\tdemoAnnotation: {
\t\t\tValidator:         parser.ValidateBool,
\t\t\tScope:             parser.AnnotationScopeLocation,
\t\t\tRisk:              parser.AnnotationRiskLow,
\t\t\tDocumentation:     "quoted, with a comma",
\t\t\tAnnotationAliases: []string{demoAlias},
\t\t},
\t\t"demo-two": SharedConfig,
\t},
}
"""


def _checkout(tmp_path: Path, rows: list[str]) -> generator.Tree:
    package = tmp_path / generator.ANNOTATIONS_DIR / "demo"
    package.mkdir(parents=True)
    (package / "main.go").write_text(GO_PACKAGE)
    (package / "main_test.go").write_text('package demo\nconst x = "ignored-test-name"\n')
    doc = tmp_path / generator.RISK_DOC
    doc.parent.mkdir(parents=True)
    doc.write_text("|Group   |Annotation | Risk | Scope |\n|---|---|---|---|\n" + "".join(r + "\n" for r in rows))
    return generator.Tree(tmp_path)


def test_the_generator_reads_names_aliases_and_shared_configs_from_a_checkout(tmp_path: Path) -> None:
    tree = _checkout(tmp_path, ["| Demo | demo-one | Low | location |", "| Demo | demo-two | High | ingress |"])
    data = generator.annotation_catalogue(tree)
    assert (data["annotations"], data["aliases"]) == (2, 1)
    by_name = {e["name"]: e for e in data["names"]}
    assert by_name["demo-one"]["aliases"] == ["demo-alias"] and by_name["demo-one"]["scope"] == "location"
    assert by_name["demo-alias"] == {
        "name": "demo-alias",
        "alias_of": "demo-one",
        "source": by_name["demo-one"]["source"],
    }
    assert (by_name["demo-two"]["risk"], by_name["demo-two"]["scope"]) == ("high", "ingress")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["| Demo | demo-one | Low | location |"], "only in the sources ['demo-two']"),
        (
            [
                "| Demo | demo-one | Low | location |",
                "| Demo | demo-two | High | ingress |",
                "| D | extra | Low | ingress |",
            ],
            "only in the document ['extra']",
        ),
        (["| Demo | demo-one | Medium | location |", "| Demo | demo-two | High | ingress |"], "says medium/location"),
    ],
)
def test_the_generator_refuses_sources_its_risk_document_contradicts(
    tmp_path: Path, rows: list[str], message: str
) -> None:
    with pytest.raises(generator.SourceError) as caught:
        generator.annotation_catalogue(_checkout(tmp_path, rows))
    assert message in str(caught.value)


def test_the_generator_without_its_source_exits_2_saying_how_to_fetch_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generator.main([str(tmp_path / "absent")]) == 2
    assert "fetch ingress-nginx" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert generator.main([str(tmp_path / "empty")]) == 2  # no sources there: one line, no traceback
    assert "Traceback" not in capsys.readouterr().err


# --- The catalogue against the facts ------------------------------------------------------------------------


def test_every_fact_name_has_a_disposition_and_every_disposition_a_fact_name() -> None:
    facts = fact_names()
    assert sorted(set(facts) - set(ANNOTATIONS)) == [], "names of the fact file with no disposition"
    assert sorted(set(ANNOTATIONS) - set(facts)) == [], "dispositions for names ingress-nginx does not define"
    assert {name: of for name, of in facts.items() if of} == ALIASES, "an alias not mapped as the facts say"
    assert not set(RETIRED) & set(facts)
    assert all(entry.status in STATUSES for entry in [*ANNOTATIONS.values(), *RETIRED.values()])
    keys = fact_keys()
    assert sorted(set(keys) - set(CONFIGMAP)) == [] and sorted(set(CONFIGMAP) - set(keys)) == []
    assert all(entry.status in CONFIGMAP_STATUSES for entry in CONFIGMAP.values())


def test_the_names_with_a_step_are_the_names_the_conversion_code_reads() -> None:
    from albops.migrate.annotations import CONTROLLER_KEYS, GLOBAL_DEFAULTS, ROUTING_KEYS

    # convert_ingress's own branches, by hand: the TLS redirect, stickiness, body size, backend protocol.
    per_ingress = {"ssl-redirect", "force-ssl-redirect", "affinity", "session-cookie-max-age", "proxy-body-size"}
    per_ingress.add("preserve-trailing-slash")  # report_trailing_slash (https_redirect.py)
    per_ingress |= {"limit-rate", "limit-rate-after"}  # report_limit_rate (limit_rate.py)
    assert {name for name, entry in ANNOTATIONS.items() if entry.step} == ROUTING_KEYS | per_ingress | {
        "backend-protocol"
    }
    assert {key for key, entry in CONFIGMAP.items() if entry.status == "read" or entry.step} == {
        *GLOBAL_DEFAULTS,
        *CONTROLLER_KEYS,
    }


def _protective(name: str) -> bool:
    return (
        name.startswith(("auth-", "limit-"))
        or "source-range" in name
        or "modsecurity" in name
        or name.endswith("-snippet")
        or name in ("satisfy", "enable-owasp-core-rules", "proxy-ssl-verify")
    )


def test_every_protection_and_its_alias_is_lost_protection() -> None:
    protective = {name for name in fact_names() if _protective(name)}
    assert len(protective) >= 45
    assert {name for name in protective if ANNOTATIONS[name].status != "lost-protection"} == set()
    for name in protective:
        value = "on" if name == "proxy-ssl-verify" else "1"  # proxyssl/main.go takes on|off only
        status, detail = annotation_finding(name, value, {"canary": "true"})
        assert status == "lost-protection" and "carry it over: " in detail, name
    # Aliases say what their name says.
    for alias, of in ALIASES.items():
        assert annotation_finding(alias, "10.0.0.0/8") == annotation_finding(of, "10.0.0.0/8")
        assert annotation_finding(alias, "10.0.0.0/8")[0] == "lost-protection"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("enable-modsecurity", "false"),
        ("limit-rps", "0"),
        ("proxy-ssl-verify", "off"),
        ("auth-tls-verify-client", "off"),
    ],
)
def test_a_protection_switched_off_loses_nothing(name: str, value: str) -> None:
    assert annotation_finding(name, value)[0] == "converted"


def test_values_with_braces_are_quoted_as_they_are() -> None:
    assert "{0}{value}" in annotation_finding("auth-url", "{0}{value}")[1]


def test_the_alb_ways_the_issue_names_are_given() -> None:
    def way(name: str) -> str:
        return annotation_finding(name, "true", {"canary": "true"})[1]

    assert "as a host" in way("server-alias")
    assert "redirect action" in way("from-to-www-redirect")
    assert "http-header condition on Cookie" in way("canary-by-cookie")
    assert "access_control_allow_origin" in way("cors-allow-origin")
    assert "rate-based rule" in way("limit-rps") and "rate-based rule" in way("limit-rpm")
    assert "rate-based rule" in way("limit-connections")
    assert "host-header-rewrite" in way("upstream-vhost")
    assert "does not verify targets' certificates" in annotation_finding("proxy-ssl-verify", "on")[1]
    assert "app_cookie" in way("session-cookie-name")


def test_protective_configmap_keys_are_lost_protection_and_hsts_names_its_attribute() -> None:
    for key in ("global-auth-url", "denylist-source-range", "block-cidrs", "block-user-agents", "enable-modsecurity"):
        assert configmap_finding(key, "1")[0] == "lost-protection", key
    assert configmap_finding("block-cidrs", "")[0] == "converted"
    assert "strict_transport_security" in configmap_finding("hsts", "true")[1]
    assert configmap_finding("no-such-key", "1")[0] == "not-converted"


# --- A run over every name ------------------------------------------------------------------------------------

VALUES = {
    "permanent-redirect": "https://example.com/",
    "temporal-redirect": "https://example.com/",
    "app-root": "/app",
    "rewrite-target": "/$1",
    "affinity": "cookie",
    "backend-protocol": "GRPC",
}


def _every_name() -> list[Any]:
    names = [*fact_names(), *RETIRED, "not-an-nginx-annotation"]
    return [
        nginx_ingress(f"i{i}", [(f"/p{i}", "Prefix", "svc")], {NGINX + name: VALUES.get(name, "1")})
        for i, name in enumerate(names)
    ]


@pytest.mark.parametrize("to", ["ingress", "gateway"])
def test_a_run_over_every_name_reports_each_and_never_only_review_it_by_hand(to: str) -> None:
    config = {key: "1" for key in fact_keys()} | {"no-such-key": "1"}
    _, report = migrate(_every_name(), Options(allow_unprotected=True, controller_config=config, to=to))
    for finding in report.findings:
        assert "review it by hand" not in finding.detail, str(finding)
    reported = {(f.ingress, f.annotation): f.status for f in report.findings}
    for i, name in enumerate([*fact_names(), *RETIRED]):
        assert (f"shop/i{i}", NGINX + name) in reported, name
        entry = ANNOTATIONS.get(name) or RETIRED[name]
        if entry.status == "lost-protection" and not entry.step and (entry.off is None or not entry.off("1")):
            assert reported[f"shop/i{i}", NGINX + name] == "lost-protection", name  # never comes out unprotected
    # The ConfigMap's protections hold every Ingress of the class back, each with its own line.
    for key in ("global-auth-url", "block-cidrs", "denylist-source-range", "enable-modsecurity", "http-snippet"):
        assert reported["shop/i0", f"ConfigMap {key}"] == "lost-protection", key
    # Every key no step reads has its catalogue line.
    from albops.migrate.annotations import CONTROLLER_KEYS, GLOBAL_DEFAULTS

    assert {f.annotation for f in report.findings if f.ingress == "*"} >= {
        f"--controller-config {key}" for key in config if key not in (*GLOBAL_DEFAULTS, *CONTROLLER_KEYS)
    }


def test_the_allow_list_is_read_under_its_current_name() -> None:
    # allowlist-source-range is the name since controller-v1.9.1 (whitelist-source-range its alias): carried.
    documents = [nginx_ingress("a", [("/", "Prefix", "svc")], {NGINX + "allowlist-source-range": "10.0.0.7"})]
    output, report = migrate(documents, Options())
    assert report.held_back == []
    assert output[0]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.7/32"


# --- Booleans as Go's ParseBool ---------------------------------------------------------------------------------


def _tls_ingress(annotations: dict[str, str]) -> dict[str, Any]:
    ingress = nginx_ingress("app", [("/", "Prefix", "svc")], annotations)
    ingress["spec"]["tls"] = [{"hosts": [ingress["spec"]["rules"][0]["host"]]}]
    return ingress


def _redirects(documents: list[Any], **options: Any) -> bool:
    output, _ = migrate(documents, Options(**options))
    ingresses = [o for o in output if o.get("kind") == "Ingress"]
    return bool(ingresses[0]["metadata"]["annotations"].get(ALB + "ssl-redirect") == "443")


@pytest.mark.parametrize("value", GO_TRUE + GO_FALSE + REFUSED)
def test_force_ssl_redirect_reads_every_parsebool_spelling(value: str) -> None:
    plain = nginx_ingress("app", [("/", "Prefix", "svc")], {NGINX + "force-ssl-redirect": value})
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    assert _redirects([plain], certificate_arn=arn) is (value in GO_TRUE)


@pytest.mark.parametrize("value", GO_TRUE + GO_FALSE + REFUSED)
def test_ssl_redirect_reads_every_parsebool_spelling(value: str) -> None:
    # A refused spelling keeps the default (true), as rewrite/main.go does on a GetBoolAnnotation error.
    assert _redirects([_tls_ingress({NGINX + "ssl-redirect": value})]) is (value not in GO_FALSE)


def test_a_refused_ssl_redirect_falls_back_to_the_configmap_not_to_true() -> None:
    documents = [_tls_ingress({NGINX + "ssl-redirect": "yes"})]
    assert _redirects(documents, controller_config={"ssl-redirect": "F"}) is False
    assert _redirects([_tls_ingress({})], controller_config={"ssl-redirect": "0"}) is False
    assert _redirects([_tls_ingress({NGINX + "ssl-redirect": "T"})], controller_config={"ssl-redirect": "false"})


@pytest.mark.parametrize("value", GO_TRUE + GO_FALSE + REFUSED)
def test_use_regex_reads_every_parsebool_spelling(value: str) -> None:
    ingress = nginx_ingress("app", [("/api/v1.+", "ImplementationSpecific", "svc")], {NGINX + "use-regex": value})
    output, _ = migrate([ingress], Options())
    regex = output[0]["metadata"]["annotations"].get(ALB + "use-regex-path-match") == "true"
    assert regex is (value in GO_TRUE)


@pytest.mark.parametrize("value", GO_TRUE + GO_FALSE + REFUSED)
def test_canary_reads_every_parsebool_spelling(value: str) -> None:
    main_ingress = nginx_ingress("main", [("/", "Prefix", "svc")], {})
    annotations = {NGINX + "canary": value, NGINX + "canary-weight": "10"}
    canary = nginx_ingress("canary", [("/", "Prefix", "svc-canary")], annotations)
    output, report = migrate([main_ingress, canary], Options())
    (forward,) = [o for o in output if o.get("kind") == "Ingress"]
    weighted = any(
        "weight" in v for k, v in forward["metadata"]["annotations"].items() if k.startswith(ALB + "actions")
    )
    assert weighted is (value in GO_TRUE)  # a canary folds into the Ingress it shadows as a weighted forward
    (line,) = [f for f in report.findings if f.ingress == "shop/canary" and f.annotation == NGINX + "canary-weight"]
    assert ("weighted forward" in line.detail) is (value in GO_TRUE)
    if value not in GO_TRUE:  # ingress-nginx ignores canary-* without canary: true
        assert line.status == "converted" and "no effect without canary: true" in line.detail


# --- --annotations-prefix ---------------------------------------------------------------------------------------


def test_annotations_under_the_install_prefix_are_read_and_the_default_prefix_is_not() -> None:
    documents = [_tls_ingress({"example.com/ssl-redirect": "false", NGINX + "auth-url": "https://auth/"})]
    output, report = migrate(documents, Options(annotations_prefix="example.com"))
    assert report.held_back == ["shop/app"]  # the auth-url may have been read: held back, never dropped
    line = next(f for f in report.findings if f.annotation == NGINX + "auth-url")
    assert line.status == "lost-protection" and "--annotations-prefix nginx.ingress.kubernetes.io" in line.detail
    documents = [_tls_ingress({"example.com/ssl-redirect": "false", NGINX + "proxy-body-size": "8m"})]
    output, report = migrate(documents, Options(annotations_prefix="example.com/"))
    annotations = output[0]["metadata"]["annotations"]
    assert ALB + "ssl-redirect" not in annotations and not any(k.startswith(NGINX) for k in annotations)
    line = next(f for f in report.findings if f.annotation == NGINX + "proxy-body-size")
    assert line.status == "not-converted" and "reads annotations under example.com/ only" in line.detail


@pytest.mark.parametrize("prefix", ["ingress.kubernetes.io", "custom.example.org", "nginx.example.com"])
def test_nginx_names_under_another_prefix_are_reported_never_taken_as_no_annotations(prefix: str) -> None:
    documents = [nginx_ingress("a", [("/", "Prefix", "svc")], {f"{prefix}/whitelist-source-range": "10.0.0.0/8"})]
    _, report = migrate(documents, Options())
    assert report.held_back == ["shop/a"]
    (line,) = [f for f in report.findings if f.annotation.endswith("whitelist-source-range")]
    assert f"--annotations-prefix {prefix}" in line.detail and line.status == "lost-protection"
    documents = [nginx_ingress("a", [("/", "Prefix", "svc")], {f"{prefix}/proxy-body-size": "8m", "team": "x"})]
    output, report = migrate(documents, Options())
    (line,) = [f for f in report.findings if f.annotation == f"{prefix}/proxy-body-size"]
    assert line.status == "not-converted" and f"--annotations-prefix {prefix}" in line.detail
    assert f"{prefix}/proxy-body-size" not in output[0]["metadata"]["annotations"]
    assert output[0]["metadata"]["annotations"]["team"] == "x"  # unrelated keys pass through


def test_the_alb_controllers_own_keys_are_not_taken_for_nginx_ones() -> None:
    documents = [nginx_ingress("a", [("/", "Prefix", "svc")], {ALB + "ssl-redirect": "443"})]
    _, report = migrate(documents, Options())
    assert not [f for f in report.findings if f.annotation == ALB + "ssl-redirect"]


def test_the_command_takes_annotations_prefix_and_refuses_a_malformed_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump(nginx_ingress("a", [("/", "Prefix", "svc")], {"corp.io/proxy-body-size": "1m"})))
    code = main(["migrate", str(path), "--annotations-prefix", "corp.io"])
    captured = capsys.readouterr()
    assert code == 0 and "[approximated] shop/a: nginx.ingress.kubernetes.io/proxy-body-size: " in captured.err
    assert main(["migrate", str(path), "--annotations-prefix", "Not A Prefix"]) == 2
    assert "'Not A Prefix' is not an annotation prefix" in capsys.readouterr().err


# --- The page -------------------------------------------------------------------------------------------------


def test_the_page_matches_the_catalogue() -> None:
    assert PAGE.read_text(encoding="utf-8") == markdown(), (
        "docs/migrate-annotations.md is stale: .venv/bin/python -c 'from albops.migrate.catalogue import markdown; "
        'print(markdown(), end="")\' > docs/migrate-annotations.md'
    )
    rows = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    assert len(rows) == len(ANNOTATIONS) + len(RETIRED) + len(CONFIGMAP)


def test_blacklist_source_range_is_not_a_name_ingress_nginx_ever_read() -> None:
    # kubernetes/ingress-nginx: no release reads blacklist-source-range; the deny list came as
    # denylist-source-range in controller-v1.7.0 (#8795). So it gets the unknown-name line, not a protection.
    status, detail = annotation_finding("blacklist-source-range", "10.0.0.0/8")
    assert status == "not-converted"
    assert "not an annotation ingress-nginx controller-v1.15.1 reads" in detail
    assert "blacklist-source-range" not in markdown()


def test_listener_attribute_ways_say_commas_are_escaped() -> None:
    # aws-load-balancer-controller v3.5.0 pkg/annotations/parser.go splitKeyValuePairs: "," separates pairs,
    # "\," is a literal comma; "header_value=GET, POST" fails to parse and stops the group.
    for name in ("cors-allow-methods", "cors-allow-headers", "enable-cors"):
        assert "\\, " in ANNOTATIONS[name].alb, name
    assert "GET\\, POST" in markdown()


def test_preserve_trailing_slash_true_is_the_alb_behaviour() -> None:
    # lua_ingress.lua (controller-v1.15.1) l. 157-173: true keeps the URI as sent, as the ALB's ssl-redirect does;
    # false (the default) is the case that differs, and the redirect step reports it.
    assert annotation_finding("preserve-trailing-slash", "true")[0] == "converted"
    assert "false (the default)" in ANNOTATIONS["preserve-trailing-slash"].step


def test_no_template_glues_the_value_to_a_word() -> None:
    # "{value}x" rendered "(the valuex)" on the page.
    import re

    assert re.search(r"the value(?!s\b)[A-Za-z0-9]", markdown()) is None
