"""Simulated learners for comparing the adaptive planner with a fixed curriculum.

Each simulated learner studies a chain of skills whose true mastery follows a
BKT model (parameters fitted on real data, e.g. ASSISTments 2009). Learners
differ: each gets its own learning-rate multiplier (log-normal), so the
planner's population parameters are only approximately right. A skill is
learnt more slowly while its prerequisite (the previous skill in the chain)
is not mastered.

Policies:

* ``fixed``: every learner does ``items_per_skill`` items on each skill in
  order, and repeats the whole curriculum until done (a course with a fixed
  syllabus and review passes).
* ``adaptive``: the online :class:`MasteryTracker` estimates mastery after
  every answer; the learner works on the first skill not yet estimated as
  mastered, and the real :class:`PaceController` decides to review the
  prerequisite after failures (the same rules the chat uses).

Both are measured the same way: study hours until every skill is *truly*
mastered, and frustration streaks (runs of ``frustration_run`` wrong answers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import pace as P
from .bkt import BKT, SkillParams
from .mastery import MasteryTracker
from .schema import QuizResult


@dataclass(frozen=True)
class SimConfig:
    """Simulation settings.

    Attributes:
        n_skills: skills in the chain.
        minutes_per_item: study time per practice item.
        learn_spread: sd of the log learning-rate multiplier across learners.
        prereq_penalty: learning-rate factor while the prerequisite is not mastered.
        target: estimated mastery at which the adaptive policy moves on.
        max_items: cap on items per learner (time is censored there).
        frustration_run: wrong answers in a row that count as one frustration streak.
    """

    n_skills: int = 6
    minutes_per_item: float = 3.0
    learn_spread: float = 0.5
    prereq_penalty: float = 0.3
    target: float = 0.95
    max_items: int = 1500
    frustration_run: int = 3


@dataclass(frozen=True)
class SimOutcome:
    """Per-learner result: hours until all mastered, streaks, censored flag."""

    hours: float
    frustration_streaks: int
    censored: bool


def sample_curriculum(bkt: BKT, n_skills: int, rng: np.random.Generator) -> list[SkillParams]:
    """``n_skills`` fitted skill parameter sets, drawn without replacement."""
    params = [p for p in bkt.params_.values() if p.learn >= 0.02]
    idx = rng.choice(len(params), size=n_skills, replace=False)
    return [params[i] for i in idx]


class _Learner:
    def __init__(self, skills: list[SkillParams], cfg: SimConfig, rng: np.random.Generator) -> None:
        self.skills, self.cfg, self.rng = skills, cfg, rng
        self.mult = float(np.exp(rng.normal(0, cfg.learn_spread)))
        self.mastered = [bool(rng.random() < p.init) for p in skills]

    def practise(self, k: int) -> int:
        p = self.skills[k]
        correct = int(self.rng.random() < ((1 - p.slip) if self.mastered[k] else p.guess))
        if not self.mastered[k]:
            rate = p.learn * self.mult * (1.0 if k == 0 or self.mastered[k - 1] else self.cfg.prereq_penalty)
            self.mastered[k] = bool(self.rng.random() < min(rate, 1.0))
        return correct

    def done(self) -> bool:
        return all(self.mastered)


def _streaks(answers: list[int], run: int) -> int:
    n, cur = 0, 0
    for a in answers:
        cur = cur + 1 if a == 0 else 0
        n += cur == run
    return n


def _finish(items: int, answers: list[int], learner: _Learner, cfg: SimConfig) -> SimOutcome:
    return SimOutcome(items * cfg.minutes_per_item / 60.0, _streaks(answers, cfg.frustration_run), not learner.done())


def run_fixed(skills: list[SkillParams], cfg: SimConfig, items_per_skill: int,
              rng: np.random.Generator) -> SimOutcome:
    """One learner through the fixed curriculum."""
    learner = _Learner(skills, cfg, rng)
    answers: list[int] = []
    while not learner.done() and len(answers) < cfg.max_items:
        for k in range(len(skills)):
            for _ in range(items_per_skill):
                if learner.done() or len(answers) >= cfg.max_items:
                    break
                answers.append(learner.practise(k))
    return _finish(len(answers), answers, learner, cfg)


def run_adaptive(skills: list[SkillParams], cfg: SimConfig, rng: np.random.Generator,
                 controller: P.PaceController | None = None) -> SimOutcome:
    """One learner guided by the online mastery model and the pace controller."""
    bkt = BKT()
    bkt.params_ = {str(k): p for k, p in enumerate(skills)}
    tracker = MasteryTracker(bkt)
    controller = controller or P.PaceController(mastered=cfg.target)
    learner = _Learner(skills, cfg, rng)
    est = {str(k): tracker.prior(str(k)) for k in range(len(skills))}
    history: dict[int, list[QuizResult]] = {k: [] for k in range(len(skills))}
    answers: list[int] = []
    while not learner.done() and len(answers) < cfg.max_items:
        todo = [k for k in range(len(skills)) if est[str(k)] < cfg.target]
        k = todo[0] if todo else min(range(len(skills)), key=lambda i: est[str(i)])
        weak = [(k - 1, f"skill {k - 1}", est[str(k - 1)])] if k and est[str(k - 1)] < cfg.target + 0.04 else []
        d = controller.decide(P.PaceInput(f"skill {k}", history[k][-5:],
                                          tracker.expected_correct(str(k), est[str(k)]), est[str(k)], weak))
        if d.action == P.REVIEW_PREREQUISITE and d.target is not None:
            k = int(d.target)
        a = learner.practise(k)
        answers.append(a)
        history[k].append(QuizResult(str(k), float(a)))
        est[str(k)] = tracker.update(str(k), est[str(k)], a)
    return _finish(len(answers), answers, learner, cfg)


def simulate(bkt: BKT, n_learners: int, cfg: SimConfig, items_per_skill: int, seed: int = 0) -> dict:
    """Run both policies on the same learners (same curricula and random streams).

    Returns:
        ``{"adaptive": {...}, "fixed": {...}}`` with mean hours to mastery,
        median hours, mean frustration streaks and the censored share.
    """
    out: dict[str, list[SimOutcome]] = {"adaptive": [], "fixed": []}
    for i in range(n_learners):
        rng = np.random.default_rng([seed, i])
        skills = sample_curriculum(bkt, cfg.n_skills, rng)
        s = int(rng.integers(2**31))
        out["adaptive"].append(run_adaptive(skills, cfg, np.random.default_rng(s)))
        out["fixed"].append(run_fixed(skills, cfg, items_per_skill, np.random.default_rng(s)))
    return {
        name: {
            "hours_to_mastery": float(np.mean([o.hours for o in res])),
            "median_hours": float(np.median([o.hours for o in res])),
            "frustration_streaks": float(np.mean([o.frustration_streaks for o in res])),
            "censored": float(np.mean([o.censored for o in res])),
            "n_learners": len(res),
        }
        for name, res in out.items()
    }
