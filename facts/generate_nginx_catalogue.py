"""Makes ``facts/ingress_nginx_annotations.json`` and ``facts/ingress_nginx_configmap.json`` from the sources of
ingress-nginx at tag ``controller-v1.15.1``, so ``albops migrate`` knows every name ingress-nginx reads.

    python -m albingress.facts.generate_nginx_catalogue [SOURCE]

SOURCE is a git directory holding the tag (a clone or a bare mirror; default
``/work/.mirror/kubernetes+ingress-nginx/repo``), or a directory of files checked out at the tag. Fetch it with

    git clone --bare --filter=blob:none https://github.com/kubernetes/ingress-nginx ingress-nginx.git
    git -C ingress-nginx.git fetch origin tag controller-v1.15.1

The fetched files stay out of the repository; only the JSON this script writes is committed.

Annotations: every ``parser.Annotation{Group: ..., Annotations: parser.AnnotationFields{...}}`` under
``internal/ingress/annotations/`` (most in ``*/main.go``, six in ``redirect/redirect.go``; ``auth-secret``'s
fields come from the package variable ``AuthSecretConfig``), with each field's scope, risk and
``AnnotationAliases``. The count and each row's risk and scope are checked against the generated
``docs/user-guide/nginx-configuration/annotations-risk.md``: a mismatch stops the script rather than write a
catalogue the upstream documentation contradicts.

ConfigMap keys: the ``json:"..."`` tags of ``Configuration`` (``internal/ingress/controller/config/config.go``)
and of ``defaults.Backend`` (``internal/ingress/defaults/main.go``, squashed into it), plus the keys
``internal/ingress/controller/template/configmap.go`` reads itself (``global-auth-*``, ``block-*``, ...), with the
default ``NewDefault()`` gives where it is a literal or a constant of config.go.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

TAG = "controller-v1.15.1"
DEFAULT_SOURCE = Path("/work/.mirror/kubernetes+ingress-nginx/repo")
HERE = Path(__file__).resolve().parent
ANNOTATIONS_OUT = HERE / "ingress_nginx_annotations.json"
CONFIGMAP_OUT = HERE / "ingress_nginx_configmap.json"

ANNOTATIONS_DIR = "internal/ingress/annotations"
RISK_DOC = "docs/user-guide/nginx-configuration/annotations-risk.md"
CONFIG_GO = "internal/ingress/controller/config/config.go"
DEFAULTS_GO = "internal/ingress/defaults/main.go"
CONFIGMAP_GO = "internal/ingress/controller/template/configmap.go"

# parser.AnnotationRisk is an iota: Low, Medium, High, Critical (parser/main.go).
RISKS = {"AnnotationRiskLow": "low", "AnnotationRiskMedium": "medium", "AnnotationRiskHigh": "high"}
RISKS["AnnotationRiskCritical"] = "critical"
SCOPES = {"AnnotationScopeLocation": "location", "AnnotationScopeIngress": "ingress"}


class SourceError(Exception):
    """The sources do not have the shape this script reads: say where, never guess."""


class Tree:
    """Files at the tag, from a git directory or a plain checkout."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.git = (root / "HEAD").is_file() or (root / ".git").exists()

    def read(self, path: str) -> str:
        if self.git:
            show = ["git", "-C", str(self.root), "show", f"{TAG}:{path}"]
            return subprocess.run(show, check=True, capture_output=True, text=True).stdout
        return (self.root / path).read_text(encoding="utf-8")

    def files(self, under: str) -> list[str]:
        if self.git:
            listing = ["git", "-C", str(self.root), "ls-tree", "-r", "--name-only", TAG, under]
            names = subprocess.run(listing, check=True, capture_output=True, text=True).stdout.split()
        else:
            names = [str(p.relative_to(self.root)) for p in (self.root / under).rglob("*") if p.is_file()]
        return sorted(n for n in names if n.endswith(".go") and not n.endswith("_test.go"))


def strip_comments(text: str) -> str:
    """Go source without comments; string and rune literals kept as written (comments may hold braces)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.index("*/", i + 2) + 2
        elif c in "\"'`":
            end = _literal_end(text, i)
            out.append(text[i:end])
            i = end
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _literal_end(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while True:
        c = text[i]
        if c == "\\" and quote != "`":
            i += 2
            continue
        if c == quote:
            return i + 1
        i += 1


def block(text: str, opening: int) -> str:
    """The text between the brace at ``opening`` and its match."""
    depth, i = 0, opening
    while True:
        c = text[i]
        if c in "\"'`":
            i = _literal_end(text, i)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
            if depth == 0:
                return text[opening + 1 : i]
        i += 1


def top_level(body: str) -> list[str]:
    """The comma-separated items of a composite literal's body."""
    items, depth, start, i = [], 0, 0, 0
    while i < len(body):
        c = body[i]
        if c in "\"'`":
            i = _literal_end(body, i)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
        i += 1
    items.append(body[start:].strip())
    return [item for item in items if item]


