"""The promotion rule."""

from __future__ import annotations

import pytest

from assistant.ops.gate import decide


def test_first_model_is_always_promoted():
    assert decide({"ndcg@10": 0.1}, None, 0.01).promote


@pytest.mark.parametrize(("candidate", "production", "tolerance", "promote"), [
    (0.30, 0.30, 0.01, True),
    (0.295, 0.30, 0.01, True),  # a drop inside the tolerance
    (0.289, 0.30, 0.01, False),  # a drop beyond it
    (0.35, 0.30, 0.0, True),
    (0.2999, 0.30, 0.0, False),
])
def test_candidate_may_be_worse_only_within_the_tolerance(candidate, production, tolerance, promote):
    decision = decide({"ndcg@10": candidate}, {"ndcg@10": production}, tolerance)
    assert decision.promote is promote
    assert "ndcg@10" in decision.reason and (promote or "worse" in decision.reason)


def test_force_promotes_a_worse_candidate():
    decision = decide({"ndcg@10": 0.1}, {"ndcg@10": 0.5}, 0.01, force=True)
    assert decision.promote and decision.reason.startswith("forced")


def test_nothing_to_compare_on_is_not_promoted():
    assert not decide({"ndcg@10": float("nan")}, {"ndcg@10": float("nan")}, 0.01).promote


def test_negative_tolerance_is_refused():
    with pytest.raises(ValueError, match="tolerance"):
        decide({"ndcg@10": 0.3}, {"ndcg@10": 0.3}, -0.1)
