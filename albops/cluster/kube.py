"""The few Kubernetes API calls teardown needs, over plain HTTPS.

Teardown runs where the cluster may already be half gone and where neither
kubectl nor the AWS CLI can be assumed, so it talks to the API server directly:
the endpoint and CA come from ``eks:DescribeCluster``, the bearer token is the
one ``aws eks get-token`` makes (a presigned STS ``GetCallerIdentity`` URL that
names the cluster in the signed ``x-k8s-aws-id`` header).

Every call runs under the command's wall-clock ``Deadline`` (a trickling or silent API server cannot hold
teardown), and an answer that is not the API server's JSON (401, 403, an HTML page from a proxy) is one
line naming the cause and the fix, never an ``HTTPError``.
"""

from __future__ import annotations

import base64
import json
import ssl
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from albops.cluster.aws import AwsSession
from albops.deadline import Deadline, DeadlineExceeded

# IngressClass and GatewayClass controllers of the AWS Load Balancer Controller
# and of EKS Auto Mode's managed one.
INGRESS_CONTROLLERS = frozenset({"ingress.k8s.aws/alb", "eks.amazonaws.com/alb"})
GATEWAY_CONTROLLERS = frozenset({"gateway.k8s.aws/alb", "gateway.k8s.aws/nlb"})
LEGACY_INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


class UnreachableError(Exception):
    """The API server cannot be reached (cluster gone, or no network path)."""


class ApiRefusedError(Exception):
    """The endpoint answered, but not as a usable API server for this caller: the message names cause and fix.

    ``usable`` is False for what a run again cannot fix (credentials, RBAC, not an API server: exit 2), True
    for an error of a working API server (a 5xx: exit 1).
    """

    def __init__(self, message: str, usable: bool = False) -> None:
        super().__init__(message)
        self.usable = usable


def verb_and_resource(method: str, path: str) -> tuple[str, str, str]:
    """The RBAC verb, resource and API group a request is checked against (``list``, ``ingresses``, ...).

    Paths are ``/api/v1/...`` (the core group, "") or ``/apis/<group>/<version>/...``; a collection is listed,
    a named object (``.../namespaces/<ns>/<resource>/<name>``) is got or deleted.
    """
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    group = "" if parts[:1] == ["api"] else (parts[1] if len(parts) > 1 else "")
    rest = parts[2:] if parts[:1] == ["api"] else parts[3:]
    if rest[:1] == ["namespaces"] and len(rest) >= 3:
        rest = rest[2:]
    named = len(rest) >= 2
    verb = {"DELETE": "delete", "GET": "get" if named else "list"}.get(method, method.lower())
    return verb, (rest[0] if rest else ""), group


@dataclass(frozen=True)
class KubeObject:
    """One object teardown deletes."""

    kind: str
    namespace: str
    name: str
    path: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def eks_token(aws: AwsSession, cluster: str) -> str:
    """The bearer token EKS accepts for the caller: what ``aws eks get-token`` prints."""
    sts = aws.new_client("sts")  # made under the deadline: resolving credentials may call out

    def add_cluster_header(request: Any, **_: Any) -> None:
        request.headers["x-k8s-aws-id"] = cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


