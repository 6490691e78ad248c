"""The command-line contract's last gaps (issue 23, section 4): suggestions, probe's attempts and rate."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.cli.main import main
from albops.preview.diff import diff_plans, render
from tests.test_probe import _counting


@pytest.mark.parametrize(
    ("argv", "wrong", "right"),
    [
        (["plan", "--stak", "stage"], "--stak", "--stack"),
        (["teardown", "--stak", "x"], "--stak", "--stack"),
        (["sweep", "--clustr", "c", "--region", "us-west-2"], "--clustr", "--cluster"),
        (["sweep", "--cluster", "c", "--regoin", "us-west-2"], "--regoin", "--region"),
        (["verify", "--urll", "https://x.example.com/"], "--urll", "--url"),
        (["probe", "--ulr", "http://x.example.com/"], "--ulr", "--url"),
        (["plan", "--json", "--stak=stage"], "--stak=stage", "--stack"),
    ],
)
def test_an_unknown_option_is_named_even_when_a_required_one_is_missing(
    argv: list[str], wrong: str, right: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse says a required option is missing before it says another is unknown; the typo is the cause."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {wrong}" in err and f"did you mean {right}?" in err
    assert "required" not in err


def test_a_missing_required_option_alone_is_still_said(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 2
    assert "the following arguments are required: --stack" in capsys.readouterr().err
    assert main(["sweep", "--region", "us-west-2"]) == 2
    assert "one of the arguments --cluster --expired is required" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        # `./dev plan stage` takes the stack as a word; albops takes it after --stack.
        (["plan", "stage"], "unrecognized arguments: stage; did you mean --stack stage?"),
        (["teardown", "pr-123"], "did you mean --stack pr-123?"),
        (["plan", "Pulumi.stage.yaml"], "did you mean --stack stage?"),
    ],
)
def test_a_stack_given_without_its_option_is_pointed_to_it(
    argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert hint in capsys.readouterr().err


def test_a_stack_files_name_given_for_the_stack_says_which_name_was_meant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--stack", "Pulumi.stage.yaml"]) == 2
    assert "--stack takes the stack's name: --stack stage" in capsys.readouterr().err


def _nothing_listening() -> str:
    """A loopback port bound and closed again: connecting to it is refused."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = int(held.getsockname()[1])
    return f"http://127.0.0.1:{port}/echo"


def test_probe_against_nothing_listening_reports_its_attempts_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["probe", "--url", _nothing_listening(), "--ws", "--connections", "3", "--duration", "0.6"]
    assert main([*argv, "--rate", "10", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    http, ws = document["http"], document["websocket"]
    # Every request was an attempt that failed, each counted with its reason; no latency invented.
    assert http["requests"] >= 2 and http["errors"] == http["requests"]
    assert sum(http["error_reasons"].values()) == http["requests"] and http["p50_ms"] is None
    # Each of the 3 connections was tried at least once, each try counted, not one line for all.
    assert ws["attempts"] >= 3 and ws["connect_errors"] == ws["attempts"] and ws["connections"] == 0
    assert sum(ws["error_reasons"].values()) == ws["attempts"]


def test_probe_rate_is_requests_per_second_by_the_gaps_between_them() -> None:
    """At --rate 10 the requests come 0.1 s apart (read as seconds between requests: one request in 1 s)."""
    with _counting() as (url, seen):
        assert main(["probe", "--url", url, "--duration", "1", "--rate", "10", "--json"]) == 0
    assert 6 <= len(seen) <= 11
    gaps = sorted(b - a for a, b in itertools.pairwise(seen))
    assert 0.05 <= gaps[len(gaps) // 2] <= 0.2


# --- check: a number field given anything but a whole number is bad input (exit 2) naming where it is ----------

_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 360
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 8080, name: http}]
        lifecycle: {preStop: {sleep: {seconds: 320}}}
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 5}
        livenessProbe: {tcpSocket: {port: http}}
        resources: {limits: {cpu: 500m, memory: 128Mi}, requests: {cpu: 100m, memory: 128Mi}}
