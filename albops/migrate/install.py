"""What the input says about the ingress-nginx install itself: its controller Deployment, Service and ConfigMap.

A dump of a cluster often holds more than Ingresses. The controller's ConfigMap carries defaults and global
protections every Ingress inherits; its LoadBalancer Service says whether clients reached it from the internet
or only from inside the VPC, and whether TLS ended at the NLB. Converting without them would guess, and the
guesses that matter (an internal install published to the internet, an allow-list or global authentication
forgotten) are the ones that make the output weaker than what ran. So this module reads them per IngressClass
and says which objects it read; where two objects could be the one, it says so instead of picking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from albingress.facts.go_values import go_bool
from albops.migrate.reading import INGRESS_NGINX_CONTROLLER, Options, objects, places
from albops.migrate.report import Report

# The chart's names and labels (ingress-nginx charts/ingress-nginx, controller-v1.15.1).
CHART_CONFIGMAP = "ingress-nginx-controller"
# How the report names the ConfigMap of a controller that reads none.
BUILTIN_CONFIG = "(no --configmap: built-in defaults)"
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"

# Service annotations, read as the controller that made the NLB reads them.
SVC = "service.beta.kubernetes.io/"
LBC_CLASS = "service.k8s.aws/nlb"
LBC_TYPES = ("external", "nlb-ip")


# The controller's boolean flags: a bare one is true and never takes the next word (pflag gives a bool flag
# NoOptDefVal "true"). Every flags.Bool of ingress-nginx controller-v1.15.1 pkg/flags/flags.go, and the Go flag
# booleans klog v2.140.0 (klog.go InitFlags, called by cmd/nginx/main.go) adds through AddGoFlagSet.
BOOLEAN_FLAGS = frozenset(
    {
        "watch-ingress-without-class",
        "ingress-class-by-name",
        "profiling",
        "update-status",
        "update-status-on-shutdown",
        "report-node-internal-ip-address",
        "version",
        "enable-ssl-passthrough",
        "disable-leader-election",
        "disable-svc-external-name",
        "enable-annotation-validation",
        "enable-ssl-chain-completion",
        "enable-metrics",
        "metrics-per-host",
        "metrics-per-undefined-host",
        "report-status-classes",
        "disable-catch-all",
        "disable-full-test",
        "deep-inspect",
        "disable-sync-events",
        "enable-topology-aware-routing",
        # klog's
        "logtostderr",
        "alsologtostderr",
        "legacy_stderr_threshold_behavior",
        "add_dir_header",
        "skip_headers",
        "one_output",
        "skip_log_headers",
    }
)


@dataclass(slots=True)
class Install:
    """One ingress-nginx install as the input shows it: the classes it serves and what decides for them."""

    label: str  # how the report names it: the Deployment, or the chart instance
    classes: set[str] = field(default_factory=set)
    config: dict[str, str] | None = None
    config_name: str = ""
    service: dict[str, Any] | None = None
    ssl_passthrough: bool | None = None  # None: no Deployment in the input says
    missing_config: str = ""  # its --configmap, when the input does not hold it
    builtin_config: bool = False  # no --configmap: the controller reads no ConfigMap, its built-in defaults apply


@dataclass(slots=True)
class InstallFacts:
    """Per IngressClass: the ConfigMap, scheme and NLB certificate the input decides, and where from."""

    configs: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # class -> (name, data)
    schemes: dict[str, tuple[str, str]] = field(default_factory=dict)  # class -> (scheme, why)
    nlb_certificates: dict[str, str] = field(default_factory=dict)  # class -> certificate ARN(s) at the NLB
    passthrough: dict[str, bool] = field(default_factory=dict)  # class -> --enable-ssl-passthrough known
    # ConfigMaps that could be the controller's with nothing saying which class reads which.
    ambiguous_configs: tuple[str, ...] = ()
    default_config: tuple[str, dict[str, str]] | None = None
    # The ingress-nginx install's own objects read here (controller workloads, their Services and ConfigMaps),
    # by (kind, namespace/name): facts for the conversion, never output (applying them would re-apply the
    # controller as the dump had it).
    consumed: set[tuple[str, str]] = field(default_factory=set)
    # Per class, the ConfigMaps of two or more installs that serve it and disagree (none picked).
    config_conflicts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # class -> the --configmap its controller reads, when that ConfigMap is not in the input.
    missing_configs: dict[str, str] = field(default_factory=dict)
    # class -> the LoadBalancer Services (namespace/name) of every install serving it, for --side-by-side's old
    # load balancers: two installs sharing a class both answer its hosts until DNS moves.
    lb_services: dict[str, list[str]] = field(default_factory=dict)
    # class -> the controller that serves it with no --configmap: it reads no ConfigMap (built-in defaults).
    builtin_configs: dict[str, str] = field(default_factory=dict)
    # class -> why its controller Service does not show the scheme (the class converts internal, as a guess).
    unread_schemes: dict[str, str] = field(default_factory=dict)


def as_mapping(value: Any) -> dict[str, Any]:
    """A mapping field, or {} for what a hostile or hand-written input put there instead."""
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return as_mapping(obj.get("metadata"))


def _ref(obj: dict[str, Any]) -> str:
    meta = _meta(obj)
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = _meta(obj).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def controller_args(workload: dict[str, Any], configmaps: Mapping[str, Any] | None = None) -> dict[str, str] | None:
    """The flags of the ingress-nginx controller container of a Deployment or DaemonSet, or None if it has none.

    The chart runs ``/nginx-ingress-controller`` with ``--flag=value`` arguments; ``--flag value`` and bare
    boolean flags (``--enable-ssl-passthrough``) are read too, as Go's flag package takes them.
    """
    read = read_controller(workload, configmaps)
    return None if read is None else read[0]


def read_controller(
    workload: dict[str, Any], configmaps: Mapping[str, Any] | None = None
) -> tuple[dict[str, str], dict[str, list[str]]] | None:
    """The controller container's flags, and per flag the ``$(VAR)`` references in it whose value the input
    does not show (each as 'VAR (why)'), or None when the workload runs no ingress-nginx controller."""
    template = as_mapping(as_mapping(as_mapping(workload.get("spec")).get("template")).get("spec"))
    namespace = str(_meta(workload).get("namespace", "default"))
    for container in _l(template.get("containers")):
        if not isinstance(container, dict):
            continue
        env = _environment(container, namespace, configmaps or {})
        raw = [str(w) for w in _l(container.get("command")) + _l(container.get("args"))]
        misses: list[list[str]] = [[] for _ in raw]
        words = [_expand(w, env, missed) for w, missed in zip(raw, misses, strict=True)]
        image = str(container.get("image", ""))
        if "/nginx-ingress-controller" not in words and "ingress-nginx/controller" not in image:
            continue
        flags: dict[str, str] = {}
        unresolved: dict[str, list[str]] = {}
        i = 0
        while i < len(words):
            word = words[i]
            if word.startswith("-"):
                name, eq, value = word.lstrip("-").partition("=")
                missed = list(misses[i])
                boolean = name in BOOLEAN_FLAGS
                if not eq and not boolean and i + 1 < len(words) and not words[i + 1].startswith("-"):
                    value, i = words[i + 1], i + 1
                    missed += misses[i]
                elif not eq:
                    value = "true"
                flags[name] = value
                if missed:
                    unresolved[name] = list(dict.fromkeys(missed))
                else:
                    unresolved.pop(name, None)  # a later repetition of the flag decides (pflag keeps the last)
            i += 1
        return flags, unresolved
    return None


class _Environment(dict[str, str]):
    """A container's variables whose value the input shows, and why each other one is unknown.

    ``unknown``: NAME -> why its value is not known here (a Secret, a field other than the namespace, a
    ConfigMap not read); ``opaque``: (prefix, why) of envFrom sources whose keys are not known, each of which
    may define any variable starting with its prefix.
    """

    def __init__(self) -> None:
        super().__init__()
        self.unknown: dict[str, str] = {}
        self.opaque: list[tuple[str, str]] = []

    def define(self, name: str, value: str | None, why: str = "") -> None:
        if value is None:
            self.pop(name, None)
            self.unknown[name] = why
        else:
            self[name] = value
            self.unknown.pop(name, None)

    def why_unknown(self, name: str) -> str:
        """Why ``$(name)`` cannot be expanded here ('' it can)."""
        if name in self:
            return ""
        if name in self.unknown:
            return self.unknown[name]
        for prefix, why in reversed(self.opaque):
            if name.startswith(prefix):
                return why
        return "not defined in the container's env or envFrom (the kubelet passes it as written)"


def _environment(container: dict[str, Any], namespace: str, configmaps: Mapping[str, Any]) -> _Environment:
    """The container variables whose value the input shows, and why the others are not known.

    The kubelet builds the environment from ``envFrom`` first (a later source overrides an earlier one, each
    key under the source's prefix), then ``env`` in order, which overrides them; an ``env`` value's ``$(VAR)``
    is expanded from what is defined before it (kubernetes pkg/apis/core/types.go Container.EnvFrom and EnvVar,
    pkg/kubelet/kubelet_pods.go). The chart passes ``--configmap=$(POD_NAMESPACE)/ingress-nginx-controller`` with
    ``POD_NAMESPACE`` from the field ``metadata.namespace``: the workload's own namespace, as every Pod of it gets.
    """
    known = _Environment()
    for source in _l(container.get("envFrom")):
        source = as_mapping(source)
        prefix = str(source.get("prefix") or "")
        config_ref, secret_ref = as_mapping(source.get("configMapRef")), as_mapping(source.get("secretRef"))
        if config_ref.get("name"):
            ref = f"{namespace}/{config_ref['name']}"
            configmap = configmaps.get(ref)
            if configmap is None:
                if go_bool(str(config_ref.get("optional", "false"))) is not True:
                    known.opaque.append((prefix, f"from envFrom ConfigMap {ref}, which was not read"))
                continue  # an optional ConfigMap that does not exist defines nothing
            for key, value in as_mapping(as_mapping(configmap).get("data")).items():
                known.define(prefix + str(key), str(value))
        elif secret_ref.get("name"):
            why = f"from envFrom Secret {namespace}/{secret_ref['name']}, which albops does not read"
            known.opaque.append((prefix, why))
            for name in [n for n in known if n.startswith(prefix)]:
                known.define(name, None, why)
    for entry in _l(container.get("env")):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        name = entry["name"]
        source = as_mapping(entry.get("valueFrom"))
        field_path = as_mapping(source.get("fieldRef")).get("fieldPath")
        if "valueFrom" not in entry:
            # The kubelet expands a value's $(VAR) from the variables defined before it.
            missed: list[str] = []
            value = _expand(str(entry.get("value") or ""), known, missed)
            known.define(name, None if missed else value, f"its value refers to {', '.join(missed)}")
        elif field_path == "metadata.namespace":
            known.define(name, namespace)
        elif source.get("configMapKeyRef") is not None:
            key_ref = as_mapping(source.get("configMapKeyRef"))
            configmap = configmaps.get(f"{namespace}/{key_ref.get('name')}")
            found = as_mapping(as_mapping(configmap).get("data")).get(str(key_ref.get("key")))
            where = f"ConfigMap {namespace}/{key_ref.get('name')} key {key_ref.get('key')}"
            known.define(name, found if isinstance(found, str) else None, f"from {where}, which was not read")
        elif source.get("secretKeyRef") is not None:
            secret = as_mapping(source.get("secretKeyRef")).get("name")
            known.define(name, None, f"from Secret {namespace}/{secret}, which albops does not read")
        else:
            known.define(name, None, f"from the Pod's {field_path or 'resources'}, not known before it runs")
    return known


# How the kubelet expands $(VAR) (kubernetes third_party/forked/golang/expansion/expand.go): '$$' is a literal
# '$', '$(NAME)' takes NAME's value (any characters up to ')'), a reference to an unknown NAME stays as written,
# and a '$' followed by anything else is kept.
_REFERENCE = re.compile(r"\$\$|\$\(([^)]*)\)")


def _expand(word: str, env: Mapping[str, str], missed: list[str] | None = None) -> str:
    """``$(VAR)`` as the kubelet expands a container's command and args. Each reference left as written because
    its value is not known here goes into ``missed`` as 'VAR (why)'."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name in env:
            return env[name]
        if missed is not None:
            why = env.why_unknown(name) if isinstance(env, _Environment) else "not defined"
            missed.append(f"{name} ({why})")
        return match.group(0)

    return _REFERENCE.sub(one, word)


@dataclass(frozen=True, slots=True)
class Controller:
    """One ingress-nginx controller workload of the input, its flags read as the kubelet would pass them."""

    workload: dict[str, Any]
    flags: dict[str, str]
    # flag -> the $(VAR) references in it whose value the input does not show: what it decides is unknown
    unresolved: Mapping[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.workload.get('kind')} {_ref(self.workload)}"

    @property
    def controller_class(self) -> str:
        return self.flags.get("controller-class", INGRESS_NGINX_CONTROLLER)

    def classes(self, classes_by_controller: Mapping[str, Iterable[str]]) -> set[str]:
        """Its ``--ingress-class`` and the IngressClasses whose controller is its ``--controller-class``."""
        return {self.flags.get("ingress-class", "nginx"), *classes_by_controller.get(self.controller_class, ())}

    @property
    def watches_classless(self) -> bool:
        """``--watch-ingress-without-class`` (Go's flag package reads a boolean with ParseBool)."""
        return go_bool(self.flags.get("watch-ingress-without-class", "false")) is True


def configmaps_of(documents: list[Any]) -> dict[str, dict[str, Any]]:
    """The input's ConfigMaps by NAMESPACE/NAME."""
    return {_ref(o): o for o in objects(documents) if isinstance(o, dict) and o.get("kind") == "ConfigMap"}


def controllers(documents: list[Any], configmaps: Mapping[str, Any] | None = None) -> list[Controller]:
    """Every ingress-nginx controller Deployment or DaemonSet of the input, read one way for every caller (env
    values from the input's ConfigMaps included, so a flag means the same to each)."""
    configmaps = configmaps_of(documents) if configmaps is None else configmaps
    found = []
    for obj in objects(documents):
        if isinstance(obj, dict) and obj.get("kind") in ("Deployment", "DaemonSet"):
            read = read_controller(obj, configmaps)
            if read is not None:
                found.append(Controller(obj, *read))
    return found


def classes_by_controller(documents: list[Any]) -> dict[str, list[str]]:
    """The input's IngressClass names by their ``spec.controller``."""
    by_controller: dict[str, list[str]] = {}
    for obj in objects(documents):
        if isinstance(obj, dict) and obj.get("kind") == "IngressClass":
            name = str(_meta(obj).get("name"))
            by_controller.setdefault(str(as_mapping(obj.get("spec")).get("controller")), []).append(name)
    return by_controller


def controller_classes(documents: list[Any]) -> frozenset[str]:
    """Classes an ingress-nginx controller in the input serves: its ``--ingress-class`` and the IngressClasses
    whose controller is its ``--controller-class`` (the chart's controllerValue, k8s.io/ingress-nginx by default;
    a second install often runs k8s.io/ingress-nginx-internal)."""
    objs = [o for o in objects(documents) if isinstance(o, dict)]
    found = controllers(documents)
    controller_values = {c.controller_class for c in found}
    classes = {c.flags.get("ingress-class", "nginx") for c in found}
    # Chart instances the input shows by a chart-labelled controller object (its Service, say).
    instances = {_labels(o).get(INSTANCE_LABEL) for o in objs if _chart_controller(o)} - {None}
    for obj in objs:
        if obj.get("kind") != "IngressClass":
            continue
        # An IngressClass the chart made (its app.kubernetes.io/name label, or the instance label of a
        # chart-labelled controller object) is ingress-nginx's whatever its controllerValue, even with no
        # Deployment in the input to name that value.
        labels = _labels(obj)
        if (
            str(as_mapping(obj.get("spec")).get("controller")) in controller_values
            or labels.get(NAME_LABEL) == "ingress-nginx"
            or labels.get(INSTANCE_LABEL) in instances
        ):
            classes.add(str(_meta(obj).get("name")))
    return frozenset(classes)


def _selects(service: dict[str, Any], workload: dict[str, Any]) -> bool:
    selector = as_mapping(service.get("spec")).get("selector")
    template = as_mapping(as_mapping(workload.get("spec")).get("template"))
    labels = as_mapping(as_mapping(template.get("metadata")).get("labels"))
    return (
        isinstance(selector, dict)
        and bool(selector)
        and isinstance(labels, dict)
        and _meta(service).get("namespace", "default") == _meta(workload).get("namespace", "default")
        and all(str(labels.get(k)) == str(v) for k, v in selector.items())
    )


def _is_load_balancer(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == "Service" and as_mapping(obj.get("spec")).get("type") == "LoadBalancer"


def _chart_controller(obj: dict[str, Any]) -> bool:
    labels = _labels(obj)
    return labels.get(NAME_LABEL) == "ingress-nginx" and labels.get(COMPONENT_LABEL, "controller") == "controller"


def service_scheme(service: dict[str, Any]) -> tuple[str | None, str]:
    """The scheme of the NLB (or ELB) a LoadBalancer Service got, as the controller that made it decided.

    The AWS Load Balancer Controller (v3.5.0 pkg/service/model_build_load_balancer.go) takes Services of
    ``loadBalancerClass: service.k8s.aws/nlb`` or type ``external``/``nlb-ip``: ``aws-load-balancer-scheme``
    (internal or internet-facing, anything else an error), else the legacy ``aws-load-balancer-internal`` read
    with ParseBool, else the existing NLB's scheme or its ``--default-load-balancer-scheme`` (not in the Service:
    None, not read). The in-tree provider (kubernetes/cloud-provider-aws ``EnsureLoadBalancer``) makes it internal
    when ``aws-load-balancer-internal`` is set to anything but ``false`` or the empty string, else internet-facing.
    """
    annotations = {str(k): str(v) for k, v in as_mapping(_meta(service).get("annotations")).items()}
    spec = as_mapping(service.get("spec"))
    kind = annotations.get(SVC + "aws-load-balancer-type", "")
    internal = annotations.get(SVC + "aws-load-balancer-internal")
    if spec.get("loadBalancerClass") == LBC_CLASS or kind in LBC_TYPES:
        scheme = annotations.get(SVC + "aws-load-balancer-scheme")
        if scheme is not None:
            if scheme in ("internal", "internet-facing"):
                return scheme, f"the AWS Load Balancer Controller's aws-load-balancer-scheme: {scheme}"
            return None, f"aws-load-balancer-scheme {scheme!r} is neither internal nor internet-facing"
        if internal is not None:
            parsed = go_bool(internal)
            if parsed is None:
                return None, f"aws-load-balancer-internal {internal!r} is not a Go boolean"
            return ("internal" if parsed else "internet-facing"), f"aws-load-balancer-internal: {internal}"
        # Unannotated, buildLoadBalancerScheme keeps the scheme of the NLB it already made, else takes its
        # --default-load-balancer-scheme: neither shows in the Service, so the scheme is not read (the class
        # converts internal, reported as a guess, until --class-scheme says).
        return None, (
            "the AWS Load Balancer Controller made it with no aws-load-balancer-scheme: it kept the existing "
            "NLB's scheme, else its --default-load-balancer-scheme, and neither shows in the Service (aws elbv2 "
            "describe-load-balancers shows the NLB's Scheme)"
        )
    if spec.get("loadBalancerClass"):
        return None, f"loadBalancerClass {spec['loadBalancerClass']!r} is not one whose scheme is known here"
    # The in-tree provider (cloud-provider-aws aws.go EnsureLoadBalancer): "false" and "" are internet-facing,
    # any other value internal.
    if internal not in (None, "", "false"):
        return "internal", f"the in-tree provider's aws-load-balancer-internal: {internal}"
    return "internet-facing", "the in-tree provider's default (aws-load-balancer-internal unset, empty or 'false')"


def nlb_certificate(service: dict[str, Any]) -> str | None:
    """The certificate ARN(s) TLS ended with at the NLB on port 443, or None when port 443 is plain TCP.

    ``aws-load-balancer-ssl-ports`` names ports by number or name; unset, every port is TLS (both the
    controller and the in-tree provider read it so).
    """
    annotations = {str(k): str(v) for k, v in as_mapping(_meta(service).get("annotations")).items()}
    cert = annotations.get(SVC + "aws-load-balancer-ssl-cert", "").strip()
    if not cert:
        return None
    ports_raw = annotations.get(SVC + "aws-load-balancer-ssl-ports")
    if ports_raw is None or ports_raw.strip() == "*":
        return cert
    wanted = {p.strip() for p in ports_raw.split(",") if p.strip()}
    for port in _l(as_mapping(service.get("spec")).get("ports")):
        if isinstance(port, dict) and str(port.get("port")) == "443" and wanted & {"443", str(port.get("name", ""))}:
            return cert
    return None


def read_install(documents: list[Any], options: Options, report: Report) -> InstallFacts:
    """Every install the input shows, matched to its classes, with the report saying what was read."""
    objs = [o for o in objects(documents) if isinstance(o, dict)]
    configmaps = configmaps_of(documents)
    services = [o for o in objs if _is_load_balancer(o)]
    by_controller = classes_by_controller(documents)
    class_labels = {str(_meta(o).get("name")): _labels(o) for o in objs if o.get("kind") == "IngressClass"}
    installs: list[Install] = []
    facts = InstallFacts()
    for controller in controllers(documents, configmaps):
        obj, flags = controller.workload, controller.flags
        install = Install(controller.label)
        facts.consumed.add((str(obj.get("kind")), _ref(obj)))
        install.classes |= controller.classes(by_controller)
        install.ssl_passthrough = go_bool(flags.get("enable-ssl-passthrough", "false")) is True
        ref = flags.get("configmap")
        if ref and ref in configmaps:
            install.config_name, install.config = ref, _data(configmaps[ref])
        elif ref:
            install.missing_config = ref
        else:
            # --configmap defaults to "" (controller-v1.15.1 pkg/flags/flags.go) and the store reads only the
            # ConfigMap it names (store.go): none named, ingress-nginx runs on its built-in defaults
            # (config.NewDefault), whatever ConfigMap sits beside it under the chart's name.
            install.builtin_config = True
        published = flags.get("publish-service")
        matched = [s for s in services if published and _ref(s) == published] or [
            s for s in services if _selects(s, obj)
        ]
        if len(matched) == 1:
            install.service = matched[0]
        elif len(matched) > 1:
            report.add(
                "*",
                install.label,
                "note",
                f"several LoadBalancer Services select it ({', '.join(_ref(s) for s in matched)}); none read "
                "for its scheme: pass --class-scheme",
            )
        installs.append(install)
    # Claimed per kind: the chart gives the controller's ConfigMap and Service the same namespace/name, so one
    # set would take the ConfigMap as claimed by the Service and never read it.
    claimed = {i.config_name for i in installs if i.config_name}
    claimed_services = {_ref(i.service) for i in installs if i.service}
    # Chart-labelled Services and classes with no Deployment in the input: matched by the chart instance.
    for service in services:
        if _ref(service) in claimed_services or not _chart_controller(service):
            continue
        instance = _labels(service).get(INSTANCE_LABEL)
        classes = {n for n, labels in class_labels.items() if instance and labels.get(INSTANCE_LABEL) == instance}
        if classes:
            installs.append(Install(f"chart instance {instance!r}", classes, service=service))
            claimed_services.add(_ref(service))
    decided = _claimed_twice(installs, options, facts, report)
    for install in installs:
        if install.config is not None and install.config_name:
            facts.consumed.add(("ConfigMap", install.config_name))
        if install.service is not None:
            facts.consumed.add(("Service", _ref(install.service)))
        for cls in sorted(install.classes):
            if install.missing_config:
                facts.missing_configs[cls] = install.missing_config
            if install.config is not None and cls not in facts.config_conflicts:
                facts.configs[cls] = (install.config_name, install.config)
            if install.builtin_config and cls not in facts.config_conflicts:
                facts.builtin_configs.setdefault(cls, install.label)
            if install.ssl_passthrough is not None:
                facts.passthrough[cls] = install.ssl_passthrough
            if install.service is not None:
                scheme, why = service_scheme(install.service)
                if cls in decided:
                    pass  # _claimed_twice decided: internal, reported
                elif scheme is not None:
                    facts.schemes[cls] = (scheme, f"Service {_ref(install.service)}: {why}")
                else:
                    facts.unread_schemes.setdefault(cls, f"Service {_ref(install.service)}: {why}")
                    report.add("*", f"Service {_ref(install.service)}", "note", f"scheme not read: {why}")
                cert = nlb_certificate(install.service)
                if cert:
                    facts.nlb_certificates[cls] = cert
                facts.lb_services.setdefault(cls, [])
                if _ref(install.service) not in facts.lb_services[cls]:
                    facts.lb_services[cls].append(_ref(install.service))
    # A ConfigMap no Deployment names: the chart's name, or the chart's labels.
    loose = sorted(
        ref
        for ref, obj in configmaps.items()
        if ref not in claimed and (str(_meta(obj).get("name")) == CHART_CONFIGMAP or _chart_controller(obj))
    )
    if len(loose) == 1:
        facts.default_config = (loose[0], _data(configmaps[loose[0]]))
        facts.consumed.add(("ConfigMap", loose[0]))
    elif len(loose) > 1:
        facts.ambiguous_configs = tuple(loose)
    return facts


def _claimed_twice(installs: list[Install], options: Options, facts: InstallFacts, report: Report) -> set[str]:
    """Two installs (the same --controller-class, say) serving one class: never let the last one decide.

    Where their Services give different schemes the class is internal (never internet-facing by a silent
    choice) and the report says so; where their ConfigMaps differ neither is picked and the class's
    Ingresses are held back (protection.ambiguous_config) until --controller-config names one.
    """
    by_class: dict[str, list[Install]] = {}
    for install in installs:
        for cls in install.classes:
            by_class.setdefault(cls, []).append(install)
    explicit = dict(options.class_schemes)
    decided: set[str] = set()
    for cls, claims in sorted(by_class.items()):
        if len(claims) < 2:
            continue
        labels = " and ".join(i.label for i in claims)
        schemes = {}
        for install in claims:
            if install.service is not None:
                scheme, _ = service_scheme(install.service)
                schemes[install.label] = scheme
        if len({str(s) for s in schemes.values()}) > 1:
            said = ", ".join(f"{label}: {scheme or 'unknown'}" for label, scheme in schemes.items())
            why = (
                f"two installs serve class {cls!r} with different schemes ({said}): internal, never "
                "internet-facing by a silent choice"
            )
            facts.schemes[cls] = ("internal", why)
            decided.add(cls)
            if cls not in explicit:
                report.add(
                    "*",
                    f"class {cls}",
                    "not-converted",
                    f"{why}; pass --class-scheme {cls}=SCHEME for the scheme its clients used",
                )
        names = {i.config_name for i in claims if i.config is not None}
        # Two ConfigMaps that say the same thing leave nothing to choose between.
        contents = {tuple(sorted(i.config.items())) for i in claims if i.config is not None}
        # An install with no --configmap runs on the built-in defaults: an empty ConfigMap, as it reads none.
        if any(i.builtin_config for i in claims):
            names.add(BUILTIN_CONFIG)
            contents.add(())
        if len(names) > 1 and len(contents) > 1 and not options.controller_config:
            facts.config_conflicts[cls] = tuple(sorted(names))
            report.add(
                "*",
                f"class {cls}",
                "not-converted",
                f"{labels} both serve class {cls!r} with different ConfigMaps ({', '.join(sorted(names))}); "
                "none was picked: pass --controller-config with the one its Ingresses inherit",
            )
    return decided


def _data(configmap: dict[str, Any]) -> dict[str, str]:
    data = configmap.get("data")
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def leave_out_install(documents: list[Any], facts: InstallFacts, report: Report) -> None:
    """Take the install's own objects out of the output, each with a note: they were read, not converted."""
    # Last first: deleting from a container never moves an index still to visit.
    for container, i in reversed(list(places(documents))):
        obj = container[i]
        if not isinstance(obj, dict):
            continue
        key = (str(obj.get("kind")), _ref(obj))
        if key in facts.consumed:
            del container[i]
            report.add(
                f"{key[0]} {key[1]}",
                "ingress-nginx install",
                "note",
                "read for the conversion (its classes, ConfigMap, scheme or NLB certificate) and not written: "
                "applying it would re-apply ingress-nginx's controller as the dump had it",
            )


def watches_classless(documents: list[Any]) -> bool:
    """Whether an ingress-nginx controller in the input runs with ``--watch-ingress-without-class`` true: it then
    serves Ingresses that name no class."""
    return any(c.watches_classless for c in controllers(documents))
