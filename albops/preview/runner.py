"""Run the real Pulumi program under the mock runtime and record what it registers.

This is what makes an offline plan honest: the same ``__main__.py`` and
components that ``pulumi up`` runs are executed, config comes from the real
``Pulumi.<stack>.yaml``, and every registration (type, name, parent,
dependencies, inputs) is captured as the engine would receive it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import runpy
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from albingress.components.tags import DIY_ORGANIZATION
from albingress.facts.regions import region_exists
from albops.preview.cloud_facts import CloudFacts, FactsError, assume_policies, resolve_facts
from albops.preview.stack_file import Encrypted, StackFile, StackFileError, load_stack_file
from albops.text import printable

# The checkout this package lives in (where Pulumi.yaml is when run from a clone).
CHECKOUT_DIR = Path(__file__).resolve().parents[2]


def default_project_dir() -> Path:
    """The current folder when it holds a Pulumi project (how an installed ``albops`` finds it), else the
    checkout this package runs from; installed (no Pulumi.yaml beside the package), the current folder, so a
    message names the folder the user is in rather than site-packages."""
    here = Path.cwd()
    if (here / "Pulumi.yaml").is_file() or not (CHECKOUT_DIR / "Pulumi.yaml").is_file():
        return here
    return CHECKOUT_DIR


PROJECT_DIR = default_project_dir()
UNKNOWN = "(known after apply)"
SECRET = "[secret]"
# StackFileError and FactsError: for the commands.
__all__ = ["FactsError", "StackFileError", "read_stack", "read_stack_file", "run_program"]


@dataclass
class Registration:
    """One resource as the engine saw it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: list[str]
    provider: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    retain_on_delete: bool = False
    # Provider references by package, for components that pass providers to their children.
    providers: dict[str, str] = field(default_factory=dict)
    # The inputs with secret-marked values shown (for assertions in memory; never written to a file).
    revealed: dict[str, Any] = field(default_factory=dict, repr=False)
    # The aliases the program gave, each as "urn:..." or "parent=<urn>|noParent" of a spec.
    aliases: list[str] = field(default_factory=list)


def tree_order(registered: list[Registration]) -> list[Registration]:
    """Each resource after its parent and after the siblings it depends on (through any of its descendants);
    otherwise components first, then by name and type.

    The program registers resources concurrently (each waits on its own inputs), so the order in which they
    arrive changes from run to run: two components of one name (ControllerIam and ControllerRelease) swapped
    places in plan.json now and then. plan.json, --json and the text tree are in this order, the same every
    run, and still the order of creation where the program asks for one (the echoserver's Service, Ingress,
    Deployment; a resource after its provider). The Markdown, like --compare-to's, lists by type and name.
    """
    by_urn = {r.urn: r for r in registered}
    children: dict[str, list[Registration]] = {}
    for reg in registered:
        children.setdefault(reg.parent if reg.parent in by_urn else "", []).append(reg)

    def own(reg: Registration) -> set[str]:
        """Its dependencies and its providers (a reference is the provider's URN, "::", its ID): the engine
        waits for both."""
        refs = [reg.provider, *reg.providers.values()]
        return set(reg.dependencies) | {ref.rsplit("::", 1)[0] for ref in refs if ref}

    # What each resource or any of its descendants depends on, children before parents (no recursion on the
    # tree's depth).
    walk: list[Registration] = []
    pending_walk = list(children.get("", []))
    while pending_walk:
        reg = pending_walk.pop()
        walk.append(reg)
        pending_walk.extend(children.get(reg.urn, []))
    reach: dict[str, set[str]] = {}
    for reg in reversed(walk):
        reach[reg.urn] = own(reg).union(*(reach[c.urn] for c in children.get(reg.urn, [])))

    def ordered_siblings(parent: str) -> list[Registration]:
        siblings = children.get(parent, [])
        members = {r.urn for r in siblings}

        def member_of(urn: str) -> str | None:  # the sibling that is the resource or holds it
            seen: set[str] = set()
            while urn in by_urn and urn not in members and urn not in seen:  # seen: a parent cycle ends the walk
                seen.add(urn)
                urn = by_urn[urn].parent
            return urn if urn in members else None

        before = {r.urn: {m for d in reach[r.urn] if (m := member_of(d)) not in (None, r.urn)} for r in siblings}
        placed: list[Registration] = []
        done: set[str] = set()
        waiting = sorted(siblings, key=lambda r: (r.custom, r.name, r.type, r.urn))
        while waiting:
            # The first whose siblings it depends on are placed; a cycle through parents takes the first.
            ready = next((r for r in waiting if before[r.urn] <= done), waiting[0])
            placed.append(ready)
            done.add(ready.urn)
            waiting.remove(ready)
        return placed

    ordered: list[Registration] = []
    pending = list(reversed(ordered_siblings("")))  # depth first, without recursion on the tree's depth
    while pending:
        reg = pending.pop()
        ordered.append(reg)
        pending.extend(reversed(ordered_siblings(reg.urn)))
    return ordered


