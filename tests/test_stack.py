"""The whole program under Pulumi's mocks: what each component registers, in what order."""

from __future__ import annotations

import json

import pytest

from albingress.components.model import ConfigError
from albingress.policies.controller_iam import controller_policy
from albops.preview.cloud import CloudAnswers
from albops.preview.runner import UNKNOWN, PlanResult
from tests.conftest import StackRunner

ANN = "alb.ingress.kubernetes.io/"


def _depends_on(result: PlanResult, child_type: str, parent_type: str) -> bool:
    child = result.one(child_type)
    parent = result.one(parent_type)
    return parent.urn in child.dependencies


def test_stage_creates_exactly_the_expected_resources(stage_apply: PlanResult) -> None:
    custom = sorted(r.type for r in stage_apply.resources if r.custom)
    assert custom == sorted(
        [
            "aws:iam/policy:Policy",
            "aws:iam/role:Role",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:Namespace",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:networking.k8s.io/v1:Ingress",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "pulumi:providers:aws",
            "pulumi:providers:kubernetes",
        ]
    )
    # An existing certificate ARN means no ACM or Route 53 resource at all.
    assert not [r for r in stage_apply.resources if r.type.startswith(("aws:acm", "aws:route53"))]
    # yaml/v2 ConfigFile is a remote component: registered, but not custom.
    assert len(stage_apply.by_type("kubernetes:yaml/v2:ConfigFile")) == 2


def test_every_resource_is_parented_by_its_component(stage_apply: PlanResult) -> None:
    components = {r.urn: r.type for r in stage_apply.resources if r.type.startswith("albingress:")}
    for reg in stage_apply.resources:
        if reg.custom:
            assert reg.parent in components, f"{reg.type} {reg.name} is not under a component"
    expected = {
        "aws:iam/policy:Policy": "albingress:index:ControllerIam",
        "kubernetes:helm.sh/v3:Release": "albingress:index:ControllerRelease",
        "kubernetes:core/v1:ServiceAccount": "albingress:index:ControllerRelease",
        "kubernetes:networking.k8s.io/v1:Ingress": "albingress:index:Echoserver",
        "pulumi:providers:kubernetes": "albingress:index:ClusterAccess",
    }
    for child, parent in expected.items():
        assert components[stage_apply.one(child).parent] == parent


def test_policy_document_is_the_pinned_version(stage_apply: PlanResult) -> None:
    policy = json.loads(stage_apply.one("aws:iam/policy:Policy").inputs["policy"])
    assert policy == controller_policy("v3.5.0", "aws")


