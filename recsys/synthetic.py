"""Seeded generator of SYNTHETIC learner histories for the demo catalog.

The shipped catalog (edX, Udemy) has no learner histories, yet the
collaborative part of the recommender needs some to learn from in the
default run. This generator invents them. Nothing it produces is real
learner behaviour: quality claims about the recommender come only from the
real datasets (MovieLens-100K, MOOCCubeX), and everything trained on this
data is labelled synthetic.

How a synthetic learner is drawn (all choices from one seeded generator):

* one or two interest subjects, in proportion to how many courses a subject has;
* a starting level: beginner 60 %, intermediate 30 %, advanced 10 %;
* a budget persona: free courses and audit tracks only (30 %), paid courses
  up to $50 (40 %), or any price (30 %);
* two to twelve courses (2 + a geometric count with mean 2.5). Each course is,
  with probability 0.85, from an interest subject at the learner's current
  level, otherwise from any subject; the pick is weighted by
  ``1 + log(1 + popularity)`` among the courses that fit the budget;
* the level goes up by one after two courses at a level;
* each course is completed with probability 0.5; the matrix weight is 2 for a
  completed course and 1 for an enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

LEVELS = ("beginner", "intermediate", "advanced")
LEVEL_SHARES = (0.6, 0.3, 0.1)
BUDGET_PERSONAS = ((0.0, 0.3), (50.0, 0.4), (float("inf"), 0.3))  # (max price, share)
IN_INTEREST = 0.85
COMPLETION = 0.5
LEVEL_UP_AFTER = 2


@dataclass(frozen=True)
class SyntheticConfig:
    """The generator's knobs; part of the trained model's data fingerprint."""

    n_learners: int = 3000
    min_courses: int = 2
    max_courses: int = 12
    mean_extra_courses: float = 2.5
    seed: int = 20261204


def synthetic_histories(catalog: pd.DataFrame, config: SyntheticConfig = SyntheticConfig()) -> sp.csr_matrix:
    """Draw synthetic learner histories over ``catalog``.

    Args:
        catalog: One row per course, in matrix-column order, with ``subject``,
            ``level``, ``price_kind``, ``price`` and ``popularity``.
        config: Generator settings.

    Returns:
        CSR ``(config.n_learners, len(catalog))`` of weights (1 enrolled, 2 completed).
    """
    if len(catalog) < config.min_courses:
        raise ValueError(f"the catalog has {len(catalog)} courses; synthetic learners need at least {config.min_courses}")
    rng = np.random.default_rng(config.seed)
    subjects = catalog["subject"].fillna("").to_numpy()
    levels = catalog["level"].fillna("").to_numpy()
    price = np.where(catalog["price_kind"].isin(["free", "audit"]), 0.0, catalog["price"].fillna(0).to_numpy(float))
    appeal = 1.0 + np.log1p(catalog["popularity"].fillna(0).clip(lower=0).to_numpy(float))
    subject_names, subject_sizes = np.unique(subjects, return_counts=True)
    subject_p = subject_sizes / subject_sizes.sum()
    budgets = np.array([b for b, _ in BUDGET_PERSONAS])
    budget_p = np.array([p for _, p in BUDGET_PERSONAS])

    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for learner in range(config.n_learners):
        interests = rng.choice(subject_names, size=min(len(subject_names), rng.integers(1, 3)), replace=False, p=subject_p)
        level = int(rng.choice(len(LEVELS), p=LEVEL_SHARES))
        affordable = price <= budgets[rng.choice(len(budgets), p=budget_p)]
        n_courses = min(config.max_courses, config.min_courses + rng.geometric(1 / (1 + config.mean_extra_courses)) - 1)
        taken: set[int] = set()
        at_level = 0
        for _ in range(n_courses):
            pool = affordable.copy()
            if rng.random() < IN_INTEREST:
                focused = pool & np.isin(subjects, interests) & (levels == LEVELS[level])
                pool = focused if focused.any() else pool & np.isin(subjects, interests)
            pool[list(taken)] = False
            if not pool.any():
                pool = affordable.copy()
                pool[list(taken)] = False
            if not pool.any():
                break
            p = np.where(pool, appeal, 0.0)
            course = int(rng.choice(len(p), p=p / p.sum()))
            taken.add(course)
            rows.append(learner)
            cols.append(course)
            weights.append(2.0 if rng.random() < COMPLETION else 1.0)
            at_level += 1
            if at_level >= LEVEL_UP_AFTER and level < len(LEVELS) - 1:
                level, at_level = level + 1, 0
    return sp.csr_matrix(
        (np.asarray(weights, np.float32), (np.asarray(rows), np.asarray(cols))),
        shape=(config.n_learners, len(catalog)),
    )
