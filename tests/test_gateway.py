"""The stack in Gateway mode (alb.api: gateway): what it creates, in which order, and that every Gateway API and
controller object it writes is valid for the real CRDs, strictly and with their CEL rules, in both plan modes.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from albingress.components.app.gateway import bundle_older
from albingress.components.model import ConfigError
from albingress.facts.gateway_api import GATEWAY_API_CRDS_URL
from albingress.policies.guardrails import evaluate
from albingress.policies.review import Context, Resource
from albops.preview.cloud import MissingObjectError
from albops.preview.cloud_facts import CloudFacts, ClusterFacts
from albops.preview.plan import kubernetes_manifests
from albops.preview.runner import UNKNOWN, PlanResult, Registration, read_stack_file, run_program
from tests.conftest import run_plan, with_overrides
from tests.crd_validation import GATEWAY_KINDS, Rule, all_rules, validate

# The groups whose objects are checked against the CRDs in ../shared/crds.
CRD_GROUPS = ("gateway.networking.k8s.io/", "gateway.k8s.aws/", "elbv2.k8s.aws/")
# Every shipped stack, in its own mode and switched to the other (Auto Mode refuses Gateway mode: see below).
PLANS = [
    ("gateway", {}),
    ("stage", {"alb": {"api": "gateway"}}),
    ("sandbox", {"alb": {"api": "gateway"}}),
    ("pr", {"alb": {"api": "gateway"}}),
    ("gateway", {"alb": {"api": "ingress", "allowedNamespaces": None}, "gatewayApi": None, "apps": None}),
]
# The CEL rules cel-python does not evaluate on what the plans write: transition rules, which compare with
# the object before an update (oldSelf), and so never apply to a create. Any other rule left unevaluated
# fails test_every_rule_that_applies_is_evaluated.
TRANSITION_RULES = {("GatewayClass", "spec.controllerName", "self == oldSelf")}


def _config(stack: str, overrides: dict[str, Any]) -> dict[str, Any]:
    config = with_overrides(read_stack_file(stack), **{k: v for k, v in overrides.items() if v is not None})
    for key, value in overrides.items():
        if value is None:
            config.pop(f"alb-ingress:{key}", None)
        elif isinstance(value, dict):
            section = config[f"alb-ingress:{key}"]
            for name in [n for n, v in value.items() if v is None]:
                section.pop(name, None)
    return config


@pytest.fixture(scope="module", params=[(i, p) for i in range(len(PLANS)) for p in (True, False)], ids=str)
def planned(request: pytest.FixtureRequest) -> tuple[str, bool, PlanResult]:
    index, preview = request.param
    stack, overrides = PLANS[index]
    return stack, preview, run_program(_config(stack, overrides), stack, preview=preview)


@pytest.fixture(scope="module")
def gateway_apply() -> PlanResult:
    return run_program(read_stack_file("gateway"), "gateway", preview=False)


def _custom(result: PlanResult) -> list[dict[str, Any]]:
    return [m for m in kubernetes_manifests(result) if str(m["apiVersion"]).startswith(CRD_GROUPS)]


def test_every_gateway_object_validates_strictly_against_the_crds(planned: tuple[str, bool, PlanResult]) -> None:
    stack, preview, result = planned
    manifests = _custom(result)
    gateway_mode = any(m["kind"] == "Gateway" for m in manifests)
    if gateway_mode:
        assert {m["kind"] for m in manifests} == GATEWAY_KINDS
    for manifest in manifests:
        outcome = validate(manifest)
        assert outcome.errors == [], (stack, preview, manifest["kind"], outcome.errors)


def test_every_rule_that_applies_is_evaluated(planned: tuple[str, bool, PlanResult]) -> None:
    """cel-python runs every CEL rule on the plans' objects, except the transition rules listed above."""
    _, _, result = planned
    skipped: set[Rule] = set()
    evaluated = 0
    for manifest in _custom(result):
        outcome = validate(manifest)
        skipped |= outcome.not_evaluated
        evaluated += outcome.evaluated
    assert {(r.kind, r.path, r.rule) for r in skipped} <= TRANSITION_RULES
    if any(m["kind"] == "HTTPRoute" for m in _custom(result)):
        assert evaluated > 100  # the HTTPRoute's rules alone are dozens


