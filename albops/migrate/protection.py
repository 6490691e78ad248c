"""Never weaker than ingress-nginx: allow- and deny-lists, the ConfigMap's global protections, scheme and TLS.

Each decision here ends in one of two places: the output keeps the protection exactly (or more strictly), or
the Ingress is held back with a ``lost-protection`` line that says how to carry it over. The decisions are
also kept on the ``Source`` (``scheme``, ``allow``, ``hsts``, ``https``, ``redirect``, ``excluded``) so the
Gateway API side applies the same ones instead of deciding again.

Sources: ingress-nginx controller-v1.15.1 (internal/ingress/controller/config/config.go for the ConfigMap's
defaults, controller/template/configmap.go for the keys it reads itself, annotations/ipallowlist and
authreqglobal, rootfs/etc/nginx/lua/lua_ingress.lua for HSTS) and the AWS Load Balancer Controller v3.5.0
(pkg/ingress/model_build_listener.go for listener attributes, pkg/annotations/parser.go for their format).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from albingress.facts.go_values import CidrList, go_bool, go_json_field, nginx_bool, nginx_cidrs
from albingress.facts.regions import ALB_SSL_POLICIES, RECOMMENDED_SSL_POLICY
from albingress.policies.alb_budget import PathRoute
from albingress.policies.app_checks import path_overlap
from albops.migrate.https_redirect import report_trailing_slash
from albops.migrate.install import InstallFacts, as_mapping
from albops.migrate.names import backend_name
from albops.migrate.reading import Options, Source, compact, ingress_class
from albops.migrate.reading import objects as objects_of
from albops.migrate.report import Report
from albops.migrate.routes import (
    ALB,
    NGINX,
    RULE_CONDITION_VALUES,
    alb_conditions,
    condition_values,
    evaluation_key,
    listen_ports,
)

# What the WAF or the app must take over, named once.
WAF_IP_SET = "an AWS WAF IP set rule (alb.ingress.kubernetes.io/wafv2-acl-arn)"

# ConfigMap keys that protect every Ingress of the install (controller-v1.15.1 config.go and
# template/configmap.go): what each enforced, and how to carry it over. ``{value}`` is the key's value.
CONFIGMAP_PROTECTIONS: dict[str, tuple[str, str]] = {
    "global-auth-url": (
        "global external authentication (every request checked at {value})",
        "ALB authentication (auth-type: oidc or cognito) on the HTTPS listener, or keep the check in the app; "
        "an Ingress that opted out with enable-global-auth: false is not affected",
    ),
    "denylist-source-range": (
        "a deny list of client ranges for every Ingress ({value})",
        f"{WAF_IP_SET} blocking those ranges",
    ),
    "block-cidrs": ("client ranges blocked for the whole controller ({value})", f"{WAF_IP_SET} blocking them"),
    "block-user-agents": (
        "User-Agents blocked for the whole controller ({value})",
        "an AWS WAF string-match rule on the User-Agent header",
    ),
    "block-referers": (
        "Referers blocked for the whole controller ({value})",
        "an AWS WAF string-match rule on the Referer header",
    ),
    "enable-modsecurity": (
        "the ModSecurity web application firewall for every Ingress",
        "AWS WAF (wafv2-acl-arn) with the managed rule groups that match its rules; an Ingress that opted out "
        "with enable-modsecurity: false is not affected",
    ),
    "http-snippet": ("raw nginx http configuration (often where access rules live)", "port what it enforces"),
    "server-snippet": ("raw nginx configuration in every server", "port what it enforces"),
    "location-snippet": ("raw nginx configuration in every location", "port what it enforces"),
    "main-snippet": ("raw nginx main configuration", "port what it enforces"),
}

# ConfigMap keys that only tune a protection above; reported with it.
CONFIGMAP_PARTS = {
    **{
        f"global-auth-{k}": "global-auth-url"
        for k in (
            "method",
            "signin",
            "signin-redirect-param",
            "response-headers",
            "request-redirect",
            "snippet",
            "cache-key",
            "cache-duration",
            "always-set-cookie",
        )
    },
    "no-auth-locations": "global-auth-url",
    "enable-owasp-modsecurity-crs": "enable-modsecurity",
    "modsecurity-snippet": "enable-modsecurity",
}

# ConfigMap keys this module reads for their own sake (the catalogue's dispositions say the rest).
CONFIGMAP_READ = (
    "whitelist-source-range",
    "hsts",
    "hsts-max-age",
    "hsts-include-subdomains",
    "hsts-preload",
    "use-forwarded-headers",
    "enable-real-ip",
    "forwarded-for-header",
    "proxy-real-ip-cidr",
    "http-snippet",
    *CONFIGMAP_PROTECTIONS,
    *CONFIGMAP_PARTS,
)

# ingress-nginx's HSTS defaults (controller-v1.15.1 config.go NewDefault: HSTS true, max-age 31536000,
# includeSubDomains true, preload false).
HSTS_ATTRIBUTE = "routing.http.response.strict_transport_security.header_value"
HTTPS_LISTENER_ATTRIBUTES = ALB + "listener-attributes.HTTPS-443"

GRPC = {"GRPC": "HTTP", "GRPCS": "HTTPS"}

# The chart's NLB-TLS recipe (ingress-nginx docs, deploy/index.md "TLS termination in AWS Load Balancer"):
# an http-snippet server that answers plain HTTP with a redirect to https.
_SNIPPET_REDIRECT = re.compile(
    r"\A\s*server\s*\{\s*listen\s+\d+\s*;\s*return\s+(30[1278])\s+https://\$host\$request_uri\s*;\s*\}\s*\Z"
)


def class_options(options: Options, facts: InstallFacts, ingress: dict[str, Any], report: Report) -> Options:
    """The options one Ingress is converted with: its install's ConfigMap, scheme and NLB certificate."""
    cls = ingress_class(ingress) or ""
    changes: dict[str, Any] = {}
    if not options.controller_config and not options.config_name:
        found = _config_of(facts, cls)
        if cls in facts.config_conflicts:
            changes["config_conflict"] = facts.config_conflicts[cls]
        elif found is not None:
            changes["config_name"], changes["controller_config"] = found[0], dict(found[1])
    changes["scheme"], changes["scheme_why"] = scheme_for(options, facts, cls)
    if cls in facts.nlb_certificates:
        changes["nlb_certificate_arn"] = facts.nlb_certificates[cls]
    if cls in facts.passthrough:
        changes["ssl_passthrough"] = facts.passthrough[cls]
    return dataclasses.replace(options, **changes)


