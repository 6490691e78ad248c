"""``migrate`` never writes anything weaker than what ingress-nginx enforced: allow-lists, the controller
ConfigMap's global protections, HSTS, the scheme of the install, and TLS.

Every expectation here is written by hand from the sources: ingress-nginx controller-v1.15.1
(annotations/ipallowlist/main.go, parser/validators.go checkAnnotation, controller/config/config.go
NewDefault, template/configmap.go, rootfs/etc/nginx/lua/lua_ingress.lua ``header()``), the AWS Load
Balancer Controller v3.5.0 (pkg/service/model_build_load_balancer.go buildLoadBalancerScheme,
pkg/ingress/model_build_listener.go buildIngressListenerAttributes) and kubernetes/cloud-provider-aws
(EnsureLoadBalancer: internal unless aws-load-balancer-internal is unset or exactly "false").
"""

from __future__ import annotations

import ipaddress
import json
import random
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from albingress.facts.go_values import nginx_cidrs
from albops.__main__ import main
from albops.migrate import Options, migrate
from albops.migrate.install import service_scheme
from albops.migrate.routes import AlbRequest, alb_route, nginx_blocks, nginx_route
from tests.routing_cases import HOST, generate, locations, nginx_ingress

NGINX = "nginx.ingress.kubernetes.io/"
ALB = "alb.ingress.kubernetes.io/"
HSTS = ALB + "listener-attributes.HTTPS-443"
CERT = "arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "migrate_realworld" / "inputs"


def _tls(ingress: dict[str, Any]) -> dict[str, Any]:
    ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "tls"}]
    return ingress


def _configmap(data: dict[str, str], name: str = "ingress-nginx-controller", ns: str = "ingress-nginx") -> Any:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}


def _service(annotations: dict[str, str], lb_class: str | None = None, name: str = "ingress-nginx-controller") -> Any:
    spec: dict[str, Any] = {
        "type": "LoadBalancer",
        "selector": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": name},
        "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
    }
    if lb_class:
        spec["loadBalancerClass"] = lb_class
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "ingress-nginx", "annotations": annotations},
        "spec": spec,
    }


def _deployment(args: list[str], name: str = "ingress-nginx-controller") -> Any:
    labels = {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ingress-nginx"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "controller",
                            "image": "registry.k8s.io/ingress-nginx/controller:v1.15.1",
                            "args": ["/nginx-ingress-controller", *args],
                        }
                    ]
                },
            },
        },
    }


def _ingresses(output: list[Any]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in output if o.get("kind") == "Ingress"}


def _finding(report: Any, annotation: str) -> Any:
    (found,) = [f for f in report.findings if f.annotation == annotation]
    return found


# --- allow-lists: both names, as ingress-nginx parses them, written as the controller parses them ---


def test_allowlist_source_range_is_the_allow_list_and_is_written_canonically() -> None:
    ingress = nginx_ingress(
        "a", [("/a", "Prefix", "a")], {NGINX + "allowlist-source-range": " 10.0.0.7, 192.168.1.9/24"}
    )
    output, report = migrate([ingress], Options(group="g"))
    # A bare address is /32 to nginx; host bits of a CIDR are cleared by net.ParseCIDR.
    assert output[0]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.7/32,192.168.1.0/24"
    assert _finding(report, NGINX + "allowlist-source-range").status == "approximated"


def test_the_main_name_wins_over_its_alias() -> None:
    ingress = nginx_ingress(
        "a",
        [("/a", "Prefix", "a")],
        {NGINX + "allowlist-source-range": "10.0.0.0/8", NGINX + "whitelist-source-range": "0.0.0.0/0"},
    )
    output, report = migrate([ingress], Options(group="g"))
    assert output[0]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.0/8"
    assert "not in effect" in _finding(report, NGINX + "whitelist-source-range").detail


@pytest.mark.parametrize("value", ["10.0.0.0/33", "not-a-cidr", "10.0.0.0/8,,192.168.0.0/16", "10.0.0.1/8 x"])
def test_a_list_ingress_nginx_refused_never_opened_the_path(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "whitelist-source-range": value})
    _, report = migrate([ingress], Options(group="g"))
    assert report.held_back == ["shop/a"]
    lost = _finding(report, NGINX + "whitelist-source-range")
    assert lost.status == "lost-protection" and "denied every request" in lost.detail


