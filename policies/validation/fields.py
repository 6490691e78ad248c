"""The API server's rules on fields no OpenAPI schema bounds: port numbers and the IngressClass name of an
Ingress. The schema says only "int32" or "string"; the API server (or the CRD) refuses more.

Sources:
- kubernetes/kubernetes pkg/apis/networking/validation/validation.go: ``validateHTTPIngressPath`` takes a pathType
  of Exact, Prefix or ImplementationSpecific only; ``validateIngressBackend`` checks a
  Service backend's port number with ``ValidatePortNum`` (1..65535, apimachinery ``IsValidPortNum``), and
  ``ValidateIngressSpec`` the ``ingressClassName`` with ``ValidateIngressClassName`` (a DNS-1123 subdomain);
- kubernetes-sigs/gateway-api v1.6.0, the HTTPRoute and GRPCRoute CRDs: ``backendRefs[].port`` minimum 1,
  maximum 65535.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from albingress.policies.validation.metadata import DNS1123_SUBDOMAIN, SUBDOMAIN_LENGTH
from albingress.policies.validation.problem import Problem, describe

PORT_MIN, PORT_MAX = 1, 65535
# kubernetes pkg/apis/networking/validation validateHTTPIngressPath: supportedPathTypes.
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")


def _port_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"port {value!r} is not a whole number"
    if not PORT_MIN <= value <= PORT_MAX:
        return f"port {value} is not within {PORT_MIN}..{PORT_MAX}"
    return None


# apimachinery pkg/util/validation IsValidPortName: at most 15 of [-a-z0-9], a letter among them, no "--", no '-'
# at either end. A number written as text ("8080") is therefore no port name: the API server refuses it.
_PORT_NAME_LENGTH = 15


def _port_or_name_problem(value: Any) -> str | None:
    """``ValidatePortNumOrName`` (kubernetes pkg/apis/core/validation) of an int-or-string port."""
    if isinstance(value, str):
        valid = (
            0 < len(value) <= _PORT_NAME_LENGTH
            and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in value)
            and any(c.isalpha() for c in value)
            and "--" not in value
            and not value.startswith("-")
            and not value.endswith("-")
        )
        if valid:
            return None
        if value.strip().lstrip("+-").isdigit():
            return f"port {value!r} is a number written as text: a port name needs a letter (IsValidPortName)"
        return f"port {value!r} is neither a whole number nor a port name (IsValidPortName: a-z, 0-9, '-', 1-15)"
    return _port_problem(value)


def _int_or_string_ports(node: Any, field: str) -> Iterator[tuple[str, Any]]:
    """(field, port) of every ``httpGet``/``tcpSocket`` port (probes, lifecycle hooks) under ``node``."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            where = f"{field}.{key}" if field else str(key)
            if key in ("httpGet", "tcpSocket") and isinstance(value, Mapping) and "port" in value:
                yield f"{where}.port", value["port"]
            else:
                yield from _int_or_string_ports(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _int_or_string_ports(item, f"{field}[{i}]")


def _ingress_backends(spec: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(field, backend) of every backend of an Ingress spec."""
    for key in ("defaultBackend", "backend"):
        if key in spec:
            yield f"spec.{key}", spec[key]
    rules = spec.get("rules")
    for r, rule in enumerate(rules if isinstance(rules, list) else []):
        http = rule.get("http") if isinstance(rule, Mapping) else None
        paths = http.get("paths") if isinstance(http, Mapping) else None
        for p, path in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(path, Mapping):
                yield f"spec.rules[{r}].http.paths[{p}].backend", path.get("backend")


def problems(obj: Mapping[str, Any], index: int) -> list[Problem]:
    kind = str(obj.get("kind"))
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        return []
    found: list[Problem] = []
    ports = list(_int_or_string_ports(spec, "spec"))
    if kind == "Service" and isinstance(spec.get("ports"), list):
        ports += [
            (f"spec.ports[{i}].targetPort", p["targetPort"])
            for i, p in enumerate(spec["ports"])
            if isinstance(p, Mapping) and "targetPort" in p
        ]
    if kind == "TargetGroupBinding" and isinstance(spec.get("serviceRef"), Mapping) and "port" in spec["serviceRef"]:
        ports.append(("spec.serviceRef.port", spec["serviceRef"]["port"]))
    # Fields that hold only a port number (Kubernetes ValidatePortNum: 1..65535): a Service's port, a container's
    # containerPort; and replicas, which ValidateNonnegativeField keeps >= 0.
    numbers: list[tuple[str, Any]] = []
    if kind == "Service" and isinstance(spec.get("ports"), list):
        numbers += [
            (f"spec.ports[{i}].port", p["port"])
            for i, p in enumerate(spec["ports"])
            if isinstance(p, Mapping) and p.get("port") is not None
        ]
    template = spec.get("template")
    pod, at = (template.get("spec"), "spec.template.spec") if isinstance(template, Mapping) else (spec, "spec")
    if isinstance(pod, Mapping) and kind in ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        for group in ("initContainers", "containers"):
            containers = pod.get(group)
            for c, container in enumerate(containers if isinstance(containers, list) else []):
                declared = container.get("ports") if isinstance(container, Mapping) else None
                for n, port in enumerate(declared if isinstance(declared, list) else []):
                    if isinstance(port, Mapping) and port.get("containerPort") is not None:
                        numbers.append((f"{at}.{group}[{c}].ports[{n}].containerPort", port["containerPort"]))
    # (field, value, its problem or None, the Kubernetes rule, the fix), numbers then numbers-or-names
    checks = [(f, v, _port_problem(v), "ValidatePortNum", "give a port number from 1 to 65535") for f, v in numbers]
    name_fix = "give the port's number (1..65535) or the container port's name"
    checks += [(f, v, _port_or_name_problem(v), "ValidatePortNumOrName", name_fix) for f, v in ports]
    found += [
        Problem(describe(obj), index, field, f"{why} (Kubernetes {rule})", fix, not_a_number=True)
        for field, _, why, rule, fix in checks
        if why
    ]
    replicas = spec.get("replicas")
    if kind in ("Deployment", "StatefulSet", "ReplicaSet") and isinstance(replicas, int) and replicas < 0:
        found.append(
            Problem(
                describe(obj),
                index,
                "spec.replicas",
                f"replicas {replicas} is negative (Kubernetes ValidateNonnegativeField)",
                "give 0 or more",
                not_a_number=True,
            )
        )

    if kind == "Ingress":
        name = spec.get("ingressClassName")
        if name is not None and (
            not isinstance(name, str) or len(name) > SUBDOMAIN_LENGTH or not DNS1123_SUBDOMAIN.fullmatch(name)
        ):
            found.append(
                Problem(
                    describe(obj),
                    index,
                    "spec.ingressClassName",
                    f"{name!r} is not a DNS-1123 subdomain (lower-case letters, digits, '-', '.'; Kubernetes "
                    "ValidateIngressClassName)",
                    "name an IngressClass that exists, e.g. alb",
                )
            )
        rules = spec.get("rules")
        for r, rule in enumerate(rules if isinstance(rules, list) else []):
            http = rule.get("http") if isinstance(rule, Mapping) else None
            paths = http.get("paths") if isinstance(http, Mapping) else None
            for p, path in enumerate(paths if isinstance(paths, list) else []):
                path_type = path.get("pathType") if isinstance(path, Mapping) else None
                if path_type is not None and path_type not in PATH_TYPES:
                    found.append(
                        Problem(
                            describe(obj),
                            index,
                            f"spec.rules[{r}].http.paths[{p}].pathType",
                            f"{path_type!r} is not one of {', '.join(PATH_TYPES)} (Kubernetes validateHTTPIngressPath: "
                            "supported values, case and all)",
                            "write Exact, Prefix or ImplementationSpecific",
                        )
                    )
        for field, backend in _ingress_backends(spec):
            service = backend.get("service") if isinstance(backend, Mapping) else None
            port = service.get("port") if isinstance(service, Mapping) else None
            if isinstance(port, Mapping) and "number" in port:
                why = _port_problem(port["number"])
                if why:
                    found.append(
                        Problem(
                            describe(obj),
                            index,
                            f"{field}.service.port.number",
                            why + " (Kubernetes validateIngressBackend, ValidatePortNum)",
                            "give the Service's port, 1..65535",
                            not_a_number=True,
                        )
                    )
    elif kind in ("HTTPRoute", "GRPCRoute") and str(obj.get("apiVersion", "")).startswith("gateway.networking.k8s.io/"):
        rules = spec.get("rules")
        for r, rule in enumerate(rules if isinstance(rules, list) else []):
            refs = rule.get("backendRefs") if isinstance(rule, Mapping) else None
            for b, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, Mapping) and "port" in ref:
                    why = _port_problem(ref["port"])
                    if why:
                        found.append(
                            Problem(
                                describe(obj),
                                index,
                                f"spec.rules[{r}].backendRefs[{b}].port",
                                why + f" (the {kind} CRD, Gateway API v1.6.0: minimum 1, maximum 65535)",
                                "give the Service's port, 1..65535",
                            )
                        )
    return found
