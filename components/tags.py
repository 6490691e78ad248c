"""Tag keys shared by the stack and the operations commands, and the keys nobody else may set.

Short-lived clusters carry the ephemeral tags on the cluster and, through the
controller's ``defaultTags``, on every load balancer, target group and security
group its controller creates, so the scheduled ``albops sweep --expired`` can
find what outlived a cluster even after the cluster itself is gone. The stack
tag (the owner value) names the organization, project and stack that created a
cluster and, through the chart's ``defaultTags``, every load balancer, target
group and security group its controller makes: teardown and sweep delete only
what carries the owner value they were given, exactly (docs/ownership.md).
"""

import re
import unicodedata
import urllib.parse

EPHEMERAL_TAG = "alb-ingress/ephemeral"
OWNER_TAG = "alb-ingress/owner"
EXPIRES_TAG = "alb-ingress/expires"
STACK_TAG = "alb-ingress/stack"

# Keys under these prefixes are this project's and the controller's own (the controller's tracking tags,
# pkg/deploy/tracking in its sources); a user tag under one could make a sweep or teardown take a resource
# for something it is not, so they are refused wherever tags come from.
RESERVED_TAG_PREFIXES = (
    "alb-ingress/",
    "elbv2.k8s.aws/",
    "ingress.k8s.aws/",
    "service.k8s.aws/",
    "gateway.k8s.aws.alb/",
    "gateway.k8s.aws.nlb/",
)
# Keys AWS services act on, which a user tag must not carry: Kubernetes' cloud provider and the controller
# find a cluster's subnets and security groups by the first two (kubernetes.io/cluster/<name>: owned|shared,
# kubernetes.io/role/elb and internal-elb); EKS reserves eks:, and EKS Auto Mode keys its load balancers'
# permissions on its own tags (its managed policy AmazonEKSLoadBalancingPolicy conditions on them).
AWS_SPECIAL_TAG_PREFIXES = {
    "kubernetes.io/cluster/": "marks a resource as a cluster's: the controller and Kubernetes' cloud provider would "
    "take it for that cluster's own (subnet and security-group discovery)",
    "kubernetes.io/role/": "marks subnets for the controller's subnet discovery (kubernetes.io/role/elb, "
    "internal-elb), so it would steer where load balancers go",
    "eks:": "is reserved by EKS (its own tags, and the condition keys of its IAM policies)",
    "ingress.eks.amazonaws.com/": "is EKS Auto Mode's: its load-balancing permissions are keyed on these tags",
    "service.eks.amazonaws.com/": "is EKS Auto Mode's: its load-balancing permissions are keyed on these tags",
}
# The controller adds these three to everything it creates for an Ingress group (cluster, stack, resource).
CONTROLLER_OWN_TAG_COUNT = 3
# AWS allows 50 user tags on a resource (ELB, EC2, IAM, EKS, ACM all share the limit).
MAX_TAGS = 50


# What Pulumi calls the organization of a stack on a self-managed ("DIY") backend, and what the offline plan's
# mock runtime uses (pulumi/automation/_stack.py, fully_qualified_stack_name: on those backends "org must be set
# to 'organization'").
DIY_ORGANIZATION = "organization"
# One part of an owner value: Pulumi's organization, project and stack names are letters, digits, '-', '_' and
# '.' (pulumi.com/docs/iac/concepts/stacks); anything else (spaces, a fourth '/', an empty part) is not a value
# this project writes.
_OWNER_PART = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def stack_tag_value(organization: str, project: str, stack: str) -> str:
    """The owner value of ``alb-ingress/stack``: ``<organization>/<project>/<stack>``, Pulumi's fully qualified
    stack name. ``<project>/<stack>`` alone (what releases before it wrote) is shared by a fork or another Pulumi
    organization with the same project and a ``pr-12`` stack in the same account."""
    return f"{organization}/{project}/{stack}"


def parse_owner(value: str) -> tuple[str, str, str] | None:
    """Organization, project and stack of an owner value written by ``stack_tag_value``, or None for anything
    else (the old two-part value, extra or missing parts, whitespace, characters Pulumi does not allow)."""
    parts = value.split("/")
    if len(parts) != 3 or not all(_OWNER_PART.fullmatch(part) and part not in (".", "..") for part in parts):
        return None
    return parts[0], parts[1], parts[2]


