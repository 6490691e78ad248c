"""Typed, validated stack settings.

Every value the stack reads comes through here, and all of it is checked before
the first resource is registered: a typo or an impossible combination must stop
``pulumi up`` with a message that names the key and says how to fix it, never
leave half an ALB behind. Problems are collected and reported together so one
run shows every mistake in a stack file.

Patterns are always matched against the whole value (``re.fullmatch``): a YAML
block scalar (``host: |``) ends in a newline, and ``$`` would accept it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components.controller.component import AwsLoadBalancerControllerArgs
from components.controller.model import FOREIGN_CLASSES as _FOREIGN_CLASSES
from components.controller.model import (
    ControllerSettings,
)
from components.eks_versions import EKS_KUBERNETES_VERSIONS, EKS_VERSIONS_CHECKED
from components.model import DNS_LABEL, ConfigError, Problem, ResourceSettings
from components.model import IMAGE as _IMAGE
from components.model import POLICY_ARN as _POLICY_ARN
from components.model import Section as _Section
from components.model import check_dns_label as _check_dns_label
from components.model import fail as _fail
from components.names import CLUSTER_NAME, ENVIRONMENTS, EPHEMERAL, GROUP_NAME
from components.regions import (
    ALB_SSL_POLICIES,
    RECOMMENDED_SSL_POLICY,
    dns_suffix,
    known_regions,
    partition_for_region,
    region_exists,
    similar_regions,
)
from components.tags import (
    CONTROLLER_OWN_TAG_COUNT,
    EPHEMERAL_TAG,
    EXPIRES_TAG,
    MAX_TAGS,
    OWNER_TAG,
    reserved_tag,
)
from policies.controller_iam import PARTITIONS

PROJECT = "alb-ingress"
# Config namespaces a stack file may use besides the project's own: the AWS provider's (each key is
# handed to the explicit provider or refused, see components/aws_config.py) and the CLI's own.
KNOWN_NAMESPACES = ("aws", "pulumi")
_ENVIRONMENT_HINTS = {"prod": "production", "prd": "production", "live": "production", "stage": "staging"}
_ENVIRONMENT_HINTS |= {"stg": "staging", "dev": "development", "test": "development", "sandbox": "development"}
# The template pull-request stacks are copied from; it may keep a placeholder expiry.
TEMPLATE_STACK = "pr"
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
_VPC_ID = re.compile(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})")
_ZONE_ID = re.compile(r"Z[0-9A-Z]{1,31}")
_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_TAG_KEY = re.compile(r"[\w .:/+\-@]{1,128}")
_TAG_VALUE = re.compile(r"[\w .:/+\-@]{0,256}")
# ELB listener rules: each condition value is at most 128 characters.
ALB_CONDITION_VALUE_MAX = 128
_CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")
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


def _region_advice(region: str) -> str:
    close = similar_regions(region)
    return f"did you mean {' or '.join(close)}?" if close else "see `aws ec2 describe-regions` for the region names"


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
                f"{', '.join(EKS_KUBERNETES_VERSIONS)} (see components/eks_versions.py)"
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
        if not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", value):
            raise _fail(f"{value!r} is not an EC2 instance type; use e.g. t3.medium")
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
        if value is not None and not _VPC_ID.fullmatch(value):
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


class AccessLogSettings(_Section):
    """Where the ALB writes its access logs (the bucket policy must let ELB write there)."""

    bucket: str
    prefix: str = ""

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.fullmatch(value) or ".." in value or re.fullmatch(r"[\d.]+", value):
            raise _fail(f"{value!r} is not an S3 bucket name; use 3-63 lower-case letters, digits, '-' and '.'")
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
    """The ALB's adjustable quotas, per load balancer: rules (100) and certificates besides the default (25)."""

    rules: StrictInt = 100
    certificates: StrictInt = 25

    @field_validator("rules", "certificates")
    @classmethod
    def _bounded(cls, value: int) -> int:
        if not 1 <= value <= 10000:
            raise _fail(f"{value} is out of range; use 1 to 10000 (the quota AWS granted this account)")
        return value


class AlbSettings(_Section):
    """The shared ALB the echoserver's Ingress joins."""

    group_name: str = Field(examples=["my-alb-group"])
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
        if floor < "1.2":
            raise _fail(
                f"{value} still accepts TLS {floor}; use a policy whose lowest version is TLS 1.2, e.g. "
                f"{RECOMMENDED_SSL_POLICY}, ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS-1-2-2017-01"
            )
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


