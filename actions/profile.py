"""The learner's profile (onboarding form), and their data: see it, delete it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.common import apologise
from actions.rendering import RICH_CHANNELS
from assistant.budget import Budget, BudgetError, parse_budget
from assistant.learners import (PROFILE_FIELDS, delete_learner_data, export_learner_data, load_profile, mark_seen,
                                save_profile)
from assistant.request_text import InputError, normalise_language, normalise_level, parse_hours

logger = logging.getLogger(__name__)

MAX_BUDGET = 10_000.0
MAX_TEXT = 200
SKIPPED = "skipped"
AGE_BANDS = ("under 25", "25-44", "45+")


def budget_to_slot(budget: Budget | None) -> str:
    return "no budget" if budget is None or budget.limit is None else budget.describe()


def budget_to_profile(budget_slot: str) -> float | None:
    budget = parse_budget(budget_slot)
    return None if budget is None or budget.limit is None else budget.limit


def profile_to_slots(profile: dict[str, Any]) -> list[EventType]:
    events: list[EventType] = []
    for name, value in profile.items():
        if name == "budget":
            value = budget_to_slot(Budget(0.0, free_only=True) if value == 0 else Budget(float(value)))
        elif name == "weekly_hours":
            value = f"{value:g} hours"
        events.append(SlotSet(name, value))
    return events


class ActionSessionStart(Action):
    """Start a session with the stored profile in the slots, so a returning learner isn't asked again."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        try:
            profile = await asyncio.to_thread(self._profile, tracker.sender_id)
        except Exception:  # the conversation goes on without the profile
            logger.exception("could not load the profile")
            profile = {}
        # Carry the conversation's slots over (session_config asks for it), then
        # fill what they lack from the stored profile.
        carried = {name: value for name, value in tracker.slots.items()
                   if value is not None and name != "requested_slot"}
        events += [SlotSet(name, value) for name, value in carried.items()]
        events += [e for e in profile_to_slots(profile) if e["name"] not in carried]
        return events + [ActionExecuted("action_listen")]

    @staticmethod
    def _profile(sender_id: str) -> dict[str, Any]:
        key = services.learner_key(sender_id)
        with services.sessions()() as session, session.begin():
            mark_seen(session, key)
            return load_profile(session, key)


class ValidateOnboardingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_onboarding_form"

    @staticmethod
    def _text(value: Any) -> str:
        return str(value or "").strip()

    def validate_goal(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        goal = self._text(value)
        if len(re.findall(r"[^\W\d_]", goal)) < 3:
            dispatcher.utter_message(text="Tell me your goal in a few words, like \"become a data analyst\".")
            return {"goal": None}
        return {"goal": goal[:MAX_TEXT]}

    def validate_level(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        text = self._text(value)
        level = normalise_level(text) or next((normalise_level(w) for w in re.findall(r"[a-z]+", text.lower())
                                               if normalise_level(w)), None)
        if level is None:
            dispatcher.utter_message(text=f"I don't know the level \u201c{text[:40]}\u201d. "
                                          "Please pick beginner, intermediate or advanced.")
        return {"level": level}

    def validate_weekly_hours(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        try:
            hours = parse_hours(self._text(value))
        except InputError as error:
            dispatcher.utter_message(text=str(error))
            return {"weekly_hours": None}
        if hours is None:
            dispatcher.utter_message(text="Please give a number of hours per week, for example \"4 hours\".")
            return {"weekly_hours": None}
        return {"weekly_hours": f"{hours:g} hours"}

    def validate_budget(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> dict[str, Any]:
        text = self._text(value)
        try:
            budget = parse_budget(text)
        except BudgetError as error:
            dispatcher.utter_message(text=str(error))
            return {"budget": None}
        if budget is None:
            if re.search(r"\b(million|billion|trillion)\b", text.lower()):
                dispatcher.utter_message(text="That's far more than any course costs. Say \"no budget\" if money "
                                              "is no concern, or give an amount like \"$100\".")
            else:
                dispatcher.utter_message(text="Please give an amount like \"$50\", or say \"free only\" or \"no budget\".")
            return {"budget": None}
        if budget.limit is not None and budget.limit > MAX_BUDGET:
            dispatcher.utter_message(text=f"{budget.amount()} is far more than any course costs. Say \"no budget\" "
                                          "if money is no concern, or give a smaller amount.")
            return {"budget": None}
        return {"budget": budget_to_slot(budget)}

    def validate_language(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        text = self._text(value)
        if re.search(r"\b(any|whatever|don't mind|dont care|no preference)\b", text.lower()):
            return {"language": "any"}
        language = normalise_language(text)
        if language is None:
            dispatcher.utter_message(text="I didn't recognise that language. Courses here are mostly in English; "
                                          "say a language like \"English\" or \"Spanish\", or \"any\".")
        return {"language": language}

    def validate_occupation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        text = self._text(value)
        return {"occupation": text[:80] if text else SKIPPED}

    def validate_age_band(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> dict[str, Any]:
        text = self._text(value).lower()
        if text == SKIPPED:
            return {"age_band": SKIPPED}
        numbers = [int(n) for n in re.findall(r"\d+", text)]
        if "under" in text or (numbers and numbers[0] < 25):
            return {"age_band": AGE_BANDS[0]}
        if numbers and numbers[0] >= 45:
            return {"age_band": AGE_BANDS[2]}
        if numbers:
            return {"age_band": AGE_BANDS[1]}
        dispatcher.utter_message(text="Please pick an age band, or say \"skip\".")
        return {"age_band": None}


class ActionSaveProfile(Action):
    def name(self) -> str:
        return "action_save_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        slots = {name: tracker.get_slot(name) for name in PROFILE_FIELDS}
        try:
            values: dict[str, Any] = {
                "goal": slots["goal"],
                "level": normalise_level(slots["level"]),
                "weekly_hours": parse_hours(str(slots["weekly_hours"])) if slots["weekly_hours"] else None,
                "budget": budget_to_profile(str(slots["budget"] or "")),
                "language": None if slots["language"] in (None, "any") else slots["language"],
                "occupation": None if slots["occupation"] in (None, SKIPPED) else slots["occupation"],
                "age_band": None if slots["age_band"] in (None, SKIPPED) else slots["age_band"],
            }
            await asyncio.to_thread(self._save, tracker.sender_id, values)
        except Exception:
            logger.exception("could not save the profile")
            apologise(dispatcher)
            return []
        hours = f"{values['weekly_hours']:g} h/week" if values["weekly_hours"] else "flexible hours"
        dispatcher.utter_message(
            text=f"Thanks, saved: goal \u201c{values['goal']}\u201d, {values['level'] or 'any'} level, {hours}, "
                 f"budget {slots['budget']}. You can change any of it later.",
            buttons=[{"title": "Plan my learning path", "payload": "/ask_learning_path"},
                     {"title": "Recommend courses", "payload": f"courses for {values['goal']}"}])
        return []

    @staticmethod
    def _save(sender_id: str, values: dict[str, Any]) -> None:
        with services.sessions()() as session, session.begin():
            save_profile(session, services.learner_key(sender_id), values)


class ActionShowMyData(Action):
    def name(self) -> str:
        return "action_show_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            data = await asyncio.to_thread(self._export, tracker.sender_id)
        except Exception:
            logger.exception("data export failed")
            apologise(dispatcher)
            return []
        if not data:
            dispatcher.utter_message(text="I don't have anything stored about you yet.")
            return []
        profile = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in data["profile"].items() if v is not None)
        lines = [
            "Here is everything I store about you (under a pseudonym, never your name):",
            f"- Profile: {profile or 'empty'}",
            f"- Courses: {', '.join(e['course'] + ' (' + e['status'] + ')' for e in data['enrolments']) or 'none'}",
            f"- Quiz results: {len(data['quiz_results'])}; feedback messages: {len(data['feedback'])}; "
            f"recommendations shown: {data['recommendations_shown']}; staff hand-offs: {len(data['handoffs'])}",
            "Say \"delete my data\" to remove all of it.",
        ]
        dispatcher.utter_message(text="\n".join(lines))
        if tracker.get_latest_input_channel() in RICH_CHANNELS:
            dispatcher.utter_message(json_message={"data": {"type": "data_export",
                                                            "export": json.loads(json.dumps(data, default=str))}})
        return []

    @staticmethod
    def _export(sender_id: str) -> dict[str, Any]:
        with services.sessions()() as session:
            return export_learner_data(session, services.learner_key(sender_id))


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            deleted = await asyncio.to_thread(self._delete, tracker.sender_id)
        except Exception:
            logger.exception("data deletion failed")
            dispatcher.utter_message(text="Sorry, I couldn't delete your data just now, and nothing was removed. "
                                          "Please try again in a minute, or ask for a human.")
            return []
        dispatcher.utter_message(text="Done: your profile, courses, quiz results, feedback and recommendation "
                                      "history are deleted." if deleted else "There was nothing stored about you.")
        # These slot resets, returned only on success, also tell the tracker store to delete the
        # conversation's stored events after this turn (assistant/privacy/tracker_store.py).
        return [SlotSet(name, None) for name in (*PROFILE_FIELDS, "shown_courses", "topic")]

    @staticmethod
    def _delete(sender_id: str) -> bool:
        with services.sessions()() as session, session.begin():
            return delete_learner_data(session, services.learner_key(sender_id))
