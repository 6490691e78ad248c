"""The import floors hold: the project's own contracts (pyproject's [tool.importlinter]) are kept, and they are
strict enough to catch what closed the old cycles, an upward import hidden under ``if TYPE_CHECKING:`` or inside a
function.

``./dev test`` runs ``lint-imports`` on the checkout; these tests also run the same contracts on a small package
tree that breaks them, so a contract that stopped counting such imports (a changed option, a tool upgrade) fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(where / "pyproject.toml")],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_checkout_keeps_its_import_contracts() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 kept, 0 broken" in proc.stdout


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A minimal albingress/albops/provider tree with the project's own contract configuration."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = [
        "[tool.importlinter]",
        f"root_packages = {config['root_packages']!r}".replace("'", '"'),
        "exclude_type_checking_imports = false",
    ]
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            rendered = repr(value).replace("'", '"').replace("False", "false").replace("True", "true")
            lines.append(f"{key} = {rendered}")
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    packages = ["albingress", "albops", "provider"]
    packages += [f"albingress.{name}" for name in ("stack_settings", "components", "policies", "facts")]
    for package in packages:
        folder = tmp_path / package.replace(".", "/")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "broken"),
    [
        # an upward import only the type checker sees (how policies.gateway_rules reached guardrails)
        (
            {
                "albingress/facts/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from albingress.components import b\n",
                "albingress/components/b.py": "X = 1\n",
            },
            "albingress.facts is not allowed to import albingress.components",
        ),
        # an upward import inside a function (how policies.guardrails reached group_budget and back)
        (
            {
                "albingress/policies/a.py": "def f():\n    from albingress.stack_settings import c\n    return c\n",
                "albingress/stack_settings/c.py": "X = 1\n",
            },
            "albingress.policies is not allowed to import albingress.stack_settings",
        ),
        # two modules of one floor importing each other
        (
            {
                "albingress/policies/e.py": "from albingress.policies import f\n",
                "albingress/policies/f.py": "def g():\n    from albingress.policies import e\n",
            },
            "No cycles are allowed in albingress.policies",
        ),
    ],
)
def test_the_contracts_catch_each_way_an_import_goes_wrong(files: dict[str, str], broken: str, tmp_path: Path) -> None:
    proc = _lint(_tree(tmp_path, files))
    assert proc.returncode == 1 and broken in proc.stdout, proc.stdout[-2000:]


def test_a_tree_that_keeps_the_floors_passes(tmp_path: Path) -> None:
    files = {
        "albingress/components/a.py": "from albingress.policies import b\nfrom albingress.facts import c\n",
        "albingress/policies/b.py": "from albingress.facts import c\n",
        "albingress/facts/c.py": "X = 1\n",
        "albops/m.py": "import albingress\nfrom albingress.components import a\n",
    }
    proc = _lint(_tree(tmp_path, files))
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_the_folders_never_import_the_public_facade() -> None:
    """``albingress/__init__.py`` fronts the folders; a folder importing it (``from albingress import AlbApp``)
    would reach up a floor. grimp does not record a module's import of its own ancestor package, so the import
    contracts cannot see this one: read the sources instead."""
    import ast

    found = []
    for folder in ("components", "policies", "facts", "stack_settings"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "albingress" and node.level == 0:
                    subpackages = {"components", "policies", "facts", "stack_settings"}
                    found += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name not in subpackages]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names if a.name == "albingress"]
                    found += [f"{path.relative_to(ROOT)}: import {name}" for name in names]
    assert not found
