"""``aws:`` config keys: each one either reaches the stack's explicit AWS provider or is refused.

An explicit ``aws.Provider`` does not read ``aws:`` config at all, so a key in a
stack file that nobody hands over is silently ignored: ``aws:profile`` would
deploy with the ambient credentials, and a misspelt ``aws:allowedAccountIDs``
would leave the stack with no account guard. The list of keys comes from
pulumi-aws's own config module (``pulumi_aws/config/vars.py``), so an upgrade
that adds a key makes ``tests/test_safety.py`` fail until it is classified
here; at run time an unclassified key is refused rather than ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

# Keys that are refused whatever their value, and why.
_CREDENTIALS = (
    "puts credentials in the stack file, where every clone and CI log can read them; use aws:profile, the "
    "AWS_* environment variables or OIDC instead"
)
_GUARD = (
    "would stop the provider from learning the deploying account, which the stack's account guard "
    "(aws:allowedAccountIds) relies on; remove it"
)
REFUSED: dict[str, str] = {
    "accessKey": _CREDENTIALS,
    "secretKey": _CREDENTIALS,
    "token": _CREDENTIALS,
    "skipCredentialsValidation": _GUARD,
    "skipRequestingAccountId": _GUARD,
    "insecure": "turns off TLS certificate checks on every AWS call; remove it (use aws:customCaBundle for a proxy)",
    "ignoreTags": (
        "would hide tags from Pulumi, the ephemeral and stack tags (alb-ingress/*) included, so a change to them "
        "would go unseen; remove it"
    ),
    "endpoints": (
        "sends the provider's calls to other endpoints than AWS's, where the account guard and the region "
        "checks mean nothing; remove it (the operations commands honour AWS_ENDPOINT_URL for tests)"
    ),
    "skipRegionValidation": "the stack checks aws:region against botocore's region data itself; remove it",
}
# Keys the stack reads itself (aws:region, aws:allowedAccountIds) or merges (aws:defaultTags).
READ_BY_SETTINGS = ("region", "allowedAccountIds", "defaultTags")

_ASSUME_ROLE_KEYS = (
    "roleArn",
    "sessionName",
    "externalId",
    "duration",
    "policy",
    "policyArns",
    "tags",
    "transitiveTagKeys",
    "sourceIdentity",
)
_WEB_IDENTITY_KEYS = (
    "roleArn",
    "sessionName",
    "duration",
    "policy",
    "policyArns",
    "webIdentityToken",
    "webIdentityTokenFile",
)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValueError("is not a word without surrounding spaces")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("is not true or false")
    return value


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValueError("is not a whole number from 0 to 100")
    return value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("is not a list of words")
    return [_text(v) for v in value]


def _accounts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and re.fullmatch(r"\d{12}", v) for v in value):
        raise ValueError('is not a list of 12-digit account ids, e.g. ["444455556666"]')
    return list(value)


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"is not one of {', '.join(allowed)}")
        return str(value)

    return check


def _role(keys: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError(f"is not a mapping with {', '.join(keys)}")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise ValueError(f"has unknown key {unknown[0]!r}; known keys: {', '.join(keys)}")
        if "roleArn" in value and not (isinstance(value["roleArn"], str) and _ROLE_ARN.fullmatch(value["roleArn"])):
            raise ValueError(f"roleArn {value['roleArn']!r} is not an IAM role ARN")
        return {_snake(k): v for k, v in value.items()}

    return check


def _roles(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValueError("is not a list of roles, e.g. [{roleArn: arn:aws:iam::111122223333:role/deploy}]")
    return [_role(_ASSUME_ROLE_KEYS)(v) for v in value]


# Keys handed to the explicit provider, each with the check of its value.
HANDED: dict[str, Callable[[Any], Any]] = {
    "profile": _text,
    "sharedConfigFiles": _texts,
    "sharedCredentialsFiles": _texts,
    "assumeRoles": _roles,
    "assumeRoleWithWebIdentity": _role(_WEB_IDENTITY_KEYS),
    "forbiddenAccountIds": _accounts,
    "maxRetries": _whole,
    "retryMode": _one_of("standard", "adaptive"),
    "stsRegion": _text,
    "useFipsEndpoint": _flag,
    "useDualstackEndpoint": _flag,
    "customCaBundle": _text,
    "httpProxy": _text,
    "httpsProxy": _text,
    "noProxy": _text,
    "ec2MetadataServiceEndpoint": _text,
    "ec2MetadataServiceEndpointMode": _one_of("IPv4", "IPv6"),
    "skipMetadataApiCheck": _flag,
    "s3UsePathStyle": _flag,
    "s3UsEast1RegionalEndpoint": _one_of("legacy", "regional"),
    "tokenBucketRateLimiterCapacity": lambda value: _big(value),
    "userAgents": _texts,
    "tagPolicyCompliance": _one_of("error", "warning", "disabled"),
}


def _big(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise ValueError("is not a whole number from 1 to 1000000")
    return value


@cache
def provider_keys() -> tuple[str, ...]:
    """Every ``aws:`` key pulumi-aws's provider reads, from its own config module."""
    from pulumi_aws.config import vars as aws_vars

    source = Path(aws_vars.__file__).read_text(encoding="utf-8")
    return tuple(sorted(set(re.findall(r"__config__\.get\w*\('(\w+)'\)", source))))


def provider_options(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The explicit provider's arguments (snake_case) from ``aws:`` keys, and (key, problem) pairs.

    ``raw`` maps the key without its ``aws:`` namespace to its decoded value.
    """
    import difflib

    options: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in sorted(raw.items()):
        full = f"aws:{key}"
        if key in READ_BY_SETTINGS:
            continue
        if key in REFUSED:
            problems.append((full, f"is not allowed: it {REFUSED[key]}"))
        elif key in HANDED:
            try:
                options[_snake(key)] = HANDED[key](value)
            except ValueError as error:
                problems.append((full, f"{value!r} {error}; fix the value"))
        elif key in (known := provider_keys()):  # read only for a key neither table knows
            problems.append((full, "is not handed to the stack's AWS provider yet; remove it or add it here"))
        else:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            lowered = {k.lower(): k for k in known}.get(key.lower())
            hint = lowered or (close[0] if close else None)
            suggestion = f"did you mean aws:{hint}? " if hint else ""
            problems.append(
                (full, f"unknown aws: key; {suggestion}the AWS provider would ignore it, so the setting would be lost")
            )
    return options, problems
