"""Actions run against a Tracker built from a dict, the real database and the real encoder."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.common import APOLOGY
from actions.recommendation import ActionRecommendCourses
from assistant.db.models import Learner, RecommendationLog
from assistant.recommender import COLD_START_VERSION


def tracker_for(text: str, entities: list[dict[str, Any]] | None = None, channel: str = "rest",
                sender: str = "learner-1") -> Tracker:
    message = {"text": text, "intent": {"name": "ask_recommendation", "confidence": 0.99},
               "entities": entities or []}
    return Tracker.from_dict({
        "sender_id": sender, "slots": {}, "latest_message": message, "paused": False,
        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
        "events": [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}],
    })


async def run_action(text: str, **kwargs: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRecommendCourses().run(dispatcher, tracker_for(text, **kwargs), {})
    return dispatcher.messages, events


async def test_recommends_courses_within_budget_with_cards_and_log(action_services):
    messages, events = await run_action(
        "I want to learn python for data analysis, my budget is $50",
        entities=[{"entity": "topic", "value": "python for data analysis"}, {"entity": "budget", "value": "$50"}])
    text = messages[0]["text"]
    assert text.startswith("Here are 2 courses on python for data analysis (up to $50):")
    assert "Data Analysis with Python (DataU): free to audit, $49 for the certificate, beginner" in text
    assert "Python for Data Analysis with Pandas (Udemy): $45, beginner" in text
    cards = messages[1]["custom"]["data"]
    assert cards["type"] == "course_cards"
    assert {card["title"] for card in cards["cards"]} == {"Data Analysis with Python",
                                                          "Python for Data Analysis with Pandas"}
    assert all(card["reason"] for card in cards["cards"])
    shown = next(e["value"] for e in events if e["name"] == "shown_courses")
    assert sorted(shown) == sorted(card["course_id"] for card in cards["cards"])  # remembered for "the second one"
    with action_services.sessions()() as session:
        learner = session.scalars(select(Learner)).one()
        assert learner.pseudonym != "learner-1"
        logged = session.scalars(select(RecommendationLog).order_by(RecommendationLog.rank)).all()
    assert [row.rank for row in logged] == [1, 2]
    assert {row.model_version for row in logged} == {COLD_START_VERSION}  # no history, no trained model


async def test_plain_text_only_on_channels_without_rich_ui(action_services):
    messages, _ = await run_action("guitar lessons", channel="telegram")
    assert len(messages) == 1 and "Guitar for Absolute Beginners" in messages[0]["text"]


async def test_negative_budget_gets_a_polite_answer(action_services):
    messages, events = await run_action("courses on statistics, my budget is -5",
                                        entities=[{"entity": "budget", "value": "-5"}])
    assert messages[0]["text"].startswith("A budget can't be negative.")
    assert events == []


async def test_unknown_topic_gets_suggestions(action_services):
    messages, _ = await run_action("teach me asdkjh qwerty zxcv")
    assert messages[0]["text"].startswith("Sorry, I couldn't find any course about")
    assert messages[0]["buttons"]


async def test_no_topic_asks_for_one(action_services):
    messages, _ = await run_action("recommend me some courses")
    assert messages[0]["text"].startswith("What would you like to learn?")


async def test_budget_too_low_explains_the_cheapest_option(action_services):
    messages, _ = await run_action("jazz guitar under $5")
    assert "but none that match up to $5" in messages[0]["text"]
    assert "The cheapest one is \u201cGuitar for Absolute Beginners\u201d at $20." in messages[0]["text"]


async def test_huge_message_is_handled(action_services):
    messages, _ = await run_action("python data analysis " * 400)
    assert messages[0]["text"].startswith("Here are")


async def test_downstream_failure_ends_in_an_apology(action_services, monkeypatch):
    def broken_search(*_args, **_kwargs):
        raise ConnectionError("database went away")

    monkeypatch.setattr(action_services.course_search(), "search", broken_search)
    messages, events = await run_action("python for data analysis")
    assert [m["text"] for m in messages] == [APOLOGY]
    assert messages[0]["buttons"][0]["payload"] == "/request_human"
    assert events == []
