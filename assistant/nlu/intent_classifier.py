"""Rasa graph component around :class:`assistant.nlu.intent_model.IntentModel`.

It reads the message text itself rather than the pipeline's featurizers, so
the model in Rasa is exactly the one cross-validated by ``bench/nlu_select.py``.
DIET keeps extracting the entities.
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
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu import intent_model
from assistant.nlu.intent_model import IntentModel, IntentModelConfig

_MODEL_FILE = "intent_model.joblib"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TfidfIntentClassifier(IntentClassifier, GraphComponent):
    """Intents from word and character n-grams (logistic regression)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = IntentModelConfig()
        return {"word_ngrams": list(defaults.word_ngrams), "char_ngrams": list(defaults.char_ngrams),
                "c": defaults.c, "balanced": defaults.balanced, "ranking_length": 10}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """A change to the model code must retrain the component."""
        return hashlib.sha256(Path(intent_model.__file__).read_bytes()).hexdigest()

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[IntentModel] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TfidfIntentClassifier:
        return cls(config, model_storage, resource)

    def _model_config(self) -> IntentModelConfig:
        return IntentModelConfig(word_ngrams=tuple(self._config["word_ngrams"]),
                                 char_ngrams=tuple(self._config["char_ngrams"]),
                                 c=float(self._config["c"]), balanced=bool(self._config["balanced"]))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            raise RasaException("TfidfIntentClassifier: the NLU data has no intent examples")
        self._model = IntentModel(self._model_config()).fit([e.get(TEXT) for e in examples],
                                                            [e.get(INTENT) for e in examples])
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / _MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TfidfIntentClassifier:
        with model_storage.read_from(resource) as directory:
            model = joblib.load(directory / _MODEL_FILE)
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            raise RasaException("TfidfIntentClassifier used before training")
        for message in messages:
            ranking = self._model.ranking(message.get(TEXT) or "", top=int(self._config["ranking_length"]))
            intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
            message.set(INTENT, intents[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, intents, add_to_output=True)
        return messages
