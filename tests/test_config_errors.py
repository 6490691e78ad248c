"""Nothing wrong may pass, nothing may crash: one test per class of broken stack config.

Value-level classes go through ``parse_settings`` (what ``pulumi up`` runs
first); file-level classes (syntax, tabs, encodings, repeated keys) through
the offline plan as a separate process, since the Pulumi CLI parses stack files
itself and only the plan has to.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from albingress.components.model import ConfigError
from albingress.facts.regions import known_regions
from albingress.stack_settings import parse_settings
from albops.preview.runner import read_stack_file, run_program, stand_in_encrypted
from albops.preview.stack_file import Encrypted, StackFileError, load_stack_config
from tests.conftest import run_plan, stack_config, with_overrides

ROOT = Path(__file__).resolve().parent.parent
STAGE = stack_config("stage")
CERT_ID = "0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
OIDC = "arn:aws:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/AB12"


def _problems(config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(config)
    return {p.key: p.message for p in caught.value.problems}


def _with(**overrides: Any) -> dict[str, Any]:
    return with_overrides(STAGE, **overrides)


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        # Trailing newlines from block scalars (`host: |`) must not pass a pattern.
        ({"echoserver": {"host": "www.example.com\n"}}, "alb-ingress:echoserver.host", "not a DNS host name"),
        ({"alb": {"groupName": "my-alb-group\n"}}, "alb-ingress:alb.groupName", "not a valid group.name"),
        ({"cluster": {"name": "stage\n"}}, "alb-ingress:cluster.name", "not an EKS cluster name"),
        ({"echoserver": {"path": "/echo\n"}}, "alb-ingress:echoserver.path", "not a URL path"),
        # Booleans are not numbers.
        ({"alb": {"listenPorts": [{"HTTP": True}, {"HTTPS": 443}]}}, "alb-ingress:alb.listenPorts[0].HTTP", "boolean"),
        ({"alb": {"sslRedirect": True}}, "alb-ingress:alb.sslRedirect", "boolean"),
        ({"echoserver": {"replicas": True}}, "alb-ingress:echoserver.replicas", "boolean"),
        ({"alb": {"deletionProtection": "yes"}}, "alb-ingress:alb.deletionProtection", "true or false"),
        # Requests above limits.
        (
            {"echoserver": {"resources": {"cpuRequest": "2", "cpuLimit": "500m"}}},
            "alb-ingress:echoserver.resources",
            "cpuRequest 2 is above cpuLimit 500m",
        ),
        (
            {"controller": {"resources": {"memoryRequest": "1Gi", "memoryLimit": "512Mi"}}},
            "alb-ingress:controller.resources",
            "memoryRequest 1Gi is above memoryLimit 512Mi",
        ),
        # Paths clients would normalise.
        ({"echoserver": {"path": "/echo/../admin"}}, "alb-ingress:echoserver.path", "'..' segment"),
        ({"echoserver": {"path": "/echo//x"}}, "alb-ingress:echoserver.path", "empty"),
        ({"alb": {"healthCheckPath": "//"}}, "alb-ingress:alb.healthCheckPath", "empty"),
        # Image references a container runtime rejects.
        ({"echoserver": {"image": "Jmalloc/Echo-Server:v1"}}, "alb-ingress:echoserver.image", "runtime accepts"),
        ({"echoserver": {"image": "echo server:v1"}}, "alb-ingress:echoserver.image", "runtime accepts"),
        ({"echoserver": {"image": "repo/app:-bad"}}, "alb-ingress:echoserver.image", "runtime accepts"),
        ({"echoserver": {"image": "registry:5000/app"}}, "alb-ingress:echoserver.image", "no tag or digest"),
        ({"echoserver": {"image": "repo/app@sha256:abc"}}, "alb-ingress:echoserver.image", "runtime accepts"),
        # Regions that do not exist.
        ({"aws:region": "us-west-9"}, "aws:region", "not an AWS region"),
        # Accounts.
        (
            {"cluster": {"oidcProviderArn": OIDC.format(account="444455556666", region="us-west-2")}},
            "alb-ingress:cluster.oidcProviderArn",
            "does not allow",
        ),
        (
            {"alb-ingress:certificate": {"arn": f"arn:aws:acm:us-west-2:444455556666:certificate/{CERT_ID}"}},
            "alb-ingress:certificate.arn",
            "does not allow",
        ),
        ({"aws:allowedAccountIds": ["11112222"]}, "aws:allowedAccountIds", "12-digit"),
        # What `pulumi config set --path 'aws:allowedAccountIds[0]' 111122223333` writes: a number.
        ({"aws:allowedAccountIds": [111122223333]}, "aws:allowedAccountIds", "add `--type string`"),
        # Another region's cluster or certificate.
        (
            {"cluster": {"oidcProviderArn": OIDC.format(account="111122223333", region="eu-west-1")}},
            "alb-ingress:cluster.oidcProviderArn",
            "cluster in eu-west-1",
        ),
        (
            {"alb-ingress:certificate": {"arn": f"arn:aws:acm:eu-west-1:111122223333:certificate/{CERT_ID}"}},
            "alb-ingress:certificate.arn",
            "its own region",
        ),
        # Fixed responses: 2XX, 4XX, 5XX only.
        ({"alb": {"fixedResponse": {"statusCode": 302}}}, "alb-ingress:alb.fixedResponse.statusCode", "3XX fails"),
        # TLS policies.
        ({"alb": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}}, "alb-ingress:alb.sslPolicy", "TLS 1.1"),
        ({"alb": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09"}}, "alb-ingress:alb.sslPolicy", "TLS 1.0"),
        ({"alb": {"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-PQ-2025"}}, "alb-ingress:alb.sslPolicy", "did you mean"),
        ({"alb": {"sslPolicy": "MyPolicy"}}, "alb-ingress:alb.sslPolicy", "not a security policy ALB offers"),
        # Add-ons where the region has no such service; chart keys the stack owns.
        (
            {"aws:region": "cn-north-1", "controller": {"enableShield": True}},
            "alb-ingress:controller.enableShield",
            "not offered",
        ),
        (
            {"controller": {"extraValues": {"clusterName": "other"}}},
            "alb-ingress:controller.extraValues",
            "clusterName",
        ),
        ({"controller": {"iam": {"rolePath": "platform"}}}, "alb-ingress:controller.iam.rolePath", "not an IAM path"),
        ({"alb": {"accessLogs": {"bucket": "Bad_Bucket"}}}, "alb-ingress:alb.accessLogs.bucket", "S3 bucket"),
        ({"alb-ingress:tags": {"team": "a,b"}}, "alb-ingress:tags.team", "separators"),
        ({"echoserver": {"namespace": "default"}}, "alb-ingress:echoserver.namespace", "already has"),
    ],
)
def test_each_class_of_bad_value_names_its_key_and_fix(overrides: dict[str, Any], key: str, fragment: str) -> None:
    problems = _problems(_with(**overrides))
    assert key in problems, problems
    assert fragment in problems[key]


@pytest.mark.parametrize(
    "policy",
    [
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07",
    ],
)
def test_tls_1_2_and_later_policies_pass_including_post_quantum_and_tls12_only(policy: str) -> None:
    assert parse_settings(_with(alb={"sslPolicy": policy})).alb.ssl_policy == policy


def test_unknown_region_advice_names_only_real_regions() -> None:
    message = _problems(_with(**{"aws:region": "us-west-9"}))["aws:region"]
    advice = message.split("did you mean", 1)[1]
    named = [word.strip("?,") for word in advice.split() if word.count("-") >= 2]
    assert named, message
    assert all(region in known_regions() for region in named), named


def test_config_namespace_typo_is_refused_with_a_suggestion() -> None:
    config = dict(STAGE)
    config["alb-ingres:controller"] = config.pop("alb-ingress:controller")
    problems = _problems(config)
    assert "did you mean alb-ingress:" in problems["alb-ingres:controller"]


def test_known_namespaces_pass() -> None:
    config = {**STAGE, "aws:profile": "stage", "pulumi:tags": "{}"}
    settings = parse_settings(config)
    assert settings.region == "us-west-2"
    assert settings.aws_options == {"profile": "stage"}  # handed to the explicit provider, not dropped


def test_kubernetes_config_is_refused_because_no_provider_reads_it() -> None:
    problems = _problems({**STAGE, "kubernetes:enableServerSideApply": "true"})
    assert "default Kubernetes provider" in problems["kubernetes:enableServerSideApply"]


@pytest.mark.parametrize("value", [None, "text", 5, ["a"], True])
@pytest.mark.parametrize("section", ["cluster", "alb", "controller", "dns"])
def test_a_section_that_is_not_a_mapping_gets_one_message(section: str, value: Any) -> None:
    problems = _problems({**STAGE, f"alb-ingress:{section}": value})
    about = [key for key in problems if key.startswith(f"alb-ingress:{section}")]
    assert about == [f"alb-ingress:{section}"], problems
    assert "not a mapping" in problems[f"alb-ingress:{section}"]


def test_accounts_must_agree_when_no_allowed_list_is_set() -> None:
    config = _with(
        cluster={"oidcProviderArn": "arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/AB"}
    )
    config.pop("aws:allowedAccountIds")
    assert "several accounts" in _problems(config)["aws:allowedAccountIds"]


def test_shipped_stacks_set_allowed_account_ids() -> None:
    for stack in ("stage", "sandbox", "auto"):
        assert parse_settings(stack_config(stack)).allowed_account_ids == ("111122223333",)


# -- encrypted values ----------------------------------------------------------


def test_encrypted_values_are_stood_in_masked_and_named(tmp_path: Path) -> None:
    config = read_stack_file("stage")
    config["alb-ingress:certificate"] = {"arn": Encrypted("v1:abc==")}
    config["alb-ingress:cluster"] = Encrypted("v1:def==")
    prepared = stand_in_encrypted(config)
    assert prepared.encrypted == ["alb-ingress:cluster", "alb-ingress:certificate.arn"]
    result = run_program(config, "stage", preview=False)
    assert result.encrypted == prepared.encrypted
    ingress = result.one("kubernetes:networking.k8s.io/v1:Ingress").inputs
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/certificate-arn"] == "[secret]"
    assert result.outputs["certificateArn"] == "[secret]"


# -- file-level errors, through the plan as a user runs it ---------------------


def _plan_file(tmp_path: Path, content: bytes) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    (project / "Pulumi.broken.yaml").write_bytes(content)
    out = str(tmp_path / "out")
    return run_plan("--stack", "broken", "--project-dir", str(project), "--out", out, cwd=tmp_path)


STAGE_TEXT = (ROOT / "Pulumi.stage.yaml").read_bytes()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"config:\n  aws:region: [us-west-2\n", "line 3"),
        (b"config:\n\taws:region: us-west-2\n", "tab character"),
        (b"- just\n- a list\n", "not a mapping"),
        (b"config:\n  aws:region: us-west-2\n  note: caf\xe9\n", "line 3: byte 0xe9 is not UTF-8"),
        (STAGE_TEXT + b"  alb-ingress:cluster:\n    name: other\n", "'alb-ingress:cluster' is repeated"),
        (b"config:\n  alb-ingress:alb:\n    groupName: a\n    groupName: b\n", "line 4: key 'groupName' is repeated"),
        (b"config: 5\n", "'config' is a int"),
    ],
)
def test_broken_stack_files_are_named_with_their_line(tmp_path: Path, content: bytes, fragment: str) -> None:
    proc = _plan_file(tmp_path, content)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Pulumi.broken.yaml" in proc.stderr
    assert fragment in proc.stderr
    assert not (tmp_path / "out").exists()


def test_value_errors_stop_the_plan_with_exit_2(tmp_path: Path) -> None:
    content = STAGE_TEXT.replace(b"statusCode: 200", b"statusCode: 301").replace(b"us-west-2\n", b"us-west-9\n", 1)
    proc = _plan_file(tmp_path, content)
    assert proc.returncode == 2, proc.stdout
    assert "Traceback" not in proc.stderr
    assert "alb-ingress:alb.fixedResponse.statusCode" in proc.stderr
    assert "aws:region" in proc.stderr


def test_encrypted_value_in_a_file_is_a_note_not_an_error(tmp_path: Path) -> None:
    content = STAGE_TEXT.replace(
        f"arn: arn:aws:acm:us-west-2:111122223333:certificate/{CERT_ID}".encode(),
        b"arn:\n      secure: v1:AAABAGCiphertext==",
    )
    proc = _plan_file(tmp_path, content)
    assert proc.returncode == 0, proc.stderr
    assert "alb-ingress:certificate.arn is encrypted" in proc.stderr
    assert "certificateArn       [secret]" in proc.stdout


def test_strict_loader_reads_the_shipped_files_like_pulumi() -> None:
    flat = load_stack_config(ROOT / "Pulumi.stage.yaml", "alb-ingress")
    assert flat["aws:region"] == "us-west-2"
    assert flat["alb-ingress:alb"]["groupName"] == "my-alb-group"
    with pytest.raises(StackFileError):
        load_stack_config(ROOT / "README.md", "alb-ingress")


def test_configuration_reference_documents_every_config_key() -> None:
    """The configuration reference (docs/configuration.md, where the README sends readers) lists every key."""
    from albingress.stack_settings import MAP_KEYS, SECTION_MODELS

    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        f"{section}.{field.alias or name}"
        for section, model in SECTION_MODELS.items()
        for name, field in model.model_fields.items()
        if f"`{section}.{field.alias or name}" not in reference and f"`{field.alias or name}`" not in reference
    ]
    missing += [key for key in MAP_KEYS if f"`{key}`" not in reference]
    missing += [key for key in ("aws:region", "aws:allowedAccountIds") if f"`{key}`" not in reference]
    assert not missing, f"docs/configuration.md lacks config keys: {missing}"


def test_reserved_tag_names_are_refused() -> None:
    assert "reserved" in _problems(_with(**{"alb-ingress:tags": {"aws:team": "x"}}))["alb-ingress:tags.aws:team"]


def test_a_number_too_long_to_read_names_its_line_and_key(tmp_path: Path) -> None:
    """Python refuses to convert an integer of more than 4300 digits (sys.get_int_max_str_digits): the stack file
    reader says which key, not Python's own words, and nothing else is read."""
    from albops.preview.stack_file import StackFileError, load_strict_yaml

    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  alb-ingress:controller:\n    replicas: " + "9" * 5000 + "\n")
    with pytest.raises(StackFileError) as raised:
        load_strict_yaml(path)
    message = str(raised.value)
    assert message.startswith("Pulumi.x.yaml: line 3: replicas: the number cannot be read")
    assert "write the number you meant, or quote it as text" in message