def _config_of(facts: InstallFacts, cls: str) -> tuple[str, dict[str, str]] | None:
    """The ConfigMap a class's Ingresses inherit: its controller's --configmap; none when its controller names
    none (built-in defaults) or names one the input lacks (reported as missing); the input's one loose
    controller ConfigMap only for a class no controller in the input serves (a dump without the Deployment)."""
    if cls in facts.configs:
        return facts.configs[cls]
    if cls in facts.builtin_configs or cls in facts.missing_configs:
        return None
    return facts.default_config


def scheme_for(options: Options, facts: InstallFacts, cls: str) -> tuple[str, str]:
    """The scheme of a class's ALB and why: --class-scheme, else the class's controller Service in the input
    (what made its NLB decided; it wins over --scheme, which cannot know the install was internal), else
    --scheme, else internal."""
    explicit = dict(options.class_schemes)
    if cls in explicit:
        return explicit[cls], f"--class-scheme {cls}={explicit[cls]}"
    if cls in facts.schemes:
        scheme, why = facts.schemes[cls]
        if options.scheme_given and scheme != options.scheme:
            why += f"; --scheme {options.scheme} not used for class {cls!r}"
        return scheme, why
    if options.scheme_given:
        return options.scheme, f"--scheme {options.scheme}"
    if cls in facts.unread_schemes:
        return "internal", (
            f"a guess: {facts.unread_schemes[cls]}; internal, never internet-facing by guess: pass --class-scheme "
            f"{cls}=internet-facing if it was public"
        )
    return "internal", (
        "nothing in the input or the options says (no --scheme, --class-scheme or controller Service of the "
        "class): internal, never internet-facing by guess; pass --class-scheme CLASS=internet-facing if it was public"
    )


def report_install(options: Options, facts: InstallFacts, classes: set[str], report: Report) -> None:
    """Say once which ConfigMap and which scheme each class was converted with."""
    if options.controller_config or options.config_name:
        unread = sorted(
            {name for name, _ in facts.configs.values()}
            | ({facts.default_config[0]} if facts.default_config else set())
        )
        if unread:
            report.add(
                "*",
                "ConfigMap",
                "not-converted",
                f"--controller-config applies to every class, so the input's controller ConfigMaps "
                f"({', '.join(unread)}) were not read: their defaults and protections are not carried over. With one "
                "install per class in the input, drop --controller-config so each class reads its own",
            )
    else:
        for cls in sorted(classes):
            found = _config_of(facts, cls)
            if found is None and cls in facts.builtin_configs and cls not in facts.config_conflicts:
                report.add(
                    "*",
                    f"class {cls}",
                    "note",
                    f"{facts.builtin_configs[cls]} has no --configmap, so it reads no ConfigMap (ingress-nginx "
                    "controller-v1.15.1: the flag defaults to none): the class was converted with ingress-nginx's "
                    "built-in defaults; a ConfigMap beside it under the chart's name is not what it runs with",
                )
            if found is not None:
                report.add(
                    "*",
                    f"class {cls}",
                    "note",
                    f"read the controller ConfigMap {found[0]} from the input (as --controller-config); its "
                    "protections and defaults apply to the class's Ingresses",
                )
    for cls, scheme in options.class_schemes:
        if cls not in classes:
            report.add("*", f"--class-scheme {cls}={scheme}", "note", "no ingress-nginx Ingress of that class: unused")
    for cls in sorted(classes):
        scheme, why = scheme_for(options, facts, cls)
        report.add("*", f"class {cls or '(none)'}", "note", f"ALB scheme {scheme}: {why}")


def ambiguous_config(source: Source, facts: InstallFacts, options: Options, report: Report) -> None:
    """Two ConfigMaps could be the controller's: which one the Ingress inherits decides its protections."""
    if options.config_conflict and not options.controller_config:
        report.add(
            source.name,
            "ConfigMap",
            "lost-protection",
            f"two installs serve its class with different ConfigMaps ({', '.join(options.config_conflict)}); "
            "which one it inherits its protections from is not known and none was picked: pass --controller-config",
        )
        return
    missing = facts.missing_configs.get(ingress_class(source.converted) or "")
    if missing and not options.controller_config and not options.config_name:
        namespace, _, name = missing.partition("/")
        report.add(
            source.name,
            "ConfigMap",
            "lost-protection",
            f"its controller reads ConfigMap {missing} (--configmap), which is not in the input: the protections and "
            f"defaults it gives every Ingress are unknown; add it (kubectl get configmap -n {namespace} {name} "
            "-o yaml) or pass --controller-config",
        )
        return
    builtin = (ingress_class(source.converted) or "") in facts.builtin_configs
    if facts.ambiguous_configs and not builtin and not options.controller_config and not options.config_name:
        # options are the class's (class_options): a class whose Deployment names its ConfigMap has config_name.
        report.add(
            source.name,
            "ConfigMap",
            "lost-protection",
            f"the input holds {len(facts.ambiguous_configs)} ConfigMaps that could be the controller's ("
            f"{', '.join(facts.ambiguous_configs)}) and nothing (a controller Deployment's --configmap) says which "
            "one this Ingress inherits its protections from; none was picked: pass --controller-config",
        )


def _setting(source: Source, config: Mapping[str, str], key: str, default: bool) -> bool:
    """A boolean as ingress-nginx reads it: the annotation, else the ConfigMap's key, else ingress-nginx's default.

    Both with Go's strconv.ParseBool; an annotation ParseBool refuses leaves the ConfigMap's value
    (controller-v1.15.1 internal/ingress/annotations/rewrite/main.go: on a GetBoolAnnotation error,
    ssl-redirect and force-ssl-redirect take the ConfigMap's defaults.Backend value).
    """
    configured = config.get(key)
    fallback = nginx_bool(None if configured is None else str(configured), default)
    return nginx_bool(source.nginx.get(key) if key in source.own else None, fallback)


