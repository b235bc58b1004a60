"""Learner records on the real database: enrolment, profile, export, deletion, feedback, hand-offs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistant.db.models import Course, Enrolment, Feedback, Handoff, Learner, LearningEvent, Purchase, RecommendationLog
from assistant.enrolment import enrol
from assistant.guidance.graph import OverrideError
from assistant.guidance_service import GuidanceService
from assistant.learners import (delete_learner_data, export_learner_data, get_or_create_learner, load_profile,
                                log_recommendations, save_profile)
from assistant.support import add_feedback, open_handoff


def course(session, title: str) -> Course:
    return session.scalars(select(Course).where(Course.title == title)).first()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_enrolment_is_idempotent_records_the_purchase_and_closes_the_recommendation_loop(sample_catalog):
    with sample_catalog() as session, session.begin():
        paid = course(session, "Jazz Guitar Improvisation")
        learner = get_or_create_learner(session, "p1")
        session.flush()
        log_recommendations(session, learner, [(paid.id, 1.0, "why")], "hybrid/v1")
        first = enrol(session, "p1", paid)
        again = enrol(session, "p1", paid)
    assert (first.already_owned, first.kind, first.amount) == (False, "access", 95.0)
    assert again.already_owned
    with sample_catalog() as session:
        assert count(session, Enrolment) == 1 and count(session, Purchase) == 1
        assert session.scalars(select(RecommendationLog)).one().enrolled_at is not None


def test_audit_course_is_an_entitlement_at_no_cost(sample_catalog):
    with sample_catalog() as session, session.begin():
        result = enrol(session, "p2", course(session, "Introduction to Statistics"))
    assert (result.kind, result.amount) == ("audit", 0.0)


def test_profile_round_trip_and_unknown_fields_refused(sample_catalog):
    with sample_catalog() as session, session.begin():
        save_profile(session, "p3", {"goal": "become a data analyst", "weekly_hours": 5.0, "budget": 0.0})
        with pytest.raises(ValueError, match="unknown profile field"):
            save_profile(session, "p3", {"password": "x"})
    with sample_catalog() as session:
        assert load_profile(session, "p3") == {"goal": "become a data analyst", "weekly_hours": 5.0, "budget": 0.0}
        assert load_profile(session, "nobody") == {}


def test_export_shows_only_this_learner_and_delete_removes_every_row(sample_catalog):
    with sample_catalog() as session, session.begin():
        for key in ("alice", "bob"):
            save_profile(session, key, {"goal": f"goal of {key}"})
            enrol(session, key, course(session, "Excel Basics for Everyone"))
            add_feedback(session, key, f"feedback from {key}", 4, {"polarity": "positive"})
            open_handoff(session, key, f"conversation-{key}", "asked for a person", None)
    with sample_catalog() as session:
        alice = export_learner_data(session, "alice")
    assert alice["profile"]["goal"] == "goal of alice"
    assert [f["text"] for f in alice["feedback"]] == ["feedback from alice"]
    assert "bob" not in repr(alice)
    with sample_catalog() as session, session.begin():
        assert delete_learner_data(session, "alice") is True
        assert delete_learner_data(session, "alice") is False
    with sample_catalog() as session:
        assert export_learner_data(session, "alice") == {}
        assert count(session, Learner) == 1
        for model in (Enrolment, Purchase, Feedback, Handoff):
            assert count(session, model) == 1, model  # bob's rows stay
        assert count(session, Course) == 10  # the catalog is untouched


def test_one_open_handoff_per_learner(sample_catalog):
    with sample_catalog() as session, session.begin():
        first, new = open_handoff(session, "p4", "conv-4", "confused after a quiz", {"affect": "confused"})
        again, new_again = open_handoff(session, "p4", "conv-4", "asked again", None)
    assert new and not new_again and first.id == again.id


def test_feedback_rating_outside_1_to_5_is_refused(sample_catalog):
    with sample_catalog() as session, session.begin(), pytest.raises(ValueError, match="1 to 5"):
        add_feedback(session, "p5", "great", 9, None)


def test_guidance_service_records_quiz_results_and_completion(settings, sample_catalog):
    service = GuidanceService(sample_catalog, settings.cache_dir / "content-index")
    assert service.next_step("p6").outcome.code == "missing_goal"
    with sample_catalog() as session, session.begin():
        save_profile(session, "p6", {"goal": "data analysis with python", "level": "beginner", "weekly_hours": 4.0})
        enrol(session, "p6", course(session, "Data Analysis with Python"))
    low = service.record_quiz("p6", "pandas", 0.3)
    assert low.explanation.text
    bad = service.record_quiz("p6", "pandas", 1.4)
    assert bad.outcome.code == "bad_score" and "between 0 and 1" in bad.explanation.text
    with sample_catalog() as session:
        assert [(e.item, e.score) for e in session.scalars(select(LearningEvent))] == [("pandas", 0.3)]
        stats_id = course(session, "Introduction to Statistics").id
    done = service.complete_course("p6", stats_id)
    assert done.explanation.text
    with sample_catalog() as session:
        statuses = {e.course_id: e.status for e in session.scalars(select(Enrolment))}
    assert statuses[stats_id] == "completed"


def test_quiz_result_is_kept_when_the_profile_lacks_weekly_hours(settings, sample_catalog):
    service = GuidanceService(sample_catalog, settings.cache_dir / "content-index")
    with sample_catalog() as session, session.begin():
        save_profile(session, "p7", {"goal": "data analysis with python"})
    answer = service.record_quiz("p7", "html", 0.2)
    assert answer.outcome.code == "missing_hours"
    assert answer.explanation.text.startswith("I've saved your 20% on html.")
    assert "hours a week" in answer.explanation.text
    assert service.record_quiz("p7", "html", 1.4).outcome.code == "bad_score"
    with sample_catalog() as session:
        assert [(e.item, e.score) for e in session.scalars(select(LearningEvent))] == [("html", 0.2)]


def test_staff_prerequisite_overrides_reach_the_planner(settings, sample_catalog, tmp_path):
    overrides = tmp_path / "prerequisites.yml"
    overrides.write_text('version: "t1"\nadd:\n  - before: "Excel Basics for Everyone"\n'
                         '    after: "Guitar for Absolute Beginners"\n    reason: "staff say so"\n')
    graph = GuidanceService(sample_catalog, settings.cache_dir / "content-index", overrides).planner().graph
    added = [edge for edge in graph.edges.values() if edge.source == "override"]
    assert [(graph.courses[e.before].title, graph.courses[e.after].title, e.reason) for e in added] == [
        ("Excel Basics for Everyone", "Guitar for Absolute Beginners", "staff say so")]
    assert graph.override_version == "t1"
    overrides.write_text('add:\n  - before: "No Such Course"\n    after: "Excel Basics for Everyone"\n')
    with pytest.raises(OverrideError, match="No Such Course"):
        graph.apply_overrides(overrides)
    assert [e for e in graph.edges.values() if e.source == "override"] == added  # all or nothing


def test_a_broken_override_file_leaves_guidance_working(settings, sample_catalog, tmp_path, caplog):
    overrides = tmp_path / "prerequisites.yml"
    overrides.write_text('add:\n  - before: "No Such Course"\n    after: "Excel Basics for Everyone"\n')
    service = GuidanceService(sample_catalog, settings.cache_dir / "content-index", overrides)
    assert not [e for e in service.planner().graph.edges.values() if e.source == "override"]
    assert "prerequisite overrides not applied" in caplog.text
