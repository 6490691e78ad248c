"""The cutover gates against HTTPS sites on 127.0.0.1 standing in for the load balancers, and moto's CloudWatch.

Each load balancer's DNS name is mapped to its site with ``--resolve`` (as a user pins an address); the sites
record the SNI name, Host header and path they were sent. Windows are a second or so, with small min-samples.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from albops.cluster.aws import AwsSession
from albops.cutover.gates import ProbeGates, judge, parse_address, probe_rate, settings_problem
from albops.cutover.metrics import CloudWatchFigures, arn_suffix
from albops.cutover.model import GateSettings, LoadBalancer
from albops.probe import MAX_RATE
from tests.gate_servers import HOST, Behaviour, Site, closed_port, site

NEW = LoadBalancer("k8s-shop-new-0123456789.us-west-2.elb.amazonaws.com", "Z1H1FL5HABSF5", "application", "k8s-new")
OLD = LoadBalancer("old-nlb-abcdef.elb.us-west-2.amazonaws.com", "Z18D5FSROUN65G", "network", "old-nlb")
ARN = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/k8s-shop-new/50dc6c495c0c9188"


def _gates(timeout: float = 2.0) -> ProbeGates:
    return ProbeGates(AwsSession("us-west-2"), timeout=timeout)


def _settings(
    new: Site, old: Site | None = None, *, url: str = f"https://{HOST}/healthz?probe=1", **overrides: object
) -> GateSettings:
    resolve = {NEW.dns_name: new.address, **({OLD.dns_name: old.address} if old else {})}
    options: dict[str, object] = {
        "host": HOST,
        "urls": (url,),
        "resolve": resolve,
        "ca_file": new.ca_file,
        "gate_seconds": 1.0,
        "min_samples": 5,
        **overrides,
    }
    return GateSettings(**options)  # type: ignore[arg-type]


# -- healthy, and what the probe sends ----------------------------------------------------------------------------


def test_a_healthy_new_alb_passes_against_twice_the_old_p99_with_sni_host_and_path_of_host(tmp_path: Path) -> None:
    # The old site answers 100 ms late, the new one at once: the new p99 stays under twice the old one however
    # loaded the machine is (two idle sites' p99s are a few ms apart, and noise alone can double one).
    with site(tmp_path / "new") as new, site(tmp_path / "old", Behaviour(delay_s=0.1)) as old:
        # One CA file for both: the old site's certificate is from another CA, so trust both in one bundle.
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(new.ca_file).read_text() + Path(old.ca_file).read_text())
        settings = _settings(new, old, ca_file=str(bundle))
        result = _gates().before(settings, NEW, OLD, threading.Event())
    assert result.passed, result.reasons
    assert result.line.startswith("before: new: ") and "2x old" in result.line
    assert "errors 0.00% <= 0.10%" in result.line
    assert "\n" not in result.line
    figures = json.loads(json.dumps(result.figures))  # JSON-able
    old_p99 = figures["old"]["p99_ms"]
    assert figures["thresholds"]["max_p99_ms"] == pytest.approx(2 * old_p99)
    assert figures["new"]["samples"] >= 5 and figures["new"]["errors"] == 0
    # Every connection was to HOST, by SNI and Host header, on the gate URL's path and query.
    assert new.sni and set(new.sni) == {HOST} and set(old.sni) == {HOST}
    assert set(new.hosts) == {HOST} and set(new.paths) == {"/healthz?probe=1"}
    assert figures["cloudwatch"]["status"] == "not read"  # no ARN: nothing to read, and said so


def test_after_measures_both_load_balancers_even_with_a_given_p99(tmp_path: Path) -> None:
    with site(tmp_path / "new") as new, site(tmp_path / "old") as old:
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(new.ca_file).read_text() + Path(old.ca_file).read_text())
        settings = _settings(new, old, ca_file=str(bundle), max_p99_ms=2000.0)
        result = _gates().after(settings, NEW, OLD, threading.Event())
    assert result.passed, result.reasons
    assert result.figures["old"]["samples"] >= 5 and old.hosts  # the old one was probed too
    assert "(--max-p99-ms)" in result.line and "; old: " in result.line


def test_before_with_a_given_p99_probes_the_old_load_balancer_for_its_answers(tmp_path: Path) -> None:
    """The old one is measured before the change too: its answers are what the new one's are compared with."""
    with site(tmp_path / "new") as new, site(tmp_path / "old") as old:
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(new.ca_file).read_text() + Path(old.ca_file).read_text())
        settings = _settings(new, old, ca_file=str(bundle), max_p99_ms=2000.0)
        result = _gates().before(settings, NEW, OLD, threading.Event())
    assert result.passed, result.reasons
    assert old.hosts and result.figures["old"]["samples"] >= 5


