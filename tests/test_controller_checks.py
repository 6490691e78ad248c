"""Section 3 of issue 20, the controller's part: what AWS, the API server or the controller would refuse is refused
by the plan, with the key and the fix, for a stack file and for a program using ``AwsLoadBalancerController``.

Expected messages are written by hand from the upstream sources named in docs/controller-checks.md (chart 3.5.0's
templates, Kubernetes' validation, S3's naming rules, IAM's boundary rule), not derived from the code under test.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

import albingress
from albingress.components.controller.chart_checks import go_duration_seconds, prometheus_duration_seconds
from albingress.components.controller.model import extra_values_problems
from albingress.components.model import ConfigError
from albingress.components.sections import bucket_name_problem
from albingress.components.tags import tag_problem
from albingress.facts.instance_types import INSTANCE_TYPE, instance_type_note, known_instance_types
from albingress.stack_settings import parse_settings
from albingress.stack_settings.stack import settings_notes
from albops.preview.cloud import CloudAnswers
from albops.preview.runner import run_program
from albops.preview.stack_file import StackFileError, load_stack_file
from tests.conftest import run_plan, stack_config, with_overrides

ROOT = Path(__file__).resolve().parent.parent
STAGE_TEXT = (ROOT / "Pulumi.stage.yaml").read_text()
PR_TEXT = (ROOT / "Pulumi.pr.yaml").read_text()


def _problems(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as raised:
        parse_settings(with_overrides(stack_config("stage"), **overrides), stack="stage")
    return {p.key: p.message for p in raised.value.problems}


def _extra(values: dict[str, Any]) -> str:
    return _problems(controller={"extraValues": values})["alb-ingress:controller.extraValues"]


# -- controller.extraValues, by value ------------------------------------------


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        # The chart's selector labels come first in the pod template; a podLabels key of the same name replaces it.
        ({"podLabels": {"app.kubernetes.io/instance": "mine"}}, "podLabels.app.kubernetes.io/instance: "),
        ({"podLabels": {"app.kubernetes.io/name": "x"}}, "selects the controller's pods"),
        ({"additionalLabels": {"app.kubernetes.io/version": "x"}}, "a label the chart sets itself"),
        # apimachinery IsQualifiedName and IsValidLabelValue.
        ({"podLabels": {"team name": "a"}}, "podLabels.team name: 'team name' is not a valid key"),
        ({"podLabels": {"Example.com/team": "a"}}, "its prefix must be a lower-case DNS subdomain"),
        ({"podLabels": {"team": "a" * 64}}, "is not a label value"),
        ({"podLabels": {"team": "-a"}}, "is not a label value"),
        ({"additionalLabels": {"team": 5}}, "additionalLabels.team: 5 is not a label value; write it as quoted text"),
        ({"nodeSelector": {"kubernetes.io/os": "linux os"}}, "nodeSelector.kubernetes.io/os: 'linux os' is not"),
        ({"podAnnotations": {"bad key!": "x"}}, "podAnnotations.bad key!: 'bad key!' is not a valid key"),
        # The hardening's runtime-default profiles, undone by an annotation.
        (
            {"podAnnotations": {"container.apparmor.security.beta.kubernetes.io/controller": "unconfined"}},
            "without an AppArmor profile, undoing the hardening",
        ),
        (
            {"podAnnotations": {"seccomp.security.alpha.kubernetes.io/pod": "Unconfined"}},
            "without a seccomp profile, undoing the hardening",
        ),
        (
            {"podAnnotations": {"container.seccomp.security.alpha.kubernetes.io/controller": "unconfined"}},
            "without a seccomp profile",
        ),
        # The pod's seccompProfile field is RuntimeDefault: an annotation naming another profile disagrees with it,
        # which ValidatePodTemplateSpec refuses (validateSeccompAnnotationsAndFieldsMatch).
        (
            {"podAnnotations": {"seccomp.security.alpha.kubernetes.io/pod": "localhost/profiles/audit.json"}},
            "differs from the pod's seccompProfile RuntimeDefault",
        ),
        (
            {"podAnnotations": {"container.seccomp.security.alpha.kubernetes.io/controller": "localhost/x"}},
            "the API server refuses a pod whose seccomp annotation and field disagree",
        ),
        (
            {"podAnnotations": {"container.apparmor.security.beta.kubernetes.io/controller": "permissive"}},
            "is not an AppArmor profile the API server accepts",
        ),
        # The Kubernetes schema: a field it does not have, a wrong type.
        ({"affinity": {"nodeAfinity": {}}}, "affinity: 'nodeAfinity' is not a field here"),
        ({"affinity": {"podAntiAffinity": []}}, "affinity.podAntiAffinity: [] is not of the Kubernetes type"),
        ({"tolerations": [{"key": "a", "operator": "Equal", "value": "b", "effects": "NoSchedule"}]}, "'effects'"),
        ({"tolerations": {"key": "a"}}, "tolerations: {'key': 'a'} is not a list of mappings (one per toleration)"),
        ({"updateStrategy": {"rollingUpdate": {"maxSurge": [1]}}}, "not a whole number or a percentage"),
        # The API server's rules beyond the schema.
        (
            {"tolerations": [{"operator": "Equal", "value": "x"}]},
            "tolerations[0].operator: an empty key tolerates every taint only with operator Exists",
        ),
        ({"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}, "operator Exists takes no value"),
        ({"tolerations": [{"key": "a", "operator": "In"}]}, "tolerations[0].operator: 'In' is not Equal or Exists"),
        ({"tolerations": [{"key": "a", "effect": "NoSchedul"}]}, "'NoSchedul' is not one of NoSchedule"),
        ({"tolerations": [{"key": "a", "tolerationSeconds": 30}]}, "only applies with effect NoExecute"),
        (
            {
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In"}]}]
                        }
                    }
                }
            },
            "matchExpressions[0].values: In needs at least one value",
        ),
        (
            {
                "affinity": {
                    "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}
                }
            },
            "nodeSelectorTerms: give at least one term",
        ),
        (
            {
                "affinity": {
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {"weight": 101, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}
                        ]
                    }
                }
            },
            "preferredDuringSchedulingIgnoredDuringExecution[0].weight: 101 is not 1 to 100",
        ),
        (
            {"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {}}]}}},
            "requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: is required",
        ),
        ({"updateStrategy": {"type": "Rolling"}}, "updateStrategy.type: 'Rolling' is not RollingUpdate or Recreate"),
        ({"updateStrategy": {"type": "Recreate", "rollingUpdate": {}}}, "only applies to type RollingUpdate"),
        (
            {"updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}},
            "maxSurge and maxUnavailable are both 0",
        ),
        ({"updateStrategy": {"rollingUpdate": {"maxUnavailable": "150%"}}}, "is over 100%"),
        # Durations: Prometheus's for the ServiceMonitor, Go's for --sync-period.
        ({"serviceMonitor": {"enabled": True, "interval": "1 minute"}}, "serviceMonitor.interval: '1 minute' is not"),
        ({"serviceMonitor": {"interval": "1m", "scrapeTimeout": "90s"}}, "longer than interval"),
        ({"serviceMonitor": {"interval": "30s", "relabelings": []}}, "serviceMonitor.relabelings: not a key"),
        ({"serviceMonitor": {"additionalLabels": {"app.kubernetes.io/name": "x"}}}, "a label the chart sets itself"),
        ({"syncPeriod": "0s"}, "syncPeriod: '0s' turns off the controller's periodic resync"),
        ({"syncPeriod": "0"}, "turns off the controller's periodic resync"),
        ({"syncPeriod": "-1h"}, "turns off the controller's periodic resync"),
        ({"syncPeriod": "10 hours"}, "syncPeriod: '10 hours' is not a Go duration"),
        ({"syncPeriod": 600}, "syncPeriod: 600 is not a Go duration"),
        ({"imagePullSecrets": [{"name": "Regcred"}]}, "is not a Kubernetes object name"),
    ],
)
def test_extra_values_are_checked_by_value(values: dict[str, Any], fragment: str) -> None:
    assert fragment in _extra(values)


def test_good_extra_values_pass_and_reach_the_chart() -> None:
    values = {
        "podLabels": {"team": "platform", "example.com/cost-centre": "c-12"},
        "podAnnotations": {
            "container.apparmor.security.beta.kubernetes.io/aws-load-balancer-controller": "runtime/default",
            # Both spellings of the runtime's default agree with the chart's seccompProfile RuntimeDefault.
            "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
            "container.seccomp.security.alpha.kubernetes.io/aws-load-balancer-controller": "docker/default",
        },
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {
                "key": "dedicated",
                "operator": "Equal",
                "value": "system",
                "effect": "NoExecute",
                "tolerationSeconds": 60,
            },
        ],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}
                    ]
                }
            }
        },
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "serviceMonitor": {"enabled": True, "interval": "1m30s", "scrapeTimeout": "10s", "namespace": "monitoring"},
        "syncPeriod": "1h30m",
    }
    assert extra_values_problems(values) == []
    settings = parse_settings(with_overrides(stack_config("stage"), controller={"extraValues": values}), stack="stage")
    assert settings.controller.extra_values == values


def test_every_extra_value_problem_is_reported_at_once() -> None:
    message = _extra(
        {
            "podLabels": {"app.kubernetes.io/name": "x", "bad key": "y"},
            "syncPeriod": "0s",
            "tolerations": [{"operator": "Equal"}, {"key": "a", "effect": "Never"}],
        }
    )
    for fragment in ("podLabels.app.kubernetes.io/name", "podLabels.bad key", "syncPeriod", "tolerations[0]", "[1]"):
        assert fragment in message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10h0m0s", 36000), ("1h30m", 5400), ("1.5h", 5400), ("300ms", 0.3), ("0", 0), ("-2m", -120), ("1h1", None)],
)
def test_go_durations_read_as_go_does(text: str, seconds: float | None) -> None:
    found = go_duration_seconds(text)
    assert (found is None) if seconds is None else (found is not None and float(found) == seconds)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1m", 60), ("1m30s", 90), ("2w", 1209600), ("500ms", 0.5), ("0", 0), ("30s1m", None)]
)
def test_prometheus_durations_read_as_the_crd_does(text: str, seconds: float | None) -> None:
    found = prometheus_duration_seconds(text)
    assert (found is None) if seconds is None else (found is not None and float(found) == seconds)


def test_the_schema_fragments_are_what_the_generator_makes() -> None:
    """facts/kubernetes_scheduling.json is generated; a hand edit or a stale file fails here."""
    pytest.importorskip("kubernetes_validate")
    import json

    from albingress.facts.generate_kubernetes_schema import OUT, build

    assert json.loads(OUT.read_text()) == json.loads(json.dumps(build(), sort_keys=True))


# -- tags and names AWS treats specially --------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("kubernetes.io/cluster/prod", "owned", "a key under kubernetes.io/cluster/"),
        ("kubernetes.io/role/internal-elb", "1", "a key under kubernetes.io/role/"),
        ("eks:cluster-name", "prod", "is reserved by EKS"),
        ("EKS:nodegroup", "x", "is reserved by EKS"),
        ("ingress.eks.amazonaws.com/stack", "x", "EKS Auto Mode's"),
        ("service.eks.amazonaws.com/resource", "x", "EKS Auto Mode's"),
        (" team", "platform", "the key has leading or trailing spaces"),
        ("team", "platform ", "the value has leading or trailing spaces"),
    ],
)
def test_tags_aws_acts_on_or_trims_are_refused(key: str, value: str, fragment: str) -> None:
    assert fragment in _problems(tags={key: value})[f"alb-ingress:tags.{key}"]
    assert fragment in str(tag_problem(key, value))


def test_ordinary_kubernetes_io_tags_and_inner_spaces_pass() -> None:
    assert tag_problem("kubernetes.io/team", "a b") is None


@pytest.mark.parametrize(
    "bucket",
    [
        "xn--logs",
        "sthree-logs",
        "sthree-configurator-logs",
        "amzn-s3-demo-logs",
        "logs-s3alias",
        "logs--ol-s3",
        "logs.mrap",
        "logs--x-s3",
        "logs--table-s3",
        "192.168.5.4",
        "my.-logs",
        "my-.logs",
        "my..logs",
        "Logs",
        "lo",
        "-logs",
    ],
)
def test_access_log_buckets_s3_refuses_are_refused(bucket: str) -> None:
    message = _problems(alb={"accessLogs": {"bucket": bucket}})["alb-ingress:alb.accessLogs.bucket"]
    assert f"{bucket!r} is not a valid S3 bucket name" in message


@pytest.mark.parametrize("bucket", ["alb-logs", "alb.logs.example", "1-2-3", "192.168.5.4.logs", "logs-s3"])
def test_access_log_buckets_s3_accepts_pass(bucket: str) -> None:
    assert bucket_name_problem(bucket) is None


def test_every_instance_type_botocore_lists_is_well_formed() -> None:
    assert "m7i.metal-24xl" in known_instance_types()
    assert all(INSTANCE_TYPE.fullmatch(name) for name in known_instance_types())


@pytest.mark.parametrize("name", ["t3..medium", "T3.medium", "t3", ".medium", "t3.medium ", "t3_medium"])
def test_malformed_instance_types_are_refused(name: str) -> None:
    cluster = {"create": True, "nodeInstanceType": name}
    message = _problems(cluster=cluster)["alb-ingress:cluster.nodeInstanceType"]
    assert f"{name!r} is not an EC2 instance type" in message


def test_an_instance_type_botocore_does_not_list_is_a_warning_not_an_error() -> None:
    assert instance_type_note("m7i.metal-24xl") is None
    note = instance_type_note("t3.medum")
    assert note is not None and "did you mean t3.medium?" in note
    config = {"alb-ingress:cluster": {"create": True, "nodeInstanceType": "z9x.large", "version": "1.36"}}
    (line,) = settings_notes(config)
    assert line.startswith("alb-ingress:cluster.nodeInstanceType: node instance type 'z9x.large' is not one")
    assert settings_notes({"alb-ingress:cluster": {"name": "stage"}}) == []


def test_a_created_cluster_past_eks_standard_support_is_a_note_naming_the_cost_and_the_next_version() -> None:
    """EKS calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html): 1.33's standard support
    ended 2026-07-29 and its extended support (billed per cluster hour) ends 2027-07-29; 1.34's standard support
    ended 2026-12-02. EKS upgrades one minor version at a time, so the advice is the next one."""
    import datetime as dt

    today = dt.date(2026, 12, 7)
    (line,) = settings_notes({"alb-ingress:cluster": {"create": True}}, today)
    assert line.startswith("alb-ingress:cluster.version (the default; set it in the stack file): Kubernetes 1.33 left")
    assert "standard support on 2026-07-29" in line and "until 2027-07-29, when EKS upgrades it itself" in line
    assert "set '1.34', pulumi up" in line and "standard support (1.35, 1.36)" in line
    (line,) = settings_notes({"alb-ingress:cluster": {"create": True, "version": "1.32"}}, today)
    assert line.startswith("alb-ingress:cluster.version: Kubernetes 1.32 left") and "set '1.33'" in line
    # The last day of standard support is still in it; the day after is not.
    assert settings_notes({"alb-ingress:cluster": {"create": True, "version": "1.34"}}, dt.date(2026, 12, 2)) == []
    (line,) = settings_notes({"alb-ingress:cluster": {"create": True, "version": "1.34"}}, dt.date(2026, 12, 3))
    assert "set '1.35'" in line and "until 2027-12-02" in line
    for version in ("1.35", "1.36"):
        assert settings_notes({"alb-ingress:cluster": {"create": True, "version": version}}, today) == []
    # A cluster the stack does not create is not its to upgrade.
    assert settings_notes({"alb-ingress:cluster": {"name": "stage", "version": "1.33"}}, today) == []


def test_deletion_protection_on_an_ephemeral_stack_is_refused() -> None:
    config = with_overrides(stack_config("pr"), alb={"deletionProtection": True})
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, stack="pr")
    (problem,) = raised.value.problems
    assert problem.key == "alb-ingress:alb.deletionProtection"
    assert "teardown and the nightly reaper would leave it" in problem.message


# -- messages: the file, the key, every problem at once -------------------------


def _plan(tmp_path: Path, stack: str, text: str) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((ROOT / name).read_text())
    (project / f"Pulumi.{stack}.yaml").write_text(text)
    return run_plan("--stack", stack, "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)


EXTRA_VALUES_YAML = """    extraValues:
      podLabels:
        app.kubernetes.io/name: mine
      podAnnotations:
        container.apparmor.security.beta.kubernetes.io/aws-load-balancer-controller: unconfined
      tolerations:
        - operator: Equal
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms: []
      updateStrategy:
        type: Rolling
      nodeSelector:
        kubernetes.io/os: linux os
      serviceMonitor:
        enabled: true
        interval: 1 minute
      syncPeriod: 0s