def _allow_listed_with_conditions(conditions: str, open_member: bool = True) -> list[Any]:
    """An allow-listed Ingress whose backend carries an ALB conditions annotation, and an open one beside it in
    the group, so the allow-list goes to source-ip conditions (the members disagree: no inbound-cidrs)."""
    protected = nginx_ingress("a", [("/a", "Exact", "svc")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    protected["metadata"]["annotations"][ALB + "conditions.svc"] = conditions
    return [protected, nginx_ingress("b", [("/b", "Prefix", "other")], {})] if open_member else [protected]


@pytest.mark.parametrize(
    ("conditions", "why"),
    [
        # An ALB rule takes one source-ip condition (ELB API RuleCondition): the allow-list cannot be added, and
        # the rule as written admits whoever the existing one does. Go reads field names without case.
        ('[{"field": "source-ip", "sourceIPConfig": {"values": ["0.0.0.0/0"]}}]', "already has a source-ip"),
        ('[{"Field": "source-ip", "SourceIpConfig": {"Values": ["0.0.0.0/0"]}}]', "already has a source-ip"),
        # What the controller cannot read (Go's json.Unmarshal) stops the group: no rule carries the list.
        ("notjson", "is not a list of conditions the controller reads"),
        ('{"field": "source-ip"}', "is not a list of conditions the controller reads"),
        ("[1]", "is not a list of conditions the controller reads"),
        ("NaN", "is not a list of conditions the controller reads"),
    ],
)
def test_an_allow_list_that_cannot_join_the_backends_own_conditions_is_held_back(conditions: str, why: str) -> None:
    _, report = migrate(_allow_listed_with_conditions(conditions), Options(group="g"))
    assert report.held_back == ["shop/a"]
    lost = _finding(report, NGINX + "whitelist-source-range")
    assert lost.status == "lost-protection" and why in lost.detail, lost.detail


def test_an_allow_list_joins_the_backends_own_conditions_on_the_renamed_backend() -> None:
    """The controller applies conditions.<name> to any backend of that name (enhanced_backend_builder.go Build):
    a Service backend renamed to carry the allow-list takes its conditions with it, or its rule loses them. A
    JSON null is no condition at all, as Go reads it."""
    header = [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-canary", "values": ["1"]}}]
    output, report = migrate(_allow_listed_with_conditions(json.dumps(header)), Options(group="g"))
    assert not report.held_back
    annotations = output[0]["metadata"]["annotations"]
    backend = output[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend != "svc"
    written = json.loads(annotations[ALB + f"conditions.{backend}"])
    assert written == [*header, {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}}]
    # No path names svc any more: its own annotations, copied to the renamed backend, are not left behind.
    assert ALB + "conditions.svc" not in annotations
    output, report = migrate(_allow_listed_with_conditions("null"), Options(group="g"))
    backend = output[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    conditions = json.loads(output[0]["metadata"]["annotations"][ALB + f"conditions.{backend}"])
    assert conditions == [{"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}}]


def test_a_renamed_backends_transforms_go_with_it_and_are_not_left_behind() -> None:
    """The controller reads transforms.<name> only for a backend of that name (enhanced_backend_builder.go
    Build): the renamed backend carries them, and the old name's copy, which nothing reads, is not left in the
    output to mislead its reader."""
    transform = [{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": "^/a$", "replace": "/"}]}}]
    ingress = nginx_ingress("a", [("/a", "Exact", "svc")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    ingress["metadata"]["annotations"][ALB + "transforms.svc"] = json.dumps(transform)
    output, report = migrate([ingress, nginx_ingress("b", [("/b", "Prefix", "other")], {})], Options(group="g"))
    assert not report.held_back
    annotations = output[0]["metadata"]["annotations"]
    backend = output[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend != "svc" and json.loads(annotations[ALB + f"transforms.{backend}"]) == transform
    assert not [key for key in annotations if key.endswith(".svc")], annotations


def test_an_empty_main_name_denies_every_request_in_ingress_nginx() -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "allowlist-source-range": ""})
    _, report = migrate([ingress], Options(group="g"))
    assert report.held_back == ["shop/a"]


def test_the_configmap_allow_list_is_every_ingress_default() -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {})
    output, report = migrate([ingress], Options(group="g", controller_config={"whitelist-source-range": "10.1.2.3"}))
    assert output[0]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.1.2.3/32"
    assert _finding(report, "ConfigMap whitelist-source-range").status == "approximated"
    _, report = migrate([ingress], Options(group="g", controller_config={"whitelist-source-range": "10.1.2.3/40"}))
    assert report.held_back == ["shop/a"]


# --- the bypass: a refused client must not fall through to a public rule of the same host ---


def test_a_refused_client_gets_403_not_the_public_rule_of_another_ingress() -> None:
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    public = nginx_ingress("web", [("/", "Prefix", "admin")], {})  # the same backend, public at '/'
    output, report = migrate([guarded, public], Options(group="g"))
    admin = _ingresses(output)["admin"]
    paths = admin["spec"]["rules"][0]["http"]["paths"]
    assert [(p["path"], p["pathType"]) for p in paths] == [("/admin", "Prefix"), ("/admin", "Prefix")]
    annotations = admin["metadata"]["annotations"]
    first, deny = (p["backend"]["service"]["name"] for p in paths)
    assert json.loads(annotations[ALB + f"conditions.{first}"]) == [
        {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}}
    ]
    assert json.loads(annotations[ALB + f"actions.{deny}"]) == {
        "type": "fixed-response",
        "fixedResponseConfig": {"contentType": "text/plain", "statusCode": "403"},
    }
    assert ALB + f"conditions.{deny}" not in annotations
    inside = alb_route(output, AlbRequest(HOST, "/admin/users", source_ip="10.9.9.9"))
    outside = alb_route(output, AlbRequest(HOST, "/admin/users", source_ip="203.0.113.7"))
    home = alb_route(output, AlbRequest(HOST, "/", source_ip="203.0.113.7"))
    assert inside is not None and inside.kind == "forward" and inside.targets[0][0] == "admin"
    assert outside is not None and outside.kind == "fixed-response" and outside.redirect["statusCode"] == "403"
    assert home is not None and home.targets == (("admin", 1),)
    assert not report.held_back and _finding(report, NGINX + "whitelist-source-range").status == "converted"
    for document in output:
        kubernetes_validate.validate(document, "1.33", strict=True)


@pytest.mark.parametrize("first", ["service", "use-annotation"])
def test_every_protected_path_of_a_shared_backend_keeps_the_allow_list(first: str) -> None:
    """A Service serving two paths, its conditions.<svc> written by the user: both paths' rule carries the header
    condition and one source-ip condition (a second path's copy replaced the first's source-ip, and a
    use-annotation backend of the same name had its source-ip copied and doubled). Checked by routing: a client
    outside the ranges gets 403 on every path, one inside reaches the app."""
    method = [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "x-team", "values": ["ops"]}}]
    allow = {NGINX + "whitelist-source-range": "10.0.0.0/8"}
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "app"), ("/ops", "Prefix", "app")], allow)
    annotations = guarded["metadata"]["annotations"]
    annotations[ALB + "conditions.app"] = json.dumps(method)
    if first == "use-annotation":
        forward = {"type": "forward", "forwardConfig": {"targetGroups": [{"serviceName": "app", "servicePort": 80}]}}
        annotations[ALB + "actions.app"] = json.dumps(forward)
        guarded["spec"]["rules"][0]["http"]["paths"][0]["backend"] = {
            "service": {"name": "app", "port": {"name": "use-annotation"}}
        }
    output, report = migrate([guarded, nginx_ingress("public", [("/", "Prefix", "web")], {})], Options(group="g"))
    assert not report.held_back and sorted(_ingresses(output)) == ["admin", "public"], report.findings
    written = _ingresses(output)["admin"]["metadata"]["annotations"]
    for key, value in written.items():
        if key.startswith(ALB + "conditions.") and not key.endswith(".app"):
            assert json.loads(value) == [*method, {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}}]
    for path in ("/admin/x", "/ops/y"):
        outside = alb_route(output, AlbRequest(HOST, path, {"x-team": "ops"}, source_ip="203.0.113.7"))
        inside = alb_route(output, AlbRequest(HOST, path, {"x-team": "ops"}, source_ip="10.1.1.1"))
        assert outside is not None and outside.kind == "fixed-response", (path, outside)
        assert inside is not None and inside.kind == "forward" and inside.targets[0][0] == "app", (path, inside)


@pytest.mark.parametrize(
    ("name", "order", "held", "change"),
    [
        ("aaa", None, True, None),
        ("zzz", None, False, None),  # evaluated after it
        ("aaa", "5", False, None),
        # Not a member: another controller's Ingress with a leftover group.name.
        ("aaa", None, False, {"class": "traefik"}),
        # Rules are per listener: one only on HTTP 8080 never meets the protected rules on 80 and 443.
        ("aaa", None, False, {"listen-ports": '[{"HTTP": 8080}]'}),
        # Paths that cannot meet: /public (Exact) and /admin (Prefix).
        ("aaa", None, False, {"path": ("/public", "Exact")}),
        # The group of its class's IngressClassParams, without group.name (v3.5.0 loadGroupID: params first).
        ("aaa", None, True, {"class": "shared", "params group": "g", "group.name": None}),
        # Its params put it in another group, whatever group.name says.
        ("aaa", None, False, {"class": "shared", "params group": "elsewhere"}),
        # Two params of one name: the last one applied is what the cluster holds.
        ("aaa", None, True, {"class": "shared", "params group": ["elsewhere", "g"], "group.name": None}),
        ("aaa", None, False, {"class": "shared", "params group": ["g", "elsewhere"], "group.name": None}),
        # The class annotation is read before ingressClassName (classifyIngress), and matched against 'alb'.
        ("aaa", None, True, {"class": "traefik", "annotation": "alb"}),
        ("aaa", None, False, {"class": "alb", "annotation": "traefik"}),
    ],
)
def test_an_alb_ingress_of_the_input_evaluated_first_in_the_group_holds_the_allow_list_back(
    name: str, order: str | None, held: bool, change: dict[str, Any] | None
) -> None:
    """An ALB Ingress passed through (not converted) that joins the group: the controller evaluates members by
    group.order, then namespace/name (sortGroupMembers); before the protected Ingress, a rule of it that can match
    the same requests (host, path, listen port) answers clients the source-ip conditions would refuse."""
    change = change or {}
    path, kind = change.get("path", ("/", "Prefix"))
    existing = nginx_ingress(name, [(path, kind, "admin")], {ALB + "group.name": "g"})
    existing["spec"]["ingressClassName"] = change.get("class", "alb")
    if "group.name" in change:
        del existing["metadata"]["annotations"][ALB + "group.name"]
    if "annotation" in change:
        existing["metadata"]["annotations"]["kubernetes.io/ingress.class"] = change["annotation"]
    classes: list[dict[str, Any]] = []
    if "params group" in change:
        params = {"name": "shared-params", "apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams"}
        classes = [
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "IngressClass",
                "metadata": {"name": "shared"},
                "spec": {"controller": "ingress.k8s.aws/alb", "parameters": params},
            },
            *(
                {
                    "apiVersion": "elbv2.k8s.aws/v1beta1",
                    "kind": "IngressClassParams",
                    "metadata": {"name": "shared-params"},
                    "spec": {"group": {"name": group}},
                }
                for group in (
                    [change["params group"]] if isinstance(change["params group"], str) else change["params group"]
                )
            ),
        ]
    if "listen-ports" in change:
        existing["metadata"]["annotations"][ALB + "listen-ports"] = change["listen-ports"]
    if order is not None:
        existing["metadata"]["annotations"][ALB + "group.order"] = order
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    other = nginx_ingress("other", [("/other", "Prefix", "web")], {})
    _, report = migrate([*classes, existing, guarded, other], Options(group="g"))
    assert (report.held_back == ["shop/admin"]) is held, report.findings
    if held:
        lost = _finding(report, NGINX + "whitelist-source-range")
        assert lost.status == "lost-protection" and f"ALB Ingress shop/{name} of the input" in lost.detail


