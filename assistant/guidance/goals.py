"""Turning a learner's goal (free text or a course) into relevance scores.

Career goals ("become a data analyst") are expanded with a small, editable
table of topic keywords; anything else is matched on its own words. Scores
come from an optional callable (e.g. the recommender's sentence embeddings)
or from TF-IDF cosine over course title and summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .schema import CourseInfo

GoalScorer = Callable[[str], np.ndarray]

CAREER_TOPICS: dict[str, str] = {
    "data analyst": "data analysis analytics sql databases excel statistics data visualization",
    "data scientist": "data science machine learning python statistics data analysis",
    "machine learning engineer": "machine learning deep learning python neural networks",
    "web developer": "web development html css javascript front-end",
    "software developer": "programming software development python java computer science",
    "software engineer": "programming software engineering python java algorithms",
    "programmer": "programming python java computer science",
    "project manager": "project management agile leadership",
    "product manager": "product management business strategy",
    "marketer": "marketing digital marketing analytics",
    "accountant": "accounting finance financial statements",
    "financial analyst": "finance financial analysis accounting investment",
    "ux designer": "user experience design ux interaction design",
    "entrepreneur": "entrepreneurship startup business",
}


@dataclass(frozen=True)
class Goal:
    """A parsed goal.

    Attributes:
        text: the learner's words.
        course_id: set when the goal names a catalog course.
        topics: the text used for matching.
        career: matched career key, if any.
    """

    text: str
    course_id: Any = None
    topics: str = ""
    career: str | None = None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def parse_goal(text: str, courses: Sequence[CourseInfo]) -> Goal:
    """Recognise a course id/title or a career in ``text``."""
    norm = _norm(text)
    for c in courses:
        if str(c.id) == text.strip() or _norm(c.title) == norm:
            return Goal(text, course_id=c.id, topics=c.title)
    for career, topics in CAREER_TOPICS.items():
        if career in norm or career.rstrip("r") in norm:
            return Goal(text, topics=f"{career} {topics}", career=career)
    return Goal(text, topics=text)


class TfidfGoalScorer:
    """Cosine similarity of a goal text to each course (title weighted twice).

    Args:
        courses: the catalog, in the order scores are returned.
    """

    def __init__(self, courses: Sequence[CourseInfo]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
        self._x = self._vec.fit_transform([f"{c.title} {c.title} {c.summary} {c.subject}" for c in courses])

    def __call__(self, text: str) -> np.ndarray:
        q = self._vec.transform([text])
        return (self._x @ q.T).toarray().ravel()
