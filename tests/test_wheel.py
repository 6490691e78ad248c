"""The installed package claims only its own import names and works beside a program's own packages.

The wheel is built from a copy of the checkout (the links in albingress/ included) with the pinned setuptools
and no build isolation, then installed into a fresh virtualenv that sees the test environment's third-party
packages (pulumi, boto3, ...) through a ``.pth`` file but not the checkout: what a user's program gets after
``pip install ./``. The program below has its own ``components/`` and ``policies/`` packages, the layout that
failed with ``No module named 'components.app'`` when the wheel put ``components`` on everyone's path.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel needs from the checkout; the rest (tests, docs, .venv) stays out of the copy to keep it quick.
_BUILD_INPUTS: tuple[str, ...] = ("pyproject.toml", "README.md", "tools", "albingress", "albops")
_BUILD_INPUTS += ("components", "policies", "facts", "stack_settings")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc


def _source(where: Path) -> Path:
    """A copy of what the wheel is built from, links kept as links."""
    for name in _BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, where / name, symlinks=True, ignore=_IGNORE)
        else:
            shutil.copy2(path, where / name)
    return where


def _build(source: Path, out: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The build as a frontend runs it: the backend pyproject.toml names, imported from its backend-path."""
    code = f"import sys; sys.path.insert(0, 'tools'); import build_backend as b; print(b.build_wheel({str(out)!r}))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=120)
    assert not check or proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _source(tmp_path_factory.mktemp("source"))
    # What an earlier build of the old layout left in the checkout's build/: setuptools would ship it again.
    stale = source / "build" / "lib" / "components"
    stale.mkdir(parents=True)
    (stale / "__init__.py").write_text("")
    # ... and something of the user's under build/ that is not setuptools' staging: it must stay.
    (source / "build" / "notes").mkdir()
    (source / "build" / "notes" / "keep.txt").write_text("mine")
    out = tmp_path_factory.mktemp("dist")
    wheel = out / _build(source, out).stdout.strip().splitlines()[-1]
    assert (source / "build" / "notes" / "keep.txt").read_text() == "mine"
    return wheel


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed: its python sees the third-party packages, not the checkout."""
    home = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(home)], cwd=home)
    target = Path(
        _run(
            [str(home / "bin" / "python"), "-c", "import site; print(site.getsitepackages()[0])"], cwd=home
        ).stdout.strip()
    )
    # Only the third-party packages: the test environment's site-packages holds no copy of this project.
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        _run(
            [str(uv), "pip", "install", "--quiet", "--no-deps", "--python", str(home / "bin" / "python"), str(wheel)],
            cwd=home,
        )
    else:  # ./dev installs uv; pip (from the test environment) is the fallback
        _run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
            cwd=home,
        )
    return home


def _clean_env() -> dict[str, str]:
    """No PYTHONPATH (pytest's may name the checkout): the venv's python must find the package only installed."""
    return {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "PYTHONHOME"}}


def test_the_wheels_only_top_level_names_are_albingress_and_albops(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"albingress", "albops"}  # the stale build/lib/components of an older layout is not shipped
    assert {"albingress/py.typed", "albops/py.typed"} <= set(names)  # PEP 561: a user's mypy reads the hints
    assert any(name.startswith("albingress/policies/ci/pulumi/") for name in names)  # nested data too
    # The internal packages are there under their new names, each with its package data.
    for module in (
        "components/app/component.py",
        "policies/controller_iam.py",
        "facts/regions.py",
        "stack_settings/stack.py",
    ):
        assert f"albingress/{module}" in names
    assert any(name.startswith("albingress/policies/iam/") and name.endswith(".json") for name in names)
    assert "albingress/facts/ingress_nginx_annotations.json" in names
    assert "albingress/policies/guardrails_pack/__main__.py" in names


PROGRAM = """
import importlib, json, pkgutil, sys
from importlib.resources import files

# The program's own packages, with the names of the project's folders (imported by name, as a program would).
own_app = importlib.import_module("components.app")
own_rules = importlib.import_module("policies.rules")
from albingress import AlbApp, AwsLoadBalancerController, CONTROLLER_VERSION
import albingress, albops

assert own_app.MINE == "program" and own_rules.MINE == "program"
imported = []
for package in (albingress, albops):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith("__main__"):
            continue  # the CrossGuard pack's entry point builds a PolicyPack, which never returns
        importlib.import_module(info.name)
        imported.append(info.name)
policy = files("albingress.policies") / "iam"
catalogue = json.loads((files("albingress.facts") / "ingress_nginx_annotations.json").read_text())["names"]
print(json.dumps({
    "imported": imported,
    "component_file": sys.modules["albingress.components.app.component"].__file__,
    "mine": own_app.__file__,
    "version": CONTROLLER_VERSION,
    "policies": sorted(p.name for p in policy.iterdir()),
    "catalogue": [entry["name"] for entry in catalogue],
    "stray": sorted(m for m in sys.modules if m.split(".")[0] in {"stack_settings", "facts"}),
}))
"""


def test_a_program_with_its_own_components_and_policies_uses_the_installed_package(venv: Path, tmp_path: Path) -> None:
    import json

    program = tmp_path / "program"
    for package in ("components", "policies"):
        (program / package).mkdir(parents=True)
        (program / package / "__init__.py").write_text("")
    (program / "components" / "app.py").write_text('MINE = "program"\n')
    (program / "policies" / "rules.py").write_text('MINE = "program"\n')
    (program / "__main__.py").write_text(textwrap.dedent(PROGRAM))
    proc = _run([str(venv / "bin" / "python"), str(program / "__main__.py")], cwd=program, env=_clean_env())
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["component_file"].startswith(str(venv)), "the component came from the checkout, not the wheel"
    assert result["mine"] == str(program / "components" / "app.py")
    assert not result["stray"]
    # every module of both packages imported, the internal ones under albingress
    assert "albingress.components.controller.component" in result["imported"]
    assert "albingress.stack_settings.stack" in result["imported"]
    assert "albops.cli.main" in result["imported"]
    assert f"controller-{result['version']}.json" in result["policies"]
    assert {"rewrite-target", "whitelist-source-range"} <= set(result["catalogue"])


def test_albops_help_runs_from_the_installed_script(venv: Path, tmp_path: Path) -> None:
    proc = _run([str(venv / "bin" / "albops"), "--help"], cwd=tmp_path, env=_clean_env())
    assert "migrate" in proc.stdout and "cutover" in proc.stdout


def test_a_checkout_without_links_is_refused_by_name_at_build_and_import(tmp_path: Path) -> None:
    """A clone made without symbolic links (Git for Windows' default) has small text files where the links are:
    the build would ship a wheel with no internals and every import would fail as 'No module named'."""
    (tmp_path / "source").mkdir()
    source = _source(tmp_path / "source")
    link = source / "albingress" / "facts"
    link.unlink()
    link.write_text("../facts")  # what git writes for a link when links are off
    proc = _build(source, tmp_path, check=False)
    assert proc.returncode != 0 and "albingress/facts is not a link" in proc.stderr + proc.stdout
    assert "core.symlinks=true" in proc.stderr + proc.stdout
    assert not list(tmp_path.glob("*.whl"))
    proc = subprocess.run(
        [sys.executable, "-c", "import albingress.facts"],
        cwd=source,
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=False,
        timeout=60,
    )
    assert proc.returncode == 1 and "albingress/facts is a file, not a link" in proc.stderr


def test_the_old_top_level_names_refuse_to_load_a_second_copy() -> None:
    """From the checkout's root `components` is importable as a folder: it must refuse, naming the import to use,
    so no module is ever loaded twice under two names (two AlbApp classes, two registries)."""
    for name in ("components", "policies", "facts", "stack_settings"):
        proc = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_clean_env(),
            check=False,
            timeout=60,
        )
        assert proc.returncode == 1 and f"import albingress.{name}, not {name}" in proc.stderr


def test_importing_a_fact_does_not_import_pulumi() -> None:
    code = "import sys, albingress.facts.regions, albingress; albingress.PACKAGE; print(sorted(sys.modules))"
    proc = _run([sys.executable, "-c", code], cwd=ROOT, env=_clean_env())
    loaded = {name.split(".")[0] for name in proc.stdout.strip()[2:-2].split("', '")}
    assert not {"pulumi", "pulumi_aws", "pulumi_kubernetes"} & loaded
    # ... and a public name still loads on first use
    code = "import albingress; print(albingress.AlbApp.__module__, albingress.CONTROLLER_VERSION)"
    assert _run([sys.executable, "-c", code], cwd=ROOT, env=_clean_env()).stdout.startswith(
        "albingress.components.app.component "
    )
