"""``migrate --side-by-side``: ALB Ingresses under new names, beside the ingress-nginx ones, until DNS moves.

Converted Ingresses that keep their names replace the ingress-nginx ones on ``kubectl apply``: nginx drops the
host while DNS still points at its load balancer and the ALB is not provisioned yet. Under a new name both
serve the same hosts, and ``albops cutover`` moves the traffic by DNS. This module renames the converted
Ingresses, refuses a name that would overwrite another Ingress of the input, and writes the per-host lines the
report needs to take the next step (old load balancer, ALB group, the cutover command).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from albingress.facts.names import DNS_SUBDOMAIN
from albops.migrate.install import configmaps_of, controllers
from albops.migrate.reading import display, objects
from albops.migrate.report import Report

DEFAULT_SUFFIX = "-alb"
# An Ingress's name is a DNS-1123 subdomain of at most 253 characters (Kubernetes pkg/apis/networking/validation
# ValidateIngress -> ValidateObjectMeta with apimachinery NameIsDNSSubdomain; IsDNS1123Subdomain checks the
# whole name's length and pattern, not the length of each label).
NAME_MAX = 253
DIGEST = 8
UNKNOWN_LB = "unknown (add the controller Service to the input)"


class NameCollisionError(Exception):
    """A new name that is already another Ingress of the input: applying it would overwrite that Ingress."""


def suffix_problem(suffix: str) -> str | None:
    """Why ``suffix`` cannot end an Ingress name, or None.

    Every Ingress name ends in a letter or digit, so ``name + suffix`` is valid exactly when ``"a" + suffix`` is.
    """
    if not suffix:
        return "it is empty: the new names would be the old ones, and applying them replaces the nginx Ingresses"
    if len(suffix) > NAME_MAX - 1 - DIGEST - 1:
        return f"it is {len(suffix)} characters; a name is at most {NAME_MAX}"
    if not DNS_SUBDOMAIN.fullmatch("a" + suffix):
        return "a name holds lower-case letters, digits, '-' and '.', and ends in a letter or digit (e.g. -alb)"
    return None


def new_name(name: str, suffix: str, taken: Iterable[str] = ()) -> str:
    """``name + suffix``, or when that is over NAME_MAX, the name cut short with a hash of the whole old name.

    The hash makes two long names that share their first 240 characters differ, and the same input gives the
    same name on every run (no counter, no order). ``taken`` holds names already given: a clash of the short
    hash takes a longer one.
    """
    plain = name + suffix
    if len(plain) <= NAME_MAX and plain not in taken:
        return plain
    digest = hashlib.sha256(name.encode()).hexdigest()
    candidate = plain
    for length in (DIGEST, 16, 32, 64):
        tail = f"-{digest[:length]}{suffix}"
        head = name[: NAME_MAX - len(tail)].rstrip("-.")
        candidate = (head or "i") + tail
        if candidate not in taken:
            return candidate
    return candidate


def _ns(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return str((meta or {}).get("namespace", "default"))


def input_ingresses(documents: list[Any]) -> set[str]:
    """NAMESPACE/NAME of every Ingress of the input, read before conversion renames or drops any."""
    return {display(o) for o in objects(documents) if o.get("kind") == "Ingress"}


def rename(output: list[Any], report: Report, suffix: str, existing: set[str]) -> dict[str, str]:
    """Give each converted Ingress of ``output`` its new name; old NAMESPACE/NAME -> new name.

    Raises NameCollisionError when a new name is an Ingress of the input in the same namespace (the nginx Ingress
    it would replace on apply is exactly what side by side avoids).
    """
    passed = set(report.passed_through)
    renamed: dict[str, str] = {}
    given: dict[str, set[str]] = {}
    for obj in objects(output):
        if obj.get("kind") != "Ingress" or display(obj) in passed:
            continue
        old = display(obj)
        namespace, name = _ns(obj), str(obj["metadata"]["name"])
        taken = given.setdefault(namespace, set())
        fresh = new_name(name, suffix, taken)
        if f"{namespace}/{fresh}" in existing:
            raise NameCollisionError(
                f"--side-by-side: Ingress {old} would be written as {namespace}/{fresh}, which is another Ingress "
                f"of the input (converted or not); applying it would replace that one. Pick another --name-suffix "
                f"(now {suffix!r})"
            )
        taken.add(fresh)
        obj["metadata"]["name"] = fresh
        renamed[old] = fresh
        if fresh != name + suffix:
            report.add(
                old,
                "--side-by-side",
                "note",
                f"written as {namespace}/{fresh}: {name}{suffix} is over the API server's {NAME_MAX} characters, "
                "so the name is cut short with a hash of the old one",
            )
    return renamed


def _hostnames(service: dict[str, Any]) -> list[str]:
    status = service.get("status") if isinstance(service.get("status"), dict) else {}
    lb = (status or {}).get("loadBalancer")
    entries = lb.get("ingress") if isinstance(lb, dict) else None
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            value = entry.get("hostname") or entry.get("ip")
            if isinstance(value, str) and value:
                found.append(value)
    return found


def old_load_balancer(service: dict[str, Any]) -> str | None:
    """The controller Service's load balancer as its status says (NLB or ELB: a hostname), or None."""
    names = _hostnames(service)
    return ", ".join(names) if names else None


