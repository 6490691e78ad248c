"""The classes an outside review found leaking through the guardrails (issue 20, section 4 and the IAM bullet of
section 3), each through ``albops check`` documents and, for IAM, the stack file's extraPolicyArns.

Expected results are written by hand from the sources named beside them: the controller at v3.5.0
(pkg/config/feature_gates.go, pkg/ingress/model_builder.go buildSSLRedirectConfig and mergeListenPortConfigs,
model_build_load_balancer.go buildLoadBalancerScheme, model_build_listener.go computeIngressListenPorts,
class_loader.go Load, pkg/annotations/parser.go ParseInt32Annotation, Go's strconv.ParseInt and
encoding/json), the IAM User Guide (policy evaluation logic, the Condition element, iam:PassedToService) and
how POSIX sh runs a ``-c`` script.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from albingress.facts import managed_policies
from albingress.facts.role_launchers import role_launchers
from albingress.policies.guardrails import exec_wait
from albingress.policies.iam_judge import permission_findings, trust_findings
from albops.__main__ import main
from tests.test_judges import ANN, CERT, _check, _ingress, _rules, _service, _workload

ROLES = "arn:aws:iam::111122223333:role/*"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


# -- 1. a Deny cancels only what it provably covers ------------------------------------------------------------


@pytest.mark.parametrize(
    "deny",
    [
        {"Effect": "Deny", "Action": "*", "NotResource": ROLES},  # leaves every role out of the Deny
        {"Effect": "Deny", "Action": "iam:*", "NotResource": "arn:aws:iam::111122223333:role/tagged-*"},
        {"Effect": "Deny", "Action": "iam:*", "Resource": "arn:aws:iam::111122223333:role/prod-*"},  # some roles
        {"Effect": "Deny", "Action": "iam:*", "Resource": "arn:aws-cn:*"},  # another partition only
        {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ],
)
def test_a_deny_that_leaves_resources_out_cancels_nothing(deny: dict[str, Any]) -> None:
    found = permission_findings(_doc(_allow(["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"]), deny))
    assert any("privilege escalation" in f for f in found), found


@pytest.mark.parametrize(
    "deny_resource",
    ["*", "arn:*", ROLES, ["arn:aws:iam::111122223333:role/app", "arn:aws:s3:::x"]],
)
def test_a_deny_that_covers_the_allows_resources_cancels_it(deny_resource: Any) -> None:
    allow = _allow("iam:PutRolePolicy", "arn:aws:iam::111122223333:role/app")
    assert permission_findings(_doc(allow, {"Effect": "Deny", "Action": "iam:*", "Resource": deny_resource})) == []


def test_check_and_the_stack_file_refuse_a_notresource_deny_escalation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = json.loads(_doc(_allow(["iam:PutRolePolicy"]), {"Effect": "Deny", "Action": "*", "NotResource": ROLES}))
    assert "iam-escalation" in _rules(_check(tmp_path, capsys, policy, name="p.json"))


# -- 2. PassRole with any launcher, and escalation without PassRole ----------------------------------------


@pytest.mark.parametrize(
    "launcher",
    [
        "glue:CreateJob",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateProcessingJob",
        "cloudformation:CreateChangeSet",
        "datapipeline:CreatePipeline",
        "autoscaling:CreateAutoScalingGroup",
        "ec2:CreateLaunchTemplate",
        "batch:SubmitJob",
        "elasticmapreduce:RunJobFlow",
        "states:CreateStateMachine",
        "apprunner:CreateService",
        "eks:CreateNodegroup",
    ],
)
def test_passrole_with_a_launcher_the_models_list_is_escalation(launcher: str) -> None:
    assert launcher in role_launchers()
    found = permission_findings(_doc(_allow("iam:PassRole", ROLES), _allow(launcher)))
    assert any("iam:PassRole" in f and launcher in f for f in found), found


@pytest.mark.parametrize(
    "action",
    [
        "lambda:UpdateFunctionCode",
        "glue:UpdateDevEndpoint",
        "ssm:SendCommand",
        "ssm:StartSession",
        "ec2-instance-connect:SendSSHPublicKey",
        "codebuild:StartBuild",
        "sso:PutInlinePolicyToPermissionSet",
    ],
)
def test_code_injection_into_running_compute_is_escalation_without_passrole(action: str) -> None:
    found = permission_findings(_doc(_allow(action)))
    assert any("without PassRole" in f and action in f for f in found), found


def test_passrole_limited_to_another_service_does_not_reach_the_launcher() -> None:
    """iam:PassedToService lambda.amazonaws.com: the role cannot be passed to EC2, so RunInstances with it gives
    nothing; passed to EC2 it becomes an instance profile, which every launcher may start."""
    limited = {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    assert permission_findings(_doc(_allow("iam:PassRole", ROLES, Condition=limited), _allow("ec2:RunInstances"))) == []
    found = permission_findings(_doc(_allow("iam:PassRole", ROLES, Condition=limited), _allow("lambda:CreateFunction")))
    assert any("lambda:CreateFunction" in f for f in found)
    to_ec2 = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert permission_findings(_doc(_allow("iam:PassRole", ROLES, Condition=to_ec2), _allow("batch:SubmitJob")))


def test_the_launcher_list_is_generated_from_botocore() -> None:
    from albingress.facts.generate_role_launchers import generate

    # A few services' models (loading all of them takes seconds): the committed list agrees with them.
    services = {
        "glue": "glue",
        "sagemaker": "sagemaker",
        "stepfunctions": "states",
        "ec2": "ec2",
        "s3": "s3",
        "s3control": "s3",
    }
    generated = set(generate(services)["actions"])
    committed = {a for a in role_launchers() if a.split(":")[0] in services.values()}
    assert generated == committed, "regenerate: python -m albingress.facts.generate_role_launchers"
    assert {"glue:CreateJob", "states:CreateStateMachine", "ec2:RunInstances"} <= generated
    assert "s3:GetObject" not in generated and "ec2:DescribeInstances" not in generated


@pytest.mark.parametrize(
    "name",
    [
        "AWSBatchFullAccess",
        "AmazonEventBridgeFullAccess",
        "AmazonEMRFullAccessPolicy_v2",
        "AWSSSOMemberAccountAdministrator",
        "AmazonSSMFullAccess",
        "AWSCodeBuildAdminAccess",
        "service-role/AWSGlueServiceRole",
        "AmazonElastiCacheFullAccess",  # an Allow with NotResource, kept by the snapshot
    ],
)
def test_powerful_managed_policies_of_the_snapshot_are_found(name: str) -> None:
    document = managed_policies.managed_policy(name)
    assert document is not None and permission_findings(document), name


def test_the_snapshot_keeps_allow_statements_with_notresource_whole() -> None:
    kept = managed_policies.managed_policy("AmazonElastiCacheFullAccess")
    assert kept is not None
    assert any("NotResource" in s and s["Effect"] == "Allow" for s in kept["Statement"])


def test_the_stack_file_refuses_launcher_and_injection_managed_policies() -> None:
    from albingress.components.model import ConfigError
    from albingress.stack_settings import parse_settings
    from albops.preview.runner import read_stack_file

    config = copy.deepcopy(read_stack_file("stage"))
    config["alb-ingress:controller"]["iam"] = {
        "extraPolicyArns": [
            "arn:aws:iam::aws:policy/AWSBatchFullAccess",
            "arn:aws:iam::aws:policy/AmazonSSMFullAccess",
            "arn:aws:iam::aws:policy/AmazonElastiCacheFullAccess",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ]
    }
    with pytest.raises(ConfigError) as raised:
        parse_settings(config, stack="stage")
    (problem,) = raised.value.problems
    assert "3 extra policies give" in problem.message, problem.message
    assert "AWSBatchFullAccess" in problem.message and "AmazonSSMFullAccess" in problem.message
    assert "AmazonElastiCacheFullAccess" in problem.message and "ReadOnlyAccess" not in problem.message


# -- 3. a trust Deny pins only as its one condition, for the allowed action ------------------------------


def _open_trust(deny: dict[str, Any]) -> str:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    return _doc(allow, {"Effect": "Deny", "Principal": "*", **deny})


@pytest.mark.parametrize(
    "deny",
    [
        {  # ANDed with a condition that never holds over TLS: the Deny never fires
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringNotEquals": {"aws:PrincipalOrgID": "o-abc"},
                "Bool": {"aws:SecureTransport": "false"},
            },
        },
        {  # ANDed with a region: callers elsewhere pass
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringNotEquals": {"aws:PrincipalOrgID": "o-abc"},
                "StringEquals": {"aws:RequestedRegion": "us-east-1"},
            },
        },
        {  # covers another action than the one allowed
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
        },
    ],
)
def test_a_deny_that_does_not_always_fire_pins_nothing(deny: dict[str, Any]) -> None:
    assert any("trusts every principal" in f for f in trust_findings(_open_trust(deny)))


def test_a_deny_whose_one_condition_is_the_pin_pins() -> None:
    deny = {"Action": "sts:AssumeRole", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}
    assert trust_findings(_open_trust(deny)) == []


def test_a_non_eks_issuer_is_not_called_a_cluster() -> None:
    github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    loose = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": github},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": loose,
    }
    (finding,) = trust_findings(_doc(statement))
    assert "GitHub Actions workflow" in finding and "cluster" not in finding


# -- 4-7. the Ingress as the controller builds its group ----------------------------------------------------


def _member(name: str, annotations: dict[str, str | None]) -> dict[str, Any]:
    """A second Ingress of the group with its own host and no scheme of its own."""
    ingress = _ingress({ANN + "scheme": None, ANN + "ssl-redirect": None, ANN + "ssl-policy": None, **annotations})
    ingress["metadata"]["name"] = name
    ingress["spec"]["rules"][0]["host"] = f"{name}.example.com"
    return ingress


def test_a_member_without_a_scheme_is_internet_facing_with_its_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """buildLoadBalancerScheme: one scheme per group; B's HTTPS 8443 without ssl-policy serves 2016-08 outside."""
    a = _ingress({ANN + "certificate-arn": CERT, ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]'})
    b = _member("b", {ANN + "listen-ports": '[{"HTTPS": 8443}]', ANN + "certificate-arn": CERT})
    found = _check(tmp_path, capsys, a, b, _service())
    assert [(v["rule"], v["resource"]) for v in found] == [("alb-tls-policy", "Ingress team/b")]


def test_a_member_sharing_a_port_takes_the_ssl_policy_and_certificate_set_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """mergeListenPortConfigs: one listener per port; the policy and certificates any member sets apply to it."""
    a = _ingress({ANN + "certificate-arn": CERT, ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]'})
    b = _member("b", {ANN + "listen-ports": '[{"HTTPS": 443}]'})
    # A host of its own: b sorts before web in the group (namespace/name), so a host-less rule would take web's.
    b["spec"]["rules"][0]["host"] = "b.example.com"
    assert _check(tmp_path, capsys, a, b, _service()) == []


def test_https_without_any_certificate_on_its_port_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _ingress({ANN + "certificate-arn": CERT, ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]'})
    b = _member(
        "z", {ANN + "listen-ports": '[{"HTTPS": 8443}]', ANN + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
    )
    # No host (no certificate to discover for it), its own path, and after web in the group's order (namespace/name),
    # so it takes none of web's routes.
    b["spec"]["rules"][0].pop("host")
    b["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/z"
    found = _check(tmp_path, capsys, a, b, _service())
    assert [(v["rule"], v["resource"]) for v in found] == [("alb-https", "Ingress team/z")]


def _release(gates: dict[str, Any]) -> dict[str, Any]:
    return {
        "chart": "aws-load-balancer-controller",
        "version": "3.5.0",
        "values": {"controllerConfig": {"featureGates": gates}},
    }


def test_create_acm_cert_opens_https_only_under_the_feature_gate() -> None:
    from albingress.policies.guardrails import evaluate, rule
    from albingress.policies.review import HELM_RELEASE, INGRESS, Resource

    ingress = Resource(INGRESS, "web", _ingress({ANN + "create-acm-cert": "true"}))
    rules = [rule("alb-https")]
    assert [v.rule for v in evaluate([ingress], rules=rules)] == ["alb-https"]
    on = Resource(HELM_RELEASE, "lbc", _release({"EnableCertificateManagement": True}))
    assert evaluate([ingress, on], rules=rules) == []
    off = Resource(HELM_RELEASE, "lbc", _release({"EnableCertificateManagement": False}))
    assert [v.rule for v in evaluate([ingress, off], rules=rules)] == ["alb-https"]


@pytest.mark.parametrize(("value", "group_stops"), [(" 443", True), ("443 ", True), ("٤٤٣", True), ("https", True)])
def test_an_ssl_redirect_annotation_go_cannot_parse_stops_the_group(
    value: str, group_stops: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress(
        {
            ANN + "certificate-arn": CERT,
            ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            ANN + "ssl-redirect": value,
        }
    )
    (finding,) = [v for v in _check(tmp_path, capsys, ingress, _service()) if v["rule"] == "alb-ssl-redirect"]
    assert "stops the whole group" in finding["message"] and repr(value) in finding["message"]


def test_a_signed_ssl_redirect_is_what_go_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = _ingress(
        {
            ANN + "certificate-arn": CERT,
            ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            ANN + "ssl-redirect": "+443",
        }
    )
    assert _check(tmp_path, capsys, ingress, _service()) == []


def _params_class(port: str) -> list[dict[str, Any]]:
    params = {
        "apiVersion": "elbv2.k8s.aws/v1beta1",
        "kind": "IngressClassParams",
        "metadata": {"name": "pub"},
        "spec": {"sslRedirectPort": port, "group": {"name": "pub"}},
    }
    cls = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "alb"},
        "spec": {
            "controller": "ingress.k8s.aws/alb",
            "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "pub"},
        },
    }
    return [params, cls]


@pytest.mark.parametrize("port", ["443 ", "https", " 443"])
def test_class_params_ssl_redirect_go_cannot_parse_is_no_redirect(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """buildSSLRedirectConfig returns nil, nil on the params' ParseInt error: no redirect, no error."""
    ingress = _ingress(
        {
            ANN + "certificate-arn": CERT,
            ANN + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
            ANN + "ssl-redirect": None,
        }
    )
    found = [
        v
        for v in _check(tmp_path, capsys, ingress, _service(), *_params_class(port))
        if v["rule"] == "alb-ssl-redirect"
    ]
    assert any("no redirect for the whole group, silently" in v["message"] for v in found)
    assert any("answers plain HTTP" in v["message"] for v in found)


@pytest.mark.parametrize(
    "listen_ports",
    [
        '[{"HTTP": 80}, {"HTTPS": "443"}]',
        "",
        '[{"HTTPS": 443.0}]',
        '[{"https": 443}]',
        "[]",
        '{"HTTPS": 443}',
        '[{"HTTPS": 70000}]',
    ],
)
def test_listen_ports_go_cannot_unmarshal_stop_the_group(
    listen_ports: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT, ANN + "listen-ports": listen_ports})
    found = [v for v in _check(tmp_path, capsys, ingress, _service()) if v["rule"] == "group-consistent"]
    assert len(found) == 1 and "stops the whole group" in found[0]["message"], found


def test_an_ingress_without_a_class_is_judged_by_the_default_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({})
    del ingress["spec"]["ingressClassName"]
    default = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "public", "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}},
        "spec": {"controller": "ingress.k8s.aws/alb"},
    }
    assert "alb-https" in _rules(_check(tmp_path, capsys, ingress, _service(), default))


_CONDITION = "Statement[0].Condition"
_READ = {"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}
_TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
_DEFAULT = {"IsDefaultVersion": True}
_NOT_PRINCIPAL = {"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}


@pytest.mark.parametrize(
    ("document", "key"),
    [
        # IAM User Guide, "Grammar of the IAM JSON policy language": each of these is MalformedPolicyDocument.
        ({"Statement": "x"}, "Statement"),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, 5]}, "Statement[1]"),
        ({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 5], "Resource": "*"}]}, "Statement[0].Action"),
        ({"Statement": [{"Effect": "allowed", "Action": "s3:GetObject", "Resource": "*"}]}, "Statement[0].Effect"),
        ({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": 5}]}, "Statement[0].Principal"),
        ({"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": 1}}, _CONDITION),
        ({"Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs"}]}, "Statement[0]"),  # no resource
        ({"Statement": [{"Effect": "Allow", "Action": "DescribeVpcs", "Resource": "*"}]}, "Statement[0].Action"),
        ({"Version": "2012-10-18", "Statement": [_READ]}, "Version"),
        ({"Statement": [{**_READ, "Comment": "x"}]}, "Statement[0].Comment"),
        ({"Statement": [{**_READ, "Resource": []}]}, "Statement[0].Resource"),
        ({"Statement": [{**_READ, "Action": "*:Untag*"}]}, "Statement[0].Action"),
        ({"Statement": [{**_READ, "Action": "s3:a:b"}]}, "Statement[0].Action"),
        ({"Statement": [{**_READ, "NotResource": "arn:aws:s3:::b"}]}, "Statement[0].NotResource"),
        # IAM User Guide, NotPrincipal: not in a role trust policy (a get-role document is one).
        ({"Role": {"AssumeRolePolicyDocument": {"Statement": [_NOT_PRINCIPAL]}}}, "Statement[0].NotPrincipal"),
        # A principal in one statement and a resource grant in another: no kind of policy IAM takes, and judged
        # as a trust policy the iam:* grant went unread.
        ({"Statement": [_TRUST, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}, "Statement[1]"),
    ],
)
def test_a_policy_iam_refuses_is_bad_input_not_a_pass(
    document: dict[str, Any], key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as written, a malformed document grants nothing and passed every rule: it is named, exit 2."""
    found = _check(tmp_path, capsys, {"Version": "2012-10-17", **document}, name="policy.json")
    bad = [v for v in found if v["bad_input"]]
    assert len(bad) == 1 and bad[0]["message"].startswith(f"{key} "), found
    assert "IAM refuses it" in bad[0]["message"], found


@pytest.mark.parametrize(
    "document",
    [
        {"Version": "2008-10-17", "Statement": {"Sid": "", **_READ}},
        {"Statement": [{**_READ, "Condition": {"NumericEquals": {"ec2:ResourceTag/x": [1, 2]}, "Bool": {"a": True}}}]},
        {"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::111122223333:role/x"]}]},
        # A resource-based policy (an S3 bucket's): a principal and a resource in every statement.
        {"Statement": [{**_READ, "Principal": {"CanonicalUser": "79a5"}}]},
        {"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": ["111122223333"]}, "Action": "sts:*"}, _TRUST]},
    ],
)
def test_valid_policies_of_every_form_are_not_refused(
    document: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _check(tmp_path, capsys, document, name="policy.json")
    assert not [v for v in found if v["bad_input"]], found


def test_class_params_are_read_from_the_classes_own_api_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """v3.5.0 class_loader.go reads params of apiGroup elbv2.k8s.aws only ("references unknown parameters"
    otherwise), whose certificate field is certificateArn; EKS Auto Mode's eks.amazonaws.com params, of the same
    name, and their certificateARNs are not the controller's."""
    ingress = _ingress({ANN + "scheme": None})
    auto = _class_params("p", scheme="internet-facing", certificateARNs=[CERT])
    auto["apiVersion"] = "eks.amazonaws.com/v1"
    lbc = _class_params("p", scheme="internet-facing", certificateARNs=[CERT])
    found = _rules(_check(tmp_path, capsys, ingress, _service(), _ingress_class("alb", LBC, "p"), auto, lbc))
    assert "alb-https" in found, found  # neither certificate is the controller's: clear text
    wrong_group = _ingress_class("alb", LBC, "p")
    wrong_group["spec"]["parameters"]["apiGroup"] = "eks.amazonaws.com"
    found_all = _check(tmp_path, capsys, ingress, _service(), wrong_group, auto)
    refused = [v for v in found_all if v["resource"] == "IngressClass alb"]
    assert refused and "references unknown parameters" in refused[0]["message"], found_all


def test_a_roles_policies_are_judged_together_in_the_account_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """IAM grants a role the union of its inline and attached policies: iam:PassRole in one and ec2:RunInstances
    in another is the escalation either would be alone with both (get-account-authorization-details lists the
    attached managed policy's default version under Policies); said once, for the role's policies together."""
    arn = "arn:aws:iam::111122223333:policy/m"
    run = {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}
    listing = {
        "RoleDetailList": [
            {
                "RoleName": "r1",
                "AssumeRolePolicyDocument": {"Statement": [_TRUST]},
                "RolePolicyList": [
                    {"PolicyName": "inl", "PolicyDocument": {"Statement": [{**_READ, "Action": "iam:PassRole"}]}}
                ],
                "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": arn}],
            }
        ],
        "Policies": [
            {"PolicyName": "m", "Arn": arn, "PolicyVersionList": [{"Document": {"Statement": [run]}, **_DEFAULT}]}
        ],
    }
    found = [v for v in _check(tmp_path, capsys, listing, name="gaad.json") if v["rule"] == "iam-escalation"]
    assert [v["resource"] for v in found] == ["Policy gaad.json#0 r1 (its 2 policies together)"], found
    assert "iam:PassRole (on *) with ec2:RunInstances" in found[0]["message"], found


