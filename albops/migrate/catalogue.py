"""Every name ingress-nginx reads, with what ``migrate`` does with it: nothing falls through to "review it by hand".

The names come from the project's fact files (``facts/ingress_nginx_annotations.json``,
``facts/ingress_nginx_configmap.json``, made by ``facts/generate_nginx_catalogue.py`` from ingress-nginx
controller-v1.15.1); a test fails when a name is in one and not the other. Each name has one disposition:

- ``converted`` / ``approximated``: a conversion step carries it (``step`` names it; the step's own finding
  says how), or the line here is the finding;
- ``not-converted``: the ALB has no counterpart, and ``detail`` says why; ``alb`` gives the ALB way where one
  exists, to do by hand;
- ``lost-protection``: it decided who may reach the app (an allow or deny list, a rate limit, authentication,
  a WAF, raw nginx configuration). An Ingress that loses one is held back; ``alb`` says how to carry it over.

Names that a step handles keep their step: the entry is the line written when the step wrote none (an
Ingress where the step did not apply, or a value it does not take).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib.resources import files

from albingress.facts.go_values import go_bool
from albops.migrate.protection import CONFIGMAP_PARTS, CONFIGMAP_PROTECTIONS

FACTS = files("albingress.facts")  # package data (importlib.resources)
ANNOTATIONS_FACTS = FACTS / "ingress_nginx_annotations.json"
CONFIGMAP_FACTS = FACTS / "ingress_nginx_configmap.json"

STATUSES = ("converted", "approximated", "not-converted", "lost-protection")
# ConfigMap keys: "read" where migrate takes the key as the default of the annotation of the same name.
CONFIGMAP_STATUSES = ("read", *STATUSES)


@dataclass(frozen=True, slots=True)
class Disposition:
    status: str
    # How it is converted, why it is not, or (lost-protection) what it protected; ``{value}`` is the value.
    detail: str
    # The ALB way, where one exists; for a lost protection, how to carry it over.
    alb: str = ""
    # The conversion step that writes this name's finding when it applies ("" : this entry is the finding).
    step: str = ""
    # Values with which ingress-nginx enforced nothing: then nothing is lost, whatever the status says.
    off: Callable[[str], bool] | None = None
    # A boolean annotation without which ingress-nginx ignores this one (canary/main.go refuses canary-* alone).
    needs: str = ""


def _false(value: str) -> bool:
    return go_bool(value) is not True  # ingress-nginx's GetBoolAnnotation: a refused spelling leaves it off


def _zero(value: str) -> bool:
    return value.strip() == "0"


def _not_on(value: str) -> bool:
    return value != "on"


def _off(value: str) -> bool:
    return value == "off"


def _empty(value: str) -> bool:
    return value.strip() == ""


# Shared texts.
WAF = "AWS WAF (alb.ingress.kubernetes.io/wafv2-acl-arn)"
RATE = (
    f"a rate-based rule in {WAF}: it counts requests per client IP over 1 to 10 minutes (at least 10 a window), "
    "not per second with a burst; tune it, then pass --allow-unprotected"
)
AUTH = (
    "ALB authentication on the HTTPS listener: alb.ingress.kubernetes.io/auth-type: oidc (auth-idp-oidc) or "
    "cognito (auth-idp-cognito), or jwt-validation; or keep the check in the app"
)
MTLS = (
    "ALB mutual TLS: alb.ingress.kubernetes.io/mutual-authentication (verify with a trust store); it is per "
    "listener, so every Ingress of the group gets it"
)
SNIPPET = (
    "port what it enforces: source ranges as inbound-cidrs, request filtering as WAF rules (wafv2-acl-arn), "
    "authentication as auth-type, headers as listener-attributes; then pass --allow-unprotected"
)
# The controller splits listener-attributes on commas and takes "\," as a literal comma (v3.5.0
# pkg/annotations/parser.go splitKeyValuePairs): an unescaped comma inside a value breaks the annotation.
COMMAS = r"write each comma inside a value as \, (GET\, POST), since the controller splits the annotation on commas"
LISTENER_HEADERS = (
    "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443: routing.http.response.{attribute}.header_value=..., "
    f"which sets it on every response of the listener (all Ingresses of the group; {COMMAS}); or set it in the app"
)
NO_EFFECT = "no effect (empty, or on a canary Ingress, whose own routing ingress-nginx does not apply)"
NGINX_ONLY = "it tunes nginx's own proxying, which the ALB does not expose; the ALB's behaviour is fixed"
NO_FASTCGI = (
    "the ALB speaks HTTP, HTTPS and gRPC to targets, not FastCGI; put an HTTP server (php-fpm behind nginx) in the pod"
)


def _cors(attribute: str) -> Disposition:
    return Disposition(
        "not-converted",
        "CORS headers are not added: the ALB adds no response header per Ingress",
        LISTENER_HEADERS.replace("{attribute}", attribute),
    )


def _part(owner: str, what: str, how: str) -> Disposition:
    return Disposition("lost-protection", f"{what} (part of the {owner} protection)", how)


ANNOTATIONS: dict[str, Disposition] = {
    # Session affinity.
    "affinity": Disposition(
        "not-converted",
        "{value!r}: only 'cookie' has a counterpart (target group stickiness)",
        "alb.ingress.kubernetes.io/target-group-attributes: stickiness.enabled=true,stickiness.type=lb_cookie",
        step="affinity: cookie: approximated, as lb_cookie target group stickiness (the cookie is AWSALB)",
    ),
    "affinity-canary-behavior": Disposition(
        "not-converted",
        "the ALB's stickiness does not know canaries: a weighted forward has its own group stickiness",
        "target group stickiness on the weighted forward (forwardConfig.targetGroupStickinessConfig)",
    ),
    "affinity-mode": Disposition(
        "not-converted",
        # annotations.md (controller-v1.15.1) "Session Affinity": balanced (the default) moves some sessions to
        # new pods on scale-up, persistent never does. The ALB's lb_cookie stickiness is the persistent kind.
        "{value!r}: the ALB's stickiness keeps a client on its target while it is healthy and does not move "
        "sessions to targets added later (nginx's 'persistent'); 'balanced' (the default) moved some on scale-up",
    ),
    "session-cookie-change-on-failure": Disposition(
        "not-converted", "the ALB re-picks a target when the sticky one is unhealthy, always"
    ),
    "session-cookie-conditional-samesite-none": Disposition(
        "not-converted", "the ALB's AWSALB cookie sets SameSite itself (AWSALBCORS carries SameSite=None)"
    ),
    "session-cookie-domain": Disposition(
        "not-converted",
        "the ALB's stickiness cookie (AWSALB) has no domain to set",
        "application-cookie stickiness (stickiness.type=app_cookie, stickiness.app_cookie.cookie_name) lets the app "
        "set its own cookie",
    ),
    "session-cookie-expires": Disposition(
        "not-converted",
        "the ALB's stickiness has one duration (session-cookie-max-age's), no Expires of its own",
        "target-group-attributes stickiness.lb_cookie.duration_seconds",
    ),
    "session-cookie-max-age": Disposition(
        "not-converted",
        "not used: affinity is not cookie",
        "target-group-attributes stickiness.lb_cookie.duration_seconds (1 s to 7 days)",
        step="with affinity: cookie, converted as the stickiness duration (approximated when clamped to 1 s..7 d)",
    ),
    "session-cookie-name": Disposition(
        "not-converted",
        "the ALB's stickiness cookie is AWSALB; {value!r} is not set",
        "application-cookie stickiness: target-group-attributes stickiness.type=app_cookie,"
        "stickiness.app_cookie.cookie_name={value}",
    ),
    "session-cookie-path": Disposition("not-converted", "the ALB's stickiness cookie has no path to set"),
    "session-cookie-samesite": Disposition(
        "not-converted", "the ALB's stickiness cookie has no SameSite to set (AWSALBCORS carries SameSite=None)"
    ),
    "session-cookie-secure": Disposition("not-converted", "the ALB's stickiness cookie has no Secure flag to set"),
    # Allow and deny lists.
    "allowlist-source-range": Disposition(
        "lost-protection",
        "an allow list of client ranges ({value})",
        "inbound-cidrs on an ALB group dedicated to these Ingresses, source-ip rule conditions, or WAF IP set rules "
        "(wafv2-acl-arn)",
        step="approximated as inbound-cidrs when every Ingress of the group agrees (no connection instead of 403), "
        "converted as source-ip conditions each followed by a fixed 403 otherwise; lost-protection where a list "
        "ingress-nginx refused, a trusted forwarded-for proxy or the rule limits stop it (docs/migrate-protection.md)",
        off=_empty,
    ),
    "whitelist-source-range": Disposition(
        "lost-protection",
        "an allow list of client ranges ({value})",
        "inbound-cidrs on an ALB group dedicated to these Ingresses, source-ip rule conditions, or WAF IP set rules "
        "(wafv2-acl-arn)",
        step="the alias of allowlist-source-range, read when that name is absent: as it says",
        off=_empty,
    ),
    "denylist-source-range": Disposition(
        "lost-protection", "a deny list of client ranges ({value})", f"WAF IP set rules in {WAF}"
    ),
    # Routing (the routing pass).
    "app-root": Disposition(
        "converted",
        NO_EFFECT,
        "a redirect rule for '/'",
        step="converted: '/' redirects (302) to the value; not-converted when it is not a plain path",
    ),
    "rewrite-target": Disposition(
        "converted", NO_EFFECT, "transforms url-rewrite", step="converted: ALB regex paths and transforms, per host"
    ),
    "use-regex": Disposition(
        "converted",
        NO_EFFECT,
        "regex path conditions (use-regex-path-match)",
        step="converted: ALB regex paths, per host",
    ),
    "permanent-redirect": Disposition(
        "converted",
        NO_EFFECT,
        "a redirect action",
        step="converted: an ALB redirect action on every path; not-converted when not an http(s) URL",
    ),
    "permanent-redirect-code": Disposition(
        "converted",
        "as the redirect's status code (ALB redirects are 301 or 302)",
        step="converted as the redirect's code; approximated when not 301 or 302",
    ),
    "temporal-redirect": Disposition(
        "converted",
        NO_EFFECT,
        "a redirect action",
        step="converted: an ALB redirect action on every path; not-converted when not an http(s) URL",
    ),
    "temporal-redirect-code": Disposition(
        "converted",
        "as the redirect's status code (ALB redirects are 301 or 302)",
        step="converted as the redirect's code; approximated when not 301 or 302",
    ),
    "from-to-www-redirect": Disposition(
        "not-converted",
        "no redirect between www.HOST and HOST is written",
        # nginx.tmpl (controller-v1.15.1) l. 589-612: the redirect server answers the ConfigMap's
        # http-redirect-code (308 by default) to the same scheme and URI on the other host.
        "a rule on the other host (host-header condition) with a redirect action to the Ingress's host, keeping "
        "path and query; approximated, as ssl-redirect is: ALB redirects are 301 or 302 where nginx answered "
        "http-redirect-code (308 by default), so clients may turn a POST into a GET",
        off=_false,
    ),
    "relative-redirects": Disposition(
        "not-converted",
        "the ALB writes the redirects it makes with absolute URLs; the app's own are passed as they are",
        off=_false,
    ),
    "use-port-in-redirects": Disposition(
        "not-converted",
        "nginx's own redirects only: the ALB's redirect actions set the port they are given",
        "a redirect action's port",
        off=_false,
    ),
    # lua_ingress.lua (controller-v1.15.1) l. 157-173: with it false (the default) nginx's HTTPS redirect drops one
    # trailing '/' of the request URI; true keeps the URI as sent, as the ALB's ssl-redirect always does.
    "preserve-trailing-slash": Disposition(
        "converted",
        "{value!r}: nothing differs here: true keeps the URI in ingress-nginx's HTTPS redirect as the ALB's "
        "ssl-redirect does, and false only mattered where ingress-nginx redirected this Ingress to HTTPS",
        step="approximated where false (the default) and ingress-nginx redirected to HTTPS: nginx dropped one "
        "trailing '/' from the redirect's URI, the ALB's ssl-redirect keeps it",
    ),
    "ssl-redirect": Disposition(
        "converted",
        "{value}: as ingress-nginx (ssl-redirect on the ALB's HTTP listener, or none)",
        "alb.ingress.kubernetes.io/ssl-redirect: '443'",
        step="converted (no redirect, or 301 with http-redirect-code 301), approximated (nginx answered 308)",
    ),
    "force-ssl-redirect": Disposition(
        "converted",
        "{value}: as ingress-nginx (ssl-redirect on the ALB's HTTP listener, or none)",
        "alb.ingress.kubernetes.io/ssl-redirect: '443'",
        step="converted (no redirect, or 301 with http-redirect-code 301), approximated (nginx answered 308)",
    ),
    "server-alias": Disposition(
        "not-converted",
        "the aliases {value!r} get no rules: requests for them reach the default action",
        "add each alias as a host (spec.rules[].host, and spec.tls hosts) of the Ingress",
    ),
    "x-forwarded-prefix": Disposition(
        "not-converted",
        "no X-Forwarded-Prefix header is sent: the ALB adds no request header per rule",
        "have the app take the prefix from configuration",
    ),
    "upstream-vhost": Disposition(
        "not-converted",
        "the Host header is not rewritten to {value!r}",
        "a transforms host-header-rewrite (alb.ingress.kubernetes.io/transforms.<service>)",
    ),
    # Canary (the routing pass folds a canary into the Ingress it shadows).
    "canary": Disposition(
        "converted",
        "folded into the Ingress it shadows",
        "a weighted forward or a header condition",
        step="true: folded into the Ingress it shadows (a note)",
        off=_false,
    ),
    "canary-weight": Disposition(
        "converted",
        "as a weighted forward",
        "forwardConfig weights",
        step="with canary: true, converted as a weighted forward",
        needs="canary",
    ),
    "canary-weight-total": Disposition(
        "converted",
        "as the total of the weighted forward",
        step="with canary: true, converted as the forward's total",
        needs="canary",
    ),
    "canary-by-header": Disposition(
        "approximated",
        "as a header condition (the ALB compares header values case-insensitively)",
        "an http-header condition",
        step="approximated: a header condition (the ALB compares values case-insensitively)",
        needs="canary",
    ),
    "canary-by-header-value": Disposition(
        "converted",
        "as the value of the canary's header condition",
        step="with canary: true, the header condition's value",
        needs="canary",
    ),
    "canary-by-header-pattern": Disposition(
        "converted",
        "ignored, as in ingress-nginx: canary-by-header-value is set, or there is no canary-by-header",
        "an http-header condition with regexValues",
        step="approximated: an http-header condition with regexValues (nginx matched with PCRE, unanchored; the "
        "ALB's dialect differs); not-converted over 128 characters",
        needs="canary",
    ),
    "canary-by-cookie": Disposition(
        "not-converted",
        "no rule sends the cookie {value!r} to the canary",
        # A wildcard value '*{value}=always*' would also match another cookie whose name ends in it (x{value}):
        # a regexValues condition (v3.5.0 config_types.go HTTPHeaderConditionConfig) anchors the name.
        "an http-header condition on Cookie with regexValues '(^|;\\s*){value}=always(;|$)' (regex metacharacters "
        "of the name escaped); not the wildcard '*{value}=always*', which also matches a cookie named x{value}",
        needs="canary",
    ),
    # Backend.
    "backend-protocol": Disposition(
        "not-converted",
        "{value!r}: only HTTP and HTTPS are converted here",
        # ingress-nginx controller-v1.15.1 template.go buildProxyPass: GRPC is grpc_pass grpc:// (plaintext
        # HTTP/2 to the pods), GRPCS grpc_pass grpcs:// (TLS). The controller sets a protocol version on HTTPS
        # listeners only.
        "alb.ingress.kubernetes.io/backend-protocol-version: GRPC on an HTTPS listener, with backend-protocol HTTP "
        "for GRPC (plaintext HTTP/2 to the pods) or HTTPS for GRPCS (TLS to the pods); FCGI and AUTO_HTTP have none",
        step="HTTP, HTTPS: converted as backend-protocol",
    ),
    "proxy-body-size": Disposition(
        "approximated",
        "dropped: the ALB does not limit request bodies; enforce it in the app",
        step="approximated: dropped, the ALB does not limit request bodies",
    ),
    "proxy-read-timeout": Disposition(
        "approximated",
        "as the ALB idle timeout, group-wide",
        "load-balancer-attributes idle_timeout.timeout_seconds",
        step="approximated as the group's idle timeout: the largest any member asks for, up to 4000 s",
    ),
    "proxy-send-timeout": Disposition(
        "approximated",
        "as the ALB idle timeout, group-wide",
        "load-balancer-attributes idle_timeout.timeout_seconds",
        step="approximated as the group's idle timeout: the largest any member asks for, up to 4000 s",
    ),
    "proxy-connect-timeout": Disposition("not-converted", "the ALB's connection timeout to targets is fixed at 10 s"),
    "proxy-next-upstream": Disposition(
        "not-converted",
        "the ALB does not retry a request on another target",
        "health checks (healthcheck-path, healthy-threshold-count) take failing targets out sooner",
    ),
    "proxy-next-upstream-timeout": Disposition("not-converted", "the ALB does not retry a request on another target"),
    "proxy-next-upstream-tries": Disposition("not-converted", "the ALB does not retry a request on another target"),
    "proxy-buffering": Disposition("not-converted", NGINX_ONLY),
    "proxy-buffer-size": Disposition("not-converted", NGINX_ONLY),
    "proxy-buffers-number": Disposition("not-converted", NGINX_ONLY),
    "proxy-busy-buffers-size": Disposition("not-converted", NGINX_ONLY),
    "proxy-max-temp-file-size": Disposition("not-converted", NGINX_ONLY),
    "proxy-request-buffering": Disposition("not-converted", NGINX_ONLY),
    "client-body-buffer-size": Disposition("not-converted", NGINX_ONLY),
    "proxy-http-version": Disposition(
        "not-converted",
        "the ALB chooses the protocol to targets from backend-protocol-version",
        "alb.ingress.kubernetes.io/backend-protocol-version: HTTP1 or HTTP2",
    ),
    "connection-proxy-header": Disposition(
        "not-converted", "the ALB manages the Connection header to targets itself (keep-alive, WebSocket upgrades)"
    ),
    "proxy-cookie-domain": Disposition(
        "not-converted", "the ALB does not rewrite Set-Cookie headers; set the domain in the app"
    ),
    "proxy-cookie-path": Disposition(
        "not-converted", "the ALB does not rewrite Set-Cookie headers; set the path in the app"
    ),
    "proxy-redirect-from": Disposition(
        "not-converted", "the ALB does not rewrite Location headers; make the app send the public URL"
    ),
    "proxy-redirect-to": Disposition(
        "not-converted", "the ALB does not rewrite Location headers; make the app send the public URL"
    ),
    "custom-headers": Disposition(
        "not-converted",
        "the response headers of ConfigMap {value!r} are not added",
        "the security headers the ALB knows as listener attributes (routing.http.response.*: HSTS, "
        "content_security_policy, x_content_type_options, x_frame_options), others in the app",
    ),
    "custom-http-errors": Disposition(
        "not-converted",
        "error pages for {value} are not intercepted: the app's own error responses reach clients",
        "fixed-response actions for paths the app does not serve; error pages in the app or in CloudFront",
    ),
    "disable-proxy-intercept-errors": Disposition(
        "converted", "the ALB never intercepts the app's errors, as this asked", off=_false
    ),
    "default-backend": Disposition(
        "not-converted",
        # controller.go (controller-v1.15.1) l. 942-972: the Service takes a path's requests only when that path's
        # Service has no active endpoints; it answers errors only with custom-http-errors (annotations.md l. 365).
        "Service {value!r} no longer takes the requests of a path whose Service has no ready endpoints (nor, with "
        "custom-http-errors, its error responses): the ALB answers 503 there",
        "the ALB has no fallback target group for a rule: keep the Service's pods available (replicas, a "
        "PodDisruptionBudget), or make the path's Service select the fallback pods too; error pages stay the app's",
    ),
    "load-balance": Disposition(
        "not-converted",
        "{value!r} is nginx's balancing algorithm",
        "target-group-attributes load_balancing.algorithm.type=round_robin, least_outstanding_requests or "
        "weighted_random",
    ),
    "upstream-hash-by": Disposition(
        "not-converted",
        "the ALB has no consistent hashing on a request value",
        "target group stickiness (lb_cookie or app_cookie) keeps a client on one target",
    ),
    "upstream-hash-by-subset": Disposition("not-converted", "the ALB has no consistent hashing on a request value"),
    "upstream-hash-by-subset-size": Disposition(
        "not-converted", "the ALB has no consistent hashing on a request value"
    ),
    "service-upstream": Disposition(
        "approximated",
        "the ALB targets the pods directly (target-type ip) where ingress-nginx sent to the Service's cluster IP: "
        "the same pods, balanced by the ALB instead of kube-proxy",
        off=_false,
    ),
    "ssl-passthrough": Disposition(
        "not-converted",
        "the ALB terminates TLS; passthrough needs an NLB with a TCP (or TLS) listener",
        "a Service of type LoadBalancer with an NLB TCP listener on 443 in front of the app",
        step="not-converted: with --enable-ssl-passthrough (assumed from files) the Ingress is not written and the "
        "report names the NLB TCP listener; without it, no effect",
        off=_false,
    ),
    "ssl-ciphers": Disposition(
        "approximated",
        "the ALB's ciphers come from its security policy (migrate writes the recommended one)",
        "alb.ingress.kubernetes.io/ssl-policy",
    ),
    "ssl-prefer-server-ciphers": Disposition(
        "converted", "the ALB always prefers the server's cipher order", "alb.ingress.kubernetes.io/ssl-policy"
    ),
    "http2-push-preload": Disposition("not-converted", "browsers dropped HTTP/2 server push; the ALB has none"),
    "mirror-target": Disposition(
        "not-converted",
        "requests are not copied to {value!r}: the ALB cannot mirror requests",
        "VPC Traffic Mirroring of the targets' network interfaces, or mirroring in the app or a service mesh",
    ),
    "mirror-host": Disposition("not-converted", "the ALB cannot mirror requests"),
    "mirror-request-body": Disposition("not-converted", "the ALB cannot mirror requests"),
    "fastcgi-index": Disposition("not-converted", NO_FASTCGI),
    "fastcgi-params-configmap": Disposition("not-converted", NO_FASTCGI),
    # Backend certificate verification: a protection the ALB cannot carry.
    "proxy-ssl-verify": Disposition(
        "lost-protection",
        "verification of the backend's certificate (proxy-ssl-verify: {value})",
        "the ALB does not verify targets' certificates (it accepts any): keep the backend inside the VPC's trust "
        "boundary, or verify in a sidecar or service mesh; then pass --allow-unprotected",
        off=_not_on,
    ),
    "proxy-ssl-secret": Disposition(
        "not-converted",
        "the ALB presents no client certificate to targets and trusts any target certificate",
        "backend-protocol HTTPS without a client certificate (a service mesh for mutual TLS to pods)",
    ),
    "proxy-ssl-verify-depth": Disposition(
        "not-converted", "the ALB does not verify targets' certificates (see proxy-ssl-verify)"
    ),
    "proxy-ssl-ciphers": Disposition("not-converted", "the ALB picks the cipher to targets itself; it takes no list"),
    "proxy-ssl-protocols": Disposition(
        "not-converted", "the ALB picks the TLS version to targets itself; it takes no list"
    ),
    "proxy-ssl-name": Disposition(
        "not-converted", "the ALB sends no SNI name of your choosing to targets and checks no certificate name"
    ),
    "proxy-ssl-server-name": Disposition(
        "not-converted", "the ALB sends no SNI name of your choosing to targets", off=_not_on
    ),
    # CORS.
    "enable-cors": Disposition(
        "not-converted",
        "CORS headers are not added: the ALB adds no response header per Ingress",
        LISTENER_HEADERS.replace("{attribute}", "access_control_allow_origin"),
        off=_false,
    ),
    "cors-allow-origin": _cors("access_control_allow_origin"),
    "cors-allow-headers": _cors("access_control_allow_headers"),
    "cors-allow-methods": _cors("access_control_allow_methods"),
    "cors-allow-credentials": _cors("access_control_allow_credentials"),
    "cors-expose-headers": _cors("access_control_expose_headers"),
    "cors-max-age": _cors("access_control_max_age"),
    # Logging and tracing.
    "enable-access-log": Disposition(
        "not-converted",
        "nginx's access log; the ALB writes its own, group-wide",
        "load-balancer-attributes access_logs.s3.enabled=true,access_logs.s3.bucket=...",
    ),
    "enable-rewrite-log": Disposition("not-converted", "nginx's rewrite log; the ALB has none"),
    "enable-opentelemetry": Disposition(
        "not-converted",
        "the ALB does not create spans; it adds X-Amzn-Trace-Id to each request",
        "instrument the app; read X-Amzn-Trace-Id",
    ),
    "opentelemetry-operation-name": Disposition("not-converted", "the ALB does not create spans"),
    "opentelemetry-trust-incoming-span": Disposition("not-converted", "the ALB does not create spans"),
    # Rate limits: protections.
    "limit-rps": Disposition("lost-protection", "a limit of {value} requests a second per client", RATE, off=_zero),
    "limit-rpm": Disposition("lost-protection", "a limit of {value} requests a minute per client", RATE, off=_zero),
    "limit-connections": Disposition(
        "lost-protection",
        "a limit of {value} connections per client",
        f"the ALB has no connection limit: a rate-based rule in {WAF} is the nearest; then pass --allow-unprotected",
        off=_zero,
    ),
    "limit-burst-multiplier": _part("limit-rps/limit-rpm", "a burst of {value} times the rate limit", RATE),
    # Kilobytes (template.go buildRateLimit: limit_rate %vk), enforced only with proxy-buffering on (off by
    # default): limit_rate.py decides, per Ingress, whether anything was enforced.
    "limit-rate": Disposition(
        "lost-protection",
        "a bandwidth limit of {value} kilobytes a second per response (with proxy-buffering on)",
        "the ALB does not throttle responses: throttle in the app; then pass --allow-unprotected",
        step="lost-protection when proxy-buffering is on (annotation, else the ConfigMap); with it off (the "
        "default) nginx's limit_rate limited nothing: converted, nothing lost",
        off=_zero,
    ),
    "limit-rate-after": Disposition(
        "lost-protection",
        "the kilobytes sent before limit-rate applies ({value}) (part of the limit-rate protection)",
        "the ALB does not throttle responses: throttle in the app",
        step="as limit-rate: lost with it when proxy-buffering is on and limit-rate is over 0, else nothing lost",
    ),
    "limit-allowlist": _part(
        "limit-rps/limit-rpm/limit-connections",
        "client ranges exempt from the rate limits ({value})",
        f"a scope-down statement of the {WAF} rate-based rule excluding an IP set",
    ),
    "limit-whitelist": _part(
        "limit-rps/limit-rpm/limit-connections",
        "client ranges exempt from the rate limits ({value})",
        f"a scope-down statement of the {WAF} rate-based rule excluding an IP set",
    ),
    # Authentication: protections, in every form.
    "auth-url": Disposition("lost-protection", "external authentication (every request checked at {value})", AUTH),
    "auth-type": Disposition(
        "lost-protection",
        "HTTP {value} authentication",
        "the ALB has no basic or digest authentication: " + AUTH,
    ),
    "auth-secret": Disposition("lost-protection", "credentials from Secret {value}", "see auth-type: " + AUTH),
    "auth-secret-type": _part("auth-type", "the credentials' format ({value})", "see auth-type"),
    "auth-realm": _part("auth-type", "the realm shown to users ({value})", "see auth-type"),
    "auth-signin": _part("auth-url", "the sign-in page {value}", "ALB authentication redirects to the IdP itself"),
    "auth-signin-redirect-param": _part("auth-url", "the sign-in redirect parameter", "see auth-url"),
    "auth-method": _part("auth-url", "the check's method ({value})", "see auth-url"),
    "auth-response-headers": _part(
        "auth-url",
        "headers passed from the check ({value})",
        "ALB authentication passes the claims as x-amzn-oidc-* headers",
    ),
    "auth-request-redirect": _part("auth-url", "the check's X-Auth-Request-Redirect", "see auth-url"),
    "auth-proxy-set-headers": _part("auth-url", "headers sent to the check", "see auth-url"),
    "auth-cache-key": _part("auth-url", "the check's cache key", "ALB authentication keeps a session cookie"),
    "auth-cache-duration": _part("auth-url", "the check's cache duration", "auth-session-timeout"),
    "auth-always-set-cookie": _part("auth-url", "cookies from the check", "see auth-url"),
    "auth-keepalive": _part("auth-url", "keep-alive connections to the check", "see auth-url"),
    "auth-keepalive-requests": _part("auth-url", "keep-alive requests to the check", "see auth-url"),
    "auth-keepalive-share-vars": _part("auth-url", "variables shared with the check", "see auth-url"),
    "auth-keepalive-timeout": _part("auth-url", "the keep-alive timeout to the check", "see auth-url"),
    "auth-snippet": Disposition("lost-protection", "raw nginx authentication configuration", AUTH),
    "auth-tls-verify-client": Disposition(
        "lost-protection", "client certificates (auth-tls-verify-client: {value})", MTLS, off=_off
    ),
    "auth-tls-secret": Disposition("lost-protection", "client certificates checked against CA Secret {value}", MTLS),
    "auth-tls-verify-depth": _part("auth-tls-verify-client", "the client chain's depth ({value})", MTLS),
    "auth-tls-error-page": _part("auth-tls-verify-client", "the page for refused certificates", MTLS),
    "auth-tls-match-cn": _part(
        "auth-tls-verify-client",
        "the certificate subjects let in ({value})",
        "ALB mutual TLS passes the certificate (X-Amzn-Mtls-Clientcert-*): check the subject in the app",
    ),
    "auth-tls-pass-certificate-to-upstream": _part(
        "auth-tls-verify-client",
        "the client certificate passed to the app",
        "ALB mutual TLS passes it as X-Amzn-Mtls-Clientcert",
    ),
    "satisfy": Disposition(
        "lost-protection",
        "the combination of its access checks (satisfy {value})",
        "carry over each check it combines (auth-*, source ranges): " + AUTH,
    ),
    "enable-global-auth": Disposition(
        "converted",
        "{value}: whether the ConfigMap's global-auth-url applies; that key, not this annotation, is what holds "
        "Ingresses back",
        step="read with ParseBool: false exempts the Ingress from the ConfigMap's global-auth-url, as in ingress-nginx",
    ),
    # ModSecurity and snippets: protections.
    "enable-modsecurity": Disposition(
        "lost-protection",
        "the ModSecurity web application firewall",
        f"{WAF} with the managed rule groups that match its rules; then pass --allow-unprotected",
        off=_false,
    ),
    "enable-owasp-core-rules": Disposition(
        "lost-protection",
        "the OWASP Core Rule Set in ModSecurity",
        f"{WAF} with AWSManagedRulesCommonRuleSet (the nearest to the OWASP CRS)",
        off=_false,
    ),
    "modsecurity-snippet": Disposition("lost-protection", "ModSecurity rules", f"WAF rules in {WAF}"),
    "modsecurity-transaction-id": _part("enable-modsecurity", "the ModSecurity transaction id", f"see {WAF}"),
    "configuration-snippet": Disposition(
        "lost-protection", "raw nginx configuration (often where teams put access rules)", SNIPPET, off=_empty
    ),
    "server-snippet": Disposition(
        "lost-protection", "raw nginx server configuration (often where teams put access rules)", SNIPPET, off=_empty
    ),
    "stream-snippet": Disposition(
        "lost-protection",
        "raw nginx stream configuration (TCP/UDP servers)",
        "an NLB for the TCP/UDP services it defined; " + SNIPPET,
        off=_empty,
    ),
}

# ingress-nginx's aliases (AnnotationAliases): the alias reads as the name it stands for.
ALIASES = {"whitelist-source-range": "allowlist-source-range", "limit-whitelist": "limit-allowlist"}

# Names ingress-nginx read once and controller-v1.15.1 does not. None so far: the deny list was only ever
# ``denylist-source-range`` (added in controller-v1.7.0, kubernetes/ingress-nginx #8795); no release read a
# ``blacklist-source-range``. A name here would be reported with its own line rather than as unknown.
RETIRED: dict[str, Disposition] = {}


def _text(template: str, value: str) -> str:
    """``{value}`` and ``{value!r}`` filled in without str.format: a value may hold braces."""
    return template.replace("{value!r}", repr(value)).replace("{value}", value)


def annotation_finding(short: str, value: str, nginx: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(status, detail) for the nginx annotation ``short`` with ``value``, when no conversion step wrote one.

    ``nginx`` is the Ingress's nginx settings, for the entries that need another annotation to matter.
    """
    entry = ANNOTATIONS.get(short) or RETIRED.get(short)
    if entry is None:
        return (
            "not-converted",
            "not an annotation ingress-nginx controller-v1.15.1 reads, so it had no effect there (a misspelling? "
            "compare with docs/migrate-annotations.md); dropped",
        )
    needed = not entry.needs or go_bool(str((nginx or {}).get(entry.needs, ""))) is True
    return _finding(entry, value, "it", needed)


