"""``migrate --from-cluster``: read what the conversion needs from a live cluster, and only read.

The facts that decide a conversion live outside the Ingresses (which install serves a class, its NLB's scheme
and certificate, its ConfigMap and flags), and a hand-made dump loses them. So this reads them with the
official Kubernetes client, authenticated as kubectl is (kubeconfig files, contexts, tokens, client
certificates, exec plugins such as ``aws eks get-token``; the in-cluster service account when no kubeconfig
exists), and hands them to the same pipeline files go through (``albops.migrate.migrate``): one reader of
controller flags, one set of rules.

Only GET requests are made (the RBAC verbs ``list`` and ``get``); each under the command's ``Deadline`` and the
client's own ``_request_timeout``, so a stalled or trickling API server is named, never waited on. Every
refusal is one line: 403 names the verb, resource, API group and namespace and the ClusterRole rule to
grant; 401 the context and user whose credentials were refused; a connection or TLS failure the server URL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albingress.facts.go_values import go_bool
from albops.cluster.kube import verb_and_resource
from albops.deadline import Deadline, DeadlineExceeded
from albops.migrate.install import as_mapping, controller_args

# external-dns's boolean flags this module reads (v0.22.0 pkg/apis/externaldns/types.go b.BoolVar): a bare one is
# true and never takes the next word.
EXTERNAL_DNS_BOOLEANS = frozenset({"txt-encrypt-enabled"})

# Objects a list returns per page: the API server's chunking (limit/continue) keeps each answer bounded.
PAGE = 500
# Pages one list may take (50 million objects at PAGE), and how many empty pages in a row that still carry a
# continue token are taken before the list is called endless: the API server fills each page up to the limit
# when nothing filters the list (k8s.io/apiserver storage/etcd3 store.go GetList), and nothing filters these.
MAX_PAGES = 100_000
EMPTY_PAGES = 3
# The whole read's time: every list and get, the exec plugin included. A call has --call-timeout; the read as
# a whole, whatever a server does between answers (a continue token for ever), this or ten calls' time, the
# longer (READ_CALLS * --call-timeout, so that one call's own limit is still the one that names a stall).
READ_SECONDS = 300.0
READ_CALLS = 10
RULES_DOC = "docs/migrate.md#rbac"

# (kind, apiVersion, path prefix, resource) of what is read; namespaced ones list under /namespaces/NS/.
INGRESS = ("Ingress", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1", "ingresses")
INGRESS_CLASS = ("IngressClass", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1", "ingressclasses")
# The controller's class params: which group an ALB Ingress of the cluster joins (its group beats group.name).
INGRESS_CLASS_PARAMS = (
    "IngressClassParams",
    "elbv2.k8s.aws/v1beta1",
    "/apis/elbv2.k8s.aws/v1beta1",
    "ingressclassparams",
)
SERVICE = ("Service", "v1", "/api/v1", "services")
DEPLOYMENT = ("Deployment", "apps/v1", "/apis/apps/v1", "deployments")
DAEMONSET = ("DaemonSet", "apps/v1", "/apis/apps/v1", "daemonsets")
CONFIGMAP = ("ConfigMap", "v1", "/api/v1", "configmaps")
NAMESPACE = ("Namespace", "v1", "/api/v1", "namespaces")
Kind = tuple[str, str, str, str]


class ClusterError(Exception):
    """The cluster could not be read; the message names the input (kubeconfig, context, server) and the fix."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to read: ``kubeconfig`` (None: $KUBECONFIG, ~/.kube/config, else in-cluster), ``context``, and the
    namespaces namespaced reads are limited to (() all, listed cluster-wide)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExternalDns:
    """external-dns as its Deployment runs it: what ``albops cutover`` needs to find and name its records."""

    workload: str
    version: str  # the image tag ('' unknown)
    flags: dict[str, str]

    @property
    def annotation_prefix(self) -> str:
        """Its ``--annotation-prefix``, else its default: ``external-dns.alpha.kubernetes.io/`` up to v0.21,
        ``external-dns.kubernetes.io/`` from v0.22.0 (the issue's statement of the release notes)."""
        if self.flags.get("annotation-prefix"):
            return self.flags["annotation-prefix"]
        match = re.match(r"v?(\d+)\.(\d+)", self.version)
        new = match is not None and (int(match[1]), int(match[2])) >= (0, 22)
        return "external-dns.kubernetes.io/" if new else "external-dns.alpha.kubernetes.io/"

    def cutover_flags(self) -> tuple[str, ...]:
        """``albops cutover``'s options that find this external-dns's ownership records and name its annotations:
        without its ``--txt-prefix``/``--txt-suffix`` the cutover would look for the TXT record at the wrong name
        and take external-dns's record for its own."""
        flags: list[str] = []
        for key in ("txt-prefix", "txt-suffix", "txt-wildcard-replacement"):
            if self.flags.get(key):
                flags += [f"--{key}", shlex.quote(self.flags[key])]
        return (*flags, "--external-dns-annotation-prefix", shlex.quote(self.annotation_prefix))

    @property
    def registry(self) -> str:
        """Where it keeps ownership: ``--registry``, default ``txt`` (v0.22.0 pkg/apis/externaldns/types.go;
        the others are aws-sd, crd, dynamodb and noop, none of which writes a TXT record)."""
        return self.flags.get("registry") or "txt"

    @property
    def encrypted(self) -> bool:
        """``--txt-encrypt-enabled``: the TXT value is AES-encrypted (v0.22.0 endpoint/labels.go), so
        ``heritage=external-dns`` never shows in it. A kingpin boolean, read with ParseBool."""
        return go_bool(self.flags.get("txt-encrypt-enabled", "false")) is True

    def unseen_ownership(self) -> str:
        """Why ``albops cutover`` cannot see this external-dns's ownership in Route 53 ('' it can)."""
        if self.registry != "txt":
            return f"--registry={self.registry} keeps its ownership outside Route 53 (no TXT record)"
        if self.encrypted:
            return "--txt-encrypt-enabled encrypts its TXT records, so heritage=external-dns cannot be read in them"
        return ""

    def describe(self) -> str:
        said = [f"--registry={self.registry}" + ("" if "registry" in self.flags else " (default)")]
        if self.registry == "txt":
            said.append(f"--txt-encrypt-enabled={str(self.encrypted).lower()}")
        keys = ("txt-prefix", "txt-suffix", "txt-owner-id", "policy")
        said += [f"--{k}={self.flags[k]}" for k in keys if k in self.flags]
        return (
            f"{self.workload} ({self.version or 'version unknown'}): {', '.join(said)}; "
            f"annotation prefix {self.annotation_prefix}"
        )


