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
# A full commit SHA with its release tag in a comment, e.g. `actions/checkout@3d3c...b1 # v7.0.1`.
PINNED_LINE = re.compile(r"^\s*(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\b")
STACK_COMMANDS = re.compile(r"pulumi/actions|albops (teardown|sweep)|pulumi up")
# Commands that change a stack or delete cloud resources: their jobs may never be cancelled halfway.
CHANGING = re.compile(r"command: up|pulumi up|albops (teardown|sweep)|pulumi destroy")


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # keeps "on" a string
    return document


def _runs(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job.get("steps", []) if "run" in step]


def test_there_are_the_six_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "deploy.yml",
        "drift.yml",
        "package.yml",
        "pr-comment.yml",
        "pull-request.yml",
        "teardown.yml",
    ]


def test_the_package_job_checks_the_served_schema_generates_every_sdk_and_compiles_typescript() -> None:
    job = _load(ROOT / ".github" / "workflows" / "package.yml")["jobs"]["sdks"]
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "pulumi package get-schema ./provider" in runs and "provider/schema.json" in runs
    assert all(language in runs for language in ("nodejs", "python", "go", "dotnet", "java"))
    compile_step = next(s for s in job["steps"] if s.get("working-directory") == "examples/typescript")
    assert "pulumi package add ../../provider" in compile_step["run"] and "npx tsc" in compile_step["run"]
    assert "secrets." not in str(job)  # nothing is deployed; no credentials


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
            if stack.startswith(("matrix", "stack", "STACK")):
                continue
            assert (ROOT / f"Pulumi.{stack}.yaml").is_file() or stack == "prod", stack
    capsys.readouterr()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_job_conditions_use_only_what_a_job_level_if_may(path: Path) -> None:
    """GitHub rejects a whole workflow whose job-level ``if`` calls a step-only function (hashFiles): the schema
    does not catch it. The contexts reference lists for ``jobs.<job_id>.if`` the contexts github, needs, vars and
    inputs and the functions always, cancelled, success and failure (besides the operators and the general
    functions such as contains); steps, env, runner and hashFiles are not there."""
    for name, job in _load(path)["jobs"].items():
        condition = str(job.get("if", ""))
        for word in ("hashFiles", "steps.", "env.", "runner.", "job."):
            assert word not in condition, f"{path.name}: job {name}'s if uses {word} ({condition})"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_commits_with_their_version(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"^\s*(- )?uses: ", line)]
    assert lines
    for line in lines:
        assert PINNED_LINE.match(line), f"{path.name}: {line.strip()} is not pinned to a full commit SHA # vX.Y.Z"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_and_stack_changes_are_never_cancelled(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {"contents": "read"}
    if "pull_request_target" in workflow["on"]:
        assert path.name == "teardown.yml"  # the one trusted job that must act on closed pull requests
    for name, job in workflow["jobs"].items():
        steps = job.get("steps", [])
        for step in steps:
            if "actions/checkout" in step.get("uses", ""):
                assert step.get("with", {}).get("persist-credentials") == "false", f"{name}: persist-credentials"
                if "pull_request_target" in workflow["on"] or "workflow_run" in workflow["on"]:
                    assert step["with"].get("ref") == "${{ github.event.repository.default_branch }}", name
        permissions = job.get("permissions", {})
        comments = any(
            step.get("with", {}).get("comment-on-pr") == "true"
            or "createComment" in step.get("with", {}).get("script", "")
            for step in steps
        )
        assert (permissions.get("pull-requests") == "write") == comments, (
            f"{name}: pull-requests: write only to comment"
        )
        oidc = any(
            "configure-aws-credentials" in step.get("uses", "") or "pulumi/auth-actions" in step.get("uses", "")
            for step in steps
        )
        assert (permissions.get("id-token") == "write") == oidc, f"{name}: id-token: write only for OIDC"
        if any(STACK_COMMANDS.search(str(step)) for step in steps):
            assert "concurrency" in job or "concurrency" in workflow, f"{name}: two runs could update one stack"
        if any(CHANGING.search(str(step)) for step in steps):
            groups = [job.get("concurrency", {}), workflow.get("concurrency", {})]
            assert all(group.get("cancel-in-progress") != "true" for group in groups if isinstance(group, dict)), (
                f"{name}: a newer run would cancel a stack change halfway"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_each_environment_uses_its_own_role_and_no_long_lived_pulumi_token(path: Path) -> None:
    text = path.read_text()
    assert "PULUMI_ACCESS_TOKEN" not in text  # Pulumi Cloud's OIDC token exchange instead (pulumi/auth-actions)
    assert "vars.AWS_DEPLOY_ROLE_ARN" not in text and "vars.AWS_PREVIEW_ROLE_ARN" not in text
    for name, job in _load(path)["jobs"].items():
        if any("configure-aws-credentials" in step.get("uses", "") for step in job.get("steps", [])):
            assert job.get("environment") in ("preview", "pr-ephemeral", "reaper", "stage", "production"), name
            assert "secrets.AWS_ROLE_ARN" in str(job["steps"]), f"{name}: the role comes from the environment"


def test_zizmor_finds_nothing_beyond_the_explained_suppressions() -> None:
    tool = Path(sys.executable).with_name("zizmor")
    proc = subprocess.run(
        [str(tool), "--offline", "--config", str(ROOT / ".github" / "zizmor.yml"), str(ROOT / ".github" / "workflows")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((ROOT / ".github" / "zizmor.yml").read_text())
    text = (ROOT / ".github" / "zizmor.yml").read_text()
    for rule, settings in config["rules"].items():
        for entry in settings["ignore"]:
            before = text.split(f"- {entry}")[0].rstrip().splitlines()
            assert before[-1].lstrip().startswith("#"), f"{rule} {entry}: say why the suppression is safe"


def test_the_pull_request_comment_goes_only_to_the_runs_own_pull_request() -> None:
    comment = _load(ROOT / ".github" / "workflows" / "pr-comment.yml")
    script = next(s["with"]["script"] for s in comment["jobs"]["comment"]["steps"] if "script" in s.get("with", {}))
    assert "head.sha === run.head_sha" in script and "matching.length !== 1" in script
    assert "comment/number" not in script and "JSON.parse" in script and "MAX_BODY" in script
    offline = _load(ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]["offline"]
    assert "number" not in str(offline["steps"]).split("diff.json")[0].split("Offline preview diff")[-1]


def test_forks_never_get_secrets_or_run_their_code_with_a_token() -> None:
    pull_request = _load(ROOT / ".github" / "workflows" / "pull-request.yml")
    for name in ("preview", "ephemeral"):
        assert "head.repo.full_name == github.repository" in pull_request["jobs"][name]["if"]
    offline = pull_request["jobs"]["offline"]
    assert "permissions" not in offline  # the workflow's read-only contents permission
    assert any(s.get("with", {}).get("fetch-depth") == "0" for s in offline["steps"])
    assert "${{" not in str([s.get("run", "") for s in pull_request["jobs"]["ephemeral"]["steps"]])
    comment = _load(ROOT / ".github" / "workflows" / "pr-comment.yml")
    steps = comment["jobs"]["comment"]["steps"]
    assert not any("checkout" in s.get("uses", "") for s in steps)


def test_prod_deploys_only_through_its_protected_environment() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    assert deploy["jobs"]["prod"]["environment"] == "production"
    assert deploy["jobs"]["prod"]["needs"] == "stage"
    steps = deploy["jobs"]["prod"]["steps"]
    assert any("--require-environment production" in s.get("run", "") for s in steps)
    up = next(s for s in steps if "pulumi/actions" in s.get("uses", ""))
    assert up["with"]["policyPackConfigs"] == "policies/guardrails_pack/production.json"
    assert (ROOT / up["with"]["policyPackConfigs"]).is_file()


_COMMENT_HARNESS = """
const fs = require('fs');
const script = fs.readFileSync(process.argv[2], 'utf8');
const posted = [];
const context = {
  repo: {owner: 'o', repo: 'r'},
  payload: {workflow_run: {head_repository: {owner: {login: 'fork'}}, head_branch: 'b', head_sha: 'abc'}},
};
const github = {
  paginate: async () => [{number: 7, head: {sha: 'abc'}}],
  rest: {pulls: {list: 'list'}, issues: {createComment: async (args) => { posted.push(args); }}},
};
const core = {notice: (m) => console.error('notice: ' + m), setFailed: (m) => console.error('failed: ' + m)};
const run = new Function('require', 'context', 'github', 'core', `return (async () => {${script}})();`);
run(require, context, github, core).then(() => { process.stdout.write(JSON.stringify(posted)); });
"""


def test_the_comment_script_renders_defaults_added_inputs_and_escapes_what_the_plan_says(tmp_path: Path) -> None:
    """The workflow's own script, run by node on the diff.json the offline job uploads (skipped without node)."""
    import json
    import shutil

    from albops.preview.diff import diff_plans

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the comment script is checked where it is")
    ingress = "kubernetes:networking.k8s.io/v1:Ingress"

    def plan(annotations: dict[str, str], extra: list[dict[str, Any]]) -> dict[str, Any]:
        resource = {"type": ingress, "name": "web", "inputs": {"metadata": {"annotations": annotations}}}
        return {"resources": [resource, *extra]}

    hostile = {"type": "kubernetes:core/v1:ConfigMap", "name": "x", "inputs": {"data": {"n": "<img src=x> @everyone"}}}
    diff = diff_plans(
        plan({}, []), plan({"alb.ingress.kubernetes.io/healthcheck-path": "/"}, [hostile]), base="main", stack="stage"
    )
    (tmp_path / "comment").mkdir()
    (tmp_path / "comment" / "diff.json").write_text(json.dumps({"stacks": [diff.as_dict()]}))
    comment = _load(ROOT / ".github" / "workflows" / "pr-comment.yml")
    script = next(s["with"]["script"] for s in comment["jobs"]["comment"]["steps"] if "script" in s.get("with", {}))
    (tmp_path / "script.js").write_text(script)
    (tmp_path / "harness.js").write_text(_COMMENT_HARNESS)
    proc = subprocess.run(
        [node, "harness.js", "script.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    posted = json.loads(proc.stdout)
    assert [p["issue_number"] for p in posted] == [7]
    body = posted[0]["body"]
    assert "1 to add, 1 to change, 0 to replace, 0 to delete" in body
    assert "default / → / (the default written out: no effect)" in body
    assert "<details><summary>added kubernetes&#58;core/v1&#58;ConfigMap x</summary>" in body
    assert "<img" not in body and "@everyone" not in body and "&#60;img src=x&#62; &#64;everyone" in body


def test_pull_request_code_gets_pr_ephemeral_and_the_reaper_runs_from_the_default_branch_only() -> None:
    """GitHub's OIDC token names the environment, not the pull request, and a pull_request run uses the pull
    request's own workflow file: what pull-request code runs with is pr-ephemeral; the reaper's jobs run on
    the default branch (schedule, or a dispatch on it), never in a pull_request_target job, whose environment
    GitHub checks against the pull request's head branch."""
    pull_request = _load(ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]
    assert pull_request["ephemeral"]["environment"] == "pr-ephemeral"
    teardown = _load(ROOT / ".github" / "workflows" / "teardown.yml")
    assert set(teardown["on"]) == {"pull_request_target", "workflow_dispatch", "schedule"}
    request = teardown["jobs"]["request"]
    assert "pull_request_target" in request["if"] and "environment" not in request
    assert request["permissions"] == {"actions": "write"}
    assert not any("uses" in step for step in request["steps"])  # no checkout, no credentials
    dispatch = request["steps"][0]
    assert "gh workflow run teardown.yml" in dispatch["run"] and '--ref "$DEFAULT_BRANCH"' in dispatch["run"]
    assert "${{" not in dispatch["run"]
    job = teardown["jobs"]["pull-request"]
    assert job["environment"] == "reaper" and "workflow_dispatch" in job["if"]
    assert "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)" in job["if"]
    check = job["steps"][0]["run"]
    assert "^[1-9][0-9]{0,8}$" in check and "exit 2" in check
    assert teardown["jobs"]["expired"]["environment"] == "reaper"
    for path in WORKFLOWS:
        for name, other in _load(path)["jobs"].items():
            if other.get("permissions", {}).get("actions") == "write":
                assert (path.name, name) == ("teardown.yml", "request"), f"{path.name} {name}: actions: write"


def test_the_number_check_of_the_dispatched_teardown_refuses_what_is_not_a_number(tmp_path: Path) -> None:
    check = _load(ROOT / ".github" / "workflows" / "teardown.yml")["jobs"]["pull-request"]["steps"][0]["run"]
    script = tmp_path / "check.sh"
    script.write_text(check)
    for number, code in (("12", 0), ("0", 2), ("12; rm -rf /", 2), ("$(id)", 2), ("", 2), ("1234567890", 2)):
        proc = subprocess.run(
            ["bash", str(script)], env={"NUMBER": number, "PATH": "/usr/bin:/bin"}, capture_output=True, timeout=10
        )
        assert proc.returncode == code, number


@pytest.mark.parametrize(("workflow", "job"), [("pull-request.yml", "preview"), ("drift.yml", "drift")])
def test_previews_take_a_read_only_team_token_where_the_edition_has_them(workflow: str, job: str) -> None:
    steps = _load(ROOT / ".github" / "workflows" / workflow)["jobs"][job]["steps"]
    auth = next(s for s in steps if "pulumi/auth-actions" in s.get("uses", ""))["with"]
    assert "vars.PULUMI_PREVIEW_TEAM" in auth["requested-token-type"]
    assert "urn:pulumi:token-type:access_token:team" in auth["requested-token-type"]
    assert "format('team:{0}', vars.PULUMI_PREVIEW_TEAM)" in auth["scope"]


def test_pull_request_code_and_the_reaper_hold_no_pulumi_cloud_token() -> None:
    """An organization token is admin of the whole Pulumi organization (the only permission Pulumi issues for
    one): the pr-ephemeral and reaper jobs use the S3 backend of the pr-* stacks instead (docs/ci.md)."""
    jobs = [
        yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())["jobs"]["ephemeral"],
        *(
            yaml.safe_load((ROOT / ".github" / "workflows" / "teardown.yml").read_text())["jobs"][j]
            for j in ("pull-request", "expired")
        ),
    ]
    for job in jobs:
        assert job["environment"] in ("pr-ephemeral", "reaper")
        assert not [s for s in job["steps"] if "pulumi/auth-actions" in s.get("uses", "")]
        for step in job["steps"]:
            backend = (step.get("env") or {}).get("PULUMI_BACKEND_URL")
            if backend is not None:
                assert backend.startswith("s3://${{ vars.PR_STATE_BUCKET }}")