class StackSettings(_Section):
    """Everything one stack needs, already checked."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, populate_by_name=True)

    region: str
    allowed_account_ids: tuple[str, ...] = ()
    cluster: ClusterSettings
    controller: ControllerSettings = ControllerSettings()
    echoserver: EchoserverSettings
    alb: AlbSettings
    certificate: CertificateSettings
    dns: DnsSettings | None = None
    ephemeral: EphemeralSettings | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    # production, staging, development; "ephemeral" for a stack with an ephemeral section.
    environment: str | None = None
    # aws: keys handed to the explicit provider (snake_case arguments), and aws:defaultTags.tags.
    aws_options: dict[str, Any] = Field(default_factory=dict)
    aws_default_tags: dict[str, str] = Field(default_factory=dict)
    # The apps of alb-ingress:apps, checked and placed: (name, the AlbApp args with the group it lands in).
    apps: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def partition(self) -> str:
        return partition_for_region(self.region)

    def config_accounts(self) -> dict[str, str]:
        """Account of every ARN in config, by the key that holds it."""
        return dict(_config_arns(self))


SECTION_MODELS: dict[str, type[BaseModel]] = {
    "cluster": ClusterSettings,
    "controller": ControllerSettings,
    "echoserver": EchoserverSettings,
    "alb": AlbSettings,
    "certificate": CertificateSettings,
    "dns": DnsSettings,
    "ephemeral": EphemeralSettings,
}
REQUIRED_SECTIONS = frozenset({"cluster", "echoserver", "alb", "certificate"})
# Top-level project keys that are plain maps or words rather than sections.
MAP_KEYS = ("tags", "environment", "apps")


def _config_arns(sections: Any) -> Iterable[tuple[str, str]]:
    """(key, account) for every account-bearing ARN among parsed sections."""

    def get(name: str) -> Any:
        return sections.get(name) if isinstance(sections, Mapping) else getattr(sections, name, None)

    cluster, cert, controller = get("cluster"), get("certificate"), get("controller")
    if isinstance(cluster, ClusterSettings) and cluster.oidc_provider_arn:
        match = _OIDC_ARN.fullmatch(cluster.oidc_provider_arn)
        if match:
            yield f"{PROJECT}:cluster.oidcProviderArn", match.group(2)
    if isinstance(cert, CertificateSettings) and cert.arn:
        match = _CERT_ARN.fullmatch(cert.arn)
        if match:
            yield f"{PROJECT}:certificate.arn", match.group(3)
    if isinstance(controller, ControllerSettings):
        iam = controller.iam
        arns = [("permissionsBoundaryArn", iam.permissions_boundary_arn)]
        arns += [(f"extraPolicyArns[{i}]", arn) for i, arn in enumerate(iam.extra_policy_arns)]
        for name, arn in arns:
            match = _POLICY_ARN.fullmatch(arn or "")
            if match and match.group(2) != "aws":  # AWS managed policies have no account
                yield f"{PROJECT}:controller.iam.{name}", match.group(2)


def _production_checks(sections: Mapping[str, BaseModel], environment: str | None) -> list[Problem]:
    """A production ALB must survive a wrong edit and leave an audit trail (guardrail production-protection)."""
    alb = sections.get("alb")
    if environment != "production" or not isinstance(alb, AlbSettings):
        return []
    problems = []
    if not alb.deletion_protection:
        problems.append(
            Problem(f"{PROJECT}:alb.deletionProtection", "must be true in production (environment: production)")
        )
    if alb.access_logs is None:
        problems.append(
            Problem(f"{PROJECT}:alb.accessLogs", "must name a bucket in production (environment: production)")
        )
    return problems


def _account_checks(
    sections: Mapping[str, BaseModel], allowed: tuple[str, ...], apps: Sequence[tuple[str, dict[str, Any]]] = ()
) -> list[Problem]:
    problems: list[Problem] = []
    found = list(_config_arns(sections))
    # The apps' certificates count too: an ALB cannot use another account's certificate.
    for index, (_, args) in enumerate(apps):
        arn = args.get("certificate_arn")
        if isinstance(arn, str) and arn.count(":") >= 5:
            found.append((f"{PROJECT}:apps[{index}].certificateArn", arn.split(":")[4]))
    if allowed:
        for key, account in found:
            if account not in allowed:
                problems.append(
                    Problem(
                        key,
                        f"names account {account}, which aws:allowedAccountIds ({', '.join(allowed)}) does not allow; "
                        "use a resource of the deploying account, or add the account if it is really yours",
                    )
                )
    else:
        accounts = sorted({account for _, account in found})
        if len(accounts) > 1:
            keys = ", ".join(key for key, _ in found)
            problems.append(
                Problem(
                    "aws:allowedAccountIds",
                    f"the ARNs in config ({keys}) name several accounts ({', '.join(accounts)}); set "
                    "aws:allowedAccountIds to the deploying account and use its resources",
                )
            )
    return problems


def _cross_checks(sections: Mapping[str, BaseModel]) -> list[Problem]:
    """Rules that span keys; each names the key to change.

    Runs on whatever sections parsed, so a broken section elsewhere does not
    hide these problems until the next run.
    """
    problems: list[Problem] = []
    alb = sections.get("alb")
    echo = sections.get("echoserver")
    cert = sections.get("certificate")
    controller = sections.get("controller")
    ephemeral, cluster = sections.get("ephemeral"), sections.get("cluster")
    if isinstance(ephemeral, EphemeralSettings) and isinstance(cluster, ClusterSettings) and not cluster.create:
        problems.append(
            Problem(
                f"{PROJECT}:ephemeral",
                "marks the stack short-lived, but it uses an existing cluster (cluster.create is false); teardown "
                "deletes every Ingress of an ephemeral stack's cluster: set cluster.create: true or remove the key",
            )
        )
    creates = isinstance(cluster, ClusterSettings) and cluster.create
    if creates and isinstance(controller, ControllerSettings) and controller.mode == "auto":
        problems.append(
            Problem(
                f"{PROJECT}:controller.mode",
                "is auto, but a cluster the stack creates has no Auto Mode; remove the key (lbc is used)",
            )
        )
    if isinstance(cluster, ClusterSettings) and cluster.create and (cluster.oidc_provider_arn or cluster.vpc_id):
        problems.append(
            Problem(
                f"{PROJECT}:cluster",
                "oidcProviderArn and vpcId describe an existing cluster; with create: true the stack makes both: "
                "remove them (give subnetIds to choose the VPC)",
            )
        )
    if isinstance(echo, EchoserverSettings):
        if isinstance(controller, ControllerSettings) and echo.namespace == controller.namespace:
            problems.append(
                Problem(
                    f"{PROJECT}:echoserver.namespace",
                    f"{echo.namespace!r} is the controller's namespace; the stack creates the echoserver namespace, "
                    "labels it for readiness gates and deletes it on destroy: give the echoserver its own",
                )
            )
        if isinstance(alb, AlbSettings) and alb.fixed_response.path == echo.path:
            problems.append(
                Problem(
                    f"{PROJECT}:alb.fixedResponse.path",
                    f"{echo.path!r} is also echoserver.path; give the fixed response a path of its own",
                )
            )
        if (
            isinstance(cert, CertificateSettings)
            and cert.domain is not None
            and not host_covered_by(echo.host, cert.domain)
        ):
            problems.append(
                Problem(
                    f"{PROJECT}:certificate.domain",
                    f"{cert.domain!r} does not cover echoserver.host {echo.host!r}; use {echo.host!r} "
                    "or a wildcard of its parent domain",
                )
            )
    return problems


# Controller keys that only mean something when this stack installs the controller.
_LBC_ONLY_KEYS = frozenset(ControllerSettings.model_fields) - {"mode", "ingress_class"}


def _class_problem(settings: StackSettings, mode: str) -> Problem | None:
    """An IngressClass name another controller owns: two controllers on one class fight over its Ingresses."""
    name = settings.controller.class_name(mode)
    other = "alb-auto" if mode == "lbc" else "alb"
    if name in _FOREIGN_CLASSES:
        reason = f"{name!r} is the class another ingress controller (e.g. ingress-nginx) installs by default"
    elif settings.controller.ingress_class == other:
        owner = "EKS Auto Mode's load balancing" if mode == "lbc" else "the self-managed controller's chart"
        reason = f"{other!r} is the class this project gives {owner}"
    else:
        return None
    return Problem(
        f"{PROJECT}:controller.ingressClass",
        f"{reason}; two controllers on one class fight over every Ingress of it: pick a class of its own, or "
        "remove the key",
    )


def check_mode(settings: StackSettings, mode: str) -> None:
    """Refuse settings that the resolved controller mode would silently ignore."""
    problems: list[Problem] = []
    class_problem = _class_problem(settings, mode)
    if class_problem is not None:
        problems.append(class_problem)
    if mode == "auto" and settings.apps:
        problems.append(
            Problem(
                f"{PROJECT}:apps",
                "the apps' Ingresses carry the self-managed controller's group settings, which EKS Auto Mode's load "
                "balancing ignores on an Ingress: use an lbc cluster for them (controller.mode lbc)",
            )
        )
    if mode == "auto":
        for field_name in sorted(settings.controller.model_fields_set & _LBC_ONLY_KEYS):
            alias = ControllerSettings.model_fields[field_name].alias or field_name
            problems.append(
                Problem(
                    f"{PROJECT}:controller.{alias}",
                    "configures the self-managed controller, but the cluster uses EKS Auto Mode load balancing "
                    "(controller.mode auto), where nothing installs it: remove the key, or set controller.mode lbc",
                )
            )
    elif settings.alb.allowed_namespaces is not None:
        problems.append(
            Problem(
                f"{PROJECT}:alb.allowedNamespaces",
                "is applied through the Auto Mode IngressClassParams; with controller.mode lbc the shared IngressClass "
                "serves every team, so remove the key (or use an Auto Mode cluster)",
            )
        )
    if problems:
        raise ConfigError(problems)


def _loc_to_key(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return PROJECT
    if parts[0] == "region":
        return "aws:region"
    head = f"{PROJECT}:{parts[0]}"
    tail = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
    return head + tail


def _model_at(model: type[BaseModel], path: Iterable[int | str]) -> type[BaseModel] | None:
    """The section model a dotted alias path leads to, or None for a leaf or unknown key."""
    current: type[BaseModel] = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        field = fields.get(str(part))
        if field is None:
            return None
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Aliases a typo at ``loc`` could have meant, for the suggestion."""
    current = _model_at(model, loc[:-1])
    return [] if current is None else [f.alias or name for name, f in current.model_fields.items()]


