"""Generated ingress-nginx routing cases, shared by the property tests and the real-nginx comparison.

A case is a few Ingresses on one host (paths of every pathType, regex paths, rewrite targets with and
without capture groups, use-regex) plus request paths aimed at them in mixed case. Both sides read
the same case: ingress-nginx through ``albops.migrate.routes``' model (and a real nginx where installed), the
ALB through the converted YAML.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from albops.migrate.routes import Location

HOST = "app.example.com"
SEGMENTS = ["api", "v1", "Web", "b"]
REGEX_TAILS = ["(/|$)(.*)", "/(.*)", "(.*)", "/[a-z]+", "/v[0-9]", ""]
TARGETS = ["/", "/$1", "/$2", "/new/$1", "/x$2"]
QUERIES = ["?q=1", "?next=/a/b", "?a=1&b=x.y", "?path=/v1?x"]


@dataclass
class Case:
    ingresses: list[dict[str, Any]]
    requests: list[str]


def nginx_ingress(name: str, paths: list[tuple[str, str, str]], annotations: dict[str, str]) -> dict[str, Any]:
    """An ingress-nginx Ingress in namespace shop on HOST; each path is (path, pathType, service)."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop", "annotations": annotations},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": HOST,
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": kind,
                                "backend": {"service": {"name": service, "port": {"number": 80}}},
                            }
                            for path, kind, service in paths
                        ]
                    },
                }
            ],
        },
    }


def generate(rng: random.Random) -> Case:
    """One case: up to three Ingresses sharing HOST, and requests around their paths."""
    ingresses = []
    used: set[str] = set()
    prefixes: list[str] = []
    for n in range(rng.randint(1, 3)):
        rewrite = rng.random() < 0.5
        use_regex = rewrite or rng.random() < 0.3
        paths = []
        for k in range(rng.randint(1, 2)):
            prefix = "/" + "/".join(rng.sample(SEGMENTS, rng.randint(1, 2)))
            if rng.random() < 0.15:
                prefix = "/"
            path = prefix + (rng.choice(REGEX_TAILS) if use_regex and prefix != "/" else "")
            if path in used:
                continue
            used.add(path)
            prefixes.append(prefix)
            kind = rng.choice(["Prefix", "Exact", "ImplementationSpecific"])
            paths.append((path, kind, f"svc{n}{k}"))
        if not paths:
            continue
        annotations: dict[str, str] = {}
        if rewrite:
            annotations["nginx.ingress.kubernetes.io/rewrite-target"] = rng.choice(TARGETS)
        if use_regex and rng.random() < 0.7:
            annotations["nginx.ingress.kubernetes.io/use-regex"] = "true"
        ingresses.append(nginx_ingress(f"app{n}", paths, annotations))
    requests = {"/", "/API", "/nothing", "/?q=1"}
    for prefix in prefixes:
        for tail in ["", "/", "/x", "/v1", "/v1/y", "x", "/API/z", "/abc"]:
            candidate = prefix.rstrip("/") + tail if prefix != "/" else "/" + tail.lstrip("/")
            requests.add(candidate or "/")
            requests.add(candidate.upper() or "/")
            if tail in ("", "/x", "/v1/y"):  # queries: nginx matches and rewrites the path and keeps them
                requests.add((candidate or "/") + rng.choice(QUERIES))
    return Case(ingresses, sorted(requests))


def locations(case: Case) -> list[Location]:
    """The nginx side's locations, read straight from the original Ingresses (first path wins)."""
    out = []
    for ingress in case.ingresses:
        annotations = ingress["metadata"]["annotations"]
        rewrite = annotations.get("nginx.ingress.kubernetes.io/rewrite-target")
        use_regex = annotations.get("nginx.ingress.kubernetes.io/use-regex") == "true"
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            out.append(
                Location(
                    f"shop/{ingress['metadata']['name']}",
                    HOST,
                    path["path"],
                    path["pathType"],
                    path["backend"]["service"]["name"],
                    rewrite=rewrite,
                    use_regex=use_regex,
                )
            )
    return out
