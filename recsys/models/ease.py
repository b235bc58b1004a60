"""EASE: embarrassingly shallow autoencoder (Steck, WWW 2019), closed form."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.base import RecommenderBase


class EASE(RecommenderBase):
    """Item-item linear model ``B = I - P / diag(P)``, ``P = (X^T X + lambda I)^-1``.

    Args:
        l2: Ridge penalty lambda on the item-item weights.
        binarize: Fit on 0/1 interactions instead of the raw weights.
    """

    def __init__(self, l2: float = 500.0, binarize: bool = True) -> None:
        self.l2 = l2
        self.binarize = binarize

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        if self.binarize:
            x = x.copy()
            x.data[:] = 1.0
        g = (x.T @ x).toarray().astype(np.float64)
        g[np.diag_indices_from(g)] += self.l2
        p = np.linalg.inv(g)
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0.0
        self.weights_ = b.astype(np.float32)

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        if self.binarize:
            h = h.copy()
            h.data[:] = 1.0
        return np.asarray(h @ self.weights_)
