"""What the chat channels refuse: over-long messages and senders who write too fast.

Pure Python, so both runtimes can import it. The limits come from the
environment (``ASSISTANT_MAX_MESSAGE_CHARS``, ``ASSISTANT_RATE_LIMIT``,
``ASSISTANT_RATE_WINDOW``); see docs/configuration.md.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

TOO_LONG = ("That message is too long for me ({length:,} characters). "
            "Please keep it under {limit:,} characters and send it again.")
TOO_FAST = "You're sending messages faster than I can answer. Please wait a few seconds, then try again."
NO_ANSWER = "Sorry, I couldn't answer that just now. Please try again in a moment."


@dataclass(frozen=True)
class Limits:
    """Largest message in characters, and how many messages a sender may send per window."""

    max_chars: int = 2000
    messages: int = 30
    window_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> Limits:
        limits = cls(
            max_chars=int(os.environ.get("ASSISTANT_MAX_MESSAGE_CHARS", cls.max_chars)),
            messages=int(os.environ.get("ASSISTANT_RATE_LIMIT", cls.messages)),
            window_seconds=float(os.environ.get("ASSISTANT_RATE_WINDOW", cls.window_seconds)),
        )
        if limits.max_chars < 1 or limits.messages < 1 or limits.window_seconds <= 0:
            raise ValueError(f"chat limits must be positive, got {limits}")
        return limits


class SenderRateLimiter:
    """A sliding window per sender: at most ``messages`` accepted in any ``window_seconds``.

    Refused messages do not count, so a sender who waits gets through again.
    Senders idle for a whole window are forgotten, which bounds the memory.
    """

    def __init__(self, messages: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._messages = messages
        self._window = window_seconds
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._next_sweep = clock() + window_seconds

    def allow(self, sender_id: str) -> bool:
        """Whether ``sender_id`` may send a message now (and count it if so)."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        stamps = self._seen.setdefault(sender_id, deque())
        while stamps and stamps[0] <= now - self._window:
            stamps.popleft()
        if len(stamps) >= self._messages:
            return False
        stamps.append(now)
        return True

    def tracked_senders(self) -> int:
        """How many senders the limiter currently remembers."""
        return len(self._seen)

    def _sweep(self, now: float) -> None:
        self._seen = {sender: stamps for sender, stamps in self._seen.items()
                      if stamps and stamps[-1] > now - self._window}
        self._next_sweep = now + self._window


def refusal(text: str, sender_id: str, limits: Limits, limiter: SenderRateLimiter) -> str | None:
    """The polite answer to a message the channel will not pass on, or None to pass it on.

    The size is checked first, so an over-long message does not use up the sender's quota.
    """
    if len(text) > limits.max_chars:
        return TOO_LONG.format(length=len(text), limit=limits.max_chars)
    if not limiter.allow(sender_id):
        return TOO_FAST
    return None
