"""implicit's ALS and BPR behind :class:`recsys.base.RecommenderBase`.

Fold-in: ALS solves the exact weighted least-squares learner vector for a
history (implicit's ``recalculate_user``). BPR has no closed-form fold-in, so
a new learner's vector is found by gradient ascent on the BPR objective with
the course vectors frozen; known learners (``userids``) use their trained
vectors.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.base import RecommenderBase


class _ImplicitMF(RecommenderBase):
    """Shared plumbing for implicit matrix-factorisation models."""

    def _make(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        self.model_ = self._make()
        self.model_.fit(self._weights(x), show_progress=show_progress)
        self.user_factors_ = np.asarray(self.model_.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(self.model_.item_factors, dtype=np.float32)

    def _weights(self, x: sp.csr_matrix) -> sp.csr_matrix:
        return x

    def _fold_in(self, h: sp.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        vecs = np.empty((h.shape[0], self.item_factors_.shape[1]), dtype=np.float32)
        known = np.zeros(h.shape[0], dtype=bool)
        if userids is not None:
            known = (userids >= 0) & (userids < self.user_factors_.shape[0])
            vecs[known] = self.user_factors_[userids[known]]
        if (~known).any():
            vecs[~known] = self._fold_in(h[~known])
        return vecs @ self.item_factors_.T

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("model_", None)  # factors are kept; the implicit object is not needed to score
        return state


class ALS(_ImplicitMF):
    """Weighted matrix factorisation by alternating least squares (Hu et al. 2008).

    Args:
        factors: Latent dimension.
        regularization: L2 penalty.
        alpha: Confidence scale, ``c = 1 + alpha * weight``.
        iterations: ALS sweeps.
        random_state: Seed.
    """

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 1.0,
        iterations: int = 15,
        random_state: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def _make(self):
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=1,
        )

    def _fold_in(self, h: sp.csr_matrix) -> np.ndarray:
        y = self.item_factors_.astype(np.float64)
        yty = y.T @ y
        reg = self.regularization * np.eye(y.shape[1])
        out = np.zeros((h.shape[0], y.shape[1]), dtype=np.float32)
        for r in range(h.shape[0]):
            idx = h.indices[h.indptr[r] : h.indptr[r + 1]]
            if idx.size == 0:
                continue
            conf = self.alpha * h.data[h.indptr[r] : h.indptr[r + 1]].astype(np.float64)
            yi = y[idx]
            a = yty + (yi.T * conf) @ yi + reg
            b = (yi.T * (1.0 + conf)).sum(axis=1)
            out[r] = np.linalg.solve(a, b)
        return out


class BPR(_ImplicitMF):
    """Bayesian personalised ranking (Rendle et al. 2009) via implicit.

    Args:
        factors: Latent dimension.
        learning_rate: SGD step.
        regularization: L2 penalty.
        iterations: Epochs.
        fold_in_steps: Gradient steps of the BPR fold-in for unseen learners.
        fold_in_lr: Step size of the BPR fold-in.
        random_state: Seed.
    """

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        fold_in_steps: int = 100,
        fold_in_lr: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.fold_in_steps = fold_in_steps
        self.fold_in_lr = fold_in_lr
        self.random_state = random_state

    def _make(self):
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(
            factors=self.factors,
            learning_rate=self.learning_rate,
            regularization=self.regularization,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=1,
        )

    def _weights(self, x: sp.csr_matrix) -> sp.csr_matrix:
        xb = x.copy()
        xb.data[:] = 1.0
        return xb

    def _fold_in(self, h: sp.csr_matrix) -> np.ndarray:
        # Maximise the BPR objective over the learner vector only, course
        # vectors fixed: full-batch gradient ascent with one sampled negative
        # per positive and step. The last factor column is the course bias
        # (implicit fixes the matching learner entry to 1).
        y = self.item_factors_.astype(np.float64)
        yf, bias = y[:, :-1], y[:, -1]
        counts = np.diff(h.indptr)
        rows = np.repeat(np.arange(h.shape[0]), counts)
        pos = h.indices
        u = np.zeros((h.shape[0], yf.shape[1]))
        rng = np.random.default_rng(self.random_state)
        scale = 1.0 / np.maximum(counts, 1)[:, None]
        for _ in range(self.fold_in_steps):
            if pos.size == 0:
                break
            neg = rng.integers(0, y.shape[0], size=pos.size)
            diff = yf[pos] - yf[neg]
            margin = np.einsum("ij,ij->i", u[rows], diff) + bias[pos] - bias[neg]
            w = 1.0 / (1.0 + np.exp(margin))
            grad = sp.csr_matrix((w, (rows, np.arange(pos.size))), shape=(h.shape[0], pos.size)) @ diff
            u += self.fold_in_lr * (grad * scale - self.regularization * u)
        out = np.ones((h.shape[0], y.shape[1]), dtype=np.float32)
        out[:, :-1] = u
        return out
