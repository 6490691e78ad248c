"""Cases written by hand from the upstream sources for claims a fact-check found wrong in the docs."""

from __future__ import annotations

from typing import Any

import pytest

from albops.migrate import Options, migrate
from tests.routing_cases import nginx_ingress


def _paths(path: str, path_type: str) -> list[tuple[str, str]]:
    output, _ = migrate([nginx_ingress("a", [(path, path_type, "svc")], {})], Options(group="g"))
    (ingress,) = [o for o in output if o.get("kind") == "Ingress"]
    found: list[dict[str, Any]] = ingress["spec"]["rules"][0]["http"]["paths"]
    return [(p["path"], p["pathType"]) for p in found]


@pytest.mark.parametrize("path_type", ["ImplementationSpecific", "Prefix"])
def test_implementation_specific_is_prefix_never_a_wildcard(path_type: str) -> None:
    # ingress-nginx stores ImplementationSpecific as Prefix (internal/k8s/main.go SetDefaultNGINXPathType), so
    # /img does not catch /imgs; the controller makes Prefix /img into /img and /img/* (buildPathPatterns).
    assert _paths("/img", path_type) == [("/img", "Prefix")]
    # A location ending in '/' is the wildcard, whatever its type, with the exact /img beside it.
    assert ("/img/*", "ImplementationSpecific") in _paths("/img/", path_type)