def _problems_from(error: ValidationError, section: str, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        key = _loc_to_key((section, *loc))
        kind = item["type"]
        got = item.get("input")
        if kind == "extra_forbidden":
            known = _known_fields(model, loc)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(Problem(key, f"unknown key; {hint}known keys here: {', '.join(known)}"))
        elif kind == "missing":
            problems.append(Problem(key, "is required; set it in Pulumi.<stack>.yaml (see README, Config keys)"))
        elif kind == "config":
            problems.append(Problem(key, str(item["msg"])))
        elif kind == "literal_error":
            problems.append(Problem(key, f"{got!r} is not allowed; {item['msg'].lower()}"))
        elif kind in ("int_type", "int_parsing") and isinstance(got, bool):
            problems.append(Problem(key, f"is a boolean ({str(got).lower()}); give a whole number"))
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            problems.append(Problem(key, f"{got!r} is not a whole number; write it without quotes, e.g. 443"))
        elif kind == "bool_type":
            problems.append(Problem(key, f"{got!r} is not true or false; write true or false without quotes"))
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(Problem(key, f"{_describe(got)} is not a mapping; write nested keys under it"))
        else:
            problems.append(Problem(key, f"{item['msg']} (got {got!r}); fix the value's type"))
    return problems


def _describe(value: Any) -> str:
    if value is None:
        return "an empty value (null)"
    return f"{type(value).__name__} {value!r}"


def _namespace_problems(full_key: str) -> list[Problem]:
    namespace, _, _ = full_key.partition(":")
    if namespace == PROJECT or namespace in KNOWN_NAMESPACES:
        return []
    if namespace == "kubernetes":
        return [
            Problem(
                full_key,
                "kubernetes: config configures the default Kubernetes provider, which this stack disables; its "
                "providers are built from the cluster itself, so the key would be ignored: remove it",
            )
        ]
    close = difflib.get_close_matches(namespace, [PROJECT, *KNOWN_NAMESPACES], n=1)
    hint = f"did you mean {close[0]}:? " if close else ""
    return [
        Problem(
            full_key,
            f"unknown config namespace {namespace!r}; {hint}keys belong to {PROJECT}: or to "
            f"{', '.join(n + ':' for n in KNOWN_NAMESPACES)} (a typo here would silently drop the setting)",
        )
    ]


def _region_problems(region: Any) -> tuple[str | None, list[Problem]]:
    if region is None:
        return None, [Problem("aws:region", "is required; run `pulumi config set aws:region us-west-2`")]
    if not isinstance(region, str) or not region_exists(region):
        return None, [Problem("aws:region", f"{region!r} is not an AWS region; {_region_advice(str(region))}")]
    partition = partition_for_region(region)
    if partition not in PARTITIONS:
        supported = sorted(r for r, p in known_regions().items() if p in PARTITIONS)
        return None, [
            Problem(
                "aws:region",
                f"{region} is in partition {partition}, for which the controller policy here has no document; "
                f"use a region of {', '.join(PARTITIONS)} (e.g. {supported[0]})",
            )
        ]
    return region, []


def _allowed_accounts(value: Any) -> tuple[tuple[str, ...], list[Problem]]:
    if value is None:
        return (), []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and _ACCOUNT.fullmatch(v) for v in value):
        return (), [
            Problem(
                "aws:allowedAccountIds",
                f'{value!r} is not a list of 12-digit account ids; write e.g. ["111122223333"] (quoted, so YAML '
                "keeps leading zeros)",
            )
        ]
    return tuple(value), []


