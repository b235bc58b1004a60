"""Course search: topic similarity (content model) plus budget and level filters.

This is the cold-start and free-text path of the recommender: it needs no
learner history. The catalog is read from the learner database once and kept
in memory; :meth:`CourseSearch.refresh` reloads it after a re-import.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.budget import Budget
from assistant.catalog.normalize import LEVELS
from assistant.db.models import Course
from recsys.content import ContentModel, CourseIndex

MODEL_VERSION = "content-minilm-v1"


@dataclass(frozen=True)
class CourseHit:
    course: Course
    score: float  # higher is better; comparable within one list only
    reason: str


@dataclass(frozen=True)
class SearchResult:
    """``hits`` is the answer. When it is empty, ``topic_matches`` says whether
    the topic exists at all, and ``cheapest`` is the cheapest on-topic course
    that the filters excluded (to suggest what would work)."""

    hits: list[CourseHit]
    topic_matches: int
    cheapest: Course | None = None
    model_version: str = MODEL_VERSION


def price_text(course: Course) -> str:
    if course.price_kind == "free":
        return "free"
    if course.price_kind == "audit":
        if course.certificate_price:
            return f"free to audit, ${course.certificate_price:g} for the certificate"
        return "free to audit"
    return f"${course.price:g}"


def effort_text(course: Course) -> str:
    low, high = course.weekly_hours_min, course.weekly_hours_max
    if low and high:
        weekly = f"{low:g}–{high:g} h/week" if high != low else f"{low:g} h/week"
        return f"{weekly} for {course.length_weeks:g} weeks" if course.length_weeks else weekly
    if course.total_hours:
        hours = round(course.total_hours, 1)
        return f"{hours:g} hour{'s' if hours != 1 else ''} of video, self-paced"
    return "self-paced"


def title_key(title: str) -> str:
    """A title reduced to lowercase words, for matching and de-duplication."""
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


class CourseSearch:
    def __init__(self, sessions: sessionmaker[Session], cache_dir: Path | None, min_similarity: float = 0.38) -> None:
        self._sessions = sessions
        self._cache_dir = cache_dir
        self._min_similarity = min_similarity
        self._lock = threading.Lock()
        self._courses: dict[int, Course] | None = None
        self._model: ContentModel | None = None

    def refresh(self, progress: bool = False) -> int:
        """(Re)load the catalog and its embeddings; return the number of courses."""
        with self._sessions() as session:
            courses = list(session.scalars(select(Course).order_by(Course.id)))
        index = CourseIndex.build(courses, self._cache_dir, progress=progress)
        with self._lock:
            self._courses = {course.id: course for course in courses}
            self._model = ContentModel(index, self._min_similarity)
        return len(courses)

    def _loaded(self) -> tuple[dict[int, Course], ContentModel]:
        if self._model is None or self._courses is None:
            self.refresh()
        assert self._model is not None and self._courses is not None
        return self._courses, self._model

    def courses(self) -> dict[int, Course]:
        """The loaded catalog by course id."""
        return self._loaded()[0]

    def search(
        self,
        query: str,
        budget: Budget | None = None,
        level: str | None = None,
        n: int = 3,
        exclude_ids: frozenset[int] = frozenset(),
        max_weekly_hours: float | None = None,
    ) -> SearchResult:
        """The ``n`` best on-topic courses that pass the budget, level and weekly-time filters
        (a course whose stated minimum weekly effort exceeds ``max_weekly_hours`` is left out;
        self-paced courses without a weekly figure always fit)."""
        courses, model = self._loaded()
        if level is not None and level not in LEVELS:
            raise ValueError(f"unknown level {level!r}")
        on_topic = model.search(query, n=len(courses))
        hits: list[CourseHit] = []
        seen_titles: set[str] = set()
        cheapest: Course | None = None
        for match in on_topic:
            course = courses[match.course_id]
            if course.id in exclude_ids:
                continue
            fits_budget = budget is None or budget.allows(course.price)
            fits_level = level is None or course.level == level
            fits_time = max_weekly_hours is None or not course.weekly_hours_min \
                or course.weekly_hours_min <= max_weekly_hours
            if not fits_time:
                continue
            if not (fits_budget and fits_level):
                if fits_level and (cheapest is None or course.price < cheapest.price):
                    cheapest = course
                continue
            key = title_key(course.title)
            if key in seen_titles:
                continue  # the catalog lists some courses twice under one title
            seen_titles.add(key)
            hits.append(CourseHit(course, match.similarity, self._reason(query, course, budget, level)))
            if len(hits) == n:
                break
        return SearchResult(hits, len(on_topic), None if hits else cheapest)

    @staticmethod
    def _reason(query: str, course: Course, budget: Budget | None, level: str | None) -> str:
        parts = [f"matches \u201c{query[:60].strip()}\u201d"]
        if level:
            parts.append(f"{level} level")
        if course.price_kind == "audit":
            parts.append(price_text(course))
        elif budget is not None and budget.limit is not None and not budget.free_only and course.price > 0:
            parts.append(f"fits your {budget.amount()} budget")
        elif course.price_kind == "free":
            parts.append("free")
        return "; ".join(parts)
