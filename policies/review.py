"""What a guardrail reviews: resources (Pulumi type token + camelCase properties), the stack they form, what
the cluster already has, a finding; and the readings several rule modules share (listen ports, certificates,
scheme, target-group settings), each as the controller v3.5.0 reads it.

Kept apart from the rules so that the rule modules (``guardrails``, ``gateway_rules``, ``group_budget``) import
this one and not each other: the rule registry in ``guardrails`` imports them, nothing imports back.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from albingress.facts.go_values import too_deep
from albingress.policies.alb_budget import Quotas

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
# Workloads whose pods sit behind a Service: the drain rule reads their pod template (Argo Rollouts' Rollout
# has the Deployment's template, or names a Deployment in workloadRef, which is then read itself).
WORKLOADS = (
    DEPLOYMENT,
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:argoproj.io/v1alpha1:Rollout",
)
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
# Every pulumi-aws resource that attaches a managed policy by ARN (policyArn).
IAM_ATTACHMENTS = (
    IAM_ATTACHMENT,
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
)
CLASS_PARAMS = (
    "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
    "kubernetes:eks.amazonaws.com/v1:IngressClassParams",
)
ANN = "alb.ingress.kubernetes.io/"
CONTROLLER_CHART = "aws-load-balancer-controller"
# Without a target-group-attributes annotation, target groups keep ELB's default delay.
DEFAULT_DEREGISTRATION_DELAY = 300
DEFAULT_GRACE_PERIOD = 30


@dataclass(frozen=True)
class Resource:
    """A resource as the rules see it."""

    type: str
    name: str
    props: Mapping[str, Any]

    @property
    def metadata(self) -> Mapping[str, Any]:
        value = self.props.get("metadata")
        return value if isinstance(value, Mapping) else {}

    @property
    def annotations(self) -> Mapping[str, str]:
        """The text annotations: a value of another kind (an unquoted ``true`` or ``443``) makes the API server
        refuse the whole object, which the validator names with the fix (quote it); no rule judges it as text."""
        value = self.metadata.get("annotations")
        if not isinstance(value, Mapping):
            return {}
        if all(isinstance(v, str) for v in value.values()):
            return value
        return {k: v for k, v in value.items() if isinstance(v, str)}

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "default")

    @property
    def spec(self) -> Mapping[str, Any]:
        value = self.props.get("spec")
        return value if isinstance(value, Mapping) else {}


ALB_CONTROLLERS = ("ingress.k8s.aws/alb", "eks.amazonaws.com/alb")
LBC_CONTROLLER, AUTO_MODE_CONTROLLER = ALB_CONTROLLERS
# The class annotation, which the controller reads before spec.ingressClassName (v3.5.0 pkg/ingress/group_loader.go
# classifyIngress: "takes higher priority"); an Ingress classed by it gets no IngressClassParams.
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


@dataclass(frozen=True)
class ClusterClass:
    """An IngressClass the cluster already has (from the cloud facts): its controller and params spec."""

    controller: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What the rules cannot see in the resources: the ALB IngressClass names, the cluster's own
    IngressClasses (``check --cloud-facts``) and the environment."""

    ingress_classes: frozenset[str] = frozenset({"alb"})
    environment: str | None = None
    cluster_classes: Mapping[str, ClusterClass] = field(default_factory=dict)
    # The account the roles live in: its own root in a trust policy is not another account's.
    account_id: str | None = None
    # The ALB quotas the group-quota rule counts against (the stack's alb.quotas: raised with AWS first).
    quotas: Quotas = field(default_factory=Quotas)
    # The controller's EnableCertificateManagement feature gate (default off; the chart sets it only from
    # controllerConfig.featureGates): only with it on does create-acm-cert make a certificate.
    certificate_management: bool = False


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str
    message: str
    fix: str
    # The input itself is malformed (a value the API server or AWS refuses): check exits 2, not 1.
    bad_input: bool = False

    def __str__(self) -> str:
        # One line, whatever an object's name or value holds, as --json escapes them.
        return one_line(f"[{self.rule}] {self.resource}: {self.message}; fix: {self.fix}")


