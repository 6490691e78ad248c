"""Built-in kinds against the Kubernetes OpenAPI schema, strictly (an unknown field is an error, as the API
server's field validation makes it with ``kubectl apply``'s default ``--validate=strict``).

The schemas are kubernetes-validate's (pinned in requirements.txt), one set per Kubernetes version. A validator
is built once per version and kind, and every error of an object is reported, not only the first.
Custom resources have no schema here: ``limits`` holds the CRD limits that matter at run time, and the tests
validate them against the real CRDs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate.utils as kv
import referencing

from albingress.facts.eks_versions import EKS_KUBERNETES_VERSIONS
from albingress.policies.validation.problem import Problem, describe

# What is written must apply on the oldest cluster this project supports and on the newest.
DEFAULT_VERSIONS = (EKS_KUBERNETES_VERSIONS[0], EKS_KUBERNETES_VERSIONS[-1])
# The $id of kubernetes-validate's shared definitions file.
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
# Errors per object and version: past this, the first ones say enough.
MAX_ERRORS = 10


def _schema_version(version: str) -> str | None:
    """The newest schema set not newer than ``version`` (kubernetes-validate's own choice), or None."""
    wanted = kv.major_minor(version)
    known = [v for v in kv.all_versions() if kv.major_minor(v) <= wanted]
    return known[-1] if known else None


@cache
def _validator(version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    """The strict validator of ``kind`` at ``version``; None when the kind has no schema (a custom resource)."""
    schema_version = _schema_version(version)
    if schema_version is None:
        return None
    # kubernetes-validate's file naming: networking.k8s.io/v1 -> networking-v1, v1 -> v1.
    name = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    directory = f"kubernetes-json-schema/v{schema_version}-local-strict"
    try:
        schema = kv.schema_contents(f"{directory}/{kind.lower()}-{name}.json", version)
        definitions = kv.schema_contents(f"{directory}/_definitions.json", version)
    except (FileNotFoundError, kv.VersionNotSupportedError):
        return None
    # The definitions inlined once: resolving a $ref per field per object was a third of the time on a large
    # input. A recursive definition keeps its reference, made absolute for the registry.
    inlined = _inline(schema, definitions["$defs"], frozenset())
    registry: referencing.Registry[Any] = referencing.Registry()
    registry = referencing.Resource.from_contents(definitions) @ registry
    return jsonschema.Draft202012Validator(inlined, registry=registry, format_checker=_INTEGER_SIZES)


# The schema's "format": "int32" / "int64" (kubernetes-validate keeps the OpenAPI formats): the API server
# decodes such a field into a Go int32/int64, so a number past that range is refused ("cannot unmarshal number
# ... into Go struct field ... of type int32"). jsonschema checks no format unless asked; only these two are.
_INTEGER_SIZES = jsonschema.FormatChecker(formats=())


def _int32(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**31) <= value < 2**31


def _int64(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**63) <= value < 2**63


_INTEGER_SIZES.checkers["int32"] = (_int32, ())
_INTEGER_SIZES.checkers["int64"] = (_int64, ())


def _inline(node: Any, definitions: Mapping[str, Any], seen: frozenset[str]) -> Any:
    """``node`` with every ``$ref`` into the definitions replaced by the definition (itself inlined)."""
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and "#/$defs/" in ref:
        name = ref.rpartition("/")[2]
        rest = {k: _inline(v, definitions, seen) for k, v in node.items() if k != "$ref"}
        if name in seen or name not in definitions:
            return {**rest, "$ref": f"{DEFINITIONS_ID}#/$defs/{name}"}
        return {**_inline(definitions[name], definitions, seen | {name}), **rest}
    return {k: _inline(v, definitions, seen) for k, v in node.items()}


def field_path(parts: Sequence[Any]) -> str:
    """``spec.rules[0].http.paths[1].pathType`` from a jsonschema path; a label's or annotation's key, which may
    hold dots and slashes, as ``metadata.annotations["KEY"]``, the way the metadata rules name it."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text in ("metadata.annotations", "metadata.labels"):
            text += f'["{part}"]'
        else:
            text += f".{part}" if text else str(part)
    return text or "(the object)"


def problems(obj: Mapping[str, Any], index: int, versions: Sequence[str] | None = None) -> list[Problem]:
    found: dict[tuple[str, str], list[str]] = {}
    for version in versions or DEFAULT_VERSIONS:
        validator = _validator(version, str(obj["apiVersion"]), str(obj["kind"]))
        if validator is None:
            continue
        for count, error in enumerate(validator.iter_errors(obj)):
            if count >= MAX_ERRORS:
                break
            message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
            found.setdefault((field_path(list(error.absolute_path)), message), []).append(kv.major_minor(version))
    return [
        Problem(
            describe(obj),
            index,
            where,
            f"{message} (Kubernetes {', '.join(sorted(set(seen)))} schema)",
            "write the field as the API documents it (kubectl explain)",
        )
        for (where, message), seen in found.items()
    ]
