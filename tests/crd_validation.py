"""Custom resources checked as the API server would: the CRD's OpenAPI schema, strictly, and its CEL rules.

The CRDs are the real ones in ``../shared/crds`` (Gateway API v1.6.0 standard, the controller's v3.5.0);
see their README. Strict means that what the API server's pruning would silently drop is an error here:
an object schema that neither lists ``additionalProperties`` nor preserves unknown fields refuses keys it
does not name. JSON Schema does not run ``x-kubernetes-validations``: ``cel-python`` evaluates each rule
with ``self`` bound to the value at its place, after the schema's defaults are filled in as the API server
fills them. Transition rules (``oldSelf``) apply only to updates, and a rule that calls a function
cel-python lacks cannot be evaluated: both are collected as not evaluated, and the tests list them.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
import yaml
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

CRD_DIR = Path(__file__).resolve().parents[2] / "shared" / "crds"
# The Gateway API and controller kinds the stack and migrate write.
GATEWAY_KINDS = frozenset(
    {
        "GatewayClass",
        "Gateway",
        "HTTPRoute",
        "LoadBalancerConfiguration",
        "TargetGroupConfiguration",
        "ListenerRuleConfiguration",
    }
)
CRD_FILES = (
    "gateway-api-v1.6.0-standard.yaml",
    "aws-load-balancer-controller-v3.5.0-crds.yaml",
    "aws-load-balancer-controller-v3.5.0-gateway-crds.yaml",
)


def require_crds() -> Path:
    """The CRD folder; skipped with a note when absent, but a failure on CI, where it must be there."""
    missing = [name for name in CRD_FILES if not (CRD_DIR / name).is_file()]
    if missing:
        note = f"the real CRDs are not at {CRD_DIR} ({', '.join(missing)} missing); see ../shared/crds/README.md"
        if os.environ.get("CI"):
            pytest.fail(note)
        pytest.skip(note)
    return CRD_DIR


@dataclass(frozen=True)
class Rule:
    kind: str
    path: str  # where in the object, e.g. spec.listeners
    rule: str
    message: str


@dataclass
class Outcome:
    """What one object's check found: schema errors and failed rules, and the rules not evaluated."""

    errors: list[str] = field(default_factory=list)
    not_evaluated: set[Rule] = field(default_factory=set)
    evaluated: int = 0


def _strict(schema: Any) -> Any:
    """The schema as JSON Schema that refuses unknown fields (and takes ``nullable``)."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-") and k != "nullable"}
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    if out.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema and not preserve:
        out["additionalProperties"] = False
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    return out


@cache
def crds() -> dict[tuple[str, str], dict[str, Any]]:
    """The served versions' schemas, by (apiVersion, kind)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for name in CRD_FILES:
        text = (require_crds() / name).read_text(encoding="utf-8")
        for document in yaml.load_all(text, Loader=yaml.CSafeLoader):  # libyaml: the CRDs are large
            if not document or document.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = document["spec"]["group"], document["spec"]["names"]["kind"]
            for version in document["spec"]["versions"]:
                if version.get("served"):
                    found[(f"{group}/{version['name']}", kind)] = version["schema"]["openAPIV3Schema"]
    return found


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    strict: dict[str, Any] = _strict(copy.deepcopy(schema))
    # metadata is ObjectMeta, which the API server checks itself; the CRD only says "object".
    strict.setdefault("properties", {})["metadata"] = {"type": "object"}
    return strict


def all_rules() -> Iterator[Rule]:
    """Every CEL rule of every served version."""
    for (_, kind), schema in crds().items():
        yield from _rules_in(kind, schema, "")


