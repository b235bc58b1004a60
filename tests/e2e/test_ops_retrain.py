"""End-to-end ops: retrain, promote and roll back the recommender under the running servers.

Served by A -> new real enrolments -> ``retrain`` promotes B -> the next list
is logged as B (no restart) -> ``rollback`` -> A again; ``/metrics`` shows the
online figures per version and the action counters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from assistant.config import PROJECT_ROOT
from assistant.db.engine import session_factory
from assistant.db.models import Course, Enrolment, Learner, RecommendationLog
from assistant.identity import pseudonym
from assistant.learners import get_or_create_learner
from assistant.recommender import hybrid_label
from recsys import artifacts
from tests.e2e.conftest import texts

pytestmark = pytest.mark.e2e

REQUEST = "I want to learn python for data analysis"


def _cli(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ASSISTANT_VAR_DIR=str(settings.var_dir), ASSISTANT_DB_URL=settings.db_url,
               ASSISTANT_CACHE_DIR=str(settings.cache_dir), PATHWISE_MODELS_DIR=str(settings.models_dir),
               HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)


def _served_version(settings, sender: str) -> str:
    """The model version of the latest list shown to this conversation's learner."""
    with session_factory(settings.db_url)() as session:
        key = pseudonym(sender, settings.secret("pseudonym_key"))
        return session.scalar(select(RecommendationLog.model_version).join(Learner)
                              .where(Learner.pseudonym == key).order_by(RecommendationLog.id.desc()).limit(1))


def _add_real_learners(settings, count: int = 6) -> None:
    """New learners with two or three enrolments each: new data for the retrain."""
    sessions = session_factory(settings.db_url)
    start = datetime.now(timezone.utc)
    with sessions() as session, session.begin():
        courses = session.scalars(select(Course.id).where(Course.subject.ilike("%data%")).order_by(Course.id)
                                  .limit(3 * count)).all()
        for n in range(count):
            learner = get_or_create_learner(session, f"ops-e2e-learner-{n}")
            session.flush()
            for step, course in enumerate(courses[3 * n: 3 * n + 2 + n % 2]):
                session.add(Enrolment(learner_id=learner.id, course_id=course,
                                      enrolled_at=start + timedelta(minutes=step)))


def test_retrain_promote_and_rollback_switch_the_served_model(servers, e2e_settings, rest_chat):
    models = e2e_settings.models_dir
    version_a = artifacts.current_version(models)
    assert version_a is not None
    try:
        assert "1." in texts(rest_chat.say(REQUEST))
        assert "Level:" in texts(rest_chat.say("tell me about the first one"))
        assert "enrolled" in texts(rest_chat.say("enrol me in the first one"))
        rest_chat.say(REQUEST)  # now with a history the model knows
        assert _served_version(e2e_settings, rest_chat.sender) == hybrid_label(version_a)

        _add_real_learners(e2e_settings)
        # A wide tolerance: whether B beats A on a few new learners is training noise; the
        # promotion gate itself is tested in tests/ops/test_gate.py.
        retrain = _cli(e2e_settings, "retrain", "--rasa-url", servers.rasa_url, "--tolerance", "1")
        assert retrain.returncode == 0, retrain.stdout + retrain.stderr
        last_line = retrain.stdout.strip().splitlines()[-1]
        assert last_line.startswith("recommender: promoted"), retrain.stdout
        version_b = artifacts.current_version(models)
        assert version_b != version_a and f"(was {version_a})" in last_line
        assert "already served by" in retrain.stdout  # the Rasa inputs did not change
        reports = sorted((e2e_settings.var_dir / "reports").glob("retrain-*/report.json"))
        assert reports and (reports[-1].parent / "held_back.png").exists()
        assert version_b in (reports[-1].parent / "report.md").read_text()

        rest_chat.say(REQUEST)
        assert _served_version(e2e_settings, rest_chat.sender) == hybrid_label(version_b)

        listed = _cli(e2e_settings, "models", "list")
        assert listed.returncode == 0 and f"* {version_b}" in listed.stdout

        back = _cli(e2e_settings, "rollback")
        assert back.returncode == 0, back.stderr
        assert artifacts.current_version(models) == version_a
        rest_chat.say(REQUEST)
        assert _served_version(e2e_settings, rest_chat.sender) == hybrid_label(version_a)

        bad = _cli(e2e_settings, "rollback", "no-such-version")
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1

        metrics = requests.get(servers.action_url.rsplit("/webhook", 1)[0] + "/metrics", timeout=30)
        assert metrics.status_code == 200
        body = metrics.text
        for version in (version_a, version_b):
            assert f'pathwise_recommendation_impressions{{model_version="{hybrid_label(version)}"}}' in body
            assert f'pathwise_recommendations_served_total{{model_version="{hybrid_label(version)}"}}' in body
        assert 'pathwise_recommendation_click_through_rate{model_version="content+popularity' in body
        assert 'pathwise_action_requests_total{action="action_recommend_courses"}' in body
        assert 'pathwise_action_latency_seconds_bucket{action="action_recommend_courses",le="0.5"}' in body
        assert "pathwise_fallbacks_total" in body and "pathwise_handoffs_total" in body
        health = requests.get(servers.action_url.rsplit("/webhook", 1)[0] + "/health", timeout=30)
        assert health.json() == {"status": "ok"}
    finally:
        if artifacts.current_version(models) != version_a:
            artifacts.promote(version_a, models)