_PRODUCTION_NAME = re.compile(r"(prod|production)|.*[-_.](prod|production)|(prod|production)[-_.].*")


def _looks_like_production(stack: str | None) -> bool:
    """``prod``, ``production``, ``eu-prod``, ``prod-eu``: names people read as production."""
    return bool(stack) and bool(_PRODUCTION_NAME.fullmatch(str(stack)))


def _environment(value: Any, ephemeral: bool, stack: str | None) -> tuple[str | None, list[Problem]]:
    """The stack's environment: one of ENVIRONMENTS, required unless the stack is ephemeral."""
    key = f"{PROJECT}:environment"
    if ephemeral:
        if value is not None:
            return EPHEMERAL, [
                Problem(
                    key,
                    f"{value!r} contradicts the stack's ephemeral section: a stack with one is ephemeral (short-lived, "
                    "torn down by albops teardown); remove environment, or remove the ephemeral section",
                )
            ]
        return EPHEMERAL, []
    if value is None:
        return None, [
            Problem(
                key,
                f"is required (one of {', '.join(ENVIRONMENTS)}); production turns on deletion protection and access "
                f"logs checks. Add the line `  {PROJECT}:environment: staging` (or production, development) under "
                "config:",
            )
        ]
    if value not in ENVIRONMENTS:
        text = str(value)
        guess = _ENVIRONMENT_HINTS.get(text.strip().lower()) or (
            text.strip().lower() if text.strip().lower() in ENVIRONMENTS else None
        )
        close = guess or next(iter(difflib.get_close_matches(text.lower(), ENVIRONMENTS, n=1, cutoff=0.5)), None)
        hint = f"did you mean {close}? " if close else ""
        return None, [Problem(key, f"{value!r} is not an environment; {hint}use one of {', '.join(ENVIRONMENTS)}")]
    if value != "production" and _looks_like_production(stack):
        return None, [
            Problem(
                key,
                f"is {value}, but the stack's name {stack!r} says production; set environment: production (and "
                "its protections), or rename the stack",
            )
        ]
    return str(value), []


