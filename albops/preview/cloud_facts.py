"""What the offline plan assumes about the cloud, from one place.

A real ``pulumi preview`` reads the cluster (does it exist, its tags, Auto Mode,
its add-ons) from AWS. The offline plan cannot, so it takes those facts from a
file: ``plan --cloud-facts FILE``, or the stack's own ``cloud-facts/<stack>.yaml``
next to the stack files. Whatever no file says is assumed, and the plan prints
each assumption, so a reviewer knows which answers were the plan's guess:

- an existing cluster (``cluster.create`` false) exists, has Auto Mode off and
  no add-ons;
- a cluster the stack creates does not exist yet.

- subnets named in ``cluster.subnetIds`` lie in zones a, b, c... of the region, in
  the order given.

``albops check`` reads the same file for what manifests alone do not say: the
IngressClasses the cluster already has (which controller each one names, and
the IngressClassParams it points to, whose settings win over an Ingress's
annotations), so an Ingress of a class another team installed is checked as
the controller will build it.

Format (every key optional)::

    clusters:
      stage:
        exists: true
        autoMode: false
        addons: [eks-pod-identity-agent]
        tags: {team: platform}
        gatewayApiBundle: v1.6.0     # the Gateway API CRDs' bundle version, if installed
        ingressClasses:
          alb: {controller: ingress.k8s.aws/alb}
          internal-alb:
            controller: ingress.k8s.aws/alb
            params: {scheme: internal, group: {name: internal}}
          nginx: {controller: k8s.io/ingress-nginx}
    subnets:
      subnet-0123456789abcdef0: us-west-2a
    policies:                        # customer-managed policies the stack attaches, as GetPolicyVersion gives them
      arn:aws:iam::111122223333:policy/team-extra:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::team-bucket/*"}]

A customer-managed policy in ``controller.iam.extraPolicyArns`` that no file describes is assumed to exist and
grant nothing the guardrails refuse (and the plan says so); ``pulumi preview`` reads and judges the real one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from albingress.facts.names import DNS_SUBDOMAIN
from albops.preview.stack_file import StackFileError, config_mapping, load_strict_yaml

FACTS_DIR = "cloud-facts"
_CLUSTER_KEYS = {
    "exists": bool,
    "autoMode": bool,
    "addons": list,
    "tags": dict,
    "ingressClasses": dict,
    "gatewayApiBundle": str,
}
# A Gateway API release as its CRDs' bundle-version annotation spells it.
_BUNDLE = re.compile(r"v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?")
# The spec fields of the controller's IngressClassParams (elbv2.k8s.aws/v1beta1, its v3.5.0 CRD).
CLASS_PARAMS_FIELDS = frozenset(
    {
        "PrefixListsIDs",
        "certificateArn",
        "group",
        "inboundCIDRs",
        "ipAddressType",
        "ipamConfiguration",
        "listeners",
        "loadBalancerAttributes",
        "loadBalancerName",
        "minimumLoadBalancerCapacity",
        "namespaceSelector",
        "prefixListsIDs",
        "scheme",
        "sslPolicy",
        "sslRedirectPort",
        "subnets",
        "tags",
        "targetType",
        "wafv2AclArn",
        "wafv2AclName",
    }
)


@dataclass(frozen=True)
class IngressClassFacts:
    """An IngressClass the cluster has: the controller it names and its IngressClassParams spec, if any."""

    controller: str
    params: Mapping[str, Any] = field(default_factory=dict)


class FactsError(ValueError):
    """A facts file that cannot be used; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class ClusterFacts:
    """One EKS cluster as the offline plan's mock cloud describes it."""

    name: str
    exists: bool = True
    auto_mode: bool = False
    addons: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    ingress_classes: Mapping[str, IngressClassFacts] = field(default_factory=dict)
    # The bundle version of the Gateway API CRDs the cluster has (None: none installed).
    gateway_api_bundle: str | None = None

    def describe(self) -> str:
        if not self.exists:
            return f"cluster {self.name} does not exist"
        addons = ", ".join(self.addons) or "none"
        tags = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items())) or "none"
        auto = "on" if self.auto_mode else "off"
        return f"cluster {self.name} exists, Auto Mode {auto}, add-ons: {addons}, tags: {tags}"