def _finding(entry: Disposition, value: str, whom: str, needed: bool = True) -> tuple[str, str]:
    """(status, detail) of a catalogue entry for ``value``: an annotation's (``whom`` "it") or a ConfigMap key's
    ("every Ingress"); ``needed`` is False when the boolean annotation it depends on is not true."""
    if entry.off is not None and entry.off(value):
        return "converted", f"{value!r}: off, as ingress-nginx had it; nothing to carry over"
    if not needed:
        return "converted", f"no effect without {entry.needs}: true, as in ingress-nginx; nothing to carry over"
    detail = _text(entry.detail, value)
    if entry.status == "lost-protection":
        return entry.status, f"protected {whom} with {detail}; carry it over: {_text(entry.alb, value)}"
    if entry.status == "read":
        return "converted", detail
    if entry.alb:
        detail += f"; the ALB way: {_text(entry.alb, value)}"
    return entry.status, detail


# --- The controller's ConfigMap ---------------------------------------------------------------------------

LOGS = Disposition(
    "not-converted",
    "nginx's own logging; the ALB writes access logs to S3",
    "load-balancer-attributes access_logs.s3.enabled=true,access_logs.s3.bucket=...",
)
TUNING = Disposition("not-converted", "tunes nginx's own processes and buffers, which the ALB has not")
COMPRESSION = Disposition(
    "not-converted", "the ALB does not compress responses", "compress in the app, or put CloudFront in front"
)
TRACING = Disposition("not-converted", "the ALB does not create spans; it adds X-Amzn-Trace-Id to each request")
TLS_POLICY = Disposition(
    "approximated",
    "the ALB's TLS settings come from its security policy (migrate writes the recommended one)",
    "alb.ingress.kubernetes.io/ssl-policy",
)
CONTROLLER_ONLY = Disposition(
    "converted",
    "nothing to carry over: it governs what ingress-nginx itself accepts from Ingresses (snippets, risk levels, "
    "path checks), and the converted Ingresses use none of it",
)
TIMEOUT = Disposition(
    "not-converted",
    "the ALB's client and keep-alive timeouts are fixed, apart from the idle timeout",
    "load-balancer-attributes idle_timeout.timeout_seconds and client_keep_alive.seconds",
)
PROXY = Disposition("not-converted", NGINX_ONLY)
STREAM = Disposition(
    "not-converted", "ingress-nginx's TCP/UDP proxying: the ALB proxies HTTP only", "an NLB for TCP/UDP services"
)
GLOBAL_AUTH_PART = Disposition(
    "lost-protection", "part of the global external authentication (global-auth-url)", AUTH, off=_empty
)
READ = Disposition("read", "the default of the annotation of the same name, read from the ConfigMap")


