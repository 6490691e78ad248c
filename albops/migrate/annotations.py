"""Per-Ingress and group-wide annotations: listeners, TLS, protections, stickiness, source ranges, timeouts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from albingress.facts.go_values import nginx_bool
from albingress.policies.app_checks import go_int32
from albops.migrate.catalogue import annotation_finding
from albops.migrate.install import InstallFacts
from albops.migrate.limit_rate import report_limit_rate
from albops.migrate.protection import (
    CONFIGMAP_READ,
    GRPC,
    ambiguous_config,
    group_ranges,
    ingress_protections,
    plan_tls,
)
from albops.migrate.reading import LEGACY_CLASS, OLD_PREFIX, Options, Source, ingress_name
from albops.migrate.report import Report
from albops.migrate.routes import ALB, NGINX

SSL_REDIRECT_KEYS = ("ssl-redirect", "force-ssl-redirect")


# The ALB idle timeout's range, in seconds.
IDLE_TIMEOUT_RANGE = (1, 4000)


# What each ingress-nginx annotation becomes when no step below converts it (protections included) is in
# albops.migrate.catalogue: every name of the fact file has its line there.
# Settings that only made sense for a TLS Secret, which ALB Ingresses do not use.
CERT_MANAGER_PREFIX = "cert-manager.io/"


# Annotations the routing pass reads; the per-Ingress pass leaves them to it.
ROUTING_KEYS = {
    "rewrite-target",
    "use-regex",
    "app-root",
    "permanent-redirect",
    "permanent-redirect-code",
    "temporal-redirect",
    "temporal-redirect-code",
    "canary",
    "canary-weight",
    "canary-weight-total",
    "canary-by-header",
    "canary-by-header-value",
    "canary-by-header-pattern",
    "whitelist-source-range",
    "allowlist-source-range",  # read by protection.ingress_protections, with its alias above
    "enable-global-auth",  # likewise
    "ssl-passthrough",  # read by protection.plan_tls
    "proxy-read-timeout",
    "proxy-send-timeout",
}


# ingress-nginx ConfigMap keys that are defaults for the annotation of the same name.
GLOBAL_DEFAULTS = (
    "ssl-redirect",
    "force-ssl-redirect",
    "proxy-read-timeout",
    "proxy-send-timeout",
    "proxy-connect-timeout",
    "proxy-body-size",
    "whitelist-source-range",
)


# ConfigMap keys read for their own sake (not defaults of an annotation).
# preserve-trailing-slash: https_redirect.py; limit-rate, limit-rate-after, proxy-buffering: limit_rate.py;
# the protections, HSTS and forwarded-client keys: protection.py.
CONTROLLER_KEYS = (
    "http-redirect-code",
    "preserve-trailing-slash",
    "limit-rate",
    "limit-rate-after",
    "proxy-buffering",
    *CONFIGMAP_READ,
)
# ingress-nginx redirects HTTP to HTTPS with its ConfigMap's http-redirect-code, 308 by default; the
# controller's ssl-redirect always answers 301 (ALB redirect actions take 301 or 302 only).
NGINX_REDIRECT_CODE = "308"

# ingress-nginx's defaults for the timeouts (seconds).
NGINX_TIMEOUT_DEFAULT = 60


def convert_ingress(
    ingress: dict[str, Any], options: Options, report: Report, install_facts: InstallFacts | None = None
) -> Source:
    """The per-Ingress part: class, listeners, TLS and the annotations that concern only this Ingress.

    ``options`` are the Ingress's class's (protection.class_options): its ConfigMap, scheme and certificate.
    """
    install_facts = install_facts or InstallFacts()
    name = ingress_name(ingress)
    converted = ingress  # migrate's own copy of the input (or the caller's, handed over): changed in place
    metadata = converted.setdefault("metadata", {})
    old = dict(metadata.get("annotations") or {})
    nginx = {k: str(options.controller_config[k]) for k in GLOBAL_DEFAULTS if k in options.controller_config}
    nginx.update({sys.intern(k.removeprefix(NGINX)): str(v) for k, v in old.items() if k.startswith(NGINX)})
    own = {sys.intern(k.removeprefix(NGINX)) for k in old if k.startswith(NGINX)}
    spec = converted.setdefault("spec", {})
    tls = spec.get("tls") or []

    annotations = {k: str(v) for k, v in old.items() if not k.startswith((NGINX, OLD_PREFIX)) and k != LEGACY_CLASS}
    # Keys under other prefixes (OLD_PREFIX included) were reported by prefixes.read_under_prefix.
    source = Source(name, converted, nginx, annotations, frozenset(own))
    ambiguous_config(source, install_facts, options, report)
    redirect = plan_tls(source, options, report)
    # A canary's requests are served in its main Ingress's location: ingress-nginx ignores the canary's other
    # annotations (annotations.md, Canary: all but load-balance, upstream-hash-by and session affinity), so what
    # protected them is the main Ingress's, converted there.
    ignored = _canary_ignored(source, report) if source.canary else set()
    if not source.canary:
        ingress_protections(source, options, report)
    if tls and not options.certificate_arn:
        report.add(
            name,
            "spec.tls",
            "note",
            "the ALB's certificate comes from ACM by certificate discovery of its rule and TLS hosts",
        )
    dropped_secret = False
    for entry in tls:
        if isinstance(entry, dict) and entry.pop("secretName", None) is not None:
            dropped_secret = True
            report.add(
                name, "spec.tls.secretName", "note", "dropped: the ALB takes certificates from ACM, not from Secrets"
            )
    # Certificate discovery looks up every rule host and every TLS host (v3.5.0 model_build_listener.go
    # computeIngressInferredTLSCertARNs); one without an ISSUED certificate fails the group's whole model
    # (pkg/certs/cert_discovery.go "no certificate found for host"). ingress-nginx served a rule host outside
    # spec.tls with its default certificate (controller.go), and redirected it all the same.
    rules = spec.get("rules") if isinstance(spec.get("rules"), list) else []
    hosts = sorted(
        {str(h) for entry in tls if isinstance(entry, dict) for h in entry.get("hosts") or []}
        | {str(r["host"]) for r in rules if isinstance(r, dict) and r.get("host")}
    )
    if tls and not options.certificate_arn:
        report.add(
            name,
            "certificate",
            "note",
            "before applying, an ISSUED ACM certificate must exist in the ALB's region covering "
            f"{', '.join(hosts) or 'the rules hosts'} (its rule and TLS hosts): certificate discovery looks one up "
            "for each, and without it the controller builds nothing of the group (or pass --certificate-arn)",
        )
    if dropped_secret:
        for key in sorted(k for k in annotations if k.startswith(CERT_MANAGER_PREFIX)):
            del annotations[key]
            report.add(
                name,
                key,
                "note",
                "dropped: cert-manager issued the TLS Secret, which the ALB does not read; issue the certificate "
                "in ACM instead",
            )
    spec["ingressClassName"] = options.ingress_class

    rated = report_limit_rate(name, {k: nginx[k] for k in own}, options.controller_config, report)
    for short in sorted(own - ROUTING_KEYS - rated - ignored):
        key = NGINX + short
        value = nginx[short]
        if short in SSL_REDIRECT_KEYS:
            if not redirect and not (short == "force-ssl-redirect" and nginx_bool(value, False)):
                report.add(name, key, "converted", f"{value}: no redirect, as ingress-nginx (plain HTTP is served)")
        elif short == "affinity" and value.lower() == "cookie":
            seconds = cookie_seconds(nginx)
            annotations[ALB + "target-group-attributes"] = (
                f"stickiness.enabled=true,stickiness.type=lb_cookie,stickiness.lb_cookie.duration_seconds={seconds}"
            )
            report.add(
                name,
                key,
                "approximated",
                f"as target group stickiness ({seconds} s); the cookie is AWSALB, not nginx's",
            )
        elif short == "session-cookie-max-age" and nginx.get("affinity", "").lower() == "cookie":
            raw, seconds = nginx.get("session-cookie-max-age", ""), cookie_seconds(nginx)
            how = (
                f"{seconds} s"
                if raw.isdigit() and str(seconds) == raw
                else f"{raw!r} became {seconds} s (1 s to 7 days)"
            )
            report.add(
                name, key, "converted" if str(seconds) == raw else "approximated", f"as the stickiness duration, {how}"
            )
        elif short == "proxy-body-size":
            report.add(
                name, key, "approximated", "dropped: the ALB does not limit request bodies; enforce it in the app"
            )
        elif short == "backend-protocol" and value.upper() in GRPC:
            pass  # reported by protection.plan_tls
        elif short == "backend-protocol" and value.upper() in ("HTTP", "HTTPS"):
            annotations[ALB + "backend-protocol"] = value.upper()
            report.add(name, key, "converted", f"backend-protocol {value.upper()}")
        else:
            report.add(name, key, *annotation_finding(short, value, nginx))
    # Interned keys and short values: thousands of Ingresses share the same few (a 50 MB input holds them once).
    source.annotations = {sys.intern(k): sys.intern(v) if len(v) <= 64 else v for k, v in annotations.items()}
    metadata["annotations"] = source.annotations
    return source


# What ingress-nginx reads on a canary Ingress besides canary-*: the rest comes from the main Ingress.
CANARY_OWN = ("load-balance", "upstream-hash-by", "affinity", "affinity-canary-behavior", "session-cookie-")


def _canary_ignored(source: Source, report: Report) -> set[str]:
    ignored = {
        short
        for short in source.own
        if not short.startswith("canary") and not short.startswith(CANARY_OWN) and short not in ROUTING_KEYS
    }
    ignored |= {k for k in ("allowlist-source-range", "whitelist-source-range") if k in source.own}
    for short in sorted(ignored):
        report.add(
            source.name,
            NGINX + short,
            "converted",
            "no effect on a canary Ingress: ingress-nginx serves its requests in the main Ingress's location, with "
            "the main Ingress's settings and protections (annotations.md, Canary), and so does the ALB",
        )
    return ignored


def cookie_seconds(nginx: Mapping[str, str]) -> int:
    """The stickiness duration for nginx's cookie age: ELB takes 1 s to 7 days (default: nginx's 86400)."""
    raw = nginx.get("session-cookie-max-age", "86400")
    return min(max(int(raw) if raw.isdigit() else 86400, 1), 604800)


def split_plain_http(
    sources: list[Source],
    report: Report,
    existing: Sequence[tuple[str, dict[str, Any]]] = (),
    group_of: Callable[[Source], str | None] | None = None,
) -> None:
    """Ingresses that serve plain HTTP go to a group of their own when others of theirs redirect to HTTPS.

    ssl-redirect is group-wide in the controller (v3.5.0 pkg/ingress/model_builder.go: the group's members'
    ssl-redirect is merged into one for every HTTP listener): one Ingress's redirect sends every HTTP request of
    the group to HTTPS, where no certificate covers the plain-HTTP hosts. ``existing`` are the input's ALB
    Ingresses (passed through) with the group the controller puts each in: they are members of their group too,
    and redirect or serve plain HTTP as well (given as the controller reads them: their class params'
    sslRedirectPort is their ssl-redirect). ``group_of`` is the group the controller puts a converted Ingress in
    (its class's params may name another than its group.name).
    """

    def redirect(obj: dict[str, Any]) -> str | None:
        found = _annotations(obj).get(ALB + "ssl-redirect")
        return None if found is None else str(found)

    live = [s for s in sources if not s.canary]
    by_group: dict[str, list[Source]] = {}
    for source in live:
        by_group.setdefault(str(source.annotations.get(ALB + "group.name")), []).append(source)
    for group, members in by_group.items():
        joined = (group_of(members[0]) if group_of else None) or group
        others = [e for member_group, e in existing if member_group == joined]
        old_redirecting = [ingress_name(e) for e in others if redirect(e) is not None]
        old_plain = [ingress_name(e) for e in others if redirect(e) is None]
        redirecting = [s for s in members if ALB + "ssl-redirect" in s.annotations]
        plain = [s for s in members if ALB + "ssl-redirect" not in s.annotations]
        # A port Go's ParseInt refuses: from class params, the controller drops the whole group's redirect
        # (buildSSLRedirectConfig returns none); from the annotation, it fails the group.
        broken = [ingress_name(e) for e in others if (value := redirect(e)) is not None and go_int32(value) is None]
        if redirecting and broken:
            for source in redirecting:
                report.add(
                    source.name,
                    ALB + "ssl-redirect",
                    "lost-protection",
                    f"ALB group {group!r} already holds {', '.join(broken)} (in the input, not converted), whose "
                    "ssl-redirect port (its class params' sslRedirectPort, or its annotation) is no whole number: "
                    "the controller then redirects nothing in the group, or fails it, so plain HTTP would be served "
                    "where ingress-nginx redirected it; fix that value, or pass another --group",
                )
            continue
        if redirecting and old_plain:
            why = (
                f"ALB group {group!r} already holds {', '.join(old_plain)} (in the input, not converted), which "
                "serve plain HTTP; ssl-redirect applies to a whole group, so writing this Ingress would redirect "
                "theirs to HTTPS too. Give the converted Ingresses another --group, or move those to a group of "
                "their own, and run migrate again"
            )
            for source in redirecting:
                report.add(source.name, ALB + "ssl-redirect", "not-converted", why)
                report.hold(source.name, f"ALB group {group!r}: its existing members would be redirected")
        if not plain or not (redirecting or old_redirecting):
            continue
        http_group = f"{group[:58].rstrip('.-')}-http"
        by = "the other Ingresses'" if redirecting else f"the existing {', '.join(old_redirecting)}'s"
        for source in plain:
            source.annotations[ALB + "group.name"] = http_group
            report.add_group(
                http_group,
                ALB + "group.name",
                "note",
                f"holds the Ingresses that serve plain HTTP, apart from group {group!r}: ssl-redirect applies to a "
                f"whole group, so {by} HTTPS redirect would send their plain-HTTP requests to HTTPS "
                "(a second ALB)",
                [source.name],
            )


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    annotations = (obj.get("metadata") or {}).get("annotations")
    return annotations if isinstance(annotations, Mapping) else {}


def group_settings(sources: list[Source], report: Report, shared: frozenset[str] = frozenset()) -> None:
    """Source ranges and timeouts, per ALB group: group-wide on the ALB, so emitted only when all agree.
    ``shared``: the groups an ALB Ingress of the input (passed through) joins too."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        if not source.canary:
            groups.setdefault(str(source.annotations.get(ALB + "group.name")), []).append(source)
    for name, live in groups.items():
        _group_settings(live, report, name in shared)


def _group_settings(live: list[Source], report: Report, shared: bool) -> None:
    group_ranges(live, report, shared)
    # The idle timeout (proxy-read-timeout, proxy-send-timeout): albops.migrate.timeouts, after sharding.


def report_unreported(sources: list[Source], report: Report) -> None:
    """A line for every nginx annotation of an Ingress that no step reported, so none is silently dropped."""
    seen = {(f.ingress, f.annotation) for f in report.findings}
    for source in sources:
        for short in sorted(source.own):
            if (source.name, NGINX + short) in seen:
                continue
            report.add(
                source.name, NGINX + short, *annotation_finding(short, source.nginx.get(short, ""), source.nginx)
            )
