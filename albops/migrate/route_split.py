"""HTTPRoutes within Gateway API's limits, split so the controller still picks the same rule for every request.

A route over a limit (``facts.gateway_api_limits``) is refused whole by the API server. Splitting it is safe
only where the controller's order does not depend on which route a rule lands in. The controller (v3.5.0,
``pkg/gateway/routeutils/route_rule_precedence.go``) sorts every match of every route on a port by hostname
specificity, then path type, path length, method, header count and query count (``compareRulePrecedenceUnified``,
lines 245-279); only between matches equal on all of those does the route matter, through its creation time,
then its namespace/name, then the rule and match index (``compareCommonTieBreakers``, lines 281-306). Creation
times are whatever they turn out to be when the routes are applied, so rules that may tie must stay in one
route, in their order: rules are linked when two of their matches have equal keys and could match the same
request, and each linked set is packed whole into one route. Rules of different sets never tie, so the order
between routes is decided by the key, as it was inside one route. A linked set bigger than one route is spread
(reported, when its rules do different things); a rule over 64 matches is cut into consecutive rules with
the same filters and backends, which answer alike whichever piece matches.

Hostnames over 16 go to routes of their own: precedence is per hostname (``splitHostnamesForPrecedence``,
lines 158-168), so a hostname's rules are unchanged by where its siblings are.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from albingress.facts.gateway_api_limits import (
    BACKEND_WEIGHT_MAX,
    MATCH_HEADERS,
    MATCH_QUERY_PARAMS,
    OBJECT_NAME_LENGTH,
    ROUTE_HOSTNAMES,
    ROUTE_MATCHES,
    ROUTE_PARENT_REFS,
    ROUTE_RULES,
    RULE_BACKEND_REFS,
    RULE_FILTERS,
    RULE_MATCHES,
)

_PATH_TYPE_RANK = {"Exact": 3, "PathPrefix": 2, "RegularExpression": 1}  # getHttpRoutePathType, lines 349-363
_DEFAULT_PATH = {"type": "PathPrefix", "value": "/"}  # the CRD's default for a match without a path


def precedence_key(match: Mapping[str, Any]) -> tuple[int, int, bool, int, int]:
    """The controller's specificity key of one HTTP match (``getHttpMatchPrecedenceInfo``, lines 336-344);
    larger sorts first. The path's length is Go's ``len``, its UTF-8 bytes: a RegularExpression value may hold
    any text (Exact and PathPrefix values are ASCII by the CRD)."""
    path = match.get("path") or _DEFAULT_PATH
    return (
        _PATH_TYPE_RANK.get(str(path.get("type", "PathPrefix")), 0),
        len(str(path.get("value", "/")).encode()),
        match.get("method") is not None,
        len(match.get("headers") or []),
        len(match.get("queryParams") or []),
    )


def _may_tie(one: Mapping[str, Any], two: Mapping[str, Any]) -> bool:
    """Whether two matches tie in the controller's key and might both match one request.

    Equal keys mean equal path type and length: two Exact paths of equal length, or two PathPrefix ones,
    match the same request only when they are the same path (a prefix of the same length as another is not
    a prefix of it, element-wise); two regular expressions may always.
    """
    if precedence_key(one) != precedence_key(two):
        return False
    path_one, path_two = one.get("path") or _DEFAULT_PATH, two.get("path") or _DEFAULT_PATH
    if path_one.get("type", "PathPrefix") in ("Exact", "PathPrefix"):
        return str(path_one.get("value", "/")).rstrip("/") == str(path_two.get("value", "/")).rstrip("/")
    return True


def rule_problems(rule: Mapping[str, Any]) -> list[str]:
    """What makes one rule unacceptable whatever route holds it (no split helps)."""
    problems = []
    if len(rule.get("filters") or []) > RULE_FILTERS:
        problems.append(f"{len(rule['filters'])} filters, over the {RULE_FILTERS} a rule holds")
    if len(rule.get("backendRefs") or []) > RULE_BACKEND_REFS:
        problems.append(f"{len(rule['backendRefs'])} backendRefs, over the {RULE_BACKEND_REFS} a rule holds")
    for match in rule.get("matches") or []:
        if len(match.get("headers") or []) > MATCH_HEADERS:
            problems.append(f"a match with {len(match['headers'])} header matches, over {MATCH_HEADERS}")
        if len(match.get("queryParams") or []) > MATCH_QUERY_PARAMS:
            problems.append(f"a match with {len(match['queryParams'])} query matches, over {MATCH_QUERY_PARAMS}")
    return problems


def split_name(base: str, index: int) -> str:
    """The name of a route's ``index``-th part (0: the route's own name, so an unsplit route keeps it): a
    DNS-1123 subdomain within 253 characters, the base cut back so the suffix fits."""
    if index == 0 and len(base) <= OBJECT_NAME_LENGTH:
        return base
    suffix = f"-{index + 1}" if index else ""
    return base[: OBJECT_NAME_LENGTH - len(suffix)].rstrip("-.") + suffix


@dataclass
class Split:
    """The parts of one route, and the equal-precedence rules that had to be spread over several of them."""

    routes: list[dict[str, Any]]
    spread: list[str] = field(default_factory=list)


def _pieces(rules: Sequence[Mapping[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Each rule, cut into consecutive rules of at most 64 matches, with the original rule's index."""
    out: list[tuple[int, dict[str, Any]]] = []
    for index, rule in enumerate(rules):
        matches = list(rule.get("matches") or [{"path": dict(_DEFAULT_PATH)}])
        for start in range(0, len(matches), RULE_MATCHES):
            piece = {k: copy.deepcopy(v) for k, v in rule.items() if k not in ("matches", "name")}
            piece["matches"] = matches[start : start + RULE_MATCHES]
            out.append((index, piece))
    return out