@pytest.mark.parametrize(("annotation", "held"), [("alb", True), ("internal", False)])
def test_the_class_annotation_is_matched_against_the_controllers_flag_not_the_class_written(
    annotation: str, held: bool
) -> None:
    """--ingress-class names the IngressClass migrate writes; the controller matches the kubernetes.io/ingress.class
    annotation against its --ingress-class flag alone ('alb', v3.5.0 class_annotation_matcher.go): an Ingress
    annotated with the written class's name is none of the controller's, one annotated 'alb' is."""
    existing = nginx_ingress("aaa", [("/", "Prefix", "admin")], {ALB + "group.name": "g"})
    existing["metadata"]["annotations"]["kubernetes.io/ingress.class"] = annotation
    del existing["spec"]["ingressClassName"]  # ingress-nginx would read it first, and take the Ingress
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    _, report = migrate([existing, guarded], Options(group="g", ingress_class="internal"))
    assert (report.held_back == ["shop/admin"]) is held, report.findings


def test_side_by_side_orders_the_group_by_the_names_it_writes() -> None:
    """--side-by-side writes admin as admin-alb and admin-0 as admin-0-alb, which the controller orders the other
    way round (namespace/name: '0' before 'a'): the protected /admin/secret must still be tried before admin-0's
    /admin, so a refused client gets 403 there, as under ingress-nginx (longest prefix first). And an ALB
    Ingress of the input named between the two names (admin-aaa: after admin, before admin-alb) is evaluated
    first."""
    allow = {NGINX + "whitelist-source-range": "10.0.0.0/8"}
    guarded = nginx_ingress("admin", [("/admin/secret", "Prefix", "admin")], allow)
    wider = nginx_ingress("admin-0", [("/admin", "Prefix", "admin")], {})
    output, report = migrate([guarded, wider], Options(group="g", side_by_side=True))
    assert not report.held_back, report.findings
    assert sorted(_ingresses(output)) == ["admin-0-alb", "admin-alb"]
    refused = alb_route(output, AlbRequest(HOST, "/admin/secret/x", {}, source_ip="203.0.113.7"))
    assert refused is not None and refused.kind == "fixed-response", refused
    existing = nginx_ingress("admin-aaa", [("/", "Prefix", "web")], {ALB + "group.name": "g"})
    existing["spec"]["ingressClassName"] = "alb"
    other = nginx_ingress("other", [("/other", "Prefix", "web")], {})
    _, report = migrate([existing, guarded, other], Options(group="g", side_by_side=True))
    assert report.held_back == ["shop/admin"], report.findings
    _, report = migrate([existing, guarded, other], Options(group="g"))
    assert not report.held_back, report.findings  # written as admin, it comes before admin-aaa


@pytest.mark.parametrize("public", [True, False])
def test_shards_that_land_on_a_group_of_the_input_keep_the_allow_list(public: bool) -> None:
    """--shards moves the converted Ingresses to <group>-N after their allow-lists are written: a shard an ALB
    Ingress of the input already joins (left by an earlier sharded run) is weighed as any group it joins. With
    source-ip conditions (the group's allow-lists disagree), its earlier '/' answers the refused clients: held
    back as lost-protection. With inbound-cidrs (they agree), those ranges would refuse its clients: held back
    too, naming the group."""
    existing = nginx_ingress("aaa", [("/", "Prefix", "web")], {ALB + "group.name": "g-1"})
    existing["spec"]["ingressClassName"] = "alb"
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    others = [nginx_ingress("web", [("/other", "Prefix", "web")], {})] if public else []
    _, report = migrate([existing, guarded, *others], Options(group="g", shards=2))
    assert report.held_back == ["shop/admin"], report.findings
    if public:
        assert _finding(report, NGINX + "whitelist-source-range").status == "lost-protection"
    else:
        said = _finding(report, ALB + "inbound-cidrs")
        assert (
            said.status == "not-converted"
            and "group 'g-1' (--shards or its class's params put it there), which shop/aaa" in said.detail
        ), said


@pytest.mark.parametrize("cls", ["alb-internal", None])
def test_an_ingress_naming_the_group_with_a_class_the_input_lacks_is_said(cls: str | None) -> None:
    """Whether the controller serves an Ingress of a class the input does not hold (or of none: the cluster's
    default class may be the controller's) is not known: naming the group written here, it is said, not taken
    for no member without a word."""
    existing = nginx_ingress("aaa", [("/", "Prefix", "web")], {ALB + "group.name": "g"})
    if cls is None:
        del existing["spec"]["ingressClassName"]
    else:
        existing["spec"]["ingressClassName"] = cls
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    _, report = migrate([existing, guarded], Options(group="g"))
    said = _finding(report, ALB + "group.name")
    assert said.ingress == "shop/aaa" and said.status == "approximated", said
    assert f"its class ({cls or 'none'}) is no IngressClass of the input" in said.detail


@pytest.mark.parametrize("field", ["host-header", "path-pattern"])
def test_an_earlier_members_conditions_widen_what_its_rule_matches(field: str) -> None:
    """conditions.<service> adds its host-header and path-pattern values to the rule's (v3.5.0
    buildRuleConditions: any value matching): a member routing another host, or another path, still answers
    the protected host's /admin through them."""
    if field == "host-header":
        existing = nginx_ingress("aaa", [("/", "Prefix", "web")], {ALB + "group.name": "g"})
        existing["spec"]["rules"][0]["host"] = "z.example.com"
        config = {"field": "host-header", "hostHeaderConfig": {"values": [HOST]}}
    else:
        existing = nginx_ingress("aaa", [("/public", "Exact", "web")], {ALB + "group.name": "g"})
        config = {"field": "path-pattern", "pathPatternConfig": {"values": ["/admin*"]}}
    existing["spec"]["ingressClassName"] = "alb"
    existing["metadata"]["annotations"][ALB + "conditions.web"] = json.dumps([config])
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    other = nginx_ingress("other", [("/other", "Prefix", "web")], {})
    _, report = migrate([existing, guarded, other], Options(group="g"))
    assert report.held_back == ["shop/admin"], report.findings
    del existing["metadata"]["annotations"][ALB + "conditions.web"]
    _, report = migrate([existing, guarded, other], Options(group="g"))
    assert not report.held_back, report.findings


def test_an_auto_mode_group_is_matched_with_the_auto_mode_members() -> None:
    """Written with an EKS Auto Mode class, the converted Ingresses join Auto Mode's group g, which an input
    Ingress of that class joins too: the allow-list goes on the rules (source-ip), never as inbound-cidrs that
    would refuse that Ingress's clients (or that its security-groups would make the group ignore)."""
    auto = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "auto"},
        "spec": {"controller": "eks.amazonaws.com/alb"},
    }
    existing = nginx_ingress("zzz", [("/public", "Exact", "web")], {ALB + "group.name": "g"})
    existing["spec"]["ingressClassName"] = "auto"
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    output, report = migrate([auto, existing, guarded], Options(group="g", ingress_class="auto"))
    assert not report.held_back, report.findings
    annotations = _ingresses(output)["admin"]["metadata"]["annotations"]
    assert ALB + "inbound-cidrs" not in annotations
    assert any("source-ip" in v for k, v in annotations.items() if k.startswith(ALB + "conditions."))


@pytest.mark.parametrize(("allow", "held"), [(None, True), ("192.168.1.0/24", False), ("10.0.0.0/8", True)])
def test_an_input_members_inbound_cidrs_are_the_groups_on_its_ports(allow: str | None, held: bool) -> None:
    """A listen port takes the inbound-cidrs of the member that has them, passing over a member without them
    (v3.5.0 model_builder.go mergeListenPortConfigs): an input member's 192.168.0.0/16 on port 80 would refuse
    the converted app's clients outside it. Held back,
    unless the app's own allow-list lies inside those ranges."""
    existing = nginx_ingress("zzz", [("/public", "Exact", "web")], {ALB + "group.name": "g"})
    existing["spec"]["ingressClassName"] = "alb"
    existing["metadata"]["annotations"][ALB + "inbound-cidrs"] = "192.168.0.0/16"
    annotations = {NGINX + "whitelist-source-range": allow} if allow else {}
    app = nginx_ingress("app", [("/app", "Prefix", "app")], annotations)
    _, report = migrate([existing, app], Options(group="g"))
    assert (report.held_back == ["shop/app"]) is held, report.findings
    if held:
        said = _finding(report, ALB + "inbound-cidrs")
        assert "whose inbound-cidrs (192.168.0.0/16)" in said.detail and "port 80" in said.detail, said


