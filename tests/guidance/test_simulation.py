"""The simulated-learner comparison runs and favours adaptivity on clear cases."""

from __future__ import annotations

from assistant.guidance.bkt import BKT, SkillParams
from assistant.guidance.simulation import SimConfig, simulate


def test_adaptive_beats_fixed_when_learners_already_know_some_skills():
    bkt = BKT()
    bkt.params_ = {k: SkillParams(init=0.5, learn=0.15, guess=0.2, slip=0.1) for k in range(6)}
    cfg = SimConfig(n_skills=4)
    res = simulate(bkt, n_learners=40, cfg=cfg, items_per_skill=4, seed=3)
    a, f = res["adaptive"], res["fixed"]
    assert a["n_learners"] == f["n_learners"] == 40
    assert a["censored"] == 0 and f["censored"] == 0
    assert a["hours_to_mastery"] < 0.8 * f["hours_to_mastery"]