def _linked_sets(pieces: list[tuple[int, dict[str, Any]]]) -> list[list[int]]:
    """Pieces that may tie, as sets (union-find), each in rule order, the sets in order of their first piece."""
    parent = list(range(len(pieces)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: dict[tuple[int, int, bool, int, int], list[tuple[int, Mapping[str, Any]]]] = {}
    for i, (_, piece) in enumerate(pieces):
        for match in piece["matches"]:
            for j, other in by_key.setdefault(precedence_key(match), []):
                if find(i) != find(j) and _may_tie(match, other):
                    parent[find(i)] = find(j)
            by_key[precedence_key(match)].append((i, match))
    sets: dict[int, list[int]] = {}
    for i in range(len(pieces)):
        sets.setdefault(find(i), []).append(i)
    return sorted(sets.values(), key=lambda members: members[0])


def _pack(pieces: list[tuple[int, dict[str, Any]]]) -> tuple[list[list[int]], list[str]]:
    """Piece indexes per route part (each within 16 rules and 128 matches), and what had to be spread."""
    parts: list[list[int]] = []
    spread: list[str] = []

    def size(members: list[int]) -> int:
        return sum(len(pieces[i][1]["matches"]) for i in members)

    for members in _linked_sets(pieces):
        chunks: list[list[int]] = [[]]
        for i in members:
            chunk = chunks[-1]
            if len(chunk) + 1 > ROUTE_RULES or size(chunk) + len(pieces[i][1]["matches"]) > ROUTE_MATCHES:
                chunks.append([])
            chunks[-1].append(i)
        if len(chunks) > 1:
            actions = {repr({k: v for k, v in pieces[i][1].items() if k != "matches"}) for i in members}
            if len(actions) > 1:
                rules = sorted({pieces[i][0] for i in members})
                spread.append(
                    f"rules {', '.join(map(str, rules))} tie in the controller's precedence and are more than one "
                    f"route holds ({ROUTE_RULES} rules, {ROUTE_MATCHES} matches): spread over routes, whose order "
                    "among them is their creation time"
                )
        for chunk in chunks:
            target = next(
                (
                    part
                    for part in parts
                    if len(part) + len(chunk) <= ROUTE_RULES and size(part) + size(chunk) <= ROUTE_MATCHES
                ),
                None,
            )
            if target is None:
                parts.append(list(chunk))
            else:
                target.extend(chunk)
    return [sorted(part) for part in parts], spread


def split_route(route: Mapping[str, Any]) -> Split:
    """``route`` (an HTTPRoute object) as routes within the limits; itself, unchanged, when it is within them."""
    spec = route.get("spec") or {}
    rules = list(spec.get("rules") or [])
    hostnames = list(spec.get("hostnames") or [])
    parents = list(spec.get("parentRefs") or [])
    within = (
        len(rules) <= ROUTE_RULES
        and sum(len(r.get("matches") or [None]) for r in rules) <= ROUTE_MATCHES
        and all(len(r.get("matches") or []) <= RULE_MATCHES for r in rules)
        and len(hostnames) <= ROUTE_HOSTNAMES
        and len(parents) <= ROUTE_PARENT_REFS
    )
    if within:
        return Split([dict(route)])
    pieces = _pieces(rules)
    parts, spread = _pack(pieces)
    host_parts = [hostnames[i : i + ROUTE_HOSTNAMES] for i in range(0, len(hostnames), ROUTE_HOSTNAMES)] or [[]]
    parent_parts = [parents[i : i + ROUTE_PARENT_REFS] for i in range(0, len(parents), ROUTE_PARENT_REFS)] or [[]]
    meta = dict(route.get("metadata") or {})
    base = str(meta.get("name") or "route")
    out: list[dict[str, Any]] = []
    for hosts in host_parts:
        for refs in parent_parts:
            for part in parts:
                new_spec = {
                    k: copy.deepcopy(v) for k, v in spec.items() if k not in ("rules", "hostnames", "parentRefs")
                }
                if refs:
                    new_spec["parentRefs"] = copy.deepcopy(refs)
                if hosts:
                    new_spec["hostnames"] = list(hosts)
                new_spec["rules"] = [pieces[i][1] for i in part]
                new_meta = {**copy.deepcopy(meta), "name": split_name(base, len(out))}
                out.append(
                    {
                        **{k: v for k, v in route.items() if k not in ("metadata", "spec")},
                        "metadata": new_meta,
                        "spec": new_spec,
                    }
                )
    return Split(out, spread)


@dataclass(frozen=True)
class Weights:
    """Backend weights within the controller's 0..999, and how far each backend's share moved (percentage
    points; 0 when the ratio is kept exactly)."""

    values: tuple[int, ...]
    drift: float

    @property
    def changed(self) -> bool:
        return self.drift > 0


def scale_weights(weights: Sequence[int]) -> Weights:
    """Weights over 999 brought within it keeping the ratio: first divided by their common divisor (exact), then,
    if still over, scaled so the largest is 999 and rounded, a positive weight never rounded to 0 (that would
    stop its traffic, not shrink it)."""
    if not weights or max(weights) <= BACKEND_WEIGHT_MAX:
        return Weights(tuple(weights), 0.0)
    divisor = math.gcd(*weights)
    reduced = [w // divisor for w in weights]
    if max(reduced) <= BACKEND_WEIGHT_MAX:
        return Weights(tuple(reduced), 0.0)
    top = max(reduced)
    scaled = [max(1, round(w * BACKEND_WEIGHT_MAX / top)) if w > 0 else 0 for w in reduced]
    total_before, total_after = sum(weights), sum(scaled)
    drift = max(abs(a / total_before - b / total_after) for a, b in zip(weights, scaled, strict=True)) * 100
    return Weights(tuple(scaled), round(drift, 4))
