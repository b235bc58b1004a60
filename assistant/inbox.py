"""The staff side of hand-offs: waiting conversations, staff replies, closing.

Staff address a conversation by its chat id (``Handoff.conversation_id``).
A reply is stored here first; the action server then says it in the chat
(:func:`take_unsent_replies`) and marks it sent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db.models import Handoff, StaffReply, utcnow
from assistant.support import ACTIVE_HANDOFF

MAX_REPLY_CHARS = 2000


class InboxError(ValueError):
    """A request the inbox cannot carry out; the message says why."""


def active_handoffs(session: Session) -> list[Handoff]:
    """Hand-offs nobody has answered yet, then those staff are in, each oldest first."""
    rows = session.scalars(select(Handoff).where(Handoff.status.in_(ACTIVE_HANDOFF))
                           .order_by(Handoff.created_at, Handoff.id)).all()
    return sorted(rows, key=lambda handoff: handoff.status != "open")


def active_handoff(session: Session, conversation_id: str) -> Handoff:
    """The conversation's open or answered hand-off; an error names what is wrong otherwise."""
    found = session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id)
                            .order_by(Handoff.id.desc())).all()
    for handoff in found:
        if handoff.status in ACTIVE_HANDOFF:
            return handoff
    if found:
        raise InboxError(f"the hand-off of conversation {conversation_id!r} is already closed")
    raise InboxError(f"no learner asked for a person in conversation {conversation_id!r}")


def add_staff_reply(session: Session, conversation_id: str, text: str) -> StaffReply:
    """Store a reply to the conversation's active hand-off, not yet sent."""
    text = text.strip()
    if not text:
        raise InboxError("the reply is empty; write the message to send in quotes")
    if len(text) > MAX_REPLY_CHARS:
        raise InboxError(f"the reply has {len(text)} characters; the limit is {MAX_REPLY_CHARS}")
    reply = StaffReply(handoff=active_handoff(session, conversation_id), text=text)
    session.add(reply)
    session.flush()
    return reply


def reply_was_sent(session: Session, reply_id: int) -> bool:
    reply = session.get(StaffReply, reply_id)
    return reply is not None and reply.sent_at is not None


def withdraw_unsent_reply(session: Session, reply_id: int) -> None:
    """Forget a reply the chat never received, so that sending it again cannot say it twice."""
    reply = session.get(StaffReply, reply_id)
    if reply is not None and reply.sent_at is None:
        session.delete(reply)


def take_unsent_replies(session: Session, conversation_id: str) -> list[str]:
    """The staff replies not yet said in this chat, oldest first, now marked sent.

    Their hand-off becomes "answered": a person has the conversation.
    """
    replies = session.scalars(
        select(StaffReply).join(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(ACTIVE_HANDOFF),
               StaffReply.sent_at.is_(None))
        .order_by(StaffReply.id)).all()
    now = utcnow()
    for reply in replies:
        reply.sent_at = now
        reply.handoff.status = "answered"
    return [reply.text for reply in replies]


def close_handoff(session: Session, conversation_id: str) -> Handoff:
    handoff = active_handoff(session, conversation_id)
    handoff.status = "closed"
    return handoff
