"""Static checks of the NLU training data (data/nlu) and the held-out set.

Fast: parses YAML only, no Rasa import. The held-out file
(tests/holdout/nlu.yml) is for evaluation only; it must never be used for
training or tuning, so it must share no example with the training data.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "holdout" / "nlu.yml"

MIN_TRAINING_EXAMPLES = 20
MIN_HOLDOUT_EXAMPLES = 8
ALLOWED_VALUES = {
    "refinement": {"cheaper", "more_advanced", "easier", "different", "free_only", "shorter"},
    "position": {"1", "2", "3", "4", "5", "last"},
}
ENTITIES = {
    "topic", "level", "budget", "weekly_hours", "duration", "language", "refinement",
    "course", "position", "goal", "score", "quiz_topic", "rating", "occupation", "age_band",
}
LEVELS = {"beginner", "intermediate", "advanced"}

# [text](entity), [text](entity:value) or [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<paren>[^)]+)\)|(?P<json>\{[^}]*\}))")


def normalize(example: str) -> str:
    """Lowercase, annotations replaced by their text, punctuation and spaces collapsed."""
    text = ANNOTATION.sub(lambda match: match.group("text"), example)
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def annotations(example: str):
    """Yield (entity, text, explicit value or None) for each annotation."""
    for match in ANNOTATION.finditer(example):
        if match.group("json"):
            data = json.loads(match.group("json"))
            yield data["entity"], match.group("text"), data.get("value")
        else:
            entity, _, value = match.group("paren").partition(":")
            yield entity.strip(), match.group("text"), (value.strip() or None)


@lru_cache(maxsize=None)
def load(paths: tuple[Path, ...]) -> dict:
    """Intent examples, synonyms (text -> value), lookup tables, malformed lines."""
    intents: dict[str, list[tuple[str, str]]] = defaultdict(list)  # name -> [(example, file)]
    synonyms: dict[str, set[str]] = defaultdict(set)
    lookups: dict[str, list[str]] = defaultdict(list)
    malformed: list[str] = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(document, dict), f"{path.name}: not a YAML mapping"
        assert str(document.get("version")) == "3.1", f"{path.name}: version must be \"3.1\""
        for item in document.get("nlu") or []:
            block = item.get("examples")
            assert isinstance(block, str), f"{path.name}: {item} has no `examples: |` block"
            lines = []
            for line in block.splitlines():
                if not line.startswith("- "):
                    malformed.append(f"{path.name}: {line!r}")
                    continue
                lines.append(line[2:].strip())
            if "intent" in item:
                intents[str(item["intent"])].extend((line, path.name) for line in lines)
            elif "synonym" in item:
                for line in lines:
                    synonyms[line.lower()].add(str(item["synonym"]))
            elif "lookup" in item:
                lookups[str(item["lookup"])].extend(lines)
    for examples in intents.values():
        for example, _ in examples:
            for _, text, value in annotations(example):
                if value is not None and value != text:
                    synonyms[text.lower()].add(value)
    return {"intents": dict(intents), "synonyms": dict(synonyms), "lookups": dict(lookups), "malformed": malformed}


def training() -> dict:
    return load(tuple(sorted(NLU_DIR.rglob("*.yml"))))


def holdout() -> dict:
    return load((HOLDOUT,))


def resolve(text: str, explicit: str | None, synonyms: dict[str, set[str]]) -> str:
    if explicit is not None:
        return explicit
    values = synonyms.get(text.lower())
    return next(iter(values)) if values else text


def test_every_example_line_is_a_list_item():
    # Rasa skips (with a warning) block lines that don't start with "- ".
    assert training()["malformed"] == []
    assert holdout()["malformed"] == []


@pytest.mark.parametrize("data", [training, holdout], ids=["training", "holdout"])
def test_intent_names_are_valid(data):
    for name in data()["intents"]:
        assert re.fullmatch(r"[a-z_]+(/[a-z_]+)?", name), name


def test_every_training_intent_has_enough_examples():
    small = {name: len(ex) for name, ex in training()["intents"].items() if len(ex) < MIN_TRAINING_EXAMPLES}
    assert small == {}


def test_every_holdout_intent_has_enough_examples():
    small = {name: len(ex) for name, ex in holdout()["intents"].items() if len(ex) < MIN_HOLDOUT_EXAMPLES}
    assert small == {}


def test_holdout_and_training_cover_the_same_intents():
    train, held = set(training()["intents"]), set(holdout()["intents"])
    assert held - train == set(), "held-out intents missing from the training data"
    assert train - held == set(), "training intents without held-out examples"


def test_no_holdout_example_is_in_the_training_data():
    seen = {normalize(ex) for examples in training()["intents"].values() for ex, _ in examples}
    leaked = [ex for examples in holdout()["intents"].values() for ex, _ in examples if normalize(ex) in seen]
    assert leaked == []


@pytest.mark.parametrize("data", [training, holdout], ids=["training", "holdout"])
def test_no_example_appears_twice(data):
    owners: dict[str, list[str]] = defaultdict(list)
    for name, examples in data()["intents"].items():
        for example, source in examples:
            owners[normalize(example)].append(f"{name} ({source})")
    repeated = {text: where for text, where in owners.items() if len(where) > 1}
    assert repeated == {}


@pytest.mark.parametrize("data", [training, holdout], ids=["training", "holdout"])
def test_annotations_use_known_entities(data):
    unknown = [
        (name, example)
        for name, examples in data()["intents"].items()
        for example, _ in examples
        for entity, _, _ in annotations(example)
        if entity not in ENTITIES
    ]
    assert unknown == []


@pytest.mark.parametrize("data", [training, holdout], ids=["training", "holdout"])
def test_annotations_fit_whitespace_tokens(data):
    # The WhitespaceTokenizer strips punctuation at the end of a word ("45%" ->
    # "45") and at the start of a word not followed by a digit ("'python" ->
    # "python"). DIET silently drops an annotation whose ends are not token
    # ends, so annotate "[45](score)%" and "[Learn HTML](course)!".
    bad = [
        (entity, text)
        for examples in data()["intents"].values()
        for example, _ in examples
        for entity, text, _ in annotations(example)
        if re.search(r"[^\w#@&]$", text) or re.match(r"[^\w#@&]+(?=[^0-9\s])", text) or text != text.strip()
    ]
    assert bad == []


def test_no_synonym_maps_one_text_to_two_values():
    conflicts = {text: values for text, values in training()["synonyms"].items() if len(values) > 1}
    assert conflicts == {}


# Value checks cover the training data only: the held-out set may (and should)
# contain surface forms the training data has never seen.
def test_refinement_and_position_resolve_to_allowed_values():
    synonyms = training()["synonyms"]
    bad = []
    for name, examples in training()["intents"].items():
        for example, _ in examples:
            for entity, text, value in annotations(example):
                if entity in ALLOWED_VALUES and resolve(text, value, synonyms) not in ALLOWED_VALUES[entity]:
                    bad.append((entity, text, example))
    assert bad == []


def test_refinement_and_position_synonyms_map_to_allowed_values():
    # Every synonym whose text is annotated as a refinement or a position
    # must map into that entity's allowed values, and those synonym blocks
    # must not be reused for other entities: the mapper ignores entity types.
    synonyms = training()["synonyms"]
    annotated_as: dict[str, set[str]] = defaultdict(set)
    for examples in training()["intents"].values():
        for example, _ in examples:
            for entity, text, _ in annotations(example):
                annotated_as[text.lower()].add(entity)
    reserved = ALLOWED_VALUES["refinement"] | {"last"}
    for text, entities in annotated_as.items():
        if text not in synonyms:
            continue
        assert len(entities) == 1, f"synonym text {text!r} is annotated as {sorted(entities)}"
        (entity,) = entities
        values = synonyms[text]
        if entity in ALLOWED_VALUES:
            assert values <= ALLOWED_VALUES[entity], (text, values)
        else:
            assert not values & reserved, (text, entity, values)


def test_level_annotations_resolve_to_the_three_levels():
    synonyms = training()["synonyms"]
    for examples in training()["intents"].values():
        for example, _ in examples:
            for entity, text, value in annotations(example):
                if entity == "level":
                    assert resolve(text, value, synonyms).lower() in LEVELS, (text, example)


def test_faq_is_a_retrieval_intent_with_enough_examples():
    faq = {name: ex for name, ex in training()["intents"].items() if name.startswith("faq")}
    expected = {f"faq/{sub}" for sub in
                ("price", "refund", "certificate", "free_audit", "payment_methods", "access_duration", "financial_aid")}
    assert set(faq) == expected
    assert all(len(examples) >= 20 for examples in faq.values())


def test_topic_lookup_is_generated_and_up_to_date():
    spec = importlib.util.spec_from_file_location("build_topic_lookup", ROOT / "scripts" / "build_topic_lookup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    subjects, common, _ = module.build(ROOT)
    expected = module.render(subjects, common)
    assert (NLU_DIR / "lookups" / "topics.yml").read_text(encoding="utf-8") == expected, (
        "data/nlu/lookups/topics.yml is stale: run python scripts/build_topic_lookup.py"
    )
    assert "machine learning" in training()["lookups"]["topic"]
