"""ingress-nginx's response bandwidth limit (``limit-rate``, ``limit-rate-after``), which only nginx enforced.

Facts (ingress-nginx controller-v1.15.1): the values are kilobytes (template.go buildRateLimit writes
``limit_rate %vk`` and ``limit_rate_after %vk``), written only when greater than 0; an annotation that is not an
integer leaves the ConfigMap's value (ratelimit/main.go, GetIntAnnotation). nginx applies ``limit_rate`` to a
proxied response only with ``proxy_buffering on`` (docs/user-guide/nginx-configuration/annotations.md, "This
feature must be used with proxy-buffering enabled"), and proxy buffering is off by default (config.go
``ProxyBuffering: "off"``; the annotation, "on" or "off", overrides the ConfigMap's ``proxy-buffering``).
So with buffering off the limit enforced nothing and nothing is lost; with it on the ALB, which does not throttle
responses, loses it.
"""

from __future__ import annotations

from collections.abc import Mapping

from albingress.facts.go_values import go_atoi
from albops.migrate.report import Report
from albops.migrate.routes import NGINX

KEYS = ("limit-rate", "limit-rate-after")


def _int(value: str | None) -> int | None:
    return None if value is None else go_atoi(value)


def buffering_on(own: Mapping[str, str], controller_config: Mapping[str, str]) -> bool:
    """Whether nginx buffered this Ingress's responses (and so applied limit_rate).

    The annotation counts when it is "on" or "off" (ingress-nginx validates it against those two); otherwise the
    ConfigMap's value, "off" by default. Read leniently towards "on": only a clear "off" frees the limit.
    """
    annotation = own.get("proxy-buffering")
    if annotation is not None and annotation.strip().lower() in ("on", "off"):
        return annotation.strip().lower() == "on"
    return str(controller_config.get("proxy-buffering", "off")).strip().lower() != "off"


def report_limit_rate(
    name: str, own: Mapping[str, str], controller_config: Mapping[str, str], report: Report
) -> set[str]:
    """Report the bandwidth limit of one Ingress (its own annotations over the ConfigMap's); the names reported.

    ``own`` is the nginx annotations the Ingress carries (short names). An inherited ConfigMap limit that nginx
    enforced (buffering on) is a lost protection of this Ingress, reported under the ConfigMap key.
    """
    reported: set[str] = set()
    rate = _int(own.get("limit-rate"))
    if rate is None:
        rate = _int(str(controller_config.get("limit-rate", "0"))) or 0
    on = buffering_on(own, controller_config)
    enforced = rate > 0 and on
    for short in KEYS:
        if short in own:
            key, value = NGINX + short, own[short]
        elif enforced and short == "limit-rate":
            key, value = "--controller-config limit-rate", str(controller_config.get("limit-rate"))
        else:
            continue
        reported.add(short)
        if enforced:
            what = (
                f"a bandwidth limit of {rate} kilobytes a second per response"
                if short == "limit-rate"
                else f"{value} kilobytes sent at full speed before limit-rate applies (part of the limit-rate "
                "protection)"
            )
            report.add(
                name,
                key,
                "lost-protection",
                f"protected it with {what} (nginx's limit_rate, in effect since proxy-buffering is on); carry it "
                "over: the ALB does not throttle responses: throttle in the app; then pass --allow-unprotected",
            )
        else:
            why = "proxy-buffering is off (its default), so nginx's limit_rate" if not on else "limit-rate is 0, so it"
            report.add(
                name, key, "converted", f"{value!r}: no effect in ingress-nginx ({why} limited nothing); nothing lost"
            )
    return reported
