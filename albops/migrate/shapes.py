"""The shapes ``migrate`` reads, checked before anything is converted: a field in the wrong shape is bad input
(exit 2) naming the file, the document and the field, never a traceback and never a silent choice.

Real-world input holds what no API server stored: ``spec`` written as a string, ``metadata`` as a list,
``rules`` or ``paths`` as mappings, a port as text, a Service name as a number, an unknown ``pathType``. Each
would otherwise be skipped or guessed at by the conversion; the API server would refuse it (networking/v1
Ingress: ``service.port.number`` an int32, ``service.name`` a string, ``pathType`` one of three).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from albops.manifests import UnreadableError
from albops.migrate.reading import PATH_TYPES, kubernetes_kind

# Kinds migrate reads into, not only passes through.
READ_KINDS = ("Ingress", "IngressClass", "ConfigMap", "Service", "Deployment", "DaemonSet")

# A Service port number as the API server takes it (k8s.io/kubernetes pkg/apis/core/validation
# ValidatePortNumOrName: IsValidPortNum, 1..65535).
PORT_MIN, PORT_MAX = 1, 65535


def _type(value: Any) -> str:
    if isinstance(value, float):  # YAML's .nan and .inf are floats too: "not a number" would read as nonsense
        return "NaN" if math.isnan(value) else "infinity" if math.isinf(value) else f"the fraction {value!r}"
    return {str: "text", int: "a number", bool: "a boolean", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def _problems(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, what it should be) for every misshapen field of an object migrate reads."""
    for key in ("metadata", "spec"):
        if key in obj and not isinstance(obj[key], dict):
            yield key, f"a mapping, not {_type(obj[key])}"
    metadata: Any = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    for key in ("annotations", "labels"):
        value = metadata.get(key)
        if value is not None and not isinstance(value, dict):
            yield f"metadata.{key}", f"a mapping of text to text, not {_type(value)}"
        for name, text in (value or {}).items() if isinstance(value, dict) else ():
            if isinstance(text, (dict, list)):
                yield f"metadata.{key}.{name}", f"text, not {_type(text)} (quote it)"
    for key in ("name", "namespace"):
        if key in metadata and not isinstance(metadata[key], str):
            yield f"metadata.{key}", f"text, not {_type(metadata[key])}"
    if obj.get("kind") == "ConfigMap" and obj.get("data") is not None and not isinstance(obj.get("data"), dict):
        yield "data", f"a mapping, not {_type(obj.get('data'))}"
    if obj.get("kind") == "ConfigMap" and isinstance(obj.get("data"), dict):
        for name, text in obj["data"].items():
            if isinstance(text, (dict, list)):
                yield f"data.{name}", f"text, not {_type(text)} (quote it)"
    if obj.get("kind") in ("Deployment", "DaemonSet", "Service", "IngressClass"):
        yield from _install_problems(obj)
    if obj.get("kind") != "Ingress" or not isinstance(obj.get("spec"), dict):
        return
    spec = obj["spec"]
    for key in ("rules", "tls"):
        if key in spec and spec[key] is not None and not isinstance(spec[key], list):
            yield f"spec.{key}", f"a list, not {_type(spec[key])}"
    for key in ("defaultBackend", "backend"):
        if spec.get(key) is not None:
            yield from _backend(spec[key], f"spec.{key}")
    for r, rule in enumerate(spec.get("rules") or [] if isinstance(spec.get("rules"), list) else []):
        where = f"spec.rules[{r}]"
        if not isinstance(rule, dict):
            yield where, f"a mapping, not {_type(rule)}"
            continue
        if rule.get("host") is not None and not isinstance(rule["host"], str):
            yield f"{where}.host", f"text, not {_type(rule['host'])}"
        http = rule.get("http")
        if http is None:
            continue
        if not isinstance(http, dict):
            yield f"{where}.http", f"a mapping, not {_type(http)}"
            continue
        paths = http.get("paths")
        if not isinstance(paths, list):
            yield f"{where}.http.paths", f"a list, not {_type(paths)}"
            continue
        for p, path in enumerate(paths):
            here = f"{where}.http.paths[{p}]"
            if not isinstance(path, dict):
                yield here, f"a mapping, not {_type(path)}"
                continue
            if path.get("path") is not None and not isinstance(path["path"], str):
                yield f"{here}.path", f"text, not {_type(path['path'])}"
            if "pathType" in path and path["pathType"] not in PATH_TYPES:
                yield f"{here}.pathType", f"one of {', '.join(PATH_TYPES)}, not {path['pathType']!r}"
            yield from _backend(path.get("backend"), f"{here}.backend")