def test_a_roles_policies_together_are_said_only_where_none_says_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No second finding when one document escalates by itself; none for a holder with a permissions boundary
    (the intersection is not modelled); an AWS managed policy the listing leaves out is read from the snapshot."""
    passrole = {"PolicyName": "inl", "PolicyDocument": {"Statement": [{**_READ, "Action": "iam:PassRole"}]}}
    launch = {**_READ, "Action": ["iam:PassRole", "ec2:RunInstances"]}
    both = {"PolicyName": "both", "PolicyDocument": {"Statement": [launch]}}
    role: dict[str, Any] = {"RoleName": "r1", "AssumeRolePolicyDocument": {"Statement": [_TRUST]}}

    def escalations(listing: dict[str, Any], name: str) -> set[str]:
        return {v["resource"] for v in _check(tmp_path, capsys, listing, name=name) if v["rule"] == "iam-escalation"}

    duplicated = {"RoleDetailList": [{**role, "RolePolicyList": [both, passrole]}], "Policies": []}
    assert escalations(duplicated, "a.json") == {"Policy a.json#0 r1 both"}
    ec2 = [{"PolicyName": "AmazonEC2FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AmazonEC2FullAccess"}]
    missing = {"RoleDetailList": [{**role, "RolePolicyList": [passrole], "AttachedManagedPolicies": ec2}]}
    # AmazonEC2FullAccess escalates by itself (read from the snapshot, judged alone: launch-template versions), and
    # with the inline PassRole it adds another kind of power, said for the two together (that kind only).
    assert escalations(missing, "b.json") == {
        "Policy b.json#0 r1 attaches AmazonEC2FullAccess",
        "Policy b.json#0 r1 (its 2 policies together)",
    }
    run = [{"PolicyName": "m", "PolicyArn": "arn:aws:iam::111122223333:policy/m"}]
    version = {"Document": {"Statement": [{**_READ, "Action": "ec2:RunInstances"}]}, **_DEFAULT}
    listed = {"Arn": run[0]["PolicyArn"], "PolicyVersionList": [version]}
    holder = {**role, "RolePolicyList": [passrole], "AttachedManagedPolicies": run}
    apart = {"RoleDetailList": [holder], "Policies": [listed]}
    assert escalations(apart, "d.json") == {"Policy d.json#0 r1 (its 2 policies together)"}
    boundary = {"PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/b"}
    holder = {**role, "RolePolicyList": [passrole], "AttachedManagedPolicies": ec2, "PermissionsBoundary": boundary}
    bounded = {"RoleDetailList": [holder]}
    assert not [v for v in _check(tmp_path, capsys, bounded, name="c.json") if "together" in v["resource"]]


def test_a_users_policies_are_judged_with_its_groups_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """IAM grants a user what its groups' policies grant besides its own (the IAM User Guide's policy evaluation:
    identity-based policies of the user and of its groups): iam:PassRole on the user and ec2:RunInstances on a
    group it is in escalate together; a group it is not in, or a user with a permissions boundary, are not
    said."""
    run = {"PolicyName": "run", "PolicyDocument": {"Statement": [{**_READ, "Action": "ec2:RunInstances"}]}}
    passrole = {"PolicyName": "pass", "PolicyDocument": {"Statement": [{**_READ, "Action": "iam:PassRole"}]}}
    user: dict[str, Any] = {"UserName": "u1", "UserPolicyList": [passrole], "GroupList": ["ops"]}
    groups = [{"GroupName": "ops", "GroupPolicyList": [run]}, {"GroupName": "other", "GroupPolicyList": [run]}]

    def escalations(listing: dict[str, Any], name: str) -> list[str]:
        found = _check(tmp_path, capsys, listing, name=name)
        return [v["resource"] for v in found if v["rule"] == "iam-escalation"]

    listing = {"UserDetailList": [user], "GroupDetailList": groups}
    assert escalations(listing, "a.json") == ["Policy a.json#0 u1 (its 2 policies together, with its groups ops)"]
    elsewhere = {"UserDetailList": [{**user, "GroupList": ["other-team"]}], "GroupDetailList": groups}
    assert escalations(elsewhere, "b.json") == []
    boundary = {"PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/b"}
    bounded = {"UserDetailList": [{**user, "PermissionsBoundary": boundary}], "GroupDetailList": groups}
    assert escalations(bounded, "c.json") == []


def test_a_users_groups_another_power_and_shapes_of_the_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unrelated finding of one of the holder's documents (AWS's IAMUserChangePassword on group everyone grants
    an IAM write) does not hide what the user's documents give together (PassRole with RunInstances), which is
    said for each such user; what a group's own documents give together is said once, for the group, not for
    members that add nothing; a GroupList that is no list is refused, naming it."""
    run = {"PolicyName": "run", "PolicyDocument": {"Statement": [{**_READ, "Action": "ec2:RunInstances"}]}}
    passrole = {"PolicyName": "pass", "PolicyDocument": {"Statement": [{**_READ, "Action": "iam:PassRole"}]}}
    change = [{"PolicyName": "IAMUserChangePassword", "PolicyArn": "arn:aws:iam::aws:policy/IAMUserChangePassword"}]
    groups = [
        {"GroupName": "everyone", "AttachedManagedPolicies": change},
        {"GroupName": "ops", "GroupPolicyList": [run]},
    ]
    users = [{"UserName": f"dev{i}", "UserPolicyList": [passrole], "GroupList": ["everyone", "ops"]} for i in (0, 1)]

    def escalations(listing: dict[str, Any], name: str) -> list[str]:
        found = _check(tmp_path, capsys, listing, name=name)
        return sorted(v["resource"] for v in found if v["rule"] == "iam-escalation")

    together = "(its 3 policies together, with its groups everyone, ops)"
    assert escalations({"UserDetailList": users, "GroupDetailList": groups}, "a.json") == [
        f"Policy a.json#0 dev0 {together}",
        f"Policy a.json#0 dev1 {together}",
        "Policy a.json#0 everyone attaches IAMUserChangePassword",
    ]
    both = [{"GroupName": "ops", "GroupPolicyList": [run, passrole]}]
    members = [{"UserName": f"u{i}", "GroupList": ["ops"]} for i in range(3)]
    listing = {"UserDetailList": members, "GroupDetailList": both}
    assert escalations(listing, "b.json") == ["Policy b.json#0 ops (its 2 policies together)"]
    (tmp_path / "c.json").write_text(json.dumps({"UserDetailList": [{"UserName": "u", "GroupList": 5}]}))
    assert main(["check", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "document 1: UserDetailList[0]: GroupList is int '5', not a list" in err and "Traceback" not in err, err
    version = {"Document": {"Statement": [{**_READ, "Action": "iam:PassRole"}]}, **_DEFAULT}
    (tmp_path / "d.json").write_text(
        json.dumps({"Policies": [{"Arn": "arn:aws:iam::1:policy/p", "PolicyVersionList": version}]})
    )
    assert main(["check", str(tmp_path / "d.json")]) == 2
    assert "document 1: Policies[0]: PolicyVersionList is dict" in capsys.readouterr().err
    # The same group listed twice (two listings merged): its policies together are said once.
    assert escalations({"UserDetailList": members, "GroupDetailList": both + both}, "e.json") == [
        "Policy e.json#0 ops (its 2 policies together)"
    ]


def test_an_attached_aws_managed_policy_the_listing_leaves_out_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """get-account-authorization-details --filter Role lists no managed policy: AdministratorAccess attached to a
    role is read from the snapshot and judged, as the plan judges an attachment; not on a role only EKS's control
    plane may assume (the plan exempts it too), nor on a service-linked role."""
    admin = [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]
    role = {"RoleName": "r1", "AssumeRolePolicyDocument": {"Statement": [_TRUST]}, "AttachedManagedPolicies": admin}
    found = _check(tmp_path, capsys, {"RoleDetailList": [role]}, name="a.json")
    found = [v for v in found if v["rule"] == "iam-escalation"]
    assert [v["resource"] for v in found] == ["Policy a.json#0 r1 attaches AdministratorAccess"], found
    eks = {**_TRUST, "Principal": {"Service": "eks.amazonaws.com"}}
    cluster = {**role, "AssumeRolePolicyDocument": {"Statement": [eks]}}
    linked = {**role, "Path": "/aws-service-role/eks.amazonaws.com/"}
    # Listed under Policies too (no --filter): judged on its holders, not as a document of its own.
    version = {"Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, **_DEFAULT}
    listed = [{"Arn": admin[0]["PolicyArn"], "PolicyVersionList": [version]}]
    for quiet in (cluster, linked):
        for listing in ({"RoleDetailList": [quiet]}, {"RoleDetailList": [quiet], "Policies": listed}):
            assert not _check(tmp_path, capsys, listing, name="b.json"), listing


def test_class_params_load_balancer_attributes_without_a_value_name_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The v1beta1 CRD requires key and value on each entry: named as bad input, not a rule's KeyError."""
    params = _class_params("public", loadBalancerAttributes=[{"key": "idle_timeout.timeout_seconds"}])
    ingress = _ingress({})
    ingress["spec"]["ingressClassName"] = "public"
    found = _check(tmp_path, capsys, ingress, _service(), _ingress_class("public", LBC, "public"), params)
    bad = [v for v in found if v["bad_input"]]
    assert [v["resource"] for v in bad] == ["the IngressClassParams of Ingress team/web"], found
    assert bad[0]["message"].startswith("spec.loadBalancerAttributes "), bad


def _ingress_class(name: str, controller: str, params: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"controller": controller}
    if params is not None:
        spec["parameters"] = {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": params}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": name}, "spec": spec}


def _class_params(name: str, **spec: Any) -> dict[str, Any]:
    kind = "IngressClassParams"
    return {"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def test_the_class_annotation_is_read_before_ingress_class_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """v3.5.0 group_loader.go classifyIngress: the kubernetes.io/ingress.class annotation "takes higher priority"
    than spec.ingressClassName; it is matched against the controller's --ingress-class (alb by default) and the
    Ingress then has no IngressClassParams."""
    # Another controller's annotation beside an ALB class name: the controller never serves it, no rule judges it.
    nginx = _ingress({"kubernetes.io/ingress.class": "nginx", ANN + "scheme": "internet-facing"})
    assert _check(tmp_path, capsys, nginx, _service()) == []
    # The annotation alb with a class whose params would set the group and an HTTPS certificate: the params are
    # not loaded, so the Ingress is judged on its own annotations (no group, clear text).
    params = _class_params("public", group={"name": "team"}, certificateArn=[CERT], scheme="internet-facing")
    classed = _ingress({"kubernetes.io/ingress.class": "alb", ANN + "group.name": None})
    classed["spec"]["ingressClassName"] = "public"
    found = _rules(_check(tmp_path, capsys, classed, _service(), _ingress_class("public", LBC, "public"), params))
    assert {"alb-group", "alb-https"} <= found, found
    # Without the annotation the same class's params give both.
    del classed["metadata"]["annotations"]["kubernetes.io/ingress.class"]
    found = _rules(_check(tmp_path, capsys, classed, _service(), _ingress_class("public", LBC, "public"), params))
    assert not {"alb-group", "alb-https"} & found, found


def test_a_class_named_alb_that_another_controller_serves_is_not_an_alb_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'alb' is only assumed to be the controller's class: an IngressClass in the review (or the cluster's facts)
    saying another controller serves it wins, so its Ingresses are not judged, nor counted in an ALB group."""
    ingress = _ingress({ANN + "scheme": "internet-facing"})  # class alb, clear text: an ALB Ingress would fail
    assert "alb-https" in _rules(_check(tmp_path, capsys, ingress, _service()))
    nginx_class = _ingress_class("alb", "k8s.io/ingress-nginx")
    assert "alb-https" not in _rules(_check(tmp_path, capsys, ingress, _service(), nginx_class))


def test_the_class_annotation_is_matched_against_the_controllers_own_class() -> None:
    """The controller matches kubernetes.io/ingress.class against its --ingress-class flag, which the chart's
    ingressClass value sets (class_annotation_matcher.go compares exactly); 'alb' when no release says."""
    from albingress.policies.review import CONTROLLER_CHART, HELM_RELEASE, INGRESS, Context, Resource, Stack

    def ingress(name: str, annotation: str) -> Resource:
        meta = {"name": name, "namespace": "team", "annotations": {"kubernetes.io/ingress.class": annotation}}
        return Resource(INGRESS, name, {"metadata": meta, "spec": {}})

    release = Resource(HELM_RELEASE, "lbc", {"chart": CONTROLLER_CHART, "values": {"ingressClass": "alb-public"}})
    ingresses = [ingress("a", "alb"), ingress("b", "alb-public")]
    alone = Stack(ingresses, Context(ingress_classes=frozenset()))
    assert [i.name for i in alone.alb_ingresses()] == ["a"]
    with_release = Stack([*ingresses, release], Context(ingress_classes=frozenset()))
    assert [i.name for i in with_release.alb_ingresses()] == ["b"]


def test_an_eks_auto_mode_group_is_not_the_load_balancer_controllers_group_of_that_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each controller builds its own ALBs from its own Ingresses: a host-less redirect in an EKS Auto Mode
    class's Ingress of group team does not cover the AWS Load Balancer Controller's group team."""
    redirect = _ingress({ANN + "certificate-arn": CERT, ANN + "ssl-redirect": None, ANN + "group.order": "-5"})
    redirect["metadata"]["name"] = "redirect"
    redirect["spec"]["rules"] = [
        {"http": {"paths": [{"path": "/*", "pathType": "ImplementationSpecific", "backend": _legacy_backend()}]}}
    ]
    redirect["metadata"]["annotations"][ANN + "listen-ports"] = '[{"HTTP": 80}, {"HTTPS": 443}]'
    redirect["metadata"]["annotations"][ANN + "actions.ssl-redirect"] = json.dumps(
        {"type": "redirect", "redirectConfig": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    )
    web = _ingress({ANN + "certificate-arn": CERT, ANN + "ssl-redirect": None})
    web["metadata"]["annotations"][ANN + "listen-ports"] = '[{"HTTP": 80}, {"HTTPS": 443}]'
    same_controller = [redirect, web, _service(), _ingress_class("alb", LBC)]
    assert "alb-ssl-redirect" not in _rules(_check(tmp_path, capsys, *same_controller))
    redirect["spec"]["ingressClassName"] = "auto"
    other = [redirect, web, _service(), _ingress_class("alb", LBC), _ingress_class("auto", "eks.amazonaws.com/alb")]
    found = [v for v in _check(tmp_path, capsys, *other) if v["rule"] == "alb-ssl-redirect"]
    assert [v["resource"] for v in found] == ["Ingress team/web"], found


def _legacy_backend() -> dict[str, Any]:
    return {"service": {"name": "ssl-redirect", "port": {"name": "use-annotation"}}}


LBC = "ingress.k8s.aws/alb"


def test_two_default_classes_are_said_when_an_ingress_has_no_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With two defaults Kubernetes' DefaultIngressClass admission gives a new Ingress the newest (1.25 and later,
    kubernetes#110974), and the controller's class loader errors on one stored without a class ("multiple
    default IngressClasses found"): said, not only "no IngressClass says which controller serves it"."""
    ingress = _ingress({})
    del ingress["spec"]["ingressClassName"]
    default = {"ingressclass.kubernetes.io/is-default-class": "true"}
    classes = [_ingress_class("a", LBC), _ingress_class("b", "k8s.io/ingress-nginx")]
    for ingress_class in classes:
        ingress_class["metadata"]["annotations"] = default
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all([ingress, *classes]))
    assert main(["check", str(path)]) in (0, 1)
    assert "2 IngressClasses are marked default (a, b): the API server gives" in capsys.readouterr().out


# -- 8. drains: only sleeps that provably run in sequence count ------------------------------------------------


@pytest.mark.parametrize(
    ("command", "seconds"),
    [
        (["sh", "-c", "sleep 120 &"], 0.0),  # backgrounded: the hook returns at once
        (["sh", "-c", "echo sleep 120"], 0.0),
        (["sh", "-c", "true # sleep 120"], 0.0),  # a comment
        (["sh", "-c", "printf 'sleep 120'"], 0.0),
        (["/bin/sh", "-c", "sleep", "120"], 0.0),  # "120" is $0: sleep runs without an operand and fails
        (["timeout", "5", "sleep", "120"], 0.0),
        (["sh", "-c", "sleep 10 || sleep 100"], 0.0),
        (["sh", "-c", "for i in 1 2 3 4 5 6 7; do sleep 10; done"], 0.0),
        (["sh", "-c", "exit 0; sleep 30"], 0.0),
        (["sh", "-ec", "nginx -s quit; sleep 30"], 0.0),  # -e: a failing nginx ends the script
        (["sh", "-c", "sleep 5; nginx -s quit && sleep 30"], 5.0),  # && after a command that may fail
    ],
)
def test_a_sleep_that_is_not_provably_run_is_not_counted(command: list[str], seconds: float) -> None:
    found = exec_wait(command)
    assert found.seconds == seconds and found.unread, found


def test_an_unread_prestop_names_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})
    workload = _workload("Deployment", {"exec": {"command": ["sh", "-c", "for i in 1 2 3 4 5 6 7; do sleep 10; done"]}})
    (finding,) = [v for v in _check(tmp_path, capsys, ingress, _service(), workload) if v["rule"] == "pods-drain"]
    assert "could not be read" in finding["message"] and "'for'" in finding["message"]


