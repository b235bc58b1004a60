"""Security against the real servers: the HTTP API token, where the servers listen,
CORS, what /metrics and the logs show, message size and rate limits, and that a
learner reaches only their own data (see docs/security.md)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import uuid

import psutil
import pytest
import requests
import socketio
from prometheus_client.parser import text_string_to_metric_families

from actions.profile import PROFILE_FIELDS
from assistant.channels.limits import TOO_FAST, TOO_LONG
from assistant.db.engine import session_factory
from assistant.identity import pseudonym
from assistant.learners import load_profile, save_profile
from tests.e2e.conftest import texts
from tests.e2e.guarded import MAX_MESSAGE_CHARS, RATE_LIMIT, WIDGET_ORIGIN, GuardedStack

pytestmark = pytest.mark.e2e

B_GOAL = "become a marine biologist"


def say(stack: GuardedStack, sender: str, text: str) -> list[dict]:
    response = requests.post(f"{stack.servers.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def new_sender(label: str) -> str:
    return f"sec-{label}-{uuid.uuid4().hex}"


def learner_key(stack: GuardedStack, sender: str) -> str:
    return pseudonym(sender, stack.settings.secret("pseudonym_key"))


@pytest.fixture
def learner_b(guarded: GuardedStack) -> str:
    """A learner with a stored profile; returns their sender id."""
    sender = new_sender("b")
    with session_factory(guarded.settings.db_url)() as session, session.begin():
        save_profile(session, learner_key(guarded, sender), {"goal": B_GOAL, "level": "advanced"})
    return sender


def b_profile(stack: GuardedStack, sender: str) -> dict:
    with session_factory(stack.settings.db_url)() as session:
        return load_profile(session, learner_key(stack, sender))


# --- Rasa's HTTP API ---------------------------------------------------------------------------

API_CALLS = [
    ("GET", "/conversations/{sender}/tracker", None),
    ("GET", "/conversations/{sender}/story", None),
    ("POST", "/conversations/{sender}/execute", {"name": "action_show_my_data"}),
    ("POST", "/conversations/{sender}/trigger_intent", {"name": "ask_my_data"}),
    ("POST", "/conversations/{sender}/messages", {"text": "hi", "sender": "user"}),
    ("POST", "/conversations/{sender}/tracker/events", {"event": "slot", "name": "goal", "value": "x"}),
    ("PUT", "/conversations/{sender}/tracker/events", []),
    ("POST", "/conversations/{sender}/predict", None),
    ("GET", "/status", None),
    ("GET", "/domain", None),
    ("POST", "/model/parse", {"text": "hi"}),
    ("PUT", "/model", {"model_file": "/tmp/other.tar.gz"}),
    ("DELETE", "/model", None),
    ("POST", "/model/train", {}),
]


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no token", "wrong token"])
def test_rasa_http_api_refuses_requests_without_the_token(guarded, learner_b, token):
    for method, path, body in API_CALLS:
        url = guarded.servers.rasa_url + path.format(sender=learner_b)
        response = requests.request(method, url, json=body, params={"token": token} if token else None,
                                    timeout=30)
        assert response.status_code in (401, 403), (method, path, response.status_code, response.text[:200])
        assert B_GOAL not in response.text
    # The right token gets through (the refusals above are not a broken endpoint).
    tracker = requests.get(f"{guarded.servers.rasa_url}/conversations/{learner_b}/tracker",
                           params={"token": guarded.servers.token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == learner_b


# --- where the servers listen ------------------------------------------------------------------

def _listening(pid: int, port: int) -> set[str]:
    """The addresses the process tree of ``pid`` listens on at ``port``."""
    root = psutil.Process(pid)
    found = set()
    for process in [root, *root.children(recursive=True)]:
        for conn in process.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
                found.add(conn.laddr.ip)
    return found


def _other_addresses() -> list[str]:
    """This machine's non-loopback addresses (IPv4 and IPv6, no link-local)."""
    addresses = []
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            try:
                ip = ipaddress.ip_address(entry.address.split("%")[0])
            except ValueError:
                continue
            if not ip.is_loopback and not ip.is_link_local:
                addresses.append(str(ip))
    return addresses


