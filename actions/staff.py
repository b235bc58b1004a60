"""Course staff in the learner's chat: their replies, and handing the chat back to the bot.

Neither action is ever predicted: the staff inbox (``python -m assistant
inbox``) runs them through Rasa's HTTP API. From the first staff reply until
the hand-back the conversation is paused, so the bot does not talk over the
person; the learner's messages still reach the tracker, where staff read them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, ConversationPaused, ConversationResumed, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from assistant.inbox import take_unsent_replies

logger = logging.getLogger(__name__)

STAFF_PREFIX = "Course staff: "
PAUSED_NOTE = ("You're now talking with a person from the course staff, so I'll stay quiet until they hand you "
               "back to me.")
HANDED_BACK = ("The course staff have handed you back to me, Pathwise, the assistant. Ask me about courses, your "
               "learning path, prices or anything else.")


class ActionStaffReply(Action):
    """Say the staff replies waiting in the database, then pause the bot."""

    def name(self) -> str:
        return "action_staff_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            texts = await asyncio.to_thread(self._take, tracker.sender_id)
        except Exception:  # the inbox sees the reply unsent and tells staff
            logger.exception("could not read the staff replies")
            return []
        if not texts:
            return []
        for text in texts:
            dispatcher.utter_message(text=STAFF_PREFIX + text)
        if not tracker.is_paused():
            dispatcher.utter_message(text=PAUSED_NOTE)
        return [ConversationPaused()]

    @staticmethod
    def _take(sender_id: str) -> list[str]:
        with services.sessions()() as session, session.begin():
            return take_unsent_replies(session, sender_id)


class ActionStaffRelease(Action):
    """Tell the learner the bot is back and resume the conversation."""

    def name(self) -> str:
        return "action_staff_release"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(text=HANDED_BACK)
        events = [ConversationResumed()]
        if tracker.active_loop_name:
            # A form from before the person took over would take the next message as its answer.
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        # As after any bot turn: the rules only match a learner message that follows a listen.
        return [*events, ActionExecuted("action_listen")]