def fields(body: str) -> dict[str, str]:
    """``Name: value`` items of a struct literal."""
    found = {}
    for item in top_level(body):
        name, colon, value = item.partition(":")
        if colon:
            found[name.strip()] = value.strip()
    return found


STRING_CONST = re.compile(r"\b([A-Za-z_]\w*)\s*(?:\w+\s*)?=\s*\"([^\"\\]*)\"")


def _name(token: str, consts: dict[str, str], where: str) -> str:
    token = token.strip()
    if token.startswith('"'):
        return token.strip('"')
    if token not in consts:
        raise SourceError(f"{where}: annotation name {token!r} is not a string constant of its package")
    return consts[token]


def annotation_rows(tree: Tree) -> list[dict[str, Any]]:
    packages: dict[str, list[tuple[str, str]]] = {}
    for path in tree.files(ANNOTATIONS_DIR):
        packages.setdefault(path.rsplit("/", 1)[0], []).append((path, strip_comments(tree.read(path))))
    rows: list[dict[str, Any]] = []
    for files in packages.values():
        consts = {m[1]: m[2] for _, text in files for m in STRING_CONST.finditer(text)}
        configs = {}
        for _, text in files:
            for m in re.finditer(r"\bvar\s+(\w+)\s*=\s*parser\.AnnotationConfig\s*{", text):
                configs[m[1]] = block(text, m.end() - 1)
        for path, text in files:
            for m in re.finditer(r"parser\.Annotation\s*{", text):
                annotation = fields(block(text, m.end() - 1))
                group = annotation.get("Group", '""').strip('"')
                listing = annotation.get("Annotations", "")
                if not listing.startswith("parser.AnnotationFields{"):
                    raise SourceError(f"{path}: parser.Annotation without an AnnotationFields literal")
                for item in top_level(block(listing, listing.index("{"))):
                    key, _, value = item.partition(":")
                    name = _name(key, consts, path)
                    if value.strip() in configs:
                        config = fields(configs[value.strip()])
                    elif value.strip().startswith("{"):
                        config = fields(block(value.strip(), 0))
                    else:
                        raise SourceError(f"{path}: {name}: its AnnotationConfig {value.strip()!r} is not read")
                    scope = config.get("Scope", "").removeprefix("parser.")
                    risk = config.get("Risk", "").removeprefix("parser.")
                    if scope not in SCOPES or risk not in RISKS:
                        raise SourceError(f"{path}: {name}: scope {scope!r} or risk {risk!r} not known")
                    aliases_raw = config.get("AnnotationAliases", "")
                    aliases = (
                        [_name(a, consts, path) for a in top_level(block(aliases_raw, aliases_raw.index("{")))]
                        if aliases_raw
                        else []
                    )
                    rows.append(
                        {
                            "name": name,
                            "group": group,
                            "scope": SCOPES[scope],
                            "risk": RISKS[risk],
                            "aliases": sorted(aliases),
                            "source": path,
                        }
                    )
    return rows


def risk_doc(tree: Tree) -> dict[str, tuple[str, str, str]]:
    """annotations-risk.md's rows: name -> (doc group, risk, scope)."""
    rows = {}
    for line in tree.read(RISK_DOC).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and line.startswith("| "):
            group, name, risk, scope = cells
            rows[name] = (group, risk.lower(), scope.lower())
    return rows


def annotation_catalogue(tree: Tree) -> dict[str, Any]:
    rows = annotation_rows(tree)
    doc = risk_doc(tree)
    names = [r["name"] for r in rows]
    if len(set(names)) != len(names):
        raise SourceError(f"an annotation is defined twice: {sorted(n for n in names if names.count(n) > 1)}")
    if set(names) != set(doc):
        raise SourceError(
            f"{RISK_DOC} and the sources disagree: only in the sources {sorted(set(names) - set(doc))}, "
            f"only in the document {sorted(set(doc) - set(names))}"
        )
    entries = []
    for row in rows:
        doc_group, risk, scope = doc[row["name"]]
        if (risk, scope) != (row["risk"], row["scope"]):
            raise SourceError(
                f"{row['name']}: {RISK_DOC} says {risk}/{scope}, {row['source']} {row['risk']}/{row['scope']}"
            )
        entries.append({**row, "doc_group": doc_group})
        for alias in row["aliases"]:
            entries.append({"name": alias, "alias_of": row["name"], "source": row["source"]})
    entries.sort(key=lambda e: e["name"])
    return {
        "source": f"github.com/kubernetes/ingress-nginx at {TAG} ({ANNOTATIONS_DIR}/, checked against {RISK_DOC})",
        "annotations": len(rows),
        "aliases": len(entries) - len(rows),
        "names": entries,
    }


