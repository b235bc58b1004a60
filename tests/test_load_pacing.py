"""The load benchmark paces learners at the published reading and typing rates."""

from __future__ import annotations

import random
import sys

import pytest

from assistant.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import load  # noqa: E402


class MiddleOfRange(random.Random):
    """The random factor's midpoint, 1.0, so the rates can be checked exactly."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


def test_reading_238_words_takes_a_minute() -> None:
    reply = [{"text": " ".join(["word"] * 200)}, {"text": "Pick one:", "buttons": [{"title": "a"}] * 36}]
    assert load.reading_and_typing_s(reply, "", MiddleOfRange()) == pytest.approx(60.0)


def test_typing_is_timed_by_the_message_typed() -> None:
    seconds = load.reading_and_typing_s([], "what should I do next?", MiddleOfRange())
    assert seconds == pytest.approx(5 / (51.56 / 60))


def test_pauses_vary_between_half_and_one_and_a_half_times() -> None:
    rng = random.Random(7)
    reply = [{"text": "Here are three Python courses for data analysis under $50."}]
    base = load.reading_and_typing_s(reply, "cheaper", MiddleOfRange())
    pauses = [load.reading_and_typing_s(reply, "cheaper", rng) for _ in range(200)]
    assert 0.5 * base <= min(pauses) < 0.6 * base
    assert 1.4 * base < max(pauses) <= 1.5 * base


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 0.95) == 95.0
    assert load.percentile([3.0], 0.99) == 3.0
