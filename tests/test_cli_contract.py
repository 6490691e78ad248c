"""Every command keeps the contract: one clear line naming the input and the fix, the right exit code, no
traceback, and nothing started before a bad argument is refused (exit 2).

Driven through ``main`` in-process, and as a subprocess where the operating system's side matters (a
full disk behind stdout, a reader that closes the pipe early).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from albops.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def not_pem(tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_text("this is not a certificate\n")
    return str(path)


CASES = [
    (["verify", "--url", "https://a.example", "--ca-file", "/no/ca.pem"], "--ca-file: /no/ca.pem: no such file"),
    (["verify", "--url", "https://a.example", "--ca-file", "{not_pem}"], "not a PEM bundle"),
    (["probe", "--url", "https://a.example", "--ca-file", "/no/ca.pem"], "--ca-file: /no/ca.pem: no such file"),
    (["verify", "--url", "https://a.example", "--resolve", "a.example=not-an-ip"], "'not-an-ip' is not an IP address"),
    (["verify", "--url", "https://a.example", "--resolve", "just-a-host"], "is not HOST=ADDRESS"),
    (["verify", "--url", "https://a.example", "--timeout", "-1"], "--timeout: '-1' is not a number of seconds"),
    (["verify", "--url", "https://a.example", "--timeout", "nan"], "'nan' is not a number of seconds"),
    (["verify", "--url", "https://a.example", "--http-port", "70000"], "70000 is out of range"),
    (["sweep", "--cluster", "c", "--region", "us-west-2", "--wait-seconds", "nan"], "'nan' is not a number"),
    (["sweep", "--cluster", "c", "--region", "us-west-2", "--wait-seconds", "1e12"], "'1e12' is not a number"),
    (["teardown", "--stack", "pr-1", "--wait-seconds", "inf"], "'inf' is not a number of seconds"),
    (["probe", "--url", "https://a.example", "--duration", "1e12"], "'1e12' is not a number of seconds"),
    (["probe", "--url", "https://a.example", "--connections", "0"], "0 is out of range"),
    (["probe", "--url", "https://a.example", "--rate", "-3"], "'-3' is not a number"),
    (["plan", "--stack", "stage", "--out", "/dev/null/x"], "--out: /dev/null/x: cannot be written"),
    (["plan", "--stack", "stage", "--out", str(ROOT / "README.md")], "is a file, not a folder"),
    # /proc takes no new files even for root, whom os.access answers yes everywhere: the probe file tells.
    (["plan", "--stack", "stage", "--out", "/proc/albops-x"], "--out: /proc/albops-x: cannot be written under /proc"),
    (["migrate", "-", "--report", "/proc/r.json"], "--report: /proc/r.json: cannot be written in /proc"),
    (["plan", "--stack", "stage", "--cloud-facts", "/no/facts.yaml"], "--cloud-facts: /no/facts.yaml: no such file"),
    (["migrate", "-", "--report", "/no/such/folder/r.json"], "the folder /no/such/folder does not exist"),
    (["migrate", "-", "--report", "/tmp"], "--report: /tmp: is a directory"),
    (["migrate", "-", "--group", "Bad_Group"], "is not a valid group.name"),
    # URLs: a port out of range, a broken IPv6 literal, a line break or space, another scheme, no host.
    (["verify", "--url", "https://127.0.0.1:99999/"], "--url: 'https://127.0.0.1:99999/' is not a URL (Port out of"),
    (["verify", "--url", "https://[::1/"], "is not a URL (Invalid IPv6 URL)"),
    (["verify", "--url", "https://a.example/\n"], "holds a space or line break; give the URL alone"),
    (["verify", "--url", "http://a.example/"], "is not an https:// URL with a host"),
    (["probe", "--url", "https:///path"], "is not an http:// or https:// URL with a host"),
    (["probe", "--url", "https://a.example", "--compare", "http://b.example/ x"], "--compare: 'http://b.example/ x'"),
]


@pytest.mark.parametrize(("argv", "fragment"), CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], fragment: str, not_pem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{not_pem}", not_pem) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def _run(*argv: str, stdout: int | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "albops", *argv],
        cwd=ROOT,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )


def test_output_that_cannot_be_written_is_exit_2_with_its_reason() -> None:
    with open("/dev/full", "wb") as full:
        proc = _run("check", "--list", stdout=full.fileno())
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "the output cannot be written (No space left on device)" in err and "Traceback" not in err
    assert "Exception ignored" not in err


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    proc = subprocess.run(
        [sys.executable, "-m", "albops", "check", "--list"],
        cwd=ROOT,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    reader.stdin.close()
    reader.wait(timeout=10)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and "Traceback" not in err and "BrokenPipe" not in err


def test_ctrl_c_is_exit_130_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import albops.cli.commands.check as cli

    def interrupted(_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    assert main(["check", "--list"]) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted:") and "Traceback" not in err


MALFORMED = [
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\nspec: {ingressClassName: alb, rules: [x]}\n",
    "apiVersion: v1\nkind: Service\nmetadata: [1, 2]\n",
    "apiVersion: v1\nkind: 5\nmetadata: {name: a}\n",
    "apiVersion: v1\nkind: List\nitems: nope\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: a\n  annotations:\n"
    "    alb.ingress.kubernetes.io/target-group-attributes: deregistration_delay.timeout_seconds=soon\n"
    "spec: {ingressClassName: alb, rules: [{http: {paths: [{path: /, pathType: Prefix,"
    " backend: {service: {name: s, port: {number: 80}}}}]}}]}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: a}}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n"
    "    metadata: {labels: {app: a}}\n    spec: {terminationGracePeriodSeconds: later, containers: [{name: c}]}\n",
    "a: " + "[" * 5000 + "]" * 5000 + "\n",
]


@pytest.mark.parametrize("text", MALFORMED, ids=range(len(MALFORMED)))
def test_check_on_malformed_objects_is_a_finding_or_bad_input_never_a_traceback(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(text)
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err


@pytest.mark.parametrize("text", ["", "foo: 1\n", (ROOT / "Pulumi.stage.yaml").read_text()])
def test_check_with_nothing_to_check_is_not_a_pass(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(text)
    assert main(["check", str(path)]) == 2
    assert "no Kubernetes object" in capsys.readouterr().err


def test_check_names_every_refused_input_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder of several bad files is fixed in one pass, as with migrate: each refused input named by its full
    path (one line each, its first problem), and nothing checked while one is refused."""
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"kind: \xff\n"), encoding="utf-8"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.yaml").write_text("key: [unclosed\n")
    (folder / "b.yaml").write_bytes(b"\xff\xfe")
    (folder / "c.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: 3\n")
    (folder / "d.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: ClusterIP}\n")
    code = main(["check", str(folder), str(tmp_path / "gone.yaml"), "-"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "", captured
    lines = captured.err.splitlines()
    assert lines[0] == "error: 5 inputs refused:", captured.err
    assert lines[1:] == [
        f"  {folder / 'a.yaml'}: line 2: not valid YAML (did not find expected ',' or ']'); fix the syntax there",
        f"  {folder / 'b.yaml'}: not UTF-8 text",
        f"  {tmp_path / 'gone.yaml'}: no such file or directory",
        "  stdin: not UTF-8 text",
        f"  {folder / 'c.yaml'}: document 1: Service's metadata is an int, not a mapping",
    ], captured.err


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_standard_input_that_cannot_be_read_is_one_line(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A closed stdin (a careless `<&-`) is bad input naming stdin, never a traceback."""
    import io

    closed = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    closed.close()
    monkeypatch.setattr("sys.stdin", closed)
    assert main([command, "-"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: stdin: cannot be read (") and "Traceback" not in err, err


def test_inputs_that_are_no_files_are_named_for_what_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A device is not called missing, a symlink loop says so, a file name's control characters cannot
    split the one line per input or drive the terminal, stdin given twice is said once, and a process started
    with stdin closed (sys.stdin is None) is bad input, never a traceback."""

    (tmp_path / "l1.yaml").symlink_to(tmp_path / "l2.yaml")
    (tmp_path / "l2.yaml").symlink_to(tmp_path / "l1.yaml")
    odd = tmp_path / "a\nb\x1b[31m.yaml"
    odd.write_text("key: [unclosed\n")
    monkeypatch.setattr("sys.stdin", None)
    assert main(["check", "/dev/null", str(tmp_path / "l1.yaml"), str(odd), "-", "-"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: 5 inputs refused:", lines
    assert lines[1].startswith("  /dev/null: not a regular file, directory or pipe (a device or socket"), lines
    assert lines[2] == f"  {tmp_path / 'l1.yaml'}: a symbolic link that cannot be followed (too many levels of " + (
        "symbolic links)"
    ), lines
    assert lines[3].startswith(f"  {tmp_path}/a\\nb\\x1b[31m.yaml: line 2: not valid YAML"), lines
    assert lines[4].startswith("  stdin: cannot be read (it is closed)"), lines
    assert lines[5] == "  stdin: given twice; it can be read once, so give - once", lines


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_a_folder_with_a_manifest_name_on_no_file_is_refused_naming_it(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO or a link to nothing named *.yaml in a folder is not passed over (the folder would be judged without
    it) nor read (a FIFO whose writer never closes it would hang the run): the run stops naming it."""
    import os

    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    os.mkfifo(folder / "b.yaml")
    assert main([command, str(folder)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {folder / 'b.yaml'}: a pipe (FIFO), not a regular file, in directory {folder}; remove " + (
        "it, or give the files to read one by one\n"
    ), err
    (folder / "b.yaml").unlink()
    (folder / "c.yaml").symlink_to(tmp_path / "gone.yaml")
    assert main([command, str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'c.yaml'}: a symbolic link that cannot be followed (no such file or directory)" in err, err
    (folder / "c.yaml").unlink()
    (folder / "d.yml").mkdir()  # a folder with a manifest's name is walked, not refused
    assert main([command, str(folder)]) != 2


def test_dev_stdin_beside_a_dash_is_stdin_given_twice(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """/dev/stdin names the stream - reads: read second it would be empty, and its documents silently missing."""
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"kind: ConfigMap\n"), encoding="utf-8"))
    assert main(["check", "-", "/dev/stdin"]) == 2
    err = capsys.readouterr().err
    assert err == "error: /dev/stdin: is stdin, which an earlier input already reads; it can be read once, so " + (
        "give it once\n"
    ), err


def test_a_pipe_named_on_the_command_line_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`albops check <(kubectl get ingress -A -o yaml)` names a pipe: it is read once, to its end; a FIFO nobody
    writes to reads as empty at once (no hang)."""
    import os

    script = 'exec "$0" -m albops check <(printf "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: a}\\n")'
    done = subprocess.run(
        ["bash", "-c", script, sys.executable], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and "1 objects checked, 0 violations" in done.stdout, done
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert main(["check", str(pipe)]) == 2  # no writer: nothing in it, said so
    assert "no Kubernetes object" in capsys.readouterr().err


def test_a_lists_items_are_checked_or_refused_never_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A typed list's items carry no apiVersion or kind (kubectl get --raw): they are the list's kind, and an
    Ingress in one is judged; an item that is no object is refused, naming it."""
    item = {
        "metadata": {"name": "web", "namespace": "shop", "annotations": {"alb.ingress.kubernetes.io/scheme": "x"}},
        "spec": {"ingressClassName": "alb", "rules": [{"host": "a.example.com", "http": {"paths": []}}]},
    }
    raw = tmp_path / "raw.json"
    raw.write_text(json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "IngressList", "items": [item]}))
    assert main(["check", str(raw), "--json"]) in (1, 2)
    report = json.loads(capsys.readouterr().out)
    assert report["resources"] == 1 and "Ingress shop/web" in {v["resource"] for v in report["violations"]}, report
    raw.write_text(json.dumps({"apiVersion": "v1", "kind": "IngressList", "items": [item, 1]}))
    assert main(["check", str(raw)]) == 2
    assert capsys.readouterr().err == f"error: {raw}: document 1: item 2 of the IngressList is int, not an object\n"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        # A missing value: say to give one, not how to write a value that starts with '-'.
        (["migrate", "in.yaml", "--group"], "argument --group: expected one argument: give it a value (--group VALUE)"),
        (
            ["migrate", "in.yaml", "--side-by-side", "--name-suffix", "-alb"],
            "argument --name-suffix: expected one argument (a value that starts with '-' goes after an equals sign: "
            "--name-suffix=-VALUE)",
        ),
        # migrate's --json is its report format; its objects go to stdout.
        (["migrate", "in.yaml", "--json"], "--json; its report is JSON with --report-format json"),
    ],
)
def test_usage_errors_say_what_was_meant(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["plna"], "dev: unknown command 'plna'; did you mean plan?"),
        (["plan", "stage", "--stack", "sandbox"], "dev: the stack is given twice (stage, and --stack): give it once"),
    ],
)
def test_the_dev_script_says_what_was_meant(argv: list[str], said: str) -> None:
    """./dev's own mistakes: an unknown command named (not only the usage line), and a stack given both ways
    refused (argparse would have planned the last one without a word)."""
    done = subprocess.run(["bash", str(ROOT / "dev"), *argv], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and said in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # Not served since Kubernetes 1.22: the API server refuses it.
        ("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\n", "has not served since 1.22"),
        ("apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: a}\n", "has not served since"),
    ],
)
def test_objects_kubectl_refuses_are_named_not_skipped(
    text: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n" + text)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: document 2: ") and said in err, err


ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v2\nname: chart\nversion: 1.0.0\n",  # a Helm Chart.yaml: no kind
        "kind: DaemonSet\nimage: {repository: fluent-bit}\n",  # a chart's values: no apiVersion
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n",  # a kubeconfig
        "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: [{role: control-plane}]\n",
        "just a note\n",
    ],
)
def test_a_repositorys_other_files_are_passed_over(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder holds more than manifests: what tools read and the API server never sees is passed over, so it
    does not turn a folder's check into exit 2."""
    (tmp_path / "other.yaml").write_text(text)
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    assert main(["check", str(tmp_path)]) == 0, capsys.readouterr()
    assert "1 objects checked, 0 violations" in capsys.readouterr().out


def test_a_findings_line_escapes_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A name or value holding a newline or a terminal escape cannot split a finding or drive the terminal."""
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "w\x1b[31m", "namespace": "te\nam", "annotations": {ALB_SCHEME: "x"}},
        "spec": {"ingressClassName": "alb", "rules": [{"host": "a.example.com", "http": {"paths": []}}]},
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(ingress))
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "te\\nam/w\\x1b[31m" in out, out
    assert all(line.startswith(("[", "note:")) or line.endswith("violations") for line in out.splitlines()), out


def test_check_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    manifest = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: ClusterIP}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(manifest))
    assert main(["check", "-"]) == 0
    assert "1 objects checked, 0 violations" in capsys.readouterr().out


def test_check_list_json_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["check", "--list", "--json"]) == 0
    rules = json.loads(capsys.readouterr().out)["rules"]
    assert {"alb-target-type-ip", "no-wildcard-actions"} <= {r["id"] for r in rules}


def test_check_environment_takes_only_its_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--environment", "prod", "x.yaml"]) == 2
    assert "invalid choice: 'prod'" in capsys.readouterr().err


def test_plan_writes_only_into_its_own_or_a_new_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theirs = tmp_path / "repo"
    (theirs / "kubernetes").mkdir(parents=True)
    (theirs / "kubernetes" / "prod-ingress.yaml").write_text("kind: Ingress\n")
    assert main(["plan", "--stack", "stage", "--out", str(theirs)]) == 3
    assert "holds files the plan did not write" in capsys.readouterr().err
    assert (theirs / "kubernetes" / "prod-ingress.yaml").is_file()
    fresh = tmp_path / "fresh"
    assert main(["plan", "--stack", "stage", "--out", str(fresh)]) == 0
    assert main(["plan", "--stack", "stage", "--out", str(fresh)]) == 0  # its own marker: written again
    capsys.readouterr()
    assert (fresh / ".albops-plan").is_file()


def test_an_unknown_option_gets_the_commands_usage_and_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--nginx-clas", "x", "-"]) == 2
    err = capsys.readouterr().err
    assert "usage: albops migrate" in err and "did you mean --nginx-class?" in err


def test_abbreviated_options_are_not_guessed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--clus", "c", "--region", "us-west-2"]) == 2
    assert "--clus" in capsys.readouterr().err


def test_conflicting_output_flags_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "stage", "--json", "--markdown"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_top_level_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(text in out for text in ("0 ok", "1 findings", "2 bad input", "3 refused", "4 a tool", "130"))


def test_teardown_in_a_folder_that_is_no_project_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["teardown", "--stack", "pr-1", "--project-dir", "/nonexistent", "--yes"]) == 2
    assert "no Pulumi.yaml there" in capsys.readouterr().err


def test_the_package_pins_what_requirements_pin_and_names_the_console_script() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert set(project["dependencies"]) | set(project["optional-dependencies"]["cli"]) == pinned
    assert not any(name.startswith(("moto", "pytest")) for name in project["dependencies"])
    module, _, function = project["scripts"]["albops"].partition(":")
    import importlib

    assert callable(getattr(importlib.import_module(module), function))


def test_an_installed_albops_finds_the_project_in_the_current_folder(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "Pulumi.stage.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    code = (
        "import os, sys; os.chdir(sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from albops.preview.runner import default_project_dir; print(default_project_dir())"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.stdout.strip() == str(tmp_path)


@pytest.mark.parametrize(
    ("argv", "code", "kind"),
    [
        (["check", "/no/such/dir", "--json"], 2, "error"),
        (["sweep", "--cluster", "c", "--region", "us-west-9", "--json"], 2, "usage"),
        (["plan", "--stack", "nosuch", "--json"], 2, "error"),
        (["probe", "--url", "https://a.example", "--duration", "nan", "--json"], 2, "usage"),
    ],
)
def test_errors_under_json_are_one_json_document_with_the_exit_code(
    argv: list[str], code: int, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    assert main(argv) == code
    document = json.loads(capsys.readouterr().out)
    assert document["exitCode"] == code and document["kind"] == kind and document["error"]
    if kind == "usage":  # argparse's own line, naming the option, not a pointer to stderr
        assert re.search(r"argument --(duration|region): '(nan|us-west-9)' is not a", document["error"])


@pytest.mark.parametrize(
    ("command", "files", "expected"),
    [
        (["plan", "--stack", "stage"], (), "no Pulumi.yaml there"),
        (["verify", "--stack", "stage"], (), "no Pulumi.yaml there"),
        (["teardown", "--stack", "pr-1"], (), "no Pulumi.yaml there"),
        # Only the plan runs the program; teardown and verify need the project file and the stack's.
        (["plan", "--stack", "stage"], ("Pulumi.yaml", "Pulumi.stage.yaml"), "no __main__.py (the Pulumi program)"),
    ],
)
def test_a_project_dir_without_the_project_is_refused_before_any_work(
    command: list[str],
    files: tuple[str, ...],
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The plan ran a missing __main__.py and printed runpy's traceback; now argparse refuses the folder."""
    for name in files:
        (tmp_path / name).write_text((ROOT / name).read_text())
    assert main([*command, "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"argument --project-dir: {tmp_path}: {expected}" in err and "Traceback" not in err
    assert not (tmp_path / "plan-out").exists()


def test_among_several_files_a_guardrail_finding_says_where_its_object_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`Ingress shop/web` alone does not say which of a folder's files to mend: among several files each finding
    about a Kubernetes object names its file and document, as the validator's do; with one file it does not."""
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n"
        "  ingressClassName: alb\n  rules:\n  - host: {name}.example.com\n    http: {{paths: [{{path: /, pathType: "
        "Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}\n"
    )
    (tmp_path / "a.yaml").write_text(ingress.format(name="web"))
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n---\n"
    (tmp_path / "b.yaml").write_text(configmap + ingress.format(name="api"))
    assert main(["check", "--json", str(tmp_path)]) == 1
    found = {v["resource"] for v in json.loads(capsys.readouterr().out)["violations"] if v["rule"] == "alb-group"}
    assert found == {
        f"Ingress shop/web ({tmp_path / 'a.yaml'} document 1)",
        f"Ingress shop/api ({tmp_path / 'b.yaml'} document 2)",
    }
    assert main(["check", "--json", str(tmp_path / "a.yaml")]) == 1
    alone = {v["resource"] for v in json.loads(capsys.readouterr().out)["violations"] if v["rule"] == "alb-group"}
    assert alone == {"Ingress shop/web"}
