"""Routing cases whose nginx side is typed out by hand from ingress-nginx controller-v1.15.1, not derived.

Each case holds the Ingress YAML as a user writes it and, separately, the ``server`` blocks ingress-nginx
would generate for it, written from its sources (kubernetes/ingress-nginx, tag controller-v1.15.1):

- ``rootfs/etc/nginx/template/nginx.tmpl``: ``server_name {{ buildServerName $server.Hostname }}`` (l. 639),
  the app-root ``if ($uri = /) { return 302 $scheme://$http_host<app-root>; }`` before each location
  (l. 1000-1003), ``location {{ $path }}`` (l. 1150) with ``set $namespace/$ingress_name/$service_name/
  $location_path`` (l. 1152-1156), ``port_in_redirect off`` (l. 1185), ``return {{ Redirect.Code }}
  {{ Redirect.URL }}`` before the proxy_pass (l. 1417-1419), ``{{ buildProxyPass }}`` (l. 1421), the
  catch-all ``default_server`` answering 404 (l. 670-680);
- ``internal/ingress/controller/template/template.go``: ``buildLocation`` (``~* "^path"`` on a regex host,
  ``= "path"`` for Exact, ``"path"`` otherwise), ``enforceRegexModifier`` (one rewrite-target or use-regex
  makes every location of the host a regex), ``buildProxyPass`` (``rewrite "(?i)path" target break;``),
  ``buildServerName`` (``*.example.com`` -> ``~^(?<subdomain>[\\w-]+)\\.example\\.com$``: one label);
- ``internal/ingress/controller/controller.go``: locations sorted by path descending, then by length
  descending (l. 997-1003); each host's root location ``/`` (Prefix) with the default backend, or the first
  Ingress's ``spec.defaultBackend``, carrying that Ingress's annotations (``createServers``, l. 1328-1400);
  ``internal/ingress/controller/location.go`` ``updateServerLocations``: a Prefix path (without
  rewrite or use-regex) becomes ``path/`` plus an exact ``= path`` twin, unless an Exact path has it;
- ``internal/k8s/main.go`` ``SetDefaultNGINXPathType`` (l. 164-183, called as each Ingress is stored):
  ImplementationSpecific, and a missing pathType, are Prefix to ingress-nginx;
- ``internal/ingress/annotations/redirect/redirect.go``: temporal-redirect wins over permanent-redirect,
  codes outside 300..307 (temporal) and 300..308 (permanent) fall back to 302/301;
- ``rootfs/etc/nginx/lua/lua_ingress.lua`` ``redirect_to_https``: HTTP -> ``https://host`` + the request URI
  minus one trailing ``/`` (``preserve-trailing-slash`` off), with ``http-redirect-code`` (308 by default).

The test serves every block with a real nginx; the echo backend answers ``service|ingress|location path|URI``.
Canaries are not modelled in nginx.tmpl (they are Lua balancer decisions), so no case here has one.
"""

# One nginx location per line, as ingress-nginx writes them: easier to check against the template than wrapped.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hand:
    """One hand-written case: Ingress YAML, the nginx ingress-nginx writes for it, requests as 'host uri'."""

    name: str
    ingresses: str
    nginx: str
    requests: tuple[str, ...]
    # Why the converted ALB rules, or the model in albops.migrate.routes, disagree today (pytest xfail, strict).
    alb_xfail: str | None = None
    model_xfail: str | None = None
    # Whether albops.migrate.routes.nginx_route models the case (it knows no redirects and no host matching).
    model: bool = True


