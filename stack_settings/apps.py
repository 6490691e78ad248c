"""``alb-ingress:apps``: the platform's apps, checked, sharded and counted whole against their groups' ALB
quotas (with the echoserver) before anything is created; they become AlbApp args.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
)
from pydantic.alias_generators import to_camel

from albingress.components.controller.model import (
    ControllerSettings,
)
from albingress.components.model import DNS_LABEL, Problem
from albingress.components.sections import (
    AlbSettings,
    EchoserverSettings,
)
from albingress.facts.names import PROJECT
from albingress.stack_settings.problems import describe

# alb-ingress:apps keys (camelCase, as the rest of the stack config) and the AlbApp inputs they set.
APP_KEYS = {
    "name": "name",
    "namespace": "namespace",
    "serviceName": "service_name",
    "servicePort": "service_port",
    "hosts": "hosts",
    "paths": "paths",
    "group": "group",
    "shards": "shards",
    "order": "order",
    "certificateArn": "certificate_arn",
    "healthCheckPath": "health_check_path",
    "stripPrefix": "strip_prefix",
    "replicas": "replicas",
    "api": "api",
}
_APP_KEY_NAMES = {v: k for k, v in APP_KEYS.items()}
_CAMEL_WORDS = tuple((snake, camel) for snake, camel in _APP_KEY_NAMES.items() if "_" in snake)


def _app_key(index: int, problem: str) -> Problem:
    """An AlbApp problem (``args.<input>: ...``) as the stack key that set it (``alb-ingress:apps[i].<key>``)."""
    head, _, message = problem.partition(": ")
    path = head.removeprefix("args.") if head.startswith("args.") else ""
    first, dot, rest = path.partition(".")
    bracket = first.find("[")
    name, tail = (first[:bracket], first[bracket:]) if bracket >= 0 else (first, "")
    key = _APP_KEY_NAMES.get(name, name) + tail + (dot + to_camel(rest) if rest else "")
    where = f"{PROJECT}:apps[{index}]" + (f".{key}" if key else "")
    text = message if path else problem
    # The component's input names in its words are the stack file's camelCase keys here.
    for snake, camel in (*_CAMEL_WORDS, ("path_type", "pathType")):
        text = re.sub(rf"\b{snake}\b", camel, text)
    return Problem(where, text)


def warn(message: str) -> None:
    """A warning for the person running the plan or ``pulumi up``: the engine's log when a program runs,
    stderr otherwise."""
    import pulumi

    pulumi.log.warn(f"{message} (a warning: the plan goes on)")


def _gateway_app_problems(
    index: int, given: dict[str, Any], alb: AlbSettings, echo: EchoserverSettings
) -> list[Problem]:
    """An app on the stack's Gateway: there must be one (alb.api gateway), it is the stack's group, and its
    listeners must admit the app's namespace (alb.allowedNamespaces), or the route is never accepted."""
    where = f"{PROJECT}:apps[{index}]"
    if alb.api != "gateway":
        return [
            Problem(
                f"{where}.api",
                "is gateway, but the stack makes no Gateway (alb.api is ingress): set alb.api: gateway, or remove it",
            )
        ]
    problems: list[Problem] = []
    if given.get("group") != alb.group_name:
        problems.append(
            Problem(
                f"{where}.group",
                f"{given.get('group')!r}: the stack's one Gateway is {alb.group_name!r} (alb.groupName); remove the "
                "key, or give the app api: ingress for a group of its own",
            )
        )
    namespace = given.get("namespace")
    admitted = (echo.namespace, *(alb.allowed_namespaces or ()))
    if isinstance(namespace, str) and namespace not in admitted:
        problems.append(
            Problem(
                f"{where}.namespace",
                f"{namespace!r} is not admitted by the Gateway's listeners ({', '.join(admitted)}): add it to "
                "alb.allowedNamespaces, or the route is never accepted",
            )
        )
    return problems


