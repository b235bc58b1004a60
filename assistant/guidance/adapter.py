"""Build the planner's plain inputs from database rows (or importer records).

The only module of :mod:`assistant.guidance` that knows the shape of
:mod:`assistant.db.models`. It reads attributes (or dict keys), so it works on
ORM objects, on the catalog importer's records and on simple stand-ins in
tests, and it never opens a session itself.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from .mastery import MasteryTracker
from .schema import CourseInfo, LearnerState, QuizResult


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def course_info(course: Any, skills: Iterable[str] = ()) -> CourseInfo:
    """:class:`CourseInfo` from a ``Course`` row or an importer record.

    Args:
        course: object or mapping with the ``Course`` columns; records
            without ``id`` use ``source_id``.
        skills: quiz item ids that belong to the course.
    """
    cid = _get(course, "id")
    if cid is None:
        cid = _get(course, "source_id")
    return CourseInfo(
        id=cid,
        title=_get(course, "title", "") or "",
        subject=_get(course, "subject", "") or "",
        level=_get(course, "level", "beginner") or "beginner",
        summary=_get(course, "summary", "") or "",
        description=_get(course, "description", "") or "",
        syllabus=_get(course, "syllabus", "") or "",
        price_kind=_get(course, "price_kind", "free") or "free",
        price=float(_get(course, "price", 0.0) or 0.0),
        certificate_price=_get(course, "certificate_price"),
        weekly_hours_min=_get(course, "weekly_hours_min"),
        weekly_hours_max=_get(course, "weekly_hours_max"),
        length_weeks=_get(course, "length_weeks"),
        total_hours=_get(course, "total_hours"),
        popularity=int(_get(course, "popularity", 0) or 0),
        skills=tuple(skills),
    )


def _aware(t: datetime | None) -> datetime | None:
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=timezone.utc)
    return t


def learner_state(learner: Any, tracker: MasteryTracker | None = None,
                  courses: Mapping[Any, CourseInfo] | None = None,
                  now: datetime | None = None) -> LearnerState:
    """:class:`LearnerState` from a ``Learner`` row with its enrolments and events.

    Quiz events (``type == "quiz"`` with an ``item`` and a ``score``) are
    replayed in time order through the online mastery model. The current
    course is the most recent enrolment still open; the planned progress on it
    is the share of its stated length that has elapsed since enrolment.

    Args:
        learner: ``Learner`` row (``enrolments`` and ``events`` loaded).
        tracker: online mastery model (textbook BKT when ``None``).
        courses: catalog by id, to read course lengths.
        now: the current time (UTC now when ``None``).
    """
    tracker = tracker or MasteryTracker()
    now = _aware(now) or datetime.now(timezone.utc)
    level = _get(learner, "level")
    completed, in_progress = set(), {}
    current, current_start = None, None
    for e in _get(learner, "enrolments", []) or []:
        cid, status = _get(e, "course_id"), _get(e, "status", "enrolled")
        if status == "completed":
            completed.add(cid)
        elif status == "enrolled":
            in_progress[cid] = float(_get(e, "progress", 0.0) or 0.0)
            started = _aware(_get(e, "enrolled_at"))
            if current is None or (started and current_start and started > current_start):
                current, current_start = cid, started
    events = sorted(_get(learner, "events", []) or [],
                    key=lambda ev: _aware(_get(ev, "occurred_at")) or datetime.min.replace(tzinfo=timezone.utc))
    mastery: dict[str, float] = {}
    results: list[QuizResult] = []
    for ev in events:
        item, score = _get(ev, "item"), _get(ev, "score")
        if _get(ev, "type") != "quiz" or not item or score is None or not 0 <= score <= 1:
            continue
        m = mastery.get(item, tracker.prior(item, level))
        mastery[item] = tracker.update(item, m, float(score))
        results.append(QuizResult(item, float(score), _get(ev, "course_id"), _aware(_get(ev, "occurred_at"))))
    weeks, planned = 0.0, None
    if current is not None and current_start is not None:
        weeks = max((now - current_start).total_seconds() / 604800.0, 0.0)
        length = courses[current].length_weeks if courses and current in courses else None
        if length:
            planned = min(weeks / length, 1.0)
    return LearnerState(
        learner_id=_get(learner, "id"), goal=_get(learner, "goal"), level=level,
        weekly_hours=_get(learner, "weekly_hours"), budget=_get(learner, "budget"),
        completed=frozenset(completed), in_progress=in_progress, mastery=mastery, results=results,
        current_course=current, weeks_elapsed=weeks, planned_progress=planned,
    )


def load_catalog_csv(path: str | Path) -> list[CourseInfo]:
    """Courses from an edX or Udemy CSV via the catalog importer's parser.

    Bad rows are skipped exactly as the importer skips them.
    """
    from assistant.catalog.importer import ImportReport, read_catalog  # lazy: pulls SQLAlchemy

    return [course_info(rec) for rec in read_catalog(Path(path), ImportReport())]


def history_sequences(learners: Iterable[Any], skill_index: dict[str, int] | None = None,
                      pass_score: float = 0.5) -> tuple[list, dict[str, int]]:
    """Quiz histories of many learners as DKT/BKT training sequences.

    Args:
        learners: ``Learner`` rows with ``events`` loaded.
        skill_index: item -> skill id (1-based); extended with new items.
        pass_score: scores at or above this count as correct.

    Returns:
        (list of :class:`~assistant.guidance.kt_data.Sequence`, the skill index).
    """
    import numpy as np

    from .kt_data import Sequence

    index = dict(skill_index or {})
    out = []
    for learner in learners:
        events = sorted((e for e in (_get(learner, "events", []) or [])
                         if _get(e, "type") == "quiz" and _get(e, "item") and _get(e, "score") is not None
                         and 0 <= _get(e, "score") <= 1),
                        key=lambda e: _aware(_get(e, "occurred_at")) or datetime.min.replace(tzinfo=timezone.utc))
        if not events:
            continue
        skills = [index.setdefault(_get(e, "item"), len(index) + 1) for e in events]
        correct = [int(_get(e, "score") >= pass_score) for e in events]
        out.append(Sequence(np.array(skills, dtype=np.int64), np.array(correct, dtype=np.int64)))
    return out, index