@dataclass
class ClusterRead:
    """What was read: the objects as the API serves them (kind and apiVersion set), and facts beside them."""

    server: str
    who: str  # context and user, for messages
    documents: list[dict[str, Any]] = field(default_factory=list)
    external_dns: list[ExternalDns] = field(default_factory=list)
    ingress_classes_unread: str = ""  # why IngressClasses could not be listed ('' they were)
    class_params_unread: str = ""  # why IngressClassParams could not be listed ('' they were, or the CRD is absent)
    controllers: int = 0


# --- connecting ---------------------------------------------------------------------------------------------


def _kubeconfig_paths(target: Target) -> tuple[str | None, str]:
    """The kubeconfig to load (None: in-cluster) and how to name it."""
    if target.kubeconfig is not None:
        path = Path(target.kubeconfig).expanduser()
        if not path.is_file():
            raise ClusterError(f"--kubeconfig {target.kubeconfig}: no such file; give the path kubectl uses")
        if not os.access(path, os.R_OK):
            raise ClusterError(f"--kubeconfig {target.kubeconfig}: not readable; fix its permissions")
        return str(path), f"--kubeconfig {target.kubeconfig}"
    env = os.environ.get("KUBECONFIG", "")
    if env:
        existing = [p for p in env.split(os.pathsep) if p and Path(p).expanduser().is_file()]
        if not existing:
            raise ClusterError(f"KUBECONFIG={env}: none of its files exists; fix KUBECONFIG or pass --kubeconfig")
        return os.pathsep.join(existing), f"KUBECONFIG={env}"
    default = Path("~/.kube/config").expanduser()
    if default.is_file():
        return str(default), "~/.kube/config"
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return None, "the in-cluster service account"
    raise ClusterError(
        "no kubeconfig: KUBECONFIG is unset, ~/.kube/config does not exist and this is not a Pod; pass --kubeconfig "
        "FILE (aws eks update-kubeconfig --name CLUSTER writes one)"
    )


