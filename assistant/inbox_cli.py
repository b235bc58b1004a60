"""``python -m assistant inbox``: the hand-off inbox for course staff.

``list_inbox`` shows the conversations waiting for a person with the
learner's last messages, read from Rasa's tracker. ``send_reply`` and
``release`` run ``action_staff_reply`` / ``action_staff_release`` in the
conversation through Rasa's HTTP API (``/execute`` with
``output_channel=latest``), so a socket.io learner sees them at once. The
first reply pauses the bot and the hand-back resumes it; docs/staff.md says
why.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import Handoff
from assistant.inbox import (InboxError, active_handoff, active_handoffs, add_staff_reply, close_handoff,
                             reply_was_sent, withdraw_unsent_reply)
from assistant.rasa_api import RasaApiError, RasaConversations

PUSH_CHANNELS = ("socketio",)  # input channels whose output channel can send unprompted messages
MESSAGE_CHARS = 200


def list_inbox(sessions: sessionmaker[Session], rasa: RasaConversations, messages: int = 3,
               now: datetime | None = None) -> str:
    """The waiting conversations, the ones nobody answered first, as text for the terminal."""
    now = now or datetime.now(timezone.utc)
    with sessions() as session:
        handoffs = active_handoffs(session)
        replies = {handoff.id: len(handoff.replies) for handoff in handoffs}
    if not handoffs:
        return "No conversation is waiting for a person."
    blocks = [f"{len(handoffs)} conversation{'s' if len(handoffs) > 1 else ''} waiting for a person:"]
    for handoff in handoffs:
        said = _learner_messages(rasa.tracker(handoff.conversation_id))[-messages:] if messages > 0 else []
        blocks.append(_entry(handoff, replies[handoff.id], said, now))
    return "\n\n".join(blocks)


def send_reply(sessions: sessionmaker[Session], rasa: RasaConversations, conversation_id: str, text: str) -> str:
    """Say ``text`` in the learner's chat as course staff; the bot stays quiet from then on."""
    with sessions() as session, session.begin():
        reply_id = add_staff_reply(session, conversation_id, text).id
    try:
        result = rasa.execute(conversation_id, "action_staff_reply")
    except RasaApiError as error:
        _withdraw(sessions, reply_id)
        raise RasaApiError(f"{error}; the reply was not sent") from None
    with sessions() as session:
        sent = reply_was_sent(session, reply_id)
    if not sent:
        _withdraw(sessions, reply_id)
        raise InboxError("the action server did not send the reply (see its log); nothing was sent")
    channel = (result.get("tracker") or {}).get("latest_input_channel") or "unknown"
    if channel in PUSH_CHANNELS:
        return f"Sent to {conversation_id} ({channel}). The bot stays quiet in this chat until you release it."
    return (f"Stored in the conversation of {conversation_id}, but their channel ({channel}) cannot push "
            "messages: they see it when their app reloads the conversation. The bot stays quiet in this chat "
            "until you release it.")


def release(sessions: sessionmaker[Session], rasa: RasaConversations, conversation_id: str) -> str:
    """Tell the learner the assistant is back, resume the bot and close the hand-off."""
    with sessions() as session:
        active_handoff(session, conversation_id)
    rasa.execute(conversation_id, "action_staff_release")
    with sessions() as session, session.begin():
        close_handoff(session, conversation_id)
    return f"{conversation_id} is back with the assistant; the hand-off is closed."


def _learner_messages(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """The learner's messages in a Rasa tracker, oldest first."""
    return [event for event in tracker.get("events") or []
            if event.get("event") == "user" and (event.get("text") or "").strip()]


def _withdraw(sessions: sessionmaker[Session], reply_id: int) -> None:
    with sessions() as session, session.begin():
        withdraw_unsent_reply(session, reply_id)


def _entry(handoff: Handoff, replies: int, said: list[dict[str, Any]], now: datetime) -> str:
    created = _utc(handoff.created_at)
    state = "waiting" if handoff.status == "open" else f"with staff, {replies} repl{'y' if replies == 1 else 'ies'}"
    lines = [f"{handoff.conversation_id}  [{state}]  asked {_age(now - created)} ago "
             f"({created:%Y-%m-%d %H:%M} UTC)",
             f"  reason:    {handoff.reason or 'not given'}",
             f"  sentiment: {_sentiment(handoff.sentiment) or 'not detected'}"]
    if said:
        lines.append("  last messages:")
        for event in said:
            at = datetime.fromtimestamp(event["timestamp"], timezone.utc)
            text = " ".join(event["text"].split())
            text = text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 1] + "\u2026"
            mood = _sentiment((event.get("parse_data") or {}).get("sentiment"))
            lines.append(f"    {at:%H:%M}  {text}" + (f"  ({mood})" if mood else ""))
    return "\n".join(lines)


def _sentiment(found: dict[str, Any] | None) -> str:
    """E.g. "negative, confused, help-need 0.83" from the NLU sentiment component's output."""
    if not found:
        return ""
    parts = [str(found[key]) for key in ("polarity", "affect") if found.get(key) and found[key] != "neutral"]
    if found.get("help_need") is not None:
        parts.append(f"help-need {float(found['help_need']):.2f}")
    return ", ".join(parts) or "neutral"


def _age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
