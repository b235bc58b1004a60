"""The guidance planner API used by the chat actions.

:class:`GuidancePlanner` ties together the mastery model, the prerequisite
graph, path planning, pace control and the sentiment-aware strategy. Every
public method returns plain dataclasses; bad input comes back as a
:class:`~assistant.guidance.schema.GuidanceError` value, never as an
exception, so an action can always answer politely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from numbers import Real
from typing import Any, Sequence

import numpy as np

from . import pace as P
from .goals import Goal, GoalScorer, TfidfGoalScorer, parse_goal
from .graph import PrerequisiteGraph, Similarity
from .mastery import MasteryTracker
from .path import LearningPath, PathPlanner, money
from .schema import LEVELS, SIGNAL_KINDS, CourseInfo, GuidanceError, LearnerState, QuizResult, Signal
from .strategy import Strategy, StrategySelector

HANDOFF_OFFER = "Would you like me to put you in touch with the course staff?"
NO_PATH = "no_feasible_path"


@dataclass(frozen=True)
class Decision:
    """What the learner should do next, and why.

    Attributes:
        action: one of the constants in :mod:`assistant.guidance.pace`
            (``start_course``, ``continue``, ``review_prerequisite``,
            ``practice_easier``, ``step_up``, ``skip_ahead``, ``replan``,
            ``accelerate``, ``goal_reached``) or ``no_feasible_path``.
        reason: plain-language reason built from the learner's data.
        course_id, course_title: the course the action is about.
        strategy: how to deliver it (tone, review, hand-off offer).
        evidence: the numbers behind the reason.
        path: the plan the decision refers to, when one was computed.
    """

    action: str
    reason: str
    course_id: Any = None
    course_title: str = ""
    strategy: Strategy | None = None
    evidence: dict = field(default_factory=dict)
    path: LearningPath | None = None


@dataclass(frozen=True)
class Explanation:
    """Text for the chat: one summary sentence plus optional extra lines."""

    summary: str
    details: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Summary and details joined as one message."""
        return " ".join((self.summary, *self.details)).strip()


@dataclass(frozen=True)
class ResultRecorded:
    """Outcome of :meth:`GuidancePlanner.record_result`.

    Attributes:
        learner: the updated learner state (the input is not modified).
        item: the skill / quiz id.
        mastery_before, mastery_after: P(mastered) around the update.
        decision: the next step given the new result, or the error explaining
            why none can be decided yet (the mastery update is kept either way).
    """

    learner: LearnerState
    item: str
    mastery_before: float
    mastery_after: float
    decision: Decision | GuidanceError


def _err(code: str, message: str, fld: str = "") -> GuidanceError:
    return GuidanceError(code, message, fld)


def _bad_number(x: Any) -> bool:
    return isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(float(x))


