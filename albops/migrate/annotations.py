"""Per-Ingress and group-wide annotations: listeners, TLS, protections, stickiness, source ranges, timeouts."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from albops.migrate.catalogue import annotation_finding
from albops.migrate.https_redirect import report_trailing_slash
from albops.migrate.limit_rate import report_limit_rate
from albops.migrate.names import backend_name
from albops.migrate.planning import port_of
from albops.migrate.reading import LEGACY_CLASS, OLD_PREFIX, Options, Source, compact, ingress_name
from albops.migrate.report import Report
from albops.migrate.routes import ALB, NGINX, RULE_CONDITION_VALUES, condition_values
from albops.migrate.values import nginx_bool
from facts.regions import RECOMMENDED_SSL_POLICY

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
# preserve-trailing-slash: https_redirect.py; limit-rate, limit-rate-after, proxy-buffering: limit_rate.py.
CONTROLLER_KEYS = ("http-redirect-code", "preserve-trailing-slash", "limit-rate", "limit-rate-after", "proxy-buffering")
# ingress-nginx redirects HTTP to HTTPS with its ConfigMap's http-redirect-code, 308 by default; the
# controller's ssl-redirect always answers 301 (ALB redirect actions take 301 or 302 only).
NGINX_REDIRECT_CODE = "308"

# ingress-nginx's defaults for the timeouts (seconds).
NGINX_TIMEOUT_DEFAULT = 60


def convert_ingress(ingress: dict[str, Any], options: Options, report: Report) -> Source:
    """The per-Ingress part: class, listeners, TLS and the annotations that concern only this Ingress."""
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
    https = bool(tls) or options.certificate_arn is not None
    redirect = bool(tls) and nginx_setting(old, options, "ssl-redirect", True)
    if nginx_setting(old, options, "force-ssl-redirect", False):
        if https:
            redirect = True
        else:
            report.add(
                name,
                NGINX + "force-ssl-redirect",
                "not-converted",
                "no TLS and no --certificate-arn: no HTTPS listener to redirect to",
            )
    ports = [{"HTTP": 80}] + ([{"HTTPS": 443}] if https else [])
    annotations.update(
        {
            ALB + "scheme": options.scheme,
            ALB + "target-type": "ip",
            ALB + "group.name": options.group,
            ALB + "listen-ports": compact(ports),
        }
    )
    if https:
        annotations[ALB + "ssl-policy"] = RECOMMENDED_SSL_POLICY
    if redirect:
        annotations[ALB + "ssl-redirect"] = "443"
        code = str(options.controller_config.get("http-redirect-code", NGINX_REDIRECT_CODE))
        keys = [NGINX + k for k in SSL_REDIRECT_KEYS if k in own] or ["spec.tls"]
        for key in keys:
            if code == "301":
                report.add(name, key, "converted", "as ssl-redirect on the ALB's HTTP listener (301, as configured)")
            else:
                report.add(
                    name,
                    key,
                    "approximated",
                    f"as ssl-redirect on the ALB's HTTP listener, which answers 301 where ingress-nginx answered "
                    f"{code} (http-redirect-code): clients may turn a POST or PUT into a GET",
                )
        report_trailing_slash(name, nginx, options.controller_config, code, report)
    if options.certificate_arn:
        annotations[ALB + "certificate-arn"] = options.certificate_arn
    elif tls:
        report.add(
            name, "spec.tls", "note", "the ALB's certificate comes from ACM by certificate discovery of the TLS hosts"
        )
    dropped_secret = False
    for entry in tls:
        if isinstance(entry, dict) and entry.pop("secretName", None) is not None:
            dropped_secret = True
            report.add(
                name, "spec.tls.secretName", "note", "dropped: the ALB takes certificates from ACM, not from Secrets"
            )
    hosts = sorted({str(h) for entry in tls if isinstance(entry, dict) for h in entry.get("hosts") or []})
    if tls and not options.certificate_arn:
        report.add(
            name,
            "certificate",
            "note",
            "before applying, an ISSUED ACM certificate must exist in the ALB's region covering "
            f"{', '.join(hosts) or 'the rules hosts'}: certificate discovery looks for one, and the listener "
            "fails without it (or pass --certificate-arn)",
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
    for short in sorted(own - ROUTING_KEYS - rated):
        key = NGINX + short
        value = nginx[short]
        if short in SSL_REDIRECT_KEYS:
            if not redirect:
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
        elif short == "backend-protocol" and value.upper() in ("HTTP", "HTTPS"):
            annotations[ALB + "backend-protocol"] = value.upper()
            report.add(name, key, "converted", f"backend-protocol {value.upper()}")
        else:
            report.add(name, key, *annotation_finding(short, value, nginx))
    # Interned keys and short values: thousands of Ingresses share the same few (a 50 MB input holds them once).
    source.annotations = {sys.intern(k): sys.intern(v) if len(v) <= 64 else v for k, v in annotations.items()}
    metadata["annotations"] = source.annotations
    return source


def nginx_setting(annotations: Mapping[str, Any], options: Options, key: str, default: bool) -> bool:
    """A boolean as ingress-nginx reads it: the annotation, else the ConfigMap's key, else ingress-nginx's default.

    Both are read with Go's strconv.ParseBool; an annotation ParseBool refuses leaves the ConfigMap's value
    (controller-v1.15.1 internal/ingress/annotations/rewrite/main.go: on a GetBoolAnnotation error,
    ssl-redirect and force-ssl-redirect take the ConfigMap's defaults.Backend value).
    """
    configured = options.controller_config.get(key)
    fallback = nginx_bool(None if configured is None else str(configured), default)
    raw = annotations.get(NGINX + key)
    return nginx_bool(None if raw is None else str(raw), fallback)


def cookie_seconds(nginx: Mapping[str, str]) -> int:
    """The stickiness duration for nginx's cookie age: ELB takes 1 s to 7 days (default: nginx's 86400)."""
    raw = nginx.get("session-cookie-max-age", "86400")
    return min(max(int(raw) if raw.isdigit() else 86400, 1), 604800)


def split_plain_http(sources: list[Source], report: Report) -> None:
    """Ingresses that serve plain HTTP go to a group of their own when others of theirs redirect to HTTPS.

    ssl-redirect is group-wide in the controller: one Ingress's redirect sends every HTTP request of the
    group to HTTPS, where no certificate covers the plain-HTTP hosts.
    """
    live = [s for s in sources if not s.canary]
    redirecting = [s for s in live if ALB + "ssl-redirect" in s.annotations]
    plain = [s for s in live if ALB + "ssl-redirect" not in s.annotations]
    if not redirecting or not plain:
        return
    group = str(redirecting[0].annotations[ALB + "group.name"])
    http_group = f"{group[:58].rstrip('.-')}-http"
    for source in plain:
        source.annotations[ALB + "group.name"] = http_group
        report.add_group(
            http_group,
            ALB + "group.name",
            "note",
            f"holds the Ingresses that serve plain HTTP, apart from group {group!r}: ssl-redirect applies to a "
            "whole group, so the other Ingresses' HTTPS redirect would send their plain-HTTP requests to HTTPS "
            "(a second ALB)",
            [source.name],
        )


# The inbound rules a security group holds by default (VPC quota "Inbound or outbound rules per security
# group"); the controller writes one per source range and listen port.
SECURITY_GROUP_RULES = 60


def _listen_ports(source: Source) -> set[int]:
    entries = json.loads(source.annotations.get(ALB + "listen-ports", "[]"))
    return {int(port) for entry in entries for port in entry.values()}


def group_settings(sources: list[Source], report: Report) -> None:
    """Source ranges and timeouts, per ALB group: group-wide on the ALB, so emitted only when all agree."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        if not source.canary:
            groups.setdefault(str(source.annotations.get(ALB + "group.name")), []).append(source)
    for live in groups.values():
        _group_settings(live, report)


