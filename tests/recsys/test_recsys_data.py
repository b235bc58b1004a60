"""Loaders and splits (synthetic) plus pipeline floors on the real datasets (marked ``data``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from recsys_testlib import shared_data_or_skip

from recsys import data, evaluate
from recsys.models.hybrid import hide_courses


def test_stratified_split_is_per_user_and_seeded():
    df = pd.DataFrame({"user": np.repeat([0, 1, 2], [4, 8, 10]), "item": np.arange(22)})
    tr, te = data.stratified_split(df, 0.75, seed=1)
    assert tr.groupby("user").size().tolist() == [3, 6, 8]  # round(0.75 * n)
    assert te.groupby("user").size().tolist() == [1, 2, 2]
    assert set(tr["item"]) | set(te["item"]) == set(range(22)) and not set(tr["item"]) & set(te["item"])
    tr2, _ = data.stratified_split(df, 0.75, seed=1)
    pd.testing.assert_frame_equal(tr, tr2)


def test_hide_courses_keeps_at_least_one():
    x = sp.csr_matrix(np.array([[1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0]], dtype=np.float32))
    kept, hidden = hide_courses(x, np.array([0, 1, 2]), 0.5, np.random.default_rng(0))
    assert (kept + hidden - x).nnz == 0
    assert kept.getnnz(axis=1).tolist() == [2, 1, 1]
    assert hidden.getnnz(axis=1).tolist() == [2, 0, 1]


def test_to_matrix_deduplicates_with_max():
    x = data.to_matrix(np.array([0, 0, 1]), np.array([2, 2, 0]), np.array([1.0, 3.0, 2.0]), (2, 3))
    assert x.toarray().tolist() == [[0, 0, 3], [2, 0, 0]]


def test_kg_features_and_missing_file_message(tmp_path):
    kg = tmp_path / "kg.txt"
    kg.write_text("0 1 10\n1 1 10\n1 2 11\n5 1 12\n")  # head 5 is not a course (n_items = 3)
    f = data.kg_item_features(kg, 3)
    assert f.shape == (3, 2) and f[2].nnz == 0 and f[1].nnz == 2
    with pytest.raises(data.DataMissingError, match="train.txt"):
        data.mooccubex(tmp_path)


def test_shared_data_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_SHARED_DATA", str(tmp_path))
    from recsys.paths import shared_data_dir

    assert shared_data_dir() == tmp_path


# ------------------------------------------------------------------ real data
@pytest.mark.data
def test_ml100k_hybrid_pipeline_reaches_floor():
    shared_data_or_skip("ml-100k", "u.data")
    from recsys.models.ease import EASE
    from recsys.models.hybrid import Hybrid
    from recsys.models.svd import SVDProfiles

    ds = data.ml100k(seed=42)
    assert ds.train.shape == (943, 1682) and ds.train.nnz + ds.test.nnz == 100_000
    model = Hybrid({"ease": EASE(l2=500.0), "svd": SVDProfiles(n_components=24)}, val_fraction=0.3, grid=(0.0, 0.5, 1.0))
    model.fit(ds.train, show_progress=False)
    res = evaluate.evaluate(model, ds.train, ds.test, (10,))
    assert res["ndcg@10"] >= 0.40, res
    assert res["precision@10"] >= 0.33, res


@pytest.mark.data
def test_ml100k_fold_in_for_unseen_learners():
    shared_data_or_skip("ml-100k", "u.data")
    from recsys.models.ease import EASE

    ds = data.ml100k(seed=42)
    kept, held = data.split_users(ds.n_users, 0.2, seed=0)
    model = EASE(l2=500.0).fit(ds.train[kept], show_progress=False)
    res = evaluate.evaluate(model, ds.train[held], ds.test[held], (10,), use_userids=False)
    assert res["n_users"] == len(held)
    assert res["ndcg@10"] >= 0.35, res


@pytest.mark.data
def test_mooccubex_loader_and_itemknn_floor():
    shared_data_or_skip("mooccubex", "train.txt")
    from recsys.models.itemknn import ItemKNN

    ds = data.mooccubex()
    assert ds.n_items == 3321 and ds.n_users == 78178
    assert (ds.test.getnnz(axis=1) == 1).all()
    assert ds.item_features.shape[0] == 3321 and ds.user_features.shape[0] == ds.n_users
    model = ItemKNN(k=100).fit(ds.train, show_progress=False)
    users = np.random.default_rng(0).choice(ds.n_users, 5000, replace=False)
    ranked = evaluate.rank_users(model, ds.train, users, 10)
    hr = np.nanmean(evaluate.hit_rate_at_k(ranked, ds.test[users], 10))
    assert hr >= 0.2, hr


def test_mooccubex_drops_the_truncated_test_id_and_keeps_order(tmp_path):
    (tmp_path / "train.txt").write_text("1 30 7 12 25\n2 4 9 3\n")  # last tokens: test id without its last digit
    (tmp_path / "test.txt").write_text("1 251\n2 31\n")
    (tmp_path / "user_list.txt").write_text("org_id remap_id gender\nU1 1 0\nU2 2 1\n")
    (tmp_path / "kg_final.txt").write_text("7 0 5000\n30 1 5001\n")
    ds = data.mooccubex(tmp_path)
    assert ds.train[0].indices.tolist() == [7, 12, 30] and ds.train[1].indices.tolist() == [4, 9]
    assert dict(zip(ds.train_order[0].indices.tolist(), ds.train_order[0].data.tolist())) == {30: 1.0, 7: 2.0, 12: 3.0}
    raw = data.mooccubex(tmp_path, drop_artifact=False)
    assert 25 in raw.train[0].indices and 3 in raw.train[1].indices


@pytest.mark.data
def test_mooccubex_train_lines_end_with_the_truncated_test_id_and_order_helps():
    folder = shared_data_or_skip("mooccubex", "train.txt").parent
    from recsys.models.markov import Markov

    last = {int(p[0]): p[-1] for p in (line.split() for line in open(folder / "train.txt")) if len(p) > 1}
    test = {int(p[0]): p[1] for p in (line.split() for line in open(folder / "test.txt")) if len(p) > 1}
    assert all(test[u][:-1] == tok for u, tok in last.items())  # the artifact the loader drops
    ds = data.mooccubex()
    assert ds.train.nnz == ds.train_order.nnz
    model = Markov().fit(ds.train_order, show_progress=False)
    users = np.random.default_rng(0).choice(ds.n_users, 5000, replace=False)
    ranked = evaluate.rank_users(model, ds.train_order, users, 10)
    hr = np.nanmean(evaluate.hit_rate_at_k(ranked, ds.test[users], 10))
    assert hr >= 0.25, hr
