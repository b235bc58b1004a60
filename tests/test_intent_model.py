"""The intent model outside Rasa: data reading, digit folding, rankings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT
from assistant.nlu.intent_model import IntentModel, base_intent, normalise, read_nlu_examples


def test_reads_examples_without_entity_annotations(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: faq/refund\n  examples: |\n    - can I get a refund\n'
                   "- intent: ask_recommendation\n  examples: |\n"
                   '    - learn [python](topic) under [$40](budget)\n    - [cheaper]{"entity": "refinement"}\n'
                   "- synonym: cheaper\n  examples: |\n    - less pricey\n")
    assert read_nlu_examples([nlu]) == [("can I get a refund", "faq/refund"),
                                        ("learn python under $40", "ask_recommendation"),
                                        ("cheaper", "ask_recommendation")]
    assert base_intent("faq/refund") == "faq" and base_intent("greet") == "greet"


def test_digits_are_folded() -> None:
    assert normalise("Scored 35% on Quiz 2") == normalise("scored 80% on quiz 7") == "scored 00% on quiz 0"


@pytest.fixture(scope="module")
def model() -> IntentModel:
    rows = read_nlu_examples(sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
    return IntentModel().fit([t for t, _ in rows], [base_intent(i) for _, i in rows])


@pytest.mark.parametrize(("text", "intent"), [
    ("i got 45 percent on the sql quizz", "report_quiz_score"),
    ("can u make me a roadmap to become a cloud engineer", "ask_learning_path"),
    ("is there financial aid if i can't afford it", "faq"),
    ("book me a taxi to the airport", "out_of_scope"),
])
def test_unseen_phrasings(model: IntentModel, text: str, intent: str) -> None:
    assert model.predict([text]) == [intent]


def test_ranking_is_sorted_and_sums_to_one(model: IntentModel) -> None:
    ranking = model.ranking("thanks a lot, bye", top=len(model.intents))
    confidences = [c for _, c in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert np.isclose(sum(confidences), 1.0)
    assert {name for name, _ in ranking} == set(model.intents)


def test_one_intent_is_not_enough() -> None:
    with pytest.raises(ValueError, match="at least two intents"):
        IntentModel().fit(["hi", "hello"], ["greet", "greet"])
