"""The stack's front door: reads ``Pulumi.<stack>.yaml`` config, checks it strictly (every problem at once,
each naming its key and the fix) and builds the components' args. One module per concern of the config:
``stack`` (the sections and what spans them), ``aws`` (and ``aws_keys``), ``environment``, ``tags``,
``controller``, ``apps``, and ``standins`` for the offline plan. The components import nothing from here.

Named ``stack_settings``, not ``settings``: the package installs with the components, and a top-level
``settings`` module would shadow, or be shadowed by, the one many programs have of their own.
"""

# One module per file: imported as top-level `stack_settings` (from the repository root) this package would load a
# second time beside albingress.stack_settings, with its own classes and registries. (pyproject bans the old name.)
if __name__ != "albingress.stack_settings":
    raise ImportError(f"import albingress.stack_settings, not {__name__}: the package lives under albingress")

from albingress.stack_settings.apps import APP_KEYS
from albingress.stack_settings.controller import check_mode, controller_args
from albingress.stack_settings.stack import (
    MAP_KEYS,
    OFFLINE_UNCHECKED,
    SECTION_MODELS,
    StackSettings,
    account_args,
    default_tags,
    ingress_tags,
    load_settings,
    parse_settings,
    stack_config,
)
from albingress.stack_settings.standins import stand_in

__all__ = [
    "APP_KEYS",
    "MAP_KEYS",
    "OFFLINE_UNCHECKED",
    "SECTION_MODELS",
    "StackSettings",
    "account_args",
    "check_mode",
    "controller_args",
    "default_tags",
    "ingress_tags",
    "load_settings",
    "parse_settings",
    "stack_config",
    "stand_in",
]