def _two_sites(tmp_path: Path, new_how: Behaviour, old_how: Behaviour, max_p99_ms: object) -> Any:
    with site(tmp_path / "new", new_how) as new, site(tmp_path / "old", old_how) as old:
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(new.ca_file).read_text() + Path(old.ca_file).read_text())
        settings = _settings(new, old, ca_file=str(bundle), max_p99_ms=max_p99_ms)
        return _gates().before(settings, NEW, OLD, threading.Event())


@pytest.mark.parametrize("p99", [None, 2000.0])
def test_a_new_load_balancer_redirecting_elsewhere_fails_where_the_old_answers_200(tmp_path: Path, p99: object) -> None:
    result = _two_sites(tmp_path, Behaviour(redirect="https://evil.example.net/"), Behaviour(), max_p99_ms=p99)
    assert not result.passed
    assert any("HTTP 302 to https://evil.example.net/ where the old one answers HTTP 200" in r for r in result.reasons)
    assert result.figures["new"]["errors"] == result.figures["new"]["samples"]


def test_the_same_redirect_on_both_load_balancers_passes(tmp_path: Path) -> None:
    same = Behaviour(redirect="https://www.example.test/login")
    result = _two_sites(tmp_path, same, same, max_p99_ms=2000.0)
    assert result.passed, result.reasons


def test_a_redirect_to_another_location_than_the_old_one_gives_fails(tmp_path: Path) -> None:
    result = _two_sites(
        tmp_path,
        Behaviour(redirect="https://www.example.test/elsewhere"),
        Behaviour(redirect="https://www.example.test/login"),
        max_p99_ms=2000.0,
    )
    assert not result.passed
    assert any("where the old one answers HTTP 302 to https://www.example.test/login" in r for r in result.reasons)


# -- failing, slow, unreachable -----------------------------------------------------------------------------------


def test_a_share_of_503s_fails_on_the_error_rate(tmp_path: Path) -> None:
    with site(tmp_path, Behaviour(fail_every=4)) as new:
        # The --resolve name as a user may write it (dualstack., any case, a trailing dot) is the same LB's.
        resolve = {f"DualStack.{NEW.dns_name.upper()}.": new.address}
        result = _gates().before(_settings(new, max_p99_ms=2000.0, resolve=resolve), NEW, None, threading.Event())
    assert not result.passed
    assert any("error rate" in r and "> 0.10%" in r and "HTTP 503" in r for r in result.reasons), result.reasons
    assert "errors" in result.line and "> 0.10%" in result.line


def test_a_slow_new_load_balancer_fails_twice_the_old_p99_measured_at_the_same_time(tmp_path: Path) -> None:
    # 400 ms against an old site at 20 ms: twice the old p99 stays far below the new one even when the machine's
    # load adds tens of ms to every answer (a 120 ms delay against an idle old site failed under a loaded suite).
    with site(tmp_path / "new", Behaviour(delay_s=0.4)) as new, site(tmp_path / "old", Behaviour(delay_s=0.02)) as old:
        bundle = tmp_path / "both.pem"
        bundle.write_text(Path(new.ca_file).read_text() + Path(old.ca_file).read_text())
        settings = _settings(new, old, ca_file=str(bundle), gate_seconds=2.0)
        result = _gates().before(settings, NEW, OLD, threading.Event())
    assert not result.passed
    (p99_reason,) = [r for r in result.reasons if "p99" in r]
    assert "2x old" in p99_reason
    assert result.figures["new"]["p99_ms"] >= 400 > result.figures["thresholds"]["max_p99_ms"]


def test_a_refused_connection_fails_the_gate_never_passes_unmeasured(tmp_path: Path) -> None:
    with site(tmp_path) as live:
        port = closed_port()
        settings = _settings(live, max_p99_ms=2000.0, resolve={NEW.dns_name: f"127.0.0.1:{port}"})
        result = _gates().before(settings, NEW, None, threading.Event())
    assert not result.passed
    assert any("not reached" in r and "ConnectionRefusedError" in r for r in result.reasons), result.reasons


