"""The ``aws:`` keys: the region, the allowed accounts, and each key handed to the explicit provider or refused
(``aws_keys.py`` says which); and config namespaces other than the project's own.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from collections.abc import Mapping
from typing import Any

from albingress.components.model import Problem
from albingress.components.sections import (
    _ACCOUNT,
)
from albingress.facts.names import PROJECT
from albingress.facts.regions import (
    known_regions,
    partition_for_region,
    region_advice,
    region_exists,
)
from albingress.policies.controller_iam import PARTITIONS
from albingress.stack_settings.tags import STACK_DEFAULT_TAG_KEYS, read_tags

# Config namespaces a stack file may use besides the project's own: the AWS provider's (each key is
# handed to the explicit provider or refused, see aws_keys.py) and the CLI's own.
KNOWN_NAMESPACES = ("aws", "pulumi")


def namespace_problems(full_key: str) -> list[Problem]:
    namespace, _, _ = full_key.partition(":")
    if namespace == PROJECT or namespace in KNOWN_NAMESPACES:
        return []
    if namespace == "kubernetes":
        return [
            Problem(
                full_key,
                "kubernetes: config configures the default Kubernetes provider, which this stack disables; its "
                "providers are built from the cluster itself, so the key would be ignored: remove it",
            )
        ]
    close = difflib.get_close_matches(namespace, [PROJECT, *KNOWN_NAMESPACES], n=1)
    hint = f"did you mean {close[0]}:? " if close else ""
    return [
        Problem(
            full_key,
            f"unknown config namespace {namespace!r}; {hint}keys belong to {PROJECT}: or to "
            f"{', '.join(n + ':' for n in KNOWN_NAMESPACES)} (a typo here would silently drop the setting)",
        )
    ]


def read_region(region: Any) -> tuple[str | None, list[Problem]]:
    if region is None:
        return None, [Problem("aws:region", "is required; run `pulumi config set aws:region us-west-2`")]
    if not isinstance(region, str) or not region_exists(region):
        return None, [Problem("aws:region", f"{region!r} is not an AWS region; {region_advice(str(region))}")]
    partition = partition_for_region(region)
    if partition not in PARTITIONS:
        supported = sorted(r for r, p in known_regions().items() if p in PARTITIONS)
        return None, [
            Problem(
                "aws:region",
                f"{region} is in partition {partition}, for which the controller policy here has no document; "
                f"use a region of {', '.join(PARTITIONS)} (e.g. {supported[0]})",
            )
        ]
    return region, []


def allowed_accounts(value: Any) -> tuple[tuple[str, ...], list[Problem]]:
    if value is None:
        return (), []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and _ACCOUNT.fullmatch(v) for v in value):
        return (), [
            Problem(
                "aws:allowedAccountIds",
                f'{value!r} is not a list of 12-digit account ids; write e.g. ["111122223333"] (quoted, so YAML '
                "keeps leading zeros)"
                + (
                    "; `pulumi config set --path` stores digits as a number: add `--type string`"
                    if isinstance(value, list) and any(isinstance(v, int) for v in value)
                    else ""
                ),
            )
        ]
    return tuple(value), []


def read_aws_keys(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[Problem]]:
    """Provider options and default tags from ``aws:`` keys; each other key is refused with its reason."""
    from albingress.stack_settings.aws_keys import provider_options

    decoded: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != "aws":
            continue
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        decoded[key] = value
    options, found = provider_options(decoded)
    problems = [Problem(key, message) for key, message in found]
    default_tags: dict[str, str] = {}
    if "defaultTags" in decoded:
        block = decoded["defaultTags"]
        if not isinstance(block, dict) or set(block) - {"tags"}:
            problems.append(Problem("aws:defaultTags", "write it as defaultTags: {tags: {name: value}}"))
        else:
            default_tags, tag_problems = read_tags(block.get("tags") or {}, "aws:defaultTags.tags")
            problems.extend(tag_problems)
            ours = sorted(set(default_tags) & set(STACK_DEFAULT_TAG_KEYS))
            if ours:
                problems.append(
                    Problem(
                        f"aws:defaultTags.tags.{ours[0]}", "is set by the stack itself on every resource; remove it"
                    )
                )
    return options, default_tags, problems
