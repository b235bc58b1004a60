"""A running recommender follows promotions and rollbacks without being rebuilt."""

from __future__ import annotations

import scipy.sparse as sp

from assistant.course_search import CourseSearch
from assistant.recommender import CourseRecommender, hybrid_label
from assistant.recommender_training import training_data
from recsys import artifacts
from recsys.models import make
from tests.ops.conftest import SMALL, course_id


def _save(data, root, version: str, rows: slice) -> None:
    model = make("pop").fit(sp.csr_matrix(data.train[rows]), show_progress=False).set_catalog(data.catalog)
    artifacts.save_model(model, "pop", version=version, root=root)


def test_recommender_switches_versions_on_the_next_request(settings, sample_catalog, index_dir):
    data = training_data(sample_catalog, index_dir, SMALL)
    root = settings.models_dir
    _save(data, root, "A", slice(0, 150))
    _save(data, root, "B", slice(150, 300))
    artifacts.promote("A", root)
    recommender = CourseRecommender(CourseSearch(sample_catalog, index_dir), root)
    owned = frozenset({course_id(sample_catalog, "Data Analysis with Python")})

    def served() -> str:
        return recommender.recommend("python data analysis", owned, n=2).model_version

    assert served() == hybrid_label("A")
    artifacts.promote("B", root)
    assert served() == hybrid_label("B") and recommender.version == "B"
    artifacts.promote("A", root)
    assert served() == hybrid_label("A")


def test_a_promoted_artifact_that_does_not_load_keeps_the_old_one(settings, sample_catalog, index_dir):
    data = training_data(sample_catalog, index_dir, SMALL)
    root = settings.models_dir
    _save(data, root, "A", slice(0, 150))
    _save(data, root, "B", slice(150, 300))
    artifacts.promote("A", root)
    recommender = CourseRecommender(CourseSearch(sample_catalog, index_dir), root)
    owned = frozenset({course_id(sample_catalog, "Data Analysis with Python")})
    assert recommender.recommend(None, owned, n=2).model_version == hybrid_label("A")
    (root / "B" / artifacts.MODEL_FILE).write_bytes(b"truncated")
    artifacts.promote("B", root)
    assert recommender.recommend(None, owned, n=2).model_version == hybrid_label("A")
