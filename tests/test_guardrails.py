"""The guardrail rules: each passes on the shipped stack and fails on one targeted mistake; and the front-ends."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)

from albingress.policies.crossguard import policies
from albingress.policies.guardrails import RULES, evaluate
from albingress.policies.review import INGRESS, Context, Resource
from albops.__main__ import main
from albops.preview.runner import PlanResult
from tests.conftest import run_plan_cli

ROOT = Path(__file__).resolve().parent.parent
ANN = "alb.ingress.kubernetes.io/"


def _resources(result: PlanResult) -> list[Resource]:
    return [Resource(r.type, r.name, copy.deepcopy(r.inputs)) for r in result.resources]


def _find(resources: list[Resource], type_token: str) -> Resource:
    (found,) = [r for r in resources if r.type == type_token]
    return found


def _ingress(resources: list[Resource]) -> dict[str, Any]:
    return dict(_find(resources, INGRESS).props)


def _set_annotation(key: str, value: str | None) -> Callable[[list[Resource]], None]:
    def mutate(resources: list[Resource]) -> None:
        annotations = _ingress(resources)["metadata"]["annotations"]
        if value is None:
            annotations.pop(ANN + key, None)
        else:
            annotations[ANN + key] = value

    return mutate


def _second_ingress(**annotations: str) -> Callable[[list[Resource]], None]:
    def mutate(resources: list[Resource]) -> None:
        other = copy.deepcopy(_ingress(resources))
        other["metadata"]["name"] = "other"
        other["metadata"]["annotations"].update({ANN + k.replace("_", "-"): v for k, v in annotations.items()})
        for rule in other["spec"]["rules"]:  # its own host: two Ingresses on one route is group-routes' finding
            rule["host"] = "other.example.com"
        resources.append(Resource(INGRESS, "other", other))

    return mutate


def _claimed_route(resources: list[Resource]) -> None:
    """A second Ingress of the group claims the echoserver's host and its Prefix path, with a trailing '/'."""
    other = copy.deepcopy(_ingress(resources))
    other["metadata"]["name"] = "other"
    for path in other["spec"]["rules"][0]["http"]["paths"]:
        path["path"] = path["path"] + "/" if path["pathType"] == "Prefix" and path["path"] != "/" else path["path"]
    resources.append(Resource(INGRESS, "other", other))


def _many_paths(resources: list[Resource]) -> None:
    spec = _ingress(resources)["spec"]
    spec["rules"][0]["http"]["paths"] = [
        {"path": f"/p{i}", "pathType": "Prefix", "backend": {"service": {"name": "echoserver", "port": {"number": 80}}}}
        for i in range(101)
    ]


def _container(resources: list[Resource]) -> dict[str, Any]:
    deployment = _find(resources, "kubernetes:apps/v1:Deployment")
    container: dict[str, Any] = deployment.props["spec"]["template"]["spec"]["containers"][0]
    return container


def _trust(change: Callable[[dict[str, Any]], None]) -> Callable[[list[Resource]], None]:
    def mutate(resources: list[Resource]) -> None:
        role = _find(resources, "aws:iam/role:Role")
        document = json.loads(role.props["assumeRolePolicy"])
        change(document["Statement"][0])
        role.props["assumeRolePolicy"] = json.dumps(document)  # type: ignore[index]

    return mutate


def _wildcard(resources: list[Resource]) -> None:
    policy = _find(resources, "aws:iam/policy:Policy")
    document = json.loads(policy.props["policy"])
    document["Statement"][0]["Action"] = ["elasticloadbalancing:*"]
    policy.props["policy"] = json.dumps(document)  # type: ignore[index]


def _escalate(resources: list[Resource]) -> None:
    policy = _find(resources, "aws:iam/policy:Policy")
    document = json.loads(policy.props["policy"])
    document["Statement"].append({"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"})
    policy.props["policy"] = json.dumps(document)  # type: ignore[index]


def _any_subject(statement: dict[str, Any]) -> None:
    """StringLike with '*' for the subject: a condition that is there and matches every service account."""
    equals = statement["Condition"].pop("StringEquals")
    sub = next(k for k in equals if k.endswith(":sub"))
    statement["Condition"]["StringLike"] = {sub: "*"}
    statement["Condition"]["StringEquals"] = {k: v for k, v in equals.items() if k != sub}