CASES: list[Hand] = [
    Hand(
        "prefix-exact-implementation-specific-mix",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: mix.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /api/v1, pathType: Exact, backend: {service: {name: v1exact, port: {number: 80}}}}
      - {path: /img, pathType: ImplementationSpecific, backend: {service: {name: img, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: home, port: {number: 80}}}}
""",
        # Sorted by path, then length, descending (controller.go l. 997-1003); /api gets /api/ plus its exact twin
        # (location.go l. 45-85); the ImplementationSpecific /img was stored as Prefix (SetDefaultNGINXPathType,
        # internal/k8s/main.go l. 164-183, called by store.go l. 947), so it gets /img/ and = /img too (/imgs/...
        # is the root's); / stays as it is.
        """
server { server_name "mix.test";
  location = "/api/v1" { set $ingress_name web; set $service_name v1exact; set $location_path "/api/v1"; proxy_pass http://upstream_balancer; }
  location "/img/" { set $ingress_name web; set $service_name img; set $location_path "/img"; proxy_pass http://upstream_balancer; }
  location = "/img" { set $ingress_name web; set $service_name img; set $location_path "/img"; proxy_pass http://upstream_balancer; }
  location "/api/" { set $ingress_name web; set $service_name api; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location = "/api" { set $ingress_name web; set $service_name api; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name web; set $service_name home; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        (
            "mix.test /api",
            "mix.test /api/",
            "mix.test /api/v1",
            "mix.test /api/v1/",
            "mix.test /api/v10",
            "mix.test /apix",
            "mix.test /API",
            "mix.test /img",
            "mix.test /imgs/a.png",
            "mix.test /img/a.png",
            "mix.test /",
            "mix.test /api?q=1",
            "unknown.mix.test /api",
        ),
    ),
    Hand(
        "exact-and-prefix-of-the-same-path",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: same.test
    http:
      paths:
      - {path: /cart, pathType: Exact, backend: {service: {name: cart-exact, port: {number: 80}}}}
      - {path: /cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}
""",
        # Same path, different pathType: both kept (controller.go createServers, "Same paths but different types
        # are allowed"); the Prefix gets no exact twin since an Exact /cart exists (location.go).
        """
server { server_name "same.test";
  location = "/cart" { set $ingress_name shop; set $service_name cart-exact; set $location_path "/cart"; proxy_pass http://upstream_balancer; }
  location "/cart/" { set $ingress_name shop; set $service_name cart; set $location_path "/cart"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name shop; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("same.test /cart", "same.test /cart/", "same.test /cart/items", "same.test /carts"),
    ),
    Hand(
        "prefix-segment-boundary",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: seg, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: seg.test
    http:
      paths:
      - {path: /a/b, pathType: Prefix, backend: {service: {name: ab, port: {number: 80}}}}
      - {path: /a, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
""",
        # The root location is the default backend, answering 404 (createServers l. 1362-1380).
        """
server { server_name "seg.test";
  location "/a/b/" { set $ingress_name seg; set $service_name ab; set $location_path "/a/b"; proxy_pass http://upstream_balancer; }
  location = "/a/b" { set $ingress_name seg; set $service_name ab; set $location_path "/a/b"; proxy_pass http://upstream_balancer; }
  location "/a/" { set $ingress_name seg; set $service_name a; set $location_path "/a"; proxy_pass http://upstream_balancer; }
  location = "/a" { set $ingress_name seg; set $service_name a; set $location_path "/a"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name seg; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("seg.test /a", "seg.test /a/", "seg.test /a/bc", "seg.test /a/b", "seg.test /a/b/c", "seg.test /ab"),
    ),
    Hand(
        "prefix-with-trailing-slash",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: docs, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: slash.test
    http:
      paths:
      - {path: /docs/, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: home, port: {number: 80}}}}
""",
        # normalizePrefixPath keeps /docs/; its twin is = /docs/ (location.go).
        """
server { server_name "slash.test";
  location "/docs/" { set $ingress_name docs; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location = "/docs/" { set $ingress_name docs; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name docs; set $service_name home; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        ("slash.test /docs/", "slash.test /docs/a/b", "slash.test /docsx", "slash.test /Docs/"),
    ),
    Hand(
        "trailing-slash-auto-redirect",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: docs, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: autoredirect.test
    http:
      paths:
      - {path: /docs/, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}
      - {path: /static/, pathType: ImplementationSpecific, backend: {service: {name: static, port: {number: 80}}}}
""",
        # A prefix location ending in '/' with proxy_pass answers its name without the '/' with a 301 to it
        # (nginx's auto_redirect; controller.go l. 641-653 quotes it); port_in_redirect off (nginx.tmpl l. 1185).
        # The ImplementationSpecific /static/ is stored as Prefix (internal/k8s/main.go l. 164-183): its twin too.
        """
server { server_name "autoredirect.test";
  location "/static/" { set $ingress_name docs; set $service_name static; set $location_path "/static/"; proxy_pass http://upstream_balancer; }
  location = "/static/" { set $ingress_name docs; set $service_name static; set $location_path "/static/"; proxy_pass http://upstream_balancer; }
  location "/docs/" { set $ingress_name docs; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location = "/docs/" { set $ingress_name docs; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name docs; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("autoredirect.test /docs", "autoredirect.test /static", "autoredirect.test /static?v=2"),
    ),
    Hand(
        "auto-redirect-exact-locations-and-regex-hosts",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: slashes, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: slash2.test
    http:
      paths:
      - {path: /ex/, pathType: Exact, backend: {service: {name: ex, port: {number: 80}}}}
      - {path: /docs/, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}
      - {path: /do, pathType: Prefix, backend: {service: {name: do, port: {number: 80}}}}
      - {path: /keep, pathType: Exact, backend: {service: {name: keepexact, port: {number: 80}}}}
      - {path: /keep/, pathType: Prefix, backend: {service: {name: keep, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rx
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: rxslash.test
    http:
      paths:
      - {path: /r/, pathType: ImplementationSpecific, backend: {service: {name: r, port: {number: 80}}}}
""",
        # Sorted by path, then length, descending (controller.go l. 997-1003), then each Prefix gets its exact twin
        # right after it (location.go l. 45-85): "/keep/" keeps its twin "= /keep/" since the Exact path is
        # "/keep". nginx (ngx_http_core_find_static_location): "/ex" is a 301 to "/ex/" (an exact location with
        # proxy_pass sets auto_redirect too), "/docs" a 301 although the prefix "/do/" does not match it, "/keep"
        # is the exact location's. A regex host has only ~* locations: no auto_redirect ("/r" is the 404 root).
        """
server { server_name "slash2.test";
  location "/keep/" { set $ingress_name slashes; set $service_name keep; set $location_path "/keep/"; proxy_pass http://upstream_balancer; }
  location = "/keep/" { set $ingress_name slashes; set $service_name keep; set $location_path "/keep/"; proxy_pass http://upstream_balancer; }
  location "/docs/" { set $ingress_name slashes; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location = "/docs/" { set $ingress_name slashes; set $service_name docs; set $location_path "/docs/"; proxy_pass http://upstream_balancer; }
  location = "/keep" { set $ingress_name slashes; set $service_name keepexact; set $location_path "/keep"; proxy_pass http://upstream_balancer; }
  location = "/ex/" { set $ingress_name slashes; set $service_name ex; set $location_path "/ex/"; proxy_pass http://upstream_balancer; }
  location "/do/" { set $ingress_name slashes; set $service_name do; set $location_path "/do"; proxy_pass http://upstream_balancer; }
  location = "/do" { set $ingress_name slashes; set $service_name do; set $location_path "/do"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name slashes; set $service_name ""; set $location_path "/"; return 404; }
}
server { server_name "rxslash.test";
  location ~* "^/r/" { set $ingress_name rx; set $service_name r; set $location_path "/r/"; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name rx; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        (
            "slash2.test /ex",
            "slash2.test /ex?a=1",
            "slash2.test /ex/",
            "slash2.test /docs",
            "slash2.test /keep",
            "slash2.test /keep/x",
            "slash2.test /do",
            "slash2.test /dox",
            "rxslash.test /r",
            "rxslash.test /R/x",
        ),
    ),
    Hand(
        "regex-rewrite-with-capture-groups",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rewrite
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/rewrite-target: /$2
    nginx.ingress.kubernetes.io/use-regex: "true"
spec:
  ingressClassName: nginx
  rules:
  - host: rewrite.test
    http:
      paths:
      - path: /something(/|$)(.*)
        pathType: ImplementationSpecific
        backend: {service: {name: something, port: {number: 80}}}
""",
        # buildLocation: ~* "^path"; buildProxyPass: rewrite "(?i)path" /$2 break; the root location carries the
        # Ingress's rewrite too (it is the Ingress that opened the host), and proxies to the default backend.
        """
server { server_name "rewrite.test";
  location ~* "^/something(/|$)(.*)" { set $ingress_name rewrite; set $service_name something; set $location_path "/something(/|${literal_dollar})(.*)";
    rewrite "(?i)/something(/|$)(.*)" /$2 break; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name rewrite; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        (
            "rewrite.test /something",
            "rewrite.test /something/",
            "rewrite.test /something/new",
            "rewrite.test /SOMETHING/New/deep?q=1",
            "rewrite.test /somethingelse",
            "rewrite.test /other",
        ),
    ),
    Hand(
        "rewrite-target-without-captures",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: legacy
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /}
spec:
  ingressClassName: nginx
  rules:
  - host: legacy.test
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: legacy, port: {number: 80}}}}
""",
        # rewrite-target makes the host regex (needsRewrite: target / differs from path /old); the Prefix path is
        # not expanded (location.go skips rewrites); the whole URI becomes / and the query is kept (no '?').
        """
server { server_name "legacy.test";
  location ~* "^/old" { set $ingress_name legacy; set $service_name legacy; set $location_path "/old";
    rewrite "(?i)/old" / break; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name legacy; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("legacy.test /old", "legacy.test /old/page?id=7", "legacy.test /OLDER", "legacy.test /new"),
    ),
    Hand(
        "use-regex-on-another-ingress-of-the-host",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a-plain, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: regexhost.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /exact, pathType: Exact, backend: {service: {name: exact, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: b-regex
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: regexhost.test
    http:
      paths:
      - {path: "/v[0-9]+/items", pathType: ImplementationSpecific, backend: {service: {name: items, port: {number: 80}}}}
""",
        # enforceRegexModifier: b-regex's use-regex turns a-plain's Prefix and Exact paths into ~* "^path" too, so
        # /api matches /apix and /API, and /exact matches /exact/more (no exact twin, no '= ').
        """
server { server_name "regexhost.test";
  location ~* "^/v[0-9]+/items" { set $ingress_name b-regex; set $service_name items; set $location_path "/v[0-9]+/items"; proxy_pass http://upstream_balancer; }
  location ~* "^/exact" { set $ingress_name a-plain; set $service_name exact; set $location_path "/exact"; proxy_pass http://upstream_balancer; }
  location ~* "^/api" { set $ingress_name a-plain; set $service_name api; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name a-plain; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        (
            "regexhost.test /api",
            "regexhost.test /apix",
            "regexhost.test /API/v2",
            "regexhost.test /exact",
            "regexhost.test /exact/more",
            "regexhost.test /v12/items/3",
            "regexhost.test /V1/ITEMS",
            "regexhost.test /vx/items",
            "regexhost.test /other",
        ),
    ),
    Hand(
        "use-regex-is-per-host",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: one.perhost.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api1, port: {number: 80}}}}
  - host: two.perhost.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api2, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: regex
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: one.perhost.test
    http:
      paths:
      - {path: "/r/.*", pathType: ImplementationSpecific, backend: {service: {name: r, port: {number: 80}}}}
""",
        # enforceRegexModifier runs per server: one.perhost.test is regex, two.perhost.test is not.
        """
server { server_name "one.perhost.test";
  location ~* "^/r/.*" { set $ingress_name regex; set $service_name r; set $location_path "/r/.*"; proxy_pass http://upstream_balancer; }
  location ~* "^/api" { set $ingress_name plain; set $service_name api1; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name plain; set $service_name ""; set $location_path "/"; return 404; }
}
server { server_name "two.perhost.test";
  location "/api/" { set $ingress_name plain; set $service_name api2; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location = "/api" { set $ingress_name plain; set $service_name api2; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name plain; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        (
            "one.perhost.test /apix",
            "one.perhost.test /API",
            "one.perhost.test /r/x",
            "two.perhost.test /apix",
            "two.perhost.test /api/x",
            "two.perhost.test /API",
        ),
    ),
    Hand(
        "regex-order-equal-length",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: order
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: order.test
    http:
      paths:
      - {path: "/v/.+", pathType: ImplementationSpecific, backend: {service: {name: any, port: {number: 80}}}}
      - {path: "/v/x.", pathType: ImplementationSpecific, backend: {service: {name: x, port: {number: 80}}}}
      - {path: "/v/[a-z]+/deep", pathType: ImplementationSpecific, backend: {service: {name: deep, port: {number: 80}}}}
""",
        # Sorted by path descending, then by length descending (stable): "/v/[a-z]+/deep" (14) first; of the two
        # of length 5, "/v/x." sorts before "/v/.+" ('x' > '.'). Regex locations: the first match wins.
        """
server { server_name "order.test";
  location ~* "^/v/[a-z]+/deep" { set $ingress_name order; set $service_name deep; set $location_path "/v/[a-z]+/deep"; proxy_pass http://upstream_balancer; }
  location ~* "^/v/x." { set $ingress_name order; set $service_name x; set $location_path "/v/x."; proxy_pass http://upstream_balancer; }
  location ~* "^/v/.+" { set $ingress_name order; set $service_name any; set $location_path "/v/.+"; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name order; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("order.test /v/xy", "order.test /v/ab", "order.test /v/xa/deep", "order.test /v/X1", "order.test /v/"),
    ),
    Hand(
        "overlapping-prefixes-across-two-ingresses",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a-short, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: overlap.test
    http:
      paths:
      - {path: /app, pathType: Prefix, backend: {service: {name: short, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b-long, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: overlap.test
    http:
      paths:
      - {path: /app/admin, pathType: Prefix, backend: {service: {name: long, port: {number: 80}}}}
""",
        # One server for both Ingresses; nginx takes the longest prefix whatever the Ingress.
        """
server { server_name "overlap.test";
  location "/app/admin/" { set $ingress_name b-long; set $service_name long; set $location_path "/app/admin"; proxy_pass http://upstream_balancer; }
  location = "/app/admin" { set $ingress_name b-long; set $service_name long; set $location_path "/app/admin"; proxy_pass http://upstream_balancer; }
  location "/app/" { set $ingress_name a-short; set $service_name short; set $location_path "/app"; proxy_pass http://upstream_balancer; }
  location = "/app" { set $ingress_name a-short; set $service_name short; set $location_path "/app"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name a-short; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("overlap.test /app", "overlap.test /app/x", "overlap.test /app/admin", "overlap.test /app/admin/users"),
    ),
    Hand(
        "overlapping-regexes-across-two-ingresses",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a-catchall
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /$1}
spec:
  ingressClassName: nginx
  rules:
  - host: rxoverlap.test
    http:
      paths:
      - {path: "/(.*)", pathType: ImplementationSpecific, backend: {service: {name: catchall, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: b-api
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /v2/$1}
spec:
  ingressClassName: nginx
  rules:
  - host: rxoverlap.test
    http:
      paths:
      - {path: "/api/(.*)", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}
""",
        # "/api/(.*)" (9) is longer than "/(.*)" (5), so it is written, and tried, first.
        """
server { server_name "rxoverlap.test";
  location ~* "^/api/(.*)" { set $ingress_name b-api; set $service_name api; set $location_path "/api/(.*)";
    rewrite "(?i)/api/(.*)" /v2/$1 break; proxy_pass http://upstream_balancer; }
  location ~* "^/(.*)" { set $ingress_name a-catchall; set $service_name catchall; set $location_path "/(.*)";
    rewrite "(?i)/(.*)" /$1 break; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name a-catchall; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("rxoverlap.test /api/users", "rxoverlap.test /Api/x?y=1", "rxoverlap.test /apix", "rxoverlap.test /"),
    ),
    Hand(
        "exact-host-before-wildcard",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a-wildcard, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: "*.wild.test"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tenants, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b-exact, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: api.wild.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
""",
        # buildServerName: a regex server name; nginx picks an exact server_name before any regex one.
        """
server { server_name "~^(?<subdomain>[\\w-]+)\\.wild\\.test$";
  location "/" { set $ingress_name a-wildcard; set $service_name tenants; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
server { server_name "api.wild.test";
  location "/" { set $ingress_name b-exact; set $service_name api; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        ("api.wild.test /", "api.wild.test /v1", "acme.wild.test /", "API.wild.test /x"),
        model=False,
    ),
    Hand(
        "wildcard-matches-one-label",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tenants, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: "*.label.test"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: tenants, port: {number: 80}}}}
""",
        # buildServerName: [\w-]+ is one label; a.b.label.test reaches the catch-all default_server (404).
        """
server { server_name "~^(?<subdomain>[\\w-]+)\\.label\\.test$";
  location "/" { set $ingress_name tenants; set $service_name tenants; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        ("one.label.test /", "a.b.label.test /", "label.test /", "x-1.label.test /p"),
        model=False,
    ),
    Hand(
        "permanent-redirect",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: "https://www.example.org/new"}
spec:
  ingressClassName: nginx
  rules:
  - host: moved.test
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}
""",
        # return {{ Redirect.Code }} {{ Redirect.URL }} in each of the Ingress's locations (nginx.tmpl l. 1417),
        # the host's root location included: it carries the Ingress's annotations (createServers).
        """
server { server_name "moved.test";
  location "/old/" { set $ingress_name moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/new; }
  location = "/old" { set $ingress_name moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/new; }
  location "/" { set $ingress_name moved; set $service_name ""; set $location_path "/"; return 301 https://www.example.org/new; }
}
""",
        ("moved.test /old", "moved.test /old/page?x=1"),
        model=False,
    ),
    Hand(
        "permanent-redirect-on-the-hosts-root",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: "https://www.example.org/new"}
spec:
  ingressClassName: nginx
  rules:
  - host: movedroot.test
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}
""",
        """
server { server_name "movedroot.test";
  location "/old/" { set $ingress_name moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/new; }
  location = "/old" { set $ingress_name moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/new; }
  location "/" { set $ingress_name moved; set $service_name ""; set $location_path "/"; return 301 https://www.example.org/new; }
}
""",
        ("movedroot.test /", "movedroot.test /elsewhere"),
        model=False,
    ),
    Hand(
        "the-first-ingress-of-a-host-redirects-its-root",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a-moved
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: "https://www.example.org/moved"}
spec:
  ingressClassName: nginx
  rules:
  - host: tworoot.test
    http:
      paths:
      - {path: /old, pathType: Prefix, backend: {service: {name: old, port: {number: 80}}}}
  - host: bare.test
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b-app, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: tworoot.test
    http:
      paths:
      - {path: /app, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}
""",
        # createServers (controller.go l. 1363-1393): a-moved names both hosts first, so both root locations carry
        # its redirect, bare.test's too although its rule has no paths; b-app's /app is its own (l. 855-873).
        """
server { server_name "tworoot.test";
  location "/old/" { set $ingress_name a-moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/moved; }
  location = "/old" { set $ingress_name a-moved; set $service_name old; set $location_path "/old"; return 301 https://www.example.org/moved; }
  location "/app/" { set $ingress_name b-app; set $service_name app; set $location_path "/app"; proxy_pass http://upstream_balancer; }
  location = "/app" { set $ingress_name b-app; set $service_name app; set $location_path "/app"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name a-moved; set $service_name ""; set $location_path "/"; return 301 https://www.example.org/moved; }
}
server { server_name "bare.test";
  location "/" { set $ingress_name a-moved; set $service_name ""; set $location_path "/"; return 301 https://www.example.org/moved; }
}
""",
        (
            "tworoot.test /app",
            "tworoot.test /app/x?y=1",
            "tworoot.test /old/x",
            "tworoot.test /",
            "tworoot.test /apps",
            "bare.test /",
            "bare.test /anything?q=1",
        ),
        model=False,
    ),
    Hand(
        "permanent-redirect-code-308",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: moved308
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: "https://www.example.org/v2"
    nginx.ingress.kubernetes.io/permanent-redirect-code: "308"
spec:
  ingressClassName: nginx
  rules:
  - host: moved308.test
    http:
      paths:
      - {path: /v1, pathType: Exact, backend: {service: {name: v1, port: {number: 80}}}}
""",
        # redirect.go: 308 is within 300..308 for permanent-redirect-code.
        """
server { server_name "moved308.test";
  location = "/v1" { set $ingress_name moved308; set $service_name v1; set $location_path "/v1"; return 308 https://www.example.org/v2; }
  location "/" { set $ingress_name moved308; set $service_name ""; set $location_path "/"; return 308 https://www.example.org/v2; }
}
""",
        ("moved308.test /v1",),
        model=False,
    ),
    Hand(
        "temporal-redirect",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: maint
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/temporal-redirect: "http://status.example.org/maintenance?from=shop"}
spec:
  ingressClassName: nginx
  rules:
  - host: maint.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
""",
        """
server { server_name "maint.test";
  location "/" { set $ingress_name maint; set $service_name shop; set $location_path "/"; return 302 "http://status.example.org/maintenance?from=shop"; }
}
""",
        ("maint.test /", "maint.test /cart?id=3"),
        model=False,
    ),
    Hand(
        "temporal-redirect-wins-over-permanent",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: both
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/permanent-redirect: "https://perm.example.org/"
    nginx.ingress.kubernetes.io/temporal-redirect: "https://temp.example.org/"
spec:
  ingressClassName: nginx
  rules:
  - host: both.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
""",
        # redirect.go Parse: "If the Ingress contains both annotations the execution order is temporal and then
        # permanent": the temporal one is returned first.
        """
server { server_name "both.test";
  location "/" { set $ingress_name both; set $service_name shop; set $location_path "/"; return 302 https://temp.example.org/; }
}
""",
        ("both.test /", "both.test /x"),
        model=False,
    ),
    Hand(
        "app-root",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: portal
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/app-root: /portal}
spec:
  ingressClassName: nginx
  rules:
  - host: approot.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: portal, port: {number: 80}}}}
""",
        # nginx.tmpl l. 1000-1003: "if ($uri = /) { return 302 $scheme://$http_host<app-root>; }" at server level,
        # once per location of the Ingress (here one).
        """
server { server_name "approot.test";
  if ($uri = /) { return 302 $scheme://$http_host/portal; }
  location "/" { set $ingress_name portal; set $service_name portal; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        ("approot.test /", "approot.test /?next=1", "approot.test /portal", "approot.test /x/"),
        model=False,
    ),
    Hand(
        "default-backend-of-an-ingress-with-rules",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: withdefault, namespace: shop}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  rules:
  - host: default.test
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
""",
        # createServers: "Using its backend as default upstream for all its rules": the root location of the host
        # it opened proxies to spec.defaultBackend.
        """
server { server_name "default.test";
  location "/api/" { set $ingress_name withdefault; set $service_name api; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location = "/api" { set $ingress_name withdefault; set $service_name api; set $location_path "/api"; proxy_pass http://upstream_balancer; }
  location "/" { set $ingress_name withdefault; set $service_name fallback; set $location_path "/"; proxy_pass http://upstream_balancer; }
}
""",
        ("default.test /api/x", "default.test /", "default.test /other?q=2", "default.test /apix"),
    ),
    Hand(
        "ssl-redirect-from-spec-tls",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure, namespace: shop}
spec:
  ingressClassName: nginx
  tls:
  - {hosts: [tls.test], secretName: tls-test}
  rules:
  - host: tls.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        # lua_ingress.lua redirect_to_https: ssl-redirect (default true) with a certificate for the host, on
        # plain HTTP: http-redirect-code (308) to https://host + the request URI without one trailing '/'.
        """
server { server_name "tls.test";
  location "/" { set $ingress_name secure; set $service_name web; set $location_path "/";
    if ($request_uri ~ "^(.*)/$") { return 308 https://$host$1; }
    return 308 https://$host$request_uri; }
}
""",
        ("tls.test /account", "tls.test /a/b?x=1"),
        model=False,
    ),
    Hand(
        "ssl-redirect-drops-one-trailing-slash",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure, namespace: shop}
spec:
  ingressClassName: nginx
  tls:
  - {hosts: [tlsslash.test], secretName: tls-test}
  rules:
  - host: tlsslash.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        """
server { server_name "tlsslash.test";
  location "/" { set $ingress_name secure; set $service_name web; set $location_path "/";
    if ($request_uri ~ "^(.*)/$") { return 308 https://$host$1; }
    return 308 https://$host$request_uri; }
}
""",
        ("tlsslash.test /docs/",),
        model=False,
    ),
    Hand(
        "ssl-redirect-preserving-the-trailing-slash",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: keep
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/preserve-trailing-slash: "T"}
spec:
  ingressClassName: nginx
  tls:
  - {hosts: [tlskeep.test], secretName: tls-test}
  rules:
  - host: tlskeep.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        # "T" is true to ParseBool (rewrite/main.go l. 159): lua_ingress.lua l. 160 keeps the request URI as sent.
        """
server { server_name "tlskeep.test";
  location "/" { set $ingress_name keep; set $service_name web; set $location_path "/";
    return 308 https://$host$request_uri; }
}
""",
        ("tlskeep.test /docs/", "tlskeep.test /a/?b=/"),
        model=False,
    ),
    Hand(
        "force-ssl-redirect-in-a-parsebool-spelling",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: forced
  namespace: shop
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: "false"
    nginx.ingress.kubernetes.io/force-ssl-redirect: "1"
spec:
  ingressClassName: nginx
  tls:
  - {hosts: [forced.test], secretName: tls-test}
  rules:
  - host: forced.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
""",
        # "1" is true to Go strconv.ParseBool (parser.GetBoolAnnotation); force_ssl_redirect wins over
        # ssl-redirect "false" (lua_ingress.lua redirect_to_https checks it first).
        """
server { server_name "forced.test";
  location "/" { set $ingress_name forced; set $service_name web; set $location_path "/";
    if ($request_uri ~ "^(.*)/$") { return 308 https://$host$1; }
    return 308 https://$host$request_uri; }
}
""",
        ("forced.test /login",),
        model=False,
    ),
    Hand(
        "exact-path-on-a-regex-host",
        """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: mixed
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/use-regex: "true"}
spec:
  ingressClassName: nginx
  rules:
  - host: exactrx.test
    http:
      paths:
      - {path: /health, pathType: Exact, backend: {service: {name: health, port: {number: 80}}}}
      - {path: "/[a-z]+/[0-9]+", pathType: ImplementationSpecific, backend: {service: {name: item, port: {number: 80}}}}
""",
        # On a regex host buildLocation ignores pathType: Exact /health is ~* "^/health" and matches /healthz.
        """
server { server_name "exactrx.test";
  location ~* "^/[a-z]+/[0-9]+" { set $ingress_name mixed; set $service_name item; set $location_path "/[a-z]+/[0-9]+"; proxy_pass http://upstream_balancer; }
  location ~* "^/health" { set $ingress_name mixed; set $service_name health; set $location_path "/health"; proxy_pass http://upstream_balancer; }
  location ~* "^/" { set $ingress_name mixed; set $service_name ""; set $location_path "/"; return 404; }
}
""",
        ("exactrx.test /health", "exactrx.test /healthz", "exactrx.test /HEALTH/x", "exactrx.test /Shop/12"),
    ),
]