def check_apps(
    raw: list[Any], sections: Mapping[str, BaseModel], region: str | None = None, stack: str | None = None
) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """Check every app of alb-ingress:apps, place the sharded ones, and count every group's budget at once.

    The whole list is counted before anything is created: a group over an ALB quota, two apps on one host and
    path, or apps that disagree on a group-wide setting stop the plan with the apps named.
    """
    from albingress.components.app.component import certificate_problem, conflicts, host_warnings, plan_app
    from albingress.components.echoserver import echoserver_app
    from albingress.policies.alb_budget import Quotas, assign_shards, budget_problems, certificate_notes

    alb = sections.get("alb")
    echo = sections.get("echoserver")
    controller = sections.get("controller")
    stack_file = f"Pulumi.{stack}.yaml" if stack else "Pulumi.<stack>.yaml"
    # No early return without apps: the echoserver's group is budgeted (listeners, rules) all the same.
    problems: list[Problem] = []
    if not isinstance(alb, AlbSettings) or not isinstance(echo, EchoserverSettings):
        # Their own problems are reported; the apps are checked against the group settings those sections hold, so
        # only once they are right. Said, so that a fixed file's next plan showing app problems is no surprise.
        missing = [f"{PROJECT}:{n}" for n, s in (("alb", alb), ("echoserver", echo)) if s is None]
        if raw and missing:
            return [], [
                Problem(
                    f"{PROJECT}:apps",
                    f"not checked yet: the apps are checked against {' and '.join(missing)}, which have problems of "
                    "their own above; fix those and plan again",
                )
            ]
        return [], []
    bad_names: set[int] = set()
    items: list[tuple[int, str, dict[str, Any]]] = []
    for index, item in enumerate(raw):
        where = f"{PROJECT}:apps[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, f"{describe(item)} is not an app; write name:, namespace:, hosts: ..."))
            continue
        unknown = sorted(set(item) - set(APP_KEYS))
        for key in unknown:
            close = difflib.get_close_matches(key, list(APP_KEYS), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(Problem(f"{where}.{key}", f"unknown key; {hint}known keys: {', '.join(APP_KEYS)}"))
        name = item.get("name")
        if not isinstance(name, str) or not DNS_LABEL.fullmatch(name):
            problems.append(
                Problem(
                    f"{where}.name",
                    f"{name!r} is not a Kubernetes name (the app's Ingress name): use lower-case letters, digits "
                    "and '-', at most 63",
                )
            )
            if not isinstance(name, str):
                continue
            # Its other keys are still checked, so every problem of the list is reported at once.
            bad_names.add(index)
        if any(name == other for _, other, _ in items):
            problems.append(Problem(f"{where}.name", f"{name!r} names another app too; give each app its own name"))
            continue
        given = {APP_KEYS[k]: v for k, v in item.items() if k in APP_KEYS and k != "name"}
        given = {"group": alb.group_name, **given}
        if isinstance(given.get("paths"), list):
            given["paths"] = [
                {("path_type" if k == "pathType" else k): v for k, v in p.items()} if isinstance(p, dict) else p
                for p in given["paths"]
            ]
        # The stack's group-wide settings are the apps' too.
        given |= {"scheme": alb.scheme, "ssl_policy": alb.ssl_policy}
        given.setdefault("api", alb.api)
        if given["api"] == "gateway":
            problems.extend(_gateway_app_problems(index, given, alb, echo))
            # The stack's Gateway: named after its group, in the echoserver's namespace.
            given["gateway_namespace"] = echo.namespace
        if isinstance(controller, ControllerSettings):
            given["ingress_class"] = controller.class_name("lbc")
        items.append((index, name, given))
    # Sharded groups are placed all at once, so a host shared by two apps never lands in two shards.
    placed: dict[str, str] = {}
    by_group: dict[tuple[str, int], dict[str, list[str]]] = {}
    for _, name, given in items:
        shards, group, hosts = given.get("shards", 1), given.get("group"), given.get("hosts")
        if isinstance(shards, int) and shards > 1 and isinstance(group, str) and isinstance(hosts, list):
            by_group.setdefault((group, shards), {})[name] = [h for h in hosts if isinstance(h, str)]
    for (group, shards), apps in by_group.items():
        placed |= assign_shards(apps, group, shards)
    plans = []
    result: list[tuple[str, dict[str, Any]]] = []
    for index, name, given in items:
        controller_namespaces = (controller.namespace,) if isinstance(controller, ControllerSettings) else ()
        plan, found = plan_app(
            name,
            {k: v for k, v in given.items() if k != "certificate_arn"},
            placed.get(name),
            controller_namespaces=controller_namespaces,
        )
        arn = given.get("certificate_arn")
        if arn is not None:
            problem = certificate_problem(arn, region) if isinstance(arn, str) else f"{arn!r} is not text"
            if problem:
                found.append(f"args.certificate_arn: {problem}")
        if given.get("namespace") == echo.namespace:
            found.append(
                f"args.namespace: {echo.namespace!r} is the echoserver's namespace, which the stack creates and "
                "deletes on destroy (with everything in it): give the app a namespace of its own"
            )
        if index in bad_names:
            found = [p for p in found if not p.startswith("name: ")]  # said above, with the stack's words
        problems.extend(_app_key(index, p) for p in found)
        if plan is not None and not found and index not in bad_names:
            plans.append(plan)
            args = {k: v for k, v in given.items() if k != "shards"}
            if args.get("api") == "gateway" and "certificate_arn" in args:
                # On the Gateway's LoadBalancerConfiguration instead: a route cannot carry a certificate.
                args["gateway_certificate_arn"] = args.pop("certificate_arn")
            args["group"] = plan.group
            args["quotas"] = {
                "rules": alb.quotas.rules,
                "certificates": alb.quotas.certificates,
                "targets": alb.quotas.targets,
                "listeners": alb.quotas.listeners,
            }
            result.append((name, args))
    # The conflicts and the budget are checked over the apps that are right so far, so every problem of
    # the list is reported at once.
    # The echoserver is an app of the stack's group (the same plan its Ingress is built from): its host, its
    # two paths and its pods count too.
    echo_plan = echoserver_app(echo, alb, "alb")
    # In gateway mode the echoserver's Service has its TargetGroupConfiguration too.
    echo_member = dataclasses.replace(echo_plan, api=alb.api)
    every = [echo_member, *plans]
    problems.extend(Problem(f"{PROJECT}:apps", p) for p in conflicts(every, fixed=echo_member))
    for warning in host_warnings(every):
        warn(f"{stack_file}: {PROJECT}:apps: {warning}")
    if alb.ssl_redirect != 443 and any(p.group == alb.group_name for p in plans):
        problems.append(
            Problem(
                f"{PROJECT}:alb.sslRedirect",
                f"is {alb.ssl_redirect}, but apps in group {alb.group_name} redirect to 443; it is group-wide: set 443",
            )
        )
    quotas = Quotas(
        rules=alb.quotas.rules,
        certificates=alb.quotas.certificates,
        targets=alb.quotas.targets,
        listeners=alb.quotas.listeners,
    )
    footprints = [
        dataclasses.replace(
            echo_plan.footprint("the stack's certificate"),
            https_ports=tuple(alb.https_ports),
            http_ports=tuple(port for e in alb.listen_ports for proto, port in e.items() if proto == "HTTP"),
            ssl_redirect=alb.ssl_redirect is not None,
            api=alb.api,
            # In gateway mode the stack's Gateway redirects HTTP with a route: a rule on each HTTP listener.
            redirect_route=alb.api == "gateway" and alb.ssl_redirect is not None,
        ),
        *(
            plan.footprint(args.get("certificate_arn") or args.get("gateway_certificate_arn"))
            for plan, (_, args) in zip(plans, result, strict=True)
        ),
    ]
    where = f"{PROJECT}:apps" if raw else f"{PROJECT}:alb"
    problems.extend(Problem(where, p) for p in budget_problems(footprints, quotas))
    for note in certificate_notes(footprints, quotas):
        warn(f"{stack_file}: {where}: {note}")
    return (result if not problems else []), problems
