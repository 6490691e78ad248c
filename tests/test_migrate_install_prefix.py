"""The ``--annotations-prefix`` of the input's ingress-nginx installs.

By hand from ingress-nginx controller-v1.15.1 (cmd/nginx/flags.go ``--annotations-prefix``, default
nginx.ingress.kubernetes.io; internal/ingress/annotations/parser/main.go reads only keys under it): an install
running with ``--annotations-prefix custom.io`` ignored ``nginx.ingress.kubernetes.io/ssl-redirect: "false"``, so
it redirected that TLS Ingress to HTTPS.
"""

from __future__ import annotations

from typing import Any

import yaml

from albops.__main__ import main
from albops.migrate import Options, migrate

ALB = "alb.ingress.kubernetes.io/"

INSTALL = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: %(name)s, namespace: ingress-nginx}
spec:
  selector: {matchLabels: {app: %(name)s}}
  template:
    metadata: {labels: {app: %(name)s}}
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.15.1
        args: ["/nginx-ingress-controller", "--ingress-class=%(cls)s", "--controller-class=k8s.io/%(name)s"%(more)s]
---
"""
INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %(name)s
  namespace: app
  annotations: {%(annotations)s}
spec:
  ingressClassName: %(cls)s
  tls: [{hosts: [%(name)s.example.com]}]
  rules:
  - host: %(name)s.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
---
"""
NO_REDIRECT = 'nginx.ingress.kubernetes.io/ssl-redirect: "false"'


def _docs(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d]


def _install(name: str, cls: str, prefix: str | None) -> str:
    more = f', "--annotations-prefix", "{prefix}"' if prefix else ""
    return INSTALL % {"name": name, "cls": cls, "more": more}


def _ingress(name: str, cls: str, annotations: str = NO_REDIRECT) -> str:
    return INGRESS % {"name": name, "cls": cls, "annotations": annotations}


def test_the_installs_prefix_is_used_and_an_unread_ssl_redirect_false_is_not_converted() -> None:
    output, report = migrate(_docs(_install("pub", "nginx", "custom.io") + _ingress("web", "nginx")), Options())
    (web,) = [o for o in output if o.get("kind") == "Ingress"]
    assert web["metadata"]["annotations"][ALB + "ssl-redirect"] == "443"
    assert any(f.annotation == "--annotations-prefix" and "custom.io" in f.detail for f in report.findings)
    # Under the install's own prefix, the same key is read: no redirect.
    text = _install("pub", "nginx", "custom.io") + _ingress("web", "nginx", 'custom.io/ssl-redirect: "false"')
    output, _ = migrate(_docs(text), Options())
    (web,) = [o for o in output if o.get("kind") == "Ingress"]
    assert ALB + "ssl-redirect" not in web["metadata"]["annotations"]
    # Without a prefix flag, the default: ssl-redirect "false" is read.
    output, _ = migrate(_docs(_install("pub", "nginx", None) + _ingress("web", "nginx")), Options())
    (web,) = [o for o in output if o.get("kind") == "Ingress"]
    assert ALB + "ssl-redirect" not in web["metadata"]["annotations"]


def test_installs_that_disagree_hold_back_the_class_reading_another_prefix() -> None:
    text = (
        _install("pub", "nginx", None)
        + _install("int", "nginx-internal", "custom.io")
        + _ingress("a", "nginx")
        + _ingress("b", "nginx-internal")
    )
    _, report = migrate(_docs(text), Options(nginx_classes=("nginx-internal",)))
    assert report.held_back == ["app/b"]
    assert (
        "custom.io" in report.held_reason["app/b"] and "--annotations-prefix custom.io" in report.held_reason["app/b"]
    )


def test_an_explicit_prefix_other_than_the_installs_holds_back(capsys: Any, tmp_path: Any) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(_install("pub", "nginx", "custom.io") + _ingress("web", "nginx"))
    assert main(["migrate", "--annotations-prefix", "nginx.ingress.kubernetes.io", str(path)]) == 3
    assert capsys.readouterr().out == ""
    assert main(["migrate", str(path)]) == 1  # the unread ssl-redirect key: not converted
    assert "ssl-redirect: '443'" in capsys.readouterr().out
