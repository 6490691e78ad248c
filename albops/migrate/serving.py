"""Which ingress-nginx installs serve each Ingress, decided as the controllers decide it.

Read from a cluster, the input holds every install, so an Ingress none of them serves is not ingress-nginx's
to convert (another team's, another controller's), and an Ingress two installs serve is served twice today:
both are named, never one picked. The rules are the controller's own (ingress-nginx controller-v1.15.1):

- ``internal/ingress/controller/store/store.go`` GetIngressClass: ``spec.ingressClassName`` wins and must name
  an IngressClass the controller keeps (its ``spec.controller`` is the ``--controller-class``, or, with
  ``--ingress-class-by-name``, its name is the ``--ingress-class``); else the ``kubernetes.io/ingress.class``
  annotation must equal ``--ingress-class``; else only ``--watch-ingress-without-class`` takes it.
- ``pkg/flags/flags.go``: ``--watch-namespace`` is one namespace ('' all), ``--watch-namespace-selector`` a
  label selector on Namespaces (``labels.Parse``); the two exclude each other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from albingress.facts.go_values import go_bool
from albops.migrate.install import Controller, InstallFacts, as_mapping, controllers, read_install
from albops.migrate.install import _selects as selects
from albops.migrate.protection import report_install
from albops.migrate.reading import LEGACY_CLASS, Options, display, ingress_class, objects, places
from albops.migrate.report import Report

# One requirement of a label selector (k8s.io/apimachinery v0.35.3, the version ingress-nginx controller-v1.15.1
# builds with, pkg/labels/selector.go Parse): key op values; the operators are in, notin, =, ==, !=, > and <.
_SET = re.compile(
    r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(in|notin)\s*\(([^)]*)\)|(==|=|!=|>|<)\s*([A-Za-z0-9_.-]*))?\s*$"
)
_INT64 = 2**63


class SelectorError(ValueError):
    """A --watch-namespace-selector the controller itself would refuse to start with."""


def _split_requirements(selector: str) -> list[str]:
    """Commas outside parentheses separate requirements; inside ``in (a,b)`` they separate values."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _go_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64), or None where it fails (a sign, then decimal digits, in range)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -_INT64 <= number < _INT64 else None


def selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy a label selector: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a)``,
    ``k>N``, ``k<N``, ``k`` (exists) and ``!k`` (does not); every requirement must hold (an empty selector
    matches all). ``k>N``/``k<N`` (selector.go Requirement.Matches): the label must exist and parse as an
    integer, compared with N, itself an integer (NewRequirement refuses anything else)."""
    for requirement in _split_requirements(selector):
        match = _SET.match(requirement)
        if not match:
            raise SelectorError(f"{requirement.strip()!r} is not a label selector requirement")
        negated, key, set_op, set_values, op, value = match.groups()
        if negated and (set_op or op):
            raise SelectorError(f"{requirement.strip()!r}: '!' takes a key only")
        if set_op:
            # "in ()" is the set of the empty value (selector.go parseValues).
            values = {v.strip() for v in set_values.split(",")}
            ok = labels.get(key) in values if set_op == "in" else labels.get(key) not in values
        elif op in (">", "<"):
            bound = _go_int(value)
            if bound is None or not value[:1].isdigit():  # a label value cannot start with a sign
                raise SelectorError(f"{requirement.strip()!r}: for '>' and '<' the value must be an integer")
            have = _go_int(labels.get(key, ""))
            ok = have is not None and (have > bound if op == ">" else have < bound)
        elif op:
            ok = labels.get(key) == value if op in ("=", "==") else labels.get(key) != value
        else:
            ok = (key in labels) != bool(negated)
        if not ok:
            return False
    return True


@dataclass(frozen=True, slots=True)
class Verdict:
    """The installs that serve one Ingress, or why none does."""

    installs: tuple[str, ...]
    why_not: str = ""
    # Why it cannot be decided ('' it can): a controller whose flags hold a $(VAR) the input does not show may
    # serve it, with facts no one can read.
    undecided: str = ""


# The controller flags that decide which Ingresses an install serves (store.go GetIngressClass, flags.go), and
# those whose value the conversion reads for the Ingresses it serves.
SERVING_FLAGS = frozenset(
    {
        "ingress-class",
        "controller-class",
        "ingress-class-by-name",
        "watch-ingress-without-class",
        "watch-namespace",
        "watch-namespace-selector",
    }
)
FACT_FLAGS = frozenset(
    {
        "configmap",
        "annotations-prefix",
        "publish-service",
        "default-ssl-certificate",
        "enable-ssl-passthrough",
        "tcp-services-configmap",
        "udp-services-configmap",
        "default-backend-service",
    }
)
CLASS_FLAGS = SERVING_FLAGS - {"watch-namespace", "watch-namespace-selector"}


def unknown_flags(controller: Controller) -> dict[str, list[str]]:
    """The flags the conversion depends on that hold a ``$(VAR)`` whose value the input does not show."""
    return {k: v for k, v in controller.unresolved.items() if k in SERVING_FLAGS | FACT_FLAGS}


def _may_serve(
    controller: Controller,
    ingress: dict[str, Any],
    class_controllers: Mapping[str, str],
    classes_unread: bool,
    namespace_labels: Mapping[str, Mapping[str, str]],
) -> bool:
    """Whether a controller with unknown flags may serve the Ingress: what its known flags exclude, it does not;
    an unknown class flag may be any class, an unknown namespace flag any namespace."""
    unknown = set(unknown_flags(controller))
    namespace = str(as_mapping(ingress.get("metadata")).get("namespace", "default"))
    if not unknown & {"watch-namespace", "watch-namespace-selector"} and watches(
        controller, namespace, namespace_labels
    ):
        return False
    return bool(unknown & CLASS_FLAGS) or serves(controller, ingress, class_controllers, classes_unread)


def _unknown_words(controller: Controller) -> str:
    return "; ".join(f"--{flag} holds {', '.join(refs)}" for flag, refs in sorted(unknown_flags(controller).items()))


def _undecided_words(controller: Controller) -> str:
    return f"{controller.label} may serve it and what it does cannot be read: {_unknown_words(controller)}"


def _flag(controller: Controller, name: str) -> bool:
    return go_bool(controller.flags.get(name, "false")) is True


def watches(controller: Controller, namespace: str, namespace_labels: Mapping[str, Mapping[str, str]]) -> str:
    """'' when the controller watches ``namespace``, else why not."""
    single = controller.flags.get("watch-namespace", "")
    if single and single != namespace:
        return f"{controller.label} watches namespace {single} only (--watch-namespace)"
    selector = controller.flags.get("watch-namespace-selector", "")
    if selector:
        labels = namespace_labels.get(namespace)
        if labels is None:
            return f"{controller.label} watches namespaces selected by {selector!r}; Namespace {namespace} was not read"
        if not selector_matches(selector, labels):
            return f"{controller.label} watches namespaces selected by {selector!r}; {namespace} is not one"
    return ""


def serves(
    controller: Controller,
    ingress: dict[str, Any],
    class_controllers: Mapping[str, str],
    classes_unread: bool = False,
) -> bool:
    """Whether the controller takes the Ingress by its class (namespaces aside); see the module's rules."""
    spec = as_mapping(ingress.get("spec"))
    own_class = controller.flags.get("ingress-class", "nginx")
    name = spec.get("ingressClassName")
    if name:
        if classes_unread:  # the IngressClasses could not be read: the class name is all there is
            return str(name) == own_class or class_controllers.get(str(name)) == controller.controller_class
        if str(name) not in class_controllers:
            return False
        by_name = _flag(controller, "ingress-class-by-name") and str(name) == own_class
        return by_name or class_controllers[str(name)] == controller.controller_class
    annotations = as_mapping(as_mapping(ingress.get("metadata")).get("annotations"))
    if LEGACY_CLASS in annotations:
        return str(annotations[LEGACY_CLASS]) == own_class
    return controller.watches_classless


