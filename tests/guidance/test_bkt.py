"""BKT maths, fitting and the online tracker."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from assistant.guidance.bkt import BKT, SkillParams
from assistant.guidance.kt_data import Sequence
from assistant.guidance.mastery import MasteryTracker


def simulate_bkt(params: SkillParams, n_students: int, length: int, seed: int = 0) -> list[Sequence]:
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(n_students):
        known = rng.random() < params.init
        ans = []
        for _ in range(length):
            ans.append(int(rng.random() < ((1 - params.slip) if known else params.guess)))
            known = known or rng.random() < params.learn
        seqs.append(Sequence(np.full(length, 3), np.array(ans)))
    return seqs


def test_update_matches_bayes_rule():
    m = BKT()
    m.params_ = {1: SkillParams(init=0.3, learn=0.1, guess=0.2, slip=0.1)}
    # correct: posterior = .3*.9 / (.3*.9 + .7*.2) = .27/.41, then learning
    post = 0.27 / 0.41
    assert m.update(1, 0.3, 1) == pytest.approx(post + (1 - post) * 0.1)
    post = 0.3 * 0.1 / (1 - 0.41)
    assert m.update(1, 0.3, 0) == pytest.approx(post + (1 - post) * 0.1)
    assert m.predict_correct(1, 0.3) == pytest.approx(0.41)


def test_fit_recovers_parameters():
    true = SkillParams(init=0.3, learn=0.15, guess=0.2, slip=0.1)
    m = BKT().fit(simulate_bkt(true, 400, 20))
    got = m.skill_params(3)
    assert got.init == pytest.approx(true.init, abs=0.08)
    assert got.learn == pytest.approx(true.learn, abs=0.05)
    assert got.guess == pytest.approx(true.guess, abs=0.05)
    assert got.slip == pytest.approx(true.slip, abs=0.05)


def test_predictions_beat_chance_on_bkt_data():
    true = SkillParams(init=0.3, learn=0.15, guess=0.2, slip=0.1)
    m = BKT().fit(simulate_bkt(true, 200, 20, seed=1))
    test = simulate_bkt(true, 100, 20, seed=2)
    p = np.concatenate(m.predict_sequences(test))
    y = np.concatenate([s.correct for s in test])
    assert roc_auc_score(y, p) > 0.75


def test_grouped_rows_are_predicted_before_any_update():
    m = BKT()
    m.params_ = {1: SkillParams(0.3, 0.1, 0.2, 0.1), 2: SkillParams(0.3, 0.1, 0.2, 0.1)}
    s = Sequence(np.array([1, 1, 1]), np.array([1, 1, 1]))
    plain = m.predict_sequences([s])[0]
    grouped = m.predict_sequences([s], starts=[np.array([0, 0, 2])])[0]
    assert plain[1] > plain[0]
    assert grouped[1] == pytest.approx(grouped[0])
    assert grouped[2] == pytest.approx(plain[2])


def test_tracker_refresh_inverts_emission_and_roundtrips(tmp_path):
    bkt = BKT()
    bkt.params_ = {"a": SkillParams(0.3, 0.1, 0.2, 0.1)}
    t = MasteryTracker(bkt)
    got = t.refresh_priors({"a": 0.2 + 0.5 * 0.7})  # p = guess + m (1 - slip - guess) with m = .5
    assert got["a"] == pytest.approx(0.5)
    assert t.prior("a") == pytest.approx(0.5)
    assert t.prior("unseen", "advanced") > t.prior("unseen", "beginner")
    t.save(tmp_path / "m.json")
    t2 = MasteryTracker.load(tmp_path / "m.json")
    assert t2.update("a", 0.5, 1) == pytest.approx(t.update("a", 0.5, 1))
    assert t2.prior("a") == pytest.approx(0.5)


def test_soft_scores_interpolate():
    t = MasteryTracker()
    lo, mid, hi = (t.update("x", 0.4, s) for s in (0.0, 0.5, 1.0))
    assert lo < mid < hi
