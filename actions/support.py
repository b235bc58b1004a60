"""Feedback, hand-off to course staff, and the fallback that offers likely intents."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.common import apologise, entity, latest_text, sentiment
from assistant import observability
from assistant.support import add_feedback, open_handoff

logger = logging.getLogger(__name__)

INTENT_TITLES = {
    "ask_recommendation": "Recommend courses", "refine_list": "Change the list", "ask_course_details":
    "Details of a course", "enrol_course": "Enrol in a course", "set_goal": "Set my goal", "update_profile":
    "Update my profile", "report_progress": "Report progress", "report_quiz_score": "Report a quiz score",
    "ask_next_step": "What to do next", "ask_learning_path": "Plan my learning path", "too_hard": "It's too hard",
    "too_easy": "It's too easy", "express_feeling": "Tell you how I feel", "give_feedback": "Give feedback",
    "faq": "Prices, refunds, certificates", "ask_my_data": "What you know about me", "delete_my_data":
    "Delete my data", "request_human": "Talk to a person", "help": "What can you do?",
}


def _rating(tracker: Tracker) -> int | None:
    match = (re.search(r"(\d+)", entity(tracker, "rating") or "")
             or re.search(r"\b(\d+)\s*(?:/\s*5|stars?|out of 5)", latest_text(tracker)))
    return int(match.group(1)) if match else None


class ActionSaveFeedback(Action):
    def name(self) -> str:
        return "action_save_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        rating = _rating(tracker)
        if rating is not None and not 1 <= rating <= 5:
            rating = None
        try:
            await asyncio.to_thread(self._save, tracker.sender_id, latest_text(tracker), rating, sentiment(tracker))
        except Exception:
            logger.exception("could not store feedback")
            apologise(dispatcher)
            return []
        negative = sentiment(tracker).get("polarity") == "negative" or (rating is not None and rating <= 2)
        if negative:
            dispatcher.utter_message(text="Thank you for telling me, and sorry it wasn't better. I've passed it on "
                                          "to the team.", buttons=[{"title": "Talk to a person",
                                                                    "payload": "/request_human"}])
        else:
            dispatcher.utter_message(text="Thanks for the feedback! It helps us improve.")
        return []

    @staticmethod
    def _save(sender_id: str, text: str, rating: int | None, found: dict) -> None:
        with services.sessions()() as session, session.begin():
            add_feedback(session, services.learner_key(sender_id), text, rating, found or None)


class ActionHandoff(Action):
    """Mark the conversation for course staff and say what happens next."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reason, found = self._reason(tracker)
        try:
            is_new = await asyncio.to_thread(self._open, tracker.sender_id, reason, found)
        except Exception:
            logger.exception("could not open a hand-off")
            dispatcher.utter_message(text="Sorry, I couldn't reach the course staff just now. Please try again in "
                                          "a few minutes, or write to the platform's support address.")
            return []
        if is_new:
            observability.HANDOFFS.inc()
            dispatcher.utter_message(text="I've asked the course staff to join. A person will reply here in this "
                                          "chat, usually within one working day. You can keep chatting with me "
                                          "meanwhile.")
        else:
            dispatcher.utter_message(text="The course staff already have your request and will reply here soon.")
        return [SlotSet("handoff_offered", False)]

    @staticmethod
    def _reason(tracker: Tracker) -> tuple[str, dict]:
        """What led to the request, with that message's sentiment: staff triage on it, not on "yes"."""
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                parsed = event.get("parse_data") or {}
                intent = parsed.get("intent", {}).get("name")
                if intent not in ("request_human", "affirm", None):
                    return (f"after \u201c{(event.get('text') or '')[:200]}\u201d ({intent})",
                            parsed.get("sentiment") or sentiment(tracker))
        return "the learner asked for a person", sentiment(tracker)

    @staticmethod
    def _open(sender_id: str, reason: str, found: dict) -> bool:
        with services.sessions()() as session, session.begin():
            _, is_new = open_handoff(session, services.learner_key(sender_id), sender_id, reason, found or None)
            return is_new


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback: offer the likeliest intents as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        observability.FALLBACKS.inc()
        ranking = tracker.latest_message.get("intent_ranking") or []
        choices = [r["name"] for r in ranking if r.get("name") in INTENT_TITLES][:3]
        if not choices or not re.search(r"\w", latest_text(tracker)):
            dispatcher.utter_message(text="Sorry, I didn't catch that. What would you like to do?",
                                     buttons=[{"title": INTENT_TITLES[i], "payload": f"/{i}"}
                                              for i in ("ask_recommendation", "ask_next_step", "help")])
            return []
        buttons = [{"title": INTENT_TITLES[name], "payload": f"/{name}"} for name in choices]
        buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        dispatcher.utter_message(text="Sorry, I'm not sure I understood. Did you mean one of these?", buttons=buttons)
        return []
