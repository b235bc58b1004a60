"""Course recommendation from a free-text request (topic, budget, level)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.rendering import RICH_CHANNELS, cards_payload, course_list_text
from assistant.budget import Budget, BudgetError, parse_budget
from assistant.course_search import SearchResult, price_text
from assistant.learners import get_or_create_learner, log_recommendations, owned_course_ids
from assistant.request_text import level_from_text, normalise_level, topic_query

logger = logging.getLogger(__name__)

TOPIC_BUTTONS = [
    {"title": "Programming", "payload": "I want to learn programming"},
    {"title": "Data analysis", "payload": "I want to learn data analysis"},
    {"title": "Business", "payload": "courses on business management"},
]


def _entity(tracker: Tracker, name: str) -> str | None:
    values = [str(v) for v in tracker.get_latest_entity_values(name) if str(v).strip()]
    return max(values, key=len) if values else None


class ActionRecommendCourses(Action):
    def name(self) -> str:
        return "action_recommend_courses"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        try:
            budget = parse_budget(_entity(tracker, "budget") or "") or parse_budget(text)
        except BudgetError as error:
            dispatcher.utter_message(text=str(error))
            return []
        level = normalise_level(_entity(tracker, "level")) or level_from_text(text)
        # The learner's own words (minus filler) make a better query than the
        # entity span, which DIET may cut short ("underwater basket weaving").
        entity_topic = _entity(tracker, "topic")
        topic = topic_query(text) or topic_query(entity_topic or "")
        try:
            history = await asyncio.to_thread(self._history, tracker.sender_id)
            if not topic and not history:
                dispatcher.utter_message(text="What would you like to learn? Name a topic, for example "
                                              "\"python\", \"marketing\" or \"statistics\".", buttons=TOPIC_BUTTONS)
                return []
            result = await asyncio.to_thread(services.recommender().recommend, topic, history, budget, level, 3)
            if result.hits:
                await asyncio.to_thread(self._log, tracker.sender_id, result)
        except Exception:  # any downstream failure ends in an apology, never silence
            logger.exception("recommendation failed for topic %r", topic)
            dispatcher.utter_message(text="Sorry, I couldn't search the catalog just now. "
                                          "Please try again in a minute.")
            return []
        if not topic:
            self._reply_from_history(dispatcher, tracker, budget, level, result)
            return [SlotSet("budget", budget.describe() if budget else None), SlotSet("level", level)]
        self._reply(dispatcher, tracker, entity_topic or topic, budget, level, result)
        return [SlotSet("topic", entity_topic or topic), SlotSet("budget", budget.describe() if budget else None),
                SlotSet("level", level)]

    @staticmethod
    def _history(sender_id: str) -> frozenset[int]:
        with services.sessions()() as session:
            return owned_course_ids(session, services.learner_key(sender_id))

    @staticmethod
    def _log(sender_id: str, result: SearchResult) -> None:
        with services.sessions()() as session, session.begin():
            learner = get_or_create_learner(session, services.learner_key(sender_id))
            shown = [(hit.course.id, hit.score, hit.reason) for hit in result.hits]
            log_recommendations(session, learner, shown, result.model_version)

    @staticmethod
    def _reply_from_history(dispatcher: CollectingDispatcher, tracker: Tracker, budget: Budget | None,
                            level: str | None, result: SearchResult) -> None:
        if not result.hits:
            dispatcher.utter_message(text="I have nothing new to suggest from your courses with those limits. "
                                          "Name a topic and I'll search the whole catalog.", buttons=TOPIC_BUTTONS)
            return
        dispatcher.utter_message(text="Based on the courses you have taken, you might like:\n"
                                      + course_list_text(result.hits))
        if tracker.get_latest_input_channel() in RICH_CHANNELS:
            dispatcher.utter_message(json_message=cards_payload(result.hits))

    @staticmethod
    def _reply(dispatcher: CollectingDispatcher, tracker: Tracker, topic: str, budget: Budget | None,
               level: str | None, result: SearchResult) -> None:
        filters = ", ".join(x for x in (level, budget.describe() if budget else None) if x)
        if result.hits:
            intro = f"Here are {len(result.hits)} courses on {topic}" + (f" ({filters})" if filters else "") + ":"
            dispatcher.utter_message(text=intro + "\n" + course_list_text(result.hits))
            if tracker.get_latest_input_channel() in RICH_CHANNELS:
                dispatcher.utter_message(json_message=cards_payload(result.hits))
            return
        if result.topic_matches == 0:
            dispatcher.utter_message(
                text=f"Sorry, I couldn't find any course about \u201c{topic[:80]}\u201d in the catalog. "
                     "Try a broader topic, such as \"programming\", \"business\" or \"design\".",
                buttons=TOPIC_BUTTONS,
            )
            return
        message = f"I found courses on {topic}, but none that match {filters}."
        if result.cheapest is not None:
            message += (f" The cheapest one is \u201c{result.cheapest.title}\u201d at "
                        f"{price_text(result.cheapest)}.")
        dispatcher.utter_message(text=message + " Would you like to widen your budget or level?",
                                 buttons=[{"title": "Show free courses", "payload": f"free courses on {topic}"},
                                          {"title": "Any budget", "payload": f"courses on {topic}, no budget limit"}])
