"""EC2 instance types as the pinned botocore lists them (the EC2 API model's InstanceType enum).

New types appear between botocore releases, so a name that is well formed but not listed is a warning, not an
error; only a malformed name (which EC2 refuses, and the node group with it) is refused.
"""

from __future__ import annotations

import re
from functools import cache

from albingress.facts.botocore_data import service_model

# <family>.<size>: the family starts with a letter (a1, m7i, u-6tb1, mac2-m2pro), the size is letters and digits,
# optionally with '-' parts (m7i.metal-24xl). Every name in botocore's enum has this form (tests/test_stack.py).
INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*")


@cache
def known_instance_types() -> frozenset[str]:
    model = service_model("ec2")
    return frozenset(model["shapes"]["InstanceType"]["enum"])


def instance_type_note(value: str) -> str | None:
    """A warning for a well-formed type the pinned botocore does not list (perhaps newer, perhaps a typo)."""
    if value in known_instance_types():
        return None
    import difflib

    close = difflib.get_close_matches(value, sorted(known_instance_types()), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return (
        f"node instance type {value!r} is not one the pinned botocore lists (EC2 may have added it since, or it is "
        f"a typo{hint}); the node group fails to create if EC2 does not offer it"
    )