"""


def test_a_stack_file_with_each_class_is_refused_through_the_plan_with_every_key(tmp_path: Path) -> None:
    text = STAGE_TEXT.replace("    identity: irsa\n", "    identity: irsa\n" + EXTRA_VALUES_YAML)
    text = text.replace(
        "    team: platform\n", '    team: platform\n    kubernetes.io/cluster/prod: owned\n    "owner ": x\n'
    )
    text = text.replace("    healthCheckPath: /\n", "    healthCheckPath: /\n    accessLogs:\n      bucket: xn--logs\n")
    proc = _plan(tmp_path, "broken", text)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: Pulumi.broken.yaml: stack config has 4 problems; nothing was created")
    for fragment in (
        "alb-ingress:controller.extraValues: podLabels.app.kubernetes.io/name: ",
        "podAnnotations.container.apparmor.security.beta.kubernetes.io/aws-load-balancer-controller: 'unconfined'",
        "tolerations[0].operator: an empty key",
        "nodeSelectorTerms: give at least one term",
        "updateStrategy.type: 'Rolling'",
        "nodeSelector.kubernetes.io/os: 'linux os'",
        "serviceMonitor.interval: '1 minute'",
        "syncPeriod: '0s'",
        "alb-ingress:tags.kubernetes.io/cluster/prod: a key under kubernetes.io/cluster/",
        "alb-ingress:tags.owner : the key has leading or trailing spaces",
        "alb-ingress:alb.accessLogs.bucket: 'xn--logs' is not a valid S3 bucket name",
    ):
        assert fragment in proc.stderr
    assert not (tmp_path / "out").exists()


def test_an_ephemeral_stack_file_with_protection_and_a_bad_instance_type_is_refused(tmp_path: Path) -> None:
    expires = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    text = PR_TEXT.replace('expires: "2099-12-31"', f'expires: "{expires}"')
    text = text.replace("nodeInstanceType: t3.medium", "nodeInstanceType: t3..medium")
    text = text.replace("    groupName: preview\n", "    groupName: preview\n    deletionProtection: true\n")
    proc = _plan(tmp_path, "pr-7", text)
    assert proc.returncode == 2, proc.stderr
    assert "alb-ingress:alb.deletionProtection: is true on an ephemeral stack" in proc.stderr
    assert "alb-ingress:cluster.nodeInstanceType: 't3..medium' is not an EC2 instance type" in proc.stderr


def test_an_unlisted_instance_type_plans_with_a_note(tmp_path: Path) -> None:
    expires = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    text = PR_TEXT.replace('expires: "2099-12-31"', f'expires: "{expires}"')
    text = text.replace("nodeInstanceType: t3.medium", "nodeInstanceType: t3.medum")
    proc = _plan(tmp_path, "pr-8", text)
    assert proc.returncode == 0, proc.stderr
    assert "note: alb-ingress:cluster.nodeInstanceType: node instance type 't3.medum' is not one" in proc.stderr
    # Said once, as a note: not a second time bare, as the program's pulumi.log line (pulumi up shows that one).
    assert proc.stderr.count("node instance type 't3.medum'") == 1, proc.stderr


def test_a_binary_value_names_its_key(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bin.yaml"
    path.write_text(
        "config:\n  alb-ingress:tags:\n    team: !!binary cGxhdGZvcm0=\n"
        "  alb-ingress:controller:\n    extraValues:\n      podLabels:\n        - !!binary YQ==\n"
    )
    with pytest.raises(StackFileError) as raised:
        load_stack_file(path, "alb-ingress")
    message = str(raised.value)
    assert "line 3: config.alb-ingress:tags.team" in message
    assert "line 7: config.alb-ingress:controller.extraValues.podLabels[0]" in message
    assert "a !!binary value; config values are text" in message


# -- AwsLoadBalancerController inputs that contradict each other ---------------

CLUSTER = CloudAnswers("us-west-2", preview=False)._cluster("platform")
ISSUER = CLUSTER["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
OTHER_ISSUER = "oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"


def _program(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    header = f"""
import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from albingress import AwsLoadBalancerController