def plan_tls(source: Source, options: Options, report: Report) -> bool:
    """Listeners, certificate and the HTTP->HTTPS redirect, as ingress-nginx served this Ingress. Returns redirect.

    ingress-nginx redirects plain HTTP when the Ingress has ``spec.tls`` and ``ssl-redirect`` is not false, or
    ``force-ssl-redirect`` is true (both Go ParseBool, an unparsable value leaving the default); with TLS ended
    at the NLB, the ConfigMap's ``http-snippet`` redirect does it. Where it redirected, the output listens on
    HTTPS with ssl-redirect, or the Ingress is held back: plain HTTP where there was none is weaker.
    """
    name, nginx, annotations = source.name, source.nginx, source.annotations
    spec = source.converted.get("spec") or {}
    tls = bool(spec.get("tls"))
    config = options.controller_config
    nlb_cert = options.nlb_certificate_arn
    # TLS ended at the NLB: clients saw its certificate, whatever spec.tls says (nginx's own TLS was never used).
    certificate = options.certificate_arn or nlb_cert
    https = tls or certificate is not None
    snippet = config.get("http-snippet", "")
    # The NLB-TLS manifest sends the NLB's port 80 to the snippet's server, which redirects every request of
    # every host before any Ingress is read: ssl-redirect: "false" on an Ingress changed nothing there.
    # Without the Service in the input the snippet still says TLS ended at the NLB: redirect, or hold back.
    nlb_redirect = _SNIPPET_REDIRECT.match(snippet) is not None
    redirect = (tls and _setting(source, config, "ssl-redirect", True)) or _setting(
        source, config, "force-ssl-redirect", False
    )
    redirect = redirect or nlb_redirect
    if redirect and not https:
        report.add(
            name,
            "ConfigMap http-snippet"
            if nlb_redirect
            else NGINX + "force-ssl-redirect"
            if "force-ssl-redirect" in source.own
            else "ConfigMap force-ssl-redirect",
            "lost-protection",
            "ingress-nginx redirected plain HTTP to HTTPS; without spec.tls, --certificate-arn or a certificate at "
            "the controller's NLB there is no HTTPS listener to redirect to, and clients would be served in plain "
            "HTTP: carry it over with --certificate-arn (an ACM certificate for its hosts)",
        )
        redirect = False
    source.https, source.redirect = https, redirect
    backend = nginx.get("backend-protocol", "").upper()
    ports: list[dict[str, int]] = [{"HTTP": 80}] + ([{"HTTPS": 443}] if https else [])
    if backend in GRPC:
        if not https:
            source.excluded = (
                f"backend-protocol {backend}: the ALB sends gRPC only from an HTTPS listener, and this Ingress has "
                "no TLS: add spec.tls or pass --certificate-arn"
            )
        else:
            annotations[ALB + "backend-protocol"] = GRPC[backend]
            annotations[ALB + "backend-protocol-version"] = "GRPC"
            if not redirect:
                ports = [{"HTTPS": 443}]
            report.add(
                name,
                NGINX + "backend-protocol",
                "converted",
                f"as backend-protocol {GRPC[backend]} with backend-protocol-version GRPC on the HTTPS listener"
                + ("" if redirect else " only (gRPC needs HTTP/2 over TLS; the ALB forwards it from HTTPS alone)"),
            )
    annotations.update(
        {
            ALB + "scheme": options.scheme,
            ALB + "target-type": "ip",
            ALB + "group.name": options.group,
            ALB + "listen-ports": compact(ports),
        }
    )
    source.scheme = options.scheme
    if https:
        annotations[ALB + "ssl-policy"] = RECOMMENDED_SSL_POLICY
    if certificate:
        annotations[ALB + "certificate-arn"] = certificate
        if certificate == nlb_cert and not options.certificate_arn:
            report.add(
                name,
                "certificate",
                "converted",
                f"TLS ended at the controller's NLB with {certificate} (aws-load-balancer-ssl-cert): carried as "
                "certificate-arn on the HTTPS listener",
            )
    if redirect:
        annotations[ALB + "ssl-redirect"] = "443"
        snippet_code = _SNIPPET_REDIRECT.match(snippet) if nlb_redirect else None
        if snippet_code is not None:
            # The snippet's own `return CODE https://$host$request_uri`: the whole URI kept, its literal code.
            code, where = snippet_code.group(1), "the ConfigMap http-snippet's return"
            keys = ["ConfigMap http-snippet"]
            if "ssl-redirect" in source.own and not nginx_bool(nginx.get("ssl-redirect"), True):
                report.add(
                    name,
                    NGINX + "ssl-redirect",
                    "converted",
                    f"{nginx.get('ssl-redirect')}: no effect in ingress-nginx, whose NLB sent every plain-HTTP request "
                    "to the http-snippet's redirect before any Ingress was read; redirected here too",
                )
        else:
            code, where = str(config.get("http-redirect-code", "308")), "http-redirect-code"
            keys = [NGINX + k for k in ("ssl-redirect", "force-ssl-redirect") if k in source.own] or [
                "spec.tls" if tls else "ConfigMap force-ssl-redirect"
            ]
        for key in keys:
            if code == "301":
                report.add(name, key, "converted", "as ssl-redirect on the ALB's HTTP listener (301, as configured)")
            else:
                report.add(
                    name,
                    key,
                    "approximated",
                    f"as ssl-redirect on the ALB's HTTP listener, which answers 301 where ingress-nginx answered "
                    f"{code} ({where}): clients may turn a POST or PUT into a GET",
                )
        if snippet_code is None:
            report_trailing_slash(name, nginx, config, code, report)
    _hsts(source, tls and https, config, report)
    passthrough = go_bool(nginx.get("ssl-passthrough", "")) is True
    if "ssl-passthrough" in source.own:
        if passthrough and options.ssl_passthrough:
            source.excluded = (
                "ssl-passthrough: ingress-nginx passed the TLS connection through to the backend, and an ALB always "
                "ends TLS itself; serve it from an NLB TCP listener on 443 (a Service of type LoadBalancer, "
                "loadBalancerClass service.k8s.aws/nlb) instead of an Ingress"
            )
        else:
            report.add(
                name,
                NGINX + "ssl-passthrough",
                "converted",
                "no effect in ingress-nginx ("
                + ("the controller runs without --enable-ssl-passthrough" if passthrough else "not true")
                + "): nothing to carry over",
            )
    if source.excluded:
        key = "ssl-passthrough" if source.excluded.startswith("ssl-passthrough") else "backend-protocol"
        report.add(name, NGINX + key, "not-converted", f"the Ingress is not written: {source.excluded}")
    return redirect


