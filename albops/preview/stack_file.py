"""Read ``Pulumi.<stack>.yaml`` (and the plan's other YAML inputs) as the Pulumi CLI does, but stricter.

The Pulumi CLI parses stack files itself before a program runs, so on
``pulumi up`` these mistakes never reach our code; the offline plan has no CLI
and must catch them on its own, and must read the file the way the CLI would,
or it plans a different stack than the one that will be deployed:

- a key written twice silently keeps the last value in YAML: refused, with both
  lines; keys are compared as the text the CLI sees (Go's YAML decoder turns
  every scalar key into its text), so ``1:`` and ``true:`` are two keys, and
  ``'1':`` and ``1:`` are one;
- merge keys (``<<: *defaults``) work as in the CLI, and a key a merge brings in
  may be overridden once without being a duplicate;
- an unquoted date or timestamp reaches the program as its text (Go's decoder
  keeps timestamps it decodes into untyped values as strings), never a Python
  ``date``; ``!!binary`` is refused with "quote it";
- alias expansion is bounded: a one-kilobyte "billion laughs" file is refused
  at once instead of expanding for minutes, and so is a recursive alias.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# More values than any stack or facts file has, far fewer than an alias bomb expands to.
MAX_EXPANDED_NODES = 100_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class StackFileError(ValueError):
    """A stack file that cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Encrypted:
    """A ``secure:`` value: ciphertext only the Pulumi CLI (with the stack's key) can decrypt.

    Its text never shows the ciphertext, so nothing that prints a value by
    accident (an error message, a table) leaks it.
    """

    ciphertext: str = field(repr=False)

    def __str__(self) -> str:
        return "[secret]"

    def __repr__(self) -> str:
        return "[secret]"


@dataclass(frozen=True)
class StackFile:
    """What a stack file holds that the plan needs: the flat config and the ESC environments it imports."""

    config: dict[str, Any]
    environments: tuple[str, ...] = ()


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _expanded_size(root: Node) -> int:
    """How many values the document has once every alias is expanded (memoised, so it is cheap to ask)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise StackFileError(
                f"line {_line(node)}: an alias refers to the value that contains it (a recursive alias); "
                "write the value out instead"
            )
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        sizes[key] = min(total, MAX_EXPANDED_NODES + 1)
        return sizes[key]

    return size(root)


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose alias expansion is bounded and whose timestamps stay text.

    For any YAML a person hands a command: Kubernetes and the Pulumi CLI both read an unquoted
    timestamp (``creationTimestamp: 2026-11-25T00:00:00Z`` in ``kubectl get -o yaml``) as text.
    """

    def compose_document(self) -> Node | None:
        node: Node | None = super().compose_document()
        _check_expansion(node)
        return node

    def construct_yaml_timestamp(self, node: ScalarNode) -> str:  # type: ignore[override]
        return str(node.value)


BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)


def _interned_str(loader: yaml.CSafeLoader, node: ScalarNode) -> str:
    """A scalar's text, interned when short: manifests repeat their keys and many values in every
    document (apiVersion, kind, metadata, pathType, ...), so one string serves them all."""
    value = str(loader.construct_scalar(node))
    return sys.intern(value) if len(value) <= 64 else value


class FastLoader(yaml.CSafeLoader):
    """libyaml's parser with timestamps as text, for large inputs (migrate, check) that hold no anchor."""


FastLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)
FastLoader.add_constructor("tag:yaml.org,2002:str", _interned_str)


def fast_loader(text: str) -> type[yaml.CSafeLoader]:
    """The libyaml loader for ``text``: aliases need an anchor (``&``), so only a text with one pays for
    counting what its aliases expand to."""
    return FastBoundedLoader if "&" in text else FastLoader


class FastBoundedLoader(yaml.CSafeLoader):
    """BoundedLoader's rules on libyaml's parser, for large inputs (migrate, check): bounded aliases,
    timestamps as text, and libyaml's marks (file line and column) in every syntax error."""

    def get_node(self) -> Node | None:
        node: Node | None = super().get_node()
        _check_expansion(node)
        return node

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()
        _check_expansion(node)
        return node


FastBoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)
FastBoundedLoader.add_constructor("tag:yaml.org,2002:str", _interned_str)


