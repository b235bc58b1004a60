"""The adapter on real learner-database rows (SQLite here, PostgreSQL in CI)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db.engine import session_factory
from assistant.db.migrate import upgrade
from assistant.db.models import Course, Enrolment, Learner, LearningEvent
from assistant.guidance.adapter import course_info, learner_state
from assistant.guidance.planner import GuidancePlanner

NOW = datetime.now(timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_db(request, tmp_path):
    """The tiny catalog imported into a fresh database of each kind."""
    from assistant.catalog.importer import import_catalog
    from tests.conftest import write_tiny_catalog

    url = f"sqlite:///{tmp_path / 'g.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    upgrade(url)
    sessions = session_factory(url)
    for path in write_tiny_catalog(tmp_path):
        with sessions() as session, session.begin():
            import_catalog(session, path, progress=False)
    return sessions


def _id(session, title: str) -> int:
    return session.scalars(select(Course.id).where(Course.title == title)).first()


def test_struggling_learner_from_db_rows_gets_an_easier_step(catalog_db):
    with catalog_db() as session, session.begin():
        stats, analysis = _id(session, "Introduction to Statistics"), _id(session, "Data Analysis with Python")
        learner = Learner(pseudonym="p-1", goal="become a data analyst", level="beginner", weekly_hours=4, budget=0)
        learner.enrolments = [
            Enrolment(course_id=stats, status="completed", progress=1.0, enrolled_at=NOW - timedelta(weeks=8)),
            Enrolment(course_id=analysis, status="enrolled", progress=0.3, enrolled_at=NOW - timedelta(weeks=2)),
        ]
        learner.events = [
            LearningEvent(type="quiz", item="pandas-basics", score=0.35, course_id=analysis,
                          occurred_at=NOW - timedelta(days=3)),
            LearningEvent(type="quiz", item="pandas-basics", score=0.4, course_id=analysis,
                          occurred_at=NOW - timedelta(days=1)),
        ]
        session.add(learner)
    with catalog_db() as session:
        courses = {c.id: course_info(c) for c in session.scalars(select(Course))}
        row = session.scalars(select(Learner).options(selectinload(Learner.enrolments),
                                                      selectinload(Learner.events))).one()
        state = learner_state(row, courses=courses, now=NOW)
    assert state.completed == frozenset({stats}) and state.current_course == analysis
    assert state.mastery["pandas-basics"] < 0.5 and [r.score for r in state.results] == [0.35, 0.4]
    planner = GuidancePlanner(list(courses.values()))
    decision = planner.next_step(state)
    assert decision.action == "practice_easier"
    assert decision.course_id == analysis
    assert "pandas-basics" in decision.reason
    assert planner.explain(decision).summary