class _ProgramLog(logging.Handler):
    """Keeps what the program logs through pulumi.log, by level.

    ``pulumi up`` shows these lines in its own output. Under the mocks the SDK hands them to Python logging,
    by default the root logger, where a process with no handler printed them bare on stderr, beside the same
    text the plan gives as a note: each was said twice, once without saying what it was.
    """

    def __init__(self, said: ProgramLog) -> None:
        super().__init__(logging.INFO)
        self.said = said

    def emit(self, record: logging.LogRecord) -> None:
        message = printable(record.getMessage())  # shown on a terminal and in a pull-request comment
        if record.levelno >= logging.ERROR:
            self.said.errors.append(message)
        elif record.levelno >= logging.WARNING:
            self.said.warnings.append(message)
        else:
            self.said.info.append(message)

    @classmethod
    def logger(cls, said: ProgramLog) -> logging.Logger:
        """A logger of its own for one run: nothing propagates to the root logger."""
        log = logging.getLogger("albops.preview.program")
        log.propagate = False
        log.setLevel(logging.INFO)
        log.handlers[:] = [cls(said)]
        return log


@dataclass
class ProgramLog:
    """What a program logged through pulumi.log in one run, by level, in the order logged. A run that fails
    carries it on its exception (``albops_logged``), so what was said before the failure is not lost."""

    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)


@dataclass
class PlanResult:
    """Everything a run registered, in tree order (``tree_order``), plus stack outputs."""

    stack: str
    preview: bool
    resources: list[Registration]
    outputs: dict[str, Any]
    encrypted: list[str] = field(default_factory=list)
    # (data source token, provider reference) of every lookup the program made.
    calls: list[tuple[str, str]] = field(default_factory=list)
    # What the mock cloud knew of the clusters, and what it had to assume.
    facts: CloudFacts = field(default_factory=CloudFacts)
    # What the program logged through pulumi.log (pulumi up shows it): the plan says warnings as notes, and an
    # error fails it.
    logged: ProgramLog = field(default_factory=ProgramLog)

    def by_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Registration:
        found = [r for r in self.by_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_token}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.resources if r.urn == urn)


@dataclass
class StackConfig:
    """A stack file's config as the program sees it, plus what the plan could not read."""

    values: dict[str, Any]
    # Keys whose value is encrypted (``secure:``): replaced by stand-ins, not checked.
    encrypted: list[str] = field(default_factory=list)
    stand_ins: list[str] = field(default_factory=list)


def read_stack(stack: str, project_dir: Path = PROJECT_DIR) -> StackFile:
    """``Pulumi.<stack>.yaml``: its flat config (``secure:`` values left as ``Encrypted``) and ESC imports."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in project_dir.glob("Pulumi.*.yaml"))
        # The file's name given for the stack's: say which name was meant rather than guess at a path.
        named = re.fullmatch(r"(?:.*/)?Pulumi\.(.+)\.ya?ml", stack)
        meant = f"; --stack takes the stack's name: --stack {named.group(1)}" if named else ""
        raise FileNotFoundError(
            f"no stack file {path.name} in {project_dir}{meant}; stacks there: {', '.join(known) or 'none'} "
            "(run from the Pulumi project's folder, or give --project-dir)"
        )
    return load_stack_file(path, project_name(project_dir))


def read_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The flat config map of ``Pulumi.<stack>.yaml`` (see ``read_stack``)."""
    return read_stack(stack, project_dir).config


