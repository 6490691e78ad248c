"""The guardrail rules, written once as plain functions over resources (type + properties).

Three front-ends run them: the CrossGuard policy pack (``policies/guardrails_pack``), the offline plan,
and ``albops check`` over Kubernetes YAML and IAM JSON written by anyone. A resource is its Pulumi type
token and its properties in camelCase (how Pulumi and Kubernetes both spell them), so a manifest read
from a file and a resource registered by a program look the same to a rule.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.app.budget import Quotas
from facts.regions import ALB_SSL_POLICIES, CONTROLLER_DEFAULT_SSL_POLICY, RECOMMENDED_SSL_POLICY
from policies import gateway_rules
from policies.controller_iam import RELEASES

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
# AWS managed policies that make a workload's role an administrator (or let it make itself one).
BROAD_MANAGED_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
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
        value = self.metadata.get("annotations")
        return value if isinstance(value, Mapping) else {}

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "default")

    @property
    def spec(self) -> Mapping[str, Any]:
        value = self.props.get("spec")
        return value if isinstance(value, Mapping) else {}


ALB_CONTROLLERS = ("ingress.k8s.aws/alb", "eks.amazonaws.com/alb")


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
    # The ALB quotas the group-quota rule counts against (the stack's alb.quotas: raised with AWS first).
    quotas: Quotas = field(default_factory=Quotas)


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource}: {self.message}; fix: {self.fix}"


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
    """All resources under review, with the lookups several rules share."""

    resources: list[Resource]
    context: Context = field(default_factory=Context)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    @functools.cached_property
    def alb_gateways(self) -> list[gateway_rules.AlbGateway]:
        """The review's ALB Gateways with their configuration and routes, found once for every rule."""
        return gateway_rules.alb_gateways(self)

    def class_params(self, ingress: Resource) -> Mapping[str, Any]:
        """The IngressClassParams spec of the Ingress's class, when there is one in the review (or, for a
        class the review does not hold, in the cluster's facts)."""
        cls_name = self.class_of(ingress)
        classes = {r.metadata.get("name"): r for r in self.of_type(INGRESS_CLASS)}
        ingress_class = classes.get(cls_name)
        if ingress_class is None and cls_name is not None and cls_name in self.context.cluster_classes:
            return self.context.cluster_classes[cls_name].params
        params_ref = ingress_class.spec.get("parameters") if ingress_class else None
        if not isinstance(params_ref, Mapping):
            return {}
        for params in self.of_type(*CLASS_PARAMS):
            if params.metadata.get("name") == params_ref.get("name"):
                return params.spec
        return {}

    def class_of(self, ingress: Resource) -> str | None:
        value = ingress.spec.get("ingressClassName") or ingress.annotations.get("kubernetes.io/ingress.class")
        return str(value) if value else None

    def alb_ingresses(self) -> list[Resource]:
        alb_classes = set(self.context.ingress_classes)
        alb_classes.update(n for n, c in self.context.cluster_classes.items() if c.controller in ALB_CONTROLLERS)
        for ingress_class in self.of_type(INGRESS_CLASS):
            if ingress_class.spec.get("controller") in ALB_CONTROLLERS:
                alb_classes.add(str(ingress_class.metadata.get("name")))
        return [i for i in self.of_type(INGRESS) if self.class_of(i) in alb_classes]

    def unclassified_ingresses(self) -> list[Resource]:
        """Ingresses of a class nothing describes (no IngressClass in the review or the facts, not named as an
        ALB class): no rule looks at them, and a clean result must not read as if they passed."""
        known = set(self.context.ingress_classes) | set(self.context.cluster_classes)
        known.update(str(c.metadata.get("name")) for c in self.of_type(INGRESS_CLASS))
        return [i for i in self.of_type(INGRESS) if self.class_of(i) not in known]

    def setting(self, ingress: Resource, annotation: str) -> str | None:
        """An Ingress's effective value: its class params win over its annotation, as in the controller."""
        params = self.class_params(ingress)
        from_params = {
            "scheme": params.get("scheme"),
            "group.name": (params.get("group") or {}).get("name") if isinstance(params.get("group"), Mapping) else None,
            "ssl-policy": params.get("sslPolicy"),
            "ssl-redirect": params.get("sslRedirectPort"),
            "target-type": params.get("targetType"),
            "certificate-arn": ",".join(params.get("certificateARNs") or params.get("certificateArn") or []) or None,
            "load-balancer-attributes": ",".join(
                f"{a['key']}={a['value']}" for a in params.get("loadBalancerAttributes") or [] if isinstance(a, Mapping)
            )
            or None,
        }.get(annotation)
        if from_params:
            return str(from_params)
        value = ingress.annotations.get(ANN + annotation)
        return None if value is None else str(value)

    def group(self, ingress: Resource) -> str | None:
        return self.setting(ingress, "group.name")


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


