"""Properties of ``migrate`` over generated input: booleans as Go reads them, hosts and paths routed as nginx
routes them, and no protection lost.

- Every ingress-nginx boolean annotation (the ``parser.GetBoolAnnotation`` callers in ingress-nginx
  controller-v1.15.1 internal/ingress/annotations) in every spelling Go ``strconv.ParseBool`` takes gives the
  same output and the same report statuses as the canonical ``true``/``false``; a spelling ParseBool refuses
  is the annotation's default. The spellings are few, so they are enumerated, not sampled.
- Generated Ingresses (exact and wildcard hosts; Prefix, Exact, ImplementationSpecific and regex paths,
  rewrite targets) are routed by the converted ALB rules like nginx routes them: ingress-nginx's server
  choice (an exact ``server_name`` first, then ``*.domain`` as one label, buildServerName), then the model's
  locations, where the report says the conversion is exact.
- An Ingress carrying a protection ingress-nginx enforces is either held back or written with the
  protection kept (checked on the output: who can still reach the protected paths).

Hypothesis runs derandomized (the same examples every run), so the strict xfails below flip exactly when the
converter is fixed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from albingress.facts.go_values import GO_FALSE, GO_TRUE, go_cidr
from albops.migrate import Options, Report, dump, migrate
from albops.migrate.catalogue import ALIASES, ANNOTATIONS
from albops.migrate.routes import ALB, NGINX, AlbRequest, Location, alb_route, nginx_blocks, nginx_route

# No shrinking: the strict xfails below fail on purpose until the converter is fixed, and shrinking their
# examples would cost seconds for nothing; a failure still prints the example it failed on.
PHASES = (Phase.explicit, Phase.generate)
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    phases=PHASES,
    suppress_health_check=[HealthCheck.filter_too_much],
)

# ingress-nginx controller-v1.15.1, internal/ingress/annotations/*/main.go: the annotations read with
# parser.GetBoolAnnotation (so with Go strconv.ParseBool).
BOOLEAN_ANNOTATIONS = (
    "auth-always-set-cookie",
    "auth-keepalive-share-vars",
    "auth-tls-pass-certificate-to-upstream",
    "canary",
    "cors-allow-credentials",
    "disable-proxy-intercept-errors",
    "enable-access-log",
    "enable-cors",
    "enable-global-auth",
    "enable-modsecurity",
    "enable-opentelemetry",
    "enable-owasp-core-rules",
    "enable-rewrite-log",
    "force-ssl-redirect",
    "from-to-www-redirect",
    "http2-push-preload",
    "opentelemetry-trust-incoming-span",
    "preserve-trailing-slash",
    "relative-redirects",
    "service-upstream",
    "session-cookie-change-on-failure",
    "session-cookie-conditional-samesite-none",
    "session-cookie-secure",
    "ssl-passthrough",
    "ssl-prefer-server-ciphers",
    "ssl-redirect",
    "upstream-hash-by-subset",
    "use-port-in-redirects",
    "use-regex",
)
# Spellings ParseBool refuses: ingress-nginx keeps the annotation's default (parser.GetBoolAnnotation errors).
REFUSED = ("yes", "on", "tRUE", " true", "true ", "enabled", "2")

# The booleans migrate gets wrong today: it compares with "true"/"false" instead of parsing as Go does.
# Spellings migrate read unlike ParseBool, while it did: none left (issue 21 §1).
_BOOL_XFAIL: dict[str, str] = {}


def _ingress(name: str, host: str, paths: list[tuple[str, str, str]], annotations: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop", "annotations": {NGINX + k: v for k, v in annotations.items()}},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {"path": p, "pathType": t, "backend": {"service": {"name": s, "port": {"number": 80}}}}
                            for p, t, s in paths
                        ]
                    },
                }
            ],
        },
    }


def _bool_input(annotation: str, value: str | None) -> list[dict[str, Any]]:
    """An Ingress where each boolean can make a difference: TLS (ssl-redirect), a regex path (use-regex), and a
    second Ingress on the same path (canary); the subject carries ``annotation: value`` (absent for None)."""
    main = _ingress("main", "b.example.com", [("/api", "Prefix", "api")], {})
    main["spec"]["tls"] = [{"hosts": ["b.example.com"], "secretName": "b-tls"}]
    extra = {"canary-weight": "20", "ssl-redirect": "false"} if annotation == "force-ssl-redirect" else {}
    if annotation == "canary":
        extra = {"canary-weight": "20"}
    subject = _ingress(
        "subject",
        "b.example.com",
        [("/api", "Prefix", "api-next"), ("/v[0-9]+/items", "ImplementationSpecific", "items")],
        {**extra, **({annotation: value} if value is not None else {})},
    )
    subject["spec"]["tls"] = [{"hosts": ["b.example.com"], "secretName": "b-tls"}]
    return [main, subject]


def _statuses(report: Report) -> list[tuple[str, str, str]]:
    return sorted((f.ingress, f.annotation, f.status) for f in report.findings)


def _run(documents: list[dict[str, Any]]) -> tuple[str, list[tuple[str, str, str]], list[str]]:
    output, report = migrate(documents, Options(group="props"))
    return "".join(dump(output)), _statuses(report), sorted(report.held_back)


def _bool_param(annotation: str) -> Any:
    reason = _BOOL_XFAIL.get(annotation)
    return pytest.param(annotation, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


@pytest.mark.parametrize("annotation", [_bool_param(a) for a in BOOLEAN_ANNOTATIONS])
def test_every_parsebool_spelling_converts_as_the_canonical_one(annotation: str) -> None:
    canonical = {True: _run(_bool_input(annotation, "true")), False: _run(_bool_input(annotation, "false"))}
    default = _run(_bool_input(annotation, None))
    wrong = []
    for meaning, spellings in ((True, GO_TRUE), (False, GO_FALSE)):
        for spelling in sorted(spellings):
            if _run(_bool_input(annotation, spelling)) != canonical[meaning]:
                wrong.append(f"{spelling!r} (ParseBool: {str(meaning).lower()})")
    for spelling in REFUSED:  # the output is the annotation's default; the report may name the bad value
        output, _, held = _run(_bool_input(annotation, spelling))
        # Holding back more than the default would is stricter, never weaker: allowed.
        if (output, held) != (default[0], default[2]) and not set(held) > set(default[2]):
            wrong.append(f"{spelling!r} (ParseBool refuses it: ingress-nginx keeps the default)")
    assert not wrong, f"{annotation}: converted differently from the canonical spelling for " + ", ".join(wrong)


# --- generated hosts and paths --------------------------------------------------------------------

DOMAIN = "h.test"
SEGMENTS = ("api", "v1", "Web", "b")
REGEX_TAILS = ("(/|$)(.*)", "/(.*)", "/[a-z]+", "")
TARGETS = ("/", "/$1", "/$2", "/new/$1")
REQUEST_HOSTS = ("a.h.test", "b.h.test", "c.h.test", "x.y.h.test", "h.test")


@st.composite
def _ingress_set(draw: st.DrawFn, wildcards: bool) -> list[dict[str, Any]]:
    hosts = ["a.h.test", "b.h.test"] + (["*.h.test"] if wildcards else [])
    out = []
    for n in range(draw(st.integers(1, 3))):
        host = draw(st.sampled_from(hosts))
        rewrite = draw(st.booleans()) and draw(st.booleans())
        regex = rewrite or (draw(st.booleans()) and draw(st.booleans()))
        paths = []
        for k in range(draw(st.integers(1, 2))):
            segments = draw(st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=2, unique=True))
            prefix = "/" + "/".join(segments)
            tail = draw(st.sampled_from(REGEX_TAILS)) if regex and prefix != "/" else ""
            kind = draw(st.sampled_from(("Prefix", "Exact", "ImplementationSpecific")))
            paths.append((prefix + tail, kind, f"svc{n}{k}"))
        annotations = {"use-regex": "true"} if regex else {}
        if rewrite:
            annotations["rewrite-target"] = draw(st.sampled_from(TARGETS))
        out.append(_ingress(f"app{n}", host, paths, annotations))
    return out


def _nginx_server(ingresses: list[dict[str, Any]], host: str) -> str | None:
    """The server ingress-nginx picks for ``host``: an exact server_name, then a wildcard one, which
    buildServerName makes ``^[\\w-]+\\.domain$`` (one label); None is the catch-all default server."""
    names = {str(r["host"]) for ing in ingresses for r in ing["spec"]["rules"]}
    if host in names:
        return host
    for name in sorted(n for n in names if n.startswith("*.")):
        if re.fullmatch(r"[\w-]+\." + re.escape(name[2:]), host):
            return name
    return None


def _nginx_locations(ingresses: list[dict[str, Any]], server: str) -> list[Location]:
    out = []
    seen = set()
    for ing in ingresses:
        notes = ing["metadata"]["annotations"]
        for rule in ing["spec"]["rules"]:
            if rule["host"] != server:
                continue
            for p in rule["http"]["paths"]:
                if (p["path"], p["pathType"]) in seen:
                    continue  # the first Ingress keeps a host's path and type (createServers)
                seen.add((p["path"], p["pathType"]))
                out.append(
                    Location(
                        f"shop/{ing['metadata']['name']}",
                        server,
                        p["path"],
                        p["pathType"],
                        p["backend"]["service"]["name"],
                        {},
                        notes.get(NGINX + "rewrite-target"),
                        notes.get(NGINX + "use-regex") == "true",
                    )
                )
    return out


def _requests(ingresses: list[dict[str, Any]]) -> list[str]:
    uris = {"/", "/API", "/nothing"}
    for ing in ingresses:
        for p in ing["spec"]["rules"][0]["http"]["paths"]:
            base = re.split(r"[(\[]", p["path"])[0].rstrip("/") or ""
            for tail in ("", "/", "/x", "x", "/v1/y", "/abc?q=1"):
                uri = "/" + (base + tail).lstrip("/")
                uris.update((uri, uri.upper()))
    return sorted(uris)


def _disagreements(ingresses: list[dict[str, Any]]) -> list[str]:
    output, report = migrate(ingresses, Options(group="props"))
    assume(report.exact)
    alb = [d for d in output if d.get("kind") == "Ingress"]
    wrong = []
    for host in REQUEST_HOSTS:
        server = _nginx_server(ingresses, host)
        blocks = nginx_blocks(_nginx_locations(ingresses, server)) if server else []
        for uri in _requests(ingresses):
            routed = nginx_route(blocks, uri)
            nginx = (routed[0].service, routed[1]) if routed else None
            outcome = alb_route(alb, AlbRequest(host, uri))
            got = (outcome.targets[0][0], outcome.upstream) if outcome and outcome.kind == "forward" else None
            if got != nginx:
                wrong.append(f"{host}{uri}: nginx {nginx}, ALB {got}")
    return wrong


@SETTINGS
@given(_ingress_set(wildcards=False))
def test_generated_exact_hosts_route_like_nginx(ingresses: list[dict[str, Any]]) -> None:
    wrong = _disagreements(ingresses)
    assert not wrong, "\n".join(wrong[:10])


@SETTINGS
@given(_ingress_set(wildcards=True))
def test_generated_exact_and_wildcard_hosts_route_like_nginx(ingresses: list[dict[str, Any]]) -> None:
    wrong = _disagreements(ingresses)
    assert not wrong, "\n".join(wrong[:10])


# --- nothing protected comes out unprotected -------------------------------------------------------

# ingress-nginx controller-v1.15.1 annotations that restrict who reaches a path or how the backend is reached
# (internal/ingress/annotations: auth, authreq, authtls, ipallowlist with its alias, ipdenylist, ratelimit,
# satisfy, modsecurity, snippet, serversnippet, proxyssl), each with a value that turns it on.
_HAND_PROTECTIONS: dict[str, str] = {
    "auth-url": "https://auth.example.com/check",
    "auth-type": "basic",
    "auth-secret": "shop/htpasswd",
    "auth-snippet": "proxy_set_header X-Check 1;",
    "auth-tls-verify-client": "on",
    "auth-tls-secret": "shop/ca",
    "allowlist-source-range": "10.0.0.0/8",
    "whitelist-source-range": "10.0.0.0/8",
    "denylist-source-range": "198.51.100.0/24",
    "limit-rps": "5",
    "limit-rpm": "100",
    "limit-connections": "10",
    "satisfy": "any",
    "enable-modsecurity": "true",
    "modsecurity-snippet": "SecRuleEngine On",
    "configuration-snippet": "deny all;",
    "server-snippet": "location /admin { deny all; }",
    "proxy-ssl-verify": "on",
    "limit-rate": "100",
    "limit-rate-after": "512",
}
# What else a protection needs for ingress-nginx to enforce it: limit_rate acts only with proxy-buffering on
# (annotations.md "must be used with proxy-buffering enabled"; off by default), limit-rate-after only with a rate.
_ENFORCED_WITH: dict[str, dict[str, str]] = {
    "limit-rate": {"proxy-buffering": "on"},
    "limit-rate-after": {"proxy-buffering": "on", "limit-rate": "100"},
}


def protection_names() -> list[str]:
    """Every name the catalogue calls a lost protection (aliases included), which the test runs over."""
    names = {name for name, entry in ANNOTATIONS.items() if entry.status == "lost-protection"}
    return sorted(names | {alias for alias, name in ALIASES.items() if name in names})


def test_the_catalogue_protects_at_least_the_hand_list() -> None:
    # The hand list above is read from ingress-nginx's source, not from the catalogue: a catalogue that
    # stopped calling one of them a protection would silently shrink the property test below.
    assert set(_HAND_PROTECTIONS) <= set(protection_names())


# Protections migrate wrote without them: none left (issue 21 §2).
_PROTECTION_XFAIL: dict[str, str] = {}

OUTSIDE = "192.0.2.44"  # in no allow-list below
DENIED = "198.51.100.9"  # in the deny-list above
RANGES = ("10.0.0.0/8", "192.168.1.0/24", "203.0.113.7", "2001:db8::/32", " 10.1.0.0/16")


def _forwarded(alb: list[dict[str, Any]], host: str, path: str, client: str) -> bool:
    """Whether the ALB forwards ``client``'s request to a backend (inbound-cidrs refuse the connection)."""
    for ing in alb:
        cidrs = ((ing.get("metadata") or {}).get("annotations") or {}).get(ALB + "inbound-cidrs")
        if cidrs is not None:
            networks = [go_cidr(c) for c in str(cidrs).split(",")]
            if None in networks:
                return True  # the controller refuses the group's configuration: no protection in force
            if not any(ipaddress.ip_address(client) in ipaddress.ip_network(str(n)) for n in networks):
                return False
    outcome = alb_route(alb, AlbRequest(host, path, source_ip=client))
    return outcome is not None and outcome.kind == "forward"