def _install_problems(obj: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The fields of an install's objects migrate reads facts from (controller flags, the NLB Service, the
    IngressClass): a string where the API server takes a list would otherwise read as no flags at all."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    kind = obj.get("kind")
    if kind == "IngressClass":
        return  # spec itself is checked above
    if kind == "Service":
        if spec.get("ports") is not None and not isinstance(spec["ports"], list):
            yield "spec.ports", f"a list, not {_type(spec['ports'])}"
        for i, entry in enumerate(spec.get("ports") or [] if isinstance(spec.get("ports"), list) else []):
            if not isinstance(entry, dict):
                yield f"spec.ports[{i}]", f"a mapping, not {_type(entry)}"
        if spec.get("selector") is not None and not isinstance(spec["selector"], dict):
            yield "spec.selector", f"a mapping, not {_type(spec['selector'])}"
        return
    template = spec.get("template")
    if template is None:
        return
    if not isinstance(template, dict):
        yield "spec.template", f"a mapping, not {_type(template)}"
        return
    pod = template.get("spec")
    if pod is None:
        return
    if not isinstance(pod, dict):
        yield "spec.template.spec", f"a mapping, not {_type(pod)}"
        return
    containers = pod.get("containers")
    if containers is not None and not isinstance(containers, list):
        yield "spec.template.spec.containers", f"a list, not {_type(containers)}"
        return
    for c, container in enumerate(containers or []):
        where = f"spec.template.spec.containers[{c}]"
        if not isinstance(container, dict):
            yield where, f"a mapping, not {_type(container)}"
            continue
        for key in ("args", "command"):
            value = container.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                yield f"{where}.{key}", f"a list of text (one item per flag), not {_type(value)}"
                continue
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    yield f"{where}.{key}[{i}]", f"text, not {_type(item)} (quote it)"
        env = container.get("env")
        if env is not None and not isinstance(env, list):
            yield f"{where}.env", f"a list of name/value mappings, not {_type(env)}"
            continue
        for i, item in enumerate(env or []):
            if not isinstance(item, dict):
                yield f"{where}.env[{i}]", f"a mapping with name and value, not {_type(item)}"
            elif item.get("value") is not None and not isinstance(item["value"], str):
                yield f"{where}.env[{i}].value", f"text, not {_type(item['value'])} (quote it)"


def _backend(backend: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(backend, dict):
        yield where, f"a mapping, not {_type(backend)}"
        return
    if "serviceName" in backend:  # the v1beta1 form, read as reading.upgrade_ingress does
        if not isinstance(backend["serviceName"], str):
            yield f"{where}.serviceName", f"text, not {_type(backend['serviceName'])}"
        port = backend.get("servicePort")
        if isinstance(port, bool) or not isinstance(port, (int, str)):
            yield (
                f"{where}.servicePort",
                f"a port number from {PORT_MIN} to {PORT_MAX} or a port name, not {_type(port)}",
            )
        elif isinstance(port, int) and not PORT_MIN <= port <= PORT_MAX:
            yield f"{where}.servicePort", f"a port number from {PORT_MIN} to {PORT_MAX}, not {port}"
        return
    service = backend.get("service")
    if service is None:
        return
    if not isinstance(service, dict):
        yield f"{where}.service", f"a mapping, not {_type(service)}"
        return
    if not isinstance(service.get("name"), str):
        yield f"{where}.service.name", f"text (the Service's name), not {_type(service.get('name'))}"
    port = service.get("port")
    if not isinstance(port, dict):
        yield f"{where}.service.port", f"a mapping with number or name, not {_type(port)}"
        return
    number = port.get("number")
    if "number" in port:
        if isinstance(number, float):
            yield f"{where}.service.port.number", f"a whole number from {PORT_MIN} to {PORT_MAX}, not {_type(number)}"
        elif isinstance(number, bool) or not isinstance(number, int):
            yield f"{where}.service.port.number", f'a number (write 80, not "80"), not {_type(number)}'
        elif not PORT_MIN <= number <= PORT_MAX:
            yield f"{where}.service.port.number", f"a port number from {PORT_MIN} to {PORT_MAX}, not {number}"
    if "name" in port and not isinstance(port.get("name"), str):
        yield f"{where}.service.port.name", f"text, not {_type(port.get('name'))}"


def check_shape(document: Any, where: str) -> None:
    """Raise UnreadableError naming ``where`` (file and document), the object and the field, at the first misshapen
    field of an object migrate reads (the items of a List included)."""
    if not isinstance(document, dict):
        return
    items = document.get("items")
    if str(document.get("kind", "")).endswith("List") and isinstance(items, list):
        for i, item in enumerate(items):
            check_shape(item, f"{where} item {i + 1}")
        return
    if document.get("kind") not in READ_KINDS or kubernetes_kind(document) is None:
        return  # not read, or a kind of that name in another API group (Voyager's Ingress, Knative's Service)
    for field, expected in _problems(document):
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        name = f"{metadata.get('namespace') or 'default'}/{metadata.get('name')}" if metadata else "(unnamed)"
        raise UnreadableError(
            f"{where} ({document.get('kind')} {name}): {field} must be {expected}; fix it there, or leave that "
            "file out (nothing is converted while one input is refused)"
        )