def stand_in_encrypted(config: Mapping[str, Any]) -> StackConfig:
    """Replace encrypted values by stand-ins the program can run with, and say which they were."""
    from albingress.facts.regions import partition_for_region
    from albingress.stack_settings import stand_in

    result = StackConfig(values={})
    region = config.get("aws:region")
    region = region if isinstance(region, str) and region_exists(region) else "us-east-1"
    facts = {"region": region, "partition": partition_for_region(region), "account": caller_account(config)}

    def walk(full_key: str, path: tuple[str, ...], value: Any, index: int | None = None) -> Any:
        if isinstance(value, Encrypted):
            dotted = full_key + "".join(f".{p}" for p in path) + (f"[{index}]" if index is not None else "")
            result.encrypted.append(dotted)
            replacement = stand_in(full_key, path, facts, index)
            result.stand_ins.extend(_strings(replacement))
            return replacement
        if isinstance(value, dict):
            return {k: walk(full_key, (*path, str(k)), v) for k, v in value.items()}
        if isinstance(value, list):
            # Each item keeps its place: an encrypted item never changes what the others plan as.
            return [walk(full_key, path, v, i) for i, v in enumerate(value)]
        return value

    for key, value in config.items():
        result.values[key] = walk(key, (), value)
    return result


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def mask(value: Any, secrets: list[str]) -> Any:
    """``value`` with every stand-in for an encrypted value shown as ``[secret]``."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, SECRET)
        return value
    if isinstance(value, dict):
        return {k: mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, secrets) for v in value]
    return value


def caller_account(config: Mapping[str, Any]) -> str:
    """The account the offline plan pretends to deploy with: the first allowed one, if the stack names any."""
    from albops.preview.cloud import ACCOUNT_ID  # imports pulumi: only the plan pays for it, not every command

    allowed = config.get("aws:allowedAccountIds")
    if isinstance(allowed, str):
        try:
            allowed = json.loads(allowed)
        except json.JSONDecodeError:
            allowed = None
    if isinstance(allowed, list) and allowed and isinstance(allowed[0], str):
        return allowed[0]
    return ACCOUNT_ID


@cache
def project_name(project_dir: Path) -> str:
    document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    return str(document["name"])


def _as_pulumi_config(flat: Mapping[str, Any]) -> dict[str, str]:
    """Pulumi passes structured values to programs as JSON text, scalars as strings."""
    out: dict[str, str] = {}
    for key, value in flat.items():
        if isinstance(value, (dict, list)) or value is None:
            out[key] = json.dumps(value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def _show_unknowns(value: Any, reveal: bool = False) -> Any:
    """Wire values as a reader sees them: unknowns named, secrets masked (unless ``reveal``), numbers whole."""
    from pulumi.output import Unknown
    from pulumi.runtime import rpc

    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return UNKNOWN
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            inner = _show_unknowns(value.get("value"), reveal)
            # Pulumi marks it secret: no file the plan writes may show it (an unknown stays unknown).
            return inner if reveal or inner == UNKNOWN else SECRET
        if rpc._special_sig_key in value:
            return _show_unknowns(value.get("value"), reveal)
        return {k: _show_unknowns(v, reveal) for k, v in value.items()}
    if isinstance(value, list):
        return [_show_unknowns(v, reveal) for v in value]
    if isinstance(value, float) and value.is_integer():
        # The wire format (protobuf Struct) carries every number as a double.
        return int(value)
    return value


def _alias(alias: Any) -> str:
    """An alias of a RegisterResource request as text: its URN, or the parent its spec names."""
    if alias.HasField("urn"):
        return str(alias.urn)
    spec = alias.spec
    parts = [f"{key}={getattr(spec, key)}" for key in ("name", "type", "stack", "project") if getattr(spec, key)]
    parts.append("noParent" if spec.noParent else f"parent={spec.parentUrn}" if spec.parentUrn else "parent=(same)")
    return ",".join(parts)


def _references_as_urns(struct: Any) -> Any:
    """A copy of a property struct with each resource reference replaced by its URN, for the record.

    Deserialising a reference builds the resource object (``aws.eks.Cluster.get`` by URN), which would run
    in the monitor's worker thread, on a loop the program does not wait for; the record needs only its name.
    """
    from google.protobuf import json_format, struct_pb2

    from albops.preview.cloud import RESOURCE_SIG, RESOURCE_SIG_KEY

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(RESOURCE_SIG_KEY) == RESOURCE_SIG:
                return str(value.get("urn", ""))
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    # Most structs hold no reference: a look at the wire bytes spares them the conversion to Python.
    if RESOURCE_SIG.encode() not in struct.SerializeToString():
        return struct
    copy = struct_pb2.Struct()
    copy.update(walk(json_format.MessageToDict(struct)))
    return copy


def _unretrieved_is_said(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A program that fails leaves Outputs whose futures hold the failure (and its echoes in every Output that
    depended on it); the run reports the failure once, by raising it. When the garbage collector frees those
    futures, asyncio would log each with a traceback ("Future exception was never retrieved"): dozens of lines
    after the one that said it, in a process that collects before it exits (a test, a program running several
    plans). Everything else goes to asyncio's own handler."""
    if str(context.get("message", "")).endswith("exception was never retrieved"):
        return
    loop.default_exception_handler(context)