def _hsts(source: Source, served: bool, config: dict[str, str], report: Report) -> None:
    """ingress-nginx sets Strict-Transport-Security on HTTPS responses of hosts it holds a certificate for."""
    if not served or not nginx_bool(config.get("hsts"), True):
        return
    max_age = config.get("hsts-max-age", "31536000").strip()
    if not (max_age.isascii() and max_age.isdigit()):
        report.add(
            source.name,
            "ConfigMap hsts-max-age",
            "not-converted",
            f"{max_age!r} is not a number of seconds; no Strict-Transport-Security header is set: fix it, or set "
            f"{HSTS_ATTRIBUTE} in {HTTPS_LISTENER_ATTRIBUTES} by hand",
        )
        return
    value = f"max-age={int(max_age)}"
    if nginx_bool(config.get("hsts-include-subdomains"), True):
        value += "; includeSubDomains"
    if nginx_bool(config.get("hsts-preload"), False):
        value += "; preload"
    source.hsts = value
    set_listener_attribute(source.annotations, HTTPS_LISTENER_ATTRIBUTES, HSTS_ATTRIBUTE, value)
    report.add(
        source.name,
        "ConfigMap hsts" if "hsts" in config else "hsts (ingress-nginx's default; ConfigMap hsts)",
        "converted",
        f"Strict-Transport-Security: {value}, as the HTTPS listener's {HSTS_ATTRIBUTE}",
    )


def set_listener_attribute(annotations: dict[str, str], key: str, attribute: str, value: str) -> None:
    """Add one attribute to a listener-attributes annotation (``k=v,k=v``; the controller splits on ``,``
    before a ``key=`` and the first ``=`` of each pair), keeping the others."""
    pairs = [p for p in annotations.get(key, "").split(",") if p.strip() and not p.startswith(attribute + "=")]
    annotations[key] = ",".join([*pairs, f"{attribute}={value}"])


def allow_list(source: Source, config: dict[str, str]) -> tuple[str, str] | None:
    """(where from, raw value) of the allow-list in effect: the annotation (``allowlist-source-range`` first,
    its alias ``whitelist-source-range`` when the first is empty), else the ConfigMap's default."""
    for key in ("allowlist-source-range", "whitelist-source-range"):
        value = source.nginx.get(key, "")
        if key in source.own and value != "":
            return NGINX + key, value
    if "allowlist-source-range" in source.own:
        # Present but empty (its alias too): ingress-nginx's parser refuses the empty value as invalid
        # content, not as a missing annotation, and denies the location (ipallowlist Parse).
        return NGINX + "allowlist-source-range", ""
    value = config.get("whitelist-source-range", "")
    return ("ConfigMap whitelist-source-range", value) if value.strip() else None


def ingress_protections(source: Source, options: Options, report: Report) -> None:
    """The allow-list this Ingress had and the ConfigMap protections it inherited; held back where lost."""
    config = options.controller_config
    found = allow_list(source, config)
    if found is not None:
        key, raw = found
        parsed: CidrList = nginx_cidrs(raw) if raw.strip() else CidrList((), ("",))
        if not parsed.valid:
            report.add(
                source.name,
                key,
                "lost-protection",
                f"{', '.join(map(repr, parsed.invalid))} is not an address or CIDR: "
                + (
                    "ingress-nginx refused the list and denied every request to these paths"
                    if key.startswith(NGINX)
                    else "nginx cannot load it as an allow rule, so no configuration with it was ever applied"
                )
                + "; converted, the paths would be open: fix the list, then convert again",
            )
        else:
            source.allow, source.allow_key = parsed.cidrs, key
            _forwarded(source, config, report)
    for short in ("allowlist-source-range", "whitelist-source-range"):
        if short in source.own and (found is None or found[0] != NGINX + short):
            report.add(source.name, NGINX + short, "converted", "not in effect: the other name of the allow-list wins")
    for cfg_key, (what, how) in CONFIGMAP_PROTECTIONS.items():
        value = config.get(cfg_key, "")
        if not value.strip():
            continue
        opted_out = go_bool(source.nginx.get("enable-modsecurity", "")) is False
        if cfg_key == "enable-modsecurity" and (go_bool(value) is not True or opted_out):
            continue
        if cfg_key == "global-auth-url" and go_bool(source.nginx.get("enable-global-auth", "")) is False:
            report.add(
                source.name, NGINX + "enable-global-auth", "converted", "opted out of global-auth-url: nothing lost"
            )
            continue
        if cfg_key == "http-snippet" and _SNIPPET_REDIRECT.match(value):
            continue  # the NLB-TLS redirect, read by plan_tls
        report.add(
            source.name,
            f"ConfigMap {cfg_key}",
            "lost-protection",
            f"the controller's ConfigMap protected it with {what.format(value=value.strip()[:200])}; carry it over: "
            f"{how}",
        )
    if "enable-global-auth" in source.own and not config.get("global-auth-url", "").strip():
        report.add(source.name, NGINX + "enable-global-auth", "converted", "no global-auth-url: no effect")


def _forwarded(source: Source, config: dict[str, str], report: Report) -> None:
    """ingress-nginx matched the allow-list on the forwarded client; the ALB matches the connecting address."""
    forwarded = nginx_bool(config.get("use-forwarded-headers"), False) or nginx_bool(
        config.get("enable-real-ip"), False
    )
    if not forwarded or not source.allow:
        return
    header = config.get("forwarded-for-header", "X-Forwarded-For")
    trusted = nginx_cidrs(config.get("proxy-real-ip-cidr", "0.0.0.0/0"))
    proxies = [c for c in trusted.cidrs if c not in ("0.0.0.0/0", "::/0")]
    overlap = [p for p in proxies if any(_overlaps(p, a) for a in source.allow)]
    if not trusted.valid or overlap:
        source.allow_lost = True
        report.add(
            source.name,
            source.allow_key,
            "lost-protection",
            f"ingress-nginx matched the allow-list on the client address in {header} sent by the trusted proxies "
            f"({config.get('proxy-real-ip-cidr', '')}); the ALB's source-ip and inbound-cidrs match the connecting "
            "address, which is that proxy's, inside the list: every client behind it would get in. Carry it over: "
            f"{WAF_IP_SET} with ForwardedIPConfig on {header}",
        )
        return
    report.add(
        source.name,
        source.allow_key,
        "note",
        f"ingress-nginx matched the allow-list on the address in {header} (use-forwarded-headers/enable-real-ip, "
        f"trusted from {config.get('proxy-real-ip-cidr', '0.0.0.0/0')}); the ALB matches the connecting address, "
        "which no client can forge: never weaker, but clients behind a proxy in front of the ALB are refused",
    )


def _overlaps(a: str, b: str) -> bool:
    first, second = ipaddress.ip_network(a), ipaddress.ip_network(b)
    return first.version == second.version and first.overlaps(second)