def _chart(version: str) -> Callable[[list[Resource]], None]:
    def mutate(resources: list[Resource]) -> None:
        _find(resources, "kubernetes:helm.sh/v3:Release").props["version"] = version  # type: ignore[index]

    return mutate


FAILING: dict[str, tuple[Callable[[list[Resource]], None], str]] = {
    "alb-target-type-ip": (_set_annotation("target-type", "instance"), "targets nodes (target-type instance"),
    "alb-group": (_set_annotation("group.name", None), "not in an IngressGroup"),
    "alb-scheme": (_set_annotation("scheme", "internet-facing "), "neither 'internal' nor 'internet-facing' exactly"),
    "alb-https": (_set_annotation("listen-ports", '[{"HTTP":80}]'), "without an HTTPS listener"),
    "alb-ssl-redirect": (_set_annotation("ssl-redirect", None), "instead of redirecting"),
    "alb-tls-policy": (_set_annotation("ssl-policy", None), "ELBSecurityPolicy-2016-08, which allows TLS 1.0"),
    "alb-health-check": (_set_annotation("healthcheck-timeout-seconds", "15"), "is not below its interval 15 s"),
    "group-consistent": (_second_ingress(scheme="internal"), "disagree on scheme"),
    "group-routes": (_claimed_route, "Ingress echoserver/echoserver and Ingress echoserver/other both route"),
    # 101 paths on the HTTPS listener only: the HTTP one redirects and carries no rules.
    "group-quota": (_many_paths, "needs 101 rules (quota 100)"),
    "role-trust-scoped": (_trust(_any_subject), "without conditions pinning :sub"),
    "no-wildcard-actions": (_wildcard, "allows elasticloadbalancing:*"),
    "iam-escalation": (_escalate, "grants iam:PassRole (on *) with ec2:RunInstances"),
    "chart-pinned": (_chart("^3.5"), "is not pinned"),
    "pods-drain": (lambda rs: _container(rs).pop("readinessProbe"), "no readiness probe"),
}


# Mistakes the controller answers in two ways: HTTP only leaves ssl-redirect '443' naming no HTTPS listener, which
# stops the group (pkg/ingress/model_builder.go, buildSSLRedirectConfig).
ALSO: dict[str, set[str]] = {"alb-https": {"alb-ssl-redirect"}}


def test_every_rule_has_a_failing_case_here() -> None:
    assert set(FAILING) | {"production-protection"} == {r.id for r in RULES}


def test_the_shipped_stacks_pass_every_rule(stage_apply: PlanResult, sandbox_apply: PlanResult) -> None:
    for result in (stage_apply, sandbox_apply):
        assert evaluate(_resources(result)) == []


@pytest.mark.parametrize("rule_id", sorted(FAILING))
def test_each_rule_fails_on_its_mistake(stage_apply: PlanResult, rule_id: str) -> None:
    resources = _resources(stage_apply)
    mutate, fragment = FAILING[rule_id]
    mutate(resources)
    violations = evaluate(resources)
    assert {v.rule for v in violations} == {rule_id} | ALSO.get(rule_id, set()), violations
    assert any(fragment in v.message for v in violations), violations


