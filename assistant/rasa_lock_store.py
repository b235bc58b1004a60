"""Rasa's Redis lock store with its read-modify-write steps made atomic across Rasa servers.

Loaded by the Rasa server (Python 3.10, rasa 3.6) from ``endpoints.production.yml``::

    lock_store:
      type: assistant.rasa_lock_store.AtomicRedisLockStore
      url: ${LOCK_STORE_HOST}
      ...

rasa 3.6's ``RedisLockStore`` issues a ticket by reading the conversation's
ticket lock, adding a ticket and writing the lock back, and frees it the same
way. Two Rasa servers taking a message of one conversation at the same moment
both read "no lock", both write a lock holding ticket 0 and both go ahead: the
two turns run at once and the second save drops the first one's events (the
replication test saw it). Here every such step runs under a short per-conversation
Redis mutex (``SET NX`` with expiry), so tickets are handed out one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Each guarded step is a few Redis round trips; these bounds only matter if a server dies holding the mutex.
MUTEX_EXPIRY_SECONDS = 10
MUTEX_WAIT_SECONDS = 10


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket issue, update and clean-up cannot interleave between servers."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @contextmanager
    def _exclusive(self, conversation_id: str) -> Iterator[None]:
        with self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_EXPIRY_SECONDS,
                           blocking_timeout=MUTEX_WAIT_SECONDS, sleep=0.005):
            yield

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._exclusive(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._exclusive(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._exclusive(conversation_id):
            super().cleanup(conversation_id, ticket_number)
