"""Retention: expire old conversations and the records of learners who stopped coming.

``python -m assistant expire-conversations`` runs both (daily, from cron or a
scheduler). The rules, documented in docs/privacy.md:

* Conversations (Rasa's ``events`` table): an event older than the cutoff is
  deleted when its conversation has had no event since the cutoff (the whole
  conversation goes), or when it belongs to an earlier session than the
  conversation's latest one (Rasa never loads those again). The running session
  of an active conversation is never cut in half.
* Learner records: a learner whose ``last_seen_at`` is older than the learner
  cutoff is deleted with every row they own (the same cascade as "delete my data").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, delete, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from assistant.db.models import Learner

# The columns of Rasa's SQL tracker store table that retention needs (rasa.core.tracker_store.SQLEvent).
EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
)
SESSION_STARTED = "session_started"


@dataclass(frozen=True)
class Expired:
    events: int
    learners: int

    def summary(self) -> str:
        return f"deleted {self.events} conversation events and {self.learners} inactive learners"


def cutoff(days: int, now: datetime | None = None) -> datetime:
    if days < 1:
        raise ValueError(f"a retention period must be at least 1 day, got {days}")
    return (now or datetime.now(timezone.utc)) - timedelta(days=days)


def tracker_store_engine_url(url: str) -> str:
    """The tracker store URL for this runtime: Rasa's ``postgresql://`` means psycopg2, here it is psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def expire_conversations(engine: Engine, before: datetime) -> int:
    """Delete the tracker events that expired at ``before``; return how many."""
    if not inspect(engine).has_table("events"):
        return 0
    limit = before.timestamp()
    inactive = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(func.max(EVENTS.c.timestamp) < limit)
    later = EVENTS.alias("later")
    latest_start = (select(func.max(later.c.timestamp))
                    .where(later.c.sender_id == EVENTS.c.sender_id, later.c.type_name == SESSION_STARTED)
                    .scalar_subquery())
    with engine.begin() as connection:
        whole = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(inactive))).rowcount
        earlier_sessions = connection.execute(
            delete(EVENTS).where(EVENTS.c.timestamp < limit, EVENTS.c.timestamp < latest_start)).rowcount
    return whole + earlier_sessions


def expire_learners(session: Session, before: datetime) -> int:
    """Delete the learners last seen before ``before`` with all their rows; return how many learners."""
    return session.execute(delete(Learner).where(Learner.last_seen_at < before)).rowcount