def test_pods_drain_catches_a_short_prestop_and_a_short_grace(stage_apply: PlanResult) -> None:
    resources = _resources(stage_apply)
    _container(resources)["lifecycle"]["preStop"]["sleep"]["seconds"] = 5
    assert "deregistration delay (60 s)" in evaluate(resources)[0].message
    resources = _resources(stage_apply)
    deployment = _find(resources, "kubernetes:apps/v1:Deployment")
    deployment.props["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 70
    assert "not longer than the preStop sleep 70" in evaluate(resources)[0].message


def test_production_needs_deletion_protection_and_access_logs(stage_apply: PlanResult) -> None:
    resources = _resources(stage_apply)
    production = Context(environment="production")
    messages = [v.message for v in evaluate(resources, production)]
    assert len(messages) == 2 and "deletion protection" in messages[0] and "access logs" in messages[1]
    _set_annotation(
        "load-balancer-attributes",
        "idle_timeout.timeout_seconds=3600,deletion_protection.enabled=true,access_logs.s3.enabled=true,"
        "access_logs.s3.bucket=logs",
    )(resources)
    assert evaluate(resources, production) == []


def test_auto_mode_settings_come_from_the_ingress_class_params(run_stack: Any) -> None:
    result = run_stack("auto")
    resources = _resources(result)
    assert evaluate(resources) == []
    params = next(r for r in resources if r.type.endswith(":IngressClassParams"))
    params.props["spec"]["sslPolicy"] = "ELBSecurityPolicy-2016-08"
    assert [v.rule for v in evaluate(resources)] == ["alb-tls-policy"]


# -- the CrossGuard pack -------------------------------------------------------------


def test_the_pack_has_one_mandatory_policy_per_rule() -> None:
    built = policies()
    assert [p.name for p in built] == [r.id for r in RULES]
    assert {str(p.enforcement_level) for p in built} == {"EnforcementLevel.MANDATORY"}


def test_pack_policies_report_through_validate(stage_apply: PlanResult) -> None:
    def policy_resource(r: Resource) -> PolicyResource:
        timeouts = PolicyCustomTimeouts(0, 0, 0)
        opts = PolicyResourceOptions(
            protect=False,
            ignore_changes=[],
            delete_before_replace=None,
            aliases=[],
            custom_timeouts=timeouts,
            additional_secret_outputs=[],
        )
        return PolicyResource(r.type, r.props, f"urn:{r.name}", r.name, opts, None, None, [], {})

    resources = _resources(stage_apply)
    _set_annotation("target-type", "instance")(resources)
    args = StackValidationArgs([policy_resource(r) for r in resources])
    reported: dict[str, list[str]] = {}
    for policy in policies():
        assert isinstance(policy, StackValidationPolicy)
        messages: list[str] = []

        def report(message: str, urn: str | None = None, sink: list[str] = messages) -> None:
            sink.append(message)

        policy.validate(args, report)
        reported[policy.name] = messages
    assert [name for name, messages in reported.items() if messages] == ["alb-target-type-ip"]


# -- albops check ----------------------------------------------------------------------


def _write_manifests(folder: Path, stage_apply: PlanResult) -> None:
    from albops.preview.plan import kubernetes_manifests

    manifests = kubernetes_manifests(stage_apply)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "all.yaml").write_text(yaml.safe_dump_all(manifests[:3]))
    (folder / "list.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": manifests[3:]}))
    policy = json.loads(stage_apply.one("aws:iam/policy:Policy").inputs["policy"])
    (folder / "policy.json").write_text(json.dumps(policy))
    trust = json.loads(stage_apply.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    (folder / "nested").mkdir(exist_ok=True)
    (folder / "nested" / "trust.json").write_text(json.dumps(trust))


def test_check_reads_directories_documents_lists_and_iam(
    stage_apply: PlanResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_manifests(tmp_path / "in", stage_apply)
    assert main(["check", str(tmp_path / "in")]) == 0
    assert "8 objects checked, 0 violations" in capsys.readouterr().out
    ingress_file = tmp_path / "in" / "list.yaml"
    document = yaml.safe_load(ingress_file.read_text())
    ingress = next(i for i in document["items"] if i["kind"] == "Ingress")
    ingress["metadata"]["annotations"].pop(ANN + "ssl-policy")
    ingress_file.write_text(yaml.safe_dump(document))
    assert main(["check", str(tmp_path / "in"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in report["violations"]] == ["alb-tls-policy"]
    # A folder of several files: the finding says which file and document the Ingress is in.
    assert report["violations"][0]["resource"] == f"Ingress echoserver/echoserver ({ingress_file} document 1)"


def test_check_other_ingress_classes(
    stage_apply: PlanResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from albops.preview.plan import kubernetes_manifests

    ingress = next(m for m in kubernetes_manifests(stage_apply) if m["kind"] == "Ingress")
    ingress["spec"]["ingressClassName"] = "alb-internal"
    ingress["metadata"]["annotations"][ANN + "target-type"] = "instance"
    (tmp_path / "ing.yaml").write_text(yaml.safe_dump(ingress))
    assert main(["check", str(tmp_path / "ing.yaml")]) == 0  # not an ALB class here
    assert main(["check", str(tmp_path / "ing.yaml"), "--ingress-class", "alb-internal"]) == 1
    assert "[alb-target-type-ip]" in capsys.readouterr().out


SHARED_CLASS_INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "team-a"},
    "spec": {
        "ingressClassName": "shared-alb",
        "rules": [
            {
                "host": "web.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    },
}


def _facts(tmp_path: Path, classes: dict[str, Any], clusters: tuple[str, ...] = ("stage",)) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump({"clusters": {name: {"ingressClasses": classes} for name in clusters}}))
    return path


def test_check_takes_the_clusters_ingress_classes_and_their_params_from_the_cloud_facts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An Ingress of a class another team installed: unchecked without facts (and said so), checked with them,
    with the class's IngressClassParams winning over the Ingress's annotations as in the controller."""
    manifest = tmp_path / "ing.yaml"
    manifest.write_text(yaml.safe_dump(SHARED_CLASS_INGRESS))
    assert main(["check", str(manifest)]) == 0
    out = capsys.readouterr().out
    assert "note: 1 Ingress(es) of class shared-alb not checked as ALB Ingresses" in out and "--cloud-facts" in out

    open_params = {"controller": "ingress.k8s.aws/alb", "params": {"scheme": "internet-facing"}}
    facts = _facts(tmp_path, {"shared-alb": open_params, "nginx": {"controller": "k8s.io/ingress-nginx"}})
    assert main(["check", str(manifest), "--cloud-facts", str(facts), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {v["rule"] for v in report["violations"]} == {
        "alb-target-type-ip",
        "alb-group",
        "alb-https",
        "alb-ssl-redirect",
    }
    assert report["unclassified"] == [] and "cluster stage" in report["cloudFacts"]

    internal = {"scheme": "internal", "group": {"name": "team-a"}, "targetType": "ip"}
    facts = _facts(tmp_path, {"shared-alb": {"controller": "ingress.k8s.aws/alb", "params": internal}})
    assert main(["check", str(manifest), "--cloud-facts", str(facts)]) == 0
    out = capsys.readouterr().out
    assert "1 objects checked, 0 violations" in out and "note:" not in out


def test_with_cloud_facts_alb_is_not_assumed_to_be_an_alb_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a cluster whose facts say 'alb' is another controller's class, its Ingresses are not ALB Ingresses."""
    ingress = copy.deepcopy(SHARED_CLASS_INGRESS)
    ingress["spec"]["ingressClassName"] = "alb"
    (tmp_path / "ing.yaml").write_text(yaml.safe_dump(ingress))
    facts = _facts(tmp_path, {"alb": {"controller": "example.com/other"}})
    assert main(["check", str(tmp_path / "ing.yaml"), "--cloud-facts", str(facts)]) == 0
    assert "0 violations" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "ing.yaml")]) == 1  # without them, 'alb' is taken to be the ALB class
    capsys.readouterr()


@pytest.mark.parametrize(
    ("classes", "clusters", "extra", "fragment"),
    [
        (
            {"shared-alb": {"controller": "ingress.k8s.aws/alb"}},
            ("a", "b"),
            [],
            "describes clusters a, b: name one with --cluster",
        ),
        ({"shared-alb": {"controller": "ingress.k8s.aws/alb"}}, ("a",), ["--cluster", "b"], "--cluster b: not in"),
        ({"Shared": {"controller": "ingress.k8s.aws/alb"}}, ("a",), [], "'Shared' is not an IngressClass name"),
        (
            {"shared-alb": {"params": {}}},
            ("a",),
            [],
            "ingressClasses.shared-alb.controller: name the class's controller",
        ),
        (
            {"shared-alb": {"controller": "ingress.k8s.aws/alb", "params": {"schema": "internal"}}},
            ("a",),
            [],
            "params.schema: not an IngressClassParams field",
        ),
        ({"shared-alb": "ingress.k8s.aws/alb"}, ("a",), [], "write {controller: ingress.k8s.aws/alb}"),
        # A key with a newline is named on one line, quoted, not split across two.
        ({"alb\n": {"controller": "ingress.k8s.aws/alb"}}, ("a",), [], "ingressClasses['alb\\n']: 'alb\\n' is not"),
    ],
)
def test_check_refuses_facts_it_cannot_use_naming_the_key(
    classes: dict[str, Any],
    clusters: tuple[str, ...],
    extra: list[str],
    fragment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "ing.yaml").write_text(yaml.safe_dump(SHARED_CLASS_INGRESS))
    facts = _facts(tmp_path, classes, clusters)
    assert main(["check", str(tmp_path / "ing.yaml"), "--cloud-facts", str(facts), *extra]) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err and "Traceback" not in captured.err and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_check_refuses_a_cluster_without_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ing.yaml").write_text(yaml.safe_dump(SHARED_CLASS_INGRESS))
    assert main(["check", str(tmp_path / "ing.yaml"), "--cluster", "stage"]) == 2
    assert "give the facts file too" in capsys.readouterr().err


def test_the_class_params_fields_are_the_crds() -> None:
    """The facts' params take exactly the IngressClassParams spec fields of the controller's v3.5.0 CRD."""
    from albops.preview.cloud_facts import CLASS_PARAMS_FIELDS

    crds = ROOT.parent / "shared" / "crds" / "aws-load-balancer-controller-v3.5.0-crds.yaml"
    if not crds.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{crds} is missing: CI must have the shared CRDs beside the checkout")
        pytest.skip(f"{crds} is not here (shared test data); the field list is checked where it is")
    for document in yaml.safe_load_all(crds.read_text()):
        if document and document["spec"]["names"]["kind"] == "IngressClassParams":
            (version,) = document["spec"]["versions"]
            assert set(version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]) == CLASS_PARAMS_FIELDS


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"a: [b\n", "line 2: not valid YAML"), (b"\xff\xfe", "not UTF-8"), (None, "no such file")],
)
def test_check_names_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_bytes(content)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and fragment in err and "Traceback" not in err