def test_the_listed_rules_are_the_crds_transition_rules() -> None:
    """Every rule of the CRDs that only an update can evaluate (oldSelf) is listed, or known not to apply."""
    transition = {(r.kind, r.path, r.rule) for r in all_rules() if "oldSelf" in r.rule}
    assert transition >= TRANSITION_RULES
    assert len(list(all_rules())) > 150


@pytest.mark.parametrize(
    ("kind", "change", "fragment"),
    [
        ("HTTPRoute", lambda m: m["spec"].update(hostname=["x"]), "Additional properties"),
        ("Gateway", lambda m: m["spec"]["listeners"].append(dict(m["spec"]["listeners"][0])), "unique"),
        (
            "ListenerRuleConfiguration",
            lambda m: m["spec"]["actions"][0]["fixedResponseConfig"].update(statusCode=302),
            "fixedResponseConfig.statusCode",
        ),
        (
            "TargetGroupConfiguration",
            lambda m: m["spec"]["defaultConfiguration"].update(targetType="pod"),
            "is not one",
        ),
        (
            "HTTPRoute",
            lambda m: m["spec"]["rules"][1]["matches"][0]["path"].update(value="no-slash"),
            "spec.rules",
        ),
    ],
)
def test_a_wrong_object_is_refused(gateway_apply: PlanResult, kind: str, change: Any, fragment: str) -> None:
    of_kind = [m for m in _custom(gateway_apply) if m["kind"] == kind]
    manifest = copy.deepcopy(next((m for m in of_kind if m["metadata"]["name"] == "echoserver"), of_kind[0]))
    assert validate(manifest).errors == []
    change(manifest)
    errors = validate(manifest).errors
    assert errors and any(fragment in e for e in errors), errors


def _objects(result: PlanResult, kind: str) -> list[dict[str, Any]]:
    return [m for m in kubernetes_manifests(result) if m["kind"] == kind]