@dataclass(frozen=True)
class CloudFacts:
    """The facts the plan uses, where they came from, and what it had to assume."""

    clusters: Mapping[str, ClusterFacts] = field(default_factory=dict)
    source: str | None = None
    assumed: tuple[str, ...] = ()
    # Availability zone of each subnet the stack names.
    subnets: Mapping[str, str] = field(default_factory=dict)
    # Customer-managed policy documents by ARN (what iam:GetPolicyVersion answers for the default version).
    policies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def cluster(self, name: str) -> ClusterFacts:
        return self.clusters.get(name) or ClusterFacts(name)

    def existing_names(self) -> list[str]:
        return sorted(name for name, facts in self.clusters.items() if facts.exists)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "assumed": list(self.assumed),
            "clusters": {
                name: {
                    "exists": c.exists,
                    "autoMode": c.auto_mode,
                    "addons": list(c.addons),
                    "tags": dict(c.tags),
                    "ingressClasses": {
                        k: {"controller": v.controller, "params": dict(v.params)}
                        for k, v in sorted(c.ingress_classes.items())
                    },
                    "gatewayApiBundle": c.gateway_api_bundle,
                }
                for name, c in sorted(self.clusters.items())
            },
            "subnets": dict(self.subnets),
            "policies": {arn: dict(document) for arn, document in sorted(self.policies.items())},
        }


def _step(key: object) -> str:
    """A key as a path step: ``.name``, or ``['na\\nme']`` when it holds what would break the line it is on."""
    return f".{key}" if isinstance(key, str) and key.isprintable() and key.strip() == key else f"[{key!r}]"


def _cluster(path: Path, name: str, value: Any) -> ClusterFacts:
    where = f"{path}: clusters{_step(name)}"
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise FactsError(f"{where}: not a mapping; write exists / autoMode / addons / tags under it")
    for key, item in value.items():
        kind = _CLUSTER_KEYS.get(key)
        if kind is None:
            raise FactsError(f"{where}.{key}: unknown key; known keys: {', '.join(_CLUSTER_KEYS)}")
        if not isinstance(item, kind):
            raise FactsError(f"{where}.{key}: {item!r} is not a {kind.__name__}; fix its type")
    addons = value.get("addons", [])
    tags = value.get("tags", {})
    if not all(isinstance(a, str) for a in addons):
        raise FactsError(f"{where}.addons: list add-on names, e.g. [eks-pod-identity-agent]")
    if not all(isinstance(v, str) for v in tags.values()):
        raise FactsError(f"{where}.tags: tag values are text; quote them")
    bundle = value.get("gatewayApiBundle")
    if bundle is not None and not _BUNDLE.fullmatch(bundle):
        raise FactsError(f"{where}.gatewayApiBundle: {bundle!r} is not a Gateway API release; write e.g. v1.6.0")
    return ClusterFacts(
        name=name,
        exists=value.get("exists", True),
        auto_mode=value.get("autoMode", False),
        addons=tuple(addons),
        tags={str(k): v for k, v in tags.items()},
        ingress_classes={
            str(k): _ingress_class(f"{where}.ingressClasses{_step(k)}", k, v)
            for k, v in value.get("ingressClasses", {}).items()
        },
        gateway_api_bundle=bundle,
    )


def _ingress_class(where: str, name: Any, value: Any) -> IngressClassFacts:
    # An IngressClass name as the API server takes it: a DNS-1123 subdomain.
    if not isinstance(name, str) or not DNS_SUBDOMAIN.fullmatch(name):
        raise FactsError(f"{where}: {name!r} is not an IngressClass name (lower-case letters, digits, '-' and '.')")
    if not isinstance(value, dict):
        raise FactsError(
            f"{where}: write {{controller: ingress.k8s.aws/alb}} (and params: if it has IngressClassParams)"
        )
    unknown = sorted(set(value) - {"controller", "params"})
    if unknown:
        raise FactsError(f"{where}.{unknown[0]}: unknown key; known keys: controller, params")
    controller, params = value.get("controller"), value.get("params", {})
    if not isinstance(controller, str) or not controller:
        raise FactsError(f"{where}.controller: name the class's controller, e.g. ingress.k8s.aws/alb")
    if not isinstance(params, dict):
        raise FactsError(f"{where}.params: the IngressClassParams spec, a mapping (e.g. {{scheme: internal}})")
    bad = sorted(str(k) for k in params if k not in CLASS_PARAMS_FIELDS)
    if bad:
        raise FactsError(
            f"{where}.params.{bad[0]}: not an IngressClassParams field; known: {', '.join(sorted(CLASS_PARAMS_FIELDS))}"
        )
    return IngressClassFacts(controller=controller, params={str(k): v for k, v in params.items()})


def load_facts(path: Path) -> tuple[dict[str, ClusterFacts], dict[str, str]]:
    """The clusters and subnets a facts file describes."""
    if not path.is_file():
        raise FactsError(f"{path}: not a file; give a facts file (docs/plan.md, Cloud facts) or drop --cloud-facts")
    try:
        document = load_strict_yaml(path)
    except StackFileError as error:
        raise FactsError(str(error).replace(path.name, str(path), 1)) from None
    if document is None:
        return {}, {}
    if not isinstance(document, dict) or set(document) - {"clusters", "subnets", "policies"}:
        raise FactsError(f"{path}: expected a mapping with the keys clusters:, subnets: and policies:")
    clusters = document.get("clusters") or {}
    if not isinstance(clusters, dict):
        raise FactsError(f"{path}: clusters is not a mapping of cluster names")
    subnets = document.get("subnets") or {}
    if not isinstance(subnets, dict) or not all(isinstance(z, str) for z in subnets.values()):
        raise FactsError(f"{path}: subnets is not a mapping of subnet ids to zones, e.g. subnet-0abc: us-west-2a")
    found = {str(name): _cluster(path, str(name), value) for name, value in clusters.items()}
    return found, {str(k): v for k, v in subnets.items()}


