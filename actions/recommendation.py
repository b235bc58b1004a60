"""Course recommendations from a request (topic, budget, level), and refinements
of the last list ("cheaper", "more advanced", "something else", "only free ones")."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
import logging
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.common import apologise, entity, latest_text
from actions.rendering import CARD_CHANNELS, RICH_CHANNELS, cards_payload, course_list_text
from assistant import observability
from assistant.budget import Budget, BudgetError, parse_budget
from assistant.catalog.normalize import LEVELS
from assistant.course_search import SearchResult, price_text
from assistant.learners import get_or_create_learner, log_recommendations, owned_course_ids
from assistant.request_text import InputError, level_from_text, normalise_level, parse_hours, topic_query

logger = logging.getLogger(__name__)

TOPIC_BUTTONS = [
    {"title": "Programming", "payload": "I want to learn programming"},
    {"title": "Data analysis", "payload": "I want to learn data analysis"},
    {"title": "Business", "payload": "courses on business management"},
]
REFINE_BUTTONS = [
    {"title": "Cheaper", "payload": "/refine_list{\"refinement\": \"cheaper\"}"},
    {"title": "More advanced", "payload": "/refine_list{\"refinement\": \"more_advanced\"}"},
    {"title": "Something else", "payload": "/refine_list{\"refinement\": \"different\"}"},
]


@dataclass(frozen=True)
class Request:
    topic: str
    budget: Budget | None
    level: str | None
    exclude: frozenset[int] = frozenset()
    label: str = ""  # how the topic is named in the reply (the learner's words)


def _slot_budget(tracker: Tracker, slot: str = "budget") -> Budget | None:
    try:
        return parse_budget(str(tracker.get_slot(slot) or ""))
    except BudgetError:
        return None


def _profile_hours(tracker: Tracker) -> float | None:
    """The learner's weekly hours from their profile: courses needing more are left out."""
    try:
        return parse_hours(str(tracker.get_slot("weekly_hours") or ""))
    except InputError:
        return None


class RecommendationAction(Action, ABC):
    """Runs a request through the recommender, shows the list, logs it and remembers it."""

    @abstractmethod
    def name(self) -> str: ...

    async def recommend(self, dispatcher: CollectingDispatcher, tracker: Tracker, request: Request,
                        intro: str | None = None) -> list[EventType]:
        try:
            history = await asyncio.to_thread(self._history, tracker.sender_id)
            if not request.topic and not history:
                dispatcher.utter_message(text="What would you like to learn? Name a topic, for example "
                                              "\"python\", \"marketing\" or \"statistics\".", buttons=TOPIC_BUTTONS)
                return []
            result = await asyncio.to_thread(services.recommender().recommend, request.topic or None, history,
                                             request.budget, request.level, 3, request.exclude,
                                             _profile_hours(tracker))
            if result.hits:
                await asyncio.to_thread(self._log, tracker.sender_id, result)
        except Exception:  # any downstream failure ends in an apology, never silence
            logger.exception("recommendation failed")  # not the request: it holds the learner's words
            apologise(dispatcher)
            return []
        self._reply(dispatcher, tracker, request, result, intro)
        events: list[EventType] = [SlotSet("topic", request.topic or None), SlotSet("request_level", request.level),
                                   SlotSet("request_budget", request.budget.describe() if request.budget else None)]
        if result.hits:
            events.append(SlotSet("shown_courses", [hit.course.id for hit in result.hits]))
        return events

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
        observability.RECOMMENDATIONS_SERVED.labels(result.model_version).inc()

    @staticmethod
    def _reply(dispatcher: CollectingDispatcher, tracker: Tracker, request: Request, result: SearchResult,
               intro: str | None) -> None:
        filters = ", ".join(x for x in (request.level, request.budget.describe() if request.budget else None) if x)
        topic = request.label or request.topic
        if result.hits:
            if intro is None:
                intro = (f"Here are {len(result.hits)} courses on {topic}" + (f" ({filters})" if filters else "") + ":"
                                  if topic else "Based on the courses you have taken, you might like:")
            channel = tracker.get_latest_input_channel()
            listing = intro if channel in CARD_CHANNELS else intro + "\n" + course_list_text(result.hits)
            dispatcher.utter_message(text=listing, buttons=REFINE_BUTTONS)
            if channel in RICH_CHANNELS:
                dispatcher.utter_message(json_message=cards_payload(result.hits))
            return
        if not topic:
            dispatcher.utter_message(text="I have nothing new to suggest from your courses with those limits. "
                                          "Name a topic and I'll search the whole catalog.", buttons=TOPIC_BUTTONS)
            return
        if result.topic_matches == 0:
            dispatcher.utter_message(
                text=f"Sorry, I couldn't find any course about \u201c{topic[:80]}\u201d in the catalog. "
                     "Try a broader topic, such as \"programming\", \"business\" or \"design\".",
                buttons=TOPIC_BUTTONS,
            )
            return
        message = f"I found courses on {topic}, but none that match {filters or 'that request'}."
        if result.cheapest is not None:
            message += (f" The cheapest one is \u201c{result.cheapest.title}\u201d at "
                        f"{price_text(result.cheapest)}.")
        dispatcher.utter_message(text=message + " Would you like to widen your budget or level?",
                                 buttons=[{"title": "Show free courses", "payload": f"free courses on {topic}"},
                                          {"title": "Any budget", "payload": f"courses on {topic}, no budget limit"}])


