"""Most-popular baseline: every learner gets the courses with most learners."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.base import RecommenderBase


class Popularity(RecommenderBase):
    """Ranks courses by how many training learners interacted with them."""

    def __init__(self) -> None:
        pass

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        counts = np.bincount(x.indices, minlength=x.shape[1]).astype(np.float32)
        self.popularity_ = counts / max(counts.max(), 1.0)

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        return np.broadcast_to(self.popularity_, (h.shape[0], self.n_items_)).copy()