def connect(target: Target, deadline: Deadline) -> tuple[Any, str, str]:
    """An ApiClient for the target, its server URL, and 'context C (user U)' for messages.

    Loading runs under the deadline too. An exec plugin (``aws eks get-token``) is run here, not by the client
    (albops.migrate.exec_plugin): bounded, its process group killed when its time is over, its failure named.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    path, named = _kubeconfig_paths(target)
    configuration = client.Configuration()
    if path is None:
        if target.context:
            raise ClusterError(f"--context {target.context}: there is no kubeconfig to hold it (in-cluster)")
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as error:
            raise ClusterError(f"in-cluster configuration: {error}; pass --kubeconfig FILE") from None
        who = "the in-cluster service account"
    else:
        from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

        try:
            merged = KubeConfigMerger(path).config
            value = merged.value if merged is not None else None
            if not isinstance(value, dict):
                raise ValueError("no clusters, users or contexts")
            current = _current_context(path)
        except Exception as error:  # PyYAML's and the client's own errors, an unreadable file
            raise ClusterError(f"{named}: not a kubeconfig kubectl can read ({_first_line(error)})") from None
        contexts = [getattr(c, "value", c) for c in value.get("contexts") or []]
        names = [str(c.get("name")) for c in contexts if isinstance(c, dict)]
        wanted = target.context or current
        if not wanted:
            raise ClusterError(f"{named} has no current-context; pass --context (one of: {', '.join(names) or 'none'})")
        chosen = next((c for c in contexts if isinstance(c, dict) and c.get("name") == wanted), None)
        if chosen is None:
            flag = f"--context {wanted}" if target.context else f"its current-context {wanted!r}"
            raise ClusterError(
                f"{named}: {flag} is not one of its contexts ({', '.join(names) or 'none'}); pick one with --context "
                "(kubectl config get-contexts lists them)"
            )
        user = as_mapping(chosen.get("context")).get("user", "?")
        who = f"context {wanted} (user {user})"
        user_node = _named_entry(merged, "users", str(user))
        cluster_node = _named_entry(merged, "clusters", str(as_mapping(chosen.get("context")).get("cluster", "")))
        if user_node is not None:
            entry = user_node.value.get("user")
            if isinstance(entry, dict):
                base = os.path.dirname(os.path.abspath(user_node.path)) if user_node.path else ""
                _check_client_certificate(entry, base, named, str(user))
                cluster_value = as_mapping(cluster_node.value.get("cluster")) if cluster_node is not None else {}
                _run_exec_plugin(entry, base, deadline, cluster_value, named, who)

        def load() -> None:
            loader = KubeConfigLoader(config_dict=merged, active_context=wanted, config_base_path=None)
            loader.load_and_set(configuration)

        try:
            with _client_logs_captured():
                deadline.run(load, endpoint=named, step="load the kubeconfig")
        except ConfigException as error:
            raise ClusterError(
                f"{named}, {who}: {_first_line(error)}; fix the kubeconfig or pick another --context"
            ) from None
        except (OSError, ValueError) as error:
            raise ClusterError(f"{named}, {who}: {_first_line(error)}; fix the kubeconfig") from None
        except DeadlineExceeded as error:
            raise ClusterError(f"{named}, {who}: {_redact(str(error))}") from None
        _check_key_pair(configuration, named, str(user))
    # One try per call: retries would spend the call's time against a server that already said no.
    configuration.retries = False
    return client.ApiClient(configuration), str(configuration.host), who


def _named_entry(merged: Any, section: str, name: str) -> Any:
    """The kubeconfig's ``section`` entry (a ConfigNode, which knows the file it came from) called ``name``."""
    for node in merged.value.get(section) or []:  # the merger keeps each entry as a ConfigNode with its file
        if isinstance(getattr(node, "value", None), dict) and node.value.get("name") == name:
            return node
    return None


# The kubeconfig user fields of a client certificate and its key (client-go tools/clientcmd/api/types.go
# AuthInfo); client-go's validation (tools/clientcmd/validation.go validateAuthInfo) refuses a user with a
# certificate and no key ("client-key-data or client-key must be specified ... to use the clientCert
# authentication method") and a file it cannot read, as kubectl does, instead of failing later in TLS.
CLIENT_CERT_FIELDS = (("client-certificate", "client-certificate-data"), ("client-key", "client-key-data"))


def _check_client_certificate(user: dict[str, Any], base: str, named: str, name: str) -> None:
    """A client certificate without its key, or a file of them that cannot be read: one line naming the
    kubeconfig user, the field and the fix, before any TLS handshake fails with 'PEM lib'. (A key without a
    certificate client-go ignores, and so does this.)"""
    (cert_file, cert_data), (key_file, key_data) = CLIENT_CERT_FIELDS
    has_cert = bool(user.get(cert_file) or user.get(cert_data))
    if has_cert and not (user.get(key_file) or user.get(key_data)):
        raise ClusterError(
            f"{named}: user {name} has a client certificate ({cert_file if user.get(cert_file) else cert_data}) "
            f"and no {key_file} or {key_data}: add the private key the certificate was issued for (kubectl refuses "
            "this user too)"
        )
    for field_name, data_name in CLIENT_CERT_FIELDS if has_cert else ():
        given = user.get(field_name)
        if not given or user.get(data_name):  # the data field wins over the file (client-go and this client)
            continue
        file = Path(base, str(given)) if base else Path(str(given))
        try:
            with open(file, "rb") as stream:
                stream.read(1)
        except OSError as error:
            raise ClusterError(
                f"{named}: user {name}'s {field_name} {given} cannot be read ({error.strerror}): fix the path "
                "(a relative one is relative to the kubeconfig's directory) or its permissions"
            ) from None


