"""The gates of ``albops cutover``: measure the load balancers a step moves traffic between; say if it may go on.

Each load balancer is probed at its own addresses (its DNS name, looked up again for every connection; a
``--resolve`` for that name overrides only the address, as curl's does), with HOST as the SNI name, the Host
header and the name its certificate must be valid for. A ``--resolve`` for HOST itself never sends a gate's
probe anywhere but the load balancer: a gate measures a load balancer, not whatever HOST answers today.

Nothing passes unmeasured: a load balancer the probe cannot reach, fewer samples than ``--min-samples``, a default
p99 threshold whose old load balancer could not be measured, a CloudWatch read that failed, or an interruption,
each fails the gate with its reason. The docs page is docs/cutover-gates.md.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from albops.cluster.aws import AwsSession
from albops.cutover.metrics import CloudWatchFigures, read_metrics
from albops.cutover.model import GateResult, GateSettings, LoadBalancer
from albops.probe import MAX_DURATION_S, MAX_RATE, ConnectTo, HttpStats, Prober, WebSocketStats, nearest_rank

# Each request's own bound (connect, TLS, answer): a gate's p99 threshold is far below it, so a request cut at it
# is an error whatever the threshold.
DEFAULT_TIMEOUT = 5.0
# WebSocket connections held on each gate URL with --ws.
WS_CONNECTIONS = 4
# The probe sends this much more than --min-samples needs over --gate-seconds (a machine under load sends fewer
# than it schedules), and never fewer than MIN_RATE a second, so p99 rests on enough requests.
RATE_HEADROOM = 1.25
MIN_RATE = 10.0
# Requests a second of one worker (a Prober sends one request at a time): a load balancer answering in up to
# 1 / WORKER_RATE s on average still gets every scheduled request.
WORKER_RATE = 5.0


def normalized_name(name: str) -> str:
    """A load balancer's name as alias records compare it: lower case, no trailing dot, no ``dualstack.``."""
    return name.strip().lower().rstrip(".").removeprefix("dualstack.")


def parse_address(option: str, value: str) -> tuple[str, int | None]:
    """``ADDRESS[:PORT]`` of ``--resolve NAME=ADDRESS[:PORT]`` (IPv6 in brackets when a port follows).

    ValueError names the option and the fix; curl's --resolve takes numeric addresses only, and so does this.
    """
    text = value.strip()
    port_text: str | None = None
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            host = ""
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host = text
    example = f"{option}=192.0.2.10:443"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{option}={value}: {host or value!r} is not an IP address; use NAME=ADDRESS[:PORT], e.g. {example}"
        ) from None
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{option}={value}: the port {port_text!r} is not 1 to 65535; e.g. {example}")
    return host, int(port_text)


def gate_urls(settings: GateSettings) -> list[SplitResult]:
    """The --gate URLs (default ``https://HOST/``), parsed; ValueError names a URL that is not http(s)."""
    found = []
    for url in settings.urls or (f"https://{settings.host}/",):
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        except ValueError:
            raise ValueError(f"--gate {url}: its port is not a number from 1 to 65535") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--gate {url}: not an http:// or https:// URL; e.g. --gate https://{settings.host}/")
        found.append(parts)
    return found


def probe_rate(settings: GateSettings) -> float:
    """Requests a second sent to each load balancer (over all gate URLs) to reach --min-samples in the window."""
    wanted = settings.min_samples * RATE_HEADROOM / settings.gate_seconds
    return min(MAX_RATE, max(MIN_RATE, wanted))


def settings_problem(settings: GateSettings) -> str | None:
    """Why these settings cannot gate anything (one line naming the option and the fix), or None.

    The command's parser may call it to exit 2 before any change; a gate given such settings fails at once.
    """
    if not settings.host.strip():
        return "the gate's HOST is empty; give --host"
    if "*" in settings.host:
        example = settings.host.replace("*", "www", 1)
        return f"--host {settings.host} is a wildcard: no client asks for it; gate a name it serves (e.g. {example})"
    if not 0 < settings.gate_seconds <= MAX_DURATION_S:
        return f"--gate-seconds {settings.gate_seconds:g} is out of range; use more than 0 and at most 3600"
    if settings.min_samples < 1:
        return f"--min-samples {settings.min_samples} is out of range; use 1 or more"
    if not 0 <= settings.max_error_rate < 1:
        return f"--max-error-rate {settings.max_error_rate:g} is out of range; use 0 to below 1 (0.001 = 0.1%)"
    if settings.max_p99_ms is not None and not settings.max_p99_ms > 0:
        return f"--max-p99-ms {settings.max_p99_ms:g} is out of range; use more than 0"
    reachable = math.floor(MAX_RATE * settings.gate_seconds)
    if settings.min_samples > reachable:
        needed = math.ceil(settings.min_samples / MAX_RATE)
        return (
            f"--min-samples {settings.min_samples} cannot be reached within --gate-seconds {settings.gate_seconds:g}: "
            f"the probe sends at most {MAX_RATE:.0f} requests a second, {reachable} in that window; raise "
            f"--gate-seconds to at least {needed} or lower --min-samples to at most {reachable}"
        )
    try:
        gate_urls(settings)
        for name, value in settings.resolve.items():
            parse_address(f"--resolve {name}", value)
    except ValueError as error:
        return str(error)
    return None


