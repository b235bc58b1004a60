"""Rasa graph component that adds learner sentiment to every parsed message.

The result is stored in the message under ``sentiment`` (and therefore in the
tracker's ``latest_message``), for example::

    {"polarity": "negative", "polarity_score": 0.91, "affect": "confused",
     "affect_score": 0.77, "help_need": 0.83}
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu import sentiment_model
from assistant.nlu.sentiment_model import LearnerSentimentModel, read_corpus, read_lexicon

SENTIMENT = "sentiment"
_MODEL_FILE = "sentiment.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LearnerSentimentAnalyzer(GraphComponent):
    """Polarity, affect (confused, frustrated, bored, motivated, neutral) and help-need."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "corpus_files": [
                "data/sentiment/vader_polarity.csv",
                "data/sentiment/forum_help_need.csv",
                "data/sentiment/learner_affect.csv",
            ],
            "lexicon_file": "data/sentiment/vader_sentiment_lexicon.txt",
            "affect_threshold": 0.45,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Rasa's training cache only sees the NLU data and the config; the
        corpora and the model code must change the fingerprint too."""
        digest = hashlib.sha256(Path(sentiment_model.__file__).read_bytes())
        for name in [*config.get("corpus_files", []), config.get("lexicon_file", "")]:
            path = Path(name)
            digest.update(name.encode() + (path.read_bytes() if path.is_file() else b"<missing>"))
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[LearnerSentimentModel] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LearnerSentimentAnalyzer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        paths = [Path(p) for p in self._config["corpus_files"]]
        missing = [str(p) for p in paths + [Path(self._config["lexicon_file"])] if not p.is_file()]
        if missing:
            raise RasaException(f"LearnerSentimentAnalyzer: training file not found: {', '.join(missing)}")
        rows = read_corpus(paths)
        model = LearnerSentimentModel(read_lexicon(Path(self._config["lexicon_file"])),
                                      affect_threshold=self._config["affect_threshold"])
        self._model = model.fit(rows)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / _MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LearnerSentimentAnalyzer:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / _MODEL_FILE)
        except (ValueError, FileNotFoundError, EOFError, AttributeError, ImportError) as exc:
            raise RasaException(f"LearnerSentimentAnalyzer: cannot load {_MODEL_FILE}: {exc}") from exc
        if not isinstance(model, LearnerSentimentModel) or getattr(model, "features", None) is None:
            raise RasaException(f"LearnerSentimentAnalyzer: {_MODEL_FILE} was written by another version; "
                                "retrain the model")
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        texts = [(message.get(TEXT) or "")[:2000] for message in messages]
        for message, sentiment in zip(messages, self._model.predict(texts)):
            message.set(SENTIMENT, sentiment.as_dict(), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