def _check_key_pair(configuration: Any, named: str, name: str) -> None:
    """The client certificate and key load together, or one line naming the user: never a TLS 'PEM lib' error
    blamed on the server URL."""
    import ssl

    cert, key = getattr(configuration, "cert_file", None), getattr(configuration, "key_file", None)
    if not cert:  # a key alone is not used (client-go ignores it too)
        return
    try:
        ssl.create_default_context().load_cert_chain(str(cert), str(key) if key else None)
    except (ssl.SSLError, OSError) as error:
        said = _redact(" ".join(str(error).split()))[:160]
        raise ClusterError(
            f"{named}: user {name}'s client certificate and client key do not load together ({said}): the key must "
            "be the PEM private key of that certificate; fix client-key(-data) or client-certificate(-data)"
        ) from None


def _run_exec_plugin(
    user: dict[str, Any], base: str, deadline: Deadline, cluster: dict[str, Any], named: str, who: str
) -> None:
    """Run the user's exec plugin when the client would (no auth-provider, no token), and put what it printed in
    the user entry in its place, as a static token or certificate data."""
    from albops.migrate import exec_plugin

    plugin = user.get("exec")
    if not isinstance(plugin, dict) or user.get("auth-provider") or user.get("token") or user.get("tokenFile"):
        return
    seconds, _ = deadline.budget()
    if seconds <= 0:
        raise ClusterError(f"{named}, {who}: the read's time was over before its exec plugin could run")
    try:
        credential = exec_plugin.run(plugin, base, seconds, cluster)
    except exec_plugin.ExecPluginError as error:
        raise ClusterError(f"{named}, {who}: {error}") from None
    del user["exec"]
    if credential.token:
        user["token"] = credential.token
    else:
        import base64

        for key in (*CLIENT_CERT_FIELDS[0], *CLIENT_CERT_FIELDS[1]):
            user.pop(key, None)
        user["client-certificate-data"] = base64.b64encode(credential.certificate.encode()).decode()
        user["client-key-data"] = base64.b64encode(credential.key.encode()).decode()


@contextlib.contextmanager
def _client_logs_captured() -> Iterator[list[logging.LogRecord]]:
    """Keep the client's log records off stderr while the kubeconfig loads: it logs failures (an exec plugin's
    stderr among them) on the root logger, whose first record would otherwise install a stderr handler."""

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record)

    kept: list[logging.LogRecord] = []
    handler = Keep()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield kept
    finally:
        root.removeHandler(handler)


def _current_context(paths: str) -> str:
    """The current-context kubectl takes from a merged $KUBECONFIG: the first file that sets one (client-go
    tools/clientcmd loader.go merges non-map values in reverse order with mergo's override, which skips an empty
    value, so the first non-empty one stays). The python client's KubeConfigMerger lets each later file
    overwrite it instead (KUBECONFIG=a:b would use b's), so it is read here and passed as the context."""
    import yaml

    for path in paths.split(os.pathsep):
        with open(path, encoding="utf-8") as stream:
            loaded = yaml.safe_load(stream)
        current = loaded.get("current-context") if isinstance(loaded, dict) else None
        if isinstance(current, str) and current:
            return current
    return ""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return _redact(text[0] if text else type(error).__name__)


def _redact(text: str) -> str:
    """Never show a credential an error may quote (a bearer token, a client key, a URL's userinfo)."""
    text = redact_url_userinfo(text)
    return re.sub(r"(?i)(bearer\s+|token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]+", r"\1<redacted>", text)


def redact_url_userinfo(text: str) -> str:
    """Every URL in ``text`` without its userinfo (``https://admin:TOKEN@host`` is ``https://REDACTED@host``):
    a kubeconfig's server URL may carry a password, and messages print the server."""
    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", r"\1REDACTED@", text)


# --- reading ------------------------------------------------------------------------------------------------