def one_line(text: str) -> str:
    """``text`` with its control characters (a newline, a terminal escape) written escaped: a name or value read
    from a user's file can neither split a line of output nor drive the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


Check = Callable[["Stack"], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    protects: str
    check: Check
    mandatory: bool = True


@dataclass
class Stack:
    """All resources under review, with the lookups several rules share.

    One Stack is one review: its lookups are kept for its life, so its resources (the list and what each
    holds) must not change once it is made; changed resources are a new Stack (``evaluate`` makes one per
    call)."""

    resources: list[Resource]
    context: Context = field(default_factory=Context)

    # What a rule module works out once per review and other rules reuse (gateway_rules.alb_gateways: the ALB
    # Gateways with their configuration and routes), keyed by that module's own name.
    memo: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    # The lookups below, kept for the review: the rules ask them per Ingress and per member of its group, so a
    # stack of 60 Ingresses in one group asked them a quarter of a million times (seconds of `check`). A review
    # never changes its resources. Per-resource entries keep the resource itself, so its id is not reused.
    _kept: dict[tuple[Any, ...], tuple[Any, Any]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def kept(self, key: tuple[Any, ...], resource: Any, work: Callable[[], Any]) -> Any:
        """``work()``, once per review for ``key``; ``resource``, when the answer is about one, is kept with it."""
        entry = self._kept.get(key)
        if entry is None or entry[0] is not resource:
            entry = (resource, work())
            self._kept[key] = entry
        return entry[1]

    def of_type(self, *types: str) -> list[Resource]:
        found = self.kept(("of_type", types), None, lambda: tuple(r for r in self.resources if r.type in types))
        return list(found)

    def class_params(self, ingress: Resource) -> Mapping[str, Any]:
        """The IngressClassParams spec of the Ingress's class, when there is one in the review (or, for a
        class the review does not hold, in the cluster's facts)."""
        found: Mapping[str, Any] = self.kept(("class_params", id(ingress)), ingress, lambda: self._params(ingress))
        return found

    def _params(self, ingress: Resource) -> Mapping[str, Any]:
        if CLASS_ANNOTATION in ingress.annotations:
            return {}  # classifyIngress: the annotation's match has an empty ClassConfiguration
        cls_name = self.class_of(ingress)
        classes = {r.metadata.get("name"): r for r in self.of_type(INGRESS_CLASS)}
        ingress_class = classes.get(cls_name)
        if ingress_class is None and cls_name is not None and cls_name in self.context.cluster_classes:
            return self.context.cluster_classes[cls_name].params
        params_ref = ingress_class.spec.get("parameters") if ingress_class else None
        if not isinstance(params_ref, Mapping):
            return {}
        # The params of the IngressClass's own API group: each controller reads only its kind (v3.5.0
        # class_loader.go refuses another group as "unknown parameters"; EKS Auto Mode reads eks.amazonaws.com).
        group = str(params_ref.get("apiGroup") or "")
        wanted = {LBC_CONTROLLER: "elbv2.k8s.aws", AUTO_MODE_CONTROLLER: "eks.amazonaws.com"}.get(
            str(ingress_class.spec.get("controller")) if ingress_class else "", group
        )
        if group != wanted or params_ref.get("kind") not in (None, "IngressClassParams"):
            return {}
        # Two of one name (one file applied after another): `kubectl apply` leaves the last in the cluster.
        for params in reversed(self.of_type(*CLASS_PARAMS)):
            if params.metadata.get("name") == params_ref.get("name") and params.type.split(":")[1].startswith(group):
                # The certificate field is each group's own: certificateArn (elbv2.k8s.aws v1beta1) or
                # certificateARNs (eks.amazonaws.com v1); the other is no field of that kind (pruned or refused).
                other = "certificateARNs" if group == "elbv2.k8s.aws" else "certificateArn"
                return {k: v for k, v in params.spec.items() if k != other}
        return {}

    def class_of(self, ingress: Resource) -> str | None:
        """The Ingress's class as the controller reads it: the kubernetes.io/ingress.class annotation when there
        is one (even beside spec.ingressClassName, which it then never reads), else spec.ingressClassName; without
        either, the cluster's default IngressClass (v3.5.0 pkg/ingress/group_loader.go classifyIngress;
        class_loader.go: Load takes the one IngressClass annotated ingressclass.kubernetes.io/is-default-class
        "true"; two defaults are an error, so none is assumed)."""
        if CLASS_ANNOTATION in ingress.annotations:
            return str(ingress.annotations[CLASS_ANNOTATION])
        value = ingress.spec.get("ingressClassName")
        if value:
            return str(value)
        defaults = self.default_classes()
        return defaults[0] if len(defaults) == 1 else None

    def default_classes(self) -> list[str]:
        """The IngressClasses of the review annotated ingressclass.kubernetes.io/is-default-class "true"."""
        return [
            str(c.metadata.get("name"))
            for c in self.of_type(INGRESS_CLASS)
            if c.annotations.get("ingressclass.kubernetes.io/is-default-class") == "true"
        ]

    @functools.cached_property
    def certificate_management(self) -> bool:
        """Whether the controller's EnableCertificateManagement feature gate is on: the context says so, or the
        review's controller chart sets controllerConfig.featureGates.EnableCertificateManagement (v3.5.0
        pkg/config/feature_gates.go: default false; helm values.yaml: featureGates {})."""
        if self.context.certificate_management:
            return True
        for release in self.of_type(HELM_RELEASE):
            values = release.props.get("values")
            config = values.get("controllerConfig") if isinstance(values, Mapping) else None
            gates = config.get("featureGates") if isinstance(config, Mapping) else None
            gate = gates.get("EnableCertificateManagement") if isinstance(gates, Mapping) else None
            if release.props.get("chart") == CONTROLLER_CHART and (gate is True or str(gate) in _TRUE):
                return True
        return False

    @functools.cached_property
    def annotation_class(self) -> str:
        """The class the controller matches the kubernetes.io/ingress.class annotation against: its --ingress-class
        flag, which the chart's ingressClass value sets (the review's controller release), "alb" by default
        (v3.5.0 pkg/config/ingress_config.go; class_annotation_matcher.go compares exactly)."""
        for release in self.of_type(HELM_RELEASE):
            values = release.props.get("values")
            chosen = values.get("ingressClass") if isinstance(values, Mapping) else None
            if release.props.get("chart") == CONTROLLER_CHART and isinstance(chosen, str) and chosen:
                return chosen
        return "alb"

    def alb_ingresses(self) -> list[Resource]:
        return list(self.kept(("alb_ingresses",), None, lambda: tuple(self._alb_ingresses())))

    def _alb_ingresses(self) -> list[Resource]:
        alb_classes = set(self.context.ingress_classes)
        alb_classes.update(n for n, c in self.context.cluster_classes.items() if c.controller in ALB_CONTROLLERS)
        for ingress_class in self.of_type(INGRESS_CLASS):
            if ingress_class.spec.get("controller") in ALB_CONTROLLERS:
                alb_classes.add(str(ingress_class.metadata.get("name")))
        # A class the review or the cluster says another controller serves is not an ALB class, whatever name was
        # assumed or given (an IngressClass 'alb' of ingress-nginx).
        alb_classes -= {n for n, c in self.context.cluster_classes.items() if c.controller not in ALB_CONTROLLERS}
        alb_classes -= {
            str(c.metadata.get("name"))
            for c in self.of_type(INGRESS_CLASS)
            if c.spec.get("controller") not in ALB_CONTROLLERS
        }
        # The annotation is matched against the controller's --ingress-class flag alone (the chart's ingressClass,
        # "alb" by default), not against IngressClasses: an annotation naming another of its classes is ignored.
        by_annotation = {*self.context.ingress_classes, self.annotation_class}
        return [
            i
            for i in self.of_type(INGRESS)
            if self.class_of(i) in (by_annotation if CLASS_ANNOTATION in i.annotations else alb_classes)
            # One being deleted the controller leaves out of its group and builds nothing for (v3.5.0
            # group_loader.go loadGroupIDIfAnyHelper): no rule of it, nor of a member beside it, meets it.
            and not i.metadata.get("deletionTimestamp")
        ]

    def unclassified_ingresses(self) -> list[Resource]:
        """Ingresses of a class nothing describes (no IngressClass in the review or the facts, not named as an
        ALB class): no rule looks at them, and a clean result must not read as if they passed."""
        known = set(self.context.ingress_classes) | set(self.context.cluster_classes)
        known.update(str(c.metadata.get("name")) for c in self.of_type(INGRESS_CLASS))
        return [i for i in self.of_type(INGRESS) if self.class_of(i) not in known]

    def setting(self, ingress: Resource, annotation: str) -> str | None:
        """An Ingress's effective value: its class params win over its annotation, as in the controller."""
        found: str | None = self.kept(
            ("setting", id(ingress), annotation), ingress, lambda: self._setting(ingress, annotation)
        )
        return found

    def _setting(self, ingress: Resource, annotation: str) -> str | None:
        params = self.class_params(ingress)
        where = f"the IngressClassParams of {display(ingress)}"
        for key in ("certificateARNs", "certificateArn"):
            arns = params.get(key)
            if arns is not None and not (isinstance(arns, list) and all(isinstance(a, str) for a in arns)):
                raise BadValueError(
                    where, f"spec.{key}", arns, "a list of certificate ARNs (the API server refuses it)"
                )
        attributes = params.get("loadBalancerAttributes")
        entries = attributes if isinstance(attributes, list) else [None]
        if attributes is not None and not all(
            isinstance(a, Mapping) and all(isinstance(a.get(k), str) for k in ("key", "value")) for a in entries
        ):
            # The CRD requires both, as text (v3.5.0 IngressClassParams v1beta1 loadBalancerAttributes items).
            raise BadValueError(
                where,
                "spec.loadBalancerAttributes",
                attributes,
                "a list of {key, value} entries, both text (the API server refuses it)",
            )
        from_params = {
            "scheme": params.get("scheme"),
            "group.name": (params.get("group") or {}).get("name") if isinstance(params.get("group"), Mapping) else None,
            "ssl-policy": params.get("sslPolicy"),
            "ssl-redirect": params.get("sslRedirectPort"),
            "target-type": params.get("targetType"),
            "certificate-arn": ",".join(params.get("certificateARNs") or params.get("certificateArn") or []) or None,
            "load-balancer-attributes": ",".join(
                f"{a['key']}={a['value']}" for a in params.get("loadBalancerAttributes") or []
            )
            or None,
        }.get(annotation)
        if from_params:
            return str(from_params)
        value = ingress.annotations.get(ANN + annotation)
        return None if value is None else str(value)

    def controller_of(self, ingress: Resource) -> str:
        """Which controller serves an ALB Ingress: its IngressClass's (in the review, else the cluster's facts);
        the AWS Load Balancer Controller for a class only named as an ALB class, or given by the annotation
        (which only that controller reads)."""
        if CLASS_ANNOTATION in ingress.annotations:
            return LBC_CONTROLLER
        name = self.class_of(ingress)
        for ingress_class in self.of_type(INGRESS_CLASS):
            if ingress_class.metadata.get("name") == name and ingress_class.spec.get("controller") in ALB_CONTROLLERS:
                return str(ingress_class.spec["controller"])
        known = self.context.cluster_classes.get(name) if name is not None else None
        return known.controller if known is not None and known.controller in ALB_CONTROLLERS else LBC_CONTROLLER

    def group(self, ingress: Resource) -> str | None:
        """The IngressGroup an Ingress joins. Each controller groups only its own Ingresses: an EKS Auto Mode
        class's group of the same name is another group (another ALB), named so in findings."""
        name = self.setting(ingress, "group.name")
        if name and self.controller_of(ingress) == AUTO_MODE_CONTROLLER:
            return f"{name} (EKS Auto Mode)"
        return name


