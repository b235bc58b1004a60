"""Shared fixtures for the Python 3.11 test suite."""

from __future__ import annotations

import io
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from assistant import observability
from assistant.config import PROJECT_ROOT, Settings
from assistant.db.engine import session_factory
from assistant.db.migrate import upgrade

SHARED_DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def shared_data(*parts: str) -> Path:
    """A path under the real datasets; skips the test when they are absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real dataset not available: {path}")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The JSON log lines written while the test runs; the logging set-up is restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    observability.configure_logging(stream=stream)
    yield stream
    root.handlers, root.level = saved_handlers, saved_level
    observability.bind(None, None)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-profile settings isolated in a temporary folder.

    The model cache stays shared (it is keyed by content hash) so tests reuse
    trained models and embeddings between runs.
    """
    base = Settings.from_env()
    return replace(base, var_dir=tmp_path / "var", db_url=f"sqlite:///{tmp_path / 'var' / 'assistant.db'}",
                   models_dir=tmp_path / "models")


@pytest.fixture
def sessions(settings: Settings) -> sessionmaker[Session]:
    upgrade(settings.db_url)
    return session_factory(settings.db_url)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A clean schema on the local PostgreSQL; CI must have it, elsewhere it may skip."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS pathwise_test CASCADE"))
            connection.execute(text("CREATE SCHEMA pathwise_test"))
    except OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    finally:
        engine.dispose()
    yield POSTGRES_URL + "?options=-csearch_path%3Dpathwise_test"


TINY_UDEMY = """course_id,course_title,url,is_paid,price,num_subscribers,num_reviews,num_lectures,level,content_duration,published_timestamp,subject
1,Python for Data Analysis with Pandas,https://udemy.example/1,TRUE,45,9000,10,30,Beginner Level,6,2017-01-01T00:00:00Z,Web Development
2,Advanced Data Science in Python,https://udemy.example/2,TRUE,120,5000,10,30,Expert Level,12,2017-01-01T00:00:00Z,Web Development
3,Guitar for Absolute Beginners,https://udemy.example/3,TRUE,20,8000,10,30,Beginner Level,3,2017-01-01T00:00:00Z,Musical Instruments
4,Jazz Guitar Improvisation,https://udemy.example/4,TRUE,95,3000,10,30,Intermediate Level,5,2017-01-01T00:00:00Z,Musical Instruments
5,Financial Modeling in Excel,https://udemy.example/5,TRUE,75,4000,10,30,Intermediate Level,4,2017-01-01T00:00:00Z,Business Finance
6,Excel Basics for Everyone,https://udemy.example/6,FALSE,0,20000,10,30,All Levels,2,2017-01-01T00:00:00Z,Business Finance
7,Logo Design Fundamentals,https://udemy.example/7,TRUE,30,2500,10,30,Beginner Level,2,2017-01-01T00:00:00Z,Graphic Design
8,Python for Data Analysis with Pandas,https://udemy.example/8,TRUE,40,100,1,30,Beginner Level,6,2017-01-01T00:00:00Z,Web Development
"""
TINY_EDX = (
    "title,summary,n_enrolled,course_type,institution,instructors,Level,subject,language,subtitles,"
    "course_effort,course_length,price,course_description,course_syllabus,course_url\n"
    "Introduction to Statistics,Learn descriptive statistics and probability,\"12,000\",Self-paced,StatsU,A,"
    "Introductory,Data Analysis & Statistics,English,English,2–3 hours per week,6 Weeks,"
    "FREE-Add a Verified Certificate for $99 USD,Means medians variance and hypothesis tests.,,"
    "https://edx.example/course/intro-stats\n"
    "Data Analysis with Python,Analyze data with Python and pandas,\"30,000\",Self-paced,DataU,B,"
    "Introductory,Data Analysis & Statistics,English,English,3–5 hours per week,5 Weeks,"
    "FREE-Add a Verified Certificate for $49 USD,Load clean and visualise data with pandas and matplotlib.,,"
    "https://edx.example/course/data-analysis-python\n"
)


def write_tiny_catalog(folder: Path) -> list[Path]:
    """Ten hand-made courses in the edX and Udemy export formats (one duplicate title)."""
    udemy, edx = folder / "tiny_udemy.csv", folder / "tiny_edx.csv"
    udemy.write_text(TINY_UDEMY, encoding="utf-8")
    edx.write_text(TINY_EDX, encoding="utf-8")
    return [edx, udemy]


@pytest.fixture
def sample_catalog(sessions, tmp_path: Path):
    """A learner database holding the ten courses of :func:`write_tiny_catalog`."""
    from assistant.catalog.importer import import_catalog

    for path in write_tiny_catalog(tmp_path):
        with sessions() as session, session.begin():
            report = import_catalog(session, path, progress=False)
            assert not report.errors, report.errors
    return sessions


@pytest.fixture
def action_services(settings, sample_catalog, monkeypatch):
    """Point the action server's services at the test database."""
    from actions import services

    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("ASSISTANT_DB_URL", settings.db_url)
    monkeypatch.setenv("PATHWISE_MODELS_DIR", str(settings.models_dir))
    cached = (services.settings, services.sessions, services.course_search, services.recommender)
    for function in cached:
        function.cache_clear()
    yield services
    for function in cached:
        function.cache_clear()
