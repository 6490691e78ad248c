"""The public API of this package: the components any Pulumi program can use, and their args.

Import from here (``from albingress import AwsLoadBalancerController``): these names are the package's
semantic-versioned API. The code behind them lives in ``albingress.components``, ``albingress.policies``,
``albingress.facts`` and ``albingress.stack_settings``; in a checkout those four are links to the top-level
folders the Pulumi project is laid out in (docs/package.md says why links and not a path hook), installed they
are ordinary subpackages. The wheel claims no other top-level import name, so a program with its own
``components/`` or ``policies/`` folder keeps them.

The public names load on first use (PEP 562): ``import albingress.facts.regions`` (what ``albops`` and the
offline plan do for a fact) must not pay for pulumi_kubernetes and pulumi_aws, which the components import.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from albingress.components.app.component import (
        AlbApp,
        AlbAppArgs,
        AlbAppPathArgs,
        AlbQuotasArgs,
        AppInputError,
    )
    from albingress.components.controller.component import (
        AwsLoadBalancerController,
        AwsLoadBalancerControllerArgs,
        ControllerIamOptionsArgs,
        ControllerInputError,
        ControllerResourcesArgs,
    )

    CONTROLLER_VERSION: str

__version__ = "0.2.0"
# The Pulumi package name the provider hosts the components under (type tokens albingress:index:<Name>).
PACKAGE = "albingress"

# Public name -> the module that defines it; read on first access by __getattr__ below.
_LAZY = {
    "AlbApp": "albingress.components.app.component",
    "AlbAppArgs": "albingress.components.app.component",
    "AlbAppPathArgs": "albingress.components.app.component",
    "AlbQuotasArgs": "albingress.components.app.component",
    "AppInputError": "albingress.components.app.component",
    "AwsLoadBalancerController": "albingress.components.controller.component",
    "AwsLoadBalancerControllerArgs": "albingress.components.controller.component",
    "ControllerIamOptionsArgs": "albingress.components.controller.component",
    "ControllerInputError": "albingress.components.controller.component",
    "ControllerResourcesArgs": "albingress.components.controller.component",
}


if not TYPE_CHECKING:  # mypy reads the imports above, so a mistyped public name is an error there too

    def __getattr__(name: str) -> Any:
        # CONTROLLER_VERSION: the controller version the package installs by default; its IAM policy, chart
        # and CRDs are pinned to it. Read from the policies (no Pulumi import) rather than copied here.
        if name == "CONTROLLER_VERSION":
            return import_module("albingress.policies.controller_iam").DEFAULT_VERSION
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'albingress' has no attribute {name!r}")
        value = getattr(import_module(module), name)
        globals()[name] = value  # later look-ups skip this function
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _links_missing() -> list[str]:
    """In a checkout, the four folders are symbolic links; a clone made without link support (Git for Windows'
    default) has 13-byte text files there instead, and every import below would fail as 'No module named'."""
    here = Path(__file__).resolve().parent
    return [name for name in ("components", "policies", "facts", "stack_settings") if (here / name).is_file()]


_MISSING = _links_missing()
if _MISSING:
    raise ImportError(
        f"albingress/{_MISSING[0]} is a file, not a link to ../{_MISSING[0]}: this checkout was made "
        "without symbolic links; clone it again with `git clone -c core.symlinks=true` (on Windows, with "
        "Developer Mode on), or install the package with `pip install ./` from a checkout that has them"
    )


__all__ = [
    "CONTROLLER_VERSION",
    "PACKAGE",
    "AlbApp",
    "AlbAppArgs",
    "AlbAppPathArgs",
    "AlbQuotasArgs",
    "AppInputError",
    "AwsLoadBalancerController",
    "AwsLoadBalancerControllerArgs",
    "ControllerIamOptionsArgs",
    "ControllerInputError",
    "ControllerResourcesArgs",
    "__version__",
]
