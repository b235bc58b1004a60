"""SQLAlchemy 2 models of the learner database.

Learners are stored under a pseudonym derived from the channel's sender id
(see :mod:`assistant.identity`); nothing in this schema holds a raw sender id.
Every learner-owned row cascades on delete, so "delete my data" is one delete.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Profile, filled by onboarding; every field is optional.
    goal: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(20))
    weekly_hours: Mapped[float | None] = mapped_column(Float)
    budget: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(40))
    occupation: Mapped[str | None] = mapped_column(String(80))
    age_band: Mapped[str | None] = mapped_column(String(20))

    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", passive_deletes=True
    )
    events: Mapped[list[LearningEvent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    feedback: Mapped[list[Feedback]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    purchases: Mapped[list[Purchase]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    recommendations: Mapped[list[RecommendationLog]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    handoffs: Mapped[list[Handoff]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "edx", "udemy", ...
    source_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(80), index=True)
    level: Mapped[str] = mapped_column(String(20), index=True)  # beginner|intermediate|advanced
    language: Mapped[str] = mapped_column(String(40), default="English")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    syllabus: Mapped[str] = mapped_column(Text, default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    # Pricing: "free", "paid" (price is what access costs) or
    # "audit" (free to follow, certificate_price buys the certificate).
    price_kind: Mapped[str] = mapped_column(String(10))
    price: Mapped[float] = mapped_column(Float, default=0.0)
    certificate_price: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    weekly_hours_min: Mapped[float | None] = mapped_column(Float)
    weekly_hours_max: Mapped[float | None] = mapped_column(Float)
    length_weeks: Mapped[float | None] = mapped_column(Float)
    total_hours: Mapped[float | None] = mapped_column(Float)
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64))

    @property
    def is_free_to_start(self) -> bool:
        return self.price_kind in ("free", "audit")


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("learner_id", "course_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="enrolled")  # enrolled|completed|dropped
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    learner: Mapped[Learner] = relationship(back_populates="enrolments")
    course: Mapped[Course] = relationship()


class LearningEvent(Base):
    __tablename__ = "learning_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(30))  # quiz|module_done|course_done|session
    item: Mapped[str | None] = mapped_column(String(200))  # skill or quiz identifier
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    progress: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # 0..1


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    sentiment: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Purchase(Base):
    """A purchase or a free entitlement (audit access) to a course."""

    __tablename__ = "purchases"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # access|audit|certificate
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecommendationLog(Base):
    """One course shown to one learner in one recommendation list."""

    __tablename__ = "recommendation_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(80))
    shown_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Handoff(Base):
    """A conversation waiting for (or answered by) course staff.

    ``conversation_id`` is the chat's sender id: staff replies go back to it
    through Rasa's HTTP API. It is deleted with the learner's other data.
    """

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    sentiment: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|answered|closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    replies: Mapped[list[StaffReply]] = relationship(
        back_populates="handoff", cascade="all, delete-orphan", passive_deletes=True, order_by="StaffReply.id"
    )


class StaffReply(Base):
    """A message course staff wrote to the learner from the hand-off inbox.

    Stored only until the action server has said it in the chat (``sent_at``)
    and for the learner's data export; it goes with the hand-off, and so with
    the learner.
    """

    __tablename__ = "staff_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    handoff: Mapped[Handoff] = relationship(back_populates="replies")
