"""Annotation values read the way ingress-nginx and the controller read them, not the way Python would.

A value that ingress-nginx reads one way and this tool another changes what is protected: ``"1"`` is a true
``force-ssl-redirect`` to nginx (Go ``strconv.ParseBool``), and ``203.0.113.7`` is an allow-list entry to
ingress-nginx but stops a whole ALB group when written as ``inbound-cidrs`` (the controller parses it with Go
``net.ParseCIDR``, which needs the ``/n``).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias, Union

# Go strconv.ParseBool (go/src/strconv/atob.go): exactly these spellings, nothing trimmed.
GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})

# Go unicode.IsSpace, which strings.TrimSpace strips: Python's str.strip also strips U+001C..U+001F.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


# Go's simple case folding joins two non-ASCII letters to ASCII ones (unicode.SimpleFold: s, S and U+017F LATIN
# SMALL LETTER LONG S; k, K and U+212A KELVIN SIGN); every other letter that folds to an ASCII one is ASCII.
_GO_FOLD = {"\u017f": "s", "\u212a": "k"}


def _go_folded(text: str) -> str:
    if text.isascii():  # field names almost always are: no letter to fold specially
        return text.lower()
    return "".join(_GO_FOLD.get(c, c.lower() if c.isascii() else c) for c in text)


# The controller's annotation structs' fields that are plain values, not pointers, slices or maps (v3.5.0
# pkg/ingress/config_types.go): a JSON null leaves these as they were; it sets every other field to nil.
GO_PLAIN_FIELDS = frozenset(
    {
        "authorizationEndpoint",
        "field",
        "format",
        "httpHeaderName",
        "issuer",
        "jwksEndpoint",
        "name",
        "regex",
        "replace",
        "secretName",
        "statusCode",
        "tokenEndpoint",
        "type",
        "userInfoEndpoint",
        "userPoolARN",
        "userPoolClientID",
        "userPoolDomain",
        "value",
    }
)


class GoObject(dict[str, object]):
    """A JSON object as written: every key-value pair in order, repeats included (``pairs``), beside the
    dict Python makes of it (which keeps one value per key, at the first key's place). Go applies every pair
    in the order written, so its reading needs them all."""

    pairs: list[tuple[str, object]]

    @classmethod
    def of(cls, pairs: list[tuple[str, object]]) -> GoObject:
        made = cls(pairs)
        made.pairs = pairs
        return made


def go_json_field(document: object, name: str) -> object:
    """A field of a JSON object as Go's ``json.Unmarshal`` fills a struct's field ``name``.

    Every key equal to it, exactly or but for case (Go's simple folding, not Python's), is applied in the order
    written, so the last one wins (``{"type": "fixed-response", "Type": "forward"}`` is a forward action). An
    object decoded onto one already there fills the same struct: its fields merge, the later ones winning,
    so the pairs of both are read together. A JSON null sets a pointer, slice or map field to nil and leaves a
    plain one (GO_PLAIN_FIELDS) as it was. None when no key names it, or the document is not an object.

    Not modelled: an array decoded onto an array already there (Go decodes each element onto the old one, so
    their fields merge too), and a pair of the wrong type that a later pair overrides (Go has already failed
    the whole annotation). Both take a key written twice in one object.
    """
    if not isinstance(document, dict):
        return None
    pairs = document.pairs if isinstance(document, GoObject) else list(document.items())
    folded = _go_folded(name)
    found: object = None
    merged: list[tuple[str, object]] | None = None  # the pairs of objects decoded one onto another
    for key, value in pairs:
        if not isinstance(key, str) or (key != name and _go_folded(key) != folded):
            continue
        if value is None:
            if name not in GO_PLAIN_FIELDS:
                found, merged = None, None
        elif isinstance(value, dict) and isinstance(found, dict):
            if merged is None:
                merged = list(found.pairs if isinstance(found, GoObject) else found.items())
            merged += value.pairs if isinstance(value, GoObject) else list(value.items())
            found = value  # a stand-in: the merged object is made once, below (no copy per repeat)
        else:
            found, merged = value, None
    return GoObject.of(merged) if merged is not None else found


# The shape of a Go value json.Unmarshal fills, for go_type_problem: GO_STRING, ("slice", element), or a struct
# as {json field name: shape}.
GO_STRING = "string"
GO_BOOL = "bool"
GO_INT32 = "int32"
# k8s.io/apimachinery intstr.IntOrString: a JSON string, or a number read as an int32 (its UnmarshalJSON).
GO_INT_OR_STRING = "int-or-string"
GoShape: TypeAlias = Union[str, tuple[str, "GoShape"], Mapping[str, "GoShape"]]  # noqa: UP007 (recursive)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def go_type_problem(value: object, shape: GoShape, where: str = "") -> str | None:
    """Where ``value`` (from go_json_loads) holds a JSON value Go's ``json.Unmarshal`` cannot put in ``shape``,
    and what it holds, or None. Go does not stop at such a value, but Unmarshal still returns its
    UnmarshalTypeError, so the controller refuses the whole annotation. A null fits anything (it leaves the
    field as it was, or nil); a key that names no field is ignored; every pair of a repeated key is decoded, so
    each is checked."""
    if value is None:
        return None
    if shape in (GO_INT32, GO_INT_OR_STRING):
        if shape == GO_INT_OR_STRING and isinstance(value, str):
            return None
        if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
            return None
        what = "a number outside int32" if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, float):
            what = "a number with a fraction or exponent"  # Go's ParseInt refuses 1.5, 1.0 and 1e3
        return f"{where or 'it'} is not a JSON integer (it is {what or _json_kind(value)})"
    if shape == GO_BOOL:
        return None if isinstance(value, bool) else f"{where or 'it'} is {_json_kind(value)}, not true or false"
    if shape == GO_STRING:
        return None if isinstance(value, str) else f"{where or 'it'} is {_json_kind(value)}, not a string"
    if isinstance(shape, tuple):
        if not isinstance(value, list):
            return f"{where or 'it'} is {_json_kind(value)}, not an array"
        for i, element in enumerate(value):
            if (problem := go_type_problem(element, shape[1], f"{where}[{i}]")) is not None:
                return problem
        return None
    assert isinstance(shape, Mapping)
    if not isinstance(value, dict):
        return f"{where or 'it'} is {_json_kind(value)}, not an object"
    pairs = value.pairs if isinstance(value, GoObject) else list(value.items())
    fields = {_go_folded(name): name for name in shape}
    for key, item in pairs:
        name = key if key in shape else fields.get(_go_folded(key))
        if name is None:
            continue
        if (problem := go_type_problem(item, shape[name], f"{where}.{key}" if where else key)) is not None:
            return problem
    return None


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON (RFC 8259); Go's encoding/json refuses it")


# How deeply this tool reads JSON in annotations. Python's own limit is its recursion limit, which counts the
# caller's frames too, so where it falls moved with the call path (one value read as "not JSON" by one rule and
# as "not a list of objects" by another); a fixed bound below it gives every caller the same answer. Go's
# encoding/json reads up to 10,000 levels (maxNestingDepth, scanner.go); no annotation the controller takes
# nests more than a few.
JSON_DEPTH_READ = 500
# A string (to its closing quote, or to the end when it has none: one pass, never tried again from a later
# quote, so an annotation of 256 KiB of escaped quotes is read in linear time) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.S)


@functools.lru_cache(maxsize=64)
def _json_nesting(text: str) -> tuple[int, bool]:
    """How deeply ``text`` nests arrays and objects, and whether its brackets close in order; brackets inside
    strings (even an unterminated one, which is not JSON at all) do not count. One linear pass."""
    open_: list[str] = []
    deepest = 0
    balanced = True
    for token in _JSON_TOKEN.finditer(text):
        kind = token.group()[0]
        if kind in "[{":
            open_.append("]" if kind == "[" else "}")
            deepest = max(deepest, len(open_))
        elif kind in "]}" and (not open_ or open_.pop() != kind):  # it must close the last one opened
            balanced = False
    return deepest, balanced and not open_


def json_depth(text: str) -> int:
    """How deeply ``text`` nests arrays and objects; brackets inside strings (even an unterminated one,
    which is not JSON at all) do not count."""
    return _json_nesting(text)[0]


# Go's encoding/json refuses a document nested deeper than this (maxNestingDepth, src/encoding/json/scanner.go).
GO_JSON_DEPTH = 10_000


def too_deep(text: str) -> str | None:
    """Why this tool does not read ``text`` as JSON although Go might: nested past JSON_DEPTH_READ. None if not,
    and None for what Go refuses too (brackets that do not close in order, or past GO_JSON_DEPTH): that is not
    JSON to the controller either, and reading it says so."""
    depth, balanced = _json_nesting(text)
    if depth <= JSON_DEPTH_READ or not balanced or depth > GO_JSON_DEPTH:
        return None
    return f"it nests {depth} levels deep, past the {JSON_DEPTH_READ} this tool reads"


def go_json_loads(text: str) -> object:
    """JSON as Go's ``encoding/json`` reads it, objects as GoObject (every pair, in order). Python's
    ``json.loads`` also takes ``NaN`` and ``Infinity``, which Go refuses (so the controller refuses the
    annotation): a ValueError here, as for other bad JSON, and for a document nested past JSON_DEPTH_READ
    (Go stops at 10,000 levels)."""
    import json

    deep = too_deep(text)
    if deep is not None:
        raise ValueError(deep)
    try:
        return json.loads(text, parse_constant=_not_json, object_pairs_hook=GoObject.of)
    except RecursionError:  # too_deep let it through: Go refuses it as well (see too_deep)
        raise ValueError("not JSON as Go reads it: its brackets do not close, or it nests past 10,000 levels") from None


def go_bool(value: str) -> bool | None:
    """Go ``strconv.ParseBool``: True, False, or None where Go returns an error."""
    if value in GO_TRUE:
        return True
    if value in GO_FALSE:
        return False
    return None


def nginx_bool(value: str | None, default: bool) -> bool:
    """An ingress-nginx boolean annotation's effect: a value ParseBool refuses leaves the default.

    ingress-nginx parser.GetBoolAnnotation returns an error for it (controller-v1.15.1
    internal/ingress/annotations/parser/main.go), and every caller then keeps its default.
    """
    if value is None:
        return default
    parsed = go_bool(value)
    return default if parsed is None else parsed


def go_atoi(raw: str) -> int | None:
    """``raw`` as Go's strconv.Atoi reads it (an optional sign and ASCII digits, nothing else), or None."""
    return int(raw) if re.fullmatch(r"[+-]?[0-9]+", raw) else None


def go_trim_space(value: str) -> str:
    """Go ``strings.TrimSpace``."""
    return value.strip(_GO_SPACE)


def _go_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Go ``netip.ParseAddr`` without a zone: dotted quads without leading zeros, or IPv6 text."""
    if "%" in text or not text.isascii():
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def go_cidr(text: str) -> str | None:
    """Go ``net.ParseCIDR`` then ``IPNet.String()``: the network in canonical form, or None where Go refuses.

    Go takes ``ADDRESS/BITS`` only: no bare address, no dotted netmask, no zone, BITS decimal digits
    (leading zeros allowed, go/src/net/ip.go ``ParseCIDR`` with ``dtoi``) at most the address length.
    The host bits are cleared, as ``IPNet.IP`` is the masked address. An IPv4-mapped IPv6 address
    (``::ffff:a.b.c.d``) is refused here though Go takes it: Go prints such networks in a form that does not
    read back the same, so it is never written.
    """
    address_text, slash, bits_text = text.partition("/")
    if not slash or not bits_text or not (bits_text.isascii() and bits_text.isdigit()):
        return None
    address = _go_address(address_text)
    if address is None or (isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None):
        return None
    bits = int(bits_text)
    if bits > address.max_prefixlen:
        return None
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return network.with_prefixlen


@dataclass(frozen=True, slots=True)
class CidrList:
    """An ingress-nginx source-range list as ingress-nginx reads it, in the form the controller accepts.

    ``cidrs`` is sorted and without duplicates; ``invalid`` names the entries ingress-nginx refuses. When any
    entry is invalid ingress-nginx refuses the whole annotation (``net.ParseCIDRs`` returns an error), so the
    list never opened the path: a caller holds it back rather than write a partial list.
    """

    cidrs: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.invalid


def nginx_cidrs(value: str) -> CidrList:
    """ingress-nginx ``net.ParseCIDRs`` (controller-v1.15.1 internal/net/ipnet.go), written for ``net.ParseCIDR``.

    Entries are split on ``,`` and trimmed with Go's ``TrimSpace``; each is a CIDR (host bits cleared) or a bare
    address, which nginx's ``allow``/``deny`` takes as a single host: written here as ``/32`` or ``/128`` so the
    controller can parse it. An empty entry (``a,,b`` or a trailing comma) is refused, as Go refuses ``""``.
    """
    if value == "":
        return CidrList((), ())
    cidrs: set[str] = set()
    invalid: list[str] = []
    for raw in value.split(","):
        entry = go_trim_space(raw)
        network = go_cidr(entry)
        if network is None and "/" not in entry:
            address = _go_address(entry)
            if address is not None:
                mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
                single = mapped if mapped is not None else address
                network = f"{single}/{single.max_prefixlen}"
        if network is None:
            invalid.append(entry)
        else:
            cidrs.add(network)
    return CidrList(tuple(sorted(cidrs)), tuple(invalid))