def listen_ports(stack: Stack, ingress: Resource) -> list[tuple[str, int]]:
    raw = stack.setting(ingress, "listen-ports")
    if raw:
        try:
            entries = json.loads(raw)
            return [(str(proto), int(port)) for entry in entries for proto, port in entry.items()]
        except (ValueError, TypeError, AttributeError):
            return []
    # The controller's default: HTTPS 443 with a certificate, else HTTP 80.
    return [("HTTPS", 443)] if has_certificate(stack, ingress) else [("HTTP", 80)]


def has_certificate(stack: Stack, ingress: Resource) -> bool:
    tls = ingress.spec.get("tls") or []
    return bool(stack.setting(ingress, "certificate-arn")) or any(t.get("hosts") for t in tls if isinstance(t, Mapping))


# -- per-Ingress rules -----------------------------------------------------------


def _target_type_ip(stack: Stack) -> Iterable[Violation]:
    for ingress in stack.alb_ingresses():
        if stack.setting(ingress, "target-type") != "ip":
            yield Violation(
                "alb-target-type-ip",
                display(ingress),
                "targets nodes (target-type is not ip): every request takes an extra hop through a node, and node "
                "restarts drop its connections",
                f"set {ANN}target-type: ip",
            )
    yield from gateway_rules.target_type_ip(stack)


def _in_a_group(stack: Stack) -> Iterable[Violation]:
    for ingress in stack.alb_ingresses():
        if not stack.group(ingress):
            yield Violation(
                "alb-group",
                display(ingress),
                "is not in an IngressGroup, so it gets an ALB of its own",
                f"set {ANN}group.name (or the group of its IngressClassParams)",
            )


def _internet_facing(stack: Stack) -> list[Resource]:
    return [i for i in stack.alb_ingresses() if stack.setting(i, "scheme") == "internet-facing"]


def _https(stack: Stack) -> Iterable[Violation]:
    for ingress in _internet_facing(stack):
        if "HTTPS" not in {proto for proto, _ in listen_ports(stack, ingress)}:
            yield Violation(
                "alb-https",
                display(ingress),
                "is internet-facing without an HTTPS listener: traffic crosses the internet in clear text",
                f'add {{"HTTPS": 443}} to {ANN}listen-ports',
            )
        elif not has_certificate(stack, ingress):
            yield Violation(
                "alb-https",
                display(ingress),
                "listens on HTTPS without a certificate ARN or TLS hosts for certificate discovery",
                f"set {ANN}certificate-arn, or list the hosts under spec.tls",
            )
    yield from gateway_rules.https(stack)


def _redirect(stack: Stack) -> Iterable[Violation]:
    for ingress in _internet_facing(stack):
        protocols = {proto for proto, _ in listen_ports(stack, ingress)}
        if "HTTP" in protocols and not stack.setting(ingress, "ssl-redirect"):
            yield Violation(
                "alb-ssl-redirect",
                display(ingress),
                "answers plain HTTP instead of redirecting it to HTTPS",
                f"set {ANN}ssl-redirect to its HTTPS port, e.g. '443'",
            )
    yield from gateway_rules.redirect(stack)


def _tls_policy(stack: Stack) -> Iterable[Violation]:
    for ingress in _internet_facing(stack):
        if "HTTPS" not in {proto for proto, _ in listen_ports(stack, ingress)}:
            continue
        policy = stack.setting(ingress, "ssl-policy")
        floor = ALB_SSL_POLICIES.get(policy or CONTROLLER_DEFAULT_SSL_POLICY)
        if floor is None or floor < "1.2":
            what = (
                f"{policy} allows TLS {floor}"
                if policy and floor
                else (
                    f"{policy} is not an ALB security policy"
                    if policy
                    else f"has no ssl-policy, so the controller uses {CONTROLLER_DEFAULT_SSL_POLICY}, which allows "
                    "TLS 1.0"
                )
            )
            yield Violation("alb-tls-policy", display(ingress), what, f"set {ANN}ssl-policy: {RECOMMENDED_SSL_POLICY}")
    yield from gateway_rules.tls_policy(stack)


# -- group rules -----------------------------------------------------------------

GROUP_WIDE = ("scheme", "ssl-redirect", "load-balancer-attributes", "ssl-policy", "ip-address-type", "inbound-cidrs")


