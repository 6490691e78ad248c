"""The guardrail rules as Pulumi CrossGuard policies, for ``pulumi preview --policy-pack policies/guardrails_pack``.

Each rule becomes one stack validation policy: several rules compare resources with each other (an
Ingress with its group, a Deployment with the Ingress in front of it), so every policy sees the whole
stack. Building the ``PolicyPack`` itself starts the policy server, so that happens only in the pack's
``__main__.py``; tests call these policies' ``validate`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    StackValidationArgs,
    StackValidationPolicy,
)

from albingress.facts.names import PLANNED_ENVIRONMENTS
from albingress.policies.group_budget import quotas_from_config
from albingress.policies.guardrails import RULES, evaluate
from albingress.policies.review import INGRESS, Context, Resource, Rule

ReportViolation = Callable[[str, str | None], None]


def _resources(args: StackValidationArgs) -> list[Resource]:
    return [Resource(r.resource_type, r.name, dict(r.props)) for r in args.resources]


def _context(args: StackValidationArgs, resources: list[Resource]) -> Context:
    config: dict[str, Any] = dict(args.get_config() or {})
    classes = {str((r.props.get("spec") or {}).get("ingressClassName")) for r in resources if r.type == INGRESS}
    environment = config.get("environment")
    return Context(
        ingress_classes=frozenset(classes | {"alb"}),
        environment=str(environment) if environment else None,
        # group-quota's config may carry the stack's alb.quotas ({"quotas": {"rules": 200}}).
        quotas=quotas_from_config({"quotas": config.get("quotas")}),
    )


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = _resources(args)
        for violation in evaluate(resources, _context(args, resources), rules=[rule]):
            report_violation(f"{violation.resource}: {violation.message}; fix: {violation.fix}", None)

    level = EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY
    return StackValidationPolicy(
        name=rule.id,
        description=f"{rule.title} (protects against {rule.protects})",
        validate=validate,
        enforcement_level=level,
        # The deploy workflow passes the stack's environment (policies/guardrails_pack/<environment>.json
        # through policyPackConfigs), so the production rule runs where it matters.
        config_schema=CONFIG_SCHEMA,
    )


CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {"type": "string", "enum": list(PLANNED_ENVIRONMENTS)},
        # The stack's alb.quotas, raised with AWS first (group-quota counts against them).
        "quotas": {
            "type": "object",
            "properties": {
                "rules": {"type": "integer"},
                "certificates": {"type": "integer"},
                "targets": {"type": "integer"},
            },
            "additionalProperties": False,
        },
    }
)


def pack_config(environment: str) -> dict[str, dict[str, str]]:
    """The policy pack config file for ``environment``: every policy told the same environment."""
    return {rule.id: {"environment": environment} for rule in RULES}


def policies() -> list[Policy]:
    return [stack_policy(rule) for rule in RULES]
