"""The stack's front door: reads ``Pulumi.<stack>.yaml`` config, checks it strictly (every problem at once,
each naming its key and the fix) and builds the components' args. One module per concern of the config:
``stack`` (the sections and what spans them), ``aws`` (and ``aws_keys``), ``environment``, ``tags``,
``controller``, ``apps``, and ``standins`` for the offline plan. The components import nothing from here.

Named ``stack_settings``, not ``settings``: the package installs with the components, and a top-level
``settings`` module would shadow, or be shadowed by, the one many programs have of their own.
"""

from stack_settings.apps import APP_KEYS
from stack_settings.controller import check_mode, controller_args
from stack_settings.stack import (
    MAP_KEYS,
    OFFLINE_UNCHECKED,
    SECTION_MODELS,
    StackSettings,
    account_args,
    load_settings,
    parse_settings,
    stack_config,
)
from stack_settings.standins import stand_in
from stack_settings.tags import default_tags, ingress_tags

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
