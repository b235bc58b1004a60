"""Ranking metrics and evaluation loops.

Conventions (LightFM-style, shapes documented):

* ``ranked``: int64 array ``(n_users, K)`` of item indices, best first, one
  row per evaluated learner (``-1`` pads lists shorter than ``K``).
* ``relevant``: CSR ``(n_users, n_items)``; any stored non-zero is relevant
  (binary relevance). Rows with no relevant item get NaN metrics and are
  left out of means.

Definitions (Microsoft Recommenders' ``python_evaluation``):
``precision@k = hits/k``; ``recall@k = hits/|relevant|``;
``hr@k = 1[hits > 0]``; ``ndcg@k = DCG/IDCG`` with gains 1 at ranks holding a
relevant item, discount ``1/log2(rank + 1)`` and IDCG over
``min(k, |relevant|)`` ideal hits; ``mrr`` = reciprocal rank of the first hit
within the list (0 when none); coverage = distinct recommended items / n_items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm


def rank_top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """Top-``k`` item indices per row of a score matrix.

    Args:
        scores: float ``(n_users, n_items)``.
        k: List length.
        exclude: Optional CSR ``(n_users, n_items)``; its non-zeros are never ranked.

    Returns:
        int64 ``(n_users, k)``, best first; ``-1`` where fewer than ``k`` items remain.
    """
    s = np.array(scores, dtype=np.float32, copy=True)
    if exclude is not None and exclude.nnz:
        ex = sp.csr_matrix(exclude)
        rows = np.repeat(np.arange(ex.shape[0]), np.diff(ex.indptr))
        s[rows, ex.indices] = -np.inf
    k = min(k, s.shape[1])
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(s, part, axis=1)
    order = np.argsort(-top, axis=1, kind="stable")
    ranked = np.take_along_axis(part, order, axis=1).astype(np.int64)
    ranked[~np.isfinite(np.take_along_axis(top, order, axis=1))] = -1
    return ranked


def hits_matrix(ranked: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Boolean ``(n_users, K)``: whether ``ranked[u, r]`` is relevant for ``u``."""
    rel = sp.csr_matrix(relevant)
    if ranked.shape[0] != rel.shape[0]:
        raise ValueError(f"ranked has {ranked.shape[0]} rows but relevant has {rel.shape[0]}")
    rows = np.repeat(np.arange(ranked.shape[0]), ranked.shape[1])
    cols = ranked.ravel()
    valid = cols >= 0
    out = np.zeros(ranked.size, dtype=bool)
    out[valid] = np.asarray(rel[rows[valid], cols[valid]]).ravel() != 0
    return out.reshape(ranked.shape)


def _n_relevant(relevant: sp.csr_matrix) -> np.ndarray:
    rel = sp.csr_matrix(relevant)
    rel.eliminate_zeros()
    return np.diff(rel.indptr).astype(np.float64)