def _read(detail: str) -> Disposition:
    return Disposition("read", detail)


CONFIGMAP: dict[str, Disposition] = {
    # Read: the default of the annotation of the same name (annotations.GLOBAL_DEFAULTS), or for itself.
    "ssl-redirect": READ,
    "force-ssl-redirect": READ,
    "proxy-read-timeout": READ,
    "proxy-send-timeout": READ,
    "proxy-connect-timeout": READ,
    "proxy-body-size": READ,
    "whitelist-source-range": _read("the default allow list of every Ingress without one of its own"),
    "http-redirect-code": _read("the status of ingress-nginx's HTTPS redirect (308 by default; the ALB answers 301)"),
    # Protective: they decide who may reach the apps of every Ingress.
    "denylist-source-range": Disposition(
        "lost-protection",
        "a deny list of client ranges for every Ingress ({value})",
        f"WAF IP set rules in {WAF}",
        off=_empty,
    ),
    "block-cidrs": Disposition(
        "lost-protection",
        "client ranges blocked for every Ingress ({value})",
        f"WAF IP set rules in {WAF}",
        off=_empty,
    ),
    "block-user-agents": Disposition(
        "lost-protection",
        "user agents blocked for every Ingress ({value})",
        f"a User-Agent byte-match or regex rule in {WAF}",
        off=_empty,
    ),
    "block-referers": Disposition(
        "lost-protection",
        "referers blocked for every Ingress ({value})",
        f"a Referer match rule in {WAF}",
        off=_empty,
    ),
    "global-auth-url": Disposition(
        "lost-protection", "external authentication of every Ingress at {value}", AUTH, off=_empty
    ),
    "global-auth-method": GLOBAL_AUTH_PART,
    "global-auth-signin": GLOBAL_AUTH_PART,
    "global-auth-signin-redirect-param": GLOBAL_AUTH_PART,
    "global-auth-response-headers": GLOBAL_AUTH_PART,
    "global-auth-request-redirect": GLOBAL_AUTH_PART,
    "global-auth-snippet": GLOBAL_AUTH_PART,
    "global-auth-cache-key": GLOBAL_AUTH_PART,
    "global-auth-cache-duration": GLOBAL_AUTH_PART,
    "global-auth-always-set-cookie": GLOBAL_AUTH_PART,
    "global-external-auth": Disposition(
        "not-converted", "not a ConfigMap key in practice: ingress-nginx fills it from the global-auth-* keys"
    ),
    "no-auth-locations": Disposition(
        "not-converted", "paths exempt from global-auth-url ({value}); the global-auth-url line says what is lost"
    ),
    "enable-modsecurity": Disposition(
        "lost-protection",
        "the ModSecurity web application firewall on every Ingress",
        f"{WAF} with the managed rule groups that match its rules",
        off=_false,
    ),
    "enable-owasp-modsecurity-crs": Disposition(
        "lost-protection",
        "the OWASP Core Rule Set on every Ingress",
        f"{WAF} with AWSManagedRulesCommonRuleSet",
        off=_false,
    ),
    "modsecurity-snippet": Disposition(
        "lost-protection", "ModSecurity rules for every Ingress", f"WAF rules in {WAF}", off=_empty
    ),
    "http-snippet": Disposition(
        "lost-protection",
        "raw nginx http configuration (often access rules)",
        SNIPPET,
        step="read: the redirect snippet of TLS ended at the NLB (ingress-nginx's NLB-TLS manifest) is carried as "
        "ssl-redirect; any other snippet holds the class's Ingresses back",
        off=_empty,
    ),
    "server-snippet": Disposition("lost-protection", "raw nginx configuration in every server", SNIPPET, off=_empty),
    "location-snippet": Disposition(
        "lost-protection", "raw nginx configuration in every location", SNIPPET, off=_empty
    ),
    "main-snippet": Disposition(
        "not-converted", "raw nginx main-context configuration (processes, modules); the ALB has none", off=_empty
    ),
    "stream-snippet": Disposition(
        "lost-protection",
        "raw nginx stream configuration (TCP/UDP servers)",
        "an NLB for the TCP/UDP services it defined; " + SNIPPET,
        off=_empty,
    ),
    "limit-rate": Disposition(
        "read",
        "{value}: the default of the annotation, in kilobytes a second; each Ingress where proxy-buffering is on "
        "(nginx's limit_rate works only then) loses it and is held back",
    ),
    "limit-rate-after": Disposition("read", "{value}: the default of the annotation, in kilobytes"),
    "limit-req-status-code": Disposition(
        "not-converted", "the status of rate-limited requests; a WAF rate-based rule answers 403 (or a custom response)"
    ),
    "limit-conn-status-code": Disposition("not-converted", "the status of connection-limited requests"),
    "limit-conn-zone-variable": Disposition("not-converted", "the key of nginx's connection limits"),
    "nginx-status-ipv4-whitelist": Disposition(
        "not-converted", "who may read nginx's own status page, which goes away with it"
    ),
    "nginx-status-ipv6-whitelist": Disposition(
        "not-converted", "who may read nginx's own status page, which goes away with it"
    ),
    # Client address: what ingress-nginx took as the client (allow lists matched it).
    "use-forwarded-headers": Disposition(
        "not-converted",
        "{value}: ingress-nginx took the client address from a forwarded header; the ALB's source-ip and "
        "inbound-cidrs match the connecting address",
        "WAF IP set rules with ForwardedIPConfig (wafv2-acl-arn)",
        step="read: an allow-list whose result it changes (a trusted proxy range overlapping the list) is held back; "
        "otherwise a note (docs/migrate-protection.md)",
    ),
    "enable-real-ip": Disposition(
        "not-converted",
        "{value}: ingress-nginx took the client address from a forwarded header; the ALB's source-ip and "
        "inbound-cidrs match the connecting address",
        "WAF IP set rules with ForwardedIPConfig (wafv2-acl-arn)",
        step="read: an allow-list whose result it changes (a trusted proxy range overlapping the list) is held back; "
        "otherwise a note (docs/migrate-protection.md)",
    ),
    "use-proxy-protocol": Disposition(
        "not-converted", "the ALB does not take PROXY protocol from clients; it is the first hop", off=_false
    ),
    "forwarded-for-header": Disposition(
        "not-converted",
        "{value}: ingress-nginx took the client address from a forwarded header; the ALB's source-ip and "
        "inbound-cidrs match the connecting address",
        "WAF IP set rules with ForwardedIPConfig (wafv2-acl-arn)",
        step="read: an allow-list whose result it changes (a trusted proxy range overlapping the list) is held back; "
        "otherwise a note (docs/migrate-protection.md)",
    ),
    "forwarded-for-proxy-protocol-header": Disposition("not-converted", "the ALB does not take PROXY protocol"),
    "forwarded-host-header": Disposition("not-converted", "the ALB passes the Host header as the client sent it"),
    "compute-full-forwarded-for": Disposition(
        "not-converted",
        "{value}: the ALB appends the client to X-Forwarded-For (mode append)",
        "load-balancer-attributes routing.http.xff_header_processing.mode",
        off=_false,
    ),
    "proxy-real-ip-cidr": Disposition(
        "not-converted",
        "{value}: ingress-nginx took the client address from a forwarded header; the ALB's source-ip and "
        "inbound-cidrs match the connecting address",
        "WAF IP set rules with ForwardedIPConfig (wafv2-acl-arn)",
        step="read: an allow-list whose result it changes (a trusted proxy range overlapping the list) is held back; "
        "otherwise a note (docs/migrate-protection.md)",
    ),
    "proxy-add-original-uri-header": Disposition("not-converted", "the ALB adds no X-Original-Uri", off=_false),
    "generate-request-id": Disposition(
        "approximated",
        "the ALB sends X-Amzn-Trace-Id, not X-Request-ID",
        "read X-Amzn-Trace-Id in the app",
        off=_false,
    ),
    # HSTS and headers.
    "hsts": Disposition(
        "converted",
        "part of the HSTS header ingress-nginx adds to HTTPS responses (on by default)",
        "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443: "
        "routing.http.response.strict_transport_security.header_value",
        step="converted: on Ingresses with TLS, the HSTS header built from hsts, hsts-max-age, "
        "hsts-include-subdomains and hsts-preload as listener-attributes.HTTPS-443 "
        "routing.http.response.strict_transport_security.header_value",
    ),
    "hsts-include-subdomains": Disposition(
        "converted",
        "part of the HSTS header ingress-nginx adds to HTTPS responses (on by default)",
        "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443: "
        "routing.http.response.strict_transport_security.header_value",
        step="converted: on Ingresses with TLS, the HSTS header built from hsts, hsts-max-age, "
        "hsts-include-subdomains and hsts-preload as listener-attributes.HTTPS-443 "
        "routing.http.response.strict_transport_security.header_value",
    ),
    "hsts-max-age": Disposition(
        "converted",
        "part of the HSTS header ingress-nginx adds to HTTPS responses (on by default)",
        "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443: "
        "routing.http.response.strict_transport_security.header_value",
        step="converted: on Ingresses with TLS, the HSTS header built from hsts, hsts-max-age, "
        "hsts-include-subdomains and hsts-preload as listener-attributes.HTTPS-443 "
        "routing.http.response.strict_transport_security.header_value",
    ),
    "hsts-preload": Disposition(
        "converted",
        "part of the HSTS header ingress-nginx adds to HTTPS responses (on by default)",
        "alb.ingress.kubernetes.io/listener-attributes.HTTPS-443: "
        "routing.http.response.strict_transport_security.header_value",
        step="converted: on Ingresses with TLS, the HSTS header built from hsts, hsts-max-age, "
        "hsts-include-subdomains and hsts-preload as listener-attributes.HTTPS-443 "
        "routing.http.response.strict_transport_security.header_value",
    ),
    "add-headers": Disposition(
        "not-converted",
        "the response headers of ConfigMap {value!r} are not added",
        "security headers as listener attributes (routing.http.response.*), others in the app",
    ),
    "proxy-set-headers": Disposition(
        "not-converted", "the request headers of ConfigMap {value!r} are not added: the ALB adds only X-Forwarded-*"
    ),
    "hide-headers": Disposition(
        "not-converted", "the ALB passes the app's response headers as they are; remove them in the app"
    ),
    "server-tokens": Disposition(
        "not-converted",
        "the ALB's own Server header",
        "listener-attributes routing.http.response.server.enabled=false",
        off=_false,
    ),
    "allow-backend-server-header": Disposition("not-converted", "the ALB passes the app's Server header", off=_false),
    "global-allowed-response-headers": CONTROLLER_ONLY,
    "custom-http-errors": Disposition(
        "not-converted",
        "error pages for {value} are not intercepted",
        "error pages in the app or in CloudFront",
        off=_empty,
    ),
    "disable-proxy-intercept-errors": Disposition("not-converted", "the ALB never intercepts the app's errors"),
    "default-type": Disposition("not-converted", "nginx's own responses; the ALB's fixed responses set their type"),
    "ignore-invalid-headers": Disposition(
        "not-converted",
        "{value}: nginx dropped invalid header fields",
        "load-balancer-attributes routing.http.drop_invalid_header_fields.enabled=true",
    ),
    "enable-underscores-in-headers": Disposition(
        "not-converted", "the ALB passes header names with underscores", off=_false
    ),
    # Redirects and paths.
    "app-root": Disposition("not-converted", "a ConfigMap default nobody sets; see the annotation app-root"),
    "relative-redirects": Disposition("not-converted", "nginx's own redirects; the ALB's are absolute", off=_false),
    "use-port-in-redirects": Disposition("not-converted", "nginx's own redirects only", off=_false),
    "preserve-trailing-slash": Disposition(
        "read",
        "{value}: the default of the annotation; where false, each Ingress ingress-nginx redirected to HTTPS is "
        "reported: nginx's redirect dropped one trailing '/' (lua_ingress.lua), the ALB's ssl-redirect keeps it",
    ),
    "no-tls-redirect-locations": Disposition(
        "not-converted",
        "paths ingress-nginx served over HTTP despite its redirect ({value}); the ALB's ssl-redirect covers every path",
        # v3.5.0 model_build_listener_rules.go buildListenerRules: with ssl-redirect the controller builds no
        # rules on HTTP listeners, and ssl-redirect is group-wide.
        "no ssl-redirect, with explicit redirect actions to HTTPS for the other paths (actions.<name> on the HTTP "
        "listener) and forwards for these; or put the Ingresses that serve these paths in a separate group",
    ),
    "strict-validate-path-type": CONTROLLER_ONLY,
    # Upstreams.
    "load-balance": Disposition(
        "not-converted",
        "{value!r} is nginx's balancing algorithm",
        "target-group-attributes load_balancing.algorithm.type",
    ),
    "upstream-hash-by": Disposition("not-converted", "the ALB has no consistent hashing", off=_empty),
    "upstream-hash-by-subset": Disposition("not-converted", "the ALB has no consistent hashing"),
    "upstream-hash-by-subset-size": Disposition("not-converted", "the ALB has no consistent hashing"),
    "service-upstream": Disposition("not-converted", "the ALB targets pods (target-type ip)", off=_false),
    "upstream-keepalive-connections": PROXY,
    "upstream-keepalive-requests": PROXY,
    "upstream-keepalive-time": PROXY,
    "upstream-keepalive-timeout": PROXY,
    "retry-non-idempotent": Disposition("not-converted", "the ALB does not retry requests", off=_false),
    "proxy-next-upstream": Disposition("not-converted", "the ALB does not retry requests"),
    "proxy-next-upstream-timeout": Disposition("not-converted", "the ALB does not retry requests"),
    "proxy-next-upstream-tries": Disposition("not-converted", "the ALB does not retry requests"),
    "proxy-ssl-location-only": CONTROLLER_ONLY,
    "proxy-http-version": Disposition(
        "not-converted", "the ALB chooses from backend-protocol-version", "backend-protocol-version HTTP1 or HTTP2"
    ),
    "proxy-cookie-domain": Disposition("not-converted", "the ALB does not rewrite Set-Cookie headers"),
    "proxy-cookie-path": Disposition("not-converted", "the ALB does not rewrite Set-Cookie headers"),
    "proxy-redirect-from": Disposition("not-converted", "the ALB does not rewrite Location headers"),
    "proxy-redirect-to": Disposition("not-converted", "the ALB does not rewrite Location headers"),
    # Controller policy.
    "allow-snippet-annotations": CONTROLLER_ONLY,
    "allow-cross-namespace-resources": CONTROLLER_ONLY,
    "annotations-risk-level": CONTROLLER_ONLY,
    "annotation-value-word-blocklist": CONTROLLER_ONLY,
    # TLS.
    "ssl-ciphers": TLS_POLICY,
    "ssl-protocols": TLS_POLICY,
    "ssl-ecdh-curve": TLS_POLICY,
    "ssl-dh-param": TLS_POLICY,
    "ssl-early-data": Disposition("not-converted", "the ALB does not take TLS early data", off=_false),
    "ssl-buffer-size": TUNING,
    "ssl-session-cache": TUNING,
    "ssl-session-cache-size": TUNING,
    "ssl-session-tickets": TUNING,
    "ssl-session-ticket-key": TUNING,
    "ssl-session-timeout": TUNING,
    "ssl-reject-handshake": Disposition(
        "not-converted",
        "{value}: nginx refused TLS for unknown hosts; the ALB answers with its default certificate",
        off=_false,
    ),
    "enable-ocsp": Disposition("not-converted", "nginx's OCSP stapling; the ALB has no OCSP setting", off=_false),
    "use-http2": Disposition(
        "converted",
        "the ALB speaks HTTP/2 to clients on HTTPS listeners",
        "load-balancer-attributes routing.http2.enabled",
    ),
    "http2-max-concurrent-streams": TUNING,
    "http2-max-field-size": TUNING,
    "http2-max-header-size": TUNING,
    "http2-max-requests": TUNING,
    # Client-side limits and timeouts.
    "client-body-buffer-size": TUNING,
    "client-body-timeout": TIMEOUT,
    "client-header-buffer-size": TUNING,
    "client-header-timeout": TIMEOUT,
    "large-client-header-buffers": Disposition(
        "not-converted", "the ALB's header limits are fixed (a request line and headers of at most 64 KB)"
    ),
    "keep-alive": TIMEOUT,
    "keep-alive-requests": TIMEOUT,
    "proxy-protocol-header-timeout": TUNING,
    "proxy-buffering": Disposition(
        "read",
        "{value}: the default of the annotation; it decides whether limit-rate was enforced (only with it on)",
    ),
    "proxy-buffer-size": PROXY,
    "proxy-buffers-number": PROXY,
    "proxy-busy-buffers-size": PROXY,
    "proxy-max-temp-file-size": PROXY,
    "proxy-request-buffering": PROXY,
    "proxy-headers-hash-bucket-size": TUNING,
    "proxy-headers-hash-max-size": TUNING,
    # TCP/UDP (stream) proxying.
    "proxy-stream-next-upstream": STREAM,
    "proxy-stream-next-upstream-timeout": STREAM,
    "proxy-stream-next-upstream-tries": STREAM,
    "proxy-stream-responses": STREAM,
    "proxy-stream-timeout": STREAM,
    # Logging.
    "access-log-params": LOGS,
    "access-log-path": LOGS,
    "disable-access-log": LOGS,
    "disable-http-access-log": LOGS,
    "disable-stream-access-log": LOGS,
    "enable-access-log-for-default-backend": LOGS,
    "enable-auth-access-log": LOGS,
    "error-log-level": LOGS,
    "error-log-path": LOGS,
    "http-access-log-path": LOGS,
    "stream-access-log-path": LOGS,
    "log-format-escape-json": LOGS,
    "log-format-escape-none": LOGS,
    "log-format-stream": LOGS,
    "log-format-upstream": LOGS,
    "skip-access-log-urls": LOGS,
    "enable-syslog": LOGS,
    "syslog-host": LOGS,
    "syslog-port": LOGS,
    "debug-connections": LOGS,
    # Compression.
    "use-gzip": COMPRESSION,
    "gzip-disable": COMPRESSION,
    "gzip-level": COMPRESSION,
    "gzip-min-length": COMPRESSION,
    "gzip-types": COMPRESSION,
    "enable-brotli": COMPRESSION,
    "brotli-level": COMPRESSION,
    "brotli-min-length": COMPRESSION,
    "brotli-types": COMPRESSION,
    # Tracing.
    "enable-opentelemetry": TRACING,
    "opentelemetry-config": TRACING,
    "opentelemetry-operation-name": TRACING,
    "opentelemetry-trust-incoming-span": TRACING,
    "otel-max-export-batch-size": TRACING,
    "otel-max-queuesize": TRACING,
    "otel-sampler": TRACING,
    "otel-sampler-parent-based": TRACING,
    "otel-sampler-ratio": TRACING,
    "otel-schedule-delay-millis": TRACING,
    "otel-service-name": TRACING,
    "otlp-collector-host": TRACING,
    "otlp-collector-port": TRACING,
    # GeoIP.
    "use-geoip2": Disposition(
        "not-converted",
        "nginx's GeoIP variables; the ALB has none",
        f"a geo match rule in {WAF} where they were used for access",
        off=_false,
    ),
    "geoip2-autoreload-in-minutes": TUNING,
    # nginx's processes.
    "bind-address": TUNING,
    "bind-address-ipv4": TUNING,
    "bind-address-ipv6": TUNING,
    "disable-ipv6": Disposition(
        "not-converted", "the ALB's address family is its own", "alb.ingress.kubernetes.io/ip-address-type"
    ),
    "disable-ipv6-dns": TUNING,
    "enable-aio-write": TUNING,
    "enable-multi-accept": TUNING,
    "enable-serial-reloads": TUNING,
    "grpc-buffer-size-kb": TUNING,
    "lua-shared-dicts": TUNING,
    "map-hash-bucket-size": TUNING,
    "max-worker-connections": TUNING,
    "max-worker-open-files": TUNING,
    "reuse-port": TUNING,
    "server-name-hash-bucket-size": TUNING,
    "server-name-hash-max-size": TUNING,
    "variables-hash-bucket-size": TUNING,
    "variables-hash-max-size": TUNING,
    "worker-cpu-affinity": TUNING,
    "worker-processes": TUNING,
    "worker-shutdown-timeout": TUNING,
}


