"""Load the text encoder, the course index, the recommender and the planner ahead of the first learner.

Not part of the dialogue: the launcher calls it once after the action server
starts, so the first recommendation does not wait for the model (about 10 s).
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services


class ActionWarmUp(Action):
    def name(self) -> str:
        return "action_warm_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        search = services.course_search()
        count = await asyncio.to_thread(search.refresh)
        await asyncio.to_thread(search.search, "warm up", None, None, 1)
        version = await asyncio.to_thread(services.recommender().load)
        await asyncio.to_thread(services.guidance().warm_up)
        dispatcher.utter_message(text=f"ready: {count} courses, recommender {version or 'content only'}")
        return []
