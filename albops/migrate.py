"""``albops migrate``: turn ingress-nginx Ingresses into ALB Ingresses, and say exactly what did not carry over.

Everything that is not an ingress-nginx Ingress passes through unchanged and in order. Each converted
Ingress joins one ALB group, targets pods (``target-type: ip``), listens on HTTP and, with TLS, HTTPS
with a redirect where ingress-nginx would redirect, and uses a TLS 1.2+ policy. Every ingress-nginx
annotation ends up in the report: converted, approximated (with how), or not converted (with why);
none is dropped silently. Annotations this version does not convert yet (``rewrite-target``, canary,
redirects, snippets and the rest) are reported as not converted, and the exit code says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from components.regions import RECOMMENDED_SSL_POLICY

NGINX = "nginx.ingress.kubernetes.io/"
ALB = "alb.ingress.kubernetes.io/"
LEGACY_CLASS = "kubernetes.io/ingress.class"
# Annotations whose meaning is fully carried by what every converted Ingress gets.
SSL_REDIRECT_KEYS = ("ssl-redirect", "force-ssl-redirect")
# ingress-nginx annotations that have no ALB equivalent, and why.
NO_EQUIVALENT = {
    "ssl-passthrough": "the ALB terminates TLS; passthrough needs an NLB with a TLS/TCP listener",
    "configuration-snippet": "raw nginx configuration has no ALB equivalent; port what it does by hand",
    "server-snippet": "raw nginx configuration has no ALB equivalent; port what it does by hand",
    "auth-url": "external auth has no ALB equivalent; the ALB offers OIDC or Cognito authentication (auth-type)",
}
# The capture-group prefix strip: `path: /x(/|$)(.*)` with `rewrite-target: /$2`. No regex
# metacharacters in the prefix (a "." would match any character in nginx but not on the ALB).
PREFIX_STRIP = re.compile(r"(/[A-Za-z0-9_~/-]*[A-Za-z0-9_~-])\(/\|\$\)\(\.\*\)")


def prefix_strip_transform(prefix: str) -> list[dict[str, Any]]:
    """The controller's ``transforms`` value that strips ``prefix`` as ingress-nginx's rewrite did."""
    rule = {"regex": f"^{re.escape(prefix)}/?(.*)$", "replace": "/$1"}
    return [{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [rule]}}]


def _rewrites(ingress: dict[str, Any], target: str, name: str, report: Report) -> dict[str, str] | None:
    """Convert every path of a ``rewrite-target`` Ingress to a Prefix path plus a transform, or None."""
    if target != "/$2":
        report.findings.append(
            Finding(
                name,
                NGINX + "rewrite-target",
                "not-converted",
                f"only /$2 with /prefix(/|$)(.*) paths is converted, not {target!r}",
            )
        )
        return None
    transforms: dict[str, str] = {}
    paths = [
        p
        for rule in (ingress.get("spec") or {}).get("rules") or []
        for p in ((rule.get("http") or {}).get("paths") or [])
    ]
    for path in paths:
        match = PREFIX_STRIP.fullmatch(str(path.get("path", "")))
        service = ((path.get("backend") or {}).get("service") or {}).get("name")
        value = json.dumps(prefix_strip_transform(match.group(1)), separators=(",", ":")) if match else None
        if not match or not service or transforms.get(service, value) != value:
            report.findings.append(
                Finding(
                    name,
                    NGINX + "rewrite-target",
                    "not-converted",
                    f"path {path.get('path')!r} is not /prefix(/|$)(.*), or its service has paths with other rewrites",
                )
            )
            return None
        transforms[service] = str(value)
    for path in paths:
        match = PREFIX_STRIP.fullmatch(str(path["path"]))
        assert match is not None
        path["path"], path["pathType"] = match.group(1), "Prefix"
    report.findings.append(
        Finding(
            name,
            NGINX + "rewrite-target",
            "approximated",
            "as Prefix paths plus a transforms URL rewrite; the ALB matches paths case-sensitively, "
            "ingress-nginx did not",
        )
    )
    return {ALB + f"transforms.{service}": value for service, value in transforms.items()}


@dataclass
class Finding:
    ingress: str
    annotation: str
    status: str  # converted | approximated | not-converted | note
    detail: str

    def __str__(self) -> str:
        return f"{self.ingress}: {self.annotation}: {self.status}: {self.detail}"


@dataclass
class Options:
    group: str = "migrated"
    certificate_arn: str | None = None
    scheme: str = "internet-facing"
    ingress_class: str = "alb"
    include_classless: bool = False


@dataclass
class Report:
    group: str
    converted: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(f.status in ("converted", "note") for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "converted": self.converted,
            "exact": self.exact,
            "findings": [f.__dict__ for f in self.findings],
        }

    def render(self) -> str:
        lines = [f"{len(self.converted)} ingress-nginx Ingresses converted into ALB group {self.group!r}"]
        lines += [f"  {f}" for f in self.findings]
        lines.append(
            "everything converted exactly" if self.exact else "some settings were approximated or not converted"
        )
        return "\n".join(lines)


def ingress_class(ingress: dict[str, Any]) -> str | None:
    spec = ingress.get("spec") or {}
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    value = spec.get("ingressClassName") or annotations.get(LEGACY_CLASS)
    return str(value) if value else None


def is_nginx_ingress(obj: Any, options: Options) -> bool:
    if not isinstance(obj, dict) or obj.get("kind") != "Ingress":
        return False
    cls = ingress_class(obj)
    return cls == "nginx" or (cls is None and options.include_classless)


def _name(ingress: dict[str, Any]) -> str:
    meta = ingress.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def convert_ingress(ingress: dict[str, Any], options: Options, report: Report) -> dict[str, Any]:
    """The ALB Ingress for one ingress-nginx Ingress; every nginx annotation is accounted for in ``report``."""
    name = _name(ingress)
    converted: dict[str, Any] = json.loads(json.dumps(ingress))  # a deep copy that keeps key order
    metadata = converted.setdefault("metadata", {})
    old = dict(metadata.get("annotations") or {})
    spec = converted.setdefault("spec", {})
    tls = spec.get("tls") or []

    annotations = {k: v for k, v in old.items() if not k.startswith(NGINX) and k != LEGACY_CLASS}
    https = bool(tls) or options.certificate_arn is not None
    redirect = bool(tls) and str(old.get(NGINX + "ssl-redirect", "true")).lower() != "false"
    if str(old.get(NGINX + "force-ssl-redirect", "false")).lower() == "true":
        if https:
            redirect = True
        else:
            report.findings.append(
                Finding(
                    name,
                    NGINX + "force-ssl-redirect",
                    "not-converted",
                    "no TLS and no --certificate-arn: no HTTPS listener to redirect to",
                )
            )
    ports = [{"HTTP": 80}] + ([{"HTTPS": 443}] if https else [])
    annotations.update(
        {
            ALB + "scheme": options.scheme,
            ALB + "target-type": "ip",
            ALB + "group.name": options.group,
            ALB + "listen-ports": json.dumps(ports, separators=(",", ":")),
        }
    )
    if https:
        annotations[ALB + "ssl-policy"] = RECOMMENDED_SSL_POLICY
    if redirect:
        annotations[ALB + "ssl-redirect"] = "443"
    if options.certificate_arn:
        annotations[ALB + "certificate-arn"] = options.certificate_arn
    elif tls:
        report.findings.append(
            Finding(
                name,
                "spec.tls",
                "note",
                "the ALB's certificate comes from ACM by certificate discovery of the TLS hosts",
            )
        )
    for entry in tls:
        if isinstance(entry, dict) and entry.pop("secretName", None) is not None:
            report.findings.append(
                Finding(
                    name,
                    "spec.tls.secretName",
                    "note",
                    "dropped: the ALB takes certificates from ACM, not from Secrets",
                )
            )
    metadata["annotations"] = annotations
    spec["ingressClassName"] = options.ingress_class
    handled: set[str] = set()
    if NGINX + "rewrite-target" in old:
        transforms = _rewrites(converted, str(old[NGINX + "rewrite-target"]), name, report)
        handled.add(NGINX + "rewrite-target")
        if transforms is not None:
            annotations.update(transforms)
            if str(old.get(NGINX + "use-regex", "")).lower() == "true":
                handled.add(NGINX + "use-regex")
                report.findings.append(
                    Finding(name, NGINX + "use-regex", "converted", "the regex paths became Prefix paths")
                )

    for key in sorted(k for k in old if k.startswith(NGINX) and k not in handled):
        short = key.removeprefix(NGINX)
        if short in SSL_REDIRECT_KEYS:
            report.findings.append(Finding(name, key, "converted", "as ssl-redirect on the ALB's HTTP listener"))
        elif short == "affinity" and str(old[key]).lower() == "cookie":
            seconds = int(str(old.get(NGINX + "session-cookie-max-age", "86400")) or 86400)
            seconds = min(max(seconds, 1), 604800)
            stickiness = (
                f"stickiness.enabled=true,stickiness.type=lb_cookie,stickiness.lb_cookie.duration_seconds={seconds}"
            )
            annotations[ALB + "target-group-attributes"] = stickiness
            handled.add(NGINX + "session-cookie-max-age")
            report.findings.append(
                Finding(
                    name,
                    key,
                    "approximated",
                    f"as target group stickiness ({seconds} s); the cookie is AWSALB, not ingress-nginx's",
                )
            )
        elif short == "proxy-body-size":
            report.findings.append(
                Finding(
                    name,
                    key,
                    "approximated",
                    "dropped: the ALB does not limit request bodies; enforce the limit in the app",
                )
            )
        elif short in NO_EQUIVALENT:
            report.findings.append(Finding(name, key, "not-converted", NO_EQUIVALENT[short]))
        elif short == "session-cookie-max-age" and key in handled:
            continue
        elif short == "backend-protocol" and str(old[key]).upper() in ("HTTP", "HTTPS"):
            annotations[ALB + "backend-protocol"] = str(old[key]).upper()
            report.findings.append(Finding(name, key, "converted", f"backend-protocol {str(old[key]).upper()}"))
        else:
            report.findings.append(
                Finding(
                    name, key, "not-converted", "no conversion in this version; review it by hand (see README, migrate)"
                )
            )
    report.converted.append(name)
    result: dict[str, Any] = converted
    return result


def _convert_all(obj: Any, options: Options, report: Report) -> Any:
    if is_nginx_ingress(obj, options):
        return convert_ingress(obj, options, report)
    if isinstance(obj, dict) and str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
        return {**obj, "items": [_convert_all(item, options, report) for item in obj["items"]]}
    return obj


def migrate(documents: list[Any], options: Options) -> tuple[list[Any], Report]:
    report = Report(group=options.group)
    converted = [_convert_all(document, options, report) for document in documents]
    if report.converted and options.group == "migrated":
        report.findings.append(
            Finding("*", "group", "note", "no --group given: every converted Ingress joins ALB group 'migrated'")
        )
    return converted, report


def dump(documents: Iterable[Any]) -> Iterator[str]:
    for document in documents:
        yield "---\n" + yaml.safe_dump(document, sort_keys=False)