# The ConfigMap's protections are read by albops.migrate.protection, which holds each Ingress of the class back
# with its own lost-protection line (per-Ingress opt-outs such as enable-global-auth: false honoured).
for _key in (*CONFIGMAP_PROTECTIONS, *CONFIGMAP_PARTS):
    if not CONFIGMAP[_key].step:
        CONFIGMAP[_key] = replace(
            CONFIGMAP[_key],
            step="held back: each Ingress of the class gets its lost-protection line"
            if _key in CONFIGMAP_PROTECTIONS
            else f"part of {CONFIGMAP_PARTS[_key]}: reported with it",
        )


def configmap_finding(key: str, value: str) -> tuple[str, str]:
    """(status, detail) for a key of ingress-nginx's ConfigMap that migrate does not read itself."""
    entry = CONFIGMAP.get(key)
    if entry is None:
        return (
            "not-converted",
            "not a key ingress-nginx controller-v1.15.1 reads, so it had no effect there (a misspelling? compare "
            "with docs/migrate-annotations.md); ignored",
        )
    return _finding(entry, value, "every Ingress")


# --- The fact files, and the page generated from this module --------------------------------------------


def fact_names() -> dict[str, str | None]:
    """Every annotation name of the fact file: name -> the name it is an alias of (None for a name itself)."""
    data = json.loads(ANNOTATIONS_FACTS.read_text(encoding="utf-8"))
    return {entry["name"]: entry.get("alias_of") for entry in data["names"]}