def split_schemes(sources: list[Source], report: Report) -> None:
    """An ALB has one scheme: Ingresses of one group with different schemes go to one group per scheme."""
    groups: dict[str, set[str]] = {}
    for source in sources:
        groups.setdefault(str(source.annotations.get(ALB + "group.name")), set()).add(source.scheme)
    for source in sources:
        group = str(source.annotations.get(ALB + "group.name"))
        # The internet-facing ALB keeps the name (its DNS name is the one clients and records know): converting
        # an internal class beside it later never renames, so never replaces, the public ALB.
        if len(groups[group]) > 1 and source.scheme == "internal":
            internal = f"{group[:54].rstrip('.-')}-internal"
            source.annotations[ALB + "group.name"] = internal
            report.add_group(
                internal,
                ALB + "group.name",
                "note",
                f"holds the internal classes' Ingresses, apart from group {group!r}: an ALB has one scheme, and the "
                "internet-facing ALB keeps the group's name",
                [source.name],
            )


# The inbound rules a security group holds by default (VPC quota "Inbound or outbound rules per security
# group"); the controller writes one per source range and listen port.
SECURITY_GROUP_RULES = 60


def _listen_ports(source: Source) -> set[int]:
    return set(listen_ports(source.annotations))


def group_ranges(live: list[Source], report: Report, shared: bool = False) -> None:
    """The allow-lists of one ALB group: inbound-cidrs when every member has the same list (the group is then
    theirs alone), else source-ip conditions on each protected path plus a fixed 403 for everyone else right
    after it, so a refused client never falls through to a later, public rule of the same host. ``shared``: an
    ALB Ingress of the input (passed through) joins the group too, so it is not theirs alone: inbound-cidrs on
    a port would refuse that Ingress's clients as well (mergeListenPortConfigs passes over a member without
    any and opens 0.0.0.0/0 only when none sets them)."""
    tangled = {
        name
        for f in report.findings
        if f.annotation == "rule order" and f.status == "not-converted"
        for name in f.ingress.split(", ")
    }
    for s in live:
        if s.allow and not s.allow_lost and s.name in tangled:
            s.allow_lost = True
            report.add(
                s.name,
                s.allow_key,
                "lost-protection",
                "its paths and another Ingress's overlap in both orders (the rule order line), so the ALB tries "
                "some of the other's rules first: a request nginx refused with 403 here could be served there. "
                "Carry it over: merge the Ingresses of this host into one, or give the other Ingress the same "
                "allow-list",
            )
    usable = [s for s in live if s.allow and not s.allow_lost]
    if not usable:
        return
    ports = set().union(*(_listen_ports(s) for s in live))
    group = str(live[0].annotations.get(ALB + "group.name"))
    lists = {s.allow for s in live}
    agreed = next(iter(lists)) if len(lists) == 1 and all(not s.allow_lost for s in live) and not shared else None
    if agreed is not None:
        if len(agreed) * len(ports) > SECURITY_GROUP_RULES:
            for s in live:
                report.add_group(
                    group,
                    s.allow_key,
                    "lost-protection",
                    f"protected it with {len(agreed)} client ranges, which as inbound-cidrs on {len(ports)} listen "
                    f"ports need {len(agreed) * len(ports)} security group rules, more than the {SECURITY_GROUP_RULES}"
                    f" a security group holds by default; carry it over: raise that quota, merge ranges, or use "
                    f"{WAF_IP_SET}",
                    [s.name],
                )
            return
        for s in live:
            s.annotations[ALB + "inbound-cidrs"] = ",".join(agreed)
            report.add_group(
                group,
                s.allow_key,
                "approximated",
                f"as the ALB's inbound-cidrs on every converted Ingress (they all agree), on listen ports "
                f"{', '.join(map(str, sorted(ports)))}: other clients cannot connect, where ingress-nginx "
                "answered 403. inbound-cidrs applies per listen port to every Ingress of the group, so the group "
                "must be dedicated to these Ingresses",
                [s.name],
            )
        return
    for s in usable:
        _source_ip_rules(s, report)


