"""How a validation error becomes a Problem naming the stack key the author wrote (camelCase, nested, indexed)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

from albingress.components.model import Problem
from albingress.facts.names import PROJECT


def _loc_to_key(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return PROJECT
    if parts[0] == "region":
        return "aws:region"
    head = f"{PROJECT}:{parts[0]}"
    tail = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
    return head + tail


def model_at(model: type[BaseModel], path: Iterable[int | str]) -> type[BaseModel] | None:
    """The section model a dotted alias path leads to, or None for a leaf or unknown key."""
    current: type[BaseModel] = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        field = fields.get(str(part))
        if field is None:
            return None
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Aliases a typo at ``loc`` could have meant, for the suggestion."""
    current = model_at(model, loc[:-1])
    return [] if current is None else [f.alias or name for name, f in current.model_fields.items()]


def problems_from(error: ValidationError, section: str, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        key = _loc_to_key((section, *loc))
        kind = item["type"]
        got = item.get("input")
        if kind == "extra_forbidden":
            known = _known_fields(model, loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(Problem(key, f"unknown key; {hint}known keys here: {', '.join(known)}"))
        elif kind == "missing":
            problems.append(Problem(key, "is required; set it in Pulumi.<stack>.yaml (see docs/configuration.md)"))
        elif kind == "config":
            problems.append(Problem(key, str(item["msg"])))
        elif kind == "literal_error":
            problems.append(Problem(key, f"{got!r} is not allowed; {item['msg'].lower()}"))
        elif kind in ("int_type", "int_parsing") and isinstance(got, bool):
            problems.append(Problem(key, f"is a boolean ({str(got).lower()}); give a whole number"))
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            problems.append(Problem(key, f"{got!r} is not a whole number; write digits without quotes, e.g. 2"))
        elif kind == "bool_type":
            problems.append(Problem(key, f"{got!r} is not true or false; write true or false without quotes"))
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(Problem(key, f"{describe(got)} is not a mapping; write nested keys under it"))
        else:
            problems.append(Problem(key, f"{item['msg']} (got {got!r}); fix the value's type"))
    return problems


def describe(value: Any) -> str:
    if value is None:
        return "an empty value (null)"
    return f"{type(value).__name__} {value!r}"


def is_unchecked(key: str, unchecked: frozenset[str]) -> bool:
    return any(key == u or key.startswith((u + ".", u + "[")) for u in unchecked)
