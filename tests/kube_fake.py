"""A small Kubernetes API server on 127.0.0.1 that holds objects (other teams' among them) for teardown tests.

It answers the list calls ``albops.cluster.kube.KubernetesApi`` makes and deletes an object
on ``DELETE`` of its namespaced path, so a test can tell afterwards exactly which
objects survived.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Kind -> (collection path for listing, namespaced path template).
_PATHS = {
    "IngressClass": ("/apis/networking.k8s.io/v1/ingressclasses", None),
    "Ingress": ("/apis/networking.k8s.io/v1/ingresses", "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{name}"),
    "Service": ("/api/v1/services", "/api/v1/namespaces/{ns}/services/{name}"),
    "GatewayClass": ("/apis/gateway.networking.k8s.io/v1/gatewayclasses", None),
    "Gateway": (
        "/apis/gateway.networking.k8s.io/v1/gateways",
        "/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways/{name}",
    ),
}


def obj(kind: str, namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    """One object; ``spec`` becomes its spec."""
    return {"kind": kind, "metadata": {"namespace": namespace, "name": name}, "spec": spec}


class FakeApiServer:
    """Objects by kind; ``deleted`` records each DELETE path it was sent."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = list(objects)
        self.deleted: list[str] = []
        self.lock = threading.Lock()

    def names(self) -> set[str]:
        with self.lock:
            return {f"{o['kind']} {o['metadata']['namespace']}/{o['metadata']['name']}" for o in self.objects}

    def list(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [o for o in self.objects if _PATHS[o["kind"]][0] == path]

    def delete(self, path: str) -> bool:
        with self.lock:
            for item in self.objects:
                template = _PATHS[item["kind"]][1]
                meta = item["metadata"]
                if template and template.format(ns=meta["namespace"], name=meta["name"]) == path:
                    self.objects.remove(item)
                    self.deleted.append(path)
                    return True
        return False


@contextmanager
def serve(api: FakeApiServer) -> Iterator[str]:
    """Serve ``api`` on 127.0.0.1; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply(200, {"items": api.list(self.path)})

        def do_DELETE(self) -> None:
            found = api.delete(self.path)
            # What the API server answers: the object, or a Status NotFound (kind Status, reason NotFound).
            gone = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
            self._reply(200 if found else 404, {"kind": "Status", "status": "Success"} if found else gone)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
