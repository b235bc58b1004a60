"""Rasa's REST and socket.io channels behind a :class:`~assistant.channels.guard.ChannelGuard`.

They keep Rasa's channel names (``rest``, ``socketio``), so the webhook URLs,
the socket.io events and the channel-specific rendering stay the same.
``credentials.yml`` names these classes instead of ``rest:`` and ``socketio:``.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic

from assistant.channels.guard import ChannelGuard, Handler
from assistant.channels.limits import Limits


def _guarded_blueprint(guard: ChannelGuard, blueprint: Blueprint) -> Blueprint:
    @blueprint.listener("before_server_start")
    async def remember_app(app: Sanic, _loop: Any) -> None:
        guard.app = app

    return blueprint


class GuardedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with the assistant's limits."""

    def __init__(self) -> None:
        self.guard = ChannelGuard(Limits.from_env())

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return _guarded_blueprint(self.guard, super().blueprint(self.guard.wrap(on_new_message)))


class GuardedSocketIOInput(SocketIOInput):
    """The widget's socket.io channel with the assistant's limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = ChannelGuard(Limits.from_env())

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return _guarded_blueprint(self.guard, super().blueprint(self.guard.wrap(on_new_message)))
