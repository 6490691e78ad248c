"""``plan --compare-to GITREF``: what a change does to a stack, planned offline on both sides.

The base is checked out into a temporary git worktree and planned there, with its own code, and the
working tree is planned as it is; each side runs in a process of its own, so neither reuses the
other's imported modules. The two ``plan.json`` files are compared resource by resource (type and
name): added, removed, and for changed ones each input that differs, down into JSON documents such
as IAM policies, so a changed statement or annotation shows as one line. No credentials are needed,
so it works for pull requests from forks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albops.preview.defaults import Default, controller_annotations, default_for
from albops.text import printable

SECRET = "[secret]"
# Inputs whose values are credentials or could carry them; never shown, only said to differ.
SECRET_KEYS = ("kubeconfig", "password", "token", "secret", "privatekey")


class DiffError(Exception):
    """A side could not be planned (bad ref, not a git repository, a plan that failed); the message says which."""


@dataclass
class Change:
    type: str
    name: str
    differences: list[tuple[str, Any, Any]] = field(default_factory=list)
    # For an input one side leaves out: the value then in force (see defaults.py), by path.
    defaults: dict[str, Default] = field(default_factory=dict)
    # An Ingress's hosts (after the change): what a move to another ALB means a DNS change for.
    hosts: tuple[str, ...] = ()

    def no_effect(self, path: str, before: Any, after: Any) -> bool:
        """True when one side writes out exactly the default the other side left implicit."""
        known = self.defaults.get(path)
        if known is None or known.value is None:
            return False
        given = after if before is None else before
        return _same(given, known.value)

    def shown(self, path: str, value: Any, limit: int = 80) -> str:
        if value is None and path in self.defaults:
            return self.defaults[path].shown()
        return _short(value, limit)


def _same(given: Any, default: Any) -> bool:
    """Equal as the consumer reads them: annotations are text ('15' is 15), booleans are not numbers."""
    if isinstance(given, bool) or isinstance(default, bool):
        return given is default
    return str(given) == str(default)


@dataclass
class PlanDiff:
    base: str
    stack: str
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    # The base has no such stack: everything is added (a new stack, not an error).
    new_stack: bool = False
    # The working tree's guardrail result, as its plan printed it ("0 violations"), when known.
    guardrails: str = ""
    # Each added resource's inputs, flattened and masked as changes are: what a reviewer checks of a new one.
    added_inputs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Each added resource's parent (type, name), so a component's resources are shown under it.
    added_parents: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)
    # What the working tree's program logged as errors (pulumi.log.error): its plan fails on them.
    program_errors: list[str] = field(default_factory=list)

    @property
    def replaced(self) -> list[Change]:
        """Changes the controller turns into replacing an AWS resource (see ``replacements``)."""
        return [c for c in self.changed if replacements(c)]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        """The diff as data (``--json``): what the pull-request comment workflow renders, escaped, itself."""
        return {
            "base": self.base,
            "stack": self.stack,
            "newStack": self.new_stack,
            "guardrails": self.guardrails,
            "programErrors": self.program_errors,
            "replaced": [{"type": c.type, "name": c.name, "reasons": replacements(c)} for c in self.replaced],
            "added": [
                {
                    "type": t,
                    "name": n,
                    "inputs": [{"path": p, "value": v} for p, v in self.added_inputs.get((t, n), {}).items()],
                }
                for t, n in self.added
            ],
            "removed": [{"type": t, "name": n} for t, n in self.removed],
            "changed": [
                {
                    "type": c.type,
                    "name": c.name,
                    "differences": [_difference(c, p, a, b) for p, a, b in c.differences],
                }
                for c in self.changed
            ],
        }


def _difference(change: Change, path: str, before: Any, after: Any) -> dict[str, Any]:
    """One change as data: ``default`` is what a null side means; ``noEffect``, that it changes nothing."""
    item: dict[str, Any] = {"path": path, "before": before, "after": after}
    if path in change.defaults:
        item["default"] = change.defaults[path].shown()
        item["noEffect"] = change.no_effect(path, before, after)
    return item


class GitMissingError(DiffError):
    """git is not installed; --compare-to needs it for the worktree."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120)
    except FileNotFoundError:
        raise GitMissingError("git is not installed; --compare-to needs it to check out the base") from None
    if proc.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


# The program's logged lines listed in a pull-request comment, of each kind; the rest are counted (a comment
# holds 65,536 characters).
PROGRAM_LINES_SHOWN = 20


def program_line(text: str) -> str:
    """A line the program logged, in a comment: a code span (no link, image, mention or HTML renders), at most
    300 characters of it."""
    return _code(_short(text, 300))