def test_irsa_trust_is_scoped_to_the_service_account(stage_apply: PlanResult) -> None:
    trust = json.loads(stage_apply.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    federated = statement["Principal"]["Federated"]
    assert federated.startswith("arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/")
    issuer = federated.split("oidc-provider/", 1)[1]
    assert statement["Condition"] == {
        "StringEquals": {
            f"{issuer}:sub": "system:serviceaccount:kube-system:aws-load-balancer-controller",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
    }


def test_oidc_provider_override_skips_the_lookup(run_stack: StackRunner) -> None:
    # The provider of the issuer the mock cloud describes cluster "stage" with, as `aws iam
    # list-open-id-connect-providers` would list it.
    issuer = CloudAnswers("us-west-2", preview=False)._cluster("stage")["identities"][0]["oidcs"][0]["issuer"]
    host = issuer.removeprefix("https://")
    arn = f"arn:aws:iam::111122223333:oidc-provider/{host}"
    result = run_stack(cluster={"oidcProviderArn": arn, "vpcId": "vpc-0123456789abcdef0"})
    statement = json.loads(result.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"][0]
    assert statement["Principal"]["Federated"] == arn
    assert f"{host}:aud" in statement["Condition"]["StringEquals"]
    assert result.one("kubernetes:helm.sh/v3:Release").inputs["values"]["vpcId"] == "vpc-0123456789abcdef0"


def test_an_oidc_provider_of_another_cluster_is_refused(run_stack: StackRunner) -> None:
    """Well formed, right region and account, but not the issuer EKS describes the cluster with: the role would
    trust another cluster's service accounts."""
    arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789"
    with pytest.raises(ConfigError) as raised:
        run_stack(cluster={"oidcProviderArn": arn, "vpcId": "vpc-0123456789abcdef0"})
    (problem,) = raised.value.problems
    assert problem.key == "alb-ingress:cluster.oidcProviderArn"
    assert "is the provider of oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789, but cluster stage" in str(problem)


def test_service_account_carries_the_role_arn(stage_apply: PlanResult) -> None:
    sa = stage_apply.one("kubernetes:core/v1:ServiceAccount").inputs["metadata"]
    assert sa["name"] == "aws-load-balancer-controller"
    assert sa["namespace"] == "kube-system"
    assert sa["annotations"]["eks.amazonaws.com/role-arn"] == stage_apply.outputs["controllerRoleArn"]
    assert stage_apply.outputs["controllerRoleArn"].startswith("arn:aws:iam::111122223333:role/stage-lbc-role-")


def test_helm_release_uses_the_charts_real_values(stage_apply: PlanResult) -> None:
    release = stage_apply.one("kubernetes:helm.sh/v3:Release").inputs
    assert release["chart"] == "aws-load-balancer-controller"
    assert release["version"] == "3.5.0"
    assert release["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert release["namespace"] == "kube-system"
    assert release["skipCrds"] is True
    assert release.get("skipAwait") is False
    values = release["values"]
    assert values["clusterName"] == "stage"
    assert values["region"] == "us-west-2"
    assert values["vpcId"].startswith("vpc-")
    assert values["serviceAccount"] == {"create": False, "name": "aws-load-balancer-controller"}
    assert values["replicaCount"] == 2
    assert values["podDisruptionBudget"] == {"maxUnavailable": 1}
    (spread,) = values["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"
    assert spread["labelSelector"]["matchLabels"]["app.kubernetes.io/instance"] == release["name"]
    assert values["enableServiceMutatorWebhook"] is False


def test_crds_come_from_the_pinned_controller_tag(stage_apply: PlanResult) -> None:
    files = sorted(r.inputs["file"] for r in stage_apply.by_type("kubernetes:yaml/v2:ConfigFile"))
    assert all("/aws-load-balancer-controller/v3.5.0/helm/aws-load-balancer-controller/crds/" in f for f in files)
    assert [f.rsplit("/", 1)[1] for f in files] == ["crds.yaml", "gateway-crds.yaml"]


def test_release_waits_for_identity_crds_and_service_account(stage_apply: PlanResult) -> None:
    release = stage_apply.one("kubernetes:helm.sh/v3:Release")
    needed = [
        "kubernetes:core/v1:ServiceAccount",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ]
    for type_token in needed:
        assert stage_apply.one(type_token).urn in release.dependencies, type_token
    for crd in stage_apply.by_type("kubernetes:yaml/v2:ConfigFile"):
        assert crd.urn in release.dependencies


@pytest.mark.parametrize(
    "child",
    [
        "kubernetes:core/v1:Namespace",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
        "kubernetes:networking.k8s.io/v1:Ingress",
    ],
)
def test_webhook_intercepted_objects_wait_for_the_controller(stage_apply: PlanResult, child: str) -> None:
    reg = stage_apply.one(child)
    release = stage_apply.one("kubernetes:helm.sh/v3:Release")
    namespace = stage_apply.one("kubernetes:core/v1:Namespace")
    # Directly, or through the namespace that itself waits for the release.
    assert release.urn in reg.dependencies or (
        namespace.urn in reg.dependencies and release.urn in namespace.dependencies
    )


def test_kubernetes_objects_use_the_clusters_provider(stage_apply: PlanResult) -> None:
    provider = stage_apply.one("pulumi:providers:kubernetes")
    kube = [r for r in stage_apply.resources if r.type.startswith("kubernetes:")]
    assert len(kube) == 9  # six objects, the release and the two CRD files (remote components)
    for reg in kube:
        assert reg.provider.startswith(provider.urn), reg.type


def test_kubeconfig_targets_the_named_cluster_only(stage_apply: PlanResult) -> None:
    provider = stage_apply.one("pulumi:providers:kubernetes")
    assert provider.inputs["kubeconfig"] == "[secret]"  # Pulumi marks it secret: masked in the plan's files
    kubeconfig = json.loads(provider.revealed["kubeconfig"])
    assert kubeconfig["current-context"] == "stage"
    (user,) = kubeconfig["users"]
    args = user["user"]["exec"]["args"]
    assert args[:2] == ["eks", "get-token"]
    assert args[args.index("--cluster-name") + 1] == "stage"
    assert args[args.index("--region") + 1] == "us-west-2"
    assert kubeconfig["clusters"][0]["cluster"]["server"].endswith(".gr7.us-west-2.eks.amazonaws.com")


def test_ingress_annotations_have_the_controllers_formats(stage_apply: PlanResult) -> None:
    ingress = stage_apply.one("kubernetes:networking.k8s.io/v1:Ingress").inputs
    ann = ingress["metadata"]["annotations"]
    assert ann[ANN + "scheme"] == "internet-facing"
    assert ann[ANN + "target-type"] == "ip"
    assert ann[ANN + "group.name"] == "my-alb-group"
    assert json.loads(ann[ANN + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
    assert ann[ANN + "certificate-arn"] == (
        "arn:aws:acm:us-west-2:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
    )
    assert ann[ANN + "ssl-redirect"] == "443"
    assert ann[ANN + "ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert ann[ANN + "healthcheck-path"] == "/"
    assert ann[ANN + "load-balancer-attributes"] == "idle_timeout.timeout_seconds=3600"
    assert ann[ANN + "target-group-attributes"] == "deregistration_delay.timeout_seconds=60"
    action = json.loads(ann[ANN + "actions.fixed-response"])
    assert action == {
        "type": "fixed-response",
        "fixedResponseConfig": {"contentType": "text/plain", "statusCode": "200", "messageBody": "Path is /"},
    }
    (transform,) = json.loads(ann[ANN + "transforms.echoserver"])
    assert transform["type"] == "url-rewrite"
    (rewrite,) = transform["urlRewriteConfig"]["rewrites"]
    assert rewrite["replace"] == "/$1"
    assert all(isinstance(v, str) for v in ann.values())


def test_ingress_routes_fixed_response_and_echoserver_paths(stage_apply: PlanResult) -> None:
    spec = stage_apply.one("kubernetes:networking.k8s.io/v1:Ingress").inputs["spec"]
    assert spec["ingressClassName"] == "alb"
    (rule,) = spec["rules"]
    assert rule["host"] == "www.example.com"
    fixed, echo = rule["http"]["paths"]
    assert fixed["path"] == "/" and fixed["pathType"] == "Exact"
    assert fixed["backend"]["service"] == {"name": "fixed-response", "port": {"name": "use-annotation"}}
    assert echo["path"] == "/echo" and echo["pathType"] == "Prefix"
    # The transform is keyed by the backend service name; they must agree.
    assert echo["backend"]["service"]["name"] == "echoserver"


def test_deployment_drains_longer_than_the_deregistration_delay(stage_apply: PlanResult) -> None:
    spec = stage_apply.one("kubernetes:apps/v1:Deployment").inputs["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    prestop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert prestop > 60
    assert pod["terminationGracePeriodSeconds"] > prestop
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["readinessProbe"]["httpGet"]["path"] == "/"
    assert set(container["resources"]) == {"requests", "limits"}


def test_echoserver_namespace_gets_readiness_gates_but_controller_namespace_does_not(
    stage_apply: PlanResult,
) -> None:
    namespaces = stage_apply.by_type("kubernetes:core/v1:Namespace")
    assert [n.inputs["metadata"]["name"] for n in namespaces] == ["echoserver"]
    labels = namespaces[0].inputs["metadata"]["labels"]
    assert labels == {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}


def test_stage_outputs(stage_apply: PlanResult) -> None:
    out = stage_apply.outputs
    assert out["albGroupName"] == "my-alb-group"
    assert out["echoserverUrl"] == "https://www.example.com/echo"
    assert out["albHostname"].startswith("k8s-myalbgroup-")
    assert out["albHostname"].endswith(".us-west-2.elb.amazonaws.com")
    assert out["controllerPolicyArn"].startswith("arn:aws:iam::111122223333:policy/")
    assert out["certificateArn"].startswith("arn:aws:acm:us-west-2:")


def test_preview_marks_values_known_only_after_apply(run_stack: StackRunner) -> None:
    result = run_stack(preview=True)
    assert result.outputs["controllerRoleArn"] == UNKNOWN
    assert result.outputs["albHostname"] == UNKNOWN
    assert result.outputs["echoserverUrl"] == "https://www.example.com/echo"
    sa = result.one("kubernetes:core/v1:ServiceAccount").inputs["metadata"]
    assert sa["annotations"]["eks.amazonaws.com/role-arn"] == UNKNOWN


def test_created_certificate_is_validated_before_the_ingress_uses_it(sandbox_apply: PlanResult) -> None:
    cert = sandbox_apply.one("aws:acm/certificate:Certificate")
    assert cert.inputs["domainName"] == "*.sandbox.example.com"
    assert cert.inputs["validationMethod"] == "DNS"
    (record,) = [r for r in sandbox_apply.by_type("aws:route53/record:Record") if r.name == "sandbox-alb-validation"]
    assert record.inputs["zoneId"] == "Z0EXAMPLE1SANDBOX2ZONE"
    assert record.inputs["type"] == "CNAME"
    assert record.inputs["name"].endswith(".sandbox.example.com.")
    assert record.inputs["records"][0].endswith(".acm-validations.aws.")
    validation = sandbox_apply.one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.inputs["validationRecordFqdns"] == [record.outputs["fqdn"]]
    ingress = sandbox_apply.one("kubernetes:networking.k8s.io/v1:Ingress")
    assert validation.urn in ingress.dependencies
    assert ingress.inputs["metadata"]["annotations"][ANN + "certificate-arn"] == cert.outputs["arn"]


def test_pod_identity_stack_uses_an_association_not_an_annotation(sandbox_apply: PlanResult) -> None:
    trust = json.loads(sandbox_apply.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    association = sandbox_apply.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert association["clusterName"] == "sandbox"
    assert association["namespace"] == "kube-system"
    assert association["serviceAccount"] == "aws-load-balancer-controller"
    assert association["roleArn"] == sandbox_apply.outputs["controllerRoleArn"]
    sa = sandbox_apply.one("kubernetes:core/v1:ServiceAccount").inputs["metadata"]
    assert "eks.amazonaws.com/role-arn" not in (sa.get("annotations") or {})
    assert _depends_on(
        sandbox_apply, "kubernetes:helm.sh/v3:Release", "aws:eks/podIdentityAssociation:PodIdentityAssociation"
    )


def test_config_error_stops_before_any_resource_is_registered(run_stack: StackRunner) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack(alb={"groupName": "Bad_Group", "sslRedirect": 8443})
    keys = [p.key for p in caught.value.problems]
    assert keys == ["alb-ingress:alb.groupName", "alb-ingress:alb.sslRedirect"]


def test_config_error_registers_nothing(run_stack: StackRunner) -> None:
    from pulumi.runtime import settings

    with pytest.raises(ConfigError):
        run_stack(controller={"version": "v9.9.9"})
    monitor = settings.SETTINGS.monitor
    registered = monitor.get_registered_resources()
    assert [urn for urn in registered if "pulumi:pulumi:Stack" not in urn] == []


def test_non_default_https_port_flows_into_annotations_and_url(run_stack: StackRunner) -> None:
    result = run_stack(alb={"listenPorts": [{"HTTP": 80}, {"HTTPS": 8443}], "sslRedirect": 8443})
    ann = result.one("kubernetes:networking.k8s.io/v1:Ingress").inputs["metadata"]["annotations"]
    assert ann[ANN + "ssl-redirect"] == "8443"
    assert json.loads(ann[ANN + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 8443}]
    assert result.outputs["echoserverUrl"] == "https://www.example.com:8443/echo"


def test_china_partition_keeps_the_sts_audience(run_stack: StackRunner) -> None:
    # The projected token's audience is sts.amazonaws.com in every partition;
    # only ARNs and the issuer's domain change.
    cert = "arn:aws-cn:acm:cn-north-1:111122223333:certificate/0e4a1b9c-7d2f-4c6e-9a35-2f8b6d1c4e70"
    result = run_stack(**{"aws:region": "cn-north-1", "certificate": {"arn": cert}})
    statement = json.loads(result.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"][0]
    assert statement["Principal"]["Federated"].startswith(
        "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1."
    )
    issuer = statement["Principal"]["Federated"].split("oidc-provider/", 1)[1]
    assert statement["Condition"]["StringEquals"][f"{issuer}:aud"] == "sts.amazonaws.com"
    policy = json.loads(result.one("aws:iam/policy:Policy").inputs["policy"])
    assert policy == controller_policy("v3.5.0", "aws-cn")
