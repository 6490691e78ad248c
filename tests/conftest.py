"""Shared fixtures: the shipped stack files, and running the real program under mocks."""

from __future__ import annotations

import copy
import functools
import gc
import importlib
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3.session
import botocore.client
import botocore.hooks
import botocore.session
import kubernetes_validate.utils as _kubernetes_validate_utils
import pytest
from hypothesis import settings as hypothesis_settings

from albops.preview.cloud_facts import CloudFacts
from albops.preview.runner import PlanResult, read_stack_file, run_program

StackRunner = Callable[..., PlanResult]
ROOT = Path(__file__).resolve().parent.parent

# Collection (importing the test modules and rewriting their asserts) builds what every test then uses: with
# CPython's default thresholds it ran about a dozen full passes over it per worker (1.5 s of CPU each, measured
# with a gc.callbacks probe). The thresholds of pytest_collection_finish below hold from here on.
gc.set_threshold(100_000, 50, 100)

# Property tests check behaviour, not speed (bench/ measures that): with both cores busy under xdist, an
# example could pass Hypothesis's default 200 ms deadline and fail a correct test now and then.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")
# pytest rewrites the asserts of every module of a plugin's distribution, Hypothesis's included, when it is
# first imported; from_regex imports its module lazily, mid-run, and CPython 3.11.7's ast.parse there
# failed now and then ("SystemError: AST constructor recursion depth mismatch", fixed in later 3.11
# releases). Imported once collection has finished, it is parsed once, before any test has run (and after
# Hypothesis's own start-up, so it is not taken for a plugin's side effect).


def pytest_collection_finish(session: pytest.Session) -> None:
    importlib.import_module("hypothesis.strategies._internal.regex")
    # The cyclic garbage collector's full passes walk every object alive, and a worker holds the SDKs, moto's
    # backends and the parsed schemas: with CPython's default thresholds it spent a tenth of the tests' time
    # collecting. What collection built lives to the end (frozen, never walked again), a young pass runs after
    # 100,000 new objects instead of 700, and a full one after 100 middle ones (a worker makes about 200): cycles
    # that outlive the young passes wait longer to be freed (a worker peaks near 0.6 GB; the machine has 24).
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


# kubernetes_validate reads and parses its JSON schema files again for every object it validates (the
# definitions file alone is megabytes, about a tenth of the suite's time); the files are read-only data and
# the validator does not change what it is given, so each is parsed once per test process.
_kubernetes_validate_utils.schema_contents = functools.cache(_kubernetes_validate_utils.schema_contents)


# botocore builds a new client class, a method per operation of the service (EC2 has hundreds), for every client
# it makes; the class depends only on the service's model and the handlers of 'creating-client-class'
# (botocore/client.py ClientCreator._create_client_class). Those are botocore's and boto3's built-in ones
# (botocore/handlers.py BUILTIN_HANDLERS, boto3's session), the same for every session the project makes
# (albops.cluster.aws.new_session), and no test registers another or sets AWS_DATA_PATH: so each service's
# class, keyed by service and API version, is built once per test process. Each client is still its own
# object, with its own events, endpoint and credentials.
_client_classes: dict[tuple[str, str], type] = {}
_create_client_class = botocore.client.ClientCreator._create_client_class


def _cached_client_class(self: botocore.client.ClientCreator, service_name: str, service_model: Any) -> type:
    key = (service_name, str(service_model.api_version))
    if key not in _client_classes:
        _client_classes[key] = _create_client_class(self, service_name, service_model)
    return _client_classes[key]


setattr(botocore.client.ClientCreator, "_create_client_class", _cached_client_class)  # noqa: B010


# Each client builds its own ServiceModel from the loader's parsed JSON, and then works out again what the model
# says (its endpoint-discovery operation, each operation's model: cached per ServiceModel instance, so per
# client). A ServiceModel is read-only: clients made from the same parsed document (the same loader, the same
# service and version) share one here. The document is held with it, so its id names it while cached.
_service_models: dict[tuple[str, int], tuple[Any, Any]] = {}
_load_service_model = botocore.client.ClientCreator._load_service_model