def test_sleep_infinity_is_bounded_by_the_grace_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})  # delay 60 s
    long_grace = _workload("Deployment", {"exec": {"command": ["sleep", "infinity"]}}, grace=100)
    assert _check(tmp_path, capsys, ingress, _service(), long_grace) == []
    short_grace = _workload("Deployment", {"exec": {"command": ["sleep", "infinity"]}}, grace=30)
    (finding,) = _check(tmp_path, capsys, ingress, _service(), short_grace)
    assert "kills it at terminationGracePeriodSeconds 30" in finding["message"]
    assert "forever" not in finding["fix"]


# -- 10-11. malformed input: one line naming the file, object and key; exit 2 ------------------------------


def _run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("grace", "abc", "terminationGracePeriodSeconds"),
        ("grace", float("inf"), "terminationGracePeriodSeconds"),
        ("sleep", "abc", "lifecycle.preStop.sleep.seconds"),
        ("delay", "abc", "deregistration_delay.timeout_seconds"),
    ],
)
def test_a_value_the_api_server_refuses_names_its_object_and_key(
    field: str, value: Any, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT})
    service = _service(
        {ANN + "target-group-attributes": f"deregistration_delay.timeout_seconds={value}"} if field == "delay" else None
    )
    workload = _workload("Deployment", {"sleep": {"seconds": value if field == "sleep" else 90}}, grace=120)
    if field == "grace":
        workload["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = value
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump_all([ingress, service, workload]))
    code, out = _run_check(path, capsys)
    assert code == 2 and "Traceback" not in out
    (line,) = [line for line in out.splitlines() if key in line]
    assert "team/web" in line and repr(value) in line, line


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Resource": "x"}]}',
            "'Resource' appears twice",
        ),
        ('{"Statement": [], "n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_json_that_readers_disagree_on_is_refused(
    text: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.json"
    path.write_text(text)
    code, out = _run_check(path, capsys)
    assert code == 2 and said in out and str(path) in out and "Traceback" not in out


@pytest.mark.parametrize(
    "printed",
    [
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": json.loads(_doc(_allow("iam:PutRolePolicy")))},
        {
            "RoleDetailList": [
                {
                    "RoleName": "r",
                    "RolePolicyList": [
                        {"PolicyName": "p", "PolicyDocument": json.loads(_doc(_allow("iam:PutRolePolicy")))}
                    ],
                }
            ]
        },
        {"PolicyVersion": {"Document": urllib.parse.quote(_doc(_allow("iam:PutRolePolicy")))}},
    ],
)
def test_check_reads_more_of_what_the_aws_cli_prints(
    printed: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "iam-escalation" in _rules(_check(tmp_path, capsys, printed, name="cli.json"))


def test_one_statement_has_one_number_in_every_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = json.loads(_doc(_allow("s3:GetObject"), _allow("iam:Put*Policy")))
    found = _check(tmp_path, capsys, policy, name="p.json")
    wildcard = next(v for v in found if v["rule"] == "no-wildcard-actions")
    assert wildcard["message"].startswith("statement 2 allows"), wildcard


def test_every_launcher_judged_is_kept_by_the_snapshot_generator() -> None:
    from albingress.policies.iam_judge import judged_actions

    assert set(role_launchers()) <= set(judged_actions())


def test_harmless_passrole_uses_still_pass() -> None:
    passed = {"StringEquals": {"iam:PassedToService": "eks.amazonaws.com"}}
    assert (
        permission_findings(_doc(_allow("iam:PassRole", ROLES, Condition=passed), _allow("ec2:DescribeInstances")))
        == []
    )


# -- roles only a control plane assumes ---------------------------------------------------------------------


def _role_with(service: str, policy: str = "AmazonEKSClusterPolicy") -> list[Any]:
    from albingress.policies.review import Resource

    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return [
        Resource("aws:iam/role:Role", "cluster", {"assumeRolePolicy": json.dumps(trust)}),
        Resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "cluster-policy",
            {"policyArn": f"arn:aws:iam::aws:policy/{policy}", "role": "cluster-1a2b3c4"},
        ),
    ]


def test_an_eks_cluster_role_may_hold_the_policy_eks_requires_of_it() -> None:
    """AmazonEKSClusterPolicy grants ec2:ModifyInstanceAttribute, a path to an instance role's power for anyone who
    may use it; on a role only eks.amazonaws.com may assume (the cluster role EKS requires), EKS's control plane
    uses it and runs no one's code with it. The same policy on an EC2 instance role is an escalation path."""
    from albingress.policies.guardrails import evaluate

    def escalations(resources: list[Any]) -> list[str]:
        return [v.message for v in evaluate(resources) if v.rule == "iam-escalation"]

    assert escalations(_role_with("eks.amazonaws.com")) == []
    found = escalations(_role_with("ec2.amazonaws.com"))
    assert found and "ec2:ModifyInstanceAttribute" in found[0]
    # Pods are not a control plane either: the controller's role holding it is a finding.
    assert escalations(_role_with("pods.eks.amazonaws.com"))


# -- round 2, 5. drains: a whitelist (optional exec, sleep N... joined by ;, && or newlines) -------------------
# Expected by hand from coreutils src/sleep.c (operands read by xstrtod: ASCII digits, a fraction, an
# s/m/h/d suffix, summed; '--' ends the options) and POSIX sh / dash (-n reads without running; the first
# word after -c is the script; an assignment or alias before a command changes what it finds).


@pytest.mark.parametrize(
    "command",
    [
        ["sh", "-c", "sleep \uff17\uff10"],  # fullwidth digits: sleep refuses them, Python's int() would not
        ["sh", "-c", "sleep \u0667\u0660"],  # Arabic-Indic digits
        ["sleep", "\uff17\uff10s"],
        ["sh", "-n", "-c", "sleep 70"],  # -n: the script is parsed, never run
        ["sh", "-nc", "sleep 70"],
        ["sh", "-c", "-c", "sleep 70"],  # the script is '-c'; 'sleep 70' is its $0
        ["sh", "-o", "noexec", "-c", "sleep 70"],
        ["sh", "-v", "-c", "sleep 70"],  # an option the whitelist does not read
        ["sh", "-c", "PATH=/none; sleep 70"],  # sleep is no longer found
        ["sh", "-c", "PATH=/none sleep 70"],
        ["sh", "-c", "X=1; sleep 70"],  # any assignment before the sleep
        ["sh", "-c", "alias sleep=true\nsleep 70"],  # dash expands aliases in -c scripts
        ["sh", "-c", "unalias -a; sleep 70"],
        ["sh", "-c", "sleep() { :; }; sleep 70"],  # a function named sleep
        ["sh", "-c", "function sleep { :; }; sleep 70"],
        ["sh", "-c", "cd /; sleep 70"],  # any other command before it
        ["sh", "-c", "nginx -s quit\nsleep 70"],
        ["sh", "-c", "exec true; sleep 70"],  # exec replaces the shell
        ["/tmp/sleep", "70"],  # not a sleep the whitelist knows
        ["./sh", "-c", "sleep 70"],
        ["sh", "-c", "sleep $DELAY"],
    ],
)
def test_a_drain_outside_the_whitelist_counts_nothing(command: list[str]) -> None:
    found = exec_wait(command)
    assert found.seconds == 0.0 and found.unread, found


@pytest.mark.parametrize(
    ("command", "seconds"),
    [
        (["sleep", "--", "70"], 70.0),  # coreutils: '--' ends the options
        (["sh", "-c", "sleep -- 70"], 70.0),
        (["/bin/sh", "-c", "exec /bin/sleep 1m 10"], 70.0),
        (["sh", "-c", "sleep 30; /usr/bin/sleep 40"], 70.0),
        (["sh", "-c", "sleep 30 && sleep 40\n"], 70.0),
        (["sh", "-ec", "sleep 70"], 70.0),  # -e and -x still run the script
        (["sh", "-x", "-c", "sleep 1.5m"], 90.0),
        (["sh", "-c", "sleep 70; nginx -s quit"], 70.0),  # what runs after the last sleep cannot shorten it
    ],
)
def test_a_drain_inside_the_whitelist_counts(command: list[str], seconds: float) -> None:
    assert exec_wait(command) == type(exec_wait(command))(seconds)


@pytest.mark.parametrize(
    ("command", "seconds"),
    [
        (["sh", "-c", "sleep 30; PATH=/none; sleep 40"], 30.0),  # the first sleep ran; the second cannot be read
        (["sh", "-c", "exec sleep 30; sleep 40"], 30.0),  # exec: nothing after it runs
    ],
)
def test_a_drain_counts_only_up_to_what_cannot_be_read(command: list[str], seconds: float) -> None:
    found = exec_wait(command)
    assert found.seconds == seconds and found.unread, found


def test_check_reports_an_unreadable_drain_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """delay 60, grace 120: each passes rc 0 if the wait is counted, though preStop waits about 0 s."""
    ingress = _ingress({ANN + "certificate-arn": CERT})
    for command in (
        ["sh", "-c", "sleep \uff17\uff10"],
        ["sh", "-n", "-c", "sleep 70"],
        ["sh", "-c", "PATH=/none; sleep 70"],
    ):
        workload = _workload("Deployment", {"exec": {"command": command}}, grace=120)
        (finding,) = _check(tmp_path, capsys, ingress, _service(), workload)
        assert finding["rule"] == "pods-drain" and "could not be read" in finding["message"], finding
    plain = _workload("Deployment", {"exec": {"command": ["sleep", "--", "70"]}}, grace=120)
    assert _check(tmp_path, capsys, ingress, _service(), plain) == []


# -- round 2, 6. escalation paths without PassRole ------------------------------------------------------------


@pytest.mark.parametrize(
    "actions",
    [
        # EKS User Guide, access entries: an entry for the caller plus AmazonEKSClusterAdminPolicy is cluster-admin.
        ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy"],
        # EC2 User Guide, launch template versions: new user data run with the template's instance profile.
        ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"],
        ["codedeploy:CreateDeployment"],  # appspec hooks run on instances with their role
        ["glue:UpdateJob", "glue:StartJobRun"],  # the job runs the new script as its role
        ["eks:*"],
        ["codedeploy:Create*"],
    ],
)
def test_round2_escalation_paths_are_found(
    actions: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = json.loads(_doc(_allow(actions)))
    found = [v for v in _check(tmp_path, capsys, policy, name="p.json") if v["rule"] == "iam-escalation"]
    assert found and "without PassRole" in found[0]["message"], found


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:iam::111122223333:role/*admin*",
        "arn:aws:iam::111122223333:role/ci-?",
        ["arn:aws:iam::111122223333:role/reader", "arn:aws:iam::*:role/deployer"],
    ],
)
def test_assume_role_on_any_wildcard_is_found(resource: Any) -> None:
    found = permission_findings(_doc(_allow("sts:AssumeRole", resource)))
    assert any("sts:AssumeRole on a wildcard" in f for f in found), found


def test_assume_role_on_listed_roles_and_read_only_eks_pass() -> None:
    roles = ["arn:aws:iam::111122223333:role/reader", "arn:aws:iam::111122223333:role/deployer"]
    assert permission_findings(_doc(_allow("sts:AssumeRole", roles))) == []
    assert permission_findings(_doc(_allow(["eks:DescribeCluster", "eks:ListAccessEntries"]))) == []


def test_the_stack_file_refuses_codedeploy_full_access() -> None:
    document = managed_policies.managed_policy("AWSCodeDeployFullAccess")
    assert document is not None
    assert any("codedeploy:CreateDeployment" in f for f in permission_findings(document))


# -- round 2, 7b. listen-ports values as written; trust pins by principal ARN; fixes by principal kind ----------


@pytest.mark.parametrize(
    ("listen_ports", "written", "fix"),
    [
        ('[{"HTTPS":443e0}]', "443e0", '{"HTTPS": 443}'),
        ('[{"HTTP":80.0}]', "80.0", '{"HTTP": 80}'),
        ('[{"HTTP":8.08e1}]', "8.08e1", '{"HTTP": 80.8'),  # not a whole port: no number suggested
    ],
)
def test_listen_ports_print_the_value_as_written(
    listen_ports: str, written: str, fix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingress = _ingress({ANN + "certificate-arn": CERT, ANN + "listen-ports": listen_ports})
    (found,) = [v for v in _check(tmp_path, capsys, ingress, _service()) if v["rule"] == "group-consistent"]
    text = found["message"] + found["fix"]
    assert f"port {written} " in text and "object at 0x" not in text, found
    if fix.endswith("}"):
        assert fix in text
    else:
        assert fix not in text and "<port>" in text


def _star_trust(condition: dict[str, Any]) -> str:
    return _doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": condition})


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-deployer"}},
        {
            "StringLike": {
                "aws:PrincipalArn": ["arn:aws:iam::111122223333:role/ci-?", "arn:aws:iam::444455556666:role/x*"]
            }
        },
        {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    ],
)
def test_principal_star_pinned_by_principal_conditions_passes(condition: dict[str, Any]) -> None:
    assert trust_findings(_star_trust(condition), account_id="111122223333") == []


@pytest.mark.parametrize(
    "condition",
    [
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}},  # any account's ci-* roles
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::1111222233??:role/ci"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}},  # ArnEquals takes wildcards too
        {"StringLike": {"aws:PrincipalAccount": "1111*"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:*"}},  # every principal of another account
    ],
)
def test_principal_star_with_a_wildcard_account_is_found(condition: dict[str, Any]) -> None:
    (finding,) = trust_findings(_star_trust(condition), account_id="111122223333")
    assert "trusts every principal" in finding


def test_aws_principal_findings_suggest_the_principal_arn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    star = json.loads(_star_trust({"StringLike": {"aws:PrincipalAccount": "*"}}))
    (found,) = _check(tmp_path, capsys, star, name="trust.json")
    assert "arn:aws:iam::<account>:role/<name>" in found["fix"] and ":sub" not in found["fix"], found
    root = json.loads(
        _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"})
    )
    (found,) = _check(tmp_path, capsys, root, name="trust.json")
    assert "aws:PrincipalArn" in found["fix"] and ":sub" not in found["fix"], found
    github = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    web = {"Effect": "Allow", "Principal": {"Federated": github}, "Action": "sts:AssumeRoleWithWebIdentity"}
    (found,) = _check(tmp_path, capsys, json.loads(_doc(web)), name="trust.json")
    assert "<issuer>:sub" in found["fix"], found