aws_provider = aws.Provider("aws", region="us-west-2")
kube = k8s.Provider("kube", kubeconfig="{{}}")
opts = pulumi.ResourceOptions(providers={{"aws": aws_provider, "kubernetes": kube}})
ISSUER = "{ISSUER}"
OIDC = "arn:aws:iam::111122223333:oidc-provider/" + ISSUER
CLUSTER_ARN = "{CLUSTER["arn"]}"
BASE = {{"cluster_name": "platform", "region": "us-west-2", "vpc_id": "vpc-0123456789abcdef0",
        "oidc_provider_arn": OIDC, "oidc_issuer": ISSUER}}
POD = {{"cluster_name": "platform", "region": "us-west-2", "vpc_id": "vpc-0123456789abcdef0",
       "identity": "pod-identity", "cluster_arn": CLUSTER_ARN}}
"""
    (tmp_path / "__main__.py").write_text(header + textwrap.dedent(body))
    return tmp_path


def _refused(tmp_path: Path, body: str, preview: bool = False) -> str:
    with pytest.raises(albingress.ControllerInputError) as raised:
        run_program({"aws:region": "us-west-2"}, "dev", preview=preview, project_dir=_program(tmp_path, body))
    message = str(raised.value)
    assert message.startswith("__main__.py: AwsLoadBalancerController lbc: ")
    return message


def _ok(tmp_path: Path, body: str) -> None:
    run_program({"aws:region": "us-west-2"}, "dev", preview=True, project_dir=_program(tmp_path, body))


EU_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Offline: the issuer's region is in its host name.
        (
            f'{{**BASE, "oidc_issuer": "{EU_ISSUER}", "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/'
            f'{EU_ISSUER}"}}',
            "args.oidc_issuer: 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF' is the issuer "
            "of a cluster at oidc.eks.eu-west-1.amazonaws.com, but region is us-west-2",
        ),
        # Offline: the provider and the issuer are two clusters'.
        (
            f'{{**BASE, "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/{OTHER_ISSUER}"}}',
            f"args.oidc_provider_arn: is the provider of {OTHER_ISSUER}, but oidc_issuer is",
        ),
        ('{**BASE, "oidc_provider_arn": "arn:aws-cn:iam::111122223333:oidc-provider/" + ISSUER}', "partition aws-cn"),
        # A cluster ARN of another region or another cluster.
        (
            '{**POD, "cluster_arn": "arn:aws:eks:eu-west-1:111122223333:cluster/platform"}',
            "args.cluster_arn: names a cluster in eu-west-1 (aws), but region is us-west-2",
        ),
        (
            '{**POD, "cluster_arn": "arn:aws:eks:us-west-2:111122223333:cluster/other"}',
            "args.cluster_arn: names cluster 'other', but cluster_name is 'platform'",
        ),
        # A boundary of another account (the role's account is the cluster's), or another partition.
        (
            '{**POD, "iam": {"permissions_boundary_arn": "arn:aws:iam::444455556666:policy/boundary"}}',
            "args.iam.permissions_boundary_arn: is a policy of account 444455556666, but the role is made in account "
            "111122223333 (from cluster_arn)",
        ),
        (
            '{**BASE, "iam": {"permissions_boundary_arn": "arn:aws:iam::444455556666:policy/boundary"}}',
            "(from oidc_provider_arn)",
        ),
        (
            '{**BASE, "iam": {"permissions_boundary_arn": "arn:aws-cn:iam::aws:policy/PowerUserAccess"}}',
            "is in partition aws-cn, but the stack deploys to us-west-2",
        ),
        # A class another controller installs by default, plain or as an Output.
        ('{**BASE, "ingress_class": "nginx"}', "args.ingress_class: 'nginx' is the class another ingress controller"),
        ('{**BASE, "ingress_class": "cilium"}', "args.ingress_class: 'cilium' is the class another"),
        ('{**BASE, "ingress_class": pulumi.Output.from_input("traefik")}', "args.ingress_class: 'traefik' is the"),
        # Plain-only inputs given as Outputs: said so, never an object's repr.
        ('{**BASE, "identity": pulumi.Output.from_input("irsa")}', "args.identity: must be a plain value"),
        ('{**BASE, "gateway_api": pulumi.Output.from_input(True)}', "args.gateway_api: must be a plain value"),
        ('{**BASE, "iam": pulumi.Output.from_input({"role_path": "/"})}', "args.iam: must be a plain value"),
        (
            '{**BASE, "iam": {"extra_policy_arns": [pulumi.Output.from_input("arn:aws:iam::aws:policy/ReadOnly")]}}',
            "args.iam.extra_policy_arns: must be a plain value",
        ),
        ("pulumi.Output.from_input(BASE)", "args: must be a plain value"),
    ],
)
def test_contradicting_inputs_are_refused(args: str, expected: str, tmp_path: Path) -> None:
    message = _refused(tmp_path, f'AwsLoadBalancerController("lbc", {args}, opts=opts)')
    assert expected in message
    assert "object at 0x" not in message and "<pulumi" not in message


@pytest.mark.parametrize(
    "args",
    [
        # Resolved later, the same checks: an issuer of another region arriving as an Output.
        f'{{**BASE, "oidc_issuer": pulumi.Output.from_input("{EU_ISSUER}"), "oidc_provider_arn": '
        f'"arn:aws:iam::111122223333:oidc-provider/{EU_ISSUER}"}}',
        '{**POD, "cluster_arn": pulumi.Output.from_input("arn:aws:eks:us-west-2:111122223333:cluster/other")}',
    ],
)
def test_contradicting_outputs_are_refused_when_they_resolve(args: str, tmp_path: Path) -> None:
    message = _refused(tmp_path, f'AwsLoadBalancerController("lbc", {args}, opts=opts)')
    assert "args.oidc_issuer" in message or "args.cluster_arn" in message


def test_an_issuer_of_another_cluster_is_refused_at_preview_by_describe_cluster(tmp_path: Path) -> None:
    """Well formed and of the right region, so nothing offline can tell: EKS's answer for the cluster can."""
    body = f"""
    AwsLoadBalancerController("lbc", {{**BASE, "oidc_issuer": "{OTHER_ISSUER}",
        "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/{OTHER_ISSUER}"}}, opts=opts)
    """
    message = _refused(tmp_path, body, preview=True)
    assert f"args.oidc_issuer: '{OTHER_ISSUER}' is not the OIDC issuer of cluster 'platform'" in message
    assert f"'{ISSUER}' (eks:DescribeCluster)" in message


