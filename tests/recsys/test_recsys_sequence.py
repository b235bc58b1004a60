"""Order-aware pieces: recency ranks, leave-last-out split, and the sequence model learning an order."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.models.hybrid import Hybrid, hide_last
from recsys.models.keras_sequence import KerasSequence, recency_ranks

N = 30


def chain_matrix(n_users: int = 300, seed: int = 0) -> sp.csr_matrix:
    """Learners walk a ring of N courses: start anywhere, then +1 each step; weights = positions."""
    rng = np.random.default_rng(seed)
    rows, cols, pos = [], [], []
    for u in range(n_users):
        start, length = rng.integers(N), rng.integers(3, 8)
        for p in range(length):
            rows.append(u)
            cols.append((start + p) % N)
            pos.append(p + 1)
    return sp.csr_matrix((np.asarray(pos, np.float32), (rows, cols)), shape=(n_users, N))


def test_recency_ranks_and_order_flag():
    h = sp.csr_matrix(np.array([[0, 3, 1, 2], [1, 1, 0, 1], [0, 0, 0, 0]], dtype=np.float32))
    age, ordered = recency_ranks(h)
    assert age[:3].tolist() == [0, 2, 1]  # columns 1, 2, 3 hold positions 3, 1, 2
    assert ordered.tolist() == [True, False, False]


def test_hide_last_hides_the_most_recent_course():
    x = chain_matrix(20)
    kept, hidden = hide_last(x, np.arange(10))
    assert (hidden.getnnz(axis=1)[:10] == 1).all() and hidden[10:].nnz == 0
    for u in range(10):
        row = x[u].toarray().ravel()
        assert hidden[u].indices[0] == int(np.argmax(row))
    assert kept.nnz + hidden.nnz == x.nnz


def test_sequence_model_learns_the_next_course():
    x = chain_matrix()
    model = KerasSequence(n_factors=8, n_content=0, hidden=(32,), emb_dim=8, last_k=2, max_epochs=40, patience=8,
                          batch_size=64, learning_rate=0.01, dropout=0.0, n_threads=1, p_unordered=0.0)
    model.fit(x, show_progress=False)
    # A new learner who took 5, 6, 7 in that order: the next course is 8.
    recs = model.recommend({5: 1.0, 6: 2.0, 7: 3.0}, n=1, explain=False)
    assert recs[0].item == 8
    recs = model.recommend({20: 1.0, 21: 2.0}, n=1, explain=False)
    assert recs[0].item == 22


def test_ordered_hybrid_binarises_for_static_components():
    from recsys.models.ease import EASE

    x = chain_matrix()
    seen = {}

    class Spy(EASE):
        def _fit(self, x, *a, **k):
            seen["values"] = np.unique(x.data)
            return super()._fit(x, *a, **k)

    hyb = Hybrid({"ease": Spy(l2=1.0), "seq": KerasSequence(n_factors=4, n_content=0, hidden=(16,), max_epochs=3, n_threads=1)},
                 ordered_input=True, val_fraction=0.3)
    hyb.fit(x, show_progress=False)
    assert seen["values"].tolist() == [1.0]
    assert set(hyb.weights_) == {"ease", "seq"}
    assert hyb.score(x[:3]).shape == (3, N)


def test_markov_follows_the_last_course():
    from recsys.models.markov import Markov

    model = Markov(max_gap=2).fit(chain_matrix(), show_progress=False)
    assert model.recommend({5: 1.0, 6: 2.0, 7: 3.0}, n=1, explain=False)[0].item == 8
    assert model.recommend({12: 1.0}, n=1, explain=False)[0].item == 13


def test_sequence_model_bf16_training_scores_in_float32():
    model = KerasSequence(n_factors=8, n_content=0, hidden=(32,), emb_dim=8, last_k=2, max_epochs=40, patience=8,
                          batch_size=64, learning_rate=0.01, dropout=0.0, n_threads=1, p_unordered=0.0, bf16=True)
    model.fit(chain_matrix(), show_progress=False)
    assert all(w.dtype == np.float32 for w in model.weights_)
    assert model.recommend({5: 1.0, 6: 2.0, 7: 3.0}, n=1, explain=False)[0].item == 8