def _source_ip_rules(source: Source, report: Report) -> None:
    key = source.allow_key
    cidrs = source.allow
    spec = source.converted.get("spec") or {}
    rules = spec.get("rules") or []
    if spec.get("defaultBackend"):
        # What no rule matches gets the listener's default action, which takes no condition: ingress-nginx applied
        # this Ingress's allow-list to its catch-all server too (locationApplyAnnotations on the default location).
        report.add(
            source.name,
            key,
            "lost-protection",
            f"protected its default backend with {len(cidrs)} client ranges; the ALB answers what no rule matches "
            "with the listener's default action, which takes no source-ip condition, so every client would reach "
            "it: give the backend a host and path rule, or give every Ingress of a dedicated group the same ranges "
            f"(inbound-cidrs), or use {WAF_IP_SET}",
        )
        return
    fullest = max(
        (
            condition_values(source.annotations, str(rule.get("host") or ""), path)
            for rule in rules
            for path in (rule.get("http") or {}).get("paths") or []
        ),
        default=0,
    )
    # Each path's rule gets the allow-list as its source-ip condition, beside the conditions its backend already
    # has. An ALB rule takes one source-ip condition (ELB API RuleCondition), and conditions the controller cannot
    # read stop the group: either way the allow-list cannot be added, and a rule without it admits everyone.
    for rule in rules:
        for path in (rule.get("http") or {}).get("paths") or []:
            name = str(((path.get("backend") or {}).get("service") or {}).get("name"))
            existing = alb_conditions(source.annotations, name)
            why = (
                f"{ALB}conditions.{name} is not a list of conditions the controller reads"
                if existing is None
                else f"{ALB}conditions.{name} already has a source-ip condition, and an ALB rule takes one"
                if any(go_json_field(c, "field") == "source-ip" for c in existing)
                else None
            )
            if why:
                report.add(
                    source.name,
                    key,
                    "lost-protection",
                    f"protected it with {len(cidrs)} client ranges, which cannot be carried over as the source-ip "
                    f"condition of path {path.get('path')!r}: {why}; write one source-ip condition holding the "
                    f"ranges both allow, or give every Ingress of a dedicated group the same ranges (inbound-cidrs)",
                )
                return
    if fullest + len(cidrs) > RULE_CONDITION_VALUES:
        report.add(
            source.name,
            key,
            "lost-protection",
            f"protected it with {len(cidrs)} client ranges, which cannot be carried over as rule conditions: with "
            f"its host and path values a rule would hold {fullest + len(cidrs)} condition values, and an ALB rule "
            f"takes {RULE_CONDITION_VALUES} (the controller would stop reconciling the group); carry it over: give "
            f"every Ingress of a dedicated group the same ranges (inbound-cidrs), or use {WAF_IP_SET}",
        )
        return
    condition = [{"field": "source-ip", "sourceIpConfig": {"values": list(cidrs)}}]
    deny = {"type": "fixed-response", "fixedResponseConfig": {"contentType": "text/plain", "statusCode": "403"}}
    deny_name = f"deny-403-{hashlib.sha256(compact(deny).encode()).hexdigest()[:6]}"
    source.annotations[ALB + f"actions.{deny_name}"] = compact(deny)
    limited: set[str] = set()
    renamed: set[str] = set()
    # The backends' own annotations as the user wrote them: a renamed backend copies these, not what this loop has
    # added (a source-ip condition already appended for a use-annotation backend of the same name, or for an
    # earlier path of the same Service, would be copied over it or doubled).
    written = dict(source.annotations)
    renamed_to: set[str] = set()
    for rule in rules:
        http = rule.get("http") or {}
        out: list[dict[str, Any]] = []
        for path in http.get("paths") or []:
            backend = path["backend"]["service"]
            if backend.get("port", {}).get("name") != "use-annotation":
                name = str(backend["name"])
                port = backend.get("port") or {}
                action = {
                    "type": "forward",
                    "forwardConfig": {
                        "targetGroups": [{"serviceName": name, "servicePort": port.get("number", port.get("name"))}]
                    },
                }
                new = backend_name(
                    source.name, name, port.get("number", port.get("name")), "src", compact(action) + compact(condition)
                )
                source.annotations[ALB + f"actions.{new}"] = compact(action)
                # The controller applies conditions.<name> and transforms.<name> to any backend of that name
                # (enhanced_backend_builder.go Build): the renamed backend takes both, or its rule loses them.
                for kind in ("transforms", "conditions"):
                    if ALB + f"{kind}.{name}" in written and new not in renamed_to:
                        source.annotations[ALB + f"{kind}.{new}"] = written[ALB + f"{kind}.{name}"]
                renamed_to.add(new)
                path["backend"] = {"service": {"name": new, "port": {"name": "use-annotation"}}}
                renamed.add(name)
            name = str(path["backend"]["service"]["name"])
            if name not in limited:  # once per backend name: paths may share one
                limited.add(name)
                existing = alb_conditions(source.annotations, name) or []  # readable, no source-ip: checked above
                source.annotations[ALB + f"conditions.{name}"] = compact([*existing, *condition])
            out.append(path)
        # One 403 per (path, pathType), right after the LAST rule of that path: a canary's header rule and the
        # main rule share the path, and a 403 between them would answer every client before the main rule (the
        # controller's sort is stable, so written order decides among equal paths, and ImplementationSpecific
        # paths keep it outright).
        last: dict[tuple[str, str], int] = {}
        for i, path in enumerate(out):
            last[(str(path.get("path")), str(path.get("pathType")))] = i
        for i in sorted(last.values(), reverse=True):
            path = out[i]
            out.insert(
                i + 1, {**{k: v for k, v in path.items() if k != "backend"}, "backend": _deny_backend(deny_name)}
            )
        if http:
            http["paths"] = out
    _drop_unused_backend_annotations(source, rules, renamed)
    report.add(
        source.name,
        key,
        "converted",
        "as source-ip conditions on its own rules, each followed by a fixed 403 for the same host and path, so "
        "other clients get 403 as from ingress-nginx and never fall through to a later rule of the host (the "
        "group's Ingresses disagree, so no inbound-cidrs)",
    )


def _drop_unused_backend_annotations(source: Source, rules: list[dict[str, Any]], renamed: set[str]) -> None:
    """Removes the conditions.<name> and transforms.<name> of Service backends renamed above that no path or
    default backend names any more: their renamed backends carry copies, and the controller reads these only
    for a backend of that name, so left behind they would only mislead whoever reads the output."""
    still: set[str] = set()
    default = (source.converted.get("spec") or {}).get("defaultBackend")
    if isinstance(default, dict) and isinstance(default.get("service"), dict):
        still.add(str(default["service"].get("name")))
    for rule in rules:
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service") or {}
            still.add(str(service.get("name")))
    for name in renamed - still:
        for kind in ("transforms", "conditions"):
            source.annotations.pop(ALB + f"{kind}.{name}", None)


def _deny_backend(name: str) -> dict[str, Any]:
    return {"service": {"name": name, "port": {"name": "use-annotation"}}}


def class_params(documents: list[Any], ingress_class: str) -> tuple[str, dict[str, Any]] | None:
    """The IngressClassParams the output's IngressClass points at, when both are in the input: (name, spec)."""
    objs = [o for o in objects_of(documents) if isinstance(o, dict)]
    for obj in objs:
        if obj.get("kind") != "IngressClass" or as_mapping(obj.get("metadata")).get("name") != ingress_class:
            continue
        parameters = as_mapping(as_mapping(obj.get("spec")).get("parameters"))
        if parameters.get("kind") != "IngressClassParams":
            return None
        # Two with one name: ``kubectl apply`` applies them in order, so the last one is what the cluster holds.
        found: tuple[str, dict[str, Any]] | None = None
        for params in objs:
            name = as_mapping(params.get("metadata")).get("name")
            if params.get("kind") == "IngressClassParams" and name == parameters.get("name"):
                found = str(name), as_mapping(params.get("spec"))
        return found
    return None


