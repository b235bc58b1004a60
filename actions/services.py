"""Process-wide services shared by the actions, created on first use."""

from __future__ import annotations

import logging
from functools import lru_cache

from assistant.config import Settings
from assistant.course_search import CourseSearch
from assistant.db.engine import session_factory
from assistant.guidance_service import GuidanceService
from assistant.identity import pseudonym
from assistant.recommender import CourseRecommender

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def sessions():  # type: ignore[no-untyped-def]
    return session_factory(settings().db_url)


@lru_cache(maxsize=1)
def course_search() -> CourseSearch:
    return CourseSearch(sessions(), settings().cache_dir / "content-index")


@lru_cache(maxsize=1)
def recommender() -> CourseRecommender:
    return CourseRecommender(course_search(), settings().models_dir)


@lru_cache(maxsize=1)
def guidance() -> GuidanceService:
    return GuidanceService(sessions(), settings().cache_dir / "content-index", settings().prerequisites_file)


def learner_key(sender_id: str) -> str:
    """The learner's pseudonym; the raw sender id never reaches the database."""
    return pseudonym(sender_id, settings().secret("pseudonym_key"))