def _shared_service_model(self: botocore.client.ClientCreator, service_name: str, api_version: Any = None) -> Any:
    document = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
    cached = _service_models.get((service_name, id(document)))
    if cached is None or cached[0] is not document:
        cached = (document, _load_service_model(self, service_name, api_version))
        _service_models[(service_name, id(document))] = cached
    return cached[1]


setattr(botocore.client.ClientCreator, "_load_service_model", _shared_service_model)  # noqa: B010


# Each botocore session registers botocore's ~170 built-in event handlers one by one, each name passed through
# the event aliaser (botocore/session.py _register_builtin_handlers): about a third of making a session, and
# the AWS tests make thousands of sessions where a command makes a few. The handlers are module-level constants
# (botocore/handlers.py BUILTIN_HANDLERS), the same for every session: they are registered once on a template
# emitter and each new session gets a copy of it, made the way botocore copies a session's handlers into each
# client it creates (HierarchicalEmitter.__copy__: the prefix trie's structure copied, the handlers shared).
_register_builtin_handlers = botocore.session.Session._register_builtin_handlers
_builtin_emitter: list[botocore.hooks.HierarchicalEmitter] = []


def _copied_builtin_handlers(self: botocore.session.Session, events: Any) -> None:
    fresh = type(self._original_handler) is botocore.hooks.HierarchicalEmitter and events is self._events
    if not fresh:  # a caller's own event hooks: registered on them as botocore does
        _register_builtin_handlers(self, events)
        return
    if not _builtin_emitter:
        template = botocore.session.Session.__new__(botocore.session.Session)
        template._original_handler = botocore.hooks.HierarchicalEmitter()
        template._events = botocore.hooks.EventAliaser(template._original_handler)
        _register_builtin_handlers(template, template._events)
        _builtin_emitter.append(template._original_handler)
    self._original_handler = copy.copy(_builtin_emitter[0])
    self._events = botocore.hooks.EventAliaser(self._original_handler)


setattr(botocore.session.Session, "_register_builtin_handlers", _copied_builtin_handlers)  # noqa: B010


def _plan_environment(cwd: Path, with_git: bool) -> dict[str, str]:
    """What a user's shell gives the plan here: no AWS or kube credentials, no Pulumi CLI on PATH."""
    import shutil

    path = os.path.dirname(sys.executable)
    git = shutil.which("git")
    if with_git and git:
        path += os.pathsep + os.path.dirname(git)
    return {"PATH": path, "HOME": str(cwd), "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}


def run_plan(*args: str, cwd: Path = ROOT, with_git: bool = False) -> subprocess.CompletedProcess[str]:
    """``albops plan ...`` in this process, with the environment, working directory, streams, logging and
    warnings a user's ``python -m albops plan`` would have, its result shaped as run_plan_cli's.

    A plan process costs about 1.3 s of CPU, nearly all of it importing the SDKs, which this process has
    already done: the tests whose subject is the plan's answer, not the process, run it here. What only a
    process shows (an empty environment from the start, exit without teardown, hash seeds, the interpreter's
    own traceback, signals) stays with run_plan_cli, in test_plan_cli.py, test_diff.py, test_guardrails.py and
    others. As in a process: Pulumi's log lines (the root logger, which pytest fills with its own handlers)
    and warnings (the interpreter's default filters) reach the plan's stderr; an exception that escapes
    ``main`` is written there as a traceback, exit 1; ``SystemExit`` gives its code, or its message and 1.
    """
    import contextlib
    import io
    import logging
    import traceback
    import warnings

    from albops.cli.main import main

    environment = _plan_environment(cwd, with_git)  # before os.environ is emptied: git is found on the user's PATH
    saved_environment, saved_directory = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(environment)
        os.chdir(cwd)
        root.handlers.clear()  # no handler: a warning goes to logging.lastResort, which writes to sys.stderr
        root.setLevel(logging.WARNING)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.resetwarnings()
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)  # the interpreter's defaults (Python 3.11)
            warnings.showwarning = _show_warning_on_stderr
            try:
                code = main(["plan", *args])
            except SystemExit as leaving:
                if leaving.code is None or isinstance(leaving.code, int):
                    code = leaving.code or 0
                else:
                    print(leaving.code, file=sys.stderr)
                    code = 1
            except Exception:
                traceback.print_exc()
                code = 1
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        os.chdir(saved_directory)
        os.environ.clear()
        os.environ.update(saved_environment)
    # A failed program leaves asyncio futures holding exceptions nobody retrieved. Collected here, once the
    # streams are back (a process would leave without collecting them): not in the middle of a later test,
    # where asyncio's log line would re-enter pytest's ast.parse (the CPython 3.11.7 fault noted above).
    # What survives this pass is frozen with what collection built: otherwise each later full pass, this one
    # included, walks it all again. Frozen whatever this plan imported: the first plan of a worker imports the
    # SDKs' resource modules (millions of objects), but so may a test before it that is no plan (an SDK module,
    # moto's backends), and a worker then held half a million objects that every plan's pass walked again
    # (11.6 s of the suite's CPU over 47 plans at 9ca7cb3, measured with process_time around this call; 2.1 s
    # after). The price: what is frozen is never freed, and each plan leaves a few thousand objects (its closed
    # event loop among them), about 50 plans per suite spread over the workers.
    gc.collect()
    gc.freeze()
    return subprocess.CompletedProcess(["albops", "plan", *args], code, out.getvalue(), err.getvalue())