class KubernetesApi:
    """Lists and deletes the objects the controller turns into load balancers."""

    def __init__(
        self,
        server: str,
        token: str,
        ca_data: str | None = None,
        timeout: float = 15.0,
        deadline: Deadline | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.deadline = deadline or Deadline()
        self.context: ssl.SSLContext | None = None
        if server.startswith("https://"):
            self.context = ssl.create_default_context()
            if ca_data:
                with tempfile.NamedTemporaryFile("wb", suffix=".pem") as handle:
                    handle.write(base64.b64decode(ca_data))
                    handle.flush()
                    self.context.load_verify_locations(handle.name)

    @classmethod
    def for_eks(cls, aws: AwsSession, description: dict[str, Any]) -> KubernetesApi:
        """The API server of the cluster ``description`` (``eks:DescribeCluster``) names, with an EKS token."""
        try:
            endpoint = str(description["endpoint"])
            ca_data = str(description["certificateAuthority"]["data"])
        except (KeyError, TypeError):
            raise UnreachableError(f"cluster {description.get('name')} has no API endpoint yet") from None
        return cls(endpoint, eks_token(aws, str(description["name"])), ca_data, deadline=aws.deadline)

    def _call(self, method: str, path: str, subject: str = "", absent_ok: bool = False) -> dict[str, Any]:
        """The API's JSON answer; ``absent_ok``: a Kubernetes ``Status`` NotFound is an empty answer (an object
        already deleted, an API group not installed), never a 404 of anything else."""
        verb, resource, group = verb_and_resource(method, path)
        step = f"{verb} {resource}" + (f".{group}" if group else "")
        return self.deadline.run(
            lambda: self._request(method, path, step, absent_ok),
            endpoint=self.server,
            step=step,
            subject=subject,
            changes=method != "GET",
        )

    def _request(self, method: str, path: str, step: str, absent_ok: bool = False) -> dict[str, Any]:
        request = urllib.request.Request(
            self.server + path,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        # The socket timeout bounds connecting and each read; the deadline around the call bounds the whole.
        timeout = max(0.05, min(self.timeout, self.deadline.budget()[0]))
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.context) as response:
                body = response.read()
                content_type = str(response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            with error:  # its connection is closed here, not left to the garbage collector
                status = _status_of(error)
            if (status is None and error.code < 500) or (error.code == 404 and not absent_ok):
                # Only the API server's own Status JSON is its answer on credentials, RBAC or a missing object (an
                # HTML 403 or a bare 404 comes from something else in the way), and the built-in collections
                # teardown lists (ingresses, services, ingressclasses) exist on every API server it supports.
                raise ApiRefusedError(self._not_the_api_server(step, f"HTTP {error.code}", error.headers)) from None
            if error.code == 404 and absent_ok and status is not None and status.get("reason") == "NotFound":
                return {}
            said = _said(status)
            refusal = self._refusal(method, path, error.code, said)
            raise ApiRefusedError(refusal, usable=error.code >= 500 or error.code == 429) from None
        except urllib.error.URLError as error:  # no connection: refused, no such host, connect timeout
            raise UnreachableError(f"{self.server}: {error.reason}") from None
        except TimeoutError:  # connected, then a read waited its whole timeout: a stall, not a missing cluster
            raise DeadlineExceeded(self.server, step, timeout, "the socket read timeout") from None
        except OSError as error:
            raise UnreachableError(f"{self.server}: {error}") from None
        try:
            result = json.loads(body or b"{}")
        except ValueError:
            result = None
        if not isinstance(result, dict) or "html" in content_type.lower():
            kind = "an HTML page" if "html" in content_type.lower() or body.lstrip()[:1] == b"<" else "not JSON"
            raise ApiRefusedError(self._not_the_api_server(step, kind, {"Content-Type": content_type}))
        return result

    def _not_the_api_server(self, step: str, what: str, headers: Any) -> str:
        content_type = str((headers or {}).get("Content-Type", "") or "no Content-Type")
        if "html" in content_type.lower() and what.startswith("HTTP"):
            what += " and an HTML page"
        return (
            f"{self.server} answered {step} with {what} ({content_type}), not the Kubernetes API's JSON: it is not "
            "the cluster's API server (a proxy, a login page, a wrong endpoint); check the cluster's endpoint and "
            "any HTTPS_PROXY between you and it"
        )

    def _refusal(self, method: str, path: str, status: int, said: str) -> str:
        """One line: what the API server refused, why, and what fixes it."""
        verb, resource, group = verb_and_resource(method, path)
        full = f"{resource}.{group}" if group else resource
        told = f": {said}" if said else ""
        if status == 401:
            return (
                f"{self.server} refused the credentials (401 Unauthorized) for {verb} {full}{told}; the bearer token "
                "was not accepted: refresh your AWS credentials (an expired session, another account) and make sure "
                "your identity has an access entry on the cluster (aws eks list-access-entries --cluster-name NAME)"
            )
        if status == 403:
            return (
                f"{self.server} forbade {verb} {full} (403 Forbidden){told}; your identity lacks that RBAC permission: "
                f"grant verb '{verb}' on resource '{resource}' in API group '{group}' cluster-wide (a ClusterRole "
                "bound to your identity, or an access policy such as AmazonEKSClusterAdminPolicy), then run again"
            )
        return f"{self.server} answered {verb} {full} with HTTP {status}{told}; run again once the API server is well"

    def _items(self, path: str, optional: bool = False) -> list[dict[str, Any]]:
        """A collection's items. Built-in collections always exist, so any 404 there is refused; an
        ``optional`` one (a CRD) is empty only on the API server's own Status NotFound."""
        items = self._call("GET", path, absent_ok=optional).get("items", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ApiRefusedError(self._not_the_api_server(f"list {path}", "a list of another shape", {}))
        return items

    def _group_served(self, group: str) -> bool:
        """Whether the API server serves ``group`` (API discovery, ``GET /apis/<group>``): a CRD group that is
        not installed is absent, which only the API server's Status NotFound says."""
        return bool(self._call("GET", f"/apis/{group}", absent_ok=True))

    def managed_objects(self) -> list[KubeObject]:
        """Ingresses of the controllers' classes, every LoadBalancer Service, Gateways of its classes."""
        found: list[KubeObject] = []
        ingress_classes = {
            c["metadata"]["name"]
            for c in self._items("/apis/networking.k8s.io/v1/ingressclasses")
            if c.get("spec", {}).get("controller") in INGRESS_CONTROLLERS
        }
        for item in self._items("/apis/networking.k8s.io/v1/ingresses"):
            meta = item["metadata"]
            cls_name = item.get("spec", {}).get("ingressClassName") or (meta.get("annotations") or {}).get(
                LEGACY_INGRESS_CLASS_ANNOTATION
            )
            if cls_name in ingress_classes or cls_name == "alb":
                path = f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}"
                found.append(KubeObject("Ingress", meta["namespace"], meta["name"], path))
        for item in self._items("/api/v1/services"):
            meta = item["metadata"]
            if item.get("spec", {}).get("type") == "LoadBalancer":
                path = f"/api/v1/namespaces/{meta['namespace']}/services/{meta['name']}"
                found.append(KubeObject("Service", meta["namespace"], meta["name"], path))
        if not self._group_served("gateway.networking.k8s.io"):
            return found
        gateway_classes = {
            c["metadata"]["name"]
            for c in self._items("/apis/gateway.networking.k8s.io/v1/gatewayclasses", optional=True)
            if c.get("spec", {}).get("controllerName") in GATEWAY_CONTROLLERS
        }
        for item in self._items("/apis/gateway.networking.k8s.io/v1/gateways", optional=True):
            meta = item["metadata"]
            if item.get("spec", {}).get("gatewayClassName") in gateway_classes:
                path = f"/apis/gateway.networking.k8s.io/v1/namespaces/{meta['namespace']}/gateways/{meta['name']}"
                found.append(KubeObject("Gateway", meta["namespace"], meta["name"], path))
        return found

    def delete(self, obj: KubeObject) -> None:
        self._call("DELETE", obj.path, subject=str(obj), absent_ok=True)  # already gone: done


def _status_of(error: urllib.error.HTTPError) -> dict[str, Any] | None:
    """The Kubernetes ``Status`` object (JSON, ``kind: Status``) an error carries, or None: anything else (an
    HTML page, a bare 404) did not come from the API server."""
    content_type = str(error.headers.get("Content-Type", "") if error.headers else "")
    if "json" not in content_type.lower():
        return None
    try:
        status = json.loads(error.read(65536) or b"{}")
    except (ValueError, OSError):
        return None
    return status if isinstance(status, dict) and status.get("kind") == "Status" else None


def _said(status: dict[str, Any] | None) -> str:
    """The Status's ``message``, on one line ('' when there is none)."""
    message = (status or {}).get("message")
    return " ".join(str(message).split())[:300] if message else ""
