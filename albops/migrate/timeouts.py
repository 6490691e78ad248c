"""The idle timeout of each ALB group, from ingress-nginx's proxy-read-timeout and proxy-send-timeout.

ingress-nginx keeps a timeout per location (internal/ingress/annotations/proxy/main.go, controller-v1.15.1:
the annotation read with strconv.Atoi, else the ConfigMap's value, 60 s by default). An ALB has one idle
timeout (``idle_timeout.timeout_seconds``, 1 to 4000 s) for every Ingress of its group. So the group
takes the LARGEST value any of its Ingresses asked for: a WebSocket or long-poll app that asked for an
hour must not be cut at 60 s; the others only keep idle connections open longer.

The controller merges ``load-balancer-attributes`` over the group's members and fails the whole group
when two members give one attribute different values (v3.5.0,
pkg/ingress/model_build_load_balancer_attributes.go, buildIngressGroupLoadBalancerAttributes:
"conflicting load balancer attributes"). So every member gets the identical string, and members of the
group that are not in this input must carry the same one.
"""

from __future__ import annotations

from collections.abc import Iterable

from albingress.facts.go_values import go_atoi
from albops.migrate.reading import Source
from albops.migrate.report import Report
from albops.migrate.routes import ALB, NGINX

TIMEOUT_KEYS = ("proxy-read-timeout", "proxy-send-timeout")
# ingress-nginx's default for both (config.NewDefault: ProxyReadTimeout, ProxySendTimeout).
NGINX_TIMEOUT_DEFAULT = 60
# The ALB's idle timeout range, in seconds (ELB load balancer attribute idle_timeout.timeout_seconds).
IDLE_TIMEOUT_RANGE = (1, 4000)
ATTRIBUTES = ALB + "load-balancer-attributes"


def _asked(source: Source, report: Report) -> int | None:
    """The longest timeout this Ingress asked for (annotation or ConfigMap), or None when neither sets one."""
    found = []
    for key in TIMEOUT_KEYS:
        raw = source.nginx.get(key)
        if raw is None:
            continue
        value = go_atoi(raw)
        if value is None or value <= 0:
            where = NGINX + key if key in source.own else f"--controller-config {key}"
            report.add(
                source.name,
                where,
                "not-converted",
                f"{raw!r} is not a positive whole number of seconds as Go's strconv.Atoi reads it (ingress-nginx "
                "refuses such an annotation when it validates annotations, its default); ignored",
            )
            continue
        found.append(value)
    return max(found) if found else None


def group_timeouts(sources: Iterable[Source], report: Report) -> None:
    """One ``idle_timeout.timeout_seconds`` per group: the largest asked for, written on every member."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        if not source.canary:
            groups.setdefault(str(source.annotations.get(ALB + "group.name")), []).append(source)
    for group, members in groups.items():
        asked = {s.name: _asked(s, report) for s in members}
        if all(value is None for value in asked.values()):
            continue
        largest = max(value for value in asked.values() if value is not None)
        seconds = min(max(largest, IDLE_TIMEOUT_RANGE[0]), IDLE_TIMEOUT_RANGE[1])
        attribute = f"idle_timeout.timeout_seconds={seconds}"
        for s in members:
            existing = s.annotations.get(ATTRIBUTES)
            others = [a for a in (existing or "").split(",") if a and not a.startswith("idle_timeout.timeout_seconds=")]
            s.annotations[ATTRIBUTES] = ",".join([*others, attribute])
            for key in TIMEOUT_KEYS:
                if key in s.own and (go_atoi(s.nginx[key]) or 0) > 0:
                    report.add(
                        s.name,
                        NGINX + key,
                        "converted",
                        f"into the idle timeout of ALB group {group!r} (see the group's finding)",
                    )
        lower = sorted(name for name, value in asked.items() if (value or NGINX_TIMEOUT_DEFAULT) < seconds)
        values = ", ".join(
            f"{name}: {value if value is not None else f'{NGINX_TIMEOUT_DEFAULT} (default)'}"
            for name, value in sorted(asked.items())
        )
        detail = (
            f"load-balancer-attributes {attribute} on every converted Ingress of the group ({len(members)}): one idle "
            f"timeout per ALB, so it takes the largest proxy-read-timeout/proxy-send-timeout asked for ({values})"
        )
        if largest > IDLE_TIMEOUT_RANGE[1]:
            detail += f"; {largest} s capped at the ALB's {IDLE_TIMEOUT_RANGE[1]} s"
        if lower:
            detail += f"; {', '.join(lower)} asked for less and keep idle connections open longer"
        detail += (
            ". It counts idle time on both connections, not one read or send. Ingresses of this group that are not "
            "in this input must carry the identical load-balancer-attributes string, or the controller fails the "
            "whole group (conflicting load balancer attributes)"
        )
        report.add_group(group, ATTRIBUTES, "approximated", detail, [s.name for s in members])
