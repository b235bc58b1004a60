"""Building planner inputs from DB-shaped rows (plain stand-ins, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace as Row

import pytest

from assistant.guidance.adapter import course_info, learner_state
from assistant.guidance.mastery import MasteryTracker

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def test_course_info_from_row_and_record():
    row = Row(id=7, title="SQL", subject="Data", level="intermediate", summary="s", description="d", syllabus="",
              price_kind="audit", price=0.0, certificate_price=49.0, weekly_hours_min=2.0, weekly_hours_max=4.0,
              length_weeks=5.0, total_hours=None, popularity=12)
    c = course_info(row, skills=["sql-joins"])
    assert (c.id, c.level, c.effort_hours, c.cost(), c.cost(certificate=True)) == (7, "intermediate", 15.0, 0.0, 49.0)
    rec = {"source_id": "sql-101", "title": "SQL 101", "price_kind": "paid", "price": 20.0}
    assert course_info(rec).id == "sql-101" and course_info(rec).cost() == 20.0


def test_learner_state_replays_quiz_events_in_time_order():
    learner = Row(
        id=1, goal="become a data analyst", level="beginner", weekly_hours=3.0, budget=0.0,
        enrolments=[Row(course_id=1, status="completed", progress=1.0, enrolled_at=NOW - timedelta(weeks=10)),
                    Row(course_id=2, status="enrolled", progress=0.25, enrolled_at=NOW - timedelta(weeks=2)),
                    Row(course_id=3, status="dropped", progress=0.1, enrolled_at=NOW - timedelta(weeks=1))],
        events=[Row(type="quiz", item="joins", score=0.4, course_id=2, occurred_at=NOW - timedelta(days=1)),
                Row(type="quiz", item="joins", score=0.9, course_id=2, occurred_at=NOW - timedelta(days=3)),
                Row(type="quiz", item="joins", score=1.7, course_id=2, occurred_at=NOW - timedelta(days=2)),
                Row(type="session", item=None, score=None, course_id=2, occurred_at=NOW)])
    courses = {2: course_info(Row(id=2, title="SQL", length_weeks=4.0))}
    tracker = MasteryTracker()
    s = learner_state(learner, tracker, courses, now=NOW)
    assert s.completed == frozenset({1}) and s.in_progress == {2: 0.25} and s.current_course == 2
    assert [r.score for r in s.results] == [0.9, 0.4]  # time order; the 170% event is ignored
    m = tracker.update("joins", tracker.update("joins", tracker.prior("joins", "beginner"), 0.9), 0.4)
    assert s.mastery["joins"] == pytest.approx(m)
    assert s.planned_progress == pytest.approx(0.5) and s.weeks_elapsed == pytest.approx(2.0)
    assert (s.goal, s.weekly_hours, s.budget) == ("become a data analyst", 3.0, 0.0)


def test_history_sequences_for_offline_training():
    from assistant.guidance.adapter import history_sequences

    a = Row(events=[Row(type="quiz", item="joins", score=0.8, occurred_at=NOW),
                    Row(type="quiz", item="keys", score=0.2, occurred_at=NOW - timedelta(days=1)),
                    Row(type="session", item="x", score=None, occurred_at=NOW)])
    b = Row(events=[Row(type="quiz", item="joins", score=0.4, occurred_at=NOW)])
    c = Row(events=[])
    seqs, index = history_sequences([a, b, c], {"joins": 1})
    assert index == {"joins": 1, "keys": 2}
    assert [s.skills.tolist() for s in seqs] == [[2, 1], [1]]
    assert [s.correct.tolist() for s in seqs] == [[0, 1], [0]]
