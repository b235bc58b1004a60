"""Intent classifier: TF-IDF word and character n-grams with logistic regression.

Plain scikit-learn, no Rasa imports, so the configuration can be chosen by
cross-validation on the training data alone (``bench/nlu_select.py``) and the
same class then runs inside Rasa (``assistant.nlu.intent_classifier``).

Character n-grams within word boundaries carry typos and short forms
("recomend", "pls", "thx"); word n-grams carry phrasing ("too hard", "next
step"). Digits are folded to ``0`` so that "score 35%" and "score 80%" look
alike to the classifier: the numbers themselves are entities, not intent cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_DIGITS = re.compile(r"\d")


def read_nlu_examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(text without entity annotations, intent) pairs from Rasa NLU YAML files.

    Retrieval intents keep their full name (``faq/refund``); see :func:`base_intent`.
    """
    rows = []
    for path in paths:
        for block in (yaml.safe_load(Path(path).read_text()) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    rows.append((_ANNOTATION.sub(r"\1", line[2:]).strip(), block["intent"]))
    return rows


def base_intent(intent: str) -> str:
    """``faq/refund`` -> ``faq``: the intent classifier sees retrieval intents whole."""
    return intent.split("/", 1)[0]


def normalise(text: str) -> str:
    return _DIGITS.sub("0", text.lower())


@dataclass(frozen=True)
class IntentModelConfig:
    """Everything that changes the model; the defaults are the cross-validated choice."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 4)
    c: float = 10.0
    balanced: bool = False


class IntentModel:
    """Ranks intents for a message by calibrated-enough probabilities."""

    def __init__(self, config: IntentModelConfig = IntentModelConfig()) -> None:
        self.config = config
        features = FeatureUnion([
            ("words", TfidfVectorizer(preprocessor=normalise, ngram_range=config.word_ngrams, sublinear_tf=True)),
            ("chars", TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=config.char_ngrams,
                                      sublinear_tf=True)),
        ])
        classifier = LogisticRegression(C=config.c, max_iter=5000,
                                        class_weight="balanced" if config.balanced else None)
        self.pipeline = Pipeline([("features", features), ("classifier", classifier)])

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> IntentModel:
        if len(set(intents)) < 2:
            raise ValueError("intent classification needs examples of at least two intents")
        self.pipeline.fit(list(texts), list(intents))
        return self

    @property
    def intents(self) -> list[str]:
        return [str(label) for label in self.pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]

    def ranking(self, text: str, top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` likeliest intents for ``text``, best first."""
        probabilities = self.predict_proba([text])[0]
        order = np.argsort(probabilities)[::-1][:top]
        return [(self.intents[i], float(probabilities[i])) for i in order]