def test_an_internal_load_balancer_out_of_reach_says_where_to_run_from(tmp_path: Path) -> None:
    name = "internal-k8s-new-1.us-west-2.elb.amazonaws.com"
    internal = LoadBalancer(name, "Z1", "application", "x", None, "internal")
    with site(tmp_path) as live:
        settings = _settings(live, max_p99_ms=2000.0, resolve={internal.dns_name: f"127.0.0.1:{closed_port()}"})
        result = _gates().before(settings, internal, None, threading.Event())
    assert not result.passed and any("inside its VPC" in r for r in result.reasons)


def test_without_resolve_an_unresolvable_load_balancer_fails_and_resolve_for_host_does_not_redirect(
    tmp_path: Path,
) -> None:
    nowhere = LoadBalancer("k8s-gone-1.invalid", "Z1", "application", "gone")
    with site(tmp_path) as live:
        # A --resolve for HOST (the site answers HOST) must not send the gate's probe there: it measures the LB.
        settings = _settings(live, max_p99_ms=2000.0, resolve={HOST: live.address})
        result = _gates().before(settings, nowhere, None, threading.Event())
    assert not result.passed
    assert live.hosts == [], "the probe went to HOST's --resolve address instead of the load balancer"
    assert any("k8s-gone-1.invalid: no address" in r for r in result.reasons), result.reasons


def test_a_certificate_for_another_name_fails(tmp_path: Path) -> None:
    with site(tmp_path, names=("other.example.test",)) as new:
        result = _gates().before(_settings(new, max_p99_ms=2000.0), NEW, None, threading.Event())
    assert not result.passed
    assert any("SSLCertVerificationError" in r for r in result.reasons), result.reasons
    assert set(new.sni) == {HOST}  # it was asked for HOST, and its certificate is not HOST's


def test_an_untrusted_certificate_fails_without_the_ca_file(tmp_path: Path) -> None:
    with site(tmp_path) as new:
        result = _gates().before(_settings(new, max_p99_ms=2000.0, ca_file=None), NEW, None, threading.Event())
    assert not result.passed and any("SSLCertVerificationError" in r for r in result.reasons)


# -- WebSockets ---------------------------------------------------------------------------------------------------


def test_websockets_held_and_echoed_for_the_window_pass(tmp_path: Path) -> None:
    with site(tmp_path) as new:
        result = _gates().before(
            _settings(new, url=f"https://{HOST}/echo", max_p99_ms=2000.0, ws=True, gate_seconds=1.5),
            NEW,
            None,
            threading.Event(),
        )
    assert result.passed, result.reasons
    assert "ws 4/4 held" in result.line
    assert result.figures["new"]["websocket"]["drops"] == 0


@pytest.mark.parametrize(("mode", "words"), [("silent", "without echo"), ("close", "drops")])
def test_websockets_that_do_not_echo_or_close_fail(tmp_path: Path, mode: str, words: str) -> None:
    with site(tmp_path, Behaviour(ws=mode)) as new:
        settings = _settings(new, url=f"https://{HOST}/echo", max_p99_ms=2000.0, ws=True, gate_seconds=1.5)
        result = ProbeGates(AwsSession("us-west-2"), timeout=0.5).before(settings, NEW, None, threading.Event())
    assert not result.passed
    (ws_reason,) = [r for r in result.reasons if "WebSocket" in r]
    assert words in ws_reason and "ws NOT held" in result.line
    stats = result.figures["new"]["websocket"]
    assert (stats["echo_failures"] if mode == "silent" else stats["drops"]) >= 1


# -- samples, stop --------------------------------------------------------------------------------------------------


def test_fewer_samples_than_min_samples_is_insufficient_and_fails(tmp_path: Path) -> None:
    with site(tmp_path, Behaviour(delay_s=0.45)) as new:
        settings = _settings(new, max_p99_ms=5000.0, min_samples=60)
        result = _gates().before(settings, NEW, None, threading.Event())
    assert not result.passed
    assert any(r.startswith("new: insufficient samples:") and "< 60" in r for r in result.reasons), result.reasons


def test_min_samples_out_of_reach_fails_at_once_naming_both_options(tmp_path: Path) -> None:
    with site(tmp_path) as new:
        started = time.monotonic()
        result = _gates().before(_settings(new, max_p99_ms=100.0, min_samples=1000), NEW, None, threading.Event())
        elapsed = time.monotonic() - started
    assert not result.passed and elapsed < 0.5 and new.hosts == []
    (reason,) = result.reasons
    assert "--min-samples 1000" in reason and "--gate-seconds" in reason and "at least 5" in reason