def _groups(stack: Stack) -> dict[str, list[Resource]]:
    groups: dict[str, list[Resource]] = defaultdict(list)
    for ingress in stack.alb_ingresses():
        name = stack.group(ingress)
        if name:
            groups[name].append(ingress)
    return groups


def _consistent(stack: Stack) -> Iterable[Violation]:
    for group, members in sorted(_groups(stack).items()):
        for setting in (*GROUP_WIDE, "ingressClassName"):
            values: dict[str, list[str]] = defaultdict(list)
            for ingress in members:
                value = stack.class_of(ingress) if setting == "ingressClassName" else stack.setting(ingress, setting)
                if value is not None:
                    values[value].append(display(ingress))
            if len(values) > 1:
                seen = "; ".join(f"{v!r} on {', '.join(names)}" for v, names in sorted(values.items()))
                yield Violation(
                    "group-consistent",
                    f"group {group}",
                    f"its Ingresses disagree on {setting} ({seen}); the controller refuses the whole group",
                    f"give every Ingress of {group} the same {setting}, or set it on one only",
                )


def _quota(stack: Stack) -> Iterable[Violation]:
    # Counted by the group budget's code, the same as the stack's apps and AlbApp (policies/group_budget.py).
    from policies.group_budget import quota_violations

    yield from quota_violations(stack, stack.context.quotas)


def _routes(stack: Stack) -> Iterable[Violation]:
    # The apps' own route and host checks, over Ingresses and routes written by anyone.
    from policies.group_budget import route_violations

    yield from route_violations(stack)


# -- IAM rules -------------------------------------------------------------------


