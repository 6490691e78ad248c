"""IAM documents judged by what they mean, as IAM evaluates them, not by how they are spelled.

One judge serves every caller: the guardrails over a plan or over documents (``albops check``), the
controller's ``extraPolicyArns`` (AWS managed policies from the dated snapshot in ``facts/``, customer
managed ones read at preview). Reviewers write the same meaning many ways, so the judge reads it as IAM does
(IAM User Guide, "IAM JSON policy element reference" and "Policy evaluation logic"):

- ``Statement`` is a list or one object; ``Action``/``Resource``/``Principal`` values a string or a list;
  ``Principal: "*"`` is ``{"AWS": "*"}``; a document may arrive as JSON text.
- Action names match with IAM's wildcards (``*`` any run, ``?`` one character), case-insensitively, so
  ``IAM:attach*`` grants ``iam:AttachRolePolicy`` as surely as the exact name does.
- Condition keys are case-insensitive; a condition pins a key only when it can fail for the wrong value:
  ``StringLike "*"``, ``Null false`` (the key merely exists), ``...IfExists`` (true when the key is absent)
  and ``ForAllValues:`` (true for an empty set) pin nothing.
- An explicit Deny wins: an Allow an unconditional Deny on every resource covers grants nothing, and a Deny
  with ``StringNotEquals`` on a key pins that key for every Allow it covers.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from albingress.facts.botocore_data import service_model
from albingress.facts.role_launchers import role_launchers

# Stand-ins no real name equals: an action of a service AWS has not launched and an ARN of any kind. A
# pattern that matches them matches everything AWS adds later, i.e. it is a wildcard in meaning.
ANY_ACTION = "zzz-new-service:ZzzNewAction"
_ANY_RESOURCES = ("arn:aws:s3:::zzz-any-bucket/key", "arn:aws-cn:iam::000000000000:role/zzz-any-role")

# IAM's own write actions that grant power (IAM User Guide, "IAM: privilege escalation" patterns and the
# Service Authorization Reference's "Permissions management" level): each lets the holder give itself, or a
# principal it controls, more than it was given.
ESCALATION_ACTIONS: dict[str, str] = {
    "iam:CreatePolicyVersion": "rewrites a managed policy, its own included",
    "iam:SetDefaultPolicyVersion": "switches a managed policy to another version",
    "iam:AttachRolePolicy": "attaches any policy to a role",
    "iam:AttachUserPolicy": "attaches any policy to a user",
    "iam:AttachGroupPolicy": "attaches any policy to a group",
    "iam:PutRolePolicy": "writes any inline policy into a role",
    "iam:PutUserPolicy": "writes any inline policy into a user",
    "iam:PutGroupPolicy": "writes any inline policy into a group",
    "iam:UpdateAssumeRolePolicy": "lets any principal it names assume a role",
    "iam:CreateAccessKey": "mints keys for other users",
    "iam:CreateLoginProfile": "sets passwords for other users",
    "iam:UpdateLoginProfile": "resets other users' passwords",
    "iam:AddUserToGroup": "puts users into more powerful groups",
    "iam:DeleteRolePermissionsBoundary": "lifts a role's permissions boundary",
    "iam:PutRolePermissionsBoundary": "swaps a role's permissions boundary",
    "iam:DeleteUserPermissionsBoundary": "lifts a user's permissions boundary",
    "iam:PutUserPermissionsBoundary": "swaps a user's permissions boundary",
}
# Actions that run code as a role the caller passes (iam:PassRole): together they hand that role's power
# to whoever holds them. Derived from the pinned botocore's models (facts/generate_role_launchers.py): every
# operation that creates or changes a compute, job or stack resource and takes a role in its input.
PASS_ROLE_LAUNCHERS: tuple[str, ...] = role_launchers()
# Actions that put the caller's code into compute that already runs as a role, no PassRole needed (the
# escalation paths of Rhino Security Labs' "AWS IAM privilege escalation" list and the services' own docs).
CODE_INJECTION: dict[str, str] = {
    "lambda:UpdateFunctionCode": "replaces a function's code, which runs as the function's role",
    "lambda:UpdateFunctionConfiguration": "adds layers or environment to a function running as its role",
    "glue:UpdateDevEndpoint": "sets the SSH key of a Glue endpoint running as its role",
    "ssm:SendCommand": "runs commands on instances, as their instance role",
    "ssm:StartSession": "opens a shell on instances, with their instance role",
    "ssm:StartAutomationExecution": "runs automation documents, as the role they assume",
    "ec2-instance-connect:SendSSHPublicKey": "logs into instances, with their instance role",
    "ec2-instance-connect:SendSerialConsoleSSHPublicKey": "logs into instances' consoles",
    "ec2:ModifyInstanceAttribute": "rewrites an instance's user data, run as its instance role",
    "ecs:ExecuteCommand": "opens a shell in tasks, with their task role",
    "codebuild:StartBuild": "runs a build with overridden commands, as the project's role",
    "codebuild:StartBuildBatch": "runs builds with overridden commands, as the project's role",
    "codebuild:UpdateProject": "rewrites a project's commands, run as its role",
    "sagemaker:CreatePresignedNotebookInstanceUrl": "opens a notebook running as its role",
    "cloudformation:UpdateStack": "changes a stack that deploys with its own service role",
    "cloudformation:ExecuteChangeSet": "deploys a change set with the stack's service role",
    "sso:CreatePermissionSet": "makes IAM Identity Center permission sets",
    "sso:PutInlinePolicyToPermissionSet": "writes any policy into a permission set",
    "sso:AttachManagedPolicyToPermissionSet": "attaches any policy to a permission set",
    "sso:CreateAccountAssignment": "assigns permission sets (roles in member accounts) to anyone",
    "sso:ProvisionPermissionSet": "pushes permission sets into accounts as roles",
    # EKS access entries (EKS User Guide, "Grant IAM users access to Kubernetes with EKS access entries" and
    # "Associate access policies with access entries"): an entry for the caller, then AmazonEKSClusterAdminPolicy
    # associated with it, is cluster-admin, so every service account's IRSA or Pod Identity role.
    "eks:CreateAccessEntry": "adds an IAM principal to a cluster, with Kubernetes groups it names",
    "eks:UpdateAccessEntry": "changes the Kubernetes groups of a principal's access to a cluster",
    "eks:AssociateAccessPolicy": "makes a principal cluster-admin, so it runs pods as every workload's role",
    "eks:CreatePodIdentityAssociation": "gives a service account it controls a role already trusted by Pod Identity",
    "eks:UpdatePodIdentityAssociation": "points a service account's association at another role",
    # Launch templates (EC2 User Guide, "Modify a launch template (manage launch template versions)"): a new
    # version with other user data, made the default, runs that script on every instance an Auto Scaling
    # group starts with the template's instance profile; keeping the profile needs no iam:PassRole.
    "ec2:CreateLaunchTemplateVersion": "writes new user data into a launch template whose instances run as its profile",
    "ec2:ModifyLaunchTemplate": "makes another version, with its user data, the template's default",
    "autoscaling:UpdateAutoScalingGroup": "points a group at another launch template version",
    # CodeDeploy runs the revision's appspec hook scripts on the instances, as root, with their instance role
    # (CodeDeploy User Guide, "AppSpec 'hooks' section").
    "codedeploy:CreateDeployment": "runs a revision's scripts on instances, with their instance role",
    # Glue (Glue API, UpdateJob: Command.ScriptLocation): the job then runs the new script as its role.
    "glue:UpdateJob": "replaces a job's script, which runs as the job's role",
}
# Service-linked roles can be assumed only by their AWS service, with permissions AWS defines, so creating
# one grants the caller nothing (the controller's own policy creates ELB's, with a condition).
_NOT_POWER = {"iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole"}
_READ_PREFIXES = ("Get", "List", "Generate", "Simulate")
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


@functools.cache
def iam_write_actions() -> tuple[str, ...]:
    """IAM's write actions from the pinned botocore's IAM API model (every API is an action of the same
    name), less the reads and the service-linked-role actions."""
    model = service_model("iam")  # read without botocore's loader (facts/botocore_data.py says why)
    names = (f"iam:{op}" for op in model["operations"] if not op.startswith(_READ_PREFIXES))
    return tuple(sorted(set(names) - _NOT_POWER))


def judged_actions() -> tuple[str, ...]:
    """Every action whose grant the permission judge looks for (the managed-policy snapshot keeps only the
    statement actions that match one of these, or the stand-in for every action)."""
    return tuple(
        sorted(
            {
                *iam_write_actions(),
                *ESCALATION_ACTIONS,
                "iam:PassRole",
                *PASS_ROLE_LAUNCHERS,
                *CODE_INJECTION,
                *ASSUME_ACTIONS,
            }
        )
    )


# -- reading documents -------------------------------------------------------------------


def document(value: Any) -> Mapping[str, Any]:
    """A policy document from a mapping or its JSON text; anything else reads as an empty document."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or a number longer than Python reads
            return {}
    return value if isinstance(value, Mapping) else {}


def statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The statements, whether ``Statement`` is a list or one object."""
    found = doc.get("Statement") or []
    if isinstance(found, Mapping):
        found = [found]
    return [s for s in found if isinstance(s, Mapping)] if isinstance(found, list) else []


def _strings(value: Any) -> bool:
    """A string, or a list of one or more strings (IAM refuses an empty list: "must contain resources")."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str) for v in value)
    return isinstance(value, str)


_STATEMENT_KEYS = (
    *("Sid", "Effect", "Principal", "NotPrincipal"),
    *("Action", "NotAction", "Resource", "NotResource", "Condition"),
)


def _condition_value(value: Any) -> bool:
    scalar = (str, bool, int, float)
    return isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))


def shape_problem(value: Any, trust: bool | None) -> tuple[str, Any, str] | None:
    """Where a policy document breaks the IAM policy grammar, which IAM refuses (MalformedPolicyDocument) and the
    judges would otherwise read as granting nothing: (key, value, what it must be), or None. ``trust``: True for
    a role's trust policy (every statement names a principal, none a resource), False for a permission policy
    (a resource, no principal), None when not known (a file's document naming principals may be a trust or a
    resource-based policy: then only its statements must agree, all naming a principal or none). From the IAM
    User Guide, "Grammar of the IAM JSON policy language" and "IAM JSON policy elements": Version 2012-10-17
    or 2008-10-17; a statement block an object or a list of them, with only the grammar's elements; Effect
    Allow or Deny; Action/NotAction a string or list of strings, each '*' or prefixed by its service
    ("Actions ... must be prefaced by a vendor"); Resource/NotResource a string or a list of strings; a
    principal "*" or a map of strings or lists of strings; Condition a map of operators to maps of keys to
    values or lists of values."""
    doc = document(value)
    if not doc:
        return None  # not JSON text (a value a program has not resolved yet reads so too)
    version = doc.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        return "Version", version, "2012-10-17 (or the older 2008-10-17; IAM refuses it)"
    found = doc.get("Statement")
    if not isinstance(found, Mapping | list):
        return "Statement", found, "an object or a list of statement objects (IAM refuses it)"
    listed = [found] if isinstance(found, Mapping) else found
    named = [isinstance(s, Mapping) and ("Principal" in s or "NotPrincipal" in s) for s in listed]
    if trust is None and any(named) and not all(named):
        index = named.index(False) if named[0] else named.index(True)
        like = "a statement like the others: all name a principal, or none (IAM refuses it)"
        return f"Statement[{index}]", listed[index], like
    for index, statement in enumerate(listed):
        where = f"Statement[{index}]"
        if not isinstance(statement, Mapping):
            return where, statement, "a statement object (IAM refuses it)"
        for one, other in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
            if one in statement and other in statement:
                need = f"absent beside {one}: a statement has one of them (IAM refuses it)"
                return f"{where}.{other}", statement[other], need
        unknown = [key for key in statement if key not in _STATEMENT_KEYS]
        if unknown:
            return f"{where}.{unknown[0]}", statement[unknown[0]], "no element of a statement (IAM refuses it)"
        if statement.get("Effect") not in ("Allow", "Deny"):
            return f"{where}.Effect", statement.get("Effect"), "Allow or Deny (IAM refuses it)"
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in statement and not _strings(statement[key]):
                return f"{where}.{key}", statement[key], "a string or a list of strings (IAM refuses it)"
        for key in ("Action", "NotAction"):
            actions = as_list(statement.get(key))
            if key in statement and not actions:
                return f"{where}.{key}", statement[key], "one action or more (IAM refuses it)"
            for action in actions:
                service, colon, name = action.partition(":")
                # "Actions/Conditions must be prefaced by a vendor", "can contain only one colon", and the
                # vendor "must not contain wildcards" (IAM's MalformedPolicyDocument messages).
                if action != "*" and (not colon or not service or ":" in name or "*" in service or "?" in service):
                    need = "an action prefixed by its service, e.g. ec2:DescribeVpcs (IAM refuses it)"
                    return f"{where}.{key}", action, need
        if "Action" not in statement and "NotAction" not in statement:
            return where, statement, "a statement with Action or NotAction (IAM refuses it)"
        principal_key = "Principal" if "Principal" in statement else "NotPrincipal"
        principal = statement.get(principal_key)
        if (
            principal is not None
            and principal != "*"
            and not (isinstance(principal, Mapping) and principal and all(_strings(v) for v in principal.values()))
        ):
            return f"{where}.{principal_key}", principal, '"*" or a map of principal types to strings (IAM refuses it)'
        if trust is True and principal_key == "NotPrincipal" and principal is not None:
            # IAM User Guide, NotPrincipal: "You cannot use the NotPrincipal element ... in an IAM role trust policy".
            need = "Principal, not NotPrincipal, in a role trust policy (IAM refuses it)"
            return f"{where}.NotPrincipal", principal, need
        if trust is True and principal is None:
            return where, statement, "a trust policy statement naming a Principal (IAM refuses it)"
        if trust is True and ("Resource" in statement or "NotResource" in statement):
            key = "Resource" if "Resource" in statement else "NotResource"
            return f"{where}.{key}", statement[key], "absent from a trust policy (IAM: has prohibited field)"
        if trust is False and principal is not None:
            return f"{where}.{principal_key}", principal, "absent from a permission policy (IAM refuses a principal)"
        if not trust and principal is None and "Resource" not in statement and "NotResource" not in statement:
            return where, statement, "a statement with Resource or NotResource (IAM refuses it)"
        condition = statement.get("Condition", {})
        if not (
            isinstance(condition, Mapping)
            and all(
                isinstance(keys, Mapping) and all(_condition_value(v) for v in keys.values())
                for keys in condition.values()
            )
        ):
            return f"{where}.Condition", condition, "a map of operators to maps of keys to values (IAM refuses it)"
    return None


