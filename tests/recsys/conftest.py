"""Fixtures for the recommender tests."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import pandas as pd
import pytest
from recsys_testlib import make_catalog, tiny_data


@pytest.fixture(scope="session")
def tiny():
    """Two-cluster matrix, learner features and course features (see recsys_testlib)."""
    return tiny_data()


@pytest.fixture
def catalog() -> pd.DataFrame:
    """Hand-made course catalogue with the DB Course columns."""
    return make_catalog()
