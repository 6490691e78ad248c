"""`albops check`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albingress.facts.names import PLANNED_ENVIRONMENTS
from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from albops.cli import args as argtypes
from albops.cli.common import cloud_facts_option, say

if TYPE_CHECKING:
    from albingress.policies.review import ClusterClass


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        allow_abbrev=False,
        help="run the guardrail rules over Kubernetes YAML and IAM policy JSON",
        description="Prints each violation with its rule, object and fix. Exit 0 clean, 1 violations, 2 unreadable.",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, help="files or directories (*.yaml, *.yml, *.json), or - for stdin"
    )
    check.add_argument("--json", action="store_true", help="one JSON document on stdout")
    check.add_argument("--list", action="store_true", help="print the rules and exit")
    check.add_argument(
        "--ingress-class", action="append", default=[], help="IngressClass name(s) of ALB Ingresses (default: alb)"
    )
    check.add_argument(
        "--environment",
        choices=PLANNED_ENVIRONMENTS,
        help="treat the input as this environment (production adds rules)",
    )
    cloud_facts_option(check, "the cluster's IngressClasses and their params, as plan's facts file describes them")
    check.add_argument(
        "--cluster",
        type=argtypes.cluster_name,
        help="the cluster of --cloud-facts to check against",
    )


def run(args: argparse.Namespace) -> int:
    from albingress.policies.guardrails import RULES, evaluate
    from albingress.policies.review import Context, Stack
    from albops.check import combined, load_with_origins, validation_violations, with_origins
    from albops.manifests import UnreadableError

    if args.list and args.paths:
        # `check --list manifests/` in a pipeline would exit 0 having checked nothing.
        return say(
            f"error: --list prints the rules and checks nothing, but {' '.join(map(str, args.paths))} was given "
            "too: drop --list to check it, or the path to list the rules",
            EXIT_BAD_INPUT,
        )
    if args.list:
        if args.json:
            listed = [{"id": r.id, "mandatory": r.mandatory, "title": r.title, "protects": r.protects} for r in RULES]
            print(json.dumps({"rules": listed}, indent=2))
            return EXIT_OK
        for rule in RULES:
            kind = "mandatory" if rule.mandatory else "advisory"
            print(f"{rule.id:<22} {kind:<9} {rule.title} (protects against {rule.protects})")
        return EXIT_OK
    if not args.paths:
        return say("error: give files or directories to check (or --list)", EXIT_BAD_INPUT)
    try:
        resources, origins = load_with_origins(args.paths)
    except UnreadableError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    if not resources:
        named = " ".join(str(p) for p in args.paths)
        # An empty file is most often the output of a command that wrote nothing (migrate holding every Ingress
        # back exits 3 with an empty stdout): say so, or the user hunts for a format problem.
        empty = [p for p in args.paths if str(p) != "-" and p.is_file() and not p.read_bytes().strip()]
        hint = (
            f" ({', '.join(map(str, empty))} {'is' if len(empty) == 1 else 'are'} empty: if a command wrote it, "
            "that command wrote nothing; `albops migrate` writes nothing when it holds everything back, see its "
            "report)"
            if empty
            else ""
        )
        return say(
            f"error: {named}: no Kubernetes object (apiVersion and kind) or IAM policy document (Statement) to "
            f"check; give manifests or IAM JSON{hint}",
            EXIT_BAD_INPUT,
        )
    try:
        cluster_classes, facts_note = _check_facts(args)
    except ValueError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    # With the cluster's classes known, "alb" is no longer assumed to be an ALB class: the facts say which are.
    assumed = ["alb"] if not cluster_classes else []
    context = Context(
        ingress_classes=frozenset(args.ingress_class or assumed),
        environment=args.environment,
        cluster_classes=cluster_classes,
    )
    violations = evaluate(resources, context)
    violations = with_origins(combined(violations, validation_violations(resources, origins)), resources, origins)
    unclassified = [
        {"ingress": f"{i.namespace}/{i.name}", "class": Stack(resources, context).class_of(i)}
        for i in Stack(resources, context).unclassified_ingresses()
    ]
    if args.json:
        document: dict[str, Any] = {
            "resources": len(resources),
            "violations": [v.__dict__ for v in violations],
            "unclassified": unclassified,
        }
        if facts_note:
            document["cloudFacts"] = facts_note
        print(json.dumps(document, indent=2))
    else:
        if facts_note:
            print(facts_note)
        for violation in violations:
            print(violation)
        if unclassified:
            named = ", ".join(sorted({str(u["class"] or "(none)") for u in unclassified}))
            print(
                f"note: {len(unclassified)} Ingress(es) of class {named} not checked as ALB Ingresses (no IngressClass "
                "says which controller serves it): name an ALB class with --ingress-class, or give --cloud-facts"
            )
            defaults = Stack(resources, context).default_classes()
            if len(defaults) > 1 and any(u["class"] is None for u in unclassified):
                print(
                    f"note: {len(defaults)} IngressClasses are marked default ({', '.join(defaults)}): the API server "
                    "gives a new Ingress without a class the newest of them (Kubernetes 1.25 and later; before, it "
                    "refused the Ingress), and the controller refuses a group holding one stored without a class "
                    "('multiple default IngressClasses found'), so this tool cannot say which class it gets: mark "
                    "one default, or give each Ingress its class"
                )
        print(f"{len(resources)} objects checked, {len(violations)} violations")
    if any(v.bad_input for v in violations):
        return EXIT_BAD_INPUT  # a value the API server or AWS refuses: the input must be fixed first
    return EXIT_FINDINGS if violations else EXIT_OK


def _check_facts(args: argparse.Namespace) -> tuple[dict[str, ClusterClass], str]:
    """The IngressClasses of the cluster ``--cloud-facts`` describes, and a line saying where they came from."""
    from albingress.policies.review import ClusterClass
    from albops.preview.cloud_facts import FactsError, load_facts

    if args.cloud_facts is None:
        if args.cluster is not None:
            raise ValueError("--cluster names a cluster of --cloud-facts; give the facts file too")
        return {}, ""
    try:
        clusters, _ = load_facts(args.cloud_facts)
    except FactsError as error:
        raise ValueError(str(error)) from None
    if args.cluster is None and len(clusters) != 1:
        names = ", ".join(sorted(clusters)) or "none"
        raise ValueError(f"--cloud-facts {args.cloud_facts} describes clusters {names}: name one with --cluster")
    name = args.cluster if args.cluster is not None else next(iter(clusters))
    if name not in clusters:
        known = ", ".join(sorted(clusters)) or "none"
        raise ValueError(f"--cluster {name}: not in {args.cloud_facts} (it describes {known}); add it or fix the name")
    found = clusters[name].ingress_classes
    classes = {k: ClusterClass(controller=v.controller, params=v.params) for k, v in found.items()}
    listed = ", ".join(f"{k} ({v.controller}{', with params' if v.params else ''})" for k, v in sorted(found.items()))
    return classes, f"IngressClasses of cluster {name} from {args.cloud_facts}: {listed or 'none listed'}"