def _masked(values: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    return np.where(n_rel > 0, values, np.nan)


def precision_at_k(ranked: np.ndarray, relevant: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-learner precision@k, float64 ``(n_users,)``."""
    h = hits_matrix(ranked[:, :k], relevant)
    return _masked(h.sum(axis=1) / k, _n_relevant(relevant))


def recall_at_k(ranked: np.ndarray, relevant: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-learner recall@k, float64 ``(n_users,)``."""
    n_rel = _n_relevant(relevant)
    h = hits_matrix(ranked[:, :k], relevant)
    return _masked(h.sum(axis=1) / np.maximum(n_rel, 1), n_rel)


def hit_rate_at_k(ranked: np.ndarray, relevant: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-learner hit indicator@k, float64 ``(n_users,)``."""
    h = hits_matrix(ranked[:, :k], relevant)
    return _masked(h.any(axis=1).astype(np.float64), _n_relevant(relevant))


def ndcg_at_k(ranked: np.ndarray, relevant: sp.csr_matrix, k: int) -> np.ndarray:
    """Per-learner binary NDCG@k, float64 ``(n_users,)``."""
    n_rel = _n_relevant(relevant)
    h = hits_matrix(ranked[:, :k], relevant)
    disc = 1.0 / np.log2(np.arange(2, h.shape[1] + 2))
    dcg = (h * disc).sum(axis=1)
    ideal_disc = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    idcg = ideal_disc[np.minimum(n_rel, k).astype(int)]
    return _masked(dcg / np.maximum(idcg, 1e-12), n_rel)


def mrr(ranked: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """Per-learner reciprocal rank of the first relevant item in ``ranked``."""
    h = hits_matrix(ranked, relevant)
    first = np.argmax(h, axis=1)
    rr = np.where(h.any(axis=1), 1.0 / (first + 1), 0.0)
    return _masked(rr, _n_relevant(relevant))


def catalogue_coverage(ranked: np.ndarray, n_items: int, k: int | None = None) -> float:
    """Share of the ``n_items`` catalogue appearing in at least one top-``k`` list."""
    r = ranked if k is None else ranked[:, :k]
    return float(np.unique(r[r >= 0]).size / n_items)


METRICS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "hr": hit_rate_at_k,
}


def summarize(ranked: np.ndarray, relevant: sp.csr_matrix, ks: Sequence[int], n_items: int) -> dict[str, float]:
    """All metrics at every ``k`` plus MRR and coverage, as ``{"ndcg@10": ...}``."""
    out: dict[str, float] = {}
    for k in ks:
        for name, fn in METRICS.items():
            out[f"{name}@{k}"] = float(np.nanmean(fn(ranked, relevant, k)))
        out[f"coverage@{k}"] = catalogue_coverage(ranked, n_items, k)
    out["mrr"] = float(np.nanmean(mrr(ranked, relevant)))
    return out


def rank_users(
    model: Any,
    train: sp.csr_matrix,
    users: np.ndarray,
    k: int,
    user_features: np.ndarray | None = None,
    use_userids: bool = True,
    batch_size: int = 2048,
    show_progress: bool = False,
) -> np.ndarray:
    """Top-``k`` lists for ``users``, ranking every course except their training ones.

    Args:
        model: A fitted :class:`recsys.base.RecommenderBase`.
        train: CSR ``(n_users, n_items)`` of training histories (fold-in input and exclusions).
        users: Row ids to rank for.
        k: List length.
        user_features: Optional ``(n_users, d)`` side features (rows indexed like ``train``).
        use_userids: Pass row ids so models may use learned learner vectors;
            False forces fold-in from the history alone.
        batch_size: Rows scored at once.
        show_progress: tqdm bar.

    Returns:
        int64 ``(len(users), k)``.
    """
    out = np.empty((len(users), k), dtype=np.int64)
    for start in tqdm(range(0, len(users), batch_size), desc="rank", disable=not show_progress, leave=False):
        b = users[start : start + batch_size]
        h = train[b]
        uf = None if user_features is None or not model.uses_user_features else user_features[b]
        scores = model.score(h, uf, b if use_userids else None)
        out[start : start + len(b)] = rank_top_k(scores, k, exclude=h)
    return out


def evaluate(
    model: Any,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    ks: Sequence[int] = (10,),
    user_features: np.ndarray | None = None,
    use_userids: bool = True,
    show_progress: bool = False,
) -> dict[str, float]:
    """Evaluate a fitted model on learners with at least one test item.

    Args:
        model: Fitted recommender.
        train: CSR ``(n_users, n_items)`` training histories (excluded from ranking).
        test: CSR ``(n_users, n_items)`` held-out relevant items.
        ks: Cut-offs.
        user_features: Optional learner side features.
        use_userids: See :func:`rank_users`.
        show_progress: tqdm bar.

    Returns:
        ``{"ndcg@10": ..., "recall@10": ..., "mrr": ..., "coverage@10": ..., "n_users": ...}``.
    """
    test = sp.csr_matrix(test)
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    ranked = rank_users(model, train, users, max(ks), user_features, use_userids, show_progress=show_progress)
    out = summarize(ranked, test[users], ks, train.shape[1])
    out["n_users"] = int(len(users))
    return out
