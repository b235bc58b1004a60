"""A small client for the conversation endpoints of Rasa's HTTP API.

Rasa runs with ``--enable-api --auth-token``; the token travels as the
``token`` query parameter, so error messages here never include a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from assistant.config import Settings


class RasaApiError(RuntimeError):
    """Rasa could not be reached or refused the request; the message says why."""


@dataclass(frozen=True)
class RasaConversations:
    url: str
    token: str
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaConversations:
        return cls(f"http://{settings.host}:{settings.rasa_port}", settings.secret("rasa_token"))

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's current state with its events (empty for an unknown id)."""
        return self._call("GET", conversation_id, "tracker")

    def execute(self, conversation_id: str, action: str) -> dict[str, Any]:
        """Run ``action`` in the conversation; its messages go to the learner's latest channel.

        The answer holds the tracker and, when that channel cannot push
        (REST), the ``messages`` the action produced.
        """
        return self._call("POST", conversation_id, "execute", body={"name": action}, output_channel="latest")

    def _call(self, method: str, conversation_id: str, endpoint: str, body: dict[str, Any] | None = None,
              **params: str) -> dict[str, Any]:
        url = f"{self.url}/conversations/{quote(conversation_id, safe='')}/{endpoint}"
        try:
            response = requests.request(method, url, params={"token": self.token, **params}, json=body,
                                        timeout=self.timeout)
        except requests.RequestException as error:
            raise RasaApiError(f"the Rasa server is not answering at {self.url} ({type(error).__name__}); "
                               "start it with 'make run'") from None
        if response.status_code in (401, 403):
            raise RasaApiError(f"the Rasa server at {self.url} refused the API token; set ASSISTANT_RASA_TOKEN "
                               "to the token it was started with")
        if response.status_code == 404:
            raise RasaApiError(f"the Rasa server has no conversation {conversation_id!r}")
        if not response.ok:
            raise RasaApiError(f"the Rasa server answered {response.status_code} to {endpoint}: "
                               f"{_error_message(response)}")
        return response.json()


def _error_message(response: requests.Response) -> str:
    try:
        return str(response.json().get("message", "")).splitlines()[0] or response.reason
    except (ValueError, AttributeError, IndexError):
        return response.reason
