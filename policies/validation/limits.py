"""The limits the Gateway API CRDs state, as facts: what the API server refuses in a route or a Gateway.

Source: kubernetes-sigs/gateway-api v1.6.0, config/crd/standard (the ``maxItems`` of each list, and the
HTTPRoute/GRPCRoute ``spec.rules`` CEL rule "the total number of matches across all rules in a route must be
less than 128", which tests ``<= 128``). The CRD files are not part of this project: the tests check these facts
against the real ones (``../shared/crds``) when present, and validate whole objects against them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# One source for the route limits, shared with the converter's splitting and the AlbApp component.
from albingress.facts.gateway_api_limits import (
    MATCH_HEADERS,
    MATCH_QUERY_PARAMS,
    ROUTE_HOSTNAMES,
    ROUTE_MATCHES,
    ROUTE_PARENT_REFS,
    ROUTE_RULES,
    RULE_BACKEND_REFS,
    RULE_FILTERS,
    RULE_MATCHES,
)
from albingress.policies.validation.problem import Problem, describe

GATEWAY_API_VERSION = "v1.6.0"
# kind -> (list path, at most). A path ``spec.rules[].matches`` is each rule's matches.
MAX_ITEMS: dict[str, dict[str, int]] = {
    "HTTPRoute": {
        "spec.parentRefs": ROUTE_PARENT_REFS,
        "spec.hostnames": ROUTE_HOSTNAMES,
        "spec.rules": ROUTE_RULES,
        "spec.rules[].matches": RULE_MATCHES,
        "spec.rules[].filters": RULE_FILTERS,
        "spec.rules[].backendRefs": RULE_BACKEND_REFS,
        "spec.rules[].backendRefs[].filters": RULE_FILTERS,
        "spec.rules[].matches[].headers": MATCH_HEADERS,
        "spec.rules[].matches[].queryParams": MATCH_QUERY_PARAMS,
    },
    "Gateway": {
        "spec.listeners": 64,
        "spec.addresses": 16,
        "spec.listeners[].tls.certificateRefs": 64,
    },
}
# A GRPCRoute's lists have the HTTPRoute's limits; its matches have no queryParams.
MAX_ITEMS["GRPCRoute"] = {k: v for k, v in MAX_ITEMS["HTTPRoute"].items() if not k.endswith(".queryParams")}
# The CEL rule on spec.rules of HTTPRoute and GRPCRoute: matches of all rules together.
MAX_MATCHES_PER_ROUTE = ROUTE_MATCHES
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute")


def _lists(value: Any, parts: list[str], where: str) -> list[tuple[str, list[Any]]]:
    """Every list at ``parts`` under ``value``, with its field path (``spec.rules[2].matches``)."""
    if not parts:
        return [(where, value)] if isinstance(value, list) else []
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head.removesuffix("[]")
    child = value.get(key) if isinstance(value, Mapping) else None
    here = f"{where}.{key}" if where else key
    if not many:
        return _lists(child, rest, here)
    if not isinstance(child, list):
        return []
    found: list[tuple[str, list[Any]]] = []
    for i, item in enumerate(child):
        found += _lists(item, rest, f"{here}[{i}]")
    return found


def problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    kind = str(obj.get("kind"))
    if kind not in MAX_ITEMS or not str(obj.get("apiVersion", "")).startswith("gateway.networking.k8s.io/"):
        return []
    found: list[Problem] = []
    for path, limit in MAX_ITEMS[kind].items():
        for where, items in _lists(obj, path.split("."), ""):
            if len(items) > limit:
                found.append(
                    Problem(
                        describe(obj),
                        index,
                        where,
                        f"{len(items)} items; the {kind} CRD takes at most {limit} (Gateway API "
                        f"{GATEWAY_API_VERSION}, maxItems)",
                        "split it" + (" into more routes" if kind in ROUTE_KINDS else "") + " so each holds at most "
                        f"{limit}",
                    )
                )
    if kind in ROUTE_KINDS:
        rules = (obj.get("spec") or {}).get("rules") if isinstance(obj.get("spec"), Mapping) else None
        total = (
            sum(len(r.get("matches") or []) for r in rules or [] if isinstance(r, Mapping))
            if isinstance(rules, list)
            else 0
        )
        if total > MAX_MATCHES_PER_ROUTE:
            found.append(
                Problem(
                    describe(obj),
                    index,
                    "spec.rules",
                    f"{total} matches across all rules; the {kind} CRD's CEL rule takes at most "
                    f"{MAX_MATCHES_PER_ROUTE} (Gateway API {GATEWAY_API_VERSION})",
                    f"split it into more routes of at most {MAX_MATCHES_PER_ROUTE} matches each",
                )
            )
    return found