def display(resource: Resource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    meta = resource.metadata
    if meta.get("name"):
        return f"{kind} {resource.namespace}/{meta['name']}" if "namespace" in meta else f"{kind} {meta['name']}"
    return f"{kind} {resource.name}"


def string_map(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    return dict(part.split("=", 1) for part in value.split(",") if "=" in part)


class _NotInt32:
    """A JSON number Go's json.Unmarshal refuses for an int32 (a fraction or an exponent), kept as written so
    the finding quotes the user's text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _port_fix(protocol: str, port: Any) -> str:
    """The entry to write instead: the same port as a JSON integer when the value names one."""
    try:
        number = float("nan") if isinstance(port, bool) else float(port.text if isinstance(port, _NotInt32) else port)
    except (TypeError, ValueError):
        number = float("nan")
    whole = str(int(number)) if number.is_integer() and 1 <= number <= 65535 else "<port>"
    return f'write {{"{protocol}": {whole}}}: a JSON integer, no quotes, fraction or exponent'


@functools.lru_cache(maxsize=1024)  # a pure function of the text, asked per member of each group
def read_listen_ports(raw: str) -> Mapping[int, str] | str:
    """A listen-ports annotation as the controller reads it: json.Unmarshal into []map[string]int32 (a port is
    a JSON integer, not a string, fraction or exponent; '' is not JSON; a null entry is an empty map), at least
    one entry, ports in 1..65535, protocols exactly HTTP or HTTPS (v3.5.0 pkg/ingress/model_build_listener.go:
    computeIngressListenPorts). {port: protocol}, a later entry naming a port replacing an earlier one as in
    the controller's map; or why the controller refuses it. The one reader of the annotation: the guardrails,
    the validator and migrate's routing ask it."""
    deep = too_deep(raw)  # the same answer wherever it is asked from (see JSON_DEPTH_READ)
    if deep is not None:
        return f"{deep}, and a list of ports nests 2"
    try:
        entries = json.loads(raw, parse_float=_NotInt32, parse_constant=_NotInt32)
    except (ValueError, RecursionError):
        return "it is not JSON"
    if entries is None:
        entries = []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) or e is None for e in entries):
        return "it is not a JSON list of objects"
    if not entries:
        return "it lists no port"
    ports: dict[int, str] = {}
    for entry in entries:
        for protocol, port in (entry or {}).items():
            if isinstance(port, bool) or not isinstance(port, int) or not -(2**31) <= port < 2**31:
                return f"port {port!r} of {protocol} is not a JSON integer ({_port_fix(protocol, port)})"
            if not 1 <= port <= 65535:
                return f"port {port} is outside 1..65535"
            if protocol not in ("HTTP", "HTTPS"):
                return f"protocol {protocol!r} is neither HTTP nor HTTPS exactly"
            ports[port] = protocol
    return ports


