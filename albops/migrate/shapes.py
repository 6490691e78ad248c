"""The shapes ``migrate`` reads, checked before anything is converted: a field in the wrong shape is bad input
(exit 2) naming the file, the document and the field, never a traceback and never a silent choice.

Real-world input holds what no API server stored: ``spec`` written as a string, ``metadata`` as a list,
``rules`` or ``paths`` as mappings, a port as text, a Service name as a number, an unknown ``pathType``. Each
would otherwise be skipped or guessed at by the conversion; the API server would refuse it (networking/v1
Ingress: ``service.port.number`` an int32, ``service.name`` a string, ``pathType`` one of three).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from albops.manifests import UnreadableError
from albops.migrate.reading import PATH_TYPES

# Kinds migrate reads into, not only passes through.
READ_KINDS = ("Ingress", "IngressClass", "ConfigMap", "Service")


def _type(value: Any) -> str:
    return {str: "text", int: "a number", float: "a number", bool: "a boolean", list: "a list", dict: "a mapping"}.get(
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


def _backend(backend: Any, where: str) -> Iterator[tuple[str, str]]:
    if not isinstance(backend, dict):
        yield where, f"a mapping, not {_type(backend)}"
        return
    if "serviceName" in backend:  # the v1beta1 form, read as reading.upgrade_ingress does
        if not isinstance(backend["serviceName"], str):
            yield f"{where}.serviceName", f"text, not {_type(backend['serviceName'])}"
        port = backend.get("servicePort")
        if isinstance(port, bool) or not isinstance(port, (int, str)):
            yield f"{where}.servicePort", f"a number or a port name, not {_type(port)}"
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
    if "number" in port and (isinstance(number, bool) or not isinstance(number, int)):
        yield f"{where}.service.port.number", f'a number (write 80, not "80"), not {_type(number)}'
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
    if document.get("kind") not in READ_KINDS:
        return
    for field, expected in _problems(document):
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        name = f"{metadata.get('namespace') or 'default'}/{metadata.get('name')}" if metadata else "(unnamed)"
        raise UnreadableError(f"{where} ({document.get('kind')} {name}): {field} must be {expected}; fix it there")
