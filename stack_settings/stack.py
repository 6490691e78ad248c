"""The stack config as a whole: its sections, ``parse_settings`` (every problem at once, each naming its key
and the fix), the checks that span sections, and the components' args it builds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
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

from albingress.components.aws_account import AwsAccountArgs
from albingress.components.controller.model import (
    ControllerSettings,
)
from albingress.components.model import POLICY_ARN as _POLICY_ARN
from albingress.components.model import ConfigError, Problem
from albingress.components.model import Section as _Section
from albingress.components.sections import (
    _CERT_ARN,
    _OIDC_ARN,
    AlbSettings,
    CertificateSettings,
    ClusterSettings,
    DnsSettings,
    EchoserverSettings,
    EphemeralSettings,
    GatewayApiSettings,
    host_covered_by,
)
from albingress.facts.eks_versions import extended_support_note
from albingress.facts.instance_types import instance_type_note
from albingress.facts.names import DNS_SUBDOMAIN, PROJECT
from albingress.facts.regions import (
    partition_for_region,
)
from albingress.stack_settings.apps import check_apps
from albingress.stack_settings.aws import allowed_accounts, namespace_problems, read_aws_keys, read_region
from albingress.stack_settings.environment import environment_setting, production_checks
from albingress.stack_settings.problems import describe, is_unchecked, problems_from
from albingress.stack_settings.tags import read_tags, tag_count_problems

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
    gateway_api: GatewayApiSettings = GatewayApiSettings()
    tags: dict[str, str] = Field(default_factory=dict)
    # production, staging, development; "ephemeral" for a stack with an ephemeral section.
    environment: str | None = None
    # aws: keys handed to the explicit provider (snake_case arguments), and aws:defaultTags.tags.
    aws_options: dict[str, Any] = Field(default_factory=dict)
    aws_default_tags: dict[str, str] = Field(default_factory=dict)
    # The apps of alb-ingress:apps, checked and placed: (name, the AlbApp args with the group it lands in).
    apps: tuple[tuple[str, dict[str, Any]], ...] = ()
    # The certificates of the apps on the stack's Gateway, which its LoadBalancerConfiguration lists.
    gateway_certificates: tuple[str, ...] = ()

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
    "gatewayApi": GatewayApiSettings,
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
    if "gatewayApi" in sections and isinstance(alb, AlbSettings) and alb.api != "gateway":
        problems.append(
            Problem(
                f"{PROJECT}:gatewayApi",
                "only applies with alb.api: gateway (this stack uses Ingresses): set alb.api: gateway, or remove it",
            )
        )
    if isinstance(alb, AlbSettings) and alb.api == "gateway" and not DNS_SUBDOMAIN.fullmatch(alb.group_name):
        # With Gateway API the group name is the Gateway's and LoadBalancerConfiguration's metadata.name (and the
        # prefix of the <group>-https-redirect HTTPRoute): the API server takes only a DNS-1123 subdomain.
        problems.append(
            Problem(
                f"{PROJECT}:alb.groupName",
                f"{alb.group_name!r} names the Gateway with alb.api: gateway, and the API server takes only a DNS-1123 "
                "subdomain as a name (dot-separated labels of lower-case letters, digits and '-', each starting and "
                "ending with a letter or digit; no '..' or '.-'): rename the group",
            )
        )
    if isinstance(ephemeral, EphemeralSettings) and isinstance(cluster, ClusterSettings) and not cluster.create:
        problems.append(
            Problem(
                f"{PROJECT}:ephemeral",
                "marks the stack short-lived, but it uses an existing cluster (cluster.create is false); teardown "
                "deletes every Ingress of an ephemeral stack's cluster: set cluster.create: true or remove the key",
            )
        )
    if isinstance(ephemeral, EphemeralSettings) and isinstance(alb, AlbSettings) and alb.deletion_protection:
        problems.append(
            Problem(
                f"{PROJECT}:alb.deletionProtection",
                "is true on an ephemeral stack: the controller cannot delete a protected load balancer, so teardown "
                "and the nightly reaper would leave it (and its cost) behind after the cluster is gone: remove the "
                "key, or drop the ephemeral section for a long-lived stack",
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
        problems.extend(namespace_problems(full_key))
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
                problems.append(Problem(full_key, f"{describe(value)} is not a list of apps; write - name: ... items"))
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
            problems.append(Problem(full_key, f"{describe(value)} is not a mapping; write nested keys under it"))
            continue
        data[key] = value

    region, region_problems = read_region(raw.get("aws:region"))
    problems.extend(region_problems)
    allowed, account_problems = allowed_accounts(raw.get("aws:allowedAccountIds"))
    problems.extend(account_problems)
    aws_options, aws_tags, aws_problems = read_aws_keys(raw)
    problems.extend(aws_problems)
    tags, tag_problems = read_tags(data.pop("tags", {}))
    problems.extend(tag_problems)
    ephemeral = "ephemeral" in data
    environment, environment_problems = environment_setting(data.pop("environment", None), ephemeral, stack)
    problems.extend(environment_problems)
    problems.extend(tag_count_problems(tags, aws_tags, ephemeral))

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
                    Problem(full_key, "is required; set it in Pulumi.<stack>.yaml (see docs/configuration.md)")
                )
            continue
        try:
            sections[name] = model.model_validate(data[name], context=context)
        except ValidationError as error:
            found = problems_from(error, name, model)
            problems.extend(found)
            if found and all(is_unchecked(p.key, unchecked) for p in found):
                # Never plan the section's defaults in place of what the file says.
                problems.append(
                    Problem(
                        full_key,
                        "holds an encrypted value the offline plan has no stand-in of the right shape for, so it "
                        "cannot plan this section as written; check it with `pulumi preview`",
                    )
                )
    apps, app_problems = check_apps(data.pop("apps", []), sections, region, stack)
    problems.extend(app_problems)
    problems.extend(_cross_checks(sections))
    problems.extend(_lifetime_checks(sections, stack, today or dt.datetime.now(dt.UTC).date()))
    problems.extend(production_checks(sections, environment))
    problems.extend(_account_checks(sections, allowed, apps))
    problems = [p for p in problems if not is_unchecked(p.key, unchecked)]
    if problems:
        raise ConfigError(problems)
    return StackSettings(
        region=region,
        allowed_account_ids=allowed,
        tags=tags,
        environment=environment,
        aws_options=aws_options,
        aws_default_tags=aws_tags,
        apps=tuple((name, {k: v for k, v in args.items() if k != "gateway_certificate_arn"}) for name, args in apps),
        gateway_certificates=tuple(
            str(args["gateway_certificate_arn"]) for _, args in apps if "gateway_certificate_arn" in args
        ),
        **sections,
    )


def settings_notes(raw: Mapping[str, Any], today: dt.date | None = None) -> list[str]:
    """Warnings about config the stack accepts but that may still fail at ``pulumi up``, or cost more than it
    need (the plan prints them)."""
    cluster = raw.get(f"{PROJECT}:cluster")
    if isinstance(cluster, str):
        with contextlib.suppress(json.JSONDecodeError):
            cluster = json.loads(cluster)
    if not isinstance(cluster, Mapping) or cluster.get("create") is not True:
        return []
    notes: list[str] = []
    instance_type = cluster.get("nodeInstanceType")
    note = instance_type_note(instance_type) if isinstance(instance_type, str) else None
    if note:
        notes.append(f"{PROJECT}:cluster.nodeInstanceType: {note}")
    # The default is kept for the stacks that rely on it (EKS refuses a jump of two minor versions), so a stack
    # on it is told what it costs instead.
    version = cluster.get("version", ClusterSettings.model_fields["version"].default)
    late = extended_support_note(version, today or dt.date.today()) if isinstance(version, str) else None
    if late:
        said = "" if "version" in cluster else " (the default; set it in the stack file)"
        notes.append(f"{PROJECT}:cluster.version{said}: {late}")
    return notes


def _lifetime_checks(sections: Mapping[str, BaseModel], stack: str | None, today: dt.date) -> list[Problem]:
    """A stack made from the template must expire soon; the template itself may keep its placeholder."""
    ephemeral = sections.get("ephemeral")
    if not isinstance(ephemeral, EphemeralSettings) or stack in (None, TEMPLATE_STACK):
        return []
    problem = ephemeral.lifetime_problem(today)
    return [Problem(f"{PROJECT}:ephemeral.expires", problem)] if problem else []


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


def account_args(settings: StackSettings, stack: str, extra_tags: Mapping[str, str]) -> AwsAccountArgs:
    """The AWS account component's args: region, who may deploy, the provider's settings and default tags."""
    return AwsAccountArgs(
        region=settings.region,
        allowed_account_ids=settings.allowed_account_ids,
        config_accounts=settings.config_accounts(),
        aws_options=dict(settings.aws_options),
        default_tags=default_tags(settings, stack, extra_tags),
    )


# The stack's tags; here, beside StackSettings, so tags.py (which aws.py reads) needs nothing from this module.
def default_tags(settings: StackSettings, stack: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags on every AWS resource the stack creates; the stack's own ``tags`` may add more."""
    tags = {"project": PROJECT, "stack": stack, "cluster": settings.cluster.name, "managed-by": "pulumi"}
    return {**settings.aws_default_tags, **settings.tags, **(extra or {}), **tags}


def ingress_tags(settings: StackSettings, stack: str) -> dict[str, str]:
    """Tags for the AWS resources the controller makes for this stack's Ingress, so they can be found by stack."""
    return {**settings.tags, "project": PROJECT, "stack": stack}
