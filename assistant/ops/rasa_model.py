"""Load a trained Rasa model into a running Rasa server through its HTTP API (``PUT /model``)."""

from __future__ import annotations

from pathlib import Path

import requests


class RasaModelError(RuntimeError):
    """The Rasa server refused or failed the request; the message says why."""


def served_model(rasa_url: str, token: str, timeout: float = 10.0) -> str | None:
    """The model file the server has loaded, or None when no server answers at ``rasa_url``."""
    try:
        response = requests.get(f"{rasa_url}/status", params={"token": token}, timeout=timeout)
    except requests.RequestException:
        return None
    if response.status_code in (401, 403):
        raise RasaModelError(f"the Rasa server at {rasa_url} refused the token (HTTP {response.status_code})")
    response.raise_for_status()
    return response.json().get("model_file")


def load_model(rasa_url: str, token: str, model: Path, timeout: float = 600.0) -> bool:
    """Make the server at ``rasa_url`` serve ``model`` unless it already does.

    Returns:
        True when the server loaded it now, False when it was already serving it.

    Raises:
        RasaModelError: No server answers, or it could not load the model.
    """
    current = served_model(rasa_url, token)
    if current is None:
        raise RasaModelError(f"no Rasa server answers at {rasa_url}")
    if Path(current).name == model.name:
        return False
    response = requests.put(f"{rasa_url}/model", params={"token": token},
                            json={"model_file": str(model.resolve())}, timeout=timeout)
    if response.status_code != 204:
        raise RasaModelError(f"the Rasa server could not load {model} (HTTP {response.status_code}: "
                           f"{response.text[:200]})")
    return True