@dataclass
class Measured:
    """One load balancer's figures over the window, every gate URL and worker together."""

    lb: LoadBalancer
    http: HttpStats
    ws: WebSocketStats | None
    ws_wanted: int  # connections the gate held (0 without --ws)
    pinned: str | None  # the --resolve address used instead of looking the name up
    # Per gate URL: (latency, status, Location) of each answer counted in http.latencies_ms.
    answered: dict[str, list[tuple[float, int, str]]] = field(default_factory=dict)

    @property
    def samples(self) -> int:
        return len(self.http.latencies_ms) + self.http.errors

    @property
    def error_rate(self) -> float | None:
        return self.http.errors / self.samples if self.samples else None

    @property
    def p99_ms(self) -> float | None:
        values = self.http.latencies_ms
        return round(nearest_rank(values, 99), 2) if values else None

    def top_reasons(self, reasons: Any, limit: int = 3) -> str:
        return ", ".join(f"{reason} x{count}" for reason, count in reasons.most_common(limit))

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_balancer": self.lb.dns_name,
            "address": self.pinned,
            "samples": self.samples,
            "errors": self.http.errors,
            "error_rate": self.error_rate,
            "p99_ms": self.p99_ms,
            "http": self.http.as_dict(),
            "websocket": self.ws.as_dict() if self.ws is not None else None,
            "websocket_connections_wanted": self.ws_wanted,
        }