class GuidancePlanner:
    """Facade over the guidance components.

    Args:
        courses: the catalog as :class:`CourseInfo`.
        graph: a prerequisite graph; inferred from ``courses`` when ``None``.
        similarity: course similarity for graph inference (matrix or callable).
        tracker: online mastery model; textbook BKT parameters when ``None``.
        goal_scorer: ``f(goal_text) -> scores per course`` (e.g. embeddings);
            TF-IDF when ``None``.
        pace: pace controller.
        strategy: strategy selector.
        max_weekly_hours: larger weekly hours are rejected as a typo.
    """

    def __init__(self, courses: Sequence[CourseInfo], graph: PrerequisiteGraph | None = None,
                 similarity: Similarity | None = None, tracker: MasteryTracker | None = None,
                 goal_scorer: GoalScorer | None = None, pace: P.PaceController | None = None,
                 strategy: StrategySelector | None = None, max_weekly_hours: float = 80.0) -> None:
        self.graph = graph or PrerequisiteGraph(courses, similarity=similarity)
        self.courses = self.graph.courses
        self._order = list(self.courses.values())
        self.tracker = tracker or MasteryTracker()
        self.goal_scorer = goal_scorer
        self.pace = pace or P.PaceController()
        self.strategy = strategy or StrategySelector()
        self.paths = PathPlanner(self.graph)
        self.max_weekly_hours = max_weekly_hours
        self._item_course = {s: c.id for c in self._order for s in c.skills}

    # ------------------------------------------------------------ validation
    def validate(self, learner: LearnerState, need_goal: bool = False) -> GuidanceError | None:
        """The first problem with ``learner``, or ``None``."""
        if learner.weekly_hours is None:
            return _err("missing_hours", "To plan your next step I need to know how many hours a week you can study: "
                        "tell me (for example 'I have 5 hours a week') or set up your profile.", "weekly_hours")
        if _bad_number(learner.weekly_hours) or learner.weekly_hours <= 0:
            return _err("bad_hours", f"Weekly hours must be a positive number; got {learner.weekly_hours!r}.",
                        "weekly_hours")
        if learner.weekly_hours > self.max_weekly_hours:
            return _err("bad_hours", f"{learner.weekly_hours:g} hours a week is more than the "
                        f"{self.max_weekly_hours:g} I can plan for.", "weekly_hours")
        if learner.budget is not None and (_bad_number(learner.budget) or learner.budget < 0):
            return _err("bad_budget", f"The budget must be zero or more; got {learner.budget!r}.", "budget")
        if learner.level is not None and learner.level not in LEVELS:
            return _err("bad_level", f"Level must be one of {', '.join(LEVELS)}; got {learner.level!r}.", "level")
        for cid in [*learner.completed, *learner.in_progress, *([learner.current_course] if learner.current_course
                                                                 is not None else [])]:
            if cid not in self.courses:
                return _err("unknown_course", f"Course {cid!r} is not in the catalog.", "course")
        for cid, prog in learner.in_progress.items():
            if _bad_number(prog) or not 0 <= prog <= 1:
                return _err("bad_progress", f"Progress on {cid!r} must be between 0 and 1; got {prog!r}.", "progress")
        if need_goal and not (learner.goal or "").strip():
            return _err("missing_goal", "Tell me your goal first, e.g. 'become a data analyst' or a course name.",
                        "goal")
        return None

    # ------------------------------------------------------------- mastery
    def mastery_of(self, learner: LearnerState, skill: str) -> float:
        """Current P(mastered) of ``skill`` (prior when unseen)."""
        return learner.mastery.get(skill, self.tracker.prior(skill, learner.level))

    def course_mastery(self, learner: LearnerState, course: CourseInfo) -> float | None:
        """Mean mastery over the course's skills with data, or ``None``."""
        vals = [learner.mastery[s] for s in course.skills if s in learner.mastery]
        return float(np.mean(vals)) if vals else None

    # ---------------------------------------------------------------- plan
    def _goal(self, learner: LearnerState) -> tuple[Goal, np.ndarray | None]:
        goal = parse_goal(learner.goal or "", self._order)
        if self.goal_scorer is None:
            self.goal_scorer = TfidfGoalScorer(self._order)
        text = goal.topics
        if goal.course_id is not None:
            c = self.courses[goal.course_id]
            text = f"{c.title} {c.summary}"
        return goal, np.asarray(self.goal_scorer(text), dtype=float)

    def plan(self, learner: LearnerState, horizon_weeks: float | None = None) -> LearningPath | GuidanceError:
        """Ordered path to the learner's goal within budget and (optional) horizon."""
        problem = self.validate(learner, need_goal=True)
        if problem is not None:
            return problem
        if horizon_weeks is not None and (_bad_number(horizon_weeks) or horizon_weeks <= 0):
            return _err("bad_horizon", f"The number of weeks must be positive; got {horizon_weeks!r}.", "weeks")
        goal, scores = self._goal(learner)
        return self.paths.plan(learner, goal, scores, horizon_weeks)

    # ------------------------------------------------------------ next step
    def _pace_input(self, learner: LearnerState, course: CourseInfo, negative: bool = False,
                    too_easy: bool = False) -> P.PaceInput:
        results = [r for r in learner.results
                   if r.course_id == course.id or (r.course_id is None and self._item_course.get(r.item) == course.id)]
        skills = list(course.skills) or list(dict.fromkeys(r.item for r in results))
        expected = (float(np.mean([self.tracker.expected_correct(s, self.mastery_of(learner, s)) for s in skills]))
                    if skills else None)
        weak = []
        for e in self.graph.parents(course.id):
            pc = self.courses[e.before]
            m = self.course_mastery(learner, pc)
            if (m is not None and m < self.pace.mastered) or (m is None and pc.id not in learner.completed):
                weak.append((pc.id, pc.title, m))
        weak.sort(key=lambda w: (w[2] is None, w[2] or 0.0))  # measured-weak first, weakest first
        return P.PaceInput(course.title, results, expected, self.course_mastery(learner, course), weak,
                           negative, too_easy, learner.in_progress.get(course.id), learner.planned_progress)

    def next_step(self, learner: LearnerState, strategy: Strategy | None = None,
                  negative: bool = False, too_easy: bool = False) -> Decision | GuidanceError:
        """The learner's next move with its reason."""
        problem = self.validate(learner)
        if problem is not None:
            return problem
        if learner.current_course is None:
            return self._start(learner, strategy)
        course = self.courses[learner.current_course]
        d = self.pace.decide(self._pace_input(learner, course, negative, too_easy))
        target = d.target if d.target is not None else course.id
        title = d.target_title or course.title
        if d.action == P.SKIP_AHEAD:
            nxt = self._following(learner, course.id)
            if nxt is None:
                return Decision(P.DONE, d.reason.replace("skip ahead to the next course",
                                "consider your goal reached"), course.id, course.title, strategy, d.evidence)
            target, title = nxt.id, nxt.title
            d = replace(d, reason=d.reason.replace("the next course", f"'{nxt.title}'"))
        return Decision(d.action, d.reason, target, title, strategy, d.evidence)

    def _start(self, learner: LearnerState, strategy: Strategy | None) -> Decision | GuidanceError:
        if not (learner.goal or "").strip():
            return self.validate(learner, need_goal=True)
        path = self.plan(learner)
        if isinstance(path, GuidanceError):
            return path
        if not path.feasible:
            return Decision(NO_PATH, path.reason, strategy=strategy, path=path)
        if not path.steps:
            return Decision(P.DONE, "You have already completed or mastered every course on the path to your goal.",
                            strategy=strategy, path=path)
        first = path.steps[0]
        why = (f"Start with '{first.title}' ({first.level}, {first.hours:.0f} h, "
               f"{money(first.cost)} on the {first.track} track): ")
        return Decision(P.START, why + first.reason + ". " + path.reason, first.course_id, first.title,
                        strategy, {"path_weeks": path.weeks, "path_cost": path.total_cost}, path)

    def _following(self, learner: LearnerState, course_id: Any) -> CourseInfo | None:
        path = self.plan(replace(learner, completed=frozenset({*learner.completed, course_id})))
        if isinstance(path, LearningPath) and path.feasible and path.steps:
            return self.courses[path.steps[0].course_id]
        return None

    # --------------------------------------------------------------- results
    def record_result(self, learner: LearnerState, item: str, score: Any,
                      course_id: Any = None) -> ResultRecorded | GuidanceError:
        """Update mastery with one quiz score in [0, 1] and decide what comes next.

        Returns:
            :class:`ResultRecorded` with a new learner state, or an error value.
        """
        if not isinstance(item, str) or not item.strip():
            return _err("bad_item", "The quiz item needs a name.", "item")
        if _bad_number(score):
            return _err("bad_score", f"A score must be a number between 0 and 1; got {score!r}.", "score")
        if not 0 <= score <= 1:
            return _err("bad_score", f"A score must be between 0 and 1 (0% to 100%); got {score:g} "
                        f"({100 * score:.0f}%).", "score")
        course_id = course_id if course_id is not None else self._item_course.get(item, learner.current_course)
        if course_id is not None and course_id not in self.courses:
            return _err("unknown_course", f"Course {course_id!r} is not in the catalog.", "course")
        before = self.mastery_of(learner, item)
        after = self.tracker.update(item, before, float(score))
        new = replace(learner, mastery={**learner.mastery, item: after},
                      results=[*learner.results, QuizResult(item, float(score), course_id)],
                      current_course=learner.current_course if learner.current_course is not None else course_id)
        # the update is kept even when no next step can be decided (e.g. no goal yet)
        return ResultRecorded(new, item, before, after, self.next_step(new))

    # ---------------------------------------------------------------- adjust
    def adjust(self, learner: LearnerState, signal: Signal) -> Decision | GuidanceError:
        """React to what the learner said (affect, "too easy", help-need)."""
        if not isinstance(signal, Signal) or signal.kind not in SIGNAL_KINDS:
            kind = getattr(signal, "kind", signal)
            return _err("bad_signal", f"Unknown signal {kind!r}; expected one of {', '.join(SIGNAL_KINDS)}.", "signal")
        if _bad_number(signal.help_need) or not 0 <= signal.help_need <= 1:
            return _err("bad_signal", f"help_need must be between 0 and 1; got {signal.help_need!r}.", "help_need")
        if _bad_number(signal.polarity) or not -1 <= signal.polarity <= 1:
            return _err("bad_signal", f"polarity must be between -1 and 1; got {signal.polarity!r}.", "polarity")
        problem = self.validate(learner)
        if problem is not None:
            return problem
        fails = 0
        for r in reversed(learner.results):
            if r.score >= self.pace.fail_score:
                break
            fails += 1
        strat = self.strategy.select(signal, fails)
        negative = self.strategy.is_negative(signal)
        too_easy = signal.kind in ("too_easy", "bored")
        return self.next_step(learner, strat, negative=negative, too_easy=too_easy)

    # --------------------------------------------------------------- explain
    def explain(self, decision: Decision | LearningPath | GuidanceError) -> Explanation:
        """Plain-language explanation of a decision, a path or an error."""
        if isinstance(decision, GuidanceError):
            return Explanation(decision.message)
        if isinstance(decision, LearningPath):
            details = tuple(f"{i}. {s.title} (weeks {s.start_week}-{s.end_week}, {money(s.cost)}): {s.reason}."
                            for i, s in enumerate(decision.steps, 1)) if decision.feasible else decision.suggestions
            return Explanation(decision.reason, details)
        details = []
        s = decision.strategy
        if s is not None:
            if s.tone == "encouraging":
                details.append("You're not alone in finding this tricky, and it's fine to take a step back.")
            if s.simpler_explanation:
                details.append("I'll explain it with simpler words and a worked example.")
            if s.add_review and decision.action not in (P.REVIEW_PREREQUISITE, P.PRACTICE):
                details.append("We'll add a short review first.")
            if s.more_challenge:
                details.append("I'll pick something more challenging.")
            if s.reason:
                details.append(f"(I'm adapting because {s.reason}.)")
            if s.offer_handoff:
                details.append(HANDOFF_OFFER)
        return Explanation(decision.reason, tuple(details))
