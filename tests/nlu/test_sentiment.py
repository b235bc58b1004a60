"""Custom NLU components, tested in the Rasa runtime (Python 3.10, rasa 3.6)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import f1_score

from assistant.nlu.guards import NoWordsGuard
from assistant.nlu.sentiment import LearnerSentimentAnalyzer
from assistant.nlu.sentiment_model import LearnerSentimentModel, read_corpus, read_lexicon

ROOT = Path(__file__).resolve().parents[2]
SENTIMENT_DATA = ROOT / "data" / "sentiment"
CORPUS = [SENTIMENT_DATA / name for name in ("vader_polarity.csv", "forum_help_need.csv", "learner_affect.csv")]


@pytest.fixture(scope="module")
def split():
    rows = read_corpus(CORPUS)
    random.Random(7).shuffle(rows)
    cut = int(0.8 * len(rows))
    return rows[:cut], rows[cut:]


@pytest.fixture(scope="module")
def model(split):
    train, _ = split
    return LearnerSentimentModel(read_lexicon(SENTIMENT_DATA / "vader_sentiment_lexicon.txt")).fit(train)


def _macro_f1(model, rows, head):
    labelled = [(r["text"], r[head]) for r in rows if r.get(head)]
    texts, gold = zip(*labelled)
    return f1_score(list(gold), model.predict_labels(head, texts), average="macro")


def test_held_out_polarity_and_help_need_reach_floors(model, split):
    _, held_out = split
    assert _macro_f1(model, held_out, "polarity") >= 0.6
    assert _macro_f1(model, held_out, "help_need") >= 0.6


@pytest.mark.parametrize(
    ("text", "affect", "polarity"),
    [
        ("honestly I have no clue what the lecturer means by a foreign key", "confused", None),
        ("I give up, this stupid assignment failed again", "frustrated", "negative"),
        ("zzz these videos are way too slow and basic", "bored", None),
        ("woohoo I passed my exam, can't wait for the next unit", "motivated", "positive"),
    ],
)
def test_affect_on_unseen_phrasings(model, text, affect, polarity):
    result = model.predict([text])[0]
    assert result.affect == affect
    if polarity:
        assert result.polarity == polarity


def test_help_need_is_higher_for_a_stuck_learner(model):
    stuck, fine = model.predict(["I'm stuck on question 3 and the deadline is tonight, please help",
                                 "thanks, see you tomorrow"])
    assert stuck.help_need > 0.5 > fine.help_need


def _small_corpus(folder: Path) -> list[str]:
    """Every 8th row of the public corpora plus all learner-affect rows: quick to fit."""
    paths = []
    for path in CORPUS:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        step = 1 if path.name == "learner_affect.csv" else 8
        small = folder / path.name
        small.write_text(lines[0] + "".join(lines[1::step]), encoding="utf-8")
        paths.append(str(small))
    return paths


def test_component_trains_persists_loads_and_processes(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the default lexicon path is relative to the project
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    resource = Resource("sentiment")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LearnerSentimentAnalyzer.get_default_config(), "corpus_files": _small_corpus(tmp_path)}
    trained = LearnerSentimentAnalyzer.create(config, storage, resource, context)
    trained.train(TrainingData())
    loaded = LearnerSentimentAnalyzer.load(config, storage, resource, context)
    message = Message.build(text="I'm so confused, I don't understand recursion at all")
    loaded.process([message])
    sentiment = message.get("sentiment")
    assert sentiment["affect"] == "confused" and sentiment["polarity"] == "negative"
    assert "sentiment" in message.as_dict(only_output_properties=True)


def test_component_names_missing_training_files(tmp_path: Path):
    config = {**LearnerSentimentAnalyzer.get_default_config(), "corpus_files": [str(tmp_path / "nope.csv")]}
    component = LearnerSentimentAnalyzer.create(config, LocalModelStorage(tmp_path), Resource("s"),
                                                ExecutionContext(GraphSchema({}), "test"))
    with pytest.raises(Exception, match="nope.csv"):
        component.train(TrainingData())


@pytest.mark.parametrize(("text", "guarded"), [("", True), ("   ", True), ("😀😀", True), ("?!", True),
                                                ("hi", False), ("你好", False)])
def test_no_words_guard(text, guarded):
    message = Message.build(text=text)
    message.set("intent", {"name": "greet", "confidence": 0.9}, add_to_output=True)
    NoWordsGuard().process([message])
    assert (message.get("intent")["name"] == "nlu_fallback") is guarded


def test_training_cache_fingerprint_follows_corpus_and_code(tmp_path: Path):
    corpus = tmp_path / "extra.csv"
    corpus.write_text("source,text,polarity,affect,help_need\nproject,hello,neutral,neutral,0\n")
    config = {**LearnerSentimentAnalyzer.get_default_config(), "corpus_files": [str(corpus)]}
    before = LearnerSentimentAnalyzer.fingerprint_addon(config)
    assert LearnerSentimentAnalyzer.fingerprint_addon(config) == before
    corpus.write_text(corpus.read_text() + "project,I am lost,negative,confused,1\n")
    assert LearnerSentimentAnalyzer.fingerprint_addon(config) != before
