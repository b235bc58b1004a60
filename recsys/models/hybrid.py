"""Hybrid recommender: a weighted blend of component models.

Weights are tuned on a validation split carved from the *training* matrix:
a share of learners hide some of their courses, the components are fitted on
the rest, and a coordinate ascent over a weight grid maximises NDCG@k of the
blended, per-learner z-scored scores on the hidden courses. With
``refit=True`` the components are then refitted on the full matrix.

With ``ordered_input=True`` the interaction weights are the courses'
positions in each learner's sequence (higher = more recent, see
:attr:`recsys.data.Dataset.train_order`): validation hides each validation
learner's *most recent* course (the leave-next-out protocol), order-aware
components (``uses_order``) get the positions and every other component a
binarised copy, both in fit and in scoring.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from recsys.base import RecommenderBase


def zscore(scores: np.ndarray) -> np.ndarray:
    """Per-row standardisation ``(s - mean) / std`` of a ``(n_rows, n_items)`` array."""
    s = np.asarray(scores, dtype=np.float32)
    mu = s.mean(axis=1, keepdims=True)
    sd = s.std(axis=1, keepdims=True) + 1e-8
    return (s - mu) / sd


def hide_courses(
    x: sp.csr_matrix, users: np.ndarray, holdout: float, rng: np.random.Generator
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hide courses of ``users`` in ``x``.

    Args:
        x: ``(n_users, n_items)`` CSR.
        users: Rows whose courses may be hidden (each needs >= 2 courses).
        holdout: Share of each row hidden (at least one course, never all), or,
            when >= 1, the exact number hidden.
        rng: Random generator.

    Returns:
        ``(x_kept, hidden)``, both CSR of the shape of ``x``.
    """
    x = sp.csr_matrix(x)
    keep = np.ones(x.nnz, dtype=bool)
    for u in users:
        lo, hi = x.indptr[u], x.indptr[u + 1]
        n = hi - lo
        if n < 2:
            continue
        k = int(holdout) if holdout >= 1 else max(1, int(round(holdout * n)))
        k = min(k, n - 1)
        keep[lo + rng.choice(n, size=k, replace=False)] = False
    kept = x.copy()
    kept.data = np.where(keep, kept.data, 0).astype(kept.dtype)
    kept.eliminate_zeros()
    hidden = x.copy()
    hidden.data = np.where(keep, 0, hidden.data).astype(hidden.dtype)
    hidden.eliminate_zeros()
    return kept, hidden


