"""``albops migrate`` over real ingress-nginx manifests from public repositories (``../shared/migrate_realworld``).

Read from the shared folder, never copied into the project. Every file must convert without a traceback,
every object that comes out must be valid for Kubernetes 1.33, and every ingress-nginx annotation of a
converted Ingress must have its line in the report. On a developer machine without the folder the tests
are skipped with a note; on CI (``CI`` set) a missing folder is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from albops.__main__ import main
from albops.manifests import documents as read_documents
from albops.migrate import Options, migrate
from albops.migrate.reading import OLD_PREFIX, objects
from albops.migrate.routes import NGINX

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "migrate_realworld"
INPUTS = sorted((SHARED / "inputs").glob("*.yaml")) if SHARED.is_dir() else []


def test_the_real_world_corpus_is_there() -> None:
    if not INPUTS:
        message = f"{SHARED} is missing: the real-world corpus tests did not run"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert len(INPUTS) >= 40


def _nginx_annotations(documents: list[Any]) -> set[tuple[str, str]]:
    found = set()
    for obj in objects(documents):
        if obj.get("kind") != "Ingress":
            continue
        meta = obj.get("metadata") or {}
        name = f"{meta.get('namespace', 'default')}/{meta.get('name')}"
        for key in meta.get("annotations") or {}:
            if key.startswith((NGINX, OLD_PREFIX)):
                found.add((name, key))
    return found


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_a_real_manifest_converts_to_valid_objects_and_a_complete_report(path: Path) -> None:
    documents = read_documents(path)
    output, report = migrate(documents, Options(include_classless=True, allow_unprotected=True))
    for obj in objects(output):
        kubernetes_validate.validate(obj, "1.33", strict=True)
    reported = {(f.ingress, f.annotation) for f in report.findings}
    converted = set(report.converted) | {f.ingress for f in report.findings if f.annotation == NGINX + "canary"}
    missing = {(name, key) for name, key in _nginx_annotations(documents) if name in converted} - reported
    assert not missing, f"annotations the report does not mention: {sorted(missing)}"
    assert all(f.severity in ("lost-protection", "not-converted", "approximated", "note") for f in report.findings)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_the_command_on_a_real_manifest_keeps_its_contract(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(path)])
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 3), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        # A manifest the API server never took (a pathType 'exact'): one line naming the document and field.
        assert captured.out == "" and len(captured.err.splitlines()) == 1 and "document" in captured.err
    if code == 3:
        assert captured.out == "" and "held back" in captured.err
