"""`albops migrate`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED
from albops.cli import args as argtypes
from albops.cli.common import call_timeout_option, say


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser(
        "migrate",
        allow_abbrev=False,
        help="convert ingress-nginx Ingresses to ALB Ingresses or Gateway API objects; the rest passes through",
        description="Writes converted YAML to stdout and a report to stderr. Exit 0 when no finding reaches "
        "--fail-on (default: nothing was left out), 1 when one does, 2 when input or an option cannot be read, 3 "
        "when an Ingress would lose its protection (then nothing is written; see --allow-unprotected). "
        "docs/migrate.md has the whole page.",
    )
    migrate.add_argument(
        "inputs", nargs="*", help="files, directories, or - for stdin (none with --from-cluster: it reads the cluster)"
    )
    migrate.add_argument(
        "--group",
        type=argtypes.group_name,
        default="migrated",
        help="ALB group of the converted Ingresses (migrated); plain-HTTP ones of a redirecting group go to NAME-http",
    )
    migrate.add_argument(
        "--shards",
        type=argtypes.count(1, 64),
        default=1,
        metavar="N",
        help="split each converted ALB group over <group>-1..N by host (all Ingresses of a host in one); without "
        "it a group over an ALB quota is refused (1-64)",
    )
    migrate.add_argument(
        "--side-by-side",
        action="store_true",
        help="write the converted Ingresses under new names (NAME + --name-suffix), so applying them creates ALB "
        "Ingresses beside the ingress-nginx ones; the report lists per host the next command (albops cutover)",
    )
    migrate.add_argument(
        "--name-suffix",
        type=argtypes.name_suffix,
        default=None,
        metavar="SUFFIX",
        help="with --side-by-side: appended to each converted Ingress's name (-alb)",
    )
    migrate.add_argument(
        "--from-cluster",
        action="store_true",
        help="read the Ingresses, IngressClasses, Services, ingress-nginx controllers and their ConfigMaps from "
        "the cluster (get and list only) instead of files; docs/migrate.md#from-a-cluster",
    )
    migrate.add_argument("--kubeconfig", metavar="FILE", help="with --from-cluster: the kubeconfig (as kubectl's)")
    migrate.add_argument("--context", metavar="NAME", help="with --from-cluster: the kubeconfig context")
    migrate.add_argument(
        "--namespace",
        action="append",
        default=[],
        type=argtypes.object_name,
        metavar="NS",
        help="with --from-cluster: read namespaced objects in NS only (repeatable; default all namespaces); "
        "include the ingress-nginx controllers' namespaces",
    )
    call_timeout_option(migrate)
    migrate.add_argument(
        "--certificate-arn",
        type=argtypes.certificate_arn_list,
        help="ACM (or IAM server) certificate ARN(s), comma-separated, for the HTTPS listener (default: discovery)",
    )
    migrate.add_argument(
        "--scheme",
        choices=["internet-facing", "internal"],
        default=None,
        help="ALB scheme of every class the input does not decide (default: internal, never internet-facing by guess)",
    )
    migrate.add_argument(
        "--class-scheme",
        action="append",
        default=[],
        type=argtypes.class_scheme,
        metavar="CLASS=SCHEME",
        help="ALB scheme (internal or internet-facing) of one ingress-nginx class's Ingresses (repeatable); wins over "
        "--scheme and the controller Service in the input",
    )
    migrate.add_argument(
        "--ingress-class",
        type=argtypes.object_name,
        default="alb",
        help="IngressClass of the converted Ingresses (alb; a DNS-1123 subdomain, as the API server takes it)",
    )
    migrate.add_argument("--include-classless", action="store_true", help="also convert Ingresses without a class")
    migrate.add_argument(
        "--annotations-prefix",
        type=argtypes.annotation_prefix,
        metavar="PREFIX",
        help="the --annotations-prefix ingress-nginx runs with (nginx.ingress.kubernetes.io, or what every "
        "ingress-nginx Deployment of the input runs with): its annotations are "
        "read under it, and ingress-nginx names under any other prefix are reported",
    )
    migrate.add_argument("--report", type=argtypes.output_file, help="also write the report as JSON to this file")
    migrate.add_argument(
        "--report-format",
        choices=["text", "markdown", "json"],
        default="text",
        help="the report on stderr: text (default), markdown (a table per Ingress, group findings once per "
        "group) or json (the --report shape)",
    )
    migrate.add_argument(
        "--nginx-class",
        action="append",
        default=[],
        metavar="NAME",
        help="an IngressClass name ingress-nginx serves besides nginx (repeatable; IngressClasses in the input "
        "whose controller is k8s.io/ingress-nginx count too)",
    )
    migrate.add_argument(
        "--allow-unprotected",
        action="store_true",
        help="also write Ingresses that lose their authentication or access rules (exit 3 without it)",
    )
    migrate.add_argument(
        "--fail-on",
        choices=["lost-protection", "not-converted", "approximated"],
        default="not-converted",
        help="exit 1 when a finding of this severity or a more serious one exists (severities: lost-protection > "
        "not-converted > approximated > note; default not-converted); a held-back Ingress is exit 3 whatever this says",
    )
    migrate.add_argument(
        "--allow-unprotected-ingress",
        action="append",
        default=[],
        type=argtypes.namespaced_name,
        metavar="NAMESPACE/NAME",
        help="also write this Ingress although it loses its protection (repeatable; --allow-unprotected: all); "
        "one that names no ingress-nginx Ingress of the input is an error",
    )
    migrate.add_argument(
        "--controller-config",
        help="the ingress-nginx controller ConfigMap (YAML) whose global defaults the Ingresses inherit",
    )
    migrate.add_argument(
        "--to",
        choices=["ingress", "gateway"],
        default="ingress",
        help="write ALB Ingresses (default) or Gateway API objects for the controller's ALB Gateways",
    )
    migrate.add_argument(
        "--gateway",
        type=argtypes.namespaced_name,
        metavar="NAMESPACE/NAME",
        help="with --to gateway: attach the routes to this existing Gateway instead of writing one per group",
    )
    migrate.add_argument(
        "--gateway-class", type=argtypes.object_name, default="alb", help="with --to gateway: the GatewayClass (alb)"
    )


def _each_ingress_once(check: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    """``check``, and a refusal of a second Ingress of one namespace and name (a file given twice, or two
    projects' examples that share a name): one namespace holds one Ingress of a name, so the output would
    apply one over the other, and the report, which names Ingresses by namespace and name, would mix up their
    findings and counts. A manifest without a namespace counts as ``default``, as migrate names it."""
    from albops.manifests import UnreadableError
    from albops.migrate.reading import kubernetes_kind

    seen: dict[tuple[str, str], str] = {}

    def ingresses(document: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
        if not isinstance(document, dict):
            return
        items = document.get("items")
        if str(document.get("kind", "")).endswith("List") and isinstance(items, list):
            for i, item in enumerate(items):
                yield from ingresses(item, f"{where} item {i + 1}")
        elif kubernetes_kind(document) == "Ingress":
            yield document, where

    def checked(document: Any, where: str) -> None:
        check(document, where)
        for ingress, at in ingresses(document, where):
            found = ingress.get("metadata")
            meta: dict[str, Any] = found if isinstance(found, dict) else {}
            if not isinstance(meta.get("name"), str):
                continue  # generateName gives each its own name; no name at all is refused for itself
            key = (str(meta.get("namespace") or "default"), meta["name"])
            if key in seen:
                raise UnreadableError(
                    f"{at}: Ingress {key[0]}/{key[1]} again (also {seen[key]}): a namespace holds one Ingress of a "
                    "name, so one would replace the other and the report would mix them up; give the inputs once, "
                    "give each its own namespace or name, or migrate them in separate runs"
                )
            seen[key] = at

    return checked


def _is_an_input(report: Path, sources: list[str], read: list[str]) -> bool:
    """Whether ``report`` is one of the files migrate read (``read``, the files ``sources`` named or held: the
    same file, so a symlink or a hard link to one counts, and stdin redirected from it), or a YAML file a
    directory given would read next run."""
    import os
    import sys

    from albops.manifests import YAML_SUFFIXES

    try:
        if not report.exists():
            folders = [Path(source).resolve() for source in sources if source != "-" and Path(source).is_dir()]
            target = report.resolve()
            return report.suffix in YAML_SUFFIXES and any(target.is_relative_to(folder) for folder in folders)
        written = report.stat()
        if "-" in sources:
            stdin = os.fstat(sys.stdin.fileno())
            if (stdin.st_dev, stdin.st_ino) == (written.st_dev, written.st_ino):
                return True
    except (OSError, RuntimeError, ValueError):  # unreadable inputs were refused before this
        return False
    for path in read:
        try:
            found = os.stat(path)
        except (OSError, ValueError):  # "stdin" names standard input, not a file; a file gone since it was read
            continue
        if (found.st_dev, found.st_ino) == (written.st_dev, written.st_ino):
            return True
    return False


def run(args: argparse.Namespace) -> int:
    from albops.manifests import read_files, refusal
    from albops.migrate import Options, dump, migrate
    from albops.migrate.report_formats import as_json, render_lines
    from albops.migrate.shapes import check_shape

    if args.to == "gateway" and args.shards != 1:
        return say("error: --shards only applies with --to ingress; drop --shards", EXIT_BAD_INPUT)
    if args.name_suffix is not None and not args.side_by_side:
        return say(
            "error: --name-suffix only applies with --side-by-side; add it, or drop --name-suffix", EXIT_BAD_INPUT
        )
    if args.side_by_side and args.to == "gateway":
        return say(
            "error: --side-by-side applies to --to ingress only: Gateway API routes are new objects anyway and "
            "leave the ingress-nginx Ingresses in place; drop --side-by-side",
            EXIT_BAD_INPUT,
        )
    if args.to != "gateway" and (args.gateway is not None or args.gateway_class != "alb"):
        flag = "--gateway" if args.gateway is not None else "--gateway-class"
        return say(f"error: {flag} only applies with --to gateway; add it, or drop {flag}", EXIT_BAD_INPUT)

    schemes_given: dict[str, str] = {}
    for cls, scheme in args.class_scheme:
        if schemes_given.setdefault(cls, scheme) != scheme:
            return say(
                f"error: --class-scheme {cls}={schemes_given[cls]} and --class-scheme {cls}={scheme}: one scheme "
                f"per class; keep the one its clients used",
                EXIT_BAD_INPUT,
            )
    cluster_flags = [f for f, v in (("--kubeconfig", args.kubeconfig), ("--context", args.context)) if v] + (
        ["--namespace"] if args.namespace else []
    )
    if args.from_cluster and args.inputs:
        return say(
            f"error: {' '.join(args.inputs)} and --from-cluster: give files or read the cluster, not both; drop one",
            EXIT_BAD_INPUT,
        )
    if not args.from_cluster and not args.inputs:
        return say("error: no input: give files, directories or - for stdin, or --from-cluster", EXIT_BAD_INPUT)
    if cluster_flags and not args.from_cluster:
        return say(f"error: {cluster_flags[0]} only applies with --from-cluster; add it, or drop it", EXIT_BAD_INPUT)

    cluster_read = None
    read: list[str] = []  # the files read, which --report must not replace
    if args.from_cluster:
        from albops.migrate.from_cluster import ClusterError, Target, read_cluster, read_deadline, redact_url_userinfo

        target = Target(args.kubeconfig, args.context, tuple(dict.fromkeys(args.namespace)))
        try:
            cluster_read = read_cluster(target, read_deadline(args.call_timeout))
        except ClusterError as error:
            return say(f"error: --from-cluster: {redact_url_userinfo(str(error))}", EXIT_BAD_INPUT)
        documents: list[Any] = list(cluster_read.documents)
    else:
        files, refused = read_files(args.inputs, check=_each_ingress_once(check_shape))
        if refused:
            return say(f"error: {refusal(refused)}", EXIT_BAD_INPUT)
        documents = [document for _, docs in files for document in docs]
        read = [name for name, _ in files]
    if cluster_read is None and not any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in documents):
        # As check does: a file of no manifest at all is the wrong file, not a cluster without ingress-nginx.
        return say(
            f"error: {' '.join(args.inputs)}: no Kubernetes object (apiVersion and kind) to migrate; give "
            "manifests (kubectl get ingress,ingressclass -A -o yaml)",
            EXIT_BAD_INPUT,
        )
    controller_config: dict[str, str] = {}
    if args.controller_config is not None:
        config_files, refused = read_files([args.controller_config])
        if refused:
            return say(f"error: --controller-config: {refusal(refused)}", EXIT_BAD_INPUT)
        maps = [d for _, docs in config_files for d in docs if isinstance(d, dict)]
        read += [name for name, _ in config_files]
        if len(maps) != 1 or maps[0].get("kind") != "ConfigMap" or not isinstance(maps[0].get("data") or {}, dict):
            return say(
                f"error: --controller-config {args.controller_config}: expected one ConfigMap with a data map "
                "(kubectl get configmap -n ingress-nginx ingress-nginx-controller -o yaml)",
                EXIT_BAD_INPUT,
            )
        controller_config = {str(k): str(v) for k, v in (maps[0].get("data") or {}).items()}
    sources = [*args.inputs, *([str(args.controller_config)] if args.controller_config is not None else [])]
    if args.report is not None and _is_an_input(args.report, sources, read):
        return say(
            f"error: --report {args.report} is one of the inputs: writing the report there would replace that "
            "file; name another one",
            EXIT_BAD_INPUT,
        )
    released = list(dict.fromkeys(f"{namespace}/{name}" for namespace, name in args.allow_unprotected_ingress))
    if released and args.allow_unprotected:
        return say(
            "error: --allow-unprotected already writes every Ingress; drop it to release only "
            f"{', '.join(released)}, or drop --allow-unprotected-ingress",
            EXIT_BAD_INPUT,
        )
    options = Options(
        controller_config=controller_config,
        group=args.group,
        certificate_arn=args.certificate_arn,
        scheme=args.scheme or "internal",
        ingress_class=args.ingress_class,
        include_classless=args.include_classless,
        nginx_classes=tuple(args.nginx_class),
        allow_unprotected=args.allow_unprotected,
        to=args.to,
        gateway=args.gateway,
        gateway_class=args.gateway_class,
        allow_unprotected_ingresses=frozenset(released),
        shards=args.shards,
        annotations_prefix=args.annotations_prefix or "nginx.ingress.kubernetes.io",
        class_schemes=tuple(args.class_scheme),
        scheme_given=args.scheme is not None,
        annotations_prefix_given=args.annotations_prefix is not None,
        side_by_side=args.side_by_side,
        name_suffix=args.name_suffix or "-alb",
        from_cluster=cluster_read is not None,
        ingress_classes_unread=bool(cluster_read and cluster_read.ingress_classes_unread),
        cutover_flags=_cutover_flags(cluster_read.external_dns if cluster_read else []),
    )
    from albingress.policies.review import BadValueError
    from albops.migrate.side_by_side import NameCollisionError

    read_objects = list(documents)  # held, so that no id below is reused by a new object
    try:
        converted, report = migrate(documents, options, copy=False)
    except NameCollisionError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    except BadValueError as error:
        # A value of the input's class params the API server refuses (the CRD's schema), read where the group's
        # settings are weighed: nothing was written yet.
        return say(f"error: {error}; fix it in the input (nothing was converted)", EXIT_BAD_INPUT)
    if cluster_read is not None:
        from albops.migrate.from_cluster import cluster_output

        converted = cluster_output(converted, read_objects, cluster_read, report)
        if args.namespace and args.to == "ingress":
            # The controller groups Ingresses of every namespace (v3.5.0 group_loader.go lists them cluster-wide):
            # an ALB Ingress of a namespace not read may join a group written here, before an allow-listed one.
            report.add(
                "*",
                "--namespace",
                "approximated",
                f"only {', '.join(dict.fromkeys(args.namespace))} read: ALB Ingresses of other namespaces that join "
                "the groups written here were not weighed (one evaluated first with a rule of the same host would "
                "answer clients an allow-list refuses); read every namespace, or run albops check on the groups' "
                "Ingresses",
            )
    nginx_names = set(report.ingresses()) - set(report.passed_through)
    unknown = [name for name in released if name not in nginx_names]
    if unknown:
        return say(_unknown_release(unknown, report), EXIT_BAD_INPUT)
    unprotected = set(report.unprotected)
    for name in released:
        if name not in unprotected:
            report.add(name, "--allow-unprotected-ingress", "note", "it loses no protection: nothing to release")
    # Anything held back: nothing at all on stdout, so `migrate | kubectl apply -f -` cannot apply the rest
    # of a half-protected set. Otherwise the documents are written one at a time, never as one string.
    if not report.held_back:
        for chunk in dump(converted):
            sys.stdout.write(chunk)
    for line in render_lines(report, args.report_format, args.fail_on):
        print(line, file=sys.stderr)
    if args.report is not None:
        with args.report.open("w", encoding="utf-8") as handle:
            json.dump(as_json(report, args.fail_on), handle, indent=2)
            handle.write("\n")
    if report.held_back:
        return EXIT_REFUSED
    return EXIT_FINDINGS if report.fails(args.fail_on) else EXIT_OK


def _unknown_release(unknown: list[str], report: Any) -> str:
    """--allow-unprotected-ingress naming no ingress-nginx Ingress: a typo must neither hold one back nor pass."""
    name = unknown[0]
    if name in report.passed_through:
        why = "is not an ingress-nginx Ingress here (its class is not one ingress-nginx serves), so nothing to release"
    else:
        why = "names no Ingress of the input"
    known = [n for n in report.ingresses() if n not in report.passed_through]
    hint = (
        f"; the input's ingress-nginx Ingresses: {', '.join(known[:5])}{', ...' if len(known) > 5 else ''}"
        if known
        else ""
    )
    more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
    return f"error: --allow-unprotected-ingress {name}{more} {why}{hint}; fix the NAMESPACE/NAME or drop it"


def _cutover_flags(found: list[Any]) -> tuple[str, ...]:
    """The external-dns options of the next commands: one external-dns, or several that agree; several that
    disagree give none (the report lists each, and the cutover asks for them when it finds their records)."""
    flags = {dns.cutover_flags() for dns in found}
    return flags.pop() if len(flags) == 1 else ()
