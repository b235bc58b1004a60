"""Turn search results into chat messages: a plain-text list for every channel
and course cards (a custom payload) for channels with a rich UI."""

from __future__ import annotations

from typing import Any

from assistant.course_search import CourseHit, effort_text, price_text

RICH_CHANNELS = {"socketio", "rest"}
# Channels whose UI draws the cards where the text list would be (the web widget):
# they get the intro line only, so the learner does not read every course twice.
CARD_CHANNELS = {"socketio"}


def course_card(hit: CourseHit) -> dict[str, Any]:
    course = hit.course
    return {
        "course_id": course.id,
        "title": course.title,
        "institution": course.institution,
        "price": price_text(course),
        "price_kind": course.price_kind,
        "certificate_price": course.certificate_price,
        "level": course.level,
        "effort": effort_text(course),
        "url": course.url,
        "reason": hit.reason,
    }


def course_list_text(hits: list[CourseHit]) -> str:
    lines = []
    for number, hit in enumerate(hits, start=1):
        course = hit.course
        lines.append(
            f"{number}. {course.title} ({course.institution}): {price_text(course)}, "
            f"{course.level}, {effort_text(course)}. Why: {hit.reason}."
        )
    return "\n".join(lines)


def cards_payload(hits: list[CourseHit]) -> dict[str, Any]:
    """Custom payload. Rasa's socket.io channel emits the value under ``data``
    as the event body, so the cards travel as ``{"data": {...}}``."""
    return {"data": {"type": "course_cards", "cards": [course_card(hit) for hit in hits]}}
