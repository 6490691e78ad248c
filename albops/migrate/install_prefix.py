"""The ``--annotations-prefix`` of the ingress-nginx installs in the input.

ingress-nginx reads an Ingress's annotations under its ``--annotations-prefix`` flag only (controller-v1.15.1
cmd/nginx/flags.go, default nginx.ingress.kubernetes.io; internal/ingress/annotations/parser/main.go). An install
that runs with another prefix ignored every ``nginx.ingress.kubernetes.io/`` key, so converting that key (an
``ssl-redirect: "false"`` say) would change what its Ingresses do. When ``--annotations-prefix`` is not given and
every install of the input agrees, their prefix is used; where installs read different prefixes (or another than
the one given), the Ingresses of the classes whose install reads another prefix are held back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from albops.migrate.install import classes_by_controller, controllers
from albops.migrate.reading import Options, ingress_class, ingress_name
from albops.migrate.report import Report

DEFAULT_PREFIX = "nginx.ingress.kubernetes.io"


def install_prefix(documents: list[Any], options: Options, report: Report) -> tuple[Options, dict[str | None, str]]:
    """The options with the installs' prefix adopted (when not given and all agree), and the classes whose
    install reads another prefix than the one used, each with why."""
    installs: list[tuple[str, str, set[str | None]]] = []  # (workload, prefix, classes; None: classless ones)
    by_controller = classes_by_controller(documents)
    for controller in controllers(documents):
        prefix = controller.flags.get("annotations-prefix", DEFAULT_PREFIX).removesuffix("/")
        classes: set[str | None] = set(controller.classes(by_controller))
        if controller.watches_classless:
            classes.add(None)
        installs.append((controller.label, prefix, classes))
    if not installs:
        return options, {}
    prefixes = {prefix for _, prefix, _ in installs}
    if not options.annotations_prefix_given and len(prefixes) == 1:
        (prefix,) = prefixes
        if prefix != options.annotations_prefix:
            report.add(
                "*",
                "--annotations-prefix",
                "note",
                f"annotations read under {prefix}/: every ingress-nginx install of the input runs with "
                f"--annotations-prefix {prefix} ({', '.join(w for w, _, _ in installs)}), and ingress-nginx read "
                "nothing else",
            )
            options = dataclasses.replace(options, annotations_prefix=prefix)
        return options, {}
    used = options.annotations_prefix.removesuffix("/")
    how = "given with --annotations-prefix" if options.annotations_prefix_given else "the default"
    mismatched: dict[str | None, str] = {}
    for where, prefix, classes in installs:
        if prefix == used:
            continue
        for cls in classes:
            mismatched.setdefault(
                cls,
                f"{where} serves {'Ingresses without a class' if cls is None else 'class ' + repr(cls)} and reads "
                f"annotations under {prefix}/, not {used}/ ({how}); the installs of the input read "
                f"{', '.join(sorted(prefixes))}, so its Ingresses' annotations would be read under the wrong prefix: "
                f"convert that install's Ingresses on their own with --annotations-prefix {prefix}",
            )
    return options, mismatched


def hold_mismatched(ingress: dict[str, Any], mismatched: dict[str | None, str], report: Report) -> None:
    """Hold an Ingress back when its class is served by an install reading another prefix."""
    why = mismatched.get(ingress_class(ingress))
    if why is not None:
        report.hold(ingress_name(ingress), why)