# Services that assume a role for themselves and run no customer code with it. Only the EKS control plane: EC2
# (instance roles), Lambda, ECS tasks and pods all run someone's code with the role they are given.
CONTROL_PLANE_SERVICES = frozenset({"eks.amazonaws.com"})


def control_plane_only(trust: Any) -> bool:
    """Whether a role's trust policy admits only a control-plane service principal: every Allow statement names
    only ``Service`` principals, all of CONTROL_PLANE_SERVICES. Such a role runs no one's code, so the AWS managed
    policies EKS requires of it open no path to a person (the plan and `check` exempt them alike)."""
    allows = [s for s in statements(document(trust)) if str(s.get("Effect", "")).lower() == "allow"]
    principals = [s.get("Principal") for s in allows]
    return bool(principals) and all(
        isinstance(p, Mapping)
        and set(p) == {"Service"}
        and set(map(str, as_list(p["Service"]))) <= CONTROL_PLANE_SERVICES
        for p in principals
    )


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [] if value is None else [value]


@functools.cache
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if fold else re.DOTALL)


def matches(pattern: Any, value: str, fold: bool = True) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` one; action names case-insensitively."""
    if not isinstance(pattern, str):
        return False
    return _compiled(pattern.strip() if fold else pattern, fold).fullmatch(value) is not None


def _effect(statement: Mapping[str, Any]) -> str:
    return str(statement.get("Effect", "")).strip().lower()


def covers_action(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) includes ``action``."""
    if "NotAction" in statement:
        return not any(matches(p, action) for p in as_list(statement.get("NotAction")))
    return any(matches(p, action) for p in as_list(statement.get("Action")))


def covers_every_resource(statement: Mapping[str, Any]) -> bool:
    if "NotResource" in statement:
        return not any(matches(p, r, fold=False) for p in as_list(statement["NotResource"]) for r in _ANY_RESOURCES)
    return any(all(matches(p, r, fold=False) for r in _ANY_RESOURCES) for p in as_list(statement.get("Resource")))


def _pattern_covers(deny: str, allow: str) -> bool:
    """Whether every ARN the Allow's resource pattern can match is matched by the Deny's pattern. Provable
    only when the Deny's pattern is ``*`` (or matches ARNs of every kind), equals the Allow's, matches it as
    a plain ARN (no wildcards in it), or is a prefix ending in ``*`` the Allow's pattern starts with; anything
    else is not proof."""
    deny, allow = deny.strip(), allow.strip()
    if deny == "*" or deny == allow:
        return True
    if allow == "*":  # every ARN: a Deny pattern that takes in ARNs of any service and partition (arn:*)
        return all(matches(deny, r, fold=False) for r in _ANY_RESOURCES)
    if "*" not in allow and "?" not in allow:
        return matches(deny, allow, fold=False)
    head = deny[:-1]
    return deny.endswith("*") and "*" not in head and "?" not in head and allow.startswith(head)


def _deny_cancels(deny: Mapping[str, Any], allow: Mapping[str, Any], action: str) -> bool:
    """Whether an explicit Deny takes ``action`` away from an Allow on every resource the Allow names: the
    Deny has no condition (a condition may not hold), covers the action, and its Resource covers each of the
    Allow's resource patterns. A Deny with NotResource leaves out resources it does not name: it cancels
    nothing here, since proving its cover would take knowing every ARN the Allow reaches (IAM User Guide,
    "Policy evaluation logic": a Deny applies only to requests its Resource and Condition match)."""
    if _effect(deny) != "deny" or deny.get("Condition") or not covers_action(deny, action):
        return False
    if "NotResource" in deny:
        return False
    denied = [str(p) for p in as_list(deny.get("Resource")) if isinstance(p, str)]
    if "NotResource" in allow:
        return "*" in (p.strip() for p in denied)
    allowed = [str(p) for p in as_list(allow.get("Resource"))]
    return bool(allowed) and all(any(_pattern_covers(d, a) for d in denied) for a in allowed)


def _effective(doc_statements: list[Mapping[str, Any]], statement: Mapping[str, Any], action: str) -> bool:
    """Whether an Allow statement still grants ``action`` once the document's Deny statements apply."""
    return covers_action(statement, action) and not any(_deny_cancels(d, statement, action) for d in doc_statements)


def _may_cover_service(statement: Mapping[str, Any], service: str) -> bool:
    """Whether an Allow's Action can include some action of ``service`` (a NotAction one may, and so may a
    pattern without a colon, whose wildcard can span it); a filter before the exact match, never instead of it."""
    if "NotAction" in statement:
        return True
    for pattern in as_list(statement.get("Action")):
        if not isinstance(pattern, str):
            continue
        head, colon, _ = pattern.strip().partition(":")
        if not colon or matches(head, service):
            return True
    return False


def label(statement: Mapping[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement {index + 1}"


def _short(names: Iterable[str], limit: int = 4) -> str:
    items = sorted(set(names))
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# -- permissions ---------------------------------------------------------------------------


def permission_findings(value: Any) -> list[str]:
    """Why a permission policy grants administrator, IAM-write or escalation power; empty when it does not.

    Judged on what the document grants once its Deny statements are applied, whatever the spelling.
    """
    doc_statements = statements(document(value))
    allows = [(i, s) for i, s in enumerate(doc_statements) if _effect(s) == "allow"]
    findings: list[str] = []
    for index, statement in allows:
        for key in ("NotAction", "NotResource"):
            if key in statement:
                what = ", ".join(map(str, as_list(statement[key]))) or "nothing"
                findings.append(
                    f"{label(statement, index)} is an Allow with {key} ({what}): it grants everything else, "
                    "including whatever AWS adds later"
                )
    if any(
        covers_every_resource(s) and "NotAction" not in s and _effective(doc_statements, s, ANY_ACTION)
        for _, s in allows
    ):
        findings.append("grants administrator power: every action on every resource (Action * on Resource *)")
        return findings

    denies = [s for s in doc_statements if _effect(s) == "deny"]
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    deny_by_service: dict[str, list[Mapping[str, Any]]] = {}
    covers: dict[tuple[int, int], bool] = {}  # (deny, allow): whether the Deny covers the Allow's resources

    # A Deny whose resources are all literal ARNs cancels only an Allow naming one of those ARNs (_pattern_covers):
    # indexed by them, so an Allow is weighed against those and the wildcard Denies, not against every Deny.
    literal: dict[str, list[Mapping[str, Any]]] = {}
    wild: list[Mapping[str, Any]] = []
    for deny in denies:
        patterns = [str(p).strip() for p in as_list(deny.get("Resource")) if isinstance(p, str)]
        if "NotResource" in deny or not patterns:
            continue  # cancels nothing (_deny_cancels)
        if any("*" in p or "?" in p for p in patterns):
            wild.append(deny)
        else:
            for pattern in dict.fromkeys(patterns):
                literal.setdefault(pattern, []).append(deny)

    def candidates(allow: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        if "NotResource" in allow:
            return wild
        named = [str(p).strip() for p in as_list(allow.get("Resource")) if isinstance(p, str)]
        return wild + [d for p in dict.fromkeys(named) for d in literal.get(p, ())]

    def cancelled(allow: Mapping[str, Any], asked: set[int], action: str) -> bool:
        for deny in candidates(allow):
            if id(deny) not in asked:
                continue
            key = (id(deny), id(allow))
            if key not in covers:
                # The Deny's resources and condition against the Allow's, once per pair: the same for every action.
                covers[key] = _deny_cancels(deny, allow, action)
            if covers[key]:
                return True
        return False

    def granted(action: str) -> list[Mapping[str, Any]]:
        # Only statements whose Action may name the action's service are asked, and only the Denies that name
        # the action (hundreds of IAM actions are asked of documents of thousands of statements); the answer is
        # the same.
        service = action.partition(":")[0].lower()
        if service not in by_service:
            by_service[service] = [s for _, s in allows if _may_cover_service(s, service)]
            deny_by_service[service] = [d for d in denies if _may_cover_service(d, service)]
        covering = [s for s in by_service[service] if covers_action(s, action)]
        if not covering:
            return []
        asked = {id(d) for d in deny_by_service[service] if covers_action(d, action)}
        return [s for s in covering if not (asked and cancelled(s, asked, action))]

    escalations = sorted(a for a in ESCALATION_ACTIONS if granted(a))
    if escalations:
        reasons = "; ".join(f"{a} {ESCALATION_ACTIONS[a]}" for a in escalations[:3])
        more = f" (and {len(escalations) - 3} more)" if len(escalations) > 3 else ""
        findings.append(f"grants privilege escalation: {reasons}{more}")
    writes = [a for a in iam_write_actions() if a not in ESCALATION_ACTIONS and granted(a)]
    if writes:
        findings.append(f"grants IAM write actions: {_short(writes)}")
    pass_role = granted("iam:PassRole")
    targets = _passed_to(pass_role)
    launchers = [a for a in PASS_ROLE_LAUNCHERS if _reaches(targets, a) and granted(a)]
    if pass_role and launchers:
        roles = sorted({str(r) for s in pass_role for r in as_list(s.get("Resource")) or ["(NotResource)"]})
        findings.append(
            f"grants iam:PassRole (on {_short(roles, 2)}) with {_short(launchers, 2)}: it can run code as any "
            "role it may pass, with that role's power"
        )
    injections = sorted(a for a in CODE_INJECTION if granted(a))
    if injections:
        reasons = "; ".join(f"{a} {CODE_INJECTION[a]}" for a in injections[:2])
        more = f" (and {len(injections) - 2} more)" if len(injections) > 2 else ""
        findings.append(f"grants a path to another role's power without PassRole: {reasons}{more}")
    # Only a list of exact role ARNs says which roles: a wildcard ('role/*admin*', 'role/ci-?') takes in roles
    # created later, by anyone, under a matching name.
    assume = [
        s
        for s in granted("sts:AssumeRole")
        if "NotResource" in s or any(isinstance(r, str) and ("*" in r or "?" in r) for r in as_list(s.get("Resource")))
    ]
    if assume:
        patterns = sorted({str(r) for s in assume for r in as_list(s.get("Resource")) or ["(NotResource)"]})
        findings.append(
            f"grants sts:AssumeRole on a wildcard ({_short(patterns, 2)}): it becomes any role that matches and "
            "trusts it, those created later included; list the role ARNs"
        )
    return findings


def _passed_to(pass_role: list[Mapping[str, Any]]) -> set[str] | None:
    """The services (lower case) the granted PassRole statements may pass a role to, by their
    ``iam:PassedToService`` condition; None when one of them is not limited so (any service)."""
    found: set[str] = set()
    for statement in pass_role:
        condition = statement.get("Condition")
        limited: set[str] | None = None
        if isinstance(condition, Mapping):
            for operator, pairs in condition.items():
                name = str(operator).strip().lower()
                if name not in ("stringequals", "stringequalsignorecase", "stringlike") or not isinstance(
                    pairs, Mapping
                ):
                    continue
                for key, values in pairs.items():
                    texts = as_list(values)
                    literal = all(isinstance(v, str) and v and "*" not in v and "?" not in v for v in texts)
                    if str(key).strip().lower() == "iam:passedtoservice" and texts and literal:
                        limited = {str(v).strip().lower() for v in texts}
        if limited is None:
            return None
        found |= limited
    return found


def _reaches(targets: set[str] | None, launcher: str) -> bool:
    """Whether a role passed only to ``targets`` can reach what ``launcher`` starts. A service principal names
    its service (``lambda.amazonaws.com``, ``ecs-tasks.amazonaws.com``, ``tasks.apprunner.amazonaws.com``), so
    a launcher is reached when its IAM prefix is in one of them; a role passed to EC2 becomes an instance
    profile, which many services' launchers start (Auto Scaling, Batch, EMR), so EC2 reaches every one."""
    if targets is None:
        return True
    prefix = launcher.split(":", 1)[0].lower()
    return any(t.startswith("ec2.") or prefix in t.split(".amazonaws.com", 1)[0] for t in targets)


# -- trust ---------------------------------------------------------------------------------

_PIN_OPERATORS = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
_DENY_PIN_OPERATORS = {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}
_PRINCIPAL_PINS = {
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalorgpaths",
}
_ACCOUNT_PRINCIPAL = re.compile(r"(?:arn:[a-z-]+:iam::)?(\d{12})(?::root)?")


_ARN_KEYS = {"aws:principalarn", "aws:sourcearn"}
# The account field of an ARN: its fifth colon-separated part (IAM User Guide, "IAM identifiers", ARNs).
# A pattern pins only when its account and the start of its name are written out: 'role/ci-*' names some
# roles, 'role/*' or '*' every principal of the account, which is its root's reach.
_ARN_ACCOUNT = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[0-9]{12}:[^*?/]+/[^*?]+.*")


def _pins_value(key: str, value: str, like: bool) -> bool:
    """Whether one condition value can fail for a wrong principal: a value with no wildcard, or, for a
    principal or source ARN, a pattern whose account is written out (ArnLike aws:PrincipalArn
    arn:aws:iam::111122223333:role/ci-* admits only that account's ci-* roles; role/* admits them all)."""
    if not like or ("*" not in value and "?" not in value):
        return True
    return key in _ARN_KEYS and _ARN_ACCOUNT.fullmatch(value) is not None


def _pinned(condition: Any, operators: set[str]) -> set[str]:
    """The condition keys (lower case) a Condition block pins to values: keys it can fail for."""
    found: set[str] = set()
    if not isinstance(condition, Mapping):
        return found
    for operator, pairs in condition.items():
        name = str(operator).strip().lower()
        if name.startswith("forallvalues:"):
            continue  # true for an empty set of values
        name = name.removeprefix("foranyvalue:")
        # ArnEquals matches wildcards exactly as ArnLike does (IAM User Guide, "IAM JSON policy elements:
        # Condition operators", Amazon Resource Name (ARN) condition operators).
        like = "like" in name or name.startswith("arn")
        if name.endswith("ifexists") and operators is _PIN_OPERATORS:
            continue  # true when the key is absent
        if name.removesuffix("ifexists") not in operators or not isinstance(pairs, Mapping):
            continue
        for key, values in pairs.items():
            texts = as_list(values)
            key_name = str(key).strip().lower()
            if texts and all(isinstance(v, str) and v and _pins_value(key_name, v, like) for v in texts):
                found.add(key_name)
    return found


def _principals(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(type, value) pairs, type lower-cased; ``"*"`` is every AWS principal."""
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [("aws", principal.strip())]
    if not isinstance(principal, Mapping):
        return []
    return [(str(kind).strip().lower(), str(v).strip()) for kind, value in principal.items() for v in as_list(value)]


def _issuer_reach(host: str) -> str:
    """Who holds a token of an OIDC issuer: an EKS cluster's service accounts, else whatever the issuer signs
    for (every repository of GitHub's, every workload of another provider's)."""
    if re.match(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/", host.lower()):
        return "any service account of the cluster"
    if host.lower().startswith("token.actions.githubusercontent.com"):
        return "any GitHub Actions workflow of any repository"
    return f"anyone {host} issues a token to"


# What to write instead, by whom the finding is about: an AWS principal is named by its ARN, a workload by
# the claims its token carries (EKS User Guide, "IAM roles for service accounts" and "EKS Pod Identity").
AWS_PRINCIPAL_FIX = (
    'name the principal that assumes the role by its ARN (Principal {"AWS": "arn:aws:iam::<account>:role/<name>"}), '
    "or keep it and pin aws:PrincipalArn with ArnEquals to that ARN (the account written out, no wildcard)"
)
WORKLOAD_FIX = (
    "trust one principal and pin it: StringEquals on <issuer>:sub = system:serviceaccount:<ns>:<sa> and "
    "<issuer>:aud = sts.amazonaws.com (IRSA), or on aws:RequestTag/kubernetes-namespace and "
    "kubernetes-service-account (Pod Identity); no wildcards, Null or ...IfExists"
)


class Finding(str):
    """A finding's text that also carries its fix, so a caller that prints only the text keeps working."""

    fix: str

    def __new__(cls, text: str, fix: str = WORKLOAD_FIX) -> Finding:
        made = super().__new__(cls, text)
        made.fix = fix
        return made


def trust_findings(value: Any, account_id: str | None = None) -> list[str]:
    """Why a role's trust policy lets more than one known principal assume it; empty when it does not.

    ``account_id``: the role's own account (its root trusts only what that account's IAM allows); unknown,
    every account root is named.
    """
    doc_statements = statements(document(value))
    findings: list[str] = []
    # A Deny of everyone unless a key has a value pins that key for the actions it covers, but only when that
    # is its one condition: IAM ANDs a statement's conditions, so a second one (aws:SecureTransport false,
    # aws:RequestedRegion) lets every request that fails it through (IAM User Guide, "Condition element":
    # several keys or operators in one block must all match).
    deny_pins: dict[str, set[str]] = {a: set() for a in ASSUME_ACTIONS}
    for statement in doc_statements:
        condition = statement.get("Condition")
        single = (
            isinstance(condition, Mapping)
            and len(condition) == 1
            and all(isinstance(pairs, Mapping) and len(pairs) == 1 for pairs in condition.values())
        )
        if _effect(statement) != "deny" or not single or not any(v == "*" for _, v in _principals(statement)):
            continue
        for action in ASSUME_ACTIONS:
            if covers_action(statement, action):
                deny_pins[action] |= _pinned(condition, _DENY_PIN_OPERATORS)
    for index, statement in enumerate(doc_statements):
        if _effect(statement) != "allow":
            continue
        where = label(statement, index)
        assumes = [a for a in ASSUME_ACTIONS if covers_action(statement, a)]
        if not assumes:
            continue
        # A Deny pins the Allow only when it covers every assume action the Allow grants.
        denied_pins = set.intersection(*(deny_pins[a] for a in assumes))
        if "NotPrincipal" in statement:
            findings.append(Finding(f"{where} trusts every principal but those in NotPrincipal", AWS_PRINCIPAL_FIX))
            continue
        if "NotAction" in statement:
            findings.append(f"{where} allows every action but those in NotAction, {', '.join(assumes)} included")
        condition = statement.get("Condition")
        pins = _pinned(condition, _PIN_OPERATORS) | denied_pins
        loose = (
            " (none of its conditions pins it: StringLike '*', Null false, ...IfExists and ForAllValues match anything)"
        )
        loose = loose if condition else " (it has no conditions)"
        for kind, who in _principals(statement):
            if who == "*" and kind in ("aws", "federated", "canonicaluser"):
                if not pins & _PRINCIPAL_PINS:
                    findings.append(
                        Finding(
                            f"{where} trusts every principal (Principal *){loose}: anyone in any AWS account may "
                            "assume the role",
                            AWS_PRINCIPAL_FIX if kind == "aws" else WORKLOAD_FIX,
                        )
                    )
                continue
            account = _ACCOUNT_PRINCIPAL.fullmatch(who) if kind == "aws" else None
            if account and account.group(1) != account_id and "aws:principalarn" not in pins:
                findings.append(
                    Finding(
                        f"{where} trusts account {account.group(1)}'s root: every principal of that account that "
                        "its own policies let call sts:AssumeRole may assume the role",
                        AWS_PRINCIPAL_FIX,
                    )
                )
            if kind == "federated" and ":oidc-provider/" in who and "sts:AssumeRoleWithWebIdentity" in assumes:
                host = who.split(":oidc-provider/", 1)[1]
                missing = [c for c in ("sub", "aud") if f"{host.lower()}:{c}" not in pins]
                if missing:
                    findings.append(
                        f"{where} trusts web identities of {host} without conditions pinning "
                        f"{' and '.join(':' + m for m in missing)}{loose}: {_issuer_reach(host)} could assume the role"
                    )
            elif kind == "federated" and ":saml-provider/" in who and "saml:aud" not in pins:
                findings.append(f"{where} trusts SAML sign-ins without a condition pinning SAML:aud{loose}")
            elif kind == "federated" and "sts:AssumeRoleWithWebIdentity" in assumes and not pins:
                findings.append(f"{where} trusts the web identities of {who}{loose}: any of its users may assume it")
            if kind == "service" and who.lower() == "pods.eks.amazonaws.com":
                needed = ("aws:requesttag/kubernetes-namespace", "aws:requesttag/kubernetes-service-account")
                if not set(needed) <= pins:
                    findings.append(
                        f"{where} trusts EKS Pod Identity without pinning the namespace and service account{loose}:"
                        " any association in the account could use the role"
                    )
    return findings


# The kinds of permission findings, by the words each starts its reason with: a holder's documents judged
# together say a kind only when none of them says it alone (the same power, already named on that document).
_FINDING_KINDS = (
    "grants administrator power",
    "is an Allow with",
    "grants privilege escalation",
    "grants IAM write actions",
    "grants iam:PassRole",
    "grants a path to another role's power",
    "grants sts:AssumeRole on a wildcard",
)


def finding_kind(text: str) -> str:
    """What a permission finding is about, whatever statements, actions or resources it lists."""
    return next((kind for kind in _FINDING_KINDS if kind in text), text)


@functools.lru_cache(maxsize=4096)
def _findings_of_text(text: str) -> tuple[str, ...]:
    return tuple(permission_findings(text))


def cached_findings(value: Any) -> tuple[str, ...]:
    """``permission_findings``, kept per document text: one group's documents are judged with each member's."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return tuple(permission_findings(value))
    return _findings_of_text(text)


def findings_together(parts: list[Any]) -> list[str]:
    """The permission findings of ``parts`` (documents one holder has) judged as one, as IAM grants their union
    (an explicit Deny in any of them applies to all), less each kind one of them says alone: PassRole in one and
    RunInstances in another is said here; an unrelated finding of one part does not hide it."""
    alone = {finding_kind(found) for part in parts for found in cached_findings(part)}
    # A statement twice (one managed policy on a user and on its group) grants nothing more: judged once.
    kept: dict[str, Mapping[str, Any]] = {}
    for part in parts:
        for statement in statements(document(part)):
            try:
                kept.setdefault(json.dumps(statement, sort_keys=True), statement)
            except (TypeError, ValueError):
                kept[str(id(statement))] = statement
    found = cached_findings({"Statement": list(kept.values())})
    return [said for said in found if finding_kind(said) not in alone]
