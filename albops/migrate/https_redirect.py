"""What ingress-nginx's HTTP-to-HTTPS redirect does beyond the ALB's ssl-redirect, said in the report.

ingress-nginx redirects in Lua (rootfs/etc/nginx/lua/lua_ingress.lua at controller-v1.15.1, l. 157-173):
``https://`` + the host + the request URI, whose one last character is dropped when it is '/' unless
``preserve-trailing-slash`` is true (l. 159-164). The controller's ssl-redirect (v3.5.0
ssl_redirect_config.go) keeps host, path and query as sent, and a redirect action cannot drop a character.
"""

from __future__ import annotations

from collections.abc import Mapping

from albingress.facts.go_values import nginx_bool
from albops.migrate.report import Report
from albops.migrate.routes import NGINX

# A phrase every finding below holds, so a reader (or a test) can tell this difference from others.
TRAILING_SLASH = "drops one trailing '/'"


def report_trailing_slash(
    name: str, nginx: Mapping[str, str], controller_config: Mapping[str, str], code: str, report: Report
) -> None:
    """Report the '/' ingress-nginx's HTTPS redirect drops, for an Ingress whose HTTP requests it redirected.

    ``preserve-trailing-slash`` is read as ingress-nginx reads it: the annotation with Go ParseBool, a value it
    refuses or no annotation leaving the ConfigMap's key of the same name, false by default
    (internal/ingress/annotations/rewrite/main.go l. 159-165, controller/config/config.go l. 872).
    """
    default = nginx_bool(controller_config.get("preserve-trailing-slash"), False)
    if nginx_bool(nginx.get("preserve-trailing-slash"), default):
        return  # nginx kept the URI as sent, as the ALB does
    report.add(
        name,
        NGINX + "preserve-trailing-slash",
        "approximated",
        f"ingress-nginx's HTTP->HTTPS redirect ({code}) {TRAILING_SLASH} of the request URI (http://host/docs/ went "
        "to https://host/docs, lua_ingress.lua); the ALB's ssl-redirect keeps the URI as sent "
        "(https://host/docs/), so an app that answered the '/'-less path now sees the '/'",
        'check that the app serves both forms, or set preserve-trailing-slash: "true" on ingress-nginx first '
        "to see the ALB's behaviour there",
    )
