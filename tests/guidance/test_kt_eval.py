"""Evaluation helpers: scoring and the DKT-refreshed online model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.guidance.bkt import BKT, SkillParams
from assistant.guidance.kt_data import Sequence
from assistant.guidance.kt_eval import predict_refreshed, score, update_latency_ms


def _bkt():
    m = BKT()
    m.params_ = {1: SkillParams(0.3, 0.1, 0.2, 0.1), 2: SkillParams(0.5, 0.1, 0.2, 0.1)}
    return m


def test_score_checks_alignment():
    seqs = [Sequence(np.array([1, 1]), np.array([0, 1]))]
    assert score(seqs, [np.array([0.2, 0.9])]) == {"auc": 1.0, "acc": 1.0, "n": 2}
    with pytest.raises(ValueError, match="1 predictions for 2 rows"):
        score(seqs, [np.array([0.2])])


def test_refresh_sets_priors_then_resets_every_n_rows():
    bkt = _bkt()
    calls = []

    def expected(hist, skills):
        calls.append(len(hist))
        return {k: 0.2 + 0.7 * 0.8 for k in skills}  # implies mastery 0.8 for both skills

    s = Sequence(np.array([1, 1, 2, 1, 2, 1]), np.array([0, 0, 0, 0, 0, 0]))
    p = predict_refreshed(bkt, expected, [s], every=3, skills=[1, 2])[0]
    assert calls == [0, 3]  # population prior, then one refresh after 3 rows
    assert p[0] == pytest.approx(bkt.predict_correct(1, 0.8))
    assert p[2] == pytest.approx(bkt.predict_correct(2, 0.8))  # skill 2 unseen so far: refreshed prior
    assert p[3] == pytest.approx(bkt.predict_correct(1, 0.8))  # reset at row 3 despite the wrong answers
    assert p[1] < p[0]


def test_refresh_waits_for_the_question_boundary():
    calls = []

    def expected(hist, skills):
        calls.append(len(hist))
        return {k: 0.5 for k in skills}

    s = Sequence(np.array([1, 1, 1, 2, 1]), np.array([1, 1, 1, 1, 1]))
    predict_refreshed(_bkt(), expected, [s], every=3, starts=[np.array([0, 1, 2, 2, 4])], skills=[1, 2])
    assert calls == [0, 4]  # row 3 belongs to the question that started at row 2


def test_latency_percentiles():
    t = update_latency_ms(lambda: _bkt, n=50)
    assert t["n"] == 50 and 0 <= t["p50"] <= t["p95"] <= t["p99"]
