"""What the output class's IngressClassParams impose over the annotations ``migrate`` writes.

Expectations written by hand from the AWS Load Balancer Controller v3.5.0: pkg/ingress/model_build_listener.go
(computeIngressExplicitSSLPolicy: the params' sslPolicy first; computeIngressExplicitPrefixListIDs: prefix lists
beside the inbound CIDRs), model_build_load_balancer_attributes.go (the class's attributes merged over the
group's), model_builder.go buildSSLRedirectConfig (the params' sslRedirectPort replaces ssl-redirect),
class_loader.go (namespaceSelector) and the ALB security policy list (facts/regions.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from albops.migrate import Options, Report, migrate

BASE = """
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec:
  controller: ingress.k8s.aws/alb
  parameters: {apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: alb-params}
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: IngressClassParams
metadata: {name: alb-params}
spec: %s
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: %s
spec:
  ingressClassName: nginx
  tls: [{hosts: [web.example.com]}]
  rules:
  - host: web.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
"""
READ_TIMEOUT = '{nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"}'
ALLOW = "{nginx.ingress.kubernetes.io/whitelist-source-range: 10.0.0.0/8}"


def _run(spec: str, annotations: str = READ_TIMEOUT, extra: str = "") -> Report:
    documents = list(yaml.safe_load_all(extra + BASE % (spec, annotations)))
    _, report = migrate(documents, Options(group="g", ingress_class="alb"))
    return report


def _lines(report: Report, key: str) -> list[Any]:
    return [f for f in report.findings if f.ingress == "shop/web" and f.annotation.endswith(key)]


@pytest.mark.parametrize(
    "policy",
    ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-TLS13-1-1-2021-06"],
)
def test_a_params_ssl_policy_below_tls12_is_a_lost_protection(policy: str) -> None:
    report = _run(f"{{sslPolicy: {policy}}}")
    assert report.held_back == ["shop/web"]
    (line,) = _lines(report, "ssl-policy")
    assert line.status == "lost-protection" and policy in line.detail


def test_a_params_ssl_policy_at_tls12_or_the_written_one_is_not_held() -> None:
    report = _run("{sslPolicy: ELBSecurityPolicy-TLS13-1-3-2021-06}")
    assert report.held_back == [] and [f.status for f in _lines(report, "ssl-policy")] == ["approximated"]
    report = _run("{sslPolicy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09}")
    assert report.held_back == [] and _lines(report, "ssl-policy") == []


def test_params_prefix_lists_widen_an_allow_list() -> None:
    report = _run("{prefixListsIDs: [pl-0123456789abcdef0]}", ALLOW)
    assert report.held_back == ["shop/web"]
    (line,) = [f for f in _lines(report, "whitelist-source-range") if "prefixListsIDs" in f.detail]
    assert line.status == "lost-protection" and "pl-0123456789abcdef0" in line.detail
    # Without an allow-list there is nothing to widen.
    assert _run("{prefixListsIDs: [pl-0123456789abcdef0]}").held_back == []


def test_params_load_balancer_attributes_that_differ_are_named() -> None:
    report = _run("{loadBalancerAttributes: [{key: idle_timeout.timeout_seconds, value: '60'}]}")
    lines = [f for f in _lines(report, "load-balancer-attributes") if f.status == "not-converted"]
    assert len(lines) == 1 and "idle_timeout.timeout_seconds=60" in lines[0].detail and "3600" in lines[0].detail
    report = _run("{loadBalancerAttributes: [{key: idle_timeout.timeout_seconds, value: '3600'}]}")
    assert not [f for f in _lines(report, "load-balancer-attributes") if f.status == "not-converted"]


def test_params_ssl_redirect_port_that_differs_holds_the_group_back() -> None:
    report = _run("{sslRedirectPort: '8443'}")
    assert report.held_back == ["shop/web"] and "sslRedirectPort 8443" in report.held_reason["shop/web"]
    assert _run("{sslRedirectPort: '443'}").held_back == []


def test_params_namespace_selector_is_reported() -> None:
    report = _run("{namespaceSelector: {matchLabels: {team: other}}}")
    (line,) = [f for f in _lines(report, "ingressClassName") if "namespaceSelector" in f.detail]
    assert line.status == "not-converted" and "team" in line.detail


def test_the_last_of_two_params_with_one_name_is_used() -> None:
    first = "apiVersion: elbv2.k8s.aws/v1beta1\nkind: IngressClassParams\nmetadata: {name: alb-params}\n"
    # The later document (in BASE) says internet-facing: kubectl apply leaves that one in the cluster.
    report = _run("{scheme: internet-facing}", extra=first + "spec: {scheme: internal}\n---\n")
    assert report.held_back == ["shop/web"]
    # The other order: the internal one is last, and the app (internal here) keeps its scheme.
    documents = list(yaml.safe_load_all(BASE % ("{scheme: internet-facing}", READ_TIMEOUT)))
    documents.insert(2, {**documents[1], "spec": {"scheme": "internal"}})
    _, report = migrate(documents, Options(group="g", ingress_class="alb"))
    assert report.held_back == []


def test_a_params_ssl_policy_the_alb_does_not_have_holds_the_group_back() -> None:
    report = _run("{sslPolicy: ELBSecurityPolicy-Made-Up}")
    assert report.held_back == ["shop/web"] and "not an ALB security policy" in report.held_reason["shop/web"]