_CUSTOMER_POLICY = re.compile(r"arn:[a-z-]+:iam::\d{12}:policy/[\x21-\x7e]+")


def load_policies(path: Path) -> dict[str, dict[str, Any]]:
    """The customer-managed policy documents a facts file describes (``policies:``), by ARN."""
    try:
        document = load_strict_yaml(path)
    except StackFileError as error:
        raise FactsError(str(error).replace(path.name, str(path), 1)) from None
    policies = (document or {}).get("policies") or {} if isinstance(document, dict) else {}
    if not isinstance(policies, dict):
        raise FactsError(f"{path}: policies is not a mapping of policy ARNs to their documents")
    found: dict[str, dict[str, Any]] = {}
    for arn, value in policies.items():
        where = f"{path}: policies{_step(arn)}"
        if not isinstance(arn, str) or not _CUSTOMER_POLICY.fullmatch(arn):
            raise FactsError(f"{where}: not a customer-managed policy ARN (arn:aws:iam::<account>:policy/<name>)")
        if not isinstance(value, dict) or "Statement" not in value:
            raise FactsError(f"{where}: write the policy document, a mapping with Statement: (and Version:)")
        found[arn] = value
    return found


def resolve_facts(
    config: Mapping[str, Any], stack: str, project_dir: Path, explicit: Path | None = None, project: str = ""
) -> CloudFacts:
    """The facts for planning ``stack``: the named file, else the stack's own, plus what had to be assumed."""
    path = explicit if explicit is not None else project_dir / FACTS_DIR / f"{stack}.yaml"
    clusters, subnets = load_facts(path) if explicit is not None or path.is_file() else ({}, {})
    policies = load_policies(path) if explicit is not None or path.is_file() else {}
    source = str(path) if explicit is not None or path.is_file() else None
    cluster = config_mapping(config.get(f"{project or 'alb-ingress'}:cluster"))
    create = cluster.get("create") is True
    name = cluster.get("name") or (stack if create else None)
    assumed: list[str] = []
    if isinstance(name, str) and name not in clusters:
        facts = ClusterFacts(name, exists=not create)
        clusters = {**clusters, name: facts}
        reason = "the stack creates it" if create else "the stack names an existing cluster"
        assumed.append(f"{facts.describe()} ({reason}; no facts file says otherwise)")
    region = config.get("aws:region")
    given = cluster.get("subnetIds")
    if isinstance(given, list) and isinstance(region, str):
        unknown = [s for s in given if isinstance(s, str) and s not in subnets]
        zones = {s: f"{region}{chr(ord('a') + i % 26)}" for i, s in enumerate(unknown)}
        subnets = {**subnets, **zones}
        assumed.extend(f"subnet {s} is in {zone}" for s, zone in zones.items())
    found = CloudFacts(clusters=clusters, source=source, assumed=tuple(assumed), subnets=subnets, policies=policies)
    return assume_policies(found, config, project)


def assume_policies(facts: CloudFacts, config: Mapping[str, Any], project: str = "") -> CloudFacts:
    """The facts with every customer-managed ``controller.iam.extraPolicyArns`` entry no file describes.

    The policy the user names exists (AWS would refuse the attachment otherwise); its document is what the
    plan cannot know, so it stands as one granting nothing, and the plan says so. Run again once encrypted
    values have their stand-ins, so a stand-in ARN is assumed too.
    """
    controller = config_mapping(config.get(f"{project or 'alb-ingress'}:controller"))
    iam = controller.get("iam")
    extra = iam.get("extraPolicyArns") if isinstance(iam, dict) else None
    policies = dict(facts.policies)
    assumed = list(facts.assumed)
    for arn in extra if isinstance(extra, list) else []:
        if isinstance(arn, str) and _CUSTOMER_POLICY.fullmatch(arn) and arn not in policies:
            policies[arn] = {"Version": "2012-10-17", "Statement": []}
            what = (
                "the stand-in for an encrypted value" if "encrypted-stand-in" in arn else "no facts file describes it"
            )
            assumed.append(
                f"policy {arn} exists and grants nothing the guardrails refuse ({what}; `pulumi preview` reads and "
                "judges the real one)"
            )
    return replace(facts, policies=policies, assumed=tuple(assumed))