def params_override(sources: list[Source], documents: list[Any], options: Options, report: Report) -> None:
    """What the output's IngressClass's IngressClassParams impose over the annotations written here.

    The controller takes the params' scheme and inboundCIDRs before any Ingress annotation (v3.5.0
    model_build_load_balancer.go buildLoadBalancerScheme, model_build_listener.go
    computeIngressExplicitInboundCIDRs), and its group before group.name: an internal app written under an
    internet-facing params, or an allow-list replaced by the params' CIDRs, would be weaker than ingress-nginx.
    """
    found = class_params(documents, options.ingress_class)
    if found is None:
        return
    name, spec = found
    where = f"IngressClassParams {name} (of IngressClass {options.ingress_class})"
    scheme = spec.get("scheme")
    cidrs = spec.get("inboundCIDRs")
    group = as_mapping(spec.get("group"))
    listed = [str(c) for c in cidrs] if isinstance(cidrs, list) else []
    for s in sources:
        if s.canary or s.excluded:
            continue
        if isinstance(scheme, str) and scheme != s.scheme:
            exposed = scheme == "internet-facing"
            report.add(
                s.name,
                "ingressClassName",
                "lost-protection" if exposed else "not-converted",
                f"{where} sets scheme {scheme}, which the controller takes over the scheme annotation: the app "
                f"would be {scheme}, not {s.scheme} as decided here (see the class's scheme line)"
                + (
                    "; pass --ingress-class naming an IngressClass without it"
                    if exposed
                    else "; clients of the "
                    "public install would not reach it: pass --ingress-class naming an IngressClass without it"
                ),
            )
        written = bool(listed) and bool(s.allow) and ALB + "inbound-cidrs" in s.annotations
        if written and sorted(listed) != sorted(s.allow):
            report.add(
                s.name,
                s.allow_key,
                "lost-protection",
                f"{where} sets inboundCIDRs {', '.join(listed)}, which the controller takes instead of "
                f"the inbound-cidrs written here ({', '.join(s.allow)}): the allow-list would not be the one "
                "ingress-nginx enforced; pass --ingress-class naming an IngressClass without inboundCIDRs",
            )
        _params_policy(where, spec, s, report)
        _params_prefix_lists(where, spec, s, report)
        _params_attributes(where, spec, s, report)
        _params_redirect_port(where, spec, s, report)
        selector = spec.get("namespaceSelector")
        if isinstance(selector, dict) and selector:
            # v3.5.0 pkg/ingress/class_loader.go: an Ingress whose namespace the selector does not match is
            # refused ("namespaceSelector of IngressClassParams ... mismatch"); namespace labels are not input here.
            report.add(
                s.name,
                "ingressClassName",
                "not-converted",
                f"{where} only admits Ingresses of namespaces whose labels match its namespaceSelector "
                f"{json.dumps(selector, sort_keys=True)}; the namespace's labels are not known here, and the "
                "controller refuses the Ingress when they do not match: check them, or pass --ingress-class "
                "naming an IngressClass without a namespaceSelector",
            )
        if group.get("name") and group.get("name") != s.annotations.get(ALB + "group.name"):
            report.add(
                s.name,
                ALB + "group.name",
                "not-converted",
                f"{where} puts every Ingress of the class in group {group.get('name')!r}, not "
                f"{s.annotations.get(ALB + 'group.name')!r}: the group-wide settings computed here (timeouts, "
                "redirects, allow-lists) were computed for the wrong group; pass --group "
                f"{group.get('name')} or another --ingress-class",
            )


def _params_policy(where: str, spec: Mapping[str, Any], s: Source, report: Report) -> None:
    """The params' sslPolicy wins over the ssl-policy annotation (v3.5.0 model_build_listener.go
    computeIngressExplicitSSLPolicy); one that still lets TLS 1.0 or 1.1 in is weaker than what migrate writes."""
    policy = spec.get("sslPolicy")
    written = s.annotations.get(ALB + "ssl-policy")
    if not isinstance(policy, str) or not policy or written is None or policy == written:
        return
    lowest = ALB_SSL_POLICIES.get(policy)
    if lowest is None:
        # The ELB API refuses a listener naming a policy it does not have: the controller fails the group.
        report.hold(
            s.name,
            f"{where} sets sslPolicy {policy!r}, which the controller takes over the ssl-policy written here and "
            "which is not an ALB security policy: the HTTPS listener would be refused and the group not reconciled; "
            f"set it to {RECOMMENDED_SSL_POLICY} or remove it",
        )
        return
    weaker = lowest < "1.2"
    report.add(
        s.name,
        ALB + "ssl-policy",
        "lost-protection" if weaker else "approximated",
        f"{where} sets sslPolicy {policy}, which the controller takes instead of the ssl-policy written here "
        f"({written})"
        + (
            f": it accepts TLS {lowest}, below the TLS 1.2 floor written here; pass --ingress-class naming an "
            "IngressClass without it, or set its sslPolicy to " + RECOMMENDED_SSL_POLICY
            if weaker
            else f" (it accepts TLS {lowest} and up)"
        ),
    )


def _params_prefix_lists(where: str, spec: Mapping[str, Any], s: Source, report: Report) -> None:
    """The params' prefix lists open the listeners to them beside the inbound CIDRs (v3.5.0
    model_build_listener.go: each listen port gets inboundCIDRs and prefixLists): an allow-list gets wider."""
    lists = spec.get("prefixListsIDs") or spec.get("PrefixListsIDs")
    if not isinstance(lists, list) or not lists or not s.allow or ALB + "inbound-cidrs" not in s.annotations:
        return
    report.add(
        s.name,
        s.allow_key,
        "lost-protection",
        f"{where} sets prefixListsIDs {', '.join(str(x) for x in lists)}: the controller lets their ranges in "
        f"beside the inbound-cidrs written here ({', '.join(s.allow)}), a wider allow-list than ingress-nginx "
        "enforced; pass --ingress-class naming an IngressClass without prefixListsIDs",
    )


def _params_attributes(where: str, spec: Mapping[str, Any], s: Source, report: Report) -> None:
    """The params' loadBalancerAttributes win over the annotation's, key by key (v3.5.0
    model_build_load_balancer_attributes.go: the class's map merged over the group's)."""
    attributes = spec.get("loadBalancerAttributes")
    if not isinstance(attributes, list):
        return
    imposed = {str(a.get("key")): str(a.get("value")) for a in attributes if isinstance(a, dict) and "key" in a}
    raw = s.annotations.get(ALB + "load-balancer-attributes", "")
    written = dict(
        (k.strip(), v.strip()) for k, _, v in (item.partition("=") for item in raw.split(",") if "=" in item)
    )
    differ = sorted(k for k in imposed if k in written and imposed[k] != written[k])
    if not differ:
        return
    report.add(
        s.name,
        ALB + "load-balancer-attributes",
        "not-converted",
        f"{where} sets loadBalancerAttributes, which the controller takes over the annotation: "
        + ", ".join(f"{k}={imposed[k]} (written here: {written[k]})" for k in differ)
        + "; the ALB would not behave as ingress-nginx did: pass --ingress-class naming an IngressClass "
        "without them, or change them in the params",
    )


