"""JSON logs carry the conversation id; logged errors count per action."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client import REGISTRY

from assistant import observability


def test_log_lines_are_json_with_the_conversation_and_action(log_stream):
    observability.bind("learner-42", "action_recommend_courses")
    logging.getLogger("actions.recommendation").info("served %d courses", 3)
    line = json.loads(log_stream.getvalue().splitlines()[-1])
    assert line["message"] == "served 3 courses" and line["level"] == "INFO"
    assert line["conversation_id"] == "learner-42" and line["action"] == "action_recommend_courses"
    assert line["logger"] == "actions.recommendation" and line["time"]


def test_errors_are_counted_per_action(log_stream):
    def errors() -> float:
        return REGISTRY.get_sample_value("pathwise_action_errors_total", {"action": "action_enrol"}) or 0.0

    before = errors()
    observability.bind("learner-7", "action_enrol")
    try:
        raise RuntimeError("database gone")
    except RuntimeError:
        logging.getLogger("actions.courses").exception("enrolment failed")
    logging.getLogger("actions.courses").warning("not an error")
    assert errors() == before + 1
    line = json.loads(log_stream.getvalue().splitlines()[0])
    assert line["conversation_id"] == "learner-7" and "RuntimeError: database gone" in line["exc_info"]


def test_metrics_render_in_prometheus_text_format():
    observability.RECOMMENDATIONS_SERVED.labels("hybrid/test").inc()
    body, content_type = observability.render_metrics()
    assert content_type.startswith("text/plain")
    assert b'pathwise_recommendations_served_total{model_version="hybrid/test"}' in body