TAG_FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([^`\n]*?)\s*`json:\"([^\"]*)\"", re.MULTILINE)


def _struct(text: str, name: str) -> str:
    m = re.search(rf"\btype\s+{name}\s+struct\s*{{", text)
    if m is None:
        raise SourceError(f"type {name} struct not found")
    return block(text, m.end() - 1)


def _literal(expression: str, consts: dict[str, str]) -> Any:
    """A default as JSON where the source states it: a literal, a constant, an empty list; else None."""
    expression = expression.strip()
    if expression in ("true", "false"):
        return expression == "true"
    if re.fullmatch(r"-?\d+", expression):
        return int(expression)
    if re.fullmatch(r"-?\d+\.\d+", expression):
        return float(expression)
    if expression.startswith('"') or expression.startswith("`"):
        return expression[1:-1]
    if re.fullmatch(r"\[\]\w+\{\}", expression):
        return []
    if expression in consts:
        return _literal(consts[expression], {})
    return None


# Go's zero values, the default of a field NewDefault leaves unset.
ZERO: dict[str, Any] = {"bool": False, "int": 0, "string": "", "float32": 0.0, "[]string": [], "[]int": []}


def configmap_catalogue(tree: Tree) -> dict[str, Any]:
    config = strip_comments(tree.read(CONFIG_GO))
    backend = strip_comments(tree.read(DEFAULTS_GO))
    configmap = strip_comments(tree.read(CONFIGMAP_GO))
    consts = {m[1]: m[2] for m in re.finditer(r"^\s*(\w+)\s*=\s*(\"[^\"\n]*\"|\d+|true|false)\s*$", config, re.M)}
    new_default = config[config.index("func NewDefault()") :]
    # The list variables NewDefault builds before its literal: make([]string, 0), then append(X, "...").
    for m in re.finditer(r"(\w+) := make\(\[\]string, 0\)", new_default):
        consts[m[1]] = "[]string{}"
    lists: dict[str, list[str]] = {}
    for m in re.finditer(r"(\w+) = append\(\1, \"([^\"]*)\"\)", new_default):
        lists.setdefault(m[1], []).append(m[2])
    defaults_body = block(config, config.index("cfg := Configuration{") + len("cfg := Configuration"))
    defaults = fields(defaults_body)
    backend_defaults = fields(block(defaults["Backend"], defaults["Backend"].index("{")))
    keys: dict[str, dict[str, Any]] = {}
    for path, text, struct, given in (
        (CONFIG_GO, config, "Configuration", defaults),
        (DEFAULTS_GO, backend, "Backend", backend_defaults),
    ):
        for m in TAG_FIELD.finditer(_struct(text, struct)):
            field, gotype, tag = m[1], m[2], m[3].split(",")[0]
            if not tag or tag == "-" or not field:
                continue
            if tag[0].isupper():
                continue  # Go-named tags (Resolver) are set by the controller, never a ConfigMap key
            entry: dict[str, Any] = {"name": tag, "field": field, "type": gotype.strip(), "source": path}
            if field in given and given[field] in lists:
                entry["default"] = lists[given[field]]
            elif field in given:
                value = _literal(given[field], consts)
                if value is not None:
                    entry["default"] = value
                else:
                    entry["default_expression"] = given[field]
            elif entry["type"] in ZERO:
                entry["default"] = ZERO[entry["type"]]  # not set in NewDefault: Go's zero value
            keys[tag] = entry
    start = configmap.index("const (")
    for m in STRING_CONST.finditer(block(configmap, configmap.index("(", start))):
        name = m[2]
        if name in keys:
            keys[name]["read_by"] = CONFIGMAP_GO
        else:
            keys[name] = {"name": name, "source": CONFIGMAP_GO}
    return {
        "source": f"github.com/kubernetes/ingress-nginx at {TAG} ({CONFIG_GO}, {DEFAULTS_GO}, {CONFIGMAP_GO})",
        "keys": [keys[k] for k in sorted(keys)],
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(
            "usage: python -m albingress.facts.generate_nginx_catalogue [INGRESS-NGINX-GIT-DIR-OR-CHECKOUT]",
            file=sys.stderr,
        )
        return 2
    root = Path(argv[0]) if argv else DEFAULT_SOURCE
    if not root.is_dir():
        print(f"{root}: not a directory; fetch ingress-nginx as this script's docstring says", file=sys.stderr)
        return 2
    tree = Tree(root)
    try:
        annotations_data, configmap_data = annotation_catalogue(tree), configmap_catalogue(tree)
    except (SourceError, subprocess.CalledProcessError, OSError, ValueError) as error:
        print(f"{root} at {TAG}: {error}", file=sys.stderr)
        return 2
    ANNOTATIONS_OUT.write_text(render(annotations_data), encoding="utf-8")
    CONFIGMAP_OUT.write_text(render(configmap_data), encoding="utf-8")
    print(f"{ANNOTATIONS_OUT}: {annotations_data['annotations']} annotations, {annotations_data['aliases']} aliases")
    print(f"{CONFIGMAP_OUT}: {len(configmap_data['keys'])} keys")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