def test_setting_stop_ends_the_gate_at_once_failed(tmp_path: Path) -> None:
    stop = threading.Event()
    with site(tmp_path) as new:
        timer = threading.Timer(0.3, stop.set)
        timer.start()
        started = time.monotonic()
        result = _gates().before(_settings(new, max_p99_ms=2000.0, gate_seconds=30.0), NEW, None, stop)
        elapsed = time.monotonic() - started
        sent = len(new.hosts)
        time.sleep(0.5)
        late = len(new.hosts) - sent
    assert not result.passed and result.reasons == ("interrupted",)
    assert sent > 0 and late <= 1, (sent, late)  # the load stopped too, not only the wait (one may be in flight)
    assert elapsed < 1.5, elapsed
    assert "interrupted" in result.line


def test_no_old_load_balancer_and_no_p99_given_fails_before_measuring(tmp_path: Path) -> None:
    with site(tmp_path) as new:
        result = _gates().before(_settings(new), NEW, None, threading.Event())
    assert not result.passed and "--max-p99-ms" in result.reasons[0] and new.hosts == []


def test_an_old_load_balancer_that_cannot_be_measured_leaves_no_default_threshold(tmp_path: Path) -> None:
    with site(tmp_path) as new:
        settings = _settings(new, resolve={NEW.dns_name: new.address, OLD.dns_name: f"127.0.0.1:{closed_port()}"})
        result = _gates().before(settings, NEW, OLD, threading.Event())
    assert not result.passed
    assert any(r.startswith(f"old {OLD.dns_name}: p99 not measured") and "--max-p99-ms" in r for r in result.reasons)


# -- CloudWatch (moto) --------------------------------------------------------------------------------------------


def _put(metric: str, value: float, extra: dict[str, str] | None = None, arn: str = ARN) -> None:
    dims = [{"Name": "LoadBalancer", "Value": arn_suffix(arn)}]
    dims += [{"Name": k, "Value": v} for k, v in (extra or {}).items()]
    boto3.client("cloudwatch", region_name="us-west-2").put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[{"MetricName": metric, "Dimensions": dims, "Value": value, "Timestamp": datetime.now(UTC)}],
    )


def _alb(group_names: tuple[str, ...]) -> tuple[LoadBalancer, list[str]]:
    """An ALB in moto whose listener forwards to ``group_names``, and each group's TargetGroup dimension
    (``targetgroup/NAME/ID``, the resource part of its ARN, as the ALB CloudWatch page writes it)."""
    ec2, v2 = boto3.client("ec2", region_name="us-west-2"), boto3.client("elbv2", region_name="us-west-2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-west-2{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    lb = v2.create_load_balancer(Name="k8s-shop-new", Subnets=subnets)["LoadBalancers"][0]
    arns = [
        v2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
            "TargetGroupArn"
        ]
        for name in group_names
    ]
    if arns:
        v2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[
                {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": a} for a in arns]}}
            ],
        )
    alb = LoadBalancer(NEW.dns_name, NEW.zone_id, "application", NEW.name, lb["LoadBalancerArn"])
    return alb, [a.split(":", 5)[5] for a in arns]


def test_cloudwatch_target_5xx_and_unhealthy_hosts_fail_a_gate_the_probe_passed(aws_env: str, tmp_path: Path) -> None:
    alb, (web, api) = _alb(("k8s-shop-web", "k8s-shop-api"))
    assert web.startswith("targetgroup/k8s-shop-web/") and api.startswith("targetgroup/k8s-shop-api/")
    _put("RequestCount", 200, arn=alb.arn or "")
    _put("HTTPCode_Target_5XX_Count", 20, arn=alb.arn or "")
    _put("HTTPCode_ELB_5XX_Count", 2, arn=alb.arn or "")
    _put("UnHealthyHostCount", 2, {"TargetGroup": web}, arn=alb.arn or "")
    _put("UnHealthyHostCount", 0, {"TargetGroup": api}, arn=alb.arn or "")
    with site(tmp_path) as new:
        result = ProbeGates(AwsSession("us-west-2"), timeout=2.0).before(
            _settings(new, max_p99_ms=2000.0), alb, None, threading.Event()
        )
    assert not result.passed
    cloud = [r for r in result.reasons if r.startswith("CloudWatch")]
    assert len(cloud) == 2, result.reasons
    # 2 ELB + 20 target 5xx of 200 requests: 11.00%; one target group with 2 unhealthy hosts.
    assert "11.00% > 0.10%" in cloud[0]
    assert f"{web}: 2" in cloud[1] and "k8s-shop-api" not in cloud[1]
    assert "2 ELB 5xx, 20 target 5xx, 0 rejected of 200 requests" in result.line
    assert result.line.endswith(", 2 unhealthy")
    assert all(not r.startswith("new:") for r in result.reasons)  # the probe itself was clean


