"""The guidance planner over the learner database: what the chat actions call.

Builds one :class:`GuidancePlanner` over the catalog (prerequisites inferred
with the course-text embeddings of the content index), reads a learner's
state from their rows, stores quiz results and progress, and returns the
planner's decisions with their explanations. Errors come back as values with
a sentence for the learner, never as exceptions.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from assistant.db.models import Course, Enrolment, Learner, LearningEvent, utcnow
from assistant.guidance.adapter import course_info, learner_state
from assistant.guidance.graph import OverrideError
from assistant.guidance.planner import Decision, Explanation, GuidancePlanner
from assistant.guidance.path import LearningPath
from assistant.guidance.schema import GuidanceError, LearnerState, Signal
from assistant.learners import get_or_create_learner
from assistant.privacy.redact import redact
from recsys.content import CourseIndex

logger = logging.getLogger(__name__)
PROFILE_GAPS = ("missing_goal", "missing_hours")  # answered by setting up the profile
NO_PROFILE = GuidanceError("missing_goal", "Tell me your goal first, for example \"become a data analyst\", "
                                           "and I'll plan the steps.", "goal")


@dataclass(frozen=True)
class Guidance:
    """A decision (or path, or error) and its plain-language explanation."""

    outcome: Decision | LearningPath | GuidanceError
    explanation: Explanation

    @property
    def offer_handoff(self) -> bool:
        strategy = getattr(self.outcome, "strategy", None)
        return bool(strategy and strategy.offer_handoff)


class GuidanceService:
    def __init__(self, sessions: sessionmaker[Session], index_dir: Path | None,
                 prerequisites: Path | None = None) -> None:
        """``prerequisites``: the staff override file (see docs/staff.md), applied when it exists."""
        self._sessions = sessions
        self._index_dir = index_dir
        self._prerequisites = prerequisites
        self._lock = threading.Lock()
        self._planner: GuidancePlanner | None = None

    def planner(self) -> GuidancePlanner:
        """The planner over the current catalog (built once; about a second per thousand courses)."""
        with self._lock:
            if self._planner is None:
                with self._sessions() as session:
                    rows = session.scalars(select(Course).order_by(Course.id)).all()
                    courses = [course_info(row) for row in rows]
                    index = CourseIndex.build(rows, self._index_dir)
                position = {int(cid): i for i, cid in enumerate(index.course_ids)}
                vectors = index.vectors[[position[c.id] for c in courses]]
                planner = GuidancePlanner(courses, similarity=vectors @ vectors.T)
                if self._prerequisites is not None and self._prerequisites.exists():
                    try:
                        planner.graph.apply_overrides(self._prerequisites)
                    except OverrideError:
                        # A staff typo must not stop guidance: plan on the inferred graph.
                        logger.exception("prerequisite overrides not applied (python -m assistant "
                                         "check-prerequisites shows why)")
                self._planner = planner
            return self._planner

    def warm_up(self) -> None:
        """Build the planner and its goal index now, so the first learner does not wait."""
        self.planner().plan(LearnerState(goal="data analysis", level="beginner"))

    def _state(self, session: Session, pseudonym: str) -> LearnerState | None:
        learner = session.scalar(select(Learner).where(Learner.pseudonym == pseudonym)
                                 .options(selectinload(Learner.enrolments), selectinload(Learner.events)))
        if learner is None:
            return None
        planner = self.planner()
        return learner_state(learner, planner.tracker, planner.courses)

    def _answer(self, outcome: Decision | LearningPath | GuidanceError) -> Guidance:
        return Guidance(outcome, self.planner().explain(outcome))

    def next_step(self, pseudonym: str) -> Guidance:
        with self._sessions() as session:
            state = self._state(session, pseudonym)
        return self._answer(NO_PROFILE if state is None else self.planner().next_step(state))

    def learning_path(self, pseudonym: str) -> Guidance:
        with self._sessions() as session:
            state = self._state(session, pseudonym)
        return self._answer(NO_PROFILE if state is None else self.planner().plan(state))

    def adjust(self, pseudonym: str, signal: Signal) -> Guidance:
        with self._sessions() as session:
            state = self._state(session, pseudonym)
        return self._answer(NO_PROFILE if state is None else self.planner().adjust(state, signal))

    def record_quiz(self, pseudonym: str, item: str, score: float) -> Guidance:
        """Store one quiz result and decide the next step from it."""
        planner = self.planner()
        with self._sessions() as session, session.begin():
            learner = get_or_create_learner(session, pseudonym)
            session.flush()
            state = self._state(session, pseudonym)
            assert state is not None
            recorded = planner.record_result(state, item, score)
            if isinstance(recorded, GuidanceError):
                return self._answer(recorded)
            session.add(LearningEvent(learner_id=learner.id, course_id=state.current_course, type="quiz",
                                      item=redact(item), score=score))
        gap = recorded.decision
        if isinstance(gap, GuidanceError) and gap.code in PROFILE_GAPS:
            # The result is stored; say so before asking for what the plan still needs.
            return Guidance(gap, Explanation(f"I've saved your {100 * score:.0f}% on {item}. {gap.message}"))
        return self._answer(recorded.decision)

    def complete_course(self, pseudonym: str, course_id: int) -> Guidance:
        """Mark a course finished (enrolling the learner if needed), then decide the next step."""
        with self._sessions() as session, session.begin():
            learner = get_or_create_learner(session, pseudonym)
            session.flush()
            enrolment = session.scalar(select(Enrolment).where(Enrolment.learner_id == learner.id,
                                                               Enrolment.course_id == course_id))
            if enrolment is None:
                enrolment = Enrolment(learner_id=learner.id, course_id=course_id)
                session.add(enrolment)
            enrolment.status, enrolment.progress, enrolment.completed_at = "completed", 1.0, utcnow()
            session.add(LearningEvent(learner_id=learner.id, course_id=course_id, type="course_done", progress=1.0))
        return self.next_step(pseudonym)

    def module_done(self, pseudonym: str, label: str) -> Guidance:
        """Record a finished module of the current course, then decide the next step."""
        with self._sessions() as session, session.begin():
            learner = get_or_create_learner(session, pseudonym)
            session.flush()
            state = self._state(session, pseudonym)
            course_id = state.current_course if state else None
            session.add(LearningEvent(learner_id=learner.id, course_id=course_id, type="module_done",
                                      item=redact(label[:200])))
        return self.next_step(pseudonym)
