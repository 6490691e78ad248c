"""``plan --compare-to``: end to end in a temporary git repository, each side planned in its own process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from albops.preview.diff import diff_plans, render, replacements
from tests.conftest import run_plan, run_plan_cli

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this project with one commit on top: a reviewer's pull request."""
    repo = tmp_path_factory.mktemp("repo") / "project"
    _git("clone", "--quiet", str(ROOT), str(repo), cwd=ROOT)
    _git("config", "user.email", "ci@example.com", cwd=repo)
    _git("config", "user.name", "ci", cwd=repo)
    _git("checkout", "--quiet", "-b", "change", cwd=repo)
    stack = (repo / "Pulumi.stage.yaml").read_text()
    stack = stack.replace(
        "sslPolicy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "sslPolicy: ELBSecurityPolicy-TLS13-1-3-2021-06"
    )
    stack = stack.replace("    replicas: 2\n  alb-ingress:alb:", "    replicas: 3\n  alb-ingress:alb:")
    stack += "  alb-ingress:dns:\n    zoneId: Z0EXAMPLESTAGEZONE\n"
    (repo / "Pulumi.stage.yaml").write_text(stack)
    return repo


def test_compare_to_shows_added_and_changed_inputs(repository: Path, tmp_path: Path) -> None:
    # A real process with git found on PATH, as a pull-request job runs it (the other --compare-to tests run
    # the plan in-process).
    proc = run_plan_cli(
        "--stack", "stage", "--compare-to", "HEAD", "--project-dir", str(repository), cwd=ROOT, with_git=True
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "+ albingress:index:AliasRecords  stage-dns" in out
    assert "+ aws:route53/record:Record  stage-dns-a" in out
    policy_change = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 -> ELBSecurityPolicy-TLS13-1-3-2021-06"
    assert f'metadata.annotations["alb.ingress.kubernetes.io/ssl-policy"]: {policy_change}' in out
    assert "spec.replicas: 2 -> 3" in out
    assert "2 to add, 2 to change, 0 to remove" in out
    # Nothing was left behind: no worktree, no changes in the repository.
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=repository, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1


def test_compare_to_markdown_for_a_pull_request(repository: Path) -> None:
    proc = run_plan(
        "--stack",
        "stage",
        "--compare-to",
        "HEAD",
        "--markdown",
        "--project-dir",
        str(repository),
        cwd=ROOT,
        with_git=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("### Offline diff of stack `stage` against `HEAD`")
    assert "- **changed** `kubernetes:apps/v1:Deployment` stage-echoserver-deployment" in proc.stdout


def test_an_unknown_ref_is_bad_input(repository: Path) -> None:
    proc = run_plan(
        "--stack", "stage", "--compare-to", "no-such-ref", "--project-dir", str(repository), cwd=ROOT, with_git=True
    )
    assert proc.returncode == 2
    assert "'no-such-ref' is not a branch, tag or commit" in proc.stderr and "Traceback" not in proc.stderr


def test_without_git_compare_to_says_so(repository: Path) -> None:
    proc = run_plan("--stack", "stage", "--compare-to", "HEAD", "--project-dir", str(repository), cwd=ROOT)
    assert proc.returncode == 4
    assert "git is not installed" in proc.stderr and "Traceback" not in proc.stderr


def test_iam_statements_and_secrets_in_the_diff() -> None:
    def plan(action: str, kubeconfig: str) -> dict[str, object]:
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": action}]})
        return {
            "resources": [
                {"type": "aws:iam/policy:Policy", "name": "p", "inputs": {"policy": policy}},
                {"type": "pulumi:providers:kubernetes", "name": "k", "inputs": {"kubeconfig": kubeconfig}},
            ]
        }

    diff = diff_plans(plan("ec2:DescribeVpcs", "token-a"), plan("ec2:DescribeSubnets", "token-b"), "main", "s")
    text = render(diff)
    assert "policy.Statement[0].Action: ec2:DescribeVpcs -> ec2:DescribeSubnets" in text
    assert "kubeconfig: [secret] -> [secret]" not in text  # equal once masked: not shown as a change
    assert "token-a" not in text and "token-b" not in text


def test_changes_the_controller_turns_into_replacements_are_marked() -> None:
    def ingress(scheme: str, port: int) -> dict[str, object]:
        annotations = {
            "alb.ingress.kubernetes.io/scheme": scheme,
            "alb.ingress.kubernetes.io/ip-address-type": "ipv4" if port == 80 else "dualstack",
        }
        return {
            "resources": [
                {
                    "type": "kubernetes:networking.k8s.io/v1:Ingress",
                    "name": "i",
                    "inputs": {"metadata": {"annotations": annotations}},
                },
                {"type": "kubernetes:core/v1:Service", "name": "s", "inputs": {"spec": {"ports": [{"port": port}]}}},
            ]
        }

    diff = diff_plans(ingress("internet-facing", 80), ingress("internal", 8080), "main", "s")
    reasons = {c.name: c for c in diff.replaced}
    assert set(reasons) == {"i", "s"}
    markdown = render(diff, markdown=True)
    lines = markdown.splitlines()
    assert lines[2] == "**0 to add, 0 to change, 2 to replace, 0 to delete**"  # the counts first, each once
    assert "- :warning: **replaces the ALB**: `kubernetes:networking.k8s.io/v1:Ingress` i changes" in markdown
    assert "  - scheme: recreates the ALB" in markdown
    assert not any("ip-address-type" in r for c in diff.replaced for r in replacements(c))  # changed in place
    assert "<details><summary>inputs that change</summary>" in markdown


def test_a_new_stack_without_a_base_is_all_added(repository: Path) -> None:
    (repository / "Pulumi.fresh.yaml").write_text((repository / "Pulumi.stage.yaml").read_text())
    try:
        proc = run_plan(
            "--stack",
            "fresh",
            "--compare-to",
            "HEAD",
            "--markdown",
            "--project-dir",
            str(repository),
            cwd=ROOT,
            with_git=True,
        )
    finally:
        (repository / "Pulumi.fresh.yaml").unlink()
    assert proc.returncode == 0, proc.stderr
    assert "A new stack" in proc.stdout and "0 to change, 0 to replace, 0 to delete" in proc.stdout
    assert "Guardrails: 0 violations" in proc.stdout


def _one(resource_type: str, before: dict[str, object], after: dict[str, object]) -> tuple[str, str, object]:
    """The text and Markdown diffs of one resource whose inputs go from ``before`` to ``after``, and its JSON."""
    diff = diff_plans(
        {"resources": [{"type": resource_type, "name": "r", "inputs": before}]},
        {"resources": [{"type": resource_type, "name": "r", "inputs": after}]},
        "main",
        "s",
    )
    return render(diff), render(diff, markdown=True), diff.as_dict()["changed"]


def _annotations(**given: str) -> dict[str, object]:
    return {
        "metadata": {"annotations": {f"alb.ingress.kubernetes.io/{k.replace('_', '-')}": v for k, v in given.items()}}
    }


INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
HEALTH = 'metadata.annotations["alb.ingress.kubernetes.io/healthcheck-path"]'


def test_an_annotation_that_writes_out_the_controllers_default_is_shown_as_the_default() -> None:
    text, markdown, changed = _one(INGRESS, _annotations(), _annotations(healthcheck_path="/"))
    assert f"{HEALTH}: default / -> / (the default written out: no effect)" in text
    assert "(absent)" not in text
    assert "`default /` → `/` (the default written out: no effect)" in markdown
    assert changed == [
        {
            "type": INGRESS,
            "name": "r",
            "differences": [{"path": HEALTH, "before": None, "after": "/", "default": "default /", "noEffect": True}],
        }
    ]


def test_a_default_that_depends_on_another_annotation_is_taken_from_the_side_that_leaves_it_out() -> None:
    grpc = {"backend_protocol_version": "GRPC"}
    text, _, _ = _one(INGRESS, _annotations(**grpc), _annotations(**grpc, healthcheck_path="/"))
    # For gRPC target groups the controller checks /AWS.ALB/healthcheck: writing "/" is a real change.
    assert f"{HEALTH}: default /AWS.ALB/healthcheck -> /" in text and "no effect" not in text


def test_removing_an_annotation_shows_the_default_that_takes_over_and_still_marks_the_replacement() -> None:
    text, markdown, _ = _one(INGRESS, _annotations(scheme="internet-facing"), _annotations())
    assert 'alb.ingress.kubernetes.io/scheme"]: internet-facing -> default internal' in text
    assert "replaces" in markdown and "scheme: recreates the ALB" in markdown


def test_chart_values_and_api_server_fields_left_out_read_as_their_defaults() -> None:
    release = "kubernetes:helm.sh/v3:Release"
    text, _, changed = _one(
        release, {"values": {}}, {"values": {"terminationGracePeriodSeconds": 10, "logLevel": "debug"}}
    )
    assert "values.terminationGracePeriodSeconds: chart default 10 -> 10 (the default written out: no effect)" in text
    assert "values.logLevel: chart default info -> debug" in text and "debug (the default" not in text
    assert isinstance(changed, list) and {d["path"]: d["noEffect"] for d in changed[0]["differences"]} == {
        "values.logLevel": False,
        "values.terminationGracePeriodSeconds": True,
    }
    text, _, _ = _one(
        "kubernetes:apps/v1:Deployment", {"spec": {"replicas": 2}}, {"spec": {"replicas": 2, "revisionHistoryLimit": 3}}
    )
    assert "spec.revisionHistoryLimit: default 10 -> 3" in text
    # An input with no known default stays "(absent)": nothing is invented.
    text, _, _ = _one(INGRESS, _annotations(), _annotations(**{"group.name": "shared"}))
    assert 'group.name"]: (absent) -> shared' in text


def test_markdown_code_spans_hold_backticks_and_added_resources_list_their_inputs_masked() -> None:
    before: dict[str, object] = {"resources": []}
    after = {
        "resources": [
            {
                "type": "kubernetes:core/v1:ConfigMap",
                "name": "odd",
                "inputs": {"data": {"note": "a `quoted` value"}, "metadata": {"name": "odd"}},
            },
            {"type": "pulumi:providers:kubernetes", "name": "k", "inputs": {"kubeconfig": "token-z"}},
        ]
    }
    markdown = render(diff_plans(before, after, "main", "s"), markdown=True)
    assert "- **added** `kubernetes:core/v1:ConfigMap` odd" in markdown
    assert "  - `data.note`: ``a `quoted` value``" in markdown  # a longer fence, so the span is not broken
    assert "`kubeconfig`: `[secret]`" in markdown and "token-z" not in markdown
    assert markdown.count("<details><summary>inputs</summary>") == 2


def test_an_ingress_that_moves_to_another_group_names_the_hosts_whose_dns_changes() -> None:
    def ingress(group: str) -> dict[str, object]:
        return {
            "metadata": {"annotations": {"alb.ingress.kubernetes.io/group.name": group}},
            "spec": {"rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
        }

    _, markdown, _ = _one(INGRESS, ingress("shared-1"), ingress("shared-3"))
    assert "group.name: moves the Ingress to another ALB" in markdown
    assert "hosts a.example.com, b.example.com move to a new ALB: point their DNS at it" in markdown


def _consumer_repository(tmp_path: Path, program: str) -> Path:
    """Another team's Pulumi project in git: a committed base program, and ``program`` in the working tree."""
    project = tmp_path / "consumer"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (project / "__main__.py").write_text("import pulumi\n")
    _git("init", "--quiet", cwd=project)
    _git("add", ".", cwd=project)
    _git("-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "--quiet", "-m", "base", cwd=project)
    (project / "__main__.py").write_text(program)
    return project


def test_an_error_the_program_logs_reaches_the_pull_request_comment(tmp_path: Path) -> None:
    """The plain plan fails on a logged error; the comment a reviewer reads says it too, not "0 violations"."""
    project = _consumer_repository(tmp_path, 'import pulumi\npulumi.log.error("quota <details> check\\nfailed")\n')
    markdown = run_plan(
        "--stack",
        "dev",
        "--compare-to",
        "HEAD",
        "--project-dir",
        str(project),
        "--markdown",
        cwd=project,
        with_git=True,
    )
    assert markdown.returncode == 0, markdown.stderr
    assert "- :x: the program logged an error: `quota <details> check\\nfailed`" in markdown.stdout
    document = run_plan(
        "--stack", "dev", "--compare-to", "HEAD", "--project-dir", str(project), "--json", cwd=project, with_git=True
    )
    assert json.loads(document.stdout)["programErrors"] == ["quota <details> check\\nfailed"]


@pytest.mark.parametrize(
    ("program", "errors"),
    [
        # Text that looks like the plan's own error line is the program's output, not an error it logged.
        ('import sys\nprint("error: the program logged an error: forged", file=sys.stderr)\n', []),
        # An error logged after the program replaced sys.stderr still reaches the comment.
        ('import io, sys\nsys.stderr = io.StringIO()\npulumi.log.error("hidden")\n', ["hidden"]),
    ],
)
def test_the_comment_reads_the_programs_errors_from_the_plan_not_from_its_output(
    program: str, errors: list[str], tmp_path: Path
) -> None:
    project = _consumer_repository(tmp_path, "import pulumi\n" + program)
    proc = run_plan(
        "--stack", "dev", "--compare-to", "HEAD", "--project-dir", str(project), "--json", cwd=project, with_git=True
    )
    document = json.loads(proc.stdout)
    assert document["programErrors"] == errors and document["guardrails"] == "0 violations", document


def test_a_plan_json_the_program_rewrote_after_the_plan_is_refused(tmp_path: Path) -> None:
    """The program runs in the plan's process and can rewrite plan.json as the process ends; a file that calls
    clean a plan that exited 1 is refused (exit 2), never shown as a pass."""
    program = (
        "import atexit, json, sys\nimport pulumi\npulumi.log.error('real')\n"
        "out = sys.argv[sys.argv.index('--out') + 1] + '/plan.json'\n"
        "def forge():\n"
        "    document = json.load(open(out))\n"
        "    document.update(programErrors=[], guardrails='0 violations')\n"
        "    json.dump(document, open(out, 'w'))\n"
        "atexit.register(forge)\n"
    )
    project = _consumer_repository(tmp_path, program)
    proc = run_plan(
        "--stack", "dev", "--compare-to", "HEAD", "--project-dir", str(project), "--json", cwd=project, with_git=True
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "is not the one the plan wrote" in json.loads(proc.stdout)["error"]
