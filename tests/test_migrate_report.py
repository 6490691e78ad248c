"""``albops migrate``'s report: the three formats, --fail-on, --allow-unprotected-ingress, the summary counts.

Every expected count, exit code and line below was worked out by hand from the input written here, not
read back from the code: which Ingress is held back (auth-url), which is folded (a canary), which is left
out (a canary of no converted host), which group each joins (ssl-redirect splits plain HTTP off).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.__main__ import main
from albops.migrate.report import Report
from albops.migrate.report_formats import text_lines

NGINX = "nginx.ingress.kubernetes.io/"


def _ingress(
    namespace: str,
    name: str,
    host: str,
    service: str,
    annotations: dict[str, str] | None = None,
    tls: bool = False,
    cls: str = "nginx",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": cls,
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": service, "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    }
    if tls:
        spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
    metadata = {"name": name, "namespace": namespace, "annotations": annotations or {}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": spec}


# One Ingress of each outcome: TLS (the 308 -> 301 redirect, approximated), an allow-list, a canary, an
# annotation ingress-nginx does not define, a canary of no converted host, an Ingress of another class.
MIXED = [
    _ingress("web", "shop", "shop.example.com", "shop", {NGINX + "proxy-read-timeout": "120"}, tls=True),
    _ingress(
        "web",
        "shop-canary",
        "shop.example.com",
        "shop-v2",
        {NGINX + "canary": "true", NGINX + "canary-weight": "10"},
    ),
    _ingress(
        "web",
        "blog",
        "blog.example.com",
        "blog",
        {NGINX + "proxy-read-timeout": "120", NGINX + "made-up-setting": "on"},
        tls=True,
    ),
    _ingress(
        "ops",
        "admin",
        "admin.example.com",
        "admin",
        {NGINX + "whitelist-source-range": "10.0.0.0/8", NGINX + "auth-url": "https://auth.example.com/check"},
    ),
    _ingress("web", "ghost-canary", "ghost.example.com", "ghost", {NGINX + "canary": "true"}),
    _ingress("web", "other", "t.example.com", "t", cls="traefik"),
]
TIMEOUT_DETAIL = "one idle timeout per ALB, so it takes the largest proxy-read-timeout/proxy-send-timeout asked for"
ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump_all(MIXED, sort_keys=False))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["migrate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_each_format_is_byte_identical_across_runs(
    fmt: str, mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = []
    for i in range(2):
        report = tmp_path / f"report-{i}.json"
        argv = [str(mixed), "--report-format", fmt, "--report", str(report)]
        runs.append((*_run(capsys, *argv, "--allow-unprotected-ingress", "ops/admin"), report.read_bytes()))
    assert runs[0] == runs[1]
    code, out, err, _ = runs[0]
    assert code == 1 and out and err


def test_byte_identical_across_processes_with_different_hash_seeds(mixed: Path, tmp_path: Path) -> None:
    """Sets iterate in a different order per process: nothing in the report may depend on that."""
    results = []
    for seed in ("1", "2"):
        report = tmp_path / f"r{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        argv = ["migrate", str(mixed), "--report-format", "markdown", "--report", str(report)]
        done = subprocess.run(
            [sys.executable, "-m", "albops", *argv], capture_output=True, env=env, check=False, timeout=60
        )
        results.append((done.returncode, done.stdout, done.stderr, report.read_bytes()))
    assert results[0] == results[1]
    assert results[0][0] == 3


def test_text_says_what_went_to_stdout_first_and_counts_outcomes(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, str(mixed))
    lines = err.splitlines()
    assert code == 3 and out == ""
    assert lines[0] == (
        "nothing written to stdout: 1 Ingress held back (a protection would be lost; see the lost-protection lines)"
    )
    assert lines[1] == (
        "Ingresses (none written while any is held back): 1 held back (a protection would be lost), 1 not "
        "converted (not in the output), 1 converted in part (some settings not converted), 1 converted with "
        "approximations, 1 converted exactly, 1 passed through unchanged (not ingress-nginx's)"
    )
    # What was held back is never called converted: not on the first line, nor in the held-back line.
    assert "convert" not in lines[0]
    held = next(line for line in lines if line.startswith("held back"))
    assert "ops/admin" in held and "convert" not in held
    # The idle timeout concerns the group: said once, naming both members.
    assert err.count(TIMEOUT_DETAIL) == 1
    assert "(Ingresses: web/shop, web/blog)" in err
    assert lines[-1].endswith("exit 3: held back, nothing written (--fail-on does not change that)")

    code, out, err = _run(capsys, str(mixed), "--allow-unprotected-ingress", "ops/admin")
    lines = err.splitlines()
    # shop, blog and admin converted, other passed through; the canary is folded, the ghost canary left out.
    assert code == 1 and len(list(yaml.safe_load_all(out))) == 4
    assert lines[0] == "wrote 4 objects to stdout: 4 Ingress"
    assert lines[1].startswith("Ingresses: 1 written without its protection (released), 1 not converted")
    assert lines[2] == "ALB groups: 'migrated' (4 Ingresses), 'migrated-http' (1 Ingress)"


def test_markdown_has_a_table_per_ingress_and_group_findings_once(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, str(mixed), "--report-format", "markdown")
    assert code == 3
    for name in ("web/shop", "web/shop-canary", "web/blog", "ops/admin", "web/ghost-canary", "web/other"):
        heading = next(line for line in err.splitlines() if line.startswith(f"## Ingress `{name}`"))
        after = err.split(heading + "\n", 1)[1].splitlines()
        assert after[3] == "| setting | status | what happened | next step |", name
    assert "## Ingress `ops/admin`: held back (a protection would be lost)" in err
    assert "## Ingress `web/blog`: converted in part (some settings not converted)" in err
    assert "## Ingress `web/ghost-canary`: not converted (not in the output)" in err
    assert err.count("## ALB group `migrated`\n") == 1 and err.count(TIMEOUT_DETAIL) == 1
    # Each member's table points at the group finding instead of repeating it.
    assert err.count(f"group-wide: see ALB group 'migrated', `{ATTRIBUTES}`") == 0
    assert err.count(f"group-wide: see ALB group 'migrated', {ATTRIBUTES}") == 2
    # The not-converted annotation's row: its status and a next step.
    row = next(line for line in err.splitlines() if "made-up-setting" in line)
    assert row.split(" | ")[1] == "not-converted" and row.endswith("before applying |")
    # Every table row has as many cells as its header: pipes in details are escaped.
    for line in err.splitlines():
        if line.startswith("| ") and "---" not in line:
            assert line.replace("\\|", "").count(" | ") in (2, 3, 4), line


def test_a_pipe_and_markdown_in_a_detail_stay_inside_their_cell() -> None:
    from albops.migrate.report_formats import markdown_lines

    report = Report(group="g")
    report.ingress_group["a/b"] = "g"
    report.converted.append("a/b")
    report.add("a/b", "path '/x(/|$)(.*)'", "approximated", "regex `^/x(/|$)` *widened*\nsecond line")
    row = next(line for line in markdown_lines(report, "not-converted") if "widened" in line)
    assert row == (
        "| `path '/x(/\\|$)(.*)'` | approximated | regex \\`^/x(/\\|$)\\` \\*widened\\*<br>second line | "
        "check the difference is acceptable for the app |"
    )


def test_json_is_one_object_with_ingress_and_group_entries_and_report_file_has_the_same(
    mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "report.json"
    code, _, err = _run(capsys, str(mixed), "--report-format", "json", "--report", str(file))
    data = json.loads(err)
    assert code == 3 and data == json.loads(file.read_text())
    assert data["version"] == 2 and data["failOn"] == "not-converted" and data["fails"] is True
    assert data["stdout"] == {"written": False, "objects": 0, "kinds": {}}
    assert data["outcomes"] == {
        "held-back": 1,
        "refused": 0,
        "unprotected": 0,
        "not-converted": 1,
        "partial": 1,
        "approximated": 1,
        "exact": 1,
        "passed-through": 1,
    }
    outcome = {entry["name"]: (entry["outcome"], entry["group"]) for entry in data["ingresses"]}
    assert outcome == {
        "web/shop": ("approximated", "migrated"),
        "web/shop-canary": ("exact", "migrated"),
        "web/blog": ("partial", "migrated"),
        "ops/admin": ("held-back", "migrated-http"),
        "web/ghost-canary": ("not-converted", "migrated"),
        "web/other": ("passed-through", ""),
    }
    timeouts = [f for g in data["groups"] for f in g["findings"] if f["setting"] == ATTRIBUTES]
    assert len(timeouts) == 1 and timeouts[0]["ingresses"] == ["web/shop", "web/blog"]
    assert timeouts[0]["status"] == "approximated" and TIMEOUT_DETAIL in timeouts[0]["detail"]
    shop = next(e for e in data["ingresses"] if e["name"] == "web/shop")
    pointer = next(f for f in shop["findings"] if f["setting"] == ATTRIBUTES)
    assert pointer["group"] == "migrated" and TIMEOUT_DETAIL not in pointer["detail"]
    admin = next(e for e in data["ingresses"] if e["name"] == "ops/admin")
    assert {f["severity"] for f in admin["findings"]} >= {"lost-protection"}
    assert data["heldBack"] == ["ops/admin"] and "ops/admin" not in data["converted"]
    assert all(set(f) == {"setting", "status", "severity", "detail", "next", "group"} for f in shop["findings"])


def _tls_only() -> list[dict[str, Any]]:
    return [_ingress("web", "shop", "shop.example.com", "shop", tls=True)]


def _with_unknown_annotation() -> list[dict[str, Any]]:
    return [_ingress("web", "shop", "shop.example.com", "shop", {NGINX + "made-up-setting": "x"}, tls=True)]


def _protected() -> list[dict[str, Any]]:
    return [_ingress("ops", "admin", "admin.example.com", "admin", {NGINX + "auth-url": "https://a.example/c"})]


def _plain() -> list[dict[str, Any]]:
    return [_ingress("web", "plain", "plain.example.com", "plain")]


# (input, extra arguments, exit under --fail-on lost-protection / not-converted (default) / approximated),
# each by hand from what the input holds: the severities reached, and exit 3 whenever something is held back.
FAIL_ON_CASES = [
    ("tls-only", _tls_only, [], (0, 0, 1)),  # only the 308 -> 301 redirect, approximated
    ("unknown-annotation", _with_unknown_annotation, [], (0, 1, 1)),  # not-converted
    ("protected", _protected, [], (3, 3, 3)),  # held back, whatever --fail-on says
    ("released", _protected, ["--allow-unprotected-ingress", "ops/admin"], (1, 1, 1)),  # lost-protection, written
    ("all-released", _protected, ["--allow-unprotected"], (1, 1, 1)),
    ("plain", _plain, ["--group", "plain"], (0, 0, 0)),  # exact: notes only
]


@pytest.mark.parametrize(
    ("documents", "extra", "codes"), [c[1:] for c in FAIL_ON_CASES], ids=[c[0] for c in FAIL_ON_CASES]
)
def test_fail_on_levels_give_the_exit_codes_worked_out_by_hand(
    documents: Any, extra: list[str], codes: tuple[int, int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all(documents()))
    for level, expected in zip(("lost-protection", "not-converted", "approximated"), codes, strict=True):
        code, out, err = _run(capsys, str(path), "--fail-on", level, *extra)
        assert code == expected, (level, err)
        assert (out == "") == (code == 3)
    assert _run(capsys, str(path), *extra)[0] == codes[1]  # not-converted is the default


def test_a_bad_fail_on_level_is_refused(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(mixed), "--fail-on", "note")
    assert code == 2 and out == "" and "--fail-on" in err and "invalid choice" in err


def test_allow_unprotected_ingress_releases_only_the_ingresses_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    auth = {NGINX + "auth-url": "https://auth.example.com/check"}
    snippet = {NGINX + "configuration-snippet": "deny all;"}
    documents = [
        _ingress("ops", "admin", "admin.example.com", "admin", auth),
        _ingress("ops", "metrics", "metrics.example.com", "metrics", snippet),
        _ingress("web", "shop", "shop.example.com", "shop"),
    ]
    path.write_text(yaml.safe_dump_all(documents))
    code, out, err = _run(capsys, str(path), "--allow-unprotected-ingress", "ops/admin")
    assert code == 3 and out == ""  # ops/metrics still loses its snippet: nothing at all is written
    held = next(line for line in err.splitlines() if line.startswith("held back"))
    assert "ops/metrics" in held and "ops/admin" not in held
    code, out, err = _run(
        capsys, str(path), "--allow-unprotected-ingress", "ops/admin", "--allow-unprotected-ingress", "ops/metrics"
    )
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(out)]
    assert code == 1 and names == ["admin", "metrics", "shop"]
    assert err.splitlines()[1] == "Ingresses: 2 written without its protection (released), 1 converted exactly"
    # Naming one that loses nothing is not an error, and the report says it released nothing.
    code, _, err = _run(
        capsys,
        str(path),
        "--allow-unprotected-ingress",
        "ops/admin",
        "--allow-unprotected-ingress",
        "ops/metrics",
        "--allow-unprotected-ingress",
        "web/shop",
    )
    assert code == 1 and "[note] web/shop: --allow-unprotected-ingress: it loses no protection" in err
    assert not [line for line in err.splitlines() if line.startswith("  [note]") and ": note: " in line]


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--allow-unprotected-ingress", "admin"], ["'admin' is not NAMESPACE/NAME"]),
        (["--allow-unprotected-ingress", "Ops/Admin"], ["'Ops/Admin' is not NAMESPACE/NAME"]),
        (["--allow-unprotected-ingress", "ops/admn"], ["ops/admn names no Ingress of the input", "ops/admin"]),
        (
            ["--allow-unprotected-ingress", "ops/admin", "--allow-unprotected-ingress", "web/nope"],
            ["web/nope names no Ingress of the input"],
        ),
        (["--allow-unprotected-ingress", "web/other"], ["web/other is not an ingress-nginx Ingress here"]),
        (["--allow-unprotected-ingress", "ops/admin", "--allow-unprotected"], ["already writes every Ingress"]),
    ],
)
def test_a_bad_or_unknown_release_is_bad_input_naming_it(
    argv: list[str], fragments: list[str], mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, str(mixed), *argv)
    assert code == 2 and out == "" and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_add_group_says_a_finding_once_and_points_each_member_at_it() -> None:
    report = Report(group="g")
    for member in ("a/one", "a/two", "a/one"):
        report.add_group("g", "load-balancer-attributes", "approximated", "one idle timeout per ALB", [member])
    report.add_group("g", "quota", "note", "3 of 100 rules used")
    assert [(f.group, f.key, f.ingresses) for f in report.group_findings] == [
        ("g", "load-balancer-attributes", ["a/one", "a/two"]),
        ("g", "quota", []),
    ]
    # Members see the finding as theirs (checks and tests that read report.findings keep working) ...
    assert [(f.ingress, f.status, f.group) for f in report.findings] == [
        ("a/one", "approximated", "g"),
        ("a/two", "approximated", "g"),
    ]
    assert report.findings[0].detail == "one idle timeout per ALB"
    # ... and counted once in the severities, which decide --fail-on.
    assert report.severities() == {"lost-protection": 0, "not-converted": 0, "approximated": 1, "note": 1}
    assert report.fails("approximated") and not report.fails("not-converted") and not report.exact
    text = "\n".join(text_lines(report, "not-converted"))
    assert text.count("one idle timeout per ALB") == 1 and "(Ingresses: a/one, a/two)" in text


def test_a_group_level_lost_protection_holds_its_members_back(capsys: pytest.CaptureFixture[str]) -> None:
    from albops.migrate import Options, migrate

    cidrs = ",".join(f"10.{i}.0.0/16" for i in range(31))  # 31 ranges x 2 listen ports = 62 rules > 60
    documents = [
        _ingress("web", name, f"{name}.example.com", name, {NGINX + "whitelist-source-range": cidrs}, tls=True)
        for name in ("a", "b")
    ]
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == ["web/a", "web/b"]
    (finding,) = [f for f in report.group_findings if f.status == "lost-protection"]
    assert finding.ingresses == ["web/a", "web/b"] and "62 security group rules" in finding.detail
    assert "\n".join(text_lines(report, "not-converted")).count("62 security group rules") == 1


def test_docs_migrate_names_every_option_of_the_command() -> None:
    """docs/migrate.md is the command's page: an option added without its row there fails here."""
    import argparse

    from albops.cli.main import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {o for action in commands.choices["migrate"]._actions for o in action.option_strings}
    page = (Path(__file__).resolve().parent.parent / "docs" / "migrate.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0] for line in page.splitlines() if line.startswith("| `--")}
    missing = sorted(o for o in options - {"-h", "--help"} if not any(f"`{o}" in row for row in rows))
    assert not missing, f"options without a row in docs/migrate.md's usage table: {missing}"


@pytest.mark.parametrize(
    ("layout", "where"),
    [
        # Two projects' examples of one name, neither with a namespace: both are default/web to migrate.
        ("two files", "b.yaml: document 1"),
        # A folder and a file inside it: the same Ingress given twice.
        ("folder and file", "a.yaml: document 1"),
        # One file of a List whose second item repeats the first's namespace and name.
        ("list", "item 2"),
    ],
)
def test_one_ingress_name_twice_in_the_inputs_is_refused_naming_both_places(
    layout: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _ingress("shop", "web", "a.example.com", "web")
    second = _ingress("shop", "web", "b.example.com", "web", {"nginx.ingress.kubernetes.io/ssl-redirect": "false"})
    for ingress in (first, second):
        ingress["metadata"].pop("namespace", None)
    folder = tmp_path / "in"
    folder.mkdir()
    if layout == "list":
        (folder / "a.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [first, second]}))
        argv = [str(folder / "a.yaml")]
    else:
        (folder / "a.yaml").write_text(yaml.safe_dump(first))
        (folder / "b.yaml").write_text(yaml.safe_dump(second))
        argv = [str(folder)] if layout == "two files" else [str(folder), str(folder / "a.yaml")]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == "", err
    # A folder and a file in it: b.yaml repeats a.yaml, and a.yaml is given again; both are named.
    (line,) = [line for line in err.splitlines() if f"{where}: Ingress" in line]
    assert where in line and "Ingress default/web again (also " in line, line
    assert "migrate them in separate runs" in line and "Traceback" not in err and err.startswith("error: ")


def test_every_refused_input_is_named_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder with several bad files is fixed in one pass: each refused file is named (its first problem), not
    one per run; nothing is converted while one is refused."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml.safe_dump(_ingress("shop", "web", "a.example.com", "web")))
    (folder / "b.yaml").write_text(yaml.safe_dump(_ingress("shop", "web", "b.example.com", "web")))  # again
    bad_type = _ingress("shop", "api", "c.example.com", "api")
    bad_type["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "exact"
    (folder / "c.yaml").write_text(yaml.safe_dump(bad_type))
    (folder / "d.yaml").write_text("key: [unclosed\n")
    code, out, err = _run(capsys, str(folder))
    assert code == 2 and out == "", err
    lines = err.splitlines()
    assert lines[0] == "error: 3 inputs refused:", err
    assert [line.split(": ", 1)[0].rsplit("/", 1)[-1] for line in lines[1:]] == ["b.yaml", "c.yaml", "d.yaml"]
    assert "Traceback" not in err


def test_a_report_path_that_is_an_input_is_refused_and_the_input_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "in" / "a.yaml"
    manifest.parent.mkdir()
    manifest.write_text(yaml.safe_dump(_ingress("shop", "web", "a.example.com", "web")))
    before = manifest.read_bytes()
    (tmp_path / "hard.json").hardlink_to(manifest)
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "b.yaml").symlink_to(manifest)
    config = tmp_path / "cm.yaml"
    config.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}))
    for argv in (
        [str(manifest), "--report", str(manifest)],
        [str(manifest.parent), "--report", str(manifest)],
        [str(manifest), "--report", str(tmp_path / "hard.json")],  # the same file by another name
        [str(tmp_path / "linked"), "--report", str(manifest)],  # read through a symlink in a folder
        [str(manifest), "--controller-config", str(config), "--report", str(config)],
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 2 and out == "" and "is one of the inputs" in err, (argv, err)
        assert manifest.read_bytes() == before
    # Read from stdin redirected from the very file the report would go to.
    import subprocess
    import sys

    with manifest.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "albops", "migrate", "-", "--report", str(manifest)],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 2 and "is one of the inputs" in done.stderr, done.stderr
    assert manifest.read_bytes() == before
    # A new YAML report in an input folder would be read as an input next run: refused too.
    code, _, err = _run(capsys, str(manifest.parent), "--report", str(manifest.parent / "report.yaml"))
    assert code == 2 and "is one of the inputs" in err, err
    # A report beside the inputs, even in their folder, replaces nothing: written.
    code, _, err = _run(capsys, str(manifest.parent), "--report", str(manifest.parent / "report.json"))
    assert code != 2 and (manifest.parent / "report.json").is_file(), err


