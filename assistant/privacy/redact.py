"""Replace e-mail addresses and phone numbers in free text with placeholders.

Standard library only: the Rasa runtime (tracker store) and the action server
(learner database, logs) both import it.

Phone numbers are found conservatively, because learners write many numbers
that must survive: prices ("$49.99"), years ("2024"), scores ("80%"), hours
("3 hours"), dates ("2024-05-01") and times ("12:30"). A run of digits and
separators counts as a phone number only when it starts with "+" and has 8–15
digits, or is a plain run of 10–15 digits, or is 9–15 digits in 2–5 groups
shaped like a phone number (see :func:`_is_phone`).
"""

from __future__ import annotations

import re
from typing import Any

EMAIL_PLACEHOLDER = "[email]"
PHONE_PLACEHOLDER = "[phone]"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Digits and phone separators, not glued to a word, a currency sign, a decimal
# point, a percent sign or a time ("12:30").
_CANDIDATE = re.compile(r"(?<![\w$€£¥/.,+-])\+?\(?\d[\d ().-]*\d\)?(?![\w%$€£:/]|[.,]\d)")
_GROUP_SPLIT = re.compile(r"[ ().-]+")
_YEAR = re.compile(r"(19|20)\d\d")


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if candidate.startswith("+"):
        return 8 <= digits <= 15
    groups = [g for g in _GROUP_SPLIT.split(candidate.strip("()")) if g]
    if len(groups) == 1:
        return 10 <= digits <= 15
    if not 9 <= digits <= 15 or len(groups) > 5:
        return False
    if any(len(g) < 2 for g in groups[1:]) or all(_YEAR.fullmatch(g) for g in groups):
        return False
    separators = set(_GROUP_SPLIT.findall(candidate.strip("()")))
    if separators == {"."} and len(groups) == 2:  # a decimal number
        return False
    if separators == {" "}:  # a list of numbers ("80 85 90 95 100") unless phone-shaped
        return groups[0].startswith("0") or (digits >= 10 and len(groups[-1]) >= 4)
    return True


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    return PHONE_PLACEHOLDER if _is_phone(text) else text


def redact_emails(text: str) -> str:
    """``text`` with every e-mail address replaced by ``[email]``."""
    return EMAIL.sub(EMAIL_PLACEHOLDER, text)


def redact(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by placeholders."""
    return _CANDIDATE.sub(_phone, redact_emails(text))


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (strings, lists, dicts)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


def redact_event(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a serialised Rasa event with what the learner wrote redacted.

    Covers the user's message (``text``, ``parse_data.text``, entity values),
    slot values and entities added by actions. Bot messages are kept as said:
    staff replies reach REST learners through the stored tracker.
    """
    kind = event.get("event")
    redacted = dict(event)
    if kind == "user":
        if isinstance(event.get("text"), str):
            redacted["text"] = redact(event["text"])
        parse_data = event.get("parse_data")
        if isinstance(parse_data, dict):
            parse_data = dict(parse_data)
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = redact(parse_data["text"])
            if isinstance(parse_data.get("entities"), list):
                parse_data["entities"] = _redact_entities(parse_data["entities"])
            redacted["parse_data"] = parse_data
    elif kind == "slot":
        redacted["value"] = redact_value(event.get("value"))
    elif kind == "entities" and isinstance(event.get("entities"), list):
        redacted["entities"] = _redact_entities(event["entities"])
    return redacted


def _redact_entities(entities: list[Any]) -> list[Any]:
    return [dict(e, value=redact_value(e.get("value"))) if isinstance(e, dict) else e for e in entities]
