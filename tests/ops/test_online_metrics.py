"""Online figures per model version from the recommendation log, and their Prometheus gauges."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from assistant.db.models import Course
from assistant.enrolment import enrol
from assistant.learners import get_or_create_learner, log_recommendations, mark_clicked
from assistant.observability import OnlineMetricsCollector
from assistant.ops.online_metrics import online_metrics
from tests.ops.conftest import course_id


def _show(sessions, learner: str, titles: list[str], version: str) -> None:
    with sessions() as session, session.begin():
        row = get_or_create_learner(session, learner)
        session.flush()
        log_recommendations(session, row, [(course_id(sessions, t), 1.0, "") for t in titles], version)


def test_impressions_clicks_and_enrolments_per_version(sample_catalog):
    guitar, jazz, logo = "Guitar for Absolute Beginners", "Jazz Guitar Improvisation", "Logo Design Fundamentals"
    _show(sample_catalog, "ana", [guitar, jazz], "hybrid/A")
    _show(sample_catalog, "ana", [logo, guitar], "hybrid/B")
    _show(sample_catalog, "ben", [jazz, logo], "hybrid/B")
    with sample_catalog() as session, session.begin():
        assert mark_clicked(session, "ana", course_id(sample_catalog, guitar))  # the latest showing: B's list
        assert not mark_clicked(session, "ana", course_id(sample_catalog, guitar))  # counted once
        assert not mark_clicked(session, "ana", course_id(sample_catalog, "Excel Basics for Everyone"))  # never shown
        assert mark_clicked(session, "ana", course_id(sample_catalog, jazz))  # only A showed it to ana
        enrol(session, "ben", session.get(Course, course_id(sample_catalog, logo)))
    figures = online_metrics(sample_catalog)
    assert figures["hybrid/A"].as_dict() == {"impressions": 2, "lists": 1, "clicks": 1, "enrolments": 0,
                                             "click_through_rate": 0.5, "enrolment_rate": 0.0}
    assert (figures["hybrid/B"].impressions, figures["hybrid/B"].lists) == (4, 2)
    assert figures["hybrid/B"].click_through_rate == 0.25 and figures["hybrid/B"].enrolment_rate == 0.25

    registry = CollectorRegistry()
    registry.register(OnlineMetricsCollector(lambda: sample_catalog))
    text = generate_latest(registry).decode()
    assert 'pathwise_recommendation_impressions{model_version="hybrid/B"} 4.0' in text
    assert 'pathwise_recommendation_click_through_rate{model_version="hybrid/A"} 0.5' in text
    assert 'pathwise_recommendation_enrolment_rate{model_version="hybrid/B"} 0.25' in text
