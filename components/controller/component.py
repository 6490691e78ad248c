"""``AwsLoadBalancerController``: the controller on an EKS cluster, for any Pulumi program.

It takes what a program that made its cluster with pulumi-eks already has (the cluster's name, ARN, VPC
and OIDC provider, as Outputs) and the controller's settings, and creates the IAM policy pinned to the
controller version, the role (IRSA or EKS Pod Identity), the ServiceAccount, the controller's CRDs
(retained on delete: other teams' TargetGroupBindings depend on them) and the hardened Helm release.
The AWS and Kubernetes providers come through ``opts.providers``.

The inputs are checked with the same rules, and the same messages, as this project's stack config: what
is known when the component is constructed is checked then, and nothing is created when any of it is
wrong; an input that arrives as an Output is checked when it resolves, failing the update with a message
that names the input. An Output that is still unknown during a preview cannot be checked there, and the
preview says so. ``identity``, ``version`` and ``iam.extra_policy_arns`` decide which resources exist,
so they must be plain values.
"""

# No `from __future__ import annotations` here: Pulumi's component provider reads these annotations at run
# time to build the package schema.

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, get_args

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel, to_snake

from albingress.components.app.gateway import bundle_older
from albingress.components.controller.iam import ControllerIam, ControllerIamArgs
from albingress.components.controller.model import ControllerSettings, policy_refusal, read_at_preview
from albingress.components.controller.release import ChartInputs, ControllerRelease, ControllerReleaseArgs, chart_values
from albingress.components.model import POLICY_ARN, VPC_ID, ComponentInputError, args_shape_problems, dependencies
from albingress.components.tags import tag_problem
from albingress.facts.gateway_api import (
    BUNDLE_VERSION_ANNOTATION,
    GATEWAY_API_BUNDLE,
    GATEWAY_API_CRDS_URL,
    GATEWAY_CRD_NAME,
)
from albingress.facts.names import CLUSTER_NAME
from albingress.facts.regions import (
    addon_available,
    default_controller_image,
    dns_suffix,
    partition_for_region,
    region_advice,
    region_exists,
)
from albingress.policies.app_checks import claimed_class
from albingress.policies.iam_judge import permission_findings

TYPE = "albingress:index:AwsLoadBalancerController"
_CLUSTER_ARN = re.compile(r"arn:(aws[a-z-]*):eks:([a-z0-9-]+):(\d{12}):cluster/([0-9A-Za-z][A-Za-z0-9_-]{0,99})")
_OIDC_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider/(oidc\.eks\.[a-z0-9-]+\.[a-z.]+/id/[0-9A-Fa-f]+)")
_OIDC_ISSUER = re.compile(r"(https://)?(oidc\.eks\.[a-z0-9-]+\.[a-z.]+/id/[0-9A-Fa-f]+)")
IDENTITIES = ("irsa", "pod-identity")


class ControllerResourcesArgs(TypedDict):
    """Requests and limits of each controller pod (Kubernetes quantities)."""

    cpu_request: NotRequired[pulumi.Input[str]]
    """CPU request, e.g. 100m (the default)."""
    memory_request: NotRequired[pulumi.Input[str]]
    """Memory request, e.g. 256Mi (the default)."""
    cpu_limit: NotRequired[pulumi.Input[str]]
    """CPU limit, e.g. 1 (the default)."""
    memory_limit: NotRequired[pulumi.Input[str]]
    """Memory limit, e.g. 512Mi (the default)."""


class ControllerIamOptionsArgs(TypedDict):
    """What organisations require of every role."""

    role_path: NotRequired[pulumi.Input[str]]
    """IAM path of the role and the policy (default /)."""
    permissions_boundary_arn: NotRequired[pulumi.Input[str]]
    """ARN of a managed policy set as the role's permissions boundary."""
    extra_policy_arns: NotRequired[list[str]]
    """Managed policies attached to the role besides the controller's own (at most 9; plain values)."""


