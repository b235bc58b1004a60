"""Metric functions against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recsys import evaluate as ev

RANKED = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [2, 0, 1, 3]])
# learner 0: relevant {1, 3, 9} (hits at ranks 2 and 4); learner 1: none; learner 2: {2}.
RELEVANT = sp.csr_matrix(
    (np.ones(4), ([0, 0, 0, 2], [1, 3, 9, 2])),
    shape=(3, 10),
)


def test_precision_recall_hr():
    np.testing.assert_allclose(ev.precision_at_k(RANKED, RELEVANT, 4), [0.5, np.nan, 0.25])
    np.testing.assert_allclose(ev.recall_at_k(RANKED, RELEVANT, 4), [2 / 3, np.nan, 1.0])
    np.testing.assert_allclose(ev.hit_rate_at_k(RANKED, RELEVANT, 4), [1.0, np.nan, 1.0])
    np.testing.assert_allclose(ev.precision_at_k(RANKED, RELEVANT, 2), [0.5, np.nan, 0.5])
    np.testing.assert_allclose(ev.recall_at_k(RANKED, RELEVANT, 2), [1 / 3, np.nan, 1.0])
    np.testing.assert_allclose(ev.hit_rate_at_k(RANKED, RELEVANT, 1), [0.0, np.nan, 1.0])


def test_ndcg_by_hand():
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)  # three relevant items, k = 4
    np.testing.assert_allclose(ev.ndcg_at_k(RANKED, RELEVANT, 4), [dcg / idcg, np.nan, 1.0])
    # k = 2: one hit at rank 2, ideal has two hits.
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    np.testing.assert_allclose(ev.ndcg_at_k(RANKED, RELEVANT, 2), [expected, np.nan, 1.0])
    assert expected == pytest.approx(0.386853, abs=1e-6)


def test_mrr_and_coverage():
    np.testing.assert_allclose(ev.mrr(RANKED, RELEVANT), [0.5, np.nan, 1.0])
    assert ev.catalogue_coverage(RANKED, 10) == pytest.approx(0.8)
    assert ev.catalogue_coverage(RANKED, 10, k=1) == pytest.approx(0.3)


def test_summarize_means_skip_learners_without_relevant_items():
    s = ev.summarize(RANKED, RELEVANT, (4,), 10)
    assert s["precision@4"] == pytest.approx(0.375)
    assert s["recall@4"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["mrr"] == pytest.approx(0.75)


def test_rank_top_k_excludes_and_pads():
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1]])
    exclude = sp.csr_matrix(np.array([[0, 1, 0], [1, 1, 1]]))
    ranked = ev.rank_top_k(scores, 2, exclude)
    np.testing.assert_array_equal(ranked, [[2, 0], [-1, -1]])


def test_hits_matrix_checks_rows():
    with pytest.raises(ValueError, match="rows"):
        ev.hits_matrix(RANKED[:2], RELEVANT)


def test_evaluate_perfect_and_worst_models():
    # An oracle scorer reaches 1.0; the test items ranked last get 0.
    from recsys.base import RecommenderBase

    train = sp.csr_matrix(np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]], dtype=np.float32))
    test = sp.csr_matrix(np.array([[0, 1, 0, 0, 0], [0, 0, 0, 0, 1]], dtype=np.float32))

    class Fixed(RecommenderBase):
        def __init__(self, table):
            self.table = table

        def _fit(self, x, uf, itf, progress):
            pass

        def _score(self, h, uf, userids):
            return self.table[userids]

    oracle = Fixed(test.toarray() + 0.0).fit(train, show_progress=False)
    worst = Fixed(-test.toarray()).fit(train, show_progress=False)
    assert ev.evaluate(oracle, train, test, (1,))["ndcg@1"] == 1.0
    assert ev.evaluate(worst, train, test, (3,))["hr@3"] == 0.0
