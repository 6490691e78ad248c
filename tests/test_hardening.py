"""The core stack's hardening, run through the real program under mocks.

Each test names what a platform team relies on: the echoserver is safe and
gated from its first pod, only the deploying account is used, IAM is scoped,
the chart is hardened, shared objects survive a destroy, and Auto Mode,
China regions and DNS each get what they need.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from albingress.components.model import ConfigError
from albingress.components.sections import ECHO_IMAGE
from albops.preview.cloud_facts import CloudFacts, ClusterFacts
from albops.preview.runner import UNKNOWN, PlanResult
from tests.conftest import StackRunner

ANN = "alb.ingress.kubernetes.io/"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RELEASE = "kubernetes:helm.sh/v3:Release"


def _annotations(result: PlanResult) -> dict[str, Any]:
    annotations: dict[str, Any] = result.one(INGRESS).inputs["metadata"]["annotations"]
    return annotations


def _values(result: PlanResult) -> dict[str, Any]:
    values: dict[str, Any] = result.one(RELEASE).inputs["values"]
    return values


# -- 1. the echoserver -------------------------------------------------------


def test_echoserver_runs_the_websocket_image_without_a_token(stage_apply: PlanResult) -> None:
    spec = stage_apply.one("kubernetes:apps/v1:Deployment").inputs["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"] == ECHO_IMAGE == "docker.io/jmalloc/echo-server:v0.3.7"
    assert "ealen" not in json.dumps(spec)
    assert {"name": "PORT", "value": "8080"} in container["env"]
    assert spec["automountServiceAccountToken"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("stack", ["stage", "sandbox", "auto"])
def test_service_then_ingress_then_deployment(run_stack: StackRunner, stack: str) -> None:
    # The readiness gate is injected only into pods created after the controller
    # made the TargetGroupBinding, which happens while it reconciles the Ingress.
    result = run_stack(stack)
    service = result.one("kubernetes:core/v1:Service")
    ingress = result.one(INGRESS)
    deployment = result.one("kubernetes:apps/v1:Deployment")
    assert service.urn in ingress.dependencies
    assert ingress.urn in deployment.dependencies
    assert deployment.urn not in ingress.dependencies
    order = [r.urn for r in result.resources]
    assert order.index(service.urn) < order.index(ingress.urn) < order.index(deployment.urn)


# -- 3. previews are as valid as applies -------------------------------------


def test_preview_keeps_the_annotation_map_and_only_the_certificate_unknown(run_stack: StackRunner) -> None:
    result = run_stack("sandbox", preview=True)
    annotations = _annotations(result)
    assert isinstance(annotations, dict)
    unknown = sorted(k for k, v in annotations.items() if v == UNKNOWN)
    assert unknown == [ANN + "certificate-arn"]
    assert annotations[ANN + "group.name"] == "sandbox-shared"


# -- 4. least privilege ------------------------------------------------------


def test_pod_identity_trust_is_scoped_to_cluster_namespace_and_service_account(sandbox_apply: PlanResult) -> None:
    (statement,) = json.loads(sandbox_apply.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": "111122223333",
            "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:111122223333:cluster/sandbox",
            "aws:RequestTag/kubernetes-namespace": "kube-system",
            "aws:RequestTag/kubernetes-service-account": "aws-load-balancer-controller",
        }
    }


def test_role_path_boundary_and_extra_policies(run_stack: StackRunner) -> None:
    boundary = "arn:aws:iam::111122223333:policy/platform-boundary"
    extra = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::111122223333:policy/org-baseline"]
    result = run_stack(
        controller={"iam": {"rolePath": "/platform/", "permissionsBoundaryArn": boundary, "extraPolicyArns": extra}}
    )
    role = result.one("aws:iam/role:Role").inputs
    assert role["path"] == "/platform/"
    assert role["permissionsBoundary"] == boundary
    assert result.one("aws:iam/policy:Policy").inputs["path"] == "/platform/"
    attached = sorted(
        r.inputs["policyArn"] for r in result.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    )
    assert extra[0] in attached and extra[1] in attached and len(attached) == 3
    release = result.one(RELEASE)
    for attachment in result.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        assert attachment.urn in release.dependencies


def test_chart_values_harden_the_controller(stage_apply: PlanResult) -> None:
    values = _values(stage_apply)
    assert values["keepTLSSecret"] is True
    assert values["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert values["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert values["defaultTags"] == {"cluster": "stage", "managed-by": "aws-load-balancer-controller"}
    assert values["image"] == {"repository": "public.ecr.aws/eks/aws-load-balancer-controller", "tag": "v3.5.0"}
    assert (values["enableShield"], values["enableWaf"], values["enableWafv2"]) == (True, True, True)
    assert values["ingressClass"] == "alb"


def test_stack_tags_go_on_the_ingress_not_the_cluster_wide_defaults(stage_apply: PlanResult) -> None:
    tags = dict(pair.split("=", 1) for pair in _annotations(stage_apply)[ANN + "tags"].split(","))
    assert tags == {"team": "platform", "project": "alb-ingress", "stack": "stage"}
    assert "stack" not in _values(stage_apply)["defaultTags"]


def test_extra_chart_values_merge_over_the_stacks(run_stack: StackRunner) -> None:
    extra = {"logLevel": "debug", "podAnnotations": {"team": "platform"}, "nodeSelector": {"pool": "system"}}
    values = _values(run_stack(controller={"extraValues": extra}))
    assert values["logLevel"] == "debug"
    assert values["podAnnotations"] == {"team": "platform"} and values["nodeSelector"] == {"pool": "system"}
    assert values["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert values["clusterName"] == "stage"


def test_china_region_uses_the_regional_registry_and_no_shield(run_stack: StackRunner) -> None:
    cert = "arn:aws-cn:acm:cn-north-1:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
    result = run_stack(**{"aws:region": "cn-north-1", "certificate": {"arn": cert}})
    values = _values(result)
    assert values["image"]["repository"] == (
        "918309763551.dkr.ecr.cn-north-1.amazonaws.com.cn/amazon/aws-load-balancer-controller"
    )
    assert values["enableShield"] is False
    assert values["enableWafv2"] is True  # botocore has wafv2 endpoints in both China regions


def test_image_repository_is_a_config_key(run_stack: StackRunner) -> None:
    repository = "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-load-balancer-controller"
    result = run_stack(controller={"imageRepository": repository})
    assert _values(result)["image"] == {"repository": repository, "tag": "v3.5.0"}


# -- 5. shared clusters, Auto Mode, DNS, provider ----------------------------


def test_crds_are_retained_on_delete(stage_apply: PlanResult) -> None:
    crds = stage_apply.by_type("kubernetes:yaml/v2:ConfigFile")
    assert len(crds) == 2
    assert all(crd.retain_on_delete for crd in crds)
    assert not stage_apply.one(RELEASE).retain_on_delete


def test_one_explicit_aws_provider_with_region_accounts_and_default_tags(stage_apply: PlanResult) -> None:
    provider = stage_apply.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-west-2"
    assert json.loads(provider.inputs["allowedAccountIds"]) == ["111122223333"]
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags == {
        "team": "platform",
        "project": "alb-ingress",
        "stack": "stage",
        "cluster": "stage",
        "managed-by": "pulumi",
    }


@pytest.mark.parametrize("stack", ["stage", "sandbox", "auto"])
def test_every_aws_resource_uses_the_stacks_provider(run_stack: StackRunner, stack: str) -> None:
    result = run_stack(stack)
    provider = result.one("pulumi:providers:aws")
    aws = [r for r in result.resources if r.custom and r.type.startswith("aws:")]
    assert aws or stack == "auto"
    for reg in aws:
        assert reg.provider.startswith(provider.urn + "::"), reg.type
    # Lookups too: the cluster, the caller identity, the OIDC provider, the ALB.
    tokens = [token for token, _ in result.calls]
    assert "aws:index/getCallerIdentity:getCallerIdentity" in tokens
    assert "aws:eks/getCluster:getCluster" in tokens
    for token, used in result.calls:
        assert used.startswith(provider.urn + "::"), token


def test_wrong_deploying_account_stops_before_any_cloud_resource(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(account_id="999988887777")
    (problem, certificate) = caught.value.problems
    assert problem.key == "aws:allowedAccountIds"
    assert "999988887777" in problem.message
    assert certificate.key == "alb-ingress:certificate.arn"
    from pulumi.runtime import settings

    registered = settings.SETTINGS.monitor.get_registered_resources()
    kinds = {urn.split("::")[2].split("$")[-1] for urn in registered}
    assert kinds <= {"pulumi:pulumi:Stack", "albingress:index:AwsAccount", "pulumi:providers:aws"}


def test_auto_mode_creates_no_controller_only_a_class_of_its_own(run_stack: StackRunner) -> None:
    result = run_stack("auto")
    assert result.outputs["controllerMode"] == "auto"
    types = {r.type for r in result.resources}
    assert not types & {"aws:iam/role:Role", "aws:iam/policy:Policy", RELEASE, "kubernetes:yaml/v2:ConfigFile"}
    ingress_class = result.one("kubernetes:networking.k8s.io/v1:IngressClass").inputs
    assert ingress_class["metadata"]["name"] == "alb-auto"
    assert ingress_class["spec"]["controller"] == "eks.amazonaws.com/alb"
    assert ingress_class["spec"]["parameters"] == {
        "apiGroup": "eks.amazonaws.com",
        "kind": "IngressClassParams",
        "name": "alb-auto",
    }
    params = result.one("kubernetes:eks.amazonaws.com/v1:IngressClassParams").inputs
    assert params["spec"]["group"] == {"name": "auto-shared"}
    assert params["spec"]["certificateARNs"] == [result.outputs["certificateArn"]]
    selector = params["spec"]["namespaceSelector"]["matchExpressions"][0]
    assert selector == {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["echoserver"]}
    assert {"key": "deletion_protection.enabled", "value": "true"} in params["spec"]["loadBalancerAttributes"]
    ingress = result.one(INGRESS).inputs
    assert ingress["spec"]["ingressClassName"] == "alb-auto"
    annotations = ingress["metadata"]["annotations"]
    for group_wide in ("group.name", "scheme", "certificate-arn", "ssl-policy", "load-balancer-attributes"):
        assert ANN + group_wide not in annotations


def test_auto_mode_asked_of_a_cluster_without_it_is_refused(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(controller={"mode": "auto"})
    assert caught.value.problems[0].key == "alb-ingress:controller.mode"
    assert "no Auto Mode" in caught.value.problems[0].message


def test_controller_keys_on_an_auto_mode_cluster_are_refused(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("auto", controller={"identity": "pod-identity", "extraValues": {"logLevel": "debug"}})
    keys = sorted(p.key for p in caught.value.problems)
    assert keys == ["alb-ingress:controller.extraValues", "alb-ingress:controller.identity"]


def test_allowed_namespaces_on_a_self_managed_controller_is_refused(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(alb={"allowedNamespaces": ["echoserver"]})
    assert caught.value.problems[0].key == "alb-ingress:alb.allowedNamespaces"


def test_lbc_mode_can_be_forced_on_an_auto_mode_cluster_with_a_distinct_class(run_stack: StackRunner) -> None:
    result = run_stack("auto", controller={"mode": "lbc"}, alb={"allowedNamespaces": None})
    assert result.one(RELEASE).inputs["values"]["ingressClass"] == "alb"
    assert result.one(INGRESS).inputs["spec"]["ingressClassName"] == "alb"


def test_dns_alias_points_the_host_at_the_groups_alb(sandbox_apply: PlanResult) -> None:
    (record,) = [r for r in sandbox_apply.by_type("aws:route53/record:Record") if r.name == "sandbox-dns-a"]
    assert record.inputs["name"] == "echo.sandbox.example.com"
    assert record.inputs["type"] == "A"
    (alias,) = record.inputs["aliases"]
    assert alias["name"] == sandbox_apply.outputs["albHostname"]
    assert alias["zoneId"] == "Z32O12XQLNTSW2"  # ALB hosted zone of eu-west-1
    assert record.inputs["allowOverwrite"] is False


def test_production_switches_become_load_balancer_attributes(run_stack: StackRunner) -> None:
    result = run_stack(alb={"deletionProtection": True, "accessLogs": {"bucket": "alb-logs-stage", "prefix": "echo"}})
    attributes = dict(pair.split("=", 1) for pair in _annotations(result)[ANN + "load-balancer-attributes"].split(","))
    assert attributes == {
        "idle_timeout.timeout_seconds": "3600",
        "deletion_protection.enabled": "true",
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": "alb-logs-stage",
        "access_logs.s3.prefix": "echo",
    }


def test_a_cluster_that_cannot_be_read_is_a_config_error_on_its_name(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(
            cluster={"name": "no-such-cluster"},
            facts=CloudFacts(clusters={"no-such-cluster": ClusterFacts("no-such-cluster", exists=False)}),
        )
    (problem,) = caught.value.problems
    assert problem.key == "alb-ingress:cluster.name"
    assert "aws eks list-clusters --region us-west-2" in problem.message


def test_dns_alias_in_auto_mode_uses_the_ingress_status_and_the_elb_zone(run_stack: StackRunner) -> None:
    result = run_stack("auto", dns={"zoneId": "Z0EXAMPLEAUTOZONE"})
    (record,) = result.by_type("aws:route53/record:Record")
    (alias,) = record.inputs["aliases"]
    assert alias["name"] == result.outputs["albHostname"]
    assert alias["zoneId"] == "Z35SXDOTRQ7X7K"  # ELB hosted zone of us-east-1
    tokens = [token for token, _ in result.calls]
    assert "aws:elb/getHostedZoneId:getHostedZoneId" in tokens
    assert "aws:lb/getLoadBalancer:getLoadBalancer" not in tokens