def test_unhealthy_hosts_are_read_for_target_groups_cloudwatch_does_not_list_yet(aws_env: str, tmp_path: Path) -> None:
    """A new ALB: ListMetrics lists a metric only up to 15 minutes after its first data point, so the target
    groups come from DescribeTargetGroups; a group without a data point is named as not reported, never counted
    as 0."""
    alb, (web, api) = _alb(("k8s-shop-web", "k8s-shop-api"))
    _put("RequestCount", 100, arn=alb.arn or "")
    _put("UnHealthyHostCount", 0, {"TargetGroup": web}, arn=alb.arn or "")
    with site(tmp_path) as new:
        result = ProbeGates(AwsSession("us-west-2"), timeout=2.0).before(
            _settings(new, max_p99_ms=2000.0), alb, None, threading.Event()
        )
    assert sorted(result.figures["cloudwatch"]["target_groups"]) == sorted([web, api])
    assert result.line.endswith("0 unhealthy (1 of 2 target groups reported)"), result.line


def test_no_target_group_or_no_unhealthy_data_is_not_measured_never_0_unhealthy(aws_env: str, tmp_path: Path) -> None:
    bare, groups = _alb(())
    assert groups == []
    _put("RequestCount", 100, arn=bare.arn or "")
    with site(tmp_path) as new:
        result = ProbeGates(AwsSession("us-west-2"), timeout=2.0).before(
            _settings(new, max_p99_ms=2000.0), bare, None, threading.Event()
        )
    assert "unhealthy hosts not measured (no target group)" in result.line and "0 unhealthy" not in result.line


def test_no_unhealthy_data_for_known_groups_is_not_measured() -> None:
    settings = GateSettings(HOST, (), max_p99_ms=100.0, min_samples=10)
    figures = CloudWatchFigures(
        "read", "AWS/ApplicationELB", sums={"requests": 10.0}, target_groups=["targetgroup/a/1", "targetgroup/b/2"]
    )
    result = judge("after", settings, _measured_clean(), None, figures)  # type: ignore[arg-type]
    assert result.line.endswith("unhealthy hosts not measured (no UnHealthyHostCount data for 2 target groups)")
    assert result.passed, result.reasons


def test_no_cloudwatch_data_is_said_and_does_not_fail(aws_env: str, tmp_path: Path) -> None:
    alb, _ = _alb(("k8s-shop-web",))
    with site(tmp_path) as new:
        result = ProbeGates(AwsSession("us-west-2"), timeout=2.0).before(
            _settings(new, max_p99_ms=2000.0), alb, None, threading.Event()
        )
    assert result.passed, result.reasons
    assert "no CloudWatch data" in result.line and result.figures["cloudwatch"]["status"] == "no data"


