"""The assistant's recommender: training on the catalog (+ synthetic histories) and serving."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistant.budget import Budget
from assistant.course_search import CourseSearch
from assistant.db.models import Course, Enrolment, Learner, RecommendationLog
from assistant.learners import get_or_create_learner, owned_course_ids
from assistant.recommender import COLD_START_VERSION, CourseRecommender
from assistant.recommender_training import train_recommender
from recsys import artifacts
from recsys.synthetic import SyntheticConfig

SMALL = SyntheticConfig(n_learners=300)


def _course_id(sessions, title: str) -> int:
    with sessions() as session:
        return session.scalars(select(Course.id).where(Course.title == title)).first()


@pytest.fixture
def trained(settings, sample_catalog):
    index_dir = settings.cache_dir / "content-index"
    version = train_recommender(sample_catalog, index_dir, settings.models_dir, config=SMALL)
    search = CourseSearch(sample_catalog, index_dir)
    return version, CourseRecommender(search, settings.models_dir)


def test_training_saves_promotes_and_reuses_the_artifact(settings, sample_catalog, trained):
    version, _ = trained
    assert artifacts.current_version(settings.models_dir) == version
    meta = artifacts.read_metadata(version, settings.models_dir)
    assert meta["synthetic_learners"] == 300 and meta["real_learners"] == 0
    assert "SYNTHETIC" in meta["note"]
    index_dir = settings.cache_dir / "content-index"
    assert train_recommender(sample_catalog, index_dir, settings.models_dir, config=SMALL) == version

    # A real learner's enrolment changes the data, so the next run trains anew.
    with sample_catalog() as session, session.begin():
        learner = get_or_create_learner(session, "learner-a")
        session.add(Enrolment(learner_id=learner.id, course_id=_course_id(sample_catalog, "Excel Basics for Everyone")))
    newer = train_recommender(sample_catalog, index_dir, settings.models_dir, config=SMALL)
    assert newer != version and artifacts.current_version(settings.models_dir) == newer
    assert artifacts.read_metadata(newer, settings.models_dir)["real_learners"] == 1


def test_new_learner_gets_content_plus_popularity(sample_catalog, trained):
    _, recommender = trained
    result = recommender.recommend("python for data analysis", frozenset(), n=3)
    assert result.model_version == COLD_START_VERSION
    titles = [hit.course.title for hit in result.hits]
    assert "Python for Data Analysis with Pandas" in titles and "Guitar for Absolute Beginners" not in titles


def test_learner_with_history_is_served_by_the_hybrid(sample_catalog, trained):
    version, recommender = trained
    owned = frozenset({_course_id(sample_catalog, "Data Analysis with Python")})
    result = recommender.recommend("python data analysis", owned, n=3)
    assert result.model_version == f"hybrid/{version}"
    assert result.hits and all(hit.course.id not in owned for hit in result.hits)


def test_without_topic_a_history_gives_the_hybrids_own_list_within_budget(sample_catalog, trained):
    version, recommender = trained
    owned = frozenset({_course_id(sample_catalog, "Guitar for Absolute Beginners")})
    result = recommender.recommend(None, owned, Budget(50.0), n=3)
    assert result.model_version == f"hybrid/{version}"
    assert result.hits
    for hit in result.hits:
        assert hit.course.id not in owned
        assert hit.course.price <= 50 or hit.course.price_kind in ("free", "audit")
        assert hit.reason


def test_without_topic_or_history_there_is_nothing_to_rank(trained):
    _, recommender = trained
    assert recommender.recommend(None, frozenset()).hits == []


def test_without_any_artifact_the_content_path_still_answers(settings, sample_catalog):
    search = CourseSearch(sample_catalog, settings.cache_dir / "content-index")
    recommender = CourseRecommender(search, settings.models_dir / "empty")
    result = recommender.recommend("guitar", frozenset({1}), n=2)
    assert result.model_version == COLD_START_VERSION and result.hits


def test_owned_course_ids_reads_enrolments_without_creating_learners(sample_catalog):
    with sample_catalog() as session:
        assert owned_course_ids(session, "nobody") == frozenset()
        assert session.scalar(select(func.count()).select_from(Learner)) == 0


def test_action_logs_the_serving_model_version(action_services, settings, sample_catalog):
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.recommendation import ActionRecommendCourses

    train_recommender(sample_catalog, settings.cache_dir / "content-index", settings.models_dir, config=SMALL)
    sender = "learner-with-history"
    with sample_catalog() as session, session.begin():
        learner = get_or_create_learner(session, action_services.learner_key(sender))
        session.add(Enrolment(learner_id=learner.id, course_id=_course_id(sample_catalog, "Excel Basics for Everyone")))
    tracker = Tracker(sender, {}, {"text": "recommend me something", "intent": {"name": "ask_recommendation"},
                                   "entities": []}, [], False, None, {}, "rest")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionRecommendCourses().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["text"].startswith("Based on the courses you have taken")
    with sample_catalog() as session:
        versions = set(session.scalars(select(RecommendationLog.model_version)))
    assert versions == {f"hybrid/{artifacts.current_version(settings.models_dir)}"}
