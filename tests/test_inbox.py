"""The staff hand-off inbox on real database rows: records, CLI errors, rendering and the two actions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.staff import HANDED_BACK, PAUSED_NOTE, STAFF_PREFIX, ActionStaffRelease, ActionStaffReply
from actions.support import ActionHandoff
from assistant.__main__ import main
from assistant.db.engine import session_factory
from assistant.db.migrate import upgrade
from assistant.db.models import Handoff, StaffReply
from assistant.inbox import (MAX_REPLY_CHARS, InboxError, active_handoffs, add_staff_reply, close_handoff,
                             take_unsent_replies, withdraw_unsent_reply)
from assistant.inbox_cli import list_inbox
from assistant.learners import delete_learner_data, export_learner_data
from assistant.support import open_handoff
from tests.conftest import free_port


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, settings):
    """A migrated learner database, on SQLite and on the local PostgreSQL."""
    url = settings.db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    upgrade(url)
    return session_factory(url)


def _handoff(sessions, learner: str, conversation: str, reason: str = "asked for a person",
             sentiment: dict | None = None, created: datetime | None = None) -> None:
    with sessions() as session, session.begin():
        handoff, _ = open_handoff(session, learner, conversation, reason, sentiment)
        if created is not None:
            handoff.created_at = created


def test_replies_are_sent_once_in_order_and_answer_the_handoff(db):
    _handoff(db, "p1", "chat-1")
    with db() as session, session.begin():
        add_staff_reply(session, "chat-1", "  Hi, I'm Sam from the course team.  ")
        add_staff_reply(session, "chat-1", "Which lesson is it?")
    with db() as session, session.begin():
        assert take_unsent_replies(session, "chat-1") == ["Hi, I'm Sam from the course team.", "Which lesson is it?"]
    with db() as session, session.begin():
        assert take_unsent_replies(session, "chat-1") == []
        assert take_unsent_replies(session, "some-other-chat") == []
        handoff = session.scalars(select(Handoff)).one()
        assert handoff.status == "answered"
        assert all(reply.sent_at is not None for reply in handoff.replies)
        # asking again while staff have the chat does not open a second hand-off
        again, is_new = open_handoff(session, "p1", "chat-1", "asked again", None)
    assert not is_new and again.id == handoff.id


def test_inbox_lists_unanswered_first_then_oldest_and_forgets_closed(db):
    now = datetime.now(timezone.utc)
    _handoff(db, "p1", "answered-long-ago", created=now - timedelta(days=2))
    _handoff(db, "p2", "new", created=now - timedelta(minutes=5))
    _handoff(db, "p3", "old", created=now - timedelta(hours=3))
    _handoff(db, "p4", "closed", created=now - timedelta(days=3))
    with db() as session, session.begin():
        add_staff_reply(session, "answered-long-ago", "hello")
        take_unsent_replies(session, "answered-long-ago")
        close_handoff(session, "closed")
    with db() as session:
        assert [h.conversation_id for h in active_handoffs(session)] == ["old", "new", "answered-long-ago"]


@pytest.mark.parametrize(("conversation", "text", "message"), [
    ("chat-1", "   ", "the reply is empty"),
    ("chat-1", "x" * (MAX_REPLY_CHARS + 1), f"the limit is {MAX_REPLY_CHARS}"),
    ("nobody-asked", "hello", "no learner asked for a person in conversation 'nobody-asked'"),
    ("closed-chat", "hello", "the hand-off of conversation 'closed-chat' is already closed"),
])
def test_bad_replies_are_refused_and_nothing_is_stored(db, conversation, text, message):
    _handoff(db, "p1", "chat-1")
    _handoff(db, "p2", "closed-chat")
    with db() as session, session.begin():
        close_handoff(session, "closed-chat")
    with db() as session, session.begin(), pytest.raises(InboxError, match=message):
        add_staff_reply(session, conversation, text)
    with db() as session:
        assert session.scalar(select(func.count()).select_from(StaffReply)) == 0


def test_closing_twice_is_refused(db):
    _handoff(db, "p1", "chat-1")
    with db() as session, session.begin():
        close_handoff(session, "chat-1")
    with db() as session, pytest.raises(InboxError, match="already closed"):
        close_handoff(session, "chat-1")


def test_withdraw_keeps_sent_replies(db):
    _handoff(db, "p1", "chat-1")
    with db() as session, session.begin():
        sent = add_staff_reply(session, "chat-1", "first").id
        take_unsent_replies(session, "chat-1")
        unsent = add_staff_reply(session, "chat-1", "second").id
    with db() as session, session.begin():
        withdraw_unsent_reply(session, sent)
        withdraw_unsent_reply(session, unsent)
    with db() as session:
        assert [r.text for r in session.scalars(select(StaffReply))] == ["first"]


def test_staff_replies_are_in_the_export_and_deleted_with_the_learner(db):
    _handoff(db, "alice", "chat-alice")
    _handoff(db, "bob", "chat-bob")
    with db() as session, session.begin():
        add_staff_reply(session, "chat-alice", "Hi Alice, about lesson 2...")
        add_staff_reply(session, "chat-bob", "Hi Bob")
    with db() as session:
        exported = export_learner_data(session, "alice")
    assert [r["text"] for r in exported["handoffs"][0]["staff_replies"]] == ["Hi Alice, about lesson 2..."]
    assert "Bob" not in repr(exported)
    with db() as session, session.begin():
        assert delete_learner_data(session, "alice")
    with db() as session:
        assert [r.text for r in session.scalars(select(StaffReply))] == ["Hi Bob"]


class RecordedRasa:
    """Answers ``tracker()`` with trackers in the shape Rasa's HTTP API returns."""

    def __init__(self, trackers: dict[str, dict[str, Any]]) -> None:
        self.trackers = trackers

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return self.trackers[conversation_id]