def test_a_group_an_alb_ingress_of_the_input_joins_gets_no_inbound_cidrs() -> None:
    """inbound-cidrs limit every client of a listen port: with an ALB Ingress of the input (passed through) in the
    group, whose clients the allow-list never meant to refuse, the ranges go on the protected rules instead
    (mergeListenPortConfigs passes over a member without inbound-cidrs)."""
    existing = nginx_ingress("zzz", [("/public", "Exact", "web")], {ALB + "group.name": "g"})
    existing["spec"]["ingressClassName"] = "alb"
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    output, report = migrate([existing, guarded], Options(group="g"))
    assert not report.held_back, report.findings
    annotations = _ingresses(output)["admin"]["metadata"]["annotations"]
    assert ALB + "inbound-cidrs" not in annotations
    assert any("source-ip" in value for key, value in annotations.items() if key.startswith(ALB + "conditions."))
    alone, _ = migrate([guarded], Options(group="g"))
    assert _ingresses(alone)["admin"]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.0/8"


def test_an_allow_list_on_a_catch_all_ingress_is_held_back() -> None:
    """ingress-nginx applies an Ingress's annotations to the catch-all server its defaultBackend makes
    (locationApplyAnnotations on the default location); the ALB's listener default action, which migrate makes of
    a defaultBackend without rules, takes no condition: every client would reach it."""
    catch_all = nginx_ingress("admin", [], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    backend = {"service": {"name": "app", "port": {"number": 80}}}
    catch_all["spec"] = {"ingressClassName": "nginx", "defaultBackend": backend}
    _, report = migrate([catch_all, nginx_ingress("public", [("/", "Prefix", "web")], {})], Options(group="g"))
    assert report.held_back == ["shop/admin"]
    lost = _finding(report, NGINX + "whitelist-source-range")
    assert lost.status == "lost-protection" and "default action" in lost.detail, lost.detail


def test_a_refused_client_never_reaches_the_default_backend() -> None:
    guarded = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    fallback = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "fallback", "namespace": "shop"},
        "spec": {"ingressClassName": "nginx", "defaultBackend": {"service": {"name": "admin", "port": {"number": 80}}}},
    }
    output, _ = migrate([guarded, fallback], Options(group="g"))
    outside = alb_route(output, AlbRequest(HOST, "/admin", source_ip="203.0.113.7"))
    assert outside is not None and outside.kind == "fixed-response"  # None would be the listener default: admin


# --- use-forwarded-headers / enable-real-ip: nginx matched the forwarded client ---


def test_a_trusted_proxy_inside_the_allow_list_holds_it_back() -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    config = {"use-forwarded-headers": "true", "proxy-real-ip-cidr": "10.20.0.0/16"}
    _, report = migrate([ingress], Options(group="g", controller_config=config))
    assert report.held_back == ["shop/a"]
    assert "ForwardedIPConfig" in _finding(report, NGINX + "whitelist-source-range").detail


def test_forwarded_headers_without_a_proxy_in_the_list_are_reported_not_held() -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    config = {"enable-real-ip": "1", "proxy-real-ip-cidr": "172.16.0.0/12"}
    output, report = migrate([ingress], Options(group="g", controller_config=config))
    assert not report.held_back and output[0]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.0/8"
    assert any("X-Forwarded-For" in f.detail and f.status == "note" for f in report.findings)


# --- the ConfigMap's global protections ---


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"global-auth-url": "https://auth.example.com/check"}, "ConfigMap global-auth-url"),
        ({"block-cidrs": "198.51.100.0/24"}, "ConfigMap block-cidrs"),
        ({"denylist-source-range": "198.51.100.0/24"}, "ConfigMap denylist-source-range"),
        ({"block-user-agents": "~*curl"}, "ConfigMap block-user-agents"),
        ({"block-referers": "spam.example"}, "ConfigMap block-referers"),
        ({"enable-modsecurity": "TRUE"}, "ConfigMap enable-modsecurity"),
        ({"server-snippet": "deny 192.0.2.1;"}, "ConfigMap server-snippet"),
    ],
)
def test_configmap_protections_hold_every_ingress_back(config: dict[str, str], key: str) -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {})
    _, report = migrate([ingress], Options(group="g", controller_config=config))
    assert report.held_back == ["shop/a"] and _finding(report, key).status == "lost-protection"


@pytest.mark.parametrize("spelling", ["false", "0", "f", "F", "FALSE", "False"])
def test_enable_global_auth_false_opts_out_in_any_parsebool_spelling(spelling: str) -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "enable-global-auth": spelling})
    _, report = migrate([ingress], Options(group="g", controller_config={"global-auth-url": "https://auth.example"}))
    assert not report.held_back
    assert _finding(report, NGINX + "enable-global-auth").status == "converted"


def test_modsecurity_off_in_the_configmap_or_for_the_ingress_protects_nothing() -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {})
    _, report = migrate([ingress], Options(group="g", controller_config={"enable-modsecurity": "yes"}))
    assert not report.held_back  # "yes" is no Go boolean: ModSecurity stays off
    opted_out = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "enable-modsecurity": "false"})
    _, report = migrate([opted_out], Options(group="g", controller_config={"enable-modsecurity": "true"}))
    assert not [f for f in report.findings if f.annotation == "ConfigMap enable-modsecurity"]


# --- HSTS: on by default, carried as the HTTPS listener's attribute ---


def test_hsts_defaults_become_the_https_listener_attribute() -> None:
    output, report = migrate([_tls(nginx_ingress("a", [("/a", "Prefix", "a")], {}))], Options(group="g"))
    assert output[0]["metadata"]["annotations"][HSTS] == (
        "routing.http.response.strict_transport_security.header_value=max-age=31536000; includeSubDomains"
    )
    assert report.exact or all(f.status != "lost-protection" for f in report.findings)


def test_hsts_settings_are_read_as_nginx_reads_them() -> None:
    config = {"hsts-max-age": "600", "hsts-include-subdomains": "0", "hsts-preload": "t"}
    output, _ = migrate([_tls(nginx_ingress("a", [("/a", "Prefix", "a")], {}))], Options(controller_config=config))
    assert output[0]["metadata"]["annotations"][HSTS].endswith("=max-age=600; preload")
    output, _ = migrate(
        [_tls(nginx_ingress("a", [("/a", "Prefix", "a")], {}))], Options(controller_config={"hsts": "F"})
    )
    assert HSTS not in output[0]["metadata"]["annotations"]
    output, _ = migrate([nginx_ingress("a", [("/a", "Prefix", "a")], {})], Options())
    assert HSTS not in output[0]["metadata"]["annotations"]  # no certificate in nginx: it sent no HSTS


# --- a ConfigMap found in the input ---


def test_the_charts_configmap_in_the_input_is_read_and_said_so() -> None:
    documents = [_configmap({"block-cidrs": "198.51.100.0/24"}), nginx_ingress("a", [("/a", "Prefix", "a")], {})]
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == ["shop/a"]
    assert any("ingress-nginx/ingress-nginx-controller from the input" in f.detail for f in report.findings)


def test_two_candidate_configmaps_are_never_picked_silently() -> None:
    documents = [
        _configmap({}, ns="ingress-public"),
        _configmap({"global-auth-url": "https://auth.example"}, ns="ingress-private"),
        nginx_ingress("a", [("/a", "Prefix", "a")], {}),
    ]
    _, report = migrate(documents, Options(group="g"))
    lost = _finding(report, "ConfigMap")
    assert lost.status == "lost-protection" and "ingress-private/ingress-nginx-controller" in lost.detail


