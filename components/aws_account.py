"""One explicit AWS provider for the whole stack, and the check that it deploys where it should.

An explicit provider does not read ``aws:`` config, so region and
``allowedAccountIds`` are handed to it here; default tags put project, stack
and cluster on every AWS resource the stack creates. Before anything else the
program asks STS which account the credentials belong to and stops when that
is not the account the stack file names (``aws:allowedAccountIds``, or the
account in its ARNs): deploying with the wrong profile is otherwise found out
only after half the resources exist in the wrong account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.model import ConfigError, Problem
from components.settings import PROJECT, StackSettings


@dataclass(frozen=True)
class AwsAccountArgs:
    """Validated settings, and the stack name for the default tags."""

    settings: StackSettings
    stack: str
    extra_tags: dict[str, str] = field(default_factory=dict)


def default_tags(settings: StackSettings, stack: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Tags on every AWS resource the stack creates; the stack's own ``tags`` may add more."""
    tags = {"project": PROJECT, "stack": stack, "cluster": settings.cluster.name, "managed-by": "pulumi"}
    return {**settings.aws_default_tags, **settings.tags, **(extra or {}), **tags}


def ingress_tags(settings: StackSettings, stack: str) -> dict[str, str]:
    """Tags for the AWS resources the controller makes for this stack's Ingress, so they can be found by stack."""
    return {**settings.tags, "project": PROJECT, "stack": stack}


def provider_arguments(options: dict[str, Any]) -> dict[str, Any]:
    """The ``aws:`` keys the settings accepted, as the explicit provider's typed arguments.

    The explicit provider reads no ``aws:`` config itself; without this, ``aws:profile`` or
    ``aws:assumeRoles`` in a stack file would be ignored and the ambient credentials used.
    """
    arguments = dict(options)
    if "assume_roles" in arguments:
        arguments["assume_roles"] = [aws.ProviderAssumeRoleArgs(**role) for role in arguments["assume_roles"]]
    if "assume_role_with_web_identity" in arguments:
        arguments["assume_role_with_web_identity"] = aws.ProviderAssumeRoleWithWebIdentityArgs(
            **arguments["assume_role_with_web_identity"]
        )
    return arguments


def account_problems(settings: StackSettings, account: str) -> list[Problem]:
    """Why ``account`` (the caller's) must not deploy this stack; empty when it may."""
    problems: list[Problem] = []
    allowed = settings.allowed_account_ids
    if allowed and account not in allowed:
        problems.append(
            Problem(
                "aws:allowedAccountIds",
                f"the credentials belong to account {account}, which is not in {', '.join(allowed)}; switch to a "
                "profile of an allowed account (check with `aws sts get-caller-identity`)",
            )
        )
    for key, arn_account in settings.config_accounts().items():
        if arn_account != account:
            problems.append(
                Problem(
                    key,
                    f"names account {arn_account}, but the credentials belong to {account}; deploy with that "
                    "account's credentials or use a resource of the deploying account",
                )
            )
    return problems


class AwsAccount(pulumi.ComponentResource):
    """The stack's AWS provider, created only after the caller's account is verified."""

    provider: aws.Provider
    account_id: str
    invoke: pulumi.InvokeOptions

    def __init__(self, name: str, args: AwsAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:AwsAccount", name, None, opts)
        settings = args.settings
        self.provider = aws.Provider(
            f"{name}-aws",
            region=settings.region,
            allowed_account_ids=list(settings.allowed_account_ids) or None,
            default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(settings, args.stack, args.extra_tags)),
            opts=pulumi.ResourceOptions(parent=self),
            **provider_arguments(settings.aws_options),
        )
        self.invoke = pulumi.InvokeOptions(parent=self, provider=self.provider)
        # A plain (not Output) invoke: the answer decides whether the program goes on at all.
        identity = aws.get_caller_identity(opts=self.invoke)
        self.account_id = identity.account_id
        problems = account_problems(settings, self.account_id)
        if problems:
            raise ConfigError(problems)
        self.register_outputs({"accountId": self.account_id})

    def child_opts(self, parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
        """Options for an AWS resource under ``parent`` that uses the stack's provider."""
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **extra)  # type: ignore[arg-type]
