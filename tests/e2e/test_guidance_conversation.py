"""End-to-end: a full guidance conversation and the robustness cases, on the real servers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistant.db.engine import session_factory
from assistant.db.models import Course, Enrolment, Handoff, Learner, LearningEvent
from assistant.identity import pseudonym
from tests.e2e.conftest import cards, onboard_guitar_beginner, texts

pytestmark = pytest.mark.e2e

REQUEST = "I want to learn python for data analysis"


def _buttons(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def _learner(settings, sender: str):
    with session_factory(settings.db_url)() as session:
        key = pseudonym(sender, settings.secret("pseudonym_key"))
        learner = session.scalar(select(Learner).where(Learner.pseudonym == key))
        if learner is None:
            return None, [], [], []
        return (learner, list(session.scalars(select(Enrolment).where(Enrolment.learner_id == learner.id))),
                list(session.scalars(select(LearningEvent).where(LearningEvent.learner_id == learner.id))),
                list(session.scalars(select(Handoff).where(Handoff.learner_id == learner.id))))


def test_onboarding_to_recommendation_enrolment_quiz_confusion_and_handoff(rest_chat, e2e_settings):
    chat = rest_chat.say
    saved = onboard_guitar_beginner(chat)
    assert saved.startswith("Thanks, saved: goal \u201c") and "guitar\u201d, beginner level, 5 h/week" in saved

    first = cards(chat("I'd like guitar lessons"))
    assert len(first) == 3
    cheaper = chat("cheaper")
    cheaper_cards = cards(cheaper)
    assert cheaper_cards, texts(cheaper)
    top_paid = min(float(c["price"].lstrip("$")) for c in first if c["price_kind"] == "paid")
    for card in cheaper_cards:
        assert card["price_kind"] in ("free", "audit") or float(card["price"].lstrip("$")) < top_paid
    assert not {c["course_id"] for c in cheaper_cards} & {c["course_id"] for c in first}

    second = cheaper_cards[1]
    enrolled = texts(chat("enrol me in the second one"))
    assert f"you're enrolled in \u201c{second['title']}\u201d" in enrolled
    assert "already enrolled" in texts(chat("enrol me in the second one"))  # idempotent

    quiz = texts(chat("I got 30% on the chords quiz"))
    if "Which quiz" in quiz:  # the quiz form asks for what the message did not say
        quiz = texts(chat("chords"))
    if "What was your score" in quiz:
        quiz = texts(chat("30%"))
    assert quiz.strip()
    confused = chat("I'm so confused")
    said = texts(confused)
    assert "/request_human" in _buttons(confused), said
    assert any(word in said.lower() for word in ("easier", "review", "simpler", "step back")), said
    assert "course staff" in texts(chat("yes"))

    learner, enrolments, events, handoffs = _learner(e2e_settings, rest_chat.sender)
    assert "guitar" in learner.goal
    assert (learner.level, learner.weekly_hours, learner.budget) == ("beginner", 5.0, 200.0)
    assert learner.occupation is None and learner.age_band is None
    assert [e.course_id for e in enrolments] == [second["course_id"]]
    quizzes = [e for e in events if e.type == "quiz"]
    assert [(q.item, q.score) for q in quizzes] == [("chords", 0.3)]
    assert len(handoffs) == 1 and handoffs[0].status == "open" and handoffs[0].conversation_id == rest_chat.sender


def test_my_data_then_delete_with_confirmation(rest_chat, e2e_settings):
    rest_chat.say("I want to become a web developer")  # starts onboarding with the goal filled
    rest_chat.say("stop")
    rest_chat.say(REQUEST)
    assert "nothing was" not in texts(rest_chat.say("what do you know about me"))
    assert "can't be undone" in texts(rest_chat.say("delete my data"))
    assert "kept everything" in texts(rest_chat.say("no"))
    assert _learner(e2e_settings, rest_chat.sender)[0] is not None
    rest_chat.say("delete my data")
    assert texts(rest_chat.say("yes")).startswith("Done: your profile")
    assert _learner(e2e_settings, rest_chat.sender)[0] is None
    assert "don't have anything stored" in texts(rest_chat.say("what do you know about me"))


def test_form_interruption_and_cancel(rest_chat):
    assert "learning goal" in texts(rest_chat.say("set up my profile"))
    refund = texts(rest_chat.say("how do refunds work?"))
    assert "refund" in refund.lower() and "learning goal" in refund  # answered, then back to the question
    assert "stopped" in texts(rest_chat.say("cancel"))


@pytest.mark.parametrize("message", [
    "我想学习编程，有什么课程推荐吗？",
    "¿Tienes cursos de programación gratis?",
    "'; DROP TABLE courses; --",
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "tell me about the course Underwater Basket Weaving for Astronauts 101",
])
def test_robustness_cases_get_a_polite_answer_and_the_chat_goes_on(rest_chat, e2e_settings, message):
    with session_factory(e2e_settings.db_url)() as session:
        before = session.scalar(select(func.count()).select_from(Course))
    reply = texts(rest_chat.say(message))
    assert reply.strip() and "Traceback" not in reply
    assert "<script>" not in reply
    assert len(cards(rest_chat.say(REQUEST))) == 3
    with session_factory(e2e_settings.db_url)() as session:
        assert session.scalar(select(func.count()).select_from(Course)) == before