def test_the_deployments_configmap_decides_per_class() -> None:
    documents = [
        _configmap({"block-cidrs": "198.51.100.0/24"}, name="private-config"),
        _configmap({}, name="public-config"),
        _deployment(["--ingress-class=nginx-internal", "--configmap=ingress-nginx/private-config"], name="private"),
        _deployment(["--configmap=ingress-nginx/public-config"], name="public"),
        nginx_ingress("open", [("/open", "Prefix", "a")], {}),
        {**nginx_ingress("closed", [("/closed", "Prefix", "a")], {})},
    ]
    documents[-1]["spec"]["ingressClassName"] = "nginx-internal"
    _, report = migrate(documents, Options(group="g", nginx_classes=("nginx-internal",)))
    assert report.held_back == ["shop/closed"]


# --- scheme ---


@pytest.mark.parametrize(
    ("annotations", "lb_class", "expected"),
    [
        (
            {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb-ip",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
            },
            None,
            "internet-facing",
        ),
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "0"}, "service.k8s.aws/nlb", "internet-facing"),
        ({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, None, "internet-facing"),  # in-tree
        (
            {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
            },
            None,
            "internal",
        ),
        # In-tree: anything but the exact string "false" is internal, "0" and "False" included.
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "False"}, None, "internal"),
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "false"}, None, "internet-facing"),
    ],
)
def test_a_controller_service_decides_its_class_scheme(
    annotations: dict[str, str], lb_class: str | None, expected: str
) -> None:
    assert service_scheme(_service(annotations, lb_class))[0] == expected
    documents = [_service(annotations, lb_class), _deployment([]), nginx_ingress("a", [("/a", "Prefix", "a")], {})]
    output, _ = migrate(documents, Options(group="g"))
    assert _ingresses(output)["a"]["metadata"]["annotations"][ALB + "scheme"] == expected


@pytest.mark.parametrize(
    ("annotations", "lb_class"),
    [({}, "service.k8s.aws/nlb"), ({"service.beta.kubernetes.io/aws-load-balancer-type": "external"}, None)],
)
def test_an_unannotated_lbc_service_does_not_show_its_scheme(annotations: dict[str, str], lb_class: str | None) -> None:
    """LBC v3.5.0 buildLoadBalancerScheme: no scheme annotation keeps the existing NLB's scheme, else its
    --default-load-balancer-scheme; the Service shows neither, so the class converts internal as a guess and the
    report asks for --class-scheme (this case used to be read as a known 'internal')."""
    scheme, why = service_scheme(_service(annotations, lb_class))
    assert scheme is None and "--default-load-balancer-scheme" in why
    documents = [_service(annotations, lb_class), _deployment([]), nginx_ingress("a", [("/a", "Prefix", "a")], {})]
    output, report = migrate(documents, Options(group="g"))
    assert _ingresses(output)["a"]["metadata"]["annotations"][ALB + "scheme"] == "internal"
    said = [f.detail for f in report.findings if f.annotation == "class nginx"]
    assert any("a guess: Service ingress-nginx/ingress-nginx-controller" in d for d in said), said
    assert any("pass --class-scheme nginx=internet-facing" in d for d in said), said
    # --scheme, which the user gives knowing the install, wins over the guess.
    output, _ = migrate(
        json.loads(json.dumps(documents)), Options(group="g", scheme="internet-facing", scheme_given=True)
    )
    assert _ingresses(output)["a"]["metadata"]["annotations"][ALB + "scheme"] == "internet-facing"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "internet-facing"), ("false", "internet-facing"), ("0", "internal"), ("true", "internal")],
)
def test_in_tree_internal_annotation_empty_is_internet_facing(value: str, expected: str) -> None:
    """cloud-provider-aws EnsureLoadBalancer: internal unless the annotation is "false" or empty."""
    service = _service({"service.beta.kubernetes.io/aws-load-balancer-internal": value})
    assert service_scheme(service)[0] == expected


def test_nothing_known_is_internal_never_internet_facing(capsys: pytest.CaptureFixture[str]) -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {})
    ingress["spec"]["ingressClassName"] = "nginx-internal"
    output, report = migrate([ingress], Options(group="g", nginx_classes=("nginx-internal",)))
    assert output[0]["metadata"]["annotations"][ALB + "scheme"] == "internal"
    assert any("never internet-facing by guess" in f.detail for f in report.findings)


def test_class_scheme_splits_the_group_per_scheme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    public = nginx_ingress("public", [("/", "Prefix", "web")], {})
    private = nginx_ingress("private", [("/admin", "Prefix", "admin")], {})
    private["spec"]["ingressClassName"] = "nginx-internal"
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all([public, private]))
    argv = ["migrate", str(path), "--group", "shop", "--nginx-class", "nginx-internal"]
    code = main([*argv, "--class-scheme", "nginx=internet-facing"])
    out = {d["metadata"]["name"]: d["metadata"]["annotations"] for d in yaml.safe_load_all(capsys.readouterr().out)}
    assert code in (0, 1)
    assert (out["public"][ALB + "scheme"], out["public"][ALB + "group.name"]) == ("internet-facing", "shop")
    assert (out["private"][ALB + "scheme"], out["private"][ALB + "group.name"]) == ("internal", "shop-internal")
    assert main([*argv, "--class-scheme", "nginx=public"]) == 2
    assert "CLASS=SCHEME" in capsys.readouterr().err


# --- TLS ---


@pytest.mark.parametrize("spelling", ["1", "t", "T", "TRUE", "true", "True"])
def test_force_ssl_redirect_in_any_parsebool_spelling_redirects(spelling: str) -> None:
    ingress = nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "force-ssl-redirect": spelling})
    output, report = migrate([ingress], Options(group="g", certificate_arn=CERT))
    annotations = output[0]["metadata"]["annotations"]
    assert annotations[ALB + "ssl-redirect"] == "443" and annotations[ALB + "certificate-arn"] == CERT
    _, report = migrate(
        [nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "force-ssl-redirect": spelling})], Options()
    )
    assert report.held_back == ["shop/a"]  # no HTTPS possible: plain HTTP would be weaker


def test_ssl_redirect_zero_turns_the_redirect_off() -> None:
    ingress = _tls(nginx_ingress("a", [("/a", "Prefix", "a")], {NGINX + "ssl-redirect": "0"}))
    output, _ = migrate([ingress], Options())
    assert ALB + "ssl-redirect" not in output[0]["metadata"]["annotations"]


NLB_TLS_SNIPPET = "server {\n  listen 2443;\n  return 308 https://$host$request_uri;\n}\n"


def test_tls_at_the_nlb_carries_its_certificate_and_the_snippet_redirect() -> None:
    service = _service(
        {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": CERT,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
        }
    )
    documents = [service, _deployment([]), nginx_ingress("a", [("/a", "Prefix", "a")], {})]
    output, report = migrate(documents, Options(group="g"))
    annotations = _ingresses(output)["a"]["metadata"]["annotations"]
    assert annotations[ALB + "certificate-arn"] == CERT and ALB + "ssl-redirect" not in annotations
    assert annotations[ALB + "scheme"] == "internet-facing"  # the in-tree provider's NLB
    # The chart's --configmap: a controller with none reads no ConfigMap (controller-v1.15.1 pkg/flags/flags.go).
    reads = _deployment(["--configmap=ingress-nginx/ingress-nginx-controller"])
    documents = [service, reads, _configmap({"http-snippet": NLB_TLS_SNIPPET}), documents[2]]
    output, report = migrate(json.loads(json.dumps(documents)), Options(group="g"))
    annotations = _ingresses(output)["a"]["metadata"]["annotations"]
    assert annotations[ALB + "ssl-redirect"] == "443" and annotations[ALB + "certificate-arn"] == CERT
    assert not report.held_back  # the snippet is the redirect, not an unknown access rule


def test_ssl_passthrough_is_no_alb_ingress() -> None:
    ingress = nginx_ingress("vault", [("/", "Prefix", "vault")], {NGINX + "ssl-passthrough": "true"})
    output, report = migrate([ingress, nginx_ingress("web", [("/web", "Prefix", "web")], {})], Options())
    assert list(_ingresses(output)) == ["web"]
    assert "NLB TCP listener" in _finding(report, NGINX + "ssl-passthrough").detail
    # A controller without --enable-ssl-passthrough ignored the annotation: an ordinary Ingress.
    ingress = nginx_ingress("vault", [("/", "Prefix", "vault")], {NGINX + "ssl-passthrough": "true"})
    output, report = migrate([_deployment([]), ingress], Options())
    assert list(_ingresses(output)) == ["vault"]