class Reader:
    """GET-only calls through one ApiClient, each under the deadline, each failure one line."""

    def __init__(self, api: Any, server: str, who: str, deadline: Deadline) -> None:
        self.api = api
        self.url = server  # what requests go to
        self.server = redact_url_userinfo(server)  # what messages name: never a password the URL carries
        self.who = who
        self.deadline = deadline

    def _get(self, path: str, query: list[tuple[str, Any]], namespace: str) -> dict[str, Any] | None:
        """The JSON answer of GET path, or None for 404 (an object that is not there)."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

        verb, resource, group = verb_and_resource("GET", path)
        step = f"{verb} {resource}" + (f".{group}" if group else "")

        def call() -> dict[str, Any]:
            # The socket's timeouts a little past the call's time: the deadline, which names the stalled server
            # and the step, ends the call first; the socket's own timeout only frees the abandoned thread.
            seconds = max(0.05, self.deadline.budget()[0]) + 1.0
            headers = {"Accept": "application/json"}
            # The client's request, not call_api: call_api fails on its own TLS-error exception (a None body).
            self.api.update_params_for_auth(headers, query, ["BearerToken"])
            response = self.api.request(
                "GET",
                self.url + path,
                query_params=query,
                headers=headers,
                _preload_content=False,
                _request_timeout=(seconds, seconds),
            )
            answer = json.loads(response.data)
            return answer if isinstance(answer, dict) else {}

        try:
            return self.deadline.run(call, endpoint=self.server, step=step, subject=namespace and f"in {namespace}")
        except ApiException as error:
            if error.status == 404:
                return None
            if not error.status:  # the client's wrapping of a TLS failure (kubernetes/client/rest.py)
                raise ClusterError(self._unreachable(str(error.reason))) from None
            raise ClusterError(self._refused(error, verb, resource, group, namespace)) from None
        except (ReadTimeoutError, ConnectTimeoutError, TimeoutError) as error:
            raise ClusterError(f"{self.server} gave no complete answer to {step}: {_first_line(error)}") from None
        except HTTPError as error:
            raise ClusterError(self._unreachable(str(error))) from None
        except ValueError:
            raise ClusterError(
                f"{self.server} answered {step} with something that is not the API server's JSON; is it the API "
                "server (a proxy's page)?"
            ) from None
        except DeadlineExceeded as error:
            if error.limit == "the command's deadline":
                raise ClusterError(
                    f"{error}: the whole read of the cluster is limited to {self.deadline.seconds:g} s "
                    "(docs/migrate.md#from-a-cluster); read fewer namespaces with --namespace, or check the API server"
                ) from None
            raise ClusterError(f"{error}; the API server is stalled or too slow (see --call-timeout)") from None

    def _unreachable(self, said: str) -> str:
        said = " ".join(said.split())
        return (
            f"the API server {self.server} ({self.who}) cannot be reached: {_redact(said)[:300]}; check the "
            "server URL and certificate-authority in the kubeconfig, and the network path"
        )

    def _refused(self, error: Any, verb: str, resource: str, group: str, namespace: str) -> str:
        where = f"in namespace {namespace}" if namespace else "across all namespaces"
        if error.status == 401:
            return (
                f"the API server {self.server} refused the credentials of {self.who} (401 Unauthorized): refresh them "
                "(an expired token, a revoked certificate, aws eks get-token for another cluster or role)"
            )
        if error.status == 403:
            said = ""
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                said = str(json.loads(error.body).get("message", ""))
            rule = f"{{apiGroups: [{json.dumps(group)}], resources: [{resource}], verbs: [get, list]}}"
            api_group = group or 'core, ""'
            return (
                f"{self.who} may not {verb} {resource} (API group {api_group}) {where}"
                + (f" ({_redact(said)})" if said else "")
                + f": grant the ClusterRole rule {rule} ({RULES_DOC})"
                + ("" if namespace else ", or pass --namespace for namespaces you may read")
            )
        return (
            f"the API server {self.server} answered {verb} {resource} {where} with {error.status} {error.reason}; "
            "run it again, or check the API server"
        )

    def list(self, kind: Kind, namespace: str = "") -> list[dict[str, Any]]:
        """Every object of ``kind`` (in ``namespace``, or all), page by page, each with its kind and apiVersion.

        A server that hands out continue tokens for ever is not followed for ever: a token it gave before, or
        more than EMPTY_PAGES empty pages in a row that still carry one, end the list with an error naming the
        resource; the read's own deadline (READ_SECONDS) ends any other endless list.
        """
        name, version, prefix, resource = kind
        path = f"{prefix}/namespaces/{namespace}/{resource}" if namespace else f"{prefix}/{resource}"
        where = f"{resource} in namespace {namespace}" if namespace else f"{resource} across all namespaces"
        found: list[dict[str, Any]] = []
        token = ""
        seen: set[str] = set()
        empty = 0
        for page in range(1, MAX_PAGES + 1):
            self._time_left(f"list {where}", page, len(found))
            query: list[tuple[str, Any]] = [("limit", PAGE)] + ([("continue", token)] if token else [])
            answer = self._get(path, query, namespace) or {}
            items = [i for i in answer.get("items") or [] if isinstance(i, dict)]
            found.extend({"apiVersion": version, "kind": name, **item} for item in items)
            token = str(as_mapping(answer.get("metadata")).get("continue") or "")
            if not token:
                return found
            if token in seen:
                raise ClusterError(
                    f"{self.server}: the list of {where} repeats a continue token on page {page} (a loop, not the "
                    "API server's paging): nothing was converted; check the API server or the proxy in front of it"
                )
            seen.add(token)
            empty = 0 if items else empty + 1
            if empty > EMPTY_PAGES:
                raise ClusterError(
                    f"{self.server}: the list of {where} gave {empty} empty pages in a row that each promise more "
                    f"(page {page}); the API server's paging never does that: check the API server or the proxy "
                    "in front of it"
                )
        raise ClusterError(f"{self.server}: the list of {where} never ended ({MAX_PAGES} pages)")

    def _time_left(self, step: str, page: int, items: int) -> None:
        """Stop, naming what was being read, once the read's whole time is over (never start a call past it)."""
        if self.deadline.ends_at is not None and self.deadline.budget()[0] <= 0:
            raise ClusterError(
                f"{self.server}: reading the cluster took longer than its limit of {self.deadline.seconds:g} s "
                f"(the whole read, docs/migrate.md#from-a-cluster) while it was on {step} (page {page}, {items} "
                "objects so far); nothing was converted: read fewer namespaces with --namespace, or check the API "
                "server"
            )

    def get(self, kind: Kind, namespace: str, name: str) -> dict[str, Any] | None:
        """One object, or None when it does not exist."""
        kind_name, version, prefix, resource = kind
        path = f"{prefix}/namespaces/{namespace}/{resource}/{name}" if namespace else f"{prefix}/{resource}/{name}"
        answer = self._get(path, [], namespace)
        return None if answer is None else {"apiVersion": version, "kind": kind_name, **answer}


