"""The held-back split: each learner's most recent course, deterministic for synthetic learners."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from assistant.recommender_training import hold_back, seeded_picks, training_data
from tests.ops.conftest import SMALL, course_id, enrol_at


def test_real_learners_hold_back_their_most_recent_course(sample_catalog, index_dir):
    enrol_at(sample_catalog, "ana", "Guitar for Absolute Beginners", days=1)
    enrol_at(sample_catalog, "ana", "Financial Modeling in Excel", days=9, purchase=True)
    enrol_at(sample_catalog, "ana", "Jazz Guitar Improvisation", days=5)
    enrol_at(sample_catalog, "ben", "Logo Design Fundamentals", days=3)  # one course: nothing held back
    data = training_data(sample_catalog, index_dir, SMALL)
    column = {int(cid): i for i, cid in enumerate(data.catalog["id"])}
    ana, ben = 0, 1  # real rows come first, by learner id
    assert data.held_back[ana].indices.tolist() == [column[course_id(sample_catalog, "Financial Modeling in Excel")]]
    assert data.held_back[ben].nnz == 0 and data.train[ben].nnz == 1
    assert data.train[ana].nnz == 2
    assert (((data.train + data.held_back) > 0) != (data.interactions > 0)).nnz == 0


def test_synthetic_picks_are_deterministic_and_taken_from_the_row():
    rng = np.random.default_rng(1)
    x = sp.random(50, 30, density=0.2, format="csr", random_state=rng, dtype=np.float32)
    picks = seeded_picks(x)
    assert np.array_equal(picks, seeded_picks(x.copy()))
    for row, pick in enumerate(picks):
        assert (pick == -1) == (x[row].nnz == 0)
        assert pick == -1 or pick in x[row].indices
    train, held = hold_back(x, picks)
    lengths = np.diff(x.indptr)
    assert np.array_equal(np.diff(held.indptr), (lengths >= 2).astype(int))
    assert train.nnz + held.nnz == x.nnz