def _one(result: PlanResult, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [m for m in _objects(result, kind) if name is None or m["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [m["metadata"]["name"] for m in _objects(result, kind)])
    return found[0]


def _registration(result: PlanResult, kind: str, name: str) -> Registration:
    return next(r for r in result.resources if r.type.endswith(f":{kind}") and r.inputs["metadata"]["name"] == name)


def test_the_gateway_carries_what_the_group_annotations_carry(gateway_apply: PlanResult) -> None:
    config = _one(gateway_apply, "LoadBalancerConfiguration")["spec"]
    assert config["scheme"] == "internet-facing"
    (listener,) = config["listenerConfigurations"]
    assert listener["protocolPort"] == "HTTPS:443"
    assert listener["defaultCertificate"].endswith("3c9d2a7e-1f4b-4e8a-b6d0-7a5e2c9f1b84")
    assert listener["certificates"] == [
        "arn:aws:acm:us-west-2:111122223333:certificate/8d2f6b1a-4c3e-4f7a-9e21-5b6c7d8e9f01"
    ]
    assert listener["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert {"key": "idle_timeout.timeout_seconds", "value": "3600"} in config["loadBalancerAttributes"]
    assert config["tags"]["team"] == "platform" and config["tags"]["stack"] == "gateway"
    gateway = _one(gateway_apply, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == _one(gateway_apply, "GatewayClass")["metadata"]["name"]
    assert _one(gateway_apply, "GatewayClass")["spec"] == {"controllerName": "gateway.k8s.aws/alb"}
    assert gateway["spec"]["infrastructure"]["parametersRef"]["name"] == "gateway-shared"
    assert "tls" not in json.dumps(gateway["spec"]["listeners"])  # certificateRefs are not supported


def test_allowed_routes_admit_only_the_named_namespaces(gateway_apply: PlanResult) -> None:
    listeners = {item["name"]: item for item in _one(gateway_apply, "Gateway")["spec"]["listeners"]}
    https = listeners["https-443"]["allowedRoutes"]["namespaces"]
    assert https["from"] == "Selector"
    assert https["selector"]["matchExpressions"] == [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["echoserver", "payments"]}
    ]
    # HTTP only redirects: a team's route there would serve clear text, so only the Gateway's namespace.
    assert listeners["http-80"]["allowedRoutes"]["namespaces"] == {"from": "Same"}
    redirect = _one(gateway_apply, "HTTPRoute", "gateway-shared-https-redirect")["spec"]
    assert redirect["parentRefs"] == [{"name": "gateway-shared", "sectionName": "http-80"}]
    assert redirect["rules"][0]["filters"][0]["requestRedirect"] == {"scheme": "https", "port": 443, "statusCode": 301}


def test_the_gateway_s_own_namespace_is_always_admitted() -> None:
    """Else the echoserver's own route would never be accepted, and pulumi up would wait for it in vain."""
    config = with_overrides(read_stack_file("gateway"), alb={"allowedNamespaces": ["payments"]})
    result = run_program(config, "gateway", preview=True)
    listeners = {item["name"]: item for item in _one(result, "Gateway")["spec"]["listeners"]}
    selector = listeners["https-443"]["allowedRoutes"]["namespaces"]["selector"]
    assert selector["matchExpressions"][0]["values"] == ["echoserver", "payments"]


def test_without_allowed_namespaces_the_gateway_is_its_namespace_s_alone() -> None:
    config = {k: v for k, v in read_stack_file("gateway")["alb-ingress:alb"].items() if k != "allowedNamespaces"}
    result = run_program(
        {**with_overrides(read_stack_file("gateway"), apps=[]), "alb-ingress:alb": config}, "gateway", preview=False
    )
    for listener in _one(result, "Gateway")["spec"]["listeners"]:
        assert listener["allowedRoutes"]["namespaces"] == {"from": "Same"}


def test_the_echoserver_route_strips_its_prefix_and_the_alb_answers_the_fixed_path(gateway_apply: PlanResult) -> None:
    route = _one(gateway_apply, "HTTPRoute", "echoserver")
    spec = route["spec"]
    assert spec["hostnames"] == ["gw.example.com"]
    assert spec["parentRefs"] == [{"name": "gateway-shared", "sectionName": "https-443"}]
    fixed, echo = spec["rules"]
    assert fixed["matches"] == [{"path": {"type": "Exact", "value": "/"}}] and "backendRefs" not in fixed
    assert fixed["filters"][0]["extensionRef"]["name"] == "echoserver-fixed-response"
    assert echo["matches"] == [{"path": {"type": "PathPrefix", "value": "/echo"}}]
    assert echo["filters"] == [
        {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
    ]
    assert echo["backendRefs"] == [{"name": "echoserver", "port": 80}]
    fixed_config = _one(gateway_apply, "ListenerRuleConfiguration")["spec"]["actions"][0]
    assert fixed_config == {
        "type": "fixed-response",
        "fixedResponseConfig": {"statusCode": 200, "contentType": "text/plain", "messageBody": "Path is /"},
    }


def test_target_groups_take_pods_the_health_check_and_the_drain(gateway_apply: PlanResult) -> None:
    config = _one(gateway_apply, "TargetGroupConfiguration", "echoserver")["spec"]
    assert config["targetReference"] == {"name": "echoserver"}
    default = config["defaultConfiguration"]
    assert default["targetType"] == "ip"
    assert default["healthCheckConfig"]["healthCheckPath"] == "/"
    assert default["targetGroupAttributes"] == [{"key": "deregistration_delay.timeout_seconds", "value": "60"}]
    deployment = _one(gateway_apply, "Deployment")["spec"]["template"]["spec"]
    assert deployment["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"] > 60


def test_the_deployment_waits_for_the_route_and_the_gateway_for_its_condition(gateway_apply: PlanResult) -> None:
    """No built-in await for these kinds: pulumi.com/waitFor holds the Deployment back until the route is
    accepted, so the target group binding exists and the first pods get readiness gates."""
    gateway = _registration(gateway_apply, "Gateway", "gateway-shared")
    route = _registration(gateway_apply, "HTTPRoute", "echoserver")
    deployment = _registration(gateway_apply, "Deployment", "echoserver")
    assert gateway.inputs["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Programmed"
    waits = json.loads(route.inputs["metadata"]["annotations"]["pulumi.com/waitFor"])
    assert any('"Accepted"' in w for w in waits) and any('"ResolvedRefs"' in w for w in waits)
    assert route.urn in deployment.dependencies and gateway.urn in deployment.dependencies
    assert gateway.urn in route.dependencies
    namespace = next(r for r in gateway_apply.resources if r.type == "kubernetes:core/v1:Namespace")
    assert namespace.inputs["metadata"]["labels"]["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"


def test_gateway_api_crds_come_first_and_stay_on_delete(gateway_apply: PlanResult) -> None:
    files = {r.inputs["file"]: r for r in gateway_apply.by_type("kubernetes:yaml/v2:ConfigFile")}
    crds = files[GATEWAY_API_CRDS_URL]
    assert crds.retain_on_delete
    release = gateway_apply.by_type("kubernetes:helm.sh/v3:Release")[0]
    assert crds.urn in release.dependencies  # the controller finds the CRDs only when it starts
    values = release.inputs["values"]
    assert values["controllerConfig"] == {"featureGates": {"ALBGatewayAPI": True}}
    assert values["podAnnotations"] == {"alb-ingress/gateway-api-bundle-version": "v1.6.0"}
    gateway_class = _registration(gateway_apply, "GatewayClass", "alb")
    assert release.urn in gateway_class.dependencies


def test_switching_a_stack_to_gateway_mode_rolls_the_controller(stage_apply: PlanResult) -> None:
    """The pod template changes (an annotation naming the bundle), so the Deployment rolls and its new pods find
    the CRDs; in Ingress mode nothing of Gateway API is made."""
    gateway = run_program(_config("stage", {"alb": {"api": "gateway"}}), "stage", preview=False)
    before = stage_apply.by_type("kubernetes:helm.sh/v3:Release")[0].inputs["values"]
    after = gateway.by_type("kubernetes:helm.sh/v3:Release")[0].inputs["values"]
    assert "podAnnotations" not in before and "controllerConfig" not in before
    assert after["podAnnotations"]["alb-ingress/gateway-api-bundle-version"] == "v1.6.0"
    assert not [r for r in stage_apply.resources if "gateway.networking.k8s.io" in r.type]
    assert len(stage_apply.by_type("kubernetes:yaml/v2:ConfigFile")) == 2
    assert _objects(stage_apply, "Ingress") and not _objects(gateway, "Ingress")


def _facts(bundle: str | None) -> CloudFacts:
    return CloudFacts(clusters={"gateway-demo": ClusterFacts("gateway-demo", gateway_api_bundle=bundle)})


def test_without_installing_crds_an_older_bundle_is_refused() -> None:
    config = with_overrides(read_stack_file("gateway"), gatewayApi={"installCrds": False})
    result = run_program(config, "gateway", preview=False, facts=_facts("v1.6.0"))
    assert GATEWAY_API_CRDS_URL not in {r.inputs["file"] for r in result.by_type("kubernetes:yaml/v2:ConfigFile")}
    with pytest.raises(Exception, match=r"v1\.4\.1, older than v1\.6\.0") as refused:
        run_program(config, "gateway", preview=True, facts=_facts("v1.4.1"))
    assert "install_gateway_api_crds" in str(refused.value) and "chart and GatewayClass were not" in str(refused.value)
    with pytest.raises(LookupError, match="no Gateway API CRDs"):
        run_program(config, "gateway", preview=False, facts=_facts(None))


@pytest.mark.parametrize(
    ("facts", "code", "fragment"),
    [
        ("gatewayApiBundle: v1.5.1", 2, "are v1.5.1, older than v1.6.0"),
        ("exists: true", 2, "the cluster has no Gateway API CRDs"),  # (v1.6.0 passes: see above, in process)
    ],
)
def test_the_plan_says_why_the_cluster_s_crds_are_refused(tmp_path: Path, facts: str, code: int, fragment: str) -> None:
    root = Path(__file__).resolve().parents[1]
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((root / name).read_text())
    stack = (root / "Pulumi.gateway.yaml").read_text().replace("installCrds: true", "installCrds: false")
    (project / "Pulumi.gateway.yaml").write_text(stack)
    (tmp_path / "facts.yaml").write_text(f"clusters:\n  gateway-demo:\n    {facts}\n")
    done = run_plan(
        "--stack",
        "gateway",
        "--project-dir",
        str(project),
        "--cloud-facts",
        str(tmp_path / "facts.yaml"),
        "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert done.returncode == code, done.stderr
    assert fragment in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_bundle_versions_compare_as_releases() -> None:
    assert bundle_older("v1.5.1") and bundle_older("v1.10.0", "v1.11.0") and bundle_older("")
    assert not bundle_older("v1.6.0") and not bundle_older("v1.10.0") and not bundle_older("v2.0.0")
    assert bundle_older("garbage") and bundle_older("v1.6")


def test_the_guardrails_read_gateway_objects(gateway_apply: PlanResult) -> None:
    resources = [Resource(r.type, r.name, r.inputs) for r in gateway_apply.resources]
    assert evaluate(resources, Context(environment="staging")) == []

    def broken(kind: str, change: Any) -> list[str]:
        copied = copy.deepcopy(resources)
        for index, item in enumerate(copied):
            if item.type.endswith(f":{kind}"):
                props = copy.deepcopy(dict(item.props))
                change(props)
                copied[index] = Resource(item.type, item.name, props)
        return sorted({v.rule for v in evaluate(copied, Context(environment="production"))})

    def instance(props: dict[str, Any]) -> None:
        props["spec"]["defaultConfiguration"]["targetType"] = "instance"

    def weak_tls(props: dict[str, Any]) -> None:
        props["spec"]["listenerConfigurations"][0]["sslPolicy"] = "ELBSecurityPolicy-TLS-1-1-2017-01"

    def no_redirect(props: dict[str, Any]) -> None:
        if props["metadata"]["name"].endswith("https-redirect"):
            props["spec"]["rules"][0]["filters"] = []

    assert "alb-target-type-ip" in broken("TargetGroupConfiguration", instance)
    assert "alb-tls-policy" in broken("LoadBalancerConfiguration", weak_tls)
    assert "alb-ssl-redirect" in broken("HTTPRoute", no_redirect)
    # staging has no deletion protection: production would be refused on the Gateway too
    assert "production-protection" in broken("Gateway", lambda props: None)


def test_auto_mode_refuses_gateway_mode_with_the_reason() -> None:
    config = with_overrides(read_stack_file("auto"), alb={"api": "gateway"})
    with pytest.raises(ConfigError) as refused:
        run_program(config, "auto", preview=True)
    message = str(refused.value)
    assert "alb-ingress:alb.api" in message and "Auto Mode" in message and "alb.api: ingress" in message


def test_the_plan_diff_shows_the_gateway_objects_and_what_the_controller_replaces(stage_apply: PlanResult) -> None:
    from albops.preview.diff import diff_plans, render
    from albops.preview.plan import plan_document

    def plan(result: PlanResult) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(json.dumps(plan_document(result), default=str))
        return document

    internal = run_program(_config("gateway", {"alb": {"scheme": "internal"}}), "gateway", preview=False)
    gateway = run_program(read_stack_file("gateway"), "gateway", preview=False)
    stage_gateway = run_program(_config("stage", {"alb": {"api": "gateway"}}), "stage", preview=False)
    switched = diff_plans(plan(stage_apply), plan(stage_gateway), "main", "stage")
    assert {t.rsplit(":", 1)[-1] for t, _ in switched.added} == GATEWAY_KINDS | {"ConfigFile"}  # + the CRDs
    assert ("kubernetes:networking.k8s.io/v1:Ingress", "stage-echoserver-ingress") in switched.removed
    assert "Helm" in render(switched) or any(c.type.endswith(":Release") for c in switched.changed)
    scheme = diff_plans(plan(gateway), plan(internal), "main", "gateway")
    text = render(scheme)
    assert "spec.scheme: internet-facing -> internal" in text
    assert "recreates the Gateway's ALB" in text


# -- apps on the Gateway, the stack's keys ------------------------------------------------------------


def _gateway_app(**extra: Any) -> dict[str, Any]:
    return {
        "name": "shop",
        "namespace": "payments",
        "serviceName": "shop",
        "servicePort": 8080,
        "hosts": ["shop.example.com"],
        **extra,
    }


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        ({"gatewayApi": {"installCrds": False}}, "alb-ingress:gatewayApi", "only applies with alb.api: gateway"),
        ({"alb": {"api": "gatway"}}, "alb-ingress:alb.api", "gateway"),
        ({"alb": {"allowedNamespaces": ["team-a"]}}, "alb-ingress:alb.allowedNamespaces", "alb.api: gateway"),
        ({"apps": [_gateway_app(api="gateway")]}, "alb-ingress:apps[0].api", "the stack makes no Gateway"),
    ],
)
def test_ingress_stacks_refuse_the_gateway_keys(overrides: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as refused:
        run_program(with_overrides(read_stack_file("stage"), **overrides), "stage", preview=True)
    found = {p.key: p.message for p in refused.value.problems}
    assert key in found and fragment in found[key], found


@pytest.mark.parametrize(
    ("app", "key", "fragment"),
    [
        (_gateway_app(namespace="team-z"), "alb-ingress:apps[0].namespace", "not admitted by the Gateway's listeners"),
        (_gateway_app(group="other"), "alb-ingress:apps[0].group", "the stack's one Gateway is 'gateway-shared'"),
        (_gateway_app(shards=2, group="gateway-shared"), "alb-ingress:apps[0].shards", "a Gateway is one ALB"),
        (_gateway_app(order=5), "alb-ingress:apps[0].order", "Gateway API has no group.order"),
        (
            _gateway_app(paths=[{"path": "/a*b"}], stripPrefix=True),
            "alb-ingress:apps[0].stripPrefix",
            "does not escape the prefix",
        ),
    ],
)
def test_apps_on_the_stack_s_gateway_are_checked(app: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as refused:
        run_program(with_overrides(read_stack_file("gateway"), apps=[app]), "gateway", preview=True)
    found = {p.key: p.message for p in refused.value.problems}
    assert key in found and fragment in found[key], found


def test_two_gateway_apps_on_one_service_are_refused_before_anything_is_made() -> None:
    """The controller reads one TargetGroupConfiguration per Service: a second app on it (or one on the
    echoserver's own Service) would be refused by the API server half-way through pulumi up."""
    shop, again = _gateway_app(), _gateway_app(name="shop-beta", hosts=["beta.shop.example.com"])
    echo = _gateway_app(name="echo-too", namespace="echoserver", serviceName="echoserver", servicePort=80)
    for apps, key, fragment in (
        (
            [shop, again],
            "alb-ingress:apps",
            "apps shop and shop-beta both route to Service payments/shop through Gateway API",
        ),
        # An app in the echoserver's namespace is refused as such (a destroy deletes that namespace).
        ([echo], "alb-ingress:apps[0].namespace", "'echoserver' is the echoserver's namespace"),
    ):
        with pytest.raises(ConfigError) as refused:
            run_program(with_overrides(read_stack_file("gateway"), apps=apps), "gateway", preview=True)
        found = {p.key: p.message for p in refused.value.problems}
        assert fragment in found[key], found
    # As Ingresses each app has target groups of its own: the same two apps are fine there.
    ingress_apps = [{**app, "api": "ingress", "group": "team-a-alb"} for app in (shop, again)]
    result = run_program(with_overrides(read_stack_file("gateway"), apps=ingress_apps), "gateway", preview=True)
    assert sorted(i["metadata"]["name"] for i in _objects(result, "Ingress")) == ["shop", "shop-beta"]


def test_one_service_per_gateway_app_is_counted_per_namespace() -> None:
    from albingress.components.app.component import conflicts, plan_app

    def plan(name: str, namespace: str, api: str = "gateway") -> Any:
        app = {"namespace": namespace, "service_name": "web", "service_port": 80, "hosts": [f"{name}.example.com"]}
        gateway = {"api": "gateway", "gateway_namespace": "infra"} if api == "gateway" else {}
        made, problems = plan_app(name, {**app, "group": "g", **gateway})
        assert made is not None and not problems
        return made

    assert conflicts([plan("a", "team-a"), plan("b", "team-b")]) == []  # two Services of the same name
    assert conflicts([plan("a", "team-a"), plan("b", "team-a", api="ingress")]) == []
    (problem,) = conflicts([plan("a", "team-a"), plan("b", "team-a")])
    assert problem.startswith("apps a and b both route to Service team-a/web")


def test_an_app_moves_to_the_gateway_by_its_api_key(gateway_apply: PlanResult) -> None:
    """The same app as an Ingress (api: ingress) beside the Gateway, or as a route on it: one at a time."""
    ingress_app = _gateway_app(api="ingress", namespace="team-a", group="team-a-alb")
    result = run_program(with_overrides(read_stack_file("gateway"), apps=[ingress_app]), "gateway", preview=False)
    (ingress,) = _objects(result, "Ingress")
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == "team-a-alb"
    route = _one(gateway_apply, "HTTPRoute", "payments")
    assert route["spec"]["parentRefs"] == [
        {"name": "gateway-shared", "namespace": "echoserver", "sectionName": "https-443"}
    ]
    config = _one(gateway_apply, "TargetGroupConfiguration", "payments-api")["spec"]["defaultConfiguration"]
    assert config["targetType"] == "ip" and config["healthCheckConfig"]["healthCheckPath"] == "/healthz"


def test_the_component_s_gateway_inputs_apply_with_api_gateway_only() -> None:
    from albingress.components.app.component import plan_app

    app = {"namespace": "t", "service_name": "s", "service_port": 80, "hosts": ["a.example.com"], "group": "g"}
    plan, problems = plan_app(
        "a", {**app, "api": "gateway", "gateway_listeners": ["https-443"], "gateway_namespace": "infra"}
    )
    assert plan is not None and not problems and plan.gateway_namespace == "infra"
    _, problems = plan_app("a", {**app, "gateway_namespace": "infra"})
    assert problems == ["args.gateway_namespace: only applies with api gateway: set api: gateway, or remove it"]


def test_the_component_refuses_a_certificate_on_a_route(tmp_path: Path) -> None:
    import albingress
    from tests.test_apps import _program

    body = (
        'albingress.AlbApp("a", {"namespace": "t", "service_name": "s", "service_port": 80, "group": "g",\n'
        '    "hosts": ["a.example.com"], "api": "gateway", "gateway_namespace": "infra",\n'
        '    "certificate_arn": "arn:aws:acm:us-west-2:111122223333:certificate/'
        + "0" * 8
        + "-0000-0000-0000-"
        + "0" * 12
        + '"},\n'
        "    opts=opts)\n"
    )
    with pytest.raises(albingress.AppInputError) as refused:
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, "import albingress\n" + body))
    assert "a route cannot carry a certificate" in str(refused.value)
    body = (
        body.replace(', \n    "certificate_arn"', "").split('"certificate_arn"')[0].rstrip(",\n ") + "}, opts=opts)\n"
    )
    # The Gateway is another team's (here made first in the same program): the app reads the ALB's name from it.
    gateway = (
        'gw = k8s.apiextensions.CustomResource("g", api_version="gateway.networking.k8s.io/v1", kind="Gateway",\n'
        '    metadata={"name": "g", "namespace": "infra"}, spec={"gatewayClassName": "alb", "listeners": []},\n'
        "    opts=opts)\n"
        "opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[gw]))\n"
    )
    exports = 'pulumi.export("host", app.alb_hostname)\n'
    program = "import albingress\n" + gateway + body.replace("albingress.AlbApp(", "app = albingress.AlbApp(") + exports
    result = run_program({}, "dev", preview=False, project_dir=_program(tmp_path, program))
    kinds = {r.type.rsplit(":", 1)[-1] for r in result.resources}
    assert {"HTTPRoute", "TargetGroupConfiguration"} <= kinds and "Ingress" not in kinds
    route = next(r for r in result.resources if r.type.endswith(":HTTPRoute"))
    assert route.inputs["spec"]["parentRefs"] == [{"name": "g", "namespace": "infra", "sectionName": "https-443"}]
    assert re.fullmatch(r"k8s-g-[0-9a-f]{10}-\d+\.us-east-1\.elb\.amazonaws\.com", result.outputs["host"])
    assert sum(r.type.endswith(":Gateway") for r in result.resources) == 1  # read, not made again
    preview = run_program({}, "dev", preview=True, project_dir=_program(tmp_path, program))
    assert preview.outputs["host"] == UNKNOWN  # the route is new: the read waits for the update
    # No such Gateway: the update fails naming it, as the read would under pulumi up.
    with pytest.raises(MissingObjectError, match="Gateway infra/g does not exist"):
        run_program({}, "dev", preview=False, project_dir=_program(tmp_path, "import albingress\n" + body))