"""
_SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""
_INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/scheme: internal
    alb.ingress.kubernetes.io/target-type: ip
    alb.ingress.kubernetes.io/group.name: shop
spec:
  ingressClassName: alb
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: web, port: {number: 80}}}
"""
_ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: shop}]
  rules:
  - backendRefs: [{name: web, port: 80, weight: 50}, {name: web-canary, port: 80, weight: 50}]
"""
_CONTAINER: list[str | int] = ["spec", "template", "spec", "containers", 0]
# (document index in the file, path, values that must each be refused). Text, fractions, booleans, lists, maps,
# numbers past the field's integer (int32: 2**31; int64: 2**63) and, where the field is not nullable, null.
_WRONG = ["sixty", "60", 60.5, True, [60], {"seconds": 60}]
_FIELDS: list[tuple[int, list[str | int], list[object]]] = [
    (0, ["spec", "template", "spec", "terminationGracePeriodSeconds"], [*_WRONG, 2**63]),
    (0, ["spec", "replicas"], [*_WRONG, 2**31]),
    (0, [*_CONTAINER, "ports", 0, "containerPort"], [*_WRONG, None, 2**31]),
    (0, [*_CONTAINER, "lifecycle", "preStop", "sleep", "seconds"], [*_WRONG, 2**63]),
    (0, [*_CONTAINER, "readinessProbe", "periodSeconds"], [*_WRONG, 2**31]),
    (0, [*_CONTAINER, "readinessProbe", "httpGet", "port"], ["60", "", 60.5, True, [60], None, 2**31, 70000]),
    (0, [*_CONTAINER, "livenessProbe", "tcpSocket", "port"], ["8080", "Http", 1.5, False]),
    (1, ["spec", "ports", 0, "port"], [*_WRONG, None, 2**31]),
    (1, ["spec", "ports", 0, "targetPort"], ["8080", " http", 80.5, True, [80], 2**40]),
    (2, ["spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"], [*_WRONG, 2**31]),
    (3, ["spec", "rules", 0, "backendRefs", 0, "weight"], ["50", "fifty", 50.5, True, [50], 2**31]),
]


def _field_name(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _hostile_cases() -> list[tuple[int, list[str | int], object]]:
    return [(index, path, value) for index, path, values in _FIELDS for value in values]


def _check_file(tmp_path: Path, documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    code = main(["check", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _documents() -> list[dict[str, Any]]:
    return [yaml.safe_load(text) for text in (_DEPLOYMENT, _SERVICE, _INGRESS, _ROUTE)]


def test_the_hostile_base_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each case below changes one field of this clean set: its exit 2 is that field's."""
    assert _check_file(tmp_path, _documents(), capsys) == (0, "4 objects checked, 0 violations\n")


