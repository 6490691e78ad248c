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
from typing import Any

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from components.aws_account import AwsAccountArgs
from components.controller.component import AwsLoadBalancerControllerArgs
from components.controller.model import FOREIGN_CLASSES as _FOREIGN_CLASSES
from components.controller.model import (
    ControllerSettings,
)
from components.model import DNS_LABEL, ConfigError, Problem
from components.model import POLICY_ARN as _POLICY_ARN
from components.model import Section as _Section
from components.names import ENVIRONMENTS, EPHEMERAL, PROJECT
from components.regions import (
    known_regions,
    partition_for_region,
    region_exists,
)
from components.sections import (
    _ACCOUNT,
    _CERT_ARN,
    _OIDC_ARN,
    _TAG_KEY,
    _TAG_VALUE,
    AlbSettings,
    CertificateSettings,
    ClusterSettings,
    DnsSettings,
    EchoserverSettings,
    EphemeralSettings,
    _region_advice,
    host_covered_by,
)
from components.tags import (
    CONTROLLER_OWN_TAG_COUNT,
    MAX_TAGS,
    reserved_tag,
)
from policies.controller_iam import PARTITIONS

# Config namespaces a stack file may use besides the project's own: the AWS provider's (each key is
# handed to the explicit provider or refused, see components/aws_config.py) and the CLI's own.
KNOWN_NAMESPACES = ("aws", "pulumi")
_ENVIRONMENT_HINTS = {"prod": "production", "prd": "production", "live": "production", "stage": "staging"}
_ENVIRONMENT_HINTS |= {"stg": "staging", "dev": "development", "test": "development", "sandbox": "development"}
# The template pull-request stacks are copied from; it may keep a placeholder expiry.
TEMPLATE_STACK = "pr"


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


def default_tags(settings: StackSettings, stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags on every AWS resource the stack creates; the stack's own ``tags`` may add more."""
    tags = {"project": PROJECT, "stack": stack, "cluster": settings.cluster.name, "managed-by": "pulumi"}
    return {**settings.aws_default_tags, **settings.tags, **(extra or {}), **tags}


def ingress_tags(settings: StackSettings, stack: str) -> dict[str, str]:
    """Tags for the AWS resources the controller makes for this stack's Ingress, so they can be found by stack."""
    return {**settings.tags, "project": PROJECT, "stack": stack}


def account_args(settings: StackSettings, stack: str, extra_tags: Mapping[str, str]) -> AwsAccountArgs:
    """The AWS account component's args: region, who may deploy, the provider's settings and default tags."""
    return AwsAccountArgs(
        region=settings.region,
        allowed_account_ids=settings.allowed_account_ids,
        config_accounts=settings.config_accounts(),
        aws_options=dict(settings.aws_options),
        default_tags=default_tags(settings, stack, extra_tags),
    )
