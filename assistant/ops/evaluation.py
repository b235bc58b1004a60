"""Score a recommender artifact on the held-back split of the current training data.

Every model is ranked by fold-in from the learners' training histories
(``data.train``), so a model trained before today's learners existed is
scored exactly like a fresh one. A model's courses are matched to today's
catalog by course id: courses it does not know are never in its lists, and
courses gone from the catalog count as misses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from assistant.recommender_training import TrainingData
from recsys.evaluate import ndcg_at_k, rank_users, summarize

KS = (5, 10, 20)
CURVE_K = 20  # NDCG@1..CURVE_K for the report's plot


@dataclass(frozen=True)
class HeldBackResult:
    """Metrics on the held-back courses: all learners, the real ones alone, and NDCG@k for k = 1..20."""

    overall: dict[str, float]
    real: dict[str, float] = field(default_factory=dict)
    ndcg_curve: list[float] = field(default_factory=list)


def _columns(model: Any, data: TrainingData) -> tuple[np.ndarray, np.ndarray]:
    """``(to_model, to_data)``: column maps between today's catalog and the model's (-1: unknown)."""
    model_ids = np.asarray(model.catalog["id"], dtype=np.int64)
    data_ids = np.asarray(data.catalog["id"], dtype=np.int64)
    model_col = {int(cid): i for i, cid in enumerate(model_ids)}
    data_col = {int(cid): i for i, cid in enumerate(data_ids)}
    to_model = np.array([model_col.get(int(cid), -1) for cid in data_ids], dtype=np.int64)
    to_data = np.array([data_col.get(int(cid), -1) for cid in model_ids], dtype=np.int64)
    return to_model, to_data


def ranked_lists(model: Any, data: TrainingData, rows: np.ndarray, k: int = CURVE_K) -> np.ndarray:
    """Top-``k`` lists for ``rows`` of ``data``, as today's catalog columns (-1 pads).

    Returns:
        int64 ``(len(rows), k)``.
    """
    to_model, to_data = _columns(model, data)
    history = sp.coo_matrix(data.train[rows])
    known = to_model[history.col] >= 0
    in_model = sp.csr_matrix((history.data[known], (history.row[known], to_model[history.col[known]])),
                             shape=(len(rows), model.n_items_))
    ranked = rank_users(model, in_model, np.arange(len(rows)), min(k, model.n_items_), use_userids=False)
    ranked = np.where(ranked >= 0, to_data[np.maximum(ranked, 0)], -1)
    return np.pad(ranked, ((0, 0), (0, k - ranked.shape[1])), constant_values=-1)


def held_back_metrics(model: Any, data: TrainingData) -> HeldBackResult:
    """NDCG, precision, recall, hit rate at 5/10/20, MRR and coverage on the held-back courses."""
    rows = np.flatnonzero(np.diff(data.held_back.indptr) > 0)
    if len(rows) == 0:
        return HeldBackResult({"n_users": 0})
    ranked = ranked_lists(model, data, rows)
    relevant = data.held_back[rows]
    n_items = len(data.catalog)
    overall = {**summarize(ranked, relevant, KS, n_items), "n_users": int(len(rows))}
    real = rows < data.real_learners
    real_metrics = {}
    if real.any():
        real_metrics = {**summarize(ranked[real], relevant[real], KS, n_items), "n_users": int(real.sum())}
    curve = [float(np.nanmean(ndcg_at_k(ranked, relevant, k))) for k in range(1, CURVE_K + 1)]
    return HeldBackResult(overall, real_metrics, curve)
