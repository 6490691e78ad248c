"""The stack that is planned is the stack that will be deployed, and nothing weaker gets through.

One test (or one parametrised case) per input the safety review found accepted: config that
would be ignored, config AWS or the controller would reject at apply time, chart values that
undo the hardening, environments, tags, and the guardrail rules that missed broad IAM.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from albingress.components.model import ConfigError
from albingress.policies.guardrails import evaluate
from albingress.policies.review import Resource
from albingress.stack_settings import parse_settings
from albingress.stack_settings.aws_keys import HANDED, READ_BY_SETTINGS, REFUSED, provider_keys
from albops.__main__ import main
from albops.preview.cloud_facts import CloudFacts, ClusterFacts, FactsError, resolve_facts
from albops.preview.runner import read_stack_file, run_program
from albops.preview.stack_file import Encrypted, StackFileError, load_stack_file
from tests.conftest import StackRunner, stack_config, with_overrides

ROOT = Path(__file__).resolve().parent.parent
STAGE = stack_config("stage")
PR = stack_config("pr")
TODAY = dt.date(2026, 12, 1)


def _problems(config: dict[str, Any], stack: str | None = "stage", today: dt.date = TODAY) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(config, stack=stack, today=today)
    return {p.key: p.message for p in caught.value.problems}


def _with(**overrides: Any) -> dict[str, Any]:
    return with_overrides(STAGE, **overrides)


# -- 2. everything in a stack file takes effect or is refused -------------------------


def test_every_aws_provider_key_is_handed_over_or_refused() -> None:
    keys = set(provider_keys())
    assert {"region", "profile", "assumeRoles", "accessKey", "ignoreTags"} <= keys  # read from pulumi-aws itself
    classified = set(HANDED) | set(REFUSED) | set(READ_BY_SETTINGS)
    assert keys <= classified, f"classify these aws: keys in stack_settings/aws_keys.py: {sorted(keys - classified)}"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("aws:accessKey", "AKIAEXAMPLE", "credentials in the stack file"),
        ("aws:secretKey", "x", "credentials in the stack file"),
        ("aws:token", "x", "credentials in the stack file"),
        ("aws:skipCredentialsValidation", True, "account guard"),
        ("aws:skipRequestingAccountId", True, "account guard"),
        ("aws:insecure", True, "TLS certificate checks"),
        ("aws:ignoreTags", {"keys": ["alb-ingress/expires"]}, "ephemeral and stack tags"),
        ("aws:endpoints", [{"eks": "http://localhost"}], "other endpoints"),
        ("aws:allowedAccountIDs", ["111122223333"], "did you mean aws:allowedAccountIds?"),
        ("aws:profil", "stage", "did you mean aws:profile?"),
        ("aws:maxRetries", "many", "not a whole number"),
        ("aws:assumeRoles", [{"roleArn": "not-an-arn"}], "not an IAM role ARN"),
        ("aws:defaultTags", {"tags": {"alb-ingress/ephemeral": "true"}}, "reserved"),
        ("aws:defaultTags", {"tags": {"project": "x"}}, "set by the stack"),
    ],
)
def test_aws_keys_that_would_be_ignored_or_weaken_the_stack_are_refused(key: str, value: Any, fragment: str) -> None:
    problems = _problems({**STAGE, key: value})
    found = {k: m for k, m in problems.items() if k.startswith(key)}
    assert found, problems
    assert any(fragment in message for message in found.values()), found


def test_aws_keys_that_apply_reach_the_explicit_provider(run_stack: StackRunner) -> None:
    roles = [{"roleArn": "arn:aws:iam::111122223333:role/deploy", "sessionName": "pulumi"}]
    result = run_stack(
        **{
            "aws:profile": "stage-admin",
            "aws:assumeRoles": roles,
            "aws:defaultTags": {"tags": {"cost-centre": "42"}},
            "aws:maxRetries": 7,
        }
    )
    provider = result.one("pulumi:providers:aws").inputs
    assert provider["profile"] == "stage-admin"
    assert provider["maxRetries"] == "7"  # provider inputs travel as text
    assert json.loads(provider["assumeRoles"]) == [
        {"roleArn": "arn:aws:iam::111122223333:role/deploy", "sessionName": "pulumi"}
    ]
    tags = json.loads(provider["defaultTags"])["tags"]
    assert tags["cost-centre"] == "42" and tags["project"] == "alb-ingress"


def test_a_bare_key_and_its_namespaced_twin_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  alb-ingress:alb:\n    groupName: a\n  alb:\n    groupName: b\n")
    with pytest.raises(StackFileError, match="'alb-ingress:alb' and 'alb' are the same key"):
        load_stack_file(path, "alb-ingress")


@pytest.mark.parametrize(
    ("cluster", "field"),
    [
        ({"nodeCount": 3}, "nodeCount"),
        ({"nodeInstanceType": "m5.large"}, "nodeInstanceType"),
        ({"version": "1.34"}, "version"),
    ],
)
def test_created_cluster_keys_on_an_existing_cluster_are_refused(cluster: dict[str, Any], field: str) -> None:
    problems = _problems(_with(cluster=cluster))
    assert field in problems["alb-ingress:cluster"] and "cluster.create: true" in problems["alb-ingress:cluster"]


def test_subnets_on_an_existing_cluster_are_refused() -> None:
    subnets = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    assert "subnetIds" in _problems(_with(cluster={"subnetIds": subnets}))["alb-ingress:cluster"]


def test_an_encrypted_list_item_changes_nothing_else_in_its_section(run_stack: StackRunner) -> None:
    policies = ["arn:aws:iam::111122223333:policy/team-extra", Encrypted("v1:AAAA")]
    result = run_stack(
        "sandbox", controller={"identity": "pod-identity", "replicas": 3, "iam": {"extraPolicyArns": policies}}
    )
    assert result.encrypted == ["alb-ingress:controller.iam.extraPolicyArns[1]"]
    assert result.one("kubernetes:helm.sh/v3:Release").inputs["values"]["replicaCount"] == 3
    assert result.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")  # still Pod Identity, not IRSA
    attached = {r.inputs["policyArn"] for r in result.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert {"arn:aws:iam::111122223333:policy/team-extra", "[secret]"} <= attached


def test_an_encrypted_value_in_a_nested_map_is_masked_and_named(run_stack: StackRunner) -> None:
    result = run_stack(controller={"extraValues": {"podAnnotations": {"token": Encrypted("v1:BBBB")}}})
    assert result.encrypted == ["alb-ingress:controller.extraValues.podAnnotations.token"]
    values = result.one("kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["podAnnotations"] == {"token": "[secret]"}
    assert values["replicaCount"] == 2


def test_esc_environments_are_named_and_the_plan_is_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    text = (ROOT / "Pulumi.stage.yaml").read_text()
    (tmp_path / "Pulumi.stage.yaml").write_text("environment:\n  - platform/aws-stage\n" + text)
    code = main(["plan", "--stack", "stage", "--project-dir", str(tmp_path), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    assert "platform/aws-stage" in captured.err and "cannot" in captured.err
    assert "Incomplete" in captured.out


# -- YAML as the Pulumi CLI reads it ----------------------------------------------------


def _load(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "Pulumi.t.yaml"
    path.write_text(text)
    return load_stack_file(path, "alb-ingress").config


def test_merge_keys_are_read_and_an_override_is_not_a_duplicate(tmp_path: Path) -> None:
    text = (
        "x-alb: &alb\n  groupName: shared\n  scheme: internal\n"
        "config:\n  alb-ingress:alb:\n    <<: *alb\n    scheme: internet-facing\n"
    )
    assert _load(tmp_path, text)["alb-ingress:alb"] == {"groupName": "shared", "scheme": "internet-facing"}
    with pytest.raises(StackFileError, match="repeated"):
        _load(tmp_path, "config:\n  alb-ingress:alb:\n    <<: {a: 1}\n    scheme: x\n    scheme: y\n")


def test_unquoted_dates_and_timestamps_are_taken_as_their_text(tmp_path: Path) -> None:
    text = "config:\n  alb-ingress:ephemeral:\n    owner: a\n    expires: 2099-12-31\n    at: 2026-12-01T10:00:00Z\n"
    assert _load(tmp_path, text)["alb-ingress:ephemeral"] == {
        "owner": "a",
        "expires": "2099-12-31",
        "at": "2026-12-01T10:00:00Z",
    }


def test_binary_values_are_refused_with_quote_it(tmp_path: Path) -> None:
    with pytest.raises(StackFileError, match="quote it"):
        _load(tmp_path, "config:\n  alb-ingress:tags:\n    team: !!binary aGVsbG8=\n")


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    text = "\n".join(lines) + "\nconfig:\n  alb-ingress:tags: *i\n"
    assert len(text) < 1024
    started = time.monotonic()
    with pytest.raises(StackFileError, match="alias"):
        _load(tmp_path, text)
    assert time.monotonic() - started < 10.0  # unguarded, 9**9 list items: minutes and gigabytes


def test_one_and_true_are_two_keys(tmp_path: Path) -> None:
    text = "config:\n  alb-ingress:controller:\n    extraValues:\n      podLabels:\n        1: a\n        true: b\n"
    labels = _load(tmp_path, text)["alb-ingress:controller"]["extraValues"]["podLabels"]
    assert labels == {"1": "a", "true": "b"}


def test_stack_file_yaml_problems_through_the_plan_exit_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  alb-ingress:tags:\n    team: !!binary aGVsbG8=\n")
    assert main(["plan", "--stack", "bad", "--project-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.bad.yaml: line 3" in err and "Traceback" not in err


# -- 3. values AWS or the controller would reject ------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"alb": {"healthCheckPath": "/" + "h" * 1024}}, "alb-ingress:alb.healthCheckPath", "at most 1024"),
        ({"echoserver": {"path": "/" + "e" * 126}}, "alb-ingress:echoserver.path", "at most 126"),
        ({"controller": {"iam": {"rolePath": "/a//b/"}}}, "alb-ingress:controller.iam.rolePath", "no '//'"),
        ({"controller": {"iam": {"rolePath": "platform/"}}}, "alb-ingress:controller.iam.rolePath", "not an IAM path"),
        ({"controller": {"iam": {"rolePath": "/platform"}}}, "alb-ingress:controller.iam.rolePath", "not an IAM path"),
        ({"controller": {"iam": {"rolePath": "/" + "p" * 511 + "/"}}}, "alb-ingress:controller.iam.rolePath", "512"),
        (
            {"controller": {"iam": {"permissionsBoundaryArn": "arn:aws-cn:iam::111122223333:policy/b"}}},
            "alb-ingress:controller.iam.permissionsBoundaryArn",
            "partition aws-cn",
        ),
        (
            {"controller": {"iam": {"extraPolicyArns": ["arn:aws:iam::111122223333:role/not-a-policy"]}}},
            "alb-ingress:controller.iam.extraPolicyArns",
            "not an IAM policy ARN",
        ),
        (
            {"controller": {"iam": {"extraPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}},
            "alb-ingress:controller.iam.extraPolicyArns",
            "administrator",
        ),
        (
            {
                "cluster": {
                    "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.evil.com/id/AB12"
                }
            },
            "alb-ingress:cluster.oidcProviderArn",
            "oidc.eks.us-west-2.amazonaws.com",
        ),
        ({"echoserver": {"namespace": "kube-team"}}, "alb-ingress:echoserver.namespace", "every cluster already has"),
        ({"alb": {"fixedResponse": {"path": "/" + "f" * 128}}}, "alb-ingress:alb.fixedResponse.path", "128"),
    ],
)
def test_values_aws_or_the_controller_reject_are_refused(overrides: dict[str, Any], key: str, fragment: str) -> None:
    problems = _problems(_with(**overrides))
    assert key in problems, problems
    assert fragment in problems[key]


def test_the_longest_echoserver_path_the_controller_accepts_passes() -> None:
    parse_settings(_with(echoserver={"path": "/" + "e" * 125}), stack="stage", today=TODAY)


@pytest.mark.parametrize(
    ("tags", "key", "fragment"),
    [
        ({"AWS:team": "x"}, "alb-ingress:tags.AWS:team", "reserved by AWS"),
        ({"alb-ingress/ephemeral": "true"}, "alb-ingress:tags.alb-ingress/ephemeral", "reserved"),
        ({"alb-ingress/expires": "2020-01-01"}, "alb-ingress:tags.alb-ingress/expires", "reserved"),
        ({"elbv2.k8s.aws/cluster": "stage"}, "alb-ingress:tags.elbv2.k8s.aws/cluster", "reserved"),
        ({"ingress.k8s.aws/stack": "x"}, "alb-ingress:tags.ingress.k8s.aws/stack", "reserved"),
        ({"service.k8s.aws/stack": "x"}, "alb-ingress:tags.service.k8s.aws/stack", "reserved"),
        ({"gateway.k8s.aws.alb/x": "y"}, "alb-ingress:tags.gateway.k8s.aws.alb/x", "reserved"),
        ({"gateway.k8s.aws.nlb/x": "y"}, "alb-ingress:tags.gateway.k8s.aws.nlb/x", "reserved"),
        ({"k" * 129: "x"}, "alb-ingress:tags." + "k" * 129, "1-128"),
        ({"team": "v" * 257}, "alb-ingress:tags.team", "0-256"),
        ({"team": "a<b>"}, "alb-ingress:tags.team", "not an AWS tag"),
    ],
)
def test_tags_aws_refuses_or_that_spoof_ours_are_refused(tags: dict[str, str], key: str, fragment: str) -> None:
    problems = _problems(_with(**{"alb-ingress:tags": tags}))
    assert key in problems, problems
    assert fragment in problems[key]


def test_more_than_fifty_tags_with_ours_are_refused() -> None:
    tags = {f"t{i}": "x" for i in range(42)}
    parse_settings(_with(**{"alb-ingress:tags": tags}), stack="stage", today=TODAY)  # 42 + 4 + 2 = 48: fits
    tags = {f"t{i}": "x" for i in range(45)}
    problems = _problems(_with(**{"alb-ingress:tags": tags}))
    assert "AWS allows 50" in problems["alb-ingress:tags"]


@pytest.mark.parametrize(
    ("expires", "fragment"),
    [
        ("2026-W52-1", "not a calendar date"),
        ("2026-335", "not a calendar date"),
        ("20261231", "not a calendar date"),
        ("2026-02-30", "not a real calendar date"),
        ("2026-11-30", "not in the future"),
        ("2026-12-01", "not in the future"),
        ("2027-01-15", "more than 30 days away"),
    ],
)
def test_a_pull_request_stack_expiry_is_a_near_future_calendar_date(expires: str, fragment: str) -> None:
    problems = _problems(with_overrides(PR, ephemeral={"expires": expires}), stack="pr-12")
    assert fragment in problems["alb-ingress:ephemeral.expires"]


def test_the_lifetime_is_a_key_and_the_template_keeps_its_placeholder() -> None:
    config = with_overrides(PR, ephemeral={"expires": "2027-01-15", "maxLifetimeDays": 60})
    parse_settings(config, stack="pr-12", today=TODAY)
    parse_settings(PR, stack="pr", today=TODAY)  # the template's 2099-12-31


def test_kubernetes_versions_eks_does_not_offer_are_refused() -> None:
    problems = _problems(with_overrides(PR, cluster={"version": "1.29"}), stack="pr")
    assert "EKS offers" in problems["alb-ingress:cluster.version"]


@pytest.mark.parametrize(("mode_stack", "name"), [("stage", "nginx"), ("stage", "alb-auto"), ("auto", "alb")])
def test_an_ingress_class_another_controller_owns_is_refused(
    run_stack: StackRunner, mode_stack: str, name: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(mode_stack, controller={"ingressClass": name})
    (problem,) = caught.value.problems
    assert problem.key == "alb-ingress:controller.ingressClass" and "fight" in problem.message


# -- program-start reads of the cloud ---------------------------------------------------------


def test_pod_identity_without_the_agent_add_on_is_refused(run_stack: StackRunner) -> None:
    facts = CloudFacts(clusters={"sandbox": ClusterFacts("sandbox")})
    with pytest.raises(ConfigError) as caught:
        run_stack("sandbox", facts=facts)
    (problem,) = caught.value.problems
    assert problem.key == "alb-ingress:controller.identity"
    assert "eks-pod-identity-agent" in problem.message and "podIdentityAgent: self-managed" in problem.message
    result = run_stack("sandbox", facts=facts, controller={"podIdentityAgent": "self-managed"})
    assert result.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert "aws:eks/getAddon:getAddon" not in [token for token, _ in result.calls]


def test_creating_a_cluster_whose_name_another_team_uses_is_refused(run_stack: StackRunner) -> None:
    facts = CloudFacts(clusters={"stage": ClusterFacts("stage", tags={"team": "platform"})})
    with pytest.raises(ConfigError) as caught:
        run_stack("pr", facts=facts, cluster={"name": "stage"})
    (problem,) = caught.value.problems
    assert problem.key == "alb-ingress:cluster.name"
    assert "already exists" in problem.message and "aws eks tag-resource" in problem.message
    assert "alb-ingress/stack=organization/alb-ingress/pr" in problem.message


def test_a_cluster_this_stack_created_is_its_own(run_stack: StackRunner) -> None:
    facts = CloudFacts(clusters={"pr": ClusterFacts("pr", tags={"alb-ingress/stack": "organization/alb-ingress/pr"})})
    result = run_stack("pr", facts=facts)
    assert result.one("eks:index:Cluster").inputs["tags"]["alb-ingress/stack"] == "organization/alb-ingress/pr"


def test_subnets_in_one_zone_are_refused(run_stack: StackRunner) -> None:
    subnets = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
    facts = CloudFacts(clusters={"pr": ClusterFacts("pr", exists=False)}, subnets=dict.fromkeys(subnets, "us-west-2a"))
    with pytest.raises(ConfigError) as caught:
        run_stack("pr", facts=facts, cluster={"subnetIds": subnets})
    assert "two availability zones" in caught.value.problems[0].message


def test_the_plan_prints_the_facts_it_assumed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["plan", "--stack", "stage", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "assumed cluster stage exists, Auto Mode off" in err


def test_a_facts_file_is_named_with_cloud_facts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("clusters:\n  stage:\n    autoMode: true\n")
    assert main(["plan", "--stack", "stage", "--cloud-facts", str(facts), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err  # Auto Mode makes the controller keys of stage meaningless: refused
    assert f"cloud facts from {facts}" not in err and "EKS Auto Mode" in err
    facts.write_text("clusters:\n  stage:\n    colour: blue\n")
    assert main(["plan", "--stack", "stage", "--cloud-facts", str(facts)]) == 2
    assert "clusters.stage.colour: unknown key" in capsys.readouterr().err
    with pytest.raises(FactsError, match="not a file"):
        resolve_facts(STAGE, "stage", ROOT, tmp_path / "missing.yaml")


# -- 4. extraValues is an allow-list ----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"replicaCount": 0}, "controller.replicas"),
        ({"clusterSecretsPermissions": {"allowAllSecrets": True}}, "every Secret"),
        ({"securityContext": {"privileged": True}}, "hardening"),
        ({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}, "hardening"),
        ({"hostNetwork": True}, "node's network"),
        ({"ingressClassConfig": {"default": True}}, "default"),
        ({"enableShield": True}, "controller.enableShield"),
        ({"defaultTags": {"alb-ingress/expires": "2099-12-31"}}, "alb-ingress:tags"),
        ({"env": {"AWS_ACCESS_KEY_ID": "x"}}, "credentials"),
        ({"image": {"tag": "latest"}}, "controller.imageRepository"),
        ({"logLevel": "trace"}, "one of info, debug"),
        ({"nodeSelector": {"pool": 1}}, "quoted text"),
        ({"tolerations": {"key": "x"}}, "list of mappings"),
        ({"nodeSelectr": {}}, "did you mean nodeSelector?"),
    ],
)
def test_extra_values_may_not_undo_the_hardening(values: dict[str, Any], fragment: str) -> None:
    problems = _problems(_with(controller={"extraValues": values}))
    assert fragment in problems["alb-ingress:controller.extraValues"], problems


# -- 5. environments ------------------------------------------------------------------------


def test_a_stack_file_without_an_environment_gets_the_line_to_add() -> None:
    config = {k: v for k, v in STAGE.items() if k != "alb-ingress:environment"}
    problems = _problems(config)
    assert list(problems) == ["alb-ingress:environment"]
    assert "alb-ingress:environment: staging" in problems["alb-ingress:environment"]


@pytest.mark.parametrize(
    ("value", "hint"),
    [("prod", "production"), ("Production", "production"), ("stage", "staging"), ("dev", "development")],
)
def test_near_miss_environments_get_a_suggestion(value: str, hint: str) -> None:
    problems = _problems(_with(**{"alb-ingress:environment": value}))
    assert f"did you mean {hint}?" in problems["alb-ingress:environment"]


def test_an_ephemeral_stack_may_not_name_another_environment() -> None:
    problems = _problems(with_overrides(PR, **{"alb-ingress:environment": "production"}), stack="pr")
    assert "ephemeral" in problems["alb-ingress:environment"]
    assert parse_settings(PR, stack="pr", today=TODAY).environment == "ephemeral"


@pytest.mark.parametrize("stack", ["prod", "production", "eu-prod", "prod-eu"])
def test_a_stack_named_production_must_be_production(stack: str) -> None:
    assert "says production" in _problems(STAGE, stack=stack)["alb-ingress:environment"]


def test_a_production_copy_of_stage_needs_its_protections() -> None:
    problems = _problems(_with(**{"alb-ingress:environment": "production"}), stack="prod")
    assert {"alb-ingress:alb.deletionProtection", "alb-ingress:alb.accessLogs"} <= set(problems)


def test_the_deploy_job_refuses_a_stack_that_is_not_production(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["plan", "--stack", "stage", "--require-environment", "production", "--out", str(tmp_path)])
    assert code == 3
    assert "is environment staging, not production" in capsys.readouterr().err


# -- 5. guardrails that missed broad IAM ---------------------------------------------------------


def _trust(principal: Any) -> Resource:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return Resource("aws:iam/role:Role", "r", {"assumeRolePolicy": json.dumps({"Statement": [statement]})})


def _policy(statement: dict[str, Any]) -> Resource:
    return Resource(
        "aws:iam/policy:Policy", "p", {"policy": json.dumps({"Statement": [{"Effect": "Allow", **statement}]})}
    )


@pytest.mark.parametrize(
    ("resource", "rules"),
    [
        (_trust("*"), {"role-trust-scoped"}),
        (_trust({"AWS": "*"}), {"role-trust-scoped"}),
        (_trust({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), {"role-trust-scoped"}),
        # NotAction grants everything it does not name: an escalation finding, not a spelling one.
        (_policy({"NotAction": "iam:*", "Resource": "*"}), {"iam-escalation"}),
        (_policy({"Action": ["iam:*Role*"], "Resource": "*"}), {"no-wildcard-actions", "iam-escalation"}),
        (_policy({"Action": "s3:Get*", "Resource": "*"}), {"no-wildcard-actions"}),
        (
            Resource(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "a",
                {"policyArn": "arn:aws:iam::aws:policy/PowerUserAccess", "role": "r"},
            ),
            {"iam-escalation"},
        ),
    ],
)
def test_guardrails_catch_broad_iam(resource: Resource, rules: set[str]) -> None:
    assert {v.rule for v in evaluate([resource])} == rules


def test_a_narrow_policy_and_a_scoped_trust_pass() -> None:
    narrow = _policy({"Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"})
    service = _trust({"Service": "ec2.amazonaws.com"})
    assert evaluate([narrow, service]) == []


def test_the_pack_config_files_carry_each_environment() -> None:
    from albingress.policies.crossguard import pack_config

    for environment in ("production", "staging"):
        shipped = json.loads((ROOT / "policies" / "guardrails_pack" / f"{environment}.json").read_text())
        assert shipped == pack_config(environment)


def test_shipped_stacks_name_their_environment() -> None:
    expected = {"stage": "staging", "sandbox": "development", "auto": "development", "pr": "ephemeral"}
    for stack, environment in expected.items():
        settings = parse_settings(read_stack_file(stack), stack=stack, today=TODAY)
        assert settings.environment == environment


def test_the_plan_masks_every_secret_marked_value(tmp_path: Path) -> None:
    result = run_program(read_stack_file("pr"), "pr", preview=False)
    provider = result.one("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "[secret]"
    assert main(["plan", "--stack", "pr", "--apply", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "plan.json").read_text()
    assert "get-token" not in text and "certificate-authority-data" not in text


# -- 7. secrets never printed ------------------------------------------------------------------


def _project_with(tmp_path: Path, stack: str, text: str) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def test_verify_works_on_a_stack_with_encrypted_values_and_prints_no_ciphertext(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (ROOT / "Pulumi.stage.yaml")
        .read_text()
        .replace("    host: www.example.com", "    host:\n      secure: v1:CIPHERTEXTHOST==")
    )
    text = re.sub(r"    arn: arn:aws:acm:\S+", "    arn:\n      secure: v1:CIPHERTEXTCERT==", text)
    project = _project_with(tmp_path, "stage", text)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"echoserverUrl": "https://real.example.net/echo", "controllerMode": "lbc"}))
    argv = ["verify", "--stack", "stage", "--project-dir", str(project), "--outputs", str(outputs), "--no-aws"]
    code = main([*argv, "--resolve", "real.example.net=127.0.0.1", "--timeout", "1"])
    captured = capsys.readouterr()
    assert code == 1  # nothing listens there: the checks ran and failed, nothing was refused
    assert "real.example.net" in captured.out
    assert "CIPHERTEXT" not in captured.out + captured.err and "Encrypted(" not in captured.out + captured.err
    outputs.write_text(json.dumps({"clusterName": "stage"}))  # this stack's outputs, without the URL
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "alb-ingress:echoserver.host is encrypted" in err and "CIPHERTEXT" not in err


def test_teardown_prints_no_ciphertext(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "config:\n  aws:region: us-west-2\n  alb-ingress:cluster:\n    create: true\n"
        "  alb-ingress:ephemeral:\n    owner:\n      secure: v1:CIPHERTEXTOWNER==\n    expires: '2026-12-05'\n"
    )
    project = _project_with(tmp_path, "pr-3", text)
    assert main(["teardown", "--stack", "pr-3", "--project-dir", str(project)]) == 0
    out = capsys.readouterr().out
    assert "owner [secret]" in out and "CIPHERTEXT" not in out


# -- 6. the preview role reads what a preview reads, nothing else -----------------------------

# What each lookup the program makes costs in IAM (the provider's read of that data source).
LOOKUP_ACTIONS = {
    "aws:index/getCallerIdentity:getCallerIdentity": ["sts:GetCallerIdentity"],
    "aws:eks/getCluster:getCluster": ["eks:DescribeCluster"],
    "aws:eks/getClusters:getClusters": ["eks:ListClusters"],
    "aws:eks/getAddon:getAddon": ["eks:DescribeAddon"],
    "aws:ec2/getVpc:getVpc": ["ec2:DescribeVpcs"],
    "aws:ec2/getSubnets:getSubnets": ["ec2:DescribeSubnets"],
    "aws:ec2/getSubnet:getSubnet": ["ec2:DescribeSubnets"],
    "aws:elb/getHostedZoneId:getHostedZoneId": [],
    "aws:lb/getLoadBalancer:getLoadBalancer": [
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
    ],
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": [
        "iam:GetOpenIDConnectProvider",
        "iam:ListOpenIDConnectProviders",
    ],
}


def test_the_preview_role_grants_every_lookup_of_every_stack_and_no_wildcard() -> None:
    document = json.loads((ROOT / "policies" / "ci" / "preview-role.json").read_text())
    granted = {action for statement in document["Statement"] for action in statement["Action"]}
    assert not any("*" in action for action in granted)
    assert all(action.split(":")[1].startswith(("Get", "List", "Describe")) for action in granted)
    for stack in ("stage", "sandbox", "auto"):
        result = run_program(read_stack_file(stack), stack, preview=True)
        for token, _ in result.calls:
            assert token in LOOKUP_ACTIONS, f"map {token} to its IAM actions"
            missing = set(LOOKUP_ACTIONS[token]) - granted
            assert not missing, f"{stack}: {token} needs {missing} in policies/ci/preview-role.json"
    policy = Resource("aws:iam/policy:Policy", "preview", {"policy": json.dumps(document)})
    assert evaluate([policy]) == []