def hide_last(x: sp.csr_matrix, users: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hide the most recent course (largest weight) of each of ``users`` with >= 2 courses.

    Returns:
        ``(x_kept, hidden)``, both CSR of the shape of ``x``.
    """
    from recsys.models.keras_sequence import recency_ranks

    x = sp.csr_matrix(x)
    age, _ = recency_ranks(x)
    lengths = np.diff(x.indptr)
    rows = np.repeat(np.arange(x.shape[0]), lengths)
    chosen = np.zeros(x.shape[0], dtype=bool)
    chosen[users] = True
    hide = chosen[rows] & (age == 0) & (lengths[rows] >= 2)
    kept = x.copy()
    kept.data = np.where(hide, 0, kept.data).astype(kept.dtype)
    kept.eliminate_zeros()
    hidden = x.copy()
    hidden.data = np.where(hide, 1, 0).astype(hidden.dtype)
    hidden.eliminate_zeros()
    return kept, hidden


def binarize(x: sp.csr_matrix) -> sp.csr_matrix:
    """Copy of ``x`` with every stored value set to 1."""
    b = sp.csr_matrix(x, dtype=np.float32, copy=True)
    b.data[:] = 1.0
    return b


class Hybrid(RecommenderBase):
    """Weighted blend of recommenders tuned on validation.

    Args:
        components: ``{name: unfitted model}``.
        weights: Fixed ``{name: weight}``; None tunes them on validation.
        grid: Candidate weights for the coordinate ascent.
        val_fraction: Share of learners used for validation.
        max_val_users: Cap on validation learners.
        val_holdout: Share (or count when >= 1) of a validation learner's courses hidden.
        k: Cut-off of the NDCG objective.
        refit: Refit the components on the full matrix after tuning.
        random_state: Seed.
        ordered_input: The weights are sequence positions (see the module doc).
    """

    uses_user_features = True
    uses_item_features = True

    def __init__(
        self,
        components: Mapping[str, RecommenderBase] | None = None,
        weights: Mapping[str, float] | None = None,
        grid: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
        val_fraction: float = 0.1,
        max_val_users: int = 5000,
        val_holdout: float = 0.25,
        k: int = 10,
        refit: bool = False,
        random_state: int = 0,
        ordered_input: bool = False,
    ) -> None:
        self.components = components
        self.weights = weights
        self.grid = grid
        self.val_fraction = val_fraction
        self.max_val_users = max_val_users
        self.val_holdout = val_holdout
        self.k = k
        self.refit = refit
        self.random_state = random_state
        self.ordered_input = ordered_input
        self.uses_order = ordered_input

    def _input_for(self, model, x: sp.csr_matrix) -> sp.csr_matrix:
        """The matrix a component sees: positions if it is order-aware, else binary (ordered input only)."""
        if getattr(self, "ordered_input", False) and not getattr(model, "uses_order", False):  # old pickles lack it
            return binarize(x)
        return x

    def _default_components(self) -> dict[str, RecommenderBase]:
        from recsys.models.ease import EASE
        from recsys.models.svd import SVDProfiles

        return {"ease": EASE(), "svd": SVDProfiles()}

    def _fit_one(self, model, x, uf, itf, show_progress):
        return model.fit(
            self._input_for(model, x),
            user_features=uf if model.uses_user_features else None,
            item_features=itf if model.uses_item_features else None,
            show_progress=show_progress,
        )

    def _fit(self, x, user_features, item_features, show_progress: bool) -> None:
        from recsys.evaluate import ndcg_at_k, rank_top_k

        comps = self.components if self.components else self._default_components()
        if not comps:
            raise ValueError("Hybrid needs at least one component")
        self.components_ = {name: copy.deepcopy(m) for name, m in comps.items()}
        names = list(self.components_)
        rng = np.random.default_rng(self.random_state)
        if self.weights is not None:
            unknown = set(self.weights) - set(names)
            if unknown:
                raise ValueError(f"weights name unknown component(s): {sorted(unknown)}")
            for name, model in tqdm(self.components_.items(), desc="hybrid fit", disable=not show_progress, leave=False):
                self._fit_one(model, x, user_features, item_features, False)
            self.weights_ = {n: float(self.weights.get(n, 0.0)) for n in names}
            return
        eligible = np.flatnonzero(np.diff(x.indptr) >= 2)
        n_val = min(self.max_val_users, max(1, int(round(len(eligible) * self.val_fraction))))
        val_users = rng.choice(eligible, size=min(n_val, len(eligible)), replace=False)
        if self.ordered_input:
            x_fit, hidden = hide_last(x, val_users)
        else:
            x_fit, hidden = hide_courses(x, val_users, self.val_holdout, rng)
        h_val, t_val = x_fit[val_users], hidden[val_users]
        uf_val = None if user_features is None else user_features[val_users]
        z = {}
        for name, model in tqdm(self.components_.items(), desc="hybrid fit", disable=not show_progress, leave=False):
            self._fit_one(model, x_fit, user_features, item_features, False)
            s = model.score(self._input_for(model, h_val), uf_val if model.uses_user_features else None, val_users)
            z[name] = zscore(s)
        seen = h_val.copy()

        def objective(w: dict[str, float]) -> float:
            if not any(w.values()):
                return -1.0
            blend = sum(w[n] * z[n] for n in names if w[n])
            ranked = rank_top_k(blend, self.k, exclude=seen)
            return float(ndcg_at_k(ranked, t_val, self.k).mean())

        singles = {n: objective({m: float(m == n) for m in names}) for n in names}
        best_name = max(singles, key=singles.get)
        w = {n: float(n == best_name) for n in names}
        best = singles[best_name]
        for _sweep in range(2):
            improved = False
            for n in names:
                for g in self.grid:
                    if g == w[n]:
                        continue
                    trial = dict(w, **{n: g})
                    val = objective(trial)
                    if val > best + 1e-6:
                        best, w, improved = val, trial, True
            if not improved:
                break
        self.weights_ = w
        self.val_ndcg_ = {"hybrid": best, **singles}
        if self.refit:
            for name, model in self.components_.items():
                if w[name]:
                    self._fit_one(model, x, user_features, item_features, False)

    def _score(self, h, user_features, userids) -> np.ndarray:
        total = np.zeros((h.shape[0], self.n_items_), dtype=np.float32)
        for name, model in self.components_.items():
            w = self.weights_.get(name, 0.0)
            if w:
                uf = user_features if model.uses_user_features else None
                uid = userids if self.refit or self.weights is not None else None
                total += w * zscore(model.score(self._input_for(model, h), uf, uid))
        return total
