"""Learner feedback and hand-offs to course staff.

The learner's words are stored with e-mail addresses and phone numbers
redacted (:mod:`assistant.privacy.redact`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db.models import Feedback, Handoff
from assistant.learners import get_or_create_learner
from assistant.privacy.redact import redact

MAX_FEEDBACK_CHARS = 4000
# A hand-off is "open" until staff reply, "answered" while staff have the chat, then "closed".
ACTIVE_HANDOFF = ("open", "answered")


def add_feedback(session: Session, pseudonym: str, text: str, rating: int | None,
                 sentiment: dict | None) -> Feedback:
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError(f"a rating must be 1 to 5 stars, got {rating}")
    learner = get_or_create_learner(session, pseudonym)
    session.flush()
    feedback = Feedback(learner_id=learner.id, text=redact(text[:MAX_FEEDBACK_CHARS]), rating=rating, sentiment=sentiment)
    session.add(feedback)
    return feedback


def open_handoff(session: Session, pseudonym: str, conversation_id: str, reason: str,
                 sentiment: dict | None) -> tuple[Handoff, bool]:
    """The learner's active hand-off, created if there is none; the flag says whether it is new."""
    learner = get_or_create_learner(session, pseudonym)
    session.flush()
    existing = session.scalar(select(Handoff).where(Handoff.learner_id == learner.id,
                                                    Handoff.status.in_(ACTIVE_HANDOFF)))
    if existing is not None:
        return existing, False
    handoff = Handoff(learner_id=learner.id, conversation_id=conversation_id, reason=redact(reason[:500]),
                      sentiment=sentiment)
    session.add(handoff)
    return handoff, True