def listen_ports_problem(raw: str) -> str | None:
    """Why the controller cannot read a listen-ports annotation (``read_listen_ports``); None when it reads."""
    found = read_listen_ports(raw)
    return found if isinstance(found, str) else None


def listen_ports(stack: Stack, ingress: Resource) -> list[tuple[str, int]]:
    """The Ingress's listeners as the controller builds them; none when it cannot read listen-ports (the
    group-consistent rule names that)."""
    return list(stack.kept(("listen_ports", id(ingress)), ingress, lambda: _listen_ports(stack, ingress)))


def _listen_ports(stack: Stack, ingress: Resource) -> list[tuple[str, int]]:
    raw = ingress.annotations.get(ANN + "listen-ports")
    if raw is not None:
        found = read_listen_ports(str(raw))
        return [] if isinstance(found, str) else [(proto, port) for port, proto in found.items()]
    # Without listen-ports the controller listens on HTTPS 443 only when it has an explicit certificate (its
    # IngressClassParams' certificateArn, the certificate-arn annotation, or one create-acm-cert makes), else
    # on HTTP 80; spec.tls hosts only feed certificate discovery once an HTTPS port exists (v3.5.0,
    # pkg/ingress/model_build_listener.go: computeIngressListenPorts(preferTLS), computeIngressExplicitTLSCertARNs;
    # pkg/ingress/model_builder.go: create-acm-cert).
    return [("HTTPS", 443)] if explicit_certificate(stack, ingress) else [("HTTP", 80)]


