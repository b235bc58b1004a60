"""End-to-end: a learner asks for a person, staff answer from the inbox CLI, then hand back to the bot."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from sqlalchemy import select

from actions.staff import HANDED_BACK, PAUSED_NOTE, STAFF_PREFIX
from assistant.__main__ import main
from assistant.db.engine import session_factory
from assistant.db.models import Handoff, StaffReply
from tests.e2e.conftest import texts

pytestmark = pytest.mark.e2e

Inbox = Callable[..., tuple[int, str, str]]


@pytest.fixture
def inbox(servers, e2e_settings, monkeypatch, capsys) -> Inbox:
    """``python -m assistant inbox ARGS…`` against the test servers: (exit code, stdout, stderr)."""
    rasa = urlsplit(servers.rasa_url)
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(e2e_settings.var_dir))
    monkeypatch.setenv("ASSISTANT_DB_URL", e2e_settings.db_url)
    monkeypatch.setenv("ASSISTANT_HOST", rasa.hostname)
    monkeypatch.setenv("RASA_PORT", str(rasa.port))

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["inbox", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def entry(listing: str, conversation_id: str) -> str:
    """The inbox block of one conversation ('' when it is not listed)."""
    return next((block for block in listing.split("\n\n") if block.startswith(conversation_id + "  ")), "")


def tracker(servers, conversation_id: str) -> dict:
    response = requests.get(f"{servers.rasa_url}/conversations/{conversation_id}/tracker",
                            params={"token": servers.token}, timeout=30)
    assert response.status_code == 200
    return response.json()


def staff_replies(settings, conversation_id: str) -> list[StaffReply]:
    with session_factory(settings.db_url)() as session:
        return list(session.scalars(select(StaffReply).join(Handoff)
                                    .where(Handoff.conversation_id == conversation_id).order_by(StaffReply.id)))


class SocketLearner:
    """A learner in the socket.io widget: what they say, and what arrives without them saying anything."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient()
        self.session_id = uuid.uuid4().hex
        self.received: asyncio.Queue[dict] = asyncio.Queue()
        confirmed = self.confirmed = asyncio.Event()

        @self.client.on("session_confirm")
        async def on_confirm(_data):
            confirmed.set()

        @self.client.on("bot_uttered")
        async def on_bot(data):
            await self.received.put(data)

    async def connect(self, url: str) -> None:
        await self.client.connect(url, transports=["websocket"], wait_timeout=30)
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(self.confirmed.wait(), timeout=30)

    async def say(self, text: str, first_within: float = 60) -> list[dict]:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return await self.messages(first_within)

    async def messages(self, first_within: float = 60) -> list[dict]:
        """What arrives next: nothing if the first message takes longer than ``first_within`` seconds."""
        try:
            found = [await asyncio.wait_for(self.received.get(), timeout=first_within)]
        except asyncio.TimeoutError:
            return []
        while True:
            try:
                found.append(await asyncio.wait_for(self.received.get(), timeout=2.0))
            except asyncio.TimeoutError:
                return found


def test_staff_take_over_a_socketio_chat_and_hand_it_back(servers, e2e_settings, inbox):
    asyncio.run(_take_over_and_hand_back(servers, e2e_settings, inbox))