@pytest.mark.parametrize(("protocol", "alb"), [("GRPC", "HTTP"), ("grpcs", "HTTPS")])
def test_grpc_backends_get_the_grpc_protocol_version_on_https(protocol: str, alb: str) -> None:
    ingress = _tls(nginx_ingress("api", [("/", "Prefix", "api")], {NGINX + "backend-protocol": protocol}))
    output, report = migrate([ingress], Options())
    annotations = output[0]["metadata"]["annotations"]
    assert annotations[ALB + "backend-protocol"] == alb
    assert annotations[ALB + "backend-protocol-version"] == "GRPC"
    assert annotations[ALB + "ssl-redirect"] == "443"
    plain = nginx_ingress("api", [("/", "Prefix", "api")], {NGINX + "backend-protocol": protocol})
    output, report = migrate([plain], Options())
    assert output == [] and _finding(report, NGINX + "backend-protocol").status == "not-converted"


# --- real-world inputs ---


def _realworld(name: str) -> Path:
    path = REALWORLD / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared real-world corpus is not checked out here)")
    return path


def test_realworld_argo_cd_grpc_split(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(_realworld("argoproj__argo-cd__http-grpc-split.yaml"))])
    out = {d["metadata"]["name"]: d["metadata"]["annotations"] for d in yaml.safe_load_all(capsys.readouterr().out)}
    assert code in (0, 1)
    grpc = out["argocd-server-grpc-ingress"]
    assert (grpc[ALB + "backend-protocol"], grpc[ALB + "backend-protocol-version"]) == ("HTTP", "GRPC")
    assert out["argocd-server-http-ingress"][ALB + "ssl-redirect"] == "443"  # force-ssl-redirect with TLS
    assert all(a[ALB + "scheme"] == "internal" for a in out.values())


def test_realworld_argo_cd_ssl_passthrough(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["migrate", str(_realworld("argoproj__argo-cd__ssl-passthrough.yaml"))])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and "NLB TCP listener" in captured.err


def test_realworld_modsecurity_and_server_snippet_deny_hold_back(capsys: pytest.CaptureFixture[str]) -> None:
    name = "ministryofjustice__Claim-for-Crown-Court-Defence__cccd-modsec.yaml"
    code = main(["migrate", str(_realworld(name)), "--nginx-class", "modsec"])
    captured = capsys.readouterr()
    assert code == 3 and captured.out == "" and "lost-protection" in captured.err


def test_without_a_deployment_the_charts_instance_label_matches_service_and_class() -> None:
    internal = _service({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}, name="private")
    internal["metadata"]["labels"] = {
        "app.kubernetes.io/name": "ingress-nginx",
        "app.kubernetes.io/instance": "private",
        "app.kubernetes.io/component": "controller",
    }
    ingress_class = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "nginx-internal", "labels": {"app.kubernetes.io/instance": "private"}},
        "spec": {"controller": "k8s.io/ingress-nginx"},
    }
    private = nginx_ingress("private", [("/admin", "Prefix", "admin")], {})
    private["spec"]["ingressClassName"] = "nginx-internal"
    public = nginx_ingress("public", [("/", "Prefix", "web")], {})
    output, report = migrate([internal, ingress_class, private, public], Options(group="g", scheme="internet-facing"))
    schemes = {n: i["metadata"]["annotations"][ALB + "scheme"] for n, i in _ingresses(output).items()}
    # --scheme not given: the unmatched class 'nginx' is internal too, never internet-facing by guess.
    assert schemes == {"private": "internal", "public": "internal"}
    output, _ = migrate(
        [internal, ingress_class, private, public], Options(group="g", scheme="internet-facing", scheme_given=True)
    )
    groups = {
        n: (i["metadata"]["annotations"][ALB + "scheme"], i["metadata"]["annotations"][ALB + "group.name"])
        for n, i in _ingresses(output).items()
    }
    assert groups == {"private": ("internal", "g-internal"), "public": ("internet-facing", "g")}
    assert report.held_back == []


@pytest.mark.parametrize(
    "odd",
    [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": "x", "spec": "y"},
        {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": "c"}}}},
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "spec": {"template": {"spec": {"containers": [{"image": "x/ingress-nginx/controller", "args": "--a"}]}}},
        },
        {"apiVersion": "v1", "kind": "Service", "metadata": {"annotations": ["a"]}, "spec": {"type": "LoadBalancer"}},
        {"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer", "ports": "443", "selector": 3}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ingress-nginx-controller"}, "data": [1]},
    ],
)
def test_odd_install_objects_are_read_without_a_traceback(odd: dict[str, Any]) -> None:
    output, _ = migrate([odd, nginx_ingress("a", [("/a", "Prefix", "a")], {})], Options())
    assert _ingresses(output)["a"]["metadata"]["annotations"][ALB + "scheme"] == "internal"


def test_controller_flags_in_both_go_forms() -> None:
    from albops.migrate.install import controller_args

    deployment = _deployment(["--configmap", "ns/cm", "--enable-ssl-passthrough", "--ingress-class=internal"])
    assert controller_args(deployment) == {
        "configmap": "ns/cm",
        "enable-ssl-passthrough": "true",
        "ingress-class": "internal",
    }
    assert controller_args(_deployment(["--enable-ssl-passthrough=false"])) == {"enable-ssl-passthrough": "false"}


# --- property: nothing an allow-list refused in ingress-nginx is served by the ALB ---

