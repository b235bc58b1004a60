"""Small helpers shared by the actions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

APOLOGY = "Sorry, something went wrong on my side just now. Please try again in a minute, or ask for a human."
HANDOFF_BUTTONS = [{"title": "Yes, talk to a person", "payload": "/request_human"},
                   {"title": "No, thanks", "payload": "/deny"}]


def entity(tracker: Tracker, name: str) -> str | None:
    """The longest value of entity ``name`` in the latest message, if any."""
    values = [str(v) for v in tracker.get_latest_entity_values(name) if str(v).strip()]
    return max(values, key=len) if values else None


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def sentiment(tracker: Tracker) -> dict[str, Any]:
    """What the NLU sentiment component said about the latest message."""
    value = tracker.latest_message.get("sentiment")
    return value if isinstance(value, dict) else {}


def apologise(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=APOLOGY, buttons=[{"title": "Talk to a person", "payload": "/request_human"}])