def _each_namespace(reader: Reader, kind: Kind, namespaces: tuple[str, ...]) -> list[dict[str, Any]]:
    if not namespaces:
        return reader.list(kind)
    return [obj for ns in namespaces for obj in reader.list(kind, ns)]


def _ref(obj: dict[str, Any]) -> str:
    meta = as_mapping(obj.get("metadata"))
    return f"{meta.get('namespace', 'default')}/{meta.get('name')}"


def _external_dns(workload: dict[str, Any]) -> ExternalDns | None:
    """external-dns's container (its image, or its binary as the command) and its flags, or None."""
    template = as_mapping(as_mapping(as_mapping(workload.get("spec")).get("template")).get("spec"))
    for container in template.get("containers") or []:
        if not isinstance(container, dict):
            continue
        image = str(container.get("image", ""))
        words = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
        if "external-dns" not in image.rsplit("/", 1)[-1] and not any(w.endswith("external-dns") for w in words):
            continue
        flags: dict[str, str] = {}
        for i, word in enumerate(words):
            if word.startswith("--"):
                key, eq, value = word[2:].partition("=")
                if not eq and key in EXTERNAL_DNS_BOOLEANS:
                    value = "true"  # a kingpin boolean never takes the next word
                elif not eq and key.startswith("no-") and key[3:] in EXTERNAL_DNS_BOOLEANS:
                    key, value = key[3:], "false"  # kingpin's negation
                elif not eq and i + 1 < len(words) and not words[i + 1].startswith("-"):
                    value = words[i + 1]
                flags.setdefault(key, value)  # kingpin keeps a repeated flag's values; these take one
        # kingpin's DefaultEnvars: EXTERNAL_DNS_<FLAG> sets a flag the args leave unset (literal values only).
        for entry in container.get("env") or []:
            entry = as_mapping(entry)
            name, literal = str(entry.get("name", "")), entry.get("value")
            if name.startswith("EXTERNAL_DNS_") and isinstance(literal, str):
                flags.setdefault(name[len("EXTERNAL_DNS_") :].lower().replace("_", "-"), literal)
        tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
        return ExternalDns(f"{workload.get('kind')} {_ref(workload)}", tag.split("@")[0], flags)
    return None


