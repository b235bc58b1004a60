"""The promotion rule: a candidate replaces production unless it is worse beyond a tolerance."""

from __future__ import annotations

from dataclasses import dataclass

GATE_METRIC = "ndcg@10"


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(candidate: dict[str, float], production: dict[str, float] | None, tolerance: float,
           force: bool = False) -> Decision:
    """Compare held-back ``GATE_METRIC`` of a candidate and of production (both on the same split).

    Args:
        candidate: The candidate's held-back metrics.
        production: Production's held-back metrics, or None when nothing is in production.
        tolerance: Largest allowed absolute drop of ``GATE_METRIC`` (>= 0).
        force: Promote whatever the figures say.

    Raises:
        ValueError: On a negative tolerance.
    """
    if tolerance < 0:
        raise ValueError(f"the promotion tolerance must be >= 0, got {tolerance}")
    if production is None:
        return Decision(True, "no model in production")
    new, old = candidate.get(GATE_METRIC, float("nan")), production.get(GATE_METRIC, float("nan"))
    change = f"{GATE_METRIC} {old:.4f} -> {new:.4f} ({new - old:+.4f}, tolerance {tolerance:g})"
    if force:
        return Decision(True, f"forced; {change}")
    if new != new:  # NaN: nothing held back to judge by
        return Decision(False, f"no held-back courses to compare on; {change}")
    if old != old or new >= old - tolerance:
        return Decision(True, change)
    return Decision(False, f"worse than production: {change}")