@pytest.mark.parametrize(("index", "path", "value"), _hostile_cases())
def test_check_refuses_a_number_field_given_anything_else_naming_file_document_and_field(
    index: int, path: list[str | int], value: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = _documents()
    node: Any = documents[index]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 2, text
    assert "Traceback" not in text
    kind = documents[index]["kind"]
    # The validator's line gives the whole path; a guardrail that says it too gives it from the container
    # (``container web: lifecycle.preStop.sleep.seconds``): one line either way, naming the field.
    field = _field_name(path)
    last = next(str(part) for part in reversed(path) if isinstance(part, str))
    named = [line for line in text.splitlines() if field in line or ("container web: " in line and last in line)]
    assert any(f"{kind} shop/web ({tmp_path / 'app.yaml'} document {index + 1})" in line for line in named), text


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (key, value)
        for key in (
            "healthcheck-interval-seconds",
            "healthcheck-timeout-seconds",
            "healthy-threshold-count",
            "unhealthy-threshold-count",
            "auth-session-timeout",
            "group.order",
            "ssl-redirect",
            "target-control-port.web.80",
        )
        for value in ("sixty", "15.5", "true", "", " 15", "0x10", "1e3", "[15]", "null", str(2**64))
    ]
    + [
        ("target-group-attributes", "deregistration_delay.timeout_seconds=sixty"),
        ("target-group-attributes", "slow_start.duration_seconds=30.5"),
        ("load-balancer-attributes", "idle_timeout.timeout_seconds=true"),
        ("load-balancer-attributes", f"idle_timeout.timeout_seconds={2**64}"),
        ("success-codes", "ok"),
        ("success-codes", "200.5"),
        ("listen-ports", '[{"HTTP": "eighty"}]'),
        ("listen-ports", '[{"HTTP": 80.5}]'),
        # Past int32: Go's json.Unmarshal into the controller's []map[string]int32 reads no number at all.
        ("listen-ports", '[{"HTTP": 2147483648}]'),
        ("listen-ports", '[{"HTTPS": -2147483649}]'),
        (
            "actions.web",
            '{"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "web", '
            '"servicePort": 80, "weight": "50"}]}}',
        ),
    ],
)
def test_check_refuses_a_numeric_annotation_given_anything_else(
    annotation: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The controller reads these with ParseInt32/64 (v3.5.0 pkg/annotations/parser.go) or hands them to the ELB
    API as numbers: text there stops the whole group, so it is bad input, not a finding."""
    documents = _documents()
    key = f"alb.ingress.kubernetes.io/{annotation}"
    documents[2]["metadata"]["annotations"][key] = value
    if annotation.startswith("actions."):  # read only for a backend naming it with port use-annotation
        documents[2]["spec"]["rules"][0]["http"]["paths"][0]["backend"] = {
            "service": {"name": annotation.removeprefix("actions."), "port": {"name": "use-annotation"}}
        }
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 2, text
    # The validator's line names metadata.annotations["<key>"]; a guardrail that says it too names the key.
    named = [line for line in text.splitlines() if annotation.partition(".web")[0] in line]
    assert any(f"Ingress shop/web ({tmp_path / 'app.yaml'} document 3)" in line for line in named), text


@pytest.mark.parametrize("value", [15, "http", "web-8080", "a1"])
def test_a_port_name_or_number_in_range_is_not_refused(
    value: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other side of the int-or-string rule: a real name (a letter among a-z, 0-9, '-') or a number passes."""
    documents = _documents()
    documents[0]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = value
    assert _check_file(tmp_path, documents, capsys)[0] == 0


# --- plan --markdown: the pull-request comment, the same bytes for the same input ----------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _markdown_plan(stack: str, out: Path, seed: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.path.dirname(sys.executable),
        "HOME": str(out),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": seed,
    }
    argv = [sys.executable, "-m", "albops", "plan", "--stack", stack, "--markdown", "--out", str(out)]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_plan_markdown_is_the_pull_request_comment_and_the_same_bytes_each_run(tmp_path: Path) -> None:
    first = _markdown_plan("stage", tmp_path / "a", "1")
    second = _markdown_plan("stage", tmp_path / "b", "2")  # another hash seed: set and dict orders differ
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    lines = first.stdout.splitlines()
    assert lines[0] == "### Offline plan of stack `stage` (preview)"
    assert re.fullmatch(r"\*\*\d+ to add, 0 to change, 0 to replace, 0 to delete\*\*", lines[2]), lines[2]
    assert lines[4] == "Guardrails: 0 violations"  # a clean run says so too
    text = first.stdout
    # Every resource collapsed, with every input: annotations one per line, chart values, IAM statements, CRDs.
    assert text.count("<details>") == text.count("</details>") >= 6
    assert "- **added** `albingress:index:Echoserver` stage-echoserver" in text
    assert '`metadata.annotations["alb.ingress.kubernetes.io/scheme"]`: `internet-facing`' in text
    assert '`metadata.annotations["alb.ingress.kubernetes.io/group.name"]`: `my-alb-group`' in text
    assert "`values.clusterName`: `stage`" in text
    assert "`policy.Statement[0].Effect`: `Allow`" in text
    assert "`assumeRolePolicy.Statement[0].Action`: `sts:AssumeRoleWithWebIdentity`" in text
    assert "crds/crds.yaml`" in text and "- `kubernetes:yaml/v2:ConfigFile` stage-lbc-crds-0" in text
    assert "| Type |" not in text  # not the old table