_TRUE = {"1", "t", "T", "TRUE", "true", "True"}  # what Go's strconv.ParseBool takes as true


def explicit_certificate(stack: Stack, ingress: Resource) -> bool:
    """A certificate the controller knows before discovery: the class params' certificateArn, else the
    certificate-arn annotation (comma-separated, blanks dropped: pkg/annotations/parser.go), or create-acm-cert
    when the EnableCertificateManagement feature gate is on (v3.5.0 pkg/ingress/model_builder.go reads the
    annotation only under t.enableACMCertificates; pkg/config/feature_gates.go: default false)."""
    arns = [a.strip() for a in (stack.setting(ingress, "certificate-arn") or "").split(",")]
    acm = stack.certificate_management and ingress.annotations.get(ANN + "create-acm-cert") in _TRUE
    return any(arns) or acm


def has_certificate(stack: Stack, ingress: Resource) -> bool:
    """An HTTPS listener gets a certificate: an explicit one, or one discovered for the Ingress's hosts (its
    rules' hosts and spec.tls hosts: computeIngressInferredTLSCertARNs)."""
    tls_hosts = [h for t in ingress.spec.get("tls") or [] if isinstance(t, Mapping) for h in t.get("hosts") or []]
    rule_hosts = [r.get("host") for r in ingress.spec.get("rules") or [] if isinstance(r, Mapping) and r.get("host")]
    return explicit_certificate(stack, ingress) or bool(tls_hosts or rule_hosts)