def _tag_problems(value: Any, key: str = f"{PROJECT}:tags") -> tuple[dict[str, str], list[Problem]]:
    """User tags: AWS's rules for keys and values, and none of the reserved keys."""
    if not isinstance(value, dict):
        return {}, [Problem(key, f"{_describe(value)} is not a mapping of tag names to values")]
    problems = []
    for name, text in value.items():
        reserved = reserved_tag(str(name))
        if reserved == "aws:":
            problems.append(Problem(f"{key}.{name}", "tag names starting with 'aws:' are reserved by AWS; rename it"))
        elif reserved is not None:
            problems.append(
                Problem(
                    f"{key}.{name}",
                    f"keys under {reserved} are reserved for this stack and the load balancer controller (they mark "
                    "what teardown and sweep may delete); rename it",
                )
            )
        elif not isinstance(text, str) or not _TAG_KEY.fullmatch(str(name)) or not _TAG_VALUE.fullmatch(text):
            problems.append(
                Problem(
                    f"{key}.{name}",
                    f"{text!r} is not an AWS tag; keys of 1-128 and values of 0-256 letters, digits, spaces and "
                    "'_.:/+-@' (no ',' or '=', which the tags annotation uses as separators)",
                )
            )
    return {str(k): str(v) for k, v in value.items()}, problems


# Tags the stack itself puts on every AWS resource it creates (components/aws_account.py) and on the
# controller's (chart defaultTags, components/controller_release.py).
STACK_DEFAULT_TAG_KEYS = ("project", "stack", "cluster", "managed-by")
CHART_DEFAULT_TAG_KEYS = ("cluster", "managed-by")
# The most tags a resource of the stack adds of its own (the policy's elbv2-controller-version, the
# certificate's eks-cluster, an EKS resource's Name).
_OWN_RESOURCE_TAGS = 2


def _tag_count_problems(tags: Mapping[str, str], aws_tags: Mapping[str, str], ephemeral: bool) -> list[Problem]:
    ephemeral_count = 4 if ephemeral else 0  # ephemeral, owner, expires, stack
    stack_total = len({*tags, *aws_tags, *STACK_DEFAULT_TAG_KEYS}) + ephemeral_count + _OWN_RESOURCE_TAGS
    # The controller's resources: the Ingress tags annotation (user tags, project, stack), the chart's
    # defaultTags and the controller's own tracking tags.
    alb_total = len({*tags, "project", "stack", *CHART_DEFAULT_TAG_KEYS}) + ephemeral_count + CONTROLLER_OWN_TAG_COUNT
    problems = []
    for what, total in (("the stack's AWS resources", stack_total), ("the controller's load balancers", alb_total)):
        if total > MAX_TAGS:
            problems.append(
                Problem(
                    f"{PROJECT}:tags",
                    f"{what} would carry {total} tags with the stack's and the controller's own; AWS allows "
                    f"{MAX_TAGS} per resource: drop {total - MAX_TAGS}",
                )
            )
    return problems


