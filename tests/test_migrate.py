"""``albops migrate``: conversion, pass-through, the report and exit codes, on a corpus written for the tests."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from albops.__main__ import main
from albops.migrate import prefix_strip_transform

CORPUS = Path(__file__).resolve().parent / "nginx_corpus"
ALB = "alb.ingress.kubernetes.io/"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any], str]:
    code = main(["migrate", *argv])
    captured = capsys.readouterr()
    return code, list(yaml.safe_load_all(captured.out)), captured.err


def test_a_tls_app_becomes_an_alb_ingress(capsys: pytest.CaptureFixture[str]) -> None:
    code, (service, ingress), err = _run([str(CORPUS / "tls-app.yaml"), "--group", "shop"], capsys)
    assert code == 0, err  # everything converted exactly
    assert service == yaml.safe_load_all((CORPUS / "tls-app.yaml").read_text()).__next__()
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations == {
        "team": "shop",
        ALB + "scheme": "internet-facing",
        ALB + "target-type": "ip",
        ALB + "group.name": "shop",
        ALB + "listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
        ALB + "ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        ALB + "ssl-redirect": "443",
        ALB + "backend-protocol": "HTTP",
    }
    assert ingress["spec"]["tls"] == [{"hosts": ["shop.example.com"]}]
    assert "secretName" in err and "certificate discovery" in err
    kubernetes_validate.validate(ingress, "1.33", strict=True)


def test_a_list_keeps_its_order_and_unconverted_settings_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code, (document,), err = _run([str(CORPUS / "list.yaml"), "--report", str(report)], capsys)
    assert code == 1  # the rewrite is approximated: the ALB matches paths case-sensitively
    names = [item["metadata"]["name"] for item in document["items"]]
    assert names == ["api", "legacy", "already-alb"]
    api, legacy, already = document["items"]
    assert api["spec"]["ingressClassName"] == "alb"
    assert ALB + "ssl-redirect" not in api["metadata"]["annotations"]  # nginx ssl-redirect: "false"
    assert legacy == yaml.safe_load((CORPUS / "list.yaml").read_text())["items"][1]  # class-less: untouched
    assert already == yaml.safe_load((CORPUS / "list.yaml").read_text())["items"][2]
    data = json.loads(report.read_text())
    assert data["exact"] is False and data["group"] == "migrated"
    statuses = {(f["annotation"], f["status"]) for f in data["findings"]}
    assert ("nginx.ingress.kubernetes.io/rewrite-target", "approximated") in statuses
    assert api["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/api"
    assert api["metadata"]["annotations"][ALB + "transforms.api"].startswith('[{"type":"url-rewrite"')
    assert ("nginx.ingress.kubernetes.io/ssl-redirect", "converted") in statuses
    assert "joins ALB group 'migrated'" in err
    for item in document["items"]:
        kubernetes_validate.validate(item, "1.33", strict=True)


def test_class_less_ingresses_only_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, (document,), _ = _run(
        [str(CORPUS / "list.yaml"), "--include-classless", "--ingress-class", "alb-public"], capsys
    )
    legacy = document["items"][1]
    assert legacy["spec"]["ingressClassName"] == "alb-public"
    assert legacy["metadata"]["annotations"][ALB + "listen-ports"] == '[{"HTTP":80}]'
    assert code == 1


def test_stdin_directories_and_determinism(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate", str(CORPUS)])
    first = capsys.readouterr().out
    main(["migrate", str(CORPUS)])
    assert capsys.readouterr().out == first
    monkeypatch.setattr("sys.stdin", io.StringIO((CORPUS / "tls-app.yaml").read_text()))
    code, documents, _ = _run(["-", "--certificate-arn", "arn:aws:acm:us-west-2:111122223333:certificate/x"], capsys)
    assert code == 0
    assert documents[1]["metadata"]["annotations"][ALB + "certificate-arn"].endswith(":certificate/x")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["/no/such/file.yaml"], "no/such/file.yaml"),
        (["--group", "Bad_Group", "-"], "not a valid group.name"),
    ],
)
def test_bad_input_exits_2(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_broken_yaml_is_named_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Ingress\nmetadata: [\n")
    assert main(["migrate", str(bad)]) == 2
    assert "bad.yaml: line 3: not valid YAML" in capsys.readouterr().err


_segment = st.text(alphabet="abcxyz019-_", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_segment, min_size=1, max_size=3),
    st.lists(st.sampled_from(["", "/"]) | _segment.map(lambda s: "/" + s), max_size=4),
    st.booleans(),
)
def test_prefix_strip_routes_and_rewrites_like_ingress_nginx(
    prefix_parts: list[str], rest: list[str], use_prefix: bool
) -> None:
    """For lower-case request paths, the converted ALB rule matches and rewrites as ingress-nginx did."""
    prefix = "/" + "/".join(prefix_parts)
    path = (prefix if use_prefix else "/" + prefix_parts[0][::-1]) + "".join(rest)
    # ingress-nginx: `location ~* "^<path>"` then `rewrite "(?i)<path>" /$2 break;` (the whole URI is replaced).
    nginx = re.match(rf"(?i)^{prefix}(/|$)(.*)", path)
    nginx_upstream = "/" + nginx.group(2) if nginx else None
    # The converted Ingress: Prefix path (the controller's conditions <prefix> and <prefix>/*) and the transform.
    routed = path == prefix or path.startswith(prefix + "/")
    (rule,) = prefix_strip_transform(prefix)[0]["urlRewriteConfig"]["rewrites"]
    match = re.fullmatch(rule["regex"].removeprefix("^").removesuffix("$"), path) if routed else None
    alb_upstream = rule["replace"].replace("$1", match.group(1)) if match else None
    assert (nginx is not None) == routed, path
    assert nginx_upstream == alb_upstream, path


def test_affinity_body_size_and_settings_without_an_alb_equivalent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    code, (cart, vault), _ = _run([str(CORPUS / "sticky.yaml"), "--report", str(report)], capsys)
    assert code == 1
    assert cart["metadata"]["annotations"][ALB + "target-group-attributes"] == (
        "stickiness.enabled=true,stickiness.type=lb_cookie,stickiness.lb_cookie.duration_seconds=3600"
    )
    assert not [k for k in cart["metadata"]["annotations"] if k.startswith("nginx.")]
    findings = {
        (f["ingress"], f["annotation"].rsplit("/", 1)[-1]): f for f in json.loads(report.read_text())["findings"]
    }
    assert findings[("shop/cart", "affinity")]["status"] == "approximated"
    assert ("shop/cart", "session-cookie-max-age") not in findings  # folded into the stickiness duration
    assert findings[("shop/cart", "proxy-body-size")]["status"] == "approximated"
    assert findings[("shop/cart", "configuration-snippet")]["status"] == "not-converted"
    assert "NLB" in findings[("shop/vault", "ssl-passthrough")]["detail"]
    for ingress in (cart, vault):
        kubernetes_validate.validate(ingress, "1.33", strict=True)


def test_an_empty_directory_is_bad_input_for_both_readers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    for command in ("migrate", "check"):
        assert main([command, str(tmp_path / "empty")]) == 2
        err = capsys.readouterr().err
        assert "empty: no *.yaml" in err and "Traceback" not in err
