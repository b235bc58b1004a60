"""The learner's contact details are redacted where free text is stored, and kept out of the logs."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assistant import observability
from assistant.db.models import Feedback, Handoff, Learner, LearningEvent
from assistant.learners import save_profile
from assistant.support import add_feedback, open_handoff

CONTACT = "reach me at jane.doe@example.com or 555-123-4567"


def test_feedback_handoff_reason_and_profile_text_are_stored_redacted(sessions) -> None:
    with sessions() as session, session.begin():
        add_feedback(session, "p1", f"Great course for $49.99, 80% done. {CONTACT}", 5, None)
        open_handoff(session, "p1", "conversation-1", f"after \u201c{CONTACT}\u201d (faq)", None)
        save_profile(session, "p1", {"goal": f"data analyst, {CONTACT}", "occupation": "nurse, +44 20 7946 0958",
                                     "weekly_hours": 3.0, "budget": 49.99})
    with sessions() as session:
        feedback = session.scalars(select(Feedback)).one()
        handoff = session.scalars(select(Handoff)).one()
        learner = session.scalars(select(Learner)).one()
    assert feedback.text == "Great course for $49.99, 80% done. reach me at [email] or [phone]"
    assert handoff.reason == "after \u201creach me at [email] or [phone]\u201d (faq)"
    assert handoff.conversation_id == "conversation-1"
    assert (learner.goal, learner.occupation) == ("data analyst, reach me at [email] or [phone]", "nurse, [phone]")
    assert (learner.weekly_hours, learner.budget) == (3.0, 49.99)


def test_database_errors_do_not_quote_the_learners_words(sessions) -> None:
    with pytest.raises(IntegrityError) as raised, sessions() as session, session.begin():
        session.add(Feedback(learner_id=12345, text="my secret words"))  # no such learner
        session.add(LearningEvent(learner_id=None, type="quiz", item="my secret words"))
    assert "my secret words" not in str(raised.value)


def test_log_lines_carry_no_email_or_phone(log_stream) -> None:
    observability.bind("jane.doe@example.com", "action_save_feedback")
    try:
        raise ValueError(f"could not parse {CONTACT!r}")
    except ValueError:
        logging.getLogger("actions.support").exception("feedback from %s failed", "jane.doe@example.com")
    observability.bind("5123456789", "action_recommend_courses")  # a Telegram chat id stays
    logging.getLogger("actions.recommendation").info("served 3 courses in 12.5 ms at 2025-06-01 12:30")
    first, second = (json.loads(line) for line in log_stream.getvalue().splitlines())
    assert "example.com" not in json.dumps(first) and "4567" not in json.dumps(first)
    assert first["message"] == "feedback from [email] failed" and first["conversation_id"] == "[email]"
    assert "ValueError: could not parse 'reach me at [email] or [phone]'" in first["exc_info"]
    assert second["conversation_id"] == "5123456789"
    assert second["message"] == "served 3 courses in 12.5 ms at 2025-06-01 12:30"
