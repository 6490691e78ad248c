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

from albingress.components.model import ConfigError, Problem


@dataclass(frozen=True)
class AwsAccountArgs:
    """Where the stack deploys and who may deploy it, already checked."""

    region: str
    # aws:allowedAccountIds; empty: any account, as long as it is the account of every ARN in config.
    allowed_account_ids: tuple[str, ...]
    # The account of every ARN in config, by the key that holds it.
    config_accounts: dict[str, str]
    # The aws: keys handed to the explicit provider (snake_case arguments).
    aws_options: dict[str, Any]
    # Tags on every AWS resource the stack creates.
    default_tags: dict[str, str] = field(default_factory=dict)


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


def account_problems(args: AwsAccountArgs, account: str) -> list[Problem]:
    """Why ``account`` (the caller's) must not deploy this stack; empty when it may."""
    problems: list[Problem] = []
    allowed = args.allowed_account_ids
    if allowed and account not in allowed:
        problems.append(
            Problem(
                "aws:allowedAccountIds",
                f"the credentials belong to account {account}, which is not in {', '.join(allowed)}; switch to a "
                "profile of an allowed account (check with `aws sts get-caller-identity`)",
            )
        )
    for key, arn_account in args.config_accounts.items():
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
        self.provider = aws.Provider(
            f"{name}-aws",
            region=args.region,
            allowed_account_ids=list(args.allowed_account_ids) or None,
            default_tags=aws.ProviderDefaultTagsArgs(tags=dict(args.default_tags)),
            opts=pulumi.ResourceOptions(parent=self),
            **provider_arguments(args.aws_options),
        )
        self.invoke = pulumi.InvokeOptions(parent=self, provider=self.provider)
        # A plain (not Output) invoke: the answer decides whether the program goes on at all.
        identity = aws.get_caller_identity(opts=self.invoke)
        self.account_id = identity.account_id
        problems = account_problems(args, self.account_id)
        if problems:
            raise ConfigError(problems)
        self.register_outputs({"accountId": self.account_id})

    def child_opts(self, parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
        """Options for an AWS resource under ``parent`` that uses the stack's provider."""
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **extra)  # type: ignore[arg-type]
