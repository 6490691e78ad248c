"""Planning ALB rules from nginx locations: paths, regexes, rewrites, redirects, canaries and their order.

The nginx side of each host is modelled in ``albops.migrate.routes``; this turns each location into the
ALB path, condition and transform that routes the same request to the same upstream path, or reports why not.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from albingress.facts.go_values import go_atoi
from albingress.policies.validation.controller import condition_problems
from albops.migrate.hosts import report_fallthrough, wildcard_edges
from albops.migrate.reading import PATH_TYPES, Source, valid_host
from albops.migrate.report import Report
from albops.migrate.routes import (
    ALB,
    NGINX,
    SAFE_TARGET,
    Block,
    Location,
    auto_redirects,
    nginx_blocks,
    nginx_path_type,
    posix_classes,
    regex_host,
)
from albops.migrate.weights import MAX_WEIGHT, scale

# ALB condition values (wildcard or regex) are at most 128 characters.
CONDITION_LIMIT = 128


@cache
def case_insensitive(regex: str) -> str | None:
    """``regex`` matching letters in either case without a flag (ALB regexes take none), or None.

    Letters become ``[aA]``; inside a class, each letter or letter range gains its other case. Escapes
    are kept as they are; constructs the ALB does not support (back-references, ``(?`` groups,
    Unicode classes) give None.
    """
    out: list[str] = []
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            escaped = regex[i + 1 : i + 2]
            if not escaped or escaped.isdigit() or escaped in "pPkgQEXRK":
                return None
            out.append(regex[i : i + 2])
            i += 2
        elif c == "[":
            end = i + 1 + (regex[i + 1 : i + 2] == "^")
            end += regex[end : end + 1] == "]"
            while end < len(regex) and regex[end] != "]":
                end += 2 if regex[end] == "\\" else 1
            if end >= len(regex):
                return None
            body = regex[i + 1 : end]
            extra = "".join(
                (a.swapcase() + ("-" + b.swapcase() if b else ""))
                for a, b in re.findall(r"(?<!\\)([A-Za-z])(?:-([A-Za-z]))?", body)
            )
            out.append("[" + body + extra + "]")
            i = end + 1
        elif c == "(" and regex[i + 1 : i + 2] == "?":
            return None
        elif c.isascii() and c.isalpha():
            out.append(f"[{c.lower()}{c.upper()}]")
            i += 1
        else:
            out.append(c)
            i += 1
    result = "".join(out)
    try:
        re.compile(result)
    except re.error:
        return None
    return result


def literal_prefix(path: str, regex: bool) -> str:
    """The literal start every match of ``path`` begins with (lower-cased for regexes)."""
    if not regex:
        return path
    out = ""
    for i, c in enumerate(path):
        if c in ".^$*+?()[]{}|\\":
            if c in "*?{" and out:
                out = out[:-1]
            break
        if path[i + 1 : i + 2] in ("*", "?", "{"):
            break
        out += c
    return out.lower()


def regex_literal(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in text)


@dataclass(slots=True)
class AlbPath:
    """One ALB path for one nginx location block."""

    block: Block
    kind: str  # Exact | Prefix | wildcard | regex
    value: str  # for regex: the regex; otherwise the path value
    transform: tuple[str, str] | None = None  # (regex, replace)
    action: dict[str, Any] | None = None  # a redirect or weighted forward instead of the plain service
    conditions: list[dict[str, Any]] = field(default_factory=list)
    key_hint: str = ""

    # The literal start every match begins with (for the overlap checks), computed once.
    match_prefix: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.match_prefix = literal_prefix(self.block.path, self.block.modifier == "~*")


def _regex_path(block: Block, report: Report) -> AlbPath | None:
    loc = block.location
    expanded = posix_classes(block.path)
    if expanded is None:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            "uses a POSIX class with no range form here (negated, or cntrl, graph, print, punct, ascii); write it "
            "as ranges (e.g. [0-9] for [:digit:]); the path was left out",
        )
        return None
    regex = expanded
    problem = _unsupported_regex(regex)
    if problem:
        report.add(loc.ingress, f"path {loc.path!r}", "not-converted", f"{problem}; the path was left out")
        return None
    widened = case_insensitive(regex)
    has_letters = any(c.isalpha() for c in re.sub(r"\\.", "", regex))
    condition = "^" + (widened or regex)
    if len(condition) > CONDITION_LIMIT:
        if len("^" + regex) > CONDITION_LIMIT:
            report.add(
                loc.ingress,
                f"path {loc.path!r}",
                "not-converted",
                f"as an ALB regex it exceeds the {CONDITION_LIMIT}-character condition limit; the path was left out",
            )
            return None
        condition = "^" + regex
        widened = None
    if widened is None and has_letters:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "approximated",
            "matched case-sensitively: ingress-nginx matched it in any case, and the case-insensitive form "
            f"does not fit the ALB's {CONDITION_LIMIT}-character limit",
        )
    transform = None
    if loc.needs_rewrite and loc.rewrite is not None:
        target = loc.rewrite
        groups = re.compile(regex).groups
        if not SAFE_TARGET.fullmatch(target):
            report.add(
                loc.ingress,
                NGINX + "rewrite-target",
                "not-converted",
                f"target {target!r} for path {loc.path!r} is not a path built from its capture groups $1..${groups} "
                "(nginx variables, queries and redirects have no ALB transform); the path was left out",
            )
            return None
        # nginx substitutes an empty string for a group the path does not have; so does the replacement.
        replace = re.sub(r"\$([1-9])", lambda m: m.group(0) if int(m.group(1)) <= groups else "", target)
        # The transform sees path and query together; nginx rewrote the path only and kept the query. So the
        # regex matches within the path ('.' and negated classes never cross '?'), takes the rest of the path,
        # and carries the query over in one more group.
        rewritten = path_only((widened or regex).removeprefix("^"))
        if max(rewritten.query_groups) > 9:
            report.add(
                loc.ingress,
                NGINX + "rewrite-target",
                "not-converted",
                f"path {loc.path!r} needs more than 9 groups once the query is carried over, and a replacement "
                "refers to at most $9; the path was left out",
            )
            return None
        transform = (rewritten.regex, rewritten.replacement(replace))
        referenced = {int(n) for n in re.findall(r"\$([1-9])", replace)}
        if referenced & rewritten.leaky:
            report.add(
                loc.ingress,
                NGINX + "rewrite-target",
                "approximated",
                f"target {target!r} of path {loc.path!r} uses a group that ends at the end of the path ('$'); on a "
                "request with a query string that group also holds the query, so the query reaches the upstream "
                "twice (ALB regexes have no lookahead to stop it)",
            )
    return AlbPath(block, "regex", condition, transform)


# Matches an optional query at the end of the path, in a group of its own, and a lone '?' with none.
_QUERY_TAIL = "(\\?.+)?\\??$"


@dataclass(frozen=True)
class PathOnly:
    """A path regex rewritten for a transform, which sees the path and the query together."""

    regex: str
    groups: dict[int, int]  # the user's group number -> its number in ``regex``
    query_groups: tuple[int, ...]  # the groups one of which holds the query, if any
    # The user's groups that hold an end anchor: on a request with a query, they capture the query too.
    leaky: frozenset[int] = frozenset()

    def replacement(self, target: str) -> str:
        """``target``'s ``$N`` renumbered, followed by the query (nginx appends the request's args)."""
        body = re.sub(
            r"\$([1-9])", lambda m: f"${self.groups[int(m.group(1))]}" if int(m.group(1)) in self.groups else "", target
        )
        return body + "".join(f"${n}" for n in self.query_groups)


def path_only(regex: str) -> PathOnly:
    """``regex`` as a transform regex over path plus query that matches as ``regex`` does over the path.

    On a path (which holds no ``?``) nothing changes; on path plus query, ``.``, negated classes and
    ``\\S \\D \\W`` stop at ``?``, and an end anchor ``$`` also accepts the query, in a new group. The whole
    is anchored and consumes the rest of the path and the query, so the replacement is the whole URI.
    """
    out: list[str] = []
    groups: dict[int, int] = {}
    query_groups: list[int] = []
    seen = 0  # capturing groups opened so far in the output
    user = 0
    open_groups: list[int | None] = []  # the user's group each open parenthesis is (None: not capturing)
    leaky: set[int] = set()
    i = 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            escaped = regex[i : i + 2]
            out.append({"\\S": "[^\\s?]", "\\D": "[^0-9?]", "\\W": "[^\\w?]"}.get(escaped, escaped))
            i += 2
            continue
        if c == "[":
            end = i + 1 + (regex[i + 1 : i + 2] == "^")
            end += regex[end : end + 1] == "]"
            while end < len(regex) and regex[end] != "]":
                end += 2 if regex[end] == "\\" else 1
            body = regex[i : end + 1]
            out.append(body[:-1] + "?]" if body.startswith("[^") else body)
            i = end + 1
            continue
        if c == "(" and regex[i + 1 : i + 2] != "?":
            seen += 1
            user += 1
            groups[user] = seen
            open_groups.append(user)
            out.append(c)
        elif c == "(":
            open_groups.append(None)
            out.append(c)
        elif c == ")":
            if open_groups:
                open_groups.pop()
            out.append(c)
        elif c == "$":
            leaky.update(g for g in open_groups if g is not None)
            seen += 1
            query_groups.append(seen)
            out.append(_QUERY_TAIL.removesuffix("$") + "$")
        elif c == ".":
            out.append("[^?]")
        else:
            out.append(c)
        i += 1
    seen += 1
    query_groups.append(seen)
    return PathOnly("^" + "".join(out) + "[^?]*" + _QUERY_TAIL, groups, tuple(query_groups), frozenset(leaky))


def _unsupported_regex(regex: str) -> str | None:
    """Why an nginx (PCRE) path regex cannot be an ALB regex (ELB listener rules: no lookarounds,
    back-references, atomic groups, possessive quantifiers, subroutines, recursion or Unicode classes)."""
    if re.search(r"\(\?|\\[0-9pPkgQEXRK]", regex):
        return (
            "uses lookarounds, atomic or named groups, back-references, subroutines, inline flags or Unicode "
            "classes, which ALB regexes do not support"
        )
    if _possessive(regex):
        return "uses a possessive quantifier (such as a++), which ALB regexes do not support"
    try:
        re.compile(regex)
    except re.error as error:
        return f"not a regular expression ({error})"
    if not regex.isascii():
        return "has non-ASCII characters, which nginx and the ALB compare differently"
    return None


def _possessive(regex: str) -> bool:
    """A quantifier (*, +, ?, {n,m}) followed by '+', outside a character class and not escaped."""
    i, in_class, previous_quantifier = 0, False, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i, previous_quantifier = i + 2, False
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "+" and previous_quantifier:
            return True
        previous_quantifier = not in_class and c in "*+?}" and not (c == "?" and previous_quantifier)
        i += 1
    return False


def _plain_path(block: Block, report: Report) -> AlbPath | None:
    loc = block.location
    if block.modifier == "=" and ("*" in block.path or "?" in block.path):
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            "the controller refuses Exact paths with '*' or '?' (\"exact path shouldn't contain wildcards\"), "
            "and one refused path stops it reconciling the whole group; the path was left out",
        )
        return None
    if block.modifier == "=":
        return AlbPath(block, "Exact", block.path)
    if "*" in block.path or "?" in block.path:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            "'*' and '?' are wildcards in ALB paths but literal in nginx prefixes; the path was left out",
        )
        return None
    prefix = nginx_path_type(loc.path_type) == "Prefix"  # ImplementationSpecific included (routes.nginx_path_type)
    if prefix and block.path == "/":
        return AlbPath(block, "Prefix", "/")
    if prefix and not loc.path.endswith("/") and block.path == loc.path + "/":
        return AlbPath(block, "Prefix", loc.path)
    if len(block.path) + 1 > CONDITION_LIMIT:
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "not-converted",
            f"longer than the ALB's {CONDITION_LIMIT}-character limit",
        )
        return None
    return AlbPath(block, "wildcard", block.path + "*")


# ingress-nginx (controller-v1.15.1, internal/ingress/annotations/redirect/redirect.go Parse): with both
# annotations the temporal redirect is the one applied; a code outside 300..307 (temporal) or 300..308
# (permanent) falls back to 302 or 301. An ALB redirect action answers HTTP_301 or HTTP_302 only.
REDIRECT_KINDS = (("temporal-redirect", 302, 307), ("permanent-redirect", 301, 308))
ALB_REDIRECT_CODES = {301: "HTTP_301", 302: "HTTP_302"}
# The ALB code nearest in meaning: permanent ones (301, 308) as 301, the rest as 302.
_NEAREST_ALB_CODE = {308: 301}


def _redirect_action(source: Source, report: Report) -> dict[str, Any] | None:
    applied = next((kind for kind in REDIRECT_KINDS if source.nginx.get(kind[0])), None)
    if applied is None:
        return None
    kind, default_code, highest = applied
    for other, _, _ in REDIRECT_KINDS:
        if other != kind and source.nginx.get(other):
            for key in (other, other + "-code"):
                if key in source.nginx:
                    report.add(
                        source.name,
                        NGINX + key,
                        "note",
                        f"not applied, as in ingress-nginx: with both, its redirect.go applies {kind} and never reads "
                        "the other",
                    )
    url = source.nginx[kind]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        report.add(source.name, NGINX + kind, "not-converted", f"{url!r} is not an http(s) URL")
        return None
    raw = source.nginx.get(kind + "-code")
    code = default_code
    if raw is not None:
        parsed = go_atoi(raw)
        if parsed is None:
            report.add(
                source.name,
                NGINX + kind + "-code",
                "not-converted",
                f"{raw!r} is not an integer as Go's strconv.Atoi reads it: ingress-nginx refuses the Ingress when it "
                f"validates annotations (its default), and uses {default_code} when it does not; {default_code} used",
            )
        elif 300 <= parsed <= highest:
            code = parsed
        else:
            report.add(
                source.name,
                NGINX + kind + "-code",
                "converted",
                f"{raw} is outside 300..{highest}, so ingress-nginx answers {default_code}; so does the ALB redirect",
            )
    nearest = code if code in ALB_REDIRECT_CODES else _NEAREST_ALB_CODE.get(code, 302)
    status = ALB_REDIRECT_CODES[nearest]
    if nearest != code:
        report.add(
            source.name,
            NGINX + kind + "-code",
            "approximated",
            f"{code} became {nearest}: ALB redirect actions answer 301 or 302 only"
            + (" (clients may turn a POST into a GET)" if code in (307, 308) else ""),
        )
    elif raw is not None and go_atoi(raw) == code:
        report.add(source.name, NGINX + kind + "-code", "converted", f"as the redirect's status code ({code})")
    port = str(parts.port or (443 if parts.scheme == "https" else 80))
    report.add(source.name, NGINX + kind, "converted", f"as an ALB redirect action ({nearest}) on every path")
    return {
        "type": "redirect",
        "redirectConfig": {
            "protocol": parts.scheme.upper(),
            "host": parts.hostname,
            "port": port,
            "path": parts.path or "/",
            "query": parts.query,
            "statusCode": status,
        },
    }


def _collect(sources: list[Source], report: Report) -> dict[str, list[Location]]:
    """Every non-canary location by host, first definition of a host, path and path type winning as in
    ingress-nginx: the same path as Exact and as Prefix are two locations there (controller.go l. 822-826 at
    controller-v1.15.1, "Same paths but different types are allowed"), and ImplementationSpecific counts as
    Prefix (internal/k8s/main.go l. 164-183, SetDefaultNGINXPathType, applied as each Ingress is stored)."""
    by_host: dict[str, list[Location]] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for source in sources:
        if source.canary:
            continue
        rewrite = source.nginx.get("rewrite-target")
        use_regex = source.flag("use-regex")
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            if not valid_host(host):
                report.add(
                    source.name,
                    f"host {host!r}",
                    "not-converted",
                    "invalid input: not a DNS name the API server takes as an Ingress host (lower-case letters, "
                    "digits, '-' and '.', an optional leading '*.', no IP address; the API server refuses the "
                    "Ingress as written); its rule is left out: fix the host",
                )
                continue
            for path in (rule.get("http") or {}).get("paths") or []:
                value = str(path.get("path") or "/")
                backend = ((path.get("backend") or {}).get("service")) or {}
                if not backend.get("name"):
                    report.add(
                        source.name, f"path {value!r}", "not-converted", "its backend is not a Service; left out"
                    )
                    continue
                path_type = path.get("pathType") or "ImplementationSpecific"
                if path_type not in PATH_TYPES:
                    report.add(
                        source.name,
                        f"path {value!r}",
                        "not-converted",
                        f"invalid input: pathType {path_type!r} is not one of {', '.join(PATH_TYPES)} (the API server "
                        "refuses the Ingress as written); left out: fix the pathType",
                    )
                    continue
                twin = (host, value, nginx_path_type(path_type))
                if twin in seen:
                    report.add(
                        source.name,
                        f"path {value!r}",
                        "not-converted",
                        f"host {host or '*'!r} already has this path from {seen[twin]}, which ingress-nginx "
                        "kept; left out",
                    )
                    continue
                seen[twin] = source.name
                by_host.setdefault(host, []).append(
                    Location(
                        source.name,
                        host,
                        value,
                        str(path.get("pathType") or "ImplementationSpecific"),
                        str(backend["name"]),
                        backend.get("port") or {},
                        rewrite,
                        use_regex,
                    )
                )
    for source in sources:
        _default_backend(source, by_host, seen, report)
    return by_host


def _default_backend(
    source: Source, by_host: dict[str, list[Location]], seen: dict[tuple[str, str, str], str], report: Report
) -> None:
    """An Ingress's defaultBackend: the root of each host it opens first, as ingress-nginx places it."""
    spec = source.converted.get("spec") or {}
    backend = (spec.get("defaultBackend") or {}).get("service")
    if not backend or source.canary:
        return
    if not spec.get("rules"):
        report.add(
            source.name,
            "spec.defaultBackend",
            "approximated",
            "kept as the ALB listener's default action: it also answers unmatched paths of known hosts, "
            "where ingress-nginx answered 404",
        )
        return
    del spec["defaultBackend"]
    placed = 0
    for rule in spec["rules"]:
        host = str(rule.get("host") or "")
        if not valid_host(host):
            continue  # reported and left out with its rule by _collect
        first = next((loc.ingress for loc in by_host.get(host, [])), source.name)
        if (host, "/", "Prefix") in seen or first != source.name:
            continue
        placed += 1
        seen[host, "/", "Prefix"] = source.name
        rule.setdefault("http", {"paths": []})
        by_host.setdefault(host, []).append(
            Location(
                source.name,
                host,
                "/",
                "Prefix",
                str(backend["name"]),
                backend.get("port") or {},
                source.nginx.get("rewrite-target"),
                source.flag("use-regex"),
            )
        )
    report.add(
        source.name,
        "spec.defaultBackend",
        "converted",
        "as the '/' path of each host it opened, after that host's other paths, as ingress-nginx routed it"
        if placed
        else "left out: every host it opens already has a '/' path (or another Ingress opened it first), which "
        "ingress-nginx serves instead, so it never answered a request",
    )


