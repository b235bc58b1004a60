"""One interface for every recommender: :class:`RecommenderBase`.

Every model is fitted on a sparse learner x course CSR matrix whose values
are implicit-feedback weights (1 for an enrolment, or a rating, a completion
share, ...). Scoring always starts from a learner's *history row*, so any
model can recommend for a learner it never saw in training (fold-in) without
being retrained. Models that learned per-learner parameters may use them when
the caller passes training row ids (``userids``), like implicit's
``recommend(userid, user_items)``.

Shapes used throughout:

* ``interactions``: ``scipy.sparse.csr_matrix`` of shape ``(n_users, n_items)``,
  float32 weights, zero = no interaction.
* ``user_features``: ``np.ndarray`` of shape ``(n_users, n_user_features)``
  or ``None``.
* ``item_features``: ``np.ndarray`` or CSR of shape ``(n_items, n_item_features)``
  or ``None``.
* scores: ``np.ndarray`` float32 of shape ``(n_rows, n_items)``, higher is better.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

    from recsys.rules import Filters


class NotFittedError(RuntimeError):
    """Raised when a model is used before :meth:`RecommenderBase.fit`."""


@dataclass(frozen=True)
class Recommendation:
    """One recommended course.

    Attributes:
        item: Column index of the course in the interaction matrix.
        score: Model score (higher is better; comparable within one list only).
        reason: Human-readable explanation, e.g. "learners who took X also took Y".
        course_id: Catalogue id of the course when a catalogue is attached, else None.
        flags: Business flags such as ``("free",)`` or ``("audit",)``.
    """

    item: int
    score: float
    reason: str
    course_id: int | None = None
    flags: tuple[str, ...] = ()


def to_csr(matrix: Any, dtype: type = np.float32) -> sp.csr_matrix:
    """Return ``matrix`` as a canonical CSR matrix of ``dtype``.

    Args:
        matrix: Anything ``scipy.sparse.csr_matrix`` accepts.
        dtype: Target dtype.

    Returns:
        A CSR matrix with sorted indices and no explicit zeros.
    """
    out = sp.csr_matrix(matrix, dtype=dtype)
    out.eliminate_zeros()
    out.sort_indices()
    return out


class RecommenderBase(ABC):
    """Abstract base of all recommenders (models and baselines).

    Subclasses implement :meth:`_fit` and :meth:`_score`; the base class does
    input checking, fold-in plumbing, history exclusion, business filters,
    diversity and explanations.

    Attributes set by :meth:`fit`:
        n_users_: Number of training learners.
        n_items_: Number of courses (columns).
        train_: Binarised training matrix (CSR), used for explanations.
    """

    #: Whether the model accepts and uses learner side features.
    uses_user_features: bool = False
    #: Whether the model accepts and uses course side features.
    uses_item_features: bool = False

    catalog: pd.DataFrame | None = None

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        interactions: Any,
        user_features: np.ndarray | None = None,
        item_features: Any = None,
        show_progress: bool = True,
    ) -> RecommenderBase:
        """Fit the model.

        Args:
            interactions: CSR ``(n_users, n_items)`` of implicit weights.
            user_features: Optional ``(n_users, d_u)`` learner side features.
            item_features: Optional ``(n_items, d_i)`` course side features.
            show_progress: Show tqdm progress bars while training.

        Returns:
            ``self``.

        Raises:
            ValueError: On empty matrices, negative weights or mismatched shapes.
        """
        x = to_csr(interactions)
        if x.shape[0] == 0 or x.shape[1] == 0 or x.nnz == 0:
            raise ValueError(f"interactions must be a non-empty matrix, got shape {x.shape} with {x.nnz} entries")
        if x.data.min() < 0:
            raise ValueError("interaction weights must be non-negative")
        if user_features is not None:
            user_features = np.asarray(user_features, dtype=np.float32)
            if user_features.shape[0] != x.shape[0]:
                raise ValueError(
                    f"user_features has {user_features.shape[0]} rows but interactions has {x.shape[0]} users"
                )
        if item_features is not None and item_features.shape[0] != x.shape[1]:
            raise ValueError(
                f"item_features has {item_features.shape[0]} rows but interactions has {x.shape[1]} items"
            )
        self.n_users_, self.n_items_ = x.shape
        train = x.copy()
        train.data[:] = 1.0
        self.train_ = train
        self._item_users = None
        self._fit(x, user_features, item_features, show_progress)
        return self

    @abstractmethod
    def _fit(
        self,
        x: sp.csr_matrix,
        user_features: np.ndarray | None,
        item_features: Any,
        show_progress: bool,
    ) -> None:
        """Model-specific training on a validated CSR matrix."""

    # ---------------------------------------------------------------- score
    def score(
        self,
        histories: Any,
        user_features: np.ndarray | None = None,
        userids: np.ndarray | None = None,
    ) -> np.ndarray:
        """Score every course for a batch of learners.

        Args:
            histories: CSR ``(n_rows, n_items)`` of the learners' interaction
                weights (the fold-in input).
            user_features: Optional ``(n_rows, d_u)`` side features of these learners.
            userids: Optional ``(n_rows,)`` training row ids. Models with learned
                per-learner parameters use them; ``-1`` or ``None`` means fold-in.

        Returns:
            float32 array ``(n_rows, n_items)``; higher means more recommended.
            Already-seen courses are *not* masked here.
        """
        self._check_fitted()
        h = to_csr(histories)
        if h.shape[1] != self.n_items_:
            raise ValueError(f"histories have {h.shape[1]} columns but the model knows {self.n_items_} courses")
        if userids is not None:
            userids = np.asarray(userids, dtype=np.int64)
            if userids.shape[0] != h.shape[0]:
                raise ValueError("userids must have one entry per history row")
        if user_features is not None:
            user_features = np.asarray(user_features, dtype=np.float32)
        return np.asarray(self._score(h, user_features, userids), dtype=np.float32)

    @abstractmethod
    def _score(
        self,
        h: sp.csr_matrix,
        user_features: np.ndarray | None,
        userids: np.ndarray | None,
    ) -> np.ndarray:
        """Model-specific batch scoring (see :meth:`score`)."""

    # ------------------------------------------------------------ recommend
    def set_catalog(self, courses: pd.DataFrame) -> RecommenderBase:
        """Attach the course catalogue used by filters and explanations.

        Args:
            courses: DataFrame with one row per matrix column, in column order,
                with the columns of ``assistant.db.models.Course`` (``id``,
                ``title``, ``level``, ``language``, ``price_kind``, ``price``,
                ``certificate_price``, ``weekly_hours_min``, ``weekly_hours_max``...).

        Returns:
            ``self``.
        """
        from recsys.rules import validate_catalog

        self._check_fitted()
        self.catalog = validate_catalog(courses, self.n_items_)
        return self

    def history_row(self, history: Any) -> sp.csr_matrix:
        """Turn a history (item indices, weights dict or sparse row) into a 1-row CSR.

        Args:
            history: A sequence of column indices, a ``{item: weight}`` dict, or a
                ``(1, n_items)`` sparse/dense row.

        Returns:
            CSR of shape ``(1, n_items)``.

        Raises:
            ValueError: If an index is outside ``[0, n_items)``.
        """
        self._check_fitted()
        if sp.issparse(history) or isinstance(history, np.ndarray) and history.ndim == 2:
            row = to_csr(history)
            if row.shape != (1, self.n_items_):
                raise ValueError(f"history row must have shape (1, {self.n_items_}), got {row.shape}")
            return row
        if isinstance(history, dict):
            items = np.fromiter(history.keys(), dtype=np.int64, count=len(history))
            weights = np.fromiter(history.values(), dtype=np.float32, count=len(history))
        else:
            items = np.asarray(list(history), dtype=np.int64).reshape(-1)
            weights = np.ones(len(items), dtype=np.float32)
        if items.size and (items.min() < 0 or items.max() >= self.n_items_):
            bad = items[(items < 0) | (items >= self.n_items_)][0]
            raise ValueError(f"unknown course index {int(bad)}: the model knows 0..{self.n_items_ - 1}")
        row = sp.csr_matrix((weights, (np.zeros_like(items), items)), shape=(1, self.n_items_))
        return to_csr(row)

    def recommend(
        self,
        history: Any,
        n: int = 10,
        filters: Filters | None = None,
        user_features: np.ndarray | None = None,
        userid: int | None = None,
        explain: bool = True,
    ) -> list[Recommendation]:
        """Recommend ``n`` courses for one learner from their history.

        The learner's own history is always excluded. ``filters`` adds the
        business rules (owned/finished courses, budget, level, language,
        weekly effort, diversity); see :class:`recsys.rules.Filters`.

        Args:
            history: Course indices (or weights dict / sparse row) the learner has.
            n: Number of courses to return (fewer if the filters leave fewer).
            filters: Optional business rules. Rules other than ``exclude`` need
                a catalogue (:meth:`set_catalog`).
            user_features: Optional ``(d_u,)`` side features of this learner.
            userid: Optional training row id of a known learner.
            explain: Build a reason per course (set False for raw speed).

        Returns:
            Up to ``n`` :class:`Recommendation`, best first.
        """
        from recsys import explain as explain_mod
        from recsys.rules import Filters, apply_rules, catalog_arrays

        if n <= 0:
            raise ValueError(f"n must be positive, got {n}")
        row = self.history_row(history)
        uf = None if user_features is None else np.asarray(user_features, dtype=np.float32).reshape(1, -1)
        uid = None if userid is None else np.array([userid])
        scores = self.score(row, uf, uid)[0].astype(np.float64)
        filters = filters or Filters()
        seen = row.indices
        ranked, flags = apply_rules(scores, seen, n, filters, self.catalog)
        recs = []
        ids = None if self.catalog is None else catalog_arrays(self.catalog)["id"]
        for item in ranked:
            reason = explain_mod.reason(self, int(item), seen, filters, flags.get(int(item), ())) if explain else ""
            cid = None if ids is None else int(ids[int(item)])
            recs.append(Recommendation(int(item), float(scores[item]), reason, cid, flags.get(int(item), ())))
        return recs

    # -------------------------------------------------------------- helpers
    def item_users(self) -> sp.csc_matrix:
        """Binarised training matrix in CSC form (cached), for co-occurrence look-ups."""
        self._check_fitted()
        if getattr(self, "_item_users", None) is None:
            self._item_users = self.train_.tocsc()
        return self._item_users

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for derived in ("_cooc", "_item_users"):  # caches rebuilt on demand
            state.pop(derived, None)
        return state

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_items_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() first")

    def get_params(self) -> dict[str, Any]:
        """Return the constructor hyper-parameters (scikit-learn style)."""
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names if hasattr(self, name)}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def top_n(scores: np.ndarray, n: int, exclude: Sequence[int] | np.ndarray = ()) -> np.ndarray:
    """Indices of the ``n`` highest scores, best first, skipping ``exclude``.

    Args:
        scores: ``(n_items,)`` scores.
        n: How many to return.
        exclude: Indices never returned.

    Returns:
        int64 array of at most ``n`` indices.
    """
    s = np.array(scores, dtype=np.float64, copy=True)
    if len(exclude):
        s[np.asarray(exclude, dtype=np.int64)] = -np.inf
    n = min(n, int(np.isfinite(s).sum()))
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-s, n - 1)[:n]
    return part[np.argsort(-s[part], kind="stable")].astype(np.int64)