# This project's own keys, exactly as the stack writes them (the chart's defaultTags and the cluster's tags).
PROJECT_KEYS = frozenset({STACK_TAG, OWNER_TAG, EPHEMERAL_TAG, EXPIRES_TAG})
# ASCII characters a person reads as another one in a key ('1' and 'I' for 'l', '0' for 'o', ...): both the key
# and the namespace are read through this map, so 'a1b-ingress' and 'aIb-ingress' read as 'alb-ingress'.
_ASCII_LOOKALIKES = str.maketrans(
    {
        "1": "l",
        "i": "l",
        "|": "l",
        "!": "l",
        "0": "o",
        "5": "s",
        "$": "s",
        "3": "e",
        "4": "a",
        "@": "a",
        "6": "b",
        "8": "b",
        "9": "g",
        "q": "g",
    }
)
# The namespace as read ("albingress" -> "alblngress").
_NAMESPACE = "albingress".translate(_ASCII_LOOKALIKES)
# A character that may stand for any one letter of the namespace: every non-ASCII letter or digit (a Cyrillic a
# U+0430, a Greek nu, a fullwidth form NFKC did not fold) and every non-ASCII character that is not a letter
# (punctuation such as U+00A1, U+2223 or U+05C0, which a person reads as 'l', symbols, dashes). No table of
# confusables is complete, so none is trusted.
_WILDCARD = "?"
# Characters a person does not see: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode
# 15.1), among them the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, which are letters (Lo) that AWS accepts
# in tag keys and that render as nothing.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Categories dropped before reading: modifier letters (Lm, e.g. the Arabic tatweel U+0640, which only stretches
# the letters next to it), combining marks (Mn, Me) and format characters (Cf), all invisible or attached to a
# neighbour. Unassigned and private-use code points (Cn, Co) are read as wildcards.
_DROPPED_CATEGORIES = frozenset({"Lm", "Mn", "Me", "Cf"})
# A key reads as this project's when at least this many of the namespace's 10 letters appear in it in order,
# with at most _MAX_GAP other characters between two that do. 9 of 10 keeps "ingress" alone (the controller's
# own ingress.k8s.aws/ keys) and words like "nginx-ingress" from matching while catching one dropped or replaced
# letter; replaced letters that look alike ('8' for b, 'q' for g, ...) are folded before counting.
_MIN_LETTERS = 9
_MAX_GAP = 2
# How often a value is percent-decoded: 'alb%252Dingress' is encoded twice.
_PERCENT_ROUNDS = 3
# The controller writes these keys itself from Kubernetes names (pkg/deploy/tracking, v3.5.0); their values
# ("namespace/name", "namespace/ingress-service:port") are not owner claims.
_CONTROLLER_PREFIXES = tuple(prefix for prefix in RESERVED_TAG_PREFIXES if prefix != "alb-ingress/")


def _is_ignorable(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _DEFAULT_IGNORABLE)


def _decoded(text: str) -> str:
    """``text`` percent-decoded until it no longer changes (bounded), then NFKC-folded and case-folded."""
    for _ in range(_PERCENT_ROUNDS):
        decoded = urllib.parse.unquote(text)
        if decoded == text:
            break
        text = decoded
    return unicodedata.normalize("NFKC", text).casefold()


def _skeleton(key: str) -> str:
    """A tag key as a person reads it: percent-decoded, compatibility forms folded (NFKC), letter case ignored,
    ASCII look-alikes folded, invisible characters and marks dropped, ASCII separators dropped, and every other
    non-ASCII character a wildcard (``_WILDCARD``)."""
    out: list[str] = []
    for char in _decoded(key).translate(_ASCII_LOOKALIKES):
        if _is_ignorable(char) or unicodedata.category(char) in _DROPPED_CATEGORIES:
            continue
        if char.isascii():
            if char.isalnum():
                out.append(char)
        else:
            out.append(_WILDCARD)
    return "".join(out)


def reads_as_namespace(text: str) -> bool:
    """Whether ``text`` holds at least ``_MIN_LETTERS`` of the namespace's letters in order, each an equal letter
    or a wildcard, with at most ``_MAX_GAP`` other characters between two of them (a longest chain, by dynamic
    programming over at most 128 x 10 cells)."""
    skeleton = _skeleton(text)
    # chain[i][j]: the longest chain ending with skeleton[i] read as namespace letter j.
    chain: list[list[int]] = []
    for i, char in enumerate(skeleton):
        row = [0] * len(_NAMESPACE)
        for j, letter in enumerate(_NAMESPACE):
            if char != letter and char != _WILDCARD:
                continue
            before = [chain[k][m] for k in range(max(0, i - _MAX_GAP - 1), i) for m in range(j)]
            row[j] = 1 + max(before, default=0)
            if row[j] >= _MIN_LETTERS:
                return True
        chain.append(row)
    return False


def _value_claims(value: str) -> bool:
    """Whether a tag value names this project's namespace between '/', read as keys are: an owner value
    ('organization/alb-ingress/pr-1') or a key of ours inside it ('{"alb-ingress/stack":"o/p/s"}').

    Only this project's namespace makes a claim: a value of three '/'-separated parts alone ('refs/heads/main',
    'github.com/acme/infra') is an ordinary tag, and counting it would stop the stack's own leftovers from going.
    """
    decoded = _decoded(value)
    return any(reads_as_namespace(part) for part in decoded.split("/")[1:-1])


