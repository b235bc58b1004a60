"""NLU benchmark: intent and entity F1 on the held-out file, the sentiment
component's macro-F1 on a held-out part of its sources, and Rasa training time.

Prints each figure next to a baseline from the same run and writes
``bench/results/nlu.json``:

* ``intent_macro_f1``, ``entity_f1``: the trained Rasa model on
  ``tests/holdout/nlu.yml`` (never used for training). Baseline: TF-IDF word +
  character n-grams with logistic regression, trained on the same NLU data
  outside Rasa. The intent classifier's own configuration and the fallback
  thresholds are chosen by ``bench/nlu_select.py`` on the training data only.
* ``sentiment.macro_f1`` (mean over the polarity, affect and help-need heads)
  and each head: trained on 80% of ``data/sentiment`` (seed 7, the split of
  the component's tests), scored on the other 20%. Baselines: the majority
  class, and for polarity VADER's lexicon rule (sum of word valences,
  thresholds +/-0.05 as in the VADER paper).
* ``rasa_train_seconds``: ``rasa train`` from scratch (no cache) on this machine.

Run from the project root:  .venv/bin/python bench/nlu.py  [--skip-train-timing]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.nlu.intent_model import read_nlu_examples  # noqa: E402
from assistant.nlu.sentiment_model import LearnerSentimentModel, read_corpus, read_lexicon  # noqa: E402

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
HOLDOUT = ROOT / "tests" / "holdout" / "nlu.yml"
SENTIMENT = ROOT / "data" / "sentiment"
OUT = ROOT / "bench" / "results"


def baseline_intents(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> float:
    features = FeatureUnion([("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                             ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True))])
    model = make_pipeline(features, LogisticRegression(max_iter=2000, C=10))
    model.fit([t for t, _ in train], [i for _, i in train])
    return f1_score([i for _, i in test], model.predict([t for t, _ in test]), average="macro")


def rasa_env() -> dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))


def rasa_nlu_scores(model: str, out: Path) -> tuple[float, float]:
    subprocess.run([str(RASA), "test", "nlu", "--model", model, "--nlu", str(HOLDOUT), "--out", str(out)],
                   cwd=ROOT, env=rasa_env(), check=True, capture_output=True)
    intent = json.loads((out / "intent_report.json").read_text())["macro avg"]["f1-score"]
    entity = json.loads((out / "DIETClassifier_report.json").read_text())["micro avg"]["f1-score"]
    return intent, entity


def sentiment_scores() -> dict[str, float]:
    rows = read_corpus([SENTIMENT / n for n in ("vader_polarity.csv", "forum_help_need.csv", "learner_affect.csv")])
    random.Random(7).shuffle(rows)
    cut = int(0.8 * len(rows))
    train, test = rows[:cut], rows[cut:]
    lexicon = read_lexicon(SENTIMENT / "vader_sentiment_lexicon.txt")
    model = LearnerSentimentModel(lexicon).fit(train)
    out: dict[str, float] = {}
    for head in ("polarity", "affect", "help_need"):
        labelled = [(r["text"], r[head]) for r in test if r.get(head)]
        texts, gold = [t for t, _ in labelled], [g for _, g in labelled]
        out[f"sentiment.{head}.macro_f1"] = f1_score(gold, model.predict_labels(head, texts), average="macro")
        majority = Counter(r[head] for r in train if r.get(head)).most_common(1)[0][0]
        out[f"baseline.majority.{head}.macro_f1"] = f1_score(gold, [majority] * len(gold), average="macro")
        out[f"sentiment.{head}.n_test"] = len(gold)
        if head == "polarity":
            def rule(text: str) -> str:
                score = sum(lexicon.get(w, 0.0) for w in re.findall(r"[a-z']+", text.lower()))
                return "positive" if score > 0.05 else "negative" if score < -0.05 else "neutral"
            out["baseline.vader_lexicon_rule.polarity.macro_f1"] = f1_score(gold, [rule(t) for t in texts],
                                                                            average="macro")
    out["sentiment.macro_f1"] = sum(out[f"sentiment.{h}.macro_f1"] for h in ("polarity", "affect", "help_need")) / 3
    return out


def train_seconds() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run([str(RASA), "train", "--force", "--out", tmp, "--fixed-model-name", "bench"], cwd=ROOT,
                       env=rasa_env(), check=True, capture_output=True)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-train-timing", action="store_true", help="keep rasa_train_seconds from the last run")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "nlu.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    model = subprocess.run([sys.executable, "-m", "assistant", "train-rasa", "--print-path"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory() as tmp:
        intent_f1, entity_f1 = rasa_nlu_scores(model, Path(tmp))
    train = read_nlu_examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))
    held_out = read_nlu_examples([HOLDOUT])
    doc: dict[str, object] = {
        "intent_macro_f1": intent_f1,
        "entity_f1": entity_f1,
        "baseline.tfidf_logreg.intent_macro_f1": baseline_intents(train, held_out),
        "n_train_examples": len(train),
        "n_holdout_examples": len(held_out),
        **sentiment_scores(),
        "rasa_train_seconds": previous.get("rasa_train_seconds") if args.skip_train_timing else train_seconds(),
        "command": ".venv/bin/python bench/nlu.py",
    }
    path.write_text(json.dumps(doc, indent=2, sort_keys=True))
    print(f"{'figure':45s} {'ours':>8s} {'baseline':>9s}")
    print(f"{'intent macro-F1 (held-out)':45s} {intent_f1:8.3f} {doc['baseline.tfidf_logreg.intent_macro_f1']:9.3f}"
          "  (TF-IDF + logistic regression)")
    print(f"{'entity F1 (held-out, micro)':45s} {entity_f1:8.3f}")
    for head in ("polarity", "affect", "help_need"):
        print(f"{'sentiment ' + head + ' macro-F1':45s} {doc[f'sentiment.{head}.macro_f1']:8.3f} "
              f"{doc[f'baseline.majority.{head}.macro_f1']:9.3f}  (majority class)")
    print(f"{'sentiment polarity, VADER lexicon rule':45s} {'':8s} "
          f"{doc['baseline.vader_lexicon_rule.polarity.macro_f1']:9.3f}")
    print(f"{'sentiment macro-F1 (mean of heads)':45s} {doc['sentiment.macro_f1']:8.3f}")
    print(f"{'rasa train seconds (from scratch)':45s} {doc['rasa_train_seconds'] or float('nan'):8.0f}")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
