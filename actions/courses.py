"""One course: its details, and enrolling in it. The course is named by its
position in the last list ("the second one") or by (part of) its title."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.common import apologise, entity, latest_text
from actions.rendering import RICH_CHANNELS, cards_payload
from assistant.course_search import CourseHit, effort_text, price_text, title_key
from assistant.db.models import Course
from assistant.enrolment import enrol
from assistant.learners import mark_clicked
from assistant.request_text import InputError, parse_position

logger = logging.getLogger(__name__)
TITLE_MATCH = 0.55  # content similarity above which a free-text name is taken as that course


def find_course(tracker: Tracker) -> Course | str:
    """The course the learner means, or a sentence asking them to say which."""
    courses = services.course_search().courses()
    shown = [courses[int(i)] for i in tracker.get_slot("shown_courses") or [] if int(i) in courses]
    text = latest_text(tracker)
    name = entity(tracker, "course")
    try:
        position = parse_position(entity(tracker, "position") or ("" if name else text), len(shown))
    except InputError as error:
        return str(error)
    if position is not None:
        return shown[position]
    if name:
        key = title_key(name)
        exact = [c for c in (*shown, *courses.values()) if key and key in title_key(c.title)]
        if exact:
            return min(exact, key=lambda c: len(c.title))
        result = services.course_search().search(name, n=1)
        if result.hits and result.hits[0].score >= TITLE_MATCH:
            return result.hits[0].course
        return f"I couldn't find a course called \u201c{name[:80]}\u201d. Could you check the title, or ask me for recommendations?"
    if len(shown) == 1:
        return shown[0]
    if shown:
        return "Which one do you mean? Say \"the first one\", \"the second one\" or part of its title."
    return "Which course do you mean? Tell me its title, or ask me for recommendations first."


class ActionCourseDetails(Action):
    def name(self) -> str:
        return "action_course_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            course = await asyncio.to_thread(find_course, tracker)
        except Exception:
            logger.exception("course lookup failed")
            apologise(dispatcher)
            return []
        if isinstance(course, str):
            dispatcher.utter_message(text=course)
            return []
        await asyncio.to_thread(self._note_click, tracker.sender_id, course.id)
        about = (course.summary or course.description or "").strip()
        lines = [f"{course.title}" + (f" ({course.institution})" if course.institution else ""),
                 f"Level: {course.level}. Price: {price_text(course)}. Effort: {effort_text(course)}."]
        if about:
            lines.append(about[:400] + ("..." if len(about) > 400 else ""))
        if course.url:
            lines.append(f"Link: {course.url}")
        dispatcher.utter_message(text="\n".join(lines), buttons=[
            {"title": "Enrol", "payload": f"/enrol_course{{\"course\": \"{title_key(course.title)[:80]}\"}}"},
            {"title": "Show me others", "payload": "/refine_list{\"refinement\": \"different\"}"}])
        if tracker.get_latest_input_channel() in RICH_CHANNELS:
            dispatcher.utter_message(json_message=cards_payload([CourseHit(course, 0.0, "you asked about it")]))
        return []

    @staticmethod
    def _note_click(sender_id: str, course_id: int) -> None:
        """Record the click for the online metrics; a failure here must not cost the learner the answer."""
        try:
            with services.sessions()() as session, session.begin():
                mark_clicked(session, services.learner_key(sender_id), course_id)
        except Exception:
            logger.exception("could not record the click on course %s", course_id)


class ActionEnrol(Action):
    def name(self) -> str:
        return "action_enrol"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            course = await asyncio.to_thread(find_course, tracker)
            if isinstance(course, str):
                dispatcher.utter_message(text=course)
                return []
            result = await asyncio.to_thread(self._enrol, tracker.sender_id, course.id)
        except Exception:
            logger.exception("enrolment failed")
            apologise(dispatcher)
            return []
        if result.already_owned:
            dispatcher.utter_message(text=f"You're already enrolled in \u201c{course.title}\u201d. "
                                          "Tell me how it's going, or ask what to do next.")
            return []
        if result.kind == "audit":
            cost = "You're on the free audit track" + (
                f"; the certificate costs ${course.certificate_price:g} if you want it later." if course.certificate_price
                else ".")
        elif result.amount:
            cost = f"The price is ${result.amount:g}; finish the payment on the course page."
        else:
            cost = "It's free."
        link = f" Start here: {course.url}" if course.url else ""
        dispatcher.utter_message(text=f"Done: you're enrolled in \u201c{course.title}\u201d. {cost}{link} "
                                      "Tell me your quiz scores as you go and I'll adapt your plan.",
                                 buttons=[{"title": "What should I do next?", "payload": "/ask_next_step"}])
        return []

    @staticmethod
    def _enrol(sender_id: str, course_id: int):  # type: ignore[no-untyped-def]
        with services.sessions()() as session, session.begin():
            course = session.get(Course, course_id)
            return enrol(session, services.learner_key(sender_id), course)
