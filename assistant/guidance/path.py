"""Learning paths: which courses, in which order, week by week, at what cost.

The planner picks a target for the goal, adds its unmet prerequisites from the
:class:`~assistant.guidance.graph.PrerequisiteGraph`, skips what the learner
has done or already masters, and schedules the rest into weeks of the
learner's available hours. Among candidate targets it returns the cheapest
path that fits the budget and the horizon, or says that none exists and what
would make one possible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .goals import Goal
from .graph import PrerequisiteGraph
from .schema import LEVEL_RANK, CourseInfo, LearnerState


@dataclass(frozen=True)
class PathStep:
    """One course in a path.

    Attributes:
        course_id, title, level: the course.
        hours: remaining study hours.
        cost: money for the chosen track.
        track: free, audit, certificate or paid.
        role: ``prerequisite`` or ``target``.
        reason: why this step is here, in plain words.
        start_week, end_week: 1-based weeks in the schedule.
    """

    course_id: Any
    title: str
    level: str
    hours: float
    cost: float
    track: str
    role: str
    reason: str
    start_week: int = 0
    end_week: int = 0


@dataclass(frozen=True)
class WeekPlan:
    """Hours per course in one week."""

    week: int
    hours: tuple[tuple[Any, str, float], ...]


@dataclass(frozen=True)
class LearningPath:
    """A planned path, or the statement that none fits.

    Attributes:
        goal: the learner's goal text.
        feasible: whether the path fits budget and horizon.
        steps: ordered steps (unmet prerequisites first).
        schedule: week-by-week hours.
        total_cost, total_hours, weeks: totals.
        skipped: (course title, reason) pairs the path leaves out.
        reason: plain-language summary built from the learner's data.
        suggestions: what would make an infeasible goal possible.
    """

    goal: str
    feasible: bool
    steps: tuple[PathStep, ...] = ()
    schedule: tuple[WeekPlan, ...] = ()
    total_cost: float = 0.0
    total_hours: float = 0.0
    weeks: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    reason: str = ""
    suggestions: tuple[str, ...] = field(default_factory=tuple)


def _you_are(level: str | None) -> str:
    level = level or "beginner"
    return f"you said you are {'an' if level[0] in 'aeiou' else 'a'} {level} learner"


def _weeks(n: float) -> str:
    return f"{n:g} week" + ("" if n == 1 else "s")


def money(x: float) -> str:
    """``$0`` / ``$49`` / ``$49.50``."""
    return f"${x:,.0f}" if float(x).is_integer() else f"${x:,.2f}"


def schedule_weeks(steps: Sequence[PathStep], weekly_hours: float) -> tuple[list[PathStep], list[WeekPlan]]:
    """Fill weeks of ``weekly_hours`` with the steps in order.

    Returns:
        Steps with start/end weeks set, and the week plans.
    """
    weeks: list[list[tuple[Any, str, float]]] = []
    out: list[PathStep] = []
    week, used = 0, 0.0
    for s in steps:
        left = s.hours
        start = week + 1
        while left > 1e-9:
            if week >= len(weeks):
                weeks.append([])
            take = min(left, weekly_hours - used)
            weeks[week].append((s.course_id, s.title, round(take, 2)))
            left -= take
            used += take
            if used >= weekly_hours - 1e-9:
                week, used = week + 1, 0.0
        end = week if used == 0 else week + 1
        out.append(PathStep(**{**s.__dict__, "start_week": start, "end_week": max(end, start)}))
    return out, [WeekPlan(i + 1, tuple(w)) for i, w in enumerate(weeks)]


@dataclass
class _Candidate:
    target: CourseInfo
    steps: list[PathStep]
    skipped: list[tuple[str, str]]
    cost: float
    hours: float
    relevance: float
    dropped_certificates: bool = False


class PathPlanner:
    """Plans paths over a catalog and its prerequisite graph.

    Args:
        graph: prerequisite graph (holds the courses).
        mastery_done: course mastery at or above this counts as done.
        max_candidates: target courses compared per goal.
        relevance_ratio: candidates must score at least this share of the best one.
    """

    def __init__(
        self,
        graph: PrerequisiteGraph,
        mastery_done: float = 0.95,
        max_candidates: int = 8,
        relevance_ratio: float = 0.6,
    ) -> None:
        self.graph = graph
        self.mastery_done = mastery_done
        self.max_candidates = max_candidates
        self.relevance_ratio = relevance_ratio

    # --------------------------------------------------------------- helpers
    def course_mastery(self, course: CourseInfo, learner: LearnerState) -> float | None:
        """Mean mastery over the course's skills the learner has data on."""
        vals = [learner.mastery[s] for s in course.skills if s in learner.mastery]
        return float(np.mean(vals)) if vals else None

    def _status(self, c: CourseInfo, learner: LearnerState, level_rank: int) -> str | None:
        if c.id in learner.completed:
            return "you have completed it"
        m = self.course_mastery(c, learner)
        if m is not None and m >= self.mastery_done:
            return f"your quiz results show {m:.0%} mastery of it"
        if m is None and c.level_rank < level_rank and c.id not in learner.in_progress:
            return f"it is a {c.level} course and {_you_are(learner.level)}"
        return None

    def _bridges(self, target: CourseInfo, ids: list[Any], learner: LearnerState, level_rank: int,
                 scores: np.ndarray | None) -> dict[Any, str]:
        """Courses that close a level gap the graph leaves open (id -> reason)."""
        if scores is None:
            return {}
        courses = list(self.graph.courses.values())
        levels = {self.graph.courses[i].level_rank for i in ids if i != target.id}
        # a completed course of the subject at a level already closes that gap
        levels |= {self.graph.courses[i].level_rank for i in learner.completed
                   if i in self.graph.courses and self.graph.courses[i].subject == target.subject}
        out: dict[Any, str] = {}
        for rank in range(target.level_rank - 1, level_rank - 1, -1):
            if rank in levels:
                continue
            pool = [(s, c.popularity, c) for c, s in zip(courses, scores)
                    if c.level_rank == rank and c.subject == target.subject and s > 0
                    and c.id not in learner.completed and c.id not in ids]
            if not pool:
                continue
            _, _, best = max(pool, key=lambda t: (t[0], t[1]))
            out[best.id] = (f"{_you_are(learner.level)} and '{target.title}' is {target.level}; "
                            f"'{best.title}' is the {best.level} {best.subject} course closest to your goal")
        return out

    def _candidate(self, target: CourseInfo, learner: LearnerState, relevance: float,
                   certificate: bool, scores: np.ndarray | None = None) -> _Candidate:
        level_rank = LEVEL_RANK.get(learner.level or "beginner", 0)
        ids = [*self.graph.ancestors(target.id), target.id]
        bridges = self._bridges(target, ids, learner, level_rank, scores)
        ids = self.graph.topological([*bridges, *ids])
        steps, skipped = [], []
        for cid in ids:
            c = self.graph.courses[cid]
            if cid in bridges and not self._status(c, learner, level_rank):
                progress = float(learner.in_progress.get(cid, 0.0))
                steps.append(PathStep(cid, c.title, c.level, round(c.effort_hours * (1 - progress), 2),
                                      c.cost(certificate), c.track(certificate), "prerequisite", bridges[cid]))
                continue
            # the level rule (below your level) never skips the target itself
            why_skip = self._status(c, learner, level_rank if cid != target.id else -1)
            if why_skip:
                skipped.append((c.title, why_skip))
                continue
            progress = float(learner.in_progress.get(cid, 0.0))
            hours = c.effort_hours * (1 - progress)
            if cid == target.id:
                role, reason = "target", f"'{c.title}' is the course that best matches your goal"
            else:
                role = "prerequisite"
                edge = next((e for e in self.graph.parents(ids[ids.index(cid) + 1]) if e.before == cid), None)
                edge = edge or next((e for (b, a), e in self.graph.edges.items() if b == cid and a in ids), None)
                reason = (f"it comes before '{self.graph.courses[edge.after].title}' because {edge.reason}"
                          if edge else "it prepares you for the next course")
            if progress:
                reason += f"; you are {progress:.0%} through it"
            steps.append(PathStep(cid, c.title, c.level, round(hours, 2), c.cost(certificate),
                                  c.track(certificate), role, reason))
        return _Candidate(target, steps, skipped, sum(s.cost for s in steps), sum(s.hours for s in steps), relevance)

    def _targets(self, goal: Goal, scores: np.ndarray | None, learner: LearnerState) -> list[tuple[CourseInfo, float]]:
        courses = list(self.graph.courses.values())
        if goal.course_id is not None:
            return [(self.graph.courses[goal.course_id], 1.0)]
        level_rank = LEVEL_RANK.get(learner.level or "beginner", 0)
        want = max(level_rank, 1) if goal.career else level_rank
        ranked = sorted(zip(courses, scores), key=lambda cs: (-cs[1], -cs[0].popularity))
        ranked = [(c, float(s)) for c, s in ranked if s > 0 and c.id not in learner.completed]
        if not ranked:
            return []
        best = ranked[0][1]
        good = [(c, s) for c, s in ranked if s >= self.relevance_ratio * best]
        at_level = [(c, s) for c, s in good if c.level_rank == want] or [
            (c, s) for c, s in good if c.level_rank >= level_rank] or good
        return at_level[: self.max_candidates]

    # ------------------------------------------------------------------ main
    def plan(self, learner: LearnerState, goal: Goal, scores: np.ndarray | None,
             horizon_weeks: float | None = None) -> LearningPath:
        """Cheapest path to ``goal`` within budget and horizon.

        Args:
            learner: validated learner state (weekly_hours > 0).
            goal: parsed goal.
            scores: relevance per course (graph order) for free-text goals.
            horizon_weeks: deadline in weeks, ``None`` for no deadline.
        """
        weekly = float(learner.weekly_hours)
        budget = math.inf if learner.budget is None else float(learner.budget)
        targets = self._targets(goal, scores, learner)
        if not targets:
            return LearningPath(goal.text, False, reason=f"No course in the catalog matches '{goal.text}'.",
                                suggestions=("Try describing the goal with a topic, e.g. 'SQL' or 'statistics'.",))
        cands = []
        for t, rel in targets:
            cand = self._candidate(t, learner, rel, learner.want_certificate, scores)
            if learner.want_certificate and cand.cost > budget:
                cand = self._candidate(t, learner, rel, False, scores)
                cand.dropped_certificates = True
            cands.append(cand)

        def weeks_of(c: _Candidate) -> int:
            return max(1, math.ceil(c.hours / weekly - 1e-9)) if c.hours else 0

        fits = [c for c in cands if c.cost <= budget + 1e-9 and (horizon_weeks is None or weeks_of(c) <= horizon_weeks)]
        if fits:
            best = min(fits, key=lambda c: (round(c.cost, 2), -round(c.relevance, 3), c.hours))
            return self._render(best, learner, horizon_weeks, weekly, budget)
        return self._infeasible(cands, goal, learner, horizon_weeks, weekly, budget)

    def _render(self, c: _Candidate, learner: LearnerState, horizon: float | None,
                weekly: float, budget: float) -> LearningPath:
        steps, weeks = schedule_weeks(c.steps, weekly)
        n_weeks = len(weeks)
        if not steps:
            text = (f"You have already completed or mastered everything on the path to '{c.target.title}': "
                    + "; ".join(f"'{t}' ({why})" for t, why in c.skipped[:3]) + ".")
            return LearningPath(learner.goal or "", True, (), (), 0.0, 0.0, 0, tuple(c.skipped), text)
        n_pre = sum(s.role == "prerequisite" for s in steps)
        parts = [f"To reach your goal the path ends with '{c.target.title}'"]
        if n_pre:
            parts.append(f"after {n_pre} prerequisite course{'s' if n_pre > 1 else ''}")
        text = " ".join(parts) + "."
        text += f" At {weekly:g} h/week it takes about {n_weeks} week{'s' if n_weeks != 1 else ''}"
        text += f" ({c.hours:.0f} h of study) and costs {money(c.cost)} in total"
        if budget != math.inf:
            text += f", within your {money(budget)} budget"
        text += "."
        if any(s.track == "audit" for s in steps):
            text += " Audit tracks are free; certificates are optional extras."
        if c.dropped_certificates:
            text += " Certificates were left out because they do not fit your budget."
        if c.skipped:
            text += f" Skipped {len(c.skipped)} course(s) you don't need: " + "; ".join(
                f"'{t}' ({why})" for t, why in c.skipped[:3]) + "."
        return LearningPath(learner.goal or "", True, tuple(steps), tuple(weeks), round(c.cost, 2),
                            round(c.hours, 2), n_weeks, tuple(c.skipped), text)

    def _infeasible(self, cands: list[_Candidate], goal: Goal, learner: LearnerState,
                    horizon: float | None, weekly: float, budget: float) -> LearningPath:
        cheapest = min(cands, key=lambda c: (c.cost, c.hours))
        shortest = min(cands, key=lambda c: (c.hours, c.cost))
        problems, suggestions = [], []
        if cheapest.cost > budget:
            problems.append(f"the cheapest path costs {money(cheapest.cost)} and your budget is {money(budget)}")
            suggestions.append(f"a budget of {money(cheapest.cost)} (path ending with '{cheapest.target.title}')")
        if horizon is not None:
            need_weeks = math.ceil(shortest.hours / weekly - 1e-9)
            if need_weeks > horizon:
                problems.append(f"the shortest path needs {shortest.hours:.0f} h of study, which at {weekly:g} h/week "
                                f"takes {_weeks(need_weeks)}, more than your {_weeks(horizon)}")
                suggestions.append(f"{math.ceil(shortest.hours / horizon):d} h/week to finish in {_weeks(horizon)}")
                suggestions.append(f"a horizon of {_weeks(need_weeks)} at {weekly:g} h/week")
        text = f"No path reaches '{goal.text}' within your limits: " + "; ".join(problems) + "."
        text += " It would become possible with " + ", or ".join(suggestions) + "."
        return LearningPath(goal.text, False, tuple(shortest.steps), (), round(shortest.cost, 2),
                            round(shortest.hours, 2), 0, tuple(shortest.skipped), text, tuple(suggestions))
