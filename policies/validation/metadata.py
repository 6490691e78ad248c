"""The API server's metadata rules, which no OpenAPI schema states: names, annotation and label keys and values.

Sources (kubernetes/kubernetes, staging/src/k8s.io/apimachinery):
- pkg/api/validation/objectmeta.go: ``ValidateObjectMeta`` (the name by the kind's name rule, the namespace a
  DNS-1123 label), ``ValidateAnnotations`` (each key, lower-cased, a qualified name) and
  ``TotalAnnotationSizeLimitB`` = 256 KiB (262144 bytes, keys and values together);
- pkg/apis/meta/v1/validation/validation.go: ``ValidateLabels`` (keys qualified names, values label values);
- pkg/util/validation/validation.go: ``IsQualifiedName`` (an optional DNS-1123 subdomain prefix of at most
  253 characters and ``/``, then a name of at most 63 characters of ``[A-Za-z0-9._-]`` starting and ending
  alphanumeric), ``IsValidLabelValue`` (empty, or such a name), ``IsDNS1123Subdomain`` (253),
  ``IsDNS1123Label`` and ``IsDNS1035Label`` (63);
- the kinds' own name rules: a Namespace's name is a DNS-1123 label (core/validation ``ValidateNamespaceName``),
  a Service's a DNS-1035 label (``ValidateServiceName``); the others here (and every custom resource,
  apiextensions' default) a DNS-1123 subdomain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from albingress.policies.validation.problem import CLUSTER_SCOPED, Problem, annotation_field, describe

QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
QUALIFIED_NAME_LENGTH = 63
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
LABEL_LENGTH = 63
SUBDOMAIN_LENGTH = 253
TOTAL_ANNOTATION_BYTES = 256 * 1024

LABEL_NAMED = frozenset({"Namespace"})
DNS1035_NAMED = frozenset({"Service"})


def qualified_name_problem(key: str) -> str | None:
    """Why ``key`` is not a qualified name (apimachinery ``IsQualifiedName``), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and "/" in prefix:
        return "a qualified name holds at most one '/'"
    if slash and not prefix:
        return "the prefix before '/' is empty"
    if slash and (len(prefix) > SUBDOMAIN_LENGTH or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return (
            f"the prefix {prefix!r} is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', "
            f"at most {SUBDOMAIN_LENGTH})"
        )
    if not name:
        return "the name part is empty"
    if len(name) > QUALIFIED_NAME_LENGTH:
        return f"the name part {name!r} is {len(name)} characters; the API server takes at most {QUALIFIED_NAME_LENGTH}"
    if not QUALIFIED_NAME.fullmatch(name):
        return (
            f"the name part {name!r} must be letters, digits, '-', '_' and '.', starting and ending with a letter "
            "or digit"
        )
    return None


def name_problem(kind: str, name: str) -> str | None:
    """Why the API server refuses ``name`` as a ``kind``'s name, or None."""
    if kind in LABEL_NAMED:
        ok, what, limit = DNS1123_LABEL.fullmatch(name), "a DNS-1123 label (lower-case letters, digits, '-')", 63
    elif kind in DNS1035_NAMED:
        ok, what, limit = DNS1035_LABEL.fullmatch(name), "a DNS-1035 label (starting with a letter)", 63
    else:
        ok, what, limit = DNS1123_SUBDOMAIN.fullmatch(name), "a DNS-1123 subdomain (lower-case, '-', '.')", 253
    if not ok or len(name) > limit:
        return f"{name!r} is not {what} of at most {limit} characters"
    return None


def problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    document = describe(obj)
    kind = str(obj.get("kind"))
    found: list[Problem] = []

    def add(field: str, rule: str, fix: str) -> None:
        found.append(Problem(document, index, field, rule, fix))

    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        add("metadata", "metadata must be a mapping with a name", "give metadata: {name: ...}")
        return found
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        if not metadata.get("generateName"):
            add("metadata.name", "the API server requires a name", "give metadata.name")
    else:
        why = name_problem(kind, name)
        if why:
            add("metadata.name", why + " (Kubernetes ValidateObjectMeta)", "rename it")
    namespace = metadata.get("namespace")
    bad_namespace = not isinstance(namespace, str) or len(namespace) > LABEL_LENGTH
    if (
        namespace is not None
        and kind not in CLUSTER_SCOPED
        and (bad_namespace or not DNS1123_LABEL.fullmatch(namespace))
    ):
        add("metadata.namespace", f"{namespace!r} is not a DNS-1123 label of at most 63", "use a valid namespace")
    labels = metadata.get("labels")
    if labels is not None and not isinstance(labels, Mapping):
        add("metadata.labels", "labels must be a mapping of text to text", "write them as key: value lines")
    for key, value in (labels or {}).items() if isinstance(labels, Mapping) else ():
        why = qualified_name_problem(str(key))
        if why:
            add(f'metadata.labels["{key}"]', f"label key: {why}", "shorten or rename the key")
        if not isinstance(value, str):
            add(f'metadata.labels["{key}"]', "a label value must be text", "quote the value")
        elif value and (len(value) > LABEL_LENGTH or not QUALIFIED_NAME.fullmatch(value)):
            add(
                f'metadata.labels["{key}"]',
                f"label value {value[:80]!r} is not at most 63 letters, digits, '-', '_', '.' starting and ending "
                "alphanumeric (apimachinery IsValidLabelValue)",
                "shorten or rewrite the value",
            )
    annotations = metadata.get("annotations")
    if annotations is not None and not isinstance(annotations, Mapping):
        add("metadata.annotations", "annotations must be a mapping of text to text", "write them as key: value lines")
        return found
    total = 0
    for key, value in (annotations or {}).items():
        # ValidateAnnotations checks the key lower-cased: an upper-case prefix passes.
        why = qualified_name_problem(str(key).lower())
        if why:
            add(annotation_field(str(key)), f"annotation key: {why}", "shorten or rename the key")
        if not isinstance(value, str):
            add(annotation_field(str(key)), "an annotation value must be text", "quote the value")
        total += len(str(key).encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_BYTES:
        add(
            "metadata.annotations",
            f"the annotations hold {total} bytes; the API server takes at most {TOTAL_ANNOTATION_BYTES} (256 KiB, "
            "keys and values together)",
            "move large values out of annotations",
        )
    return found
