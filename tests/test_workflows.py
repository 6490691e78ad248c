"""The GitHub Actions workflows: valid against GitHub's schema, and safe in the ways reviewers check."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from albops.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")
STACK_COMMANDS = re.compile(r"pulumi/actions|albops (teardown|sweep)|pulumi up")


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # keeps "on" a string
    return document


def _runs(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job.get("steps", []) if "run" in step]


def test_there_are_the_five_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "deploy.yml",
        "drift.yml",
        "pr-comment.yml",
        "pull-request.yml",
        "teardown.yml",
    ]


def test_every_workflow_validates_against_githubs_schema() -> None:
    tool = Path(sys.executable).with_name("check-jsonschema")
    proc = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_broken_workflow_is_caught_by_the_schema(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: nope\n")
    tool = Path(sys.executable).with_name("check-jsonschema")
    proc = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", str(broken)], capture_output=True, timeout=120
    )
    assert proc.returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_project_command_a_workflow_runs_exists(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for script in _runs(_load(path)):
        for command in re.findall(r"albops (\w+)", script):
            assert main([command, "--help"]) == 0, command
        for stack in re.findall(r"\./dev plan \"?\$?\{?\{? ?([\w.-]+)", script):
            if stack.startswith(("matrix", "stack")):
                continue
            assert (ROOT / f"Pulumi.{stack}.yaml").is_file() or stack == "prod", stack
    capsys.readouterr()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_and_permissions_are_least(path: Path) -> None:
    workflow = _load(path)
    assert "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        steps = job.get("steps", [])
        for step in steps:
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{name}: {step['uses']} is not pinned to a release tag or commit"
        permissions = job.get("permissions", {})
        comments = any(
            step.get("with", {}).get("comment-on-pr") == "true" or "gh pr comment" in step.get("run", "")
            for step in steps
        )
        assert (permissions.get("pull-requests") == "write") == comments, (
            f"{name}: pull-requests: write only to comment"
        )
        uses_aws = any("configure-aws-credentials" in step.get("uses", "") for step in steps)
        assert (permissions.get("id-token") == "write") == uses_aws, f"{name}: id-token: write only for AWS OIDC"
        if any(STACK_COMMANDS.search(str(step)) for step in steps):
            assert "concurrency" in job or "concurrency" in workflow, f"{name}: two runs could update one stack"


def test_forks_never_get_secrets_or_run_their_code_with_a_token() -> None:
    pull_request = _load(ROOT / ".github" / "workflows" / "pull-request.yml")
    for name in ("preview", "ephemeral"):
        assert "head.repo.full_name == github.repository" in pull_request["jobs"][name]["if"]
    offline = pull_request["jobs"]["offline"]
    assert "permissions" not in offline  # the workflow's read-only contents permission
    assert any(s.get("with", {}).get("fetch-depth") == "0" for s in offline["steps"])
    comment = _load(ROOT / ".github" / "workflows" / "pr-comment.yml")
    steps = comment["jobs"]["comment"]["steps"]
    assert not any("checkout" in s.get("uses", "") for s in steps)


def test_prod_deploys_only_through_its_protected_environment() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    assert deploy["jobs"]["prod"]["environment"] == "production"
    assert deploy["jobs"]["prod"]["needs"] == "stage"
