"""``albops check``: the guardrail rules over Kubernetes YAML and IAM JSON written by anyone.

Reads files and directories (``*.yaml``, ``*.yml``, ``*.json``), multi-document YAML, ``List`` objects
as ``kubectl get -o yaml`` prints them, and IAM policy documents (a document whose statements name a
``Principal`` is a trust policy). Every file that cannot be read is named, without a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from albingress.facts.managed_policies import document_for_arn
from albingress.policies import iam_judge
from albingress.policies.review import IAM_POLICY, IAM_ROLE, Resource, Violation
from albops.manifests import YAML_SUFFIXES, UnreadableError, documents, read_files, refusal

SUFFIXES = (*YAML_SUFFIXES, ".json")


def kubernetes_type(api_version: str, kind: str) -> str:
    """The Pulumi type token of a Kubernetes object (``v1`` is the core group)."""
    group, _, version = api_version.rpartition("/")
    return f"kubernetes:{group or 'core'}/{version}:{kind}"


def _objects(document: Any, where: str = "") -> Iterator[dict[str, Any]]:
    """The objects of a document: itself, a JSON array's, or a List's items. A typed list's items (an IngressList,
    as ``kubectl get --raw`` prints it) carry no apiVersion or kind of their own: they take the list's, as the
    API server means them. An item that is no object is refused, naming it: skipped, it would pass unjudged."""
    if isinstance(document, list):
        for item in document:
            yield from _objects(item, where)
    elif isinstance(document, dict):
        kind = str(document.get("kind", ""))
        items = document.get("items")
        if kind.endswith("List") and isinstance(items, list):
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    found = "null" if item is None else type(item).__name__
                    raise UnreadableError(f"{where}: item {index + 1} of the {kind} is {found}, not an object")
                if kind != "List" and "kind" not in item and "apiVersion" not in item:
                    item = {"apiVersion": document.get("apiVersion"), "kind": kind.removesuffix("List"), **item}
                yield from _objects(item, where)
        else:
            yield document


def resources_from(path: Path) -> list[Resource]:
    return _resources(path.name, documents(path))


def _origins(source: str, docs: list[Any]) -> list[str]:
    """Where each resource ``_resources(source, docs)`` returns came from: ``FILE document N`` (N from 1)."""
    return [
        f"{source} document {index + 1}" for index, document in enumerate(docs) for _ in _resources(source, [document])
    ]


def _document(value: Any) -> dict[str, Any] | None:
    """An IAM document as the AWS CLI prints it: a mapping, or its URL-encoded JSON text (what the IAM API
    itself returns)."""
    if isinstance(value, str):
        try:
            value = json.loads(urllib.parse.unquote(value))
        except (ValueError, RecursionError):
            return None
    return dict(value) if isinstance(value, dict) and "Statement" in value else None


def _iam_documents(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The IAM documents in an object, named by where they sit: a document itself, or what ``aws iam``
    prints around them (get-policy-version, get-role, get-role-policy / get-user-policy, list-roles,
    get-account-authorization-details: every role's, user's and group's inline documents, every managed
    policy's default version, every role's trust policy)."""
    if "Statement" in obj:
        return [("", obj)]
    found: list[tuple[str, dict[str, Any] | None]] = []
    version = obj.get("PolicyVersion")
    if isinstance(version, dict):
        found.append(("", _document(version.get("Document"))))
    if isinstance(obj.get("Role"), dict):
        found.append(("", _document(obj["Role"].get("AssumeRolePolicyDocument"))))
    if "PolicyDocument" in obj:
        found.append((f" {obj.get('PolicyName', '')}".rstrip(), _document(obj["PolicyDocument"])))
    for key in ("Roles", "RoleDetailList", "UserDetailList", "GroupDetailList", "Policies"):
        for item in obj.get(key) or [] if isinstance(obj.get(key), list) else []:
            if not isinstance(item, dict):
                continue
            if key == "Policies" and ":iam::aws:policy/" in str(item.get("Arn")):
                continue  # AWS's own: judged on each holder it is attached to (_aws_managed), as the plan does
            name = str(item.get("RoleName") or item.get("UserName") or item.get("GroupName") or item.get("PolicyName"))
            if "AssumeRolePolicyDocument" in item:
                found.append((f" {name} trust", _document(item["AssumeRolePolicyDocument"])))
            for inline in item.get("RolePolicyList") or item.get("UserPolicyList") or item.get("GroupPolicyList") or []:
                if isinstance(inline, dict):
                    found.append((f" {name} {inline.get('PolicyName')}", _document(inline.get("PolicyDocument"))))
            for listed in item.get("PolicyVersionList") or []:
                if isinstance(listed, dict) and listed.get("IsDefaultVersion"):
                    found.append((f" {name}", _document(listed.get("Document"))))
    return [(label, doc) for label, doc in found if doc is not None]


