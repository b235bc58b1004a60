"""End-to-end privacy: "delete my data" empties the tracker store too; stored text is redacted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select, text

from assistant.db.engine import session_factory
from assistant.db.models import Feedback
from assistant.launcher import rasa_environment
from tests.e2e.conftest import cards, texts
from tests.e2e.test_guidance_conversation import _learner

pytestmark = pytest.mark.e2e


def _stored_events(settings, sender: str) -> list[dict]:
    """The conversation's rows in the tracker store the e2e Rasa server writes to."""
    engine = create_engine(rasa_environment(settings, 0)["TRACKER_STORE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})
            return [json.loads(data) for (data,) in rows]
    finally:
        engine.dispose()


def _user_texts(settings, sender: str) -> list[str]:
    return [e["text"] for e in _stored_events(settings, sender) if e["event"] == "user"]


def test_delete_my_data_removes_the_tracker_events_and_the_chat_goes_on(rest_chat, e2e_settings):
    assert len(cards(rest_chat.say("I want to learn python for data analysis"))) == 3
    assert "can't be undone" in texts(rest_chat.say("delete my data"))
    assert "I want to learn python for data analysis" in _user_texts(e2e_settings, rest_chat.sender)
    assert _learner(e2e_settings, rest_chat.sender)[0] is not None

    assert texts(rest_chat.say("yes")).startswith("Done: your profile")
    assert _stored_events(e2e_settings, rest_chat.sender) == []
    assert _learner(e2e_settings, rest_chat.sender)[0] is None

    assert cards(rest_chat.say("free courses on statistics"))
    assert _user_texts(e2e_settings, rest_chat.sender) == ["free courses on statistics"]
    assert [e for e in rest_chat.tracker()["events"] if e["event"] == "user"][0]["text"] == "free courses on statistics"


def test_feedback_with_an_email_is_stored_redacted(rest_chat, e2e_settings):
    message = "feedback: the suggestions didn't match my level, write to jane.doe@example.com"
    reply = texts(rest_chat.say(message))
    assert "Thanks for the feedback" in reply or "passed it on to the team" in reply, reply
    learner = _learner(e2e_settings, rest_chat.sender)[0]
    with session_factory(e2e_settings.db_url)() as session:
        stored = session.scalars(select(Feedback.text).where(Feedback.learner_id == learner.id)).all()
    assert stored == ["feedback: the suggestions didn't match my level, write to [email]"]
    events = _stored_events(e2e_settings, rest_chat.sender)
    assert "jane.doe@example.com" not in json.dumps(events)
    assert stored[0] in _user_texts(e2e_settings, rest_chat.sender)
