"""The package: its public component used by another program, its schema, and the provider entry point.

The Python example runs under the offline plan's mocks with pulumi-eks's outputs as Outputs (the mock cloud
answers eks:index:Cluster as pulumi-eks does, with references to the cluster, role and provider it made);
the entry point is started as a subprocess and asked for its schema over Pulumi's provider protocol.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

import albingress
from albingress.components.model import ConfigError
from albingress.stack_settings import parse_settings
from albops.preview.cloud import CloudAnswers
from albops.preview.runner import PlanResult, read_stack_file, run_program
from provider.hosted import schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "python"
COMMITTED = ROOT / "provider" / "schema.json"
# The mock cloud's cluster "platform" in us-west-2 (what eks:DescribeCluster answers): the component compares the
# issuer and ARN a program passes with it, so the programs below pass that cluster's own, as a user copies them.
PLATFORM = CloudAnswers("us-west-2", preview=False)._cluster("platform")
PLATFORM_ISSUER = PLATFORM["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
PLATFORM_ARN = PLATFORM["arn"]
CONTROLLER = "albingress:index:AwsLoadBalancerController"


@pytest.fixture(scope="module")
def example() -> PlanResult:
    return run_program({"aws:region": "us-west-2"}, "dev", preview=False, project_dir=EXAMPLE)


def test_the_committed_schema_is_the_one_the_code_makes() -> None:
    """Regenerate with `.venv/bin/python -m provider.hosted > provider/schema.json` after changing an input."""
    assert schema() == json.loads(COMMITTED.read_text()), "provider/schema.json is stale: regenerate it"


def test_the_schema_names_the_version_the_inputs_and_the_outputs() -> None:
    document = json.loads(COMMITTED.read_text())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert document["name"] == "albingress"
    assert document["version"] == albingress.__version__ == pyproject["project"]["version"]
    assert f"controller {albingress.CONTROLLER_VERSION}" in document["description"]
    controller = document["resources"][CONTROLLER]
    assert controller["isComponent"] is True
    assert controller["requiredInputs"] == ["clusterName", "region", "vpcId"]
    for name in ("clusterName", "oidcProviderArn", "oidcIssuer", "clusterArn", "vpcId"):
        assert "pulumi-eks" in controller["inputProperties"][name]["description"]
    # What decides which resources exist is a plain value in every language.
    plain = ("identity", "version", "iam", "gatewayApi", "installGatewayApiCrds")
    assert all(controller["inputProperties"][k].get("plain") for k in plain)
    assert set(controller["properties"]) == {
        "roleArn",
        "policyArn",
        "releaseStatus",
        "ingressClassName",
        "gatewayClassName",
        "namespace",
        "serviceAccountName",
    }
    # No resource-typed input: they would pin a provider SDK's version into the schema.
    assert "dependencies" not in document or not document["dependencies"]


def test_the_entry_point_serves_the_schema_over_the_provider_protocol() -> None:
    import grpc
    from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "provider" / "__main__.py"), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT / "provider",
        text=True,
    )
    try:
        assert proc.stdout is not None
        # Every Pulumi provider prints its port first; a provider that never starts must not hang the suite.
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the provider printed no port within 60 s"
        port = int(proc.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            reply = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
        assert json.loads(reply.schema) == json.loads(COMMITTED.read_text())
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _by_type(result: PlanResult, resource_type: str) -> list[Any]:
    return [r for r in result.resources if r.type == resource_type]


def test_the_python_example_wires_pulumi_eks_outputs_into_the_controller(example: PlanResult) -> None:
    (cluster,) = _by_type(example, "eks:index:Cluster")
    (component,) = _by_type(example, CONTROLLER)
    children = [r for r in example.resources if r.parent == component.urn]
    assert {c.type for c in children} == {"albingress:index:ControllerIam", "albingress:index:ControllerRelease"}
    (role,) = _by_type(example, "aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    issuer = cluster.outputs["oidcIssuer"]
    assert statement["Principal"] == {"Federated": cluster.outputs["oidcProviderArn"]}
    assert statement["Condition"]["StringEquals"][f"{issuer}:sub"] == (
        "system:serviceaccount:kube-system:aws-load-balancer-controller"
    )
    (release,) = _by_type(example, "kubernetes:helm.sh/v3:Release")
    values = release.inputs["values"]
    # cluster.eks_cluster.name and cluster.core.vpc_id, read through pulumi-eks's resource references.
    assert values["clusterName"] == "platform"
    assert values["vpcId"] == cluster.outputs["core"]["vpcId"]
    assert values["region"] == "us-west-2"
    assert example.outputs["ingressClassName"] == "alb"
    (ingress,) = _by_type(example, "kubernetes:networking.k8s.io/v1:Ingress")
    assert ingress.inputs["spec"]["ingressClassName"] == "alb"  # the controller's output, passed on
    assert ingress.inputs["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "platform"
    assert example.outputs["webGroup"] == "platform"
    assert str(example.outputs["controllerRoleArn"]).startswith("arn:aws:iam::")


def test_the_python_example_passes_the_projects_own_guardrails(example: PlanResult) -> None:
    """What users copy must pass what the project asks of them: the drain, probes and limits (issue 23)."""
    from albops.cli.commands.plan import guardrail_violations

    assert guardrail_violations(example, {"aws:region": "us-west-2"}) == []
    (deployment,) = _by_type(example, "kubernetes:apps/v1:Deployment")
    pod = deployment.inputs["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (target_group,) = [
        attribute
        for ingress in _by_type(example, "kubernetes:networking.k8s.io/v1:Ingress")
        for attribute in str(
            ingress.inputs["metadata"]["annotations"].get("alb.ingress.kubernetes.io/target-group-attributes", "")
        ).split(",")
        if attribute.startswith("deregistration_delay.timeout_seconds=")
    ] or ["deregistration_delay.timeout_seconds=300"]
    delay = int(target_group.partition("=")[2])
    sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert delay < sleep < pod["terminationGracePeriodSeconds"]  # it outlives the ALB's deregistration delay
    assert container["readinessProbe"] and container["livenessProbe"]
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])


def test_the_providers_come_through_opts_and_reach_every_child(example: PlanResult) -> None:
    aws = [r for r in example.resources if r.custom and r.type.startswith("aws:")]
    kube = [r for r in example.resources if r.custom and r.type.startswith("kubernetes:")]
    assert aws and kube
    assert {r.provider.split("::")[-2] for r in aws} == {"aws"}
    assert {r.provider.split("::")[-2] for r in kube} == {"platform"}


def test_the_stacks_children_keep_their_urns_through_an_alias(stage_apply: PlanResult) -> None:
    """The IAM and release components stood at the top of the stack before the public component existed."""
    for kind in ("albingress:index:ControllerIam", "albingress:index:ControllerRelease"):
        (child,) = _by_type(stage_apply, kind)
        assert child.parent.endswith(f"{CONTROLLER}::stage-lbc")
        assert "noParent" in child.aliases


def test_a_preview_says_which_inputs_it_cannot_check_yet() -> None:
    result = run_program({"aws:region": "us-west-2"}, "dev", preview=True, project_dir=EXAMPLE)
    assert _by_type(result, CONTROLLER)
    said = " ".join(result.logged.info)  # pulumi.log.info, which pulumi up shows
    for key in ("cluster_name", "vpc_id", "oidc_provider_arn", "oidc_issuer"):
        assert f"args.{key} is not known until apply: it is checked then" in said


def _program(tmp_path: Path, body: str) -> Path:
    """A one-file Pulumi program using the component, as another team would write it."""
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    header = textwrap.dedent(
        """
        import pulumi
        import pulumi_aws as aws
        import pulumi_kubernetes as k8s
        from albingress import AwsLoadBalancerController

        aws_provider = aws.Provider("aws", region="us-west-2")
        kube = k8s.Provider("kube", kubeconfig="{}")
        opts = pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": kube})
        ISSUER = "{issuer}"
        OIDC = "arn:aws:iam::111122223333:oidc-provider/" + ISSUER
        CLUSTER_ARN = "{cluster_arn}"
        BASE = {"cluster_name": "platform", "region": "us-west-2", "vpc_id": "vpc-0123456789abcdef0",
                "oidc_provider_arn": OIDC, "oidc_issuer": ISSUER}
        """
    )
    header = header.replace("{issuer}", PLATFORM_ISSUER).replace("{cluster_arn}", PLATFORM_ARN)
    (tmp_path / "__main__.py").write_text(header + textwrap.dedent(body))
    return tmp_path


def _refused(tmp_path: Path, body: str) -> str:
    with pytest.raises(albingress.ControllerInputError) as raised:
        run_program({"aws:region": "us-west-2"}, "dev", preview=False, project_dir=_program(tmp_path, body))
    return str(raised.value)


def test_bad_plain_inputs_are_refused_together_before_anything_is_created(tmp_path: Path) -> None:
    message = _refused(
        tmp_path,
        """
        AwsLoadBalancerController("lbc", {**BASE, "replicas": 11, "namespace": "Kube_System", "replica": 2,
            "extra_values": {"clusterName": "other"}, "ingress_class": "nginx", "vpc_id": "vpc-1"}, opts=opts)
        """,
    )
    assert message.startswith("__main__.py: AwsLoadBalancerController lbc: 6 input problems; nothing was created")
    for expected in (
        "args.replica: not an input of AwsLoadBalancerController",
        "args.vpc_id: 'vpc-1' is not a VPC id",
        "args.replicas: 11 is out of range; use 1 to 10",
        "args.namespace: 'Kube_System' is not a Kubernetes name",
        "args.extra_values: clusterName: not allowed here, set from cluster_name",
    ):
        assert expected in message
    assert "args.ingress_class: 'nginx' is the class another ingress controller" in message


def test_the_component_and_the_stack_refuse_a_value_with_the_same_words(tmp_path: Path) -> None:
    config = read_stack_file("stage")
    config["alb-ingress:controller"] = {**dict(config["alb-ingress:controller"]), "replicas": 11}
    with pytest.raises(ConfigError) as stack_error:
        parse_settings(config, stack="stage")
    (problem,) = stack_error.value.problems
    assert problem.key == "alb-ingress:controller.replicas"
    message = _refused(tmp_path, 'AwsLoadBalancerController("lbc", {**BASE, "replicas": 11}, opts=opts)')
    assert f"args.replicas: {problem.message}" in message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ('{**BASE, "identity": "iam"}', "args.identity: 'iam' is not irsa or pod-identity"),
        ('{k: v for k, v in BASE.items() if k != "oidc_issuer"}', "args.oidc_issuer: is required with identity irsa"),
        ('{**BASE, "identity": "pod-identity"}', "args.cluster_arn: is required with identity pod-identity"),
        ('{k: v for k, v in BASE.items() if k != "region"}', "args.region: is required"),
        ('{**BASE, "version": pulumi.Output.from_input("v3.5.0")}', "args.version: must be a plain value"),
        ('{**BASE, "ingress_class": "alb-auto"}', "'alb-auto' is the class this project gives EKS Auto Mode"),
        ('{**BASE, "region": "us-west-9"}', "args.region: 'us-west-9' is not an AWS region; did you mean"),
        ("None", "args: NoneType is not a mapping of inputs"),
        # Reserved tag keys would mark the controller's load balancers as another stack's or cluster's.
        (
            '{**BASE, "default_tags": {"alb-ingress/stack": "alb-ingress/prod"}}',
            "args.default_tags.alb-ingress/stack: keys under alb-ingress/ are reserved",
        ),
        ('{**BASE, "tags": {"elbv2.k8s.aws/cluster": "other"}}', "args.tags.elbv2.k8s.aws/cluster: keys under"),
        ('{**BASE, "tags": {"team": "a,b"}}', "args.tags.team: 'a,b' is not an AWS tag"),
        (
            '{**BASE, "default_tags": pulumi.Output.from_input({"ingress.k8s.aws/stack": "x"})}',
            "args.default_tags.ingress.k8s.aws/stack: keys under ingress.k8s.aws/ are reserved",
        ),
    ],
)
def test_each_wrong_shape_of_input_is_named(args: str, expected: str, tmp_path: Path) -> None:
    assert expected in _refused(tmp_path, f'AwsLoadBalancerController("lbc", {args}, opts=opts)')


def test_an_output_input_is_checked_when_it_resolves_and_fails_the_update(tmp_path: Path) -> None:
    message = _refused(
        tmp_path,
        """
        AwsLoadBalancerController("lbc", {**BASE, "replicas": pulumi.Output.from_input(0),
            "vpc_id": pulumi.Output.from_input("vpc-0123456789abcdef0")}, opts=opts)
        """,
    )
    assert "args.replicas: 0 is out of range; use 1 to 10" in message


def test_a_good_output_input_reaches_the_chart(tmp_path: Path) -> None:
    body = """
    AwsLoadBalancerController("lbc", {**BASE, "replicas": pulumi.Output.from_input(3),
        "resources": {"cpu_request": pulumi.Output.from_input("200m")}}, opts=opts)
    """
    result = run_program({"aws:region": "us-west-2"}, "dev", preview=False, project_dir=_program(tmp_path, body))
    (release,) = _by_type(result, "kubernetes:helm.sh/v3:Release")
    assert release.inputs["values"]["replicaCount"] == 3
    assert release.inputs["values"]["resources"]["requests"]["cpu"] == "200m"


def test_pod_identity_trusts_only_the_named_cluster(tmp_path: Path) -> None:
    body = """
    AwsLoadBalancerController("lbc", {"cluster_name": "platform", "region": "us-west-2",
        "vpc_id": "vpc-0123456789abcdef0", "identity": "pod-identity",
        "cluster_arn": CLUSTER_ARN}, opts=opts)
    """
    result = run_program({"aws:region": "us-west-2"}, "dev", preview=False, project_dir=_program(tmp_path, body))
    (role,) = _by_type(result, "aws:iam/role:Role")
    condition = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:SourceAccount"] == PLATFORM_ARN.split(":")[4]
    assert condition["aws:RequestTag/eks-cluster-arn"] == PLATFORM_ARN
    (association,) = _by_type(result, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert association.inputs["clusterName"] == "platform"
    (sa,) = _by_type(result, "kubernetes:core/v1:ServiceAccount")
    assert "eks.amazonaws.com/role-arn" not in (sa.inputs["metadata"].get("annotations") or {})


def test_the_yaml_example_sets_only_inputs_the_schema_has_with_their_types() -> None:
    document = json.loads(COMMITTED.read_text())
    program = yaml.safe_load((ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text())
    kinds = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}
    used = [r for r in program["resources"].values() if r["type"].startswith("albingress:")]
    assert {r["type"] for r in used} == {CONTROLLER, "albingress:index:AlbApp"}

    def check(properties: dict[str, Any], spec: dict[str, Any], where: str) -> None:
        for key, value in properties.items():
            assert key in spec, f"{where}.{key} is not in the schema"
            prop = spec[key]
            if isinstance(value, str) and value.startswith("${"):
                continue  # an output of another resource: typed by that resource
            if "$ref" in prop:
                nested = document["types"][prop["$ref"].removeprefix("#/types/")]["properties"]
                check(value, nested, f"{where}.{key}")
            elif prop["type"] == "array" and "$ref" in prop["items"]:
                nested = document["types"][prop["items"]["$ref"].removeprefix("#/types/")]["properties"]
                assert isinstance(value, list)
                for index, item in enumerate(value):
                    check(item, nested, f"{where}.{key}[{index}]")
            else:
                assert isinstance(value, kinds[prop["type"]]), f"{where}.{key} is not a {prop['type']}"

    for resource in used:
        spec = document["resources"][resource["type"]]
        check(resource["properties"], spec["inputProperties"], resource["type"])
        assert set(spec["requiredInputs"]) <= set(resource["properties"])


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==", 1) for line in lines if "==" in line)


def test_the_provider_installs_what_it_imports_at_the_repositorys_pins() -> None:
    """The provider's venv is made from provider/requirements.txt alone: it must hold every distribution the
    components import, pinned as the stack pins them."""
    provider_pins, stack_pins = _pins(ROOT / "provider" / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert all(stack_pins[name] == version for name, version in provider_pins.items())
    code = "import sys; sys.path.insert(0, sys.argv[1]); import provider.hosted; print(' '.join(sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True)
    imported = {name.split(".")[0] for name in proc.stdout.split()}
    # And what its modules import only when a call needs it (jsonschema for the scheduling fields, say), which
    # importing does not load: every import statement of every module provider.hosted reaches (grimp, the
    # graph import-linter checks the floors with).
    import grimp

    graph = grimp.build_graph("provider", "albingress", include_external_packages=True)
    imported |= {name.split(".")[0] for name in graph.find_upstream_modules("provider.hosted")}
    distributions = {"pulumi": "pulumi", "pulumi_aws": "pulumi-aws", "pulumi_kubernetes": "pulumi-kubernetes"}
    distributions |= {"pydantic": "pydantic", "yaml": "PyYAML", "botocore": "boto3", "pulumi_eks": "pulumi-eks"}
    distributions |= {"websockets": "websockets", "moto": "moto", "jsonschema": "jsonschema"}
    needed = {distributions[m] for m in imported if m in distributions}
    assert needed == set(provider_pins), f"provider/requirements.txt should list exactly {sorted(needed)}"
