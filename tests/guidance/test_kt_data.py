"""Loading DKVMN-format files and recovering multi-skill questions."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.guidance.kt_data import Sequence, chunk, find_combo_pairs, group_starts, load_sequences, windows


def test_load_sequences_reads_three_lines_per_student(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("3\n1,2,1,\n0,1,1,\n2\n5,5\n1,0\n")
    seqs = load_sequences(f)
    assert [len(s) for s in seqs] == [3, 2]
    assert seqs[0].skills.tolist() == [1, 2, 1]
    assert seqs[1].correct.tolist() == [1, 0]


def test_load_sequences_names_the_bad_line(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("3\n1,2\n0,1\n")
    with pytest.raises(ValueError, match="line 1 says 3 responses"):
        load_sequences(f)


def _expanded(rng, n_students=60, length=40):
    """Students answering questions; skill 7 questions are also tagged 8 (expanded rows)."""
    seqs = []
    for _ in range(n_students):
        skills, correct = [], []
        while len(skills) < length:
            c = int(rng.random() < 0.6)
            if rng.random() < 0.3:
                skills += [7, 8]
                correct += [c, c]
            else:
                skills.append(int(rng.integers(1, 6)))
                correct.append(c)
        seqs.append(Sequence(np.array(skills), np.array(correct)))
    return seqs


def test_combo_pairs_found_from_agreement_only():
    seqs = _expanded(np.random.default_rng(0))
    combos = find_combo_pairs(seqs, min_count=20)
    assert combos == {(7, 8)}


def test_group_starts_use_skills_not_answers():
    combos = {(7, 8)}
    skills = np.array([1, 7, 8, 7, 8, 8, 2])
    assert group_starts(skills, combos).tolist() == [0, 1, 1, 3, 3, 5, 6]


def test_chunk_splits_long_sequences():
    s = Sequence(np.arange(1, 11), np.ones(10, int))
    parts = chunk([s], 4)
    assert [len(p) for p in parts] == [4, 4, 2]
    assert parts[2].skills.tolist() == [9, 10]


@pytest.mark.parametrize("length,max_len,stride", [(1, 5, 2), (5, 5, 2), (6, 5, 2), (23, 5, 2), (23, 5, 5), (40, 8, 3)])
def test_windows_score_every_row_once_with_context(length, max_len, stride):
    ws = windows(length, max_len, stride)
    scored = [t for a, b, f in ws for t in range(f, b)]
    assert scored == list(range(length))
    for k, (a, b, f) in enumerate(ws):
        assert b - a <= max_len and a <= f < b
        if k:
            assert f - a >= max_len - stride  # context rows before the first scored row


def test_windows_rejects_a_bad_stride():
    with pytest.raises(ValueError):
        windows(10, 5, 6)
