"""Learner sentiment model: polarity, affect and help-need from one message.

Plain scikit-learn, no Rasa imports, so it can be trained and evaluated on its
own. Three logistic-regression heads share one feature space: word and
character n-grams (robust to typos and short forms) plus VADER lexicon scores
(generalise to words the training text never had).

Training rows are dicts with ``text`` and any of ``polarity``, ``affect``,
``help_need``; a head learns from the rows that carry its label.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

POLARITIES = ("negative", "neutral", "positive")
AFFECTS = ("confused", "frustrated", "bored", "motivated", "neutral")
HEADS = ("polarity", "affect", "help_need")

_WORD = re.compile(r"[a-z']+|[^\sa-z0-9]+")
_NEGATIONS = {"not", "no", "never", "don't", "dont", "can't", "cant", "isn't", "doesn't", "didn't", "won't"}


def read_lexicon(path: Path) -> dict[str, float]:
    """VADER lexicon: ``token<TAB>mean valence<TAB>...`` per line."""
    lexicon: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                lexicon[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return lexicon


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """Sum, mean, positive and negative mass of VADER valences, with negation flip."""

    def __init__(self, lexicon: dict[str, float] | None = None) -> None:
        self.lexicon = lexicon

    def fit(self, texts: Sequence[str], y: object = None) -> LexiconFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        lexicon = self.lexicon or {}
        rows = []
        for text in texts:
            tokens = _WORD.findall(text.lower())
            values = []
            for i, token in enumerate(tokens):
                value = lexicon.get(token)
                if value is None:
                    continue
                if any(t in _NEGATIONS for t in tokens[max(0, i - 3) : i]):
                    value = -0.74 * value  # VADER's negation scalar
                values.append(value)
            arr = np.array(values) if values else np.zeros(1)
            rows.append(
                [arr.sum() / 4, arr.mean() / 4, arr[arr > 0].sum() / 4, arr[arr < 0].sum() / 4,
                 float(text.count("!") > 0), float("?" in text)]
            )
        return sparse.csr_matrix(np.array(rows, dtype=np.float64))


def _features(lexicon: dict[str, float]) -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=60000)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                                      max_features=80000)),
            ("lexicon", LexiconFeatures(lexicon)),
        ]
    )


_MAX_CHARS = 1000  # long forum posts: the opening says enough, and it keeps training fast


@dataclass(frozen=True)
class Sentiment:
    polarity: str
    polarity_score: float
    affect: str
    affect_score: float
    help_need: float

    def as_dict(self) -> dict[str, object]:
        return {
            "polarity": self.polarity,
            "polarity_score": round(self.polarity_score, 3),
            "affect": self.affect,
            "affect_score": round(self.affect_score, 3),
            "help_need": round(self.help_need, 3),
        }


NEUTRAL = Sentiment("neutral", 1.0, "neutral", 1.0, 0.0)


def read_corpus(paths: Iterable[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(row for row in csv.DictReader(handle) if (row.get("text") or "").strip())
    return rows


class LearnerSentimentModel:
    """Three heads over one shared feature space; see the module docstring."""

    def __init__(self, lexicon: dict[str, float], affect_threshold: float = 0.45) -> None:
        self.lexicon = lexicon
        self.affect_threshold = affect_threshold
        self.features: FeatureUnion | None = None
        self.heads: dict[str, LogisticRegression] = {}

    def fit(self, rows: Sequence[dict[str, str]]) -> LearnerSentimentModel:
        texts = [r["text"][:_MAX_CHARS] for r in rows]
        self.features = _features(self.lexicon)
        matrix = self.features.fit_transform(texts)
        for head in HEADS:
            index = [i for i, r in enumerate(rows) if str(r.get(head) or "").strip()]
            labels = [str(rows[i][head]).strip() for i in index]
            if len(set(labels)) < 2:
                raise ValueError(f"sentiment head {head!r} needs at least two classes, got {sorted(set(labels))}")
            classifier = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
            self.heads[head] = classifier.fit(matrix[index], labels)
        return self

    def _matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if self.features is None:
            raise RuntimeError("the sentiment model is not trained")
        return self.features.transform([t[:_MAX_CHARS] for t in texts])

    def predict(self, texts: Sequence[str]) -> list[Sentiment]:
        if not texts:
            return []
        matrix = self._matrix(texts)
        out = {head: (clf.classes_, clf.predict_proba(matrix)) for head, clf in self.heads.items()}
        results = []
        for i, text in enumerate(texts):
            if not text.strip():
                results.append(NEUTRAL)
                continue
            pol_classes, pol_proba = out["polarity"]
            aff_classes, aff_proba = out["affect"]
            help_classes, help_proba = out["help_need"]
            p, a = int(np.argmax(pol_proba[i])), int(np.argmax(aff_proba[i]))
            affect, affect_score = str(aff_classes[a]), float(aff_proba[i][a])
            if affect_score < self.affect_threshold:
                affect = "neutral"
            help_need = float(help_proba[i][list(help_classes).index("1")]) if "1" in help_classes else 0.0
            results.append(Sentiment(str(pol_classes[p]), float(pol_proba[i][p]), affect, affect_score, help_need))
        return results

    def predict_labels(self, head: str, texts: Sequence[str]) -> list[str]:
        """Raw label predictions of one head, for evaluation."""
        return [str(label) for label in self.heads[head].predict(self._matrix(texts))]