class AwsLoadBalancerControllerArgs(TypedDict):
    """The cluster the controller runs in, and how it is installed."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster's name (pulumi-eks: cluster.eks_cluster.name)."""
    region: pulumi.Input[str]
    """The cluster's AWS region, e.g. us-west-2; it also picks the IAM policy's partition."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC (pulumi-eks: cluster.core.vpc_id); passed to the controller, which cannot read it
    from instance metadata with the IMDS hop limit EKS nodes default to."""
    identity: NotRequired[str]
    """How the controller's pods get their role: irsa (default) or pod-identity (needs the
    eks-pod-identity-agent add-on or agent). A plain value."""
    oidc_provider_arn: NotRequired[pulumi.Input[str]]
    """IRSA: the cluster's IAM OIDC provider ARN (pulumi-eks: cluster.oidc_provider_arn)."""
    oidc_issuer: NotRequired[pulumi.Input[str]]
    """IRSA: the cluster's OIDC issuer, with or without https:// (pulumi-eks: cluster.oidc_issuer)."""
    cluster_arn: NotRequired[pulumi.Input[str]]
    """Pod Identity: the cluster's ARN (pulumi-eks: cluster.eks_cluster.arn); the role trusts sessions of
    this cluster only."""
    version: NotRequired[str]
    """Controller version; the IAM policy, chart and CRDs are pinned to it (default v3.5.0). A plain value."""
    namespace: NotRequired[pulumi.Input[str]]
    """Namespace of the controller (default kube-system)."""
    service_account: NotRequired[pulumi.Input[str]]
    """Name of its ServiceAccount (default aws-load-balancer-controller)."""
    replicas: NotRequired[pulumi.Input[int]]
    """Controller pods, 1 to 10 (default 2: the webhooks stay up during node restarts)."""
    ingress_class: NotRequired[pulumi.Input[str]]
    """The IngressClass the chart creates for it (default alb)."""
    image_repository: NotRequired[pulumi.Input[str]]
    """Controller image repository without tag (default: the public ECR image, or the regional registry in
    the China regions)."""
    enable_shield: NotRequired[pulumi.Input[bool]]
    """Shield Advanced add-on (default: on where AWS offers it in the region)."""
    enable_waf: NotRequired[pulumi.Input[bool]]
    """WAF Classic add-on (default: on where AWS offers it in the region)."""
    enable_wafv2: NotRequired[pulumi.Input[bool]]
    """WAFv2 add-on (default: on where AWS offers it in the region)."""
    service_mutator_webhook: NotRequired[pulumi.Input[bool]]
    """Let the controller take over every new type LoadBalancer Service (default false)."""
    resources: NotRequired[pulumi.Input[ControllerResourcesArgs]]
    """Requests and limits of each controller pod."""
    iam: NotRequired[ControllerIamOptionsArgs]
    """Role path, permissions boundary and extra policies."""
    extra_values: NotRequired[pulumi.Input[Mapping[str, Any]]]
    """Chart values beyond these inputs: scheduling, metadata, logging and reconcile tuning only (the keys
    this component sets, and those that would undo its hardening, are refused)."""
    tags: NotRequired[pulumi.Input[Mapping[str, str]]]
    """Tags on the IAM policy, role and Pod Identity association."""
    default_tags: NotRequired[pulumi.Input[Mapping[str, str]]]
    """Cluster-level tags the controller puts on every load balancer it creates (beside cluster and
    managed-by); team tags belong on each Ingress instead."""
    gateway_api: NotRequired[bool]
    """Turn on the controller's ALB Gateway API support: the Gateway API v1.6.0 standard CRDs it is built
    for (see install_gateway_api_crds) and a GatewayClass for gateway.k8s.aws/alb named as ingress_class
    (default false). A plain value: it decides which resources exist."""
    install_gateway_api_crds: NotRequired[bool]
    """With gateway_api: install the Gateway API v1.6.0 standard CRDs, retained on delete (default true).
    False: the cluster's must already be v1.6.0 or newer, which is read from the cluster and refused if
    older. A plain value."""


class ControllerInputError(ComponentInputError):
    """An input the component refuses; Pulumi reports a RunError without a traceback."""

    def __init__(self, component: str, problems: Sequence[str], consequence: str = "nothing was created") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"{self.PROGRAM_FILE}: AwsLoadBalancerController {component}: {len(problems)} input {noun}; "
            f"{consequence}:\n{lines}"
        )