def _user(text: str, at: datetime, sentiment: dict | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": at.timestamp(),
            "parse_data": {"intent": {"name": "express_feeling"}, **({"sentiment": sentiment} if sentiment else {})}}


def test_listing_shows_reason_sentiment_age_and_last_learner_messages(db):
    now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    _handoff(db, "p1", "chat-1", reason="after \u201cI'm so confused\u201d (express_feeling)",
             sentiment={"polarity": "negative", "affect": "confused", "help_need": 0.83},
             created=now - timedelta(hours=2, minutes=5))
    events = [_user("hi", now - timedelta(hours=3)),
              {"event": "bot", "text": "Hi! I'm Pathwise", "timestamp": (now - timedelta(hours=3)).timestamp()},
              _user("I'm so confused", now - timedelta(hours=2, minutes=6),
                    {"polarity": "negative", "affect": "confused", "help_need": 0.9}),
              _user("talk to a human", now - timedelta(hours=2, minutes=5),
                    {"polarity": "neutral", "affect": "neutral", "help_need": 0.4})]
    text = list_inbox(db, RecordedRasa({"chat-1": {"events": events}}), messages=2, now=now)
    assert text.splitlines()[0] == "1 conversation waiting for a person:"
    assert "chat-1  [waiting]  asked 2 h 05 min ago (2026-12-05 09:55 UTC)" in text
    assert "reason:    after \u201cI'm so confused\u201d (express_feeling)" in text
    assert "sentiment: negative, confused, help-need 0.83\n" in text
    assert "09:54  I'm so confused  (negative, confused, help-need 0.90)" in text
    assert "09:55  talk to a human  (help-need 0.40)" in text
    assert "hi" not in text.split("last messages:")[1] and "Pathwise" not in text


def test_listing_an_empty_inbox_needs_no_rasa(db):
    assert list_inbox(db, RecordedRasa({})) == "No conversation is waiting for a person."


@pytest.fixture
def cli_env(settings, monkeypatch):
    """Point ``python -m assistant`` at the test database and at a port where no Rasa listens."""
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("ASSISTANT_DB_URL", settings.db_url)
    monkeypatch.setenv("RASA_PORT", str(free_port()))
    upgrade(settings.db_url)
    return session_factory(settings.db_url)