def _port_sharers(stack: Stack, ingress: Resource, port: int) -> list[Resource]:
    """The group members whose HTTPS listener on ``port`` is the same listener as the Ingress's: the controller
    merges their certificates and takes the one ssl-policy any of them sets (v3.5.0 pkg/ingress/model_builder.go:
    mergeListenPortConfigs)."""
    return [m for m in group_members(stack, ingress) if ("HTTPS", port) in listen_ports(stack, m)] or [ingress]


def listener_certificate(stack: Stack, ingress: Resource, port: int) -> bool:
    return any(has_certificate(stack, m) for m in _port_sharers(stack, ingress, port))


def listener_ssl_policy(stack: Stack, ingress: Resource, port: int) -> str | None:
    own = stack.setting(ingress, "ssl-policy")
    return own or next((p for m in _port_sharers(stack, ingress, port) if (p := stack.setting(m, "ssl-policy"))), None)


def scheme(stack: Stack, ingress: Resource) -> str | None:
    """The scheme as written (class params first); the controller takes exactly internal or internet-facing."""
    return stack.setting(ingress, "scheme")


def backend_services(ingress: Resource) -> list[Mapping[str, Any]]:
    """The ``service`` of every backend of an Ingress, its rules' paths then its default backend, as written."""
    paths = [
        p
        for rule in ingress.spec.get("rules") or []
        if isinstance(rule, Mapping)
        for p in ((rule.get("http") or {}).get("paths") or [])
        if isinstance(p, Mapping)
    ]
    default = ingress.spec.get("defaultBackend")
    backends = [p.get("backend") for p in paths] + ([default] if isinstance(default, Mapping) else [])
    services = [backend.get("service") for backend in backends if isinstance(backend, Mapping)]
    return [service for service in services if isinstance(service, Mapping)]


def ingress_backends(ingress: Resource) -> list[tuple[str, Any]]:
    """(Service name, port) of every backend that is a Service, not an annotation action ('use-annotation')."""
    found: list[tuple[str, Any]] = []
    for service in backend_services(ingress):
        if not service.get("name"):
            continue
        port = service.get("port") or {}
        if isinstance(port, Mapping) and port.get("name") == "use-annotation":
            continue
        key = (str(service["name"]), port.get("number") or port.get("name") if isinstance(port, Mapping) else None)
        if key not in found:
            found.append(key)
    return found


def target_group_setting(stack: Stack, ingress: Resource, service: Resource | None, annotation: str) -> str | None:
    """A target group's setting as the controller builds it: the Service's alb.ingress.kubernetes.io/*
    annotation wins over the Ingress's (MergeStringMap(svc.Annotations, ing.Annotations) keeps the first), and
    for target-type the IngressClassParams' targetType wins over both (v3.5.0,
    pkg/ingress/model_build_target_group.go: buildTargetGroupSpec, buildTargetGroupTargetType)."""
    if annotation == "target-type":
        params = stack.class_params(ingress).get("targetType")
        if params:
            return str(params)
    for source in (service.annotations if service else {}, ingress.annotations):
        if ANN + annotation in source:
            return str(source[ANN + annotation])
    return None


def services_by_name(stack: Stack) -> dict[tuple[str, Any], Resource]:
    return {(s.namespace, s.metadata.get("name")): s for s in stack.of_type(SERVICE)}


# -- per-Ingress rules -----------------------------------------------------------


class BadValueError(ValueError):
    """A field of an object written by anyone holds a value the API server (or AWS) refuses: reported with the
    object and the key, never as a crash."""

    def __init__(self, where: str, key: str, value: Any, need: str) -> None:
        super().__init__(f"{where}: {key} {value!r} is not {need}")
        self.where, self.key, self.value, self.need = where, key, value, need


def group_members(stack: Stack, ingress: Resource) -> list[Resource]:
    """The Ingresses the controller builds one ALB from with ``ingress``: its group, or itself alone."""
    group = stack.group(ingress)
    if not group:
        return [ingress]
    members: dict[str | None, list[Resource]] = stack.kept(("group_members",), None, lambda: _by_group(stack))
    return list(members.get(group, ()))


def _by_group(stack: Stack) -> dict[str | None, list[Resource]]:
    members: dict[str | None, list[Resource]] = {}
    for member in stack.alb_ingresses():  # a member's unreadable value raises here each time, as before
        members.setdefault(stack.group(member), []).append(member)
    return members
