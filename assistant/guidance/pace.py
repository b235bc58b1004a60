"""Difficulty and pace control.

Keeps the learner in a target success band (by default 70-85 % expected
correctness). Repeated failure or negative affect steps down (review a weak
prerequisite, else more practice at an easier level); sustained success or
"too easy" steps up (skip ahead when the course is mastered, else harder
material). Behind schedule re-plans; ahead of schedule accelerates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .schema import QuizResult

# Decision actions (plain strings so actions can switch on them).
CONTINUE = "continue"
START = "start_course"
REVIEW_PREREQUISITE = "review_prerequisite"
PRACTICE = "practice_easier"
STEP_UP = "step_up"
SKIP_AHEAD = "skip_ahead"
REPLAN = "replan"
ACCELERATE = "accelerate"
DONE = "goal_reached"


@dataclass(frozen=True)
class PaceInput:
    """What the controller looks at.

    Attributes:
        course_title: current course.
        results: the learner's results on this course, oldest first.
        expected_correct: the mastery model's P(correct) on the next item.
        course_mastery: mean mastery of the course's skills (None = no data).
        weak_prerequisites: (course id, title, mastery or None) of prerequisites
            not yet mastered, weakest first.
        negative_affect: the learner sounded confused/frustrated.
        too_easy: the learner said it is too easy / bored.
        progress: progress on the course in [0, 1].
        planned_progress: what the plan expected by now.
        weekly_hours: hours per week (for the pace message).
    """

    course_title: str
    results: Sequence[QuizResult] = ()
    expected_correct: float | None = None
    course_mastery: float | None = None
    weak_prerequisites: Sequence[tuple[Any, str, float | None]] = ()
    negative_affect: bool = False
    too_easy: bool = False
    progress: float | None = None
    planned_progress: float | None = None


@dataclass(frozen=True)
class PaceDecision:
    """Action plus the facts that led to it."""

    action: str
    reason: str
    target: Any = None
    target_title: str = ""
    evidence: dict = field(default_factory=dict)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _names(results: Sequence[QuizResult]) -> str:
    items = list(dict.fromkeys(r.item for r in results))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class PaceController:
    """Rule-based controller around a target success band.

    Args:
        band: (low, high) target expected correctness.
        fail_score: a score below this is a failed quiz.
        fail_streak: failed quizzes in a row that trigger a step down.
        success_score: a score at or above this is a clear success.
        success_streak: successes in a row that trigger a step up.
        mastered: course mastery at which the learner may skip ahead.
        schedule_slack: progress gap (fraction of the course) tolerated before re-planning.
    """

    def __init__(self, band: tuple[float, float] = (0.70, 0.85), fail_score: float = 0.6,
                 fail_streak: int = 2, success_score: float = 0.85, success_streak: int = 3,
                 mastered: float = 0.95, schedule_slack: float = 0.15) -> None:
        if not 0 < band[0] < band[1] < 1:
            raise ValueError("band must satisfy 0 < low < high < 1")
        self.band = band
        self.fail_score = fail_score
        self.fail_streak = fail_streak
        self.success_score = success_score
        self.success_streak = success_streak
        self.mastered = mastered
        self.schedule_slack = schedule_slack

    def _tail(self, results: Sequence[QuizResult], pred) -> list[QuizResult]:
        tail: list[QuizResult] = []
        for r in reversed(results):
            if not pred(r.score):
                break
            tail.append(r)
        return tail[::-1]

    def decide(self, x: PaceInput) -> PaceDecision:
        """The next move for the learner on the current course."""
        fails = self._tail(x.results, lambda s: s < self.fail_score)
        wins = self._tail(x.results, lambda s: s >= self.success_score)
        low, high = self.band
        ev = {"fails_in_a_row": len(fails), "successes_in_a_row": len(wins),
              "expected_correct": x.expected_correct, "course_mastery": x.course_mastery}
        below_band = x.expected_correct is not None and x.expected_correct < low
        above_band = x.expected_correct is not None and x.expected_correct > high

        if len(fails) >= self.fail_streak or x.negative_affect or (below_band and len(fails) >= 1):
            if len(fails) >= self.fail_streak:
                shown = [_pct(r.score) for r in fails[-3:]]
                scores = ", ".join(shown[:-1]) + " and " + shown[-1]
                latest = "latest: " if len(fails) > 3 else ""
                why = (f"Your last {len(fails)} quizzes on {_names(fails)} were below "
                       f"{_pct(self.fail_score)} ({latest}{scores})")
            elif x.negative_affect:
                why = f"You told me '{x.course_title}' feels hard right now"
            else:
                why = (f"Your last quiz on {_names(fails)} scored {_pct(fails[-1].score)} and I expect "
                       f"about {_pct(x.expected_correct)} on the next one, below the {_pct(low)} we aim for")
            if x.weak_prerequisites:
                pid, ptitle, pm = x.weak_prerequisites[0]
                known = f" (your mastery there is about {_pct(pm)})" if pm is not None else ""
                return PaceDecision(REVIEW_PREREQUISITE, f"{why}, so let's review '{ptitle}'{known} before "
                                    f"going on with '{x.course_title}'.", pid, ptitle, ev)
            topic = _names(fails) if fails else "the basics"
            return PaceDecision(PRACTICE, f"{why}, so let's slow down with easier practice on {topic} "
                                f"in '{x.course_title}' before moving on.", None, x.course_title, ev)

        if x.too_easy or (len(wins) >= self.success_streak and (x.expected_correct is None or above_band)):
            shown = [_pct(r.score) for r in wins[-self.success_streak:]]
            why = ("You said this feels too easy" if x.too_easy else
                   f"You scored {', '.join(shown[:-1])} and {shown[-1]} on your last {len(shown)} quizzes")
            if x.course_mastery is not None and x.course_mastery >= self.mastered:
                return PaceDecision(SKIP_AHEAD, f"{why} and your mastery of '{x.course_title}' is "
                                    f"{_pct(x.course_mastery)}, so you can skip ahead to the next course.",
                                    None, x.course_title, ev)
            extra = (f" (I expect {_pct(x.expected_correct)} on the next quiz, above the {_pct(high)} band)"
                     if above_band else "")
            return PaceDecision(STEP_UP, f"{why}{extra}, so let's move on to harder material in "
                                f"'{x.course_title}'.", None, x.course_title, ev)

        if x.progress is not None and x.planned_progress is not None:
            gap = x.planned_progress - x.progress
            ev.update(progress=x.progress, planned_progress=x.planned_progress)
            if gap > self.schedule_slack:
                return PaceDecision(REPLAN, f"You are {_pct(x.progress)} through '{x.course_title}' and the plan "
                                    f"expected {_pct(x.planned_progress)} by now, so let's re-plan the coming weeks.",
                                    None, x.course_title, ev)
            if -gap > self.schedule_slack:
                return PaceDecision(ACCELERATE, f"You are {_pct(x.progress)} through '{x.course_title}', ahead of "
                                    f"the planned {_pct(x.planned_progress)}, so we can speed up the plan.",
                                    None, x.course_title, ev)

        if x.expected_correct is not None:
            why = f"I expect about {_pct(x.expected_correct)} on your next quiz in '{x.course_title}'"
            why += ", inside the target band" if low <= x.expected_correct <= high else ""
        else:
            why = f"You are on track in '{x.course_title}'"
        return PaceDecision(CONTINUE, f"{why}, so carry on with the next module.", None, x.course_title, ev)
