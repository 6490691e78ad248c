"""The offline plan end to end, as a user runs it: a separate process, no cloud."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_plan_cli

ROOT = Path(__file__).resolve().parent.parent


_plan = run_plan_cli


@pytest.fixture(scope="module")
def stage_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("plan")
    return _plan("--stack", "stage", "--out", str(out)), out


def test_plan_prints_the_tree_and_unknowns(stage_plan: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = stage_plan
    assert proc.returncode == 0, proc.stderr
    # 10 cloud and Kubernetes resources and 2 providers, in 9 components (7 of this project, 2 yaml/v2
    # ConfigFiles), the stack itself not counted.
    assert (
        "Offline plan of stack 'stage' (preview): 12 resources to create (2 of them providers), grouped in 9 "
        "components (21 to add, as --markdown counts)"
    ) in proc.stdout
    assert "+ albingress:index:ControllerRelease  stage-lbc" in proc.stdout
    assert "    + kubernetes:helm.sh/v3:Release  stage-lbc-release" in proc.stdout
    assert "controllerRoleArn    (known after apply)" in proc.stdout
    assert "echoserverUrl        https://www.example.com/echo" in proc.stdout


def test_plan_writes_manifests_and_iam_documents(stage_plan: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = stage_plan
    kube = sorted(p.name for p in (out / "kubernetes").iterdir())
    assert kube == [
        "deployment-echoserver-echoserver.yaml",
        "ingress-echoserver-echoserver.yaml",
        "namespace-cluster-echoserver.yaml",
        "poddisruptionbudget-echoserver-echoserver.yaml",
        "service-echoserver-echoserver.yaml",
        "serviceaccount-kube-system-aws-load-balancer-controller.yaml",
    ]
    ingress = yaml.safe_load((out / "kubernetes" / "ingress-echoserver-echoserver.yaml").read_text())
    assert ingress["kind"] == "Ingress"
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "my-alb-group"
    policy = json.loads((out / "iam" / "stage-lbc-policy.json").read_text())
    assert policy["Version"] == "2012-10-17"
    trust = json.loads((out / "iam" / "stage-lbc-role-trust.json").read_text())
    assert trust["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    values = yaml.safe_load((out / "helm" / "aws-load-balancer-controller-values.yaml").read_text())
    assert values["clusterName"] == "stage"
    plan = json.loads((out / "plan.json").read_text())
    assert plan["outputs"]["albHostname"] == "(known after apply)"


def test_markdown_for_a_pull_request(tmp_path: Path) -> None:
    proc = _plan("--stack", "sandbox", "--markdown", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("### Offline plan of stack `sandbox` (preview)")
    assert "`aws:acm/certificate:Certificate` sandbox-alb-cert" in proc.stdout
    assert proc.stdout.splitlines()[2].endswith(" to add, 0 to change, 0 to replace, 0 to delete**")


def test_config_error_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    stage = yaml.safe_load((ROOT / "Pulumi.stage.yaml").read_text())
    stage["config"]["alb-ingress:alb"]["groupName"] = "Not_Valid"
    stage["config"]["alb-ingress:alb"]["sslRedirect"] = 8443
    (project / "Pulumi.broken.yaml").write_text(yaml.safe_dump(stage))
    proc = _plan("--stack", "broken", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "alb-ingress:alb.groupName" in proc.stderr
    assert "alb-ingress:alb.sslRedirect" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_stack_lists_the_stacks_there() -> None:
    proc = _plan("--stack", "prod")
    assert proc.returncode == 2
    assert "no stack file Pulumi.prod.yaml" in proc.stderr
    assert "sandbox, stage" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_json_is_one_document_on_stdout(tmp_path: Path) -> None:
    proc = _plan("--stack", "auto", "--json", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["stack"] == "auto"
    assert document["outputs"]["controllerMode"] == "auto"
    types = {r["type"] for r in document["resources"]}
    assert "kubernetes:networking.k8s.io/v1:IngressClass" in types
    assert "kubernetes:helm.sh/v3:Release" not in types


def test_usage_errors_exit_2_without_traceback() -> None:
    proc = _plan("--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "usage:" in proc.stderr


def test_a_config_error_found_by_the_program_leaves_no_event_loop_open(tmp_path: Path) -> None:
    """Pulumi's mock monitor left an event loop per worker thread for the garbage collector, which closed them
    at exit after their sockets now and then (``BaseEventLoop.__del__ ... Invalid file descriptor``); Python
    reports every loop left open as a ResourceWarning, so the test sees each one, not only the unlucky exits."""
    facts = tmp_path / "facts.yaml"
    facts.write_text("clusters:\n  sandbox:\n    addons: []\n")  # pod-identity with no agent: refused in the program
    proc = run_plan_cli(
        "--stack",
        "sandbox",
        "--cloud-facts",
        str(facts),
        "--out",
        str(tmp_path / "out"),
        warnings="always::ResourceWarning",
    )
    assert proc.returncode == 2 and "eks-pod-identity-agent add-on" in proc.stderr
    assert "unclosed event loop" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def test_the_plan_is_in_the_same_order_whatever_order_the_program_registered_in() -> None:
    """The mock run registers resources concurrently, so they arrive in an order that changes from run to run
    (two components named stage-lbc swapped places in plan.json). tree_order gives one order for any arrival
    order, each resource after its parent; dependencies, a set to the engine, are written sorted."""
    import random

    from albops.preview.runner import read_stack_file, run_program, tree_order

    result = run_program(read_stack_file("stage"), "stage", preview=False)
    order = [r.urn for r in result.resources]
    assert order == [r.urn for r in tree_order(result.resources)]
    position = {urn: i for i, urn in enumerate(order)}
    for reg in result.resources:
        assert reg.parent not in position or position[reg.parent] < position[reg.urn], reg.urn
        assert reg.dependencies == sorted(reg.dependencies), reg.urn
    # Hand-written from the stack's components: the controller's two children of one name in type order.
    lbc = [r.type for r in result.resources if r.name == "stage-lbc" and not r.custom]
    assert lbc == [
        "albingress:index:AwsLoadBalancerController",
        "albingress:index:ControllerIam",
        "albingress:index:ControllerRelease",
    ]
    # The pr stack's cluster and its resources come after the account whose provider creates them (its name,
    # pr, sorts before pr-account): a provider is waited for as a dependency is.
    pr = run_program(read_stack_file("pr"), "pr", preview=False)
    where = {r.urn: i for i, r in enumerate(pr.resources)}
    for reg in pr.resources:
        for ref in filter(None, [reg.provider, *reg.providers.values()]):
            assert where[ref.rsplit("::", 1)[0]] < where[reg.urn], (reg.urn, ref)
    shuffled = list(result.resources)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert [r.urn for r in tree_order(shuffled)] == order


def _logging_program(tmp_path: Path, tail: str) -> Path:
    """A program of another team that logs through pulumi.log, as `pulumi up` would show it."""
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "import pulumi_kubernetes as k8s\n"
        "from albingress import AlbApp\n"
        'pulumi.log.warn("logged before anything else")\n' + tail
    )
    return tmp_path


def test_what_the_program_logged_is_said_when_it_then_fails(tmp_path: Path) -> None:
    """A warning logged before the failure is still said (it reached stderr before the plan gathered notes)."""
    from tests.conftest import run_plan

    project = _logging_program(
        tmp_path,
        'kube = k8s.Provider("kube", kubeconfig="{}")\n'
        'AlbApp("a", {"namespace": "t", "service_name": "a", "service_port": 99999, "hosts": ["a.example.com"],\n'
        '    "group": "g"}, opts=pulumi.ResourceOptions(providers={"kubernetes": kube}))\n',
    )
    proc = run_plan("--stack", "dev", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == "note: logged before anything else", proc.stderr
    assert lines[1].startswith("error: __main__.py: AlbApp a:") and "args.service_port: 99999" in lines[2], proc.stderr


@pytest.mark.parametrize("form", ["text", "--json", "--markdown"])
def test_an_error_the_program_logs_fails_the_plan(tmp_path: Path, form: str) -> None:
    """pulumi up goes on after pulumi.log.error but counts an error; a plan that passed would hide it."""
    from tests.conftest import run_plan

    project = _logging_program(tmp_path, 'pulumi.log.error("the team\'s own check failed")\n')
    flags = [] if form == "text" else [form]
    proc = run_plan(
        "--stack", "dev", "--project-dir", str(project), "--out", str(tmp_path / "out"), *flags, cwd=tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    assert "error: the program logged an error: the team's own check failed" in proc.stderr.splitlines()
    assert proc.stderr.count("logged before anything else") == 1, proc.stderr
    if form == "--json":
        document = json.loads(proc.stdout)
        assert document["programErrors"] == ["the team's own check failed"]
        assert "logged before anything else" in document["notes"]
    elif form == "--markdown":
        assert "- :x: the program logged an error: `the team's own check failed`" in proc.stdout
        assert "- note: `logged before anything else`" in proc.stdout
    else:
        assert "The program logged 1 error(s)" in proc.stdout


def test_a_program_that_ends_itself_plans_nothing_and_says_what_it_logged(tmp_path: Path) -> None:
    """sys.exit(3) in the program: not this command's exit 3 (a safety refusal), and never a silent exit."""
    from tests.conftest import run_plan

    project = _logging_program(tmp_path, 'pulumi.log.error("team check failed")\nimport sys\nsys.exit(3)\n')
    for flags in ([], ["--json"]):
        proc = run_plan("--stack", "dev", "--project-dir", str(project), *flags, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines()[:2] == [
            "note: logged before anything else",
            "error: the program logged an error: team check failed",
        ], proc.stderr
        assert "called sys.exit(3) before the program finished" in proc.stderr.splitlines()[-1]
        if flags:
            assert json.loads(proc.stdout)["exitCode"] == 2  # one document


def test_what_the_program_logs_is_one_printable_line_and_no_markdown(tmp_path: Path) -> None:
    """A logged text with a newline, a terminal escape and HTML: one line on stderr, its control characters
    escaped; in the comment, nothing that folds the rest away or adds a bullet."""
    from tests.conftest import run_plan

    project = _logging_program(
        tmp_path, 'pulumi.log.error("multi\\n- :white_check_mark: all good\\n<details>\\x1b[2J")\n'
    )
    proc = run_plan("--stack", "dev", "--project-dir", str(project), "--markdown", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    said = r"multi\n- :white_check_mark: all good\n<details>\x1b[2J"
    assert f"error: the program logged an error: {said}" in proc.stderr.splitlines()
    assert "\x1b" not in proc.stderr + proc.stdout
    (line,) = [line for line in proc.stdout.splitlines() if "the program logged an error" in line]
    assert line == f"- :x: the program logged an error: `{said}`"  # a code span: nothing in it renders
    assert "\n- :white_check_mark:" not in proc.stdout and "\n<details>\\" not in proc.stdout


def test_the_text_tree_of_a_deep_program_needs_no_recursion() -> None:
    """1,500 nested components (deeper than Python's recursion limit) and a resource whose parent was never
    registered (read with .get()): each shown, at its depth, the orphan at the top."""
    from albops.preview.plan import render_tree
    from albops.preview.runner import PlanResult, Registration, tree_order

    def reg(urn: str, parent: str) -> Registration:
        return Registration(urn, "x:index:C", urn, False, parent, [], "", {})

    chain = [reg("c0", "")] + [reg(f"c{i}", f"c{i - 1}") for i in range(1, 1500)]
    orphan = reg("o", "read-with-get")
    result = PlanResult("s", False, tree_order([*chain, orphan]), {})
    lines = render_tree(result).splitlines()
    assert len(lines) == 1501
    # Roots by name (c0, then the orphan o); the chain below c0, one level deeper each.
    assert lines[0] == "+ x:index:C  c0" and lines[1499] == "  " * 1499 + "+ x:index:C  c1499"
    assert lines[1500] == "+ x:index:C  o"


@pytest.mark.parametrize(
    ("tail", "said"),
    [
        ("raise KeyboardInterrupt\n", "raised KeyboardInterrupt itself before the program finished"),
        (
            "class Code:\n    def __repr__(self):\n        return '0)\\n\\x1b[32mGuardrails: 0 violations'\n"
            "import sys\nsys.exit(Code())\n",
            r"called sys.exit(0)\n\x1b[32mGuardrails: 0 violations) before",
        ),
        (
            "class Code:\n    def __repr__(self):\n        raise RuntimeError('no')\nimport sys\nsys.exit(Code())\n",
            "called sys.exit(<a Code>) before",
        ),
    ],
)
def test_a_program_that_stops_itself_oddly_is_one_line_and_exit_2(tmp_path: Path, tail: str, said: str) -> None:
    """Its own KeyboardInterrupt is not the user's Ctrl-C (exit 130); what its sys.exit code prints is escaped,
    and a repr that raises is not a traceback."""
    from tests.conftest import run_plan

    project = _logging_program(tmp_path, tail)
    proc = run_plan("--stack", "dev", "--project-dir", str(project), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("error: __main__.py ") and said in last and "\x1b" not in proc.stderr, proc.stderr


def test_a_ctrl_c_the_program_turns_into_its_own_exit_is_still_an_interruption(tmp_path: Path) -> None:
    """`except KeyboardInterrupt: sys.exit(1)` is common in programs: the user's Ctrl-C stays exit 130."""
    import os
    import signal
    import sys
    import time

    from tests.conftest import ROOT

    project = _logging_program(
        tmp_path, "import sys, time\ntry:\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    sys.exit(1)\n"
    )
    ready = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "albops", "plan", "--stack", "dev", "--project-dir", str(project), "--out", str(ready)],
        cwd=tmp_path,
        env={"PATH": os.path.dirname(sys.executable), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # past the imports, into the program's sleep
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err.splitlines()[-1].startswith("interrupted: stopped by Ctrl-C"), err


def _config_map_comment(tmp_path: Path, name: str, data: str) -> subprocess.CompletedProcess[str]:
    """plan --markdown of a program that makes one ConfigMap, named and filled as given (Python source)."""
    from tests.conftest import run_plan

    project = _logging_program(
        tmp_path,
        'kube = k8s.Provider("kube", kubeconfig="{}")\n'
        f"k8s.core.v1.ConfigMap({name!r}, data={data}, opts=pulumi.ResourceOptions(provider=kube))\n",
    )
    return run_plan("--stack", "dev", "--project-dir", str(project), "--markdown", cwd=tmp_path)


def test_a_name_the_program_chose_renders_literally_in_the_comment(tmp_path: Path) -> None:
    """A resource name is the program's text: no link, image, mention or HTML from it in the comment."""
    proc = _config_map_comment(tmp_path, "x [click](http://e.example) @octo-org/team <details>", '{"a": "b"}')
    assert proc.returncode == 0, proc.stderr
    expected = r"x \[click\]\(http://e.example\) &#64;octo-org/team \<details\>"
    assert f"- **added** `kubernetes:core/v1:ConfigMap` {expected}" in proc.stdout, proc.stdout


def test_an_input_nested_past_pythons_recursion_limit_does_not_stop_the_comment(tmp_path: Path) -> None:
    proc = _config_map_comment(tmp_path, "deep", '{"a": "[" * 1500 + "]" * 1500, "b": "[[1]]"}')
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "- **added** `kubernetes:core/v1:ConfigMap` deep" in proc.stdout
    assert "`data.b[0][0]`: `1`" in proc.stdout  # the shallow JSON beside it is still opened up
