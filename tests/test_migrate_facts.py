"""Cases written by hand from the upstream sources for claims a fact-check found wrong in the docs."""

from __future__ import annotations

from typing import Any

import pytest

from albops.migrate import Options, migrate
from tests.crd_validation import validate
from tests.routing_cases import nginx_ingress


def _paths(path: str, path_type: str) -> list[tuple[str, str]]:
    output, _ = migrate([nginx_ingress("a", [(path, path_type, "svc")], {})], Options(group="g"))
    (ingress,) = [o for o in output if o.get("kind") == "Ingress"]
    found: list[dict[str, Any]] = ingress["spec"]["rules"][0]["http"]["paths"]
    return [(p["path"], p["pathType"]) for p in found]


@pytest.mark.parametrize("path_type", ["ImplementationSpecific", "Prefix"])
def test_implementation_specific_is_prefix_never_a_wildcard(path_type: str) -> None:
    # ingress-nginx stores ImplementationSpecific as Prefix (internal/k8s/main.go SetDefaultNGINXPathType), so
    # /img does not catch /imgs; the controller makes Prefix /img into /img and /img/* (buildPathPatterns).
    assert _paths("/img", path_type) == [("/img", "Prefix")]
    # A location ending in '/' is the wildcard, whatever its type, with the exact /img beside it.
    assert ("/img/*", "ImplementationSpecific") in _paths("/img/", path_type)


N = "nginx.ingress.kubernetes.io/"


def _canary(extra: dict[str, str], to: str = "ingress") -> tuple[list[Any], dict[str, str]]:
    main = nginx_ingress("web", [("/", "Prefix", "web")], {})
    canary = nginx_ingress(
        "web-canary", [("/", "Prefix", "web2")], {N + "canary": "true", N + "canary-by-header": "X-Canary", **extra}
    )
    output, report = migrate([main, canary], Options(group="g", to=to))
    return output, {f.annotation: f.status for f in report.findings if f.ingress == "shop/web-canary"}


def _conditions(output: list[Any]) -> list[Any]:
    import json

    (ingress,) = [o for o in output if o.get("kind") == "Ingress"]
    return [json.loads(v) for k, v in ingress["metadata"]["annotations"].items() if ".io/conditions." in k]


def test_canary_by_header_pattern_becomes_regex_values() -> None:
    # balancer.lua (controller-v1.15.1) route_to_alternative_balancer: no header value, so the pattern is matched
    # (ngx.re.match); the controller v3.5.0 takes httpHeaderConfig.regexValues (config_types.go).
    output, lines = _canary({N + "canary-by-header-pattern": "^(beta|alpha)$"})
    assert _conditions(output) == [
        [
            {
                "field": "http-header",
                "httpHeaderConfig": {"httpHeaderName": "X-Canary", "regexValues": ["^(beta|alpha)$"]},
            }
        ]
    ]
    assert lines[N + "canary-by-header-pattern"] == "approximated"
    output, _ = _canary({N + "canary-by-header-pattern": "^(beta|alpha)$"}, to="gateway")
    (route,) = [o for o in output if o.get("kind") == "HTTPRoute"]
    assert validate(route).errors == []
    assert route["spec"]["rules"][0]["matches"][0]["headers"] == [
        {"type": "RegularExpression", "name": "X-Canary", "value": "^(beta|alpha)$"}
    ]


def test_canary_by_header_value_wins_over_the_pattern() -> None:
    # balancer.lua: a non-empty header value is compared and the pattern never read.
    output, lines = _canary({N + "canary-by-header-value": "on", N + "canary-by-header-pattern": "^x"})
    assert _conditions(output) == [
        [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Canary", "values": ["on"]}}]
    ]
    assert lines[N + "canary-by-header-pattern"] == "converted"  # ignored, as nginx ignored it


def test_a_pattern_over_the_alb_regex_limit_is_not_converted() -> None:
    output, lines = _canary({N + "canary-by-header-pattern": "a" * 129})
    assert lines[N + "canary-by-header-pattern"] == "not-converted"
    assert _conditions(output) == []