def test_a_path_the_system_cannot_look_at_is_bad_input_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, str(tmp_path / ("a" * 300)))  # ENAMETOOLONG, where ENOENT is passed over
    assert code == 2 and "File name too long" in err and "Traceback" not in err, err


def test_ingresses_without_a_name_are_not_taken_for_one_ingress_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """generateName gives each its own name when applied: two such Ingresses are two, not one given twice."""
    documents = []
    for host in ("a.example.com", "b.example.com"):
        ingress = _ingress("shop", "web", host, "web")
        del ingress["metadata"]["name"]
        ingress["metadata"]["generateName"] = "web-"
        documents.append(ingress)
    (tmp_path / "gen.yaml").write_text(yaml.safe_dump_all(documents))
    code, _, err = _run(capsys, str(tmp_path / "gen.yaml"))
    assert code != 2 and "again (also" not in err, err


def test_an_ingress_of_another_api_group_is_passed_through_not_read_as_kubernetes_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Voyager's Ingress (voyager.appscode.com) has a port as a bare number where Kubernetes' has a mapping:
    read as Kubernetes' own, it was refused as misshapen (exit 2), and it collided with a Kubernetes Ingress
    of its name. It is another controller's object: passed through unchanged, with a note saying why."""
    voyager = {
        "apiVersion": "voyager.appscode.com/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
        "spec": {
            "rules": [
                {
                    "host": "v.example.com",
                    "http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": 80}}}]},
                }
            ]
        },
    }
    ingress = _ingress("shop", "web", "a.example.com", "web")
    (tmp_path / "in.yaml").write_text(yaml.safe_dump_all([voyager, ingress]))
    code, out, err = _run(capsys, str(tmp_path / "in.yaml"))
    assert code == 0, err
    written = list(yaml.safe_load_all(out))
    assert voyager in written and len(written) == 2, out
    assert "apiVersion: skipped, passed through unchanged: 'voyager.appscode.com/v1' is not Kubernetes' Ingress" in err
    assert "Ingresses: 1 converted exactly" in err, err


def test_an_ingress_left_out_of_the_output_is_counted_as_not_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One the API server would refuse (an upper-case name) is not written: counted as not converted, not as
    "converted in part", and not a member of the ALB group the output makes."""
    bad = _ingress("shop", "Web", "a.example.com", "web")
    good = _ingress("shop", "ok", "b.example.com", "web")
    (tmp_path / "in.yaml").write_text(yaml.safe_dump_all([bad, good]))
    code, out, err = _run(capsys, str(tmp_path / "in.yaml"), "--report-format", "json")
    assert code == 1 and out.count("kind: Ingress") == 1, err
    report = json.loads(err)
    assert report["outcomes"]["not-converted"] == 1 and report["outcomes"]["exact"] == 1, report["outcomes"]
    code, _, err = _run(capsys, str(tmp_path / "in.yaml"))
    assert "Ingresses: 1 not converted (not in the output), 1 converted exactly" in err
    assert "ALB groups: 'migrated' (1 Ingress)" in err
