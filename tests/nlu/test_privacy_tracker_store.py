"""The privacy tracker store on real SQLite and PostgreSQL, in the Rasa runtime (Python 3.10, rasa 3.6)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from assistant.privacy.tracker_store import PrivacyTrackerStore, deletion_confirmed

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TEST_RASA_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "pathwise_tracker_test"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _postgres() -> str:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    finally:
        engine.dispose()
    return f"{POSTGRES_URL}?options=-csearch_path%3D{SCHEMA}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, domain: Domain) -> Iterator[PrivacyTrackerStore]:
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else _postgres()
    tracker_store = PrivacyTrackerStore(domain=domain, host=url)
    yield tracker_store
    tracker_store.engine.dispose()


def _rows(store: PrivacyTrackerStore, sender_id: str) -> list[dict]:
    with store.engine.connect() as connection:
        result = connection.execute(sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender_id})
        return [json.loads(data) for (data,) in result]


def _user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 1.0},
                       parse_data={"text": text, "intent": {"name": intent, "confidence": 1.0},
                                   "entities": [{"entity": "goal", "value": text}]})


def _save_turn(store: PrivacyTrackerStore, sender_id: str, *events) -> None:
    async def run() -> None:
        tracker = await store.get_or_create_tracker(sender_id)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    asyncio.run(run())


def test_user_text_entities_and_slots_are_stored_redacted(store: PrivacyTrackerStore) -> None:
    text = "mail me at jane@example.com or call +44 20 7946 0958, budget $49.99"
    _save_turn(store, "learner-1", _user(text), SlotSet("goal", "reach jane@example.com"),
               BotUttered("Write to support@platform.example"))
    stored = json.dumps(_rows(store, "learner-1"))
    assert "jane@example.com" not in stored and "7946" not in stored
    user = next(e for e in _rows(store, "learner-1") if e["event"] == "user")
    assert user["text"] == user["parse_data"]["text"] == "mail me at [email] or call [phone], budget $49.99"
    assert user["parse_data"]["entities"][0]["value"] == user["text"]
    assert "support@platform.example" in stored  # bot messages are kept as said
    tracker = asyncio.run(store.retrieve("learner-1"))
    assert tracker is not None and tracker.get_slot("goal") == "reach [email]"


def test_a_confirmed_deletion_removes_every_event_of_the_conversation(store: PrivacyTrackerStore) -> None:
    _save_turn(store, "learner-2", _user("I want to learn python, I'm jane@example.com"),
               ActionExecuted("action_listen"))
    _save_turn(store, "bystander", _user("hello"), ActionExecuted("action_listen"))
    _save_turn(store, "learner-2", _user("yes", "affirm"), ActionExecuted("action_delete_my_data"),
               BotUttered("Done: your profile..."), SlotSet("goal", None), ActionExecuted("action_listen"))
    assert _rows(store, "learner-2") == []
    assert asyncio.run(store.retrieve("learner-2")) is None
    assert [e["event"] for e in _rows(store, "bystander")][-2:] == ["user", "action"]
    _save_turn(store, "learner-2", _user("hi again", "greet"))  # the conversation starts afresh
    assert [e.get("text") for e in _rows(store, "learner-2") if e["event"] == "user"] == ["hi again"]


def test_a_failed_deletion_keeps_the_conversation(store: PrivacyTrackerStore) -> None:
    _save_turn(store, "learner-3", _user("I want to learn python"), ActionExecuted("action_listen"))
    _save_turn(store, "learner-3", _user("yes", "affirm"), ActionExecuted("action_delete_my_data"),
               BotUttered("Sorry, I couldn't delete your data just now"), ActionExecuted("action_listen"))
    assert "I want to learn python" in [e.get("text") for e in _rows(store, "learner-3")]


def test_deletion_is_recognised_only_right_after_the_action() -> None:
    assert deletion_confirmed([ActionExecuted("action_delete_my_data"), BotUttered("Done"), SlotSet("goal", None)])
    assert not deletion_confirmed([ActionExecuted("action_delete_my_data"), ActionExecuted("action_listen"),
                                   SlotSet("goal", None)])
    assert not deletion_confirmed([SessionStarted(), ActionExecuted("action_save_profile"), SlotSet("goal", "x")])
