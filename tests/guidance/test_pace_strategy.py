"""Pace controller and strategy selector rules in isolation."""

from __future__ import annotations

import pytest

from assistant.guidance import pace as P
from assistant.guidance.schema import QuizResult, Signal
from assistant.guidance.strategy import StrategySelector


def results(*scores, item="joins"):
    return [QuizResult(item, s) for s in scores]


@pytest.fixture
def ctl():
    return P.PaceController()


def test_band_is_validated():
    with pytest.raises(ValueError):
        P.PaceController(band=(0.9, 0.7))


def test_one_failure_inside_band_continues(ctl):
    d = ctl.decide(P.PaceInput("SQL", results(0.9, 0.5), expected_correct=0.75))
    assert d.action == P.CONTINUE and "75%" in d.reason and "inside the target band" in d.reason


def test_one_failure_below_band_steps_down(ctl):
    d = ctl.decide(P.PaceInput("SQL", results(0.5), expected_correct=0.55))
    assert d.action == P.PRACTICE and "55%" in d.reason and "below the 70%" in d.reason


def test_long_failure_streak_mentions_all_of_it(ctl):
    d = ctl.decide(P.PaceInput("SQL", results(0.9, 0.5, 0.4, 0.3, 0.2),
                               weak_prerequisites=[("db", "Databases", None)]))
    assert d.action == P.REVIEW_PREREQUISITE and d.target == "db"
    assert "last 4 quizzes" in d.reason and "(latest: 40%, 30% and 20%)" in d.reason
    assert "your mastery there" not in d.reason  # no data on the prerequisite, no invented number


def test_success_streak_needs_high_expectation(ctl):
    wins = results(0.9, 0.95, 1.0)
    assert ctl.decide(P.PaceInput("SQL", wins, expected_correct=0.8)).action == P.CONTINUE
    up = ctl.decide(P.PaceInput("SQL", wins, expected_correct=0.9))
    assert up.action == P.STEP_UP and "90%, 95% and 100% on your last 3 quizzes" in up.reason
    skip = ctl.decide(P.PaceInput("SQL", wins, expected_correct=0.9, course_mastery=0.97))
    assert skip.action == P.SKIP_AHEAD


def test_schedule_slack(ctl):
    assert ctl.decide(P.PaceInput("SQL", progress=0.5, planned_progress=0.6)).action == P.CONTINUE
    assert ctl.decide(P.PaceInput("SQL", progress=0.3, planned_progress=0.6)).action == P.REPLAN
    assert ctl.decide(P.PaceInput("SQL", progress=0.9, planned_progress=0.6)).action == P.ACCELERATE


@pytest.mark.parametrize("signal,tone,handoff", [
    (Signal("confused"), "encouraging", False),
    (Signal("frustrated"), "encouraging", True),
    (Signal("neutral", help_need=0.9), "encouraging", True),
    (Signal("neutral", polarity=-0.6), "encouraging", False),
    (Signal("bored"), "challenging", False),
    (Signal("positive", polarity=0.8), "neutral", False),
])
def test_strategy_by_signal(signal, tone, handoff):
    s = StrategySelector().select(signal)
    assert (s.tone, s.offer_handoff) == (tone, handoff)
    assert s.simpler_explanation == s.add_review == (tone == "encouraging")
    assert s.more_challenge == (tone == "challenging")


def test_repeated_failure_alone_triggers_support():
    s = StrategySelector().select(Signal("neutral"), failures_in_a_row=3)
    assert s.tone == "encouraging" and s.offer_handoff and "last 3 quizzes" in s.reason


def test_confusion_after_a_failed_quiz_offers_a_person_but_confusion_alone_does_not():
    selector = StrategySelector()
    assert selector.select(Signal("confused"), failures_in_a_row=1).offer_handoff
    assert not selector.select(Signal("confused"), failures_in_a_row=0).offer_handoff
