"""DKT on tiny synthetic data: it learns, and the leak-free protocol blocks copying."""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

from assistant.guidance.kt_data import Sequence, find_combo_pairs  # noqa: E402

keras = pytest.importorskip("keras")
from assistant.guidance.dkt import DKT, DKTEnsemble  # noqa: E402


def duplicated_random(n: int, seed: int) -> list[Sequence]:
    """Random answers; every question is tagged with skills 1 and 2 (two rows, same answer)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        c = rng.integers(0, 2, 15)
        out.append(Sequence(np.tile([1, 2], 15), np.repeat(c, 2)))
    return out


@pytest.fixture(scope="module")
def data():
    train, test = duplicated_random(80, 0), duplicated_random(40, 1)
    return train, test, find_combo_pairs(train)


def _auc(model, test):
    p = np.concatenate(model.predict_sequences(test))
    return roc_auc_score(np.concatenate([s.correct for s in test]), p)


def test_standard_protocol_copies_the_expanded_answer(data):
    train, test, combos = data
    m = DKT(2, hidden=8, embed_dim=8, epochs=6, batch_size=16, learning_rate=1e-2, max_len=30,
            leak_free=False, combos=combos).fit(train)
    assert _auc(m, test) > 0.7  # half of the rows are copies of the previous row
    # the refresh query agrees with sequence prediction at the same point
    s = test[0]
    row = m.predict_sequences([s])[0]
    for t in (0, 5, 11):
        hist = Sequence(s.skills[:t], s.correct[:t])
        assert m.skill_mastery(hist, [int(s.skills[t])])[int(s.skills[t])] == pytest.approx(row[t], abs=1e-5)


def test_leak_free_protocol_cannot_copy(data):
    train, test, combos = data
    assert combos == {(1, 2)}
    m = DKT(2, hidden=8, embed_dim=8, epochs=6, batch_size=16, learning_rate=1e-2, max_len=30,
            leak_free=True, combos=combos).fit(train)
    assert _auc(m, test) < 0.6  # answers are random, nothing left to predict
    mastery = m.skill_mastery(test[0], [1, 2])
    assert set(mastery) == {1, 2} and all(0 < v < 1 for v in mastery.values())


def alternating(n: int, seed: int, length: int = 60) -> list[Sequence]:
    """One skill; each answer is the opposite of the previous one (needs one row of context)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        first = int(rng.integers(0, 2))
        c = (np.arange(length) + first) % 2
        out.append(Sequence(np.ones(length, dtype=np.int64), c))
    return out


def test_overlapping_windows_keep_context_at_window_borders():
    train, test = alternating(60, 0), alternating(20, 1)
    kw = dict(hidden=8, embed_dim=8, epochs=25, batch_size=16, learning_rate=2e-2, max_len=10,
              leak_free=False, output="dense")
    chunks = DKT(1, **kw).fit(train)
    overlap = DKT(1, stride=5, **kw).fit(train)
    rows = np.arange(60) % 10 == 0  # first row of every 10-row chunk: no history in classic chunks
    rows[0] = False
    y = np.concatenate([s.correct[rows] for s in test])
    p_chunk = np.concatenate([p[rows] for p in chunks.predict_sequences(test)])
    p_over = np.concatenate([p[rows] for p in overlap.predict_sequences(test)])
    assert [len(p) for p in overlap.predict_sequences(test)] == [60] * 20
    assert np.mean((p_over >= 0.5) == y) > 0.95  # the overlapping window sees the previous answer
    assert np.mean(np.abs(p_chunk - 0.5)) < np.mean(np.abs(p_over - 0.5))


def test_leak_free_with_overlapping_windows_still_cannot_copy(data):
    train, test, combos = data
    m = DKT(2, hidden=8, embed_dim=8, epochs=6, batch_size=16, learning_rate=1e-2, max_len=12, stride=6,
            leak_free=True, combos=combos).fit(train)
    assert _auc(m, test) < 0.6


def test_ensemble_averages_members_and_early_stops_on_validation_auc(data):
    train, test, combos = data
    ens = DKTEnsemble(2, seeds=(0, 1), hidden=8, embed_dim=8, epochs=3, batch_size=16, learning_rate=1e-2,
                      max_len=30, leak_free=False, combos=combos, patience=1, lr_decay=0.5).fit(train[:60], train[60:])
    for m in ens.members:
        assert len(m.history_["val_auc"]) == len(m.history_["loss"])
        assert m.valid_auc_ == max(m.history_["val_auc"])
    p = ens.predict_sequences(test[:3])
    each = [m.predict_sequences(test[:3]) for m in ens.members]
    np.testing.assert_allclose(p[1], (each[0][1] + each[1][1]) / 2, rtol=1e-6)
    mastery = ens.skill_mastery(test[0], [1, 2])
    assert set(mastery) == {1, 2}


def test_skill_input_variant_learns_and_agrees_with_the_refresh_query(data):
    train, test, combos = data
    m = DKT(2, hidden=8, embed_dim=8, epochs=6, batch_size=16, learning_rate=1e-2, max_len=30,
            leak_free=False, combos=combos, skill_input=True).fit(train)
    assert _auc(m, test) > 0.7
    s = test[0]
    row = m.predict_sequences([s])[0]
    for t in (0, 7):
        hist = Sequence(s.skills[:t], s.correct[:t])
        assert m.skill_mastery(hist, [int(s.skills[t])])[int(s.skills[t])] == pytest.approx(row[t], abs=1e-5)


def test_saved_weights_reload_to_the_same_predictions(data, tmp_path):
    train, test, combos = data
    kw = dict(hidden=8, embed_dim=8, batch_size=16, learning_rate=1e-2, max_len=12, stride=6, combos=combos)
    m = DKT(2, epochs=2, **kw).fit(train)
    m.save_weights(str(tmp_path / "m.weights.h5"))
    again = DKT(2, **kw).load_weights(str(tmp_path / "m.weights.h5"))
    np.testing.assert_allclose(np.concatenate(again.predict_sequences(test[:4])),
                               np.concatenate(m.predict_sequences(test[:4])), rtol=1e-5, atol=1e-6)