def _aws_problems(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """Provider options and default tags from ``aws:`` keys; each other key is refused with its reason."""
    from components.aws_config import provider_options

    decoded: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != "aws":
            continue
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        decoded[key] = value
    options, found = provider_options(decoded)
    problems = [Problem(key, message) for key, message in found]
    default_tags: dict[str, str] = {}
    if "defaultTags" in decoded:
        block = decoded["defaultTags"]
        if not isinstance(block, dict) or set(block) - {"tags"}:
            problems.append(Problem("aws:defaultTags", "write it as defaultTags: {tags: {name: value}}"))
        else:
            default_tags, tag_problems = _tag_problems(block.get("tags") or {}, "aws:defaultTags.tags")
            problems.extend(tag_problems)
            ours = sorted(set(default_tags) & set(STACK_DEFAULT_TAG_KEYS))
            if ours:
                problems.append(
                    Problem(
                        f"aws:defaultTags.tags.{ours[0]}", "is set by the stack itself on every resource; remove it"
                    )
                )
    return options, default_tags, problems


def parse_settings(
    raw: Mapping[str, Any],
    unchecked: frozenset[str] = frozenset(),
    stack: str | None = None,
    today: dt.date | None = None,
) -> StackSettings:
    """Validate a flat Pulumi config map (``namespace:key`` -> value) into settings.

    Values may be JSON strings (how Pulumi hands structured config to programs)
    or already-decoded objects (how tests and the offline plan pass them).
    ``unchecked`` names keys whose real value is encrypted and stood in for by
    the offline plan: problems on them are not reported, since they would be
    problems of the stand-in, not of the real value. ``today`` is the date the
    ephemeral lifetime is measured from (tests inject it; default: today, UTC).
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for full_key, value in raw.items():
        problems.extend(_namespace_problems(full_key))
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key not in SECTION_MODELS and key not in MAP_KEYS:
            close = difflib.get_close_matches(key, [*SECTION_MODELS, *MAP_KEYS], n=1)
            hint = f"did you mean {PROJECT}:{close[0]}? " if close else ""
            flat = f" (to set a nested key, use `pulumi config set --path {full_key}`)" if "." in key else ""
            problems.append(
                Problem(full_key, f"unknown key; {hint}known keys: {', '.join([*SECTION_MODELS, *MAP_KEYS])}{flat}")
            )
            continue
        if key == "environment":
            data[key] = value
            continue
        if key == "apps":
            if isinstance(value, str):
                with contextlib.suppress(json.JSONDecodeError):
                    value = json.loads(value)
            if not isinstance(value, list):
                problems.append(Problem(full_key, f"{_describe(value)} is not a list of apps; write - name: ... items"))
                continue
            data[key] = value
            continue
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(Problem(full_key, f"text {value!r} is not a mapping; write nested keys under it"))
                continue
        if not isinstance(value, dict):
            problems.append(Problem(full_key, f"{_describe(value)} is not a mapping; write nested keys under it"))
            continue
        data[key] = value

    region, region_problems = _region_problems(raw.get("aws:region"))
    problems.extend(region_problems)
    allowed, account_problems = _allowed_accounts(raw.get("aws:allowedAccountIds"))
    problems.extend(account_problems)
    aws_options, aws_tags, aws_problems = _aws_problems(raw)
    problems.extend(aws_problems)
    tags, tag_problems = _tag_problems(data.pop("tags", {}))
    problems.extend(tag_problems)
    ephemeral = "ephemeral" in data
    environment, environment_problems = _environment(data.pop("environment", None), ephemeral, stack)
    problems.extend(environment_problems)
    problems.extend(_tag_count_problems(tags, aws_tags, ephemeral))

    context = {"region": region, "stack": stack}
    sections: dict[str, BaseModel] = {}
    broken = {p.key for p in problems}
    for name, model in SECTION_MODELS.items():
        full_key = f"{PROJECT}:{name}"
        if full_key in broken:
            continue  # already reported as not a mapping
        if name not in data:
            if name in REQUIRED_SECTIONS:
                problems.append(
                    Problem(full_key, "is required; set it in Pulumi.<stack>.yaml (see README, Config keys)")
                )
            continue
        try:
            sections[name] = model.model_validate(data[name], context=context)
        except ValidationError as error:
            found = _problems_from(error, name, model)
            problems.extend(found)
            if found and all(_is_unchecked(p.key, unchecked) for p in found):
                # Never plan the section's defaults in place of what the file says.
                problems.append(
                    Problem(
                        full_key,
                        "holds an encrypted value the offline plan has no stand-in of the right shape for, so it "
                        "cannot plan this section as written; check it with `pulumi preview`",
                    )
                )
    apps, app_problems = _apps(data.pop("apps", []), sections, region)
    problems.extend(app_problems)
    problems.extend(_cross_checks(sections))
    problems.extend(_lifetime_checks(sections, stack, today or dt.datetime.now(dt.UTC).date()))
    problems.extend(_production_checks(sections, environment))
    problems.extend(_account_checks(sections, allowed, apps))
    problems = [p for p in problems if not _is_unchecked(p.key, unchecked)]
    if problems:
        raise ConfigError(problems)
    return StackSettings(
        region=region,
        allowed_account_ids=allowed,
        tags=tags,
        environment=environment,
        aws_options=aws_options,
        aws_default_tags=aws_tags,
        apps=tuple(apps),
        **sections,
    )


def _lifetime_checks(sections: Mapping[str, BaseModel], stack: str | None, today: dt.date) -> list[Problem]:
    """A stack made from the template must expire soon; the template itself may keep its placeholder."""
    ephemeral = sections.get("ephemeral")
    if not isinstance(ephemeral, EphemeralSettings) or stack in (None, TEMPLATE_STACK):
        return []
    problem = ephemeral.lifetime_problem(today)
    return [Problem(f"{PROJECT}:ephemeral.expires", problem)] if problem else []


def _is_unchecked(key: str, unchecked: frozenset[str]) -> bool:
    return any(key == u or key.startswith((u + ".", u + "[")) for u in unchecked)


def stand_in(
    full_key: str, path: tuple[str, ...], facts: Mapping[str, str] | None = None, index: int | None = None
) -> Any:
    """A value of the right shape for an encrypted config value the offline plan cannot read.

    It is the field's documented example (with the stack's region, partition
    and account filled in), or its default, so the rest of the program can
    still be planned; the plan masks it and says it was not checked. ``index``
    is set for one item of a list: the stand-in is then one item of the
    field's example list, made unique by the index (a list of ARNs must not
    repeat one), never the field's whole default.
    """
    value = _stand_in(full_key, path)
    if index is not None:
        value = _item_stand_in(full_key, path, index)
    if facts and isinstance(value, str):
        return value.format(**facts)
    if facts and isinstance(value, dict):
        return {k: v.format(**facts) if isinstance(v, str) else v for k, v in value.items()}
    return value


def _item_stand_in(full_key: str, path: tuple[str, ...], index: int) -> Any:
    namespace, _, section = full_key.partition(":")
    model = SECTION_MODELS.get(section) if namespace == PROJECT else None
    parent = _model_at(model, path[:-1]) if model is not None and path else None
    fields = {f.alias or name: f for name, f in parent.model_fields.items()} if parent is not None else {}
    field = fields.get(path[-1]) if path else None
    examples = field.examples if field is not None else None
    if examples and isinstance(examples[0], list) and examples[0]:
        item = examples[0][0]
        return f"{item}-{index}" if isinstance(item, str) else item
    return f"encrypted-{index}"


def _stand_in(full_key: str, path: tuple[str, ...]) -> Any:
    namespace, _, section = full_key.partition(":")
    model = SECTION_MODELS.get(section) if namespace == PROJECT else None
    if model is None:
        return "encrypted"
    parent = _model_at(model, path[:-1]) if path else None
    if not path:
        # The whole section is one encrypted value: stand in its required fields.
        return {
            f.alias or name: (f.examples or ["encrypted"])[0]
            for name, f in model.model_fields.items()
            if f.is_required()
        }
    if parent is None:
        return "encrypted"
    fields = {f.alias or name: f for name, f in parent.model_fields.items()}
    field = fields.get(path[-1])
    if field is None:
        return "encrypted"
    if field.examples:
        return field.examples[0]
    if not field.is_required() and field.default is not None:
        default = field.default
        return default.model_dump(by_alias=True) if isinstance(default, BaseModel) else default
    return "encrypted"


def stack_config() -> dict[str, Any]:
    """The running program's whole config map, so unknown keys can be spotted."""
    from pulumi.runtime.config import CONFIG, get_config_env

    merged: dict[str, Any] = dict(get_config_env())
    merged.update(CONFIG.get())
    return merged


