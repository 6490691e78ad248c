"""Typed, validated stack settings.

Every value the stack reads comes through here, and all of it is checked before
the first resource is registered: a typo or an impossible combination must stop
``pulumi up`` with a message that names the key and says how to fix it, never
leave half an ALB behind. Problems are collected and reported together so one
run shows every mistake in a stack file.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from policies.controller_iam import DEFAULT_VERSION, PARTITIONS, RELEASES, partition_for_region

PROJECT = "alb-ingress"

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_GROUP_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_DOMAIN = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_OIDC_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):oidc-provider/(\S+)$")
_CERT_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate/([0-9a-f-]{36})$")
_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_ZONE_ID = re.compile(r"^Z[0-9A-Z]{1,31}$")
_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
_TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")
_CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config: where, what, and how to fix it."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(pulumi.RunError):
    """Raised before any resource exists; Pulumi prints RunError without a traceback."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"stack config has {len(problems)} {noun}; nothing was created:\n{lines}")


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("config", message)


def _https_ports(listen_ports: tuple[dict[str, int], ...]) -> list[int]:
    return [port for entry in listen_ports for proto, port in entry.items() if proto == "HTTPS"]


def _check_dns_label(value: str) -> str:
    if not _DNS_LABEL.match(value):
        raise _fail(f"{value!r} is not a Kubernetes name; use lower-case letters, digits and '-', at most 63")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, populate_by_name=False)


class ClusterSettings(_Section):
    """The existing EKS cluster the controller is installed into."""

    name: str
    oidc_provider_arn: str | None = None
    vpc_id: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _CLUSTER_NAME.match(value):
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
        match = _OIDC_ARN.match(value)
        if not match:
            raise _fail(
                f"{value!r} is not an IAM OIDC provider ARN; expected "
                "arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>, "
                "or remove the key to look it up from the cluster"
            )
        region = (info.context or {}).get("region")
        if region and match.group(1) != partition_for_region(region):
            raise _fail(
                f"partition {match.group(1)!r} does not match region {region} "
                f"({partition_for_region(region)}); use the provider of this region's cluster"
            )
        return value

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, value: str | None) -> str | None:
        if value is not None and not _VPC_ID.match(value):
            raise _fail(f"{value!r} is not a VPC id; expected vpc-<8 or 17 hex digits>, or remove the key")
        return value

    @property
    def oidc_issuer_host(self) -> str | None:
        """Issuer without scheme, as IAM condition keys spell it; derived from the ARN."""
        if self.oidc_provider_arn is None:
            return None
        match = _OIDC_ARN.match(self.oidc_provider_arn)
        return match.group(3) if match else None


class ControllerSettings(_Section):
    """How the AWS Load Balancer Controller is installed."""

    version: str = DEFAULT_VERSION
    namespace: str = "kube-system"
    service_account: str = "aws-load-balancer-controller"
    identity: Literal["irsa", "pod-identity"] = "irsa"
    replicas: int = Field(default=2, strict=True)
    service_mutator_webhook: bool = False

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in RELEASES:
            raise _fail(
                f"controller {value!r} has no reviewed IAM policy here; supported: {', '.join(RELEASES)} "
                "(add policies/iam/controller-<version>.json to support another)"
            )
        return value

    @field_validator("namespace", "service_account")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        return _check_dns_label(value)

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, value: int) -> int:
        if not 1 <= value <= 10:
            raise _fail(f"{value} is out of range; use 1 to 10 (2 keeps the webhooks up during node restarts)")
        return value

    @property
    def chart_version(self) -> str:
        return RELEASES[self.version].chart_version

    @property
    def uses_irsa(self) -> bool:
        """IRSA needs the cluster's OIDC provider and a role annotation on the SA."""
        return self.identity == "irsa"


