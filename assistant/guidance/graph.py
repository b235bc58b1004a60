"""Prerequisite graph over catalog courses.

Edges ``before -> after`` mean "take ``before`` first". They come from three
sources, each kept with a plain-language reason:

* ``level``: within a subject, a lower-level course that is similar enough to
  a higher-level one (similarity from an optional matrix or callable, e.g. the
  recommender's text embeddings; TF-IDF over title and summary otherwise).
* ``text``: a prerequisite sentence in the description or syllabus
  ("Prerequisites: Relational Databases and SQL") that names another course.
* ``override``: a staff override file (YAML or CSV) that adds or removes edges.

The graph is kept acyclic: inferred text edges that would close a cycle are
dropped with a warning; an override that closes a cycle, or names an unknown
course, is an :class:`OverrideError` naming the offending edge.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .schema import CourseInfo

Similarity = np.ndarray | Callable[[CourseInfo, CourseInfo], float]


class OverrideError(ValueError):
    """A staff override cannot be applied; the message names the edge."""


@dataclass(frozen=True)
class Edge:
    """One prerequisite edge with its provenance."""

    before: Any
    after: Any
    source: str
    reason: str
    weight: float = 1.0


_PREREQ_RE = re.compile(
    r"(?:pre-?requisites?|required background|recommended background)\s*(?:\(s\))?\s*[:\-]\s*([^.;\n]{3,200})"
    r"|\(\s*pre-?requisites?\s*:\s*([^)]{3,200})\)"
    r"|(?:should|must) (?:have )?(?:completed|taken)\s+([^.;\n]{3,200})",
    re.IGNORECASE,
)
_NEGATION_RE = re.compile(r"\b(no|none|not required|not necessary|without)\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def prerequisite_phrases(text: str) -> list[str]:
    """Phrases named as prerequisites in a course text, negations dropped.

    >>> prerequisite_phrases("Prerequisites: Relational Databases and SQL. Fun!")
    ['Relational Databases and SQL']
    >>> prerequisite_phrases("There are no prerequisites for this course.")
    []
    """
    out = []
    for m in _PREREQ_RE.finditer(text or ""):
        phrase = next(g for g in m.groups() if g)
        head = text[max(0, m.start() - 12) : m.start()] + phrase[:12]
        if _NEGATION_RE.search(head) or _NEGATION_RE.match(phrase.strip()):
            continue
        out.append(phrase.strip())
    return out


def _tfidf_similarity(courses: Sequence[CourseInfo]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{c.title} {c.title} {c.summary}" for c in courses]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(texts)
    return (x @ x.T).toarray()


class PrerequisiteGraph:
    """Directed acyclic graph of course prerequisites.

    Args:
        courses: the catalog.
        similarity: (n, n) matrix aligned with ``courses``, or a callable
            ``f(a, b) -> float``; TF-IDF cosine when ``None``.
        min_similarity: similarity needed for a level edge.
        max_level_parents: at most this many level edges into each course.
    """

    def __init__(
        self,
        courses: Sequence[CourseInfo],
        similarity: Similarity | None = None,
        min_similarity: float = 0.25,
        max_level_parents: int = 2,
    ) -> None:
        self.courses = {c.id: c for c in courses}
        if len(self.courses) != len(courses):
            raise ValueError("course ids must be unique")
        self._order = list(courses)
        self.min_similarity = min_similarity
        self.max_level_parents = max_level_parents
        self.edges: dict[tuple[Any, Any], Edge] = {}
        self.warnings: list[str] = []
        self.override_version: str | None = None
        self._similarity = similarity
        self._infer()

    # --------------------------------------------------------------- building
    def _sim_matrix(self) -> np.ndarray:
        n = len(self._order)
        sim = self._similarity
        if sim is None:
            return _tfidf_similarity(self._order)
        if callable(sim):
            m = np.zeros((n, n))
            for i, a in enumerate(self._order):
                for j, b in enumerate(self._order):
                    if a.subject == b.subject and a.level_rank < b.level_rank:
                        m[i, j] = sim(a, b)
            return m
        m = np.asarray(sim, dtype=float)
        if m.shape != (n, n):
            raise ValueError(f"similarity matrix has shape {m.shape}, expected {(n, n)}")
        return m

    def _infer(self) -> None:
        sim = self._sim_matrix()
        order = self._order
        for j, c in enumerate(order):
            cands = [
                (sim[i, j], i)
                for i, p in enumerate(order)
                if p.subject == c.subject and p.level_rank < c.level_rank and sim[i, j] >= self.min_similarity
            ]
            for s, i in sorted(cands, reverse=True)[: self.max_level_parents]:
                p = order[i]
                self._add(Edge(p.id, c.id, "level",
                               f"'{p.title}' is a {p.level} {c.subject} course close in content to "
                               f"'{c.title}' ({c.level})", float(s)))
        by_title = {_norm(c.title): c for c in order if len(_norm(c.title)) >= 6}
        for c in order:
            for phrase in prerequisite_phrases(" ".join([c.description, c.syllabus, c.summary])):
                p_norm = _norm(phrase)
                for t_norm, p in by_title.items():
                    if p.id != c.id and (t_norm in p_norm or (len(p_norm) >= 6 and p_norm in t_norm)):
                        edge = Edge(p.id, c.id, "text",
                                    f"the description of '{c.title}' lists '{p.title}' as a prerequisite")
                        if self._creates_cycle(p.id, c.id):
                            self.warnings.append(f"dropped text edge {p.id!r} -> {c.id!r}: it would close a cycle")
                        else:
                            self._add(edge)

    def _add(self, edge: Edge) -> None:
        self.edges[(edge.before, edge.after)] = edge

    # ---------------------------------------------------------------- queries
    def parents(self, course_id: Any) -> list[Edge]:
        """Direct prerequisite edges into ``course_id``."""
        return [e for (b, a), e in self.edges.items() if a == course_id]

    def ancestors(self, course_id: Any) -> set[Any]:
        """All courses that come (directly or not) before ``course_id``."""
        seen: set[Any] = set()
        stack = [course_id]
        while stack:
            for e in self.parents(stack.pop()):
                if e.before not in seen:
                    seen.add(e.before)
                    stack.append(e.before)
        return seen

    def _creates_cycle(self, before: Any, after: Any) -> bool:
        return before == after or after in self.ancestors(before)

    def find_cycle(self) -> list[Any] | None:
        """A list of course ids forming a cycle, or ``None`` when acyclic."""
        children: dict[Any, list[Any]] = {}
        for b, a in self.edges:
            children.setdefault(b, []).append(a)
        color: dict[Any, int] = {}
        for root in self.courses:
            if color.get(root):
                continue
            stack = [(root, iter(children.get(root, [])))]
            path = [root]
            color[root] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    color[node] = 2
                    stack.pop()
                    path.pop()
                elif color.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                elif not color.get(nxt):
                    color[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(children.get(nxt, []))))
        return None

    def topological(self, ids: Iterable[Any]) -> list[Any]:
        """Order ``ids`` so prerequisites come first (ties: level, then title)."""
        ids = list(dict.fromkeys(ids))
        wanted = set(ids)
        indeg = {i: 0 for i in ids}
        for b, a in self.edges:
            if b in wanted and a in wanted:
                indeg[a] += 1

        def key(i: Any) -> tuple:
            c = self.courses[i]
            return (c.level_rank, c.title)

        ready = sorted([i for i in ids if indeg[i] == 0], key=key)
        out = []
        while ready:
            i = ready.pop(0)
            out.append(i)
            for b, a in self.edges:
                if b == i and a in wanted:
                    indeg[a] -= 1
                    if indeg[a] == 0:
                        ready.append(a)
            ready.sort(key=key)
        return out

    # -------------------------------------------------------------- overrides
    def apply_overrides(self, path: str | Path) -> PrerequisiteGraph:
        """Apply a staff override file; all-or-nothing.

        YAML: ``{version: "2026-12-01", add: [{before, after, reason}], remove: [{before, after}]}``.
        CSV: columns ``action,before,after,reason`` (action is add or remove);
        the version is the file name unless a ``# version:`` comment line is present.

        Raises:
            OverrideError: unknown course, unknown action, removal of a missing
                edge, or an added edge that closes a cycle. The message names
                the offending edge and where it is in the file.
        """
        path = Path(path)
        rows, version = _read_overrides(path)
        saved = dict(self.edges)
        try:
            for where, action, before, after, reason in rows:
                before = self._resolve(before, where)
                after = self._resolve(after, where)
                label = f"{self.courses[before].title!r} -> {self.courses[after].title!r} ({where})"
                if action == "remove":
                    if (before, after) not in self.edges:
                        raise OverrideError(f"cannot remove edge {label}: the graph has no such edge")
                    del self.edges[(before, after)]
                elif action == "add":
                    if self._creates_cycle(before, after):
                        cycle = [after, *self._path(after, before), after]
                        cyc = " -> ".join(repr(self.courses[i].title) for i in cycle)
                        raise OverrideError(f"override edge {label} would create a cycle: {cyc}")
                    self._add(Edge(before, after, "override", reason or "set by course staff"))
                else:
                    raise OverrideError(f"unknown action {action!r} in {where}; use add or remove")
        except OverrideError:
            self.edges = saved
            raise
        self.override_version = version
        return self

    def _path(self, src: Any, dst: Any) -> list[Any]:
        """A path of course ids from ``src`` to ``dst`` (exclusive of src)."""
        prev: dict[Any, Any] = {src: None}
        queue = [src]
        while queue:
            n = queue.pop(0)
            if n == dst:
                break
            for (b, a) in self.edges:
                if b == n and a not in prev:
                    prev[a] = n
                    queue.append(a)
        out, n = [], dst
        while n is not None and n != src:
            out.append(n)
            n = prev.get(n)
        return out[::-1]

    def _resolve(self, key: Any, where: str) -> Any:
        if key in self.courses:
            return key
        for cid in self.courses:
            if str(cid) == str(key):
                return cid
        matches = [c.id for c in self._order if _norm(c.title) == _norm(str(key))]
        if len(matches) == 1:
            return matches[0]
        raise OverrideError(f"{where}: course {key!r} is not in the catalog")


def _read_overrides(path: Path) -> tuple[list[tuple[str, str, Any, Any, str]], str]:
    if not path.exists():
        raise OverrideError(f"override file {path.name} does not exist")
    rows: list[tuple[str, str, Any, Any, str]] = []
    version = path.stem
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml

        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise OverrideError(f"{path.name} is not valid YAML: {exc}") from None
        if not isinstance(doc, dict):
            raise OverrideError(f"{path.name}: expected a mapping with 'add' and/or 'remove'")
        version = str(doc.get("version", version))
        for action in ("remove", "add"):
            for i, item in enumerate(doc.get(action) or []):
                where = f"{path.name} {action}[{i}]"
                if not isinstance(item, dict) or "before" not in item or "after" not in item:
                    raise OverrideError(f"{where}: each edge needs 'before' and 'after'")
                rows.append((where, action, item["before"], item["after"], str(item.get("reason", ""))))
        return rows, version
    lines = path.read_text().splitlines()
    body = []
    for ln in lines:
        if ln.startswith("#"):
            m = re.match(r"#\s*version\s*:\s*(\S+)", ln)
            if m:
                version = m.group(1)
        else:
            body.append(ln)
    reader = csv.DictReader(body)
    missing = {"action", "before", "after"} - set(reader.fieldnames or [])
    if missing:
        raise OverrideError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    for n, rec in enumerate(reader, start=2):
        rows.append((f"{path.name} line {n}", (rec["action"] or "").strip().lower(),
                     rec["before"].strip(), rec["after"].strip(), (rec.get("reason") or "").strip()))
    # removals first so a file can replace an edge
    rows.sort(key=lambda r: r[1] != "remove")
    return rows, version