class _RunLoops:
    """The event loops one offline plan uses, closed when it ends, while their sockets are still open.

    Pulumi's mock monitor runs in the main loop's executor threads and gives each thread an event loop of
    its own (``_ensure_event_loop``), which nothing closes: the garbage collector closed them at interpreter
    exit, in no fixed order with their self-pipe sockets, hence an occasional ``Exception ignored in:
    BaseEventLoop.__del__ ... Invalid file descriptor`` after the plan had ended (with ``-W
    always::ResourceWarning`` every run shows "unclosed event loop"). Each run now gets a fresh main loop,
    and each worker thread one that is recorded here; all are closed, the executor's threads joined, when
    the run ends, whichever way it ends.
    """

    def __init__(self) -> None:
        self.main = asyncio.new_event_loop()
        self.main.set_exception_handler(_unretrieved_is_said)
        asyncio.set_event_loop(self.main)
        self._threads: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def for_this_thread(self) -> None:
        """Give a worker thread a loop of its own (the main thread has the run's) before Pulumi makes one."""
        if threading.current_thread() is threading.main_thread():
            return
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_event_loop()
        except RuntimeError:
            current = None
        if current is None or current.is_closed():
            current = asyncio.new_event_loop()
            asyncio.set_event_loop(current)
            with self._lock:
                self._threads.append(current)

    def close(self) -> None:
        loop = self.main
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
        with self._lock:
            for thread_loop in self._threads:
                thread_loop.close()
            self._threads.clear()
        loop.close()
        asyncio.set_event_loop(None)


