"""Retention on real SQLite and PostgreSQL rows: expired conversations and inactive learners go."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, delete, select, text

from assistant.__main__ import main
from assistant.db.engine import session_factory
from assistant.db.migrate import upgrade
from assistant.db.models import Feedback, Handoff, Learner, StaffReply
from assistant.learners import mark_seen
from assistant.privacy.retention import cutoff, expire_conversations, expire_learners, tracker_store_engine_url

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
# Rasa's SQL tracker store schema (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS_DDL = ("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
              "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
              "action_name VARCHAR(255), data TEXT)")


def _ts(days_ago: float, now: datetime = NOW) -> float:
    return (now - timedelta(days=days_ago)).timestamp()


def _tracker_rows(url: str) -> list[tuple[str, str, float]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text("SELECT sender_id, type_name, timestamp FROM events "
                                                          "ORDER BY id"))]
    engine.dispose()
    return rows


def _fill_tracker(url: str, now: datetime = NOW) -> None:
    rows = [
        # gone quiet 200 days ago: everything goes
        ("old", "session_started", 200), ("old", "user", 200), ("old", "bot", 200),
        # an earlier session 120 days ago, the current one today: only the earlier session goes
        ("active", "session_started", 120), ("active", "user", 120),
        ("active", "session_started", 1), ("active", "user", 1),
        # one session that began 100 days ago and is still in use: kept whole
        ("long", "user", 100), ("long", "user", 2),
        # recent
        ("new", "session_started", 5), ("new", "user", 5),
    ]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(EVENTS_DDL))
        for number, (sender, kind, days_ago) in enumerate(rows, start=1):
            connection.execute(text("INSERT INTO events (id, sender_id, type_name, timestamp, data) "
                                    "VALUES (:i, :s, :k, :t, '{}')"),
                               {"i": number, "s": sender, "k": kind, "t": _ts(days_ago, now)})
    engine.dispose()


def _check_conversations(url: str) -> None:
    _fill_tracker(url)
    engine = create_engine(url)
    assert expire_conversations(engine, cutoff(90, NOW)) == 5
    engine.dispose()
    assert _tracker_rows(url) == [
        ("active", "session_started", _ts(1)), ("active", "user", _ts(1)),
        ("long", "user", _ts(100)), ("long", "user", _ts(2)),
        ("new", "session_started", _ts(5)), ("new", "user", _ts(5)),
    ]


def test_conversations_expire_on_sqlite(tmp_path) -> None:
    _check_conversations(f"sqlite:///{tmp_path / 'tracker.db'}")


@pytest.mark.postgres
def test_conversations_expire_on_postgresql(postgres_url) -> None:
    _check_conversations(postgres_url)


def test_no_tracker_table_yet_is_nothing_to_expire(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert expire_conversations(engine, cutoff(90, NOW)) == 0


def _check_learners(db_url: str) -> None:
    upgrade(db_url)
    sessions = session_factory(db_url)
    with sessions() as session, session.begin():
        session.execute(delete(Learner))
        for name, days_ago in (("gone", 400), ("recent", 10), ("returning", 400)):
            learner = Learner(pseudonym=name, last_seen_at=NOW - timedelta(days=days_ago))
            learner.feedback.append(Feedback(text="nice"))
            learner.handoffs.append(Handoff(conversation_id=name, replies=[StaffReply(text="hello")]))
            session.add(learner)
    with sessions() as session, session.begin():
        mark_seen(session, "returning")  # a visit today counts from now
    with sessions() as session, session.begin():
        assert expire_learners(session, cutoff(365, NOW)) == 1
    with sessions() as session:
        assert sorted(session.scalars(select(Learner.pseudonym))) == ["recent", "returning"]
        assert len(session.scalars(select(Feedback)).all()) == 2
        assert len(session.scalars(select(StaffReply)).all()) == 2


def test_inactive_learners_expire_with_their_rows_on_sqlite(settings) -> None:
    _check_learners(settings.db_url)


@pytest.mark.postgres
def test_inactive_learners_expire_with_their_rows_on_postgresql(postgres_url) -> None:
    _check_learners(postgres_url)


def test_rasa_postgresql_urls_use_this_runtimes_driver() -> None:
    assert tracker_store_engine_url("postgresql://rasa:pw@db:5432/rasa") == "postgresql+psycopg://rasa:pw@db:5432/rasa"
    assert tracker_store_engine_url("sqlite:///var/tracker.db") == "sqlite:///var/tracker.db"


def test_cutoff_refuses_a_period_under_one_day() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        cutoff(0)


def test_cli_expires_and_reports(settings, tmp_path, monkeypatch, capsys) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    _fill_tracker(tracker_url, datetime.now(timezone.utc))
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("ASSISTANT_DB_URL", settings.db_url)
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "1000")
    assert main(["expire-conversations"]) == 0
    assert "deleted 0 conversation events and 0 inactive learners" in capsys.readouterr().out
    assert main(["expire-conversations", "--days", "90"]) == 0
    assert "deleted 5 conversation events" in capsys.readouterr().out
    assert {sender for sender, _, _ in _tracker_rows(tracker_url)} == {"active", "long", "new"}
    assert main(["expire-conversations", "--days", "0"]) == 2
    assert "at least 1 day" in capsys.readouterr().err