def _unique_mapping(loader: yaml.CSafeLoader, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping that names no key twice: PyYAML silently keeps the last value, so a manifest with a repeated
    key would be read as something its author may not have meant (and ``kubectl apply`` refuses it)."""
    if isinstance(node, MappingNode):
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE_TAG:
                key = (key_node.tag, str(key_node.value))
                if key in seen:
                    raise StackFileError(
                        f"line {_line(key_node)}: key {key_node.value!r} is repeated (first at line {seen[key]}); "
                        "YAML would silently keep only the last one: remove one"
                    )
                seen[key] = _line(key_node)
    mapping: dict[Any, Any] = yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)
    return mapping


FastLoader.construct_mapping = _unique_mapping  # type: ignore[method-assign,assignment]
FastBoundedLoader.construct_mapping = _unique_mapping  # type: ignore[method-assign,assignment]


# Numbers in manifests as kubectl reads them (sigs.k8s.io/yaml over go-yaml v2, resolve.go), not as PyYAML's
# YAML 1.1: no base 60 (``1:30`` is text to kubectl, which the API server then refuses in a number field, where
# PyYAML would read 90: go-yaml v2's README says base-60 floats are purposefully not supported); an integer is
# what Go's strconv.ParseInt(base 0) takes once underscores are dropped (0x, 0o, 0b, a leading-0 octal); a float
# is yamlStyleFloat, matched once underscores are dropped too (an exponent needs no dot: ``1e3`` is 1000.0), or
# .inf/.nan.
_GO_INT = re.compile(r"^[-+]?(?:0b[0-1_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$")
_GO_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


def _go_yaml_numbers(loader: type[yaml.CSafeLoader]) -> None:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in (_INT_TAG, _FLOAT_TAG)]
        for first, entries in loader.yaml_implicit_resolvers.items()
    }
    loader.yaml_implicit_resolvers = resolvers
    loader.add_implicit_resolver(_INT_TAG, _GO_INT, list("-+0123456789"))
    loader.add_implicit_resolver(_FLOAT_TAG, _GO_FLOAT, list("-+0123456789."))


def _json_number(loader: yaml.CSafeLoader, node: ScalarNode) -> float | int:
    """A float as the API server receives it: kubectl turns YAML into JSON through Go's float64, which writes a
    whole one (``60.0``) as ``60``, so an integer field takes it; a fraction or .inf stays a float. The offline
    plan does the same to Pulumi's doubles (runner._show_unknowns)."""
    value: float = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    return int(value) if math.isfinite(value) and value.is_integer() else value


_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
for _loader in (FastLoader, FastBoundedLoader):
    _go_yaml_numbers(_loader)
    _loader.add_constructor(_FLOAT_TAG, _json_number)


def _check_expansion(node: Node | None) -> None:
    if node is not None and _expanded_size(node) > MAX_EXPANDED_NODES:
        raise StackFileError(
            f"line {_line(node)}: the document expands to more than {MAX_EXPANDED_NODES} values through "
            "aliases (an alias bomb?); write the values out, or use fewer aliases"
        )


class _StrictLoader(BoundedLoader):
    """BoundedLoader that reads as the Pulumi CLI does and refuses what would silently differ."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                raise StackFileError(f"line {_line(key_node)}: a key is a list or mapping; keys are plain words")
            key = str(key_node.value)
            if key in seen:
                raise StackFileError(
                    f"line {_line(key_node)}: key {key!r} is repeated (first at line {seen[key]}); YAML would "
                    "silently keep only the last one: merge the two into one entry"
                )
            seen[key] = _line(key_node)
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # Later pairs win: merged keys come first, so an explicit key overrides a merged one.
            try:
                mapping[str(key_node.value)] = self.construct_object(value_node, deep=deep)
            except ValueError as error:
                # A scalar Python cannot turn into its value: an integer of more digits than int() converts
                # (sys.get_int_max_str_digits, 4300) is the one YAML's resolver sends here.
                raise StackFileError(
                    f"line {_line(value_node)}: {key_node.value}: the number cannot be read ({error.args[0][:40]}...): "
                    "no config value needs that many digits; write the number you meant, or quote it as text"
                ) from None
        return mapping

    def construct_document(self, node: Node) -> Any:
        """Every ``!!binary`` value named by its key before anything is built (all of them at once)."""
        found = _binary_values(node, "")
        if found:
            where = "; ".join(f"line {line}: {key or 'the document'}" for key, line in found)
            raise StackFileError(
                f"{where}: a !!binary value; config values are text: remove the tag and quote it (or base64 "
                "it yourself)"
            )
        return super().construct_document(node)

    def construct_yaml_binary(self, node: ScalarNode) -> Any:
        raise StackFileError(
            f"line {_line(node)}: a !!binary value; config values are text: quote it (or base64 it yourself)"
        )


def _binary_values(node: Node, path: str, seen: set[int] | None = None) -> list[tuple[str, int]]:
    """(key path, line) of each ``!!binary`` scalar under ``node``; keys as the file writes them, dotted."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: its anchor was walked already (expansion is bounded before this runs)
        return []
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        return [(path, _line(node))] if node.tag == "tag:yaml.org,2002:binary" else []
    found: list[tuple[str, int]] = []
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            found += _binary_values(item, f"{path}[{index}]", seen)
    elif isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            found += _binary_values(key_node, f"{path}.{key}" if path else key, seen)
            found += _binary_values(value_node, f"{path}.{key}" if path else key, seen)
    return found


_StrictLoader.add_constructor("tag:yaml.org,2002:binary", _StrictLoader.construct_yaml_binary)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise StackFileError(
            f"{path.name}: line {line}: byte 0x{raw[error.start]:02x} is not UTF-8; save the file as UTF-8"
        ) from None


def _yaml_problem(path: Path, error: yaml.YAMLError) -> StackFileError:
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
    problem = str(getattr(error, "problem", "") or error)
    if "\\t" in problem or "\t" in problem:
        return StackFileError(f"{path.name}: {where}: a tab character; YAML indents with spaces only: replace it")
    return StackFileError(f"{path.name}: {where}: not valid YAML ({problem}); fix the syntax there")


def load_strict_yaml(path: Path) -> Any:
    """One YAML document, read as described above; errors name the file and the line."""
    text = _decode(path)
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except StackFileError as error:
        raise StackFileError(f"{path.name}: {error}") from None
    except yaml.YAMLError as error:
        raise _yaml_problem(path, error) from None
    except RecursionError:
        raise StackFileError(f"{path.name}: nested too deeply to read; flatten the structure") from None


def config_mapping(value: Any) -> dict[str, Any]:
    """A structured config value as a mapping: decoded (Pulumi hands objects to programs as JSON text) or ``{}``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def _mark_encrypted(value: Any) -> Any:
    """Replace ``{secure: ...}`` leaves with ``Encrypted`` so nobody mistakes them for a mapping."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            return Encrypted(value["secure"])
        return {k: _mark_encrypted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_encrypted(v) for v in value]
    return value


def _environments(path: Path, value: Any) -> tuple[str, ...]:
    """The ESC environments a stack file imports (``environment: [org/env, ...]``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, dict) and isinstance(value.get("imports"), list):
        value = value["imports"]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise StackFileError(
        f"{path.name}: 'environment' is not a list of Pulumi ESC environment names; write e.g. "
        "environment: [myorg/aws-stage]"
    )


def load_stack_file(path: Path, project: str) -> StackFile:
    """The flat config map (``namespace:key`` -> value) of one stack file, and its ESC imports.

    Keys without a namespace belong to the project, as the Pulumi CLI reads
    them; a bare key and its namespaced twin in one file are refused.
    """
    document = load_strict_yaml(path)
    if document is None:
        return StackFile({})
    if not isinstance(document, dict):
        raise StackFileError(
            f"{path.name}: line 1: the file is a {type(document).__name__}, not a mapping; "
            "a stack file is a mapping with a 'config:' key"
        )
    environments = _environments(path, document.get("environment"))
    config = document.get("config")
    if config is None:
        return StackFile({}, environments)
    if not isinstance(config, dict):
        raise StackFileError(
            f"{path.name}: 'config' is a {type(config).__name__}, not a mapping; write one 'namespace:key: value' "
            "entry per line under it"
        )
    flat: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in config.items():
        name = str(key)
        full = name if ":" in name else f"{project}:{name}"
        if full in written:
            raise StackFileError(
                f"{path.name}: {written[full]!r} and {name!r} are the same key (a key without a namespace belongs "
                f"to the project, {project}:); keep one of them"
            )
        written[full] = name
        flat[full] = _mark_encrypted(value)
    return StackFile(flat, environments)


def load_stack_config(path: Path, project: str) -> dict[str, Any]:
    """The flat config map of one stack file (see ``load_stack_file``)."""
    return load_stack_file(path, project).config
