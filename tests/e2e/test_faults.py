"""Faults against the real servers: each test breaks one thing and puts it back.

The conversation tests share the ``guarded`` server set (one Rasa start for
all of them, one more for the Rasa restart); the start-up tests need no
running server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
import requests

from actions.common import APOLOGY
from assistant.channels.limits import NO_ANSWER
from assistant.config import PROJECT_ROOT
from assistant.launcher import LaunchError, running_servers
from recsys import artifacts
from tests.conftest import free_port
from tests.e2e.conftest import texts
from tests.e2e.guarded import GuardedStack, kill, restart

pytestmark = pytest.mark.e2e

NOTHING_STORED = "I don't have anything stored about you yet."


def say(stack: GuardedStack, sender: str, text: str) -> str:
    response = requests.post(f"{stack.servers.rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=120)
    assert response.status_code == 200, response.text
    return texts(response.json())


def tracker(stack: GuardedStack, sender: str) -> dict:
    response = requests.get(f"{stack.servers.rasa_url}/conversations/{sender}/tracker",
                            params={"token": stack.servers.token}, timeout=30)
    assert response.status_code == 200
    return response.json()


def test_action_server_down_gets_an_apology_and_the_chat_resumes(guarded, request):
    sender = f"fault-action-{request.node.name}"
    assert NOTHING_STORED in say(guarded, sender, "what do you know about me?")
    kill(guarded, "action server")
    try:
        assert say(guarded, sender, "what do you know about me?") == NO_ANSWER
        assert "welcome" in say(guarded, sender, "thank you").lower()  # responses that need no action still work
    finally:
        restart(guarded, "action server")
    assert NOTHING_STORED in say(guarded, sender, "what do you know about me?")


def test_learner_database_unreachable_gets_a_clear_message_then_recovers(guarded, request):
    sender = f"fault-db-{request.node.name}"
    assert NOTHING_STORED in say(guarded, sender, "what do you know about me?")
    guarded.proxy.cut()
    try:
        assert APOLOGY in say(guarded, sender, "what do you know about me?")
        say(guarded, sender, "delete my data")
        assert "nothing was removed" in say(guarded, sender, "yes")
    finally:
        guarded.proxy.start()
    guarded.servers.check_alive()
    assert NOTHING_STORED in say(guarded, sender, "what do you know about me?")


def test_rasa_restart_keeps_the_conversation_and_the_form(guarded, request):
    sender = f"fault-restart-{request.node.name}"
    say(guarded, sender, "set up my profile")
    say(guarded, sender, "become a data analyst")
    before = tracker(guarded, sender)
    goal = before["slots"]["goal"]
    assert "data analyst" in goal
    assert before["active_loop"]["name"] == "onboarding_form" and before["slots"]["requested_slot"] == "level"
    restart(guarded, "Rasa server")
    say(guarded, sender, "beginner")
    after = tracker(guarded, sender)
    assert after["slots"]["goal"] == goal and after["slots"]["level"] == "beginner"
    assert after["active_loop"]["name"] == "onboarding_form"
    assert after["slots"]["requested_slot"] == "weekly_hours"


@pytest.fixture
def tiny_artifact(tmp_path):
    """A promoted (tiny) recommender artifact in a folder of its own; returns its model file."""
    root = tmp_path / "models"
    folder = artifacts.save_model({"not": "a real model"}, "hybrid", version="v1", root=root)
    artifacts.promote("v1", root)
    return folder / artifacts.MODEL_FILE


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_action_server_refuses_to_start_on_a_damaged_recommender_artifact(tiny_artifact, damage):
    if damage == "missing":
        tiny_artifact.unlink()
    else:
        tiny_artifact.write_bytes(tiny_artifact.read_bytes()[:-3])
    result = subprocess.run([sys.executable, "-m", "assistant.action_server", "--port", str(free_port())],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PATHWISE_MODELS_DIR=str(tiny_artifact.parent.parent),
                                     ASSISTANT_VAR_DIR=str(tiny_artifact.parent.parent.parent / "var")))
    assert result.returncode == 2
    assert str(tiny_artifact) in result.stderr and damage in result.stderr
    assert "Traceback" not in result.stderr


def test_launch_names_the_damaged_recommender_artifact(e2e_settings, tiny_artifact, tmp_path):
    tiny_artifact.write_bytes(b"garbage")
    settings = replace(e2e_settings, var_dir=tmp_path / "var", models_dir=tiny_artifact.parent.parent)
    model = next((e2e_settings.cache_dir / "rasa-models").glob("*.tar.gz"))
    with pytest.raises(LaunchError, match=str(tiny_artifact)):
        with running_servers(settings, model, free_port(), free_port()):
            pass


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_launch_names_the_damaged_rasa_model(e2e_settings, tmp_path, damage):
    model = tmp_path / "model.tar.gz"
    if damage == "corrupt":
        model.write_bytes(b"\x1f\x8b\x08\x00 not really a model")
    settings = replace(e2e_settings, var_dir=tmp_path / "var")
    with pytest.raises(LaunchError, match=f"the Rasa model {model} is {damage}"):
        with running_servers(settings, model, free_port(), free_port()):
            pass