def run_program(
    config: Mapping[str, Any],
    stack: str,
    preview: bool = True,
    project_dir: Path = PROJECT_DIR,
    account_id: str | None = None,
    facts: CloudFacts | None = None,
    organization: str = DIY_ORGANIZATION,
) -> PlanResult:
    """Execute ``__main__.py`` under mocks; raises the program's own errors (e.g. ConfigError).

    Encrypted values are stood in for and masked in the result; ``account_id``
    is the account the mock STS reports (default: the stack's first allowed one);
    ``facts`` what the mock cloud knows of clusters (default: the stack's facts file,
    else the assumptions ``resolve_facts`` prints); ``organization`` what ``pulumi.get_organization()`` says
    (the owner tag's first part; by default what a self-managed backend calls every stack's organization).
    """
    import pulumi
    from pulumi.runtime import mocks, rpc, settings
    from pulumi.runtime import stack as runtime_stack
    from pulumi.runtime.sync_await import _sync_await

    import albingress.stack_settings.stack as stack_settings
    from albops.preview.cloud import CloudAnswers

    prepared = stand_in_encrypted(config)
    config = prepared.values
    region = str(config.get("aws:region", "us-east-1"))
    if not isinstance(config.get("aws:region"), str) or not region_exists(region):
        region = "us-east-1"  # the program reports the bad region itself, before the mock cloud is asked
    project = project_name(project_dir)
    if facts is None:
        facts = resolve_facts(config, stack, project_dir, project=project)
    facts = assume_policies(facts, config, project)  # the stand-ins of encrypted policy ARNs, too
    answers = CloudAnswers(region=region, preview=preview, account_id=account_id or caller_account(config), facts=facts)
    stack_settings.OFFLINE_UNCHECKED.clear()
    stack_settings.OFFLINE_UNCHECKED.update(prepared.encrypted)
    recorded: list[Registration] = []

    loops = _RunLoops()

    class RecordingMonitor(mocks.MockMonitor):
        def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            loops.for_this_thread()
            return super().Invoke(request)  # type: ignore[no-untyped-call]

        def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            loops.for_this_thread()
            return super().ReadResource(request)  # type: ignore[no-untyped-call]

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            loops.for_this_thread()
            if getattr(request, "remote", False):
                # A remote component (pulumi-eks's Cluster) is built by its provider, which receives each
                # resource passed in (``service_role=``) as a reference: a URN, not an object. Turned into an
                # object here, it would be read back by URN on this worker thread's loop while the program's
                # loop waits for this very call (the hang a resource input of eks.Cluster caused), so the mock
                # sees the URN, as the provider would.
                copy = type(request)()
                copy.CopyFrom(request)
                copy.object.CopyFrom(_references_as_urns(request.object))
                request = copy
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            # Every call registers them all (a few at most): the call whose answer made them returns only after.
            for urn, (resource_id, state) in list(answers.implied.items()):
                self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
            inputs = rpc.deserialize_properties(_references_as_urns(request.object), keep_unknowns=True)
            outputs = rpc.deserialize_properties(_references_as_urns(response.object), keep_unknowns=True)
            recorded.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    # A set to the engine: sorted, so each run writes the same.
                    dependencies=sorted(request.dependencies),
                    provider=request.provider,
                    inputs=mask(_show_unknowns(inputs), prepared.stand_ins),
                    outputs=mask(_show_unknowns(outputs), prepared.stand_ins),
                    retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                    providers=dict(getattr(request, "providers", {}) or {}),
                    revealed=mask(_show_unknowns(inputs, reveal=True), prepared.stand_ins),
                    aliases=[_alias(a) for a in getattr(request, "aliases", [])],
                )
            )
            return response

    try:
        settings.reset_options()
        pulumi.runtime.set_all_config(_as_pulumi_config(config))
        logged = ProgramLog()
        mocks.set_mocks(
            answers,
            project=project,
            stack=stack,
            preview=preview,
            logger=_ProgramLog.logger(logged),
            monitor=RecordingMonitor(answers),
            organization=organization,
        )

        if str(project_dir) not in sys.path:
            sys.path.insert(0, str(project_dir))

        def program() -> None:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

        try:
            _sync_await(runtime_stack.run_pulumi_func(program))
        except BaseException as error:
            error.albops_logged = logged  # type: ignore[attr-defined]  # read by the plan command
            raise
        finally:
            stack_settings.OFFLINE_UNCHECKED.clear()

        root = settings.get_root_resource()
        exported: dict[str, Any] = {}
        for key, value in (getattr(root, "outputs", None) or {}).items():
            output = pulumi.Output.from_input(value)
            known = _sync_await(output.is_known())
            exported[key] = mask(_sync_await(output.future()), prepared.stand_ins) if known else UNKNOWN
        return PlanResult(
            stack=stack,
            preview=preview,
            resources=tree_order(recorded),
            outputs=exported,
            encrypted=prepared.encrypted,
            calls=list(answers.calls),
            facts=facts,
            logged=logged,
        )
    finally:
        loops.close()