def _params_redirect_port(where: str, spec: Mapping[str, Any], s: Source, report: Report) -> None:
    """The params' sslRedirectPort replaces each member's ssl-redirect (v3.5.0 model_builder.go
    buildSSLRedirectConfig): a group whose ports then differ, or whose port has no HTTPS listener, is refused
    whole ("conflicting sslRedirect port", "listener does not exist for SSLRedirect port"), and a port that is
    not an integer turns the redirect off."""
    port = spec.get("sslRedirectPort")
    if port is None or port == "":
        return
    written = s.annotations.get(ALB + "ssl-redirect")
    if str(port) == written:
        return
    if not re.fullmatch(r"[+-]?[0-9]+", str(port).strip()):
        if written is not None:
            report.add(
                s.name,
                ALB + "ssl-redirect",
                "lost-protection",
                f"{where} sets sslRedirectPort {port!r}, not an integer: the controller then redirects nothing, "
                "so plain HTTP would be served where ingress-nginx redirected it; fix or remove it",
            )
        return
    report.hold(
        s.name,
        f"{where} sets sslRedirectPort {port}, which the controller takes instead of the ssl-redirect written "
        f"here ({written or 'none'}); the group's redirect ports then conflict or name no HTTPS listener and the "
        "controller refuses the whole group: remove sslRedirectPort from the params, or pass --ingress-class "
        "naming an IngressClass without it",
    )


def existing_members_first(
    sources: list[Source],
    existing: Sequence[tuple[str, dict[str, Any]]],
    report: Report,
    group_of: Callable[[Source], str | None],
    written: Callable[[str], str] = lambda name: name,
) -> None:
    """Holds back an Ingress whose allow-list became source-ip conditions when an ALB Ingress of the input (passed
    through, not converted) joins its group and is evaluated before it (group.order, then namespace/name: v3.5.0
    group_loader.go sortGroupMembers) with a rule that can match the same requests (a host and a path both can,
    on a listen port both have: rules are per listener): that member's rules answer first, and a
    client the allow-list refuses would reach whatever they forward to (its '/' catches '/admin'). The listener's
    inbound-cidrs, which refuse the client before any rule, are not affected. ``existing`` pairs each such
    Ingress with the group the controller puts it in, and ``group_of`` gives a converted one's."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, obj in existing:
        by_group.setdefault(group, []).append(obj)
    for source in sources:
        if source.canary or source.excluded or not source.allow or ALB + "inbound-cidrs" in source.annotations:
            continue
        members = by_group.get(group_of(source) or "", [])
        mine = evaluation_key(source.annotations, written(source.name))  # the name it is written under
        my_rules = _rule_paths(source.converted)
        my_ports = set(listen_ports(source.annotations))
        for obj in members:
            meta = as_mapping(obj.get("metadata"))
            name = f"{meta.get('namespace', 'default')}/{meta.get('name')}"
            annotations = as_mapping(meta.get("annotations"))
            if evaluation_key(annotations, name) >= mine:
                continue
            try:
                theirs = set(listen_ports(annotations))
            except ValueError:
                theirs = my_ports  # a value the controller refuses stops the group: not read as a way out
            if not theirs & my_ports:
                continue  # rules are per listener: on other ports they never meet
            shared = sorted(
                {
                    host or "(any host)"
                    for host, path, kind in my_rules
                    for other_host, other_path, other_kind in _rule_paths(obj)
                    if _hosts_meet(host, other_host) and _paths_meet(path, kind, other_path, other_kind)
                }
            )
            if shared:
                # It was said converted when its rules were written: it is not, after all.
                report.findings[:] = [
                    f
                    for f in report.findings
                    if not (f.ingress == source.name and f.annotation == source.allow_key and f.status == "converted")
                ]
                report.add(
                    source.name,
                    source.allow_key,
                    "lost-protection",
                    f"protected it with {len(source.allow)} client ranges, carried as source-ip conditions on its "
                    f"rules; but ALB Ingress {name} of the input (not converted here) joins the same group, is "
                    f"evaluated before it (group.order, then namespace/name) and routes {', '.join(shared)}, so its "
                    "rules would answer clients the ranges refuse: give that Ingress a higher group.order than "
                    "this one's, migrate into another group (--group), or give the group's Ingresses one list "
                    "(inbound-cidrs)",
                )
                break


def _rule_paths(ingress: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(host, path, pathType) of every path of an Ingress's rules ('' host: any). The conditions.<service>
    annotation of a path's backend adds its host-header and path-pattern values to the rule's own (v3.5.0
    model_build_listener_rules.go buildRuleConditions: one condition of each field, any value matching), so
    its rule also matches those hosts and paths (a pattern read as meeting any path). Its other conditions narrow
    the rule: not counted, so a rule is taken to match at least what it may."""
    found: list[tuple[str, str, str]] = []
    annotations = as_mapping(as_mapping(ingress.get("metadata")).get("annotations"))
    rules = as_mapping(ingress.get("spec")).get("rules")
    for rule in rules if isinstance(rules, list) else []:
        paths = as_mapping(as_mapping(rule).get("http")).get("paths")
        for path in paths if isinstance(paths, list) else []:
            path = as_mapping(path)
            hosts = [str(as_mapping(rule).get("host") or "")]
            patterns = [(str(path.get("path") or ""), str(path.get("pathType") or "ImplementationSpecific"))]
            service = as_mapping(as_mapping(path.get("backend")).get("service")).get("name")
            conditions = alb_conditions(annotations, str(service)) if service else None
            for condition in conditions or []:
                field = go_json_field(condition, "field")
                config = go_json_field(condition, "hostHeaderConfig" if field == "host-header" else "pathPatternConfig")
                values = go_json_field(config, "values") if isinstance(config, Mapping) else None
                texts = [str(v) for v in values] if isinstance(values, list) else []
                if field == "host-header":
                    hosts += texts if hosts != [""] else []
                elif field == "path-pattern":
                    patterns += [(text, "ImplementationSpecific") for text in texts]
            found += [(host, p, kind) for host in hosts for p, kind in patterns]
    return found


def _paths_meet(a: str, a_kind: str, b: str, b_kind: str) -> bool:
    """Whether some request path can match both (as the controller writes them); an ImplementationSpecific path
    (a glob, or a regex) or an empty one is taken to meet anything."""
    if "ImplementationSpecific" in (a_kind, b_kind) or not a or not b:
        return True
    return path_overlap(PathRoute(a, a_kind), PathRoute(b, b_kind)) or path_overlap(
        PathRoute(b, b_kind), PathRoute(a, a_kind)
    )


def _hosts_meet(a: str, b: str) -> bool:
    """Whether some request host matches both (ALB host matching: '*' any characters, no case)."""
    if not a or not b:
        return True
    a, b = a.lower(), b.lower()
    return fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)
