import pytest
from sqlalchemy import func, inspect, select

from assistant.db.engine import get_engine, session_factory
from assistant.db.migrate import upgrade
from assistant.db.models import (Course, Enrolment, Feedback, Learner, LearningEvent, Purchase,
                                 RecommendationLog)
from assistant.learners import get_or_create_learner, log_recommendations

TABLES = {"handoffs", "staff_replies", "learners", "courses", "enrolments", "learning_events", "feedback", "purchases", "recommendation_log",
          "alembic_version"}


def _exercise_schema(url: str) -> None:
    upgrade(url)
    upgrade(url)  # idempotent
    assert set(inspect(get_engine(url)).get_table_names()) == TABLES
    sessions = session_factory(url)
    with sessions() as session, session.begin():
        course = Course(source="edx", source_id="c1", title="Intro", subject="Math", level="beginner",
                        price_kind="free", fingerprint="x")
        session.add(course)
        learner = get_or_create_learner(session, "p" * 32)
        session.flush()
        session.add_all([
            Enrolment(learner_id=learner.id, course_id=course.id),
            LearningEvent(learner_id=learner.id, course_id=course.id, type="quiz", item="algebra", score=0.4),
            Feedback(learner_id=learner.id, text="great", rating=5, sentiment={"polarity": "positive"}),
            Purchase(learner_id=learner.id, course_id=course.id, kind="audit"),
        ])
        log_recommendations(session, learner, [(course.id, 0.9, "matches")], "test-v1")
    with sessions() as session, session.begin():
        assert get_or_create_learner(session, "p" * 32).id == learner.id
        session.delete(session.get(Learner, learner.id))
    with sessions() as session:
        for model in (Enrolment, LearningEvent, Feedback, Purchase, RecommendationLog):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        assert session.scalar(select(func.count()).select_from(Course)) == 1


def test_schema_on_sqlite(settings):
    _exercise_schema(settings.db_url)


@pytest.mark.postgres
def test_schema_on_postgresql(postgres_url):
    _exercise_schema(postgres_url)