def _kept(name: str, subject: str, output: list[Any], paths: list[str]) -> bool:
    """Whether the written output still enforces ``name``: only allow- and deny-lists can be checked by routing;
    the rest has no ALB form migrate writes (the ALB verifies no target certificate, has no basic auth, no
    nginx snippets, and rate limits and ModSecurity need a WAF ACL, which migrate does not create)."""
    alb = [d for d in output if isinstance(d, dict) and d.get("kind") == "Ingress"]
    if name in ("allowlist-source-range", "whitelist-source-range"):
        return not any(_forwarded(alb, "p.example.com", p, OUTSIDE) for p in paths)
    if name == "denylist-source-range":
        return not any(_forwarded(alb, "p.example.com", p, DENIED) for p in paths)
    written = next(d for d in alb if f"{d['metadata'].get('namespace')}/{d['metadata']['name']}" == subject)
    notes = written["metadata"].get("annotations") or {}
    if name.startswith("auth-tls"):
        return ALB + "mutual-authentication" in notes
    if name.startswith("auth") or name == "satisfy":
        return notes.get(ALB + "auth-type") in ("oidc", "cognito")
    return name != "proxy-ssl-verify" and ALB + "wafv2-acl-arn" in notes


def _protection_param(name: str) -> Any:
    reason = _PROTECTION_XFAIL.get(name)
    return pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [])


