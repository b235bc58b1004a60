"""Item-based k-nearest-neighbours with cosine similarity."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from recsys.base import RecommenderBase


class ItemKNN(RecommenderBase):
    """Item-kNN: score(u, j) = sum over history items i of sim(i, j).

    Args:
        k: Neighbours kept per course.
        shrink: Shrinkage added to the cosine denominator (damps rare pairs).
    """

    def __init__(self, k: int = 100, shrink: float = 10.0) -> None:
        self.k = k
        self.shrink = shrink

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        xb = x.copy()
        xb.data[:] = 1.0
        xc = xb.tocsc()
        co = (xc.T @ xc).toarray().astype(np.float32)
        norms = np.sqrt(np.diag(co)).astype(np.float32)
        sim = co / (np.outer(norms, norms) + self.shrink + 1e-9)
        np.fill_diagonal(sim, 0.0)
        k = min(self.k, sim.shape[1] - 1)
        if k < sim.shape[1] - 1:
            drop = np.argpartition(-sim, k, axis=0)[k:, :]  # per column keep k best sources
            np.put_along_axis(sim, drop, 0.0, axis=0)
        self.similarity_ = sp.csr_matrix(sim)

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        hb = h.copy()
        hb.data[:] = 1.0
        return np.asarray((hb @ self.similarity_).todense())
