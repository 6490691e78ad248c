"""The types the record engine and the gates share, so each side can be built and tested alone.

The record side (``records``, ``engine``) reads and changes Route 53 and resolves load balancers; the gate side
(``gates``) measures them. Neither imports the other's internals: the engine calls a ``Gates`` object.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class LoadBalancer:
    """A load balancer as an alias record names it and as a probe reaches it."""

    dns_name: str  # lower case, no trailing dot, no "dualstack." prefix
    zone_id: str  # its canonical hosted zone id: the alias target's HostedZoneId
    kind: str  # "application", "network", "gateway" (ELBv2 Type) or "classic"
    name: str  # the load balancer's name
    arn: str | None = None  # ELBv2 only; None for a Classic load balancer
    scheme: str = "internet-facing"  # or "internal": a probe from outside the VPC cannot reach it


@dataclass(frozen=True)
class GateSettings:
    """The command's gate options, checked by the parser (ranges) before any call."""

    host: str  # SNI and Host header of every probe
    urls: tuple[str, ...]  # --gate URLs; the default is https://HOST/
    resolve: Mapping[str, str] = field(default_factory=dict)  # --resolve NAME -> "ADDRESS[:PORT]"
    ca_file: str | None = None
    gate_seconds: float = 60.0
    min_samples: int = 1000
    max_error_rate: float = 0.001
    max_p99_ms: float | None = None  # None: twice the old load balancer's p99, measured the same way
    ws: bool = False


@dataclass(frozen=True)
class GateResult:
    passed: bool
    line: str  # one line: each measured figure against its threshold
    reasons: tuple[str, ...] = ()  # why it failed, one clause each
    figures: Mapping[str, Any] = field(default_factory=dict)  # for --json


class Gates(Protocol):
    """What the engine asks of the gates. ``stop`` is set on SIGINT/SIGTERM: a gate then ends at once, failed."""

    def before(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult: ...

    def after(
        self, settings: GateSettings, new: LoadBalancer, old: LoadBalancer | None, stop: threading.Event
    ) -> GateResult: ...
