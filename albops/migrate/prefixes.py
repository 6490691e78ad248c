"""Annotations read under the install's ``--annotations-prefix``, as ingress-nginx reads them.

ingress-nginx reads ``<prefix>/<name>`` only (``parser.GetAnnotationWithPrefix``, controller-v1.15.1
internal/ingress/annotations/parser/main.go), the prefix being its ``--annotations-prefix`` flag (default
``nginx.ingress.kubernetes.io``). Keys under the install's prefix are renamed to the canonical
``nginx.ingress.kubernetes.io/<name>`` at read time, so the rest of migrate reads one spelling. A key that looks
like one of ingress-nginx's (a catalogue name) under any other prefix is never silently taken as "no
annotation": it is reported naming the prefix and the fix, and when it is a protection the Ingress is held
back, since this tool cannot know that the install did not read it.
"""

from __future__ import annotations

from typing import Any

from albops.migrate.catalogue import ANNOTATIONS, RETIRED, annotation_finding
from albops.migrate.reading import LEGACY_CLASS, OLD_PREFIX, Options, ingress_name
from albops.migrate.report import Report
from albops.migrate.routes import ALB, NGINX

DEFAULT_PREFIX = NGINX.removesuffix("/")

# Prefixes whose keys share names with ingress-nginx's without being its own: never reported.
OTHER_CONTROLLERS = (ALB, "service.beta.kubernetes.io/", "service.kubernetes.io/")


def read_under_prefix(ingress: dict[str, Any], options: Options, report: Report) -> None:
    """Rename the install's keys to the canonical prefix; report (and drop) ingress-nginx keys it did not read."""
    metadata = ingress.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(metadata, dict) or not isinstance(annotations, dict) or not annotations:
        return
    prefix = options.annotations_prefix.removesuffix("/") + "/"
    name = ingress_name(ingress)
    read: dict[str, Any] = {}
    for key, value in annotations.items():
        key = str(key)
        if key.startswith(prefix):
            read[NGINX + key.removeprefix(prefix)] = value
            continue
        head, slash, short = key.rpartition("/")
        known = short in ANNOTATIONS or short in RETIRED
        foreign = slash and key != LEGACY_CLASS and not key.startswith(OTHER_CONTROLLERS)
        if foreign and (known or key.startswith((NGINX, OLD_PREFIX))):
            _report_unread(name, key, head, short, str(value), prefix, report)
            continue
        read[key] = value
    metadata["annotations"] = read


def _report_unread(name: str, key: str, head: str, short: str, value: str, prefix: str, report: Report) -> None:
    status, detail = annotation_finding(short, value)
    if key.startswith(OLD_PREFIX):
        where = f"{OLD_PREFIX} is ingress-nginx's prefix of old"
    else:
        where = f"{head}/ is not the prefix this install reads"
    fix = (
        f"if your ingress-nginx runs with --annotations-prefix {head}, pass --annotations-prefix {head}; "
        f"otherwise rename it to {prefix}{short} or remove it"
    )
    if status == "lost-protection":
        report.add(
            name,
            key,
            "lost-protection",
            f"an ingress-nginx annotation under another prefix ({where}; migrate reads {prefix}), which may have "
            f"protected it: {detail.removeprefix('protected it with ')}; {fix}",
        )
    else:
        report.add(
            name,
            key,
            "not-converted",
            f"dropped: ingress-nginx reads annotations under {prefix} only (its --annotations-prefix) and {where}, "
            f"so this had no effect there; {fix}",
        )
