"""Course recommendations for one learner: the hybrid model over the topic search.

* With a topic, the content search finds the on-topic courses that fit the
  budget and level; they are then ranked by relevance to the request plus
  either the hybrid's score for this learner (when they have a history the
  model knows) or course popularity (cold start).
* Without a topic, a learner with a history gets the hybrid's own list,
  under the same business rules.

Every answer names the model that produced it (``model_version``), which is
what the recommendation log records.

The recommender follows promotions and rollbacks without a restart: each
request compares the ``CURRENT`` file's inode and mtime with the ones it
loaded and reloads when they differ.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from pathlib import Path

import numpy as np

from assistant.budget import Budget
from assistant.course_search import MODEL_VERSION as CONTENT_VERSION
from assistant.course_search import CourseHit, CourseSearch, SearchResult
from recsys import artifacts, explain
from recsys.rules import Filters

CANDIDATES = 30  # on-topic courses re-ranked per request
POPULARITY_WEIGHT = 0.3  # cold start: relevance first, popularity breaks near-ties
COLD_START_VERSION = f"content+popularity/{CONTENT_VERSION}"
logger = logging.getLogger(__name__)


def hybrid_label(version: str) -> str:
    """How answers and the recommendation log name a hybrid artifact version."""
    return f"hybrid/{version}"


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() + 1e-8)


class CourseRecommender:
    """Serves the production hybrid artifact under ``root`` (loaded on first use)."""

    def __init__(self, search: CourseSearch, root: Path | None = None) -> None:
        self.search = search
        self._root = root
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._model = None
        self._version: str | None = None
        self._column: dict[int, int] = {}
        self._stamp: tuple[int, int, int] | None = None

    @property
    def version(self) -> str | None:
        """The artifact version being served (None before the first load or without any)."""
        return self._version

    def load(self) -> str | None:
        """(Re)load the production artifact; return its version, or None when there is none."""
        version = artifacts.current_version(self._root)
        if version is None or version == self._version:
            return self._version
        model = artifacts.load_model(version, self._root)
        with self._lock:
            self._model, self._version = model, version
            self._column = {int(cid): i for i, cid in enumerate(model.catalog["id"])}
        logger.info("recommender: serving model %s", version)
        return self._version

    def _loaded(self):  # type: ignore[no-untyped-def]
        stamp = artifacts.current_stamp(self._root)
        if self._model is None or stamp != self._stamp:
            with self._reload_lock:
                if self._model is None or stamp != self._stamp:
                    self._stamp = stamp
                    try:
                        self.load()
                    except artifacts.ArtifactError:
                        logger.exception("recommender: keeping model %s; the promoted one does not load",
                                         self._version)
        with self._lock:
            return self._model, self._version, self._column

    def recommend(self, topic: str | None, history: Collection[int], budget: Budget | None = None,
                  level: str | None = None, n: int = 3, exclude: Collection[int] = (),
                  max_weekly_hours: float | None = None) -> SearchResult:
        """Up to ``n`` courses for a learner who owns or finished ``history`` (course ids),
        leaving out ``exclude`` too (say, the list the learner just saw)."""
        model, version, column = self._loaded()
        known = [column[c] for c in history if c in column]
        left_out = frozenset(history) | frozenset(exclude)
        if topic:
            return self._on_topic(topic, left_out, known, budget, level, n, max_weekly_hours)
        if model is None or not known:
            return SearchResult([], 0)
        return self._from_history(known, left_out, budget, level, n, max_weekly_hours)

    def _on_topic(self, topic: str, owned: frozenset[int], known: list[int], budget: Budget | None,
                  level: str | None, n: int, max_weekly_hours: float | None) -> SearchResult:
        found = self.search.search(topic, budget, level, CANDIDATES, exclude_ids=owned,
                                   max_weekly_hours=max_weekly_hours)
        if not found.hits:
            return found
        model, version, column = self._loaded()
        relevance = _z(np.array([hit.score for hit in found.hits]))
        cols = [column.get(hit.course.id) for hit in found.hits]
        if model is not None and known and all(c is not None for c in cols):
            row = model.history_row(known)
            fit = _z(model.score(row)[0][cols].astype(np.float64))
            order = np.argsort(-(relevance + fit), kind="stable")[:n]
            hits = [self._with_link(found.hits[i], model, cols[i], known) for i in order]
            return SearchResult(hits, found.topic_matches, model_version=hybrid_label(version))
        popularity = _z(np.log1p(np.array([max(hit.course.popularity or 0, 0) for hit in found.hits], float)))
        order = np.argsort(-(relevance + POPULARITY_WEIGHT * popularity), kind="stable")[:n]
        return SearchResult([found.hits[i] for i in order], found.topic_matches, model_version=COLD_START_VERSION)

    @staticmethod
    def _with_link(hit: CourseHit, model, col: int, known: list[int]) -> CourseHit:  # type: ignore[no-untyped-def]
        link = explain.strongest_link(model, col, np.asarray(known, dtype=np.int64))
        if link is None:
            return hit
        taken = explain.course_name(model, link[0])
        return CourseHit(hit.course, hit.score, f"learners who took {taken} also took this; {hit.reason}")

    def _from_history(self, known: list[int], owned: frozenset[int], budget: Budget | None,
                      level: str | None, n: int, max_weekly_hours: float | None) -> SearchResult:
        model, version, column = self._loaded()
        courses = self.search.courses()
        filters = Filters(
            exclude=[column[c] for c in owned if c in column],
            budget=None if budget is None else (0.0 if budget.free_only else budget.limit),
            levels={level} if level else None,
            max_weekly_hours=max_weekly_hours,
        )
        recs = model.recommend(known, n=n, filters=filters)
        hits = [CourseHit(courses[r.course_id], r.score, r.reason) for r in recs if r.course_id in courses]
        return SearchResult(hits, len(hits), model_version=hybrid_label(version))