# Keys the offline plan stood in for (encrypted values); empty under `pulumi up`,
# where the Pulumi CLI decrypts everything before the program starts.
OFFLINE_UNCHECKED: set[str] = set()


def load_settings() -> StackSettings:
    """Read and validate the current stack's config (the program's first step)."""
    return parse_settings(stack_config(), frozenset(OFFLINE_UNCHECKED), pulumi.get_stack())


def controller_args(
    settings: StackSettings,
    vpc_id: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    oidc: tuple[pulumi.Input[str], pulumi.Input[str]] | None,
    default_tags: Mapping[str, str],
) -> AwsLoadBalancerControllerArgs:
    """The public component's args from the stack's checked settings: the stack is one caller of it."""
    controller = settings.controller
    iam = controller.iam
    resources = controller.resources
    args: AwsLoadBalancerControllerArgs = {
        "cluster_name": settings.cluster.name,
        "region": settings.region,
        "vpc_id": vpc_id,
        "identity": controller.identity,
        "version": controller.version,
        "namespace": controller.namespace,
        "service_account": controller.service_account,
        "replicas": controller.replicas,
        "ingress_class": controller.class_name("lbc"),
        "service_mutator_webhook": controller.service_mutator_webhook,
        "resources": {
            "cpu_request": resources.cpu_request,
            "memory_request": resources.memory_request,
            "cpu_limit": resources.cpu_limit,
            "memory_limit": resources.memory_limit,
        },
        "iam": {"role_path": iam.role_path, "extra_policy_arns": list(iam.extra_policy_arns)},
        "extra_values": controller.extra_values,
        "default_tags": dict(default_tags),
    }
    if iam.permissions_boundary_arn is not None:
        args["iam"]["permissions_boundary_arn"] = iam.permissions_boundary_arn
    if controller.image_repository is not None:
        args["image_repository"] = controller.image_repository
    for key, value in (
        ("enable_shield", controller.enable_shield),
        ("enable_waf", controller.enable_waf),
        ("enable_wafv2", controller.enable_wafv2),
    ):
        if value is not None:
            args[key] = value  # type: ignore[literal-required]
    if oidc is not None:
        args["oidc_provider_arn"], args["oidc_issuer"] = oidc
    else:
        args["cluster_arn"] = cluster_arn
    return args


# alb-ingress:apps keys (camelCase, as the rest of the stack config) and the AlbApp inputs they set.
APP_KEYS = {
    "name": "name",
    "namespace": "namespace",
    "serviceName": "service_name",
    "servicePort": "service_port",
    "hosts": "hosts",
    "paths": "paths",
    "group": "group",
    "shards": "shards",
    "order": "order",
    "certificateArn": "certificate_arn",
    "healthCheckPath": "health_check_path",
    "stripPrefix": "strip_prefix",
    "replicas": "replicas",
}
_APP_KEY_NAMES = {v: k for k, v in APP_KEYS.items()}


def _app_key(index: int, problem: str) -> Problem:
    """An AlbApp problem (``args.<input>: ...``) as the stack key that set it (``alb-ingress:apps[i].<key>``)."""
    head, _, message = problem.partition(": ")
    path = head.removeprefix("args.") if head.startswith("args.") else ""
    first, dot, rest = path.partition(".")
    bracket = first.find("[")
    name, tail = (first[:bracket], first[bracket:]) if bracket >= 0 else (first, "")
    key = _APP_KEY_NAMES.get(name, name) + tail + (dot + to_camel(rest) if rest else "")
    where = f"{PROJECT}:apps[{index}]" + (f".{key}" if key else "")
    return Problem(where, message if path else problem)


