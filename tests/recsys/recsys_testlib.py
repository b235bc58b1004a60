"""Helpers shared by the recommender tests (synthetic data, catalogue, data skips)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsys.paths import shared_data_dir

N_ITEMS = 40
CLUSTER_A = np.arange(0, 20)
CLUSTER_B = np.arange(20, 40)


def two_cluster_matrix(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """90 learners: 30 take 6 of courses 0-19, 60 take 6 of courses 20-39.

    Cluster B is twice as popular, so a model that only counts popularity
    recommends B courses to an A learner; a personalised model must not.

    Returns:
        ``(matrix (90, 40) CSR, cluster label per learner)``.
    """
    rng = np.random.default_rng(seed)
    rows, cols, labels = [], [], []
    for u in range(90):
        cluster = CLUSTER_A if u < 30 else CLUSTER_B
        items = rng.choice(cluster, size=6, replace=False)
        rows += [u] * 6
        cols += list(items)
        labels.append(0 if u < 30 else 1)
    x = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(90, N_ITEMS))
    return x, np.asarray(labels)


def tiny_data():
    """The two-cluster matrix, learner features (cluster one-hot + noise) and course features."""
    x, labels = two_cluster_matrix()
    rng = np.random.default_rng(1)
    uf = np.column_stack([labels == 0, labels == 1, rng.normal(size=len(labels))]).astype(np.float32)
    itf = sp.csr_matrix(np.column_stack([np.arange(N_ITEMS) < 20, np.arange(N_ITEMS) >= 20]).astype(np.float32))
    return x, labels, uf, itf


def make_catalog(n: int = N_ITEMS) -> pd.DataFrame:
    """Hand-made catalogue with the DB Course columns, row i = course i."""
    kinds = ["paid", "free", "audit", "paid"] * (n // 4)
    return pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "title": [f"Topic {chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(n)],
            "subject": "test",
            "level": (["beginner", "intermediate", "advanced", "beginner"] * (n // 4)),
            "language": (["English", "", "French", "english"] * (n // 4)),
            "price_kind": kinds,
            "price": [30.0 if k == "paid" and i % 8 == 0 else (120.0 if k == "paid" else 0.0) for i, k in enumerate(kinds)],
            "certificate_price": [49.0 if k == "audit" else None for k in kinds],
            "weekly_hours_min": [2.0, 4.0, 8.0, None] * (n // 4),
            "weekly_hours_max": [4.0, 6.0, 10.0, None] * (n // 4),
            "length_weeks": 6.0,
            "total_hours": 20.0,
            "popularity": 0,
        }
    )



def shared_data_or_skip(*parts: str):
    """Path inside the shared data folder, or skip the test with the reason."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared dataset not available: {path} (set ASSISTANT_SHARED_DATA)")
    return path