RANGES = [None, "10.0.0.0/8", "10.0.0.0/8,192.168.0.0/16", "203.0.113.0/24", "10.1.0.0/16"]
CLIENTS = ["10.1.2.3", "192.168.5.5", "203.0.113.9", "198.51.100.1"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_a_client_ingress_nginx_refused_is_never_served(rng: random.Random) -> None:
    case = generate(rng)
    lists: dict[str, str | None] = {}
    for ingress in case.ingresses:
        chosen = rng.choice(RANGES)
        lists[f"shop/{ingress['metadata']['name']}"] = chosen
        if chosen:
            name = rng.choice(["allowlist-source-range", "whitelist-source-range"])
            ingress["metadata"]["annotations"][NGINX + name] = chosen
    if rng.random() < 0.3:
        for ingress in case.ingresses:
            ingress["spec"]["tls"] = [{"hosts": [HOST], "secretName": "tls"}]
    converted, report = migrate(case.ingresses, Options(group="g"))
    if report.held_back:
        return  # nothing written: nothing served
    blocks = nginx_blocks(locations(case))
    # Paths left out or rule orders one group cannot hold are reported (not-converted): routing differs there.
    in_order = not any(f.status == "not-converted" for f in report.findings)
    inbound = {str(i["metadata"]["annotations"].get(ALB + "inbound-cidrs", "")) for i in converted}
    for uri in case.requests:
        found = nginx_route(blocks, uri)
        if found is None or not lists[found[0].ingress]:
            continue
        allowed = nginx_cidrs(str(lists[found[0].ingress])).cidrs
        for client in CLIENTS:
            if any(ipaddress.ip_address(client) in ipaddress.ip_network(c) for c in allowed):
                continue
            # Refused by nginx (403): the ALB refuses the connection (inbound-cidrs on every member of the
            # group, none letting the client in) or answers 403 itself; never a forward.
            refused_at_connect = all(
                cidrs and not any(ipaddress.ip_address(client) in ipaddress.ip_network(c) for c in cidrs.split(","))
                for cidrs in inbound
            )
            if refused_at_connect:
                continue
            outcome = alb_route(converted, AlbRequest(HOST, uri, source_ip=client))
            where = json.dumps([uri, client, case.ingresses])
            # Never the protected backend; and where the routing converted in nginx's order, 403 itself.
            assert outcome is None or found[0].service not in {t for t, _ in outcome.targets}, where
            if in_order:
                assert outcome is not None and outcome.kind == "fixed-response", where
                assert outcome.redirect["statusCode"] == "403"


def test_an_allow_list_whose_paths_cannot_be_ordered_is_held_back() -> None:
    """Found by the property above: nginx tries /api(/|$)(.*), then /api(.*) (protected), then /; one ALB group
    orders Ingresses, not paths, so app0's '/' would answer /apix before app1's protected rule."""
    regex = {NGINX + "use-regex": "true"}
    public = nginx_ingress("app0", [("/", "Prefix", "web"), ("/api(/|$)(.*)", "Prefix", "api")], dict(regex))
    guarded = nginx_ingress(
        "app1", [("/api(.*)", "Prefix", "internal")], {**regex, NGINX + "allowlist-source-range": "10.0.0.0/8"}
    )
    _, report = migrate([public, guarded], Options(group="g"))
    assert report.held_back == ["shop/app1"]
    assert "overlap in both orders" in _finding(report, NGINX + "allowlist-source-range").detail


def test_two_installs_in_one_dump_each_decide_their_class() -> None:
    """The issue's case: a public and an internal ingress-nginx in one dump; nginx-internal must stay internal."""
    public_svc = _service({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, name="public")
    private_svc = _service({}, lb_class="service.k8s.aws/nlb", name="private")
    documents = [
        public_svc,
        private_svc,
        _deployment([], name="public"),
        _deployment(["--ingress-class=nginx-internal", "--controller-class=k8s.io/internal"], name="private"),
        nginx_ingress("shop", [("/", "Prefix", "shop")], {}),
        nginx_ingress("admin", [("/admin", "Prefix", "admin")], {}),
    ]
    documents[-1]["spec"]["ingressClassName"] = "nginx-internal"
    output, report = migrate(documents, Options(group="web", nginx_classes=("nginx-internal",)))
    got = {
        name: (i["metadata"]["annotations"][ALB + "scheme"], i["metadata"]["annotations"][ALB + "group.name"])
        for name, i in _ingresses(output).items()
    }
    assert got == {"shop": ("internet-facing", "web"), "admin": ("internal", "web-internal")}
    notes = [f.detail for f in report.findings if f.annotation.startswith("class ")]
    # The LBC made the private NLB with no scheme annotation: internal is a guess, and said so.
    assert any("Service ingress-nginx/private" in n and "a guess" in n for n in notes)


# --- found by a newcomer's dump of two chart installs ---


def _chart_deployment(args: list[str], name: str) -> Any:
    """As the chart renders it: --configmap with $(POD_NAMESPACE), POD_NAMESPACE from the Pod's namespace."""
    deployment = _deployment(args, name=name)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
    ]
    return deployment


def test_the_charts_pod_namespace_reference_is_expanded_as_the_kubelet_does() -> None:
    documents = [
        _configmap({"block-cidrs": "198.51.100.0/24"}, name="private-config"),
        _chart_deployment(["--configmap=$(POD_NAMESPACE)/private-config"], name="private"),
        nginx_ingress("app", [("/", "Prefix", "a")], {}),
    ]
    _, report = migrate(documents, Options(group="g"))
    # The ConfigMap named through $(POD_NAMESPACE) is read: its block-cidrs holds the Ingress back.
    assert report.held_back == ["shop/app"]
    assert _finding(report, "ConfigMap block-cidrs").status == "lost-protection"


def test_a_second_install_with_its_own_controller_class_is_converted_not_passed_through() -> None:
    internal_class = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "nginx-internal"},
        "spec": {"controller": "k8s.io/ingress-nginx-internal"},
    }
    ingress = nginx_ingress("private", [("/", "Prefix", "a")], {})
    ingress["spec"]["ingressClassName"] = "nginx-internal"
    deployment = _chart_deployment(
        ["--controller-class=k8s.io/ingress-nginx-internal", "--ingress-class=nginx-internal"], name="private"
    )
    output, report = migrate([internal_class, deployment, ingress], Options(group="g"))
    assert "shop/private" in report.converted
    assert _ingresses(output)["private"]["spec"]["ingressClassName"] == "alb"


def test_the_nlb_snippet_redirect_overrides_ssl_redirect_false_and_keeps_the_nlb_certificate() -> None:
    arn = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    snippet = "server {\n  listen 2443;\n  return 308 https://$host$request_uri;\n}\n"
    documents = [
        _configmap({"http-snippet": snippet}),
        _service({"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": arn}),
        _deployment(["--configmap=ingress-nginx/ingress-nginx-controller"]),
        _tls(nginx_ingress("chat", [("/", "Prefix", "chat")], {"nginx.ingress.kubernetes.io/ssl-redirect": "false"})),
    ]
    output, report = migrate(documents, Options(group="g"))
    annotations = _ingresses(output)["chat"]["metadata"]["annotations"]
    # The NLB's port 80 went to the snippet's redirect before any Ingress was read.
    assert annotations[ALB + "ssl-redirect"] == "443"
    # Clients saw the NLB's certificate, spec.tls or not.
    assert annotations[ALB + "certificate-arn"] == arn
    line = _finding(report, "ConfigMap http-snippet")
    assert line.status == "approximated" and "308 (the ConfigMap http-snippet's return)" in line.detail
    # The snippet's return keeps the URI as sent: no trailing-slash difference is claimed.
    assert not [f for f in report.findings if "preserve-trailing-slash" in f.annotation]


def test_controller_config_over_the_inputs_configmaps_is_said_as_not_converted() -> None:
    documents = [_configmap({"proxy-read-timeout": "120"}), nginx_ingress("app", [("/", "Prefix", "a")], {})]
    _, report = migrate(documents, Options(group="g", controller_config={"ssl-redirect": "false"}))
    line = _finding(report, "ConfigMap")
    assert line.status == "not-converted" and "ingress-nginx/ingress-nginx-controller" in line.detail


def test_the_installs_own_objects_are_read_not_written() -> None:
    arn = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    unrelated = _configmap({"feature": "on"}, name="app-settings", ns="shop")
    documents = [
        _configmap({"proxy-read-timeout": "120"}),
        _service({"service.beta.kubernetes.io/aws-load-balancer-ssl-cert": arn}),
        _deployment(["--configmap=ingress-nginx/ingress-nginx-controller"]),
        unrelated,
        nginx_ingress("app", [("/", "Prefix", "a")], {}),
    ]
    output, report = migrate(documents, Options(group="g"))
    # Re-applying the dump's controller Deployment, Service and ConfigMap could roll ingress-nginx back.
    assert [(o["kind"], o["metadata"]["name"]) for o in output] == [("ConfigMap", "app-settings"), ("Ingress", "app")]
    notes = {f.ingress for f in report.findings if f.annotation == "ingress-nginx install"}
    assert notes == {
        "ConfigMap ingress-nginx/ingress-nginx-controller",
        "Service ingress-nginx/ingress-nginx-controller",
        "Deployment ingress-nginx/ingress-nginx-controller",
    }
    # ... and still read: the ConfigMap's timeout and the NLB's certificate are carried.
    annotations = _ingresses(output)["app"]["metadata"]["annotations"]
    assert annotations[ALB + "load-balancer-attributes"] == "idle_timeout.timeout_seconds=120"
    assert annotations[ALB + "certificate-arn"] == arn


def test_a_canarys_own_allow_list_has_no_effect_and_the_mains_protects_its_requests() -> None:
    # annotations.md (Canary): a canary's non-canary annotations are ignored; its requests are served in the
    # main Ingress's location, under the main Ingress's protections.
    main_ingress = nginx_ingress("main", [("/", "Prefix", "svc")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    canary = nginx_ingress(
        "can",
        [("/", "Prefix", "canary")],
        {
            NGINX + "canary": "true",
            NGINX + "canary-by-header": "X-Canary",
            NGINX + "whitelist-source-range": "0.0.0.0/0",
        },
    )
    output, report = migrate([main_ingress, canary], Options(group="g"))
    assert report.held_back == [] and "shop/can" in report.folded
    (line,) = [f for f in report.findings if f.ingress == "shop/can" and f.annotation.endswith("source-range")]
    assert line.status == "converted" and "no effect" in line.detail
    assert _ingresses(output)["main"]["metadata"]["annotations"][ALB + "inbound-cidrs"] == "10.0.0.0/8"


def _class_with_params(spec: dict[str, Any]) -> list[Any]:
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "IngressClass",
            "metadata": {"name": "alb"},
            "spec": {
                "controller": "ingress.k8s.aws/alb",
                "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "alb-params"},
            },
        },
        {
            "apiVersion": "elbv2.k8s.aws/v1beta1",
            "kind": "IngressClassParams",
            "metadata": {"name": "alb-params"},
            "spec": spec,
        },
    ]