class ActionRecommendCourses(RecommendationAction):
    def name(self) -> str:
        return "action_recommend_courses"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        text = latest_text(tracker)
        try:
            budget = parse_budget(entity(tracker, "budget") or "") or parse_budget(text)
        except BudgetError as error:
            dispatcher.utter_message(text=str(error))
            return []
        budget = budget or _slot_budget(tracker)  # the profile's budget applies unless the request names one
        level = normalise_level(entity(tracker, "level")) or level_from_text(text)
        # The learner's own words (minus filler) make a better query than the
        # entity span, which DIET may cut short ("underwater basket weaving").
        entity_topic = entity(tracker, "topic")
        topic = topic_query(text) or topic_query(entity_topic or "")
        return await self.recommend(dispatcher, tracker, Request(topic, budget, level, label=entity_topic or topic))


def _step_level(levels: list[str], up: bool) -> str | None:
    ranks = [LEVELS.index(level) for level in levels if level in LEVELS]
    if not ranks:
        return None
    rank = max(ranks) + 1 if up else min(ranks) - 1
    return LEVELS[rank] if 0 <= rank < len(LEVELS) else None


class ActionRefineRecommendations(RecommendationAction):
    def name(self) -> str:
        return "action_refine_recommendations"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        shown_ids = [int(i) for i in tracker.get_slot("shown_courses") or []]
        topic = tracker.get_slot("topic") or ""
        if not shown_ids:
            dispatcher.utter_message(text="I haven't shown you any courses yet. What would you like to learn?",
                                     buttons=TOPIC_BUTTONS)
            return []
        refinement = (entity(tracker, "refinement") or "different").lower()
        shown = [c for c in (services.course_search().courses().get(i) for i in shown_ids) if c is not None]
        budget, level = _slot_budget(tracker, "request_budget"), normalise_level(tracker.get_slot("request_level"))
        exclude = frozenset(shown_ids)
        if refinement == "cheaper":
            paid = [c.price for c in shown if c.price_kind == "paid" and c.price > 0]
            if not paid:
                dispatcher.utter_message(text="Those are already free to take. Want something else instead?",
                                         buttons=REFINE_BUTTONS[2:])
                return []
            budget, intro = Budget(min(paid) - 0.01), f"Here are cheaper ones, under ${min(paid):g}:"
        elif refinement == "free_only":
            budget, intro = Budget(0.0, free_only=True), "Here are free ones (or free to audit):"
        elif refinement in ("more_advanced", "easier"):
            level = _step_level([c.level for c in shown], up=refinement == "more_advanced")
            if level is None:
                where = "the most advanced" if refinement == "more_advanced" else "the most introductory"
                dispatcher.utter_message(text=f"Those are already at {where} level I have. Want something else?",
                                         buttons=REFINE_BUTTONS[2:])
                return []
            intro = f"Here are {level} ones:"
        else:
            intro = "Here are some others:"
        return await self.recommend(dispatcher, tracker, Request(topic, budget, level, exclude), intro)
