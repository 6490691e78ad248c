"""The project's build backend: setuptools', after two checks a wheel build needs and setuptools does not make.

- setuptools builds in the checkout's ``build/`` and never empties it, so a file that is gone from the tree (or
  a whole old layout: top-level ``components/`` from before the package moved under ``albingress``) stays in
  every later wheel. Each build here first empties what setuptools itself writes there (``build/lib``, where
  the wheel's files are staged, and ``build/bdist.*``); nothing else under ``build/`` is touched.
- ``albingress/components`` (and the three others) are links to the root folders; a checkout made without link
  support has small text files there and would build a wheel with no internals, silently. Refused by name.

pyproject.toml names this module (``backend-path = ["tools"]``); it is not part of the wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # the hooks this module does not change, re-exported for the frontend
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]

LINKED = ("components", "policies", "facts", "stack_settings")


def _checked_tree() -> None:
    root = Path.cwd()
    for name in LINKED:
        link = root / "albingress" / name
        if not link.is_dir():
            raise SystemExit(
                f"albingress/{name} is not a link to ../{name} (a checkout made without symbolic links?): clone "
                "again with `git clone -c core.symlinks=true` (on Windows, with Developer Mode on)"
            )
    for staged in [root / "build" / "lib", *(root / "build").glob("bdist.*")]:
        shutil.rmtree(staged, ignore_errors=True)


def build_wheel(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    _checked_tree()
    return str(_setuptools.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str, config_settings: dict[str, Any] | None = None, metadata_directory: str | None = None
) -> str:
    _checked_tree()
    return str(_setuptools.build_editable(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    _checked_tree()
    return str(_setuptools.build_sdist(sdist_directory, config_settings))
