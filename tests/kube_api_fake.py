"""A read-only Kubernetes API server on 127.0.0.1 over TLS, for ``migrate --from-cluster``.

It answers as the API server does where the client depends on it: lists without ``kind`` on their items,
chunked by ``limit`` and ``continue``; named GETs with a ``Status`` NotFound; a ``Status`` 401 to unknown
credentials and a ``Status`` 403 (reason Forbidden, the API server's message wording) to a denied verb and
resource; bearer tokens and client certificates (verified against its CA, the user is the certificate's
common name) as authentication. Every request is recorded, so a test can assert that only GETs came.
``stall`` makes a resource's answer never come; ``trickle`` sends it one byte at a time, slowly.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
import yaml

# kind -> (path prefix, resource, namespaced): the REST paths of the API server.
RESOURCES = {
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "IngressClass": ("/apis/networking.k8s.io/v1", "ingressclasses", False),
    # The controller's CRD: served only when the cluster holds one (the API server answers 404 without the CRD).
    "IngressClassParams": ("/apis/elbv2.k8s.aws/v1beta1", "ingressclassparams", False),
    "Service": ("/api/v1", "services", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Namespace": ("/api/v1", "namespaces", False),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "DaemonSet": ("/apis/apps/v1", "daemonsets", True),
    "Secret": ("/api/v1", "secrets", True),
}


def _status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "code": code,
    }


@dataclass
class FakeCluster:
    """The objects, who may authenticate, and what each user is denied."""

    objects: list[dict[str, Any]]
    tokens: dict[str, str] = field(default_factory=dict)  # bearer token -> user
    # user -> {(resource, namespace)} denied; namespace '' is the cluster-wide list (or a cluster-scoped one).
    denied: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # users whose rights end at namespaces: every cluster-wide request of theirs is denied
    namespaced_users: dict[str, set[str]] = field(default_factory=dict)
    stall: set[str] = field(default_factory=set)  # resources whose answer never comes
    trickle: set[str] = field(default_factory=set)  # resources answered one byte every 0.2 s
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, user)
    page_limits: list[int] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    # resource -> how its list never ends: "same" (one continue token again and again), "empty" (a new token on
    # every empty page), "items" (a new token on every page of one object)
    endless: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def methods(self) -> set[str]:
        with self.lock:
            return {m for m, _, _ in self.requests}

    def allowed(self, user: str, resource: str, namespace: str) -> bool:
        if (resource, namespace) in self.denied.get(user, set()):
            return False
        scope = self.namespaced_users.get(user)
        return scope is None or namespace in scope

    def select(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        return [
            o
            for o in self.objects
            if o["kind"] == kind and (not namespace or o["metadata"].get("namespace") == namespace)
        ]


def _parse(path: str) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of a REST path, or None when it is none of RESOURCES."""
    for kind, (prefix, resource, namespaced) in RESOURCES.items():
        if not path.startswith(prefix + "/"):
            continue
        rest = path[len(prefix) + 1 :].split("/")
        if rest == [resource]:
            return kind, "", ""
        if not namespaced and len(rest) == 2 and rest[0] == resource:
            return kind, "", rest[1]
        if namespaced and len(rest) >= 3 and rest[0] == "namespaces" and rest[2] == resource:
            return kind, rest[1], rest[3] if len(rest) == 4 else ""
    return None


@dataclass
class Served:
    """A running server: its URL, its CA (PEM file), and the CA to issue client certificates with."""

    url: str
    ca_file: Path
    ca: trustme.CA


