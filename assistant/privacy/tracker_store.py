"""Rasa's SQL tracker store, with redaction and "delete my data".

Loaded by the Rasa server (Python 3.10, rasa 3.6, SQLAlchemy 1.4) from
``endpoints.yml``::

    tracker_store:
      type: assistant.privacy.tracker_store.PrivacyTrackerStore
      url: ${TRACKER_STORE_URL}

It stores the same ``events`` table as ``type: SQL``, with two differences:

* every new event goes through :func:`assistant.privacy.redact.redact_event`
  first, so the learner's e-mail addresses and phone numbers never reach it;
* when a saved turn contains a *successful* ``action_delete_my_data`` (the
  action ran and returned its slot resets; on failure it returns none), every
  stored event of that conversation is deleted right after the save. The next
  message then starts a new, empty conversation: nothing Rasa still holds in
  memory for this turn is written back, because ``save`` only ever appends the
  events of the turn being saved.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.privacy.redact import redact_event

DELETE_ACTION = "action_delete_my_data"


def deletion_confirmed(events: Iterable[Event]) -> bool:
    """Whether ``events`` hold ``action_delete_my_data`` followed by the slot resets it returns on success."""
    after_delete = False
    for event in events:
        if isinstance(event, ActionExecuted):
            after_delete = event.action_name == DELETE_ACTION
        elif after_delete and isinstance(event, SlotSet):
            return True
    return False


class PrivacyTrackerStore(SQLTrackerStore):
    """:class:`SQLTrackerStore` that redacts events and forgets a conversation on request."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the turn's new events, redacted; delete the conversation if it asked for that."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            new_events = list(self._additional_events(session, tracker))
            for event in new_events:
                session.add(self._row(tracker.sender_id, event))
            session.commit()
        if deletion_confirmed(new_events):
            self.delete_conversation(tracker.sender_id)

    def _row(self, sender_id: str, event: Event) -> Any:
        data = redact_event(event.as_dict())
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; return how many there were."""
        with self.session_scope() as session:
            deleted = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete(
                synchronize_session=False)
            session.commit()
        return int(deleted)