def _is_output(value: Any) -> bool:
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def _contains_output(value: Any) -> bool:
    if _is_output(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_output(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_output(v) for v in value)
    return False


def _aliased(value: Any, model: type[BaseModel] = ControllerSettings) -> Any:
    """The component's own snake-case input names as the model's camelCase aliases (the stack config's
    spelling), into its nested sections; keys inside free-form maps (extra_values, tags, labels, node
    selectors) are the user's and pass unchanged, as they do from the stack's controller.extraValues."""
    if not isinstance(value, Mapping):
        return value
    aliased: dict[str, Any] = {}
    for key, item in value.items():
        field = model.model_fields.get(str(key))
        if field is None:
            aliased[to_camel(str(key))] = item  # not an input: the model names it as unknown
            continue
        options = (field.annotation, *get_args(field.annotation))  # a section, or a section | None
        section = next((o for o in options if isinstance(o, type) and issubclass(o, BaseModel)), None)
        aliased[field.alias or str(key)] = _aliased(item, section) if section is not None else item
    return aliased


def _problems(error: ValidationError) -> list[str]:
    """pydantic's errors as ``args.<path>: message``, the path in the inputs' own (snake_case) spelling."""
    found: list[str] = []
    for item in error.errors():
        path = ".".join(to_snake(str(part)) if isinstance(part, str) else f"[{part}]" for part in item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "not an input of this component; check the spelling"
        elif item["type"] == "missing":
            message = "is required"
        found.append(f"args.{path.replace('.[', '[')}: {message}" if path else f"args: {message}")
    return found


def _check_region(value: Any) -> str | None:
    if not isinstance(value, str) or not region_exists(value):
        return f"{value!r} is not an AWS region; {region_advice(str(value))}"
    return None


def _check_cluster_name(value: Any) -> str | None:
    if not isinstance(value, str) or not CLUSTER_NAME.fullmatch(value):
        return f"{value!r} is not an EKS cluster name; use 1-100 letters, digits, '-' or '_'"
    return None


def _matching(pattern: re.Pattern[str], what: str, form: str, source: str) -> Callable[[Any], str | None]:
    """A check that a cluster fact has the shape AWS gives it, naming where pulumi-eks has the right value."""

    def check(value: Any) -> str | None:
        if isinstance(value, str) and pattern.fullmatch(value):
            return None
        return f"{value!r} is not {what}; expected {form} (pulumi-eks: {source})"

    return check


_check_vpc_id = _matching(VPC_ID, "a VPC id", "vpc-<8 or 17 hex digits>", "cluster.core.vpc_id")
_check_cluster_arn = _matching(
    _CLUSTER_ARN, "an EKS cluster ARN", "arn:aws:eks:<region>:<account>:cluster/<name>", "cluster.eks_cluster.arn"
)
_check_oidc_arn = _matching(
    _OIDC_ARN,
    "an EKS IAM OIDC provider ARN",
    "arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>",
    "cluster.oidc_provider_arn",
)
_check_oidc_issuer = _matching(
    _OIDC_ISSUER, "an EKS OIDC issuer", "oidc.eks.<region>.amazonaws.com/id/<ID>", "cluster.oidc_issuer"
)


def _check_ingress_class(value: Any) -> str | None:
    return claimed_class(value) if isinstance(value, str) else None


class AwsLoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller on an EKS cluster: the IAM policy of its pinned version, its role
    (IRSA or EKS Pod Identity), ServiceAccount, CRDs (retained on delete) and the hardened Helm release,
    which is ready only once the controller's pods and webhooks are."""

    role_arn: pulumi.Output[str]
    """ARN of the controller's IAM role."""
    policy_arn: pulumi.Output[str]
    """ARN of the controller's IAM policy (the pinned version's)."""
    release_status: pulumi.Output[str]
    """The Helm release's status (deployed once the controller's pods are ready)."""
    ingress_class_name: pulumi.Output[str]
    """The IngressClass the controller serves; Ingresses name it in spec.ingressClassName."""
    gateway_class_name: pulumi.Output[str]
    """The GatewayClass the controller's Gateways name (gateway_api; empty otherwise)."""
    namespace: pulumi.Output[str]
    """The controller's namespace."""
    service_account_name: pulumi.Output[str]
    """The controller's ServiceAccount."""

    def __init__(
        self,
        name: str,
        args: AwsLoadBalancerControllerArgs,
        opts: pulumi.ResourceOptions | None = None,
        ownership_tags: Mapping[str, str] | None = None,
        describe_cluster: bool = True,
    ) -> None:
        """``ownership_tags``: for this project's own stack only (not an input of the package), the
        ephemeral and stack marks under ``alb-ingress/`` that teardown and sweep go by, which every other
        caller is refused in ``tags`` and ``default_tags``. ``describe_cluster``: False for this project's own
        stack, which reads (or creates) the cluster itself and hands over what it read."""
        super().__init__(TYPE, name, {}, opts)
        if _is_output(args):
            raise ControllerInputError(
                name,
                [
                    "args: must be a plain value (a mapping of inputs, written in the program): some inputs decide "
                    "which resources exist; pass Outputs as the values of the inputs that take them instead"
                ],
            )
        if not isinstance(args, Mapping):
            raise ControllerInputError(name, [f"args: {type(args).__name__} is not a mapping of inputs, e.g. {{...}}"])
        given: dict[str, Any] = {k: v for k, v in dict(args).items() if v is not None}
        problems: list[str] = []

        def refuse(key: str, message: str) -> None:
            problems.append(f"args.{key}: {message}")

        problems += args_shape_problems(
            "AwsLoadBalancerController", AwsLoadBalancerControllerArgs, given, ("cluster_name", "region", "vpc_id")
        )
        identity = given.get("identity", "irsa")
        if identity not in IDENTITIES and not _is_output(identity):
            refuse(
                "identity",
                f"{identity!r} is not irsa or pod-identity (a plain value: it decides which resources exist)",
            )
        for key in ("version", "identity", "gateway_api", "install_gateway_api_crds"):
            if _is_output(given.get(key)):
                refuse(key, "must be a plain value: it decides which resources exist")
        gateway_api = given.get("gateway_api", False)
        install_crds = given.get("install_gateway_api_crds", True)
        for key, value in (("gateway_api", gateway_api), ("install_gateway_api_crds", install_crds)):
            if not isinstance(value, bool) and not _is_output(value):
                refuse(key, f"{value!r} is not true or false")
        if "install_gateway_api_crds" in given and gateway_api is not True:
            refuse("install_gateway_api_crds", "only applies with gateway_api true: set it, or remove this input")
        gateway_api = gateway_api is True
        install_crds = install_crds is True
        pod_identity = identity == "pod-identity"
        needed = ("cluster_arn",) if pod_identity else ("oidc_provider_arn", "oidc_issuer")
        for key in needed:
            if key not in given:
                refuse(key, f"is required with identity {identity} (pulumi-eks: {_SOURCES[key]})")

        # Tags may not carry the reserved keys: under the controller's or this project's prefixes they would make
        # a sweep or teardown take a resource for someone else's.
        tag_inputs: dict[str, Any] = {}
        for key in ("tags", "default_tags"):
            value = given.get(key)
            if value is None:
                continue
            if _is_output(value):
                tag_inputs[key] = pulumi.Output.from_input(value).apply(_tags_checker(name, key))
                continue
            problems += _tag_problems(key, value)
            tag_inputs[key] = value

        # The cluster's facts: checked now when known, when they resolve when they are Outputs.
        checked: dict[str, Any] = {}
        later: list[tuple[str, Any]] = []
        for key, check in _CLUSTER_CHECKS.items():
            if key not in given:
                continue
            value = given[key]
            if _is_output(value):
                checked[key] = _checked_later(name, key, value, check)
                later.append((key, value))
            else:
                problem = check(value)
                if problem:
                    refuse(key, problem)
                checked[key] = value

        # The controller's settings: one model, the stack config's rules.
        fields = {k: given[k] for k in _MODEL_INPUTS if k in given}
        iam = given.get("iam") or {}
        if _is_output(iam):
            refuse(
                "iam",
                "must be a plain value (a mapping written in the program): its extra_policy_arns decide which "
                "attachments exist; role_path and permissions_boundary_arn inside it may be Outputs",
            )
            iam = {}
        elif not isinstance(iam, Mapping):
            refuse(
                "iam",
                f"{type(iam).__name__} is not a mapping of role_path, permissions_boundary_arn, extra_policy_arns",
            )
            iam = {}
        arns = iam.get("extra_policy_arns")
        if _is_output(arns) or (isinstance(arns, list | tuple) and any(_is_output(a) for a in arns)):
            refuse(
                "iam.extra_policy_arns",
                "must be a plain value (a list of ARNs written in the program): each ARN is an attachment of its own",
            )
            iam = {k: v for k, v in iam.items() if k != "extra_policy_arns"}
        if iam:
            fields["iam"] = dict(iam)
        region = given.get("region")
        deferred = sorted(k for k, v in fields.items() if _contains_output(v)) + (
            ["region"] if _is_output(region) else []
        )
        plain = {k: v for k, v in fields.items() if k not in deferred}
        if "iam" in deferred and "extra_policy_arns" in iam:
            # The attachments are made from the plain list now; the rest of iam is checked when it resolves.
            plain["iam"] = {"extra_policy_arns": iam["extra_policy_arns"]}
        # Inputs that must describe one cluster: checked together now when known, when they resolve otherwise.
        cluster_facts = {k: given[k] for k in _CLUSTER_FACTS if k in given}
        if iam.get("permissions_boundary_arn") is not None:
            cluster_facts["permissions_boundary_arn"] = iam["permissions_boundary_arn"]
        consistent: pulumi.Output[Any] | None = None
        if any(_is_output(v) for v in cluster_facts.values()):
            consistent = pulumi.Output.all(**cluster_facts).apply(lambda v: _consistent(name, v))
        else:
            problems.extend(contradictions(cluster_facts))
        # Every problem at once: the model's checks run even when a cluster input above is wrong.
        settings, model_problems = _model(plain, region)
        problems.extend(model_problems)
        if problems:
            raise ControllerInputError(name, problems)
        assert settings is not None
        if deferred:
            # Resolved together, checked with the same model; a failure names the inputs and stops the update.
            resolved: pulumi.Output[ControllerSettings] = pulumi.Output.all(
                region, *[fields[k] for k in deferred if k != "region"]
            ).apply(lambda values: _validated(name, plain, deferred, values))
            later += [(k, fields[k]) for k in deferred if k != "region"]
        else:
            resolved = pulumi.Output.from_input(settings)

        _say_when_unknown(self, later)
        # The cluster as EKS describes it (eks:DescribeCluster): the issuer and ARN given must be its own. Only
        # once they are known: a cluster the same program creates is described after it exists.
        described = _described_check(self, name, given, pod_identity) if describe_cluster else None
        # What the role's trust and the chart are made from waits for both checks, so a failed one stops them.
        gates = [gate for gate in (consistent, described) if gate is not None]

        def after_checks(value: Any) -> Any:
            return pulumi.Output.all(value, *gates).apply(lambda v: v[0]) if gates else value

        def pick(attribute: str) -> pulumi.Output[Any]:
            return resolved.apply(lambda s: getattr(s, attribute))

        version = settings.version
        region_out = pulumi.Output.from_input(checked["region"])
        partition = region_out.apply(partition_for_region)
        cluster_arn = after_checks(checked.get("cluster_arn", ""))
        account_id = pulumi.Output.from_input(cluster_arn).apply(_account_of)
        issuer = pulumi.Output.from_input(after_checks(checked.get("oidc_issuer", ""))).apply(
            lambda i: str(i).removeprefix("https://")
        )
        # The alias keeps the URNs of stacks made before this component existed, when the two children stood
        # at the top of the stack: an upgrade renames nothing in the cloud.
        child = pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
        waits = dependencies(opts)
        extra_policy_arns = list(settings.iam.extra_policy_arns)
        judged = _judge_read_policies(self, name, read_at_preview(extra_policy_arns))

        self.iam = ControllerIam(
            name,
            ControllerIamArgs(
                cluster_name=checked["cluster_name"],
                cluster_arn=cluster_arn,
                account_id=account_id,
                version=version,
                partition=partition,
                pod_identity=pod_identity,
                namespace=pick("namespace"),
                service_account=pick("service_account"),
                role_path=pick("iam").apply(lambda i: i.role_path),
                permissions_boundary_arn=pick("iam").apply(lambda i: i.permissions_boundary_arn),
                extra_policy_arns=extra_policy_arns,
                extra_policies_judged=judged,
                oidc_provider_arn=None if pod_identity else checked["oidc_provider_arn"],
                oidc_issuer=None if pod_identity else issuer,
                tags=tag_inputs.get("tags") or {},
                depends_on=waits,
            ),
            opts=child,
        )
        # Gateway mode on a cluster whose Gateway API CRDs someone else installed: read their bundle version
        # (the chart is not installed when it is older than the one the controller is built for).
        bundle: pulumi.Input[str] = GATEWAY_API_BUNDLE
        if gateway_api and not install_crds:
            crd = k8s.apiextensions.v1.CustomResourceDefinition.get(
                f"{name}-gateway-api-crd", GATEWAY_CRD_NAME, opts=pulumi.ResourceOptions(parent=self)
            )
            bundle = crd.metadata.apply(lambda meta: _installed_bundle(name, meta))
        values = pulumi.Output.all(
            resolved,
            after_checks(checked["cluster_name"]),
            region_out,
            checked["vpc_id"],
            tag_inputs.get("default_tags") or {},
            bundle,
        ).apply(
            lambda v: chart_values(
                _chart_inputs(v[0], v[1], v[2], v[3], {**(ownership_tags or {}), **v[4]}, gateway_api)
            )
        )
        # The chart's IngressClass, and in gateway mode the GatewayClass of the same name.
        class_name = pick("ingress_class").apply(lambda c: c or "alb")
        self.release = ControllerRelease(
            name,
            ControllerReleaseArgs(
                version=version,
                namespace=pick("namespace"),
                service_account=pick("service_account"),
                values=values,
                role_arn=self.iam.service_account_role_arn,
                depends_on=[*self.iam.ready, *waits],
                gateway_class=class_name if gateway_api else None,
                install_gateway_api_crds=gateway_api and install_crds,
            ),
            opts=child,
        )
        self.role_arn = self.iam.role_arn
        self.policy_arn = self.iam.policy_arn
        self.release_status = self.release.release.status.apply(lambda s: s.status if s else "")
        self.ingress_class_name = class_name
        self.gateway_class_name = self.ingress_class_name if gateway_api else pulumi.Output.from_input("")
        self.namespace = pick("namespace")
        self.service_account_name = pick("service_account")
        self.register_outputs(
            {
                "roleArn": self.role_arn,
                "policyArn": self.policy_arn,
                "releaseStatus": self.release_status,
                "ingressClassName": self.ingress_class_name,
                "gatewayClassName": self.gateway_class_name,
                "namespace": self.namespace,
                "serviceAccountName": self.service_account_name,
            }
        )

    @property
    def ready(self) -> list[pulumi.Resource]:
        """What must exist before anything the controller's webhooks intercept is created: the release (and in
        gateway mode the GatewayClass its Gateways name)."""
        gateway_class = self.release.gateway_class
        return [self.release.release, *([gateway_class] if gateway_class is not None else [])]


_SOURCES = {
    "cluster_arn": "cluster.eks_cluster.arn",
    "oidc_provider_arn": "cluster.oidc_provider_arn",
    "oidc_issuer": "cluster.oidc_issuer",
}
_CLUSTER_CHECKS = {
    "cluster_name": _check_cluster_name,
    "region": _check_region,
    "vpc_id": _check_vpc_id,
    "cluster_arn": _check_cluster_arn,
    "oidc_provider_arn": _check_oidc_arn,
    "oidc_issuer": _check_oidc_issuer,
}
# The inputs the controller model checks (the stack config's controller section, less what only the stack has).
_MODEL_INPUTS = (
    "version",
    "namespace",
    "service_account",
    "replicas",
    "ingress_class",
    "image_repository",
    "enable_shield",
    "enable_waf",
    "enable_wafv2",
    "service_mutator_webhook",
    "resources",
    "extra_values",
)


def _judge_read_policies(component: pulumi.Resource, name: str, arns: Sequence[str]) -> pulumi.Output[bool] | None:
    """Read the extra policies the snapshot cannot judge (customer-managed ones, AWS managed ones newer than it)
    as the account has them, through the provider's aws_iam_policy data source (iam:GetPolicy, then
    iam:GetPolicyVersion of the default version), and judge them with the guardrails' escalation judge; the
    attachments wait for the verdict, so a refused policy is never attached. None when there is nothing to read.
    """
    if not arns:
        return None
    reads = [aws.iam.get_policy_output(arn=arn, opts=pulumi.InvokeOutputOptions(parent=component)) for arn in arns]

    def judge(documents: list[Any]) -> bool:
        found = [
            (arn, findings)
            for arn, text in zip(arns, documents, strict=True)
            if (findings := permission_findings(text or "{}"))
        ]
        if found:
            source = "read from the account (iam:GetPolicy, iam:GetPolicyVersion)"
            # The stack hands its controller.iam.extraPolicyArns over as this input: name both spellings.
            key = "args.iam.extra_policy_arns (stack config: alb-ingress:controller.iam.extraPolicyArns)"
            raise ControllerInputError(name, [f"{key}: {policy_refusal(found, source)}"])
        return True

    return pulumi.Output.all(*[read.policy for read in reads]).apply(judge)


_CLUSTER_FACTS = ("region", "cluster_name", "cluster_arn", "oidc_provider_arn", "oidc_issuer")


def contradictions(facts: Mapping[str, Any]) -> list[str]:
    """Inputs that cannot all describe one cluster: an issuer, provider or cluster ARN of another region, partition,
    cluster or account, and a permissions boundary of another account. Each input is judged only once it has the
    shape AWS gives it (a malformed one is refused by its own check)."""
    problems: list[str] = []
    region = facts.get("region")
    region = region if isinstance(region, str) and region_exists(region) else None
    partition = partition_for_region(region) if region else None

    def matched(pattern: re.Pattern[str], key: str) -> re.Match[str] | None:
        value = facts.get(key)
        return pattern.fullmatch(value) if isinstance(value, str) else None

    issuer, provider, cluster = matched(_OIDC_ISSUER, "oidc_issuer"), matched(_OIDC_ARN, "oidc_provider_arn"), None
    cluster = matched(_CLUSTER_ARN, "cluster_arn")
    if issuer is not None and region is not None:
        host = issuer.group(2).split("/", 1)[0]
        expected = f"oidc.eks.{region}.{dns_suffix(str(partition))}"
        if host != expected:
            problems.append(
                f"args.oidc_issuer: {issuer.group(2)!r} is the issuer of a cluster at {host}, but region is "
                f"{region} (issuers there are {expected}/id/...): pass the issuer of the cluster in {region} "
                "(pulumi-eks: cluster.oidc_issuer), or fix region"
            )
    if provider is not None:
        if partition is not None and provider.group(1) != partition:
            problems.append(
                f"args.oidc_provider_arn: is in partition {provider.group(1)}, but region {region} is in {partition}"
            )
        if issuer is not None and provider.group(3) != issuer.group(2):
            problems.append(
                f"args.oidc_provider_arn: is the provider of {provider.group(3)}, but oidc_issuer is "
                f"{issuer.group(2)}: both must be the same cluster's (pulumi-eks: cluster.oidc_provider_arn and "
                "cluster.oidc_issuer), or the role would trust another cluster's service accounts"
            )
    if cluster is not None:
        arn_partition, arn_region, _, arn_name = cluster.groups()
        if region is not None and (arn_region != region or arn_partition != partition):
            problems.append(
                f"args.cluster_arn: names a cluster in {arn_region} ({arn_partition}), but region is {region}: pass "
                "the ARN of the cluster the controller runs in (pulumi-eks: cluster.eks_cluster.arn)"
            )
        name = facts.get("cluster_name")
        if isinstance(name, str) and arn_name != name:
            problems.append(
                f"args.cluster_arn: names cluster {arn_name!r}, but cluster_name is {name!r}: both must be the same "
                "cluster's (pulumi-eks: cluster.eks_cluster.arn and cluster.eks_cluster.name)"
            )
    boundary = matched(POLICY_ARN, "permissions_boundary_arn")
    account = cluster.group(3) if cluster else provider.group(2) if provider else None
    if boundary is not None and account is not None and boundary.group(2) not in ("aws", account):
        source = "cluster_arn" if cluster else "oidc_provider_arn"
        problems.append(
            f"args.iam.permissions_boundary_arn: is a policy of account {boundary.group(2)}, but the role is made in "
            f"account {account} (from {source}); IAM takes a boundary of the role's own account or an AWS managed "
            f"policy (arn:{boundary.group(1)}:iam::aws:policy/...)"
        )
    return problems


def _consistent(component: str, facts: Mapping[str, Any]) -> None:
    problems = contradictions(facts)
    if problems:
        raise ControllerInputError(component, problems)


def _described_check(
    resource: pulumi.Resource, component: str, given: Mapping[str, Any], pod_identity: bool
) -> pulumi.Output[None] | None:
    """The cluster as eks:DescribeCluster answers for cluster_name, compared with the issuer (IRSA) or the ARN
    (Pod Identity) the program passed: another cluster's would trust or tag the wrong cluster's identities."""
    key = "cluster_arn" if pod_identity else "oidc_issuer"
    if "cluster_name" not in given or key not in given:
        return None
    inputs = pulumi.Output.all(given["cluster_name"], given[key])

    async def describe(values: list[Any]) -> None:
        name, expected = str(values[0]), str(values[1])
        try:
            found = await pulumi.runtime.invoke_async(
                "aws:eks/getCluster:getCluster", {"name": name}, pulumi.InvokeOptions(parent=resource)
            )
        except Exception as error:  # the provider's own words: not found, access denied, ...
            raise ControllerInputError(
                component,
                [
                    f"args.cluster_name: eks:DescribeCluster could not read cluster {name!r} ({error}); pass the name "
                    "of the cluster the controller runs in (pulumi-eks: cluster.eks_cluster.name)"
                ],
            ) from None
        if pod_identity:
            actual, wanted = str(found.get("arn", "")), expected
        else:
            identities = found.get("identities") or [{}]
            oidcs = identities[0].get("oidcs") or [{}]
            actual = str(oidcs[0].get("issuer", "")).removeprefix("https://")
            wanted = expected.removeprefix("https://")
        if actual != wanted:
            what = "ARN" if pod_identity else "OIDC issuer"
            raise ControllerInputError(
                component,
                [
                    f"args.{key}: {expected!r} is not the {what} of cluster {name!r}, which EKS describes with "
                    f"{actual!r} (eks:DescribeCluster): pass that cluster's own (pulumi-eks: {_SOURCES[key]})"
                ],
            )

    return inputs.apply(describe)


def _account_of(cluster_arn: str) -> str:
    """The account an EKS cluster ARN names (Pod Identity's trust pins the source account to it)."""
    match = _CLUSTER_ARN.fullmatch(cluster_arn) if cluster_arn else None
    return match.group(3) if match else ""


def _tag_problems(key: str, value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"args.{key}: {type(value).__name__} is not a mapping of tag names to values"]
    return [
        f"args.{key}.{name}: {problem}" for name, text in value.items() if (problem := tag_problem(str(name), text))
    ]


def _tags_checker(component: str, key: str) -> Callable[[Any], Any]:
    """For tags given as an Output: checked when they resolve, a reserved key fails the update naming it."""

    def check(value: Any) -> Any:
        problems = _tag_problems(key, value)
        if problems:
            raise ControllerInputError(component, problems)
        return value

    return check


def _checked_later(component: str, key: str, value: Any, check: Any) -> pulumi.Output[Any]:
    def resolved(item: Any) -> Any:
        problem = check(item)
        if problem:
            raise ControllerInputError(component, [f"args.{key}: {problem}"])
        return item

    return pulumi.Output.from_input(value).apply(resolved)


def _model(fields: Mapping[str, Any], region: Any) -> tuple[ControllerSettings | None, list[str]]:
    """The controller's inputs through the stack's model (the region, when known, for its add-on checks), and
    the class check the model leaves to the caller; every problem as ``args.<input>: ...``."""
    context = {"component": True, **({"region": region} if isinstance(region, str) else {})}
    settings: ControllerSettings | None = None
    problems: list[str] = []
    try:
        settings = ControllerSettings.model_validate(_aliased(fields), context=context)
    except ValidationError as error:
        problems.extend(_problems(error))
    problem = _check_ingress_class(fields.get("ingress_class"))
    if problem:
        problems.append(f"args.ingress_class: {problem}")
    return settings, problems


def _validated(
    component: str, plain: Mapping[str, Any], deferred: Sequence[str], values: Sequence[Any]
) -> ControllerSettings:
    """The settings once the Output inputs have resolved: checked as the plain ones were."""
    region, *rest = values
    settings, problems = _model(
        {**plain, **dict(zip([k for k in deferred if k != "region"], rest, strict=True))}, region
    )
    if problems or settings is None:
        raise ControllerInputError(component, problems)
    return settings


def _say_when_unknown(resource: pulumi.Resource, inputs: Sequence[tuple[str, Any]]) -> None:
    """During a preview, name each Output input that is not known yet: it is checked only when it resolves."""
    if not pulumi.runtime.is_dry_run():
        return

    def note(key: str) -> Callable[[bool], None]:
        def say(is_known: bool) -> None:
            if not is_known:
                pulumi.log.info(f"args.{key} is not known until apply: it is checked then", resource=resource)

        return say

    for key, value in inputs:
        known: pulumi.Output[bool] = pulumi.Output.from_input(_is_known(value))
        known.apply(note(key))


async def _is_known(value: Any) -> bool:
    return await pulumi.Output.from_input(value).is_known()


def _installed_bundle(component: str, metadata: Any) -> str:
    """The Gateway API bundle version a cluster's Gateway CRD carries, refused when older than the pinned one."""
    annotations = getattr(metadata, "annotations", None) or {}
    found = str(annotations.get(BUNDLE_VERSION_ANNOTATION, ""))
    if bundle_older(found):
        shown = found or "no bundle version"
        raise ControllerInputError(
            component,
            [
                f"args.install_gateway_api_crds: false, but the cluster's Gateway API CRDs ({GATEWAY_CRD_NAME}) are "
                f"{shown}, older than {GATEWAY_API_BUNDLE}, which the controller is built for: set it true (the "
                f"component installs {GATEWAY_API_BUNDLE}), or upgrade them first (server-side apply of "
                f"{GATEWAY_API_CRDS_URL})"
            ],
            consequence="the controller's chart and GatewayClass were not installed",
        )
    return found


def _chart_inputs(
    settings: ControllerSettings,
    cluster_name: str,
    region: str,
    vpc_id: str,
    default_tags: Mapping[str, str],
    gateway_api: bool = False,
) -> ChartInputs:
    return ChartInputs(
        cluster_name=cluster_name,
        region=region,
        vpc_id=vpc_id,
        version=settings.version,
        image_repository=settings.image_repository or default_controller_image(region),
        replicas=settings.replicas,
        service_account=settings.service_account,
        ingress_class=settings.ingress_class or "alb",
        resources=settings.resources.as_kubernetes(),
        default_tags=dict(default_tags),
        enable_shield=_addon(settings.enable_shield, "shield", region),
        enable_waf=_addon(settings.enable_waf, "waf", region),
        enable_wafv2=_addon(settings.enable_wafv2, "wafv2", region),
        service_mutator_webhook=settings.service_mutator_webhook,
        extra_values=settings.extra_values,
        gateway_api=gateway_api,
    )


def _addon(given: bool | None, addon: str, region: str) -> bool:
    """The add-on switch: as given, else on exactly where AWS offers the service."""
    return addon_available(addon, region) if given is None else given
