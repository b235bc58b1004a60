"""Learner records by pseudonym: profile, what was recommended, export and deletion."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.db.models import Course, Enrolment, Learner, Purchase, RecommendationLog, utcnow
from assistant.privacy.redact import redact


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


def mark_clicked(session: Session, pseudonym: str, course_id: int) -> bool:
    """Count a details request as a click on the latest list that showed this course to the learner.

    Returns:
        Whether a click was recorded (False: never shown, or already clicked).
    """
    learner_id = select(Learner.id).where(Learner.pseudonym == pseudonym).scalar_subquery()
    shown = session.scalar(select(RecommendationLog)
                           .where(RecommendationLog.learner_id == learner_id, RecommendationLog.course_id == course_id)
                           .order_by(RecommendationLog.shown_at.desc(), RecommendationLog.id.desc()).limit(1))
    if shown is None or shown.clicked_at is not None:
        return False
    shown.clicked_at = utcnow()
    return True


def owned_course_ids(session: Session, pseudonym: str) -> frozenset[int]:
    """Courses the learner is enrolled in, finished or bought (empty for a new learner)."""
    learner_id = select(Learner.id).where(Learner.pseudonym == pseudonym).scalar_subquery()
    enrolled = session.scalars(select(Enrolment.course_id).where(Enrolment.learner_id == learner_id))
    bought = session.scalars(select(Purchase.course_id).where(Purchase.learner_id == learner_id))
    return frozenset(enrolled) | frozenset(bought)


PROFILE_FIELDS = ("goal", "level", "weekly_hours", "budget", "language", "occupation", "age_band")
FREE_TEXT_FIELDS = ("goal", "occupation")  # the learner's own words; the others are normalised values


def find_learner(session: Session, pseudonym: str) -> Learner | None:
    return session.scalar(select(Learner).where(Learner.pseudonym == pseudonym))


def mark_seen(session: Session, pseudonym: str) -> None:
    """Note a visit of a known learner: retention counts inactivity from ``last_seen_at``."""
    session.execute(update(Learner).where(Learner.pseudonym == pseudonym).values(last_seen_at=utcnow()))


def load_profile(session: Session, pseudonym: str) -> dict[str, object]:
    """The stored profile fields that have a value (empty for a new learner)."""
    learner = find_learner(session, pseudonym)
    if learner is None:
        return {}
    return {name: getattr(learner, name) for name in PROFILE_FIELDS if getattr(learner, name) is not None}


def save_profile(session: Session, pseudonym: str, values: dict[str, object]) -> Learner:
    """Store the given profile fields (unknown names are refused; free text is redacted)."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile field(s): {sorted(unknown)}")
    learner = get_or_create_learner(session, pseudonym)
    for name, value in values.items():
        setattr(learner, name, redact(value) if name in FREE_TEXT_FIELDS and isinstance(value, str) else value)
    return learner


def export_learner_data(session: Session, pseudonym: str) -> dict[str, object]:
    """Everything stored about one learner, as plain data (what "what do you know about me" shows)."""
    learner = find_learner(session, pseudonym)
    if learner is None:
        return {}
    titles = dict(session.execute(select(Course.id, Course.title)).all())
    return {
        "profile": {name: getattr(learner, name) for name in PROFILE_FIELDS},
        "first_seen": learner.created_at.isoformat(),
        "enrolments": [{"course": titles.get(e.course_id, e.course_id), "status": e.status,
                        "progress": e.progress} for e in learner.enrolments],
        "purchases": [{"course": titles.get(p.course_id, p.course_id), "kind": p.kind, "amount": p.amount}
                      for p in learner.purchases],
        "quiz_results": [{"item": e.item, "score": e.score, "at": e.occurred_at.isoformat()}
                         for e in learner.events if e.type == "quiz"],
        "feedback": [{"text": f.text, "rating": f.rating} for f in learner.feedback],
        "recommendations_shown": len(learner.recommendations),
        "handoffs": [{"reason": h.reason, "status": h.status,
                      "staff_replies": [{"text": r.text, "at": r.created_at.isoformat()} for r in h.replies]}
                     for h in learner.handoffs],
    }


def delete_learner_data(session: Session, pseudonym: str) -> bool:
    """Delete the learner and every row that belongs to them; False if there was nothing."""
    learner = find_learner(session, pseudonym)
    if learner is None:
        return False
    session.delete(learner)
    return True
