"""Target-group weights the ELB API takes: whole numbers from 0 to 999.

The controller v3.5.0 passes an Ingress forward action's ``weight`` through unchecked
(pkg/ingress/config_types.go TargetGroupTuple, model_build_actions.go), and ELBv2 CreateRule/ModifyRule
refuse a weight outside 0..999 (API reference, TargetGroupTuple.Weight), which stops the reconcile of the
whole group. The controller's own Gateway code caps backendRef weights at the same value
(pkg/gateway/routeutils/backend.go, maxWeight = 999). ingress-nginx's ``canary-weight-total`` goes up to
any integer (canary/main.go), so 10000 is a common total and must be scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

MAX_WEIGHT = 999


@dataclass(frozen=True)
class Scaled:
    weights: tuple[int, ...]
    exact: bool  # every share is the same as before

    def shares(self, weights: tuple[int, ...] | None = None) -> str:
        """The weights as percentages, e.g. ``99.95% / 0.05%``."""
        values = self.weights if weights is None else weights
        total = sum(values)
        return " / ".join(f"{Fraction(100 * w, total or 1).__float__():.4g}%" for w in values)


def _round_half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2))


def scale(weights: tuple[int, ...]) -> Scaled:
    """``weights`` scaled so the largest is at most MAX_WEIGHT, keeping their ratio as closely as whole numbers can.

    The largest weight becomes 999 and the others are rounded half up from the same factor, so a share
    of 0 stays 0 (and the one left alone keeps 100%), and a share above 0 never rounds down to 0 (it
    becomes 1: a canary keeps receiving traffic). Weights already in range are kept as written.
    """
    if max(weights, default=0) <= MAX_WEIGHT:
        return Scaled(weights, True)
    factor = Fraction(MAX_WEIGHT, max(weights))
    scaled = tuple(0 if w == 0 else min(MAX_WEIGHT, max(1, _round_half_up(w * factor))) for w in weights)
    total, new_total = sum(weights), sum(scaled)
    exact = all(Fraction(a, total) == Fraction(b, new_total) for a, b in zip(weights, scaled, strict=True))
    return Scaled(scaled, exact)
