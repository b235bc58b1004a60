"""The TF-IDF intent classifier, as a Rasa graph component (Python 3.10, rasa 3.6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.intent_classifier import TfidfIntentClassifier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalModelStorage, Resource, dict]:
    """The component trained on the project's NLU data, persisted to a model storage."""
    folder = tmp_path_factory.mktemp("model")
    storage, resource = LocalModelStorage(folder), Resource("intents")
    config = TfidfIntentClassifier.get_default_config()
    component = TfidfIntentClassifier.create(config, storage, resource, ExecutionContext(GraphSchema({}), "test"))
    component.train(load_data(str(ROOT / "data" / "nlu")))
    return storage, resource, config


def _loaded(trained) -> TfidfIntentClassifier:
    storage, resource, config = trained
    return TfidfIntentClassifier.load(config, storage, resource, ExecutionContext(GraphSchema({}), "test"))


@pytest.mark.parametrize(("text", "intent"), [
    ("cn u recomend me some cheep pyhton courses", "ask_recommendation"),
    ("what's ur refund policy if i hate the course", "faq"),
    ("this module is waaay too hard for me", "too_hard"),
    ("please wipe all my personal data", "delete_my_data"),
])
def test_loaded_component_ranks_unseen_phrasings(trained, text: str, intent: str) -> None:
    message = Message.build(text=text)
    _loaded(trained).process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == intent
    assert message.get("intent") == ranking[0]
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)
    assert len(ranking) == TfidfIntentClassifier.get_default_config()["ranking_length"]
    assert "intent" in message.as_dict(only_output_properties=True)


def test_empty_text_still_gets_a_ranking(trained) -> None:
    message = Message.build(text="")
    _loaded(trained).process([message])
    assert message.get("intent")["confidence"] < 0.5


def test_training_without_intents_fails_clearly(tmp_path: Path) -> None:
    component = TfidfIntentClassifier.create(TfidfIntentClassifier.get_default_config(), LocalModelStorage(tmp_path),
                                             Resource("i"), ExecutionContext(GraphSchema({}), "test"))
    with pytest.raises(RasaException, match="no intent examples"):
        component.train(TrainingData())
