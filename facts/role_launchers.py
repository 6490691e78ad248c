"""The AWS actions that create or change compute, jobs or stacks running as a role the caller passes, as the
pinned botocore's models describe them (``role_launchers.json``, made by ``facts/generate_role_launchers.py``).
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files

SNAPSHOT = files("albingress.facts") / "role_launchers.json"  # package data (importlib.resources)


@functools.cache
def role_launchers() -> tuple[str, ...]:
    """``service:Operation`` names, sorted; with iam:PassRole each runs code as the passed role."""
    loaded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return tuple(str(a) for a in loaded["actions"])
