"""The models of the stack config's sections that the components take as their inputs.

A section (``cluster``, ``echoserver``, ``alb``, ``certificate``, ``ephemeral``, ``dns``) is validated once,
here, with the messages a stack file's author reads; the components are built from the validated models
and import nothing from the settings package, which only reads stack config, checks what spans sections and
builds the components' args. (The controller's model has its own module, ``components/controller/model.py``,
as the public component takes it.)

Patterns are always matched against the whole value (``re.fullmatch``): a YAML block scalar (``host: |``)
ends in a newline, and ``$`` would accept it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from typing import Any, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from albingress.components.model import IMAGE as _IMAGE
from albingress.components.model import VPC_ID, ResourceSettings
from albingress.components.model import Section as _Section
from albingress.components.model import check_dns_label as _check_dns_label
from albingress.components.model import fail as _fail
from albingress.components.tags import (
    EPHEMERAL_TAG,
    EXPIRES_TAG,
    OWNER_TAG,
)
from albingress.facts.alb_limits import FIXED_RESPONSE_CONTENT_TYPES
from albingress.facts.eks_versions import EKS_KUBERNETES_VERSIONS, EKS_VERSIONS_CHECKED
from albingress.facts.instance_types import INSTANCE_TYPE
from albingress.facts.names import CLUSTER_NAME, GROUP_NAME
from albingress.facts.regions import (
    ALB_SSL_POLICIES,
    RECOMMENDED_SSL_POLICY,
    dns_suffix,
    partition_for_region,
)
from albingress.policies.app_checks import host_problem, weak_tls_problem

ECHO_IMAGE = "docker.io/jmalloc/echo-server:v0.3.7"

_CLUSTER_NAME = CLUSTER_NAME
_GROUP_NAME = GROUP_NAME
_HOST = re.compile(r"(?=.{1,253}\Z)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_DOMAIN = re.compile(r"(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_ACCOUNT = re.compile(r"\d{12}")
_OIDC_ARN = re.compile(
    r"arn:([a-z-]+):iam::(\d{12}):oidc-provider/(oidc\.eks\.([a-z0-9-]+)\.([a-z.]+)/id/[0-9A-Fa-f]+)"
)
_CERT_ARN = re.compile(r"arn:([a-z-]+):acm:([a-z0-9-]+):(\d{12}):certificate/([0-9a-f-]{36})")
_ZONE_ID = re.compile(r"Z[0-9A-Z]{1,31}")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# ELB listener rules: each condition value is at most 128 characters.
ALB_CONDITION_VALUE_MAX = 128
_CONTENT_TYPES = FIXED_RESPONSE_CONTENT_TYPES
# Namespaces a stack must never create (it would own them, and delete them on destroy).
_SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def _https_ports(listen_ports: tuple[dict[str, int], ...]) -> list[int]:
    return [port for entry in listen_ports for proto, port in entry.items() if proto == "HTTPS"]


def _check_path(value: str, example: str) -> str:
    if not _PATH.fullmatch(value):
        raise _fail(f"{value!r} is not a URL path; use e.g. {example} (a leading '/', letters, digits, '.-_~/')")
    if "//" in value or any(part in (".", "..") for part in value.split("/")):
        raise _fail(f"{value!r} has an empty, '.' or '..' segment, which clients normalise away; use e.g. {example}")
    return value


class ClusterSettings(_Section):
    """The EKS cluster the controller is installed into: an existing one, or one the stack creates."""

    name: str = Field(examples=["my-cluster"])
    oidc_provider_arn: str | None = None
    vpc_id: str | None = None
    create: StrictBool = False
    version: str = "1.33"
    subnet_ids: tuple[str, ...] | None = None
    node_instance_type: str = "t3.medium"
    node_count: StrictInt = 2

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any, info: ValidationInfo) -> Any:
        # A created cluster is named after its stack unless told otherwise, so
        # `pr-<number>` stacks made from one template get clusters of their own.
        stack = (info.context or {}).get("stack")
        if isinstance(data, dict) and data.get("create") is True and "name" not in data and stack:
            return {**data, "name": stack}
        return data

    @field_validator("version")
    @classmethod
    def _k8s_version(cls, value: str) -> str:
        if not re.fullmatch(r"1\.\d{2}", value):
            raise _fail(f"{value!r} is not a Kubernetes minor version; use e.g. '1.33' (quoted, as YAML drops zeros)")
        if value not in EKS_KUBERNETES_VERSIONS:
            raise _fail(
                f"{value} is not a version EKS offers for new clusters (as of {EKS_VERSIONS_CHECKED}): use one of "
                f"{', '.join(EKS_KUBERNETES_VERSIONS)} (see facts/eks_versions.py)"
            )
        return value

    @model_validator(mode="after")
    def _keys_of_the_mode(self) -> ClusterSettings:
        if not self.create:
            created_only = sorted(self.model_fields_set & {"version", "subnet_ids", "node_instance_type", "node_count"})
            if created_only:
                names = ", ".join(type(self).model_fields[f].alias or f for f in created_only)
                raise _fail(
                    f"{names} only apply to a cluster the stack creates (cluster.create: true); this stack uses the "
                    "existing cluster as it is: remove them"
                )
        return self

    @field_validator("subnet_ids")
    @classmethod
    def _subnets(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        bad = [s for s in value if not re.fullmatch(r"subnet-([0-9a-f]{8}|[0-9a-f]{17})", s)]
        if bad:
            raise _fail(f"{bad[0]!r} is not a subnet id; expected subnet-<8 or 17 hex digits>")
        if len(set(value)) < 2:
            raise _fail("give at least two subnets in different zones (EKS and the ALB both need two)")
        return value

    @field_validator("node_instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not INSTANCE_TYPE.fullmatch(value):
            raise _fail(
                f"{value!r} is not an EC2 instance type (family.size in lower case, e.g. t3.medium or "
                "m7i.metal-24xl); check the name with `aws ec2 describe-instance-types`"
            )
        return value

    @field_validator("node_count")
    @classmethod
    def _node_count(cls, value: int) -> int:
        if not 2 <= value <= 10:
            raise _fail(f"{value} is out of range; use 2 to 10 (one node per zone at least)")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _CLUSTER_NAME.fullmatch(value):
            raise _fail(
                f"{value!r} is not an EKS cluster name; use 1-100 letters, digits, '-' or '_', "
                "starting with a letter or digit (see `aws eks list-clusters`)"
            )
        return value

    @field_validator("oidc_provider_arn")
    @classmethod
    def _oidc(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        match = _OIDC_ARN.fullmatch(value)
        if not match:
            raise _fail(
                f"{value!r} is not an EKS IAM OIDC provider ARN; expected "
                "arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>, "
                "or remove the key to look it up from the cluster"
            )
        region = (info.context or {}).get("region")
        if region and match.group(4) != region:
            raise _fail(
                f"the provider belongs to a cluster in {match.group(4)}, but the stack deploys to {region}; "
                f"use the OIDC provider of the {region} cluster (or remove the key to look it up)"
            )
        if region and match.group(1) != partition_for_region(region):
            raise _fail(f"partition {match.group(1)!r} is not the partition of {region}; fix the ARN")
        if region and match.group(5) != dns_suffix(partition_for_region(region)):
            raise _fail(
                f"the issuer host is oidc.eks.{match.group(4)}.{match.group(5)}, but EKS issuers in {region} are "
                f"oidc.eks.{region}.{dns_suffix(partition_for_region(region))}; copy the ARN from "
                "`aws iam list-open-id-connect-providers`"
            )
        return value

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is not None and not VPC_ID.fullmatch(value):
            raise _fail(f"{value!r} is not a VPC id; expected vpc-<8 or 17 hex digits>, or remove the key")
        return value

    @property
    def oidc_issuer_host(self) -> str | None:
        """Issuer without scheme, as IAM condition keys spell it; derived from the ARN."""
        if self.oidc_provider_arn is None:
            return None
        match = _OIDC_ARN.fullmatch(self.oidc_provider_arn)
        return match.group(3) if match else None


class EchoserverSettings(_Section):
    """The demo application that proves the ALB reaches pods directly, over HTTP and WebSocket."""

    host: str = Field(examples=["www.example.com"])
    namespace: str = "echoserver"
    image: str = ECHO_IMAGE
    replicas: StrictInt = 2
    path: str = "/echo"
    container_port: StrictInt = 8080
    resources: ResourceSettings = ResourceSettings()

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not _HOST.fullmatch(value):
            raise _fail(f"{value!r} is not a DNS host name; use lower-case labels like www.example.com")
        refused = host_problem(value)  # what the ALB refuses in any app's host (over 128 characters)
        if refused:
            raise _fail(refused)
        return value

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        _check_dns_label(value)
        if value in _SYSTEM_NAMESPACES or value.startswith("kube-"):
            raise _fail(
                f"{value!r} is a namespace every cluster already has; the stack creates its namespace and deletes "
                "it on destroy: use a namespace of its own, e.g. echoserver"
            )
        return value

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        match = _IMAGE.fullmatch(value)
        if not match or len(match.group("name")) > 255:
            raise _fail(
                f"{value!r} is not an image reference a container runtime accepts; use e.g. "
                "registry.example.com/team/app:1.2.3 (lower-case repository path)"
            )
        if not match.group("tag") and not match.group("digest"):
            raise _fail(f"{value!r} has no tag or digest; pin a version, e.g. {value}:1.2.3")
        if match.group("tag") == "latest" and not match.group("digest"):
            raise _fail(f"{value!r} uses :latest; pin a version so rollouts are reproducible")
        return value

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, value: int) -> int:
        if not 2 <= value <= 50:
            raise _fail(f"{value} is out of range; use 2 to 50 (one replica drops connections on every node restart)")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        _check_path(value, "/echo")
        if value == "/" or value.endswith("/"):
            raise _fail(f"{value!r} is not a path prefix; use e.g. /echo (leading '/', no trailing '/')")
        # The controller turns a Prefix path into two path-pattern values, PATH and PATH/*; ALB takes at most
        # 128 characters per condition value, and a rule over it blocks the whole group.
        if len(value) + 2 > ALB_CONDITION_VALUE_MAX:
            raise _fail(
                f"is {len(value)} characters; the controller matches it as {value[:8]}.../*, and an ALB condition "
                f"value holds at most {ALB_CONDITION_VALUE_MAX}: use at most {ALB_CONDITION_VALUE_MAX - 2}"
            )
        return value

    @field_validator("container_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1024 <= value <= 65535:
            raise _fail(f"{value} cannot be bound by a non-root container; use 1024 to 65535")
        return value


class FixedResponseSettings(_Section):
    """The ALB answers this path itself, without reaching any pod."""

    path: str = "/"
    status_code: StrictInt = 200
    content_type: str = "text/plain"
    message_body: str = "Path is /"

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        _check_path(value, "/ or /status")
        if len(value) > ALB_CONDITION_VALUE_MAX:  # an Exact path is one condition value
            raise _fail(f"is {len(value)} characters; an ALB condition value holds {ALB_CONDITION_VALUE_MAX}")
        return value

    @field_validator("status_code")
    @classmethod
    def _status(cls, value: int) -> int:
        if not (200 <= value <= 299 or 400 <= value <= 599):
            raise _fail(
                f"{value} is not allowed: ALB fixed responses take 2XX, 4XX or 5XX codes only (a 3XX fails at AWS "
                "and blocks the whole ALB group); for a redirect use a redirect action"
            )
        return value

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        if value not in _CONTENT_TYPES:
            raise _fail(f"{value!r} is not allowed; use one of {', '.join(_CONTENT_TYPES)}")
        return value

    @field_validator("message_body")
    @classmethod
    def _body(cls, value: str) -> str:
        if len(value.encode()) > 1024:
            raise _fail("the body is over 1024 bytes, the ALB limit; shorten it")
        return value


# S3's general purpose bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming rules"): prefixes
# and suffixes reserved for S3's own names (access point, Object Lambda, Multi-Region Access Point, directory and
# table bucket aliases, punycode, examples), which S3 refuses for a bucket and so for the ALB's log bucket.
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(value: str) -> str | None:
    """Why S3 refuses ``value`` as a general purpose bucket name (the access logs' bucket); None when it is one."""
    rule = None
    if not _BUCKET.fullmatch(value):
        rule = "3-63 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
    elif ".." in value or ".-" in value or "-." in value:
        rule = "without a '.' next to another '.' or a '-'"
    elif re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", value):
        rule = "not in the form of an IP address"
    elif value.startswith(_BUCKET_PREFIXES):
        rule = f"not starting with {', '.join(_BUCKET_PREFIXES)} (reserved by S3)"
    elif value.endswith(_BUCKET_SUFFIXES):
        rule = f"not ending with {', '.join(_BUCKET_SUFFIXES)} (reserved for S3's access point and bucket aliases)"
    if rule is None:
        return None
    return f"{value!r} is not a valid S3 bucket name: a name must be {rule}; give the log bucket's name as S3 shows it"


class AccessLogSettings(_Section):
    """Where the ALB writes its access logs (the bucket policy must let ELB write there)."""

    bucket: str
    prefix: str = ""

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        problem = bucket_name_problem(value)
        if problem is not None:
            raise _fail(problem)
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if (
            value.startswith("/")
            or value.endswith("/")
            or "AWSLogs" in value
            or not re.fullmatch(r"[\w!.*'()/-]*", value)
        ):
            raise _fail(f"{value!r} is not an access log prefix; use e.g. 'echoserver' (no leading or trailing '/')")
        return value


class QuotaSettings(_Section):
    """The ALB's adjustable quotas, per load balancer: rules (100), certificates besides the default (25) and
    targets (1000). Target groups per load balancer (100) cannot be raised (Elastic Load Balancing User Guide,
    "Quotas for your Application Load Balancers")."""

    rules: StrictInt = 100
    certificates: StrictInt = 25
    targets: StrictInt = 1000
    # Listeners per load balancer (50, adjustable): the group's distinct listen ports.
    listeners: StrictInt = 50

    @field_validator("rules", "certificates", "targets", "listeners")
    @classmethod
    def _bounded(cls, value: int) -> int:
        if not 1 <= value <= 10000:
            raise _fail(f"{value} is out of range; use 1 to 10000 (the quota AWS granted this account)")
        return value


class AlbSettings(_Section):
    """The shared ALB the echoserver's Ingress (or Gateway) joins."""

    group_name: str = Field(examples=["my-alb-group"])
    # ingress: the group is an Ingress group; gateway: a Gateway (Gateway API) named after the group.
    api: Literal["ingress", "gateway"] = "ingress"
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    listen_ports: tuple[dict[str, StrictInt], ...] = ({"HTTP": 80}, {"HTTPS": 443})
    ssl_redirect: StrictInt | None = 443
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    idle_timeout_seconds: StrictInt = 3600
    deregistration_delay_seconds: StrictInt = 60
    health_check_path: str = "/"
    fixed_response: FixedResponseSettings = FixedResponseSettings()
    deletion_protection: StrictBool = False
    access_logs: AccessLogSettings | None = None
    allowed_namespaces: tuple[str, ...] | None = None
    # The adjustable ALB quotas every group of the stack's apps is counted against (raise them with AWS first).
    quotas: QuotaSettings = QuotaSettings()

    @field_validator("group_name")
    @classmethod
    def _group(cls, value: str) -> str:
        if len(value) > 63 or not _GROUP_NAME.fullmatch(value):
            raise _fail(
                f"{value!r} is not a valid group.name; use at most 63 lower-case letters, digits, '-' or '.', "
                "starting and ending with a letter or digit"
            )
        return value

    @field_validator("listen_ports")
    @classmethod
    def _listen_ports(cls, value: tuple[dict[str, int], ...]) -> tuple[dict[str, int], ...]:
        if not value:
            raise _fail('no listener; use e.g. [{"HTTP": 80}, {"HTTPS": 443}]')
        seen: set[int] = set()
        for entry in value:
            if len(entry) != 1:
                raise _fail(f'{entry} must have exactly one key, HTTP or HTTPS, e.g. {{"HTTPS": 443}}')
            ((protocol, port),) = entry.items()
            if protocol not in ("HTTP", "HTTPS"):
                raise _fail(f"{protocol!r} is not an ALB listener protocol; use HTTP or HTTPS")
            if not 1 <= port <= 65535:
                raise _fail(f"{port!r} is not a port; use 1 to 65535")
            if port in seen:
                raise _fail(f"port {port} is listed twice; an ALB has one listener per port")
            seen.add(port)
        if not _https_ports(value):
            raise _fail('has no HTTPS port, so the certificate is never served; add {"HTTPS": 443}')
        return value

    @field_validator("ssl_redirect")
    @classmethod
    def _ssl_redirect(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Declared after listenPorts, so a valid listenPorts is already in info.data;
        # an invalid one is reported on its own key instead.
        ports = info.data.get("listen_ports")
        if value is None or ports is None:
            return value
        https = _https_ports(ports)
        if value not in https:
            raise _fail(
                f"{value} is not an HTTPS port in alb.listenPorts ({https}); "
                'add {"HTTPS": <port>} to listenPorts or redirect to one of those ports'
            )
        return value

    @field_validator("ssl_policy")
    @classmethod
    def _ssl_policy(cls, value: str) -> str:
        floor = ALB_SSL_POLICIES.get(value)
        if floor is None:
            close = difflib.get_close_matches(value, list(ALB_SSL_POLICIES), n=1, cutoff=0.8)
            hint = f"did you mean {close[0]}? " if close else ""
            raise _fail(
                f"{value!r} is not a security policy ALB offers; {hint}use e.g. {RECOMMENDED_SSL_POLICY} "
                "(see `aws elbv2 describe-ssl-policies`)"
            )
        weak = weak_tls_problem(value)  # the same words as AlbApp's ssl_policy
        if weak:
            raise _fail(weak)
        return value

    @field_validator("idle_timeout_seconds")
    @classmethod
    def _idle(cls, value: int) -> int:
        if not 1 <= value <= 4000:
            raise _fail(f"{value} is out of the ALB range; use 1 to 4000 (3600 suits long-lived WebSockets)")
        return value

    @field_validator("deregistration_delay_seconds")
    @classmethod
    def _dereg(cls, value: int) -> int:
        if not 0 <= value <= 3600:
            raise _fail(f"{value} is out of the target group range; use 0 to 3600")
        return value

    @field_validator("health_check_path")
    @classmethod
    def _health(cls, value: str) -> str:
        if len(value) > 1024:  # ELB CreateTargetGroup: HealthCheckPath is 1 to 1024 characters
            raise _fail(f"is {len(value)} characters; a target group health check path holds at most 1024")
        return _check_path(value, "/ or /healthz")

    @field_validator("allowed_namespaces")
    @classmethod
    def _namespaces(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise _fail("an empty list would let no Ingress join; list namespaces, or remove the key")
        for name in value:
            _check_dns_label(name)
        return tuple(dict.fromkeys(value))

    @property
    def https_ports(self) -> list[int]:
        return _https_ports(self.listen_ports)

    @property
    def listen_ports_annotation(self) -> str:
        return json.dumps([dict(entry) for entry in self.listen_ports], separators=(",", ":"))

    def load_balancer_attributes(self) -> dict[str, str]:
        """ALB attributes, in the names ``load-balancer-attributes`` and IngressClassParams take."""
        attributes = {"idle_timeout.timeout_seconds": str(self.idle_timeout_seconds)}
        if self.deletion_protection:
            attributes["deletion_protection.enabled"] = "true"
        if self.access_logs is not None:
            attributes["access_logs.s3.enabled"] = "true"
            attributes["access_logs.s3.bucket"] = self.access_logs.bucket
            if self.access_logs.prefix:
                attributes["access_logs.s3.prefix"] = self.access_logs.prefix
        return attributes


# The stand-in for an encrypted certificate ARN; the plan fills in the stack's facts.
_CERT_EXAMPLE = "arn:{partition}:acm:{region}:{account}:certificate/00000000-0000-0000-0000-000000000000"


class CertificateSettings(_Section):
    """Either an existing ACM certificate or one the stack requests and validates."""

    arn: str | None = Field(default=None, examples=[_CERT_EXAMPLE])
    domain: str | None = None
    zone_id: str | None = None

    @field_validator("arn")
    @classmethod
    def _arn(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        match = _CERT_ARN.fullmatch(value)
        if not match:
            raise _fail(
                f"{value!r} is not an ACM certificate ARN; expected "
                "arn:aws:acm:<region>:<account>:certificate/<uuid> (see `aws acm list-certificates`)"
            )
        region = (info.context or {}).get("region")
        if region and match.group(2) != region:
            raise _fail(
                f"the certificate is in {match.group(2)} but the stack deploys to {region}; an ALB can only "
                f"use a certificate from its own region: request or import one in {region}"
            )
        if region and match.group(1) != partition_for_region(region):
            raise _fail(f"partition {match.group(1)!r} is not the partition of {region}; fix the ARN")
        return value

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.fullmatch(value):
            raise _fail(f"{value!r} is not a certificate domain; use e.g. www.example.com or *.example.com")
        return value

    @field_validator("zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not _ZONE_ID.fullmatch(value):
            raise _fail(f"{value!r} is not a Route 53 hosted zone id; expected e.g. Z0123456789ABCDEFGHIJ")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> CertificateSettings:
        if self.arn is not None and (self.domain is not None or self.zone_id is not None):
            raise _fail("give either arn (existing certificate) or domain + zoneId (create one), not both")
        if self.arn is None and (self.domain is None or self.zone_id is None):
            raise _fail("give arn (existing certificate), or both domain and zoneId so the stack creates one")
        return self

    @property
    def creates_certificate(self) -> bool:
        return self.arn is None


class EphemeralSettings(_Section):
    """Marks a stack (and its cluster) short-lived: who owns it and when it may be swept."""

    owner: str = Field(examples=["platform-team"])
    expires: str = Field(examples=["2099-12-31"])
    max_lifetime_days: StrictInt = 30

    @field_validator("max_lifetime_days")
    @classmethod
    def _lifetime(cls, value: int) -> int:
        if not 1 <= value <= 365:
            raise _fail(f"{value} is out of range; use 1 to 365 days")
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not re.fullmatch(r"[\w.@+-]{1,128}", value):
            raise _fail(f"{value!r} is not an owner; use a team or user name (letters, digits, '.@+-_')")
        return value

    @field_validator("expires")
    @classmethod
    def _expires(cls, value: str) -> str:
        # Only the calendar form: Python also reads ISO week (2026-W52-1) and ordinal (2026-365) dates,
        # which the sweep and people would read differently.
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise _fail(f"{value!r} is not a calendar date; write YYYY-MM-DD, e.g. 2026-12-31 (quoted)")
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            raise _fail(f"{value!r} is not a real calendar date; write YYYY-MM-DD, e.g. 2026-12-31") from None
        return parsed.isoformat()

    def lifetime_problem(self, today: dt.date) -> str | None:
        """Why the expiry cannot be used on a stack created today, or None."""
        expires = dt.date.fromisoformat(self.expires)
        if expires <= today:
            return f"{self.expires} is not in the future (today is {today.isoformat()}); set a later date"
        latest = today + dt.timedelta(days=self.max_lifetime_days)
        if expires > latest:
            return (
                f"{self.expires} is more than {self.max_lifetime_days} days away (ephemeral.maxLifetimeDays); "
                f"set it to {latest.isoformat()} or earlier"
            )
        return None

    def tags(self) -> dict[str, str]:
        """The tags the scheduled sweep (``albops sweep --expired``) looks for."""
        return {EPHEMERAL_TAG: "true", OWNER_TAG: self.owner, EXPIRES_TAG: self.expires}


class GatewayApiSettings(_Section):
    """Gateway API on the cluster (with alb.api gateway): whether the stack installs the standard CRDs."""

    # Explicit, never guessed from the cluster: a guess would flip on the next run, once the CRDs exist.
    install_crds: StrictBool = True


class DnsSettings(_Section):
    """Alias records for the echoserver host, pointing at the ALB the controller made."""

    zone_id: str = Field(examples=["Z0123456789ABCDEFGHIJ"])

    @field_validator("zone_id")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not _ZONE_ID.fullmatch(value):
            raise _fail(f"{value!r} is not a Route 53 hosted zone id; expected e.g. Z0123456789ABCDEFGHIJ")
        return value


def host_covered_by(host: str, domain: str) -> bool:
    """True when a certificate for ``domain`` is valid for ``host``.

    A wildcard covers exactly one label: ``*.example.com`` covers
    ``www.example.com`` but neither ``example.com`` nor ``a.b.example.com``.
    """
    if domain.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == domain[2:]
    return host == domain
