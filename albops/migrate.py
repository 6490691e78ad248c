"""``albops migrate``: turn ingress-nginx Ingresses into ALB Ingresses, and say exactly what did not carry over.

Everything that is not an ingress-nginx Ingress passes through unchanged and in order. Each converted
Ingress joins one ALB group, targets pods (``target-type: ip``), listens on HTTP and, with TLS, HTTPS
with a redirect where ingress-nginx would redirect, and uses a TLS 1.2+ policy.

Routing is converted per host across every input, because that is how ingress-nginx builds it: one
``rewrite-target`` or ``use-regex`` on any Ingress of a host turns every path of that host into a
case-insensitive regex anchored at the start (see ``albops.routes``). Each nginx location becomes an
ALB path in nginx's own order, as a regex path condition (letters widened to ``[aA]`` so case does
not matter) plus a ``transforms`` URL rewrite that yields the same upstream path, or is reported as
not converted with the reason. Ingresses that share a host get ``group.order`` values where the
default order would let the wrong rule match first.

Every ingress-nginx annotation ends up in the report: converted, approximated (with how), or not
converted (with why); none is dropped silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from albops.routes import ALB, NGINX, SAFE_TARGET, Block, Location, nginx_blocks, regex_host
from components.regions import RECOMMENDED_SSL_POLICY

LEGACY_CLASS = "kubernetes.io/ingress.class"
SSL_REDIRECT_KEYS = ("ssl-redirect", "force-ssl-redirect")
# ALB condition values (wildcard or regex) are at most 128 characters.
CONDITION_LIMIT = 128
# The ALB idle timeout's range, in seconds.
IDLE_TIMEOUT_RANGE = (1, 4000)
# ingress-nginx annotations that have no ALB equivalent, and why.
NO_EQUIVALENT = {
    "ssl-passthrough": "the ALB terminates TLS; passthrough needs an NLB with a TLS/TCP listener",
    "proxy-connect-timeout": "the ALB's connection timeout to targets is fixed at 10 s",
}
# Annotations that protect an Ingress (who may reach it), what each protected, and how to carry the
# protection over to an ALB. An Ingress that loses one is held back: converting it would publish it unprotected.
PROTECTIONS = {
    "auth-url": (
        "external authentication (every request checked at {value})",
        "ALB authentication: alb.ingress.kubernetes.io/auth-type: oidc (auth-idp-oidc) or cognito "
        "(auth-idp-cognito) on its HTTPS listener, or keep the check in the app",
    ),
    "auth-type": (
        "HTTP {value} authentication",
        "the ALB has no basic or digest authentication: use auth-type: oidc or cognito, or keep the check in the app",
    ),
    "auth-secret": ("credentials from Secret {value}", "see auth-type"),
    "auth-tls-verify-client": (
        "client certificates (auth-tls-verify-client: {value})",
        "ALB mutual TLS (alb.ingress.kubernetes.io/mutual-authentication with a trust store); it is set per "
        "listener, so it applies to every Ingress of the group",
    ),
    "auth-tls-secret": ("client certificates checked against CA Secret {value}", "see auth-tls-verify-client"),
    "configuration-snippet": (
        "raw nginx configuration (often where teams put access rules)",
        "port what it enforces: source ranges as inbound-cidrs, request filtering as WAF rules (wafv2-acl-arn), "
        "authentication as auth-type",
    ),
    "server-snippet": (
        "raw nginx server configuration (often where teams put access rules)",
        "port what it enforces: source ranges as inbound-cidrs, request filtering as WAF rules (wafv2-acl-arn), "
        "authentication as auth-type",
    ),
    "auth-snippet": ("raw nginx authentication configuration", "ALB authentication: auth-type oidc or cognito"),
    "enable-modsecurity": (
        "the ModSecurity web application firewall",
        "AWS WAF: alb.ingress.kubernetes.io/wafv2-acl-arn with the managed rule groups that match its rules",
    ),
    "modsecurity-snippet": ("ModSecurity rules", "AWS WAF rules (wafv2-acl-arn)"),
    "denylist-source-range": ("a deny list of client ranges ({value})", "AWS WAF IP set rules (wafv2-acl-arn)"),
    "blacklist-source-range": ("a deny list of client ranges ({value})", "AWS WAF IP set rules (wafv2-acl-arn)"),
}
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
# ingress-nginx's defaults for the timeouts (seconds).
NGINX_TIMEOUT_DEFAULT = 60


# How much a finding matters, most first: an Ingress that lost its protection is never written.
SEVERITIES = ("lost-protection", "not-converted", "approximated", "note")


@dataclass
class Finding:
    ingress: str
    annotation: str
    status: str  # converted | approximated | not-converted | note | lost-protection
    detail: str

    @property
    def severity(self) -> str:
        """One of SEVERITIES: what a converted setting still needs from a reader is a note."""
        return "note" if self.status == "converted" else self.status

    def __str__(self) -> str:
        return f"{self.ingress}: {self.annotation}: {self.status}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {**self.__dict__, "severity": self.severity}


@dataclass
class Options:
    group: str = "migrated"
    certificate_arn: str | None = None
    scheme: str = "internet-facing"
    ingress_class: str = "alb"
    include_classless: bool = False
    controller_config: dict[str, str] = field(default_factory=dict)
    # Write Ingresses that lost a protection anyway (still reported).
    allow_unprotected: bool = False
    # IngressClass names ingress-nginx serves besides "nginx" (--nginx-class).
    nginx_classes: tuple[str, ...] = ()


@dataclass
class Report:
    group: str
    converted: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    # Ingresses not written because they would lose a protection (unless --allow-unprotected).
    held_back: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(f.status in ("converted", "note") for f in self.findings)

    @property
    def unprotected(self) -> list[str]:
        """Every Ingress that loses a protection in conversion, in the order found."""
        return list(dict.fromkeys(f.ingress for f in self.findings if f.status == "lost-protection"))

    def add(self, ingress: str, annotation: str, status: str, detail: str) -> None:
        self.findings.append(Finding(ingress, annotation, status, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "converted": self.converted,
            "heldBack": self.held_back,
            "exact": self.exact,
            "findings": [f.as_dict() for f in self.findings],
        }

    def render(self) -> str:
        lines = [f"{len(self.converted)} ingress-nginx Ingresses converted into ALB group {self.group!r}"]
        order = {severity: i for i, severity in enumerate(SEVERITIES)}
        lines += [f"  [{f.severity}] {f}" for f in sorted(self.findings, key=lambda f: order[f.severity])]
        if self.held_back:
            lines.append(
                f"held back (would lose their protection): {', '.join(self.held_back)}; nothing was written to "
                "stdout. Carry the protection over as each line says, or pass --allow-unprotected"
            )
        lines.append(
            "everything converted exactly" if self.exact else "some settings were approximated or not converted"
        )
        return "\n".join(lines)


# API versions of Ingress that Kubernetes 1.22 and later no longer serve; their objects are rewritten as v1.
OLD_INGRESS_VERSIONS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
# What the API server sets on an object it stores; `kubectl get -o yaml` prints them, and `kubectl apply`
# refuses (resourceVersion, uid) or mis-merges (the old last-applied configuration) them.
SERVER_FIELDS: tuple[str, ...] = ("creationTimestamp", "resourceVersion", "uid", "managedFields", "selfLink")
SERVER_FIELDS += ("generation", "deletionTimestamp", "deletionGracePeriodSeconds")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
INGRESS_NGINX_CONTROLLER = "k8s.io/ingress-nginx"
# ingress-nginx's annotation prefix before it became nginx.ingress.kubernetes.io; it reads it no longer.
OLD_PREFIX = "ingress.kubernetes.io/"


def _objects(documents: list[Any]) -> Iterator[dict[str, Any]]:
    """Every object, the items of List objects included."""
    for document in documents:
        if not isinstance(document, dict):
            continue
        if str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
            yield from _objects(document["items"])
        else:
            yield document


def strip_server_fields(obj: dict[str, Any], report: Report) -> None:
    """Drop what only the API server may set, so the output applies as a new object."""
    metadata = obj.get("metadata")
    dropped = ["status"] if obj.pop("status", None) is not None else []
    if isinstance(metadata, dict):
        dropped += [f"metadata.{key}" for key in SERVER_FIELDS if metadata.pop(key, None) is not None]
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and annotations.pop(LAST_APPLIED, None) is not None:
            dropped.append(f"annotation {LAST_APPLIED}")
    if dropped:
        report.add(_display(obj), "server fields", "note", f"dropped {', '.join(dropped)} (set by the API server)")


def _display(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = f"{meta.get('namespace', 'default')}/{meta.get('name')}" if meta else "(unnamed)"
    return name if obj.get("kind") == "Ingress" else f"{obj.get('kind')} {name}"


def _v1_backend(backend: Any) -> Any:
    """A v1beta1 backend (serviceName, servicePort) as v1 (service.name, service.port.number|name)."""
    if not isinstance(backend, dict) or "serviceName" not in backend:
        return backend
    port = backend.get("servicePort")
    numeric = isinstance(port, int) or (isinstance(port, str) and port.isdigit())
    return {
        "service": {
            "name": backend["serviceName"],
            "port": {"number": int(str(port))} if numeric else {"name": str(port)},
        }
    }


def upgrade_ingress(ingress: dict[str, Any], report: Report) -> None:
    """Rewrite an Ingress of a retired API version, or written in its form, as networking.k8s.io/v1."""
    version = str(ingress.get("apiVersion"))
    spec: dict[str, Any] = ingress["spec"] if isinstance(ingress.get("spec"), dict) else {}
    paths = [
        path
        for rule in spec.get("rules") or []
        if isinstance(rule, dict)
        for path in ((rule.get("http") or {}).get("paths") or [])
        if isinstance(path, dict)
    ]
    old_form = any("serviceName" in (p.get("backend") or {}) for p in paths) or "backend" in spec
    if version not in OLD_INGRESS_VERSIONS and not old_form:
        return
    ingress["apiVersion"] = "networking.k8s.io/v1"
    if "backend" in spec:
        spec["defaultBackend"] = _v1_backend(spec.pop("backend"))
    untyped = 0
    for path in paths:
        path["backend"] = _v1_backend(path.get("backend"))
        if "pathType" not in path:
            path["pathType"] = "ImplementationSpecific"  # what the v1beta1 API server defaulted it to
            untyped += 1
    name = _display(ingress)
    if version in OLD_INGRESS_VERSIONS:
        report.add(
            name,
            "apiVersion",
            "note",
            f"upgraded from {version} (not served since Kubernetes 1.22) to networking.k8s.io/v1: serviceName/"
            f"servicePort became service.name/port; {untyped} paths without pathType are ImplementationSpecific, "
            "as the v1beta1 API server defaulted them",
        )
    else:
        report.add(
            name,
            "spec.rules.backend",
            "approximated",
            "invalid input: written as networking.k8s.io/v1 but with v1beta1 backends (serviceName/servicePort), "
            "which the API server refuses; read as the v1beta1 form means"
            + (f", {untyped} paths without pathType as ImplementationSpecific" if untyped else ""),
        )


def nginx_classes(documents: list[Any], options: Options) -> frozenset[str]:
    """IngressClass names ingress-nginx serves: nginx, --nginx-class, and IngressClasses of its controller."""
    named = {"nginx", *options.nginx_classes}
    for obj in _objects(documents):
        if obj.get("kind") == "IngressClass" and (obj.get("spec") or {}).get("controller") == INGRESS_NGINX_CONTROLLER:
            named.add(str((obj.get("metadata") or {}).get("name")))
    return frozenset(named)


def ingress_class(ingress: dict[str, Any]) -> str | None:
    spec = ingress.get("spec") or {}
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    value = spec.get("ingressClassName") or annotations.get(LEGACY_CLASS)
    return str(value) if value else None


def is_nginx_ingress(obj: Any, options: Options, classes: frozenset[str] = frozenset({"nginx"})) -> bool:
    if not isinstance(obj, dict) or obj.get("kind") != "Ingress":
        return False
    cls = ingress_class(obj)
    return cls in classes or (cls is None and options.include_classless)


def _name(ingress: dict[str, Any]) -> str:
    meta = ingress.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class Source:
    """One ingress-nginx Ingress on its way to becoming an ALB Ingress."""

    name: str
    converted: dict[str, Any]
    nginx: dict[str, str]  # its nginx annotations, over the controller ConfigMap's defaults
    annotations: dict[str, str]  # the ALB Ingress's annotations, filled in as conversion goes
    # nginx annotations the Ingress itself carries (not the ConfigMap's defaults): each needs a report line.
    own: frozenset[str] = frozenset()

    def flag(self, key: str) -> bool:
        return str(self.nginx.get(key, "")).lower() == "true"

    @property
    def canary(self) -> bool:
        return self.flag("canary")


def convert_ingress(ingress: dict[str, Any], options: Options, report: Report) -> Source:
    """The per-Ingress part: class, listeners, TLS and the annotations that concern only this Ingress."""
    name = _name(ingress)
    converted: dict[str, Any] = json.loads(json.dumps(ingress))  # a deep copy that keeps key order
    metadata = converted.setdefault("metadata", {})
    old = dict(metadata.get("annotations") or {})
    nginx = {k: str(options.controller_config[k]) for k in GLOBAL_DEFAULTS if k in options.controller_config}
    nginx.update({k.removeprefix(NGINX): str(v) for k, v in old.items() if k.startswith(NGINX)})
    own = {k.removeprefix(NGINX) for k in old if k.startswith(NGINX)}
    spec = converted.setdefault("spec", {})
    tls = spec.get("tls") or []

    annotations = {k: str(v) for k, v in old.items() if not k.startswith((NGINX, OLD_PREFIX)) and k != LEGACY_CLASS}
    for key in sorted(k for k in old if k.startswith(OLD_PREFIX)):
        report.add(
            name,
            key,
            "not-converted",
            f"dropped: ingress-nginx reads annotations under {NGINX} only (its default --annotations-prefix), so "
            "this one had no effect; give it that prefix first if it was meant to",
        )
    source = Source(name, converted, nginx, annotations, frozenset(own))
    https = bool(tls) or options.certificate_arn is not None
    redirect = bool(tls) and nginx.get("ssl-redirect", "true").lower() != "false"
    if nginx.get("force-ssl-redirect", "false").lower() == "true":
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
            ALB + "listen-ports": _compact(ports),
        }
    )
    if https:
        annotations[ALB + "ssl-policy"] = RECOMMENDED_SSL_POLICY
    if redirect:
        annotations[ALB + "ssl-redirect"] = "443"
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

    for short in sorted(own - ROUTING_KEYS):
        key = NGINX + short
        value = nginx[short]
        if short in SSL_REDIRECT_KEYS:
            report.add(name, key, "converted", "as ssl-redirect on the ALB's HTTP listener")
        elif short == "affinity" and value.lower() == "cookie":
            seconds = _cookie_seconds(nginx)
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
            raw, seconds = nginx.get("session-cookie-max-age", ""), _cookie_seconds(nginx)
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
        elif short in PROTECTIONS:
            what, how = PROTECTIONS[short]
            report.add(
                name, key, "lost-protection", f"protected it with {what.format(value=value)}; carry it over: {how}"
            )
        elif short in NO_EQUIVALENT:
            report.add(name, key, "not-converted", NO_EQUIVALENT[short])
        elif short == "backend-protocol" and value.upper() in ("HTTP", "HTTPS"):
            annotations[ALB + "backend-protocol"] = value.upper()
            report.add(name, key, "converted", f"backend-protocol {value.upper()}")
        else:
            report.add(name, key, "not-converted", "no conversion in this version; review it by hand (README, migrate)")
    metadata["annotations"] = annotations
    return source


def _cookie_seconds(nginx: Mapping[str, str]) -> int:
    """The stickiness duration for nginx's cookie age: ELB takes 1 s to 7 days (default: nginx's 86400)."""
    raw = nginx.get("session-cookie-max-age", "86400")
    return min(max(int(raw) if raw.isdigit() else 86400, 1), 604800)


# --- routing: paths, rewrites, redirects and canaries, per host across all inputs ------------------


def case_insensitive(regex: str) -> str | None:
    """``regex`` matching letters in either case without a flag (ALB regexes take none), or None.

    Letters become ``[aA]``; inside a class, each letter or letter range gains its other case. Escapes
    are kept as they are; constructs the ALB does not support (back-references, ``(?`` groups,
    Unicode classes) give None.
    """
    out: list[str] = []
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            escaped = regex[i + 1 : i + 2]
            if not escaped or escaped.isdigit() or escaped in "pPkgQEXRK":
                return None
            out.append(regex[i : i + 2])
            i += 2
        elif c == "[":
            end = i + 1 + (regex[i + 1 : i + 2] == "^")
            end += regex[end : end + 1] == "]"
            while end < len(regex) and regex[end] != "]":
                end += 2 if regex[end] == "\\" else 1
            if end >= len(regex):
                return None
            body = regex[i + 1 : end]
            extra = "".join(
                (a.swapcase() + ("-" + b.swapcase() if b else ""))
                for a, b in re.findall(r"(?<!\\)([A-Za-z])(?:-([A-Za-z]))?", body)
            )
            out.append("[" + body + extra + "]")
            i = end + 1
        elif c == "(" and regex[i + 1 : i + 2] == "?":
            return None
        elif c.isascii() and c.isalpha():
            out.append(f"[{c.lower()}{c.upper()}]")
            i += 1
        else:
            out.append(c)
            i += 1
    result = "".join(out)
    try:
        re.compile(result)
    except re.error:
        return None
    return result


def literal_prefix(path: str, regex: bool) -> str:
    """The literal start every match of ``path`` begins with (lower-cased for regexes)."""
    if not regex:
        return path
    out = ""
    for i, c in enumerate(path):
        if c in ".^$*+?()[]{}|\\":
            if c in "*?{" and out:
                out = out[:-1]
            break
        if path[i + 1 : i + 2] in ("*", "?", "{"):
            break
        out += c
    return out.lower()


def regex_literal(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in text)


@dataclass
class AlbPath:
    """One ALB path for one nginx location block."""

    block: Block
    kind: str  # Exact | Prefix | wildcard | regex
    value: str  # for regex: the regex; otherwise the path value
    transform: tuple[str, str] | None = None  # (regex, replace)
    action: dict[str, Any] | None = None  # a redirect or weighted forward instead of the plain service
    conditions: list[dict[str, Any]] = field(default_factory=list)
    key_hint: str = ""

    @property
    def match_prefix(self) -> str:
        return literal_prefix(self.block.path, self.block.modifier == "~*")


def _regex_path(block: Block, report: Report) -> AlbPath | None:
    loc = block.location
    regex = block.path
    problem = _unsupported_regex(regex)
    if problem:
        report.add(loc.ingress, f"path {loc.path!r}", "not-converted", f"{problem}; the path was left out")
        return None
    widened = case_insensitive(regex)
    has_letters = any(c.isalpha() for c in re.sub(r"\\.", "", regex))
    condition = "^" + (widened or regex)
    if len(condition) > CONDITION_LIMIT:
        if len("^" + regex) > CONDITION_LIMIT:
            report.add(
                loc.ingress,
                f"path {loc.path!r}",
                "not-converted",
                f"as an ALB regex it exceeds the {CONDITION_LIMIT}-character condition limit; the path was left out",
            )
            return None
        condition = "^" + regex
        widened = None
    if widened is None and has_letters:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "approximated",
            "matched case-sensitively: ingress-nginx matched it in any case, and the case-insensitive form "
            f"does not fit the ALB's {CONDITION_LIMIT}-character limit",
        )
    transform = None
    if loc.needs_rewrite and loc.rewrite is not None:
        target = loc.rewrite
        groups = re.compile(regex).groups
        if not SAFE_TARGET.fullmatch(target):
            report.add(
                loc.ingress,
                NGINX + "rewrite-target",
                "not-converted",
                f"target {target!r} for path {loc.path!r} is not a path built from its capture groups $1..${groups} "
                "(nginx variables, queries and redirects have no ALB transform); the path was left out",
            )
            return None
        # nginx substitutes an empty string for a group the path does not have; so does the replacement.
        replace = re.sub(r"\$([1-9])", lambda m: m.group(0) if int(m.group(1)) <= groups else "", target)
        transform = (condition + ".*$", replace)
    return AlbPath(block, "regex", condition, transform)


def _unsupported_regex(regex: str) -> str | None:
    try:
        re.compile(regex)
    except re.error as error:
        return f"not a regular expression ({error})"
    if not regex.isascii():
        return "has non-ASCII characters, which nginx and the ALB compare differently"
    if re.search(r"\(\?|\\[0-9pPkgQEXRK]", regex):
        return "uses lookarounds, back-references or inline flags, which ALB regexes do not support"
    return None


def _plain_path(block: Block, report: Report) -> AlbPath | None:
    loc = block.location
    if block.modifier == "=":
        return AlbPath(block, "Exact", block.path)
    if "*" in block.path or "?" in block.path:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            "'*' and '?' are wildcards in ALB paths but literal in nginx prefixes; the path was left out",
        )
        return None
    if loc.path_type == "Prefix" and block.path == "/":
        return AlbPath(block, "Prefix", "/")
    if loc.path_type == "Prefix" and not loc.path.endswith("/") and block.path == loc.path + "/":
        return AlbPath(block, "Prefix", loc.path)
    if len(block.path) + 1 > CONDITION_LIMIT:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            f"longer than the ALB's {CONDITION_LIMIT}-character limit",
        )
        return None
    return AlbPath(block, "wildcard", block.path + "*")


def _redirect_action(source: Source, report: Report) -> dict[str, Any] | None:
    for kind, default_code in (("permanent-redirect", "301"), ("temporal-redirect", "302")):
        url = source.nginx.get(kind)
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            report.add(source.name, NGINX + kind, "not-converted", f"{url!r} is not an http(s) URL")
            return None
        code = source.nginx.get(kind + "-code", default_code)
        status = {"301": "HTTP_301", "302": "HTTP_302"}.get(code)
        if status is None:
            status = "HTTP_301" if kind.startswith("permanent") else "HTTP_302"
            report.add(
                source.name,
                NGINX + kind + "-code",
                "approximated",
                f"{code} became {status[5:]}: ALB redirects are 301 or 302",
            )
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
        report.add(source.name, NGINX + kind, "converted", f"as an ALB redirect action ({status[5:]}) on every path")
        return {
            "type": "redirect",
            "redirectConfig": {
                "protocol": parts.scheme.upper(),
                "host": parts.hostname,
                "port": port,
                "path": parts.path or "/",
                "query": parts.query,
                "statusCode": status,
            },
        }
    return None


def _collect(sources: list[Source], report: Report) -> dict[str, list[Location]]:
    """Every non-canary location by host, first definition of a host and path winning as in ingress-nginx."""
    by_host: dict[str, list[Location]] = {}
    seen: dict[tuple[str, str], str] = {}
    for source in sources:
        if source.canary:
            continue
        rewrite = source.nginx.get("rewrite-target")
        use_regex = source.flag("use-regex")
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            for path in (rule.get("http") or {}).get("paths") or []:
                value = str(path.get("path") or "/")
                backend = ((path.get("backend") or {}).get("service")) or {}
                if not backend.get("name"):
                    report.add(
                        source.name, f"path {value!r}", "not-converted", "its backend is not a Service; left out"
                    )
                    continue
                path_type = path.get("pathType") or "ImplementationSpecific"
                if path_type not in PATH_TYPES:
                    report.add(
                        source.name,
                        f"path {value!r}",
                        "not-converted",
                        f"invalid input: pathType {path_type!r} is not one of {', '.join(PATH_TYPES)} (the API server "
                        "refuses the Ingress as written); left out: fix the pathType",
                    )
                    continue
                if (host, value) in seen:
                    report.add(
                        source.name,
                        f"path {value!r}",
                        "not-converted",
                        f"host {host or '*'!r} already has this path from {seen[host, value]}, which ingress-nginx "
                        "kept; left out",
                    )
                    continue
                seen[host, value] = source.name
                by_host.setdefault(host, []).append(
                    Location(
                        source.name,
                        host,
                        value,
                        str(path.get("pathType") or "ImplementationSpecific"),
                        str(backend["name"]),
                        dict(backend.get("port") or {}),
                        rewrite,
                        use_regex,
                    )
                )
    for source in sources:
        _default_backend(source, by_host, seen, report)
    return by_host


def _default_backend(
    source: Source, by_host: dict[str, list[Location]], seen: dict[tuple[str, str], str], report: Report
) -> None:
    """An Ingress's defaultBackend: the root of each host it opens first, as ingress-nginx places it."""
    spec = source.converted.get("spec") or {}
    backend = (spec.get("defaultBackend") or {}).get("service")
    if not backend or source.canary:
        return
    if not spec.get("rules"):
        report.add(
            source.name,
            "spec.defaultBackend",
            "approximated",
            "kept as the ALB listener's default action: it also answers unmatched paths of known hosts, "
            "where ingress-nginx answered 404",
        )
        return
    del spec["defaultBackend"]
    for rule in spec["rules"]:
        host = str(rule.get("host") or "")
        first = next((loc.ingress for loc in by_host.get(host, [])), source.name)
        if (host, "/") in seen or first != source.name:
            continue
        seen[host, "/"] = source.name
        rule.setdefault("http", {"paths": []})
        by_host.setdefault(host, []).append(
            Location(
                source.name,
                host,
                "/",
                "Prefix",
                str(backend["name"]),
                dict(backend.get("port") or {}),
                source.nginx.get("rewrite-target"),
                source.flag("use-regex"),
            )
        )
    report.add(
        source.name,
        "spec.defaultBackend",
        "converted",
        "as the '/' path of each host it opened, after that host's other paths, as ingress-nginx routed it",
    )


def _canaries(sources: list[Source], paths: dict[str, list[AlbPath]], report: Report) -> None:
    """Fold each canary Ingress into the paths it shadows: weighted forwards and header conditions."""
    for source in sources:
        if not source.canary:
            continue
        matched = 0
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            for path in (rule.get("http") or {}).get("paths") or []:
                value = str(path.get("path") or "/")
                canary = (path.get("backend") or {}).get("service") or {}
                for alb in list(paths.get(host, [])):
                    loc = alb.block.location
                    if loc.path != value or alb.key_hint == "canary-header" or alb.action is not None:
                        continue
                    matched += 1
                    _add_canary(source, alb, canary, paths[host], report)
        if matched == 0:
            report.add(source.name, NGINX + "canary", "not-converted", "no converted Ingress has its host and path")


def _add_canary(
    source: Source, alb: AlbPath, canary: dict[str, Any], host_paths: list[AlbPath], report: Report
) -> None:
    loc = alb.block.location
    main = {"serviceName": loc.service, "servicePort": _port(loc.port)}
    target = {"serviceName": canary.get("name"), "servicePort": _port(canary.get("port") or {})}
    total = _number(source, "canary-weight-total", 100, report)
    weight = min(_number(source, "canary-weight", 0, report), total)
    if weight:
        alb.action = {
            "type": "forward",
            "forwardConfig": {"targetGroups": [{**main, "weight": total - weight}, {**target, "weight": weight}]},
        }
        report.add(
            source.name, NGINX + "canary-weight", "converted", f"{weight}/{total} of {loc.path!r} as a weighted forward"
        )
    header = source.nginx.get("canary-by-header")
    if header:
        value = source.nginx.get("canary-by-header-value", "always")
        extra = AlbPath(
            alb.block,
            alb.kind,
            alb.value,
            alb.transform,
            {"type": "forward", "forwardConfig": {"targetGroups": [target]}},
            [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": header, "values": [value]}}],
            "canary-header",
        )
        host_paths.insert(host_paths.index(alb), extra)
        report.add(
            source.name,
            NGINX + "canary-by-header",
            "approximated",
            f"{header}: {value} as a header condition; the ALB compares header values case-insensitively"
            + ("" if "canary-by-header-value" in source.nginx else ", and 'never' has no rule of its own"),
        )


def _number(source: Source, key: str, default: int, report: Report) -> int:
    """A non-negative integer annotation; anything else is reported and the default used."""
    raw = source.nginx.get(key, "").strip()
    if raw.isdigit():
        return int(raw)
    if raw:
        report.add(source.name, NGINX + key, "not-converted", f"{raw!r} is not a whole number; {default} used")
    return default


def _port(port: Mapping[str, Any]) -> Any:
    return port.get("number", port.get("name"))


def _order(sources: list[Source], paths: dict[str, list[AlbPath]], report: Report) -> None:
    """Give Ingresses that share a host group.order values where nginx's order needs them."""
    edges: set[tuple[str, str]] = set()
    hostless = paths.get("", [])
    for host, host_paths in paths.items():
        sequence = host_paths + ([] if host == "" else hostless)
        for i, first in enumerate(sequence):
            for later in sequence[i + 1 :]:
                a, b = first.block.location.ingress, later.block.location.ingress
                if a != b and _overlap(first, later):
                    edges.add((a, b))
    if not edges:
        return
    names = sorted({n for edge in edges for n in edge})
    if all(a < b for a, b in edges):
        return  # namespace/name order already puts them right
    ordered: list[str] = []
    remaining = set(names)
    while remaining:
        ready = sorted(n for n in remaining if not any(b == n and a in remaining for a, b in edges))
        if not ready:
            report.add(
                ", ".join(sorted(remaining)),
                "rule order",
                "not-converted",
                "their paths overlap in both orders, which one ALB group cannot express; merge them into one Ingress",
            )
            ordered += sorted(remaining)
            break
        ordered.append(ready[0])
        remaining.discard(ready[0])
    by_name = {s.name: s for s in sources}
    for position, name in enumerate(ordered, start=1):
        by_name[name].annotations[ALB + "group.order"] = str(position)
    report.add(
        "*", "group.order", "note", "set on " + ", ".join(ordered) + " so the ALB tries their paths in nginx's order"
    )


def _overlap(a: AlbPath, b: AlbPath) -> bool:
    if a.block.modifier == "=" and b.block.modifier == "=":
        return a.block.path == b.block.path
    pa, pb = a.match_prefix, b.match_prefix
    if a.block.modifier == "~*" or b.block.modifier == "~*":
        pa, pb = pa.lower(), pb.lower()
    return pa.startswith(pb) or pb.startswith(pa)


def _emit(source: Source, paths: dict[str, list[AlbPath]], report: Report) -> None:
    """Write the ALB paths, actions, conditions and transforms of one source into its Ingress."""
    spec = source.converted.setdefault("spec", {})
    mine = {
        host: [p for p in host_paths if p.block.location.ingress == source.name] for host, host_paths in paths.items()
    }
    regex_paths = any(p.kind == "regex" for host_paths in mine.values() for p in host_paths)
    keys: dict[str, str] = {}  # backend name -> the JSON it stands for, so one name never means two things
    new_rules: list[dict[str, Any]] = []
    hosts_done: set[str] = set()
    for rule in spec.get("rules") or []:
        host = str(rule.get("host") or "")
        if host in hosts_done:
            continue
        hosts_done.add(host)
        if "http" not in rule:
            new_rules.append(rule)
            continue
        out: list[dict[str, Any]] = []
        for alb in mine.get(host, []):
            out.append(_emit_path(source, alb, regex_paths, keys))
        new_rule = {k: v for k, v in rule.items() if k != "http"}
        if out:
            new_rule["http"] = {"paths": out}
            new_rules.append(new_rule)
    if spec.get("rules") is not None:
        spec["rules"] = new_rules
    if regex_paths:
        source.annotations[ALB + "use-regex-path-match"] = "true"


def _emit_path(source: Source, alb: AlbPath, regex_paths: bool, keys: dict[str, str]) -> dict[str, Any]:
    loc = alb.block.location
    if alb.kind == "regex":
        path = {"path": "/" + alb.value, "pathType": "ImplementationSpecific"}
    elif alb.kind == "wildcard" and regex_paths:
        path = {"path": "/^" + regex_literal(alb.value[:-1]), "pathType": "ImplementationSpecific"}
    elif alb.kind == "wildcard":
        path = {"path": alb.value, "pathType": "ImplementationSpecific"}
    else:
        path = {"path": alb.value, "pathType": alb.kind}
    transforms = (
        _compact(
            [
                {
                    "type": "url-rewrite",
                    "urlRewriteConfig": {"rewrites": [{"regex": alb.transform[0], "replace": alb.transform[1]}]},
                }
            ]
        )
        if alb.transform
        else None
    )
    conditions = _compact(alb.conditions) if alb.conditions else None
    action = _compact(alb.action) if alb.action else None
    if action is None and conditions is None and keys.get(loc.service, transforms or "") == (transforms or ""):
        keys[loc.service] = transforms or ""
        if transforms:
            source.annotations[ALB + f"transforms.{loc.service}"] = transforms
        return {**path, "backend": {"service": {"name": loc.service, "port": dict(loc.port)}}}
    if action is None:
        action = _compact(
            {
                "type": "forward",
                "forwardConfig": {"targetGroups": [{"serviceName": loc.service, "servicePort": _port(dict(loc.port))}]},
            }
        )
    digest = hashlib.sha256(f"{action}|{conditions}|{transforms}".encode()).hexdigest()[:6]
    kind = alb.action["type"] if alb.action else "rewrite"
    hint = alb.key_hint or {"redirect": "redirect", "forward": "weighted"}.get(kind, kind)
    name = f"{loc.service[:40]}-{hint}-{digest}"
    source.annotations[ALB + f"actions.{name}"] = action
    if conditions:
        source.annotations[ALB + f"conditions.{name}"] = conditions
    if transforms:
        source.annotations[ALB + f"transforms.{name}"] = transforms
    return {**path, "backend": {"service": {"name": name, "port": {"name": "use-annotation"}}}}


def route(sources: list[Source], report: Report) -> None:
    """Convert every path of every source, per host, in ingress-nginx's order."""
    by_host = _collect(sources, report)
    paths: dict[str, list[AlbPath]] = {}
    for host, locations in by_host.items():
        blocks = nginx_blocks(locations)
        out: list[AlbPath] = []
        exact_regex = regex_host(locations)
        for block in blocks:
            # A Prefix path's exact copy is covered by the ALB Prefix path itself.
            if not exact_regex and block.modifier == "=" and block.location.path_type == "Prefix":
                continue
            alb = _regex_path(block, report) if exact_regex else _plain_path(block, report)
            if alb is not None:
                out.append(alb)
        if not exact_regex:
            out.sort(key=lambda p: p.kind != "Exact")  # nginx tries exact locations before any prefix
        paths[host] = out
    redirects: dict[str, dict[str, Any] | None] = {}
    for source in sources:
        if source.nginx.get("permanent-redirect") or source.nginx.get("temporal-redirect"):
            redirects[source.name] = _redirect_action(source, report)
        for key in ("rewrite-target", "use-regex"):
            if key in source.nginx and not source.canary:
                report.add(
                    source.name, NGINX + key, "converted", "as ALB regex paths and transforms, per host (see README)"
                )
    for host_paths in paths.values():
        for alb in host_paths:
            alb.action = redirects.get(alb.block.location.ingress)
    _app_roots(sources, paths, report)
    _canaries(sources, paths, report)
    _order(sources, paths, report)
    for source in sources:
        if not source.canary:
            _emit(source, paths, report)


def _app_roots(sources: list[Source], paths: dict[str, list[AlbPath]], report: Report) -> None:
    for source in sources:
        root = source.nginx.get("app-root")
        if not root or source.canary:
            continue
        if not root.startswith("/") or not SAFE_TARGET.fullmatch(root.replace("$", "")):
            report.add(source.name, NGINX + "app-root", "not-converted", f"{root!r} is not a plain path")
            continue
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            location = Location(source.name, host, "/", "Exact", "app-root")
            redirect = {
                "type": "redirect",
                "redirectConfig": {"path": root, "query": "", "statusCode": "HTTP_302"},
            }
            paths.setdefault(host, []).insert(0, AlbPath(Block("=", "/", location), "Exact", "/", None, redirect))
        report.add(source.name, NGINX + "app-root", "converted", f"'/' redirects (302) to {root!r}")


# --- settings an ALB holds once for the whole group ----------------------------------------------


def group_settings(sources: list[Source], report: Report) -> None:
    """Source ranges and timeouts: group-wide on the ALB, so emitted only when every Ingress agrees."""
    live = [s for s in sources if not s.canary]
    if not live:
        return
    ranges = {s.name: _cidrs(s.nginx.get("whitelist-source-range", "")) for s in live}
    if any(ranges.values()):
        if len(set(ranges.values())) == 1:
            cidrs = next(iter(ranges.values()))
            live[0].annotations[ALB + "inbound-cidrs"] = ",".join(cidrs)
            for s in live:
                report.add(
                    s.name,
                    NGINX + "whitelist-source-range",
                    "approximated",
                    "as the ALB's inbound-cidrs (every converted Ingress agrees): other clients cannot connect, "
                    "where ingress-nginx answered 403; it also applies to any other Ingress in the group",
                )
        else:
            for s in live:
                if ranges[s.name]:
                    _source_ip_conditions(s, ranges[s.name], report)
    for s in live:
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            raw = s.nginx.get(key, "").strip()
            if raw and not raw.isdigit():
                report.add(s.name, NGINX + key, "not-converted", f"{raw!r} is not a whole number of seconds; ignored")
    timeouts = {s.name: _timeout(s) for s in live}
    if any(v is not None for v in timeouts.values()):
        values = {v if v is not None else NGINX_TIMEOUT_DEFAULT for v in timeouts.values()}
        if len(values) == 1:
            seconds = min(max(values.pop(), IDLE_TIMEOUT_RANGE[0]), IDLE_TIMEOUT_RANGE[1])
            live[0].annotations[ALB + "load-balancer-attributes"] = f"idle_timeout.timeout_seconds={seconds}"
            status, detail = (
                "approximated",
                f"as the ALB idle timeout ({seconds} s), which every converted Ingress agrees on; it counts "
                "idle time on both connections, not one read or send",
            )
        else:
            status, detail = (
                "not-converted",
                "the ALB has one idle timeout for the whole group and the converted Ingresses disagree "
                f"({sorted(v if v is not None else NGINX_TIMEOUT_DEFAULT for v in timeouts.values())}); "
                "set load-balancer-attributes on one Ingress by hand",
            )
        for s in live:
            for key in ("proxy-read-timeout", "proxy-send-timeout"):
                if s.nginx.get(key, "").strip().isdigit():
                    report.add(s.name, NGINX + key, status, detail)


def _cidrs(value: str) -> tuple[str, ...]:
    return tuple(sorted(v.strip() for v in value.split(",") if v.strip()))


def _timeout(source: Source) -> int | None:
    values = [source.nginx.get(k) for k in ("proxy-read-timeout", "proxy-send-timeout")]
    numbers = [int(v) for v in values if v and v.strip().isdigit()]
    return max(numbers) if numbers else None


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
    condition = _compact([{"field": "source-ip", "sourceIpConfig": {"values": list(cidrs)}}])
    for rule in (source.converted.get("spec") or {}).get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            backend = path["backend"]["service"]
            existing = json.loads(source.annotations.get(ALB + f"conditions.{backend['name']}", "[]"))
            if backend.get("port", {}).get("name") != "use-annotation":
                name = backend["name"]
                action = {
                    "type": "forward",
                    "forwardConfig": {"targetGroups": [{"serviceName": name, "servicePort": _port(backend["port"])}]},
                }
                new = f"{name[:40]}-src-{hashlib.sha256(_compact(action).encode()).hexdigest()[:6]}"
                source.annotations[ALB + f"actions.{new}"] = _compact(action)
                if ALB + f"transforms.{name}" in source.annotations:
                    source.annotations[ALB + f"transforms.{new}"] = source.annotations[ALB + f"transforms.{name}"]
                path["backend"] = {"service": {"name": new, "port": {"name": "use-annotation"}}}
                name = new
            else:
                name = backend["name"]
            source.annotations[ALB + f"conditions.{name}"] = _compact(existing + json.loads(condition))
    report.add(
        source.name,
        key,
        "approximated",
        "as source-ip conditions on its own rules (the group's Ingresses disagree, so no inbound-cidrs): "
        "other clients fall through to later rules or the 404 default, where ingress-nginx answered 403",
    )


# --- the whole run ------------------------------------------------------------------------------


def _nginx_ingresses(
    documents: list[Any], options: Options, classes: frozenset[str]
) -> Iterator[tuple[list[Any], int]]:
    """(container, index) of every ingress-nginx Ingress, including those inside List objects."""
    for i, document in enumerate(documents):
        if is_nginx_ingress(document, options, classes):
            yield documents, i
        elif isinstance(document, dict) and str(document.get("kind", "")).endswith("List"):
            items = document.get("items")
            if isinstance(items, list):
                yield from _nginx_ingresses(items, options, classes)


def migrate(documents: list[Any], options: Options) -> tuple[list[Any], Report]:
    report = Report(group=options.group)
    output: list[Any] = json.loads(json.dumps(documents))
    classes = nginx_classes(output, options)
    for obj in _objects(output):
        strip_server_fields(obj, report)
        if obj.get("kind") == "Ingress":
            upgrade_ingress(obj, report)
            if not is_nginx_ingress(obj, options, classes):
                cls = ingress_class(obj)
                why = (
                    f"class {cls!r} is not one ingress-nginx serves here (add --nginx-class {cls} if it is)"
                    if cls
                    else "it has no class (add --include-classless if ingress-nginx serves it)"
                )
                report.add(_display(obj), "ingress class", "note", f"skipped, passed through unchanged: {why}")
    places = list(_nginx_ingresses(output, options, classes))
    sources = [convert_ingress(container[i], options, report) for container, i in places]
    route(sources, report)
    group_settings(sources, report)
    gone = []
    unprotected = set(report.unprotected)
    for (container, i), source in zip(places, sources, strict=True):
        if source.name in unprotected and not options.allow_unprotected:
            report.held_back.append(source.name)
            gone.append((container, i))
            continue
        if source.canary:
            gone.append((container, i))
            report.add(source.name, NGINX + "canary", "note", "folded into the Ingress it shadows; not in the output")
            continue
        source.converted["metadata"]["annotations"] = source.annotations
        container[i] = source.converted
        report.converted.append(source.name)
    for container, i in reversed(gone):
        del container[i]
    _unreported(sources, report)
    if not places:
        seen = sorted({ingress_class(o) or "(none)" for o in _objects(output) if o.get("kind") == "Ingress"})
        report.add(
            "*",
            "input",
            "not-converted",
            "no ingress-nginx Ingress in the input"
            + (f"; Ingress classes seen: {', '.join(seen)}" if seen else "; it holds no Ingress")
            + f" (ingress-nginx classes here: {', '.join(sorted(classes))}; see --nginx-class, --include-classless)",
        )
    if report.converted and options.group == "migrated":
        report.add("*", "group", "note", "no --group given: every converted Ingress joins ALB group 'migrated'")
    if options.controller_config:
        used = sorted(k for k in options.controller_config if k in GLOBAL_DEFAULTS)
        ignored = sorted(k for k in options.controller_config if k not in GLOBAL_DEFAULTS)
        if used:
            report.add("*", "--controller-config", "note", "defaults taken from it: " + ", ".join(used))
        for key in ignored:
            report.add(
                "*",
                f"--controller-config {key}",
                "not-converted",
                "no ALB counterpart in this version; review it by hand",
            )
    return output, report


def _unreported(sources: list[Source], report: Report) -> None:
    """A line for every nginx annotation of an Ingress that no step reported, so none is silently dropped."""
    seen = {(f.ingress, f.annotation) for f in report.findings}
    for source in sources:
        for short in sorted(source.own):
            if (source.name, NGINX + short) in seen:
                continue
            detail = {
                "canary-by-header-value": "as the value of the canary's header condition",
                "canary-weight-total": "as the total of the weighted forward",
                "permanent-redirect-code": "as the redirect's status code",
                "temporal-redirect-code": "as the redirect's status code",
                "session-cookie-max-age": "not used: affinity is not cookie",
            }.get(short)
            status = "converted" if detail and not detail.startswith("not") else "not-converted"
            report.add(source.name, NGINX + short, status, detail or "not carried over by any step; review it by hand")


def dump(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        yield "---\n" + yaml.safe_dump(document, sort_keys=False)