def namespace_claims(tags: dict[str, str]) -> dict[str, str]:
    """Every tag whose key a person could read as one of this project's (``alb-ingress/...``), exact or not, and
    every tag whose value names an owner.

    AWS keys are case-sensitive and take any Unicode letter (EC2 any character), so ``alb-ingress//stack``,
    ``alb%2Dingress%2Fstack``, a Cyrillic a (U+0430), a Hangul filler (U+3164), a tatweel (U+0640) or an
    inverted exclamation mark (U+00A1) for the 'l' make other keys that only look like ours. Whatever carries one
    makes a claim this project cannot judge: it is never taken for "no owner" (default deny). Keys such as
    ``my-alb-ingress-team`` read as claims too: listed, never deleted (docs/ownership.md).
    """
    claims: dict[str, str] = {}
    for key, value in tags.items():
        by_key = key in PROJECT_KEYS or reads_as_namespace(key)
        if by_key or (not key.startswith(_CONTROLLER_PREFIXES) and _value_claims(value)):
            claims[key] = value
    return claims


def lookalike_claims(tags: dict[str, str]) -> dict[str, str]:
    """The tags of ``namespace_claims`` that are not exactly one of this project's keys."""
    return {key: value for key, value in namespace_claims(tags).items() if key not in PROJECT_KEYS}


def owner_claims(tags: dict[str, str]) -> dict[str, str]:
    """Every tag that could name an owner: ``alb-ingress/stack`` itself and every look-alike of this project's
    keys (kept for callers that ask only about owner claims; ``namespace_claims`` is the wider set)."""
    claims = lookalike_claims(tags)
    if STACK_TAG in tags:
        claims[STACK_TAG] = tags[STACK_TAG]
    return claims


def reserved_tag(key: str) -> str | None:
    """The reserved prefix ``key`` starts with (in any letter case), or None."""
    lowered = key.lower()
    if lowered.startswith("aws:"):
        return "aws:"
    return next((prefix for prefix in RESERVED_TAG_PREFIXES if lowered.startswith(prefix)), None)


# AWS's tag syntax, as the services the stack tags all accept it; ',' and '=' are left out because the
# controller's tags annotation uses them as separators.
TAG_KEY = re.compile(r"[\w .:/+\-@]{1,128}")
TAG_VALUE = re.compile(r"[\w .:/+\-@]{0,256}")


def tag_problem(name: str, value: object) -> str | None:
    """Why a user tag cannot be set: a reserved key (AWS's, this project's, the controller's), or not AWS's
    syntax; None when it can. The stack's ``tags`` and the public components' tag inputs say the same."""
    reserved = reserved_tag(name)
    if reserved == "aws:":
        return "tag names starting with 'aws:' are reserved by AWS; rename it"
    if reserved is not None:
        return (
            f"keys under {reserved} are reserved for this stack and the load balancer controller (they mark "
            "what teardown and sweep may delete); rename it"
        )
    special = next((p for p in AWS_SPECIAL_TAG_PREFIXES if name.lower().startswith(p)), None)
    if special is not None:
        return f"a key under {special} {AWS_SPECIAL_TAG_PREFIXES[special]}; rename it"
    if isinstance(value, str) and value.lower().startswith("aws:"):
        # Elastic Load Balancing User Guide, "Tag an Application Load Balancer": do not use the aws: prefix in
        # tag names or values; it is reserved for AWS use.
        return f"the value {value!r} starts with 'aws:', which AWS reserves in tag values as in names; rename it"
    if name != name.strip() or (isinstance(value, str) and value != value.strip()):
        which = "key" if name != name.strip() else "value"
        return (
            f"the {which} has leading or trailing spaces, which the controller trims from the tags it sets, so the "
            "load balancer's tag would differ from the stack's: remove them"
        )
    if isinstance(value, str) and namespace_claims({name: value}):
        # Whatever reads as this project's key or names its namespace makes every resource carrying it one that
        # sweep and teardown only list (docs/ownership.md): the stack's own leftovers would never go.
        return (
            f"{name}={value!r} reads as one of this project's alb-ingress/ tags (a look-alike key, or the namespace in "
            "the value), which would stop sweep and teardown from deleting this stack's own leftovers; rename it "
            "(for example, put 'ingress' first or leave it out)"
        )
    if not isinstance(value, str) or not TAG_KEY.fullmatch(name) or not TAG_VALUE.fullmatch(value):
        return (
            f"{value!r} is not an AWS tag; keys of 1-128 and values of 0-256 letters, digits, spaces and "
            "'_.:/+-@' (no ',' or '=', which the tags annotation uses as separators)"
        )
    return None
