"""limit-rate / limit-rate-after as ingress-nginx controller-v1.15.1 enforced them, written by hand from its source:
kilobytes (template.go buildRateLimit: ``limit_rate %vk``, only when over 0), an annotation that is not an integer
leaves the ConfigMap's value (ratelimit/main.go GetIntAnnotation), and nginx's limit_rate acts on a proxied
response only with proxy-buffering on (annotations.md "must be used with proxy-buffering enabled"), which is off by
default (config.go ProxyBuffering "off"; the annotation, "on" or "off", over the ConfigMap's)."""

from __future__ import annotations

from typing import Any

import pytest

from albops.migrate import Options, migrate
from albops.migrate.routes import NGINX
from tests.routing_cases import nginx_ingress


def _run(annotations: dict[str, str], config: dict[str, str] | None = None) -> tuple[list[Any], dict[str, str]]:
    ingress = nginx_ingress("web", [("/", "Prefix", "web")], {NGINX + k: v for k, v in annotations.items()})
    output, report = migrate([ingress], Options(group="g", controller_config=config or {}))
    lines = {f.annotation: f.status for f in report.findings if f.ingress != "*"}
    lines["held"] = "yes" if report.held_back else "no"
    return output, lines


@pytest.mark.parametrize(
    ("annotations", "config"),
    [
        ({"limit-rate": "100"}, {}),  # buffering off by default: limit_rate never acted
        ({"limit-rate": "100", "limit-rate-after": "512"}, {"proxy-buffering": "off"}),
        ({"limit-rate": "100", "proxy-buffering": "off"}, {"proxy-buffering": "on"}),  # the annotation wins
        ({"limit-rate": "0", "proxy-buffering": "on"}, {}),  # 0: no limit_rate line at all
        ({"proxy-buffering": "on"}, {}),
    ],
)
def test_nothing_enforced_nothing_held_back(annotations: dict[str, str], config: dict[str, str]) -> None:
    _, lines = _run(annotations, config)
    assert lines["held"] == "no", lines
    for key in ("limit-rate", "limit-rate-after"):
        if key in annotations:
            assert lines[NGINX + key] == "converted", lines


@pytest.mark.parametrize(
    ("annotations", "config", "key"),
    [
        ({"limit-rate": "100", "proxy-buffering": "on"}, {}, NGINX + "limit-rate"),
        ({"limit-rate": "100"}, {"proxy-buffering": "on"}, NGINX + "limit-rate"),
        ({"limit-rate": "100", "proxy-buffering": "yes"}, {"proxy-buffering": "on"}, NGINX + "limit-rate"),
        # Inherited from the ConfigMap: this Ingress buffered, so nginx throttled it.
        ({"proxy-buffering": "on"}, {"limit-rate": "100"}, "--controller-config limit-rate"),
        ({"limit-rate": "x"}, {"limit-rate": "100", "proxy-buffering": "on"}, NGINX + "limit-rate"),
    ],
)
def test_enforced_limit_is_lost_protection(annotations: dict[str, str], config: dict[str, str], key: str) -> None:
    output, lines = _run(annotations, config)
    assert lines[key] == "lost-protection", lines
    assert lines["held"] == "yes" and not [o for o in output if o.get("kind") == "Ingress"]


def test_the_unit_is_kilobytes() -> None:
    ingress = nginx_ingress(
        "web", [("/", "Prefix", "web")], {NGINX + "limit-rate": "100", NGINX + "proxy-buffering": "on"}
    )
    _, report = migrate([ingress], Options(group="g"))
    (line,) = [f for f in report.findings if f.annotation == NGINX + "limit-rate"]
    assert "100 kilobytes a second" in line.detail
