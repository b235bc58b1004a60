"""The production profile: two Rasa replicas on one PostgreSQL tracker store and the Redis lock store.

Each replica calls its own action server, so alternating the learner's
messages between the replicas also alternates the action calls. Every run
gets fresh PostgreSQL databases (learners and tracker store), so the event
rows counted below belong to this run alone.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from assistant.config import Settings
from assistant.db.provision import create_database, database_url, drop_database
from assistant.launcher import Servers, prepare, running_replicas
from tests.conftest import POSTGRES_URL, free_port
from tests.e2e.conftest import cards, onboard_guitar_beginner, texts

pytestmark = pytest.mark.e2e

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@dataclass(frozen=True)
class Stores:
    learner_db: str
    tracker_db: str
    lock_store: str


def _unreachable(what: str, error: Exception) -> None:
    if os.environ.get("CI"):
        raise error
    pytest.skip(f"{what} not reachable: {error}")


@pytest.fixture(scope="module")
def stores() -> Iterator[Stores]:
    """Fresh learner and tracker databases on the local PostgreSQL, and the local Redis."""
    import redis
    from sqlalchemy.exc import OperationalError

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        _unreachable(f"Redis at {REDIS_URL}", error)
    run = f"pathwise_replication_{uuid.uuid4().hex[:8]}"
    names = [f"{run}_learners", f"{run}_tracker"]
    try:
        for name in names:
            create_database(POSTGRES_URL, name)
    except OperationalError as error:
        _unreachable(f"PostgreSQL at {POSTGRES_URL}", error)
    try:
        yield Stores(database_url(POSTGRES_URL, names[0]), database_url(POSTGRES_URL, names[1], "postgresql"),
                     REDIS_URL)
    finally:
        for name in names:
            drop_database(POSTGRES_URL, name)


@pytest.fixture(scope="module")
def replicas(stores: Stores, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Servers]]:
    base = Settings.from_env()
    var_dir: Path = tmp_path_factory.mktemp("replication") / "var"
    settings = replace(base, profile="production", var_dir=var_dir, db_url=stores.learner_db,
                       tracker_store_url=stores.tracker_db, lock_store_url=stores.lock_store,
                       models_dir=base.cache_dir / "e2e-recsys-models")
    model = prepare(settings)
    with running_replicas(settings, model, [(free_port(), free_port()), (free_port(), free_port())]) as running:
        yield running


def say(servers: Servers, sender: str, message: str) -> list[dict]:
    response = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": message}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def full_tracker(servers: Servers, sender: str) -> dict:
    response = requests.get(f"{servers.rasa_url}/conversations/{sender}/tracker",
                            params={"token": servers.token, "include_events": "ALL"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def stored_events(tracker_db: str, sender: str) -> list[tuple[str, float]]:
    engine = create_engine(tracker_db.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT type_name, timestamp FROM events WHERE sender_id = :sender "
                                           "ORDER BY id"), {"sender": sender})
            return [(row.type_name, row.timestamp) for row in rows]
    finally:
        engine.dispose()


def action_calls(servers: Servers) -> float:
    """Webhook calls this action server has answered, from its /metrics."""
    body = requests.get(servers.action_url.removesuffix("/webhook") + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("pathwise_action_requests_total{"))


def test_a_conversation_alternating_between_replicas_stays_coherent_and_complete(replicas, stores):
    sender = f"replication-{uuid.uuid4().hex[:8]}"
    calls_before = [action_calls(servers) for servers in replicas]
    turn = itertools.count()

    def chat(message: str) -> list[dict]:
        return say(replicas[next(turn) % 2], sender, message)

    assert texts(chat("hello")).startswith("Hi! I'm Pathwise")
    # The onboarding form: each answer goes to the other replica, which must know the form and its next slot.
    assert "beginner level, 5 h/week" in onboard_guitar_beginner(chat)

    first = cards(chat("I'd like guitar lessons"))
    assert len(first) == 3
    cheaper = cards(chat("cheaper"))  # refines the list the other replica showed
    assert cheaper and not {c["course_id"] for c in cheaper} & {c["course_id"] for c in first}
    assert cheaper[1]["title"] in texts(chat("tell me about the second one"))

    # Two messages at once, one per replica: the Redis lock makes one turn wait for the other.
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda pair: say(pair[0], sender, pair[1]),
                                zip(replicas, ["how do refunds work?", "thanks"])))
    assert all(texts(reply).strip() for reply in replies)

    tracker = full_tracker(replicas[0], sender)
    assert tracker == full_tracker(replicas[1], sender)
    events = tracker["events"]
    assert stored_events(stores.tracker_db, sender) == [(e["event"], e["timestamp"]) for e in events]
    kinds = [e["event"] for e in events]
    assert kinds.count("user") == 14
    # Each user message is answered and the bot listens again before the next one is read.
    user_turns = [i for i, kind in enumerate(kinds) if kind == "user"]
    for start, end in zip(user_turns, user_turns[1:] + [len(kinds)], strict=True):
        actions = [e.get("name") for e in events[start + 1:end] if e["event"] == "action"]
        assert actions and actions[-1] == "action_listen", (start, actions)
    assert tracker["slots"]["level"] == "beginner" and tracker["active_loop"].get("name") is None
    assert all(after > before for after, before in zip(map(action_calls, replicas), calls_before, strict=True))


def test_both_action_servers_give_the_same_answer_to_the_same_call(replicas):
    sender = f"replication-actions-{uuid.uuid4().hex[:8]}"
    say(replicas[0], sender, "I want to learn python for data analysis, my budget is $50")
    tracker = full_tracker(replicas[1], sender)
    domain = requests.get(f"{replicas[0].rasa_url}/domain", params={"token": replicas[0].token},
                          headers={"Accept": "application/json"}, timeout=30).json()
    call = {"next_action": "action_refine_recommendations", "sender_id": sender, "version": "3.6.21",
            "tracker": tracker, "domain": domain}

    answers = [requests.post(servers.action_url, json=call, timeout=60) for servers in replicas]
    assert [answer.status_code for answer in answers] == [200, 200]
    first, second = (answer.json() for answer in answers)
    assert first == second
    assert any(response.get("custom") for response in first["responses"])