def load_balancers(documents: list[Any]) -> dict[str, str]:
    """NAMESPACE/NAME of each LoadBalancer Service of the input -> the load balancer its status names."""
    found: dict[str, str] = {}
    for obj in objects(documents):
        if obj.get("kind") == "Service":
            old = old_load_balancer(obj)
            if old:
                found[display(obj).removeprefix("Service ")] = old
    return found


def host_plan(
    output: list[Any], report: Report, renamed: dict[str, str], old_lbs: dict[str, str], flags: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """Per host of each renamed Ingress: the old load balancer, the ALB group, and the cutover command."""
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    by_new = {(old.split("/", 1)[0], new): old for old, new in renamed.items()}
    for obj in objects(output):
        if obj.get("kind") != "Ingress":
            continue
        namespace, name = _ns(obj), str(obj["metadata"]["name"])
        old = by_new.get((namespace, name))
        if old is None:
            continue
        group = report.ingress_group.get(old, report.group)
        old_lb = old_lbs.get(old, UNKNOWN_LB)
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        hosts = [str(r.get("host") or "") for r in (spec or {}).get("rules") or [] if isinstance(r, dict)]
        for host in dict.fromkeys(hosts or [""]):
            if (host, old) in seen:
                continue
            seen.add((host, old))
            to = (
                f"$(kubectl get ingress -n {namespace} {name} "
                "-o jsonpath='{.status.loadBalancer.ingress[0].hostname}')"
            )
            command = (
                " ".join(["albops cutover --zone-id ZONE", f"--host {host} --to {to} --weight 1", *flags, "--dry-run"])
                if host
                else "none: an Ingress without a host answers any name; move the names that point at the old "
                "load balancer one by one with albops cutover"
            )
            rows.append(
                {
                    "host": host or "(any host)",
                    "ingress": old,
                    "albIngress": f"{namespace}/{name}",
                    "oldLoadBalancer": old_lb,
                    "albGroup": group,
                    "next": command,
                }
            )
    return rows


STREAM_FLAGS = (("tcp-services-configmap", "TCP"), ("udp-services-configmap", "UDP"))


def stream_ports(documents: list[Any], report: Report) -> None:
    """Ports ingress-nginx forwards as TCP or UDP streams (its --tcp/udp-services-configmap): an ALB takes only
    HTTP and HTTPS, so each is reported not converted, with the Service it forwards to.

    Each key of those ConfigMaps is the port the controller's load balancer listens on, each value
    ``NAMESPACE/SERVICE:PORT`` with optional ``:PROXY`` parts (ingress-nginx controller-v1.15.1,
    internal/ingress/controller/controller.go getStreamServices).
    """
    configmaps = configmaps_of(documents)
    for controller in controllers(documents, configmaps):
        obj, flags = controller.workload, controller.flags
        for flag, protocol in STREAM_FLAGS:
            ref = flags.get(flag)
            if not ref:
                continue
            configmap = configmaps.get(ref)
            if configmap is None:
                report.add(
                    "*",
                    f"--{flag}",
                    "note",
                    f"{display(obj)} forwards {protocol} ports listed in ConfigMap {ref}, which the input does not "
                    "hold: add it to see which ports an ALB cannot serve",
                )
                continue
            data = configmap.get("data") if isinstance(configmap.get("data"), dict) else {}
            for port, target in sorted((data or {}).items(), key=lambda kv: str(kv[0])):
                report.add(
                    "*",
                    f"{protocol} port {port}",
                    "not-converted",
                    f"the old load balancer forwards {protocol} port {port} to {target} (ConfigMap {ref}, "
                    f"--{flag} of {display(obj)}); an ALB serves only HTTP and HTTPS",
                    next_step=f"give {str(target).split(':', 1)[0]} a LoadBalancer Service of its own (an NLB, "
                    f"{protocol} port {port}) before ingress-nginx goes",
                )


def side_by_side(
    output: list[Any],
    report: Report,
    suffix: str,
    existing: set[str],
    old_lbs: dict[str, str],
    flags: tuple[str, ...] = (),
) -> None:
    """Rename the converted Ingresses and fill the report's per-host section."""
    renamed = rename(output, report, suffix, existing)
    report.side_by_side = host_plan(output, report, renamed, old_lbs, flags)