def fact_keys() -> list[str]:
    data = json.loads(CONFIGMAP_FACTS.read_text(encoding="utf-8"))
    return [entry["name"] for entry in data["keys"]]


def _cell(text: str) -> str:
    return (
        re.sub(r"\s+", " ", text).replace("|", "\\|").replace("{value!r}", "the value").replace("{value}", "the value")
    )


def _row(name: str, entry: Disposition, aliases: Mapping[str, str]) -> str:
    what = entry.detail if entry.status != "lost-protection" else "protected the app with " + entry.detail
    if entry.step:
        what = f"step: {entry.step}. Otherwise: {what}"
    if entry.off is not None:
        what += " (nothing when it is off)"
    alias = f" (alias of `{aliases[name]}`)" if name in aliases else ""
    status = f"by its step; else {entry.status}" if entry.step else entry.status
    return f"| `{name}`{alias} | {status} | {_cell(what)} | {_cell(entry.alb)} |"


def markdown() -> str:
    """docs/migrate-annotations.md: the whole catalogue as this module has it (a test keeps the page in step)."""
    lines = [
        "# migrate: every ingress-nginx annotation and ConfigMap key",
        "",
        "<!-- Generated by albops.migrate.catalogue.markdown(); tests/test_migrate_catalogue.py checks it. -->",
        "",
        "What `albops migrate` does with each of the 138 annotation names ingress-nginx controller-v1.15.1 reads "
        "(136 annotations and 2 aliases, from `facts/ingress_nginx_annotations.json`) and each key of its "
        "ConfigMap (`facts/ingress_nginx_configmap.json`, from the controller's ConfigMap in the input, or "
        "`--controller-config`). Annotations are read under the install's `--annotations-prefix` (default "
        "`nginx.ingress.kubernetes.io`).",
        "",
        "- **converted** / **approximated**: the output carries it (a *step* of the conversion writes its own "
        "finding; the rest of the line is what is said when that step does not apply);",
        "- **not-converted**: the output does not carry it, for the reason given; the last column is the ALB way to "
        "do it by hand, where there is one;",
        "- **lost-protection**: it decided who may reach the app. The Ingress is held back (exit 3, nothing "
        "written) unless `--allow-unprotected`; the last column is how to carry the protection over.",
        "- **read** (ConfigMap): taken as the default of the annotation of the same name.",
        "",
        "## Annotations",
        "",
        "| Annotation | Disposition | What the output does | The ALB way |",
        "|---|---|---|---|",
    ]
    lines += [_row(name, ANNOTATIONS[name], ALIASES) for name in sorted(ANNOTATIONS)]
    if RETIRED:
        lines += [
            "",
            "Retired names (not read by controller-v1.15.1, protective in older releases):",
            "",
            "| Annotation | Disposition | What the output does | The ALB way |",
            "|---|---|---|---|",
        ]
        lines += [_row(name, RETIRED[name], {}) for name in sorted(RETIRED)]
    lines += [
        "",
        "## ConfigMap keys",
        "",
        "| Key | Disposition | What the output does | The ALB way |",
        "|---|---|---|---|",
    ]
    lines += [_row(name, CONFIGMAP[name], {}) for name in sorted(CONFIGMAP)]
    return "\n".join(lines) + "\n"
