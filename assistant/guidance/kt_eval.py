"""Evaluation of knowledge-tracing models on DKVMN-format data.

Shapes: every model returns one float array (T,) of P(correct) per sequence;
:func:`score` flattens them against the int answers and returns AUC and
accuracy (threshold 0.5).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from .bkt import BKT
from .kt_data import Sequence


def score(seqs: list[Sequence], preds: list[np.ndarray]) -> dict[str, float]:
    """AUC and accuracy over all rows.

    Args:
        seqs: sequences with the true answers.
        preds: predicted P(correct), aligned with ``seqs``.

    Returns:
        ``{"auc": float, "acc": float, "n": int}``.
    """
    from sklearn.metrics import roc_auc_score

    y = np.concatenate([s.correct for s in seqs])
    p = np.concatenate(preds)
    if y.shape != p.shape:
        raise ValueError(f"{p.shape[0]} predictions for {y.shape[0]} rows")
    return {"auc": float(roc_auc_score(y, p)), "acc": float(np.mean((p >= 0.5) == y)), "n": int(len(y))}


def update_latency_ms(update: Callable[[], object], n: int = 20000) -> dict[str, float]:
    """Wall-clock percentiles of one call of ``update`` in milliseconds."""
    times = np.empty(n)
    for i in range(n):
        t = time.perf_counter()
        update()
        times[i] = time.perf_counter() - t
    ms = times * 1000
    return {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "n": n}


def predict_refreshed(bkt: BKT, expected: Callable[[Sequence, list[int]], dict[int, float]],
                      seqs: list[Sequence], every: int = 50, starts: list[np.ndarray] | None = None,
                      skills: list[int] | None = None) -> list[np.ndarray]:
    """Online BKT whose mastery is reset from an offline model every ``every`` rows.

    This is how the chat uses DKT: between refreshes the O(1) BKT update runs
    on each answer; at a refresh (only at a question boundary) every skill's
    mastery is set to the value implied by the offline model's P(correct)
    given the whole history so far. At the first row the offline model's
    population expectation (empty history) gives the priors.

    Args:
        bkt: fitted online model.
        expected: ``f(history, skills) -> {skill: P(correct)}`` (e.g. ``DKT.skill_mastery``).
        seqs: sequences to score.
        every: rows between refreshes.
        starts: question groups (leak-free protocol), see :func:`kt_data.group_starts`.
        skills: skill ids to refresh (all seen in ``seqs`` when ``None``).

    Returns:
        One float array (T,) per sequence.
    """
    skills = skills or sorted({int(k) for s in seqs for k in np.unique(s.skills)})

    def to_mastery(k: int, p: float) -> float:
        q = bkt.skill_params(k)
        return min(max((p - q.guess) / max(1 - q.slip - q.guess, 1e-6), 0.0), 1.0)

    prior = {k: to_mastery(k, v) for k, v in expected(Sequence(np.array([], int), np.array([], int)), skills).items()}
    out = []
    for i, s in enumerate(seqs):
        g = starts[i] if starts is not None else np.arange(len(s))
        state = dict(prior)
        pred = np.empty(len(s))
        pending: list[tuple[int, int]] = []
        last_refresh = 0
        for t in range(len(s)):
            if g[t] == t:
                for k, c in pending:
                    state[k] = bkt.update(k, state.get(k, bkt.prior(k)), c)
                pending = []
                if t - last_refresh >= every:
                    hist = Sequence(s.skills[:t], s.correct[:t])
                    state.update({k: to_mastery(k, v) for k, v in expected(hist, skills).items()})
                    last_refresh = t
            k = int(s.skills[t])
            pred[t] = bkt.predict_correct(k, state.get(k, bkt.prior(k)))
            pending.append((k, int(s.correct[t])))
        out.append(pred)
    return out
