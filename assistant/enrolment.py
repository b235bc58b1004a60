"""Enrolling a learner in a course: the entitlement, and the purchase when it costs money.

Idempotent: enrolling twice in the same course changes nothing and says so.
Free courses and audit tracks record an entitlement of 0; paid courses record
the purchase at the catalog price (the payment itself happens on the course
provider's site, behind the course link).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db.models import Course, Enrolment, Purchase, RecommendationLog, utcnow
from assistant.learners import get_or_create_learner


@dataclass(frozen=True)
class EnrolResult:
    course: Course
    already_owned: bool
    kind: str  # access | audit
    amount: float


def enrol(session: Session, pseudonym: str, course: Course) -> EnrolResult:
    learner = get_or_create_learner(session, pseudonym)
    session.flush()
    existing = session.scalar(select(Enrolment).where(Enrolment.learner_id == learner.id,
                                                      Enrolment.course_id == course.id))
    kind = "audit" if course.price_kind == "audit" else "access"
    amount = course.price if course.price_kind == "paid" else 0.0
    if existing is not None and existing.status != "dropped":
        return EnrolResult(course, True, kind, amount)
    if existing is not None:
        existing.status, existing.enrolled_at = "enrolled", utcnow()
    else:
        session.add(Enrolment(learner_id=learner.id, course_id=course.id))
    session.add(Purchase(learner_id=learner.id, course_id=course.id, kind=kind, amount=amount,
                         currency=course.currency))
    shown = session.scalar(select(RecommendationLog)
                           .where(RecommendationLog.learner_id == learner.id, RecommendationLog.course_id == course.id)
                           .order_by(RecommendationLog.shown_at.desc()).limit(1))
    if shown is not None and shown.enrolled_at is None:
        shown.enrolled_at = utcnow()  # closes the loop for online metrics per model version
    return EnrolResult(course, False, kind, amount)
