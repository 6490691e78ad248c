"""Makes ``facts/ingress_nginx_configmap.json``: every key the ingress-nginx controller reads from its ConfigMap.

    python -m facts.generate_nginx_configmap GIT-DIR [TAG]

GIT-DIR is a clone (bare is enough) of github.com/kubernetes/ingress-nginx; TAG defaults to
controller-v1.15.1, the version ``migrate`` follows. The keys are the ``json`` tags of the ``Configuration``
struct (internal/ingress/controller/config/config.go) and of the ``Backend`` defaults it embeds
(internal/ingress/defaults/main.go), plus the keys ``ReadConfig`` takes out of the map itself before decoding
the rest (internal/ingress/controller/template/configmap.go, its string constants). Only the names and
where each is defined are kept; nothing of the source's code or prose.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "ingress_nginx_configmap.json"
TAG = "controller-v1.15.1"
CONFIG = "internal/ingress/controller/config/config.go"
DEFAULTS = "internal/ingress/defaults/main.go"
READER = "internal/ingress/controller/template/configmap.go"
_TAG = re.compile(r'json:"([a-z0-9][a-z0-9-]*)[",]')


def _show(git_dir: Path, tag: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(git_dir), "show", f"{tag}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def _struct(source: str, name: str) -> str:
    start = source.index(f"type {name} struct {{")
    return source[start : source.index("\n}\n", start)]


def generate(git_dir: Path, tag: str = TAG) -> dict[str, object]:
    keys: dict[str, str] = {}
    for key in _TAG.findall(_struct(_show(git_dir, tag, DEFAULTS), "Backend")):
        keys.setdefault(key, DEFAULTS)
    for key in _TAG.findall(_struct(_show(git_dir, tag, CONFIG), "Configuration")):
        if key != "global-external-auth":  # a struct filled from the global-auth-* keys below, not a key
            keys.setdefault(key, CONFIG)
    reader = _show(git_dir, tag, READER)
    block = reader[reader.index("const (") : reader.index("\n)\n", reader.index("const ("))]
    for key in re.findall(r'=\s*"([a-z0-9][a-z0-9-]*)"', block):
        keys.setdefault(key, READER)
    return {"source": f"github.com/kubernetes/ingress-nginx at {tag}", "keys": dict(sorted(keys.items()))}


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or not Path(argv[0]).is_dir():
        print("usage: python -m facts.generate_nginx_configmap GIT-DIR [TAG]", file=sys.stderr)
        return 2
    OUT.write_text(json.dumps(generate(Path(argv[0]), *argv[1:]), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