@contextmanager
def serve(cluster: FakeCluster, tmp: Path) -> Iterator[Served]:
    """Serve ``cluster`` over TLS on 127.0.0.1 until the block ends."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL  # a client certificate when there is one, else a token
    ca_file = tmp / "api-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code: int, body: dict[str, Any], slow: bool = False) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not slow:
                self.wfile.write(data)
                return
            for byte in data:  # a trickle: every read gets a byte before its timeout
                if cluster.release.wait(0.2):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()

        def _user(self) -> str:
            header = self.headers.get("Authorization", "")
            scheme, _, credential = header.partition(" ")
            if scheme.lower() == "bearer":  # the scheme is case-insensitive (RFC 9110); in-cluster sends 'bearer'
                return cluster.tokens.get(credential.strip(), "")
            peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
            subject: Any = (peer or {}).get("subject", ())
            for entry in subject:
                for key, value in entry:
                    if key == "commonName":
                        return str(value)
            return ""

        def _handle(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            user = self._user()
            with cluster.lock:
                cluster.requests.append((self.command, url.path, user))
            if self.command != "GET":
                self._send(405, _status(405, "MethodNotAllowed", "this fake serves reads only"))
                return
            if not user:
                self._send(401, _status(401, "Unauthorized", "Unauthorized"))
                return
            parsed = _parse(url.path)
            if parsed is None:
                self._send(404, _status(404, "NotFound", "the server could not find the requested resource"))
                return
            kind, namespace, name = parsed
            prefix, resource, _ = RESOURCES[kind]
            group = prefix.split("/")[2] if prefix.startswith("/apis/") else ""
            verb = "get" if name else "list"
            if not cluster.allowed(user, resource, namespace):
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                what = f"{resource}.{group}" if group else resource
                message = (
                    f'{what}{" " + repr(name).replace(chr(39), chr(34)) if name else ""} is forbidden: User "{user}" '
                    f'cannot {verb} resource "{resource}" in API group "{group}" {scope}'
                )
                self._send(403, _status(403, "Forbidden", message, {"group": group, "kind": resource}))
                return
            # Authorization comes first in the API server's filter chain: a denied user gets 403 for a kind it
            # does not serve, too.
            if kind == "IngressClassParams" and not any(o.get("kind") == kind for o in cluster.objects):
                self._send(404, _status(404, "NotFound", "the server could not find the requested resource"))
                return
            if resource in cluster.stall:
                cluster.release.wait(30)
                return
            if name:
                found = [o for o in cluster.select(kind, namespace) if o["metadata"]["name"] == name]
                if not found:
                    self._send(404, _status(404, "NotFound", f'{resource} "{name}" not found'))
                else:
                    self._send(200, found[0])
                return
            query = urllib.parse.parse_qs(url.query)
            items = [
                {k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in cluster.select(kind, namespace)
            ]
            limit = int(query.get("limit", ["0"])[0])
            start = int(query.get("continue", ["0"])[0])
            with cluster.lock:
                cluster.page_limits.append(limit)
            end = start + limit if limit else len(items)
            meta = {"resourceVersion": "1", **({"continue": str(end)} if end < len(items) else {})}
            page = items[start:end]
            endless = cluster.endless.get(resource)
            if endless:
                meta = {"resourceVersion": "1", "continue": "7" if endless == "same" else str(start + 1)}
                page = items[:1] if endless == "items" else []
            body = {"kind": f"{kind}List", "apiVersion": "v1", "metadata": meta, "items": page}
            self._send(200, body, slow=resource in cluster.trickle)

        do_GET = _handle  # noqa: N815 - BaseHTTPRequestHandler's names
        do_POST = _handle  # noqa: N815
        do_PATCH = _handle  # noqa: N815
        do_PUT = _handle  # noqa: N815
        do_DELETE = _handle  # noqa: N815

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served(f"https://127.0.0.1:{server.server_port}", ca_file, ca)
    finally:
        cluster.release.set()
        time.sleep(0.01)
        server.shutdown()
        server.server_close()


def kubeconfig(
    path: Path, served: Served, users: dict[str, dict[str, Any]], current: str | None = None, **clusters: str
) -> Path:
    """A kubeconfig at ``path``: one context per user (named after it) on the served cluster."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": served.url, "certificate-authority": str(served.ca_file)}}]
        + [{"name": n, "cluster": {"server": url}} for n, url in clusters.items()],
        "users": [{"name": name, "user": user} for name, user in users.items()],
        "contexts": [{"name": name, "context": {"cluster": "fake", "user": name}} for name in users],
    }
    if current is not None:
        document["current-context"] = current
    path.write_text(yaml.safe_dump(document))
    return path


def client_certificate(served: Served, tmp: Path, user: str) -> dict[str, str]:
    """A kubeconfig user entry authenticating with a client certificate of common name ``user``."""
    cert = served.ca.issue_cert(f"{user}.users.example", common_name=user)
    cert_file, key_file = tmp / f"{user}.crt", tmp / f"{user}.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    return {"client-certificate": str(cert_file), "client-key": str(key_file)}