def _show_warning_on_stderr(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """The interpreter's own warning display, on the sys.stderr of the moment (the plan's captured one)."""
    import warnings

    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def run_plan_cli(
    *args: str, cwd: Path = ROOT, with_git: bool = False, warnings: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python -m albops plan ...`` as a user runs it: no AWS or kube credentials, no Pulumi CLI on PATH.

    ``with_git`` adds the folder of ``git`` to PATH, for ``--compare-to``; ``warnings`` is PYTHONWARNINGS.
    """
    env = {**_plan_environment(cwd, with_git), **({"PYTHONWARNINGS": warnings} if warnings else {})}
    return subprocess.run(
        [sys.executable, "-m", "albops", "plan", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def stack_config(stack: str) -> dict[str, Any]:
    """A deep copy of a shipped stack's config, safe to modify in a test."""
    return copy.deepcopy(read_stack_file(stack))


def with_overrides(config: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A copy of ``config`` with overrides.

    A section name (``alb``) merges keys into that section; a full key
    (``aws:region``, ``alb-ingress:certificate``) replaces the value.
    """
    result = copy.deepcopy(config)
    for key, value in overrides.items():
        full = key if ":" in key else f"alb-ingress:{key}"
        if ":" not in key and isinstance(value, dict) and isinstance(result.get(full), dict):
            result[full] = {**result[full], **value}
        else:
            result[full] = value
    return result


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in server mode on 127.0.0.1: a real HTTP endpoint speaking the AWS protocols."""
    from moto import backends as moto_backends
    from moto.core import base_backend
    from moto.core import responses as moto_responses
    from moto.core import utils as moto_utils
    from moto.eks import utils as eks_utils
    from moto.server import ThreadedMotoServer

    # Two costs of moto's own, not of AWS's behaviour, that no test reads: every new EC2 backend (one per region
    # after each reset) loads moto's catalogue of public AMIs, with a snapshot and a volume each (over a fifth of
    # the suite's moto time; nothing here lists images), and EKS's CreateCluster checks the role ARN's partition
    # against a new boto3 session each time, parsing botocore's endpoint data again. The partitions are fixed
    # data: they are read once. (moto 5.2.5: moto/settings.py ec2_load_default_amis, moto/eks/utils.py.)
    patch = pytest.MonkeyPatch()
    patch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    # One session, made on first use (inside a request, after aws_env has cleared AWS_PROFILE and the rest, as
    # moto's own AccountSpecificBackend.get_session does), then kept.
    patch.setattr(eks_utils, "Session", functools.cache(boto3.session.Session))
    # Two more of the same kind, paid on every request or every backend: the server lists moto's package folder
    # (a stat per service) to route each request, and each new backend asks botocore for its service's regions.
    # Both are fixed for the installed moto and botocore (moto/backends.py list_of_moto_modules,
    # moto/core/base_backend.py AccountSpecificBackend._generate_regions).
    modules = tuple(moto_backends.list_of_moto_modules())
    patch.setattr(moto_backends, "list_of_moto_modules", lambda: modules)
    regions_of = functools.cache(base_backend.AccountSpecificBackend._generate_regions.__wrapped__)
    patch.setattr(base_backend.AccountSpecificBackend, "_generate_regions", lambda _, s: list(regions_of(None, s)))
    # And two per request: every call lists its response class's methods with inspect.getmembers to find the
    # action (moto/core/responses.py call_action; a class's methods are fixed), about 8% of the server's time;
    # and werkzeug logs each request at INFO (ThreadedMotoServer's verbose=False does not reach it), a record
    # formatted and handed to pytest's log capture per call, that no test reads.
    patch.setattr(moto_responses, "method_names_from_class", functools.cache(moto_utils.method_names_from_class))
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    werkzeug_log.setLevel(werkzeug_level)
    patch.undo()


def _reset_moto() -> None:
    """Forget every resource of the moto server this process runs (as ``POST /moto-api/reset`` does), cheaply.

    moto's own reset (moto 5.2.5, moto/core/base_backend.py ``BackendDict.reset``) first re-runs the
    constructor of every service backend of every region any earlier test touched, then drops them all: a new
    EC2 backend alone builds default VPCs and loads AMI catalogues, so the reset took 1 to 10 s per test,
    most of the AWS tests' time. Dropping the backends without rebuilding them first leaves the same state (the
    next request builds a fresh backend, exactly as after moto's reset); the server runs in this process
    (``moto_endpoint``), so its backends are reachable here.
    """
    from moto.core import base_backend
    from moto.core.model_instances import reset_model_data
    from moto.moto_api._internal.models import moto_api_backend

    with base_backend.backend_lock:
        for backend in base_backend.BackendDict._instances:  # type: ignore[misc]
            backend.clear()
        base_backend.BackendDict._instances.clear()  # type: ignore[misc]
    reset_model_data()
    moto_api_backend.__init__(moto_api_backend.region_name, moto_api_backend.account_id)  # type: ignore[misc]


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean moto account, reached the way users reach any AWS-compatible endpoint: AWS_ENDPOINT_URL."""
    _reset_moto()
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    # moto lists all of its 38 regions as enabled, and each one teardown then reads makes moto build that region's
    # backends, which its reset pays for again (over 10 s on a loaded machine): teardown's look at every enabled
    # region sees the ones the tests use, answered by DescribeRegions all the same (its errors included).
    from albops.cluster import teardown

    every = teardown.enabled_regions
    monkeypatch.setattr(teardown, "enabled_regions", lambda aws: [r for r in every(aws) if r in TEST_REGIONS])
    yield moto_endpoint


# The regions the tests put resources in.
TEST_REGIONS = ("us-west-2", "us-east-1", "eu-west-1")


@pytest.fixture
def run_stack() -> StackRunner:
    """Run ``__main__.py`` under mocks with a shipped stack's config plus overrides.

    ``overrides`` as in ``with_overrides``; ``preview`` picks preview or apply mode;
    ``account_id`` is the account the mock STS says the credentials belong to; ``facts`` what the mock
    cloud knows of clusters (default: the stack's facts file and the plan's assumptions).
    """

    def run(
        stack: str = "stage",
        preview: bool = False,
        account_id: str | None = None,
        facts: CloudFacts | None = None,
        **overrides: Any,
    ) -> PlanResult:
        config = with_overrides(stack_config(stack), **overrides)
        return run_program(config, stack, preview=preview, account_id=account_id, facts=facts)

    return run


@pytest.fixture(scope="session")
def stage_apply() -> PlanResult:
    """The stage stack as after ``pulumi up`` (mocked), shared by read-only tests."""
    return run_program(read_stack_file("stage"), "stage", preview=False)


@pytest.fixture(scope="session")
def sandbox_apply() -> PlanResult:
    return run_program(read_stack_file("sandbox"), "sandbox", preview=False)
