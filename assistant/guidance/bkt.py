"""Bayesian Knowledge Tracing: the online mastery model that serves the chat.

One hidden binary state per skill (mastered or not) with four parameters:
``init`` (P(L0)), ``learn`` (P(T)), ``guess`` (P(G)) and ``slip`` (P(S)).
:meth:`BKT.update` is O(1) per answer. Parameters are fitted per skill by a
vectorised likelihood search (a coarse grid refined twice around the best
point), with ``guess`` and ``slip`` capped to keep the model identifiable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .kt_data import Sequence


@dataclass(frozen=True)
class SkillParams:
    """BKT parameters of one skill (all probabilities)."""

    init: float
    learn: float
    guess: float
    slip: float


DEFAULT_PARAMS = SkillParams(init=0.4, learn=0.1, guess=0.2, slip=0.1)


def _loglik(params: np.ndarray, correct: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Log-likelihood of padded answer rows under many parameter sets.

    Args:
        params: float (P, 4) columns init, learn, guess, slip.
        correct: int (N, Lmax) answers, rows sorted by decreasing length.
        lengths: int (N,) row lengths, decreasing.

    Returns:
        float (P,) total log-likelihood.
    """
    init, learn, guess, slip = (params[:, i][None, :] for i in range(4))
    n = len(lengths)
    mastery = np.repeat(init, n, axis=0)
    ll = np.zeros(params.shape[0])
    for t in range(int(lengths[0])):
        active = int(np.searchsorted(-lengths, -t, side="left"))  # rows with length > t
        m = mastery[:active]
        c = correct[:active, t][:, None].astype(bool)
        p = np.clip(m * (1 - slip) + (1 - m) * guess, 1e-6, 1 - 1e-6)
        ll += np.where(c, np.log(p), np.log1p(-p)).sum(axis=0)
        post = np.where(c, m * (1 - slip) / p, m * slip / (1 - p))
        mastery[:active] = post + (1 - post) * learn
    return ll