def test_ingress_class_params_that_would_expose_or_open_the_app_hold_it_back() -> None:
    # v3.5.0: the params' scheme and inboundCIDRs win over the annotations migrate writes.
    allow = nginx_ingress("admin", [("/", "Prefix", "a")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    _, report = migrate([*_class_with_params({"scheme": "internet-facing"}), allow], Options(group="g"))
    assert report.held_back == ["shop/admin"]
    assert _finding(report, "ingressClassName").status == "lost-protection"
    allow = nginx_ingress("admin", [("/", "Prefix", "a")], {NGINX + "whitelist-source-range": "10.0.0.0/8"})
    _, report = migrate([*_class_with_params({"inboundCIDRs": ["0.0.0.0/0"]}), allow], Options(group="g"))
    assert report.held_back == ["shop/admin"]
    # Params that agree, or restrict an app with no allow-list, take nothing away.
    plain = nginx_ingress("app", [("/", "Prefix", "a")], {})
    _, report = migrate([*_class_with_params({"scheme": "internal", "inboundCIDRs": ["10.0.0.0/8"]}), plain], Options())
    assert report.held_back == [] and "shop/app" in report.converted


def test_a_canary_header_rule_on_an_allow_listed_path_keeps_the_main_rule_reachable() -> None:
    # The 403 for refused clients goes after the last rule of the path: between the canary's header rule and the
    # main rule it would answer 403 to allowed clients without the header.
    public = nginx_ingress("public", [("/", "Prefix", "www")], {})
    admin = nginx_ingress("admin", [("/admin", "Prefix", "admin")], {NGINX + "whitelist-source-range": "10.0.0.1"})
    canary = nginx_ingress(
        "admin-canary",
        [("/admin", "Prefix", "admin2")],
        {NGINX + "canary": "true", NGINX + "canary-by-header": "X-Canary", NGINX + "canary-by-header-value": "yes"},
    )
    output, report = migrate([public, admin, canary], Options(group="g"))
    assert report.held_back == []
    ingresses = [o for o in output if o.get("kind") == "Ingress"]

    def served(ip: str, headers: dict[str, str]) -> str:
        outcome = alb_route(ingresses, AlbRequest(HOST, "/admin", headers, source_ip=ip))
        assert outcome is not None
        return outcome.targets[0][0] if outcome.kind == "forward" else outcome.redirect["statusCode"]

    assert served("10.0.0.1", {}) == "admin"
    assert served("10.0.0.1", {"x-canary": "yes"}) == "admin2"
    assert served("192.0.2.9", {}) == "403" and served("192.0.2.9", {"x-canary": "yes"}) == "403"


def test_env_values_expand_earlier_variables_and_config_map_keys_as_the_kubelet_does() -> None:
    deployment = _chart_deployment(["--configmap=$(CM)"], name="private")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "CM", "value": "$(POD_NAMESPACE)/guarded"})
    documents = [_configmap({"global-auth-url": "https://auth.example.com/check"}, name="guarded"), deployment]
    _, report = migrate([*documents, nginx_ingress("app", [("/", "Prefix", "a")], {})], Options(group="g"))
    assert _finding(report, "ConfigMap global-auth-url").status == "lost-protection"
    # The same name from a ConfigMap key.
    deployment = _chart_deployment(["--configmap=$(CM)"], name="private")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["env"].append({"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "names", "key": "cm"}}})
    documents = [
        _configmap({"cm": "ingress-nginx/guarded"}, name="names"),
        _configmap({"global-auth-url": "https://auth.example.com/check"}, name="guarded"),
        deployment,
    ]
    _, report = migrate([*documents, nginx_ingress("app", [("/", "Prefix", "a")], {})], Options(group="g"))
    assert _finding(report, "ConfigMap global-auth-url").status == "lost-protection"


def test_a_controller_configmap_missing_from_the_input_holds_its_class_back() -> None:
    documents = [_deployment(["--configmap=ingress-nginx/absent"]), nginx_ingress("app", [("/", "Prefix", "a")], {})]
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == ["shop/app"]
    assert "kubectl get configmap -n ingress-nginx absent" in _finding(report, "ConfigMap").detail
    # --controller-config says what it held.
    _, report = migrate(documents, Options(group="g", controller_config={"ssl-redirect": "true"}))
    assert report.held_back == []


def test_the_nlb_snippet_redirect_without_a_known_certificate_holds_back() -> None:
    snippet = "server {\n  listen 2443;\n  return 308 https://$host$request_uri;\n}\n"
    documents = [_configmap({"http-snippet": snippet}), nginx_ingress("web", [("/", "Prefix", "web")], {})]
    _, report = migrate(documents, Options(group="g"))
    assert report.held_back == ["shop/web"]
    assert _finding(report, "ConfigMap http-snippet").status == "lost-protection"


def test_a_configmap_force_ssl_redirect_is_reported_under_its_key() -> None:
    arn = "arn:aws:acm:us-east-1:111122223333:certificate/11111111-2222-3333-4444-555555555555"
    documents = [nginx_ingress("web", [("/", "Prefix", "web")], {})]
    output, report = migrate(
        documents, Options(group="g", certificate_arn=arn, controller_config={"force-ssl-redirect": "t"})
    )
    assert _ingresses(output)["web"]["metadata"]["annotations"][ALB + "ssl-redirect"] == "443"
    assert _finding(report, "ConfigMap force-ssl-redirect").status == "approximated"
    assert not [f for f in report.findings if f.annotation == "spec.tls"]


def test_a_controller_watching_ingresses_without_class_converts_them() -> None:
    classless = nginx_ingress("plain", [("/", "Prefix", "a")], {})
    del classless["spec"]["ingressClassName"]
    documents = [_deployment(["--watch-ingress-without-class=true"]), classless]
    _, report = migrate(documents, Options(group="g"))
    assert "shop/plain" in report.converted
    _, report = migrate([_deployment([]), json.loads(json.dumps(classless))], Options(group="g"))
    assert "shop/plain" not in report.converted


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Canary-Routing-Header-Extended-Name-Longer-Still", "true"),
        ("X-Canary", "v" * 130),
        ("X Canary", "true"),  # not an HTTP token: no ALB header condition takes it
        ("X-Can\u00e4ry", "true"),
    ],
)
def test_a_canary_header_the_alb_cannot_hold_leaves_out_only_the_canary_rule(header: str, value: str) -> None:
    """ELB API HttpHeaderConditionConfig: a name up to 40 characters, a value up to 128. The header rule would
    stop the group; only it is left out, and the main Ingress is written."""
    main = nginx_ingress("production", [("/", "Prefix", "prod")], {})
    canary = nginx_ingress(
        "canary",
        [("/", "Prefix", "canary")],
        {NGINX + "canary": "true", NGINX + "canary-by-header": header, NGINX + "canary-by-header-value": value},
    )
    output, report = migrate([main, canary], Options(group="g"))
    assert [d["metadata"]["name"] for d in output if d.get("kind") == "Ingress"] == ["production"]
    assert _finding(report, NGINX + "canary-by-header").status == "not-converted"


def test_an_empty_canary_header_value_is_no_value_as_ingress_nginx_reads_it() -> None:
    """parseString refuses "" (controller-v1.15.1 parser/main.go): the header then means always/never."""
    main = nginx_ingress("production", [("/", "Prefix", "prod")], {})
    canary = nginx_ingress(
        "canary",
        [("/", "Prefix", "canary")],
        {NGINX + "canary": "true", NGINX + "canary-by-header": "X-Canary", NGINX + "canary-by-header-value": ""},
    )
    output, _ = migrate([main, canary], Options(group="g"))
    values = [v for d in output if d.get("kind") == "Ingress" for v in d["metadata"]["annotations"].values()]
    (header,) = [json.loads(v) for v in values if '"httpHeaderName":"X-Canary"' in v]
    assert header[0]["httpHeaderConfig"]["values"] == ["always"]