def test_check_lists_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(rule.id in out for rule in RULES)


# -- the offline plan ----------------------------------------------------------------


def test_the_plan_exits_1_when_a_program_breaks_a_rule(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "Pulumi.stage.yaml").write_text((ROOT / "Pulumi.stage.yaml").read_text())
    # A team extends the program with an Ingress of its own that targets nodes.
    program = (ROOT / "__main__.py").read_text() + (
        "\nimport pulumi_kubernetes as k8s\n"
        "k8s.networking.v1.Ingress('team', metadata={'name': 'team', 'namespace': 'echoserver', 'annotations': "
        "{'alb.ingress.kubernetes.io/group.name': 'team'}}, spec={'ingressClassName': 'alb', 'rules': []}, "
        "opts=pulumi.ResourceOptions(provider=cluster.provider))\n"
    )
    (project / "__main__.py").write_text(program)
    # A real process: the guardrail's exit 1 as a pipeline sees it (the other plan tests of it run in-process).
    proc = run_plan_cli("--stack", "stage", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "[alb-target-type-ip] Ingress echoserver/team" in proc.stdout
    assert "Guardrails: 1 violations" in proc.stdout


def test_the_pack_entry_point_builds_the_pack_from_this_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    import pulumi_policy

    built: dict[str, Any] = {}
    # The real PolicyPack starts a gRPC server and never returns; record what the entry point hands it.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs))
    runpy.run_path(str(ROOT / "policies" / "guardrails_pack" / "__main__.py"), run_name="__main__")
    assert built["name"] == "alb-ingress-guardrails"
    assert [p.name for p in built["policies"]] == [r.id for r in RULES]


def test_an_unreadable_document_says_why_and_where() -> None:
    """The parser's own reason and the fix, not only "not valid": a newcomer can then find the mistake."""
    from albops.manifests import UnreadableError, parse

    with pytest.raises(UnreadableError) as raised:
        parse('{"a": 1,,}', "in.json", as_json=True)
    assert str(raised.value) == (
        "in.json: line 1: not valid JSON (Expecting property name enclosed in double quotes); fix the syntax there"
    )
    with pytest.raises(UnreadableError) as raised:
        parse('{"n": ' + "9" * 5000 + "}", "big.json", as_json=True)
    assert "(a number of more than 4300 digits" in str(raised.value) and "set_int_max_str_digits" not in str(
        raised.value
    )
