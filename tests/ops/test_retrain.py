"""Retrain on real small data: first model, nothing new, a promoted candidate, a rejected one, the report."""

from __future__ import annotations

import json

import numpy as np

from assistant.ops.report import write_report
from assistant.ops.retrain import EXIT_CODES, retrain_recommender
from recsys import artifacts
from recsys.models import make
from tests.ops.conftest import SMALL, enrol_at


def popularity_of_real_learners_only(data, _progress):
    """A broken candidate: popularity fitted on the few real learners, as if the synthetic histories were lost."""
    model = make("pop").fit(data.train[: data.real_learners], show_progress=False)
    return model.set_catalog(data.catalog)


def test_retrain_promotes_compares_on_one_split_and_rejects_a_worse_candidate(settings, sample_catalog, index_dir,
                                                                               tmp_path):
    root = settings.models_dir
    first = retrain_recommender(sample_catalog, index_dir, root, 0.01, config=SMALL)
    assert first.outcome == "promoted" and first.production is None
    assert artifacts.current_version(root) == first.candidate
    assert first.candidate_metrics.overall["n_users"] == SMALL.n_learners
    meta = artifacts.read_metadata(first.candidate, root)
    assert meta["metrics"]["held_back.ndcg@10"] == first.candidate_metrics.overall["ndcg@10"]

    again = retrain_recommender(sample_catalog, index_dir, root, 0.01, config=SMALL)
    assert again.outcome == "unchanged" and again.candidate == first.candidate and EXIT_CODES[again.outcome] == 0

    enrol_at(sample_catalog, "ana", "Guitar for Absolute Beginners", days=1)
    enrol_at(sample_catalog, "ana", "Jazz Guitar Improvisation", days=2)
    worse = retrain_recommender(sample_catalog, index_dir, root, 0.01, fit=popularity_of_real_learners_only,
                                config=SMALL)
    assert worse.outcome == "rejected" and EXIT_CODES[worse.outcome] == 1
    assert artifacts.current_version(root) == first.candidate
    assert worse.candidate in artifacts.list_versions(root)  # kept for inspection
    assert worse.production_metrics.overall["n_users"] == worse.candidate_metrics.overall["n_users"] == 301
    assert worse.production_metrics.real["n_users"] == worse.candidate_metrics.real["n_users"] == 1
    assert worse.candidate_metrics.overall["ndcg@10"] < worse.production_metrics.overall["ndcg@10"] - 0.01

    folder = write_report(worse, 0.01, tmp_path / "report")
    report = json.loads((folder / "report.json").read_text())
    assert report["outcome"] == "rejected" and report["decision"]["tolerance"] == 0.01
    assert report["production"]["version"] == first.candidate
    assert np.isclose(report["candidate"]["held_back"]["overall"]["ndcg@10"], worse.candidate_metrics.overall["ndcg@10"])
    assert "**Outcome: rejected**" in (folder / "report.md").read_text()
    assert (folder / "held_back.png").stat().st_size > 1000

    # The same data again: the rejected artifact is re-judged, and --force promotes it.
    forced = retrain_recommender(sample_catalog, index_dir, root, 0.01, force=True, config=SMALL)
    assert forced.outcome == "promoted" and forced.candidate == worse.candidate and not forced.trained
    assert artifacts.current_version(root) == worse.candidate
