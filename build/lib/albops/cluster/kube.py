"""The few Kubernetes API calls teardown needs, over plain HTTPS.

Teardown runs where the cluster may already be half gone and where neither
kubectl nor the AWS CLI can be assumed, so it talks to the API server directly:
the endpoint and CA come from ``eks:DescribeCluster``, the bearer token is the
one ``aws eks get-token`` makes (a presigned STS ``GetCallerIdentity`` URL that
names the cluster in the signed ``x-k8s-aws-id`` header).
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

# IngressClass and GatewayClass controllers of the AWS Load Balancer Controller
# and of EKS Auto Mode's managed one.
INGRESS_CONTROLLERS = frozenset({"ingress.k8s.aws/alb", "eks.amazonaws.com/alb"})
GATEWAY_CONTROLLERS = frozenset({"gateway.k8s.aws/alb", "gateway.k8s.aws/nlb"})
LEGACY_INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


class UnreachableError(Exception):
    """The API server cannot be reached (cluster gone, or no network path)."""


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
    sts = aws.session.client("sts", config=aws.config)

    def add_cluster_header(request: Any, **_: Any) -> None:
        request.headers["x-k8s-aws-id"] = cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)
    url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


class KubernetesApi:
    """Lists and deletes the objects the controller turns into load balancers."""

    def __init__(self, server: str, token: str, ca_data: str | None = None, timeout: float = 15.0) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.timeout = timeout
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
        return cls(endpoint, eks_token(aws, str(description["name"])), ca_data)

    def _call(self, method: str, path: str) -> dict[str, Any]:
        request = urllib.request.Request(
            self.server + path,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return {}
            raise
        except (urllib.error.URLError, OSError) as error:
            raise UnreachableError(f"{self.server}: {error}") from None
        result: dict[str, Any] = json.loads(body or b"{}")
        return result

    def _items(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._call("GET", path).get("items", [])
        return items

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
        gateway_classes = {
            c["metadata"]["name"]
            for c in self._items("/apis/gateway.networking.k8s.io/v1/gatewayclasses")
            if c.get("spec", {}).get("controllerName") in GATEWAY_CONTROLLERS
        }
        for item in self._items("/apis/gateway.networking.k8s.io/v1/gateways"):
            meta = item["metadata"]
            if item.get("spec", {}).get("gatewayClassName") in gateway_classes:
                path = f"/apis/gateway.networking.k8s.io/v1/namespaces/{meta['namespace']}/gateways/{meta['name']}"
                found.append(KubeObject("Gateway", meta["namespace"], meta["name"], path))
        return found

    def delete(self, obj: KubeObject) -> None:
        self._call("DELETE", obj.path)
