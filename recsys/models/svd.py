"""SVD learner profiles: truncated randomized SVD of the weighted matrix."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import randomized_svd

from recsys.base import RecommenderBase


class SVDProfiles(RecommenderBase):
    """PureSVD-style factor model with fold-in learner profiles.

    The weighted matrix ``X`` (columns scaled by ``popularity^-pop_exponent``)
    is factorised as ``X ~ U S V^T``. A learner's profile is the projection of
    their history ``p = h V`` (equal to ``U S`` for training learners), so new
    learners fold in without retraining; scores are ``p V^T``.

    Args:
        n_components: Number of latent factors.
        pop_exponent: Column scaling exponent (0 = plain SVD); damps popular courses.
        n_iter: Power iterations of the randomized SVD.
        random_state: Seed.
    """

    def __init__(
        self, n_components: int = 64, pop_exponent: float = 0.0, n_iter: int = 5, random_state: int = 0
    ) -> None:
        self.n_components = n_components
        self.pop_exponent = pop_exponent
        self.n_iter = n_iter
        self.random_state = random_state

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        counts = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float64)
        scale = np.power(np.maximum(counts, 1.0), -self.pop_exponent)
        self.column_scale_ = scale.astype(np.float32)
        xs = x @ sp.diags(scale)
        k = max(1, min(self.n_components, min(x.shape) - 1))
        u, s, vt = randomized_svd(xs, k, n_iter=self.n_iter, random_state=self.random_state)
        self.singular_values_ = s.astype(np.float32)
        self.item_factors_ = vt.T.astype(np.float32)  # (n_items, k)

    def transform(self, histories: sp.csr_matrix) -> np.ndarray:
        """Learner profiles ``(n_rows, k)`` for histories ``(n_rows, n_items)`` (fold-in)."""
        self._check_fitted()
        h = sp.csr_matrix(histories, dtype=np.float32)
        return np.asarray(h @ (self.item_factors_ * self.column_scale_[:, None]))

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        return self.transform(h) @ self.item_factors_.T
