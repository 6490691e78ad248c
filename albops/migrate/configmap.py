"""Every key of the ingress-nginx controller's ConfigMap, with what becomes of it on an ALB.

The keys are a fact file (``facts/ingress_nginx_configmap.json``, made by ``facts/generate_nginx_configmap.py``
from controller-v1.15.1); each has exactly one disposition here, and a test fails when the two differ. The
keys that protect are decided per Ingress in ``albops.migrate.protection`` (held back unless kept); this
module says, once per ConfigMap, what happened to every key it sets, so none goes unmentioned.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import facts
from albops.migrate.report import Report
from facts.regions import RECOMMENDED_SSL_POLICY

FACTS = Path(facts.__file__).resolve().parent / "ingress_nginx_configmap.json"


@functools.cache
def catalogue() -> dict[str, str]:
    """Every ConfigMap key ingress-nginx controller-v1.15.1 reads, with the source file defining it."""
    keys: dict[str, str] = json.loads(FACTS.read_text(encoding="utf-8"))["keys"]
    return keys


# (status, what happens, keys). Status is that of the report line written when a ConfigMap sets the key.
_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "note",
        "a protection of every Ingress that inherits it: each such Ingress has its own line (held back unless "
        "it opted out); carry it over as that line says",
        (
            "global-auth-url",
            "denylist-source-range",
            "block-cidrs",
            "block-user-agents",
            "block-referers",
            "enable-modsecurity",
            "http-snippet",
            "server-snippet",
            "location-snippet",
            "main-snippet",
        ),
    ),
    (
        "note",
        "a setting of the global-auth-url or ModSecurity protection, reported with it on each Ingress",
        (
            "global-auth-method",
            "global-auth-signin",
            "global-auth-signin-redirect-param",
            "global-auth-response-headers",
            "global-auth-request-redirect",
            "global-auth-snippet",
            "global-auth-cache-key",
            "global-auth-cache-duration",
            "global-auth-always-set-cookie",
            "no-auth-locations",
            "enable-auth-access-log",
            "enable-owasp-modsecurity-crs",
            "modsecurity-snippet",
        ),
    ),
    (
        "converted",
        "read as ingress-nginx reads it (allow-list default, HTTPS redirect and its code, HSTS as the HTTPS "
        "listener attribute, the forwarded client the allow-list matched); each Ingress's lines say the effect",
        (
            "whitelist-source-range",
            "ssl-redirect",
            "force-ssl-redirect",
            "http-redirect-code",
            "hsts",
            "hsts-max-age",
            "hsts-include-subdomains",
            "hsts-preload",
            "use-forwarded-headers",
            "enable-real-ip",
            "forwarded-for-header",
            "proxy-real-ip-cidr",
        ),
    ),
    (
        "converted",
        "the default of the annotation of the same name: each Ingress's line for that annotation says the effect",
        ("proxy-read-timeout", "proxy-send-timeout", "proxy-connect-timeout", "proxy-body-size"),
    ),
    (
        "approximated",
        f"the ALB's TLS is its ssl-policy ({RECOMMENDED_SSL_POLICY}: TLS 1.2 and 1.3, as nginx's default "
        "ssl-protocols); session caching, OCSP and record sizes are the ALB's own. For other protocols or "
        "ciphers set alb.ingress.kubernetes.io/ssl-policy to the ELB policy that matches "
        "(ELBSecurityPolicy-TLS13-1-3-2021-06 for TLS 1.3 only)",
        (
            "ssl-protocols",
            "ssl-ciphers",
            "ssl-ecdh-curve",
            "ssl-dh-param",
            "ssl-early-data",
            "ssl-session-cache",
            "ssl-session-cache-size",
            "ssl-session-tickets",
            "ssl-session-ticket-key",
            "ssl-session-timeout",
            "ssl-buffer-size",
            "ssl-reject-handshake",
            "enable-ocsp",
        ),
    ),
    (
        "not-converted",
        "headers nginx added, hid or passed: the ALB sets X-Forwarded-For/-Proto/-Port and X-Amzn-Trace-Id "
        "itself; set response headers as the listener's routing.http.response.* attributes "
        "(listener-attributes.HTTPS-443) or in the app",
        (
            "add-headers",
            "proxy-set-headers",
            "hide-headers",
            "allow-backend-server-header",
            "server-tokens",
            "global-allowed-response-headers",
            "generate-request-id",
            "proxy-add-original-uri-header",
            "forwarded-host-header",
            "forwarded-for-proxy-protocol-header",
            "compute-full-forwarded-for",
            "enable-underscores-in-headers",
            "ignore-invalid-headers",
        ),
    ),
    (
        "not-converted",
        "nginx's logging: the ALB writes its own access logs (load-balancer-attributes access_logs.s3.enabled="
        "true with a bucket)",
        (
            "access-log-params",
            "access-log-path",
            "http-access-log-path",
            "stream-access-log-path",
            "disable-access-log",
            "disable-http-access-log",
            "disable-stream-access-log",
            "enable-access-log-for-default-backend",
            "skip-access-log-urls",
            "error-log-level",
            "error-log-path",
            "log-format-escape-json",
            "log-format-escape-none",
            "log-format-upstream",
            "log-format-stream",
            "enable-syslog",
            "syslog-host",
            "syslog-port",
            "debug-connections",
        ),
    ),
    (
        "not-converted",
        "nginx's OpenTelemetry tracing: the ALB adds X-Amzn-Trace-Id to each request; trace in the app",
        (
            "enable-opentelemetry",
            "opentelemetry-config",
            "opentelemetry-operation-name",
            "opentelemetry-trust-incoming-span",
            "otlp-collector-host",
            "otlp-collector-port",
            "otel-service-name",
            "otel-sampler",
            "otel-sampler-ratio",
            "otel-sampler-parent-based",
            "otel-max-queuesize",
            "otel-schedule-delay-millis",
            "otel-max-export-batch-size",
        ),
    ),
    (
        "not-converted",
        "response compression: the ALB does not compress; compress in the app (or a CDN in front)",
        (
            "use-gzip",
            "gzip-disable",
            "gzip-level",
            "gzip-min-length",
            "gzip-types",
            "enable-brotli",
            "brotli-level",
            "brotli-min-length",
            "brotli-types",
        ),
    ),
    (
        "not-converted",
        "nginx's own process, buffer, connection and HTTP/2 tuning: the ALB sizes and times these itself "
        "(its idle timeout is the proxy-read-timeout line; HTTP/2 is on by default, routing.http2.enabled)",
        (
            "worker-processes",
            "worker-cpu-affinity",
            "worker-shutdown-timeout",
            "max-worker-connections",
            "max-worker-open-files",
            "enable-multi-accept",
            "enable-aio-write",
            "enable-serial-reloads",
            "reuse-port",
            "bind-address",
            "bind-address-ipv4",
            "bind-address-ipv6",
            "disable-ipv6",
            "disable-ipv6-dns",
            "map-hash-bucket-size",
            "server-name-hash-bucket-size",
            "server-name-hash-max-size",
            "proxy-headers-hash-bucket-size",
            "proxy-headers-hash-max-size",
            "variables-hash-bucket-size",
            "variables-hash-max-size",
            "lua-shared-dicts",
            "default-type",
            "grpc-buffer-size-kb",
            "large-client-header-buffers",
            "client-header-buffer-size",
            "client-header-timeout",
            "client-body-buffer-size",
            "client-body-timeout",
            "proxy-buffer-size",
            "proxy-buffers-number",
            "proxy-busy-buffers-size",
            "proxy-buffering",
            "proxy-request-buffering",
            "proxy-max-temp-file-size",
            "proxy-http-version",
            "keep-alive",
            "keep-alive-requests",
            "http2-max-concurrent-streams",
            "http2-max-field-size",
            "http2-max-header-size",
            "http2-max-requests",
            "use-http2",
            "upstream-keepalive-connections",
            "upstream-keepalive-requests",
            "upstream-keepalive-time",
            "upstream-keepalive-timeout",
        ),
    ),
    (
        "not-converted",
        "how nginx chose and retried upstreams: the ALB balances round robin (or least outstanding requests, "
        "target-group-attributes load_balancing.algorithm.type) over the pods and does not retry",
        (
            "load-balance",
            "upstream-hash-by",
            "upstream-hash-by-subset",
            "upstream-hash-by-subset-size",
            "service-upstream",
            "proxy-next-upstream",
            "proxy-next-upstream-timeout",
            "proxy-next-upstream-tries",
            "retry-non-idempotent",
        ),
    ),
    (
        "not-converted",
        "rewrites of the backend's answers (cookies, Location headers, error pages, redirects nginx built): "
        "the ALB passes the backend's answer as it is; do it in the app",
        (
            "proxy-cookie-domain",
            "proxy-cookie-path",
            "proxy-redirect-from",
            "proxy-redirect-to",
            "custom-http-errors",
            "disable-proxy-intercept-errors",
            "preserve-trailing-slash",
            "relative-redirects",
            "use-port-in-redirects",
            "app-root",
        ),
    ),
    (
        "not-converted",
        "bandwidth and connection limits and their status codes: the ALB has none; an AWS WAF rate-based rule "
        "limits requests per client",
        (
            "limit-rate",
            "limit-rate-after",
            "limit-conn-zone-variable",
            "limit-req-status-code",
            "limit-conn-status-code",
        ),
    ),
    (
        "not-converted",
        "ingress-nginx's own checks of the Ingresses it admits: migrate's output is checked as the API server "
        "and the controller check it instead",
        (
            "allow-snippet-annotations",
            "allow-cross-namespace-resources",
            "annotations-risk-level",
            "annotation-value-word-blocklist",
            "strict-validate-path-type",
        ),
    ),
    (
        "not-converted",
        "TCP/UDP stream services: not Ingresses; an NLB listener (a LoadBalancer Service) carries them",
        (
            "stream-snippet",
            "proxy-stream-timeout",
            "proxy-stream-next-upstream",
            "proxy-stream-next-upstream-timeout",
            "proxy-stream-next-upstream-tries",
            "proxy-stream-responses",
        ),
    ),
    (
        "not-converted",
        "how nginx received connections from the NLB (PROXY protocol): clients connect to the ALB directly",
        ("use-proxy-protocol", "proxy-protocol-header-timeout"),
    ),
    (
        "not-converted",
        "paths the HTTPS redirect spared (by default /.well-known/acme-challenge): the ALB's ssl-redirect spares "
        "none, stricter; ACM issues the ALB's certificate without HTTP-01",
        ("no-tls-redirect-locations",),
    ),
    (
        "not-converted",
        "settings of nginx's own status page and TLS-to-backend scope, which serve no client request",
        ("nginx-status-ipv4-whitelist", "nginx-status-ipv6-whitelist", "proxy-ssl-location-only"),
    ),
    (
        "not-converted",
        "GeoIP2 lookups, which only snippets or logs used: an AWS WAF geo-match rule filters by country",
        ("use-geoip2", "geoip2-autoreload-in-minutes"),
    ),
)

DISPOSITIONS: dict[str, tuple[str, str]] = {key: (status, detail) for status, detail, keys in _GROUPS for key in keys}


def report_configmap(name: str, data: dict[str, str], report: Report) -> None:
    """One line per key the ConfigMap sets, with its disposition; keys ingress-nginx does not read said so."""
    known = catalogue()
    for key in sorted(data):
        label = f"ConfigMap {name} {key}"
        if key in DISPOSITIONS:
            status, detail = DISPOSITIONS[key]
            report.add("*", label, status, detail)
        elif key not in known:
            report.add(
                "*",
                label,
                "not-converted",
                "not a key ingress-nginx controller-v1.15.1 reads (facts/ingress_nginx_configmap.json), so it had "
                "no effect there either: check its spelling",
            )
        else:  # a key of the catalogue without a disposition: the test on the catalogue fails first
            report.add("*", label, "not-converted", "no disposition recorded for it in this version")