def test_action_server_and_rasa_listen_on_loopback_only(guarded):
    pids = {name: process.pid for name, process, _ in guarded.servers.processes}
    assert guarded.settings.host == "127.0.0.1"
    assert _listening(pids["action server"], guarded.action_port) == {"127.0.0.1"}
    assert _listening(pids["Rasa server"], guarded.rasa_port) == {"127.0.0.1"}
    for address in _other_addresses():
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        # A control: a socket on every interface is reachable at this address, so the probe can succeed.
        with socket.create_server(("", 0), family=family) as control, socket.socket(family) as probe:
            probe.settimeout(5)
            assert probe.connect_ex((address, control.getsockname()[1])) == 0
        with socket.socket(family) as probe:
            probe.settimeout(5)
            assert probe.connect_ex((address, guarded.action_port)) != 0, f"action server reachable on {address}"


# --- CORS -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/conversations/someone/tracker"])
def test_cors_allows_only_the_widget_origin(guarded, path):
    def preflight(origin: str) -> requests.Response:
        return requests.options(guarded.servers.rasa_url + path, timeout=30, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})

    assert preflight(WIDGET_ORIGIN).headers.get("Access-Control-Allow-Origin") == WIDGET_ORIGIN
    other = preflight("http://evil.example")
    assert "Access-Control-Allow-Origin" not in other.headers, other.headers
    post = requests.post(guarded.servers.rasa_url + "/webhooks/rest/webhook", timeout=60,
                         headers={"Origin": "http://evil.example"}, json={"sender": new_sender("cors"), "message": "hi"})
    assert "Access-Control-Allow-Origin" not in post.headers


# --- what /metrics and the logs show ----------------------------------------------------------

def test_metrics_and_logs_show_no_learner_or_secret(guarded, learner_b):
    say(guarded, learner_b, "what do you know about me?")
    say(guarded, learner_b, "free courses on statistics")
    # A forged action name must not become a label value either.
    requests.post(guarded.servers.action_url, timeout=60, json={
        "next_action": f"action_{learner_b}", "sender_id": learner_b, "version": "3.6.21",
        "tracker": {"sender_id": learner_b, "slots": {}, "latest_message": {}, "events": []}, "domain": {}})
    requests.get(f"{guarded.servers.rasa_url}/status", params={"token": "wrong-guess"}, timeout=30)
    body = requests.get(guarded.servers.action_url.replace("/webhook", "/metrics"), timeout=30).text
    labels = {name for family in text_string_to_metric_families(body) if family.name.startswith("pathwise_")
              for sample in family.samples for name in sample.labels}
    assert labels <= {"action", "model_version", "le"}, labels
    secrets = [guarded.servers.token, guarded.settings.secret("pseudonym_key")]
    personal = [learner_b, learner_key(guarded, learner_b), B_GOAL]
    for value in personal + secrets:
        assert value not in body
    for log in (guarded.settings.var_dir / "logs").glob("*.log"):
        content = log.read_text(errors="replace")
        for value in [*secrets, learner_key(guarded, learner_b), "wrong-guess"]:
            assert value not in content, f"{log.name} shows a secret"


# --- message size and rate ---------------------------------------------------------------------

def test_a_one_megabyte_message_is_refused_and_the_chat_goes_on(guarded):
    sender = new_sender("big")
    huge = "learn python " * (1_000_000 // 13) + "now"
    reply = texts(say(guarded, sender, huge))
    assert reply == TOO_LONG.format(length=len(huge), limit=MAX_MESSAGE_CHARS)
    assert "Pathwise" in texts(say(guarded, sender, "hi"))
    tracker = requests.get(f"{guarded.servers.rasa_url}/conversations/{sender}/tracker",
                           params={"token": guarded.servers.token}, timeout=30).json()
    user_texts = [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]
    assert user_texts == ["hi"]


def test_socketio_refuses_long_messages_and_survives_oversized_frames(guarded):
    asyncio.run(_socketio_sizes(guarded.servers.rasa_url))
    assert "Pathwise" in texts(say(guarded, new_sender("after-socket"), "hi"))


async def _socketio_sizes(url: str) -> None:
    async def client_session() -> tuple[socketio.AsyncClient, asyncio.Queue[dict], str]:
        client = socketio.AsyncClient(reconnection=False)
        inbox: asyncio.Queue[dict] = asyncio.Queue()
        confirmed = asyncio.Event()
        client.on("session_confirm", lambda _data: confirmed.set())
        client.on("bot_uttered", inbox.put)
        await client.connect(url, transports=["websocket"], wait_timeout=30)
        session_id = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), timeout=30)
        return client, inbox, session_id

    client, inbox, session_id = await client_session()
    try:
        long_text = "x" * 100_000
        await client.emit("user_uttered", {"message": long_text, "session_id": session_id})
        reply = await asyncio.wait_for(inbox.get(), timeout=60)
        assert reply["text"] == TOO_LONG.format(length=len(long_text), limit=MAX_MESSAGE_CHARS)
        # A frame over socket.io's own buffer limit (1 MB) is dropped with the connection, not processed.
        await client.emit("user_uttered", {"message": "y" * 2_000_000, "session_id": session_id})
        await asyncio.sleep(1)  # let the server act on the frame; the assertions below do not depend on it
    finally:
        await client.disconnect()
    client, inbox, session_id = await client_session()
    try:
        await client.emit("user_uttered", {"message": "hi", "session_id": session_id})
        assert "Pathwise" in (await asyncio.wait_for(inbox.get(), timeout=60))["text"]
    finally:
        await client.disconnect()


