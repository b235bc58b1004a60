"""Learner records: find-or-create by pseudonym and log what was recommended."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.db.models import Enrolment, Learner, Purchase, RecommendationLog, utcnow


def get_or_create_learner(session: Session, pseudonym: str) -> Learner:
    """The learner with this pseudonym, created on first contact."""
    learner = session.scalar(select(Learner).where(Learner.pseudonym == pseudonym))
    if learner is not None:
        learner.last_seen_at = utcnow()
        return learner
    learner = Learner(pseudonym=pseudonym)
    try:
        with session.begin_nested():
            session.add(learner)
    except IntegrityError:  # created concurrently by another request
        learner = session.scalars(select(Learner).where(Learner.pseudonym == pseudonym)).one()
    return learner


def log_recommendations(
    session: Session,
    learner: Learner,
    shown: Sequence[tuple[int, float, str]],
    model_version: str,
) -> str:
    """Record one shown list of (course_id, score, reason); return its request id."""
    request_id = str(uuid.uuid4())
    for rank, (course_id, score, reason) in enumerate(shown, start=1):
        session.add(
            RecommendationLog(
                learner_id=learner.id,
                course_id=course_id,
                request_id=request_id,
                rank=rank,
                score=score,
                reason=reason,
                model_version=model_version,
            )
        )
    return request_id


def owned_course_ids(session: Session, pseudonym: str) -> frozenset[int]:
    """Courses the learner is enrolled in, finished or bought (empty for a new learner)."""
    learner_id = select(Learner.id).where(Learner.pseudonym == pseudonym).scalar_subquery()
    enrolled = session.scalars(select(Enrolment.course_id).where(Enrolment.learner_id == learner_id))
    bought = session.scalars(select(Purchase.course_id).where(Purchase.learner_id == learner_id))
    return frozenset(enrolled) | frozenset(bought)