def test_a_cluster_arn_of_another_account_is_refused_by_describe_cluster(tmp_path: Path) -> None:
    body = """
    AwsLoadBalancerController("lbc", {**POD, "cluster_arn": "arn:aws:eks:us-west-2:444455556666:cluster/platform"},
        opts=opts)
    """
    assert "is not the ARN of cluster 'platform'" in _refused(tmp_path, body, preview=True)


def test_consistent_inputs_and_aws_managed_boundaries_pass(tmp_path: Path) -> None:
    _ok(
        tmp_path,
        """
        AwsLoadBalancerController("lbc", {**BASE, "oidc_issuer": "https://" + ISSUER,
            "iam": {"permissions_boundary_arn": "arn:aws:iam::aws:policy/PowerUserAccess"}}, opts=opts)
        AwsLoadBalancerController("pod", {**POD,
            "iam": {"permissions_boundary_arn": "arn:aws:iam::111122223333:policy/boundary"}}, opts=opts)
        """,
    )


def test_every_contradiction_is_reported_at_once(tmp_path: Path) -> None:
    body = """
    AwsLoadBalancerController("lbc", {**POD, "cluster_arn": "arn:aws:eks:eu-west-1:111122223333:cluster/other",
        "iam": {"permissions_boundary_arn": "arn:aws:iam::444455556666:policy/b"}, "ingress_class": "nginx",
        "extra_values": {"syncPeriod": "0s"}}, opts=opts)
    """
    message = _refused(tmp_path, body)
    assert "4 input problems" in message or "5 input problems" in message
    for fragment in ("names a cluster in eu-west-1", "names cluster 'other'", "account 444455556666", "nginx"):
        assert fragment in message
    assert "extra_values" in message


