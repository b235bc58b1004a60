"""End-to-end: the real Rasa server and action server, over REST and socket.io."""

from __future__ import annotations

import asyncio
import re
import time
import uuid

import pytest
import requests
import socketio

from tests.e2e.conftest import assert_is_catalog_course, cards, price_within, texts

pytestmark = pytest.mark.e2e

REQUEST = "I want to learn python for data analysis, my budget is $50"


def assert_three_matching_courses(settings, messages: list[dict]) -> None:
    shown = cards(messages)
    assert len(shown) == 3, messages
    for card in shown:
        assert_is_catalog_course(settings, card)
        assert re.search(r"python|data", card["title"], re.I), card["title"]
        assert price_within(card, 50.0), card
        assert card["price"] and card["level"] in ("beginner", "intermediate", "advanced")
        assert card["reason"]
    listing = texts(messages)
    assert listing.startswith("Here are 3 courses on")
    # The plain-text list is what channels without rich UI (Telegram, Slack, SMS) show: it must carry
    # everything the cards do, and the refine buttons must have a title and a payload to type.
    for card in shown:
        assert f"{card['title']} (" in listing and card["price"] in listing and card["level"] in listing
        assert card["effort"] in listing and f"Why: {card['reason']}" in listing
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert buttons and all(b["title"] and b["payload"].startswith("/") for b in buttons)


def test_rest_conversation(rest_chat, e2e_settings):
    assert texts(rest_chat.say("hello")).startswith("Hi! I'm Pathwise")
    assert_three_matching_courses(e2e_settings, rest_chat.say(REQUEST))
    assert texts(rest_chat.say("thanks")).startswith("You're welcome")
    assert texts(rest_chat.say("bye")).startswith("Goodbye")
    latest = rest_chat.tracker()["latest_message"]
    assert latest["intent"]["name"] == "goodbye"
    assert set(latest["sentiment"]) == {"polarity", "polarity_score", "affect", "affect_score", "help_need"}


def test_http_api_requires_the_token(servers):
    response = requests.get(f"{servers.rasa_url}/conversations/anyone/tracker", timeout=30)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "Sorry, I didn't catch that"),
        ("😀😀😀", "Sorry, I didn't catch that"),
        ("courses on statistics, my budget is -5", "A budget can't be negative"),
        ("I want to learn asdkjh qwerty zxcv", "Sorry, I couldn't find any course about"),
    ],
)
def test_bad_input_gets_a_polite_answer_and_the_chat_goes_on(rest_chat, e2e_settings, message, expected):
    assert texts(rest_chat.say(message)).startswith(expected)
    assert_three_matching_courses(e2e_settings, rest_chat.say(REQUEST))


def test_a_5000_character_message(rest_chat, e2e_settings):
    reply = rest_chat.say(("I would like to learn more about data " * 200)[:5000])
    assert texts(reply).strip(), "no answer"
    assert_three_matching_courses(e2e_settings, rest_chat.say(REQUEST))


def test_socketio_conversation(servers, e2e_settings, turn_timer):
    asyncio.run(_socketio_conversation(servers.rasa_url, e2e_settings, turn_timer))


async def _socketio_conversation(url: str, settings, timer) -> None:
    client = socketio.AsyncClient()
    inbox: asyncio.Queue[dict] = asyncio.Queue()
    confirmed = asyncio.Event()
    session_id = uuid.uuid4().hex

    @client.on("session_confirm")
    async def on_confirm(_data):
        confirmed.set()

    @client.on("bot_uttered")
    async def on_bot(data):
        await inbox.put(data)

    async def say(text: str) -> list[dict]:
        started = time.perf_counter()
        await client.emit("user_uttered", {"message": text, "session_id": session_id})
        replies = [await asyncio.wait_for(inbox.get(), timeout=60)]
        timer.add("socketio", time.perf_counter() - started)
        while True:  # collect the rest of this turn's messages
            try:
                replies.append(await asyncio.wait_for(inbox.get(), timeout=2.0))
            except asyncio.TimeoutError:
                return replies

    await client.connect(url, transports=["websocket"], wait_timeout=30)
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), timeout=30)
        greeting = await say("hi")
        assert greeting[0]["text"].startswith("Hi! I'm Pathwise")
        assert [b["title"] for b in greeting[0]["quick_replies"]][:2] == ["Set up my profile", "Python for data analysis"]
        courses = await say(REQUEST)
        # The widget draws cards in place of the text list: the text is the intro line only.
        intro = [m["text"] for m in courses if "text" in m]
        assert len(intro) == 1 and intro[0].startswith("Here are 3 courses on") and "\n" not in intro[0], intro
        # socket.io delivers the custom payload as the event body itself
        shown = cards([{"custom": {"data": m}} for m in courses if "text" not in m])
        assert len(shown) == 3 and all(price_within(card, 50.0) and card["reason"] for card in shown)
        for card in shown:
            assert_is_catalog_course(settings, card)
        assert (await say("thank you"))[0]["text"].startswith("You're welcome")
        assert (await say("goodbye"))[0]["text"].startswith("Goodbye")
    finally:
        await client.disconnect()