def _document(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    return [s for s in statements if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _everyone(principal: Any) -> bool:
    """``"*"`` or ``{"AWS": "*"}`` (alone or in a list): any principal of any account."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in _as_list(principal.get(key)) for key in ("AWS", "Federated", "CanonicalUser"))
    return False


def _trust_scoped(stack: Stack) -> Iterable[Violation]:
    for role in stack.of_type(IAM_ROLE):
        for statement in _statements(_document(role.props.get("assumeRolePolicy"))):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal") or {}
            if _everyone(principal):
                yield Violation(
                    "role-trust-scoped",
                    display(role),
                    "trusts every principal (Principal *): anyone in any AWS account may try to assume it",
                    "name the one principal that should assume it (the OIDC provider or pods.eks.amazonaws.com)",
                )
                continue
            actions = _as_list(statement.get("Action"))
            condition = statement.get("Condition") or {}
            federated = _as_list(principal.get("Federated")) if isinstance(principal, Mapping) else []
            services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
            if any(":oidc-provider/" in str(f) for f in federated) and "sts:AssumeRoleWithWebIdentity" in actions:
                equals = condition.get("StringEquals") or {}
                if not any(k.endswith(":sub") for k in equals) or not any(k.endswith(":aud") for k in equals):
                    yield Violation(
                        "role-trust-scoped",
                        display(role),
                        "trusts web identities without StringEquals on both :sub and :aud: any service account "
                        "of the cluster (or StringLike patterns) could assume it",
                        "add StringEquals on <issuer>:sub = system:serviceaccount:<ns>:<sa> and <issuer>:aud = "
                        "sts.amazonaws.com",
                    )
            if "pods.eks.amazonaws.com" in services:
                keys = {k for operator in condition.values() if isinstance(operator, Mapping) for k in operator}
                scoped = {"aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account"} <= keys
                if not scoped:
                    yield Violation(
                        "role-trust-scoped",
                        display(role),
                        "trusts EKS Pod Identity without conditions: any association in the account could use it",
                        "add StringEquals on aws:RequestTag/kubernetes-namespace, aws:RequestTag/kubernetes-service-"
                        "account and aws:RequestTag/eks-cluster-arn",
                    )


def _no_wildcards(stack: Stack) -> Iterable[Violation]:
    for resource in stack.of_type(IAM_POLICY, IAM_ROLE_POLICY):
        for index, statement in enumerate(_statements(_document(resource.props.get("policy")))):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid") or index
            if "NotAction" in statement:
                yield Violation(
                    "no-wildcard-actions",
                    display(resource),
                    f"statement {sid} allows everything except {', '.join(map(str, _as_list(statement['NotAction'])))}"
                    " (Allow with NotAction), including every action AWS adds later",
                    "list the actions the workload calls under Action",
                )
            # A '*' anywhere in the name (iam:*Role*, s3:Get*) grants actions nobody listed.
            wild = [a for a in _as_list(statement.get("Action")) if "*" in str(a) or "?" in str(a)]
            if wild:
                yield Violation(
                    "no-wildcard-actions",
                    display(resource),
                    f"statement {sid} allows {', '.join(map(str, wild))}",
                    "list the actions the workload calls",
                )
    for attachment in stack.of_type(IAM_ATTACHMENT):
        arn = str(attachment.props.get("policyArn") or "")
        name = arn.rsplit("/", 1)[-1]
        if ":iam::aws:policy/" in arn and name in BROAD_MANAGED_POLICIES:
            yield Violation(
                "no-wildcard-actions",
                display(attachment),
                f"attaches {name}, which grants (nearly) every action in the account",
                "attach a policy with only the actions the workload calls",
            )


def _chart_pinned(stack: Stack) -> Iterable[Violation]:
    policy_versions = {
        str((p.props.get("tags") or {}).get("elbv2-controller-version"))
        for p in stack.of_type(IAM_POLICY)
        if isinstance(p.props.get("tags"), Mapping) and (p.props.get("tags") or {}).get("elbv2-controller-version")
    }
    for release in stack.of_type(HELM_RELEASE):
        if release.props.get("chart") != CONTROLLER_CHART:
            continue
        version = str(release.props.get("version") or "")
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart version {version or '(none)'} is not pinned: the next install may get another controller",
                "set an exact chart version, e.g. 3.5.0",
            )
            continue
        controller = next((r.version for r in RELEASES.values() if r.chart_version == version), None)
        if controller is None:
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart {version} has no reviewed IAM policy in policies/iam/",
                "use a chart version with a policy file, or add one",
            )
        elif policy_versions and policy_versions != {controller}:
            yield Violation(
                "chart-pinned",
                display(release),
                f"chart {version} runs controller {controller}, but the IAM policy is for "
                f"{', '.join(sorted(policy_versions))}",
                "move chart and policy to the same controller version",
            )


# -- workloads and production ----------------------------------------------------


def _prestop_seconds(container: Mapping[str, Any]) -> int | None:
    pre_stop = ((container.get("lifecycle") or {}).get("preStop")) or {}
    sleep = pre_stop.get("sleep") or {}
    if isinstance(sleep, Mapping) and "seconds" in sleep:
        return int(sleep["seconds"])
    command = " ".join(map(str, ((pre_stop.get("exec") or {}).get("command")) or []))
    match = re.search(r"sleep\s+(\d+)", command)
    return int(match.group(1)) if match else None


def _drain(stack: Stack) -> Iterable[Violation]:
    services = {(s.namespace, s.metadata.get("name")): s for s in stack.of_type(SERVICE)}
    for ingress in stack.alb_ingresses():
        delay = int(
            string_map(stack.setting(ingress, "target-group-attributes")).get(
                "deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY
            )
        )
        backends = {
            ((p.get("backend") or {}).get("service") or {}).get("name")
            for rule in ingress.spec.get("rules") or []
            for p in ((rule.get("http") or {}).get("paths") or [])
        }
        for backend in sorted(b for b in backends if b):
            yield from _workload_drain(stack, ingress.namespace, backend, delay, services)
    # Routes on ALB Gateways: the delay is their backend's TargetGroupConfiguration's.
    for gateway in stack.alb_gateways:
        for route, _ in gateway.routes:
            for backend in dict.fromkeys(gateway_rules.backend_services(route)):
                settings = gateway_rules.target_settings(stack, gateway, route, backend)
                delay = gateway_rules.deregistration_delay(settings, DEFAULT_DEREGISTRATION_DELAY)
                yield from _workload_drain(stack, route.namespace, backend, delay, services)


def _workload_drain(
    stack: Stack, namespace: str, backend: str, delay: int, services: Mapping[tuple[str, Any], Resource]
) -> Iterable[Violation]:
    """The drain problems of the Deployments behind one backend Service."""
    service = services.get((namespace, backend))
    selector = (service.spec.get("selector") or {}) if service else {}
    if not selector:
        return
    for deployment in stack.of_type(DEPLOYMENT):
        template = deployment.spec.get("template") or {}
        labels = ((template.get("metadata") or {}).get("labels")) or {}
        if deployment.namespace == namespace and all(labels.get(k) == v for k, v in selector.items()):
            yield from _drain_problems(deployment, template.get("spec") or {}, delay)


def _drain_problems(deployment: Resource, pod: Mapping[str, Any], delay: int) -> Iterable[Violation]:
    grace = int(pod.get("terminationGracePeriodSeconds", DEFAULT_GRACE_PERIOD))
    for container in pod.get("containers") or []:
        where = f"{display(deployment)} container {container.get('name')}"
        if not container.get("readinessProbe"):
            yield Violation(
                "pods-drain",
                where,
                "has no readiness probe: it gets traffic before it can answer",
                "add a readinessProbe",
            )
        limits = (container.get("resources") or {}).get("limits") or {}
        if not {"cpu", "memory"} <= set(limits):
            yield Violation("pods-drain", where, "has no CPU and memory limits", "set resources.limits.cpu and memory")
        prestop = _prestop_seconds(container)
        if prestop is None or prestop < delay:
            yield Violation(
                "pods-drain",
                where,
                f"stops before the ALB's deregistration delay ({delay} s) ends (preStop {prestop or 0} s): open "
                "connections (WebSockets) are cut",
                f"add a preStop sleep of at least {delay} s, or lower the delay in target-group-attributes",
            )
        elif grace <= prestop:
            yield Violation(
                "pods-drain",
                where,
                f"terminationGracePeriodSeconds {grace} is not longer than the preStop sleep {prestop}: the kubelet "
                "kills it mid-drain",
                f"set terminationGracePeriodSeconds above {prestop}",
            )


def _production(stack: Stack) -> Iterable[Violation]:
    if stack.context.environment != "production":
        return
    for group, members in sorted(_groups(stack).items()):
        attributes: dict[str, str] = {}
        for ingress in members:
            attributes.update(string_map(stack.setting(ingress, "load-balancer-attributes")))
        if attributes.get("deletion_protection.enabled") != "true":
            yield Violation(
                "production-protection",
                f"group {group}",
                "a production ALB without deletion protection can be deleted by one wrong Ingress edit",
                "set deletion_protection.enabled=true (alb.deletionProtection: true)",
            )
        if attributes.get("access_logs.s3.enabled") != "true":
            yield Violation(
                "production-protection",
                f"group {group}",
                "a production ALB without access logs leaves no record of who called what",
                "set access_logs.s3.enabled=true with a bucket (alb.accessLogs)",
            )
    yield from gateway_rules.production(stack)


RULES: tuple[Rule, ...] = (
    Rule(
        "alb-target-type-ip",
        "ALB Ingresses target pods (target-type ip)",
        "the extra node hop and dropped connections on node restarts",
        _target_type_ip,
    ),
    Rule("alb-group", "ALB Ingresses belong to a group", "one ALB per Ingress (cost, quotas)", _in_a_group),
    Rule(
        "alb-https",
        "internet-facing ALBs listen on HTTPS with a certificate",
        "clear-text traffic on the internet",
        _https,
    ),
    Rule("alb-ssl-redirect", "internet-facing ALBs redirect HTTP to HTTPS", "clients staying on clear text", _redirect),
    Rule(
        "alb-tls-policy",
        "internet-facing ALBs use a TLS 1.2+ policy",
        "TLS 1.0/1.1 (the controller's default policy allows them)",
        _tls_policy,
    ),
    Rule(
        "group-consistent",
        "Ingresses of a group agree on group-wide settings",
        "one Ingress blocking the whole group",
        _consistent,
    ),
    Rule(
        "group-quota",
        "a group stays under the ALB's quotas (rules, certificates, target groups, targets, security group rules)",
        "a group that stops reconciling",
        _quota,
    ),
    Rule(
        "group-routes",
        "no two Ingresses claim one host and path, and no host is in two groups",
        "one team's traffic taken by another's rule or ALB",
        _routes,
    ),
    Rule(
        "role-trust-scoped",
        "roles trust only their own service account",
        "other pods assuming the controller's role",
        _trust_scoped,
    ),
    Rule("no-wildcard-actions", "no IAM statement allows * actions", "privileges nobody reviewed", _no_wildcards),
    Rule(
        "chart-pinned",
        "the controller chart is pinned and matches the IAM policy's version",
        "a controller without the permissions it needs",
        _chart_pinned,
    ),
    Rule("pods-drain", "pods behind an ALB drain cleanly", "dropped connections on every rollout", _drain),
    Rule(
        "production-protection",
        "production ALBs have deletion protection and access logs",
        "an accidental delete, and no audit trail",
        _production,
    ),
)


def evaluate(
    resources: Iterable[Resource], context: Context | None = None, rules: Iterable[Rule] = RULES
) -> list[Violation]:
    stack = Stack(list(resources), context or Context())
    found: list[Violation] = []
    for rule in rules:
        try:
            found.extend(rule.check(stack))
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
            # Objects written by anyone may have any shape (rules: ["x"], a grace period of "soon"): that is
            # a finding about the input, never a crash of the check.
            found.append(
                Violation(
                    rule.id,
                    "input",
                    f"could not be checked: an object is not shaped as Kubernetes or IAM expects ({error})",
                    "fix the object's shape (kubectl apply --dry-run=server shows where), then check again",
                )
            )
    return found


def rule(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)
