"""Reading ingress-nginx objects as ingress-nginx and the API server do: classes, versions, server fields.

What comes in is real-world YAML (``kubectl get -o yaml`` output, retired API versions, classes other than
``nginx``); this module turns it into the one shape the planning works on, and says what it changed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from albingress.facts.go_values import nginx_bool
from albingress.facts.names import INGRESS_HOST
from albops.migrate.report import Report

LEGACY_CLASS = "kubernetes.io/ingress.class"


@dataclass
class Options:
    group: str = "migrated"
    certificate_arn: str | None = None
    scheme: str = "internal"
    ingress_class: str = "alb"
    include_classless: bool = False
    controller_config: dict[str, str] = field(default_factory=dict)
    # Write Ingresses that lost a protection anyway (still reported).
    allow_unprotected: bool = False
    # IngressClass names ingress-nginx serves besides "nginx" (--nginx-class).
    nginx_classes: tuple[str, ...] = ()
    # What to write: ALB Ingresses, or Gateway API objects (--to gateway), attached to --gateway NAMESPACE/NAME
    # when given, of the GatewayClass --gateway-class.
    to: str = "ingress"
    gateway: tuple[str, str] | None = None
    gateway_class: str = "alb"
    # Ingresses (NAMESPACE/NAME) written even though they lose a protection (--allow-unprotected-ingress).
    allow_unprotected_ingresses: frozenset[str] = frozenset()
    # Split each converted ALB group over <group>-1..N by host (--shards); 1: no split, a group over a quota is refused.
    shards: int = 1
    # ingress-nginx's --annotations-prefix: its annotations are read under it (--annotations-prefix).
    annotations_prefix: str = "nginx.ingress.kubernetes.io"
    # --class-scheme CLASS=SCHEME pairs: the ALB scheme of one ingress-nginx class's Ingresses.
    class_schemes: tuple[tuple[str, str], ...] = ()
    # Whether --scheme was given (else the scheme comes from the input, or is internal).
    scheme_given: bool = False
    # Per class, from the input's controller Service: the certificate TLS ended with at its NLB.
    nlb_certificate_arn: str | None = None
    # Per class, from the input's controller Deployment: --enable-ssl-passthrough (assumed when unknown).
    ssl_passthrough: bool = True
    # Which ConfigMap controller_config came from (the input's), for the report.
    config_name: str = ""
    # Why the scheme is what it is, for the report.
    scheme_why: str = ""
    # Per class: the ConfigMaps two installs serving the class read (none picked: its Ingresses are held back).
    config_conflict: tuple[str, ...] = ()
    # Whether --annotations-prefix was given (else the input's installs' prefix is used when they all agree).
    annotations_prefix_given: bool = False
    # Write the converted Ingresses under new names, beside the ingress-nginx ones (--side-by-side).
    side_by_side: bool = False
    # What --side-by-side appends to each converted Ingress's name (--name-suffix).
    name_suffix: str = "-alb"
    # The input is what a cluster holds (--from-cluster): every install is in it, so an Ingress none serves is left out.
    from_cluster: bool = False
    # --from-cluster could not list IngressClasses (a namespace-scoped user): Ingresses matched by class name only.
    ingress_classes_unread: bool = False
    # Options every --side-by-side next command carries (external-dns's TXT registry mapping read from the cluster).
    cutover_flags: tuple[str, ...] = ()

    def allows_unprotected(self, ingress: str) -> bool:
        """Whether Ingress ``ingress`` (NAMESPACE/NAME) is written even if it loses a protection."""
        return self.allow_unprotected or ingress in self.allow_unprotected_ingresses


# API versions of Ingress that Kubernetes 1.22 and later no longer serve; their objects are rewritten as v1.
OLD_INGRESS_VERSIONS = ("extensions/v1beta1", "networking.k8s.io/v1beta1")


PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")


def valid_host(host: str) -> bool:
    """Whether the API server takes ``host`` as an Ingress rule's host ('' is no host, which it takes too).

    A file can hold what no cluster would: a host with a trailing newline or capitals converted as written
    would give output that ``kubectl apply`` refuses after the report called it converted.
    """
    if not host:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return INGRESS_HOST.fullmatch(host) is not None
    return False


# What the API server sets on an object it stores; `kubectl get -o yaml` prints them, and `kubectl apply`
# refuses (resourceVersion, uid) or mis-merges (the old last-applied configuration) them.
SERVER_FIELDS: tuple[str, ...] = ("creationTimestamp", "resourceVersion", "uid", "managedFields", "selfLink")


SERVER_FIELDS += ("generation", "deletionTimestamp", "deletionGracePeriodSeconds")


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


INGRESS_NGINX_CONTROLLER = "k8s.io/ingress-nginx"


# ingress-nginx's annotation prefix before it became nginx.ingress.kubernetes.io; it reads it no longer.
OLD_PREFIX = "ingress.kubernetes.io/"


def objects(documents: list[Any]) -> Iterator[dict[str, Any]]:
    """Every object, the items of List objects included."""
    for document in documents:
        if not isinstance(document, dict):
            continue
        if str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
            yield from objects(document["items"])
        else:
            yield document


def strip_server_fields(obj: dict[str, Any], report: Report) -> None:
    """Drop what only the API server may set, so the output applies as a new object."""
    metadata = obj.get("metadata")
    dropped = ["status"] if obj.pop("status", None) is not None else []
    if isinstance(metadata, dict):
        dropped += [f"metadata.{key}" for key in SERVER_FIELDS if metadata.pop(key, None) is not None]
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and annotations.pop(LAST_APPLIED, None) is not None:
            dropped.append(f"annotation {LAST_APPLIED}")
    if dropped:
        report.add(display(obj), "server fields", "note", f"dropped {', '.join(dropped)} (set by the API server)")


def display(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = f"{meta.get('namespace', 'default')}/{meta.get('name')}" if meta else "(unnamed)"
    if obj.get("kind") == "Ingress" and kubernetes_kind(obj) is None:  # another group's: never one of ours
        return f"Ingress ({obj.get('apiVersion')}) {name}"
    return name if obj.get("kind") == "Ingress" else f"{obj.get('kind')} {name}"


def _v1_backend(backend: Any) -> Any:
    """A v1beta1 backend (serviceName, servicePort) as v1 (service.name, service.port.number|name)."""
    if not isinstance(backend, dict) or "serviceName" not in backend:
        return backend
    port = backend.get("servicePort")
    numeric = isinstance(port, int) or (isinstance(port, str) and port.isdigit())
    return {
        "service": {
            "name": backend["serviceName"],
            "port": {"number": int(str(port))} if numeric else {"name": str(port)},
        }
    }


def upgrade_ingress(ingress: dict[str, Any], report: Report) -> None:
    """Rewrite an Ingress of a retired API version, or written in its form, as networking.k8s.io/v1."""
    version = str(ingress.get("apiVersion"))
    spec: dict[str, Any] = ingress["spec"] if isinstance(ingress.get("spec"), dict) else {}
    paths = [
        path
        for rule in spec.get("rules") or []
        if isinstance(rule, dict)
        for path in ((rule.get("http") or {}).get("paths") or [])
        if isinstance(path, dict)
    ]
    old_form = any("serviceName" in (p.get("backend") or {}) for p in paths) or "backend" in spec
    if version not in OLD_INGRESS_VERSIONS and not old_form:
        return
    ingress["apiVersion"] = "networking.k8s.io/v1"
    if "backend" in spec:
        spec["defaultBackend"] = _v1_backend(spec.pop("backend"))
    untyped = 0
    for path in paths:
        path["backend"] = _v1_backend(path.get("backend"))
        if "pathType" not in path:
            path["pathType"] = "ImplementationSpecific"  # what the v1beta1 API server defaulted it to
            untyped += 1
    name = display(ingress)
    if version in OLD_INGRESS_VERSIONS:
        report.add(
            name,
            "apiVersion",
            "note",
            f"upgraded from {version} (not served since Kubernetes 1.22) to networking.k8s.io/v1: serviceName/"
            f"servicePort became service.name/port; {untyped} paths without pathType are ImplementationSpecific, "
            "as the v1beta1 API server defaulted them",
        )
    else:
        report.add(
            name,
            "spec.rules.backend",
            "approximated",
            "invalid input: written as networking.k8s.io/v1 but with v1beta1 backends (serviceName/servicePort), "
            "which the API server refuses; read as the v1beta1 form means"
            + (f", {untyped} paths without pathType as ImplementationSpecific" if untyped else ""),
        )


def nginx_classes(documents: list[Any], options: Options) -> frozenset[str]:
    """IngressClass names ingress-nginx serves: nginx, --nginx-class, and IngressClasses of its controller."""
    named = {"nginx", *options.nginx_classes}
    for obj in objects(documents):
        if obj.get("kind") == "IngressClass" and (obj.get("spec") or {}).get("controller") == INGRESS_NGINX_CONTROLLER:
            named.add(str((obj.get("metadata") or {}).get("name")))
    return frozenset(named)


def ingress_class(ingress: dict[str, Any]) -> str | None:
    spec = ingress.get("spec") or {}
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    value = spec.get("ingressClassName") or annotations.get(LEGACY_CLASS)
    return str(value) if value else None


# The API groups of the kinds migrate reads. A kind of the same name in another group (Voyager's Ingress,
# Knative's Service) is another object: read as neither, it is passed through as any other object is.
_KUBERNETES_GROUPS = {
    "Ingress": ("networking.k8s.io", "extensions"),
    "IngressClass": ("networking.k8s.io",),
    "ConfigMap": ("",),
    "Service": ("",),
    "Deployment": ("apps", "extensions"),
    "DaemonSet": ("apps", "extensions"),
}


def kubernetes_kind(obj: Any) -> str | None:
    """The object's kind when it is one of Kubernetes' own that migrate reads (by its apiVersion's group), else
    None."""
    if not isinstance(obj, dict):
        return None
    kind, version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(version, str):
        return None
    group = version.rpartition("/")[0]
    return kind if group in _KUBERNETES_GROUPS.get(kind, ()) else None


def is_nginx_ingress(obj: Any, options: Options, classes: frozenset[str] = frozenset({"nginx"})) -> bool:
    if kubernetes_kind(obj) != "Ingress":
        return False
    cls = ingress_class(obj)
    return cls in classes or (cls is None and options.include_classless)


def ingress_name(ingress: dict[str, Any]) -> str:
    meta = ingress.get("metadata") or {}
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass(slots=True)
class Source:
    """One ingress-nginx Ingress on its way to becoming an ALB Ingress."""

    name: str
    converted: dict[str, Any]
    nginx: dict[str, str]  # its nginx annotations, over the controller ConfigMap's defaults
    annotations: dict[str, str]  # the ALB Ingress's annotations, filled in as conversion goes
    # nginx annotations the Ingress itself carries (not the ConfigMap's defaults): each needs a report line.
    own: frozenset[str] = frozenset()
    # The planned ALB path (planning.AlbPath) behind each path written, by (host, path, pathType): what the
    # Gateway API target reads the nginx location and rewrite from.
    emitted: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    # Decisions of albops.migrate.protection, for the Ingress and the Gateway API output alike:
    scheme: str = "internal"  # the ALB scheme of its class
    https: bool = False  # an HTTPS listener (spec.tls, --certificate-arn or TLS at the controller's NLB)
    redirect: bool = False  # ingress-nginx redirected plain HTTP to HTTPS, so the output must
    hsts: str = ""  # the Strict-Transport-Security value ingress-nginx sent on HTTPS ('' none)
    allow: tuple[str, ...] = ()  # the allow-list in effect, canonical CIDRs (() none)
    allow_key: str = ""  # where the allow-list came from (annotation name or ConfigMap key)
    allow_lost: bool = False  # the allow-list cannot be carried over (reported lost-protection)
    excluded: str = ""  # why the Ingress is not written at all ('' written)

    def flag(self, key: str) -> bool:
        """A boolean annotation as ingress-nginx reads it (Go ParseBool; a refused spelling is off)."""
        value = self.nginx.get(key)
        return nginx_bool(None if value is None else str(value), False)

    @property
    def canary(self) -> bool:
        return self.flag("canary")


def places(documents: list[Any]) -> Iterator[tuple[list[Any], int]]:
    """(container, index) of every object, the items of List objects included: where to replace or delete it."""
    for i, document in enumerate(documents):
        if isinstance(document, dict) and str(document.get("kind", "")).endswith("List"):
            items = document.get("items")
            if isinstance(items, list):
                yield from places(items)
                continue
        yield documents, i


def nginx_ingresses(documents: list[Any], options: Options, classes: frozenset[str]) -> Iterator[tuple[list[Any], int]]:
    """(container, index) of every ingress-nginx Ingress, including those inside List objects."""
    return ((c, i) for c, i in places(documents) if is_nginx_ingress(c[i], options, classes))