def _rules_in(kind: str, schema: Any, path: str) -> Iterator[Rule]:
    if not isinstance(schema, dict):
        return
    for rule in schema.get("x-kubernetes-validations") or []:
        yield Rule(kind, path or "(object)", rule["rule"], rule.get("message", ""))
    for name, child in (schema.get("properties") or {}).items():
        yield from _rules_in(kind, child, f"{path}.{name}".lstrip("."))
    if isinstance(schema.get("items"), dict):
        yield from _rules_in(kind, schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _rules_in(kind, schema["additionalProperties"], f"{path}{{}}")


@cache
def _env() -> celpy.Environment:
    """Built on first use, not at import: about 0.8 s, which every pytest worker paid while collecting."""
    return celpy.Environment()


@cache
def _program(rule: str) -> Any:
    env = _env()
    return env.program(env.compile(rule))


@cache
def _holds(rule: str, value: str) -> bool | None:
    """Whether ``rule`` holds for the JSON ``value``; None when cel-python cannot evaluate it.

    A pure function of the two texts, and the same parts recur across objects (a match, a backend reference,
    a hostname, in every route the property tests generate): cel-python interprets each rule's tree in
    Python, about a millisecond per evaluation, so each distinct pair is evaluated once per process.
    """
    try:
        result = _program(rule).evaluate({"self": json_to_cel(json.loads(value))})
    except Exception:
        return None
    return None if isinstance(result, CELEvalError) else bool(result)


def _evaluate(kind: str, schema: Any, value: Any, path: str, outcome: Outcome) -> None:
    """Each rule on ``value`` where the schema places it, then the children the value has."""
    if not isinstance(schema, dict):
        return
    text = ""
    for item in schema.get("x-kubernetes-validations") or []:
        rule = Rule(kind, path or "(object)", item["rule"], item.get("message", ""))
        if "oldSelf" in rule.rule:
            outcome.not_evaluated.add(rule)  # a transition rule: only an update has an old object
            continue
        try:
            text = text or json.dumps(value)
        except (TypeError, ValueError):  # not JSON (validate's fallback): as cel-python would refuse it
            text = ""
        result = _holds(rule.rule, text) if text else None
        if result is None:
            outcome.not_evaluated.add(rule)
            continue
        outcome.evaluated += 1
        if not result:
            outcome.errors.append(f"{kind} {path or '(object)'}: {rule.message or rule.rule}")
    if isinstance(value, dict):
        for name, child in (schema.get("properties") or {}).items():
            if name in value:
                _evaluate(kind, child, value[name], f"{path}.{name}".lstrip("."), outcome)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, child_value in value.items():
                _evaluate(kind, extra, child_value, f"{path}{{{name}}}", outcome)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for child_value in value:
            _evaluate(kind, schema["items"], child_value, f"{path}[]", outcome)


def with_defaults(schema: Any, value: Any) -> Any:
    """``value`` with the schema's defaults filled in, as the API server does before it runs the rules."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        out = dict(value)
        for name, child in (schema.get("properties") or {}).items():
            if name not in out and isinstance(child, dict) and "default" in child:
                out[name] = copy.deepcopy(child["default"])
            if name in out:
                out[name] = with_defaults(child, out[name])
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(schema["items"], item) for item in value]
    return value


@cache
def _validator(key: tuple[str, str]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_object_schema(crds()[key]))


def validate(manifest: dict[str, Any]) -> Outcome:
    """Check one custom resource; an unknown apiVersion/kind is an error of its own.

    The check is a pure function of the object, and the tests check many equal objects (the same stack's
    routes in several tests; CEL in Python is slow): each distinct object is checked once per process, and
    every caller gets its own copy of the outcome.
    """
    try:
        text = json.dumps(manifest, sort_keys=True)
    except (TypeError, ValueError):  # not JSON: nothing the API server would be sent
        return _validate(manifest)
    return copy.deepcopy(_validate_text(text))


@cache
def _validate_text(text: str) -> Outcome:
    return _validate(json.loads(text))


def _validate(manifest: dict[str, Any]) -> Outcome:
    outcome = Outcome()
    key = (str(manifest.get("apiVersion")), str(manifest.get("kind")))
    schema = crds().get(key)
    if schema is None:
        outcome.errors.append(f"{key[1]} {key[0]}: no served CRD version has this kind")
        return outcome
    validator = _validator(key)
    for error in validator.iter_errors(manifest):
        where = ".".join(str(p) for p in error.absolute_path) or "(object)"
        outcome.errors.append(f"{key[1]} {where}: {error.message}")
    if not outcome.errors:  # CEL rules assume the schema's types, and see the defaulted object
        _evaluate(key[1], schema, with_defaults(schema, manifest), "", outcome)
    return outcome
