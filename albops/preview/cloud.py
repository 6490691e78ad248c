"""Plausible cloud answers for running the real program under Pulumi's mock runtime.

Each answer has the shape AWS or Kubernetes gives for that resource or data
source (ARN formats, ACM's validation records, the ALB DNS name the controller
writes to the Ingress status), derived deterministically from the inputs so a
plan is the same on every run. In preview mode a resource returns only what a
real preview knows: its inputs and its auto-generated name; ARNs, ids and
statuses stay unknown, as they would before ``pulumi up``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from typing import Any

import pulumi

from albingress.facts.gateway_api import (
    ALB_GATEWAY_CONTROLLER,
    AWS_GATEWAY_VERSION,
    BUNDLE_VERSION_ANNOTATION,
    GATEWAY_API_VERSION,
    GATEWAY_CRD_NAME,
)
from albingress.facts.managed_policies import document_for_arn
from albingress.facts.regions import dns_suffix, partition_for_region
from albops.preview.cloud_facts import CloudFacts

ACCOUNT_ID = "111122223333"
# Route 53 hosted zone of Application Load Balancers per region (Elastic Load
# Balancing endpoints table), for alias records; regions not listed get a
# stand-in of the same shape.
_ALB_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2"}


_REMOTE_COMPONENTS = {"eks:index:Cluster"}
# How Pulumi marks a resource reference in a property map (pulumi/runtime/rpc.py's signatures).
RESOURCE_SIG_KEY = "4dabf18193072939515e22adb298388d"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
# Types whose physical name Pulumi generates from the logical name plus a suffix.
_AUTO_NAMED = {"aws:iam/policy:Policy", "aws:iam/role:Role"}


# When the mock cloud's objects were made and its conditions last changed.
_SEEN = "2026-11-25T00:00:00Z"


def _digest(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _conditions(*kinds: str) -> list[dict[str, str]]:
    """Status conditions the controller has set true (Gateway API's metav1.Condition shape)."""
    return [{"type": k, "status": "True", "reason": k, "message": "", "lastTransitionTime": _SEEN} for k in kinds]


class MissingObjectError(LookupError):
    """An object the program reads (``Resource.get``) that the described cloud does not have: how the read
    fails under ``pulumi up``, said with the facts the plan used."""


class CloudAnswers(pulumi.runtime.Mocks):
    """Answers for every resource type and data source the stack uses; others are errors."""

    def __init__(
        self, region: str, preview: bool, account_id: str = ACCOUNT_ID, facts: CloudFacts | None = None
    ) -> None:
        self.region = region
        # What the mock cloud knows of clusters (exists, tags, Auto Mode, add-ons): from the facts file.
        self.facts = facts or CloudFacts()
        self.preview = preview
        self.partition = partition_for_region(region)
        # The account the (imagined) credentials belong to.
        self.account_id = account_id
        # (data source token, provider reference) of every lookup, in order.
        self.calls: list[tuple[str, str]] = []
        # Resources remote components made inside themselves, by URN: (id, state), for the monitor to register.
        self.implied: dict[str, tuple[str, dict[str, Any]]] = {}
        # The ids this mock cloud gave, by type token and logical name (a reference passed to pulumi-eks names its
        # resource by URN; the provider's answer refers to it by URN and id).
        self.ids: dict[tuple[str, str], str] = {}
        # The Kubernetes objects made so far, by type token and name (a Gateway reads its configuration's).
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}

    # -- data sources -------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        token, inputs = args.token, args.args
        self.calls.append((token, args.provider))
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:{self.partition}:iam::{self.account_id}:user/offline-plan"
            return {"accountId": self.account_id, "arn": arn, "userId": "AIDA" + _digest(arn).upper(), "id": ""}, []
        if token == "aws:eks/getCluster:getCluster":
            name = str(inputs["name"])
            if not self.facts.cluster(name).exists:
                # How a provider-side failure reaches the program under mocks.
                return {}, [("name", f"reading EKS Cluster ({name}): couldn't find resource")]
            return self._cluster(name), []
        if token == "aws:eks/getClusters:getClusters":
            return {"id": self.region, "names": self.facts.existing_names()}, []
        if token == "aws:eks/getAddon:getAddon":
            return self._addon(str(inputs["clusterName"]), str(inputs["addonName"]))
        if token == "aws:ec2/getVpc:getVpc":
            vpc = f"vpc-0{_digest('default-vpc', self.region, length=16)}"
            return {"id": vpc, "cidrBlock": "172.31.0.0/16", "default": True, "state": "available"}, []
        if token == "aws:ec2/getSubnets:getSubnets":
            return {"ids": [self._subnet_id(zone) for zone in "abc"], "id": self.region}, []
        if token == "aws:ec2/getSubnet:getSubnet":
            subnet = str(inputs["id"])
            zone = next((z for z in "abcdef" if self._subnet_id(z) == subnet), None)
            availability_zone = f"{self.region}{zone}" if zone else self.facts.subnets.get(subnet)
            if availability_zone is None:
                return {}, [("id", f"reading EC2 Subnet ({subnet}): InvalidSubnetID.NotFound")]
            return {
                "id": subnet,
                "vpcId": f"vpc-0{_digest('default-vpc', self.region, length=16)}",
                "availabilityZone": availability_zone,
                "cidrBlock": "172.31.0.0/20",
            }, []
        if token == "aws:elb/getHostedZoneId:getHostedZoneId":
            return {"id": self._alb_zone(), "region": self.region}, []
        if token == "aws:lb/getLoadBalancer:getLoadBalancer":
            return self._load_balancer(dict(inputs.get("tags") or {})), []
        if token == "aws:iam/getPolicy:getPolicy":
            return self._policy(str(inputs.get("arn") or ""))
        if token == "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
            host = str(inputs["url"]).removeprefix("https://")
            arn = f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{host}"
            return {
                "arn": arn,
                "url": host,
                "clientIdLists": ["sts.amazonaws.com"],
                "thumbprintLists": [],
                "tags": {},
            }, []
        raise LookupError(f"the offline plan has no answer for data source {token}; add one to CloudAnswers")

    def _policy(self, arn: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """What the provider's aws_iam_policy data source answers: iam:GetPolicy for the policy, then
        iam:GetPolicyVersion for its default version's document (AWS managed ones from the dated snapshot in
        facts/, customer-managed ones from the cloud facts' policies:). IAM reads no other account's policy."""
        match = re.fullmatch(r"arn:([a-z-]+):iam::(aws|\d{12}):policy/((?:.*/)?)([^/]+)", arn)
        account = match.group(2) if match else ""
        if match and account not in ("aws", self.account_id):
            return {}, [("arn", f"reading IAM Policy ({arn}): AccessDenied: not authorized to perform iam:GetPolicy")]
        document = document_for_arn(arn) if account == "aws" else self.facts.policies.get(arn)
        if match is None or document is None:
            message = f"NoSuchEntity: Policy {arn} does not exist or is not attachable."
            return {}, [("arn", f"reading IAM Policy ({arn}): {message}")]
        return {
            "arn": arn,
            "id": arn,
            "name": match.group(4),
            "path": "/" + match.group(3),
            "description": "",
            "attachmentCount": 0,
            "policy": json.dumps(document),
            "policyId": "ANPA" + _digest(arn, length=17).upper(),
            "tags": {},
        }, []

    def _addon(self, cluster: str, addon: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        facts = self.facts.cluster(cluster)
        if not facts.exists or addon not in facts.addons:
            return {}, [("addonName", f"reading EKS Add-On ({cluster}:{addon}): couldn't find resource")]
        arn = f"arn:{self.partition}:eks:{self.region}:{self.account_id}:addon/{cluster}/{addon}/{_digest(addon)}"
        return {
            "id": f"{cluster}:{addon}",
            "addonName": addon,
            "clusterName": cluster,
            "addonVersion": "v1.3.8-eksbuild.2",
            "arn": arn,
            "tags": {},
        }, []

    def _cluster(self, name: str) -> dict[str, Any]:
        oidc_id = _digest("oidc", name, length=32).upper()
        ca = base64.b64encode(f"offline-plan CA of {name}".encode()).decode()
        suffix = dns_suffix(self.partition)
        facts = self.facts.cluster(name)
        auto = facts.auto_mode
        return {
            "name": name,
            "arn": f"arn:{self.partition}:eks:{self.region}:{self.account_id}:cluster/{name}",
            "endpoint": f"https://{_digest('endpoint', name, length=32).upper()}.gr7.{self.region}.eks.{suffix}",
            "certificateAuthorities": [{"data": ca}],
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{self.region}.{suffix}/id/{oidc_id}"}]}],
            "vpcConfig": {"vpcId": f"vpc-0{_digest('vpc', name, length=16)}", "subnetIds": [], "securityGroupIds": []},
            "version": "1.33",
            "status": "ACTIVE",
            "tags": dict(facts.tags),
            "computeConfigs": [{"enabled": auto, "nodePools": ["general-purpose", "system"] if auto else []}],
            "kubernetesNetworkConfigs": [
                {
                    "elasticLoadBalancings": [{"enabled": auto}],
                    "ipFamily": "ipv4",
                    "serviceIpv4Cidr": "172.20.0.0/16",
                    "serviceIpv6Cidr": "",
                }
            ],
        }

    def _subnet_id(self, zone: str) -> str:
        return f"subnet-0{_digest('subnet', self.region, zone, length=16)}"

    def _load_balancer(self, tags: dict[str, str]) -> dict[str, Any]:
        group = tags.get("ingress.k8s.aws/stack") or tags.get("gateway.k8s.aws.alb/stack", "").rpartition("/")[2]
        name, hostname = self._alb_name(group, "internet-facing")
        arn = f"arn:{self.partition}:elasticloadbalancing:{self.region}:{self.account_id}:loadbalancer/app/{name}/"
        arn += _digest("lb", group)
        return {
            "arn": arn,
            "name": name,
            "dnsName": hostname,
            "zoneId": self._alb_zone(),
            "loadBalancerType": "application",
        }

    def _alb_zone(self) -> str:
        return _ALB_ZONES.get(self.region, "Z" + _digest("zone", self.region, length=13).upper())

    def _alb_name(self, group: str, scheme: str) -> tuple[str, str]:
        """The controller names a group's ALB k8s-<group>-<hash> within ELB's 32 characters."""
        lb_name = f"k8s-{re.sub(r'[^a-z0-9]', '', group)[:17]}-{_digest('alb', group, length=10)}"
        prefix = "" if scheme == "internet-facing" else "internal-"
        number = int(_digest("dns", group, length=8), 16) % 10**10
        suffix = dns_suffix(self.partition)
        return lb_name, f"{prefix}{lb_name}-{number}.{self.region}.elb.{suffix}"

    # -- resources ----------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.resource_id and args.custom is None:  # a read of an existing object (``Resource.get``)
            return self._read(args)
        state = dict(args.inputs)
        if args.typ in _AUTO_NAMED and not state.get("name"):
            state["name"] = f"{args.name}-{_digest(args.typ, args.name, length=7)}"
        if args.typ in _REMOTE_COMPONENTS:
            # Its provider answers with the component's outputs; a resource passed in (the monitor hands it
            # over as its URN) is not echoed back as a string where the program's SDK expects no such output.
            state = {k: v for k, v in state.items() if not (isinstance(v, str) and v.startswith("urn:pulumi:"))}
        # Remote components (pulumi-eks's Cluster) answer like resources; local ones have no state.
        if self.preview or (not args.custom and args.typ not in _REMOTE_COMPONENTS):
            return (None if self.preview else f"{args.name}-id"), state
        handlers = {
            "aws:iam/policy:Policy": self._iam_policy,
            "aws:iam/role:Role": self._iam_role,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": self._iam_attachment,
            "aws:eks/podIdentityAssociation:PodIdentityAssociation": self._pod_identity_association,
            "aws:acm/certificate:Certificate": self._acm_certificate,
            "aws:route53/record:Record": self._route53_record,
            "aws:acm/certificateValidation:CertificateValidation": self._acm_validation,
            "kubernetes:helm.sh/v3:Release": self._helm_release,
            "eks:index:Cluster": self._eks_cluster,
            "kubernetes:networking.k8s.io/v1:Ingress": self._ingress,
            f"kubernetes:{GATEWAY_API_VERSION}:Gateway": self._gateway,
            f"kubernetes:{GATEWAY_API_VERSION}:HTTPRoute": self._route,
        }
        handler = handlers.get(args.typ)
        if handler is not None:
            resource_id, extra = handler(args, state)
            state.update(extra)
            self.ids[(args.typ, args.name)] = resource_id
            return resource_id, state
        if args.typ.startswith("kubernetes:"):
            return self._kubernetes_object(args, state)
        return f"{args.name}-id", state

    def _read(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """What reading an existing object answers; reads happen in a preview too."""
        crd = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
        if args.typ == crd and args.resource_id == GATEWAY_CRD_NAME:
            # The cluster's Gateway API install, from the facts (one cluster per plan: the stack's).
            bundle = next((c.gateway_api_bundle for c in self.facts.clusters.values() if c.gateway_api_bundle), None)
            if bundle is None:
                raise MissingObjectError(
                    "the cluster has no Gateway API CRDs (reading CustomResourceDefinition "
                    "gateways.gateway.networking.k8s.io finds none), and alb-ingress:gatewayApi.installCrds is false: "
                    "set it true so the stack installs them, or, if the cluster has them, say so in the cloud facts "
                    "(gatewayApiBundle: v1.6.0 under the cluster)"
                )
            annotations = {
                BUNDLE_VERSION_ANNOTATION: bundle,
                "gateway.networking.k8s.io/channel": "standard",
            }
            metadata = {"name": args.resource_id, "annotations": annotations}
            return args.resource_id, {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": metadata,
            }
        if args.typ == f"kubernetes:{GATEWAY_API_VERSION}:Gateway":
            return self._read_gateway(args)
        raise LookupError(f"the offline plan cannot read {args.typ} {args.resource_id}; add an answer to CloudAnswers")

    def _read_gateway(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """A Gateway an app's route attaches to, as the cluster has it once the route is accepted on it."""
        resource_id = str(args.resource_id)
        if resource_id == pulumi.runtime.rpc.UNKNOWN:
            return resource_id, {}  # the engine skips a read whose id is unknown in a preview
        state = self.objects.get((args.typ, resource_id))
        if state is None:
            raise MissingObjectError(
                f"Gateway {resource_id} does not exist: an app with api gateway attaches its route to the Gateway "
                "its group names (in gateway_namespace); create that Gateway first, or name one that exists"
            )
        return resource_id, {**state, "status": self._gateway_status(args.typ, resource_id)}

    def _eks_cluster(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """pulumi-eks's Cluster is one remote component here; answer the outputs the stack reads."""
        name = str(state.get("name") or args.name)
        facts = self._cluster(name)
        issuer = facts["identities"][0]["oidcs"][0]["issuer"].removeprefix("https://")
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "kubernetes",
                    "cluster": {
                        "server": facts["endpoint"],
                        "certificate-authority-data": facts["certificateAuthorities"][0]["data"],
                    },
                }
            ],
            "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
            "current-context": "aws",
            "users": [
                {
                    "name": "aws",
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", name, "--region", self.region],
                        }
                    },
                }
            ],
        }
        cluster_facts = {
            **facts,
            "vpcConfig": {**facts["vpcConfig"], "vpcId": state.get("vpcId") or facts["vpcConfig"]["vpcId"]},
        }
        vpc_id = cluster_facts["vpcConfig"]["vpcId"]
        # pulumi-eks answers with references to the resources it made inside (the aws.eks.Cluster, its role, the
        # Kubernetes provider), which programs read as cluster.eks_cluster.name or cluster.core.vpc_id.
        eks_cluster = self._implied(f"{args.name}-eksCluster", "aws:eks/cluster:Cluster", name, cluster_facts)
        given = args.inputs.get("serviceRole")
        if isinstance(given, str) and given.startswith("urn:pulumi:"):
            # pulumi-eks makes no role when given one, and answers core.clusterIamRole with the one given
            # (nodejs/eks/cluster/cluster.ts, createCore: ``clusterIamRole: args.serviceRole ?? ...``).
            typ = given.split("::")[2].rpartition("$")[2]
            role = {RESOURCE_SIG_KEY: RESOURCE_SIG, "urn": given, "id": self.ids.get((typ, given.split("::")[3]), "")}
        else:
            role_arn = f"arn:{self.partition}:iam::{self.account_id}:role/{args.name}-eksRole"
            role = self._implied(f"{args.name}-eksRole", "aws:iam/role:Role", f"{args.name}-eksRole", {"arn": role_arn})
        provider = self._implied(f"{args.name}-provider", "pulumi:providers:kubernetes", f"{args.name}-provider", {})
        subnets = list(state.get("subnetIds") or [])
        core = {
            "cluster": eks_cluster,
            "clusterIamRole": role,
            "endpoint": facts["endpoint"],
            "instanceRoles": [],
            "nodeGroupOptions": {},
            "provider": provider,
            "subnetIds": subnets,
            "vpcId": vpc_id,
        }
        return f"{name}-eks", {
            "eksCluster": eks_cluster,
            "core": core,
            "kubeconfig": kubeconfig,
            "kubeconfigJson": json.dumps(kubeconfig),
            "oidcProviderArn": f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{issuer}",
            "oidcProviderUrl": f"https://{issuer}",
            "oidcIssuer": issuer,
            "clusterSecurityGroupId": f"sg-0{_digest('cluster-sg', name, length=16)}",
            "nodeSecurityGroupId": f"sg-0{_digest('node-sg', name, length=16)}",
        }

    def _implied(self, name: str, typ: str, resource_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """A resource a remote component made inside itself, as a reference the program can read.

        The monitor (``runner.RecordingMonitor``) registers it, so reading it back (``getResource``) answers
        with ``state``.
        """
        urn = f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::eks:index:Cluster${typ}::{name}"
        self.implied[urn] = (resource_id, {**state, "id": resource_id, "urn": urn})
        return {RESOURCE_SIG_KEY: RESOURCE_SIG, "urn": urn, "id": resource_id}

    def _iam_policy(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        arn = f"arn:{self.partition}:iam::{self.account_id}:policy/{state['name']}"
        return arn, {"arn": arn, "path": "/", "policyId": "ANPA" + _digest(arn, length=17).upper()}

    def _iam_role(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        arn = f"arn:{self.partition}:iam::{self.account_id}:role/{state['name']}"
        return state["name"], {"arn": arn, "path": "/", "uniqueId": "AROA" + _digest(arn, length=17).upper()}

    def _iam_attachment(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return f"{state['role']}-{_digest(str(state['policyArn']), length=8)}", {}

    def _pod_identity_association(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        assoc = "a-" + _digest(args.name, length=17)
        base = f"arn:{self.partition}:eks:{self.region}:{self.account_id}"
        arn = f"{base}:podidentityassociation/{state['clusterName']}/{assoc}"
        return f"{state['clusterName']},{assoc}", {"associationArn": arn, "associationId": assoc}

    def _acm_certificate(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        domain = str(state["domainName"])
        cert_id = str(uuid.UUID(_digest("cert", args.name, domain, length=32)))
        arn = f"arn:{self.partition}:acm:{self.region}:{self.account_id}:certificate/{cert_id}"
        base = domain.removeprefix("*.")
        option = {
            "domainName": domain,
            "resourceRecordName": f"_{_digest('name', domain, length=32)}.{base}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": (
                f"_{_digest('value', domain, length=32)}.{_digest('v', domain, length=10)}.acm-validations.aws."
            ),
        }
        return arn, {"arn": arn, "status": "PENDING_VALIDATION", "domainValidationOptions": [option]}

    def _route53_record(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        fqdn = str(state["name"]).rstrip(".")
        return f"{state['zoneId']}_{fqdn}_{state['type']}", {"fqdn": fqdn}

    def _acm_validation(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return "2026-11-25T00:00:00Z", {"certificateArn": state["certificateArn"]}

    def _helm_release(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        status = {
            "name": state.get("name"),
            "namespace": state.get("namespace"),
            "chart": state.get("chart"),
            "version": state.get("version"),
            "appVersion": f"v{state.get('version')}",
            "revision": 1,
            "status": "deployed",
        }
        return f"{state.get('namespace')}/{state.get('name')}", {"status": status}

    def _ingress(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        resource_id, extra = self._kubernetes_object(args, state)
        annotations = state.get("metadata", {}).get("annotations", {})
        group = str(annotations.get("alb.ingress.kubernetes.io/group.name", args.name))
        scheme = str(annotations.get("alb.ingress.kubernetes.io/scheme", "internet-facing"))
        _, hostname = self._alb_name(group, scheme)
        extra["status"] = {"loadBalancer": {"ingress": [{"hostname": hostname}]}}
        return resource_id, extra

    def _gateway(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A Gateway the controller has programmed: the ALB's DNS name in ``addresses``, as its status has it."""
        resource_id, extra = self._kubernetes_object(args, state)
        extra["status"] = self._gateway_status(args.typ, resource_id)
        return resource_id, extra

    def _gateway_status(self, typ: str, resource_id: str) -> dict[str, Any]:
        """A programmed Gateway's status, from the Gateway and LoadBalancerConfiguration this plan made."""
        state = self.objects[(typ, resource_id)]
        name = str(state["metadata"]["name"])
        ref = ((state.get("spec") or {}).get("infrastructure") or {}).get("parametersRef") or {}
        config_type = f"kubernetes:{AWS_GATEWAY_VERSION}:LoadBalancerConfiguration"
        config_id = resource_id.rpartition("/")[0] + "/" + str(ref.get("name"))
        config = self.objects.get((config_type, config_id), {})
        scheme = str((config.get("spec") or {}).get("scheme", "internet-facing"))
        _, hostname = self._alb_name(name, scheme)
        return {
            "addresses": [{"type": "Hostname", "value": hostname}],
            "conditions": _conditions("Accepted", "Programmed"),
        }

    def _route(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """An HTTPRoute the controller accepted on each parent it names."""
        resource_id, extra = self._kubernetes_object(args, state)
        parents = []
        for ref in (state.get("spec") or {}).get("parentRefs") or []:
            conditions = _conditions("Accepted", "ResolvedRefs")
            parents.append({"parentRef": ref, "controllerName": ALB_GATEWAY_CONTROLLER, "conditions": conditions})
        extra["status"] = {"parents": parents}
        return resource_id, extra

    def _kubernetes_object(self, args: Any, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        metadata = dict(state.get("metadata") or {})
        metadata.setdefault("name", args.name)
        metadata["uid"] = str(uuid.UUID(_digest("uid", args.typ, args.name, length=32)))
        metadata["creationTimestamp"] = _SEEN
        namespace = metadata.get("namespace")
        resource_id = f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])
        self.objects[(args.typ, resource_id)] = {**state, "metadata": metadata}
        return resource_id, {"metadata": metadata}
