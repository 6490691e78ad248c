"""The checks the stack's settings and the public components share, so both say the same thing.

A value given in a stack file and the same value passed to a component by another Pulumi program are
refused with one message: the pydantic models here (one section of config, or one component's inputs)
carry the validators, and ``stack_settings`` builds on them instead of repeating them. Nothing here
reads stack config.

Patterns are always matched against the whole value (``re.fullmatch``): a YAML block scalar ends in a
newline, and ``$`` would accept it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pulumi
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from albingress.facts.names import DNS_LABEL as DNS_LABEL
from albingress.facts.regions import partition_for_region

VPC_ID = re.compile(r"vpc-([0-9a-f]{8}|[0-9a-f]{17})")
POLICY_ARN = re.compile(r"arn:([a-z-]+):iam::(\d{12}|aws):policy/([\w+=,.@/-]+)")
_CPU = re.compile(r"(\d+(\.\d+)?)(m?)")
_MEMORY = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?")
_MEMORY_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_MEMORY_UNITS.update({"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40})

# The grammar container runtimes parse image references with (the distribution
# "reference" grammar); anything else fails at pull time with InvalidImageName.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_REGISTRY = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_NAME = rf"(?:{_REGISTRY}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
IMAGE = re.compile(
    rf"(?P<name>{IMAGE_NAME})(?::(?P<tag>[\w][\w.-]{{0,127}}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)
IMAGE_REPOSITORY = re.compile(IMAGE_NAME)


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


class ComponentInputError(pulumi.RunError):
    """An input a public component refuses: the mistake is in the program that passed it (``__main__.py``), not
    in stack config; the message says so first."""

    PROGRAM_FILE = "__main__.py"


def fail(message: str) -> PydanticCustomError:
    """A validation error whose text is the whole message (pydantic adds nothing to it)."""
    return PydanticCustomError("config", message)


def check_dns_label(value: str) -> str:
    if not DNS_LABEL.fullmatch(value):
        raise fail(f"{value!r} is not a Kubernetes name; use lower-case letters, digits and '-', at most 63")
    return value


def check_policy_arn(arn: str, info: ValidationInfo, example: str) -> None:
    match = POLICY_ARN.fullmatch(arn)
    if not match:
        raise fail(f"{arn!r} is not an IAM policy ARN; expected {example}")
    region = (info.context or {}).get("region")
    if region and match.group(1) != partition_for_region(region):
        raise fail(
            f"{arn!r} is in partition {match.group(1)}, but the stack deploys to {region} "
            f"(partition {partition_for_region(region)}); use the policy of that partition"
        )


def cpu_millicores(value: str) -> Decimal:
    match = _CPU.fullmatch(value)
    if not match:
        raise ValueError(value)
    number = Decimal(match.group(1))
    return number if match.group(3) else number * 1000


def memory_bytes(value: str) -> int:
    match = _MEMORY.fullmatch(value)
    if not match:
        raise ValueError(value)
    return int(match.group(1)) * _MEMORY_UNITS[match.group(2)]


class Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, populate_by_name=False)


class ResourceSettings(Section):
    """Requests and limits for one container."""

    cpu_request: str = "50m"
    memory_request: str = "64Mi"
    cpu_limit: str = "250m"
    memory_limit: str = "128Mi"

    @field_validator("cpu_request", "cpu_limit")
    @classmethod
    def _cpu(cls, value: str) -> str:
        if not _CPU.fullmatch(value):
            raise fail(f"{value!r} is not a CPU quantity; use e.g. '100m' or '0.5'")
        return value

    @field_validator("memory_request", "memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not _MEMORY.fullmatch(value):
            raise fail(f"{value!r} is not a memory quantity; use e.g. '64Mi' or '1Gi'")
        return value

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ResourceSettings:
        if cpu_millicores(self.cpu_request) > cpu_millicores(self.cpu_limit):
            raise fail(
                f"cpuRequest {self.cpu_request} is above cpuLimit {self.cpu_limit}; Kubernetes rejects such a pod: "
                "lower the request or raise the limit"
            )
        if memory_bytes(self.memory_request) > memory_bytes(self.memory_limit):
            raise fail(
                f"memoryRequest {self.memory_request} is above memoryLimit {self.memory_limit}; Kubernetes rejects "
                "such a pod: lower the request or raise the limit"
            )
        return self

    def as_kubernetes(self) -> dict[str, dict[str, str]]:
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": {"cpu": self.cpu_limit, "memory": self.memory_limit},
        }


def dependencies(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """The component's own depends_on, passed on to the children that must wait (the role's association and
    the release): a component's dependencies do not hold its children back by themselves."""
    given = opts.depends_on if opts is not None else None
    if isinstance(given, pulumi.Resource):
        return [given]
    if isinstance(given, list):
        return [d for d in given if isinstance(d, pulumi.Resource)]
    return []


def args_shape_problems(kind: str, args_type: type, given: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    """An args mapping's unknown inputs (a misspelt key would otherwise be ignored) and missing required ones,
    as ``args.<input>: ...`` lines: the same words for every public component."""
    known = set(args_type.__annotations__)
    problems = [
        f"args.{key}: not an input of {kind}; known: {', '.join(sorted(known))}" for key in sorted(set(given) - known)
    ]
    problems += [f"args.{key}: is required" for key in required if key not in given]
    return problems