# --- plan --compare-to's Markdown: an added AlbApp, an Ingress counted once, what is replaced -----------------------

_STACK = "urn:pulumi:s::alb-ingress::pulumi:pulumi:Stack::alb-ingress-s"
_INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress"


def _app_plan(scheme: str, with_app: bool) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {"type": "pulumi:pulumi:Stack", "name": "alb-ingress-s", "inputs": {}},
        {
            "type": _INGRESS_TYPE,
            "name": "web",
            "parent": _STACK,
            "inputs": {
                "metadata": {"annotations": {"alb.ingress.kubernetes.io/scheme": scheme}, "name": "web"},
                "spec": {"rules": [{"host": "web.example.com"}]},
            },
        },
    ]
    if with_app:
        resources += [
            {"type": "albingress:index:AlbApp", "name": "payments", "parent": _STACK, "inputs": {}},
            {
                "type": _INGRESS_TYPE,
                "name": "payments",
                "parent": f"{_STACK}$albingress:index:AlbApp::payments",
                "inputs": {
                    "metadata": {"annotations": {"alb.ingress.kubernetes.io/group.order": "10"}, "name": "payments"},
                    "spec": {"rules": [{"host": "pay.example.com"}]},
                },
            },
        ]
    return {"resources": resources}


def test_compare_markdown_shows_an_added_app_with_its_name_and_inputs() -> None:
    markdown = render(diff_plans(_app_plan("internal", False), _app_plan("internal", True), "main", "s"), True)
    assert "``: `{}`" not in markdown
    assert "- **added** `albingress:index:AlbApp` payments (a component of 1 resource)" in markdown
    block = markdown.split("AlbApp` payments", 1)[1].split("</details>", 1)[0]
    assert f"  - `{_INGRESS_TYPE}` payments" in block
    assert '    - `metadata.annotations["alb.ingress.kubernetes.io/group.order"]`: `10`' in block
    assert "    - `spec.rules[0].host`: `pay.example.com`" in block
    # The app's Ingress is shown once, under its app, not again as a resource of its own.
    assert markdown.count("` payments\n") == 1 and "**added** `kubernetes" not in markdown


def test_compare_markdown_counts_a_replaced_ingress_once_and_names_the_alb_as_replaced() -> None:
    markdown = render(diff_plans(_app_plan("internal", False), _app_plan("internet-facing", False), "main", "s"), True)
    lines = markdown.splitlines()
    assert lines[2] == "**0 to add, 0 to change, 1 to replace, 0 to delete**"
    assert sum(1 for line in lines if line.startswith("- ") and f"`{_INGRESS_TYPE}` web" in line) == 1
    assert f"- :warning: **replaces the ALB**: `{_INGRESS_TYPE}` web changes" in lines
    assert "replaces** `" not in markdown  # never "replaces <the Ingress>"


