"""Content model: the cold-start and free-text part of the recommender.

Courses are embedded once from their own text (title, subject, summary,
description, syllabus) and cached on disk under a digest of that text, so a
catalog change rebuilds the index and nothing else does. A learner's request
("python for data analysis") is embedded at query time and compared by cosine
similarity. It needs no interaction history, which is why it serves new
learners and free-text requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from recsys import embeddings

# MiniLM reads at most 256 word pieces; the first characters matter most.
_TEXT_CHARS = 1200


class CourseText(Protocol):
    id: int
    title: str
    subject: str
    summary: str
    description: str
    syllabus: str


def course_text(course: CourseText) -> str:
    parts = [course.title, course.subject, course.summary, course.description, course.syllabus]
    return ". ".join(part.strip() for part in parts if part and part.strip())[:_TEXT_CHARS]


@dataclass(frozen=True)
class CourseIndex:
    """Course embeddings in a fixed order: ``vectors[i]`` belongs to ``course_ids[i]``."""

    course_ids: np.ndarray  # (n,) int64
    vectors: np.ndarray  # (n, 384) float32, L2-normalised
    digest: str

    @classmethod
    def build(cls, courses: Sequence[CourseText], cache_dir: Path | None = None, progress: bool = False) -> CourseIndex:
        """Embed ``courses``, reusing ``cache_dir/<digest>.npz`` when present."""
        texts = [course_text(course) for course in courses]
        ids = np.array([course.id for course in courses], dtype=np.int64)
        digest = hashlib.sha256(
            "\x1e".join([embeddings.MODEL_NAME, *(f"{i}\x1f{t}" for i, t in zip(ids, texts))]).encode()
        ).hexdigest()[:20]
        path = cache_dir / f"content-index-{digest}.npz" if cache_dir else None
        if path is not None and path.exists():
            try:
                with np.load(path) as cached:
                    return cls(cached["course_ids"], cached["vectors"], digest)
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)  # corrupt cache: rebuild below
        vectors = embeddings.encode(texts, progress=progress)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez(tmp, course_ids=ids, vectors=vectors)
            tmp.replace(path)
        return cls(ids, vectors, digest)


@dataclass(frozen=True)
class Match:
    course_id: int
    similarity: float


class ContentModel:
    """Rank courses by cosine similarity between a request and their text."""

    def __init__(self, index: CourseIndex, min_similarity: float = 0.38) -> None:
        self.index = index
        self.min_similarity = min_similarity
        self._position = {int(cid): i for i, cid in enumerate(index.course_ids)}

    def similarities(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` to every course, in index order."""
        return self.index.vectors @ embeddings.encode([query])[0]

    def search(self, query: str, n: int, candidate_ids: Sequence[int] | None = None) -> list[Match]:
        """The ``n`` most similar courses among ``candidate_ids`` (all when None).

        Courses below ``min_similarity`` are left out: an empty list means the
        catalog has nothing on that topic.
        """
        scores = self.similarities(query)
        if candidate_ids is None:
            positions = np.arange(len(scores))
        else:
            positions = np.array([self._position[c] for c in candidate_ids if c in self._position], dtype=np.int64)
        if positions.size == 0 or n <= 0:
            return []
        candidate_scores = scores[positions]
        top = positions[np.argsort(-candidate_scores, kind="stable")[: max(n, 0)]]
        return [
            Match(int(self.index.course_ids[p]), float(scores[p]))
            for p in top
            if scores[p] >= self.min_similarity
        ]
