"""Sequential transition model: which course follows the learner's last ones.

Needs ordered interactions (weights = positions in the learner's sequence,
higher = more recent; see :attr:`recsys.data.Dataset.train_order`). From
every training sequence it counts the pairs ``(earlier, later)`` at gap
``g = 1..max_gap`` with weight ``gap_decay ** (g - 1)``, and normalises each
row into transition scores ``T[i, j]`` (``count / (row total + smoothing)``).
A learner is scored as ``sum_i recency(i) * T[i]`` over their history, with
``recency = decay ** age`` (age 0 = the most recent course). Without order
(all weights equal, e.g. a plain list of course indices) every history course
counts the same; training rows without order add symmetric co-occurrence
counts instead of transitions.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.base import RecommenderBase
from recsys.models.keras_sequence import recency_ranks


class Markov(RecommenderBase):
    """Gap-weighted course transition model with recency-weighted scoring.

    Args:
        max_gap: Largest gap between two courses of a sequence that is counted.
        gap_decay: Weight factor per extra step of gap.
        decay: Recency decay of the history at scoring time.
        smoothing: Added to each row total before normalising (damps rare courses).
    """

    uses_order = True

    def __init__(self, max_gap: int = 3, gap_decay: float = 0.5, decay: float = 0.5, smoothing: float = 10.0) -> None:
        self.max_gap = max_gap
        self.gap_decay = gap_decay
        self.decay = decay
        self.smoothing = smoothing

    def _fit(self, x: sp.csr_matrix, user_features, item_features, show_progress: bool) -> None:
        n_items = x.shape[1]
        age, ordered = recency_ranks(x)
        lengths = np.diff(x.indptr)
        rows = np.repeat(np.arange(x.shape[0]), lengths)
        # Sequence slot of each entry: position from the start (0 = oldest).
        slot = lengths[rows] - 1 - age
        keep = ordered[rows]
        order = np.lexsort((slot, rows))
        items = x.indices[order]
        r_sorted = rows[order]
        valid = keep[order]
        t = sp.csr_matrix((n_items, n_items), dtype=np.float32)
        for g in range(1, self.max_gap + 1):
            same = (r_sorted[g:] == r_sorted[:-g]) & valid[g:] & valid[:-g]
            if not same.any():
                break
            w = np.full(int(same.sum()), self.gap_decay ** (g - 1), dtype=np.float32)
            t = t + sp.csr_matrix((w, (items[:-g][same], items[g:][same])), shape=(n_items, n_items))
        if (~ordered & (lengths >= 2)).any():  # rows without order: symmetric co-occurrence
            xb = sp.csr_matrix(x[np.flatnonzero(~ordered)], dtype=np.float32, copy=True)
            xb.data[:] = 1.0
            co = sp.csr_matrix(xb.T @ xb)
            co.setdiag(0.0)
            t = t + co
        totals = np.asarray(t.sum(axis=1)).ravel()
        self.transitions_ = sp.csr_matrix(sp.diags(1.0 / (totals + self.smoothing)) @ t, dtype=np.float32)
        self.transitions_.eliminate_zeros()

    def _score(self, h: sp.csr_matrix, user_features, userids) -> np.ndarray:
        age, ordered = recency_ranks(h)
        rec = sp.csr_matrix(h, dtype=np.float32, copy=True)
        row_ordered = np.repeat(ordered, np.diff(h.indptr))
        rec.data = np.where(row_ordered, self.decay ** age.astype(np.float32), 1.0).astype(np.float32)
        return np.asarray((rec @ self.transitions_).todense())
