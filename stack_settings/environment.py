"""``alb-ingress:environment``: the stack's environment, required unless the stack is ephemeral, and the
checks production adds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
)

from albingress.components.model import Problem
from albingress.components.sections import (
    AlbSettings,
)
from albingress.facts.names import ENVIRONMENTS, EPHEMERAL, PROJECT

_ENVIRONMENT_HINTS = {"prod": "production", "prd": "production", "live": "production", "stage": "staging"}
_ENVIRONMENT_HINTS |= {"stg": "staging", "dev": "development", "test": "development", "sandbox": "development"}


def production_checks(sections: Mapping[str, BaseModel], environment: str | None) -> list[Problem]:
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


_PRODUCTION_NAME = re.compile(r"(prod|production)|.*[-_.](prod|production)|(prod|production)[-_.].*")


def _looks_like_production(stack: str | None) -> bool:
    """``prod``, ``production``, ``eu-prod``, ``prod-eu``: names people read as production."""
    return bool(stack) and bool(_PRODUCTION_NAME.fullmatch(str(stack)))


def environment_setting(value: Any, ephemeral: bool, stack: str | None) -> tuple[str | None, list[Problem]]:
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