def _env_configmaps(workload: dict[str, Any]) -> set[str]:
    """NAMESPACE/NAME of each ConfigMap a container's env takes values from (``configMapKeyRef``, ``envFrom``
    ``configMapRef``): a ``$(VAR)`` in a controller flag may come from one, so they are read before the flags."""
    namespace = str(as_mapping(workload.get("metadata")).get("namespace", "default"))
    wanted: set[str] = set()
    template = as_mapping(as_mapping(as_mapping(workload.get("spec")).get("template")).get("spec"))
    for container in template.get("containers") or []:
        container = as_mapping(container)
        for entry in container.get("env") or []:
            ref = as_mapping(as_mapping(as_mapping(entry).get("valueFrom")).get("configMapKeyRef"))
            if ref.get("name"):
                wanted.add(f"{namespace}/{ref['name']}")
        for source in container.get("envFrom") or []:
            ref = as_mapping(as_mapping(source).get("configMapRef"))
            if ref.get("name"):
                wanted.add(f"{namespace}/{ref['name']}")
    return wanted


def _referenced_configmaps(flags: dict[str, str]) -> set[str]:
    """NAMESPACE/NAME of each ConfigMap the controller's flags name: --configmap and the streams'. No
    --configmap, no ConfigMap: the flag defaults to none (controller-v1.15.1 pkg/flags/flags.go) and the
    controller runs on its built-in defaults."""
    return {
        flags[flag]
        for flag in ("configmap", "tcp-services-configmap", "udp-services-configmap")
        if "/" in flags.get(flag, "")
    }


def _backend_services(ingresses: list[dict[str, Any]]) -> set[str]:
    """NAMESPACE/NAME of every Service an Ingress routes to."""
    found = set()
    for ingress in ingresses:
        namespace = str(as_mapping(ingress.get("metadata")).get("namespace", "default"))
        spec = as_mapping(ingress.get("spec"))
        backends = [spec.get("defaultBackend"), spec.get("backend")]
        for rule in spec.get("rules") or []:
            for path in as_mapping(as_mapping(rule).get("http")).get("paths") or []:
                backends.append(as_mapping(path).get("backend"))
        for backend in backends:
            backend = as_mapping(backend)
            name = as_mapping(backend.get("service")).get("name") or backend.get("serviceName")
            if name:
                found.add(f"{namespace}/{name}")
    return found