def _apps(
    raw: list[Any], sections: Mapping[str, BaseModel], region: str | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """Check every app of alb-ingress:apps, place the sharded ones, and count every group's budget at once.

    The whole list is counted before anything is created: a group over an ALB quota, two apps on one host and
    path, or apps that disagree on a group-wide setting stop the plan with the apps named.
    """
    from components.app.budget import Footprint, PathRoute, Quotas, assign_shards, budget_problems
    from components.app.component import certificate_problem, conflicts, plan_app

    alb = sections.get("alb")
    echo = sections.get("echoserver")
    controller = sections.get("controller")
    if not raw:
        return [], []
    problems: list[Problem] = []
    if not isinstance(alb, AlbSettings) or not isinstance(echo, EchoserverSettings):
        return [], []  # their own problems are reported; the apps are checked once they are right
    items: list[tuple[int, str, dict[str, Any]]] = []
    for index, item in enumerate(raw):
        where = f"{PROJECT}:apps[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, f"{_describe(item)} is not an app; write name:, namespace:, hosts: ..."))
            continue
        unknown = sorted(set(item) - set(APP_KEYS))
        for key in unknown:
            close = difflib.get_close_matches(key, list(APP_KEYS), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(Problem(f"{where}.{key}", f"unknown key; {hint}known keys: {', '.join(APP_KEYS)}"))
        name = item.get("name")
        if not isinstance(name, str) or not DNS_LABEL.fullmatch(name):
            problems.append(Problem(f"{where}.name", f"{name!r} is not a Kubernetes name (the app's Ingress name)"))
            continue
        if any(name == other for _, other, _ in items):
            problems.append(Problem(f"{where}.name", f"{name!r} names another app too; give each app its own name"))
            continue
        given = {APP_KEYS[k]: v for k, v in item.items() if k in APP_KEYS and k != "name"}
        given = {"group": alb.group_name, **given}
        if isinstance(given.get("paths"), list):
            given["paths"] = [
                {("path_type" if k == "pathType" else k): v for k, v in p.items()} if isinstance(p, dict) else p
                for p in given["paths"]
            ]
        # The stack's group-wide settings are the apps' too.
        given |= {"scheme": alb.scheme, "ssl_policy": alb.ssl_policy}
        if isinstance(controller, ControllerSettings):
            given["ingress_class"] = controller.class_name("lbc")
        items.append((index, name, given))
    # Sharded groups are placed all at once, so a host shared by two apps never lands in two shards.
    placed: dict[str, str] = {}
    by_group: dict[tuple[str, int], dict[str, list[str]]] = {}
    for _, name, given in items:
        shards, group, hosts = given.get("shards", 1), given.get("group"), given.get("hosts")
        if isinstance(shards, int) and shards > 1 and isinstance(group, str) and isinstance(hosts, list):
            by_group.setdefault((group, shards), {})[name] = [h for h in hosts if isinstance(h, str)]
    for (group, shards), apps in by_group.items():
        placed |= assign_shards(apps, group, shards)
    plans = []
    result: list[tuple[str, dict[str, Any]]] = []
    for index, name, given in items:
        plan, found = plan_app(name, {k: v for k, v in given.items() if k != "certificate_arn"}, placed.get(name))
        arn = given.get("certificate_arn")
        if arn is not None:
            problem = certificate_problem(arn, region) if isinstance(arn, str) else f"{arn!r} is not text"
            if problem:
                found.append(f"args.certificate_arn: {problem}")
        if given.get("namespace") == echo.namespace and name == "echoserver":
            found.append(
                f"args.name: {echo.namespace}/echoserver is the echoserver's own Ingress; name the app otherwise"
            )
        problems.extend(_app_key(index, p) for p in found)
        if plan is not None and not found:
            plans.append(plan)
            args = {k: v for k, v in given.items() if k != "shards"}
            args["group"] = plan.group
            args["quotas"] = {"rules": alb.quotas.rules, "certificates": alb.quotas.certificates}
            result.append((name, args))
    if problems:
        return [], problems
    # The echoserver is an app of the stack's group: its host, its two paths and its pods count too.
    echo_paths = (PathRoute(alb.fixed_response.path, "Exact"), PathRoute(echo.path, "Prefix"))
    echo_plan, _ = plan_app(
        "echoserver",
        {
            "namespace": echo.namespace,
            "service_name": "echoserver",
            "service_port": 80,
            "hosts": [echo.host],
            "paths": [{"path": p.path, "path_type": p.path_type} for p in echo_paths],
            "group": alb.group_name,
            "scheme": alb.scheme,
            "ssl_policy": alb.ssl_policy,
        },
    )
    every = [echo_plan, *plans] if echo_plan is not None else plans
    problems.extend(Problem(f"{PROJECT}:apps", p) for p in conflicts(every))
    if alb.ssl_redirect != 443 and any(p.group == alb.group_name for p in plans):
        problems.append(
            Problem(
                f"{PROJECT}:alb.sslRedirect",
                f"is {alb.ssl_redirect}, but apps in group {alb.group_name} redirect to 443; it is group-wide: set 443",
            )
        )
    quotas = Quotas(rules=alb.quotas.rules, certificates=alb.quotas.certificates)
    footprints = [
        Footprint(
            app="echoserver",
            group=alb.group_name,
            hosts=(echo.host,),
            paths=echo_paths,
            backends=((echo.namespace, "echoserver", "80"),),
            replicas=echo.replicas,
            certificate_arn="the stack's certificate",
            https_ports=tuple(alb.https_ports),
            http_ports=tuple(port for e in alb.listen_ports for proto, port in e.items() if proto == "HTTP"),
            ssl_redirect=alb.ssl_redirect is not None,
        ),
        *(plan.footprint(args.get("certificate_arn")) for plan, (_, args) in zip(plans, result, strict=True)),
    ]
    problems.extend(Problem(f"{PROJECT}:apps", p) for p in budget_problems(footprints, quotas))
    return (result if not problems else []), problems