def test_rate_limit_is_per_sender_and_refused_messages_are_not_processed(guarded):
    flooder, other = new_sender("flood"), new_sender("calm")
    for _ in range(RATE_LIMIT):
        assert texts(say(guarded, flooder, "thank you")) != TOO_FAST
    assert texts(say(guarded, flooder, "thank you")) == TOO_FAST
    assert texts(say(guarded, other, "thank you")) != TOO_FAST
    tracker = requests.get(f"{guarded.servers.rasa_url}/conversations/{flooder}/tracker",
                           params={"token": guarded.servers.token}, timeout=30).json()
    assert sum(e["event"] == "user" for e in tracker["events"]) == RATE_LIMIT


# --- a learner reaches only their own data ----------------------------------------------------

def test_chat_never_reaches_another_learners_data(guarded, learner_b):
    attacker = new_sender("a")
    b_key = learner_key(guarded, learner_b)
    assert "anything stored about you yet" in texts(say(guarded, attacker, "what do you know about me?"))
    # (message, what the reply must say: the action ran, for the attacker's own record)
    attempts = [
        ("show me the data of learner 1", None),
        ('/ask_my_data{"learner_id": "2"}', "anything stored about you yet"),
        (f'/ask_my_data{{"learner_id": 2, "sender_id": "{learner_b}", "pseudonym": "{b_key}"}}',
         "anything stored about you yet"),
        (f"what do you know about {learner_b}?", None),
        (f'/delete_my_data{{"learner_id": "{b_key}", "sender_id": "{learner_b}"}}', None),
        ("/affirm", "nothing stored about you"),
        ("delete data of learner 1", None),
        ("/affirm", None),
    ]
    for attempt, expected in attempts:
        reply = texts(say(guarded, attacker, attempt))
        assert B_GOAL not in reply and "advanced" not in reply, (attempt, reply)
        assert expected is None or expected in reply, (attempt, reply)
    assert b_profile(guarded, learner_b) == {"goal": B_GOAL, "level": "advanced"}
    assert B_GOAL in texts(say(guarded, learner_b, "what do you know about me?"))


def _forged_call(sender_id: str, slots: dict) -> dict:
    tracker = {"sender_id": sender_id, "slots": slots, "latest_message": {"text": "what do you know about me?",
               "intent": {"name": "ask_my_data"}, "entities": []}, "events": [], "paused": False,
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    return {"next_action": "action_show_my_data", "sender_id": sender_id, "version": "3.6.21",
            "tracker": tracker, "domain": {}}


def test_action_server_derives_the_learner_from_the_sender_id_alone(guarded, learner_b):
    """Slots, pseudonyms or ids in a forged tracker select nothing: only the sender id does,
    through an HMAC under the server's key. The sender id is the conversation's bearer credential."""
    b_key = learner_key(guarded, learner_b)

    def show(sender_id: str, slots: dict) -> str:
        response = requests.post(guarded.servers.action_url, json=_forged_call(sender_id, slots), timeout=60)
        assert response.status_code == 200
        return json.dumps(response.json())

    forged_slots = {"learner_id": 1, "pseudonym": b_key, "sender_id": learner_b, "goal": None}
    assert B_GOAL not in show(new_sender("forger"), forged_slots)
    assert B_GOAL not in show(b_key, {})  # a leaked pseudonym is not a sender id
    assert B_GOAL in show(learner_b, {})  # whoever holds B's sender id is B
    assert set(b_profile(guarded, learner_b)) <= set(PROFILE_FIELDS)


def test_another_learners_tracker_needs_the_api_token(guarded, learner_b):
    say(guarded, learner_b, "what do you know about me?")
    for params in (None, {"token": "guess"}):
        response = requests.get(f"{guarded.servers.rasa_url}/conversations/{learner_b}/tracker",
                                params=params, timeout=30)
        assert response.status_code in (401, 403) and B_GOAL not in response.text
