"""Fixtures for the ops tests: the tiny catalog, small synthetic histories, real learners."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assistant.db.models import Course, Enrolment, Purchase
from assistant.learners import get_or_create_learner
from recsys.synthetic import SyntheticConfig

SMALL = SyntheticConfig(n_learners=300)
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def course_id(sessions, title: str) -> int:
    with sessions() as session:
        return session.scalars(select(Course.id).where(Course.title == title).order_by(Course.id)).first()


def enrol_at(sessions, learner: str, title: str, days: int, purchase: bool = False) -> None:
    """A real interaction of ``learner`` with ``title``, ``days`` after T0."""
    with sessions() as session, session.begin():
        row = get_or_create_learner(session, learner)
        session.flush()
        cid = course_id(sessions, title)
        at = T0 + timedelta(days=days)
        if purchase:
            session.add(Purchase(learner_id=row.id, course_id=cid, kind="access", created_at=at))
        else:
            session.add(Enrolment(learner_id=row.id, course_id=cid, enrolled_at=at))


@pytest.fixture
def index_dir(settings):
    return settings.cache_dir / "content-index"