def test_teardown_json_is_one_document_with_what_it_would_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.pr-7.yaml").write_text((root / "Pulumi.pr.yaml").read_text())
    code = main(["teardown", "--stack", "pr-7", "--project-dir", str(tmp_path), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["exitCode"] == 0 and document["stack"] == "pr-7"
    assert document["applied"] is False
    assert document["lines"][0].startswith("Would tear down stack pr-7")
    assert any("Run again with --yes" in line for line in document["lines"])


def test_teardown_json_error_is_the_one_error_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: alb-ingress\nruntime: python\n")
    code = main(["teardown", "--stack", "not a name", "--project-dir", str(tmp_path), "--json"])
    out = capsys.readouterr().out
    document = json.loads(out)  # one document, nothing else on stdout
    assert code == 2 and document["exitCode"] == 2 and "not a stack name" in document["error"]


@pytest.mark.parametrize(("signal_name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_a_library_turns_into_another_error_is_still_the_interruption(
    signal_name: str, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pulumi's type-hint reading catches the exception a signal raised mid-import and raises AttributeError
    instead (seen as a traceback from `plan` stopped by Ctrl-C): the exit must still be the interruption's."""
    import signal

    import albops.cli.commands.check as command

    def interrupted_inside_a_library(_: object) -> int:
        try:
            os.kill(os.getpid(), getattr(signal, signal_name))
            time.sleep(5)  # the handler raises before this ends
        except KeyboardInterrupt:
            raise AttributeError("module 'pulumi_kubernetes.core.v1' has no attribute 'ServiceAccount'") from None
        return 0

    monkeypatch.setattr(command, "run", interrupted_inside_a_library)
    assert main(["check", "--list", "--json"]) == code
    captured = capsys.readouterr()
    assert json.loads(captured.out)["exitCode"] == code and "Traceback" not in captured.err


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
      - name: web
        image: nginx:1.27
        ports: [{{containerPort: {port}}}]
"""


@pytest.mark.parametrize(
    ("replicas", "grace", "port", "refused"),
    [
        # kubectl (go-yaml v2) reads 1:30 as text, which the API server refuses; PyYAML 1.1 would read 90
        ("2", "1:30", "8080", "terminationGracePeriodSeconds"),
        ("1:30", "60", "8080", "spec.replicas"),
        ("2", "60", "1:30", "containerPort"),
        # out of range: ValidatePortNum, ValidateNonnegativeField
        ("2", "60", "70000", "containerPort"),
        ("2", "60", "0", "containerPort"),
        ("-1", "60", "8080", "spec.replicas"),
    ],
)
def test_check_refuses_numbers_kubectl_or_the_api_server_refuse(
    replicas: str, grace: str, port: str, refused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT.format(replicas=replicas, grace=grace, port=port))
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert refused in out and "document 1" in out


@pytest.mark.parametrize(
    ("replicas", "grace", "port"),
    [
        ("2.0", "60.0", "8080.0"),  # kubectl sends YAML's whole floats as JSON integers: accepted
        ("2", "1e2", "8080"),  # go-yaml reads 1e2 as 100.0 (an exponent needs no dot), a whole number
        ("0o2", "0x3c", "8_080"),  # ParseInt base 0 once underscores are dropped
        ("0", "null", "65535"),  # replicas 0 is allowed; a null grace period is the default
    ],
)
def test_check_accepts_numbers_kubectl_sends_as_integers(
    replicas: str, grace: str, port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(DEPLOYMENT.format(replicas=replicas, grace=grace, port=port))
    code = main(["check", str(path)])
    out = capsys.readouterr().out
    assert code != 2, out
    assert "not a whole number" not in out and "is not of type" not in out


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_check_refuses_iam_json_that_is_not_json(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.json"
    statement = f'{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Sid": {value}}}'
    path.write_text(f'{{"Version": "2012-10-17", "Statement": [{statement}]}}')
    assert main(["check", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize(("weight", "code"), [("-1", 2), ("1000001", 2), ("50.0", 0), ("1000000", 0)])
def test_an_httproute_weight_is_held_to_the_crds_range(
    weight: str, code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Gateway API v1.6.0 apis/v1/shared_types.go, BackendRef.Weight: int32, Minimum=0, Maximum=1000000."""
    path = tmp_path / "route.yaml"
    path.write_text(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\n"
        "spec:\n  parentRefs: [{name: g}]\n  rules:\n  - backendRefs: [{name: web, port: 80, weight: " + weight + "}]\n"
    )
    got = main(["check", str(path)])
    out = capsys.readouterr().out
    assert (got == 2) == (code == 2), out
    assert ("weight" in out and "0 to 1000000" in out) == (code == 2)


@pytest.mark.parametrize("stack", ["", "../../etc/passwd", ".."])
def test_plan_and_verify_refuse_what_is_no_stack_name(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["plan", "--stack", stack], ["verify", "--stack", stack]):
        assert main(argv) == 2
        assert "is not a stack name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        # a bad value elsewhere on the line no longer hides the typo (the first pass reads every value as text)
        (["sweep", "--region", "nowhere", "--clustr", "x"], "did you mean --cluster?"),
        (["plan", "--cloud-facts", "/nonexistent", "--stak", "x"], "did you mean --stack?"),
        (["cutover", "--weight", "0", "--zone-idd", "Z", "--host", "h"], "did you mean --zone-id?"),
        # nor does a conflict between two options
        (["plan", "--markdown", "--json", "--stak", "x"], "did you mean --stack?"),
        # every unknown option gets its suggestion, each named
        (["plan", "--stak", "x", "--outt", "y"], "did you mean --stack? (--stak); did you mean --out? (--outt)"),
        # case aside
        (["plan", "--STACK", "x"], "did you mean --stack?"),
        # a command's option given before the command's name
        (["--json", "plan", "--stack", "stage"], "--json goes after the command's name (albops plan --json)"),
    ],
)
def test_the_typo_is_named_whatever_else_is_wrong_on_the_line(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert said in captured.err + captured.out


def test_a_usage_error_is_a_json_document_only_where_the_command_has_json(capsys: pytest.CaptureFixture[str]) -> None:
    # migrate's stdout is the manifests a pipe applies: never a JSON error there
    assert main(["migrate", "--json", "x.yaml"]) == 2
    assert capsys.readouterr().out == ""
    # --json=VALUE is still a request for JSON
    assert main(["plan", "--json=1"]) == 2
    assert json.loads(capsys.readouterr().out)["kind"] == "usage"


INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/{annotation}: "{value}"
spec:
  ingressClassName: alb
  rules:
  - host: www.example.com
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}
"""


@pytest.mark.parametrize(
    ("annotation", "value", "refused"),
    [
        # botocore's elbv2 model (TargetGroupAttribute / LoadBalancerAttribute Key docs), written by hand
        ("target-group-attributes", "deregistration_delay.timeout_seconds=3601", True),
        ("target-group-attributes", "deregistration_delay.timeout_seconds=3600", False),
        ("target-group-attributes", "slow_start.duration_seconds=20", True),
        ("target-group-attributes", "slow_start.duration_seconds=0", False),
        ("target-group-attributes", "stickiness.lb_cookie.duration_seconds=604801", True),
        ("load-balancer-attributes", "idle_timeout.timeout_seconds=4001", True),
        ("load-balancer-attributes", "idle_timeout.timeout_seconds=4000", False),
        ("load-balancer-attributes", "client_keep_alive.seconds=59", True),
    ],
)
def test_check_holds_elb_attributes_to_the_apis_ranges(
    annotation: str, value: str, refused: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ingress.yaml"
    path.write_text(INGRESS.format(annotation=annotation, value=value))
    code = main(["check", str(path)])
    out = capsys.readouterr().out
    assert (code == 2) == refused, out
    assert ("outside the ELB API's" in out) == refused


def test_a_name_with_a_line_break_stays_on_its_findings_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "service.yaml"
    path.write_text(
        'apiVersion: v1\nkind: Service\nmetadata: {name: "s\\n", namespace: n}\nspec: {ports: [{port: 80}]}\n'
    )
    assert main(["check", str(path)]) == 2
    finding = capsys.readouterr().out.splitlines()[0]
    assert finding.startswith("[k8s-validation] Service n/'s\\n' (") and "document 1" in finding


def test_check_list_with_a_path_checks_nothing_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check --list manifests/` in a pipeline must not exit 0 as if the manifests had passed."""
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump_all(_documents()), encoding="utf-8")
    for extra in ([], ["--json"]):
        assert main(["check", "--list", str(path), *extra]) == 2
        captured = capsys.readouterr()
        assert "checks nothing" in captured.err and str(path) in captured.err and "drop --list" in captured.err
        assert "alb-target-type-ip" not in captured.out


@pytest.mark.parametrize(("holder", "named"), [(2, "Ingress shop/web"), (1, "Service shop/web")])
def test_a_bad_target_group_attribute_is_named_where_it_is_written(
    holder: int, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    documents = _documents()
    annotations = documents[holder]["metadata"].setdefault("annotations", {})
    annotations["alb.ingress.kubernetes.io/target-group-attributes"] = "deregistration_delay.timeout_seconds=sixty"
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 2, text
    (line,) = [line for line in text.splitlines() if "deregistration_delay" in line]
    assert named in line, line


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        ("healthcheck-interval-seconds", 15),
        ("ssl-redirect", 443),
        ("scheme", True),
        ("target-group-attributes", None),
        ("healthcheck-timeout-seconds", 20),
        ("group.order", 5),
        ("load-balancer-attributes", 1.5),
    ],
)
def test_an_unquoted_annotation_is_one_line_saying_to_quote_it(
    annotation: str, value: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The API server refuses the object (annotations are map[string]string): that is the one finding, named
    with the file and the fix, not a second line from the schema or a rule judging the value as its text."""
    documents = _documents()
    documents[2]["metadata"]["annotations"][f"alb.ingress.kubernetes.io/{annotation}"] = value
    code, text = _check_file(tmp_path, documents, capsys)
    assert code == 2, text
    lines = text.splitlines()
    assert lines[-1] == "4 objects checked, 1 violations", text
    assert "an annotation value must be text" in lines[0] and "quote the value" in lines[0], text
    assert f"Ingress shop/web ({tmp_path / 'app.yaml'} document 3)" in lines[0], text


@pytest.mark.parametrize("argv", [["verify", "--help"], ["verify", "--stak", "x"]])
def test_help_and_usage_errors_show_what_is_required(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The first pass finds unknown options with nothing required; what the user sees is the real usage."""
    with contextlib.suppress(SystemExit):
        main(argv)
    captured = capsys.readouterr()
    assert "(--stack STACK | --url URL)" in captured.out + captured.err


def test_check_on_an_empty_file_says_it_is_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`migrate ... > out.yaml; albops check out.yaml` after migrate held everything back (exit 3, nothing on
    stdout): the error says the file is empty and why it may be, not only that there is nothing to check."""
    empty = tmp_path / "alb-ingresses.yaml"
    empty.write_text("\n")
    assert main(["check", str(empty)]) == 2
    err = capsys.readouterr().err
    assert f"{empty} is empty" in err and "writes nothing when it holds everything back" in err
    comments = tmp_path / "comments.yaml"
    comments.write_text("# nothing here\n")
    assert main(["check", str(comments)]) == 2
    assert "is empty" not in capsys.readouterr().err


# -- an albops installed without its 'cli' extra (found by the newcomer's `pip install ./`) ---------------------


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["probe", "--url", "http://127.0.0.1:9/", "--ws", "--duration", "0.3"], "websockets"),
        (["verify", "--url", "https://www.example.com/", "--no-aws"], "websockets"),
        (
            [
                "cutover",
                "--zone-id",
                "Z1",
                "--host",
                "a.example.com",
                "--to",
                "k8s-web-1234567890.eu-west-1.elb.amazonaws.com",
                "--weight",
                "1",
                "--ws",
            ],
            "websockets",
        ),
        (["migrate", "--from-cluster", "--kubeconfig", "/nonexistent"], "kubernetes"),
    ],
)
def test_a_command_whose_extra_is_not_installed_is_a_missing_tool_naming_the_install(
    argv: list[str], module: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("websockets", "kubernetes"):
        for loaded in [m for m in sys.modules if m.startswith(name + ".")]:
            monkeypatch.delitem(sys.modules, loaded)  # what earlier tests imported of it
        monkeypatch.setitem(sys.modules, name, None)  # import fails as it does where the package is absent
    json_output = argv[0] != "migrate"  # migrate writes manifests and a report, no --json
    assert main([*argv, *["--json"] * json_output]) == 4
    out, err = capsys.readouterr()
    assert f"needs the {module} package, part of albops' 'cli' extra" in err and 'pip install "./[cli]"' in err
    assert "Traceback" not in err
    if json_output:
        assert json.loads(out)["exitCode"] == 4


def test_probe_without_ws_does_not_need_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for loaded in [m for m in sys.modules if m.startswith("websockets.")]:
        monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setitem(sys.modules, "websockets", None)
    assert main(["probe", "--url", "http://127.0.0.1:9/", "--duration", "0.5", "--rate", "10", "--json"]) == 1
    http = json.loads(capsys.readouterr().out)["http"]
    # Every refused request counted with its reason (a failed one used to import websockets to name it: with
    # the package missing, the HTTP thread died and the report said 0 requests).
    assert http["requests"] >= 2 and http["errors"] == http["requests"], http


def test_the_extra_modules_are_the_cli_extras_packages() -> None:
    import tomllib

    from albops.cli.main import CLI_EXTRA_MODULES

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["cli"]
    assert {requirement.split("==")[0] for requirement in extra} == CLI_EXTRA_MODULES


def test_a_broken_extra_is_named_with_its_import_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A package that is there but cannot serve: it raises on import (an old or half-installed one), or a
    # kubernetes/ folder of the user's shadows the client. What the stand-ins leave in sys.modules is taken
    # out again, whether or not this worker had imported the real packages before (a later test imports them).
    packages = ("websockets", "kubernetes")
    saved = {m: module for m, module in sys.modules.items() if m.split(".")[0] in packages}
    for loaded in saved:
        del sys.modules[loaded]
    try:
        _broken_extras(tmp_path, monkeypatch, capsys)
    finally:
        for loaded in [m for m in sys.modules if m.split(".")[0] in packages]:
            del sys.modules[loaded]
        sys.modules.update(saved)


def _broken_extras(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "websockets").mkdir()
    (tmp_path / "websockets" / "__init__.py").write_text("raise ImportError('built for another Python')\n")
    (tmp_path / "kubernetes").mkdir()
    (tmp_path / "kubernetes" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["probe", "--url", "http://127.0.0.1:9/", "--ws", "--duration", "0.3"]) == 4
    err = capsys.readouterr().err
    assert "cannot be imported (ImportError: built for another Python)" in err and "Traceback" not in err
    assert main(["migrate", "--from-cluster", "--kubeconfig", "/nonexistent"]) == 4
    err = capsys.readouterr().err
    assert "needs the kubernetes package" in err and "has no kubernetes.client" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["cutover", "--zone-id", "Z1", "--host", "a.example.com", "--status", "--ws"],
        ["migrate", "some.yaml", "--from-cluster"],
    ],
)
def test_a_usage_error_is_said_before_a_missing_extra(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("websockets", "kubernetes"):
        for loaded in [m for m in sys.modules if m.startswith(name + ".")]:
            monkeypatch.delitem(sys.modules, loaded)
        monkeypatch.setitem(sys.modules, name, None)
    assert main(argv) == 2
    assert "package" not in capsys.readouterr().err


def test_the_extra_check_imports_every_module_albops_takes_from_the_extra() -> None:
    import re as _re

    from albops.cli.main import _EXTRA_IMPORTS

    used: set[str] = set()
    for source in (ROOT / "albops").rglob("*.py"):
        used.update(_re.findall(r"^\s*from ((?:websockets|kubernetes)[\w.]*) import", source.read_text(), _re.M))
    checked = {name for names in _EXTRA_IMPORTS.values() for name in names} | set(_EXTRA_IMPORTS)
    assert used <= checked, used - checked
