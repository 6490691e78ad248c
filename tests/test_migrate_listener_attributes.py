"""Members of one ALB group that name different values for one listener attribute.

Written by hand from the AWS Load Balancer Controller v3.5.0 pkg/ingress/model_build_listener.go
buildIngressGroupListenerAttributes: each member's ``listener-attributes.<PROTO>-<PORT>`` is merged over the members
listening on that port, and one attribute with two values fails the whole group ("conflicting listener
attributes"). Two ingress-nginx installs with different ``hsts-max-age`` give exactly that.
"""

from __future__ import annotations

from typing import Any

import yaml

from albingress.policies.validation.controller import group_problems
from albops.migrate import Options, migrate

ALB = "alb.ingress.kubernetes.io/"
HSTS = "routing.http.response.strict_transport_security.header_value"

TWO_INSTALLS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: pub, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app: pub}}
  template:
    metadata: {labels: {app: pub}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: ["/nginx-ingress-controller", "--configmap=ingress-nginx/pub", "--ingress-class=nginx"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: int, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app: int}}
  template:
    metadata: {labels: {app: int}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: ["/nginx-ingress-controller", "--configmap=ingress-nginx/int", "--ingress-class=nginx-internal",
               "--controller-class=k8s.io/internal"]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: pub, namespace: ingress-nginx}
data: {hsts-max-age: "600"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: int, namespace: ingress-nginx}
data: {hsts-max-age: "%s"}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: app}
spec:
  ingressClassName: nginx
  tls: [{hosts: [a.example.com]}]
  rules:
  - host: a.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b, namespace: app}
spec:
  ingressClassName: nginx-internal
  tls: [{hosts: [b.example.com]}]
  rules:
  - host: b.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}]}
"""


def _two(max_age: str) -> list[Any]:
    return list(yaml.safe_load_all(TWO_INSTALLS % max_age))


def test_two_installs_with_different_hsts_hold_the_group_back() -> None:
    _, report = migrate(_two("31536000"), Options(group="g"))
    assert sorted(report.held_back) == ["app/a", "app/b"]
    assert any("listener-attributes.HTTPS-443" in f.detail and HSTS in f.detail for f in report.findings)
    # The same max-age on both: one header, nothing held.
    _, report = migrate(_two("600"), Options(group="g"))
    assert report.held_back == [] and sorted(report.converted) == ["app/a", "app/b"]


def test_gateway_target_reports_the_disagreement_instead_of_taking_the_first() -> None:
    _, report = migrate(_two("31536000"), Options(group="g", to="gateway"))
    assert sorted(report.held_back) == ["app/a", "app/b"]
    lines = [f for f in report.findings if f.annotation == ALB + "listener-attributes.HTTPS-443"]
    assert {f.status for f in lines} == {"lost-protection"} and "'max-age=31536000" in lines[0].detail
    output, report = migrate(_two("600"), Options(group="g", to="gateway"))
    assert report.held_back == []
    assert any(o.get("kind") == "LoadBalancerConfiguration" for o in output if isinstance(o, dict))


def _alb(name: str, value: str, listen: str = '[{"HTTPS": 443}]') -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": "app",
            "annotations": {
                ALB + "group.name": "g",
                ALB + "listen-ports": listen,
                ALB + "listener-attributes.HTTPS-443": f"{HSTS}={value}",
            },
        },
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "host": f"{name}.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def test_the_validator_compares_listener_attributes_per_listening_port() -> None:
    problems = group_problems(enumerate([_alb("x", "max-age=600"), _alb("y", "max-age=300")]))
    assert len(problems) == 1 and HSTS in problems[0].rule and problems[0].group == "g"
    assert group_problems(enumerate([_alb("x", "max-age=600"), _alb("y", "max-age=600")])) == []
    # A member not listening on 443 has no HTTPS-443 listener: the controller never reads its attribute there.
    assert group_problems(enumerate([_alb("x", "max-age=600"), _alb("y", "max-age=300", '[{"HTTP": 80}]')])) == []


def test_a_converted_ingress_beside_an_existing_alb_ingress_with_another_hsts() -> None:
    # An ALB Ingress already in the group, redirecting like the converted one, with its own HSTS.
    documents = [*_two("600")[:3], _alb("old", "max-age=1", '[{"HTTP": 80}, {"HTTPS": 443}]'), _two("600")[4]]
    documents[3]["metadata"]["annotations"][ALB + "ssl-redirect"] = "443"
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == ["app/a"] and "would not reconcile" in report.held_reason["app/a"]
    assert any("max-age=1" in f.detail and HSTS in f.detail for f in report.findings)
    documents[3]["metadata"]["annotations"][ALB + "listener-attributes.HTTPS-443"] = (
        f"{HSTS}=max-age=600; includeSubDomains"
    )
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == [] and report.converted == ["app/a"]