async def _take_over_and_hand_back(servers, settings, inbox: Inbox) -> None:
    learner = SocketLearner()
    await learner.connect(servers.rasa_url)

    async def run(*argv: str) -> tuple[int, str, str]:
        return await asyncio.to_thread(inbox, *argv)  # the CLI blocks; the socket must keep running

    try:
        sid = learner.session_id
        assert (await learner.say("I'm so confused"))[0]["text"]
        assert "course staff" in texts(await learner.say("talk to a human"))

        code, listing, _ = await run()
        waiting = entry(listing, sid)
        assert code == 0 and "[waiting]" in waiting, listing
        assert "reason:    after \u201cI'm so confused\u201d (" in waiting
        confused, human = waiting.split("last messages:")[1].strip().splitlines()
        first = next(e for e in tracker(servers, sid)["events"] if e["event"] == "user")
        detected = f"help-need {first['parse_data']['sentiment']['help_need']:.2f}"
        assert "I'm so confused" in confused and detected in confused
        sentiment = next(line for line in waiting.splitlines() if line.startswith("  sentiment: "))
        assert sentiment.endswith(detected)  # of the message that led to the request, not of "talk to a human"
        assert "talk to a human" in human

        code, out, _ = await run("reply", sid, "Hi, I'm Sam from the course team. Which part is confusing?")
        assert code == 0 and "(socketio)" in out, out
        pushed = await learner.messages()  # arrives without the learner saying anything
        assert [m["text"] for m in pushed] == [
            STAFF_PREFIX + "Hi, I'm Sam from the course team. Which part is confusing?", PAUSED_NOTE]

        assert await learner.say("the F chord in lesson 2", first_within=5) == []  # the bot stays quiet
        code, listing, _ = await run()
        with_staff = entry(listing, sid)
        assert "[with staff, 1 reply]" in with_staff and "the F chord in lesson 2" in with_staff, listing

        assert (await run("reply", sid, "Try the barre exercise in lesson 3 first."))[0] == 0
        assert [m["text"] for m in await learner.messages()] == [
            STAFF_PREFIX + "Try the barre exercise in lesson 3 first."]

        code, out, _ = await run("release", sid)
        assert code == 0 and "back with the assistant" in out
        assert [m["text"] for m in await learner.messages()] == [HANDED_BACK]
        refund = texts(await learner.say("how do refunds work?"))
        assert "30 days" in refund, refund  # the bot answers normally again
    finally:
        await learner.client.disconnect()

    assert [(r.text, r.sent_at is not None) for r in staff_replies(settings, sid)] == [
        ("Hi, I'm Sam from the course team. Which part is confusing?", True),
        ("Try the barre exercise in lesson 3 first.", True)]
    with session_factory(settings.db_url)() as session:
        assert session.scalar(select(Handoff.status).where(Handoff.conversation_id == sid)) == "closed"
    code, listing, _ = await run()
    assert code == 0 and not entry(listing, sid)
    for argv, message in ((("reply", sid, "one more thing"), "is already closed"),
                          (("release", sid), "is already closed"),
                          (("reply", sid, "   "), "the reply is empty"),
                          (("reply", "nobody-" + sid, "hello"), "no learner asked for a person")):
        code, _, err = await run(*argv)
        assert code == 2 and message in err and err.count("\n") == 1, err


def test_rest_learner_gets_the_reply_in_the_conversation_export_and_deletion(rest_chat, servers, e2e_settings,
                                                                             inbox):
    sender = rest_chat.sender
    assert "course staff" in texts(rest_chat.say("talk to a human"))
    code, out, _ = inbox("reply", sender, "Hello from the course team")
    assert code == 0 and "cannot push" in out, out
    state = rest_chat.tracker()
    assert state["paused"] is True
    assert [e["text"] for e in state["events"] if e["event"] == "bot"][-2:] == [
        STAFF_PREFIX + "Hello from the course team", PAUSED_NOTE]
    assert rest_chat.say("thanks, it is about lesson 2") == []  # paused: the message waits for staff
    assert "thanks, it is about lesson 2" in entry(inbox()[1], sender)

    assert inbox("release", sender)[0] == 0
    state = rest_chat.tracker()
    assert state["paused"] is False
    assert [e["text"] for e in state["events"] if e["event"] == "bot"][-1] == HANDED_BACK

    shown = rest_chat.say("what do you know about me")
    assert "staff hand-offs: 1" in texts(shown)
    export = next(m["custom"]["data"]["export"] for m in shown if "custom" in m)
    assert [r["text"] for r in export["handoffs"][0]["staff_replies"]] == ["Hello from the course team"]
    rest_chat.say("delete my data")
    assert texts(rest_chat.say("yes")).startswith("Done")
    assert staff_replies(e2e_settings, sender) == []