def namespace_labels(documents: list[Any]) -> dict[str, dict[str, str]]:
    """The input's Namespaces' labels, with the name label the API server sets on every Namespace."""
    found: dict[str, dict[str, str]] = {}
    for obj in objects(documents):
        if obj.get("kind") == "Namespace":
            meta = as_mapping(obj.get("metadata"))
            labels = {str(k): str(v) for k, v in as_mapping(meta.get("labels")).items()}
            labels.setdefault("kubernetes.io/metadata.name", str(meta.get("name")))
            found[str(meta.get("name"))] = labels
    return found


def verdicts(documents: list[Any], classes_unread: bool = False) -> dict[str, Verdict]:
    """Per Ingress (NAMESPACE/NAME): the installs that serve it."""
    class_controllers = {
        str(as_mapping(o.get("metadata")).get("name")): str(as_mapping(o.get("spec")).get("controller"))
        for o in objects(documents)
        if o.get("kind") == "IngressClass"
    }
    found = controllers(documents)
    labels = namespace_labels(documents)
    result: dict[str, Verdict] = {}
    for obj in objects(documents):
        if obj.get("kind") != "Ingress":
            continue
        namespace = str(as_mapping(obj.get("metadata")).get("namespace", "default"))
        serving, reasons, undecided = [], [], []
        for controller in found:
            if unknown_flags(controller):
                if _may_serve(controller, obj, class_controllers, classes_unread, labels):
                    undecided.append(_undecided_words(controller))
                continue
            if not serves(controller, obj, class_controllers, classes_unread):
                continue
            why = watches(controller, namespace, labels)
            if why:
                reasons.append(why)
            else:
                serving.append(controller.label)
        if not serving and not reasons:
            reasons.append(_class_words(obj) + " is served by no ingress-nginx controller found")
        result[display(obj)] = Verdict(tuple(serving), "; ".join(reasons), "; ".join(undecided))
    return result


def _class_words(ingress: dict[str, Any]) -> str:
    name = as_mapping(ingress.get("spec")).get("ingressClassName")
    if name:
        return f"its class {name!r}"
    annotation = as_mapping(as_mapping(ingress.get("metadata")).get("annotations")).get(LEGACY_CLASS)
    return f"its {LEGACY_CLASS} {annotation!r}" if annotation is not None else "an Ingress with no class"


def leave_out_unserved(documents: list[Any], report: Report, classes_unread: bool = False) -> None:
    """Take out each Ingress no install serves (counted), and name every install of an Ingress served twice."""
    try:
        found = verdicts(documents, classes_unread)
    except SelectorError as error:
        report.add("*", "--watch-namespace-selector", "not-converted", f"{error}: the controller refuses it too")
        found = {}
    left: list[str] = []
    undecided: list[str] = []
    for container, i in reversed(list(places(documents))):
        obj = container[i]
        if not isinstance(obj, dict) or obj.get("kind") != "Ingress":
            continue
        name = display(obj)
        verdict = found.get(name)
        if verdict is None:
            continue
        if verdict.undecided:
            # Never "served by none" by a guess: left out, and the report says which flag and variable to fix.
            del container[i]
            undecided.append(name)
            report.left_out.append(name)
            report.add(
                name,
                "ingress-nginx install",
                "not-converted",
                f"which install serves it is not known: {verdict.undecided}",
                "give the variable a value the cluster shows (env value, or a ConfigMap through configMapKeyRef or "
                "envFrom), or convert this Ingress from files with --controller-config",
            )
        elif not verdict.installs:
            del container[i]
            left.append(name)
            report.add(name, "ingress-nginx install", "note", f"left out, not converted: {verdict.why_not}")
        elif len(verdict.installs) > 1:
            report.add(
                name,
                "ingress-nginx install",
                "note",
                f"served by {len(verdict.installs)} installs ({' and '.join(verdict.installs)}): each serves it today; "
                "converted once, with the class's facts as the report says (none picked silently)",
            )
    served = sum(1 for v in found.values() if v.installs and not v.undecided)
    twice = sum(1 for v in found.values() if len(v.installs) > 1 and not v.undecided)
    report.add(
        "*",
        "--from-cluster",
        "note",
        f"{len(found)} Ingresses read: {served} served by an ingress-nginx install ({twice} by two or more), "
        f"{len(left)} served by none, left out"
        + (f" ({', '.join(sorted(left)[:5])}{', ...' if len(left) > 5 else ''})" if left else "")
        + (f"; {len(undecided)} whose install cannot be decided, not converted" if undecided else ""),
    )
    for controller in controllers(documents):
        if unknown_flags(controller):
            report.add(
                "*",
                f"{controller.label}",
                "not-converted",
                f"what it serves and with which facts cannot be read: {_unknown_words(controller)}; the Ingresses "
                "it may serve are not converted",
            )


