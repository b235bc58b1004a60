"""Sentiment- and help-need-aware teaching strategy.

Maps what the NLU heard (affect, polarity, help-need) to how the next step is
delivered: tone, simpler explanation, an added review step, more challenge,
and whether to offer a hand-off to course staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Signal

NEGATIVE = ("confused", "frustrated", "too_hard")


@dataclass(frozen=True)
class Strategy:
    """How to deliver the next step.

    Attributes:
        tone: ``encouraging``, ``challenging`` or ``neutral``.
        simpler_explanation: explain with simpler words and an example.
        add_review: insert a short review before continuing.
        more_challenge: offer harder material.
        offer_handoff: offer to put the learner in touch with course staff.
        reason: why, in plain words.
    """

    tone: str = "neutral"
    simpler_explanation: bool = False
    add_review: bool = False
    more_challenge: bool = False
    offer_handoff: bool = False
    reason: str = ""


class StrategySelector:
    """Chooses a :class:`Strategy` from a :class:`Signal`.

    Args:
        help_need_handoff: help-need at or above this offers a human hand-off.
        negative_polarity: polarity at or below this counts as negative affect.
        frustration_streak: failures in a row that also count as frustration.
    """

    def __init__(self, help_need_handoff: float = 0.7, negative_polarity: float = -0.4,
                 frustration_streak: int = 3) -> None:
        self.help_need_handoff = help_need_handoff
        self.negative_polarity = negative_polarity
        self.frustration_streak = frustration_streak

    def is_negative(self, signal: Signal) -> bool:
        """Confused, frustrated, "too hard", strongly negative or high help-need."""
        return (signal.kind in NEGATIVE or signal.polarity <= self.negative_polarity
                or signal.help_need >= self.help_need_handoff)

    def select(self, signal: Signal, failures_in_a_row: int = 0) -> Strategy:
        """Strategy for ``signal`` given the learner's current failure streak."""
        if self.is_negative(signal) or failures_in_a_row >= self.frustration_streak:
            why = []
            if signal.kind in NEGATIVE:
                why.append(f"you said you feel {signal.kind.replace('_', ' ')}")
            if signal.help_need >= self.help_need_handoff:
                why.append("your message sounds like you need help soon")
            if signal.polarity <= self.negative_polarity and signal.kind not in NEGATIVE:
                why.append("your message sounded discouraged")
            if failures_in_a_row >= self.frustration_streak:
                why.append(f"the last {failures_in_a_row} quizzes did not go well")
            # Confusion right after a failed quiz is when a person helps most.
            handoff = (signal.kind == "frustrated" or signal.help_need >= self.help_need_handoff
                       or (signal.kind == "confused" and failures_in_a_row >= 1)
                       or failures_in_a_row >= self.frustration_streak)
            return Strategy("encouraging", True, True, False, handoff, " and ".join(why))
        if signal.kind in ("bored", "too_easy"):
            what = "bored" if signal.kind == "bored" else "that this is too easy"
            return Strategy("challenging", more_challenge=True, reason=f"you said you feel {what}")
        if signal.kind == "positive" or signal.polarity > 0.3:
            return Strategy("neutral", reason="things are going well, so we carry on")
        return Strategy(reason="")