def test_a_component_input_error_names_the_program_through_the_plan(tmp_path: Path) -> None:
    (tmp_path / "consumer").mkdir()
    project = _program(
        tmp_path / "consumer", 'AwsLoadBalancerController("lbc", {**BASE, "ingress_class": "nginx"}, opts=opts)'
    )
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    proc = run_plan("--stack", "dev", "--project-dir", str(project), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: __main__.py: AwsLoadBalancerController lbc: 1 input problem")
    assert "Pulumi.dev.yaml" not in proc.stderr


# -- extra_values keys are the user's, in both callers (review round 2) ----------------------------------

FREE_FORM = {
    "nodeSelector": {"Disk_Type": "ssd", "kubernetes.io/os": "linux"},
    "podLabels": {"my_label": "y", "Team": "a", "team.example.com/owner": "x"},
}


def _chart_values(result: Any) -> dict[str, Any]:
    (release,) = [
        r
        for r in result.by_type("kubernetes:helm.sh/v3:Release")
        if "aws-load-balancer-controller" in str(r.inputs.get("chart"))
    ]
    values: dict[str, Any] = release.inputs["values"]
    return values


def test_extra_values_keys_reach_the_chart_as_written_from_the_component_and_the_stack(tmp_path: Path) -> None:
    """Keys inside a free-form map are never re-spelt (Disk_Type stays Disk_Type; kubernetes.io/os is a valid
    node label, not 'kubernetes.Io/Os'): the component and the stack file hand the chart the same values."""
    body = f"AwsLoadBalancerController('lbc', {{**BASE, 'extra_values': {FREE_FORM!r}}}, opts=opts)\n"
    component = run_program({"aws:region": "us-west-2"}, "dev", preview=True, project_dir=_program(tmp_path, body))
    stack = run_program(with_overrides(stack_config("stage"), controller={"extraValues": FREE_FORM}), "stage", True)
    for result in (component, stack):
        values = _chart_values(result)
        assert values["nodeSelector"] == FREE_FORM["nodeSelector"], values["nodeSelector"]
        assert {k: values["podLabels"][k] for k in FREE_FORM["podLabels"]} == FREE_FORM["podLabels"]


def test_a_bad_label_key_inside_extra_values_is_named_as_written(tmp_path: Path) -> None:
    body = "AwsLoadBalancerController('lbc', {**BASE, 'extra_values': {'podLabels': {'-bad': 'x'}}}, opts=opts)\n"
    message = _refused(tmp_path, body)
    assert "'-bad'" in message and "Bad" not in message


def test_a_tag_value_with_the_aws_prefix_is_refused_in_the_stack_and_the_component(tmp_path: Path) -> None:
    """Elastic Load Balancing User Guide, "Tag an Application Load Balancer": do not use the aws: prefix in tag
    names or values (reserved for AWS use)."""
    assert "starts with 'aws:'" in str(tag_problem("team", "aws:x"))
    assert "starts with 'aws:'" in str(tag_problem("team", "AWS:x"))
    assert tag_problem("team", "x-aws:y") is None  # only a prefix is reserved
    assert "starts with 'aws:'" in _problems(tags={"team": "aws:x"})["alb-ingress:tags.team"]
    message = _refused(tmp_path, "AwsLoadBalancerController('lbc', {**BASE, 'tags': {'team': 'aws:x'}}, opts=opts)\n")
    assert "args.tags" in message and "starts with 'aws:'" in message
