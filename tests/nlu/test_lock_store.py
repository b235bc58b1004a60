"""The production lock store against the local Redis: tickets stay unique across Rasa servers.

Each thread below plays one Rasa server with its own store (its own Redis
connection), all issuing a ticket for the same new conversation at once.
"""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import read_endpoint_config

from assistant.rasa_lock_store import AtomicRedisLockStore

ENDPOINTS = Path(__file__).resolve().parents[2] / "endpoints.production.yml"
SERVERS = 8


@pytest.fixture
def stores(monkeypatch: pytest.MonkeyPatch) -> list[LockStore]:
    """Stores built by Rasa from endpoints.production.yml, as each Rasa server builds its own."""
    import redis

    for name, value in {"ACTION_SERVER_URL": "http://127.0.0.1:1/webhook", "TRACKER_STORE_URL": "sqlite://",
                        "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "6379", "LOCK_STORE_DB": "1",
                        "LOCK_STORE_PASSWORD": ""}.items():
        monkeypatch.setenv(name, value)
    try:
        redis.Redis(port=6379, db=1, socket_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379: {error}")
    config = read_endpoint_config(str(ENDPOINTS), "lock_store")
    return [LockStore.create(config) for _ in range(SERVERS)]


def test_rasa_builds_the_atomic_store_from_the_production_endpoints(stores):
    assert all(type(store) is AtomicRedisLockStore for store in stores)


def test_servers_issuing_tickets_at_once_get_different_ones(stores):
    conversation = f"lock-test-{uuid.uuid4().hex}"
    start = threading.Barrier(len(stores))

    def issue(store: LockStore) -> int:
        start.wait()
        return store.issue_ticket(conversation)

    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            tickets = list(pool.map(issue, stores))
        assert sorted(tickets) == list(range(len(stores)))
        for ticket in tickets:
            stores[0].cleanup(conversation, ticket)
        assert stores[0].get_lock(conversation) is None
    finally:
        stores[0].delete_lock(conversation)