def _canaries(sources: list[Source], paths: dict[str, list[AlbPath]], report: Report) -> None:
    """Fold each canary Ingress into the paths it shadows: weighted forwards and header conditions."""
    for source in sources:
        if not source.canary:
            continue
        matched = 0
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            for path in (rule.get("http") or {}).get("paths") or []:
                value = str(path.get("path") or "/")
                canary = (path.get("backend") or {}).get("service") or {}
                for alb in list(paths.get(host, [])):
                    loc = alb.block.location
                    if loc.path != value or alb.key_hint == "canary-header" or alb.action is not None:
                        continue
                    matched += 1
                    _add_canary(source, alb, canary, paths[host], report)
        if matched == 0:
            report.add(source.name, NGINX + "canary", "not-converted", "no converted Ingress has its host and path")


def _add_canary(
    source: Source, alb: AlbPath, canary: dict[str, Any], host_paths: list[AlbPath], report: Report
) -> None:
    loc = alb.block.location
    main = {"serviceName": loc.service, "servicePort": port_of(loc.port)}
    target = {"serviceName": canary.get("name"), "servicePort": port_of(canary.get("port") or {})}
    total = whole_number(source, "canary-weight-total", 100, report)
    weight = min(whole_number(source, "canary-weight", 0, report), total)
    if weight:
        scaled = scale((total - weight, weight))
        alb.action = {
            "type": "forward",
            "forwardConfig": {
                "targetGroups": [{**main, "weight": scaled.weights[0]}, {**target, "weight": scaled.weights[1]}]
            },
        }
        if scaled.weights == (total - weight, weight):
            report.add(
                source.name,
                NGINX + "canary-weight",
                "converted",
                f"{weight}/{total} of {loc.path!r} as a weighted forward",
            )
        else:
            report.add(
                source.name,
                NGINX + "canary-weight",
                "converted" if scaled.exact else "approximated",
                f"{weight}/{total} of {loc.path!r} as a weighted forward of {scaled.weights[0]}/{scaled.weights[1]}: "
                f"ALB target-group weights are 0 to {MAX_WEIGHT}; main/canary {scaled.shares((total - weight, weight))}"
                f" became {scaled.shares()}" + ("" if scaled.exact else " (rounded)"),
            )
    header = source.nginx.get("canary-by-header")
    if header:
        # ingress-nginx's parseString refuses "" (controller-v1.15.1 parser/main.go): an empty value is no value.
        value = source.nginx.get("canary-by-header-value") or "always"
        # A header condition the controller or CreateRule refuses (a name that is no HTTP token or over 40
        # characters, a value over 128: ELB API HttpHeaderConditionConfig) would stop the whole group: asked of the
        # validator, as for every rule, and only the canary's header rule is left out; the main Ingress still goes.
        plain = {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": header, "values": [value]}}
        refused = condition_problems([plain])
        if refused:
            report.add(
                source.name,
                NGINX + "canary-by-header",
                "not-converted",
                f"{header} as a header condition: {refused[0][0]}; left out, so requests carrying it reach the main "
                "backend (and the weight, if any)",
            )
            return
        config: dict[str, Any] = {"httpHeaderName": header, "values": [value]}
        pattern = source.nginx.get("canary-by-header-pattern", "")
        if not source.nginx.get("canary-by-header-value") and pattern:
            # balancer.lua (controller-v1.15.1) route_to_alternative_balancer: without a header value, the
            # pattern is an unanchored PCRE match (ngx.re.match) of the header; the controller v3.5.0 passes
            # httpHeaderConfig.regexValues through (config_types.go HTTPHeaderConditionConfig).
            if not _header_pattern(source, pattern, report):
                return
            config = {"httpHeaderName": header, "regexValues": [pattern]}
        extra = AlbPath(
            alb.block,
            alb.kind,
            alb.value,
            alb.transform,
            {"type": "forward", "forwardConfig": {"targetGroups": [target]}},
            [{"field": "http-header", "httpHeaderConfig": config}],
            "canary-header",
        )
        host_paths.insert(host_paths.index(alb), extra)
        if "regexValues" in config:
            report.add(
                source.name,
                NGINX + "canary-by-header",
                "approximated",
                f"{header} matching {pattern!r} as a header condition with regexValues",
            )
            return
        report.add(
            source.name,
            NGINX + "canary-by-header",
            "approximated",
            f"{header}: {value} as a header condition; the ALB compares header values case-insensitively"
            + ("" if source.nginx.get("canary-by-header-value") else ", and 'never' has no rule of its own"),
        )


def _header_pattern(source: Source, pattern: str, report: Report) -> bool:
    """Whether canary-by-header-pattern can be an ALB regexValues condition; reported either way."""
    key = NGINX + "canary-by-header-pattern"
    if len(pattern) > CONDITION_LIMIT:
        report.add(
            source.name,
            key,
            "not-converted",
            f"longer than the ALB's {CONDITION_LIMIT}-character regex limit; the header sends nothing to the canary",
        )
        return False
    try:
        re.compile(pattern)
    except re.error as error:
        report.add(
            source.name,
            key,
            "not-converted",
            f"{pattern!r} is not a regex this check reads ({error}); the header sends nothing to the canary",
        )
        return False
    report.add(
        source.name,
        key,
        "approximated",
        f"{pattern!r} as the header condition's regexValues: nginx matched it with PCRE, unanchored and "
        "case-sensitive; the ALB's regex dialect differs (lookarounds, backreferences, possessive quantifiers and "
        "flags are PCRE's), so check the pattern against the ALB's; one regex is one of the 5 match evaluations "
        "AWS allows a rule",
    )
    return True


def whole_number(source: Source, key: str, default: int, report: Report) -> int:
    """A non-negative integer annotation; anything else is reported and the default used."""
    raw = source.nginx.get(key, "").strip()
    if raw.isdigit():
        return int(raw)
    if raw:
        report.add(source.name, NGINX + key, "not-converted", f"{raw!r} is not a whole number; {default} used")
    return default


def port_of(port: Mapping[str, Any]) -> Any:
    return port.get("number", port.get("name"))


def overlap_candidates(sequence: list[AlbPath]) -> Iterator[tuple[int, int]]:
    """Pairs (i < j) of paths whose literal prefixes (compared in lower case) nest: a superset of the
    overlapping pairs, found through sorted prefixes instead of every pair, so a host with hundreds of
    Ingresses stays linear in what actually overlaps."""
    keys = [alb.match_prefix.lower() for alb in sequence]
    by_key: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        by_key.setdefault(key, []).append(index)
    ordered = sorted(by_key)
    seen: set[tuple[int, int]] = set()
    for index, key in enumerate(keys):
        start = bisect.bisect_left(ordered, key)
        stop = bisect.bisect_left(ordered, key + "\U0010ffff")
        nested = [other for k in ordered[start:stop] for other in by_key[k]]  # keys that start with this one
        nested += [other for length in range(len(key)) for other in by_key.get(key[:length], [])]  # its prefixes
        for other in nested:
            pair = (min(index, other), max(index, other))
            if index != other and pair not in seen:
                seen.add(pair)
                yield pair


def _order(
    sources: list[Source], paths: dict[str, list[AlbPath]], report: Report, written: Callable[[str], str]
) -> None:
    """Give Ingresses that share a host group.order values where nginx's order needs them. ``written`` is the
    name each is written under (``--side-by-side`` renames them), which the controller's namespace/name order
    compares."""
    edges: set[tuple[str, str]] = set()
    hostless = paths.get("", [])
    for host, host_paths in paths.items():
        sequence = host_paths + ([] if host == "" else hostless)
        for i, j in overlap_candidates(sequence):
            first, later = sequence[i], sequence[j]
            a, b = first.block.location.ingress, later.block.location.ingress
            if a != b and overlap(first, later):
                edges.add((a, b))
    # Exact hosts before the wildcards that cover them, as nginx picks servers (albops.migrate.hosts).
    hosts_of: dict[str, set[str]] = {}
    for host, host_paths in paths.items():
        for alb in host_paths:
            hosts_of.setdefault(alb.block.location.ingress, set()).add(host)
    edges |= wildcard_edges(hosts_of)
    if not edges:
        return
    names = sorted({n for edge in edges for n in edge})
    if all(written(a) < written(b) for a, b in edges):
        return  # namespace/name order (of the names written) already puts them right
    ordered: list[str] = []
    remaining = set(names)
    while remaining:
        ready = sorted(n for n in remaining if not any(b == n and a in remaining for a, b in edges))
        if not ready:
            report.add(
                ", ".join(sorted(remaining)),
                "rule order",
                "not-converted",
                "their paths overlap in both orders, which one ALB group cannot express; merge them into one Ingress",
            )
            ordered += sorted(remaining)
            break
        ordered.append(ready[0])
        remaining.discard(ready[0])
    by_name = {s.name: s for s in sources}
    for position, name in enumerate(ordered, start=1):
        by_name[name].annotations[ALB + "group.order"] = str(position)
    report.add(
        "*", "group.order", "note", "set on " + ", ".join(ordered) + " so the ALB tries their paths in nginx's order"
    )


def overlap(a: AlbPath, b: AlbPath) -> bool:
    """Whether some request could match both paths (by their literal prefixes)."""
    if a.block.modifier == "=" and b.block.modifier == "=":
        return a.block.path == b.block.path
    pa, pb = a.match_prefix, b.match_prefix
    if a.block.modifier == "~*" or b.block.modifier == "~*":
        pa, pb = pa.lower(), pb.lower()
    return pa.startswith(pb) or pb.startswith(pa)


def route(
    sources: list[Source], report: Report, written: Callable[[str], str] = lambda name: name
) -> dict[str, list[AlbPath]]:
    """Every converted ALB path by host, in the order the ALB must try them (nginx's order); ``written`` gives
    the name an Ingress is written under."""
    by_host = _collect(sources, report)
    paths: dict[str, list[AlbPath]] = {}
    slashes: dict[str, list[AlbPath]] = {}
    for host, locations in by_host.items():
        blocks = nginx_blocks(locations)
        slashes[host] = _slash_redirects(blocks, report)
        out: list[AlbPath] = []
        exact_regex = regex_host(locations)
        for block in blocks:
            # A Prefix path's exact copy is covered by the ALB Prefix path itself.
            if not exact_regex and block.modifier == "=" and nginx_path_type(block.location.path_type) == "Prefix":
                continue
            alb = _regex_path(block, report) if exact_regex else _plain_path(block, report)
            if alb is not None:
                out.append(alb)
        if not exact_regex:
            out.sort(key=lambda p: p.kind != "Exact")  # nginx tries exact locations before any prefix
        paths[host] = out
    redirects: dict[str, dict[str, Any] | None] = {}
    for source in sources:
        if source.nginx.get("permanent-redirect") or source.nginx.get("temporal-redirect"):
            redirects[source.name] = _redirect_action(source, report)
        for key in ("rewrite-target", "use-regex"):
            if key in source.nginx and not source.canary:
                report.add(
                    source.name,
                    NGINX + key,
                    "converted",
                    "as ALB regex paths and transforms, per host (docs/migrate.md, Routing)",
                )
    for host_paths in paths.values():
        for alb in host_paths:
            alb.action = redirects.get(alb.block.location.ingress)
    for host, extra in slashes.items():
        paths[host][:0] = extra  # nginx decides them before any location runs (see routes.auto_redirects)
    _root_redirects(sources, by_host, redirects, paths, report)
    _app_roots(sources, paths, report)
    _canaries(sources, paths, report)
    _order(sources, paths, report, written)
    report_fallthrough(
        {
            host: (
                host_paths[0].block.location.ingress,
                any(p.block.path == "/" and p.block.modifier != "=" for p in host_paths),
            )
            for host, host_paths in paths.items()
            if host_paths
        },
        report,
    )
    return paths


def _root_redirects(
    sources: list[Source],
    by_host: dict[str, list[Location]],
    redirects: dict[str, dict[str, Any] | None],
    paths: dict[str, list[AlbPath]],
    report: Report,
) -> None:
    """The redirect of a host's root location: ingress-nginx opens each host with a location ``/`` (Prefix)
    that takes the annotations of the first Ingress naming the host, with or without paths (createServers,
    controller.go l. 1363-1393 at controller-v1.15.1, locationApplyAnnotations), so that Ingress's
    permanent- or temporal-redirect (nginx.tmpl l. 1417-1419) answers every request no other location of the
    host takes. A Prefix ``/`` path of any Ingress replaces that location, with its own Ingress's annotations
    (controller.go l. 816-851): then there is nothing to add. Written as a Prefix ``/`` after the host's paths."""
    first: dict[str, Source] = {}
    naming: dict[str, list[str]] = {}
    for source in sources:
        if source.canary:
            continue
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            # The catch-all server's root exists before any Ingress and keeps no Ingress's redirect (l. 1297-1316,
            # l. 1351-1356), so a rule without a host has none to carry over.
            if host and valid_host(host):
                first.setdefault(host, source)
                naming.setdefault(host, []).append(source.name)
    for host, source in first.items():
        action = redirects.get(source.name)
        if action is None:
            continue
        if any(loc.path == "/" and nginx_path_type(loc.path_type) == "Prefix" for loc in by_host.get(host, [])):
            continue
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            if str(rule.get("host") or "") == host:
                rule.setdefault("http", {"paths": []})  # a rule without paths still opened the host in nginx
        host_paths = paths.setdefault(host, [])
        location = Location(source.name, host, "/", "Prefix", "default-backend")
        regex = any(alb.kind == "regex" for alb in host_paths)
        host_paths.append(AlbPath(Block("~*" if regex else "", "/", location), "Prefix", "/", None, action))
        others = sorted(set(naming[host]) - {source.name})
        report.add(
            source.name,
            f"host {host or '*'}",
            "converted",
            "its redirect also answers every path of the host that no other path takes (a Prefix '/' after them): "
            "ingress-nginx's root location of a host takes the annotations of the first Ingress naming it"
            + (
                f"; taken as this one, the first in the input of {', '.join([source.name, *others])}: ingress-nginx "
                "takes the oldest (creationTimestamp; on a tie the last by namespace/name, store.go l. 1102-1115)"
                if others
                else ""
            ),
        )


def _slash_redirects(blocks: list[Block], report: Report) -> list[AlbPath]:
    """ALB Exact paths answering nginx's auto_redirect: ``/x`` gets a 301 to ``/x/`` with the query kept,
    where a location ``/x/`` exists and none is named ``/x`` (routes.auto_redirects). The protocol, host and
    port stay the request's, as nginx's relative-turned-absolute Location keeps them (port_in_redirect off)."""
    out: list[AlbPath] = []
    for path, block in auto_redirects(blocks):
        loc = block.location
        if "*" in path or "?" in path or len(path) > CONDITION_LIMIT:
            report.add(
                loc.ingress,
                f"path {loc.path!r}",
                "not-converted",
                f"nginx answers {path!r} with a 301 to {block.path!r}; as an ALB Exact path it would hold a "
                f"wildcard or exceed {CONDITION_LIMIT} characters, so that redirect was left out",
            )
            continue
        action = {"type": "redirect", "redirectConfig": {"path": block.path, "statusCode": "HTTP_301"}}
        out.append(AlbPath(Block("=", path, loc), "Exact", path, None, action, key_hint="slash"))
        report.add(
            loc.ingress,
            f"path {loc.path!r}",
            "converted",
            f"{path!r} redirects (301) to {block.path!r}, query kept, as nginx answers it (auto_redirect of a "
            "location ending in '/')",
        )
    return out


def _app_roots(sources: list[Source], paths: dict[str, list[AlbPath]], report: Report) -> None:
    for source in sources:
        root = source.nginx.get("app-root")
        if not root or source.canary:
            continue
        if not root.startswith("/") or not SAFE_TARGET.fullmatch(root.replace("$", "")):
            report.add(source.name, NGINX + "app-root", "not-converted", f"{root!r} is not a plain path")
            continue
        for rule in (source.converted.get("spec") or {}).get("rules") or []:
            host = str(rule.get("host") or "")
            location = Location(source.name, host, "/", "Exact", "app-root")
            redirect = {
                "type": "redirect",
                "redirectConfig": {"path": root, "query": "", "statusCode": "HTTP_302"},
            }
            paths.setdefault(host, []).insert(0, AlbPath(Block("=", "/", location), "Exact", "/", None, redirect))
        report.add(source.name, NGINX + "app-root", "converted", f"'/' redirects (302) to {root!r}")