class ProbeGates:
    """The gates ``albops cutover`` calls (``albops.cutover.model.Gates``): probes plus the new ALB's CloudWatch."""

    def __init__(self, aws: AwsSession, timeout: float = DEFAULT_TIMEOUT, ws_connections: int = WS_CONNECTIONS) -> None:
        self.aws = aws
        self.timeout = timeout
        self.ws_connections = ws_connections

    def before(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        """Before a change: the new load balancer, and the old one over the same window: for the default p99 and
        for its answers, which the new one's are compared with (a redirect the old one does not give fails)."""
        return self._gate("before", settings, new, old, stop)

    def after(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        """After a change is INSYNC and settled: both load balancers over the same window."""
        return self._gate("after", settings, new, old, stop)

    def _gate(
        self, phase: str, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult:
        problem = settings_problem(settings)
        if problem is None and settings.max_p99_ms is None and old is None:
            problem = (
                "no old load balancer to measure the default p99 threshold (twice the old one's p99) against; "
                "give --max-p99-ms"
            )
        if problem is not None:
            return GateResult(False, f"{phase}: not measured: {problem}", (problem,), {"phase": phase})
        if stop.is_set():
            return _interrupted(phase, 0.0, settings)
        started = time.monotonic()
        start = time.time()
        lbs = [new] if old is None else [new, old]
        measured = self._measure(settings, lbs, stop)
        if measured is None or stop.is_set():
            return _interrupted(phase, time.monotonic() - started, settings)
        compare_answers(measured[0], measured[1] if len(measured) > 1 else None)
        cloudwatch = read_metrics(self.aws, new, start, time.time())
        if stop.is_set():
            return _interrupted(phase, time.monotonic() - started, settings)
        return judge(phase, settings, measured[0], measured[1] if len(measured) > 1 else None, cloudwatch)

    def _measure(self, settings: GateSettings, lbs: list[LoadBalancer], stop: threading.Event) -> list[Measured] | None:
        """Every load balancer probed over the same window (None: ``stop`` was set, returned at once)."""
        urls = gate_urls(settings)
        pinned = {normalized_name(name): value for name, value in settings.resolve.items()}
        per_url = probe_rate(settings) / len(urls)
        workers = max(1, math.ceil(per_url / WORKER_RATE))
        plans: list[tuple[int, str, Prober]] = []
        pinned_used: list[str | None] = []
        for index, lb in enumerate(lbs):
            value = pinned.get(normalized_name(lb.dns_name))
            address, pinned_port = parse_address(f"--resolve {lb.dns_name}", value) if value else (None, None)
            pinned_used.append(value)
            for url in urls:
                port = pinned_port or url.port or (443 if url.scheme == "https" else 80)
                target = ConnectTo(normalized_name(lb.dns_name), port, address)
                netloc = settings.host if url.port is None else f"{settings.host}:{url.port}"
                probe_url = url._replace(netloc=netloc, fragment="").geturl()
                for worker in range(workers):
                    prober = Prober(
                        probe_url,
                        duration_s=settings.gate_seconds,
                        rate=per_url / workers,
                        connections=self.ws_connections if settings.ws and worker == 0 else 0,
                        timeout=self.timeout,
                        ca_file=settings.ca_file,
                        connect_to=target,
                    )
                    plans.append((index, url.geturl(), prober))
        results: list[Any] = [None] * len(plans)

        def run(slot: int) -> None:
            results[slot] = plans[slot][2].run(stop)

        threads = [threading.Thread(target=run, args=(slot,), daemon=True) for slot in range(len(plans))]
        for thread in threads:
            thread.start()
        # Each run ends by itself within its duration and two timeouts; the extra second is for the threads' start.
        bound = time.monotonic() + settings.gate_seconds + 2 * self.timeout + 1.0
        for thread in threads:
            while thread.is_alive() and time.monotonic() < bound:
                if stop.wait(0.05):
                    return None
        measured = []
        for index, lb in enumerate(lbs):
            http = HttpStats()
            ws = WebSocketStats() if settings.ws else None
            answered: dict[str, list[tuple[float, int, str]]] = {}
            for slot, (owner, url_key, _) in enumerate(plans):
                if owner != index:
                    continue
                result = results[slot]
                if result is None:  # a worker past every bound: counted, never read as clean
                    http.fail("the probe did not finish")
                    continue
                http.latencies_ms += result.http.latencies_ms
                answered.setdefault(url_key, []).extend(
                    (latency, status, location)
                    for latency, (status, location) in zip(result.http.latencies_ms, result.http.answers, strict=True)
                )
                http.errors += result.http.errors
                http.reasons.update(result.http.reasons)
                if ws is not None and result.websocket is not None:
                    _add_ws(ws, result.websocket)
            wanted = self.ws_connections * len(urls) if settings.ws else 0
            measured.append(Measured(lb, http, ws, wanted, pinned_used[index], answered))
        return measured


def _answers_text(entries: list[tuple[float, int, str]]) -> str:
    """The old load balancer's most frequent answers to one URL, in words."""
    if not entries:
        return "nothing (not measured)"
    counted = Counter((status, location) for _, status, location in entries)
    return " or ".join(
        f"HTTP {status}" + (f" to {location}" if location else "") for (status, location), _ in counted.most_common(2)
    )


def compare_answers(new: Measured, old: Measured | None) -> None:
    """Count as errors the new load balancer's answers the old one does not give for the same URL: a redirect
    (3xx) unless the old one redirects the same way (same status, same Location), or a status the old one never
    gives (200 where the old one answers 404). A new load balancer redirecting every GET elsewhere answers fast
    and without 5xx, and would pass every other figure. Changes ``new.http`` in place (errors, reasons, latencies)."""
    kept: list[float] = []
    for url, entries in new.answered.items():
        old_entries = old.answered.get(url, []) if old is not None else []
        old_answers = {(status, location) for _, status, location in old_entries}
        old_statuses = {status for _, status, _ in old_entries}
        for latency, status, location in entries:
            if (status, location) in old_answers:
                kept.append(latency)
            elif 300 <= status < 400:
                where = location or "no Location"
                new.http.fail(f"HTTP {status} to {where} where the old one answers {_answers_text(old_entries)}")
            elif old_statuses and status not in old_statuses:
                new.http.fail(f"HTTP {status} where the old one answers {_answers_text(old_entries)}")
            else:
                kept.append(latency)
    if new.answered:
        new.http.latencies_ms = kept


def _add_ws(total: WebSocketStats, part: WebSocketStats) -> None:
    total.connections += part.connections
    total.drops += part.drops
    total.reconnects += part.reconnects
    total.connect_errors += part.connect_errors
    total.attempts += part.attempts
    total.echo_failures += part.echo_failures
    total.reasons.update(part.reasons)
    total.rtts_ms += part.rtts_ms


def _interrupted(phase: str, elapsed: float, settings: GateSettings) -> GateResult:
    line = f"{phase}: interrupted after {elapsed:.1f} s of {settings.gate_seconds:g} s: nothing judged, the gate fails"
    return GateResult(False, line, ("interrupted",), {"phase": phase, "interrupted": True})


def _percent(rate: float) -> str:
    return f"{rate * 100:.2f}%"


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def judge(
    phase: str, settings: GateSettings, new: Measured, old: Measured | None, cloudwatch: CloudWatchFigures
) -> GateResult:
    """The gate's verdict from what was measured: every figure against its threshold, one clause each."""
    reasons: list[str] = []
    clauses: list[str] = []
    # The p99 threshold: given, or twice the old load balancer's, measured the same way over the same window.
    threshold: float | None = settings.max_p99_ms
    threshold_text = "" if threshold is None else f"{_ms(threshold)} (--max-p99-ms)"
    if threshold is None and old is not None:
        old_p99 = old.p99_ms
        if old_p99 is not None and old.samples >= settings.min_samples:
            threshold = 2 * old_p99
            threshold_text = f"{_ms(threshold)} (2x old {_ms(old_p99)})"
        else:
            why = (
                f"no answer ({old.top_reasons(old.http.reasons)})"
                if old_p99 is None
                else f"{old.samples} samples < {settings.min_samples}"
            )
            reasons.append(
                f"old {old.lb.dns_name}: p99 not measured ({why}): the default p99 threshold (twice the old one's) "
                "cannot be set; give --max-p99-ms"
            )
    # The new load balancer, as the probe saw it.
    samples = new.samples
    figure = f"new: {samples} samples"
    if samples >= settings.min_samples:
        figure += f" >= {settings.min_samples}"
    else:
        figure += f" < {settings.min_samples}"
        reasons.append(
            f"new: insufficient samples: {samples} < {settings.min_samples} (--min-samples) in "
            f"{settings.gate_seconds:g} s (--gate-seconds)"
        )
    clauses.append(figure)
    rate = new.error_rate
    if rate is not None:
        ok = rate <= settings.max_error_rate
        clauses.append(f"errors {_percent(rate)} {'<=' if ok else '>'} {_percent(settings.max_error_rate)}")
        if not ok:
            reasons.append(
                f"new: error rate {_percent(rate)} > {_percent(settings.max_error_rate)} (--max-error-rate): "
                f"{new.http.errors} of {samples} ({new.top_reasons(new.http.reasons)})"
            )
    p99 = new.p99_ms
    if p99 is None:
        clauses.append("p99 not measured")
        hint = (
            "; it is an internal load balancer: run the cutover from inside its VPC"
            if new.lb.scheme == "internal"
            else ""
        )
        reasons.append(
            f"new {new.lb.dns_name}: not reached, no request answered "
            f"({new.top_reasons(new.http.reasons) or 'no request sent'}){hint}"
        )
    elif threshold is None:
        clauses.append(f"p99 {_ms(p99)} (no threshold)")
    else:
        ok = p99 <= threshold
        clauses.append(f"p99 {_ms(p99)} {'<=' if ok else '>'} {threshold_text}")
        if not ok:
            reasons.append(f"new: p99 {_ms(p99)} > {threshold_text}")
    if new.ws is not None:
        ws = new.ws
        if not ws.failed and ws.connections >= new.ws_wanted:
            clauses.append(f"ws {ws.connections}/{new.ws_wanted} held ({len(ws.rtts_ms)} echoes)")
        else:
            counts = (
                f"{ws.drops} drops, {ws.echo_failures} without echo, {ws.connect_errors} not opened, "
                f"{len(ws.rtts_ms)} echoes on {ws.connections}/{new.ws_wanted} connections"
            )
            clauses.append(f"ws NOT held: {counts}")
            detail = new.top_reasons(ws.reasons) or "no echo"
            reasons.append(f"new: WebSocket echoes not held for the whole window: {counts} ({detail})")
    line = ", ".join(clauses)
    if old is not None:
        old_rate = old.error_rate
        old_p99 = old.p99_ms
        line += (
            f"; old: {old.samples} samples, errors {'-' if old_rate is None else _percent(old_rate)}, "
            f"p99 {'not measured' if old_p99 is None else _ms(old_p99)}"
        )
    cloud_line, cloud_reasons = _judge_cloudwatch(settings, cloudwatch, threshold, threshold_text)
    line += f"; {cloud_line}"
    reasons += cloud_reasons
    figures: dict[str, Any] = {
        "phase": phase,
        "host": settings.host,
        "gate_seconds": settings.gate_seconds,
        "urls": [f"https://{settings.host}/"] if not settings.urls else list(settings.urls),
        "thresholds": {
            "min_samples": settings.min_samples,
            "max_error_rate": settings.max_error_rate,
            "max_p99_ms": threshold,
            "max_p99_from": "--max-p99-ms" if settings.max_p99_ms is not None else "2x old p99",
            "websocket": settings.ws,
        },
        "new": new.as_dict(),
        "old": old.as_dict() if old is not None else None,
        "cloudwatch": cloudwatch.as_dict(),
        "reasons": list(reasons),
    }
    return GateResult(not reasons, f"{phase}: {line}", tuple(reasons), figures)


def _judge_cloudwatch(
    settings: GateSettings, figures: CloudWatchFigures, threshold: float | None, threshold_text: str
) -> tuple[str, list[str]]:
    """The CloudWatch clause of the line, and its failures."""
    if figures.status == "not read":
        return f"CloudWatch: not read ({figures.detail})", []
    if figures.status == "error":
        return f"CloudWatch: NOT READ ({figures.detail})", [f"CloudWatch {figures.namespace}: {figures.detail}"]
    span = ""
    if figures.start and figures.end:
        span = f" {figures.start:%H:%M}-{figures.end:%H:%M} UTC"
    head = f"CloudWatch {figures.namespace}{span}"
    if figures.status == "no data":
        return f"{head}: no CloudWatch data (metrics come a minute or more late; a new ALB has none yet)", []
    reasons: list[str] = []
    parts: list[str] = []
    sums = figures.sums
    if figures.namespace.endswith("ApplicationELB"):
        elb5, target5 = sums.get("elb5xx", 0.0), sums.get("target5xx", 0.0)
        rejected, requests = sums.get("rejected", 0.0), sums.get("requests", 0.0)
        errors = elb5 + target5 + rejected
        # ELB 5xx given before a target was chosen are not in RequestCount: the denominator is never below the errors.
        total = max(requests + rejected, errors)
        counts = f"{elb5:.0f} ELB 5xx, {target5:.0f} target 5xx, {rejected:.0f} rejected of {requests:.0f} requests"
        if total:
            rate = errors / total
            ok = rate <= settings.max_error_rate
            parts.append(f"{counts} ({_percent(rate)} {'<=' if ok else '>'} {_percent(settings.max_error_rate)})")
            if not ok:
                reasons.append(
                    f"CloudWatch: error rate {_percent(rate)} > {_percent(settings.max_error_rate)} ({counts})"
                )
        else:
            parts.append(counts)
        if figures.p99_ms is not None:
            if threshold is None:
                parts.append(f"target p99 {_ms(figures.p99_ms)}")
            else:
                ok = figures.p99_ms <= threshold
                parts.append(f"target p99 {_ms(figures.p99_ms)} {'<=' if ok else '>'} {threshold_text}")
                if not ok:
                    reasons.append(f"CloudWatch: TargetResponseTime p99 {_ms(figures.p99_ms)} > {threshold_text}")
    else:
        parts.append(
            f"{sums.get('resets', 0.0):.0f} ELB resets of {sums.get('flows', 0.0):.0f} new flows (reported, not gated)"
        )
    unhealthy = {group: count for group, count in figures.unhealthy.items() if count > 0}
    # "0 unhealthy" only for what was measured: a load balancer with no target group, or groups without data
    # points, says so instead (nothing unmeasured reads as a pass).
    groups_known = list(dict.fromkeys([*figures.target_groups, *figures.unhealthy]))
    reported = len(figures.unhealthy)
    if not groups_known:
        parts.append("unhealthy hosts not measured (no target group)")
    elif not reported:
        parts.append(f"unhealthy hosts not measured (no UnHealthyHostCount data for {len(groups_known)} target groups)")
    else:
        of = f" ({reported} of {len(groups_known)} target groups reported)" if reported < len(groups_known) else ""
        parts.append(f"{sum(unhealthy.values()):.0f} unhealthy{of}")
    if unhealthy:
        groups = ", ".join(f"{group}: {count:.0f}" for group, count in sorted(unhealthy.items()))
        reasons.append(f"CloudWatch: unhealthy targets (UnHealthyHostCount Maximum > 0) in {groups}")
    return f"{head}: " + ", ".join(parts), reasons