class BKT:
    """Per-skill Bayesian Knowledge Tracing.

    Args:
        max_guess: upper bound of ``guess`` during fitting.
        max_slip: upper bound of ``slip`` during fitting.
        refine_rounds: local grid refinements after the coarse grid.
        min_responses: skills with fewer training responses get the pooled parameters.
    """

    def __init__(
        self,
        max_guess: float = 0.4,
        max_slip: float = 0.4,
        refine_rounds: int = 2,
        min_responses: int = 30,
    ) -> None:
        self.max_guess = max_guess
        self.max_slip = max_slip
        self.refine_rounds = refine_rounds
        self.min_responses = min_responses
        self.params_: dict[int, SkillParams] = {}
        self.default_: SkillParams = DEFAULT_PARAMS

    # ----------------------------------------------------------------- fitting
    def _grid(self) -> np.ndarray:
        init = np.linspace(0.05, 0.95, 7)
        learn = np.array([0.01, 0.03, 0.06, 0.1, 0.15, 0.25, 0.4])
        guess = np.linspace(0.05, self.max_guess, 5)
        slip = np.linspace(0.03, self.max_slip, 5)
        return np.array(list(itertools.product(init, learn, guess, slip)))

    def _fit_rows(self, rows: list[np.ndarray]) -> SkillParams:
        rows = sorted(rows, key=len, reverse=True)
        lengths = np.array([len(r) for r in rows])
        padded = np.zeros((len(rows), lengths[0]), dtype=np.int8)
        for i, r in enumerate(rows):
            padded[i, : len(r)] = r
        grid = self._grid()
        best = grid[np.argmax(_loglik(grid, padded, lengths))]
        step = np.array([0.15, 0.05, 0.09, 0.09])
        hi = np.array([0.99, 0.6, self.max_guess, self.max_slip])
        for _ in range(self.refine_rounds):
            step = step / 2
            axes = [np.clip(best[i] + np.array([-1, 0, 1]) * step[i], 1e-3, hi[i]) for i in range(4)]
            local = np.unique(np.array(list(itertools.product(*axes))), axis=0)
            best = local[np.argmax(_loglik(local, padded, lengths))]
        return SkillParams(*map(float, best))

    def fit(self, seqs: list[Sequence]) -> BKT:
        """Fit the parameters of every skill.

        Args:
            seqs: training sequences.

        Returns:
            self
        """
        per_skill: dict[int, list[np.ndarray]] = {}
        for s in seqs:
            for k in np.unique(s.skills):
                per_skill.setdefault(int(k), []).append(s.correct[s.skills == k])
        pooled: list[np.ndarray] = []
        self.params_ = {}
        for k, rows in per_skill.items():
            if sum(len(r) for r in rows) >= self.min_responses:
                self.params_[k] = self._fit_rows(rows)
            pooled.extend(rows[:200])
        if pooled:
            self.default_ = self._fit_rows(pooled)
        return self

    def set_params(self, skill: int | str, params: SkillParams) -> None:
        """Replace one skill's parameters (used by the offline refresh)."""
        self.params_[skill] = params

    def skill_params(self, skill: int | str) -> SkillParams:
        """Parameters of ``skill`` (pooled defaults for unknown skills)."""
        return self.params_.get(skill, self.default_)

    # ------------------------------------------------------------------ online
    def prior(self, skill: int | str) -> float:
        """Mastery before any answer on ``skill``."""
        return self.skill_params(skill).init

    def predict_correct(self, skill: int | str, mastery: float) -> float:
        """P(correct) on ``skill`` given the current mastery probability."""
        p = self.skill_params(skill)
        return mastery * (1 - p.slip) + (1 - mastery) * p.guess

    def update(self, skill: int | str, mastery: float, correct: float) -> float:
        """Posterior mastery after one answer, then the learning transition. O(1).

        Args:
            skill: skill id.
            mastery: P(mastered) before the answer.
            correct: 1/0, or a score in [0, 1]; a fractional score enters the
                Bayes step as the tempered likelihood ``P(right)^s P(wrong)^(1-s)``.

        Returns:
            Updated P(mastered).
        """
        p = self.skill_params(skill)
        if correct in (0, 1):
            lm = (1 - p.slip) if correct else p.slip
            ln = p.guess if correct else (1 - p.guess)
        else:  # tempered likelihood: a score s counts as s of a right and 1-s of a wrong answer
            lm = (1 - p.slip) ** correct * p.slip ** (1 - correct)
            ln = p.guess ** correct * (1 - p.guess) ** (1 - correct)
        post = mastery * lm / max(mastery * lm + (1 - mastery) * ln, 1e-12)
        return post + (1 - post) * p.learn

    # -------------------------------------------------------------- evaluation
    def predict_sequences(
        self, seqs: list[Sequence], starts: list[np.ndarray] | None = None
    ) -> list[np.ndarray]:
        """Predicted P(correct) of every row, each from the answers before it.

        Args:
            seqs: sequences to score.
            starts: optional group starts (see :func:`kt_data.group_starts`);
                rows of one question are then all predicted before any of
                them is used to update (the leak-free protocol).

        Returns:
            One float array (T,) per sequence.
        """
        out = []
        for i, s in enumerate(seqs):
            g = starts[i] if starts is not None else np.arange(len(s))
            state: dict[int, float] = {}
            pred = np.empty(len(s))
            pending: list[tuple[int, int]] = []
            for t in range(len(s)):
                if g[t] == t:
                    for k, c in pending:
                        state[k] = self.update(k, state.get(k, self.prior(k)), c)
                    pending = []
                k = int(s.skills[t])
                pred[t] = self.predict_correct(k, state.get(k, self.prior(k)))
                pending.append((k, int(s.correct[t])))
            out.append(pred)
        return out