def install_notes(documents: list[Any], report: Report) -> None:
    """What each install's flags decide that an ALB carries differently: said once per install."""
    for controller in controllers(documents):
        flags = controller.flags
        if flags.get("default-backend-service"):
            report.add(
                "*",
                f"{controller.label} --default-backend-service",
                "approximated",
                f"requests no rule matches went to {flags['default-backend-service']}; the ALB answers them with "
                "its default action (404) unless an Ingress of the group sets spec.defaultBackend",
            )
        if flags.get("default-ssl-certificate"):
            report.add(
                "*",
                f"{controller.label} --default-ssl-certificate",
                "note",
                f"TLS hosts without a secretName were served with {flags['default-ssl-certificate']}; the ALB finds "
                "ACM certificates by host (discovery) or takes --certificate-arn: import it into ACM",
            )


def _view_without(documents: list[Any], excluded: list[Controller], kept: list[Controller]) -> list[dict[str, Any]]:
    """The input as if only the kept installs ran: the other controllers, and the ConfigMaps and LoadBalancer
    Services only they read, taken out (else a ConfigMap of theirs would look like a loose default)."""
    others = {id(c.workload) for c in excluded}

    def refs(controller: Controller) -> set[str]:
        # Only the ConfigMap its --configmap names: with none it reads none (pkg/flags/flags.go default "").
        flags = controller.flags
        return {flags[key] for key in ("configmap", "publish-service") if flags.get(key)}

    theirs = set().union(*(refs(c) for c in excluded)) - set().union(*(refs(c) for c in kept))
    view = []
    for obj in objects(documents):
        if id(obj) in others:
            continue
        if obj.get("kind") in ("ConfigMap", "Service") and display(obj).split(" ", 1)[-1] in theirs:
            continue
        chosen = obj.get("kind") == "Service" and any(selects(obj, c.workload) for c in excluded)
        if chosen and not any(selects(obj, c.workload) for c in kept):
            continue
        view.append(obj)
    return view


def facts_per_ingress(
    documents: list[Any], options: Options, report: Report
) -> tuple[InstallFacts, dict[str, InstallFacts]]:
    """The install facts of all installs (what they consumed, their load balancers), and per Ingress the facts of
    exactly the installs that serve it: two installs sharing a class but watching different namespaces each
    convert their own Ingresses with their own scheme, certificate and ConfigMap, and only an Ingress that two
    installs really serve meets the shared-class rules (install._claimed_twice)."""
    found = controllers(documents)
    scratch = Report(group=options.group)
    merged = read_install(documents, options, scratch)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, verdict in verdicts(documents, options.ingress_classes_unread).items():
        if verdict.installs and not verdict.undecided:
            groups.setdefault(verdict.installs, []).append(name)
    per_ingress: dict[str, InstallFacts] = {}
    seen = {(f.ingress, f.annotation, f.detail) for f in report.findings}
    for installs, names in sorted(groups.items()):
        kept = [c for c in found if c.label in installs]
        view = _view_without(documents, [c for c in found if c.label not in installs], kept)
        said = Report(group=options.group)
        facts = read_install(view, options, said)
        classes = {ingress_class(o) or "" for o in objects(view) if display(o) in set(names)}
        report_install(options, facts, classes, said)
        for finding in said.findings:
            key = (finding.ingress, finding.annotation, finding.detail)
            if key not in seen:
                seen.add(key)
                report.findings.append(finding)
        for name in names:
            per_ingress[name] = facts
    return merged, per_ingress