def nginx_order(ingresses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Ingresses in the order ingress-nginx builds its configuration from them: oldest first, on a tie the
    last by namespace/name first (controller-v1.15.1 store.go sortIngressSlice). The API server lists them by
    name; the conversion takes "the first in the input" where ingress-nginx takes the first in this order."""
    by_name = sorted(ingresses, key=_ref, reverse=True)
    return sorted(by_name, key=lambda i: str(as_mapping(i.get("metadata")).get("creationTimestamp") or ""))


def read_deadline(call_seconds: float) -> Deadline:
    """The deadline of one whole read of the cluster (READ_SECONDS, or READ_CALLS calls' time if longer)."""
    return Deadline(seconds=max(READ_SECONDS, READ_CALLS * call_seconds), call_seconds=call_seconds)


def read_cluster(target: Target, deadline: Deadline, connector: Callable[..., Any] = connect) -> ClusterRead:
    """Everything the conversion reads, as documents for ``albops.migrate.migrate``."""
    api, server, who = connector(target, deadline)
    reader = Reader(api, server, who, deadline)
    result = ClusterRead(reader.server, who)
    namespaces = target.namespaces
    ingresses = _each_namespace(reader, INGRESS, namespaces)
    try:
        classes = reader.list(INGRESS_CLASS)
    except ClusterError as error:
        if not namespaces or "may not" not in str(error):
            raise
        # A namespace-scoped user: matched by class name, and the report says so.
        classes, result.ingress_classes_unread = [], str(error)
    try:
        # The list of a kind the API server does not serve (the controller's CRDs not installed) is a 404: none.
        params = reader.list(INGRESS_CLASS_PARAMS)
    except ClusterError as error:
        if "may not" not in str(error):
            raise
        params, result.class_params_unread = [], str(error)
    workloads = _each_namespace(reader, DEPLOYMENT, namespaces) + _each_namespace(reader, DAEMONSET, namespaces)
    services = _each_namespace(reader, SERVICE, namespaces)
    nginx: list[dict[str, Any]] = []
    env_maps: set[str] = set()
    for workload in workloads:
        if controller_args(workload) is not None:
            nginx.append(workload)
            env_maps |= _env_configmaps(workload)
            continue
        found = _external_dns(workload)
        if found is not None:
            result.external_dns.append(found)
    result.controllers = len(nginx)
    read_maps: dict[str, dict[str, Any] | None] = {}

    def read_maps_of(refs: set[str]) -> None:
        for ref in sorted(refs - set(read_maps)):
            ns, _, name = ref.partition("/")
            read_maps[ref] = reader.get(CONFIGMAP, ns, name)

    # First the ConfigMaps env values come from, so that a flag's $(VAR) is expanded as the kubelet does; then
    # the ConfigMaps those flags name.
    read_maps_of(env_maps)
    known_maps = {ref: obj for ref, obj in read_maps.items() if obj is not None}
    flags_of = [controller_args(w, known_maps) or {} for w in nginx]
    published: set[str] = set()
    for flags in flags_of:
        read_maps_of(_referenced_configmaps(flags))
        published.add(flags.get("publish-service", ""))
        published.add(flags.get("default-backend-service", ""))
    configmaps = [obj for _, obj in sorted(read_maps.items()) if obj is not None]
    controller_namespaces = {str(as_mapping(w.get("metadata")).get("namespace", "default")) for w in nginx}
    keep = _backend_services(ingresses) | published
    kept_services = [
        s
        for s in services
        if _ref(s) in keep
        or (
            as_mapping(s.get("spec")).get("type") == "LoadBalancer"
            and str(as_mapping(s.get("metadata")).get("namespace")) in controller_namespaces
        )
    ]
    namespace_objects: list[dict[str, Any]] = []
    if any(flags.get("watch-namespace-selector") for flags in flags_of):
        if namespaces:
            namespace_objects = [n for ns in namespaces if (n := reader.get(NAMESPACE, "", ns)) is not None]
        else:
            namespace_objects = reader.list(NAMESPACE)
    result.documents = [
        *namespace_objects,
        *classes,
        *params,
        *configmaps,
        *nginx,
        *kept_services,
        *nginx_order(ingresses),
    ]
    return result


def cluster_output(output: list[Any], read: list[Any], cluster: ClusterRead, report: Any) -> list[Any]:
    """Only what the conversion wrote: the objects read from the cluster (its Services, classes, other teams'
    objects) are live already, and applying them back would overwrite what their owners run now."""
    live = {id(o) for o in read}
    # Every Ingress left in the output is a converted one (converted in place): the ones no install serves were
    # taken out before conversion, so none is passed through.
    kept = [o for o in output if id(o) not in live or (isinstance(o, dict) and o.get("kind") == "Ingress")]
    report.record_output(str(o.get("kind")) for o in kept if isinstance(o, dict))
    report.add(
        "*",
        "--from-cluster",
        "note",
        f"read from {cluster.server} as {cluster.who}: {len(read)} objects, {cluster.controllers} ingress-nginx "
        f"controllers; {len(output) - len(kept)} objects read and not written (they are live already)",
    )
    if not cluster.controllers:
        report.add(
            "*",
            "--from-cluster",
            "not-converted",
            "no ingress-nginx controller (a Deployment or DaemonSet running /nginx-ingress-controller) was found"
            " in the namespaces read: include its namespace with --namespace, or it does not run here",
        )
    if cluster.class_params_unread:
        report.add(
            "*",
            "IngressClassParams",
            "approximated",
            f"not read ({cluster.class_params_unread}); an ALB Ingress of the cluster whose class's params name "
            "its group was taken to be in the group its group.name annotation names",
        )
    if cluster.ingress_classes_unread:
        report.add(
            "*",
            "IngressClasses",
            "approximated",
            f"not read ({cluster.ingress_classes_unread}); Ingresses were matched to installs by class name "
            "(--ingress-class) instead of by the IngressClass's controller",
        )
    for found in cluster.external_dns:
        report.add("*", "external-dns", "note", f"{found.describe()} (for albops cutover)")
        unseen = found.unseen_ownership()
        if unseen:
            prefix = found.annotation_prefix
            report.add(
                "*",
                f"external-dns {found.workload}",
                "note",
                f"{unseen}: albops cutover cannot see which names it owns in Route 53 and would take its records "
                "for its own",
                f"for a name it manages, move traffic through external-dns instead of albops cutover: on the "
                f'ingress-nginx Ingress {prefix}set-identifier: albops-old and {prefix}aws-weight: "100-N", on '
                f'the ALB one albops-new and "N", both with {prefix}hostname (docs/cutover.md#external-dns)',
            )
    return kept