def _listed(holder: dict[str, Any], key: str, where: str) -> list[Any]:
    """A list field of a get-account-authorization-details entry; anything but a list (or nothing) is refused:
    read otherwise (a string letter by letter, a number not at all), what it names would go unjudged."""
    value = holder.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise UnreadableError(
            f"{where}: {key} is {type(value).__name__} {str(value)[:60]!r}, not a list as "
            "get-account-authorization-details writes it; give the command's own output"
        )
    return value


def _own_documents(
    holder: dict[str, Any], managed: dict[str, dict[str, Any]], where: str
) -> tuple[list[dict[str, Any]], bool]:
    """A role's, user's or group's own permission documents (inline, then the managed ones attached: the listing's
    default version, else this tool's snapshot of an AWS one), and whether any is not AWS managed."""
    inline = [
        _document(p.get("PolicyDocument"))
        for key in ("RolePolicyList", "UserPolicyList", "GroupPolicyList")
        for p in _listed(holder, key, where)
        if isinstance(p, dict)
    ]
    arns = [str(a.get("PolicyArn")) for a in _listed(holder, "AttachedManagedPolicies", where) if isinstance(a, dict)]
    found = [d for d in inline if d is not None]
    for arn in dict.fromkeys(arns):
        document = managed.get(arn) or (document_for_arn(arn) if ":iam::aws:policy/" in arn else None)
        if document is not None:
            found.append(document)
    return found, bool(inline) or any(":iam::aws:policy/" not in arn for arn in arns)


def _together(obj: dict[str, Any], where: str = "") -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """Per role, user and group of get-account-authorization-details with two permission documents or more (its
    inline ones and the default versions of the managed ones attached, as listed under Policies; a user's
    groups' too): one document of all their statements, and the parts it was made of. IAM grants the union, a
    user's groups' policies included, so PassRole in one and RunInstances in another escalate as if written
    together; judged apart, neither is. A user's group counts as one part (its documents together), so what a
    group's policies give together is said once, for the group, not again for each member."""
    managed = _default_versions(obj)
    groups: dict[str, list[dict[str, Any]]] = {}
    for group in _listed(obj, "GroupDetailList", where):
        if isinstance(group, dict) and isinstance(group.get("GroupName"), str):
            groups.setdefault(group["GroupName"], []).append(group)  # two of a name (merged listings): both
    found: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = []
    group_parts: dict[str, tuple[dict[str, Any] | None, bool]] = {}
    said: set[tuple[str, str]] = set()
    for key in ("RoleDetailList", "UserDetailList", "GroupDetailList"):
        for index, item in enumerate(_listed(obj, key, where)):
            if not isinstance(item, dict):
                continue
            at = f"{where}: {key}[{index}]"
            name = str(item.get("RoleName") or item.get("UserName") or item.get("GroupName") or f"{key}[{index}]")
            if item.get("PermissionsBoundary") or str(item.get("Path", "")).startswith("/aws-service-role/"):
                # A boundary intersects what the policies grant (not modelled here, so not said either way); a
                # service-linked role's policies are AWS's, and no one can change them.
                continue
            parts, customer = _own_documents(item, managed, at)
            members = _listed(item, "GroupList", at) if key == "UserDetailList" else []
            via = [str(g) for g in dict.fromkeys(str(g) for g in members) if str(g) in groups]
            for group_name in via:
                if group_name not in group_parts:  # made once per group, shared by its members
                    documents: list[dict[str, Any]] = []
                    theirs = False
                    for group in groups[group_name]:
                        more, other = _own_documents(group, managed, at)
                        documents, theirs = documents + more, theirs or other
                    statements = [s for d in documents for s in iam_judge.statements(d)]
                    group_parts[group_name] = ({"Statement": statements} if statements else None, theirs)
                part, theirs = group_parts[group_name]
                customer = customer or theirs
                if part is not None:
                    parts.append(part)
            if len(parts) < 2 or not customer:
                continue  # one document, or only AWS managed ones (each judged as itself, for what it grants)
            statements = [statement for part in parts for statement in iam_judge.statements(part)]
            with_groups = f", with its groups {', '.join(via)}" if via else ""
            label = f" {name} (its {len(parts)} policies together{with_groups})"
            seen = (label, json.dumps(statements, sort_keys=True, default=str))
            if seen in said:
                continue  # the same holder listed twice (merged listings): said once
            said.add(seen)
            found.append((label, {"Statement": statements}, parts))
    return found