def test_a_cloudwatch_read_that_fails_fails_the_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing unmeasured passes: an endpoint that refuses connections is a failed read, named."""
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    alb = LoadBalancer(NEW.dns_name, NEW.zone_id, "application", NEW.name, ARN)
    with site(tmp_path) as new:
        result = ProbeGates(AwsSession("us-west-2"), timeout=2.0).before(
            _settings(new, max_p99_ms=2000.0), alb, None, threading.Event()
        )
    assert not result.passed
    assert any(r.startswith("CloudWatch AWS/ApplicationELB: CloudWatch could not be read") for r in result.reasons)


# -- the verdict from hand-written figures ------------------------------------------------------------------------


def _measured_clean(samples: int = 100, p99: float = 20.0) -> object:
    from albops.cutover.gates import Measured
    from albops.probe import HttpStats

    http = HttpStats(latencies_ms=[p99] * samples)
    return Measured(NEW, http, None, 0, None)


def test_cloudwatch_p99_above_the_threshold_and_elb_5xx_without_requests_fail() -> None:
    settings = GateSettings(HOST, (), max_p99_ms=100.0, min_samples=10)
    figures = CloudWatchFigures("read", "AWS/ApplicationELB", sums={"elb5xx": 3.0}, p99_ms=250.0)
    result = judge("after", settings, _measured_clean(), None, figures)  # type: ignore[arg-type]
    assert not result.passed
    # 3 ELB 5xx given before any target was chosen, RequestCount 0: every request failed, 100%.
    assert any("100.00% > 0.10%" in r for r in result.reasons)
    assert any("TargetResponseTime p99 250 ms > 100 ms (--max-p99-ms)" in r for r in result.reasons)


def test_network_load_balancer_resets_are_reported_and_unhealthy_hosts_fail() -> None:
    settings = GateSettings(HOST, (), max_p99_ms=100.0, min_samples=10)
    figures = CloudWatchFigures(
        "read", "AWS/NetworkELB", sums={"resets": 4.0, "flows": 90.0}, unhealthy={"targetgroup/a/1": 1.0}
    )
    result = judge("after", settings, _measured_clean(), None, figures)  # type: ignore[arg-type]
    assert "4 ELB resets of 90 new flows (reported, not gated)" in result.line
    assert result.reasons == ("CloudWatch: unhealthy targets (UnHealthyHostCount Maximum > 0) in targetgroup/a/1: 1",)


# -- settings -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("192.0.2.10", ("192.0.2.10", None)),
        ("192.0.2.10:8443", ("192.0.2.10", 8443)),
        ("2001:db8::1", ("2001:db8::1", None)),
        ("[2001:db8::1]:443", ("2001:db8::1", 443)),
    ],
)
def test_resolve_addresses_are_read_as_curl_writes_them(value: str, expected: tuple[str, int | None]) -> None:
    assert parse_address("--resolve lb", value) == expected


@pytest.mark.parametrize("value", ["lb.example.com", "192.0.2.10:0", "192.0.2.10:x", "[2001:db8::1", "1.2.3.4:70000"])
def test_resolve_values_that_are_not_an_address_name_the_option(value: str) -> None:
    with pytest.raises(ValueError, match=r"^--resolve lb="):
        parse_address("--resolve lb", value)


def test_settings_problems_name_the_option() -> None:
    base = GateSettings(HOST, ())
    assert settings_problem(base) is None
    assert "--gate ftp://x/" in (settings_problem(GateSettings(HOST, ("ftp://x/",))) or "")
    assert "--max-error-rate" in (settings_problem(GateSettings(HOST, (), max_error_rate=1.5)) or "")
    assert "e.g. www.example.test" in (settings_problem(GateSettings("*.example.test", ())) or "")
    assert "--resolve" in (settings_problem(GateSettings(HOST, (), resolve={"lb": "nowhere"})) or "")
    # 1000 samples in 60 s need 16.7 a second; the probe sends a quarter more, within its maximum.
    assert probe_rate(base) == pytest.approx(1000 * 1.25 / 60)
    assert probe_rate(GateSettings(HOST, (), min_samples=12000, gate_seconds=60)) == MAX_RATE
    assert settings_problem(GateSettings(HOST, (), min_samples=12001, gate_seconds=60)) is not None


def test_without_resolve_the_load_balancer_name_is_looked_up_for_every_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolver(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == NEW.dns_name:
            lookups.append(host)
            return real("127.0.0.1", *args, **kwargs)  # the load balancer's address, as DNS would answer it
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with site(tmp_path) as new:
        # No --resolve: the gate URL names the port, HOST is never looked up.
        settings = _settings(new, url=f"https://{HOST}:{new.port}/", resolve={}, max_p99_ms=2000.0)
        result = _gates().before(settings, NEW, None, threading.Event())
    assert result.passed, result.reasons
    assert len(lookups) == result.figures["new"]["samples"] == len(new.hosts)
    assert set(new.hosts) == {f"{HOST}:{new.port}"}


def test_the_p99_rank_the_gates_page_gives_is_the_one_nearest_rank_takes() -> None:
    """docs/cutover-gates.md names which request the p99 of 1,000 samples is; nearest rank takes rank
    ceil(0.99 * 1000) = 990 of 1,000 ascending, the 11th slowest (written by hand)."""
    from albops.probe import nearest_rank

    page = (Path(__file__).resolve().parent.parent / "docs" / "cutover-gates.md").read_text(encoding="utf-8")
    match = re.search(r"at 1,000, the p99 is the (\d+)(?:st|nd|rd|th) slowest", page)
    assert match is not None
    slowest = [float(ms) for ms in range(1, 1001)]  # 1 ms .. 1000 ms: the k-th slowest is 1001 - k
    assert nearest_rank(slowest, 99) == 990.0 == 1001 - int(match.group(1))
