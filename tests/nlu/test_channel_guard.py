"""The chat channels' guard, tested in the Rasa runtime (Python 3.10, rasa 3.6)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ConversationPaused

from assistant.channels.guard import ChannelGuard
from assistant.channels.inputs import GuardedRestInput, GuardedSocketIOInput
from assistant.channels.limits import NO_ANSWER, TOO_FAST, TOO_LONG, Limits


def turn(guard: ChannelGuard, handler, text: str = "hi", sender: str = "s1") -> list[str]:  # type: ignore[no-untyped-def]
    collector = CollectingOutputChannel()
    asyncio.run(guard.wrap(handler)(UserMessage(text, collector, sender)))
    return [m.get("text") for m in collector.messages]


async def answers(message: UserMessage) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": f"channel {message.output_channel.name()}"})


async def silent(_message: UserMessage) -> None:
    return None


async def fails(_message: UserMessage) -> None:
    raise RuntimeError("tracker store down")


def test_answers_pass_through_under_the_real_channel_name():
    assert turn(ChannelGuard(Limits()), answers) == ["channel collector"]


def test_a_silent_or_failed_turn_gets_an_apology():
    guard = ChannelGuard(Limits())
    assert turn(guard, silent) == [NO_ANSWER]
    assert turn(guard, fails) == [NO_ANSWER]


def test_no_apology_while_staff_hold_the_conversation():
    store = InMemoryTrackerStore(Domain.empty())
    tracker = asyncio.run(store.get_or_create_tracker("held"))
    tracker.update(ConversationPaused())
    asyncio.run(store.save(tracker))
    guard = ChannelGuard(Limits())
    guard.app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    assert turn(guard, silent, sender="held") == []
    assert turn(guard, silent, sender="other") == [NO_ANSWER]


def test_refused_messages_never_reach_rasa():
    guard = ChannelGuard(Limits(max_chars=5, messages=1, window_seconds=3600))

    async def must_not_run(_message: UserMessage) -> None:
        raise AssertionError("the message reached Rasa")

    assert turn(guard, must_not_run, "x" * 6) == [TOO_LONG.format(length=6, limit=5)]
    assert turn(guard, answers, "ok") == ["channel collector"]
    assert turn(guard, must_not_run, "again") == [TOO_FAST]


def test_channels_keep_rasas_names():
    assert GuardedRestInput.from_credentials(None).name() == "rest"
    assert GuardedSocketIOInput.from_credentials({"session_persistence": True}).name() == "socketio"