@pytest.mark.parametrize(("argv", "message"), [
    (["inbox", "reply", "chat-1", " "], "error: the reply is empty"),
    (["inbox", "reply", "nobody", "hello"], "error: no learner asked for a person in conversation 'nobody'"),
    (["inbox", "release", "closed-chat"], "error: the hand-off of conversation 'closed-chat' is already closed"),
    (["inbox", "reply", "chat-1", "hello"], "error: the Rasa server is not answering at http://"),
    (["inbox", "release", "chat-1"], "error: the Rasa server is not answering at http://"),
    (["inbox"], "error: the Rasa server is not answering at http://"),
])
def test_cli_errors_are_one_line_with_exit_code_2(cli_env, capsys, argv, message):
    _handoff(cli_env, "p1", "chat-1")
    _handoff(cli_env, "p2", "closed-chat")
    with cli_env() as session, session.begin():
        close_handoff(session, "closed-chat")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message) and captured.err.count("\n") == 1, captured.err
    assert "token=" not in captured.err
    with cli_env() as session:  # a reply Rasa never got is not kept, and the hand-off is unchanged
        assert session.scalar(select(func.count()).select_from(StaffReply)) == 0
        assert session.scalar(select(Handoff.status).where(Handoff.conversation_id == "chat-1")) == "open"


async def test_handoff_keeps_the_sentiment_of_the_message_that_led_to_it(action_services):
    confused = {"polarity": "negative", "affect": "confused", "help_need": 0.9}
    events = [{"event": "user", "text": "I'm so confused", "parse_data": {"intent": {"name": "express_feeling"},
                                                                        "sentiment": confused}},
              {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"},
                                                            "sentiment": {"polarity": "positive"}}}]
    tracker = Tracker.from_dict({"sender_id": "learner-1", "slots": {}, "latest_message": events[-1]["parse_data"],
                                 "paused": False, "followup_action": None, "active_loop": {},
                                 "latest_action_name": "action_listen", "events": events})
    await ActionHandoff().run(CollectingDispatcher(), tracker, {})
    with action_services.sessions()() as session:
        handoff = session.scalars(select(Handoff)).one()
    assert handoff.reason == "after \u201cI'm so confused\u201d (express_feeling)" and handoff.sentiment == confused


def _tracker(sender: str, paused: bool = False, active_loop: str | None = None) -> Tracker:
    return Tracker.from_dict({
        "sender_id": sender, "slots": {"requested_slot": "budget" if active_loop else None},
        "latest_message": {}, "paused": paused, "followup_action": None,
        "active_loop": {"name": active_loop} if active_loop else {}, "latest_action_name": "action_listen",
        "events": []})


async def _run(action, tracker: Tracker) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return [m["text"] for m in dispatcher.messages], events


async def test_staff_reply_action_says_the_replies_and_pauses_the_bot(action_services):
    sessions = action_services.sessions()
    _handoff(sessions, "p1", "learner-1")
    with sessions() as session, session.begin():
        add_staff_reply(session, "learner-1", "Hi, I'm Sam.")
    said, events = await _run(ActionStaffReply(), _tracker("learner-1"))
    assert said == [STAFF_PREFIX + "Hi, I'm Sam.", PAUSED_NOTE]
    assert [e["event"] for e in events] == ["pause"]
    assert await _run(ActionStaffReply(), _tracker("learner-1", paused=True)) == ([], [])  # nothing new to say
    with sessions() as session, session.begin():
        add_staff_reply(session, "learner-1", "Which lesson?")
    said, events = await _run(ActionStaffReply(), _tracker("learner-1", paused=True))
    assert said == [STAFF_PREFIX + "Which lesson?"]  # already paused: no second note
    assert [e["event"] for e in events] == ["pause"]


async def test_release_action_resumes_ends_a_form_and_listens(action_services):
    said, events = await _run(ActionStaffRelease(), _tracker("learner-1", paused=True, active_loop="onboarding_form"))
    assert said == [HANDED_BACK]
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("resume", None, None), ("active_loop", None, None), ("slot", "requested_slot", None),
        ("action", "action_listen", None)]
    _, events = await _run(ActionStaffRelease(), _tracker("learner-1", paused=True))
    assert [e["event"] for e in events] == ["resume", "action"]
