"""Knowledge-tracing data: loading the DKVMN-format files and fixing the leak.

The ASSISTments 2009 "updated" files of the DKVMN repository store each
student as three lines: the number of responses, the skill ids and the
correctness (0/1). Responses to a question tagged with several skills were
expanded into one row per skill, and those rows sit next to each other with
the same correctness. A model that sees row ``t-1`` before predicting row
``t`` then simply copies the answer (the well-known multi-skill leak).

The split has no question ids, so :func:`find_combo_pairs` recovers the
expansion from the *training* data only: an ordered pair of different skills
that follows itself many times and always with identical correctness is a
multi-skill tag, not two questions. :func:`group_starts` then marks, using
skill ids only (never the answers), which rows belong to one question. The
leak-free protocol predicts every row of a question from the history before
the question.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

ASSIST_PREFIX = "assist2009_updated"


def shared_data_dir() -> Path:
    """Location of the shared real datasets.

    Returns:
        ``$ASSISTANT_SHARED_DATA`` if set, else ``<project root>/../shared/data``.
    """
    env = os.environ.get("ASSISTANT_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


@dataclass
class Sequence:
    """One student's responses in time order.

    Attributes:
        skills: int array (T,) of skill ids (1-based as in the files).
        correct: int array (T,) of 0/1 answers.
    """

    skills: np.ndarray
    correct: np.ndarray

    def __len__(self) -> int:
        return len(self.skills)


def load_sequences(path: str | Path) -> list[Sequence]:
    """Read a DKVMN three-lines-per-student file.

    Args:
        path: CSV file path.

    Returns:
        One :class:`Sequence` per student, empty students dropped.

    Raises:
        ValueError: if the file is malformed (the message names the line).
    """
    lines = [ln.strip().rstrip(",") for ln in Path(path).read_text().splitlines() if ln.strip()]
    if len(lines) % 3:
        raise ValueError(f"{path}: {len(lines)} non-empty lines is not a multiple of 3")
    out: list[Sequence] = []
    for i in range(0, len(lines), 3):
        n = int(lines[i])
        skills = np.array([int(x) for x in lines[i + 1].split(",") if x], dtype=np.int64)
        correct = np.array([int(float(x)) for x in lines[i + 2].split(",") if x], dtype=np.int64)
        if len(skills) != n or len(correct) != n:
            raise ValueError(f"{path}: line {i + 1} says {n} responses, got {len(skills)}/{len(correct)}")
        if n:
            out.append(Sequence(skills, correct))
    return out


def load_assist2009(split: str, root: Path | None = None) -> list[Sequence]:
    """Load one split of ASSISTments 2009 (DKVMN version).

    Args:
        split: ``"train"``, ``"test"``, ``"train1"`` .. ``"train5"`` or ``"valid1"`` .. ``"valid5"``.
        root: folder holding the files; defaults to ``shared_data_dir()/assist2009``.
    """
    root = root or shared_data_dir() / "assist2009"
    return load_sequences(Path(root) / f"{ASSIST_PREFIX}_{split}.csv")


def find_combo_pairs(
    seqs: Iterable[Sequence], min_count: int = 20, min_agreement: float = 0.99
) -> set[tuple[int, int]]:
    """Ordered skill pairs that are multi-skill expansions of one question.

    Args:
        seqs: training sequences (never the evaluation data).
        min_count: how often the adjacent pair must occur.
        min_agreement: share of occurrences with identical correctness.

    Returns:
        Set of ``(previous_skill, skill)`` pairs.
    """
    count: dict[tuple[int, int], int] = {}
    agree: dict[tuple[int, int], int] = {}
    for s in seqs:
        prev, cur = s.skills[:-1], s.skills[1:]
        same = s.correct[:-1] == s.correct[1:]
        for a, b, e in zip(prev.tolist(), cur.tolist(), same.tolist()):
            if a != b:
                count[(a, b)] = count.get((a, b), 0) + 1
                agree[(a, b)] = agree.get((a, b), 0) + int(e)
    return {k for k, n in count.items() if n >= min_count and agree[k] / n >= min_agreement}


def group_starts(skills: np.ndarray, combos: set[tuple[int, int]]) -> np.ndarray:
    """Index of the first row of the question each row belongs to.

    Uses skill ids only. A row joins the previous row's question when the
    ordered pair is a known multi-skill tag and its skill is not already in
    the question.

    Args:
        skills: int array (T,).
        combos: output of :func:`find_combo_pairs`.

    Returns:
        int array (T,) with ``starts[t] <= t``.
    """
    starts = np.arange(len(skills))
    members: set[int] = set()
    for t in range(len(skills)):
        s = int(skills[t])
        if t and (int(skills[t - 1]), s) in combos and s not in members:
            starts[t] = starts[t - 1]
            members.add(s)
        else:
            members = {s}
    return starts


def chunk(seqs: list[Sequence], max_len: int) -> list[Sequence]:
    """Split sequences into consecutive windows of at most ``max_len`` rows."""
    out = []
    for s in seqs:
        for i in range(0, len(s), max_len):
            out.append(Sequence(s.skills[i : i + max_len], s.correct[i : i + max_len]))
    return out


def windows(length: int, max_len: int, stride: int | None = None) -> list[tuple[int, int, int]]:
    """Overlapping windows that score every row once, with context.

    Window ``k`` covers rows ``[start, end)`` with ``start = k * stride`` and
    scores rows ``[score_from, end)``: all rows for the first window, and for
    later ones only the rows the previous window did not reach, so every row
    after the first window is predicted with at least ``max_len - stride``
    earlier rows in the window (no truncation loss at window borders).
    ``stride = max_len`` gives the classic non-overlapping chunks.

    Args:
        length: rows in the sequence.
        max_len: window length.
        stride: step between window starts (``1 <= stride <= max_len``).

    Returns:
        ``[(start, end, score_from), ...]`` covering ``range(length)`` exactly once.
    """
    stride = max_len if stride is None else stride
    if not 1 <= stride <= max_len:
        raise ValueError(f"stride {stride} must be in [1, {max_len}]")
    out = [(0, min(length, max_len), 0)]
    while out[-1][1] < length:
        start = out[-1][0] + stride
        out.append((start, min(length, start + max_len), out[-1][1]))
    return out
