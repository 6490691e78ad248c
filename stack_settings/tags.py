"""``alb-ingress:tags``: AWS's rules for tag keys and values, the reserved keys, the count per resource, and the
tags the stack puts on its resources and its Ingress's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from albingress.components.model import Problem
from albingress.components.tags import (
    CONTROLLER_OWN_TAG_COUNT,
    MAX_TAGS,
    tag_problem,
)
from albingress.facts.names import PROJECT
from albingress.stack_settings.problems import describe


def read_tags(value: Any, key: str = f"{PROJECT}:tags") -> tuple[dict[str, str], list[Problem]]:
    """User tags: AWS's rules for keys and values, and none of the reserved keys."""
    if not isinstance(value, dict):
        return {}, [Problem(key, f"{describe(value)} is not a mapping of tag names to values")]
    problems = []
    for name, text in value.items():
        problem = tag_problem(str(name), text)
        if problem is not None:
            problems.append(Problem(f"{key}.{name}", problem))
    return {str(k): str(v) for k, v in value.items()}, problems


# Tags the stack itself puts on every AWS resource it creates (components/aws_account.py) and on the
# controller's (chart defaultTags, components/controller_release.py).
STACK_DEFAULT_TAG_KEYS = ("project", "stack", "cluster", "managed-by")
CHART_DEFAULT_TAG_KEYS = ("cluster", "managed-by")
# The most tags a resource of the stack adds of its own (the policy's elbv2-controller-version, the
# certificate's eks-cluster, an EKS resource's Name).
_OWN_RESOURCE_TAGS = 2


def tag_count_problems(tags: Mapping[str, str], aws_tags: Mapping[str, str], ephemeral: bool) -> list[Problem]:
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
