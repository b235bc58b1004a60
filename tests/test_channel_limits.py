"""The chat channels' limits: message size and messages per sender per window."""

from __future__ import annotations

import pytest

from assistant.channels.limits import TOO_FAST, TOO_LONG, Limits, SenderRateLimiter, refusal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limiter_allows_the_quota_per_sender_and_window():
    clock = Clock()
    limiter = SenderRateLimiter(3, 60.0, clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another sender has a quota of their own
    clock.now += 30
    assert not limiter.allow("a")
    clock.now += 30.001  # the first three messages leave the window together
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_refused_messages_do_not_use_up_the_quota():
    clock = Clock()
    limiter = SenderRateLimiter(2, 10.0, clock)
    limiter.allow("a")
    clock.now += 5
    limiter.allow("a")
    for _ in range(50):
        assert not limiter.allow("a")
    clock.now += 5.001  # only the first accepted message has left the window
    assert limiter.allow("a") and not limiter.allow("a")


def test_idle_senders_are_forgotten():
    clock = Clock()
    limiter = SenderRateLimiter(5, 10.0, clock)
    for sender in range(100):
        limiter.allow(f"s{sender}")
    assert limiter.tracked_senders() == 100
    clock.now += 11
    limiter.allow("new")
    assert limiter.tracked_senders() == 1


def test_refusal_checks_the_size_first_without_spending_the_quota():
    limits = Limits(max_chars=10, messages=1, window_seconds=60)
    limiter = SenderRateLimiter(limits.messages, limits.window_seconds, Clock())
    assert refusal("x" * 11, "a", limits, limiter) == TOO_LONG.format(length=11, limit=10)
    assert refusal("x" * 10, "a", limits, limiter) is None
    assert refusal("hello", "a", limits, limiter) == TOO_FAST


def test_limits_from_the_environment(monkeypatch):
    for name in ("ASSISTANT_MAX_MESSAGE_CHARS", "ASSISTANT_RATE_LIMIT", "ASSISTANT_RATE_WINDOW"):
        monkeypatch.delenv(name, raising=False)
    assert Limits.from_env() == Limits()
    monkeypatch.setenv("ASSISTANT_MAX_MESSAGE_CHARS", "500")
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "5")
    monkeypatch.setenv("ASSISTANT_RATE_WINDOW", "10")
    assert Limits.from_env() == Limits(500, 5, 10.0)
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "0")
    with pytest.raises(ValueError, match="positive"):
        Limits.from_env()
