"""Redaction of e-mail addresses and phone numbers, and the numbers it must leave alone."""

from __future__ import annotations

import pytest

from assistant.privacy.redact import redact, redact_emails, redact_event


@pytest.mark.parametrize("text, expected", [
    ("write to jane.doe+course@mail.example.co.uk please", "write to [email] please"),
    ("Jane_D@example.com, bob@example.org", "[email], [email]"),
    ("call +44 20 7946 0958 after 5", "call [phone] after 5"),
    ("my number is (555) 123-4567.", "my number is [phone]."),
    ("555-123-4567 or 555.123.4567", "[phone] or [phone]"),
    ("ring 020 7946 0958", "ring [phone]"),
    ("07700 900123", "[phone]"),
    ("01 23 45 67 89", "[phone]"),
    ("text 5551234567 today", "text [phone] today"),
    ("+4915112345678", "[phone]"),
    ("tel:+1-800-555-0199", "tel:[phone]"),
    ("1-800-555-0199", "[phone]"),
])
def test_contact_details_are_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "python courses under $49.99",
    "my budget is $1,200 or €300",
    "I got 80% on the quiz, 95 % on the next",
    "I can study 3 hours a week, 2-3 hours on weekends",
    "I started in 2024 and want to finish by 2025",
    "courses from 2019 2020 2021",
    "scores 80 85 90 95 100",
    "on 2024-05-01 12:30 I finished module 3.2",
    "the course costs 49.99 and lasts 12 weeks",
    "pi is 3.14159265358",
    "100 200 300",
    "course 1234567 and order 12345",
    "between 10:00 and 12:30",
    "no contact details here: at home, dot com",
    "1,000,000 learners",
])
def test_ordinary_numbers_and_text_are_kept(text: str) -> None:
    assert redact(text) == text


def test_redact_emails_leaves_numbers() -> None:
    assert redact_emails("a@b.io 5551234567") == "[email] 5551234567"


def test_user_event_text_parse_data_and_entities_are_redacted() -> None:
    event = {
        "event": "user", "text": "mail me at a@b.io", "timestamp": 1.0,
        "parse_data": {"text": "mail me at a@b.io", "intent": {"name": "inform"},
                       "entities": [{"entity": "goal", "value": "a@b.io"}, {"entity": "score", "value": 80}]},
    }
    redacted = redact_event(event)
    assert redacted["text"] == redacted["parse_data"]["text"] == "mail me at [email]"
    assert [e["value"] for e in redacted["parse_data"]["entities"]] == ["[email]", 80]
    assert redacted["parse_data"]["intent"] == {"name": "inform"}
    assert event["text"] == "mail me at a@b.io"  # the input is not changed


def test_slot_and_entities_events_are_redacted_and_bot_text_kept() -> None:
    assert redact_event({"event": "slot", "name": "goal", "value": "call 555-123-4567"})["value"] == "call [phone]"
    assert redact_event({"event": "slot", "name": "shown_courses", "value": [12, 13]})["value"] == [12, 13]
    added = redact_event({"event": "entities", "entities": [{"entity": "x", "value": "a@b.io"}]})
    assert added["entities"] == [{"entity": "x", "value": "[email]"}]
    bot = {"event": "bot", "text": "Write to support@platform.example"}
    assert redact_event(bot) == bot