def _group_settings(live: list[Source], report: Report) -> None:
    group = str(live[0].annotations.get(ALB + "group.name"))
    ranges = {s.name: cidrs_of(s.nginx.get("whitelist-source-range", "")) for s in live}
    if any(ranges.values()):
        ports = set().union(*(_listen_ports(s) for s in live))
        agreed = next(iter(ranges.values())) if len(set(ranges.values())) == 1 else None
        if agreed is not None and len(agreed) * len(ports) > SECURITY_GROUP_RULES:
            for s in live:
                report.add_group(
                    group,
                    NGINX + "whitelist-source-range",
                    "lost-protection",
                    f"protected it with {len(agreed)} client ranges, which as inbound-cidrs on {len(ports)} listen "
                    f"ports need {len(agreed) * len(ports)} security group rules, more than the {SECURITY_GROUP_RULES}"
                    " a security group holds by default; carry it over: raise that quota, merge ranges, or use WAF "
                    "IP sets",
                    [s.name],
                )
        elif agreed is not None:
            # inbound-cidrs restricts the listen ports of the Ingress that carries it; on every Ingress, each
            # of the group's ports (HTTPS ones included) is restricted, not only the first Ingress's.
            for s in live:
                s.annotations[ALB + "inbound-cidrs"] = ",".join(agreed)
                report.add_group(
                    group,
                    NGINX + "whitelist-source-range",
                    "approximated",
                    f"as the ALB's inbound-cidrs on every converted Ingress (they all agree), on listen ports "
                    f"{', '.join(map(str, sorted(ports)))}: other clients cannot connect, where ingress-nginx "
                    "answered 403. inbound-cidrs applies per listen port to every Ingress of the group, so the group "
                    "must be dedicated to these Ingresses",
                    [s.name],
                )
        else:
            for s in live:
                if ranges[s.name]:
                    _source_ip_conditions(s, ranges[s.name], report)
    # The idle timeout (proxy-read-timeout, proxy-send-timeout): albops.migrate.timeouts, after sharding.


