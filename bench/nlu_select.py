"""Choose the intent classifier's configuration on the training data alone.

Stratified 5-fold cross-validation over ``data/nlu`` (the held-out file
``tests/holdout/nlu.yml`` is never read here). For each candidate it reports
intent macro-F1. For the chosen candidate it then picks the
FallbackClassifier's ``threshold`` and ``ambiguity_threshold``: the pair that
sends the most wrong predictions to the fallback while sending at most 2% of
the correct ones there.

Writes ``bench/results/nlu.select.json``.
Run from the project root:  .venv/bin/python bench/nlu_select.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.intent_model import IntentModel, IntentModelConfig, base_intent, read_nlu_examples  # noqa: E402

CANDIDATES = {
    "word1-2 char2-4 C10 (bench baseline)": IntentModelConfig(char_ngrams=(2, 4), c=10, balanced=False),
    "word1-2 char1-5 C10": IntentModelConfig(char_ngrams=(1, 5), c=10, balanced=False),
    "word1-2 char1-5 C10 balanced": IntentModelConfig(char_ngrams=(1, 5), c=10, balanced=True),
    "word1-2 char1-5 C30 balanced": IntentModelConfig(char_ngrams=(1, 5), c=30, balanced=True),
    "word1-2 char1-5 C3 balanced": IntentModelConfig(char_ngrams=(1, 5), c=3, balanced=True),
    "word1-3 char2-5 C10 balanced": IntentModelConfig(word_ngrams=(1, 3), char_ngrams=(2, 5), c=10, balanced=True),
    "word1-1 char1-6 C10 balanced": IntentModelConfig(word_ngrams=(1, 1), char_ngrams=(1, 6), c=10, balanced=True),
}
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
AMBIGUITY_THRESHOLDS = (0.0, 0.02, 0.05, 0.1)
MAX_CORRECT_FALLING_BACK = 0.02


def cross_validate(config: IntentModelConfig, texts: list[str], intents: list[str], folds: int = 5) -> dict:
    labels = np.array(intents)
    predicted = np.empty(len(texts), dtype=object)
    confidence = np.zeros(len(texts))
    gap = np.zeros(len(texts))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=13).split(texts, labels):
        model = IntentModel(config).fit([texts[i] for i in train], labels[train])
        probabilities = model.predict_proba([texts[i] for i in test])
        predicted[test] = np.array(model.intents)[probabilities.argmax(axis=1)]
        top_two = np.sort(probabilities, axis=1)[:, -2:]
        confidence[test], gap[test] = top_two[:, 1], top_two[:, 1] - top_two[:, 0]
    correct = predicted == labels
    fallback = {}
    for t in THRESHOLDS:
        for a in AMBIGUITY_THRESHOLDS:
            falls_back = (confidence < t) | (gap < a)
            fallback[f"{t}/{a}"] = {"correct": float(falls_back[correct].mean()),
                                    "wrong": float(falls_back[~correct].mean())}
    return {
        "macro_f1": float(f1_score(labels, predicted.astype(str), average="macro")),
        "accuracy": float(correct.mean()),
        "fallback_share_by_threshold/ambiguity": fallback,
    }


def main() -> int:
    rows = read_nlu_examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))
    texts, intents = [t for t, _ in rows], [base_intent(i) for _, i in rows]
    results = {}
    print(f"{'candidate (5-fold CV on data/nlu)':40s} {'macro-F1':>9s} {'accuracy':>9s}")
    for name, config in CANDIDATES.items():
        results[name] = {"config": asdict(config), **cross_validate(config, texts, intents)}
        print(f"{name:40s} {results[name]['macro_f1']:9.4f} {results[name]['accuracy']:9.4f}")
    best = max(results, key=lambda name: results[name]["macro_f1"])
    shares = results[best]["fallback_share_by_threshold/ambiguity"]
    allowed = [key for key, share in shares.items() if share["correct"] <= MAX_CORRECT_FALLING_BACK]
    pair = max(allowed, key=lambda key: (shares[key]["wrong"], -shares[key]["correct"]))
    print(f"chosen: {best}; fallback threshold/ambiguity_threshold {pair}: "
          f"{100 * shares[pair]['correct']:.1f}% of correct and {100 * shares[pair]['wrong']:.1f}% of wrong "
          "predictions go to the fallback")
    out = ROOT / "bench" / "results" / "nlu.select.json"
    out.write_text(json.dumps({"n_examples": len(texts), "candidates": results, "chosen": best,
                               "fallback_threshold/ambiguity": pair,
                               "command": ".venv/bin/python bench/nlu_select.py"}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
