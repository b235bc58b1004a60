"""Human-readable reasons for recommendations.

A reason combines (a) the learner's history course that co-occurs most with
the recommended course in training ("learners who took X also took Y") and
(b) the business facts that made it pass the filters ("fits your $50
budget", "free to audit, $49 for the certificate").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from recsys.rules import Filters, catalog_arrays, price_text

if TYPE_CHECKING:  # pragma: no cover
    from recsys.base import RecommenderBase


def course_name(model: RecommenderBase, item: int) -> str:
    """Title of a course when a catalogue is attached, else ``course #<item>``."""
    if model.catalog is not None:
        title = str(catalog_arrays(model.catalog)["title"][item]).strip()
        if title:
            return title
    return f"course #{item}"


def cooccurrence(model: RecommenderBase) -> sp.csr_matrix:
    """Course x course co-enrolment counts of the training matrix (cached on the model).

    Returns:
        CSR ``(n_items, n_items)`` with sorted indices; entry ``(i, j)`` counts
        training learners who took both ``i`` and ``j``.
    """
    cached = getattr(model, "_cooc", None)
    if cached is None:
        x = model.train_
        cached = sp.csr_matrix((x.T @ x).astype(np.float32))
        cached.sort_indices()
        model._cooc = cached
    return cached


def strongest_link(model: RecommenderBase, item: int, history: np.ndarray) -> tuple[int, int] | None:
    """History course with the most co-enrolments with ``item`` in training.

    Args:
        model: A fitted recommender.
        item: Recommended column index.
        history: Column indices the learner has.

    Returns:
        ``(history_item, n_common_learners)`` or None when nothing co-occurs.
    """
    if len(history) == 0:
        return None
    c = cooccurrence(model)
    cols = c.indices[c.indptr[item] : c.indptr[item + 1]]
    vals = c.data[c.indptr[item] : c.indptr[item + 1]]
    if cols.size == 0:
        return None
    pos = np.searchsorted(cols, history)
    pos = np.minimum(pos, cols.size - 1)
    counts = np.where(cols[pos] == history, vals[pos], 0.0)
    best = int(np.argmax(counts))
    if counts[best] <= 0:
        return None
    return int(history[best]), int(counts[best])


def reason(
    model: RecommenderBase,
    item: int,
    history: np.ndarray,
    filters: Filters,
    flags: tuple[str, ...] = (),
) -> str:
    """Build the reason sentence for one recommended course."""
    parts = []
    link = strongest_link(model, item, np.asarray(history, dtype=np.int64))
    if link is not None:
        parts.append(f"learners who took {course_name(model, link[0])} also took {course_name(model, item)}")
    else:
        parts.append(f"{course_name(model, item)} is suggested from patterns in other learners' histories")
    if model.catalog is not None:
        if "paid" in flags and filters.budget is not None:
            parts.append(f"fits your ${filters.budget:g} budget ({price_text(model.catalog, item)})")
        elif "audit" in flags or "free" in flags:
            parts.append(price_text(model.catalog, item))
        elif "paid" in flags:
            parts.append(price_text(model.catalog, item))
    return "; ".join(parts)