def cidrs_of(value: str) -> tuple[str, ...]:
    return tuple(sorted(v.strip() for v in value.split(",") if v.strip()))


def _source_ip_conditions(source: Source, cidrs: tuple[str, ...], report: Report) -> None:
    key = NGINX + "whitelist-source-range"
    if len(cidrs) > 3:
        report.add(
            source.name,
            key,
            "lost-protection",
            f"protected it with a list of {len(cidrs)} client ranges, which cannot be carried over: an ALB rule "
            "condition takes at most 3 values and the group's Ingresses disagree, so no inbound-cidrs; carry it "
            "over: give every Ingress of a dedicated group the same ranges (inbound-cidrs), or use WAF IP sets",
        )
        return
    rules = (source.converted.get("spec") or {}).get("rules") or []
    fullest = max(
        (
            condition_values(source.annotations, str(rule.get("host") or ""), path)
            for rule in rules
            for path in (rule.get("http") or {}).get("paths") or []
        ),
        default=0,
    )
    if fullest + len(cidrs) > RULE_CONDITION_VALUES:
        report.add(
            source.name,
            key,
            "lost-protection",
            f"protected it with {len(cidrs)} client ranges, which cannot be carried over as rule conditions: with "
            f"its host and path values a rule would hold {fullest + len(cidrs)} condition values, and an ALB rule "
            f"takes {RULE_CONDITION_VALUES} (the controller would stop reconciling the group); carry it over: give "
            "every Ingress of a dedicated group the same ranges (inbound-cidrs), or use WAF IP sets",
        )
        return
    condition = compact([{"field": "source-ip", "sourceIpConfig": {"values": list(cidrs)}}])
    for rule in (source.converted.get("spec") or {}).get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            backend = path["backend"]["service"]
            existing = json.loads(source.annotations.get(ALB + f"conditions.{backend['name']}", "[]"))
            if backend.get("port", {}).get("name") != "use-annotation":
                name = backend["name"]
                action = {
                    "type": "forward",
                    "forwardConfig": {"targetGroups": [{"serviceName": name, "servicePort": port_of(backend["port"])}]},
                }
                new = backend_name(source.name, name, port_of(backend["port"]), "src", compact(action) + condition)
                source.annotations[ALB + f"actions.{new}"] = compact(action)
                if ALB + f"transforms.{name}" in source.annotations:
                    source.annotations[ALB + f"transforms.{new}"] = source.annotations[ALB + f"transforms.{name}"]
                path["backend"] = {"service": {"name": new, "port": {"name": "use-annotation"}}}
                name = new
            else:
                name = backend["name"]
            source.annotations[ALB + f"conditions.{name}"] = compact(existing + json.loads(condition))
    report.add(
        source.name,
        key,
        "approximated",
        "as source-ip conditions on its own rules (the group's Ingresses disagree, so no inbound-cidrs): "
        "other clients fall through to later rules or the 404 default, where ingress-nginx answered 403",
    )


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