@pytest.mark.parametrize("name", [_protection_param(n) for n in protection_names()])
@settings(max_examples=25, deadline=None, derandomize=True, phases=PHASES)
@given(
    tls=st.booleans(),
    public=st.sampled_from(("none", "same-service", "other-service")),
    kinds=st.lists(st.sampled_from(("Prefix", "Exact", "ImplementationSpecific")), min_size=1, max_size=2),
    ranges=st.lists(st.sampled_from(RANGES), min_size=1, max_size=3, unique=True),
    spelling=st.sampled_from(sorted(GO_TRUE)),
)
def test_nothing_protected_comes_out_unprotected(
    name: str, tls: bool, public: str, kinds: list[str], ranges: list[str], spelling: str
) -> None:
    entry = ANNOTATIONS[ALIASES.get(name, name)]
    # A boolean protection (enable-owasp-core-rules) is on only in a ParseBool spelling: "on" would enforce nothing.
    value = _HAND_PROTECTIONS.get(name) or (spelling if entry.off is not None and entry.off("on") else "on")
    if name.endswith("-source-range") and name != "denylist-source-range":
        value = ",".join(ranges)
    if name == "enable-modsecurity":
        value = spelling
    paths = [f"/admin{i}" for i in range(len(kinds))]
    subject = _ingress(
        "guarded",
        "p.example.com",
        [(p, k, "admin") for p, k in zip(paths, kinds, strict=True)],
        {**_ENFORCED_WITH.get(name, {}), name: value},
    )
    documents = [subject]
    if public != "none":
        service = "admin" if public == "same-service" else "www"
        documents.append(_ingress("public", "p.example.com", [("/", "Prefix", service)], {}))
    if tls:
        for doc in documents:
            doc["spec"]["tls"] = [{"hosts": ["p.example.com"], "secretName": "p-tls"}]
    output, report = migrate(documents, Options(group="props"))
    written = any(
        isinstance(d, dict) and d.get("kind") == "Ingress" and d["metadata"]["name"] == "guarded" for d in output
    )
    if written:
        assert _kept(name, "shop/guarded", output, paths), f"{name}={value!r} was written without its protection"
    else:
        assert "shop/guarded" in report.held_back
        assert any(f.ingress == "shop/guarded" and f.status == "lost-protection" for f in report.findings)
