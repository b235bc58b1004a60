"""Guidance dialogues: quiz results, progress, next step, learning path, and
reactions to "too hard", "too easy" and how the learner feels."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import HANDOFF_BUTTONS, apologise, latest_text, sentiment
from actions.courses import find_course
from assistant.guidance.planner import Explanation
from assistant.guidance.schema import GuidanceError, Signal
from assistant.guidance_service import PROFILE_GAPS, Guidance
from assistant.request_text import InputError, parse_score

logger = logging.getLogger(__name__)

PROFILE_BUTTON = [{"title": "Set up my profile", "payload": "/update_profile"}]
AFFECT_TO_SIGNAL = {"confused": "confused", "frustrated": "frustrated", "bored": "bored", "motivated": "positive"}


def signal_from(tracker: Tracker, kind: str | None = None) -> Signal:
    """The planner's view of the latest message: the intent's kind or the detected affect."""
    found = sentiment(tracker)
    polarity = float(found.get("polarity_score", 0.0))
    polarity = {"negative": -polarity, "positive": polarity}.get(str(found.get("polarity")), 0.0)
    affect = AFFECT_TO_SIGNAL.get(str(found.get("affect")), "neutral")
    if kind is None:
        kind = affect if affect != "neutral" else ("positive" if polarity > 0.3 else "neutral")
    return Signal(kind=kind, polarity=max(-1.0, min(1.0, polarity)),
                  help_need=max(0.0, min(1.0, float(found.get("help_need", 0.0)))), text=latest_text(tracker)[:500])


def say_guidance(dispatcher: CollectingDispatcher, guidance: Guidance) -> None:
    text = guidance.explanation.text
    if isinstance(guidance.outcome, GuidanceError):
        buttons = PROFILE_BUTTON if guidance.outcome.code in PROFILE_GAPS else []
        dispatcher.utter_message(text=text, buttons=buttons)
        return
    dispatcher.utter_message(text=text, buttons=HANDOFF_BUTTONS if guidance.offer_handoff else [])


class GuidanceAction(Action, ABC):
    """Runs one planner call off the event loop and answers, or apologises."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def call(self, tracker: Tracker, key: str) -> Guidance: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            guidance = await asyncio.to_thread(self.call, tracker, services.learner_key(tracker.sender_id))
        except Exception:
            logger.exception("%s failed", self.name())
            apologise(dispatcher)
            return []
        say_guidance(dispatcher, guidance)
        return [SlotSet("handoff_offered", guidance.offer_handoff), *self.events(tracker)]

    def events(self, tracker: Tracker) -> list[EventType]:
        return []


class ActionNextStep(GuidanceAction):
    def name(self) -> str:
        return "action_next_step"

    def call(self, tracker: Tracker, key: str) -> Guidance:
        return services.guidance().next_step(key)


class ActionLearningPath(GuidanceAction):
    def name(self) -> str:
        return "action_learning_path"

    def call(self, tracker: Tracker, key: str) -> Guidance:
        return services.guidance().learning_path(key)


class ActionAdjustDifficulty(GuidanceAction):
    def name(self) -> str:
        return "action_adjust_difficulty"

    def call(self, tracker: Tracker, key: str) -> Guidance:
        kind = "too_easy" if tracker.get_intent_of_latest_message() == "too_easy" else "too_hard"
        return services.guidance().adjust(key, signal_from(tracker, kind))


class ActionRespondToFeeling(GuidanceAction):
    def name(self) -> str:
        return "action_respond_to_feeling"

    ACKNOWLEDGE = {"confused": "Sorry this is hard going; let's sort it out together.",
                   "frustrated": "Sorry this is hard going; let's sort it out together.",
                   "bored": "Let's make it more interesting.", "positive": "Great to hear!"}

    def call(self, tracker: Tracker, key: str) -> Guidance:
        signal = signal_from(tracker)
        guidance = services.guidance().adjust(key, signal)
        gap = guidance.outcome
        if isinstance(gap, GuidanceError) and gap.code in PROFILE_GAPS and signal.kind in self.ACKNOWLEDGE:
            # No plan to adjust yet: acknowledge the feeling before asking for the profile.
            return Guidance(gap, Explanation(f"{self.ACKNOWLEDGE[signal.kind]} {guidance.explanation.text}"))
        return guidance


class ActionRecordQuiz(GuidanceAction):
    """Submit of the quiz form: store the score and answer with the next step."""

    def name(self) -> str:
        return "action_record_quiz"

    def call(self, tracker: Tracker, key: str) -> Guidance:
        score = parse_score(str(tracker.get_slot("quiz_score")))
        return services.guidance().record_quiz(key, str(tracker.get_slot("quiz_topic")), score)

    def events(self, tracker: Tracker) -> list[EventType]:
        return [SlotSet("quiz_topic", None), SlotSet("quiz_score", None)]


class ActionReportProgress(GuidanceAction):
    def name(self) -> str:
        return "action_report_progress"

    def call(self, tracker: Tracker, key: str) -> Guidance:
        text = latest_text(tracker)
        module = re.search(r"\b(module|unit|chapter|week|lesson)\s*\w+", text, re.I)
        if module:
            return services.guidance().module_done(key, module.group(0))
        course = find_course(tracker)
        if isinstance(course, str):
            return Guidance(GuidanceError("unknown_course", course, "course"), Explanation(course))
        return services.guidance().complete_course(key, course.id)


class ValidateQuizForm(FormValidationAction):
    def name(self) -> str:
        return "validate_quiz_form"

    def validate_quiz_topic(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        topic = re.sub(r"\s+", " ", str(value or "")).strip(" .!?")
        topic = re.sub(r"^(the|my|on|about)\s+|\s+(quiz|test|exam)$", "", topic, flags=re.I).strip()
        if len(re.findall(r"[^\W\d_]", topic)) < 2 or len(topic) > 80 or "?" in str(value) or len(topic.split()) > 8:
            dispatcher.utter_message(text="Which quiz was it? A short name is enough, like \"pandas\" or \"SQL joins\".")
            return {"quiz_topic": None}
        return {"quiz_topic": topic.lower()}

    def validate_quiz_score(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        try:
            score = parse_score(str(value or ""))
        except InputError as error:
            dispatcher.utter_message(text=str(error))
            return {"quiz_score": None}
        if score is None:
            dispatcher.utter_message(text="I need the score as a number, like \"7 out of 10\" or \"65%\".")
            return {"quiz_score": None}
        return {"quiz_score": f"{round(score * 100):d}%"}
