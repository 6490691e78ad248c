"""Makes ``facts/role_launchers.json``: the AWS actions that make or change a compute, job or stack resource
that runs as a role the caller names, from the pinned botocore's service models.

    python -m albingress.facts.generate_role_launchers

With ``iam:PassRole`` such an action hands the passed role's power to its caller (a function, a job, an
instance or a stack running as it). A hand-written list of them is always short of AWS's next service, so
the list is derived: every operation that creates, updates, starts, runs or submits something (by its name)
and whose input takes a role (a member named like ``RoleArn``, ``ExecutionRoleArn``, ``ServiceRole``,
``IamInstanceProfile``, at any depth of the input). Each becomes ``<prefix>:<Operation>``, the prefix being
the model's ``signingName`` (what IAM names the service), else its ``endpointPrefix``. IAM and STS
themselves are judged by their own rules. Regenerate when botocore's pin moves; the file names its version.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "role_launchers.json"
# Verbs of operations that bring a resource into being or change what it runs.
_VERBS = re.compile(r"(Create|Update|Put|Run|Start|Submit|Register|Request|Modify|Import|Replace|Associate)[A-Z]")
# Input members that name a role or an instance profile (which carries a role).
_ROLE_MEMBER = re.compile(
    r".*(RoleArn|RoleARN|Role|ServiceRole|InstanceProfile|InstanceProfileArn|IamInstanceProfile)", re.IGNORECASE
)
_SKIPPED_SERVICES = {"iam", "sts"}
# Operations that run a role named earlier rather than in their own input (a Batch job runs its job
# definition's role; a Data Pipeline its definition's role and resourceRole): the models cannot show them.
_ROLE_FROM_ELSEWHERE = ("batch:SubmitJob", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition")


def _takes_role(shapes: Mapping[str, Any], name: str, seen: set[str], depth: int = 0) -> bool:
    """Whether the shape, or a structure or list within it, has a member that names a role."""
    if name in seen or depth > 8:
        return False
    seen.add(name)
    shape = shapes[name]
    kind = shape.get("type")
    if kind == "structure":
        for member, spec in shape.get("members", {}).items():
            if _ROLE_MEMBER.fullmatch(member) and shapes[spec["shape"]].get("type") in ("string", "structure"):
                return True
            if _takes_role(shapes, spec["shape"], seen, depth + 1):
                return True
    elif kind == "list":
        return _takes_role(shapes, shape["member"]["shape"], seen, depth + 1)
    elif kind == "map":
        return _takes_role(shapes, shape["value"]["shape"], seen, depth + 1)
    return False


def generate(services: Iterable[str] | None = None) -> dict[str, Any]:
    """The file's content; ``services`` (botocore service names) limits it to those, for a quick comparison."""
    import botocore
    from botocore.loaders import create_loader

    loader = create_loader()
    actions: set[str] = set(_ROLE_FROM_ELSEWHERE) if services is None else set()
    for service in loader.list_available_services("service-2") if services is None else services:
        model = loader.load_service_model(service, "service-2")
        metadata = model["metadata"]
        prefix = str(metadata.get("signingName") or metadata["endpointPrefix"]).lower()
        if prefix in _SKIPPED_SERVICES:
            continue
        shapes = model["shapes"]
        for operation, spec in model["operations"].items():
            given = spec.get("input", {}).get("shape")
            if given and _VERBS.match(operation) and _takes_role(shapes, given, set()):
                actions.add(f"{prefix}:{operation}")
    return {
        "source": f"botocore {botocore.__version__} service models (facts/generate_role_launchers.py)",
        "actions": sorted(actions),
    }


def main(argv: list[str]) -> int:
    if argv:
        print("usage: python -m albingress.facts.generate_role_launchers", file=sys.stderr)
        return 2
    found = generate()
    OUT.write_text(json.dumps(found, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(found['actions'])} actions from {found['source']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
