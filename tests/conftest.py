"""Shared fixtures: the shipped stack files, and running the real program under mocks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from albops.runner import PlanResult, read_stack_file, run_program

StackRunner = Callable[..., PlanResult]


def stack_config(stack: str) -> dict[str, Any]:
    """A deep copy of a shipped stack's config, safe to modify in a test."""
    return copy.deepcopy(read_stack_file(stack))


@pytest.fixture
def run_stack() -> StackRunner:
    """Run ``__main__.py`` under mocks with a shipped stack's config plus overrides.

    ``overrides`` maps a section (``alb``) to keys merged into it, or a full
    key (``aws:region``, ``alb-ingress:certificate``) to a replacing value; ``preview`` picks preview or apply mode.
    """

    def run(stack: str = "stage", preview: bool = False, **overrides: Any) -> PlanResult:
        config = stack_config(stack)
        for key, value in overrides.items():
            full = key if ":" in key else f"alb-ingress:{key}"
            if isinstance(value, dict) and isinstance(config.get(full), dict):
                config[full] = {**config[full], **value}
            else:
                config[full] = value
        return run_program(config, stack, preview=preview)

    return run


@pytest.fixture(scope="session")
def stage_apply() -> PlanResult:
    """The stage stack as after ``pulumi up`` (mocked), shared by read-only tests."""
    return run_program(read_stack_file("stage"), "stage", preview=False)


@pytest.fixture(scope="session")
def sandbox_apply() -> PlanResult:
    return run_program(read_stack_file("sandbox"), "sandbox", preview=False)
