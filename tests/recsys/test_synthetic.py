"""The seeded generator of synthetic demo learner histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys.synthetic import SyntheticConfig, synthetic_histories


def catalog(n_per_cell: int = 4) -> pd.DataFrame:
    rows = []
    for subject in ("data", "music", "business"):
        for level in ("beginner", "intermediate", "advanced"):
            for k in range(n_per_cell):
                paid = k % 2 == 1
                rows.append({"subject": subject, "level": level, "price_kind": "paid" if paid else "free",
                             "price": 20.0 + 40 * k if paid else 0.0, "popularity": 100 * (k + 1)})
    return pd.DataFrame(rows)


def test_same_seed_same_histories_and_another_seed_differs():
    courses = catalog()
    a = synthetic_histories(courses, SyntheticConfig(n_learners=200, seed=1))
    b = synthetic_histories(courses, SyntheticConfig(n_learners=200, seed=1))
    c = synthetic_histories(courses, SyntheticConfig(n_learners=200, seed=2))
    assert (a != b).nnz == 0
    assert (a != c).nnz > 0


def test_shape_lengths_and_weights():
    config = SyntheticConfig(n_learners=500, min_courses=2, max_courses=6)
    x = synthetic_histories(catalog(), config)
    assert x.shape == (500, 36)
    lengths = np.diff(x.indptr)
    assert lengths.min() >= 2 and lengths.max() <= 6
    assert set(np.unique(x.data)) == {1.0, 2.0}


def test_learners_mostly_stay_in_few_subjects():
    courses = catalog()
    x = synthetic_histories(courses, SyntheticConfig(n_learners=400))
    subjects = courses["subject"].to_numpy()
    distinct = [len(set(subjects[x.indices[x.indptr[u]:x.indptr[u + 1]]])) for u in range(x.shape[0])]
    assert np.mean(distinct) < 2.5  # random picks over 3 subjects would average about 2.6 for 4-course histories


def test_tiny_catalog_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        synthetic_histories(catalog().head(1))
