"""Form answers the learner gives: valid ones are normalised, invalid ones re-asked politely."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance import ValidateQuizForm
from actions.profile import ValidateOnboardingForm, budget_to_profile

TRACKER = Tracker("learner", {}, {}, [], False, None, {}, "rest")


def validate(form, slot: str, value: str) -> tuple[object, str]:
    dispatcher = CollectingDispatcher()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, TRACKER, {})
    return result[slot], " ".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize(("slot", "value", "expected"), [
    ("goal", "become a data analyst", "become a data analyst"),
    ("level", "I'm a total newbie", "beginner"),
    ("level", "Advanced", "advanced"),
    ("weekly_hours", "about 6 hours a week", "6 hours"),
    ("budget", "$50", "up to $50"),
    ("budget", "free only", "free only"),
    ("budget", "no budget", "no budget"),
    ("language", "spanish please", "Spanish"),
    ("language", "I don't mind", "any"),
    ("age_band", "I'm 31", "25-44"),
    ("age_band", "skipped", "skipped"),
])
def test_valid_onboarding_answers(slot, value, expected):
    assert validate(ValidateOnboardingForm(), slot, value) == (expected, "")


@pytest.mark.parametrize(("slot", "value", "hint"), [
    ("weekly_hours", "-5 hours", "more than zero"),
    ("weekly_hours", "lots", "number of hours"),
    ("budget", "a million dollars", "far more than any course costs"),
    ("budget", "$50000", "far more than any course costs"),
    ("budget", "-20", "negative"),
    ("level", "level: banana", "beginner, intermediate or advanced"),
    ("language", "klingon", "didn't recognise"),
    ("goal", "??", "goal"),
])
def test_invalid_onboarding_answers_are_asked_again(slot, value, hint):
    kept, said = validate(ValidateOnboardingForm(), slot, value)
    assert kept is None and hint in said


@pytest.mark.parametrize(("slot", "value", "expected", "hint"), [
    ("quiz_topic", "the SQL joins quiz", "sql joins", ""),
    ("quiz_score", "7 out of 10", "70%", ""),
    ("quiz_score", "140%", None, "outside 0–100%"),
    ("quiz_score", "no idea", None, "as a number"),
    ("quiz_topic", "how do refunds work?", None, "Which quiz"),
])
def test_quiz_form_answers(slot, value, expected, hint):
    kept, said = validate(ValidateQuizForm(), slot, value)
    assert kept == expected and hint in said


def test_profile_budget_from_the_slot_text():
    assert budget_to_profile("up to $50") == 50.0
    assert budget_to_profile("free only") == 0.0
    assert budget_to_profile("no budget") is None


def test_stored_profile_becomes_the_same_slot_text_the_form_writes():
    from actions.profile import profile_to_slots

    slots = {e["name"]: e["value"] for e in profile_to_slots({"budget": 50.0, "weekly_hours": 5.0})}
    assert slots == {"budget": "up to $50", "weekly_hours": "5 hours"}
    assert profile_to_slots({"budget": 0.0})[0]["value"] == "free only"
    assert budget_to_profile(slots["budget"]) == 50.0
