"""Read ``Pulumi.<stack>.yaml`` as strictly as a reviewer would want.

The Pulumi CLI parses stack files itself before a program runs, so on
``pulumi up`` these mistakes never reach our code; the offline plan has no CLI
and must catch them on its own. Plain ``yaml.safe_load`` is too forgiving for
that: a key written twice silently keeps the last value, so this loader refuses
duplicates, and every error names the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode


class StackFileError(ValueError):
    """A stack file that cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Encrypted:
    """A ``secure:`` value: ciphertext only the Pulumi CLI (with the stack's key) can decrypt."""

    ciphertext: str


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise StackFileError(
                        f"line {line}: key {key!r} is repeated (first at line {seen[key]}); YAML would silently "
                        "keep only the last one: merge the two into one entry"
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


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


def _mark_encrypted(value: Any) -> Any:
    """Replace ``{secure: ...}`` leaves with ``Encrypted`` so nobody mistakes them for a mapping."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            return Encrypted(value["secure"])
        return {k: _mark_encrypted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_encrypted(v) for v in value]
    return value


def load_stack_config(path: Path, project: str) -> dict[str, Any]:
    """The flat config map (``namespace:key`` -> value) of one stack file.

    Keys without a namespace belong to the project, as the Pulumi CLI reads them.
    """
    text = _decode(path)
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except StackFileError as error:
        raise StackFileError(f"{path.name}: {error}") from None
    except yaml.YAMLError as error:
        raise _yaml_problem(path, error) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise StackFileError(
            f"{path.name}: line 1: the file is a {type(document).__name__}, not a mapping; "
            "a stack file is a mapping with a 'config:' key"
        )
    config = document.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise StackFileError(
            f"{path.name}: 'config' is a {type(config).__name__}, not a mapping; write one 'namespace:key: value' "
            "entry per line under it"
        )
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = str(key)
        full = name if ":" in name else f"{project}:{name}"
        flat[full] = _mark_encrypted(value)
    return flat