class ResourceSettings(_Section):
    """Requests and limits for one container."""

    cpu_request: str = "50m"
    memory_request: str = "64Mi"
    cpu_limit: str = "250m"
    memory_limit: str = "128Mi"

    @field_validator("cpu_request", "cpu_limit")
    @classmethod
    def _cpu(cls, value: str) -> str:
        if not re.match(r"^\d+(\.\d+)?m?$", value):
            raise _fail(f"{value!r} is not a CPU quantity; use e.g. '100m' or '0.5'")
        return value

    @field_validator("memory_request", "memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.match(r"^\d+(Ki|Mi|Gi|k|M|G)?$", value):
            raise _fail(f"{value!r} is not a memory quantity; use e.g. '64Mi' or '1Gi'")
        return value


class EchoserverSettings(_Section):
    """The demo application that proves the ALB reaches pods directly."""

    host: str
    namespace: str = "echoserver"
    image: str = "ealen/echo-server:0.9.2"
    replicas: int = Field(default=2, strict=True)
    path: str = "/echo"
    container_port: int = Field(default=8080, strict=True)
    resources: ResourceSettings = ResourceSettings()

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not _HOST.match(value):
            raise _fail(f"{value!r} is not a DNS host name; use lower-case labels like www.example.com")
        return value

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return _check_dns_label(value)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not re.match(r"^[\w.-]+(:\d+)?(/[\w.-]+)*(:[\w.-]+|@sha256:[0-9a-f]{64})$", value):
            raise _fail(f"{value!r} is not a pinned image; give a tag or digest, e.g. repo/name:1.2.3")
        if value.endswith(":latest"):
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
        if value == "/" or not _PATH.match(value) or value.endswith("/"):
            raise _fail(f"{value!r} is not a path prefix; use e.g. /echo (leading '/', no trailing '/')")
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
    status_code: int = Field(default=200, strict=True)
    content_type: str = "text/plain"
    message_body: str = "Path is /"

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not _PATH.match(value):
            raise _fail(f"{value!r} is not a path; use e.g. / or /status")
        return value

    @field_validator("status_code")
    @classmethod
    def _status(cls, value: int) -> int:
        if not 200 <= value <= 599:
            raise _fail(f"{value} is not allowed by ALB fixed responses; use 200 to 599")
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


class AlbSettings(_Section):
    """The shared ALB the echoserver's Ingress joins."""

    group_name: str
    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    listen_ports: tuple[dict[str, int], ...] = ({"HTTP": 80}, {"HTTPS": 443})
    ssl_redirect: int | None = 443
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    idle_timeout_seconds: int = Field(default=3600, strict=True)
    deregistration_delay_seconds: int = Field(default=60, strict=True)
    health_check_path: str = "/"
    fixed_response: FixedResponseSettings = FixedResponseSettings()

    @field_validator("group_name")
    @classmethod
    def _group(cls, value: str) -> str:
        if len(value) > 63 or not _GROUP_NAME.match(value):
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
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
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
        if not _TLS12_POLICY.match(value):
            raise _fail(
                f"{value!r} allows TLS below 1.2 or is not an ALB policy; use e.g. "
                "ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS13-1-3-2021-06"
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
        if not _PATH.match(value):
            raise _fail(f"{value!r} is not a path; use e.g. / or /healthz")
        return value

    @property
    def https_ports(self) -> list[int]:
        return _https_ports(self.listen_ports)

    @property
    def listen_ports_annotation(self) -> str:
        return json.dumps([dict(entry) for entry in self.listen_ports], separators=(",", ":"))


class CertificateSettings(_Section):
    """Either an existing ACM certificate or one the stack requests and validates."""

    arn: str | None = None
    domain: str | None = None
    zone_id: str | None = None

    @field_validator("arn")
    @classmethod
    def _arn(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        match = _CERT_ARN.match(value)
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
        return value

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and not _DOMAIN.match(value):
            raise _fail(f"{value!r} is not a certificate domain; use e.g. www.example.com or *.example.com")
        return value

    @field_validator("zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not _ZONE_ID.match(value):
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

    region: str
    cluster: ClusterSettings
    controller: ControllerSettings = ControllerSettings()
    echoserver: EchoserverSettings
    alb: AlbSettings
    certificate: CertificateSettings

    @property
    def partition(self) -> str:
        return partition_for_region(self.region)


SECTION_MODELS: dict[str, type[BaseModel]] = {
    "cluster": ClusterSettings,
    "controller": ControllerSettings,
    "echoserver": EchoserverSettings,
    "alb": AlbSettings,
    "certificate": CertificateSettings,
}
REQUIRED_SECTIONS = frozenset({"cluster", "echoserver", "alb", "certificate"})


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
    if isinstance(echo, EchoserverSettings):
        if isinstance(controller, ControllerSettings) and echo.namespace == controller.namespace:
            problems.append(
                Problem(
                    f"{PROJECT}:echoserver.namespace",
                    f"{echo.namespace!r} is the controller's own namespace; the readiness-gate label there would "
                    "deadlock the controller's pod webhook: use another namespace",
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


def _loc_to_key(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return PROJECT
    if parts[0] == "region":
        return "aws:region"
    head = f"{PROJECT}:{parts[0]}"
    tail = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts[1:])
    return head + tail


def _known_fields(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Aliases a typo at ``loc`` could have meant, for the suggestion."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        field = fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        current = field.annotation
    return [f.alias or name for name, f in current.model_fields.items()]


def _problems_from(error: ValidationError, section: str, model: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        key = _loc_to_key((section, *loc))
        kind = item["type"]
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
            problems.append(Problem(key, f"{item['input']!r} is not allowed; {item['msg'].lower()}"))
        else:
            problems.append(Problem(key, f"{item['msg']} (got {item['input']!r}); fix the value's type"))
    return problems


def parse_settings(raw: Mapping[str, Any]) -> StackSettings:
    """Validate a flat Pulumi config map (``project:key`` -> value) into settings.

    Values may be JSON strings (how Pulumi hands structured config to programs)
    or already-decoded objects (how tests and the offline plan pass them).
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != PROJECT:
            continue
        if key not in SECTION_MODELS:
            close = difflib.get_close_matches(key, list(SECTION_MODELS), n=1)
            hint = f"did you mean {PROJECT}:{close[0]}? " if close else ""
            problems.append(Problem(full_key, f"unknown key; {hint}known keys: {', '.join(SECTION_MODELS)}"))
            continue
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(Problem(full_key, "must be an object; write it as nested YAML keys"))
                continue
        data[key] = value

    region = raw.get("aws:region")
    if region is None:
        problems.append(Problem("aws:region", "is required; run `pulumi config set aws:region us-west-2`"))
    elif not isinstance(region, str) or not _REGION.match(region):
        problems.append(Problem("aws:region", f"{region!r} is not an AWS region; use e.g. us-west-2"))
    elif partition_for_region(region) not in PARTITIONS:
        problems.append(
            Problem(
                "aws:region",
                f"{region} is in partition {partition_for_region(region)}, which the controller policy here "
                f"does not cover; supported partitions: {', '.join(PARTITIONS)}",
            )
        )
    else:
        data["region"] = region

    context = {"region": data.get("region")}
    sections: dict[str, BaseModel] = {}
    for name, model in SECTION_MODELS.items():
        if name not in data and name in REQUIRED_SECTIONS:
            problems.append(
                Problem(f"{PROJECT}:{name}", "is required; set it in Pulumi.<stack>.yaml (see README, Config keys)")
            )
            continue
        try:
            sections[name] = model.model_validate(data.get(name, {}), context=context)
        except ValidationError as error:
            problems.extend(_problems_from(error, name, model))
    problems.extend(_cross_checks(sections))
    if problems:
        raise ConfigError(problems)
    return StackSettings(region=data["region"], **sections)


def stack_config() -> dict[str, Any]:
    """The running program's whole config map, so unknown keys can be spotted."""
    from pulumi.runtime.config import CONFIG, get_config_env

    merged: dict[str, Any] = dict(get_config_env())
    merged.update(CONFIG.get())
    return merged


def load_settings() -> StackSettings:
    """Read and validate the current stack's config (the program's first step)."""
    return parse_settings(stack_config())
