"""The Rasa entry point validates action server responses as Rasa does, with the schema checked once."""

from __future__ import annotations

import subprocess
import sys

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from assistant import rasa_server

VALID = {"events": [{"event": "slot", "name": "topic", "value": "python"}],
         "responses": [{"text": "Here are three courses."}]}
INVALID = {"events": [{"name": "topic"}], "responses": [{"text": "x"}]}  # an event without its "event" key


@pytest.fixture
def action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_server.install()
    return RemoteAction("action_recommend_courses", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_install_replaces_rasa_validation(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is rasa_server.validate_action_result


def test_valid_response_passes_without_checking_the_schema_again(action: RemoteAction,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rasa_server.response_validator()  # built (and the schema checked) once
    checks: list[object] = []
    monkeypatch.setattr(jsonschema.validators.Draft202012Validator, "check_schema",
                        classmethod(lambda cls, schema: checks.append(schema)))
    for _ in range(3):
        assert action._validate_action_result(VALID) is True
    assert checks == []


def test_invalid_response_raises_rasas_error(action: RemoteAction) -> None:
    with pytest.raises(jsonschema.ValidationError) as raised:
        action._validate_action_result(INVALID)
    assert "Failed to validate Action server response from API" in raised.value.message
    assert "'event' is a required property" in raised.value.message


def test_same_verdicts_as_rasa(action: RemoteAction) -> None:
    schema = RemoteAction.action_response_format_spec()
    samples = [VALID, INVALID, {}, {"events": "not a list"}, {"responses": [{"buttons": "x"}]},
               {"events": [], "responses": []}]
    for sample in samples:
        try:
            jsonschema.validate(sample, schema)
            rasa_ok = True
        except jsonschema.ValidationError:
            rasa_ok = False
        try:
            ours_ok = action._validate_action_result(sample)
        except jsonschema.ValidationError:
            ours_ok = False
        assert ours_ok == rasa_ok, sample


def test_command_line_is_rasas() -> None:
    result = subprocess.run([sys.executable, "-m", "assistant.rasa_server", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "Rasa Version      :         3.6.21" in result.stdout