def plan_side(project_dir: Path, stack: str, out: Path, cloud_facts: Path | None = None) -> dict[str, Any]:
    """Plan ``stack`` with the code in ``project_dir``, in a process of its own; the plan.json it writes."""
    facts = ["--cloud-facts", str(cloud_facts.resolve())] if cloud_facts is not None else []
    # The side's own code first (this project's albops differs between the two sides), then what the user's
    # PYTHONPATH gives: a program of another team finds the albops it runs with there or in site-packages.
    path = os.pathsep.join(filter(None, [str(project_dir), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "albops",
            "plan",
            "--stack",
            stack,
            "--project-dir",
            str(project_dir),
            "--out",
            str(out),
            *facts,
        ],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    plan = out / "plan.json"
    if proc.returncode not in (0, 1) or not plan.is_file():  # 1: planned, with guardrail findings
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise DiffError(f"planning {stack} in {project_dir} failed: {detail[-1] if detail else proc.returncode}")
    try:
        document: dict[str, Any] = json.loads(plan.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        document = {}
    # The plan's judgement (guardrails, the program's logged errors) as the plan wrote it in plan.json: never
    # read from its output, which the program can write to as well. What the program can still do, running in
    # the plan's process, is rewrite the file after the plan; a file of another shape, or one that calls a plan
    # clean that exited 1, is refused rather than shown as a pass.
    errors = document.get("programErrors", [])
    shaped = (
        isinstance(document.get("resources"), list)
        and isinstance(document.get("guardrails", ""), str)
        and isinstance(errors, list)
        and all(isinstance(e, str) for e in errors)
    )
    # A plan.json without "guardrails" was written by an albops from before it kept its result there (the base
    # side of a comparison may be older code): nothing to hold it to.
    clean = document.get("guardrails") == "0 violations" and not errors and not document.get("incomplete")
    if not shaped or (proc.returncode == 1 and clean):
        raise DiffError(
            f"planning {stack} in {project_dir}: its plan.json is not the one the plan wrote (changed after it, by "
            "the program?); run the plan without --compare-to to see its result"
        )
    document.setdefault("guardrails", "")
    document.setdefault("programErrors", [])
    return document


def compare_to(ref: str, stack: str, project_dir: Path, cloud_facts: Path | None = None) -> PlanDiff:
    """Plan ``stack`` at ``ref`` (a temporary worktree) and in ``project_dir``, and compare."""
    top = Path(_git(["rev-parse", "--show-toplevel"], project_dir).strip())
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], project_dir).strip()
    except DiffError:
        raise DiffError(
            f"--compare-to {ref!r} is not a branch, tag or commit here; check `git log` or fetch it"
        ) from None
    relative = project_dir.resolve().relative_to(top.resolve())
    with tempfile.TemporaryDirectory(prefix="albops-diff-") as scratch:
        worktree = Path(scratch) / "base"
        _git(["worktree", "add", "--detach", str(worktree), commit], top)
        base_dir = worktree / relative
        try:
            new_stack = not (base_dir / f"Pulumi.{stack}.yaml").is_file()
            before = (
                {"resources": []} if new_stack else plan_side(base_dir, stack, Path(scratch) / "before", cloud_facts)
            )
        finally:
            _git(["worktree", "remove", "--force", str(worktree)], top)
        after = plan_side(project_dir, stack, Path(scratch) / "after", cloud_facts)
    diff = diff_plans(before, after, base=ref, stack=stack)
    diff.new_stack = new_stack
    diff.guardrails = str(after.get("guardrails") or "")
    diff.program_errors = list(after.get("programErrors") or [])
    return diff


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaf values by path; JSON text (IAM documents, JSON annotations) is opened up too, unless it is nested
    deeper than a comment can show (a program's annotation of a thousand levels): then it stays one text."""
    try:
        return _flatten_within(value, path)
    except RecursionError:
        return {path: value if isinstance(value, str) else "(nested too deep to show)"}


def _flatten_within(value: Any, path: str) -> dict[str, Any]:
    if isinstance(value, str) and value[:1] in "{[" and len(value) < 1_000_000:
        with contextlib.suppress(json.JSONDecodeError, RecursionError):
            value = _sorted(json.loads(value))
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in sorted(value.items(), key=lambda pair: str(pair[0])):
            name = str(key)
            step = f"{path}.{name}" if path and name.isidentifier() else (name if not path else f'{path}["{name}"]')
            if isinstance(item, str) and any(word in name.lower() for word in SECRET_KEYS):
                flat[step] = SECRET if item not in ("", "(known after apply)") else item
                continue
            flat.update(_flatten_within(item, step))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten_within(item, f"{path}[{index}]"))
        return flat
    return {path: value}


def _sorted(value: Any) -> Any:
    """Keys in order at every level: the same input renders the same bytes whatever order it was recorded in."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _parent_key(urn: str) -> tuple[str, str] | None:
    """(type, name) of the resource a parent URN names (``urn:pulumi:S::P::T1$T2::NAME`` -> (T2, NAME))."""
    if not urn.startswith("urn:pulumi:"):
        return None
    head, _, name = urn.rpartition("::")
    return head.rpartition("::")[2].rpartition("$")[2], name


def _filled_in(path: str, before: Any, after: Any, paths: list[str]) -> bool:
    """An empty mapping or list on one side that the other side fills: its entries are the change, not it."""
    empty = before if after is None else after if before is None else None
    return empty in ({}, []) and any(p.startswith((f"{path}.", f"{path}[")) for p in paths)


def diff_plans(before: dict[str, Any], after: dict[str, Any], base: str, stack: str) -> PlanDiff:
    def index(plan: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(r["type"], r["name"]): r for r in plan.get("resources", [])}

    old, new = index(before), index(after)
    result = PlanDiff(base=base, stack=stack)
    result.added = sorted(k for k in new if k not in old)
    result.added_inputs = {k: _flatten(new[k].get("inputs", {})) for k in result.added}
    result.added_parents = {k: _parent_key(str(new[k].get("parent") or "")) for k in result.added}
    result.removed = sorted(k for k in old if k not in new)
    for key in sorted(k for k in new if k in old):
        old_inputs, new_inputs = old[key].get("inputs", {}), new[key].get("inputs", {})
        was, now = _flatten(old_inputs), _flatten(new_inputs)
        paths = sorted(set(was) | set(now))
        differences = [
            (path, was.get(path), now.get(path))
            for path in paths
            if was.get(path) != now.get(path) and not _filled_in(path, was.get(path), now.get(path), paths)
        ]
        if differences:
            rules = (new_inputs.get("spec") or {}).get("rules") if isinstance(new_inputs.get("spec"), dict) else None
            hosts = tuple(r["host"] for r in rules or [] if isinstance(r, dict) and isinstance(r.get("host"), str))
            change = Change(key[0], key[1], differences, hosts=hosts)
            for path, earlier, later in differences:
                if earlier is None or later is None:
                    # The default is the one in force on the side that leaves the input out.
                    side = old_inputs if earlier is None else new_inputs
                    known = default_for(key[0], path, controller_annotations(side))
                    if known is not None:
                        change.defaults[path] = known
            result.changed.append(change)
    return result


# Inputs whose change makes the controller replace AWS resources, and what it replaces (read in its v3.5.0
# sources: the load balancer, target group and listener synthesizers compare these and recreate on change).
_INGRESS_REPLACEMENTS = {
    "scheme": "recreates the ALB (scheme cannot change in place): a new DNS name, open connections dropped",
    "target-type": "recreates the target groups",
    "backend-protocol": "recreates the target groups",
    "backend-protocol-version": "recreates the target groups",
    "listen-ports": "replaces the listeners whose port or protocol changed, dropping their open connections",
    "group.name": "moves the Ingress to another ALB (another DNS name)",
}


# What each replacement replaces, by how its reason starts: the comment names that (the ALB, the target groups),
# not the Kubernetes object whose change causes it.
_REPLACED_OBJECT = (
    ("scheme: recreates the Gateway's ALB", "the Gateway's ALB"),
    ("scheme:", "the ALB"),
    ("target-type:", "the target groups"),
    ("backend-protocol", "the target groups"),
    ("listen-ports:", "the changed listeners"),
    ("listeners:", "the changed listeners"),
    ("group.name:", "the ALB it is served by (it moves to another)"),
    ("a changed Service port", "the Service's target group"),
    ("a renamed Gateway", "the Gateway's ALB"),
)


def replaced_object(reason: str) -> str:
    """What a reason of ``replacements`` replaces in AWS ('' for a note that replaces nothing itself)."""
    return next((what for start, what in _REPLACED_OBJECT if reason.startswith(start)), "")


def replacements(change: Change) -> list[str]:
    """What the controller will replace because of ``change`` (empty for a change made in place)."""
    found: list[str] = []
    if change.type.endswith(":Ingress"):
        for path, _, _ in change.differences:
            for key, what in _INGRESS_REPLACEMENTS.items():
                if path == f'metadata.annotations["alb.ingress.kubernetes.io/{key}"]':
                    found.append(f"{key}: {what}")
                    if key == "group.name" and change.hosts:
                        # A new ALB for each host (a shard that moved, a group renamed): its DNS record changes.
                        found.append(f"hosts {', '.join(change.hosts)} move to a new ALB: point their DNS at it")
    paths = [path for path, _, _ in change.differences]
    if change.type.endswith(":Service") and any(p.startswith("spec.ports") for p in paths):
        found.append("a changed Service port makes a new target group (the old one is deleted)")
    if change.type.endswith(":IngressClassParams") and any(p.startswith("spec.scheme") for p in paths):
        found.append("scheme: recreates the ALB")
    # Gateway API: the LoadBalancerConfiguration's scheme and the Gateway's name and listeners are the ALB's own.
    if change.type.endswith(":LoadBalancerConfiguration") and any(p.startswith("spec.scheme") for p in paths):
        found.append("scheme: recreates the Gateway's ALB (a new DNS name)")
    if change.type.endswith(":Gateway") and any(p.startswith("spec.listeners") for p in paths):
        found.append(
            "listeners: replaces the listeners whose port or protocol changed, dropping their open connections"
        )
    if change.type.endswith(":Gateway") and any(p.startswith(("metadata.name", "metadata.namespace")) for p in paths):
        found.append("a renamed Gateway is a new ALB: point its hosts' DNS at it")
    return list(dict.fromkeys(found))


def _short(value: Any, limit: int = 80) -> str:
    text = "(absent)" if value is None else value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _whole(value: Any) -> str:
    """A value in full, as ``_short`` shows it before cutting."""
    return "(absent)" if value is None else value if isinstance(value, str) else json.dumps(value)


def md_plain(text: str) -> str:
    """A name a program chose, as Markdown shows it literally: its punctuation escaped (no link, image,
    emphasis or HTML) and ``@`` as an entity (no mention). Plain names (letters, digits, ``-``, ``.``, ``_``,
    which GitHub does not read as emphasis inside a word) are unchanged."""
    out = []
    for c in text:
        if c in "\\`*[]()<>!|~":
            out.append("\\" + c)
        elif c in "@&":
            out.append(f"&#{ord(c)};")
        else:
            out.append(printable(c))
    return "".join(out)


def _code(text: str) -> str:
    """A Markdown code span that holds any text: a fence longer than any run of backticks inside it."""
    text = " ".join(text.splitlines())
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _line(change: Change, path: str, before: Any, after: Any, markdown: bool) -> str:
    was, now = change.shown(path, before), change.shown(path, after)
    note = " (the default written out: no effect)" if change.no_effect(path, before, after) else ""
    if markdown:
        return f"  - {_code(path)}: {_code(was)} → {_code(now)}{note}"
    return f"      {path}: {was} -> {now}{note}"


def _counts(diff: PlanDiff) -> str:
    """Each resource counted once: a change that replaces is counted as a replacement, not also as a change."""
    replaced = len(diff.replaced)
    return (
        f"{len(diff.added)} to add, {len(diff.changed) - replaced} to change, {replaced} to replace, "
        f"{len(diff.removed)} to delete"
    )


# Inputs listed for each added resource in the comment; the rest are in the plan's plan.json.
ADDED_INPUTS_SHOWN = 60
STACK_TYPE = "pulumi:pulumi:Stack"


def _input_lines(inputs: dict[str, Any], indent: str, limit: int | None) -> list[str]:
    """One line per input (an annotation, a chart value, an IAM statement's field), at most ``limit``."""
    items = [(p, v) for p, v in inputs.items() if p or v not in ({}, [])]  # a component's empty inputs: none
    shown = items if limit is None else items[:limit]
    lines = [f"{indent}- {_code(p)}: {_code(_whole(v) if limit is None else _short(v))}" for p, v in shown]
    if len(items) > len(shown):
        lines.append(f"{indent}- … {len(items) - len(shown)} more in plan.json")
    return lines


def _added_lines(diff: PlanDiff, limit: int | None) -> list[str]:
    """Each added resource once: a component with its resources (and theirs) under it, in one collapsed block."""
    added = set(diff.added)
    containers = {k for k in added if k[0] != STACK_TYPE}
    children: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in diff.added:
        parent = diff.added_parents.get(key)
        if parent in containers and parent != key:
            children.setdefault(parent, []).append(key)

    def nested(key: tuple[str, str], indent: str) -> list[str]:
        lines = [f"{indent}- {_code(key[0])} {key[1]}"]
        lines += _input_lines(diff.added_inputs.get(key, {}), indent + "  ", limit)
        for child in children.get(key, []):
            lines += nested(child, indent + "  ")
        return lines

    def count(key: tuple[str, str]) -> int:
        return sum(1 + count(child) for child in children.get(key, []))

    lines: list[str] = []
    for key in diff.added:
        if key[0] == STACK_TYPE or diff.added_parents.get(key) in containers:
            continue
        inputs = _input_lines(diff.added_inputs.get(key, {}), "  ", limit)
        if key in children:
            total = count(key)
            lines.append(
                f"- **added** `{key[0]}` {md_plain(key[1])} (a component of {total} resource{'s' * (total != 1)})"
            )
            body = [*inputs]
            for child in children[key]:
                body += nested(child, "  ")
            summary = "its inputs, its resources and theirs"
        else:
            lines.append(f"- **added** `{key[0]}` {md_plain(key[1])}")
            body, summary = inputs or ["  - (no inputs)"], "inputs"
        lines += ["", f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]
    return lines


def render_plan_markdown(plan: dict[str, Any], guardrails: list[str], notes: list[str], mode: str) -> str:
    """``plan --markdown``: the pull-request comment of a plan with nothing to compare to (everything is added),
    in the form ``--compare-to`` gives: the counts, the guardrail result, then each resource collapsed with every
    input. Keys are sorted, so the same plan gives the same bytes."""
    diff = diff_plans({"resources": []}, plan, base="", stack=str(plan.get("stack", "")))
    diff.added = [k for k in diff.added if k[0] != STACK_TYPE]
    lines = [f"### Offline plan of stack `{diff.stack}` ({mode})", "", f"**{_counts(diff)}**", "", *guardrails, ""]
    lines += [f"- note: {note}" for note in notes]
    if notes:
        lines.append("")
    lines += _added_lines(diff, limit=None)
    outputs = plan.get("outputs") or {}
    if outputs:
        lines += ["<details><summary>stack outputs</summary>", ""]
        lines += [f"- {_code(str(k))}: {_code(_short(outputs[k], 200))}" for k in sorted(outputs)]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def render(diff: PlanDiff, markdown: bool = False) -> str:
    if markdown:
        lines = [f"### Offline diff of stack `{diff.stack}` against `{diff.base}`", ""]
        if diff.new_stack:
            lines += [f"A new stack: `{diff.base}` has no `Pulumi.{diff.stack}.yaml`, so everything is added.", ""]
        lines += [f"**{_counts(diff)}**", ""]
        if diff.guardrails:
            lines += [f"Guardrails: {diff.guardrails}", ""]
        if diff.program_errors:
            shown = diff.program_errors[:PROGRAM_LINES_SHOWN]
            lines += [f"- :x: the program logged an error: {program_line(error)}" for error in shown]
            if len(diff.program_errors) > len(shown):
                lines.append(f"- :x: and {len(diff.program_errors) - len(shown)} more (the plan's stderr)")
            lines.append("")
        if diff.empty:
            return "\n".join([*lines, "No changes."])
        lines += _added_lines(diff, limit=ADDED_INPUTS_SHOWN)
        lines += [f"- **removed** `{t}` {md_plain(n)}" for t, n in diff.removed]
        for change in diff.changed:
            reasons = replacements(change)
            replaced = list(dict.fromkeys(what for what in map(replaced_object, reasons) if what))
            if replaced:
                # Named by what AWS replaces (the ALB when the scheme changes), the object's change the cause.
                what = " and ".join(replaced)
                lines.append(f"- :warning: **replaces {what}**: `{change.type}` {md_plain(change.name)} changes")
                lines += [f"  - {reason}" for reason in reasons]
            else:
                lines.append(f"- **changed** `{change.type}` {md_plain(change.name)}")
            lines += ["", "<details><summary>inputs that change</summary>", ""]
            lines += [_line(change, p, a, b, markdown=True) for p, a, b in change.differences]
            lines += ["", "</details>", ""]
        return "\n".join(lines)
    lines = [f"Offline diff of stack {diff.stack!r} against {diff.base}:"]
    lines += [f"  error: the program logged an error: {error}" for error in diff.program_errors]
    if diff.empty:
        return "\n".join([*lines, "  no changes"])
    lines += [f"  + {t}  {n}" for t, n in diff.added]
    lines += [f"  - {t}  {n}" for t, n in diff.removed]
    for change in diff.changed:
        lines.append(f"  ~ {change.type}  {change.name}")
        lines += [_line(change, p, a, b, markdown=False) for p, a, b in change.differences]
    for change in diff.replaced:
        lines += [f"  ! {change.type}  {change.name}: {reason}" for reason in replacements(change)]
    counts = f"{len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to remove"
    return "\n".join([*lines, f"{counts} ({len(diff.replaced)} of the changes replace AWS resources)"])