def _aws_managed(obj: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The AWS managed policies attached to a role, user or group of get-account-authorization-details, each
    judged on its holder as the plan judges an attachment: the listing's default version, or this tool's
    snapshot where the listing leaves it out (it lists managed policies only with no --filter or
    AWSManagedPolicy): a role holding AdministratorAccess alone must not pass. Not for a service-linked role
    (AWS's own, no one can change it) or a role only EKS's control plane may assume (it runs no one's code)."""
    listed = _default_versions(obj)
    found: list[tuple[str, dict[str, Any]]] = []
    for key in ("RoleDetailList", "UserDetailList", "GroupDetailList"):
        for item in obj.get(key) or [] if isinstance(obj.get(key), list) else []:
            if not isinstance(item, dict) or str(item.get("Path", "")).startswith("/aws-service-role/"):
                continue
            if iam_judge.control_plane_only(_document(item.get("AssumeRolePolicyDocument"))):
                continue
            name = str(item.get("RoleName") or item.get("UserName") or item.get("GroupName"))
            for attached in item.get("AttachedManagedPolicies") or []:
                arn = str(attached.get("PolicyArn")) if isinstance(attached, dict) else ""
                if ":iam::aws:policy/" not in arn:
                    continue  # the customer's own: judged as the listing's document
                document = listed.get(arn) or document_for_arn(arn)
                if document is not None:
                    found.append((f" {name} attaches {arn.rsplit('/', 1)[-1]}", document))
    return found


def _default_versions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The default version's document of each managed policy a get-account-authorization-details lists, by ARN."""
    found: dict[str, dict[str, Any]] = {}
    for policy in obj.get("Policies") or [] if isinstance(obj.get("Policies"), list) else []:
        for version in policy.get("PolicyVersionList") or [] if isinstance(policy, dict) else []:
            document = _document(version.get("Document")) if isinstance(version, dict) else None
            if document is not None and version.get("IsDefaultVersion"):
                found[str(policy.get("Arn"))] = document
    return found


_LISTING = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")
_LISTING_ITEMS = (
    "RolePolicyList",
    "UserPolicyList",
    "GroupPolicyList",
    "AttachedManagedPolicies",
    "GroupList",
    "PolicyVersionList",
)


def _check_listing(obj: dict[str, Any], where: str) -> None:
    """A get-account-authorization-details document's lists are lists, as the command writes them: one of
    another shape would be read as nothing (or a string letter by letter), and what it holds go unjudged."""
    for key in _LISTING:
        for index, item in enumerate(_listed(obj, key, where)):
            if isinstance(item, dict):
                for field in _LISTING_ITEMS:
                    _listed(item, field, f"{where}: {key}[{index}]")


def _resources(source: str, docs: list[Any], path: str = "") -> list[Resource]:
    """The objects of ``docs``, named after ``source`` (a file's name); a refusal names ``path`` (its full path)."""
    found: list[Resource] = []
    for index, document in enumerate(docs):
        for obj in _objects(document, f"{path or source}: document {index + 1}"):
            if any(key in obj for key in _LISTING):
                _check_listing(obj, f"{path or source}: document {index + 1}")
            iam = _iam_documents(obj)
            for label, doc in iam:
                statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
                trust = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements)
                props: dict[str, Any] = {"assumeRolePolicy": doc} if trust else {"policy": doc}
                if trust and not (label.endswith(" trust") or "Role" in obj):
                    props["kindInferred"] = True  # a trust or a resource-based policy: not said which
                found.append(Resource(IAM_ROLE if trust else IAM_POLICY, f"{source}#{index}{label}", props))
            for label, doc, parts in _together(obj, f"{path or source}: document {index + 1}"):
                found.append(Resource(IAM_POLICY, f"{source}#{index}{label}", {"policy": doc, "parts": parts}))
            for label, doc in _aws_managed(obj):
                found.append(Resource(IAM_POLICY, f"{source}#{index}{label}", {"policy": doc, "awsManaged": True}))
            if not iam and isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str):
                if _client_side(obj):
                    continue  # a tool's own file (kustomize, kubeconfig, kind): never sent to the API server
                _check_shape(obj, f"{path or source}: document {index + 1}")
                metadata = obj.get("metadata")
                named = metadata.get("name") if isinstance(metadata, dict) else None
                name = str(named or f"{source}#{index}")
                found.append(Resource(kubernetes_type(obj["apiVersion"], obj["kind"]), name, obj))
    return found


def _a(value: Any) -> str:
    """What YAML made of a value, with its article: "a list", "an int"."""
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


# Files with apiVersion and kind that tools read and the API server never sees: kustomize's, kubeconfig, kind's
# cluster config. Like a Helm Chart.yaml or a values file (which lack one of the two), they are passed over.
_CLIENT_SIDE_GROUPS = ("kustomize.config.k8s.io/", "kind.x-k8s.io/", "ctlptl.dev/", "skaffold/")


def _client_side(obj: Mapping[str, Any]) -> bool:
    version = str(obj.get("apiVersion"))
    if version.startswith(_CLIENT_SIDE_GROUPS):
        return True
    return version == "v1" and obj.get("kind") == "Config" and ("clusters" in obj or "contexts" in obj)


def _check_shape(obj: dict[str, Any], where: str) -> None:
    """The fields every Kubernetes object has, in the shape the API server requires; anything else is bad input."""
    kind = str(obj.get("kind"))
    for key in ("metadata", "spec"):
        if key in obj and not isinstance(obj[key], dict):
            raise UnreadableError(f"{where}: {kind}'s {key} is {_a(obj[key])}, not a mapping")
    if kind.endswith("List") and not isinstance(obj.get("items"), list):
        raise UnreadableError(f"{where}: a {kind} without a list of items")
    if kind == "Ingress" and obj.get("apiVersion") in ("extensions/v1beta1", "networking.k8s.io/v1beta1"):
        raise UnreadableError(
            f"{where}: Ingress of apiVersion {obj['apiVersion']}, which Kubernetes has not served since 1.22 (the "
            "API server refuses it): write it as networking.k8s.io/v1 (`albops migrate` converts an "
            "ingress-nginx one)"
        )


def load(paths: Iterable[Path]) -> list[Resource]:
    """Every object of every path; ``-`` is standard input (``albops migrate in.yaml | albops check -``)."""
    return load_with_origins(paths)[0]


def load_with_origins(paths: Iterable[Path]) -> tuple[list[Resource], list[str]]:
    """``load``'s resources and, for each, the file and document it came from (``path/x.yaml document 3``).

    Every path is read before one UnreadableError names each refused input, as ``migrate`` does.
    """
    resources: list[Resource] = []
    origins: list[str] = []
    files, refused = read_files([str(p) for p in paths], SUFFIXES)
    for name, docs in files:
        source = name if name == "stdin" else Path(name).name
        try:
            found = _resources(source, docs, name)
        except UnreadableError as error:
            refused.append(str(error))
            continue
        resources.extend(found)
        origins.extend(_origins(name, docs))
    if refused:
        raise refusal(refused)
    return resources, origins


def validation_violations(resources: Iterable[Resource], origins: list[str] | None = None) -> list[Violation]:
    """What the project's one validator (components.validation: the Kubernetes schema, the API server's metadata
    rules, the CRD limits, the controller's rules) finds in the Kubernetes objects read: the same findings
    ``migrate`` refuses to write. What the API server refuses is bad input (exit 2), as the guardrails treat it,
    and so is a number field given text (whoever refuses it); what the controller refuses otherwise is a
    violation (exit 1), as the guardrails' controller rules are. With ``origins`` (``load_with_origins``), each
    finding also names the file and document it is in, so a reader finds it among many files."""
    from albingress.policies.validation import validate

    resources = list(resources)
    kubernetes = [i for i, r in enumerate(resources) if r.type.startswith("kubernetes:")]
    found: list[Violation] = []
    for p in validate([resources[i].props for i in kubernetes]):
        bad_input = p.by == "api-server" or p.not_a_number
        where = p.document
        if origins is not None and 0 <= p.index < len(kubernetes):  # among many files, say where it is
            where = f"{p.document} ({origins[kubernetes[p.index]]})"
        rule = "k8s-validation" if p.group is None else "alb-group-agreement"
        found.append(Violation(rule, where, f"{p.field}: {p.rule}", p.fix, bad_input=bad_input))
    return found


def _key(field: str) -> str:
    """The key a finding is about: an annotation's name after its prefix, else the field's last name."""
    if field.startswith('metadata.annotations["'):
        return field.removeprefix('metadata.annotations["').removesuffix('"]').rpartition("/")[2]
    return field.rsplit(".", 1)[-1].split("[", 1)[0]


def _same_object(resource: str, finding: Violation) -> bool:
    """Whether a guardrail's ``resource`` is the finding's object, or its ALB group (``group NAME``)."""
    if resource.startswith("group "):
        return f"ALB group {resource.removeprefix('group ')!r}" in finding.message
    return resource == finding.resource


def without_repeats(violations: list[Violation], found: list[Violation]) -> list[Violation]:
    """``found`` less what a guardrail already says about the same object and key: the guardrails know more
    (IngressClassParams, cluster facts), and one thing is reported once."""
    said = [(v.resource.split(" container ")[0], v.message + " " + v.fix) for v in violations]
    return [
        f
        for f in found
        if not any(_same_object(resource, f) and _key(f.message.split(": ", 1)[0]) in text for resource, text in said)
    ]


def combined(violations: list[Violation], found: list[Violation]) -> list[Violation]:
    """The guardrails' ``violations`` and the validator's ``found``, one line per problem.

    A finding a guardrail already reports is left out (``without_repeats``); when that finding is bad input (a
    value of the wrong kind), the guardrail's line takes its exit code (bad input) and where it is (the file and
    document after ``Kind namespace/name``), so the one line says all of it.
    """
    result = list(violations)
    for finding in found:
        plain, _, rest = finding.resource.partition(" (")
        origin = f" ({rest}" if rest else ""
        bare = dataclasses.replace(finding, resource=plain)
        covering = [i for i, v in enumerate(violations) if not without_repeats([v], [bare])]
        if not covering:
            result.append(finding)
            continue
        if not finding.bad_input:
            continue
        for i in covering:
            where = result[i].resource
            if origin and where.startswith(plain) and origin not in where:
                where = plain + origin + where[len(plain) :]
            result[i] = dataclasses.replace(result[i], resource=where, bad_input=True)
    return result


def with_origins(violations: list[Violation], resources: list[Resource], origins: list[str]) -> list[Violation]:
    """Among several files, each guardrail finding about a Kubernetes object says where the object is (``FILE
    document N`` after ``Kind namespace/name``), as the validator's findings do: ``Ingress shop/web`` alone does not
    say which of a folder's files to mend. An object of one name in two places is left as it is."""
    if len({origin.rsplit(" document ", 1)[0] for origin in origins}) < 2:
        return violations
    from albingress.policies.review import display

    places: dict[str, set[str]] = {}
    for resource, origin in zip(resources, origins, strict=False):
        if not resource.type.startswith("aws:"):
            places.setdefault(display(resource), set()).add(origin)
    result = []
    for violation in violations:
        found = places.get(violation.resource)
        if found is not None and len(found) == 1:
            violation = dataclasses.replace(violation, resource=f"{violation.resource} ({next(iter(found))})")
        result.append(violation)
    return result
