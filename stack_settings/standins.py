"""What the offline plan puts in place of an encrypted value: a value of the right shape for the key it
holds, so the plan checks and plans the rest of the stack as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
)

from albingress.facts.names import PROJECT
from albingress.stack_settings.problems import model_at
from albingress.stack_settings.stack import SECTION_MODELS


def stand_in(
    full_key: str, path: tuple[str, ...], facts: Mapping[str, str] | None = None, index: int | None = None
) -> Any:
    """A value of the right shape for an encrypted config value the offline plan cannot read.

    It is the field's documented example (with the stack's region, partition
    and account filled in), or its default, so the rest of the program can
    still be planned; the plan masks it and says it was not checked. ``index``
    is set for one item of a list: the stand-in is then one item of the
    field's example list, made unique by the index (a list of ARNs must not
    repeat one), never the field's whole default.
    """
    value = _stand_in(full_key, path)
    if index is not None:
        value = _item_stand_in(full_key, path, index)
    if facts and isinstance(value, str):
        return value.format(**facts)
    if facts and isinstance(value, dict):
        return {k: v.format(**facts) if isinstance(v, str) else v for k, v in value.items()}
    return value


def _item_stand_in(full_key: str, path: tuple[str, ...], index: int) -> Any:
    namespace, _, section = full_key.partition(":")
    model = SECTION_MODELS.get(section) if namespace == PROJECT else None
    parent = model_at(model, path[:-1]) if model is not None and path else None
    fields = {f.alias or name: f for name, f in parent.model_fields.items()} if parent is not None else {}
    field = fields.get(path[-1]) if path else None
    examples = field.examples if field is not None else None
    if examples and isinstance(examples[0], list) and examples[0]:
        item = examples[0][0]
        return f"{item}-{index}" if isinstance(item, str) else item
    return f"encrypted-{index}"


def _stand_in(full_key: str, path: tuple[str, ...]) -> Any:
    namespace, _, section = full_key.partition(":")
    model = SECTION_MODELS.get(section) if namespace == PROJECT else None
    if model is None:
        return "encrypted"
    parent = model_at(model, path[:-1]) if path else None
    if not path:
        # The whole section is one encrypted value: stand in its required fields.
        return {
            f.alias or name: (f.examples or ["encrypted"])[0]
            for name, f in model.model_fields.items()
            if f.is_required()
        }
    if parent is None:
        return "encrypted"
    fields = {f.alias or name: f for name, f in parent.model_fields.items()}
    field = fields.get(path[-1])
    if field is None:
        return "encrypted"
    if field.examples:
        return field.examples[0]
    if not field.is_required() and field.default is not None:
        default = field.default
        return default.model_dump(by_alias=True) if isinstance(default, BaseModel) else default
    return "encrypted"
